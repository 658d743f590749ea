package sim

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	"github.com/lz2ct/lz2ct/inventory"
)

const (
	enableConfig = "AWS-Landing-Zone-Baseline-EnableConfig"
	primaryVPC   = "AWS-Landing-Zone-Baseline-PrimaryVPC"
	alzRecorder  = "AWS-Landing-Zone-BaselineConfigRecorder"
	alzChannel   = "Landing-Zone-Delivery-Channel"
)

// cfnFixture is the fixture with ALZ's Config recorder and delivery channel in the core accounts,
// and a baseline VPC StackSet whose VPC has network interfaces in the Security account only.
func cfnFixture(t *testing.T) *inventory.Snapshot {
	t.Helper()
	s := fixture(4, testRegions)
	for i := range s.Accounts {
		a := &s.Accounts[i]
		for k := range a.Regions {
			ar := &a.Regions[k]
			for j := range ar.ConfigRecorders {
				if ar.ConfigRecorders[j].Name == "default" {
					ar.ConfigRecorders[j].Name = alzRecorder
				}
			}
			for j := range ar.DeliveryChannels {
				ar.DeliveryChannels[j].Name = alzChannel
			}
			if a.ID == logID {
				for j := range ar.VPCs {
					ar.VPCs[j].NetworkInterfaces = nil // the log account's baseline VPC is empty
				}
			}
		}
	}
	s.ALZ.StackSets = append(s.ALZ.StackSets, inventory.StackSet{Name: primaryVPC, ID: primaryVPC + ":11111111-2222-3333-4444-777777777777",
		Description: "Baseline VPC", Status: "ACTIVE", Instances: []inventory.StackInstance{
			{AccountID: securityID, Region: testRegions[0], Status: "CURRENT"}, {AccountID: logID, Region: testRegions[0], Status: "CURRENT"}}})
	s.Sort()
	if err := inventory.Validate(s); err != nil {
		t.Fatal(err)
	}
	return s
}

var t0 = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

func cfnClient(url string) *cloudformation.Client {
	return cloudformation.NewFromConfig(mgmtConfig(url, testRegions[0]))
}

func account(snap *inventory.Snapshot, id string) *inventory.Account {
	for i := range snap.Accounts {
		if snap.Accounts[i].ID == id {
			return &snap.Accounts[i]
		}
	}
	return nil
}

func recorders(snap *inventory.Snapshot, acct, region string) (rec, ch []string) {
	for _, r := range account(snap, acct).Regions {
		if r.Region != region {
			continue
		}
		for _, x := range r.ConfigRecorders {
			rec = append(rec, x.Name)
		}
		for _, x := range r.DeliveryChannels {
			ch = append(ch, x.Name)
		}
	}
	return rec, ch
}

func opStatus(t *testing.T, cf *cloudformation.Client, set, id string) *cfntypes.StackSetOperation {
	t.Helper()
	out, err := cf.DescribeStackSetOperation(context.Background(), &cloudformation.DescribeStackSetOperationInput{StackSetName: aws.String(set), OperationId: aws.String(id)})
	if err != nil {
		t.Fatalf("DescribeStackSetOperation %s: %v", id, err)
	}
	return out.StackSetOperation
}

func instances(t *testing.T, cf *cloudformation.Client, set string) map[string]cfntypes.StackInstanceSummary {
	t.Helper()
	out := map[string]cfntypes.StackInstanceSummary{}
	p := cloudformation.NewListStackInstancesPaginator(cf, &cloudformation.ListStackInstancesInput{StackSetName: aws.String(set), MaxResults: aws.Int32(2)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatalf("ListStackInstances %s: %v", set, err)
		}
		for _, s := range page.Summaries {
			out[*s.Account+"/"+*s.Region] = s
		}
	}
	return out
}

