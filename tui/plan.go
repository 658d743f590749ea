package tui

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
)

// planScreen reviews the plan: the phases as a collapsible tree with counts and the estimate, the
// OU registration order as the OU tree, and any step's detail (guard, AWS CLI). Runbooks are
// exported from here.
type planScreen struct {
	c    *Common
	w, h int

	loading bool
	err     error
	plan    *PlanView
	steps   int
	counts  []phaseCounts // per phase, counted once (phase rows are drawn every frame)

	tab      int // 0 phases, 1 OU order
	expanded map[int]bool
	rows     []planRow
	list     scroller
	ous      []int // OU indexes in tree order
	ouList   scroller
	accts    []int // account indexes, blocked and excluded first
	acctList scroller

	detail   *StepView
	viewport viewport.Model

	exporting bool
	exported  []string
	exportErr error
}

// phaseCounts are a phase's destructive, manual and blocked steps.
type phaseCounts struct{ destructive, manual, blocked int }

// planRow is a phase header (step < 0) or one of its steps.
type planRow struct{ phase, step int }

func newPlanScreen(c *Common) *planScreen {
	return &planScreen{c: c, expanded: map[int]bool{}, viewport: viewport.New()}
}

// Init shows the screen as "building" until a plannedMsg arrives.
func (s *planScreen) Init() tea.Cmd {
	s.loading, s.err, s.plan, s.detail = true, nil, nil, nil
	s.exported, s.exportErr = nil, nil
	return nil
}

