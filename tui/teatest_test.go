package tui

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/teatest/v2"
	"github.com/lz2ct/lz2ct/settings"
)

// These tests run the wizard in a real tea.Program (teatest) and check each screen's key handling
// from what it draws and from the final model.

// pkgDir is the package folder (tests chdir into temporary folders; goldens stay here).
var pkgDir, _ = os.Getwd()

var ansiSeq = regexp.MustCompile(`\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07`)

func newTea(t *testing.T, opts Options) *teatest.TestModel {
	return newTeaSized(t, opts, 100, 30)
}

func newTeaSized(t *testing.T, opts Options, w, h int) *teatest.TestModel {
	t.Helper()
	if opts.Now == nil {
		opts.Now = fixedClock
	}
	return teatest.NewTestModel(t, New(opts), teatest.WithInitialTermSize(w, h),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.ASCII)))
}

// teaGolden compares the final model's frame (ASCII profile) with testdata/<test>.golden.
func teaGolden(t *testing.T, app *App) {
	t.Helper()
	d := &driver{t: t, app: app}
	d.golden(t, pkgDir)
}

// waitText waits until the drawn output (escape sequences removed) holds every word; the
// generous limit is for a loaded machine (a failing wait costs it, a passing one does not).
func waitText(t *testing.T, tm *teatest.TestModel, words ...string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		plain := ansiSeq.ReplaceAll(b, nil)
		for _, w := range words {
			if !bytes.Contains(plain, []byte(w)) {
				return false
			}
		}
		return true
	}, teatest.WithDuration(30*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
}

func press(tm *teatest.TestModel, keys ...string) {
	for _, k := range keys {
		for _, m := range keyMsgs(k) {
			tm.Send(m)
		}
	}
}

func final(t *testing.T, tm *teatest.TestModel) *App {
	t.Helper()
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	return tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(*App)
}

func TestTeaStartRefusesMemberAccount(t *testing.T) {
	for _, sz := range sizes {
		t.Run(sz.name, func(t *testing.T) {
			tm := newTeaSized(t, Options{Backend: newFake(t)}, sz.w, sz.h)
			waitText(t, tm, "Where")
			press(tm, "down", "enter")
			waitText(t, tm, "refused:")
			app := final(t, tm)
			if app.Active() != ScreenStart || app.identity != nil {
				t.Fatalf("a member account got through: screen %v, identity %+v", app.Active(), app.identity)
			}
			teaGolden(t, app)
		})
	}
}

func TestTeaDiscoveryThenChecksDrillIn(t *testing.T) {
	for _, sz := range sizes {
		t.Run(sz.name, func(t *testing.T) { teaDrillIn(t, sz.w, sz.h) })
	}
}

func teaDrillIn(t *testing.T, w, h int) {
	t.Chdir(t.TempDir()) // the frame names the state folder: keep it the same every run
	tm := newTeaSized(t, Options{Backend: newFake(t), StateDir: "state"}, w, h)
	waitText(t, tm, "demo")
	press(tm, "enter")
	waitText(t, tm, "management")
	press(tm, "enter")
	waitText(t, tm, "BLOCKER", "DEPLOY")
	press(tm, "enter")
	waitText(t, tm, "Remediation")
	app := final(t, tm)
	cs := app.screens[ScreenChecks].(*checksScreen)
	if app.Active() != ScreenChecks || cs.detail < 0 {
		t.Fatalf("enter on a finding did not open it: screen %v, detail %d", app.Active(), cs.detail)
	}
	if f := cs.res.Findings[cs.detail]; f.Severity != SeverityBlocker {
		t.Fatalf("opened %s, want the first blocker", f.Check)
	}
	teaGolden(t, app)
}

func TestTeaChecksSearchAndSeverityFilter(t *testing.T) {
	tm := newTea(t, Options{Backend: newFake(t), Snapshot: "../testdata/orgs/alz2-typical.json", StateDir: t.TempDir()})
	waitText(t, tm, "Pre-checks:")
	press(tm, "/", "pipeline", "enter")
	waitText(t, tm, "search:")
	press(tm, "s")
	waitText(t, tm, "showing")
	app := final(t, tm)
	cs := app.screens[ScreenChecks].(*checksScreen)
	if cs.query != "pipeline" || sevFilters[cs.sevFilter] != SeverityBlocker {
		t.Fatalf("query %q, filter %q", cs.query, sevFilters[cs.sevFilter])
	}
	if len(cs.rows) != 0 { // the pipeline finding is a warning: nothing left with blockers only
		t.Fatalf("rows left: %d", len(cs.rows))
	}
}

