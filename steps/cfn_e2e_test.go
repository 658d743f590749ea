package steps_test

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/lz2ct/lz2ct/awsapi"
	"github.com/lz2ct/lz2ct/engine"
	"github.com/lz2ct/lz2ct/engine/hooks"
	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/journal"
	"github.com/lz2ct/lz2ct/plans"
	"github.com/lz2ct/lz2ct/settings"
	"github.com/lz2ct/lz2ct/sim"
	"github.com/lz2ct/lz2ct/statefolder"
	"github.com/lz2ct/lz2ct/steps"
)

// End to end through the real SDK against the simulator: the CloudFormation kinds in plans the
// planner built for a testdata organization, run by the engine.

// cfnKinds are the kinds this file tests; verify checkpoints stay in the plan to keep its order.
var cfnKinds = map[string]bool{
	plans.KindExportStackSet: true, plans.KindConfigStackSetInstancesDelete: true, plans.KindStackSetCreate: true,
	plans.KindStackSetInstancesCreate: true, plans.KindStackSetInstancesDelete: true, plans.KindStackSetDelete: true,
	plans.KindStackDelete: true, plans.KindVerify: true,
}

// timeScale runs simulated StackSet operations and the engine's waits 2000 times faster.
const timeScale = 2000

func loadOrg(t *testing.T, name string) (*inventory.Snapshot, settings.Settings) {
	t.Helper()
	snap, err := inventory.Load(filepath.Join("..", "testdata", "orgs", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := settings.Load(filepath.Join("..", "testdata", "settings", name+".yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return snap, s.Resolve(snap)
}

func clients(t *testing.T, url string) *awsapi.Clients {
	t.Helper()
	c, err := awsapi.Load(context.Background(), awsapi.Options{EndpointURL: url, Region: "us-east-1", MaxBackoff: 5 * time.Millisecond,
		Static: &aws.Credentials{AccessKeyID: "AKIAEXAMPLEEXAMPLE00", SecretAccessKey: "secret"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func serve(t *testing.T, snap *inventory.Snapshot, opts sim.Options) (*sim.Server, string) {
	t.Helper()
	opts.TimeScale = timeScale
	srv := sim.New(snap, opts)
	url, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv, url
}

// apply runs the plan with the state folder dir and returns the run's summary.
func apply(t *testing.T, url string, p *plans.Plan, dir string) *engine.Summary {
	t.Helper()
	w, err := journal.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	e, err := engine.New(engine.Options{Plan: p, AWS: clients(t, url), Folder: statefolder.Folder{Dir: dir}, Hook: hooks.Journal(w), TimeScale: timeScale})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := e.Run(context.Background(), context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

// typical is alz2-typical with every ALZ StackSet chosen for deletion, the baseline VPCs empty
// except, when inUse, the Shared Services VPC, which runs something.
func typical(t *testing.T, inUse bool) (*inventory.Snapshot, settings.Settings) {
	snap, s := loadOrg(t, "alz2-typical")
	s.Decommission.KeepStackSets = []string{} // explicitly none: by default the baseline VPCs are kept
	n := 0
	for i := range snap.Accounts {
		for k := range snap.Accounts[i].Regions {
			vpcs := snap.Accounts[i].Regions[k].VPCs
			for v := range vpcs {
				switch {
				case strings.HasPrefix(vpcs[v].Stack, "StackSet-AWS-Landing-Zone-SharedServicesAccountVPC-") && inUse:
					vpcs[v].NetworkInterfaces = []inventory.NetworkInterface{{ID: "eni-0123456789abcdef0", Type: "interface", Status: "in-use", Description: "Primary network interface"}}
					n++
				case strings.HasPrefix(vpcs[v].Stack, "StackSet-"):
					vpcs[v].NetworkInterfaces = nil
				}
			}
		}
	}
	if inUse && n != 1 {
		t.Fatalf("alz2-typical has %d Shared Services VPCs, want 1", n)
	}
	return snap, s
}

// allowedOperations are the operations the plan's kinds may call, as their KindSpecs list them,
// and GetCallerIdentity (awsapi.Clients learns the caller once, to tell the management account).
func allowedOperations(p *plans.Plan) map[string]bool {
	ok := map[string]bool{"sts:GetCallerIdentity": true}
	for _, ph := range p.Phases {
		for _, st := range ph.Steps {
			spec, _ := plans.LookupKind(st.Kind)
			for _, op := range spec.Operations {
				ok[op] = true
			}
		}
	}
	return ok
}

// Every CloudFormation kind of a full decommission, from the planner, end to end: the exports
// written, the Config recorders gone with the EnableConfig instances, AWSControlTowerExecution
// created through the StackSet, every ALZ StackSet deleted, the initiation stack deleted after
// turning termination protection off; each mutation made once; the preview and a second run
// change nothing.
func TestCloudFormationKindsEndToEnd(t *testing.T) {
	snap, s := typical(t, false)
	p := kindsPlan(t, snap, s, ofKinds(cfnKinds))
	for _, k := range []string{plans.KindExportStackSet, plans.KindConfigStackSetInstancesDelete, plans.KindStackSetCreate,
		plans.KindStackSetInstancesCreate, plans.KindStackSetInstancesDelete, plans.KindStackSetDelete, plans.KindStackDelete} {
		if len(stepsOf(p, k)) == 0 {
			t.Fatalf("the plan has no %s step: the test proves nothing for it", k)
		}
	}
	srv, url := serve(t, snap, sim.Options{})

	// The preview observes every step and changes nothing.
	pe, err := engine.New(engine.Options{Plan: p, AWS: clients(t, url), Folder: statefolder.Folder{Dir: t.TempDir()}})
	if err != nil {
		t.Fatal(err)
	}
	for _, pv := range pe.Preview(context.Background()) {
		if pv.State != engine.PreviewChange && pv.State != engine.PreviewLater {
			t.Errorf("preview %s: %s %s", pv.Step, pv.State, pv.Note)
		}
	}
	if _, mutating := srv.CallCount(); mutating != 0 {
		t.Fatalf("the preview made %d mutating calls", mutating)
	}

	dir := t.TempDir()
	sum := apply(t, url, p, dir)
	if !sum.Complete() {
		t.Fatalf("failed %+v\nnot started %+v", sum.Failed, sum.NotStarted)
	}
	end := srv.Snapshot()

	// Exports.
	for _, st := range stepsOf(p, plans.KindExportStackSet) {
		ep := st.Params.(plans.ExportStackSet)
		doc, inst := steps.StackSetExportPaths(ep.StackSetName, ep.Path)
		for _, f := range []string{doc, inst} {
			data, err := os.ReadFile(filepath.Join(dir, f))
			if err != nil || !strings.Contains(string(data), ep.StackSetName) {
				t.Errorf("export %s: %v", f, err)
			}
		}
	}
	// Every ALZ StackSet deleted, the initiation stack gone.
	for _, ss := range end.ALZ.StackSets {
		if ss.Status != "DELETED" || len(ss.Instances) > 0 {
			t.Errorf("StackSet %s: %s with %d instances", ss.Name, ss.Status, len(ss.Instances))
		}
	}
	for _, st := range end.ALZ.Stacks {
		if st.IsInitiation() {
			t.Errorf("the initiation stack %s is still there", st.Name)
		}
	}
	// No ALZ recorder or channel where an EnableConfig instance was deleted (not retained); the
	// baseline VPCs gone with their stacks.
	deleted := map[string]bool{}
	for _, k := range []string{plans.KindConfigStackSetInstancesDelete, plans.KindStackSetInstancesDelete} {
		for _, st := range stepsOf(p, k) {
			var d plans.StackSetInstancesDelete
			switch v := st.Params.(type) {
			case plans.ConfigStackSetInstancesDelete:
				d = v.StackSetInstancesDelete
			case plans.StackSetInstancesDelete:
				d = v
			}
			if d.StackSetName != plans.EnableConfigStackSet || d.RetainStacks {
				continue
			}
			for _, a := range d.Accounts {
				for _, r := range d.Regions {
					deleted[a+"/"+r] = true
				}
			}
		}
	}
	if len(deleted) == 0 {
		t.Fatal("no EnableConfig instance deleted: the test proves nothing")
	}
	for _, a := range end.Accounts {
		for _, r := range a.Regions {
			for _, rec := range r.ConfigRecorders {
				if rec.Name == "AWS-Landing-Zone-BaselineConfigRecorder" && deleted[a.ID+"/"+r.Region] {
					t.Errorf("%s/%s: ALZ's recorder is still there", a.ID, r.Region)
				}
			}
			for _, v := range r.VPCs {
				if strings.HasPrefix(v.Stack, "StackSet-AWS-Landing-Zone-") {
					t.Errorf("%s/%s: baseline VPC %s is still there", a.ID, r.Region, v.ID)
				}
			}
		}
	}
	// AWSControlTowerExecution in every account of the StackSet's instances.
	for _, st := range stepsOf(p, plans.KindStackSetInstancesCreate) {
		for _, id := range st.Params.(plans.StackSetInstancesCreate).Accounts {
			for _, a := range end.Accounts {
				if a.ID == id && (a.IAM == nil || !a.IAM.ControlTowerExecutionRole) {
					t.Errorf("%s: no AWSControlTowerExecution after %s", id, st.ID)
				}
			}
		}
	}

	// The audit log: each StackSet operation started once (its OperationId), each StackSet and
	// stack deleted once, nothing outside the kinds' operations.
	applied := map[string]int{}
	allowed := allowedOperations(p)
	for _, c := range srv.Calls() {
		if !allowed[c.Service+":"+c.Operation] {
			t.Errorf("%s:%s is not among the operations of the plan's kinds", c.Service, c.Operation)
		}
		if c.Mutating && c.Code == "" && !c.Replay {
			applied[c.Operation+" "+c.Target]++
		}
	}
	want := map[string]int{}
	for _, ph := range p.Phases {
		for _, st := range ph.Steps {
			switch v := st.Params.(type) {
			case plans.ConfigStackSetInstancesDelete:
				want["DeleteStackInstances "+v.StackSetName+"/"+v.OperationID] = 1
			case plans.StackSetInstancesDelete:
				want["DeleteStackInstances "+v.StackSetName+"/"+v.OperationID] = 1
			case plans.StackSetInstancesCreate:
				want["CreateStackInstances "+v.StackSetName+"/"+v.OperationID] = 1
			case plans.StackSetCreate:
				want["CreateStackSet "+v.StackSetName] = 1
			case plans.StackSetDelete:
				want["DeleteStackSet "+v.StackSetName] = 1
			case plans.StackDelete:
				want["DeleteStack "+v.StackName] = 1
				if v.DisableTerminationProtection {
					want["UpdateTerminationProtection "+v.StackName] = 1
				}
			}
		}
	}
	for k, n := range want {
		if applied[k] != n {
			t.Errorf("%s applied %d times, want %d", k, applied[k], n)
		}
	}
	for k := range applied {
		if want[k] == 0 {
			t.Errorf("unplanned mutation %s", k)
		}
	}

	// Each StackSet operation took the simulated time the planner's estimate allows for it: the
	// simulator lays batches out by the step's preferences, as CloudFormation does.
	est := map[string]int64{}
	for _, ph := range p.Phases {
		for _, st := range ph.Steps {
			switch v := st.Params.(type) {
			case plans.ConfigStackSetInstancesDelete:
				est[v.OperationID] = st.EstimateSeconds
			case plans.StackSetInstancesDelete:
				est[v.OperationID] = st.EstimateSeconds
			case plans.StackSetInstancesCreate:
				est[v.OperationID] = st.EstimateSeconds
			}
		}
	}
	timed := 0
	for _, op := range srv.Operations() {
		limit, ok := est[op.ID]
		if !ok {
			continue
		}
		timed++
		if took := op.Ended.Sub(op.Started); limit <= 0 || took > time.Duration(limit)*time.Second {
			t.Errorf("operation %s (%s) took %s of simulated time; the plan estimates at most %ds", op.ID, op.Target, took, limit)
		}
	}
	if timed != len(est) {
		t.Errorf("%d of %d StackSet operations timed", timed, len(est))
	}

	// A second run that lost the journal (the exports kept) observes everything done and changes
	// nothing.
	if err := os.Remove(filepath.Join(dir, journal.FileName)); err != nil {
		t.Fatal(err)
	}
	_, before := srv.CallCount()
	sum2 := apply(t, url, p, dir)
	if !sum2.Complete() {
		t.Fatalf("second run: failed %+v", sum2.Failed)
	}
	if _, after := srv.CallCount(); after != before {
		t.Errorf("the second run made %d mutating calls", after-before)
	}
	t.Logf("%d steps; %d mutations", len(p.ExecutionOrder), before)
}

// The phase-6 guard: the Shared Services VPC runs something, so its StackSet's instance deletion is
// unsafe and reported, the StackSet (and the initiation stack, which goes last) is kept, and every
// other StackSet of the phase is deleted.
func TestVPCInUseKeepsItsStackSet(t *testing.T) {
	const shared = "AWS-Landing-Zone-SharedServicesAccountVPC"
	snap, s := typical(t, true)
	p := kindsPlan(t, snap, s, ofKinds(cfnKinds))
	srv, url := serve(t, snap, sim.Options{})
	// --dry-run shows the guard's verdict.
	pe, err := engine.New(engine.Options{Plan: p, AWS: clients(t, url), Folder: statefolder.Folder{Dir: t.TempDir()}})
	if err != nil {
		t.Fatal(err)
	}
	unsafe := 0
	for _, pv := range pe.Preview(context.Background()) {
		if pv.State == engine.PreviewUnsafe {
			unsafe++
			if !strings.HasPrefix(pv.Step, plans.KindStackSetInstancesDelete+"/"+shared+"/") || !strings.Contains(pv.Note, "eni-0123456789abcdef0") {
				t.Errorf("preview %s: unsafe: %s", pv.Step, pv.Note)
			}
		}
	}
	if unsafe != 1 {
		t.Errorf("the preview shows %d unsafe steps, want the Shared Services VPC's", unsafe)
	}
	sum := apply(t, url, p, t.TempDir())
	var failed []string
	for _, f := range sum.Failed {
		failed = append(failed, f.Step)
		if !strings.Contains(f.Error, "unsafe") || !strings.Contains(f.Error, "eni-0123456789abcdef0") || !strings.Contains(f.Error, shared) {
			t.Errorf("%s: %s", f.Step, f.Error)
		}
	}
	if len(failed) != 1 || !strings.HasPrefix(failed[0], plans.KindStackSetInstancesDelete+"/"+shared+"/") {
		t.Fatalf("failed %v, want only the Shared Services VPC's instance deletion", failed)
	}
	notStarted := map[string]bool{}
	for _, n := range sum.NotStarted {
		notStarted[n.Step] = true
	}
	if !notStarted[plans.KindStackSetDelete+"/"+shared] {
		t.Errorf("stackset.delete/%s was not held back: %v", shared, sum.NotStarted)
	}
	for _, ss := range srv.Snapshot().ALZ.StackSets {
		if (ss.Name == shared) != (ss.Status == "ACTIVE" && len(ss.Instances) == 1) {
			t.Errorf("StackSet %s: %s with %d instances", ss.Name, ss.Status, len(ss.Instances))
		}
	}
	for _, c := range srv.Calls() {
		if c.Mutating && strings.HasPrefix(c.Target, shared) {
			t.Errorf("the guarded StackSet was changed: %+v", c)
		}
	}
	var done []string
	for _, d := range sum.Done {
		if d.Kind == plans.KindStackSetDelete {
			done = append(done, d.Step)
		}
	}
	sort.Strings(done)
	if len(done) != len(stepsOf(p, plans.KindStackSetDelete))-1 {
		t.Errorf("%d StackSets deleted (%v), want every other one", len(done), done)
	}
}
