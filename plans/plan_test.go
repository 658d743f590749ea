package plans

import (
	"bytes"
	"fmt"
	"math/rand"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/lz2ct/lz2ct/checks"
	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/orggen"
	"github.com/lz2ct/lz2ct/scope"
	"github.com/lz2ct/lz2ct/settings"
)

// testdataVariants are testdata settings files for another testdata organization: the variant's
// name is the settings file's, the value the organization's.
var testdataVariants = map[string]string{"alz2-existing": "alz2-typical"}

func loadOrg(t testing.TB, name string) (*inventory.Snapshot, settings.Settings) {
	t.Helper()
	org := name
	if o := testdataVariants[name]; o != "" {
		org = o
	}
	snap, err := inventory.Load(filepath.Join("..", "testdata", "orgs", org+".json"))
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

// placeholder matches text meant to be replaced by hand (<id>, <account ID of …>): a printed
// command must never contain one.
var placeholder = regexp.MustCompile(`<[A-Za-z][^<>]*>`)

// stepIndex is a plan's steps by ID with their position in the execution order.
type stepIndex struct {
	pos   map[string]int
	steps map[string]*Step
	phase map[string]int
	memo  map[string]map[string]bool
}

func index(t testing.TB, p *Plan) stepIndex {
	t.Helper()
	ix := stepIndex{pos: map[string]int{}, steps: map[string]*Step{}, phase: map[string]int{}, memo: map[string]map[string]bool{}}
	for i := range p.Phases {
		for j := range p.Phases[i].Steps {
			st := &p.Phases[i].Steps[j]
			if _, dup := ix.steps[st.ID]; dup {
				t.Fatalf("duplicate step ID %s", st.ID)
			}
			ix.steps[st.ID] = st
			ix.phase[st.ID] = i
		}
	}
	if len(p.ExecutionOrder) != len(ix.steps) {
		t.Fatalf("executionOrder has %d steps, the phases %d", len(p.ExecutionOrder), len(ix.steps))
	}
	for i, id := range p.ExecutionOrder {
		if _, ok := ix.steps[id]; !ok {
			t.Fatalf("executionOrder names unknown step %s", id)
		}
		if _, dup := ix.pos[id]; dup {
			t.Fatalf("executionOrder names %s twice", id)
		}
		ix.pos[id] = i
	}
	return ix
}

// deps returns every step a step depends on, directly or through others.
func (ix stepIndex) deps(id string) map[string]bool {
	if m, ok := ix.memo[id]; ok {
		return m
	}
	out := map[string]bool{}
	for _, d := range ix.steps[id].DependsOn {
		out[d] = true
		for x := range ix.deps(d) {
			out[x] = true
		}
	}
	ix.memo[id] = out
	return out
}

// covers reports whether a Config removal step removes Config from an account.
func covers(st *Step, acct string) bool {
	switch p := st.Params.(type) {
	case ConfigRecorderDelete:
		return p.AccountID == acct
	case ConfigStackSetInstancesDelete:
		return slices.Contains(p.Accounts, acct)
	}
	return false
}

// carriedSeen counts the moved accounts checkGuardrails found under customer SCPs (the tests of
// this package run one at a time).
var carriedSeen int

// checkInvariants asserts what must hold for every plan (issue 14, "What must hold").
func checkInvariants(t testing.TB, snap *inventory.Snapshot, s settings.Settings, p *Plan) {
	t.Helper()
	ix := inventory.NewIndex(snap)
	sx := index(t, p)
	limit := p.Limits.OUAccountLimit
	if limit > s.OUAccountLimit || limit > p.Limits.RegionalOUAccountLimit {
		t.Fatalf("limit %d above ouAccountLimit %d or what the regions allow (%d)", limit, s.OUAccountLimit, p.Limits.RegionalOUAccountLimit)
	}

	// Format 2: every step has its kind's params, the JSON round-trips strictly, every reference
	// resolves to an output of a step it depends on, and the execution order is topological.
	if p.Version != Version {
		t.Fatalf("version %d", p.Version)
	}
	if err := p.CheckRefs(); err != nil {
		t.Fatal(err)
	}
	data, err := p.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Decode(data); err != nil {
		t.Fatalf("the plan does not decode: %v", err)
	}
	for id, st := range sx.steps {
		if st.Params == nil || st.Params.Kind() != st.Kind {
			t.Fatalf("%s: params %T for kind %s", id, st.Params, st.Kind)
		}
		if _, ok := LookupKind(st.Kind); !ok {
			t.Fatalf("%s: unregistered kind %s", id, st.Kind)
		}
		for _, d := range st.DependsOn {
			if _, ok := sx.pos[d]; !ok {
				t.Fatalf("%s depends on unknown step %q", id, d)
			}
			if sx.pos[d] >= sx.pos[id] {
				t.Fatalf("%s runs at %d but its dependency %s at %d", id, sx.pos[id], d, sx.pos[d])
			}
		}
		for _, c := range st.CLI {
			if m := placeholder.FindString(c); m != "" {
				t.Fatalf("%s: command with placeholder %s: %s", id, m, c)
			}
		}
	}

	// The ALZ freeze comes first: every SCP detach and Config removal runs after it.
	if freeze := p.Step(KindPipelineTransitionDisable + "/AWS-Landing-Zone-CodePipeline"); freeze != nil {
		for id, st := range sx.steps {
			switch st.Kind {
			case KindSCPDetach, KindConfigRecorderDelete, KindConfigStackSetInstancesDelete:
				if sx.pos[id] < sx.pos[freeze.ID] || (sx.phase[id] < 6 && !sx.deps(id)[freeze.ID]) {
					t.Fatalf("%s does not wait for the ALZ freeze", id)
				}
			}
		}
		if sx.phase[freeze.ID] != 0 {
			t.Fatalf("the freeze is in phase %d", sx.phase[freeze.ID])
		}
	}

	// Parent-first, nothing deeper than 5 or over the limit scheduled.
	order := map[string]int{}
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
		if !e.Created {
			order[e.OUID] = e.Order
		}
	}
	// The accounts in each OU when its registration runs, counted from the steps: the OU's
	// accounts minus those moved out before, or (created OU) those moved in.
	regOfOU := map[string]string{} // existing OU ID -> registration
	in := map[string]int{}
	for id, st := range sx.steps {
		switch prm := st.Params.(type) {
		case BaselineEnable:
			if !prm.OUID.IsRef() {
				regOfOU[prm.OUID.Literal] = id
				in[id] += len(ix.ChildAccounts(prm.OUID.Literal))
			}
			// A registration depends on its parent's, never on an unrelated OU's.
			for _, d := range st.DependsOn {
				if !strings.HasPrefix(d, KindBaselineEnable+"/") {
					continue
				}
				parent := strings.TrimPrefix(d, KindBaselineEnable+"/")
				if prm.OUID.IsRef() {
					if !strings.HasPrefix(st.Target.Resource, parent+"/") {
						t.Fatalf("created OU's registration %s depends on %s, not its parent's", id, d)
					}
				} else if ix.Parent(prm.OUID.Literal) != parent {
					t.Fatalf("registration %s depends on an unrelated OU's registration %s", id, d)
				}
			}
		}
	}
	for id, st := range sx.steps {
		mv, ok := st.Params.(AccountMove)
		if !ok || sx.phase[id] != 4 {
			continue
		}
		src := mv.SourceParentID.Literal
		if reg := regOfOU[src]; reg != "" {
			in[reg]--
			if !slices.Contains(sx.steps[reg].DependsOn, id) {
				t.Fatalf("%s moves an account out of %s independently of its registration", id, src)
			}
		}
		if mv.DestinationParentID.IsRef() {
			in[registerStepID(strings.TrimPrefix(mv.DestinationParentID.FromStep, KindOUCreate+"/"))]++
		} else if reg := regOfOU[mv.DestinationParentID.Literal]; reg != "" {
			in[reg]++
			if !slices.Contains(sx.steps[reg].DependsOn, id) {
				t.Fatalf("%s moves an account into %s independently of its registration", id, mv.DestinationParentID.Literal)
			}
		} else {
			t.Fatalf("%s moves an account into %s, which the plan does not register", id, mv.DestinationParentID.Literal)
		}
	}
	for reg, n := range in {
		if n > limit {
			t.Fatalf("%s registers %d accounts, over the limit %d", reg, n, limit)
		}
	}

	// What cannot run: steps blocked by a finding, and those waiting for them.
	blocked := p.Blocked()
	for id, why := range blocked {
		if sx.steps[id].Blocked != "" {
			continue
		}
		if !strings.HasPrefix(why, "waits for blocked step ") {
			t.Fatalf("%s: blocked %q", id, why)
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
			st := sx.steps[d.By]
			prm, ok := st.Params.(BaselineEnable)
			if st == nil || !ok {
				t.Fatalf("account %s covered by %q, not a registration step", d.AccountID, d.By)
			}
			if !prm.OUID.IsRef() && prm.OUID.Literal != a.ParentID {
				mv := sx.steps[moveStepID(d.AccountID)]
				if mv == nil || mv.Params.(AccountMove).DestinationParentID != prm.OUID || sx.pos[mv.ID] > sx.pos[st.ID] {
					t.Fatalf("account %s (in %s) covered by the registration of %s without being moved there first", d.AccountID, a.ParentID, prm.OUID.Literal)
				}
			}
			if prm.OUID.IsRef() {
				mv := sx.steps[moveStepID(d.AccountID)]
				if mv == nil || mv.Params.(AccountMove).DestinationParentID != prm.OUID || sx.pos[mv.ID] > sx.pos[st.ID] {
					t.Fatalf("account %s covered by created OU %s without being moved there first", d.AccountID, st.Target.Resource)
				}
			}
			checkConfigFirst(t, sx, blocked, d.AccountID, st)
		case HowEnroll:
			st := sx.steps[d.By]
			if st == nil || st.Kind != KindAccountEnroll || st.Params.(AccountEnroll).AccountID != d.AccountID {
				t.Fatalf("account %s enrolled by %q, not its enroll step", d.AccountID, d.By)
			}
			// One by one only where no move the settings allow would let a registration cover it:
			// its OU is registered already, it is ALZ's Shared Services account, or noMoveOUs keeps
			// it in an OU too deep to register.
			noMove, _ := s.NoMoves(ix, a.ParentID)
			shared := snap.ALZ != nil && snap.ALZ.SharedServicesAccountID == a.ID
			if !ix.IsRegistered(a.ParentID) && !shared && !(noMove && ix.Depth(a.ParentID) > MaxOUDepth) {
				t.Fatalf("account %s (in %s) enrolled one by one though a move would do: %s", d.AccountID, ix.Path(a.ParentID), d.Reason)
			}
			checkConfigFirst(t, sx, blocked, d.AccountID, st)
		case HowBlocked:
			if _, ok := blocked[d.By]; !ok || d.Reason == "" {
				t.Fatalf("account %s is blocked, but its step %q can run (reason %q)", d.AccountID, d.By, d.Reason)
			}
			for id, st := range sx.steps {
				if covers(st, d.AccountID) {
					if _, ok := blocked[id]; !ok {
						t.Fatalf("Config is removed from blocked account %s by %s, which can run", d.AccountID, id)
					}
				}
			}
		case HowSharedAccount:
			// Brought in by the landing zone's set-up, after its Config removal.
			st := sx.steps[d.By]
			if st == nil || (st.Kind != KindLandingZoneCreate && st.Kind != KindLandingZoneVerify) || !s.BringsExistingAccounts() {
				t.Fatalf("shared account %s brought in by %q", d.AccountID, d.By)
			}
			if prm, ok := st.Params.(LandingZoneCreate); ok && prm.Manifest.LogArchiveAccountID != Lit(d.AccountID) && prm.Manifest.AuditAccountID != Lit(d.AccountID) {
				t.Fatalf("shared account %s is not in the landing zone's manifest %+v", d.AccountID, prm.Manifest)
			}
			for id, cst := range sx.steps {
				if covers(cst, d.AccountID) && !sx.deps(st.ID)[id] {
					t.Fatalf("Config removal %s does not come before the set-up %s", id, st.ID)
				}
			}
			if sx.steps[KindAccountCreate+"/log-archive"] != nil || sx.steps[KindAccountCreate+"/audit"] != nil {
				t.Fatalf("new shared accounts created though ALZ's are brought in")
			}
			for id, st := range sx.steps {
				if st.Kind == KindAccountClose && strings.HasSuffix(id, "/"+d.AccountID) || st.Kind == KindAccountMove && sx.phase[id] == 6 && strings.HasSuffix(id, "/"+d.AccountID) {
					t.Fatalf("decommission acts on the shared account %s: %s", d.AccountID, id)
				}
			}
		case HowExcluded, HowLeftOut, HowEnrolled, HowManagement:
			if d.Reason == "" {
				t.Fatalf("account %s is %s without a reason", d.AccountID, d.How)
			}
			if sx.steps[enrollStepID(d.AccountID)] != nil {
				t.Fatalf("account %s is %s but has an enroll step", d.AccountID, d.How)
			}
			for id, st := range sx.steps {
				if covers(st, d.AccountID) {
					t.Fatalf("account %s is %s, yet %s removes its Config", d.AccountID, d.How, id)
				}
			}
		default:
			t.Fatalf("account %s: unknown disposition %q", d.AccountID, d.How)
		}
	}

	// A blocked step blocks only what truly depends on it: below a blocked registration, only the
	// registrations and enrollments of its subtree, and decommission.
	for id, st := range sx.steps {
		if st.Blocked == "" {
			continue
		}
		var subtree func(string) bool
		if prm, ok := st.Params.(BaselineEnable); ok {
			root := st.Target.Resource
			subtree = func(key string) bool {
				if key == root {
					return true
				}
				if prm.OUID.IsRef() {
					return false // a created OU has no children
				}
				ouID, _, _ := strings.Cut(key, "/") // a created OU belongs to the OU it splits
				return ouID == root || slices.Contains(ix.Ancestors(ouID), root)
			}
		}
		if subtree == nil {
			continue
		}
		for other, ost := range sx.steps {
			if other == id || !sx.deps(other)[id] || sx.phase[other] == 6 {
				continue
			}
			switch oprm := ost.Params.(type) {
			case BaselineEnable:
				if !subtree(ost.Target.Resource) {
					t.Fatalf("%s waits for the unrelated blocked registration %s", other, id)
				}
			case AccountEnroll:
				into := oprm.OUID.Literal
				if !subtree(into) && !subtree(ix.Account(oprm.AccountID).ParentID) {
					t.Fatalf("%s waits for the unrelated blocked registration %s", other, id)
				}
			case OUCreate, AccountMove, SCPAttach:
			default:
				t.Fatalf("%s (%s) waits for the blocked registration %s", other, ost.Kind, id)
			}
		}
	}

	// ALZ SCPs: detached after their export, deleted only in decommission.
	for _, ph := range p.Phases {
		for _, st := range ph.Steps {
			if st.Kind == KindSCPDelete && ph.ID != PhaseDecommission {
				t.Fatalf("SCP deleted outside decommission: %s", st.ID)
			}
			if prm, ok := st.Params.(SCPDetach); ok && !sx.deps(st.ID)[exportSCPStepID(prm.PolicyID)] && ph.ID != PhaseDecommission {
				t.Fatalf("%s does not wait for the SCP export", st.ID)
			}
		}
	}

	// Decommission starts only after every registration and enrollment.
	for _, st := range p.Phases[6].Steps {
		d := sx.deps(st.ID)
		for id, o := range sx.steps {
			if (o.Kind == KindBaselineEnable || o.Kind == KindAccountEnroll) && !d[id] {
				t.Fatalf("decommission step %s does not wait for %s", st.ID, id)
			}
		}
	}

	// Phase estimates and the total agree, per bound: phases − overlap = total; lower ≤ upper.
	var sum Range
	for i, pe := range p.Estimate.PerPhase {
		if pe.Upper != p.Phases[i].EstimateSeconds || pe.Lower != p.Phases[i].EstimateLowerSeconds {
			t.Fatalf("phase %d estimate %d–%d, per-phase line %+v", i, p.Phases[i].EstimateLowerSeconds, p.Phases[i].EstimateSeconds, pe)
		}
		if pe.Lower > pe.Upper || pe.Lower < 0 {
			t.Fatalf("phase %d: lower %d > upper %d", i, pe.Lower, pe.Upper)
		}
		sum = sum.add(pe.Range)
	}
	e := p.Estimate
	if sum.sub(e.Overlap) != e.Total || e.Overlap.Lower < 0 || e.Overlap.Upper < 0 || e.Total.Lower > e.Total.Upper {
		t.Fatalf("phases %+v − overlap %+v ≠ total %+v (or lower > upper)", sum, e.Overlap, e.Total)
	}
	if e.ControlTower.Lower > e.ControlTower.Upper || e.ControlTower.Upper > e.Total.Upper {
		t.Fatalf("Control Tower time %+v, total %+v", e.ControlTower, e.Total)
	}
	var drivers int64
	for _, d := range e.Drivers {
		drivers += d.Seconds
	}
	if drivers != e.Total.Upper || (len(e.Drivers) > 0 && e.Dominant != e.Drivers[0]) {
		t.Fatalf("drivers add up to %d, the upper bound is %d; dominant %+v", drivers, e.Total.Upper, e.Dominant)
	}
	for _, w := range e.Unrecorded {
		if w.TypicalSeconds > w.MaxSeconds || w.Accounts < 1 {
			t.Fatalf("unrecorded window %+v", w)
		}
	}
	var cal int64
	for i, se := range e.Calendar.Sessions {
		if se.Number != i+1 || se.EndsAfter == "" || sx.steps[se.EndsAfter] == nil {
			t.Fatalf("calendar session %+v", se)
		}
		if i > 0 && sx.pos[se.EndsAfter] <= sx.pos[e.Calendar.Sessions[i-1].EndsAfter] {
			t.Fatalf("session %d ends before session %d", se.Number, se.Number-1)
		}
		if !se.Long && se.UpperSeconds > int64(s.SessionHours)*3600 {
			t.Fatalf("session %+v is longer than %d h", se, s.SessionHours)
		}
		cal += se.UpperSeconds
	}
	if cal < e.Total.Upper {
		t.Fatalf("the calendar's sessions (%d s) are shorter than the upper bound %d s", cal, e.Total.Upper)
	}

	// Guardrails: every migrated account stays under the customer SCPs it was under.
	carriedSeen += checkGuardrails(t, snap, p)

	// Determinism: the same input gives the same bytes.
	again, err := Build(snap, s, checks.Report{Findings: p.Findings})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := again.Encode()
	if !bytes.Equal(data, b) {
		t.Fatalf("plan is not deterministic:\n%s", firstDiff(data, b))
	}
}

