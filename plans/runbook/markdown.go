package runbook

import (
	"bufio"
	"fmt"
	"github.com/lz2ct/lz2ct/words"
	"io"
	"strconv"
	"strings"
)

// writeMarkdown renders the document as GitHub-flavoured Markdown (tables, fenced code).
func writeMarkdown(w io.Writer, d *document) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	m := &mdWriter{w: bw}
	m.doc(d)
	if m.err != nil {
		return m.err
	}
	return bw.Flush()
}

type mdWriter struct {
	w   *bufio.Writer
	err error
}

func (m *mdWriter) p(parts ...string) {
	if m.err != nil {
		return
	}
	for _, s := range parts {
		if _, err := m.w.WriteString(s); err != nil {
			m.err = err
			return
		}
	}
}

func (m *mdWriter) ln(parts ...string) { m.p(parts...); m.p("\n") }

func (m *mdWriter) doc(d *document) {
	m.ln("# ", mdText(d.Title))
	m.ln()
	m.ln("| | |")
	m.ln("|---|---|")
	m.row("Organization", mdCode(d.Organization))
	if d.Management != "" {
		m.row("Management account", mdCode(d.Management))
	}
	m.row("Plan", planLine(d, mdCode))
	m.row("Prepared by", mdCell(orBlank(d.Operator)))
	m.row("Prepared at", mdCell(stamp(d.Generated)))
	if d.Run != nil {
		m.row("Run status", mdCell(d.Run.Counts.String()+" (state folder "+d.Run.Dir+")"))
	}
	m.ln()
	m.ln("This runbook is the migration plan as a document: every step in order, the exact AWS CLI ",
		"command that does it by hand, the guard to check before it and what to expect. Tick each box ",
		"as you go and sign each phase off. Step IDs are the ones `lz2ct apply` records in its journal.")
	m.ln()

	m.ln("## Settings")
	m.ln()
	m.kvTable(d.Settings)
	m.ln("## Totals")
	m.ln()
	m.kvTable(d.Totals)
	m.ln("## Estimate")
	m.ln()
	m.ln("| Phase | Lower – upper bound |")
	m.ln("|---|---|")
	for _, r := range d.Estimate.Rows {
		m.ln("| ", mdCell(r.Key), " | ", mdCell(r.Value), " |")
	}
	m.ln("| **Total** | **", mdCell(d.Estimate.Total), "** |")
	m.ln()
	if d.Estimate.ControlTower != "" {
		m.ln("Control Tower's own time (landing zone, registrations, one-by-one enrollments): ", mdText(d.Estimate.ControlTower), ".")
		m.ln()
	}
	if d.Estimate.Dominant != "" {
		m.ln("The assumption that dominates: ", mdText(d.Estimate.Dominant), ".")
		m.ln()
	}
	m.estimateDetails(&d.Estimate)
	if len(d.Estimate.Assumptions) > 0 {
		m.ln("Assumptions:")
		m.ln()
		for _, a := range d.Estimate.Assumptions {
			m.ln("- ", mdText(a))
		}
		m.ln()
	}
	m.ln("## Contents")
	m.ln()
	m.ln("The steps follow in the order a run takes them: phases 0 and 1, then phases 2–4 wave by wave, then phases 5 and 6. Per phase:")
	m.ln()
	m.ln("| Phase | Steps | Where | Estimate |")
	m.ln("|---|---|---|---|")
	for _, ph := range d.Phases {
		steps := strconv.Itoa(ph.Steps)
		if ph.Counts != nil {
			steps += " (" + ph.Counts.String() + ")"
		}
		m.ln("| ", strconv.Itoa(ph.Number), ". ", mdCell(ph.Name), " | ", mdCell(steps), " | ", mdCell(ph.Where), " | ", mdCell(ph.Estimate), " |")
	}
	m.ln()
	if len(d.Manual) > 0 {
		m.ln("Steps done by hand (the run waits for `lz2ct confirm`):")
		m.ln()
		m.ln("| Step | ID | What | Phase |")
		m.ln("|---|---|---|---|")
		for _, s := range d.Manual {
			m.ln("| ", s.Num, " | ", mdCode(s.ID), " | ", mdCell(s.Title), " | ", mdCell(s.Note), " |")
		}
		m.ln()
	}
	if len(d.Kept) > 0 {
		m.ln("What the migration keeps on purpose: ", words.Count(len(d.Kept), "ALZ artefact"), ", each with its reason (Appendix C).")
		m.ln()
	}
	if d.Run != nil {
		m.run(d.Run)
	}
	m.findings(d.Findings)
	for i := range d.Sections {
		sec := &d.Sections[i]
		if sec.Wave && d.Waves != nil && (i == 0 || !d.Sections[i-1].Wave) {
			m.waves(d.Waves)
		}
		m.section(sec)
	}
	m.appendices(d)
}

