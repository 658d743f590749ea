package cli

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/lz2ct/lz2ct/engine/enginetest"
	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/iostreams"
	"github.com/lz2ct/lz2ct/journal"
	"github.com/lz2ct/lz2ct/plans"
	"github.com/lz2ct/lz2ct/sim"
	"github.com/lz2ct/lz2ct/statefolder"
	"github.com/lz2ct/lz2ct/steps"
)

// detachTargets maps each exported SCP to the targets the plan detaches it from.
func detachTargets(p *plans.Plan) map[string]bool {
	out := map[string]bool{}
	for _, ph := range p.Phases {
		for _, s := range ph.Steps {
			if d, ok := s.Params.(plans.SCPDetach); ok {
				out[d.PolicyID+"/"+d.TargetID] = true
			}
		}
	}
	return out
}

// checkEndState compares the simulator's organization with the served one: the planned detaches
// done, every other attachment as it was.
func checkEndState(t *testing.T, served, now *inventory.Snapshot, planned map[string]bool) {
	t.Helper()
	before := map[string]bool{}
	for _, pol := range served.Policies {
		for _, tg := range pol.Targets {
			before[pol.ID+"/"+tg] = true
		}
	}
	after := map[string]bool{}
	for _, pol := range now.Policies {
		for _, tg := range pol.Targets {
			after[pol.ID+"/"+tg] = true
		}
	}
	for k := range before {
		if planned[k] && after[k] {
			t.Errorf("%s is still attached", k)
		}
		if !planned[k] && !after[k] {
			t.Errorf("%s was detached, but the plan does not detach it", k)
		}
	}
	for k := range after {
		if !before[k] {
			t.Errorf("%s was attached by the run", k)
		}
	}
}

// mutationTargets counts the successful mutating calls per operation and target.
func mutationTargets(calls []sim.Call) map[string]int {
	out := map[string]int{}
	for _, c := range calls {
		if c.Mutating && c.Code == "" && !c.Replay {
			out[c.Operation+" "+c.Target]++
		}
	}
	return out
}

// checkKindOperations fails when the run called an operation no kind of the plan declares.
func checkKindOperations(t *testing.T, p *plans.Plan, calls []sim.Call) {
	t.Helper()
	declared := map[string]bool{"sts:GetCallerIdentity": true, "sts:AssumeRole": true}
	for _, ph := range p.Phases {
		for _, s := range ph.Steps {
			spec, _ := plans.LookupKind(s.Kind)
			for _, op := range spec.Operations {
				declared[op] = true
			}
		}
	}
	for _, c := range calls {
		if !declared[c.Service+":"+c.Operation] {
			t.Errorf("the run called %s:%s, which no kind of the plan declares (plans/kinds_*.go)", c.Service, c.Operation)
		}
	}
}

// applyFixture serves alz2-typical and writes a hand-made plan (exports, a manual step) for it.
func applyFixture(t *testing.T, o enginetest.Options) (srv *sim.Server, url, planFile, state string, snap *inventory.Snapshot) {
	return applyFixtureWith(t, o, sim.Options{})
}

func applyFixtureWith(t *testing.T, o enginetest.Options, so sim.Options) (srv *sim.Server, url, planFile, state string, snap *inventory.Snapshot) {
	t.Helper()
	discoverSimEnv(t)
	snap, err := inventory.Load("../testdata/orgs/alz2-typical.json")
	if err != nil {
		t.Fatal(err)
	}
	srv = sim.New(snap, so)
	url, err = srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	dir := t.TempDir()
	planFile = filepath.Join(dir, "plan.json")
	if err := plans.Save(planFile, enginetest.SCPPlan(snap, o)); err != nil {
		t.Fatal(err)
	}
	return srv, url, planFile, filepath.Join(dir, "state"), snap
}

func exitCode(err error) int { return ExitCode(err) }

func mutations(srv *sim.Server) []sim.Call {
	var out []sim.Call
	for _, c := range srv.Calls() {
		if c.Mutating {
			out = append(out, c)
		}
	}
	return out
}

