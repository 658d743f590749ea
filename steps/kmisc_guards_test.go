package steps_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/lz2ct/lz2ct/engine"
	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/journal"
	"github.com/lz2ct/lz2ct/plans"
	"github.com/lz2ct/lz2ct/sim"
)

// Focused cases, with plans built by hand from the kinds' params: each guard refuses what it must,
// and reports without touching what is not the plan's.

const (
	ctReadyMgmt = "853357229539"
	alice       = "111855074004" // sandbox-alice: no AWSControlTowerExecution
	bob         = "805223242423" // sandbox-bob: no AWSControlTowerExecution
	paymentsDev = "107243318003" // ALZ's recorder and channel in both governed regions
)

// handPlan is a plan of the given steps, in that order, all in phase p.
func handPlan(snap *inventory.Snapshot, phase int, list ...plans.Step) *plans.Plan {
	p := &plans.Plan{Version: plans.Version, Organization: snap.Organization.ID, SnapshotHash: "sha256:test", CreatedFrom: "hand"}
	p.Settings.AccountConcurrency = 1
	for i, id := range plans.PhaseIDs {
		p.Phases = append(p.Phases, plans.Phase{Number: i, ID: id, Name: id, EstimateSeconds: 60})
	}
	for _, st := range list {
		if st.Title == "" {
			st.Title = st.ID
		}
		p.Phases[phase].Steps = append(p.Phases[phase].Steps, st)
		p.ExecutionOrder = append(p.ExecutionOrder, st.ID)
	}
	return p
}

func outcome(sum *engine.Summary, id string) (state string, o engine.Outcome) {
	for _, l := range []struct {
		name string
		list []engine.Outcome
	}{{"done", sum.Done}, {"failed", sum.Failed}, {"not started", sum.NotStarted}, {"interrupted", sum.Interrupted}} {
		for _, o := range l.list {
			if o.Step == id {
				return l.name, o
			}
		}
	}
	return "", engine.Outcome{}
}

func execRole(account string) plans.IAMRoleCreate {
	return plans.IAMRoleCreate{AccountID: account, RoleName: plans.ExecutionRole,
		TrustPolicy:       `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + ctReadyMgmt + `:root"},"Action":"sts:AssumeRole"}]}`,
		ManagedPolicyARNs: []string{"arn:aws:iam::aws:policy/AdministratorAccess"}}
}

// A role that exists with another trust is drift: refused, never changed. One that exists as
// planned but lacks its policy gets the policy only. A missing one is created.
func TestIAMRoleCreateComparesAnExistingRole(t *testing.T) {
	snap, _ := loadOrg(t, "alz2-ct-ready")
	srv, url := serveSnap(t, snap, sim.Options{})
	ctx := context.Background()
	cl := clientsFor(t, url)
	for account, trust := range map[string]string{
		alice: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999999999999:root"},"Action":"sts:AssumeRole"}]}`,
		bob:   execRole(bob).TrustPolicy,
	} {
		cfg, _, err := cl.ForAccount(ctx, account)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := iam.NewFromConfig(cfg).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(plans.ExecutionRole), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
			t.Fatal(err)
		}
	}
	setup := applied(srv)
	p := handPlan(snap, 4,
		plans.Step{ID: "role/alice", Kind: plans.KindIAMRoleCreate, Params: execRole(alice)},
		plans.Step{ID: "role/bob", Kind: plans.KindIAMRoleCreate, Params: execRole(bob)},
		plans.Step{ID: "role/payments-dev", Kind: plans.KindIAMRoleCreate, Params: execRole(paymentsDev)})
	sum := run(t, url, p, t.TempDir(), nil)
	if st, o := outcome(sum, "role/alice"); st != "failed" || !strings.Contains(o.Error, "unsafe") || !strings.Contains(o.Error, "999999999999") {
		t.Errorf("drifted role: %s %+v", st, o)
	}
	for _, id := range []string{"role/bob", "role/payments-dev"} {
		if st, o := outcome(sum, id); st != "done" {
			t.Errorf("%s: %s %+v", id, st, o)
		}
	}
	got := applied(srv)
	for k := range setup {
		got[k]--
	}
	want := map[string]int{
		"AttachRolePolicy " + bob + "/AWSControlTowerExecution/arn:aws:iam::aws:policy/AdministratorAccess":         1,
		"CreateRole " + paymentsDev + "/AWSControlTowerExecution":                                                   1,
		"AttachRolePolicy " + paymentsDev + "/AWSControlTowerExecution/arn:aws:iam::aws:policy/AdministratorAccess": 1,
	}
	for k, n := range got {
		if n != want[k] {
			t.Errorf("%s applied %d times by the run, want %d", k, n, want[k])
		}
	}
	for _, a := range srv.Snapshot().Accounts {
		if a.ID == paymentsDev && !a.IAM.ControlTowerExecutionRole {
			t.Error("Snapshot: the created role is not in payments-dev's iam flags")
		}
	}
}