func TestTeaDecisionsRejectUsedEmail(t *testing.T) {
	tm := newTea(t, Options{Backend: newFake(t), Snapshot: "../testdata/orgs/alz2-typical.json", StateDir: t.TempDir()})
	waitText(t, tm, "Pre-checks:")
	press(tm, "n")
	waitText(t, tm, "Home")
	press(tm, "enter", "enter", "enter")
	waitText(t, tm, "Log Archive account")
	press(tm, "aws+payments-dev@acme-corp.example", "enter")
	waitText(t, tm, "already used by account")
	app := final(t, tm)
	if app.Active() != ScreenDecisions || app.settings != nil {
		t.Fatalf("a used e-mail got through: screen %v, settings %+v", app.Active(), app.settings)
	}
}

func TestTeaPlanExportAndLeave(t *testing.T) {
	dir := t.TempDir()
	fake := newFake(t)
	tm := newTea(t, Options{Backend: fake, Snapshot: "../testdata/orgs/alz2-typical.json", StateDir: dir})
	waitText(t, tm, "Pre-checks:")
	tm.Send(settingsMsg{Settings: settings.Settings{HomeRegion: "eu-west-1"}.Resolve(fake.snap)})
	waitText(t, tm, "Plan", "estimate")
	press(tm, "x")
	waitText(t, tm, "destructive]")
	press(tm, "e")
	waitText(t, tm, "written")
	press(tm, "q")
	waitText(t, tm, "Session")
	press(tm, "q") // leaves the program
	tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))
	app := tm.FinalModel(t).(*App)
	if app.Active() != ScreenLeave {
		t.Fatalf("screen %v, want leave", app.Active())
	}
	for _, f := range []string{"runbook.md", "runbook.html", "plan.json", "settings.yaml"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	if len(fake.runbooks) != 2 {
		t.Errorf("runbooks rendered: %v", fake.runbooks)
	}
}

func TestTeaPlanTreeAndStep(t *testing.T) {
	for _, sz := range sizes {
		t.Run(sz.name, func(t *testing.T) {
			t.Chdir(t.TempDir())
			fake := newFake(t)
			snap, err := filepath.Abs(filepath.Join(pkgDir, "..", "testdata", "orgs", "alz2-typical.json"))
			if err != nil {
				t.Fatal(err)
			}
			tm := newTeaSized(t, Options{Backend: fake, Snapshot: snap, StateDir: "state"}, sz.w, sz.h)
			waitText(t, tm, "Pre-checks:")
			tm.Send(settingsMsg{Settings: settings.Settings{HomeRegion: "eu-west-1"}.Resolve(fake.snap)})
			waitText(t, tm, "estimate")
			press(tm, "x")
			waitText(t, tm, "destructive]")
			press(tm, "down", "down", "down", "enter")
			waitText(t, tm, "Rollback")
			app := final(t, tm)
			ps := app.screens[ScreenPlan].(*planScreen)
			if !ps.page.open || ps.step == nil || ps.step.ID != "deploy/trusted-access/config" {
				t.Fatalf("step open: %v %+v", ps.page.open, ps.step)
			}
			teaGolden(t, app)
		})
	}
}

