package tui

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	_ "github.com/charmbracelet/x/exp/golden" // defines -update
	"github.com/lz2ct/lz2ct/demodata"
	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/settings"
	"github.com/lz2ct/lz2ct/statefolder"
)

// fakeBackend stands in for the packages below the UI, so screen tests check the UI alone and
// their goldens do not change when a check's wording does. End-to-end tests use the real ones.
type fakeBackend struct {
	mu       sync.Mutex
	snap     *inventory.Snapshot
	checks   *CheckResult
	plan     *PlanView
	runbooks []string
	// checked are the settings each pre-check run was given.
	checked []settings.Settings
	// release, when set, holds discovery until closed.
	release chan struct{}
	// stages, when set, are the progress reports discovery makes before it waits for release.
	stages []Progress
	// runInfo is the run FindRun reports; script what Apply does; applied, confirmed and orgTyped
	// what the screens asked.
	runInfo   *RunInfo
	script    *fakeRunScript
	applied   []bool // per Apply: a plan was given (false = resume)
	confirmed []string
	orgTyped  string
	orgCh     chan struct{}
	// rehearse is what Rehearse does; rehearsals counts the calls, rehearsalStopped those
	// stopped by their context.
	rehearse         *fakeRehearsal
	rehearsals       int
	rehearsalStopped int
}

func newFake(t testing.TB) *fakeBackend {
	snap, err := demodata.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	return &fakeBackend{snap: snap, checks: sampleChecks(), plan: samplePlan(snap.Organization.ID)}
}

func (f *fakeBackend) Targets() ([]Target, error) {
	return []Target{
		{Kind: TargetDemo, Name: "demo", Detail: "built-in simulated ALZ organization"},
		{Kind: TargetProfile, Name: "member", Profile: "member", Detail: "eu-west-1 · access key"},
	}, nil
}

func (f *fakeBackend) Connect(_ context.Context, t Target) (Identity, error) {
	mgmt := f.snap.Organization.ManagementAccountID
	if t.Kind == TargetDemo {
		return Identity{Account: mgmt, Arn: "arn:aws:iam::" + mgmt + ":user/demo", OrganizationID: f.snap.Organization.ID,
			ManagementAccount: mgmt, Management: true}, nil
	}
	return Identity{Account: "222222222222", Arn: "arn:aws:iam::222222222222:user/dev", OrganizationID: f.snap.Organization.ID,
		ManagementAccount: mgmt}, nil
}

func (f *fakeBackend) Discover(ctx context.Context, progress func(Progress)) (*inventory.Snapshot, []byte, error) {
	n := len(f.snap.Accounts)
	if f.stages == nil {
		progress(Progress{Stage: "accounts", AccountsDone: n / 2, AccountsTotal: n, Calls: 42, Problems: 1, Remaining: 95 * time.Second})
	}
	for _, p := range f.stages {
		progress(p)
	}
	if f.release != nil {
		select {
		case <-f.release:
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		}
	}
	progress(Progress{Stage: "done", AccountsDone: n, AccountsTotal: n, Calls: 84, Problems: 1})
	data, err := inventory.Encode(f.snap)
	return f.snap, data, err
}

// Check returns the sample findings; the e-mail warning only while no Audit e-mail is chosen, as
// the real check does.
func (f *fakeBackend) Check(_ *inventory.Snapshot, s settings.Settings) (*CheckResult, error) {
	f.mu.Lock()
	f.checked = append(f.checked, s)
	f.mu.Unlock()
	if s.AuditEmail == "" {
		return f.checks, nil
	}
	r := *f.checks
	r.Findings = nil
	for _, x := range f.checks.Findings {
		if x.Check != "email.shared-accounts" {
			r.Findings = append(r.Findings, x)
		} else {
			r.Warnings--
		}
	}
	return &r, nil
}

// lastChecked is the settings of the latest pre-check run.
func (f *fakeBackend) lastChecked() (settings.Settings, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.checked) == 0 {
		return settings.Settings{}, false
	}
	return f.checked[len(f.checked)-1], true
}

