package sim

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
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

// Fault actions (Fault.Action).
const (
	// FaultFail answers the call with Fault.Code (and Message) instead of running it.
	FaultFail = "fail"
	// FaultFailAsync accepts the call, and the asynchronous operation it starts ends FAILED with
	// Fault.Code and Message (an enrollment that fails, a StackSet operation that fails). On an
	// operation that starts nothing asynchronous it acts as FaultFail.
	FaultFailAsync = "fail-async"
	// FaultHang never answers a synchronous call (the client times out); an asynchronous operation
	// is accepted and stays in progress for ever.
	FaultHang = "hang"
	// FaultThrottle answers the service's throttling error.
	FaultThrottle = "throttle"
)

// Fault is one injected fault, for calls of one operation (and, for mutating operations, one
// target: what the audit log records as the call's target). Which matching calls it hits is
// deterministic from Options.Seed.
type Fault struct {
	Service   string `json:"service"`          // IAM prefix, e.g. controltower; "" = every service
	Operation string `json:"operation"`        // e.g. EnableBaseline; "" = every operation
	Target    string `json:"target,omitempty"` // exact audit target, or a prefix ending in "*"; "" = any
	Action    string `json:"action"`           // fail | fail-async | hang | throttle
	Code      string `json:"code,omitempty"`   // the error code for fail and fail-async
	Message   string `json:"message,omitempty"`
	// Probability is the share of matching calls hit (0 = all of them).
	Probability float64 `json:"probability,omitempty"`
	// Times limits the fault to the first Times calls it hits (0 = no limit).
	Times int `json:"times,omitempty"`
}

func (f Fault) validate() error {
	switch f.Action {
	case FaultFail, FaultFailAsync:
		if f.Code == "" {
			return fmt.Errorf("fault %s:%s: action %s needs an error code", f.Service, f.Operation, f.Action)
		}
	case FaultHang, FaultThrottle:
	default:
		return fmt.Errorf("fault %s:%s: action %q: want fail, fail-async, hang or throttle", f.Service, f.Operation, f.Action)
	}
	if f.Probability < 0 || f.Probability > 1 || math.IsNaN(f.Probability) {
		return fmt.Errorf("fault %s:%s: probability %v: want 0 to 1", f.Service, f.Operation, f.Probability)
	}
	return nil
}

func (f Fault) matches(service, op, target string, targetKnown bool) bool {
	if (f.Service != "" && f.Service != service) || (f.Operation != "" && f.Operation != op) {
		return false
	}
	if f.Target == "" {
		return true
	}
	if !targetKnown {
		return false
	}
	if p, ok := strings.CutSuffix(f.Target, "*"); ok {
		return strings.HasPrefix(target, p)
	}
	return f.Target == target
}

// faults decides which calls fail before their operation runs: the per-operation token bucket,
// the seeded share of throttled calls, the Deny scopes, the injected Fault rules and the snapshot's
// problems.
type faults struct {
	opts     Options
	limiters sync.Map            // service + "." + operation -> *rate.Limiter
	attempts sync.Map            // request fingerprint -> *atomic.Uint32, only for clients that do not say their attempt
	deny     map[string][]string // account -> regions ("" = all)

	mu    sync.Mutex
	rules []faultRule
}

type faultRule struct {
	Fault
	seen, hits int
}

func newFaults(opts Options) *faults {
	f := &faults{opts: opts, deny: map[string][]string{}}
	for _, d := range opts.Deny {
		f.deny[d.AccountID] = append(f.deny[d.AccountID], d.Region)
	}
	f.set(opts.Faults)
	return f
}

func (f *faults) set(rules []Fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rules = f.rules[:0]
	for _, r := range rules {
		f.rules = append(f.rules, faultRule{Fault: r})
	}
}

