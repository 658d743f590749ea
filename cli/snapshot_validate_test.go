package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/iostreams"
)

func runValidate(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	cmd := NewRootCmd(&Factory{IO: ios})
	cmd.SetArgs(append([]string{"snapshot", "validate"}, args...))
	err := cmd.Execute()
	if err != nil {
		errOut.WriteString(err.Error())
	}
	return out.String(), errOut.String(), ExitCode(err)
}

func TestSnapshotValidateSummary(t *testing.T) {
	out, errOut, code := runValidate(t, "../testdata/orgs/blockers.json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"OUs              10, deepest at level 6",
		"323 (321 active, 2 suspended; 3 unreadable)",
		"Identity Center  us-east-1",
		"ALZ              2.4.1, home region eu-west-1",
		"Control Tower    not deployed",
		"Problems         3",
		"sts:AssumeRole AccessDenied",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	// One screen: at most 24 lines of at most 80 columns.
	if n := strings.Count(out, "\n"); n > 24 {
		t.Errorf("summary has %d lines, want at most 24", n)
	}
	for _, line := range strings.Split(out, "\n") {
		if len([]rune(line)) > 80 {
			t.Errorf("line wider than 80 columns: %q", line)
		}
	}
}

func TestSnapshotValidateJSON(t *testing.T) {
	out, errOut, code := runValidate(t, "--json", "../testdata/orgs/alz1-legacy.json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var sum SnapshotSummary
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		t.Fatalf("--json output is not JSON: %v\n%s", err, out)
	}
	if !sum.Valid || sum.ALZ == nil || sum.ALZ.Version != "1.0.3" || sum.IdentityCenterRegion != "" || sum.ControlTower.Deployed {
		t.Errorf("summary %+v", sum)
	}
	if sum.Accounts != 9 || sum.OUs != 4 || sum.MaxOUDepth != 2 || len(sum.Regions) != 2 {
		t.Errorf("counts: %d accounts, %d OUs, depth %d, regions %v", sum.Accounts, sum.OUs, sum.MaxOUDepth, sum.Regions)
	}
}

func TestSnapshotValidateBadInput(t *testing.T) {
	data, err := os.ReadFile("../testdata/orgs/alz2-typical.json")
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(string(data), `"featureSet": "ALL"`, `"featureSet": "SOME"`, 1)
	path := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(path, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	_, errOut, code := runValidate(t, path)
	if code != ExitBadInput || !strings.Contains(errOut, "$.organization.featureSet") {
		t.Errorf("exit %d, stderr %q: want exit 2 naming $.organization.featureSet", code, errOut)
	}
	out, _, code := runValidate(t, "--json", path)
	var res struct {
		Valid bool
		Error SummaryError
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || code != ExitBadInput || res.Valid || res.Error.Path != "$.organization.featureSet" {
		t.Errorf("--json on bad input: exit %d, %+v (%v)", code, res, err)
	}
	if _, _, code := runValidate(t, "/nonexistent/snapshot.json"); code != ExitBadInput {
		t.Errorf("missing file: exit %d, want 2", code)
	}
	if _, _, code := runValidate(t); code != ExitBadInput {
		t.Errorf("no argument: exit %d, want 2", code)
	}
}

func TestSnapshotValidateStdin(t *testing.T) {
	data, err := os.ReadFile("../testdata/orgs/alz2-typical.json")
	if err != nil {
		t.Fatal(err)
	}
	ios, in, out, _ := iostreams.Test()
	in.Write(data)
	cmd := NewRootCmd(&Factory{IO: ios})
	cmd.SetArgs([]string{"snapshot", "validate", "-"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "15 (15 active; 0 unreadable)") {
		t.Errorf("summary of stdin:\n%s", out)
	}
	ios, in, _, _ = iostreams.Test()
	in.WriteString(`{"schemaVersion": 1, "regions": "eu-west-1"}`)
	cmd = NewRootCmd(&Factory{IO: ios})
	cmd.SetArgs([]string{"snapshot", "validate", "-"})
	if err := cmd.Execute(); ExitCode(err) != ExitBadInput || !strings.Contains(err.Error(), "$.regions") {
		t.Errorf("bad stdin: %v", err)
	}
}

// A snapshot taken mid-migration: Control Tower deployed, one OU registered, one account enrolled.
func TestSnapshotValidateControlTower(t *testing.T) {
	s, err := inventory.Load("../testdata/orgs/alz2-typical.json")
	if err != nil {
		t.Fatal(err)
	}
	ou, acct := s.OUs[0], s.Accounts[1]
	base := "arn:aws:controltower:eu-west-1::baseline/17BSJV3IGJ2QSGA2" // opaque, as AWS names it
	s.ControlTower.Baselines = []inventory.Baseline{{Arn: base, Name: inventory.BaselineControlTower}}
	s.ControlTower.LandingZone = &inventory.LandingZone{
		Arn: "arn:aws:controltower:eu-west-1:" + s.Organization.ManagementAccountID + ":landingzone/1A2B3C", Version: "3.3",
		LatestAvailableVersion: "3.3", Status: "ACTIVE", DriftStatus: "IN_SYNC", HomeRegion: "eu-west-1",
		GovernedRegions: []string{"eu-west-1"}, SecurityOUName: "Security",
	}
	s.ControlTower.EnabledBaselines = []inventory.EnabledBaseline{
		{Arn: "arn:aws:controltower:eu-west-1:1:enabledbaseline/A", BaselineIdentifier: base, BaselineVersion: "4.0", TargetIdentifier: ou.Arn, Status: "SUCCEEDED"},
		{Arn: "arn:aws:controltower:eu-west-1:1:enabledbaseline/B", BaselineIdentifier: base, BaselineVersion: "4.0", TargetIdentifier: acct.Arn, Status: "SUCCEEDED"},
	}
	path := filepath.Join(t.TempDir(), "ct.json")
	if err := inventory.Save(path, s); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runValidate(t, path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"Control Tower    landing zone 3.3 in eu-west-1 (ACTIVE)\n", "1 OUs registered, 1 accounts enrolled"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
}
