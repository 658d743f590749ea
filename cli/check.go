package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/lz2ct/lz2ct/checks"
	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/iostreams"
	"github.com/lz2ct/lz2ct/session"
	"github.com/lz2ct/lz2ct/settings"
	"github.com/spf13/cobra"
)

func init() {
	register("", func(f *Factory) *cobra.Command { return NewCmdCheck(f, nil) })
}

// CheckOptions are the inputs of lz2ct check.
type CheckOptions struct {
	IO           *iostreams.IOStreams
	SnapshotFile string
	Format       string // table | json | markdown
	Severity     string // the least serious severity shown

	SettingsFlags // --settings and the flags that override it

	// AWS is for live mode (no --snapshot): discover the organization first, read-only.
	AWS AWSFlags
	// Context stops live discovery: the factory's Stop context, or a test's.
	Context context.Context
	// oneShot is the factory's OneShot, called for --snapshot (nil in tests).
	oneShot func()
}

// NewCmdCheck builds "lz2ct check". runF, when not nil, replaces the run function (tests).
func NewCmdCheck(f *Factory, runF func(*CheckOptions) error) *cobra.Command {
	opts := &CheckOptions{IO: f.IO, Context: f.StopContext(), oneShot: f.OneShot}
	cmd := &cobra.Command{
		Use:   "check (--snapshot FILE | [--profile P] [--region R] [--endpoint-url URL]) [--settings FILE] [flags]",
		Short: "Find everything that would make Control Tower setup, OU registration or enrollment fail (read-only)",
		Long: `Run every pre-check of the catalogue (docs/checks.md) over a snapshot and the migration
settings, and report the findings grouped by migration phase, blockers first. Each finding says
what is wrong, where, what to do, and whether a step of the migration plan fixes it.

Without --snapshot, check discovers the organization live first (read-only, the same calls as
lz2ct discover) with the default AWS credential chain and the connection flags of lz2ct discover
(--profile, --region, --endpoint-url, --regions, --concurrency, --role-name, --max-attempts, --rate).

Flags override the settings file key by key; without a home region, the IAM Identity Center
region is used, else the landing zone's or ALZ's home region.

Exit codes: 0 when no blocker remains that the plan cannot fix; 1 when there is such a blocker;
2 on bad input (unreadable or invalid snapshot or settings, unknown flag values); 3 when stopped
(Ctrl-C or SIGTERM during live discovery).
--severity only filters what is shown; the exit code always counts every blocker.`,
		Example: `  lz2ct check --snapshot testdata/orgs/alz2-typical.json --log-archive-email ct-logs@example.org --audit-email ct-audit@example.org
  lz2ct check --snapshot org.json --settings settings.yaml --severity blocker
  lz2ct check --snapshot org.json --settings settings.yaml --format json | jq '.findings[] | select(.fixedByPlan | not)'
  lz2ct check --snapshot org.json --settings settings.yaml --format markdown > prechecks.md
  lz2ct check --profile mgmt --region eu-west-1 --settings settings.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.record(cmd.Flags())
			opts.AWS.record(cmd.Flags())
			if runF != nil {
				return runF(opts)
			}
			return checkRun(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.SnapshotFile, "snapshot", "", "snapshot file (from lz2ct discover or lz2ct sim generate) (required)")
	fl.StringVar(&opts.Format, "format", "table", "output: table, json or markdown")
	fl.StringVar(&opts.Severity, "severity", "info", "show findings of this severity or worse: blocker, warning or info")
	opts.SettingsFlags.register(fl)
	opts.AWS.register(fl, "live mode: ")
	return cmd
}

func checkRun(opts *CheckOptions) error {
	switch opts.Format {
	case "table", "json", "markdown":
	default:
		return BadInput(fmt.Errorf("--format %q: use table, json or markdown", opts.Format))
	}
	minSev, err := checks.ParseSeverity(opts.Severity)
	if err != nil {
		return BadInput(fmt.Errorf("--severity: %w", err))
	}
	if opts.SnapshotFile != "" {
		if len(opts.AWS.given) > 0 {
			return BadInput(fmt.Errorf("--%s is for live discovery and cannot be combined with --snapshot", opts.AWS.given[0]))
		}
	} else if err := opts.AWS.validate(); err != nil {
		return BadInput(err)
	}
	// Settings first: a bad settings file should not cost a whole discovery.
	s, err := opts.load()
	if err != nil {
		return BadInput(err)
	}
	var snap *session.Snapshot
	if opts.SnapshotFile != "" {
		if opts.oneShot != nil {
			opts.oneShot()
		}
		if snap, err = session.ReadSnapshotUnhashed(opts.SnapshotFile); err != nil {
			return BadInput(err)
		}
	} else if snap, err = checkDiscover(opts); err != nil {
		return err
	}
	if s, err = session.SettingsForCheck(snap.Snapshot, s); err != nil {
		where := "settings"
		if opts.SettingsFile != "" {
			where = opts.SettingsFile
		}
		return BadInput(fmt.Errorf("%s: %w", where, err))
	}

	// The snapshot is this command's own: sorted in place, not copied.
	full := session.CheckOwned(snap.Snapshot, s)
	source := opts.SnapshotFile
	if source == "" {
		source = "live discovery"
	}
	doc := NewCheckDocument(source, snap.Snapshot, s, full, minSev)
	switch opts.Format {
	case "json":
		err = writeCheckJSON(opts.IO.Out, doc)
	case "markdown":
		err = writeCheckMarkdown(opts.IO.Out, doc)
	default:
		err = writeCheckTable(opts.IO.Out, doc, opts.IO.ColorEnabled())
	}
	if err != nil {
		return err
	}
	if doc.Summary.Unfixed > 0 {
		return &ExitError{Code: ExitFindings, Err: fmt.Errorf("%d blocker(s) the plan cannot fix", doc.Summary.Unfixed)}
	}
	return nil
}

// checkDiscover reads the organization live (read-only) for check without --snapshot. Progress goes
// to stderr only when it is a terminal, so piped JSON stays clean. The first SIGINT or SIGTERM
// stops it (the factory's Stop context); nothing has been changed, so there is nothing to undo.
func checkDiscover(opts *CheckOptions) (*session.Snapshot, error) {
	ctx := opts.Context
	if ctx == nil {
		ctx = context.Background()
	}
	aopts, dopts := opts.AWS.options()
	// The bar lz2ct discover draws: progress arrives with every AWS call, the bar redraws at most
	// ten times a second. It also carries the AWS SDK's own log lines, on stderr.
	bar := newProgressBar(opts.IO.ErrOut, opts.IO.IsStderrTTY())
	if opts.IO.IsStderrTTY() {
		dopts.Progress = bar.update
	}
	sdk := bar.sdkLog()
	aopts.Logger = sdk
	snap, err := session.DiscoverWith(ctx, aopts, dopts)
	bar.finish()
	reportSDKLog(opts.IO.ErrOut, sdk)
	var ce *session.CredentialsError
	if errors.As(err, &ce) {
		return nil, BadInput(err)
	}
	return snap, err // discover.ErrFatal exits 2 (ExitCode)
}

// CheckDocument is the JSON output of lz2ct check (docs/checks.md, "JSON output"). Fields are only
// ever added, never renamed, so CI gates keep working.
type CheckDocument struct {
	SchemaVersion int              `json:"schemaVersion"`
	Snapshot      string           `json:"snapshot"`
	Organization  string           `json:"organization"`
	HomeRegion    string           `json:"homeRegion"`
	Governed      []string         `json:"governedRegions"`
	Severity      checks.Severity  `json:"severity"` // the least serious severity shown
	Summary       CheckSummary     `json:"summary"`
	Findings      []checks.Finding `json:"findings"`
}

// CheckSummary counts every finding (not only the ones shown).
type CheckSummary struct {
	Blockers int `json:"blockers"`
	Warnings int `json:"warnings"`
	Infos    int `json:"infos"`
	// Unfixed are the blockers no plan step fixes; the exit code is 1 when it is not 0.
	Unfixed int `json:"unfixedBlockers"`
	// FixedByPlan are the blockers the plan fixes by itself.
	FixedByPlan int `json:"fixedByPlan"`
}

// NewCheckDocument assembles the report of one check run, showing findings of severity minSev or
// worse; the summary always counts every finding.
func NewCheckDocument(file string, snap *inventory.Snapshot, s settings.Settings, full checks.Report, minSev checks.Severity) CheckDocument {
	d := CheckDocument{
		SchemaVersion: 1, Snapshot: file, Organization: snap.Organization.ID,
		HomeRegion: s.HomeRegion, Governed: s.GovernedRegions, Severity: minSev,
		Findings: full.AtLeast(minSev).Findings,
		Summary:  CheckSummary{Blockers: full.Blockers, Warnings: full.Warnings, Infos: full.Infos, Unfixed: len(full.Unfixed())},
	}
	if d.Governed == nil {
		d.Governed = []string{}
	}
	d.Summary.FixedByPlan = full.Blockers - d.Summary.Unfixed
	return d
}

func writeCheckJSON(w io.Writer, d CheckDocument) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // evidence quotes ARNs like arn:aws:iam::<account>:role/...
	enc.SetIndent("", "  ")
	return enc.Encode(d)
}

// checkStyles are the table's colours; plain text when colour is off.
type checkStyles struct {
	blocker, warning, info, fixed, heading, dim, banner, ok func(string) string
}

func newCheckStyles(color bool) checkStyles {
	plain := func(s string) string { return s }
	if !color {
		return checkStyles{plain, plain, plain, plain, plain, plain, plain, plain}
	}
	r := func(st lipgloss.Style) func(string) string { return func(s string) string { return st.Render(s) } }
	red, yellow, blue, green := lipgloss.Color("#E0354B"), lipgloss.Color("#D79921"), lipgloss.Color("#458588"), lipgloss.Color("#98971A")
	return checkStyles{
		blocker: r(lipgloss.NewStyle().Foreground(red).Bold(true)),
		warning: r(lipgloss.NewStyle().Foreground(yellow).Bold(true)),
		info:    r(lipgloss.NewStyle().Foreground(blue)),
		fixed:   r(lipgloss.NewStyle().Foreground(green)),
		heading: r(lipgloss.NewStyle().Bold(true).Underline(true)),
		dim:     r(lipgloss.NewStyle().Faint(true)),
		banner:  r(lipgloss.NewStyle().Foreground(lipgloss.Color("#FFFFFF")).Background(red).Bold(true).Padding(0, 1)),
		ok:      r(lipgloss.NewStyle().Foreground(green).Bold(true)),
	}
}

// maxEvidence is how many evidence lines the table shows per finding (JSON has them all).
const maxEvidence = 4

func writeCheckTable(w io.Writer, d CheckDocument, color bool) error {
	st := newCheckStyles(color)
	var b strings.Builder
	sum := d.Summary
	fmt.Fprintf(&b, "Pre-checks for %s (home region %s, governed %s)\n", d.Organization, orDash(d.HomeRegion), orDash(strings.Join(d.Governed, ", ")))
	fmt.Fprintf(&b, "%s (%d fixed by the plan), %s, %d for information\n\n", plural(sum.Blockers, "blocker"), sum.FixedByPlan, plural(sum.Warnings, "warning"), sum.Infos)
	if sum.Unfixed > 0 {
		b.WriteString(st.banner(fmt.Sprintf("✖ %d BLOCKER(S) THE PLAN CANNOT FIX — resolve them before migrating", sum.Unfixed)) + "\n")
		for _, f := range d.Findings {
			if f.Severity == checks.Blocker && !f.FixedByPlan {
				fmt.Fprintf(&b, "  %s %s\n", st.blocker("✖"), f.Title)
			}
		}
		b.WriteString("\n")
	} else {
		b.WriteString(st.ok("✔ No blocker the plan cannot fix.") + "\n\n")
	}
	for _, g := range byPhase(d.Findings) {
		ph, fs := g.phase, g.findings
		b.WriteString(st.heading(strings.ToUpper(string(ph))) + "\n")
		for _, f := range fs { // already sorted: blockers first
			label := map[checks.Severity]func(string) string{checks.Blocker: st.blocker, checks.Warning: st.warning}[f.Severity]
			if label == nil {
				label = st.info
			}
			tag := ""
			if f.FixedByPlan {
				tag = " " + st.fixed("[fixed by plan]")
			}
			fmt.Fprintf(&b, "  %s %s%s\n", label(fmt.Sprintf("%-7s", strings.ToUpper(string(f.Severity)))), f.Title, tag)
			fmt.Fprintf(&b, "          %s\n", st.dim(f.Check))
			for i, e := range f.Evidence {
				if i == maxEvidence {
					fmt.Fprintf(&b, "          %s\n", st.dim(fmt.Sprintf("… %d more (see --format json)", len(f.Evidence)-maxEvidence)))
					break
				}
				fmt.Fprintf(&b, "          · %s\n", e)
			}
			fmt.Fprintf(&b, "          → %s\n", f.Remediation)
		}
		b.WriteString("\n")
	}
	if len(d.Findings) == 0 {
		b.WriteString("Nothing to report at this severity.\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

type phaseFindings struct {
	phase    checks.Phase
	findings []checks.Finding
}

// byPhase groups findings by the phase they block, in migration order, keeping each group's order
// (blockers first); phases without findings are left out (every check's phase is in checks.Phases).
func byPhase(fs []checks.Finding) []phaseFindings {
	var out []phaseFindings
	for _, ph := range checks.Phases {
		g := phaseFindings{phase: ph}
		for _, f := range fs {
			if f.Phase == ph {
				g.findings = append(g.findings, f)
			}
		}
		if len(g.findings) > 0 {
			out = append(out, g)
		}
	}
	return out
}

func writeCheckMarkdown(w io.Writer, d CheckDocument) error {
	var b strings.Builder
	sum := d.Summary
	fmt.Fprintf(&b, "# Pre-checks: %s\n\n", d.Organization)
	fmt.Fprintf(&b, "Snapshot `%s`, home region `%s`, governed regions %s.\n\n", d.Snapshot, orDash(d.HomeRegion), orDash(strings.Join(d.Governed, ", ")))
	fmt.Fprintf(&b, "**%d blockers** (%d fixed by the plan, **%d the plan cannot fix**), %d warnings, %d for information.\n\n",
		sum.Blockers, sum.FixedByPlan, sum.Unfixed, sum.Warnings, sum.Infos)
	for _, g := range byPhase(d.Findings) {
		ph, fs := g.phase, g.findings
		fmt.Fprintf(&b, "## Phase: %s\n\n", ph)
		for _, f := range fs {
			fixed := ""
			if f.FixedByPlan {
				fixed = " — *fixed by the plan*"
			}
			fmt.Fprintf(&b, "### %s: %s%s\n\n", strings.ToUpper(string(f.Severity)), mdEscape(f.Title), fixed)
			fmt.Fprintf(&b, "Check `%s` · [AWS documentation](%s)\n\n", f.Check, f.Source)
			for _, e := range f.Evidence {
				fmt.Fprintf(&b, "- %s\n", mdEscape(e))
			}
			fmt.Fprintf(&b, "\n**Remediation:** %s\n\n", mdEscape(f.Remediation))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func mdEscape(s string) string {
	return strings.NewReplacer("<", "&lt;", ">", "&gt;", "*", "\\*", "_", "\\_").Replace(s)
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
