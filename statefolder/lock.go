package statefolder

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"strings"
	"time"
)

// Holder names who holds a state folder's lock, so a second apply or resume can say who to ask.
type Holder struct {
	Host    string    `json:"host"`
	PID     int       `json:"pid"`
	User    string    `json:"user"`
	Since   time.Time `json:"since"`
	Command string    `json:"command"`
}

func (h Holder) String() string {
	cmd := h.Command
	if cmd == "" {
		cmd = "lz2ct"
	}
	return fmt.Sprintf("%s (pid %d, user %s, host %s, since %s)", cmd, h.PID, h.User, h.Host, h.Since.UTC().Format(time.RFC3339))
}

// LockedError says the folder is held by another run.
type LockedError struct {
	Dir    string
	Holder Holder
	// OtherHost is true when the holder runs on another machine: lz2ct cannot tell whether it is
	// still alive, so only --force-unlock takes the lock over.
	OtherHost bool
}

func (e *LockedError) Error() string {
	if e.OtherHost {
		return fmt.Sprintf("state folder %s is locked by %s, on another machine: if that run is over (the machine stopped or lost the folder), run again with --force-unlock", e.Dir, e.Holder)
	}
	return fmt.Sprintf("state folder %s is in use by %s: wait for it to finish, or stop it (ctrl+c once stops it at a safe point) and run lz2ct resume", e.Dir, e.Holder)
}

// LockOptions say who asks for the lock.
type LockOptions struct {
	// Command names the holder's command in messages, e.g. "lz2ct apply".
	Command string
	// ForceUnlock takes over a lock held on another machine.
	ForceUnlock bool
}

// Held is a held state-folder lock. The file DIR/lock names the holder while it is held and is
// empty once released. On the holder's machine an advisory lock on the file (flock) decides who
// holds it, and the kernel drops it when the process dies, so a crashed run never blocks the
// next one on the same machine; the names in the file serve the messages and other machines.
type Held struct {
	f      *os.File
	holder Holder
}

// Holder is who holds the lock (this process).
func (l *Held) Holder() Holder { return l.holder }

// Lock takes the folder's lock. It fails with a *LockedError when another live run on this machine
// holds it, or when a run on another machine is named in it and opts.ForceUnlock is false. When it
// takes over a lock left behind (a process that died, or another machine with --force-unlock), the
// returned message says whose.
func (f Folder) Lock(opts LockOptions) (*Held, string, error) {
	if err := f.Ensure(); err != nil {
		return nil, "", err
	}
	file, err := os.OpenFile(f.Path(Lock), os.O_RDWR|os.O_CREATE, FilePerm)
	if err != nil {
		return nil, "", fmt.Errorf("open the lock of state folder %s: %w", f.Dir, err)
	}
	me := currentHolder(opts.Command)
	got, err := tryLock(file)
	if err != nil {
		file.Close()
		return nil, "", fmt.Errorf("lock state folder %s: %w", f.Dir, err)
	}
	prev, perr := readHolder(file)
	if !got {
		file.Close()
		if perr != nil || prev == nil {
			prev = &Holder{Host: me.Host, User: "?", Command: "another lz2ct"}
		}
		return nil, "", &LockedError{Dir: f.Dir, Holder: *prev}
	}
	msg := ""
	if perr != nil {
		msg = fmt.Sprintf("the lock file of %s was unreadable (%v); taking it over", f.Dir, perr)
	} else if prev != nil {
		if prev.Host != me.Host {
			if !opts.ForceUnlock {
				unlock(file)
				file.Close()
				return nil, "", &LockedError{Dir: f.Dir, Holder: *prev, OtherHost: true}
			}
			msg = fmt.Sprintf("took over the lock of %s by --force-unlock", prev)
		} else {
			msg = fmt.Sprintf("took over the lock left by %s: that process is no longer running", prev)
		}
	}
	if err := writeHolder(file, me); err != nil {
		unlock(file)
		file.Close()
		return nil, "", fmt.Errorf("write the lock of state folder %s: %w", f.Dir, err)
	}
	return &Held{f: file, holder: me}, msg, nil
}

// Release empties the lock file and lets go of it. Releasing twice is harmless.
func (l *Held) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Truncate(0)
	if err == nil {
		err = l.f.Sync()
	}
	unlock(l.f)
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	return err
}

// ReadLock returns who the lock file names (nil when nobody) and whether that holder is alive as
// far as this machine can tell (another machine's holder counts as alive). For status displays;
// it takes nothing.
func (f Folder) ReadLock() (*Holder, bool, error) {
	file, err := os.Open(f.Path(Lock))
	if errors.Is(err, os.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	defer file.Close()
	h, err := readHolder(file)
	if err != nil || h == nil {
		return nil, false, err
	}
	host, _ := os.Hostname()
	if h.Host != host {
		return h, true, nil
	}
	return h, held(f.Path(Lock)), nil
}

func currentHolder(command string) Holder {
	host, _ := os.Hostname()
	return Holder{Host: host, PID: os.Getpid(), User: CurrentUser(), Since: time.Now().UTC().Truncate(time.Second), Command: command}
}

// CurrentUser names the person running lz2ct for locks and confirmations: the OS user name.
func CurrentUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	return "unknown"
}

func readHolder(file *os.File) (*Holder, error) {
	if _, err := file.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(file, 64<<10))
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(string(data)) == "" {
		return nil, nil
	}
	var h Holder
	if err := json.Unmarshal(data, &h); err != nil {
		return nil, fmt.Errorf("not a lock holder: %w", err)
	}
	return &h, nil
}

func writeHolder(file *os.File, h Holder) error {
	data, err := json.Marshal(h)
	if err != nil {
		return err
	}
	if err := file.Truncate(0); err != nil {
		return err
	}
	if _, err := file.WriteAt(append(data, '\n'), 0); err != nil {
		return err
	}
	return file.Sync()
}
