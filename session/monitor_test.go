package session

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lz2ct/lz2ct/engine/hooks"
	"github.com/lz2ct/lz2ct/plans"
)

// The monitor folds a run's events into what the dashboard shows: Control Tower's operation apart
// from the work in flight, the queue after it, failures with their advice, the manual step with
// its instructions, the gate until a gated step starts, and the progress lines.
func TestMonitorFoldsTheRun(t *testing.T) {
	snap, s := typical(t)
	p, err := Plan(snap, s, Check(snap.Snapshot, s))
	if err != nil {
		t.Fatal(err)
	}
	// Control Tower's kinds, as their implementations claim (they may not be in this build's
	// catalogue yet): the monitor's queue is what is tested here.
	was := controlTowerStep
	controlTowerStep = func(s *plans.Step) bool {
		return s.Kind == plans.KindBaselineEnable || s.Kind == plans.KindAccountEnroll || s.Kind == plans.KindLandingZoneCreate
	}
	defer func() { controlTowerStep = was }()
	m, err := NewMonitor(p, t.TempDir(), nil, 200)
	if err != nil {
		t.Fatal(err)
	}
	var baseline, config, manual, decommission *plans.Step
	for i := range p.Phases {
		for j := range p.Phases[i].Steps {
			st := &p.Phases[i].Steps[j]
			switch {
			case st.Kind == plans.KindBaselineEnable && baseline == nil:
				baseline = st
			case st.Kind == plans.KindConfigStackSetInstancesDelete && config == nil:
				config = st
			case st.Kind == plans.KindManual && manual == nil:
				manual = st
			case p.Phases[i].ID == plans.PhaseDecommission && decommission == nil:
				decommission = st
			}
		}
	}
	if baseline == nil || config == nil || manual == nil || decommission == nil {
		t.Fatal("the plan lacks a step the test needs")
	}
	at := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	for _, ev := range []hooks.Event{
		{Type: hooks.Started, Step: baseline, Time: at},
		{Type: hooks.Operation, Step: baseline, OperationID: "op-1", Time: at},
		{Type: hooks.Started, Step: config, Time: at},
		{Type: hooks.Failed, Step: config, Error: "AccessDenied", Advice: "grant it", Time: at},
		{Type: hooks.Started, Step: manual, Time: at},
		{Type: hooks.Waiting, Step: manual, Time: at},
		{Type: hooks.Gate, Step: decommission, Note: "64 steps of phase 6", Time: at},
	} {
		if err := m.Handle(ev); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case <-m.Changed():
	default:
		t.Fatal("no change signalled")
	}
	rs := m.Status(at.Add(time.Minute))
	if len(rs.ControlTower) != 1 || rs.ControlTower[0].ID != baseline.ID || rs.ControlTower[0].OperationID != "op-1" {
		t.Errorf("Control Tower %+v", rs.ControlTower)
	}
	for _, x := range rs.InFlight {
		if x.ID == baseline.ID {
			t.Error("an OU registration counted as work in flight")
		}
	}
	if len(rs.Next) != NextShown || rs.Next[0].ID == baseline.ID {
		t.Errorf("queue %+v", rs.Next)
	}
	if len(rs.Failed) != 1 || rs.Failed[0].Advice != "grant it" || !strings.Contains(rs.Failed[0].Scope, "×") {
		t.Errorf("failed %+v", rs.Failed)
	}
	if len(rs.Waiting) != 1 || len(rs.Waiting[0].Instructions) == 0 {
		t.Errorf("waiting %+v", rs.Waiting)
	}
	if rs.Gate != "64 steps of phase 6" || rs.Report.TimeScale != 200 || rs.Report.Counts.Failed != 1 {
		t.Errorf("gate %q, report %+v", rs.Gate, rs.Report.Counts)
	}
	if len(rs.Log) == 0 || !strings.Contains(strings.Join(rs.Log, "\n"), "FAILED   "+config.ID+": AccessDenied") {
		t.Errorf("log %q", rs.Log)
	}
	_ = m.Handle(hooks.Event{Type: hooks.Started, Step: decommission, Time: at})
	if g := m.Status(at).Gate; g != "" {
		t.Errorf("the gate stays after a gated step started: %q", g)
	}
	for i := 0; i < MonitorLogLines+10; i++ {
		m.Logf("line %d", i)
	}
	if l := m.Status(at).Log; len(l) != MonitorLogLines || !strings.HasSuffix(l[len(l)-1], fmt.Sprintf("line %d", MonitorLogLines+9)) {
		t.Errorf("log ring: %d lines, last %q", len(l), l[len(l)-1])
	}
}

// A manual step confirmed on the dashboard stays "waiting" in the journal until the run takes it
// up again; meanwhile it no longer waits for the operator, or c would confirm it a second time.
// Waiting again after the run looked (logs.copy still missing objects) lists it again.
func TestMonitorConfirmedStepNoLongerWaits(t *testing.T) {
	snap, s := typical(t)
	p, err := Plan(snap, s, Check(snap.Snapshot, s))
	if err != nil {
		t.Fatal(err)
	}
	var manual *plans.Step
	for _, st := range p.OrderedSteps() {
		if st.Kind == plans.KindManual {
			manual = st
			break
		}
	}
	if manual == nil {
		t.Fatal("the plan has no manual step")
	}
	m, err := NewMonitor(p, t.TempDir(), nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	waiting := func() []string {
		var ids []string
		for _, x := range m.Status(at).Waiting {
			ids = append(ids, x.ID)
		}
		return ids
	}
	for _, step := range []struct {
		ev   hooks.Event
		want int
	}{
		{hooks.Event{Type: hooks.Started, Step: manual, Time: at}, 0},
		{hooks.Event{Type: hooks.Waiting, Step: manual, Time: at}, 1},
		{hooks.Event{Type: hooks.Confirmed, Step: manual, By: "ops@host", Time: at}, 0},
		{hooks.Event{Type: hooks.Started, Step: manual, Time: at}, 0},
		{hooks.Event{Type: hooks.Waiting, Step: manual, Time: at}, 1},
	} {
		if err := m.Handle(step.ev); err != nil {
			t.Fatal(err)
		}
		if got := waiting(); len(got) != step.want {
			t.Errorf("after %s: waiting for the operator %v, want %d step(s)", step.ev.Type, got, step.want)
		}
	}
}
