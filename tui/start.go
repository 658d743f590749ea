package tui

import (
	"fmt"
	"os"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/lz2ct/lz2ct/inventory"
)

// startScreen chooses where the organization comes from: the built-in demo, an AWS profile from
// the user's AWS config, or a snapshot file saved earlier. It connects, shows who the credentials
// belong to, and refuses anything but the organization's management account.
type startScreen struct {
	c       *Common
	w, h    int
	targets []Target
	loadErr error
	list    scroller

	connecting bool
	identity   *Identity
	connErr    error

	opening bool // typing a snapshot path
	path    textinput.Model
	openErr error
}

type targetsMsg struct {
	Targets []Target
	Err     error
}

type connectResultMsg struct {
	Identity Identity
	Err      error
}

type openErrMsg struct{ Err error }

func newStartScreen(c *Common) *startScreen {
	ti := textinput.New()
	ti.Placeholder = ".lz2ct/o-example/snapshot.json"
	ti.Prompt = "snapshot file: "
	return &startScreen{c: c, path: ti}
}

func (s *startScreen) Init() tea.Cmd {
	b := s.c.Backend
	return func() tea.Msg {
		t, err := b.Targets()
		return targetsMsg{t, err}
	}
}

func (s *startScreen) SetSize(w, h int) {
	s.w, s.h = w, h
	s.list.setHeight(max(h-12, 3))
	s.path.SetWidth(max(w-20, 10))
}

func (s *startScreen) Capturing() bool { return s.opening }

func (s *startScreen) Help() []key.Binding {
	k := s.c.Keys
	if s.opening {
		return []key.Binding{key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open")), key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel"))}
	}
	if s.identity != nil && s.identity.Management {
		return []key.Binding{key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "discover")), k.Up, k.Down, k.Quit}
	}
	return []key.Binding{k.Up, k.Down, key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "connect")), k.Quit}
}

// items is the target list plus the "open a snapshot" entry.
func (s *startScreen) items() int { return len(s.targets) + 1 }

func (s *startScreen) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case targetsMsg:
		s.targets, s.loadErr = msg.Targets, msg.Err
		s.list.setLen(s.items())
	case connectResultMsg:
		s.connecting = false
		if msg.Err != nil {
			s.connErr = fmt.Errorf("cannot connect: %w", msg.Err)
			return nil
		}
		id := msg.Identity
		s.identity = &id
		if !id.Management {
			s.connErr = fmt.Errorf("refused: %w", notManagement(id))
		}
	case openErrMsg:
		s.openErr = msg.Err
	case tea.KeyPressMsg:
		return s.key(msg)
	}
	if s.opening {
		var cmd tea.Cmd
		s.path, cmd = s.path.Update(msg)
		return cmd
	}
	return nil
}

func notManagement(id Identity) error {
	return fmt.Errorf("account %s is not the management account of %s (that is %s). "+
		"lz2ct reads the whole organization and only the management account can: "+
		"choose a profile for account %s", id.Account, id.OrganizationID, id.ManagementAccount, id.ManagementAccount)
}

func (s *startScreen) key(msg tea.KeyPressMsg) tea.Cmd {
	k := s.c.Keys
	if s.opening {
		switch msg.String() {
		case "esc":
			s.opening = false
			s.path.Blur()
			return nil
		case "enter":
			p := strings.TrimSpace(s.path.Value())
			if p == "" {
				return nil
			}
			s.opening = false
			s.path.Blur()
			s.openErr = nil
			return openSnapshot(p)
		}
		var cmd tea.Cmd
		s.path, cmd = s.path.Update(msg)
		return cmd
	}
	if s.connecting {
		return nil
	}
	if s.list.handleNav(k, msg) {
		s.identity, s.connErr, s.openErr = nil, nil, nil
		return nil
	}
	switch {
	case key.Matches(msg, k.Back):
		return send(backMsg{})
	case key.Matches(msg, k.Enter):
		if s.identity != nil && s.identity.Management {
			return send(connectedMsg{Identity: *s.identity})
		}
		if s.list.cursor == len(s.targets) {
			s.opening = true
			s.openErr = nil
			return s.path.Focus()
		}
		if s.list.cursor >= len(s.targets) {
			return nil
		}
		t := s.targets[s.list.cursor]
		// An error from an earlier attempt (a snapshot that would not open) is not about this one.
		s.connecting, s.identity, s.connErr, s.openErr = true, nil, nil, nil
		b, ctx := s.c.Backend, s.c.Ctx
		return func() tea.Msg {
			id, err := b.Connect(ctx, t)
			return connectResultMsg{id, err}
		}
	}
	return nil
}

