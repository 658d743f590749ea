package steps_test

import (
	"context"
	"os/exec"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"

	"github.com/lz2ct/lz2ct/engine"
	"github.com/lz2ct/lz2ct/journal"
	"github.com/lz2ct/lz2ct/plans"
	"github.com/lz2ct/lz2ct/sim"
	"github.com/lz2ct/lz2ct/statefolder"
)

// delegated-admin.verify end to end: alz2-typical's phase-5 hand-over of GuardDuty's delegated
// administration from ALZ's Security account to the Audit account phase 1 creates, on the plan the
// planner builds (cut down to the account creations, the hand-over's manual step and the verify).

type daEnv struct {
	srv            *sim.Server
	url            string
	r              *runner
	manual, verify plans.Step
	audit, former  string
}

const gdPrincipal = "guardduty.amazonaws.com"

// newDAEnv serves alz2-typical and runs the plan until the verify step waits: the accounts are
// created, the manual step is confirmed, and nothing was moved yet.
func newDAEnv(t *testing.T) *daEnv {
	t.Helper()
	snap, s := loadOrg(t, "alz2-typical")
	p := kindsPlan(t, snap, s, func(st *plans.Step) bool {
		return st.Kind == plans.KindAccountCreate || st.Kind == plans.KindDelegatedAdminVerify ||
			st.Kind == plans.KindManual && strings.HasPrefix(st.ID, plans.KindManual+"/delegated-admin/")
	})
	e := &daEnv{}
	e.srv, e.url = serveSnap(t, snap, sim.Options{TimeScale: 1000}) // the runner's scale: account creation takes seconds
	e.r = &runner{t: t, url: e.url, dir: t.TempDir(), plan: p}
	verifies := stepsOf(p, plans.KindDelegatedAdminVerify)
	if len(verifies) != 1 || len(verifies[0].DependsOn) != 1 {
		t.Fatalf("want one delegated-admin.verify step after one manual step, got %+v", verifies)
	}
	e.verify = verifies[0]
	e.manual = *p.Step(e.verify.DependsOn[0])
	prm := e.verify.Params.(plans.DelegatedAdminVerify)
	if prm.ServicePrincipal != gdPrincipal || !prm.AccountID.IsRef() {
		t.Fatalf("verify params %+v: want GuardDuty and the Audit account phase 1 creates", prm)
	}
	e.former = prm.FormerAccountID

	// --dry-run: nothing changes, and the verify says it waits (its manual step is not confirmed).
	pe, err := engine.New(engine.Options{Plan: p, AWS: clientsFor(t, e.url), Folder: statefolder.Folder{Dir: t.TempDir()}})
	if err != nil {
		t.Fatal(err)
	}
	for _, pv := range pe.Preview(context.Background()) {
		if pv.State == engine.PreviewError {
			t.Errorf("preview of %s: %s", pv.Step, pv.Note)
		}
	}
	if n := len(mutations(e.srv.Calls())); n != 0 {
		t.Fatalf("the dry run made %d mutating calls", n)
	}

	sum := e.r.run(context.Background(), nil, nil)
	if len(sum.Waiting) != 1 || sum.Waiting[0].Step != e.manual.ID {
		t.Fatalf("first run: waiting %+v, want %s", sum.Waiting, e.manual.ID)
	}
	st := mustRead(t, e.r.dir)
	e.audit, err = prm.AccountID.Resolve(func(step, out string) (string, bool) { v, ok := st.Outputs(step)[out]; return v, ok })
	if err != nil || e.audit == "" {
		t.Fatalf("the Audit account's ID: %q, %v", e.audit, err)
	}
	// The operator confirms without having moved anything: the verify must not pass.
	confirm(t, e.r.dir, e.manual.ID)
	sum = e.r.run(context.Background(), nil, nil)
	if len(sum.Waiting) != 1 || sum.Waiting[0].Step != e.verify.ID {
		t.Fatalf("after the confirmation: waiting %+v, failed %+v, want %s waiting", sum.Waiting, sum.Failed, e.verify.ID)
	}
	why := sum.Waiting[0].Reason
	for _, want := range []string{"account " + e.audit + " is not yet", "account " + e.former + " still is", "lz2ct resume"} {
		if !strings.Contains(why, want) {
			t.Errorf("the waiting verify says %q; want it to say %q", why, want)
		}
	}
	if s := mustRead(t, e.r.dir).Step(e.verify.ID).Status; s == journal.Done {
		t.Fatal("the verify passed before the move")
	}
	return e
}

