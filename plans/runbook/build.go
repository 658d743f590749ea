package runbook

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/lz2ct/lz2ct/checks"
	"github.com/lz2ct/lz2ct/journal"
	"github.com/lz2ct/lz2ct/plans"
)

// build turns a plan and a journal into the document both renderers print. Every text taken from
// the plan or the journal is redacted here, once.
func build(p *plans.Plan, st *journal.State, opts []Option) *document {
	cfg := config{}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.now.IsZero() {
		cfg.now = time.Now()
	}
	r := redact
	d := &document{
		Title:        "Migration runbook: " + r(p.Organization),
		Organization: r(p.Organization),
		SnapshotHash: r(p.SnapshotHash),
		CreatedFrom:  r(p.CreatedFrom),
		PlanVersion:  p.Version,
		Operator:     r(cfg.operator),
		Generated:    cfg.now,
	}
	names := map[string]string{}
	for _, a := range p.Accounts {
		names[a.AccountID] = a.Name
		if a.How == plans.HowManagement {
			d.Management = r(a.AccountID + " (" + a.Name + ")")
		}
	}

	// Numbers follow the order a sequential run takes the steps: phases 2-4 are interleaved wave
	// by wave, so their numbers jump between the three phase sections, and the numbers are how an
	// operator working by hand keeps that order.
	num := map[string]string{}
	for i, s := range p.OrderedSteps() {
		num[s.ID] = strconv.Itoa(i + 1)
	}
	status := statusOf(st)

	d.Settings = settingsRows(p)
	d.Estimate = estimateOf(p)
	d.Findings = findingsOf(p.Findings)
	d.Totals = totals(p)

	waveName := waveNames(p)
	routes := waveRoutes(p, num)
	var all statusCounts
	for _, ph := range p.Phases {
		pv := phaseView{Number: ph.Number, ID: ph.ID, Name: r(ph.Name), Summary: r(ph.Summary), Steps: len(ph.Steps)}
		if ph.EstimateSeconds > 0 {
			pv.Estimate = human(time.Duration(ph.EstimateSeconds) * time.Second)
		}
		for _, f := range ph.Blockers {
			pv.Blockers = append(pv.Blockers, findingRowOf(f))
		}
		if (ph.ID == plans.PhaseSCP || ph.ID == plans.PhaseConfig || ph.ID == plans.PhaseRegistration) && !strings.Contains(pv.Summary, "interleaved") {
			pv.Summary = strings.TrimSpace(pv.Summary + " " + interleaveNote)
		}
		if st != nil {
			var c statusCounts
			for _, s := range ph.Steps {
				c.add(st.Step(s.ID).Status)
			}
			all.Done, all.Running, all.Failed, all.NotStarted = all.Done+c.Done, all.Running+c.Running, all.Failed+c.Failed, all.NotStarted+c.NotStarted
			pv.Counts = &c
		}
		// Steps of one wave are grouped together under a heading naming the wave.
		for i := 0; i < len(ph.Steps); {
			j := i + 1
			for j < len(ph.Steps) && ph.Steps[j].Wave == ph.Steps[i].Wave {
				j++
			}
			if w := ph.Steps[i].Wave; w > 0 {
				pv.Items = append(pv.Items, item{Wave: &waveView{Number: w, Name: r(waveName(w)), Steps: j - i, Route: routes[w]}})
			}
			in := make([]stepIn, 0, j-i)
			ns := make([]string, 0, j-i)
			for _, s := range ph.Steps[i:j] {
				in = append(in, stepInOf(s, names, num))
				ns = append(ns, num[s.ID])
			}
			pv.Items = append(pv.Items, group(in, ns, status)...)
			i = j
		}
		d.Phases = append(d.Phases, pv)
	}
	if st != nil {
		d.Run = runOf(p, st, all, num)
	}
	for _, o := range p.OUOrder {
		row := ouRow{ID: r(o.OUID), Path: r(o.Path), Depth: o.Depth, Accounts: o.Accounts}
		if o.OUID == "" {
			row.ID = "(created by the plan)"
		}
		if o.Order > 0 {
			row.Order = strconv.Itoa(o.Order)
		} else {
			row.Order = "–"
		}
		var note []string
		if o.Created {
			note = append(note, "created by the plan to split its parent")
		}
		if o.Order > 0 && o.Enrolls != o.Accounts {
			note = append(note, fmt.Sprintf("registration enrolls %d", o.Enrolls))
		}
		if o.Skipped || o.Reason != "" {
			note = append(note, "skipped: "+o.Reason)
		}
		if o.Remedy != "" {
			note = append(note, "remedy: "+o.Remedy)
		}
		row.Note = r(strings.Join(note, "; "))
		d.OUs = append(d.OUs, row)
	}
	for _, a := range p.Accounts {
		d.Accounts = append(d.Accounts, accountRow{ID: r(a.AccountID), Name: r(a.Name), How: r(a.How), Reason: r(a.Reason), By: r(a.By)})
	}
	return d
}

