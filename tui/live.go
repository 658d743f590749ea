package tui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/lz2ct/lz2ct/awsapi"
	"github.com/lz2ct/lz2ct/checks"
	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/inventory/discover"
	"github.com/lz2ct/lz2ct/journal"
	"github.com/lz2ct/lz2ct/plans"
	"github.com/lz2ct/lz2ct/plans/runbook"
	"github.com/lz2ct/lz2ct/settings"
)

// LiveOptions configure the Backend that uses lz2ct's real packages.
type LiveOptions struct {
	// DemoURL is the in-process simulator's endpoint; when set, the start screen offers the demo
	// (and only the demo: a demo session never touches AWS).
	DemoURL string
	// Region for the management account's clients; "" = the profile's region.
	Region string
	// EndpointURL sends every call to this endpoint (a simulator started with `lz2ct sim serve`).
	EndpointURL string
	// Regions limits discovery to these regions; nil = every enabled region.
	Regions []string
	// Concurrency of discovery; 0 = its default.
	Concurrency int
}

// DemoCredentials are what the demo signs its requests with: the simulator treats any access key
// it did not hand out itself as the management account's.
var DemoCredentials = aws.Credentials{AccessKeyID: "AKIALZ2CTDEMO0000000", SecretAccessKey: "demo", Source: "lz2ct demo"}

// Live is the Backend over inventory/discover, checks, plans and plans/runbook.
type Live struct {
	opts LiveOptions

	mu      sync.Mutex
	clients *awsapi.Clients // set by Connect
}

// NewLive returns the real backend.
func NewLive(opts LiveOptions) *Live { return &Live{opts: opts} }

var _ Backend = (*Live)(nil)

// Targets lists the demo (in demo mode) or the AWS profiles.
func (l *Live) Targets() ([]Target, error) {
	if l.opts.DemoURL != "" {
		return []Target{{Kind: TargetDemo, Name: "demo", Detail: "built-in simulated ALZ organization at " + l.opts.DemoURL}}, nil
	}
	ps, err := AWSProfiles()
	// The default credential chain (environment, instance role) works without any profile.
	out := append([]Target{{Kind: TargetProfile, Detail: "environment variables, AWS_PROFILE or instance role"}}, ps...)
	return out, err
}

// Connect loads credentials for t, asks STS who they are and Organizations which account manages
// the organization.
func (l *Live) Connect(ctx context.Context, t Target) (Identity, error) {
	o := awsapi.Options{Profile: t.Profile, Region: l.opts.Region, EndpointURL: l.opts.EndpointURL}
	if t.Kind == TargetDemo {
		creds := DemoCredentials
		o = awsapi.Options{EndpointURL: l.opts.DemoURL, Region: "eu-west-1", Static: &creds, MaxBackoff: 10 * time.Millisecond}
	}
	c, err := awsapi.Load(ctx, o)
	if err != nil {
		return Identity{}, err
	}
	who, err := c.CallerIdentity(ctx)
	if err != nil {
		code, msg := awsapi.ErrorCode(err)
		login := "aws sso login"
		if t.Profile != "" {
			login += " --profile " + t.Profile
		}
		return Identity{}, fmt.Errorf("sts:GetCallerIdentity: %s %s (are the credentials valid? for SSO profiles run `%s`)", code, msg, login)
	}
	id := Identity{Account: who.Account, Arn: who.Arn, EndpointURL: o.EndpointURL}
	// DescribeOrganization names the management account; members can call it too, so the answer
	// tells a member account from the management account (organizations API_DescribeOrganization).
	out, err := awsapi.Organizations(c.Management()).DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	if err != nil {
		code, msg := awsapi.ErrorCode(err)
		if code == "AWSOrganizationsNotInUseException" {
			return id, fmt.Errorf("account %s is not in an organization", who.Account)
		}
		return id, fmt.Errorf("organizations:DescribeOrganization as %s: %s %s", who.Arn, code, msg)
	}
	id.OrganizationID = aws.ToString(out.Organization.Id)
	id.ManagementAccount = aws.ToString(out.Organization.MasterAccountId)
	id.Management = id.ManagementAccount == who.Account
	if id.Management {
		l.mu.Lock()
		l.clients = c
		l.mu.Unlock()
	}
	return id, nil
}

// Discover reads the organization through the connected clients.
func (l *Live) Discover(ctx context.Context, progress func(Progress)) (*inventory.Snapshot, error) {
	l.mu.Lock()
	c := l.clients
	l.mu.Unlock()
	if c == nil {
		return nil, errors.New("not connected to a management account")
	}
	return discoverWith(ctx, c, l.opts, progress)
}

// Check runs every pre-check.
func (l *Live) Check(snap *inventory.Snapshot, s settings.Settings) (*CheckResult, error) {
	r := checks.Run(checks.Input{Snapshot: snap, Settings: s})
	return checkResult(r), nil
}

// homeRegionChecks are the catalogue entries that compare settings.homeRegion with the organization.
var homeRegionChecks = []string{"ct.identity-center-region", "ct.home-region"}

// HomeRegionFindings runs the home-region checks alone, through checks.RunCheck so that their
// findings carry the same severity, phase and source as in the full report.
func (l *Live) HomeRegionFindings(snap *inventory.Snapshot, s settings.Settings) []Finding {
	in := checks.Prepare(checks.Input{Snapshot: snap, Settings: s})
	var fs []checks.Finding
	for _, id := range homeRegionChecks {
		if c, ok := checks.Lookup(id); ok {
			fs = append(fs, checks.RunCheck(c, in)...)
		}
	}
	return checkResult(checks.Report{Findings: fs}).Findings
}

