package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/lz2ct/lz2ct/checks"
	"github.com/lz2ct/lz2ct/demodata"
	"github.com/lz2ct/lz2ct/inventory/discover"
	"github.com/lz2ct/lz2ct/iostreams"
	"github.com/lz2ct/lz2ct/session"
	"github.com/lz2ct/lz2ct/sim"
	"github.com/lz2ct/lz2ct/statefolder"
	"github.com/lz2ct/lz2ct/tui"
	"github.com/spf13/cobra"
)

func init() { register("", newCmdDemo) }

// DemoOptions are the inputs of lz2ct demo.
type DemoOptions struct {
	IO *iostreams.IOStreams
	// StateDir is where the session's files go; "" = ./.lz2ct/<organization-id>/.
	StateDir string
	// Plain walks the journey without the wizard even on a terminal.
	Plain bool
}

func newCmdDemo(f *Factory) *cobra.Command { return NewCmdDemo(f, nil) }

// NewCmdDemo builds `lz2ct demo`; runF replaces the run function in tests.
func NewCmdDemo(f *Factory, runF func(*DemoOptions) error) *cobra.Command {
	opts := &DemoOptions{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "demo [--state DIR]",
		Short: "The whole journey on a built-in simulated ALZ organization (no AWS account needed)",
		Long: `demo starts the built-in simulator in this process, serving ` + demodata.Name + `,
and opens the wizard connected to it. Without a terminal (a pipe, CI) it walks the same journey
without asking: discovery against the simulator, pre-checks, default decisions, plan, runbook, and
prints a summary. Nothing leaves this machine.`,
		Example: `  lz2ct demo
  lz2ct demo --state /tmp/lz2ct-demo
  lz2ct demo --plain | less`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return demoRun(f.StopContext(), f, opts)
		},
	}
	cmd.Flags().StringVar(&opts.StateDir, "state", "", "folder for the snapshot, settings, plan and runbooks (default ./.lz2ct/<organization-id>)")
	cmd.Flags().BoolVar(&opts.Plain, "plain", false, "walk the journey with plain output even on a terminal")
	return cmd
}

func demoRun(ctx context.Context, f *Factory, opts *DemoOptions) error {
	snap, err := demodata.Snapshot()
	if err != nil {
		return err
	}
	srv := sim.New(snap, sim.Options{Seed: 1})
	url, err := srv.Start("127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("demo: start the simulator: %w", err)
	}
	defer srv.Close()
	// The demo organization holds data in its snapshot's regions only: reading every enabled region
	// would add empty ones.
	regions := discover.Options{Regions: snap.Regions}
	if f.IO.Interactive() && !opts.Plain {
		b := &wizardBackend{demoURL: url, discover: regions, hard: f.HardContext()}
		defer b.close()
		return RunWizard(ctx, f, tui.Options{Backend: b, StateDir: opts.StateDir})
	}
	return walkDemo(ctx, opts.IO.Out, f.command(), url, regions.Regions, opts.StateDir, srv)
}

// walkDemo is the wizard's journey without the wizard, through the same session layer: what CI
// and `make demo` without a terminal run.
func walkDemo(ctx context.Context, w io.Writer, command, url string, regions []string, stateDir string, srv *sim.Server) error {
	step := func(format string, a ...any) { fmt.Fprintf(w, "==> "+format+"\n", a...) }
	start := time.Now()

	step("Connecting to the simulated organization (%s)", url)
	conn, err := session.Connect(ctx, session.DemoOptions(url))
	if err != nil {
		return fmt.Errorf("demo: connect: %w", err)
	}
	defer conn.Close()
	id := conn.Identity
	fmt.Fprintf(w, "    caller %s, management account of %s\n", id.Arn, id.OrganizationID)

	step("Discovering the organization (read-only)")
	lastStage := ""
	snap, err := session.Discover(ctx, conn.Clients, discover.Options{Regions: regions, Progress: func(p discover.Progress) {
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

	folder := session.Open(stateDir, snap.Organization.ID)
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
	fmt.Fprintf(w, "    %s, estimate %s\n", plural(p.StepCount(), "step"), tui.Duration(p.Estimate.Total()))
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

	calls, mutating := 0, 0
	if srv != nil {
		calls, mutating = srv.CallCount()
	}
	fmt.Fprintf(w, "\nDemo finished in %s: %s to the simulator, %d of them mutating.\n", time.Since(start).Round(time.Millisecond),
		plural(calls, "AWS call"), mutating)
	fmt.Fprintln(w, "Saved:")
	for _, name := range []string{statefolder.Snapshot, statefolder.Settings, statefolder.Plan} {
		fmt.Fprintf(w, "  %s\n", folder.Path(name))
	}
	for _, path := range runbooks {
		fmt.Fprintf(w, "  %s\n", path)
	}
	fmt.Fprintln(w, "Continue from the command line:")
	for _, c := range tui.ContinueCommands(command, folder.Folder, folder.Path(statefolder.Snapshot), true, true) {
		fmt.Fprintf(w, "  %s\n", c)
	}
	fmt.Fprintf(w, "Or open the wizard on it: %s demo --state %s (in a terminal)\n", command, tui.ShellQuote(folder.Dir))
	return nil
}