// HomeRegionFindings mirrors the Identity Center region check, enough for the form's tests.
func (f *fakeBackend) HomeRegionFindings(snap *inventory.Snapshot, s settings.Settings) []Finding {
	if ic := snap.IdentityCenter; ic != nil && ic.Region != s.HomeRegion {
		return []Finding{{Check: "ct.identity-center-region", Severity: SeverityBlocker,
			Title: "IAM Identity Center is in " + ic.Region + ", not in " + s.HomeRegion, Remediation: "Use " + ic.Region + "."}}
	}
	return nil
}

func (f *fakeBackend) Plan([]byte, *inventory.Snapshot, settings.Settings, *CheckResult) (*PlanResult, error) {
	return &PlanResult{View: *f.plan}, nil
}

// The fake writes the state folder's files plainly; the session layer's rules (file modes, the
// plan of a started run) are tested where they live.
func (f *fakeBackend) write(dir, name string, data []byte) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, name), data, 0o600)
}

func (f *fakeBackend) LoadSettings(dir string) (*settings.Settings, error) {
	path := filepath.Join(dir, statefolder.Settings)
	if _, err := os.Stat(path); err != nil {
		return nil, nil
	}
	return settings.Load(path)
}

func (f *fakeBackend) SaveSnapshot(dir string, data []byte) error {
	return f.write(dir, statefolder.Snapshot, data)
}

func (f *fakeBackend) SaveSettings(dir string, s settings.Settings) error {
	data, err := settings.Encode(s)
	if err != nil {
		return err
	}
	return f.write(dir, statefolder.Settings, data)
}

func (f *fakeBackend) SavePlan(dir string, p *PlanResult) error {
	return f.write(dir, statefolder.Plan, []byte(`{"fake":true}`))
}

func (f *fakeBackend) Runbooks(dir string, p *PlanResult) ([]string, error) {
	var paths []string
	for _, x := range []struct{ name, format string }{{statefolder.RunbookMD, "md"}, {statefolder.RunbookHTML, "html"}} {
		f.mu.Lock()
		f.runbooks = append(f.runbooks, x.format)
		f.mu.Unlock()
		if err := f.write(dir, x.name, []byte("runbook "+x.format)); err != nil {
			return paths, err
		}
		paths = append(paths, filepath.Join(dir, x.name))
	}
	return paths, nil
}

func sampleChecks() *CheckResult {
	acct := func(id, name string) Subject { return Subject{"account", id, name} }
	fs := []Finding{
		{Check: "config.recorders", Title: "ALZ's AWS Config recorders and delivery channels must go before enrollment", Severity: SeverityBlocker,
			Phase: "config", Subjects: []Subject{acct("111111111111", "payments-dev"), acct("222222222222", "retail-dev")},
			Evidence:    []string{"111111111111 eu-west-1: recorder AWS-Landing-Zone-BaselineConfigRecorder", "222222222222 eu-west-1: recorder AWS-Landing-Zone-BaselineConfigRecorder"},
			Remediation: "The plan deletes the AWS-Landing-Zone-Baseline-EnableConfig stack instances just before each wave.", FixedByPlan: true,
			Source: "https://docs.aws.amazon.com/controltower/latest/userguide/enrollment-prerequisites.html"},
		{Check: "org.trusted-access", Title: "Trusted access is enabled for config.amazonaws.com", Severity: SeverityBlocker, Phase: "deploy",
			Subjects:    []Subject{{"service", "config.amazonaws.com", ""}},
			Evidence:    []string{"organizations:ListAWSServiceAccessForOrganization lists config.amazonaws.com"},
			Remediation: "aws organizations disable-aws-service-access --service-principal config.amazonaws.com",
			Source:      "https://docs.aws.amazon.com/controltower/latest/userguide/getting-started-prereqs.html"},
		{Check: "email.shared-accounts", Title: "No e-mail chosen yet for the Audit account", Severity: SeverityWarning, Phase: "deploy",
			Subjects: []Subject{{"organization", "o-f4yjsoufrn", ""}}, Remediation: "Choose an address in the decisions."},
		{Check: "alz.pipeline", Title: "ALZ's pipeline AWS-Landing-Zone-CodePipeline can still redeploy", Severity: SeverityWarning, Phase: "config", FixedByPlan: true},
		{Check: "alz.version", Title: "AWS Landing Zone 2.4.1 found", Severity: SeverityInfo, Phase: "decommission"},
	}
	return &CheckResult{Findings: fs, Blockers: 2, Warnings: 2, Infos: 1, Unfixed: 1}
}

