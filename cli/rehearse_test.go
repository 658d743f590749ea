package cli

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/lz2ct/lz2ct/engine"
	"github.com/lz2ct/lz2ct/iostreams"
	"github.com/lz2ct/lz2ct/plans"
	"github.com/lz2ct/lz2ct/session"
	"github.com/lz2ct/lz2ct/statefolder"
	"github.com/lz2ct/lz2ct/tui"
)

// rehearsalFolder writes a state folder as lz2ct plan leaves it for the user: the snapshot and the
// plan of alz2-typical side by side.
func rehearsalStateFolder(t *testing.T) (dir, planFile string) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "o-f4yjsoufrn")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("../testdata/orgs/alz2-typical.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "snapshot.json"), data, 0o600); err != nil {
		t.Fatal(err)
	}
	planFile = filepath.Join(dir, "plan.json")
	ios, _, _, errOut := iostreams.Test()
	root := NewRootCmd(&Factory{IO: ios})
	root.SetArgs([]string{"plan", "--snapshot", filepath.Join(dir, "snapshot.json"), "--settings", "../testdata/settings/alz2-typical.yaml", "-o", planFile})
	if err := root.Execute(); err != nil {
		t.Fatalf("plan: %v\n%s", err, errOut)
	}
	return dir, planFile
}

// folderFiles lists a folder's files with their sizes, to see that nothing was written there.
func folderFiles(t *testing.T, dir string) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		out[path] = fi.Size()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// awsTrap stands where the user's AWS set-up would send calls (every endpoint variable, a profile
// that does not exist): a rehearsal that read any of it would fail or be counted here.
func awsTrap(t *testing.T) *atomic.Int64 {
	t.Helper()
	var hits atomic.Int64
	trap := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		http.Error(w, "not the simulator", http.StatusForbidden)
	}))
	t.Cleanup(trap.Close)
	t.Setenv("AWS_ENDPOINT_URL", trap.URL)
	for _, svc := range []string{"STS", "ORGANIZATIONS", "CONTROLTOWER", "CLOUDFORMATION", "CONFIG_SERVICE", "IAM", "S3", "SERVICE_CATALOG", "SSM", "KMS"} {
		t.Setenv("AWS_ENDPOINT_URL_"+svc, trap.URL)
	}
	t.Setenv("AWS_PROFILE", "lz2ct-rehearse-test-no-such-profile")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAREALLOOKINGKEY00")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_CONFIG_FILE", os.DevNull)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	return &hits
}

func rehearse(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	root := NewRootCmd(&Factory{IO: ios})
	root.SetArgs(append([]string{"rehearse"}, args...))
	err := root.Execute()
	return out.String(), errOut.String(), err
}

func TestRehearseTypicalFinishesEveryPhaseWithoutLeavingTheProcess(t *testing.T) {
	dir, planFile := rehearsalStateFolder(t)
	before := folderFiles(t, dir)
	hits := awsTrap(t)
	p, err := plans.Load(planFile)
	if err != nil {
		t.Fatal(err)
	}

	out, errOut, err := rehearse(t, "--plan", planFile, "--time-scale", "5000")
	if err != nil {
		t.Fatalf("rehearse: exit %d: %v\n%s\n%s", ExitCode(err), err, out, errOut)
	}
	// Every phase is listed with its simulated time (a duration, not "—": each phase ran).
	for _, ph := range p.Phases {
		line := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(strconv.Itoa(ph.Number)+" "+ph.Name) + `\s+(\d+)\s+(\d+)\s+0\s+0\s+\d+\s+(\S+)\s`)
		m := line.FindStringSubmatch(out)
		if m == nil {
			t.Errorf("phase %d %s: no line with a simulated duration:\n%s", ph.Number, ph.Name, out)
			continue
		}
		if m[3] == "—" {
			t.Errorf("phase %d %s: no simulated duration:\n%s", ph.Number, ph.Name, out)
		}
		if m[1] != m[2] || m[1] != strconv.Itoa(len(ph.Steps)) {
			t.Errorf("phase %d: %s steps, %s done; the plan has %d", ph.Number, m[1], m[2], len(ph.Steps))
		}
	}
	for _, want := range []string{"Every step finished", "none sent to AWS", "rehearsed as done by the operator", "MANUAL  manual/",
		"TYPE    the organization ID " + p.Organization, "whole run"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	// Progress lines go to stderr, the operator's confirmations among them.
	if !strings.Contains(errOut, "operator  manual/") || !strings.Contains(errOut, "done     ") {
		t.Errorf("progress lines lack the operator or the steps:\n%s", errOut)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("%d calls left the process for the user's AWS endpoints", n)
	}
	// The plan's real state folder is untouched: no journal, no lock, no export, no change.
	after := folderFiles(t, dir)
	if !maps.Equal(before, after) {
		t.Errorf("the plan's state folder changed:\nbefore %v\nafter  %v", before, after)
	}
}

