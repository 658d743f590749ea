package tui

import (
	"fmt"
	"sort"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/lz2ct/lz2ct/checks"
	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/settings"
)

var severityRank = map[string]int{SeverityBlocker: 0, SeverityWarning: 1, SeverityInfo: 2}

// checksScreen shows the pre-check findings grouped by phase and severity, with the counts and a
// blocker banner at the top, a severity filter and a search box, and a detail view per finding.
type checksScreen struct {
	c    *Common
	w, h int

	loading bool
	err     error
	res     *CheckResult
	sorted  []int // finding indexes in phase/severity/check order

	sevFilter int // index into sevFilters
	searching bool
	search    textinput.Model
	query     string

	rows      []checkRow
	list      scroller
	collapsed map[string]bool // phases whose findings are hidden (enter on the header toggles)

	detail int // finding index shown in detail, -1 = list
	page   page
}

var sevFilters = []string{"", SeverityBlocker, SeverityWarning, SeverityInfo}

// checkRow is a phase header (finding < 0) or a finding.
type checkRow struct {
	phase   string
	finding int
	count   [3]int // per severity, for headers
}

func newChecksScreen(c *Common) *checksScreen {
	ti := textinput.New()
	ti.Prompt = "/ "
	ti.Placeholder = "search titles, checks, accounts, OUs"
	return &checksScreen{c: c, search: ti, detail: -1, page: newPage(), collapsed: map[string]bool{}}
}

func (s *checksScreen) Init() tea.Cmd { return nil }

// Wait shows the screen as loading until Start is called (the root reads the saved decisions first).
func (s *checksScreen) Wait() { s.loading, s.err, s.res, s.detail = true, nil, nil, -1 }

// Start runs the pre-checks for snap in the background.
func (s *checksScreen) Start(snap *inventory.Snapshot, set settings.Settings) tea.Cmd {
	s.loading, s.err, s.res, s.detail = true, nil, nil, -1
	b := s.c.Backend
	return func() tea.Msg {
		r, err := b.Check(snap, set)
		return checkedMsg{Result: r, Err: err}
	}
}

// SetResult shows a finished report (tests and benchmarks use it directly).
func (s *checksScreen) SetResult(r *CheckResult) {
	s.loading, s.res = false, r
	s.sorted = make([]int, len(r.Findings))
	for i := range s.sorted {
		s.sorted[i] = i
	}
	f := r.Findings
	sort.SliceStable(s.sorted, func(a, b int) bool {
		x, y := f[s.sorted[a]], f[s.sorted[b]]
		// Grouped in migration order, as the checks package ranks its phases.
		if px, py := checks.Phase(x.Phase).Rank(), checks.Phase(y.Phase).Rank(); px != py {
			return px < py
		}
		if sx, sy := severityRank[x.Severity], severityRank[y.Severity]; sx != sy {
			return sx < sy
		}
		return x.Check < y.Check
	})
	s.rebuild()
	s.landOnFinding()
}

// rebuild applies the filter and search to the findings and lays out the rows.
func (s *checksScreen) rebuild() {
	s.rows = s.rows[:0]
	if s.res == nil {
		return
	}
	sev := sevFilters[s.sevFilter]
	q := strings.ToLower(strings.TrimSpace(s.query))
	header := -1
	for _, i := range s.sorted {
		f := s.res.Findings[i]
		if sev != "" && f.Severity != sev {
			continue
		}
		if q != "" && !matches(f, q) {
			continue
		}
		if header < 0 || s.rows[header].phase != f.Phase {
			s.rows = append(s.rows, checkRow{phase: f.Phase, finding: -1})
			header = len(s.rows) - 1
		}
		s.rows[header].count[severityRank[f.Severity]]++
		if !s.collapsed[f.Phase] {
			s.rows = append(s.rows, checkRow{phase: f.Phase, finding: i})
		}
	}
	s.list.setLen(len(s.rows))
}

