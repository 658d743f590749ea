package sim

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline"
	"github.com/aws/aws-sdk-go-v2/service/controltower"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/servicecatalog"
	sctypes "github.com/aws/aws-sdk-go-v2/service/servicecatalog/types"
	"github.com/aws/aws-sdk-go-v2/service/servicequotas"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/orggen"
)

// rediscoverer reads a served organization back, one call at a time, following docs/discovery.md.
// It is the simulator's side of the round-trip contract: inventory/discover does the same job
// concurrently; this sequential reader proves the simulator serves every field as the contract says.
type rediscoverer struct {
	t    *testing.T
	url  string
	ctx  context.Context
	snap *inventory.Snapshot
	mgmt aws.Config
}

func (d *rediscoverer) problem(account, region, service, op string, err error) {
	var ae smithy.APIError
	if !errorsAs(err, &ae) {
		d.t.Fatalf("%s %s in %s/%s: %v", service, op, account, region, err)
	}
	d.snap.Problems = append(d.snap.Problems, inventory.Problem{AccountID: account, Region: region, Service: service, Operation: op, Code: ae.ErrorCode(), Message: ae.ErrorMessage()})
}

func (d *rediscoverer) in(region string) aws.Config {
	c := d.mgmt
	c.Region = region
	return c
}

