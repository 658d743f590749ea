package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/lz2ct/lz2ct/statefolder"
)

// leaveScreen is the end of the session: where the files are and the commands that continue from
// them. The CLI prints the same summary after the wizard exits, so it stays in the terminal.
type leaveScreen struct {
	c       *Common
	w, h    int
	summary string
}

func newLeaveScreen(c *Common) *leaveScreen { return &leaveScreen{c: c} }

func (s *leaveScreen) Init() tea.Cmd      { return nil }
func (s *leaveScreen) SetSize(w, h int)   { s.w, s.h = w, h }
func (s *leaveScreen) Capturing() bool    { return false }
func (s *leaveScreen) set(summary string) { s.summary = summary }

func (s *leaveScreen) Help() []key.Binding {
	return []key.Binding{
		key.NewBinding(key.WithKeys("q", "enter"), key.WithHelp("q/enter", "quit")),
		key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back to plan")),
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
	return nil
}

func (s *leaveScreen) View() string {
	st := s.c.Styles
	var b strings.Builder
	b.WriteString(st.Header.Render("Session saved") + "\n\n")
	// Wrapped, not cut: the commands must be complete (the CLI prints them again on exit), and
	// they break between arguments with a shell continuation, so that they still run when copied.
	commands := false
	for _, line := range strings.Split(strings.TrimRight(s.summary, "\n"), "\n") {
		switch {
		case commands && strings.HasPrefix(line, "  "):
			b.WriteString(strings.Join(commandLines(strings.TrimSpace(line), "  ", s.w), "\n") + "\n")
		default:
			commands = strings.HasPrefix(line, "Continue from the command line")
			b.WriteString(wrapIndent(line, s.w, "    ") + "\n")
		}
	}
	b.WriteString("\n" + st.Muted.Render(wrap("Nothing has changed in AWS. The files above are all the CLI needs: start again from any of them.", s.w)))
	return b.String()
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
