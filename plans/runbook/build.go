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
	"github.com/lz2ct/lz2ct/words"
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
	acctNames := make(map[string]string, len(p.Accounts))
	ouNames := map[string]string{}
	for _, o := range p.OUOrder {
		if o.OUID != "" {
			ouNames[o.OUID] = o.Path[strings.LastIndexByte(o.Path, '/')+1:]
		}
	}
	for _, a := range p.Accounts {
		acctNames[a.AccountID] = a.Name
		if a.How == plans.HowManagement {
			d.Management = r(a.AccountID + " (" + a.Name + ")")
		}
	}

	// Numbers follow the order a sequential run takes the steps (the plan's executionOrder), and
	// the runbook lists the steps in that order: phases 0 and 1, then phases 2–4 wave by wave
	// (each wave's SCP detaches, Config removal, then registration or enrollment), then phases 5
	// and 6. The phase view is the index.
	order := p.OrderedSteps()
	num := make(map[string]string, len(order))
	phaseOf := make(map[string]int, len(order))
	for i, s := range order {
		num[s.ID] = strconv.Itoa(i + 1)
	}
	for _, ph := range p.Phases {
		for _, s := range ph.Steps {
			phaseOf[s.ID] = ph.Number
		}
	}
	status := statusOf(st)

	d.Settings = settingsRows(p)
	d.Estimate = estimateOf(p)
	estimateDetails(&d.Estimate, p, num)
	d.Findings = findingsOf(p.Findings)
	d.Totals = totals(p)

	var all statusCounts
	byNumber := map[int]*plans.Phase{}
	for i := range p.Phases {
		ph := &p.Phases[i]
		byNumber[ph.Number] = ph
		pv := phaseView{Number: ph.Number, ID: ph.ID, Name: r(ph.Name), Summary: r(ph.Summary), Steps: len(ph.Steps), Anchor: fmt.Sprintf("phase-%d", ph.Number)}
		if ph.EstimateSeconds > 0 {
			pv.Estimate = human(time.Duration(ph.EstimateSeconds) * time.Second)
		}
		for _, f := range ph.Blockers {
			pv.Blockers = append(pv.Blockers, findingRowOf(f))
		}
		if st != nil {
			var c statusCounts
			for _, s := range ph.Steps {
				c.add(st.Step(s.ID).Status)
			}
			all.Done, all.Running, all.Failed, all.NotStarted = all.Done+c.Done, all.Running+c.Running, all.Failed+c.Failed, all.NotStarted+c.NotStarted
			pv.Counts = &c
		}
		var nums []int
		waves := map[int]bool{}
		for _, s := range ph.Steps {
			n, _ := strconv.Atoi(num[s.ID])
			nums = append(nums, n)
			if s.Wave > 0 {
				waves[s.Wave] = true
			}
		}
		pv.Where = where(nums)
		if interleaved(ph.ID) {
			pv.Anchor = "waves"
			if len(waves) > 0 {
				pv.Where = fmt.Sprintf("in %s: %s", words.Count(len(waves), "wave"), pv.Where)
			}
		}
		d.Phases = append(d.Phases, pv)
	}

	names := waveNames(p)
	maxOrder := 0
	for _, o := range p.OUOrder {
		maxOrder = max(maxOrder, o.Order)
	}
	outputs := cfg.outputs
	notes := &noteBook{}
	shared := redactMemo{}
	stepIns := func(ss []*plans.Step, wave bool) ([]stepIn, []string) {
		in := make([]stepIn, 0, len(ss))
		ns := make([]string, 0, len(ss))
		for _, s := range ss {
			si := stepInOf(*s, acctNames, num, outputs, shared)
			si.OUName = r(ouNames[s.Target.OUID])
			si.Blocked = notes.cut(si.Blocked)
			if wave {
				si.Phase = fmt.Sprintf("phase %d", phaseOf[s.ID])
			}
			in = append(in, si)
			ns = append(ns, num[s.ID])
		}
		return in, ns
	}
	// Where the estimate's working sessions end.
	sessionEnd := map[string]string{}
	for _, se := range p.Estimate.Calendar.Sessions {
		sessionEnd[se.EndsAfter] = fmt.Sprintf("End of working session %d (%s): stop once step %s is done; the next session starts with the step after it.", se.Number, se.Covers, num[se.EndsAfter])
	}
	ends := func(ss []*plans.Step) []string {
		var out []string
		for _, s := range ss {
			if e := sessionEnd[s.ID]; e != "" {
				out = append(out, e)
			}
		}
		return out
	}
	phaseSection := func(ph *plans.Phase, ss []*plans.Step) {
		pv := d.Phases[ph.Number]
		sec := sectionView{Anchor: pv.Anchor, Heading: fmt.Sprintf("Phase %d: %s", ph.Number, pv.Name), Summary: pv.Summary,
			Meta: phaseMeta(pv), Blockers: pv.Blockers, SignOff: fmt.Sprintf("phase %d (%s)", ph.Number, pv.Name)}
		in, ns := stepIns(ss, false)
		sec.Items = group(in, ns, status)
		sec.Ends = ends(ss)
		d.Sections = append(d.Sections, sec)
	}
	for i := 0; i < len(order); {
		ph := byNumber[phaseOf[order[i].ID]]
		j := i + 1
		if !interleaved(ph.ID) {
			for j < len(order) && phaseOf[order[j].ID] == ph.Number {
				j++
			}
			phaseSection(ph, order[i:j])
			i = j
			continue
		}
		if d.Waves == nil {
			d.Waves = wavesOf(d.Phases)
		}
		w := order[i].Wave
		qEnd := i
		for qEnd < len(order) && w > maxOrder && interleaved(byNumber[phaseOf[order[qEnd].ID]].ID) && order[qEnd].Wave > maxOrder {
			qEnd++
		}
		if w > maxOrder && order[qEnd-1].Wave-w+1 >= minQueueRows {
			// The enrollment queue: one section, one row per account.
			j = qEnd
			in, ns := stepIns(order[i:j], true)
			q := queueOf(order[i:j], in, ns, status, p, num, maxOrder, sessionEnd, notes)
			last := order[j-1].Wave
			sec := sectionView{Anchor: "queue", Wave: true,
				Heading: fmt.Sprintf("Waves %d–%d: the enrollment queue (%s one by one, %d at a time)", w, last, words.Count(q.Accounts, "account"), p.Settings.AccountConcurrency),
				Meta: words.Count(j-i, "step") + ", steps " + num[order[i].ID] + "–" + num[order[j-1].ID] + ". Each account is prepared (SCP detach, Config removal, execution role) when the enrollment " +
					fmt.Sprintf("%d places ahead of it is done, then enrolled; the commands of each kind of step come once, then one row per account in queue order", 2*max(p.Settings.AccountConcurrency, 1)),
				Items: []item{{Queue: q}}}
			if j == len(order) || !interleaved(byNumber[phaseOf[order[j].ID]].ID) {
				sec.SignOff = "phases 2–4 (the waves)"
			}
			d.Sections = append(d.Sections, sec)
			i = j
			continue
		}
		for j < len(order) && interleaved(byNumber[phaseOf[order[j].ID]].ID) && order[j].Wave == w {
			j++
		}
		sec := sectionView{Anchor: fmt.Sprintf("wave-%d", w), Heading: fmt.Sprintf("Wave %d: %s", w, r(names(w))), Wave: true,
			Meta: words.Count(j-i, "step") + ", steps " + num[order[i].ID] + "–" + num[order[j-1].ID]}
		if w == 0 {
			sec.Heading = "Steps of phases 2–4 outside the waves"
		}
		in, ns := stepIns(order[i:j], true)
		sec.Items = group(in, ns, status)
		sec.Ends = ends(order[i:j])
		// The last wave signs phases 2–4 off.
		if j == len(order) || !interleaved(byNumber[phaseOf[order[j].ID]].ID) {
			sec.SignOff = "phases 2–4 (the waves)"
		}
		d.Sections = append(d.Sections, sec)
		i = j
	}
	// Phases with no step still get their section, so the document names every phase.
	for _, ph := range p.Phases {
		if len(ph.Steps) == 0 && !interleaved(ph.ID) {
			phaseSection(byNumber[ph.Number], nil)
		}
	}
	sort.SliceStable(d.Sections, func(i, j int) bool { return sectionRank(d.Sections[i]) < sectionRank(d.Sections[j]) })
	// What the migration keeps: the plan's kept[], and — once a run has started — what a guard
	// refused to delete.
	refused := map[string]string{}
	if st != nil {
		for id, ss := range st.Steps {
			if why, ok := plans.GuardRefusal(ss.Error); ok && ss.Status == journal.Failed {
				refused[id] = why
			}
		}
	}
	for _, k := range p.KeptAfterRun(refused) {
		res := k.Resource
		if k.Step != "" {
			res += " (step " + num[k.Step] + ")"
		}
		d.Kept = append(d.Kept, kv{r(res), r(k.Reason)})
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
	groups := map[[3]string]int{}
	d.Accounts = make([]accountRow, 0, len(p.Accounts))
	for _, a := range p.Accounts {
		how, reason, by := shared.redact(a.How), shared.redact(a.Reason), shared.redact(a.By)
		d.Accounts = append(d.Accounts, accountRow{ID: r(a.AccountID), Name: r(a.Name), How: how, Reason: reason, By: by})
		if a.AccountID != "" && strings.HasSuffix(by, "/"+a.AccountID) {
			by = strings.TrimSuffix(by, a.AccountID) + phAccount // a step of its own
		}
		k := [3]string{how, by, reason}
		i, ok := groups[k]
		if !ok {
			i = len(d.AccountGroups)
			groups[k] = i
			d.AccountGroups = append(d.AccountGroups, accountGroup{How: k[0], By: k[1], Reason: k[2]})
		}
		d.AccountGroups[i].Accounts = append(d.AccountGroups[i].Accounts, strings.TrimSpace(r(a.AccountID)+" "+r(a.Name)))
	}
	for _, s := range order {
		if s.Manual {
			d.Manual = append(d.Manual, stepRef{Num: num[s.ID], ID: r(s.ID), Title: r(s.Title), Note: fmt.Sprintf("phase %d", phaseOf[s.ID])})
		}
	}
	d.Notes = notes.full
	return d
}

