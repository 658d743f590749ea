package tui

import (
	tea "charm.land/bubbletea/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lz2ct/lz2ct/settings"
)

var sizes = []struct {
	name string
	w, h int
}{{"80x24", 80, 24}, {"140x40", 140, 40}}

func fixedClock() time.Time { return time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC) }

// journey walks the whole session with the fake backend, checking each screen's key handling and
// comparing each screen with its golden file (go test ./tui -update rewrites them).
func TestJourneyGoldens(t *testing.T) {
	for _, sz := range sizes {
		t.Run(sz.name, func(t *testing.T) {
			t.Chdir(t.TempDir())
			fake := newFake(t)
			fake.release = make(chan struct{})
			app := New(Options{Backend: fake, Now: fixedClock})
			d := newDriver(t, app, sz.w, sz.h)
			shot := func(name string) {
				t.Helper()
				t.Run(name, func(t *testing.T) {
					d.fits(t, sz.w, sz.h)
					d.golden(t, pkgDir)
				})
			}

			d.must("Where is the organization?", "demo", "member", "Open a saved snapshot file")
			shot("start")

			d.keys("down", "enter")
			d.must("refused", "not the management account")
			if !d.on(ScreenStart) {
				t.Fatalf("a member account must not get past the start screen, on %v", app.Active())
			}
			shot("start-refused")

			d.keys("up", "enter")
			d.must("management account — press enter")
			d.keys("enter")
			if !d.on(ScreenDiscovery) {
				t.Fatalf("after connecting: screen %v, want discovery", app.Active())
			}
			d.must("Discovering", "7 of 15")
			shot("discovery")

			close(fake.release)
			d.settle()
			if !d.on(ScreenChecks) {
				t.Fatalf("after discovery: screen %v, want pre-checks", app.Active())
			}
			d.must("2 blockers", "1 BLOCKER the plan cannot fix", "CONFIG", "DEPLOY")
			shot("prechecks")

			// The cursor starts on the first finding (the deploy blocker): open it.
			d.keys("enter")
			d.must("Trusted access is enabled", "Remediation", "disable-aws-service-access", "Fixed by the plan", "No — you resolve it", "Concerns", "service config.amazonaws.com")
			shot("prechecks-detail")
			d.keys("esc")

			d.keys("/", "pipeline", "enter")
			d.must("search: pipeline", "ALZ's pipeline")
			if strings.Contains(d.plain(), "Trusted access") {
				t.Fatal("search did not filter out non-matching findings")
			}
			d.keys("esc") // clears the search
			d.keys("s")   // blockers only
			d.must("showing blockers only")
			if strings.Contains(d.plain(), "ALZ's pipeline") {
				t.Fatal("severity filter shows a warning")
			}
			d.keys("s", "s", "s") // back to all

			d.keys("n")
			if !d.on(ScreenDecisions) {
				t.Fatalf("after n: screen %v, want decisions", app.Active())
			}
			d.must("Home region", "eu-west-1", "IAM Identity Center is in eu-west-1")
			shot("decisions")

			d.keys("enter", "enter", "enter") // home region, governed regions, how to deploy
			d.must("Log Archive account e-mail")
			d.keys("aws+payments-dev@acme-corp.example", "enter")
			d.must("already used by account")
			// AWS lets Control Tower take existing Log Archive and Audit accounts at its first set-up:
			// the form must not say otherwise.
			if !strings.Contains(flat(d.plain()), "To bring ALZ's Log Archive and Security accounts instead") || strings.Contains(d.plain(), "cannot reuse") {
				t.Fatalf("the form says Control Tower cannot take existing accounts:\n%s", d.plain())
			}
			shot("decisions-invalid-email")
			for range len("aws+payments-dev@acme-corp.example") {
				d.keys("backspace")
			}
			d.keys("new-log-archive@acme-corp.example", "enter", "new-audit@acme-corp.example", "enter")
			d.must("Remove ALZ's AWS Config")
			d.keys("enter", "enter", "enter", "enter", "enter", "enter", "enter")
			if !d.on(ScreenPlan) {
				t.Fatalf("after the form: screen %v, want plan\n%s", app.Active(), d.plain())
			}
			d.must("Plan for o-f4yjsoufrn", "estimate 3h50m", "Deploy Control Tower", "Export what later steps change or delete.")
			shot("plan")
			var set []byte
			if !d.eventually(func() bool {
				set, _ = os.ReadFile(filepath.Join(".lz2ct", "o-f4yjsoufrn", "settings.yaml"))
				return strings.Contains(string(set), "new-log-archive@acme-corp.example")
			}) {
				t.Fatalf("settings not saved with the chosen e-mail:\n%s", set)
			}

			d.keys("x")
			d.must("Disable trusted access for AWS Config [destructive]", "[BLOCKED]")
			shot("plan-expanded")
			d.keys("down", "down", "down", "enter")
			d.must("Step Disable trusted access for AWS Config", "deploy/trusted-access/config", "Guard", "AWS CLI equivalent", "Rollback")
			shot("plan-step")
			d.keys("esc", "tab")
			d.must("1  Workloads (1 account)", "2    Prod (4 accounts)", "skipped: a Control Tower OU has this name")
			shot("plan-ous")
			d.keys("tab")
			d.must("444444444444 closed-poc", "BLOCKED", "account is SUSPENDED", "by enroll/333333333333")
			if i, j := strings.Index(d.plain(), "closed-poc"), strings.Index(d.plain(), "tools"); i > j {
				t.Fatal("blocked accounts are not listed first")
			}
			shot("plan-accounts")

			d.keys("e")
			d.must("runbook written")
			for _, f := range []string{"runbook.md", "runbook.html", "plan.json", "snapshot.json"} {
				if !d.eventually(func() bool { _, err := os.Stat(filepath.Join(".lz2ct", "o-f4yjsoufrn", f)); return err == nil }) {
					t.Errorf("%s not written", f)
				}
			}

			d.keys("q")
			if !d.on(ScreenLeave) {
				t.Fatalf("q on the plan: screen %v, want leave", app.Active())
			}
			d.must("Session saved", "lz2ct plan --snapshot .lz2ct/o-f4yjsoufrn/snapshot.json", "runbook (HTML)")
			shot("leave")
			d.keys("q")
			if !d.quit {
				t.Fatal("q on the leave screen did not quit")
			}
		})
	}
}