// The concurrency CloudFormation runs with, from the operation preferences.
func TestStackSetConcurrency(t *testing.T) {
	n := func(v int) *int { return &v }
	for _, tc := range []struct {
		name      string
		p         opPrefs
		accounts  int
		conc, tol int
	}{
		{"defaults", opPrefs{}, 10, 1, 0},
		{"strict: at most the tolerance + 1", opPrefs{MaxConcurrentCount: n(10)}, 30, 1, 0},
		{"strict with tolerance", opPrefs{MaxConcurrentCount: n(10), FailureToleranceCount: n(4)}, 30, 5, 4},
		{"soft", opPrefs{MaxConcurrentCount: n(10), ConcurrencyMode: "SOFT_FAILURE_TOLERANCE"}, 30, 10, 0},
		{"percentages round down", opPrefs{MaxConcurrentPercentage: n(50), FailureTolerancePercentage: n(50)}, 5, 2, 2},
		{"a percentage is at least one account", opPrefs{MaxConcurrentPercentage: n(10), ConcurrencyMode: "SOFT_FAILURE_TOLERANCE"}, 5, 1, 0},
	} {
		conc, tol := tc.p.concurrency(tc.accounts)
		if conc != tc.conc || tol != tc.tol {
			t.Errorf("%s: concurrency %d, tolerance %d; want %d, %d", tc.name, conc, tol, tc.conc, tc.tol)
		}
	}
}

// The simulated duration follows the preferences: batches of accounts per region, regions one
// after the other or together.
func TestStackSetOperationDuration(t *testing.T) {
	d := DefaultDurations()
	n := func(v int) *int { return &v }
	accts := []string{"1", "2", "3", "4", "5", "6", "7"}
	byRegion := map[string][]string{"eu-west-1": accts, "us-east-1": accts[:3]}
	regions := []string{"eu-west-1", "us-east-1"}
	soft := opPrefs{MaxConcurrentCount: n(3), ConcurrencyMode: "SOFT_FAILURE_TOLERANCE"}
	for _, tc := range []struct {
		name string
		p    opPrefs
		want time.Duration
	}{
		{"sequential, one at a time (the defaults)", opPrefs{}, d.StackSetOperation + 10*d.StackInstance},
		{"sequential, three at a time", soft, d.StackSetOperation + (3+1)*d.StackInstance},
		{"parallel regions", opPrefs{MaxConcurrentCount: n(3), ConcurrencyMode: "SOFT_FAILURE_TOLERANCE", RegionConcurrencyType: "PARALLEL"}, d.StackSetOperation + 3*d.StackInstance},
	} {
		targets, got := schedule(byRegion, regions, tc.p, d, t0)
		if got != tc.want || len(targets) != 10 {
			t.Errorf("%s: %v for %d targets, want %v for 10", tc.name, got, len(targets), tc.want)
		}
	}
	ordered, _ := schedule(byRegion, regions, opPrefs{RegionOrder: []string{"us-east-1"}}, d, t0)
	if ordered[0].region != "us-east-1" || !ordered[3].start.After(ordered[2].start) || ordered[3].region != "eu-west-1" {
		t.Errorf("RegionOrder not followed: %+v", ordered[:4])
	}
}