// A service-linked recorder is never touched; one by another name blocks the channel's deletion
// (it cannot go while someone else's recorder records); found things are reported.
func TestConfigRecorderDeleteGuards(t *testing.T) {
	snap, _ := loadOrg(t, "alz2-ct-ready")
	for i := range snap.Accounts {
		if snap.Accounts[i].ID != paymentsDev {
			continue
		}
		for j := range snap.Accounts[i].Regions {
			ar := &snap.Accounts[i].Regions[j]
			ar.ConfigRecorders = append(ar.ConfigRecorders, inventory.ConfigRecorder{Name: "AWSConfigurationRecorderForSecurityHub", Recording: true, ServiceLinked: true,
				RoleARN: "arn:aws:iam::" + paymentsDev + ":role/aws-service-role/securityhub.amazonaws.com/AWSServiceRoleForSecurityHub"})
			if ar.Region == "eu-central-1" { // someone replaced ALZ's recorder with their own
				ar.ConfigRecorders[0].Name = "team-recorder"
			}
		}
	}
	srv, url := serveSnap(t, snap, sim.Options{})
	del := func(region, recorder string) plans.ConfigRecorderDelete {
		return plans.ConfigRecorderDelete{AccountID: paymentsDev, Region: region, RecorderName: recorder, DeliveryChannelName: "Landing-Zone-Delivery-Channel"}
	}
	p := handPlan(snap, 3,
		plans.Step{ID: "config/linked", Kind: plans.KindConfigRecorderDelete, Params: plans.ConfigRecorderDelete{AccountID: paymentsDev, Region: "eu-west-1", RecorderName: "AWSConfigurationRecorderForSecurityHub"}},
		plans.Step{ID: "config/other", Kind: plans.KindConfigRecorderDelete, Params: del("eu-central-1", "AWS-Landing-Zone-BaselineConfigRecorder")},
		plans.Step{ID: "config/alz", Kind: plans.KindConfigRecorderDelete, Params: del("eu-west-1", "AWS-Landing-Zone-BaselineConfigRecorder")})
	var log bytes.Buffer
	sum := run(t, url, p, t.TempDir(), &log)
	if !strings.Contains(log.String(), "also found and left alone: service-linked recorder AWSConfigurationRecorderForSecurityHub") {
		t.Errorf("the service-linked recorder next to ALZ's is not reported:\n%s", log.String())
	}
	if st, o := outcome(sum, "config/linked"); st != "failed" || !strings.Contains(o.Error, "service-linked") {
		t.Errorf("service-linked recorder: %s %+v", st, o)
	}
	if st, o := outcome(sum, "config/other"); st != "failed" || !strings.Contains(o.Error, "team-recorder") {
		t.Errorf("someone else's recorder: %s %+v", st, o)
	}
	if st, o := outcome(sum, "config/alz"); st != "done" {
		t.Errorf("ALZ's recorder: %s %+v", st, o)
	}
	for k := range applied(srv) {
		if !strings.Contains(k, paymentsDev+"/eu-west-1/AWS-Landing-Zone-BaselineConfigRecorder") && !strings.Contains(k, paymentsDev+"/eu-west-1/Landing-Zone-Delivery-Channel") {
			t.Errorf("touched: %s", k)
		}
	}
	for _, a := range srv.Snapshot().Accounts {
		if a.ID != paymentsDev {
			continue
		}
		for _, ar := range a.Regions {
			var names []string
			for _, r := range ar.ConfigRecorders {
				names = append(names, r.Name)
			}
			want := map[string]string{"eu-west-1": "AWSConfigurationRecorderForSecurityHub", "eu-central-1": "AWSConfigurationRecorderForSecurityHub team-recorder"}[ar.Region]
			if strings.Join(names, " ") != want {
				t.Errorf("%s: recorders %v, want %s", ar.Region, names, want)
			}
		}
	}
}

