package tui

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/lz2ct/lz2ct/settings"
)

// flat is s as one line of words: wrapped lines joined, shell continuations removed, so that a
// text wrapped over lines is found whole.
func flat(s string) string {
	return strings.Join(strings.Fields(continuation.ReplaceAllString(s, "\n")), " ")
}

var continuation = regexp.MustCompile(` \\ *\n`)

// seesWhole fails unless the frame shows text whole (over wrapped lines).
func seesWhole(t *testing.T, frame, what, text string) {
	t.Helper()
	if !strings.Contains(flat(frame), flat(text)) {
		t.Errorf("%s is not shown whole: %q\n%s", what, text, frame)
	}
}

// checkPage fails when a line of the open detail page could have been broken but runs past the
// edge, or runs past it without the page saying that ←/→ scroll sideways.
func checkPage(t *testing.T, d *driver, p *page, what string) {
	t.Helper()
	for _, l := range strings.Split(p.body(p.w), "\n") {
		if ansi.StringWidth(l) <= p.w {
			continue
		}
		words := shellWords(strings.TrimPrefix(strings.TrimSpace(strings.TrimSuffix(l, " \\")), "• "))
		if len(words) > 1 {
			t.Errorf("%s: line %q is %d wide in %d columns and could break between its words", what, l, ansi.StringWidth(l), p.w)
		}
		if !strings.Contains(d.plain(), "←/→ scroll sideways") {
			t.Errorf("%s: a line runs past the edge and the page does not say ←/→ scroll sideways", what)
		}
	}
}

// pageText is the open page: its header as drawn and its whole body (the viewport shows it line
// for line; checkPage checks how the lines fit).
func pageText(d *driver, p *page) string { return d.plain() + "\n" + p.body(p.w) }

// TestNothingNeededIsCut walks every screen with the demo organization's real pre-checks and plan,
// at 80×24, 120×30 and 140×40, and fails when a word the screen needs — a finding's title, a
// step's title and tags, the disposition counts, a phase's summary, why an account is blocked or
// excluded or an OU skipped, the files written, the commands that continue — is cut without a
// way to see it whole: either the list shows it whole, or enter opens a page that does. Frames of
// the screens with the longest texts are compared with goldens.
//
// The walk runs on the demo organization's real report and plan (every text lz2ct writes today),
// and on a fixed sample with the longest kinds of text, whose frames are the goldens (so that they
// do not change when a check's or a step's wording does).
func TestNothingNeededIsCut(t *testing.T) {
	t.Run("demo", func(t *testing.T) {
		walkNothingCut(t, false, func(f *fakeBackend) { f.checks, f.plan = demoPlan(t) })
	})
	t.Run("sample", func(t *testing.T) {
		walkNothingCut(t, true, func(f *fakeBackend) { f.checks, f.plan = longSample(f.snap.Organization.ID) })
	})
}

