package plans

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
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

// IsALZPolicy reports whether an SCP is one of ALZ's own: protect-cloudtrail-config (≤ v2.2) or
// aws-landing-zone-{core,non-core}-mandatory-preventive-guardrails (v2.3+). Both deny the Config
// changes the migration makes, so the plan detaches them per wave and deletes them at the end.
func IsALZPolicy(p inventory.Policy) bool {
	n := strings.ToLower(p.Name)
	return n == "protect-cloudtrail-config" ||
		(strings.HasPrefix(n, "aws-landing-zone-") && strings.HasSuffix(n, "mandatory-preventive-guardrails"))
}

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
		if IsALZPolicy(p) {
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

// ---- phase 0: safeguard ----

func (b *builder) exportStepSCP(p *inventory.Policy) string {
	return "safeguard/scp/" + p.ID
}

func (b *builder) safeguard() {
	for i := range b.snap.Policies {
		p := &b.snap.Policies[i]
		if p.AWSManaged {
			continue
		}
		b.add(0, Step{ID: b.exportStepSCP(p), Kind: KindExport,
			Title:    fmt.Sprintf("Export SCP %s (%s) and its targets", p.Name, p.ID),
			Why:      "the migration detaches ALZ's SCPs and may merge others; the export is what a rollback re-attaches",
			Target:   Target{Resource: p.ID},
			CLI:      []string{"aws organizations describe-policy --policy-id " + p.ID, "aws organizations list-targets-for-policy --policy-id " + p.ID},
			Expected: "the policy document and its target list are saved in the state folder"})
	}
	alz := b.snap.ALZ
	if alz == nil {
		return
	}
	for _, ss := range alz.StackSets {
		b.add(0, Step{ID: "safeguard/stackset/" + ss.Name, Kind: KindExport,
			Title:  "Export StackSet " + ss.Name + " (template, parameters, instances)",
			Why:    "StackSet instances are deleted in phases 3 and 6; the template is what recreates them",
			Target: Target{Region: b.alzReg, Resource: ss.Name},
			CLI: []string{"aws cloudformation describe-stack-set --stack-set-name " + ss.Name + " --region " + b.alzReg,
				"aws cloudformation list-stack-instances --stack-set-name " + ss.Name + " --region " + b.alzReg},
			Expected: "template body and instance list saved in the state folder"})
	}
	if len(alz.SSMParameters) > 0 {
		b.add(0, Step{ID: "safeguard/ssm-parameters", Kind: KindExport,
			Title:    fmt.Sprintf("Export %d landing zone SSM parameters", len(alz.SSMParameters)),
			Why:      "decommission deletes them; tools may still read their values",
			Target:   Target{Region: b.alzReg, Resource: "/org/"},
			CLI:      []string{"aws ssm get-parameters-by-path --path /org/ --recursive --with-decryption --region " + b.alzReg},
			Expected: "every parameter name and value saved in the state folder"})
	}
	if len(alz.Portfolios) > 0 {
		b.add(0, Step{ID: "safeguard/portfolios", Kind: KindExport,
			Title:    fmt.Sprintf("Export %d ALZ Service Catalog portfolios (products, principals, constraints)", len(alz.Portfolios)),
			Why:      "decommission empties and deletes them",
			Target:   Target{Region: b.alzReg, Resource: "servicecatalog"},
			CLI:      []string{"aws servicecatalog list-portfolios --region " + b.alzReg},
			Expected: "portfolio definitions saved in the state folder"})
	}
	for _, bk := range alz.Buckets {
		if strings.HasPrefix(bk.Name, "aws-landing-zone-configuration-") {
			b.add(0, Step{ID: "safeguard/manifest", Kind: KindExport,
				Title:    "Export the ALZ manifest and templates from " + bk.Name,
				Why:      "the configuration bucket is deleted in decommission; the manifest documents the old setup",
				Target:   Target{AccountID: bk.AccountID, Region: bk.Region, Resource: bk.Name},
				CLI:      []string{"aws s3 cp s3://" + bk.Name + "/ ./alz-configuration/ --recursive"},
				Expected: "manifest.yaml and the templates saved in the state folder"})
			break
		}
	}
}

// ---- phase 1: deploy Control Tower ----

func (b *builder) deploy() {
	var deps []string
	for _, svc := range []string{"config.amazonaws.com", "cloudtrail.amazonaws.com"} {
		if !containsStr(b.snap.TrustedServices, svc) || b.snap.ControlTower.LandingZone != nil {
			continue
		}
		deps = append(deps, b.add(1, Step{ID: "deploy/trusted-access/" + svc, Kind: KindManual,
			Title:       "Disable trusted access for " + svc,
			Why:         "Control Tower's pre-launch check refuses an organization with trusted access for AWS Config or CloudTrail (getting-started-prereqs)",
			Target:      Target{Resource: svc},
			Destructive: true,
			CLI:         []string{"aws organizations disable-aws-service-access --service-principal " + svc},
			Guard:       "no delegated administrator is registered for " + svc + " and no organization trail/aggregator depends on it",
			Expected:    svc + " no longer listed by aws organizations list-aws-service-access-for-organization",
			Rollback:    "aws organizations enable-aws-service-access --service-principal " + svc}))
	}
	lz := b.snap.ControlTower.LandingZone
	if lz != nil {
		b.deployStep = b.add(1, Step{ID: "deploy/landing-zone", Kind: KindVerifyLandingZone,
			Title:    "Verify the existing landing zone (version " + lz.Version + ", home region " + lz.HomeRegion + ")",
			Why:      "Control Tower is already deployed; the plan builds on it",
			Target:   Target{Region: lz.HomeRegion, Resource: lz.Arn},
			CLI:      []string{"aws controltower get-landing-zone --landing-zone-identifier " + lz.Arn + " --region " + lz.HomeRegion},
			Guard:    "status ACTIVE",
			Expected: "status ACTIVE, drift status IN_SYNC"})
		return
	}
	manifest := "governedRegions " + strings.Join(b.s.GovernedRegions, ",")
	if b.s.CTDeploy == settings.CTDeployManual {
		b.deployStep = b.add(1, Step{ID: "deploy/landing-zone", Kind: KindVerifyLandingZone, Manual: true, DependsOn: deps,
			Title:  "Set up the landing zone in the Control Tower console, in " + b.home,
			Why:    "ctDeploy: manual — you set it up in the console; lz2ct then verifies it",
			Target: Target{Region: b.home},
			Guard:  "console region is " + b.home + " (the IAM Identity Center region when Identity Center is used)",
			CLI: []string{"aws controltower list-landing-zones --region " + b.home,
				"aws controltower get-landing-zone --landing-zone-identifier <arn> --region " + b.home},
			Expected:        fmt.Sprintf("landing zone ACTIVE in %s; %s; Log Archive %s and Audit %s accounts created", b.home, manifest, b.s.LogArchiveEmail, b.s.AuditEmail),
			EstimateSeconds: 60 * 60})
		return
	}
	la := b.add(1, Step{ID: "deploy/account/log-archive", Kind: KindDeployLandingZone, DependsOn: deps,
		Title:    fmt.Sprintf("Create the %s account (%s)", b.s.LogArchiveAccountName, b.s.LogArchiveEmail),
		Why:      "landing zone 3.x needs the Log Archive and Audit accounts to exist before CreateLandingZone",
		Target:   Target{Resource: b.s.LogArchiveEmail},
		CLI:      []string{fmt.Sprintf("aws organizations create-account --email %s --account-name %q", b.s.LogArchiveEmail, b.s.LogArchiveAccountName), "aws organizations describe-create-account-status --create-account-request-id <id>"},
		Guard:    "no account in the organization uses " + b.s.LogArchiveEmail + " (CreateAccount has no idempotency token: the e-mail is the de-duplication key)",
		Expected: "state SUCCEEDED with the new account ID", Rollback: "close the new account (aws organizations close-account)",
		EstimateSeconds: 5 * 60})
	au := b.add(1, Step{ID: "deploy/account/audit", Kind: KindDeployLandingZone, DependsOn: deps,
		Title:    fmt.Sprintf("Create the %s account (%s)", b.s.AuditAccountName, b.s.AuditEmail),
		Why:      "landing zone 3.x needs the Log Archive and Audit accounts to exist before CreateLandingZone",
		Target:   Target{Resource: b.s.AuditEmail},
		CLI:      []string{fmt.Sprintf("aws organizations create-account --email %s --account-name %q", b.s.AuditEmail, b.s.AuditAccountName), "aws organizations describe-create-account-status --create-account-request-id <id>"},
		Guard:    "no account in the organization uses " + b.s.AuditEmail,
		Expected: "state SUCCEEDED with the new account ID", Rollback: "close the new account (aws organizations close-account)",
		EstimateSeconds: 5 * 60})
	b.deployStep = b.add(1, Step{ID: "deploy/landing-zone", Kind: KindDeployLandingZone, DependsOn: []string{la, au},
		Title:  "Deploy the landing zone " + LandingZoneVersion + " in " + b.home,
		Why:    "Control Tower must run before OUs can be registered; home region = the IAM Identity Center region when Identity Center exists",
		Target: Target{Region: b.home},
		CLI: []string{"cat > landing-zone-manifest.json <<'EOF'\n" + b.manifest() + "\nEOF",
			"aws controltower create-landing-zone --landing-zone-version " + LandingZoneVersion + " --manifest file://landing-zone-manifest.json --region " + b.home,
			"aws controltower get-landing-zone-operation --operation-identifier <id> --region " + b.home},
		Guard:           "no landing zone exists yet (aws controltower list-landing-zones is empty); Control Tower's pre-launch checks pass",
		Expected:        fmt.Sprintf("operation SUCCEEDED; landing zone ACTIVE; %s; Security OU %q and Sandbox OU %q", manifest, b.securityOUName(), b.sandboxOUName()),
		Rollback:        "aws controltower delete-landing-zone --landing-zone-identifier <arn> (decommissions Control Tower)",
		EstimateSeconds: 30 * 60})
}

// manifest is the landing zone 3.x manifest (AWS Control Tower user guide, lz-api-launch): governed
// regions, the Security and Sandbox OUs, centralized logging into the new Log Archive account,
// security roles in the new Audit account, IAM Identity Center access management. The two
// account IDs exist only after the deploy/account steps, hence the placeholders.
func (b *builder) manifest() string {
	m := map[string]any{
		"governedRegions": b.s.GovernedRegions,
		"organizationStructure": map[string]any{
			"security": map[string]string{"name": b.securityOUName()},
			"sandbox":  map[string]string{"name": b.sandboxOUName()},
		},
		"centralizedLogging": map[string]any{
			"accountId": "<account ID from deploy/account/log-archive>",
			"configurations": map[string]any{
				"loggingBucket":       map[string]int{"retentionDays": 365},
				"accessLoggingBucket": map[string]int{"retentionDays": 3650},
			},
			"enabled": true,
		},
		"securityRoles":    map[string]string{"accountId": "<account ID from deploy/account/audit>"},
		"accessManagement": map[string]bool{"enabled": true},
	}
	out, _ := json.MarshalIndent(m, "", "  ") // maps marshal with sorted keys: deterministic
	return string(out)
}

// ---- phases 2–4: waves ----

// detachALZ schedules the detaching of ALZ's SCPs from the targets that affect the given accounts
// (the accounts, their OUs and every ancestor up to the root), skipping what an earlier wave detached.
func (b *builder) detachALZ(wave int, targets []string, gate []string) []string {
	var out []string
	for _, t := range targets {
		for _, pid := range b.ix.PoliciesOn(t) {
			p := b.ix.Policy(pid)
			if p == nil || !IsALZPolicy(*p) || b.detached[pid+"|"+t] {
				continue
			}
			b.detached[pid+"|"+t] = true
			out = append(out, b.add(2, Step{ID: "scp.detach/" + pid + "/" + t, Kind: KindSCPDetach, Wave: wave, Destructive: true,
				Title:     fmt.Sprintf("Detach ALZ SCP %s from %s", p.Name, b.describe(t)),
				Why:       "ALZ's SCP denies the AWS Config changes that Config removal and enrollment make; it is detached just before this wave and deleted in decommission",
				Target:    b.targetOf(t, pid),
				DependsOn: uniqueSorted(append([]string{"safeguard/scp/" + pid}, gate...)),
				CLI:       []string{"aws organizations detach-policy --policy-id " + pid + " --target-id " + t},
				Guard:     "the policy export (safeguard/scp/" + pid + ") exists in the state folder",
				Expected:  "the policy is no longer in aws organizations list-policies-for-target --target-id " + t + " --filter SERVICE_CONTROL_POLICY",
				Rollback:  "aws organizations attach-policy --policy-id " + pid + " --target-id " + t}))
		}
	}
	return out
}

func (b *builder) targetOf(id, resource string) Target {
	switch {
	case b.ix.OU(id) != nil:
		return Target{OUID: id, Resource: resource}
	case b.ix.Account(id) != nil:
		return Target{AccountID: id, Resource: resource}
	}
	return Target{Resource: resource + "@" + id}
}

func (b *builder) describe(id string) string {
	switch {
	case b.ix.IsRoot(id):
		return "the root " + id
	case b.ix.OU(id) != nil:
		return "OU " + b.ix.Path(id) + " (" + id + ")"
	case b.ix.Account(id) != nil:
		return "account " + id + " (" + b.ix.Account(id).Name + ")"
	}
	return id
}

// policyTargets lists the root, every ancestor OU, the OU and the accounts, root first.
func (b *builder) policyTargets(ouID string, accounts []string) []string {
	anc := b.ix.Ancestors(ouID)
	var out []string
	for i := len(anc) - 1; i >= 0; i-- {
		out = append(out, anc[i])
	}
	if ouID != "" && b.ix.OU(ouID) != nil {
		out = append(out, ouID)
	}
	return append(out, accounts...)
}

// configRegions returns the governed regions where an account has ALZ Config to remove: regions
// with a recorder (not service-linked) or a delivery channel, regions with an EnableConfig stack
// instance, and — when discovery could not read the account — every governed region (the step's
// guard then finds nothing to do where nothing is).
func (b *builder) configRegions(a *inventory.Account) (direct, stackset []string) {
	gov := map[string]bool{}
	for _, r := range b.s.GovernedRegions {
		gov[r] = true
	}
	inst := map[string]bool{}
	if b.s.ConfigRemoval == settings.ConfigRemovalStackSet {
		for _, r := range b.enableConfigInstances()[a.ID] {
			if gov[r] {
				inst[r] = true
			}
		}
	}
	found := map[string]bool{}
	for _, r := range a.Regions {
		if !gov[r.Region] {
			continue
		}
		has := len(r.DeliveryChannels) > 0
		for _, rec := range r.ConfigRecorders {
			if !rec.ServiceLinked {
				has = true
			}
		}
		if has {
			found[r.Region] = true
		}
	}
	if len(a.Regions) == 0 && len(inst) == 0 {
		for r := range gov {
			found[r] = true
		}
	}
	for r := range inst {
		stackset = append(stackset, r)
	}
	for r := range found {
		if !inst[r] {
			direct = append(direct, r)
		}
	}
	sort.Strings(direct)
	sort.Strings(stackset)
	return direct, stackset
}

// enableConfigInstances indexes the EnableConfig StackSet's instances by account (regions), once.
func (b *builder) enableConfigInstances() map[string][]string {
	if b.ecInstances != nil {
		return b.ecInstances
	}
	b.ecInstances = map[string][]string{}
	if b.snap.ALZ != nil {
		for _, ss := range b.snap.ALZ.StackSets {
			if ss.Name != EnableConfigStackSet || ss.Status == "DELETED" {
				continue
			}
			for _, in := range ss.Instances {
				b.ecInstances[in.AccountID] = append(b.ecInstances[in.AccountID], in.Region)
			}
		}
	}
	return b.ecInstances
}

// removeConfig schedules the Config removal for a group of accounts (one wave): one StackSet
// operation for the stack instances, direct removal elsewhere. key names the group in step IDs.
func (b *builder) removeConfig(wave int, key string, accounts []string, deps []string) []string {
	var out []string
	var ssAccts []string
	ssRegions := map[string]bool{}
	ssInst := map[string]map[string]bool{}
	type dr struct{ acct, region string }
	var directs []dr
	for _, id := range accounts {
		a := b.ix.Account(id)
		direct, ss := b.configRegions(a)
		if len(ss) > 0 {
			ssAccts = append(ssAccts, id)
			ssInst[id] = map[string]bool{}
			for _, r := range ss {
				ssRegions[r] = true
				ssInst[id][r] = true
			}
		}
		for _, r := range direct {
			directs = append(directs, dr{id, r})
		}
	}
	if len(ssAccts) > 0 {
		regions := keys(ssRegions)
		id := "config.stackset/" + key
		// One DeleteStackInstances per group of accounts with the same regions: a call deletes
		// accounts × regions, and only existing instances should be named.
		var cli []string
		for _, g := range groupByRegions(ssInst) {
			op := token(id + "/" + strings.Join(g.regions, ","))
			cli = append(cli, fmt.Sprintf("aws cloudformation delete-stack-instances --stack-set-name %s --accounts %s --regions %s --no-retain-stacks --operation-id %s --region %s",
				EnableConfigStackSet, strings.Join(g.accounts, " "), strings.Join(g.regions, " "), op, b.alzReg),
				"aws cloudformation describe-stack-set-operation --stack-set-name "+EnableConfigStackSet+" --operation-id "+op+" --region "+b.alzReg)
		}
		b.add(3, Step{ID: id, Kind: KindConfigStackSet, Wave: wave, Destructive: true, DependsOn: deps,
			Title:           fmt.Sprintf("Delete %s stack instances of %d accounts in %s", EnableConfigStackSet, len(ssAccts), strings.Join(regions, ", ")),
			Why:             "Control Tower refuses accounts with a Config recorder or delivery channel in a governed region; removed just before this wave so the unrecorded window stays short (configRemoval: stackset)",
			Target:          Target{OUID: ouOrEmpty(key), Region: b.alzReg, Resource: EnableConfigStackSet},
			CLI:             cli,
			Guard:           "no other operation runs on the StackSet (OperationInProgressException); the ALZ SCPs are detached from these accounts",
			Expected:        "operation SUCCEEDED; aws configservice describe-configuration-recorders is empty in each account and region",
			Rollback:        "re-create the instances: aws cloudformation create-stack-instances --stack-set-name " + EnableConfigStackSet + " (template exported in safeguard)",
			EstimateSeconds: 5 * 60})
		for _, a := range ssAccts {
			b.configSteps[a] = append(b.configSteps[a], id)
			for r := range ssInst[a] {
				b.ecDeleted[a+"|"+r] = true
			}
		}
		out = append(out, id)
	}
	for _, d := range directs {
		id := "config.remove/" + d.acct + "/" + d.region
		recorder, channel := "<recorder>", "<channel>"
		if a := b.ix.Account(d.acct); a != nil {
			for _, r := range a.Regions {
				if r.Region != d.region {
					continue
				}
				for _, rec := range r.ConfigRecorders {
					if !rec.ServiceLinked {
						recorder = rec.Name
					}
				}
				if len(r.DeliveryChannels) > 0 {
					channel = r.DeliveryChannels[0].Name
				}
			}
		}
		prof := " --profile " + d.acct + " --region " + d.region
		b.add(3, Step{ID: id, Kind: KindConfigRemove, Wave: wave, Destructive: true, DependsOn: deps,
			Title:  "Stop and delete the AWS Config recorder and delivery channel in " + d.acct + " / " + d.region,
			Why:    "Control Tower refuses accounts with a Config recorder or delivery channel in a governed region; done just before this wave",
			Target: Target{AccountID: d.acct, Region: d.region},
			CLI: []string{
				"aws configservice stop-configuration-recorder --configuration-recorder-name " + recorder + prof,
				"aws configservice delete-delivery-channel --delivery-channel-name " + channel + prof,
				"aws configservice delete-configuration-recorder --configuration-recorder-name " + recorder + prof},
			Guard:    "recorder is not service-linked (AWSConfigurationRecorderFor… are never deleted); stop before delete, else LastDeliveryChannelDeleteFailedException",
			Expected: "describe-configuration-recorders and describe-delivery-channels return nothing (NoSuch… means already gone)",
			Rollback: "recorded history is kept; re-create with aws configservice put-configuration-recorder / put-delivery-channel / start-configuration-recorder"})
		b.configSteps[d.acct] = append(b.configSteps[d.acct], id)
		out = append(out, id)
	}
	return out
}

func ouOrEmpty(key string) string {
	if strings.HasPrefix(key, "ou-") {
		return key
	}
	return ""
}

// createRoles schedules AWSControlTowerExecution for accounts that lack it (or could not be read).
func (b *builder) createRoles(wave int, accounts []string) []string {
	var out []string
	for _, id := range accounts {
		a := b.ix.Account(id)
		if a.IAM != nil && a.IAM.ControlTowerExecutionRole {
			continue
		}
		sid := "role.create/" + id
		trust := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:%s:iam::%s:root"},"Action":"sts:AssumeRole"}]}`, b.part, b.mgmt)
		b.add(4, Step{ID: sid, Kind: KindRoleCreate, Wave: wave,
			Title:  "Create " + ExecutionRole + " in " + id + " (" + a.Name + ")",
			Why:    "Control Tower enrolls an existing account only through this role, trusting the management account, with AdministratorAccess (enrollment-prerequisites)",
			Target: Target{AccountID: id, Resource: ExecutionRole},
			CLI: []string{
				"aws iam create-role --role-name " + ExecutionRole + " --assume-role-policy-document '" + trust + "' --profile " + id,
				"aws iam attach-role-policy --role-name " + ExecutionRole + " --policy-arn arn:" + b.part + ":iam::aws:policy/AdministratorAccess --profile " + id},
			Guard:    "the role does not exist yet (aws iam get-role --role-name " + ExecutionRole + " → NoSuchEntity)",
			Expected: "the role exists with the trust policy and AdministratorAccess attached",
			Rollback: "aws iam detach-role-policy … && aws iam delete-role --role-name " + ExecutionRole})
		b.roleSteps[id] = sid
		out = append(out, sid)
	}
	return out
}

// ouArnExpr is how the CLI commands name an OU's ARN.
func (b *builder) ouArn(ouID string) string {
	if ou := b.ix.OU(ouID); ou != nil && ou.Arn != "" {
		return ou.Arn
	}
	return fmt.Sprintf("arn:%s:organizations::%s:ou/%s/%s", b.part, b.mgmt, b.snap.Organization.ID, ouID)
}

func (b *builder) registerCLI(arn string) []string {
	return []string{
		fmt.Sprintf(`aws controltower enable-baseline --baseline-identifier "$(aws controltower list-baselines --region %s --query "baselines[?name=='AWSControlTowerBaseline'].arn" --output text)" --baseline-version %s --target-identifier %s --parameters '[{"key":"IdentityCenterEnabledBaselineArn","value":"<IdentityCenterBaseline enabled baseline ARN>"}]' --region %s`, b.home, BaselineVersion, arn, b.home),
		"aws controltower get-baseline-operation --operation-identifier <id> --region " + b.home,
	}
}

func regSeconds(accounts int) int64 {
	// At least 10 minutes plus up to 2 minutes per additional account (how-to-register-existing-ou).
	if accounts < 1 {
		accounts = 1
	}
	return int64(10*60 + 2*60*(accounts-1))
}

// waves schedules, for every OU in registration order: SCP detaches, remedy steps, roles, Config
// removal and the registration itself.
func (b *builder) waves() {
	for i := range b.ous {
		e := &b.ous[i]
		if e.Order == 0 {
			continue
		}
		wave := e.Order
		var accts []string
		var ouID, key, regID, arn, title string
		var deps []string
		if e.Created {
			parent := e.ParentID
			name := e.Path[strings.LastIndex(e.Path, "/")+1:]
			key = childRef(parent, name)
			regID = registerStepID(key)
			arn = "<ARN of the new OU " + e.Path + ">"
			title = "Register the new OU " + e.Path
			for _, p := range b.splits[parent] {
				if p.name == name {
					accts = p.accounts
				}
			}
			deps = append(deps, registerStepID(parent), "ou.create/"+key)
			for _, a := range accts {
				deps = append(deps, "account.move/"+a)
			}
		} else {
			ouID, key = e.OUID, e.OUID
			regID = registerStepID(ouID)
			arn = b.ouArn(ouID)
			title = "Register OU " + e.Path
			moved := map[string]bool{}
			for _, p := range b.splits[ouID] {
				// The excess leaves before this registration, which would otherwise enroll it too.
				deps = append(deps, b.splitSteps(ouID, p, wave)...)
				for _, a := range p.accounts {
					moved[a] = true
				}
			}
			for _, a := range b.excess[ouID] {
				moved[a] = true
				deps = append(deps, b.add(4, Step{ID: "account.move/" + a, Kind: KindAccountMove, Wave: wave,
					Title:    "Move account " + a + " out of " + e.Path + " until its registration is done",
					Why:      fmt.Sprintf("%s is over the account limit (%d) and too deep to split; the account is enrolled back into it one by one after the registration", e.Path, b.s.OUAccountLimit),
					Target:   Target{AccountID: a, OUID: ouID, Resource: e.ParentID},
					CLI:      []string{"aws organizations move-account --account-id " + a + " --source-parent-id " + ouID + " --destination-parent-id " + e.ParentID},
					Guard:    "the account is still in " + ouID,
					Expected: "the account's parent is " + e.ParentID,
					Rollback: "aws organizations move-account --account-id " + a + " --source-parent-id " + e.ParentID + " --destination-parent-id " + ouID}))
			}
			for _, a := range b.ix.ChildAccounts(ouID) {
				if !moved[a] {
					accts = append(accts, a)
				}
			}
			if b.scheduled(e.ParentID) {
				deps = append(deps, registerStepID(e.ParentID))
			}
			// CT attaches its own SCP to a registered OU; an OU already at 5 SCPs (after ALZ's are
			// detached) fails registration (Organizations quotas: 5 SCPs per target).
			n := 0
			for _, pid := range b.ix.PoliciesOn(ouID) {
				if p := b.ix.Policy(pid); p != nil && !IsALZPolicy(*p) {
					n++
				}
			}
			if n > 4 {
				deps = append(deps, b.add(2, Step{ID: "scp.merge/" + ouID, Kind: KindSCPMerge, Wave: wave, Manual: true,
					Title:    fmt.Sprintf("Merge the %d SCPs on %s into at most 4", n, e.Path),
					Why:      "an OU may carry at most 5 SCPs and Control Tower attaches its own on registration",
					Target:   Target{OUID: ouID},
					CLI:      []string{"aws organizations list-policies-for-target --target-id " + ouID + " --filter SERVICE_CONTROL_POLICY"},
					Guard:    "the merged policy is reviewed and approved; documents exported in safeguard",
					Expected: "at most 4 SCPs attached to " + ouID,
					Rollback: "re-attach the exported policies"}))
			}
		}
		if b.lastOUReg != "" {
			deps = append(deps, b.lastOUReg) // Control Tower runs one OU operation at a time (limits)
		}
		deps = append(deps, b.deployStep)
		// Accounts blocked by a pre-check stay in the OU: the registration enrolls every account in it.
		var covered []string
		var blockedHere []string
		for _, a := range accts {
			d := b.accounts[a]
			if d.How == HowOURegistration {
				covered = append(covered, a)
			} else if d.How == HowBlocked {
				blockedHere = append(blockedHere, a+" ("+d.Reason+")")
			} else if d.How == HowExcluded {
				blockedHere = append(blockedHere, a+" is excluded but registering the OU enrolls every account in it: move it out or exclude the OU")
			}
		}
		scpTargets := b.policyTargets(ouID, covered)
		if e.Created {
			scpTargets = b.policyTargets(e.ParentID, covered)
		}
		gate := b.prepGate()
		prep := b.detachALZ(wave, scpTargets, gate)
		prep = append(prep, b.createRoles(wave, covered)...)
		cfg := b.removeConfig(wave, key, covered, append(b.detachDeps(prep), gate...))
		deps = append(deps, prep...)
		deps = append(deps, cfg...)
		st := Step{ID: regID, Kind: KindOURegister, Wave: wave, DependsOn: uniqueSorted(deps),
			Title:  fmt.Sprintf("%s (%d accounts)", title, len(accts)),
			Why:    "registering an OU enrolls all its accounts in one Control Tower operation; parents are registered first",
			Target: Target{OUID: ouID, Resource: key},
			CLI:    b.registerCLI(arn),
			Guard: fmt.Sprintf("parent registered; no other Control Tower operation running; at most %d accounts in the OU; no Config recorder or delivery channel left in its accounts' governed regions; %s present in each account",
				b.s.OUAccountLimit, ExecutionRole),
			Expected:        "baseline operation SUCCEEDED; every account of the OU enrolled",
			Rollback:        "aws controltower disable-baseline --enabled-baseline-identifier <arn> (deregisters the OU; accounts stay in the organization)",
			EstimateSeconds: regSeconds(e.Enrolls)}
		if len(blockedHere) > 0 {
			st.Blocked = "accounts that cannot be enrolled sit in this OU: " + strings.Join(blockedHere, "; ")
		}
		b.lastOUReg = b.add(4, st)
		b.regs = append(b.regs, b.lastOUReg)
	}
}

// prepGate is what a wave's destructive preparation (SCP detach, Config removal) waits for: the
// landing zone, and the registration two waves back, so wave k is prepared while Control Tower
// registers wave k-1 — never earlier, which keeps each account's unrecorded window short.
func (b *builder) prepGate() []string {
	gate := []string{b.deployStep}
	if n := len(b.regs); n >= 2 {
		gate = append(gate, b.regs[n-2])
	}
	return gate
}

// splitSteps creates one child OU of an oversized OU and moves its share of the accounts into it,
// in the oversized OU's wave, before that OU's registration.
func (b *builder) splitSteps(parent string, p split, wave int) []string {
	key := childRef(parent, p.name)
	path := b.ix.Path(parent) + "/" + p.name
	create := b.add(4, Step{ID: "ou.create/" + key, Kind: KindOUCreate, Wave: wave,
		Title:    "Create child OU " + p.name + " under " + b.ix.Path(parent),
		Why:      fmt.Sprintf("%s holds more accounts than one registration may cover (ouAccountLimit %d): the excess moves into child OUs, registered after it", b.ix.Path(parent), b.s.OUAccountLimit),
		Target:   Target{OUID: parent, Resource: p.name},
		CLI:      []string{fmt.Sprintf("aws organizations create-organizational-unit --parent-id %s --name %q", parent, p.name)},
		Guard:    "no OU named " + p.name + " exists under " + parent + " (else reuse it)",
		Expected: "the OU exists under " + parent,
		Rollback: "aws organizations delete-organizational-unit --organizational-unit-id <new OU ID> (after moving the accounts back)"})
	out := []string{create}
	for _, a := range p.accounts {
		out = append(out, b.add(4, Step{ID: "account.move/" + a, Kind: KindAccountMove, Wave: wave, DependsOn: []string{create},
			Title:    "Move account " + a + " into " + path,
			Why:      "keeps " + b.ix.Path(parent) + " under the account limit for its registration",
			Target:   Target{AccountID: a, OUID: parent, Resource: key},
			CLI:      []string{"aws organizations move-account --account-id " + a + " --source-parent-id " + parent + " --destination-parent-id <ID of " + path + ">"},
			Guard:    "the account is still in " + parent,
			Expected: "the account's parent is " + path,
			Rollback: "aws organizations move-account --account-id " + a + " --source-parent-id <ID of " + path + "> --destination-parent-id " + parent}))
	}
	return out
}

// detachDeps are the prerequisite steps (SCP detaches) Config removal waits for.
func (b *builder) detachDeps(prep []string) []string {
	var out []string
	for _, p := range prep {
		if strings.HasPrefix(p, "scp.detach/") {
			out = append(out, p)
		}
	}
	return out
}

// enrollmentQueue schedules the accounts enrolled one by one (phase 4, after the OU waves), each
// with its prerequisites ahead of it. Shared Services is enrolled in phase 5.
func (b *builder) enrollmentQueue() {
	var ids []string
	for id := range b.enrollInto {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool {
		// Enroll in registration order of the target OU, then by account ID.
		oi, oj := b.orderOf(b.enrollInto[ids[i]]), b.orderOf(b.enrollInto[ids[j]])
		if oi != oj {
			return oi < oj
		}
		return ids[i] < ids[j]
	})
	shared := ""
	if b.snap.ALZ != nil {
		shared = b.snap.ALZ.SharedServicesAccountID
	}
	var queue []string
	conc := max(b.s.AccountConcurrency, 1)
	for _, id := range ids {
		// Prepare an account (detach, Config removal) only when the enrollment 2×accountConcurrency
		// places ahead of it is done: enough lookahead that Control Tower never waits, short
		// enough that no account stays unrecorded for long.
		gate := []string{b.deployStep, b.lastOUReg}
		if n := len(queue); n >= 2*conc {
			gate = append(gate, queue[n-2*conc])
		}
		if id == shared {
			continue
		}
		queue = append(queue, b.enroll(4, b.waveCount+len(queue)+1, id, gate))
	}
	// Shared Services comes last (phase 5); its preparation gets the wave after the queue so that
	// it is not taken out of Config recording ahead of everyone else.
	if _, ok := b.enrollInto[shared]; ok && shared != "" {
		b.enroll(5, b.waveCount+len(queue)+1, shared, []string{b.deployStep, b.lastOUReg})
	}
}

func (b *builder) orderOf(ref string) int {
	if e := b.ouEntry(ref); e != nil {
		return e.Order
	}
	return 0
}

func (b *builder) enroll(phase, wave int, id string, gate []string) string {
	a := b.ix.Account(id)
	into := b.enrollInto[id]
	var deps []string
	ouName, ouID := "", ""
	switch {
	case strings.HasPrefix(into, "ct:"):
		ouName = strings.TrimPrefix(into, "ct:")
		ouID = "<" + ouName + " OU ID>"
		deps = append(deps, b.deployStep)
	default:
		ouID = into
		ouName = b.ix.OU(into).Name
		if b.scheduled(into) {
			deps = append(deps, registerStepID(into))
		} else {
			deps = append(deps, b.deployStep)
		}
	}
	if b.lastOUReg != "" {
		// Account Factory cannot enroll while an OU registration runs (reference, step 4).
		deps = append(deps, b.lastOUReg)
	}
	prep := b.detachALZ(wave, b.policyTargets(a.ParentID, []string{id}), gate)
	prep = append(prep, b.createRoles(wave, []string{id})...)
	cfg := b.removeConfig(wave, id, []string{id}, uniqueSorted(append(b.detachDeps(prep), gate...)))
	deps = append(deps, prep...)
	deps = append(deps, cfg...)
	sid := "enroll/" + id
	name := sanitizeName(a.Name, id)
	return b.add(phase, Step{ID: sid, Kind: KindEnroll, Wave: wave, DependsOn: uniqueSorted(deps),
		Title:  fmt.Sprintf("Enroll account %s (%s) into %s", id, a.Name, ouName),
		Why:    b.accounts[id].Reason,
		Target: enrollTarget(id, into, ouName),
		CLI: []string{
			fmt.Sprintf(`aws servicecatalog provision-product --product-name %q --provisioning-artifact-name %q --provisioned-product-name %s --provision-token %s --provisioning-parameters Key=AccountName,Value=%q Key=AccountEmail,Value=%s Key=SSOUserEmail,Value=%s Key=SSOUserFirstName,Value=Admin Key=SSOUserLastName,Value=User Key=ManagedOrganizationalUnit,Value=%q --region %s`,
				AccountFactory, AccountFactory, name, token(sid), a.Name, a.Email, a.Email, ouName+" ("+ouID+")", b.home),
			"aws servicecatalog describe-record --id <record id> --region " + b.home},
		Guard:           "target OU registered; " + ExecutionRole + " present; no Config recorder or delivery channel in governed regions; account operations in flight below accountConcurrency",
		Expected:        "record SUCCEEDED; the account is enrolled in " + ouName,
		Rollback:        "aws servicecatalog terminate-provisioned-product --provisioned-product-name " + name + " (unmanages the account; it stays in the organization)",
		EstimateSeconds: enrollSeconds})
}

// enrollTarget names the OU an account is enrolled into: its ID, or (for an OU Control Tower has
// not created yet) "ct:<name>" in Resource.
func enrollTarget(accountID, into, ouName string) Target {
	if strings.HasPrefix(into, "ct:") {
		return Target{AccountID: accountID, Resource: into}
	}
	return Target{AccountID: accountID, OUID: into}
}

// enrollSeconds is the assumed duration of one account enrollment: AWS only says "several
// minutes" (AWS Control Tower user guide, accounts), so the plan assumes 15.
const enrollSeconds = 15 * 60

func sanitizeName(name, id string) string {
	var sb strings.Builder
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			sb.WriteRune(r)
		default:
			sb.WriteByte('-')
		}
	}
	s := strings.Trim(sb.String(), "-._")
	if s == "" {
		return "account-" + id
	}
	return s
}

