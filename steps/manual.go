package steps

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/lz2ct/lz2ct/plans"
)

// manual: a task for the operator. The step waits until the journal holds a confirmation (lz2ct
// confirm, or the wizard's confirm key); then, when lz2ct can check the result by API, it checks.
func init() {
	Register(Def[plans.Manual]{
		Observe: func(_ context.Context, x *Exec, p plans.Manual) (Observation, error) {
			if x.Confirmed.By == "" {
				return Observation{State: Waiting, Note: strings.Join(p.Instructions, "\n")}, nil
			}
			note := fmt.Sprintf("confirmed by %s at %s", x.Confirmed.By, x.Confirmed.At.UTC().Format(time.RFC3339))
			if x.Confirmed.Note != "" {
				note += ": " + x.Confirmed.Note
			}
			return Observation{State: Done, Note: note}, nil
		},
		Verify: func(ctx context.Context, x *Exec, p plans.Manual) (Outputs, error) {
			check, ok := manualCheck(p.Verify)
			if !ok {
				if p.Verify != "" {
					x.Log("%s: lz2ct cannot check %q by API; the confirmation stands", x.Step.ID, p.Verify)
				}
				return nil, nil
			}
			if err := check(ctx, x); err != nil {
				return nil, Advise(fmt.Errorf("confirmed, but %w", err),
					"finish the task as its instructions say, then confirm it again with lz2ct confirm "+x.Step.ID)
			}
			return nil, nil
		},
	})
}

// ManualCheck checks a manual step's result by API; it returns an error saying what is missing.
type ManualCheck func(ctx context.Context, x *Exec) error

var (
	manualMu     sync.RWMutex
	manualChecks = map[string]ManualCheck{}
)

// RegisterManualCheck names a check a manual step's params can ask for (plans.Manual.Verify). Kind
// files that know how to observe a hand-made result (an ACTIVE landing zone, a delegated
// administrator moved) register one from init().
func RegisterManualCheck(name string, check ManualCheck) {
	manualMu.Lock()
	defer manualMu.Unlock()
	if _, dup := manualChecks[name]; dup {
		panic("steps: manual check registered twice: " + name)
	}
	manualChecks[name] = check
}

func manualCheck(name string) (ManualCheck, bool) {
	manualMu.RLock()
	defer manualMu.RUnlock()
	c, ok := manualChecks[name]
	return c, ok && name != ""
}