func TestApplyDryRunChangesNothing(t *testing.T) {
	srv, url, planFile, state, _ := applyFixture(t, enginetest.Options{Manual: true})
	out, errOut, err := discoverRoot(t, "apply", "--plan", planFile, "--state", state, "--endpoint-url", url, "--dry-run")
	if err != nil {
		t.Fatalf("dry run: %v\n%s", err, errOut)
	}
	for _, want := range []string{"  0    would     export.scp/p-bby1ht1b: save SCP p-bby1ht1b's document and targets to exports/scp/p-bby1ht1b.json",
		"  4    manual    manual/check-workloads: Check the workloads", "Nothing was changed."} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run output lacks %q:\n%s", want, out)
		}
	}
	if m := mutations(srv); len(m) > 0 {
		t.Errorf("the dry run made mutating calls: %+v", m)
	}
	if _, err := os.Stat(state); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the dry run created the state folder (%v)", err)
	}
	out, _, err = discoverRoot(t, "apply", "--plan", planFile, "--state", state, "--endpoint-url", url, "--dry-run", "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	var pv []struct{ Step, State string }
	if err := json.Unmarshal([]byte(out), &pv); err != nil || len(pv) == 0 {
		t.Fatalf("--format json: %v\n%s", err, out)
	}
}

func TestApplyConfirmResumeStatus(t *testing.T) {
	srv, url, planFile, state, snap := applyFixture(t, enginetest.Options{Manual: true})
	_, errOut, err := discoverRoot(t, "apply", "--plan", planFile, "--state", state, "--endpoint-url", url)
	if exitCode(err) != ExitBadInput || !strings.Contains(err.Error(), "--yes") {
		t.Fatalf("apply without a terminal and without --yes: %v", err)
	}
	out, errOut, err := discoverRoot(t, "apply", "--plan", planFile, "--state", state, "--endpoint-url", url, "--yes")
	if exitCode(err) != ExitWaiting {
		t.Fatalf("apply = %v (exit %d), want exit %d waiting on the manual step\n%s\n%s", err, exitCode(err), ExitWaiting, out, errOut)
	}
	if !strings.Contains(out, "lz2ct confirm manual/check-workloads --state "+state) {
		t.Errorf("summary does not say how to confirm:\n%s", out)
	}
	if !strings.Contains(errOut, "done     export.scp/p-bby1ht1b") {
		t.Errorf("progress lines:\n%s", errOut)
	}
	// The exports hold the documents, private to the owner.
	for _, pol := range snap.Policies {
		if !enginetest.IsALZPolicy(pol.Name) {
			continue
		}
		doc, targets := steps.SCPExportPaths(plans.ExportSCP{PolicyID: pol.ID, Path: "exports/scp/" + pol.ID + ".json"})
		var e steps.SCPExport
		var tg steps.SCPTargetsExport
		for name, v := range map[string]any{doc: &e, targets: &tg} {
			path := filepath.Join(state, name)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(data, v); err != nil {
				t.Fatal(err)
			}
			if fi, _ := os.Stat(path); fi.Mode().Perm() != statefolder.FilePerm {
				t.Errorf("%s: mode %o", path, fi.Mode().Perm())
			}
		}
		if e.Policy.Content != pol.Document || e.Policy.PolicySummary.Name != pol.Name || len(tg.Targets) != len(pol.Targets) {
			t.Errorf("export of %s: %+v %+v", pol.ID, e, tg)
		}
	}
	if m := mutations(srv); len(m) > 0 {
		t.Errorf("exports made mutating calls: %+v", m)
	}

	out, _, err = discoverRoot(t, "status", "--state", state)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Not running. Last run: finished:", "waiting for you", "lz2ct confirm manual/check-workloads"} {
		if !strings.Contains(out, want) {
			t.Errorf("status lacks %q:\n%s", want, out)
		}
	}
	if _, _, err := discoverRoot(t, "confirm", "export.scp/p-bby1ht1b", "--state", state); exitCode(err) != ExitBadInput {
		t.Errorf("confirming a step lz2ct carries out: %v", err)
	}
	out, _, err = discoverRoot(t, "confirm", "manual/check-workloads", "--state", state, "--note", "CHG-1234: all fine", "--by", "carol")
	if err != nil || !strings.Contains(out, "confirmed by carol") {
		t.Fatalf("confirm: %v\n%s", err, out)
	}
	out, errOut, err = discoverRoot(t, "resume", "--state", state, "--endpoint-url", url)
	if err != nil {
		t.Fatalf("resume: %v\n%s\n%s", err, out, errOut)
	}
	st, err := journal.Read(state)
	if err != nil {
		t.Fatal(err)
	}
	if s := st.Step("manual/check-workloads"); s.Status != journal.Done || !strings.Contains(s.Note, "carol") || !strings.Contains(s.Note, "CHG-1234") {
		t.Errorf("manual step: %+v", s)
	}
	if s := st.Step("verify/done"); s.Status != journal.Done {
		t.Errorf("last checkpoint: %+v", s)
	}
	out, _, err = discoverRoot(t, "status", "--state", state, "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Counts struct{ Done, NotStarted, Failed int }
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || rep.Counts.Done == 0 || rep.Counts.NotStarted+rep.Counts.Failed != 0 {
		t.Errorf("status json: %v %+v", err, rep)
	}
	// A second apply of the same plan finds everything done; another plan is refused.
	if _, _, err := discoverRoot(t, "apply", "--plan", planFile, "--state", state, "--endpoint-url", url, "--yes"); err != nil {
		t.Errorf("apply of a finished plan: %v", err)
	}
	other := enginetest.SCPPlan(snap, enginetest.Options{})
	other.SnapshotHash = "sha256:other"
	otherFile := filepath.Join(t.TempDir(), "other.json")
	plans.Save(otherFile, other)
	if _, _, err := discoverRoot(t, "apply", "--plan", otherFile, "--state", state, "--endpoint-url", url, "--yes"); exitCode(err) != ExitBadInput ||
		!strings.Contains(err.Error(), "another snapshot") {
		t.Errorf("apply of another plan on a started folder: %v", err)
	}
}

