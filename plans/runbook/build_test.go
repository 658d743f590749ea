package runbook

import (
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/lz2ct/lz2ct/plans"
)

// tinyPlan has two waves across phases 2-4 and one step outside them.
func tinyPlan() *plans.Plan {
	p := &plans.Plan{Version: plans.Version, Organization: "o-test"}
	for i, id := range plans.PhaseIDs {
		p.Phases = append(p.Phases, plans.Phase{Number: i, ID: id, Name: id})
	}
	add := func(phase, wave int, id string) {
		p.Phases[phase].Steps = append(p.Phases[phase].Steps, plans.Step{ID: id, Kind: "k", Title: id, Wave: wave})
	}
	add(0, 0, "safeguard/x")
	add(2, 1, "scp.detach/p-1/ou-1")
	add(2, 2, "scp.detach/p-1/ou-2")
	add(3, 1, "config.stackset/ou-1")
	add(3, 2, "config.stackset/ou-2")
	add(4, 1, "role.create/111111111111")
	add(4, 1, "ou.register/ou-1")
	add(4, 2, "ou.register/ou-2")
	return p
}

func TestWaveRoutesFollowTheExecutionOrder(t *testing.T) {
	p := tinyPlan()
	num := map[string]string{}
	for i, s := range p.OrderedSteps() {
		num[s.ID] = strconv.Itoa(i + 1)
	}
	got := waveRoutes(p, num)
	want := map[int]string{
		1: "2 (phase 2), 3 (phase 3), 4–5 (phase 4)",
		2: "6 (phase 2), 7 (phase 3), 8 (phase 4)",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("routes %v, want %v", got, want)
	}
	d := build(p, nil, []Option{WithTime(time.Unix(0, 0))})
	var waves []string
	for _, it := range d.Phases[4].Items {
		if it.Wave != nil {
			waves = append(waves, it.Wave.Route)
		}
	}
	if !reflect.DeepEqual(waves, []string{want[1], want[2]}) {
		t.Errorf("phase 4 wave headings %q", waves)
	}
}

func TestHuman(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "under a minute"},
		{30 * time.Second, "1 minute"},
		{90 * time.Second, "2 minutes"},
		{time.Hour, "1 hour"},
		{96 * time.Minute, "1 hour 36 minutes"},
		{26*time.Hour + 5*time.Minute, "1 day 2 hours"},
		{48 * time.Hour, "2 days"},
	}
	for _, tt := range tests {
		if got := human(tt.d); got != tt.want {
			t.Errorf("human(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}