func walkNothingCut(t *testing.T, goldens bool, fill func(*fakeBackend)) {
	for _, sz := range []struct {
		name string
		w, h int
	}{{"80x24", 80, 24}, {"120x30", 120, 30}, {"140x40", 140, 40}} {
		t.Run(sz.name, func(t *testing.T) {
			t.Chdir(t.TempDir()) // the frames name the files: keep them the same every run
			data, err := os.ReadFile(filepath.Join(pkgDir, "..", "testdata", "orgs", "alz2-typical.json"))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile("org.json", data, 0o600); err != nil {
				t.Fatal(err)
			}
			fake := newFake(t)
			fill(fake)
			fake.script = sampleRun(fake.plan)
			app := New(Options{Backend: fake, Snapshot: "org.json", StateDir: "state", Now: fixedClock})
			d := newDriver(t, app, sz.w, sz.h)
			shot := func(name string) {
				t.Helper()
				d.fits(t, sz.w, sz.h)
				if goldens {
					t.Run(name, func(t *testing.T) { d.golden(t, pkgDir) })
				}
			}
			d.must("Pre-checks:")
			cs := app.screens[ScreenChecks].(*checksScreen)
			d.keys("g")
			shot("prechecks")
			for i := range cs.rows {
				r := cs.rows[i]
				if r.finding < 0 {
					d.fits(t, sz.w, sz.h)
					if !strings.Contains(d.plain(), strings.ToUpper(r.phase)+" — ") {
						t.Errorf("the %s group header is cut:\n%s", r.phase, d.plain())
					}
				} else {
					f := cs.res.Findings[r.finding]
					d.keys("enter")
					what := "finding " + f.Check
					seesWhole(t, d.plain(), what+"'s title", f.Title)
					seesWhole(t, pageText(d, &cs.page), what+"'s remediation", f.Remediation)
					checkPage(t, d, &cs.page, what)
					d.fits(t, sz.w, sz.h)
					d.keys("esc")
				}
				d.keys("down")
			}

			// The plan: header counts, phases, every step.
			d.handle(settingsMsg{Settings: mustResolve(t, fake)})
			d.must("estimate")
			ps := app.screens[ScreenPlan].(*planScreen)
			pv := ps.plan
			for _, part := range accountsLine(pv.Accounts) {
				seesWhole(t, d.plain(), "the disposition count", part)
			}
			for i, ph := range pv.Phases {
				if i > 0 {
					d.keys("down")
				}
				seesWhole(t, d.plain(), "phase "+ph.ID+"'s summary", ph.Summary)
				c := ps.counts[i]
				if c.destructive > 0 && !strings.Contains(d.plain(), fmt.Sprintf("%d destructive", c.destructive)) {
					t.Errorf("phase %s: the destructive count is cut:\n%s", ph.ID, d.plain())
				}
			}
			d.keys("g", "x")
			shot("plan-expanded")
			for i := range ps.rows {
				r := ps.rows[i]
				if r.step >= 0 {
					x := pv.Phases[r.phase].Steps[r.step]
					line := frameLine(d, "▸ ")
					for _, tag := range []struct {
						on   bool
						word string
					}{{x.Blocked != "", "BLOCKED"}, {x.Destructive, "destructive"}, {x.Manual, "manual"}} {
						if tag.on && !strings.Contains(line, tag.word) {
							t.Errorf("step %s: the %s tag is cut: %q", x.ID, tag.word, line)
						}
					}
					d.keys("enter")
					what := "step " + x.ID
					seesWhole(t, d.plain(), what+"'s title", x.Title)
					text := pageText(d, &ps.page)
					seesWhole(t, text, what+"'s ID", x.ID)
					seesWhole(t, text, what+"'s reason to be blocked", x.Blocked)
					checkPage(t, d, &ps.page, what)
					d.fits(t, sz.w, sz.h)
					if x.ID == longestCommand(pv) {
						d.keys("pgdown")
						shot("step-with-the-longest-command")
					}
					d.keys("esc")
				}
				d.keys("down")
			}

			d.keys("tab", "g")
			shot("ous")
			for _, i := range ps.ous {
				o := pv.OUs[i]
				d.keys("enter")
				if o.Skipped || o.Order == 0 {
					seesWhole(t, pageText(d, &ps.page), "why OU "+o.Path+" is skipped", ouReason(o))
					if o.Reason != "" && len(o.Reason) > 40 {
						shot("ou-skipped")
					}
				}
				seesWhole(t, d.plain(), "OU "+o.OUID+"'s path", o.Path)
				checkPage(t, d, &ps.page, "OU "+o.Path)
				d.keys("esc", "down")
			}

			d.keys("tab", "g")
			shot("accounts")
			shotAccount := false
			for _, i := range ps.accts {
				a := pv.AccountList[i]
				d.keys("enter")
				text := pageText(d, &ps.page)
				seesWhole(t, d.plain(), "account "+a.ID+"'s name", a.Name)
				seesWhole(t, text, "why account "+a.ID+" is "+a.How, a.Reason)
				if a.By != "" {
					seesWhole(t, text, "the step that covers account "+a.ID, a.By)
				}
				checkPage(t, d, &ps.page, "account "+a.ID)
				if a.How == "excluded" && !shotAccount {
					shotAccount = true
					shot("account-excluded")
				}
				d.keys("esc", "down")
			}

			d.keys("e")
			d.must("runbook written")
			for _, p := range []string{"state/runbook.md", "state/runbook.html"} {
				seesWhole(t, d.plain(), "the runbook written", p)
			}
			walkApply(t, d, fake, shot)

			d.keys("enter")
			if !d.on(ScreenLeave) {
				t.Fatalf("screen %v, want leave", app.Active())
			}
			leave := app.screens[ScreenLeave].(*leaveScreen)
			text := pageText(d, &leave.page)
			checkPage(t, d, &leave.page, "the run's summary")
			for _, c := range RunCommands("", "", app.files, app.snapshotPath(), true) {
				seesWhole(t, text, "the command", c)
			}
			sum := app.lastRun()
			for _, o := range sum.Failed {
				seesWhole(t, text, o.ID+"'s AWS error", o.Error)
				seesWhole(t, text, o.ID+"'s advice", o.Advice)
			}
			for _, o := range sum.NotStarted {
				seesWhole(t, text, "why "+o.ID+" is not started", o.Reason)
			}
			for _, k := range sum.Kept {
				seesWhole(t, text, "why "+k.Resource+" is kept", k.Reason)
			}
			for _, p := range sum.Runbooks {
				seesWhole(t, text, "the runbook written", p)
			}
			shot("leave")
		})
	}
}

