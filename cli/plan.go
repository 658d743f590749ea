package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/lz2ct/lz2ct/checks"
	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/iostreams"
	"github.com/lz2ct/lz2ct/plans"
	"github.com/lz2ct/lz2ct/settings"
	"github.com/spf13/cobra"
)

func init() {
	register("", func(f *Factory) *cobra.Command { return NewCmdPlan(f, nil) })
}

// PlanOptions are the inputs of lz2ct plan.
type PlanOptions struct {
	IO           *iostreams.IOStreams
	SnapshotFile string
	SettingsFile string
	Output       string // -o: where the JSON plan goes
	Format       string // text | json | markdown, for stdout

	// Overrides holds the settings given as flags; set names the flags the user gave, so only
	// those replace the file's values.
	Overrides                   settings.Settings
	ExcludeOUs, ExcludeAccounts []string
	EnrollSharedServices        bool
	set                         map[string]bool
}

// NewCmdPlan builds "lz2ct plan". runF, when not nil, replaces the run function (tests).
func NewCmdPlan(f *Factory, runF func(*PlanOptions) error) *cobra.Command {
	opts := &PlanOptions{IO: f.IO}
	o := &opts.Overrides
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
			opts.set = map[string]bool{}
			for _, name := range []string{"home-region", "governed-regions", "log-archive-email", "audit-email", "log-archive-name",
				"audit-name", "ct-deploy", "config-removal", "ou-account-limit", "account-concurrency", "enroll-shared-services"} {
				opts.set[name] = cmd.Flags().Changed(name)
			}
			if runF != nil {
				return runF(opts)
			}
			return planRun(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.SnapshotFile, "snapshot", "", "snapshot file (from lz2ct discover or lz2ct sim generate) (required)")
	fl.StringVar(&opts.SettingsFile, "settings", "", "migration settings file, YAML or JSON (docs/settings.md)")
	fl.StringVarP(&opts.Output, "output", "o", "", "write the JSON plan to this file (atomically)")
	fl.StringVar(&opts.Format, "format", "text", "what to print: text, json or markdown")
	fl.StringVar(&o.HomeRegion, "home-region", "", "Control Tower home region (homeRegion)")
	fl.StringSliceVar(&o.GovernedRegions, "governed-regions", nil, "governed regions, comma-separated (governedRegions)")
	fl.StringVar(&o.LogArchiveEmail, "log-archive-email", "", "e-mail of the new Log Archive account (logArchiveEmail)")
	fl.StringVar(&o.AuditEmail, "audit-email", "", "e-mail of the new Audit account (auditEmail)")
	fl.StringVar(&o.LogArchiveAccountName, "log-archive-name", "", "name of the new Log Archive account (logArchiveAccountName)")
	fl.StringVar(&o.AuditAccountName, "audit-name", "", "name of the new Audit account (auditAccountName)")
	fl.StringVar(&o.CTDeploy, "ct-deploy", "", "how to deploy Control Tower: api or manual (ctDeploy)")
	fl.StringVar(&o.ConfigRemoval, "config-removal", "", "how to remove ALZ's AWS Config: stackset or direct (configRemoval)")
	fl.IntVar(&o.OUAccountLimit, "ou-account-limit", 0, "most accounts per OU registration, 1..1000 (ouAccountLimit)")
	fl.IntVar(&o.AccountConcurrency, "account-concurrency", 0, "account operations Control Tower runs at once, 1..10 (accountConcurrency)")
	fl.StringSliceVar(&opts.ExcludeOUs, "exclude-ou", nil, "OU ID or name path to leave alone; repeatable (exclude.ous, added to the file's)")
	fl.StringSliceVar(&opts.ExcludeAccounts, "exclude-account", nil, "account ID to leave alone; repeatable (exclude.accounts, added to the file's)")
	fl.BoolVar(&opts.EnrollSharedServices, "enroll-shared-services", true, "enroll ALZ's Shared Services account (enrollSharedServices)")
	return cmd
}

// planSettings reads the settings file (if any) and applies the flags the user gave on top.
func planSettings(opts *PlanOptions) (settings.Settings, error) {
	var s settings.Settings
	if opts.SettingsFile != "" {
		loaded, err := settings.Load(opts.SettingsFile)
		if err != nil {
			return s, err
		}
		s = *loaded
	}
	o := opts.Overrides
	set := opts.set
	str := func(flag string, dst *string, v string) {
		if set[flag] {
			*dst = v
		}
	}
	str("home-region", &s.HomeRegion, o.HomeRegion)
	str("log-archive-email", &s.LogArchiveEmail, o.LogArchiveEmail)
	str("audit-email", &s.AuditEmail, o.AuditEmail)
	str("log-archive-name", &s.LogArchiveAccountName, o.LogArchiveAccountName)
	str("audit-name", &s.AuditAccountName, o.AuditAccountName)
	str("ct-deploy", &s.CTDeploy, o.CTDeploy)
	str("config-removal", &s.ConfigRemoval, o.ConfigRemoval)
	if set["governed-regions"] {
		s.GovernedRegions = o.GovernedRegions
	}
	if set["ou-account-limit"] {
		s.OUAccountLimit = o.OUAccountLimit
		if s.OUAccountLimit == 0 {
			return s, fmt.Errorf("--ou-account-limit 0 is out of range 1..%d", settings.MaxOUAccountLimit)
		}
	}
	if set["account-concurrency"] {
		s.AccountConcurrency = o.AccountConcurrency
		if s.AccountConcurrency == 0 {
			return s, fmt.Errorf("--account-concurrency 0 is out of range 1..%d", settings.MaxAccountConcurrency)
		}
	}
	if set["enroll-shared-services"] {
		v := opts.EnrollSharedServices
		s.EnrollSharedServices = &v
	}
	s.Exclude.OUs = append(s.Exclude.OUs, opts.ExcludeOUs...)
	s.Exclude.Accounts = append(s.Exclude.Accounts, opts.ExcludeAccounts...)
	return s, nil
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
	if opts.SettingsFile == "" && !(opts.set["home-region"] || opts.set["log-archive-email"]) {
		return BadInput(errors.New("give --settings FILE (docs/settings.md) or at least --log-archive-email and --audit-email"))
	}
	data, err := os.ReadFile(opts.SnapshotFile)
	if err != nil {
		return BadInput(fmt.Errorf("read snapshot: %w", err))
	}
	snap, err := inventory.Decode(data)
	if err != nil {
		return BadInput(fmt.Errorf("snapshot %s: %w", opts.SnapshotFile, err))
	}
	s, err := planSettings(opts)
	if err != nil {
		return BadInput(err)
	}
	s = s.Resolve(snap)
	if err := s.Validate(snap); err != nil {
		where := "settings"
		if opts.SettingsFile != "" {
			where = opts.SettingsFile
		}
		return BadInput(fmt.Errorf("%s: %w", where, err))
	}
	report := checks.Run(checks.Input{Snapshot: snap, Settings: s})
	p, err := plans.Build(snap, s, report)
	if err != nil {
		return BadInput(err)
	}
	p.SnapshotHash = plans.SnapshotHash(data)
	p.CreatedFrom = filepath.ToSlash(opts.SnapshotFile) + ": " + p.CreatedFrom

	if opts.Output != "" {
		if err := plans.Save(opts.Output, p); err != nil {
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