const interleaveNote = "Phases 2, 3 and 4 run interleaved, wave by wave: for each wave, its SCP detaches (phase 2), " +
	"then its AWS Config removal (phase 3), then its OU registration or enrollment (phase 4), so no account " +
	"is left unrecorded for long. The step numbers give that order."

// waveRoutes says, per wave that spans several phases, which step numbers it runs in which phase.
func waveRoutes(p *plans.Plan, num map[string]string) map[int]string {
	type ref struct{ n, phase int }
	byWave := map[int][]ref{}
	for _, ph := range p.Phases {
		for _, s := range ph.Steps {
			if s.Wave > 0 {
				n, _ := strconv.Atoi(num[s.ID])
				byWave[s.Wave] = append(byWave[s.Wave], ref{n, ph.Number})
			}
		}
	}
	out := map[int]string{}
	for w, refs := range byWave {
		sort.Slice(refs, func(i, j int) bool { return refs[i].n < refs[j].n })
		var parts []string
		phases := map[int]bool{}
		for i := 0; i < len(refs); {
			j := i + 1
			for j < len(refs) && refs[j].phase == refs[i].phase && refs[j].n == refs[j-1].n+1 {
				j++
			}
			span := strconv.Itoa(refs[i].n)
			if j-i > 1 {
				span += "–" + strconv.Itoa(refs[j-1].n)
			}
			parts = append(parts, fmt.Sprintf("%s (phase %d)", span, refs[i].phase))
			phases[refs[i].phase] = true
			i = j
		}
		if len(phases) > 1 {
			out[w] = strings.Join(parts, ", ")
		}
	}
	return out
}

func stepInOf(s plans.Step, names map[string]string, num map[string]string) stepIn {
	r := redact
	in := stepIn{
		ID: r(s.ID), Kind: r(s.Kind), Title: r(s.Title), Why: r(s.Why),
		Account: r(s.Target.AccountID), Region: r(s.Target.Region), OU: r(s.Target.OUID), Resource: r(s.Target.Resource),
		AccountName: r(names[s.Target.AccountID]),
		Destructive: s.Destructive, Manual: s.Manual,
		Guard: r(s.Guard), Expected: r(s.Expected), Rollback: r(s.Rollback), Blocked: r(s.Blocked),
	}
	for _, dep := range summarizeDeps(s.DependsOn, num) {
		in.DependsOn = append(in.DependsOn, r(dep))
	}
	for i, c := range s.CLI {
		in.CLI = append(in.CLI, r(printable(c, s.ID, i)))
	}
	return in
}

// maxDeps is the longest dependency list printed step by step; longer lists (an OU registration
// waits for every account move of its split) are summarized per kind of step.
const maxDeps = 10

// summarizeDeps keeps short lists as they are; in a long one, kinds with several steps become
// "N × kind/… (steps a–b)" so the reader still knows what to wait for and where to find it.
func summarizeDeps(deps []string, num map[string]string) []string {
	if len(deps) <= maxDeps {
		return deps
	}
	var order []string
	byKind := map[string][]string{}
	for _, d := range deps {
		k, _, _ := strings.Cut(d, "/")
		if _, ok := byKind[k]; !ok {
			order = append(order, k)
		}
		byKind[k] = append(byKind[k], d)
	}
	var out []string
	for _, k := range order {
		ids := byKind[k]
		if len(ids) < 4 {
			out = append(out, ids...)
			continue
		}
		lo, hi := -1, -1
		for _, id := range ids {
			if n, err := strconv.Atoi(num[id]); err == nil {
				if lo < 0 || n < lo {
					lo = n
				}
				hi = max(hi, n)
			}
		}
		text := fmt.Sprintf("%d × %s/…", len(ids), k)
		if lo >= 0 {
			text += fmt.Sprintf(" (steps %d–%d)", lo, hi)
		}
		out = append(out, text)
	}
	return out
}

// maxCLIChars is the longest command printed as it is. Some commands name every account of the
// organization (deleting a StackSet's instances in decommission): tens of pages of account IDs
// help nobody on paper, so such a command is replaced by the one-liner that extracts it, exactly,
// from the plan. The replacement cannot be run by mistake as a truncated command.
const maxCLIChars = 8000

func printable(cmd, stepID string, i int) string {
	if len(cmd) <= maxCLIChars {
		return cmd
	}
	start := cmd[:200]
	if j := strings.LastIndexByte(start, ' '); j > 0 {
		start = start[:j]
	}
	start = strings.ReplaceAll(start, "\n", " ")
	return fmt.Sprintf("# Command %d is too long to print (%d characters). Take it from the plan file:\n"+
		"jq -r '.phases[].steps[] | select(.id==\"%s\") | .cli[%d]' plan.json\n"+
		"# It begins: %s …", i+1, len(cmd), stepID, i, start)
}