// ---- phase 5: shared accounts ----

func (b *builder) shared() {
	alz := b.snap.ALZ
	if alz == nil {
		return
	}
	if alz.SecurityAccountID != "" {
		b.add(5, Step{ID: "shared/security-tooling", Kind: KindManual, Manual: true, DependsOn: []string{b.deployStep},
			Title:    "Move security tooling and alerting from ALZ's Security account " + alz.SecurityAccountID + " to the new " + b.s.AuditAccountName + " account",
			Why:      "Control Tower creates a new Audit account and cannot adopt ALZ's; GuardDuty, Security Hub, third-party tools and SNS alert subscriptions must move (reference, step 5)",
			Target:   Target{AccountID: alz.SecurityAccountID},
			Guard:    "the new Audit account exists (landing zone deployed)",
			Expected: "delegated administrators and alert subscriptions point at the Audit account", EstimateSeconds: 60 * 60})
	}
	if alz.LogArchiveAccountID != "" {
		title := "Copy the ALZ logs you keep from " + alz.LogArchiveAccountID + " to a new bucket in the " + b.s.LogArchiveAccountName + " account, and move log consumers"
		if !b.s.Decommission.CopyLogs {
			title = "Move log analytics off ALZ's Log Archive account " + alz.LogArchiveAccountID + " (the old logs are not copied: decommission.copyLogs is false)"
		}
		b.add(5, Step{ID: "shared/log-archive", Kind: KindManual, Manual: true, DependsOn: []string{b.deployStep},
			Title:    title,
			Why:      "Control Tower creates a new Log Archive account; its own log bucket does not accept other writers, so old logs go to a separate bucket (reference, step 5)",
			Target:   Target{AccountID: alz.LogArchiveAccountID},
			CLI:      []string{"aws s3 sync s3://<aws-landing-zone-logs bucket> s3://<new bucket in the Log Archive account>"},
			Guard:    "the destination bucket is not Control Tower's aws-controltower-logs-* bucket",
			Expected: "the copy is complete and log consumers read from the new account", EstimateSeconds: 60 * 60})
	}
}

