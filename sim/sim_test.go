package sim

import (
	"reflect"
	"testing"
)

func TestCopySnapshotIsDeepAndEqual(t *testing.T) {
	snap := fixture(3, testRegions)
	c := copySnapshot(snap)
	if !reflect.DeepEqual(c, snap) {
		t.Fatal("the copy differs from the snapshot")
	}
	c.Accounts[0].Regions[0].ConfigRecorders[0].Name = "changed"
	c.ALZ.Stacks[0].Outputs["LandingZoneSolutionVersion"] = "changed"
	c.Policies[0].Targets[0] = "changed"
	c.ALZ.Pipeline.Stages[0] = "changed"
	if snap.Accounts[0].Regions[0].ConfigRecorders[0].Name == "changed" || snap.ALZ.Stacks[0].Outputs["LandingZoneSolutionVersion"] == "changed" ||
		snap.Policies[0].Targets[0] == "changed" || snap.ALZ.Pipeline.Stages[0] == "changed" {
		t.Error("changing the copy changed the snapshot")
	}
}

func TestClockCompletesScheduledOperations(t *testing.T) {
	s := New(fixture(0, testRegions), Options{})
	done := 0
	s.st.clock.schedule("op-1", 2, func(st *state) { done++ })
	s.advanceClock()
	if done != 0 {
		t.Fatal("operation completed a tick early")
	}
	s.advanceClock()
	s.advanceClock()
	if done != 1 {
		t.Fatalf("operation applied %d times after its tick, want once", done)
	}
}