// waveNames names each wave after the OU it registers; waves after the OU waves are positions in
// the enrollment queue.
func waveNames(p *plans.Plan) func(int) string {
	byOrder := map[int]string{}
	maxOrder := 0
	for _, o := range p.OUOrder {
		if o.Order > 0 {
			id := o.OUID
			if id == "" {
				id = "new OU"
			}
			byOrder[o.Order] = fmt.Sprintf("register OU %s (%s)", o.Path, id)
			maxOrder = max(maxOrder, o.Order)
		}
	}
	return func(w int) string {
		if n, ok := byOrder[w]; ok {
			return n
		}
		if w > maxOrder {
			return fmt.Sprintf("enrollment queue, position %d", w-maxOrder)
		}
		return fmt.Sprintf("wave %d", w)
	}
}

func settingsRows(p *plans.Plan) []kv {
	s := p.Settings
	r := redact
	list := func(v []string) string {
		if len(v) == 0 {
			return "none"
		}
		return strings.Join(v, ", ")
	}
	yes := func(b bool) string {
		if b {
			return "yes"
		}
		return "no"
	}
	enrollShared := "yes"
	if s.EnrollSharedServices != nil && !*s.EnrollSharedServices {
		enrollShared = "no"
	}
	decom := "all but closing the old accounts"
	if len(s.Decommission.Steps) > 0 {
		decom = strings.Join(s.Decommission.Steps, ", ")
	}
	return []kv{
		{"Home region (homeRegion)", r(s.HomeRegion)},
		{"Governed regions (governedRegions)", r(list(s.GovernedRegions))},
		{"Log Archive account", r(nameEmail(s.LogArchiveAccountName, s.LogArchiveEmail))},
		{"Audit account", r(nameEmail(s.AuditAccountName, s.AuditEmail))},
		{"Deploy Control Tower (ctDeploy)", r(s.CTDeploy)},
		{"Remove AWS Config (configRemoval)", r(s.ConfigRemoval)},
		{"Accounts per OU registration (ouAccountLimit)", strconv.Itoa(s.OUAccountLimit)},
		{"Account operations at once (accountConcurrency)", strconv.Itoa(s.AccountConcurrency)},
		{"Excluded OUs", r(list(s.Exclude.OUs))},
		{"Excluded accounts", r(list(s.Exclude.Accounts))},
		{"Enroll the Shared Services account", enrollShared},
		{"Decommission steps", r(decom)},
		{"StackSets kept (workloads use them)", r(list(s.Decommission.KeepStackSets))},
		{"ALZ logs copied before buckets go", yes(s.Decommission.CopyLogs)},
		{"Close the old Log Archive and Security accounts", yes(s.Decommission.CloseOldAccounts)},
	}
}

func nameEmail(name, email string) string {
	switch {
	case name == "":
		return email
	case email == "":
		return name
	}
	return name + " <" + email + ">"
}

func estimateOf(p *plans.Plan) estimateView {
	var e estimateView
	names := map[int]string{}
	for _, ph := range p.Phases {
		names[ph.Number] = ph.Name
	}
	for _, pe := range p.Estimate.PerPhase {
		e.Rows = append(e.Rows, kv{fmt.Sprintf("%d. %s", pe.Phase, redact(names[pe.Phase])), human(time.Duration(pe.Seconds) * time.Second)})
	}
	e.Total = human(p.Estimate.Total())
	for _, a := range p.Estimate.Assumptions {
		e.Assumptions = append(e.Assumptions, redact(a))
	}
	return e
}

// human prints a duration the way people plan change windows: days, hours and minutes.
func human(d time.Duration) string {
	if d <= 0 {
		return "under a minute"
	}
	m := int64((d + 59*time.Second) / time.Minute) // round up: an estimate should not promise less
	days, hours, mins := m/(24*60), m/60%24, m%60
	var parts []string
	if days > 0 {
		parts = append(parts, plural(days, "day"))
	}
	if hours > 0 {
		parts = append(parts, plural(hours, "hour"))
	}
	if mins > 0 && days == 0 {
		parts = append(parts, plural(mins, "minute"))
	}
	if len(parts) == 0 {
		return plural(days, "day")
	}
	return strings.Join(parts, " ")
}

func plural(n int64, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return strconv.FormatInt(n, 10) + " " + unit + "s"
}

