package tui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// applyScreen carries the plan out and shows it happen: before the run, what it will do and a
// typed "yes"; during it, a progress bar per phase, Control Tower's queue (the running operation's
// time against its estimate, what comes next), the work in flight, failures with the AWS error and
// what to do, manual steps to confirm in place, the organization ID typed before decommission, a
// scrolling log and the time left. The run goes on in the background (Backend.Apply); its views
// arrive on a one-slot channel (the newest wins), drained by a command that re-arms itself, as
// discovery's progress does.
type applyScreen struct {
	c    *Common
	w, h int

	dir    string
	plan   *PlanResult
	resume bool // the folder's own run, started from the start screen

	state   applyState
	intent  *ApplyIntent
	err     error // the intent or the run could not start / ended with an error
	view    RunView
	run     *applyRun
	summary *RunSummary
	now     time.Time
	stopWhy string // why the run is stopping: "pause" or "leave"
	leaving bool   // leave the wizard once the run stopped
	prompt  prompt
	input   textinput.Model
	// confirming is the manual step the note prompt confirms, fixed when it opens: the list of
	// waiting steps may change under the prompt, and the step confirmed must be the one shown.
	confirming string
	note       string // what the last key did (a confirmation recorded, a wrong ID)
	noteErr    bool
	page       page
	pageKind   string // "failures", "work", "manual"
	logBack    int    // log lines scrolled back from the newest
	gateSeen   string // the gate the dialog was opened for (esc dismisses it once)
	// logWrapped caches each log line laid out for width logWidth: a scrolled-back log would
	// otherwise lay out hundreds of lines every frame.
	logWrapped map[string][]string
	logWidth   int
}

type applyState int

const (
	applyLoading applyState = iota // asking the backend what the run will do
	applyReady                     // the intent shown; typing yes starts it
	applyRunning
	applyStopping // a stop was asked for; waiting for the run to reach a safe point
	applyEnded    // the run returned (finished, stopped, waiting, failed)
)

// prompt is the dialog at the bottom of the dashboard, when one is open.
type prompt int

const (
	promptNone prompt = iota
	promptYes         // type yes to start
	promptNote        // the note of a manual step's confirmation
	promptOrg         // type the organization ID
	promptStop        // ctrl+c: stop at a safe point?
)

type applyRun struct {
	updates chan RunView // capacity 1: the newest view wins
	result  chan applyResultMsg
	done    chan struct{} // closed once Backend.Apply returned
	stop    context.CancelFunc
	// summary and err are Apply's answer, set before done is closed (read after it).
	summary *RunSummary
	err     error
}

type (
	applyIntentMsg struct {
		Intent *ApplyIntent
		Err    error
	}
	applyViewMsg struct {
		Run  *applyRun
		View RunView
	}
	applyResultMsg struct {
		Run     *applyRun
		Summary *RunSummary
		Err     error
	}
	applyTickMsg struct {
		Run *applyRun
		At  time.Time
	}
	confirmedMsg struct {
		What string
		Err  error
	}
	// runEndedMsg tells the root that the run ended (the done screen takes the summary).
	runEndedMsg struct{ Summary *RunSummary }
)

func newApplyScreen(c *Common) *applyScreen {
	ti := textinput.New()
	return &applyScreen{c: c, input: ti, page: newPage()}
}

func (s *applyScreen) Init() tea.Cmd { return nil }

// Prepare shows what applying p in dir will do and asks for a typed yes.
func (s *applyScreen) Prepare(dir string, p *PlanResult) tea.Cmd {
	s.reset(dir, p, false)
	b := s.c.Backend
	return func() tea.Msg {
		in, err := b.Intent(dir, p)
		return applyIntentMsg{in, err}
	}
}

// Resume starts the folder's own run at once: choosing to resume was the confirmation.
func (s *applyScreen) Resume(dir string, p *PlanResult) tea.Cmd {
	s.reset(dir, p, true)
	return s.start()
}

func (s *applyScreen) reset(dir string, p *PlanResult, resume bool) {
	s.dir, s.plan, s.resume = dir, p, resume
	s.state, s.intent, s.err, s.summary, s.view = applyLoading, nil, nil, nil, RunView{}
	s.prompt, s.note, s.noteErr, s.logBack, s.gateSeen, s.leaving = promptNone, "", false, 0, "", false
	s.page.close()
	if p != nil {
		s.view = initialView(p)
	}
}

