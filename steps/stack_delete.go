package steps

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	"github.com/lz2ct/lz2ct/awsapi"
	"github.com/lz2ct/lz2ct/plans"
)

// stack.delete: delete a CloudFormation stack (ALZ's leftover stacks, its initiation stack last).
// DeleteStack starts an asynchronous deletion (DELETE_IN_PROGRESS → DELETE_COMPLETE, or
// DELETE_FAILED with a reason); the step waits on it by the stack's ID, which DescribeStacks still
// answers once the stack is gone. Termination protection is turned off first only when the plan
// says so (ALZ's initiation stack); a VPC the stack made that something still uses keeps it.
// https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DeleteStack.html
// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-protect-stacks.html
func init() {
	Register(Def[plans.StackDelete]{
		Token: func(p plans.StackDelete) string {
			return derivedToken(plans.KindStackDelete, p.AccountID, p.Region, p.StackName)
		},
		Observe: func(ctx context.Context, x *Exec, p plans.StackDelete) (Observation, error) {
			cf, err := stackClient(ctx, x, p)
			if err != nil {
				return Observation{}, err
			}
			st, err := describeStack(ctx, cf, p.StackName)
			if err != nil || st == nil {
				return Observation{State: Done, Note: "the stack no longer exists"}, err
			}
			switch st.StackStatus {
			case cftypes.StackStatusDeleteComplete:
				return Observation{State: Done, Note: "DELETE_COMPLETE"}, nil
			case cftypes.StackStatusDeleteInProgress:
				return Observation{State: Running, OperationID: aws.ToString(st.StackId)}, nil
			}
			if aws.ToBool(st.EnableTerminationProtection) && !p.DisableTerminationProtection {
				return Observation{State: Unsafe, Note: fmt.Sprintf("stack %s has termination protection on and the plan does not turn it off: someone protected it after planning; check why, then turn it off (aws cloudformation update-termination-protection --no-enable-termination-protection) and run lz2ct resume", p.StackName)}, nil
			}
			uses, err := vpcsInUse(ctx, x, p.AccountID, p.Region, p.StackName)
			if err != nil {
				return Observation{}, fmt.Errorf("checking whether a VPC of stack %s is in use: %w", p.StackName, err)
			}
			if len(uses) > 0 {
				var parts []string
				for _, u := range uses {
					parts = append(parts, u.String())
				}
				return Observation{State: Unsafe, Note: fmt.Sprintf("stack %s is kept: workloads use its resources (%s); move them out, then run lz2ct resume", p.StackName, strings.Join(parts, "; "))}, nil
			}
			change := "delete stack " + p.StackName + " in " + p.Region
			if aws.ToBool(st.EnableTerminationProtection) {
				change = "turn termination protection off and " + change
			}
			if st.StackStatus == cftypes.StackStatusDeleteFailed {
				change += " again (the last deletion failed: " + aws.ToString(st.StackStatusReason) + ")"
			}
			return Observation{State: NotDone, Change: change}, nil
		},
		Start: func(ctx context.Context, x *Exec, p plans.StackDelete) (string, error) {
			cf, err := stackClient(ctx, x, p)
			if err != nil {
				return "", err
			}
			st, err := describeStack(ctx, cf, p.StackName)
			if err != nil || st == nil {
				return "", err
			}
			if aws.ToBool(st.EnableTerminationProtection) && p.DisableTerminationProtection {
				if _, err := cf.UpdateTerminationProtection(ctx, &cloudformation.UpdateTerminationProtectionInput{
					StackName: st.StackId, EnableTerminationProtection: aws.Bool(false)}); err != nil {
					return "", err
				}
			}
			if _, err := cf.DeleteStack(ctx, &cloudformation.DeleteStackInput{StackName: st.StackId, ClientRequestToken: aws.String(x.Token)}); err != nil {
				return "", err
			}
			return aws.ToString(st.StackId), nil
		},
		Poll: func(ctx context.Context, x *Exec, p plans.StackDelete, id string) (OpStatus, error) {
			cf, err := stackClient(ctx, x, p)
			if err != nil {
				return OpStatus{}, err
			}
			st, err := describeStack(ctx, cf, id)
			if err != nil {
				return OpStatus{}, err
			}
			if st == nil {
				return OpStatus{State: OpSucceeded}, nil
			}
			switch st.StackStatus {
			case cftypes.StackStatusDeleteComplete:
				return OpStatus{State: OpSucceeded}, nil
			case cftypes.StackStatusDeleteInProgress:
				return OpStatus{State: OpInProgress, Message: string(st.StackStatus)}, nil
			case cftypes.StackStatusDeleteFailed:
				return OpStatus{State: OpFailed, Message: fmt.Sprintf("stack %s DELETE_FAILED: %s (delete what blocks it by hand, then run lz2ct resume)", p.StackName, aws.ToString(st.StackStatusReason))}, nil
			}
			return OpStatus{State: OpFailed, Message: fmt.Sprintf("stack %s is %s, not being deleted", p.StackName, st.StackStatus)}, nil
		},
		PollEvery: Backoff{First: 15 * time.Second, Max: time.Minute},
		Verify: func(ctx context.Context, x *Exec, p plans.StackDelete) (Outputs, error) {
			cf, err := stackClient(ctx, x, p)
			if err != nil {
				return nil, err
			}
			st, err := describeStack(ctx, cf, p.StackName)
			if err != nil {
				return nil, err
			}
			if st != nil && st.StackStatus != cftypes.StackStatusDeleteComplete {
				return nil, NotYet(fmt.Errorf("stack %s is %s", p.StackName, st.StackStatus))
			}
			return nil, nil
		},
		Classify: func(err error) Class {
			if HasCode(err, "ValidationError") && strings.Contains(err.Error(), "TerminationProtection") {
				return Failed
			}
			return DefaultClass(err)
		},
	})
}

// stackClient is CloudFormation in the stack's account and region.
func stackClient(ctx context.Context, x *Exec, p plans.StackDelete) (*cloudformation.Client, error) {
	cfg, err := x.Account(ctx, p.AccountID, p.Region)
	if err != nil {
		return nil, err
	}
	return awsapi.CloudFormation(cfg), nil
}

// describeStack returns the stack by name or ID, nil when it "does not exist" (deleted stacks are
// found by ID only, as DELETE_COMPLETE).
func describeStack(ctx context.Context, cf *cloudformation.Client, name string) (*cftypes.Stack, error) {
	out, err := cf.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(name)})
	if HasCode(err, "ValidationError") && strings.Contains(err.Error(), "does not exist") {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if len(out.Stacks) == 0 {
		return nil, nil
	}
	return &out.Stacks[0], nil
}
