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
	case discoveryTickMsg:
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
