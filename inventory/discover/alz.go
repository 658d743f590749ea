package discover

import (
	"context"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/servicecatalog"
	sctypes "github.com/aws/aws-sdk-go-v2/service/servicecatalog/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/sourcegraph/conc/pool"

	"github.com/lz2ct/lz2ct/awsapi"
	"github.com/lz2ct/lz2ct/inventory"
)

// Names the AWS Landing Zone solution gives its resources (ALZ implementation guide).
const (
	alzPrefix          = "AWS-Landing-Zone"
	alzStackSetPrefix  = "AWS-Landing-Zone-"
	alzPortfolioPrefix = "AWS Landing Zone"
	alzPipeline        = "AWS-Landing-Zone-CodePipeline"
	alzKMSAlias        = "alias/AwsLandingZoneKMSKey"
	alzVersionOutput   = "LandingZoneSolutionVersion"
)

// alz reads what the AWS Landing Zone solution left in the management account. It runs as one
// task; the per-region stack listing fans out in a small pool of its own.
func (r *run) alz(ctx context.Context) {
	z := &inventory.ALZ{}

	// Stacks in every region: the initiation stack (SO0044) gives the home region and version.
	var mu sync.Mutex
	p := pool.New().WithMaxGoroutines(max(1, min(8, r.opts.Concurrency)))
	for _, region := range r.mgmtRegions() {
		p.Go(func() {
			stacks := r.alzStacks(ctx, region)
			mu.Lock()
			z.Stacks = append(z.Stacks, stacks...)
			mu.Unlock()
		})
	}
	p.Wait()
	for _, s := range z.Stacks {
		if s.IsInitiation() {
			z.HomeRegion = s.Region
			z.Version = s.Outputs[alzVersionOutput]
			break
		}
	}

	// StackSets live in the home region; without an initiation stack, the first region that holds
	// ALZ StackSets is taken as home.
	if z.HomeRegion != "" {
		z.StackSets = r.alzStackSets(ctx, z.HomeRegion)
	} else {
		for _, region := range r.mgmtRegions() {
			if sets := r.alzStackSets(ctx, region); len(sets) > 0 {
				z.HomeRegion, z.StackSets = region, sets
				break
			}
		}
	}
	if z.HomeRegion == "" {
		return // no ALZ: alz stays null
	}
	var regions []string
	for _, ss := range z.StackSets {
		for _, in := range ss.Instances {
			regions = append(regions, in.Region)
		}
	}
	z.ManifestRegions = sortedUnique(regions)
	// The shared accounts come from the OU tree: wait for the walk (long done in all but the
	// smallest organizations by now).
	select {
	case <-r.walked:
	case <-ctx.Done():
		return
	}
	r.deriveCore(z)

	home := awsapi.InRegion(r.mgmt, z.HomeRegion)
	r.alzServiceCatalog(ctx, home, z)
	r.alzPipeline(ctx, home, z)
	r.alzBuckets(ctx, z)
	r.alzParameters(ctx, home, z)
	r.alzKMS(ctx, home, z)

	r.mu.Lock()
	r.snap.ALZ = z
	r.mu.Unlock()
}

// deriveCore finds the core OU (root-level, named core) and ALZ's shared accounts in it.
func (r *run) deriveCore(z *inventory.ALZ) {
	roots := map[string]bool{}
	for _, root := range r.snap.Roots {
		roots[root.ID] = true
	}
	for _, ou := range r.snap.OUs {
		if roots[ou.ParentID] && strings.EqualFold(ou.Name, "core") {
			z.CoreOUID = ou.ID
			break
		}
	}
	if z.CoreOUID == "" {
		return
	}
	for _, a := range r.coreAccounts {
		if a.ParentID != z.CoreOUID {
			continue
		}
		switch strings.ToLower(a.Name) {
		case "security":
			z.SecurityAccountID = a.ID
		case "log-archive", "logging":
			z.LogArchiveAccountID = a.ID
		case "shared-services":
			z.SharedServicesAccountID = a.ID
		}
	}
}