func TestHelpOverlayAndCtrlC(t *testing.T) {
	app := New(Options{Backend: newFake(t), Now: fixedClock})
	d := newDriver(t, app, 80, 24)
	d.keys("?")
	d.must("Keys on this screen", "connect")
	d.keys("?")
	if strings.Contains(d.plain(), "Keys on this screen") {
		t.Fatal("? did not close the key overlay")
	}
	d.keys("?", "esc")
	if strings.Contains(d.plain(), "Keys on this screen") || d.quit {
		t.Fatal("esc did not just close the key overlay")
	}
	d.keys("ctrl+c")
	if !d.quit {
		t.Fatal("ctrl+c did not quit")
	}
}

func TestDiscoveryCancel(t *testing.T) {
	fake := newFake(t)
	fake.release = make(chan struct{}) // never released: only cancelling ends it
	app := New(Options{Backend: fake, Now: fixedClock})
	d := newDriver(t, app, 80, 24)
	d.keys("enter", "enter")
	if !d.on(ScreenDiscovery) {
		t.Fatalf("screen %v, want discovery", app.Active())
	}
	d.keys("esc")
	if !d.on(ScreenStart) {
		t.Fatalf("esc during discovery: screen %v, want start", app.Active())
	}
}

func TestOpenSnapshotFile(t *testing.T) {
	app := New(Options{Backend: newFake(t), Snapshot: "../testdata/orgs/alz2-typical.json", StateDir: t.TempDir(), Now: fixedClock})
	d := newDriver(t, app, 100, 30)
	if !d.on(ScreenChecks) {
		t.Fatalf("opening a snapshot: screen %v, want pre-checks", app.Active())
	}
	d.must("organization o-f4yjsoufrn", "15 accounts")
}

func TestOpenBadSnapshotShowsError(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte(`{"schemaVersion": 1, "organization": 5}`), 0o644); err != nil {
		t.Fatal(err)
	}
	app := New(Options{Backend: newFake(t), Now: fixedClock})
	d := newDriver(t, app, 100, 30)
	d.keys("down", "down", "enter", bad, "enter")
	d.must("snapshot " + bad[:20])
	if !d.on(ScreenStart) {
		t.Fatalf("a bad snapshot left the start screen: %v", app.Active())
	}
}

