package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/orggen"
)

// Clients we did not write — boto3 and the AWS CLI — read every served organization through the
// simulator, and what they get back is compared with the snapshot. A machine without them fails
// these tests with the command that installs them (.ci/run installs them); nothing is skipped.

const (
	installBoto3  = "sudo apt-get install -y python3-boto3"
	installAWSCLI = "sudo apt-get install -y awscli"
)

// clientCase is one read-only call and what the snapshot says it answers.
type clientCase struct {
	ID        string         `json:"id"`
	Service   string         `json:"service"` // boto3's service name
	Op        string         `json:"op"`      // the API operation name
	Params    map[string]any `json:"params"`
	As        *asRole        `json:"as"`
	Region    string         `json:"region"`
	ResultKey string         `json:"resultKey"`
	Field     string         `json:"field"`
	PageSizes []int          `json:"pageSizes"`
	Manual    *manualPaging  `json:"manual,omitempty"`

	want      []string // the values, in the order the simulator pages them
	wantError string
	cli       bool // also run through the AWS CLI
}

type asRole struct {
	Account string `json:"account"`
	Role    string `json:"role"`
}

type manualPaging struct {
	Limit string `json:"limit"`
	In    string `json:"in"`
	Out   string `json:"out"`
}

// pages is page size 1 (or the API's minimum) and its maximum.
func pages(min, max int) []int { return []int{min, max} }

// unsized pages an operation that takes no page size (DescribeStacks, ListTopics) with the
// paginator's defaults.
var unsized = []int{0}

