package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/smithy-go"

	"github.com/lz2ct/lz2ct/engine/hooks"
	"github.com/lz2ct/lz2ct/journal"
	"github.com/lz2ct/lz2ct/plans"
	"github.com/lz2ct/lz2ct/steps"
)

// These are scheduler tests: the test-only kind below stands for "some work that takes a while and
// holds resources", so the tests can watch what the engine runs when. AWS is not involved; the
// kinds in steps/ are proven against the simulator elsewhere.

const workKind = "test.work"

// work is the test kind's params.
type work struct {
	Claim  string      `json:"claim"` // "", "ou", "account", "stackset:<key>"
	Fail   bool        `json:"fail"`  // Start fails (AccessDenied)
	Async  bool        `json:"async"` // Start returns an operation; it completes after polls
	Polls  int         `json:"polls"` // polls before an async operation ends (default 2)
	OpFail bool        `json:"opFail"`
	In     plans.Value `json:"in"`   // a value Start resolves (an earlier step's output)
	Hold   int         `json:"hold"` // milliseconds Start (or the operation) holds its resources
	// Conflicts: Start answers ConflictException this many times first.
	Conflicts int `json:"conflicts"`
}

func (work) Kind() string { return workKind }

// world is what the test kind acts on, and what it saw.
type world struct {
	mu         sync.Mutex
	done       map[string]bool
	ops        map[string]int // operation -> polls left
	opOwner    map[string]string
	starts     map[string]int
	tokens     map[string][]string
	conflicts  map[string]int
	resolved   map[string]string
	polledOps  []string
	order      []string // step IDs in the order their effect completed
	ctOU       int
	ctAcct     int
	stackSets  map[string]int
	maxAcct    int
	violations []string
	// generalDuringOU counts general steps that started while an OU operation held Control Tower.
	generalDuringOU int
	// block, when set for a step, holds its Start/Poll until closed.
	block map[string]chan struct{}
	// ctBusy is how long Control Tower operations held Control Tower (enter to exit).
	ctBusy    time.Duration
	ctEntered map[string]time.Time
}

func newWorld() *world {
	return &world{done: map[string]bool{}, ops: map[string]int{}, opOwner: map[string]string{}, starts: map[string]int{},
		tokens: map[string][]string{}, conflicts: map[string]int{}, resolved: map[string]string{}, stackSets: map[string]int{},
		block: map[string]chan struct{}{}, ctEntered: map[string]time.Time{}}
}

func apiError(code string) error {
	return &smithy.OperationError{ServiceID: "Test", OperationName: "Work", Err: &smithy.GenericAPIError{Code: code, Message: "test"}}
}

func (w *world) enter(id string, p work) {
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case p.Claim == "ou":
		if w.ctOU > 0 || w.ctAcct > 0 {
			w.violations = append(w.violations, id+": OU operation while Control Tower was busy")
		}
		w.ctOU++
		w.ctEntered[id] = time.Now()
	case p.Claim == "account":
		if w.ctOU > 0 {
			w.violations = append(w.violations, id+": account operation during an OU operation")
		}
		w.ctAcct++
		w.maxAcct = max(w.maxAcct, w.ctAcct)
		w.ctEntered[id] = time.Now()
	case strings.HasPrefix(p.Claim, "stackset:"):
		if w.stackSets[p.Claim] > 0 {
			w.violations = append(w.violations, id+": second operation on "+p.Claim)
		}
		w.stackSets[p.Claim]++
	default:
		if w.ctOU > 0 {
			w.generalDuringOU++
		}
	}
}

func (w *world) exit(id string, p work) {
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case p.Claim == "ou":
		w.ctOU--
	case p.Claim == "account":
		w.ctAcct--
	case strings.HasPrefix(p.Claim, "stackset:"):
		w.stackSets[p.Claim]--
	}
	if t, ok := w.ctEntered[id]; ok {
		w.ctBusy += time.Since(t)
	}
	w.done[id] = true
	w.order = append(w.order, id)
}

func (w *world) wait(id string) {
	w.mu.Lock()
	ch := w.block[id]
	w.mu.Unlock()
	if ch != nil {
		<-ch
	}
}

