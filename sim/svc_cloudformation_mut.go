package sim

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/lz2ct/lz2ct/inventory"
)

// CloudFormation's mutating operations: StackSets (CreateStackSet, DeleteStackSet,
// CreateStackInstances, DeleteStackInstances) and stacks (DeleteStack, UpdateTerminationProtection).
// Each follows the mutation API of mutate.go; sim/README.md lists their audit targets and errors.
//
// What is modelled: StackSets are the management account's (self-managed; the snapshot's ALZ
// StackSets in the ALZ home region, and any the API creates, in any region). A StackSet operation
// runs one at a time per StackSet, takes simulated time that follows its OperationPreferences, and
// deploys or deletes each stack instance through the StackSet's execution role in the target
// account. What an instance does to its account and region is read from the StackSet's template
// (JSON templates only): the resource types in templateEffects change the snapshot (an IAM role
// the snapshot tracks, AWS Config's recorder and delivery channel, a VPC); other resources change
// nothing the snapshot holds. The snapshot's ALZ StackSets carry no template, so each gets a
// stand-in naming the resources its ALZ name says it deploys (alzTemplateResources).
func init() {
	registerMutation("cloudformation", "CreateStackSet", cfnCreateStackSet)
	registerMutation("cloudformation", "DeleteStackSet", cfnDeleteStackSet)
	registerMutation("cloudformation", "CreateStackInstances", cfnCreateStackInstances)
	registerMutation("cloudformation", "DeleteStackInstances", cfnDeleteStackInstances)
	registerMutation("cloudformation", "DeleteStack", cfnDeleteStack)
	registerMutation("cloudformation", "UpdateTerminationProtection", cfnUpdateTerminationProtection)
}

// cfnRuntime is CloudFormation's state beyond the snapshot; opsRuntime keeps it across reindex.
type cfnRuntime struct {
	// created are the StackSets created through the API, by region, sorted by name then ID. The
	// snapshot models ALZ's StackSets only (discovery reads those), so these stay out of it.
	created map[string][]*inventory.StackSet
	// defs are what CreateStackSet was given, by StackSet ID.
	defs map[string]*stackSetDef
	// ops are each StackSet's operations in start order, by StackSet ID; byOpID finds one.
	ops    map[string][]*setOp
	byOpID map[string]*setOp
	// insts are the stack instances' last operation and outcome, by instKey.
	insts map[string]*instState
	// stackOps are the stack deletions in progress or failed, by stack ID.
	stackOps map[string]*AsyncOp
	// gone are deleted stacks (DELETE_COMPLETE) by stack ID: DescribeStacks still finds them by ID.
	gone map[string]inventory.Stack
}

func newCFNRuntime() *cfnRuntime {
	return &cfnRuntime{created: map[string][]*inventory.StackSet{}, defs: map[string]*stackSetDef{}, ops: map[string][]*setOp{},
		byOpID: map[string]*setOp{}, insts: map[string]*instState{}, stackOps: map[string]*AsyncOp{}, gone: map[string]inventory.Stack{}}
}

// stackSetDef is a StackSet's definition: what DescribeStackSet returns besides name and status.
type stackSetDef struct {
	TemplateBody          string
	Parameters            []cfnParameter
	Capabilities          []string
	AdministrationRoleARN string
	ExecutionRoleName     string
	PermissionModel       string
	Region                string
}

type cfnParameter struct {
	Key   string `xml:"ParameterKey"`
	Value string `xml:"ParameterValue"`
}

// setOp is one StackSet operation (CreateStackInstances or DeleteStackInstances).
type setOp struct {
	op      *AsyncOp
	action  string // CREATE | DELETE
	setID   string
	setName string
	prefs   opPrefs
	retain  bool
	admin   string
	exec    string
	targets []opTarget
	failed  int
}

// opTarget is one account and region of an operation, with the instant CloudFormation starts
// working on it. current marks an instance whose stack is in place when the operation starts: a
// create updates it (nothing new is created), a delete removes what it created.
type opTarget struct {
	account, region string
	start           time.Time
	current         bool
}

// instState is a stack instance's last operation and, once that ended, its outcome.
type instState struct {
	op       *setOp
	start    time.Time
	detailed string // DetailedStatus after the operation; "" while it runs
	reason   string
}

func instKey(setID, account, region string) string { return setID + "/" + account + "/" + region }

// opPrefs are StackSetOperationPreferences.
// https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_StackSetOperationPreferences.html
type opPrefs struct {
	RegionConcurrencyType      string
	RegionOrder                []string
	FailureToleranceCount      *int
	FailureTolerancePercentage *int
	MaxConcurrentCount         *int
	MaxConcurrentPercentage    *int
	ConcurrencyMode            string
}

// concurrency is how many accounts of a region with n targets CloudFormation works on at once, and
// how many may fail there before it stops: MaxConcurrentCount (or the percentage, rounded down but
// at least 1; default 1), and FailureToleranceCount (or the percentage, rounded down; default 0).
// Under STRICT_FAILURE_TOLERANCE (the default) the concurrency is at most the tolerance + 1.
func (p opPrefs) concurrency(n int) (conc, tolerance int) {
	conc = 1
	switch {
	case p.MaxConcurrentCount != nil:
		conc = *p.MaxConcurrentCount
	case p.MaxConcurrentPercentage != nil:
		conc = max(1, n**p.MaxConcurrentPercentage/100)
	}
	switch {
	case p.FailureToleranceCount != nil:
		tolerance = *p.FailureToleranceCount
	case p.FailureTolerancePercentage != nil:
		tolerance = n * *p.FailureTolerancePercentage / 100
	}
	if p.ConcurrencyMode != "SOFT_FAILURE_TOLERANCE" {
		conc = min(conc, tolerance+1)
	}
	return max(conc, 1), tolerance
}

