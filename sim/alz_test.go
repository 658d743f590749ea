package sim

import (
	"context"
	"encoding/json"
	"reflect"
	"slices"
	"sort"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline"
	"github.com/aws/aws-sdk-go-v2/service/controltower"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/servicecatalog"
	sctypes "github.com/aws/aws-sdk-go-v2/service/servicecatalog/types"
	"github.com/aws/aws-sdk-go-v2/service/servicequotas"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"

	"github.com/lz2ct/lz2ct/inventory"
)

func TestALZResourcesServeTheSnapshot(t *testing.T) {
	snap := fixture(1, testRegions)
	_, url := serve(t, snap, Options{})
	ctx := context.Background()
	home := snap.ALZ.HomeRegion
	cfg := mgmtConfig(url, home)
	alz := snap.ALZ

	// Stacks: only the management account's, in their region.
	stacks := must[*cloudformation.DescribeStacksOutput](t, "DescribeStacks")(cloudformation.NewFromConfig(cfg).DescribeStacks(ctx, nil))
	var gotStacks []inventory.Stack
	for _, s := range stacks.Stacks {
		st := inventory.Stack{Name: *s.StackName, ID: *s.StackId, Region: home, Description: aws.ToString(s.Description), Status: string(s.StackStatus), TerminationProtection: aws.ToBool(s.EnableTerminationProtection)}
		for _, o := range s.Outputs {
			if st.Outputs == nil {
				st.Outputs = map[string]string{}
			}
			st.Outputs[*o.OutputKey] = *o.OutputValue
		}
		gotStacks = append(gotStacks, st)
	}
	if !reflect.DeepEqual(gotStacks, alz.Stacks) {
		t.Errorf("DescribeStacks:\n got %+v\nwant %+v", gotStacks, alz.Stacks)
	}
	other := mgmtConfig(url, testRegions[1])
	if s := must[*cloudformation.DescribeStacksOutput](t, "DescribeStacks elsewhere")(cloudformation.NewFromConfig(other).DescribeStacks(ctx, nil)); len(s.Stacks) != 0 {
		t.Errorf("stacks outside their region: %d", len(s.Stacks))
	}

	// StackSets and their instances, across pages of 1 and 2.
	cfn := cloudformation.NewFromConfig(cfg)
	var sets []inventory.StackSet
	sp := cloudformation.NewListStackSetsPaginator(cfn, &cloudformation.ListStackSetsInput{Status: cfntypes.StackSetStatusActive, MaxResults: aws.Int32(1)})
	for sp.HasMorePages() {
		for _, s := range must[*cloudformation.ListStackSetsOutput](t, "ListStackSets")(sp.NextPage(ctx)).Summaries {
			ss := inventory.StackSet{Name: *s.StackSetName, ID: *s.StackSetId, Description: aws.ToString(s.Description), Status: string(s.Status)}
			ip := cloudformation.NewListStackInstancesPaginator(cfn, &cloudformation.ListStackInstancesInput{StackSetName: s.StackSetName, MaxResults: aws.Int32(2)})
			for ip.HasMorePages() {
				for _, in := range must[*cloudformation.ListStackInstancesOutput](t, "ListStackInstances")(ip.NextPage(ctx)).Summaries {
					ss.Instances = append(ss.Instances, inventory.StackInstance{AccountID: *in.Account, Region: *in.Region, Status: string(in.Status)})
				}
			}
			sets = append(sets, ss)
		}
	}
	wantSets := append([]inventory.StackSet(nil), alz.StackSets...)
	sort.Slice(wantSets, func(i, j int) bool { return wantSets[i].Name < wantSets[j].Name })
	for i := range wantSets {
		inst := append([]inventory.StackInstance(nil), wantSets[i].Instances...)
		sort.Slice(inst, func(a, b int) bool { return instanceKey(inst[a]) < instanceKey(inst[b]) })
		wantSets[i].Instances = inst
	}
	if !reflect.DeepEqual(sets, wantSets) {
		t.Errorf("StackSets:\n got %+v\nwant %+v", sets, wantSets)
	}
	_, err := cfn.ListStackInstances(ctx, &cloudformation.ListStackInstancesInput{StackSetName: aws.String("nope")})
	wantCode(t, "unknown StackSet", err, "StackSetNotFoundException")

	// Service Catalog.
	sc := servicecatalog.NewFromConfig(cfg)
	ports := must[*servicecatalog.ListPortfoliosOutput](t, "ListPortfolios")(sc.ListPortfolios(ctx, nil))
	var names []string
	for _, p := range ports.PortfolioDetails {
		names = append(names, *p.Id+" "+*p.DisplayName)
	}
	// ALZ's portfolio, and Control Tower's Account Factory (the landing zone is in the same region).
	f, _ := servers[url].st.accountFactoryIn(alz.HomeRegion)
	if want := []string{alz.Portfolios[0].ID + " " + alz.Portfolios[0].Name, f.portfolio + " " + inventory.AccountFactoryPortfolio}; !slices.Equal(slices.Sorted(slices.Values(names)), slices.Sorted(slices.Values(want))) {
		t.Errorf("ListPortfolios = %v, want %v", names, want)
	}
	pid := alz.Portfolios[0].ID
	prods := must[*servicecatalog.SearchProductsAsAdminOutput](t, "SearchProductsAsAdmin")(sc.SearchProductsAsAdmin(ctx, &servicecatalog.SearchProductsAsAdminInput{PortfolioId: &pid}))
	if len(prods.ProductViewDetails) != 1 || *prods.ProductViewDetails[0].ProductViewSummary.ProductId != alz.Products[0].ID || *prods.ProductViewDetails[0].ProductViewSummary.Owner != alz.Products[0].Owner {
		t.Errorf("SearchProductsAsAdmin = %+v", prods.ProductViewDetails)
	}
	pr := must[*servicecatalog.ListPrincipalsForPortfolioOutput](t, "ListPrincipalsForPortfolio")(sc.ListPrincipalsForPortfolio(ctx, &servicecatalog.ListPrincipalsForPortfolioInput{PortfolioId: &pid}))
	if len(pr.Principals) != 1 || *pr.Principals[0].PrincipalARN != alz.Portfolios[0].PrincipalARNs[0] {
		t.Errorf("ListPrincipalsForPortfolio = %+v", pr.Principals)
	}
	cons := must[*servicecatalog.ListConstraintsForPortfolioOutput](t, "ListConstraintsForPortfolio")(sc.ListConstraintsForPortfolio(ctx, &servicecatalog.ListConstraintsForPortfolioInput{PortfolioId: &pid}))
	if len(cons.ConstraintDetails) != 1 || *cons.ConstraintDetails[0].ConstraintId != alz.Portfolios[0].ConstraintIDs[0] {
		t.Errorf("ListConstraintsForPortfolio = %+v", cons.ConstraintDetails)
	}
	pp := must[*servicecatalog.SearchProvisionedProductsOutput](t, "SearchProvisionedProducts")(sc.SearchProvisionedProducts(ctx, &servicecatalog.SearchProvisionedProductsInput{
		AccessLevelFilter: &sctypes.AccessLevelFilter{Key: sctypes.AccessLevelFilterKeyAccount, Value: aws.String("self")}}))
	if len(pp.ProvisionedProducts) != 1 || *pp.ProvisionedProducts[0].Id != alz.ProvisionedProducts[0].ID || string(pp.ProvisionedProducts[0].Status) != alz.ProvisionedProducts[0].Status || *pp.ProvisionedProducts[0].ProductId != alz.ProvisionedProducts[0].ProductID {
		t.Errorf("SearchProvisionedProducts = %+v", pp.ProvisionedProducts)
	}
	_, err = sc.ListPrincipalsForPortfolio(ctx, &servicecatalog.ListPrincipalsForPortfolioInput{PortfolioId: aws.String("port-nothere")})
	wantCode(t, "unknown portfolio", err, "ResourceNotFoundException")

	// SSM parameters under /org/, pages of 2.
	var params []string
	ssp := ssm.NewDescribeParametersPaginator(ssm.NewFromConfig(cfg), &ssm.DescribeParametersInput{MaxResults: aws.Int32(2),
		ParameterFilters: []ssmtypes.ParameterStringFilter{{Key: aws.String("Name"), Option: aws.String("BeginsWith"), Values: []string{"/org/"}}}})
	for ssp.HasMorePages() {
		for _, p := range must[*ssm.DescribeParametersOutput](t, "DescribeParameters")(ssp.NextPage(ctx)).Parameters {
			params = append(params, *p.Name)
		}
	}
	var wantParams []string
	for _, p := range alz.SSMParameters {
		wantParams = append(wantParams, p.Name)
	}
	sort.Strings(wantParams)
	if !reflect.DeepEqual(params, wantParams) {
		t.Errorf("DescribeParameters = %v, want %v", params, wantParams)
	}

	al := must[*kms.ListAliasesOutput](t, "ListAliases")(kms.NewFromConfig(cfg).ListAliases(ctx, nil))
	if len(al.Aliases) != 1 || *al.Aliases[0].AliasName != alz.KMSAliases[0].Name || *al.Aliases[0].TargetKeyId != alz.KMSAliases[0].TargetKeyID {
		t.Errorf("ListAliases = %+v", al.Aliases)
	}

	inst := must[*ssoadmin.ListInstancesOutput](t, "ListInstances")(ssoadmin.NewFromConfig(mgmtConfig(url, snap.IdentityCenter.Region)).ListInstances(ctx, nil))
	if len(inst.Instances) != 1 || *inst.Instances[0].InstanceArn != snap.IdentityCenter.InstanceArn || *inst.Instances[0].IdentityStoreId != snap.IdentityCenter.IdentityStoreID {
		t.Errorf("ListInstances = %+v", inst.Instances)
	}
	if n := must[*ssoadmin.ListInstancesOutput](t, "ListInstances elsewhere")(ssoadmin.NewFromConfig(other).ListInstances(ctx, nil)); len(n.Instances) != 0 {
		t.Errorf("Identity Center found outside its region")
	}

	// The pipeline and which of its transitions are disabled.
	cp := codepipeline.NewFromConfig(cfg)
	gp := must[*codepipeline.GetPipelineOutput](t, "GetPipeline")(cp.GetPipeline(ctx, &codepipeline.GetPipelineInput{Name: aws.String(alz.Pipeline.Name)}))
	var stages []string
	for _, s := range gp.Pipeline.Stages {
		stages = append(stages, *s.Name)
	}
	gs := must[*codepipeline.GetPipelineStateOutput](t, "GetPipelineState")(cp.GetPipelineState(ctx, &codepipeline.GetPipelineStateInput{Name: aws.String(alz.Pipeline.Name)}))
	var disabled []string
	for _, s := range gs.StageStates {
		if s.InboundTransitionState != nil && !s.InboundTransitionState.Enabled {
			disabled = append(disabled, *s.StageName)
		}
	}
	if !reflect.DeepEqual(stages, alz.Pipeline.Stages) || !reflect.DeepEqual(disabled, alz.Pipeline.DisabledTransitions) {
		t.Errorf("pipeline stages %v disabled %v, want %v %v", stages, disabled, alz.Pipeline.Stages, alz.Pipeline.DisabledTransitions)
	}
	_, err = cp.GetPipeline(ctx, &codepipeline.GetPipelineInput{Name: aws.String("other")})
	wantCode(t, "unknown pipeline", err, "PipelineNotFoundException")

	// Buckets: each account sees its own; us-east-1 is the empty LocationConstraint.
	for _, acct := range []string{mgmtID, logID} {
		c := cfg
		if acct != mgmtID {
			c = memberConfig(t, url, home, acct, "OrganizationAccountAccessRole")
		}
		client := s3.NewFromConfig(c, func(o *s3.Options) { o.UsePathStyle = true })
		lb := must[*s3.ListBucketsOutput](t, "ListBuckets")(client.ListBuckets(ctx, nil))
		var got []inventory.Bucket
		for _, b := range lb.Buckets {
			loc := must[*s3.GetBucketLocationOutput](t, "GetBucketLocation")(client.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: b.Name}))
			region := string(loc.LocationConstraint)
			if region == "" {
				region = "us-east-1"
			}
			got = append(got, inventory.Bucket{Name: *b.Name, AccountID: acct, Region: region})
		}
		var want []inventory.Bucket
		for _, b := range alz.Buckets {
			if b.AccountID == acct {
				want = append(want, b)
			}
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("buckets of %s = %+v, want %+v", acct, got, want)
		}
		_, err := client.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String("no-such-bucket-here")})
		wantCode(t, "unknown bucket", err, "NoSuchBucket")
	}

	q := must[*servicequotas.GetServiceQuotaOutput](t, "GetServiceQuota")(servicequotas.NewFromConfig(mgmtConfig(url, "us-east-1")).GetServiceQuota(ctx, &servicequotas.GetServiceQuotaInput{ServiceCode: aws.String("organizations"), QuotaCode: aws.String("L-29A0C5DF")}))
	if int(*q.Quota.Value) != snap.Organization.AccountQuota {
		t.Errorf("account quota %v, want %d", *q.Quota.Value, snap.Organization.AccountQuota)
	}
}