func samplePlan(org string) *PlanView {
	return &PlanView{
		Organization: org,
		Phases: []PhaseView{
			{Number: 0, ID: "safeguard", Name: "Safeguard", Summary: "Export what later steps change or delete.", Estimate: 5 * time.Minute, Steps: []StepView{
				{ID: "safeguard/scps", Kind: "export", Title: "Export SCP documents and targets", Guard: "none: read-only", CLI: []string{"aws organizations describe-policy --policy-id p-abc"}}}},
			{Number: 1, ID: "deploy", Name: "Deploy Control Tower", Estimate: 45 * time.Minute, Steps: []StepView{
				{ID: "deploy/trusted-access/config", Kind: "org.disable-trusted-access", Title: "Disable trusted access for AWS Config", Destructive: true,
					Guard: "no delegated administrator for config.amazonaws.com", CLI: []string{"aws organizations disable-aws-service-access --service-principal config.amazonaws.com"},
					Expected: "config.amazonaws.com no longer listed", Rollback: "aws organizations enable-aws-service-access --service-principal config.amazonaws.com"},
				{ID: "deploy/landing-zone", Kind: "ct.create-landing-zone", Title: "Create the landing zone in eu-west-1", DependsOn: []string{"deploy/trusted-access/config"},
					CLI: []string{"aws controltower create-landing-zone --landing-zone-version 3.3 --manifest file://manifest.json"}, Blocked: "blocker org.trusted-access is not fixed"}}},
			{Number: 4, ID: "register", Name: "Register OUs, enroll accounts", Estimate: 3 * time.Hour, Steps: []StepView{
				{ID: "ou.register/ou-1", Kind: "ct.enable-baseline", Title: "Register OU Workloads"},
				{ID: "ou.register/ou-2", Kind: "ct.enable-baseline", Title: "Register OU Workloads/Prod"},
				{ID: "enroll/333333333333", Kind: "sc.provision-product", Title: "Enroll account 333333333333 (tools)", Manual: false}}},
		},
		OUs: []OUView{
			{OUID: "ou-2", Path: "Workloads/Prod", Depth: 2, Accounts: 4, Order: 2},
			{OUID: "ou-1", Path: "Workloads", Depth: 1, Accounts: 1, Order: 1},
			{OUID: "ou-3", Path: "Sandbox", Depth: 1, Accounts: 2, Skipped: true, Reason: "a Control Tower OU has this name"},
		},
		Accounts: map[string]int{"ou-registration": 5, "enroll": 1, "management": 1, "blocked": 1},
		AccountList: []AccountView{
			{ID: "111111111111", Name: "payments-dev", How: "ou-registration", By: "ou.register/ou-2"},
			{ID: "444444444444", Name: "closed-poc", How: "blocked", Reason: "account is SUSPENDED"},
			{ID: "333333333333", Name: "tools", How: "enroll", By: "enroll/333333333333"},
		},
		Total:       3*time.Hour + 50*time.Minute,
		Assumptions: []string{"OU registration: 10 minutes plus 2 per account"},
	}
}

// driver runs the App without a terminal: it executes commands, feeds their messages back in, and
// settles when nothing arrives for a moment. Timer-driven messages (cursor blinks, the discovery
// clock) are dropped so that screens render the same every run.
type driver struct {
	t        testing.TB
	app      *App
	msgs     chan tea.Msg
	inflight atomic.Int32
	quit     bool
}

func newDriver(t testing.TB, app *App, w, h int) *driver {
	d := &driver{t: t, app: app, msgs: make(chan tea.Msg, 64)}
	d.handle(tea.WindowSizeMsg{Width: w, Height: h})
	d.exec(app.Init())
	d.settle()
	return d
}

func (d *driver) exec(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	d.inflight.Add(1)
	go func() {
		m := cmd()
		if m != nil {
			d.msgs <- m
		}
		d.inflight.Add(-1)
	}()
}

