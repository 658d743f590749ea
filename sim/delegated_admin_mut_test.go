package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
)

// The delegated-administration operations of svc_delegated_admin_mut.go: Organizations' through
// the Go SDK, GuardDuty's and Security Hub's through boto3 (lz2ct itself never calls them; the
// operator's AWS CLI does, and TestGuardDutyMoveWithTheAWSCLI in steps runs those commands).

func delegatedAdmins(t *testing.T, org *organizations.Client, principal string) []string {
	t.Helper()
	in := &organizations.ListDelegatedAdministratorsInput{}
	if principal != "" {
		in.ServicePrincipal = aws.String(principal)
	}
	var out []string
	pg := organizations.NewListDelegatedAdministratorsPaginator(org, in)
	for pg.HasMorePages() {
		for _, d := range must[*organizations.ListDelegatedAdministratorsOutput](t, "ListDelegatedAdministrators")(pg.NextPage(context.Background())).DelegatedAdministrators {
			out = append(out, *d.Id)
		}
	}
	return out
}

func TestRegisterAndDeregisterDelegatedAdministrator(t *testing.T) {
	s, url := serve(t, fixture(0, testRegions), Options{})
	ctx := context.Background()
	org := organizations.NewFromConfig(mgmtConfig(url, "us-east-1"))
	register := func(acct, sp string) error {
		_, err := org.RegisterDelegatedAdministrator(ctx, &organizations.RegisterDelegatedAdministratorInput{AccountId: aws.String(acct), ServicePrincipal: aws.String(sp)})
		return err
	}
	deregister := func(acct, sp string) error {
		_, err := org.DeregisterDelegatedAdministrator(ctx, &organizations.DeregisterDelegatedAdministratorInput{AccountId: aws.String(acct), ServicePrincipal: aws.String(sp)})
		return err
	}
	services := func(acct string) ([]string, error) {
		out, err := org.ListDelegatedServicesForAccount(ctx, &organizations.ListDelegatedServicesForAccountInput{AccountId: aws.String(acct)})
		if err != nil {
			return nil, err
		}
		var sps []string
		for _, d := range out.DelegatedServices {
			sps = append(sps, *d.ServicePrincipal)
		}
		return sps, nil
	}

	wantCode(t, "register", register(logID, "config.amazonaws.com"), "")
	if got := delegatedAdmins(t, org, "config.amazonaws.com"); !slices.Equal(got, []string{securityID, logID}) {
		t.Errorf("config's delegated administrators = %v, want %s and %s", got, securityID, logID)
	}
	if got, err := services(logID); err != nil || !slices.Equal(got, []string{"config.amazonaws.com"}) {
		t.Errorf("ListDelegatedServicesForAccount(%s) = %v, %v", logID, got, err)
	}
	wantCode(t, "register again", register(logID, "config.amazonaws.com"), "AccountAlreadyRegisteredException")
	wantReason(t, "register the management account", register(mgmtID, "config.amazonaws.com"), orgtypes.ConstraintViolationExceptionReasonCannotRegisterMasterAsDelegatedAdministrator)
	wantReason(t, "register a suspended account", register(suspendedID, "config.amazonaws.com"), orgtypes.ConstraintViolationExceptionReasonCannotRegisterSuspendedAccountAsDelegatedAdministrator)
	wantReason(t, "register without trusted access", register(logID, "access-analyzer.amazonaws.com"), orgtypes.ConstraintViolationExceptionReasonServiceAccessNotEnabled)
	wantCode(t, "register an unknown account", register("999999999999", "config.amazonaws.com"), "AccountNotFoundException")
	wantCode(t, "register a malformed account", register("12", "config.amazonaws.com"), "InvalidInputException")
	member := organizations.NewFromConfig(memberConfig(t, url, "us-east-1", sharedID, "AWSControlTowerExecution"))
	_, err := member.RegisterDelegatedAdministrator(ctx, &organizations.RegisterDelegatedAdministratorInput{AccountId: aws.String(logID), ServicePrincipal: aws.String("sso.amazonaws.com")})
	wantCode(t, "register as a member account", err, "AccessDeniedException")

	wantCode(t, "deregister", deregister(logID, "config.amazonaws.com"), "")
	wantCode(t, "deregister again", deregister(logID, "config.amazonaws.com"), "AccountNotRegisteredException")
	_, err = services(logID)
	wantCode(t, "ListDelegatedServicesForAccount after the last service", err, "AccountNotRegisteredException")
	wantCode(t, "deregister an unknown account", deregister("999999999999", "config.amazonaws.com"), "AccountNotFoundException")
	// The Security account's last services: it is no delegated administrator at all any more.
	wantCode(t, "deregister config", deregister(securityID, "config.amazonaws.com"), "")
	wantCode(t, "deregister guardduty", deregister(securityID, "guardduty.amazonaws.com"), "")
	if got := delegatedAdmins(t, org, ""); len(got) != 0 {
		t.Errorf("delegated administrators left: %v", got)
	}
	if got := s.Snapshot().DelegatedAdmins; len(got) != 0 {
		t.Errorf("Snapshot().DelegatedAdmins = %v, want none", got)
	}
	wantCode(t, "register guardduty without trusted access", register(logID, "guardduty.amazonaws.com"), "ConstraintViolationException")
	if got := successfulTargets(s, "RegisterDelegatedAdministrator"); !slices.Equal(got, []string{logID + "/config.amazonaws.com"}) {
		t.Errorf("audit targets of RegisterDelegatedAdministrator = %v", got)
	}
	if got := successfulTargets(s, "DeregisterDelegatedAdministrator"); len(got) != 3 {
		t.Errorf("audit targets of DeregisterDelegatedAdministrator = %v, want 3", got)
	}
}