// clientCases lists, for a served snapshot, the calls to make and the answers to expect: every list
// operation the simulator serves (paged at its smallest and its largest page size), and every other
// read. Large organizations are sampled: a few parents, policies and accounts.
func clientCases(s *inventory.Snapshot) []clientCase {
	st := newState(copySnapshot(s), 0)
	mgmt := s.Organization.ManagementAccountID
	home := "us-east-1"
	if s.ALZ != nil {
		home = s.ALZ.HomeRegion
	}
	var cs []clientCase
	cliOps := map[string]bool{}
	add := func(c clientCase) {
		c.ID = fmt.Sprintf("%03d %s:%s", len(cs), c.Service, c.Op)
		// The CLI runs each operation once per organization: it is a process per call.
		if c.cli {
			c.cli = !cliOps[c.Service+":"+c.Op]
			cliOps[c.Service+":"+c.Op] = true
		}
		if c.Region == "" {
			c.Region = "us-east-1"
		}
		if c.want == nil {
			c.want = []string{}
		}
		cs = append(cs, c)
	}
	org := func(op string, params map[string]any, key, field string, want []string) {
		add(clientCase{Service: "organizations", Op: op, Params: params, ResultKey: key, Field: field, PageSizes: pages(1, orgMaxResults), want: want, cli: true})
	}

	// Organizations: the tree, sampled where it is large.
	var roots, ous []string
	for _, r := range s.Roots {
		roots = append(roots, r.ID)
	}
	org("ListRoots", nil, "Roots", "Id", roots)
	org("ListAccounts", nil, "Accounts", "Id", st.accountIDs)
	for _, ou := range s.OUs {
		ous = append(ous, ou.ID)
	}
	parents := append(append([]string{}, roots...), ous...)
	sort.SliceStable(parents, func(i, j int) bool { return len(st.childAccts[parents[i]]) > len(st.childAccts[parents[j]]) })
	if len(parents) > 6 {
		parents = parents[:6]
	}
	for _, p := range parents {
		org("ListOrganizationalUnitsForParent", map[string]any{"ParentId": p}, "OrganizationalUnits", "Id", st.childOUs[p])
		org("ListAccountsForParent", map[string]any{"ParentId": p}, "Accounts", "Id", st.childAccts[p])
		org("ListChildren", map[string]any{"ParentId": p, "ChildType": "ACCOUNT"}, "Children", "Id", st.childAccts[p])
		org("ListChildren", map[string]any{"ParentId": p, "ChildType": "ORGANIZATIONAL_UNIT"}, "Children", "Id", st.childOUs[p])
	}
	for _, child := range append(append([]string{}, ous[:min(3, len(ous))]...), st.accountIDs[:min(3, len(st.accountIDs))]...) {
		org("ListParents", map[string]any{"ChildId": child}, "Parents", "Id", []string{st.parentOf(child)})
	}
	var pols []string
	for _, p := range st.policies {
		pols = append(pols, p.ID)
	}
	org("ListPolicies", map[string]any{"Filter": scpType}, "Policies", "Id", pols)
	for _, p := range st.policies[:min(4, len(st.policies))] {
		org("ListTargetsForPolicy", map[string]any{"PolicyId": p.ID}, "Targets", "TargetId", p.Targets)
		add(clientCase{Service: "organizations", Op: "DescribePolicy", Params: map[string]any{"PolicyId": p.ID}, ResultKey: "Policy.PolicySummary", Field: "Name", want: []string{p.Name}})
	}
	for _, t := range parents[:min(3, len(parents))] {
		org("ListPoliciesForTarget", map[string]any{"TargetId": t, "Filter": scpType}, "Policies", "Id", st.attached[t])
	}
	org("ListAWSServiceAccessForOrganization", nil, "EnabledServicePrincipals", "ServicePrincipal", s.TrustedServices)
	org("ListDelegatedAdministrators", nil, "DelegatedAdministrators", "Id", st.delegatedAccounts)
	for _, a := range st.delegatedAccounts {
		org("ListDelegatedServicesForAccount", map[string]any{"AccountId": a}, "DelegatedServices", "ServicePrincipal", st.delegatedServices[a])
	}
	add(clientCase{Service: "organizations", Op: "DescribeOrganization", ResultKey: "Organization", Field: "Id", want: []string{s.Organization.ID}, cli: true})
	add(clientCase{Service: "organizations", Op: "DescribeAccount", Params: map[string]any{"AccountId": mgmt}, ResultKey: "Account", Field: "State", want: []string{st.account(mgmt).Status}})
	if len(ous) > 0 {
		add(clientCase{Service: "organizations", Op: "DescribeOrganizationalUnit", Params: map[string]any{"OrganizationalUnitId": ous[0]}, ResultKey: "OrganizationalUnit", Field: "Name", want: []string{st.ouBy[ous[0]].Name}})
	}
	add(clientCase{Service: "organizations", Op: "DescribeAccount", Params: map[string]any{"AccountId": "12345"}, wantError: "InvalidInputException"})

	// Identity and regions.
	add(clientCase{Service: "sts", Op: "GetCallerIdentity", ResultKey: "", Field: "Account", want: []string{mgmt}, cli: true})
	var enabled []string
	for _, r := range inventory.PartitionRegions(s.Partition) {
		if st.account(mgmt).EnabledIn(r.Name) {
			enabled = append(enabled, r.Name)
		}
	}
	add(clientCase{Service: "ec2", Op: "DescribeRegions", ResultKey: "Regions", Field: "RegionName", want: enabled, cli: true})
	add(clientCase{Service: "ec2", Op: "DescribeRegions", Params: map[string]any{"RegionNames": []string{"eu-wset-1"}}, wantError: "InvalidParameterValue"})

	// Per account: the management account and a few readable members, in each of their regions.
	sampled := 0
	for _, id := range st.accountIDs {
		a := st.account(id)
		if a.IAM == nil || a.AccessRole == "" || (id != mgmt && sampled >= 3) {
			continue
		}
		var who *asRole
		if id != mgmt {
			sampled++
			who = &asRole{Account: id, Role: a.AccessRole}
		}
		roles := rolesOf(a)
		if id == mgmt && s.ControlTower.LandingZone != nil {
			// A landing zone implies Control Tower's service roles in the management account.
			roles = append(roles, "AWSControlTowerAdmin", "AWSControlTowerCloudTrailRole", "AWSControlTowerConfigAggregatorRoleForOrganizations", "AWSControlTowerStackSetRole")
			sort.Strings(roles)
		}
		add(clientCase{Service: "iam", Op: "ListRoles", As: who, ResultKey: "Roles", Field: "RoleName", PageSizes: pages(1, 1000), want: roles, cli: true})
		for _, ar := range a.Regions {
			named := func(typ string) []string {
				var out []string
				for _, n := range ar.ReservedNames {
					if n.Type == typ {
						out = append(out, n.Name)
					}
				}
				sort.Strings(out)
				return out
			}
			var topics, vpcs []string
			for _, n := range named(inventory.ResourceSNSTopic) {
				topics = append(topics, "arn:"+st.partition()+":sns:"+ar.Region+":"+id+":"+n)
			}
			var enis []string
			for _, v := range ar.VPCs {
				vpcs = append(vpcs, v.ID)
				for _, n := range v.NetworkInterfaces {
					enis = append(enis, n.ID)
				}
			}
			sort.Strings(vpcs)
			sort.Strings(enis)
			var aggregators []string
			aggregators = append(aggregators, ar.ConfigAggregators...)
			sort.Strings(aggregators)
			r := ar.Region
			add(clientCase{Service: "sns", Op: "ListTopics", As: who, Region: r, ResultKey: "Topics", Field: "TopicArn", PageSizes: unsized, want: topics, cli: true})
			add(clientCase{Service: "ec2", Op: "DescribeVpcs", As: who, Region: r, ResultKey: "Vpcs", Field: "VpcId", PageSizes: pages(5, 1000), want: vpcs, cli: true})
			add(clientCase{Service: "ec2", Op: "DescribeNetworkInterfaces", As: who, Region: r, ResultKey: "NetworkInterfaces", Field: "NetworkInterfaceId", PageSizes: pages(5, 1000), want: enis, cli: true})
			add(clientCase{Service: "cloudtrail", Op: "DescribeTrails", As: who, Region: r, ResultKey: "trailList", Field: "Name", want: named(inventory.ResourceTrail), cli: true})
			add(clientCase{Service: "logs", Op: "DescribeLogGroups", As: who, Region: r, ResultKey: "logGroups", Field: "logGroupName", PageSizes: pages(1, 50), want: named(inventory.ResourceLogGroup), cli: true})
			add(clientCase{Service: "lambda", Op: "ListFunctions", As: who, Region: r, ResultKey: "Functions", Field: "FunctionName", PageSizes: pages(1, 10000), want: named(inventory.ResourceLambdaFunction), cli: true})
			add(clientCase{Service: "guardduty", Op: "ListDetectors", As: who, Region: r, ResultKey: "DetectorIds", Field: "", PageSizes: pages(1, 50), cli: true})
			add(clientCase{Service: "config", Op: "DescribeConfigurationAggregators", As: who, Region: r, ResultKey: "ConfigurationAggregators", Field: "ConfigurationAggregatorName", PageSizes: pages(1, 100), want: aggregators})
			var recs []string
			for _, rec := range ar.ConfigRecorders {
				recs = append(recs, rec.Name)
			}
			add(clientCase{Service: "config", Op: "DescribeConfigurationRecorders", As: who, Region: r, ResultKey: "ConfigurationRecorders", Field: "name", want: recs})
		}
	}

	// The management account's ALZ and Control Tower resources.
	if z := s.ALZ; z != nil {
		var stacks, sets []string
		for _, x := range st.stacks[home] {
			stacks = append(stacks, x.Name)
		}
		for _, x := range st.stackSets {
			sets = append(sets, x.Name)
		}
		add(clientCase{Service: "cloudformation", Op: "DescribeStacks", Region: home, ResultKey: "Stacks", Field: "StackName", PageSizes: unsized, want: stacks, cli: true})
		add(clientCase{Service: "cloudformation", Op: "ListStackSets", Region: home, ResultKey: "Summaries", Field: "StackSetName", PageSizes: pages(1, 100), want: sets, cli: true})
		for _, ss := range st.stackSets[:min(3, len(st.stackSets))] {
			var inst []string
			for _, in := range st.instances[ss.Name] {
				inst = append(inst, in.AccountID+"/"+in.Region)
			}
			add(clientCase{Service: "cloudformation", Op: "ListStackInstances", Params: map[string]any{"StackSetName": ss.Name}, Region: home, ResultKey: "Summaries", Field: "Account,Region", PageSizes: pages(1, 100), want: inst})
			add(clientCase{Service: "cloudformation", Op: "DescribeStackSet", Params: map[string]any{"StackSetName": ss.Name}, Region: home, ResultKey: "StackSet", Field: "StackSetId", want: []string{ss.ID}})
		}
		if len(st.stackSets) > 0 {
			add(clientCase{Service: "cloudformation", Op: "DescribeStackSetOperation", Params: map[string]any{"StackSetName": st.stackSets[0].Name, "OperationId": "11111111-2222-4333-8444-555555555555"},
				Region: home, wantError: "OperationNotFoundException", cli: true})
		}
		var ports, prods, pps []string
		for _, p := range st.portfolios {
			ports = append(ports, p.ID)
		}
		for _, p := range st.products {
			prods = append(prods, p.ID)
		}
		for _, p := range st.provisioned {
			pps = append(pps, p.ID)
		}
		if f, ok := st.accountFactoryIn(home); ok { // Control Tower's Account Factory, in the same region
			ports, prods = append(ports, f.portfolio), append(prods, f.product)
			sort.Strings(ports)
			sort.Strings(prods)
		}
		add(clientCase{Service: "servicecatalog", Op: "ListPortfolios", Region: home, ResultKey: "PortfolioDetails", Field: "Id", PageSizes: pages(1, 20), want: ports})
		add(clientCase{Service: "servicecatalog", Op: "SearchProductsAsAdmin", Region: home, ResultKey: "ProductViewDetails", Field: "ProductViewSummary.ProductId", PageSizes: pages(1, 20), want: prods})
		add(clientCase{Service: "servicecatalog", Op: "SearchProvisionedProducts", Region: home, ResultKey: "ProvisionedProducts", Field: "Id", PageSizes: pages(1, 100),
			Manual: &manualPaging{Limit: "PageSize", In: "PageToken", Out: "NextPageToken"}, want: pps})
		for _, p := range st.portfolios[:min(2, len(st.portfolios))] {
			principals := slices.Sorted(slices.Values(p.PrincipalARNs))
			constraints := slices.Sorted(slices.Values(p.ConstraintIDs))
			add(clientCase{Service: "servicecatalog", Op: "ListPrincipalsForPortfolio", Params: map[string]any{"PortfolioId": p.ID}, Region: home, ResultKey: "Principals", Field: "PrincipalARN", PageSizes: pages(1, 20), want: principals})
			add(clientCase{Service: "servicecatalog", Op: "ListConstraintsForPortfolio", Params: map[string]any{"PortfolioId": p.ID}, Region: home, ResultKey: "ConstraintDetails", Field: "ConstraintId", PageSizes: pages(1, 20), want: constraints})
		}
		if len(st.products) > 0 {
			p := st.products[0]
			add(clientCase{Service: "servicecatalog", Op: "DescribeProductAsAdmin", Params: map[string]any{"Id": p.ID}, Region: home, ResultKey: "ProductViewDetail.ProductViewSummary", Field: "Name", want: []string{p.Name}, cli: true})
		}
		var params, aliases []string
		for _, p := range st.ssm[home] {
			params = append(params, p.Name)
		}
		for _, a := range st.kms[home] {
			aliases = append(aliases, a.Name)
		}
		add(clientCase{Service: "ssm", Op: "DescribeParameters", Region: home, ResultKey: "Parameters", Field: "Name", PageSizes: pages(1, 50), want: params})
		add(clientCase{Service: "kms", Op: "ListAliases", Region: home, ResultKey: "Aliases", Field: "AliasName", PageSizes: pages(1, 100), want: aliases})
		if pl := z.Pipeline; pl != nil {
			add(clientCase{Service: "codepipeline", Op: "GetPipeline", Params: map[string]any{"name": pl.Name}, Region: pl.Region, ResultKey: "pipeline.stages", Field: "name", want: pl.Stages})
			add(clientCase{Service: "codepipeline", Op: "GetPipelineState", Params: map[string]any{"name": pl.Name}, Region: pl.Region, ResultKey: "stageStates", Field: "stageName", want: pl.Stages})
		}
	}
	buckets := st.s3.owned[mgmt]
	add(clientCase{Service: "s3", Op: "ListBuckets", ResultKey: "Buckets", Field: "Name", PageSizes: pages(1, 10000), want: buckets, cli: true})
	if len(buckets) > 0 {
		b := st.s3.buckets[buckets[0]]
		var loc []string
		if b.Region != "us-east-1" { // S3 answers an empty LocationConstraint (null) for us-east-1
			loc = []string{b.Region}
		}
		p := map[string]any{"Bucket": b.Name}
		add(clientCase{Service: "s3", Op: "GetBucketLocation", Params: p, ResultKey: "LocationConstraint", want: loc})
		add(clientCase{Service: "s3", Op: "GetBucketAcl", Params: p, ResultKey: "Owner", Field: "ID", want: []string{hexOf(mgmt)}, cli: true})
		var versioning []string
		if b.Versioning != "" {
			versioning = []string{b.Versioning}
		}
		add(clientCase{Service: "s3", Op: "GetBucketVersioning", Params: p, ResultKey: "Status", want: versioning, cli: true})
		add(clientCase{Service: "s3", Op: "HeadBucket", Params: p, ResultKey: "BucketRegion", want: []string{b.Region}, cli: true})
	}
	add(clientCase{Service: "s3", Op: "HeadBucket", Params: map[string]any{"Bucket": "no-such-bucket-lz2ct"}, wantError: "404"})
	if lz := s.ControlTower.LandingZone; lz != nil {
		r := lz.HomeRegion
		var baselines, enabledBaselines []string
		for _, b := range s.ControlTower.Baselines {
			baselines = append(baselines, b.Arn)
		}
		sort.Strings(baselines)
		parents := map[string]string{}
		for _, a := range s.Accounts {
			parents[a.ID] = a.ParentID
		}
		registered := map[string]bool{} // baseline + OU ID
		for _, b := range s.ControlTower.EnabledBaselines {
			if !strings.Contains(b.TargetIdentifier, ":account/") {
				registered[b.BaselineIdentifier+" "+b.TargetID()] = true
			}
		}
		for _, b := range s.ControlTower.EnabledBaselines {
			// Without includeChildren, no account-level enabled baseline inherited from its OU's.
			if !strings.Contains(b.TargetIdentifier, ":account/") || !registered[b.BaselineIdentifier+" "+parents[b.TargetID()]] {
				enabledBaselines = append(enabledBaselines, b.Arn)
			}
		}
		sort.Strings(enabledBaselines)
		add(clientCase{Service: "controltower", Op: "ListLandingZones", Region: r, ResultKey: "landingZones", Field: "arn", PageSizes: pages(1, 1), want: []string{lz.Arn}, cli: true})
		add(clientCase{Service: "controltower", Op: "GetLandingZone", Params: map[string]any{"landingZoneIdentifier": lz.Arn}, Region: r, ResultKey: "landingZone", Field: "version", want: []string{lz.Version}})
		add(clientCase{Service: "controltower", Op: "ListBaselines", Region: r, ResultKey: "baselines", Field: "arn", PageSizes: pages(4, 100), want: baselines})
		add(clientCase{Service: "controltower", Op: "ListEnabledBaselines", Region: r, ResultKey: "enabledBaselines", Field: "arn", PageSizes: pages(5, 100), want: enabledBaselines, cli: true})
	}
	if ic := s.IdentityCenter; ic != nil {
		add(clientCase{Service: "sso-admin", Op: "ListInstances", Region: ic.Region, ResultKey: "Instances", Field: "InstanceArn", PageSizes: pages(1, 100), want: []string{ic.InstanceArn}})
	}
	if q := s.Organization.AccountQuota; q > 0 {
		add(clientCase{Service: "service-quotas", Op: "GetServiceQuota", Params: map[string]any{"ServiceCode": "organizations", "QuotaCode": accountQuotaCode},
			ResultKey: "Quota", Field: "Value", want: []string{strconv.Itoa(q)}})
	}
	return cs
}

