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
	// Reason: why a step did not start, or a manual step's instructions.
	Reason string `json:"reason,omitempty"`
	// OperationID: an AWS operation a stopped step leaves running (resume re-attaches).
	OperationID string `json:"operationId,omitempty"`
}

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
		case pending:
			o.Reason = "the run stopped before it"
			if n.waiting > 0 {
				o.Reason = "waits for " + e.firstOpenDependency(n)
			}
			s.NotStarted = append(s.NotStarted, o)
		case notStarted:
			o.Reason = n.reason
			s.NotStarted = append(s.NotStarted, o)
		}
	}
	return s
}

// firstOpenDependency names the first dependency of n that is not done.
func (e *Engine) firstOpenDependency(n *node) string {
	for _, d := range n.deps {
		if d.status != succeeded && d.status != previously {
			switch d.status {
			case waiting:
				return d.st.ID + " (a manual step: lz2ct confirm " + d.st.ID + ")"
			default:
				return d.st.ID
			}
		}
	}
	return "its dependencies"
}
