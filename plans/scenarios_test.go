package plans

import (
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

// accounts adds n accounts with ALZ Config (a recorder and an EnableConfig instance in eu-west-1).
func (t *tiny) accounts(parent string, n int) []string {
	var ids []string
	for i := 0; i < n; i++ {
		t.n++
		id := fmt.Sprintf("2%011d", t.n)
		t.s.Accounts = append(t.s.Accounts, inventory.Account{ID: id, Name: "acct" + id[8:], Status: "ACTIVE", ParentID: parent,
			Email: "a" + id + "@x.example", IAM: &inventory.AccountIAM{},
			Regions: []inventory.AccountRegion{{Region: "eu-west-1",
				ConfigRecorders:  []inventory.ConfigRecorder{{Name: "AWS-Landing-Zone-BaselineConfigRecorder", Recording: true}},
				DeliveryChannels: []inventory.DeliveryChannel{{Name: "Landing-Zone-Delivery-Channel"}}}}})
		ss := &t.s.ALZ.StackSets[0]
		ss.Instances = append(ss.Instances, inventory.StackInstance{AccountID: id, Region: "eu-west-1", Status: "CURRENT"})
		ids = append(ids, id)
	}
	return ids
}

func (t *tiny) plan(tb *testing.T, edit func(*settings.Settings), findings ...checks.Finding) *Plan {
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
	p, err := Build(t.s, s, checks.NewReport(findings))
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

func TestSplitOversizedOU(t *testing.T) {
	o := newTiny()
	big := o.ou("r-ab12", "Apps")
	ids := o.accounts(big, 7)
	p := o.plan(t, func(s *settings.Settings) { s.OUAccountLimit = 3 })
	e := entry(p, "Apps")
	if e.Order != 1 || e.Enrolls != 3 || !strings.Contains(e.Remedy, "split into 2 child OUs") {
		t.Fatalf("oversized OU entry %+v", e)
	}
	for _, name := range []string{"Apps/Apps-2", "Apps/Apps-3"} {
		c := entry(p, name)
		if !c.Created || c.Order <= e.Order || c.Enrolls == 0 || c.Enrolls > 3 {
			t.Errorf("child %s: %+v", name, c)
		}
	}
	for _, id := range []string{"ou.create/" + big + "/Apps-2", "ou.register/" + big + "/Apps-3", "account.move/" + ids[6]} {
		if p.Step(id) == nil {
			t.Errorf("missing remedy step %s", id)
		}
	}
	if d := disposition(p, ids[6]); d.How != HowOURegistration || d.By != "ou.register/"+big+"/Apps-3" {
		t.Errorf("excess account %+v", d)
	}
	if d := disposition(p, ids[0]); d.By != "ou.register/"+big {
		t.Errorf("first account %+v", d)
	}
}

func TestOversizedOUAtDepthFiveEnrollsExcess(t *testing.T) {
	o := newTiny()
	parent := "r-ab12"
	for i := 1; i <= 5; i++ {
		parent = o.ou(parent, fmt.Sprintf("L%d", i))
	}
	ids := o.accounts(parent, 4)
	p := o.plan(t, func(s *settings.Settings) { s.OUAccountLimit = 2 })
	e := entry(p, "L1/L2/L3/L4/L5")
	if e.Order == 0 || e.Enrolls != 2 || !strings.Contains(e.Remedy, "too deep to split") {
		t.Fatalf("entry %+v", e)
	}
	for _, id := range ids[2:] {
		d := disposition(p, id)
		if d.How != HowEnroll {
			t.Errorf("excess account %s: %+v", id, d)
		}
		en := p.Step("enroll/" + id)
		if en == nil || !slices.Contains(en.DependsOn, "ou.register/"+parent) {
			t.Errorf("enrollment of %s does not wait for its OU's registration: %+v", id, en)
		}
		if mv := p.Step("account.move/" + id); mv == nil || mv.Target.Resource == parent {
			t.Errorf("excess account %s is not moved out first", id)
		}
	}
}

func TestDeepOUAccountsEnrollIntoAncestor(t *testing.T) {
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
	if e.Order != 0 || !e.Skipped || !strings.Contains(e.Reason, "6 levels deep") {
		t.Fatalf("deep OU entry %+v", e)
	}
	d := disposition(p, ids[0])
	if d.How != HowEnroll || p.Step("enroll/"+ids[0]).Target.OUID != level5 {
		t.Errorf("deep account %+v", d)
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
	o.s.ControlTower.Baselines = ctBaselines
	o.s.ControlTower.EnabledBaselines = []inventory.EnabledBaseline{{BaselineIdentifier: ctBaselineArn,
		TargetIdentifier: "arn:aws:organizations::100000000000:ou/o-abcdefghij/" + reg, Status: "SUCCEEDED"}}
	p := o.plan(t, func(s *settings.Settings) { s.Exclude.OUs = []string{"Legacy"} })

	for path, reason := range map[string]string{"Security": "Security OU", "Legacy": "excluded", "Legacy/Old": "excluded",
		"Registered": "already registered", "core": "core OU"} {
		if e := entry(p, path); e.Order != 0 || !strings.Contains(e.Reason, reason) {
			t.Errorf("%s: %+v, want skipped for %q", path, e, reason)
		}
	}
	if e := entry(p, "Registered/Child"); e.Order == 0 {
		t.Errorf("child of a registered OU not scheduled: %+v", e)
	}
	want := map[string]string{secAcct[0]: HowBlocked, exclAcct[0]: HowExcluded, regAcct[0]: HowEnroll,
		coreAccts[0]: HowExcluded, coreAccts[1]: HowExcluded, coreAccts[2]: HowEnroll, rootAcct[0]: HowBlocked, "100000000000": HowManagement}
	for id, how := range want {
		if d := disposition(p, id); d.How != how {
			t.Errorf("account %s: %+v, want %s", id, d, how)
		}
	}
	// Shared Services is enrolled in phase 5, into the Sandbox OU Control Tower creates.
	st := p.Step("enroll/" + coreAccts[2])
	if st == nil || !slices.ContainsFunc(p.Phases[5].Steps, func(s Step) bool { return s.ID == st.ID }) || !strings.Contains(st.Title, "Sandbox") {
		t.Errorf("Shared Services enrollment %+v", st)
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
	p := o.plan(t, nil)
	order := map[string]int{}
	for i, st := range p.OrderedSteps() {
		order[st.ID] = i
	}
	da, db := "scp.detach/p-protect001/"+a, "scp.detach/p-protect001/"+b
	ca, ra, rb := "config.stackset/"+a, "ou.register/"+a, "ou.register/"+b
	if !(order["safeguard/scp/p-protect001"] < order[da] && order[da] < order[ca] && order[ca] < order[ra] && order[ra] < order[db] && order[db] < order[rb]) {
		t.Errorf("order export<detach A<config A<register A<detach B<register B broken: %v", order)
	}
	if p.Step("scp.detach/p-custom0001/"+a) != nil {
		t.Error("a customer SCP is detached")
	}
	del := p.Step("decommission/scp/p-protect001")
	if del == nil || slices.ContainsFunc(del.CLI, func(c string) bool { return strings.Contains(c, "detach-policy") }) {
		t.Errorf("ALZ SCP deletion %+v", del)
	}
	if c := p.Step(ca); !strings.Contains(c.CLI[0], aAcct[0]) || !c.Destructive {
		t.Errorf("Config removal of wave A: %+v", c)
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
		// As the check reports an OU over the limit: the plan splits it, so it is fixed by the plan.
		checks.Finding{Check: "ou.account-limit", Title: "too many", Severity: checks.Blocker, Phase: checks.PhaseRegistration, FixedByPlan: true,
			Subjects: []checks.Subject{{Kind: checks.KindOU, ID: a}}},
	)
	if len(p.Phases[1].Blockers) != 1 || p.Step("deploy/landing-zone").Blocked == "" {
		t.Errorf("deploy blocker not shown: %+v / %q", p.Phases[1].Blockers, p.Step("deploy/landing-zone").Blocked)
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
	if st := p.Step("ou.register/" + a); !strings.Contains(st.Blocked, ids[1]) {
		t.Errorf("registration of the OU holding a blocked account is not blocked: %q", st.Blocked)
	}
	if len(p.Findings) != 4 {
		t.Errorf("plan keeps %d findings, want the whole report (4)", len(p.Findings))
	}
}

func TestDeployVariants(t *testing.T) {
	o := newTiny()
	o.accounts(o.ou("r-ab12", "A"), 1)
	p := o.plan(t, func(s *settings.Settings) { s.CTDeploy = settings.CTDeployManual })
	if st := p.Step("deploy/landing-zone"); st == nil || !st.Manual || st.Kind != KindVerifyLandingZone || p.Step("deploy/account/audit") != nil {
		t.Errorf("manual deploy: %+v", st)
	}
	o.s.ControlTower.LandingZone = &inventory.LandingZone{Arn: "arn:aws:controltower:eu-west-1:100000000000:landingzone/x", Version: "3.3", HomeRegion: "eu-west-1", Status: "ACTIVE"}
	p = o.plan(t, nil)
	if st := p.Step("deploy/landing-zone"); st == nil || st.Kind != KindVerifyLandingZone || st.Manual {
		t.Errorf("existing landing zone: %+v", st)
	}
}

func TestEnrollmentQueueLookahead(t *testing.T) {
	o := newTiny()
	reg := o.ou("r-ab12", "Done")
	ids := o.accounts(reg, 6)
	o.s.ControlTower.Baselines = ctBaselines
	o.s.ControlTower.EnabledBaselines = []inventory.EnabledBaseline{{BaselineIdentifier: ctBaselineArn,
		TargetIdentifier: "arn:aws:organizations::100000000000:ou/o-abcdefghij/" + reg, Status: "SUCCEEDED"}}
	p := o.plan(t, func(s *settings.Settings) { s.AccountConcurrency = 1 })
	// With concurrency 1, account i's Config removal waits for enrollment i-2: never all at once.
	c := p.Step("config.stackset/" + ids[4])
	if c == nil || !slices.Contains(c.DependsOn, "enroll/"+ids[2]) {
		t.Fatalf("Config removal of the 5th account does not wait for the 3rd enrollment: %+v", c)
	}
	if c := p.Step("config.stackset/" + ids[0]); slices.ContainsFunc(c.DependsOn, func(d string) bool { return strings.HasPrefix(d, "enroll/") }) {
		t.Errorf("first account waits for an enrollment: %v", c.DependsOn)
	}
	// Estimate: 6 enrollments at 15 minutes, one at a time.
	if got := p.Phases[4].EstimateSeconds; got < 6*enrollSeconds {
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
	if got := p.Step("ou.register/" + a).EstimateSeconds; got != 10*60+10*2*60 {
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
	if _, err := Decode([]byte(`{"version":1,"surprise":true}`)); err == nil || !strings.Contains(err.Error(), "surprise") {
		t.Errorf("unknown key accepted: %v", err)
	}
	if _, err := Decode([]byte(`{"version":99}`)); err == nil || !strings.Contains(err.Error(), "version 99") {
		t.Errorf("future version accepted: %v", err)
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
	ct := p.Step("decommission/stackset/AWS-Landing-Zone-Baseline-EnableCloudTrail")
	if ct == nil || len(ct.CLI) != 3 {
		t.Fatalf("CloudTrail StackSet deletion: %+v", ct)
	}
	if !strings.Contains(ct.CLI[0], ids[0]) || !strings.Contains(ct.CLI[0], "--no-retain-stacks") ||
		!strings.Contains(ct.CLI[1], kept[0]) || !strings.Contains(ct.CLI[1], "--retain-stacks") {
		t.Errorf("migrated instances must be deleted, excluded ones retained:\n%s", strings.Join(ct.CLI, "\n"))
	}
	// EnableConfig: the waves deleted the migrated accounts' instances; only the excluded one is left.
	ec := p.Step("decommission/stackset/" + EnableConfigStackSet)
	if ec == nil || len(ec.CLI) != 2 || strings.Contains(ec.CLI[0], ids[1]) || !strings.Contains(ec.CLI[0], kept[0]+" --regions eu-west-1 --retain-stacks") {
		t.Errorf("EnableConfig deletion repeats the waves or deletes the excluded account's Config:\n%s", strings.Join(ec.CLI, "\n"))
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
	if p.Step("config.remove/"+ids[0]+"/eu-west-1") == nil {
		t.Error("no direct Config removal without ALZ's StackSet")
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
	f.Add([]byte(`{"version":1,"phases":[{"steps":[{"id":"x","dependsOn":["y"]}]}]}`))
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
		_ = p.Step("x")
	})
}

func TestOrganizationWithoutOUs(t *testing.T) {
	o := newTiny()
	ids := o.accounts("r-ab12", 2)
	p := o.plan(t, nil)
	if p.Step("deploy/landing-zone") == nil || len(p.OUOrder) != 0 {
		t.Fatalf("plan without OUs: %d OUs, deploy %v", len(p.OUOrder), p.Step("deploy/landing-zone"))
	}
	if d := disposition(p, ids[0]); d.How != HowBlocked || !strings.Contains(d.Reason, "root") {
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
		if p.Step("deploy/trusted-access/"+svc) == nil {
			t.Errorf("no step disables trusted access for %s", svc)
		}
	}
}

// ctBaselineArn is how AWS names AWSControlTowerBaseline: an opaque ID that only ListBaselines maps
// to the name (the catalogue below).
const ctBaselineArn = "arn:aws:controltower:eu-west-1::baseline/17BSJV3IGJ2QSGA2"

var ctBaselines = []inventory.Baseline{{Arn: ctBaselineArn, Name: inventory.BaselineControlTower}}
