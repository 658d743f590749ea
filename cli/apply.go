package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/lz2ct/lz2ct/awsapi"
	"github.com/lz2ct/lz2ct/engine"
	"github.com/lz2ct/lz2ct/engine/hooks"
	"github.com/lz2ct/lz2ct/iostreams"
	"github.com/lz2ct/lz2ct/plans"
	"github.com/lz2ct/lz2ct/session"
	"github.com/lz2ct/lz2ct/statefolder"
	"github.com/lz2ct/lz2ct/tui"
)

func init() { register("", func(f *Factory) *cobra.Command { return NewCmdApply(f, nil) }) }

// RunFlags are the flags apply and resume share: how to reach AWS, the state folder and its lock.
type RunFlags struct {
	AWSFlags
	State       string
	ForceUnlock bool
	// ConfirmOrg is the organization ID typed for scripts: it lets decommission and account
	// closure start in this run (engine.NeedsOrganizationTyped).
	ConfirmOrg string
	// TimeScale speeds up the engine's waits for a simulated run whose operations take scaled
	// time (lz2ct sim serve --time-scale); hidden, 1 = real time.
	TimeScale float64

	// Stop ends the run at a safe point (the first signal), Context at once (the second): from
	// the Factory, or the tests.
	Context, Stop context.Context
	// Command is how the user runs lz2ct, for the commands printed to run next.
	Command string
}

// contexts fills in the run's contexts and command name from the Factory.
func (rf *RunFlags) contexts(f *Factory) {
	if rf.Stop == nil {
		rf.Stop = f.StopContext()
	}
	if rf.Context == nil {
		rf.Context = f.HardContext()
	}
	rf.Command = f.command()
}

func (rf *RunFlags) register(fl *pflag.FlagSet) {
	rf.AWSFlags.register(fl, "")
	_ = fl.MarkHidden("regions") // the plan names the regions
	// A run's concurrency is the steps it carries out at once besides Control Tower's and the
	// StackSets' operations, each a few calls: the number the plan's estimate counts with, the
	// wizard's, the demo's and a rehearsal's.
	rf.Concurrency = engine.DefaultWorkers
	c := fl.Lookup("concurrency")
	c.DefValue, c.Usage = strconv.Itoa(engine.DefaultWorkers), "steps carried out at once besides Control Tower's and StackSets' operations (the plan's estimate assumes the default)"
	fl.StringVar(&rf.State, "state", "", "state folder of the run (default .lz2ct/<organization-id>)")
	fl.StringVar(&rf.ConfirmOrg, "confirm-org", "", "the organization ID, typed: lets decommission and account closure start in this run (without it they wait)")
	fl.BoolVar(&rf.ForceUnlock, "force-unlock", false, "take over the state folder's lock from a run on another machine (only when that run is over)")
	fl.Float64Var(&rf.TimeScale, "time-scale", 1, "divide every wait by this factor (a simulator with scaled operation times)")
	_ = fl.MarkHidden("time-scale")
}

func (rf *RunFlags) validate() error {
	if rf.TimeScale <= 0 {
		return fmt.Errorf("--time-scale %v: want a positive factor", rf.TimeScale)
	}
	return rf.AWSFlags.validate()
}

// ApplyOptions are the inputs of lz2ct apply.
type ApplyOptions struct {
	IO *iostreams.IOStreams
	RunFlags

	PlanFile  string
	DryRun    bool
	OnlyPhase int // -1 = every phase
	Steps     []string
	Yes       bool
	Format    string // dry run: text | json
}

