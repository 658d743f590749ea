package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lz2ct/lz2ct/checks"
	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/iostreams"
	"github.com/lz2ct/lz2ct/sim"
)

const (
	blockersSnap     = "../testdata/orgs/blockers.json"
	blockersSettings = "../testdata/settings/blockers.yaml"
)

func runCheck(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	cmd := NewRootCmd(&Factory{IO: ios})
	cmd.SetArgs(append([]string{"check"}, args...))
	err := cmd.Execute()
	if err != nil {
		errOut.WriteString(err.Error())
	}
	return out.String(), errOut.String(), ExitCode(err)
}

func TestCheckFlags(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	var got *CheckOptions
	cmd := NewCmdCheck(&Factory{IO: ios}, func(o *CheckOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--snapshot", "s.json", "--settings", "x.yaml", "--home-region", "eu-west-1",
		"--log-archive-email", "l@example.org", "--format", "json", "--severity", "warning", "--exclude-ou", "Sandbox"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.SnapshotFile != "s.json" || got.SettingsFile != "x.yaml" || got.Format != "json" || got.Severity != "warning" ||
		got.Overrides.HomeRegion != "eu-west-1" || got.Overrides.LogArchiveEmail != "l@example.org" || strings.Join(got.ExcludeOUs, ",") != "Sandbox" {
		t.Errorf("options = %+v", got)
	}
	if !got.set["home-region"] || !got.set["log-archive-email"] || got.set["audit-email"] {
		t.Errorf("set = %v: only the flags given may override the settings file", got.set)
	}
}

func TestCheckTypicalExitsZero(t *testing.T) {
	out, errOut, code := runCheck(t, "--snapshot", typicalSnap, "--settings", typicalSettings)
	if code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, errOut, out)
	}
	for _, want := range []string{"Pre-checks for o-", "No blocker the plan cannot fix", "CONFIG", "[fixed by plan]", "config.recorders", "→ "} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\x1b[") {
		t.Error("colour codes in output without a terminal")
	}
}

func TestCheckBlockersExitsOneWithBanner(t *testing.T) {
	out, _, code := runCheck(t, "--snapshot", blockersSnap, "--settings", blockersSettings)
	if code != ExitFindings {
		t.Fatalf("exit %d, want 1", code)
	}
	banner := strings.Index(out, "BLOCKER(S) THE PLAN CANNOT FIX")
	deploy := strings.Index(out, "\nDEPLOY\n")
	if banner < 0 || deploy < 0 || banner > deploy {
		t.Errorf("the unfixed blockers must come first, before the phases:\n%s", out)
	}
	// Phases appear in migration order.
	last := -1
	for _, ph := range []string{"DEPLOY", "SCP", "CONFIG", "REGISTRATION", "ENROLLMENT", "DECOMMISSION"} {
		i := strings.Index(out, "\n"+ph+"\n")
		if i < 0 {
			continue
		}
		if i < last {
			t.Errorf("phase %s out of order", ph)
		}
		last = i
	}
}

func TestCheckJSONIsStable(t *testing.T) {
	out, _, code := runCheck(t, "--snapshot", blockersSnap, "--settings", blockersSettings, "--format", "json")
	if code != ExitFindings {
		t.Fatalf("exit %d, want 1", code)
	}
	var doc CheckDocument
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if doc.SchemaVersion != 1 || doc.HomeRegion != "eu-west-1" || doc.Summary.Unfixed == 0 || doc.Summary.Blockers < doc.Summary.Unfixed {
		t.Errorf("summary = %+v", doc)
	}
	unfixed := 0
	for _, f := range doc.Findings {
		if f.Severity == checks.Blocker && !f.FixedByPlan {
			unfixed++
		}
	}
	if unfixed != doc.Summary.Unfixed {
		t.Errorf("%d unfixed blockers listed, summary says %d", unfixed, doc.Summary.Unfixed)
	}
	// The documented keys (docs/checks.md) are all there, also when false or empty.
	var raw map[string]any
	_ = json.Unmarshal([]byte(out), &raw)
	for _, k := range []string{"schemaVersion", "snapshot", "organization", "homeRegion", "governedRegions", "severity", "summary", "findings"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("missing key %q", k)
		}
	}
	f0 := raw["findings"].([]any)[0].(map[string]any)
	for _, k := range []string{"check", "title", "severity", "phase", "subjects", "evidence", "remediation", "fixedByPlan", "source"} {
		if _, ok := f0[k]; !ok {
			t.Errorf("finding lacks key %q", k)
		}
	}
	if strings.Contains(out, `\u003c`) {
		t.Error("JSON escapes < and >; evidence must stay readable")
	}
}

func TestCheckSeverityFiltersButKeepsExitCode(t *testing.T) {
	out, _, code := runCheck(t, "--snapshot", blockersSnap, "--settings", blockersSettings, "--format", "json", "--severity", "blocker")
	if code != ExitFindings {
		t.Fatalf("exit %d, want 1", code)
	}
	var doc CheckDocument
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Severity != checks.Blocker || doc.Summary.Warnings == 0 {
		t.Errorf("severity %q, summary %+v: the summary still counts everything", doc.Severity, doc.Summary)
	}
	for _, f := range doc.Findings {
		if f.Severity != checks.Blocker {
			t.Errorf("%s finding shown with --severity blocker", f.Severity)
		}
	}
}

