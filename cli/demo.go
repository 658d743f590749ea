package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/lz2ct/lz2ct/checks"
	"github.com/lz2ct/lz2ct/demodata"
	"github.com/lz2ct/lz2ct/engine"
	"github.com/lz2ct/lz2ct/engine/hooks"
	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/inventory/discover"
	"github.com/lz2ct/lz2ct/iostreams"
	"github.com/lz2ct/lz2ct/plans"
	"github.com/lz2ct/lz2ct/session"
	"github.com/lz2ct/lz2ct/sim"
	"github.com/lz2ct/lz2ct/statefolder"
	"github.com/lz2ct/lz2ct/tui"
)

func init() { register("", newCmdDemo) }

// DefaultDemoTimeScale runs the simulated clock so that the demo organization's whole migration
// (a landing zone, nine OU registrations, an enrollment, decommission: hours at AWS's published
// durations) takes about a minute.
const DefaultDemoTimeScale = 200

// DemoOptions are the inputs of lz2ct demo.
type DemoOptions struct {
	IO *iostreams.IOStreams
	// StateDir is where the session's files go; "" = ./.lz2ct/<organization-id>/.
	StateDir string
	// Plain walks the journey without the wizard even on a terminal.
	Plain bool
	// EndpointURL is a simulator serving the demo organization already (lz2ct sim serve); "" =
	// start one in this process.
	EndpointURL string
	// TimeScale is the simulated clock's speed (the simulator's, and the engine's waits).
	TimeScale float64
}

func newCmdDemo(f *Factory) *cobra.Command { return NewCmdDemo(f, nil) }

// NewCmdDemo builds `lz2ct demo`; runF replaces the run function in tests.
func NewCmdDemo(f *Factory, runF func(*DemoOptions) error) *cobra.Command {
	opts := &DemoOptions{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "demo [--state DIR] [--plain] [--endpoint-url URL --time-scale N]",
		Short: "The whole migration on a built-in simulated ALZ organization (no AWS account needed)",
		Long: `demo starts the built-in simulator in this process, serving ` + demodata.Name + `,
and opens the wizard connected to it: discovery, pre-checks, decisions, the plan, then the
migration itself on the dashboard, time-scaled so that it takes about a minute. Without a terminal
(a pipe, CI) it walks the same journey without asking — default decisions, the plan, the runbooks,
then the run, confirming the manual steps and typing the organization ID itself, as its own
operator — with plain progress lines, and ends with lz2ct status's summary. Nothing leaves this
machine.

The simulator lives in this process, so a run of the demo can be paused and resumed in the wizard
but ends with the process; a new demo starts afresh (in <folder>-2, … when the default folder holds
an earlier demo's run). To see a run continue after its process ended — killed, as it would against
AWS — serve the demo organization separately and point the demo at it:

  lz2ct sim serve --snapshot testdata/orgs/alz2-typical.json --time-scale 200 --addr 127.0.0.1:4566 &
  lz2ct demo --endpoint-url http://127.0.0.1:4566 --time-scale 200`,
		Example: `  lz2ct demo
  lz2ct demo --state /tmp/lz2ct-demo
  lz2ct demo --plain | less
  lz2ct demo --time-scale 1000 --plain`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.TimeScale <= 0 {
				return BadInput(fmt.Errorf("--time-scale %v: want a positive factor", opts.TimeScale))
			}
			if opts.EndpointURL != "" && !strings.HasPrefix(opts.EndpointURL, "http://") && !strings.HasPrefix(opts.EndpointURL, "https://") {
				return BadInput(fmt.Errorf("--endpoint-url %q: want a URL such as http://127.0.0.1:4566", opts.EndpointURL))
			}
			if runF != nil {
				return runF(opts)
			}
			return demoRun(f, opts)
		},
	}
	cmd.Flags().StringVar(&opts.StateDir, "state", "", "folder for the snapshot, settings, plan, runbooks and the run's journal (default ./.lz2ct/<organization-id>)")
	cmd.Flags().BoolVar(&opts.Plain, "plain", false, "walk the journey with plain output even on a terminal")
	cmd.Flags().StringVar(&opts.EndpointURL, "endpoint-url", "", "use this simulator of the demo organization (lz2ct sim serve) instead of one in this process")
	cmd.Flags().Float64Var(&opts.TimeScale, "time-scale", DefaultDemoTimeScale, "how much faster than AWS's durations simulated time runs (the same as the simulator's with --endpoint-url)")
	return cmd
}