// readPrefs reads OperationPreferences.* and validates them as CloudFormation does.
func (c *call) readPrefs() (opPrefs, error) {
	var p opPrefs
	const pre = "OperationPreferences."
	p.RegionConcurrencyType = c.param(pre + "RegionConcurrencyType")
	p.ConcurrencyMode = c.param(pre + "ConcurrencyMode")
	p.RegionOrder = c.paramList(pre + "RegionOrder")
	ints := []struct {
		name     string
		dst      **int
		min, max int
	}{
		{"FailureToleranceCount", &p.FailureToleranceCount, 0, 1 << 30}, {"FailureTolerancePercentage", &p.FailureTolerancePercentage, 0, 100},
		{"MaxConcurrentCount", &p.MaxConcurrentCount, 1, 1 << 30}, {"MaxConcurrentPercentage", &p.MaxConcurrentPercentage, 1, 100},
	}
	for _, f := range ints {
		v := c.param(pre + f.name)
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < f.min || n > f.max {
			return p, errorf(400, "ValidationError", "1 validation error detected: Value '%s' at 'operationPreferences.%s' failed to satisfy constraint: Member must have value between %d and %d", v, lowerFirst(f.name), f.min, f.max)
		}
		*f.dst = &n
	}
	if p.FailureToleranceCount != nil && p.FailureTolerancePercentage != nil {
		return p, errorf(400, "ValidationError", "You can specify either FailureToleranceCount or FailureTolerancePercentage, but not both")
	}
	if p.MaxConcurrentCount != nil && p.MaxConcurrentPercentage != nil {
		return p, errorf(400, "ValidationError", "You can specify either MaxConcurrentCount or MaxConcurrentPercentage, but not both")
	}
	if t := p.RegionConcurrencyType; t != "" && t != "SEQUENTIAL" && t != "PARALLEL" {
		return p, errorf(400, "ValidationError", "1 validation error detected: Value '%s' at 'operationPreferences.regionConcurrencyType' failed to satisfy constraint: Member must satisfy enum value set: [SEQUENTIAL, PARALLEL]", t)
	}
	if m := p.ConcurrencyMode; m != "" && m != "STRICT_FAILURE_TOLERANCE" && m != "SOFT_FAILURE_TOLERANCE" {
		return p, errorf(400, "ValidationError", "1 validation error detected: Value '%s' at 'operationPreferences.concurrencyMode' failed to satisfy constraint: Member must satisfy enum value set: [STRICT_FAILURE_TOLERANCE, SOFT_FAILURE_TOLERANCE]", m)
	}
	return p, nil
}

func lowerFirst(s string) string { return strings.ToLower(s[:1]) + s[1:] }

// schedule lays the operation's targets out in time, as CloudFormation runs them: regions in
// RegionOrder (then the request's order), one at a time (SEQUENTIAL, the default) or all at once
// (PARALLEL); within a region, batches of concurrency() accounts, each taking d.StackInstance after
// the operation's fixed d.StackSetOperation. It returns the targets with their start instants and
// the operation's duration. https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/stacksets-concepts.html#stackset-ops-options
func schedule(byRegion map[string][]string, regions []string, p opPrefs, d Durations, start time.Time) ([]opTarget, time.Duration) {
	order := make([]string, 0, len(regions))
	seen := map[string]bool{}
	for _, r := range append(append([]string(nil), p.RegionOrder...), regions...) {
		if !seen[r] && byRegion[r] != nil {
			seen[r] = true
			order = append(order, r)
		}
	}
	var out []opTarget
	regionsStart := d.StackSetOperation
	end := regionsStart
	at := regionsStart
	for _, r := range order {
		accts := byRegion[r]
		conc, _ := p.concurrency(len(accts))
		if p.RegionConcurrencyType == "PARALLEL" {
			at = regionsStart
		}
		for i, a := range accts {
			out = append(out, opTarget{account: a, region: r, start: start.Add(at + time.Duration(i/conc)*d.StackInstance)})
		}
		at += time.Duration((len(accts)+conc-1)/conc) * d.StackInstance
		end = max(end, at)
	}
	return out, end
}

// ---- templates and their effects ----

// tmplResource is one resource of a template: its logical ID, type and physical name (the
// property that names it, "" when unnamed).
type tmplResource struct {
	Logical, Type, Name string
}

// nameProperty is the property that names a resource of each type the effects know.
var nameProperty = map[string]string{
	"AWS::IAM::Role": "RoleName", "AWS::Config::ConfigurationRecorder": "Name", "AWS::Config::DeliveryChannel": "Name",
	"AWS::CloudTrail::Trail": "TrailName", "AWS::SNS::Topic": "TopicName",
}

// templateResources reads a JSON template's resources, in logical-ID order. A template that is not
// JSON (YAML) yields none: the simulator does not model its effects.
func templateResources(body string) []tmplResource {
	var t struct {
		Resources map[string]struct {
			Type       string         `json:"Type"`
			Properties map[string]any `json:"Properties"`
		} `json:"Resources"`
	}
	if json.Unmarshal([]byte(body), &t) != nil {
		return nil
	}
	out := make([]tmplResource, 0, len(t.Resources))
	for id, r := range t.Resources {
		name, _ := r.Properties[nameProperty[r.Type]].(string)
		out = append(out, tmplResource{Logical: id, Type: r.Type, Name: name})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Logical < out[j].Logical })
	return out
}

// alzTemplateResources are the stand-in templates of ALZ's StackSets (the snapshot holds no
// template), by the end of the StackSet's name: the resources that matter to the migration, named
// as ALZ names them. Other ALZ StackSets get a template with one WaitConditionHandle.
var alzTemplateResources = []struct {
	suffix    string
	resources []tmplResource
}{
	{"-EnableConfig", []tmplResource{{"ConfigRecorder", "AWS::Config::ConfigurationRecorder", "AWS-Landing-Zone-BaselineConfigRecorder"},
		{"ConfigDeliveryChannel", "AWS::Config::DeliveryChannel", "Landing-Zone-Delivery-Channel"}}},
	{"-PrimaryVPC", []tmplResource{{"VPC", "AWS::EC2::VPC", ""}}},
	{"-SharedServicesAccountVPC", []tmplResource{{"VPC", "AWS::EC2::VPC", ""}}},
	{"-EnableCloudTrail", []tmplResource{{"CloudTrail", "AWS::CloudTrail::Trail", "AWS-Landing-Zone-BaselineCloudTrail"}}},
}

