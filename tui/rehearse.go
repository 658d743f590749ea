package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/lz2ct/lz2ct/inventory"
)

// rehearsal is the plan screen's rehearsal (r): the whole plan run against a simulator of its own
// snapshot in the backend's process, shown as it goes and then as a report, over the plan until
// the user goes back to it. It runs in the background like discovery (discovery.go): progress
// arrives on a channel a tea.Cmd drains, the latest report winning.
type rehearsal struct {
	c    *Common
	w, h int

	open     bool
	run      *rehearsalRun
	cancel   func()
	last     RehearsalProgress
	estimate time.Duration
	start    time.Time
	now      time.Time
	stopping bool
	result   *RehearsalResult
	err      error
	page     page
	// note is what the plan screen says once a rehearsal was stopped.
	note string
}

type rehearsalRun struct {
	updates chan RehearsalProgress // capacity 1: the latest report wins
	result  chan rehearsalResultMsg
	ended   chan struct{} // closed once the backend returned (its folder is gone)
}

type (
	// rehearseMsg: the plan screen asks to rehearse the plan.
	rehearseMsg struct{}
	// rehearsalProgressMsg, rehearsalResultMsg and rehearsalTickMsg belong to one run.
	rehearsalProgressMsg struct {
		Run *rehearsalRun
		P   RehearsalProgress
	}
	rehearsalResultMsg struct {
		Run *rehearsalRun
		R   *RehearsalResult
		Err error
	}
	rehearsalTickMsg struct {
		Run *rehearsalRun
		At  time.Time
	}
)

func newRehearsal(c *Common) *rehearsal {
	return &rehearsal{c: c, cancel: func() {}, page: newPage()}
}

// Start rehearses p (made from snap, whose file's bytes are data) in the background.
func (r *rehearsal) Start(data []byte, snap *inventory.Snapshot, p *PlanResult) tea.Cmd {
	if r.running() {
		return nil
	}
	ctx, cancel := context.WithCancel(r.c.Ctx)
	run := &rehearsalRun{updates: make(chan RehearsalProgress, 1), result: make(chan rehearsalResultMsg, 1), ended: make(chan struct{})}
	r.open, r.run, r.cancel = true, run, cancel
	r.last, r.result, r.err, r.stopping, r.note = RehearsalProgress{}, nil, nil, false, ""
	r.estimate = p.View.Total
	r.page.close()
	r.start = r.c.Now()
	r.now = r.start
	b := r.c.Backend
	go func() {
		defer close(run.ended)
		res, err := b.Rehearse(ctx, data, snap, p, func(pr RehearsalProgress) {
			select { // replace a report nobody has read yet
			case <-run.updates:
			default:
			}
			run.updates <- pr
		})
		run.result <- rehearsalResultMsg{Run: run, R: res, Err: err}
	}()
	return tea.Batch(r.wait(run), rehearsalTick(run))
}

func rehearsalTick(run *rehearsalRun) tea.Cmd {
	return tea.Tick(time.Second, func(t time.Time) tea.Msg { return rehearsalTickMsg{run, t} })
}

// wait returns the next progress report or the result, whichever comes first.
func (r *rehearsal) wait(run *rehearsalRun) tea.Cmd {
	return func() tea.Msg {
		select {
		case p := <-run.updates:
			return rehearsalProgressMsg{run, p}
		case res := <-run.result:
			return res
		}
	}
}

// running reports whether a rehearsal is under way (its backend call has not returned).
func (r *rehearsal) running() bool {
	if r.run == nil {
		return false
	}
	select {
	case <-r.run.ended:
		return false
	default:
		return true
	}
}

// Stop asks the rehearsal in progress to stop at its next safe point.
func (r *rehearsal) Stop() {
	if r.running() {
		r.stopping = true
	}
	r.cancel()
}

// Wait returns once the rehearsal's backend call has returned (its temporary folder removed).
func (r *rehearsal) Wait() {
	if r.run != nil {
		<-r.run.ended
	}
}

func (r *rehearsal) setSize(w, h int) {
	r.w, r.h = w, h
	r.page.setSize(w, h)
}

func (r *rehearsal) help() []key.Binding {
	k := r.c.Keys
	switch {
	case r.result != nil:
		return pageKeys(k, &r.page, "back to plan")
	case r.err != nil:
		return []key.Binding{k.Rehearse, key.NewBinding(key.WithKeys("esc", "q"), key.WithHelp("q/esc", "back to plan"))}
	}
	return []key.Binding{key.NewBinding(key.WithKeys("esc", "q"), key.WithHelp("q/esc", "stop the rehearsal"))}
}

