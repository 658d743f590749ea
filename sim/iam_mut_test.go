package sim

import (
	"context"
	"net/url"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

const execTrust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + mgmtID + `:root"},"Action":"sts:AssumeRole"}]}`

// Control Tower's service roles exist in the management account of an organization with a landing
// zone, as AWS's API set-up creates them.
func TestControlTowerServiceRolesOfALandingZone(t *testing.T) {
	s, url := serve(t, fixture(0, testRegions), Options{})
	ctx := context.Background()
	c := iam.NewFromConfig(mgmtConfig(url, "us-east-1"))
	r := must[*iam.GetRoleOutput](t, "GetRole")(c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("AWSControlTowerAdmin")}))
	if aws.ToString(r.Role.Path) != "/service-role/" || aws.ToString(r.Role.Arn) != "arn:aws:iam::"+mgmtID+":role/service-role/AWSControlTowerAdmin" {
		t.Errorf("role %s at %s", aws.ToString(r.Role.Arn), aws.ToString(r.Role.Path))
	}
	if doc := decoded(t, aws.ToString(r.Role.AssumeRolePolicyDocument)); doc != serviceTrust("controltower.amazonaws.com") {
		t.Errorf("trust %s", doc)
	}
	p := must[*iam.GetRolePolicyOutput](t, "GetRolePolicy")(c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String("AWSControlTowerAdmin"), PolicyName: aws.String("AWSControlTowerAdminPolicy")}))
	if doc := decoded(t, aws.ToString(p.PolicyDocument)); doc != ctServiceRoles["AWSControlTowerAdmin"].inline["AWSControlTowerAdminPolicy"] {
		t.Errorf("inline policy %s", doc)
	}
	a := must[*iam.ListAttachedRolePoliciesOutput](t, "ListAttachedRolePolicies")(c.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String("AWSControlTowerCloudTrailRole")}))
	if len(a.AttachedPolicies) != 1 || aws.ToString(a.AttachedPolicies[0].PolicyArn) != "arn:aws:iam::aws:policy/service-role/AWSControlTowerCloudTrailRolePolicy" {
		t.Errorf("attached %+v", a.AttachedPolicies)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	for role, want := range map[string]bool{"AWSControlTowerStackSetRole": true, "AWSControlTowerConfigAggregatorRoleForOrganizations": true, "AWSControlTowerExecution": false} {
		if got := s.st.hasRole(mgmtID, role); got != want {
			t.Errorf("hasRole(management, %s) = %v", role, got)
		}
	}
	if !s.st.hasRole(sharedID, "AWSControlTowerExecution") || s.st.hasRole(securityID, "AWSControlTowerExecution") || s.st.hasRole("999999999999", "OrganizationAccountAccessRole") {
		t.Error("hasRole does not follow the snapshot's iam flags")
	}
}

func decoded(t *testing.T, doc string) string {
	t.Helper()
	d, err := url.PathUnescape(doc)
	if err != nil {
		t.Fatalf("policy document %q is not URL-encoded: %v", doc, err)
	}
	return d
}

