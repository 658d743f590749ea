package cli

import (
	"encoding/json"
	"path/filepath"
	"testing"
)

// The plan's estimate and the rehearsal agree: a generated organization, planned and rehearsed as
// a user would (lz2ct sim generate, plan, rehearse --format json), finishes every phase within the
// plan's upper bound, and its Config and registration phases — AWS's durations, StackSet batches,
// one operation per StackSet at a time — within the lower bound too. (The other phases' lower
// bounds count quick steps at 30 s each and manual tasks, which a rehearsal confirms at once.)
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
	var r struct {
		Finished bool `json:"finished"`
		Phases   []struct {
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
	if !r.Finished || len(r.Phases) != 7 {
		t.Fatalf("the rehearsal did not finish every phase: %s", out)
	}
	for _, ph := range r.Phases {
		t.Logf("%-16s %7d s simulated, estimate %d–%d s", ph.ID, ph.Simulated, ph.Lower, ph.Upper)
		if ph.Done != ph.Steps {
			t.Errorf("%s: %d of %d steps done", ph.ID, ph.Done, ph.Steps)
		}
		if ph.Simulated > ph.Upper {
			t.Errorf("%s took %d s, over the plan's upper bound %d s", ph.ID, ph.Simulated, ph.Upper)
		}
		if (ph.ID == "config" || ph.ID == "register") && ph.Simulated < ph.Lower {
			t.Errorf("%s took %d s, under the plan's lower bound %d s", ph.ID, ph.Simulated, ph.Lower)
		}
	}
}
