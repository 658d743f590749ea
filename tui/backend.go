// Package tui is lz2ct's terminal wizard: a Bubble Tea program that walks one migration session —
// connect, discover, pre-checks, decisions, plan review, runbook — and says at the end where
// everything was saved and how to continue from the command line.
//
// The wizard never calls AWS and holds no migration logic. Everything below the UI goes through
// Backend (live.go wires it to inventory/discover, checks, plans and plans/runbook), and screens
// render the small view models defined here. That keeps every screen testable with plain values
// and lets the same Backend drive the non-interactive `lz2ct demo`.
package tui

import (
	"context"
	"time"

	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/settings"
)

// Backend is what the wizard asks of the packages below the UI. Every method may block on I/O;
// the wizard only calls them from tea.Cmds.
type Backend interface {
	// Targets lists what the start screen offers: the demo organization and/or AWS profiles.
	Targets() ([]Target, error)
	// Connect resolves credentials for target and says who they belong to; Identity.Management
	// is false for any account but the organization's management account (the wizard refuses it).
	Connect(ctx context.Context, target Target) (Identity, error)
	// Discover reads the organization (read-only) through the connection made by Connect,
	// reporting progress as it goes. Cancelling ctx stops it.
	Discover(ctx context.Context, progress func(Progress)) (*inventory.Snapshot, error)
	// Check runs the pre-checks with resolved settings.
	Check(snap *inventory.Snapshot, s settings.Settings) (*CheckResult, error)
	// HomeRegionFindings runs only the pre-checks that judge the home region against the
	// organization (IAM Identity Center's region, an existing landing zone's), fast enough to run
	// as the user picks a region in the form.
	HomeRegionFindings(snap *inventory.Snapshot, s settings.Settings) []Finding
	// Plan builds the migration plan from the snapshot file's bytes (for its hash), the snapshot,
	// resolved settings and the pre-check result.
	Plan(snapData []byte, snap *inventory.Snapshot, s settings.Settings, checks *CheckResult) (*PlanResult, error)
	// SavePlan writes the plan file.
	SavePlan(path string, p *PlanResult) error
	// Runbook writes the plan as a runbook; format is "md" or "html"; stateDir may hold a journal.
	Runbook(path, format string, p *PlanResult, stateDir string) error
}

// Target is one way to reach an organization: a named AWS profile or the built-in demo.
type Target struct {
	Kind    string // "demo" | "profile"
	Name    string // profile name ("" = the default credential chain)
	Detail  string // what to show next to it (region, SSO, source file)
	Profile string
}

// Target kinds.
const (
	TargetDemo    = "demo"
	TargetProfile = "profile"
)

// Identity is GetCallerIdentity plus the organization the caller manages.
type Identity struct {
	Account, Arn   string
	OrganizationID string
	// ManagementAccount is the organization's management account ID.
	ManagementAccount string
	// Management is true when Account is the organization's management account.
	Management bool
	// EndpointURL is set when talking to a simulator rather than AWS.
	EndpointURL string
}

// Progress is a discovery progress report (discover.Progress, copied so screens do not depend on
// the discovery package).
type Progress struct {
	Stage                       string
	AccountsDone, AccountsTotal int
	Calls, Problems             int
}

// CheckResult is a pre-check report as the wizard shows it.
type CheckResult struct {
	Findings                  []Finding
	Blockers, Warnings, Infos int
	// Unfixed counts blockers the plan cannot fix.
	Unfixed int
	// Report is the checks package's own report, handed back to Plan.
	Report any
}

// Finding is one pre-check finding (checks.Finding).
type Finding struct {
	Check, Title string
	Severity     string // "blocker" | "warning" | "info"
	Phase        string
	Subjects     []Subject
	Evidence     []string
	Remediation  string
	FixedByPlan  bool
	Source       string
}

// Subject is what a finding is about: an account, OU, policy, region, service or the organization.
type Subject struct{ Kind, ID, Name string }

// Severities, most severe first.
const (
	SeverityBlocker = "blocker"
	SeverityWarning = "warning"
	SeverityInfo    = "info"
)

// PlanResult is a built plan: the view the plan screen shows and the plan itself for saving and
// runbook export.
type PlanResult struct {
	View PlanView
	Plan any
}

// PlanView is the part of a plan the review screen shows.
type PlanView struct {
	Organization string
	Phases       []PhaseView
	OUs          []OUView
	Accounts     map[string]int // disposition ("enroll", "ou-registration", ...) -> count
	AccountList  []AccountView  // every account with its disposition
	Total        time.Duration
	Assumptions  []string
}

// PhaseView is one phase with its steps.
type PhaseView struct {
	Number            int
	ID, Name, Summary string
	Estimate          time.Duration
	Steps             []StepView
}

// StepView is one plan step.
type StepView struct {
	ID, Kind, Title, Why string
	Target               string
	DependsOn            []string
	Destructive, Manual  bool
	CLI                  []string
	Guard, Expected      string
	Rollback, Blocked    string
}

// OUView is one OU in registration order; Order 0 means not registered by the plan.
type OUView struct {
	OUID, Path      string
	Depth, Accounts int
	Order           int
	Skipped         bool
	Reason          string
}

// AccountView is what the plan does with one account.
type AccountView struct {
	ID, Name, How, Reason, By string
}
