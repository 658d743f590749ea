package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/lz2ct/lz2ct/engine"
	"github.com/lz2ct/lz2ct/engine/hooks"
	"github.com/lz2ct/lz2ct/iostreams"
	"github.com/lz2ct/lz2ct/plans"
	"github.com/lz2ct/lz2ct/session"
	"github.com/lz2ct/lz2ct/sim"
	"github.com/lz2ct/lz2ct/statefolder"
	"github.com/lz2ct/lz2ct/tui"
)

func init() {
	register("", func(f *Factory) *cobra.Command { return NewCmdRehearse(f, nil) })
}

// DefaultRehearseTimeScale is how fast the simulated clock runs while lz2ct works (its waits pass at
// once, sim.EventClock): high enough that the client's rate limits cost little wall time, low
// enough that the engine's own work between two AWS calls (milliseconds of wall time, so about a
// second of simulated time) stays small beside Control Tower's minutes — a 1,000-account
// rehearsal measured within 1% of its ×1 figures.
const DefaultRehearseTimeScale = 500

// RehearseOptions are the inputs of lz2ct rehearse.
type RehearseOptions struct {
	IO *iostreams.IOStreams

	PlanFile     string
	SnapshotFile string // "" = the snapshot next to the plan in its state folder
	// State is where the rehearsal's own journal and exports go; "" = a temporary folder removed at
	// the end. Never the plan's real state folder: it must be new or empty.
	State     string
	TimeScale float64
	Format    string   // text | json
	Faults    []string // sim.ParseFault syntax: what if AWS refuses this call
	// Quiet leaves out the progress lines (stderr).
	Quiet bool
	// Inspect, when set, is called with the simulator's URL once the run ended, before the
	// simulator stops: the end-to-end tests ask the real AWS CLI what the rehearsed organization
	// looks like. No flag sets it.
	Inspect func(url string) error
}

