package cli

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/lz2ct/lz2ct/iostreams"
	"github.com/lz2ct/lz2ct/plans"
	"github.com/lz2ct/lz2ct/session"
	"github.com/spf13/cobra"
)

func init() {
	register("", func(f *Factory) *cobra.Command { return NewCmdPlan(f, nil) })
}

// PlanOptions are the inputs of lz2ct plan.
type PlanOptions struct {
	IO           *iostreams.IOStreams
	SnapshotFile string
	Output       string // -o: where the JSON plan goes
	Format       string // text | json | markdown, for stdout

	SettingsFlags // --settings and the flags that override it
	// oneShot is the factory's OneShot (nil in tests): plan reads one snapshot, writes one plan
	// and exits.
	oneShot func()
}

// NewCmdPlan builds "lz2ct plan". runF, when not nil, replaces the run function (tests).
func NewCmdPlan(f *Factory, runF func(*PlanOptions) error) *cobra.Command {
	opts := &PlanOptions{IO: f.IO, oneShot: f.OneShot}
	cmd := &cobra.Command{
		Use:   "plan --snapshot FILE [--settings FILE] [-o plan.json]",
		Short: "Build the migration plan from a snapshot and the migration settings (read-only)",
		Long: `Build the ordered migration plan — phases 0 (safeguard) to 6 (decommission), every step with
its ID, dependencies, guard, AWS CLI commands and rollback note — from a snapshot and the
migration settings (docs/settings.md). Flags override the settings file key by key. The pre-checks
run first; blockers appear on the phase they block, and the plan is still produced for review.

-o writes the JSON plan that lz2ct apply executes (it records the snapshot's hash and the resolved
settings). --format chooses what is printed: a text summary, the JSON plan, or compact Markdown.

Exits 2 when the snapshot or the settings are invalid (the message names the key).`,
		Example: `  lz2ct plan --snapshot testdata/orgs/alz2-typical.json --settings testdata/settings/alz2-typical.yaml
  lz2ct plan --snapshot org.json --settings settings.yaml -o plan.json
  lz2ct plan --snapshot org.json --home-region eu-west-1 --log-archive-email log@example.org \
      --audit-email audit@example.org --format json | jq '.phases[4].steps | length'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.record(cmd.Flags())
			if runF != nil {
				return runF(opts)
			}
			return planRun(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.SnapshotFile, "snapshot", "", "snapshot file (from lz2ct discover or lz2ct sim generate) (required)")
	fl.StringVarP(&opts.Output, "output", "o", "", "write the JSON plan to this file (atomically)")
	fl.StringVar(&opts.Format, "format", "text", "what to print: text, json or markdown")
	opts.SettingsFlags.register(fl)
	return cmd
}

func planRun(opts *PlanOptions) error {
	switch opts.Format {
	case "text", "json", "markdown":
	default:
		return BadInput(fmt.Errorf("--format %q: use text, json or markdown", opts.Format))
	}
	if opts.SnapshotFile == "" {
		return BadInput(errors.New("--snapshot is required: a snapshot file from lz2ct discover or lz2ct sim generate"))
	}
	if opts.SettingsFile == "" && !(opts.set["log-archive-email"] && opts.set["audit-email"]) {
		return BadInput(errors.New("give --settings FILE (docs/settings.md) or at least --log-archive-email and --audit-email"))
	}
	if opts.oneShot != nil {
		opts.oneShot()
	}
	snap, err := session.ReadSnapshot(opts.SnapshotFile)
	if err != nil {
		return BadInput(err)
	}
	s, err := opts.load()
	if err != nil {
		return BadInput(err)
	}
	if s, err = session.SettingsForPlan(snap.Snapshot, s); err != nil {
		where := "settings"
		if opts.SettingsFile != "" {
			where = opts.SettingsFile
		}
		return BadInput(fmt.Errorf("%s: %w", where, err))
	}
	report, p, err := session.CheckAndPlan(snap, s)
	if err != nil {
		return BadInput(err)
	}
	p.CreatedFrom = filepath.ToSlash(opts.SnapshotFile) + ": " + p.CreatedFrom

	if opts.Output != "" {
		if err := session.WritePlan(opts.Output, p); err != nil {
			if errors.Is(err, session.ErrRunStarted) {
				return BadInput(err)
			}
			return err
		}
	}
	out := opts.IO.Out
	switch opts.Format {
	case "json":
		if opts.Output != "" {
			break // the plan is in the file; do not print it twice
		}
		b, err := p.Encode()
		if err != nil {
			return err
		}
		_, err = out.Write(b)
		return err
	case "markdown":
		return plans.WriteMarkdown(out, p)
	default:
		if err := plans.WriteText(out, p, 25); err != nil {
			return err
		}
	}
	if opts.Output != "" {
		fmt.Fprintf(opts.IO.ErrOut, "Plan written to %s (%d steps, snapshot %s)\n", opts.Output, p.StepCount(), shortHash(p.SnapshotHash))
	}
	if n := len(report.Unfixed()); n > 0 {
		fmt.Fprintf(opts.IO.ErrOut, "%d blocker(s) must be resolved before the phases they block can run; see lz2ct check\n", n)
	}
	return nil
}

func shortHash(h string) string {
	if i := strings.IndexByte(h, ':'); i >= 0 && len(h) > i+13 {
		return h[:i+13]
	}
	return h
}