// minQueueRows is the shortest enrollment queue shown as one table; shorter ones are waves like
// the others.
const minQueueRows = 3

// maxBlockedNote is the longest blocked note printed where it applies; a longer one is cut and
// printed in full in an appendix, once.
const maxBlockedNote = 240

// noteBook keeps the blocked notes too long to print in place.
type noteBook struct {
	full []string
	idx  map[string]int
}

func (n *noteBook) cut(s string) string {
	if len([]rune(s)) <= maxBlockedNote {
		return s
	}
	if n.idx == nil {
		n.idx = map[string]int{}
	}
	k, ok := n.idx[s]
	if !ok {
		n.full = append(n.full, s)
		k = len(n.full)
		n.idx[s] = k
	}
	short := []rune(s)[:maxBlockedNote-40]
	cut := string(short)
	if i := strings.LastIndexByte(cut, ' '); i > 0 {
		cut = cut[:i]
	}
	return fmt.Sprintf("%s … (in full: appendix D, note %d)", cut, k)
}

func interleaved(phaseID string) bool {
	return phaseID == plans.PhaseSCP || phaseID == plans.PhaseConfig || phaseID == plans.PhaseRegistration
}

// sectionRank keeps phase sections with no steps in phase order among the others.
func sectionRank(s sectionView) int {
	var n int
	if _, err := fmt.Sscanf(s.Anchor, "phase-%d", &n); err == nil {
		if n <= 1 {
			return n
		}
		return n + 100
	}
	return 50
}

