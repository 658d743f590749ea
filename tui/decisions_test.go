package tui

import (
	"strings"
	"testing"

	"github.com/lz2ct/lz2ct/settings"
)

// The form offers three ways to deploy Control Tower. Bringing ALZ's Log Archive and Security
// accounts skips the e-mails (the accounts keep theirs) and saves sharedAccounts: existing; the
// hints say what each way does, and the account limit's hint says what happens to larger OUs.
func TestDecisionsBringExistingAccounts(t *testing.T) {
	app := New(Options{Backend: newFake(t), Snapshot: "../testdata/orgs/alz2-typical.json", StateDir: t.TempDir(), Now: fixedClock})
	d := newDriver(t, app, 120, 40)
	d.keys("n", "enter", "enter")
	d.must("by API, with two new accounts", "by API, bringing ALZ's Log Archive and Security accounts", "by hand in the console; lz2ct verifies")
	d.keys("down")
	d.must("Control Tower takes ALZ's Log Archive and Security accounts")
	d.keys("enter")
	d.must("Remove ALZ's AWS Config", "an OU with more accounts moves the rest into new OUs the plan registers")
	if strings.Contains(d.plain(), "larger OUs are enrolled account by account") || strings.Contains(d.plain(), "Log Archive account e-mail") {
		t.Fatalf("wrong hint, or the e-mails asked for though ALZ's accounts are brought:\n%s", d.plain())
	}
	d.keys("enter", "enter", "enter", "enter", "enter", "enter", "enter")
	if !d.on(ScreenPlan) || app.settings == nil {
		t.Fatalf("after the form: screen %v\n%s", app.Active(), d.plain())
	}
	s := *app.settings
	snap := newFake(t).snap
	la := ""
	for _, a := range snap.Accounts {
		if a.ID == snap.ALZ.LogArchiveAccountID {
			la = a.Email
		}
	}
	if s.SharedAccounts != settings.SharedAccountsExisting || s.CTDeploy != settings.CTDeployAPI || s.LogArchiveEmail != la {
		t.Fatalf("settings %+v (ALZ's Log Archive account's e-mail %q)", s, la)
	}
	if s.Decommission.CopyLogs || s.Decommissions(settings.DecomLogBuckets) {
		t.Errorf("log copy or deletion planned though the logs stay where they are: %+v", s.Decommission)
	}
}
