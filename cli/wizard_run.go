package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/lz2ct/lz2ct/engine"
	"github.com/lz2ct/lz2ct/engine/hooks"
	"github.com/lz2ct/lz2ct/journal"
	"github.com/lz2ct/lz2ct/plans"
	"github.com/lz2ct/lz2ct/session"
	"github.com/lz2ct/lz2ct/tui"
)

// The wizard's apply dashboard over the session layer: the same OpenRun / Engine / Execute as
// lz2ct apply and resume, with a session.Monitor as the hook that feeds the screen.

// liveRun is the run the wizard has in progress.
type liveRun struct {
	e   *engine.Engine
	mon *session.Monitor
}

// viewEvery bounds how often the dashboard gets a new view: events can come by the hundred a
// second (a 5,000-account organization's Config removal), a screen needs a few a second.
const viewEvery = 100 * time.Millisecond

// FindRun reports the run recorded in dir, as the start screen offers to resume it.
func (w *wizardBackend) FindRun(dir string) (*tui.RunInfo, error) {
	started, err := folder(dir).RunStarted()
	if err != nil || !started {
		return nil, err
	}

	rep, err := session.Status(dir, time.Now())
	if err != nil {
		return nil, err
	}
	info := &tui.RunInfo{Dir: dir, Organization: rep.Organization, Done: rep.Counts.Done, Total: rep.Counts.Total(),
		Failed: rep.Counts.Failed, Waiting: rep.Counts.Waiting, Active: rep.Active}
	if rep.Holder != nil {
		info.Holder = rep.Holder.String()
	}
	if l := rep.LastRun; l != nil {
		info.LastNote, info.LastBy, info.LastTime = l.Note, l.By, l.Time
	}
	for _, ph := range rep.Phases {
		for _, s := range ph.Steps {
			if s.OperationOpen {
				info.Open = append(info.Open, tui.RunStep{ID: s.ID, Title: s.Title, Phase: ph.Number, Since: s.Updated, OperationID: s.OperationID})
			}
			if s.Status != journal.Done && len(info.Next) < 2 {
				if info.Where == "" {
					info.Where = fmt.Sprintf("phase %d %s", ph.Number, ph.Name)
				}
				info.Next = append(info.Next, s.ID)
			}
		}
	}
	return info, nil
}

// LoadRun reads the plan of the run in dir.
func (w *wizardBackend) LoadRun(dir string) (*tui.PlanResult, error) {
	p, err := folder(dir).Plan()
	if err != nil {
		return nil, err
	}
	return &tui.PlanResult{View: tui.NewPlanView(p), Plan: p}, nil
}

// Intent says what applying p in dir does, phase by phase.
func (w *wizardBackend) Intent(dir string, p *tui.PlanResult) (*tui.ApplyIntent, error) {
	if p == nil || p.Plan == nil {
		return nil, errors.New("no plan to apply")
	}
	if err := session.Compatible(dir, p.Plan); err != nil {
		return nil, err
	}
	st, err := folder(dir).Journal()
	if err != nil {
		return nil, err
	}
	in := &tui.ApplyIntent{Organization: p.Plan.Organization}
	for _, pi := range session.Intent(p.Plan, st, nil) {
		in.Phases = append(in.Phases, tui.PhaseIntent{Number: pi.Number, Name: pi.Name, ToRun: pi.ToRun, DoneBefore: pi.DoneBefore,
			Destructive: len(pi.Destructive), Manual: len(pi.Manual), NeedsTyped: pi.Gated})
	}
	if g := engine.Gated(p.Plan, nil, st); len(g) > 0 {
		in.Gate = engine.GateText(p.Plan, g)
	}
	return in, nil
}

