package sim

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/lz2ct/lz2ct/inventory"
)

// throttledSet sends the same 200 distinct requests to a fresh server and returns which were throttled.
func throttledSet(t *testing.T, seed int64, fraction float64) []bool {
	snap := fixture(200, testRegions)
	_, url := serve(t, snap, Options{ThrottleFraction: fraction, Seed: seed})
	org := organizations.NewFromConfig(mgmtConfig(url, "us-east-1"))
	var out []bool
	for i := 0; i < 200; i++ {
		_, err := org.DescribeAccount(context.Background(), &organizations.DescribeAccountInput{AccountId: aws.String(fmt.Sprintf("9%011d", i))})
		switch errCode(err) {
		case "":
			out = append(out, false)
		case "TooManyRequestsException":
			out = append(out, true)
		default:
			t.Fatalf("DescribeAccount: %v", err)
		}
	}
	return out
}

func TestThrottlingIsSeededAndRetryable(t *testing.T) {
	a, b, c := throttledSet(t, 7, 0.3), throttledSet(t, 7, 0.3), throttledSet(t, 8, 0.3)
	if !reflect.DeepEqual(a, b) {
		t.Error("the same seed throttled different calls")
	}
	if reflect.DeepEqual(a, c) {
		t.Error("different seeds throttled the same calls")
	}
	n := 0
	for _, x := range a {
		if x {
			n++
		}
	}
	if n < 30 || n > 90 { // 30% of 200 = 60; the bounds are far out in the binomial tails
		t.Errorf("%d of 200 calls throttled at fraction 0.3", n)
	}

	// Every service answers its own throttling code, and the SDK's standard retryer gets through.
	snap := fixture(3, testRegions)
	_, url := serve(t, snap, Options{ThrottleFraction: 0.5, Seed: 3})
	ctx := context.Background()
	cfg := mgmtConfig(url, testRegions[0])
	cfg.Retryer = func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = 30
			o.MaxBackoff = 1 // no waiting: the test is about codes, not pacing
			o.RateLimiter = noRateLimit{}
		})
	}
	for _, r := range inventory.PartitionRegions("aws") {
		if r.OptIn {
			continue // not enabled for the management account: refused before any draw
		}
		// Distinct requests (the region is part of each): identical requests get identical draws.
		cfg.Region = r.Name
		if _, err := organizations.NewFromConfig(cfg).DescribeOrganization(ctx, nil); err != nil {
			t.Fatalf("organizations with retries: %v", err)
		}
		if _, err := configservice.NewFromConfig(cfg).DescribeConfigurationRecorders(ctx, nil); err != nil {
			t.Fatalf("config with retries: %v", err)
		}
		if _, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, nil); err != nil {
			t.Fatalf("sts with retries: %v", err)
		}
		if _, err := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }).ListBuckets(ctx, nil); err != nil {
			t.Fatalf("s3 with retries: %v", err)
		}
	}
	codes := map[string]bool{}
	for _, c := range (*Server)(nil).callsOf(t, url) {
		codes[c.Service+":"+c.Code] = true
	}
	for _, want := range []string{"organizations:TooManyRequestsException", "config:ThrottlingException", "sts:Throttling", "s3:SlowDown"} {
		if !codes[want] {
			t.Errorf("no %s answered; answered %v", want, codes)
		}
	}
}

// callsOf finds the server serving url among the test's servers (see serve).
func (*Server) callsOf(t *testing.T, url string) []Call {
	t.Helper()
	s := servers[url]
	if s == nil {
		t.Fatalf("no server at %s", url)
	}
	return s.Calls()
}

type noRateLimit struct{}

func (noRateLimit) GetToken(context.Context, uint) (func() error, error) {
	return func() error { return nil }, nil
}
func (noRateLimit) AddTokens(uint) error { return nil }

func TestAPIRateLimitsEachOperation(t *testing.T) {
	_, url := serve(t, fixture(0, testRegions), Options{APIRate: 1})
	org := organizations.NewFromConfig(mgmtConfig(url, "us-east-1"))
	ctx := context.Background()
	var codes []string
	for i := 0; i < 5; i++ {
		_, err := org.ListRoots(ctx, nil)
		codes = append(codes, errCode(err))
	}
	if codes[0] != "" || codes[4] != "TooManyRequestsException" {
		t.Errorf("ListRoots at 1 call/s: codes %q, want the first to pass and later ones throttled", codes)
	}
	// The bucket is per operation: another operation still has its token.
	if _, err := org.DescribeOrganization(ctx, nil); err != nil {
		t.Errorf("DescribeOrganization after ListRoots used its bucket: %v", err)
	}
}

func TestDenyScopes(t *testing.T) {
	snap := fixture(0, testRegions)
	_, url := serve(t, snap, Options{Deny: []Scope{{AccountID: securityID}, {AccountID: logID, Region: testRegions[0]}}})
	ctx := context.Background()
	_, err := sts.NewFromConfig(mgmtConfig(url, "us-east-1")).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + securityID + ":role/OrganizationAccountAccessRole"), RoleSessionName: aws.String("s-session")})
	wantCode(t, "AssumeRole into a denied account", err, "AccessDenied")

	// A region-scoped deny: the account can be entered and read elsewhere.
	cfg := memberConfig(t, url, "us-east-1", logID, "OrganizationAccountAccessRole")
	for _, r := range testRegions {
		cfg.Region = r
		_, err := configservice.NewFromConfig(cfg).DescribeConfigurationRecorders(ctx, nil)
		want := ""
		if r == testRegions[0] {
			want = "AccessDeniedException"
		}
		wantCode(t, "config in "+r, err, want)
	}

	// Denying the management account denies the organization itself.
	_, url = serve(t, snap, Options{Deny: []Scope{{AccountID: mgmtID}}})
	_, err = organizations.NewFromConfig(mgmtConfig(url, "us-east-1")).DescribeOrganization(ctx, nil)
	wantCode(t, "organization denied", err, "AccessDeniedException")
}

