package engine

import (
	"time"
)

// Outcome is one step in a run's summary.
type Outcome struct {
	Step  string `json:"step"`
	Kind  string `json:"kind"`
	Title string `json:"title"`
	Phase int    `json:"phase"`
	// Error and Advice: failed steps (the AWS error, and what to do).
	Error  string `json:"error,omitempty"`
	Advice string `json:"advice,omitempty"`
	// Reason: why a step did not start, or a manual step's instructions; Cause sorts the reasons
	// of steps not started (the Cause* constants).
	Reason string `json:"reason,omitempty"`
	Cause  string `json:"cause,omitempty"`
	// OperationID: an AWS operation a stopped step leaves running (resume re-attaches).
	OperationID string `json:"operationId,omitempty"`
}

// Why a step did not start.
const (
	// CauseNotSelected: outside --only-phase / --step.
	CauseNotSelected = "not-selected"
	// CauseUnsupported: this lz2ct cannot carry the step's kind out (or the plan is too old).
	CauseUnsupported = "unsupported"
	// CauseBlocked: it needs a step that failed, cannot run, or is not part of this run.
	CauseBlocked = "blocked"
	// CauseFinding: the plan marks it blocked by a pre-check finding (Step.Blocked): it never runs
	// from this plan; the finding is resolved, the organization discovered again and re-planned.
	CauseFinding = "finding"
	// CauseWaiting: it needs a manual step the operator has not confirmed.
	CauseWaiting = "waiting"
	// CauseStopped: the run stopped before it (or before a step it needs).
	CauseStopped = "stopped"
	// CauseOrganizationNotTyped: it (or a step it needs) starts only once the operator typed the
	// organization ID (NeedsOrganizationTyped).
	CauseOrganizationNotTyped = "organization-not-typed"
)

// Summary is what a run did.
type Summary struct {
	Started time.Time `json:"started"`
	Ended   time.Time `json:"ended"`
	// Done are the steps that succeeded in this run; Previously counts those done before it.
	Done       []Outcome `json:"done"`
	Previously int       `json:"previously"`
	Failed     []Outcome `json:"failed"`
	// Waiting are manual steps waiting for the operator (lz2ct confirm).
	Waiting []Outcome `json:"waiting"`
	// Interrupted were in flight when the run stopped; they resume where they were.
	Interrupted []Outcome `json:"interrupted"`
	NotStarted  []Outcome `json:"notStarted"`
	// Stopped is true when the user (or a signal) stopped the run.
	Stopped bool `json:"stopped"`
}

// Complete reports whether every step of the plan is done.
func (s *Summary) Complete() bool {
	return len(s.Failed) == 0 && len(s.Waiting) == 0 && len(s.Interrupted) == 0 && len(s.NotStarted) == 0
}

func (e *Engine) summary(start time.Time, stoppedByUser bool) *Summary {
	s := &Summary{Started: start.UTC(), Ended: e.opts.Now().UTC(), Stopped: stoppedByUser}
	for _, n := range e.nodes {
		o := Outcome{Step: n.st.ID, Kind: n.st.Kind, Title: n.st.Title, Phase: e.phaseOf[n.st.ID]}
		switch n.status {
		case previously:
			s.Previously++
		case succeeded:
			s.Done = append(s.Done, o)
		case failed:
			o.Error, o.Advice = n.err, n.advice
			s.Failed = append(s.Failed, o)
		case waiting:
			o.Reason = n.reason
			s.Waiting = append(s.Waiting, o)
		case stopped, running:
			o.OperationID, o.Error = n.opID, n.err
			s.Interrupted = append(s.Interrupted, o)
		case held:
			o.Reason, o.Cause = organizationReason(e.opts.Plan.Organization), CauseOrganizationNotTyped
			s.NotStarted = append(s.NotStarted, o)
		case pending:
			o.Reason, o.Cause = "the run stopped before it", CauseStopped
			if d := e.firstOpenDependency(n); d != nil && d.status == waiting {
				o.Reason, o.Cause = "waits for "+d.st.ID+" (a manual step: lz2ct confirm "+d.st.ID+")", CauseWaiting
			} else if d != nil && e.heldBehind(d) {
				o.Reason, o.Cause = organizationReason(e.opts.Plan.Organization), CauseOrganizationNotTyped
			} else if d != nil && !stoppedBy(d) {
				o.Reason = "waits for " + d.st.ID
			}
			s.NotStarted = append(s.NotStarted, o)
		case notStarted:
			o.Reason, o.Cause = n.reason, n.cause
			s.NotStarted = append(s.NotStarted, o)
		}
	}
	return s
}

// firstOpenDependency returns the first dependency of n that is not done (nil when none).
func (e *Engine) firstOpenDependency(n *node) *node {
	for _, d := range n.deps {
		if d.status != succeeded && d.status != previously {
			return d
		}
	}
	return nil
}

// organizationReason says why a step waits for the organization ID, and how to give it.
func organizationReason(org string) string {
	return "decommission and account closure start only once the organization ID is typed (lz2ct resume --confirm-org " + org + ", or in the wizard)"
}

// heldBehind reports whether d is held for the organization ID, or waits on a step that is.
func (e *Engine) heldBehind(d *node) bool {
	for d != nil {
		switch d.status {
		case held:
			return true
		case pending:
			d = e.firstOpenDependency(d)
		default:
			return false
		}
	}
	return false
}

func stoppedBy(d *node) bool {
	return d.status == pending || d.status == stopped || d.status == running
}
