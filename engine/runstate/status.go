package runstate

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/lz2ct/lz2ct/engine"
	"github.com/lz2ct/lz2ct/journal"
	"github.com/lz2ct/lz2ct/plans"
	"github.com/lz2ct/lz2ct/statefolder"
)

// Report is where a run stands, per phase and step: what lz2ct status prints, and what the wizard
// shows when it offers to resume.
type Report struct {
	Dir          string `json:"dir"`
	Organization string `json:"organization"`
	// Holder is the lock holder; Active is true while it runs (or runs on another machine).
	Holder *statefolder.Holder `json:"holder,omitempty"`
	Active bool                `json:"active"`
	// Started is the first event, Last the newest; Elapsed runs from the one to the other (to now
	// while a run is active).
	Started        time.Time `json:"started,omitzero"`
	Last           time.Time `json:"last,omitzero"`
	ElapsedSeconds int64     `json:"elapsedSeconds"`
	// RemainingSeconds is the plan's estimate for what is not done, corrected by how long the
	// done steps took against their estimates (Factor).
	RemainingSeconds int64   `json:"remainingSeconds"`
	Factor           float64 `json:"factor"`
	// TimeScale is how much faster than AWS's own durations the run went (a simulated run, lz2ct
	// demo): measured times count that many times over, and RemainingSeconds is in AWS's time
	// (divide by it for the wall clock). 0 or 1 = real time.
	TimeScale float64 `json:"timeScale,omitempty"`
	Counts    Counts  `json:"counts"`
	Phases    []Phase `json:"phases"`
	// LastRun is the newest run event (who started or stopped a run, and why).
	LastRun *journal.Event `json:"lastRun,omitempty"`
}

// Counts are steps per status.
type Counts struct {
	Done       int `json:"done"`
	Running    int `json:"running"`
	Failed     int `json:"failed"`
	Waiting    int `json:"waiting"`
	NotStarted int `json:"notStarted"`
}

func (c *Counts) add(s journal.Status) {
	switch s {
	case journal.Done:
		c.Done++
	case journal.Running:
		c.Running++
	case journal.Failed:
		c.Failed++
	case journal.Waiting:
		c.Waiting++
	default:
		c.NotStarted++
	}
}

// Total is the number of steps counted.
func (c Counts) Total() int { return c.Done + c.Running + c.Failed + c.Waiting + c.NotStarted }

// Phase is one phase's standing.
type Phase struct {
	Number           int    `json:"number"`
	ID               string `json:"id"`
	Name             string `json:"name"`
	Counts           Counts `json:"counts"`
	EstimateSeconds  int64  `json:"estimateSeconds"`
	RemainingSeconds int64  `json:"remainingSeconds"`
	Steps            []Step `json:"steps"`
}

// Step is one step's standing.
type Step struct {
	ID          string         `json:"id"`
	Kind        string         `json:"kind"`
	Title       string         `json:"title"`
	Status      journal.Status `json:"status"`
	Attempts    int            `json:"attempts,omitempty"`
	OperationID string         `json:"operationId,omitempty"`
	// OperationOpen: the operation has no outcome in the journal (it may still run in AWS).
	OperationOpen bool   `json:"operationOpen,omitempty"`
	Error         string `json:"error,omitempty"`
	Advice        string `json:"advice,omitempty"`
	Note          string `json:"note,omitempty"`
	ConfirmedBy   string `json:"confirmedBy,omitempty"`
	// Blocked is the plan's finding that stops a step not done: it never runs until the finding is
	// resolved and the organization re-planned. BehindBlocked: the step waits (directly or not) for
	// a blocked step, so it never runs either.
	Blocked       string    `json:"blocked,omitempty"`
	BehindBlocked bool      `json:"behindBlocked,omitempty"`
	Started       time.Time `json:"started,omitzero"`
	Updated       time.Time `json:"updated,omitzero"`
}

// Inspect reads a state folder without taking its lock or changing anything.
func Inspect(dir string, now time.Time) (*Report, error) {
	f := statefolder.Folder{Dir: dir}
	data, err := os.ReadFile(f.Path(statefolder.Plan))
	if errors.Is(err, os.ErrNotExist) {
		return nil, badInput("state folder %s has no %s: no run was started there (lz2ct apply --plan FILE starts one)", dir, statefolder.Plan)
	}
	if err != nil {
		return nil, err
	}
	p, err := plans.Decode(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Path(statefolder.Plan), err)
	}
	st, err := journal.Read(dir)
	if err != nil {
		return nil, err
	}
	holder, active, err := f.ReadLock()
	if err != nil {
		return nil, err
	}
	return Build(dir, p, st, holder, active, now)
}

