package sim

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/lz2ct/lz2ct/inventory"
)

// The Organizations mutations of svc_organizations_mut.go through the real SDK: effects visible to
// the read operations and in Server.Snapshot, AWS's error codes and reasons, audit targets.

func wantReason(t *testing.T, what string, err error, reason orgtypes.ConstraintViolationExceptionReason) {
	t.Helper()
	var cv *orgtypes.ConstraintViolationException
	if !errors.As(err, &cv) || cv.Reason != reason {
		t.Fatalf("%s: %v, want ConstraintViolationException %s", what, err, reason)
	}
}

func successfulTargets(s *Server, op string) []string {
	var out []string
	for _, c := range s.Calls() {
		if c.Operation == op && c.Code == "" {
			if !c.Mutating {
				out = append(out, "not mutating!")
			}
			out = append(out, c.Target)
		}
	}
	return out
}

func ouNamesUnder(t *testing.T, org *organizations.Client, parent string) map[string]string {
	t.Helper()
	out := map[string]string{}
	pg := organizations.NewListOrganizationalUnitsForParentPaginator(org, &organizations.ListOrganizationalUnitsForParentInput{ParentId: aws.String(parent)})
	for pg.HasMorePages() {
		for _, ou := range must[*organizations.ListOrganizationalUnitsForParentOutput](t, "ListOrganizationalUnitsForParent")(pg.NextPage(context.Background())).OrganizationalUnits {
			out[*ou.Name] = *ou.Id
		}
	}
	return out
}

func TestCreateAndDeleteOrganizationalUnit(t *testing.T) {
	s, url := serve(t, fixture(0, testRegions), Options{})
	ctx := context.Background()
	org := organizations.NewFromConfig(mgmtConfig(url, "us-east-1"))
	create := func(parent, name string) (*organizations.CreateOrganizationalUnitOutput, error) {
		return org.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{ParentId: aws.String(parent), Name: aws.String(name)})
	}
	del := func(id string) error {
		_, err := org.DeleteOrganizationalUnit(ctx, &organizations.DeleteOrganizationalUnitInput{OrganizationalUnitId: aws.String(id)})
		return err
	}

	out, err := create(workOU, "Workloads-2")
	wantCode(t, "create", err, "")
	ou := out.OrganizationalUnit
	if !ouIDPattern.MatchString(*ou.Id) || *ou.Arn != ouArn(*ou.Id) || *ou.Name != "Workloads-2" {
		t.Fatalf("created OU %+v", ou)
	}
	if got := ouNamesUnder(t, org, workOU)["Workloads-2"]; got != *ou.Id {
		t.Errorf("ListOrganizationalUnitsForParent: Workloads-2 = %q, want %s", got, *ou.Id)
	}
	if !slices.Contains(policiesOn(t, org, *ou.Id), "p-FullAWSAccess") {
		t.Error("the new OU has no FullAWSAccess")
	}
	_, err = create(workOU, "Workloads-2")
	wantCode(t, "same name again", err, "DuplicateOrganizationalUnitException")
	_, err = create("ou-ab12-nothere1", "x")
	wantCode(t, "unknown parent", err, "ParentNotFoundException")
	_, err = create("Workloads", "x")
	wantCode(t, "malformed parent", err, "InvalidInputException")

	// Five levels under the root at most: Workloads, Prod, then three more.
	parent := prodOU
	for i := 3; i <= 5; i++ {
		o, err := create(parent, fmt.Sprintf("level-%d", i))
		wantCode(t, fmt.Sprintf("level %d", i), err, "")
		parent = *o.OrganizationalUnit.Id
	}
	_, err = create(parent, "level-6")
	wantReason(t, "sixth level", err, orgtypes.ConstraintViolationExceptionReasonOuDepthLimitExceeded)

	wantCode(t, "delete a non-empty OU", del(workOU), "OrganizationalUnitNotEmptyException")
	wantCode(t, "delete an OU with accounts", del(coreOU), "OrganizationalUnitNotEmptyException")
	wantCode(t, "delete", del(*ou.Id), "")
	if _, ok := ouNamesUnder(t, org, workOU)["Workloads-2"]; ok {
		t.Error("the deleted OU is still listed")
	}
	for _, p := range s.Snapshot().Policies {
		if slices.Contains(p.Targets, *ou.Id) {
			t.Errorf("%s is still attached to the deleted OU", p.ID)
		}
	}
	wantCode(t, "delete again", del(*ou.Id), "OrganizationalUnitNotFoundException")

	if got, want := successfulTargets(s, "CreateOrganizationalUnit")[0], workOU+"/Workloads-2"; got != want {
		t.Errorf("audit target %q, want %q", got, want)
	}
	if got := successfulTargets(s, "DeleteOrganizationalUnit"); !slices.Equal(got, []string{*ou.Id}) {
		t.Errorf("DeleteOrganizationalUnit targets %v", got)
	}
	member := organizations.NewFromConfig(memberConfig(t, url, "eu-west-1", securityID, "OrganizationAccountAccessRole"))
	_, err = member.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{ParentId: aws.String(rootID), Name: aws.String("x")})
	wantCode(t, "member account", err, "AccessDeniedException")
}

