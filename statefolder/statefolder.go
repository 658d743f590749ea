// Package statefolder owns the layout of a migration's state folder (default
// ./.lz2ct/<organization-id>/): which file holds what, and that the folder and its files are private
// to their owner (0700 and 0600), because they hold the organization's structure, e-mail addresses
// and policy documents. The session layer, the engine, the journal and the runbook find every file
// through it. docs/state.md describes the folder.
package statefolder

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/lz2ct/lz2ct/inventory"
)

// Permissions of the folder and of every file lz2ct writes into it.
const (
	DirPerm  os.FileMode = 0o700
	FilePerm os.FileMode = 0o600
)

// File names inside a state folder.
const (
	Snapshot    = "snapshot.json"
	Settings    = "settings.yaml"
	Plan        = "plan.json"
	Journal     = "journal.jsonl"
	Lock        = "lock"
	RunbookMD   = "runbook.md"
	RunbookHTML = "runbook.html"
	// Exports is the folder of the safeguard exports (SCP documents, templates, parameters, ...).
	Exports = "exports"
)

// Default is the state folder of an organization when none is given.
func Default(organizationID string) string { return filepath.Join(".lz2ct", organizationID) }

// Folder is one state folder.
type Folder struct{ Dir string }

// Path returns the path of a file (one of the names above) in the folder.
func (f Folder) Path(name string) string { return filepath.Join(f.Dir, name) }

// Ensure creates the folder (and its exports folder) private to the owner; an existing folder
// that others can read is tightened, since it may predate this rule.
func (f Folder) Ensure() error {
	for _, d := range []string{f.Dir, f.Path(Exports)} {
		if err := os.MkdirAll(d, DirPerm); err != nil {
			return fmt.Errorf("state folder %s: %w", f.Dir, err)
		}
		if err := os.Chmod(d, DirPerm); err != nil {
			return fmt.Errorf("state folder %s: %w", f.Dir, err)
		}
	}
	return nil
}

// WriteFile writes a file into the folder atomically, readable by the owner only.
func (f Folder) WriteFile(name string, data []byte) error {
	if err := f.Ensure(); err != nil {
		return err
	}
	return inventory.WriteFileAtomic(f.Path(name), data, FilePerm)
}
