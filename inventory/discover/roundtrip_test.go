package discover_test

import (
	"path/filepath"
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
			got, err := discoverFrom(t, url, discover.Options{}, nil)
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
