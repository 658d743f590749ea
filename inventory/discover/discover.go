// Package discover reads an AWS organization into an inventory.Snapshot, read-only, through the
// aws-sdk-go-v2 clients of awsapi. Which operation fills which field, and the invariants that make a
// snapshot served by the simulator come back equal, are fixed by docs/discovery.md.
//
// Work runs in one queue of Options.Concurrency workers (queue.go): the organization walk, the
// organization-wide reads and, as soon as the walk lists them, the accounts, each account's
// regions as tasks of their own. A task makes one call at a time, so Concurrency is about the
// number of AWS calls in flight (the SCP and ALZ tasks each add a pool of up to 8 of their own):
// wall time is about calls × latency / Concurrency.
package discover

import (
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unique"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"

	"github.com/lz2ct/lz2ct/awsapi"
	"github.com/lz2ct/lz2ct/inventory"
)

// ErrFatal marks errors that stop discovery: the caller's identity, the organization itself, or the
// OU/account walk could not be read. Callers exit with code 2.
var ErrFatal = errors.New("cannot read the organization")

// DefaultConcurrency is the number of workers (and so of AWS calls in flight) when Options leaves it 0.
const DefaultConcurrency = 32

// Options tune a discovery.
type Options struct {
	// Regions overrides the enabled regions from ec2:DescribeRegions.
	Regions []string
	// Concurrency is the number of workers; 0 = DefaultConcurrency.
	Concurrency int
	// Progress, when set, is called (never concurrently) as discovery advances.
	Progress func(Progress)
}

// Progress is a snapshot of how far discovery is. It is reported at each stage, as each account is
// read and as each API call is issued, so that a long stage (walking 5,000 accounts' OUs) shows
// its calls as they happen.
type Progress struct {
	// Stage is "identity", "organization", "accounts" or "done".
	Stage string
	// AccountsFound counts the accounts listed so far while the organization is walked;
	// AccountsTotal is 0 until the walk ends.
	AccountsFound int
	AccountsDone  int
	AccountsTotal int
	// Calls counts API operations issued (pages included, AssumeRole included, retries not).
	Calls    int
	Problems int
	// Elapsed is the time since discovery started.
	Elapsed time.Duration
	// Remaining estimates the time left from the rate accounts were read at so far in this
	// run; 0 while it cannot be told (before the accounts are counted and the first is read).
	Remaining time.Duration
}

// remaining estimates the time to read total accounts when done of them took elapsed: the rate so
// far holds for the rest. 0 when nothing is done yet.
func remaining(elapsed time.Duration, done, total int) time.Duration {
	if done <= 0 || total <= done {
		return 0
	}
	return time.Duration(float64(elapsed) / float64(done) * float64(total-done))
}

// run is one discovery in progress.
type run struct {
	c    *awsapi.Clients
	opts Options
	id   awsapi.Identity
	mgmt aws.Config
	snap *inventory.Snapshot

	calls atomic.Int64
	// assumeFrom is the client set's AssumeRole count when the run began: the AssumeRole calls
	// since are this run's (made by awsapi's own client, so not in calls).
	assumeFrom int64

	// mgmtOptIn are the opt-in regions enabled for the management account (known when
	// DescribeRegions answered).
	mgmtOptIn      []string
	mgmtOptInKnown bool

	mu       sync.Mutex // guards snap.Problems, problemKeys and the ALZ/org-wide fields written by tasks
	problems map[string]bool

	found atomic.Int64 // accounts listed so far by the walk

	walkMu  sync.Mutex
	walking int // walk tasks queued or running; 0 = the walk has ended
	// accounts are the accounts listed, each read in place by its tasks; Run copies them into
	// the snapshot at the end (the walk appends while the first are read).
	accounts []*inventory.Account
	// coreAccounts are the accounts listed in a root-level OU named core, copied as listed
	// (ALZ's shared accounts are found among them).
	coreAccounts []inventory.Account
	walked       chan struct{} // closed when the walk has ended

	progressMu    sync.Mutex
	stage         string
	accountsDone  int
	accountsTotal int       // known once the walk ends
	started       time.Time // discovery
	accountsFrom  time.Time // the first account's read
}