// CreateRole, AttachRolePolicy and PutRolePolicy in a member account through an assumed role: the
// role shows in the reads, in the snapshot's iam flags and to AssumeRole; errors are IAM's.
func TestCreateRoleAndPolicies(t *testing.T) {
	s, url := serve(t, fixture(0, testRegions), Options{})
	ctx := context.Background()
	c := iam.NewFromConfig(memberConfig(t, url, "us-east-1", securityID, "OrganizationAccountAccessRole"))
	role := aws.String("AWSControlTowerExecution")
	_, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: role})
	wantCode(t, "GetRole before", err, "NoSuchEntity")
	_, err = c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: role, AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole"}]}`)})
	wantCode(t, "trust without a principal", err, "MalformedPolicyDocument")
	_, err = c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: role, AssumeRolePolicyDocument: aws.String("{not json")})
	wantCode(t, "malformed trust", err, "MalformedPolicyDocument")
	_, err = c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: role, Path: aws.String("service-role"), AssumeRolePolicyDocument: aws.String(execTrust)})
	wantCode(t, "path without slashes", err, "ValidationError")
	out, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: role, AssumeRolePolicyDocument: aws.String(execTrust)})
	wantCode(t, "CreateRole", err, "")
	if aws.ToString(out.Role.Arn) != "arn:aws:iam::"+securityID+":role/AWSControlTowerExecution" {
		t.Errorf("CreateRole answered %s", aws.ToString(out.Role.Arn))
	}
	_, err = c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: role, AssumeRolePolicyDocument: aws.String(execTrust)})
	wantCode(t, "CreateRole twice", err, "EntityAlreadyExists")
	got := must[*iam.GetRoleOutput](t, "GetRole")(c.GetRole(ctx, &iam.GetRoleInput{RoleName: role}))
	if decoded(t, aws.ToString(got.Role.AssumeRolePolicyDocument)) != execTrust {
		t.Errorf("trust %s", aws.ToString(got.Role.AssumeRolePolicyDocument))
	}

	admin := aws.String("arn:aws:iam::aws:policy/AdministratorAccess")
	for i := 0; i < 2; i++ { // attaching an attached policy succeeds
		_, err = c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: role, PolicyArn: admin})
		wantCode(t, "AttachRolePolicy", err, "")
	}
	_, err = c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: role, PolicyArn: aws.String("arn:aws:iam::aws:policy/NoSuchPolicyAtAll")})
	wantCode(t, "unknown managed policy", err, "NoSuchEntity")
	_, err = c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: role, PolicyArn: aws.String("AdministratorAccess")})
	wantCode(t, "malformed ARN", err, "InvalidInput")
	_, err = c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("Nobody"), PolicyArn: admin})
	wantCode(t, "unknown role", err, "NoSuchEntity")
	_, err = c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: role, PolicyName: aws.String("extra"), PolicyDocument: aws.String(`{"Statement":[]}`)})
	wantCode(t, "malformed inline policy", err, "MalformedPolicyDocument")
	_, err = c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("Nobody"), PolicyName: aws.String("extra"), PolicyDocument: aws.String(execTrust)})
	wantCode(t, "inline policy of an unknown role", err, "NoSuchEntity")
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::a b/*"}]}`
	_, err = c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: role, PolicyName: aws.String("extra"), PolicyDocument: aws.String(doc)})
	wantCode(t, "PutRolePolicy", err, "")
	p := must[*iam.GetRolePolicyOutput](t, "GetRolePolicy")(c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: role, PolicyName: aws.String("extra")}))
	if decoded(t, aws.ToString(p.PolicyDocument)) != doc {
		t.Errorf("inline policy %s (a space is %%20 in IAM's encoding)", aws.ToString(p.PolicyDocument))
	}
	_, err = c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: role, PolicyName: aws.String("other")})
	wantCode(t, "GetRolePolicy of a missing policy", err, "NoSuchEntity")
	a := must[*iam.ListAttachedRolePoliciesOutput](t, "ListAttachedRolePolicies")(c.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: role}))
	if len(a.AttachedPolicies) != 1 || aws.ToString(a.AttachedPolicies[0].PolicyName) != "AdministratorAccess" {
		t.Errorf("attached %+v", a.AttachedPolicies)
	}

	// The snapshot shows the role, AssumeRole can use it, ListRoles lists it.
	for _, acct := range s.Snapshot().Accounts {
		if acct.ID == securityID && (acct.IAM == nil || !acct.IAM.ControlTowerExecutionRole) {
			t.Errorf("Snapshot: %s iam %+v", securityID, acct.IAM)
		}
	}
	_, err = sts.NewFromConfig(mgmtConfig(url, "us-east-1")).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::" + securityID + ":role/AWSControlTowerExecution"), RoleSessionName: aws.String("after")})
	wantCode(t, "AssumeRole into the new role", err, "")
	// A created role's own trust policy decides who may assume it.
	_, err = c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("Foreign"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"999999999999"},"Action":"sts:AssumeRole"}]}`)})
	wantCode(t, "CreateRole Foreign", err, "")
	_, err = sts.NewFromConfig(mgmtConfig(url, "us-east-1")).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::" + securityID + ":role/Foreign"), RoleSessionName: aws.String("nope")})
	wantCode(t, "AssumeRole into a role that trusts another account", err, "AccessDenied")
	var names []string
	for _, r := range must[*iam.ListRolesOutput](t, "ListRoles")(c.ListRoles(ctx, &iam.ListRolesInput{})).Roles {
		names = append(names, aws.ToString(r.RoleName))
	}
	if !slices.Contains(names, "AWSControlTowerExecution") {
		t.Errorf("ListRoles: %v", names)
	}

	var targets []string
	for _, call := range s.Calls() {
		if call.Mutating && call.Code == "" {
			targets = append(targets, call.Operation+" "+call.Target)
		}
	}
	want := []string{"CreateRole " + securityID + "/AWSControlTowerExecution",
		"AttachRolePolicy " + securityID + "/AWSControlTowerExecution/arn:aws:iam::aws:policy/AdministratorAccess",
		"AttachRolePolicy " + securityID + "/AWSControlTowerExecution/arn:aws:iam::aws:policy/AdministratorAccess",
		"PutRolePolicy " + securityID + "/AWSControlTowerExecution/extra", "CreateRole " + securityID + "/Foreign"}
	if !slices.Equal(targets, want) {
		t.Errorf("audit:\n got %v\nwant %v", targets, want)
	}
}

// A role lz2ct creates in the management account at a path: GetRole and ListRoles say the path.
func TestCreateRoleAtPathInTheManagementAccount(t *testing.T) {
	snap := fixture(0, testRegions)
	snap.ControlTower.LandingZone = nil // no landing zone: no service roles yet
	_, url := serve(t, snap, Options{})
	ctx := context.Background()
	c := iam.NewFromConfig(mgmtConfig(url, "us-east-1"))
	_, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("AWSControlTowerAdmin")})
	wantCode(t, "no landing zone, no service role", err, "NoSuchEntity")
	_, err = c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("AWSControlTowerAdmin"), Path: aws.String("/service-role/"),
		AssumeRolePolicyDocument: aws.String(serviceTrust("controltower.amazonaws.com"))})
	wantCode(t, "CreateRole", err, "")
	l := must[*iam.ListRolesOutput](t, "ListRoles")(c.ListRoles(ctx, &iam.ListRolesInput{PathPrefix: aws.String("/service-role/")}))
	if len(l.Roles) != 1 || aws.ToString(l.Roles[0].Arn) != "arn:aws:iam::"+mgmtID+":role/service-role/AWSControlTowerAdmin" {
		t.Errorf("ListRoles /service-role/: %+v", l.Roles)
	}
}
