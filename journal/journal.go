// Package journal is the state folder's record of a migration run: an append-only JSON-lines file
// (DIR/journal.jsonl), one event per line, each line fsync'd before the engine goes on. The engine
// appends to it; the runbook, the wizard and a resumed run read it back as the status of every
// step. The format is documented in docs/state.md.
package journal

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/lz2ct/lz2ct/statefolder"
)

// File names inside a state folder.
const (
	FileName     = "journal.jsonl" // the journal itself
	PlanFileName = "plan.json"     // the immutable plan the run executes
)

// Path returns the journal file of the state folder dir.
func Path(dir string) string { return filepath.Join(dir, FileName) }

// PlanPath returns the plan file of the state folder dir.
func PlanPath(dir string) string { return filepath.Join(dir, PlanFileName) }

// Kind is what happened to a step.
type Kind string

// Event kinds. A step's events come in the order started, [intent], [operation...], [output...],
// succeeded|failed (or waiting, for a manual step); a retry starts again with started. docs/state.md
// gives the crash rules each one serves.
const (
	EventStarted   Kind = "started"
	EventSucceeded Kind = "succeeded"
	EventFailed    Kind = "failed"
	// Intent is written before a mutating AWS call, with the idempotency token the call carries
	// when the API has one. A resumed run that finds an intent without a later outcome knows the
	// call may have reached AWS: it observes before calling again, and sends the same token.
	EventIntent Kind = "intent"
	// Operation records an asynchronous AWS operation ID (a Control Tower operation, a StackSet
	// operation, a Service Catalog record) before the engine waits on it, so a resumed run
	// re-attaches to it instead of starting a second one.
	EventOperation Kind = "operation"
	// Output records a value later steps reference (an account ID, an OU ID), before succeeded.
	EventOutput Kind = "output"
	// Waiting says a manual step waits for the operator's confirmation.
	EventWaiting Kind = "waiting"
	// Confirmed records the operator's confirmation of a manual step: who, when, a note.
	EventConfirmed Kind = "confirmed"
	// Run is about the run, not a step (step is empty): who started or stopped it, and why.
	EventRun Kind = "run"
)

var kinds = []Kind{EventStarted, EventIntent, EventOperation, EventOutput, EventSucceeded, EventFailed, EventWaiting, EventConfirmed, EventRun}

func (k Kind) valid() bool {
	for _, v := range kinds {
		if k == v {
			return true
		}
	}
	return false
}

// Event is one line of the journal. Which fields an event carries depends on its kind (docs/state.md).
type Event struct {
	Time  time.Time `json:"time"`
	Step  string    `json:"step,omitempty"`
	Event Kind      `json:"event"`
	// OperationID is the asynchronous AWS operation (operation). On a failed event it names an
	// operation whose outcome is unknown (the engine gave up waiting on it): it stays open, and
	// the next attempt re-attaches to it.
	OperationID string `json:"operationId,omitempty"`
	// Action says what the mutating call changes, in words (intent).
	Action string `json:"action,omitempty"`
	// Token is the idempotency token the call sends (intent; empty when the API has none).
	Token string `json:"token,omitempty"`
	// Output and Value are a step output's name and value (output).
	Output string `json:"output,omitempty"`
	Value  string `json:"value,omitempty"`
	// By is who confirmed a manual step or ran lz2ct (confirmed, run).
	By string `json:"by,omitempty"`
	// Note is the operator's note (confirmed), how a step came to be done (succeeded), or what
	// happened to the run (run).
	Note  string `json:"note,omitempty"`
	Error string `json:"error,omitempty"`
	// Advice says what to do about a failure (failed).
	Advice string `json:"advice,omitempty"`
	// TimeScale is how many times faster than AWS the run went (run), when it was not real time
	// (a demo against the simulator): its durations are AWS's divided by it.
	TimeScale float64 `json:"timeScale,omitempty"`
}

