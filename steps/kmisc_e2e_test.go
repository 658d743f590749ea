package steps_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/lz2ct/lz2ct/engine"
	"github.com/lz2ct/lz2ct/engine/hooks"
	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/journal"
	"github.com/lz2ct/lz2ct/plans"
	"github.com/lz2ct/lz2ct/plans/runbook"
	"github.com/lz2ct/lz2ct/settings"
	"github.com/lz2ct/lz2ct/sim"
	"github.com/lz2ct/lz2ct/statefolder"
)

// End to end through the real SDK against the simulator: plans the planner builds from the testdata
// organizations, cut down to the kinds of IAM, Config, SSM, KMS and CodePipeline (and the SCP
// exports and detaches they depend on), run by the engine.

// kmiscKinds are the kinds these tests run; the plan's other steps are left out, and dependencies
// on them dropped.
var kmiscKinds = map[string]bool{
	plans.KindExportSCP: true, plans.KindSCPDetach: true, plans.KindPipelineTransitionDisable: true,
	plans.KindConfigRecorderDelete: true, plans.KindIAMRoleCreate: true, plans.KindExportSSMParameters: true,
	plans.KindSSMParametersDelete: true, plans.KindKMSAliasDelete: true,
}

func serveSnap(t *testing.T, snap *inventory.Snapshot, opts sim.Options) (*sim.Server, string) {
	t.Helper()
	srv := sim.New(snap, opts)
	url, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv, url
}

// run carries p out in dir (the state folder) and returns the summary; log gets the progress lines.
func run(t *testing.T, url string, p *plans.Plan, dir string, log *bytes.Buffer) *engine.Summary {
	t.Helper()
	var wrap func(hooks.Hook) hooks.Hook
	if log != nil {
		wrap = func(h hooks.Hook) hooks.Hook { return hooks.Multi{h, hooks.Lines(log)} }
	}
	return runEngine(t, context.Background(), engine.Options{Plan: p, AWS: clientsFor(t, url), Folder: statefolder.Folder{Dir: dir},
		TimeScale: 600, RetryFor: 2 * time.Minute}, wrap)
}