// rediscover reads the served organization in the given regions (discovery's --regions: without it,
// discovery reads every enabled region, more than a snapshot usually holds).
func rediscover(t *testing.T, url string, regions []string) *inventory.Snapshot {
	d := &rediscoverer{t: t, url: url, ctx: context.Background(), snap: &inventory.Snapshot{SchemaVersion: inventory.SchemaVersion}, mgmt: mgmtConfig(url, "us-east-1")}
	ctx, s := d.ctx, d.snap
	me := must[*sts.GetCallerIdentityOutput](t, "GetCallerIdentity")(sts.NewFromConfig(d.mgmt).GetCallerIdentity(ctx, nil))
	s.Partition = strings.Split(*me.Arn, ":")[1]
	enabled := map[string]bool{}
	for _, r := range must[*ec2.DescribeRegionsOutput](t, "DescribeRegions")(ec2.NewFromConfig(d.mgmt).DescribeRegions(ctx, nil)).Regions {
		enabled[*r.RegionName] = true
	}
	s.Regions = append([]string(nil), regions...)
	sort.Strings(s.Regions)
	for _, r := range s.Regions {
		if !enabled[r] {
			t.Fatalf("snapshot region %s is not enabled for the management account", r)
		}
	}

	org := organizations.NewFromConfig(d.mgmt)
	o := must[*organizations.DescribeOrganizationOutput](t, "DescribeOrganization")(org.DescribeOrganization(ctx, nil)).Organization
	s.Organization = inventory.Organization{ID: *o.Id, Arn: *o.Arn, FeatureSet: string(o.FeatureSet), ManagementAccountID: *o.MasterAccountId, ManagementAccountEmail: *o.MasterAccountEmail}
	q, err := servicequotas.NewFromConfig(d.mgmt).GetServiceQuota(ctx, &servicequotas.GetServiceQuotaInput{ServiceCode: aws.String("organizations"), QuotaCode: aws.String("L-29A0C5DF")})
	if err != nil {
		d.problem("", "", "servicequotas", "GetServiceQuota", err)
	} else {
		s.Organization.AccountQuota = int(*q.Quota.Value)
	}
	for _, r := range must[*organizations.ListRootsOutput](t, "ListRoots")(org.ListRoots(ctx, nil)).Roots {
		root := inventory.Root{ID: *r.Id, Arn: *r.Arn, Name: *r.Name, PolicyTypes: []string{}}
		for _, p := range r.PolicyTypes {
			if p.Status == orgtypes.PolicyTypeStatusEnabled {
				root.PolicyTypes = append(root.PolicyTypes, string(p.Type))
			}
		}
		s.Roots = append(s.Roots, root)
	}
	var walk func(parent string)
	walk = func(parent string) {
		ap := organizations.NewListAccountsForParentPaginator(org, &organizations.ListAccountsForParentInput{ParentId: &parent})
		for ap.HasMorePages() {
			for _, a := range must[*organizations.ListAccountsForParentOutput](t, "ListAccountsForParent")(ap.NextPage(ctx)).Accounts {
				s.Accounts = append(s.Accounts, inventory.Account{ID: *a.Id, Arn: *a.Arn, Name: *a.Name, Email: *a.Email, Status: string(a.State),
					JoinedMethod: string(a.JoinedMethod), JoinedAt: a.JoinedTimestamp.UTC(), ParentID: parent})
			}
		}
		op := organizations.NewListOrganizationalUnitsForParentPaginator(org, &organizations.ListOrganizationalUnitsForParentInput{ParentId: &parent})
		for op.HasMorePages() {
			for _, ou := range must[*organizations.ListOrganizationalUnitsForParentOutput](t, "ListOrganizationalUnitsForParent")(op.NextPage(ctx)).OrganizationalUnits {
				s.OUs = append(s.OUs, inventory.OU{ID: *ou.Id, Arn: *ou.Arn, Name: *ou.Name, ParentID: parent})
				walk(*ou.Id)
			}
		}
	}
	for _, r := range s.Roots {
		walk(r.ID)
	}
	for i := range s.Accounts {
		d.readAccount(&s.Accounts[i])
	}

	pp := organizations.NewListPoliciesPaginator(org, &organizations.ListPoliciesInput{Filter: orgtypes.PolicyTypeServiceControlPolicy})
	for pp.HasMorePages() {
		for _, p := range must[*organizations.ListPoliciesOutput](t, "ListPolicies")(pp.NextPage(ctx)).Policies {
			doc := must[*organizations.DescribePolicyOutput](t, "DescribePolicy")(org.DescribePolicy(ctx, &organizations.DescribePolicyInput{PolicyId: p.Id}))
			pol := inventory.Policy{ID: *p.Id, Arn: *p.Arn, Name: *p.Name, Description: aws.ToString(p.Description), AWSManaged: p.AwsManaged, Document: *doc.Policy.Content, Targets: []string{}}
			tp := organizations.NewListTargetsForPolicyPaginator(org, &organizations.ListTargetsForPolicyInput{PolicyId: p.Id})
			for tp.HasMorePages() {
				for _, tg := range must[*organizations.ListTargetsForPolicyOutput](t, "ListTargetsForPolicy")(tp.NextPage(ctx)).Targets {
					pol.Targets = append(pol.Targets, *tg.TargetId)
				}
			}
			s.Policies = append(s.Policies, pol)
		}
	}
	for _, p := range must[*organizations.ListAWSServiceAccessForOrganizationOutput](t, "ListAWSServiceAccessForOrganization")(org.ListAWSServiceAccessForOrganization(ctx, nil)).EnabledServicePrincipals {
		s.TrustedServices = append(s.TrustedServices, *p.ServicePrincipal)
	}
	for _, a := range must[*organizations.ListDelegatedAdministratorsOutput](t, "ListDelegatedAdministrators")(org.ListDelegatedAdministrators(ctx, nil)).DelegatedAdministrators {
		for _, sv := range must[*organizations.ListDelegatedServicesForAccountOutput](t, "ListDelegatedServicesForAccount")(org.ListDelegatedServicesForAccount(ctx, &organizations.ListDelegatedServicesForAccountInput{AccountId: a.Id})).DelegatedServices {
			s.DelegatedAdmins = append(s.DelegatedAdmins, inventory.DelegatedAdministrator{AccountID: *a.Id, ServicePrincipal: *sv.ServicePrincipal})
		}
	}
	for _, r := range s.Regions {
		if s.IdentityCenter != nil {
			break
		}
		for _, in := range must[*ssoadmin.ListInstancesOutput](t, "ListInstances")(ssoadmin.NewFromConfig(d.in(r)).ListInstances(ctx, nil)).Instances {
			s.IdentityCenter = &inventory.IdentityCenter{InstanceArn: *in.InstanceArn, IdentityStoreID: *in.IdentityStoreId, Region: r}
			break
		}
	}
	d.readControlTower()
	d.readALZ()
	s.Sort()
	return s
}

var trackedRoleOrder = []string{"AWSControlTowerExecution", "AWSCloudFormationStackSetExecutionRole", "OrganizationAccountAccessRole"}