// landOnFinding moves the cursor from a header to the finding below it, so that enter on a fresh
// list opens a finding.
func (s *checksScreen) landOnFinding() {
	if c := s.list.cursor; c+1 < len(s.rows) && s.rows[c].finding < 0 && s.rows[c+1].finding >= 0 {
		s.list.move(1)
	}
}

// toggle opens or closes the group of phase (open: its findings are listed) and keeps the cursor
// on its header.
func (s *checksScreen) toggle(phase string, open bool) {
	s.collapsed[phase] = !open
	s.rebuild()
	for i, r := range s.rows {
		if r.phase == phase && r.finding < 0 {
			s.list.to(i)
			return
		}
	}
}

func matches(f Finding, q string) bool {
	if strings.Contains(strings.ToLower(f.Title+" "+f.Check+" "+f.Phase+" "+f.Severity), q) {
		return true
	}
	for _, sub := range f.Subjects {
		if strings.Contains(strings.ToLower(sub.ID+" "+sub.Name), q) {
			return true
		}
	}
	return false
}

func (s *checksScreen) SetSize(w, h int) {
	s.w, s.h = w, h
	s.list.setHeight(s.listHeight())
	s.search.SetWidth(max(w-6, 10))
	s.page.setSize(w, h)
}

func (s *checksScreen) listHeight() int {
	h := s.h - 4 // counts, banner, blank, status line
	if s.searching || s.query != "" {
		h--
	}
	return max(h, 1)
}

func (s *checksScreen) Capturing() bool { return s.searching }

func (s *checksScreen) Help() []key.Binding {
	k := s.c.Keys
	if s.searching {
		return []key.Binding{key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "apply")), key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear"))}
	}
	if s.detail >= 0 {
		return pageKeys(k, &s.page, "back to list")
	}
	return []key.Binding{k.Up, k.Down, key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open / toggle group")), k.Filter, k.Severity,
		key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "decisions")), k.Back,
		key.NewBinding(key.WithKeys("right", "l"), key.WithHelp("→/l", "open group")),
		key.NewBinding(key.WithKeys("left", "h"), key.WithHelp("←/h", "close group")),
		key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "open/close all groups")),
		k.PageUp, k.PageDown, k.Top, k.Bottom}
}

func (s *checksScreen) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case checkedMsg:
		if msg.Err != nil {
			s.loading, s.err = false, msg.Err
			return nil
		}
		s.SetResult(msg.Result)
		return nil
	case tea.KeyPressMsg:
		return s.key(msg)
	}
	if s.searching {
		var cmd tea.Cmd
		s.search, cmd = s.search.Update(msg)
		return cmd
	}
	return nil
}

func (s *checksScreen) key(msg tea.KeyPressMsg) tea.Cmd {
	k := s.c.Keys
	if s.searching {
		switch msg.String() {
		case "esc":
			s.searching, s.query = false, ""
			s.search.SetValue("")
			s.search.Blur()
		case "enter":
			s.searching = false
			s.search.Blur()
		default:
			var cmd tea.Cmd
			s.search, cmd = s.search.Update(msg)
			s.query = s.search.Value() // filter as you type
			s.list.to(0)
			s.rebuild()
			s.landOnFinding()
			s.list.setHeight(s.listHeight())
			return cmd
		}
		s.list.setHeight(s.listHeight())
		s.rebuild()
		return nil
	}
	if s.detail >= 0 {
		if key.Matches(msg, k.Back) {
			s.detail = -1
			s.page.close()
			return nil
		}
		return s.page.update(msg)
	}
	if s.list.handleNav(k, msg) {
		return nil
	}
	switch {
	case key.Matches(msg, k.Back):
		if s.query != "" {
			s.query = ""
			s.search.SetValue("")
			s.rebuild()
			s.list.setHeight(s.listHeight())
			return nil
		}
		return send(backMsg{})
	case key.Matches(msg, k.Filter):
		if s.res == nil {
			return nil
		}
		s.searching = true
		s.list.setHeight(s.listHeight())
		return s.search.Focus()
	case key.Matches(msg, k.Severity):
		s.sevFilter = (s.sevFilter + 1) % len(sevFilters)
		s.list.to(0)
		s.rebuild()
		s.landOnFinding()
	case key.Matches(msg, k.Next):
		if s.res != nil {
			return send(continueMsg{})
		}
	case key.Matches(msg, k.Expand), key.Matches(msg, k.Collapse):
		if len(s.rows) > 0 {
			s.toggle(s.rows[s.list.cursor].phase, key.Matches(msg, k.Expand))
		}
	case key.Matches(msg, k.ExpandAll):
		// Open every group when one is closed, else close them all.
		open := false
		for _, r := range s.rows {
			open = open || s.collapsed[r.phase]
		}
		for _, r := range s.rows {
			s.collapsed[r.phase] = !open
		}
		if len(s.rows) > 0 {
			s.toggle(s.rows[s.list.cursor].phase, open)
		}
	case key.Matches(msg, k.Enter):
		if len(s.rows) == 0 {
			return nil
		}
		r := s.rows[s.list.cursor]
		if r.finding < 0 {
			s.toggle(r.phase, s.collapsed[r.phase])
			return nil
		}
		s.open(r.finding)
	}
	return nil
}

