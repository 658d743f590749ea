package session

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/lz2ct/lz2ct/awsapi"
	"github.com/lz2ct/lz2ct/engine"
	"github.com/lz2ct/lz2ct/engine/hooks"
	"github.com/lz2ct/lz2ct/engine/runstate"
	"github.com/lz2ct/lz2ct/journal"
	"github.com/lz2ct/lz2ct/plans"
	"github.com/lz2ct/lz2ct/statefolder"
)

// Carrying a plan out goes through here for every front-end: lz2ct apply, resume, status and
// confirm, the plain demo and the wizard's dashboard open a state folder with OpenRun, build the
// engine with Run.Engine and run it with Run.Execute, so that the lock, the pinned plan, the
// journal, the caller check and the run events exist once.

// ErrBadInput marks errors that are the user's input (a plan that does not match the folder, a
// folder without a plan, credentials of another account, a locked folder): the CLI exits with code 2.
var ErrBadInput = runstate.ErrBadInput

// ErrLocked marks a state folder another run holds.
var ErrLocked = runstate.ErrLocked

type inputError struct{ err error }

func (e *inputError) Error() string        { return e.err.Error() }
func (e *inputError) Unwrap() error        { return e.err }
func (e *inputError) Is(target error) bool { return target == ErrBadInput }

func badInput(err error) error { return &inputError{err} }

// IsBadInput reports whether err is the user's input rather than a failure (exit code 2).
func IsBadInput(err error) bool { return errors.Is(err, ErrBadInput) || errors.Is(err, ErrLocked) }

// RunOptions say which state folder to open for a run, with which plan, and who asks.
type RunOptions struct {
	// Dir is the state folder; "" = the default folder of Plan's organization.
	Dir string
	// Plan is the plan apply was given; nil = the folder's own plan.json (resume).
	Plan *plans.Plan
	// Command names the lock holder ("lz2ct apply", "lz2ct wizard").
	Command     string
	ForceUnlock bool
}

// Run is a state folder opened for a run: locked, its plan pinned, its journal read.
type Run struct {
	*runstate.Run
	confirmOrg string
}

// OpenRun takes the folder's lock, reads the journal and pins the plan (docs/state.md). Close it.
func OpenRun(o RunOptions) (*Run, error) {
	dir := o.Dir
	if dir == "" {
		if o.Plan == nil {
			return nil, badInput(errors.New("no state folder given"))
		}
		dir = statefolder.Default(o.Plan.Organization)
	}
	r, err := runstate.Open(runstate.Options{Dir: dir, Plan: o.Plan, Command: o.Command, ForceUnlock: o.ForceUnlock})
	if err != nil {
		return nil, err
	}
	return &Run{Run: r}, nil
}

// StateDir finds the state folder when none is given: the only one under .lz2ct/ with a plan.
func StateDir(given string) (string, error) {
	if given != "" {
		return given, nil
	}
	matches, _ := filepath.Glob(filepath.Join(".lz2ct", "*", statefolder.Plan))
	switch len(matches) {
	case 0:
		return "", badInput(errors.New("no state folder under .lz2ct/: give --state DIR (the folder lz2ct apply used)"))
	case 1:
		return filepath.Dir(matches[0]), nil
	}
	var dirs []string
	for _, m := range matches {
		dirs = append(dirs, filepath.Dir(m))
	}
	return "", badInput(fmt.Errorf("several state folders under .lz2ct/ (%s): choose one with --state", strings.Join(dirs, ", ")))
}

// Selection turns a phase number (-1 = none) or step IDs into the engine's filter (nil = every step).
func Selection(p *plans.Plan, phase int, ids []string) (func(*plans.Step) bool, error) {
	switch {
	case phase >= 0:
		in := map[string]bool{}
		for _, ph := range p.Phases {
			if ph.Number == phase {
				for _, s := range ph.Steps {
					in[s.ID] = true
				}
			}
		}
		return func(s *plans.Step) bool { return in[s.ID] }, nil
	case len(ids) > 0:
		in := map[string]bool{}
		for _, id := range ids {
			if p.Step(id) == nil {
				return nil, badInput(fmt.Errorf("--step %s: no such step in the plan (lz2ct plan --format text lists them)", id))
			}
			in[id] = true
		}
		return func(s *plans.Step) bool { return in[s.ID] }, nil
	}
	return nil, nil
}

