package sim

import (
	"encoding/xml"
	"fmt"
	"sort"
	"strconv"
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
			"ListStackSetOperations":    cfnListStackSetOperations,
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
	StackStatusReason           string      `xml:"StackStatusReason,omitempty"`
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

// DescribeStacks: the management account's stacks in the call's region (deletions in progress
// or failed show DELETE_IN_PROGRESS / DELETE_FAILED); with StackName one stack by name or ID — a
// deleted stack only by ID (DELETE_COMPLETE), by name it "does not exist".
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
		if gone, ok := c.st.rt.cfn.gone[name]; ok && len(one) == 0 && c.isManagement() && gone.Region == c.region {
			one = append(one, &gone)
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
		status, reason := c.stackStatus(s)
		cs := cfnStack{StackID: s.ID, StackName: s.Name, Description: s.Description, CreationTime: c.createdAt(), StackStatus: status,
			StackStatusReason: reason, EnableTerminationProtection: s.TerminationProtection}
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

// stackSetsHere are the StackSets visible to the call, sorted by name then ID: the management
// account's — the snapshot's ALZ StackSets in the ALZ home region, and those created through the
// API (svc_cloudformation_mut.go) in the call's region.
func (c *call) stackSetsHere() []*inventory.StackSet {
	if !c.isManagement() {
		return nil
	}
	var snap []*inventory.StackSet
	if c.region == c.st.alzHome() {
		snap = c.st.stackSets
	}
	created := c.st.rt.cfn.created[c.region]
	if len(created) == 0 {
		return snap
	}
	out := append(append(make([]*inventory.StackSet, 0, len(snap)+len(created)), snap...), created...)
	sort.Slice(out, func(i, j int) bool { return stackSetKey(out[i]) < stackSetKey(out[j]) })
	return out
}

func stackSetKey(s *inventory.StackSet) string { return s.Name + "\x00" + s.ID }

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

// ListStackSets: MaxResults 1-100, Status filter ACTIVE | DELETED (none = both).
// https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ListStackSets.html
func cfnListStackSets(c *call) (any, error) {
	status := c.param("Status")
	var sets []*inventory.StackSet
	for _, ss := range c.stackSetsHere() {
		if status == "" || ss.Status == status {
			sets = append(sets, ss)
		}
	}
	sets, next, err := page(c, sets, stackSetKey, c.param("NextToken"), c.maxResults("MaxResults"), 100, 100, "maxResults")
	if err != nil {
		return nil, err
	}
	out := cfnListStackSetsResult{Summaries: []cfnStackSetSummary{}, NextToken: next}
	for _, ss := range sets {
		out.Summaries = append(out.Summaries, cfnStackSetSummary{ss.Name, ss.ID, ss.Description, ss.Status, "SELF_MANAGED"})
	}
	return out, nil
}

// stackSet finds a StackSet by name (an ACTIVE one: a deleted StackSet's name may be taken again)
// or by ID (name:uuid, deleted ones included).
func (c *call) stackSet(name string) (*inventory.StackSet, error) {
	if name == "" {
		return nil, c.missing("stackSetName")
	}
	for _, ss := range c.stackSetsHere() {
		if (ss.Name == name && ss.Status != "DELETED") || ss.ID == name {
			return ss, nil
		}
	}
	return nil, errorf(404, "StackSetNotFoundException", "StackSet %s not found", name)
}

type cfnDescribeStackSetResult struct {
	XMLName  xml.Name `xml:"DescribeStackSetResult"`
	StackSet struct {
		StackSetName          string         `xml:"StackSetName"`
		StackSetID            string         `xml:"StackSetId"`
		Description           string         `xml:"Description,omitempty"`
		Status                string         `xml:"Status"`
		TemplateBody          string         `xml:"TemplateBody"`
		Parameters            []cfnParameter `xml:"Parameters>member"`
		Capabilities          []string       `xml:"Capabilities>member"`
		StackSetARN           string         `xml:"StackSetARN"`
		AdministrationRoleARN string         `xml:"AdministrationRoleARN"`
		ExecutionRoleName     string         `xml:"ExecutionRoleName"`
		PermissionModel       string         `xml:"PermissionModel"`
		Regions               []string       `xml:"Regions>member"`
	} `xml:"StackSet"`
}

// DescribeStackSet: the StackSet with its template, parameters, capabilities and roles (for ALZ's
// StackSets the stand-in template of svc_cloudformation_mut.go), and the regions of its instances.
// https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStackSet.html
func cfnDescribeStackSet(c *call) (any, error) {
	ss, err := c.stackSet(c.param("StackSetName"))
	if err != nil {
		return nil, err
	}
	def := c.def(ss)
	var out cfnDescribeStackSetResult
	o := &out.StackSet
	o.StackSetName, o.StackSetID, o.Description, o.Status = ss.Name, ss.ID, ss.Description, ss.Status
	o.TemplateBody, o.Parameters, o.Capabilities = def.TemplateBody, def.Parameters, def.Capabilities
	o.StackSetARN, o.AdministrationRoleARN, o.ExecutionRoleName, o.PermissionModel = c.setARN(ss), def.AdministrationRoleARN, def.ExecutionRoleName, def.PermissionModel
	seen := map[string]bool{}
	for _, in := range c.instancesOf(ss) {
		if !seen[in.Region] {
			seen[in.Region] = true
			o.Regions = append(o.Regions, in.Region)
		}
	}
	sort.Strings(o.Regions)
	return out, nil
}

type cfnInstanceSummary struct {
	StackSetID          string `xml:"StackSetId"`
	Region              string `xml:"Region"`
	Account             string `xml:"Account"`
	StackID             string `xml:"StackId"`
	Status              string `xml:"Status"`
	StatusReason        string `xml:"StatusReason,omitempty"`
	StackInstanceStatus struct {
		DetailedStatus string `xml:"DetailedStatus"`
	} `xml:"StackInstanceStatus"`
	DriftStatus     string `xml:"DriftStatus"`
	LastOperationID string `xml:"LastOperationId,omitempty"`
}

type cfnListStackInstancesResult struct {
	XMLName   xml.Name             `xml:"ListStackInstancesResult"`
	Summaries []cfnInstanceSummary `xml:"Summaries>member"`
	NextToken string               `xml:"NextToken,omitempty"`
}

// ListStackInstances: MaxResults 1-100; StackInstanceAccount, StackInstanceRegion and the Filters
// DETAILED_STATUS, LAST_OPERATION_ID and DRIFT_STATUS (always NOT_CHECKED here) narrow it.
// https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ListStackInstances.html
func cfnListStackInstances(c *call) (any, error) {
	ss, err := c.stackSet(c.param("StackSetName"))
	if err != nil {
		return nil, err
	}
	filters := map[string]string{}
	for i := 1; ; i++ {
		name := c.param(fmt.Sprintf("Filters.member.%d.Name", i))
		if name == "" {
			break
		}
		if name != "DETAILED_STATUS" && name != "LAST_OPERATION_ID" && name != "DRIFT_STATUS" {
			return nil, errorf(400, "ValidationError", "1 validation error detected: Value '%s' at 'filters.%d.member.name' failed to satisfy constraint: Member must satisfy enum value set: [DETAILED_STATUS, LAST_OPERATION_ID, DRIFT_STATUS]", name, i)
		}
		filters[name] = c.param(fmt.Sprintf("Filters.member.%d.Values", i))
	}
	all := c.instancesOf(ss)
	acct, region := c.param("StackInstanceAccount"), c.param("StackInstanceRegion")
	if acct != "" {
		// Instances are sorted by account, then region: the account's are one run.
		lo := sort.Search(len(all), func(i int) bool { return all[i].AccountID >= acct })
		hi := sort.Search(len(all), func(i int) bool { return all[i].AccountID > acct })
		all = all[lo:hi]
	}
	var rows []instRow
	if len(filters) == 0 && region == "" {
		// Only the page is looked at: a StackSet may hold an instance per account and region of a
		// large organization, paged 100 at a time.
		insts, next, err := page(c, all, instanceKey, c.param("NextToken"), c.maxResults("MaxResults"), 100, 100, "maxResults")
		if err != nil {
			return nil, err
		}
		for _, in := range insts {
			rows = append(rows, c.instRowOf(ss, in))
		}
		return c.instanceSummaries(ss, rows, next), nil
	}
	for _, in := range all {
		if region != "" && in.Region != region {
			continue
		}
		r := c.instRowOf(ss, in)
		if f, ok := filters["DETAILED_STATUS"]; ok && f != r.detailed {
			continue
		}
		if f, ok := filters["LAST_OPERATION_ID"]; ok && f != r.lastOp {
			continue
		}
		if f, ok := filters["DRIFT_STATUS"]; ok && f != "NOT_CHECKED" {
			continue
		}
		rows = append(rows, r)
	}
	rows, next, err := page(c, rows, func(r instRow) string { return instanceKey(r.in) }, c.param("NextToken"), c.maxResults("MaxResults"), 100, 100, "maxResults")
	if err != nil {
		return nil, err
	}
	return c.instanceSummaries(ss, rows, next), nil
}

// instRow is an instance as ListStackInstances shows it.
type instRow struct {
	in                       inventory.StackInstance
	detailed, reason, lastOp string
}

func (c *call) instRowOf(ss *inventory.StackSet, in inventory.StackInstance) instRow {
	r := instRow{in: in}
	r.detailed, r.reason, r.lastOp = c.instanceView(ss, in)
	return r
}

func (c *call) instanceSummaries(ss *inventory.StackSet, rows []instRow, next string) cfnListStackInstancesResult {
	out := cfnListStackInstancesResult{Summaries: []cfnInstanceSummary{}, NextToken: next}
	for _, r := range rows {
		in := r.in
		h := hexOf(ss.ID + in.AccountID + in.Region)
		s := cfnInstanceSummary{StackSetID: ss.ID, Region: in.Region, Account: in.AccountID, Status: in.Status, StatusReason: r.reason,
			StackID:     "arn:" + c.partition() + ":cloudformation:" + in.Region + ":" + in.AccountID + ":stack/StackSet-" + ss.Name + "-" + h[:8] + "/" + h[8:16],
			DriftStatus: "NOT_CHECKED", LastOperationID: r.lastOp}
		s.StackInstanceStatus.DetailedStatus = r.detailed
		out.Summaries = append(out.Summaries, s)
	}
	return out
}

type cfnOpPrefsXML struct {
	RegionConcurrencyType      string   `xml:"RegionConcurrencyType,omitempty"`
	RegionOrder                []string `xml:"RegionOrder>member,omitempty"`
	FailureToleranceCount      *int     `xml:"FailureToleranceCount,omitempty"`
	FailureTolerancePercentage *int     `xml:"FailureTolerancePercentage,omitempty"`
	MaxConcurrentCount         *int     `xml:"MaxConcurrentCount,omitempty"`
	MaxConcurrentPercentage    *int     `xml:"MaxConcurrentPercentage,omitempty"`
	ConcurrencyMode            string   `xml:"ConcurrencyMode,omitempty"`
}

type cfnOperationXML struct {
	OperationID           string         `xml:"OperationId"`
	StackSetID            string         `xml:"StackSetId,omitempty"`
	Action                string         `xml:"Action"`
	Status                string         `xml:"Status"`
	OperationPreferences  *cfnOpPrefsXML `xml:"OperationPreferences"`
	RetainStacks          *bool          `xml:"RetainStacks,omitempty"`
	AdministrationRoleARN string         `xml:"AdministrationRoleARN,omitempty"`
	ExecutionRoleName     string         `xml:"ExecutionRoleName,omitempty"`
	CreationTimestamp     string         `xml:"CreationTimestamp"`
	EndTimestamp          string         `xml:"EndTimestamp,omitempty"`
	StatusReason          string         `xml:"StatusReason,omitempty"`
	StatusDetails         *struct {
		FailedStackInstancesCount int `xml:"FailedStackInstancesCount"`
	} `xml:"StatusDetails"`
}

type cfnDescribeStackSetOperationResult struct {
	XMLName xml.Name        `xml:"DescribeStackSetOperationResult"`
	Op      cfnOperationXML `xml:"StackSetOperation"`
}

// operationXML shows a StackSet operation: RUNNING until its simulated time is up, then SUCCEEDED
// or FAILED (with the reason and the count of failed instances).
func (c *call) operationXML(so *setOp, detail bool) cfnOperationXML {
	op := so.op
	o := cfnOperationXML{OperationID: op.ID, Action: so.action, CreationTimestamp: op.Started.UTC().Format(time.RFC3339)}
	p := so.prefs
	o.OperationPreferences = &cfnOpPrefsXML{p.RegionConcurrencyType, p.RegionOrder, p.FailureToleranceCount, p.FailureTolerancePercentage,
		p.MaxConcurrentCount, p.MaxConcurrentPercentage, p.ConcurrencyMode}
	switch op.State() {
	case OpRunning:
		o.Status = "RUNNING"
	case OpSucceeded:
		o.Status = "SUCCEEDED"
	case OpFailed:
		o.Status = "FAILED"
		_, o.StatusReason = op.Failure()
	}
	if op.State() != OpRunning {
		o.EndTimestamp = op.Ended.UTC().Format(time.RFC3339)
		o.StatusDetails = &struct {
			FailedStackInstancesCount int `xml:"FailedStackInstancesCount"`
		}{so.failed}
	}
	if detail {
		o.StackSetID, o.AdministrationRoleARN, o.ExecutionRoleName = so.setID, so.admin, so.exec
		if so.action == "DELETE" {
			retain := so.retain
			o.RetainStacks = &retain
		}
	}
	return o
}

// cfnDescribeStackSetOperation reports one operation of the StackSet.
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
	so := c.st.rt.cfn.byOpID[id]
	if so == nil || so.setID != ss.ID {
		return nil, errorf(404, "OperationNotFoundException", "Stack set operation %s not found.", id)
	}
	return cfnDescribeStackSetOperationResult{Op: c.operationXML(so, true)}, nil
}

type cfnListStackSetOperationsResult struct {
	XMLName   xml.Name          `xml:"ListStackSetOperationsResult"`
	Summaries []cfnOperationXML `xml:"Summaries>member"`
	NextToken string            `xml:"NextToken,omitempty"`
}

// cfnListStackSetOperations lists the StackSet's operations, the most recent first (MaxResults
// 1-100): how lz2ct finds an operation that was running when it stopped.
// https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ListStackSetOperations.html
func cfnListStackSetOperations(c *call) (any, error) {
	ss, err := c.stackSet(c.param("StackSetName"))
	if err != nil {
		return nil, err
	}
	ops := c.st.rt.cfn.ops[ss.ID]
	n := len(ops)
	// The key orders the newest first and stays the same as operations are added.
	key := func(i int) string { return fmt.Sprintf("%010d", 1<<31-1-i) }
	idx := make([]int, n)
	for i := range idx {
		idx[i] = n - 1 - i
	}
	idx, next, err := page(c, idx, key, c.param("NextToken"), c.maxResults("MaxResults"), 100, 100, "maxResults")
	if err != nil {
		return nil, err
	}
	out := cfnListStackSetOperationsResult{Summaries: []cfnOperationXML{}, NextToken: next}
	for _, i := range idx {
		out.Summaries = append(out.Summaries, c.operationXML(ops[i], false))
	}
	return out, nil
}