// Build makes the report from a plan and its journal (the wizard builds it from a live run's state).
func Build(dir string, p *plans.Plan, st *journal.State, holder *statefolder.Holder, active bool, now time.Time) (*Report, error) {
	if _, err := engine.ExecutionOrder(p); err != nil {
		return nil, err
	}
	scale := 1.0
	if n := len(st.Runs); n > 0 && st.Runs[n-1].TimeScale > 0 {
		scale = st.Runs[n-1].TimeScale // a demo's run: its wall times are AWS's divided by it
	}
	return BuildScaled(dir, p, st, holder, active, now, scale, true), nil
}

// BuildScaled is Build for a plan already checked, whose run went scale times faster than AWS's
// durations (a simulator's time scale; 1 = real time). Without steps, the phases carry counts and
// estimates only (a dashboard's update for thousands of steps, several a second).
func BuildScaled(dir string, p *plans.Plan, st *journal.State, holder *statefolder.Holder, active bool, now time.Time, scale float64, steps bool) *Report {
	if scale <= 0 {
		scale = 1
	}
	r := &Report{Dir: dir, Organization: p.Organization, Holder: holder, Active: active, Last: st.Last}
	if scale != 1 {
		r.TimeScale = scale
	}
	if len(st.Runs) > 0 {
		last := st.Runs[len(st.Runs)-1]
		r.LastRun = &last
	}
	// How long done steps took against their estimates corrects the remaining estimate.
	var took, estimated float64
	for _, ph := range p.Phases {
		for _, s := range ph.Steps {
			ss := st.Step(s.ID)
			if ss.Status == journal.Done && s.EstimateSeconds > 0 && !ss.Started.IsZero() {
				took += ss.Updated.Sub(ss.Started).Seconds() * scale
				estimated += float64(s.EstimateSeconds)
			}
			if !ss.Started.IsZero() && (r.Started.IsZero() || ss.Started.Before(r.Started)) {
				r.Started = ss.Started
			}
		}
	}
	var blocked map[string]string
	if steps {
		blocked = p.Blocked()
	}
	r.Factor = 1
	if estimated > 0 {
		r.Factor = min(max(took/estimated, 0.25), 4)
	}
	for _, ph := range p.Phases {
		out := Phase{Number: ph.Number, ID: ph.ID, Name: ph.Name, EstimateSeconds: ph.EstimateSeconds}
		var all, open int64
		for _, s := range ph.Steps {
			ss := st.Step(s.ID)
			out.Counts.add(ss.Status)
			if steps {
				x := Step{ID: s.ID, Kind: s.Kind, Title: s.Title, Status: ss.Status, Attempts: ss.Attempts,
					OperationID: ss.OperationID, OperationOpen: ss.OperationOpen, Error: ss.Error, Advice: ss.Advice, Note: ss.Note, ConfirmedBy: ss.Confirmed.By,
					Started: ss.Started, Updated: ss.Updated}
				if _, ok := blocked[s.ID]; ok && ss.Status != journal.Done {
					x.Blocked, x.BehindBlocked = s.Blocked, s.Blocked == ""
				}
				out.Steps = append(out.Steps, x)
			}
			w := max(s.EstimateSeconds, 1) // a quick step still counts for its share
			all += w
			if ss.Status != journal.Done {
				open += w
			}
		}
		if all > 0 {
			out.RemainingSeconds = int64(float64(ph.EstimateSeconds) * float64(open) / float64(all) * r.Factor)
		}
		r.RemainingSeconds += out.RemainingSeconds
		r.Counts.Done += out.Counts.Done
		r.Counts.Running += out.Counts.Running
		r.Counts.Failed += out.Counts.Failed
		r.Counts.Waiting += out.Counts.Waiting
		r.Counts.NotStarted += out.Counts.NotStarted
		r.Phases = append(r.Phases, out)
	}
	if !r.Started.IsZero() {
		end := r.Last
		if active {
			end = now
		}
		r.ElapsedSeconds = int64(end.Sub(r.Started).Seconds())
	}
	return r
}
