package tui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lz2ct/lz2ct/demodata"
	"github.com/lz2ct/lz2ct/plans"
	"github.com/lz2ct/lz2ct/settings"
)

func TestLiveHomeRegionFindings(t *testing.T) {
	snap, err := demodata.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	l := NewLive(LiveOptions{})
	bad := settings.Settings{HomeRegion: "eu-central-1"}.Resolve(snap)
	fs := l.HomeRegionFindings(snap, bad)
	if len(fs) != 1 || fs[0].Check != "ct.identity-center-region" || fs[0].Title == "" ||
		fs[0].Severity != SeverityBlocker || fs[0].Phase != "deploy" || fs[0].Source == "" {
		t.Fatalf("home region eu-central-1 with Identity Center in eu-west-1: %+v", fs)
	}
	if fs := l.HomeRegionFindings(snap, settings.Settings{HomeRegion: "eu-west-1"}.Resolve(snap)); len(fs) != 0 {
		t.Fatalf("the Identity Center region was rejected: %+v", fs)
	}
}

// The view models carry everything the real report and plan hold, and export writes real runbooks.
func TestLiveCheckPlanRunbook(t *testing.T) {
	snap, err := demodata.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	l := NewLive(LiveOptions{})
	set := demodata.Settings(snap)
	res, err := l.Check(snap, set)
	if err != nil {
		t.Fatal(err)
	}
	if res.Blockers+res.Warnings+res.Infos != len(res.Findings) || res.Blockers == 0 {
		t.Fatalf("counts %d/%d/%d for %d findings", res.Blockers, res.Warnings, res.Infos, len(res.Findings))
	}
	data := demodata.JSON()
	p, err := l.Plan(data, snap, set, res)
	if err != nil {
		t.Fatal(err)
	}
	pl := p.Plan.(*plans.Plan)
	steps := 0
	for _, ph := range p.View.Phases {
		steps += len(ph.Steps)
	}
	if steps != pl.StepCount() || len(p.View.OUs) != len(pl.OUOrder) || p.View.Total != pl.Estimate.Total() {
		t.Fatalf("view has %d steps, %d OUs, %v; plan %d, %d, %v", steps, len(p.View.OUs), p.View.Total, pl.StepCount(), len(pl.OUOrder), pl.Estimate.Total())
	}
	if pl.SnapshotHash != plans.SnapshotHash(data) {
		t.Fatalf("plan hash %q", pl.SnapshotHash)
	}
	dir := t.TempDir()
	for _, f := range []struct{ name, format, want string }{{"r.md", "md", "# "}, {"r.html", "html", "<html"}} {
		path := filepath.Join(dir, f.name)
		if err := l.Runbook(path, f.format, p, dir); err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(path)
		if !strings.Contains(string(b), f.want) || !strings.Contains(string(b), snap.Organization.ID) {
			t.Fatalf("%s does not look like a runbook for %s", f.name, snap.Organization.ID)
		}
	}
	if err := l.Runbook(filepath.Join(dir, "r.pdf"), "pdf", p, dir); err == nil {
		t.Fatal("an unknown runbook format was accepted")
	}
}

func TestAWSProfiles(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config")
	creds := filepath.Join(dir, "credentials")
	os.WriteFile(cfg, []byte("[default]\nregion = eu-west-1\n\n[profile mgmt]\nsso_session = corp\nregion = us-east-1\n[sso-session corp]\nsso_region = us-east-1\n[profile audit]\nrole_arn = arn:aws:iam::1:role/x\n"), 0o644)
	os.WriteFile(creds, []byte("[ci]\naws_access_key_id = AKIA\naws_secret_access_key = x\n"), 0o644)
	t.Setenv("AWS_CONFIG_FILE", cfg)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", creds)
	ps, err := AWSProfiles()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range ps {
		names = append(names, p.Name+"="+p.Detail)
	}
	got := strings.Join(names, "; ")
	want := "audit=assumes arn:aws:iam::1:role/x; ci=access key; default=eu-west-1; mgmt=us-east-1 · IAM Identity Center (run aws sso login first)"
	if got != want {
		t.Fatalf("profiles:\n got %s\nwant %s", got, want)
	}
}