func (r *rehearsal) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case rehearsalProgressMsg:
		if msg.Run != r.run {
			return nil
		}
		r.last = msg.P
		return r.wait(msg.Run)
	case rehearsalTickMsg:
		if msg.Run != r.run || r.result != nil || r.err != nil {
			return nil
		}
		r.now = r.c.Now()
		return rehearsalTick(msg.Run)
	case rehearsalResultMsg:
		if msg.Run != r.run {
			return nil
		}
		r.now = r.c.Now()
		stopped := r.stopping || errors.Is(msg.Err, context.Canceled) || (msg.R != nil && msg.R.Stopped)
		switch {
		case stopped:
			// Stopped by the user: nothing to report; the folder is gone, the plan is as it was.
			r.open, r.stopping = false, false
			r.note = "rehearsal stopped; its simulator and temporary folder are gone, nothing else was touched"
		case msg.Err != nil:
			r.err = msg.Err
		default:
			r.result = msg.R
			res := msg.R
			st := r.c.Styles
			r.page.show(func(w int) string { return rehearsalHeader(st, res, w) }, func(w int) string { return rehearsalBody(st, res, w) })
		}
		return nil
	case tea.KeyPressMsg:
		return r.key(msg)
	}
	return nil
}

func (r *rehearsal) key(msg tea.KeyPressMsg) tea.Cmd {
	k := r.c.Keys
	switch {
	case r.result != nil:
		if key.Matches(msg, k.Back) {
			r.open = false
			return nil
		}
		return r.page.update(msg)
	case r.err != nil:
		switch {
		case key.Matches(msg, k.Back):
			r.open = false
		case key.Matches(msg, k.Rehearse):
			return send(rehearseMsg{})
		}
		return nil
	case key.Matches(msg, k.Back):
		r.Stop()
	}
	return nil
}

func (r *rehearsal) view() string {
	st := r.c.Styles
	if r.result != nil {
		return r.page.view(st)
	}
	var b strings.Builder
	b.WriteString(st.Header.Render("Rehearsal: the whole plan against a simulator of its own snapshot") + "\n\n")
	p := r.last
	pct := 0.0
	if p.Total > 0 {
		pct = float64(p.Done+p.Failed) / float64(p.Total)
	}
	b.WriteString(bar(st, pct, min(max(r.w-8, 10), 60)) + "\n\n")
	indent := strings.Repeat(" ", 15)
	steps := "starting the simulator…"
	if p.Total > 0 {
		steps = fmt.Sprintf("%d of %d done", p.Done, p.Total)
		if p.Failed > 0 {
			steps += " · " + st.Error.Render(itoa(p.Failed)+" failed")
		}
	}
	b.WriteString(fmt.Sprintf("%s %s\n", st.Label.Render("Steps"), steps))
	b.WriteString(wrapIndent(fmt.Sprintf("%s %s (plan estimate %s)", st.Label.Render("Simulated"), SimDuration(p.Simulated), Duration(r.estimate)), r.w, indent) + "\n")
	if p.Step != "" {
		b.WriteString(fmt.Sprintf("%s %s\n", st.Label.Render("Last step"), truncate(p.Step, max(r.w-15, 10))))
	}
	b.WriteString(fmt.Sprintf("%s %s\n\n", st.Label.Render("Elapsed"), r.now.Sub(r.start).Truncate(time.Second)))
	switch {
	case r.err != nil:
		b.WriteString(st.Error.Render(wrap("✖ the rehearsal could not run: "+r.err.Error(), r.w)) + "\n")
		b.WriteString(st.Muted.Render("r tries again; esc goes back to the plan"))
	case r.stopping:
		b.WriteString(st.Warn.Render(wrap("stopping at the next safe point… its temporary folder is removed", r.w)))
	default:
		b.WriteString(st.Muted.Render(wrap("Nothing reaches AWS: the simulator runs in this process, and the rehearsal keeps its journal in a temporary folder removed at the end; the state folder is not touched. esc stops it.", r.w)))
	}
	return b.String()
}

// rehearsalHeader is the report's title: how the rehearsal ended.
func rehearsalHeader(st *Styles, r *RehearsalResult, w int) string {
	how := st.OKBanner.Render("✔ every step finished")
	switch {
	case r.Stuck != "":
		how = st.BlockerBanner.Render("✖ stopped: " + r.Stuck + " still waited after the operator confirmed it")
	case !r.Finished:
		how = st.BlockerBanner.Render("✖ the rehearsal did not finish every step")
	}
	return st.Header.Render(wrapIndent("Rehearsal of "+r.Organization, w, "  ")) + "\n" + how
}