// standInTemplate is the JSON template DescribeStackSet shows for a snapshot StackSet.
func standInTemplate(name string) string {
	res := []tmplResource{{"Placeholder", "AWS::CloudFormation::WaitConditionHandle", ""}}
	for _, t := range alzTemplateResources {
		if strings.HasSuffix(name, t.suffix) {
			res = t.resources
			break
		}
	}
	resources := map[string]any{}
	for _, r := range res {
		props := map[string]any{}
		if p := nameProperty[r.Type]; p != "" && r.Name != "" {
			props[p] = r.Name
		}
		if r.Type == "AWS::EC2::VPC" {
			props["CidrBlock"] = "10.0.0.0/16"
		}
		resources[r.Logical] = map[string]any{"Type": r.Type, "Properties": props}
	}
	body, _ := json.Marshal(map[string]any{"AWSTemplateFormatVersion": "2010-09-09",
		"Description": "lz2ct sim stand-in for the AWS Landing Zone template of " + name, "Resources": resources})
	return string(body)
}

// def is the StackSet's definition: CreateStackSet's input, or the stand-in of a snapshot StackSet
// (ALZ's StackSets run with the default administration and execution roles).
func (c *call) def(ss *inventory.StackSet) *stackSetDef {
	if d := c.st.rt.cfn.defs[ss.ID]; d != nil {
		return d
	}
	return &stackSetDef{TemplateBody: standInTemplate(ss.Name), PermissionModel: "SELF_MANAGED", Region: c.st.alzHome(),
		AdministrationRoleARN: "arn:" + c.partition() + ":iam::" + c.st.snap.Organization.ManagementAccountID + ":role/AWSCloudFormationStackSetAdministrationRole",
		ExecutionRoleName:     "AWSCloudFormationStackSetExecutionRole", Capabilities: []string{"CAPABILITY_NAMED_IAM"}}
}

// effect is what one resource type does to the account and region when its stack is created or
// deleted. check says why it cannot (nil = it can); apply makes the change.
type effect struct {
	createCheck, deleteCheck func(e effectCtx) error
	create, delete           func(e effectCtx)
}

type effectCtx struct {
	st    *state
	acct  *inventory.Account
	r     tmplResource
	reg   string
	stack string // the instance's stack name prefix: StackSet-<StackSet name>-
}

// templateEffects are the resource types whose stacks change what the snapshot holds.
var templateEffects = map[string]effect{
	// An IAM role the snapshot tracks (AWSControlTowerExecution, AWSCloudFormationStackSetExecutionRole,
	// OrganizationAccountAccessRole): CloudFormation fails to create a named role that exists.
	// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-iam-role.html
	"AWS::IAM::Role": {
		createCheck: func(e effectCtx) error {
			if _, tracked := trackedRoles[e.r.Name]; tracked && roleExists(e.acct, e.r.Name) {
				return fmt.Errorf("Resource of type 'AWS::IAM::Role' with identifier '%s' already exists.", e.r.Name)
			}
			return nil
		},
		create: func(e effectCtx) { setTrackedRole(e.acct, e.r.Name, true) },
		delete: func(e effectCtx) { setTrackedRole(e.acct, e.r.Name, false) },
	},
	// AWS Config keeps one recorder and one delivery channel per account and region.
	// https://docs.aws.amazon.com/config/latest/developerguide/stop-start-recorder.html
	"AWS::Config::ConfigurationRecorder": {
		createCheck: func(e effectCtx) error {
			if ar := e.st.accountRegion(e.acct.ID, e.reg); ar != nil && len(ar.ConfigRecorders) > 0 {
				return fmt.Errorf("Failed to put configuration recorder '%s' because the maximum number of configuration recorders: 1 is reached. (Service: AmazonConfig; Status Code: 400; Error Code: MaxNumberOfConfigurationRecordersExceededException)", e.r.Name)
			}
			return nil
		},
		create: func(e effectCtx) {
			ar := e.st.cfnAccountRegion(e.acct, e.reg)
			ar.ConfigRecorders = append(ar.ConfigRecorders, inventory.ConfigRecorder{Name: e.r.Name, Recording: true,
				RoleARN: "arn:" + e.st.partition() + ":iam::" + e.acct.ID + ":role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"})
		},
		delete: func(e effectCtx) {
			if ar := e.st.accountRegion(e.acct.ID, e.reg); ar != nil {
				ar.ConfigRecorders = dropNamed(ar.ConfigRecorders, func(r inventory.ConfigRecorder) bool { return r.Name == e.r.Name && !r.ServiceLinked })
			}
		},
	},
	"AWS::Config::DeliveryChannel": {
		createCheck: func(e effectCtx) error {
			if ar := e.st.accountRegion(e.acct.ID, e.reg); ar != nil && len(ar.DeliveryChannels) > 0 {
				return fmt.Errorf("Failed to put delivery channel '%s' because the maximum number of delivery channels: 1 is reached. (Service: AmazonConfig; Status Code: 400; Error Code: MaxNumberOfDeliveryChannelsExceededException)", e.r.Name)
			}
			return nil
		},
		create: func(e effectCtx) {
			ar := e.st.cfnAccountRegion(e.acct, e.reg)
			ar.DeliveryChannels = append(ar.DeliveryChannels, inventory.DeliveryChannel{Name: e.r.Name, S3BucketName: "aws-landing-zone-logs-" + e.reg})
		},
		delete: func(e effectCtx) {
			if ar := e.st.accountRegion(e.acct.ID, e.reg); ar != nil {
				ar.DeliveryChannels = dropNamed(ar.DeliveryChannels, func(d inventory.DeliveryChannel) bool { return d.Name == e.r.Name })
			}
		},
	},
	// A VPC with network interfaces in it cannot be deleted: the stack's deletion fails.
	// https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteVpc.html
	"AWS::EC2::VPC": {
		deleteCheck: func(e effectCtx) error {
			for _, v := range e.st.cfnStackVPCs(e.acct.ID, e.reg, e.stack) {
				if n := len(v.NetworkInterfaces); n > 0 {
					return fmt.Errorf("The vpc '%s' has dependencies and cannot be deleted. (Service: AmazonEC2; Status Code: 400; Error Code: DependencyViolation)", v.ID)
				}
			}
			return nil
		},
		create: func(e effectCtx) {
			ar := e.st.cfnAccountRegion(e.acct, e.reg)
			id := hexOf(e.acct.ID + e.reg + e.stack)
			ar.VPCs = append(ar.VPCs, inventory.VPC{ID: "vpc-" + id[:17], CIDRBlock: "10.0.0.0/16", Stack: e.stack + id[17:25] + "-" + id[25:29]})
		},
		delete: func(e effectCtx) {
			if ar := e.st.accountRegion(e.acct.ID, e.reg); ar != nil {
				ar.VPCs = dropNamed(ar.VPCs, func(v inventory.VPC) bool { return strings.HasPrefix(v.Stack, e.stack) })
			}
		},
	},
}

