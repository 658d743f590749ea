package session

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lz2ct/lz2ct/settings"
	"github.com/lz2ct/lz2ct/statefolder"
)

// typical is the alz2-typical organization with its settings, checked and planned.
func typical(t *testing.T) (*Snapshot, settings.Settings) {
	t.Helper()
	snap, err := ReadSnapshot("../testdata/orgs/alz2-typical.json")
	if err != nil {
		t.Fatal(err)
	}
	s, err := settings.Load("../testdata/settings/alz2-typical.yaml")
	if err != nil {
		t.Fatal(err)
	}
	r, err := SettingsForPlan(snap.Snapshot, *s)
	if err != nil {
		t.Fatal(err)
	}
	return snap, r
}

// Everything a session saves into the state folder is private to its owner, the folder too, even
// when the folder existed before with looser permissions.
func TestFolderFilesArePrivate(t *testing.T) {
	snap, s := typical(t)
	dir := filepath.Join(t.TempDir(), "o-test")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	f := Open(dir, "")
	p, err := Plan(snap, s, Check(snap.Snapshot, s))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.SaveSnapshot(snap.Data); err != nil {
		t.Fatal(err)
	}
	if err := f.SaveSettings(s); err != nil {
		t.Fatal(err)
	}
	if err := f.SavePlan(p); err != nil {
		t.Fatal(err)
	}
	runbooks, err := f.WriteRunbooks(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(runbooks) != 2 || runbooks[0] != f.Path(statefolder.RunbookMD) || runbooks[1] != f.Path(statefolder.RunbookHTML) {
		t.Fatalf("runbooks written: %v", runbooks)
	}
	want := map[string]os.FileMode{dir: statefolder.DirPerm}
	for _, name := range []string{statefolder.Snapshot, statefolder.Settings, statefolder.Plan, statefolder.RunbookMD, statefolder.RunbookHTML} {
		want[f.Path(name)] = statefolder.FilePerm
	}
	for path, mode := range want {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != mode {
			t.Errorf("%s: mode %o, want %o", path, got, mode)
		}
	}
	// What was saved reads back: the settings, and a plan of the snapshot saved.
	back, err := f.Settings()
	if err != nil || back == nil || back.LogArchiveEmail != s.LogArchiveEmail {
		t.Fatalf("settings read back: %+v, %v", back, err)
	}
	pb, err := f.Plan()
	if err != nil || pb.SnapshotHash == "" || pb.SnapshotHash != p.SnapshotHash {
		t.Fatalf("plan read back: %v (hash %q, want %q)", err, pb.SnapshotHash, p.SnapshotHash)
	}
}

func TestFolderWithoutSettings(t *testing.T) {
	s, err := Open(t.TempDir(), "").Settings()
	if s != nil || err != nil {
		t.Fatalf("a folder without settings: %+v, %v; want nil, nil", s, err)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, statefolder.Settings), []byte("homeRegoin: x\n"), 0o600)
	if s, err := Open(dir, "").Settings(); err == nil || !strings.Contains(err.Error(), "homeRegoin") {
		t.Fatalf("an unreadable settings file: %+v, %v; want the error", s, err)
	}
}

func TestOpenDefaultsToTheOrganizationsFolder(t *testing.T) {
	if got := Open("", "o-abc").Dir; got != statefolder.Default("o-abc") {
		t.Fatalf("Open(\"\", o-abc) = %s", got)
	}
}

// Once a journal exists, the folder's plan.json is the plan of that run: saving another plan
// over it, from the wizard or from lz2ct plan -o, is refused and the file is left as it was.
func TestPlanOfAStartedRunIsNeverRewritten(t *testing.T) {
	snap, s := typical(t)
	p, err := Plan(snap, s, Check(snap.Snapshot, s))
	if err != nil {
		t.Fatal(err)
	}
	f := Open(t.TempDir(), "")
	if err := f.SavePlan(p); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(f.Path(statefolder.Plan))
	if err := f.WriteFile(statefolder.Journal, []byte(`{"time":"2026-01-02T03:04:05Z","step":"safeguard/scps","event":"started"}`+"\n")); err != nil {
		t.Fatal(err)
	}
	p.Organization = "o-other"
	for name, save := range map[string]func() error{
		"SavePlan":  func() error { return f.SavePlan(p) },
		"WritePlan": func() error { return WritePlan(f.Path(statefolder.Plan), p) },
	} {
		err := save()
		if !errors.Is(err, ErrRunStarted) || !strings.Contains(err.Error(), "plan-next.json") {
			t.Errorf("%s over a started run's plan: %v, want ErrRunStarted saying what to do", name, err)
		}
	}
	after, _ := os.ReadFile(f.Path(statefolder.Plan))
	if string(after) != string(before) {
		t.Fatal("the started run's plan.json changed")
	}
	// Another file name next to the journal is not the run's plan.
	if err := WritePlan(f.Path("plan-next.json"), p); err != nil {
		t.Fatalf("plan-next.json: %v", err)
	}
}

