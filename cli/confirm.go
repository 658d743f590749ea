package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/lz2ct/lz2ct/iostreams"
	"github.com/lz2ct/lz2ct/session"
	"github.com/lz2ct/lz2ct/tui"
)

func init() { register("", func(f *Factory) *cobra.Command { return NewCmdConfirm(f, nil) }) }

// ConfirmOptions are the inputs of lz2ct confirm.
type ConfirmOptions struct {
	IO    *iostreams.IOStreams
	Step  string
	State string
	Note  string
	By    string
	// Command is how the user runs lz2ct, for the commands printed to run next.
	Command string
}

// NewCmdConfirm builds lz2ct confirm.
func NewCmdConfirm(f *Factory, runF func(*ConfirmOptions) error) *cobra.Command {
	opts := &ConfirmOptions{IO: f.IO, Command: f.command()}
	cmd := &cobra.Command{
		Use:   "confirm STEP [--note TEXT] [--state DIR]",
		Short: "Record that you did a manual step of the plan",
		Long: `Record in the journal that you did a manual step (who, when, your note). The next lz2ct resume
records the step as done and goes on with what depends on it; where an AWS API can tell whether
the task was done, the plan's next step checks it (e.g. landing-zone.verify after a console
set-up) and stops with the reason if it was not. A step lz2ct handed to you while it waits
(logs.copy above decommission.copyLogsMaxGiB, with the aws s3 sync command it printed) is
confirmed the same way, and checks the result itself. confirm works offline: it only writes the
journal, and is refused while a run holds the state folder (confirm in that run's wizard, or
stop it first).`,
		Example: `  lz2ct confirm manual/scp-merge/ou-ab12-cd34ef56 --note "merged as reviewed in CHG-1234"
  lz2ct confirm manual/move-guardduty-admin --state .lz2ct/o-abcd1234ef`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Step = args[0]
			if runF != nil {
				return runF(opts)
			}
			return runConfirm(opts)
		},
	}
	cmd.Flags().StringVar(&opts.State, "state", "", "state folder of the run (default: the only one under .lz2ct/)")
	cmd.Flags().StringVar(&opts.Note, "note", "", "what you did, for the record (e.g. a change ticket)")
	cmd.Flags().StringVar(&opts.By, "by", "", "who confirms (default: your user name and host)")
	return cmd
}

func runConfirm(opts *ConfirmOptions) error {
	dir, err := stateDir(opts.State)
	if err != nil {
		return runError(err)
	}
	res, err := session.Confirm(dir, opts.Step, opts.By, opts.Note)
	if err != nil {
		return runError(err)
	}
	if res.AlreadyDone {
		fmt.Fprintf(opts.IO.Out, "Step %s is already done; nothing recorded.\n", res.Step)
		return nil
	}
	fmt.Fprintf(opts.IO.Out, "Recorded: %s confirmed by %s.\nContinue with: %s resume --state %s\n", res.Step, res.By, opts.Command, tui.ShellQuote(dir))
	return nil
}