func (w *world) lookup() func(string) (*steps.Impl, bool) {
	im := steps.Build(steps.Def[work]{
		Claims: func(p work) []steps.Claim {
			switch {
			case p.Claim == "ou":
				return []steps.Claim{{Kind: steps.ControlTowerExclusive}}
			case p.Claim == "account":
				return []steps.Claim{{Kind: steps.ControlTowerAccount}}
			case strings.HasPrefix(p.Claim, "stackset:"):
				return []steps.Claim{{Kind: steps.StackSet, Key: strings.TrimPrefix(p.Claim, "stackset:")}}
			}
			return nil
		},
		Token: func(p work) string { return "tok" },
		Observe: func(_ context.Context, x *steps.Exec, p work) (steps.Observation, error) {
			w.mu.Lock()
			defer w.mu.Unlock()
			if w.done[x.Step.ID] {
				return steps.Observation{State: steps.Done, Note: "already in place"}, nil
			}
			for op, owner := range w.opOwner {
				if owner == x.Step.ID && w.ops[op] > 0 {
					return steps.Observation{State: steps.Running, OperationID: op}, nil
				}
			}
			return steps.Observation{State: steps.NotDone, Change: "do " + x.Step.ID}, nil
		},
		Start: func(ctx context.Context, x *steps.Exec, p work) (string, error) {
			id := x.Step.ID
			w.mu.Lock()
			w.starts[id]++
			w.tokens[id] = append(w.tokens[id], x.Token)
			if w.conflicts[id] < p.Conflicts {
				w.conflicts[id]++
				w.mu.Unlock()
				return "", apiError("ConflictException")
			}
			w.mu.Unlock()
			if !p.In.IsZero() {
				v, err := x.Resolve(p.In)
				if err != nil {
					return "", err
				}
				w.mu.Lock()
				w.resolved[id] = v
				w.mu.Unlock()
			}
			if p.Fail {
				return "", steps.Advise(apiError("AccessDeniedException"), "grant it")
			}
			w.enter(id, p)
			if p.Async {
				op := fmt.Sprintf("op-%s-%d", id, w.starts[id])
				w.mu.Lock()
				w.ops[op] = max(p.Polls, 1)
				w.opOwner[op] = id
				w.mu.Unlock()
				return op, nil
			}
			w.wait(id)
			time.Sleep(time.Duration(p.Hold) * time.Millisecond)
			w.exit(id, p)
			return "", nil
		},
		Poll: func(ctx context.Context, x *steps.Exec, p work, op string) (steps.OpStatus, error) {
			w.mu.Lock()
			w.polledOps = append(w.polledOps, op)
			left, ok := w.ops[op]
			w.mu.Unlock()
			if !ok {
				return steps.OpStatus{}, apiError("OperationNotFoundException")
			}
			if left <= 0 {
				return steps.OpStatus{State: steps.OpSucceeded}, nil
			}
			w.wait(x.Step.ID)
			time.Sleep(time.Duration(p.Hold) * time.Millisecond)
			w.mu.Lock()
			w.ops[op]--
			left = w.ops[op]
			w.mu.Unlock()
			if left > 0 {
				return steps.OpStatus{State: steps.OpInProgress}, nil
			}
			if p.OpFail {
				w.mu.Lock()
				switch p.Claim {
				case "ou":
					w.ctOU--
				case "account":
					w.ctAcct--
				}
				w.mu.Unlock()
				return steps.OpStatus{State: steps.OpFailed, Message: "the account's role is missing"}, nil
			}
			w.exit(x.Step.ID, p)
			return steps.OpStatus{State: steps.OpSucceeded}, nil
		},
		PollEvery: steps.Backoff{First: time.Second, Max: 4 * time.Second},
		Verify: func(_ context.Context, x *steps.Exec, p work) (steps.Outputs, error) {
			w.mu.Lock()
			defer w.mu.Unlock()
			if !w.done[x.Step.ID] {
				return nil, fmt.Errorf("%s is not done", x.Step.ID)
			}
			return steps.Outputs{"value": "v-" + x.Step.ID}, nil
		},
	})
	// ou.create stands for a step whose outputs later steps use; the test's own version makes
	// one OU ID.
	ouCreate := steps.Build(steps.Def[plans.OUCreate]{
		Observe: func(_ context.Context, x *steps.Exec, p plans.OUCreate) (steps.Observation, error) {
			w.mu.Lock()
			defer w.mu.Unlock()
			if w.done[x.Step.ID] {
				return steps.Observation{State: steps.Done}, nil
			}
			return steps.Observation{State: steps.NotDone, Change: "create OU " + p.Name}, nil
		},
		Start: func(_ context.Context, x *steps.Exec, p plans.OUCreate) (string, error) {
			w.exit(x.Step.ID, work{})
			return "", nil
		},
		Verify: func(_ context.Context, x *steps.Exec, p plans.OUCreate) (steps.Outputs, error) {
			return steps.Outputs{plans.OutputOUID: "ou-made-" + p.Name, plans.OutputOUARN: "arn:ou-made-" + p.Name}, nil
		},
	})
	return func(kind string) (*steps.Impl, bool) {
		switch kind {
		case workKind:
			return im, true
		case plans.KindOUCreate:
			return ouCreate, true
		}
		return steps.Lookup(kind)
	}
}

