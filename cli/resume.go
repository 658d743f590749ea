package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/lz2ct/lz2ct/engine"
	"github.com/lz2ct/lz2ct/engine/runstate"
	"github.com/lz2ct/lz2ct/iostreams"
	"github.com/lz2ct/lz2ct/journal"
)

func init() { register("", func(f *Factory) *cobra.Command { return NewCmdResume(f, nil) }) }

// ResumeOptions are the inputs of lz2ct resume.
type ResumeOptions struct {
	IO *iostreams.IOStreams
	RunFlags
}

// NewCmdResume builds lz2ct resume.
func NewCmdResume(f *Factory, runF func(*ResumeOptions) error) *cobra.Command {
	opts := &ResumeOptions{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "resume [--state DIR]",
		Short: "Continue a migration run where it stopped",
		Long: `Continue the run of a state folder after a stop, a crash, a failure or a manual step: the plan is
the folder's own (plan.json). resume first re-reads what the remaining steps touch and reports
drift against the plan — effects already in place, AWS operations still running (it waits on
them instead of starting them again), steps the organization's changes make unsafe (they are
refused, and what depends on them waits) — then carries on. Failed steps are tried again.

Without --state, the only state folder under .lz2ct/ is used. Exit codes as lz2ct apply.`,
		Example: `  lz2ct resume
  lz2ct resume --state .lz2ct/o-abcd1234ef --profile mgmt-admin`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.AWSFlags.record(cmd.Flags())
			opts.contexts(f)
			if runF != nil {
				return runF(opts)
			}
			return runResume(opts)
		},
	}
	opts.RunFlags.register(cmd.Flags())
	return cmd
}

func runResume(opts *ResumeOptions) error {
	if err := opts.RunFlags.validate(); err != nil {
		return BadInput(err)
	}
	dir, err := stateDir(opts.State)
	if err != nil {
		return BadInput(err)
	}
	run, err := openRun(runstate.Options{Dir: dir, Command: "lz2ct resume", ForceUnlock: opts.ForceUnlock}, opts.IO.ErrOut)
	if err != nil {
		return err
	}
	defer run.Close()
	return execute(&opts.RunFlags, opts.IO, run, nil, "resume", func(ctx context.Context, e *engine.Engine) error {
		reportDrift(opts.IO.Out, run, e.Preview(ctx))
		return nil
	})
}

// reportDrift says where the run stands and what changed in AWS since the journal's last word.
func reportDrift(w io.Writer, run *runstate.Run, previews []engine.Preview) {
	st := run.State
	done := 0
	for _, pv := range previews {
		if pv.State == engine.PreviewDone {
			done++
		}
	}
	fmt.Fprintf(w, "Resuming the run of %s in %s: %d of %d steps done.\n", run.Plan.Organization, run.Folder.Dir, done, len(previews))
	if n := len(st.Runs); n > 0 {
		last := st.Runs[n-1]
		fmt.Fprintf(w, "Last run: %s (%s, %s).\n", last.Note, last.By, last.Time.UTC().Format("2006-01-02 15:04 UTC"))
	}
	var inPlace, running, unsafe, errs []engine.Preview
	for _, pv := range previews {
		switch pv.State {
		case engine.PreviewInPlace:
			if s := st.Step(pv.Step); s.Status != journal.NotStarted {
				// The journal knew the step had begun: the effect is lz2ct's own, recorded late.
				continue
			}
			inPlace = append(inPlace, pv)
		case engine.PreviewRunning:
			running = append(running, pv)
		case engine.PreviewUnsafe:
			unsafe = append(unsafe, pv)
		case engine.PreviewError:
			errs = append(errs, pv)
		}
		if pv.State != engine.PreviewRunning && pv.OperationID != "" {
			running = append(running, pv)
		}
	}
	for _, pv := range running {
		fmt.Fprintf(w, "  running   %s: AWS operation %s is still open; resume waits on it\n", pv.Step, pv.OperationID)
	}
	for _, pv := range inPlace {
		fmt.Fprintf(w, "  drift     %s: already in place although lz2ct never ran it (%s); it is recorded as done\n", pv.Step, pv.Note)
	}
	for _, pv := range unsafe {
		fmt.Fprintf(w, "  DRIFT     %s: %s; the step is refused and what depends on it waits\n", pv.Step, pv.Note)
	}
	for _, pv := range errs {
		fmt.Fprintf(w, "  cannot observe %s: %s\n", pv.Step, pv.Note)
	}
	if len(inPlace)+len(unsafe)+len(errs) == 0 {
		fmt.Fprintln(w, "No drift against the plan in what the remaining steps touch.")
	}
}