// findBoto3 returns a python3 that imports boto3, or fails the test with the install command.
func findBoto3(t *testing.T) string {
	t.Helper()
	var tried []string
	for _, py := range []string{"python3", "/usr/bin/python3"} {
		path, err := exec.LookPath(py)
		if err != nil {
			continue
		}
		tried = append(tried, path)
		if exec.Command(path, "-c", "import boto3").Run() == nil {
			return path
		}
	}
	t.Fatalf("no python3 with boto3 (tried %v): install it with `%s` (.ci/run does)", tried, installBoto3)
	return ""
}

// findCLIs returns the AWS CLIs on this machine, the first on PATH first, or fails the test with
// the install command.
func findCLIs(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, c := range []string{"aws", "/usr/bin/aws"} {
		path, err := exec.LookPath(c)
		if err != nil {
			continue
		}
		if real, err := filepath.EvalSymlinks(path); err == nil && slices.Contains(out, real) {
			continue
		}
		if exec.Command(path, "--version").Run() == nil {
			out = append(out, path)
		}
	}
	if len(out) == 0 {
		t.Fatalf("no AWS CLI on PATH or at /usr/bin/aws: install it with `%s` (.ci/run does)", installAWSCLI)
	}
	return out
}

type clientResult struct {
	Pages   map[string][]string `json:"pages"`
	Items   []string            `json:"items"`
	Error   string              `json:"error"`
	Unknown string              `json:"unknown"`
}

