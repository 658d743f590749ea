package steps

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/smithy-go"

	"github.com/lz2ct/lz2ct/plans"
)

func constraint(reason types.ConstraintViolationExceptionReason) error {
	return &smithy.OperationError{ServiceID: "Organizations", OperationName: "X",
		Err: &types.ConstraintViolationException{Message: aws.String("m"), Reason: reason}}
}

// How the Organizations kinds sort AWS's answers to their mutating calls.
func TestOrgKindsClassify(t *testing.T) {
	for _, tc := range []struct {
		kind string
		err  error
		want Class
	}{
		{plans.KindTrustedAccessDisable, apiErr("ConcurrentModificationException"), RetryLater},
		{plans.KindTrustedAccessDisable, apiErr("AccessDeniedException"), Failed},
		{plans.KindOUCreate, apiErr("DuplicateOrganizationalUnitException"), AlreadyDone},
		{plans.KindOUCreate, apiErr("ParentNotFoundException"), Failed},
		{plans.KindOUCreate, constraint(types.ConstraintViolationExceptionReasonOuDepthLimitExceeded), Failed},
		{plans.KindAccountMove, apiErr("DuplicateAccountException"), AlreadyDone},
		{plans.KindAccountMove, apiErr("SourceParentNotFoundException"), Failed},
		{plans.KindAccountMove, apiErr("DestinationParentNotFoundException"), Failed},
		{plans.KindAccountMove, apiErr("AccountNotFoundException"), Failed},
		{plans.KindAccountMove, apiErr("ConcurrentModificationException"), RetryLater},
		{plans.KindAccountCreate, apiErr("FinalizingOrganizationException"), RetryLater},
		{plans.KindAccountCreate, constraint(types.ConstraintViolationExceptionReasonAccountNumberLimitExceeded), Failed},
		{plans.KindAccountCreate, apiErr("TooManyRequestsException"), RetryLater},
		{plans.KindOUDelete, apiErr("OrganizationalUnitNotFoundException"), AlreadyDone},
		{plans.KindOUDelete, apiErr("OrganizationalUnitNotEmptyException"), Failed},
		{plans.KindSCPDelete, apiErr("PolicyNotFoundException"), AlreadyDone},
		{plans.KindSCPDelete, apiErr("PolicyInUseException"), Failed},
		{plans.KindAccountClose, apiErr("AccountAlreadyClosedException"), AlreadyDone},
		{plans.KindAccountClose, apiErr("ConcurrentModificationException"), RetryLater},
		{plans.KindAccountClose, apiErr("ConflictException"), RetryLater},
		{plans.KindAccountClose, constraint(types.ConstraintViolationExceptionReasonCloseAccountRequestsLimitExceeded), RetryLater},
		{plans.KindAccountClose, constraint(types.ConstraintViolationExceptionReasonCloseAccountQuotaExceeded), Failed},
		{plans.KindAccountClose, constraint(types.ConstraintViolationExceptionReasonCannotCloseManagementAccount), Failed},
		{plans.KindAccountClose, apiErr("AccountNotFoundException"), Failed},
	} {
		im, ok := Lookup(tc.kind)
		if !ok {
			t.Fatalf("%s is not registered", tc.kind)
		}
		if got := im.Classify(tc.err); got != tc.want {
			t.Errorf("%s: Classify(%v) = %v, want %v", tc.kind, tc.err, got, tc.want)
		}
	}
}

func TestCloseQuotaAdvice(t *testing.T) {
	a := closeQuotaAdvice("123456789012", time.Date(2026, 11, 20, 23, 0, 0, 0, time.UTC))
	for _, want := range []string{"CLOSE_ACCOUNT_QUOTA_EXCEEDED", "250", "20 %", "1,000", "30 days", "frees by 2026-12-20", "lz2ct apply --step account.close/123456789012"} {
		if !strings.Contains(a, want) {
			t.Errorf("advice %q does not say %q", a, want)
		}
	}
}

func TestAccountARNParts(t *testing.T) {
	a := &types.Account{Id: aws.String("222222222222"), Arn: aws.String("arn:aws:organizations::111111111111:account/o-abcdef1234/222222222222")}
	if m, o := arnParts(a); m != "111111111111" || o != "o-abcdef1234" {
		t.Errorf("arnParts = %q, %q", m, o)
	}
	if m, o := arnParts(&types.Account{Arn: aws.String("nonsense")}); m != "" || o != "" {
		t.Errorf("arnParts of a malformed ARN = %q, %q", m, o)
	}
	if got := orgOf(&types.Account{}); !strings.Contains(got, "unknown") {
		t.Errorf("orgOf without an ARN = %q", got)
	}
}

func TestNamedList(t *testing.T) {
	l := []named{{"1", "a"}, {"2", ""}, {"3", "c"}}
	if got := namedList(l, 5); got != "1 (a), 2 and 3 (c)" {
		t.Errorf("namedList = %q", got)
	}
	if got := namedList(l, 1); got != "1 (a) and 2 more" {
		t.Errorf("namedList, max 1 = %q", got)
	}
	if got := namedList(nil, 3); got != "none" {
		t.Errorf("namedList(nil) = %q", got)
	}
}