// Validate reports what is wrong with one event, naming the field.
func (e Event) Validate() error {
	switch {
	case e.Time.IsZero():
		return errors.New(`"time" is missing: every event needs an RFC 3339 time`)
	case !e.Event.valid():
		return fmt.Errorf(`"event" is %q: want one of %s`, e.Event, kindList())
	case e.Event != EventRun && strings.TrimSpace(e.Step) == "":
		return errors.New(`"step" is missing: every event names the plan step it belongs to`)
	case e.Event == EventRun && e.Step != "":
		return errors.New(`"step" is set on a run event: run events are about the whole run`)
	case e.Event == EventRun && e.Note == "":
		return errors.New(`"note" is missing: a run event says what happened to the run`)
	case e.Event == EventOperation && e.OperationID == "":
		return errors.New(`"operationId" is missing: an operation event records the AWS operation ID`)
	case e.Event == EventIntent && e.Action == "":
		return errors.New(`"action" is missing: an intent event says what the call changes`)
	case e.Event == EventOutput && (e.Output == "" || e.Value == ""):
		return errors.New(`"output" or "value" is missing: an output event records a named, non-empty value`)
	case e.Event == EventConfirmed && e.By == "":
		return errors.New(`"by" is missing: a confirmed event names who confirmed`)
	case e.Event == EventFailed && e.Error == "":
		return errors.New(`"error" is missing: a failed event says what went wrong`)
	}
	return nil
}

