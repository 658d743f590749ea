package steps

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/lz2ct/lz2ct/awsapi"
	"github.com/lz2ct/lz2ct/plans"
)

// What the CloudFormation kinds share: StackSet operations (one at a time per StackSet, the
// OperationId their idempotency token), stack instances, and the "resources in use" guard.

// stackSetPoll is how often a StackSet operation is read: operations take minutes.
var stackSetPoll = Backoff{First: 10 * time.Second, Max: time.Minute}

func cfnIn(x *Exec, region string) *cloudformation.Client {
	return awsapi.CloudFormation(x.Management(region))
}

// stackSetClaim: one operation per StackSet at a time
// (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStackInstances.html,
// OperationInProgressException).
func stackSetClaim(region, name string) []Claim {
	return []Claim{{Kind: StackSet, Key: region + "/" + name}}
}

// derivedToken is an idempotency token for calls whose params carry none (CreateStackSet's and
// DeleteStack's ClientRequestToken): stable for the same target, within CloudFormation's pattern
// [a-zA-Z0-9][-a-zA-Z0-9]* of at most 128 characters.
func derivedToken(parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return "lz2ct-" + hex.EncodeToString(sum[:12])
}

// operationPreferences turns the plan's preferences into the API's; zero fields are left to
// CloudFormation's defaults.
// https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_StackSetOperationPreferences.html
func operationPreferences(p plans.StackSetPreferences) *cftypes.StackSetOperationPreferences {
	out := &cftypes.StackSetOperationPreferences{
		RegionConcurrencyType: cftypes.RegionConcurrencyType(p.RegionConcurrencyType),
		ConcurrencyMode:       cftypes.ConcurrencyMode(p.ConcurrencyMode),
		FailureToleranceCount: aws.Int32(int32(p.FailureToleranceCount)),
	}
	if p.MaxConcurrentCount > 0 {
		out.MaxConcurrentCount = aws.Int32(int32(p.MaxConcurrentCount))
	}
	return out
}

// instanceKey names a stack instance.
func instanceKey(account, region string) string { return account + "/" + region }