// regionalAdminScript runs GuardDuty's and Security Hub's delegated-administrator calls with
// boto3 and prints what each answered: the error code, or the admin accounts listed.
const regionalAdminScript = `
import json, sys, boto3, botocore.exceptions
cfg = json.load(sys.stdin)
def client(svc, region, creds=None):
    creds = creds or {"aws_access_key_id": cfg["key"], "aws_secret_access_key": "secret"}
    return boto3.client(svc, region_name=region, endpoint_url=cfg["endpoint"], **creds)
sts = client("sts", "us-east-1")
def role(arn):
    c = sts.assume_role(RoleArn=arn, RoleSessionName="lz2ct-test")["Credentials"]
    return {"aws_access_key_id": c["AccessKeyId"], "aws_secret_access_key": c["SecretAccessKey"], "aws_session_token": c["SessionToken"]}
member = role("arn:aws:iam::%s:role/AWSControlTowerExecution" % cfg["member"])
admin = role("arn:aws:iam::%s:role/AWSCloudFormationStackSetExecutionRole" % cfg["admin"])
out = []
for step in cfg["steps"]:
    svc, op, region = step["svc"], step["op"], step["region"]
    cl = client(svc, region, member if step.get("member") else admin if step.get("admin") else None)
    try:
        if op == "detectors":
            out.append(len(cl.list_detectors()["DetectorIds"]))
        elif op == "configure":
            if svc == "guardduty":
                ids = cl.list_detectors()["DetectorIds"] or ["0" * 32]
                cl.update_organization_configuration(DetectorId=step.get("account") or ids[0], AutoEnableOrganizationMembers="ALL")
            else:
                cl.update_organization_configuration(AutoEnable=True)
            out.append("ok")
        elif op == "list":
            if svc == "guardduty":
                r = cl.list_organization_admin_accounts()
                out.append(sorted(a["AdminAccountId"] + ":" + a["AdminStatus"] for a in r["AdminAccounts"]))
            else:
                r = cl.list_organization_admin_accounts()
                out.append(sorted(a["AccountId"] + ":" + a["Status"] for a in r["AdminAccounts"]))
        elif op == "orgs-list":
            r = cl.list_delegated_administrators(ServicePrincipal=step["principal"])
            out.append(sorted(a["Id"] for a in r["DelegatedAdministrators"]))
        elif op == "deregister":
            cl.deregister_delegated_administrator(AccountId=step["account"], ServicePrincipal=step["principal"])
            out.append("ok")
        else:
            getattr(cl, op)(AdminAccountId=step["account"])
            out.append("ok")
    except botocore.exceptions.ClientError as e:
        out.append(e.response["Error"]["Code"] + " " + str(e.response["ResponseMetadata"]["HTTPStatusCode"]))
print(json.dumps(out))
`

