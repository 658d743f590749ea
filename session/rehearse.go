package session

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/lz2ct/lz2ct/engine"
	"github.com/lz2ct/lz2ct/engine/hooks"
	"github.com/lz2ct/lz2ct/plans"
	"github.com/lz2ct/lz2ct/sim"
)

// The rehearsal runs a whole plan against the built-in simulator of the plan's own snapshot, in
// this process: lz2ct rehearse and the wizard's rehearsal (r on the plan screen) both go through
// Rehearse, so that they rehearse the same way and report the same figures.

// DefaultRehearseTimeScale is how fast the simulated clock runs while lz2ct works (its waits pass at
// once, sim.EventClock): a call to the in-process simulator costs a few milliseconds of wall time,
// so about a tenth of a second of simulated time, near AWS's own round trip. ×500 counted the same
// call at a second or more, which on a loaded machine put call-heavy phases over the plan's upper
// bound (a 5,000-account plan's safeguard exports: 1,126 s at ×500, 114 s at ×50, in 60 s of wall
// time either way); the waits, not the scale, make a rehearsal fast.
const DefaultRehearseTimeScale = 50

// RehearseOptions are the inputs of a rehearsal.
type RehearseOptions struct {
	// Plan is the plan to rehearse; Snapshot the snapshot it was made from (its hash must be the
	// plan's snapshotHash).
	Plan     *plans.Plan
	Snapshot *Snapshot
	// PlanName and SnapshotName are how the report and the errors name them (file paths).
	PlanName, SnapshotName string
	// State is where the rehearsal's own journal and exports go; "" = a temporary folder removed at
	// the end. Never the plan's real state folder: it must be new or empty.
	State string
	// TimeScale is how much faster than wall time the simulated clock runs while lz2ct works
	// (0 = DefaultRehearseTimeScale).
	TimeScale float64
	// Faults make the simulated AWS refuse calls (sim.ParseFault).
	Faults []sim.Fault
	// Who names the rehearsal in the journal and the operator's lines ("lz2ct rehearse").
	Who string
	// Log receives the progress lines (nil = none).
	Log io.Writer
	// Progress, when set, is called as steps start and end (from the engine's goroutines: keep it
	// short).
	Progress func(RehearsalProgress)
	// Inspect, when set, is called with the simulator's URL once the run ended, before the
	// simulator stops: the end-to-end tests ask the real AWS CLI what the rehearsed organization
	// looks like.
	Inspect func(url string) error
}

// RehearsalProgress is where a rehearsal stands.
type RehearsalProgress struct {
	// Done, Failed and Total count the plan's steps.
	Done, Failed, Total int
	// Simulated is the time since the rehearsal started, on the simulated clock.
	Simulated time.Duration
	// Step is the step that last started or ended.
	Step string
}

// Rehearsal is a rehearsal's report (lz2ct rehearse --format json).
type Rehearsal struct {
	Organization string  `json:"organization"`
	Plan         string  `json:"plan"`
	Snapshot     string  `json:"snapshot"`
	TimeScale    float64 `json:"timeScale"`
	// Finished is true when every step of the plan finished (exit code 0).
	Finished bool `json:"finished"`
	// Stopped is true when the user stopped the rehearsal before it ended.
	Stopped bool `json:"-"`
	// Stuck names a step that still waited after the operator confirmed it (the rehearsal stopped).
	Stuck string `json:"stuck,omitempty"`
	// WallSeconds is how long the rehearsal took; SimulatedSeconds the whole run on the simulated
	// clock, from the first step's start to the last step's end.
	WallSeconds      float64 `json:"wallSeconds"`
	SimulatedSeconds int64   `json:"simulatedSeconds"`
	// EstimateLowerSeconds and EstimateSeconds are the plan's estimate of the whole run.
	EstimateLowerSeconds int64            `json:"estimateLowerSeconds"`
	EstimateSeconds      int64            `json:"estimateSeconds"`
	Phases               []RehearsedPhase `json:"phases"`
	Failed               []engine.Outcome `json:"failed"`
	NotStarted           []engine.Outcome `json:"notStarted"`
	// Operator are the steps that wait for a person, rehearsed as done by the operator.
	Operator []Confirmation `json:"operator"`
	// OrganizationTyped: the organization ID gate was passed by the rehearsal's operator.
	OrganizationTyped bool `json:"organizationTyped"`
	// Calls and MutatingCalls were answered by the in-process simulator (every call the run made).
	Calls         int `json:"calls"`
	MutatingCalls int `json:"mutatingCalls"`
}