// demoSim is the demo's simulator: in this process, or at an endpoint the user gave.
type demoSim struct {
	url string
	srv *sim.Server // nil with --endpoint-url
}

// startDemoSim starts the in-process simulator of the demo organization (or uses the one given).
func startDemoSim(opts *DemoOptions, snap *inventory.Snapshot) (*demoSim, error) {
	d := &demoSim{url: opts.EndpointURL}
	if opts.EndpointURL != "" {
		return d, nil
	}
	d.srv = sim.New(snap, sim.Options{Seed: 1, TimeScale: opts.TimeScale})
	var err error
	if d.url, err = d.srv.Start("127.0.0.1:0"); err != nil {
		return nil, fmt.Errorf("demo: start the simulator: %w", err)
	}
	return d, nil
}

func (d *demoSim) close() {
	if d.srv != nil {
		d.srv.Close()
	}
}

// demoStateDir is the state folder the demo uses. The in-process simulator starts from the
// built-in organization every time, so it cannot continue a run an earlier demo recorded (that run
// changed a simulated organization that ended with its process): without --state the demo takes
// the next free folder (<default>-2, -3, …) and says so; a --state folder holding such a run is
// refused with what to do. A simulator served separately (--endpoint-url) outlives the demo, like
// AWS: its runs are resumed.
func demoStateDir(opts *DemoOptions, org string, w io.Writer) (string, error) {
	dir := opts.StateDir
	if dir == "" {
		dir = statefolder.Default(org)
	}
	if opts.EndpointURL != "" {
		return dir, nil
	}
	started := func(d string) bool {
		ok, _ := session.Open(d, "").RunStarted()
		return ok
	}
	if !started(dir) {
		return dir, nil
	}
	if opts.StateDir != "" {
		return "", fmt.Errorf("%s holds the run of an earlier demo, whose simulated organization ended with that demo's process (the demo's simulator lives in memory), so this demo cannot continue it: give another --state folder (or remove %s); to see a run continue after its process ended, serve the organization with lz2ct sim serve and give the demo --endpoint-url", dir, dir)
	}
	for n := 2; ; n++ {
		next := fmt.Sprintf("%s-%d", dir, n)
		if !started(next) {
			fmt.Fprintf(w, "lz2ct demo: %s holds the run of an earlier demo, whose simulated organization ended with it; this demo starts afresh in %s\n", dir, next)
			return next, nil
		}
	}
}

func demoRun(f *Factory, opts *DemoOptions) error {
	ctx := f.StopContext()
	snap, err := demodata.Snapshot()
	if err != nil {
		return err
	}
	dir, err := demoStateDir(opts, snap.Organization.ID, f.IO.ErrOut)
	if err != nil {
		return BadInput(err)
	}
	ds, err := startDemoSim(opts, snap)
	if err != nil {
		return err
	}
	defer ds.close()
	// The demo organization holds data in its snapshot's regions only: reading every enabled region
	// would add empty ones.
	regions := discover.Options{Regions: snap.Regions}
	if f.IO.Interactive() && !opts.Plain {
		b := &wizardBackend{demoURL: ds.url, discover: regions, hard: f.HardContext(), timeScale: opts.TimeScale}
		defer b.close()
		resume := func(dir string) string {
			if ds.srv != nil {
				return "" // the simulated organization ends with this process (demoStateDir refuses to continue it)
			}
			c := demoResumeCommand(f.command(), dir, ds)
			if opts.TimeScale != DefaultDemoTimeScale {
				c += fmt.Sprintf(" --time-scale %g", opts.TimeScale)
			}
			return c
		}
		return RunWizard(ctx, f, tui.Options{Backend: b, StateDir: dir, ResumeCommand: resume})
	}
	return walkDemo(ctx, f.HardContext(), opts.IO.Out, f.command(), ds, regions.Regions, dir, opts.TimeScale)
}

