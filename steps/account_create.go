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

// account.create: create a member account (the landing zone's Log Archive and Audit accounts).
// CreateAccount has no idempotency token and every call is a new request, so the e-mail address is
// the de-duplication key (no two AWS accounts share one). Observe, before any call:
//
//  1. ListAccounts: an account of the organization with the e-mail → done, its ID is the output;
//  2. ListCreateAccountStatus: a request IN_PROGRESS for the account name → running, the engine
//     waits on that request (the one a crashed run made before it could record the ID) instead
//     of sending a second; a SUCCEEDED one whose account DescribeAccount shows with the e-mail →
//     done (ListAccounts may not list a new account at once).
//
// CreateAccountStatus carries the account name, not the e-mail, so requests are matched by name;
// the plan gives every account it creates its own name.
// The request is polled with DescribeCreateAccountStatus (IN_PROGRESS, SUCCEEDED, FAILED with a
// FailureReason such as EMAIL_ALREADY_EXISTS). The account is created in the root with the
// OrganizationAccountAccessRole role that the management account can assume.
// https://docs.aws.amazon.com/organizations/latest/APIReference/API_CreateAccount.html
// https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListCreateAccountStatus.html
// https://docs.aws.amazon.com/organizations/latest/APIReference/API_DescribeCreateAccountStatus.html
func init() {
	Register(Def[plans.AccountCreate]{
		Observe: func(ctx context.Context, x *Exec, p plans.AccountCreate) (Observation, error) {
			f, err := findCreatedAccount(ctx, x, p)
			if err != nil {
				return Observation{}, err
			}
			switch {
			case f.account != nil && f.account.State != types.AccountStateActive && f.account.State != types.AccountStatePendingActivation:
				return Observation{State: Unsafe, Note: fmt.Sprintf("the e-mail %s belongs to account %s (%s), which is %s: a closed account keeps its e-mail; choose another e-mail for the %s account in the settings and re-plan",
					p.Email, aws.ToString(f.account.Id), aws.ToString(f.account.Name), f.account.State, p.AccountName)}, nil
			case f.account != nil:
				return Observation{State: Done, Note: fmt.Sprintf("account %s (%s) has the e-mail %s%s", aws.ToString(f.account.Id), aws.ToString(f.account.Name), p.Email, f.how)}, nil
			case f.inProgress != "":
				return Observation{State: Running, OperationID: f.inProgress,
					Note: fmt.Sprintf("request %s to create an account named %q is in progress", f.inProgress, p.AccountName)}, nil
			}
			return Observation{State: NotDone, Change: fmt.Sprintf("create account %q with the e-mail %s (in the root, with OrganizationAccountAccessRole for the management account)", p.AccountName, p.Email)}, nil
		},
		Start: func(ctx context.Context, x *Exec, p plans.AccountCreate) (string, error) {
			out, err := awsapi.Organizations(x.Management("")).CreateAccount(ctx, &organizations.CreateAccountInput{
				Email: aws.String(p.Email), AccountName: aws.String(p.AccountName)})
			var cv *types.ConstraintViolationException
			if errors.As(err, &cv) {
				switch cv.Reason {
				case types.ConstraintViolationExceptionReasonAccountNumberLimitExceeded:
					return "", Advise(err, "ACCOUNT_NUMBER_LIMIT_EXCEEDED: the organization has as many accounts as its quota allows: raise it (Service Quotas, AWS Organizations, quota L-29A0C5DF) or close unused accounts, then run lz2ct resume")
				case types.ConstraintViolationExceptionReasonAccountCreationRateLimitExceeded:
					return "", Advise(err, "ACCOUNT_CREATION_RATE_LIMIT_EXCEEDED: Organizations limits how many accounts an organization creates a day: run lz2ct resume tomorrow")
				}
			}
			if err != nil {
				return "", err
			}
			if out.CreateAccountStatus == nil || aws.ToString(out.CreateAccountStatus.Id) == "" {
				return "", errors.New("CreateAccount answered without a request ID")
			}
			return aws.ToString(out.CreateAccountStatus.Id), nil
		},
		Poll: func(ctx context.Context, x *Exec, p plans.AccountCreate, id string) (OpStatus, error) {
			out, err := awsapi.Organizations(x.Management("")).DescribeCreateAccountStatus(ctx, &organizations.DescribeCreateAccountStatusInput{
				CreateAccountRequestId: aws.String(id)})
			if err != nil {
				return OpStatus{}, err
			}
			st := out.CreateAccountStatus
			switch st.State {
			case types.CreateAccountStateSucceeded:
				return OpStatus{State: OpSucceeded, Message: "account " + aws.ToString(st.AccountId) + " created"}, nil
			case types.CreateAccountStateFailed:
				if st.FailureReason == types.CreateAccountFailureReasonEmailAlreadyExists {
					// Ours, created by an earlier request whose answer was lost? Then it is done.
					if f, err := findCreatedAccount(ctx, x, p); err == nil && f.account != nil {
						return OpStatus{State: OpSucceeded, Message: "account " + aws.ToString(f.account.Id) + " has the e-mail already"}, nil
					}
				}
				return OpStatus{State: OpFailed, Message: createAccountFailure(st.FailureReason, p)}, nil
			}
			return OpStatus{State: OpInProgress}, nil
		},
		// Account creation takes minutes.
		PollEvery: Backoff{First: 15 * time.Second, Max: time.Minute},
		Verify: func(ctx context.Context, x *Exec, p plans.AccountCreate) (Outputs, error) {
			f, err := findCreatedAccount(ctx, x, p)
			if err != nil {
				return nil, err
			}
			if f.account == nil {
				return nil, NotYet(fmt.Errorf("no account of the organization has the e-mail %s yet", p.Email))
			}
			return Outputs{plans.OutputAccountID: aws.ToString(f.account.Id)}, nil
		},
		Classify: func(err error) Class {
			// The organization is still being set up: AWS says to wait an hour and try again.
			if HasCode(err, "FinalizingOrganizationException") {
				return RetryLater
			}
			return DefaultClass(err)
		},
	})
}