func TestCheckMarkdown(t *testing.T) {
	out, _, code := runCheck(t, "--snapshot", typicalSnap, "--settings", typicalSettings, "--format", "markdown")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"# Pre-checks: o-", "## Phase: config", "**Remediation:**", "*fixed by the plan*", "(https://docs.aws.amazon.com/"} {
		if !strings.Contains(out, want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
}

func TestCheckFlagsOverrideSettings(t *testing.T) {
	// The blockers settings use e-mails already in the organization; fresh ones given as flags
	// replace them, and a home region given as flag replaces eu-west-1.
	out, _, _ := runCheck(t, "--snapshot", blockersSnap, "--settings", blockersSettings, "--format", "json",
		"--log-archive-email", "fresh-logs@new.example.org", "--audit-email", "fresh-audit@new.example.org", "--home-region", "us-east-1")
	var doc CheckDocument
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.HomeRegion != "us-east-1" {
		t.Errorf("home region %q, want the flag's", doc.HomeRegion)
	}
	for _, f := range doc.Findings {
		if f.Check == "email.shared-accounts" || f.Check == "ct.identity-center-region" {
			t.Errorf("flag did not override the settings file: %s %s", f.Check, f.Title)
		}
	}
}

func TestCheckHomeRegionDefaultsToIdentityCenter(t *testing.T) {
	out, _, _ := runCheck(t, "--snapshot", blockersSnap, "--format", "json",
		"--log-archive-email", "fresh-logs@new.example.org", "--audit-email", "fresh-audit@new.example.org")
	var doc CheckDocument
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.HomeRegion != "us-east-1" { // blockers.json: Identity Center in us-east-1, ALZ in eu-west-1
		t.Errorf("home region %q, want the Identity Center region us-east-1", doc.HomeRegion)
	}
}

func TestCheckBadInput(t *testing.T) {
	dir := t.TempDir()
	badSettings := filepath.Join(dir, "bad.yaml")
	os.WriteFile(badSettings, []byte("homeRegoin: eu-west-1\n"), 0o644)
	notSnap := filepath.Join(dir, "x.json")
	os.WriteFile(notSnap, []byte(`{"schemaVersion": 1, "organization": {"id": "nope"}}`), 0o644)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"snapshot and endpoint", []string{"--snapshot", typicalSnap, "--endpoint-url", "http://127.0.0.1:1"}, "cannot be combined with --snapshot"},
		{"missing file", []string{"--snapshot", filepath.Join(dir, "none.json")}, "read snapshot"},
		{"invalid snapshot", []string{"--snapshot", notSnap}, "$."},
		{"unknown settings key", []string{"--snapshot", typicalSnap, "--settings", badSettings}, "homeRegoin"},
		{"bad region", []string{"--snapshot", typicalSnap, "--home-region", "mars-1"}, "homeRegion"},
		{"bad format", []string{"--snapshot", typicalSnap, "--format", "yaml"}, "--format"},
		{"bad severity", []string{"--snapshot", typicalSnap, "--severity", "fatal"}, "--severity"},
		{"unknown flag", []string{"--snapshot", typicalSnap, "--colour"}, "unknown flag"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := runCheck(t, tc.args...)
			if code != ExitBadInput {
				t.Fatalf("exit %d, want 2 (%s)", code, errOut)
			}
			if !strings.Contains(errOut, tc.want) {
				t.Errorf("error %q does not mention %q", errOut, tc.want)
			}
			if out != "" {
				t.Errorf("bad input printed a report: %s", out)
			}
		})
	}
}

func TestCheckColourOnlyOnTerminal(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	ios.SetTTY(false, true, false)
	ios.SetColorDisabled(false)
	cmd := NewRootCmd(&Factory{IO: ios})
	cmd.SetArgs([]string{"check", "--snapshot", blockersSnap, "--settings", blockersSettings})
	_ = cmd.Execute()
	if !strings.Contains(out.String(), "\x1b[") {
		t.Error("no colour on a colour terminal")
	}
}

// TestCheckLiveAgainstSimulator: without --snapshot, check discovers the organization through the
// real SDK clients against the simulator serving alz2-typical, and reports what the snapshot gives.
func TestCheckLiveAgainstSimulator(t *testing.T) {
	snap, err := inventory.Load(typicalSnap)
	if err != nil {
		t.Fatal(err)
	}
	srv := sim.New(snap, sim.Options{Seed: 1})
	url, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEEXAMPLE00")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))

	live, errOut, code := runCheck(t, "--endpoint-url", url, "--region", "eu-west-1", "--regions", strings.Join(snap.Regions, ","),
		"--settings", typicalSettings, "--format", "json")
	if code != 0 {
		t.Fatalf("live check exit %d: %s", code, errOut)
	}
	offline, _, _ := runCheck(t, "--snapshot", typicalSnap, "--settings", typicalSettings, "--format", "json")
	summary := func(out string) string {
		var doc CheckDocument
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatalf("not JSON: %v", err)
		}
		var lines []string
		for _, f := range doc.Findings {
			lines = append(lines, fmt.Sprintf("%s %s %t %d", f.Check, f.Severity, f.FixedByPlan, len(f.Subjects)))
		}
		return strings.Join(lines, "\n")
	}
	if got, want := summary(live), summary(offline); got != want {
		t.Errorf("live findings differ from the snapshot's:\nlive:\n%s\nsnapshot:\n%s", got, want)
	}
	for _, c := range srv.Calls() {
		if c.Mutating {
			t.Errorf("check made a mutating call: %s:%s", c.Service, c.Operation)
		}
	}
}