// walkDemo is the wizard's journey without the wizard, through the same session layer: what CI
// and `make demo` without a terminal run. The demo is its own operator: it takes the default
// decisions, confirms the manual steps and types the organization ID, and says so.
func walkDemo(stop, hard context.Context, w io.Writer, command string, ds *demoSim, regions []string, stateDir string, scale float64) error {
	step := func(format string, a ...any) { fmt.Fprintf(w, "==> "+format+"\n", a...) }
	start := time.Now()
	url := ds.url

	step("Connecting to the simulated organization (%s)", url)
	conn, err := session.Connect(stop, session.DemoOptions(url, scale))
	if err != nil {
		return fmt.Errorf("demo: connect: %w", err)
	}
	defer conn.Close()
	id := conn.Identity
	fmt.Fprintf(w, "    caller %s, management account of %s\n", id.Arn, id.OrganizationID)
	folder := session.Open(stateDir, id.OrganizationID)

	if started, err := folder.RunStarted(); err != nil {
		return err
	} else if started {
		// A run against this simulator (served separately, it outlives the demos): resume it.
		step("Resuming the run recorded in %s", folder.Dir)
		p, err := folder.Plan()
		if err != nil {
			return err
		}
		return demoApply(stop, hard, w, command, conn, folder, p, nil, scale, start, ds)
	}

	step("Discovering the organization (read-only)")
	lastStage := ""
	snap, err := session.Discover(stop, conn.Clients, discover.Options{Regions: regions, Progress: func(p discover.Progress) {
		if p.Stage != lastStage {
			lastStage = p.Stage
			fmt.Fprintf(w, "    %s\n", progressLine(p))
		}
	}})
	if err != nil {
		return fmt.Errorf("demo: discovery: %w", err)
	}
	fmt.Fprintf(w, "    %s: %s, %s, %s, regions %s\n", snap.Organization.ID, plural(len(snap.Accounts), "account"),
		plural(len(snap.OUs), "OU"), plural(len(snap.Policies), "SCP"), strings.Join(snap.Regions, ", "))
	if err := folder.SaveSnapshot(snap.Data); err != nil {
		return err
	}

	set := demodata.Settings(snap.Snapshot)
	step("Pre-checks (default decisions for the demo organization)")
	report := session.Check(snap.Snapshot, set)
	fmt.Fprintf(w, "    %s (%d the plan cannot fix), %s, %d for information\n", plural(report.Blockers, "blocker"),
		len(report.Unfixed()), plural(report.Warnings, "warning"), report.Infos)
	for _, f := range report.Findings {
		if f.Severity == checks.Blocker {
			fixed := "you resolve it"
			if f.FixedByPlan {
				fixed = "fixed by the plan"
			}
			fmt.Fprintf(w, "    BLOCKER  [%s] %s (%s)\n", f.Phase, f.Title, fixed)
		}
	}

	step("Decisions")
	fmt.Fprintf(w, "    home region %s, governed %s, Log Archive %s, Audit %s\n", set.HomeRegion,
		strings.Join(set.GovernedRegions, ", "), set.LogArchiveEmail, set.AuditEmail)
	if err := folder.SaveSettings(set); err != nil {
		return err
	}

	step("Plan")
	p, err := session.Plan(snap, set, report)
	if err != nil {
		return fmt.Errorf("demo: plan: %w", err)
	}
	for _, ph := range p.Phases {
		fmt.Fprintf(w, "    %d %-32s %10s  ~%s\n", ph.Number, ph.Name, plural(len(ph.Steps), "step"), tui.Duration(ph.Estimate()))
	}
	fmt.Fprintf(w, "    %s, estimate %s\n", plural(p.StepCount(), "step"), tui.Duration(p.Estimate.Total.UpperDuration()))
	if err := folder.SavePlan(p); err != nil {
		return err
	}

	step("Runbook")
	runbooks, err := folder.WriteRunbooks(p)
	if err != nil {
		return fmt.Errorf("demo: runbook: %w", err)
	}
	for _, path := range runbooks {
		fmt.Fprintf(w, "    wrote %s\n", path)
	}
	if ds.srv != nil {
		calls, mutating := ds.srv.CallCount()
		fmt.Fprintf(w, "    read-only so far: %s to the simulator, %d of them mutating\n", plural(calls, "AWS call"), mutating)
	}
	return demoApply(stop, hard, w, command, conn, folder, p, p, scale, start, ds)
}

