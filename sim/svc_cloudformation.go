package sim

import (
	"encoding/xml"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/lz2ct/lz2ct/inventory"
)

// CloudFormation: query protocol. Stacks live in the management account in their region;
// StackSets and their instances in the ALZ home region.
// https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/Welcome.html
func init() {
	registerService(&service{
		name: "cloudformation", version: "2010-05-15", protocol: protoQuery, xmlns: "http://cloudformation.amazonaws.com/doc/2010-05-15/",
		throttle: apiError{Status: 400, Code: "Throttling", Message: "Rate exceeded"},
		denied:   apiError{Status: 403, Code: "AccessDenied"}, badToken: "ValidationError", validation: "ValidationError",
		ops: map[string]handler{
			"DescribeStacks":            cfnDescribeStacks,
			"ListStackSets":             cfnListStackSets,
			"DescribeStackSet":          cfnDescribeStackSet,
			"ListStackInstances":        cfnListStackInstances,
			"DescribeStackSetOperation": cfnDescribeStackSetOperation,
		},
	})
}

type cfnOutput struct {
	Key   string `xml:"OutputKey"`
	Value string `xml:"OutputValue"`
}

type cfnStack struct {
	StackID                     string      `xml:"StackId"`
	StackName                   string      `xml:"StackName"`
	Description                 string      `xml:"Description,omitempty"`
	CreationTime                string      `xml:"CreationTime"`
	StackStatus                 string      `xml:"StackStatus"`
	EnableTerminationProtection bool        `xml:"EnableTerminationProtection"`
	Outputs                     []cfnOutput `xml:"Outputs>member,omitempty"`
}

type cfnDescribeStacksResult struct {
	XMLName   xml.Name   `xml:"DescribeStacksResult"`
	Stacks    []cfnStack `xml:"Stacks>member"`
	NextToken string     `xml:"NextToken,omitempty"`
}

// DescribeStacks pages at 100 stacks (it has no page-size parameter).
// https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStacks.html
const cfnStackPage = 100

func (c *call) createdAt() string {
	return c.st.snap.CapturedAt.UTC().Add(-24 * time.Hour).Format(time.RFC3339)
}

func cfnDescribeStacks(c *call) (any, error) {
	var stacks []*inventory.Stack
	if c.isManagement() {
		stacks = c.st.stacks[c.region]
	}
	if name := c.param("StackName"); name != "" {
		var one []*inventory.Stack
		for _, s := range stacks { // a region holds a handful of ALZ stacks
			if s.Name == name || s.ID == name {
				one = append(one, s)
			}
		}
		if len(one) == 0 {
			return nil, errorf(400, "ValidationError", "Stack with id %s does not exist", name)
		}
		stacks = one
	}
	stacks, next, err := page(c, stacks, func(s *inventory.Stack) string { return s.Name }, c.param("NextToken"), 0, cfnStackPage, cfnStackPage, "")
	if err != nil {
		return nil, err
	}
	out := cfnDescribeStacksResult{Stacks: []cfnStack{}, NextToken: next}
	for _, s := range stacks {
		cs := cfnStack{StackID: s.ID, StackName: s.Name, Description: s.Description, CreationTime: c.createdAt(), StackStatus: s.Status, EnableTerminationProtection: s.TerminationProtection}
		keys := make([]string, 0, len(s.Outputs))
		for k := range s.Outputs {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			cs.Outputs = append(cs.Outputs, cfnOutput{k, s.Outputs[k]})
		}
		out.Stacks = append(out.Stacks, cs)
	}
	return out, nil
}

// stackSetsHere are the StackSets visible to the call: the management account's, in the ALZ home region.
func (c *call) stackSetsHere() []*inventory.StackSet {
	if !c.isManagement() || c.region != c.st.alzHome() {
		return nil
	}
	return c.st.stackSets
}

func (c *call) maxResults(name string) int {
	n, _ := strconv.Atoi(c.param(name))
	return n
}