// initialView is the dashboard before the first report: the plan's phases, nothing done.
func initialView(p *PlanResult) RunView {
	v := RunView{Organization: p.View.Organization, Scale: 1}
	for _, ph := range p.View.Phases {
		v.Phases = append(v.Phases, RunPhase{Number: ph.Number, Name: ph.Name, Total: len(ph.Steps), Remaining: ph.Estimate})
		v.Total += len(ph.Steps)
	}
	v.Remaining = p.View.Total
	return v
}

// Running reports whether a run is in progress (the root keeps the user on this screen then).
func (s *applyScreen) Running() bool { return s.state == applyRunning || s.state == applyStopping }

// start runs the plan in the background.
func (s *applyScreen) start() tea.Cmd {
	// The wizard's context ends (SIGTERM) as a stop at a safe point; the backend knows the hard one.
	stopCtx, stop := context.WithCancel(s.c.Ctx)
	run := &applyRun{updates: make(chan RunView, 1), result: make(chan applyResultMsg, 1), done: make(chan struct{}), stop: stop}
	s.run, s.state, s.err, s.summary, s.prompt = run, applyRunning, nil, nil, promptNone
	s.now = s.c.Now()
	b, dir, p := s.c.Backend, s.dir, s.plan
	if s.resume {
		p = nil
	}
	go func() {
		defer close(run.done)
		defer stop()
		sum, err := b.Apply(context.Background(), stopCtx, dir, p, func(v RunView) {
			select { // replace a view nobody has read yet
			case <-run.updates:
			default:
			}
			run.updates <- v
		})
		run.summary, run.err = sum, err
		run.result <- applyResultMsg{Run: run, Summary: sum, Err: err}
	}()
	return tea.Batch(s.wait(run), applyTick(run))
}

func applyTick(run *applyRun) tea.Cmd {
	return tea.Tick(time.Second, func(t time.Time) tea.Msg { return applyTickMsg{run, t} })
}

func (s *applyScreen) wait(run *applyRun) tea.Cmd {
	return func() tea.Msg {
		select {
		case v := <-run.updates:
			return applyViewMsg{run, v}
		case r := <-run.result:
			return r
		}
	}
}

// Stop asks the run to stop at its next safe point; leave quits the wizard once it has.
func (s *applyScreen) Stop(leave bool) {
	if s.run == nil || !s.Running() {
		return
	}
	s.leaving = s.leaving || leave
	s.state = applyStopping
	s.prompt = promptNone
	s.run.stop()
}

// Wait asks the run in progress to stop at its next safe point and blocks until it has (the
// wizard is closing).
func (s *applyScreen) Wait() {
	if s.run == nil {
		return
	}
	s.run.stop()
	<-s.run.done
	if s.Running() {
		// The program ended before it saw the result: keep it for the summary printed on exit.
		s.state, s.summary, s.err = applyEnded, s.run.summary, s.run.err
	}
}

func (s *applyScreen) SetSize(w, h int) {
	s.w, s.h = w, h
	s.input.SetWidth(max(w-4, 10))
	s.page.setSize(w, h)
}

func (s *applyScreen) Capturing() bool { return s.prompt != promptNone && s.prompt != promptStop }

func (s *applyScreen) Help() []key.Binding {
	k := s.c.Keys
	if s.page.open {
		extra := []key.Binding{}
		if s.pageKind == "manual" {
			extra = append(extra, k.Confirm)
		}
		return pageKeys(k, &s.page, "back to the run", extra...)
	}
	switch s.prompt {
	case promptYes:
		return []key.Binding{key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "start")), key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back to plan"))}
	case promptNote, promptOrg:
		return []key.Binding{key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "record")), key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "not now"))}
	case promptStop:
		return []key.Binding{key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "stop and leave")), key.NewBinding(key.WithKeys("n", "esc"), key.WithHelp("n/esc", "keep running"))}
	}
	keys := []key.Binding{}
	switch s.state {
	case applyRunning:
		keys = append(keys, k.Pause)
	case applyEnded:
		keys = append(keys, key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "summary")), k.Resume)
	case applyLoading, applyReady:
		keys = append(keys, key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back to plan")))
	}
	if len(s.view.Waiting) > 0 {
		keys = append(keys, k.Manual, k.Confirm)
	}
	if s.view.Gate != "" && s.Running() {
		keys = append(keys, k.Organization)
	}
	if len(s.view.Failed) > 0 {
		keys = append(keys, k.Failures)
	}
	if len(s.view.InFlight)+len(s.view.ControlTower)+len(s.view.Next) > 0 {
		keys = append(keys, k.Work)
	}
	return append(keys, key.NewBinding(key.WithKeys("up", "down"), key.WithHelp("↑/↓", "scroll the log")), k.Bottom)
}

