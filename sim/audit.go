package sim

import (
	"bufio"
	"encoding/json"
	"io"
	"strings"
	"sync"
)

// auditLog keeps every call in memory (Server.Calls) and, when a writer is set, as JSON lines.
type auditLog struct {
	mu   sync.Mutex
	list []Call
	w    *bufio.Writer
	enc  *json.Encoder
	err  error
}

func newAuditLog(w io.Writer) *auditLog {
	a := &auditLog{}
	if w != nil {
		a.w = bufio.NewWriterSize(w, 64<<10)
		a.enc = json.NewEncoder(a.w)
	}
	return a
}

func (a *auditLog) record(c *call) {
	rec := Call{Service: c.svc.name, Operation: c.op, Account: c.account, Region: c.region, Mutating: isMutating(c.op), Code: c.code}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.list = append(a.list, rec)
	if a.enc != nil && a.err == nil {
		a.err = a.enc.Encode(rec)
	}
}

func (a *auditLog) calls() []Call {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]Call(nil), a.list...)
}

// flush writes buffered audit lines out.
func (a *auditLog) flush() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.w != nil && a.err == nil {
		a.err = a.w.Flush()
	}
	return a.err
}

func (a *auditLog) close() error { return a.flush() }

// readPrefixes start the names of operations that only read, across AWS's APIs.
var readPrefixes = []string{"Describe", "List", "Get", "Search", "Scan", "Query", "Select", "BatchGet", "Lookup", "Head", "Preview"}

// readOperations are read-only operations whose names do not say so.
var readOperations = map[string]bool{
	"AssumeRole": true, // hands out credentials, changes nothing in the account
	"Unknown":    true, // no operation could be named; nothing ran
}

// isMutating reports whether an operation changes anything: every operation that is not a
// Describe/List/Get/Search/... read.
func isMutating(op string) bool {
	if readOperations[op] {
		return false
	}
	for _, p := range readPrefixes {
		if strings.HasPrefix(op, p) {
			return false
		}
	}
	return true
}
