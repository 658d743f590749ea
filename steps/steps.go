// Package steps is the catalogue of step kinds: for every kind of plans.Kinds() one file here says
// how lz2ct carries such a step out against AWS. Each file registers its kind from init() with
// Register, the way checks/ registers checks, so adding a kind never edits a central switch; a test
// lists the plan kinds that have no implementation yet.
//
// A kind is "make it so", safe to run any number of times, in four parts the engine drives:
//
//   - Observe reads AWS (never changes it) and says where the step stands: already done, not done
//     (and what Start would change, which is what --dry-run prints), an operation running, waiting
//     for the operator, or unsafe (the organization drifted from the plan, or a guard refuses).
//   - Start makes the change with one or more mutating calls, sending the attempt's idempotency
//     token where the API has one. It returns the ID of the asynchronous operation it started, or ""
//     when the change is complete when the call returns.
//   - Poll reads an asynchronous operation's status once; the engine polls with a capped backoff
//     (scaled for simulated runs) and journals the operation ID before it waits.
//   - Verify reads AWS to confirm the effect is in place and returns the outputs later steps use.
//
// Classify sorts Start's errors into done (the effect is already there: NoSuch…,
// PolicyNotAttachedException), retry later (throttling, ConflictException while another Control
// Tower operation runs, OperationInProgressException) and failed. Claims name the scarce things a
// step holds while it runs (Control Tower's OU and account operations, one StackSet): the engine
// schedules by them. README.md walks through writing a kind.
package steps

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/lz2ct/lz2ct/plans"
)

// State is where a step stands, as Observe saw it.
type State int

// Observation states.
const (
	// NotDone: Start must run; Observation.Change says what it would change.
	NotDone State = iota
	// Done: the effect is in place (lz2ct did it earlier, or someone else did).
	Done
	// Running: an asynchronous operation is in progress (Observation.OperationID): the engine
	// waits on it instead of starting another.
	Running
	// Waiting: a manual step waits for the operator's confirmation (lz2ct confirm).
	Waiting
	// Unsafe: the step must not run: the organization drifted from the plan, or a guard refuses.
	// Observation.Note says why and what to do.
	Unsafe
)

func (s State) String() string {
	switch s {
	case NotDone:
		return "not done"
	case Done:
		return "done"
	case Running:
		return "running"
	case Waiting:
		return "waiting"
	case Unsafe:
		return "unsafe"
	}
	return fmt.Sprintf("State(%d)", int(s))
}

// Observation is what Observe found.
type Observation struct {
	State State
	// Change says what Start would change, in words an operator reviews ("detach SCP p-1
	// (protect-cloudtrail-config) from OU ou-ab12-cd34ef56"). Required with NotDone.
	Change string
	// OperationID is the operation in progress (Running).
	OperationID string
	// Note explains: how the step came to be done ("already detached"), why it is unsafe and what
	// to do, or drift worth showing.
	Note string
}

// OpState is an asynchronous operation's state.
type OpState int

// Operation states.
const (
	OpInProgress OpState = iota
	OpSucceeded
	OpFailed
)

// OpStatus is one poll's answer.
type OpStatus struct {
	State OpState
	// Message is AWS's status message (the failure reason when OpFailed).
	Message string
}

// Outputs are the values a step hands to later steps (names from plans.KindSpec.Outputs).
type Outputs map[string]string

// Backoff is a polling schedule: First, then doubling up to Max. The engine divides both by the
// run's time scale (a simulated run polls faster).
type Backoff struct {
	First, Max time.Duration
}

// DefaultPoll is the polling schedule of kinds that do not set one.
var DefaultPoll = Backoff{First: 5 * time.Second, Max: time.Minute}

// ClaimKind is a kind of scarce resource.
type ClaimKind string

// Claim kinds. Control Tower runs one OU or landing-zone operation at a time, and account
// operations (enrollment) up to a quota but never while an OU operation runs: Account Factory cannot
// provision while an OU registers (https://docs.aws.amazon.com/controltower/latest/userguide/limits.html,
// https://docs.aws.amazon.com/controltower/latest/userguide/importing-existing.html).
const (
	// ControlTowerExclusive: an OU or landing-zone operation; nothing else in Control Tower runs.
	ControlTowerExclusive ClaimKind = "controltower-exclusive"
	// ControlTowerAccount: an account operation; at most the run's account concurrency at once.
	ControlTowerAccount ClaimKind = "controltower-account"
	// StackSet: one operation per StackSet at a time (OperationInProgressException otherwise);
	// Key is "region/StackSetName".
	StackSet ClaimKind = "stackset"
)

// Claim is one resource a step holds while it runs.
type Claim struct {
	Kind ClaimKind
	Key  string
}

// Def is a kind's implementation, with the kind's own params type P; Register takes it.
type Def[P plans.Params] struct {
	// Claims are the resources the step holds while it runs; nil = none (a slot of the run's
	// general pool).
	Claims func(p P) []Claim
	// Token returns the idempotency token the params carry (StackSet OperationId, Service Catalog
	// ProvisionToken); nil = the API has none. The engine passes the attempt's token in
	// Exec.Token: this one, or a fresh one derived from it once an attempt with it has failed.
	Token func(p P) string
	// Observe is required.
	Observe func(ctx context.Context, x *Exec, p P) (Observation, error)
	// Start is required unless Observe never answers NotDone.
	Start func(ctx context.Context, x *Exec, p P) (operationID string, err error)
	// Poll is required when Start returns operation IDs or Observe answers Running.
	Poll func(ctx context.Context, x *Exec, p P, operationID string) (OpStatus, error)
	// PollEvery is the polling schedule; zero = DefaultPoll.
	PollEvery Backoff
	// Verify is required; it returns every output the kind declares ("" for one AWS does not have here).
	Verify func(ctx context.Context, x *Exec, p P) (Outputs, error)
	// Classify sorts Start's errors; nil = DefaultClass.
	Classify func(err error) Class
}