func dropNamed[T any](l []T, drop func(T) bool) []T {
	out := l[:0:0]
	for _, x := range l {
		if !drop(x) {
			out = append(out, x)
		}
	}
	return out
}

func setTrackedRole(a *inventory.Account, role string, exists bool) {
	if _, tracked := trackedRoles[role]; !tracked {
		return
	}
	if a.IAM == nil {
		a.IAM = &inventory.AccountIAM{}
	}
	switch role {
	case "AWSControlTowerExecution":
		a.IAM.ControlTowerExecutionRole = exists
	case "AWSCloudFormationStackSetExecutionRole":
		a.IAM.StackSetExecutionRole = exists
	case "OrganizationAccountAccessRole":
		a.IAM.OrganizationAccountAccessRole = exists
	}
}

// cfnAccountRegion returns the account's entry for region, adding one when the snapshot has none.
func (st *state) cfnAccountRegion(a *inventory.Account, region string) *inventory.AccountRegion {
	if ar := st.accountRegion(a.ID, region); ar != nil {
		return ar
	}
	a.Regions = append(a.Regions, inventory.AccountRegion{Region: region})
	m := make(map[string]*inventory.AccountRegion, len(a.Regions))
	for j := range a.Regions { // the append may have moved the entries
		m[a.Regions[j].Region] = &a.Regions[j]
	}
	st.acctRegion[a.ID] = m
	return &a.Regions[len(a.Regions)-1]
}

// cfnStackVPCs are the VPCs an instance's stack created: tagged aws:cloudformation:stack-name
// StackSet-<StackSet name>-<id>, as CloudFormation names a StackSet's stacks.
func (st *state) cfnStackVPCs(account, region, stackPrefix string) []inventory.VPC {
	ar := st.accountRegion(account, region)
	if ar == nil {
		return nil
	}
	var out []inventory.VPC
	for _, v := range ar.VPCs {
		if strings.HasPrefix(v.Stack, stackPrefix) {
			out = append(out, v)
		}
	}
	return out
}

// ---- StackSets ----

// The StackSet name pattern. https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStackSet.html
var stackSetNamePattern = regexp.MustCompile(`^[a-zA-Z][-a-zA-Z0-9]{0,127}$`)

// token pattern of ClientRequestToken and OperationId.
var cfnTokenPattern = regexp.MustCompile(`^[a-zA-Z0-9][-a-zA-Z0-9]{0,127}$`)

func (c *call) checkToken(member, v string) error {
	if v != "" && !cfnTokenPattern.MatchString(v) {
		return errorf(400, "ValidationError", "1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9][-a-zA-Z0-9]*", v, member)
	}
	return nil
}

// managementOnly refuses StackSet calls of other accounts: the simulator models the management
// account's StackSets only.
func (c *call) stackSetsModelled() error {
	if !c.isManagement() {
		return errorf(400, "ValidationError", "lz2ct sim models the management account's StackSets only (called as %s)", c.account)
	}
	return nil
}

type cfnCreateStackSetResult struct {
	XMLName    xml.Name `xml:"CreateStackSetResult"`
	StackSetID string   `xml:"StackSetId"`
}

