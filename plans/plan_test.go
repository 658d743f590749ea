package plans

import (
	"bytes"
	"fmt"
	"math/rand"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lz2ct/lz2ct/checks"
	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/orggen"
	"github.com/lz2ct/lz2ct/settings"
)

func loadOrg(t testing.TB, name string) (*inventory.Snapshot, settings.Settings) {
	t.Helper()
	snap, err := inventory.Load(filepath.Join("..", "testdata", "orgs", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := settings.Load(filepath.Join("..", "testdata", "settings", name+".yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return snap, s.Resolve(snap)
}

func mustBuild(t testing.TB, snap *inventory.Snapshot, s settings.Settings, r checks.Report) *Plan {
	t.Helper()
	p, err := Build(snap, s, r)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// checkInvariants asserts what must hold for every plan (issue 5, "What must hold").
func checkInvariants(t *testing.T, snap *inventory.Snapshot, s settings.Settings, p *Plan) {
	t.Helper()
	ix := inventory.NewIndex(snap)
	limit := s.OUAccountLimit

	// Step IDs are unique, dependencies exist, and the execution order is topological.
	pos := map[string]int{}
	steps := map[string]*Step{}
	for i, st := range p.OrderedSteps() {
		if _, dup := pos[st.ID]; dup {
			t.Fatalf("duplicate step ID %s", st.ID)
		}
		pos[st.ID] = i
		steps[st.ID] = st
	}
	if len(pos) != p.StepCount() {
		t.Fatalf("execution order has %d steps, plan %d", len(pos), p.StepCount())
	}
	for id, st := range steps {
		for _, d := range st.DependsOn {
			dp, ok := pos[d]
			if !ok {
				t.Fatalf("%s depends on unknown step %q", id, d)
			}
			if dp >= pos[id] {
				t.Fatalf("%s runs at %d but its dependency %s at %d", id, pos[id], d, dp)
			}
		}
	}

	// Parent-first, nothing deeper than 5 or over the limit scheduled.
	order := map[string]int{}
	created := map[string]int{} // "<parent>/<name>" -> order
	for _, e := range p.OUOrder {
		if e.Order == 0 {
			if !e.Skipped || e.Reason == "" {
				t.Fatalf("OU %s neither registered nor skipped with a reason: %+v", e.Path, e)
			}
			continue
		}
		if e.Depth > MaxOUDepth {
			t.Fatalf("OU %s (depth %d) scheduled for registration", e.Path, e.Depth)
		}
		if e.Enrolls > limit {
			t.Fatalf("OU %s scheduled with %d accounts over the limit %d", e.Path, e.Enrolls, limit)
		}
		parentOK := ix.IsRoot(e.ParentID) || ix.IsRegistered(e.ParentID) || (order[e.ParentID] > 0 && order[e.ParentID] < e.Order)
		if !parentOK {
			t.Fatalf("OU %s (order %d) registered before its parent %s (order %d)", e.Path, e.Order, e.ParentID, order[e.ParentID])
		}
		if e.Created {
			created[e.ParentID+"/"+e.Path[strings.LastIndex(e.Path, "/")+1:]] = e.Order
		} else {
			order[e.OUID] = e.Order
		}
	}
	// The accounts in each OU when its registration runs: the OU's accounts minus those moved out,
	// or (for a created OU) the accounts moved in. Counted from the steps, not from OUOrder.
	in := map[string]int{}
	for _, st := range steps {
		switch st.Kind {
		case KindOURegister:
			if st.Target.OUID != "" {
				in[st.Target.Resource] += len(ix.ChildAccounts(st.Target.OUID))
			}
		case KindAccountMove:
			if strings.HasPrefix(st.Target.Resource, "ou-") && strings.Contains(st.Target.Resource, "/") {
				in[st.Target.Resource]++ // into a created child OU
			}
			in[st.Target.OUID]--
		}
	}
	for _, st := range steps {
		// An account moved out of an OU leaves before that OU's registration.
		if st.Kind == KindAccountMove && st.Target.OUID != "" {
			if reg := steps["ou.register/"+st.Target.OUID]; reg != nil && (pos[st.ID] > pos[reg.ID] || !slices.Contains(reg.DependsOn, st.ID)) {
				t.Fatalf("%s moves an account out of %s after (or independently of) its registration", st.ID, st.Target.OUID)
			}
		}
		if st.Kind == KindOURegister && in[st.Target.Resource] > limit {
			t.Fatalf("%s registers %d accounts, over the limit %d", st.ID, in[st.Target.Resource], limit)
		}
	}

	// Every account in exactly one disposition, each backed by a step or a reason.
	if len(p.Accounts) != len(snap.Accounts) {
		t.Fatalf("%d dispositions for %d accounts", len(p.Accounts), len(snap.Accounts))
	}
	seen := map[string]bool{}
	for _, d := range p.Accounts {
		if seen[d.AccountID] {
			t.Fatalf("account %s has two dispositions", d.AccountID)
		}
		seen[d.AccountID] = true
		a := ix.Account(d.AccountID)
		if a == nil {
			t.Fatalf("disposition for unknown account %s", d.AccountID)
		}
		switch d.How {
		case HowOURegistration:
			st := steps[d.By]
			if st == nil || st.Kind != KindOURegister {
				t.Fatalf("account %s covered by %q, not a registration step", d.AccountID, d.By)
			}
			if st.Target.OUID != "" && st.Target.OUID != a.ParentID {
				t.Fatalf("account %s (in %s) covered by the registration of %s", d.AccountID, a.ParentID, st.Target.OUID)
			}
			if st.Target.OUID == "" {
				mv := steps["account.move/"+d.AccountID]
				if mv == nil || mv.Target.Resource != st.Target.Resource || pos[mv.ID] > pos[st.ID] {
					t.Fatalf("account %s covered by created OU %s without being moved there first", d.AccountID, st.Target.Resource)
				}
			}
			checkConfigFirst(t, steps, pos, d.AccountID, st)
		case HowEnroll:
			st := steps[d.By]
			if st == nil || st.Kind != KindEnroll || st.Target.AccountID != d.AccountID {
				t.Fatalf("account %s enrolled by %q, not its enroll step", d.AccountID, d.By)
			}
			checkConfigFirst(t, steps, pos, d.AccountID, st)
		case HowExcluded, HowBlocked, HowEnrolled, HowManagement:
			if d.Reason == "" {
				t.Fatalf("account %s is %s without a reason", d.AccountID, d.How)
			}
			if steps["enroll/"+d.AccountID] != nil {
				t.Fatalf("account %s is %s but has an enroll step", d.AccountID, d.How)
			}
		default:
			t.Fatalf("account %s: unknown disposition %q", d.AccountID, d.How)
		}
	}

	// ALZ SCPs: detached before any Config removal of the accounts under them, deleted only in decommission.
	for _, ph := range p.Phases {
		for _, st := range ph.Steps {
			if strings.HasPrefix(st.ID, "decommission/scp/") && ph.ID != PhaseDecommission {
				t.Fatalf("SCP deleted outside decommission: %s", st.ID)
			}
			if st.Kind == KindSCPDetach && !slices.Contains(st.DependsOn, "safeguard/scp/"+strings.Split(st.ID, "/")[1]) {
				t.Fatalf("%s does not wait for the SCP export", st.ID)
			}
		}
	}

	// Decommission starts only after every enrollment and registration: a decommission step with
	// no decommission dependency must depend on all of them directly.
	var mustPrecede []string
	for _, ph := range p.Phases[4:6] {
		for _, st := range ph.Steps {
			if st.Kind == KindEnroll {
				mustPrecede = append(mustPrecede, st.ID)
			}
		}
	}
	if regs := p.Phases[4].Steps; len(regs) > 0 {
		for i := len(regs) - 1; i >= 0; i-- {
			if regs[i].Kind == KindOURegister {
				mustPrecede = append(mustPrecede, regs[i].ID)
				break
			}
		}
	}
	for _, st := range p.Phases[6].Steps {
		if slices.ContainsFunc(st.DependsOn, func(d string) bool { return strings.HasPrefix(d, "decommission/") }) {
			continue
		}
		for _, m := range mustPrecede {
			if !slices.Contains(st.DependsOn, m) {
				t.Fatalf("decommission step %s does not wait for %s", st.ID, m)
			}
		}
	}

	// Determinism: the same input gives the same bytes.
	a, _ := p.Encode()
	again, err := Build(snap, s, checks.Report{Findings: p.Findings})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := again.Encode()
	if !bytes.Equal(a, b) {
		t.Fatalf("plan is not deterministic:\n%s", firstDiff(a, b))
	}
}

// checkConfigFirst asserts that every Config removal of an account comes before (and is a
// dependency of) the step that enrolls it, and after the ALZ SCPs above it are detached.
func checkConfigFirst(t *testing.T, steps map[string]*Step, pos map[string]int, acct string, cover *Step) {
	t.Helper()
	for id, st := range steps {
		covers := false
		switch st.Kind {
		case KindConfigRemove:
			covers = st.Target.AccountID == acct
		case KindConfigStackSet:
			covers = strings.HasSuffix(id, "/"+acct) || slices.ContainsFunc(st.CLI, func(c string) bool {
				return strings.HasPrefix(c, "aws cloudformation delete-stack-instances") && strings.Contains(c, " "+acct+" ")
			})
		}
		if !covers {
			continue
		}
		if pos[id] > pos[cover.ID] {
			t.Fatalf("Config removal %s runs after %s", id, cover.ID)
		}
		if !slices.Contains(cover.DependsOn, id) {
			t.Fatalf("%s does not depend on the Config removal %s", cover.ID, id)
		}
	}
}

func firstDiff(a, b []byte) string {
	la, lb := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := range min(len(la), len(lb)) {
		if la[i] != lb[i] {
			return fmt.Sprintf("line %d:\n- %s\n+ %s", i+1, la[i], lb[i])
		}
	}
	return "lengths differ"
}

func TestBuildTestdataOrgs(t *testing.T) {
	for _, name := range []string{"alz2-typical", "alz1-legacy"} {
		t.Run(name, func(t *testing.T) {
			snap, s := loadOrg(t, name)
			if err := s.Validate(snap); err != nil {
				t.Fatalf("testdata settings invalid: %v", err)
			}
			p := mustBuild(t, snap, s, checks.Report{})
			checkInvariants(t, snap, s, p)
			if len(p.Phases) != 7 {
				t.Fatalf("%d phases", len(p.Phases))
			}
			for i, ph := range p.Phases {
				if ph.Number != i || ph.ID != PhaseIDs[i] {
					t.Fatalf("phase %d is %d/%s", i, ph.Number, ph.ID)
				}
			}
			if p.Organization != snap.Organization.ID || p.Settings.HomeRegion != s.HomeRegion {
				t.Fatalf("plan does not record the organization/settings: %q %q", p.Organization, p.Settings.HomeRegion)
			}
			if p.Estimate.TotalSeconds < 30*60 || len(p.Estimate.Assumptions) == 0 {
				t.Fatalf("estimate %v without the landing zone's 30 minutes or assumptions", p.Estimate.Total())
			}
		})
	}
}

func TestBuildALZ1UsesDirectConfigRemovalAndClosesAccounts(t *testing.T) {
	snap, s := loadOrg(t, "alz1-legacy")
	p := mustBuild(t, snap, s, checks.Report{})
	var direct, stackset, closes int
	for _, st := range p.Phases[3].Steps {
		switch st.Kind {
		case KindConfigRemove:
			direct++
		case KindConfigStackSet:
			stackset++
		}
	}
	for _, st := range p.Phases[6].Steps {
		if strings.HasPrefix(st.ID, "decommission/close-account/") {
			closes++
			if !st.Destructive || !st.Manual {
				t.Errorf("%s must be destructive and manual", st.ID)
			}
		}
	}
	if direct == 0 || stackset != 0 {
		t.Errorf("configRemoval direct: %d direct, %d stackset steps", direct, stackset)
	}
	if closes != 2 {
		t.Errorf("closeOldAccounts: %d close steps, want 2 (old Log Archive and Security)", closes)
	}
	// Accounts are closed last: after every other decommission step, which they depend on.
	var others []string
	for _, st := range p.Phases[6].Steps {
		if !strings.HasPrefix(st.ID, "decommission/close-account") {
			others = append(others, st.ID)
		}
	}
	lastOther := others[len(others)-1]
	for _, st := range p.Phases[6].Steps {
		if strings.HasPrefix(st.ID, "decommission/close-account/") && !slices.Contains(st.DependsOn, lastOther) {
			t.Errorf("%s does not wait for the last other decommission step %s (%v)", st.ID, lastOther, st.DependsOn)
		}
	}
}

func TestBuildALZ2KeepsVPCStackSetAndUsesStackSetRoute(t *testing.T) {
	snap, s := loadOrg(t, "alz2-typical")
	p := mustBuild(t, snap, s, checks.Report{})
	if p.Step("decommission/stackset/AWS-Landing-Zone-Baseline-PrimaryVPC") != nil {
		t.Error("the kept StackSet is deleted")
	}
	if p.Step("decommission/stackset/AWS-Landing-Zone-Baseline-EnableConfig") == nil {
		t.Error("EnableConfig StackSet is not deleted in decommission")
	}
	n := 0
	for _, st := range p.Phases[3].Steps {
		if st.Kind == KindConfigStackSet {
			n++
		}
	}
	if n == 0 {
		t.Error("no StackSet Config removal with configRemoval: stackset")
	}
	for _, id := range []string{"decommission/ssm-parameters", "decommission/core-ou", "decommission/pipeline-transition", "deploy/landing-zone"} {
		if p.Step(id) == nil {
			t.Errorf("missing step %s", id)
		}
	}
}

// TestBuildRandomOrganizations is the property test: generated organizations of random shape
// (depth up to 6, random limits small enough to force splits, random exclusions and registered
// OUs) always give plans that satisfy the invariants.
func TestBuildRandomOrganizations(t *testing.T) {
	n := 60
	if testing.Short() {
		n = 15
	}
	for seed := int64(1); seed <= int64(n); seed++ {
		r := rand.New(rand.NewSource(seed))
		params := orggen.DefaultParams()
		params.Seed = seed
		params.Accounts = 8 + r.Intn(120)
		params.Depth = 1 + r.Intn(orggen.MaxDepth)
		params.OUs = params.Depth + 1 + r.Intn(25) // the core OU plus one per level, at least
		params.Regions = 1 + r.Intn(3)
		params.ConfigShare = r.Float64()
		params.SCPDensity = r.Float64()
		if r.Intn(3) == 0 {
			params.ALZVersion = "1.0.3"
		}
		snap, err := orggen.Generate(params)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		mutate(r, snap)
		s := settings.Settings{LogArchiveEmail: "new-log@example.org", AuditEmail: "new-audit@example.org",
			OUAccountLimit: 1 + r.Intn(12), AccountConcurrency: 1 + r.Intn(3)}
		if r.Intn(2) == 0 {
			s.ConfigRemoval = settings.ConfigRemovalDirect
		}
		ix := inventory.NewIndex(snap)
		for _, ou := range snap.OUs {
			if r.Intn(12) == 0 {
				s.Exclude.OUs = append(s.Exclude.OUs, ix.Path(ou.ID))
			}
		}
		for _, a := range snap.Accounts {
			if r.Intn(15) == 0 {
				s.Exclude.Accounts = append(s.Exclude.Accounts, a.ID)
			}
		}
		s = s.Resolve(snap)
		t.Run(fmt.Sprintf("seed%d", seed), func(t *testing.T) {
			rep := checks.Run(checks.Input{Snapshot: snap, Settings: s})
			p := mustBuild(t, snap, s, rep)
			checkInvariants(t, snap, s, p)
		})
	}
}

// mutate adds what the generator does not: registered OUs, enrolled and suspended accounts,
// accounts at the root.
func mutate(r *rand.Rand, snap *inventory.Snapshot) {
	snap.ControlTower.Baselines = ctBaselines
	for i := range snap.OUs {
		if r.Intn(10) == 0 {
			snap.ControlTower.EnabledBaselines = append(snap.ControlTower.EnabledBaselines, inventory.EnabledBaseline{
				BaselineIdentifier: ctBaselineArn,
				TargetIdentifier:   "arn:aws:organizations::1:ou/o-x/" + snap.OUs[i].ID, Status: "SUCCEEDED"})
		}
	}
	for i := range snap.Accounts {
		a := &snap.Accounts[i]
		if a.ID == snap.Organization.ManagementAccountID {
			continue
		}
		switch r.Intn(25) {
		case 0:
			a.Status = inventory.AccountSuspended
		case 1:
			snap.ControlTower.EnabledBaselines = append(snap.ControlTower.EnabledBaselines, inventory.EnabledBaseline{
				BaselineIdentifier: ctBaselineArn, TargetIdentifier: "arn:aws:organizations::1:account/o-x/" + a.ID, Status: "SUCCEEDED"})
		case 2:
			a.ParentID = snap.Roots[0].ID
		}
	}
}

func TestBuildDeterministicAcrossRuns(t *testing.T) {
	snap, s := loadOrg(t, "alz2-typical")
	var first []byte
	for i := 0; i < 5; i++ {
		p := mustBuild(t, snap, s, checks.Report{})
		b, err := p.Encode()
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = b
		} else if !bytes.Equal(first, b) {
			t.Fatalf("run %d differs: %s", i, firstDiff(first, b))
		}
	}
}

// TestBuildBlockersOrgWithChecks runs the real pre-checks on testdata/orgs/blockers.json (with
// fresh e-mails, since its settings file reuses used ones on purpose) and checks that every
// unfixed blocker lands on the phase it blocks, and that the plan still satisfies the invariants.
func TestBuildBlockersOrgWithChecks(t *testing.T) {
	snap, s := loadOrg(t, "blockers")
	s.LogArchiveEmail, s.AuditEmail = "fresh-log@example.org", "fresh-audit@example.org"
	if err := s.Validate(snap); err != nil {
		t.Fatalf("settings with fresh e-mails: %v", err)
	}
	rep := checks.Run(checks.Input{Snapshot: snap, Settings: s})
	if len(rep.Unfixed()) == 0 {
		t.Fatal("the blockers organization has no unfixed blocker")
	}
	p := mustBuild(t, snap, s, rep)
	checkInvariants(t, snap, s, p)
	shown := 0
	for _, ph := range p.Phases {
		for _, f := range ph.Blockers {
			shown++
			if phaseOfCheck[f.Phase] != ph.Number {
				t.Errorf("blocker %s (%s) shown on phase %d", f.Check, f.Phase, ph.Number)
			}
		}
	}
	if shown != len(rep.Unfixed()) {
		t.Errorf("%d blockers shown on the phases, want every unfixed one (%d)", shown, len(rep.Unfixed()))
	}
	blockedSteps := 0
	for _, ph := range p.Phases {
		for _, st := range ph.Steps {
			if st.Blocked != "" {
				blockedSteps++
			}
		}
	}
	if blockedSteps == 0 {
		t.Error("no step is marked blocked")
	}
	for _, a := range snap.Accounts {
		if a.Status == inventory.AccountSuspended {
			for _, d := range p.Accounts {
				if d.AccountID == a.ID && d.How != HowBlocked {
					t.Errorf("suspended account %s is %s", a.ID, d.How)
				}
			}
		}
	}
}

// TestBuildShowsEveryUnfixedBlocker: a blocker the checks do not mark fixedByPlan is shown on its
// phase even when its check also reports findings the plan fixes (ou.account-limit: the per-OU
// limit is remedied by splitting, the organization-wide accounts × regions bound is not).
func TestBuildShowsEveryUnfixedBlocker(t *testing.T) {
	snap, s := loadOrg(t, "alz2-typical")
	rep := checks.NewReport([]checks.Finding{{
		Check: "ou.account-limit", Title: "accounts × governed regions over 150,000", Severity: checks.Blocker,
		Phase: checks.PhaseRegistration, Subjects: []checks.Subject{{Kind: checks.KindOrganization, ID: snap.Organization.ID}},
	}})
	p := mustBuild(t, snap, s, rep)
	if got := p.Phases[4].Blockers; len(got) != 1 || got[0].Check != "ou.account-limit" {
		t.Errorf("phase 4 blockers = %+v, want the ou.account-limit finding", got)
	}
}
