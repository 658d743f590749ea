package engine

import (
	"context"
	"fmt"

	"github.com/sourcegraph/conc/pool"

	"github.com/lz2ct/lz2ct/journal"
	"github.com/lz2ct/lz2ct/plans"
	"github.com/lz2ct/lz2ct/steps"
)

// What a preview found for a step.
const (
	PreviewDone        = "done"          // the journal says done
	PreviewInPlace     = "in place"      // not done by this run, but AWS already shows the effect
	PreviewChange      = "would change"  // Change says what
	PreviewRunning     = "running"       // an AWS operation is in progress
	PreviewWaiting     = "waiting"       // a manual step waiting for the operator
	PreviewUnsafe      = "unsafe"        // drift or a guard: the step would be refused
	PreviewLater       = "later"         // cannot be observed before an earlier step ran (Note says which)
	PreviewUnsupported = "not supported" // this lz2ct cannot carry the step out
	PreviewError       = "error"         // observing failed (Note)
)

// Preview is what one step would do, observed read-only (lz2ct apply --dry-run, and the drift
// report of lz2ct resume).
type Preview struct {
	Outcome
	State string `json:"state"`
	// Change: what Start would change (PreviewChange).
	Change string `json:"change,omitempty"`
	// Note: why done, why unsafe, what the operator must do, what the step waits for.
	Note        string `json:"note,omitempty"`
	OperationID string `json:"operationId,omitempty"`
}

// Preview observes every selected step not done yet, in execution order, making no change: no
// mutating AWS call, no journal event, no export written. Steps whose parameters come from earlier
// steps that have not run cannot be observed and say so.
func (e *Engine) Preview(ctx context.Context) []Preview {
	// Capacity for every step: the goroutines below write through pointers into out, so it must
	// never be reallocated.
	out := make([]Preview, 0, len(e.nodes))
	p := pool.New().WithMaxGoroutines(e.opts.Workers)
	for _, n := range e.nodes {
		if !e.selected(n) {
			continue
		}
		out = append(out, Preview{Outcome: Outcome{Step: n.st.ID, Kind: n.st.Kind, Title: n.st.Title, Phase: e.phaseOf[n.st.ID]}})
		pv := &out[len(out)-1]
		prev := e.stepState(n.st.ID)
		switch {
		case prev.Status == journal.Done:
			pv.State, pv.Note = PreviewDone, prev.Note
			continue
		case n.impl == nil:
			pv.State, pv.Note = PreviewUnsupported, fmt.Sprintf("lz2ct cannot carry out %s steps yet", n.st.Kind)
			continue
		}
		if n.st.Kind == plans.KindVerify {
			// A checkpoint has nothing to observe: it is reached when its dependencies are done.
			if d := e.openDependency(n); d != "" {
				pv.State, pv.Note = PreviewLater, "a checkpoint, reached once "+d+" and the other steps it depends on are done"
			} else {
				pv.State, pv.Change = PreviewChange, "record the checkpoint"
			}
			continue
		}
		if ref, ok := e.unresolved(n.st); ok {
			pv.State, pv.Note = PreviewLater, fmt.Sprintf("uses the %s that step %s makes", ref.Output, ref.FromStep)
			continue
		}
		p.Go(func() {
			x := &steps.Exec{Step: n.st, AWS: e.opts.AWS, Folder: e.opts.Folder, Confirmed: prev.Confirmed, DryRun: true,
				Outputs: e.output, Token: nextToken(n.impl.Token(n.st.Params), prev)}
			obs, err := n.impl.Observe(ctx, x)
			if err != nil {
				pv.State, pv.Note = PreviewError, err.Error()
				return
			}
			pv.Note, pv.OperationID = obs.Note, obs.OperationID
			switch obs.State {
			case steps.Done:
				pv.State = PreviewInPlace
			case steps.NotDone:
				pv.State, pv.Change = PreviewChange, obs.Change
				if pv.Change == "" {
					pv.Change = n.st.Title
				}
			case steps.Running:
				pv.State = PreviewRunning
			case steps.Waiting:
				pv.State = PreviewWaiting
			case steps.Unsafe:
				pv.State = PreviewUnsafe
			}
			if prev.OperationOpen && obs.State != steps.Running {
				pv.OperationID = prev.OperationID
			}
		})
	}
	p.Wait()
	return out
}

// openDependency names the first dependency the journal does not hold as done ("" = none).
func (e *Engine) openDependency(n *node) string {
	for _, d := range n.deps {
		if e.stepState(d.st.ID).Status != journal.Done {
			return d.st.ID
		}
	}
	return ""
}

// unresolved returns the first reference of the step's params whose output is not known yet.
func (e *Engine) unresolved(st *plans.Step) (plans.Value, bool) {
	for _, ref := range plans.Refs(st.Params) {
		if _, ok := e.output(ref.FromStep, ref.Output); !ok {
			return ref, true
		}
	}
	return plans.Value{}, false
}