// stackInstances returns the StackSet's instances in accounts × regions, by instanceKey, asking
// per account (StackInstanceAccount) or paging through the whole StackSet, whichever takes fewer
// calls: ALZ's baseline StackSets hold an instance per account and region, tens of thousands in a
// large organization, and a Config wave is one OU's accounts.
// https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ListStackInstances.html
func stackInstances(ctx context.Context, cf *cloudformation.Client, name string, accounts, regions []string) (map[string]cftypes.StackInstanceSummary, error) {
	wantAcct, wantRegion := set(accounts), set(regions)
	out := map[string]cftypes.StackInstanceSummary{}
	// list pages through in's instances, at most limit pages when limit > 0: complete is false
	// when more remain.
	list := func(in *cloudformation.ListStackInstancesInput, limit int) (complete bool, err error) {
		in.StackSetName, in.MaxResults = aws.String(name), aws.Int32(plans.InstancesPerPage)
		pages := cloudformation.NewListStackInstancesPaginator(cf, in)
		for read := 0; pages.HasMorePages(); read++ {
			if limit > 0 && read == limit {
				return false, nil
			}
			page, err := pages.NextPage(ctx)
			if err != nil {
				return false, err
			}
			for _, s := range page.Summaries {
				a, r := aws.ToString(s.Account), aws.ToString(s.Region)
				if wantAcct[a] && wantRegion[r] {
					out[instanceKey(a, r)] = s
				}
			}
		}
		return true, nil
	}
	// The whole StackSet while that takes fewer calls than the accounts, else account by account
	// (plans.WholeStackSetPages: the estimate counts the calls the same way).
	if limit := plans.WholeStackSetPages(len(accounts)); limit > 0 {
		complete, err := list(&cloudformation.ListStackInstancesInput{}, limit)
		if err != nil || complete {
			return out, err
		}
		clear(out) // a part of the set: the accounts' reads below find all of theirs
	}
	for _, a := range accounts {
		if _, err := list(&cloudformation.ListStackInstancesInput{StackInstanceAccount: aws.String(a)}, 0); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func set(l []string) map[string]bool {
	m := make(map[string]bool, len(l))
	for _, s := range l {
		m[s] = true
	}
	return m
}

// runningOperation is the StackSet's operation in progress (RUNNING, QUEUED or STOPPING), or nil.
// ListStackSetOperations is eventually consistent; the operation's own ID, when known, is read with
// DescribeStackSetOperation instead.
// https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ListStackSetOperations.html
func runningOperation(ctx context.Context, cf *cloudformation.Client, name string) (*cftypes.StackSetOperationSummary, error) {
	pages := cloudformation.NewListStackSetOperationsPaginator(cf, &cloudformation.ListStackSetOperationsInput{StackSetName: aws.String(name)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for i, s := range page.Summaries {
			switch s.Status {
			case cftypes.StackSetOperationStatusRunning, cftypes.StackSetOperationStatusQueued, cftypes.StackSetOperationStatusStopping:
				return &page.Summaries[i], nil
			}
		}
	}
	return nil, nil
}

// ourOperation reports whether an operation ID is this step's: the plan's OperationId or one the
// engine derived from it for a later attempt (<id>-2, ...).
func ourOperation(id, planned string) bool {
	return id == planned || strings.HasPrefix(id, planned+"-")
}

// observeOperation says what a running operation means for a step: its own is waited on (Running);
// someone else's holds the StackSet, so the step tries again later.
func observeOperation(op *cftypes.StackSetOperationSummary, planned, name string) (Observation, error) {
	id := aws.ToString(op.OperationId)
	if ourOperation(id, planned) {
		return Observation{State: Running, OperationID: id}, nil
	}
	return Observation{}, NotYet(fmt.Errorf("another operation (%s, %s %s) runs on StackSet %s: one operation per StackSet at a time", id, op.Action, op.Status, name))
}

// pollStackSetOperation reads a StackSet operation once. A failed one reports CloudFormation's
// reason and those of the instances that failed in it.
// https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStackSetOperation.html
func pollStackSetOperation(ctx context.Context, cf *cloudformation.Client, name, id string) (OpStatus, error) {
	out, err := cf.DescribeStackSetOperation(ctx, &cloudformation.DescribeStackSetOperationInput{StackSetName: aws.String(name), OperationId: aws.String(id)})
	if err != nil {
		return OpStatus{}, err
	}
	op := out.StackSetOperation
	switch op.Status {
	case cftypes.StackSetOperationStatusSucceeded:
		return OpStatus{State: OpSucceeded}, nil
	case cftypes.StackSetOperationStatusFailed, cftypes.StackSetOperationStatusStopped:
		msg := fmt.Sprintf("StackSet %s operation %s %s", name, id, op.Status)
		if r := aws.ToString(op.StatusReason); r != "" {
			msg += ": " + r
		}
		if reasons := failedInstances(ctx, cf, name, id); reasons != "" {
			msg += "; " + reasons
		}
		return OpStatus{State: OpFailed, Message: msg}, nil
	}
	return OpStatus{State: OpInProgress, Message: string(op.Status)}, nil
}

// failedInstances names the instances the operation failed in, with their reasons (at most five).
func failedInstances(ctx context.Context, cf *cloudformation.Client, name, id string) string {
	out, err := cf.ListStackInstances(ctx, &cloudformation.ListStackInstancesInput{StackSetName: aws.String(name), Filters: []cftypes.StackInstanceFilter{
		{Name: cftypes.StackInstanceFilterNameLastOperationId, Values: aws.String(id)},
		{Name: cftypes.StackInstanceFilterNameDetailedStatus, Values: aws.String(string(cftypes.StackInstanceDetailedStatusFailed))}}})
	if err != nil || len(out.Summaries) == 0 {
		return ""
	}
	var parts []string
	for i, s := range out.Summaries {
		if i == 5 {
			parts = append(parts, fmt.Sprintf("and %d more", len(out.Summaries)-5))
			break
		}
		parts = append(parts, fmt.Sprintf("%s/%s: %s", aws.ToString(s.Account), aws.ToString(s.Region), aws.ToString(s.StatusReason)))
	}
	return "failed in " + strings.Join(parts, "; ")
}

// startStackSetOperation handles what Create/DeleteStackInstances answer alike: the OperationId of
// an operation that already exists (started before a crash, or a repeat) is re-attached to.
func startStackSetOperation(id string, err error) (string, error) {
	if HasCode(err, "OperationIdAlreadyExistsException") {
		return id, nil
	}
	if err != nil {
		return "", err
	}
	return id, nil
}

// words lists a few items for people ("a, b, c and 4 more").
func words(items []string, max int) string {
	s := append([]string(nil), items...)
	sort.Strings(s)
	if len(s) <= max {
		return strings.Join(s, ", ")
	}
	return strings.Join(s[:max], ", ") + fmt.Sprintf(" and %d more", len(s)-max)
}

// vpcUse is a VPC a stack created that something still uses: its network interfaces.
type vpcUse struct {
	Account, Region, VPC string
	Interfaces           []string // "eni-… (type, description)"
}

func (u vpcUse) String() string {
	return fmt.Sprintf("%s in %s/%s has %d network interface(s): %s", u.VPC, u.Account, u.Region, len(u.Interfaces), words(u.Interfaces, 3))
}

// vpcsInUse is the guard of every deletion of CloudFormation-made infrastructure: a VPC the stack
// created (tag aws:cloudformation:stack-name, which CloudFormation puts on what it creates; a
// pattern like StackSet-<name>-* for a StackSet's stacks) with network interfaces in it is in use —
// an instance, a NAT gateway, a Lambda function, an endpoint — and deleting the stack would fail
// on it or cut workloads off.
// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-resource-tags.html
// https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeNetworkInterfaces.html
func vpcsInUse(ctx context.Context, x *Exec, account, region, stackPattern string) ([]vpcUse, error) {
	cfg, err := x.Account(ctx, account, region)
	if err != nil {
		return nil, err
	}
	cli := awsapi.EC2(cfg)
	var vpcs []string
	pages := ec2.NewDescribeVpcsPaginator(cli, &ec2.DescribeVpcsInput{Filters: []ec2types.Filter{
		{Name: aws.String("tag:aws:cloudformation:stack-name"), Values: []string{stackPattern}}}})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, v := range page.Vpcs {
			vpcs = append(vpcs, aws.ToString(v.VpcId))
		}
	}
	if len(vpcs) == 0 {
		return nil, nil
	}
	byVPC := map[string][]string{}
	enis := ec2.NewDescribeNetworkInterfacesPaginator(cli, &ec2.DescribeNetworkInterfacesInput{Filters: []ec2types.Filter{
		{Name: aws.String("vpc-id"), Values: vpcs}}})
	for enis.HasMorePages() {
		page, err := enis.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, n := range page.NetworkInterfaces {
			v := aws.ToString(n.VpcId)
			byVPC[v] = append(byVPC[v], fmt.Sprintf("%s (%s, %s)", aws.ToString(n.NetworkInterfaceId), n.InterfaceType, aws.ToString(n.Description)))
		}
	}
	var out []vpcUse
	for _, v := range vpcs {
		if len(byVPC[v]) > 0 {
			out = append(out, vpcUse{Account: account, Region: region, VPC: v, Interfaces: byVPC[v]})
		}
	}
	return out, nil
}

// vpcType matches the resource type AWS::EC2::VPC as a JSON or YAML template spells it (and not
// AWS::EC2::VPCGatewayAttachment and the like).
var vpcType = regexp.MustCompile(`AWS::EC2::VPC(["'\s]|$)`)

// templateCreatesVPC reports whether a template declares a VPC.
func templateCreatesVPC(body string) bool { return vpcType.MatchString(body) }

// stackSetGone reports a StackSet that does not exist (never created, or deleted).
func stackSetGone(err error) bool { return HasCode(err, "StackSetNotFoundException") }
