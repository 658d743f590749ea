// Package runbook renders a migration plan as a printable runbook, in Markdown or as one
// self-contained HTML file: a cover (organization, who and when, settings, totals, estimate, the
// phases as an index), the pre-check results, then every step in execution order — phases 0 and 1,
// the waves of phases 2–4, phases 5 and 6 — (checkbox, step ID, what and why, the guard, the exact
// AWS CLI commands, the values they take from earlier steps, the expected result, the rollback
// note) with sign-off lines.
// Steps that repeat per account or region are shown as one table each, so a runbook for thousands
// of accounts stays readable. Given the journal of a run (package journal), it also shows where
// the run stands: done, running, failed (with the error) or not started. It only reads; lz2ct
// runbook and the wizard call it. The layout is described in docs/runbook.md.
package runbook

import (
	"io"
	"time"

	"github.com/lz2ct/lz2ct/journal"
	"github.com/lz2ct/lz2ct/plans"
)

// Option adjusts what the cover says.
type Option func(*config)

type config struct {
	operator string
	now      time.Time
	outputs  func(step, output string) (string, bool)
}

// WithOutputs gives the runbook the outputs of the steps a run has done (the journal records
// them), so a step that uses one shows its value next to the shell variable its commands read.
func WithOutputs(lookup func(step, output string) (string, bool)) Option {
	return func(c *config) { c.outputs = lookup }
}

// WithOperator names who prepared (and will follow) the runbook; empty leaves a line to fill in.
func WithOperator(name string) Option { return func(c *config) { c.operator = name } }

// WithTime sets the "prepared at" time (default now); golden tests fix it.
func WithTime(t time.Time) Option { return func(c *config) { c.now = t } }

// Markdown writes the runbook as GitHub-flavoured Markdown. st may be nil (no run yet).
func Markdown(w io.Writer, p *plans.Plan, st *journal.State, opts ...Option) error {
	return writeMarkdown(w, build(p, st, opts))
}

// HTML writes the runbook as one self-contained, printable HTML file. st may be nil.
func HTML(w io.Writer, p *plans.Plan, st *journal.State, opts ...Option) error {
	return writeHTML(w, build(p, st, opts))
}
