package steps

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"

	"github.com/lz2ct/lz2ct/awsapi"
	"github.com/lz2ct/lz2ct/plans"
)

// scp.attach: attach an SCP to an OU the plan creates, so the accounts moved into it stay under the
// policies of the OU they leave. AttachPolicy has no idempotency token; observing
// ListPoliciesForTarget first, and treating DuplicatePolicyAttachmentException as done, make it
// safe to repeat (https://docs.aws.amazon.com/organizations/latest/APIReference/API_AttachPolicy.html).
func init() {
	Register(Def[plans.SCPAttach]{
		Observe: func(ctx context.Context, x *Exec, p plans.SCPAttach) (Observation, error) {
			target, err := x.Resolve(p.TargetID)
			if err != nil {
				return Observation{}, err
			}
			attached, err := scpAttached(ctx, x, plans.SCPDetach{PolicyID: p.PolicyID, TargetID: target})
			if err != nil {
				return Observation{}, err
			}
			if attached {
				return Observation{State: Done, Note: "already attached"}, nil
			}
			return Observation{State: NotDone, Change: fmt.Sprintf("attach SCP %s to %s", p.PolicyID, targetWords(target))}, nil
		},
		Start: func(ctx context.Context, x *Exec, p plans.SCPAttach) (string, error) {
			target, err := x.Resolve(p.TargetID)
			if err != nil {
				return "", err
			}
			_, err = awsapi.Organizations(x.Management("")).AttachPolicy(ctx, &organizations.AttachPolicyInput{
				PolicyId: aws.String(p.PolicyID), TargetId: aws.String(target)})
			if HasCode(err, "ConstraintViolationException") {
				// At most 5 SCPs per root, OU or account (MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED,
				// https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html).
				return "", Advise(err, fmt.Sprintf("%s already carries 5 SCPs: merge two of them (the exports under exports/scp/ hold their documents), then run lz2ct resume", target))
			}
			return "", err
		},
		Verify: func(ctx context.Context, x *Exec, p plans.SCPAttach) (Outputs, error) {
			target, err := x.Resolve(p.TargetID)
			if err != nil {
				return nil, err
			}
			attached, err := scpAttached(ctx, x, plans.SCPDetach{PolicyID: p.PolicyID, TargetID: target})
			if err != nil {
				return nil, err
			}
			if !attached {
				// Organizations is eventually consistent: an attachment may show after a moment.
				return nil, NotYet(fmt.Errorf("SCP %s is not attached to %s yet", p.PolicyID, target))
			}
			return nil, nil
		},
		Classify: DoneOn("DuplicatePolicyAttachmentException"),
	})
}