func isALZStack(name, description string) bool {
	return strings.Contains(description, "(SO0044)") || strings.Contains(description, "(SO0045)") ||
		strings.HasPrefix(name, alzPrefix)
}

func (r *run) alzStacks(ctx context.Context, region string) []inventory.Stack {
	var out []inventory.Stack
	pg := cloudformation.NewDescribeStacksPaginator(awsapi.CloudFormation(awsapi.InRegion(r.mgmt, region)), &cloudformation.DescribeStacksInput{})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			r.problem(r.id.Account, region, err)
			return out
		}
		for _, s := range page.Stacks {
			name, desc := aws.ToString(s.StackName), aws.ToString(s.Description)
			if !isALZStack(name, desc) {
				continue
			}
			st := inventory.Stack{Name: name, ID: aws.ToString(s.StackId), Region: region, Description: desc,
				Status: string(s.StackStatus), TerminationProtection: aws.ToBool(s.EnableTerminationProtection)}
			for _, o := range s.Outputs {
				if aws.ToString(o.OutputKey) == alzVersionOutput {
					st.Outputs = map[string]string{alzVersionOutput: aws.ToString(o.OutputValue)}
				}
			}
			out = append(out, st)
		}
	}
	return out
}

func (r *run) alzStackSets(ctx context.Context, region string) []inventory.StackSet {
	cf := awsapi.CloudFormation(awsapi.InRegion(r.mgmt, region))
	var sets []inventory.StackSet
	pg := cloudformation.NewListStackSetsPaginator(cf, &cloudformation.ListStackSetsInput{Status: cftypes.StackSetStatusActive})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			r.problem(r.id.Account, region, err)
			return sets
		}
		for _, s := range page.Summaries {
			name := aws.ToString(s.StackSetName)
			if !strings.HasPrefix(name, alzStackSetPrefix) {
				continue
			}
			sets = append(sets, inventory.StackSet{Name: name, ID: aws.ToString(s.StackSetId),
				Description: aws.ToString(s.Description), Status: string(s.Status), Instances: []inventory.StackInstance{}})
		}
	}
	for i := range sets {
		ip := cloudformation.NewListStackInstancesPaginator(cf, &cloudformation.ListStackInstancesInput{StackSetName: aws.String(sets[i].Name)})
		for ip.HasMorePages() {
			page, err := ip.NextPage(ctx)
			if err != nil {
				if !isCode(err, "StackSetNotFoundException") {
					r.problem(r.id.Account, region, err)
				}
				break
			}
			for _, in := range page.Summaries {
				sets[i].Instances = append(sets[i].Instances, inventory.StackInstance{
					AccountID: aws.ToString(in.Account), Region: aws.ToString(in.Region), Status: string(in.Status)})
			}
		}
	}
	return sets
}