// demoApply runs the plan (given: a new run; nil: resume the folder's) through the session layer
// with the CLI's progress lines, as its own operator, then prints lz2ct status's summary.
func demoApply(stop, hard context.Context, w io.Writer, command string, conn *session.Connection, folder session.Folder,
	p, given *plans.Plan, scale float64, start time.Time, ds *demoSim) error {
	fmt.Fprintf(w, "==> Apply: the migration, against the simulator (simulated time runs ×%.0f)\n", scale)
	run, err := session.OpenRun(session.RunOptions{Dir: folder.Dir, Plan: given, Command: "lz2ct demo"})
	if err != nil {
		return runError(err)
	}
	closeRun := sync.OnceValue(run.Close)
	defer closeRun()
	for _, m := range run.Messages {
		fmt.Fprintln(w, "    "+m)
	}
	// The demo is its own operator: it does what a manual step asks where the steps after it check
	// by API (session.Moves), confirms manual steps and types the organization ID when they come up.
	moves := session.Moves{W: w, Who: "the demo", Plan: run.Plan, Dir: folder.Dir, AWS: conn.Clients.Management()}
	operator := &session.Operator{W: w, Who: "lz2ct demo", Note: "confirmed by the demo, its own operator", Organization: p.Organization,
		Before: moves.Before, Ctx: hard,
		Confirming: func(s *plans.Step) string {
			return fmt.Sprintf("         the demo is its own operator: it confirms %s as done (lz2ct confirm %s)", s.ID, s.ID)
		},
		Typing: func(org string) string {
			return fmt.Sprintf("         the demo types the organization ID %s to let them start (--confirm-org)", org)
		}}
	e, err := run.Engine(hard, session.Exec{Clients: conn.Clients, Hooks: []hooks.Hook{hooks.Lines(w), operator}, TimeScale: scale,
		WaitForConfirmation: true})
	if err != nil {
		return runError(err)
	}
	operator.Attach(e)
	sum, err := run.Execute(hard, stop, e, "demo")
	if sum != nil {
		printSummary(w, sum, command, folder.Dir)
	}
	if err != nil {
		return err
	}
	if _, err := folder.WriteRunbooks(run.Plan); err != nil {
		return fmt.Errorf("demo: runbook with the final state: %w", err)
	}
	if err := closeRun(); err != nil { // the status below is of a run that is over
		return err
	}

	fmt.Fprintln(w, "==> Status (lz2ct status)")
	rep, err := session.Status(folder.Dir, time.Now())
	if err != nil {
		return err
	}
	printStatus(w, rep, command)
	unsupported := map[string]int{}
	for _, o := range sum.NotStarted {
		if o.Cause == engine.CauseUnsupported {
			unsupported[o.Kind]++
		}
	}
	if len(unsupported) > 0 {
		var kinds []string
		for _, k := range slices.Sorted(maps.Keys(unsupported)) {
			kinds = append(kinds, fmt.Sprintf("%s (%d)", k, unsupported[k]))
		}
		fmt.Fprintf(w, "\nThis lz2ct cannot carry out every step of the plan yet: %s have no implementation, so they and what depends on them were not run. The demo ran what it can; nothing was pretended.\n",
			strings.Join(kinds, ", "))
	}
	if ds.srv != nil {
		calls, mutating := ds.srv.CallCount()
		fmt.Fprintf(w, "\nDemo finished in %s: %s to the simulator, %d of them mutating (made by the run).\n", time.Since(start).Round(time.Millisecond),
			plural(calls, "AWS call"), mutating)
	}
	fmt.Fprintf(w, "Files: %s (snapshot, settings, plan, journal, runbooks with the final state)\n", folder.Dir)
	fmt.Fprintln(w, "Continue from the command line:")
	snapshot := folder.Path(statefolder.Snapshot)
	if _, err := os.Stat(snapshot); err != nil {
		snapshot = ""
	}
	for _, c := range tui.RunCommands(command, "", folder.Folder, snapshot, false) {
		fmt.Fprintf(w, "  %s\n", c)
	}
	if ds.srv == nil {
		fmt.Fprintf(w, "Or open the wizard on it: %s\n", demoResumeCommand(command, folder.Dir, ds))
	} else {
		fmt.Fprintf(w, "The simulated organization ended with this demo: a new demo starts afresh (%s demo).\n", command)
	}
	if sum.Stopped {
		return &ExitError{Code: ExitStopped, Err: errors.New("stopped")}
	}
	if len(sum.Failed) > 0 {
		return &ExitError{Code: ExitFailure, Err: fmt.Errorf("%d step(s) of the demo failed (see above)", len(sum.Failed))}
	}
	return nil
}

// demoResumeCommand is the command that goes on with a demo's run: the demo itself, on the same
// folder (and the same simulator, when it was given).
func demoResumeCommand(command, dir string, ds *demoSim) string {
	c := command + " demo --state " + tui.ShellQuote(dir)
	if ds.srv == nil {
		c += " --endpoint-url " + tui.ShellQuote(ds.url)
	}
	return c
}