func (d *rediscoverer) readAccount(a *inventory.Account) {
	ctx := d.ctx
	cfg := d.mgmt
	if a.ID == d.snap.Organization.ManagementAccountID {
		a.AccessRole = "caller"
	} else {
		var last error
		for _, role := range trackedRoleOrder {
			out, err := sts.NewFromConfig(d.mgmt).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:" + d.snap.Partition + ":iam::" + a.ID + ":role/" + role), RoleSessionName: aws.String("rediscover")})
			if err != nil {
				last = err
				continue
			}
			a.AccessRole = role
			cfg.Credentials = staticCreds(out)
			break
		}
		if a.AccessRole == "" {
			d.problem(a.ID, "", "sts", "AssumeRole", last)
			return
		}
	}
	flags, reserved := readRoles(d.t, cfg)
	a.IAM, a.ReservedNames = &flags, reserved
	a.OptInRegions = readOptIn(d.t, cfg)
	for _, r := range d.snap.Regions {
		if !a.EnabledIn(r) {
			continue
		}
		c := cfg
		c.Region = r
		ar := inventory.AccountRegion{Region: r}
		if _, err := sts.NewFromConfig(c).GetCallerIdentity(ctx, nil); errCode(err) == "RegionDisabledException" {
			ar.STSDisabled = true
		}
		// Reuse the per-region reader of account_test.go, which fails on unexpected errors; the
		// snapshots served here hold no per-region problems.
		got := readRegion(d.t, c, a.ID, r)
		got.STSDisabled = ar.STSDisabled
		a.Regions = append(a.Regions, got)
	}
}

func (d *rediscoverer) readControlTower() {
	ctx, s := d.ctx, d.snap
	for _, r := range s.Regions {
		ct := controltower.NewFromConfig(d.in(r))
		lzs := must[*controltower.ListLandingZonesOutput](d.t, "ListLandingZones")(ct.ListLandingZones(ctx, nil))
		if len(lzs.LandingZones) == 0 {
			continue
		}
		g := must[*controltower.GetLandingZoneOutput](d.t, "GetLandingZone")(ct.GetLandingZone(ctx, &controltower.GetLandingZoneInput{LandingZoneIdentifier: lzs.LandingZones[0].Arn})).LandingZone
		raw, _ := g.Manifest.MarshalSmithyDocument()
		var m struct {
			GovernedRegions       []string
			OrganizationStructure struct{ Security, Sandbox struct{ Name string } }
			CentralizedLogging    struct{ AccountID string }
			SecurityRoles         struct{ AccountID string }
		}
		if err := json.Unmarshal(raw, &m); err != nil {
			d.t.Fatal(err)
		}
		lz := &inventory.LandingZone{Arn: *g.Arn, Version: *g.Version, LatestAvailableVersion: aws.ToString(g.LatestAvailableVersion), Status: string(g.Status),
			HomeRegion: strings.Split(*g.Arn, ":")[3], GovernedRegions: m.GovernedRegions, SecurityOUName: m.OrganizationStructure.Security.Name,
			SandboxOUName: m.OrganizationStructure.Sandbox.Name, LogArchiveAccountID: m.CentralizedLogging.AccountID, AuditAccountID: m.SecurityRoles.AccountID}
		if g.DriftStatus != nil {
			lz.DriftStatus = string(g.DriftStatus.Status)
		}
		s.ControlTower.LandingZone = lz
		cp := controltower.NewListBaselinesPaginator(ct, &controltower.ListBaselinesInput{})
		for cp.HasMorePages() {
			for _, b := range must[*controltower.ListBaselinesOutput](d.t, "ListBaselines")(cp.NextPage(ctx)).Baselines {
				s.ControlTower.Baselines = append(s.ControlTower.Baselines, inventory.Baseline{Arn: *b.Arn, Name: *b.Name})
			}
		}
		// Account-level enabled baselines come back only with includeChildren.
		bp := controltower.NewListEnabledBaselinesPaginator(ct, &controltower.ListEnabledBaselinesInput{IncludeChildren: true})
		for bp.HasMorePages() {
			for _, b := range must[*controltower.ListEnabledBaselinesOutput](d.t, "ListEnabledBaselines")(bp.NextPage(ctx)).EnabledBaselines {
				s.ControlTower.EnabledBaselines = append(s.ControlTower.EnabledBaselines, inventory.EnabledBaseline{Arn: *b.Arn, BaselineIdentifier: *b.BaselineIdentifier,
					BaselineVersion: aws.ToString(b.BaselineVersion), TargetIdentifier: *b.TargetIdentifier, Status: string(b.StatusSummary.Status)})
			}
		}
		return
	}
}

