package plans

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/lz2ct/lz2ct/checks"
	"github.com/lz2ct/lz2ct/settings"
)

func TestHuman(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0m", 45 * time.Minute: "45m", 3*time.Hour + 20*time.Minute: "3h20m", 2 * time.Hour: "2h",
		52 * time.Hour: "2d 4h", 89 * time.Second: "1m",
	} {
		if got := Human(d); got != want {
			t.Errorf("Human(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestWriteTextCutsLongListsAndShowsBlockers(t *testing.T) {
	o := newTiny()
	for i := 0; i < 6; i++ {
		o.accounts(o.ou("r-ab12", "OU"+string(rune('A'+i))), 1)
	}
	p := o.plan(t, func(s *settings.Settings) {},
		checks.Finding{Check: "ct.identity-center-region", Title: "IC elsewhere", Severity: checks.Blocker, Phase: checks.PhaseDeploy})
	var buf bytes.Buffer
	if err := WriteText(&buf, p, 3); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"Blockers the plan cannot fix (1)", "phase 1  ct.identity-center-region: IC elsewhere", "overlap (runs during Control Tower's work)", "total", "LOWER  UPPER", "Calendar: 1 working session", "Unrecorded window", "The upper bound is dominated by",
		"steps: 8 can run, 7 blocked by a pre-check finding, 14 waiting for a blocked step",
		"(3 more in the JSON plan)", "1  OUA", "6 ou-registration"} {
		if !strings.Contains(out, want) {
			t.Errorf("text lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "OUF") {
		t.Errorf("list not cut at 3 rows:\n%s", out)
	}
	buf.Reset()
	if err := WriteMarkdown(&buf, p); err != nil {
		t.Fatal(err)
	}
	if md := buf.String(); !strings.Contains(md, "> **Blocker** `ct.identity-center-region`") || strings.Count(md, "- [ ] `") != p.StepCount() {
		t.Errorf("markdown: blocker missing or %d checkboxes for %d steps", strings.Count(md, "- [ ] `"), p.StepCount())
	}
}
