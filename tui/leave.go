package tui

import (
	"fmt"
	"sort"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/lz2ct/lz2ct/statefolder"
)

// leaveScreen is the end of the session: how the run ended when one ran (what was done, what
// failed and why, what is left, what the plan keeps and why, the runbook with the final state),
// where the files are, and the commands that continue from them. The CLI prints the same summary
// after the wizard exits, so it stays in the terminal. It scrolls: a run's summary can be long.
type leaveScreen struct {
	c       *Common
	w, h    int
	summary string
	run     bool // a run happened: AWS has changed
	page    page
}

func newLeaveScreen(c *Common) *leaveScreen { return &leaveScreen{c: c, page: newPage()} }

func (s *leaveScreen) Init() tea.Cmd { return nil }
func (s *leaveScreen) SetSize(w, h int) {
	s.w, s.h = w, h
	s.page.setSize(w, h)
}
func (s *leaveScreen) Capturing() bool { return false }

func (s *leaveScreen) set(summary string, run bool) {
	s.summary, s.run = summary, run
	st := s.c.Styles
	title := "Session saved"
	if run {
		title = "Run summary"
	}
	s.page.show(func(int) string { return st.Header.Render(title) }, s.body)
}

func (s *leaveScreen) Help() []key.Binding {
	back := "back to plan"
	if s.run {
		back = "back to the run"
	}
	return []key.Binding{
		key.NewBinding(key.WithKeys("q", "enter"), key.WithHelp("q/enter", "quit")),
		key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", back)),
		s.c.Keys.Up, s.c.Keys.Down, s.c.Keys.PageDown,
	}
}

func (s *leaveScreen) Update(msg tea.Msg) tea.Cmd {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		switch k.String() {
		case "q", "enter":
			return send(continueMsg{})
		case "esc":
			return send(backMsg{})
		}
	}
	return s.page.update(msg)
}

func (s *leaveScreen) View() string { return s.page.view(s.c.Styles) }

// body lays the summary out for width w.
func (s *leaveScreen) body(w int) string {
	st := s.c.Styles
	var b strings.Builder
	// Wrapped, not cut: the commands must be complete (the CLI prints them again on exit), and
	// they break between arguments with a shell continuation, so that they still run when copied.
	commands := false
	for _, line := range strings.Split(strings.TrimRight(s.summary, "\n"), "\n") {
		switch {
		case commands && strings.HasPrefix(line, "  "):
			b.WriteString(strings.Join(commandLines(strings.TrimSpace(line), "  ", w), "\n") + "\n")
		default:
			commands = strings.HasPrefix(line, "Continue from the command line")
			b.WriteString(wrapIndent(line, w, "      ") + "\n")
		}
	}
	if s.run {
		b.WriteString("\n" + st.Muted.Render(wrap("The journal in the state folder records every change the run made; lz2ct status reads it at any time.", w)))
	} else {
		b.WriteString("\n" + st.Muted.Render(wrap("Nothing has changed in AWS. The files above are all the CLI needs: start again from any of them.", w)))
	}
	return b.String()
}

// RunSummaryText says how a run ended: what was done, what failed and why, what waits for the
// operator, what is left and why, what the plan keeps on purpose, and the runbook written with
// the final state. command is how the user runs lz2ct; dir the state folder.
func RunSummaryText(r *RunSummary, command, dir string) string {
	if command == "" {
		command = "lz2ct"
	}
	var b strings.Builder
	how := "ended with steps left"
	switch {
	case r.Complete:
		how = "complete: every step of the plan is done"
	case r.Stopped:
		how = "paused at a safe point (resumable)"
	case len(r.Failed) > 0:
		how = "ended with failures"
	}
	fmt.Fprintf(&b, "Run of %s: %s.\n", r.Organization, how)
	line := fmt.Sprintf("%s done in this run", plural(len(r.Done), "step", "steps"))
	if r.Previously > 0 {
		line += fmt.Sprintf(" (and %d before)", r.Previously)
	}
	line += fmt.Sprintf(", %d failed, %d waiting for you, %d interrupted, %d not started", len(r.Failed), len(r.Waiting), len(r.Interrupted), len(r.NotStarted))
	if r.Elapsed > 0 {
		line += "; " + Duration(r.Elapsed)
	}
	b.WriteString("  " + line + ".\n")
	if len(r.Failed) > 0 {
		b.WriteString("\nFailed:\n")
		for _, o := range r.Failed {
			fmt.Fprintf(&b, "  ✖ %s: %s\n", o.ID, o.Title)
			fmt.Fprintf(&b, "    AWS error: %s\n", o.Error)
			if o.Advice != "" {
				fmt.Fprintf(&b, "    What to do: %s\n", o.Advice)
			}
		}
	}
	if len(r.Waiting) > 0 {
		b.WriteString("\nWaiting for you (do it, then confirm it in the wizard or with lz2ct confirm):\n")
		for _, o := range r.Waiting {
			fmt.Fprintf(&b, "  • %s: %s\n", o.ID, o.Title)
		}
	}
	if len(r.Interrupted) > 0 {
		b.WriteString("\nInterrupted (resume goes on from where each stopped):\n")
		for _, o := range r.Interrupted {
			op := ""
			if o.OperationID != "" {
				op = " (AWS operation " + o.OperationID + " goes on in AWS; resume waits on it)"
			}
			fmt.Fprintf(&b, "  • %s%s\n", o.ID, op)
		}
	}
	if len(r.NotStarted) > 0 {
		b.WriteString("\nWhat is left:\n")
		for _, l := range notStartedLines(r.NotStarted, 3) {
			b.WriteString("  • " + l + "\n")
		}
	}
	if len(r.Kept) > 0 {
		b.WriteString("\nKept on purpose (the plan leaves these in place):\n")
		for _, k := range r.Kept {
			fmt.Fprintf(&b, "  • %s: %s\n", k.Resource, k.Reason)
		}
	}
	if len(r.Runbooks) > 0 {
		b.WriteString("\nRunbook with the final state of every step:\n")
		for _, p := range r.Runbooks {
			fmt.Fprintf(&b, "  %s\n", p)
		}
	}
	return b.String()
}

