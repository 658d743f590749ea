package plans

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/lz2ct/lz2ct/checks"
	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/settings"
)

// tiny builds small organizations for table tests.
type tiny struct {
	s *inventory.Snapshot
	n int
}

func newTiny() *tiny {
	t := &tiny{s: &inventory.Snapshot{
		SchemaVersion: inventory.SchemaVersion, Partition: "aws", Source: "test",
		Regions:      []string{"eu-west-1", "us-east-1"},
		Organization: inventory.Organization{ID: "o-abcdefghij", ManagementAccountID: "100000000000", FeatureSet: "ALL"},
		Roots:        []inventory.Root{{ID: "r-ab12", Name: "Root"}},
		ALZ: &inventory.ALZ{HomeRegion: "eu-west-1", ManifestRegions: []string{"eu-west-1"},
			StackSets: []inventory.StackSet{{Name: EnableConfigStackSet, Status: "ACTIVE"}}},
		ControlTower: inventory.ControlTower{Baselines: ctBaselines},
	}}
	t.s.Accounts = append(t.s.Accounts, inventory.Account{ID: "100000000000", Name: "management", Status: "ACTIVE", ParentID: "r-ab12", Email: "m@x.example"})
	return t
}

func (t *tiny) ou(parent, name string) string {
	t.n++
	id := fmt.Sprintf("ou-ab12-%08d", t.n)
	t.s.OUs = append(t.s.OUs, inventory.OU{ID: id, Name: name, ParentID: parent})
	return id
}

// accounts adds n readable accounts with ALZ Config (a recorder and an EnableConfig instance in
// eu-west-1) and ALZ's StackSet execution role.
func (t *tiny) accounts(parent string, n int) []string {
	var ids []string
	for i := 0; i < n; i++ {
		t.n++
		id := fmt.Sprintf("2%011d", t.n)
		t.s.Accounts = append(t.s.Accounts, inventory.Account{ID: id, Name: "acct" + id[8:], Status: "ACTIVE", ParentID: parent,
			Email: "a" + id + "@x.example", AccessRole: "AWSCloudFormationStackSetExecutionRole",
			IAM: &inventory.AccountIAM{StackSetExecutionRole: true},
			Regions: []inventory.AccountRegion{{Region: "eu-west-1",
				ConfigRecorders:  []inventory.ConfigRecorder{{Name: alzRecorderName, Recording: true}},
				DeliveryChannels: []inventory.DeliveryChannel{{Name: alzChannelName}}}}})
		ss := &t.s.ALZ.StackSets[0]
		ss.Instances = append(ss.Instances, inventory.StackInstance{AccountID: id, Region: "eu-west-1", Status: "CURRENT"})
		ids = append(ids, id)
	}
	return ids
}

func (t *tiny) account(id string) *inventory.Account {
	for i := range t.s.Accounts {
		if t.s.Accounts[i].ID == id {
			return &t.s.Accounts[i]
		}
	}
	panic("no account " + id)
}

func (t *tiny) register(ouID string) {
	t.s.ControlTower.EnabledBaselines = append(t.s.ControlTower.EnabledBaselines, inventory.EnabledBaseline{
		Arn: "arn:aws:controltower:eu-west-1:100000000000:enabledbaseline/" + ouID, BaselineIdentifier: ctBaselineArn,
		TargetIdentifier: "arn:aws:organizations::100000000000:ou/o-abcdefghij/" + ouID, Status: "SUCCEEDED"})
}

// plan builds the plan with the real pre-checks when findings is nil, else with the given findings.
func (t *tiny) plan(tb testing.TB, edit func(*settings.Settings), findings ...checks.Finding) *Plan {
	tb.Helper()
	t.s.Sort()
	if err := inventory.Validate(t.s); err != nil {
		tb.Fatalf("test snapshot invalid: %v", err)
	}
	s := settings.Settings{LogArchiveEmail: "new-log@x.example", AuditEmail: "new-audit@x.example"}
	if edit != nil {
		edit(&s)
	}
	s = s.Resolve(t.s)
	rep := checks.NewReport(findings)
	if findings == nil {
		rep = checks.Run(checks.Input{Snapshot: t.s, Settings: s})
	}
	p, err := Build(t.s, s, rep)
	if err != nil {
		tb.Fatal(err)
	}
	checkInvariants(tb, t.s, s, p)
	return p
}

func disposition(p *Plan, id string) AccountDisposition {
	for _, a := range p.Accounts {
		if a.AccountID == id {
			return a
		}
	}
	return AccountDisposition{}
}

func entry(p *Plan, path string) OUEntry {
	for _, e := range p.OUOrder {
		if e.Path == path {
			return e
		}
	}
	return OUEntry{}
}

func pos(p *Plan) map[string]int {
	out := map[string]int{}
	for i, id := range p.ExecutionOrder {
		out[id] = i
	}
	return out
}

func stepsOfKind(p *Plan, kind string) []*Step {
	var out []*Step
	for _, st := range p.OrderedSteps() {
		if st.Kind == kind {
			out = append(out, st)
		}
	}
	return out
}

func TestSplitOversizedOU(t *testing.T) {
	o := newTiny()
	big := o.ou("r-ab12", "Apps")
	ids := o.accounts(big, 7)
	p := o.plan(t, func(s *settings.Settings) { s.OUAccountLimit = 3 })
	e := entry(p, "Apps")
	if e.Order != 1 || e.Enrolls != 3 || !strings.Contains(e.Remedy, "4 accounts move into 2 new child OUs") {
		t.Fatalf("oversized OU entry %+v", e)
	}
	for _, name := range []string{"Apps/Apps-2", "Apps/Apps-3"} {
		c := entry(p, name)
		if !c.Created || c.Order <= e.Order || c.Enrolls == 0 || c.Enrolls > 3 {
			t.Errorf("child %s: %+v", name, c)
		}
	}
	for _, id := range []string{"ou.create/" + big + "/Apps-2", "baseline.enable/" + big + "/Apps-3", "account.move/" + ids[6]} {
		if p.Step(id) == nil {
			t.Errorf("missing remedy step %s", id)
		}
	}
	// The new OU's registration names it by the output of the step that creates it.
	reg := p.Step("baseline.enable/" + big + "/Apps-3").Params.(BaselineEnable)
	if reg.OUID != Out("ou.create/"+big+"/Apps-3", OutputOUID) || reg.OUARN != Out("ou.create/"+big+"/Apps-3", OutputOUARN) {
		t.Errorf("created OU registration params %+v", reg)
	}
	if d := disposition(p, ids[6]); d.How != HowOURegistration || d.By != "baseline.enable/"+big+"/Apps-3" {
		t.Errorf("excess account %+v", d)
	}
	if d := disposition(p, ids[0]); d.By != "baseline.enable/"+big {
		t.Errorf("first account %+v", d)
	}
}