// checkResult compares what a client got with what the case expects; it returns "" when they agree.
func (c clientCase) check(pages map[string][]string, items []string, errCode string) string {
	if c.wantError != "" {
		if errCode != c.wantError {
			return fmt.Sprintf("error %q, want %q", errCode, c.wantError)
		}
		return ""
	}
	if errCode != "" {
		return "error " + errCode
	}
	if len(c.PageSizes) > 0 && pages != nil {
		for _, size := range c.PageSizes {
			got := pages[strconv.Itoa(size)]
			if !slices.Equal(got, c.want) && !(len(got) == 0 && len(c.want) == 0) {
				return fmt.Sprintf("at page size %d: %v, want %v", size, got, c.want)
			}
		}
		return ""
	}
	if !slices.Equal(items, c.want) && !(len(items) == 0 && len(c.want) == 0) {
		return fmt.Sprintf("%v, want %v", items, c.want)
	}
	return ""
}

func clientOrgs(t *testing.T) map[string]*inventory.Snapshot {
	orgs := map[string]*inventory.Snapshot{}
	files, err := filepath.Glob("../testdata/orgs/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata/orgs/*.json (%v)", err)
	}
	for _, f := range files {
		s, err := inventory.Load(f)
		if err != nil {
			t.Fatal(err)
		}
		orgs[filepath.Base(f)] = s
	}
	p := orggen.DefaultParams()
	p.Accounts, p.OUs, p.Regions, p.Seed = 60, 12, 3, 11
	g, err := orggen.Generate(p)
	if err != nil {
		t.Fatal(err)
	}
	orgs["generated"] = g
	// The hand-written fixture has what the testdata organizations lack: a landing zone with its
	// baselines, Control Tower's name collisions in every kind, VPCs in several accounts.
	orgs["fixture"] = fixture(25, testRegions)
	return orgs
}

