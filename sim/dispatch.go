package sim

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
)

// handler answers one operation. It returns the value the protocol writer encodes (a JSON-tagged
// struct or map for the JSON protocols, an XML-tagged struct for the XML ones) or an *apiError.
type handler func(c *call) (any, error)

// service is one AWS service as the simulator serves it.
type service struct {
	// name is the IAM action prefix and SigV4 signing name (organizations, config, sso, ...): the
	// audit log uses it so that service:Operation is the IAM action to allow.
	name string
	// aliases also match a snapshot problem's service (the SDK service ID lower-cased, e.g.
	// "config service", "sso admin"); compared after normalize.
	aliases  []string
	protocol protocol
	// targetPrefixes are the X-Amz-Target prefixes (JSON 1.1); SDKs do not all send the same one.
	targetPrefixes []string
	// xmlns is the query protocol's response namespace.
	xmlns string
	// version is the query protocols' API version (the Version parameter): it names the service of
	// a request that carries no credential scope.
	version string
	// ops are the read operations served, by name; they run under the state's read lock.
	ops map[string]handler
	// route names the operation of a REST request (method + path); "" = unknown.
	route func(r *http.Request) string
	// throttle is the error for throttled calls: a code the SDK's standard retryer retries
	// (aws/retry DefaultThrottleErrorCodes).
	throttle apiError
	// denied is the AccessDenied error of the protocol.
	denied apiError
	// badToken is the error code for a pagination token the simulator did not hand out.
	badToken string
	// validation is the error code for an input that breaks a constraint (page size, missing member).
	validation string
}

var (
	servicesByName    = map[string]*service{}
	servicesByTarget  = map[string]*service{}
	servicesByAlias   = map[string]*service{}
	servicesByVersion = map[string]*service{}
	// mutations are the mutating operations served, by service and operation name; they run under
	// the write lock and follow the rules of mutate.go.
	mutations = map[string]map[string]handler{}
)

// registerService adds a service; each service file calls it from init().
func registerService(s *service) {
	if _, dup := servicesByName[s.name]; dup {
		panic("sim: service " + s.name + " registered twice")
	}
	servicesByName[s.name] = s
	servicesByAlias[normalize(s.name)] = s
	for _, a := range s.aliases {
		servicesByAlias[normalize(a)] = s
	}
	for _, p := range s.targetPrefixes {
		servicesByTarget[p] = s
	}
	if s.version != "" {
		servicesByVersion[s.version] = s
	}
}

// registerMutation adds a mutating operation of a service (one file per service area calls it from
// init(); see mutate.go). The service is named by its IAM prefix, as registerService names it.
func registerMutation(serviceName, op string, h handler) {
	if mutations[serviceName] == nil {
		mutations[serviceName] = map[string]handler{}
	}
	if _, dup := mutations[serviceName][op]; dup {
		panic("sim: mutation " + serviceName + ":" + op + " registered twice")
	}
	mutations[serviceName][op] = h
}

// normalize makes service names comparable: "SSO Admin", "sso-admin" and "ssoadmin" are one name.
func normalize(s string) string { return nameSeparators.Replace(strings.ToLower(s)) }

// nameSeparators is built once: normalize runs on every call that a snapshot problem may cover.
var nameSeparators = strings.NewReplacer(" ", "", "-", "", "_", "")

// call is one request being answered.
type call struct {
	s   *Server
	st  *state
	svc *service
	op  string
	h   handler
	req *http.Request

	mutating    bool // the operation is one of svc.mutations
	id          identity
	account     string // the account the call acts as
	region      string // the credential scope's region
	body        []byte
	form        url.Values // query protocols: the request parameters
	requestID   string
	code        string // the error code answered, for the audit log
	target      string // a mutation's target, for the audit log (setTarget)
	replay      bool   // an idempotent repeat answered with the first result
	fault       *Fault // a fault acting on the asynchronous operation the call starts
	hung        bool   // a fault says: never answer
	startsAsync bool   // the handler starts an asynchronous operation (willStartAsync)
	audited     bool   // in the audit log already (audit)
}