// cfnCreateStackSet creates a self-managed StackSet (no instances). Audit target: the StackSet's
// name. Errors as AWS: NameAlreadyExistsException (409) for an ACTIVE StackSet of that name;
// ClientRequestToken makes a repeat answer the first StackSet ID.
// https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStackSet.html
func cfnCreateStackSet(c *call) (any, error) {
	name := c.param("StackSetName")
	if name == "" {
		return nil, c.missing("stackSetName")
	}
	if !stackSetNamePattern.MatchString(name) {
		return nil, errorf(400, "ValidationError", "1 validation error detected: Value '%s' at 'stackSetName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*", name)
	}
	token := c.param("ClientRequestToken")
	if err := c.checkToken("clientRequestToken", token); err != nil {
		return nil, err
	}
	if err := c.stackSetsModelled(); err != nil {
		return nil, err
	}
	body := c.param("TemplateBody")
	if c.param("TemplateURL") != "" {
		return nil, errorf(400, "ValidationError", "lz2ct sim does not fetch TemplateURL: send TemplateBody")
	}
	if body == "" {
		return nil, errorf(400, "ValidationError", "Either Template URL or Template Body must be specified.")
	}
	model := c.param("PermissionModel")
	if model == "" {
		model = "SELF_MANAGED"
	}
	if model != "SELF_MANAGED" {
		return nil, errorf(400, "ValidationError", "lz2ct sim models SELF_MANAGED StackSets only (PermissionModel %s)", model)
	}
	def := &stackSetDef{TemplateBody: body, Capabilities: c.paramList("Capabilities"), PermissionModel: model, Region: c.region,
		AdministrationRoleARN: c.param("AdministrationRoleARN"), ExecutionRoleName: c.param("ExecutionRoleName")}
	if def.AdministrationRoleARN == "" {
		def.AdministrationRoleARN = "arn:" + c.partition() + ":iam::" + c.account + ":role/AWSCloudFormationStackSetAdministrationRole"
	}
	if def.ExecutionRoleName == "" {
		def.ExecutionRoleName = "AWSCloudFormationStackSetExecutionRole"
	}
	for i := 1; ; i++ {
		k := c.param(fmt.Sprintf("Parameters.member.%d.ParameterKey", i))
		if k == "" {
			break
		}
		def.Parameters = append(def.Parameters, cfnParameter{k, c.param(fmt.Sprintf("Parameters.member.%d.ParameterValue", i))})
	}
	desc := c.param("Description")
	if err := c.setTarget(name); err != nil {
		return nil, err
	}
	input := []any{name, desc, *def}
	return c.idempotent(token, input, nil, func() (any, error) {
		if ss, _ := c.stackSet(name); ss != nil {
			return nil, errorf(409, "NameAlreadyExistsException", "StackSet %s already exists", name)
		}
		rt := c.st.rt.cfn
		ss := &inventory.StackSet{Name: name, ID: name + ":" + c.st.rt.newID("", c.s.opts.Seed), Description: desc, Status: "ACTIVE", Instances: []inventory.StackInstance{}}
		rt.defs[ss.ID] = def
		list := append(rt.created[c.region], ss)
		sort.Slice(list, func(i, j int) bool { return list[i].Name+"\x00"+list[i].ID < list[j].Name+"\x00"+list[j].ID })
		rt.created[c.region] = list
		return cfnCreateStackSetResult{StackSetID: ss.ID}, nil
	})
}

type cfnEmptyResult struct {
	XMLName xml.Name
}

// cfnDeleteStackSet deletes a StackSet that has no instances: its status becomes DELETED (ListStackSets
// still shows it; DescribeStackSet by name no longer finds it). Audit target: the StackSet's name.
// Errors as AWS: StackSetNotFoundException, StackSetNotEmptyException (409) while instances
// remain, OperationInProgressException (409) while an operation runs.
// https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DeleteStackSet.html
func cfnDeleteStackSet(c *call) (any, error) {
	ss, err := c.stackSet(c.param("StackSetName"))
	if err != nil {
		return nil, err
	}
	if err := c.setTarget(ss.Name); err != nil {
		return nil, err
	}
	if op := c.runningSetOp(ss); op != nil {
		return nil, c.inProgress(ss)
	}
	if len(c.instancesOf(ss)) > 0 {
		return nil, errorf(409, "StackSetNotEmptyException", "StackSet is not empty")
	}
	ss.Status = "DELETED"
	return cfnEmptyResult{XMLName: xml.Name{Local: "DeleteStackSetResult"}}, nil
}

// instancesOf are the StackSet's instances, sorted by account and region.
func (c *call) instancesOf(ss *inventory.StackSet) []inventory.StackInstance {
	if c.st.rt.cfn.defs[ss.ID] != nil {
		return ss.Instances
	}
	return c.st.instances[ss.Name]
}

// setInstances replaces the StackSet's instances (sorted) in the snapshot and the index.
func (st *state) setInstances(ss *inventory.StackSet, l []inventory.StackInstance) {
	sort.Slice(l, func(i, j int) bool { return instanceKey(l[i]) < instanceKey(l[j]) })
	ss.Instances = l
	if st.rt.cfn.defs[ss.ID] == nil {
		st.instances[ss.Name] = l
	}
}

// runningSetOp is the StackSet's operation in progress, or nil.
func (c *call) runningSetOp(ss *inventory.StackSet) *setOp {
	ops := c.st.rt.cfn.ops[ss.ID]
	for i := len(ops) - 1; i >= 0; i-- {
		if ops[i].op.State() == OpRunning {
			return ops[i]
		}
	}
	return nil
}

func (c *call) setARN(ss *inventory.StackSet) string {
	region := c.region
	if d := c.st.rt.cfn.defs[ss.ID]; d != nil {
		region = d.Region
	}
	return "arn:" + c.partition() + ":cloudformation:" + region + ":" + c.st.snap.Organization.ManagementAccountID + ":stackset/" + ss.ID
}

// inProgress is CloudFormation's answer while another operation runs on the StackSet.
// https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStackInstances.html
func (c *call) inProgress(ss *inventory.StackSet) *apiError {
	return errorf(409, "OperationInProgressException", "Another Operation on StackSet %s is in progress", c.setARN(ss))
}

type cfnOperationIDResult struct {
	XMLName     xml.Name
	OperationID string `xml:"OperationId"`
}

// stackInstancesInput is what Create/DeleteStackInstances share: the StackSet, the accounts
// (Accounts or DeploymentTargets.Accounts) and regions, the preferences and the OperationId.
type stackInstancesInput struct {
	ss       *inventory.StackSet
	accounts []string
	regions  []string
	prefs    opPrefs
	opID     string
	retain   bool
}