// pick returns the first rule that hits this call, counting it. The n-th call a rule matches is hit
// when a seeded draw on (rule, n) falls under its probability: the same seed and the same order of
// calls give the same faults.
func (f *faults) pick(service, op, target string, targetKnown bool) *Fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.rules {
		r := &f.rules[i]
		if !r.matches(service, op, target, targetKnown) {
			continue
		}
		if r.Times > 0 && r.hits >= r.Times {
			continue
		}
		r.seen++
		if r.Probability > 0 && r.Probability < 1 && unitDraw(f.opts.Seed, fmt.Sprint(i, r.Service, r.Operation, r.Target), uint64(r.seen)) >= r.Probability {
			continue
		}
		r.hits++
		hit := r.Fault
		return &hit
	}
	return nil
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
	// Rules for mutating operations are applied when the handler names its target (setTarget).
	if !c.mutating {
		if e := c.applyFault(f.pick(c.svc.name, c.op, "", false)); e != nil {
			return e
		}
	}
	// sts:GetCallerIdentity needs no permission: AWS never denies it, not even under an explicit
	// deny. https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html
	if c.svc.name == "sts" && c.op == "GetCallerIdentity" {
		return nil
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

// applyFault turns a hit fault into the call's answer: an error, a hang (c.hung; serveHTTP then
// never answers), or nothing when the fault acts on the asynchronous operation the call starts
// (c.fault; see startAsync).
func (c *call) applyFault(ft *Fault) *apiError {
	if ft == nil {
		return nil
	}
	msg := ft.Message
	if msg == "" {
		msg = "injected fault (lz2ct sim)"
	}
	switch ft.Action {
	case FaultThrottle:
		return c.s.faults.throttled(c)
	case FaultHang:
		if c.startsAsync {
			c.fault = ft
			return nil
		}
		c.hung = true
		return &apiError{Code: "Hang", Message: "the call hangs (lz2ct sim fault)"}
	case FaultFailAsync:
		if c.startsAsync {
			c.fault = ft
			return nil
		}
	}
	return &apiError{Status: statusFor(ft.Code), Code: ft.Code, Message: msg}
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
	return unitDraw(f.opts.Seed, strconv.FormatUint(fp, 16), uint64(attempt))
}

// unitDraw is a number in [0,1) fixed by seed, key and n.
func unitDraw(seed int64, key string, n uint64) float64 {
	h := fnv.New64a()
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(seed))
	h.Write(b[:])
	h.Write([]byte(key))
	binary.BigEndian.PutUint64(b[:], n)
	h.Write(b[:])
	// A final mix so that neighbouring inputs give unrelated numbers.
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
	arn, _ := callerARN(c.partition(), c.id)
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

// ParseFault reads a fault in the form `lz2ct sim serve --fault` takes:
//
//	SERVICE:OPERATION[@TARGET]=ACTION[:CODE[:MESSAGE]][,p=PROBABILITY][,times=N]
//
// e.g. controltower:EnableBaseline=hang, organizations:DetachPolicy@p-1234abcd/ou-ab12-cdef5678=fail:ConcurrentModificationException,
// servicecatalog:ProvisionProduct=fail-async:ProvisioningFailed,p=0.3, sts:AssumeRole=throttle,times=5.
// SERVICE or OPERATION may be * (any); a TARGET ending in * is a prefix.
func ParseFault(s string) (Fault, error) {
	var f Fault
	spec, opts, _ := strings.Cut(s, ",")
	what, action, ok := strings.Cut(spec, "=")
	if !ok {
		return f, fmt.Errorf("fault %q: want SERVICE:OPERATION[@TARGET]=ACTION[:CODE], e.g. controltower:EnableBaseline=hang", s)
	}
	what, f.Target, _ = strings.Cut(what, "@")
	svc, op, ok := strings.Cut(what, ":")
	if !ok {
		return f, fmt.Errorf("fault %q: name the operation as SERVICE:OPERATION (e.g. organizations:DetachPolicy)", s)
	}
	f.Service, f.Operation = strings.TrimSuffix(svc, "*"), strings.TrimSuffix(op, "*")
	parts := strings.SplitN(action, ":", 3)
	f.Action = parts[0]
	if len(parts) > 1 {
		f.Code = parts[1]
	}
	if len(parts) > 2 {
		f.Message = parts[2]
	}
	if opts != "" {
		for _, o := range strings.Split(opts, ",") {
			k, v, _ := strings.Cut(o, "=")
			switch k {
			case "p":
				p, err := strconv.ParseFloat(v, 64)
				if err != nil {
					return f, fmt.Errorf("fault %q: p=%q is not a number", s, v)
				}
				f.Probability = p
			case "times":
				n, err := strconv.Atoi(v)
				if err != nil || n < 1 {
					return f, fmt.Errorf("fault %q: times=%q is not a positive count", s, v)
				}
				f.Times = n
			default:
				return f, fmt.Errorf("fault %q: unknown option %q (want p=PROBABILITY or times=N)", s, o)
			}
		}
	}
	return f, f.validate()
}
