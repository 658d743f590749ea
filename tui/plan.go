package tui

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// planScreen reviews the plan: the phases as a collapsible tree with counts and the estimate, the
// OU registration order as the OU tree, every account with what the plan does with it, and a
// detail page for any step (guard, AWS CLI, which c copies), OU or account. Runbooks are exported
// from here.
type planScreen struct {
	c    *Common
	w, h int

	loading bool
	err     error
	plan    *PlanView
	nsteps  int
	counts  []phaseCounts // per phase, counted once (phase rows are drawn every frame)

	tab      int // 0 phases, 1 OU order
	expanded map[int]bool
	rows     []planRow
	list     scroller
	ous      []int // OU indexes in tree order
	ouList   scroller
	accts    []int // account indexes, blocked and excluded first
	acctList scroller

	page  page      // a step's, OU's or account's detail, when open
	step  *StepView // the step on the page (c copies its commands)
	steps map[string]string
	// top and bottom are the lines above and below the list: they wrap rather than cut, so their
	// height depends on the width (layout).
	top, bottom int

	exporting bool
	exported  []string
	exportErr error

	// rehearsal, while open, is drawn over the plan and takes its keys (r rehearses the plan).
	rehearsal *rehearsal
}

// phaseCounts are a phase's destructive, manual and blocked steps.
type phaseCounts struct{ destructive, manual, blocked int }

// planRow is a phase header (step < 0) or one of its steps.
type planRow struct{ phase, step int }

func newPlanScreen(c *Common) *planScreen {
	return &planScreen{c: c, expanded: map[int]bool{}, page: newPage(), rehearsal: newRehearsal(c)}
}

// Init shows the screen as "building" until a plannedMsg arrives.
func (s *planScreen) Init() tea.Cmd {
	s.loading, s.err, s.plan, s.step = true, nil, nil, nil
	s.page.close()
	s.exported, s.exportErr = nil, nil
	return nil
}

// SetPlan shows a built plan (tests and benchmarks use it directly).
func (s *planScreen) SetPlan(p *PlanView) {
	s.loading, s.plan = false, p
	s.nsteps = 0
	s.counts = make([]phaseCounts, len(p.Phases))
	s.steps = map[string]string{}
	for i, ph := range p.Phases {
		s.nsteps += len(ph.Steps)
		c := &s.counts[i]
		for _, x := range ph.Steps {
			s.steps[x.ID] = x.Title
			if x.Destructive {
				c.destructive++
			}
			if x.Manual {
				c.manual++
			}
			if x.Blocked != "" {
				c.blocked++
			}
		}
	}
	s.expanded = map[int]bool{}
	s.ous = make([]int, len(p.OUs))
	split := make([][]string, len(p.OUs))
	for i := range s.ous {
		s.ous[i] = i
		split[i] = strings.Split(p.OUs[i].Path, "/")
	}
	// Tree order: compare paths segment by segment so every OU follows its parent.
	sort.SliceStable(s.ous, func(a, b int) bool {
		x, y := split[s.ous[a]], split[s.ous[b]]
		for i := 0; i < len(x) && i < len(y); i++ {
			if x[i] != y[i] {
				return x[i] < y[i]
			}
		}
		return len(x) < len(y)
	})
	s.ouList.setLen(len(s.ous))
	// Accounts: what needs attention first (blocked, excluded), then by how, then by ID.
	rank := map[string]int{"blocked": 0, "left-out": 1, "excluded": 2, "enroll": 3, "ou-registration": 4, "already-enrolled": 5, "management": 6}
	s.accts = make([]int, len(p.AccountList))
	for i := range s.accts {
		s.accts[i] = i
	}
	sort.SliceStable(s.accts, func(a, b int) bool {
		x, y := p.AccountList[s.accts[a]], p.AccountList[s.accts[b]]
		if rx, ry := rank[x.How], rank[y.How]; rx != ry {
			return rx < ry
		}
		return x.ID < y.ID
	})
	s.acctList.setLen(len(s.accts))
	s.rebuild()
	s.layout()
}

