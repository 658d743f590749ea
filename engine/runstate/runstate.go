// Package runstate opens a state folder for a run: it takes the folder's lock, reads and checks the
// journal, pins the plan (plan.json is immutable once the first event is written) and opens the
// journal for appending. apply and resume go through Open; status reads the same files without
// taking anything (Inspect).
package runstate

import (
	"bytes"
	"errors"
	"fmt"
	"os"

	"github.com/lz2ct/lz2ct/journal"
	"github.com/lz2ct/lz2ct/plans"
	"github.com/lz2ct/lz2ct/statefolder"
)

// ErrBadInput marks errors that are the user's input (a plan that does not match the folder, a
// folder without a plan): the CLI exits with code 2 for them.
var ErrBadInput = errors.New("bad input")

// ErrLocked marks a folder another run holds (the error is a *statefolder.LockedError too).
var ErrLocked = errors.New("locked")

func badInput(format string, args ...any) error {
	return &inputError{fmt.Sprintf(format, args...)}
}

type inputError struct{ msg string }

func (e *inputError) Error() string        { return e.msg }
func (e *inputError) Is(target error) bool { return target == ErrBadInput }

// Options say which folder and plan to open, and who asks.
type Options struct {
	Dir string
	// Plan is the plan apply was given; nil = the folder's own plan.json (resume).
	Plan *plans.Plan
	// Command names the lock holder ("lz2ct apply").
	Command     string
	ForceUnlock bool
}

// Run is an open state folder: locked, its plan pinned, its journal read (Writer opens it for
// appending).
type Run struct {
	Folder  statefolder.Folder
	Plan    *plans.Plan
	State   *journal.State
	journal *journal.Writer
	lock    *statefolder.Held
	// Messages say what Open and Writer did that the user should know (a lock taken over, the plan
	// pinned, a torn journal line cut off).
	Messages []string
}

// Open prepares a state folder for a run. Nothing in it changes when Open fails, except a lock
// taken over from a dead process (which Open releases again).
func Open(opts Options) (*Run, error) {
	f := statefolder.Folder{Dir: opts.Dir}
	if opts.Plan == nil {
		if _, err := os.Stat(f.Path(statefolder.Plan)); err != nil {
			return nil, badInput("state folder %s has no %s: start a run with lz2ct apply --plan FILE", opts.Dir, statefolder.Plan)
		}
	}
	held, msg, err := f.Lock(statefolder.LockOptions{Command: opts.Command, ForceUnlock: opts.ForceUnlock})
	if err != nil {
		var le *statefolder.LockedError
		if errors.As(err, &le) {
			return nil, fmt.Errorf("%w: %w", ErrLocked, err)
		}
		return nil, err
	}
	r := &Run{Folder: f, lock: held}
	if msg != "" {
		r.Messages = append(r.Messages, msg)
	}
	fail := func(err error) (*Run, error) {
		held.Release()
		return nil, err
	}
	st, err := journal.Read(f.Dir)
	if err != nil {
		return fail(fmt.Errorf("the journal is damaged, so lz2ct cannot tell what was done (%w); nothing was changed. Restore journal.jsonl from a backup, or fix the named line by hand", err))
	}
	r.State = st
	p, pinMsg, err := pin(f, opts.Plan, st)
	if err != nil {
		return fail(err)
	}
	r.Plan = p
	if pinMsg != "" {
		r.Messages = append(r.Messages, pinMsg)
	}
	return r, nil
}

// Writer opens the journal for appending, once: only when the run is about to record something,
// so that a run the user cancels at the prompt leaves no journal (a journal marks a started run).
// A torn last line left by a crash is cut off here, with a message.
func (r *Run) Writer() (*journal.Writer, error) {
	if r.journal != nil {
		return r.journal, nil
	}
	w, err := journal.Open(r.Folder.Dir)
	if err != nil {
		return nil, err
	}
	if r.State.TornTail {
		r.Messages = append(r.Messages, "the journal's last line was cut short by a crash; it was removed (nothing depended on it)")
	}
	r.journal = w
	return w, nil
}

