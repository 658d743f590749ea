// Package awsapi builds the aws-sdk-go-v2 configuration lz2ct talks to AWS with: the caller's
// credentials (default chain, --profile, SSO profiles), --region, --endpoint-url (the simulator),
// one assumed-role configuration per member account (cached), a retryer sized for heavy fan-out and
// client-side rate limits per API. It also holds the table of every AWS operation lz2ct calls
// (operations.go), from which docs/aws-operations.md and `lz2ct iam-policy` are generated.
//
// The same code path serves real AWS and the simulator: the only difference is BaseEndpoint.
package awsapi

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/logging"
	"github.com/aws/smithy-go/middleware"
)

// DefaultRoleNames are the roles tried, in order, to read inside a member account: Control Tower's
// execution role (present once an account is enrolled), ALZ's StackSet execution role (present in
// every account ALZ baselined), and the role Organizations creates in accounts it creates.
var DefaultRoleNames = []string{
	"AWSControlTowerExecution",
	"AWSCloudFormationStackSetExecutionRole",
	"OrganizationAccountAccessRole",
}

// Defaults for Options fields left zero.
const (
	// DefaultMaxAttempts is generous because discovery fans out to thousands of calls: a throttled
	// call should wait and succeed, not become a problem in the snapshot.
	DefaultMaxAttempts = 10
	// DefaultMaxBackoff caps the wait between two attempts (the SDK's own default).
	DefaultMaxBackoff = 20 * time.Second
	// DefaultRatePerSecond is the client-side limit per API, per account and region. AWS publishes no
	// request-rate quotas for Organizations, STS, Config, StackSets or Service Catalog and advises to
	// back off and spread calls; 25/s keeps a single API well below where throttling starts in
	// practice while never binding discovery, which calls most APIs once per account and region.
	DefaultRatePerSecond = 25
	// DefaultRegion is used when neither --region nor the profile/environment names one. Organizations
	// is a global service served from us-east-1 (https://docs.aws.amazon.com/general/latest/gr/ao.html).
	DefaultRegion = "us-east-1"
	// SessionName names lz2ct's sessions in CloudTrail, so its reads are easy to find.
	SessionName = "lz2ct-discover"
)

// Options say how to reach AWS. The zero value uses the default credential chain and region.
type Options struct {
	Profile     string
	Region      string
	EndpointURL string
	// RoleNames are tried in order in each member account; nil = DefaultRoleNames.
	RoleNames []string
	// MaxAttempts per call including the first; 0 = DefaultMaxAttempts, 1 = no retries.
	MaxAttempts int
	// MaxBackoff caps the wait between attempts; 0 = DefaultMaxBackoff. Tests against the simulator
	// use a few milliseconds.
	MaxBackoff time.Duration
	// RatePerSecond limits each API per account and region on the client; 0 = the defaults
	// (Operation.Rate, else DefaultRatePerSecond), negative = no limit.
	RatePerSecond float64
	// TimeScale paces the rate limits in simulated time for a simulator whose clock runs this many
	// times faster than wall time (the rehearsal, the demo, apply --time-scale): a limit of 25
	// calls/s becomes 25 calls per simulated second, so a call AWS would hold back 40 ms waits
	// 40 ms / TimeScale. 0 or 1 = real time (every run against AWS).
	TimeScale float64
	// Static, when set, replaces the credential chain (tests, the demo).
	Static *aws.Credentials
	// Isolated builds the configuration from these options alone (Static and EndpointURL are then
	// required): no environment variable (AWS_PROFILE, AWS_ENDPOINT_URL_<SERVICE>, AWS_CA_BUNDLE,
	// ...) and no shared config or credentials file is read. The demo and the rehearsal use it:
	// their clients reach their simulator and nothing else, whatever the user's AWS set-up.
	Isolated bool
	// SessionName for AssumeRole; "" = SessionName.
	SessionName string
	// Logger receives the SDK's own log lines (transport warnings); nil = the SDK's default, which
	// writes to stderr. The wizard, which owns the terminal, passes one that drops them.
	Logger logging.Logger
}