// NewCmdApply builds lz2ct apply. runF replaces the run function in tests of flag parsing.
func NewCmdApply(f *Factory, runF func(*ApplyOptions) error) *cobra.Command {
	opts := &ApplyOptions{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "apply --plan FILE [--state DIR] [--dry-run] [--only-phase N | --step ID...] [--yes]",
		Short: "Carry out a migration plan against AWS, resumably",
		Long: `Carry out the steps of a plan (lz2ct plan -o plan.json) in its execution order, as soon as the
steps each depends on have succeeded: Control Tower one OU operation at a time and account
operations up to the plan's accountConcurrency, everything else prepared meanwhile. Every step
observes AWS before it acts, so running it again never repeats an effect.

The state folder (default .lz2ct/<organization-id>, private to you) keeps the plan, the journal of
every step and the safeguard exports. Once a step ran, the folder's plan cannot change: lz2ct
resume continues it after a stop, a crash or a failure, and lz2ct status shows where it stands.

apply shows what it will do and asks you to type yes; without a terminal, --yes is required.
--dry-run observes every step read-only and prints what it would change, making no change at all.
ctrl+c once stops at a safe point (calls in flight finish and are recorded); twice stops at once.

Exit codes: 0 done, 1 a step failed (the summary says why and what to do), 2 bad input,
3 stopped by the user (lz2ct resume continues), 4 waiting on a manual step (lz2ct confirm).`,
		Example: `  lz2ct apply --plan plan.json --dry-run
  lz2ct apply --plan plan.json
  lz2ct apply --plan plan.json --only-phase 0 --yes
  lz2ct apply --plan plan.json --step scp.detach/p-abcd1234/ou-ab12-cd34ef56 --yes`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.AWSFlags.record(cmd.Flags())
			opts.contexts(f)
			if runF != nil {
				return runF(opts)
			}
			return runApply(opts)
		},
	}
	fl := cmd.Flags()
	opts.RunFlags.register(fl)
	fl.StringVar(&opts.PlanFile, "plan", "", "the plan to carry out (lz2ct plan -o FILE) (required)")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "observe every step read-only and print what it would change")
	fl.IntVar(&opts.OnlyPhase, "only-phase", -1, "run only the steps of this phase (0-6)")
	fl.StringArrayVar(&opts.Steps, "step", nil, "run only this step (repeatable)")
	fl.BoolVar(&opts.Yes, "yes", false, "do not ask for confirmation (required without a terminal)")
	fl.StringVar(&opts.Format, "format", "text", "--dry-run output: text or json")
	return cmd
}

func (o *ApplyOptions) validate() error {
	if o.PlanFile == "" {
		return errors.New("--plan FILE is required: the plan lz2ct plan -o FILE wrote")
	}
	if o.OnlyPhase != -1 && len(o.Steps) > 0 {
		return errors.New("--only-phase and --step exclude each other: choose one")
	}
	if o.OnlyPhase < -1 || o.OnlyPhase >= len(plans.PhaseIDs) {
		return fmt.Errorf("--only-phase %d: choose 0 to %d", o.OnlyPhase, len(plans.PhaseIDs)-1)
	}
	if o.Format != "text" && o.Format != "json" {
		return fmt.Errorf("--format %q: use text or json", o.Format)
	}
	if o.Format == "json" && !o.DryRun {
		return errors.New("--format json goes with --dry-run (a run prints progress lines; lz2ct status --format json reports)")
	}
	return o.RunFlags.validate()
}

func runApply(opts *ApplyOptions) error {
	if err := opts.validate(); err != nil {
		return BadInput(err)
	}
	p, err := plans.Load(opts.PlanFile)
	if err != nil {
		return BadInput(err)
	}
	sel, err := session.Selection(p, opts.OnlyPhase, opts.Steps)
	if err != nil {
		return runError(err)
	}
	if _, err := engine.ExecutionOrder(p); err != nil {
		return BadInput(err)
	}
	dir := opts.State
	if dir == "" {
		dir = statefolder.Default(p.Organization)
	}
	if opts.DryRun {
		return dryRun(opts, p, dir, sel)
	}
	if !opts.Yes && !opts.IO.Interactive() {
		return BadInput(errors.New("without a terminal, apply needs --yes (review it first with --dry-run)"))
	}
	run, err := openRun(session.RunOptions{Dir: dir, Plan: p, Command: "lz2ct apply", ForceUnlock: opts.ForceUnlock}, opts.IO.ErrOut)
	if err != nil {
		return err
	}
	defer run.Close()

	showIntent(opts.IO.Out, run, sel)
	if !opts.Yes {
		ok, err := askYes(opts.IO, "Type yes to apply: ")
		if err != nil {
			return err
		}
		if !ok {
			fmt.Fprintln(opts.IO.Out, "Apply cancelled; nothing was changed.")
			return &ExitError{Code: ExitStopped, Err: errors.New("apply cancelled")}
		}
		askOrganization(opts.IO, run, sel, &opts.RunFlags)
	}
	return execute(&opts.RunFlags, opts.IO, run, sel, "apply", nil)
}

// runError maps the session's errors to exit codes: the user's input (2), or a failure (1).
func runError(err error) error {
	if session.IsBadInput(err) {
		return BadInput(err)
	}
	return err
}