// TestGuardDutyAndSecurityHubAdministrators follows AWS's guide for changing GuardDuty's delegated
// administrator (disable it in every region, deregister it from Organizations, designate the new
// one), with the refusals of a shortcut on the way; Security Hub's designation registers with
// Organizations too.
func TestGuardDutyAndSecurityHubAdministrators(t *testing.T) {
	py := findBoto3(t)
	s, url := serve(t, fixture(0, testRegions), Options{})
	r1, r2 := testRegions[0], testRegions[1]
	type step struct {
		Svc       string `json:"svc"`
		Op        string `json:"op"`
		Region    string `json:"region"`
		Account   string `json:"account,omitempty"`
		Principal string `json:"principal,omitempty"`
		Member    bool   `json:"member,omitempty"`
		Admin     bool   `json:"admin,omitempty"` // as the Log Archive account, the new administrator
		want      string
	}
	gd, sh := "guardduty.amazonaws.com", "securityhub.amazonaws.com"
	steps := []step{
		{Svc: "guardduty", Op: "list", Region: r1, want: `["` + securityID + `:ENABLED"]`},
		{Svc: "guardduty", Op: "enable_organization_admin_account", Region: r1, Account: logID, want: `"BadRequestException 400"`},
		{Svc: "guardduty", Op: "disable_organization_admin_account", Region: r1, Account: securityID, want: `"ok"`},
		{Svc: "guardduty", Op: "list", Region: r1, want: `[]`},
		{Svc: "guardduty", Op: "list", Region: r2, want: `["` + securityID + `:ENABLED"]`},
		// Still registered with Organizations: the new account is refused.
		{Svc: "guardduty", Op: "enable_organization_admin_account", Region: r1, Account: logID, want: `"BadRequestException 400"`},
		{Svc: "guardduty", Op: "disable_organization_admin_account", Region: r1, Account: securityID, want: `"BadRequestException 400"`},
		{Svc: "guardduty", Op: "disable_organization_admin_account", Region: r2, Account: securityID, want: `"ok"`},
		{Svc: "organizations", Op: "orgs-list", Region: r1, Principal: gd, want: `["` + securityID + `"]`},
		{Svc: "organizations", Op: "deregister", Region: r1, Account: securityID, Principal: gd, want: `"ok"`},
		{Svc: "guardduty", Op: "enable_organization_admin_account", Region: r1, Account: logID, want: `"ok"`},
		{Svc: "guardduty", Op: "enable_organization_admin_account", Region: r1, Account: logID, want: `"ok"`},
		{Svc: "guardduty", Op: "enable_organization_admin_account", Region: r2, Account: logID, want: `"ok"`},
		{Svc: "guardduty", Op: "list", Region: r2, want: `["` + logID + `:ENABLED"]`},
		{Svc: "guardduty", Op: "list", Region: testRegions[2], want: `[]`},
		// Designating enabled GuardDuty for the new administrator: it configures the organization.
		{Svc: "guardduty", Op: "detectors", Region: r1, Admin: true, want: `1`},
		{Svc: "guardduty", Op: "detectors", Region: testRegions[2], Admin: true, want: `0`},
		{Svc: "guardduty", Op: "detectors", Region: r1, want: `0`},
		{Svc: "guardduty", Op: "configure", Region: r1, Admin: true, want: `"ok"`},
		{Svc: "guardduty", Op: "configure", Region: r1, Admin: true, Account: "1234567890abcdef1234567890abcdef", want: `"BadRequestException 400"`},
		{Svc: "guardduty", Op: "configure", Region: testRegions[2], Admin: true, want: `"BadRequestException 400"`},
		{Svc: "guardduty", Op: "configure", Region: r1, Member: true, want: `"BadRequestException 400"`},
		{Svc: "organizations", Op: "orgs-list", Region: r1, Principal: gd, want: `["` + logID + `"]`},
		{Svc: "guardduty", Op: "enable_organization_admin_account", Region: r2, Account: mgmtID, want: `"BadRequestException 400"`},
		{Svc: "guardduty", Op: "enable_organization_admin_account", Region: r2, Account: "999999999999", want: `"BadRequestException 400"`},
		{Svc: "guardduty", Op: "list", Region: r1, Member: true, want: `"BadRequestException 400"`},
		{Svc: "guardduty", Op: "enable_organization_admin_account", Region: r1, Account: sharedID, Member: true, want: `"BadRequestException 400"`},
		{Svc: "securityhub", Op: "list", Region: r1, want: `[]`},
		{Svc: "securityhub", Op: "enable_organization_admin_account", Region: r1, Account: logID, want: `"ok"`},
		{Svc: "securityhub", Op: "list", Region: r1, want: `["` + logID + `:ENABLED"]`},
		{Svc: "organizations", Op: "orgs-list", Region: r1, Principal: sh, want: `["` + logID + `"]`},
		{Svc: "securityhub", Op: "enable_organization_admin_account", Region: r2, Account: sharedID, want: `"InvalidInputException 400"`},
		{Svc: "securityhub", Op: "list", Region: r1, Member: true, want: `"InvalidAccessException 401"`},
		{Svc: "securityhub", Op: "configure", Region: r1, Admin: true, want: `"ok"`},
		{Svc: "securityhub", Op: "configure", Region: r2, Admin: true, want: `"InvalidAccessException 401"`},
		// Deregistering removes the designation in every region.
		{Svc: "organizations", Op: "deregister", Region: r1, Account: logID, Principal: sh, want: `"ok"`},
		{Svc: "securityhub", Op: "list", Region: r1, want: `[]`},
	}
	in, _ := json.Marshal(map[string]any{"endpoint": url, "key": "AKIAEXAMPLEEXAMPLE00", "member": sharedID, "admin": logID, "steps": steps})
	cmd := exec.Command(py, "-c", regionalAdminScript)
	cmd.Stdin = bytes.NewReader(in)
	cmd.Env = append(cleanAWSEnv(), "HOME="+t.TempDir())
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("boto3: %v\n%s", err, stderr.String())
	}
	var got []json.RawMessage
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil || len(got) != len(steps) {
		t.Fatalf("boto3 answered %s (%v)", stdout.String(), err)
	}
	for i, st := range steps {
		if string(got[i]) != st.want {
			t.Errorf("step %d: %s %s %s %s: %s, want %s", i, st.Svc, st.Op, st.Region, st.Account, got[i], st.want)
		}
	}
	snap := s.Snapshot()
	if !slices.Contains(snap.TrustedServices, gd) || !slices.Contains(snap.TrustedServices, sh) {
		t.Errorf("trusted services %v: designating turns on GuardDuty's and Security Hub's trusted access", snap.TrustedServices)
	}
	if got := successfulTargets(s, "UpdateOrganizationConfiguration"); !slices.Equal(got, []string{r1 + "/" + logID, r1 + "/" + logID}) {
		t.Errorf("audit targets of UpdateOrganizationConfiguration = %v", got)
	}
	want := []string{r1 + "/" + logID, r1 + "/" + logID, r2 + "/" + logID}
	if got := successfulTargets(s, "EnableOrganizationAdminAccount"); !slices.Equal(got[:3], want) || len(got) != 4 {
		t.Errorf("audit targets of EnableOrganizationAdminAccount = %v, want %v and Security Hub's", got, want)
	}
}