// An OU five levels deep cannot have child OUs: what it cannot hold moves into a new OU next to
// it, which carries the same SCPs and is registered by the plan; nothing is enrolled one by one.
func TestOversizedOUAtDepthFiveMovesExcessIntoSibling(t *testing.T) {
	o := newTiny()
	parent := "r-ab12"
	for i := 1; i <= 5; i++ {
		parent = o.ou(parent, fmt.Sprintf("L%d", i))
	}
	l4 := o.s.OUs[3].ID
	ids := o.accounts(parent, 4)
	o.s.Policies = append(o.s.Policies, inventory.Policy{ID: "p-custom01", Name: "deny-regions", Document: "{}", Targets: []string{parent}})
	p := o.plan(t, func(s *settings.Settings) { s.OUAccountLimit = 2 })
	e := entry(p, "L1/L2/L3/L4/L5")
	if e.Order == 0 || e.Enrolls != 2 || !strings.Contains(e.Remedy, "next to it") {
		t.Fatalf("entry %+v", e)
	}
	sib := entry(p, "L1/L2/L3/L4/L5-2")
	if !sib.Created || sib.Depth != 5 || sib.ParentID != l4 || sib.Enrolls != 2 || sib.Order <= e.Order {
		t.Fatalf("sibling %+v", sib)
	}
	key := l4 + "/L5-2"
	attach := p.Step("scp.attach/p-custom01/" + key)
	if attach == nil || attach.Params.(SCPAttach).TargetID != Out("ou.create/"+key, OutputOUID) {
		t.Fatalf("the sibling does not get L5's SCP: %+v", attach)
	}
	reg := p.Step("baseline.enable/" + key)
	for _, id := range ids[2:] {
		if d := disposition(p, id); d.How != HowOURegistration || d.By != reg.ID {
			t.Errorf("excess account %s: %+v", id, d)
		}
		mv := p.Step("account.move/" + id)
		if mv == nil || mv.Params.(AccountMove).SourceParentID != Lit(parent) || !slices.Contains(p.Step("baseline.enable/"+parent).DependsOn, mv.ID) ||
			!slices.Contains(reg.DependsOn, mv.ID) || !slices.Contains(mv.DependsOn, attach.ID) {
			t.Errorf("excess account %s is not moved into the sibling, after its SCPs, before both registrations: %+v", id, mv)
		}
	}
	if len(stepsOfKind(p, KindAccountEnroll)) != 0 {
		t.Error("accounts enrolled one by one though they could move")
	}
	// With moves forbidden, L5 is not registered: it cannot hold its accounts within the limit.
	p = o.plan(t, func(s *settings.Settings) { s.OUAccountLimit = 2; s.NoMoveOUs = []string{"L1/L2/L3/L4/L5"} })
	if e := entry(p, "L1/L2/L3/L4/L5"); e.Order != 0 || !strings.Contains(e.Reason, "noMoveOUs") || !strings.Contains(e.Remedy, "raise ouAccountLimit") {
		t.Fatalf("entry with moves forbidden %+v", e)
	}
}

// Accounts of an OU deeper than five levels move into the nearest registered ancestor before its
// registration; with moves forbidden, Account Factory enrolls them there one by one.
func TestDeepOUAccountsMoveIntoAncestor(t *testing.T) {
	o := newTiny()
	parent := "r-ab12"
	var level5 string
	for i := 1; i <= 6; i++ {
		parent = o.ou(parent, fmt.Sprintf("L%d", i))
		if i == 5 {
			level5 = parent
		}
	}
	ids := o.accounts(parent, 1)
	p := o.plan(t, nil)
	e := entry(p, "L1/L2/L3/L4/L5/L6")
	if e.Order != 0 || !e.Skipped || !strings.Contains(e.Reason, "6 levels deep") || !strings.Contains(e.Remedy, "move up") {
		t.Fatalf("deep OU entry %+v", e)
	}
	d := disposition(p, ids[0])
	mv := p.Step("account.move/" + ids[0])
	if d.How != HowOURegistration || d.By != "baseline.enable/"+level5 || mv == nil || mv.Params.(AccountMove).DestinationParentID != Lit(level5) {
		t.Errorf("deep account %+v, move %+v", d, mv)
	}
	p = o.plan(t, func(s *settings.Settings) { s.NoMoveOUs = []string{"L1/L2/L3/L4/L5/L6"} })
	d = disposition(p, ids[0])
	if d.How != HowEnroll || p.Step("account.enroll/"+ids[0]).Params.(AccountEnroll).OUID != Lit(level5) || p.Step("account.move/"+ids[0]) != nil {
		t.Errorf("deep account with moves forbidden %+v", d)
	}
	if p.Estimate.Moves.Forbidden != 1 || len(p.Estimate.WhatIf) == 0 {
		t.Errorf("the trade-off of noMoveOUs is not shown: %+v %+v", p.Estimate.Moves, p.Estimate.WhatIf)
	}
}

func TestSkippedOUsAndTheirAccounts(t *testing.T) {
	o := newTiny()
	sec := o.ou("r-ab12", "Security")
	secAcct := o.accounts(sec, 1)
	excl := o.ou("r-ab12", "Legacy")
	exclChild := o.ou(excl, "Old")
	exclAcct := o.accounts(exclChild, 1)
	reg := o.ou("r-ab12", "Registered")
	regAcct := o.accounts(reg, 1)
	child := o.ou(reg, "Child")
	o.accounts(child, 1)
	core := o.ou("r-ab12", "core")
	coreAccts := o.accounts(core, 3)
	rootAcct := o.accounts("r-ab12", 1)
	o.s.ALZ.CoreOUID = core
	o.s.ALZ.SecurityAccountID, o.s.ALZ.LogArchiveAccountID, o.s.ALZ.SharedServicesAccountID = coreAccts[0], coreAccts[1], coreAccts[2]
	o.register(reg)
	p := o.plan(t, func(s *settings.Settings) { s.Exclude.OUs = []string{"Legacy"}; s.SharedServicesOU = "Sandbox" })

	for path, reason := range map[string]string{"Security": "Security OU", "Legacy": "excluded", "Legacy/Old": "excluded",
		"Registered": "already registered", "core": "core OU"} {
		if e := entry(p, path); e.Order != 0 || !strings.Contains(e.Reason, reason) {
			t.Errorf("%s: %+v, want skipped for %q", path, e, reason)
		}
	}
	if e := entry(p, "Registered/Child"); e.Order == 0 {
		t.Errorf("child of a registered OU not scheduled: %+v", e)
	}
	want := map[string]string{secAcct[0]: HowLeftOut, exclAcct[0]: HowExcluded, regAcct[0]: HowEnroll,
		coreAccts[0]: HowExcluded, coreAccts[1]: HowExcluded, coreAccts[2]: HowEnroll, rootAcct[0]: HowLeftOut, "100000000000": HowManagement}
	for id, how := range want {
		if d := disposition(p, id); d.How != how {
			t.Errorf("account %s: %+v, want %s", id, d, how)
		}
	}
	// Shared Services is enrolled in phase 5, into the Sandbox OU the landing zone creates: its
	// ID is the landing zone step's output.
	st := p.Step("account.enroll/" + coreAccts[2])
	if st == nil || !slices.ContainsFunc(p.Phases[5].Steps, func(s Step) bool { return s.ID == st.ID }) ||
		st.Params.(AccountEnroll).OUID != Out(KindLandingZoneCreate, OutputSandboxOUID) {
		t.Errorf("Shared Services enrollment %+v", st)
	}
}

func TestSharedServicesTargetOU(t *testing.T) {
	mk := func() (*tiny, string, string, string) {
		o := newTiny()
		apps := o.ou("r-ab12", "Apps")
		o.accounts(apps, 1)
		core := o.ou("r-ab12", "core")
		ss := o.accounts(core, 1)[0]
		o.s.ALZ.CoreOUID, o.s.ALZ.SharedServicesAccountID = core, ss
		return o, apps, core, ss
	}
	o, _, _, ss := mk()
	p := o.plan(t, nil)
	if d := disposition(p, ss); d.How != HowLeftOut || !strings.Contains(d.Reason, "sharedServicesOU") {
		t.Errorf("no target chosen: %+v, want left out, asking for sharedServicesOU", d)
	}
	o, apps, _, ss := mk()
	p = o.plan(t, func(s *settings.Settings) { s.SharedServicesOU = "Apps" })
	st := p.Step("account.enroll/" + ss)
	if st == nil || st.Params.(AccountEnroll).OUID != Lit(apps) || !slices.Contains(st.DependsOn, "baseline.enable/"+apps) {
		t.Errorf("Shared Services into Apps: %+v", st)
	}
	// Where it is, when its OU is already registered.
	o, apps, _, ss = mk()
	o.account(ss).ParentID = apps
	o.register(apps)
	p = o.plan(t, nil)
	if st := p.Step("account.enroll/" + ss); st == nil || st.Params.(AccountEnroll).OUID != Lit(apps) {
		t.Errorf("Shared Services in a registered OU: %+v", st)
	}
}

