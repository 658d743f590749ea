package inventory_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/orggen"
)

// FuzzDecode: Decode never panics, rejects with a *PathError, and whatever it accepts encodes to
// a snapshot that decodes again to the same canonical bytes.
func FuzzDecode(f *testing.F) {
	for _, name := range []string{"alz2-typical.json", "alz1-legacy.json"} {
		data := readOrg(f, name)
		f.Add(data)
	}
	small, err := orggen.Generate(orggen.Params{Accounts: 4, OUs: 1, Depth: 1, Regions: 1, Seed: 3})
	if err != nil {
		f.Fatal(err)
	}
	data, err := inventory.Encode(small)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add([]byte(`{"schemaVersion":1}`))
	f.Add([]byte(`{"schemaVersion":1,"organization":{"id":"o-aaaaaaaaaa"},"roots":[{"id":"r-abcd"}],"ous":[{"id":"ou-abcd-aaaaaaaa","name":"x","parentId":"ou-abcd-aaaaaaaa"}]}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"schemaVersion":1e0}`))

	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := inventory.Decode(data)
		if err != nil {
			var pe *inventory.PathError
			if !errors.As(err, &pe) || pe.Path == "" || pe.Path[0] != '$' {
				t.Fatalf("error %v is not a *PathError with a JSON path", err)
			}
			return
		}
		first, err := inventory.Encode(s)
		if err != nil {
			t.Fatalf("accepted snapshot does not encode: %v", err)
		}
		again, err := inventory.Decode(first)
		if err != nil {
			t.Fatalf("re-encoded snapshot is rejected: %v\n%s", err, first)
		}
		second, err := inventory.Encode(again)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first, second) {
			t.Fatalf("decode(encode(s)) differs from s:\n%s\n---\n%s", first, second)
		}
	})
}
