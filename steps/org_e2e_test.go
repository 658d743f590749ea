package steps_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/lz2ct/lz2ct/awsapi"
	"github.com/lz2ct/lz2ct/checks"
	"github.com/lz2ct/lz2ct/engine"
	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/journal"
	"github.com/lz2ct/lz2ct/plans"
	"github.com/lz2ct/lz2ct/settings"
	"github.com/lz2ct/lz2ct/sim"
	"github.com/lz2ct/lz2ct/statefolder"
)

// End to end through the real SDK against the simulator: the Organizations kinds (trusted-access
// .disable, account.create, ou.create, account.move, ou.delete, scp.delete, account.close) in the
// steps the planner makes for a testdata organization, run by the engine. Helpers are prefixed org
// so that other kinds' test files in this package do not collide with them.

// orgTimeScale speeds the simulator's asynchronous operations and the engine's waits alike.
const orgTimeScale = 3000

// orgKinds are the kinds these tests run: the Organizations kinds and the SCP kinds they build on.
var orgKinds = map[string]bool{
	plans.KindTrustedAccessDisable: true, plans.KindAccountCreate: true, plans.KindOUCreate: true, plans.KindAccountMove: true,
	plans.KindOUDelete: true, plans.KindSCPDelete: true, plans.KindAccountClose: true, plans.KindExportSCP: true, plans.KindSCPDetach: true, plans.KindVerify: true,
}

// orgOrganization is alz2-typical with trusted access for AWS Config and CloudTrail (which the plan
// disables before Control Tower's set-up).
func orgOrganization(t *testing.T) *inventory.Snapshot {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "testdata", "orgs", "alz2-typical.json"))
	if err != nil {
		t.Fatal(err)
	}
	snap, err := inventory.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	snap.TrustedServices = append(snap.TrustedServices, "cloudtrail.amazonaws.com", "config.amazonaws.com")
	snap.Sort()
	return snap
}