// coverage notes which served operations a real client exercised.
type coverage struct {
	mu       sync.Mutex
	ops      map[string]bool
	notKnown map[string]bool // operations the installed client does not know
}

func (c *coverage) unknown(op string) {
	c.mu.Lock()
	if c.notKnown == nil {
		c.notKnown = map[string]bool{}
	}
	c.notKnown[op] = true
	c.mu.Unlock()
}

func (c *coverage) add(op string) {
	c.mu.Lock()
	c.ops[op] = true
	c.mu.Unlock()
}

// TestBoto3AgreesWithTheSnapshot: boto3's paginators at page size 1 (or the API's minimum) and at
// the maximum, and its plain calls, read back what every served organization holds.
func TestBoto3AgreesWithTheSnapshot(t *testing.T) {
	py := findBoto3(t)
	cov := &coverage{ops: map[string]bool{}}
	for name, snap := range clientOrgs(t) {
		t.Run(name, func(t *testing.T) {
			_, url := serve(t, snap, Options{})
			cases := clientCases(snap)
			in, _ := json.Marshal(map[string]any{"endpoint": url, "key": "AKIAEXAMPLEEXAMPLE00", "cases": cases})
			cmd := exec.Command(py, "testdata/boto3_agree.py")
			cmd.Stdin = bytes.NewReader(in)
			cmd.Env = append(cleanAWSEnv(), "HOME="+t.TempDir())
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("boto3: %v\n%s", err, stderr.String())
			}
			var out struct {
				Boto3, Botocore string
				Results         map[string]clientResult
			}
			if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
				t.Fatalf("boto3 output: %v\n%s", err, stdout.String())
			}
			for _, c := range cases {
				r := out.Results[c.ID]
				if r.Unknown != "" {
					t.Logf("%s: %s (the AWS CLI test covers it when its CLI knows it)", c.ID, r.Unknown)
					cov.unknown(c.Service + ":" + c.Op)
					continue
				}
				if msg := c.check(r.Pages, r.Items, r.Error); msg != "" {
					t.Errorf("boto3 %s %s %v as %v in %s: %s", out.Boto3, c.Op, c.Params, c.As, c.Region, msg)
					continue
				}
				cov.add(c.Service + ":" + c.Op)
			}
		})
	}
	if !t.Failed() {
		checkCoverage(t, cov, "boto3")
	}
}