func TestControlTowerServesTheSnapshot(t *testing.T) {
	snap := fixture(0, testRegions)
	_, url := serve(t, snap, Options{})
	ctx := context.Background()
	lz := snap.ControlTower.LandingZone
	ct := controltower.NewFromConfig(mgmtConfig(url, lz.HomeRegion))
	lzs := must[*controltower.ListLandingZonesOutput](t, "ListLandingZones")(ct.ListLandingZones(ctx, nil))
	if len(lzs.LandingZones) != 1 || *lzs.LandingZones[0].Arn != lz.Arn {
		t.Fatalf("ListLandingZones = %+v", lzs.LandingZones)
	}
	if o := must[*controltower.ListLandingZonesOutput](t, "ListLandingZones elsewhere")(controltower.NewFromConfig(mgmtConfig(url, testRegions[1])).ListLandingZones(ctx, nil)); len(o.LandingZones) != 0 {
		t.Errorf("landing zone found outside its home region")
	}
	g := must[*controltower.GetLandingZoneOutput](t, "GetLandingZone")(ct.GetLandingZone(ctx, &controltower.GetLandingZoneInput{LandingZoneIdentifier: &lz.Arn}))
	var manifest struct {
		GovernedRegions       []string
		OrganizationStructure struct{ Security, Sandbox struct{ Name string } }
		CentralizedLogging    struct{ AccountID string }
		SecurityRoles         struct{ AccountID string }
	}
	raw, err := g.LandingZone.Manifest.MarshalSmithyDocument()
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &manifest); err != nil {
		t.Fatal(err)
	}
	if *g.LandingZone.Version != lz.Version || string(g.LandingZone.Status) != lz.Status || string(g.LandingZone.DriftStatus.Status) != lz.DriftStatus ||
		!reflect.DeepEqual(manifest.GovernedRegions, lz.GovernedRegions) || manifest.OrganizationStructure.Security.Name != lz.SecurityOUName ||
		manifest.OrganizationStructure.Sandbox.Name != lz.SandboxOUName || manifest.CentralizedLogging.AccountID != lz.LogArchiveAccountID || manifest.SecurityRoles.AccountID != lz.AuditAccountID {
		t.Errorf("GetLandingZone = %+v, manifest %+v", g.LandingZone, manifest)
	}
	var got []inventory.EnabledBaseline
	bp := controltower.NewListEnabledBaselinesPaginator(ct, &controltower.ListEnabledBaselinesInput{MaxResults: aws.Int32(5)})
	for bp.HasMorePages() {
		for _, b := range must[*controltower.ListEnabledBaselinesOutput](t, "ListEnabledBaselines")(bp.NextPage(ctx)).EnabledBaselines {
			got = append(got, inventory.EnabledBaseline{Arn: *b.Arn, BaselineIdentifier: *b.BaselineIdentifier, BaselineVersion: aws.ToString(b.BaselineVersion),
				TargetIdentifier: *b.TargetIdentifier, Status: string(b.StatusSummary.Status)})
		}
	}
	if !reflect.DeepEqual(got, snap.ControlTower.EnabledBaselines) {
		t.Errorf("ListEnabledBaselines:\n got %+v\nwant %+v", got, snap.ControlTower.EnabledBaselines)
	}
	_, err = ct.DisableBaseline(ctx, &controltower.DisableBaselineInput{EnabledBaselineIdentifier: aws.String(snap.ControlTower.EnabledBaselines[0].Arn)})
	wantCode(t, "unserved Control Tower operation", err, "UnknownOperationException")
}
