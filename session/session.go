// Package session is the migration session every front-end runs: connect to the organization,
// discover it (read-only), run the pre-checks, build the plan and print it as a runbook, and keep
// what each step produced in the state folder. The CLI commands (discover, check, plan, runbook),
// `lz2ct demo` and the wizard all call it, so the path from credentials to a plan exists once.
//
// The layers, top to bottom:
//
//	cli (commands, the wizard's adapter)  ->  session  ->  inventory/discover, checks, plans, plans/runbook
//	                                              \->  statefolder (layout, 0700/0600), journal
//
// The session owns the state folder's files through statefolder: nothing else writes them, every
// file is private to its owner, and once a run has started (a journal exists) the folder's
// plan.json is the plan that run executes and is never rewritten (ErrRunStarted).
//
// Executing a plan (apply, resume, status) belongs to the engine; a front-end reaches it through
// this package too, on a Folder, so that locking, the journal and the plan file stay in one place.
package session

import (
	"errors"
	"fmt"
	"os"

	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/statefolder"
)

// ErrRunStarted is returned when writing a state folder's plan.json after a run has started from
// it: the journal's step statuses belong to that plan, so it must stay as it is.
var ErrRunStarted = errors.New("a run has started from this state folder's plan")

// WriteFile writes a file lz2ct produces outside a state folder (an -o FILE): atomically, and
// private to its owner like the state folder's own files, since it holds the same data (the
// organization's structure, e-mail addresses, policy documents).
func WriteFile(path string, data []byte) error {
	return inventory.WriteFileAtomic(path, data, statefolder.FilePerm)
}

// exists reports whether path exists; an error other than "does not exist" is returned as is,
// so that an unreadable folder is not mistaken for an empty one.
func exists(path string) (bool, error) {
	_, err := os.Stat(path)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, os.ErrNotExist):
		return false, nil
	default:
		return false, fmt.Errorf("state folder: %w", err)
	}
}