// step is a test step of the work kind.
func step(id string, p work, deps ...string) plans.Step {
	return plans.Step{ID: id, Kind: workKind, Title: "work " + id, DependsOn: deps, Params: p}
}

func testPlan(ss ...plans.Step) *plans.Plan {
	p := &plans.Plan{Version: plans.Version, Organization: "o-test", Phases: []plans.Phase{{Number: 0, ID: "test", Steps: ss}}}
	for _, s := range ss {
		p.ExecutionOrder = append(p.ExecutionOrder, s.ID)
	}
	return p
}

// rec is a hook that keeps every event.
type rec struct {
	mu  sync.Mutex
	evs []hooks.Event
}

func (r *rec) Handle(ev hooks.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.evs = append(r.evs, ev)
	return nil
}

func (r *rec) of(id string, t hooks.Type) []hooks.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []hooks.Event
	for _, ev := range r.evs {
		if ev.StepID() == id && ev.Type == t {
			out = append(out, ev)
		}
	}
	return out
}

// harness runs plans against a world with a real journal in a temp folder, so that a second run
// reads back what the first wrote, as lz2ct resume does.
type harness struct {
	t   *testing.T
	dir string
	w   *world
}

func newHarness(t *testing.T) *harness {
	return &harness{t: t, dir: t.TempDir(), w: newWorld()}
}

func (h *harness) opts(p *plans.Plan, r *rec) Options {
	h.t.Helper()
	st, err := journal.Read(h.dir)
	if err != nil {
		h.t.Fatal(err)
	}
	jw, err := journal.Open(h.dir)
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { jw.Close() })
	return Options{Plan: p, State: st, Hook: hooks.Multi{hooks.Journal(jw), r}, TimeScale: 1000, Lookup: h.w.lookup(),
		RetryFor: time.Hour}
}

func (h *harness) run(p *plans.Plan, mod func(*Options)) (*Summary, *rec) {
	h.t.Helper()
	r := &rec{}
	o := h.opts(p, r)
	if mod != nil {
		mod(&o)
	}
	e, err := New(o)
	if err != nil {
		h.t.Fatal(err)
	}
	sum, err := e.Run(context.Background(), context.Background())
	if err != nil {
		h.t.Fatal(err)
	}
	return sum, r
}

func ids(os []Outcome) []string {
	var out []string
	for _, o := range os {
		out = append(out, o.Step)
	}
	return out
}

func TestDependenciesComeFirst(t *testing.T) {
	h := newHarness(t)
	p := testPlan(
		step("a", work{Hold: 5}),
		step("b", work{Hold: 1}, "a"),
		step("c", work{Hold: 3}, "a"),
		step("d", work{}, "b", "c"),
		step("e", work{}),
	)
	sum, r := h.run(p, nil)
	if len(sum.Done) != 5 || !sum.Complete() {
		t.Fatalf("summary %+v", sum)
	}
	pos := map[string]int{}
	for i, id := range h.w.order {
		pos[id] = i
	}
	for _, s := range p.Phases[0].Steps {
		for _, d := range s.DependsOn {
			if pos[d] > pos[s.ID] {
				t.Errorf("%s completed before its dependency %s: %v", s.ID, d, h.w.order)
			}
		}
		started := r.of(s.ID, hooks.Started)
		if len(started) != 1 || started[0].Attempt != 1 {
			t.Errorf("%s: started events %+v", s.ID, started)
		}
	}
	// The journal holds each step as done, with its output.
	st, err := journal.Read(h.dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"a", "b", "c", "d", "e"} {
		if st.Step(id).Status != journal.Done {
			t.Errorf("journal: %s is %s", id, st.Step(id).Status)
		}
		if v, _ := st.Output(id, "value"); v != "v-"+id {
			t.Errorf("journal: output of %s = %q", id, v)
		}
	}
}