// Run discovers the organization the credentials of c belong to.
func Run(ctx context.Context, c *awsapi.Clients, opts Options) (*inventory.Snapshot, error) {
	if opts.Concurrency <= 0 {
		opts.Concurrency = DefaultConcurrency
	}
	defer lessGC()()
	r := &run{c: c, opts: opts, problems: map[string]bool{}, started: time.Now(), assumeFrom: c.AssumeRoleCalls()}
	r.mgmt = r.counted(c.Management())
	r.snap = &inventory.Snapshot{
		SchemaVersion: inventory.SchemaVersion,
		CapturedAt:    time.Now().UTC().Truncate(time.Second),
		Source:        "discover",
	}
	r.report("identity")
	id, err := c.CallerIdentity(ctx)
	r.calls.Add(1)
	if err != nil {
		return nil, r.fatal("sts:GetCallerIdentity (who are these credentials?)", err)
	}
	r.id = id
	r.snap.Partition = id.Partition

	r.report("organization")
	if err := r.organization(ctx); err != nil {
		return nil, err
	}
	r.regions(ctx)

	// One queue for everything left: the walk, the organization-wide reads and the accounts
	// (queue.go says in which order and why).
	q := newQueue()
	r.walked = make(chan struct{})
	alz := func(ctx context.Context) {
		r.alz(ctx)
		if r.snap.ALZ != nil { // hundreds of thousands of StackSet instances in a large organization
			detachStrings(reflect.ValueOf(r.snap.ALZ).Elem())
		}
	}
	for _, t := range []func(context.Context){alz, r.policies, r.controlTower, r.identityCenter,
		r.delegatedAdmins, r.trustedServices, r.accountQuota} {
		q.add(laneOrg, func(ctx context.Context) error { t(ctx); return nil })
	}
	r.walk(q)
	if err := q.run(ctx, opts.Concurrency); err != nil {
		return nil, err // the walk failed: fatal
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("discovery interrupted: %w", err)
	}
	r.snap.Accounts = make([]inventory.Account, len(r.accounts))
	for i, a := range r.accounts {
		r.snap.Accounts[i] = *a
	}
	r.accounts = nil
	detachStrings(reflect.ValueOf(r.snap).Elem())
	fillEmptySlices(reflect.ValueOf(r.snap).Elem())
	r.snap.Sort()
	r.report("done")
	return r.snap, nil
}

// discoveryGCPercent is the garbage collector's GOGC while discovery runs (unless GOGC is set).
const discoveryGCPercent = 400

// lessGC makes the garbage collector run less often until the returned function is called. Each
// AWS call allocates tens of kilobytes in the SDK (its middleware stack, the signature, the
// response's decoding) that are garbage as soon as the call returns, while what discovery keeps
// grows slowly: at the default GOGC=100 the heap of a 200-account discovery was collected dozens
// of times a second and collection took a quarter of lz2ct's CPU. A higher GOGC with the memory
// limit as the ceiling (lz2ct sets one; GOMEMLIMIT overrides it) is the Go GC guide's advice for
// this shape (https://go.dev/doc/gc-guide#Memory_limit): few collections while the heap is small,
// and the limit still holds it down when a large organization makes it large.
func lessGC() (restore func()) {
	if os.Getenv("GOGC") != "" {
		return func() {}
	}
	gcMu.Lock()
	defer gcMu.Unlock()
	if gcRuns == 0 {
		gcPercent = debug.SetGCPercent(discoveryGCPercent)
	}
	gcRuns++
	return func() {
		gcMu.Lock()
		defer gcMu.Unlock()
		if gcRuns--; gcRuns == 0 {
			debug.SetGCPercent(gcPercent)
		}
	}
}

// The discoveries in progress in this process (tests run several at once) and the GOGC before the
// first.
var (
	gcMu      sync.Mutex
	gcRuns    int
	gcPercent int
)

// fatal wraps err as a fatal discovery error naming the call, the credentials and the endpoint.
func (r *run) fatal(what string, err error) error {
	who := "the default credential chain"
	if p := r.c.Options().Profile; p != "" {
		who = fmt.Sprintf("profile %q", p)
	}
	if r.id.Arn != "" {
		who += " (" + r.id.Arn + ")"
	}
	hint := "check the credentials (aws sts get-caller-identity), the region and the endpoint"
	code, _ := awsapi.ErrorCode(err)
	switch {
	case strings.Contains(code, "AccessDenied"):
		hint = "run lz2ct with credentials of the organization's management account, allowed the actions of `lz2ct iam-policy --read-only`"
	case code == "AWSOrganizationsNotInUseException":
		hint = "these credentials belong to an account that is not in an organization: use the management account's"
	case strings.Contains(code, "ExpiredToken"), strings.Contains(code, "InvalidClientTokenId"):
		hint = "refresh the credentials (for SSO profiles: aws sso login)"
		if r.c.Options().EndpointURL != "" {
			// lz2ct sim serve refuses access keys it does not know, as AWS does (sim/README.md, Identity).
			hint += "; against lz2ct sim serve, use one of its access keys (AKIAIOSFODNN7EXAMPLE acts as the management account) or add yours with its --access-key"
		}
	case code == "":
		hint = "is the endpoint reachable? check --endpoint-url, the network and the credentials"
	}
	return fmt.Errorf("%w: %s failed with %s at %s: %v\n  what to do: %s", ErrFatal, what, who, r.c.Endpoint(), err, hint)
}