// requiredOps are the read-only operations the issue lists and the simulator must serve to clients
// we did not write, by boto3 service name.
var requiredOps = []string{
	"organizations:ListParents", "organizations:ListChildren", "servicecatalog:DescribeProductAsAdmin",
	"cloudformation:DescribeStackSetOperation", "iam:ListRoles", "sns:ListTopics", "ec2:DescribeVpcs",
	"ec2:DescribeNetworkInterfaces", "cloudtrail:DescribeTrails", "logs:DescribeLogGroups", "lambda:ListFunctions",
	"guardduty:ListDetectors", "s3:GetBucketAcl", "s3:GetBucketVersioning", "s3:HeadBucket",
	"organizations:ListAccounts", "organizations:ListRoots", "ec2:DescribeRegions", "controltower:ListEnabledBaselines",
}

func checkCoverage(t *testing.T, cov *coverage, client string) {
	t.Helper()
	for _, op := range requiredOps {
		if !cov.ops[op] && !cov.notKnown[op] {
			t.Errorf("%s never exercised %s", client, op)
		}
	}
}

// cleanAWSEnv is the environment without the developer's AWS settings.
func cleanAWSEnv() []string {
	var env []string
	for _, e := range os.Environ() {
		if strings.HasPrefix(e, "AWS_") || strings.HasPrefix(e, "HOME=") {
			continue
		}
		env = append(env, e)
	}
	return append(env, "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER=", "AWS_MAX_ATTEMPTS=1")
}