// SetPlan shows a built plan (tests and benchmarks use it directly).
func (s *planScreen) SetPlan(p *PlanView) {
	s.loading, s.plan = false, p
	s.steps = 0
	s.counts = make([]phaseCounts, len(p.Phases))
	for i, ph := range p.Phases {
		s.steps += len(ph.Steps)
		c := &s.counts[i]
		for _, x := range ph.Steps {
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
	s.list.setHeight(max(h-6, 1)) // header, accounts, tabs, phase summary, status
	s.ouList.setHeight(max(h-5, 1))
	s.acctList.setHeight(max(h-5, 1))
	s.viewport.SetWidth(w)
	s.viewport.SetHeight(max(h-3, 1)) // title, blank, "more below"
	if s.detail != nil {
		s.viewport.SetContent(s.detailText(*s.detail))
	}
}

func (s *planScreen) Capturing() bool { return false }

func (s *planScreen) Help() []key.Binding {
	k := s.c.Keys
	if s.detail != nil {
		return []key.Binding{k.Up, k.Down, key.NewBinding(key.WithKeys("esc", "q"), key.WithHelp("q/esc", "back to plan"))}
	}
	return []key.Binding{k.Up, k.Down, key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open/toggle")),
		k.Tab, k.ExpandAll, k.Export,
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
	case tea.KeyPressMsg:
		return s.key(msg)
	}
	return nil
}

func (s *planScreen) key(msg tea.KeyPressMsg) tea.Cmd {
	k := s.c.Keys
	if s.detail != nil {
		if key.Matches(msg, k.Back) {
			s.detail = nil
			return nil
		}
		var cmd tea.Cmd
		s.viewport, cmd = s.viewport.Update(msg)
		return cmd
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
	if s.tab > 0 {
		if s.tab == 1 {
			s.ouList.handleNav(k, msg)
		} else {
			s.acctList.handleNav(k, msg)
		}
		if key.Matches(msg, k.Export) {
			return s.export()
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
			st := s.plan.Phases[cur.phase].Steps[cur.step]
			s.detail = &st
			s.viewport.SetContent(s.detailText(st))
			s.viewport.GotoTop()
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
	if s.detail != nil {
		return st.Header.Render(truncate("Step "+s.detail.ID, s.w)) + "\n\n" + scrolled(st, s.viewport)
	}
	p := s.plan
	var b strings.Builder
	b.WriteString(truncate(fmt.Sprintf("%s %s · %s · %s · estimate %s", st.Header.Render("Plan for "+p.Organization),
		plural(len(p.Phases), "phase", "phases"), plural(s.steps, "step", "steps"), plural(len(p.OUs), "OU", "OUs"), Duration(p.Total)), s.w) + "\n")
	b.WriteString(truncate(st.Muted.Render(accountsLine(p.Accounts)), s.w) + "\n")
	for i, t := range planTabs {
		if i == s.tab {
			b.WriteString(st.TabActive.Render(t))
		} else {
			b.WriteString(st.Tab.Render(t))
		}
	}
	b.WriteString(st.Muted.Render("  (tab)") + "\n")
	if s.tab == 0 {
		from, to := s.list.window()
		for i := from; i < to; i++ {
			b.WriteString(s.phaseRow(s.rows[i], i == s.list.cursor) + "\n")
		}
		if s.exportErr == nil && len(s.exported) == 0 && !s.exporting && len(s.rows) > 0 {
			if r := s.rows[s.list.cursor]; r.step < 0 && p.Phases[r.phase].Summary != "" {
				b.WriteString(st.Muted.Render(truncate(p.Phases[r.phase].Summary, s.w)) + "\n")
			}
		}
		b.WriteString(s.statusLine(s.list.scrollInfo()))
	} else if s.tab == 1 {
		from, to := s.ouList.window()
		for i := from; i < to; i++ {
			b.WriteString(s.ouRow(p.OUs[s.ous[i]], i == s.ouList.cursor) + "\n")
		}
		if len(s.ous) == 0 {
			b.WriteString(st.Muted.Render("  no OUs to register") + "\n")
		}
		b.WriteString(s.statusLine(s.ouList.scrollInfo()))
	} else {
		from, to := s.acctList.window()
		for i := from; i < to; i++ {
			b.WriteString(s.accountRow(p.AccountList[s.accts[i]], i == s.acctList.cursor) + "\n")
		}
		if len(s.accts) == 0 {
			b.WriteString(st.Muted.Render("  no accounts") + "\n")
		}
		b.WriteString(s.statusLine(s.acctList.scrollInfo()))
	}
	return b.String()
}

func (s *planScreen) statusLine(info string) string {
	st := s.c.Styles
	switch {
	case s.exporting:
		return "writing the runbook…"
	case s.exportErr != nil:
		return st.Error.Render(truncate("✖ export failed: "+s.exportErr.Error(), s.w))
	case len(s.exported) > 0:
		return st.OK.Render(truncate("✔ runbook written: "+strings.Join(s.exported, ", "), s.w))
	}
	return st.Muted.Render(strings.TrimSpace("e exports the runbook (Markdown + HTML) · q finishes   " + info))
}

func accountsLine(m map[string]int) string {
	if len(m) == 0 {
		return ""
	}
	order := []string{"ou-registration", "enroll", "already-enrolled", "management", "excluded", "left-out", "blocked"}
	label := map[string]string{"ou-registration": "through OU registration", "enroll": "enrolled one by one",
		"already-enrolled": "already enrolled", "management": "management", "excluded": "excluded", "left-out": "left out", "blocked": "blocked"}
	var parts []string
	seen := map[string]bool{}
	for _, k := range order {
		if m[k] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", m[k], label[k]))
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
	return "Accounts: " + strings.Join(append(parts, rest...), " · ")
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
		text := fmt.Sprintf("%s %d %s — %s · ~%s%s", arrow, ph.Number, ph.Name, plural(len(ph.Steps), "step", "steps"), Duration(ph.Estimate), extra)
		return row(st, text, selected, s.w)
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
	tag := ""
	if len(tags) > 0 {
		tag = " [" + strings.Join(tags, ", ") + "]"
	}
	text := "    " + x.Title + tag
	if !selected && x.Blocked != "" {
		text = "    " + x.Title + st.Blocker.Render(tag)
	}
	return row(st, text, selected, s.w)
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
		reason := o.Reason
		if reason == "" {
			reason = "not registered"
		}
		if selected {
			text += " — skipped: " + reason
		} else {
			text += st.Warn.Render(" — skipped: " + reason)
		}
	}
	return row(st, text, selected, s.w)
}

func (s *planScreen) detailText(x StepView) string {
	st := s.c.Styles
	var b strings.Builder
	field := func(label, value string) {
		if value != "" {
			b.WriteString(st.Header.Render(label) + "\n" + wrap(value, s.w) + "\n\n")
		}
	}
	if x.Blocked != "" {
		b.WriteString(st.BlockerBanner.Render("BLOCKED") + " " + wrap(x.Blocked, s.w-10) + "\n\n")
	}
	field("Title", x.Title)
	kind := x.Kind
	if x.Destructive {
		kind += " · destructive (needs confirmation; exported first)"
	}
	if x.Manual {
		kind += " · manual (you do it; lz2ct verifies)"
	}
	field("Kind", kind)
	field("Target", x.Target)
	field("Why", x.Why)
	field("Guard (checked before it runs)", x.Guard)
	if len(x.CLI) > 0 {
		b.WriteString(st.Header.Render("AWS CLI equivalent") + "\n")
		for _, c := range x.CLI {
			b.WriteString(wrap("  "+c, s.w) + "\n")
		}
		b.WriteString("\n")
	}
	field("Expected result", x.Expected)
	field("Rollback", x.Rollback)
	if len(x.DependsOn) > 0 {
		field("Depends on", strings.Join(x.DependsOn, ", "))
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
