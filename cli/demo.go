package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/lz2ct/lz2ct/demodata"
	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/iostreams"
	"github.com/lz2ct/lz2ct/settings"
	"github.com/lz2ct/lz2ct/sim"
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
			return demoRun(cmd.Context(), f, opts)
		},
	}
	cmd.Flags().StringVar(&opts.StateDir, "state", "", "folder for the snapshot, settings, plan and runbooks (default ./.lz2ct/<organization-id>)")
	cmd.Flags().BoolVar(&opts.Plain, "plain", false, "walk the journey with plain output even on a terminal")
	return cmd
}

func demoRun(ctx context.Context, f *Factory, opts *DemoOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
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
	backend := tui.NewLive(tui.LiveOptions{DemoURL: url, Regions: snap.Regions})
	if f.IO.Interactive() && !opts.Plain {
		return RunWizard(ctx, f, tui.Options{Backend: backend, StateDir: opts.StateDir})
	}
	return walkDemo(ctx, opts.IO.Out, backend, opts.StateDir, srv)
}

// walkDemo is the wizard's journey without the wizard, through the same Backend: what CI runs.
func walkDemo(ctx context.Context, w io.Writer, b tui.Backend, stateDir string, srv *sim.Server) error {
	step := func(format string, a ...any) { fmt.Fprintf(w, "==> "+format+"\n", a...) }
	start := time.Now()

	targets, err := b.Targets()
	if err != nil {
		return fmt.Errorf("demo: targets: %w", err)
	}
	if len(targets) == 0 {
		return errors.New("demo: no demo target")
	}
	step("Connecting to the simulated organization (%s)", strings.TrimPrefix(targets[0].Detail, "built-in simulated ALZ organization at "))
	id, err := b.Connect(ctx, targets[0])
	if err != nil {
		return fmt.Errorf("demo: connect: %w", err)
	}
	fmt.Fprintf(w, "    caller %s, management account of %s\n", id.Arn, id.OrganizationID)

	step("Discovering the organization (read-only)")
	lastStage := ""
	snap, err := b.Discover(ctx, func(p tui.Progress) {
		if p.Stage != lastStage {
			lastStage = p.Stage
			fmt.Fprintf(w, "    %s: %d/%d accounts, %d calls, %d problems\n", p.Stage, p.AccountsDone, p.AccountsTotal, p.Calls, p.Problems)
		}
	})
	if err != nil {
		return fmt.Errorf("demo: discovery: %w", err)
	}
	var data []byte
	if data, err = inventory.Encode(snap); err != nil {
		return err
	}
	fmt.Fprintf(w, "    %s: %d accounts, %d OUs, %d SCPs, regions %s\n", snap.Organization.ID, len(snap.Accounts), len(snap.OUs),
		len(snap.Policies), strings.Join(snap.Regions, ", "))

	if stateDir == "" {
		stateDir = tui.DefaultStateDir(snap.Organization.ID)
	}
	files := tui.Files{Dir: stateDir}
	if err := os.MkdirAll(stateDir, 0o755); err != nil {
		return fmt.Errorf("demo: state folder: %w", err)
	}
	if err := inventory.WriteFileAtomic(files.Snapshot(), data, 0o644); err != nil {
		return err
	}

	set := demodata.Settings(snap)
	step("Pre-checks (default decisions for the demo organization)")
	res, err := b.Check(snap, set)
	if err != nil {
		return fmt.Errorf("demo: pre-checks: %w", err)
	}
	fmt.Fprintf(w, "    %d blockers (%d the plan cannot fix), %d warnings, %d info\n", res.Blockers, res.Unfixed, res.Warnings, res.Infos)
	for _, f := range res.Findings {
		if f.Severity == tui.SeverityBlocker {
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
	if err := settings.Save(files.Settings(), set); err != nil {
		return err
	}

	step("Plan")
	p, err := b.Plan(data, snap, set, res)
	if err != nil {
		return fmt.Errorf("demo: plan: %w", err)
	}
	steps := 0
	for _, ph := range p.View.Phases {
		steps += len(ph.Steps)
		fmt.Fprintf(w, "    %d %-32s %4d steps  ~%s\n", ph.Number, ph.Name, len(ph.Steps), tui.Duration(ph.Estimate))
	}
	fmt.Fprintf(w, "    %d steps, estimate %s\n", steps, tui.Duration(p.View.Total))
	if err := b.SavePlan(files.Plan(), p); err != nil {
		return err
	}

	step("Runbook")
	written := []string{files.Snapshot(), files.Settings(), files.Plan()}
	for _, x := range []struct{ path, format string }{{files.RunbookMD(), "md"}, {files.RunbookHTML(), "html"}} {
		if err := b.Runbook(x.path, x.format, p, stateDir); err != nil {
			return fmt.Errorf("demo: runbook: %w", err)
		}
		written = append(written, x.path)
	}

	calls, mutating := 0, 0
	if srv != nil {
		calls, mutating = srv.CallCount()
	}
	fmt.Fprintf(w, "\nDemo finished in %s: %d AWS calls to the simulator, %d of them mutating.\n", time.Since(start).Round(time.Millisecond),
		calls, mutating)
	fmt.Fprintln(w, "Saved:")
	for _, p := range written {
		fmt.Fprintf(w, "  %s\n", p)
	}
	fmt.Fprintln(w, "Continue from the command line:")
	for _, c := range tui.ContinueCommands(files, files.Snapshot(), true, true) {
		fmt.Fprintf(w, "  %s\n", c)
	}
	fmt.Fprintf(w, "Or open the wizard on it: lz2ct demo --state %s (in a terminal)\n", filepath.Clean(stateDir))
	return nil
}