func (r *run) alzServiceCatalog(ctx context.Context, home aws.Config, z *inventory.ALZ) {
	sc := awsapi.ServiceCatalog(home)
	region := home.Region
	products := map[string]inventory.Product{}
	addProducts := func(details []sctypes.ProductViewDetail, onlyALZ bool) []string {
		var ids []string
		for _, d := range details {
			v := d.ProductViewSummary
			if v == nil {
				continue
			}
			p := inventory.Product{ID: aws.ToString(v.ProductId), Name: aws.ToString(v.Name), Owner: aws.ToString(v.Owner)}
			if onlyALZ && !strings.HasPrefix(p.Name, alzStackSetPrefix) {
				continue
			}
			products[p.ID] = p
			ids = append(ids, p.ID)
		}
		return ids
	}

	pg := servicecatalog.NewListPortfoliosPaginator(sc, &servicecatalog.ListPortfoliosInput{})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			r.problem(r.id.Account, region, err)
			break
		}
		for _, d := range page.PortfolioDetails {
			if !strings.HasPrefix(aws.ToString(d.DisplayName), alzPortfolioPrefix) {
				continue
			}
			z.Portfolios = append(z.Portfolios, inventory.Portfolio{ID: aws.ToString(d.Id), Name: aws.ToString(d.DisplayName),
				ProviderName: aws.ToString(d.ProviderName), ProductIDs: []string{}, PrincipalARNs: []string{}, ConstraintIDs: []string{}})
		}
	}
	for i := range z.Portfolios {
		pf := &z.Portfolios[i]
		sp := servicecatalog.NewSearchProductsAsAdminPaginator(sc, &servicecatalog.SearchProductsAsAdminInput{PortfolioId: aws.String(pf.ID)})
		for sp.HasMorePages() {
			page, err := sp.NextPage(ctx)
			if err != nil {
				r.problem(r.id.Account, region, err)
				break
			}
			pf.ProductIDs = append(pf.ProductIDs, addProducts(page.ProductViewDetails, false)...)
		}
		pp := servicecatalog.NewListPrincipalsForPortfolioPaginator(sc, &servicecatalog.ListPrincipalsForPortfolioInput{PortfolioId: aws.String(pf.ID)})
		for pp.HasMorePages() {
			page, err := pp.NextPage(ctx)
			if err != nil {
				r.problem(r.id.Account, region, err)
				break
			}
			for _, p := range page.Principals {
				pf.PrincipalARNs = append(pf.PrincipalARNs, aws.ToString(p.PrincipalARN))
			}
		}
		cp := servicecatalog.NewListConstraintsForPortfolioPaginator(sc, &servicecatalog.ListConstraintsForPortfolioInput{PortfolioId: aws.String(pf.ID)})
		for cp.HasMorePages() {
			page, err := cp.NextPage(ctx)
			if err != nil {
				r.problem(r.id.Account, region, err)
				break
			}
			for _, c := range page.ConstraintDetails {
				pf.ConstraintIDs = append(pf.ConstraintIDs, aws.ToString(c.ConstraintId))
			}
		}
	}
	// ALZ products outside the ALZ portfolios (e.g. after a portfolio was deleted by hand).
	sp := servicecatalog.NewSearchProductsAsAdminPaginator(sc, &servicecatalog.SearchProductsAsAdminInput{})
	for sp.HasMorePages() {
		page, err := sp.NextPage(ctx)
		if err != nil {
			r.problem(r.id.Account, region, err)
			break
		}
		addProducts(page.ProductViewDetails, true)
	}
	for _, p := range products {
		z.Products = append(z.Products, p)
	}

	// Provisioned products of this account ("Account" access level, value "self":
	// https://docs.aws.amazon.com/servicecatalog/latest/dg/API_SearchProvisionedProducts.html).
	ppg := servicecatalog.NewSearchProvisionedProductsPaginator(sc, &servicecatalog.SearchProvisionedProductsInput{
		AccessLevelFilter: &sctypes.AccessLevelFilter{Key: sctypes.AccessLevelFilterKeyAccount, Value: aws.String("self")}})
	for ppg.HasMorePages() {
		page, err := ppg.NextPage(ctx)
		if err != nil {
			r.problem(r.id.Account, region, err)
			break
		}
		for _, pp := range page.ProvisionedProducts {
			if _, ok := products[aws.ToString(pp.ProductId)]; !ok {
				continue
			}
			z.ProvisionedProducts = append(z.ProvisionedProducts, inventory.ProvisionedProduct{ID: aws.ToString(pp.Id),
				Name: aws.ToString(pp.Name), ProductID: aws.ToString(pp.ProductId), Status: string(pp.Status)})
		}
	}
}