// RehearsedPhase is one phase of a rehearsal: its steps' outcomes and its span on the simulated
// clock, beside the plan's estimate.
type RehearsedPhase struct {
	Number int    `json:"number"`
	ID     string `json:"id"`
	Name   string `json:"name"`
	Steps  int    `json:"steps"`
	Done   int    `json:"done"`
	Failed int    `json:"failed"`
	// NotStarted counts the steps that did not start (blocked, not supported, stopped).
	NotStarted int `json:"notStarted"`
	// Manual counts the steps the operator confirmed: their time is the operator's, not in
	// SimulatedSeconds.
	Manual int `json:"manual"`
	// SimulatedSeconds is the time at least one of the phase's steps was running, on the simulated
	// clock; SpanSeconds from its first step's start to its last step's end (phases 2 to 4
	// interleave wave by wave, so their spans overlap and hold time spent on the others).
	SimulatedSeconds int64 `json:"simulatedSeconds"`
	SpanSeconds      int64 `json:"spanSeconds"`
	// EstimateLowerSeconds and EstimateSeconds are the plan's estimate of the phase.
	EstimateLowerSeconds int64 `json:"estimateLowerSeconds"`
	EstimateSeconds      int64 `json:"estimateSeconds"`
}

// Rehearse runs the whole plan against a simulator of its own snapshot started in this process,
// through the same engine and SDK clients as apply, with the unattended Operator standing in for
// the person; its journal goes to its own folder. stop ends it at the next safe point (the report
// then says Stopped), ctx at once. Input errors (another snapshot, a --state folder in use) are
// ErrBadInput.
func Rehearse(ctx, stop context.Context, o RehearseOptions) (*Rehearsal, error) {
	p := o.Plan
	if p == nil || o.Snapshot == nil {
		return nil, errors.New("rehearse: no plan or no snapshot")
	}
	if _, err := engine.ExecutionOrder(p); err != nil {
		return nil, badInput(err)
	}
	if err := OwnSnapshot(p, o.PlanName, o.Snapshot, o.SnapshotName); err != nil {
		return nil, badInput(err)
	}
	scale := o.TimeScale
	if scale <= 0 {
		scale = DefaultRehearseTimeScale
	}
	who := o.Who
	if who == "" {
		who = "lz2ct rehearse"
	}
	log := o.Log
	if log == nil {
		log = io.Discard
	}
	dir, cleanup, err := RehearsalFolder(o.State)
	if err != nil {
		return nil, badInput(err)
	}
	defer cleanup()

	start := time.Now()
	// The simulator's clock moves with the run: AWS's durations pass at once when every step
	// waits, and lz2ct's own work counts at the time scale (sim.EventClock).
	simStart := o.Snapshot.Snapshot.CapturedAt
	if simStart.IsZero() {
		simStart = start
	}
	evClock := sim.NewEventClock(simStart.UTC(), scale)
	srv := sim.New(o.Snapshot.Snapshot, sim.Options{Seed: 1, Clock: evClock, Faults: o.Faults})
	url, err := srv.Start("127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("rehearse: start the simulator: %w", err)
	}
	defer srv.Close()
	began := srv.Now()

	co := DemoOptions(url, scale)
	if r := p.Settings.HomeRegion; r != "" {
		co.Region = r
	}
	conn, err := Connect(stop, co)
	if err != nil {
		if stop.Err() != nil {
			return &Rehearsal{Organization: p.Organization, Plan: o.PlanName, Snapshot: o.SnapshotName, TimeScale: scale, Stopped: true}, nil
		}
		return nil, fmt.Errorf("rehearse: connect to the simulator: %w", err)
	}
	defer conn.Close()

	run, err := OpenRun(RunOptions{Dir: dir, Plan: p, Command: who})
	if err != nil {
		return nil, err
	}
	defer run.Close()

	clock := &phaseClock{now: srv.Now, steps: map[string]*span{}}
	// A step that still waits after the operator's confirmation would wait for ever: the
	// rehearsal stops there and says which.
	stopNow, cancel := context.WithCancel(stop)
	defer cancel()
	var stuck struct {
		sync.Mutex
		step string
	}
	// The delegated-administrator moves a later step checks by API are done as the operator would.
	moves := Moves{W: log, Who: "the rehearsal", Plan: run.Plan, Dir: dir, AWS: conn.Clients.Management()}
	operator := &Operator{W: log, Who: who, Note: "rehearsed as done by the operator", Organization: p.Organization,
		Before: moves.Before, Ctx: ctx,
		Confirming: func(s *plans.Step) string {
			return fmt.Sprintf("%s operator  %s: rehearsed as done by the operator", srv.Now().UTC().Format("15:04:05"), s.ID)
		},
		Typing: func(org string) string {
			return fmt.Sprintf("%s operator  organization ID %s typed: decommission and account closure may start", srv.Now().UTC().Format("15:04:05"), org)
		},
		Stuck: func(s *plans.Step, _ string) {
			stuck.Lock()
			if stuck.step == "" {
				stuck.step = s.ID
			}
			stuck.Unlock()
			cancel()
		}}
	// Progress lines carry the simulated clock's time, the one the report measures.
	lines := hooks.Lines(log)
	simTime := hooks.Func(func(ev hooks.Event) error {
		ev.Time = srv.Now()
		return lines.Handle(ev)
	})
	hs := []hooks.Hook{clock, simTime, operator}
	if o.Progress != nil {
		hs = append(hs, &progressHook{report: o.Progress, total: p.StepCount(), now: srv.Now, began: began,
			done: map[string]bool{}, failed: map[string]bool{}})
	}
	e, err := run.Engine(ctx, Exec{Clients: conn.Clients, Hooks: hs, Clock: evClock, WaitForConfirmation: true})
	if err != nil {
		return nil, err
	}
	operator.Attach(e)
	sum, err := run.Execute(ctx, stopNow, e, "rehearse")
	if err != nil {
		return nil, err
	}
	if o.Inspect != nil {
		if err := o.Inspect(url); err != nil {
			return nil, err
		}
	}
	calls, mutating := srv.CallCount()
	rep := &Rehearsal{Organization: p.Organization, Plan: o.PlanName, Snapshot: o.SnapshotName, TimeScale: scale,
		WallSeconds: time.Since(start).Seconds(), Failed: sum.Failed, NotStarted: sum.NotStarted,
		Operator: operator.Confirmed(), OrganizationTyped: operator.TypedOrganization(), Calls: calls, MutatingCalls: mutating}
	stuck.Lock()
	rep.Stuck = stuck.step
	stuck.Unlock()
	rep.Stopped = sum.Stopped && rep.Stuck == ""
	rep.Phases, rep.SimulatedSeconds = clock.phases(p, sum, rep.Operator)
	rep.EstimateLowerSeconds, rep.EstimateSeconds = p.Estimate.Total.Lower, p.Estimate.Total.Upper
	rep.Finished = sum.Complete() && rep.Stuck == ""
	return rep, nil
}

