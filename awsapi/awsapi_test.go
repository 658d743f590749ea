package awsapi

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/logging"
	"github.com/aws/smithy-go/middleware"

	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/sim"
)

func TestMain(m *testing.M) {
	for _, k := range []string{"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID",
		"AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"} {
		os.Unsetenv(k)
	}
	os.Setenv("AWS_CONFIG_FILE", os.DevNull)
	os.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	os.Exit(m.Run())
}

func simClients(t *testing.T, snap *inventory.Snapshot, opts Options) (*Clients, *sim.Server) {
	t.Helper()
	srv := sim.New(snap, sim.Options{})
	url, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	opts.EndpointURL = url
	opts.Static = &aws.Credentials{AccessKeyID: "AKIAEXAMPLEEXAMPLE00", SecretAccessKey: "secret"}
	opts.MaxBackoff = time.Millisecond
	c, err := Load(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c, srv
}

// ForAccount tries the roles in order, remembers the one that worked, and assumes each account once.
func TestForAccountRoleOrderAndCache(t *testing.T) {
	snap, err := inventory.Load("../testdata/orgs/alz2-typical.json")
	if err != nil {
		t.Fatal(err)
	}
	c, srv := simClients(t, snap, Options{})
	id, err := c.CallerIdentity(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if id.Account != snap.Organization.ManagementAccountID || id.Partition != "aws" {
		t.Fatalf("caller %+v, want the management account in aws", id)
	}
	for _, a := range snap.Accounts {
		want := a.AccessRole
		cfg, role, err := c.ForAccount(context.Background(), a.ID)
		if want == "" {
			var are *AssumeRoleError
			if !errors.As(err, &are) {
				t.Errorf("%s: err %v, want AssumeRoleError", a.ID, err)
			}
			continue
		}
		if err != nil || role != want {
			t.Errorf("%s: role %q err %v, want %q", a.ID, role, err, want)
			continue
		}
		// The configuration acts as the account.
		out, err := STS(cfg).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
		if err != nil || aws.ToString(out.Account) != a.ID {
			t.Errorf("%s: acting as %v (%v)", a.ID, out, err)
		}
	}
	assumes := func() int {
		n := 0
		for _, call := range srv.Calls() {
			if call.Operation == "AssumeRole" {
				n++
			}
		}
		return n
	}
	before := assumes()
	for _, a := range snap.Accounts {
		c.ForAccount(context.Background(), a.ID)
	}
	if after := assumes(); after != before {
		t.Errorf("second round assumed roles %d more times, want 0 (cached)", after-before)
	}
}

// Custom role names replace the defaults.
func TestForAccountCustomRoles(t *testing.T) {
	snap, err := inventory.Load("../testdata/orgs/alz2-typical.json")
	if err != nil {
		t.Fatal(err)
	}
	c, _ := simClients(t, snap, Options{RoleNames: []string{"OrganizationAccountAccessRole"}})
	for _, a := range snap.Accounts {
		if a.ID == snap.Organization.ManagementAccountID || a.IAM == nil {
			continue
		}
		_, role, err := c.ForAccount(context.Background(), a.ID)
		if a.IAM.OrganizationAccountAccessRole != (err == nil) {
			t.Errorf("%s: role %q err %v, but OrganizationAccountAccessRole exists = %v", a.ID, role, err, a.IAM.OrganizationAccountAccessRole)
		}
	}
}

// The rate limiter sits after the retryer, so every attempt waits for a token.
func TestRateLimiterRunsAfterRetry(t *testing.T) {
	cfg := aws.Config{}
	newLimiters(0).install(&cfg, "")
	stack := middleware.NewStack("test", nil)
	if err := stack.Finalize.Add(middleware.FinalizeMiddlewareFunc("Retry", nil), middleware.After); err != nil {
		t.Fatal(err)
	}
	if err := stack.Finalize.Add(middleware.FinalizeMiddlewareFunc("Signing", nil), middleware.After); err != nil {
		t.Fatal(err)
	}
	for _, fn := range cfg.APIOptions {
		if err := fn(stack); err != nil {
			t.Fatal(err)
		}
	}
	ids := stack.Finalize.List()
	want := []string{"Retry", "lz2ct.RateLimit", "Signing"}
	if len(ids) != 3 || ids[0] != want[0] || ids[1] != want[1] || ids[2] != want[2] {
		t.Fatalf("finalize order %v, want %v", ids, want)
	}
	none := aws.Config{}
	newLimiters(-1).install(&none, "")
	if len(none.APIOptions) != 0 {
		t.Error("a negative rate must install no limiter")
	}
}

func TestRates(t *testing.T) {
	l := newLimiters(0)
	if r := l.rateFor("STS", "AssumeRole"); r != 100 {
		t.Errorf("AssumeRole default %v, want 100", r)
	}
	if r := l.rateFor("Config Service", "DescribeDeliveryChannels"); r != DefaultRatePerSecond {
		t.Errorf("default %v, want %v", r, DefaultRatePerSecond)
	}
	if r := newLimiters(3).rateFor("STS", "AssumeRole"); r != 3 {
		t.Errorf("explicit rate %v, want 3 for every API", r)
	}
}

// Copies of one configuration must not share the appended limiter (append into a shared array).
func TestInstallDoesNotShareBackingArrays(t *testing.T) {
	base := aws.Config{APIOptions: make([]func(*middleware.Stack) error, 1, 8)}
	base.APIOptions[0] = func(*middleware.Stack) error { return nil }
	a, b := base.Copy(), base.Copy()
	la, lb := newLimiters(1), newLimiters(2)
	la.install(&a, "111111111111")
	lb.install(&b, "222222222222")
	if &a.APIOptions[1] == &b.APIOptions[1] {
		t.Fatal("two configurations share the limiter slot")
	}
}

func TestLoadBadProfile(t *testing.T) {
	_, err := Load(context.Background(), Options{Profile: "no-such-profile-lz2ct"})
	if err == nil {
		t.Fatal("want an error for a profile that does not exist")
	}
}

func TestUnknownHostIsNotRetried(t *testing.T) {
	if got := unknownHost(&net.DNSError{Err: "no such host", Name: "sso.xx-moon-1.amazonaws.com", IsNotFound: true}); got != aws.FalseTernary {
		t.Errorf("unknown host: %v, want no retry", got)
	}
	if got := unknownHost(&net.DNSError{Err: "timeout", IsTimeout: true}); got != aws.UnknownTernary {
		t.Errorf("DNS timeout: %v, want the SDK's default decision", got)
	}
	if got := unknownHost(errors.New("connection refused")); got != aws.UnknownTernary {
		t.Errorf("other error: %v, want the SDK's default decision", got)
	}
}

// Options.Logger replaces the SDK's logger (which writes to stderr), for the management account's
// configuration and every member account's, which start from it.
func TestLoggerOption(t *testing.T) {
	var rec recordingLogger
	c, err := Load(context.Background(), Options{Region: "us-east-1", Static: &aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "x"}, Logger: &rec})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for name, cfg := range map[string]aws.Config{"management": c.Management(), "base": c.base} {
		if cfg.Logger != &rec {
			t.Errorf("%s configuration logs to %T, want the logger given", name, cfg.Logger)
		}
	}
}

type recordingLogger struct{ lines []string }

func (r *recordingLogger) Logf(_ logging.Classification, format string, v ...any) {
	r.lines = append(r.lines, fmt.Sprintf(format, v...))
}