func TestApplyDetachesALZSCPs(t *testing.T) {
	srv, url, planFile, state, served := applyFixture(t, enginetest.Options{Detach: true})
	p, err := plans.Load(planFile)
	if err != nil {
		t.Fatal(err)
	}
	planned := detachTargets(p)
	if len(planned) < 3 {
		t.Fatalf("the fixture plan detaches only %d attachments", len(planned))
	}
	out, errOut, err := discoverRoot(t, "apply", "--plan", planFile, "--state", state, "--endpoint-url", url, "--yes")
	if err != nil {
		t.Fatalf("apply: %v\n%s\n%s", err, out, errOut)
	}
	checkEndState(t, served, srv.Snapshot(), planned)
	calls := srv.Calls()
	for k, n := range mutationTargets(calls) {
		if n != 1 || !strings.HasPrefix(k, "DetachPolicy ") || !planned[strings.TrimPrefix(k, "DetachPolicy ")] {
			t.Errorf("mutation %s applied %d times", k, n)
		}
	}
	if n := len(mutationTargets(calls)); n != len(planned) {
		t.Errorf("%d detaches applied, want %d", n, len(planned))
	}
	checkKindOperations(t, p, calls)
	// Applying again changes nothing: every step observes its effect in place.
	if _, _, err := discoverRoot(t, "apply", "--plan", planFile, "--state", state, "--endpoint-url", url, "--yes"); err != nil {
		t.Fatal(err)
	}
	if m := mutations(srv); len(m) != len(planned) {
		t.Errorf("a second apply made %d more mutating calls", len(m)-len(planned))
	}
}