// Apply runs the plan (p nil: the folder's own run, resumed) until it ends.
func (w *wizardBackend) Apply(ctx, stop context.Context, dir string, p *tui.PlanResult, progress func(tui.RunView)) (*tui.RunSummary, error) {
	w.mu.Lock()
	c := w.conn
	w.mu.Unlock()
	if c == nil {
		return nil, errors.New("not connected to the organization's management account: connect first")
	}
	if w.hard != nil {
		// The second signal (main's hard context) ends the run at once.
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx)
		defer cancel()
		defer context.AfterFunc(w.hard, cancel)()
	}
	var plan *plans.Plan
	verb := "resume"
	if p != nil {
		plan, verb = p.Plan, "apply"
	}
	run, err := session.OpenRun(session.RunOptions{Dir: dir, Plan: plan, Command: "lz2ct wizard (" + verb + ")"})
	if err != nil {
		return nil, err
	}
	defer run.Close()
	scale := w.timeScale
	if scale <= 0 {
		scale = 1
	}
	mon, err := session.NewMonitor(run.Plan, dir, run.State, scale)
	if err != nil {
		return nil, err
	}
	for _, m := range run.Messages {
		mon.Logf("%s", m)
	}
	e, err := run.Engine(ctx, session.Exec{Clients: c.Clients, Hooks: []hooks.Hook{mon}, TimeScale: scale, WaitForConfirmation: true})
	if err != nil {
		return nil, err
	}
	w.mu.Lock()
	w.live = &liveRun{e: e, mon: mon}
	w.mu.Unlock()
	defer func() {
		w.mu.Lock()
		w.live = nil
		w.mu.Unlock()
	}()

	done := make(chan struct{})
	forwarded := make(chan struct{})
	go func() {
		defer close(forwarded)
		for {
			select {
			case <-mon.Changed():
			case <-done:
				progress(runView(run.Plan, mon.Status(time.Now()), scale))
				return
			}
			progress(runView(run.Plan, mon.Status(time.Now()), scale))
			select {
			case <-time.After(viewEvery):
			case <-done:
			}
		}
	}()
	defer func() {
		close(done)
		<-forwarded
	}()

	if verb == "resume" {
		// What changed in AWS since the journal's last word, read-only: the first stop ends it.
		d := session.DriftOf(run.Plan, run.State, e.Preview(stop))
		mon.Logf("resuming the run in %s: %d of %d steps done", dir, d.Done, d.Total)
		for _, l := range session.DriftLines(d) {
			mon.Logf("%s", l)
		}
		if stop.Err() != nil {
			return nil, errors.New("stopped before any step ran")
		}
	}
	mon.SetRunning(true)
	sum, err := run.Execute(ctx, stop, e, verb)
	mon.SetRunning(false)
	if sum == nil {
		return nil, err
	}
	out := runSummary(run.Plan, sum)
	// The runbook with the final state of every step, from the journal as it is on disk.
	if paths, rerr := folder(dir).WriteRunbooks(run.Plan); rerr == nil {
		out.Runbooks = paths
	} else if err == nil {
		err = fmt.Errorf("the run ended, but the runbook could not be written: %w", rerr)
	}
	return out, err
}

// ConfirmStep records the operator's confirmation of a manual step in the run in progress.
func (w *wizardBackend) ConfirmStep(stepID, note string) error {
	w.mu.Lock()
	l := w.live
	w.mu.Unlock()
	if l == nil {
		return errors.New("no run in progress: confirm with lz2ct confirm, or resume the run first")
	}
	return l.e.Confirm(stepID, session.Who(), note)
}

// ConfirmOrganization lets decommission and account closure start in the run in progress.
func (w *wizardBackend) ConfirmOrganization(typed string) error {
	w.mu.Lock()
	l := w.live
	w.mu.Unlock()
	if l == nil {
		return errors.New("no run in progress")
	}
	if err := l.e.ConfirmOrganization(typed, session.Who()); err != nil {
		return err
	}
	l.mon.ClearGate()
	return nil
}

// runView turns the monitor's status into the dashboard's view; times in AWS's clock are divided
// by the run's time scale (a simulated run), so the screen shows the wall clock.
func runView(p *plans.Plan, rs session.RunStatus, scale float64) tui.RunView {
	rep := rs.Report
	wall := func(d time.Duration) time.Duration { return time.Duration(float64(d) / scale) }
	v := tui.RunView{Organization: rep.Organization, Done: rep.Counts.Done, Total: rep.Counts.Total(), Started: rep.Started,
		Remaining: wall(time.Duration(rep.RemainingSeconds) * time.Second), Factor: rep.Factor, Scale: scale, Gate: rs.Gate, Log: rs.Log}
	for _, ph := range rep.Phases {
		v.Phases = append(v.Phases, tui.RunPhase{Number: ph.Number, Name: ph.Name, Done: ph.Counts.Done, Running: ph.Counts.Running,
			Failed: ph.Counts.Failed, Waiting: ph.Counts.Waiting, Total: ph.Counts.Total(), Remaining: wall(time.Duration(ph.RemainingSeconds) * time.Second)})
	}
	conv := func(xs []session.StepStatus) []tui.RunStep {
		out := make([]tui.RunStep, 0, len(xs))
		for _, x := range xs {
			out = append(out, tui.RunStep{ID: x.ID, Title: x.Title, Scope: x.Scope, Phase: x.Phase, Since: x.Since, Expected: wall(x.Expected),
				OperationID: x.OperationID, Error: x.Error, Advice: x.Advice, Instructions: x.Instructions, Commands: x.Commands, ConfirmedBy: x.ConfirmedBy})
		}
		return out
	}
	v.ControlTower, v.Next, v.InFlight, v.Failed, v.Waiting = conv(rs.ControlTower), conv(rs.Next), conv(rs.InFlight), conv(rs.Failed), conv(rs.Waiting)
	return v
}

// runSummary is the done screen's view of an engine summary.
func runSummary(p *plans.Plan, sum *engine.Summary) *tui.RunSummary {
	conv := stepOutcomes
	r := &tui.RunSummary{Organization: p.Organization, Stopped: sum.Stopped, Elapsed: sum.Ended.Sub(sum.Started), Done: conv(sum.Done),
		Previously: sum.Previously, Failed: conv(sum.Failed), Waiting: conv(sum.Waiting), Interrupted: conv(sum.Interrupted),
		NotStarted: conv(sum.NotStarted), Complete: sum.Complete()}
	for _, k := range p.Kept {
		r.Kept = append(r.Kept, tui.KeptView{Resource: k.Resource, Reason: k.Reason})
	}
	return r
}