func parentOfAccount(t *testing.T, org *organizations.Client, id string) string {
	t.Helper()
	out := must[*organizations.ListParentsOutput](t, "ListParents")(org.ListParents(context.Background(), &organizations.ListParentsInput{ChildId: aws.String(id)}))
	return *out.Parents[0].Id
}

func TestMoveAccount(t *testing.T) {
	s, url := serve(t, fixture(0, testRegions), Options{})
	ctx := context.Background()
	org := organizations.NewFromConfig(mgmtConfig(url, "us-east-1"))
	move := func(acct, src, dst string) error {
		_, err := org.MoveAccount(ctx, &organizations.MoveAccountInput{AccountId: aws.String(acct), SourceParentId: aws.String(src), DestinationParentId: aws.String(dst)})
		return err
	}
	wantCode(t, "move", move(securityID, coreOU, workOU), "")
	if p := parentOfAccount(t, org, securityID); p != workOU {
		t.Errorf("ListParents: %s, want %s", p, workOU)
	}
	acc := must[*organizations.ListAccountsForParentOutput](t, "ListAccountsForParent")(org.ListAccountsForParent(ctx, &organizations.ListAccountsForParentInput{ParentId: aws.String(coreOU)}))
	for _, a := range acc.Accounts {
		if *a.Id == securityID {
			t.Error("the moved account is still listed in its old OU")
		}
	}
	wantCode(t, "again", move(securityID, coreOU, workOU), "DuplicateAccountException")
	wantCode(t, "wrong source", move(logID, workOU, prodOU), "SourceParentNotFoundException")
	wantCode(t, "unknown source", move(logID, "ou-ab12-nothere1", prodOU), "SourceParentNotFoundException")
	wantCode(t, "unknown destination", move(logID, coreOU, "ou-ab12-nothere1"), "DestinationParentNotFoundException")
	wantCode(t, "unknown account", move("999999999999", coreOU, workOU), "AccountNotFoundException")
	wantCode(t, "malformed account", move("12", coreOU, workOU), "InvalidInputException")
	if got := successfulTargets(s, "MoveAccount"); !slices.Equal(got, []string{securityID + "/" + workOU}) {
		t.Errorf("MoveAccount targets %v", got)
	}
	for _, a := range s.Snapshot().Accounts {
		if a.ID == securityID && a.ParentID != workOU {
			t.Errorf("Snapshot: parent %s", a.ParentID)
		}
	}
}

