// Package hooks is how progress leaves the engine: every event of a run (a step started, announced
// a mutating call, recorded an operation or an output, succeeded, failed, waits for the operator;
// log lines) goes to a Hook. The journal is one hook (Journal), the CLI's progress lines another
// (Lines), the wizard's dashboard a third; Multi chains them, the journal first, so nothing is shown
// as done before it is recorded.
package hooks

import (
	"time"

	"github.com/lz2ct/lz2ct/journal"
	"github.com/lz2ct/lz2ct/plans"
)

// Type is what happened.
type Type string

// Event types. All but Log and Gate are journaled (Journal); those two are for people only.
const (
	Started   Type = "started"
	Intent    Type = "intent"
	Operation Type = "operation"
	Output    Type = "output"
	Succeeded Type = "succeeded"
	Failed    Type = "failed"
	Waiting   Type = "waiting"
	Confirmed Type = "confirmed"
	Run       Type = "run"
	Log       Type = "log"
	// Gate: steps that start only once the organization ID is typed are ready (not journaled;
	// Note says what typing it allows). The wizard asks for it then; ConfirmOrganization answers.
	Gate Type = "gate"
)

// Event is one thing that happened in a run.
type Event struct {
	Type Type
	Time time.Time
	// Step is the plan step (nil for Run events and run-wide Log lines).
	Step *plans.Step
	// Attempt counts the step's attempts across runs (Started).
	Attempt int
	// OperationID: Operation; on Failed, an operation whose outcome is unknown (it stays open).
	OperationID string
	// Action and Token: Intent (what the call changes; its idempotency token, if any).
	Action, Token string
	// Output and Value: Output.
	Output, Value string
	// By and Note: Confirmed, Run; Note also on Succeeded (how it came to be done) and Waiting
	// (the instructions).
	By, Note string
	// Error and Advice: Failed.
	Error, Advice string
	// Message: Log.
	Message string
	// TimeScale: Run, when the run goes faster than real time (engine.Options.TimeScale).
	TimeScale float64
}

// StepID is the event's step ID ("" for run-wide events).
func (e Event) StepID() string {
	if e.Step == nil {
		return ""
	}
	return e.Step.ID
}

// Hook receives a run's events, one at a time, in order. An error stops the run: the engine does
// not act on what it could not record.
type Hook interface {
	Handle(Event) error
}

// Func adapts a function to a Hook.
type Func func(Event) error

// Handle calls f.
func (f Func) Handle(ev Event) error { return f(ev) }

// Multi passes each event to every hook in order and stops at the first error.
type Multi []Hook

// Handle passes ev on.
func (m Multi) Handle(ev Event) error {
	for _, h := range m {
		if h == nil {
			continue
		}
		if err := h.Handle(ev); err != nil {
			return err
		}
	}
	return nil
}

// JournalEvent is the journal line an event becomes; false for events the journal does not keep.
// The engine folds the same lines into its own state, so what it acts on is what the journal says.
func JournalEvent(ev Event) (journal.Event, bool) {
	j := journal.Event{Time: ev.Time.UTC(), Step: ev.StepID()}
	switch ev.Type {
	case Started:
		j.Event = journal.EventStarted
	case Intent:
		j.Event, j.Action, j.Token = journal.EventIntent, ev.Action, ev.Token
	case Operation:
		j.Event, j.OperationID = journal.EventOperation, ev.OperationID
	case Output:
		j.Event, j.Output, j.Value = journal.EventOutput, ev.Output, ev.Value
	case Succeeded:
		j.Event, j.Note = journal.EventSucceeded, ev.Note
	case Failed:
		j.Event, j.Error, j.Advice, j.OperationID = journal.EventFailed, ev.Error, ev.Advice, ev.OperationID
	case Waiting:
		j.Event = journal.EventWaiting
	case Confirmed:
		j.Event, j.By, j.Note = journal.EventConfirmed, ev.By, ev.Note
	case Run:
		j.Event, j.By, j.Note, j.TimeScale = journal.EventRun, ev.By, ev.Note, ev.TimeScale
	default:
		return journal.Event{}, false
	}
	return j, true
}

// Journal appends every journaled event to w (one fsync'd line each) before later hooks see it.
func Journal(w *journal.Writer) Hook {
	return Func(func(ev Event) error {
		j, ok := JournalEvent(ev)
		if !ok {
			return nil
		}
		return w.Append(j)
	})
}
