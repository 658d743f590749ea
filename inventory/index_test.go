package inventory_test

import (
	"slices"
	"sort"
	"testing"

	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/orggen"
)

// smallOrg is a tree whose answers are known by hand:
//
//	root: management
//	  core: security, log-archive, shared-services
//	  A
//	    A1
//	      A1x: x1, x2
//	    A2: a2
//	  B: b
func smallOrg(t *testing.T) (*inventory.Snapshot, map[string]string) {
	t.Helper()
	b, err := orggen.NewBuilder(orggen.Options{Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	id := map[string]string{"root": b.RootID(), "core": b.CoreOUID(), "mgmt": b.ManagementAccountID()}
	id["A"] = b.AddOU(b.RootID(), "A")
	id["A1"] = b.AddOU(id["A"], "A1")
	id["A1x"] = b.AddOU(id["A1"], "A1x")
	id["A2"] = b.AddOU(id["A"], "A2")
	id["B"] = b.AddOU(b.RootID(), "B")
	id["x1"] = b.AddAccount(id["A1x"], orggen.AccountSpec{Name: "x1"})
	id["x2"] = b.AddAccount(id["A1x"], orggen.AccountSpec{Name: "x2"})
	id["a2"] = b.AddAccount(id["A2"], orggen.AccountSpec{Name: "a2"})
	id["b"] = b.AddAccount(id["B"], orggen.AccountSpec{Name: "b"})
	id["scp"] = b.AttachSCP(orggen.CustomSCPs()[0], id["A1"], id["x1"])
	s := b.Snapshot()
	arn := func(target string) string {
		return "arn:aws:organizations::" + id["mgmt"] + ":ou/" + s.Organization.ID + "/" + target
	}
	base := "arn:aws:controltower:us-east-1::baseline/17BSJV3IGJ2QSGA2"
	s.ControlTower.EnabledBaselines = []inventory.EnabledBaseline{
		{Arn: "arn:aws:controltower:us-east-1:1:enabledbaseline/1", BaselineIdentifier: base, TargetIdentifier: arn(id["A"]), Status: "SUCCEEDED"},
		{Arn: "arn:aws:controltower:us-east-1:1:enabledbaseline/2", BaselineIdentifier: base, TargetIdentifier: arn(id["A1"]), Status: "FAILED"},
		{Arn: "arn:aws:controltower:us-east-1:1:enabledbaseline/3", BaselineIdentifier: base, TargetIdentifier: "arn:aws:organizations::" + id["mgmt"] + ":account/" + s.Organization.ID + "/" + id["b"], Status: "SUCCEEDED"},
		// Another baseline on B does not register it: only AWSControlTowerBaseline does.
		{Arn: "arn:aws:controltower:us-east-1:1:enabledbaseline/4", BaselineIdentifier: "arn:aws:controltower:us-east-1::baseline/AuditBaseline", TargetIdentifier: arn(id["B"]), Status: "SUCCEEDED"},
	}
	// The AWSControlTowerBaseline ARN ends in an opaque ID: only the ListBaselines catalogue names it.
	s.ControlTower.Baselines = []inventory.Baseline{
		{Arn: base, Name: inventory.BaselineControlTower},
		{Arn: "arn:aws:controltower:us-east-1::baseline/AuditBaseline", Name: "AuditBaseline"},
	}
	if err := inventory.Validate(s); err != nil {
		t.Fatal(err)
	}
	return s, id
}

func TestIndexTree(t *testing.T) {
	s, id := smallOrg(t)
	ix := inventory.NewIndex(s)
	for name, want := range map[string]int{"core": 1, "A": 1, "A1": 2, "A1x": 3, "A2": 2, "B": 1, "root": 0, "x1": 0} {
		if got := ix.Depth(id[name]); got != want {
			t.Errorf("Depth(%s) = %d, want %d", name, got, want)
		}
	}
	if got, want := ix.Ancestors(id["x1"]), []string{id["A1x"], id["A1"], id["A"], id["root"]}; !slices.Equal(got, want) {
		t.Errorf("Ancestors(x1) = %v, want %v", got, want)
	}
	if got, want := ix.Ancestors(id["A"]), []string{id["root"]}; !slices.Equal(got, want) {
		t.Errorf("Ancestors(A) = %v, want %v", got, want)
	}
	if got := ix.Ancestors(id["root"]); len(got) != 0 {
		t.Errorf("Ancestors(root) = %v, want none", got)
	}
	sorted := func(ids ...string) []string { sort.Strings(ids); return ids }
	if got, want := ix.AccountsUnder(id["A"]), sorted(id["x1"], id["x2"], id["a2"]); !slices.Equal(got, want) {
		t.Errorf("AccountsUnder(A) = %v, want %v", got, want)
	}
	if got := ix.AccountsUnder(id["A1x"]); !slices.Equal(got, sorted(id["x1"], id["x2"])) {
		t.Errorf("AccountsUnder(A1x) = %v", got)
	}
	for name, want := range map[string]int{"root": 8, "A": 3, "A1": 2, "A1x": 2, "A2": 1, "B": 1, "core": 3} {
		if got := ix.SubtreeAccountCount(id[name]); got != want {
			t.Errorf("SubtreeAccountCount(%s) = %d, want %d", name, got, want)
		}
	}
	if got := ix.Path(id["A1x"]); got != "A/A1/A1x" {
		t.Errorf("Path(A1x) = %q", got)
	}
	if ou := ix.OUByName(id["root"], "b"); ou == nil || ou.ID != id["B"] {
		t.Errorf("OUByName(root, b) = %v, want B (names compare case-insensitively)", ou)
	}
	if ou := ix.OUByName(id["A"], "B"); ou != nil {
		t.Errorf("OUByName(A, B) = %v, want nil", ou)
	}
	if got := ix.ChildOUs(id["A"]); !slices.Equal(got, sorted(id["A1"], id["A2"])) {
		t.Errorf("ChildOUs(A) = %v", got)
	}
	if got := ix.ChildAccounts(id["root"]); !slices.Equal(got, []string{id["mgmt"]}) {
		t.Errorf("ChildAccounts(root) = %v", got)
	}
	if got := ix.PoliciesOn(id["A1"]); !slices.Contains(got, id["scp"]) || !slices.Contains(got, orggen.FullAWSAccessID) || len(got) != 2 {
		t.Errorf("PoliciesOn(A1) = %v, want FullAWSAccess and the custom SCP", got)
	}
	if ix.Parent(id["x2"]) != id["A1x"] || ix.Parent(id["root"]) != "" || !ix.IsRoot(id["root"]) || ix.IsRoot(id["A"]) {
		t.Error("Parent/IsRoot disagree with the tree")
	}
	if ix.RootID() != id["root"] || ix.OU(id["A2"]).Name != "A2" || ix.Account(id["b"]).Name != "b" || ix.Policy(id["scp"]) == nil {
		t.Error("lookups by ID disagree with the snapshot")
	}
	if !ix.IsRegistered(id["A"]) || ix.IsRegistered(id["A1"]) || ix.IsRegistered(id["B"]) {
		t.Errorf("IsRegistered: A=%v (succeeded), A1=%v (failed), B=%v (other baseline)", ix.IsRegistered(id["A"]), ix.IsRegistered(id["A1"]), ix.IsRegistered(id["B"]))
	}
	if !ix.IsEnrolled(id["b"]) || ix.IsEnrolled(id["x1"]) {
		t.Error("IsEnrolled disagrees with the enabled baselines")
	}
}

// On generated organizations of every depth, the index agrees with a walk of the parent links.
func TestIndexGenerated(t *testing.T) {
	for depth := 1; depth <= orggen.MaxDepth; depth++ {
		s, err := orggen.Generate(orggen.Params{Accounts: 200, OUs: 30, Depth: depth, Regions: 1, Seed: int64(depth), SCPDensity: 0.5, ConfigShare: 1})
		if err != nil {
			t.Fatal(err)
		}
		ix := inventory.NewIndex(s)
		parent := map[string]string{}
		for _, ou := range s.OUs {
			parent[ou.ID] = ou.ParentID
		}
		deepest := 0
		for _, ou := range s.OUs {
			d := 0
			for p := ou.ID; p != ix.RootID(); p = parent[p] {
				d++
			}
			if got := ix.Depth(ou.ID); got != d {
				t.Errorf("depth %d org: Depth(%s) = %d, walk says %d", depth, ou.ID, got, d)
			}
			if got := len(ix.Ancestors(ou.ID)); got != d {
				t.Errorf("depth %d org: %d ancestors of %s, want %d", depth, got, ou.ID, d)
			}
			if n := ix.SubtreeAccountCount(ou.ID); n != len(ix.AccountsUnder(ou.ID)) {
				t.Errorf("SubtreeAccountCount(%s) = %d, AccountsUnder has %d", ou.ID, n, len(ix.AccountsUnder(ou.ID)))
			}
			deepest = max(deepest, d)
		}
		if deepest != depth {
			t.Errorf("asked for depth %d, deepest OU is at %d", depth, deepest)
		}
		if n := ix.SubtreeAccountCount(ix.RootID()); n != len(s.Accounts) {
			t.Errorf("SubtreeAccountCount(root) = %d, want all %d accounts", n, len(s.Accounts))
		}
		if under := ix.AccountsUnder(ix.RootID()); !sort.StringsAreSorted(under) {
			t.Error("AccountsUnder is not sorted")
		}
	}
}
