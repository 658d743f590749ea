package engine

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/lz2ct/lz2ct/awsapi"
	"github.com/lz2ct/lz2ct/engine/hooks"
	"github.com/lz2ct/lz2ct/journal"
	"github.com/lz2ct/lz2ct/plans"
	"github.com/lz2ct/lz2ct/steps"
)

// maxTokenLen is the shortest limit among the idempotency tokens lz2ct sends (StackSet OperationId
// and Service Catalog ProvisionToken: 128 characters).
const maxTokenLen = 128

// stepRun is one attempt at one step.
type stepRun struct {
	e       *Engine
	n       *node
	x       *steps.Exec
	prev    journal.StepState
	started bool
	until   time.Time // when retrying "not now" answers gives up
	pauses  int       // "not now" pauses so far
}

// runStep takes one step through observe → start → await → verify. It returns at a safe point when
// stop is done, and as soon as ctx is done.
func (e *Engine) runStep(ctx, stop context.Context, n *node) result {
	r := &stepRun{e: e, n: n, prev: e.stepState(n.st.ID)}
	// RetryFor is AWS's time: a run going TimeScale times faster gives up as much sooner (a
	// simulated clock's Now already runs in AWS's time, and its TimeScale is 1).
	r.until = e.opts.Now().Add(e.scaled(e.opts.RetryFor))
	r.x = &steps.Exec{Step: n.st, AWS: e.opts.AWS, Folder: e.opts.Folder, Confirmed: r.prev.Confirmed,
		Outputs: e.output, Logf: func(format string, args ...any) { e.log(n.st, format, args...) }}
	for _, ref := range plans.Refs(n.st.Params) {
		if _, err := r.x.Resolve(ref); err != nil {
			return r.fail(err, "the journal lacks an output this step needs: resume the run so the step that makes it runs again", "")
		}
	}
	r.x.Token = nextToken(n.impl.Token(n.st.Params), r.prev)

	// An operation recorded and still open: wait on it rather than start another.
	if r.prev.OperationOpen && r.prev.OperationID != "" {
		if err := r.begin(); err != nil {
			return r.journalFailed(err)
		}
		e.log(n.st, "re-attaching to operation %s recorded at %s", r.prev.OperationID, r.prev.Updated.UTC().Format(time.RFC3339))
		res, unreadable := r.await(ctx, stop, r.prev.OperationID, true)
		if !unreadable {
			return res
		}
		// AWS no longer knows the operation (or will not say): what is in place decides.
	}
	if r.prev.IntentOpen {
		e.log(n.st, "a call announced at %s may have reached AWS before the run stopped: observing before calling again", r.prev.Updated.UTC().Format(time.RFC3339))
	}
	for {
		if stop.Err() != nil || ctx.Err() != nil {
			return r.stopped("")
		}
		obs, err := n.impl.Observe(ctx, r.x)
		if err != nil {
			if ctx.Err() != nil {
				return r.stopped("")
			}
			if steps.DefaultClass(err) == steps.RetryLater {
				if res, again := r.retry(ctx, stop, "observing", err); !again {
					return res
				}
				continue
			}
			return r.fail(fmt.Errorf("observing: %w", err), steps.AdviceOf(err), "")
		}
		switch obs.State {
		case steps.Done:
			return r.finish(ctx, stop, obs.Note)
		case steps.Waiting:
			if r.prev.Status != journal.Waiting {
				if err := r.emit(hooks.Event{Type: hooks.Waiting, Note: obs.Note}); err != nil {
					return r.journalFailed(err)
				}
			}
			return result{n: n, status: waiting, note: obs.Note, seen: r.prev.Confirmed}
		case steps.Unsafe:
			return r.fail(errors.New(plans.GuardRefusedPrefix+obs.Note),
				"the organization no longer matches the plan here: check it, then re-create the plan (lz2ct discover, lz2ct plan) or fix the drift and run lz2ct resume", "")
		case steps.Running:
			if obs.OperationID == "" {
				return r.fail(fmt.Errorf("kind %s observed an operation in progress without its ID: this is a bug in lz2ct", n.st.Kind), "", "")
			}
			if !(r.prev.OperationOpen && r.prev.OperationID == obs.OperationID) {
				if err := r.emit(hooks.Event{Type: hooks.Operation, OperationID: obs.OperationID}); err != nil {
					return r.journalFailed(err)
				}
			}
			e.log(n.st, "operation %s is already in progress: waiting on it", obs.OperationID)
			res, _ := r.await(ctx, stop, obs.OperationID, false)
			return res
		case steps.NotDone:
		default:
			return r.fail(fmt.Errorf("kind %s observed state %v: this is a bug in lz2ct", n.st.Kind, obs.State), "", "")
		}

		// A safe point: nothing is in flight. A graceful stop starts nothing new.
		if stop.Err() != nil || ctx.Err() != nil {
			return r.stopped("")
		}
		change := obs.Change
		if change == "" {
			change = n.st.Title
		}
		// The intent is on disk before the call: a crash after AWS applied it is found by observing.
		if err := r.emit(hooks.Event{Type: hooks.Intent, Action: change, Token: r.x.Token}); err != nil {
			return r.journalFailed(err)
		}
		opID, err := n.impl.Start(ctx, r.x)
		if err != nil {
			if ctx.Err() != nil {
				return r.stopped("")
			}
			switch n.impl.Classify(err) {
			case steps.AlreadyDone:
				code, _ := awsapi.ErrorCode(err)
				return r.finish(ctx, stop, "already in place ("+code+")")
			case steps.RetryLater:
				if res, again := r.retry(ctx, stop, "starting", err); !again {
					return res
				}
				continue // observe again: the call may have taken effect
			default:
				return r.fail(err, steps.AdviceOf(err), "")
			}
		}
		if opID == "" {
			return r.finish(ctx, stop, "")
		}
		if err := r.emit(hooks.Event{Type: hooks.Operation, OperationID: opID}); err != nil {
			return r.journalFailed(err)
		}
		res, _ := r.await(ctx, stop, opID, false)
		return res
	}
}