// ---- phase 6: decommission ----

func (b *builder) decommission() {
	alz := b.snap.ALZ
	if alz == nil {
		return
	}
	// Decommission starts after every registration, enrollment and shared-account step.
	prev := []string{b.deployStep, b.lastOUReg}
	for _, ph := range []int{4, 5} {
		for _, st := range b.phases[ph] {
			if st.Kind == KindEnroll || st.Kind == KindManual {
				prev = append(prev, st.ID)
			}
		}
	}
	// One verify step gathers them, so the decommission steps depend on it alone (a 10,000-account
	// plan would otherwise repeat every enrollment in every first-group step).
	prev = []string{b.add(6, Step{ID: "decommission/ready", Kind: KindVerify, DependsOn: uniqueSorted(prev),
		Title:    "Confirm the migration is complete before removing ALZ",
		Why:      "decommission removes what ALZ-managed accounts may still rely on; every OU registration, enrollment and shared-account task must be done first (reference, step 6)",
		Guard:    "every planned registration and enrollment succeeded; resources moved off ALZ's shared accounts",
		Expected: "Control Tower shows every planned OU registered and account enrolled"})}
	// The groups run in the reference's order (the pipeline must not redeploy what later steps
	// delete; products before the stacks they made, stacks before StackSets, ...). Within a group
	// the steps act on independent resources and may run side by side; a verify step closes a
	// group of several, and the next group waits for it.
	var group []string
	chain := func(st Step) {
		st.DependsOn = uniqueSorted(append(st.DependsOn, prev...))
		if st.Kind == "" {
			st.Kind = KindDecommission
		}
		st.Destructive = st.Destructive || st.Kind == KindDecommission
		group = append(group, b.add(6, st))
	}
	reg := b.alzReg
	for _, name := range b.s.Decommission.Steps {
		group = nil
		b.decommissionGroup(name, alz, reg, chain)
		switch len(group) {
		case 0:
		case 1:
			prev = group
		default:
			prev = []string{b.add(6, Step{ID: "decommission/" + name, Kind: KindVerify, DependsOn: group,
				Title:    fmt.Sprintf("Confirm the %d %s steps are done", len(group), name),
				Why:      "the next decommission step starts only when this group is complete",
				Expected: "every step of the group succeeded"})}
		}
	}
}