func TestAuditLog(t *testing.T) {
	var buf bytes.Buffer
	snap := fixture(0, testRegions)
	s := New(snap, Options{AuditLog: &buf})
	url, err := s.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	org := organizations.NewFromConfig(mgmtConfig(url, "us-east-1"))
	_, _ = org.ListRoots(ctx, nil)
	_, _ = org.EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: aws.String("controltower.amazonaws.com")})
	cfg := memberConfig(t, url, "us-east-1", logID, "OrganizationAccountAccessRole")
	cfg.Region = testRegions[0]
	_, _ = configservice.NewFromConfig(cfg).DescribeConfigurationRecorders(ctx, nil)
	_, _ = sts.NewFromConfig(mgmtConfig(url, "us-east-1")).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + suspendedID + ":role/OrganizationAccountAccessRole"), RoleSessionName: aws.String("s-session")})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	want := []Call{
		{Service: "organizations", Operation: "ListRoots", Account: mgmtID, Region: "us-east-1"},
		{Service: "organizations", Operation: "EnableAWSServiceAccess", Account: mgmtID, Region: "us-east-1", Mutating: true, Code: "UnknownOperationException"},
		{Service: "sts", Operation: "AssumeRole", Account: mgmtID, Region: "us-east-1"},
		{Service: "config", Operation: "DescribeConfigurationRecorders", Account: logID, Region: testRegions[0]},
		{Service: "sts", Operation: "AssumeRole", Account: mgmtID, Region: "us-east-1", Code: "AccessDenied"},
	}
	got := s.Calls()
	for i := range got {
		if got[i].Time.IsZero() {
			t.Errorf("call %d has no time", i)
		}
		got[i].Time = time.Time{}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Calls():\n got %+v\nwant %+v", got, want)
	}
	var lines []Call
	sc := bufio.NewScanner(&buf)
	for sc.Scan() {
		var c Call
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatalf("audit line %q: %v", sc.Text(), err)
		}
		c.Time = time.Time{}
		lines = append(lines, c)
	}
	if !reflect.DeepEqual(lines, want) {
		t.Errorf("audit log:\n got %+v\nwant %+v", lines, want)
	}
}

func TestIsMutating(t *testing.T) {
	for op, want := range map[string]bool{
		"ListAccounts": false, "DescribeStacks": false, "GetRole": false, "SearchProvisionedProducts": false, "AssumeRole": false,
		"DeleteStackInstances": true, "EnableBaseline": true, "ProvisionProduct": true, "DisableStageTransition": true, "CreateBucket": true,
	} {
		if got := isMutating(op); got != want {
			t.Errorf("isMutating(%s) = %v, want %v", op, got, want)
		}
	}
}

// TestConcurrentCalls runs many clients at once (run it with -race): AssumeRole writes the session
// table, throttling counts attempts, the audit log appends, the clock ticks.
func TestConcurrentCalls(t *testing.T) {
	snap := fixture(40, testRegions)
	s, url := serve(t, snap, Options{ThrottleFraction: 0.2, APIRate: 100000, Seed: 5})
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			ctx := context.Background()
			cfg := mgmtConfig(url, testRegions[g%len(testRegions)])
			cfg.Retryer = func() aws.Retryer {
				return retry.NewStandard(func(o *retry.StandardOptions) { o.MaxAttempts, o.MaxBackoff, o.RateLimiter = 40, 1, noRateLimit{} })
			}
			for i := 0; i < 10; i++ {
				acct := fmt.Sprintf("9%011d", (g*10+i)%40)
				out, err := sts.NewFromConfig(cfg).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + acct + ":role/OrganizationAccountAccessRole"), RoleSessionName: aws.String(fmt.Sprint("g", g))})
				if err != nil {
					errs <- err
					return
				}
				member := cfg
				member.Credentials = staticCreds(out)
				recs, err := configservice.NewFromConfig(member).DescribeConfigurationRecorders(ctx, nil)
				if err != nil {
					errs <- fmt.Errorf("recorders of %s: %w", acct, err)
					return
				}
				if len(recs.ConfigurationRecorders) == 0 {
					errs <- fmt.Errorf("no recorders in %s", acct)
					return
				}
				if _, err := organizations.NewFromConfig(cfg).ListAccounts(ctx, &organizations.ListAccountsInput{MaxResults: aws.Int32(int32(1 + i))}); err != nil {
					errs <- err
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := len(s.Calls()); n < 16*10*3 {
		t.Errorf("audit log holds %d calls, want at least %d", n, 16*10*3)
	}
}

func TestLatencyDelaysEveryCall(t *testing.T) {
	const latency = 40 * time.Millisecond
	_, url := serve(t, fixture(0, testRegions), Options{Latency: latency})
	org := organizations.NewFromConfig(mgmtConfig(url, "us-east-1"))
	// A lower bound only: the call cannot be answered before the latency has passed.
	start := time.Now()
	if _, err := org.DescribeOrganization(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < latency {
		t.Errorf("answered after %v, before the %v latency", took, latency)
	}
}