func (d *driver) handle(msg tea.Msg) {
	switch m := msg.(type) {
	case tea.BatchMsg:
		for _, c := range m {
			d.exec(c)
		}
		return
	case tea.QuitMsg:
		d.quit = true
		return
	case discoveryTickMsg, applyTickMsg, rehearsalTickMsg:
		return
	}
	if name := fmt.Sprintf("%T", msg); strings.HasPrefix(name, "cursor.") {
		return
	}
	if v := reflect.ValueOf(msg); v.Kind() == reflect.Slice && v.Type().Elem() == reflect.TypeOf(tea.Cmd(nil)) {
		for i := 0; i < v.Len(); i++ { // tea.Sequence: in order, each to completion
			if c := v.Index(i).Interface().(tea.Cmd); c != nil {
				if m := c(); m != nil {
					d.handle(m)
				}
			}
		}
		return
	}
	_, cmd := d.app.Update(msg)
	d.exec(cmd)
}

func (d *driver) settle() {
	for {
		if d.inflight.Load() == 0 && len(d.msgs) == 0 {
			return
		}
		select {
		case m := <-d.msgs:
			d.handle(m)
		case <-time.After(100 * time.Millisecond):
			return
		}
	}
}

// keys sends key presses: named keys ("enter", "esc", "tab", "down") or literal text.
func (d *driver) keys(keys ...string) {
	for _, k := range keys {
		for _, m := range keyMsgs(k) {
			d.handle(m)
		}
		d.settle()
	}
}

func keyMsgs(k string) []tea.Msg {
	named := map[string]tea.KeyPressMsg{
		"enter": {Code: tea.KeyEnter}, "esc": {Code: tea.KeyEscape}, "tab": {Code: tea.KeyTab},
		"shift+tab": {Code: tea.KeyTab, Mod: tea.ModShift}, "down": {Code: tea.KeyDown}, "up": {Code: tea.KeyUp},
		"right": {Code: tea.KeyRight}, "left": {Code: tea.KeyLeft}, "backspace": {Code: tea.KeyBackspace},
		"ctrl+c": {Code: 'c', Mod: tea.ModCtrl}, "space": {Code: tea.KeySpace, Text: " "}, "pgdown": {Code: tea.KeyPgDown},
	}
	if m, ok := named[k]; ok {
		return []tea.Msg{m}
	}
	var out []tea.Msg
	for _, r := range k {
		out = append(out, tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	return out
}

// screen renders the current frame with a fixed colour profile (ASCII: attributes, no colours).
func (d *driver) screen() string {
	var b strings.Builder
	w := colorprofile.NewWriter(&b, nil)
	w.Profile = colorprofile.ASCII
	if _, err := w.Write([]byte(d.app.View().Content)); err != nil {
		d.t.Fatal(err)
	}
	return b.String()
}

func (d *driver) plain() string {
	var b strings.Builder
	w := colorprofile.NewWriter(&b, nil)
	w.Profile = colorprofile.NoTTY
	_, _ = w.Write([]byte(d.app.View().Content))
	return b.String()
}

// golden compares the current frame with testdata/<test name>.golden; -update rewrites it. The
// path is fixed when the test starts, so tests may chdir into a temporary folder.
func (d *driver) golden(t *testing.T, dir string) {
	t.Helper()
	got := d.screen()
	path := filepath.Join(dir, "testdata", filepath.FromSlash(t.Name())+".golden")
	if f := flag.Lookup("update"); f != nil && f.Value.String() == "true" {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./tui -update to create it)", err)
	}
	if string(want) != got {
		t.Fatalf("%s differs from the screen (go test ./tui -update rewrites it):\n--- want\n%s\n--- got\n%s", path, want, got)
	}
}

// fits fails when the frame has more lines than the terminal or a line wider than it.
func (d *driver) fits(t *testing.T, w, h int) {
	t.Helper()
	lines := strings.Split(d.plain(), "\n")
	if len(lines) > h {
		t.Errorf("%d lines in a %d-line terminal", len(lines), h)
	}
	for i, l := range lines {
		if n := ansi.StringWidth(l); n > w {
			t.Errorf("line %d is %d wide in a %d-column terminal: %q", i+1, n, w, l)
		}
	}
}

// must waits (processing messages, up to a generous deadline on a loaded machine) until the screen
// shows every string.
func (d *driver) must(contains ...string) {
	d.t.Helper()
	var s string
	ok := d.eventually(func() bool {
		s = d.plain()
		for _, c := range contains {
			if !strings.Contains(s, c) {
				return false
			}
		}
		return true
	})
	if !ok {
		for _, c := range contains {
			if !strings.Contains(s, c) {
				d.t.Fatalf("screen does not show %q:\n%s", c, s)
			}
		}
	}
}

// on waits until the screen id is active and reports whether it is.
func (d *driver) on(id ScreenID) bool {
	return d.eventually(func() bool { return d.app.Active() == id })
}

// eventually processes messages until cond holds or 10 s pass.
func (d *driver) eventually(cond func() bool) bool {
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		select {
		case m := <-d.msgs:
			d.handle(m)
		case <-time.After(20 * time.Millisecond):
		}
	}
	return true
}

