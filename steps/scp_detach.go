package steps

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/organizations/types"

	"github.com/lz2ct/lz2ct/awsapi"
	"github.com/lz2ct/lz2ct/plans"
)

// scp.detach: detach an SCP from a root, OU or account. DetachPolicy has no idempotency token; the
// step is made safe to repeat by observing ListPoliciesForTarget first, and by treating
// PolicyNotAttachedException as done
// (https://docs.aws.amazon.com/organizations/latest/APIReference/API_DetachPolicy.html).
func init() {
	Register(Def[plans.SCPDetach]{
		Observe: func(ctx context.Context, x *Exec, p plans.SCPDetach) (Observation, error) {
			attached, err := scpAttached(ctx, x, p)
			if HasCode(err, "TargetNotFoundException") {
				return Observation{State: Done, Note: fmt.Sprintf("%s no longer exists, so nothing is attached to it", targetWords(p.TargetID))}, nil
			}
			if err != nil {
				return Observation{}, err
			}
			if !attached {
				return Observation{State: Done, Note: "not attached"}, nil
			}
			return Observation{State: NotDone, Change: fmt.Sprintf("detach SCP %s from %s", p.PolicyID, targetWords(p.TargetID))}, nil
		},
		Start: func(ctx context.Context, x *Exec, p plans.SCPDetach) (string, error) {
			_, err := awsapi.Organizations(x.Management("")).DetachPolicy(ctx, &organizations.DetachPolicyInput{
				PolicyId: aws.String(p.PolicyID), TargetId: aws.String(p.TargetID)})
			if HasCode(err, "ConstraintViolationException") {
				// Every root, OU and account keeps at least one SCP
				// (MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED): FullAWSAccess is normally the one.
				return "", Advise(err, fmt.Sprintf("attach FullAWSAccess (p-FullAWSAccess) to %s first, so it keeps an SCP, then run lz2ct resume", p.TargetID))
			}
			return "", err
		},
		Verify: func(ctx context.Context, x *Exec, p plans.SCPDetach) (Outputs, error) {
			attached, err := scpAttached(ctx, x, p)
			if HasCode(err, "TargetNotFoundException") {
				return nil, nil
			}
			if err != nil {
				return nil, err
			}
			if attached {
				// Organizations is eventually consistent: a detach may show after a moment.
				return nil, NotYet(fmt.Errorf("SCP %s is still attached to %s", p.PolicyID, p.TargetID))
			}
			return nil, nil
		},
		Classify: DoneOn("PolicyNotAttachedException", "PolicyNotFoundException", "TargetNotFoundException"),
	})
}

// scpAttached reports whether the policy is attached directly to the target.
func scpAttached(ctx context.Context, x *Exec, p plans.SCPDetach) (bool, error) {
	org := awsapi.Organizations(x.Management(""))
	pages := organizations.NewListPoliciesForTargetPaginator(org, &organizations.ListPoliciesForTargetInput{
		TargetId: aws.String(p.TargetID), Filter: types.PolicyTypeServiceControlPolicy})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return false, err
		}
		for _, s := range page.Policies {
			if aws.ToString(s.Id) == p.PolicyID {
				return true, nil
			}
		}
	}
	return false, nil
}

// targetWords names a root, OU or account for people.
func targetWords(id string) string {
	switch {
	case strings.HasPrefix(id, "r-"):
		return "root " + id
	case strings.HasPrefix(id, "ou-"):
		return "OU " + id
	}
	return "account " + id
}