// openRun opens the state folder and prints what Open did; its errors carry exit codes.
func openRun(o session.RunOptions, errOut io.Writer) (*session.Run, error) {
	run, err := session.OpenRun(o)
	if err != nil {
		return nil, runError(err)
	}
	for _, m := range run.Messages {
		fmt.Fprintln(errOut, "lz2ct:", m)
	}
	return run, nil
}

// showIntent says what the run will do, phase by phase, before it asks.
func showIntent(w io.Writer, run *session.Run, sel func(*plans.Step) bool) {
	p := run.Plan
	fmt.Fprintf(w, "Plan for %s (%s), state folder %s.\n", p.Organization, p.CreatedFrom, run.Folder.Dir)
	total := 0
	for _, pi := range session.Intent(p, run.State, sel) {
		total += pi.ToRun
		fmt.Fprintf(w, "  phase %d %-16s %4d steps to run", pi.Number, pi.Name, pi.ToRun)
		if pi.DoneBefore > 0 {
			fmt.Fprintf(w, ", %d done before", pi.DoneBefore)
		}
		fmt.Fprintln(w)
		if len(pi.Destructive) > 0 {
			fmt.Fprintf(w, "      deletes or detaches: %s\n", describeIDs(pi.Destructive, 4))
		}
		if len(pi.Manual) > 0 {
			fmt.Fprintf(w, "      manual steps (lz2ct confirm): %s\n", describeIDs(pi.Manual, 4))
		}
		if pi.Gated > 0 {
			fmt.Fprintf(w, "      %d steps start only once the organization ID is typed (--confirm-org %s)\n", pi.Gated, p.Organization)
		}
	}
	fmt.Fprintf(w, "%d steps to run. Every step observes AWS first and skips what is already in place.\n", total)
}

// askOrganization asks, on a terminal, for the organization ID when the run holds steps that
// need it typed (decommission, account closure) and --confirm-org did not give it; an empty answer
// runs everything else and leaves those steps for later.
func askOrganization(ios *iostreams.IOStreams, run *session.Run, sel func(*plans.Step) bool, rf *RunFlags) {
	gated := engine.Gated(run.Plan, sel, run.State)
	if rf.ConfirmOrg != "" || len(gated) == 0 || !ios.Interactive() {
		return
	}
	fmt.Fprintf(ios.Out, "%s.\nType the organization ID (%s) to allow them in this run, or press enter to stop before them: ",
		engine.GateText(run.Plan, gated), run.Plan.Organization)
	line, _ := bufio.NewReader(ios.In).ReadString('\n')
	typed := strings.TrimSpace(line)
	if typed == "" {
		return
	}
	if err := engine.CheckOrganizationTyped(run.Plan, typed); err != nil {
		fmt.Fprintf(ios.Out, "%v: they will not start in this run.\n", err)
		return
	}
	rf.ConfirmOrg = typed
}

func describeIDs(ids []string, n int) string {
	if len(ids) <= n {
		return strings.Join(ids, ", ")
	}
	return strings.Join(ids[:n], ", ") + fmt.Sprintf(" and %d more", len(ids)-n)
}

// askYes reads one line and accepts only the literal word yes.
func askYes(io *iostreams.IOStreams, prompt string) (bool, error) {
	fmt.Fprint(io.Out, prompt)
	line, err := bufio.NewReader(io.In).ReadString('\n')
	if err != nil && line == "" {
		return false, nil
	}
	return strings.TrimSpace(line) == "yes", nil
}

