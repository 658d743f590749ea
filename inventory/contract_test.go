package inventory_test

import (
	"testing"

	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/orggen"
)

// checkDiscoveryInvariants fails the test for every rule of docs/discovery.md the snapshot breaks.
func checkDiscoveryInvariants(t *testing.T, s *inventory.Snapshot) {
	t.Helper()
	bad := orggen.CheckContract(s)
	for i, b := range bad {
		if i == 10 {
			t.Errorf("... and %d more", len(bad)-10)
			break
		}
		t.Error(b)
	}
}