func (s *planScreen) rebuild() {
	s.rows = s.rows[:0]
	if s.plan == nil {
		return
	}
	for i, ph := range s.plan.Phases {
		s.rows = append(s.rows, planRow{i, -1})
		if s.expanded[i] {
			for j := range ph.Steps {
				s.rows = append(s.rows, planRow{i, j})
			}
		}
	}
	s.list.setLen(len(s.rows))
}

func (s *planScreen) SetSize(w, h int) {
	s.w, s.h = w, h
	s.page.setSize(w, h)
	s.rehearsal.setSize(w, h)
	s.layout()
}

// layout gives the lists the lines the header (the counts, wrapped), the phase summary (as many
// lines as the longest one needs, so that the list does not jump as the cursor moves) and the
// status line leave.
func (s *planScreen) layout() {
	s.top, s.bottom = 2, 1 // title line, tabs; status line
	if s.plan != nil {
		s.top = lineCount(s.headerText()) + 1
		for _, ph := range s.plan.Phases {
			s.bottom = max(s.bottom, lineCount(wrap(ph.Summary, s.w))+1)
		}
	}
	status := lineCount(s.statusText(""))
	s.list.setHeight(max(s.h-s.top-max(s.bottom, status), 1))
	s.ouList.setHeight(max(s.h-s.top-status, 1))
	s.acctList.setHeight(max(s.h-s.top-status, 1))
}

func lineCount(s string) int { return strings.Count(strings.TrimRight(s, "\n"), "\n") + 1 }

func (s *planScreen) Capturing() bool { return false }

func (s *planScreen) Help() []key.Binding {
	k := s.c.Keys
	if s.rehearsal.open {
		return s.rehearsal.help()
	}
	if s.page.open {
		if s.step != nil && len(s.step.CLI) > 0 {
			return pageKeys(k, &s.page, "back to plan", k.Copy)
		}
		return pageKeys(k, &s.page, "back to plan")
	}
	return []key.Binding{k.Up, k.Down, key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open/toggle")),
		k.Tab, k.ExpandAll, k.Export, k.Rehearse, k.Apply,
		key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "finish")),
		key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "decisions")),
		k.Expand, k.Collapse, k.PageUp, k.PageDown}
}

func (s *planScreen) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case plannedMsg:
		if msg.Err != nil {
			s.loading, s.err = false, msg.Err
			return nil
		}
		s.SetPlan(&msg.Plan.View)
	case exportedMsg:
		s.exporting = false
		s.exported, s.exportErr = msg.Paths, msg.Err
		s.layout()
	case rehearsalProgressMsg, rehearsalResultMsg, rehearsalTickMsg:
		cmd := s.rehearsal.update(msg)
		s.layout()
		return cmd
	case tea.KeyPressMsg:
		if s.rehearsal.open {
			return s.rehearsal.update(msg)
		}
		s.rehearsal.note = "" // said once: the status line shows the keys again
		return s.key(msg)
	}
	return nil
}