// execute runs the engine over an open state folder through the session and turns the summary
// into an exit code. preflight, when set, runs once the engine is ready and before any step
// (resume's drift report).
func execute(rf *RunFlags, ios *iostreams.IOStreams, run *session.Run, sel func(*plans.Step) bool, verb string,
	preflight func(ctx context.Context, e *engine.Engine) error) error {
	stop, hard := rf.Stop, rf.Context
	aopts, dopts := rf.options()
	aopts.TimeScale = rf.TimeScale // the waits for the rate limits scale like every other wait
	// The AWS SDK's own log lines come out as the run's lines do, the transport warnings it
	// recovers from counted and told once at the end (as discover does).
	sdk := sdkLines(ios.ErrOut)
	aopts.Logger = sdk
	clients, err := awsapi.Load(hard, aopts)
	if err != nil {
		return BadInput(err)
	}
	defer clients.Close()
	defer reportSDKLog(ios.ErrOut, sdk)
	seen := len(run.Messages)
	e, err := run.Engine(hard, session.Exec{Clients: clients, Selected: sel, Hooks: []hooks.Hook{hooks.Lines(ios.ErrOut)},
		Workers: dopts.Concurrency, TimeScale: rf.TimeScale, ConfirmOrg: rf.ConfirmOrg})
	for _, m := range run.Messages[seen:] {
		fmt.Fprintln(ios.ErrOut, "lz2ct:", m)
	}
	if err != nil {
		return runError(err)
	}
	if preflight != nil {
		// Observing is read-only: the first signal ends it.
		if err := preflight(stop, e); err != nil {
			return err
		}
		if stop.Err() != nil {
			return &ExitError{Code: ExitStopped, Err: errors.New("stopped before any step ran")}
		}
	}
	sum, err := run.Execute(hard, stop, e, verb)
	if sum != nil {
		printSummary(ios.Out, sum, rf.Command, run.Folder.Dir, rf.connectArgs()...)
	}
	if err != nil {
		return err
	}
	return exitFor(sum, run.Plan.Organization)
}

// exitFor maps a run's summary to the exit code: a user's stop first (3), then failures (1), then
// manual steps and the organization ID not typed (4: the operator's turn).
func exitFor(sum *engine.Summary, org string) error {
	switch {
	case sum.Stopped:
		return &ExitError{Code: ExitStopped, Err: errors.New("stopped; lz2ct resume continues where it stopped")}
	case len(sum.Failed) > 0:
		return &ExitError{Code: ExitFindings, Err: fmt.Errorf("%d step(s) failed; fix the cause and run lz2ct resume", len(sum.Failed))}
	case slices.ContainsFunc(sum.NotStarted, func(o engine.Outcome) bool {
		return o.Cause == engine.CauseUnsupported || o.Cause == engine.CauseBlocked || o.Cause == engine.CauseFinding
	}):
		return &ExitError{Code: ExitFindings, Err: errors.New("some steps cannot start (see the summary)")}
	case len(sum.Waiting) > 0:
		return &ExitError{Code: ExitWaiting, Err: fmt.Errorf("waiting on %d manual step(s): do them, lz2ct confirm STEP, then lz2ct resume", len(sum.Waiting))}
	case slices.ContainsFunc(sum.NotStarted, func(o engine.Outcome) bool { return o.Cause == engine.CauseOrganizationNotTyped }):
		return &ExitError{Code: ExitWaiting, Err: fmt.Errorf("decommission and account closure wait for the organization ID: lz2ct resume --confirm-org %s", org)}
	}
	return nil
}

// reasonGroup is the steps that did not start for one reason.
type reasonGroup struct {
	reason string
	steps  []string
}

// byReason groups steps that did not start by their reason, reasons sorted.
func byReason(l []engine.Outcome) []reasonGroup {
	steps := map[string][]string{}
	for _, o := range l {
		steps[o.Reason] = append(steps[o.Reason], o.Step)
	}
	var out []reasonGroup
	for _, k := range slices.Sorted(maps.Keys(steps)) {
		out = append(out, reasonGroup{k, steps[k]})
	}
	return out
}

// connectArgs are the flags of this run that say how it reached AWS (those the user gave, and a
// simulator's time scale), for the resume command the summary prints: copied as printed, it
// continues with the same credentials and endpoint, not the default credential chain.
func (rf *RunFlags) connectArgs() []string {
	args := rf.AWSFlags.givenArgs()
	if rf.TimeScale != 1 {
		args = append(args, "--time-scale", strconv.FormatFloat(rf.TimeScale, 'g', -1, 64))
	}
	return args
}