// walkApply goes from the plan to the run: the intent (every phase whole), the dashboard (phase
// names and counts whole; what it cuts, its pages show whole: Control Tower's queue and the work
// in flight, the failures with the AWS error and what to do, the manual step's instructions), and
// the end of the run.
func walkApply(t *testing.T, d *driver, fake *fakeBackend, shot func(string)) {
	t.Helper()
	app := d.app
	d.keys("a")
	d.must("type yes")
	as := app.apply()
	for _, ph := range as.intent.Phases {
		seesWhole(t, d.plain(), "phase "+ph.Name+" in what the run will do", ph.Name)
	}
	shot("apply-intent")
	d.keys("yes", "enter")
	d.must("steps done", "In flight (")
	v := as.view
	for _, ph := range v.Phases {
		seesWhole(t, d.plain(), "phase "+ph.Name+" on the dashboard", fmt.Sprintf("%d %s", ph.Number, ph.Name))
	}
	shot("apply-dashboard")
	d.keys("w")
	text := pageText(d, &as.page)
	for _, x := range append(append(append([]RunStep{}, v.ControlTower...), v.Next...), v.InFlight...) {
		seesWhole(t, text, "step "+x.ID+"'s title on the work page", x.Title)
		seesWhole(t, text, "step "+x.ID+" on the work page", x.ID)
	}
	checkPage(t, d, &as.page, "the work in flight")
	d.fits(t, d.app.width, d.app.height)
	d.keys("esc", "f")
	text = pageText(d, &as.page)
	for _, x := range v.Failed {
		seesWhole(t, text, x.ID+"'s AWS error", x.Error)
		seesWhole(t, text, x.ID+"'s advice", x.Advice)
	}
	checkPage(t, d, &as.page, "the failures")
	shot("apply-failures")
	d.keys("esc", "m")
	text = pageText(d, &as.page)
	for _, in := range v.Waiting[0].Instructions {
		seesWhole(t, text, "the manual step's instructions", in)
	}
	for _, c := range v.Waiting[0].Commands {
		seesWhole(t, text, "the manual step's commands", c)
	}
	checkPage(t, d, &as.page, "the manual step")
	d.keys("esc")
	close(fake.script.hold)
	d.must("The run ended")
	d.fits(t, d.app.width, d.app.height)
}

// frameLine is the first line of the frame that holds marker (the cursor row).
func frameLine(d *driver, marker string) string {
	for _, l := range strings.Split(d.plain(), "\n") {
		if strings.Contains(l, marker) {
			return l
		}
	}
	return ""
}

// longestCommand is the ID of the step with the longest AWS CLI command.
func longestCommand(pv *PlanView) string {
	id, n := "", 0
	for _, ph := range pv.Phases {
		for _, st := range ph.Steps {
			for _, c := range st.CLI {
				if len(c) > n {
					id, n = st.ID, len(c)
				}
			}
		}
	}
	return id
}

