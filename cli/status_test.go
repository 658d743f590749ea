package cli

import (
	"fmt"
	"strings"
	"testing"

	"github.com/lz2ct/lz2ct/engine/runstate"
	"github.com/lz2ct/lz2ct/journal"
)

func TestStatusNamesTheFindingsThatBlockSteps(t *testing.T) {
	ph := runstate.Phase{Number: 2, Name: "Enroll"}
	ph.Steps = append(ph.Steps,
		runstate.Step{ID: "baseline.enable/ou-a", Status: journal.NotStarted, Blocked: "ou.excluded-accounts: 2 accounts its registration enrolls"},
		runstate.Step{ID: "verify/enrolled", Status: journal.NotStarted, BehindBlocked: true},
		runstate.Step{ID: "baseline.enable/ou-b", Status: journal.Done},
	)
	var b strings.Builder
	printStatus(&b, &runstate.Report{Organization: "o-abc", Dir: "st", Phases: []runstate.Phase{ph}}, "lz2ct")
	out := b.String()
	for _, want := range []string{
		"Blocked by findings (these never run; resolve the finding, run lz2ct discover again and re-plan):",
		"  baseline.enable/ou-a: ou.excluded-accounts: 2 accounts its registration enrolls\n",
		"  and 1 more step waiting for them.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("status lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "ou-b") {
		t.Errorf("a done step is listed:\n%s", out)
	}

	// Hundreds of blocked steps: the first 20 and a count.
	ph.Steps = nil
	for i := range 25 {
		ph.Steps = append(ph.Steps, runstate.Step{ID: fmt.Sprintf("baseline.enable/ou-%02d", i), Blocked: "finding"})
	}
	b.Reset()
	printStatus(&b, &runstate.Report{Phases: []runstate.Phase{ph}}, "lz2ct")
	if out := b.String(); !strings.Contains(out, "ou-19: finding") || strings.Contains(out, "ou-20") ||
		!strings.Contains(out, "and 5 more steps blocked by findings (lz2ct status --format json lists every one).") {
		t.Errorf("25 blocked steps:\n%s", out)
	}
}

func TestStatusOfAScaledRunSaysSo(t *testing.T) {
	var b strings.Builder
	printStatus(&b, &runstate.Report{Organization: "o-abc", Dir: "st", ElapsedSeconds: 45, RemainingSeconds: 600, Factor: 1, TimeScale: 200}, "lz2ct")
	if want := "Elapsed 45s (a run 200 times faster than AWS: 2h30m in AWS's time); about 10m00s remaining."; !strings.Contains(b.String(), want) {
		t.Errorf("status lacks %q:\n%s", want, b.String())
	}
}