func (m *mdWriter) row(k, v string) { m.ln("| ", mdCell(k), " | ", v, " |") }

func (m *mdWriter) kvTable(rows []kv) {
	m.ln("| | |")
	m.ln("|---|---|")
	for _, r := range rows {
		m.row(r.Key, mdCell(r.Value))
	}
	m.ln()
}

func (m *mdWriter) run(r *runView) {
	m.ln("## Where the run stands")
	m.ln()
	m.ln("State folder ", mdCode(r.Dir), ": ", strconv.Itoa(r.Events), " journal events, the last at ", mdText(orBlank(r.Last)), ". ",
		"Steps: ", r.Counts.String(), ".")
	m.ln()
	if r.TornTail {
		m.ln("> The journal's last line was cut short (the run stopped mid-write); it was ignored. ",
			"The next `lz2ct apply` repairs it.")
		m.ln()
	}
	if len(r.Failures) > 0 {
		m.ln("**Failed steps:**")
		m.ln()
		for _, f := range r.Failures {
			m.ln("- ", f.Num, " ", mdCode(f.ID), " — ", mdText(f.Title), ": ", mdText(f.Note))
		}
		m.ln()
	}
	if len(r.Running) > 0 {
		m.ln("**Running steps:**")
		m.ln()
		for _, f := range r.Running {
			m.ln("- ", f.Num, " ", mdCode(f.ID), " — ", mdText(f.Title), " (", mdText(f.Note), ")")
		}
		m.ln()
	}
	if len(r.Unplanned) > 0 {
		m.ln("> The journal has events for ", words.Count(len(r.Unplanned), "step"), " this plan does not have (",
			mdText(strings.Join(limit(r.Unplanned, 10), ", ")), "): was the run started from another plan?")
		m.ln()
	}
}

func (m *mdWriter) findings(f findingsView) {
	m.ln("## Pre-check results")
	m.ln()
	m.ln(words.Count(f.Blockers, "blocker"), ", ", words.Count(f.Warnings, "warning"), ", ", strconv.Itoa(f.Infos), " for information.",
		" Blockers the plan fixes by itself are marked *fixed by plan*; the others stop the phase they are listed under.")
	m.ln()
	if len(f.Rows) == 0 {
		m.ln("No findings.")
		m.ln()
		return
	}
	m.ln("| Severity | Check | Finding | Phase |")
	m.ln("|---|---|---|---|")
	for _, r := range f.Rows {
		sev := r.Severity
		if r.FixedByPlan {
			sev += " (fixed by plan)"
		}
		m.ln("| ", mdCell(sev), " | ", mdCode(r.Check), " | ", mdCell(r.Title), " | ", mdCell(r.Phase), " |")
	}
	m.ln()
	for _, r := range f.Rows {
		m.ln("#### ", mdText(strings.ToUpper(r.Severity)), ": ", mdText(r.Title))
		m.ln()
		line := mdCode(r.Check) + ", phase " + mdText(r.Phase)
		if r.FixedByPlan {
			line += ", fixed by plan"
		}
		m.ln(line)
		m.ln()
		for _, e := range r.Evidence {
			m.ln("- ", mdText(e))
		}
		if len(r.Evidence) > 0 {
			m.ln()
		}
		m.field("About", mdText(r.Subjects))
		m.field("Remedy", mdText(r.Remediation))
		m.field("Source", mdLink(r.Source))
	}
}

func (m *mdWriter) blockers(bs []findingRow, what string) {
	if len(bs) == 0 {
		return
	}
	m.ln("> **Blocked.** These pre-check findings stop ", what, " until they are fixed:")
	m.ln(">")
	for _, f := range bs {
		m.ln("> - ", mdCode(f.Check), " ", mdText(f.Title), " — ", mdText(f.Remediation))
	}
	m.ln()
}