// Clients is the configuration set for one run: the caller's (management account) configuration and
// one assumed-role configuration per member account, created on first use and cached. Safe for
// concurrent use.
type Clients struct {
	opts Options
	// base is the caller's configuration without rate limiters; every account's configuration
	// starts from it and gets the limiter installed for that account.
	base   aws.Config
	mgmt   aws.Config
	conns  *connTracker
	limits *limiters

	identityOnce sync.Once
	identity     Identity
	identityErr  error

	mu       sync.Mutex
	accounts map[string]*accountConfig

	stsOnce sync.Once
	sts     *sts.Client // the management account's, for AssumeRole
	// assumeCalls counts the AssumeRole requests sent (retries not), for discovery's call count.
	assumeCalls atomic.Int64
}

type accountConfig struct {
	once sync.Once
	cfg  aws.Config
	role string
	err  error
}

// Identity is who the caller is (sts:GetCallerIdentity).
type Identity struct {
	Account   string
	Arn       string
	Partition string
}

// Load resolves credentials and region and prepares the client set. It does not call AWS: a bad
// profile fails here, expired or missing credentials fail on the first call (see CallerIdentity).
func Load(ctx context.Context, opts Options) (*Clients, error) {
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = DefaultMaxAttempts
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = DefaultMaxBackoff
	}
	if len(opts.RoleNames) == 0 {
		opts.RoleNames = DefaultRoleNames
	}
	if opts.SessionName == "" {
		opts.SessionName = SessionName
	}
	maxAttempts, maxBackoff := opts.MaxAttempts, opts.MaxBackoff
	// The SDK keeps 10 idle connections per host; discovery runs dozens of calls at once against
	// each service endpoint, so a larger idle pool avoids a new TCP/TLS connection per call.
	conns := newConnTracker()
	httpClient := awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
		tr.MaxIdleConns = 1024
		tr.MaxIdleConnsPerHost = 256
		tr.DialContext = conns.DialContext
	})
	newRetryer := func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = maxAttempts
			o.MaxBackoff = maxBackoff
			// The standard retryer's retry-quota bucket is shared by every goroutine using the
			// client; under fan-out it runs dry and calls fail with "retry quota exceeded"
			// before AWS has throttled anything (aws-sdk-go-v2 retries-timeouts guide). Our own
			// rate limiter paces calls instead.
			o.RateLimiter = ratelimit.None
			// A service endpoint that does not exist in a region (IAM Identity Center or Control
			// Tower where they are not offered) will not appear by retrying: fail at once.
			o.Retryables = append([]retry.IsErrorRetryable{retry.IsErrorRetryableFunc(unknownHost)}, o.Retryables...)
		})
	}
	lo := []func(*config.LoadOptions) error{config.WithHTTPClient(httpClient), config.WithRetryer(newRetryer)}
	if opts.Profile != "" {
		// SSO profiles resolve through the SDK's SSO provider and the token cache `aws sso login` fills.
		lo = append(lo, config.WithSharedConfigProfile(opts.Profile))
	}
	if opts.Region != "" {
		lo = append(lo, config.WithRegion(opts.Region))
	}
	if opts.EndpointURL != "" {
		lo = append(lo, config.WithBaseEndpoint(opts.EndpointURL))
	}
	if opts.Static != nil {
		lo = append(lo, config.WithCredentialsProvider(credentials.StaticCredentialsProvider{Value: *opts.Static}))
	}
	if opts.Logger != nil {
		lo = append(lo, config.WithLogger(opts.Logger))
	}
	if opts.Isolated {
		if opts.Static == nil || opts.EndpointURL == "" {
			return nil, errors.New("awsapi: an isolated configuration needs static credentials and an endpoint URL")
		}
		cfg := aws.Config{Region: opts.Region, Credentials: aws.NewCredentialsCache(credentials.StaticCredentialsProvider{Value: *opts.Static}),
			HTTPClient: ownBodyClient{httpClient}, Retryer: newRetryer, BaseEndpoint: aws.String(opts.EndpointURL), Logger: opts.Logger}
		if cfg.Logger == nil {
			cfg.Logger = logging.NewStandardLogger(os.Stderr)
		}
		return newClients(opts, cfg, conns), nil
	}
	cfg, err := config.LoadDefaultConfig(ctx, lo...)
	if err != nil {
		where := "the default credential chain"
		if opts.Profile != "" {
			where = fmt.Sprintf("profile %q", opts.Profile)
		}
		return nil, fmt.Errorf("load AWS configuration from %s: %w (check ~/.aws/config, or run `aws sso login` for SSO profiles)", where, err)
	}
	if cfg.Region == "" {
		cfg.Region = DefaultRegion
	}
	// Wrapped after loading: a custom CA bundle (AWS_CA_BUNDLE) is installed into the SDK's own
	// BuildableClient while loading, and only into that type.
	cfg.HTTPClient = ownBodyClient{cfg.HTTPClient}
	if opts.EndpointURL != "" {
		// The endpoint given wins for every service: without this, AWS_ENDPOINT_URL_<SERVICE> or a
		// profile's services section would send that service's calls elsewhere (the SDK prefers a
		// service-specific endpoint to the base one), and a rehearsal against the simulator must
		// never reach AWS. https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html
		cfg.ConfigSources = nil
	}
	return newClients(opts, cfg, conns), nil
}

