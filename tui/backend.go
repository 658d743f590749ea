// Package tui is lz2ct's terminal wizard: a Bubble Tea program that walks one migration session —
// connect, discover, pre-checks, decisions, plan review, runbook — and says at the end where
// everything was saved and how to continue from the command line.
//
// The wizard holds screens only: it never calls AWS, holds no migration logic and writes no file
// itself. Everything below the UI goes through Backend, which the command line implements over the
// session package (discover, checks, plans, runbooks and the state folder), and screens render the
// small view models defined here. That keeps every screen testable with plain values, and keeps
// this package free of the AWS SDK (a test lists its dependencies).
package tui

import (
	"context"
	"time"

	"github.com/lz2ct/lz2ct/checks"
	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/plans"
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
	// reporting progress as it goes, and returns it with its snapshot file's bytes (the plan
	// records their hash). Cancelling ctx stops it.
	Discover(ctx context.Context, progress func(Progress)) (*inventory.Snapshot, []byte, error)
	// Check runs the pre-checks with resolved settings.
	Check(snap *inventory.Snapshot, s settings.Settings) (*CheckResult, error)
	// HomeRegionFindings runs only the pre-checks that judge the home region against the
	// organization (IAM Identity Center's region, an existing landing zone's), fast enough to run
	// as the user picks a region in the form.
	HomeRegionFindings(snap *inventory.Snapshot, s settings.Settings) []Finding
	// Plan builds the migration plan from the snapshot file's bytes (for its hash), the snapshot,
	// resolved settings and the pre-check result.
	Plan(snapData []byte, snap *inventory.Snapshot, s settings.Settings, checks *CheckResult) (*PlanResult, error)

	// The state folder dir (statefolder.Folder names its files) is written through the session
	// layer alone, which owns its layout and keeps its files private.

	// LoadSettings reads the settings a previous session saved in dir; nil when there are none.
	LoadSettings(dir string) (*settings.Settings, error)
	// SaveSnapshot writes the snapshot file's bytes into dir.
	SaveSnapshot(dir string, data []byte) error
	// SaveSettings writes the decisions into dir.
	SaveSettings(dir string, s settings.Settings) error
	// SavePlan writes dir's plan file; it refuses once a run has started from the plan there.
	SavePlan(dir string, p *PlanResult) error
	// Runbooks writes the plan as Markdown and HTML runbooks into dir, with each step's status
	// when a run has started, and returns the files written (Markdown first).
	Runbooks(dir string, p *PlanResult) ([]string, error)

	// Carrying the plan out (the session layer's apply and resume, on the same state folder).

	// FindRun reports the run recorded in dir; nil (and no error) when no run has started there.
	FindRun(dir string) (*RunInfo, error)
	// LoadRun reads the plan of the run recorded in dir, to resume it.
	LoadRun(dir string) (*PlanResult, error)
	// Intent says what applying p in dir would do, phase by phase; it refuses a plan the folder
	// cannot run (another organization's, or another plan once a run started).
	Intent(dir string, p *PlanResult) (*ApplyIntent, error)
	// Apply carries out the plan in dir (p nil: resume the folder's own run) and returns when the
	// run ends, reporting where it stands as it goes (newest view only). Cancelling stop ends it at
	// the next safe point (calls in flight finish and are recorded); cancelling ctx ends it at once.
	Apply(ctx, stop context.Context, dir string, p *PlanResult, progress func(RunView)) (*RunSummary, error)
	// ConfirmStep records that the operator did a manual step of the run in progress (as lz2ct
	// confirm does).
	ConfirmStep(stepID, note string) error
	// ConfirmOrganization lets decommission and account closure start in the run in progress, once
	// typed is the plan's organization ID.
	ConfirmOrganization(typed string) error

	// Rehearse runs plan p against a simulator of its own snapshot (snap, and snapData the snapshot
	// file's bytes the plan was made from) started in this process, with its own temporary state
	// folder: it never reaches AWS and never touches the state folder. It reports progress as it
	// goes (newest only). Cancelling ctx stops it at the next safe point; it returns once its
	// simulator and temporary folder are gone (Stopped set).
	Rehearse(ctx context.Context, snapData []byte, snap *inventory.Snapshot, p *PlanResult, progress func(RehearsalProgress)) (*RehearsalResult, error)
}

// RehearsalProgress is where a rehearsal stands: steps done and failed of the plan's, and the time
// passed on the simulated clock.
type RehearsalProgress struct {
	Done, Failed, Total int
	Simulated           time.Duration
	// Step is the step that last started or ended.
	Step string
}