func (s *applyScreen) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case applyIntentMsg:
		if msg.Err != nil {
			s.err, s.state = msg.Err, applyReady
			return nil
		}
		s.intent, s.state = msg.Intent, applyReady
		return s.ask(promptYes)
	case applyViewMsg:
		if msg.Run != s.run {
			return nil
		}
		s.view = msg.View
		cmd := s.wait(msg.Run)
		if s.view.Gate != "" && s.view.Gate != s.gateSeen && s.prompt == promptNone && s.state == applyRunning {
			s.gateSeen = s.view.Gate
			return tea.Batch(cmd, s.ask(promptOrg))
		}
		if s.view.Gate == "" && s.prompt == promptOrg {
			s.prompt = promptNone
		}
		return cmd
	case applyTickMsg:
		if msg.Run != s.run || !s.Running() {
			return nil
		}
		s.now = s.c.Now()
		return applyTick(msg.Run)
	case applyResultMsg:
		if msg.Run != s.run {
			return nil
		}
		s.state, s.err, s.summary, s.prompt = applyEnded, msg.Err, msg.Summary, promptNone
		s.now = s.c.Now()
		if s.leaving {
			return tea.Quit
		}
		return send(runEndedMsg{Summary: msg.Summary})
	case confirmedMsg:
		s.note, s.noteErr = msg.What, msg.Err != nil
		if msg.Err != nil {
			s.note = "✖ " + msg.Err.Error()
		}
		return nil
	case tea.KeyPressMsg:
		return s.key(msg)
	}
	if s.prompt != promptNone && s.prompt != promptStop {
		var cmd tea.Cmd
		s.input, cmd = s.input.Update(msg)
		return cmd
	}
	return nil
}

// ask opens a dialog.
func (s *applyScreen) ask(p prompt) tea.Cmd {
	s.prompt = p
	s.input.Reset()
	switch p {
	case promptYes:
		s.input.Prompt, s.input.Placeholder = "type yes: ", "yes"
	case promptNote:
		s.input.Prompt, s.input.Placeholder = "note (optional): ", "e.g. the change ticket"
	case promptOrg:
		s.input.Prompt, s.input.Placeholder = "organization ID: ", "o-…"
	default:
		s.input.Blur()
		return nil
	}
	s.input.SetWidth(max(s.w-ansi.StringWidth(s.input.Prompt)-2, 10))
	return s.input.Focus()
}

// GuardQuit answers ctrl+c while a run is in progress: a dialog instead of leaving at once; a
// second ctrl+c stops at the safe point and leaves.
func (s *applyScreen) GuardQuit() (tea.Cmd, bool) {
	if !s.Running() {
		return nil, false
	}
	if s.prompt == promptStop || s.state == applyStopping {
		s.Stop(true)
		return nil, true
	}
	s.page.close()
	s.prompt = promptStop
	s.input.Blur()
	return nil, true
}

