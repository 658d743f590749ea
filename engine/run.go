package engine

import (
	"context"
	"fmt"
	"runtime/debug"
	"sort"
	"strings"

	"github.com/sourcegraph/conc"

	"github.com/lz2ct/lz2ct/engine/hooks"
	"github.com/lz2ct/lz2ct/journal"
)

// result is how one step's turn ended.
type result struct {
	n      *node
	status status // succeeded, failed, waiting or stopped
	err    string
	advice string
	seen   journal.Confirmation // waiting: the confirmation the step saw (none)
	opID   string               // the operation a stopped step leaves running
	note   string
}

// Run carries out the selected steps and returns what happened. stop ends the run gracefully (no
// new steps; steps in flight return at their next safe point); ctx ends it at once. The error is
// not a step failure (those are in the Summary) but a run that could not go on: a hook (the
// journal) refused an event.
func (e *Engine) Run(ctx, stop context.Context) (*Summary, error) {
	if stop == nil {
		stop = ctx
	}
	start := e.opts.Now()
	// On a simulated clock the loop counts as working except while it waits in its select; a
	// step's goroutine counts from its launch until the loop receives its result, whose count
	// the loop takes over (so does a confirmation's signal): the clock never moves ahead while a
	// step's successor is about to be launched.
	e.join()
	defer e.leave()
	e.prepare()
	results := make(chan result, len(e.nodes))
	var wg conc.WaitGroup
	inFlight := 0
	stopping := false
	var ready []*node // pending steps whose dependencies are done, in execution order

	for _, n := range e.nodes {
		if n.status == pending && n.waiting == 0 {
			ready = append(ready, n)
		}
	}
	for {
		if !stopping && (stop.Err() != nil || ctx.Err() != nil || e.fatalErr() != nil) {
			stopping = true
		}
		if !stopping {
			ready = e.launch(ctx, stop, ready, results, &wg, &inFlight)
		}
		if inFlight == 0 {
			if stopping || !e.opts.WaitForConfirmation || !e.anyWaiting() {
				break
			}
		}
		e.leave()
		select {
		case r := <-results:
			inFlight--
			ready = e.settle(r, ready)
		case <-e.confirmed:
			// Every waiting step with a confirmation goes again (a full channel dropped some IDs).
			for _, n := range e.nodes {
				if n.status == waiting && e.stepState(n.st.ID).Confirmed.By != "" {
					n.status = pending
					ready = insertReady(ready, n)
				}
			}
		case <-e.gate:
			for _, n := range e.nodes {
				if n.status == held {
					n.status = pending
					ready = insertReady(ready, n)
				}
			}
		case <-stop.Done():
			e.join()
			stopping = true
		case <-ctx.Done():
			e.join()
			stopping = true
		}
		// A graceful stop lets in-flight steps finish: keep collecting their results.
		if stopping {
			for inFlight > 0 {
				r := <-results
				e.leave() // the loop already counts
				inFlight--
				ready = e.settle(r, ready)
			}
			break
		}
	}
	wg.Wait()
	sum := e.summary(start, stopping && (stop.Err() != nil || ctx.Err() != nil))
	return sum, e.fatalErr()
}

// prepare sets each step's starting status from the journal and the selection.
func (e *Engine) prepare() {
	for _, n := range e.nodes {
		s := e.stepState(n.st.ID)
		switch {
		case s.Status == journal.Done:
			n.status = previously
		case !e.selected(n):
			n.status, n.cause, n.reason = notStarted, CauseNotSelected, "not part of this run (--only-phase / --step)"
		case n.st.Blocked != "":
			// The planner's verdict, never second-guessed: a blocked registration would fail
			// (Control Tower's pre-checks), a blocked deletion is one a guard forbids.
			n.status, n.cause, n.reason = notStarted, CauseFinding, "blocked by a finding: "+n.st.Blocked+"; resolve it, run lz2ct discover again and re-plan"
		case n.st.Params == nil:
			n.status, n.cause, n.reason = notStarted, CauseUnsupported, "the step has no params (a plan of an older format): re-create the plan with this lz2ct's lz2ct plan"
		case n.impl == nil:
			n.status, n.cause, n.reason = notStarted, CauseUnsupported, fmt.Sprintf("lz2ct cannot carry out %s steps yet", n.st.Kind)
		default:
			n.status = pending
		}
	}
	for _, n := range e.nodes {
		for _, d := range n.deps {
			if d.status != previously {
				n.waiting++
			}
		}
	}
	// A step whose dependency cannot run this time cannot run either.
	for _, n := range e.nodes {
		if n.status == notStarted {
			e.block(n)
		}
	}
}