func TestControlTowerIsSerializedAndNeverWaitsOnPreparation(t *testing.T) {
	h := newHarness(t)
	var ss []plans.Step
	for i := range 4 {
		// Each wave: preparation work (general pool), then its OU registration. Preparations follow
		// each other (as waves' SCP detaches and Config removals do), so wave i+1 can only be
		// prepared while wave i registers if the engine does not wait for the registration.
		prep := fmt.Sprintf("prep/%d", i)
		var deps []string
		if i > 0 {
			deps = []string{fmt.Sprintf("prep/%d", i-1)}
		}
		ss = append(ss, step(prep, work{Hold: 15}, deps...))
		ss = append(ss, step(fmt.Sprintf("ou/%d", i), work{Claim: "ou", Async: true, Polls: 3, Hold: 10}, prep))
	}
	for i := range 6 {
		ss = append(ss, step(fmt.Sprintf("enroll/%d", i), work{Claim: "account", Async: true, Polls: 2, Hold: 10}))
	}
	ss = append(ss, step("stack/1", work{Claim: "stackset:eu-west-1/A", Hold: 10}), step("stack/2", work{Claim: "stackset:eu-west-1/A", Hold: 10}))
	sum, _ := h.run(testPlan(ss...), func(o *Options) { o.AccountConcurrency = 2 })
	if !sum.Complete() || len(sum.Done) != len(ss) {
		t.Fatalf("summary: failed %+v not started %+v", sum.Failed, sum.NotStarted)
	}
	if len(h.w.violations) > 0 {
		t.Errorf("resource rules broken:\n%s", strings.Join(h.w.violations, "\n"))
	}
	if h.w.maxAcct != 2 {
		t.Errorf("at most %d account operations ran at once, want exactly the account concurrency 2", h.w.maxAcct)
	}
	if h.w.generalDuringOU == 0 {
		t.Error("no preparation ran while an OU operation held Control Tower: Control Tower waited on lz2ct")
	}
}

// Control Tower steps queue in plan order: an OU operation waiting for account operations to drain
// is not overtaken by later account operations.
func TestControlTowerQueueKeepsPlanOrder(t *testing.T) {
	h := newHarness(t)
	h.w.block["enroll/1"] = make(chan struct{})
	p := testPlan(
		step("enroll/1", work{Claim: "account"}),
		step("ou/1", work{Claim: "ou"}),
		step("enroll/2", work{Claim: "account"}),
	)
	go func() { time.Sleep(50 * time.Millisecond); close(h.w.block["enroll/1"]) }()
	sum, _ := h.run(p, func(o *Options) { o.AccountConcurrency = 5 })
	if !sum.Complete() {
		t.Fatalf("summary %+v", sum)
	}
	if got := strings.Join(h.w.order, " "); got != "enroll/1 ou/1 enroll/2" {
		t.Errorf("order %s: enroll/2 overtook the OU operation queued before it", got)
	}
}