func TestALZSCPsDetachedPerWaveAndDeletedAtTheEnd(t *testing.T) {
	o := newTiny()
	a := o.ou("r-ab12", "A")
	b := o.ou("r-ab12", "B")
	aAcct := o.accounts(a, 1)
	o.accounts(b, 1)
	o.s.Policies = []inventory.Policy{
		{ID: "p-protect001", Name: "protect-cloudtrail-config", Document: "{}", Targets: []string{a, b}},
		{ID: "p-custom0001", Name: "deny-leave", Document: "{}", Targets: []string{a}},
	}
	p := o.plan(t, nil, checks.Finding{Check: "x", Severity: checks.Info})
	order := pos(p)
	da, db := "scp.detach/p-protect001/"+a, "scp.detach/p-protect001/"+b
	ca, ra, rb := "config.stackset-instances.delete/"+a, "baseline.enable/"+a, "baseline.enable/"+b
	if !(order["export.scp/p-protect001"] < order[da] && order[da] < order[ca] && order[ca] < order[ra] && order[ra] < order[db] && order[db] < order[rb]) {
		t.Errorf("order export<detach A<config A<register A<detach B<register B broken: %v", order)
	}
	if p.Step("scp.detach/p-custom0001/"+a) != nil {
		t.Error("a customer SCP is detached")
	}
	if del := p.Step("scp.delete/p-protect001"); del == nil || p.Step("decommission/scp/p-protect001") != nil {
		t.Errorf("ALZ SCP deletion %+v", del)
	}
	if c := p.Step(ca); !slices.Contains(c.Params.(ConfigStackSetInstancesDelete).Accounts, aAcct[0]) || !c.Destructive {
		t.Errorf("Config removal of wave A: %+v", c)
	}
}

// One blocked OU does not stall the organization: its registration and its subtree wait, every
// other registration can run, and no account below it loses its Config recorder.
func TestBlockedOUBlocksOnlyItsSubtree(t *testing.T) {
	o := newTiny()
	a := o.ou("r-ab12", "A")
	aAccts := o.accounts(a, 2)
	aChild := o.ou(a, "Child")
	childAccts := o.accounts(aChild, 1)
	b := o.ou("r-ab12", "B")
	o.accounts(b, 1)
	c := o.ou("r-ab12", "C")
	o.accounts(c, 1)
	p := o.plan(t, func(s *settings.Settings) { s.Exclude.Accounts = []string{aAccts[1]} })
	blocked := p.Blocked()
	if st := p.Step("baseline.enable/" + a); st.Blocked == "" || !strings.Contains(st.Blocked, "ou.excluded-accounts") {
		t.Fatalf("A's registration is not blocked by its excluded account: %q", st.Blocked)
	}
	if _, ok := blocked["baseline.enable/"+aChild]; !ok {
		t.Error("A's child registration can run before A is registered")
	}
	for _, ou := range []string{b, c} {
		if why, ok := blocked["baseline.enable/"+ou]; ok {
			t.Errorf("unrelated registration of %s blocked: %s", ou, why)
		}
	}
	for _, acct := range append(aAccts[:1], childAccts...) {
		for _, st := range p.OrderedSteps() {
			if covers(st, acct) {
				t.Errorf("%s removes Config from %s, whose registration cannot run", st.ID, acct)
			}
		}
	}
	// The check says the same thing.
	rep := checks.Run(checks.Input{Snapshot: o.s, Settings: p.Settings})
	if fs := rep.ByCheck("ou.excluded-accounts"); len(fs) != 1 || fs[0].FixedByPlan || !strings.Contains(fs[0].Remediation, "move") {
		t.Errorf("ou.excluded-accounts = %+v", fs)
	}
}

// The 5,000-account case of issue 14: a few blocked OUs must leave every other registration able
// to run.
func TestBlockedOUsAtScale(t *testing.T) {
	if testing.Short() {
		t.Skip("5,000 accounts")
	}
	snap, s, rep := benchOrg(t, 5000)
	ix := inventory.NewIndex(snap)
	// Suspend one account in every 40th OU that the plan registers.
	k := 0
	for _, ou := range snap.OUs {
		accts := ix.ChildAccounts(ou.ID)
		if len(accts) == 0 || ou.ID == snap.ALZ.CoreOUID {
			continue
		}
		if k++; k%40 == 0 {
			for i := range snap.Accounts {
				if snap.Accounts[i].ID == accts[0] {
					snap.Accounts[i].Status = inventory.AccountSuspended
				}
			}
		}
	}
	rep = checks.Run(checks.Input{Snapshot: snap, Settings: s})
	p := mustBuild(t, snap, s, rep)
	blocked := p.Blocked()
	regs, direct, through := 0, 0, 0
	for _, st := range stepsOfKind(p, KindBaselineEnable) {
		regs++
		if st.Blocked != "" {
			direct++
		} else if _, ok := blocked[st.ID]; ok {
			through++
		}
	}
	if direct == 0 {
		t.Fatal("no registration blocked")
	}
	// Only the blocked OUs' own subtrees wait: most registrations can run.
	if canRun := regs - direct - through; canRun < regs*3/4 {
		t.Errorf("%d of %d registrations can run (%d blocked, %d waiting for them)", canRun, regs, direct, through)
	}
}

func TestBlockersAppearOnTheirPhase(t *testing.T) {
	o := newTiny()
	a := o.ou("r-ab12", "A")
	ids := o.accounts(a, 2)
	p := o.plan(t, nil,
		checks.Finding{Check: "ct.identity-center-region", Title: "IC elsewhere", Severity: checks.Blocker, Phase: checks.PhaseDeploy,
			Subjects: []checks.Subject{{Kind: checks.KindRegion, ID: "eu-west-1"}}},
		checks.Finding{Check: "account.sts-disabled", Title: "STS off", Severity: checks.Blocker, Phase: checks.PhaseEnrollment,
			Subjects: []checks.Subject{{Kind: checks.KindAccount, ID: ids[1]}}},
		checks.Finding{Check: "config.recorders", Title: "recorders", Severity: checks.Blocker, Phase: checks.PhaseConfig, FixedByPlan: true,
			Subjects: []checks.Subject{{Kind: checks.KindAccount, ID: ids[0]}}},
		checks.Finding{Check: "ou.account-limit", Title: "too many", Severity: checks.Blocker, Phase: checks.PhaseRegistration, FixedByPlan: true,
			Subjects: []checks.Subject{{Kind: checks.KindOU, ID: a}}},
	)
	if len(p.Phases[1].Blockers) != 1 || p.Step(KindLandingZoneCreate).Blocked == "" {
		t.Errorf("deploy blocker not shown: %+v / %q", p.Phases[1].Blockers, p.Step(KindLandingZoneCreate).Blocked)
	}
	for _, st := range p.Phases[1].Steps {
		if st.Blocked == "" {
			t.Errorf("%s runs although Control Tower cannot be set up", st.ID)
		}
	}
	if len(p.Phases[3].Blockers) != 0 {
		t.Error("a blocker the plan fixes is shown as blocking")
	}
	if len(p.Phases[4].Blockers) != 1 || p.Phases[4].Blockers[0].Check != "account.sts-disabled" {
		t.Errorf("phase 4 blockers %+v (ou.account-limit is remedied by the plan)", p.Phases[4].Blockers)
	}
	if d := disposition(p, ids[1]); d.How != HowBlocked || !strings.Contains(d.Reason, "account.sts-disabled") {
		t.Errorf("blocked account %+v", d)
	}
	if st := p.Step("baseline.enable/" + a); !strings.Contains(st.Blocked, ids[1]) {
		t.Errorf("registration of the OU holding a blocked account is not blocked: %q", st.Blocked)
	}
	if len(p.Findings) != 4 {
		t.Errorf("plan keeps %d findings, want the whole report (4)", len(p.Findings))
	}
}