// One detach fails (an injected AccessDenied): the others go on, what depends on it waits, the
// summary says what to do; once the fault is cleared, resume finishes without repeating anything.
func TestApplyFailureThenResume(t *testing.T) {
	srv, url, planFile, state, served := applyFixture(t, enginetest.Options{Detach: true})
	p, _ := plans.Load(planFile)
	planned := detachTargets(p)
	var victim string
	for k := range planned {
		if victim == "" || k < victim {
			victim = k
		}
	}
	if err := srv.SetFaults([]sim.Fault{{Service: "organizations", Operation: "DetachPolicy", Target: victim, Action: "fail",
		Code: "AccessDeniedException", Message: "denied by the test"}}); err != nil {
		t.Fatal(err)
	}
	out, _, err := discoverRoot(t, "apply", "--plan", planFile, "--state", state, "--endpoint-url", url, "--yes")
	if exitCode(err) != ExitFailure {
		t.Fatalf("apply = %v, want exit 1", err)
	}
	for _, want := range []string{"FAILED  scp.detach/" + victim, "AccessDeniedException", "what to do: the credentials lack a permission",
		"not started (1): needs scp.detach/" + victim + ", which failed: verify/detached"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	if got := mutationTargets(srv.Calls()); len(got) != len(planned)-1 {
		t.Errorf("%d detaches applied, want all but the failed one", len(got))
	}
	srv.SetFaults(nil)
	out, errOut, err := discoverRoot(t, "resume", "--state", state, "--endpoint-url", url)
	if err != nil {
		t.Fatalf("resume: %v\n%s\n%s", err, out, errOut)
	}
	checkEndState(t, served, srv.Snapshot(), planned)
	for k, n := range mutationTargets(srv.Calls()) {
		if n != 1 {
			t.Errorf("mutation %s applied %d times", k, n)
		}
	}
	if !strings.Contains(errOut, "start    scp.detach/"+victim+": Detach") || !strings.Contains(errOut, "(attempt 2)") {
		t.Errorf("resume did not retry the failed step:\n%s", errOut)
	}
}

// The first signal (the Factory's Stop context) arrives right after the first detach took effect:
// apply starts nothing new, records what was in flight, says how to resume and exits 3; resume
// finishes without repeating anything.
func TestApplyStopsGracefullyAndResumes(t *testing.T) {
	stop, stopNow := context.WithCancel(context.Background())
	defer stopNow()
	var once sync.Once
	srv, url, planFile, state, served := applyFixtureWith(t, enginetest.Options{Detach: true},
		sim.Options{AfterMutation: func(sim.Call) { once.Do(stopNow) }})
	ios, _, out, errOut := iostreams.Test()
	root := NewRootCmd(&Factory{IO: ios, Stop: stop, Context: context.Background()})
	root.SetArgs([]string{"apply", "--plan", planFile, "--state", state, "--endpoint-url", url, "--yes", "--concurrency", "1"})
	err := root.Execute()
	if exitCode(err) != ExitStopped {
		t.Fatalf("apply = %v (exit %d), want exit 3\n%s\n%s", err, exitCode(err), out, errOut)
	}
	if !strings.Contains(out.String(), "Stopped in") || !strings.Contains(out.String(), "Continue with: lz2ct resume --state") {
		t.Errorf("summary:\n%s", out)
	}
	p, _ := plans.Load(planFile)
	planned := detachTargets(p)
	if n := len(mutationTargets(srv.Calls())); n == 0 || n == len(planned) {
		t.Fatalf("%d of %d detaches before the stop: the test stopped nothing", n, len(planned))
	}
	st, _ := journal.Read(state)
	if len(st.Runs) != 2 || !strings.HasPrefix(st.Runs[1].Note, "stopped by the user") {
		t.Errorf("run events %+v", st.Runs)
	}
	if _, _, err := discoverRoot(t, "resume", "--state", state, "--endpoint-url", url); err != nil {
		t.Fatalf("resume: %v", err)
	}
	checkEndState(t, served, srv.Snapshot(), planned)
	for k, n := range mutationTargets(srv.Calls()) {
		if n != 1 {
			t.Errorf("mutation %s applied %d times", k, n)
		}
	}
}

// In a terminal, apply shows what it will do and runs only on the literal word yes.
// The summary of a run that did not finish prints the resume command with the flags that reached
// AWS (here the simulator's endpoint and the attempts per call): copied as printed, it continues
// the run, where "lz2ct resume --state DIR" alone would use the default credential chain and AWS.
func TestApplySummaryResumesTheSameWay(t *testing.T) {
	_, url, planFile, state, _ := applyFixture(t, enginetest.Options{Detach: true})
	p, err := plans.Load(planFile)
	if err != nil {
		t.Fatal(err)
	}
	var first string
	for _, ph := range p.Phases {
		if len(ph.Steps) > 0 && first == "" {
			first = ph.Steps[0].ID
		}
	}
	out, errOut, err := discoverRoot(t, "apply", "--plan", planFile, "--state", state, "--endpoint-url", url,
		"--max-attempts", "3", "--yes", "--step", first)
	if err != nil {
		t.Fatalf("apply --step %s: %v\n%s\n%s", first, err, out, errOut)
	}
	want := "Continue with: lz2ct resume --state " + state + " --endpoint-url " + url + " --max-attempts 3\n"
	i := strings.Index(out, want)
	if i < 0 {
		t.Fatalf("the summary lacks %q:\n%s", want, out)
	}
	args := strings.Fields(strings.TrimPrefix(want, "Continue with: lz2ct "))
	if out, errOut, err := discoverRoot(t, args...); err != nil {
		t.Fatalf("lz2ct %s: %v\n%s\n%s", strings.Join(args, " "), err, out, errOut)
	}
	st, err := journal.Read(state)
	if err != nil {
		t.Fatal(err)
	}
	for _, ph := range p.Phases {
		for _, s := range ph.Steps {
			if got := st.Step(s.ID).Status; got != journal.Done {
				t.Errorf("after the printed resume, %s is %v, want done", s.ID, got)
			}
		}
	}
}

func TestApplyAsksFirst(t *testing.T) {
	srv, url, planFile, state, _ := applyFixture(t, enginetest.Options{Detach: true})
	for _, answer := range []string{"no\n", "y\n", ""} {
		ios, in, out, _ := iostreams.Test()
		ios.SetTTY(true, true, true)
		in.WriteString(answer)
		root := NewRootCmd(&Factory{IO: ios})
		root.SetArgs([]string{"apply", "--plan", planFile, "--state", state, "--endpoint-url", url})
		err := root.Execute()
		if exitCode(err) != ExitStopped || !strings.Contains(out.String(), "Type yes to apply: ") || !strings.Contains(out.String(), "Apply cancelled") {
			t.Fatalf("answer %q: %v\n%s", answer, err, out)
		}
		if !strings.Contains(out.String(), "deletes or detaches: scp.detach/") {
			t.Errorf("apply did not say what it will delete or detach:\n%s", out)
		}
	}
	if m := mutations(srv); len(m) > 0 {
		t.Errorf("a cancelled apply made mutating calls: %+v", m)
	}
	if _, err := os.Stat(filepath.Join(state, journal.FileName)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a cancelled apply left a journal (%v): the folder would count as a started run", err)
	}
	ios, in, out, _ := iostreams.Test()
	ios.SetTTY(true, true, true)
	in.WriteString("yes\n")
	root := NewRootCmd(&Factory{IO: ios})
	root.SetArgs([]string{"apply", "--plan", planFile, "--state", state, "--endpoint-url", url})
	if err := root.Execute(); err != nil {
		t.Fatalf("yes: %v\n%s", err, out)
	}
}

func TestApplyIsRefusedWhileTheFolderIsLocked(t *testing.T) {
	_, url, planFile, state, _ := applyFixture(t, enginetest.Options{})
	held, _, err := statefolder.Folder{Dir: state}.Lock(statefolder.LockOptions{Command: "lz2ct apply"})
	if err != nil {
		t.Fatal(err)
	}
	defer held.Release()
	_, _, err = discoverRoot(t, "apply", "--plan", planFile, "--state", state, "--endpoint-url", url, "--yes")
	if exitCode(err) != ExitBadInput || !strings.Contains(err.Error(), "in use by lz2ct apply (pid") {
		t.Errorf("apply on a locked folder: %v", err)
	}
	if _, _, err := discoverRoot(t, "resume", "--state", state, "--endpoint-url", url); exitCode(err) != ExitBadInput {
		t.Errorf("resume on a locked folder: %v", err)
	}
}

func TestApplyFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"apply"}, "--plan FILE is required"},
		{[]string{"apply", "--plan", "p.json", "--only-phase", "2", "--step", "x"}, "exclude each other"},
		{[]string{"apply", "--plan", "p.json", "--only-phase", "7"}, "choose 0 to 6"},
		{[]string{"apply", "--plan", "p.json", "--format", "json"}, "goes with --dry-run"},
		{[]string{"status", "--state", "x", "--format", "yaml"}, "use text or json"},
		{[]string{"confirm"}, "accepts 1 arg"},
	} {
		_, _, err := discoverRoot(t, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %q", tc.args, err, tc.want)
		}
	}
	var got *ApplyOptions
	cmd := NewCmdApply(&Factory{IO: nil}, func(o *ApplyOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--plan", "p.json", "--step", "a", "--step", "b", "--yes", "--state", "s", "--force-unlock"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.PlanFile != "p.json" || len(got.Steps) != 2 || !got.Yes || got.State != "s" || !got.ForceUnlock || got.OnlyPhase != -1 {
		t.Errorf("parsed %+v", got)
	}
}

