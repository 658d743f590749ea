package sim

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/lz2ct/lz2ct/inventory"
)

// Every identity rule is checked through the real SDK; each assertion fails if the simulator is
// more lenient than AWS.

func withCreds(cfg aws.Config, key string) aws.Config {
	cfg.Credentials = credentials.NewStaticCredentialsProvider(key, "secret", "")
	return cfg
}

func TestUnsignedRequestsAreRefused(t *testing.T) {
	_, url := serve(t, fixture(0, testRegions), Options{})
	ctx := context.Background()
	cfg := mgmtConfig(url, "us-east-1")
	cfg.Credentials = aws.AnonymousCredentials{} // the SDK sends no Authorization header
	_, err := organizations.NewFromConfig(cfg).DescribeOrganization(ctx, nil)
	wantCode(t, "unsigned JSON 1.1 call", err, "MissingAuthenticationTokenException")
	_, err = sts.NewFromConfig(cfg).GetCallerIdentity(ctx, nil)
	wantCode(t, "unsigned query call", err, "MissingAuthenticationToken")
	_, err = ec2.NewFromConfig(cfg).DescribeRegions(ctx, nil)
	wantCode(t, "unsigned EC2 call", err, "MissingAuthenticationToken")
}

func TestUnknownAccessKeysAreRefused(t *testing.T) {
	snap := fixture(0, testRegions)
	_, url := serve(t, snap, Options{})
	ctx := context.Background()
	for _, key := range []string{
		"AKIAUNKNOWNUNKNOWN00",      // never configured
		"ASIAZZZZ" + securityID,     // looks issued, for an account of the organization, but was not
		"ASIAZZZZ" + "999999999999", // an account outside the organization
	} {
		cfg := withCreds(mgmtConfig(url, "us-east-1"), key)
		_, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, nil)
		wantCode(t, key+" sts", err, "InvalidClientTokenId")
		_, err = organizations.NewFromConfig(cfg).ListRoots(ctx, nil)
		wantCode(t, key+" organizations", err, "UnrecognizedClientException")
		_, err = ec2.NewFromConfig(cfg).DescribeRegions(ctx, nil)
		wantCode(t, key+" ec2", err, "AuthFailure")
		_, err = s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }).ListBuckets(ctx, nil)
		wantCode(t, key+" s3", err, "InvalidAccessKeyId")
	}
	// A configured key for a member account acts as that account.
	_, url = serve(t, snap, Options{AccessKeys: map[string]string{"AKIAMEMBERMEMBER0000": securityID}})
	who := must[*sts.GetCallerIdentityOutput](t, "member key")(sts.NewFromConfig(withCreds(mgmtConfig(url, "us-east-1"), "AKIAMEMBERMEMBER0000")).GetCallerIdentity(ctx, nil))
	if *who.Account != securityID {
		t.Errorf("configured member key acts as %s, want %s", *who.Account, securityID)
	}
	_, err := sts.NewFromConfig(mgmtConfig(url, "us-east-1")).GetCallerIdentity(ctx, nil)
	wantCode(t, "a default key no longer configured", err, "InvalidClientTokenId")
}

func TestIssuedKeysSurviveARestart(t *testing.T) {
	snap := fixture(0, testRegions)
	_, url := serve(t, snap, Options{Seed: 9})
	cfg := memberConfig(t, url, "us-east-1", securityID, "OrganizationAccountAccessRole")
	creds, _ := cfg.Credentials.Retrieve(context.Background())
	// A new server with the same seed recognises the key (a client that outlives a simulator restart).
	_, url2 := serve(t, snap, Options{Seed: 9})
	cfg2 := mgmtConfig(url2, "us-east-1")
	cfg2.Credentials = credentials.NewStaticCredentialsProvider(creds.AccessKeyID, creds.SecretAccessKey, creds.SessionToken)
	who := must[*sts.GetCallerIdentityOutput](t, "after restart")(sts.NewFromConfig(cfg2).GetCallerIdentity(context.Background(), nil))
	if *who.Account != securityID {
		t.Errorf("restarted simulator: key acts as %s, want %s", *who.Account, securityID)
	}
	// Another seed did not issue it.
	_, url3 := serve(t, snap, Options{Seed: 10})
	cfg2.BaseEndpoint = aws.String(url3)
	_, err := sts.NewFromConfig(cfg2).GetCallerIdentity(context.Background(), nil)
	wantCode(t, "key of another seed", err, "InvalidClientTokenId")
}

