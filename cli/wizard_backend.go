package cli

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/aws/smithy-go/logging"

	"github.com/lz2ct/lz2ct/awsapi"
	"github.com/lz2ct/lz2ct/checks"
	"github.com/lz2ct/lz2ct/engine"
	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/inventory/discover"
	"github.com/lz2ct/lz2ct/session"
	"github.com/lz2ct/lz2ct/settings"
	"github.com/lz2ct/lz2ct/tui"
)

// wizardBackend is the wizard's tui.Backend over the session layer: it turns the session's values
// into the screens' view models and back. It holds no migration logic of its own, so that the
// wizard and the commands run the same session.
type wizardBackend struct {
	// demoURL is the in-process simulator's endpoint; when set, the start screen offers the demo
	// (and only the demo: a demo session never touches AWS).
	demoURL string
	// aws says how to reach AWS for a profile (region, endpoint); the profile comes from the target.
	aws awsapi.Options
	// discover tunes discovery (regions, concurrency).
	discover discover.Options

	// timeScale is the simulator's time scale (the demo): the engine scales its waits by it and
	// the dashboard its times; 0 = real time.
	timeScale float64
	// hard is main's hard context: its end stops a run at once (the first signal stops it at a safe
	// point through the wizard's own context).
	hard context.Context

	mu   sync.Mutex
	conn *session.Connection // set by Connect to a management account
	live *liveRun            // the run in progress (Apply)
}

var _ tui.Backend = (*wizardBackend)(nil)

// Targets lists the demo (in demo mode) or the AWS profiles.
func (w *wizardBackend) Targets() ([]tui.Target, error) {
	if w.demoURL != "" {
		return []tui.Target{{Kind: tui.TargetDemo, Name: "demo", Detail: "built-in simulated ALZ organization at " + w.demoURL}}, nil
	}
	ps, err := session.AWSProfiles()
	// The default credential chain (environment, instance role) works without any profile.
	out := []tui.Target{{Kind: tui.TargetProfile, Detail: "environment variables, AWS_PROFILE or instance role"}}
	for _, p := range ps {
		out = append(out, tui.Target{Kind: tui.TargetProfile, Name: p.Name, Profile: p.Name, Detail: p.Detail})
	}
	return out, err
}

// Connect connects with the target's credentials; only a management account's connection is kept.
func (w *wizardBackend) Connect(ctx context.Context, t tui.Target) (tui.Identity, error) {
	o := w.aws
	o.Profile = t.Profile
	if t.Kind == tui.TargetDemo {
		o = session.DemoOptions(w.demoURL, w.timeScale)
	}
	// The wizard owns the terminal: the SDK's own warnings, written to stderr by default, would
	// draw over its screens (seen discovering 5,000 accounts).
	o.Logger = logging.Nop{}
	c, err := session.Connect(ctx, o)
	if err != nil {
		return tui.Identity{}, err
	}
	id := c.Identity
	w.mu.Lock()
	w.conn.Close()
	w.conn = nil
	if id.Management {
		w.conn = c
	} else {
		c.Close()
	}
	w.mu.Unlock()
	return tui.Identity{Account: id.Account, Arn: id.Arn, OrganizationID: id.OrganizationID,
		ManagementAccount: id.ManagementAccount, Management: id.Management, EndpointURL: id.EndpointURL}, nil
}

// Discover reads the organization through the management account's connection.
func (w *wizardBackend) Discover(ctx context.Context, progress func(tui.Progress)) (*inventory.Snapshot, []byte, error) {
	w.mu.Lock()
	c := w.conn
	w.mu.Unlock()
	if c == nil {
		return nil, nil, errors.New("not connected to a management account")
	}
	o := w.discover
	o.Progress = func(p discover.Progress) {
		progress(tui.Progress{Stage: p.Stage, AccountsFound: p.AccountsFound, AccountsDone: p.AccountsDone, AccountsTotal: p.AccountsTotal,
			Calls: p.Calls, Problems: p.Problems, Remaining: p.Remaining})
	}
	snap, err := session.Discover(ctx, c.Clients, o)
	if err != nil {
		return nil, nil, err
	}
	return snap.Snapshot, snap.Data, nil
}

func (w *wizardBackend) Check(snap *inventory.Snapshot, s settings.Settings) (*tui.CheckResult, error) {
	return tui.NewCheckResult(session.Check(snap, s)), nil
}

func (w *wizardBackend) HomeRegionFindings(snap *inventory.Snapshot, s settings.Settings) []tui.Finding {
	return tui.NewCheckResult(checks.Report{Findings: session.HomeRegionFindings(snap, s)}).Findings
}