// OwnSnapshot checks that snap is the snapshot p was made from: a rehearsal serves the plan's own
// organization, and the plan's snapshotHash is how that is known. planName and snapName name them
// in the error.
func OwnSnapshot(p *plans.Plan, planName string, snap *Snapshot, snapName string) error {
	if p.SnapshotHash == "" {
		return fmt.Errorf("%s records no snapshot hash, so no snapshot can be shown to be its own: make the plan again from a snapshot file (lz2ct plan --snapshot FILE -o plan.json)", planName)
	}
	if h := snap.SnapshotHash(); h != p.SnapshotHash {
		return fmt.Errorf("%s is not the snapshot %s was made from (its hash is %s, the plan's snapshotHash %s): give the plan's own snapshot with --snapshot, or make the plan again from this one (lz2ct plan --snapshot %s -o plan.json)",
			snapName, planName, ShortHash(h), ShortHash(p.SnapshotHash), snapName)
	}
	return nil
}

// ShortHash is a snapshot hash cut for people: the algorithm and 12 hex digits.
func ShortHash(h string) string {
	if i := strings.IndexByte(h, ':'); i >= 0 && len(h) > i+13 {
		return h[:i+13]
	}
	return h
}

// RehearsalFolder is where a rehearsal's journal and exports go: a temporary folder (removed by
// cleanup), or the given one when it is new or empty — never a folder holding a plan or a run.
func RehearsalFolder(given string) (dir string, cleanup func(), err error) {
	if given == "" {
		dir, err := os.MkdirTemp("", "lz2ct-rehearse-")
		if err != nil {
			return "", nil, fmt.Errorf("rehearse: a temporary folder: %w (set TMPDIR, or give --state DIR)", err)
		}
		return dir, func() { _ = os.RemoveAll(dir) }, nil
	}
	entries, err := os.ReadDir(given)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return given, func() {}, nil
	case err != nil:
		return "", nil, fmt.Errorf("--state %s: %w", given, err)
	case len(entries) > 0:
		return "", nil, fmt.Errorf("--state %s is not empty: a rehearsal keeps its journal apart from any real run's state folder; give a new or empty folder, or leave out --state for a temporary one", given)
	}
	return given, func() {}, nil
}

