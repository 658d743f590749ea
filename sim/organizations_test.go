package sim

import (
	"context"
	"reflect"
	"sort"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/organizations/types"
)

func TestOrganizationsServesTheSnapshot(t *testing.T) {
	snap := fixture(47, testRegions)
	_, url := serve(t, snap, Options{})
	ctx := context.Background()
	org := organizations.NewFromConfig(mgmtConfig(url, "us-east-1"))

	d := must[*organizations.DescribeOrganizationOutput](t, "DescribeOrganization")(org.DescribeOrganization(ctx, nil))
	if got := *d.Organization; *got.Id != orgID || *got.MasterAccountId != mgmtID || *got.MasterAccountEmail != "root@example.com" || got.FeatureSet != types.OrganizationFeatureSetAll || *got.Arn != snap.Organization.Arn {
		t.Errorf("DescribeOrganization = %+v", got)
	}

	roots := must[*organizations.ListRootsOutput](t, "ListRoots")(org.ListRoots(ctx, nil))
	if len(roots.Roots) != 1 || *roots.Roots[0].Id != rootID || roots.Roots[0].PolicyTypes[0].Type != types.PolicyTypeServiceControlPolicy || roots.Roots[0].PolicyTypes[0].Status != types.PolicyTypeStatusEnabled {
		t.Errorf("ListRoots = %+v", roots.Roots)
	}

	// Walk the tree with tiny pages so every list crosses page boundaries.
	var ous []string
	accounts := map[string]types.Account{}
	var walk func(parent string)
	walk = func(parent string) {
		ap := organizations.NewListAccountsForParentPaginator(org, &organizations.ListAccountsForParentInput{ParentId: aws.String(parent), MaxResults: aws.Int32(4)})
		for ap.HasMorePages() {
			for _, a := range must[*organizations.ListAccountsForParentOutput](t, "ListAccountsForParent")(ap.NextPage(ctx)).Accounts {
				if _, dup := accounts[*a.Id]; dup {
					t.Errorf("account %s listed twice", *a.Id)
				}
				accounts[*a.Id] = a
			}
		}
		op := organizations.NewListOrganizationalUnitsForParentPaginator(org, &organizations.ListOrganizationalUnitsForParentInput{ParentId: aws.String(parent), MaxResults: aws.Int32(1)})
		for op.HasMorePages() {
			for _, ou := range must[*organizations.ListOrganizationalUnitsForParentOutput](t, "ListOrganizationalUnitsForParent")(op.NextPage(ctx)).OrganizationalUnits {
				ous = append(ous, *ou.Id)
				walk(*ou.Id)
			}
		}
	}
	walk(rootID)
	sort.Strings(ous)
	if want := []string{coreOU, prodOU, workOU}; !reflect.DeepEqual(ous, want) {
		t.Errorf("OUs = %v, want %v", ous, want)
	}
	if len(accounts) != len(snap.Accounts) {
		t.Errorf("walk found %d accounts, snapshot has %d", len(accounts), len(snap.Accounts))
	}
	for _, want := range snap.Accounts {
		got, ok := accounts[want.ID]
		if !ok {
			t.Errorf("account %s not listed", want.ID)
			continue
		}
		if *got.Name != want.Name || *got.Email != want.Email || string(got.State) != want.Status || string(got.JoinedMethod) != want.JoinedMethod ||
			!got.JoinedTimestamp.Equal(want.JoinedAt) || *got.Arn != want.Arn {
			t.Errorf("account %s = %+v, want %+v", want.ID, got, want)
		}
	}

	var all []string
	lp := organizations.NewListAccountsPaginator(org, &organizations.ListAccountsInput{})
	for lp.HasMorePages() {
		for _, a := range must[*organizations.ListAccountsOutput](t, "ListAccounts")(lp.NextPage(ctx)).Accounts {
			all = append(all, *a.Id)
		}
	}
	if len(all) != len(snap.Accounts) {
		t.Errorf("ListAccounts: %d accounts, want %d", len(all), len(snap.Accounts))
	}

	// Policies: 26 SCPs over pages of 7, each described and its targets listed.
	pp := organizations.NewListPoliciesPaginator(org, &organizations.ListPoliciesInput{Filter: types.PolicyTypeServiceControlPolicy, MaxResults: aws.Int32(7)})
	n := 0
	for pp.HasMorePages() {
		for _, ps := range must[*organizations.ListPoliciesOutput](t, "ListPolicies")(pp.NextPage(ctx)).Policies {
			want := snap.Policies[n]
			n++
			if *ps.Id != want.ID || *ps.Name != want.Name || ps.AwsManaged != want.AWSManaged || *ps.Description != want.Description {
				t.Errorf("policy %d = %+v, want %+v", n, ps, want)
			}
			dp := must[*organizations.DescribePolicyOutput](t, "DescribePolicy")(org.DescribePolicy(ctx, &organizations.DescribePolicyInput{PolicyId: ps.Id}))
			if *dp.Policy.Content != want.Document {
				t.Errorf("policy %s content %q, want %q", want.ID, *dp.Policy.Content, want.Document)
			}
			var targets []string
			tp := organizations.NewListTargetsForPolicyPaginator(org, &organizations.ListTargetsForPolicyInput{PolicyId: ps.Id, MaxResults: aws.Int32(2)})
			for tp.HasMorePages() {
				for _, tg := range must[*organizations.ListTargetsForPolicyOutput](t, "ListTargetsForPolicy")(tp.NextPage(ctx)).Targets {
					targets = append(targets, *tg.TargetId)
				}
			}
			sort.Strings(targets)
			wantT := append([]string(nil), want.Targets...)
			sort.Strings(wantT)
			if !reflect.DeepEqual(targets, wantT) {
				t.Errorf("policy %s targets %v, want %v", want.ID, targets, wantT)
			}
		}
	}
	if n != len(snap.Policies) {
		t.Errorf("ListPolicies: %d policies, want %d", n, len(snap.Policies))
	}
	tag := must[*organizations.ListPoliciesOutput](t, "ListPolicies TAG")(org.ListPolicies(ctx, &organizations.ListPoliciesInput{Filter: types.PolicyTypeTagPolicy}))
	if len(tag.Policies) != 0 {
		t.Errorf("tag policies: %d, want none", len(tag.Policies))
	}

	sa := must[*organizations.ListAWSServiceAccessForOrganizationOutput](t, "ListAWSServiceAccessForOrganization")(org.ListAWSServiceAccessForOrganization(ctx, nil))
	var principals []string
	for _, p := range sa.EnabledServicePrincipals {
		principals = append(principals, *p.ServicePrincipal)
	}
	if !reflect.DeepEqual(principals, snap.TrustedServices) {
		t.Errorf("trusted services %v, want %v", principals, snap.TrustedServices)
	}
	da := must[*organizations.ListDelegatedAdministratorsOutput](t, "ListDelegatedAdministrators")(org.ListDelegatedAdministrators(ctx, nil))
	if len(da.DelegatedAdministrators) != 1 || *da.DelegatedAdministrators[0].Id != securityID {
		t.Errorf("delegated administrators %+v", da.DelegatedAdministrators)
	}
	ds := must[*organizations.ListDelegatedServicesForAccountOutput](t, "ListDelegatedServicesForAccount")(org.ListDelegatedServicesForAccount(ctx, &organizations.ListDelegatedServicesForAccountInput{AccountId: aws.String(securityID)}))
	if len(ds.DelegatedServices) != 2 || *ds.DelegatedServices[0].ServicePrincipal != "config.amazonaws.com" {
		t.Errorf("delegated services %+v", ds.DelegatedServices)
	}
}