func TestRehearseRefusesASnapshotThatIsNotThePlans(t *testing.T) {
	dir, planFile := rehearsalStateFolder(t)
	data, err := os.ReadFile(filepath.Join(dir, "snapshot.json"))
	if err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(t.TempDir(), "other.json")
	if err := os.WriteFile(other, append(data, '\n'), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		args []string
		want string
	}{
		"another snapshot":      {[]string{"--snapshot", other}, "is not the snapshot " + planFile + " was made from"},
		"none next to the plan": {nil, "no snapshot next to the plan"},
		"a state folder in use": {[]string{"--state", dir}, "--state " + dir + " is not empty"},
		"a bad time scale":      {[]string{"--time-scale", "0"}, "--time-scale 0"},
		"a bad fault":           {[]string{"--fault", "organizations:DetachPolicy=explode"}, "--fault"},
	} {
		t.Run(name, func(t *testing.T) {
			plan := planFile
			if name == "none next to the plan" {
				plan = filepath.Join(t.TempDir(), "plan.json")
				b, err := os.ReadFile(planFile)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(plan, b, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			out, errOut, err := rehearse(t, append([]string{"--plan", plan}, c.args...)...)
			if ExitCode(err) != ExitBadInput || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("want exit 2 with %q, got %d: %v\n%s\n%s", c.want, ExitCode(err), err, out, errOut)
			}
		})
	}
}

func TestRehearseListsWhatWouldFail(t *testing.T) {
	_, planFile := rehearsalStateFolder(t)
	p, err := plans.Load(planFile)
	if err != nil {
		t.Fatal(err)
	}
	// AWS refuses one SCP detachment: that step fails, what needs it does not start, the rest goes on.
	var failing *plans.Step
	for i := range p.Phases[2].Steps {
		if s := &p.Phases[2].Steps[i]; s.Kind == plans.KindSCPDetach {
			failing = s
			break
		}
	}
	if failing == nil {
		t.Fatal("alz2-typical's plan detaches no SCP")
	}
	target := strings.TrimPrefix(failing.ID, plans.KindSCPDetach+"/")
	state := filepath.Join(t.TempDir(), "kept")
	out, errOut, err := rehearse(t, "--plan", planFile, "--time-scale", "5000", "--format", "json", "--quiet", "--state", state,
		"--fault", "organizations:DetachPolicy@"+target+"=fail:AccessDeniedException")
	if ExitCode(err) != ExitFailure {
		t.Fatalf("want exit 1, got %d: %v\n%s", ExitCode(err), err, errOut)
	}
	if strings.Contains(errOut, " start ") {
		t.Errorf("--quiet printed progress lines:\n%s", errOut)
	}
	var r Rehearsal
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("--format json: %v\n%s", err, out)
	}
	if r.Finished || len(r.Failed) != 1 || r.Failed[0].Step != failing.ID || !strings.Contains(r.Failed[0].Error, "AccessDeniedException") || r.Failed[0].Advice == "" {
		t.Fatalf("want %s failed with AccessDeniedException and advice, got %+v", failing.ID, r.Failed)
	}
	if len(r.NotStarted) == 0 || !slices.ContainsFunc(r.NotStarted, func(o engine.Outcome) bool { return strings.Contains(o.Reason, failing.ID) }) {
		t.Errorf("no step reported as not started because %s failed: %+v", failing.ID, r.NotStarted)
	}
	if r.Phases[0].Done != len(p.Phases[0].Steps) || r.Phases[0].SimulatedSeconds == 0 {
		t.Errorf("phase 0 did not go on beside the failure: %+v", r.Phases[0])
	}
	if r.Calls == 0 || r.MutatingCalls == 0 {
		t.Errorf("no calls counted: %+v", r)
	}
	// --state keeps the rehearsal's journal where asked.
	if _, err := os.Stat(filepath.Join(state, "journal.jsonl")); err != nil {
		t.Errorf("--state %s holds no journal: %v", state, err)
	}
}

// folderDigest is a folder's files with their contents' hashes, to see that nothing changed there.
func folderDigest(t *testing.T, dir string) map[string][32]byte {
	t.Helper()
	out := map[string][32]byte{}
	for path := range folderFiles(t, dir) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		out[path] = sha256.Sum256(data)
	}
	return out
}

// rehearsalTemp points the temporary folders at an empty folder of the test's and returns it, to
// see that a rehearsal leaves nothing there.
func rehearsalTemp(t *testing.T) string {
	t.Helper()
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	return tmp
}

