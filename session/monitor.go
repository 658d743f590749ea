package session

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/lz2ct/lz2ct/engine"
	"github.com/lz2ct/lz2ct/engine/hooks"
	"github.com/lz2ct/lz2ct/engine/resources"
	"github.com/lz2ct/lz2ct/engine/runstate"
	"github.com/lz2ct/lz2ct/journal"
	"github.com/lz2ct/lz2ct/plans"
	"github.com/lz2ct/lz2ct/steps"
)

// Monitor is a hook that keeps a live picture of a run for a dashboard: the journal's statuses
// folded from the events (the same fold the journal's readers do), the Control Tower queue, the
// work in flight, failures, manual steps waiting, the organization-ID gate and the progress lines.
// Handle never blocks the engine; a dashboard reads Status when Changed says something happened.
type Monitor struct {
	plan    *plans.Plan
	dir     string
	scale   float64
	order   []*plans.Step
	phaseOf map[string]int
	ct      map[string]bool

	mu      sync.Mutex
	st      *journal.State
	log     []string // ring of the newest progress lines
	logNext int
	logFull bool
	gate    string
	notes   map[string]string // what a waiting step asks of the operator (its waiting event)
	// picked are waiting steps confirmed since they last waited: the run takes them up next, so
	// they no longer wait for the operator (the dashboard must not offer them again).
	picked  map[string]bool
	running bool
	changed chan struct{}
}

// MonitorLogLines is how many progress lines a Monitor keeps.
const MonitorLogLines = 1000

// NewMonitor watches a run of p in dir whose journal read st (nil = nothing recorded yet); scale is
// the run's time scale (0 or 1 = real time).
func NewMonitor(p *plans.Plan, dir string, st *journal.State, scale float64) (*Monitor, error) {
	order, err := engine.ExecutionOrder(p)
	if err != nil {
		return nil, err
	}
	if scale <= 0 {
		scale = 1
	}
	m := &Monitor{plan: p, dir: dir, scale: scale, order: order, phaseOf: map[string]int{}, ct: map[string]bool{},
		st: journal.NewState(), log: make([]string, MonitorLogLines), changed: make(chan struct{}, 1), notes: map[string]string{},
		picked: map[string]bool{}}
	if st != nil && st.Events > 0 {
		// A copy: the engine folds its own state from the same events.
		evs, err := journal.ReadEvents(dir)
		if err != nil {
			return nil, err
		}
		for _, ev := range evs {
			m.apply(ev)
		}
	}
	for _, ph := range p.Phases {
		for _, s := range ph.Steps {
			m.phaseOf[s.ID] = ph.Number
		}
	}
	for _, s := range order {
		m.ct[s.ID] = controlTowerStep(s)
	}
	return m, nil
}

// controlTowerStep reports whether a step is one of Control Tower's operations (they queue one at
// a time): what its kind claims. A kind without an implementation never runs, so it is not queued.
var controlTowerStep = func(s *plans.Step) bool {
	im, ok := steps.Lookup(s.Kind)
	return ok && s.Params != nil && resources.IsControlTower(im.Claims(s.Params))
}

// Handle folds one event in and signals Changed.
func (m *Monitor) Handle(ev hooks.Event) error {
	m.mu.Lock()
	if j, ok := hooks.JournalEvent(ev); ok {
		m.apply(j)
	}
	switch ev.Type {
	case hooks.Waiting:
		m.notes[ev.StepID()] = ev.Note
	case hooks.Gate:
		m.gate = ev.Note
	case hooks.Started:
		if ev.Step != nil && m.gate != "" && engine.NeedsOrganizationTyped(m.phaseID(ev.Step.ID), ev.Step) {
			m.gate = "" // the organization ID was typed: gated steps start
		}
	}
	if line := hooks.Line(ev); line != "" {
		for _, l := range strings.Split(line, "\n") {
			m.log[m.logNext] = l
			m.logNext = (m.logNext + 1) % len(m.log)
			m.logFull = m.logFull || m.logNext == 0
		}
	}
	m.mu.Unlock()
	m.signal()
	return nil
}

// apply folds one journal event in. A confirmation leaves the step's status "waiting" until the
// run starts it again; until then (started, waiting again, done, failed) it waits for the run.
func (m *Monitor) apply(ev journal.Event) {
	m.st.Apply(ev)
	switch ev.Event {
	case journal.EventConfirmed:
		m.picked[ev.Step] = true
	case journal.EventStarted, journal.EventWaiting, journal.EventSucceeded, journal.EventFailed:
		delete(m.picked, ev.Step)
	}
}

func (m *Monitor) phaseID(step string) string {
	if n, ok := m.phaseOf[step]; ok && n < len(plans.PhaseIDs) {
		return plans.PhaseIDs[n]
	}
	return ""
}

// Changed receives a value after events arrived (several events may share one).
func (m *Monitor) Changed() <-chan struct{} { return m.changed }

func (m *Monitor) signal() {
	select {
	case m.changed <- struct{}{}:
	default:
	}
}

// SetRunning says whether the run is in progress (statuses "running" of a run that ended are
// interrupted steps).
func (m *Monitor) SetRunning(on bool) {
	m.mu.Lock()
	m.running = on
	m.mu.Unlock()
	m.signal()
}

