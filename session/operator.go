package session

import (
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/lz2ct/lz2ct/engine"
	"github.com/lz2ct/lz2ct/engine/hooks"
	"github.com/lz2ct/lz2ct/plans"
)

// Operator stands in for the person at the keyboard in runs nobody attends — the plain demo and
// the rehearsal: it confirms every step that waits for the operator (a manual step, a step that
// handed its work over) and types the organization ID when the steps held for it are ready, and
// says so on W. It is a hook of the run it answers (Exec.Hooks), attached to that run's engine.
type Operator struct {
	// W receives one line per thing the operator does (nil = silent).
	W io.Writer
	// Who is recorded as who confirmed and typed ("lz2ct demo"); Note goes with each confirmation.
	Who, Note string
	// Organization is the ID it types at the gate (the plan's).
	Organization string
	// Confirming and Typing are the lines it writes (nil = the default wording).
	Confirming func(step *plans.Step) string
	Typing     func(org string) string
	// Before, when set, does the operator's work for a waiting step before it confirms it (Moves:
	// the delegated-administrator moves a later step checks by API); an error stops the run.
	Before func(ctx context.Context, stepID string) error
	// Ctx is the context Before runs in.
	Ctx context.Context
	// Stuck, when set, is called once for a step that waits again after the operator confirmed it
	// (the step's own check still fails): confirming again would loop for ever, so the caller
	// decides (the rehearsal stops the run).
	Stuck func(step *plans.Step, instructions string)

	mu        sync.Mutex
	e         *engine.Engine
	confirmed []Confirmation
	seen      map[string]bool
	typed     bool
}

// Confirmation is one step the operator confirmed.
type Confirmation struct {
	Step  string `json:"step"`
	Title string `json:"title"`
	// Instructions are what the step asked of the operator.
	Instructions string `json:"instructions,omitempty"`
}

// Attach gives the operator the engine it answers; call it before the run starts.
func (o *Operator) Attach(e *engine.Engine) {
	o.mu.Lock()
	o.e = e
	o.mu.Unlock()
}

// Handle answers the events that ask for the operator. The engine calls hooks while it records
// the event, so the answer goes from a goroutine (Confirm and ConfirmOrganization record events
// of their own).
func (o *Operator) Handle(ev hooks.Event) error {
	switch ev.Type {
	case hooks.Waiting:
		o.mu.Lock()
		e, again := o.e, o.seen[ev.StepID()]
		if o.seen == nil {
			o.seen = map[string]bool{}
		}
		o.seen[ev.StepID()] = true
		if !again {
			o.confirmed = append(o.confirmed, Confirmation{Step: ev.Step.ID, Title: ev.Step.Title, Instructions: ev.Note})
		}
		o.mu.Unlock()
		if again {
			if o.Stuck != nil {
				o.Stuck(ev.Step, ev.Note)
			}
			return nil
		}
		if o.Before != nil {
			// A few calls to the local simulator, before the confirmation.
			ctx := o.Ctx
			if ctx == nil {
				ctx = context.Background()
			}
			if err := o.Before(ctx, ev.Step.ID); err != nil {
				return err
			}
		}
		o.say(o.confirming(ev.Step))
		// Held until the confirmation is recorded: a simulated clock does not move ahead meanwhile.
		release := e.Hold()
		go func() { defer release(); _ = e.Confirm(ev.Step.ID, o.Who, o.Note) }()
	case hooks.Gate:
		o.mu.Lock()
		e, already := o.e, o.typed
		o.typed = true
		o.mu.Unlock()
		if already {
			return nil
		}
		o.say(o.typing())
		release := e.Hold()
		go func() { defer release(); _ = e.ConfirmOrganization(o.Organization, o.Who) }()
	}
	return nil
}

func (o *Operator) confirming(s *plans.Step) string {
	if o.Confirming != nil {
		return o.Confirming(s)
	}
	return fmt.Sprintf("%s confirms %s as done (lz2ct confirm %s)", o.Who, s.ID, s.ID)
}

func (o *Operator) typing() string {
	if o.Typing != nil {
		return o.Typing(o.Organization)
	}
	return fmt.Sprintf("%s types the organization ID %s (--confirm-org)", o.Who, o.Organization)
}

func (o *Operator) say(line string) {
	if o.W != nil && line != "" {
		fmt.Fprintln(o.W, line)
	}
}

// Confirmed lists the steps the operator confirmed, in the order it did.
func (o *Operator) Confirmed() []Confirmation {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]Confirmation(nil), o.confirmed...)
}

// TypedOrganization reports whether the operator typed the organization ID.
func (o *Operator) TypedOrganization() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.typed
}