// decommissionGroup adds the steps of one decommission step name through chain.
func (b *builder) decommissionGroup(name string, alz *inventory.ALZ, reg string, chain func(Step)) {
	{
		switch name {
		case settings.DecomPipeline:
			if p := alz.Pipeline; p != nil && len(p.Stages) > 1 {
				chain(Step{ID: "decommission/pipeline-transition", Kind: KindDecommission,
					Title:    "Disable the transition into " + p.Stages[1] + " of pipeline " + p.Name,
					Why:      "stops a change in the ALZ source from redeploying what the next steps remove (reference, step 6)",
					Target:   Target{Region: p.Region, Resource: p.Name},
					CLI:      []string{fmt.Sprintf("aws codepipeline disable-stage-transition --pipeline-name %s --stage-name %s --transition-type Inbound --reason %q --region %s", p.Name, p.Stages[1], "ALZ decommission (lz2ct)", p.Region)},
					Guard:    "every account migrated; no pipeline execution in progress",
					Expected: "the transition shows as disabled",
					Rollback: fmt.Sprintf("aws codepipeline enable-stage-transition --pipeline-name %s --stage-name %s --transition-type Inbound --region %s", p.Name, p.Stages[1], p.Region)})
			}
		case settings.DecomProvisionedProducts:
			for _, pp := range alz.ProvisionedProducts {
				if !strings.HasPrefix(pp.Name, "lz_core_") {
					continue // AVM products of member accounts and add-ons are left alone (reference, step 6)
				}
				id := "decommission/provisioned-product/" + pp.ID
				chain(Step{ID: id, Title: "Terminate provisioned product " + pp.Name,
					Why:      "ALZ's core provisioned products are replaced by Control Tower",
					Target:   Target{Region: reg, Resource: pp.ID},
					CLI:      []string{"aws servicecatalog terminate-provisioned-product --provisioned-product-id " + pp.ID + " --terminate-token " + token(id) + " --region " + reg},
					Guard:    "not used by workloads; status AVAILABLE or TAINTED",
					Expected: "the provisioned product is gone"})
			}
		case settings.DecomPortfolios:
			for _, pf := range alz.Portfolios {
				var cli []string
				for _, c := range pf.ConstraintIDs {
					cli = append(cli, "aws servicecatalog delete-constraint --id "+c+" --region "+reg)
				}
				for _, pr := range pf.PrincipalARNs {
					cli = append(cli, "aws servicecatalog disassociate-principal-from-portfolio --portfolio-id "+pf.ID+" --principal-arn "+pr+" --region "+reg)
				}
				for _, pd := range pf.ProductIDs {
					cli = append(cli, "aws servicecatalog disassociate-product-from-portfolio --product-id "+pd+" --portfolio-id "+pf.ID+" --region "+reg)
				}
				cli = append(cli, "aws servicecatalog delete-portfolio --id "+pf.ID+" --region "+reg)
				deps := []string{}
				if b.has("safeguard/portfolios") {
					deps = append(deps, "safeguard/portfolios")
				}
				chain(Step{ID: "decommission/portfolio/" + pf.ID, DependsOn: deps,
					Title:    "Empty and delete portfolio " + pf.Name,
					Why:      "constraints, principals and products must go before a portfolio can be deleted (reference, step 6)",
					Target:   Target{Region: reg, Resource: pf.ID},
					CLI:      cli,
					Guard:    "it is not Control Tower's Account Factory portfolio; definition exported",
					Expected: "the portfolio is gone"})
			}
		case settings.DecomProducts:
			for _, pd := range alz.Products {
				chain(Step{ID: "decommission/product/" + pd.ID, Title: "Delete product " + pd.Name,
					Why:      "ALZ's products (the Account Vending Machine) are replaced by Account Factory",
					Target:   Target{Region: reg, Resource: pd.ID},
					CLI:      []string{"aws servicecatalog delete-product --id " + pd.ID + " --region " + reg},
					Guard:    "no provisioned product of it is still in use; not a Control Tower product",
					Expected: "the product is gone"})
			}
		case settings.DecomAVMStacks, settings.DecomStacks:
			for _, st := range alz.Stacks {
				if st.IsInitiation() || st.IsAVM() != (name == settings.DecomAVMStacks) {
					continue
				}
				chain(Step{ID: "decommission/stack/" + st.Region + "/" + st.Name, Title: "Delete stack " + st.Name,
					Why:      "leftover ALZ stack (the initiation stack goes later)",
					Target:   Target{Region: st.Region, Resource: st.Name},
					CLI:      []string{"aws cloudformation delete-stack --stack-name " + st.Name + " --region " + st.Region},
					Guard:    "its resources are not baseline infrastructure used by workloads",
					Expected: "DELETE_COMPLETE"})
			}
		case settings.DecomStackSets:
			for _, ss := range alz.StackSets {
				if b.s.KeepsStackSet(ss.Name) || ss.Status == "DELETED" {
					continue
				}
				id := "decommission/stackset/" + ss.Name
				// Instances in accounts the migration leaves alone (excluded, blocked) are only
				// detached from the StackSet (--retain-stacks): their resources stay. Instances the
				// Config waves already deleted are not listed again.
				del, keep := map[string]map[string]bool{}, map[string]map[string]bool{}
				remaining := 0
				for _, in := range ss.Instances {
					if b.ecDeleted[in.AccountID+"|"+in.Region] && ss.Name == EnableConfigStackSet {
						continue
					}
					remaining++
					m := del
					if b.retain[in.AccountID] {
						m = keep
					}
					if m[in.AccountID] == nil {
						m[in.AccountID] = map[string]bool{}
					}
					m[in.AccountID][in.Region] = true
				}
				var cli []string
				for _, g := range []struct {
					m    map[string]map[string]bool
					flag string
				}{{del, "--no-retain-stacks"}, {keep, "--retain-stacks"}} {
					for _, grp := range groupByRegions(g.m) {
						op := token(id + "/" + g.flag + "/" + strings.Join(grp.regions, ","))
						cli = append(cli, fmt.Sprintf("aws cloudformation delete-stack-instances --stack-set-name %s --accounts %s --regions %s %s --operation-id %s --region %s",
							ss.Name, strings.Join(grp.accounts, " "), strings.Join(grp.regions, " "), g.flag, op, reg))
					}
				}
				cli = append(cli, "aws cloudformation delete-stack-set --stack-set-name "+ss.Name+" --region "+reg)
				why := "unused ALZ StackSet; StackSets whose resources workloads use (e.g. the baseline VPC) are kept via decommission.keepStackSets"
				if len(keep) > 0 {
					why += fmt.Sprintf("; the stacks of %d excluded or blocked accounts are retained (--retain-stacks)", len(keep))
				}
				chain(Step{ID: id, DependsOn: []string{"safeguard/stackset/" + ss.Name},
					Title:    fmt.Sprintf("Delete StackSet %s (%d remaining instances)", ss.Name, remaining),
					Why:      why,
					Target:   Target{Region: reg, Resource: ss.Name},
					CLI:      cli,
					Guard:    "its resources are not used by workloads; template exported",
					Expected: "no instances left; the StackSet is gone", EstimateSeconds: 10 * 60})
			}
		case settings.DecomLogBuckets, settings.DecomConfigBuckets:
			for _, bk := range alz.Buckets {
				isLog := strings.HasPrefix(bk.Name, "aws-landing-zone-logs-") || strings.HasPrefix(bk.Name, "aws-landing-zone-s3-access-logs")
				if isLog != (name == settings.DecomLogBuckets) {
					continue
				}
				guard := "nothing writes to it any more"
				var deps []string
				if isLog {
					if b.s.Decommission.CopyLogs {
						guard = "the logs were copied (shared/log-archive done)"
						if b.has("shared/log-archive") {
							deps = append(deps, "shared/log-archive")
						}
					} else {
						guard = "you chose not to keep the ALZ logs (decommission.copyLogs: false)"
					}
				} else if b.has("safeguard/manifest") {
					deps = append(deps, "safeguard/manifest")
				}
				prof := ""
				if bk.AccountID != "" && bk.AccountID != b.mgmt {
					prof = " --profile " + bk.AccountID
				}
				chain(Step{ID: "decommission/bucket/" + bk.Name, DependsOn: deps, Title: "Delete bucket " + bk.Name,
					Why:      "ALZ bucket no longer used (reference, step 6)",
					Target:   Target{AccountID: bk.AccountID, Region: bk.Region, Resource: bk.Name},
					CLI:      []string{"aws s3 rb s3://" + bk.Name + " --force" + prof},
					Guard:    guard + "; versioned buckets need their object versions deleted first",
					Expected: "the bucket is gone"})
			}
		case settings.DecomInitiationStack:
			for _, st := range alz.Stacks {
				if !st.IsInitiation() {
					continue
				}
				chain(Step{ID: "decommission/initiation-stack", Title: "Delete the ALZ initiation stack " + st.Name,
					Why:    "the last ALZ stack; keep the AWSCloudFormationStackSetExecutionRole if any ALZ StackSet is kept",
					Target: Target{Region: st.Region, Resource: st.Name},
					CLI: []string{"aws cloudformation update-termination-protection --no-enable-termination-protection --stack-name " + st.Name + " --region " + st.Region,
						"aws cloudformation delete-stack --stack-name " + st.Name + " --region " + st.Region},
					Guard:    "every other ALZ stack and StackSet chosen for deletion is gone",
					Expected: "DELETE_COMPLETE (retry after deleting resources that block it by hand)"})
			}
		case settings.DecomCoreOU:
			if alz.CoreOUID != "" && b.ix.OU(alz.CoreOUID) != nil {
				chain(Step{ID: "decommission/core-ou", Title: "Delete ALZ's core OU " + b.ix.Path(alz.CoreOUID),
					Why:      "ALZ's core OU is not used by Control Tower (reference, step 6); never delete an OU Control Tower created",
					Target:   Target{OUID: alz.CoreOUID},
					CLI:      []string{"aws organizations delete-organizational-unit --organizational-unit-id " + alz.CoreOUID},
					Guard:    "the OU is empty: no accounts (move the old Security/Log Archive and Shared Services accounts out first) and no child OUs",
					Expected: "the OU is gone", Rollback: "aws organizations create-organizational-unit (SCP attachments from the safeguard export)"})
			}
		case settings.DecomSCPs:
			for _, pid := range b.alzPolicies {
				p := b.ix.Policy(pid)
				var cli []string
				for _, t := range p.Targets {
					if !b.detached[pid+"|"+t] {
						cli = append(cli, "aws organizations detach-policy --policy-id "+pid+" --target-id "+t)
					}
				}
				cli = append(cli, "aws organizations delete-policy --policy-id "+pid)
				chain(Step{ID: "decommission/scp/" + pid, DependsOn: []string{"safeguard/scp/" + pid},
					Title:    "Delete ALZ SCP " + p.Name,
					Why:      "detached wave by wave already; deleted only now so a rollback could re-attach it",
					Target:   Target{Resource: pid},
					CLI:      cli,
					Guard:    "exported in safeguard; attached nowhere else",
					Expected: "the policy is gone", Rollback: "aws organizations create-policy from the export"})
			}
		case settings.DecomSSMParameters:
			byRegion := map[string][]string{}
			for _, p := range alz.SSMParameters {
				byRegion[p.Region] = append(byRegion[p.Region], p.Name)
			}
			var cli []string
			for _, r := range keysOf(byRegion) {
				names := byRegion[r]
				sort.Strings(names)
				for i := 0; i < len(names); i += 10 { // DeleteParameters takes at most 10 names
					cli = append(cli, "aws ssm delete-parameters --names "+strings.Join(names[i:min(i+10, len(names))], " ")+" --region "+r)
				}
			}
			if len(cli) > 0 {
				chain(Step{ID: "decommission/ssm-parameters", DependsOn: []string{"safeguard/ssm-parameters"},
					Title:    fmt.Sprintf("Delete %d landing zone SSM parameters", len(alz.SSMParameters)),
					Why:      "ALZ's /org/ parameters are not used by Control Tower (reference, step 6)",
					Target:   Target{Region: reg, Resource: "/org/"},
					CLI:      cli,
					Guard:    "exported in safeguard; no tool still reads them",
					Expected: "aws ssm get-parameters-by-path --path /org/ --recursive returns nothing"})
			}
		case settings.DecomKMSAlias:
			for _, k := range alz.KMSAliases {
				chain(Step{ID: "decommission/kms-alias/" + k.Region + "/" + strings.TrimPrefix(k.Name, "alias/"),
					Title:    "Delete KMS alias " + k.Name + " in " + k.Region,
					Why:      "the landing zone KMS key should be gone; the alias may remain (reference, step 6)",
					Target:   Target{Region: k.Region, Resource: k.Name},
					CLI:      []string{"aws kms delete-alias --alias-name " + k.Name + " --region " + k.Region},
					Guard:    "nothing encrypts with the key any more",
					Expected: "the alias is gone"})
			}
		case settings.DecomCloseAccounts:
			for _, id := range []string{alz.LogArchiveAccountID, alz.SecurityAccountID} {
				if id == "" || b.ix.Account(id) == nil {
					continue
				}
				chain(Step{ID: "decommission/close-account/" + id, Manual: true,
					Title:    "Close ALZ's old account " + id + " (" + b.ix.Account(id).Name + ")",
					Why:      "closed last, only because decommission.closeOldAccounts was chosen; logs and tooling moved in phase 5",
					Target:   Target{AccountID: id},
					CLI:      []string{"aws organizations close-account --account-id " + id},
					Guard:    "phase 5 done; the organization ID typed to confirm",
					Expected: "status PENDING_CLOSURE then SUSPENDED", Rollback: "reopen within 90 days through AWS Support"})
			}
		}
	}
}

