package plans

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"

	"github.com/lz2ct/lz2ct/checks"
	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/settings"
)

// Names the plan relies on (aws-facts.md, "ALZ artefacts"; AWS Control Tower user guide).
const (
	// EnableConfigStackSet is ALZ's StackSet that deploys the Config recorder and delivery channel.
	EnableConfigStackSet = "AWS-Landing-Zone-Baseline-EnableConfig"
	// ExecutionRole is the role Control Tower needs in every account it enrolls
	// (AWS Control Tower user guide, enrollment-prerequisites).
	ExecutionRole = "AWSControlTowerExecution"
	// LandingZoneVersion is the landing zone version the plan deploys, and BaselineVersion the
	// AWSControlTowerBaseline version that goes with it (LZ 3.2–3.3 -> 4.0, aws-facts.md).
	LandingZoneVersion = "3.3"
	BaselineVersion    = "4.0"
	// MaxOUDepth is how deep Control Tower registers nested OUs (AWS Control Tower user guide, nested-ous).
	MaxOUDepth = 5
	// AccountFactory is the Service Catalog product that enrolls existing accounts.
	AccountFactory = "AWS Control Tower Account Factory"
	// DefaultSecurityOU and DefaultSandboxOU are the OU names Control Tower creates by default.
	DefaultSecurityOU = "Security"
	DefaultSandboxOU  = "Sandbox"
)

// Build turns a snapshot, the settings and the pre-check report into a plan. Settings are resolved
// against the snapshot first (Resolve only fills unset fields, so resolved settings pass through).
// Build never fails because of findings: blockers are shown on the phase and steps they stop, so
// the plan can still be reviewed. It fails only on input it cannot plan from (no snapshot, no root).
func Build(snap *inventory.Snapshot, s settings.Settings, report checks.Report) (*Plan, error) {
	if snap == nil {
		return nil, fmt.Errorf("plan: no snapshot given")
	}
	if len(snap.Roots) == 0 {
		return nil, fmt.Errorf("plan: the snapshot has no organization root; re-run lz2ct discover")
	}
	b := newBuilder(snap, s.Resolve(snap), report)
	b.classifyOUs()
	b.classifyAccounts()
	b.markRetained()
	b.safeguard()
	b.deploy()
	b.waves()
	b.enrollmentQueue()
	b.shared()
	b.decommission()
	b.attachBlockers()
	return b.finish(), nil
}

type builder struct {
	snap   *inventory.Snapshot
	ix     *inventory.Index
	s      settings.Settings
	report checks.Report
	mgmt   string
	part   string // partition for ARNs
	home   string
	alzReg string // ALZ home region (where its StackSets, portfolios and pipeline live)

	phases [7][]Step
	ids    map[string]int // step ID -> phase index

	ous      []OUEntry          // every OU, plus OUs the plan creates
	ouByID   map[string]int     // OU ID -> index in ous
	splits   map[string][]split // OU ID -> child OUs created to split it
	excess   map[string][]string
	accounts map[string]*AccountDisposition
	// enrollInto maps accounts enrolled one by one to the OU they are enrolled into (OU ID, or
	// "new:<parent>/<name>" / "ct:<name>" for OUs that do not exist yet).
	enrollInto map[string]string

	alzPolicies []string        // IDs of ALZ's SCPs, sorted
	detached    map[string]bool // "policy|target" already scheduled for detaching
	configSteps map[string][]string
	roleSteps   map[string]string
	lastOUReg   string
	regs        []string // OU registration step IDs in order
	ecInstances map[string][]string
	ecDeleted   map[string]bool // "account|region" EnableConfig instances deleted by a Config wave
	retain      map[string]bool // accounts the migration leaves alone: their StackSet stacks are retained
	deployStep  string
	blockedAcct map[string]string // account ID -> unfixed blocker summary
	waveCount   int
}

type split struct {
	name     string
	accounts []string
}