func (s *planScreen) key(msg tea.KeyPressMsg) tea.Cmd {
	k := s.c.Keys
	if s.page.open {
		switch {
		case key.Matches(msg, k.Back):
			s.page.close()
			s.step = nil
			return nil
		case key.Matches(msg, k.Copy) && s.step != nil && len(s.step.CLI) > 0:
			s.page.setNote(fmt.Sprintf("✔ %s sent to the clipboard (OSC 52); a terminal that does not allow it ignores it: e writes every command to the runbook",
				plural(len(s.step.CLI), "command", "commands")))
			return tea.SetClipboard(strings.Join(s.step.CLI, "\n") + "\n")
		}
		return s.page.update(msg)
	}
	switch msg.String() {
	case "esc":
		return send(backMsg{})
	case "q":
		return send(continueMsg{})
	}
	if s.plan == nil {
		return nil
	}
	if key.Matches(msg, k.Tab) {
		s.tab = (s.tab + 1) % len(planTabs)
		return nil
	}
	if key.Matches(msg, k.Apply) {
		return send(applyMsg{})
	}
	if key.Matches(msg, k.Rehearse) {
		return send(rehearseMsg{})
	}
	if s.tab > 0 {
		switch {
		case s.tab == 1 && s.ouList.handleNav(k, msg), s.tab == 2 && s.acctList.handleNav(k, msg):
		case key.Matches(msg, k.Export):
			return s.export()
		case key.Matches(msg, k.Enter) && s.tab == 1 && len(s.ous) > 0:
			s.openOU(s.plan.OUs[s.ous[s.ouList.cursor]])
		case key.Matches(msg, k.Enter) && s.tab == 2 && len(s.accts) > 0:
			s.openAccount(s.plan.AccountList[s.accts[s.acctList.cursor]])
		}
		return nil
	}
	if s.list.handleNav(k, msg) {
		return nil
	}
	cur := planRow{-1, -1}
	if len(s.rows) > 0 {
		cur = s.rows[s.list.cursor]
	}
	switch {
	case key.Matches(msg, k.Export):
		return s.export()
	case key.Matches(msg, k.ExpandAll):
		all := true
		for i := range s.plan.Phases {
			all = all && s.expanded[i]
		}
		for i := range s.plan.Phases {
			s.expanded[i] = !all
		}
		s.rebuild()
		s.cursorTo(cur.phase, -1)
	case key.Matches(msg, k.Expand):
		if cur.phase >= 0 && !s.expanded[cur.phase] {
			s.expanded[cur.phase] = true
			s.rebuild()
		}
	case key.Matches(msg, k.Collapse):
		if cur.phase >= 0 {
			s.expanded[cur.phase] = false
			s.rebuild()
			s.cursorTo(cur.phase, -1)
		}
	case key.Matches(msg, k.Enter):
		switch {
		case cur.phase < 0:
		case cur.step < 0:
			s.expanded[cur.phase] = !s.expanded[cur.phase]
			s.rebuild()
		default:
			s.openStep(s.plan.Phases[cur.phase].Steps[cur.step])
		}
	}
	return nil
}

func (s *planScreen) cursorTo(phase, step int) {
	for i, r := range s.rows {
		if r.phase == phase && r.step == step {
			s.list.to(i)
			return
		}
	}
}

func (s *planScreen) export() tea.Cmd {
	if s.exporting {
		return nil
	}
	s.exporting, s.exportErr = true, nil
	return send(exportMsg{})
}

func (s *planScreen) View() string {
	st := s.c.Styles
	switch {
	case s.loading:
		return st.Header.Render("Plan") + "\n\nRe-running the pre-checks with your decisions and building the plan…"
	case s.err != nil:
		return st.Header.Render("Plan") + "\n\n" + st.Error.Render(wrap("✖ could not build the plan: "+s.err.Error(), s.w))
	case s.plan == nil:
		return ""
	}
	if s.rehearsal.open {
		return s.rehearsal.view()
	}
	if s.page.open {
		return s.page.view(st)
	}
	p := s.plan
	var b strings.Builder
	b.WriteString(s.headerText())
	for i, t := range planTabs {
		if i == s.tab {
			b.WriteString(st.TabActive.Render(t))
		} else {
			b.WriteString(st.Tab.Render(t))
		}
	}
	b.WriteString(st.Muted.Render("  (tab)") + "\n")
	var info string
	switch s.tab {
	case 0:
		from, to := s.list.window()
		for i := from; i < to; i++ {
			b.WriteString(s.phaseRow(s.rows[i], i == s.list.cursor) + "\n")
		}
		if s.exportErr == nil && len(s.exported) == 0 && !s.exporting && len(s.rows) > 0 {
			if r := s.rows[s.list.cursor]; r.step < 0 && p.Phases[r.phase].Summary != "" {
				b.WriteString(st.Muted.Render(wrap(p.Phases[r.phase].Summary, s.w)) + "\n")
			}
		}
		info = s.list.scrollInfo()
	case 1:
		from, to := s.ouList.window()
		for i := from; i < to; i++ {
			b.WriteString(s.ouRow(p.OUs[s.ous[i]], i == s.ouList.cursor) + "\n")
		}
		if len(s.ous) == 0 {
			b.WriteString(st.Muted.Render("  no OUs to register") + "\n")
		}
		info = s.ouList.scrollInfo()
	default:
		from, to := s.acctList.window()
		for i := from; i < to; i++ {
			b.WriteString(s.accountRow(p.AccountList[s.accts[i]], i == s.acctList.cursor) + "\n")
		}
		if len(s.accts) == 0 {
			b.WriteString(st.Muted.Render("  no accounts") + "\n")
		}
		info = s.acctList.scrollInfo()
	}
	b.WriteString(s.statusText(info))
	return b.String()
}