func (m *mdWriter) waves(w *wavesView) {
	m.ln("## Phases 2–4: the waves")
	m.ln()
	m.ln(mdText(w.Summary))
	m.ln()
	m.ln("*", mdText(w.Meta), ".*")
	m.ln()
	m.blockers(w.Blockers, "these phases")
}

func (m *mdWriter) section(sec *sectionView) {
	if sec.Wave {
		m.ln("### ", mdText(sec.Heading))
	} else {
		m.ln("## ", mdText(sec.Heading))
	}
	m.ln()
	if sec.Summary != "" {
		m.ln(mdText(sec.Summary))
		m.ln()
	}
	if sec.Meta != "" {
		m.ln("*", mdText(sec.Meta), ".*")
		m.ln()
	}
	m.blockers(sec.Blockers, "this phase")
	for _, it := range sec.Items {
		switch {
		case it.Step != nil:
			m.step(it.Step)
		case it.Queue != nil:
			m.queue(it.Queue)
		default:
			m.group(it.Group)
		}
	}
	for _, e := range sec.Ends {
		m.ln("> **", mdText(e), "**")
		m.ln()
	}
	if sec.SignOff == "" {
		return
	}
	m.ln("**Sign-off, ", mdText(sec.SignOff), "**")
	m.ln()
	m.ln("| Role | Name | Signature | Date and time (UTC) |")
	m.ln("|---|---|---|---|")
	m.ln("| Performed by | | | |")
	m.ln("| Checked by | | | |")
	m.ln()
}

func mdBox(s statusView) string {
	switch s.Class() {
	case "done":
		return "☑"
	case "running":
		return "◐"
	case "failed":
		return "☒"
	}
	return "☐"
}

func flags(destructive, manual bool) string {
	var f []string
	if destructive {
		f = append(f, "**DESTRUCTIVE**")
	}
	if manual {
		f = append(f, "**MANUAL**")
	}
	if len(f) == 0 {
		return ""
	}
	return " " + strings.Join(f, " ")
}

func (m *mdWriter) step(s *stepView) {
	m.ln("#### ", mdBox(s.Status), " ", s.Num, " ", mdText(s.Title))
	m.ln()
	blocked := ""
	if s.Blocked != "" {
		blocked = " **BLOCKED**"
	}
	m.ln(mdCode(s.ID), phaseTag(s.Phase), flags(s.Destructive, s.Manual), blocked)
	m.ln()
	if s.Status.Known {
		m.ln("**Status:** ", mdText(s.Status.Text))
		if s.Status.Error != "" {
			m.ln("— ", mdCode(s.Status.Error))
		}
		m.ln()
	}
	if s.Blocked != "" {
		m.ln("> **Blocked:** ", mdText(s.Blocked))
		m.ln()
	}
	m.field("Why", mdText(s.Why))
	m.field("Target", mdText(s.Target))
	m.field("After", codeList(s.DependsOn))
	m.field("Guard", mdText(s.Guard))
	if len(s.Instructions) > 0 {
		m.ln("**To do:**")
		m.ln()
		for i, in := range s.Instructions {
			m.ln(strconv.Itoa(i+1), ". ", mdText(in))
		}
		m.ln()
	}
	m.field("Verified by", mdText(s.Verified))
	m.inputs(s.Inputs)
	m.commands(s.CLI, "")
	m.field("Expected", mdText(s.Expected))
	m.field("Rollback", mdText(s.Rollback))
}

func phaseTag(phase string) string {
	if phase == "" {
		return ""
	}
	return " (" + phase + ")"
}

// inputs lists the values the commands take from earlier steps' outputs.
func (m *mdWriter) inputs(in []string) {
	if len(in) == 0 {
		return
	}
	m.ln("**From earlier steps** (shell variables the commands read; set by those steps' commands):")
	m.ln()
	for _, l := range in {
		m.ln("- ", mdText(l))
	}
	m.ln()
}

func (m *mdWriter) field(name, val string) {
	if val == "" {
		return
	}
	m.ln("**", name, ":** ", val)
	m.ln()
}

func (m *mdWriter) commands(cli []string, intro string) {
	if len(cli) == 0 {
		return
	}
	if intro == "" {
		intro = "Commands:"
	}
	m.ln(intro)
	m.ln()
	body := strings.Join(cli, "\n")
	fence := codeFence(body)
	m.ln(fence, "sh")
	m.ln(body)
	m.ln(fence)
	m.ln()
}