// A second session on the same state folder starts from the decisions the first one saved.
func TestDecisionsStartFromSavedSettings(t *testing.T) {
	dir := t.TempDir()
	saved := "homeRegion: eu-west-1\nlogArchiveEmail: kept-log@acme-corp.example\nauditEmail: kept-audit@acme-corp.example\nouAccountLimit: 250\n"
	if err := os.WriteFile(filepath.Join(dir, "settings.yaml"), []byte(saved), 0o644); err != nil {
		t.Fatal(err)
	}
	app := New(Options{Backend: newFake(t), Snapshot: "../testdata/orgs/alz2-typical.json", StateDir: dir, Now: fixedClock})
	d := newDriver(t, app, 100, 30)
	d.keys("n")
	ds := app.screens[ScreenDecisions].(*decisionsScreen)
	if ds.logEmail != "kept-log@acme-corp.example" || ds.ouLimit != "250" {
		t.Fatalf("form did not start from the saved settings: log %q, limit %q", ds.logEmail, ds.ouLimit)
	}
}

// Choosing a home region other than IAM Identity Center's is rejected in the form itself.
func TestDecisionsRejectHomeRegionOtherThanIdentityCenter(t *testing.T) {
	app := New(Options{Backend: newFake(t), Snapshot: "../testdata/orgs/alz2-typical.json", StateDir: t.TempDir(), Now: fixedClock})
	d := newDriver(t, app, 100, 30)
	d.keys("n")
	d.must("Home region")
	d.keys("up", "enter") // eu-central-1 is above eu-west-1
	d.must("IAM Identity Center is in eu-west-1, not in eu-central-1")
	if !d.on(ScreenDecisions) {
		t.Fatalf("screen %v", app.Active())
	}
	ds := app.screens[ScreenDecisions].(*decisionsScreen)
	if ds.homeRegion != "eu-central-1" {
		t.Fatalf("home region %q: the key did not reach the select", ds.homeRegion)
	}
	d.keys("down", "enter")
	if strings.Contains(d.plain(), "not in eu-central-1") {
		t.Fatal("the error stayed after choosing the Identity Center region")
	}
}

// Limits out of range are rejected inline with settings.Validate's message.
func TestDecisionsRejectLimitOutOfRange(t *testing.T) {
	app := New(Options{Backend: newFake(t), Snapshot: "../testdata/orgs/alz2-typical.json", StateDir: t.TempDir(), Now: fixedClock})
	d := newDriver(t, app, 100, 30)
	d.keys("n", "enter", "enter", "enter", "fresh-log@acme-corp.example", "enter", "fresh-audit@acme-corp.example", "enter")
	d.must("Accounts per OU registration")
	d.keys("enter")
	for range 3 {
		d.keys("backspace")
	}
	d.keys("5000", "enter")
	d.must("out of range 1..1000")
	if !d.on(ScreenDecisions) {
		t.Fatalf("an out-of-range limit got through: screen %v", app.Active())
	}
}

// The frame adapts when the terminal is resized, on every screen it reaches.
func TestResize(t *testing.T) {
	app := New(Options{Backend: newFake(t), Snapshot: "../testdata/orgs/alz2-typical.json", StateDir: t.TempDir(), Now: fixedClock})
	d := newDriver(t, app, 140, 40)
	d.must("Pre-checks:")
	for _, sz := range []struct{ w, h int }{{80, 24}, {60, 15}, {200, 60}} {
		d.handle(tea.WindowSizeMsg{Width: sz.w, Height: sz.h})
		d.fits(t, sz.w, sz.h)
	}
	d.keys("n")
	d.must("Home region")
	d.handle(tea.WindowSizeMsg{Width: 70, Height: 20})
	d.fits(t, 70, 20)
}

func TestDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0:                               "—",
		20 * time.Second:                "0m",
		45 * time.Minute:                "45m",
		59*time.Minute + 40*time.Second: "1h",
		3*time.Hour + 20*time.Minute:    "3h20m",
		3*time.Hour + 59*time.Minute + 40*time.Second: "4h",
		52 * time.Hour: "2d 4h",
		23*time.Hour + 59*time.Minute + 50*time.Second: "1d 0h",
	} {
		if got := Duration(d); got != want {
			t.Errorf("Duration(%s) = %q, want %q", d, got, want)
		}
	}
}