var requestSeq atomic.Uint64

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 32<<20))
	if err != nil {
		http.Error(w, "sim: read request body: "+err.Error(), http.StatusBadRequest)
		return
	}
	c := &call{s: s, req: r, body: body}
	c.requestID = fmt.Sprintf("00000000-0000-4000-8000-%012x", requestSeq.Add(1))
	auth := parseAuth(r)
	c.identifyService(auth)
	c.region = auth.region
	if c.region == "" {
		c.region = "us-east-1"
	}
	// The call goes into the audit log as its answer starts, before the client can have read it
	// (a caller that counts calls right after its last answer sees them all), or at the end when
	// nothing was answered.
	w = &auditedWriter{ResponseWriter: w, record: c.audit}
	defer c.audit()

	if c.svc.ops == nil {
		// A service the simulator does not serve, answered in the protocol the client spoke.
		s.mu.RLock()
		if id, ok := s.creds.identify(auth.accessKey, s.st); ok {
			c.account = id.account
		}
		s.mu.RUnlock()
		c.writeError(w, errorf(c.unknownStatus(), c.unknownCode(),
			"lz2ct sim does not serve the service %q (credential scope %q, X-Amz-Target %q): see sim/README.md for what it serves", auth.service, auth.scope, r.Header.Get("X-Amz-Target")))
		return
	}
	if s.opts.Latency > 0 {
		t := time.NewTimer(s.opts.Latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			c.code = "RequestCanceled"
			return
		}
	}
	s.settle()

	if c.mutating {
		s.mu.Lock()
	} else {
		s.mu.RLock()
	}
	unlock := func() {
		if c.mutating {
			s.mu.Unlock()
		} else {
			s.mu.RUnlock()
		}
	}
	c.st = s.st
	c.region = c.st.intern(c.region)
	if e := c.authenticate(auth); e != nil {
		unlock()
		c.writeError(w, e)
		return
	}
	if c.h == nil {
		unlock()
		c.writeError(w, c.unknownOperation())
		return
	}
	if e := s.faults.check(c); e != nil {
		unlock()
		if c.hung {
			c.hang()
			return
		}
		c.writeError(w, e)
		return
	}
	out, herr := c.h(c)
	if c.hung {
		unlock()
		c.hang()
		return
	}
	unlock()
	if herr == nil && c.mutating && !c.replay && s.opts.AfterMutation != nil {
		// The mutation is applied; the client has not heard back yet. Crash tests kill the client here.
		s.opts.AfterMutation(c.record())
	}
	if herr != nil {
		e, ok := herr.(*apiError)
		if !ok {
			e = errorf(500, "InternalFailure", "lz2ct sim: %s: %v", c.op, herr)
		}
		c.writeError(w, e)
		return
	}
	c.writeResult(w, out)
}

// identifyService names the service and operation: X-Amz-Target for JSON 1.1, the credential
// scope otherwise, then Action (query protocols) or the route (REST). For a service the simulator
// does not serve it still names the operation from X-Amz-Target, Action or the URL, and picks the
// protocol the client spoke, so the error is one its SDK can read.
func (c *call) identifyService(auth authInfo) {
	r := c.req
	target := r.Header.Get("X-Amz-Target")
	prefix, op, hasTarget := strings.Cut(target, ".")
	if hasTarget {
		// Some SDKs send a dotted prefix (com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.DescribeTrails).
		if i := strings.LastIndex(target, "."); i > 0 {
			prefix, op = target[:i], target[i+1:]
		}
		c.svc = servicesByTarget[prefix]
	}
	if c.svc == nil && !hasTarget {
		c.svc = servicesByName[auth.service]
	}
	if c.svc == nil && !hasTarget && !auth.signed {
		// An unsigned query request still says its API version.
		v := r.URL.Query().Get("Version")
		if f, err := url.ParseQuery(string(c.body)); err == nil && v == "" {
			v = f.Get("Version")
		}
		c.svc = servicesByVersion[v]
	}
	if c.svc == nil {
		c.svc = &service{name: auth.service, protocol: guessProtocol(r, hasTarget), xmlns: "https://sim.lz2ct.invalid/"}
		if c.svc.name == "" {
			c.svc.name = strings.ToLower(prefix)
		}
	}
	switch {
	case c.svc.protocol == protoJSON:
		c.op = op
	case c.svc.protocol == protoQuery || c.svc.protocol == protoEC2:
		c.form = r.URL.Query()
		if r.Method == http.MethodPost {
			if f, err := url.ParseQuery(string(c.body)); err == nil {
				for k, v := range f {
					c.form[k] = v
				}
			}
		}
		c.op = c.form.Get("Action")
	case c.svc.route != nil:
		c.op = c.svc.route(r)
	default:
		c.op = r.Method + " " + r.URL.Path
	}
	if h, ok := mutations[c.svc.name][c.op]; ok && c.svc.ops != nil {
		c.h, c.mutating = h, true
	} else {
		c.h = c.svc.ops[c.op]
	}
	if c.op == "" {
		c.op = "Unknown"
	}
}

