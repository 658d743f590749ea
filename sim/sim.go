// Package sim is lz2ct's local AWS-compatible endpoint: one HTTP server that serves an organization
// snapshot through AWS's own wire protocols (JSON 1.1, query/XML, EC2 query, REST-JSON, REST-XML),
// so the unmodified aws-sdk-go-v2 clients, boto3 and the AWS CLI run against it with a custom endpoint.
// Discovery's tests, `make demo`, the end-to-end tests and the benchmarks all talk to it.
//
// Which snapshot field each operation serves is fixed by docs/discovery.md, the contract shared with
// inventory/discover: a snapshot served here and discovered again comes back equal.
//
// Identity comes from the SigV4 Authorization header, as strictly as AWS checks it: the access key
// says who calls (a configured long-term key, or credentials AssumeRole handed out, which encode the
// target account; any other key is refused), and the credential scope names the region (which must
// exist and be enabled for the account) and the service. Signatures are not verified.
//
// Mutating operations change the served organization under a write lock and follow one small API
// (mutate.go); asynchronous ones complete on a simulated clock (clock.go) that runs TimeScale times
// faster than wall time, or that a test advances by hand. Server.Snapshot returns the organization
// as it stands.
//
// Faults are injected deterministically from Options.Seed: latency, a share of throttled calls, a
// token bucket per operation, AccessDenied scopes, per-operation and per-target faults (fail, hang,
// throttle), and the snapshot's own problems replayed.
package sim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"reflect"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lz2ct/lz2ct/inventory"
)

// Options are the simulator's fault-injection and logging settings. The zero value serves the
// snapshot without faults.
type Options struct {
	// Latency is added to every call before it is answered.
	Latency time.Duration
	// ThrottleFraction is the share of calls answered with the service's throttling error. Which
	// calls are throttled is a function of Seed, the request and how often it was sent before, so
	// a run with the same seed and the same requests sees the same throttles.
	ThrottleFraction float64
	// APIRate is a token bucket per operation in calls per second (burst of the same size); calls
	// over it get the throttling error. 0 turns it off.
	APIRate float64
	// Seed makes the throttling decisions and the handed-out credentials reproducible.
	Seed int64
	// Deny answers AccessDenied to every call made as these accounts (and AssumeRole into them when
	// the scope has no region).
	Deny []Scope
	// AuditLog, when set, receives one JSON line per call (see Call), written as the call is
	// answered.
	AuditLog io.Writer

	// AccessKeys are the long-term access keys accepted, each acting as an account ("" = the
	// management account); nil = DefaultAccessKeys. Keys AssumeRole hands out are always accepted.
	AccessKeys map[string]string
	// Faults are injected per operation and target (see Fault); Server.SetFaults changes them later.
	Faults []Fault

	// TimeScale runs the simulated clock this many times faster than wall time (0 = 1): with 60, a
	// 10-minute OU registration completes after 10 wall seconds.
	TimeScale float64
	// Clock replaces the scaled wall clock (a ManualClock for deterministic tests).
	Clock Clock
	// Durations of asynchronous operations; zero fields take DefaultDurations.
	Durations Durations
	// AfterMutation, when set, is called after a mutating call took effect and before its response
	// is written: the window in which a client killed now has changed AWS without hearing of it.
	AfterMutation func(Call)
}

// Validate reports the first option that cannot work.
func (o Options) Validate() error {
	if o.ThrottleFraction < 0 || o.ThrottleFraction > 1 {
		return fmt.Errorf("sim: throttle fraction %v: want 0 to 1", o.ThrottleFraction)
	}
	if o.TimeScale < 0 {
		return fmt.Errorf("sim: time scale %v: want a positive factor", o.TimeScale)
	}
	for _, f := range o.Faults {
		if err := f.validate(); err != nil {
			return fmt.Errorf("sim: %w", err)
		}
	}
	return nil
}

// Scope is an account, optionally limited to one region; an empty Region means every region.
type Scope struct {
	AccountID string `json:"accountId"`
	Region    string `json:"region,omitempty"`
}

// Call is one request the simulator answered, as the audit log records it.
type Call struct {
	Time      time.Time `json:"time"`      // the simulated clock when it was answered
	Service   string    `json:"service"`   // the IAM action prefix: organizations, sts, config, sso, ...
	Operation string    `json:"operation"` // the API operation name, e.g. ListAccounts
	Account   string    `json:"account"`   // the account the call acted as
	Region    string    `json:"region"`    // the region of the SigV4 credential scope
	Mutating  bool      `json:"mutating"`
	// Target is what a mutating call changed, e.g. "p-1234abcd/ou-ab12-cdef5678" for DetachPolicy
	// (each operation documents its own in sim/README.md): two successful calls with one target
	// are a duplicated mutation.
	Target string `json:"target,omitempty"`
	// Replay marks an idempotent repeat (same token) answered with the first result, changing nothing.
	Replay bool   `json:"replay,omitempty"`
	Code   string `json:"code,omitempty"` // the error code answered, "" = success
}

// Server serves one snapshot. It is safe for concurrent use; create it with New.
type Server struct {
	opts Options

	// mu guards st: read operations take the read lock; mutating operations (mutate.go) and the
	// completion of asynchronous operations take the write lock and update the indexes they touch.
	mu sync.RWMutex
	st *state
	// nextDue is st.rt.nextDue, read without the lock by every request (settle): reindex rewrites
	// *st under the lock, so the pointer is taken once here (the runtime outlives every reindex).
	nextDue *atomic.Int64

	faults  *faults
	audit   *auditLog
	creds   *credentialIssuer
	clock   Clock
	closing chan struct{}
	optsErr error

	httpSrv  *http.Server
	listener net.Listener
	serveErr chan error
}