func (m *mdWriter) group(g *groupView) {
	num := g.First + "–" + g.Last
	m.ln("#### ", num, " ", mdText(g.Title), " (", words.Count(len(g.Rows), "step"), ")")
	m.ln()
	per := "one row per " + g.Per + "; the table lists the steps in plan order."
	if g.Pivot != nil {
		per = "one row per account, a column per region: each cell is the step's number."
	}
	m.ln(mdCode(g.Kind), phaseTag(g.Phase), flags(g.Destructive, g.Manual), " — ", per)
	m.ln()
	m.groupHead(g)
	if g.Pivot != nil {
		m.pivot(g.Pivot)
		return
	}
	m.groupRows(g)
}

// groupHead prints what a group's rows share: why, guard, the commands with placeholders.
func (m *mdWriter) groupHead(g *groupView) {
	if g.Counts != nil {
		m.ln("**Status:** ", g.Counts.String())
		m.ln()
	}
	m.field("Why", mdText(g.Why))
	m.field("After", codeList(g.DependsOn))
	m.field("Guard", mdText(g.Guard))
	m.inputs(g.Inputs)
	intro := "Commands, for each row"
	if len(g.Placeholder) > 0 {
		ph := make([]string, len(g.Placeholder))
		for i, p := range g.Placeholder {
			ph[i] = mdCode(p)
		}
		intro += " with its " + strings.Join(ph, ", ")
	}
	m.commands(g.CLI, intro+":")
	m.field("Expected", mdText(g.Expected))
	m.field("Rollback", mdText(g.Rollback))
}

func (m *mdWriter) legend(notes []string) {
	if len(notes) == 0 {
		return
	}
	m.ln("Blocked, as the rows say:")
	m.ln()
	for i, n := range notes {
		m.ln("- **B", strconv.Itoa(i+1), "**: ", mdText(n))
	}
	m.ln()
}

func (m *mdWriter) groupRows(g *groupView) {
	m.legend(g.BlockedNotes)
	head := []string{"", "#", "Step ID"}
	if g.Cols.What {
		head = append(head, "Step")
	}
	if g.Cols.Account {
		head = append(head, "Account")
	}
	if g.Cols.Email {
		head = append(head, "E-mail")
	}
	if g.Cols.Region {
		head = append(head, "Region")
	}
	if g.Cols.OU {
		head = append(head, "OU")
	}
	if g.Cols.Resource {
		head = append(head, "Resource")
	}
	if g.Cols.After {
		head = append(head, "Also after")
	}
	if g.Cols.Blocked {
		head = append(head, "Blocked")
	}
	status := g.Counts != nil
	if status {
		head = append(head, "Status")
	}
	m.ln("| ", strings.Join(head, " | "), " |")
	m.ln(strings.Repeat("|---", len(head)), "|")
	for i := range g.Rows {
		r := &g.Rows[i]
		m.p("| ", mdBox(r.Status), " | ", r.Num, " | ", mdCode(r.ID))
		if g.Cols.What {
			m.p(" | ", mdCell(r.What))
		}
		if g.Cols.Account {
			a := r.Account
			if r.AccountName != "" {
				a += " " + r.AccountName
			}
			m.p(" | ", mdCell(a))
		}
		if g.Cols.Email {
			m.p(" | ", mdCell(r.Email))
		}
		if g.Cols.Region {
			m.p(" | ", mdCell(r.Region))
		}
		if g.Cols.OU {
			m.p(" | ", mdCell(r.OU))
		}
		if g.Cols.Resource {
			m.p(" | ", mdCell(r.Resource))
		}
		if g.Cols.After {
			m.p(" | ", mdCell(r.After))
		}
		if g.Cols.Blocked {
			m.p(" | ", mdCell(r.Blocked))
		}
		if status {
			s := r.Status.Text
			if r.Status.Error != "" {
				s += ": " + r.Status.Error
			}
			m.p(" | ", mdCell(s))
		}
		m.ln(" |")
	}
	m.ln()
}