// A deploy-phase blocker stops the landing zone, even when it names an account a step enrolls
// (the account whose e-mail the settings reuse): that account is not what fails.
func TestDeployBlockerStopsTheLandingZoneOnly(t *testing.T) {
	o := newTiny()
	a := o.ou("r-ab12", "A")
	ids := o.accounts(a, 1)
	p := o.plan(t, nil, checks.Finding{Check: "email.shared-accounts", Title: "used", Severity: checks.Blocker, Phase: checks.PhaseDeploy,
		Subjects: []checks.Subject{{Kind: checks.KindOrganization, ID: "o-abcdefghij"}, {Kind: checks.KindAccount, ID: ids[0]}}})
	if p.Step(KindLandingZoneCreate).Blocked == "" || p.Step("baseline.enable/"+a).Blocked != "" || disposition(p, ids[0]).How != HowOURegistration {
		t.Errorf("landing zone %q, registration %q, account %+v", p.Step(KindLandingZoneCreate).Blocked, p.Step("baseline.enable/"+a).Blocked, disposition(p, ids[0]))
	}
}

func TestDeployVariants(t *testing.T) {
	o := newTiny()
	o.accounts(o.ou("r-ab12", "A"), 1)
	p := o.plan(t, nil)
	for _, role := range []string{"AWSControlTowerAdmin", "AWSControlTowerCloudTrailRole", "AWSControlTowerStackSetRole", "AWSControlTowerConfigAggregatorRoleForOrganizations"} {
		st := p.Step(iamRoleStepID("100000000000", role))
		if st == nil || !slices.Contains(p.Step(KindLandingZoneCreate).DependsOn, st.ID) || st.Params.(IAMRoleCreate).Path != "/service-role/" {
			t.Errorf("Control Tower role %s: %+v", role, st)
		}
	}
	lz := p.Step(KindLandingZoneCreate).Params.(LandingZoneCreate)
	if lz.Manifest.LogArchiveAccountID != Out("account.create/log-archive", OutputAccountID) || lz.Manifest.SandboxOUName != "Sandbox" {
		t.Errorf("manifest %+v", lz.Manifest)
	}
	p = o.plan(t, func(s *settings.Settings) { s.CTDeploy = settings.CTDeployManual })
	if st := p.Step(KindManual + "/landing-zone"); st == nil || !st.Manual || p.Step("account.create/audit") != nil ||
		!slices.Contains(p.Step(KindLandingZoneVerify).DependsOn, st.ID) {
		t.Errorf("manual deploy: %+v", st)
	}
	o.s.ControlTower.LandingZone = &inventory.LandingZone{Arn: "arn:aws:controltower:eu-west-1:100000000000:landingzone/x", Version: "3.3", HomeRegion: "eu-west-1", Status: "ACTIVE"}
	p = o.plan(t, nil)
	if st := p.Step(KindLandingZoneVerify); st == nil || st.Manual || p.Step(KindLandingZoneCreate) != nil {
		t.Errorf("existing landing zone: %+v", st)
	}
}

func TestEnrollmentQueueLookahead(t *testing.T) {
	o := newTiny()
	reg := o.ou("r-ab12", "Done")
	ids := o.accounts(reg, 6)
	o.register(reg)
	p := o.plan(t, func(s *settings.Settings) { s.AccountConcurrency = 1 })
	// With concurrency 1, account i's Config removal waits for enrollment i-2: never all at once.
	c := p.Step("config.stackset-instances.delete/" + ids[4])
	if c == nil || !slices.Contains(c.DependsOn, "account.enroll/"+ids[2]) {
		t.Fatalf("Config removal of the 5th account does not wait for the 3rd enrollment: %+v", c)
	}
	if c := p.Step("config.stackset-instances.delete/" + ids[0]); slices.ContainsFunc(c.DependsOn, func(d string) bool { return strings.HasPrefix(d, "account.enroll/") }) {
		t.Errorf("first account waits for an enrollment: %v", c.DependsOn)
	}
	// Estimate: 6 enrollments at 15 minutes, one at a time.
	if got := p.Phases[4].EstimateSeconds; got < 6*enrollUpperSeconds {
		t.Errorf("phase 4 estimate %ds < 6 × 15 min", got)
	}
	p3 := o.plan(t, func(s *settings.Settings) { s.AccountConcurrency = 3 })
	if p3.Phases[4].EstimateSeconds >= p.Phases[4].EstimateSeconds {
		t.Errorf("concurrency 3 does not shorten the estimate: %d vs %d", p3.Phases[4].EstimateSeconds, p.Phases[4].EstimateSeconds)
	}
}

func TestRegistrationEstimateFollowsAWSFigures(t *testing.T) {
	o := newTiny()
	a := o.ou("r-ab12", "A")
	o.accounts(a, 11)
	p := o.plan(t, nil)
	if got := p.Step("baseline.enable/" + a).EstimateSeconds; got != 10*60+10*2*60 {
		t.Errorf("11-account registration estimated %ds, want 10 min + 10 × 2 min", got)
	}
}

func TestPlanJSONRoundTrip(t *testing.T) {
	snap, s := loadOrg(t, "alz2-typical")
	p := mustBuild(t, snap, s, checks.Report{})
	p.SnapshotHash = SnapshotHash([]byte("x"))
	path := t.TempDir() + "/plan.json"
	if err := Save(path, p); err != nil {
		t.Fatal(err)
	}
	back, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := p.Encode()
	b, _ := back.Encode()
	if string(a) != string(b) {
		t.Fatalf("round trip changed the plan: %s", firstDiff(a, b))
	}
	if _, err := Decode([]byte(`{"version":2,"surprise":true}`)); err == nil || !strings.Contains(err.Error(), "surprise") {
		t.Errorf("unknown key accepted: %v", err)
	}
	for _, v := range []string{`{"version":1,"phases":[]}`, `{"version":99}`} {
		_, err := Decode([]byte(v))
		if !errors.Is(err, ErrOldVersion) || !strings.Contains(err.Error(), "re-plan with this lz2ct") {
			t.Errorf("%s: %v", v, err)
		}
	}
	// A step without params, or with a kind this lz2ct does not know, is refused.
	noParams := strings.Replace(string(a), `"params": {`, `"nothing": {`, 1)
	if _, err := Decode([]byte(noParams)); err == nil {
		t.Error("a step without params accepted")
	}
	legacy := strings.Replace(string(a), `"kind": "export.scp"`, `"kind": "export"`, 1)
	if _, err := Decode([]byte(legacy)); err == nil || !strings.Contains(err.Error(), `unknown kind "export"`) {
		t.Errorf("a version-1 kind accepted: %v", err)
	}
}

