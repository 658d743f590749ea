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
	// targetPrefix is the X-Amz-Target prefix (JSON 1.1).
	targetPrefix string
	// xmlns is the query protocol's response namespace.
	xmlns string
	// ops are the operations served, by name.
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
	servicesByName   = map[string]*service{}
	servicesByTarget = map[string]*service{}
	servicesByAlias  = map[string]*service{}
)

// registerService adds a service; each service file calls it from init().
func registerService(s *service) {
	servicesByName[s.name] = s
	servicesByAlias[normalize(s.name)] = s
	for _, a := range s.aliases {
		servicesByAlias[normalize(a)] = s
	}
	if s.targetPrefix != "" {
		servicesByTarget[s.targetPrefix] = s
	}
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

	id        identity
	account   string // the account the call acts as
	region    string // the credential scope's region
	body      []byte
	form      url.Values // query protocols: the request parameters
	requestID string
	code      string // the error code answered, for the audit log
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
	c.region = s.st.intern(auth.region)
	if c.region == "" {
		c.region = "us-east-1"
	}

	// The service: X-Amz-Target names it for JSON 1.1; otherwise the credential scope does.
	target := r.Header.Get("X-Amz-Target")
	if prefix, op, ok := strings.Cut(target, "."); ok {
		c.svc = servicesByTarget[prefix]
		c.op = op
	}
	if c.svc == nil {
		c.svc = servicesByName[auth.service]
	}
	if c.svc == nil {
		// No service we know: answer in the query shape, which every XML client reads, and log it.
		c.svc = &service{name: auth.service, protocol: protoQuery, xmlns: "https://sim.lz2ct.invalid/"}
		c.op = "Unknown"
		c.account = s.st.snap.Organization.ManagementAccountID
		c.writeError(w, errorf(400, "UnknownService", "lz2ct sim does not serve service %q (credential scope %q, X-Amz-Target %q)", auth.service, auth.scope, target))
		s.audit.record(c)
		return
	}

	switch c.svc.protocol {
	case protoQuery, protoEC2:
		c.form = r.URL.Query()
		if r.Method == http.MethodPost {
			if f, err := url.ParseQuery(string(body)); err == nil {
				for k, v := range f {
					c.form[k] = v
				}
			}
		}
		c.op = c.form.Get("Action")
	case protoRESTJSON, protoRESTXML:
		c.op = c.svc.route(r)
	}
	c.h = c.svc.ops[c.op]
	if c.op == "" {
		c.op = "Unknown"
	}
	defer s.audit.record(c)
	defer s.advanceClock()

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

	s.mu.RLock()
	c.st = s.st
	c.id = s.creds.identify(auth.accessKey, s.st)
	c.account = c.id.account
	if c.h == nil {
		s.mu.RUnlock()
		c.writeError(w, c.unknownOperation())
		return
	}
	if e := s.faults.check(c); e != nil {
		s.mu.RUnlock()
		c.writeError(w, e)
		return
	}
	out, herr := c.h(c)
	s.mu.RUnlock()
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

// unknownOperation is the protocol's answer to an operation the simulator does not serve.
func (c *call) unknownOperation() *apiError {
	msg := fmt.Sprintf("lz2ct sim does not serve %s:%s", c.svc.name, c.op)
	switch c.svc.protocol {
	case protoQuery, protoEC2:
		return errorf(400, "InvalidAction", "%s", msg)
	case protoRESTXML:
		return errorf(501, "NotImplemented", "%s", msg)
	case protoRESTJSON:
		return errorf(404, "UnknownOperationException", "%s", msg)
	default:
		return errorf(400, "UnknownOperationException", "%s", msg)
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

func (c *call) partition() string {
	if p := c.st.snap.Partition; p != "" {
		return p
	}
	return "aws"
}

// advanceClock ticks the operation clock once per answered call and applies the asynchronous
// operations that complete at this tick.
func (s *Server) advanceClock() {
	due := s.st.clock.tick()
	if len(due) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, op := range due {
		op.apply(s.st)
	}
}