func TestAFailureStopsOnlyItsDependents(t *testing.T) {
	h := newHarness(t)
	p := testPlan(
		step("bad", work{Fail: true}),
		step("child", work{}, "bad"),
		step("grandchild", work{}, "child"),
		step("other", work{}),
		step("after-other", work{}, "other"),
	)
	sum, r := h.run(p, nil)
	if got := ids(sum.Failed); len(got) != 1 || got[0] != "bad" {
		t.Fatalf("failed %v", got)
	}
	if sum.Failed[0].Advice != "grant it" || !strings.Contains(sum.Failed[0].Error, "AccessDeniedException") {
		t.Errorf("failure %+v lacks the AWS error or the advice", sum.Failed[0])
	}
	if got := strings.Join(ids(sum.Done), " "); got != "other after-other" {
		t.Errorf("done %s", got)
	}
	if got := strings.Join(ids(sum.NotStarted), " "); got != "child grandchild" {
		t.Errorf("not started %s", got)
	}
	if !strings.Contains(sum.NotStarted[0].Reason, "needs bad, which failed") {
		t.Errorf("reason %q", sum.NotStarted[0].Reason)
	}
	// Two links down, the reason names the root, not the chain of steps between.
	if got := sum.NotStarted[1].Reason; got != "needs bad, which failed" {
		t.Errorf("grandchild's reason %q, want the root's", got)
	}
	if len(r.of("child", hooks.Started)) != 0 || h.w.starts["child"] != 0 {
		t.Error("a dependent of a failed step was started")
	}
	// Resume after the cause is fixed: the failed step runs again, then its dependents.
	p.Phases[0].Steps[0].Params = work{}
	sum, _ = h.run(p, nil)
	if !sum.Complete() || sum.Previously != 2 || len(sum.Done) != 3 {
		t.Errorf("resume: %+v", sum)
	}
}

func TestRetryLaterObservesAgainThenStarts(t *testing.T) {
	h := newHarness(t)
	sum, r := h.run(testPlan(step("ct", work{Conflicts: 2})), nil)
	if !sum.Complete() {
		t.Fatalf("summary %+v", sum)
	}
	if h.w.starts["ct"] != 3 {
		t.Errorf("Start called %d times, want 3 (two ConflictExceptions, then success)", h.w.starts["ct"])
	}
	if n := len(r.of("ct", hooks.Intent)); n != 3 {
		t.Errorf("%d intents, want one before each call", n)
	}
	for _, tok := range h.w.tokens["ct"] {
		if tok != "tok" {
			t.Errorf("a retry after ConflictException changed the token: %v", h.w.tokens["ct"])
		}
	}
}

// RetryFor is AWS's time: a run 1,000 times faster gives a "not now" that never ends 10 minutes of
// AWS's time (0.6 s), not 10 minutes of its own — a handful of attempts, then the step fails.
func TestRetryForRunsInAWSTime(t *testing.T) {
	h := newHarness(t)
	sum, _ := h.run(testPlan(step("ct", work{Conflicts: 1 << 30})), func(o *Options) { o.RetryFor = 10 * time.Minute })
	if len(sum.Failed) != 1 || !strings.Contains(sum.Failed[0].Error, "after 10m0s") {
		t.Fatalf("failed %+v, want ct failed after 10m0s of retries", sum.Failed)
	}
	// Pauses of 15 s, 30 s, 1 min, 2 min, 4 min, 5 min (AWS's time) fill the 10 minutes.
	if n := h.w.starts["ct"]; n < 2 || n > 10 {
		t.Errorf("Start called %d times, want a handful", n)
	}
}

func TestOutputsFlowToLaterSteps(t *testing.T) {
	h := newHarness(t)
	p := testPlan(
		plans.Step{ID: "make", Kind: plans.KindOUCreate, Params: plans.OUCreate{ParentID: plans.Lit("r-1"), Name: "x"}},
		step("use", work{In: plans.Out("make", plans.OutputOUID)}, "make"),
	)
	sum, r := h.run(p, nil)
	if !sum.Complete() {
		t.Fatalf("summary %+v", sum)
	}
	if h.w.resolved["use"] != "ou-made-x" {
		t.Errorf("use resolved %q, want the output of make", h.w.resolved["use"])
	}
	outs := r.of("make", hooks.Output)
	if len(outs) != 2 || outs[0].Output != plans.OutputOUARN || outs[1].Output != plans.OutputOUID {
		t.Errorf("outputs %+v, want both declared outputs journaled, sorted", outs)
	}
	if ev := r.evs; ev[len(ev)-1].Type != hooks.Succeeded || ev[len(ev)-1].StepID() != "use" {
		t.Errorf("last event %+v", ev[len(ev)-1])
	}
}