func (m *mdWriter) pivot(pv *pivotView) {
	m.legend(pv.BlockedNotes)
	after, blocked := false, false
	for _, r := range pv.Rows {
		after, blocked = after || r.After != "", blocked || r.Blocked != ""
	}
	head := append([]string{"Account"}, pv.Regions...)
	if after {
		head = append(head, "Also after")
	}
	if blocked {
		head = append(head, "Blocked")
	}
	m.ln("| ", strings.Join(head, " | "), " |")
	m.ln(strings.Repeat("|---", len(head)), "|")
	for _, r := range pv.Rows {
		a := r.Account
		if r.AccountName != "" {
			a += " " + r.AccountName
		}
		m.p("| ", mdCell(a))
		for _, c := range r.Cells {
			if c.Num == "" {
				m.p(" | –")
				continue
			}
			m.p(" | ", mdBox(c.Status), " ", c.Num)
		}
		if after {
			m.p(" | ", mdCell(r.After))
		}
		if blocked {
			m.p(" | ", mdCell(r.Blocked))
		}
		m.ln(" |")
	}
	m.ln()
}

func (m *mdWriter) queue(q *queueView) {
	m.ln("Each kind of step, once; the table below says which step of which kind is whose (placeholders are the row's values).")
	m.ln()
	for _, g := range q.Templates {
		m.ln("#### ", mdText(g.Label), ": ", mdText(g.Title))
		m.ln()
		m.ln(mdCode(g.Kind), phaseTag(g.Phase), flags(g.Destructive, g.Manual))
		m.ln()
		m.groupHead(g)
	}
	for _, s := range q.Singles {
		m.step(s)
	}
	blocked := false
	for _, r := range q.Rows {
		blocked = blocked || r.Blocked != ""
	}
	m.legend(q.BlockedNotes)
	head := []string{"", "Queue", "Account", "Into OU", "Prepare (steps)", "Enroll (step)"}
	if q.Email {
		head = append(head, "E-mail")
	}
	if blocked {
		head = append(head, "Blocked")
	}
	if q.Known {
		head = append(head, "Status")
	}
	m.ln("| ", strings.Join(head, " | "), " |")
	m.ln(strings.Repeat("|---", len(head)), "|")
	for _, r := range q.Rows {
		if r.SessionEnd != "" {
			m.ln("| | | **", mdCell(r.SessionEnd), "** |", strings.Repeat(" |", len(head)-3))
			continue
		}
		a := r.Account
		if r.AccountName != "" {
			a += " " + r.AccountName
		}
		m.p("| ", mdBox(r.Status), " | ", r.Pos, " | ", mdCell(a), " | ", mdCell(r.Into), " | ", mdCell(r.Prepare), " | ", mdCell(r.Enroll))
		if q.Email {
			m.p(" | ", mdCell(r.Email))
		}
		if blocked {
			m.p(" | ", mdCell(r.Blocked))
		}
		if q.Known {
			m.p(" | ", mdCell(r.Status.Text))
		}
		m.ln(" |")
	}
	m.ln()
}

func (m *mdWriter) estimateDetails(e *estimateView) {
	if len(e.Sessions) > 0 {
		m.ln("### Calendar")
		m.ln()
		m.ln("Working sessions of up to ", strconv.Itoa(e.SessionHours), " hours (sessionHours), upper bound; each ends at a safe stopping point: ",
			"every account whose AWS Config was removed is enrolled, and nothing of the next wave has started.")
		m.ln()
		m.ln("| Session | Covers | Up to | Stop after step | Note |")
		m.ln("|---|---|---|---|---|")
		for _, s := range e.Sessions {
			m.ln("| ", s.Number, " | ", mdCell(s.Covers), " | ", mdCell(s.Upper), " | ", s.EndsNum, " ", mdCode(s.EndsAfter), " | ", mdCell(s.Note), " |")
		}
		m.ln()
	}
	if len(e.Windows) > 0 {
		m.ln("### Unrecorded window")
		m.ln()
		m.ln("How long each wave's accounts go without AWS Config recording, between the removal of ALZ's recorder and their enrollment (upper bounds).")
		m.ln()
		m.ln("| Waves | What | Accounts | Longest | Typical |")
		m.ln("|---|---|---|---|---|")
		for _, w := range e.Windows {
			m.ln("| ", w.Waves, " | ", mdCell(w.What), " | ", w.Accounts, " | ", mdCell(w.Max), " | ", mdCell(w.Typical), " |")
		}
		m.ln()
	}
	if len(e.TradeOffs) > 0 {
		m.ln("### Trade-offs")
		m.ln()
		for _, t := range e.TradeOffs {
			m.ln("- ", mdText(t))
		}
		m.ln()
	}
}

func rowNoun(c vary) string {
	switch {
	case c.Account && c.Region:
		return "account and region"
	case c.Account:
		return "account"
	case c.Region:
		return "region"
	case c.OU:
		return "OU"
	}
	return "resource"
}

