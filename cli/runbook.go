package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/lz2ct/lz2ct/iostreams"
	"github.com/lz2ct/lz2ct/plans/runbook"
	"github.com/lz2ct/lz2ct/session"
	"github.com/spf13/cobra"
)

func init() {
	register("", func(f *Factory) *cobra.Command { return NewCmdRunbook(f, nil) })
}

// RunbookOptions are the inputs of lz2ct runbook.
type RunbookOptions struct {
	IO       *iostreams.IOStreams
	Plan     string
	State    string
	Format   string // markdown | html; empty = from Output's extension, else markdown
	Output   string // file; empty or "-" = standard output
	Operator string
	// Now is the "prepared at" time; tests fix it.
	Now func() time.Time
	// oneShot is the factory's OneShot (nil in tests): runbook reads one plan, writes one
	// document and exits.
	oneShot func()
}

// NewCmdRunbook builds "lz2ct runbook". runF, when not nil, replaces the run function (tests).
func NewCmdRunbook(f *Factory, runF func(*RunbookOptions) error) *cobra.Command {
	opts := &RunbookOptions{IO: f.IO, Now: time.Now, oneShot: f.OneShot}
	cmd := &cobra.Command{
		Use:   "runbook",
		Short: "Print a migration plan as a runbook (Markdown or printable HTML)",
		Long: `Render a plan (from lz2ct plan) as a runbook a change board can review and an operator can
follow by hand: a cover with the organization, who prepared it and when, the settings, totals and
the estimate; the pre-check results; then every phase with its steps in order, each with a
checkbox, its step ID, what it does and why, the guard to check first, the exact AWS CLI commands,
the expected result and how to roll it back, and sign-off lines at the end of each phase. Steps
that repeat per account or region are printed as one table.

With --state, the runbook also shows where a run stands, step by step: done, running, failed
(with the error) or not started. Without --plan it uses the plan in the state folder.

The HTML file is self-contained (no scripts, fonts or images to fetch) and made to be printed:
a page break before each phase. Read-only: it changes nothing in AWS or in the state folder.`,
		Example: `  lz2ct runbook --plan plan.json --format markdown -o runbook.md
  lz2ct runbook --plan plan.json --format html -o runbook.html --operator "Jane Doe"
  lz2ct runbook --state .lz2ct/o-abcd123456 -o status.html`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return BadInput(fmt.Errorf("runbook takes no arguments, got %q: give the plan with --plan FILE", args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if !cmd.Flags().Changed("operator") {
				opts.Operator = os.Getenv("USER")
			}
			if runF != nil {
				return runF(opts)
			}
			return runbookRun(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Plan, "plan", "", "plan file from lz2ct plan (default: plan.json in the --state folder)")
	fl.StringVar(&opts.State, "state", "", "state folder of a run, to show each step's status")
	fl.StringVar(&opts.Format, "format", "", "markdown or html (default: from the -o file's extension, else markdown)")
	fl.StringVarP(&opts.Output, "output", "o", "", "write the runbook to this file instead of standard output")
	fl.StringVar(&opts.Operator, "operator", "", "who prepares and follows the runbook, for the cover (default $USER)")
	return cmd
}

func runbookFormat(format, output string) (string, error) {
	switch f := strings.ToLower(format); f {
	case "markdown", "md":
		return session.Markdown, nil
	case "html":
		return session.HTML, nil
	case "":
		switch strings.ToLower(filepath.Ext(output)) {
		case ".html", ".htm":
			return session.HTML, nil
		}
		return session.Markdown, nil
	default:
		return "", fmt.Errorf("--format %q: use markdown or html", format)
	}
}

func runbookRun(opts *RunbookOptions) error {
	format, err := runbookFormat(opts.Format, opts.Output)
	if err != nil {
		return BadInput(err)
	}
	if opts.Plan == "" && opts.State == "" {
		return BadInput(errors.New("give the plan to print with --plan plan.json (from lz2ct plan), or a run's state folder with --state DIR"))
	}

	if opts.oneShot != nil {
		opts.oneShot()
	}
	p, st, err := session.LoadRun(opts.Plan, opts.State)
	if err != nil {
		return BadInput(err)
	}

	ro := []runbook.Option{runbook.WithOperator(opts.Operator), runbook.WithTime(opts.Now().UTC())}
	if opts.Output == "" || opts.Output == "-" {
		// Render in memory first: bad input must never leave a half-written runbook behind.
		var buf bytes.Buffer
		if err := session.RenderRunbook(&buf, format, p, st, ro...); err != nil {
			return err
		}
		_, err := io.Copy(opts.IO.Out, &buf)
		return err
	}
	size, err := session.WriteRunbook(opts.Output, format, p, st, ro...)
	if err != nil {
		return fmt.Errorf("write the runbook: %w", err)
	}
	steps := 0
	for _, ph := range p.Phases {
		steps += len(ph.Steps)
	}
	fmt.Fprintf(opts.IO.ErrOut, "Wrote %s (%s runbook, %d phases, %d steps, %d KB)\n",
		opts.Output, format, len(p.Phases), steps, (size+1023)/1024)
	return nil
}