func (s *applyScreen) key(msg tea.KeyPressMsg) tea.Cmd {
	k := s.c.Keys
	if s.page.open {
		switch {
		case key.Matches(msg, k.Back):
			s.page.close()
			return nil
		case s.pageKind == "manual" && key.Matches(msg, k.Confirm) && s.confirming != "":
			s.page.close()
			return s.ask(promptNote)
		}
		return s.page.update(msg)
	}
	switch s.prompt {
	case promptStop:
		switch msg.String() {
		case "y", "Y":
			s.Stop(true)
		case "n", "N", "esc", "q":
			s.prompt = promptNone
		}
		return nil
	case promptYes, promptNote, promptOrg:
		switch msg.String() {
		case "esc":
			p := s.prompt
			s.prompt = promptNone
			s.input.Blur()
			if p == promptYes {
				return send(backMsg{})
			}
			return nil
		case "enter":
			return s.submit()
		}
		var cmd tea.Cmd
		s.input, cmd = s.input.Update(msg)
		return cmd
	}
	switch {
	case s.state == applyReady || s.state == applyLoading:
		if key.Matches(msg, k.Back) {
			return send(backMsg{})
		}
	case key.Matches(msg, k.Pause) && s.state == applyRunning:
		s.stopWhy = "pause"
		s.Stop(false)
	case key.Matches(msg, k.Resume) && s.state == applyEnded:
		s.resume = true
		return s.start()
	case key.Matches(msg, k.Enter) && s.state == applyEnded:
		return send(continueMsg{})
	case key.Matches(msg, k.Organization) && s.view.Gate != "" && s.Running():
		return s.ask(promptOrg)
	case key.Matches(msg, k.Confirm) && len(s.view.Waiting) > 0:
		s.confirming = s.view.Waiting[0].ID
		return s.ask(promptNote)
	case key.Matches(msg, k.Manual) && len(s.view.Waiting) > 0:
		s.openPage("manual")
	case key.Matches(msg, k.Failures) && len(s.view.Failed) > 0:
		s.openPage("failures")
	case key.Matches(msg, k.Work) && len(s.view.InFlight)+len(s.view.ControlTower)+len(s.view.Next) > 0:
		s.openPage("work")
	case key.Matches(msg, k.Up):
		s.logBack++
	case key.Matches(msg, k.Down):
		s.logBack = max(s.logBack-1, 0)
	case key.Matches(msg, k.PageUp):
		s.logBack += 10
	case key.Matches(msg, k.PageDown):
		s.logBack = max(s.logBack-10, 0)
	case key.Matches(msg, k.Bottom):
		s.logBack = 0
	}
	return nil
}

// submit acts on the open dialog's text.
func (s *applyScreen) submit() tea.Cmd {
	text := strings.TrimSpace(s.input.Value())
	p := s.prompt
	b := s.c.Backend
	switch p {
	case promptYes:
		if text != "yes" {
			s.note, s.noteErr = "type the word yes to start (anything else does nothing)", true
			return nil
		}
		s.note, s.noteErr = "", false
		s.prompt = promptNone
		s.input.Blur()
		return s.start()
	case promptNote:
		id := s.confirming
		s.prompt = promptNone
		s.input.Blur()
		return func() tea.Msg {
			err := b.ConfirmStep(id, text)
			return confirmedMsg{What: "✔ recorded: " + id + " confirmed (as lz2ct confirm would)", Err: err}
		}
	case promptOrg:
		if text == "" {
			return nil
		}
		s.prompt = promptNone
		s.input.Blur()
		return func() tea.Msg {
			err := b.ConfirmOrganization(text)
			if err != nil {
				return confirmedMsg{Err: fmt.Errorf("%w — o opens the dialog again", err)}
			}
			return confirmedMsg{What: "✔ organization ID accepted: decommission and account closure may start"}
		}
	}
	return nil
}