// headerText is the plan's title line and its account counts, wrapped (every count is shown).
func (s *planScreen) headerText() string {
	st := s.c.Styles
	p := s.plan
	title := fmt.Sprintf("%s · %s · %s · estimate %s", plural(len(p.Phases), "phase", "phases"), plural(s.nsteps, "step", "steps"),
		plural(len(p.OUs), "OU", "OUs"), Duration(p.Total))
	head := st.Header.Render("Plan for "+p.Organization) + " " + title
	if ansi.StringWidth(head) > s.w {
		head = st.Header.Render("Plan for "+p.Organization) + "\n" + title
	}
	return head + "\n" + st.Muted.Render(joinWrap(accountsLine(p.Accounts), " · ", s.w)) + "\n"
}

// statusText is the last line of the lists: export progress or result (wrapped: the paths are
// needed whole), else the keys that finish the screen and where the list is scrolled.
func (s *planScreen) statusText(info string) string {
	st := s.c.Styles
	switch {
	case s.exporting:
		return "writing the runbook…"
	case s.exportErr != nil:
		return st.Error.Render(wrap("✖ export failed: "+s.exportErr.Error(), s.w))
	case len(s.exported) > 0:
		return st.OK.Render(wrap("✔ runbook written: "+strings.Join(s.exported, ", "), s.w))
	case s.rehearsal.note != "":
		return st.Muted.Render(truncate(s.rehearsal.note, s.w))
	}
	keys := "enter opens · e exports the runbook · r rehearses · a applies · q finishes"
	if ansi.StringWidth(keys+"   "+info) > s.w {
		keys = strings.TrimPrefix(keys, "enter opens · ") // the scroll position stays in view
	}
	return st.Muted.Render(strings.TrimSpace(keys + "   " + info))
}

// howLabels say what the plan does with an account, by its disposition.
var howLabels = map[string]string{"ou-registration": "through OU registration", "enroll": "enrolled one by one",
	"already-enrolled": "already enrolled", "management": "management", "excluded": "excluded", "left-out": "left out", "blocked": "blocked"}

// accountPlans say on an account's page what the plan does with it.
var accountPlans = map[string]string{
	"ou-registration":  "enrolls it when it registers its OU",
	"enroll":           "enrolls it on its own (its OU is not registered as a whole)",
	"already-enrolled": "nothing: Control Tower already governs it",
	"management":       "nothing: Control Tower runs in the management account",
	"excluded":         "leaves it out of the migration",
	"left-out":         "runs without it: Control Tower cannot govern it where it is",
	"blocked":          "cannot enroll it until what is below is resolved",
}

// accountsLine counts the accounts by what the plan does with them: "Accounts: 5 …", "1 …".
func accountsLine(m map[string]int) []string {
	if len(m) == 0 {
		return nil
	}
	order := []string{"ou-registration", "enroll", "already-enrolled", "management", "excluded", "left-out", "blocked"}
	var parts []string
	seen := map[string]bool{}
	for _, k := range order {
		if m[k] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", m[k], howLabels[k]))
		}
		seen[k] = true
	}
	var rest []string
	for k := range m {
		if !seen[k] && m[k] > 0 {
			rest = append(rest, fmt.Sprintf("%d %s", m[k], k))
		}
	}
	sort.Strings(rest)
	parts = append(parts, rest...)
	if len(parts) > 0 {
		parts[0] = "Accounts: " + parts[0]
	}
	return parts
}