// DeleteStackInstances of EnableConfig: the operation runs, one at a time per StackSet, with its
// OperationId as the idempotency token; when it completes, the accounts' ALZ recorder and
// delivery channel are gone in those regions (not with RetainStacks).
func TestDeleteEnableConfigInstances(t *testing.T) {
	mc := NewManualClock(t0)
	s, url := serve(t, cfnFixture(t), Options{Clock: mc})
	cf := cfnClient(url)
	ctx := context.Background()
	del := func(id string, accounts []string, regions []string, retain bool) (*cloudformation.DeleteStackInstancesOutput, error) {
		return cf.DeleteStackInstances(ctx, &cloudformation.DeleteStackInstancesInput{StackSetName: aws.String(enableConfig),
			Accounts: accounts, Regions: regions, RetainStacks: aws.Bool(retain), OperationId: aws.String(id),
			OperationPreferences: &cfntypes.StackSetOperationPreferences{MaxConcurrentCount: aws.Int32(10), ConcurrencyMode: cfntypes.ConcurrencyModeSoftFailureTolerance, RegionConcurrencyType: cfntypes.RegionConcurrencyTypeParallel}})
	}
	out, err := del("op-1", []string{securityID, "999999999999"}, testRegions[:2], false)
	if err != nil || aws.ToString(out.OperationId) != "op-1" {
		t.Fatalf("DeleteStackInstances: %v %v", out, err)
	}
	if op := opStatus(t, cf, enableConfig, "op-1"); op.Status != cfntypes.StackSetOperationStatusRunning || op.Action != cfntypes.StackSetOperationActionDelete || aws.ToBool(op.RetainStacks) {
		t.Errorf("operation %+v, want a RUNNING DELETE", op)
	}
	// A repeat with the same OperationId is the same operation; another one waits its turn.
	if _, err := del("op-1", []string{securityID, "999999999999"}, testRegions[:2], false); err != nil {
		t.Fatalf("repeat with the same OperationId: %v", err)
	}
	_, err = del("op-2", []string{logID}, testRegions[:1], false)
	wantCode(t, "a second operation", err, "OperationInProgressException")
	_, err = cf.DeleteStackSet(ctx, &cloudformation.DeleteStackSetInput{StackSetName: aws.String(enableConfig)})
	wantCode(t, "DeleteStackSet during an operation", err, "OperationInProgressException")
	ops, err := cf.ListStackSetOperations(ctx, &cloudformation.ListStackSetOperationsInput{StackSetName: aws.String(enableConfig)})
	if err != nil || len(ops.Summaries) != 1 || ops.Summaries[0].Status != cfntypes.StackSetOperationStatusRunning || aws.ToString(ops.Summaries[0].OperationId) != "op-1" {
		t.Fatalf("ListStackSetOperations: %+v %v", ops, err)
	}
	for _, want := range []cfntypes.StackInstanceDetailedStatus{cfntypes.StackInstanceDetailedStatusPending, cfntypes.StackInstanceDetailedStatusRunning} {
		if in := instances(t, cf, enableConfig)[securityID+"/"+testRegions[0]]; in.StackInstanceStatus.DetailedStatus != want || aws.ToString(in.LastOperationId) != "op-1" {
			t.Errorf("instance during the operation: %s, want %s", in.StackInstanceStatus.DetailedStatus, want)
		}
		mc.Advance(DefaultDurations().StackSetOperation)
	}
	if op := opStatus(t, cf, enableConfig, "op-1"); op.Status != cfntypes.StackSetOperationStatusSucceeded || op.EndTimestamp == nil {
		t.Fatalf("operation after its time: %+v", op)
	}
	got := instances(t, cf, enableConfig)
	if _, ok := got[securityID+"/"+testRegions[0]]; ok || len(got) != 7 {
		t.Errorf("instances after the deletion: %d, security's still there: %v", len(got), ok)
	}
	snap := s.Snapshot()
	for _, r := range testRegions {
		rec, ch := recorders(snap, securityID, r)
		gone := r != testRegions[2]
		if gone == (strings.Contains(strings.Join(rec, ","), alzRecorder) || len(ch) > 0) {
			t.Errorf("security/%s: recorders %v, channels %v; ALZ's gone = %v", r, rec, ch, gone)
		}
		if gone && !strings.Contains(strings.Join(rec, ","), "AWSConfigurationRecorderForSecurityHub") && r == testRegions[0] {
			t.Errorf("security/%s: the service-linked recorder was deleted too: %v", r, rec)
		}
	}
	_, err = del("op-1", []string{securityID}, testRegions[:2], false)
	wantCode(t, "the OperationId of a finished operation", err, "OperationIdAlreadyExistsException")
	_, err = cf.DescribeStackSetOperation(ctx, &cloudformation.DescribeStackSetOperationInput{StackSetName: aws.String(enableConfig), OperationId: aws.String("op-9")})
	wantCode(t, "an unknown operation", err, "OperationNotFoundException")

	// RetainStacks: the StackSet lets go; the recorder stays.
	if _, err := del("op-3", []string{logID}, testRegions[:1], true); err != nil {
		t.Fatal(err)
	}
	mc.Advance(time.Hour)
	if op := opStatus(t, cf, enableConfig, "op-3"); op.Status != cfntypes.StackSetOperationStatusSucceeded || !aws.ToBool(op.RetainStacks) {
		t.Fatalf("retain: %+v", op)
	}
	if rec, _ := recorders(s.Snapshot(), logID, testRegions[0]); len(rec) == 0 {
		t.Error("RetainStacks deleted the recorder")
	}
	if _, ok := instances(t, cf, enableConfig)[logID+"/"+testRegions[0]]; ok {
		t.Error("RetainStacks left the instance in the StackSet")
	}

	// The audit log: one target per operation, the repeat marked as a replay.
	var targets []string
	for _, c := range s.Calls() {
		if c.Operation == "DeleteStackInstances" && c.Code == "" {
			targets = append(targets, c.Target+map[bool]string{true: " (replay)"}[c.Replay])
		}
	}
	want := enableConfig + "/op-1," + enableConfig + "/op-1 (replay)," + enableConfig + "/op-3"
	if strings.Join(targets, ",") != want {
		t.Errorf("audit targets %v, want %s", targets, want)
	}
}

