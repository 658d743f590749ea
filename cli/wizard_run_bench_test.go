package cli

import (
	"testing"
	"time"

	"github.com/lz2ct/lz2ct/checks"
	"github.com/lz2ct/lz2ct/engine"
	"github.com/lz2ct/lz2ct/engine/hooks"
	"github.com/lz2ct/lz2ct/orggen"
	"github.com/lz2ct/lz2ct/plans"
	"github.com/lz2ct/lz2ct/session"
	"github.com/lz2ct/lz2ct/settings"
)

// BenchmarkWizardRunView is what one dashboard update costs for a generated 5,000-account
// organization in the middle of its run: the monitor's status (lz2ct status's report from the
// live journal state, Control Tower's queue, the work in flight) turned into the screen's view.
// The wizard makes at most one every 100 ms however fast events come.
func BenchmarkWizardRunView(b *testing.B) {
	gp := orggen.DefaultParams()
	gp.Accounts, gp.OUs, gp.Depth, gp.Regions = 5000, 400, 5, 4
	snap, err := orggen.Generate(gp)
	if err != nil {
		b.Fatal(err)
	}
	set := settings.Settings{LogArchiveEmail: "new-log@example.org", AuditEmail: "new-audit@example.org"}.Resolve(snap)
	p, err := plans.Build(snap, set, checks.Run(checks.Input{Snapshot: snap, Settings: set}))
	if err != nil {
		b.Fatal(err)
	}
	mon, err := session.NewMonitor(p, b.TempDir(), nil, 1)
	if err != nil {
		b.Fatal(err)
	}
	order, _ := engine.ExecutionOrder(p)
	at := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	for i, s := range order {
		switch {
		case i < len(order)/2:
			_ = mon.Handle(hooks.Event{Type: hooks.Started, Step: s, Time: at})
			_ = mon.Handle(hooks.Event{Type: hooks.Succeeded, Step: s, Time: at.Add(time.Minute)})
		case i < len(order)/2+16:
			_ = mon.Handle(hooks.Event{Type: hooks.Started, Step: s, Time: at})
		}
	}
	b.Logf("%d steps, half done", len(order))
	b.ResetTimer()
	for b.Loop() {
		_ = runView(p, mon.Status(at.Add(time.Hour)), 1)
	}
}