func (s *checksScreen) View() string {
	st := s.c.Styles
	switch {
	case s.loading:
		return st.Header.Render("Pre-checks") + "\n\nRunning the pre-checks…"
	case s.err != nil:
		return st.Header.Render("Pre-checks") + "\n\n" + st.Error.Render(wrap("✖ pre-checks failed: "+s.err.Error(), s.w))
	case s.res == nil:
		return st.Header.Render("Pre-checks") + "\n\nWaiting for the organization…"
	}
	if s.detail >= 0 {
		return s.page.view(st)
	}
	r := s.res
	var b strings.Builder
	counts := fmt.Sprintf("Pre-checks: %s · %s · %s", st.Blocker.Render(plural(r.Blockers, "blocker", "blockers")),
		st.Warning.Render(plural(r.Warnings, "warning", "warnings")), st.Info.Render(itoa(r.Infos)+" info"))
	if f := sevFilters[s.sevFilter]; f != "" {
		counts += st.Muted.Render("   showing " + f + "s only (s)")
	}
	b.WriteString(truncate(counts, s.w) + "\n")
	switch {
	case r.Unfixed > 0:
		b.WriteString(truncate(st.BlockerBanner.Render(fmt.Sprintf("✖ %s the plan cannot fix — resolve them before applying",
			plural(r.Unfixed, "BLOCKER", "BLOCKERS"))), s.w) + "\n")
	case r.Blockers > 0:
		b.WriteString(truncate(st.Warning.Render(fmt.Sprintf("! %s, all fixed by steps in the plan", plural(r.Blockers, "blocker", "blockers"))), s.w) + "\n")
	default:
		b.WriteString(st.OKBanner.Render("✔ no blockers") + "\n")
	}
	if s.searching {
		b.WriteString(s.search.View() + "\n")
	} else if s.query != "" {
		b.WriteString(st.Muted.Render("search: "+s.query+"  (esc clears)") + "\n")
	}
	b.WriteString("\n")
	from, to := s.list.window()
	for i := from; i < to; i++ {
		b.WriteString(s.renderRow(s.rows[i], i == s.list.cursor) + "\n")
	}
	if len(s.rows) == 0 {
		b.WriteString(st.Muted.Render("  no findings match") + "\n")
	}
	info := s.list.scrollInfo()
	b.WriteString(st.Muted.Render(strings.TrimSpace("✓ = the plan fixes it · enter opens · n: decisions   " + info)))
	return b.String()
}