func TestCreateAccountIsAsynchronous(t *testing.T) {
	mc := NewManualClock(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
	snap := fixture(0, testRegions)
	s, url := serve(t, snap, Options{Clock: mc})
	ctx := context.Background()
	org := organizations.NewFromConfig(mgmtConfig(url, "us-east-1"))
	create := func(email, name string) (*orgtypes.CreateAccountStatus, error) {
		out, err := org.CreateAccount(ctx, &organizations.CreateAccountInput{Email: aws.String(email), AccountName: aws.String(name)})
		if err != nil {
			return nil, err
		}
		return out.CreateAccountStatus, nil
	}
	describe := func(id string) *orgtypes.CreateAccountStatus {
		t.Helper()
		return must[*organizations.DescribeCreateAccountStatusOutput](t, "DescribeCreateAccountStatus")(org.DescribeCreateAccountStatus(ctx,
			&organizations.DescribeCreateAccountStatusInput{CreateAccountRequestId: aws.String(id)})).CreateAccountStatus
	}
	listed := func(states ...orgtypes.CreateAccountState) []string {
		t.Helper()
		var ids []string
		pg := organizations.NewListCreateAccountStatusPaginator(org, &organizations.ListCreateAccountStatusInput{States: states, MaxResults: aws.Int32(1)})
		for pg.HasMorePages() {
			for _, st := range must[*organizations.ListCreateAccountStatusOutput](t, "ListCreateAccountStatus")(pg.NextPage(ctx)).CreateAccountStatuses {
				ids = append(ids, *st.Id)
			}
		}
		return ids
	}

	st, err := create("log@example.org", "Log Archive")
	wantCode(t, "create", err, "")
	if st.State != orgtypes.CreateAccountStateInProgress || !createAccountRequestPattern.MatchString(*st.Id) || *st.AccountName != "Log Archive" || st.AccountId != nil {
		t.Fatalf("CreateAccount answered %+v", st)
	}
	// Same e-mail again while the first is in progress: accepted, and it fails once the first
	// account exists.
	dup, err := create("LOG@example.org", "Log Archive")
	wantCode(t, "second request", err, "")
	if got := listed(orgtypes.CreateAccountStateInProgress); !slices.Equal(sortedCopy(got), sortedCopy([]string{*st.Id, *dup.Id})) {
		t.Errorf("IN_PROGRESS requests %v", got)
	}
	mc.Advance(DefaultDurations().CreateAccount - time.Second)
	if describe(*st.Id).State != orgtypes.CreateAccountStateInProgress {
		t.Fatal("the account was created before its time")
	}
	mc.Advance(time.Second)
	done := describe(*st.Id)
	if done.State != orgtypes.CreateAccountStateSucceeded || done.AccountId == nil || done.CompletedTimestamp == nil {
		t.Fatalf("after the creation time: %+v", done)
	}
	failed := describe(*dup.Id)
	if failed.State != orgtypes.CreateAccountStateFailed || failed.FailureReason != orgtypes.CreateAccountFailureReasonEmailAlreadyExists || failed.AccountId != nil {
		t.Errorf("the duplicate request: %+v", failed)
	}
	if got := listed(orgtypes.CreateAccountStateSucceeded); !slices.Equal(got, []string{*st.Id}) {
		t.Errorf("SUCCEEDED requests %v", got)
	}
	if got := listed(); len(got) != 2 {
		t.Errorf("all requests %v", got)
	}
	id := *done.AccountId
	a := must[*organizations.DescribeAccountOutput](t, "DescribeAccount")(org.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: aws.String(id)})).Account
	if a.State != orgtypes.AccountStateActive || *a.Email != "log@example.org" || *a.Name != "Log Archive" || a.JoinedMethod != orgtypes.AccountJoinedMethodCreated {
		t.Errorf("the new account %+v", a)
	}
	if p := parentOfAccount(t, org, id); p != rootID {
		t.Errorf("the new account is in %s, want the root", p)
	}
	if !slices.Contains(policiesOn(t, org, id), "p-FullAWSAccess") {
		t.Error("the new account has no FullAWSAccess")
	}
	if _, err := sts.NewFromConfig(mgmtConfig(url, "us-east-1")).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::" + id + ":role/OrganizationAccountAccessRole"), RoleSessionName: aws.String("lz2ct-test")}); err != nil {
		t.Errorf("OrganizationAccountAccessRole in the new account: %v", err)
	}
	if n := len(s.Snapshot().Accounts); n != len(snap.Accounts)+1 {
		t.Errorf("Snapshot holds %d accounts, want %d", n, len(snap.Accounts)+1)
	}

	// The fixture's quota is 10 accounts: 7 exist now.
	for i := 0; i < 3; i++ {
		_, err := create(fmt.Sprintf("new%d@example.org", i), "new")
		wantCode(t, "create within the quota", err, "")
	}
	_, err = create("one-too-many@example.org", "new")
	wantReason(t, "beyond the account quota", err, orgtypes.ConstraintViolationExceptionReasonAccountNumberLimitExceeded)

	_, err = create("not-an-email", "x")
	wantCode(t, "bad e-mail", err, "InvalidInputException")
	_, err = org.DescribeCreateAccountStatus(ctx, &organizations.DescribeCreateAccountStatusInput{CreateAccountRequestId: aws.String("car-0123456789abcdef")})
	wantCode(t, "unknown request", err, "CreateAccountStatusNotFoundException")
	_, err = org.DescribeCreateAccountStatus(ctx, &organizations.DescribeCreateAccountStatusInput{CreateAccountRequestId: aws.String("req-1")})
	wantCode(t, "malformed request ID", err, "InvalidInputException")
	if got := successfulTargets(s, "CreateAccount"); len(got) != 5 || got[0] != "log@example.org" || got[1] != "log@example.org" {
		t.Errorf("CreateAccount targets %v (the e-mail, lower-cased)", got)
	}
}

func sortedCopy(l []string) []string {
	c := slices.Clone(l)
	slices.Sort(c)
	return c
}

