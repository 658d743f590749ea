package engine

import (
	"errors"
	"fmt"
	"strings"

	"github.com/lz2ct/lz2ct/journal"
	"github.com/lz2ct/lz2ct/plans"
)

// The typed confirmation: the steps that take ALZ apart for good — the decommission phase and the
// closing of accounts — start only once the operator has typed the organization ID in this run
// (lz2ct apply/resume --confirm-org, the apply prompt, the wizard's dialog), the way deleting a
// repository asks for its name. Everything else needs only the run's own confirmation. This file is
// the one place that says which steps those are; the commands, the demo and the wizard ask it.

// NeedsOrganizationTyped reports whether a step of phase phaseID starts only after the organization
// ID was typed.
func NeedsOrganizationTyped(phaseID string, s *plans.Step) bool {
	return phaseID == plans.PhaseDecommission || s.Kind == plans.KindAccountClose
}

// Gated lists the steps of p that need the organization ID typed and are not done yet (st may be
// nil), among the selected ones (sel nil = every step), in plan order.
func Gated(p *plans.Plan, sel func(*plans.Step) bool, st *journal.State) []*plans.Step {
	var out []*plans.Step
	for i := range p.Phases {
		ph := &p.Phases[i]
		for j := range ph.Steps {
			s := &ph.Steps[j]
			if !NeedsOrganizationTyped(ph.ID, s) || (sel != nil && !sel(s)) || st.Step(s.ID).Status == journal.Done {
				continue
			}
			out = append(out, s)
		}
	}
	return out
}

// GateText says in one sentence what typing the organization ID allows, for the prompts.
func GateText(p *plans.Plan, gated []*plans.Step) string {
	phases := map[string]bool{}
	closes := 0
	for _, s := range gated {
		if s.Kind == plans.KindAccountClose {
			closes++
		}
		for _, ph := range p.Phases {
			for _, x := range ph.Steps {
				if x.ID == s.ID {
					phases[fmt.Sprintf("phase %d (%s)", ph.Number, ph.Name)] = true
				}
			}
		}
	}
	var names []string
	for _, ph := range p.Phases {
		if n := fmt.Sprintf("phase %d (%s)", ph.Number, ph.Name); phases[n] {
			names = append(names, n)
		}
	}
	what := fmt.Sprintf("%d steps of %s delete what ALZ left for good", len(gated), strings.Join(names, ", "))
	if closes > 0 {
		what += fmt.Sprintf(", closing %d accounts", closes)
	}
	return what
}

// ErrOrganizationMismatch is returned when the typed text is not the plan's organization ID.
var ErrOrganizationMismatch = errors.New("the organization ID typed does not match")

// CheckOrganizationTyped accepts exactly the plan's organization ID (surrounding spaces aside).
func CheckOrganizationTyped(p *plans.Plan, typed string) error {
	if strings.TrimSpace(typed) != p.Organization {
		return fmt.Errorf("%w: %q is not %s (type the plan's organization ID exactly)", ErrOrganizationMismatch, strings.TrimSpace(typed), p.Organization)
	}
	return nil
}

// ConfirmOrganization lets the steps that need the organization ID typed start in this run, once
// typed matches the plan's organization; the run journals who typed it. A run that is waiting only
// for this goes on.
func (e *Engine) ConfirmOrganization(typed, by string) error {
	if err := CheckOrganizationTyped(e.opts.Plan, typed); err != nil {
		return err
	}
	e.mu.Lock()
	already := e.orgTyped
	e.orgTyped = true
	e.mu.Unlock()
	if already {
		return nil
	}
	if err := e.RunEvent(by, "organization ID "+e.opts.Plan.Organization+" typed: decommission and account closure may start in this run"); err != nil {
		return err
	}
	e.join() // taken over by the run's loop with the signal (Confirm)
	select {
	case e.gate <- struct{}{}:
	default:
		e.leave()
	}
	return nil
}

// organizationTyped reports whether gated steps may start.
func (e *Engine) organizationTyped() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.orgTyped
}

// gatedNode reports whether n waits for the organization ID.
func (e *Engine) gatedNode(n *node) bool {
	return NeedsOrganizationTyped(e.phaseID[n.st.ID], n.st)
}