func (s *planScreen) phaseRow(r planRow, selected bool) string {
	st := s.c.Styles
	ph := s.plan.Phases[r.phase]
	if r.step < 0 {
		arrow := "[+]"
		if s.expanded[r.phase] {
			arrow = "[-]"
		}
		c := s.counts[r.phase]
		extra := ""
		if c.destructive > 0 {
			extra += fmt.Sprintf(" · %d destructive", c.destructive)
		}
		if c.manual > 0 {
			extra += fmt.Sprintf(" · %d manual", c.manual)
		}
		if c.blocked > 0 {
			extra += fmt.Sprintf(" · %d BLOCKED", c.blocked)
		}
		// The counts are what the row is for: the name gives way first.
		tail := fmt.Sprintf(" — %s · ~%s%s", plural(len(ph.Steps), "step", "steps"), Duration(ph.Estimate), extra)
		return rowTail(st, fmt.Sprintf("%s %d %s", arrow, ph.Number, ph.Name), tail, lipgloss.Style{}, selected, s.w)
	}
	x := ph.Steps[r.step]
	var tags []string
	if x.Blocked != "" {
		tags = append(tags, "BLOCKED")
	}
	if x.Destructive {
		tags = append(tags, "destructive")
	}
	if x.Manual {
		tags = append(tags, "manual")
	}
	tag, style := "", lipgloss.Style{}
	if len(tags) > 0 {
		tag = " [" + strings.Join(tags, ", ") + "]"
	}
	if x.Blocked != "" {
		style = st.Blocker
	}
	// The tags stay whole; a long title is cut (enter shows it whole).
	return rowTail(st, "    "+x.Title, tag, style, selected, s.w)
}

var planTabs = []string{"Phases", "OU registration order", "Accounts"}

func (s *planScreen) accountRow(a AccountView, selected bool) string {
	st := s.c.Styles
	how := strings.ToUpper(a.How)
	detail := a.Reason
	if detail == "" && a.By != "" {
		detail = "by " + a.By
	}
	text := fmt.Sprintf("%-12s %-20s %-16s %s", a.ID, truncate(a.Name, 20), how, detail)
	if !selected && a.How == "blocked" {
		text = fmt.Sprintf("%-12s %-20s %s %s", a.ID, truncate(a.Name, 20), st.Blocker.Render(fmt.Sprintf("%-16s", how)), detail)
	}
	return row(st, text, selected, s.w)
}

func (s *planScreen) ouRow(o OUView, selected bool) string {
	st := s.c.Styles
	name := o.Path
	if i := strings.LastIndex(o.Path, "/"); i >= 0 {
		name = o.Path[i+1:]
	}
	indent := strings.Repeat("  ", max(o.Depth-1, 0))
	order := "  –"
	if o.Order > 0 {
		order = fmt.Sprintf("%3d", o.Order)
	}
	text := fmt.Sprintf("%s  %s%s (%s)", order, indent, name, plural(o.Accounts, "account", "accounts"))
	if o.Skipped || o.Order == 0 {
		if selected {
			text += " — skipped: " + ouReason(o)
		} else {
			text += st.Warn.Render(" — skipped: " + ouReason(o))
		}
	}
	return row(st, text, selected, s.w)
}

func ouReason(o OUView) string {
	if o.Reason == "" {
		return "not registered"
	}
	return o.Reason
}

// field writes a labelled section of a detail page; the value is wrapped to width (commands in it
// laid out as commands).
func field(b *strings.Builder, st *Styles, width int, label, value string) {
	if value != "" {
		b.WriteString(st.Header.Render(label) + "\n" + wrap(value, width) + "\n\n")
	}
}