// printSummary writes the end-of-run summary: done, failed (error and what to do), waiting,
// interrupted, not started; connect are the flags resume needs to reach AWS as this run did.
func printSummary(w io.Writer, sum *engine.Summary, lz2ct, dir string, connect ...string) {
	fmt.Fprintf(w, "\n%s in %s: %d done", map[bool]string{true: "Stopped", false: "Finished"}[sum.Stopped],
		sum.Ended.Sub(sum.Started).Round(time.Second), len(sum.Done))
	if sum.Previously > 0 {
		fmt.Fprintf(w, " (and %d done before)", sum.Previously)
	}
	fmt.Fprintf(w, ", %d failed, %d waiting, %d interrupted, %d not started.\n", len(sum.Failed), len(sum.Waiting), len(sum.Interrupted), len(sum.NotStarted))
	for _, o := range sum.Failed {
		fmt.Fprintf(w, "  FAILED  %s: %s\n          what to do: %s\n", o.Step, o.Error, o.Advice)
	}
	for _, o := range sum.Waiting {
		fmt.Fprintf(w, "  MANUAL  %s: %s\n          when done: %s confirm %s --state %s\n", o.Step, o.Title, lz2ct, o.Step, tui.ShellQuote(dir))
	}
	for _, o := range sum.Interrupted {
		op := ""
		if o.OperationID != "" {
			op = " (AWS operation " + o.OperationID + " goes on; resume waits on it)"
		}
		fmt.Fprintf(w, "  STOPPED %s%s\n", o.Step, op)
	}
	for _, g := range byReason(sum.NotStarted) {
		fmt.Fprintf(w, "  not started (%d): %s: %s\n", len(g.steps), g.reason, describeIDs(g.steps, 3))
	}
	if !sum.Complete() {
		fmt.Fprintf(w, "Continue with: %s\n", strings.Join(append([]string{lz2ct, "resume", "--state", tui.ShellQuote(dir)}, connect...), " "))
	}
}

// dryRun observes the selected steps and prints what each would change; it writes nothing (no
// lock, no pinned plan, no journal event) and makes no mutating AWS call.
func dryRun(opts *ApplyOptions, p *plans.Plan, dir string, sel func(*plans.Step) bool) error {
	ctx := opts.Stop // observing is read-only: the first signal ends it
	aopts, dopts := opts.options()
	sdk := sdkLines(opts.IO.ErrOut)
	aopts.Logger = sdk
	clients, err := awsapi.Load(ctx, aopts)
	if err != nil {
		return BadInput(err)
	}
	defer reportSDKLog(opts.IO.ErrOut, sdk)
	defer clients.Close()
	previews, err := session.Preview(ctx, clients, p, dir, sel, dopts.Concurrency)
	if err != nil {
		return runError(err)
	}
	if ctx.Err() != nil {
		return &ExitError{Code: ExitStopped, Err: ctx.Err()}
	}
	if opts.Format == "json" {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(previews)
	}
	printPreview(opts.IO.Out, p, previews)
	return nil
}

// printPreview writes a dry run in execution order, one line per step with its phase (phases 2–4
// interleave wave by wave), then the counts.
func printPreview(w io.Writer, p *plans.Plan, previews []engine.Preview) {
	counts := map[string]int{}
	fmt.Fprintln(w, "phase  step")
	for _, pv := range previews {
		counts[pv.State]++
		var what, text string
		switch pv.State {
		case engine.PreviewChange:
			what, text = "would", pv.Change
		case engine.PreviewDone:
			what, text = "done", "done before"
		case engine.PreviewInPlace:
			what, text = "in place", pv.Note
		case engine.PreviewRunning:
			what, text = "running", "AWS operation "+pv.OperationID+" in progress"
		case engine.PreviewWaiting:
			what, text = "manual", pv.Title
		case engine.PreviewUnsafe:
			what, text = "REFUSED", pv.Note
		case engine.PreviewLater:
			what, text = "later", pv.Title+" ("+pv.Note+")"
		case engine.PreviewUnsupported:
			what, text = "n/a", pv.Note
		case engine.PreviewError:
			what, text = "ERROR", pv.Note
		}
		fmt.Fprintf(w, "  %d    %-9s %s: %s\n", pv.Phase, what, pv.Step, text)
	}
	fmt.Fprintf(w, "\nDry run of %s: %d would change, %d already in place, %d done, %d manual, %d later, %d refused, %d not supported, %d errors. Nothing was changed.\n",
		p.Organization, counts[engine.PreviewChange], counts[engine.PreviewInPlace], counts[engine.PreviewDone], counts[engine.PreviewWaiting],
		counts[engine.PreviewLater], counts[engine.PreviewUnsafe], counts[engine.PreviewUnsupported], counts[engine.PreviewError])
}

// stateDir finds the state folder when --state is not given: the only one under .lz2ct/.
func stateDir(given string) (string, error) { return session.StateDir(given) }
