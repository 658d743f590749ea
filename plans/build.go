package plans

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/lz2ct/lz2ct/checks"
	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/scope"
	"github.com/lz2ct/lz2ct/settings"
	"github.com/lz2ct/lz2ct/words"
)

// Names the plan relies on (AWS Landing Zone implementation guide; AWS Control Tower user guide).
const (
	// EnableConfigStackSet is ALZ's StackSet that deploys the Config recorder and delivery channel.
	EnableConfigStackSet = "AWS-Landing-Zone-Baseline-EnableConfig"
	// ExecutionRole is the role Control Tower needs in every account it enrolls
	// (https://docs.aws.amazon.com/controltower/latest/userguide/enrollment-prerequisites.html).
	ExecutionRole = "AWSControlTowerExecution"
	// LandingZoneVersion is the landing zone version the plan deploys.
	LandingZoneVersion = "3.3"
	// MaxOUDepth is how deep Control Tower registers nested OUs (scope.MaxOUDepth).
	MaxOUDepth = scope.MaxOUDepth
	// AccountFactory is the Service Catalog product that enrolls existing accounts.
	AccountFactory = inventory.AccountFactoryProduct
	// ALZ's names for the Config recorder and delivery channel its EnableConfig StackSet deploys.
	alzRecorderName = "AWS-Landing-Zone-BaselineConfigRecorder"
	alzChannelName  = "Landing-Zone-Delivery-Channel"
)

// Build turns a snapshot, the settings and the pre-check report into a plan. Settings are resolved
// against the snapshot first (Resolve only fills unset fields, so resolved settings pass through).
// Build never fails because of findings: an unfixed blocker marks the steps it stops (and only
// those: a step waiting for a blocked step cannot run either, but nothing else is held up), so the
// plan can still be reviewed. It fails only on input it cannot plan from (no snapshot, no root).
func Build(snap *inventory.Snapshot, s settings.Settings, report checks.Report) (*Plan, error) {
	if snap == nil {
		return nil, fmt.Errorf("plan: no snapshot given")
	}
	if len(snap.Roots) == 0 {
		return nil, fmt.Errorf("plan: the snapshot has no organization root; re-run lz2ct discover")
	}
	return BuildFrom(scope.New(snap, s), report)
}

// BuildFrom is Build from a scope already computed — the one the pre-checks ran on
// (checks.PrepareWith), so that a 10,000-account plan computes it once, not twice.
func BuildFrom(sc *scope.Scope, report checks.Report) (*Plan, error) {
	if len(sc.Snapshot.Roots) == 0 {
		return nil, fmt.Errorf("plan: the snapshot has no organization root; re-run lz2ct discover")
	}
	b := newBuilder(sc, report)
	b.whatIfs = b.startWhatIf() // on the second core, as is part of decommission below
	b.applyFindings()
	b.markDead()
	b.markRetained()
	prepared := b.prepareDecommission() // on the second core while the phases before it are built
	b.safeguard()
	b.deploy()
	b.waves()
	b.enrollmentQueue()
	b.shared()
	b.pre = prepared()
	b.decommission()
	return b.finish(), nil
}

type builder struct {
	sc     *scope.Scope
	snap   *inventory.Snapshot // the scope's canonical copy
	ix     *inventory.Index
	s      settings.Settings
	report checks.Report
	mgmt   string
	part   string // partition for ARNs
	home   string
	alzReg string // ALZ home region (where its StackSets, portfolios and pipeline live)

	phases [7][]Step
	ids    map[string]int // step ID -> phase index

	accounts map[string]*AccountDisposition
	// blockedAcct: covered accounts an unfixed finding names; blockedOU: OUs (keys) whose
	// registration a finding or the scope stops; orgWide: findings that stop the landing zone.
	blockedAcct map[string]string
	blockedOU   map[string][]string
	orgWide     []string
	// dead: OU keys whose registration cannot run, itself blocked or waiting for a blocked parent.
	dead map[string]bool
	// blockedIn lists, per OU key, the blocked accounts its registration would enroll, by the
	// finding that blocks them.
	blockedIn map[string]map[string][]string

	alzPolicies []string        // IDs of ALZ's SCPs, sorted
	detached    map[string]bool // "policy|target" already scheduled for detaching
	configSteps map[string][]string
	roleSteps   map[string]string
	regs        []string          // registrations that can run, in registration order (the prep gate)
	regOf       map[string]string // OU key -> its registration step
	ecInstances map[string][]string
	ecDeleted   map[string][]string // account -> regions of its EnableConfig instances a Config wave deletes
	retain      map[string]bool     // accounts the migration leaves alone: their StackSet stacks are retained
	deployStep  string
	freezeStep  string
	execSet     *execStackSet
	kept        []Kept
	waveCount   int
	regSize     map[string]int      // registration step -> accounts it enrolls
	splitDeps   map[string][]string // created OU key -> its creation, SCP attachments and moves in
	moves       map[string]string   // account -> the step that moves it before its registration
	waveInfos   []waveInfo
	pre         decommissionPrep                // what prepareDecommission made, once decommission starts
	whatIfs     func() ([]WhatIf, MoveTradeOff) // startWhatIf's answer; nil: work it out in place
}

