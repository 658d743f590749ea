package tui

import (
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/lz2ct/lz2ct/checks"
	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/orggen"
	"github.com/lz2ct/lz2ct/plans"
	"github.com/lz2ct/lz2ct/settings"
)

// bigOrg is a generated 5,000-account organization run through the real checks and planner, so
// the screens render what they would show for it.
func bigOrg(b *testing.B) (*CheckResult, *PlanView, *inventory.Snapshot) {
	b.Helper()
	p := orggen.DefaultParams()
	p.Accounts, p.OUs, p.Depth, p.Regions = 5000, 400, 5, 4
	snap, err := orggen.Generate(p)
	if err != nil {
		b.Fatal(err)
	}
	set := settings.Settings{LogArchiveEmail: "new-log@example.org", AuditEmail: "new-audit@example.org"}.Resolve(snap)
	report := checks.Run(checks.Input{Snapshot: snap, Settings: set})
	plan, err := plans.Build(snap, set, report)
	if err != nil {
		b.Fatal(err)
	}
	v := NewPlanView(plan)
	return NewCheckResult(report), &v, snap
}

func benchApp(b *testing.B, w, h int) *App {
	app := New(Options{Backend: newFake(b), Now: fixedClock})
	app.Update(tea.WindowSizeMsg{Width: w, Height: h})
	return app
}

// BenchmarkPrecheckFrame is the time to render one frame (App.View) of the pre-checks screen
// for a 5,000-account organization, scrolled to the middle of the list.
func BenchmarkPrecheckFrame(b *testing.B) {
	res, _, snap := bigOrg(b)
	app := benchApp(b, 140, 40)
	app.snap = snap
	app.active = ScreenChecks
	cs := app.screens[ScreenChecks].(*checksScreen)
	cs.SetResult(res)
	cs.list.to(len(cs.rows) / 2)
	b.Logf("%d findings, %d rows", len(res.Findings), len(cs.rows))
	b.ResetTimer()
	for b.Loop() {
		_ = app.View()
	}
}

// BenchmarkPlanFrame renders the plan screen with every phase expanded (thousands of step rows).
func BenchmarkPlanFrame(b *testing.B) {
	_, pv, snap := bigOrg(b)
	app := benchApp(b, 140, 40)
	app.snap = snap
	app.active = ScreenPlan
	ps := app.screens[ScreenPlan].(*planScreen)
	ps.SetPlan(pv)
	for i := range pv.Phases {
		ps.expanded[i] = true
	}
	ps.rebuild()
	ps.list.to(len(ps.rows) / 2)
	b.Logf("%d phase and step rows", len(ps.rows))
	b.ResetTimer()
	for b.Loop() {
		_ = app.View()
	}
}

// BenchmarkPlanOUFrame renders the OU registration order tab for the same organization.
func BenchmarkPlanOUFrame(b *testing.B) {
	_, pv, snap := bigOrg(b)
	app := benchApp(b, 140, 40)
	app.snap = snap
	app.active = ScreenPlan
	ps := app.screens[ScreenPlan].(*planScreen)
	ps.SetPlan(pv)
	ps.tab = 1
	ps.ouList.to(len(ps.ous) / 2)
	b.ResetTimer()
	for b.Loop() {
		_ = app.View()
	}
}

// BenchmarkPrecheckScroll is one key press (down) plus the frame after it: what scrolling costs.
func BenchmarkPrecheckScroll(b *testing.B) {
	res, _, snap := bigOrg(b)
	app := benchApp(b, 140, 40)
	app.snap = snap
	app.active = ScreenChecks
	cs := app.screens[ScreenChecks].(*checksScreen)
	cs.SetResult(res)
	down := tea.KeyPressMsg{Code: tea.KeyDown}
	up := tea.KeyPressMsg{Code: tea.KeyUp}
	b.ResetTimer()
	i := 0
	for b.Loop() {
		k := down
		if (i/len(cs.rows))%2 == 1 {
			k = up
		}
		app.Update(k)
		_ = app.View()
		i++
	}
}

// BenchmarkPrecheckDetailFrame renders the detail of the finding with the most subjects (every
// account of the organization, for the Config recorders check), scrolled to the middle.
func BenchmarkPrecheckDetailFrame(b *testing.B) {
	res, _, snap := bigOrg(b)
	app := benchApp(b, 140, 40)
	app.snap = snap
	app.active = ScreenChecks
	cs := app.screens[ScreenChecks].(*checksScreen)
	cs.SetResult(res)
	most := 0
	for i, f := range res.Findings {
		if len(f.Subjects) > len(res.Findings[most].Subjects) {
			most = i
		}
	}
	cs.open(most)
	cs.page.vp.SetYOffset(len(res.Findings[most].Subjects) / 2)
	b.Logf("finding %s with %d subjects", res.Findings[most].Check, len(res.Findings[most].Subjects))
	b.ResetTimer()
	for b.Loop() {
		_ = app.View()
	}
}

// BenchmarkPrecheckDetailOpen opens the page of the finding with the most subjects: the key press
// that lays out its whole body (one wrapped line per subject) before the first frame.
func BenchmarkPrecheckDetailOpen(b *testing.B) {
	res, _, _ := bigOrg(b)
	app := benchApp(b, 140, 40)
	cs := app.screens[ScreenChecks].(*checksScreen)
	cs.SetResult(res)
	most := 0
	for i, f := range res.Findings {
		if len(f.Subjects) > len(res.Findings[most].Subjects) {
			most = i
		}
	}
	b.ResetTimer()
	for b.Loop() {
		cs.open(most)
	}
}

// BenchmarkPlanAccountsFrame renders the plan's account list (every account and its disposition).
func BenchmarkPlanAccountsFrame(b *testing.B) {
	_, pv, snap := bigOrg(b)
	app := benchApp(b, 140, 40)
	app.snap = snap
	app.active = ScreenPlan
	ps := app.screens[ScreenPlan].(*planScreen)
	ps.SetPlan(pv)
	ps.tab = 2
	ps.acctList.to(len(ps.accts) / 2)
	b.Logf("%d accounts", len(ps.accts))
	b.ResetTimer()
	for b.Loop() {
		_ = app.View()
	}
}