func (c *call) readInstancesInput(deleting bool) (stackInstancesInput, error) {
	var in stackInstancesInput
	name := c.param("StackSetName")
	if name == "" {
		return in, c.missing("stackSetName")
	}
	in.regions = c.paramList("Regions")
	if len(in.regions) == 0 {
		return in, c.missing("regions")
	}
	in.accounts = c.paramList("Accounts")
	if dt := c.paramList("DeploymentTargets.Accounts"); len(dt) > 0 {
		if len(in.accounts) > 0 {
			return in, errorf(400, "ValidationError", "You can specify Accounts or DeploymentTargets, but not both")
		}
		in.accounts = dt
	}
	if len(c.paramList("DeploymentTargets.OrganizationalUnitIds")) > 0 {
		return in, errorf(400, "ValidationError", "lz2ct sim models SELF_MANAGED StackSets only: name the accounts, not OUs")
	}
	if len(in.accounts) == 0 {
		return in, errorf(400, "ValidationError", "Either Accounts or DeploymentTargets must be specified")
	}
	for _, a := range in.accounts {
		if !accountIDPattern.MatchString(a) {
			return in, errorf(400, "ValidationError", "1 validation error detected: Value '%s' at 'accounts' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[0-9]{12}$", a)
		}
	}
	for _, r := range in.regions {
		if !c.st.regionKnown(r) {
			return in, errorf(400, "ValidationError", "Region %s is not supported", r)
		}
	}
	if deleting {
		v := c.param("RetainStacks")
		if v == "" {
			return in, c.missing("retainStacks")
		}
		in.retain = v == "true"
	}
	var err error
	if in.prefs, err = c.readPrefs(); err != nil {
		return in, err
	}
	in.opID = c.param("OperationId")
	if err := c.checkToken("operationId", in.opID); err != nil {
		return in, err
	}
	if err := c.stackSetsModelled(); err != nil {
		return in, err
	}
	if in.ss, err = c.stackSet(name); err != nil {
		return in, err
	}
	if in.opID == "" {
		in.opID = c.st.rt.newID("", c.s.opts.Seed) // the SDK fills one in; another client may not
	}
	return in, nil
}

// startInstancesOp is Create/DeleteStackInstances after their input was read: the OperationId is
// the idempotency token — a repeat while the operation runs answers its ID (a replay); once the
// operation ended, OperationIdAlreadyExistsException — and one operation runs per StackSet at a
// time. Audit target: <StackSet name>/<OperationId>.
// https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStackInstances.html
func (c *call) startInstancesOp(in stackInstancesInput, action string) (any, error) {
	c.willStartAsync()
	if err := c.setTarget(in.ss.Name, in.opID); err != nil {
		return nil, err
	}
	rt := c.st.rt.cfn
	result := cfnOperationIDResult{XMLName: xml.Name{Local: c.op + "Result"}, OperationID: in.opID}
	if prev := rt.byOpID[in.opID]; prev != nil || c.st.rt.op(in.opID) != nil {
		if prev != nil && prev.setID == in.ss.ID && prev.action == action && prev.op.State() == OpRunning {
			c.replay = true
			return result, nil
		}
		return nil, errorf(409, "OperationIdAlreadyExistsException", "The operation ID %s already exists", in.opID)
	}
	if c.runningSetOp(in.ss) != nil {
		return nil, c.inProgress(in.ss)
	}
	def := c.def(in.ss)
	existing := map[string]int{}
	insts := c.instancesOf(in.ss)
	for i, x := range insts {
		existing[x.AccountID+"/"+x.Region] = i
	}
	byRegion := map[string][]string{}
	for _, r := range in.regions {
		for _, a := range in.accounts {
			_, has := existing[a+"/"+r]
			if action == "DELETE" && !has {
				continue // nothing to delete there: the operation skips it
			}
			byRegion[r] = append(byRegion[r], a)
		}
	}
	d := c.s.opts.Durations
	now := c.s.clock.Now()
	targets, dur := schedule(byRegion, in.regions, in.prefs, d, now)
	for i := range targets {
		if j, has := existing[targets[i].account+"/"+targets[i].region]; has {
			targets[i].current = insts[j].Status != "OUTDATED"
		}
	}
	so := &setOp{action: action, setID: in.ss.ID, setName: in.ss.Name, prefs: in.prefs, retain: in.retain,
		admin: def.AdministrationRoleARN, exec: def.ExecutionRoleName, targets: targets}
	if action == "CREATE" {
		// New instances appear at once, OUTDATED until the operation reaches them.
		added := append([]inventory.StackInstance(nil), insts...)
		for _, t := range targets {
			if _, has := existing[t.account+"/"+t.region]; !has {
				added = append(added, inventory.StackInstance{AccountID: t.account, Region: t.region, Status: "OUTDATED"})
				existing[t.account+"/"+t.region] = -1
			}
		}
		c.st.setInstances(in.ss, added)
	}
	for _, t := range targets {
		rt.insts[instKey(in.ss.ID, t.account, t.region)] = &instState{op: so, start: t.start}
	}
	resources := templateResources(def.TemplateBody)
	caps := map[string]bool{}
	for _, cp := range def.Capabilities {
		caps[cp] = true
	}
	ss := in.ss
	so.op = c.startAsync(in.opID, c.op, in.ss.Name+"/"+in.opID, dur, func(st *state) error {
		return st.completeSetOp(ss, so, resources, caps, d)
	})
	rt.ops[ss.ID] = append(rt.ops[ss.ID], so)
	rt.byOpID[in.opID] = so
	return result, nil
}

// cfnCreateStackInstances deploys the StackSet to accounts × regions in one operation.
func cfnCreateStackInstances(c *call) (any, error) {
	in, err := c.readInstancesInput(false)
	if err != nil {
		return nil, err
	}
	return c.startInstancesOp(in, "CREATE")
}

// cfnDeleteStackInstances deletes (or with RetainStacks detaches) the StackSet's instances in
// accounts × regions in one operation. An account and region without an instance is skipped: the
// operation succeeds without it, as AWS's does (no StackInstanceNotFoundException here).
// https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DeleteStackInstances.html
func cfnDeleteStackInstances(c *call) (any, error) {
	in, err := c.readInstancesInput(true)
	if err != nil {
		return nil, err
	}
	return c.startInstancesOp(in, "DELETE")
}