// guessProtocol is the protocol of a request to a service the simulator does not know.
func guessProtocol(r *http.Request, hasTarget bool) protocol {
	ct := r.Header.Get("Content-Type")
	switch {
	case hasTarget:
		return protoJSON
	case strings.HasPrefix(ct, "application/x-www-form-urlencoded"):
		return protoQuery
	case strings.Contains(ct, "json"):
		return protoRESTJSON
	case r.Method == http.MethodGet && r.URL.Query().Get("Action") != "":
		return protoQuery
	}
	return protoRESTXML
}

func (c *call) unknownCode() string {
	switch c.svc.protocol {
	case protoQuery, protoEC2:
		return "InvalidAction"
	case protoRESTXML:
		return "NotImplemented"
	}
	return "UnknownOperationException"
}

func (c *call) unknownStatus() int {
	switch c.svc.protocol {
	case protoRESTXML:
		return 501
	case protoRESTJSON:
		return 404
	}
	return 400
}

// unknownOperation is the protocol's answer to an operation the simulator does not serve.
func (c *call) unknownOperation() *apiError {
	return errorf(c.unknownStatus(), c.unknownCode(), "lz2ct sim does not serve %s:%s (see sim/README.md for what it serves)", c.svc.name, c.op)
}

// record is the call as the audit log and the AfterMutation hook see it.
// audit records the call in the audit log, once.
func (c *call) audit() {
	if !c.audited {
		c.audited = true
		c.s.audit.record(c.record())
	}
}

// auditedWriter records its call before the answer's status line goes out.
type auditedWriter struct {
	http.ResponseWriter
	record func()
}

func (w *auditedWriter) WriteHeader(status int) {
	w.record()
	w.ResponseWriter.WriteHeader(status)
}

func (w *auditedWriter) Write(b []byte) (int, error) {
	w.record()
	return w.ResponseWriter.Write(b)
}

func (c *call) record() Call {
	rec := Call{Service: c.svc.name, Operation: c.op, Account: c.account, Region: c.region,
		Mutating: c.mutating || (c.h == nil && isMutating(c.op)), Code: c.code, Target: c.target, Replay: c.replay}
	rec.Time = c.s.clock.Now().UTC()
	return rec
}

// hang answers nothing until the client gives up or the server stops: a fault that makes a call
// never complete.
func (c *call) hang() {
	c.code = "Hang"
	select {
	case <-c.req.Context().Done():
	case <-c.s.closing:
	}
}

// decode reads a JSON request body into v.
func (c *call) decode(v any) error {
	if len(c.body) == 0 {
		return nil
	}
	if err := json.Unmarshal(c.body, v); err != nil {
		return errorf(400, "SerializationException", "cannot read the %s request: %v", c.op, err)
	}
	return nil
}

// param is one query-protocol parameter.
func (c *call) param(name string) string { return c.form.Get(name) }

// paramList reads a query-protocol list "<name>.member.1", "<name>.member.2", ... (or, for EC2,
// "<name>.1", ...).
func (c *call) paramList(name string) []string {
	var out []string
	for i := 1; ; i++ {
		k := fmt.Sprintf("%s.member.%d", name, i)
		if c.svc.protocol == protoEC2 {
			k = fmt.Sprintf("%s.%d", name, i)
		}
		v, ok := c.form[k]
		if !ok {
			return out
		}
		out = append(out, v[0])
	}
}

// missing is the validation error for a required input.
func (c *call) missing(member string) *apiError {
	return errorf(400, c.svc.validation, "1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", member)
}

// isManagement reports whether the call acts as the organization's management account.
func (c *call) isManagement() bool { return c.account == c.st.snap.Organization.ManagementAccountID }

func (c *call) partition() string { return c.st.partition() }