func (w *wizardBackend) Plan(snapData []byte, snap *inventory.Snapshot, s settings.Settings, cr *tui.CheckResult) (*tui.PlanResult, error) {
	var report checks.Report
	if cr != nil {
		report = cr.Report
	} else {
		report = session.Check(snap, s)
	}
	p, err := session.Plan(&session.Snapshot{Snapshot: snap, Data: snapData}, s, report)
	if err != nil {
		return nil, err
	}
	return &tui.PlanResult{View: tui.NewPlanView(p), Plan: p}, nil
}

func (w *wizardBackend) LoadSettings(dir string) (*settings.Settings, error) {
	return folder(dir).Settings()
}

func (w *wizardBackend) SaveSnapshot(dir string, data []byte) error {
	return folder(dir).SaveSnapshot(data)
}

func (w *wizardBackend) SaveSettings(dir string, s settings.Settings) error {
	return folder(dir).SaveSettings(s)
}

func (w *wizardBackend) SavePlan(dir string, p *tui.PlanResult) error {
	if p == nil || p.Plan == nil {
		return errors.New("no plan to save")
	}
	return folder(dir).SavePlan(p.Plan)
}

func (w *wizardBackend) Runbooks(dir string, p *tui.PlanResult) ([]string, error) {
	if p == nil || p.Plan == nil {
		return nil, errors.New("no plan to render")
	}
	return folder(dir).WriteRunbooks(p.Plan)
}

// close releases the connection when the wizard ends.
func (w *wizardBackend) close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.conn.Close()
	w.conn = nil
}

func folder(dir string) session.Folder { return session.Open(dir, "") }

// Rehearse runs the plan on screen against a simulator of its own snapshot through
// session.Rehearse, as lz2ct rehearse does: its own temporary state folder, the in-process
// simulator's address only. Cancelling ctx stops it at the next safe point; main's hard context
// (the second signal) ends it at once.
func (w *wizardBackend) Rehearse(ctx context.Context, snapData []byte, snap *inventory.Snapshot, p *tui.PlanResult, progress func(tui.RehearsalProgress)) (*tui.RehearsalResult, error) {
	if p == nil || p.Plan == nil {
		return nil, errors.New("no plan to rehearse")
	}
	hard := w.hard
	if hard == nil {
		hard = context.Background()
	}
	rep, err := session.Rehearse(hard, ctx, session.RehearseOptions{Plan: p.Plan, Snapshot: &session.Snapshot{Snapshot: snap, Data: snapData},
		PlanName: "the plan", SnapshotName: "the snapshot", Who: "lz2ct wizard (rehearse)",
		Progress: func(pr session.RehearsalProgress) {
			progress(tui.RehearsalProgress{Done: pr.Done, Failed: pr.Failed, Total: pr.Total, Simulated: pr.Simulated, Step: pr.Step})
		}})
	if err != nil {
		return nil, err
	}
	return rehearsalResult(rep), nil
}

// rehearsalResult is the wizard's view of a rehearsal's report.
func rehearsalResult(r *session.Rehearsal) *tui.RehearsalResult {
	secs := func(n int64) time.Duration { return time.Duration(n) * time.Second }
	out := &tui.RehearsalResult{Organization: r.Organization, Finished: r.Finished, Stopped: r.Stopped, Stuck: r.Stuck,
		Wall: time.Duration(r.WallSeconds * float64(time.Second)), Simulated: secs(r.SimulatedSeconds),
		EstimateLower: secs(r.EstimateLowerSeconds), Estimate: secs(r.EstimateSeconds), TimeScale: r.TimeScale,
		Failed: stepOutcomes(r.Failed), NotStarted: stepOutcomes(r.NotStarted), OrganizationTyped: r.OrganizationTyped,
		Calls: r.Calls, MutatingCalls: r.MutatingCalls}
	for _, ph := range r.Phases {
		out.Phases = append(out.Phases, tui.RehearsedPhase{Number: ph.Number, Name: ph.Name, Steps: ph.Steps, Done: ph.Done,
			Failed: ph.Failed, NotStarted: ph.NotStarted, Manual: ph.Manual, Simulated: secs(ph.SimulatedSeconds), Span: secs(ph.SpanSeconds),
			EstimateLower: secs(ph.EstimateLowerSeconds), Estimate: secs(ph.EstimateSeconds)})
	}
	for _, c := range r.Operator {
		out.Manual = append(out.Manual, tui.StepOutcome{ID: c.Step, Title: c.Title})
	}
	return out
}

// stepOutcomes are the screens' view of the engine's outcomes.
func stepOutcomes(os []engine.Outcome) []tui.StepOutcome {
	out := make([]tui.StepOutcome, 0, len(os))
	for _, o := range os {
		out = append(out, tui.StepOutcome{ID: o.Step, Title: o.Title, Phase: o.Phase, Error: o.Error, Advice: o.Advice, Reason: o.Reason, OperationID: o.OperationID})
	}
	return out
}
