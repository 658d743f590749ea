package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/lz2ct/lz2ct/engine"
	"github.com/lz2ct/lz2ct/iostreams"
	"github.com/lz2ct/lz2ct/session"
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

Decommission and account closure start only once the organization ID is typed: resume asks on
a terminal, --confirm-org o-... gives it in scripts (without it they wait, exit code 4).

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
		return runError(err)
	}
	run, err := openRun(session.RunOptions{Dir: dir, Command: "lz2ct resume", ForceUnlock: opts.ForceUnlock}, opts.IO.ErrOut)
	if err != nil {
		return err
	}
	defer run.Close()
	askOrganization(opts.IO, run, nil, &opts.RunFlags)
	return execute(&opts.RunFlags, opts.IO, run, nil, "resume", func(ctx context.Context, e *engine.Engine) error {
		reportDrift(opts.IO.Out, run, session.DriftOf(run.Plan, run.State, e.Preview(ctx)))
		return nil
	})
}

// reportDrift says where the run stands and what changed in AWS since the journal's last word.
func reportDrift(w io.Writer, run *session.Run, d session.Drift) {
	fmt.Fprintf(w, "Resuming the run of %s in %s: %d of %d steps done.\n", run.Plan.Organization, run.Folder.Dir, d.Done, d.Total)
	if last := d.LastRun; last != nil {
		fmt.Fprintf(w, "Last run: %s (%s, %s).\n", last.Note, last.By, last.Time.UTC().Format("2006-01-02 15:04 UTC"))
	}
	for _, l := range session.DriftLines(d) {
		fmt.Fprintln(w, l)
	}
}