func confirm(t *testing.T, dir, step string) {
	t.Helper()
	w, err := journal.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := w.Append(journal.Event{Step: step, Event: journal.EventConfirmed, By: "operator"}); err != nil {
		t.Fatal(err)
	}
}

// finish runs the plan after the move: the verify passes, and a second run changes nothing.
func (e *daEnv) finish(t *testing.T) {
	t.Helper()
	sum := e.r.run(context.Background(), nil, nil)
	if !sum.Complete() || mustRead(t, e.r.dir).Step(e.verify.ID).Status != journal.Done {
		t.Fatalf("after the move: waiting %+v, failed %+v", sum.Waiting, sum.Failed)
	}
	before := len(e.srv.Calls())
	if sum := e.r.run(context.Background(), nil, nil); !sum.Complete() {
		t.Fatalf("second run: waiting %+v, failed %+v", sum.Waiting, sum.Failed)
	}
	for _, c := range e.srv.Calls()[before:] {
		if c.Mutating {
			t.Errorf("the second run called %s %s", c.Operation, c.Target)
		}
	}
	for k, n := range mutations(e.srv.Calls()) {
		if n != 1 {
			t.Errorf("%s mutated %d times", k, n)
		}
	}
	var ids []string
	for _, d := range e.srv.Snapshot().DelegatedAdmins {
		if d.ServicePrincipal == gdPrincipal {
			ids = append(ids, d.AccountID)
		}
	}
	if len(ids) != 1 || ids[0] != e.audit {
		t.Errorf("GuardDuty's delegated administrators at the end: %v, want %s alone", ids, e.audit)
	}
}

// The move through the SDK, as Organizations sees it: the verify passes only once both halves
// are done (the new account registered, the former one deregistered).
func TestDelegatedAdminVerifyEndToEnd(t *testing.T) {
	e := newDAEnv(t)
	ctx := context.Background()
	org := organizations.NewFromConfig(clientsFor(t, e.url).Management())
	if _, err := org.RegisterDelegatedAdministrator(ctx, &organizations.RegisterDelegatedAdministratorInput{
		AccountId: aws.String(e.audit), ServicePrincipal: aws.String(gdPrincipal)}); err != nil {
		t.Fatal(err)
	}
	// Half done: the former administrator is still registered.
	sum := e.r.run(ctx, nil, nil)
	if len(sum.Waiting) != 1 || !strings.Contains(sum.Waiting[0].Reason, "account "+e.former+" still is") || strings.Contains(sum.Waiting[0].Reason, "not yet") {
		t.Fatalf("half moved: waiting %+v", sum.Waiting)
	}
	if _, err := org.DeregisterDelegatedAdministrator(ctx, &organizations.DeregisterDelegatedAdministratorInput{
		AccountId: aws.String(e.former), ServicePrincipal: aws.String(gdPrincipal)}); err != nil {
		t.Fatal(err)
	}
	e.finish(t)
}

// The manual step's own AWS CLI commands, run by the real AWS CLI against the simulator, move
// GuardDuty's administration so that the verify passes.
func TestDelegatedAdminMoveWithTheAWSCLI(t *testing.T) {
	if _, err := exec.LookPath("aws"); err != nil {
		t.Fatal("this test runs the manual step's AWS CLI commands: install the AWS CLI (pip install awscli, or .ci/run does)")
	}
	e := newDAEnv(t)
	prm := e.verify.Params.(plans.DelegatedAdminVerify)
	env := append(cleanEnv(), "AWS_ENDPOINT_URL="+e.url, "AWS_ACCESS_KEY_ID=AKIAEXAMPLEEXAMPLE00", "AWS_SECRET_ACCESS_KEY=secret",
		"AWS_DEFAULT_REGION=us-east-1", plans.ShellVar(prm.AccountID.FromStep, prm.AccountID.Output)+"="+e.audit)
	if len(e.manual.CLI) == 0 {
		t.Fatal("the manual step prints no commands")
	}
	for _, cmd := range e.manual.CLI {
		run := exec.Command("bash", "-euo", "pipefail", "-c", cmd)
		run.Env = env
		if out, err := run.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", cmd, err, out)
		}
	}
	e.finish(t)
	// GuardDuty agrees in every governed region.
	for _, c := range e.srv.Calls() {
		if c.Operation == "EnableOrganizationAdminAccount" && (c.Code != "" || !strings.HasSuffix(c.Target, "/"+e.audit)) {
			t.Errorf("EnableOrganizationAdminAccount %s answered %q", c.Target, c.Code)
		}
	}
}