// block marks every pending step that depends on n (transitively) as not started, each with the
// reason at the root: a step three links down says which step failed, not the chain between.
func (e *Engine) block(n *node) {
	why, cause := "needs "+n.st.ID, CauseBlocked
	switch {
	case n.status == notStarted && n.cause == CauseBlocked:
		why = n.reason // n waits on another step: that one is the root
	case n.status == failed:
		why += ", which failed"
	case n.status == notStarted:
		why += ", which is not started (" + n.reason + ")"
	case n.status == stopped:
		why, cause = why+", which was interrupted", CauseStopped
	}
	e.blockUsers(n, why, cause)
}

func (e *Engine) blockUsers(n *node, why, cause string) {
	for _, u := range n.users {
		if u.status == pending {
			u.status, u.reason, u.cause = notStarted, why, cause
			e.blockUsers(u, why, cause)
		}
	}
}

// launch starts every ready step whose claims can be taken now, in execution order, and returns
// the steps still waiting for resources. Control Tower steps queue strictly in plan order: once one
// cannot start, no later one may overtake it.
func (e *Engine) launch(ctx, stop context.Context, ready []*node, results chan<- result, wg *conc.WaitGroup, inFlight *int) []*node {
	keep := ready[:0]
	ctBlocked := false
	for _, n := range ready {
		if n.status != pending {
			continue
		}
		if !e.organizationTyped() && e.gatedNode(n) {
			n.status = held
			e.announceGate(n)
			continue
		}
		if n.ct && ctBlocked {
			keep = append(keep, n)
			continue
		}
		release, ok := e.res.TryAcquire(n.claims)
		if !ok {
			if n.ct {
				ctBlocked = true
			}
			keep = append(keep, n)
			continue
		}
		n.status, n.release = running, release
		*inFlight++
		e.join() // handed to the loop with the result
		wg.Go(func() {
			r := result{n: n}
			defer func() {
				if p := recover(); p != nil {
					r = result{n: n, status: failed, err: fmt.Sprintf("lz2ct bug: %v\n%s", p, debug.Stack()),
						advice: "please report this with the journal; lz2ct resume observes the step again"}
				}
				results <- r
			}()
			r = e.runStep(ctx, stop, n)
		})
	}
	return keep
}

// settle applies a step's result: its dependents become ready, or not started.
func (e *Engine) settle(r result, ready []*node) []*node {
	n := r.n
	if n.release != nil {
		n.release()
		n.release = nil
	}
	n.status, n.err, n.advice, n.opID = r.status, r.err, r.advice, r.opID
	if r.status == waiting {
		n.reason = r.note
		// A confirmation that arrived while the step was being observed: observe again.
		if e.stepState(n.st.ID).Confirmed != r.seen {
			n.status = pending
			return insertReady(ready, n)
		}
	}
	switch r.status {
	case succeeded:
		for _, u := range n.users {
			u.waiting--
			if u.status == pending && u.waiting == 0 {
				ready = insertReady(ready, u)
			}
		}
	case failed, stopped:
		e.block(n)
	}
	return ready
}

func insertReady(ready []*node, n *node) []*node {
	i := sort.Search(len(ready), func(i int) bool { return ready[i].idx >= n.idx })
	if i < len(ready) && ready[i] == n {
		return ready
	}
	ready = append(ready, nil)
	copy(ready[i+1:], ready[i:])
	ready[i] = n
	return ready
}

func (e *Engine) anyWaiting() bool {
	for _, n := range e.nodes {
		if n.status == waiting || n.status == held {
			return true
		}
	}
	return false
}

// announceGate tells the hooks, once per run, that the steps needing the organization ID typed
// are ready to start (the wizard asks for it then).
func (e *Engine) announceGate(n *node) {
	e.mu.Lock()
	sent := e.gateSent
	e.gateSent = true
	e.mu.Unlock()
	if sent {
		return
	}
	e.mu.Lock()
	gated := Gated(e.opts.Plan, e.opts.Selected, e.state)
	e.mu.Unlock()
	_ = e.emit(hooks.Event{Type: hooks.Gate, Step: n.st, Note: GateText(e.opts.Plan, gated)})
}

func (e *Engine) fatalErr() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.fatal
}

// RunEvent records the start or end of a run (who, what) in the journal.
func (e *Engine) RunEvent(by, note string) error {
	ev := hooks.Event{Type: hooks.Run, By: by, Note: note}
	if e.opts.TimeScale != 1 {
		ev.TimeScale = e.opts.TimeScale // status reads the run's durations back in AWS's time
	}
	return e.emit(ev)
}

// describe lists up to n step IDs for messages.
func describe(ids []string, n int) string {
	if len(ids) <= n {
		return strings.Join(ids, ", ")
	}
	return strings.Join(ids[:n], ", ") + fmt.Sprintf(" and %d more", len(ids)-n)
}