func newClients(opts Options, cfg aws.Config, conns *connTracker) *Clients {
	if cfg.Region == "" {
		cfg.Region = DefaultRegion
	}
	mgmt := cfg.Copy()
	limits := newLimiters(opts.RatePerSecond)
	limits.scale = max(opts.TimeScale, 1)
	limits.install(&mgmt, "") // the caller's own account
	return &Clients{opts: opts, base: cfg, mgmt: mgmt, conns: conns, limits: limits, accounts: map[string]*accountConfig{}}
}

// Close drops the connections of the client set (idle keep-alive connections would otherwise keep
// a local server such as the simulator waiting on shutdown). Call it when no call is in flight; the
// clients stay usable and reconnect when needed.
func (c *Clients) Close() { c.conns.closeAll() }

// Options returns the options in force (defaults filled in).
func (c *Clients) Options() Options { return c.opts }

// Management is the caller's configuration (the management account).
func (c *Clients) Management() aws.Config { return c.mgmt }

// Endpoint describes where calls go, for messages: the endpoint URL or "AWS".
func (c *Clients) Endpoint() string {
	if c.mgmt.BaseEndpoint != nil {
		return *c.mgmt.BaseEndpoint
	}
	return "AWS (" + c.mgmt.Region + ")"
}

// CallerIdentity calls sts:GetCallerIdentity once and caches the answer.
func (c *Clients) CallerIdentity(ctx context.Context) (Identity, error) {
	c.identityOnce.Do(func() {
		// Few attempts: this first call fails fast when the endpoint or the credentials are wrong,
		// instead of backing off for a minute before saying so.
		out, err := STS(c.mgmt).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}, func(o *sts.Options) {
			o.RetryMaxAttempts = min(3, c.opts.MaxAttempts)
		})
		if err != nil {
			c.identityErr = err
			return
		}
		id := Identity{Account: aws.ToString(out.Account), Arn: aws.ToString(out.Arn), Partition: "aws"}
		if parts := strings.SplitN(id.Arn, ":", 3); len(parts) == 3 && parts[1] != "" {
			id.Partition = parts[1]
		}
		c.identity = id
	})
	return c.identity, c.identityErr
}

// CallerRole is the AccessRole recorded for accounts read with the caller's own credentials.
const CallerRole = "caller"

