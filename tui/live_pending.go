package tui

import (
	"context"
	"fmt"

	"github.com/lz2ct/lz2ct/awsapi"
	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/plans"
)

// discoverWith runs inventory/discover. Until that package lands this reports ErrNotAvailable.
func discoverWith(ctx context.Context, c *awsapi.Clients, o LiveOptions, progress func(Progress)) (*inventory.Snapshot, error) {
	return nil, fmt.Errorf("discovery: %w", ErrNotAvailable)
}

// writeRunbook runs plans/runbook. Until that package lands this reports ErrNotAvailable.
func writeRunbook(path, format string, p *plans.Plan, stateDir string) error {
	return fmt.Errorf("runbook: %w", ErrNotAvailable)
}