// openPage opens the failures, the work in flight or the manual step waiting, whole.
func (s *applyScreen) openPage(kind string) {
	s.pageKind = kind
	st := s.c.Styles
	v := s.view
	switch kind {
	case "failures":
		s.page.show(func(w int) string { return pageTitle(st, "Failed", plural(len(v.Failed), "step", "steps"), w) },
			func(w int) string {
				var b strings.Builder
				for _, f := range v.Failed {
					b.WriteString(st.Error.Render(wrap("✖ "+f.ID, w)) + "\n" + wrapIndent("  "+f.Title, w, "  ") + "\n")
					b.WriteString(wrapIndent("  AWS error: "+f.Error, w, "    ") + "\n")
					if f.Advice != "" {
						b.WriteString(wrapIndent("  What to do: "+f.Advice, w, "    ") + "\n")
					}
					b.WriteString("\n")
				}
				return b.String()
			})
	case "work":
		s.page.show(func(w int) string { return pageTitle(st, "Work in flight", "", w) },
			func(w int) string {
				var b strings.Builder
				b.WriteString(st.Bold.Render("Control Tower (one operation at a time)") + "\n")
				for _, x := range v.ControlTower {
					b.WriteString(wrapIndent("  ▶ "+x.Title+" ("+x.ID+") — "+s.elapsedText(x, v.Scale), w, "    ") + "\n")
					if x.OperationID != "" {
						b.WriteString(wrapIndent("    AWS operation "+x.OperationID, w, "    ") + "\n")
					}
				}
				for i, x := range v.Next {
					b.WriteString(wrapIndent(fmt.Sprintf("  %d. %s (%s), about %s", i+1, x.Title, x.ID, clock(x.Expected)), w, "     ") + "\n")
				}
				if len(v.ControlTower)+len(v.Next) == 0 {
					b.WriteString("  nothing queued\n")
				}
				b.WriteString("\n" + st.Bold.Render("Other work (accounts × regions)") + "\n")
				for _, x := range v.InFlight {
					b.WriteString(wrapIndent("  • "+x.Title+" — "+x.Scope+" ("+x.ID+")", w, "    ") + "\n")
				}
				if len(v.InFlight) == 0 {
					b.WriteString("  none\n")
				}
				return b.String()
			})
	case "manual":
		x := v.Waiting[0]
		s.confirming = x.ID
		s.page.show(func(w int) string { return pageTitle(st, "Waiting for you", x.Title, w) },
			func(w int) string {
				var b strings.Builder
				b.WriteString(wrap("Step "+x.ID+" is a task for you. When it is done, c records it as done (as lz2ct confirm would).", w) + "\n\n")
				for i, in := range x.Instructions {
					b.WriteString(wrapIndent(fmt.Sprintf("%d. %s", i+1, in), w, "   ") + "\n")
				}
				if len(x.Commands) > 0 {
					b.WriteString("\n" + st.Bold.Render("Commands") + "\n")
					for _, c := range x.Commands {
						b.WriteString(strings.Join(commandLines(c, "  ", w), "\n") + "\n")
					}
				}
				if len(v.Waiting) > 1 {
					b.WriteString("\n" + wrap(fmt.Sprintf("%d more manual steps wait after this one.", len(v.Waiting)-1), w) + "\n")
				}
				return b.String()
			})
	}
}

// elapsedText is a running operation's time against its estimate: "4m12s of ~12m".
func (s *applyScreen) elapsedText(x RunStep, scale float64) string {
	if x.Since.IsZero() {
		return "starting"
	}
	el := max(s.now.Sub(x.Since), 0)
	if x.Expected <= 0 {
		return clock(el)
	}
	t := fmt.Sprintf("%s of ~%s", clock(el), clock(x.Expected))
	if el > x.Expected {
		t += " (longer than expected)"
	}
	return t
}

func (s *applyScreen) View() string {
	st := s.c.Styles
	if s.page.open {
		return s.page.view(st)
	}
	switch s.state {
	case applyLoading:
		return st.Header.Render("Apply") + "\n\nReading the state folder…"
	case applyReady:
		return s.readyView()
	}
	return s.dashboard()
}

// readyView says what the run will do, and asks.
func (s *applyScreen) readyView() string {
	st := s.c.Styles
	var b strings.Builder
	org := ""
	if s.plan != nil {
		org = s.plan.View.Organization
	}
	b.WriteString(st.Header.Render("Apply the plan to "+org) + "\n")
	if s.err != nil {
		b.WriteString("\n" + st.Error.Render(wrap("✖ "+s.err.Error(), s.w)) + "\n")
		return b.String()
	}
	b.WriteString(st.Muted.Render(wrap("This changes the organization in AWS. Every step observes AWS first and skips what is in place; a run stopped at any point resumes where it stopped.", s.w)) + "\n\n")
	total := 0
	for _, ph := range s.intent.Phases {
		total += ph.ToRun
		line := fmt.Sprintf("  %d %-30s %s to run", ph.Number, ph.Name, plural(ph.ToRun, "step", "steps"))
		if ph.DoneBefore > 0 {
			line += fmt.Sprintf(", %d done before", ph.DoneBefore)
		}
		var tags []string
		if ph.Destructive > 0 {
			tags = append(tags, fmt.Sprintf("%d destructive", ph.Destructive))
		}
		if ph.Manual > 0 {
			tags = append(tags, fmt.Sprintf("%d manual", ph.Manual))
		}
		if ph.NeedsTyped > 0 {
			tags = append(tags, "asks for the organization ID")
		}
		if len(tags) > 0 {
			line += " · " + strings.Join(tags, " · ")
		}
		b.WriteString(wrapIndent(line, s.w, "      ") + "\n")
	}
	b.WriteString("\n" + wrap(fmt.Sprintf("%s to run, in the plan's execution order: Control Tower one operation at a time, the next waves prepared meanwhile.", plural(total, "step", "steps")), s.w) + "\n")
	if s.intent.Gate != "" {
		b.WriteString(st.Warn.Render(wrap("Before they start: "+s.intent.Gate+"; you will be asked to type the organization ID.", s.w)) + "\n")
	}
	b.WriteString("\n" + wrap("Type yes and press enter to start; esc goes back to the plan.", s.w) + "\n")
	b.WriteString(s.input.View() + "\n")
	if s.note != "" {
		b.WriteString(st.Error.Render(wrap(s.note, s.w)) + "\n")
	}
	return b.String()
}

