package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/lz2ct/lz2ct/engine/runstate"
	"github.com/lz2ct/lz2ct/iostreams"
	"github.com/lz2ct/lz2ct/journal"
	"github.com/lz2ct/lz2ct/session"
	"github.com/lz2ct/lz2ct/tui"
	"github.com/lz2ct/lz2ct/words"
)

func init() { register("", func(f *Factory) *cobra.Command { return NewCmdStatus(f, nil) }) }

// StatusOptions are the inputs of lz2ct status.
type StatusOptions struct {
	IO     *iostreams.IOStreams
	State  string
	Format string
	// Now is the clock (tests).
	Now func() time.Time
	// Command is how the user runs lz2ct, for the commands printed to run next.
	Command string
}

// NewCmdStatus builds lz2ct status.
func NewCmdStatus(f *Factory, runF func(*StatusOptions) error) *cobra.Command {
	opts := &StatusOptions{IO: f.IO, Now: time.Now, Command: f.command()}
	cmd := &cobra.Command{
		Use:   "status [--state DIR] [--format text|json]",
		Short: "Show where a migration run stands (read-only)",
		Long: `Show where the run of a state folder stands: who runs it now (or how the last run ended), per
phase the steps done, running, failed, waiting for you and not started, the time elapsed and an
estimate of the time remaining (the plan's estimate, corrected by how long the done steps took).
Failed steps come with the AWS error and what to do; manual steps with the command that confirms
them. status reads the state folder only: it never calls AWS and takes no lock.`,
		Example: `  lz2ct status
  lz2ct status --state .lz2ct/o-abcd1234ef --format json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return runStatus(opts)
		},
	}
	cmd.Flags().StringVar(&opts.State, "state", "", "state folder of the run (default: the only one under .lz2ct/)")
	cmd.Flags().StringVar(&opts.Format, "format", "text", "text or json")
	return cmd
}

func runStatus(opts *StatusOptions) error {
	if opts.Format != "text" && opts.Format != "json" {
		return BadInput(fmt.Errorf("--format %q: use text or json", opts.Format))
	}
	dir, err := stateDir(opts.State)
	if err != nil {
		return runError(err)
	}
	r, err := session.Status(dir, opts.Now())
	if err != nil {
		return runError(err)
	}
	if opts.Format == "json" {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	printStatus(opts.IO.Out, r, opts.Command)
	return nil
}

func printStatus(w io.Writer, r *runstate.Report, lz2ct string) {
	fmt.Fprintf(w, "Migration of %s (state folder %s)\n", r.Organization, r.Dir)
	switch {
	case r.Active && r.Holder != nil:
		fmt.Fprintf(w, "Running now: %s\n", r.Holder)
	case r.LastRun != nil:
		fmt.Fprintf(w, "Not running. Last run: %s (%s, %s)\n", r.LastRun.Note, r.LastRun.By, r.LastRun.Time.UTC().Format("2006-01-02 15:04 UTC"))
	case r.Counts.Done+r.Counts.Running+r.Counts.Failed+r.Counts.Waiting == 0:
		fmt.Fprintln(w, "Nothing has run yet.")
	}
	c := r.Counts
	fmt.Fprintf(w, "%d of %d steps done, %d running, %d failed, %d waiting for you, %d not started.\n", c.Done, c.Total(), c.Running, c.Failed, c.Waiting, c.NotStarted)
	if r.ElapsedSeconds > 0 || r.RemainingSeconds > 0 {
		corr := ""
		if r.Factor != 1 {
			corr = fmt.Sprintf(", the plan's estimate × %.2f as measured so far", r.Factor)
		}
		elapsed := dur(r.ElapsedSeconds)
		if r.TimeScale > 1 {
			elapsed += fmt.Sprintf(" (a run %g times faster than AWS: %s in AWS's time)", r.TimeScale, dur(int64(float64(r.ElapsedSeconds)*r.TimeScale)))
		}
		fmt.Fprintf(w, "Elapsed %s; about %s remaining%s.\n", elapsed, dur(r.RemainingSeconds), corr)
	}
	fmt.Fprintln(w)
	for _, ph := range r.Phases {
		if ph.Counts.Total() == 0 {
			fmt.Fprintf(w, "Phase %d %-30s no steps\n", ph.Number, ph.Name)
			continue
		}
		line := fmt.Sprintf("Phase %d %-30s %d/%d done", ph.Number, ph.Name, ph.Counts.Done, ph.Counts.Total())
		for _, x := range []struct {
			n    int
			what string
		}{{ph.Counts.Running, "running"}, {ph.Counts.Failed, "failed"}, {ph.Counts.Waiting, "waiting"}} {
			if x.n > 0 {
				line += fmt.Sprintf(", %d %s", x.n, x.what)
			}
		}
		if ph.Counts.Done < ph.Counts.Total() && ph.RemainingSeconds > 0 {
			line += fmt.Sprintf("   ~%s left", dur(ph.RemainingSeconds))
		}
		fmt.Fprintln(w, line)
	}
	var failed, waiting, running, blocked []runstate.Step
	behind := 0
	for _, ph := range r.Phases {
		for _, s := range ph.Steps {
			switch {
			case s.Blocked != "":
				blocked = append(blocked, s)
			case s.BehindBlocked:
				behind++
			}
			switch s.Status {
			case journal.Failed:
				failed = append(failed, s)
			case journal.Waiting:
				waiting = append(waiting, s)
			case journal.Running:
				running = append(running, s)
			}
		}
	}
	if len(failed) > 0 {
		fmt.Fprintln(w, "\nFailed:")
		for _, s := range failed {
			fmt.Fprintf(w, "  %s (attempt %d): %s\n", s.ID, s.Attempts, s.Error)
			if s.Advice != "" {
				fmt.Fprintf(w, "    what to do: %s\n", s.Advice)
			}
		}
	}
	if len(waiting) > 0 {
		fmt.Fprintln(w, "\nWaiting for you:")
		for _, s := range waiting {
			if s.ConfirmedBy != "" {
				fmt.Fprintf(w, "  %s: %s (confirmed by %s; %s resume goes on)\n", s.ID, s.Title, s.ConfirmedBy, lz2ct)
				continue
			}
			fmt.Fprintf(w, "  %s: %s\n    when done: %s confirm %s --state %s\n", s.ID, s.Title, lz2ct, s.ID, tui.ShellQuote(r.Dir))
		}
	}
	if len(blocked) > 0 {
		fmt.Fprintln(w, "\nBlocked by findings (these never run; resolve the finding, run lz2ct discover again and re-plan):")
		// A large organization can have hundreds: the first ones say what to fix, json lists all.
		const shown = 20
		for _, s := range blocked[:min(len(blocked), shown)] {
			fmt.Fprintf(w, "  %s: %s\n", s.ID, s.Blocked)
		}
		if len(blocked) > shown {
			fmt.Fprintf(w, "  and %s blocked by findings (lz2ct status --format json lists every one).\n", words.Count(len(blocked)-shown, "more step"))
		}
		if behind > 0 {
			fmt.Fprintf(w, "  and %s waiting for them.\n", words.Count(behind, "more step"))
		}
	}
	if len(running) > 0 {
		state := "interrupted (" + lz2ct + " resume continues it)"
		if r.Active {
			state = "running"
		}
		fmt.Fprintf(w, "\nIn progress (%s):\n", state)
		for _, s := range running {
			op := ""
			if s.OperationID != "" {
				op = ", AWS operation " + s.OperationID
			}
			fmt.Fprintf(w, "  %s (since %s%s)\n", s.ID, s.Started.UTC().Format("2006-01-02 15:04 UTC"), op)
		}
	}
}

// dur renders seconds as 1h02m, 3m10s or 45s.
func dur(s int64) string {
	d := time.Duration(s) * time.Second
	switch {
	case d >= time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	case d >= time.Minute:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%ds", int(d.Seconds()))
}