// An instance whose stack cannot be deleted (the baseline VPC has network interfaces) fails:
// INOPERABLE with CloudFormation's reason; beyond the failure tolerance the operation fails.
func TestDeleteVPCInUseFails(t *testing.T) {
	mc := NewManualClock(t0)
	s, url := serve(t, cfnFixture(t), Options{Clock: mc})
	cf := cfnClient(url)
	ctx := context.Background()
	if _, err := cf.DeleteStackInstances(ctx, &cloudformation.DeleteStackInstancesInput{StackSetName: aws.String(primaryVPC),
		Accounts: []string{logID, securityID}, Regions: testRegions[:1], RetainStacks: aws.Bool(false), OperationId: aws.String("vpc-1"),
		OperationPreferences: &cfntypes.StackSetOperationPreferences{MaxConcurrentCount: aws.Int32(2), FailureToleranceCount: aws.Int32(1)}}); err != nil {
		t.Fatal(err)
	}
	mc.Advance(time.Hour)
	op := opStatus(t, cf, primaryVPC, "vpc-1")
	if op.Status != cfntypes.StackSetOperationStatusSucceeded || op.StatusDetails == nil || aws.ToInt32(op.StatusDetails.FailedStackInstancesCount) != 1 {
		t.Fatalf("within the tolerance: %+v", op)
	}
	in := instances(t, cf, primaryVPC)
	sec := in[securityID+"/"+testRegions[0]]
	if len(in) != 1 || sec.Status != cfntypes.StackInstanceStatusInoperable || sec.StackInstanceStatus.DetailedStatus != cfntypes.StackInstanceDetailedStatusFailed ||
		!strings.Contains(aws.ToString(sec.StatusReason), "has dependencies and cannot be deleted") {
		t.Fatalf("instances: %+v", in)
	}
	failed, err := cf.ListStackInstances(ctx, &cloudformation.ListStackInstancesInput{StackSetName: aws.String(primaryVPC),
		Filters: []cfntypes.StackInstanceFilter{{Name: cfntypes.StackInstanceFilterNameDetailedStatus, Values: aws.String("FAILED")}, {Name: cfntypes.StackInstanceFilterNameLastOperationId, Values: aws.String("vpc-1")}}})
	if err != nil || len(failed.Summaries) != 1 {
		t.Fatalf("filtered: %+v %v", failed, err)
	}
	snap := s.Snapshot()
	for _, r := range account(snap, logID).Regions {
		for _, v := range r.VPCs {
			if strings.HasPrefix(v.Stack, "StackSet-"+primaryVPC) {
				t.Errorf("the empty baseline VPC of the log account is still there: %+v", v)
			}
		}
	}
	// Beyond the tolerance (0): the operation fails.
	if _, err := cf.DeleteStackInstances(ctx, &cloudformation.DeleteStackInstancesInput{StackSetName: aws.String(primaryVPC),
		Accounts: []string{securityID}, Regions: testRegions[:1], RetainStacks: aws.Bool(false), OperationId: aws.String("vpc-2")}); err != nil {
		t.Fatal(err)
	}
	mc.Advance(time.Hour)
	if op := opStatus(t, cf, primaryVPC, "vpc-2"); op.Status != cfntypes.StackSetOperationStatusFailed || aws.ToString(op.StatusReason) == "" {
		t.Errorf("beyond the tolerance: %+v", op)
	}
}