// RehearsalResult is how a rehearsal ended: per phase the simulated time beside the plan's
// estimate, what would fail, what would not start, and what the real run will ask of the operator.
type RehearsalResult struct {
	Organization string
	// Finished: every step finished. Stopped: the user stopped it. Stuck names a step that still
	// waited after the rehearsal's operator confirmed it (the rehearsal stopped there).
	Finished, Stopped bool
	Stuck             string
	// Wall is the rehearsal's own time; Simulated the whole run's, on the simulated clock, beside
	// the plan's estimate (EstimateLower to Estimate).
	Wall, Simulated         time.Duration
	EstimateLower, Estimate time.Duration
	TimeScale               float64
	Phases                  []RehearsedPhase
	Failed, NotStarted      []StepOutcome
	// Manual are the steps the real run will wait for the operator to do; OrganizationTyped says
	// that it will ask for the organization ID before decommission.
	Manual            []StepOutcome
	OrganizationTyped bool
	// Calls and MutatingCalls were answered by the rehearsal's simulator: none went to AWS.
	Calls, MutatingCalls int
}

// RehearsedPhase is one phase of a rehearsal.
type RehearsedPhase struct {
	Number                                  int
	Name                                    string
	Steps, Done, Failed, NotStarted, Manual int
	// Simulated is the time at least one of its steps ran; Span its first start to its last end.
	Simulated, Span         time.Duration
	EstimateLower, Estimate time.Duration
}

// RunInfo is a run recorded in a state folder, as the start screen offers to resume it.
type RunInfo struct {
	Dir, Organization string
	Done, Total       int
	Failed, Waiting   int
	// Active is true while another process holds the folder (Holder names it).
	Active bool
	Holder string
	// Where is where it stopped ("phase 4 Register OUs, enroll accounts"); Next the first steps
	// not done.
	Where string
	Next  []string
	// LastNote, LastBy and LastTime are the newest run event: why it ended, who, when.
	LastNote, LastBy string
	LastTime         time.Time
	// Open are AWS operations the journal has no outcome for: running in AWS now, or ended there
	// unseen (resume re-attaches to them).
	Open []RunStep
}

// ApplyIntent is what a run will do, shown before it starts.
type ApplyIntent struct {
	Organization string
	Phases       []PhaseIntent
	// Gate says what typing the organization ID allows ("" when the run has no such step).
	Gate string
}

// PhaseIntent is one phase of an ApplyIntent.
type PhaseIntent struct {
	Number                          int
	Name                            string
	ToRun, DoneBefore               int
	Destructive, Manual, NeedsTyped int
}

// RunView is where a run stands, as the apply dashboard shows it.
type RunView struct {
	Organization string
	Phases       []RunPhase
	Done, Total  int
	// Started is the run's first step; Remaining the time left (wall clock), from the plan's
	// estimate corrected by what was measured (Factor); Scale is a simulator's time scale (1 = AWS).
	Started   time.Time
	Remaining time.Duration
	Factor    float64
	Scale     float64
	// ControlTower are Control Tower's operations running; Next its queue after them.
	ControlTower, Next []RunStep
	InFlight           []RunStep
	Failed             []RunStep
	Waiting            []RunStep
	// Gate, when set, says what typing the organization ID allows: those steps are ready.
	Gate string
	// Log is the newest progress lines, oldest first.
	Log []string
}

// RunPhase is one phase's progress.
type RunPhase struct {
	Number                         int
	Name                           string
	Done, Running, Failed, Waiting int
	Total                          int
	Remaining                      time.Duration
}

// RunStep is one step in the dashboard: running, queued, failed or waiting.
type RunStep struct {
	ID, Title, Scope string
	Phase            int
	Since            time.Time
	// Expected is the step's estimate (wall clock: scaled like the run).
	Expected     time.Duration
	OperationID  string
	Error        string
	Advice       string
	Instructions []string
	// Commands: the commands a manual step's instructions refer to (its CLI), shown as they are.
	Commands    []string
	ConfirmedBy string
}

// RunSummary is how a run ended, for the done screen.
type RunSummary struct {
	Organization string
	Stopped      bool
	Elapsed      time.Duration
	Done         []StepOutcome
	Previously   int
	Failed       []StepOutcome
	Waiting      []StepOutcome
	Interrupted  []StepOutcome
	NotStarted   []StepOutcome
	// Complete is true when every step of the plan is done.
	Complete bool
	// Kept is what the plan leaves in place on purpose, with the reason.
	Kept []KeptView
	// Runbooks are the runbooks written with the final state (Markdown first).
	Runbooks []string
}

// StepOutcome is one step of a RunSummary.
type StepOutcome struct {
	ID, Title   string
	Phase       int
	Error       string
	Advice      string
	Reason      string
	OperationID string
}

// KeptView is one resource the plan leaves in place.
type KeptView struct{ Resource, Reason string }

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
	Stage string
	// AccountsFound counts accounts listed while the organization is walked (AccountsTotal is 0
	// until the walk ends).
	AccountsFound               int
	AccountsDone, AccountsTotal int
	Calls, Problems             int
	// Remaining is discovery's estimate of the time left; 0 while it cannot tell.
	Remaining time.Duration
}

// CheckResult is a pre-check report as the wizard shows it.
type CheckResult struct {
	Findings                  []Finding
	Blockers, Warnings, Infos int
	// Unfixed counts blockers the plan cannot fix.
	Unfixed int
	// Report is the checks package's own report, handed back to Plan.
	Report checks.Report
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
	Plan *plans.Plan // nil in tests of the screens alone
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