// alz1-legacy (direct Config removal, Control Tower set up by API): the freeze, the SCP detaches,
// every Config removal, Control Tower's service roles, the SSM export and deletion and the KMS alias
// — previewed without a change, run once with every target changed once, run again with no change;
// the SecureString's value is in the private export and nowhere else.
func TestKmiscKindsEndToEnd(t *testing.T) {
	snap, s := loadOrg(t, "alz1-legacy")
	secretParam := snap.ALZ.SSMParameters[0]
	snap.ALZ.SSMParameters[0].Type = "SecureString"
	secret := sim.SSMValue(snap.ALZ.SSMParameters[0])
	p := kindsPlan(t, snap, s, ofKinds(kmiscKinds))
	for k := range kmiscKinds {
		if len(stepsOf(p, k)) == 0 {
			t.Fatalf("the plan of alz1-legacy has no %s step: the test proves nothing for it", k)
		}
	}
	srv, url := serveSnap(t, snap, sim.Options{TimeScale: 600})
	dir := filepath.Join(t.TempDir(), "state")

	e, err := engine.New(engine.Options{Plan: p, AWS: clientsFor(t, url), Folder: statefolder.Folder{Dir: dir}})
	if err != nil {
		t.Fatal(err)
	}
	for _, pv := range e.Preview(context.Background()) {
		if pv.State != engine.PreviewChange || pv.Change == "" {
			t.Errorf("preview of %s: %s %q %s", pv.Step, pv.State, pv.Change, pv.Note)
		}
	}
	if n := len(applied(srv)); n != 0 {
		t.Fatalf("the preview made %d mutating calls", n)
	}

	var log bytes.Buffer
	sum := run(t, url, p, dir, &log)
	if !sum.Complete() {
		t.Fatalf("failed %+v\nnot started %+v\n%s", sum.Failed, sum.NotStarted, log.String())
	}
	end := srv.Snapshot()
	muts := applied(srv)
	for k, n := range muts {
		if n != 1 {
			t.Errorf("%s applied %d times", k, n)
		}
	}
	want := 0
	regions := map[string]*inventory.AccountRegion{}
	for i := range end.Accounts {
		for j := range end.Accounts[i].Regions {
			regions[end.Accounts[i].ID+"/"+end.Accounts[i].Regions[j].Region] = &end.Accounts[i].Regions[j]
		}
	}
	for _, st := range stepsOf(p, plans.KindConfigRecorderDelete) {
		cp := st.Params.(plans.ConfigRecorderDelete)
		ar := regions[cp.AccountID+"/"+cp.Region]
		for _, r := range ar.ConfigRecorders {
			if r.Name == cp.RecorderName {
				t.Errorf("%s: recorder %s left", st.ID, r.Name)
			}
		}
		for _, d := range ar.DeliveryChannels {
			if d.Name == cp.DeliveryChannelName {
				t.Errorf("%s: channel %s left", st.ID, d.Name)
			}
		}
		target := cp.AccountID + "/" + cp.Region + "/"
		if muts["DeleteConfigurationRecorder "+target+cp.RecorderName] != 1 || muts["DeleteDeliveryChannel "+target+cp.DeliveryChannelName] != 1 {
			t.Errorf("%s: not deleted once each: %v", st.ID, muts)
		}
		want += 2 + muts["StopConfigurationRecorder "+target+cp.RecorderName]
	}
	for _, st := range stepsOf(p, plans.KindSCPDetach) {
		want++
		d := st.Params.(plans.SCPDetach)
		for _, pol := range end.Policies {
			if pol.ID == d.PolicyID && slices.Contains(pol.Targets, d.TargetID) {
				t.Errorf("%s: still attached", st.ID)
			}
		}
	}
	ic := iam.NewFromConfig(clientsFor(t, url).Management())
	for _, st := range stepsOf(p, plans.KindIAMRoleCreate) {
		rp := st.Params.(plans.IAMRoleCreate)
		want += 1 + len(rp.ManagedPolicyARNs) + len(rp.InlinePolicies)
		r, err := ic.GetRole(context.Background(), &iam.GetRoleInput{RoleName: aws.String(rp.RoleName)})
		if err != nil || aws.ToString(r.Role.Path) != rp.Path {
			t.Errorf("%s: GetRole %v, %v", st.ID, r, err)
		}
	}
	if end.ALZ.Pipeline.SourceTransitionEnabled() {
		t.Error("the pipeline is not frozen")
	}
	if len(end.ALZ.SSMParameters) != 0 || len(end.ALZ.KMSAliases) != 0 {
		t.Errorf("left: parameters %+v, aliases %+v", end.ALZ.SSMParameters, end.ALZ.KMSAliases)
	}
	want += 1 + 1 + (len(snap.ALZ.SSMParameters)+9)/10 // freeze, alias, DeleteParameters calls
	for _, st := range stepsOf(p, plans.KindKMSAliasDelete) {
		if kp := st.Params.(plans.KMSAliasDelete); kp.ScheduleKeyDeletion { // alz1-legacy's kmsKeyDeletionDays
			want++
			if muts["ScheduleKeyDeletion "+kp.Region+"/"+kp.TargetKeyID] != 1 {
				t.Errorf("%s: the key's deletion is not scheduled once: %v", st.ID, muts)
			}
		}
	}
	if len(muts) != want {
		t.Errorf("%d mutations, want %d: %v", len(muts), want, muts)
	}

	// Every call the run made is one its kinds declare (docs/plan.md, the IAM policy).
	declared := map[string]bool{"sts:GetCallerIdentity": true} // who the caller is: awsapi, once
	for k := range kmiscKinds {
		spec, _ := plans.LookupKind(k)
		for _, op := range spec.Operations {
			declared[op] = true
		}
	}
	for _, c := range srv.Calls() {
		if !declared[c.Service+":"+c.Operation] {
			t.Errorf("the run called %s:%s, which no kind of the plan declares", c.Service, c.Operation)
		}
	}

	// The export holds the secret, privately; nothing else written does.
	exp := filepath.Join(dir, plans.SSMParametersExportPath(secretParam.Region))
	data, err := os.ReadFile(exp)
	if err != nil || !bytes.Contains(data, []byte(secret)) {
		t.Fatalf("export %s: %v (secret in it: %v)", exp, err, bytes.Contains(data, []byte(secret)))
	}
	for path, perm := range map[string]os.FileMode{exp: statefolder.FilePerm, filepath.Dir(exp): statefolder.DirPerm, dir: statefolder.DirPerm} {
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != perm {
			t.Errorf("%s: mode %v (%v), want %v", path, fi.Mode().Perm(), err, perm)
		}
	}
	jst, err := journal.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	var rb bytes.Buffer
	if err := runbook.Markdown(&rb, p, jst); err != nil {
		t.Fatal(err)
	}
	journalData, _ := os.ReadFile(filepath.Join(dir, statefolder.Journal))
	for what, text := range map[string][]byte{"the journal": journalData, "the progress lines": log.Bytes(), "the runbook": rb.Bytes()} {
		if bytes.Contains(text, []byte(secret)) {
			t.Errorf("%s holds the SecureString's value", what)
		}
	}
	if !strings.Contains(log.String(), "export.ssm-parameters") {
		t.Error("the progress lines do not mention the export (the test looked in the wrong place)")
	}

	// A second run finds everything done and changes nothing.
	before := len(srv.Calls())
	sum = run(t, url, p, filepath.Join(t.TempDir(), "again"), nil)
	if !sum.Complete() {
		t.Fatalf("second run: failed %+v, not started %+v", sum.Failed, sum.NotStarted)
	}
	for _, c := range srv.Calls()[before:] {
		if c.Mutating {
			t.Errorf("second run mutated: %+v", c)
		}
	}
}