// PhaseIntent is what a run will do in one phase: what apply shows before it asks.
type PhaseIntent struct {
	Number     int
	ID, Name   string
	ToRun      int
	DoneBefore int
	// Destructive and Manual are the IDs of the steps to run that delete or detach, and those the
	// operator does.
	Destructive, Manual []string
	// Gated counts the steps to run that start only once the organization ID is typed.
	Gated int
}

// Intent lists, per phase with something selected, what the run will do.
func Intent(p *plans.Plan, st *journal.State, sel func(*plans.Step) bool) []PhaseIntent {
	var out []PhaseIntent
	for _, ph := range p.Phases {
		pi := PhaseIntent{Number: ph.Number, ID: ph.ID, Name: ph.Name}
		for i := range ph.Steps {
			s := &ph.Steps[i]
			if sel != nil && !sel(s) {
				continue
			}
			if st.Step(s.ID).Status == journal.Done {
				pi.DoneBefore++
				continue
			}
			pi.ToRun++
			if s.Destructive {
				pi.Destructive = append(pi.Destructive, s.ID)
			}
			if s.Kind == plans.KindManual {
				pi.Manual = append(pi.Manual, s.ID)
			}
			if engine.NeedsOrganizationTyped(ph.ID, s) {
				pi.Gated++
			}
		}
		if pi.ToRun+pi.DoneBefore > 0 {
			out = append(out, pi)
		}
	}
	return out
}

// Who names the person running lz2ct in run events and confirmations: user@host.
func Who() string {
	host, _ := os.Hostname()
	return statefolder.CurrentUser() + "@" + host
}

// CheckCaller refuses credentials of another account than the plan's management account.
func CheckCaller(ctx context.Context, clients *awsapi.Clients, p *plans.Plan) error {
	id, err := clients.CallerIdentity(ctx)
	if err != nil {
		return badInput(fmt.Errorf("cannot reach AWS at %s with these credentials: %w (check --profile, or run aws sso login)", clients.Endpoint(), err))
	}
	for _, a := range p.Accounts {
		if a.How == plans.HowManagement && a.AccountID != id.Account {
			return badInput(fmt.Errorf("the credentials are for account %s, but the plan's management account is %s: use credentials of the management account", id.Account, a.AccountID))
		}
	}
	return nil
}

// Exec says how to run the engine over an open state folder.
type Exec struct {
	Clients *awsapi.Clients
	// Selected are the steps this run may start (nil = every step).
	Selected func(*plans.Step) bool
	// Hooks receive every event after the journal has recorded it (progress lines, the wizard).
	Hooks []hooks.Hook
	// Workers bounds the general pool (0 = the engine's default); TimeScale speeds up every wait
	// for a simulator with scaled operation times (0 = real time).
	Workers   int
	TimeScale float64
	// Clock, when set, is the simulator's event clock every wait goes through (the rehearsal);
	// TimeScale is then ignored.
	Clock engine.Clock
	// WaitForConfirmation keeps the run waiting for manual steps and the organization ID to be
	// given in-process (the wizard) once nothing else can run.
	WaitForConfirmation bool
	// ConfirmOrg is the organization ID the operator typed before the run (--confirm-org): it must
	// match the plan's, and lets decommission and account closure start.
	ConfirmOrg string
}

// Engine checks the caller, opens the journal (only now: a run cancelled before leaves none) and
// builds the engine. The messages of the run (a torn journal line cut off) are in r.Messages.
func (r *Run) Engine(ctx context.Context, x Exec) (*engine.Engine, error) {
	if x.ConfirmOrg != "" {
		if err := engine.CheckOrganizationTyped(r.Plan, x.ConfirmOrg); err != nil {
			return nil, badInput(fmt.Errorf("--confirm-org: %w", err))
		}
	}
	if err := CheckCaller(ctx, x.Clients, r.Plan); err != nil {
		return nil, err
	}
	w, err := r.Writer()
	if err != nil {
		return nil, err
	}
	hs := hooks.Multi{hooks.Journal(w)}
	for _, h := range x.Hooks {
		hs = append(hs, h)
	}
	e, err := engine.New(engine.Options{Plan: r.Plan, Selected: x.Selected, State: r.State, AWS: x.Clients, Folder: r.Folder,
		Hook: hs, AccountConcurrency: r.Plan.Settings.AccountConcurrency, Workers: x.Workers, TimeScale: x.TimeScale, Clock: x.Clock,
		WaitForConfirmation: x.WaitForConfirmation, HoldForOrganization: true})
	if err != nil {
		return nil, badInput(err)
	}
	r.confirmOrg = x.ConfirmOrg
	return e, nil
}