func phaseMeta(pv phaseView) string {
	line := words.Count(pv.Steps, "step")
	if pv.Where != "" && pv.Steps > 0 {
		line += " (" + pv.Where + ")"
	}
	if pv.Estimate != "" {
		line += ", estimated " + pv.Estimate
	}
	if pv.Counts != nil {
		line += ". Run: " + pv.Counts.String()
	}
	return line
}

// wavesOf introduces the waves: phases 2–4 with their blockers.
func wavesOf(phases []phaseView) *wavesView {
	w := &wavesView{Anchor: "waves", Summary: interleaveNote}
	var metas []string
	for _, pv := range phases {
		if !interleaved(pv.ID) {
			continue
		}
		metas = append(metas, fmt.Sprintf("phase %d (%s): %s", pv.Number, pv.Name, phaseMeta(pv)))
		w.Blockers = append(w.Blockers, pv.Blockers...)
	}
	w.Meta = strings.Join(metas, "; ")
	return w
}

const interleaveNote = "Phases 2, 3 and 4 run interleaved, wave by wave: for each wave, its SCP detaches (phase 2), " +
	"then its AWS Config removal (phase 3), then its execution roles and its OU registration or enrollment (phase 4), so no account " +
	"is left unrecorded for long. A wave is prepared while Control Tower registers the previous one. Each step says which phase it belongs to."