// ssm-parameters.delete deletes only parameters the export holds.
func TestSSMParametersDeleteNeedsTheExport(t *testing.T) {
	snap, _ := loadOrg(t, "alz2-ct-ready")
	region := snap.ALZ.HomeRegion
	var names []string
	for _, sp := range snap.ALZ.SSMParameters {
		names = append(names, sp.Name)
	}
	srv, url := serveSnap(t, snap, sim.Options{})
	dir := t.TempDir()
	del := plans.Step{ID: "ssm/delete", Kind: plans.KindSSMParametersDelete, Destructive: true, Params: plans.SSMParametersDelete{Region: region, Names: names}}
	sum := run(t, url, handPlan(snap, 6, del), dir, nil)
	if st, o := outcome(sum, "ssm/delete"); st != "failed" || !strings.Contains(o.Error, "not exported") {
		t.Errorf("no export: %s %+v", st, o)
	}
	// An export that lacks one of them.
	partial := `{"Parameters":[{"Name":"` + names[0] + `","Type":"String","Value":"x","Version":1,"ARN":"a"}]}`
	if err := os.MkdirAll(filepath.Join(dir, "exports"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, plans.SSMParametersExportPath(region)), []byte(partial), 0o600); err != nil {
		t.Fatal(err)
	}
	sum = run(t, url, handPlan(snap, 6, del), dir, nil)
	if st, o := outcome(sum, "ssm/delete"); st != "failed" || !strings.Contains(o.Error, names[1]) {
		t.Errorf("partial export: %s %+v", st, o)
	}
	if n := len(applied(srv)); n != 0 {
		t.Errorf("%d mutations", n)
	}
	// With the export step first, everything goes (names up to 10 a call).
	exp := plans.Step{ID: "ssm/export", Kind: plans.KindExportSSMParameters, Params: plans.ExportSSMParameters{Region: region, ParameterPath: "/org/", Path: plans.SSMParametersExportPath(region)}}
	del.DependsOn = []string{"ssm/export"}
	sum = run(t, url, handPlan(snap, 6, exp, del), filepath.Join(t.TempDir(), "third"), nil)
	if !sum.Complete() {
		t.Fatalf("export then delete: %+v", sum.Failed)
	}
	if n := len(srv.Snapshot().ALZ.SSMParameters); n != 0 {
		t.Errorf("%d parameters left", n)
	}
}

