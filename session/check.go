package session

import (
	"errors"
	"strings"

	"github.com/lz2ct/lz2ct/checks"
	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/plans"
	"github.com/lz2ct/lz2ct/scope"
	"github.com/lz2ct/lz2ct/settings"
)

// Check runs every pre-check of the catalogue with settings resolved for snap.
func Check(snap *inventory.Snapshot, s settings.Settings) checks.Report {
	return checks.Run(checks.Input{Snapshot: snap, Settings: s})
}

// CheckOwned is Check for a snapshot the caller hands over, as lz2ct check does with the one it
// read: its lists are sorted in place rather than in a copy (scope.NewOwned). The wizard, which
// re-checks a snapshot it keeps an index on, uses Check.
func CheckOwned(snap *inventory.Snapshot, s settings.Settings) checks.Report {
	return checks.Run(checks.PrepareWith(scope.NewOwned(snap, s)))
}

// CheckAndPlan runs the pre-checks and builds the plan over one scope, computed once: on a large
// organization the scope (the snapshot in canonical order and the dispositions) is much of the
// work of each. The same as Check then Plan. The caller hands snap over, as to CheckOwned (lz2ct
// plan read it from a file): it is put in canonical order in place.
func CheckAndPlan(snap *Snapshot, s settings.Settings) (checks.Report, *plans.Plan, error) {
	sc := scope.NewOwned(snap.Snapshot, s)
	report := checks.Run(checks.PrepareWith(sc))
	p, err := plans.BuildFrom(sc, report)
	if err != nil {
		return report, nil, err
	}
	p.SnapshotHash = snap.SnapshotHash()
	return report, p, nil
}

// homeRegionChecks are the catalogue entries that compare settings.homeRegion with the organization.
var homeRegionChecks = []string{"ct.identity-center-region", "ct.home-region"}

// HomeRegionFindings runs only the pre-checks that judge the home region against the organization
// (IAM Identity Center's region, an existing landing zone's), fast enough to run while the user
// picks a region; the findings are those of the full report (checks.RunCheck).
func HomeRegionFindings(snap *inventory.Snapshot, s settings.Settings) []checks.Finding {
	in := checks.Prepare(checks.Input{Snapshot: snap, Settings: s})
	var fs []checks.Finding
	for _, id := range homeRegionChecks {
		if c, ok := checks.Lookup(id); ok {
			fs = append(fs, checks.RunCheck(c, in)...)
		}
	}
	return fs
}

// ReportedByChecks tells the settings problems the pre-checks report themselves, as findings with
// what to do: the shared accounts' e-mails and the accounts × regions bound. `lz2ct check` shows
// them with the rest instead of refusing to run.
func ReportedByChecks(fe settings.FieldError) bool {
	return fe.Key == "logArchiveEmail" || fe.Key == "auditEmail" ||
		(fe.Key == "governedRegions" && strings.Contains(fe.Msg, "150,000"))
}

// SettingsForCheck resolves s for snap and validates it, leaving to the pre-checks the problems
// they report themselves (ReportedByChecks). The error is a *settings.ValidationError or the
// resolution's own.
func SettingsForCheck(snap *inventory.Snapshot, s settings.Settings) (settings.Settings, error) {
	s = s.Resolve(snap)
	err := s.Validate(snap)
	var ve *settings.ValidationError
	if err == nil || !errors.As(err, &ve) {
		return s, err
	}
	var rest []settings.FieldError
	for _, p := range ve.Problems {
		if !ReportedByChecks(p) {
			rest = append(rest, p)
		}
	}
	if len(rest) > 0 {
		return s, &settings.ValidationError{Problems: rest}
	}
	return s, nil
}

// SettingsForPlan resolves s for snap and validates it: a plan is only built from valid settings.
func SettingsForPlan(snap *inventory.Snapshot, s settings.Settings) (settings.Settings, error) {
	s = s.Resolve(snap)
	return s, s.Validate(snap)
}

// Plan builds the migration plan from a snapshot, resolved and valid settings and the pre-check
// report for them, and records the snapshot file's hash so that apply can refuse a stale plan.
func Plan(snap *Snapshot, s settings.Settings, report checks.Report) (*plans.Plan, error) {
	p, err := plans.Build(snap.Snapshot, s, report)
	if err != nil {
		return nil, err
	}
	p.SnapshotHash = snap.SnapshotHash()
	return p, nil
}