// problem records a failed call. The service and operation come from the SDK's OperationError;
// scope is the account and region the call was about. One problem per scope and operation.
func (r *run) problem(accountID, region string, err error) {
	if err == nil || errors.Is(err, context.Canceled) {
		return
	}
	svc, op := "", ""
	var oe *smithy.OperationError
	if errors.As(err, &oe) {
		svc, op = awsapi.ServiceName(oe.ServiceID), oe.OperationName
	}
	code, msg := awsapi.ErrorCode(err)
	r.addProblem(inventory.Problem{AccountID: accountID, Region: region, Service: svc, Operation: op, Code: code, Message: msg})
}

func (r *run) addProblem(p inventory.Problem) {
	key := strings.Join([]string{p.AccountID, p.Region, p.Service, p.Operation}, "\x00")
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.problems[key] {
		return
	}
	r.problems[key] = true
	r.snap.Problems = append(r.snap.Problems, p)
}

// counted returns cfg with a middleware that counts every operation issued (for progress).
func (r *run) counted(cfg aws.Config) aws.Config {
	c := cfg.Copy()
	mw := middleware.InitializeMiddlewareFunc("lz2ct.CountCalls",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			r.calls.Add(1)
			r.report("")
			return next.HandleInitialize(ctx, in)
		})
	c.APIOptions = append(c.APIOptions[:len(c.APIOptions):len(c.APIOptions)], func(s *middleware.Stack) error {
		return s.Initialize.Add(mw, middleware.Before)
	})
	return c
}

// accountStarted notes when the first account's read began: the time left is told from the rate
// accounts are read at since then.
func (r *run) accountStarted() {
	r.progressMu.Lock()
	if r.accountsFrom.IsZero() {
		r.accountsFrom = time.Now()
	}
	r.progressMu.Unlock()
}

func (r *run) accountDone() {
	r.progressMu.Lock()
	r.accountsDone++
	r.progressMu.Unlock()
	r.report("")
}

// report calls the progress callback; stage "" keeps the current stage.
func (r *run) report(stage string) {
	if r.opts.Progress == nil {
		return
	}
	r.mu.Lock()
	problems := len(r.snap.Problems)
	r.mu.Unlock()
	r.progressMu.Lock()
	defer r.progressMu.Unlock()
	if stage != "" {
		r.stage = stage
	}
	p := Progress{Stage: r.stage, AccountsFound: int(r.found.Load()), AccountsDone: r.accountsDone, AccountsTotal: r.accountsTotal,
		Calls: int(r.calls.Load() + r.c.AssumeRoleCalls() - r.assumeFrom), Problems: problems, Elapsed: time.Since(r.started)}
	if r.stage == "accounts" {
		p.Remaining = remaining(time.Since(r.accountsFrom), r.accountsDone, r.accountsTotal)
	}
	r.opts.Progress(p)
}

// fillEmptySlices turns nil slices into empty ones in every field without omitempty, so that the
// snapshot encodes "[]" as the generator and the simulator do, whatever AWS returned.
func fillEmptySlices(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			fillEmptySlices(v.Elem())
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			fillEmptySlices(v.Index(i))
		}
	case reflect.Struct:
		if v.Type() == reflect.TypeOf(time.Time{}) {
			return
		}
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := v.Field(i)
			if !t.Field(i).IsExported() {
				continue
			}
			if f.Kind() == reflect.Slice && f.IsNil() && !strings.Contains(t.Field(i).Tag.Get("json"), "omitempty") {
				f.Set(reflect.MakeSlice(f.Type(), 0, 0))
			}
			fillEmptySlices(f)
		}
	}
}

// detachStrings replaces every string in v with its canonical copy (package unique): the same
// value is stored once (a region, a role name, a status in every account), and no string keeps
// alive the response buffer the SDK decoded it into (its deserializers cut strings out of shared
// chunks). The walk is generic over the model: a new field is covered without a change here.
func detachStrings(v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		if v.CanSet() && v.Len() > 0 {
			v.SetString(unique.Make(v.String()).Value())
		}
	case reflect.Pointer:
		if !v.IsNil() {
			detachStrings(v.Elem())
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			detachStrings(v.Index(i))
		}
	case reflect.Map:
		if v.Type().Key().Kind() != reflect.String || v.Type().Elem().Kind() != reflect.String {
			return // the model's maps are map[string]string
		}
		iter := v.MapRange()
		m := reflect.MakeMapWithSize(v.Type(), v.Len())
		for iter.Next() {
			m.SetMapIndex(reflect.ValueOf(unique.Make(iter.Key().String()).Value()).Convert(v.Type().Key()),
				reflect.ValueOf(unique.Make(iter.Value().String()).Value()).Convert(v.Type().Elem()))
		}
		if v.CanSet() {
			v.Set(m)
		}
	case reflect.Struct:
		if v.Type() == reflect.TypeOf(time.Time{}) {
			return
		}
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			if t.Field(i).IsExported() {
				detachStrings(v.Field(i))
			}
		}
	}
}

// sortedUnique returns the sorted distinct values of s.
func sortedUnique(s []string) []string {
	seen := map[string]bool{}
	out := []string{}
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	sort.Strings(out)
	return out
}