// checkConfigFirst asserts that every Config removal of an account comes before (and is a
// dependency of) the step that enrolls it; and that Config is removed only when that step can run.
func checkConfigFirst(t testing.TB, sx stepIndex, blocked map[string]string, acct string, cover *Step) {
	t.Helper()
	_, coverBlocked := blocked[cover.ID]
	for id, st := range sx.steps {
		if !covers(st, acct) {
			continue
		}
		if sx.pos[id] > sx.pos[cover.ID] || !slices.Contains(cover.DependsOn, id) {
			t.Fatalf("Config removal %s does not come before %s", id, cover.ID)
		}
		if _, ok := blocked[id]; coverBlocked && !ok {
			t.Fatalf("%s removes Config from %s, whose %s cannot run (%s)", id, acct, cover.ID, blocked[cover.ID])
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

var testdataOrgs = []string{"alz2-typical", "alz1-legacy", "blockers", "alz2-midway", "alz2-ct-ready", "alz2-existing"}

func TestBuildTestdataOrgs(t *testing.T) {
	for _, name := range testdataOrgs {
		t.Run(name, func(t *testing.T) {
			snap, s := loadOrg(t, name)
			if name == "blockers" {
				// Its settings reuse used e-mails on purpose (for lz2ct check).
				s.LogArchiveEmail, s.AuditEmail = "fresh-log@example.org", "fresh-audit@example.org"
			}
			if err := s.Validate(snap); err != nil {
				t.Fatalf("testdata settings invalid: %v", err)
			}
			rep := checks.Run(checks.Input{Snapshot: snap, Settings: s})
			p := mustBuild(t, snap, s, rep)
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
			if len(p.Estimate.Assumptions) == 0 {
				t.Fatal("estimate without assumptions")
			}
			// Save streams the plan (EncodeTo): the same bytes as Encode.
			enc, err := p.Encode()
			if err != nil {
				t.Fatal(err)
			}
			var streamed bytes.Buffer
			if err := p.EncodeTo(&streamed); err != nil || !bytes.Equal(streamed.Bytes(), enc) {
				t.Fatalf("EncodeTo differs from Encode (%v): %s", err, firstDiff(streamed.Bytes(), enc))
			}
			// check exits 0 exactly when nothing in the plan is blocked; only blockers.json has blockers.
			if exit0, none := len(rep.Unfixed()) == 0, !anyBlocked(p); exit0 != none || exit0 != (name != "blockers") {
				t.Fatalf("check exit 0: %t, plan without blocked step: %t", exit0, none)
			}
		})
	}
}

func anyBlocked(p *Plan) bool {
	for _, ph := range p.Phases {
		for _, st := range ph.Steps {
			if st.Blocked != "" {
				return true
			}
		}
	}
	return false
}

// randomOrg is a generated organization of random shape (depth up to 6, random limits small
// enough to force splits, random exclusions, registered OUs, enrolled, suspended and root
// accounts, unreadable accounts) with random settings.
func randomOrg(t testing.TB, seed int64) (*inventory.Snapshot, settings.Settings) {
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
	if r.Intn(3) == 0 {
		s.Decommission.CopyLogs = true
	}
	if r.Intn(6) == 0 { // an e-mail an account already uses: email.shared-accounts stops the landing zone
		s.AuditEmail = snap.Accounts[r.Intn(len(snap.Accounts))].Email
	}
	ix := inventory.NewIndex(snap)
	for _, ou := range snap.OUs {
		if r.Intn(12) == 0 {
			s.Exclude.OUs = append(s.Exclude.OUs, ix.Path(ou.ID))
		}
		if r.Intn(8) == 0 && s.SharedServicesOU == "" {
			s.SharedServicesOU = ix.Path(ou.ID)
		}
		if r.Intn(10) == 0 {
			s.NoMoveOUs = append(s.NoMoveOUs, ix.Path(ou.ID))
		}
		if r.Intn(8) == 0 && s.Decommission.OldAccountsOU == "" && ou.ID != snap.ALZ.CoreOUID && ou.ParentID != snap.ALZ.CoreOUID {
			s.Decommission.OldAccountsOU = ou.ID
		}
	}
	for _, a := range snap.Accounts {
		if r.Intn(15) == 0 {
			s.Exclude.Accounts = append(s.Exclude.Accounts, a.ID)
		}
	}
	if r.Intn(4) == 0 { // ALZ's Log Archive and Security accounts become Control Tower's
		s.SharedAccounts = settings.SharedAccountsExisting
		s.LogArchiveEmail, s.AuditEmail = "", ""
		s.Decommission.CopyLogs, s.Decommission.CloseOldAccounts = false, false
		s.Exclude.Accounts = slices.DeleteFunc(s.Exclude.Accounts, func(id string) bool {
			return id == snap.ALZ.LogArchiveAccountID || id == snap.ALZ.SecurityAccountID
		})
	}
	return snap, s.Resolve(snap)
}

// mutate adds what the generator does not: registered OUs, enrolled, suspended and unreadable
// accounts, accounts at the root.
func mutate(r *rand.Rand, snap *inventory.Snapshot) {
	snap.ControlTower.Baselines = ctBaselines
	for i := range snap.OUs {
		if r.Intn(10) == 0 {
			snap.ControlTower.EnabledBaselines = append(snap.ControlTower.EnabledBaselines, inventory.EnabledBaseline{
				Arn: fmt.Sprintf("arn:aws:controltower:eu-west-1:1:enabledbaseline/O%d", i), BaselineIdentifier: ctBaselineArn,
				TargetIdentifier: "arn:aws:organizations::1:ou/o-x/" + snap.OUs[i].ID, Status: "SUCCEEDED"})
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
				Arn: "arn:aws:controltower:eu-west-1:1:enabledbaseline/A" + a.ID, BaselineIdentifier: ctBaselineArn,
				TargetIdentifier: "arn:aws:organizations::1:account/o-x/" + a.ID, Status: "SUCCEEDED"})
		case 2:
			a.ParentID = snap.Roots[0].ID
		case 3:
			a.AccessRole, a.IAM, a.Regions = "", nil, nil // discovery could not read it
		}
	}
}

// TestBuildRandomOrganizations is the property test: generated organizations of random shape
// always give plans that satisfy the invariants; and lz2ct check exits 0 exactly when no step of
// the plan is blocked.
func TestBuildRandomOrganizations(t *testing.T) {
	carriedSeen = 0
	n := 60
	if testing.Short() {
		n = 15
	}
	blockedSeen, cleanSeen := 0, 0
	for seed := int64(1); seed <= int64(n); seed++ {
		snap, s := randomOrg(t, seed)
		t.Run(fmt.Sprintf("seed%d", seed), func(t *testing.T) {
			rep := checks.Run(checks.Input{Snapshot: snap, Settings: s})
			p := mustBuild(t, snap, s, rep)
			checkInvariants(t, snap, s, p)
			exit0, none := len(rep.Unfixed()) == 0, !anyBlocked(p)
			if exit0 != none {
				var fs []string
				for _, f := range rep.Unfixed() {
					fs = append(fs, f.Check+": "+f.Title)
				}
				t.Fatalf("check exit 0: %t; plan without blocked step: %t\nunfixed: %v\nblocked: %v", exit0, none, fs, p.Blocked())
			}
			if none {
				cleanSeen++
			} else {
				blockedSeen++
			}
		})
	}
	if blockedSeen == 0 || cleanSeen == 0 {
		t.Errorf("the generated organizations do not exercise both sides: %d blocked, %d clean", blockedSeen, cleanSeen)
	}
	if !testing.Short() && carriedSeen == 0 {
		t.Error("no generated organization moves an account that has customer SCPs: the guardrails property is not exercised")
	}
}

// TestBuildLargeOrganizations is the property test at scale: generated organizations with few,
// large OUs (depth 1–6, OUs of up to about 2,000 accounts, 1–17 regions, random limits, some moves
// forbidden) give plans that keep every invariant — no registered OU above the limit at any point,
// one-by-one enrollment only where no move is allowed, estimate bounds in order and phase rows
// that add up to the total.
func TestBuildLargeOrganizations(t *testing.T) {
	n := 3
	if testing.Short() {
		n = 1
	}
	for seed := int64(1); seed <= int64(n); seed++ {
		r := rand.New(rand.NewSource(seed * 31))
		params := orggen.DefaultParams()
		params.Seed = seed
		params.Accounts = 500 + r.Intn(3500)
		params.Depth = 1 + r.Intn(orggen.MaxDepth)
		params.OUs = params.Depth + 2 + r.Intn(10)
		params.Regions = 1 + r.Intn(orggen.MaxRegions)
		params.SCPDensity = 0.1
		snap, err := orggen.Generate(params)
		if err != nil {
			t.Fatal(err)
		}
		s := settings.Settings{LogArchiveEmail: "new-log@example.org", AuditEmail: "new-audit@example.org", AccountConcurrency: 1 + r.Intn(10)}
		switch r.Intn(3) {
		case 0:
			s.OUAccountLimit = settings.MaxOUAccountLimit // clamped by the regions
		case 1:
			s.OUAccountLimit = 50 + r.Intn(400)
		}
		ix := inventory.NewIndex(snap)
		for _, ou := range snap.OUs {
			if r.Intn(5) == 0 {
				s.NoMoveOUs = append(s.NoMoveOUs, ix.Path(ou.ID))
			}
		}
		s = s.Resolve(snap)
		t.Run(fmt.Sprintf("seed%d-%daccounts-%dregions", seed, params.Accounts, params.Regions), func(t *testing.T) {
			p := mustBuild(t, snap, s, checks.Run(checks.Input{Snapshot: snap, Settings: s}))
			checkInvariants(t, snap, s, p)
		})
	}
}

// The same organization with its lists in another order gives the same plan, checks included.
func TestOrderIndependence(t *testing.T) {
	for seed := int64(1); seed <= 12; seed++ {
		snap, s := randomOrg(t, seed)
		rep := checks.Run(checks.Input{Snapshot: snap, Settings: s})
		want, _ := mustBuild(t, snap, s, rep).Encode()
		shuffled := cloneSnapshot(t, snap)
		scope.Shuffle(rand.New(rand.NewSource(seed*7)), shuffled)
		rep2 := checks.Run(checks.Input{Snapshot: shuffled, Settings: s})
		got, _ := mustBuild(t, shuffled, s, rep2).Encode()
		if !bytes.Equal(want, got) {
			t.Fatalf("seed %d: the shuffled organization gives another plan: %s", seed, firstDiff(want, got))
		}
	}
}

func cloneSnapshot(t testing.TB, s *inventory.Snapshot) *inventory.Snapshot {
	t.Helper()
	data, err := inventory.Encode(s)
	if err != nil {
		t.Fatal(err)
	}
	c, err := inventory.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	return c
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

// ctBaselineArn is how AWS names AWSControlTowerBaseline: an opaque ID that only ListBaselines maps
// to the name (the catalogue below).
const ctBaselineArn = "arn:aws:controltower:eu-west-1::baseline/17BSJV3IGJ2QSGA2"

var ctBaselines = []inventory.Baseline{{Arn: ctBaselineArn, Name: inventory.BaselineControlTower}}

func TestBuildALZ1UsesDirectConfigRemovalAndClosesAccounts(t *testing.T) {
	snap, s := loadOrg(t, "alz1-legacy")
	p := mustBuild(t, snap, s, checks.Report{})
	direct, stackset := len(stepsOfKind(p, KindConfigRecorderDelete)), len(stepsOfKind(p, KindConfigStackSetInstancesDelete))
	if direct == 0 || stackset != 0 {
		t.Errorf("configRemoval direct: %d direct, %d stackset steps", direct, stackset)
	}
	closes := stepsOfKind(p, KindAccountClose)
	if len(closes) != 2 {
		t.Fatalf("closeOldAccounts: %d close steps, want 2 (old Log Archive and Security)", len(closes))
	}
	// Accounts are closed last: after every other decommission step.
	order := pos(p)
	for _, st := range p.Phases[6].Steps {
		if st.Kind == KindAccountClose {
			if !st.Destructive {
				t.Errorf("%s must be destructive", st.ID)
			}
			continue
		}
		if st.ID == KindVerify+"/decommission/close-accounts" {
			continue // the checkpoint that closes the group
		}
		for _, c := range closes {
			if order[st.ID] > order[c.ID] {
				t.Errorf("%s runs after %s", st.ID, c.ID)
			}
		}
	}
}

func TestKMSKeyDeletionOnlyWhenChosen(t *testing.T) {
	snap, s := loadOrg(t, "alz2-typical")
	if len(snap.ALZ.KMSAliases) == 0 || snap.ALZ.KMSAliases[0].TargetKeyID == "" {
		t.Fatal("alz2-typical has no KMS alias with a key: the test needs one")
	}
	k := snap.ALZ.KMSAliases[0]
	id := KindKMSAliasDelete + "/" + k.Region + "/" + strings.TrimPrefix(k.Name, "alias/")

	p := mustBuild(t, snap, s, checks.Report{})
	if st := p.Step(id); st == nil || st.Params.(KMSAliasDelete).ScheduleKeyDeletion || strings.Contains(strings.Join(st.CLI, "\n"), "schedule-key-deletion") {
		t.Errorf("without kmsKeyDeletionDays the key's deletion is scheduled: %+v", st)
	}
	if !strings.Contains(fmt.Sprint(p.Kept), "KMS key "+k.TargetKeyID) {
		t.Errorf("the kept key is not listed: %v", p.Kept)
	}

	s.Decommission.KMSKeyDeletionDays = 14
	p = mustBuild(t, snap, s, checks.Report{})
	st := p.Step(id)
	if st == nil {
		t.Fatalf("no %s", id)
	}
	if got := st.Params.(KMSAliasDelete); !got.ScheduleKeyDeletion || got.PendingWindowDays != 14 || got.TargetKeyID != k.TargetKeyID {
		t.Errorf("params %+v", got)
	}
	want := "aws kms schedule-key-deletion --key-id " + k.TargetKeyID + " --pending-window-in-days 14 --region " + k.Region
	if !slices.Contains(st.CLI, want) || !strings.Contains(st.Rollback, "aws kms cancel-key-deletion --key-id "+k.TargetKeyID) || !st.Destructive {
		t.Errorf("cli %q rollback %q destructive %v", st.CLI, st.Rollback, st.Destructive)
	}
	if strings.Contains(fmt.Sprint(p.Kept), "KMS key") {
		t.Errorf("a key scheduled for deletion is listed as kept: %v", p.Kept)
	}
}

func TestBuildALZ2KeepsVPCStackSetAndUsesStackSetRoute(t *testing.T) {
	snap, s := loadOrg(t, "alz2-typical")
	p := mustBuild(t, snap, s, checks.Report{})
	if p.Step("stackset.delete/AWS-Landing-Zone-Baseline-PrimaryVPC") != nil || !strings.Contains(fmt.Sprint(p.Kept), "AWS-Landing-Zone-Baseline-PrimaryVPC") {
		t.Error("the kept StackSet is deleted, or not listed as kept")
	}
	if p.Step("stackset.delete/AWS-Landing-Zone-Baseline-EnableConfig") == nil {
		t.Error("EnableConfig StackSet is not deleted in decommission")
	}
	if len(stepsOfKind(p, KindConfigStackSetInstancesDelete)) == 0 {
		t.Error("no StackSet Config removal with configRemoval: stackset")
	}
	for _, id := range []string{"ssm-parameters.delete/eu-west-1", "pipeline-transition.disable/AWS-Landing-Zone-CodePipeline", KindLandingZoneCreate} {
		if p.Step(id) == nil {
			t.Errorf("missing step %s", id)
		}
	}
}

// A blocker that names only the organization (the accounts × governed regions bound) stops the
// landing zone, and so everything that needs Control Tower, and is listed on its phase.
func TestOrganizationWideBlockerStopsTheLandingZone(t *testing.T) {
	snap, s := loadOrg(t, "alz2-typical")
	rep := checks.NewReport([]checks.Finding{{
		Check: "ou.account-limit", Title: "accounts × governed regions over 150,000", Severity: checks.Blocker,
		Phase: checks.PhaseRegistration, Subjects: []checks.Subject{{Kind: checks.KindOrganization, ID: snap.Organization.ID}},
	}})
	p := mustBuild(t, snap, s, rep)
	if got := p.Phases[4].Blockers; len(got) != 1 || got[0].Check != "ou.account-limit" {
		t.Errorf("phase 4 blockers = %+v, want the ou.account-limit finding", got)
	}
	if st := p.Step(KindLandingZoneCreate); st == nil || !strings.Contains(st.Blocked, "ou.account-limit") {
		t.Errorf("the landing zone is not blocked: %+v", st)
	}
	blocked := p.Blocked()
	for _, st := range stepsOfKind(p, KindBaselineEnable) {
		if _, ok := blocked[st.ID]; !ok {
			t.Errorf("%s can run without the landing zone", st.ID)
		}
	}
}