// dashboard draws the run.
func (s *applyScreen) dashboard() string {
	st := s.c.Styles
	v := s.view
	var top []string
	head := st.Header.Render("Applying the plan for "+v.Organization) + " " + s.statusWord()
	top = append(top, strings.Split(wrap(head, s.w), "\n")...)
	top = append(top, strings.Split(wrap(s.clockLine(), s.w), "\n")...)
	// Phases: name, bar, counts. The names and counts are whole; the bar takes what is left.
	counts := make([]string, len(v.Phases))
	nameW, countW := 8, 0
	for i, ph := range v.Phases {
		c := fmt.Sprintf(" %d/%d", ph.Done, ph.Total)
		for _, x := range []struct {
			n    int
			what string
		}{{ph.Running, "running"}, {ph.Failed, "failed"}, {ph.Waiting, "waiting"}} {
			if x.n > 0 {
				c += fmt.Sprintf(" · %d %s", x.n, x.what)
			}
		}
		counts[i] = c
		nameW = max(nameW, ansi.StringWidth(ph.Name))
		countW = max(countW, ansi.StringWidth(c))
	}
	barW := min(max(s.w-2-nameW-1-5-countW, 6), 40)
	for i, ph := range v.Phases {
		pct := 1.0
		if ph.Total > 0 {
			pct = float64(ph.Done) / float64(ph.Total)
		}
		top = append(top, fmt.Sprintf("%d %-*s %s%s", ph.Number, nameW, ph.Name, bar(st, pct, barW), counts[i]))
	}
	// Control Tower's queue, the work in flight, failures and manual steps: a line each (cut at
	// the edge: w, f and m open them whole).
	ct := "idle"
	if len(v.ControlTower) > 0 {
		x := v.ControlTower[0]
		ct = "▶ " + x.Title
		if len(v.ControlTower) > 1 {
			ct += fmt.Sprintf(" (+%d more)", len(v.ControlTower)-1)
		}
		top = append(top, rowTail(st, st.Bold.Render("Control Tower")+" "+ct, " — "+s.elapsedText(x, v.Scale), st.Muted, false, s.w+2)[2:])
	} else {
		top = append(top, truncate(st.Bold.Render("Control Tower")+" "+ct, s.w))
	}
	if len(v.Next) > 0 {
		var next []string
		for _, x := range v.Next {
			next = append(next, x.Title)
		}
		top = append(top, truncate("  next: "+strings.Join(next, " · "), s.w))
	}
	if n := len(v.InFlight); n > 0 {
		x := v.InFlight[0]
		tail := ""
		if n > 1 {
			tail = fmt.Sprintf(" · and %d more (w)", n-1)
		}
		top = append(top, rowTail(st, st.Bold.Render(fmt.Sprintf("In flight (%d)", n))+" "+x.Title+" — "+x.Scope, tail, st.Muted, false, s.w+2)[2:])
	}
	if n := len(v.Failed); n > 0 {
		x := v.Failed[0]
		top = append(top, rowTail(st, st.Error.Render(fmt.Sprintf("✖ Failed (%d)", n))+" "+x.ID+": "+firstLine(x.Error), " · f: error, what to do", st.Muted, false, s.w+2)[2:])
	}
	if n := len(v.Waiting); n > 0 {
		x := v.Waiting[0]
		top = append(top, rowTail(st, st.Warning.Render(fmt.Sprintf("Waiting for you (%d)", n))+" "+x.Title, " · m: instructions, c: done", st.Muted, false, s.w+2)[2:])
	}
	// The bottom: a dialog, a note, the end of the run, or the log in what is left.
	var bottom []string
	switch s.prompt {
	case promptStop:
		bottom = append(bottom, strings.Split(st.Warn.Render(wrap(s.stopText(), s.w)), "\n")...)
	case promptNote:
		bottom = append(bottom, strings.Split(wrap("Confirm that "+s.confirming+" is done (recorded in the journal with your name, as lz2ct confirm would):", s.w), "\n")...)
		bottom = append(bottom, s.input.View())
	case promptOrg:
		bottom = append(bottom, strings.Split(st.Warn.Render(wrap(v.Gate+". Type the organization ID "+v.Organization+" to let them start (esc: not now; the rest goes on):", s.w)), "\n")...)
		bottom = append(bottom, s.input.View())
	}
	if s.note != "" {
		style := st.OK
		if s.noteErr {
			style = st.Error
		}
		bottom = append(bottom, strings.Split(style.Render(wrap(s.note, s.w)), "\n")...)
	}
	if s.state == applyEnded {
		bottom = append(bottom, strings.Split(s.endText(), "\n")...)
	}
	// A dialog and what the run says at its end come first: the top gives way (from its end) when
	// both do not fit.
	if room := s.h - len(bottom); len(top) > room {
		top = top[:max(room, 0)]
	}
	logH := s.h - len(top) - len(bottom) - 1
	var b strings.Builder
	b.WriteString(strings.Join(top, "\n") + "\n")
	if logH >= 2 {
		b.WriteString(st.Muted.Render(s.logTitle()) + "\n")
		for _, l := range s.logLines(logH - 1) {
			b.WriteString(l + "\n")
		}
	}
	b.WriteString(strings.Join(bottom, "\n"))
	return b.String()
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// statusWord says whether the run goes on, stops, or how it ended.
func (s *applyScreen) statusWord() string {
	st := s.c.Styles
	switch s.state {
	case applyStopping:
		return st.Warn.Render("· stopping at the next safe point…")
	case applyEnded:
		switch {
		case s.err != nil:
			return st.Error.Render("· stopped: " + s.err.Error())
		case s.summary == nil:
		case s.summary.Complete:
			return st.OKBanner.Render("· complete")
		case s.summary.Stopped:
			return st.Warn.Render("· paused")
		case len(s.summary.Failed) > 0:
			return st.Error.Render("· ended with failures")
		default:
			return st.Warn.Render("· ended: steps left")
		}
	}
	return st.OK.Render("· running")
}

// clockLine is the progress in steps and time: elapsed, and the time left from the plan's
// estimate corrected by what was measured.
func (s *applyScreen) clockLine() string {
	v := s.view
	line := fmt.Sprintf("%d of %d steps done", v.Done, v.Total)
	if !v.Started.IsZero() {
		line += " · elapsed " + clock(max(s.now.Sub(v.Started), 0))
	}
	if v.Remaining > 0 && v.Done < v.Total {
		line += " · about " + clock(v.Remaining) + " left"
		if v.Factor != 0 && v.Factor != 1 {
			line += fmt.Sprintf(" (the plan's estimate × %.2f, as measured)", v.Factor)
		}
	}
	if v.Scale > 1 {
		line += fmt.Sprintf(" · simulated time ×%.0f", v.Scale)
	}
	return line
}

// stopText is the ctrl+c dialog: what stopping does and exactly how to go on.
func (s *applyScreen) stopText() string {
	return "Stop the run at the next safe point and leave? Calls in flight finish and are recorded; operations already started go on in AWS. " +
		s.later(func(cmd string) string {
			return "Resume later with " + cmd + ", or reopen the wizard and choose resume"
		}) + ". y: stop and leave · n: keep running"
}

// later says how to go on after the wizard closes, with the resume command, or that the run
// cannot (noResumeLater).
func (s *applyScreen) later(with func(cmd string) string) string {
	if cmd := s.resumeCommand(); cmd != "" {
		return with(cmd)
	}
	return noResumeLater
}

// noResumeLater is what the screens say instead of a resume command when the run cannot go on
// once the wizard closes (Options.ResumeCommand returned "").
const noResumeLater = "This run cannot be resumed once the wizard closes: its simulated organization lives in the wizard's process (a new demo starts afresh)"

func (s *applyScreen) resumeCommand() string {
	return resumeCommandFor(s.c.ResumeCommand, s.c.Command, s.dir)
}

// resumeCommandFor is the command that resumes the run in dir: custom's (Options.ResumeCommand;
// "" when none can), else lz2ct resume as the user runs lz2ct (command, "" = "lz2ct").
func resumeCommandFor(custom func(dir string) string, command, dir string) string {
	if custom != nil {
		return custom(dir)
	}
	if command == "" {
		command = "lz2ct"
	}
	return command + " resume --state " + ShellQuote(dir)
}

// endText says how the run ended and what the keys do now.
func (s *applyScreen) endText() string {
	st := s.c.Styles
	sum := s.summary
	switch {
	case s.err != nil:
		later := s.later(func(cmd string) string { return cmd + " continues from the command line" })
		return st.Error.Render(wrap("The run stopped: "+s.err.Error(), s.w)) + "\n" + wrap("r tries again · enter shows the summary · "+later, s.w)
	case sum == nil:
		return ""
	case sum.Complete:
		return st.OKBanner.Render(wrap("✔ every step of the plan is done — enter shows the summary", s.w))
	case sum.Stopped:
		later := s.later(func(cmd string) string { return "later: " + cmd + " (or reopen the wizard)" })
		return wrap("Paused at a safe point. r resumes · enter shows the summary · "+later, s.w)
	}
	return wrap(fmt.Sprintf("The run ended: %d failed, %d waiting for you, %d not started. r runs again (after fixing the cause) · enter shows the summary and what is left",
		len(sum.Failed), len(sum.Waiting), len(sum.NotStarted)), s.w)
}

func (s *applyScreen) logTitle() string {
	if s.logBack > 0 {
		return fmt.Sprintf("Log (scrolled back %d lines; G for the newest)", s.logBack)
	}
	return "Log (↑/↓ scroll)"
}

// logLines are the n screen lines of the log ending logBack lines before the newest, each log line
// wrapped (never cut); only the lines needed are laid out.
func (s *applyScreen) logLines(n int) []string {
	logs := s.view.Log
	want := n + s.logBack
	var got []string // newest first
	for i := len(logs) - 1; i >= 0 && len(got) < want; i-- {
		lines := s.logLine(logs[i])
		for j := len(lines) - 1; j >= 0 && len(got) < want; j-- {
			got = append(got, lines[j])
		}
	}
	// Scrolled past the oldest line: stop there.
	s.logBack = min(s.logBack, max(len(got)-n, 0))
	got = got[s.logBack:min(len(got), s.logBack+n)]
	out := make([]string, len(got))
	for i, l := range got {
		out[len(got)-1-i] = l
	}
	return out
}

// clock is a duration for the dashboard: seconds under a minute ("42s"), minutes and seconds
// under an hour ("4m12s", a time-scaled demo's steps take seconds), else Duration ("3h10m").
func clock(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return Duration(d)
}

// logLine is one log line laid out for the screen's width, from the cache when it can.
func (s *applyScreen) logLine(l string) []string {
	if s.logWidth != s.w || len(s.logWrapped) > 4*1000 {
		s.logWrapped, s.logWidth = map[string][]string{}, s.w
	}
	if ls, ok := s.logWrapped[l]; ok {
		return ls
	}
	ls := logLayout(l, s.w)
	s.logWrapped[l] = ls
	return ls
}

// logLayout wraps one progress line, keeping its time and verb columns ("08:00:01 done     ")
// and lining the rest up under its first word.
func logLayout(line string, w int) []string {
	const head = len("08:00:01 done     ")
	if len(line) <= w || len(line) <= head || line[2] != ':' || line[8] != ' ' || w < head+20 {
		return strings.Split(wrapIndent(line, w, "         "), "\n")
	}
	ls := strings.Split(wrapIndent(line[head:], w-head, ""), "\n")
	for i := range ls {
		if i == 0 {
			ls[i] = line[:head] + ls[i]
		} else {
			ls[i] = strings.Repeat(" ", head) + ls[i]
		}
	}
	return ls
}
