package steps

import (
	"context"
	"fmt"
	"time"

	"github.com/lz2ct/lz2ct/plans"
)

// manual: a task for the operator. The step waits until the journal holds a confirmation (lz2ct
// confirm, or the wizard's confirm key). What an API can tell about the result is checked by the
// step the plan puts after it (landing-zone.verify after a console set-up, for example), so a
// wrong confirmation stops there, with the reason, instead of being taken on trust.
func init() {
	Register(Def[plans.Manual]{
		Observe: func(_ context.Context, x *Exec, p plans.Manual) (Observation, error) {
			if x.Confirmed.By == "" {
				return Observation{State: Waiting, Note: plans.TaskNote(x.Step, p)}, nil
			}
			note := fmt.Sprintf("confirmed by %s at %s", x.Confirmed.By, x.Confirmed.At.UTC().Format(time.RFC3339))
			if x.Confirmed.Note != "" {
				note += ": " + x.Confirmed.Note
			}
			return Observation{State: Done, Note: note}, nil
		},
		Verify: func(context.Context, *Exec, plans.Manual) (Outputs, error) { return nil, nil },
	})
}