// A graceful stop while an operation runs leaves it open in the journal; the resumed run
// re-attaches to it and never starts a second one.
func TestGracefulStopAndResumeReattach(t *testing.T) {
	h := newHarness(t)
	h.w.block["ou/1"] = make(chan struct{})
	p := testPlan(
		step("ou/1", work{Claim: "ou", Async: true, Polls: 3}),
		step("after", work{}, "ou/1"),
		step("free", work{Hold: 1}),
	)
	r := &rec{}
	o := h.opts(p, r)
	e, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	stop, stopNow := context.WithCancel(context.Background())
	done := make(chan *Summary)
	go func() {
		sum, err := e.Run(context.Background(), stop)
		if err != nil {
			t.Error(err)
		}
		done <- sum
	}()
	for len(r.of("ou/1", hooks.Operation)) == 0 {
		time.Sleep(time.Millisecond)
	}
	stopNow()
	close(h.w.block["ou/1"]) // the poll in flight finishes
	sum := <-done
	if !sum.Stopped || len(sum.Interrupted) != 1 || sum.Interrupted[0].OperationID != "op-ou/1-1" {
		t.Fatalf("stopped run: %+v", sum)
	}
	if got := strings.Join(ids(sum.NotStarted), " "); !strings.Contains(got, "after") {
		t.Errorf("not started %q", got)
	}
	st, _ := journal.Read(h.dir)
	if s := st.Step("ou/1"); !s.OperationOpen || s.OperationID != "op-ou/1-1" || s.Status != journal.Running {
		t.Fatalf("journal after the stop: %+v", s)
	}
	sum, r2 := h.run(p, nil)
	if !sum.Complete() {
		t.Fatalf("resume: %+v", sum)
	}
	if h.w.starts["ou/1"] != 1 {
		t.Errorf("the OU operation was started %d times", h.w.starts["ou/1"])
	}
	if len(r2.of("ou/1", hooks.Intent)) != 0 {
		t.Error("the resumed run announced a new call instead of re-attaching")
	}
	if started := r2.of("ou/1", hooks.Started); len(started) != 1 || started[0].Attempt != 2 {
		t.Errorf("resumed attempt: %+v", started)
	}
}

// A run killed after an intent: the resumed run observes first, and calls again only when the
// effect is missing, with the same token.
func TestResumeAfterAnOpenIntent(t *testing.T) {
	for _, applied := range []bool{true, false} {
		t.Run(fmt.Sprintf("applied=%v", applied), func(t *testing.T) {
			h := newHarness(t)
			p := testPlan(step("s", work{}))
			for _, ev := range []journal.Event{
				{Step: "s", Event: journal.EventStarted},
				{Step: "s", Event: journal.EventIntent, Action: "do s", Token: "tok"},
			} {
				if err := journal.Append(h.dir, ev); err != nil {
					t.Fatal(err)
				}
			}
			h.w.done["s"] = applied
			sum, r := h.run(p, nil)
			if !sum.Complete() {
				t.Fatalf("%+v", sum)
			}
			want := 1
			if applied {
				want = 0
			}
			if h.w.starts["s"] != want {
				t.Errorf("Start called %d times, want %d", h.w.starts["s"], want)
			}
			if !applied && h.w.tokens["s"][0] != "tok" {
				t.Errorf("token %v, want the open token reused", h.w.tokens["s"])
			}
			if applied && r.of("s", hooks.Succeeded)[0].Note != "already in place" {
				t.Errorf("note %q", r.of("s", hooks.Succeeded)[0].Note)
			}
		})
	}
}

// An operation recorded by an earlier run that AWS no longer knows: the step observes instead of
// failing for ever.
func TestReattachToAnUnknownOperationObserves(t *testing.T) {
	for _, applied := range []bool{true, false} {
		t.Run(fmt.Sprintf("applied=%v", applied), func(t *testing.T) {
			h := newHarness(t)
			p := testPlan(step("s", work{Async: true}))
			for _, ev := range []journal.Event{
				{Step: "s", Event: journal.EventStarted},
				{Step: "s", Event: journal.EventIntent, Action: "do s", Token: "tok"},
				{Step: "s", Event: journal.EventOperation, OperationID: "op-gone"},
			} {
				if err := journal.Append(h.dir, ev); err != nil {
					t.Fatal(err)
				}
			}
			h.w.done["s"] = applied
			sum, _ := h.run(p, nil)
			if !sum.Complete() {
				t.Fatalf("%+v", sum)
			}
			if len(h.w.polledOps) == 0 || h.w.polledOps[0] != "op-gone" {
				t.Errorf("polled %v: the recorded operation was not tried first", h.w.polledOps)
			}
			want := map[bool]int{true: 0, false: 1}[applied]
			if h.w.starts["s"] != want {
				t.Errorf("Start called %d times, want %d", h.w.starts["s"], want)
			}
		})
	}
}