// An error from opening a snapshot does not stay on screen once another target is chosen and
// connects.
func TestStartClearsAStaleOpenError(t *testing.T) {
	app := New(Options{Backend: newFake(t), Now: fixedClock})
	d := newDriver(t, app, 100, 30)
	missing := filepath.Join(t.TempDir(), "nope.json")
	d.keys("down", "down", "enter", missing, "enter")
	d.must("open snapshot:")
	d.keys("up", "up", "enter")
	d.must("management account — press enter")
	if strings.Contains(d.plain(), "open snapshot:") {
		t.Fatalf("the open error stayed after a successful connect:\n%s", d.plain())
	}
}

// Reopening a state folder runs the pre-checks with the decisions saved there, so that they do
// not warn about an e-mail the form shows as chosen.
func TestPrechecksRunWithSavedSettings(t *testing.T) {
	dir := t.TempDir()
	saved := "homeRegion: eu-west-1\nlogArchiveEmail: kept-log@acme-corp.example\nauditEmail: kept-audit@acme-corp.example\n"
	if err := os.WriteFile(filepath.Join(dir, "settings.yaml"), []byte(saved), 0o600); err != nil {
		t.Fatal(err)
	}
	fake := newFake(t)
	app := New(Options{Backend: fake, Snapshot: "../testdata/orgs/alz2-typical.json", StateDir: dir, Now: fixedClock})
	d := newDriver(t, app, 100, 30)
	d.must("Pre-checks:")
	s, ok := fake.lastChecked()
	if !ok || s.AuditEmail != "kept-audit@acme-corp.example" || s.LogArchiveEmail != "kept-log@acme-corp.example" {
		t.Fatalf("pre-checks ran with %+v, want the saved e-mails", s)
	}
	if strings.Contains(d.plain(), "No e-mail chosen yet") {
		t.Fatalf("the saved session warns about an e-mail it has:\n%s", d.plain())
	}
}

// Form messages name the fields as the form does, never by their settings-file keys.
func TestFormMessagesUseFieldLabels(t *testing.T) {
	app := New(Options{Backend: newFake(t), Snapshot: "../testdata/orgs/alz2-typical.json", StateDir: t.TempDir(), Now: fixedClock})
	d := newDriver(t, app, 120, 30)
	d.keys("n", "enter", "enter", "enter", "same@acme-corp.example", "enter", "same@acme-corp.example", "enter")
	d.must("Log Archive account e-mail; Control Tower needs two different addresses")
	for _, key := range []string{"logArchiveEmail", "auditEmail"} {
		if strings.Contains(d.plain(), key) {
			t.Errorf("the form shows the settings key %s:\n%s", key, d.plain())
		}
	}
	for _, tt := range []struct {
		p    settings.FieldError
		want string
	}{
		{settings.FieldError{Key: "auditEmail", Msg: `"a@b.c" is also the logArchiveEmail; use two`}, `"a@b.c" is also the Log Archive account e-mail; use two`},
		{settings.FieldError{Key: "logArchiveEmail", Msg: "is required: an address"}, "Log Archive account e-mail is required: an address"},
		{settings.FieldError{Key: "governedRegions", Msg: "must include the home region eu-west-1"}, "Governed regions must include the home region eu-west-1"},
		{settings.FieldError{Key: "exclude.accounts[0]", Msg: `account "1" is not in the organization`}, `settings.yaml, exclude.accounts[0]: account "1" is not in the organization`},
	} {
		if got := formMessage(tt.p); got != tt.want {
			t.Errorf("formMessage(%+v) = %q, want %q", tt.p, got, tt.want)
		}
	}
}

