package sim

import (
	"errors"
	"reflect"
	"testing"
	"time"
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

// An asynchronous operation completes exactly when the simulated clock reaches its end, once.
func TestAsyncOperationsCompleteOnTheClock(t *testing.T) {
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	mc := NewManualClock(start)
	s := New(fixture(0, testRegions), Options{Clock: mc})
	c := &call{s: s, st: s.st, svc: servicesByName["organizations"], op: "Test", account: mgmtID}
	done := 0
	s.mu.Lock()
	op := c.startAsync("", "Test", "target", 10*time.Minute, func(st *state) error { done++; return nil })
	failing := c.startAsync("", "Test", "other", 5*time.Minute, func(st *state) error { return errors.New("boom") })
	s.mu.Unlock()
	mc.Advance(9 * time.Minute)
	s.settle()
	if done != 0 || op.State() != OpRunning || failing.State() != OpFailed {
		t.Fatalf("after 9 minutes: applied %d, states %s/%s, want 0 applied, IN_PROGRESS and FAILED", done, op.State(), failing.State())
	}
	if code, msg := failing.Failure(); code == "" || msg != "boom" {
		t.Errorf("failure %q %q", code, msg)
	}
	mc.Advance(time.Minute)
	s.settle()
	s.settle()
	if done != 1 || op.State() != OpSucceeded || !op.Ended.Equal(start.Add(10*time.Minute)) {
		t.Fatalf("after 10 minutes: applied %d times, state %s, ended %v", done, op.State(), op.Ended)
	}
}

// A scaled clock runs TimeScale times faster than wall time.
func TestScaledClock(t *testing.T) {
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	c := NewScaledClock(start, 3600) // an hour per second
	time.Sleep(20 * time.Millisecond)
	if d := c.Now().Sub(start); d < time.Minute { // 20 ms at 3600x is 72 s; a lower bound only
		t.Errorf("after 20ms at 3600x the clock moved %v, want at least a minute", d)
	}
}