func (d *rediscoverer) readALZ() {
	ctx, s, t := d.ctx, d.snap, d.t
	z := &inventory.ALZ{}
	for _, r := range s.Regions {
		sp := cloudformation.NewDescribeStacksPaginator(cloudformation.NewFromConfig(d.in(r)), &cloudformation.DescribeStacksInput{})
		for sp.HasMorePages() {
			for _, st := range must[*cloudformation.DescribeStacksOutput](t, "DescribeStacks")(sp.NextPage(ctx)).Stacks {
				desc := aws.ToString(st.Description)
				if !strings.Contains(desc, "(SO0044)") && !strings.Contains(desc, "(SO0045)") && !strings.HasPrefix(*st.StackName, "AWS-Landing-Zone") {
					continue
				}
				stack := inventory.Stack{Name: *st.StackName, ID: *st.StackId, Region: r, Description: desc, Status: string(st.StackStatus), TerminationProtection: aws.ToBool(st.EnableTerminationProtection)}
				for _, o := range st.Outputs {
					if stack.Outputs == nil {
						stack.Outputs = map[string]string{}
					}
					stack.Outputs[*o.OutputKey] = *o.OutputValue
				}
				if stack.IsInitiation() {
					z.HomeRegion, z.Version = r, stack.Outputs["LandingZoneSolutionVersion"]
				}
				z.Stacks = append(z.Stacks, stack)
			}
		}
	}
	if z.HomeRegion == "" {
		return // the simulated organizations all have an initiation stack when they have ALZ
	}
	home := d.in(z.HomeRegion)
	cfn := cloudformation.NewFromConfig(home)
	regions := map[string]bool{}
	sp := cloudformation.NewListStackSetsPaginator(cfn, &cloudformation.ListStackSetsInput{Status: cfntypes.StackSetStatusActive})
	for sp.HasMorePages() {
		for _, ss := range must[*cloudformation.ListStackSetsOutput](t, "ListStackSets")(sp.NextPage(ctx)).Summaries {
			if !strings.HasPrefix(*ss.StackSetName, "AWS-Landing-Zone-") {
				continue
			}
			set := inventory.StackSet{Name: *ss.StackSetName, ID: *ss.StackSetId, Description: aws.ToString(ss.Description), Status: string(ss.Status), Instances: []inventory.StackInstance{}}
			ip := cloudformation.NewListStackInstancesPaginator(cfn, &cloudformation.ListStackInstancesInput{StackSetName: ss.StackSetName})
			for ip.HasMorePages() {
				for _, in := range must[*cloudformation.ListStackInstancesOutput](t, "ListStackInstances")(ip.NextPage(ctx)).Summaries {
					set.Instances = append(set.Instances, inventory.StackInstance{AccountID: *in.Account, Region: *in.Region, Status: string(in.Status)})
					regions[*in.Region] = true
				}
			}
			z.StackSets = append(z.StackSets, set)
		}
	}
	for r := range regions {
		z.ManifestRegions = append(z.ManifestRegions, r)
	}
	for _, ou := range s.OUs {
		if strings.EqualFold(ou.Name, "core") && s.Roots[0].ID == ou.ParentID {
			z.CoreOUID = ou.ID
		}
	}
	for _, a := range s.Accounts {
		if z.CoreOUID == "" || a.ParentID != z.CoreOUID {
			continue
		}
		switch a.Name {
		case "security":
			z.SecurityAccountID = a.ID
		case "log-archive", "logging":
			z.LogArchiveAccountID = a.ID
		case "shared-services":
			z.SharedServicesAccountID = a.ID
		}
	}
	sc := servicecatalog.NewFromConfig(home)
	alzProducts := map[string]bool{}
	addProduct := func(v sctypes.ProductViewDetail) {
		id := *v.ProductViewSummary.ProductId
		if !alzProducts[id] {
			alzProducts[id] = true
			z.Products = append(z.Products, inventory.Product{ID: id, Name: *v.ProductViewSummary.Name, Owner: aws.ToString(v.ProductViewSummary.Owner)})
		}
	}
	lp := servicecatalog.NewListPortfoliosPaginator(sc, &servicecatalog.ListPortfoliosInput{})
	for lp.HasMorePages() {
		for _, p := range must[*servicecatalog.ListPortfoliosOutput](t, "ListPortfolios")(lp.NextPage(ctx)).PortfolioDetails {
			if !strings.HasPrefix(*p.DisplayName, "AWS Landing Zone") {
				continue
			}
			port := inventory.Portfolio{ID: *p.Id, Name: *p.DisplayName, ProviderName: aws.ToString(p.ProviderName), ProductIDs: []string{}, PrincipalARNs: []string{}, ConstraintIDs: []string{}}
			for _, v := range must[*servicecatalog.SearchProductsAsAdminOutput](t, "SearchProductsAsAdmin")(sc.SearchProductsAsAdmin(ctx, &servicecatalog.SearchProductsAsAdminInput{PortfolioId: p.Id})).ProductViewDetails {
				port.ProductIDs = append(port.ProductIDs, *v.ProductViewSummary.ProductId)
				addProduct(v)
			}
			for _, pr := range must[*servicecatalog.ListPrincipalsForPortfolioOutput](t, "ListPrincipalsForPortfolio")(sc.ListPrincipalsForPortfolio(ctx, &servicecatalog.ListPrincipalsForPortfolioInput{PortfolioId: p.Id})).Principals {
				port.PrincipalARNs = append(port.PrincipalARNs, *pr.PrincipalARN)
			}
			for _, c := range must[*servicecatalog.ListConstraintsForPortfolioOutput](t, "ListConstraintsForPortfolio")(sc.ListConstraintsForPortfolio(ctx, &servicecatalog.ListConstraintsForPortfolioInput{PortfolioId: p.Id})).ConstraintDetails {
				port.ConstraintIDs = append(port.ConstraintIDs, *c.ConstraintId)
			}
			z.Portfolios = append(z.Portfolios, port)
		}
	}
	for _, v := range must[*servicecatalog.SearchProductsAsAdminOutput](t, "SearchProductsAsAdmin")(sc.SearchProductsAsAdmin(ctx, &servicecatalog.SearchProductsAsAdminInput{})).ProductViewDetails {
		if strings.HasPrefix(*v.ProductViewSummary.Name, "AWS-Landing-Zone-") {
			addProduct(v)
		}
	}
	ppp := servicecatalog.NewSearchProvisionedProductsPaginator(sc, &servicecatalog.SearchProvisionedProductsInput{
		AccessLevelFilter: &sctypes.AccessLevelFilter{Key: sctypes.AccessLevelFilterKeyAccount, Value: aws.String("self")}})
	for ppp.HasMorePages() {
		for _, p := range must[*servicecatalog.SearchProvisionedProductsOutput](t, "SearchProvisionedProducts")(ppp.NextPage(ctx)).ProvisionedProducts {
			if alzProducts[*p.ProductId] {
				z.ProvisionedProducts = append(z.ProvisionedProducts, inventory.ProvisionedProduct{ID: *p.Id, Name: *p.Name, ProductID: *p.ProductId, Status: string(p.Status)})
			}
		}
	}
	cp := codepipeline.NewFromConfig(home)
	if gp, err := cp.GetPipeline(ctx, &codepipeline.GetPipelineInput{Name: aws.String("AWS-Landing-Zone-CodePipeline")}); err == nil {
		pl := &inventory.Pipeline{Name: *gp.Pipeline.Name, Region: z.HomeRegion, DisabledTransitions: []string{}}
		for _, st := range gp.Pipeline.Stages {
			pl.Stages = append(pl.Stages, *st.Name)
		}
		for _, st := range must[*codepipeline.GetPipelineStateOutput](t, "GetPipelineState")(cp.GetPipelineState(ctx, &codepipeline.GetPipelineStateInput{Name: gp.Pipeline.Name})).StageStates {
			if st.InboundTransitionState != nil && !st.InboundTransitionState.Enabled {
				pl.DisabledTransitions = append(pl.DisabledTransitions, *st.StageName)
			}
		}
		z.Pipeline = pl
	} else {
		wantCode(t, "GetPipeline", err, "PipelineNotFoundException")
	}
	for _, acct := range []string{s.Organization.ManagementAccountID, z.LogArchiveAccountID} {
		if acct == "" {
			continue
		}
		cfg := home
		if acct != s.Organization.ManagementAccountID {
			for _, a := range s.Accounts {
				if a.ID == acct && a.AccessRole != "" {
					cfg = memberConfig(t, d.url, z.HomeRegion, acct, a.AccessRole)
				}
			}
		}
		client := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
		for _, b := range must[*s3.ListBucketsOutput](t, "ListBuckets")(client.ListBuckets(ctx, nil)).Buckets {
			if !strings.HasPrefix(*b.Name, "aws-landing-zone-") && !strings.HasPrefix(*b.Name, "landingzone-") {
				continue
			}
			loc := must[*s3.GetBucketLocationOutput](t, "GetBucketLocation")(client.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: b.Name}))
			region := string(loc.LocationConstraint)
			if region == "" {
				region = "us-east-1"
			}
			z.Buckets = append(z.Buckets, inventory.Bucket{Name: *b.Name, AccountID: acct, Region: region})
		}
	}
	dp := ssm.NewDescribeParametersPaginator(ssm.NewFromConfig(home), &ssm.DescribeParametersInput{ParameterFilters: []ssmtypes.ParameterStringFilter{{Key: aws.String("Name"), Option: aws.String("BeginsWith"), Values: []string{"/org/"}}}})
	for dp.HasMorePages() {
		for _, p := range must[*ssm.DescribeParametersOutput](t, "DescribeParameters")(dp.NextPage(ctx)).Parameters {
			z.SSMParameters = append(z.SSMParameters, inventory.SSMParameter{Name: *p.Name, Region: z.HomeRegion})
		}
	}
	for _, a := range must[*kms.ListAliasesOutput](t, "ListAliases")(kms.NewFromConfig(home).ListAliases(ctx, nil)).Aliases {
		if *a.AliasName == "alias/AwsLandingZoneKMSKey" {
			z.KMSAliases = append(z.KMSAliases, inventory.KMSAlias{Name: *a.AliasName, TargetKeyID: aws.ToString(a.TargetKeyId), Region: z.HomeRegion})
		}
	}
	s.ALZ = z
}

