package discover_test

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/inventory/discover"
	"github.com/lz2ct/lz2ct/sim"
)

// TestRoundTripTestdata serves every testdata organization and discovers it again through the real
// SDK: the result must equal the served snapshot (capture time and source aside).
func TestRoundTripTestdata(t *testing.T) {
	files, err := filepath.Glob("../../testdata/orgs/*.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no testdata/orgs/*.json")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			want, err := inventory.Load(f)
			if err != nil {
				t.Fatal(err)
			}
			srv, url := serve(t, want, sim.Options{})
			got, err := discoverFrom(t, url, discover.Options{Regions: want.Regions}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got.Source != "discover" || got.CapturedAt.IsZero() {
				t.Errorf("source %q capturedAt %v: want discover and a time", got.Source, got.CapturedAt)
			}
			if err := inventory.Validate(got); err != nil {
				t.Errorf("discovered snapshot is invalid: %v", err)
			}
			assertSame(t, want, got)
			assertReadOnly(t, srv)
		})
	}
}

// assertReadOnly fails if the simulator saw a mutating call.
func assertReadOnly(t testing.TB, srv *sim.Server) {
	t.Helper()
	calls := srv.Calls()
	if len(calls) == 0 {
		t.Fatal("the simulator saw no calls")
	}
	for _, c := range calls {
		if c.Mutating {
			t.Errorf("mutating call during discovery: %s:%s as %s in %s", c.Service, c.Operation, c.Account, c.Region)
		}
	}
}

// Without --regions discovery reads every region enabled for the management account: the 17 that
// need no opt-in and its opt-in regions, as DescribeRegions answers them.
func TestDefaultRegionsAreTheEnabledOnes(t *testing.T) {
	want := loadTestdata(t, "alz1-legacy.json")
	_, url := serve(t, want, sim.Options{})
	got, err := discoverFrom(t, url, discover.Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var enabled []string
	for _, r := range inventory.PartitionRegions("aws") {
		if !r.OptIn {
			enabled = append(enabled, r.Name)
		}
	}
	if !slices.Equal(got.Regions, enabled) {
		t.Errorf("regions %v, want the enabled ones %v", got.Regions, enabled)
	}
	for _, a := range got.Accounts {
		if a.IAM != nil && len(a.Regions) != len(enabled) {
			t.Errorf("account %s has %d regions, want %d", a.ID, len(a.Regions), len(enabled))
		}
	}
}

// An opt-in region the account has not enabled is not read there, and that is a fact of the
// account (its optInRegions), not a problem: AWS refuses the credentials there.
func TestDisabledOptInRegionIsAFact(t *testing.T) {
	served := loadTestdata(t, "alz2-typical.json")
	// The management account enables me-south-1; one member account too, the others not.
	var member *inventory.Account
	for i := range served.Accounts {
		a := &served.Accounts[i]
		if a.ID == served.Organization.ManagementAccountID {
			a.OptInRegions = append(a.OptInRegions, "me-south-1")
		} else if member == nil && a.IAM != nil && len(a.OptInRegions) == 0 {
			member = a
		}
	}
	if member == nil {
		t.Fatal("testdata has no readable member account without opt-in regions")
	}
	member.OptInRegions = []string{"me-south-1"}
	disabled := 0
	for i := range served.Accounts {
		a := &served.Accounts[i]
		switch {
		case a.IAM == nil:
		case a.EnabledIn("me-south-1"):
			a.Regions = append(a.Regions, inventory.AccountRegion{Region: "me-south-1"})
		default:
			disabled++
		}
	}
	if disabled == 0 {
		t.Fatal("no readable account left with me-south-1 disabled")
	}
	served.Regions = append(served.Regions, "me-south-1")
	served.Sort()
	if err := inventory.Validate(served); err != nil {
		t.Fatal(err)
	}
	srv, url := serve(t, served, sim.Options{})
	got, err := discoverFrom(t, url, discover.Options{Regions: served.Regions}, nil)
	if err != nil {
		t.Fatal(err)
	}
	assertSame(t, served, got)
	for _, c := range srv.Calls() {
		if c.Region == "me-south-1" && c.Code != "" {
			t.Errorf("%s:%s as %s in me-south-1 answered %s: discovery should not call into a disabled region", c.Service, c.Operation, c.Account, c.Code)
		}
	}
}