// openSnapshot reads and validates a snapshot file in the background.
func openSnapshot(path string) tea.Cmd {
	return func() tea.Msg {
		data, err := os.ReadFile(path)
		if err != nil {
			return openErrMsg{fmt.Errorf("open snapshot: %w", err)}
		}
		snap, err := inventory.Decode(data)
		if err != nil {
			return openErrMsg{fmt.Errorf("snapshot %s: %w", path, err)}
		}
		return snapshotMsg{Snap: snap, Data: data, Path: path}
	}
}

func (s *startScreen) View() string {
	st := s.c.Styles
	var b strings.Builder
	b.WriteString(st.Header.Render("Where is the organization?") + "\n")
	b.WriteString(st.Muted.Render(wrap("Connect with the management account's credentials. Discovery only reads; nothing changes in AWS.", s.w)) + "\n\n")
	if s.loadErr != nil {
		b.WriteString(st.Warn.Render(wrap("AWS profiles: "+s.loadErr.Error(), s.w)) + "\n")
	}
	if s.targets == nil && s.loadErr == nil {
		b.WriteString("  looking for AWS profiles…\n")
	}
	from, to := s.list.window()
	// The name column is as wide as the longest name (up to 22), leaving the rest to the details.
	col := 8
	for _, t := range s.targets {
		col = max(col, min(ansi.StringWidth(targetName(t)), 22))
	}
	for i := from; i < to; i++ {
		var text string
		if i < len(s.targets) {
			t := s.targets[i]
			text = fmt.Sprintf("%-*s %s", col, targetName(t), st.Muted.Render(t.Detail))
		} else {
			text = "Open a saved snapshot file…"
		}
		b.WriteString(row(st, text, i == s.list.cursor && !s.opening, s.w) + "\n")
	}
	if info := s.list.scrollInfo(); info != "" {
		b.WriteString(st.Muted.Render("  "+info) + "\n")
	}
	b.WriteString("\n")
	switch {
	case s.opening:
		b.WriteString(s.path.View() + "\n")
	case s.connecting:
		b.WriteString("Connecting… (sts:GetCallerIdentity, organizations:DescribeOrganization)\n")
	}
	if s.openErr != nil {
		b.WriteString(st.Error.Render(wrap("✖ "+s.openErr.Error(), s.w)) + "\n")
	}
	if id := s.identity; id != nil {
		b.WriteString(st.Box.Render(fmt.Sprintf("%s %s\n%s %s\n%s %s",
			st.Label.Render("Caller"), id.Arn,
			st.Label.Render("Account"), id.Account,
			st.Label.Render("Organization"), id.OrganizationID)) + "\n")
		if id.Management {
			b.WriteString(st.OKBanner.Render("✔ management account — press enter to discover the organization") + "\n")
		}
	}
	if s.connErr != nil {
		b.WriteString(st.Error.Render(wrap("✖ "+s.connErr.Error(), s.w)) + "\n")
	}
	return b.String()
}

func targetName(t Target) string {
	switch {
	case t.Kind == TargetDemo:
		return "demo"
	case t.Name == "":
		return "(default credentials)"
	}
	return t.Name
}