func TestDecommissionRetainsStacksOfAccountsLeftAlone(t *testing.T) {
	o := newTiny()
	a := o.ou("r-ab12", "A")
	ids := o.accounts(a, 2)
	kept := o.accounts(o.ou("r-ab12", "Legacy"), 1)
	o.s.ALZ.StackSets = append(o.s.ALZ.StackSets, inventory.StackSet{Name: "AWS-Landing-Zone-Baseline-EnableCloudTrail", Status: "ACTIVE",
		Instances: []inventory.StackInstance{{AccountID: ids[0], Region: "eu-west-1"}, {AccountID: kept[0], Region: "eu-west-1"}}})
	p := o.plan(t, func(s *settings.Settings) { s.Exclude.OUs = []string{"Legacy"} })
	del := p.Step("stackset-instances.delete/AWS-Landing-Zone-Baseline-EnableCloudTrail/1").Params.(StackSetInstancesDelete)
	ret := p.Step("stackset-instances.delete/AWS-Landing-Zone-Baseline-EnableCloudTrail/2").Params.(StackSetInstancesDelete)
	if del.RetainStacks || !slices.Equal(del.Accounts, ids[:1]) || !ret.RetainStacks || !slices.Equal(ret.Accounts, kept) {
		t.Errorf("migrated instances must be deleted, excluded ones retained: %+v / %+v", del, ret)
	}
	if st := p.Step("stackset.delete/AWS-Landing-Zone-Baseline-EnableCloudTrail"); st == nil || len(st.DependsOn) < 3 {
		t.Errorf("the StackSet deletion does not wait for its instances: %+v", st)
	}
	// EnableConfig: the waves deleted the migrated accounts' instances; only the excluded one is left.
	ec := stepsOfKind(p, KindStackSetInstancesDelete)
	var left []string
	for _, st := range ec {
		if prm := st.Params.(StackSetInstancesDelete); prm.StackSetName == EnableConfigStackSet {
			if !prm.RetainStacks {
				t.Errorf("EnableConfig instances deleted in decommission: %+v", prm)
			}
			left = append(left, prm.Accounts...)
		}
	}
	if !slices.Equal(left, kept) {
		t.Errorf("EnableConfig decommission names %v, want only the excluded account %v", left, kept)
	}
}

func TestOrganizationWithoutALZ(t *testing.T) {
	o := newTiny()
	a := o.ou("r-ab12", "A")
	ids := o.accounts(a, 2)
	o.s.ALZ = nil
	p := o.plan(t, func(s *settings.Settings) { s.HomeRegion = "eu-west-1" })
	if len(p.Phases[6].Steps) != 0 || len(p.Phases[5].Steps) != 0 {
		t.Errorf("no ALZ, yet decommission/shared steps: %d/%d", len(p.Phases[6].Steps), len(p.Phases[5].Steps))
	}
	if d := disposition(p, ids[0]); d.How != HowOURegistration {
		t.Errorf("account %+v", d)
	}
	// Without the StackSet, Config is removed directly even on the stackset route.
	if p.Step("config.recorder.delete/"+ids[0]+"/eu-west-1") == nil {
		t.Error("no direct Config removal without ALZ's StackSet")
	}
}

// An account discovery could not read gets a guarded Config removal in every governed region, in
// both removal modes; a readable account only where ALZ's Config is.
func TestUnreadableAccountsConfigRemovalEverywhere(t *testing.T) {
	for _, mode := range []string{settings.ConfigRemovalStackSet, settings.ConfigRemovalDirect} {
		t.Run(mode, func(t *testing.T) {
			o := newTiny()
			a := o.ou("r-ab12", "A")
			ids := o.accounts(a, 2)
			dark := o.account(ids[1])
			dark.AccessRole, dark.IAM, dark.Regions = "", nil, nil
			// Discovery read the other account in us-east-1 and found nothing there.
			o.account(ids[0]).Regions = append(o.account(ids[0]).Regions, inventory.AccountRegion{Region: "us-east-1"})
			p := o.plan(t, func(s *settings.Settings) {
				s.ConfigRemoval = mode
				s.GovernedRegions = []string{"eu-west-1", "us-east-1"}
			})
			regions := map[string]bool{}
			for _, st := range p.OrderedSteps() {
				switch prm := st.Params.(type) {
				case ConfigRecorderDelete:
					if prm.AccountID == ids[1] {
						regions[prm.Region] = true
						if prm.RecorderName != alzRecorderName || !strings.Contains(st.Guard, "could not read") {
							t.Errorf("%s deletes %q with guard %q", st.ID, prm.RecorderName, st.Guard)
						}
					}
					if prm.AccountID == ids[0] && prm.Region == "us-east-1" {
						t.Errorf("%s: the readable account has no Config in us-east-1", st.ID)
					}
				case ConfigStackSetInstancesDelete:
					if slices.Contains(prm.Accounts, ids[1]) {
						for _, r := range prm.Regions {
							regions[r] = true
						}
					}
				}
			}
			if !regions["eu-west-1"] || !regions["us-east-1"] {
				t.Errorf("unreadable account cleared in %v, want every governed region", regions)
			}
		})
	}
}

// AWSControlTowerExecution: one StackSet for many accounts (created once, one operation per wave,
// through ALZ's StackSet roles), one iam-role.create for each account ALZ's role cannot reach.
func TestExecutionRoleStackSet(t *testing.T) {
	o := newTiny()
	a := o.ou("r-ab12", "A")
	b := o.ou("r-ab12", "B")
	aIDs := o.accounts(a, 4)
	bIDs := o.accounts(b, 4)
	o.account(bIDs[3]).IAM.StackSetExecutionRole = false
	p := o.plan(t, nil)
	if n := len(stepsOfKind(p, KindStackSetCreate)); n != 1 {
		t.Fatalf("%d stackset.create steps, want 1", n)
	}
	create := stepsOfKind(p, KindStackSetCreate)[0].Params.(StackSetCreate)
	if create.PermissionModel != "SELF_MANAGED" || !strings.HasSuffix(create.AdministrationRoleARN, ":role/AWSCloudFormationStackSetAdministrationRole") ||
		!strings.Contains(create.TemplateBody, `"RoleName":"AWSControlTowerExecution"`) {
		t.Errorf("StackSet %+v", create)
	}
	waves := stepsOfKind(p, KindStackSetInstancesCreate)
	if len(waves) != 2 || !slices.Equal(waves[0].Params.(StackSetInstancesCreate).Accounts, aIDs) || len(waves[1].Params.(StackSetInstancesCreate).Accounts) != 3 {
		t.Fatalf("one StackSet operation per wave expected: %+v", waves)
	}
	if st := p.Step(iamRoleStepID(bIDs[3], ExecutionRole)); st == nil || !slices.Contains(p.Step("baseline.enable/"+b).DependsOn, st.ID) {
		t.Error("the account without ALZ's StackSet role does not get its own role step")
	}
	// A handful of accounts: one step each.
	o2 := newTiny()
	o2.accounts(o2.ou("r-ab12", "A"), 3)
	p2 := o2.plan(t, nil)
	if len(stepsOfKind(p2, KindStackSetCreate)) != 0 || len(stepsOfKind(p2, KindIAMRoleCreate)) != 4+3 {
		t.Errorf("3 accounts: %d StackSets, %d iam-role.create", len(stepsOfKind(p2, KindStackSetCreate)), len(stepsOfKind(p2, KindIAMRoleCreate)))
	}
}