// esc from the plan shows the decisions form again, filled with the answers given, and submitting
// it again builds the plan again.
func TestDecisionsAgainFromPlan(t *testing.T) {
	for _, sz := range sizes {
		t.Run(sz.name, func(t *testing.T) {
			t.Chdir(t.TempDir()) // the frame names the state folder: keep it the same every run
			app := New(Options{Backend: newFake(t), Snapshot: filepath.Join(pkgDir, "..", "testdata", "orgs", "alz2-typical.json"), StateDir: "state", Now: fixedClock})
			d := newDriver(t, app, sz.w, sz.h)
			d.keys("n", "enter", "enter", "enter", "kept-log@acme-corp.example", "enter", "kept-audit@acme-corp.example", "enter")
			d.must("Remove ALZ's AWS Config")
			d.keys("enter", "enter", "enter", "enter", "enter", "enter", "enter")
			if !d.on(ScreenPlan) {
				t.Fatalf("after the form: screen %v, want plan", app.Active())
			}
			d.must("estimate")
			d.keys("esc")
			if !d.on(ScreenDecisions) {
				t.Fatalf("esc on the plan: screen %v, want decisions", app.Active())
			}
			d.must("Home region", "eu-west-1", "Governed regions")
			d.fits(t, sz.w, sz.h)
			d.golden(t, pkgDir)
			d.keys("enter", "enter", "enter")
			d.must("kept-log@acme-corp.example", "kept-audit@acme-corp.example")
			d.keys("enter", "enter", "enter", "enter", "enter", "enter", "enter", "enter", "enter")
			if !d.on(ScreenPlan) {
				t.Fatalf("submitting the reopened form: screen %v, want plan\n%s", app.Active(), d.plain())
			}
			d.must("estimate")
		})
	}
}

// enter on a group header in the pre-checks closes and opens the group; ← and → do the same, x
// does it for every group, and the key help says so.
func TestPrechecksGroupOpensAndCloses(t *testing.T) {
	for _, sz := range sizes {
		t.Run(sz.name, func(t *testing.T) {
			t.Chdir(t.TempDir())
			app := New(Options{Backend: newFake(t), Snapshot: filepath.Join(pkgDir, "..", "testdata", "orgs", "alz2-typical.json"), StateDir: "state", Now: fixedClock})
			d := newDriver(t, app, sz.w, sz.h)
			d.must("[-] DEPLOY", "Trusted access is enabled")
			cs := app.screens[ScreenChecks].(*checksScreen)
			if r := cs.rows[cs.list.cursor]; r.finding < 0 {
				t.Fatal("the cursor starts on a header, want the first finding")
			}
			d.keys("up", "enter") // the DEPLOY header
			d.must("[+] DEPLOY — 1 blocker", "[-] CONFIG")
			if strings.Contains(d.plain(), "Trusted access is enabled") {
				t.Fatalf("enter on the header did not close the group:\n%s", d.plain())
			}
			if r := cs.rows[cs.list.cursor]; r.finding >= 0 || r.phase != "deploy" {
				t.Fatalf("the cursor left the header: %+v", r)
			}
			d.fits(t, sz.w, sz.h)
			d.golden(t, pkgDir)
			d.keys("enter")
			d.must("[-] DEPLOY", "Trusted access is enabled")
			d.keys("left")
			d.must("[+] DEPLOY")
			d.keys("right")
			d.must("[-] DEPLOY", "Trusted access is enabled")
			d.keys("x")
			d.must("[+] CONFIG", "[+] DEPLOY", "[+] DECOMMISSION")
			d.keys("x")
			d.must("[-] CONFIG", "[-] DEPLOY", "[-] DECOMMISSION")
			d.keys("?")
			d.must("enter open / toggle group", "open/close all groups")
		})
	}
}

// Discovery shows the calls and the accounts found while the organization is walked, and the
// time left once discovery can tell it.
func TestDiscoveryShowsCallsAndTimeLeft(t *testing.T) {
	for _, tc := range []struct {
		name  string
		p     Progress
		shows []string
	}{
		{"walk", Progress{Stage: "organization", AccountsFound: 2340, Calls: 569},
			[]string{"listing the OUs", "2340 found so far", "569", "known once the accounts are counted"}},
		{"accounts", Progress{Stage: "accounts", AccountsFound: 5000, AccountsDone: 1000, AccountsTotal: 5000, Calls: 16260, Remaining: 80 * time.Second},
			[]string{"1000 of 5000 read", "16260", "about 1m20s (from the rate so far)"}},
	} {
		for _, sz := range sizes {
			t.Run(tc.name+"/"+sz.name, func(t *testing.T) {
				fake := newFake(t)
				fake.release = make(chan struct{})
				fake.stages = []Progress{tc.p}
				app := New(Options{Backend: fake, Now: fixedClock})
				d := newDriver(t, app, sz.w, sz.h)
				d.keys("enter", "enter")
				if !d.on(ScreenDiscovery) {
					t.Fatalf("screen %v, want discovery", app.Active())
				}
				d.must(tc.shows...)
				d.fits(t, sz.w, sz.h)
				d.golden(t, pkgDir)
				close(fake.release)
			})
		}
	}
}
