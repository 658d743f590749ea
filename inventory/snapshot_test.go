package inventory_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/orggen"
)

var testdataOrgs = []string{"alz2-typical.json", "alz1-legacy.json", "blockers.json"}

func readOrg(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "testdata", "orgs", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// roundTrip loads data from a file, saves it back with Save and wants the same bytes: the file is
// in canonical form and nothing is lost or reordered on the way.
func roundTrip(t *testing.T, data []byte) *inventory.Snapshot {
	t.Helper()
	dir := t.TempDir()
	in := filepath.Join(dir, "in.json")
	if err := os.WriteFile(in, data, 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := inventory.Load(in)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	out := filepath.Join(dir, "out.json")
	if err := inventory.Save(out, s); err != nil {
		t.Fatalf("save: %v", err)
	}
	back, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, back) {
		t.Fatalf("load+save changed the file (%d -> %d bytes); first difference at byte %d", len(data), len(back), firstDiff(data, back))
	}
	// Sorting a loaded snapshot changes nothing either: files are stored in canonical order.
	s.Sort()
	sorted, err := inventory.Encode(s)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(sorted, data) {
		t.Fatalf("the file is not in canonical (sorted) order; first difference at byte %d", firstDiff(data, sorted))
	}
	return s
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func TestTestdataRoundTrip(t *testing.T) {
	for _, name := range testdataOrgs {
		t.Run(name, func(t *testing.T) {
			s := roundTrip(t, readOrg(t, name))
			if s.Source != "hand-written" {
				t.Errorf("source %q, want hand-written", s.Source)
			}
			checkDiscoveryInvariants(t, s)
		})
	}
}

func TestGeneratedRoundTrip(t *testing.T) {
	cases := []orggen.Params{
		{Accounts: 10, OUs: 1, Depth: 1, Regions: 1},
		{Accounts: 10, OUs: 3, Depth: 2, Regions: 2, ALZVersion: "1.0.3"},
		{Accounts: 40, OUs: 6, Depth: 3, Regions: 3, ALZVersion: "2.2.0"},
		{Accounts: 100, OUs: 12, Depth: 4, Regions: 4},
		{Accounts: 300, OUs: 25, Depth: 5, Regions: 17},
		{Accounts: 1000, OUs: 80, Depth: 6, Regions: 2},
		{Accounts: 10000, OUs: 400, Depth: 5, Regions: 2}, // the large one, once
	}
	for i, p := range cases {
		p.Seed = int64(i + 1)
		p.ConfigShare, p.SCPDensity = 0.9, 0.4
		t.Run(fmt.Sprintf("%dx%d-depth%d", p.Accounts, p.Regions, p.Depth), func(t *testing.T) {
			if p.Accounts >= 10000 && testing.Short() {
				t.Skip("large organization skipped in -short")
			}
			s, err := orggen.Generate(p)
			if err != nil {
				t.Fatal(err)
			}
			data, err := inventory.Encode(s)
			if err != nil {
				t.Fatal(err)
			}
			back := roundTrip(t, data)
			if len(back.Accounts) != p.Accounts || len(back.OUs) != p.OUs || len(back.Regions) != p.Regions {
				t.Errorf("got %d accounts, %d OUs, %d regions; asked for %d, %d, %d", len(back.Accounts), len(back.OUs), len(back.Regions), p.Accounts, p.OUs, p.Regions)
			}
			ix := inventory.NewIndex(back)
			deepest := 0
			for _, ou := range back.OUs {
				deepest = max(deepest, ix.Depth(ou.ID))
			}
			if deepest != p.Depth {
				t.Errorf("deepest OU at level %d, asked for %d", deepest, p.Depth)
			}
			checkDiscoveryInvariants(t, back)
		})
	}
}

// mutate decodes the typical org into generic JSON, lets f change it, and encodes it again.
func mutate(t *testing.T, f func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(readOrg(t, "alz2-typical.json")))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	f(m)
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func list(m map[string]any, key string) []any { return m[key].([]any) }
func item(m map[string]any, key string, i int) map[string]any {
	return list(m, key)[i].(map[string]any)
}

func TestDecodeRejects(t *testing.T) {
	good := readOrg(t, "alz2-typical.json")
	cases := []struct {
		name     string
		data     []byte
		path     string
		contains string
	}{
		{"truncated", good[:len(good)/2], "$", "truncated"},
		{"empty", []byte{}, "$", "invalid JSON"},
		{"not an object", []byte(`[1,2]`), "$", "object"},
		{"wrong version", mutate(t, func(m map[string]any) { m["schemaVersion"] = 2 }), "$.schemaVersion", "unsupported version 2"},
		{"no version", mutate(t, func(m map[string]any) { delete(m, "schemaVersion") }), "$.schemaVersion", "missing"},
		{"unknown account parent", mutate(t, func(m map[string]any) {
			item(m, "accounts", 3)["parentId"] = "ou-zzzz-nothere1"
		}), "$.accounts[3].parentId", "unknown parent"},
		{"unknown OU parent", mutate(t, func(m map[string]any) {
			item(m, "ous", 2)["parentId"] = "ou-zzzz-nothere1"
		}), "$.ous[2].parentId", "unknown parent"},
		{"duplicate account ID", mutate(t, func(m map[string]any) {
			item(m, "accounts", 5)["id"] = item(m, "accounts", 1)["id"]
		}), "$.accounts[5].id", "duplicate account"},
		{"duplicate OU ID", mutate(t, func(m map[string]any) {
			item(m, "ous", 4)["id"] = item(m, "ous", 0)["id"]
		}), "$.ous[4].id", "duplicate ID"},
		{"duplicate policy ID", mutate(t, func(m map[string]any) {
			item(m, "policies", 2)["id"] = item(m, "policies", 1)["id"]
		}), "$.policies[2].id", "duplicate policy"},
		{"cycle in the OU tree", mutate(t, func(m map[string]any) {
			a, b := item(m, "ous", 0), item(m, "ous", 1)
			a["parentId"], b["parentId"] = b["id"], a["id"]
		}), "$.ous[0].parentId", "cycle"},
		{"OU is its own parent", mutate(t, func(m map[string]any) {
			a := item(m, "ous", 6)
			a["parentId"] = a["id"]
		}), "$.ous[6].parentId", "cycle"},
		{"invalid e-mail", mutate(t, func(m map[string]any) {
			item(m, "accounts", 7)["email"] = "not an address"
		}), "$.accounts[7].email", "not a valid e-mail"},
		{"unknown field", mutate(t, func(m map[string]any) {
			m["organization"].(map[string]any)["colour"] = "blue"
		}), "$.organization.colour", "unknown field"},
		{"unknown nested field", mutate(t, func(m map[string]any) {
			item(m, "accounts", 2)["regions"].([]any)[1].(map[string]any)["stsDisable"] = true
		}), "$.accounts[2].regions[1].stsDisable", "unknown field"},
		{"wrong type: string for bool", mutate(t, func(m map[string]any) {
			item(m, "accounts", 4)["iam"].(map[string]any)["stackSetExecutionRole"] = "yes"
		}), "$.accounts[4].iam.stackSetExecutionRole", "expected true or false"},
		{"wrong type: number for string", mutate(t, func(m map[string]any) {
			item(m, "ous", 1)["name"] = 7
		}), "$.ous[1].name", "expected a string"},
		{"wrong type: object for array", mutate(t, func(m map[string]any) {
			m["regions"] = map[string]any{"eu-west-1": true}
		}), "$.regions", "expected an array"},
		{"fraction for an integer", mutate(t, func(m map[string]any) {
			m["organization"].(map[string]any)["accountQuota"] = 1.5
		}), "$.organization.accountQuota", "integer"},
		{"bad time", mutate(t, func(m map[string]any) { m["capturedAt"] = "yesterday" }), "$.capturedAt", "RFC 3339"},
		{"bad region", mutate(t, func(m map[string]any) { m["regions"] = []any{"eu-west-1", "Ireland"} }), "$.regions[1]", "not a region"},
		{"bad status", mutate(t, func(m map[string]any) { item(m, "accounts", 0)["status"] = "RETIRED" }), "$.accounts[0].status", "ACTIVE"},
		{"unknown policy target", mutate(t, func(m map[string]any) {
			item(m, "policies", 0)["targets"] = []any{"ou-zzzz-nothere1"}
		}), "$.policies[0].targets[0]", "unknown target"},
		{"management account missing", mutate(t, func(m map[string]any) {
			m["organization"].(map[string]any)["managementAccountId"] = "000000000000"
		}), "$.organization.managementAccountId", "not in $.accounts"},
		{"unknown ALZ accounts: the first field is named", mutate(t, func(m map[string]any) {
			alz := m["alz"].(map[string]any)
			alz["securityAccountId"], alz["logArchiveAccountId"], alz["sharedServicesAccountId"] = "000000000001", "000000000002", "000000000003"
		}), "$.alz.securityAccountId", "unknown account"},
		{"trailing data", append(append([]byte{}, good...), []byte("{}")...), "$", "after the snapshot"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := inventory.Decode(c.data)
			if err == nil {
				t.Fatal("accepted")
			}
			var pe *inventory.PathError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a *PathError", err)
			}
			if pe.Path != c.path {
				t.Errorf("path %q, want %q (error: %v)", pe.Path, c.path, err)
			}
			if !strings.Contains(err.Error(), c.contains) {
				t.Errorf("error %q does not say %q", err, c.contains)
			}
		})
	}
}

func TestLoadNamesFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "org.json")
	if err := os.WriteFile(path, []byte(`{"schemaVersion": 1, "regions": 3}`), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := inventory.Load(path)
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "$.regions") {
		t.Errorf("error %v should name the file and $.regions", err)
	}
	if _, err := inventory.Load(filepath.Join(t.TempDir(), "missing.json")); err == nil {
		t.Error("missing file accepted")
	}
}

// Save replaces a file atomically and leaves no temporary files behind.
func TestSaveAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "org.json")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := inventory.Decode(readOrg(t, "alz1-legacy.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := inventory.Save(path, s); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("folder holds %d entries after Save, want 1", len(entries))
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, readOrg(t, "alz1-legacy.json")) {
		t.Error("saved bytes differ from the canonical file")
	}
	if err := inventory.Save(filepath.Join(dir, "no", "such", "dir.json"), s); err == nil {
		t.Error("Save into a missing folder succeeded")
	}
}

// A path that is a pipe or a device (-o /dev/null) is written to, not replaced by a file: renaming
// over /dev/null as root turned it into a regular file for the whole machine. A FIFO stands in for
// the device, so the test cannot harm the machine when the rule is broken.
func TestWriteAtomicKeepsDevicesAndPipes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	got := make(chan []byte, 1)
	go func() {
		f, err := os.Open(path) // blocks until the writer opens the pipe
		if err != nil {
			got <- nil
			return
		}
		defer f.Close()
		b, _ := io.ReadAll(f)
		got <- b
	}()
	done := make(chan error, 1)
	go func() { done <- inventory.WriteFileAtomic(path, []byte("plan"), 0o600) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("WriteFileAtomic did not open the FIFO for writing") // a rename never opens it
	}
	if fi, err := os.Lstat(path); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Fatalf("the FIFO was replaced by a file (%v, %v)", fi.Mode(), err)
	}
	if b := <-got; string(b) != "plan" {
		t.Errorf("the reader of the FIFO got %q, want %q", b, "plan")
	}
}