// await polls an operation until it ends, with the kind's capped backoff scaled to the run. When
// re-attaching to an operation a previous run recorded, a first poll AWS refuses (the operation
// is unknown to it) reports unreadable instead of failing: the caller observes instead.
func (r *stepRun) await(ctx, stop context.Context, opID string, reattach bool) (res result, unreadable bool) {
	every := r.n.impl.PollEvery()
	wait := every.First
	for polls := 1; ; polls++ {
		st, err := r.n.impl.Poll(ctx, r.x, opID)
		switch {
		case err != nil && ctx.Err() != nil:
			return r.stopped(opID), false
		case err != nil && steps.DefaultClass(err) == steps.RetryLater:
			if r.e.opts.Now().After(r.until) {
				return r.fail(fmt.Errorf("polling operation %s: %w", opID, err), "lz2ct resume waits on the operation again", opID), false
			}
			r.e.log(r.n.st, "polling operation %s: %v; polling again", opID, err)
		case err != nil && reattach && polls == 1:
			r.e.log(r.n.st, "operation %s cannot be read (%v): observing instead", opID, err)
			return result{}, true
		case err != nil:
			// The operation's outcome is unknown: it stays open, and the next attempt re-attaches.
			return r.fail(fmt.Errorf("polling operation %s: %w", opID, err), steps.AdviceOf(err), opID), false
		case st.State == steps.OpSucceeded:
			return r.finish(ctx, stop, ""), false
		case st.State == steps.OpFailed:
			msg := st.Message
			if msg == "" {
				msg = "no reason given"
			}
			return r.fail(fmt.Errorf("operation %s failed: %s", opID, msg),
				"read the reason, fix its cause, then run lz2ct resume (it starts the step again)", ""), false
		}
		if !r.e.sleep(stop, ctx, wait) {
			return r.stopped(opID), false
		}
		wait = min(wait*2, every.Max)
	}
}

// finish verifies the effect, records the outputs and the success.
func (r *stepRun) finish(ctx, stop context.Context, note string) result {
	var outs steps.Outputs
	for try := 1; ; try++ {
		var err error
		outs, err = r.n.impl.Verify(ctx, r.x)
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			return r.stopped("")
		}
		if steps.DefaultClass(err) != steps.RetryLater || try >= verifyTries {
			return r.fail(fmt.Errorf("verifying: %w", err), steps.AdviceOf(err), "")
		}
		if !r.e.sleep(stop, ctx, verifyPause*time.Duration(try)) {
			return r.stopped("")
		}
	}
	spec, _ := plans.LookupKind(r.n.st.Kind)
	for _, name := range spec.Outputs {
		// An output present with "" is one AWS does not have here (no Sandbox OU, Identity Center
		// not managed): the kind said so; a later step that needs it stops, naming it.
		if _, ok := outs[name]; !ok {
			return r.fail(fmt.Errorf("kind %s did not return its output %q: this is a bug in lz2ct", r.n.st.Kind, name), "", "")
		}
	}
	names := make([]string, 0, len(outs))
	for name, v := range outs {
		if v != "" {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		if err := r.emit(hooks.Event{Type: hooks.Output, Output: name, Value: outs[name]}); err != nil {
			return r.journalFailed(err)
		}
	}
	if err := r.emit(hooks.Event{Type: hooks.Succeeded, Note: note}); err != nil {
		return r.journalFailed(err)
	}
	return result{n: r.n, status: succeeded, note: note}
}