func mustResolve(t *testing.T, f *fakeBackend) settings.Settings {
	t.Helper()
	return settings.Settings{HomeRegion: "eu-west-1", LogArchiveEmail: "new-log-archive@acme-corp.example",
		AuditEmail: "new-audit@acme-corp.example"}.Resolve(f.snap)
}

// longSample is the fake's report and plan with the longest kinds of text the screens show: titles
// that name long SCPs and StackSets, reasons of several clauses, a command with a quoted document
// and a loop, a URL as evidence.
func longSample(org string) (*CheckResult, *PlanView) {
	c := sampleChecks()
	c.Findings = append(c.Findings, Finding{Check: "scp.deny-ct-roles", Severity: SeverityBlocker, Phase: "enrollment", FixedByPlan: true,
		Title:    "SCP aws-landing-zone-non-core-mandatory-preventive-guardrails denies what AWSControlTowerExecution does at enrollment",
		Subjects: []Subject{{"policy", "p-bby1ht1b", "aws-landing-zone-non-core-mandatory-preventive-guardrails"}},
		Evidence: []string{"denies cloudformation:CreateStack for arn:aws:iam::*:role/AWSControlTowerExecution",
			"https://docs.aws.amazon.com/controltower/latest/userguide/enrollment-prerequisites.html"},
		Remediation: "The plan detaches it from each OU just before the OU is registered; by hand: aws organizations detach-policy --policy-id p-bby1ht1b --target-id ou-wkmz-24zd7qqm",
		Source:      "https://docs.aws.amazon.com/controltower/latest/userguide/enrollment-prerequisites.html"})
	c.Blockers++
	p := samplePlan(org)
	p.Phases = append(p.Phases[:2:2], append([]PhaseView{{Number: 2, ID: "scps", Name: "Service control policies", Estimate: 2 * time.Minute,
		Summary: "Detach ALZ's guardrail SCPs from each OU just before it is registered, since they deny what Control Tower's roles do; the safeguard phase exported them first.",
		Steps: []StepView{{ID: "scp.detach/p-bby1ht1b/ou-wkmz-24zd7qqm", Kind: "scp.detach", Destructive: true,
			Title:    "Detach ALZ SCP aws-landing-zone-non-core-mandatory-preventive-guardrails from OU Workloads (ou-wkmz-24zd7qqm)",
			Guard:    "the policy export (safeguard/scp/p-bby1ht1b) exists in the state folder",
			CLI:      []string{"aws organizations detach-policy --policy-id p-bby1ht1b --target-id ou-wkmz-24zd7qqm", `while aws cloudformation describe-stack-set-operation --stack-set-name AWS-Landing-Zone-Baseline-EnableConfig --operation-id lz2ct-f3ddb66315aa368631de5043 --region eu-west-1 --query StackSetOperation.Status --output text | grep -qxE 'RUNNING|QUEUED|STOPPING'; do sleep 30; done`, `aws iam put-role-policy --role-name AWSControlTowerAdmin --policy-name AWSControlTowerAdminPolicy --policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:DescribeAvailabilityZones","Resource":"*"}]}'`},
			Expected: "the policy is no longer in aws organizations list-policies-for-target --target-id ou-wkmz-24zd7qqm --filter SERVICE_CONTROL_POLICY",
			Rollback: "aws organizations attach-policy --policy-id p-bby1ht1b --target-id ou-wkmz-24zd7qqm"}}}}, p.Phases[2:]...)...)
	p.OUs = append(p.OUs, OUView{OUID: "ou-wkmz-24hf391y", Path: "core", Depth: 1, Accounts: 3, Skipped: true,
		Reason: "ALZ's core OU: its Security and Log Archive accounts are replaced by Control Tower's, and the OU is deleted in decommission"})
	p.AccountList = append(p.AccountList, AccountView{ID: "788964670936", Name: "log-archive", How: "excluded",
		Reason: "ALZ's Log Archive account: Control Tower creates a new Log Archive account; copy the logs you keep (phase 5)"})
	p.Accounts["excluded"]++
	return c, p
}