// pageTitle is a detail page's header: what the page is about, then its name, wrapped.
func pageTitle(st *Styles, what, name string, width int) string {
	return st.Header.Render(wrapIndent(what+" "+name, width, "  "))
}

func (s *planScreen) openStep(x StepView) {
	s.step = &x
	st := s.c.Styles
	s.page.show(func(w int) string { return pageTitle(st, "Step", x.Title, w) }, func(w int) string { return s.stepText(x, w) })
}

func (s *planScreen) openOU(o OUView) {
	s.step = nil
	st := s.c.Styles
	s.page.show(func(w int) string { return pageTitle(st, "OU", o.Path, w) }, func(w int) string {
		var b strings.Builder
		field(&b, st, w, "OU ID", o.OUID)
		field(&b, st, w, "Accounts directly in it", itoa(o.Accounts))
		if o.Order > 0 && !o.Skipped {
			field(&b, st, w, "Registration", fmt.Sprintf("number %d in the registration order (every OU after its parent)", o.Order))
		} else {
			field(&b, st, w, "Not registered by the plan", ouReason(o))
		}
		return b.String()
	})
}

func (s *planScreen) openAccount(a AccountView) {
	s.step = nil
	st := s.c.Styles
	s.page.show(func(w int) string { return pageTitle(st, "Account", a.ID+" "+a.Name, w) }, func(w int) string {
		var b strings.Builder
		how := accountPlans[a.How]
		if how == "" {
			how = a.How
		}
		field(&b, st, w, "What the plan does", how)
		field(&b, st, w, "Why", a.Reason)
		if a.By != "" {
			by := a.By
			if t := s.steps[a.By]; t != "" {
				by += " — " + t
			}
			field(&b, st, w, "The step that covers it", by)
		}
		return b.String()
	})
}

func (s *planScreen) stepText(x StepView, w int) string {
	st := s.c.Styles
	var b strings.Builder
	if x.Blocked != "" {
		b.WriteString(st.BlockerBanner.Render("BLOCKED") + " " + wrapIndent(x.Blocked, w-10, "          ") + "\n\n")
	}
	field(&b, st, w, "ID", x.ID)
	kind := x.Kind
	if x.Destructive {
		kind += " · destructive (needs confirmation; exported first)"
	}
	if x.Manual {
		kind += " · manual (you do it; lz2ct verifies)"
	}
	field(&b, st, w, "Kind", kind)
	field(&b, st, w, "Target", x.Target)
	field(&b, st, w, "Why", x.Why)
	field(&b, st, w, "Guard (checked before it runs)", x.Guard)
	if len(x.CLI) > 0 {
		b.WriteString(st.Header.Render("AWS CLI equivalent") + st.Muted.Render(" (c copies)") + "\n")
		for _, c := range x.CLI {
			b.WriteString(strings.Join(commandLines(c, "  ", w), "\n") + "\n")
		}
		b.WriteString("\n")
	}
	field(&b, st, w, "Expected result", x.Expected)
	field(&b, st, w, "Rollback", x.Rollback)
	if len(x.DependsOn) > 0 {
		field(&b, st, w, "Depends on", strings.Join(x.DependsOn, ", "))
	}
	return b.String()
}

// Duration renders an estimate the way people plan: "45m", "3h20m", "2d 4h".
func Duration(d time.Duration) string {
	if d <= 0 {
		return "—"
	}
	d = d.Round(time.Minute) // 3h59m40s is "4h", not "3h60m"
	switch {
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 24*time.Hour:
		h := int(d.Hours())
		m := int((d - time.Duration(h)*time.Hour).Minutes())
		if m == 0 {
			return fmt.Sprintf("%dh", h)
		}
		return fmt.Sprintf("%dh%02dm", h, m)
	}
	days := int(d.Hours()) / 24
	h := int(d.Hours()) % 24
	return fmt.Sprintf("%dd %dh", days, h)
}