func newBuilder(snap *inventory.Snapshot, s settings.Settings, report checks.Report) *builder {
	b := &builder{
		snap: snap, ix: inventory.NewIndex(snap), s: s, report: report,
		mgmt: snap.Organization.ManagementAccountID, part: snap.Partition, home: s.HomeRegion,
		ids: map[string]int{}, ouByID: map[string]int{}, splits: map[string][]split{},
		excess: map[string][]string{}, accounts: map[string]*AccountDisposition{},
		enrollInto: map[string]string{}, detached: map[string]bool{},
		configSteps: map[string][]string{}, roleSteps: map[string]string{}, blockedAcct: map[string]string{},
		ecDeleted: map[string]bool{}, retain: map[string]bool{},
	}
	if b.part == "" {
		b.part = "aws"
	}
	b.alzReg = b.home
	if snap.ALZ != nil && snap.ALZ.HomeRegion != "" {
		b.alzReg = snap.ALZ.HomeRegion
	}
	for _, p := range snap.Policies {
		if checks.IsALZPolicy(&p) {
			b.alzPolicies = append(b.alzPolicies, p.ID)
		}
	}
	sort.Strings(b.alzPolicies)
	for _, f := range report.Unfixed() {
		if f.Phase != checks.PhaseRegistration && f.Phase != checks.PhaseEnrollment {
			continue
		}
		for _, sub := range f.Subjects {
			if sub.Kind == checks.KindAccount && b.blockedAcct[sub.ID] == "" {
				b.blockedAcct[sub.ID] = f.Check + ": " + f.Title
			}
		}
	}
	return b
}

// add appends a step to a phase; a step ID already planned is not added twice.
func (b *builder) add(phase int, st Step) string {
	if _, dup := b.ids[st.ID]; dup {
		return st.ID
	}
	b.ids[st.ID] = phase
	b.phases[phase] = append(b.phases[phase], st)
	return st.ID
}

func (b *builder) has(id string) bool { _, ok := b.ids[id]; return ok }

// token derives an idempotency token (CloudFormation OperationId, Service Catalog ProvisionToken)
// from a step ID, so a retried or resumed step reuses it instead of starting a second operation.
func token(stepID string) string {
	sum := sha256.Sum256([]byte(stepID))
	return "lz2ct-" + hex.EncodeToString(sum[:12])
}

func (b *builder) securityOUName() string {
	if lz := b.snap.ControlTower.LandingZone; lz != nil && lz.SecurityOUName != "" {
		return lz.SecurityOUName
	}
	return DefaultSecurityOU
}

func (b *builder) sandboxOUName() string {
	if lz := b.snap.ControlTower.LandingZone; lz != nil && lz.SandboxOUName != "" {
		return lz.SandboxOUName
	}
	return DefaultSandboxOU
}

func (b *builder) coreOU() string {
	if b.snap.ALZ == nil {
		return ""
	}
	return b.snap.ALZ.CoreOUID
}

