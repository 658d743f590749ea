package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/lz2ct/lz2ct/inventory"
)

// discoveryScreen runs discovery in the background and shows its progress live. Progress reports
// arrive on a channel that a tea.Cmd drains one message at a time, so Update never blocks and a
// fast discovery cannot flood the program (only the latest report is kept).
type discoveryScreen struct {
	c      *Common
	w, h   int
	last   Progress
	start  time.Time
	now    time.Time
	err    error
	done   bool
	run    *discoveryRun
	cancel func()
}

type discoveryRun struct {
	updates chan Progress // capacity 1: the latest report wins
	result  chan discoveryResultMsg
}

type (
	discoveryProgressMsg struct {
		Run *discoveryRun
		P   Progress
	}
	discoveryResultMsg struct {
		Run  *discoveryRun
		Snap *inventory.Snapshot
		Data []byte // the snapshot file's bytes
		Err  error
	}
	discoveryTickMsg struct {
		Run *discoveryRun
		At  time.Time
	}
)

func newDiscoveryScreen(c *Common) *discoveryScreen {
	return &discoveryScreen{c: c, cancel: func() {}}
}

// Init starts a discovery run.
func (s *discoveryScreen) Init() tea.Cmd {
	s.cancel()
	ctx, cancel := context.WithCancel(s.c.Ctx)
	run := &discoveryRun{updates: make(chan Progress, 1), result: make(chan discoveryResultMsg, 1)}
	s.run, s.cancel = run, cancel
	s.last, s.err, s.done = Progress{Stage: "starting"}, nil, false
	s.start = s.c.Now()
	s.now = s.start
	b := s.c.Backend
	go func() {
		snap, data, err := b.Discover(ctx, func(p Progress) {
			select { // replace a report nobody has read yet
			case <-run.updates:
			default:
			}
			run.updates <- p
		})
		run.result <- discoveryResultMsg{Run: run, Snap: snap, Data: data, Err: err}
	}()
	return tea.Batch(s.wait(run), tick(run))
}

func tick(run *discoveryRun) tea.Cmd {
	return tea.Tick(time.Second, func(t time.Time) tea.Msg { return discoveryTickMsg{run, t} })
}

// wait returns the next progress report or the result, whichever comes first.
func (s *discoveryScreen) wait(run *discoveryRun) tea.Cmd {
	return func() tea.Msg {
		select {
		case p := <-run.updates:
			return discoveryProgressMsg{run, p}
		case r := <-run.result:
			return r
		}
	}
}

func (s *discoveryScreen) SetSize(w, h int) {
	s.w, s.h = w, h
}

func (s *discoveryScreen) Capturing() bool { return false }

func (s *discoveryScreen) Help() []key.Binding {
	back := key.NewBinding(key.WithKeys("esc", "q"), key.WithHelp("q/esc", "cancel"))
	if s.err != nil {
		return []key.Binding{key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "retry")), s.c.Keys.Back}
	}
	return []key.Binding{back}
}

func (s *discoveryScreen) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case discoveryProgressMsg:
		if msg.Run != s.run {
			return nil // a cancelled run
		}
		s.last = msg.P
		return s.wait(msg.Run)
	case discoveryTickMsg:
		if msg.Run != s.run || s.done || s.err != nil {
			return nil
		}
		s.now = s.c.Now()
		return tick(msg.Run)
	case discoveryResultMsg:
		if msg.Run != s.run {
			return nil
		}
		if msg.Err != nil {
			if errors.Is(msg.Err, context.Canceled) {
				return nil
			}
			s.err = msg.Err
			return nil
		}
		s.done = true
		return send(snapshotMsg{Snap: msg.Snap, Data: msg.Data})
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, s.c.Keys.Back):
			s.cancel()
			s.run = nil
			return send(backMsg{})
		case msg.String() == "r" && s.err != nil:
			return s.Init()
		}
	}
	return nil
}

func (s *discoveryScreen) View() string {
	st := s.c.Styles
	var b strings.Builder
	b.WriteString(st.Header.Render("Discovering the organization (read-only)") + "\n\n")
	p := s.last
	pct := 0.0
	if p.AccountsTotal > 0 {
		pct = float64(p.AccountsDone) / float64(p.AccountsTotal)
	}
	b.WriteString(bar(st, pct, min(max(s.w-8, 10), 60)) + "\n\n")
	elapsed := s.now.Sub(s.start)
	b.WriteString(fmt.Sprintf("%s %s\n", st.Label.Render("Stage"), stageText(p.Stage)))
	accounts := "counting…"
	switch {
	case p.AccountsTotal > 0:
		accounts = fmt.Sprintf("%d of %d read", p.AccountsDone, p.AccountsTotal)
	case p.AccountsFound > 0:
		accounts = fmt.Sprintf("%d found so far (counted once every OU is listed)", p.AccountsFound)
	}
	b.WriteString(wrapIndent(fmt.Sprintf("%s %s", st.Label.Render("Accounts"), accounts), s.w, strings.Repeat(" ", 15)) + "\n")
	calls := itoa(p.Calls)
	if secs := elapsed.Seconds(); secs >= 1 && p.Calls > 0 {
		calls += fmt.Sprintf(" (%.0f a second)", float64(p.Calls)/secs)
	}
	b.WriteString(fmt.Sprintf("%s %s\n", st.Label.Render("API calls"), calls))
	problems := fmt.Sprint(p.Problems)
	if p.Problems > 0 {
		problems = st.Warn.Render(problems + " (recorded; checks treat that scope as unknown)")
	}
	b.WriteString(fmt.Sprintf("%s %s\n", st.Label.Render("Problems"), problems))
	b.WriteString(fmt.Sprintf("%s %s\n", st.Label.Render("Elapsed"), elapsed.Truncate(time.Second)))
	left := "known once the accounts are counted and the first are read"
	switch {
	case s.done:
		left = "—"
	case p.Remaining > 0:
		left = "about " + p.Remaining.Round(time.Second).String() + " (from the rate so far)"
	}
	b.WriteString(wrapIndent(fmt.Sprintf("%s %s", st.Label.Render("Time left"), left), s.w, strings.Repeat(" ", 15)) + "\n")
	b.WriteString("\n")
	switch {
	case s.err != nil:
		b.WriteString(st.Error.Render(wrap("✖ discovery failed: "+s.err.Error(), s.w)) + "\n")
		b.WriteString(st.Muted.Render("r retries; esc goes back to the start screen"))
	case s.done:
		b.WriteString(st.OKBanner.Render("✔ discovery finished — running pre-checks…"))
	default:
		b.WriteString(st.Muted.Render("esc cancels; nothing is saved until discovery finishes"))
	}
	return b.String()
}

// bar is a plain progress bar: it reads without colour, and it does not animate (no ticking).
func bar(st *Styles, pct float64, width int) string {
	pct = min(max(pct, 0), 1)
	full := int(pct * float64(width))
	return st.Focus.Render(strings.Repeat("█", full)) + st.Muted.Render(strings.Repeat("░", width-full)) +
		fmt.Sprintf(" %3.0f%%", pct*100)
}

// stageText says what discovery is doing in a stage.
func stageText(stage string) string {
	switch stage {
	case "identity":
		return "identity (who the credentials are)"
	case "organization":
		return "organization (listing the OUs and their accounts)"
	case "accounts":
		return "accounts (reading every account in every region)"
	}
	return stage
}