// kms-alias.delete refuses an alias that points elsewhere now, and schedules the key's deletion only
// when the plan says so, with the plan's window.
func TestKMSAliasDeleteGuards(t *testing.T) {
	snap, _ := loadOrg(t, "alz2-ct-ready")
	region, key := snap.ALZ.HomeRegion, snap.ALZ.KMSAliases[0].TargetKeyID
	snap.ALZ.KMSAliases = append(snap.ALZ.KMSAliases, inventory.KMSAlias{Name: "alias/Other", TargetKeyID: "0b4e0000-1111-2222-3333-444455556666", Region: region})
	snap.Sort()
	srv, url := serveSnap(t, snap, sim.Options{})
	p := handPlan(snap, 6,
		plans.Step{ID: "kms/moved", Kind: plans.KindKMSAliasDelete, Params: plans.KMSAliasDelete{Region: region, AliasName: "alias/Other", TargetKeyID: key}},
		plans.Step{ID: "kms/window", Kind: plans.KindKMSAliasDelete, Params: plans.KMSAliasDelete{Region: region, AliasName: "alias/Other", TargetKeyID: "0b4e0000-1111-2222-3333-444455556666", ScheduleKeyDeletion: true, PendingWindowDays: 40}},
		plans.Step{ID: "kms/alz", Kind: plans.KindKMSAliasDelete, Params: plans.KMSAliasDelete{Region: region, AliasName: "alias/AwsLandingZoneKMSKey", TargetKeyID: key, ScheduleKeyDeletion: true, PendingWindowDays: 7}})
	sum := run(t, url, p, t.TempDir(), nil)
	if st, o := outcome(sum, "kms/moved"); st != "failed" || !strings.Contains(o.Error, "now points to key") {
		t.Errorf("moved alias: %s %+v", st, o)
	}
	if st, o := outcome(sum, "kms/window"); st != "failed" || !strings.Contains(o.Error, "7 to 30 days") {
		t.Errorf("40 days: %s %+v", st, o)
	}
	if st, o := outcome(sum, "kms/alz"); st != "done" {
		t.Fatalf("ALZ's alias: %s %+v", st, o)
	}
	c := kms.NewFromConfig(clientsFor(t, url).Management())
	out, err := c.DescribeKey(context.Background(), &kms.DescribeKeyInput{KeyId: aws.String(key)}, func(o *kms.Options) { o.Region = region })
	if err != nil || out.KeyMetadata.KeyState != kmstypes.KeyStatePendingDeletion || aws.ToInt32(out.KeyMetadata.PendingDeletionWindowInDays) != 7 {
		t.Errorf("the key: %+v %v", out, err)
	}
	want := map[string]int{"DeleteAlias " + region + "/alias/AwsLandingZoneKMSKey": 1, "ScheduleKeyDeletion " + region + "/" + key: 1}
	got := applied(srv)
	if len(got) != len(want) || got["DeleteAlias "+region+"/alias/AwsLandingZoneKMSKey"] != 1 || got["ScheduleKeyDeletion "+region+"/"+key] != 1 {
		t.Errorf("mutations %v, want %v", got, want)
	}
}

// The freeze waits for an execution already past the source stage to end (the plan's guard), as an
// operation the journal records.
func TestPipelineFreezeWaitsForARunningExecution(t *testing.T) {
	snap, _ := loadOrg(t, "alz2-ct-ready")
	pl := snap.ALZ.Pipeline
	srv, url := serveSnap(t, snap, sim.Options{TimeScale: 600}) // a 3-minute stage takes 0.3 s
	c := codepipeline.NewFromConfig(clientsFor(t, url).Management(), func(o *codepipeline.Options) { o.Region = pl.Region })
	ex, err := c.StartPipelineExecution(context.Background(), &codepipeline.StartPipelineExecutionInput{Name: aws.String(pl.Name)})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(400 * time.Millisecond) // past the source stage
	step := plans.Step{ID: "freeze", Kind: plans.KindPipelineTransitionDisable, Params: plans.PipelineTransitionDisable{Region: pl.Region,
		PipelineName: pl.Name, StageName: pl.Stages[1], Reason: "Migrating to AWS Control Tower with lz2ct - ALZ must not redeploy what the migration removes"}}
	dir := t.TempDir()
	start := time.Now()
	sum := run(t, url, handPlan(snap, 0, step), dir, nil)
	if !sum.Complete() {
		t.Fatalf("freeze: %+v", sum.Failed)
	}
	if took := time.Since(start); took < 500*time.Millisecond {
		t.Errorf("the freeze took %s: it did not wait for the execution (%d stages of 0.3 s)", took, len(pl.Stages))
	}
	st, err := journal.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Step("freeze").OperationID; got != aws.ToString(ex.PipelineExecutionId) {
		t.Errorf("journaled operation %q, want the execution %s", got, aws.ToString(ex.PipelineExecutionId))
	}
	state, err := c.GetPipelineState(context.Background(), &codepipeline.GetPipelineStateInput{Name: aws.String(pl.Name)})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range state.StageStates[1:] {
		if e := s.LatestExecution; e == nil || e.Status != "Succeeded" {
			t.Errorf("stage %s: %+v", aws.ToString(s.StageName), e)
		}
	}
	if srv.Snapshot().ALZ.Pipeline.SourceTransitionEnabled() {
		t.Error("not frozen")
	}
}