var errBoom = errors.New("boom")

// The fake's runs: Apply reports the scripted views, then holds until released or stopped, and
// returns the scripted summary (Stopped when stopped). Confirmations are recorded.

// fakeRunScript is what the fake's Apply does.
type fakeRunScript struct {
	views   []RunView
	summary RunSummary
	// hold, when set, keeps the run going after the views until it is closed (or the run stopped).
	hold chan struct{}
	// gated, when set, is a view reported once the organization ID was typed.
	afterOrg *RunView
}

func (f *fakeBackend) FindRun(dir string) (*RunInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.runInfo != nil {
		r := *f.runInfo
		r.Dir = dir
		return &r, nil
	}
	return nil, nil
}

func (f *fakeBackend) LoadRun(dir string) (*PlanResult, error) {
	return &PlanResult{View: *f.plan}, nil
}

func (f *fakeBackend) Intent(dir string, p *PlanResult) (*ApplyIntent, error) {
	in := &ApplyIntent{Organization: p.View.Organization}
	for _, ph := range p.View.Phases {
		pi := PhaseIntent{Number: ph.Number, Name: ph.Name, ToRun: len(ph.Steps)}
		for _, s := range ph.Steps {
			if s.Destructive {
				pi.Destructive++
			}
			if s.Manual {
				pi.Manual++
			}
		}
		if ph.ID == "decommission" {
			pi.NeedsTyped = len(ph.Steps)
			in.Gate = fmt.Sprintf("%d steps of phase 6 (Decommission ALZ) delete what ALZ left for good", len(ph.Steps))
		}
		in.Phases = append(in.Phases, pi)
	}
	return in, nil
}

func (f *fakeBackend) Apply(ctx, stop context.Context, dir string, p *PlanResult, progress func(RunView)) (*RunSummary, error) {
	f.mu.Lock()
	if f.script == nil {
		f.script = sampleRun(f.plan)
	}
	sc := f.script
	f.applied = append(f.applied, p != nil)
	f.orgCh = make(chan struct{}, 1)
	orgCh := f.orgCh
	f.mu.Unlock()
	for _, v := range sc.views {
		progress(v)
	}
	sum := sc.summary
	for stopped := false; !stopped; {
		select {
		case <-sc.hold:
			return &sum, nil
		case <-orgCh:
			if sc.afterOrg != nil {
				progress(*sc.afterOrg)
			}
		case <-stop.Done():
			stopped = true
		case <-ctx.Done():
			stopped = true
		}
	}
	sum.Stopped, sum.Complete = true, false
	return &sum, nil
}

func (f *fakeBackend) ConfirmStep(stepID, note string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.confirmed = append(f.confirmed, stepID+": "+note)
	return nil
}

func (f *fakeBackend) ConfirmOrganization(typed string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if typed != f.snap.Organization.ID {
		return fmt.Errorf("the organization ID typed does not match: %q is not %s", typed, f.snap.Organization.ID)
	}
	f.orgTyped = typed
	select {
	case f.orgCh <- struct{}{}:
	default:
	}
	return nil
}