// retry pauses after a "not now" answer; again is false when the run stops or the retries ran out.
func (r *stepRun) retry(ctx, stop context.Context, what string, err error) (res result, again bool) {
	if r.e.opts.Now().After(r.until) {
		return r.fail(fmt.Errorf("%s: still %w after %s", what, err, r.e.opts.RetryFor),
			"another operation held the resource all that time: find it (Control Tower console, StackSet operations), then run lz2ct resume", ""), false
	}
	pause := min(DefaultRetryPause<<min(r.pauses, 10), maxRetryPause)
	r.pauses++
	r.e.log(r.n.st, "%s: %v; trying again in %s", what, err, pause)
	if !r.e.sleep(stop, ctx, pause) {
		return r.stopped(""), false
	}
	return result{}, true
}

// begin writes the started event once per attempt, before the first event that matters.
func (r *stepRun) begin() error {
	if r.started {
		return nil
	}
	r.started = true
	return r.e.emit(hooks.Event{Type: hooks.Started, Step: r.n.st, Attempt: r.prev.Attempts + 1})
}

// emit writes one of the step's events, after its started event.
func (r *stepRun) emit(ev hooks.Event) error {
	if err := r.begin(); err != nil {
		return err
	}
	ev.Step = r.n.st
	return r.e.emit(ev)
}

// fail records a failure; opID names an operation whose outcome is unknown (it stays open).
func (r *stepRun) fail(err error, advice, opID string) result {
	if advice == "" {
		advice = defaultAdvice(err)
	}
	msg := err.Error()
	if e := r.emit(hooks.Event{Type: hooks.Failed, Error: msg, Advice: advice, OperationID: opID}); e != nil {
		return r.journalFailed(e)
	}
	return result{n: r.n, status: failed, err: msg, advice: advice}
}

// stopped ends the attempt at a safe point without an outcome: the journal keeps what is open.
func (r *stepRun) stopped(opID string) result {
	return result{n: r.n, status: stopped, opID: opID}
}

// journalFailed ends the attempt when an event could not be recorded: nothing more may happen.
func (r *stepRun) journalFailed(err error) result {
	return result{n: r.n, status: stopped, err: err.Error()}
}

// defaultAdvice says what to do about an AWS error no kind advised on.
func defaultAdvice(err error) string {
	code, _ := awsapi.ErrorCode(err)
	switch {
	case strings.Contains(code, "AccessDenied") || code == "UnauthorizedOperation" || code == "AuthorizationError":
		return "the credentials lack a permission this step needs (lz2ct iam-policy prints the policy): grant it, then run lz2ct resume"
	case code == "ExpiredToken" || code == "ExpiredTokenException":
		return "the credentials expired: refresh them (aws sso login), then run lz2ct resume"
	}
	return "fix the cause, then run lz2ct resume (it observes the step again before acting)"
}

// nextToken is the idempotency token of a new attempt: the open token of an attempt whose outcome
// is unknown (AWS recognises the repeat), the plan's token for a first attempt, and a fresh one
// derived from it once earlier tokens were spent on outcomes (AWS refuses to reuse a token for a
// different request).
func nextToken(base string, prev journal.StepState) string {
	if base == "" {
		return ""
	}
	if prev.Token != "" && !prev.TokenSpent {
		return prev.Token
	}
	if prev.SpentTokens == 0 {
		return base
	}
	suffix := fmt.Sprintf("-%d", prev.SpentTokens+1)
	if len(base)+len(suffix) > maxTokenLen {
		base = base[:maxTokenLen-len(suffix)]
	}
	return base + suffix
}

// sleep waits d unless stop or ctx ends first; false = stopped.
func sleep(stop, ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	var ctxDone <-chan struct{}
	if ctx != nil {
		ctxDone = ctx.Done()
	}
	select {
	case <-t.C:
		return true
	case <-stop.Done():
		return false
	case <-ctxDone:
		return false
	}
}
