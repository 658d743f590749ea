package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lz2ct/lz2ct/iostreams"
	"github.com/lz2ct/lz2ct/plans"
)

func runPlan(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	cmd := NewRootCmd(&Factory{IO: ios})
	cmd.SetArgs(append([]string{"plan"}, args...))
	err := cmd.Execute()
	if err != nil {
		errOut.WriteString(err.Error())
	}
	return out.String(), errOut.String(), ExitCode(err)
}

const (
	typicalSnap     = "../testdata/orgs/alz2-typical.json"
	typicalSettings = "../testdata/settings/alz2-typical.yaml"
)

func TestPlanTextSummary(t *testing.T) {
	out, errOut, code := runPlan(t, "--snapshot", typicalSnap, "--settings", typicalSettings)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"Migration plan for o-", "0 Safeguard", "6 Decommission ALZ",
		"OU registration order", "Workloads/NonProd/Payments", "Estimate assumptions"} {
		if !strings.Contains(out, want) {
			t.Errorf("text summary lacks %q:\n%s", want, out)
		}
	}
}

func TestPlanWritesJSONPlanWithSnapshotHash(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "plan.json")
	_, errOut, code := runPlan(t, "--snapshot", typicalSnap, "--settings", typicalSettings, "-o", file, "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	p, err := plans.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(typicalSnap)
	if p.SnapshotHash != plans.SnapshotHash(data) || !strings.HasPrefix(p.SnapshotHash, "sha256:") {
		t.Errorf("snapshot hash %q, want the file's %q", p.SnapshotHash, plans.SnapshotHash(data))
	}
	if p.Settings.HomeRegion != "eu-west-1" || p.Settings.OUAccountLimit != 300 {
		t.Errorf("plan does not record the resolved settings: %+v", p.Settings)
	}
	// Same input, same bytes (what apply relies on to detect a stale plan).
	file2 := filepath.Join(dir, "plan2.json")
	runPlan(t, "--snapshot", typicalSnap, "--settings", typicalSettings, "-o", file2)
	a, _ := os.ReadFile(file)
	b, _ := os.ReadFile(file2)
	if !bytes.Equal(a, b) {
		t.Error("two plans of the same input differ")
	}
}

func TestPlanFlagsOverrideSettings(t *testing.T) {
	out, errOut, code := runPlan(t, "--snapshot", typicalSnap, "--settings", typicalSettings, "--format", "json",
		"--ou-account-limit", "2", "--account-concurrency", "3", "--config-removal", "direct", "--exclude-ou", "Sandbox")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	p, err := plans.Decode([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	s := p.Settings
	if s.OUAccountLimit != 2 || s.AccountConcurrency != 3 || s.ConfigRemoval != "direct" || len(s.Exclude.OUs) != 1 {
		t.Errorf("flags not applied: %+v", s)
	}
	if s.LogArchiveEmail != "aws+ct-log-archive@acme-corp.example" {
		t.Errorf("a key without a flag lost its file value: %q", s.LogArchiveEmail)
	}
}

func TestPlanBadInputExits2(t *testing.T) {
	dir := t.TempDir()
	unknown := filepath.Join(dir, "s.yaml")
	os.WriteFile(unknown, []byte("homeRegion: eu-west-1\nhomeRegoin: x\n"), 0o644)
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"e-mails already used", []string{"--snapshot", "../testdata/orgs/blockers.json", "--settings", "../testdata/settings/blockers.yaml"}, "logArchiveEmail: \"logarchive@example.com\" is already used by account"},
		{"unknown key", []string{"--snapshot", typicalSnap, "--settings", unknown}, `unknown key "homeRegoin"`},
		{"limit out of range", []string{"--snapshot", typicalSnap, "--settings", typicalSettings, "--ou-account-limit", "5000"}, "ouAccountLimit: 5000 is out of range 1..1000"},
		{"invalid e-mail", []string{"--snapshot", typicalSnap, "--settings", typicalSettings, "--audit-email", "not-an-address"}, "auditEmail: \"not-an-address\" is not an address"},
		{"unknown region", []string{"--snapshot", typicalSnap, "--settings", typicalSettings, "--home-region", "ap-mars-1"}, "homeRegion: unknown region \"ap-mars-1\""},
		{"bad format", []string{"--snapshot", typicalSnap, "--settings", typicalSettings, "--format", "xml"}, "--format \"xml\""},
		{"no settings, only a home region", []string{"--snapshot", typicalSnap, "--home-region", "eu-west-1"}, "give --settings FILE"},
		{"no settings, one e-mail", []string{"--snapshot", typicalSnap, "--log-archive-email", "fresh-logs@new.example.org"}, "give --settings FILE"},
		{"no snapshot", []string{"--settings", typicalSettings}, "--snapshot is required"},
		{"missing snapshot file", []string{"--snapshot", "nope.json", "--settings", typicalSettings}, "read snapshot"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, errOut, code := runPlan(t, c.args...)
			if code != ExitBadInput {
				t.Fatalf("exit %d, want 2; stderr: %s", code, errOut)
			}
			if !strings.Contains(errOut, c.want) {
				t.Errorf("message lacks %q:\n%s", c.want, errOut)
			}
			if out != "" {
				t.Errorf("bad input printed a plan:\n%s", out)
			}
		})
	}
}

func TestPlanFlagParsing(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	var got *PlanOptions
	cmd := NewCmdPlan(&Factory{IO: ios}, func(o *PlanOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--snapshot", "s.json", "--governed-regions", "eu-west-1,us-east-1", "--enroll-shared-services=false", "--exclude-account", "111111111111", "-o", "p.json"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.SnapshotFile != "s.json" || got.Output != "p.json" || len(got.Overrides.GovernedRegions) != 2 ||
		got.EnrollSharedServices || !got.set["enroll-shared-services"] || got.set["home-region"] || len(got.ExcludeAccounts) != 1 {
		t.Errorf("options %+v", got)
	}
}

func TestPlanMarkdown(t *testing.T) {
	out, errOut, code := runPlan(t, "--snapshot", "../testdata/orgs/alz1-legacy.json", "--settings", "../testdata/settings/alz1-legacy.yaml", "--format", "markdown")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"# Migration plan for", "## Phase 0", "## Phase 6", "- [ ] `landing-zone.create`", "aws organizations close-account"} {
		if !strings.Contains(out, want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
}

func TestPlanWithoutSettingsFile(t *testing.T) {
	out, errOut, code := runPlan(t, "--snapshot", typicalSnap, "--log-archive-email", "new-log@example.org",
		"--audit-email", "new-audit@example.org", "--enroll-shared-services=false", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	p, err := plans.Decode([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	if p.Settings.HomeRegion != "eu-west-1" { // the IAM Identity Center region of alz2-typical
		t.Errorf("home region %q, want the Identity Center region", p.Settings.HomeRegion)
	}
	for _, a := range p.Accounts {
		if a.Name == "shared-services" && a.How != plans.HowExcluded {
			t.Errorf("--enroll-shared-services=false: shared services is %s", a.How)
		}
	}
}