// orgSettings are alz2-typical's settings with every Organizations step in the plan: OUs split at
// 1 account, the accounts of the core OU moved into Infrastructure, the core OU deleted and the old
// Log Archive and Security accounts closed.
func orgSettings(t *testing.T, snap *inventory.Snapshot) settings.Settings {
	t.Helper()
	s, err := settings.Load(filepath.Join("..", "testdata", "settings", "alz2-typical.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	s.OUAccountLimit = 1
	s.Decommission.OldAccountsOU = "Infrastructure"
	s.Decommission.CloseOldAccounts = true
	// Not enrolled (Account Factory would move it out of the core OU): moved with the old accounts.
	s.EnrollSharedServices = aws.Bool(false)
	return s.Resolve(snap)
}

// orgPlan builds the planner's plan and keeps the steps of orgKinds (and keep, when given), with
// the dependencies among them.
func orgPlan(t *testing.T, snap *inventory.Snapshot, s settings.Settings, keep func(plans.Step) bool) *plans.Plan {
	t.Helper()
	rep := checks.Run(checks.Input{Snapshot: snap, Index: inventory.NewIndex(snap), Settings: s})
	full, err := plans.Build(snap, s, rep)
	if err != nil {
		t.Fatal(err)
	}
	p := *full
	p.Phases = nil
	kept := map[string]bool{}
	deps := map[string][]string{}
	for _, ph := range full.Phases {
		for _, st := range ph.Steps {
			deps[st.ID] = st.DependsOn
			if orgKinds[st.Kind] && (keep == nil || keep(st)) {
				kept[st.ID] = true
			}
		}
	}
	// A kept step depends on the kept steps it depends on through steps left out, so the plan's
	// order holds (a delete after the detaches of earlier phases).
	closure := map[string][]string{}
	var through func(id string) []string
	through = func(id string) []string {
		if c, ok := closure[id]; ok {
			return c
		}
		closure[id] = nil
		var out []string
		for _, d := range deps[id] {
			if kept[d] {
				out = append(out, d)
			} else {
				out = append(out, through(d)...)
			}
		}
		slices.Sort(out)
		out = slices.Compact(out)
		closure[id] = out
		return out
	}
	for _, ph := range full.Phases {
		np := ph
		np.Steps = nil
		for _, st := range ph.Steps {
			if !kept[st.ID] {
				continue
			}
			st.DependsOn = through(st.ID)
			np.Steps = append(np.Steps, st)
		}
		p.Phases = append(p.Phases, np)
	}
	p.ExecutionOrder = slices.DeleteFunc(slices.Clone(full.ExecutionOrder), func(id string) bool { return !kept[id] })
	return &p
}

// orgRun is one simulator and state folder, and the runs of the engine against them.
type orgRun struct {
	t      *testing.T
	srv    *sim.Server
	aws    *awsapi.Clients
	dir    string
	plan   *plans.Plan
	mu     sync.Mutex
	hook   func(sim.Call) // the AfterMutation hook of the current run
	served *inventory.Snapshot
}

func newOrgRun(t *testing.T, snap *inventory.Snapshot, p *plans.Plan, opts sim.Options) *orgRun {
	t.Helper()
	r := &orgRun{t: t, dir: t.TempDir(), plan: p, served: snap}
	if opts.TimeScale == 0 && opts.Clock == nil {
		opts.TimeScale = orgTimeScale
	}
	opts.AfterMutation = func(c sim.Call) {
		r.mu.Lock()
		h := r.hook
		r.mu.Unlock()
		if h != nil {
			h(c)
		}
	}
	r.srv = sim.New(snap, opts)
	url, err := r.srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.srv.Close() })
	c, err := awsapi.Load(context.Background(), awsapi.Options{EndpointURL: url, Region: "us-east-1", MaxBackoff: 5 * time.Millisecond, RatePerSecond: -1,
		Static: &aws.Credentials{AccessKeyID: "AKIAEXAMPLEEXAMPLE00", SecretAccessKey: "secret"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	r.aws = c
	return r
}

// run runs the plan once, resuming from the journal; ctx may be cancelled to kill the run.
func (r *orgRun) run(ctx context.Context) *engine.Summary {
	r.t.Helper()
	return runEngine(r.t, ctx, engine.Options{Plan: r.plan, AWS: r.aws, Folder: statefolder.Folder{Dir: r.dir},
		TimeScale: orgTimeScale, RetryFor: time.Hour}, nil)
}

// mutations counts the successful mutating calls by "Operation target".
func (r *orgRun) mutations() map[string]int {
	out := map[string]int{}
	for _, c := range r.srv.Calls() {
		if c.Mutating && c.Code == "" && !c.Replay {
			out[c.Operation+" "+c.Target]++
		}
	}
	return out
}

func (r *orgRun) journal() *journal.State {
	st, err := journal.Read(r.dir)
	if err != nil {
		r.t.Fatal(err)
	}
	return st
}

func orgSummaryText(sum *engine.Summary) string {
	var b strings.Builder
	for _, f := range sum.Failed {
		b.WriteString("\n  failed " + f.Step + ": " + f.Error + " — " + f.Advice)
	}
	for _, f := range sum.NotStarted {
		b.WriteString("\n  not started " + f.Step + ": " + f.Reason)
	}
	for _, f := range sum.Interrupted {
		b.WriteString("\n  interrupted " + f.Step)
	}
	return b.String()
}

// orgExpected are the mutations the plan's steps make ("Operation target", as the simulator's
// audit log names them), resolving references from the journal.
func orgExpected(t *testing.T, p *plans.Plan, st *journal.State) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	resolve := func(v plans.Value) string {
		s, err := v.Resolve(st.Output)
		if err != nil {
			t.Fatalf("expected mutations: %v", err)
		}
		return s
	}
	for _, ph := range p.Phases {
		for _, step := range ph.Steps {
			switch q := step.Params.(type) {
			case plans.TrustedAccessDisable:
				out["DisableAWSServiceAccess "+q.ServicePrincipal] = true
			case plans.AccountCreate:
				out["CreateAccount "+strings.ToLower(q.Email)] = true
			case plans.OUCreate:
				out["CreateOrganizationalUnit "+resolve(q.ParentID)+"/"+q.Name] = true
			case plans.AccountMove:
				out["MoveAccount "+q.AccountID+"/"+resolve(q.DestinationParentID)] = true
			case plans.OUDelete:
				out["DeleteOrganizationalUnit "+q.OUID] = true
			case plans.SCPDetach:
				out["DetachPolicy "+q.PolicyID+"/"+q.TargetID] = true
			case plans.SCPDelete:
				out["DeletePolicy "+q.PolicyID] = true
			case plans.AccountClose:
				out["CloseAccount "+q.AccountID] = true
			}
		}
	}
	return out
}

// orgEndState describes an organization by names, not generated IDs, so that two runs that made
// the same changes describe it alike: accounts by e-mail with their state and parent path, OUs by
// path, SCPs by name with their targets, trusted services.
func orgEndState(snap *inventory.Snapshot) []string {
	ix := inventory.NewIndex(snap)
	where := func(id string) string {
		if ix.IsRoot(id) {
			return "root"
		}
		if a := ix.Account(id); a != nil {
			return a.Email
		}
		return ix.Path(id)
	}
	var out []string
	for _, a := range snap.Accounts {
		out = append(out, "account "+a.Email+" "+a.Status+" in "+where(a.ParentID))
	}
	for _, o := range snap.OUs {
		out = append(out, "ou "+ix.Path(o.ID))
	}
	for _, p := range snap.Policies {
		var ts []string
		for _, tg := range p.Targets {
			ts = append(ts, where(tg))
		}
		slices.Sort(ts)
		out = append(out, "scp "+p.Name+" on "+strings.Join(ts, ","))
	}
	for _, s := range snap.TrustedServices {
		out = append(out, "trusted "+s)
	}
	slices.Sort(out)
	return out
}

func orgParentOf(snap *inventory.Snapshot, id string) string {
	for _, a := range snap.Accounts {
		if a.ID == id {
			return a.ParentID
		}
	}
	return ""
}

// The planner's Organizations steps, run by the engine: the preview changes nothing, the run does
// what the plan says once per target and nothing else, and a second run from an empty state folder
// finds everything in place.
func TestOrgKindsEndToEnd(t *testing.T) {
	snap := orgOrganization(t)
	s := orgSettings(t, snap)
	p := orgPlan(t, snap, s, nil)
	for _, k := range []string{plans.KindTrustedAccessDisable, plans.KindAccountCreate, plans.KindOUCreate, plans.KindAccountMove,
		plans.KindOUDelete, plans.KindSCPDelete, plans.KindAccountClose} {
		if len(stepsOf(p, k)) == 0 {
			t.Fatalf("the plan has no %s step: the test proves nothing for it", k)
		}
	}
	r := newOrgRun(t, snap, p, sim.Options{})
	ctx := context.Background()

	// The dry run: read-only, and the guards' verdicts before anything ran.
	e, err := engine.New(engine.Options{Plan: p, AWS: r.aws, Folder: statefolder.Folder{Dir: r.dir}})
	if err != nil {
		t.Fatal(err)
	}
	const core, infra, logOld, secOld = "ou-wkmz-24hf391y", "ou-wkmz-sopr0dkf", "788964670936", "923262032000"
	for _, pv := range e.Preview(ctx) {
		switch {
		case pv.State == engine.PreviewError:
			t.Errorf("preview %s: %s", pv.Step, pv.Note)
		case pv.Step == "ou.delete/"+core && (pv.State != engine.PreviewUnsafe || !strings.Contains(pv.Note, logOld) || !strings.Contains(pv.Note, secOld)):
			t.Errorf("preview of the core OU's deletion: %s %q, want unsafe naming the two old accounts still in it", pv.State, pv.Note)
		case pv.Kind == plans.KindAccountClose && (pv.State != engine.PreviewChange || !strings.Contains(pv.Change, "CLOSE account") || !strings.Contains(pv.Change, snap.Organization.ID)):
			t.Errorf("preview of %s: %s %q, want the account and organization named", pv.Step, pv.State, pv.Change)
		case pv.Kind == plans.KindSCPDelete && (pv.State != engine.PreviewUnsafe || !strings.Contains(pv.Note, "export")):
			t.Errorf("preview of %s: %s %q, want unsafe: not exported yet", pv.Step, pv.State, pv.Note)
		case pv.Kind == plans.KindTrustedAccessDisable && (pv.State != engine.PreviewChange || !strings.Contains(pv.Note, "AWS recommends")):
			t.Errorf("preview of %s: %s note %q", pv.Step, pv.State, pv.Note)
		}
	}
	for _, c := range r.srv.Calls() {
		if c.Mutating {
			t.Fatalf("the preview made a mutating call: %+v", c)
		}
	}

	sum := r.run(ctx)
	if !sum.Complete() {
		t.Fatalf("the run did not complete:%s", orgSummaryText(sum))
	}
	jr := r.journal()
	want := orgExpected(t, p, jr)
	got := r.mutations()
	for k := range want {
		if got[k] != 1 {
			t.Errorf("%s applied %d times, want once", k, got[k])
		}
	}
	for k := range got {
		if !want[k] {
			t.Errorf("unplanned mutation %s", k)
		}
	}
	t.Logf("%d steps, %d mutations, each once", len(p.ExecutionOrder), len(got))
	// Every call is an operation of a kind in the plan, listed in awsapi/operations.go.
	allowed := map[string]bool{"sts:GetCallerIdentity": true}
	for k := range orgKinds {
		spec, _ := plans.LookupKind(k)
		for _, op := range spec.Operations {
			allowed[op] = true
		}
	}
	for _, c := range r.srv.Calls() {
		if !allowed[c.Service+":"+c.Operation] {
			t.Errorf("%s:%s is not among the kinds' operations (plans.KindSpec.Operations)", c.Service, c.Operation)
		}
		if _, ok := awsapi.Lookup(c.Service, c.Operation); !ok {
			t.Errorf("%s:%s is not in awsapi/operations.go", c.Service, c.Operation)
		}
	}

	end := r.srv.Snapshot()
	for _, svc := range []string{"config.amazonaws.com", "cloudtrail.amazonaws.com"} {
		if slices.Contains(end.TrustedServices, svc) {
			t.Errorf("trusted access for %s is still enabled", svc)
		}
	}
	root := end.Roots[0].ID
	for _, st := range stepsOf(p, plans.KindAccountCreate) {
		q := st.Params.(plans.AccountCreate)
		id, _ := jr.Output(st.ID, plans.OutputAccountID)
		n := 0
		for _, a := range end.Accounts {
			if strings.EqualFold(a.Email, q.Email) {
				n++
				if a.ID != id || a.ParentID != root || a.Status != inventory.AccountActive || a.Name != q.AccountName {
					t.Errorf("account %s: %+v, journal output %s", q.Email, a, id)
				}
			}
		}
		if n != 1 {
			t.Errorf("%d accounts with the e-mail %s", n, q.Email)
		}
	}
	for _, st := range stepsOf(p, plans.KindAccountMove) {
		q := st.Params.(plans.AccountMove)
		dst, _ := q.DestinationParentID.Resolve(jr.Output)
		if got := orgParentOf(end, q.AccountID); got != dst {
			t.Errorf("account %s is in %s, want %s", q.AccountID, got, dst)
		}
	}
	ix := inventory.NewIndex(end)
	for _, st := range stepsOf(p, plans.KindOUCreate) {
		q := st.Params.(plans.OUCreate)
		id, _ := jr.Output(st.ID, plans.OutputOUID)
		if o := ix.OU(id); o == nil || o.Name != q.Name || o.ParentID != q.ParentID.Literal {
			t.Errorf("OU %s (%s): %+v", q.Name, id, o)
		}
	}
	if ix.OU(core) != nil {
		t.Error("the core OU still exists")
	}
	for _, id := range []string{logOld, secOld} {
		if a := ix.Account(id); a == nil || a.Status != inventory.AccountSuspended || a.ParentID != infra {
			t.Errorf("old account %s: %+v, want SUSPENDED in Infrastructure", id, a)
		}
	}
	for _, st := range stepsOf(p, plans.KindSCPDelete) {
		if ix.Policy(st.Params.(plans.SCPDelete).PolicyID) != nil {
			t.Errorf("%s: the SCP still exists", st.ID)
		}
	}

	// Again from an empty state folder: every step observes its effect in place.
	again := orgPlan(t, snap, s, func(st plans.Step) bool { return st.Kind != plans.KindExportSCP })
	_, mutating := r.srv.CallCount()
	r.dir, r.plan = t.TempDir(), again
	sum = r.run(ctx)
	if !sum.Complete() {
		t.Fatalf("the second run did not complete:%s", orgSummaryText(sum))
	}
	if _, m := r.srv.CallCount(); m != mutating {
		t.Errorf("the second run made %d mutating calls", m-mutating)
	}
}