func kindList() string {
	s := make([]string, len(kinds))
	for i, k := range kinds {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}

// Status is where one step stands.
type Status string

// Step statuses, as the runbook shows them.
const (
	NotStarted Status = "not started"
	Running    Status = "running"
	Done       Status = "done"
	Failed     Status = "failed"
	// Waiting is a manual step waiting for the operator's confirmation.
	Waiting Status = "waiting"
)

// StepState is the summary of one step's events.
type StepState struct {
	Step   string
	Status Status
	// Attempts counts started events (0 when the step only has an operation event).
	Attempts int
	// OperationID is the last AWS operation recorded for the step.
	OperationID string
	// OperationOpen is true while that operation has no outcome in the journal: a resumed run
	// re-attaches to it.
	OperationOpen bool
	// IntentOpen is true when a mutating call was announced and no outcome followed: the call may
	// or may not have reached AWS, so the step observes before calling again.
	IntentOpen bool
	// Token is the idempotency token of the last intent; TokenSpent is true once an outcome
	// (failed) followed it, so a new attempt needs a fresh token. SpentTokens counts them.
	Token       string
	TokenSpent  bool
	SpentTokens int
	// Confirmed is the operator's confirmation of a manual step; a later failure clears it (the
	// step needs a new confirmation).
	Confirmed Confirmation
	// Error is the error of the last failed attempt and Advice what to do about it; cleared when
	// a later attempt succeeds.
	Error, Advice string
	// Note is how the step came to be done (e.g. "already in place"), from its succeeded event.
	Note string
	// Started is the time of the first event; Updated the time of the last.
	Started, Updated time.Time
}

// Confirmation is a manual step's confirmation; By is empty when there is none.
type Confirmation struct {
	By   string
	At   time.Time
	Note string
}

// State is the journal summarized per step.
type State struct {
	Dir   string
	Steps map[string]StepState
	// Events is the number of events read.
	Events int
	// TornTail is true when the last line was cut short (a crash mid-write); it was ignored.
	TornTail bool
	// Last is the time of the newest event (zero for an empty journal).
	Last time.Time
	// Runs are the run events, in the order written.
	Runs []Event

	outputs map[string]map[string]string
}

// Output returns the value a step recorded for an output name; it has the signature
// plans.Value.Resolve takes.
func (s *State) Output(step, name string) (string, bool) {
	if s == nil {
		return "", false
	}
	v, ok := s.outputs[step][name]
	return v, ok
}

// Outputs returns a copy of the outputs a step recorded.
func (s *State) Outputs(step string) map[string]string {
	if s == nil || len(s.outputs[step]) == 0 {
		return nil
	}
	out := make(map[string]string, len(s.outputs[step]))
	for k, v := range s.outputs[step] {
		out[k] = v
	}
	return out
}

// Step returns the state of one step; steps without events are NotStarted.
func (s *State) Step(id string) StepState {
	if s != nil {
		if st, ok := s.Steps[id]; ok {
			return st
		}
	}
	return StepState{Step: id, Status: NotStarted}
}

// Count returns how many steps of ids are in each status (ids without events count as NotStarted).
func (s *State) Count(ids []string) map[Status]int {
	out := map[Status]int{}
	for _, id := range ids {
		out[s.Step(id).Status]++
	}
	return out
}

// IDs returns the step IDs that have events, sorted.
func (s *State) IDs() []string {
	if s == nil {
		return nil
	}
	ids := make([]string, 0, len(s.Steps))
	for id := range s.Steps {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// Read reads DIR/journal.jsonl. A state folder without a journal yet is a run that has not
// started: every step is NotStarted. A missing folder is an error, since it is most likely a typo.
func Read(dir string) (*State, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("state folder %s: %w (give the folder the run was started with, e.g. .lz2ct/<organization-id>)", dir, err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("state folder %s is a file, not a folder: give the folder that holds %s", dir, FileName)
	}
	f, err := os.Open(Path(dir))
	if errors.Is(err, os.ErrNotExist) {
		return &State{Dir: dir, Steps: map[string]StepState{}, outputs: map[string]map[string]string{}}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read journal: %w", err)
	}
	defer f.Close()
	st, err := Decode(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", Path(dir), err)
	}
	st.Dir = dir
	return st, nil
}

// Decode reads journal lines from r and summarizes them. A malformed line is an error naming its
// line number. A last line without its newline is a write cut short by a crash and is ignored
// (TornTail), parsable or not: the engine only goes on after the fsync of a whole line, so
// nothing depended on it, and the next Open cuts it off.
func Decode(r io.Reader) (*State, error) {
	st := &State{Steps: map[string]StepState{}, outputs: map[string]map[string]string{}}
	torn, err := scan(r, st.Apply)
	if err != nil {
		return nil, err
	}
	st.TornTail = torn
	return st, nil
}

// ReadEvents returns every event of DIR/journal.jsonl in the order written (a torn last line is
// left out, as in Read): for a resumed run that needs more than each step's summary.
func ReadEvents(dir string) ([]Event, error) {
	f, err := os.Open(Path(dir))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read journal: %w", err)
	}
	defer f.Close()
	var evs []Event
	if _, err := scan(f, func(e Event) { evs = append(evs, e) }); err != nil {
		return nil, fmt.Errorf("%s: %w", Path(dir), err)
	}
	return evs, nil
}

// scan calls fn for each valid event and reports whether the last line was torn.
func scan(r io.Reader, fn func(Event)) (torn bool, err error) {
	br := bufio.NewReaderSize(r, 64<<10)
	for line := 1; ; line++ {
		raw, rerr := br.ReadBytes('\n')
		if rerr != nil && rerr != io.EOF {
			return false, fmt.Errorf("line %d: %w", line, rerr)
		}
		complete := len(raw) > 0 && raw[len(raw)-1] == '\n'
		if text := bytes.TrimSpace(raw); len(text) > 0 {
			// A last line without its newline is torn even when it parses: the write was cut
			// short, the engine never went on, and Open cuts it off, so reading it would show a
			// status the journal is about to lose.
			if !complete {
				torn = true
			} else if ev, perr := parseLine(text); perr != nil {
				return false, fmt.Errorf("line %d: %w", line, perr)
			} else {
				fn(ev)
			}
		}
		if rerr == io.EOF {
			return torn, nil
		}
	}
}

func parseLine(text []byte) (Event, error) {
	var ev Event
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ev); err != nil {
		return ev, fmt.Errorf("not a journal event: %w", err)
	}
	if dec.More() {
		return ev, errors.New("not a journal event: more than one JSON value on the line")
	}
	if err := ev.Validate(); err != nil {
		return ev, err
	}
	return ev, nil
}

// NewState returns an empty state, for a run that folds its own events in with Apply.
func NewState() *State {
	return &State{Steps: map[string]StepState{}, outputs: map[string]map[string]string{}}
}

// Apply folds one (valid) event into the step's summary; readers call it for every line, and the
// engine for every event it writes, so both see the same state. The last event decides the status:
// a retry after a failure is running again, a success after a failure is done.
func (s *State) Apply(ev Event) {
	s.Events++
	if ev.Time.After(s.Last) {
		s.Last = ev.Time
	}
	if ev.Event == EventRun {
		s.Runs = append(s.Runs, ev)
		return
	}
	cur, ok := s.Steps[ev.Step]
	if !ok {
		cur = StepState{Step: ev.Step, Status: NotStarted, Started: ev.Time}
	}
	cur.Updated = ev.Time
	switch ev.Event {
	case EventStarted:
		cur.Attempts++
		cur.Status = Running
	case EventIntent:
		cur.Status = Running
		cur.IntentOpen = true
		if ev.Token != "" && (ev.Token != cur.Token || cur.TokenSpent) {
			cur.Token, cur.TokenSpent = ev.Token, false
		}
	case EventOperation:
		cur.Status = Running
		cur.OperationID = ev.OperationID
		cur.OperationOpen = true
	case EventOutput:
		if s.outputs[ev.Step] == nil {
			s.outputs[ev.Step] = map[string]string{}
		}
		s.outputs[ev.Step][ev.Output] = ev.Value
	case EventWaiting:
		cur.Status = Waiting
	case EventConfirmed:
		cur.Confirmed = Confirmation{By: ev.By, At: ev.Time, Note: ev.Note}
	case EventSucceeded:
		cur.Status = Done
		cur.Error, cur.Advice, cur.Note = "", "", ev.Note
		cur.IntentOpen, cur.OperationOpen = false, false
	case EventFailed:
		cur.Status = Failed
		cur.Error, cur.Advice = ev.Error, ev.Advice
		cur.Confirmed = Confirmation{}
		if ev.OperationID != "" {
			// The engine gave up waiting on an operation whose outcome it does not know: it may
			// still run in AWS, so the next attempt re-attaches and the token stays in use.
			cur.OperationID, cur.OperationOpen = ev.OperationID, true
			break
		}
		cur.IntentOpen, cur.OperationOpen = false, false
		if cur.Token != "" && !cur.TokenSpent {
			cur.TokenSpent = true
			cur.SpentTokens++
		}
	}
	s.Steps[ev.Step] = cur
}

// Writer appends events to a journal; each Append is written as one line and fsync'd before it
// returns. It is safe for concurrent use.
type Writer struct {
	mu sync.Mutex
	f  *os.File
}

// Open opens (creating if needed) the journal of state folder dir for appending. A torn last line
// left by a crash is cut off first, so the next event starts on a line of its own.
func Open(dir string) (*Writer, error) {
	if err := os.MkdirAll(dir, statefolder.DirPerm); err != nil {
		return nil, fmt.Errorf("create state folder: %w", err)
	}
	// The journal names accounts, OUs and e-mail addresses: private to the owner (docs/state.md).
	f, err := os.OpenFile(Path(dir), os.O_RDWR|os.O_CREATE|os.O_APPEND, statefolder.FilePerm)
	if err != nil {
		return nil, fmt.Errorf("open journal: %w", err)
	}
	if err := cutTornTail(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("repair journal %s: %w", Path(dir), err)
	}
	// A new file's directory entry must be durable too, or a crash could lose the whole journal.
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // not every filesystem supports syncing a folder
		d.Close()
	}
	return &Writer{f: f}, nil
}