// CreateStackSet and CreateStackInstances: each instance creates the template's role in its account
// through AWSCloudFormationStackSetExecutionRole; an account without that role fails as AWS says.
func TestCreateStackSetInstancesCreateTheRole(t *testing.T) {
	mc := NewManualClock(t0)
	s, url := serve(t, cfnFixture(t), Options{Clock: mc})
	cf := cfnClient(url)
	ctx := context.Background()
	tmpl := `{"Resources":{"Role":{"Type":"AWS::IAM::Role","Properties":{"RoleName":"AWSControlTowerExecution","AssumeRolePolicyDocument":{}}}}}`
	create := func(token string, caps ...cfntypes.Capability) (*cloudformation.CreateStackSetOutput, error) {
		return cf.CreateStackSet(ctx, &cloudformation.CreateStackSetInput{StackSetName: aws.String("lz2ct-exec"), TemplateBody: aws.String(tmpl),
			PermissionModel: cfntypes.PermissionModelsSelfManaged, ExecutionRoleName: aws.String("AWSCloudFormationStackSetExecutionRole"),
			AdministrationRoleARN: aws.String("arn:aws:iam::" + mgmtID + ":role/AWSCloudFormationStackSetAdministrationRole"),
			Capabilities:          caps, ClientRequestToken: aws.String(token)})
	}
	first, err := create("tok-1", cfntypes.CapabilityCapabilityNamedIam)
	if err != nil {
		t.Fatal(err)
	}
	again, err := create("tok-1", cfntypes.CapabilityCapabilityNamedIam)
	if err != nil || aws.ToString(again.StackSetId) != aws.ToString(first.StackSetId) {
		t.Fatalf("a repeat with the same token: %v %v", again, err)
	}
	_, err = create("tok-2", cfntypes.CapabilityCapabilityNamedIam)
	wantCode(t, "a second StackSet of that name", err, "NameAlreadyExistsException")
	desc, err := cf.DescribeStackSet(ctx, &cloudformation.DescribeStackSetInput{StackSetName: aws.String("lz2ct-exec")})
	if err != nil || aws.ToString(desc.StackSet.TemplateBody) != tmpl || desc.StackSet.PermissionModel != cfntypes.PermissionModelsSelfManaged ||
		aws.ToString(desc.StackSet.ExecutionRoleName) != "AWSCloudFormationStackSetExecutionRole" || len(desc.StackSet.Capabilities) != 1 {
		t.Fatalf("DescribeStackSet: %+v %v", desc, err)
	}
	list, err := cf.ListStackSets(ctx, &cloudformation.ListStackSetsInput{Status: cfntypes.StackSetStatusActive})
	if err != nil || len(list.Summaries) != 4 {
		t.Fatalf("ListStackSets: %d sets, %v", len(list.Summaries), err)
	}
	member := "900000000001" // no AWSCloudFormationStackSetExecutionRole
	if _, err := cf.CreateStackInstances(ctx, &cloudformation.CreateStackInstancesInput{StackSetName: aws.String("lz2ct-exec"),
		Accounts: []string{securityID, logID, member}, Regions: testRegions[:1], OperationId: aws.String("create-1"),
		OperationPreferences: &cfntypes.StackSetOperationPreferences{MaxConcurrentCount: aws.Int32(3), FailureToleranceCount: aws.Int32(2)}}); err != nil {
		t.Fatal(err)
	}
	in := instances(t, cf, "lz2ct-exec")
	if len(in) != 3 || in[member+"/"+testRegions[0]].Status != cfntypes.StackInstanceStatusOutdated {
		t.Fatalf("instances appear OUTDATED when the operation starts: %+v", in)
	}
	mc.Advance(time.Hour)
	if op := opStatus(t, cf, "lz2ct-exec", "create-1"); op.Status != cfntypes.StackSetOperationStatusSucceeded {
		t.Fatalf("operation: %+v", op)
	}
	in = instances(t, cf, "lz2ct-exec")
	if in[securityID+"/"+testRegions[0]].Status != cfntypes.StackInstanceStatusCurrent || in[logID+"/"+testRegions[0]].Status != cfntypes.StackInstanceStatusCurrent {
		t.Errorf("reachable accounts: %+v", in)
	}
	bad := in[member+"/"+testRegions[0]]
	if bad.Status != cfntypes.StackInstanceStatusOutdated || !strings.Contains(aws.ToString(bad.StatusReason), "should have 'AWSCloudFormationStackSetExecutionRole' role") {
		t.Errorf("unreachable account: %+v", bad)
	}
	snap := s.Snapshot()
	for _, id := range []string{securityID, logID, member} {
		has := account(snap, id).IAM.ControlTowerExecutionRole
		if has != (id != member) {
			t.Errorf("%s: AWSControlTowerExecution = %v", id, has)
		}
	}
	// Deleting the instances removes the role again; DeleteStackSet then succeeds.
	if _, err := cf.DeleteStackInstances(ctx, &cloudformation.DeleteStackInstancesInput{StackSetName: aws.String("lz2ct-exec"),
		Accounts: []string{securityID}, Regions: testRegions[:1], RetainStacks: aws.Bool(false), OperationId: aws.String("del-1")}); err != nil {
		t.Fatal(err)
	}
	mc.Advance(time.Hour)
	if account(s.Snapshot(), securityID).IAM.ControlTowerExecutionRole {
		t.Error("deleting the instance left the role")
	}
	_, err = cf.DeleteStackSet(ctx, &cloudformation.DeleteStackSetInput{StackSetName: aws.String("lz2ct-exec")})
	wantCode(t, "DeleteStackSet with instances", err, "StackSetNotEmptyException")
	if _, err := cf.DeleteStackInstances(ctx, &cloudformation.DeleteStackInstancesInput{StackSetName: aws.String("lz2ct-exec"),
		Accounts: []string{logID, member}, Regions: testRegions[:1], RetainStacks: aws.Bool(true), OperationId: aws.String("del-2")}); err != nil {
		t.Fatal(err)
	}
	mc.Advance(time.Hour)
	if _, err := cf.DeleteStackSet(ctx, &cloudformation.DeleteStackSetInput{StackSetName: aws.String("lz2ct-exec")}); err != nil {
		t.Fatal(err)
	}
	_, err = cf.DescribeStackSet(ctx, &cloudformation.DescribeStackSetInput{StackSetName: aws.String("lz2ct-exec")})
	wantCode(t, "a deleted StackSet by name", err, "StackSetNotFoundException")
	deleted, err := cf.ListStackSets(ctx, &cloudformation.ListStackSetsInput{Status: cfntypes.StackSetStatusDeleted})
	if err != nil || len(deleted.Summaries) != 1 {
		t.Fatalf("ListStackSets DELETED: %+v %v", deleted, err)
	}
	if _, err := create("tok-3", cfntypes.CapabilityCapabilityNamedIam); err != nil {
		t.Errorf("the name of a deleted StackSet is free again: %v", err)
	}
}