// comparable is a snapshot as generic JSON without capture time and source, and with empty lists,
// empty objects and nulls dropped (nil and empty slices mean the same).
func comparable(t *testing.T, s *inventory.Snapshot) any {
	c := *s
	c.CapturedAt, c.Source = time.Time{}, ""
	data, err := json.Marshal(&c)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	delete(v, "capturedAt")
	return prune(v)
}

func prune(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			e = prune(e)
			if e == nil {
				delete(x, k)
			} else {
				x[k] = e
			}
		}
		if len(x) == 0 {
			return nil
		}
	case []any:
		if len(x) == 0 {
			return nil
		}
		for i := range x {
			x[i] = prune(x[i])
		}
	}
	return v
}

// diff lists the JSON paths where a and b differ.
func diff(path string, a, b any, out *[]string) {
	if len(*out) > 20 {
		return
	}
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if aok && bok {
		keys := map[string]bool{}
		for k := range am {
			keys[k] = true
		}
		for k := range bm {
			keys[k] = true
		}
		for k := range keys {
			diff(path+"."+k, am[k], bm[k], out)
		}
		return
	}
	al, aok := a.([]any)
	bl, bok := b.([]any)
	if aok && bok && len(al) == len(bl) {
		for i := range al {
			diff(fmt.Sprintf("%s[%d]", path, i), al[i], bl[i], out)
		}
		return
	}
	if !reflect.DeepEqual(a, b) {
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		*out = append(*out, fmt.Sprintf("%s: served %.300s, read back %.300s", path, ja, jb))
	}
}

