// Package engine carries a plan out: it runs the plan's steps in execution order, each as soon as
// the steps it depends on have succeeded, concurrently within the limits of package resources
// (Control Tower one OU operation at a time, account operations up to the account concurrency, one
// operation per StackSet, a bounded pool for per-account work), so that while Control Tower works
// on one operation the next waves are prepared. A failed step stops only what depends on it.
//
// Every step goes through package steps' observe → start → await → verify, and every event goes
// through a hook (package hooks) before the engine acts on it: the journal is the first hook, so a
// run killed at any instant resumes from what was recorded — an intent before each mutating call,
// the operation ID before each wait, outputs before success. The journal's state (package journal)
// is the engine's memory: a resumed run re-attaches to open operations, reuses open idempotency
// tokens, and observes before calling again where a call may have reached AWS.
//
// Two contexts stop a run: stop (graceful: no new steps; steps in flight finish their AWS call,
// record it and return at the next safe point) and ctx (hard: calls are abandoned, the journal
// still says what may have happened).
package engine

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/lz2ct/lz2ct/awsapi"
	"github.com/lz2ct/lz2ct/engine/hooks"
	"github.com/lz2ct/lz2ct/engine/resources"
	"github.com/lz2ct/lz2ct/journal"
	"github.com/lz2ct/lz2ct/plans"
	"github.com/lz2ct/lz2ct/statefolder"
	"github.com/lz2ct/lz2ct/steps"
)

// Defaults for Options fields left zero.
const (
	// DefaultWorkers bounds the steps of the general pool running at once (per-account and
	// per-region work such as Config removal); each may make several calls. The plan's estimate
	// counts the same number (plans.StepsAtOnce).
	DefaultWorkers = plans.StepsAtOnce
	// DefaultRetryFor is how long a step keeps retrying a "not now" answer (another Control Tower
	// operation, throttling) before it fails; a registration of a large OU by someone else can take
	// hours.
	DefaultRetryFor = 6 * time.Hour
	// DefaultRetryPause is the first pause after a "not now" answer; it doubles up to
	// maxRetryPause.
	DefaultRetryPause = 15 * time.Second
	maxRetryPause     = 5 * time.Minute
	// verifyTries bounds the re-reads of an effect that is not visible yet (eventual consistency).
	verifyTries = 8
	verifyPause = 2 * time.Second
)

// Options configure a run.
type Options struct {
	Plan *plans.Plan
	// Selected says which steps this run may start (--only-phase, --step); nil = every step. A
	// step that needs an unselected step that is not done yet is not started.
	Selected func(*plans.Step) bool
	// State is the journal as read when the run starts (nil = nothing recorded yet).
	State *journal.State
	// AWS is the run's client set.
	AWS *awsapi.Clients
	// Folder is the state folder (exports).
	Folder statefolder.Folder
	// Hook receives every event, the journal first (hooks.Multi).
	Hook hooks.Hook
	// AccountConcurrency is how many Control Tower account operations may run at once (default 1:
	// enrollment is single-threaded unless the user raises it).
	AccountConcurrency int
	// Workers bounds the general pool; 0 = DefaultWorkers.
	Workers int
	// TimeScale speeds up every wait (polling, retry pauses) for simulated runs whose operations
	// take scaled time: 60 waits a sixtieth. 0 = 1 (real time).
	TimeScale float64
	// RetryFor bounds retrying "not now" answers (real time, before scaling); 0 = DefaultRetryFor.
	RetryFor time.Duration
	// WaitForConfirmation keeps the run waiting for manual steps to be confirmed in-process
	// (Engine.Confirm, the wizard) once nothing else can run, instead of ending.
	WaitForConfirmation bool
	// HoldForOrganization holds the steps that need the organization ID typed
	// (NeedsOrganizationTyped) until Engine.ConfirmOrganization: they wait for it (with
	// WaitForConfirmation) or end the run not started. The session sets it for every run it
	// starts (apply, resume, the demo, the wizard); engines built directly (tests) run every step.
	HoldForOrganization bool
	// Now is the clock (tests); nil = time.Now, or Clock.Now.
	Now func() time.Time
	// Clock, when set, is a simulated clock every wait of the run goes through instead of wall
	// time (the rehearsal): TimeScale is then 1, and the run tells the clock which of its
	// goroutines are working, so the clock can move ahead whenever all of them wait.
	Clock Clock
	// Lookup finds a kind's implementation; nil = steps.Lookup (the catalogue). Scheduler tests
	// give test-only kinds.
	Lookup func(kind string) (*steps.Impl, bool)
}

// Engine runs one plan. Create it with New; Run it once.
type Engine struct {
	opts    Options
	nodes   []*node
	byID    map[string]*node
	phaseOf map[string]int
	phaseID map[string]string
	res     *resources.Manager

	// mu guards state and serializes hook calls, so the journal and every other hook see events
	// in one order.
	mu    sync.Mutex
	state *journal.State
	fatal error
	// orgTyped: the steps that need the organization ID typed may start (ConfirmOrganization).
	orgTyped bool
	gateSent bool

	confirmed chan string
	gate      chan struct{}
}

