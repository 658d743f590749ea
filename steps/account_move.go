package steps

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"

	"github.com/lz2ct/lz2ct/awsapi"
	"github.com/lz2ct/lz2ct/plans"
)

// account.move: move an account from one root or OU to another. MoveAccount has no idempotency
// token: Observe reads the account's parent (ListParents) first, and a repeat that finds the
// account in place answers DuplicateAccountException, which means done.
// https://docs.aws.amazon.com/organizations/latest/APIReference/API_MoveAccount.html
func init() {
	Register(Def[plans.AccountMove]{
		Observe: func(ctx context.Context, x *Exec, p plans.AccountMove) (Observation, error) {
			src, dst, err := moveParents(x, p)
			if err != nil {
				return Observation{}, err
			}
			parent, err := accountParent(ctx, x, p.AccountID)
			if HasCode(err, "ChildNotFoundException", "AccountNotFoundException") {
				return Observation{State: Unsafe, Note: fmt.Sprintf("account %s is no longer in the organization", p.AccountID)}, nil
			}
			if err != nil {
				return Observation{}, err
			}
			switch parent {
			case dst:
				return Observation{State: Done, Note: fmt.Sprintf("account %s is in %s", p.AccountID, targetWords(dst))}, nil
			case src:
				return Observation{State: NotDone, Change: fmt.Sprintf("move account %s from %s to %s", p.AccountID, targetWords(src), targetWords(dst))}, nil
			}
			return Observation{State: Unsafe, Note: fmt.Sprintf("account %s is in %s, not in %s where the plan expects it: someone moved it; decide where it belongs, move it by hand if needed, then re-plan or run lz2ct resume",
				p.AccountID, targetWords(parent), targetWords(src))}, nil
		},
		Start: func(ctx context.Context, x *Exec, p plans.AccountMove) (string, error) {
			src, dst, err := moveParents(x, p)
			if err != nil {
				return "", err
			}
			_, err = awsapi.Organizations(x.Management("")).MoveAccount(ctx, &organizations.MoveAccountInput{
				AccountId: aws.String(p.AccountID), SourceParentId: aws.String(src), DestinationParentId: aws.String(dst)})
			switch {
			case HasCode(err, "SourceParentNotFoundException"):
				return "", Advise(err, fmt.Sprintf("account %s is not in %s (any more): check where it is (aws organizations list-parents --child-id %s), then run lz2ct resume", p.AccountID, src, p.AccountID))
			case HasCode(err, "DestinationParentNotFoundException"):
				return "", Advise(err, fmt.Sprintf("%s does not exist: it was deleted since the plan was made; re-plan", targetWords(dst)))
			case HasCode(err, "AccountNotFoundException"):
				return "", Advise(err, fmt.Sprintf("account %s left the organization: re-plan", p.AccountID))
			}
			return "", err
		},
		Verify: func(ctx context.Context, x *Exec, p plans.AccountMove) (Outputs, error) {
			_, dst, err := moveParents(x, p)
			if err != nil {
				return nil, err
			}
			parent, err := accountParent(ctx, x, p.AccountID)
			if err != nil {
				return nil, err
			}
			if parent != dst {
				return nil, NotYet(fmt.Errorf("account %s is in %s, not yet in %s", p.AccountID, parent, dst))
			}
			return nil, nil
		},
		// The account is in the destination already: a repeat after a crash, or someone moved it.
		Classify: DoneOn("DuplicateAccountException"),
	})
}

func moveParents(x *Exec, p plans.AccountMove) (src, dst string, err error) {
	if src, err = x.Resolve(p.SourceParentID); err != nil {
		return "", "", err
	}
	dst, err = x.Resolve(p.DestinationParentID)
	return src, dst, err
}

// accountParent is the root or OU an account (or OU) sits in.
func accountParent(ctx context.Context, x *Exec, child string) (string, error) {
	out, err := awsapi.Organizations(x.Management("")).ListParents(ctx, &organizations.ListParentsInput{ChildId: aws.String(child)})
	if err != nil {
		return "", err
	}
	if len(out.Parents) == 0 {
		return "", fmt.Errorf("Organizations lists no parent for %s", child)
	}
	return aws.ToString(out.Parents[0].Id), nil
}
