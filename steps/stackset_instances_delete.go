package steps

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	"github.com/lz2ct/lz2ct/plans"
)

// stackset-instances.delete (phase 6) and config.stackset-instances.delete (phase 3) share this
// implementation: DeleteStackInstances with the step's OperationId — CloudFormation's idempotency
// token for StackSet operations — one operation per StackSet at a time. Phase 6 also guards the
// deletion: instances whose stacks made a VPC that something still uses keep the StackSet, and
// the step says so (Unsafe), unless the stacks are retained.
// https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DeleteStackInstances.html
func init() {
	Register(Def[plans.StackSetInstancesDelete]{
		Claims: func(p plans.StackSetInstancesDelete) []Claim { return stackSetClaim(p.Region, p.StackSetName) },
		Token:  func(p plans.StackSetInstancesDelete) string { return p.OperationID },
		Observe: func(ctx context.Context, x *Exec, p plans.StackSetInstancesDelete) (Observation, error) {
			return observeDelete(ctx, x, p, true)
		},
		Start:     startDelete,
		Poll:      pollDelete,
		PollEvery: stackSetPoll,
		Verify:    verifyDelete,
		Classify:  deleteClass,
	})
}

// deleteClass: a StackSet that no longer exists has no instances left.
var deleteClass = DoneOn("StackSetNotFoundException", "StackInstanceNotFoundException")

// observeDelete finds the step's instances that remain. None → done. An operation in progress on
// the StackSet → wait on it (this step's, after a crash) or try later (another's). With guard,
// instances whose stacks created a VPC in use make the step unsafe.
func observeDelete(ctx context.Context, x *Exec, p plans.StackSetInstancesDelete, guard bool) (Observation, error) {
	cf := cfnIn(x, p.Region)
	left, err := stackInstances(ctx, cf, p.StackSetName, p.Accounts, p.Regions)
	if stackSetGone(err) {
		return Observation{State: Done, Note: "StackSet " + p.StackSetName + " no longer exists"}, nil
	}
	if err != nil {
		return Observation{}, err
	}
	op, err := runningOperation(ctx, cf, p.StackSetName)
	if err != nil {
		return Observation{}, err
	}
	if op != nil && (len(left) > 0 || ourOperation(aws.ToString(op.OperationId), p.OperationID)) {
		return observeOperation(op, p.OperationID, p.StackSetName)
	}
	if len(left) == 0 {
		return Observation{State: Done, Note: "no instance left in these accounts and regions"}, nil
	}
	if guard && !p.RetainStacks {
		uses, err := instancesInUse(ctx, x, cf, p.StackSetName, left)
		if err != nil {
			return Observation{}, err
		}
		if len(uses) > 0 {
			return Observation{State: Unsafe, Note: inUseNote(p.StackSetName, uses)}, nil
		}
	}
	accounts, regions := map[string]bool{}, map[string]bool{}
	for k := range left {
		a, r, _ := strings.Cut(k, "/")
		accounts[a], regions[r] = true, true
	}
	verb := "delete"
	if p.RetainStacks {
		verb = "detach (keeping their stacks)"
	}
	return Observation{State: NotDone, Change: fmt.Sprintf("%s %d stack instances of %s (accounts %s; regions %s) in one StackSet operation",
		verb, len(left), p.StackSetName, words(keys(accounts), 5), words(keys(regions), 5))}, nil
}

// instancesInUse is the phase-6 guard: when the StackSet's template creates a VPC, the VPC each
// remaining instance's stack made (tagged with the stack's name, StackSet-<name>-<id>) must hold no
// network interface.
func instancesInUse(ctx context.Context, x *Exec, cf *cloudformation.Client, name string, left map[string]cftypes.StackInstanceSummary) ([]vpcUse, error) {
	out, err := cf.DescribeStackSet(ctx, &cloudformation.DescribeStackSetInput{StackSetName: aws.String(name)})
	if err != nil {
		return nil, err
	}
	if out.StackSet == nil || !templateCreatesVPC(aws.ToString(out.StackSet.TemplateBody)) {
		return nil, nil
	}
	var uses []vpcUse
	for _, k := range sortedKeys(left) {
		in := left[k]
		u, err := vpcsInUse(ctx, x, aws.ToString(in.Account), aws.ToString(in.Region), "StackSet-"+name+"-*")
		if err != nil {
			return nil, fmt.Errorf("checking whether the VPC of %s's stack in %s is in use: %w", name, k, err)
		}
		uses = append(uses, u...)
	}
	return uses, nil
}

func inUseNote(name string, uses []vpcUse) string {
	var parts []string
	for i, u := range uses {
		if i == 3 {
			parts = append(parts, fmt.Sprintf("and %d more", len(uses)-3))
			break
		}
		parts = append(parts, u.String())
	}
	return fmt.Sprintf("StackSet %s is kept: workloads use its resources (%s). Move them out and run lz2ct resume, or keep the StackSet (decommission.keepStackSets, or --retain-stacks for these accounts) and re-create the plan",
		name, strings.Join(parts, "; "))
}

func startDelete(ctx context.Context, x *Exec, p plans.StackSetInstancesDelete) (string, error) {
	_, err := cfnIn(x, p.Region).DeleteStackInstances(ctx, &cloudformation.DeleteStackInstancesInput{
		StackSetName: aws.String(p.StackSetName), Accounts: p.Accounts, Regions: p.Regions,
		RetainStacks: aws.Bool(p.RetainStacks), OperationId: aws.String(x.Token), OperationPreferences: operationPreferences(p.Preferences)})
	return startStackSetOperation(x.Token, err)
}

func pollDelete(ctx context.Context, x *Exec, p plans.StackSetInstancesDelete, id string) (OpStatus, error) {
	return pollStackSetOperation(ctx, cfnIn(x, p.Region), p.StackSetName, id)
}

// verifyDelete: no instance of the step is left. An operation can succeed and leave some
// (SKIPPED_SUSPENDED_ACCOUNT: CloudFormation cannot reach a suspended account).
func verifyDelete(ctx context.Context, x *Exec, p plans.StackSetInstancesDelete) (Outputs, error) {
	left, err := stackInstances(ctx, cfnIn(x, p.Region), p.StackSetName, p.Accounts, p.Regions)
	if stackSetGone(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if len(left) == 0 {
		return nil, nil
	}
	var parts []string
	for _, k := range sortedKeys(left) {
		in := left[k]
		detail := ""
		if in.StackInstanceStatus != nil {
			detail = string(in.StackInstanceStatus.DetailedStatus)
		}
		if r := aws.ToString(in.StatusReason); r != "" {
			detail += ": " + r
		}
		parts = append(parts, k+" ("+detail+")")
	}
	return nil, Advise(fmt.Errorf("%d instances of %s are left: %s", len(left), p.StackSetName, words(parts, 5)),
		"instances of suspended or unreachable accounts cannot be deleted: delete them with RetainStacks (aws cloudformation delete-stack-instances --retain-stacks), then run lz2ct resume")
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