// node is one plan step in the run.
type node struct {
	st     *plans.Step
	idx    int // position in the execution order
	impl   *steps.Impl
	claims []steps.Claim
	ct     bool
	deps   []*node
	users  []*node // steps that depend on this one

	status  status
	reason  string // not started / waiting: why
	cause   string // not started: one of the Cause* constants
	waiting int    // dependencies not done yet
	err     string
	advice  string
	opID    string
	release func()
}

type status int

const (
	pending status = iota
	running
	succeeded
	failed
	notStarted // blocked by a dependency, not selected, or not implemented
	waiting    // a manual step waiting for the operator
	stopped    // interrupted by a stop; resumable
	previously // done before this run
	held       // ready, but it needs the organization ID typed first
)

// New checks the plan and prepares a run: every step once in the execution order, after the steps
// it depends on, every reference to an earlier step's output backed by a dependency.
func New(opts Options) (*Engine, error) {
	if opts.Plan == nil {
		return nil, errors.New("engine: no plan")
	}
	if opts.AccountConcurrency <= 0 {
		opts.AccountConcurrency = 1
	}
	if opts.Workers <= 0 {
		opts.Workers = DefaultWorkers
	}
	if opts.TimeScale <= 0 {
		opts.TimeScale = 1
	}
	if opts.RetryFor <= 0 {
		opts.RetryFor = DefaultRetryFor
	}
	if opts.Clock != nil {
		opts.TimeScale = 1
		if opts.Now == nil {
			opts.Now = opts.Clock.Now
		}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Hook == nil {
		opts.Hook = hooks.Multi{}
	}
	if opts.Lookup == nil {
		opts.Lookup = steps.Lookup
	}
	st := opts.State
	if st == nil {
		st = journal.NewState()
	}
	order, err := ExecutionOrder(opts.Plan)
	if err != nil {
		return nil, err
	}
	if err := opts.Plan.CheckRefs(); err != nil {
		return nil, fmt.Errorf("plan: %w (re-create it with lz2ct plan)", err)
	}
	e := &Engine{opts: opts, byID: map[string]*node{}, phaseOf: map[string]int{}, phaseID: map[string]string{}, state: st,
		confirmed: make(chan string, 16), gate: make(chan struct{}, 1), orgTyped: !opts.HoldForOrganization,
		res: resources.New(opts.AccountConcurrency, opts.Workers)}
	for _, ph := range opts.Plan.Phases {
		for _, s := range ph.Steps {
			e.phaseOf[s.ID] = ph.Number
			e.phaseID[s.ID] = ph.ID
		}
	}
	for i, s := range order {
		n := &node{st: s, idx: i}
		if im, ok := opts.Lookup(s.Kind); ok && s.Params != nil {
			n.impl = im
			n.claims = im.Claims(s.Params)
			n.ct = resources.IsControlTower(n.claims)
		}
		e.nodes = append(e.nodes, n)
		e.byID[s.ID] = n
	}
	for _, n := range e.nodes {
		for _, d := range n.st.DependsOn {
			dn := e.byID[d]
			n.deps = append(n.deps, dn)
			dn.users = append(dn.users, n)
		}
	}
	return e, nil
}

// ExecutionOrder returns the plan's steps in the order the engine takes them: Plan.ExecutionOrder,
// or the planner's ordered steps when the plan has none. Every step must appear once, after every
// step it depends on.
func ExecutionOrder(p *plans.Plan) ([]*plans.Step, error) {
	byID := map[string]*plans.Step{}
	for i := range p.Phases {
		for j := range p.Phases[i].Steps {
			s := &p.Phases[i].Steps[j]
			if byID[s.ID] != nil {
				return nil, fmt.Errorf("plan: step %s appears twice (re-create the plan with lz2ct plan)", s.ID)
			}
			byID[s.ID] = s
		}
	}
	var order []*plans.Step
	if len(p.ExecutionOrder) == 0 {
		order = p.OrderedSteps()
	} else {
		for _, id := range p.ExecutionOrder {
			s := byID[id]
			if s == nil {
				return nil, fmt.Errorf("plan: executionOrder names step %s, which no phase holds", id)
			}
			order = append(order, s)
		}
	}
	pos := map[string]int{}
	for i, s := range order {
		if _, dup := pos[s.ID]; dup {
			return nil, fmt.Errorf("plan: executionOrder lists step %s twice", s.ID)
		}
		pos[s.ID] = i
	}
	if len(order) != len(byID) {
		for id := range byID {
			if _, ok := pos[id]; !ok {
				return nil, fmt.Errorf("plan: step %s is missing from executionOrder", id)
			}
		}
	}
	for i, s := range order {
		for _, d := range s.DependsOn {
			j, ok := pos[d]
			if !ok {
				return nil, fmt.Errorf("plan: step %s depends on %s, which is not in the plan", s.ID, d)
			}
			if j >= i {
				return nil, fmt.Errorf("plan: step %s depends on %s, which comes later in the execution order", s.ID, d)
			}
		}
	}
	return order, nil
}

// Confirm records the operator's confirmation of a manual step while the run goes on (the wizard):
// the confirmation is journaled, and the step is observed again.
func (e *Engine) Confirm(stepID, by, note string) error {
	n := e.byID[stepID]
	if n == nil {
		return fmt.Errorf("no step %s in the plan", stepID)
	}
	// A manual step, or a step that handed its work to the operator (logs.copy above its size
	// limit waits for the aws s3 sync it printed).
	if n.st.Kind != plans.KindManual && e.stepState(stepID).Status != journal.Waiting {
		return fmt.Errorf("step %s is a %s step, not a manual one: lz2ct carries it out itself", stepID, n.st.Kind)
	}
	// As lz2ct confirm: a step done records nothing (the wizard's screen may lag the run by a view).
	if e.stepState(stepID).Status == journal.Done {
		return fmt.Errorf("step %s is already done: nothing recorded", stepID)
	}
	if by == "" {
		return errors.New("a confirmation names who confirms")
	}
	if err := e.emit(hooks.Event{Type: hooks.Confirmed, Step: n.st, By: by, Note: note}); err != nil {
		return err
	}
	// The signal carries a working goroutine's count to the run's loop, which takes it over when
	// it receives it: a simulated clock does not move ahead in between.
	e.join()
	select {
	case e.confirmed <- stepID:
	default: // the run re-reads the confirmations of every waiting step on any signal
		e.leave()
	}
	return nil
}

// emit passes an event to the hooks and, once they accepted it, folds it into the run's state.
func (e *Engine) emit(ev hooks.Event) error {
	if ev.Time.IsZero() {
		ev.Time = e.opts.Now().UTC()
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.fatal != nil {
		return e.fatal
	}
	if err := e.opts.Hook.Handle(ev); err != nil {
		e.fatal = fmt.Errorf("recording %s of %s: %w", ev.Type, ev.StepID(), err)
		return e.fatal
	}
	if j, ok := hooks.JournalEvent(ev); ok {
		e.state.Apply(j)
	}
	return nil
}

// log emits a Log event; a hook error here is not worth stopping for (the next journaled event
// will meet it).
func (e *Engine) log(st *plans.Step, format string, args ...any) {
	_ = e.emit(hooks.Event{Type: hooks.Log, Step: st, Message: fmt.Sprintf(format, args...)})
}

// stepState is the journal's view of a step now.
func (e *Engine) stepState(id string) journal.StepState {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.state.Step(id)
}

// output looks up an earlier step's output in the run's state.
func (e *Engine) output(step, name string) (string, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.state.Output(step, name)
}

// Clock is a simulated clock driven by the run's waits (sim.EventClock): time moves ahead to the
// next wake-up as soon as every goroutine working for the run waits, so the simulated durations hold
// AWS's times and lz2ct's own work, not the wall time spent computing them.
type Clock interface {
	Now() time.Time
	// Sleep waits d on the clock unless stop or ctx ends first (false); the caller counts as
	// waiting meanwhile.
	Sleep(stop, ctx context.Context, d time.Duration) bool
	// Join and Leave count the goroutines working for the run.
	Join()
	Leave()
}

// join and leave count a goroutine working for the run on the simulated clock, if any.
func (e *Engine) join() {
	if e.opts.Clock != nil {
		e.opts.Clock.Join()
	}
}

func (e *Engine) leave() {
	if e.opts.Clock != nil {
		e.opts.Clock.Leave()
	}
}

// Hold keeps a simulated clock from moving ahead while the caller works for the run outside the
// engine's goroutines (the rehearsal's operator confirming a step); call the function it returns
// when done. Without a simulated clock it does nothing.
func (e *Engine) Hold() (release func()) {
	e.join()
	return e.leave
}

// sleep waits d (a real-world duration) scaled to the run, on the simulated clock if any; false =
// stopped.
func (e *Engine) sleep(stop, ctx context.Context, d time.Duration) bool {
	if e.opts.Clock != nil {
		return e.opts.Clock.Sleep(stop, ctx, d)
	}
	return sleep(stop, ctx, e.scaled(d))
}

// scaled divides a real-world duration by the time scale, never below a millisecond.
func (e *Engine) scaled(d time.Duration) time.Duration {
	return max(time.Duration(float64(d)/e.opts.TimeScale), time.Millisecond)
}

func (e *Engine) selected(n *node) bool {
	return e.opts.Selected == nil || e.opts.Selected(n.st)
}