// classifyOUs decides for every OU whether it is registered (and in which order) or skipped and why.
func (b *builder) classifyOUs() {
	ous := append([]inventory.OU(nil), b.snap.OUs...)
	// Parent-first: by depth, then by path, then ID. Every OU's parent has a smaller depth.
	sort.Slice(ous, func(i, j int) bool {
		di, dj := b.ix.Depth(ous[i].ID), b.ix.Depth(ous[j].ID)
		if di != dj {
			return di < dj
		}
		pi, pj := b.ix.Path(ous[i].ID), b.ix.Path(ous[j].ID)
		if pi != pj {
			return pi < pj
		}
		return ous[i].ID < ous[j].ID
	})
	scheduled := map[string]bool{}
	limit := b.s.OUAccountLimit
	for _, ou := range ous {
		e := OUEntry{OUID: ou.ID, Path: b.ix.Path(ou.ID), ParentID: ou.ParentID, Depth: b.ix.Depth(ou.ID),
			Accounts: len(b.ix.ChildAccounts(ou.ID))}
		parentOK := b.ix.IsRoot(ou.ParentID) || b.ix.IsRegistered(ou.ParentID) || scheduled[ou.ParentID]
		if ex, by := b.s.ExcludedOU(b.ix, ou.ID); ex {
			e.Skipped, e.Reason = true, fmt.Sprintf("excluded by the settings (exclude.ous: %s)", by)
		} else if b.ix.IsRoot(ou.ParentID) && strings.EqualFold(ou.Name, b.securityOUName()) {
			e.Skipped, e.Reason = true, "the Security OU Control Tower creates and manages; nothing is registered in or under it"
		} else if b.ix.IsRegistered(ou.ID) {
			e.Skipped, e.Reason = true, "already registered with Control Tower"
		} else if ou.ID == b.coreOU() {
			e.Skipped, e.Reason = true, "ALZ's core OU: its Security and Log Archive accounts are replaced by Control Tower's, and the OU is deleted in decommission"
		} else if e.Depth > MaxOUDepth {
			e.Skipped, e.Reason = true, fmt.Sprintf("%d levels deep; Control Tower registers OUs at most %d levels deep", e.Depth, MaxOUDepth)
			e.Remedy = "its accounts are enrolled one by one into the nearest ancestor OU that is registered (Account Factory moves them)"
		} else if !parentOK {
			e.Skipped, e.Reason = true, fmt.Sprintf("its parent %s is not registered (Control Tower registers parents first)", b.ix.Path(ou.ParentID))
		}
		if !e.Skipped {
			scheduled[ou.ID] = true
			e.Enrolls = e.Accounts
			if e.Accounts > limit {
				accts := b.ix.ChildAccounts(ou.ID)
				if e.Depth < MaxOUDepth {
					parts := (e.Accounts + limit - 1) / limit
					for k := 2; k <= parts; k++ {
						end := min(k*limit, len(accts))
						name := fmt.Sprintf("%s-%d", ou.Name, k)
						for b.ix.OUByName(ou.ID, name) != nil { // never collide with an existing child
							name += "-split"
						}
						b.splits[ou.ID] = append(b.splits[ou.ID], split{name: name, accounts: accts[(k-1)*limit : end]})
					}
					e.Remedy = fmt.Sprintf("over the limit of %d accounts per registration (ouAccountLimit): split into %d child OUs (%s-2 ...), then registered parent-first", limit, parts-1, ou.Name)
				} else {
					b.excess[ou.ID] = accts[limit:]
					e.Remedy = fmt.Sprintf("over the limit of %d accounts per registration (ouAccountLimit) and too deep to split: %d accounts move to the parent before registration and are enrolled back one by one", limit, len(accts)-limit)
				}
				e.Enrolls = limit
			}
		}
		b.ouByID[ou.ID] = len(b.ous)
		b.ous = append(b.ous, e)
	}
	// Child OUs created by a split are registered right after the OUs of their depth.
	for id, parts := range b.splits {
		parent := b.ous[b.ouByID[id]]
		for _, p := range parts {
			b.ous = append(b.ous, OUEntry{Path: parent.Path + "/" + p.name, ParentID: id, Depth: parent.Depth + 1,
				Accounts: 0, Enrolls: len(p.accounts), Created: true,
				Reason: fmt.Sprintf("created to split %s under the account limit", parent.Path)})
		}
	}
	idx := make([]int, len(b.ous))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(i, j int) bool {
		a, c := b.ous[idx[i]], b.ous[idx[j]]
		if a.Depth != c.Depth {
			return a.Depth < c.Depth
		}
		if a.Path != c.Path {
			return a.Path < c.Path
		}
		return a.OUID < c.OUID
	})
	sorted := make([]OUEntry, len(b.ous))
	order := 0
	for i, k := range idx {
		sorted[i] = b.ous[k]
		if !sorted[i].Skipped {
			order++
			sorted[i].Order = order
		}
		if sorted[i].OUID != "" {
			b.ouByID[sorted[i].OUID] = i
		}
	}
	b.ous = sorted
	b.waveCount = order
}

// ouEntry returns the entry of an existing OU, or nil.
func (b *builder) ouEntry(id string) *OUEntry {
	if i, ok := b.ouByID[id]; ok {
		return &b.ous[i]
	}
	return nil
}

func (b *builder) scheduled(id string) bool {
	e := b.ouEntry(id)
	return e != nil && e.Order > 0
}

// registerStepID names the registration of an existing OU or of a child OU the plan creates.
func registerStepID(ouID string) string { return "ou.register/" + ouID }

func childRef(parent, name string) string { return parent + "/" + name }