// RunCommands are the CLI commands that work once a run has started in f: where it stands, the
// pre-checks of its snapshot, the runbook with each step's status, and (more: the run is not
// complete) resume — resume is the command that resumes it ("" = lz2ct resume --state DIR). The
// plan cannot change any more, so lz2ct plan -o is not among them.
func RunCommands(command, resume string, f statefolder.Folder, snapshot string, more bool) []string {
	q := ShellQuote
	if command == "" {
		command = "lz2ct"
	}
	if resume == "" {
		resume = resumeCommandFor(nil, command, f.Dir)
	}
	cmds := []string{command + " status --state " + q(f.Dir)}
	if more {
		cmds = append(cmds, resume)
	}
	if snapshot != "" {
		cmds = append(cmds, command+" check --snapshot "+q(snapshot)+" --settings "+q(f.Path(statefolder.Settings)))
	}
	return append(cmds, command+" runbook --plan "+q(f.Path(statefolder.Plan))+" --state "+q(f.Dir)+" -o "+q(f.Path(statefolder.RunbookHTML)))
}

// ContinueCommands are the CLI commands that pick up from the session's files, starting with
// command (how the user runs lz2ct: "lz2ct" when it is on the PATH, "./bin/lz2ct" after make, ...;
// "" = "lz2ct"), so that they work as printed.
func ContinueCommands(command string, f statefolder.Folder, snapshot string, haveSettings, havePlan bool) []string {
	q := ShellQuote
	if command == "" {
		command = "lz2ct"
	}
	cmds := []string{}
	set := ""
	if haveSettings {
		set = " --settings " + q(f.Path(statefolder.Settings))
	}
	cmds = append(cmds, command+" check --snapshot "+q(snapshot)+set)
	if haveSettings {
		cmds = append(cmds, command+" plan --snapshot "+q(snapshot)+set+" -o "+q(f.Path(statefolder.Plan)))
	}
	if havePlan {
		cmds = append(cmds,
			command+" runbook --plan "+q(f.Path(statefolder.Plan))+" --state "+q(f.Dir)+" -o "+q(f.Path(statefolder.RunbookHTML)))
	}
	return cmds
}

// ShellQuote quotes s for a POSIX shell when it holds anything but safe characters.
func ShellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:@+", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// notStartedLines groups steps that did not start by their reason, the most common first: "2 steps:
// needs x, which failed (a, b)", naming up to n steps of each.
func notStartedLines(l []StepOutcome, n int) []string {
	reasons := map[string][]string{}
	for _, o := range l {
		reasons[o.Reason] = append(reasons[o.Reason], o.ID)
	}
	keys := make([]string, 0, len(reasons))
	for k := range reasons {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if len(reasons[keys[i]]) != len(reasons[keys[j]]) {
			return len(reasons[keys[i]]) > len(reasons[keys[j]])
		}
		return keys[i] < keys[j]
	})
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		ids := reasons[k]
		more := ""
		if len(ids) > n {
			more = fmt.Sprintf(" and %d more", len(ids)-n)
			ids = ids[:n]
		}
		out = append(out, fmt.Sprintf("%s: %s (%s%s)", plural(len(reasons[k]), "step", "steps"), k, strings.Join(ids, ", "), more))
	}
	return out
}