// Decommission waits for the organization ID typed: without --confirm-org the run does everything
// else and ends waiting on the operator (exit 4) with the command that goes on; a wrong ID is bad
// input; the right one lets it run.
func TestApplyDecommissionNeedsTheOrganizationTyped(t *testing.T) {
	_, url, planFile, state, snap := applyFixture(t, enginetest.Options{})
	p, err := plans.Load(planFile)
	if err != nil {
		t.Fatal(err)
	}
	p.Phases[6].Steps = append(p.Phases[6].Steps, plans.Step{ID: "verify/decommissioned", Kind: plans.KindVerify, Title: "ALZ is gone",
		DependsOn: []string{"verify/exports"}, Params: plans.Verify{Condition: "nothing of ALZ is left"}})
	p.ExecutionOrder = append(p.ExecutionOrder, "verify/decommissioned")
	if err := plans.Save(planFile, p); err != nil {
		t.Fatal(err)
	}
	out, errOut, err := discoverRoot(t, "apply", "--plan", planFile, "--state", state, "--endpoint-url", url, "--yes")
	if exitCode(err) != ExitWaiting || !strings.Contains(err.Error(), "--confirm-org "+snap.Organization.ID) {
		t.Fatalf("apply without --confirm-org: %v (exit %d)\n%s\n%s", err, exitCode(err), out, errOut)
	}
	if !strings.Contains(errOut, "they start once the organization ID is typed") || !strings.Contains(out, "not started (1)") {
		t.Errorf("the run does not say why decommission waits:\n%s\n%s", out, errOut)
	}
	if st, _ := journal.Read(state); st.Step("verify/decommissioned").Status != journal.NotStarted || st.Step("verify/exports").Status != journal.Done {
		t.Errorf("journal: %+v %+v", st.Step("verify/decommissioned"), st.Step("verify/exports"))
	}
	if _, _, err := discoverRoot(t, "resume", "--state", state, "--endpoint-url", url, "--confirm-org", "o-nottheone"); exitCode(err) != ExitBadInput {
		t.Errorf("resume with the wrong organization ID: %v", err)
	}
	if out, errOut, err := discoverRoot(t, "resume", "--state", state, "--endpoint-url", url, "--confirm-org", snap.Organization.ID); err != nil {
		t.Fatalf("resume --confirm-org: %v\n%s\n%s", err, out, errOut)
	}
	st, _ := journal.Read(state)
	if st.Step("verify/decommissioned").Status != journal.Done || !strings.Contains(st.Runs[len(st.Runs)-2].Note, "organization ID "+snap.Organization.ID+" typed") {
		t.Errorf("journal: %+v, runs %+v", st.Step("verify/decommissioned"), st.Runs)
	}
}
