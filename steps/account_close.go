package steps

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/organizations/types"

	"github.com/lz2ct/lz2ct/awsapi"
	"github.com/lz2ct/lz2ct/plans"
)

// account.close: close a member account (ALZ's old Log Archive and Security accounts, last, only
// when the settings chose it). CloseAccount is asynchronous and has no operation ID: the account
// is PENDING_CLOSURE, then SUSPENDED; the step waits on DescribeAccount with the account ID as its
// operation ID. AccountAlreadyClosedException means done. The management account cannot be closed
// this way.
//
// Organizations allows closing the higher of 250 and 20 % of the member accounts, at most 1,000,
// in any rolling 30 days (ConstraintViolationException CLOSE_ACCOUNT_QUOTA_EXCEEDED; older versions
// of the page said 10 %, between 10 and 1,000). lz2ct does not wait that out inside a run: a
// closure refused for the quota fails its step with the date by which the quota frees at the
// latest (30 days from now: every closure it counts is younger than that), nothing in the plan
// depends on it, and lz2ct resume after that date closes the account. Retrying inside the run
// (RetryLater) would hold the run open for up to 30 days.
// https://docs.aws.amazon.com/organizations/latest/APIReference/API_CloseAccount.html
func init() {
	Register(Def[plans.AccountClose]{
		Observe: func(ctx context.Context, x *Exec, p plans.AccountClose) (Observation, error) {
			a, err := describeAccount(ctx, x, p.AccountID)
			if HasCode(err, "AccountNotFoundException") {
				return Observation{State: Done, Note: "account " + p.AccountID + " is no longer in the organization: nothing to close"}, nil
			}
			if err != nil {
				return Observation{}, err
			}
			who := accountWords(a)
			switch a.State {
			case types.AccountStateSuspended, types.AccountStateClosed:
				return Observation{State: Done, Note: fmt.Sprintf("account %s is closed (%s)", who, a.State)}, nil
			case types.AccountStatePendingClosure:
				return Observation{State: Running, OperationID: p.AccountID, Note: fmt.Sprintf("account %s is being closed (PENDING_CLOSURE)", who)}, nil
			}
			if mgmt := managementOf(a); mgmt == p.AccountID {
				return Observation{State: Unsafe, Note: fmt.Sprintf("account %s is the organization's management account: CloseAccount cannot close it, and lz2ct never tries (the plan is damaged: re-create it with lz2ct plan)", who)}, nil
			}
			return Observation{State: NotDone, Change: fmt.Sprintf("CLOSE account %s of organization %s: it becomes PENDING_CLOSURE, then SUSPENDED; "+
				"whatever is left in it is deleted by AWS after 90 days, and until then only AWS Support can reopen it", who, orgOf(a))}, nil
		},
		Start: func(ctx context.Context, x *Exec, p plans.AccountClose) (string, error) {
			_, err := awsapi.Organizations(x.Management("")).CloseAccount(ctx, &organizations.CloseAccountInput{AccountId: aws.String(p.AccountID)})
			var cv *types.ConstraintViolationException
			if errors.As(err, &cv) {
				switch cv.Reason {
				case types.ConstraintViolationExceptionReasonCloseAccountQuotaExceeded:
					return "", Advise(err, closeQuotaAdvice(p.AccountID, time.Now()))
				case types.ConstraintViolationExceptionReasonCannotCloseManagementAccount:
					return "", Advise(err, "CANNOT_CLOSE_MANAGEMENT_ACCOUNT: account "+p.AccountID+" is the management account: it cannot be closed with CloseAccount; re-create the plan")
				}
			}
			if err != nil {
				return "", err
			}
			return p.AccountID, nil // polled with DescribeAccount
		},
		Poll: func(ctx context.Context, x *Exec, p plans.AccountClose, id string) (OpStatus, error) {
			a, err := describeAccount(ctx, x, id)
			if HasCode(err, "AccountNotFoundException") {
				return OpStatus{State: OpSucceeded, Message: "the account left the organization"}, nil
			}
			if err != nil {
				return OpStatus{}, err
			}
			switch a.State {
			case types.AccountStateSuspended, types.AccountStateClosed:
				return OpStatus{State: OpSucceeded, Message: string(a.State)}, nil
			case types.AccountStatePendingClosure:
				return OpStatus{State: OpInProgress, Message: string(a.State)}, nil
			}
			return OpStatus{State: OpFailed, Message: fmt.Sprintf("account %s is %s again: the closure did not take effect (check it in the Organizations console)", id, a.State)}, nil
		},
		// AWS says closing takes "a few minutes".
		PollEvery: Backoff{First: 30 * time.Second, Max: 2 * time.Minute},
		Verify: func(ctx context.Context, x *Exec, p plans.AccountClose) (Outputs, error) {
			a, err := describeAccount(ctx, x, p.AccountID)
			switch {
			case HasCode(err, "AccountNotFoundException"):
				return nil, nil
			case err != nil:
				return nil, err
			}
			switch a.State {
			// PENDING_CLOSURE: AWS accepted the closure and completes it on its own.
			case types.AccountStateSuspended, types.AccountStateClosed, types.AccountStatePendingClosure:
				return nil, nil
			}
			return nil, NotYet(fmt.Errorf("account %s is %s, not closed", p.AccountID, a.State))
		},
		Classify: func(err error) Class {
			if HasCode(err, "AccountAlreadyClosedException") {
				return AlreadyDone
			}
			var cv *types.ConstraintViolationException
			// Closures at a time are limited too: that one passes as the others complete.
			if errors.As(err, &cv) && cv.Reason == types.ConstraintViolationExceptionReasonCloseAccountRequestsLimitExceeded {
				return RetryLater
			}
			return DefaultClass(err) // ConcurrentModificationException and ConflictException: retried
		},
	})
}