// classifyAccounts gives every account exactly one disposition.
func (b *builder) classifyAccounts() {
	alz := b.snap.ALZ
	if alz == nil {
		alz = &inventory.ALZ{}
	}
	lz := b.snap.ControlTower.LandingZone
	splitOf := map[string]string{} // account -> new child ref
	for id, parts := range b.splits {
		for _, p := range parts {
			for _, a := range p.accounts {
				splitOf[a] = childRef(id, p.name)
			}
		}
	}
	excessOf := map[string]string{}
	for id, accts := range b.excess {
		for _, a := range accts {
			excessOf[a] = id
		}
	}
	for i := range b.snap.Accounts {
		a := &b.snap.Accounts[i]
		d := &AccountDisposition{AccountID: a.ID, Name: a.Name}
		b.accounts[a.ID] = d
		parent := a.ParentID
		ouExcluded, exBy := false, ""
		if b.ix.OU(parent) != nil {
			ouExcluded, exBy = b.s.ExcludedOU(b.ix, parent)
		}
		switch {
		case a.ID == b.mgmt:
			d.How, d.Reason = HowManagement, "the management account: Control Tower runs in it and never enrolls it"
		case b.ix.IsEnrolled(a.ID):
			d.How, d.Reason = HowEnrolled, "Control Tower already governs it"
		case lz != nil && (a.ID == lz.LogArchiveAccountID || a.ID == lz.AuditAccountID):
			d.How, d.Reason = HowEnrolled, "one of Control Tower's own shared accounts"
		case a.Status != inventory.AccountActive:
			d.How, d.Reason = HowBlocked, fmt.Sprintf("status %s: Control Tower cannot enroll a suspended or closing account", a.Status)
		case b.s.ExcludedAccount(a.ID):
			d.How, d.Reason = HowExcluded, "excluded by the settings (exclude.accounts)"
		case ouExcluded:
			d.How, d.Reason = HowExcluded, fmt.Sprintf("in an excluded OU (exclude.ous: %s)", exBy)
		case a.ID == alz.SecurityAccountID:
			d.How, d.Reason = HowExcluded, "ALZ's Security account: Control Tower creates a new Audit account; move its tooling there (phase 5)"
		case a.ID == alz.LogArchiveAccountID:
			d.How, d.Reason = HowExcluded, "ALZ's Log Archive account: Control Tower creates a new Log Archive account; copy the logs you keep (phase 5)"
		case a.ID == alz.SharedServicesAccountID && !b.s.SharedServicesEnrolled():
			d.How, d.Reason = HowExcluded, "ALZ's Shared Services account, kept as it is (enrollSharedServices: false)"
		case b.blockedAcct[a.ID] != "":
			d.How, d.Reason = HowBlocked, "unresolved pre-check blocker "+b.blockedAcct[a.ID]
		case a.ID == alz.SharedServicesAccountID && !b.scheduled(parent):
			d.How, d.By = HowEnroll, "enroll/"+a.ID
			if sb := b.ix.OUByName(b.ix.RootID(), b.sandboxOUName()); sb != nil && (b.scheduled(sb.ID) || b.ix.IsRegistered(sb.ID)) {
				d.Reason = "ALZ's Shared Services account, enrolled through Account Factory into the " + sb.Name + " OU (phase 5); move it later to any registered OU"
				b.enrollInto[a.ID] = sb.ID
			} else {
				d.Reason = "ALZ's Shared Services account, enrolled through Account Factory into the " + b.sandboxOUName() + " OU Control Tower creates (phase 5); move it later to any registered OU"
				b.enrollInto[a.ID] = "ct:" + b.sandboxOUName()
			}
		case b.ix.IsRoot(parent):
			d.How, d.Reason = HowBlocked, "sits at the organization root; Control Tower enrolls accounts into registered OUs: move it into an OU and re-plan, or exclude it"
		case splitOf[a.ID] != "":
			d.How, d.By = HowOURegistration, registerStepID(splitOf[a.ID])
			d.Reason = "moved into a child OU created to keep " + b.ix.Path(parent) + " under the account limit"
		case excessOf[a.ID] != "":
			d.How, d.By = HowEnroll, "enroll/"+a.ID
			d.Reason = "over " + b.ix.Path(parent) + "'s account limit: moved out before its registration and enrolled back one by one"
			b.enrollInto[a.ID] = parent
		case b.scheduled(parent):
			d.How, d.By = HowOURegistration, registerStepID(parent)
		case b.ix.IsRegistered(parent):
			d.How, d.By = HowEnroll, "enroll/"+a.ID
			d.Reason = "its OU is already registered"
			b.enrollInto[a.ID] = parent
		default:
			e := b.ouEntry(parent)
			if e != nil && e.Depth > MaxOUDepth {
				if anc := b.registrableAncestor(parent); anc != "" {
					d.How, d.By = HowEnroll, "enroll/"+a.ID
					d.Reason = fmt.Sprintf("its OU is %d levels deep: enrolled into %s, the nearest registered ancestor", e.Depth, b.ix.Path(anc))
					b.enrollInto[a.ID] = anc
					break
				}
			}
			reason := "its OU is not registered"
			if e != nil && e.Reason != "" {
				reason = fmt.Sprintf("its OU %s is not registered: %s", e.Path, e.Reason)
			}
			d.How, d.Reason = HowBlocked, reason+"; move it into an OU that is registered and re-plan"
		}
	}
}

// markRetained records the accounts the migration leaves alone (excluded by the settings or
// blocked): decommission detaches their ALZ StackSet instances but keeps the stacks.
func (b *builder) markRetained() {
	alz := b.snap.ALZ
	for id, d := range b.accounts {
		replaced := alz != nil && (id == alz.SecurityAccountID || id == alz.LogArchiveAccountID)
		if d.How == HowBlocked || (d.How == HowExcluded && !replaced) {
			b.retain[id] = true
		}
	}
}