// TestRoundTripTestdata serves every testdata snapshot and reads it back through the real SDK:
// what comes back must be the served snapshot, field for field.
func TestRoundTripTestdata(t *testing.T) {
	files, err := filepath.Glob("../testdata/orgs/*.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no testdata/orgs/*.json")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			snap, err := inventory.Load(f)
			if err != nil {
				t.Fatal(err)
			}
			_, url := serve(t, snap, Options{})
			got := rediscover(t, url, snap.Regions)
			var diffs []string
			diff("$", comparable(t, snap), comparable(t, got), &diffs)
			sort.Strings(diffs)
			for _, d := range diffs {
				t.Error(d)
			}
		})
	}
}

// TestRoundTripGenerated does the same for a generated organization with deeper trees, more
// regions and pages everywhere.
func TestRoundTripGenerated(t *testing.T) {
	p := orggen.DefaultParams()
	p.Accounts, p.OUs, p.Regions, p.Seed = 150, 30, 4, 42
	snap, err := orggen.Generate(p)
	if err != nil {
		t.Fatal(err)
	}
	_, url := serve(t, snap, Options{})
	got := rediscover(t, url, snap.Regions)
	var diffs []string
	diff("$", comparable(t, snap), comparable(t, got), &diffs)
	sort.Strings(diffs)
	for _, d := range diffs {
		t.Error(d)
	}
}