// Without CAPABILITY_NAMED_IAM the instances fail; with the default (strict) tolerance 0, the first
// failure cancels the rest.
func TestCreateInstancesFailuresCancelTheRest(t *testing.T) {
	mc := NewManualClock(t0)
	_, url := serve(t, cfnFixture(t), Options{Clock: mc})
	cf := cfnClient(url)
	ctx := context.Background()
	tmpl := `{"Resources":{"Role":{"Type":"AWS::IAM::Role","Properties":{"RoleName":"AWSControlTowerExecution"}}}}`
	if _, err := cf.CreateStackSet(ctx, &cloudformation.CreateStackSetInput{StackSetName: aws.String("no-caps"), TemplateBody: aws.String(tmpl)}); err != nil {
		t.Fatal(err)
	}
	if _, err := cf.CreateStackInstances(ctx, &cloudformation.CreateStackInstancesInput{StackSetName: aws.String("no-caps"),
		Accounts: []string{securityID, logID}, Regions: testRegions[:1], OperationId: aws.String("c-1"),
		OperationPreferences: &cfntypes.StackSetOperationPreferences{MaxConcurrentCount: aws.Int32(10)}}); err != nil {
		t.Fatal(err)
	}
	mc.Advance(time.Hour)
	if op := opStatus(t, cf, "no-caps", "c-1"); op.Status != cfntypes.StackSetOperationStatusFailed {
		t.Fatalf("operation %+v, want FAILED", op)
	}
	in := instances(t, cf, "no-caps")
	first, second := in[securityID+"/"+testRegions[0]], in[logID+"/"+testRegions[0]]
	if aws.ToString(first.StatusReason) != "Requires capabilities : [CAPABILITY_NAMED_IAM]" || second.StackInstanceStatus.DetailedStatus != cfntypes.StackInstanceDetailedStatusCancelled {
		t.Errorf("instances %+v / %+v", first, second)
	}
	_, err := cf.CreateStackInstances(ctx, &cloudformation.CreateStackInstancesInput{StackSetName: aws.String("nope"), Accounts: []string{logID}, Regions: testRegions[:1]})
	wantCode(t, "an unknown StackSet", err, "StackSetNotFoundException")
	_, err = cf.CreateStackInstances(ctx, &cloudformation.CreateStackInstancesInput{StackSetName: aws.String("no-caps"), Regions: testRegions[:1]})
	wantCode(t, "no accounts", err, "ValidationError")
}