// The tracked roles trust the management account only: a member account's session cannot hop into
// another member account.
func TestRoleTrustPoliciesAreHonoured(t *testing.T) {
	_, url := serve(t, fixture(0, testRegions), Options{})
	ctx := context.Background()
	// The log archive account has STS deactivated in us-east-1: its session calls STS in eu-west-1.
	member := memberConfig(t, url, "eu-west-1", logID, "AWSCloudFormationStackSetExecutionRole")
	_, err := sts.NewFromConfig(member).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::" + securityID + ":role/AWSCloudFormationStackSetExecutionRole"), RoleSessionName: aws.String("hop")})
	wantCode(t, "member assumes another member's StackSet role", err, "AccessDenied")
	_, err = sts.NewFromConfig(member).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::" + logID + ":role/OrganizationAccountAccessRole"), RoleSessionName: aws.String("self")})
	wantCode(t, "member assumes a role of its own account that trusts the management account", err, "AccessDenied")
	_, err = sts.NewFromConfig(mgmtConfig(url, "us-east-1")).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::" + securityID + ":role/aws-controltower-AdministratorExecutionRole"), RoleSessionName: aws.String("ct")})
	wantCode(t, "Control Tower's own role", err, "AccessDenied")
	_, err = sts.NewFromConfig(mgmtConfig(url, "us-east-1")).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::" + securityID + ":role/AWSCloudFormationStackSetExecutionRole"), RoleSessionName: aws.String("ok")})
	wantCode(t, "management account", err, "")
	_, err = sts.NewFromConfig(mgmtConfig(url, "us-east-1")).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("not-an-arn"), RoleSessionName: aws.String("bad")})
	wantCode(t, "malformed role ARN", err, "ValidationError")
}

func TestSigningRegionMustExist(t *testing.T) {
	_, url := serve(t, fixture(0, testRegions), Options{})
	ctx := context.Background()
	cfg := mgmtConfig(url, "eu-wset-1")
	_, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, nil)
	wantCode(t, "sts in a region that does not exist", err, "SignatureDoesNotMatch")
	_, err = configservice.NewFromConfig(cfg).DescribeConfigurationRecorders(ctx, nil)
	wantCode(t, "config in a region that does not exist", err, "InvalidSignatureException")
	_, err = ec2.NewFromConfig(cfg).DescribeRegions(ctx, nil)
	wantCode(t, "ec2 in a region that does not exist", err, "AuthFailure")
}

// A call into an opt-in region the account has not enabled is refused as AWS refuses it: the
// region does not know the account's credentials.
func TestDisabledRegionsRefuseTheCredentials(t *testing.T) {
	_, url := serve(t, fixture(0, testRegions), Options{})
	ctx := context.Background()
	sec := memberConfig(t, url, "us-east-1", securityID, "OrganizationAccountAccessRole")
	sec.Region = "af-south-1"
	// The management account has not enabled it either: it cannot even call STS there.
	_, err0 := sts.NewFromConfig(mgmtConfig(url, "af-south-1")).GetCallerIdentity(ctx, nil)
	wantCode(t, "management account in a disabled region", err0, "InvalidClientTokenId")
	_, err := sts.NewFromConfig(sec).GetCallerIdentity(ctx, nil)
	wantCode(t, "sts in a disabled region", err, "InvalidClientTokenId")
	_, err = configservice.NewFromConfig(sec).DescribeConfigurationRecorders(ctx, nil)
	wantCode(t, "config in a disabled region", err, "UnrecognizedClientException")
	// The log archive account enabled af-south-1.
	logCfg := memberConfig(t, url, "eu-west-1", logID, "OrganizationAccountAccessRole")
	logCfg.Region = "af-south-1"
	wantCode(t, "config in an enabled opt-in region", func() error {
		_, err := configservice.NewFromConfig(logCfg).DescribeConfigurationRecorders(ctx, nil)
		return err
	}(), "")
}

// AWS never denies sts:GetCallerIdentity: not to a denied account, not under a snapshot problem.
func TestGetCallerIdentityIsNeverDenied(t *testing.T) {
	snap := fixture(0, testRegions)
	snap.Problems = append(snap.Problems, inventory.Problem{AccountID: mgmtID, Service: "sts", Operation: "GetCallerIdentity", Code: "AccessDenied", Message: "replayed"})
	_, url := serve(t, snap, Options{Deny: []Scope{{AccountID: mgmtID}, {AccountID: logID}}})
	ctx := context.Background()
	who := must[*sts.GetCallerIdentityOutput](t, "denied management account")(sts.NewFromConfig(mgmtConfig(url, "us-east-1")).GetCallerIdentity(ctx, nil))
	if *who.Account != mgmtID {
		t.Errorf("caller %s", *who.Account)
	}
	_, err := organizations.NewFromConfig(mgmtConfig(url, "us-east-1")).ListRoots(ctx, nil)
	wantCode(t, "other calls of the denied account", err, "AccessDeniedException")
}