// registrableAncestor finds the nearest ancestor of an OU that is or will be registered.
func (b *builder) registrableAncestor(ouID string) string {
	for _, id := range b.ix.Ancestors(ouID) {
		if b.scheduled(id) || b.ix.IsRegistered(id) {
			if b.ix.Depth(id) <= MaxOUDepth {
				return id
			}
		}
	}
	return ""
}

// ---- blockers, estimate ----

var phaseOfCheck = map[checks.Phase]int{
	checks.PhaseDeploy: 1, checks.PhaseSCP: 2, checks.PhaseConfig: 3, checks.PhaseRegistration: 4,
	checks.PhaseEnrollment: 4, checks.PhaseSharedAccounts: 5, checks.PhaseDecommission: 6,
}

func (b *builder) attachBlockers() {
	for _, f := range b.report.Unfixed() {
		ph, ok := phaseOfCheck[f.Phase]
		if !ok {
			ph = 1
		}
		subj := map[string]bool{}
		for _, s := range f.Subjects {
			subj[s.ID] = true
		}
		for i := range b.phases[ph] {
			st := &b.phases[ph][i]
			if st.Kind == KindExport || st.Kind == KindSCPDetach || st.Kind == KindVerify {
				continue // exports, detaches and checkpoints are not what a finding makes fail
			}
			t := st.Target
			if subj[t.AccountID] || subj[t.OUID] || (t.Resource != "" && subj[t.Resource]) || (t.Region != "" && subj[t.Region] && t.AccountID == "") {
				msg := f.Check + ": " + f.Title
				if st.Blocked == "" {
					st.Blocked = msg
				} else if !strings.Contains(st.Blocked, msg) {
					st.Blocked += "; " + msg
				}
			}
		}
	}
}

// Phase names and summaries.
var phaseInfo = [7][2]string{
	{"Safeguard", "Export what later steps change or delete (SCPs, StackSet templates, SSM parameters, portfolios, the ALZ manifest) into the state folder."},
	{"Deploy Control Tower", "Create the landing zone in the home region, after the Log Archive and Audit accounts."},
	{"Service control policies", "Detach ALZ's SCPs from each wave's OUs and accounts just before its Config removal; merge SCPs where Control Tower needs a slot. Runs interleaved with phases 3 and 4, wave by wave."},
	{"AWS Config", "Remove ALZ's Config recorder and delivery channel from each wave's accounts just before the wave, so the unrecorded window stays short."},
	{"Register OUs, enroll accounts", "Register OUs parent-first, one operation at a time; then enroll the remaining accounts one by one (up to accountConcurrency at once), each with its execution role and Config removal prepared ahead."},
	{"Shared accounts", "Move security tooling to the new Audit account, logs and log consumers to the new Log Archive account, and enroll the Shared Services account."},
	{"Decommission ALZ", "Remove ALZ in the reference's order, each step guarded and exported first."},
}

func (b *builder) finish() *Plan {
	p := &Plan{
		Version:      Version,
		Organization: b.snap.Organization.ID,
		CreatedFrom:  fmt.Sprintf("%s snapshot captured %s", orUnknown(b.snap.Source), b.snap.CapturedAt.UTC().Format("2006-01-02T15:04:05Z")),
		Settings:     b.s,
		Findings:     b.report.Findings,
		OUOrder:      b.ous,
	}
	if p.Findings == nil {
		p.Findings = []checks.Finding{}
	}
	if p.OUOrder == nil {
		p.OUOrder = []OUEntry{}
	}
	// The checks mark what the plan fixes itself (ALZ's SCPs and Config, OUs too deep or over the
	// limit, trusted access): what remains blocks a phase.
	unfixed := b.report.Unfixed()
	for i, id := range PhaseIDs {
		ph := Phase{Number: i, ID: id, Name: phaseInfo[i][0], Summary: phaseInfo[i][1], Steps: b.phases[i]}
		if ph.Steps == nil {
			ph.Steps = []Step{}
		}
		for _, f := range unfixed {
			if n, ok := phaseOfCheck[f.Phase]; ok && n == i {
				ph.Blockers = append(ph.Blockers, f)
			}
		}
		p.Phases = append(p.Phases, ph)
	}
	ids := make([]string, 0, len(b.accounts))
	for id := range b.accounts {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		p.Accounts = append(p.Accounts, *b.accounts[id])
	}
	if p.Accounts == nil {
		p.Accounts = []AccountDisposition{}
	}
	p.Estimate = estimate(p, b.s)
	return p
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

func uniqueSorted(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range in {
		if v != "" && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	sort.Strings(out)
	return out
}