// cutTornTail truncates f after its last newline when the file does not end with one.
func cutTornTail(f *os.File) error {
	fi, err := f.Stat()
	if err != nil || fi.Size() == 0 {
		return err
	}
	size := fi.Size()
	buf := make([]byte, 4096)
	for end := size; end > 0; {
		start := max(end-int64(len(buf)), 0)
		n, err := f.ReadAt(buf[:end-start], start)
		if err != nil && err != io.EOF {
			return err
		}
		chunk := buf[:n]
		if end == size && len(chunk) > 0 && chunk[len(chunk)-1] == '\n' {
			return nil // not torn
		}
		if i := bytes.LastIndexByte(chunk, '\n'); i >= 0 {
			return truncateSync(f, start+int64(i)+1)
		}
		end = start
	}
	return truncateSync(f, 0)
}

func truncateSync(f *os.File, size int64) error {
	if err := f.Truncate(size); err != nil {
		return err
	}
	return f.Sync()
}

// Append writes one event and fsyncs it. A zero Time is set to now (UTC).
func (w *Writer) Append(ev Event) error {
	if ev.Time.IsZero() {
		ev.Time = time.Now().UTC()
	}
	if err := ev.Validate(); err != nil {
		return fmt.Errorf("journal event for step %q: %w", ev.Step, err)
	}
	line, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("encode journal event: %w", err)
	}
	line = append(line, '\n')
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		return errors.New("journal is closed")
	}
	// One write call per line (O_APPEND): a crash leaves at most one torn line, which Read
	// ignores and Open cuts off.
	if _, err := w.f.Write(line); err != nil {
		return fmt.Errorf("write journal: %w", err)
	}
	if err := w.f.Sync(); err != nil {
		return fmt.Errorf("sync journal: %w", err)
	}
	return nil
}

// Close closes the journal file.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		return nil
	}
	err := w.f.Close()
	w.f = nil
	return err
}

// Append opens the journal of dir, appends one event with fsync, and closes it: for callers that
// write rarely. The engine keeps a Writer open instead.
func Append(dir string, ev Event) error {
	w, err := Open(dir)
	if err != nil {
		return err
	}
	if err := w.Append(ev); err != nil {
		w.Close()
		return err
	}
	return w.Close()
}