// Instance outcomes (StackInstanceComprehensiveStatus DetailedStatus).
const (
	detSucceeded = "SUCCEEDED"
	detFailed    = "FAILED"
	detCancelled = "CANCELLED"
	detSkipped   = "SKIPPED_SUSPENDED_ACCOUNT"
)

// completeSetOp runs when the operation's time is up: each target in start order, as CloudFormation
// would have worked through them. A region where more accounts fail than the failure tolerance
// allows stops; CloudFormation then cancels what had not started anywhere, and the operation fails.
// https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_StackSetOperationSummary.html
func (st *state) completeSetOp(ss *inventory.StackSet, so *setOp, resources []tmplResource, caps map[string]bool, d Durations) error {
	rt := st.rt.cfn
	perRegion := map[string]int{}
	for _, t := range so.targets {
		perRegion[t.region]++
	}
	failures := map[string]int{}
	var cancelAt time.Time
	failedRegion := ""
	idx := map[string]int{}
	insts := append([]inventory.StackInstance(nil), st.cfnInstances(ss)...)
	for i, x := range insts {
		idx[x.AccountID+"/"+x.Region] = i
	}
	removed := map[string]bool{}
	targets := append([]opTarget(nil), so.targets...)
	sort.SliceStable(targets, func(i, j int) bool { return targets[i].start.Before(targets[j].start) })
	for _, t := range targets {
		is := rt.insts[instKey(ss.ID, t.account, t.region)]
		i, has := idx[t.account+"/"+t.region]
		if !cancelAt.IsZero() && !t.start.Before(cancelAt) {
			is.detailed, is.reason = detCancelled, "Cancelled since failure tolerance has exceeded"
			continue
		}
		detailed, reason := st.runInstance(ss, so, resources, caps, t)
		is.detailed, is.reason = detailed, reason
		switch {
		case detailed == detFailed:
			so.failed++
			failures[t.region]++
			if has {
				if so.action == "DELETE" {
					insts[i].Status = "INOPERABLE"
				} else {
					insts[i].Status = "OUTDATED"
				}
			}
			_, tolerance := so.prefs.concurrency(perRegion[t.region])
			if failures[t.region] > tolerance && failedRegion == "" {
				failedRegion = t.region
				if end := t.start.Add(d.StackInstance); cancelAt.IsZero() || end.Before(cancelAt) {
					cancelAt = end
				}
			}
		case detailed == detSucceeded && so.action == "DELETE":
			removed[t.account+"/"+t.region] = true
			delete(rt.insts, instKey(ss.ID, t.account, t.region))
		case detailed == detSucceeded && has:
			insts[i].Status = "CURRENT"
		}
	}
	if len(removed) > 0 {
		kept := insts[:0]
		for _, x := range insts {
			if !removed[x.AccountID+"/"+x.Region] {
				kept = append(kept, x)
			}
		}
		insts = kept
	}
	st.setInstances(ss, insts)
	if failedRegion != "" {
		return fmt.Errorf("The operation failed in %s: %d stack instance(s) failed, more than the failure tolerance allows", failedRegion, failures[failedRegion])
	}
	return nil
}

func (st *state) cfnInstances(ss *inventory.StackSet) []inventory.StackInstance {
	if st.rt.cfn.defs[ss.ID] != nil {
		return ss.Instances
	}
	return st.instances[ss.Name]
}

// runInstance deploys or deletes one stack instance: CloudFormation assumes the StackSet's
// execution role in the account (self-managed permissions), then creates or deletes the stack.
// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/stacksets-prereqs-self-managed.html
func (st *state) runInstance(ss *inventory.StackSet, so *setOp, resources []tmplResource, caps map[string]bool, t opTarget) (detailed, reason string) {
	a := st.account(t.account)
	if a != nil && (a.Status == inventory.AccountSuspended || a.Status == "PENDING_CLOSURE" || a.Status == inventory.AccountClosed) {
		return detSkipped, "The account was suspended at the time of the operation"
	}
	if so.action == "DELETE" && so.retain {
		return detSucceeded, "" // the StackSet lets go of the stack; nothing in the account changes
	}
	if a == nil || !roleExists(a, so.exec) {
		admin := so.admin[strings.LastIndex(so.admin, "/")+1:]
		return detFailed, fmt.Sprintf("Account %s should have '%s' role with trust relationship to Role '%s'.", t.account, so.exec, admin)
	}
	if so.action == "CREATE" && t.current || so.action == "DELETE" && !t.current {
		// The stack is there already (nothing to create: an update of the same template), or its
		// creation never completed (nothing of it to delete).
		return detSucceeded, ""
	}
	if so.action == "CREATE" {
		for _, r := range resources {
			if r.Type == "AWS::IAM::Role" && r.Name != "" && !caps["CAPABILITY_NAMED_IAM"] {
				return detFailed, "Requires capabilities : [CAPABILITY_NAMED_IAM]"
			}
			if r.Type == "AWS::IAM::Role" && !caps["CAPABILITY_NAMED_IAM"] && !caps["CAPABILITY_IAM"] {
				return detFailed, "Requires capabilities : [CAPABILITY_IAM]"
			}
		}
	}
	stack := "StackSet-" + ss.Name + "-"
	for _, r := range resources {
		e, ok := templateEffects[r.Type]
		if !ok {
			continue
		}
		check := e.createCheck
		if so.action == "DELETE" {
			check = e.deleteCheck
		}
		if check == nil {
			continue
		}
		if err := check(effectCtx{st: st, acct: a, r: r, reg: t.region, stack: stack}); err != nil {
			return detFailed, fmt.Sprintf("ResourceLogicalId:%s, ResourceType:%s, ResourceStatusReason:%s", r.Logical, r.Type, err.Error())
		}
	}
	for _, r := range resources {
		e, ok := templateEffects[r.Type]
		if !ok {
			continue
		}
		apply := e.create
		if so.action == "DELETE" {
			apply = e.delete
		}
		if apply != nil {
			apply(effectCtx{st: st, acct: a, r: r, reg: t.region, stack: stack})
		}
	}
	return detSucceeded, ""
}

