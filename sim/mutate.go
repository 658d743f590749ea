package sim

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"reflect"
	"sort"
	"sync/atomic"
	"time"

	"github.com/lz2ct/lz2ct/inventory"
)

// The mutation API: how a mutating operation is added to the simulator (sim/README.md, "Adding a
// mutating operation", says the same for readers of the docs).
//
//  1. Register it from the init() of the service area's file:
//     registerMutation("organizations", "DetachPolicy", orgDetachPolicy).
//     It then runs under the state's write lock: it may change c.st freely.
//  2. Validate the input first (missing members, malformed IDs, unknown resources), answering the
//     errors AWS answers, before anything changes.
//  3. Name the target with c.setTarget(parts...) before changing anything, and return its error
//     if it has one: that is where injected faults (Options.Faults) for this operation and target
//     apply, and what the audit log records, so duplicate mutations of one target are visible.
//  4. For an operation with an idempotency token (ClientRequestToken, OperationId, ProvisionToken),
//     wrap the work in c.idempotent(token, input, mismatch, work): a repeat with the same token
//     returns the first result without running the work again.
//  5. Change the snapshot (c.st.snap) and the index entries the change touches; after adding or
//     removing elements of a snapshot slice, call c.st.reindex() instead.
//  6. Work AWS does asynchronously goes through c.startAsync(kind, target, duration, complete): it
//     returns an operation with an ID for the response; the Describe/Get operation that polls it
//     looks it up with c.st.rt.op(id) and reports op.State(). complete runs once, under the write
//     lock, when the simulated clock passes the operation's end; an error it returns fails the
//     operation with that message.
//
// After the handler returns without error, Options.AfterMutation is called (the mutation is applied,
// the response not yet written), then the response goes out and the audit log records the call.

// runtime is the simulator's state beyond the organization: asynchronous operations and the
// results of idempotent calls. It survives state.reindex.
type opsRuntime struct {
	ops     map[string]*AsyncOp
	pending []*AsyncOp // not yet complete, in start order
	nextDue atomic.Int64
	tokens  map[string]*tokenResult
	seq     uint64
	org     orgRuntime // Organizations' account requests and closures (svc_organizations_mut.go)
	// cfn is CloudFormation's state beyond the snapshot (svc_cloudformation_mut.go).
	cfn *cfnRuntime
	// ct and sc are Control Tower's and Service Catalog's runtime state beyond the snapshot
	// (svc_controltower_mut.go, svc_servicecatalog_mut.go).
	ct ctRuntime
	sc scRuntime

	// Models of what the snapshot does not hold, kept by their service files.
	iam      iamModel      // roles lz2ct created or changed (svc_iam_mut.go)
	kms      kmsModel      // key states (svc_kms_mut.go)
	pipeline pipelineModel // transition changes and executions (svc_codepipeline_mut.go)
	scp      scpCache      // SCP decisions for member-account calls (scp.go)
	// regionalAdmins: GuardDuty's and Security Hub's administrator per region, by service
	// principal (svc_delegated_admin_mut.go).
	regionalAdmins map[string]*regionalAdmins
}

func newRuntime() *opsRuntime {
	rt := &opsRuntime{ops: map[string]*AsyncOp{}, tokens: map[string]*tokenResult{}, cfn: newCFNRuntime()}
	rt.nextDue.Store(noneDue)
	return rt
}

const noneDue = int64(^uint64(0) >> 1)

// Operation states (AsyncOp.State); each service's handlers spell them as the service does.
const (
	OpRunning   = "IN_PROGRESS"
	OpSucceeded = "SUCCEEDED"
	OpFailed    = "FAILED"
)

// AsyncOp is an asynchronous operation a mutating call started (an enabled baseline, a StackSet
// operation, a provisioning record, an account creation).
type AsyncOp struct {
	ID      string
	Service string // IAM prefix of the service that started it
	Kind    string // the operation that started it, e.g. EnableBaseline
	Target  string // as the audit log records it
	Account string // the account that started it
	Started time.Time
	// Due is when the operation completes; zero while it hangs (an injected fault).
	Due   time.Time
	Ended time.Time

	state    string
	code     string
	message  string
	complete func(*state) error
	failWith *Fault // an injected fail-async fault
	// onFail, when set, runs once, under the write lock, when the operation ends FAILED (an
	// injected fail-async fault or complete's error): it records the failure where the service
	// shows it (a FAILED enabled baseline, an ERROR provisioned product).
	onFail func(*state)
}

// State is OpRunning, OpSucceeded or OpFailed.
func (o *AsyncOp) State() string { return o.state }

// Failure is the error code and message of a failed operation.
func (o *AsyncOp) Failure() (code, message string) { return o.code, o.message }

// op returns the asynchronous operation with id, or nil.
func (rt *opsRuntime) op(id string) *AsyncOp { return rt.ops[id] }

// newID returns a fresh identifier: prefix + 32 hex digits (AWS operation IDs are UUID-like).
func (rt *opsRuntime) newID(prefix string, seed int64) string {
	rt.seq++
	h := sha256.Sum256([]byte(fmt.Sprint(seed, prefix, rt.seq)))
	x := hex.EncodeToString(h[:16])
	return prefix + x[:8] + "-" + x[8:12] + "-4" + x[13:16] + "-8" + x[17:20] + "-" + x[20:32]
}

// setTarget names what the mutation changes ("p-1234abcd/ou-ab12-cdef5678"): the audit log records
// it, and the injected faults for this operation and target apply here. A handler calls it after
// validating its input and before changing anything; when it returns an error the handler returns
// it as is.
func (c *call) setTarget(parts ...string) error {
	c.target = joinTarget(parts)
	if e := c.applyFault(c.s.faults.pick(c.svc.name, c.op, c.target, true)); e != nil {
		return e
	}
	return nil
}

