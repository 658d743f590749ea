package discover

import (
	"context"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/servicequotas"
	"github.com/sourcegraph/conc/pool"

	"github.com/lz2ct/lz2ct/awsapi"
	"github.com/lz2ct/lz2ct/inventory"
)

// organization reads DescribeOrganization and ListRoots; both are fatal.
func (r *run) organization(ctx context.Context) error {
	org := awsapi.Organizations(r.mgmt)
	out, err := org.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	if err != nil {
		return r.fatal("organizations:DescribeOrganization", err)
	}
	o := out.Organization
	r.snap.Organization = inventory.Organization{
		ID:                     aws.ToString(o.Id),
		Arn:                    aws.ToString(o.Arn),
		FeatureSet:             string(o.FeatureSet),
		ManagementAccountID:    aws.ToString(o.MasterAccountId),
		ManagementAccountEmail: aws.ToString(o.MasterAccountEmail),
	}
	pg := organizations.NewListRootsPaginator(org, &organizations.ListRootsInput{})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return r.fatal("organizations:ListRoots", err)
		}
		for _, root := range page.Roots {
			ir := inventory.Root{ID: aws.ToString(root.Id), Arn: aws.ToString(root.Arn), Name: aws.ToString(root.Name), PolicyTypes: []string{}}
			for _, pt := range root.PolicyTypes {
				// Only enabled policy types count: a PENDING_* type does not apply yet
				// (https://docs.aws.amazon.com/organizations/latest/APIReference/API_PolicyTypeSummary.html).
				if pt.Status == orgtypes.PolicyTypeStatusEnabled {
					ir.PolicyTypes = append(ir.PolicyTypes, string(pt.Type))
				}
			}
			r.snap.Roots = append(r.snap.Roots, ir)
		}
	}
	return nil
}

// regions fills snap.Regions from --regions or the regions enabled for the management account,
// and notes the management account's enabled opt-in regions. With AllRegions, DescribeRegions lists
// every region with its OptInStatus for the calling account: opt-in-not-required and opted-in ones
// are enabled (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeRegions.html).
func (r *run) regions(ctx context.Context) {
	out, err := awsapi.EC2(r.mgmt).DescribeRegions(ctx, &ec2.DescribeRegionsInput{AllRegions: aws.Bool(true)})
	if err != nil {
		r.problem("", "", err)
		r.snap.Regions = []string{r.mgmt.Region}
		if len(r.opts.Regions) > 0 {
			r.snap.Regions = sortedUnique(r.opts.Regions)
		}
		return
	}
	r.mgmtOptIn, r.mgmtOptInKnown = optedIn(out.Regions), true
	if len(r.opts.Regions) > 0 {
		r.snap.Regions = sortedUnique(r.opts.Regions)
		return
	}
	var names []string
	for _, reg := range out.Regions {
		if aws.ToString(reg.OptInStatus) != "not-opted-in" {
			names = append(names, aws.ToString(reg.RegionName))
		}
	}
	r.snap.Regions = sortedUnique(names)
}

// mgmtRegions are the snapshot regions enabled for the management account: where the
// organization-wide reads (Identity Center, Control Tower, ALZ's stacks) can look.
func (r *run) mgmtRegions() []string {
	if !r.mgmtOptInKnown {
		return r.snap.Regions
	}
	m := inventory.Account{OptInRegions: r.mgmtOptIn}
	var out []string
	for _, region := range r.snap.Regions {
		if m.EnabledIn(region) {
			out = append(out, region)
		}
	}
	return out
}

// walk reads the OU tree from each root down, one level at a time, each level's parents in
// parallel. Any failure is fatal: without the full tree no later stage can be trusted.
func (r *run) walk(ctx context.Context) error {
	org := awsapi.Organizations(r.mgmt)
	var parents []string
	for _, root := range r.snap.Roots {
		parents = append(parents, root.ID)
	}
	var mu sync.Mutex
	for len(parents) > 0 {
		var next []string
		p := pool.New().WithContext(ctx).WithMaxGoroutines(r.opts.Concurrency).WithCancelOnError().WithFirstError()
		for _, parent := range parents {
			p.Go(func(ctx context.Context) error {
				ous, accounts, err := r.children(ctx, org, parent)
				if err != nil {
					return err
				}
				mu.Lock()
				defer mu.Unlock()
				r.snap.OUs = append(r.snap.OUs, ous...)
				r.snap.Accounts = append(r.snap.Accounts, accounts...)
				r.found.Add(int64(len(accounts)))
				for _, ou := range ous {
					next = append(next, ou.ID)
				}
				return nil
			})
		}
		if err := p.Wait(); err != nil {
			return err
		}
		parents = next
	}
	return nil
}

func (r *run) children(ctx context.Context, org *organizations.Client, parent string) ([]inventory.OU, []inventory.Account, error) {
	var ous []inventory.OU
	op := organizations.NewListOrganizationalUnitsForParentPaginator(org, &organizations.ListOrganizationalUnitsForParentInput{ParentId: aws.String(parent)})
	for op.HasMorePages() {
		page, err := op.NextPage(ctx)
		if err != nil {
			return nil, nil, r.fatal("organizations:ListOrganizationalUnitsForParent "+parent, err)
		}
		for _, ou := range page.OrganizationalUnits {
			ous = append(ous, inventory.OU{ID: aws.ToString(ou.Id), Arn: aws.ToString(ou.Arn), Name: aws.ToString(ou.Name), ParentID: parent})
		}
	}
	var accounts []inventory.Account
	ap := organizations.NewListAccountsForParentPaginator(org, &organizations.ListAccountsForParentInput{ParentId: aws.String(parent)})
	for ap.HasMorePages() {
		page, err := ap.NextPage(ctx)
		if err != nil {
			return nil, nil, r.fatal("organizations:ListAccountsForParent "+parent, err)
		}
		for _, a := range page.Accounts {
			accounts = append(accounts, inventory.Account{
				ID: aws.ToString(a.Id), Arn: aws.ToString(a.Arn), Name: aws.ToString(a.Name), Email: aws.ToString(a.Email),
				Status: accountState(a), JoinedMethod: string(a.JoinedMethod),
				JoinedAt: aws.ToTime(a.JoinedTimestamp).UTC().Truncate(1e9), ParentID: parent,
			})
		}
	}
	return ous, accounts, nil
}