func TestOrganizationsErrors(t *testing.T) {
	_, url := serve(t, fixture(0, testRegions), Options{})
	ctx := context.Background()
	org := organizations.NewFromConfig(mgmtConfig(url, "us-east-1"))

	_, err := org.ListAccountsForParent(ctx, &organizations.ListAccountsForParentInput{ParentId: aws.String("ou-ab12-nothere1")})
	wantCode(t, "unknown parent", err, "ParentNotFoundException")
	_, err = org.ListAccounts(ctx, &organizations.ListAccountsInput{MaxResults: aws.Int32(21)})
	wantCode(t, "MaxResults over 20", err, "InvalidInputException")
	_, err = org.ListAccounts(ctx, &organizations.ListAccountsInput{NextToken: aws.String("not-a-token")})
	wantCode(t, "forged token", err, "InvalidInputException")
	_, err = org.DescribePolicy(ctx, &organizations.DescribePolicyInput{PolicyId: aws.String("p-nothere1")})
	wantCode(t, "unknown policy", err, "PolicyNotFoundException")
	_, err = org.ListDelegatedServicesForAccount(ctx, &organizations.ListDelegatedServicesForAccountInput{AccountId: aws.String(logID)})
	wantCode(t, "not a delegated admin", err, "AccountNotRegisteredException")
	_, err = org.EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: aws.String("controltower.amazonaws.com")})
	wantCode(t, "unserved operation", err, "UnknownOperationException")

	// A member account may describe its organization but not list it.
	member := organizations.NewFromConfig(memberConfig(t, url, "us-east-1", logID, "OrganizationAccountAccessRole"))
	if _, err := member.DescribeOrganization(ctx, nil); err != nil {
		t.Errorf("member DescribeOrganization: %v", err)
	}
	_, err = member.ListAccounts(ctx, nil)
	wantCode(t, "member ListAccounts", err, "AccessDeniedException")
}