func checkResult(r checks.Report) *CheckResult {
	out := &CheckResult{Blockers: r.Blockers, Warnings: r.Warnings, Infos: r.Infos, Unfixed: len(r.Unfixed()), Report: r,
		Findings: make([]Finding, len(r.Findings))}
	for i, f := range r.Findings {
		subs := make([]Subject, len(f.Subjects))
		for j, s := range f.Subjects {
			subs[j] = Subject{Kind: s.Kind, ID: s.ID, Name: s.Name}
		}
		out.Findings[i] = Finding{Check: f.Check, Title: f.Title, Severity: string(f.Severity), Phase: string(f.Phase),
			Subjects: subs, Evidence: f.Evidence, Remediation: f.Remediation, FixedByPlan: f.FixedByPlan, Source: f.Source}
	}
	return out
}

// Plan builds the plan and records the snapshot's hash in it, so apply can refuse a stale plan.
func (l *Live) Plan(snapData []byte, snap *inventory.Snapshot, s settings.Settings, cr *CheckResult) (*PlanResult, error) {
	report, ok := cr.Report.(checks.Report)
	if !ok {
		report = checks.Run(checks.Input{Snapshot: snap, Settings: s})
	}
	p, err := plans.Build(snap, s, report)
	if err != nil {
		return nil, err
	}
	if len(snapData) > 0 {
		p.SnapshotHash = plans.SnapshotHash(snapData)
	}
	return &PlanResult{View: planView(p), Plan: p}, nil
}

func planView(p *plans.Plan) PlanView {
	v := PlanView{Organization: p.Organization, Total: p.Estimate.Total(), Assumptions: p.Estimate.Assumptions,
		Accounts: map[string]int{}}
	for _, ph := range p.Phases {
		pv := PhaseView{Number: ph.Number, ID: ph.ID, Name: ph.Name, Summary: ph.Summary, Estimate: ph.Estimate()}
		for _, st := range ph.Steps {
			pv.Steps = append(pv.Steps, StepView{ID: st.ID, Kind: st.Kind, Title: st.Title, Why: st.Why,
				Target: targetText(st.Target), DependsOn: st.DependsOn, Destructive: st.Destructive, Manual: st.Manual,
				CLI: st.CLI, Guard: st.Guard, Expected: st.Expected, Rollback: st.Rollback, Blocked: st.Blocked})
		}
		v.Phases = append(v.Phases, pv)
	}
	for _, o := range p.OUOrder {
		reason := o.Reason
		if o.Remedy != "" {
			reason = o.Reason + " — " + o.Remedy
		}
		v.OUs = append(v.OUs, OUView{OUID: o.OUID, Path: o.Path, Depth: o.Depth, Accounts: o.Accounts, Order: o.Order,
			Skipped: o.Skipped, Reason: reason})
	}
	for _, a := range p.Accounts {
		v.Accounts[a.How]++
		v.AccountList = append(v.AccountList, AccountView{ID: a.AccountID, Name: a.Name, How: a.How, Reason: a.Reason, By: a.By})
	}
	return v
}

func targetText(t plans.Target) string {
	var parts []string
	for _, kv := range [][2]string{{"account", t.AccountID}, {"region", t.Region}, {"OU", t.OUID}, {"resource", t.Resource}} {
		if kv[1] != "" {
			parts = append(parts, kv[0]+" "+kv[1])
		}
	}
	return strings.Join(parts, ", ")
}

// SavePlan writes the plan file.
func (l *Live) SavePlan(path string, p *PlanResult) error {
	pl, ok := p.Plan.(*plans.Plan)
	if !ok {
		return errors.New("no plan to save")
	}
	return plans.Save(path, pl)
}

// Runbook renders the plan (with the state folder's journal, when there is one).
func (l *Live) Runbook(path, format string, p *PlanResult, stateDir string) error {
	pl, ok := p.Plan.(*plans.Plan)
	if !ok {
		return errors.New("no plan to render")
	}
	return writeRunbook(path, format, pl, stateDir)
}

// discoverWith runs inventory/discover, turning its progress reports into the wizard's.
func discoverWith(ctx context.Context, c *awsapi.Clients, o LiveOptions, progress func(Progress)) (*inventory.Snapshot, error) {
	return discover.Run(ctx, c, discover.Options{Regions: o.Regions, Concurrency: o.Concurrency,
		Progress: func(p discover.Progress) {
			progress(Progress{Stage: p.Stage, AccountsDone: p.AccountsDone, AccountsTotal: p.AccountsTotal, Calls: p.Calls, Problems: p.Problems})
		}})
}

// writeRunbook renders the plan with plans/runbook, with the state folder's journal when it can be
// read (a session that has not applied anything has none: every step shows "not started").
func writeRunbook(path, format string, p *plans.Plan, stateDir string) error {
	var st *journal.State
	if stateDir != "" {
		if s, err := journal.Read(stateDir); err == nil {
			st = s
		}
	}
	var buf bytes.Buffer
	var err error
	switch format {
	case "md":
		err = runbook.Markdown(&buf, p, st)
	case "html":
		err = runbook.HTML(&buf, p, st)
	default:
		return fmt.Errorf("runbook format %q: use md or html", format)
	}
	if err != nil {
		return fmt.Errorf("render the %s runbook: %w", format, err)
	}
	return inventory.WriteFileAtomic(path, buf.Bytes(), 0o644)
}