func (r *run) alzPipeline(ctx context.Context, home aws.Config, z *inventory.ALZ) {
	cp := awsapi.CodePipeline(home)
	out, err := cp.GetPipeline(ctx, &codepipeline.GetPipelineInput{Name: aws.String(alzPipeline)})
	if err != nil {
		if !isCode(err, "PipelineNotFoundException") {
			r.problem(r.id.Account, home.Region, err)
		}
		return
	}
	pl := &inventory.Pipeline{Name: alzPipeline, Region: home.Region, Stages: []string{}, DisabledTransitions: []string{}}
	if out.Pipeline != nil {
		for _, s := range out.Pipeline.Stages {
			pl.Stages = append(pl.Stages, aws.ToString(s.Name))
		}
	}
	st, err := cp.GetPipelineState(ctx, &codepipeline.GetPipelineStateInput{Name: aws.String(alzPipeline)})
	if err != nil {
		r.problem(r.id.Account, home.Region, err)
	} else {
		for _, s := range st.StageStates {
			// A disabled inbound transition stops runs before the stage
			// (https://docs.aws.amazon.com/codepipeline/latest/userguide/transitions.html).
			if s.InboundTransitionState != nil && !s.InboundTransitionState.Enabled {
				pl.DisabledTransitions = append(pl.DisabledTransitions, aws.ToString(s.StageName))
			}
		}
	}
	z.Pipeline = pl
}

func isALZBucket(name string) bool {
	return strings.HasPrefix(name, "aws-landing-zone-") || strings.HasPrefix(name, "landingzone-")
}

// alzBuckets lists ALZ's buckets in the management and Log Archive accounts.
func (r *run) alzBuckets(ctx context.Context, z *inventory.ALZ) {
	accounts := []string{r.id.Account}
	if z.LogArchiveAccountID != "" && z.LogArchiveAccountID != r.id.Account {
		accounts = append(accounts, z.LogArchiveAccountID)
	}
	for _, acc := range accounts {
		cfg, _, err := r.c.ForAccount(ctx, acc)
		if err != nil {
			continue // the account task records the AssumeRole problem
		}
		// S3 bucket listing is global; us-east-1 answers GetBucketLocation for buckets in any region
		// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketLocation.html).
		s3c := awsapi.S3(awsapi.InRegion(r.counted(cfg), "us-east-1"))
		var names []string
		pg := s3.NewListBucketsPaginator(s3c, &s3.ListBucketsInput{})
		for pg.HasMorePages() {
			out, err := pg.NextPage(ctx)
			if err != nil {
				r.problem(acc, "", err)
				break
			}
			for _, b := range out.Buckets {
				if isALZBucket(aws.ToString(b.Name)) {
					names = append(names, aws.ToString(b.Name))
				}
			}
		}
		for _, name := range names {
			loc, err := s3c.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String(name)})
			if err != nil {
				if !isCode(err, "NoSuchBucket") {
					r.problem(acc, "", err)
				}
				continue
			}
			// An empty LocationConstraint means us-east-1 (API_GetBucketLocation).
			region := string(loc.LocationConstraint)
			if region == "" {
				region = "us-east-1"
			}
			z.Buckets = append(z.Buckets, inventory.Bucket{Name: name, AccountID: acc, Region: region})
		}
	}
}

func (r *run) alzParameters(ctx context.Context, home aws.Config, z *inventory.ALZ) {
	pg := ssm.NewDescribeParametersPaginator(awsapi.SSM(home), &ssm.DescribeParametersInput{
		ParameterFilters: []ssmtypes.ParameterStringFilter{{Key: aws.String("Name"), Option: aws.String("BeginsWith"), Values: []string{"/org/"}}}})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			r.problem(r.id.Account, home.Region, err)
			return
		}
		for _, p := range page.Parameters {
			sp := inventory.SSMParameter{Name: aws.ToString(p.Name), Region: home.Region}
			if p.Type != ssmtypes.ParameterTypeString {
				sp.Type = string(p.Type) // String is the default the snapshot leaves out
			}
			z.SSMParameters = append(z.SSMParameters, sp)
		}
	}
}

func (r *run) alzKMS(ctx context.Context, home aws.Config, z *inventory.ALZ) {
	pg := kms.NewListAliasesPaginator(awsapi.KMS(home), &kms.ListAliasesInput{})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			r.problem(r.id.Account, home.Region, err)
			return
		}
		for _, a := range page.Aliases {
			if aws.ToString(a.AliasName) == alzKMSAlias {
				z.KMSAliases = append(z.KMSAliases, inventory.KMSAlias{Name: alzKMSAlias, TargetKeyID: aws.ToString(a.TargetKeyId), Region: home.Region})
			}
		}
	}
}