// ForAccount returns a configuration acting in accountID. For the caller's own account it is
// Management() with role "caller". For any other account it assumes the first role of
// Options.RoleNames that works and remembers it; the result (success or failure) is cached, so each
// account is tried once per run. On failure the error is the last attempt's, wrapped.
func (c *Clients) ForAccount(ctx context.Context, accountID string) (aws.Config, string, error) {
	id, err := c.CallerIdentity(ctx)
	if err != nil {
		return aws.Config{}, "", err
	}
	if accountID == id.Account {
		return c.mgmt, CallerRole, nil
	}
	c.mu.Lock()
	ac, ok := c.accounts[accountID]
	if !ok {
		ac = &accountConfig{}
		c.accounts[accountID] = ac
	}
	c.mu.Unlock()
	ac.once.Do(func() { ac.cfg, ac.role, ac.err = c.assume(ctx, id.Partition, accountID) })
	return ac.cfg, ac.role, ac.err
}

func (c *Clients) assume(ctx context.Context, partition, accountID string) (aws.Config, string, error) {
	// One STS client for every account: each account's credential provider keeps the client it
	// was given for refreshes, and a client per account was thousands of middleware stacks.
	c.stsOnce.Do(func() {
		count := middleware.InitializeMiddlewareFunc("lz2ct.CountAssumeRole",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				c.assumeCalls.Add(1)
				return next.HandleInitialize(ctx, in)
			})
		c.sts = sts.NewFromConfig(c.mgmt, func(o *sts.Options) {
			o.APIOptions = append(o.APIOptions[:len(o.APIOptions):len(o.APIOptions)], func(s *middleware.Stack) error {
				return s.Initialize.Add(count, middleware.Before)
			})
		})
	})
	stsClient := c.sts
	var last error
	for _, role := range c.opts.RoleNames {
		arn := fmt.Sprintf("arn:%s:iam::%s:role/%s", partition, accountID, role)
		// The provider refreshes the credentials before they expire (1 hour by default), so long
		// discoveries keep working (https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html).
		provider := stscreds.NewAssumeRoleProvider(stsClient, arn, func(o *stscreds.AssumeRoleOptions) {
			o.RoleSessionName = c.opts.SessionName
		})
		cache := aws.NewCredentialsCache(provider)
		if _, err := cache.Retrieve(ctx); err != nil {
			if ctx.Err() != nil {
				return aws.Config{}, "", ctx.Err()
			}
			last = err
			continue
		}
		cfg := c.base.Copy()
		cfg.Credentials = cache
		// Calls in the account count against its own buckets: AWS throttles per account and region.
		c.limits.install(&cfg, accountID)
		return cfg, role, nil
	}
	return aws.Config{}, "", &AssumeRoleError{AccountID: accountID, Roles: c.opts.RoleNames, Err: last}
}

// AssumeRoleCalls is the number of sts:AssumeRole requests ForAccount has sent so far (retries
// not counted): the calls a discovery makes that its own clients do not see.
func (c *Clients) AssumeRoleCalls() int64 { return c.assumeCalls.Load() }

// AssumeRoleError says that none of the roles could be assumed in an account; Err is the last
// attempt's error (an smithy.APIError when AWS answered).
type AssumeRoleError struct {
	AccountID string
	Roles     []string
	Err       error
}

func (e *AssumeRoleError) Error() string {
	return fmt.Sprintf("cannot assume any of %s in account %s: %v", strings.Join(e.Roles, ", "), e.AccountID, e.Err)
}
func (e *AssumeRoleError) Unwrap() error { return e.Err }

// InRegion returns a copy of cfg acting in region.
func InRegion(cfg aws.Config, region string) aws.Config {
	c := cfg.Copy()
	c.Region = region
	return c
}

// ErrorCode returns the AWS error code and message of err ("", err.Error() when AWS did not answer).
func ErrorCode(err error) (code, message string) {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode(), ae.ErrorMessage()
	}
	if err == nil {
		return "", ""
	}
	return "", err.Error()
}

// unknownHost says "do not retry" for a DNS answer that the host does not exist.
func unknownHost(err error) aws.Ternary {
	var dns *net.DNSError
	if errors.As(err, &dns) && dns.IsNotFound {
		return aws.FalseTernary
	}
	return aws.UnknownTernary
}
