package tui

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/settings"
	"github.com/lz2ct/lz2ct/statefolder"
)

// Common is what every screen shares: context, styles, keys and the backend. It holds no session
// state; that travels in messages and lives in the root model.
type Common struct {
	Ctx     context.Context
	Styles  *Styles
	Keys    KeyMap
	Backend Backend
	// Now is the clock (tests fix it so that golden screens do not change with time).
	Now func() time.Time
	// Command is how the user runs lz2ct ("lz2ct", "./bin/lz2ct"), for the commands screens print.
	Command string
	// StateDir is the state folder given (--state); "" = the organization's default folder.
	StateDir string
	// ResumeCommand is Options.ResumeCommand.
	ResumeCommand func(dir string) string
}

// stateDirFor is the state folder of an organization: the one given, or its default.
func (c *Common) stateDirFor(org string) string {
	if c.StateDir != "" {
		return c.StateDir
	}
	return statefolder.Default(org)
}

// Screen is one wizard screen. Screens return plain strings; only the root builds the tea.View.
type Screen interface {
	Init() tea.Cmd
	Update(msg tea.Msg) tea.Cmd
	View() string
	// SetSize gives the screen the body area (the root draws the header and footer).
	SetSize(width, height int)
	// Help lists the screen's bindings for the footer and the `?` overlay.
	Help() []key.Binding
	// Capturing is true while the screen takes text (a search box, a form field): then q, ? and
	// esc belong to the screen, and only ctrl+c stays global.
	Capturing() bool
}

// Messages between screens and the root. Screens never change each other; they emit these and the
// root routes them.
type (
	// connectedMsg: the start screen connected to a management account; discovery may begin.
	connectedMsg struct{ Identity Identity }
	// snapshotMsg: an organization snapshot is available (discovered or opened from a file).
	snapshotMsg struct {
		Snap *inventory.Snapshot
		Data []byte // the snapshot file's bytes (the plan records their hash)
		Path string // where it was read from; "" when discovered (the root saves it)
	}
	// checkedMsg: pre-checks finished.
	checkedMsg struct {
		Result *CheckResult
		Err    error
	}
	// continueMsg: the user asked to go on from the current screen.
	continueMsg struct{}
	// backMsg: the user asked to go back from the current screen.
	backMsg struct{}
	// settingsMsg: the decisions form was submitted with these (resolved, valid) settings.
	settingsMsg struct{ Settings settings.Settings }
	// plannedMsg: the plan was built and saved (or failed).
	plannedMsg struct {
		Plan   *PlanResult
		Checks *CheckResult // the pre-checks re-run with the decisions
		Err    error
	}
	// exportMsg: the plan screen asks for a runbook export.
	exportMsg struct{}
	// applyMsg: the plan screen asks to apply the plan.
	applyMsg struct{}
	// resumeMsg: the start screen asks to resume the run recorded in Dir.
	resumeMsg struct{ Dir string }
	// runLoadedMsg: the plan of the run to resume was read.
	runLoadedMsg struct {
		Dir  string
		Plan *PlanResult
		Err  error
	}
	// exportedMsg: runbooks were written.
	exportedMsg struct {
		Paths []string
		Err   error
	}
	// savedMsg reports a file written in the background.
	savedMsg struct {
		What, Path string
		Err        error
	}
)

func send(msg tea.Msg) tea.Cmd { return func() tea.Msg { return msg } }

// scroller keeps a cursor and the window of visible rows over n rows, so a screen renders only
// what fits (a 5,000-account organization has as many rows).
type scroller struct {
	cursor, offset, n, height int
}

func (s *scroller) setLen(n int) {
	s.n = n
	s.clamp()
}

func (s *scroller) setHeight(h int) {
	s.height = max(h, 1)
	s.clamp()
}

func (s *scroller) move(d int) {
	s.cursor += d
	s.clamp()
}

func (s *scroller) to(i int) {
	s.cursor = i
	s.clamp()
}

func (s *scroller) clamp() {
	if s.height < 1 {
		s.height = 1
	}
	s.cursor = min(max(s.cursor, 0), max(s.n-1, 0))
	if s.cursor < s.offset {
		s.offset = s.cursor
	}
	if s.cursor >= s.offset+s.height {
		s.offset = s.cursor - s.height + 1
	}
	s.offset = min(max(s.offset, 0), max(s.n-s.height, 0))
}

// window returns the half-open range of rows to render.
func (s *scroller) window() (from, to int) {
	return s.offset, min(s.offset+s.height, s.n)
}

// handleNav moves the cursor for the navigation keys; it reports whether msg was one.
func (s *scroller) handleNav(k KeyMap, msg tea.KeyPressMsg) bool {
	switch {
	case key.Matches(msg, k.Up):
		s.move(-1)
	case key.Matches(msg, k.Down):
		s.move(1)
	case key.Matches(msg, k.PageUp):
		s.move(-s.height)
	case key.Matches(msg, k.PageDown):
		s.move(s.height)
	case key.Matches(msg, k.Top):
		s.to(0)
	case key.Matches(msg, k.Bottom):
		s.to(s.n - 1)
	default:
		return false
	}
	return true
}