// ALZ's Account Factory goes in the reference's order: every provisioned product nothing keeps is
// terminated first (never Add-On products), then constraints, principals and products leave the
// portfolios, then the portfolios and products go; AVM stacks are deleted directly only when
// their provisioned product no longer exists.
func TestAccountFactoryDecommissionOrder(t *testing.T) {
	o := newTiny()
	o.accounts(o.ou("r-ab12", "A"), 1)
	o.s.ALZ.Products = []inventory.Product{{ID: "prod-avm", Name: "AWS-Landing-Zone-Account-Vending-Machine"}, {ID: "prod-addon", Name: "my-add-on"}}
	o.s.ALZ.Portfolios = []inventory.Portfolio{
		{ID: "port-base", Name: "AWS Landing Zone - Baseline", ProductIDs: []string{"prod-avm"}, PrincipalARNs: []string{"arn:aws:iam::100000000000:role/LandingZoneAdmin"}, ConstraintIDs: []string{"cons-1"}},
		{ID: "port-addon", Name: "AWS Landing Zone - Add-On Products", ProductIDs: []string{"prod-addon"}},
	}
	o.s.ALZ.ProvisionedProducts = []inventory.ProvisionedProduct{
		{ID: "pp-core1", Name: "lz_core_security", ProductID: "prod-avm", Status: "AVAILABLE"},
		{ID: "pp-acct1", Name: "lz_apps_app1_2020", ProductID: "prod-avm", Status: "AVAILABLE"},
		{ID: "pp-addon1", Name: "my-add-on-instance", ProductID: "prod-addon", Status: "AVAILABLE"},
	}
	o.s.ALZ.Stacks = []inventory.Stack{
		{Name: "SC-100000000000-pp-acct1", Region: "eu-west-1", Description: "(SO0045) AVM"},
		{Name: "SC-100000000000-pp-gone1", Region: "eu-west-1", Description: "(SO0045) AVM"},
	}
	p := o.plan(t, nil)
	order := pos(p)
	for _, pp := range []string{"pp-core1", "pp-acct1"} {
		if p.Step("provisioned-product.terminate/"+pp) == nil {
			t.Errorf("%s is not terminated", pp)
		}
	}
	if p.Step("provisioned-product.terminate/pp-addon1") != nil || p.Step("sc.portfolio.delete/port-addon") != nil || p.Step("sc.product.delete/prod-addon") != nil {
		t.Error("an Add-On product, its portfolio or its provisioned product is removed")
	}
	last := order["provisioned-product.terminate/pp-acct1"]
	for _, id := range []string{"sc.constraint.delete/cons-1", "sc.principal.disassociate/port-base/arn:aws:iam::100000000000:role/LandingZoneAdmin",
		"sc.product.disassociate/port-base/prod-avm", "sc.portfolio.delete/port-base", "sc.product.delete/prod-avm", "stack.delete/eu-west-1/SC-100000000000-pp-gone1"} {
		if _, ok := order[id]; !ok || order[id] < last {
			t.Errorf("%s missing or before the terminations", id)
		}
	}
	if order["sc.portfolio.delete/port-base"] < order["sc.constraint.delete/cons-1"] || order["sc.product.delete/prod-avm"] < order["sc.portfolio.delete/port-base"] {
		t.Error("portfolio deleted before it is empty, or product before its portfolio")
	}
	if p.Step("stack.delete/eu-west-1/SC-100000000000-pp-acct1") != nil {
		t.Error("the stack of a provisioned product the plan terminates is deleted directly")
	}
	keptText := fmt.Sprint(p.Kept)
	if !strings.Contains(keptText, "pp-addon1") || !strings.Contains(keptText, "port-addon") {
		t.Errorf("kept %v does not name the Add-On product and its portfolio", p.Kept)
	}
}

// No dead end for the core OU: without a destination it is kept and the plan says why; with one,
// its accounts move out, then it is deleted, and closing comes after.
func TestCoreOUDestination(t *testing.T) {
	mk := func() (*tiny, string, string, []string) {
		o := newTiny()
		o.accounts(o.ou("r-ab12", "A"), 1)
		parking := o.ou("r-ab12", "Suspended")
		core := o.ou("r-ab12", "core")
		accts := o.accounts(core, 2)
		o.s.ALZ.CoreOUID, o.s.ALZ.SecurityAccountID, o.s.ALZ.LogArchiveAccountID = core, accts[0], accts[1]
		return o, parking, core, accts
	}
	o, _, core, _ := mk()
	p := o.plan(t, func(s *settings.Settings) { s.Exclude.OUs = []string{"Suspended"} })
	if p.Step("ou.delete/"+core) != nil || !strings.Contains(fmt.Sprint(p.Kept), "oldAccountsOU") {
		t.Errorf("core OU without a destination: delete step %v, kept %v", p.Step("ou.delete/"+core), p.Kept)
	}
	o, parking, core, accts := mk()
	p = o.plan(t, func(s *settings.Settings) {
		s.Exclude.OUs = []string{"Suspended"}
		s.Decommission.OldAccountsOU = "Suspended"
		s.Decommission.CloseOldAccounts = true
	})
	order := pos(p)
	del := order["ou.delete/"+core]
	for _, a := range accts {
		mv := p.Step("account.move/" + a)
		if mv == nil || mv.Params.(AccountMove).DestinationParentID != Lit(parking) || order[mv.ID] > del {
			t.Errorf("account %s is not moved to the chosen OU before the core OU goes: %+v", a, mv)
		}
		if cl, ok := order["account.close/"+a]; !ok || cl < del {
			t.Errorf("account %s is not closed after the move", a)
		}
	}
}

// With copyLogs false no step copies logs; with true, the copy runs before the log bucket goes.
func TestCopyLogs(t *testing.T) {
	mk := func() *tiny {
		o := newTiny()
		o.accounts(o.ou("r-ab12", "A"), 1)
		core := o.ou("r-ab12", "core")
		la := o.accounts(core, 1)[0]
		o.s.ALZ.CoreOUID, o.s.ALZ.LogArchiveAccountID = core, la
		o.s.ALZ.Buckets = []inventory.Bucket{{Name: "aws-landing-zone-logs-" + la + "-eu-west-1", AccountID: la, Region: "eu-west-1"}}
		return o
	}
	p := mk().plan(t, nil)
	for _, st := range p.OrderedSteps() {
		if st.Kind == KindLogsCopy || st.Kind == KindBucketCreate || slices.ContainsFunc(st.CLI, func(c string) bool { return strings.Contains(c, "s3 sync") }) {
			t.Errorf("copyLogs false, yet %s copies logs", st.ID)
		}
		if st.Kind == KindBucketDelete {
			t.Errorf("copyLogs false, yet the log bucket is deleted by %s", st.ID)
		}
	}
	if !strings.Contains(fmt.Sprint(p.Kept), "aws-landing-zone-logs-") {
		t.Errorf("the kept log bucket is not listed: %v", p.Kept)
	}
	p = mk().plan(t, func(s *settings.Settings) { s.Decommission.CopyLogs = true })
	order := pos(p)
	cp := stepsOfKind(p, KindLogsCopy)
	del := stepsOfKind(p, KindBucketDelete)[0]
	// The copy of phase 5, and a last one in decommission for what ALZ wrote since; the deletion
	// needs the last one and checks the copy holds every object.
	if len(cp) != 2 || order[cp[0].ID] > order[cp[1].ID] || order[cp[1].ID] > order[del.ID] || !slices.Contains(del.DependsOn, cp[1].ID) {
		t.Fatalf("copyLogs true: copies %s, %s must precede the bucket deletion %v", cp[0].ID, cp[1].ID, del.DependsOn)
	}
	for _, c := range cp {
		prm := c.Params.(LogsCopy)
		if prm.DestinationAccountID != Out("account.create/log-archive", OutputAccountID) || prm.ManualAboveBytes != settings.DefaultCopyLogsMaxGiB<<30 {
			t.Errorf("%s: params %+v", c.ID, prm)
		}
		if !slices.ContainsFunc(c.CLI, func(cmd string) bool {
			return strings.Contains(cmd, LogsSyncCommand(prm.SourceBucket, prm.DestinationBucket, prm.Region))
		}) {
			t.Errorf("%s: no aws s3 sync command in %v", c.ID, c.CLI)
		}
	}
	if got := del.Params.(BucketDelete).CopiedTo; got != cp[0].Params.(LogsCopy).DestinationBucket {
		t.Errorf("the deletion's guard checks the copy in %q", got)
	}
	p = mk().plan(t, func(s *settings.Settings) { s.Decommission.CopyLogs, s.Decommission.CopyLogsMaxGiB = true, 7 })
	if got := stepsOfKind(p, KindLogsCopy)[0].Params.(LogsCopy).ManualAboveBytes; got != 7<<30 {
		t.Errorf("copyLogsMaxGiB 7: manualAboveBytes %d", got)
	}
	// copyLogs, but ALZ's Log Archive account is unknown: nothing copies, so nothing deletes the logs.
	o := mk()
	o.s.ALZ.LogArchiveAccountID = ""
	p = o.plan(t, func(s *settings.Settings) { s.Decommission.CopyLogs = true })
	if n := len(stepsOfKind(p, KindLogsCopy)) + len(stepsOfKind(p, KindBucketDelete)); n != 0 {
		t.Errorf("no copy planned, yet %d copy or delete steps", n)
	}
	if !strings.Contains(fmt.Sprint(p.Kept), "no copy is planned") {
		t.Errorf("the uncopied log bucket is not kept: %v", p.Kept)
	}
}

