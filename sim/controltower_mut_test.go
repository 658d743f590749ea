package sim

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/controltower"
	"github.com/aws/aws-sdk-go-v2/service/controltower/document"
	cttypes "github.com/aws/aws-sdk-go-v2/service/controltower/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/servicecatalog"

	"github.com/lz2ct/lz2ct/inventory"
)

// An organization ready for Control Tower: the management account with the four service roles,
// two clean accounts for Log Archive and Audit, Workloads (two accounts) with Prod nested in it (one
// account), Dirty (one account with ALZ's Config recorder), and ALZ's Service Catalog objects.
const (
	ctAuditID = "222222222222"
	ctLogID   = "333333333333"
	ctW1      = "900000000001"
	ctW2      = "900000000002"
	ctP1      = "900000000003"
	ctDirty   = "900000000004"
	dirtyOU   = "ou-ab12-dirt0001"
	ctHome    = "eu-west-1"
)

var ctRegions = []string{"eu-west-1", "us-east-1"}

func ctFixture() *inventory.Snapshot {
	joined := time.Date(2019, 3, 4, 5, 6, 7, 0, time.UTC)
	s := &inventory.Snapshot{SchemaVersion: inventory.SchemaVersion, CapturedAt: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
		Source: "hand-written", Partition: "aws", Regions: ctRegions,
		Organization: inventory.Organization{ID: orgID, Arn: "arn:aws:organizations::" + mgmtID + ":organization/" + orgID, FeatureSet: "ALL",
			ManagementAccountID: mgmtID, ManagementAccountEmail: "root@example.com"},
		Roots: []inventory.Root{{ID: rootID, Arn: "arn:aws:organizations::" + mgmtID + ":root/" + orgID + "/" + rootID, Name: "Root", PolicyTypes: []string{"SERVICE_CONTROL_POLICY"}}},
		OUs: []inventory.OU{{ID: workOU, Arn: ouArn(workOU), Name: "Workloads", ParentID: rootID}, {ID: prodOU, Arn: ouArn(prodOU), Name: "Prod", ParentID: workOU},
			{ID: dirtyOU, Arn: ouArn(dirtyOU), Name: "Dirty", ParentID: rootID}},
		TrustedServices: []string{"member.org.stacksets.cloudformation.amazonaws.com"}, DelegatedAdmins: []inventory.DelegatedAdministrator{},
		ControlTower: inventory.ControlTower{EnabledBaselines: []inventory.EnabledBaseline{}}, Problems: []inventory.Problem{},
	}
	acct := func(id, name, parent string, iam inventory.AccountIAM) inventory.Account {
		a := inventory.Account{ID: id, Arn: "arn:aws:organizations::" + mgmtID + ":account/" + orgID + "/" + id, Name: name, Email: "aws+" + id + "@example.com",
			Status: inventory.AccountActive, JoinedMethod: "CREATED", JoinedAt: joined, ParentID: parent, AccessRole: "OrganizationAccountAccessRole", IAM: &iam}
		for _, r := range ctRegions {
			a.Regions = append(a.Regions, inventory.AccountRegion{Region: r})
		}
		return a
	}
	exec := inventory.AccountIAM{ControlTowerExecutionRole: true, OrganizationAccountAccessRole: true}
	s.Accounts = []inventory.Account{
		acct(mgmtID, "management", rootID, inventory.AccountIAM{}),
		acct(ctAuditID, "audit", rootID, inventory.AccountIAM{OrganizationAccountAccessRole: true}),
		acct(ctLogID, "log-archive", rootID, inventory.AccountIAM{OrganizationAccountAccessRole: true}),
		acct(ctW1, "workload-1", workOU, exec), acct(ctW2, "workload-2", workOU, exec), acct(ctP1, "prod-1", prodOU, exec),
		acct(ctDirty, "dirty", dirtyOU, exec),
	}
	s.Accounts[0].AccessRole = "caller"
	for r := range ctServiceRoles {
		s.Accounts[0].ReservedNames = append(s.Accounts[0].ReservedNames, inventory.NamedResource{Type: inventory.ResourceIAMRole, Name: r})
	}
	s.Accounts[6].Regions[1].ConfigRecorders = []inventory.ConfigRecorder{{Name: "AWS-Landing-Zone-BaselineConfigRecorder", RoleARN: "arn:aws:iam::" + ctDirty + ":role/AWS-Landing-Zone-ConfigRole", Recording: true}}
	s.Policies = []inventory.Policy{{ID: "p-FullAWSAccess", Arn: "arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess", Name: "FullAWSAccess",
		AWSManaged: true, Document: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`,
		Targets: []string{rootID, workOU, prodOU, dirtyOU, mgmtID}}}
	s.ALZ = &inventory.ALZ{Version: "2.4.1", HomeRegion: ctHome, Stacks: []inventory.Stack{}, StackSets: []inventory.StackSet{}, Buckets: []inventory.Bucket{},
		SSMParameters: []inventory.SSMParameter{}, KMSAliases: []inventory.KMSAlias{},
		Portfolios: []inventory.Portfolio{
			{ID: "port-abcdefghijklm", Name: "AWS Landing Zone - Baseline", ProviderName: "AWS Solutions", ProductIDs: []string{"prod-avm00000001", "prod-other0000001"},
				PrincipalARNs: []string{"arn:aws:iam::" + mgmtID + ":role/LandingZoneAdmin"}, ConstraintIDs: []string{"cons-abcdefghij1"}},
			{ID: "port-addon0000001", Name: "AWS Landing Zone - Add-On Products", ProviderName: "AWS Solutions", ProductIDs: []string{"prod-addon0000001"},
				PrincipalARNs: []string{}, ConstraintIDs: []string{}},
		},
		Products: []inventory.Product{{ID: "prod-avm00000001", Name: "AWS-Landing-Zone-Account-Vending-Machine", Owner: "AWS Solutions"},
			{ID: "prod-other0000001", Name: "AWS-Landing-Zone-Other", Owner: "AWS Solutions"},
			{ID: "prod-addon0000001", Name: "AWS-Landing-Zone-Add-On-VPN", Owner: "AWS Solutions"}},
		ProvisionedProducts: []inventory.ProvisionedProduct{{ID: "pp-abcdefgh0001", Name: "lz_core_security", ProductID: "prod-avm00000001", Status: "AVAILABLE"},
			{ID: "pp-addon0000001", Name: "vpn", ProductID: "prod-addon0000001", Status: "AVAILABLE"}},
	}
	s.Sort()
	if err := inventory.Validate(s); err != nil {
		panic(err)
	}
	return s
}

// ctManifest is a valid 3.x manifest for ctFixture.
func ctManifest() map[string]any {
	return map[string]any{
		"governedRegions":       ctRegions,
		"organizationStructure": map[string]any{"security": map[string]any{"name": "Security"}, "sandbox": map[string]any{"name": "Sandbox"}},
		"centralizedLogging": map[string]any{"accountId": ctLogID, "enabled": true,
			"configurations": map[string]any{"loggingBucket": map[string]any{"retentionDays": 365}, "accessLoggingBucket": map[string]any{"retentionDays": 3650}}},
		"securityRoles":    map[string]any{"accountId": ctAuditID},
		"accessManagement": map[string]any{"enabled": true},
	}
}

func createLZ(ct *controltower.Client, manifest map[string]any) (*controltower.CreateLandingZoneOutput, error) {
	return ct.CreateLandingZone(context.Background(), &controltower.CreateLandingZoneInput{Version: aws.String("3.3"), Manifest: document.NewLazyDocument(manifest)})
}

// applied are the successful, non-replayed mutations in the audit log, as "Operation target".
func applied(s *Server) []string {
	var out []string
	for _, c := range s.Calls() {
		if c.Mutating && c.Code == "" && !c.Replay {
			out = append(out, c.Operation+" "+c.Target)
		}
	}
	return out
}

// CreateLandingZone through the real SDK: pre-launch checks, the operation on the simulated clock,
// the landing zone's effects, and Control Tower's one operation at a time.
func TestCreateLandingZone(t *testing.T) {
	clock := NewManualClock(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
	snap := ctFixture()
	snap.TrustedServices = append(snap.TrustedServices, "config.amazonaws.com")
	s, url := serve(t, snap, Options{Clock: clock})
	ctx := context.Background()
	ct := controltower.NewFromConfig(mgmtConfig(url, ctHome))

	_, err := createLZ(ct, ctManifest())
	wantCode(t, "trusted access for Config", err, "ValidationException")
	if !strings.Contains(err.Error(), "trusted access is enabled for config.amazonaws.com") {
		t.Errorf("pre-launch message: %v", err)
	}
	s.mu.Lock()
	s.st.snap.TrustedServices = snap.TrustedServices[:1]
	s.mu.Unlock()

	bad := ctManifest()
	bad["governedRegions"] = []string{"us-east-1"}
	_, err = createLZ(ct, bad)
	wantCode(t, "home region not governed", err, "ValidationException")
	bad = ctManifest()
	bad["securityRoles"] = map[string]any{"accountId": ctLogID}
	_, err = createLZ(ct, bad)
	wantCode(t, "one account for both", err, "ValidationException")
	bad = ctManifest()
	bad["centralizedLogging"] = map[string]any{"accountId": "999999999999"}
	_, err = createLZ(ct, bad)
	wantCode(t, "unknown Log Archive account", err, "ValidationException")
	_, err = ct.CreateLandingZone(ctx, &controltower.CreateLandingZoneInput{Version: aws.String("9.9"), Manifest: document.NewLazyDocument(ctManifest())})
	wantCode(t, "unsupported version", err, "ValidationException")
	_, err = controltower.NewFromConfig(memberConfig(t, url, ctHome, ctW1, "OrganizationAccountAccessRole")).CreateLandingZone(ctx,
		&controltower.CreateLandingZoneInput{Version: aws.String("3.3"), Manifest: document.NewLazyDocument(ctManifest())})
	wantCode(t, "member account", err, "AccessDeniedException")

	out, err := createLZ(ct, ctManifest())
	wantCode(t, "CreateLandingZone", err, "")
	// Listed at once, PROCESSING: a client that lost the answer finds it.
	lzs := must[*controltower.ListLandingZonesOutput](t, "ListLandingZones")(ct.ListLandingZones(ctx, nil))
	if len(lzs.LandingZones) != 1 || *lzs.LandingZones[0].Arn != *out.Arn {
		t.Fatalf("ListLandingZones = %+v", lzs.LandingZones)
	}
	lz := must[*controltower.GetLandingZoneOutput](t, "GetLandingZone")(ct.GetLandingZone(ctx, &controltower.GetLandingZoneInput{LandingZoneIdentifier: out.Arn}))
	if lz.LandingZone.Status != cttypes.LandingZoneStatusProcessing {
		t.Errorf("status while creating: %s", lz.LandingZone.Status)
	}
	ops := must[*controltower.ListLandingZoneOperationsOutput](t, "ListLandingZoneOperations")(ct.ListLandingZoneOperations(ctx, &controltower.ListLandingZoneOperationsInput{
		Filter: &cttypes.LandingZoneOperationFilter{Types: []cttypes.LandingZoneOperationType{cttypes.LandingZoneOperationTypeCreate}, Statuses: []cttypes.LandingZoneOperationStatus{cttypes.LandingZoneOperationStatusInProgress}}}))
	if len(ops.LandingZoneOperations) != 1 || *ops.LandingZoneOperations[0].OperationIdentifier != *out.OperationIdentifier {
		t.Errorf("ListLandingZoneOperations = %+v", ops.LandingZoneOperations)
	}
	_, err = createLZ(ct, ctManifest())
	wantCode(t, "a second landing zone", err, "ConflictException")
	_, err = ct.EnableBaseline(ctx, &controltower.EnableBaselineInput{BaselineIdentifier: aws.String("arn:aws:controltower:eu-west-1::baseline/17BSJV3IGJ2QSGA2"),
		BaselineVersion: aws.String("4.0"), TargetIdentifier: aws.String(ouArn(workOU))})
	wantCode(t, "EnableBaseline while the landing zone is created", err, "ConflictException")

	getOp := func() *cttypes.LandingZoneOperationDetail {
		return must[*controltower.GetLandingZoneOperationOutput](t, "GetLandingZoneOperation")(ct.GetLandingZoneOperation(ctx,
			&controltower.GetLandingZoneOperationInput{OperationIdentifier: out.OperationIdentifier})).OperationDetails
	}
	clock.Advance(29 * time.Minute)
	if op := getOp(); op.Status != cttypes.LandingZoneOperationStatusInProgress || op.OperationType != cttypes.LandingZoneOperationTypeCreate {
		t.Errorf("after 29 minutes: %+v", op)
	}
	clock.Advance(time.Minute)
	if op := getOp(); op.Status != cttypes.LandingZoneOperationStatusSucceeded || op.EndTime == nil {
		t.Fatalf("after 30 minutes: %+v", op)
	}
	_, err = ct.GetLandingZoneOperation(ctx, &controltower.GetLandingZoneOperationInput{OperationIdentifier: aws.String("11111111-2222-4333-8444-555555555555")})
	wantCode(t, "unknown operation", err, "ResourceNotFoundException")

	// The effects: ACTIVE, Security OU with the shared accounts, Sandbox, registered, IdentityCenterBaseline.
	now := s.Snapshot()
	if l := now.ControlTower.LandingZone; l.Status != "ACTIVE" || l.HomeRegion != ctHome || l.LogArchiveAccountID != ctLogID || l.SandboxOUName != "Sandbox" {
		t.Errorf("landing zone %+v", l)
	}
	ous := map[string]string{}
	for _, ou := range now.OUs {
		if ou.ParentID == rootID {
			ous[ou.Name] = ou.ID
		}
	}
	for _, a := range now.Accounts {
		if (a.ID == ctLogID || a.ID == ctAuditID) && a.ParentID != ous["Security"] {
			t.Errorf("shared account %s is in %s, not the Security OU %s", a.ID, a.ParentID, ous["Security"])
		}
	}
	targets := map[string]string{}
	for _, b := range now.ControlTower.EnabledBaselines {
		targets[b.TargetIdentifier] = now.ControlTower.BaselineName(b.BaselineIdentifier) + " " + b.BaselineVersion + " " + b.Status
	}
	for target, want := range map[string]string{ouArn(ous["Security"]): "AWSControlTowerBaseline 4.0 SUCCEEDED", ouArn(ous["Sandbox"]): "AWSControlTowerBaseline 4.0 SUCCEEDED",
		"arn:aws:organizations::" + mgmtID + ":account/" + orgID + "/" + ctLogID: "AWSControlTowerBaseline 4.0 SUCCEEDED",
		"arn:aws:organizations::" + mgmtID + ":account/" + orgID + "/" + mgmtID:  "IdentityCenterBaseline 4.0 SUCCEEDED"} {
		if targets[target] != want {
			t.Errorf("enabled baseline on %s: %q, want %q", target, targets[target], want)
		}
	}
	if now.IdentityCenter == nil || now.IdentityCenter.Region != ctHome || !slices.Contains(now.TrustedServices, "controltower.amazonaws.com") {
		t.Errorf("Identity Center %+v, trusted services %v", now.IdentityCenter, now.TrustedServices)
	}
	// Account Factory is there once the landing zone is.
	prods := must[*servicecatalog.SearchProductsOutput](t, "SearchProducts")(servicecatalog.NewFromConfig(mgmtConfig(url, ctHome)).SearchProducts(ctx, &servicecatalog.SearchProductsInput{}))
	if len(prods.ProductViewSummaries) != 1 || *prods.ProductViewSummaries[0].Name != inventory.AccountFactoryProduct {
		t.Errorf("SearchProducts = %+v", prods.ProductViewSummaries)
	}
	if got, want := applied(s), []string{"CreateLandingZone landingzone/" + ctHome}; !slices.Equal(got, want) {
		t.Errorf("mutations %v, want %v", got, want)
	}
}

// An injected fail-async fault fails the operation and leaves the landing zone FAILED.
func TestCreateLandingZoneFails(t *testing.T) {
	clock := NewManualClock(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
	s, url := serve(t, ctFixture(), Options{Clock: clock, Faults: []Fault{{Service: "controltower", Operation: "CreateLandingZone", Action: FaultFailAsync, Code: "InternalServerException", Message: "StackSet AWSControlTowerBP-BASELINE-CLOUDTRAIL failed"}}})
	ct := controltower.NewFromConfig(mgmtConfig(url, ctHome))
	out, err := createLZ(ct, ctManifest())
	wantCode(t, "CreateLandingZone", err, "")
	clock.Advance(31 * time.Minute)
	op := must[*controltower.GetLandingZoneOperationOutput](t, "GetLandingZoneOperation")(ct.GetLandingZoneOperation(context.Background(),
		&controltower.GetLandingZoneOperationInput{OperationIdentifier: out.OperationIdentifier})).OperationDetails
	if op.Status != cttypes.LandingZoneOperationStatusFailed || !strings.Contains(aws.ToString(op.StatusMessage), "CLOUDTRAIL") {
		t.Errorf("operation %+v", op)
	}
	if st := s.Snapshot().ControlTower.LandingZone.Status; st != "FAILED" {
		t.Errorf("landing zone %s, want FAILED", st)
	}
}

// ctReady serves ctFixture with its landing zone set up (through the API) and returns the server,
// the clients and the AWSControlTowerBaseline and IdentityCenterBaseline ARNs.
func ctReady(t *testing.T, opts Options) (*Server, *ManualClock, *controltower.Client, string, string, string) {
	t.Helper()
	clock := NewManualClock(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
	opts.Clock = clock
	s, url := serve(t, ctFixture(), opts)
	ct := controltower.NewFromConfig(mgmtConfig(url, ctHome))
	if _, err := createLZ(ct, ctManifest()); err != nil {
		t.Fatal(err)
	}
	clock.Advance(30 * time.Minute)
	now := s.Snapshot()
	var ic string
	for _, b := range now.ControlTower.EnabledBaselines {
		if now.ControlTower.BaselineName(b.BaselineIdentifier) == inventory.BaselineIdentityCenter {
			ic = b.Arn
		}
	}
	return s, clock, ct, "arn:aws:controltower:" + ctHome + "::baseline/17BSJV3IGJ2QSGA2", ic, url
}

func enable(ct *controltower.Client, baseline, version, target, ic string) (*controltower.EnableBaselineOutput, error) {
	in := &controltower.EnableBaselineInput{BaselineIdentifier: aws.String(baseline), BaselineVersion: aws.String(version), TargetIdentifier: aws.String(target)}
	if ic != "" {
		in.Parameters = []cttypes.EnabledBaselineParameter{{Key: aws.String("IdentityCenterEnabledBaselineArn"), Value: document.NewLazyDocument(ic)}}
	}
	return ct.EnableBaseline(context.Background(), in)
}

func baselineOp(t *testing.T, ct *controltower.Client, id *string) *cttypes.BaselineOperation {
	t.Helper()
	return must[*controltower.GetBaselineOperationOutput](t, "GetBaselineOperation")(ct.GetBaselineOperation(context.Background(),
		&controltower.GetBaselineOperationInput{OperationIdentifier: id})).BaselineOperation
}

// enabledOn lists the enabled baselines on targets (the account-level ones included).
func enabledOn(t *testing.T, ct *controltower.Client, targets ...string) []cttypes.EnabledBaselineSummary {
	t.Helper()
	return must[*controltower.ListEnabledBaselinesOutput](t, "ListEnabledBaselines")(ct.ListEnabledBaselines(context.Background(),
		&controltower.ListEnabledBaselinesInput{Filter: &cttypes.EnabledBaselineFilter{TargetIdentifiers: targets}, IncludeChildren: true})).EnabledBaselines
}

func acctArn(id string) string {
	return "arn:aws:organizations::" + mgmtID + ":account/" + orgID + "/" + id
}

// EnableBaseline registers an OU: validation, one OU operation at a time, the duration, the
// accounts enrolled, Control Tower's SCP, and the pre-checks that fail a registration.
func TestEnableBaselineRegistersAnOU(t *testing.T) {
	s, clock, ct, ctb, ic, url := ctReady(t, Options{})
	ctx := context.Background()

	_, err := enable(ct, ctb, "3.0", ouArn(workOU), ic)
	wantCode(t, "version of another landing zone", err, "ValidationException")
	_, err = enable(ct, ctb, "4.0", acctArn(ctW1), ic)
	wantCode(t, "an account target", err, "ValidationException")
	_, err = enable(ct, ctb, "4.0", ouArn("ou-ab12-nothere1"), ic)
	wantCode(t, "unknown OU", err, "ResourceNotFoundException")
	_, err = enable(ct, "arn:aws:controltower:eu-west-1::baseline/NOTHERE000000000", "4.0", ouArn(workOU), ic)
	wantCode(t, "unknown baseline", err, "ResourceNotFoundException")
	_, err = enable(ct, ctb, "4.0", ouArn(workOU), "")
	wantCode(t, "no IdentityCenterEnabledBaselineArn", err, "ValidationException")

	// A child before its parent: the pre-checks fail the operation early.
	child := must[*controltower.EnableBaselineOutput](t, "EnableBaseline Prod")(enable(ct, ctb, "4.0", ouArn(prodOU), ic))
	clock.Advance(2 * time.Minute)
	if op := baselineOp(t, ct, child.OperationIdentifier); op.Status != cttypes.BaselineOperationStatusFailed || !strings.Contains(aws.ToString(op.StatusMessage), "parent OU "+workOU+" is not registered") {
		t.Errorf("child first: %+v", op)
	}

	out := must[*controltower.EnableBaselineOutput](t, "EnableBaseline")(enable(ct, ctb, "4.0", ouArn(workOU), ic))
	eb := enabledOn(t, ct, ouArn(workOU))
	if len(eb) != 1 || *eb[0].Arn != *out.Arn || eb[0].StatusSummary.Status != cttypes.EnablementStatusUnderChange ||
		aws.ToString(eb[0].StatusSummary.LastOperationIdentifier) != *out.OperationIdentifier {
		t.Fatalf("while registering: %+v", eb)
	}
	_, err = enable(ct, ctb, "4.0", ouArn(dirtyOU), ic)
	wantCode(t, "a second OU operation", err, "ConflictException")
	// 10 minutes + 2 per additional account (two accounts: 12 minutes).
	clock.Advance(11*time.Minute + 59*time.Second)
	if op := baselineOp(t, ct, out.OperationIdentifier); op.Status != cttypes.BaselineOperationStatusInProgress || op.OperationType != cttypes.BaselineOperationTypeEnableBaseline {
		t.Errorf("before 12 minutes: %+v", op)
	}
	clock.Advance(time.Second)
	if op := baselineOp(t, ct, out.OperationIdentifier); op.Status != cttypes.BaselineOperationStatusSucceeded {
		t.Fatalf("after 12 minutes: %+v", op)
	}
	got := map[string]string{}
	for _, b := range enabledOn(t, ct, ouArn(workOU), acctArn(ctW1), acctArn(ctW2)) {
		got[*b.TargetIdentifier] = string(b.StatusSummary.Status) + " parent=" + aws.ToString(b.ParentIdentifier)
	}
	want := map[string]string{ouArn(workOU): "SUCCEEDED parent=", acctArn(ctW1): "SUCCEEDED parent=" + *out.Arn, acctArn(ctW2): "SUCCEEDED parent=" + *out.Arn}
	if len(got) != len(want) || got[ouArn(workOU)] != want[ouArn(workOU)] || got[acctArn(ctW1)] != want[acctArn(ctW1)] || got[acctArn(ctW2)] != want[acctArn(ctW2)] {
		t.Errorf("enabled baselines after registration:\n got %v\nwant %v", got, want)
	}
	det := must[*controltower.GetEnabledBaselineOutput](t, "GetEnabledBaseline")(ct.GetEnabledBaseline(ctx, &controltower.GetEnabledBaselineInput{EnabledBaselineIdentifier: out.Arn}))
	if len(det.EnabledBaselineDetails.Parameters) != 1 || *det.EnabledBaselineDetails.Parameters[0].Key != "IdentityCenterEnabledBaselineArn" {
		t.Errorf("GetEnabledBaseline parameters %+v", det.EnabledBaselineDetails.Parameters)
	}
	pols := must[*organizations.ListPoliciesForTargetOutput](t, "ListPoliciesForTarget")(organizations.NewFromConfig(mgmtConfig(url, "us-east-1")).ListPoliciesForTarget(ctx,
		&organizations.ListPoliciesForTargetInput{TargetId: aws.String(workOU), Filter: "SERVICE_CONTROL_POLICY"}))
	if len(pols.Policies) != 2 || !slices.ContainsFunc(pols.Policies, func(p orgtypes.PolicySummary) bool { return strings.HasPrefix(*p.Name, "aws-guardrails-") }) {
		t.Errorf("SCPs on the registered OU: %d", len(pols.Policies))
	}
	_, err = enable(ct, ctb, "4.0", ouArn(workOU), ic)
	wantCode(t, "enabled twice", err, "ValidationException")

	// The failed child: reset it now that its parent is registered.
	_, err = ct.ResetEnabledBaseline(ctx, &controltower.ResetEnabledBaselineInput{EnabledBaselineIdentifier: aws.String("arn:aws:controltower:eu-west-1:" + mgmtID + ":enabledbaseline/NOTHERE0000000000")})
	wantCode(t, "reset an unknown enabled baseline", err, "ResourceNotFoundException")
	reset := must[*controltower.ResetEnabledBaselineOutput](t, "ResetEnabledBaseline")(ct.ResetEnabledBaseline(ctx, &controltower.ResetEnabledBaselineInput{EnabledBaselineIdentifier: child.Arn}))
	clock.Advance(10 * time.Minute)
	if op := baselineOp(t, ct, reset.OperationIdentifier); op.Status != cttypes.BaselineOperationStatusSucceeded || op.OperationType != cttypes.BaselineOperationTypeResetEnabledBaseline {
		t.Errorf("reset: %+v", op)
	}

	// An account with ALZ's Config recorder fails its OU's registration.
	dirty := must[*controltower.EnableBaselineOutput](t, "EnableBaseline Dirty")(enable(ct, ctb, "4.0", ouArn(dirtyOU), ic))
	clock.Advance(2 * time.Minute)
	if op := baselineOp(t, ct, dirty.OperationIdentifier); op.Status != cttypes.BaselineOperationStatusFailed ||
		!strings.Contains(aws.ToString(op.StatusMessage), "AWS-Landing-Zone-BaselineConfigRecorder in us-east-1") {
		t.Errorf("dirty OU: %+v", op)
	}
	if eb := enabledOn(t, ct, ouArn(dirtyOU)); len(eb) != 1 || eb[0].StatusSummary.Status != cttypes.EnablementStatusFailed {
		t.Errorf("a failed registration: %+v", eb)
	}
	var regs []string
	for _, m := range applied(s) {
		if !strings.HasPrefix(m, "CreateLandingZone") {
			regs = append(regs, m)
		}
	}
	if want := []string{"EnableBaseline " + prodOU, "EnableBaseline " + workOU, "ResetEnabledBaseline " + prodOU, "EnableBaseline " + dirtyOU}; !slices.Equal(regs, want) {
		t.Errorf("mutations %v, want %v", regs, want)
	}
}

// BenchmarkListEnabledBaselines pages every enabled baseline (includeChildren) of a landing zone
// with 5,000 enrolled accounts through the SDK: what discovery and the kinds' Observe read.
// go test -run '^$' -bench ListEnabledBaselines ./sim/
func BenchmarkListEnabledBaselines(b *testing.B) {
	snap := bigOrg(b)
	home := snap.Regions[0]
	ctb := "arn:aws:controltower:" + home + "::baseline/17BSJV3IGJ2QSGA2"
	c := copySnapshot(snap)
	c.ControlTower = inventory.ControlTower{LandingZone: &inventory.LandingZone{Arn: "arn:aws:controltower:" + home + ":" + c.Organization.ManagementAccountID + ":landingzone/BENCH00000000000",
		Version: "3.3", Status: "ACTIVE", DriftStatus: "IN_SYNC", HomeRegion: home, GovernedRegions: []string{home}, SecurityOUName: "Security"},
		Baselines: []inventory.Baseline{{Arn: ctb, Name: inventory.BaselineControlTower}}}
	for i, ou := range c.OUs {
		c.ControlTower.EnabledBaselines = append(c.ControlTower.EnabledBaselines, inventory.EnabledBaseline{Arn: fmt.Sprintf("arn:aws:controltower:%s:%s:enabledbaseline/OU%015d", home, c.Organization.ManagementAccountID, i),
			BaselineIdentifier: ctb, BaselineVersion: "4.0", TargetIdentifier: ou.Arn, Status: "SUCCEEDED"})
	}
	for i, a := range c.Accounts {
		c.ControlTower.EnabledBaselines = append(c.ControlTower.EnabledBaselines, inventory.EnabledBaseline{Arn: fmt.Sprintf("arn:aws:controltower:%s:%s:enabledbaseline/AC%015d", home, c.Organization.ManagementAccountID, i),
			BaselineIdentifier: ctb, BaselineVersion: "4.0", TargetIdentifier: a.Arn, Status: "SUCCEEDED"})
	}
	_, url := serve(b, c, Options{})
	ct := controltower.NewFromConfig(mgmtConfig(url, home))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		n := 0
		pages := controltower.NewListEnabledBaselinesPaginator(ct, &controltower.ListEnabledBaselinesInput{IncludeChildren: true})
		for pages.HasMorePages() {
			page, err := pages.NextPage(context.Background())
			if err != nil {
				b.Fatal(err)
			}
			n += len(page.EnabledBaselines)
		}
		if n != len(c.ControlTower.EnabledBaselines) {
			b.Fatalf("listed %d of %d", n, len(c.ControlTower.EnabledBaselines))
		}
	}
}