// closeQuotaAdvice says why the closure waits and until when.
func closeQuotaAdvice(account string, now time.Time) string {
	by := now.Add(30 * 24 * time.Hour).UTC().Format("2006-01-02")
	return fmt.Sprintf("CLOSE_ACCOUNT_QUOTA_EXCEEDED: Organizations closes at most the higher of 250 and 20 %% of the member accounts (up to 1,000) in any rolling 30 days, and this organization has used that quota. "+
		"Each closure counts for 30 days from when it was made, so the quota frees by %s at the latest (sooner as earlier closures age out). "+
		"Nothing else in the plan waits on this closure: run lz2ct resume (or lz2ct apply --step %s/%s) after that date to close account %s",
		by, plans.KindAccountClose, account, account)
}

func describeAccount(ctx context.Context, x *Exec, id string) (*types.Account, error) {
	out, err := awsapi.Organizations(x.Management("")).DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: aws.String(id)})
	if err != nil {
		return nil, err
	}
	return out.Account, nil
}

// accountWords names an account for people: "333333333333 (log-archive, log@example.com)".
func accountWords(a *types.Account) string {
	return fmt.Sprintf("%s (%s, %s)", aws.ToString(a.Id), aws.ToString(a.Name), aws.ToString(a.Email))
}

// An account's ARN names its organization and the management account:
// arn:aws:organizations::<management account>:account/<organization ID>/<account ID>.
// https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsorganizations.html#awsorganizations-resources-for-iam-policies
func arnParts(a *types.Account) (mgmt, org string) {
	arn := aws.ToString(a.Arn)
	parts := strings.Split(arn, ":")
	if len(parts) < 6 {
		return "", ""
	}
	res := strings.Split(parts[5], "/")
	if len(res) == 3 && res[0] == "account" {
		return parts[4], res[1]
	}
	return parts[4], ""
}

func managementOf(a *types.Account) string { m, _ := arnParts(a); return m }

func orgOf(a *types.Account) string {
	if _, o := arnParts(a); o != "" {
		return o
	}
	return "(unknown: the account's ARN does not say)"
}