// sampleRun is a run in the middle of phase 4 of the fake's plan: an OU registration running for
// 4m12s of ~12m, two steps queued, per-account work in flight, a failure with AWS's error and
// advice, a manual step waiting, and a log.
func sampleRun(pv *PlanView) *fakeRunScript {
	at := fixedClock()
	v := RunView{Organization: pv.Organization, Started: at.Add(-42 * time.Minute), Remaining: 3*time.Hour + 10*time.Minute, Factor: 1.2, Scale: 1}
	var all []StepView
	for _, ph := range pv.Phases {
		all = append(all, ph.Steps...)
	}
	done := 0
	for i, ph := range pv.Phases {
		rp := RunPhase{Number: ph.Number, Name: ph.Name, Total: len(ph.Steps)}
		switch {
		case i < len(pv.Phases)/2:
			rp.Done = rp.Total
		case i == len(pv.Phases)/2:
			rp.Done, rp.Running, rp.Failed = rp.Total/3, 1, min(1, rp.Total)
		}
		done += rp.Done
		v.Phases = append(v.Phases, rp)
		v.Total += rp.Total
	}
	v.Done = done
	pick := func(i int) StepView { return all[max(min(i, len(all)-1), 0)] }
	mid := len(all) / 2
	ct := pick(mid)
	v.ControlTower = []RunStep{{ID: ct.ID, Title: ct.Title, Scope: ct.Target, Since: at.Add(-4*time.Minute - 12*time.Second), Expected: 12 * time.Minute,
		OperationID: "5a1c8e0f-7c3b-4d2e-9f10-0123456789ab"}}
	for _, x := range []StepView{pick(mid + 1), pick(mid + 2)} {
		v.Next = append(v.Next, RunStep{ID: x.ID, Title: x.Title, Expected: 11 * time.Minute})
	}
	for _, x := range []StepView{pick(mid - 1), pick(mid - 2), pick(mid - 3)} {
		v.InFlight = append(v.InFlight, RunStep{ID: x.ID, Title: x.Title, Scope: "4 accounts × 2 regions", Since: at.Add(-30 * time.Second)})
	}
	failed := pick(mid - 4)
	v.Failed = []RunStep{{ID: failed.ID, Title: failed.Title,
		Error:  "operation 9f2e41aa-0b7c-4e55-8d21-77aa00bb11cc failed: AccessDenied: User: arn:aws:sts::853357229539:assumed-role/AWSControlTowerExecution/lz2ct is not authorized to perform: config:DeleteConfigurationRecorder on resource: AWS-Landing-Zone-BaselineConfigRecorder with an explicit deny in a service control policy",
		Advice: "the credentials lack a permission this step needs (lz2ct iam-policy prints the policy): grant it, then run lz2ct resume"}}
	v.Waiting = []RunStep{{ID: "manual/security-tooling", Title: "Move security tooling and alerting to the new Audit account",
		Instructions: []string{"Make the new Audit account the delegated administrator of GuardDuty and Security Hub (aws guardduty enable-organization-admin-account --admin-account-id 111111111111).",
			"Point the alerting subscriptions of ALZ's AWS-Landing-Zone-SharedTopic at the new account's topic."},
		Commands: []string{"aws guardduty enable-organization-admin-account --admin-account-id 111111111111 --region eu-west-1"}}}
	for i := 0; i < 40; i++ {
		x := pick(i)
		v.Log = append(v.Log, fmt.Sprintf("%s done     %s", at.Add(time.Duration(i-40)*time.Minute).Format("15:04:05"), x.ID))
	}
	v.Log = append(v.Log, at.Add(-4*time.Minute-12*time.Second).Format("15:04:05")+" waiting  "+ct.ID+": AWS operation 5a1c8e0f-7c3b-4d2e-9f10-0123456789ab")
	sum := RunSummary{Organization: pv.Organization, Elapsed: 42 * time.Minute, Previously: 3,
		Done:       []StepOutcome{{ID: pick(0).ID, Title: pick(0).Title}, {ID: pick(1).ID, Title: pick(1).Title}},
		Failed:     []StepOutcome{{ID: failed.ID, Title: failed.Title, Error: v.Failed[0].Error, Advice: v.Failed[0].Advice}},
		Waiting:    []StepOutcome{{ID: "manual/security-tooling", Title: v.Waiting[0].Title}},
		NotStarted: []StepOutcome{{ID: pick(mid + 1).ID, Reason: "needs " + failed.ID + ", which failed"}, {ID: pick(mid + 2).ID, Reason: "needs " + failed.ID + ", which failed"}},
		Kept: []KeptView{{Resource: "OU ou-wkmz-24hf391y (core)", Reason: "ALZ's core OU still holds 788964670936, 923262032000; an OU with accounts cannot be deleted: set decommission.oldAccountsOU to the OU they should move to (e.g. one for suspended accounts) and re-plan"},
			{Resource: "StackSet AWS-Landing-Zone-Baseline-PrimaryVPC", Reason: "decommission.keepStackSets: workloads use its resources"}},
		Runbooks: []string{"state/runbook.md", "state/runbook.html"}}
	return &fakeRunScript{views: []RunView{v}, summary: sum, hold: make(chan struct{})}
}

