package sim

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"hash/fnv"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/time/rate"

	"github.com/lz2ct/lz2ct/inventory"
)

// faults decides which calls fail before their operation runs: the per-operation token bucket,
// the seeded share of throttled calls, the Deny scopes and the snapshot's problems.
type faults struct {
	opts     Options
	limiters sync.Map            // service + "." + operation -> *rate.Limiter
	attempts sync.Map            // request fingerprint -> *atomic.Uint32, only for clients that do not say their attempt
	deny     map[string][]string // account -> regions ("" = all)
}

func newFaults(opts Options) *faults {
	f := &faults{opts: opts, deny: map[string][]string{}}
	for _, d := range opts.Deny {
		f.deny[d.AccountID] = append(f.deny[d.AccountID], d.Region)
	}
	return f
}

// check returns the error a call is answered with instead of running its operation, or nil.
func (f *faults) check(c *call) *apiError {
	if f.opts.APIRate > 0 {
		key := c.svc.name + "." + c.op
		l, ok := f.limiters.Load(key)
		if !ok {
			burst := int(math.Ceil(f.opts.APIRate))
			l, _ = f.limiters.LoadOrStore(key, rate.NewLimiter(rate.Limit(f.opts.APIRate), burst))
		}
		if !l.(*rate.Limiter).Allow() {
			return f.throttled(c)
		}
	}
	if f.opts.ThrottleFraction > 0 && f.draw(c) < f.opts.ThrottleFraction {
		return f.throttled(c)
	}
	subject := c.subjectAccount()
	if len(f.deny) > 0 {
		if f.denied(c.account, c.region, false) || (c.op == "AssumeRole" && f.denied(subject, c.region, true)) {
			e := c.svc.denied
			e.Message = "User: " + c.principalARN() + " is not authorized to perform: " + c.svc.name + ":" + c.op + " (lz2ct sim --deny)"
			return &e
		}
	}
	if p := c.st.problemFor(subject, c.region, c.svc, c.op); p != nil {
		return &apiError{Status: statusFor(p.Code), Code: p.Code, Message: p.Message}
	}
	return nil
}

// denied reports whether a Deny scope covers account in region. For a call made about an account
// (AssumeRole into it) only scopes without a region apply: the call is not made in its regions.
func (f *faults) denied(account, region string, accountWide bool) bool {
	for _, r := range f.deny[account] {
		if r == "" || (!accountWide && r == region) {
			return true
		}
	}
	return false
}

func (f *faults) throttled(c *call) *apiError {
	e := c.svc.throttle
	return &e
}

// draw is a number in [0,1) fixed by the seed, the request's content and its attempt number: a retry
// of the same request is a fresh draw, and concurrency does not change which requests are throttled.
// The SDKs say the attempt in amz-sdk-request ("attempt=2; max=3"); for other clients the simulator
// counts the sends of identical requests itself.
func (f *faults) draw(c *call) float64 {
	h := fnv.New64a()
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(f.opts.Seed))
	h.Write(b[:])
	for _, s := range []string{c.svc.name, c.op, c.account, c.region, c.req.Method, c.req.URL.RequestURI()} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	h.Write(c.body)
	fp := h.Sum64()
	attempt := sdkAttempt(c.req)
	if attempt == 0 {
		v, _ := f.attempts.LoadOrStore(fp, new(atomic.Uint32))
		attempt = int(v.(*atomic.Uint32).Add(1))
	}
	binary.BigEndian.PutUint64(b[:], uint64(attempt))
	h.Write(b[:])
	// A final mix so that neighbouring attempts give unrelated numbers.
	x := h.Sum64()
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	return float64(x>>11) / float64(1<<53)
}

func sdkAttempt(r *http.Request) int {
	v := r.Header.Get("Amz-Sdk-Request")
	for _, part := range strings.Split(v, ";") {
		if k, val, ok := strings.Cut(strings.TrimSpace(part), "="); ok && k == "attempt" {
			n, _ := strconv.Atoi(val)
			return n
		}
	}
	return 0
}

// subjectAccount is the account a call is about: the target of AssumeRole, the AccountId of an
// Organizations call about one account, otherwise the caller.
func (c *call) subjectAccount() string {
	switch {
	case c.op == "AssumeRole":
		if a := roleARNAccount(c.param("RoleArn")); a != "" {
			return a
		}
	case c.svc.protocol == protoJSON && bytes.Contains(c.body, []byte(`"AccountId"`)):
		var in struct{ AccountId string }
		if json.Unmarshal(c.body, &in) == nil && in.AccountId != "" {
			return in.AccountId
		}
	}
	return c.account
}

// roleARNAccount is the account ID in arn:<partition>:iam::<account>:role/<name>.
func roleARNAccount(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[2] != "iam" {
		return ""
	}
	return parts[4]
}

// principalARN names the caller in AccessDenied messages.
func (c *call) principalARN() string {
	arn, _ := callerARN(c.partition(), c.id, c.st)
	return arn
}

// problemFor returns the snapshot problem whose scope covers a call, if any: empty scope fields
// match everything; the service matches by any of its names (see service.aliases).
func (st *state) problemFor(account, region string, svc *service, op string) *inventory.Problem {
	for _, list := range [][]inventory.Problem{st.problemsByAccount[account], st.globalProblems} {
		for i := range list {
			p := &list[i]
			if p.Region != "" && p.Region != region {
				continue
			}
			if p.Operation != "" && p.Operation != op {
				continue
			}
			if p.Service != "" && servicesByAlias[normalize(p.Service)] != svc {
				continue
			}
			return p
		}
	}
	return nil
}

// statusFor picks the HTTP status AWS uses for an error code replayed from a snapshot problem.
func statusFor(code string) int {
	switch {
	case strings.Contains(code, "AccessDenied"), strings.Contains(code, "Unauthorized"),
		code == "AuthorizationError", code == "RegionDisabledException", code == "ExpiredToken":
		return http.StatusForbidden
	case strings.HasPrefix(code, "NoSuch"), strings.HasSuffix(code, "NotFound"), strings.HasSuffix(code, "NotFoundException"):
		return http.StatusNotFound
	case code == "SlowDown", code == "ServiceUnavailable", code == "InternalFailure", code == "InternalError":
		return http.StatusServiceUnavailable
	}
	return http.StatusBadRequest
}