// scrollInfo is a "12-30 of 5000" indicator, empty when everything fits.
func (s *scroller) scrollInfo() string {
	from, to := s.window()
	if s.n <= s.height {
		return ""
	}
	return itoa(from+1) + "–" + itoa(to) + " of " + itoa(s.n)
}

// row renders one list row: a marker and reverse video for the cursor row, truncated to width.
func row(st *Styles, text string, selected bool, width int) string {
	prefix := "  "
	if selected {
		prefix = "▸ "
	}
	line := ansi.Truncate(prefix+text, max(width, 1), "…")
	if selected {
		return st.Selected.Render(ansi.Strip(line))
	}
	return line
}

// fit pads or cuts s to exactly h lines no wider than w, so the footer stays in place and nothing
// wraps in the terminal (a wrapped line would push the whole frame down).
func fit(s string, w, h int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > h {
		lines = lines[:max(h, 0)]
	}
	for i, l := range lines {
		if ansi.StringWidth(l) > w {
			lines[i] = ansi.Truncate(l, max(w, 1), "…")
		}
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}

func itoa(n int) string { return strconv.Itoa(n) }

func truncate(s string, w int) string { return ansi.Truncate(s, max(w, 1), "…") }

func plural(n int, one, many string) string {
	if n == 1 {
		return itoa(n) + " " + one
	}
	return itoa(n) + " " + many
}

// page is a detail page: a header that wraps (a title is never cut) over a scrolling body. The
// body is laid out by the screen for the page's width (wrap, commandLines), so its lines only run
// wider than the page for a word that cannot be broken; those scroll sideways with ←/→.
type page struct {
	open         bool
	header, body func(width int) string
	hdr, note    string
	vp           viewport.Model
	w, h, widest int
}

func newPage() page { return page{vp: viewport.New()} }

// show opens the page at its top-left corner.
func (p *page) show(header, body func(width int) string) {
	p.open, p.header, p.body, p.note = true, header, body, ""
	p.render()
	p.vp.GotoTop()
	p.vp.SetXOffset(0)
}

func (p *page) close() { p.open = false }

// setNote shows a note (what a key just did) below the page.
func (p *page) setNote(note string) {
	p.note = note
	if p.open {
		p.render()
	}
}

func (p *page) setSize(w, h int) {
	p.w, p.h = w, h
	if p.open {
		p.render()
	}
}

// render lays the page out for its size: the header takes what it needs, the body the rest but
// for a blank line and the "more below" line.
func (p *page) render() {
	p.hdr = strings.TrimRight(p.header(p.w), "\n")
	p.vp.SetWidth(max(p.w, 1))
	h := p.h - strings.Count(p.hdr, "\n") - 3
	if p.note != "" {
		h -= lineCount(wrap(p.note, p.w))
	}
	p.vp.SetHeight(max(h, 1))
	content := strings.TrimRight(p.body(p.w), "\n")
	p.widest = 0
	for _, l := range strings.Split(content, "\n") {
		if len(l) > p.widest { // cells never exceed bytes: measure only what could be wider
			p.widest = max(p.widest, ansi.StringWidth(l))
		}
	}
	p.vp.SetContent(content)
}

// wide reports whether a body line is wider than the page (←/→ then scroll sideways).
func (p *page) wide() bool { return p.widest > p.w }

func (p *page) update(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	p.vp, cmd = p.vp.Update(msg)
	return cmd
}

// view draws the header, the visible body and a last line saying whether there is more below (a
// page cut at the screen's bottom edge otherwise looks complete) or to the right.
func (p *page) view(st *Styles) string {
	more := "end"
	if !p.vp.AtBottom() {
		more = fmt.Sprintf("↓ more below (%d%%)", int(p.vp.ScrollPercent()*100))
	}
	if p.wide() {
		more += " · ←/→ scroll sideways for lines wider than the screen"
	}
	v := p.hdr + "\n\n" + p.vp.View() + "\n" + st.Muted.Render(more)
	if p.note != "" {
		v += "\n" + st.OK.Render(wrap(p.note, p.w))
	}
	return v
}

// pageKeys are the keys of a detail page, for the help; back says where esc goes.
func pageKeys(k KeyMap, p *page, back string, extra ...key.Binding) []key.Binding {
	keys := []key.Binding{k.Up, k.Down}
	if p.wide() {
		keys = append(keys, key.NewBinding(key.WithKeys("left", "right"), key.WithHelp("←/→", "scroll sideways")))
	}
	keys = append(keys, extra...)
	return append(keys, key.NewBinding(key.WithKeys("esc", "q"), key.WithHelp("q/esc", back)), k.PageUp, k.PageDown)
}

// rowTail is row for a line whose tail must stay whole (counts, tags): the head is cut first. The
// tail takes style when the row is not selected.
func rowTail(st *Styles, head, tail string, style lipgloss.Style, selected bool, width int) string {
	room := max(width-2-ansi.StringWidth(tail), 12)
	if ansi.StringWidth(head) > room {
		head = ansi.Truncate(head, room, "…")
	}
	if selected {
		return row(st, head+tail, true, width)
	}
	return row(st, head+style.Render(tail), false, width)
}