// DeleteStack: termination protection refuses it; the deletion takes simulated time; afterwards
// the stack "does not exist" by name and is DELETE_COMPLETE by ID; a fault leaves DELETE_FAILED.
func TestDeleteStack(t *testing.T) {
	mc := NewManualClock(t0)
	s, url := serve(t, cfnFixture(t), Options{Clock: mc, Faults: []Fault{
		{Service: "cloudformation", Operation: "DeleteStack", Target: "SC-123456789012-pp-abcdefgh", Action: FaultFailAsync, Code: "x", Message: "The bucket you tried to delete is not empty", Times: 1}}})
	cf := cfnClient(url)
	ctx := context.Background()
	const init = "AWS-Landing-Zone-Initiation"
	describe := func(name string) (*cfntypes.Stack, error) {
		out, err := cf.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(name)})
		if err != nil {
			return nil, err
		}
		return &out.Stacks[0], nil
	}
	_, err := cf.DeleteStack(ctx, &cloudformation.DeleteStackInput{StackName: aws.String(init), ClientRequestToken: aws.String("d-1")})
	wantCode(t, "a protected stack", err, "ValidationError")
	if _, err := cf.UpdateTerminationProtection(ctx, &cloudformation.UpdateTerminationProtectionInput{StackName: aws.String(init), EnableTerminationProtection: aws.Bool(false)}); err != nil {
		t.Fatal(err)
	}
	if _, err := cf.DeleteStack(ctx, &cloudformation.DeleteStackInput{StackName: aws.String(init), ClientRequestToken: aws.String("d-1")}); err != nil {
		t.Fatal(err)
	}
	st, err := describe(init)
	if err != nil || st.StackStatus != cfntypes.StackStatusDeleteInProgress {
		t.Fatalf("during the deletion: %+v %v", st, err)
	}
	id := aws.ToString(st.StackId)
	mc.Advance(DefaultDurations().StackDeletion)
	_, err = describe(init)
	wantCode(t, "a deleted stack by name", err, "ValidationError")
	if st, err := describe(id); err != nil || st.StackStatus != cfntypes.StackStatusDeleteComplete {
		t.Fatalf("a deleted stack by ID: %+v %v", st, err)
	}
	if _, err := cf.DeleteStack(ctx, &cloudformation.DeleteStackInput{StackName: aws.String(init)}); err != nil {
		t.Errorf("deleting a stack that does not exist succeeds: %v", err)
	}
	for _, st := range s.Snapshot().ALZ.Stacks {
		if st.Name == init {
			t.Error("the snapshot still has the deleted stack")
		}
	}
	// A deletion that fails, then succeeds when started again.
	const avm = "SC-123456789012-pp-abcdefgh"
	for i := 0; i < 2; i++ {
		if _, err := cf.DeleteStack(ctx, &cloudformation.DeleteStackInput{StackName: aws.String(avm)}); err != nil {
			t.Fatal(err)
		}
		mc.Advance(DefaultDurations().StackDeletion)
		st, err := describe(avm)
		if i == 0 && (err != nil || st.StackStatus != cfntypes.StackStatusDeleteFailed || aws.ToString(st.StackStatusReason) != "The bucket you tried to delete is not empty") {
			t.Fatalf("a failed deletion: %+v %v", st, err)
		}
		if i == 1 {
			wantCode(t, "deleted on the second try", err, "ValidationError")
		}
	}
}

