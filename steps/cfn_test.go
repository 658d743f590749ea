package steps

import (
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	"github.com/lz2ct/lz2ct/plans"
)

func TestCloudFormationClassify(t *testing.T) {
	get := func(kind string) *Impl {
		im, ok := Lookup(kind)
		if !ok {
			t.Fatalf("%s is not registered", kind)
		}
		return im
	}
	for _, tc := range []struct {
		kind, code string
		want       Class
	}{
		{plans.KindStackSetInstancesDelete, "StackSetNotFoundException", AlreadyDone},
		{plans.KindConfigStackSetInstancesDelete, "StackSetNotFoundException", AlreadyDone},
		{plans.KindConfigStackSetInstancesDelete, "OperationInProgressException", RetryLater},
		{plans.KindStackSetInstancesCreate, "OperationInProgressException", RetryLater},
		{plans.KindStackSetInstancesCreate, "StackSetNotFoundException", Failed},
		{plans.KindStackSetCreate, "NameAlreadyExistsException", AlreadyDone},
		{plans.KindStackSetCreate, "LimitExceededException", Failed},
		{plans.KindStackSetDelete, "StackSetNotFoundException", AlreadyDone},
		{plans.KindStackSetDelete, "StackSetNotEmptyException", Failed},
		{plans.KindStackSetDelete, "OperationInProgressException", RetryLater},
		{plans.KindExportStackSet, "StackSetNotFoundException", Failed},
		{plans.KindStackDelete, "Throttling", RetryLater},
		{plans.KindStackDelete, "ValidationError", Failed},
	} {
		if got := get(tc.kind).Classify(apiErr(tc.code)); got != tc.want {
			t.Errorf("%s: Classify(%s) = %v, want %v", tc.kind, tc.code, got, tc.want)
		}
	}
}

// The idempotency tokens lz2ct sends fit CloudFormation's pattern, and each StackSet kind claims
// its StackSet.
func TestCloudFormationTokensAndClaims(t *testing.T) {
	pattern := regexp.MustCompile(`^[a-zA-Z0-9][-a-zA-Z0-9]{0,127}$`)
	create, _ := Lookup(plans.KindStackSetCreate)
	del, _ := Lookup(plans.KindStackDelete)
	for _, tok := range []string{create.Token(plans.StackSetCreate{Region: "eu-west-1", StackSetName: "x"}),
		del.Token(plans.StackDelete{AccountID: "111111111111", Region: "eu-west-1", StackName: "AWS-Landing-Zone-Initiation"})} {
		if !pattern.MatchString(tok) {
			t.Errorf("token %q does not fit ClientRequestToken's pattern", tok)
		}
	}
	for kind, p := range map[string]plans.Params{
		plans.KindStackSetCreate:                plans.StackSetCreate{Region: "r", StackSetName: "s"},
		plans.KindStackSetInstancesCreate:       plans.StackSetInstancesCreate{Region: "r", StackSetName: "s"},
		plans.KindStackSetInstancesDelete:       plans.StackSetInstancesDelete{Region: "r", StackSetName: "s"},
		plans.KindConfigStackSetInstancesDelete: plans.ConfigStackSetInstancesDelete{StackSetInstancesDelete: plans.StackSetInstancesDelete{Region: "r", StackSetName: "s"}},
		plans.KindStackSetDelete:                plans.StackSetDelete{Region: "r", StackSetName: "s"},
	} {
		im, _ := Lookup(kind)
		if c := im.Claims(p); len(c) != 1 || c[0].Kind != StackSet || c[0].Key != "r/s" {
			t.Errorf("%s claims %+v", kind, c)
		}
	}
}

func TestCloudFormationHelpers(t *testing.T) {
	for body, want := range map[string]bool{
		`{"Resources":{"VPC":{"Type":"AWS::EC2::VPC"}}}`:                         true,
		"Resources:\n  VPC:\n    Type: AWS::EC2::VPC\n":                          true,
		"Resources:\n  VPC:\n    Type: 'AWS::EC2::VPC'":                          true,
		`{"Resources":{"A":{"Type":"AWS::EC2::VPCGatewayAttachment"}}}`:          false,
		`{"Resources":{"R":{"Type":"AWS::IAM::Role","Properties":{"A":"VPC"}}}}`: false,
	} {
		if got := templateCreatesVPC(body); got != want {
			t.Errorf("templateCreatesVPC(%q) = %v", body, got)
		}
	}
	for id, ours := range map[string]bool{"lz2ct-abc": true, "lz2ct-abc-2": true, "lz2ct-abcd": false, "someone-else": false} {
		if ourOperation(id, "lz2ct-abc") != ours {
			t.Errorf("ourOperation(%s) != %v", id, ours)
		}
	}
	p := operationPreferences(plans.StackSetPreferences{MaxConcurrentCount: 10, RegionConcurrencyType: "PARALLEL", ConcurrencyMode: "SOFT_FAILURE_TOLERANCE"})
	if aws.ToInt32(p.MaxConcurrentCount) != 10 || p.RegionConcurrencyType != cftypes.RegionConcurrencyTypeParallel ||
		p.ConcurrencyMode != cftypes.ConcurrencyModeSoftFailureTolerance || aws.ToInt32(p.FailureToleranceCount) != 0 {
		t.Errorf("preferences %+v", p)
	}
	if id, err := startStackSetOperation("op-1", apiErr("OperationIdAlreadyExistsException")); id != "op-1" || err != nil {
		t.Errorf("an operation that exists is re-attached to: %q %v", id, err)
	}
	if _, err := startStackSetOperation("op-1", apiErr("OperationInProgressException")); err == nil {
		t.Error("OperationInProgressException swallowed")
	}
}