func TestCreateAccountFaults(t *testing.T) {
	mc := NewManualClock(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
	_, url := serve(t, fixture(0, testRegions), Options{Clock: mc, Faults: []Fault{
		{Service: "organizations", Operation: "CreateAccount", Target: "bad@example.org", Action: FaultFailAsync, Code: "INVALID_EMAIL"},
	}})
	ctx := context.Background()
	org := organizations.NewFromConfig(mgmtConfig(url, "us-east-1"))
	out, err := org.CreateAccount(ctx, &organizations.CreateAccountInput{Email: aws.String("bad@example.org"), AccountName: aws.String("x")})
	wantCode(t, "create", err, "")
	mc.Advance(time.Hour)
	st := must[*organizations.DescribeCreateAccountStatusOutput](t, "describe")(org.DescribeCreateAccountStatus(ctx,
		&organizations.DescribeCreateAccountStatusInput{CreateAccountRequestId: out.CreateAccountStatus.Id})).CreateAccountStatus
	if st.State != orgtypes.CreateAccountStateFailed || st.FailureReason != orgtypes.CreateAccountFailureReasonInvalidEmail {
		t.Errorf("failed request %+v", st)
	}
}

func accountState(t *testing.T, org *organizations.Client, id string) orgtypes.AccountState {
	t.Helper()
	return must[*organizations.DescribeAccountOutput](t, "DescribeAccount")(org.DescribeAccount(context.Background(),
		&organizations.DescribeAccountInput{AccountId: aws.String(id)})).Account.State
}

func TestCloseAccount(t *testing.T) {
	mc := NewManualClock(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
	s, url := serve(t, fixture(0, testRegions), Options{Clock: mc})
	ctx := context.Background()
	org := organizations.NewFromConfig(mgmtConfig(url, "us-east-1"))
	closeAcct := func(id string) error {
		_, err := org.CloseAccount(ctx, &organizations.CloseAccountInput{AccountId: aws.String(id)})
		return err
	}
	wantCode(t, "close", closeAcct(logID), "")
	if st := accountState(t, org, logID); st != orgtypes.AccountStatePendingClosure {
		t.Errorf("right after CloseAccount: %s", st)
	}
	wantCode(t, "close while pending", closeAcct(logID), "AccountAlreadyClosedException")
	mc.Advance(DefaultDurations().CloseAccount)
	if st := accountState(t, org, logID); st != orgtypes.AccountStateSuspended {
		t.Errorf("after the closure time: %s", st)
	}
	wantCode(t, "close again", closeAcct(logID), "AccountAlreadyClosedException")
	wantCode(t, "the suspended fixture account", closeAcct(suspendedID), "AccountAlreadyClosedException")
	wantReason(t, "the management account", closeAcct(mgmtID), orgtypes.ConstraintViolationExceptionReasonCannotCloseManagementAccount)
	wantCode(t, "unknown account", closeAcct("999999999999"), "AccountNotFoundException")
	if got := successfulTargets(s, "CloseAccount"); !slices.Equal(got, []string{logID}) {
		t.Errorf("CloseAccount targets %v", got)
	}
	_, err := sts.NewFromConfig(mgmtConfig(url, "us-east-1")).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::" + logID + ":role/OrganizationAccountAccessRole"), RoleSessionName: aws.String("lz2ct-test")})
	wantCode(t, "AssumeRole into a closed account", err, "AccessDenied")
}

// The closure quota: max(250, 20 % of member accounts) per rolling 30 days.
func TestCloseAccountQuota(t *testing.T) {
	if got := []int{closeAccountQuota(10), closeAccountQuota(2000), closeAccountQuota(50000)}; !slices.Equal(got, []int{250, 400, 1000}) {
		t.Errorf("quota for 10, 2000, 50000 members: %v", got)
	}
	mc := NewManualClock(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
	snap := fixture(300, testRegions)
	snap.Organization.AccountQuota = 0
	_, url := serve(t, snap, Options{Clock: mc})
	ctx := context.Background()
	org := organizations.NewFromConfig(mgmtConfig(url, "us-east-1"))
	var members []string
	for _, a := range snap.Accounts {
		if a.Status == inventory.AccountActive && a.ID != mgmtID {
			members = append(members, a.ID)
		}
	}
	for i, id := range members[:250] {
		if _, err := org.CloseAccount(ctx, &organizations.CloseAccountInput{AccountId: aws.String(id)}); err != nil {
			t.Fatalf("closure %d: %v", i+1, err)
		}
		mc.Advance(time.Minute)
	}
	_, err := org.CloseAccount(ctx, &organizations.CloseAccountInput{AccountId: aws.String(members[250])})
	wantReason(t, "the 251st closure in 30 days", err, orgtypes.ConstraintViolationExceptionReasonCloseAccountQuotaExceeded)
	// The first closure ages out 30 days after it was made.
	mc.Advance(30*24*time.Hour - 250*time.Minute + time.Second)
	_, err = org.CloseAccount(ctx, &organizations.CloseAccountInput{AccountId: aws.String(members[250])})
	wantCode(t, "once the first closure is 30 days old", err, "")
	_, err = org.CloseAccount(ctx, &organizations.CloseAccountInput{AccountId: aws.String(members[251])})
	wantReason(t, "the next one", err, orgtypes.ConstraintViolationExceptionReasonCloseAccountQuotaExceeded)
}

func TestDeletePolicy(t *testing.T) {
	s, url := serve(t, fixture(0, testRegions), Options{})
	ctx := context.Background()
	org := organizations.NewFromConfig(mgmtConfig(url, "us-east-1"))
	del := func(id string) error {
		_, err := org.DeletePolicy(ctx, &organizations.DeletePolicyInput{PolicyId: aws.String(id)})
		return err
	}
	wantCode(t, "attached", del("p-custom0000"), "PolicyInUseException")
	_, err := org.DetachPolicy(ctx, &organizations.DetachPolicyInput{PolicyId: aws.String("p-custom0000"), TargetId: aws.String(workOU)})
	wantCode(t, "detach", err, "")
	wantCode(t, "delete", del("p-custom0000"), "")
	_, err = org.DescribePolicy(ctx, &organizations.DescribePolicyInput{PolicyId: aws.String("p-custom0000")})
	wantCode(t, "describe the deleted policy", err, "PolicyNotFoundException")
	wantCode(t, "delete again", del("p-custom0000"), "PolicyNotFoundException")
	for _, p := range s.Snapshot().Policies {
		if p.ID == "p-custom0000" {
			t.Error("Snapshot still has the deleted policy")
		}
	}
	if got := successfulTargets(s, "DeletePolicy"); !slices.Equal(got, []string{"p-custom0000"}) {
		t.Errorf("DeletePolicy targets %v", got)
	}
}

func trusted(t *testing.T, org *organizations.Client) []string {
	t.Helper()
	var out []string
	pg := organizations.NewListAWSServiceAccessForOrganizationPaginator(org, &organizations.ListAWSServiceAccessForOrganizationInput{})
	for pg.HasMorePages() {
		for _, p := range must[*organizations.ListAWSServiceAccessForOrganizationOutput](t, "ListAWSServiceAccessForOrganization")(pg.NextPage(context.Background())).EnabledServicePrincipals {
			out = append(out, *p.ServicePrincipal)
		}
	}
	return out
}

func TestDisableAWSServiceAccess(t *testing.T) {
	s, url := serve(t, fixture(0, testRegions), Options{})
	ctx := context.Background()
	org := organizations.NewFromConfig(mgmtConfig(url, "us-east-1"))
	disable := func(p string) error {
		_, err := org.DisableAWSServiceAccess(ctx, &organizations.DisableAWSServiceAccessInput{ServicePrincipal: aws.String(p)})
		return err
	}
	wantCode(t, "disable", disable("config.amazonaws.com"), "")
	if slices.Contains(trusted(t, org), "config.amazonaws.com") {
		t.Error("config.amazonaws.com still has trusted access")
	}
	wantCode(t, "disable again", disable("config.amazonaws.com"), "")
	wantCode(t, "bad principal", disable("not a principal"), "InvalidInputException")
	// Organizations keeps the delegated administrator: the service's own flow removes it.
	d := must[*organizations.ListDelegatedAdministratorsOutput](t, "ListDelegatedAdministrators")(org.ListDelegatedAdministrators(ctx,
		&organizations.ListDelegatedAdministratorsInput{ServicePrincipal: aws.String("config.amazonaws.com")}))
	if len(d.DelegatedAdministrators) != 1 {
		t.Errorf("delegated administrators after disabling: %d", len(d.DelegatedAdministrators))
	}
	if got := successfulTargets(s, "DisableAWSServiceAccess"); !slices.Equal(got, []string{"config.amazonaws.com", "config.amazonaws.com"}) {
		t.Errorf("targets %v", got)
	}
	if slices.Contains(s.Snapshot().TrustedServices, "config.amazonaws.com") {
		t.Error("Snapshot still lists config.amazonaws.com")
	}
}
