package sim

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"sync"
)

// auditLog streams one JSON line per answered call: to Options.AuditLog as the call is answered
// (one write per line, so `tail -f` and a test reading the file see it at once), and to a spool
// file of its own that Server.Calls reads back. Nothing is kept in memory per call, so a simulator
// serving millions of calls stays small; the spool is unlinked at creation and vanishes with the
// process.
type auditLog struct {
	mu       sync.Mutex
	out      io.Writer
	spool    *os.File
	spoolBuf *bufio.Writer
	mem      []Call // only when no spool file could be created
	line     []byte
	calls    int
	mutating int
	err      error
}

func newAuditLog(w io.Writer) *auditLog {
	a := &auditLog{out: w}
	f, err := os.CreateTemp("", "lz2ct-sim-audit-*.jsonl")
	if err != nil {
		return a // Calls falls back to memory
	}
	_ = os.Remove(f.Name()) // the open file stays readable; nothing is left behind
	a.spool, a.spoolBuf = f, bufio.NewWriterSize(f, 64<<10)
	// The spool outlives Close (Calls still works after it); the file closes with the log.
	runtime.AddCleanup(a, func(f *os.File) { f.Close() }, f)
	return a
}

func (a *auditLog) record(rec Call) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.calls++
	if rec.Mutating {
		a.mutating++
	}
	line, err := json.Marshal(rec)
	if err != nil {
		a.err = err
		return
	}
	a.line = append(append(a.line[:0], line...), '\n')
	if a.out != nil && a.err == nil {
		if _, err := a.out.Write(a.line); err != nil {
			a.err = fmt.Errorf("audit log: %w", err)
		}
	}
	if a.spoolBuf == nil {
		a.mem = append(a.mem, rec)
		return
	}
	if _, err := a.spoolBuf.Write(a.line); err != nil && a.err == nil {
		a.err = fmt.Errorf("audit spool: %w", err)
	}
}

// calls reads every call answered so far back from the spool.
func (a *auditLog) callList() ([]Call, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.spoolBuf == nil {
		return append([]Call(nil), a.mem...), nil
	}
	if err := a.spoolBuf.Flush(); err != nil {
		return nil, err
	}
	st, err := a.spool.Stat()
	if err != nil {
		return nil, err
	}
	data := make([]byte, st.Size())
	if _, err := a.spool.ReadAt(data, 0); err != nil && err != io.EOF {
		return nil, err
	}
	out := make([]Call, 0, a.calls)
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			break
		}
		var c Call
		if err := json.Unmarshal(data[:i], &c); err != nil {
			return nil, fmt.Errorf("audit spool: %w", err)
		}
		out = append(out, c)
		data = data[i+1:]
	}
	return out, nil
}

func (a *auditLog) stats() (calls, mutating int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.calls, a.mutating
}

// close reports the first write error; the spool stays readable.
func (a *auditLog) close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.spoolBuf != nil {
		_ = a.spoolBuf.Flush()
	}
	return a.err
}

// readPrefixes start the names of operations that only read, across AWS's APIs.
var readPrefixes = []string{"Describe", "List", "Get", "Search", "Scan", "Query", "Select", "BatchGet", "Lookup", "Head", "Preview"}

// readOperations are read-only operations whose names do not say so.
var readOperations = map[string]bool{
	"AssumeRole": true, // hands out credentials, changes nothing in the account
	"Unknown":    true, // no operation could be named; nothing ran
}

// isMutating reports whether an operation changes anything: every operation that is not a
// Describe/List/Get/Search/... read. REST operations of services the simulator does not know are
// named "METHOD /path": they read when the method is GET or HEAD.
func isMutating(op string) bool {
	if readOperations[op] {
		return false
	}
	if m, _, ok := strings.Cut(op, " /"); ok {
		return m != "GET" && m != "HEAD"
	}
	for _, p := range readPrefixes {
		if strings.HasPrefix(op, p) {
			return false
		}
	}
	return true
}