// progressHook counts the steps done and failed as the run goes, for RehearseOptions.Progress.
type progressHook struct {
	report       func(RehearsalProgress)
	total        int
	now          func() time.Time
	began        time.Time
	mu           sync.Mutex
	done, failed map[string]bool
}

func (h *progressHook) Handle(ev hooks.Event) error {
	id := ev.StepID()
	if id == "" {
		return nil
	}
	h.mu.Lock()
	switch ev.Type {
	case hooks.Started:
	case hooks.Succeeded:
		h.done[id] = true
		delete(h.failed, id)
	case hooks.Failed:
		h.failed[id] = true
	default:
		h.mu.Unlock()
		return nil
	}
	p := RehearsalProgress{Done: len(h.done), Failed: len(h.failed), Total: h.total, Simulated: h.now().Sub(h.began), Step: id}
	h.mu.Unlock()
	h.report(p)
	return nil
}

// span is one step's time on the simulated clock: its first start, its last end.
type span struct{ start, end time.Time }

// phaseClock is a hook that notes when each step starts and ends on the simulator's clock.
type phaseClock struct {
	now   func() time.Time
	mu    sync.Mutex
	steps map[string]*span
}

func (c *phaseClock) Handle(ev hooks.Event) error {
	id := ev.StepID()
	if id == "" {
		return nil
	}
	switch ev.Type {
	case hooks.Started, hooks.Succeeded, hooks.Failed, hooks.Waiting:
	default:
		return nil
	}
	t := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.steps[id]
	if s == nil {
		s = &span{start: t}
		c.steps[id] = s
	}
	if ev.Type != hooks.Started {
		s.end = t
	}
	return nil
}

// phases folds the step spans and the run's outcomes into the report's phases, and the whole run's
// simulated span.
func (c *phaseClock) phases(p *plans.Plan, sum *engine.Summary, manual []Confirmation) ([]RehearsedPhase, int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	count := func(os []engine.Outcome) map[string]bool {
		m := map[string]bool{}
		for _, o := range os {
			m[o.Step] = true
		}
		return m
	}
	done, failed, notStarted := count(sum.Done), count(sum.Failed), count(sum.NotStarted)
	confirmed := map[string]bool{}
	for _, m := range manual {
		confirmed[m.Step] = true
	}
	var out []RehearsedPhase
	var first, last time.Time
	for _, ph := range p.Phases {
		rp := RehearsedPhase{Number: ph.Number, ID: ph.ID, Name: ph.Name, Steps: len(ph.Steps),
			EstimateLowerSeconds: ph.EstimateLowerSeconds, EstimateSeconds: ph.EstimateSeconds}
		var spans []span
		for _, s := range ph.Steps {
			switch {
			case done[s.ID]:
				rp.Done++
			case failed[s.ID]:
				rp.Failed++
			case notStarted[s.ID]:
				rp.NotStarted++
			}
			if confirmed[s.ID] {
				rp.Manual++
			}
			if sp := c.steps[s.ID]; sp != nil && !sp.end.IsZero() {
				spans = append(spans, *sp)
			}
		}
		if len(spans) > 0 {
			busy, from, to := union(spans)
			rp.SimulatedSeconds, rp.SpanSeconds = seconds(busy), seconds(to.Sub(from))
			if first.IsZero() || from.Before(first) {
				first = from
			}
			if to.After(last) {
				last = to
			}
		}
		out = append(out, rp)
	}
	return out, seconds(last.Sub(first))
}

func seconds(d time.Duration) int64 { return int64(d.Round(time.Second) / time.Second) }

// union is the time covered by at least one of spans, and their first start and last end.
func union(spans []span) (busy time.Duration, from, to time.Time) {
	sort.Slice(spans, func(i, j int) bool { return spans[i].start.Before(spans[j].start) })
	from = spans[0].start
	curStart, curEnd := spans[0].start, spans[0].end
	for _, sp := range spans[1:] {
		if sp.start.After(curEnd) {
			busy += curEnd.Sub(curStart)
			curStart, curEnd = sp.start, sp.end
			continue
		}
		if sp.end.After(curEnd) {
			curEnd = sp.end
		}
	}
	busy += curEnd.Sub(curStart)
	for _, sp := range spans {
		if sp.end.After(to) {
			to = sp.end
		}
	}
	return busy, from, to
}