// An operation that failed spends its token: the next attempt sends a fresh one.
func TestFailedOperationSpendsTheToken(t *testing.T) {
	h := newHarness(t)
	p := testPlan(step("ss", work{Async: true, OpFail: true}))
	sum, _ := h.run(p, nil)
	if len(sum.Failed) != 1 || !strings.Contains(sum.Failed[0].Error, "the account's role is missing") {
		t.Fatalf("%+v", sum)
	}
	p.Phases[0].Steps[0].Params = work{Async: true}
	sum, _ = h.run(p, nil)
	if !sum.Complete() {
		t.Fatalf("%+v", sum)
	}
	if got := strings.Join(h.w.tokens["ss"], " "); got != "tok tok-2" {
		t.Errorf("tokens %q, want tok then tok-2", got)
	}
}

func TestManualStepsWaitAndConfirm(t *testing.T) {
	h := newHarness(t)
	p := testPlan(
		plans.Step{ID: "manual", Kind: plans.KindManual, Title: "do it", Params: plans.Manual{Instructions: []string{"do the thing (the commands below)"}},
			CLI: []string{"aws guardduty list-detectors --region eu-west-1"}},
		step("after", work{}, "manual"),
		step("free", work{}),
	)
	sum, r := h.run(p, nil)
	// The operator is told the instructions and the commands they refer to.
	if got := ids(sum.Waiting); len(got) != 1 || got[0] != "manual" ||
		sum.Waiting[0].Reason != "do the thing (the commands below)\nCommands:\naws guardduty list-detectors --region eu-west-1" {
		t.Fatalf("waiting %+v", sum.Waiting)
	}
	if len(sum.NotStarted) != 1 || !strings.Contains(sum.NotStarted[0].Reason, "lz2ct confirm manual") {
		t.Errorf("not started %+v", sum.NotStarted)
	}
	if len(r.of("manual", hooks.Waiting)) != 1 {
		t.Error("no waiting event")
	}
	// A second run without a confirmation writes nothing new about the manual step.
	_, r = h.run(p, nil)
	if n := len(r.of("manual", hooks.Started)) + len(r.of("manual", hooks.Waiting)); n != 0 {
		t.Errorf("a run without a confirmation journaled %d events for the waiting step", n)
	}
	// In-process confirmation (the wizard) while the run waits.
	o := h.opts(p, &rec{})
	o.WaitForConfirmation = true
	e, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(20 * time.Millisecond)
		if err := e.Confirm("manual", "ops@example", "done in the console"); err != nil {
			t.Error(err)
		}
	}()
	sum, err = e.Run(context.Background(), context.Background())
	if err != nil || !sum.Complete() {
		t.Fatalf("%v %+v", err, sum)
	}
	st, _ := journal.Read(h.dir)
	if c := st.Step("manual"); c.Status != journal.Done || !strings.HasPrefix(c.Note, "confirmed by ops@example at ") ||
		!strings.HasSuffix(c.Note, ": done in the console") {
		t.Errorf("journal: %+v", c)
	}
	// Confirmed again once done (a dashboard a view behind the run): refused, nothing journaled.
	if err := e.Confirm("manual", "someone@else", "again"); err == nil || !strings.Contains(err.Error(), "already done") {
		t.Errorf("a second confirmation of a done step: %v", err)
	}
	if st2, _ := journal.Read(h.dir); st2.Events != st.Events || st2.Step("manual").Confirmed.By != "ops@example" {
		t.Errorf("the second confirmation was journaled: %d events (was %d), confirmed by %q", st2.Events, st.Events, st2.Step("manual").Confirmed.By)
	}
}