// Close closes the journal and releases the lock.
func (r *Run) Close() error {
	var err error
	if r.journal != nil {
		err = r.journal.Close()
	}
	if lerr := r.lock.Release(); err == nil {
		err = lerr
	}
	return err
}

// Holder is who holds the run's lock (this process).
func (r *Run) Holder() statefolder.Holder { return r.lock.Holder() }

// pin makes the folder's plan.json the plan of the run: written when absent, compared when present.
func pin(f statefolder.Folder, given *plans.Plan, st *journal.State) (*plans.Plan, string, error) {
	pinned, err := check(f, given, st)
	if err != nil {
		return nil, "", err
	}
	path := f.Path(statefolder.Plan)
	switch {
	case given == nil:
		return pinned, "", nil
	case pinned == nil:
		data, err := given.Encode()
		if err != nil {
			return nil, "", err
		}
		if err := f.WriteFile(statefolder.Plan, data); err != nil {
			return nil, "", err
		}
		return given, fmt.Sprintf("plan pinned in %s", path), nil
	}
	a, _ := pinned.Encode()
	b, err := given.Encode()
	if err != nil {
		return nil, "", err
	}
	if bytes.Equal(a, b) {
		return pinned, "", nil
	}
	// Nothing ran yet (check refused otherwise): the new plan replaces the pinned one.
	if err := f.WriteFile(statefolder.Plan, b); err != nil {
		return nil, "", err
	}
	return given, fmt.Sprintf("nothing had run yet: the new plan replaces the one pinned in %s", path), nil
}

// Compatible reports whether a plan may run in a state folder, changing nothing (lz2ct apply
// --dry-run checks it before it observes).
func Compatible(dir string, given *plans.Plan, st *journal.State) error {
	_, err := check(statefolder.Folder{Dir: dir}, given, st)
	return err
}

// check reads the folder's pinned plan (nil when there is none) and refuses a given plan that may
// not replace it: one for another organization, or any other plan once a run started.
func check(f statefolder.Folder, given *plans.Plan, st *journal.State) (*plans.Plan, error) {
	path := f.Path(statefolder.Plan)
	stored, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		if given == nil {
			return nil, badInput("state folder %s has no %s: start a run with lz2ct apply --plan FILE", f.Dir, statefolder.Plan)
		}
		if st.Events > 0 {
			return nil, fmt.Errorf("state folder %s has a journal but no %s: the folder is damaged; restore plan.json from a backup (never another plan)", f.Dir, statefolder.Plan)
		}
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	pinned, err := plans.Decode(stored)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if given == nil {
		return pinned, nil
	}
	a, err := pinned.Encode()
	if err != nil {
		return nil, err
	}
	b, err := given.Encode()
	if err != nil {
		return nil, err
	}
	switch {
	case bytes.Equal(a, b):
	case pinned.Organization != given.Organization:
		return nil, badInput("the plan is for organization %s, but state folder %s runs a plan for %s: give the state folder of %s with --state",
			given.Organization, f.Dir, pinned.Organization, given.Organization)
	case st.Events > 0 && pinned.SnapshotHash != given.SnapshotHash:
		return nil, badInput("the plan was made from another snapshot (%s) than the plan this state folder is running (%s); a plan cannot change once its run started: finish it with lz2ct resume, or start the new plan in a new state folder (--state)",
			orNone(given.SnapshotHash), orNone(pinned.SnapshotHash))
	case st.Events > 0:
		return nil, badInput("the plan differs from the plan state folder %s is running (same snapshot, other content); a plan cannot change once its run started: finish it with lz2ct resume, or start the new plan in a new state folder (--state)", f.Dir)
	}
	return pinned, nil
}

func orNone(s string) string {
	if s == "" {
		return "no snapshot hash"
	}
	return s
}