// ClearGate forgets the gate once the organization ID was accepted.
func (m *Monitor) ClearGate() {
	m.mu.Lock()
	m.gate = ""
	m.mu.Unlock()
	m.signal()
}

// Logf adds a line of the front-end's own to the progress lines (a drift report, a confirmation).
func (m *Monitor) Logf(format string, args ...any) {
	_ = m.Handle(hooks.Event{Type: hooks.Log, Time: time.Now(), Message: fmt.Sprintf(format, args...)})
}

// RunStatus is where a run stands now, for a dashboard.
type RunStatus struct {
	// Report is lz2ct status's report built from the live state: per-phase counts, elapsed, the
	// remaining estimate corrected by what was measured (in AWS's time; Report.TimeScale).
	Report *runstate.Report
	// ControlTower are the Control Tower operations running; Next the queue after them, in order.
	ControlTower, Next []StepStatus
	// InFlight are the other steps running (per-account and per-region work).
	InFlight []StepStatus
	Failed   []StepStatus
	// Waiting are manual steps waiting for the operator: not those confirmed since they last
	// waited, which the run takes up next.
	Waiting []StepStatus
	// Gate, when set, says what typing the organization ID allows: the steps that need it are ready.
	Gate string
	// Log are the newest progress lines, oldest first.
	Log []string
}

// StepStatus is one step as a dashboard shows it.
type StepStatus struct {
	ID, Kind, Title string
	Phase           int
	// Scope is what the step works on ("4 accounts × 2 regions", "account 1234…, eu-west-1").
	Scope string
	// Since is when the step began (its first event); Expected its estimate in AWS's time.
	Since       time.Time
	Expected    time.Duration
	OperationID string
	Error       string
	Advice      string
	// Instructions: a manual step's, and Commands the commands they refer to (its CLI);
	// ConfirmedBy: who confirmed it.
	Instructions []string
	Commands     []string
	ConfirmedBy  string
}

// NextShown is how many steps of the Control Tower queue Status lists after the running ones.
const NextShown = 3

// Status is the run now.
func (m *Monitor) Status(now time.Time) RunStatus {
	m.mu.Lock()
	defer m.mu.Unlock()
	rs := RunStatus{Report: runstate.BuildScaled(m.dir, m.plan, m.st, nil, m.running, now, m.scale, false), Gate: m.gate}
	for _, s := range m.order {
		ss := m.st.Step(s.ID)
		switch ss.Status {
		case journal.Running:
			x := m.stepStatus(s, ss)
			if m.ct[s.ID] {
				rs.ControlTower = append(rs.ControlTower, x)
			} else {
				rs.InFlight = append(rs.InFlight, x)
			}
		case journal.Failed:
			rs.Failed = append(rs.Failed, m.stepStatus(s, ss))
		case journal.Waiting:
			if !m.picked[s.ID] {
				rs.Waiting = append(rs.Waiting, m.stepStatus(s, ss))
			}
		case journal.NotStarted:
			if m.ct[s.ID] && len(rs.Next) < NextShown {
				rs.Next = append(rs.Next, m.stepStatus(s, ss))
			}
		}
	}
	if m.logFull {
		rs.Log = append(rs.Log, m.log[m.logNext:]...)
	}
	rs.Log = append(rs.Log, m.log[:m.logNext]...)
	return rs
}

func (m *Monitor) stepStatus(s *plans.Step, ss journal.StepState) StepStatus {
	x := StepStatus{ID: s.ID, Kind: s.Kind, Title: s.Title, Phase: m.phaseOf[s.ID], Scope: scopeOf(s), Since: ss.Started,
		Expected: time.Duration(s.EstimateSeconds) * time.Second, Error: ss.Error, Advice: ss.Advice, ConfirmedBy: ss.Confirmed.By}
	if ss.OperationOpen {
		x.OperationID = ss.OperationID
	}
	if mp, ok := s.Params.(plans.Manual); ok {
		x.Instructions, x.Commands = mp.Instructions, s.CLI
	} else if n := m.notes[s.ID]; n != "" && ss.Status == journal.Waiting {
		// A step that handed its work to the operator (logs.copy: the command it printed).
		x.Instructions = strings.Split(n, "\n")
	}
	return x
}

// scopeOf says what a step works on, in words.
func scopeOf(s *plans.Step) string {
	switch p := s.Params.(type) {
	case plans.ConfigStackSetInstancesDelete:
		return fmt.Sprintf("%s × %s", plural(len(p.Accounts), "account"), plural(len(p.Regions), "region"))
	case plans.StackSetInstancesDelete:
		return fmt.Sprintf("%s × %s", plural(len(p.Accounts), "account"), plural(len(p.Regions), "region"))
	case plans.ConfigRecorderDelete:
		return "account " + p.AccountID + ", " + p.Region
	}
	var parts []string
	t := s.Target
	for _, kv := range [][2]string{{"account", t.AccountID}, {"region", t.Region}, {"OU", t.OUID}} {
		if kv[1] != "" {
			parts = append(parts, kv[0]+" "+kv[1])
		}
	}
	if len(parts) == 0 && t.Resource != "" {
		parts = append(parts, t.Resource)
	}
	return strings.Join(parts, ", ")
}

func plural(n int, one string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", one)
	}
	return fmt.Sprintf("%d %ss", n, one)
}