// accountQuota reads the organization's account quota (Service Quotas, organizations L-29A0C5DF).
// Service Quotas serves Organizations' quotas in us-east-1 only
// (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html).
func (r *run) accountQuota(ctx context.Context) {
	out, err := awsapi.ServiceQuotas(awsapi.InRegion(r.mgmt, "us-east-1")).GetServiceQuota(ctx, &servicequotas.GetServiceQuotaInput{
		ServiceCode: aws.String("organizations"), QuotaCode: aws.String("L-29A0C5DF")})
	if err != nil {
		r.problem("", "", err)
		return
	}
	if out.Quota != nil && out.Quota.Value != nil {
		r.mu.Lock()
		r.snap.Organization.AccountQuota = int(*out.Quota.Value)
		r.mu.Unlock()
	}
}

// policies reads every SCP with its document and targets.
func (r *run) policies(ctx context.Context) {
	org := awsapi.Organizations(r.mgmt)
	var list []inventory.Policy
	pg := organizations.NewListPoliciesPaginator(org, &organizations.ListPoliciesInput{Filter: orgtypes.PolicyTypeServiceControlPolicy})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			r.problem("", "", err)
			return
		}
		for _, s := range page.Policies {
			list = append(list, inventory.Policy{ID: aws.ToString(s.Id), Arn: aws.ToString(s.Arn), Name: aws.ToString(s.Name),
				Description: aws.ToString(s.Description), AWSManaged: s.AwsManaged, Targets: []string{}})
		}
	}
	// Policies are read in parallel too: an organization can hold hundreds of SCPs, two calls each.
	var mu sync.Mutex
	var kept []inventory.Policy
	p := pool.New().WithMaxGoroutines(max(1, min(8, r.opts.Concurrency)))
	for _, pol := range list {
		p.Go(func() {
			out, err := org.DescribePolicy(ctx, &organizations.DescribePolicyInput{PolicyId: aws.String(pol.ID)})
			if err != nil {
				if isCode(err, "PolicyNotFoundException") {
					return // deleted while we listed
				}
				r.problem("", "", err)
				return
			}
			if out.Policy != nil {
				pol.Document = aws.ToString(out.Policy.Content)
			}
			tp := organizations.NewListTargetsForPolicyPaginator(org, &organizations.ListTargetsForPolicyInput{PolicyId: aws.String(pol.ID)})
			for tp.HasMorePages() {
				page, err := tp.NextPage(ctx)
				if err != nil {
					if !isCode(err, "PolicyNotFoundException") {
						r.problem("", "", err)
					}
					return
				}
				for _, t := range page.Targets {
					pol.Targets = append(pol.Targets, aws.ToString(t.TargetId))
				}
			}
			mu.Lock()
			kept = append(kept, pol)
			mu.Unlock()
		})
	}
	p.Wait()
	r.mu.Lock()
	r.snap.Policies = kept
	r.mu.Unlock()
}

func (r *run) trustedServices(ctx context.Context) {
	var out []string
	pg := organizations.NewListAWSServiceAccessForOrganizationPaginator(awsapi.Organizations(r.mgmt), &organizations.ListAWSServiceAccessForOrganizationInput{})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			r.problem("", "", err)
			return
		}
		for _, s := range page.EnabledServicePrincipals {
			out = append(out, aws.ToString(s.ServicePrincipal))
		}
	}
	r.mu.Lock()
	r.snap.TrustedServices = out
	r.mu.Unlock()
}

func (r *run) delegatedAdmins(ctx context.Context) {
	org := awsapi.Organizations(r.mgmt)
	var accounts []string
	pg := organizations.NewListDelegatedAdministratorsPaginator(org, &organizations.ListDelegatedAdministratorsInput{})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			r.problem("", "", err)
			return
		}
		for _, a := range page.DelegatedAdministrators {
			accounts = append(accounts, aws.ToString(a.Id))
		}
	}
	var out []inventory.DelegatedAdministrator
	for _, acc := range accounts {
		sp := organizations.NewListDelegatedServicesForAccountPaginator(org, &organizations.ListDelegatedServicesForAccountInput{AccountId: aws.String(acc)})
		for sp.HasMorePages() {
			page, err := sp.NextPage(ctx)
			if err != nil {
				r.problem(acc, "", err)
				break
			}
			for _, s := range page.DelegatedServices {
				out = append(out, inventory.DelegatedAdministrator{AccountID: acc, ServicePrincipal: aws.ToString(s.ServicePrincipal)})
			}
		}
	}
	r.mu.Lock()
	r.snap.DelegatedAdmins = out
	r.mu.Unlock()
}

// accountState reads the account's lifecycle state. Organizations retired Account.Status on
// 2026-09-09 in favour of State (orgs_manage_accounts_account_state.html); Status is only a
// fallback for endpoints that still send nothing else.
func accountState(a orgtypes.Account) string {
	if a.State != "" {
		return string(a.State)
	}
	return string(a.Status)
}