func newBuilder(sc *scope.Scope, report checks.Report) *builder {
	snap := sc.Snapshot
	b := &builder{
		sc: sc, snap: snap, ix: sc.Index, s: sc.Settings, report: report,
		mgmt: snap.Organization.ManagementAccountID, part: snap.Partition, home: sc.Settings.HomeRegion,
		ids: map[string]int{}, accounts: map[string]*AccountDisposition{},
		blockedAcct: map[string]string{}, blockedOU: map[string][]string{}, dead: map[string]bool{},
		detached: map[string]bool{}, configSteps: map[string][]string{}, roleSteps: map[string]string{},
		regOf: map[string]string{}, ecDeleted: make(map[string][]string, len(sc.Accounts)), retain: map[string]bool{},
		regSize: map[string]int{}, splitDeps: map[string][]string{}, moves: map[string]string{},
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
	for _, a := range sc.Accounts {
		d := &AccountDisposition{AccountID: a.ID, Name: a.Name, How: a.How, Reason: a.Reason}
		switch {
		case a.How == HowOURegistration:
			d.By = registerStepID(a.Registration)
		case a.How == HowEnroll:
			d.By = enrollStepID(a.ID)
		case a.How == HowBlocked:
			d.By = registerStepID(a.ParentID) // its OU's registration, which it blocks
		case a.How == HowSharedAccount:
			// The set-up that brings it in: landing-zone.create, or the verification of a
			// console set-up.
			d.By = KindLandingZoneCreate
			if sc.Settings.CTDeploy == settings.CTDeployManual {
				d.By = KindLandingZoneVerify
			}
		}
		b.accounts[a.ID] = d
	}
	return b
}

// applyFindings marks what the unfixed blockers stop: a finding of the deploy phase, or one about
// the organization, the landing zone or a service, stops the landing zone itself (and so
// everything that needs Control Tower); any other stops the accounts it names (their registration
// or enrollment), else the OUs to register it names. lz2ct check exits 1 exactly when there is
// such a finding, and then some step of the plan is blocked.
func (b *builder) applyFindings() {
	for _, f := range b.report.Unfixed() {
		msg := f.Check + ": " + f.Title
		if f.Phase == checks.PhaseDeploy {
			b.orgWide = appendOnce(b.orgWide, msg)
			continue
		}
		named, hit := false, false
		for _, sub := range f.Subjects {
			if sub.Kind != checks.KindAccount {
				continue
			}
			named = true
			if a := b.sc.Account(sub.ID); a != nil && a.Covered() {
				hit = true
				if b.blockedAcct[sub.ID] == "" {
					b.blockedAcct[sub.ID] = msg
				}
			}
		}
		if !hit {
			for _, sub := range f.Subjects {
				if sub.Kind != checks.KindOU {
					continue
				}
				named = true
				if o := b.sc.OU(sub.ID); o != nil && o.Order > 0 {
					b.blockedOU[sub.ID] = appendOnce(b.blockedOU[sub.ID], msg)
				}
			}
		}
		if !named {
			b.orgWide = appendOnce(b.orgWide, msg)
		}
	}
	// The scope's own reason: an account that cannot move without leaving SCPs behind is not
	// moved, and its enrollment waits (check scp.moved-accounts says the same).
	for _, a := range b.sc.Accounts {
		if a.SCPsBlock != "" && a.Covered() && b.blockedAcct[a.ID] == "" {
			b.blockedAcct[a.ID] = "scp.moved-accounts: " + a.SCPsBlock
		}
	}
	b.blockedIn = map[string]map[string][]string{}
	for _, a := range b.sc.Accounts { // by ID: the lists come out sorted
		if msg := b.blockedAcct[a.ID]; msg != "" {
			d := b.accounts[a.ID]
			d.How, d.Reason = HowBlocked, "unresolved pre-check blocker "+msg
			if a.Registration != "" {
				if b.blockedIn[a.Registration] == nil {
					b.blockedIn[a.Registration] = map[string][]string{}
				}
				b.blockedIn[a.Registration][msg] = append(b.blockedIn[a.Registration][msg], a.ID)
			}
		}
	}
	// The scope's own reasons: accounts in an OU to register that the registration cannot enroll.
	for _, o := range b.sc.Registered() {
		if len(o.Blocks) == 0 {
			continue
		}
		var parts []string
		for _, bl := range o.Blocks {
			parts = append(parts, bl.AccountID+" ("+bl.Reason+")")
		}
		check := "ou.excluded-accounts"
		if !o.Blocks[0].Excluded {
			check = "account.suspended"
		}
		if slices.ContainsFunc(b.blockedOU[o.Key], func(m string) bool { return strings.HasPrefix(m, check+":") }) {
			continue // the report already says it
		}
		b.blockedOU[o.Key] = appendOnce(b.blockedOU[o.Key], check+": registering "+o.Path+" would enroll accounts it cannot: "+listSome(parts, 5))
	}
}

func appendOnce(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// listSome renders up to max items and says how many more there are.
func listSome(items []string, max int) string {
	if len(items) <= max {
		return strings.Join(items, ", ")
	}
	return strings.Join(items[:max], ", ") + fmt.Sprintf(", … (%d more)", len(items)-max)
}

// regBlocked is why an OU's registration itself is blocked, "" when it is not.
func (b *builder) regBlocked(key string) string {
	var reasons []string
	reasons = append(reasons, b.blockedOU[key]...)
	// Grouped by finding, a few accounts each: the plan's accounts[] names every one.
	byMsg := b.blockedIn[key]
	msgs := make([]string, 0, len(byMsg))
	for m := range byMsg {
		msgs = append(msgs, m)
	}
	sort.Strings(msgs)
	for _, m := range msgs {
		accts := byMsg[m]
		reasons = append(reasons, fmt.Sprintf("%s its registration enrolls blocked by %s: %s", words.Count(len(accts), "account"), m, listSome(accts, 3)))
	}
	return strings.Join(reasons, "; ")
}

// markDead finds the registrations that cannot run: blocked, or below one that is. Their waves get
// no preparation (no SCP detach, no Config removal): nothing is taken from accounts that Control
// Tower will not take over.
func (b *builder) markDead() {
	for _, o := range b.sc.Registered() { // parent first
		// A created OU takes accounts whose moves wait for the OU it relieves.
		parentDead := b.dead[o.ParentID] || (o.Created && b.dead[o.Of])
		if b.regBlocked(o.Key) != "" || parentDead {
			b.dead[o.Key] = true
		}
	}
}

// enrollDead reports whether an account's own enrollment cannot run.
func (b *builder) enrollDead(a *scope.Account) bool {
	return b.blockedAcct[a.ID] != "" || b.dead[a.Into]
}

// markRetained records the accounts the migration leaves alone (excluded, left out, blocked):
// decommission detaches their ALZ StackSet instances but keeps the stacks.
func (b *builder) markRetained() {
	alz := b.snap.ALZ
	for id, d := range b.accounts {
		replaced := alz != nil && (id == alz.SecurityAccountID || id == alz.LogArchiveAccountID)
		switch {
		// Accounts brought in as Control Tower's shared accounts stay out of decommission: what
		// ALZ's StackSets put there stays (kept[] says so).
		case d.How == HowBlocked, d.How == HowLeftOut, d.How == HowExcluded && !replaced, d.How == HowSharedAccount:
			b.retain[id] = true
		case d.How == HowOURegistration && b.dead[b.sc.Account(id).Registration]:
			b.retain[id] = true
		}
	}
}

// add appends a step to a phase; a step ID already planned is not added twice.
func (b *builder) add(phase int, st Step) string {
	if _, dup := b.ids[st.ID]; dup {
		return st.ID
	}
	if st.Params == nil || st.Params.Kind() != st.Kind {
		panic(fmt.Sprintf("plans: step %s of kind %s built with params %T", st.ID, st.Kind, st.Params))
	}
	st.DependsOn = uniqueSorted(st.DependsOn)
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

// IdempotencyToken is the token a step passes as its CloudFormation OperationId or Service
// Catalog ProvisionToken.
func IdempotencyToken(stepID string) string { return token(stepID) }

// TokenShell is a bash expression that computes IdempotencyToken of the step ID the shell word
// stepIDWord expands to (SHA-256, first 12 bytes in hex; sha256sum, or shasum on macOS), so a
// runbook can print one command for many steps and stay exact.
func TokenShell(stepIDWord string) string {
	return `"lz2ct-$(printf '%s' ` + stepIDWord + ` | { sha256sum 2>/dev/null || shasum -a 256; } | cut -c1-24)"`
}

func registerStepID(key string) string   { return KindBaselineEnable + "/" + key }
func enrollStepID(account string) string { return KindAccountEnroll + "/" + account }

// ---- blockers, estimate ----

var phaseOfCheck = map[checks.Phase]int{
	checks.PhaseDeploy: 1, checks.PhaseSCP: 2, checks.PhaseConfig: 3, checks.PhaseRegistration: 4,
	checks.PhaseEnrollment: 4, checks.PhaseSharedAccounts: 5, checks.PhaseDecommission: 6,
}

// Phase names and summaries.
var phaseInfo = [7][2]string{
	{"Safeguard", "Export what later steps change or delete (SCPs, StackSet templates, SSM parameters, portfolios, the ALZ manifest) into the state folder, and freeze ALZ: its pipeline can no longer redeploy what the migration removes."},
	{"Deploy Control Tower", "Create the landing zone in the home region, after its IAM roles and the Log Archive and Audit accounts."},
	{"Service control policies", "Detach ALZ's SCPs from each wave's OUs and accounts just before its Config removal. Runs interleaved with phases 3 and 4, wave by wave."},
	{"AWS Config", "Remove ALZ's Config recorder and delivery channel from each wave's accounts just before the wave, so the unrecorded window stays short."},
	{"Register OUs, enroll accounts", "Register OUs parent-first (Control Tower runs one OU operation at a time); then enroll the remaining accounts one by one (up to accountConcurrency at once), each with its execution role and Config removal prepared ahead."},
	{"Shared accounts", "Move security tooling to the new Audit account, logs and log consumers to the new Log Archive account, and enroll the Shared Services account."},
	{"Decommission ALZ", "Remove ALZ in the reference's order, each step guarded and exported first."},
}

func (b *builder) finish() *Plan {
	p := &Plan{
		Version:      Version,
		Organization: b.snap.Organization.ID,
		CreatedFrom:  fmt.Sprintf("%s snapshot captured %s", orUnknown(b.snap.Source), b.snap.CapturedAt.UTC().Format("2006-01-02T15:04:05Z")),
		Settings:     b.s,
		Limits:       Limits{OUAccountLimit: b.sc.Limit, RegionalOUAccountLimit: scope.RegionalOUAccountLimit(len(b.sc.Governed)), Note: b.sc.LimitNote},
		Findings:     b.report.Findings,
		Kept:         b.kept,
	}
	if p.Findings == nil {
		p.Findings = []checks.Finding{}
	}
	if p.Kept == nil {
		p.Kept = []Kept{}
	}
	for _, o := range b.sc.OUs {
		e := OUEntry{OUID: o.ID, Path: o.Path, ParentID: o.ParentID, Depth: o.Depth, Accounts: o.Accounts, Enrolls: o.Enrolls,
			Created: o.Created, Order: o.Order, Skipped: o.Order == 0, Reason: o.Skip, Remedy: o.Remedy}
		if o.Created {
			e.Reason = "created to take accounts " + b.sc.OU(o.Of).Path + " cannot hold within the account limit"
		}
		if o.Order > 0 {
			e.Blocked = b.regBlocked(o.Key)
		}
		p.OUOrder = append(p.OUOrder, e)
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
	p.Accounts = make([]AccountDisposition, 0, len(b.sc.Accounts))
	for _, a := range b.sc.Accounts {
		p.Accounts = append(p.Accounts, *b.accounts[a.ID])
	}
	if p.Accounts == nil {
		p.Accounts = []AccountDisposition{}
	}
	p.ExecutionOrder = p.executionOrder()
	p.Estimate = b.estimate(p)
	return p
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

func uniqueSorted(in []string) []string {
	var out []string
	for _, v := range in {
		if v != "" {
			if out == nil {
				out = make([]string, 0, len(in))
			}
			out = append(out, v)
		}
	}
	if !slices.IsSorted(out) {
		slices.Sort(out)
	}
	return slices.Compact(out)
}
