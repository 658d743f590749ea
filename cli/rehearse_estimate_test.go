package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// The plan's estimate and the rehearsal agree: a generated organization, planned and rehearsed as
// a user would (lz2ct sim generate, plan, rehearse --format json), finishes every phase within the
// plan's bounds, lower and upper. A phase's lower bound follows its critical path at AWS's best
// (quick API steps a fraction of a second, steps that run at once counted once); a rehearsal runs
// AWS's operations for the simulator's durations, which are at least AWS's least, so each phase
// takes at least its lower bound — except for people's time: the rehearsal confirms manual tasks
// at once, so a phase is held to its automated lower bound (estimate.perPhase[].
// automatedLowerSeconds: the same critical path with manual tasks at 0), which is its lower bound
// when no manual task is on its critical path (the test checks the plan has such a phase, and one
// where they differ, so both rules are exercised). The run as a whole is held to the estimate's
// total the same way (estimate.automatedLowerSeconds).
// The rehearsal counts lz2ct's own work at --time-scale: 20 keeps a loaded machine's slowness out
// of the figures while the waits still pass at once.
func TestRehearsalWithinThePlansEstimate(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: plans and rehearses a 600-account organization")
	}
	dir := t.TempDir()
	org, plan := filepath.Join(dir, "org.json"), filepath.Join(dir, "plan.json")
	run := func(args ...string) []byte {
		t.Helper()
		out, errOut, code := runRoot(t, args...)
		if code != 0 {
			t.Fatalf("lz2ct %v: exit %d: %s", args, code, errOut)
		}
		return []byte(out)
	}
	run("sim", "generate", "--accounts", "600", "--ous", "40", "--depth", "4", "--regions", "3", "--seed", "6", "-o", org)
	run("plan", "--snapshot", org, "--log-archive-email", "a@example.org", "--audit-email", "b@example.org", "-o", plan)
	var pl struct {
		Estimate struct {
			AutomatedLower int64 `json:"automatedLowerSeconds"`
			PerPhase       []struct {
				ID             string `json:"id"`
				Lower          int64  `json:"lowerSeconds"`
				AutomatedLower int64  `json:"automatedLowerSeconds"`
			} `json:"perPhase"`
		} `json:"estimate"`
	}
	if data, err := os.ReadFile(plan); err != nil {
		t.Fatal(err)
	} else if err := json.Unmarshal(data, &pl); err != nil {
		t.Fatalf("plan: %v", err)
	}
	var r struct {
		Finished  bool  `json:"finished"`
		Simulated int64 `json:"simulatedSeconds"`
		Lower     int64 `json:"estimateLowerSeconds"`
		Upper     int64 `json:"estimateSeconds"`
		Phases    []struct {
			ID        string `json:"id"`
			Steps     int    `json:"steps"`
			Done      int    `json:"done"`
			Simulated int64  `json:"simulatedSeconds"`
			Lower     int64  `json:"estimateLowerSeconds"`
			Upper     int64  `json:"estimateSeconds"`
		} `json:"phases"`
	}
	out := run("rehearse", "--plan", plan, "--snapshot", org, "--time-scale", "20", "--quiet", "--format", "json")
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("rehearsal report: %v\n%s", err, out)
	}
	if !r.Finished || len(r.Phases) != 7 || len(pl.Estimate.PerPhase) != 7 {
		t.Fatalf("the rehearsal did not finish every phase: %s", out)
	}
	var people, alike int
	for i, ph := range r.Phases {
		est := pl.Estimate.PerPhase[i]
		if est.ID != ph.ID || est.Lower != ph.Lower {
			t.Fatalf("phase %d: the plan's estimate says %s from %d s, the rehearsal %s from %d s", i, est.ID, est.Lower, ph.ID, ph.Lower)
		}
		auto := est.AutomatedLower
		if auto > ph.Lower {
			t.Errorf("%s: automated lower bound %d s over the lower bound %d s", ph.ID, auto, ph.Lower)
		}
		if auto < ph.Lower {
			people++
		} else {
			alike++
		}
		t.Logf("%-16s %7d s simulated, estimate %d–%d s (automated part from %d s)", ph.ID, ph.Simulated, ph.Lower, ph.Upper, auto)
		if ph.Done != ph.Steps {
			t.Errorf("%s: %d of %d steps done", ph.ID, ph.Done, ph.Steps)
		}
		if ph.Simulated > ph.Upper {
			t.Errorf("%s took %d s, over the plan's upper bound %d s", ph.ID, ph.Simulated, ph.Upper)
		}
		if ph.Simulated < auto {
			t.Errorf("%s took %d s, under the plan's lower bound %d s (without people's time)", ph.ID, ph.Simulated, auto)
		}
	}
	if people == 0 || alike == 0 {
		t.Errorf("%d phases with people's time on their critical path, %d without: the test wants both", people, alike)
	}
	t.Logf("%-16s %7d s simulated, estimate %d–%d s (automated part from %d s)", "the run", r.Simulated, r.Lower, r.Upper, pl.Estimate.AutomatedLower)
	if r.Simulated > r.Upper || r.Simulated < pl.Estimate.AutomatedLower {
		t.Errorf("the run took %d s, outside the plan's estimate %d–%d s (without people's time from %d s)", r.Simulated, r.Lower, r.Upper, pl.Estimate.AutomatedLower)
	}
}