// instanceView is how ListStackInstances shows an instance: its DetailedStatus, StatusReason and
// last operation. While the operation runs: PENDING until CloudFormation reaches it, then RUNNING.
func (c *call) instanceView(ss *inventory.StackSet, in inventory.StackInstance) (detailed, reason, lastOp string) {
	is := c.st.rt.cfn.insts[instKey(ss.ID, in.AccountID, in.Region)]
	if is == nil {
		if in.Status == "INOPERABLE" {
			return "INOPERABLE", "", ""
		}
		return detSucceeded, "", ""
	}
	lastOp = is.op.op.ID
	switch {
	case is.op.op.State() == OpRunning && c.s.clock.Now().Before(is.start):
		return "PENDING", "", lastOp
	case is.op.op.State() == OpRunning:
		return "RUNNING", "", lastOp
	case is.detailed != "":
		return is.detailed, is.reason, lastOp
	case is.op.op.State() == OpFailed:
		_, msg := is.op.op.Failure()
		return detFailed, msg, lastOp
	}
	return detSucceeded, "", lastOp
}

// ---- stacks ----

// stackNamed finds a stack of the calling account in its region by name or ID.
func (c *call) stackNamed(name string) *inventory.Stack {
	if !c.isManagement() {
		return nil
	}
	for _, s := range c.st.stacks[c.region] {
		if s.Name == name || s.ID == name {
			return s
		}
	}
	return nil
}

// stackStatus is the stack's status, its deletion included: DELETE_IN_PROGRESS while it runs,
// DELETE_FAILED with the reason once it failed.
func (c *call) stackStatus(s *inventory.Stack) (status, reason string) {
	if op := c.st.rt.cfn.stackOps[s.ID]; op != nil {
		switch op.State() {
		case OpRunning:
			return "DELETE_IN_PROGRESS", "User Initiated"
		case OpFailed:
			_, msg := op.Failure()
			return "DELETE_FAILED", msg
		}
	}
	return s.Status, ""
}

type cfnStackIDResult struct {
	XMLName xml.Name `xml:"UpdateTerminationProtectionResult"`
	StackID string   `xml:"StackId"`
}

// cfnUpdateTerminationProtection turns a stack's termination protection on or off. Audit target:
// the stack's name. A stack that does not exist answers ValidationError.
// https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_UpdateTerminationProtection.html
func cfnUpdateTerminationProtection(c *call) (any, error) {
	name := c.param("StackName")
	if name == "" {
		return nil, c.missing("stackName")
	}
	v := c.param("EnableTerminationProtection")
	if v == "" {
		return nil, c.missing("enableTerminationProtection")
	}
	s := c.stackNamed(name)
	if s == nil {
		return nil, errorf(400, "ValidationError", "Stack [%s] does not exist", name)
	}
	if err := c.setTarget(s.Name); err != nil {
		return nil, err
	}
	s.TerminationProtection = v == "true"
	return cfnStackIDResult{StackID: s.ID}, nil
}

// cfnDeleteStack starts deleting a stack: DELETE_IN_PROGRESS, then after Durations.StackDeletion
// the stack is gone (DescribeStacks by name answers "does not exist"; by ID it shows
// DELETE_COMPLETE). A stack that does not exist, or is being deleted, answers success and nothing
// changes, as AWS does; termination protection refuses with ValidationError. A fail-async fault
// leaves it DELETE_FAILED with the fault's message. Audit target: the stack's name.
// https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DeleteStack.html
func cfnDeleteStack(c *call) (any, error) {
	name := c.param("StackName")
	if name == "" {
		return nil, c.missing("stackName")
	}
	token := c.param("ClientRequestToken")
	if err := c.checkToken("clientRequestToken", token); err != nil {
		return nil, err
	}
	s := c.stackNamed(name)
	target := name
	if s != nil {
		target = s.Name
	}
	c.willStartAsync()
	if err := c.setTarget(target); err != nil {
		return nil, err
	}
	mismatch := errorf(400, "TokenAlreadyExistsException", "Another DeleteStack request with the same client request token was made with other parameters")
	return c.idempotent(token, name, mismatch, func() (any, error) {
		if s == nil {
			return nil, nil
		}
		if s.TerminationProtection {
			return nil, errorf(400, "ValidationError", "Stack [%s] cannot be deleted while TerminationProtection is enabled", s.Name)
		}
		rt := c.st.rt.cfn
		if op := rt.stackOps[s.ID]; op != nil && op.State() == OpRunning {
			return nil, nil
		}
		id, region := s.ID, c.region
		rt.stackOps[id] = c.startAsync("", "DeleteStack", s.Name, c.s.opts.Durations.StackDeletion, func(st *state) error {
			return st.removeStack(id, region)
		})
		return nil, nil
	})
}

// removeStack completes a deletion: the stack leaves the snapshot and is remembered by ID.
func (st *state) removeStack(id, region string) error {
	alz := st.snap.ALZ
	if alz == nil {
		return nil
	}
	kept := alz.Stacks[:0]
	for _, s := range alz.Stacks {
		if s.ID == id {
			gone := s
			gone.Status = "DELETE_COMPLETE"
			gone.TerminationProtection = false
			st.rt.cfn.gone[id] = gone
			continue
		}
		kept = append(kept, s)
	}
	alz.Stacks = kept
	delete(st.rt.cfn.stackOps, id)
	st.reindex()
	return nil
}
