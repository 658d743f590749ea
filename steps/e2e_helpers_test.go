package steps_test

import (
	"context"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/lz2ct/lz2ct/awsapi"
	"github.com/lz2ct/lz2ct/checks"
	"github.com/lz2ct/lz2ct/engine"
	"github.com/lz2ct/lz2ct/engine/enginetest"
	"github.com/lz2ct/lz2ct/engine/hooks"
	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/journal"
	"github.com/lz2ct/lz2ct/plans"
	"github.com/lz2ct/lz2ct/settings"
	"github.com/lz2ct/lz2ct/sim"
	"github.com/lz2ct/lz2ct/statefolder"
)

// End-to-end helpers for the Control Tower and Service Catalog kinds: a testdata organization, the
// planner's plan cut down to the kinds under test, the engine against the simulator through the
// real SDK, and the audit log read back.

// ctScale runs Control Tower's half hour in well under a second, and the engine's waits with it.
const ctScale = 20000

// planOf builds the plan as lz2ct plan does.
func planOf(t *testing.T, snap *inventory.Snapshot, s settings.Settings) *plans.Plan {
	t.Helper()
	rep := checks.Run(checks.Input{Snapshot: snap, Index: inventory.NewIndex(snap), Settings: s})
	p, err := plans.Build(snap, s, rep)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// kindsPlan is the planner's plan for snap and s, cut down to the steps keep selects
// (enginetest.Cut: a kept step depends on what the dropped ones it depended on depended on, so
// the plan's order holds).
func kindsPlan(t *testing.T, snap *inventory.Snapshot, s settings.Settings, keep func(*plans.Step) bool) *plans.Plan {
	t.Helper()
	return enginetest.Cut(planOf(t, snap, s.Resolve(snap)), keep)
}

// ofKinds keeps the steps of the given kinds.
func ofKinds(kinds map[string]bool) func(*plans.Step) bool {
	return func(st *plans.Step) bool { return kinds[st.Kind] }
}

// subplan: enginetest.Subplan.
var subplan = enginetest.Subplan

// ready: enginetest.ReadyForControlTower.
var ready = enginetest.ReadyForControlTower

// accountsIn lists the accounts directly in an OU.
func accountsIn(snap *inventory.Snapshot, ou string) []string {
	var out []string
	for _, a := range snap.Accounts {
		if a.ParentID == ou {
			out = append(out, a.ID)
		}
	}
	return out
}

// server serves snap on a scaled clock and returns it with the management account's clients.
func server(t *testing.T, snap *inventory.Snapshot, opts sim.Options) (*sim.Server, *awsapi.Clients) {
	t.Helper()
	if opts.TimeScale == 0 {
		opts.TimeScale = ctScale
	}
	srv := sim.New(snap, opts)
	url, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	c, err := awsapi.Load(context.Background(), awsapi.Options{EndpointURL: url, Region: "us-east-1", MaxBackoff: 5 * time.Millisecond,
		Static: &aws.Credentials{AccessKeyID: "AKIAEXAMPLEEXAMPLE00", SecretAccessKey: "secret"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return srv, c
}

// applyPlan runs the plan with the engine, journaling into dir, and returns the summary.
func applyPlan(t *testing.T, p *plans.Plan, c *awsapi.Clients, dir string) *engine.Summary {
	t.Helper()
	return runEngine(t, context.Background(), engine.Options{Plan: p, AWS: c, Folder: statefolder.Folder{Dir: dir},
		TimeScale: ctScale, AccountConcurrency: max(p.Settings.AccountConcurrency, 1), RetryFor: time.Hour}, nil)
}

// runEngine is every steps test's run: one engine run of o.Plan on the state folder o.Folder,
// resuming from its journal and journaling into it (through wrap when given). Cancelling ctx kills
// the run (a crash test's kill); any other error fails the test.
func runEngine(t testing.TB, ctx context.Context, o engine.Options, wrap func(hooks.Hook) hooks.Hook) *engine.Summary {
	t.Helper()
	w, err := journal.Open(o.Folder.Dir) // makes the folder on a first run
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	st, err := journal.Read(o.Folder.Dir)
	if err != nil {
		t.Fatal(err)
	}
	o.State, o.Hook = st, hooks.Journal(w)
	if wrap != nil {
		o.Hook = wrap(o.Hook)
	}
	e, err := engine.New(o)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := e.Run(ctx, ctx)
	if err != nil && ctx.Err() == nil {
		t.Fatal(err)
	}
	return sum
}

// mustComplete fails the test unless every step succeeded.
func mustComplete(t *testing.T, sum *engine.Summary) {
	t.Helper()
	if !sum.Complete() || len(sum.Failed) > 0 {
		t.Fatalf("run incomplete: failed %+v, not started %+v", sum.Failed, sum.NotStarted)
	}
}

// applied counts the successful mutations by "Operation target", replays left out.
func applied(srv *sim.Server) map[string]int {
	out := map[string]int{}
	for _, c := range srv.Calls() {
		if c.Mutating && c.Code == "" && !c.Replay {
			out[c.Operation+" "+c.Target]++
		}
	}
	return out
}

// onceEach checks that each wanted mutation was applied exactly once and nothing else was.
func onceEach(t *testing.T, got map[string]int, want []string) {
	t.Helper()
	for _, w := range want {
		if got[w] != 1 {
			t.Errorf("%s applied %d times, want once", w, got[w])
		}
	}
	var extra []string
	for k := range got {
		if !slices.Contains(want, k) {
			extra = append(extra, k)
		}
	}
	sort.Strings(extra)
	if len(extra) > 0 {
		t.Errorf("unplanned mutations: %s", strings.Join(extra, "; "))
	}
}

// noMutations checks the audit log holds no mutating call (a preview, a dry run).
func noMutations(t *testing.T, srv *sim.Server) {
	t.Helper()
	for _, c := range srv.Calls() {
		if c.Mutating {
			t.Errorf("mutating call %s %s (%s)", c.Operation, c.Target, c.Code)
		}
	}
}

// preview runs the engine's read-only preview (lz2ct apply --dry-run) and returns the states by step.
func preview(t *testing.T, p *plans.Plan, c *awsapi.Clients) map[string]engine.Preview {
	t.Helper()
	e, err := engine.New(engine.Options{Plan: p, AWS: c, Folder: statefolder.Folder{Dir: t.TempDir()}, TimeScale: ctScale})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]engine.Preview{}
	for _, pv := range e.Preview(context.Background()) {
		out[pv.Step] = pv
	}
	return out
}

// declaredOnly checks that every call the simulator answered is one the plan's kinds declare
// (plans.KindSpec.Operations: the IAM policy and docs/aws-operations.md come from them).
func declaredOnly(t *testing.T, srv *sim.Server, p *plans.Plan) {
	t.Helper()
	allowed := allowedOperations(p)
	seen := map[string]bool{}
	for _, c := range srv.Calls() {
		op := c.Service + ":" + c.Operation
		if !allowed[op] && !seen[op] {
			seen[op] = true
			t.Errorf("%s is not among the operations of the plan's kinds", op)
		}
	}
}
