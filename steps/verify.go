package steps

import (
	"context"

	"github.com/lz2ct/lz2ct/plans"
)

// verify: a checkpoint. The engine starts a step only when every step it depends on has succeeded,
// so reaching it is the whole check.
func init() {
	Register(Def[plans.Verify]{
		Observe: func(_ context.Context, _ *Exec, p plans.Verify) (Observation, error) {
			return Observation{State: Done, Note: "checkpoint reached: " + p.Condition}, nil
		},
		Verify: func(context.Context, *Exec, plans.Verify) (Outputs, error) { return nil, nil },
	})
}