// cliService is the AWS CLI's name for a boto3 service.
var cliService = map[string]string{"config": "configservice", "s3": "s3api"}

// cliName turns an API name into the CLI's (ListAccountsForParent -> list-accounts-for-parent),
// as botocore's xform_name does.
func cliName(op string) string {
	var b strings.Builder
	for i, r := range op {
		if i > 0 && r >= 'A' && r <= 'Z' {
			prev := rune(op[i-1])
			next := rune(0)
			if i+1 < len(op) {
				next = rune(op[i+1])
			}
			if prev >= 'a' && prev <= 'z' || (next >= 'a' && next <= 'z' && prev >= 'A' && prev <= 'Z') {
				b.WriteByte('-')
			}
		}
		b.WriteRune(r)
	}
	return strings.ToLower(b.String())
}

func cliArgs(params map[string]any) []string {
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range params {
			if !yield(k) {
				return
			}
		}
	})
	var out []string
	for _, k := range keys {
		flag := "--" + cliName(strings.ToUpper(k[:1])+k[1:])
		switch v := params[k].(type) {
		case []string:
			out = append(append(out, flag), v...)
		case bool:
			if !v {
				flag = "--no-" + strings.TrimPrefix(flag, "--")
			}
			out = append(out, flag)
		default:
			out = append(out, flag, fmt.Sprint(v))
		}
	}
	return out
}