// Impl is a registered kind as the engine sees it: Def with the params type checked once.
type Impl struct {
	kind      string
	claims    func(plans.Params) []Claim
	token     func(plans.Params) string
	observe   func(context.Context, *Exec) (Observation, error)
	start     func(context.Context, *Exec) (string, error)
	poll      func(context.Context, *Exec, string) (OpStatus, error)
	verify    func(context.Context, *Exec) (Outputs, error)
	classify  func(error) Class
	pollEvery Backoff
}

var catalogue = map[string]*Impl{}

// Register adds a kind's implementation; kind files call it from init(). It panics on a kind the
// plan format does not know, a second registration, or a Def without Observe or Verify.
func Register[P plans.Params](d Def[P]) {
	im := Build(d)
	if _, ok := plans.LookupKind(im.kind); !ok {
		panic("steps: kind " + im.kind + " is not a plans kind")
	}
	if _, dup := catalogue[im.kind]; dup {
		panic("steps: kind registered twice: " + im.kind)
	}
	catalogue[im.kind] = im
}

// Build turns a Def into an Impl without registering it: for the engine's scheduler tests, whose
// test-only kinds live in _test files.
func Build[P plans.Params](d Def[P]) *Impl {
	var zero P
	kind := zero.Kind()
	if d.Observe == nil || d.Verify == nil {
		panic("steps: kind " + kind + " needs Observe and Verify")
	}
	params := func(x *Exec) (P, error) {
		p, ok := x.Step.Params.(P)
		if !ok {
			return zero, fmt.Errorf("step %s: params are %T, want %T (the plan and this lz2ct disagree on kind %s)", x.Step.ID, x.Step.Params, zero, kind)
		}
		return p, nil
	}
	im := &Impl{kind: kind, pollEvery: d.PollEvery, classify: d.Classify}
	if im.pollEvery.First <= 0 {
		im.pollEvery = DefaultPoll
	}
	if im.pollEvery.Max < im.pollEvery.First {
		im.pollEvery.Max = im.pollEvery.First
	}
	if im.classify == nil {
		im.classify = DefaultClass
	}
	im.claims = func(pp plans.Params) []Claim {
		if p, ok := pp.(P); ok && d.Claims != nil {
			return d.Claims(p)
		}
		return nil
	}
	im.token = func(pp plans.Params) string {
		if p, ok := pp.(P); ok && d.Token != nil {
			return d.Token(p)
		}
		return ""
	}
	im.observe = func(ctx context.Context, x *Exec) (Observation, error) {
		p, err := params(x)
		if err != nil {
			return Observation{}, err
		}
		return d.Observe(ctx, x, p)
	}
	im.start = func(ctx context.Context, x *Exec) (string, error) {
		p, err := params(x)
		if err != nil {
			return "", err
		}
		if d.Start == nil {
			return "", fmt.Errorf("kind %s cannot start a change (its Observe said not done): this is a bug in lz2ct", kind)
		}
		return d.Start(ctx, x, p)
	}
	im.poll = func(ctx context.Context, x *Exec, op string) (OpStatus, error) {
		p, err := params(x)
		if err != nil {
			return OpStatus{}, err
		}
		if d.Poll == nil {
			return OpStatus{}, fmt.Errorf("kind %s has no asynchronous operations, yet operation %s is recorded for it: this is a bug in lz2ct", kind, op)
		}
		return d.Poll(ctx, x, p, op)
	}
	im.verify = func(ctx context.Context, x *Exec) (Outputs, error) {
		p, err := params(x)
		if err != nil {
			return nil, err
		}
		return d.Verify(ctx, x, p)
	}
	return im
}

// Lookup returns the implementation of a kind.
func Lookup(kind string) (*Impl, bool) {
	im, ok := catalogue[kind]
	return im, ok
}

// Kinds lists the implemented kinds, sorted.
func Kinds() []string {
	out := make([]string, 0, len(catalogue))
	for k := range catalogue {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Missing lists the plan kinds that have no implementation yet, sorted.
func Missing() []string {
	var out []string
	for _, k := range plans.Kinds() {
		if _, ok := catalogue[k.Kind]; !ok {
			out = append(out, k.Kind)
		}
	}
	return out
}

// Kind is the kind's name.
func (im *Impl) Kind() string { return im.kind }

// Claims are the resources a step of this kind holds while it runs.
func (im *Impl) Claims(p plans.Params) []Claim { return im.claims(p) }

// Token is the idempotency token the params carry ("" = none).
func (im *Impl) Token(p plans.Params) string { return im.token(p) }

// PollEvery is the kind's polling schedule.
func (im *Impl) PollEvery() Backoff { return im.pollEvery }

// Observe reads where the step stands; it never changes anything.
func (im *Impl) Observe(ctx context.Context, x *Exec) (Observation, error) { return im.observe(ctx, x) }

// Start makes the change; the engine calls it only after Observe said NotDone and the intent is
// journaled.
func (im *Impl) Start(ctx context.Context, x *Exec) (string, error) { return im.start(ctx, x) }

// Poll reads an operation's status once.
func (im *Impl) Poll(ctx context.Context, x *Exec, op string) (OpStatus, error) {
	return im.poll(ctx, x, op)
}

// Verify confirms the effect and returns the outputs.
func (im *Impl) Verify(ctx context.Context, x *Exec) (Outputs, error) { return im.verify(ctx, x) }

// Classify sorts an error of Start.
func (im *Impl) Classify(err error) Class { return im.classify(err) }
