package tui

import (
	"bytes"
	"context"
	"fmt"

	"github.com/lz2ct/lz2ct/awsapi"
	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/inventory/discover"
	"github.com/lz2ct/lz2ct/journal"
	"github.com/lz2ct/lz2ct/plans"
	"github.com/lz2ct/lz2ct/plans/runbook"
)

// discoverWith runs inventory/discover, turning its progress reports into the wizard's.
func discoverWith(ctx context.Context, c *awsapi.Clients, o LiveOptions, progress func(Progress)) (*inventory.Snapshot, error) {
	return discover.Run(ctx, c, discover.Options{Regions: o.Regions, Concurrency: o.Concurrency,
		Progress: func(p discover.Progress) {
			progress(Progress{Stage: p.Stage, AccountsDone: p.AccountsDone, AccountsTotal: p.AccountsTotal, Calls: p.Calls, Problems: p.Problems})
		}})
}

// writeRunbook renders the plan with plans/runbook, with the state folder's journal when it can be
// read (a session that has not applied anything has none: every step shows "not started").
func writeRunbook(path, format string, p *plans.Plan, stateDir string) error {
	var st *journal.State
	if stateDir != "" {
		if s, err := journal.Read(stateDir); err == nil {
			st = s
		}
	}
	var buf bytes.Buffer
	var err error
	switch format {
	case "md":
		err = runbook.Markdown(&buf, p, st)
	case "html":
		err = runbook.HTML(&buf, p, st)
	default:
		return fmt.Errorf("runbook format %q: use md or html", format)
	}
	if err != nil {
		return fmt.Errorf("render the %s runbook: %w", format, err)
	}
	return inventory.WriteFileAtomic(path, buf.Bytes(), 0o644)
}