// The AWS CLI drives the StackSet and stack operations as the runbook prints them, and reads the
// answers (a CLI call is a process of a second or more: the few that matter).
func TestAWSCLIDrivesCloudFormation(t *testing.T) {
	cli := findCLIs(t)[0]
	mc := NewManualClock(t0)
	s, url := serve(t, cfnFixture(t), Options{Clock: mc})
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(cli, append([]string{"cloudformation"}, append(args, "--region", testRegions[0], "--endpoint-url", url, "--output", "text")...)...)
		cmd.Env = append(cleanAWSEnv(), "HOME="+t.TempDir(), "AWS_ACCESS_KEY_ID=AKIAEXAMPLEEXAMPLE00", "AWS_SECRET_ACCESS_KEY=secret")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("aws cloudformation %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	run("delete-stack-instances", "--stack-set-name", enableConfig, "--accounts", securityID, "--regions", testRegions[0],
		"--no-retain-stacks", "--operation-id", "cli-op", "--operation-preferences", "RegionConcurrencyType=PARALLEL,MaxConcurrentCount=10,FailureToleranceCount=0")
	if got := run("describe-stack-set-operation", "--stack-set-name", enableConfig, "--operation-id", "cli-op", "--query", "StackSetOperation.Status"); got != "RUNNING" {
		t.Errorf("describe-stack-set-operation: %q", got)
	}
	mc.Advance(time.Hour)
	run("create-stack-set", "--stack-set-name", "cli-set", "--template-body", `{"Resources":{"Role":{"Type":"AWS::IAM::Role","Properties":{"RoleName":"AWSControlTowerExecution"}}}}`,
		"--permission-model", "SELF_MANAGED", "--execution-role-name", "AWSCloudFormationStackSetExecutionRole", "--capabilities", "CAPABILITY_NAMED_IAM")
	run("create-stack-instances", "--stack-set-name", "cli-set", "--accounts", logID, "--regions", testRegions[0], "--operation-id", "cli-create")
	mc.Advance(time.Hour)
	if got := run("list-stack-instances", "--stack-set-name", "cli-set", "--query", "Summaries[].[Account,Status,StackInstanceStatus.DetailedStatus]"); got != logID+"\tCURRENT\tSUCCEEDED" {
		t.Errorf("list-stack-instances: %q", got)
	}
	run("update-termination-protection", "--no-enable-termination-protection", "--stack-name", "AWS-Landing-Zone-Initiation")
	run("delete-stack", "--stack-name", "AWS-Landing-Zone-Initiation")
	if got := run("describe-stacks", "--stack-name", "AWS-Landing-Zone-Initiation", "--query", "Stacks[0].StackStatus"); got != "DELETE_IN_PROGRESS" {
		t.Errorf("describe-stacks: %q", got)
	}
	mc.Advance(time.Hour)
	if !account(s.Snapshot(), logID).IAM.ControlTowerExecutionRole {
		t.Error("the CLI's stack instance did not create the role")
	}
}
