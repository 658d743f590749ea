package tui

import (
	"testing"
	"time"

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

// midRun is the dashboard's view of the 5,000-account organization's plan in the middle of a run:
// the first half of every phase done, an OU registration running with the next three queued, the
// general pool's 16 steps in flight, 20 failures, a manual step waiting and a full log (the
// dashboard keeps the newest 1,000 lines).
func midRun(pv *PlanView) RunView {
	at := fixedClock()
	v := RunView{Organization: pv.Organization, Started: at.Add(-26 * time.Hour), Remaining: 31 * time.Hour, Factor: 1.1, Scale: 1}
	var all []StepView
	for _, ph := range pv.Phases {
		n := len(ph.Steps)
		v.Phases = append(v.Phases, RunPhase{Number: ph.Number, Name: ph.Name, Done: n / 2, Running: min(n, 3), Failed: min(n/100, 5), Total: n})
		v.Done += n / 2
		v.Total += n
		all = append(all, ph.Steps...)
	}
	mid := len(all) / 2
	step := func(i int, scope string) RunStep {
		x := all[i%len(all)]
		return RunStep{ID: x.ID, Title: x.Title, Scope: scope, Since: at.Add(-time.Duration(i%600) * time.Second), Expected: 12 * time.Minute}
	}
	v.ControlTower = []RunStep{step(mid, "OU")}
	for i := 1; i <= 3; i++ {
		v.Next = append(v.Next, step(mid+i, ""))
	}
	for i := 0; i < 16; i++ {
		v.InFlight = append(v.InFlight, step(mid-10-i, "12 accounts × 4 regions"))
	}
	for i := 0; i < 20; i++ {
		f := step(mid-100-i, "")
		f.Error = "operation 9f2e41aa-0b7c-4e55-8d21-77aa00bb11cc failed: AccessDenied: not authorized to perform config:DeleteConfigurationRecorder"
		f.Advice = "the credentials lack a permission this step needs (lz2ct iam-policy prints the policy): grant it, then run lz2ct resume"
		v.Failed = append(v.Failed, f)
	}
	v.Waiting = []RunStep{{ID: "manual/security-tooling", Title: "Move security tooling and alerting to the new Audit account",
		Instructions: []string{"Make the new Audit account the delegated administrator of GuardDuty and Security Hub."}}}
	for i := 0; i < 1000; i++ {
		x := all[(mid-1000+i+len(all))%len(all)]
		v.Log = append(v.Log, at.Add(time.Duration(i-1000)*time.Second).Format("15:04:05")+" done     "+x.ID+" ("+x.Title+")")
	}
	return v
}

// BenchmarkApplyFrame is the time to render one frame (App.View) of the apply dashboard for the
// 5,000-account organization in the middle of its run.
func BenchmarkApplyFrame(b *testing.B) {
	_, pv, snap := bigOrg(b)
	app := benchApp(b, 140, 40)
	app.snap = snap
	app.active = ScreenApply
	as := app.apply()
	as.reset("state", &PlanResult{View: *pv}, false)
	as.state, as.view, as.now = applyRunning, midRun(pv), fixedClock()
	b.Logf("%d steps, %d log lines, %d in flight", as.view.Total, len(as.view.Log), len(as.view.InFlight))
	b.ResetTimer()
	for b.Loop() {
		_ = app.View()
	}
}

// BenchmarkApplyFrameScrolled is the same frame with the log scrolled back 500 lines (the lines
// above the visible ones are laid out to find where the window starts).
func BenchmarkApplyFrameScrolled(b *testing.B) {
	_, pv, snap := bigOrg(b)
	app := benchApp(b, 140, 40)
	app.snap = snap
	app.active = ScreenApply
	as := app.apply()
	as.reset("state", &PlanResult{View: *pv}, false)
	as.state, as.view, as.now = applyRunning, midRun(pv), fixedClock()
	as.logBack = 500
	b.ResetTimer()
	for b.Loop() {
		_ = app.View()
	}
}