// digJSON follows a dotted path into decoded JSON.
func digJSON(v any, path string) any {
	if path == "" {
		return v
	}
	for _, p := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

func fieldValues(items any, field string) []string {
	if items == nil {
		return []string{}
	}
	list, ok := items.([]any)
	if !ok {
		list = []any{items}
	}
	var out []string
	for _, it := range list {
		if strings.Contains(field, ",") {
			var parts []string
			for _, f := range strings.Split(field, ",") {
				parts = append(parts, fmt.Sprint(digJSON(it, f)))
			}
			out = append(out, strings.Join(parts, "/"))
			continue
		}
		switch v := digJSON(it, field).(type) {
		case string:
			out = append(out, v)
		default:
			b, _ := json.Marshal(v)
			out = append(out, string(b))
		}
	}
	return out
}

// TestAWSCLIAgreesWithTheSnapshot: the AWS CLI (whichever installed CLI knows the operation, the one
// on PATH first) reads the same calls, paging at the smallest page size.
func TestAWSCLIAgreesWithTheSnapshot(t *testing.T) {
	clis := findCLIs(t)
	cov := &coverage{ops: map[string]bool{}}
	orgs := clientOrgs(t)
	for _, name := range slices.Sorted(maps.Keys(orgs)) {
		snap := orgs[name]
		t.Run(name, func(t *testing.T) {
			_, url := serve(t, snap, Options{})
			creds := map[string][]string{}
			var mu sync.Mutex
			envFor := func(who *asRole, region string) []string {
				env := append(cleanAWSEnv(), "HOME="+t.TempDir(), "AWS_DEFAULT_REGION="+region, "AWS_REGION="+region)
				if who == nil {
					return append(env, "AWS_ACCESS_KEY_ID=AKIAEXAMPLEEXAMPLE00", "AWS_SECRET_ACCESS_KEY=secret")
				}
				mu.Lock()
				defer mu.Unlock()
				key := who.Account + "/" + who.Role
				if creds[key] == nil {
					out := must[*sts.AssumeRoleOutput](t, "AssumeRole")(sts.NewFromConfig(mgmtConfig(url, "eu-west-1")).AssumeRole(context.Background(),
						&sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + who.Account + ":role/" + who.Role), RoleSessionName: aws.String("aws-cli")}))
					c := out.Credentials
					creds[key] = []string{"AWS_ACCESS_KEY_ID=" + *c.AccessKeyId, "AWS_SECRET_ACCESS_KEY=" + *c.SecretAccessKey, "AWS_SESSION_TOKEN=" + *c.SessionToken}
				}
				return append(env, creds[key]...)
			}
			// Every operation on the richest organization; on the others, the core of the walk (a
			// CLI call is a process of a second or so).
			var cases []clientCase
			for _, c := range clientCases(snap) {
				if c.cli && (name == "fixture" || cliCore[c.Service+":"+c.Op]) {
					cases = append(cases, c)
				}
			}
			// Two CLIs at a time: each is a Python process of a second or so.
			sem := make(chan struct{}, 2)
			var wg sync.WaitGroup
			for _, c := range cases {
				wg.Add(1)
				sem <- struct{}{}
				go func() {
					defer wg.Done()
					defer func() { <-sem }()
					svc := c.Service
					if s, ok := cliService[svc]; ok {
						svc = s
					}
					args := append([]string{svc, cliName(c.Op)}, cliArgs(c.Params)...)
					if len(c.PageSizes) > 0 && c.PageSizes[0] > 0 && c.Manual == nil {
						args = append(args, "--page-size", strconv.Itoa(c.PageSizes[0]))
					}
					args = append(args, "--endpoint-url", url, "--output", "json")
					for _, cli := range clis {
						cmd := exec.Command(cli, args...)
						cmd.Env = envFor(c.As, c.Region)
						var stdout, stderr bytes.Buffer
						cmd.Stdout, cmd.Stderr = &stdout, &stderr
						err := cmd.Run()
						msg := stderr.String()
						if err != nil && strings.Contains(msg, "Invalid choice") {
							continue // this CLI does not know the operation: try the next one
						}
						code := ""
						if err != nil {
							code = cliErrorCode(msg)
							if code == "" {
								t.Errorf("%s %s: %v\n%s", cli, strings.Join(args, " "), err, msg)
								return
							}
						}
						var doc any
						if code == "" && stdout.Len() > 0 {
							if err := json.Unmarshal(stdout.Bytes(), &doc); err != nil {
								t.Errorf("%s %s: output is not JSON: %v\n%s", cli, strings.Join(args, " "), err, stdout.String())
								return
							}
						}
						got := fieldValues(digJSON(doc, c.ResultKey), c.Field)
						if problem := c.check(nil, got, code); problem != "" {
							t.Errorf("%s %s: %s", cli, strings.Join(args[:len(args)-4], " "), problem)
							return
						}
						cov.add(c.Service + ":" + c.Op)
						return
					}
					t.Errorf("no installed AWS CLI (%v) knows %s %s: install a newer one", clis, svc, cliName(c.Op))
				}()
			}
			wg.Wait()
		})
	}
	if !t.Failed() {
		checkCoverage(t, cov, "the AWS CLI")
	}
}

// cliCore are the operations the CLI runs on every organization.
var cliCore = map[string]bool{"organizations:ListAccounts": true, "iam:ListRoles": true, "ec2:DescribeVpcs": true}

// cliErrorCode reads the error code from the CLI's "An error occurred (Code) when calling ..." line.
func cliErrorCode(stderr string) string {
	_, rest, ok := strings.Cut(stderr, "An error occurred (")
	if !ok {
		return ""
	}
	code, _, _ := strings.Cut(rest, ")")
	return code
}
