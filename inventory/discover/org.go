package discover

import (
	"context"
	"strings"
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

// walk queues the reading of the OU tree from each root down: for every parent, one task lists its
// OUs (queueing their own) and one lists its accounts, queueing each page's accounts to be read at
// once. Any failure is fatal: without the full tree no later stage can be trusted. When the last
// walk task ends, the accounts are counted and the accounts stage begins.
func (r *run) walk(q *queue) {
	org := awsapi.Organizations(r.mgmt)
	for _, root := range r.snap.Roots {
		r.walkParent(q, org, root.ID, true, false)
	}
	r.walkMu.Lock()
	defer r.walkMu.Unlock()
	if r.walking == 0 { // no root: nothing to walk
		r.walkEnded()
	}
}

// walkParent queues the two listings of one parent; root says it is a root, core that it is a
// root-level OU named core (ALZ's).
func (r *run) walkParent(q *queue, org *organizations.Client, parent string, root, core bool) {
	r.walkMu.Lock()
	r.walking += 2
	r.walkMu.Unlock()
	q.add(laneWalk, r.walkTask(func(ctx context.Context) error { return r.listOUs(ctx, q, org, parent, root) }))
	q.add(laneWalk, r.walkTask(func(ctx context.Context) error { return r.listAccounts(ctx, q, org, parent, core) }))
}

// walkTask counts a walk task out when it ends; the tasks it queued were counted in before.
func (r *run) walkTask(task func(context.Context) error) func(context.Context) error {
	return func(ctx context.Context) error {
		err := task(ctx)
		r.walkMu.Lock()
		defer r.walkMu.Unlock()
		r.walking--
		if r.walking == 0 && err == nil {
			r.walkEnded()
		}
		return err
	}
}

// walkEnded starts the accounts stage: the number of accounts is known. Called with walkMu held.
func (r *run) walkEnded() {
	r.progressMu.Lock()
	r.accountsTotal = len(r.accounts)
	r.progressMu.Unlock()
	close(r.walked)
	r.report("accounts")
}

// orgMaxResults is the largest page Organizations' list operations answer (MaxResults 1-20):
// asked for explicitly, since the page size when it is left out is the service's choice
// (https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListAccountsForParent.html,
// https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListOrganizationalUnitsForParent.html).
const orgMaxResults = 20

func (r *run) listOUs(ctx context.Context, q *queue, org *organizations.Client, parent string, root bool) error {
	op := organizations.NewListOrganizationalUnitsForParentPaginator(org, &organizations.ListOrganizationalUnitsForParentInput{
		ParentId: aws.String(parent), MaxResults: aws.Int32(orgMaxResults)})
	for op.HasMorePages() {
		page, err := op.NextPage(ctx)
		if err != nil {
			return r.fatal("organizations:ListOrganizationalUnitsForParent "+parent, err)
		}
		for _, o := range page.OrganizationalUnits {
			ou := inventory.OU{ID: aws.ToString(o.Id), Arn: aws.ToString(o.Arn), Name: aws.ToString(o.Name), ParentID: parent}
			r.walkMu.Lock()
			r.snap.OUs = append(r.snap.OUs, ou)
			r.walkMu.Unlock()
			r.walkParent(q, org, ou.ID, false, root && strings.EqualFold(ou.Name, "core"))
		}
	}
	return nil
}

func (r *run) listAccounts(ctx context.Context, q *queue, org *organizations.Client, parent string, core bool) error {
	ap := organizations.NewListAccountsForParentPaginator(org, &organizations.ListAccountsForParentInput{
		ParentId: aws.String(parent), MaxResults: aws.Int32(orgMaxResults)})
	for ap.HasMorePages() {
		page, err := ap.NextPage(ctx)
		if err != nil {
			return r.fatal("organizations:ListAccountsForParent "+parent, err)
		}
		for _, acc := range page.Accounts {
			a := &inventory.Account{
				ID: aws.ToString(acc.Id), Arn: aws.ToString(acc.Arn), Name: aws.ToString(acc.Name), Email: aws.ToString(acc.Email),
				Status: accountState(acc), JoinedMethod: string(acc.JoinedMethod),
				JoinedAt: aws.ToTime(acc.JoinedTimestamp).UTC().Truncate(1e9), ParentID: parent,
			}
			r.walkMu.Lock()
			r.accounts = append(r.accounts, a)
			if core {
				r.coreAccounts = append(r.coreAccounts, *a)
			}
			r.walkMu.Unlock()
			r.found.Add(1)
			r.startAccount(q, a)
		}
	}
	return nil
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