// Every export writes into the state folder's exports/, and its commands say so.
func TestExportsWriteIntoStateFolder(t *testing.T) {
	snap, s := loadOrg(t, "alz2-typical")
	p := mustBuild(t, snap, s, checks.Report{})
	n := 0
	for _, st := range p.Phases[0].Steps {
		if !strings.HasPrefix(st.Kind, "export.") {
			continue
		}
		n++
		var path string
		switch prm := st.Params.(type) {
		case ExportSCP:
			path = prm.Path
		case ExportStackSet:
			path = prm.Path
		case ExportSSMParameters:
			path = prm.Path
		case ExportPortfolios:
			path = prm.Path
		case ExportBucket:
			path = prm.Path
		}
		if !strings.HasPrefix(path, "exports/") || !slices.ContainsFunc(st.CLI, func(c string) bool {
			return strings.Contains(c, " "+path) || strings.Contains(c, ">"+path) || strings.Contains(c, "> exports/")
		}) {
			t.Errorf("%s writes %q, commands %v", st.ID, path, st.CLI)
		}
	}
	if n < 5 {
		t.Errorf("%d export steps", n)
	}
}

func FuzzDecodePlan(f *testing.F) {
	snap, s := loadOrg(f, "alz1-legacy")
	p, err := Build(snap, s, checks.Report{})
	if err != nil {
		f.Fatal(err)
	}
	seed, _ := p.Encode()
	f.Add(seed)
	f.Add([]byte(`{"version":2,"phases":[{"steps":[{"id":"x","kind":"verify","params":{"condition":"c"},"dependsOn":["y"]}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Decode(data)
		if err != nil {
			return
		}
		// Whatever decodes re-encodes to something that decodes to the same plan.
		out, err := p.Encode()
		if err != nil {
			t.Fatal(err)
		}
		q, err := Decode(out)
		if err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		again, _ := q.Encode()
		if string(again) != string(out) {
			t.Fatal("encode/decode is not stable")
		}
		_ = p.OrderedSteps()
		_ = p.Blocked()
		_ = p.Step("x")
	})
}

func TestOrganizationWithoutOUs(t *testing.T) {
	o := newTiny()
	ids := o.accounts("r-ab12", 2)
	p := o.plan(t, nil)
	if p.Step(KindLandingZoneCreate) == nil || len(p.OUOrder) != 0 {
		t.Fatalf("plan without OUs: %d OUs, deploy %v", len(p.OUOrder), p.Step(KindLandingZoneCreate))
	}
	if d := disposition(p, ids[0]); d.How != HowLeftOut || !strings.Contains(d.Reason, "root") {
		t.Errorf("root account %+v", d)
	}
}

// org.trusted-access matches service principals case-insensitively and says the deploy phase
// disables them: the planner must match them the same way.
func TestTrustedAccessDisabledWhateverTheCase(t *testing.T) {
	o := newTiny()
	o.accounts(o.ou("r-ab12", "A"), 1)
	o.s.TrustedServices = []string{"Config.amazonaws.com", "cloudtrail.amazonaws.com"}
	p := o.plan(t, nil)
	for _, svc := range []string{"config.amazonaws.com", "cloudtrail.amazonaws.com"} {
		if p.Step("trusted-access.disable/"+svc) == nil {
			t.Errorf("no step disables trusted access for %s", svc)
		}
	}
}

// The ALZ freeze is the first thing the plan changes, and the alz.pipeline finding says so.
func TestFreezeFirst(t *testing.T) {
	snap, s := loadOrg(t, "alz2-typical")
	rep := checks.Run(checks.Input{Snapshot: snap, Settings: s})
	p := mustBuild(t, snap, s, rep)
	freeze := p.Step("pipeline-transition.disable/AWS-Landing-Zone-CodePipeline")
	if freeze == nil || !slices.ContainsFunc(p.Phases[0].Steps, func(st Step) bool { return st.ID == freeze.ID }) {
		t.Fatalf("no freeze in phase 0: %+v", freeze)
	}
	prm := freeze.Params.(PipelineTransitionDisable)
	if prm.StageName != "Build" || prm.PipelineName != "AWS-Landing-Zone-CodePipeline" {
		t.Errorf("freeze params %+v", prm)
	}
	fs := rep.ByCheck("alz.pipeline")
	if len(fs) != 1 || !fs[0].FixedByPlan || !strings.Contains(fs[0].Remediation, freeze.ID) || !strings.Contains(fs[0].Remediation, "phase 0") {
		t.Errorf("alz.pipeline finding does not say the plan freezes first: %+v", fs)
	}
}

// Re-planning halfway through the migration, with the same settings file, plans only the rest:
// the landing zone is verified (not created), registered OUs and enrolled accounts are left alone,
// and the ALZ freeze already done is not repeated.
func TestMidwayPlansOnlyTheRest(t *testing.T) {
	snap, s := loadOrg(t, "alz2-midway")
	if err := s.Validate(snap); err != nil {
		t.Fatalf("the settings file that started the migration is refused halfway: %v", err)
	}
	rep := checks.Run(checks.Input{Snapshot: snap, Settings: s})
	if u := rep.Unfixed(); len(u) != 0 {
		t.Fatalf("unfixed blockers halfway: %+v", u)
	}
	p := mustBuild(t, snap, s, rep)
	checkInvariants(t, snap, s, p)
	full, fs := loadOrg(t, "alz2-typical")
	whole := mustBuild(t, full, fs, checks.Run(checks.Input{Snapshot: full, Settings: fs}))

	ix := inventory.NewIndex(snap)
	done := map[string]bool{}
	for _, ou := range snap.OUs {
		if ix.IsRegistered(ou.ID) {
			done[ou.ID] = true
		}
	}
	for _, a := range snap.Accounts {
		if ix.IsEnrolled(a.ID) {
			done[a.ID] = true
		}
	}
	if len(done) < 2+4 {
		t.Fatalf("the midway organization has %d registered OUs and enrolled accounts", len(done))
	}
	if p.Step(KindLandingZoneVerify) == nil || p.Step(KindLandingZoneCreate) != nil || len(stepsOfKind(p, KindAccountCreate)) != 0 {
		t.Error("the landing zone is planned again")
	}
	if len(stepsOfKind(p, KindPipelineTransitionDisable)) != 0 {
		t.Error("the ALZ freeze is planned again")
	}
	regs := 0
	for _, st := range p.OrderedSteps() {
		targets := []string{st.Target.AccountID, st.Target.OUID}
		if st.Kind == KindAccountEnroll {
			targets = targets[:1] // enrolling into a registered OU is the point
		}
		for _, v := range targets {
			if done[v] && st.Kind != KindStackSetInstancesDelete {
				t.Errorf("%s acts on %s, which Control Tower already governs", st.ID, v)
			}
		}
		if prm, ok := st.Params.(SCPDetach); ok && done[prm.TargetID] {
			t.Errorf("%s detaches from an OU already registered", st.ID)
		}
		if st.Kind == KindBaselineEnable {
			regs++
		}
		if st.Kind == KindBaselineEnable || st.Kind == KindAccountEnroll {
			if whole.Step(st.ID) == nil {
				t.Errorf("%s is not a step of the whole migration's plan", st.ID)
			}
		}
	}
	if wholeRegs := len(stepsOfKind(whole, KindBaselineEnable)); regs != wholeRegs-2 {
		t.Errorf("%d registrations left, want %d (the whole plan's %d minus the 2 done)", regs, wholeRegs-2, wholeRegs)
	}
	// The Shared Services account goes into Infrastructure, now already registered.
	ss := p.Step("account.enroll/" + snap.ALZ.SharedServicesAccountID)
	if ss == nil || slices.ContainsFunc(ss.DependsOn, func(d string) bool { return strings.HasPrefix(d, KindBaselineEnable+"/") }) {
		t.Errorf("Shared Services enrollment %+v", ss)
	}
	// Registrations use the existing landing zone's IdentityCenterBaseline.
	if prm := p.Step("baseline.enable/ou-wkmz-24zd7qqm").Params.(BaselineEnable); prm.IdentityCenterEnabledBaselineARN != Out(KindLandingZoneVerify, OutputIdentityCenterEnabledBaselineARN) {
		t.Errorf("registration params %+v", prm)
	}
}

// TestBringExistingSharedAccounts: with sharedAccounts: existing, ALZ's Log Archive and Security
// accounts become Control Tower's: no account is created, the manifest names them by ID, ALZ's
// SCPs and Config leave them (and AWSControlTowerExecution arrives) before the set-up, phase 5 has
// nothing to move, and decommission neither moves, closes nor strips them.
func TestBringExistingSharedAccounts(t *testing.T) {
	snap, s := loadOrg(t, "alz2-existing")
	rep := checks.Run(checks.Input{Snapshot: snap, Settings: s})
	p := mustBuild(t, snap, s, rep)
	checkInvariants(t, snap, s, p)
	sx := index(t, p)
	logID, secID := snap.ALZ.LogArchiveAccountID, snap.ALZ.SecurityAccountID
	lz := p.Step(KindLandingZoneCreate)
	m := lz.Params.(LandingZoneCreate).Manifest
	if m.LogArchiveAccountID != Lit(logID) || m.AuditAccountID != Lit(secID) {
		t.Fatalf("manifest %+v", m)
	}
	if len(stepsOfKind(p, KindAccountCreate))+len(stepsOfKind(p, KindLogsCopy))+len(stepsOfKind(p, KindBucketCreate))+len(stepsOfKind(p, KindAccountClose)) > 0 {
		t.Fatal("accounts created, logs copied or old accounts closed though ALZ's accounts are brought in")
	}
	for _, id := range []string{KindManual + "/security-tooling", KindManual + "/log-consumers"} {
		if p.Step(id) != nil {
			t.Errorf("%s planned: nothing moves off accounts Control Tower takes over", id)
		}
	}
	before := sx.deps(lz.ID)
	for _, acct := range []string{logID, secID} {
		if d := disposition(p, acct); d.How != HowSharedAccount || d.By != KindLandingZoneCreate {
			t.Errorf("account %s: %+v", acct, d)
		}
		removed := false
		for id, st := range sx.steps {
			if covers(st, acct) {
				removed = true
				if !before[id] || sx.phase[id] != 1 {
					t.Errorf("%s removes Config from %s outside phase 1 or after the set-up", id, acct)
				}
			}
		}
		if !removed {
			t.Errorf("ALZ's Config is not removed from %s before the set-up", acct)
		}
		if a := snap.Accounts; len(a) > 0 && !before[iamRoleStepID(acct, ExecutionRole)] && p.Step(iamRoleStepID(acct, ExecutionRole)) != nil {
			t.Errorf("AWSControlTowerExecution in %s is created after the set-up", acct)
		}
	}
	// ALZ's SCPs on their path (the core OU's guardrails) are detached before the Config removal.
	for _, pid := range inventory.NewIndex(snap).PoliciesOn(snap.ALZ.CoreOUID) {
		if checks.IsALZPolicy(inventory.NewIndex(snap).Policy(pid)) && !before[scpDetachStepID(pid, snap.ALZ.CoreOUID)] {
			t.Errorf("ALZ SCP %s stays on the core OU during the set-up", pid)
		}
	}
	// Decommission keeps their stacks (detached from ALZ's StackSets) and lists them as kept.
	for _, st := range stepsOfKind(p, KindStackSetInstancesDelete) {
		prm := st.Params.(StackSetInstancesDelete)
		if (slices.Contains(prm.Accounts, logID) || slices.Contains(prm.Accounts, secID)) && !prm.RetainStacks {
			t.Errorf("%s deletes ALZ's stacks in a shared account", st.ID)
		}
	}
	kept := 0
	for _, k := range p.Kept {
		if strings.Contains(k.Resource, logID) || strings.Contains(k.Resource, secID) {
			kept++
		}
	}
	if kept < 3 { // two accounts' stacks, the log bucket(s)
		t.Errorf("kept %+v", p.Kept)
	}
	if p.Step(KindOUDelete+"/"+snap.ALZ.CoreOUID) == nil {
		t.Error("the core OU, emptied by Control Tower's set-up, is not deleted")
	}
	if len(rep.Unfixed()) != 0 || anyBlocked(p) {
		t.Errorf("blocked: %v", p.Blocked())
	}

	// By hand in the console: the same preparation, and the instructions name the accounts.
	s.CTDeploy = settings.CTDeployManual
	p = mustBuild(t, snap, s, checks.Run(checks.Input{Snapshot: snap, Settings: s}))
	checkInvariants(t, snap, s, p)
	man := p.Step(KindManual + "/landing-zone")
	if man == nil || !strings.Contains(strings.Join(man.Params.(Manual).Instructions, " "), "existing accounts") ||
		!strings.Contains(strings.Join(man.Params.(Manual).Instructions, " "), logID) {
		t.Fatalf("manual set-up %+v", man)
	}
	if v := p.Step(KindLandingZoneVerify).Params.(LandingZoneVerify); v.LogArchiveEmail != inventory.NewIndex(snap).Account(logID).Email {
		t.Errorf("verify %+v", v)
	}
	if !index(t, p).deps(man.ID)[KindConfigStackSetInstancesDelete+"/shared-accounts"] {
		t.Error("the console set-up does not wait for the Config removal")
	}
}