// where renders step numbers as ranges: "steps 1–24", "steps 32, 35–36 and 40".
func where(nums []int) string {
	if len(nums) == 0 {
		return ""
	}
	sort.Ints(nums)
	var parts []string
	for i := 0; i < len(nums); {
		j := i + 1
		for j < len(nums) && nums[j] == nums[j-1]+1 {
			j++
		}
		if j-i > 1 {
			parts = append(parts, fmt.Sprintf("%d–%d", nums[i], nums[j-1]))
		} else {
			parts = append(parts, strconv.Itoa(nums[i]))
		}
		i = j
	}
	const max = 6
	if len(parts) > max {
		return fmt.Sprintf("steps %s, … %s (between %d and %d)", strings.Join(parts[:max-1], ", "), words.Count(len(parts)-max+1, "more range"), nums[0], nums[len(nums)-1])
	}
	if len(parts) == 1 {
		if len(nums) == 1 {
			return "step " + parts[0]
		}
		return "steps " + parts[0]
	}
	return "steps " + strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

func stepInOf(s plans.Step, names map[string]string, num map[string]string, outputs func(step, output string) (string, bool), shared redactMemo) stepIn {
	r, rs := redact, shared.redact
	in := stepIn{
		ID: r(s.ID), Kind: rs(s.Kind), Title: r(s.Title), Why: rs(s.Why),
		Account: r(s.Target.AccountID), Region: rs(s.Target.Region), OU: r(s.Target.OUID), Resource: r(s.Target.Resource),
		AccountName: r(names[s.Target.AccountID]),
		Destructive: s.Destructive, Manual: s.Manual,
		Guard: rs(s.Guard), Expected: rs(s.Expected), Rollback: rs(s.Rollback), Blocked: rs(s.Blocked),
		Token: plans.IdempotencyToken(s.ID),
	}
	if e, ok := s.Params.(plans.AccountEnroll); ok {
		in.Email = r(e.AccountEmail)
	}
	if m, ok := s.Params.(plans.Manual); ok {
		for _, i := range m.Instructions {
			in.Instructions = append(in.Instructions, r(i))
		}
		in.Verified = r(m.Verify)
	}
	for _, dep := range summarizeDeps(s.DependsOn, num) {
		in.DependsOn = append(in.DependsOn, r(dep))
	}
	for i, c := range s.CLI {
		in.CLI = append(in.CLI, r(printable(c, s.ID, i)))
	}
	// Values other steps produce: the shell variable the commands use, and its value once a
	// run's journal knows it.
	seen := map[plans.Value]bool{}
	for _, ref := range plans.Refs(s.Params) {
		if seen[ref] {
			continue
		}
		seen[ref] = true
		line := "$" + plans.ShellVar(ref.FromStep, ref.Output)
		if outputs != nil {
			if v, ok := outputs(ref.FromStep, ref.Output); ok && v != "" {
				line += " = " + v
			}
		}
		line += fmt.Sprintf(" (the %s of step %s, %s)", ref.Output, num[ref.FromStep], ref.FromStep)
		in.Inputs = append(in.Inputs, r(line))
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
		{"Schedule the ALZ KMS key's deletion (kmsKeyDeletionDays)", kmsKeyDeletion(s.Decommission.KMSKeyDeletionDays)},
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
		e.Rows = append(e.Rows, kv{fmt.Sprintf("%d. %s", pe.Phase, redact(names[pe.Phase])), humanRange(pe.Range)})
	}
	if o := p.Estimate.Overlap; o.Upper > 0 || o.Lower > 0 {
		// A wave is prepared while Control Tower registers the previous one, and the enrollment
		// queue's accounts while earlier ones enroll: that time is not added to the total.
		e.Rows = append(e.Rows, kv{"Overlap: preparation that runs while Control Tower works (not added to the total)", "− (" + humanRange(o) + ")"})
	}
	e.Total = humanRange(p.Estimate.Total)
	for _, a := range p.Estimate.Assumptions {
		e.Assumptions = append(e.Assumptions, redact(a))
	}
	return e
}

// estimateDetails adds what a change board schedules with: Control Tower's own time, the
// assumption that dominates, the working sessions, the unrecorded windows and the trade-offs.
func estimateDetails(e *estimateView, p *plans.Plan, num map[string]string) {
	r := redact
	est := p.Estimate
	e.ControlTower = humanRange(est.ControlTower)
	if est.Dominant.What != "" {
		e.Dominant = fmt.Sprintf("%s: %.0f%% of the upper bound", r(est.Dominant.What), est.Dominant.Share*100)
	}
	e.SessionHours = est.Calendar.SessionHours
	for _, se := range est.Calendar.Sessions {
		row := sessionRow{Number: strconv.Itoa(se.Number), Covers: r(se.Covers), Upper: human(time.Duration(se.UpperSeconds) * time.Second),
			EndsAfter: r(se.EndsAfter), EndsNum: num[se.EndsAfter]}
		if se.Long {
			row.Note = "longer than a session: a Control Tower operation runs on in AWS; lz2ct resume re-attaches"
		}
		e.Sessions = append(e.Sessions, row)
	}
	for _, w := range est.Unrecorded {
		waves := strconv.Itoa(w.FromWave)
		if w.ToWave != w.FromWave {
			waves += "–" + strconv.Itoa(w.ToWave)
		}
		e.Windows = append(e.Windows, windowRow{Waves: waves, What: r(w.What), Accounts: strconv.Itoa(w.Accounts),
			Max: human(time.Duration(w.MaxSeconds) * time.Second), Typical: human(time.Duration(w.TypicalSeconds) * time.Second)})
	}
	if m := est.Moves; m.Moved > 0 {
		e.TradeOffs = append(e.TradeOffs, fmt.Sprintf("%s move before a registration (%s created for them), so registrations cover them: %s of Control Tower time saved against enrolling them one by one.",
			words.Count(m.Moved, "account"), words.Count(m.NewOUs, "new OU"), plans.Days(m.Saves)))
	}
	if m := est.Moves; m.Forbidden > 0 {
		e.TradeOffs = append(e.TradeOffs, fmt.Sprintf("noMoveOUs keeps %s where they are (enrolled one by one, or left out without room): %s more Control Tower time than allowing the moves.",
			words.Count(m.Forbidden, "account"), plans.Days(m.Costs)))
	}
	for _, w := range est.WhatIf {
		line := "Raising " + r(w.Change)
		if strings.HasPrefix(w.Change, "noMoveOUs") {
			line = "With " + r(w.Change)
		}
		if w.Note != "" {
			line += " (" + r(w.Note) + ")"
		}
		e.TradeOffs = append(e.TradeOffs, line+" would save "+plans.Days(w.Saves)+" of Control Tower time.")
	}
}

// humanRange prints a lower and an upper bound: "2 hours – 1 day 3 hours".
func humanRange(r plans.Range) string {
	lo, hi := human(r.LowerDuration()), human(r.UpperDuration())
	if lo == hi {
		return hi
	}
	return lo + " – " + hi
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
		parts = append(parts, words.Count(int(days), "day"))
	}
	if hours > 0 {
		parts = append(parts, words.Count(int(hours), "hour"))
	}
	if mins > 0 && days == 0 {
		parts = append(parts, words.Count(int(mins), "minute"))
	}
	if len(parts) == 0 {
		return words.Count(int(days), "day")
	}
	return strings.Join(parts, " ")
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
	waiting := len(p.Blocked()) - blocked
	rows := []kv{
		{"Phases", strconv.Itoa(len(p.Phases))},
		{"Steps", fmt.Sprintf("%d (%d destructive, %d manual); %d can run, %d blocked by a finding, %d waiting for a blocked step", steps, destructive, manual, steps-blocked-waiting, blocked, waiting)},
		{"OUs", fmt.Sprintf("%d to register, %d not registered by this plan", register, skipped)},
		{"Accounts", strconv.Itoa(len(p.Accounts))},
	}
	labels := []struct{ how, label string }{
		{plans.HowOURegistration, "Enrolled by registering their OU"},
		{plans.HowEnroll, "Enrolled one by one"},
		{plans.HowEnrolled, "Already enrolled"},
		{plans.HowExcluded, "Excluded"},
		{plans.HowLeftOut, "Left out (Control Tower cannot govern them where they are)"},
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

func kmsKeyDeletion(days int) string {
	if days == 0 {
		return "no (the key is kept)"
	}
	return fmt.Sprintf("after %d days", days)
}