// Execute runs the engine between two run events (who started it, how it ended). stop ends it at
// a safe point, ctx at once. The error is a run that could not go on (the journal refused an
// event); step failures are in the summary.
func (r *Run) Execute(ctx, stop context.Context, e *engine.Engine, verb string) (*engine.Summary, error) {
	h := r.Holder()
	if err := e.RunEvent(Who(), fmt.Sprintf("%s started (pid %d on %s)", verb, h.PID, h.Host)); err != nil {
		return nil, err
	}
	if r.confirmOrg != "" {
		// Recorded after the run's start: the journal says who typed it, for this run.
		if err := e.ConfirmOrganization(r.confirmOrg, Who()); err != nil {
			return nil, err
		}
	}
	sum, runErr := e.Run(ctx, stop)
	note := EndNote(sum)
	if runErr != nil {
		note = "stopped: " + runErr.Error()
	}
	_ = e.RunEvent(Who(), note) // best effort: the journal may be what failed
	if runErr != nil {
		return sum, fmt.Errorf("the run stopped because an event could not be recorded: %w (fix the state folder's disk, then lz2ct resume)", runErr)
	}
	return sum, nil
}

// EndNote is the journal's word on how a run ended ("finished: 12 done, 1 failed").
func EndNote(sum *engine.Summary) string {
	parts := []string{fmt.Sprintf("%d done", len(sum.Done))}
	if n := len(sum.Failed); n > 0 {
		parts = append(parts, fmt.Sprintf("%d failed", n))
	}
	if n := len(sum.Waiting); n > 0 {
		parts = append(parts, fmt.Sprintf("%d waiting for confirmation", n))
	}
	if n := len(sum.Interrupted); n > 0 {
		parts = append(parts, fmt.Sprintf("%d interrupted", n))
	}
	if n := len(sum.NotStarted); n > 0 {
		parts = append(parts, fmt.Sprintf("%d not started", n))
	}
	what := "finished"
	if sum.Stopped {
		what = "stopped by the user"
	}
	return what + ": " + strings.Join(parts, ", ")
}

// Preview observes the selected steps read-only (lz2ct apply --dry-run): it writes nothing (no
// lock, no pinned plan, no journal event) and makes no mutating AWS call. A folder dir that
// already runs another plan is refused.
func Preview(ctx context.Context, clients *awsapi.Clients, p *plans.Plan, dir string, sel func(*plans.Step) bool, workers int) ([]engine.Preview, error) {
	st := journal.NewState()
	if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
		if st, err = journal.Read(dir); err != nil {
			return nil, badInput(err)
		}
		if err := runstate.Compatible(dir, p, st); err != nil {
			return nil, err
		}
	}
	if err := CheckCaller(ctx, clients, p); err != nil {
		return nil, err
	}
	e, err := engine.New(engine.Options{Plan: p, Selected: sel, State: st, AWS: clients, Folder: statefolder.Folder{Dir: dir}, Workers: workers})
	if err != nil {
		return nil, badInput(err)
	}
	return e.Preview(ctx), nil
}

// Drift is what resume found before it continued: what changed in AWS since the journal's last word.
type Drift struct {
	Done, Total int
	// LastRun is the newest run event (nil when none).
	LastRun *journal.Event
	// Running are open AWS operations resume waits on; InPlace are effects found although lz2ct
	// never ran the step (recorded as done); Unsafe are steps refused; Errors could not be observed.
	Running, InPlace, Unsafe, Errors []engine.Preview
}

// NoDrift reports whether the organization matches the plan in what the remaining steps touch.
func (d Drift) NoDrift() bool { return len(d.InPlace)+len(d.Unsafe)+len(d.Errors) == 0 }

// DriftOf sorts a preview of p's remaining steps into what a resume reports.
func DriftOf(p *plans.Plan, st *journal.State, previews []engine.Preview) Drift {
	d := Drift{Total: len(previews)}
	if n := len(st.Runs); n > 0 {
		last := st.Runs[n-1]
		d.LastRun = &last
	}
	for _, pv := range previews {
		switch pv.State {
		case engine.PreviewDone:
			d.Done++
		case engine.PreviewInPlace:
			if s := st.Step(pv.Step); s.Status != journal.NotStarted {
				// The journal knew the step had begun: the effect is lz2ct's own, recorded late.
				continue
			}
			if repeatsDone(p, st, pv.Step) {
				continue
			}
			d.InPlace = append(d.InPlace, pv)
		case engine.PreviewRunning:
			d.Running = append(d.Running, pv)
		case engine.PreviewUnsafe:
			d.Unsafe = append(d.Unsafe, pv)
		case engine.PreviewError:
			d.Errors = append(d.Errors, pv)
		}
		if pv.State != engine.PreviewRunning && pv.OperationID != "" {
			d.Running = append(d.Running, pv)
		}
	}
	return d
}