type cfnStackSetSummary struct {
	StackSetName    string `xml:"StackSetName"`
	StackSetID      string `xml:"StackSetId"`
	Description     string `xml:"Description,omitempty"`
	Status          string `xml:"Status"`
	PermissionModel string `xml:"PermissionModel"`
}

type cfnListStackSetsResult struct {
	XMLName   xml.Name             `xml:"ListStackSetsResult"`
	Summaries []cfnStackSetSummary `xml:"Summaries>member"`
	NextToken string               `xml:"NextToken,omitempty"`
}

// ListStackSets: MaxResults 1-100, Status filter ACTIVE | DELETED.
// https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ListStackSets.html
func cfnListStackSets(c *call) (any, error) {
	status := c.param("Status")
	var sets []*inventory.StackSet
	for _, ss := range c.stackSetsHere() {
		if status == "" || ss.Status == status {
			sets = append(sets, ss)
		}
	}
	sets, next, err := page(c, sets, func(s *inventory.StackSet) string { return s.Name }, c.param("NextToken"), c.maxResults("MaxResults"), 100, 100, "maxResults")
	if err != nil {
		return nil, err
	}
	out := cfnListStackSetsResult{Summaries: []cfnStackSetSummary{}, NextToken: next}
	for _, ss := range sets {
		out.Summaries = append(out.Summaries, cfnStackSetSummary{ss.Name, ss.ID, ss.Description, ss.Status, "SELF_MANAGED"})
	}
	return out, nil
}

func (c *call) stackSet(name string) (*inventory.StackSet, error) {
	if name == "" {
		return nil, c.missing("stackSetName")
	}
	for _, ss := range c.stackSetsHere() {
		if ss.Name == name || ss.ID == name {
			return ss, nil
		}
	}
	return nil, errorf(404, "StackSetNotFoundException", "StackSet %s not found", name)
}

type cfnDescribeStackSetResult struct {
	XMLName  xml.Name `xml:"DescribeStackSetResult"`
	StackSet struct {
		StackSetName    string   `xml:"StackSetName"`
		StackSetID      string   `xml:"StackSetId"`
		Description     string   `xml:"Description,omitempty"`
		Status          string   `xml:"Status"`
		PermissionModel string   `xml:"PermissionModel"`
		Regions         []string `xml:"Regions>member"`
	} `xml:"StackSet"`
}

func cfnDescribeStackSet(c *call) (any, error) {
	ss, err := c.stackSet(c.param("StackSetName"))
	if err != nil {
		return nil, err
	}
	var out cfnDescribeStackSetResult
	out.StackSet.StackSetName, out.StackSet.StackSetID, out.StackSet.Description, out.StackSet.Status = ss.Name, ss.ID, ss.Description, ss.Status
	out.StackSet.PermissionModel = "SELF_MANAGED"
	seen := map[string]bool{}
	for _, in := range ss.Instances {
		if !seen[in.Region] {
			seen[in.Region] = true
			out.StackSet.Regions = append(out.StackSet.Regions, in.Region)
		}
	}
	sort.Strings(out.StackSet.Regions)
	return out, nil
}

type cfnInstanceSummary struct {
	StackSetID          string `xml:"StackSetId"`
	Region              string `xml:"Region"`
	Account             string `xml:"Account"`
	StackID             string `xml:"StackId"`
	Status              string `xml:"Status"`
	StackInstanceStatus struct {
		DetailedStatus string `xml:"DetailedStatus"`
	} `xml:"StackInstanceStatus"`
}

type cfnListStackInstancesResult struct {
	XMLName   xml.Name             `xml:"ListStackInstancesResult"`
	Summaries []cfnInstanceSummary `xml:"Summaries>member"`
	NextToken string               `xml:"NextToken,omitempty"`
}