// rehearsalBody is the report: the phases' simulated times beside the plan's estimate, what would
// fail and what would not start, and what the real run will ask of the operator.
func rehearsalBody(st *Styles, r *RehearsalResult, w int) string {
	var b strings.Builder
	b.WriteString(wrap(fmt.Sprintf("Run against a simulator of the plan's own snapshot in this process, simulated time ×%g: %s answered by it (%d mutating), none sent to AWS; %s of wall time. Its temporary folder is removed; the state folder is untouched.",
		r.TimeScale, plural(r.Calls, "AWS call", "AWS calls"), r.MutatingCalls, r.Wall.Round(100*time.Millisecond)), w) + "\n\n")

	// The columns that always fit in 80 cells; SPAN when there is room.
	wide := w >= 100
	cols := "%7s %6s %7s %6s  %-9s "
	fixed := 7 + 1 + 6 + 1 + 7 + 1 + 6 + 2 + 9 + 1 + 15
	if wide {
		fixed += 10
	}
	name := min(max(w-fixed-1, 12), 40)
	head := fmt.Sprintf("%-*s "+cols, name, "PHASE", "DONE", "FAILED", "NOT RUN", "MANUAL", "SIMULATED")
	if wide {
		head += fmt.Sprintf("%-9s ", "SPAN")
	}
	b.WriteString(st.Bold.Render(head+"PLAN ESTIMATE") + "\n")
	for _, ph := range r.Phases {
		sim, span := "—", "—"
		if ph.Done+ph.Failed > 0 {
			sim, span = SimDuration(ph.Simulated), SimDuration(ph.Span)
		}
		label := ansi.Truncate(fmt.Sprintf("%d %s", ph.Number, ph.Name), name, "…")
		line := fmt.Sprintf("%-*s "+cols, name, label, fmt.Sprintf("%d/%d", ph.Done, ph.Steps), itoa(ph.Failed), itoa(ph.NotStarted), itoa(ph.Manual), sim)
		if wide {
			line += fmt.Sprintf("%-9s ", span)
		}
		line += EstimateRange(ph.EstimateLower, ph.Estimate)
		if ph.Failed > 0 || ph.NotStarted > 0 {
			line = st.Error.Render(line)
		}
		b.WriteString(line + "\n")
	}
	whole := fmt.Sprintf("%-*s "+cols, name, "whole run", "", "", "", "", SimDuration(r.Simulated))
	if wide {
		whole += fmt.Sprintf("%-9s ", "")
	}
	b.WriteString(st.Bold.Render(whole+EstimateRange(r.EstimateLower, r.Estimate)) + "\n")
	b.WriteString(st.Muted.Render(wrap("SIMULATED is the time a phase's steps ran on the simulated clock, at AWS's published durations (phases 2–4 interleave wave by wave). Manual steps take no time here: the estimate allows for the operator's.", w)) + "\n")

	if len(r.Failed) > 0 {
		fmt.Fprintf(&b, "\n%s\n", st.Error.Render(fmt.Sprintf("Would fail (%d):", len(r.Failed))))
		for _, o := range r.Failed {
			b.WriteString(wrapIndent(fmt.Sprintf("✖ %s (phase %d): %s", o.ID, o.Phase, o.Title), w, "    ") + "\n")
			b.WriteString(wrapIndent("  AWS error: "+o.Error, w, "    ") + "\n")
			if o.Advice != "" {
				b.WriteString(wrapIndent("  What to do: "+o.Advice, w, "    ") + "\n")
			}
		}
	}
	if len(r.NotStarted) > 0 {
		fmt.Fprintf(&b, "\nWould not start (%d):\n", len(r.NotStarted))
		for _, l := range notStartedLines(r.NotStarted, 3) {
			b.WriteString(wrapIndent("  • "+l, w, "    ") + "\n")
		}
	}
	if len(r.Manual) > 0 || r.OrganizationTyped {
		b.WriteString("\nWaiting for you in the real run (rehearsed as done by the operator):\n")
		for _, o := range r.Manual {
			b.WriteString(wrapIndent("  • "+o.ID+": "+o.Title, w, "    ") + "\n")
		}
		if r.OrganizationTyped {
			b.WriteString(wrapIndent("  • type the organization ID "+r.Organization+" before decommission and account closure", w, "    ") + "\n")
		}
	}
	return b.String()
}

// SimDuration is a simulated span to the minute (Duration), or in seconds below one.
func SimDuration(d time.Duration) string {
	if d < time.Minute {
		return d.Round(time.Second).String()
	}
	return Duration(d)
}

// EstimateRange is an estimate's bounds, one figure when they agree.
func EstimateRange(lower, upper time.Duration) string {
	if Duration(lower) == Duration(upper) {
		return Duration(upper)
	}
	return Duration(lower) + " – " + Duration(upper)
}