func (s *checksScreen) renderRow(r checkRow, selected bool) string {
	st := s.c.Styles
	if r.finding < 0 {
		var parts []string
		for i, name := range []string{"blocker", "warning", "info"} {
			if r.count[i] > 0 {
				n := r.count[i]
				if name != "info" {
					parts = append(parts, plural(n, name, name+"s"))
				} else {
					parts = append(parts, itoa(n)+" info")
				}
			}
		}
		arrow := "[-] "
		if s.collapsed[r.phase] {
			arrow = "[+] "
		}
		line := arrow + st.Header.Render(strings.ToUpper(r.phase)) + st.Muted.Render(" — "+strings.Join(parts, ", "))
		return row(st, line, selected, s.w)
	}
	f := s.res.Findings[r.finding]
	text := f.Title
	if n := len(f.Subjects); n > 1 {
		text += fmt.Sprintf(" (%d %s)", n, subjectKind(f.Subjects))
	} else if n == 1 && f.Subjects[0].Kind != "organization" {
		text += " (" + subjectLabel(f.Subjects[0]) + ")"
	}
	fix := "  "
	if f.FixedByPlan {
		fix = "✓ "
	}
	if selected {
		return row(st, fmt.Sprintf("  %-7s %s%s", strings.ToUpper(f.Severity), fix, text), true, s.w)
	}
	return row(st, "  "+st.Severity(f.Severity)+" "+fix+text, false, s.w)
}

func subjectKind(subs []Subject) string {
	kind := subs[0].Kind
	for _, x := range subs {
		if x.Kind != kind {
			return "subjects"
		}
	}
	switch kind {
	case "account":
		return "accounts"
	case "ou":
		return "OUs"
	case "policy":
		return "policies"
	}
	return kind + "s"
}

func subjectLabel(s Subject) string {
	switch {
	case s.Name != "" && s.ID != "":
		return s.Name + " " + s.ID
	case s.Name != "":
		return s.Name
	}
	return s.ID
}

// open shows finding i on a page: its title in full, then what the list cannot show.
func (s *checksScreen) open(i int) {
	s.detail = i
	f := s.res.Findings[i]
	st := s.c.Styles
	s.page.show(func(w int) string {
		lines := strings.Split(wrap(f.Title, w-8), "\n")
		for j, l := range lines {
			tag := "        "
			if j == 0 {
				tag = st.Severity(f.Severity) + " "
			}
			lines[j] = tag + st.Header.Render(l)
		}
		return strings.Join(lines, "\n")
	}, func(w int) string { return s.detailText(f, w) })
}

func (s *checksScreen) detailText(f Finding, w int) string {
	st := s.c.Styles
	var b strings.Builder
	field := func(label, value string) {
		if value != "" {
			b.WriteString(st.Header.Render(label) + "\n" + wrap(value, w) + "\n\n")
		}
	}
	fix := "No — you resolve it (see remediation); the plan marks dependent steps as blocked."
	if f.FixedByPlan {
		fix = "Yes — a step in the plan fixes it."
	}
	field("Check", f.Check+"   phase: "+f.Phase)
	if n := len(f.Subjects); n > 0 {
		line := f.Subjects[0].Kind + " " + subjectLabel(f.Subjects[0])
		if n > 1 {
			line = itoa(n) + " " + subjectKind(f.Subjects)
		}
		field("Concerns", line+" (listed below the evidence)")
	}
	field("Fixed by the plan", fix)
	field("Remediation", f.Remediation)
	if len(f.Evidence) > 0 {
		b.WriteString(st.Header.Render("Evidence") + "\n")
		for _, e := range f.Evidence {
			b.WriteString(wrapIndent("• "+e, w, "  ") + "\n")
		}
		b.WriteString("\n")
	}
	if len(f.Subjects) > 0 {
		b.WriteString(st.Header.Render(fmt.Sprintf("Concerned (%d)", len(f.Subjects))) + "\n")
		for _, sub := range f.Subjects {
			b.WriteString(wrapIndent(fmt.Sprintf("  %-13s %s", sub.Kind, subjectLabel(sub)), w, strings.Repeat(" ", 16)) + "\n")
		}
		b.WriteString("\n")
	}
	field("Source", f.Source)
	return b.String()
}