// createdAccount is what findCreatedAccount found.
type createdAccount struct {
	account    *types.Account // the account with the e-mail
	how        string         // how it was found, for the note ("" = ListAccounts)
	inProgress string         // a request IN_PROGRESS for the account name
}

// findCreatedAccount looks for the account by e-mail (ListAccounts), then among the creation
// requests for its name (ListCreateAccountStatus): one in progress, or one that succeeded with an
// account DescribeAccount shows with the e-mail. The e-mail is compared case-insensitively.
func findCreatedAccount(ctx context.Context, x *Exec, p plans.AccountCreate) (createdAccount, error) {
	org := awsapi.Organizations(x.Management(""))
	accounts := organizations.NewListAccountsPaginator(org, &organizations.ListAccountsInput{})
	for accounts.HasMorePages() {
		page, err := accounts.NextPage(ctx)
		if err != nil {
			return createdAccount{}, err
		}
		for i := range page.Accounts {
			if strings.EqualFold(aws.ToString(page.Accounts[i].Email), p.Email) {
				return createdAccount{account: &page.Accounts[i]}, nil
			}
		}
	}
	var f createdAccount
	requests := organizations.NewListCreateAccountStatusPaginator(org, &organizations.ListCreateAccountStatusInput{
		States: []types.CreateAccountState{types.CreateAccountStateInProgress, types.CreateAccountStateSucceeded}})
	for requests.HasMorePages() {
		page, err := requests.NextPage(ctx)
		if err != nil {
			return createdAccount{}, err
		}
		for _, r := range page.CreateAccountStatuses {
			if aws.ToString(r.AccountName) != p.AccountName {
				continue
			}
			switch r.State {
			case types.CreateAccountStateInProgress:
				f.inProgress = aws.ToString(r.Id)
			case types.CreateAccountStateSucceeded:
				out, err := org.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: r.AccountId})
				if HasCode(err, "AccountNotFoundException") {
					continue // an account of that name that has left the organization since
				}
				if err != nil {
					return createdAccount{}, err
				}
				if strings.EqualFold(aws.ToString(out.Account.Email), p.Email) {
					return createdAccount{account: out.Account, how: " (created by request " + aws.ToString(r.Id) + ")"}, nil
				}
			}
		}
	}
	return f, nil
}

// createAccountFailure says what a FailureReason means and what to do.
// https://docs.aws.amazon.com/organizations/latest/APIReference/API_CreateAccountStatus.html
func createAccountFailure(reason types.CreateAccountFailureReason, p plans.AccountCreate) string {
	what := map[types.CreateAccountFailureReason]string{
		types.CreateAccountFailureReasonEmailAlreadyExists: "another AWS account (outside this organization, or a closed one) already uses " + p.Email +
			": choose another e-mail for the " + p.AccountName + " account in the settings and re-plan",
		types.CreateAccountFailureReasonAccountLimitExceeded:          "the organization has as many accounts as its quota allows: raise it (Service Quotas, AWS Organizations, L-29A0C5DF), then run lz2ct resume",
		types.CreateAccountFailureReasonInvalidEmail:                  p.Email + " is not an e-mail address AWS accepts: fix it in the settings and re-plan",
		types.CreateAccountFailureReasonInvalidAddress:                "the management account's address is not valid: fix it in the Billing console, then run lz2ct resume",
		types.CreateAccountFailureReasonConcurrentAccountModification: "another request with the same information was being processed: run lz2ct resume",
		types.CreateAccountFailureReasonInternalFailure:               "AWS failed internally: run lz2ct resume later; contact AWS Support if it persists",
	}[reason]
	if what == "" {
		what = "see the CreateAccountStatus FailureReason in the Organizations API reference; fix the management account's set-up, then run lz2ct resume"
	}
	return string(reason) + ": " + what
}
