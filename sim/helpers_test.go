package sim

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/lz2ct/lz2ct/inventory"
)

// servers are the running test servers by URL (tests run sequentially: no t.Parallel here).
var servers = map[string]*Server{}

var testRegions = []string{"eu-west-1", "us-east-1", "us-west-2"}

// serve starts a simulator for snap on a free port and stops it when the test ends.
func serve(t testing.TB, snap *inventory.Snapshot, opts Options) (*Server, string) {
	t.Helper()
	s := New(snap, opts)
	url, err := s.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	servers[url] = s
	t.Cleanup(func() {
		delete(servers, url)
		if err := s.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
		sharedTransport.CloseIdleConnections()
	})
	return s, url
}

// sharedTransport pools connections for every client the tests make. Its idle connections are
// dropped whenever a test server closes: a later server may be given the same port, and a pooled
// connection to the closed one would then fail with "use of closed network connection".
var sharedTransport = func() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns, t.MaxIdleConnsPerHost = 256, 256
	return t
}()

var sharedHTTPClient = &http.Client{Transport: sharedTransport}

// mgmtConfig is an SDK configuration with plain static credentials: the management account.
func mgmtConfig(url, region string) aws.Config {
	return aws.Config{
		Region:       region,
		Credentials:  credentials.NewStaticCredentialsProvider("AKIAEXAMPLEEXAMPLE00", "secret", ""),
		BaseEndpoint: aws.String(url),
		// One transport for every client the tests make: a client per call would otherwise open
		// (and leave idle) a connection per call.
		HTTPClient: sharedHTTPClient,
		// Tests see the simulator's answer, not the retryer's: only a broken connection is tried
		// again (the SDK retries those too; on a loaded machine the race detector makes them rare
		// but real), never an AWS error.
		Retryer: func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = 3
				o.Retryables = []retry.IsErrorRetryable{retry.RetryableConnectionError{}}
				o.RateLimiter = ratelimit.None
			})
		},
	}
}

// memberConfig assumes role in account and returns a configuration acting as that account.
func memberConfig(t testing.TB, url, region, account, role string) aws.Config {
	t.Helper()
	cfg := mgmtConfig(url, region)
	out, err := sts.NewFromConfig(cfg).AssumeRole(context.Background(), &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::" + account + ":role/" + role), RoleSessionName: aws.String("lz2ct-test")})
	if err != nil {
		t.Fatalf("AssumeRole %s in %s: %v", role, account, err)
	}
	c := out.Credentials
	cfg.Credentials = credentials.NewStaticCredentialsProvider(*c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken)
	return cfg
}

// errCode is the AWS error code of err ("" when err is nil or not an API error).
func errCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func wantCode(t testing.TB, what string, err error, code string) {
	t.Helper()
	if got := errCode(err); got != code {
		t.Fatalf("%s: error code %q (err %v), want %q", what, got, err, code)
	}
}

func must[T any](t testing.TB, what string) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return v
	}
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }

func staticCreds(out *sts.AssumeRoleOutput) aws.CredentialsProvider {
	c := out.Credentials
	return credentials.NewStaticCredentialsProvider(*c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken)
}