func TestMalformedIDsGetValidationErrors(t *testing.T) {
	_, url := serve(t, fixture(0, testRegions), Options{})
	ctx := context.Background()
	org := organizations.NewFromConfig(mgmtConfig(url, "us-east-1"))
	reason := func(err error) string {
		var ie *orgtypes.InvalidInputException
		if errors.As(err, &ie) {
			return string(ie.Reason)
		}
		return ""
	}
	for name, call := range map[string]func() error{
		"DescribeAccount abc": func() error {
			_, err := org.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: aws.String("abc")})
			return err
		},
		"ListParents of a policy ID": func() error {
			_, err := org.ListParents(ctx, &organizations.ListParentsInput{ChildId: aws.String("p-FullAWSAccess")})
			return err
		},
		"ListChildren of an account": func() error {
			_, err := org.ListChildren(ctx, &organizations.ListChildrenInput{ParentId: aws.String(logID), ChildType: "ACCOUNT"})
			return err
		},
		"DescribePolicy xyz": func() error {
			_, err := org.DescribePolicy(ctx, &organizations.DescribePolicyInput{PolicyId: aws.String("xyz")})
			return err
		},
	} {
		err := call()
		wantCode(t, name, err, "InvalidInputException")
		if r := reason(err); r != "INVALID_PATTERN" {
			t.Errorf("%s: reason %q, want INVALID_PATTERN", name, r)
		}
	}
	_, err := org.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: aws.String("999999999999")})
	wantCode(t, "well-formed unknown account", err, "AccountNotFoundException")
}

// The simulator answers an unknown service in the protocol the client spoke: a JSON error for a
// JSON 1.1 request, an XML error for a query request; the audit log names the operation.
func TestUnknownServicesAnswerInTheClientsProtocol(t *testing.T) {
	s, url := serve(t, fixture(0, testRegions), Options{})
	auth := "AWS4-HMAC-SHA256 Credential=AKIAEXAMPLEEXAMPLE00/20260101/us-east-1/%s/aws4_request, SignedHeaders=host, Signature=0"
	post := func(svc, contentType, target, body string) (*http.Response, []byte) {
		req, _ := http.NewRequest(http.MethodPost, url+"/", strings.NewReader(body))
		req.Header.Set("Authorization", strings.Replace(auth, "%s", svc, 1))
		req.Header.Set("Content-Type", contentType)
		if target != "" {
			req.Header.Set("X-Amz-Target", target)
		}
		resp, err := sharedHTTPClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}
	resp, body := post("budgets", "application/x-amz-json-1.1", "AWSBudgetServiceGateway.DescribeBudgets", "{}")
	var m map[string]string
	if err := json.Unmarshal(body, &m); err != nil || m["__type"] != "UnknownOperationException" || resp.Header.Get("X-Amzn-ErrorType") != "UnknownOperationException" {
		t.Errorf("JSON 1.1 unknown service: %d %s (%v)", resp.StatusCode, body, err)
	}
	resp, body = post("elasticloadbalancing", "application/x-www-form-urlencoded", "", "Action=DescribeLoadBalancers&Version=2015-12-01")
	if resp.StatusCode != 400 || !strings.Contains(string(body), "<Code>InvalidAction</Code>") {
		t.Errorf("query unknown service: %d %s", resp.StatusCode, body)
	}
	calls := s.Calls()
	if len(calls) != 2 || calls[0].Service != "budgets" || calls[0].Operation != "DescribeBudgets" || calls[0].Account != mgmtID || calls[0].Mutating ||
		calls[1].Operation != "DescribeLoadBalancers" {
		t.Errorf("audit log: %+v", calls)
	}
}

// The audit log streams: a reader sees each call while the server still runs.
func TestAuditLogStreamsWhileServing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	_, url := serve(t, fixture(0, testRegions), Options{AuditLog: f})
	org := organizations.NewFromConfig(mgmtConfig(url, "us-east-1"))
	for i, op := range []func() error{
		func() error { _, err := org.DescribeOrganization(context.Background(), nil); return err },
		func() error { _, err := org.ListRoots(context.Background(), nil); return err },
	} {
		if err := op(); err != nil {
			t.Fatal(err)
		}
		r, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		var lines []Call
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			var c Call
			if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
				t.Fatalf("line %q: %v", sc.Text(), err)
			}
			lines = append(lines, c)
		}
		r.Close()
		if len(lines) != i+1 {
			t.Fatalf("after %d calls the running server's audit log holds %d lines", i+1, len(lines))
		}
	}
}