func (m *mdWriter) appendices(d *document) {
	if len(d.OUs) > 0 {
		m.ln("## Appendix A: OU registration order")
		m.ln()
		m.ln("Parent OUs first; Control Tower runs one OU operation at a time. A registration waits only for its parent's.")
		m.ln()
		m.ln("| Order | OU | Path | Depth | Accounts | Note |")
		m.ln("|---|---|---|---|---|---|")
		for _, o := range d.OUs {
			m.ln("| ", o.Order, " | ", mdCode(o.ID), " | ", mdCell(o.Path), " | ", strconv.Itoa(o.Depth), " | ",
				strconv.Itoa(o.Accounts), " | ", mdCell(o.Note), " |")
		}
		m.ln()
	}
	if len(d.AccountGroups) > 0 {
		m.ln("## Appendix B: every account and how it is migrated")
		m.ln()
		m.ln("Accounts that share a disposition, a step and a reason are listed together.")
		m.ln()
		m.ln("| How | Step | Reason | Accounts |")
		m.ln("|---|---|---|---|")
		for _, g := range d.AccountGroups {
			m.ln("| ", mdCell(g.How), " | ", mdCode(g.By), " | ", mdCell(g.Reason), " | ", mdCell(fmt.Sprintf("%d: %s", len(g.Accounts), strings.Join(g.Accounts, "; "))), " |")
		}
		m.ln()
	}
	if len(d.Kept) > 0 {
		m.ln("## Appendix C: what the migration keeps, and why")
		m.ln()
		m.ln("ALZ artefacts left in place on purpose — by the settings, because the plan cannot remove them, or because a guard refused the deletion during the run — each with its reason.")
		m.ln()
		m.ln("| Kept | Why |")
		m.ln("|---|---|")
		for _, k := range d.Kept {
			m.ln("| ", mdCell(k.Key), " | ", mdCell(k.Value), " |")
		}
		m.ln()
	}
	if len(d.Notes) > 0 {
		m.ln("## Appendix D: blocked notes in full")
		m.ln()
		for i, n := range d.Notes {
			m.ln(strconv.Itoa(i+1), ". ", mdText(n))
		}
		m.ln()
	}
}

// mdEscaper escapes the characters that would start Markdown or HTML syntax in running text.
var mdEscaper = strings.NewReplacer(`\`, `\\`, "`", "\\`", `*`, `\*`, `_`, `\_`, `[`, `\[`, `]`, `\]`,
	`<`, `\<`, `>`, `\>`, `#`, `\#`, `|`, `\|`)

// mdText is running text: escaped, on one line.
func mdText(s string) string {
	return mdEscaper.Replace(oneLine(s))
}

// mdCell is text inside a table cell.
func mdCell(s string) string { return mdText(s) }

// mdCode is an inline code span that survives backticks and table pipes in its content.
func mdCode(s string) string {
	s = oneLine(s)
	if s == "" {
		return ""
	}
	s = strings.ReplaceAll(s, "|", `\|`)
	fence := "`"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		s = " " + s + " "
	}
	return fence + s + fence
}

// mdLink writes a URL as an autolink when it is a plain http(s) URL, else as text.
func mdLink(u string) string {
	if (strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://")) && !strings.ContainsAny(u, " <>\t\n") {
		return "<" + u + ">"
	}
	return mdText(u)
}

func codeList(ids []string) string {
	if len(ids) == 0 {
		return ""
	}
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = mdCode(id)
	}
	return strings.Join(out, ", ")
}

// codeFence returns a backtick fence longer than any backtick run in body.
func codeFence(body string) string {
	fence := "```"
	for strings.Contains(body, fence) {
		fence += "`"
	}
	return fence
}

func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n\t") {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

func orBlank(s string) string {
	if s == "" {
		return "________________"
	}
	return s
}

func limit(ss []string, n int) []string {
	if len(ss) <= n {
		return ss
	}
	out := append([]string{}, ss[:n]...)
	return append(out, fmt.Sprintf("and %d more", len(ss)-n))
}

func planLine(d *document, code func(string) string) string {
	s := "version " + strconv.Itoa(d.PlanVersion)
	if d.CreatedFrom != "" {
		s += ", made from " + code(d.CreatedFrom)
	}
	if d.SnapshotHash != "" {
		s += ", snapshot " + code(d.SnapshotHash)
	}
	return s
}