func totals(p *plans.Plan) []kv {
	steps, destructive, manual, blocked := 0, 0, 0, 0
	for _, ph := range p.Phases {
		for _, s := range ph.Steps {
			steps++
			if s.Destructive {
				destructive++
			}
			if s.Manual {
				manual++
			}
			if s.Blocked != "" {
				blocked++
			}
		}
	}
	how := map[string]int{}
	for _, a := range p.Accounts {
		how[a.How]++
	}
	register, skipped := 0, 0
	for _, o := range p.OUOrder {
		if o.Order > 0 {
			register++
		} else {
			skipped++
		}
	}
	rows := []kv{
		{"Phases", strconv.Itoa(len(p.Phases))},
		{"Steps", fmt.Sprintf("%d (%d destructive, %d manual, %d blocked by a finding)", steps, destructive, manual, blocked)},
		{"OUs", fmt.Sprintf("%d to register, %d not registered by this plan", register, skipped)},
		{"Accounts", strconv.Itoa(len(p.Accounts))},
	}
	labels := []struct{ how, label string }{
		{plans.HowOURegistration, "Enrolled by registering their OU"},
		{plans.HowEnroll, "Enrolled one by one"},
		{plans.HowEnrolled, "Already enrolled"},
		{plans.HowExcluded, "Excluded"},
		{plans.HowBlocked, "Blocked"},
		{plans.HowManagement, "Management account"},
	}
	known := map[string]bool{}
	for _, l := range labels {
		known[l.how] = true
		if how[l.how] > 0 {
			rows = append(rows, kv{"– " + l.label, strconv.Itoa(how[l.how])})
		}
	}
	var other []string
	for h := range how {
		if !known[h] {
			other = append(other, h)
		}
	}
	sort.Strings(other)
	for _, h := range other {
		rows = append(rows, kv{"– " + redact(h), strconv.Itoa(how[h])})
	}
	return rows
}

// maxSubjects keeps one finding's row readable; the full list is in lz2ct check --format json.
const maxSubjects = 40

func findingsOf(fs []checks.Finding) findingsView {
	var v findingsView
	for _, f := range fs {
		switch f.Severity {
		case checks.Blocker:
			v.Blockers++
		case checks.Warning:
			v.Warnings++
		default:
			v.Infos++
		}
		v.Rows = append(v.Rows, findingRowOf(f))
	}
	sort.SliceStable(v.Rows, func(i, j int) bool {
		a, b := v.Rows[i], v.Rows[j]
		if ra, rb := checks.Severity(a.Severity).Rank(), checks.Severity(b.Severity).Rank(); ra != rb {
			return ra < rb
		}
		if ra, rb := checks.Phase(a.Phase).Rank(), checks.Phase(b.Phase).Rank(); ra != rb {
			return ra < rb
		}
		return a.Check < b.Check
	})
	return v
}

func findingRowOf(f checks.Finding) findingRow {
	r := redact
	var subj []string
	for i, s := range f.Subjects {
		if i == maxSubjects {
			subj = append(subj, fmt.Sprintf("and %d more (lz2ct check --format json lists them all)", len(f.Subjects)-maxSubjects))
			break
		}
		t := s.Kind + " " + s.ID
		if s.Name != "" && s.Name != s.ID {
			t += " (" + s.Name + ")"
		}
		subj = append(subj, t)
	}
	row := findingRow{
		Severity: r(string(f.Severity)), Check: r(f.Check), Title: r(f.Title), Phase: r(string(f.Phase)),
		Subjects: r(strings.Join(subj, ", ")), Remediation: r(f.Remediation), FixedByPlan: f.FixedByPlan, Source: r(f.Source),
	}
	for _, e := range f.Evidence {
		row.Evidence = append(row.Evidence, r(e))
	}
	return row
}

// runOf summarizes the journal for the cover: failures and running steps in execution order, and
// journal steps that the plan does not know.
func runOf(p *plans.Plan, st *journal.State, c statusCounts, num map[string]string) *runView {
	v := &runView{Dir: redact(st.Dir), Events: st.Events, Last: stamp(st.Last), TornTail: st.TornTail, Counts: c}
	for _, s := range p.OrderedSteps() {
		ss := st.Step(s.ID)
		switch ss.Status {
		case journal.Failed:
			v.Failures = append(v.Failures, stepRef{Num: num[s.ID], ID: redact(s.ID), Title: redact(s.Title), Note: redact(ss.Error)})
		case journal.Running:
			note := "since " + stamp(ss.Started)
			if ss.OperationID != "" {
				note += ", operation " + ss.OperationID
			}
			v.Running = append(v.Running, stepRef{Num: num[s.ID], ID: redact(s.ID), Title: redact(s.Title), Note: redact(note)})
		}
	}
	for _, id := range st.IDs() {
		if _, ok := num[id]; !ok {
			v.Unplanned = append(v.Unplanned, redact(id))
		}
	}
	return v
}