// New prepares a server for snap. The snapshot is copied, so later changes the simulator makes
// (mutating operations) never reach the caller's value. It is indexed once here so that no
// request scans the organization.
func New(snap *inventory.Snapshot, opts Options) *Server {
	s := &Server{opts: opts, optsErr: opts.Validate(), closing: make(chan struct{})}
	s.opts.Durations = opts.Durations.withDefaults()
	s.st = newState(copySnapshot(snap), opts.Seed)
	s.nextDue = &s.st.rt.nextDue
	s.faults = newFaults(opts)
	s.audit = newAuditLog(opts.AuditLog)
	s.creds = newCredentialIssuer(opts.Seed, opts.AccessKeys)
	s.clock = opts.Clock
	if s.clock == nil {
		// The simulated clock starts at the capture time, so asynchronous operations and the
		// audit log's times read like a continuation of the snapshot.
		start := snap.CapturedAt
		if start.IsZero() {
			start = time.Now()
		}
		s.clock = NewScaledClock(start.UTC(), opts.TimeScale)
	}
	return s
}

// copySnapshot deep-copies the snapshot. The model is plain data (structs, slices, maps, pointers
// and values), so a reflective copy is exact and keeps up when fields are added; it is about ten
// times faster than a JSON round trip, which matters at start-up for 5,000-account organizations.
func copySnapshot(snap *inventory.Snapshot) *inventory.Snapshot {
	return deepCopy(reflect.ValueOf(snap)).Interface().(*inventory.Snapshot)
}

func deepCopy(v reflect.Value) reflect.Value {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return v
		}
		n := reflect.New(v.Elem().Type())
		n.Elem().Set(deepCopy(v.Elem()))
		return n
	case reflect.Slice:
		if v.IsNil() {
			return v
		}
		n := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		switch v.Type().Elem().Kind() {
		case reflect.String, reflect.Bool, reflect.Int, reflect.Int64, reflect.Float64:
			reflect.Copy(n, v) // values without references: a flat copy is deep
		default:
			for i := 0; i < v.Len(); i++ {
				n.Index(i).Set(deepCopy(v.Index(i)))
			}
		}
		return n
	case reflect.Map:
		if v.IsNil() {
			return v
		}
		n := reflect.MakeMapWithSize(v.Type(), v.Len())
		for it := v.MapRange(); it.Next(); {
			n.SetMapIndex(deepCopy(it.Key()), deepCopy(it.Value()))
		}
		return n
	case reflect.Struct:
		n := reflect.New(v.Type()).Elem()
		n.Set(v) // copies unexported fields (time.Time's) by value
		for i := 0; i < v.NumField(); i++ {
			if f := n.Field(i); f.CanSet() {
				f.Set(deepCopy(v.Field(i)))
			}
		}
		return n
	}
	return v
}

// Handler returns the HTTP handler, for callers that run their own server (httptest).
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serveHTTP) }

// Start listens on addr ("127.0.0.1:0" picks a free port) and serves in the background. It returns
// the endpoint URL to give clients as BaseEndpoint / --endpoint-url.
func (s *Server) Start(addr string) (string, error) {
	if s.httpSrv != nil {
		return "", errors.New("sim: server already started")
	}
	if s.optsErr != nil {
		return "", s.optsErr
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("sim: listen on %s: %w (pick another --addr, or port 0 for a free one)", addr, err)
	}
	s.listener = ln
	s.httpSrv = &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 30 * time.Second,
		// Thousands of concurrent SDK connections: keep idle ones around, they are cheap.
		IdleTimeout: 2 * time.Minute,
	}
	s.serveErr = make(chan error, 1)
	go func() { s.serveErr <- s.httpSrv.Serve(ln) }()
	return "http://" + ln.Addr().String(), nil
}

// Close stops the server, waiting briefly for calls in flight, and flushes the audit log. Calls and
// Snapshot still work afterwards.
func (s *Server) Close() error {
	select {
	case <-s.closing:
	default:
		close(s.closing) // hung calls give up
	}
	var err error
	if s.httpSrv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		err = s.httpSrv.Shutdown(ctx)
		if errors.Is(err, context.DeadlineExceeded) {
			// Shutdown counts connections a client opened but never sent on as busy for five
			// seconds; a simulator need not wait for them, nor for calls still sleeping.
			err = s.httpSrv.Close()
		}
		if serr := <-s.serveErr; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
			err = serr
		}
	}
	if aerr := s.audit.close(); aerr != nil && err == nil {
		err = aerr
	}
	return err
}

// Calls returns every call answered so far, in the order they were answered, read back from the
// audit spool (the simulator keeps no call in memory).
func (s *Server) Calls() []Call {
	calls, err := s.audit.callList()
	if err != nil {
		panic(fmt.Sprintf("sim: read the audit spool: %v", err))
	}
	return calls
}

// CallCount returns how many calls were answered so far, and how many of them were mutating.
func (s *Server) CallCount() (calls, mutating int) { return s.audit.stats() }

// Now is the simulated clock's time.
func (s *Server) Now() time.Time { return s.clock.Now() }

// Organization is the served organization's ID (for messages such as "serving o-abc at ...").
func (s *Server) Organization() string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.st.snap.Organization.ID
}
