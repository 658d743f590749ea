package steps

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	"github.com/lz2ct/lz2ct/plans"
)

// stackset-instances.create: deploy a StackSet to accounts × regions in one StackSet operation
// (the plan's AWSControlTowerExecution StackSet, wave by wave). The OperationId is the idempotency
// token; an instance counts as done when it is CURRENT. A new operation retries the instances left
// OUTDATED by a failed one
// (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStackInstances.html).
func init() {
	Register(Def[plans.StackSetInstancesCreate]{
		Claims: func(p plans.StackSetInstancesCreate) []Claim { return stackSetClaim(p.Region, p.StackSetName) },
		Token:  func(p plans.StackSetInstancesCreate) string { return p.OperationID },
		Observe: func(ctx context.Context, x *Exec, p plans.StackSetInstancesCreate) (Observation, error) {
			if len(p.OUIDs) > 0 {
				// The planner makes self-managed StackSets, deployed to accounts.
				return Observation{}, Advise(fmt.Errorf("step %s deploys to OUs %s: lz2ct deploys self-managed StackSets to accounts only", x.Step.ID, words(p.OUIDs, 3)),
					"re-create the plan with this lz2ct (lz2ct plan)")
			}
			cf := cfnIn(x, p.Region)
			have, err := stackInstances(ctx, cf, p.StackSetName, p.Accounts, p.Regions)
			if stackSetGone(err) {
				// The plan's stackset.create comes first (a dry run sees it missing still); if it
				// does not exist when Start runs, Start fails saying so.
				return Observation{State: NotDone, Change: fmt.Sprintf("create %d stack instances of %s (accounts %s; regions %s) once the StackSet exists",
					len(p.Accounts)*len(p.Regions), p.StackSetName, words(p.Accounts, 5), words(p.Regions, 5))}, nil
			}
			if err != nil {
				return Observation{}, err
			}
			missing, outdated := instancesToCreate(p, have)
			op, err := runningOperation(ctx, cf, p.StackSetName)
			if err != nil {
				return Observation{}, err
			}
			if op != nil && (len(missing)+len(outdated) > 0 || ourOperation(aws.ToString(op.OperationId), p.OperationID)) {
				return observeOperation(op, p.OperationID, p.StackSetName)
			}
			if len(missing)+len(outdated) == 0 {
				return Observation{State: Done, Note: fmt.Sprintf("%d instances CURRENT", len(have))}, nil
			}
			change := fmt.Sprintf("create %d stack instances of %s (accounts %s; regions %s) in one StackSet operation",
				len(missing), p.StackSetName, words(p.Accounts, 5), words(p.Regions, 5))
			if len(outdated) > 0 {
				change += fmt.Sprintf(", retrying %d OUTDATED (%s)", len(outdated), words(outdated, 3))
			}
			return Observation{State: NotDone, Change: change}, nil
		},
		Start: func(ctx context.Context, x *Exec, p plans.StackSetInstancesCreate) (string, error) {
			_, err := cfnIn(x, p.Region).CreateStackInstances(ctx, &cloudformation.CreateStackInstancesInput{StackSetName: aws.String(p.StackSetName),
				Accounts: p.Accounts, Regions: p.Regions, OperationId: aws.String(x.Token), OperationPreferences: operationPreferences(p.Preferences)})
			return startStackSetOperation(x.Token, advisedGone(err, p.StackSetName))
		},
		Poll: func(ctx context.Context, x *Exec, p plans.StackSetInstancesCreate, id string) (OpStatus, error) {
			return pollStackSetOperation(ctx, cfnIn(x, p.Region), p.StackSetName, id)
		},
		PollEvery: stackSetPoll,
		Verify: func(ctx context.Context, x *Exec, p plans.StackSetInstancesCreate) (Outputs, error) {
			have, err := stackInstances(ctx, cfnIn(x, p.Region), p.StackSetName, p.Accounts, p.Regions)
			if err != nil {
				return nil, err
			}
			missing, outdated := instancesToCreate(p, have)
			if len(missing)+len(outdated) == 0 {
				return nil, nil
			}
			var parts []string
			for _, k := range outdated {
				parts = append(parts, k+": "+aws.ToString(have[k].StatusReason))
			}
			return nil, fmt.Errorf("%d instances of %s are not CURRENT (missing %s; outdated %s)", len(missing)+len(outdated), p.StackSetName,
				words(missing, 5), words(parts, 5))
		},
	})
}

// instancesToCreate splits the step's accounts × regions into instances that do not exist and
// instances that are not CURRENT (a failed or cancelled earlier operation).
func instancesToCreate(p plans.StackSetInstancesCreate, have map[string]cftypes.StackInstanceSummary) (missing, outdated []string) {
	for _, a := range p.Accounts {
		for _, r := range p.Regions {
			k := instanceKey(a, r)
			in, ok := have[k]
			switch {
			case !ok:
				missing = append(missing, k)
			case ok && in.Status != cftypes.StackInstanceStatusCurrent:
				outdated = append(outdated, k)
			}
		}
	}
	return missing, outdated
}

// advisedGone says what to do when the StackSet to deploy does not exist.
func advisedGone(err error, name string) error {
	if stackSetGone(err) {
		return Advise(err, "StackSet "+name+" does not exist: the plan's stackset.create step creates it; run lz2ct resume so it runs first")
	}
	return err
}