func TestSelectionLeavesOtherStepsAlone(t *testing.T) {
	h := newHarness(t)
	p := testPlan(step("a", work{}), step("b", work{}, "a"), step("c", work{}))
	sum, _ := h.run(p, func(o *Options) {
		o.Selected = func(s *plans.Step) bool { return s.ID != "a" }
	})
	if got := strings.Join(ids(sum.Done), " "); got != "c" {
		t.Errorf("done %q", got)
	}
	if len(sum.NotStarted) != 2 || !strings.Contains(sum.NotStarted[1].Reason, "not part of this run") ||
		sum.NotStarted[0].Cause != CauseNotSelected || sum.NotStarted[1].Cause != CauseBlocked {
		t.Errorf("not started %+v", sum.NotStarted)
	}
}

var errDiskFull = errors.New("no space left on device")

// When the journal refuses an event, nothing more happens: no call follows an unrecorded intent.
func TestAJournalFailureStopsTheRun(t *testing.T) {
	h := newHarness(t)
	p := testPlan(step("a", work{}), step("b", work{}, "a"))
	hook := hooks.Func(func(ev hooks.Event) error {
		if ev.Type == hooks.Intent {
			return errDiskFull
		}
		return nil
	})
	e, err := New(Options{Plan: p, Hook: hook, TimeScale: 1000, Lookup: h.w.lookup()})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.Run(context.Background(), context.Background())
	if !errors.Is(err, errDiskFull) {
		t.Fatalf("Run = %v, want the journal's error", err)
	}
	if h.w.starts["a"] != 0 {
		t.Error("Start was called although its intent was not recorded")
	}
}

func TestPlanOrderIsChecked(t *testing.T) {
	p := testPlan(step("a", work{}, "b"), step("b", work{}))
	if _, err := New(Options{Plan: p, Lookup: newWorld().lookup()}); err == nil || !strings.Contains(err.Error(), "comes later") {
		t.Errorf("New = %v", err)
	}
	p = testPlan(step("a", work{}))
	p.ExecutionOrder = append(p.ExecutionOrder, "ghost")
	if _, err := New(Options{Plan: p}); err == nil || !strings.Contains(err.Error(), "ghost") {
		t.Errorf("New = %v", err)
	}
}

func TestUnimplementedKindsAreNotStarted(t *testing.T) {
	h := newHarness(t)
	p := testPlan(
		plans.Step{ID: "lz", Kind: plans.KindLandingZoneCreate, Params: plans.LandingZoneCreate{}},
		step("after", work{}, "lz"),
		step("free", work{}),
	)
	sum, _ := h.run(p, func(o *Options) {
		base := o.Lookup
		o.Lookup = func(kind string) (*steps.Impl, bool) {
			if kind == plans.KindLandingZoneCreate {
				return nil, false // stands for any kind this lz2ct cannot carry out yet
			}
			return base(kind)
		}
	})
	if len(sum.NotStarted) != 2 || !strings.Contains(sum.NotStarted[0].Reason, "cannot carry out landing-zone.create") ||
		!strings.Contains(sum.NotStarted[1].Reason, "needs lz") || len(sum.Done) != 1 {
		t.Errorf("%+v", sum)
	}
}

// A step the plan marks blocked by a finding never runs, nor what needs it; the rest goes on, and
// the summary says which finding stops it.
func TestAStepThePlanBlocksNeverRuns(t *testing.T) {
	h := newHarness(t)
	blocked := step("register", work{})
	blocked.Blocked = "2 accounts its registration enrolls blocked by scp.deny-ct-roles"
	p := testPlan(blocked, step("enroll", work{}, "register"), step("other", work{}))
	sum, r := h.run(p, nil)
	if got := strings.Join(ids(sum.Done), " "); got != "other" {
		t.Errorf("done %s, want other only", got)
	}
	if got := strings.Join(ids(sum.NotStarted), " "); got != "register enroll" {
		t.Fatalf("not started %s", got)
	}
	if o := sum.NotStarted[0]; o.Cause != CauseFinding || !strings.Contains(o.Reason, "scp.deny-ct-roles") {
		t.Errorf("the blocked step's outcome %+v does not name the finding", o)
	}
	if o := sum.NotStarted[1]; o.Cause != CauseBlocked || !strings.Contains(o.Reason, "needs register") {
		t.Errorf("its dependent's outcome %+v", o)
	}
	if len(r.of("register", hooks.Started)) != 0 || h.w.starts["register"] != 0 {
		t.Error("a step the plan blocks was started")
	}
}
