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
	// run is a run recorded in the organization's state folder: the screen offers to resume it.
	run    *RunInfo
	runErr error

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
	// Run is the run recorded in the organization's state folder (nil when none); RunErr says why
	// it cannot be read.
	Run    *RunInfo
	RunErr error
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
	if s.identity != nil && s.identity.Management && s.run != nil {
		keys := []key.Binding{key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "new session")), k.Up, k.Down, k.Quit}
		if !s.run.Active {
			keys = append([]key.Binding{key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "resume the run"))}, keys...)
		}
		return keys
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
		s.run, s.runErr = msg.Run, msg.RunErr
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
		s.identity, s.connErr, s.openErr, s.run, s.runErr = nil, nil, nil, nil, nil
		return nil
	}
	switch {
	case key.Matches(msg, k.Back):
		return send(backMsg{})
	case msg.String() == "n" && s.identity != nil && s.identity.Management && (s.run != nil || s.runErr != nil):
		return send(connectedMsg{Identity: *s.identity})
	case key.Matches(msg, k.Enter):
		if s.identity != nil && s.identity.Management && s.run != nil {
			if s.run.Active {
				return nil
			}
			return send(resumeMsg{Dir: s.run.Dir})
		}
		if s.identity != nil && s.identity.Management && s.runErr != nil {
			return nil
		}
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
		s.connecting, s.identity, s.connErr, s.openErr, s.run, s.runErr = true, nil, nil, nil, nil, nil
		b, ctx, c := s.c.Backend, s.c.Ctx, s.c
		return func() tea.Msg {
			id, err := b.Connect(ctx, t)
			res := connectResultMsg{Identity: id, Err: err}
			if err == nil && id.Management {
				// A run recorded for this organization is offered before anything else.
				res.Run, res.RunErr = b.FindRun(c.stateDirFor(id.OrganizationID))
			}
			return res
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
	if id := s.identity; id != nil && s.run != nil {
		// The run's details need the room: who the caller is in one line.
		b.WriteString(wrap(fmt.Sprintf("Connected as %s (organization %s).", id.Arn, id.OrganizationID), s.w) + "\n")
	} else if id != nil {
		b.WriteString(st.Box.Render(fmt.Sprintf("%s %s\n%s %s\n%s %s",
			st.Label.Render("Caller"), id.Arn,
			st.Label.Render("Account"), id.Account,
			st.Label.Render("Organization"), id.OrganizationID)) + "\n")
	}
	if id := s.identity; id != nil {
		switch {
		case id.Management && s.run != nil:
			b.WriteString(s.runOffer())
		case id.Management && s.runErr != nil:
			b.WriteString(st.Error.Render(wrap("✖ a run is recorded for this organization, but "+s.runErr.Error(), s.w)) + "\n")
			b.WriteString(wrap("n starts a new session (its plan cannot replace the run's)", s.w) + "\n")
		case id.Management:
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

// runOffer describes the run recorded in the state folder: where it stopped, why, when, by whom,
// and what runs in AWS now; and the keys that resume it or start anew.
func (s *startScreen) runOffer() string {
	st := s.c.Styles
	r := s.run
	var lines []string
	add := func(label, text string) { lines = append(lines, labeled(st, label, text, s.w)) }
	lines = append(lines, st.Warning.Render(wrap("A migration run of "+r.Organization+" is recorded in "+r.Dir, s.w)))
	progress := fmt.Sprintf("%d of %d steps done", r.Done, r.Total)
	if r.Failed > 0 {
		progress += fmt.Sprintf(" · %d failed", r.Failed)
	}
	if r.Waiting > 0 {
		progress += fmt.Sprintf(" · %d waiting for you", r.Waiting)
	}
	add("Progress", progress)
	if r.Where != "" {
		where := r.Where
		if len(r.Next) > 0 {
			where += " (next: " + strings.Join(r.Next, ", ") + ")"
		}
		add("Stopped in", where)
	}
	if r.LastNote != "" {
		add("Why", r.LastNote)
	}
	if !r.LastTime.IsZero() {
		add("When", r.LastTime.UTC().Format("2006-01-02 15:04 UTC")+" by "+r.LastBy)
	}
	if len(r.Open) == 0 {
		add("In AWS now", "no operation of this run is open")
	}
	for _, o := range r.Open {
		add("In AWS now", fmt.Sprintf("%s: operation %s (since %s; resume waits on it)", o.ID, o.OperationID, o.Since.UTC().Format("15:04 UTC")))
	}
	if r.Active {
		lines = append(lines, st.Error.Render(wrap("✖ "+r.Holder+" is running it now: wait for it to end, or stop it there. n starts a new session.", s.w)))
	} else {
		lines = append(lines, st.OKBanner.Render(wrap("✔ enter resumes this run · n starts a new session (discovers the organization again)", s.w)))
	}
	return strings.Join(lines, "\n") + "\n"
}

// labeled is "Label  text" with the text wrapped under itself (the label column is 15 cells).
func labeled(st *Styles, label, text string, w int) string {
	ls := strings.Split(wrap(text, max(w-15, 10)), "\n")
	for i := range ls {
		if i == 0 {
			ls[i] = st.Label.Render(label) + " " + ls[i]
		} else {
			ls[i] = strings.Repeat(" ", 15) + ls[i]
		}
	}
	return strings.Join(ls, "\n")
}
