package steps

import (
	"context"

	"github.com/lz2ct/lz2ct/plans"
)

// config.stackset-instances.delete: remove ALZ's AWS Config recorder and delivery channel from a
// wave's accounts by deleting their AWS-Landing-Zone-Baseline-EnableConfig stack instances (the
// reference's method 1): the stacks take the recorder and channel with them. The same
// implementation as stackset-instances.delete (stackset_instances_delete.go); its guard — the ALZ
// SCPs are detached from these accounts — is the plan's dependencies, and no VPC is involved.
func init() {
	Register(Def[plans.ConfigStackSetInstancesDelete]{
		Claims: func(p plans.ConfigStackSetInstancesDelete) []Claim { return stackSetClaim(p.Region, p.StackSetName) },
		Token:  func(p plans.ConfigStackSetInstancesDelete) string { return p.OperationID },
		Observe: func(ctx context.Context, x *Exec, p plans.ConfigStackSetInstancesDelete) (Observation, error) {
			return observeDelete(ctx, x, p.StackSetInstancesDelete, false)
		},
		Start: func(ctx context.Context, x *Exec, p plans.ConfigStackSetInstancesDelete) (string, error) {
			return startDelete(ctx, x, p.StackSetInstancesDelete)
		},
		Poll: func(ctx context.Context, x *Exec, p plans.ConfigStackSetInstancesDelete, id string) (OpStatus, error) {
			return pollDelete(ctx, x, p.StackSetInstancesDelete, id)
		},
		PollEvery: stackSetPoll,
		Verify: func(ctx context.Context, x *Exec, p plans.ConfigStackSetInstancesDelete) (Outputs, error) {
			return verifyDelete(ctx, x, p.StackSetInstancesDelete)
		},
		Classify: deleteClass,
	})
}