// fakeRehearsal is what the fake's Rehearse does: it reports progress, then holds until hold is
// closed (or the rehearsal is stopped), and returns result (or err).
type fakeRehearsal struct {
	progress []RehearsalProgress
	hold     chan struct{}
	result   *RehearsalResult
	err      error
}

func (f *fakeBackend) Rehearse(ctx context.Context, _ []byte, _ *inventory.Snapshot, p *PlanResult, progress func(RehearsalProgress)) (*RehearsalResult, error) {
	f.mu.Lock()
	if f.rehearse == nil {
		f.rehearse = sampleRehearsal(&p.View)
	}
	sc := f.rehearse
	f.rehearsals++
	f.mu.Unlock()
	for _, pr := range sc.progress {
		progress(pr)
	}
	if sc.hold != nil {
		select {
		case <-sc.hold:
		case <-ctx.Done():
			f.mu.Lock()
			f.rehearsalStopped++
			f.mu.Unlock()
			return &RehearsalResult{Organization: p.View.Organization, Stopped: true}, nil
		}
	}
	return sc.result, sc.err
}

// sampleRehearsal is a rehearsal of the fake's plan that got through every phase but the last:
// there one step failed with AWS's error and advice and the step after it did not start; a manual
// step and the organization ID were rehearsed as the operator's.
func sampleRehearsal(pv *PlanView) *fakeRehearsal {
	r := &RehearsalResult{Organization: pv.Organization, TimeScale: 500, Wall: 3*time.Second + 420*time.Millisecond,
		Simulated: 4*time.Hour + 12*time.Minute, EstimateLower: 3 * time.Hour, Estimate: pv.Total, Calls: 1234, MutatingCalls: 321,
		OrganizationTyped: true}
	total, done := 0, 0
	for i, ph := range pv.Phases {
		rp := RehearsedPhase{Number: ph.Number, Name: ph.Name, Steps: len(ph.Steps), Done: len(ph.Steps),
			Simulated: time.Duration(i+1) * 37 * time.Minute, Span: time.Duration(i+1) * 41 * time.Minute,
			EstimateLower: ph.Estimate * 3 / 4, Estimate: ph.Estimate}
		if i == len(pv.Phases)-1 && len(ph.Steps) >= 2 {
			failed, next := ph.Steps[0], ph.Steps[1]
			rp.Done, rp.Failed, rp.NotStarted = len(ph.Steps)-2, 1, 1
			r.Failed = []StepOutcome{{ID: failed.ID, Title: failed.Title, Phase: ph.Number,
				Error:  "operation 1c2d3e4f failed: ValidationException: AWS Control Tower cannot register the OU: an SCP in its path denies config:PutConfigurationRecorder",
				Advice: "detach the SCP that denies it (lz2ct check lists it), then run lz2ct resume"}}
			r.NotStarted = []StepOutcome{{ID: next.ID, Title: next.Title, Phase: ph.Number, Reason: "needs " + failed.ID + ", which failed"}}
		}
		if i == 0 {
			rp.Simulated, rp.Span = 40*time.Second, 40*time.Second
		}
		total += rp.Steps
		done += rp.Done
		r.Phases = append(r.Phases, rp)
	}
	r.Manual = []StepOutcome{{ID: "manual/security-tooling", Title: "Move security tooling and alerting to the new Audit account"}}
	return &fakeRehearsal{
		progress: []RehearsalProgress{{Done: done / 2, Failed: 1, Total: total, Simulated: 2*time.Hour + 5*time.Minute, Step: "ou.register/ou-1"}},
		hold:     make(chan struct{}),
		result:   r,
	}
}