// A journal that cannot be read is reported: the runbook must not show such a run as "not started".
func TestRunbooksReportADamagedJournal(t *testing.T) {
	snap, s := typical(t)
	p, err := Plan(snap, s, Check(snap.Snapshot, s))
	if err != nil {
		t.Fatal(err)
	}
	f := Open(t.TempDir(), "")
	if err := f.WriteFile(statefolder.Journal, []byte("garbage\n")); err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteRunbooks(p); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Fatalf("runbooks over a damaged journal: %v, want an error naming the line", err)
	}
	if _, err := os.Stat(f.Path(statefolder.RunbookMD)); !os.IsNotExist(err) {
		t.Fatal("a runbook was written over a damaged journal")
	}
	if _, _, err := LoadRun("", f.Dir); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Fatalf("LoadRun over a damaged journal: %v", err)
	}
}

func TestLoadRun(t *testing.T) {
	snap, s := typical(t)
	p, err := Plan(snap, s, Check(snap.Snapshot, s))
	if err != nil {
		t.Fatal(err)
	}
	f := Open(t.TempDir(), "")
	if _, _, err := LoadRun("", f.Dir); err == nil || !strings.Contains(err.Error(), "--plan") {
		t.Fatalf("a state folder without a plan: %v", err)
	}
	if err := f.SavePlan(p); err != nil {
		t.Fatal(err)
	}
	got, st, err := LoadRun("", f.Dir)
	if err != nil || got.Organization != p.Organization || st == nil || st.Events != 0 {
		t.Fatalf("LoadRun of a folder without a journal: %v, %+v", err, st)
	}
	other := filepath.Join(t.TempDir(), "other.json")
	p.Organization = "o-other"
	if err := WritePlan(other, p); err != nil {
		t.Fatal(err)
	}
	if _, _, err := LoadRun(other, f.Dir); err == nil || !strings.Contains(err.Error(), "not the plan the run") {
		t.Fatalf("another plan with the state folder: %v", err)
	}
	if _, _, err := LoadRun("", filepath.Join(f.Dir, "typo")); err == nil || !strings.Contains(err.Error(), "state folder") {
		t.Fatalf("a missing state folder: %v", err)
	}
}

// check leaves the problems it reports as findings to the checks; plan refuses them.
func TestSettingsForCheckAndPlan(t *testing.T) {
	snap, _ := typical(t)
	noEmails := settings.Settings{HomeRegion: "eu-west-1"}
	if _, err := SettingsForCheck(snap.Snapshot, noEmails); err != nil {
		t.Fatalf("check refused settings without e-mails (the checks report them): %v", err)
	}
	if _, err := SettingsForPlan(snap.Snapshot, noEmails); err == nil || !strings.Contains(err.Error(), "logArchiveEmail") {
		t.Fatalf("plan accepted settings without e-mails: %v", err)
	}
	bad := noEmails
	bad.OUAccountLimit = 5000
	if _, err := SettingsForCheck(snap.Snapshot, bad); err == nil || !strings.Contains(err.Error(), "ouAccountLimit") ||
		strings.Contains(err.Error(), "logArchiveEmail") {
		t.Fatalf("check with an out-of-range limit: %v; want only the limit reported", err)
	}
}

func TestHomeRegionFindings(t *testing.T) {
	snap, _ := typical(t)
	bad := settings.Settings{HomeRegion: "eu-central-1"}.Resolve(snap.Snapshot)
	fs := HomeRegionFindings(snap.Snapshot, bad)
	if len(fs) != 1 || fs[0].Check != "ct.identity-center-region" || fs[0].Title == "" || fs[0].Source == "" {
		t.Fatalf("home region eu-central-1 with Identity Center in eu-west-1: %+v", fs)
	}
	if fs := HomeRegionFindings(snap.Snapshot, settings.Settings{HomeRegion: "eu-west-1"}.Resolve(snap.Snapshot)); len(fs) != 0 {
		t.Fatalf("the Identity Center region was rejected: %+v", fs)
	}
}

func TestWriteFileIsPrivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "org.json")
	if err := WriteFile(path, []byte("{}")); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != statefolder.FilePerm {
		t.Fatalf("mode %v, %v", fi.Mode(), err)
	}
}