// Sort gives one order whatever order discovery recorded things in, ties included.
func TestSortCanonical(t *testing.T) {
	s, err := inventory.Decode(readOrg(t, "blockers.json"))
	if err != nil {
		t.Fatal(err)
	}
	// Two problems with the same scope, differing only in code and message, in both orders.
	extra := []inventory.Problem{
		{AccountID: s.Accounts[5].ID, Region: "eu-west-1", Service: "config", Operation: "DescribeConfigurationRecorders", Code: "ThrottlingException", Message: "Rate exceeded"},
		{AccountID: s.Accounts[5].ID, Region: "eu-west-1", Service: "config", Operation: "DescribeConfigurationRecorders", Code: "AccessDeniedException", Message: "denied"},
	}
	var outs [][]byte
	for _, order := range [][]int{{0, 1}, {1, 0}} {
		c, err := inventory.Decode(readOrg(t, "blockers.json"))
		if err != nil {
			t.Fatal(err)
		}
		for _, i := range order {
			c.Problems = append(c.Problems, extra[i])
		}
		// Reverse every top-level list, as if AWS had paged in the opposite order.
		slices.Reverse(c.Accounts)
		slices.Reverse(c.OUs)
		slices.Reverse(c.Policies)
		slices.Reverse(c.Problems)
		slices.Reverse(c.ALZ.StackSets)
		c.Sort()
		data, err := inventory.Encode(c)
		if err != nil {
			t.Fatal(err)
		}
		outs = append(outs, data)
	}
	if !bytes.Equal(outs[0], outs[1]) {
		t.Error("the same snapshot sorted to different bytes depending on input order")
	}
}