// c on a step's page sends its AWS CLI commands to the terminal's clipboard (OSC 52, written by the
// running program), says so, and ? names the key.
func TestTeaCopyStepCommands(t *testing.T) {
	for _, sz := range sizes {
		t.Run(sz.name, func(t *testing.T) {
			t.Chdir(t.TempDir())
			fake := newFake(t)
			tm := newTeaSized(t, Options{Backend: fake, Snapshot: filepath.Join(pkgDir, "..", "testdata", "orgs", "alz2-typical.json"), StateDir: "state"}, sz.w, sz.h)
			waitText(t, tm, "Pre-checks:")
			tm.Send(settingsMsg{Settings: settings.Settings{HomeRegion: "eu-west-1"}.Resolve(fake.snap)})
			waitText(t, tm, "estimate")
			press(tm, "x")
			waitText(t, tm, "destructive]")
			press(tm, "down", "down", "down", "enter")
			waitText(t, tm, "AWS CLI equivalent (c copies)")
			press(tm, "c")
			want := "aws organizations disable-aws-service-access --service-principal config.amazonaws.com\n"
			osc52 := "\x1b]52;c;" + base64.StdEncoding.EncodeToString([]byte(want))
			// One wait for both: the sequence and the note may come in one write, which a wait consumes.
			teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
				return bytes.Contains(b, []byte(osc52)) && bytes.Contains(ansiSeq.ReplaceAll(b, nil), []byte("1 command sent to the clipboard"))
			}, teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
			app := final(t, tm)
			teaGolden(t, app)
			app.Update(tea.KeyPressMsg{Code: '?', Text: "?"})
			if d := (&driver{t: t, app: app}); !strings.Contains(d.plain(), "copy commands (OSC 52 clipboard)") {
				t.Errorf("? does not name the copy key:\n%s", d.plain())
			}
		})
	}
}

// esc on the plan shows the decisions form again, with the answers given (teatest: the running
// program draws the form, not an empty body).
func TestTeaEscFromPlanShowsTheForm(t *testing.T) {
	for _, sz := range sizes {
		t.Run(sz.name, func(t *testing.T) {
			t.Chdir(t.TempDir())
			// The answers come from a saved session (typing them races the form's focus changes,
			// which teatest cannot wait for).
			if err := os.MkdirAll("state", 0o700); err != nil {
				t.Fatal(err)
			}
			saved := "homeRegion: eu-west-1\nlogArchiveEmail: kept-log@acme-corp.example\nauditEmail: kept-audit@acme-corp.example\n"
			if err := os.WriteFile(filepath.Join("state", "settings.yaml"), []byte(saved), 0o600); err != nil {
				t.Fatal(err)
			}
			tm := newTeaSized(t, Options{Backend: newFake(t), Snapshot: filepath.Join(pkgDir, "..", "testdata", "orgs", "alz2-typical.json"), StateDir: "state"}, sz.w, sz.h)
			waitText(t, tm, "Pre-checks:")
			press(tm, "n")
			waitText(t, tm, "Home region")
			press(tm, "enter", "enter", "enter")
			waitText(t, tm, "Log Archive account e-mail")
			press(tm, "enter", "enter")
			waitText(t, tm, "Remove ALZ's AWS Config")
			press(tm, "enter", "enter", "enter", "enter", "enter", "enter", "enter")
			waitText(t, tm, "estimate")
			press(tm, "esc")
			waitText(t, tm, "Home region", "Governed regions")
			if sz.h >= 40 {
				// The deploy choice's hint is drawn a frame after the field (it depends on the
				// choice): the golden is the settled screen.
				waitText(t, tm, "controltower:CreateLandingZone")
			}
			app := final(t, tm)
			ds := app.screens[ScreenDecisions].(*decisionsScreen)
			if app.Active() != ScreenDecisions || ds.logEmail != "kept-log@acme-corp.example" {
				t.Fatalf("screen %v, e-mail %q: want the form with the answers given", app.Active(), ds.logEmail)
			}
			teaGolden(t, app)
		})
	}
}

// enter on a pre-checks group header closes the group.
func TestTeaPrechecksGroupHeader(t *testing.T) {
	for _, sz := range sizes {
		t.Run(sz.name, func(t *testing.T) {
			t.Chdir(t.TempDir())
			tm := newTeaSized(t, Options{Backend: newFake(t), Snapshot: filepath.Join(pkgDir, "..", "testdata", "orgs", "alz2-typical.json"), StateDir: "state"}, sz.w, sz.h)
			waitText(t, tm, "Pre-checks:", "[-] DEPLOY")
			press(tm, "up", "enter")
			waitText(t, tm, "[+] DEPLOY")
			app := final(t, tm)
			cs := app.screens[ScreenChecks].(*checksScreen)
			if !cs.collapsed["deploy"] || cs.detail >= 0 {
				t.Fatalf("enter on the header: collapsed %v, detail %d", cs.collapsed, cs.detail)
			}
			teaGolden(t, app)
		})
	}
}