type regionGroup struct{ accounts, regions []string }

// groupByRegions groups accounts that have instances in the same set of regions, so each
// DeleteStackInstances call (accounts × regions) names only instances that exist.
func groupByRegions(m map[string]map[string]bool) []regionGroup {
	byKey := map[string]*regionGroup{}
	var order []string
	for acct, regs := range m {
		rs := keys(regs)
		k := strings.Join(rs, " ")
		g := byKey[k]
		if g == nil {
			g = &regionGroup{regions: rs}
			byKey[k] = g
			order = append(order, k)
		}
		g.accounts = append(g.accounts, acct)
	}
	sort.Strings(order)
	out := make([]regionGroup, 0, len(order))
	for _, k := range order {
		g := byKey[k]
		sort.Strings(g.accounts)
		out = append(out, *g)
	}
	return out
}

// ---- blockers, estimate ----

var phaseOfCheck = map[checks.Phase]int{
	checks.PhaseDeploy: 1, checks.PhaseSCP: 2, checks.PhaseConfig: 3, checks.PhaseRegistration: 4,
	checks.PhaseEnrollment: 4, checks.PhaseSharedAccounts: 5, checks.PhaseDecommission: 6,
}

// remediedChecks are blocker checks whose problem the plan itself works around with explicit
// steps, so they do not block a phase: an OU deeper than five levels (its accounts are enrolled
// into the nearest registered ancestor) and an OU over the account limit (split or excess moved).
var remediedChecks = map[string]bool{"ou.depth": true, "ou.account-limit": true}

// unfixed lists the blockers that stop the plan: the report's unfixed blockers, less those the
// plan remedies (remediedChecks, and trusted access the deploy phase disables).
func (b *builder) unfixed() []checks.Finding {
	var out []checks.Finding
	for _, f := range b.report.Unfixed() {
		if remediedChecks[f.Check] {
			continue
		}
		if f.Check == "org.trusted-access" && len(f.Subjects) > 0 && b.has("deploy/trusted-access/"+f.Subjects[0].ID) {
			continue
		}
		out = append(out, f)
	}
	return out
}

func (b *builder) attachBlockers() {
	for _, f := range b.unfixed() {
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
	unfixed := b.unfixed()
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

func containsStr(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func keysOf(m map[string][]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
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