func leftovers(t *testing.T, tmp string) []string {
	t.Helper()
	entries, err := os.ReadDir(tmp)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

// The wizard's rehearsal (r on the plan screen) goes through the same session.Rehearse: with the
// real backend and the real wizard, it finishes every phase of alz2-typical's plan, sends nothing
// to the user's AWS endpoints, leaves the state folder exactly as it was and no temporary folder
// behind; and the plan can still be applied from the plan screen afterwards.
func TestWizardRehearsalStaysInItsSimulator(t *testing.T) {
	dir, _ := rehearsalStateFolder(t)
	settingsData, err := os.ReadFile("../testdata/settings/alz2-typical.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// The decisions the form starts from (enter through it submits them).
	if err := os.WriteFile(filepath.Join(dir, statefolder.Settings), settingsData, 0o600); err != nil {
		t.Fatal(err)
	}
	hits := awsTrap(t)
	tmp := rehearsalTemp(t)

	tm := wizardThroughDecisions(t, filepath.Join(dir, statefolder.Snapshot), dir, 60*time.Second)
	waitFor := func(words ...string) { t.Helper(); waitTeaText(t, tm, 60*time.Second, words...) }
	waitFor("r rehearses", "a applies")
	// The wizard saves the plan in the background (an atomic write through a temporary file, maybe
	// more than once): the folder as it stands once that is done — the plan saved, no temporary
	// file, the same on two looks — is what the rehearsal must leave alone.
	var before map[string][32]byte
	deadline := time.Now().Add(20 * time.Second)
	for {
		last := before
		before = folderDigest(t, dir)
		settled := maps.Equal(last, before)
		for name := range before {
			settled = settled && !strings.Contains(filepath.Base(name), ".tmp")
		}
		if p, err := plans.Load(filepath.Join(dir, statefolder.Plan)); settled && err == nil && p.Settings.AuditEmail != "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the wizard did not save its plan in %s", dir)
		}
		time.Sleep(50 * time.Millisecond)
	}

	tm.Send(tea.KeyPressMsg{Code: 'r', Text: "r"})
	waitFor("every step finished", "PLAN ESTIMATE", "none sent to AWS")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEscape})
	waitFor("a applies")
	tm.Send(tea.KeyPressMsg{Code: 'a', Text: "a"})
	waitFor("type yes")
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	app := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(*tui.App)
	app.Wait()
	if app.Active() != tui.ScreenApply {
		t.Errorf("after the rehearsal, a went to screen %v, want apply", app.Active())
	}

	if n := hits.Load(); n != 0 {
		t.Errorf("%d calls left the process for the user's AWS endpoints", n)
	}
	if after := folderDigest(t, dir); !maps.Equal(before, after) {
		t.Errorf("the rehearsal changed the state folder:\nbefore %v\nafter  %v", before, after)
	}
	if l := leftovers(t, tmp); len(l) > 0 {
		t.Errorf("the rehearsal left %v in the temporary folder", l)
	}
}

// Stopping the wizard's rehearsal (esc cancels its context) ends it at a safe point as Stopped,
// with its temporary folder gone and the state folder untouched.
func TestWizardRehearsalStopsWithoutLeftovers(t *testing.T) {
	dir, planFile := rehearsalStateFolder(t)
	hits := awsTrap(t)
	tmp := rehearsalTemp(t)
	p, err := plans.Load(planFile)
	if err != nil {
		t.Fatal(err)
	}
	snap, err := session.ReadSnapshot(filepath.Join(dir, statefolder.Snapshot))
	if err != nil {
		t.Fatal(err)
	}
	// The wizard hands over the snapshot file's bytes, as it read them.
	data, err := os.ReadFile(filepath.Join(dir, statefolder.Snapshot))
	if err != nil {
		t.Fatal(err)
	}
	before := folderDigest(t, dir)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var progressed atomic.Int64
	var inside []string
	res, err := (&wizardBackend{}).Rehearse(ctx, data, snap.Snapshot, &tui.PlanResult{Plan: p}, func(pr tui.RehearsalProgress) {
		if progressed.Add(1) == 1 {
			inside = leftovers(t, tmp) // the rehearsal's own folder, while it runs
			cancel()                   // esc, as soon as the first step moved
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Stopped || res.Finished {
		t.Fatalf("want a stopped rehearsal, got finished %v stopped %v", res.Finished, res.Stopped)
	}
	if len(inside) != 1 || !strings.HasPrefix(inside[0], "lz2ct-rehearse-") {
		t.Errorf("while it ran, the temporary folder held %v, want its own lz2ct-rehearse-* folder", inside)
	}
	if l := leftovers(t, tmp); len(l) > 0 {
		t.Errorf("the stopped rehearsal left %v in the temporary folder", l)
	}
	if after := folderDigest(t, dir); !maps.Equal(before, after) {
		t.Errorf("the rehearsal changed the state folder:\nbefore %v\nafter  %v", before, after)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("%d calls left the process for the user's AWS endpoints", n)
	}
}
