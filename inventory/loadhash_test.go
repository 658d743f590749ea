package inventory_test

import (
	"crypto/sha256"
	"os"
	"path/filepath"
	"testing"

	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/orggen"
)

// A file larger than what the decoder reads between two releases is hashed whole and loads
// the same as Decode.
func TestLoadHashedLargeFile(t *testing.T) {
	s, err := orggen.Generate(orggen.Params{Accounts: 3000, OUs: 120, Depth: 4, Regions: 4, Seed: 9, ConfigShare: 0.9, SCPDensity: 0.3})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "org.json")
	if err := inventory.Save(path, s); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) < 2*(8<<20)-(1<<20) { // at least one release before the end
		t.Fatalf("the file is %d bytes: too small to release pages on the way", len(data))
	}
	got, sum, err := inventory.LoadHashed(path)
	if err != nil {
		t.Fatal(err)
	}
	if sum != sha256.Sum256(data) {
		t.Error("hash differs from the SHA-256 of the file")
	}
	back, err := inventory.Encode(got)
	if err != nil {
		t.Fatal(err)
	}
	if string(back) != string(data) {
		t.Error("the loaded snapshot does not encode back to the file")
	}
}