// NewCmdRehearse builds lz2ct rehearse. runF replaces the run function in tests of flag parsing.
func NewCmdRehearse(f *Factory, runF func(*RehearseOptions) error) *cobra.Command {
	opts := &RehearseOptions{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "rehearse --plan FILE [--snapshot FILE] [--state DIR] [--time-scale N] [--format text|json]",
		Short: "Run the whole plan against a simulator of its own snapshot: what would fail, how long each phase takes",
		Long: `rehearse is a dress rehearsal of the migration on your own organization before anything touches
AWS: it serves the plan's snapshot from the built-in simulator in this process and runs every step
of the plan against it through the same engine and AWS SDK calls as lz2ct apply, at AWS's
published durations on a simulated clock that moves ahead whenever every step waits, and runs
--time-scale times faster than wall time while lz2ct works.

It prints what would fail (the AWS error and what to do) and what would not start and why; for
each phase how long it took in simulated time beside the plan's estimate; and the steps that wait
for you (manual steps), which the rehearsal confirms as done by the operator so the rest goes on —
the organization ID that decommission waits for is typed the same way.

rehearse never touches AWS: it takes no credentials, and its clients reach only the simulator's
address on 127.0.0.1. Its journal and exports go to a temporary folder (removed at the end) or to
--state DIR, which must be new or empty: never the plan's own state folder.

The snapshot is the one next to the plan in its state folder (snapshot.json), or --snapshot; its
hash must be the plan's snapshotHash. --fault makes the simulated AWS refuse a call, to rehearse a
failure (the syntax of lz2ct sim serve --fault).

Exit codes: 0 every step finished, 1 a step would fail or could not start, 2 bad input (no
snapshot, a snapshot that is not the plan's, a --state folder in use), 3 stopped by the user.`,
		Example: `  lz2ct rehearse --plan .lz2ct/o-abcd123456/plan.json
  lz2ct rehearse --plan plan.json --snapshot org.json --format json > rehearsal.json
  lz2ct rehearse --plan plan.json --snapshot org.json \
      --fault 'controltower:EnableBaseline@*ou-ab12-*=fail-async:ValidationException'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return runRehearse(f, opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.PlanFile, "plan", "", "the plan to rehearse (lz2ct plan -o FILE) (required)")
	fl.StringVar(&opts.SnapshotFile, "snapshot", "", "the snapshot the plan was made from (default: snapshot.json next to the plan)")
	fl.StringVar(&opts.State, "state", "", "keep the rehearsal's journal and exports in this new or empty folder (default: a temporary folder, removed)")
	fl.Float64Var(&opts.TimeScale, "time-scale", DefaultRehearseTimeScale, "how much faster than wall time the simulated clock runs while lz2ct works (waits pass at once)")
	fl.StringVar(&opts.Format, "format", "text", "the report: text or json")
	fl.StringArrayVar(&opts.Faults, "fault", nil, "make the simulated AWS refuse a call: SERVICE:OPERATION[@TARGET]=fail:CODE|fail-async:CODE|hang|throttle[,p=P][,times=N] (repeatable)")
	fl.BoolVar(&opts.Quiet, "quiet", false, "no progress lines on stderr, only the report")
	return cmd
}

func (o *RehearseOptions) validate() error {
	if o.PlanFile == "" {
		return errors.New("--plan FILE is required: the plan lz2ct plan -o FILE wrote")
	}
	if o.TimeScale <= 0 {
		return fmt.Errorf("--time-scale %v: want a positive factor", o.TimeScale)
	}
	if o.Format != "text" && o.Format != "json" {
		return fmt.Errorf("--format %q: use text or json", o.Format)
	}
	return nil
}

// Rehearsal is what lz2ct rehearse reports (--format json).
type Rehearsal struct {
	Organization string  `json:"organization"`
	Plan         string  `json:"plan"`
	Snapshot     string  `json:"snapshot"`
	TimeScale    float64 `json:"timeScale"`
	// Finished is true when every step of the plan finished (exit code 0).
	Finished bool `json:"finished"`
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
	Operator []session.Confirmation `json:"operator"`
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

func runRehearse(f *Factory, opts *RehearseOptions) error {
	if err := opts.validate(); err != nil {
		return BadInput(err)
	}
	var faults []sim.Fault
	for _, v := range opts.Faults {
		ft, err := sim.ParseFault(v)
		if err != nil {
			return BadInput(fmt.Errorf("--fault: %w", err))
		}
		faults = append(faults, ft)
	}
	p, err := plans.Load(opts.PlanFile)
	if err != nil {
		return BadInput(err)
	}
	if _, err := engine.ExecutionOrder(p); err != nil {
		return BadInput(err)
	}
	snapPath, snap, err := rehearsalSnapshot(opts, p)
	if err != nil {
		return BadInput(err)
	}
	dir, cleanup, err := rehearsalFolder(opts.State)
	if err != nil {
		return BadInput(err)
	}
	defer cleanup()

	start := time.Now()
	// The simulator's clock moves with the run: AWS's durations pass at once when every step
	// waits, and lz2ct's own work counts at --time-scale (sim.EventClock).
	simStart := snap.Snapshot.CapturedAt
	if simStart.IsZero() {
		simStart = start
	}
	evClock := sim.NewEventClock(simStart.UTC(), opts.TimeScale)
	srv := sim.New(snap.Snapshot, sim.Options{Seed: 1, Clock: evClock, Faults: faults})
	url, err := srv.Start("127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("rehearse: start the simulator: %w", err)
	}
	defer srv.Close()

	stop, hard := f.StopContext(), f.HardContext()
	o := session.DemoOptions(url, opts.TimeScale)
	if r := p.Settings.HomeRegion; r != "" {
		o.Region = r
	}
	conn, err := session.Connect(stop, o)
	if err != nil {
		return fmt.Errorf("rehearse: connect to the simulator: %w", err)
	}
	defer conn.Close()

	run, err := session.OpenRun(session.RunOptions{Dir: dir, Plan: p, Command: "lz2ct rehearse"})
	if err != nil {
		return runError(err)
	}
	defer run.Close()

	progress := io.Discard
	if !opts.Quiet {
		progress = f.IO.ErrOut
	}
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
	moves := session.Moves{W: progress, Who: "the rehearsal", Plan: run.Plan, Dir: dir, AWS: conn.Clients.Management()}
	operator := &session.Operator{W: progress, Who: "lz2ct rehearse", Note: "rehearsed as done by the operator", Organization: p.Organization,
		Before: moves.Before, Ctx: hard,
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
	lines := hooks.Lines(progress)
	simTime := hooks.Func(func(ev hooks.Event) error {
		ev.Time = srv.Now()
		return lines.Handle(ev)
	})
	e, err := run.Engine(hard, session.Exec{Clients: conn.Clients, Hooks: []hooks.Hook{clock, simTime, operator}, Clock: evClock,
		WaitForConfirmation: true})
	if err != nil {
		return runError(err)
	}
	operator.Attach(e)
	sum, err := run.Execute(hard, stopNow, e, "rehearse")
	if err != nil {
		return err
	}
	if opts.Inspect != nil {
		if err := opts.Inspect(url); err != nil {
			return err
		}
	}
	calls, mutating := srv.CallCount()
	rep := Rehearsal{Organization: p.Organization, Plan: opts.PlanFile, Snapshot: snapPath, TimeScale: opts.TimeScale,
		WallSeconds: time.Since(start).Seconds(), Failed: sum.Failed, NotStarted: sum.NotStarted,
		Operator: operator.Confirmed(), OrganizationTyped: operator.TypedOrganization(), Calls: calls, MutatingCalls: mutating}
	stuck.Lock()
	rep.Stuck = stuck.step
	stuck.Unlock()
	rep.Phases, rep.SimulatedSeconds = clock.phases(p, sum, rep.Operator)
	rep.EstimateLowerSeconds, rep.EstimateSeconds = p.Estimate.Total.Lower, p.Estimate.Total.Upper
	rep.Finished = sum.Complete() && rep.Stuck == ""

	if opts.Format == "json" {
		enc := json.NewEncoder(f.IO.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		printRehearsal(f.IO.Out, &rep, opts.State)
	}
	switch {
	case sum.Stopped && rep.Stuck == "":
		return &ExitError{Code: ExitStopped, Err: errors.New("rehearsal stopped by the user")}
	case !rep.Finished:
		return &ExitError{Code: ExitFailure, Err: errors.New("the rehearsal did not finish every step (see above)")}
	}
	return nil
}

// rehearsalSnapshot reads the plan's snapshot (--snapshot, or the state folder's next to the plan)
// and checks that it is the one the plan was made from.
func rehearsalSnapshot(opts *RehearseOptions, p *plans.Plan) (string, *session.Snapshot, error) {
	path := opts.SnapshotFile
	if path == "" {
		path = filepath.Join(filepath.Dir(opts.PlanFile), statefolder.Snapshot)
		if _, err := os.Stat(path); err != nil {
			return "", nil, fmt.Errorf("no snapshot next to the plan (%s): give --snapshot FILE, the snapshot the plan was made from (%s)", path, p.CreatedFrom)
		}
	}
	snap, err := session.ReadSnapshot(path)
	if err != nil {
		return "", nil, err
	}
	if p.SnapshotHash == "" {
		return "", nil, fmt.Errorf("%s records no snapshot hash, so no snapshot can be shown to be its own: make the plan again from a snapshot file (lz2ct plan --snapshot FILE -o plan.json)", opts.PlanFile)
	}
	if h := snap.SnapshotHash(); h != p.SnapshotHash {
		return "", nil, fmt.Errorf("%s is not the snapshot %s was made from (its hash is %s, the plan's snapshotHash %s): give the plan's own snapshot with --snapshot, or make the plan again from this one (lz2ct plan --snapshot %s -o plan.json)",
			path, opts.PlanFile, shortHash(h), shortHash(p.SnapshotHash), path)
	}
	return path, snap, nil
}

// rehearsalFolder is where the rehearsal's journal and exports go: a temporary folder (removed by
// cleanup), or the given one when it is new or empty — never a folder holding a plan or a run.
func rehearsalFolder(given string) (dir string, cleanup func(), err error) {
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
func (c *phaseClock) phases(p *plans.Plan, sum *engine.Summary, manual []session.Confirmation) ([]RehearsedPhase, int64) {
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

// printRehearsal writes the report: the phases' simulated durations beside the estimate, what
// would fail and what would not start, the operator's part.
func printRehearsal(w io.Writer, r *Rehearsal, kept string) {
	secs := func(n int64) time.Duration { return time.Duration(n) * time.Second }
	fmt.Fprintf(w, "\nRehearsal of %s (plan %s, snapshot %s) against the simulator in this process, simulated time ×%g.\n",
		r.Organization, r.Plan, r.Snapshot, r.TimeScale)
	fmt.Fprintf(w, "\n%-34s %5s %5s %6s %11s %6s  %-9s %-9s %s\n", "PHASE", "STEPS", "DONE", "FAILED", "NOT STARTED", "MANUAL", "SIMULATED", "SPAN", "PLAN ESTIMATE")
	for _, ph := range r.Phases {
		busy, span := "—", "—"
		if ph.Done+ph.Failed > 0 {
			busy, span = simDuration(secs(ph.SimulatedSeconds)), simDuration(secs(ph.SpanSeconds))
		}
		fmt.Fprintf(w, "%-34s %5d %5d %6d %11d %6d  %-9s %-9s %s\n", fmt.Sprintf("%d %s", ph.Number, ph.Name), ph.Steps, ph.Done, ph.Failed, ph.NotStarted, ph.Manual,
			busy, span, estimateRange(secs(ph.EstimateLowerSeconds), secs(ph.EstimateSeconds)))
	}
	fmt.Fprintf(w, "%-34s %38s  %-9s %-9s %s\n", "whole run", "", simDuration(secs(r.SimulatedSeconds)), "",
		estimateRange(secs(r.EstimateLowerSeconds), secs(r.EstimateSeconds)))
	fmt.Fprintln(w, "SIMULATED is the time the phase's steps ran on the simulated clock, at AWS's published durations;")
	fmt.Fprintln(w, "SPAN from its first start to its last end (phases 2–4 interleave wave by wave, so spans overlap).")
	fmt.Fprintln(w, "Manual steps took no time here: the estimate allows for the operator's.")

	if len(r.Failed) > 0 {
		fmt.Fprintf(w, "\nWould fail (%d):\n", len(r.Failed))
		for _, o := range r.Failed {
			fmt.Fprintf(w, "  FAILED  %s (phase %d): %s\n          what to do: %s\n", o.Step, o.Phase, o.Error, o.Advice)
		}
	}
	if len(r.NotStarted) > 0 {
		fmt.Fprintf(w, "\nWould not start (%d):\n", len(r.NotStarted))
		for _, g := range byReason(r.NotStarted) {
			fmt.Fprintf(w, "  %s: %s\n", g.reason, describeIDs(g.steps, 3))
		}
	}
	if r.Stuck != "" {
		fmt.Fprintf(w, "\nStopped: %s still waited after the operator confirmed it (its own check did not pass in the simulator).\n", r.Stuck)
	}
	if len(r.Operator) > 0 || r.OrganizationTyped {
		fmt.Fprintf(w, "\nWaiting for you in the real run (rehearsed as done by the operator):\n")
		for _, c := range r.Operator {
			fmt.Fprintf(w, "  MANUAL  %s: %s\n", c.Step, c.Title)
		}
		if r.OrganizationTyped {
			fmt.Fprintf(w, "  TYPE    the organization ID %s before decommission and account closure (--confirm-org %s)\n", r.Organization, r.Organization)
		}
	}
	where := "a temporary folder, removed"
	if kept != "" {
		where = kept
	}
	fmt.Fprintf(w, "\n%s in %s of wall time: %s answered by the simulator (%d mutating), none sent to AWS; journal and exports in %s.\n",
		map[bool]string{true: "Every step finished", false: "The rehearsal did not finish every step"}[r.Finished],
		time.Duration(r.WallSeconds*float64(time.Second)).Round(time.Millisecond), plural(r.Calls, "AWS call"), r.MutatingCalls, where)
}

// estimateRange is an estimate's bounds, one figure when they agree.
func estimateRange(lower, upper time.Duration) string {
	if tui.Duration(lower) == tui.Duration(upper) {
		return tui.Duration(upper)
	}
	return tui.Duration(lower) + " – " + tui.Duration(upper)
}

// simDuration is a simulated span to the minute, or seconds below one.
func simDuration(d time.Duration) string {
	if d < time.Minute {
		return d.Round(time.Second).String()
	}
	return tui.Duration(d)
}