// ListStackInstances: MaxResults 1-100; StackInstanceAccount and StackInstanceRegion narrow it.
// https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ListStackInstances.html
func cfnListStackInstances(c *call) (any, error) {
	ss, err := c.stackSet(c.param("StackSetName"))
	if err != nil {
		return nil, err
	}
	all := c.st.instances[ss.Name]
	acct, region := c.param("StackInstanceAccount"), c.param("StackInstanceRegion")
	if acct != "" || region != "" {
		var f []inventory.StackInstance
		for _, in := range all {
			if (acct == "" || in.AccountID == acct) && (region == "" || in.Region == region) {
				f = append(f, in)
			}
		}
		all = f
	}
	insts, next, err := page(c, all, instanceKey, c.param("NextToken"), c.maxResults("MaxResults"), 100, 100, "maxResults")
	if err != nil {
		return nil, err
	}
	out := cfnListStackInstancesResult{Summaries: []cfnInstanceSummary{}, NextToken: next}
	for _, in := range insts {
		s := cfnInstanceSummary{StackSetID: ss.ID, Region: in.Region, Account: in.AccountID, Status: in.Status,
			StackID: "arn:" + c.partition() + ":cloudformation:" + in.Region + ":" + in.AccountID + ":stack/StackSet-" + ss.Name + "-" + hexOf(ss.ID + in.AccountID + in.Region)[:8] + "/" + hexOf(ss.ID + in.AccountID + in.Region)[8:16]}
		s.StackInstanceStatus.DetailedStatus = "SUCCEEDED"
		if in.Status == "INOPERABLE" {
			s.StackInstanceStatus.DetailedStatus = "INOPERABLE"
		}
		out.Summaries = append(out.Summaries, s)
	}
	return out, nil
}

type cfnDescribeStackSetOperationResult struct {
	XMLName xml.Name `xml:"DescribeStackSetOperationResult"`
	Op      struct {
		OperationID       string `xml:"OperationId"`
		StackSetID        string `xml:"StackSetId"`
		Action            string `xml:"Action"`
		Status            string `xml:"Status"`
		StatusReason      string `xml:"StatusReason,omitempty"`
		CreationTimestamp string `xml:"CreationTimestamp"`
		EndTimestamp      string `xml:"EndTimestamp,omitempty"`
	} `xml:"StackSetOperation"`
}

// stackSetActions maps the operations that start a StackSet operation to its Action.
var stackSetActions = map[string]string{
	"CreateStackInstances": "CREATE", "DeleteStackInstances": "DELETE", "UpdateStackInstances": "UPDATE",
	"UpdateStackSet": "UPDATE", "DetectStackSetDrift": "DETECT_DRIFT",
}

// cfnDescribeStackSetOperation reports a StackSet operation (started by the StackSet mutations,
// whose asynchronous operation ID is the OperationId) as RUNNING, SUCCEEDED or FAILED.
// https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStackSetOperation.html
func cfnDescribeStackSetOperation(c *call) (any, error) {
	ss, err := c.stackSet(c.param("StackSetName"))
	if err != nil {
		return nil, err
	}
	id := c.param("OperationId")
	if id == "" {
		return nil, c.missing("operationId")
	}
	op := c.st.rt.op(id)
	if op == nil || op.Service != "cloudformation" || !strings.HasPrefix(op.Target, ss.Name) {
		return nil, errorf(404, "OperationNotFoundException", "Stack set operation %s not found.", id)
	}
	var out cfnDescribeStackSetOperationResult
	out.Op.OperationID, out.Op.StackSetID, out.Op.Action = op.ID, ss.ID, stackSetActions[op.Kind]
	out.Op.CreationTimestamp = op.Started.UTC().Format(time.RFC3339)
	switch op.State() {
	case OpRunning:
		out.Op.Status = "RUNNING"
	case OpSucceeded:
		out.Op.Status = "SUCCEEDED"
		out.Op.EndTimestamp = op.Ended.UTC().Format(time.RFC3339)
	case OpFailed:
		out.Op.Status = "FAILED"
		_, out.Op.StatusReason = op.Failure()
		out.Op.EndTimestamp = op.Ended.UTC().Format(time.RFC3339)
	}
	return out, nil
}