// The plan detaches ALZ's SCPs before it removes Config, and the order matters: ALZ's guardrail SCP
// denies the Config calls to every principal but ALZ's StackSet execution role, and lz2ct acts in an
// account that already has AWSControlTowerExecution through that role. Removal first fails with
// AccessDenied (and advice to detach the SCP); the plan's order succeeds.
func TestConfigRemovalNeedsTheSCPDetachFirst(t *testing.T) {
	snap, s := loadOrg(t, "alz2-ct-ready")
	s.ConfigRemoval = settings.ConfigRemovalDirect
	const network = "324867486512" // has AWSControlTowerExecution; under aws-landing-zone-non-core-mandatory-preventive-guardrails
	p := kindsPlan(t, snap, s, ofKinds(map[string]bool{plans.KindExportSCP: true, plans.KindSCPDetach: true,
		plans.KindPipelineTransitionDisable: true, plans.KindConfigRecorderDelete: true}))
	var removal []string
	for _, st := range stepsOf(p, plans.KindConfigRecorderDelete) {
		if st.Params.(plans.ConfigRecorderDelete).AccountID != network {
			continue
		}
		removal = append(removal, st.ID)
		detach := false
		for _, d := range st.DependsOn {
			detach = detach || strings.HasPrefix(d, plans.KindSCPDetach+"/")
		}
		if !detach {
			t.Fatalf("%s does not wait for an SCP detach: %v", st.ID, st.DependsOn)
		}
	}
	if len(removal) == 0 {
		t.Fatal("no Config removal planned for the network account")
	}
	srv, url := serveSnap(t, snap, sim.Options{TimeScale: 600})

	// Config removal first: the same steps without the detaches.
	early := kindsPlan(t, snap, s, func(st *plans.Step) bool {
		return slices.Contains(removal, st.ID) || st.Kind == plans.KindPipelineTransitionDisable
	})
	sum := run(t, url, early, filepath.Join(t.TempDir(), "early"), nil)
	if len(sum.Failed) != len(removal) {
		t.Fatalf("Config removal before the detach: failed %+v, done %+v", sum.Failed, sum.Done)
	}
	for _, f := range sum.Failed {
		if !strings.Contains(f.Error, "AccessDeniedException") || !strings.Contains(f.Error, "explicit deny in a service control policy") ||
			!strings.Contains(f.Advice, "detach") {
			t.Errorf("%s: %s / %s", f.Step, f.Error, f.Advice)
		}
	}
	for k := range applied(srv) {
		if strings.Contains(k, network) {
			t.Errorf("denied, yet applied: %s", k)
		}
	}

	// The plan's order: detach, then remove.
	sum = run(t, url, p, filepath.Join(t.TempDir(), "planned"), nil)
	if !sum.Complete() {
		t.Fatalf("in the plan's order: failed %+v, not started %+v", sum.Failed, sum.NotStarted)
	}
	for _, a := range srv.Snapshot().Accounts {
		if a.ID != network {
			continue
		}
		for _, ar := range a.Regions {
			if len(ar.ConfigRecorders)+len(ar.DeliveryChannels) > 0 {
				t.Errorf("%s: recorders %+v channels %+v left", ar.Region, ar.ConfigRecorders, ar.DeliveryChannels)
			}
		}
	}
}
