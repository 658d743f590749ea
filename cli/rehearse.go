package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

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

// DefaultRehearseTimeScale is the rehearsal's default time scale (session.DefaultRehearseTimeScale).
const DefaultRehearseTimeScale = session.DefaultRehearseTimeScale

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

// Rehearsal is what lz2ct rehearse reports (--format json): the session's report.
type Rehearsal = session.Rehearsal

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
	snapPath, snap, err := rehearsalSnapshot(opts, p)
	if err != nil {
		return BadInput(err)
	}
	progress := io.Discard
	if !opts.Quiet {
		progress = f.IO.ErrOut
	}
	rep, err := session.Rehearse(f.HardContext(), f.StopContext(), session.RehearseOptions{Plan: p, Snapshot: snap,
		PlanName: opts.PlanFile, SnapshotName: snapPath, State: opts.State, TimeScale: opts.TimeScale, Faults: faults,
		Who: "lz2ct rehearse", Log: progress, Inspect: opts.Inspect})
	if err != nil {
		return runError(err)
	}
	if opts.Format == "json" {
		enc := json.NewEncoder(f.IO.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		printRehearsal(f.IO.Out, rep, opts.State)
	}
	switch {
	case rep.Stopped:
		return &ExitError{Code: ExitStopped, Err: errors.New("rehearsal stopped by the user")}
	case !rep.Finished:
		return &ExitError{Code: ExitFailure, Err: errors.New("the rehearsal did not finish every step (see above)")}
	}
	return nil
}

// rehearsalSnapshot reads the plan's snapshot: --snapshot, or the state folder's next to the plan
// (the session checks that it is the plan's own).
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
	return path, snap, nil
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
			busy, span = tui.SimDuration(secs(ph.SimulatedSeconds)), tui.SimDuration(secs(ph.SpanSeconds))
		}
		fmt.Fprintf(w, "%-34s %5d %5d %6d %11d %6d  %-9s %-9s %s\n", fmt.Sprintf("%d %s", ph.Number, ph.Name), ph.Steps, ph.Done, ph.Failed, ph.NotStarted, ph.Manual,
			busy, span, tui.EstimateRange(secs(ph.EstimateLowerSeconds), secs(ph.EstimateSeconds)))
	}
	fmt.Fprintf(w, "%-34s %38s  %-9s %-9s %s\n", "whole run", "", tui.SimDuration(secs(r.SimulatedSeconds)), "",
		tui.EstimateRange(secs(r.EstimateLowerSeconds), secs(r.EstimateSeconds)))
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