// repeatsDone reports whether step id is a later pass of an effect lz2ct already made: it waits
// for a step of its own kind on the same target that the journal holds as done (the last copy of
// ALZ's logs before their bucket goes, after the first copy). Found in place, it is that step's
// effect, not a change made outside lz2ct.
func repeatsDone(p *plans.Plan, st *journal.State, id string) bool {
	s := p.Step(id)
	if s == nil {
		return false
	}
	for _, dep := range s.DependsOn {
		d := p.Step(dep)
		if d != nil && d.Kind == s.Kind && d.Target == s.Target && st.Step(dep).Status == journal.Done {
			return true
		}
	}
	return false
}

// DriftLines are a drift report's lines, for the terminal and the wizard's log.
func DriftLines(d Drift) []string {
	var out []string
	for _, pv := range d.Running {
		out = append(out, fmt.Sprintf("  running   %s: AWS operation %s is still open; resume waits on it", pv.Step, pv.OperationID))
	}
	for _, pv := range d.InPlace {
		out = append(out, fmt.Sprintf("  drift     %s: already in place although lz2ct never ran it (%s); it is recorded as done", pv.Step, pv.Note))
	}
	for _, pv := range d.Unsafe {
		out = append(out, fmt.Sprintf("  DRIFT     %s: %s; the step is refused and what depends on it waits", pv.Step, pv.Note))
	}
	for _, pv := range d.Errors {
		out = append(out, fmt.Sprintf("  cannot observe %s: %s", pv.Step, pv.Note))
	}
	if d.NoDrift() {
		out = append(out, "No drift against the plan in what the remaining steps touch.")
	}
	return out
}

// Compatible reports whether p may run in the state folder dir (a folder that does not exist yet
// takes any plan), changing nothing.
func Compatible(dir string, p *plans.Plan) error {
	fi, err := os.Stat(dir)
	if err != nil || !fi.IsDir() {
		return nil
	}
	st, err := journal.Read(dir)
	if err != nil {
		return err
	}
	return runstate.Compatible(dir, p, st)
}

// Status reads where the run of a state folder stands, without taking its lock (lz2ct status).
func Status(dir string, now time.Time) (*runstate.Report, error) { return runstate.Inspect(dir, now) }

// ConfirmResult says what Confirm recorded.
type ConfirmResult struct {
	Step string
	By   string
	// AlreadyDone: the step was done; nothing was recorded.
	AlreadyDone bool
}

// Confirm records that the operator did a manual step (lz2ct confirm): it takes the folder's lock,
// so a run in progress refuses it (confirm in that run instead).
func Confirm(dir, stepID, by, note string) (ConfirmResult, error) {
	run, err := OpenRun(RunOptions{Dir: dir, Command: "lz2ct confirm"})
	if err != nil {
		return ConfirmResult{}, err
	}
	defer run.Close()
	st := run.Plan.Step(stepID)
	if st == nil {
		return ConfirmResult{}, badInput(fmt.Errorf("no step %s in the plan of %s (lz2ct status lists the steps waiting for you)", stepID, dir))
	}
	// A manual step, or a step waiting for the operator (logs.copy above its size limit).
	if st.Kind != plans.KindManual && run.State.Step(st.ID).Status != journal.Waiting {
		return ConfirmResult{}, badInput(fmt.Errorf("step %s is a %s step, not a manual one: lz2ct carries it out itself (lz2ct resume)", st.ID, st.Kind))
	}
	if run.State.Step(st.ID).Status == journal.Done {
		return ConfirmResult{Step: st.ID, AlreadyDone: true}, nil
	}
	if by == "" {
		by = Who()
	}
	w, err := run.Writer()
	if err != nil {
		return ConfirmResult{}, err
	}
	if err := w.Append(journal.Event{Step: st.ID, Event: journal.EventConfirmed, By: by, Note: note}); err != nil {
		return ConfirmResult{}, err
	}
	return ConfirmResult{Step: st.ID, By: by}, nil
}