// willStartAsync declares, before setTarget, that the handler starts an asynchronous operation:
// FaultHang and FaultFailAsync then act on that operation instead of on the call.
func (c *call) willStartAsync() { c.startsAsync = true }

func joinTarget(parts []string) string {
	out := ""
	for i, p := range parts {
		if i > 0 {
			out += "/"
		}
		out += p
	}
	return out
}

// tokenResult is the first answer to an idempotent call.
type tokenResult struct {
	input  any
	result any
	err    error
}

// idempotent runs work once per token: a repeat with the same token (by the same account, to the
// same operation) answers the first result, and the audit log marks the call as a replay. When the
// repeat's input differs from the first one's, it answers mismatch (AWS's error for a reused token,
// e.g. IdempotentParameterMismatch); nil mismatch ignores the input. An empty token runs work every
// time, as AWS does without one.
// https://docs.aws.amazon.com/AWSEC2/latest/APIReference/Run_Instance_Idempotency.html
func (c *call) idempotent(token string, input any, mismatch *apiError, work func() (any, error)) (any, error) {
	if token == "" {
		return work()
	}
	key := c.svc.name + "\x00" + c.op + "\x00" + c.account + "\x00" + token
	if prev, ok := c.st.rt.tokens[key]; ok {
		if mismatch != nil && !reflect.DeepEqual(prev.input, input) {
			return nil, mismatch
		}
		c.replay = true
		return prev.result, prev.err
	}
	res, err := work()
	// A call refused before it changed anything may be sent again with the same token and then run;
	// only what took effect is remembered.
	if err == nil {
		c.st.rt.tokens[key] = &tokenResult{input: input, result: res}
	}
	return res, err
}

// startAsync starts an asynchronous operation that completes d of simulated time from now (a
// FaultHang on the call's target keeps it running for ever; FaultFailAsync fails it at its end).
// id is the operation's ID when the caller chose it (StackSet OperationId), "" for a new one.
// complete applies the operation's effect when it completes; nil = no effect.
func (c *call) startAsync(id, kind, target string, d time.Duration, complete func(*state) error) *AsyncOp {
	rt := c.st.rt
	now := c.s.clock.Now()
	if id == "" {
		id = rt.newID("", c.s.opts.Seed)
	}
	op := &AsyncOp{ID: id, Service: c.svc.name, Kind: kind, Target: target, Account: c.account,
		Started: now, Due: now.Add(d), state: OpRunning, complete: complete}
	if f := c.fault; f != nil {
		switch f.Action {
		case FaultHang:
			op.Due = time.Time{}
		case FaultFailAsync:
			op.failWith = f
		}
	}
	rt.ops[op.ID] = op
	rt.pending = append(rt.pending, op)
	rt.reschedule()
	return op
}

func (rt *opsRuntime) reschedule() {
	next := noneDue
	for _, op := range rt.pending {
		if !op.Due.IsZero() && op.Due.UnixNano() < next {
			next = op.Due.UnixNano()
		}
	}
	rt.nextDue.Store(next)
}

// settle completes every asynchronous operation whose end the clock has passed, in the order of
// their ends. It is cheap when nothing is due (one atomic load), so every request calls it.
func (s *Server) settle() {
	now := s.clock.Now()
	if now.UnixNano() < s.nextDue.Load() {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settleLocked(now)
}

func (s *Server) settleLocked(now time.Time) {
	rt := s.st.rt
	var due, keep []*AsyncOp
	for _, op := range rt.pending {
		if !op.Due.IsZero() && !op.Due.After(now) {
			due = append(due, op)
		} else {
			keep = append(keep, op)
		}
	}
	if len(due) == 0 {
		return
	}
	rt.pending = keep
	sort.SliceStable(due, func(i, j int) bool { return due[i].Due.Before(due[j].Due) })
	for _, op := range due {
		op.Ended = op.Due
		if f := op.failWith; f != nil {
			op.state, op.code, op.message = OpFailed, f.Code, f.Message
			if op.message == "" {
				op.message = "injected fault (lz2ct sim)"
			}
			if op.onFail != nil {
				op.onFail(s.st)
			}
			continue
		}
		if op.complete != nil {
			if err := op.complete(s.st); err != nil {
				op.state, op.code, op.message = OpFailed, "InternalFailure", err.Error()
				if op.onFail != nil {
					op.onFail(s.st)
				}
				continue
			}
		}
		op.state = OpSucceeded
	}
	rt.reschedule()
}

// Snapshot returns the organization as the simulator holds it now, mutations and completed
// asynchronous operations included, as a sorted, valid snapshot: what end-to-end tests compare
// end states with.
func (s *Server) Snapshot() *inventory.Snapshot {
	s.settle()
	s.mu.RLock()
	defer s.mu.RUnlock()
	c := copySnapshot(s.st.snap)
	c.Sort()
	return c
}

// SetFaults replaces the injected faults while the server runs (a test clears a fault, then
// resumes); hit counts start again.
func (s *Server) SetFaults(faults []Fault) error {
	for _, f := range faults {
		if err := f.validate(); err != nil {
			return err
		}
	}
	s.faults.set(faults)
	return nil
}

// Operations returns the asynchronous operations started so far, in start order (tests, and the
// rehearsal's timing report).
func (s *Server) Operations() []AsyncOp {
	s.settle()
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]AsyncOp, 0, len(s.st.rt.ops))
	for _, op := range s.st.rt.ops {
		cp := *op
		cp.complete, cp.failWith, cp.onFail = nil, nil, nil
		out = append(out, cp)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Started.Equal(out[j].Started) {
			return out[i].Started.Before(out[j].Started)
		}
		return out[i].ID < out[j].ID
	})
	return out
}
