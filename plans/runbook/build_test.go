package runbook

import (
	"bytes"
	"reflect"
	"strings"
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
	add(0, 0, "export.scp/x")
	add(2, 1, "scp.detach/p-1/ou-1")
	add(2, 2, "scp.detach/p-1/ou-2")
	add(3, 1, "config.stackset-instances.delete/ou-1")
	add(3, 2, "config.stackset-instances.delete/ou-2")
	add(4, 1, "iam-role.create/111111111111/AWSControlTowerExecution")
	add(4, 1, "baseline.enable/ou-1")
	add(4, 2, "baseline.enable/ou-2")
	return p
}

// The runbook lists the steps in execution order: phase 0, then each wave's steps of phases 2-4
// together, each step saying its phase; the phase view is the index of where they are.
func TestSectionsFollowTheExecutionOrder(t *testing.T) {
	d := build(tinyPlan(), nil, []Option{WithTime(time.Unix(0, 0))})
	var anchors []string
	for _, s := range d.Sections {
		anchors = append(anchors, s.Anchor)
	}
	if want := []string{"phase-0", "phase-1", "wave-1", "wave-2", "phase-5", "phase-6"}; !reflect.DeepEqual(anchors, want) {
		t.Fatalf("sections %v, want %v", anchors, want)
	}
	var wave1 []string
	for _, it := range d.Sections[2].Items {
		if it.Step != nil {
			wave1 = append(wave1, it.Step.Num+" "+it.Step.Phase+" "+it.Step.ID)
		}
	}
	want := []string{"2 phase 2 scp.detach/p-1/ou-1", "3 phase 3 config.stackset-instances.delete/ou-1",
		"4 phase 4 iam-role.create/111111111111/AWSControlTowerExecution", "5 phase 4 baseline.enable/ou-1"}
	if !reflect.DeepEqual(wave1, want) {
		t.Errorf("wave 1 %q, want %q", wave1, want)
	}
	if d.Sections[3].SignOff == "" || d.Sections[2].SignOff != "" {
		t.Error("phases 2-4 are signed off after the last wave only")
	}
	if got := d.Phases[4].Where; got != "in 2 waves: steps 4–5 and 8" {
		t.Errorf("phase 4 index %q", got)
	}
	if d.Phases[0].Where != "step 1" || d.Phases[4].Anchor != "waves" || d.Waves == nil {
		t.Errorf("index %+v", d.Phases[0])
	}
}

// A step that uses another step's output names the shell variable its commands read, and its
// value once the run's journal knows it.
func TestInputsFromEarlierSteps(t *testing.T) {
	p := tinyPlan()
	p.Phases[1].Steps = []plans.Step{{ID: "account.create/log-archive", Kind: plans.KindAccountCreate, Title: "create",
		Params: plans.AccountCreate{AccountName: "Log Archive", Email: "l@x.example"}}}
	p.Phases[5].Steps = []plans.Step{{ID: "bucket.create/b", Kind: plans.KindBucketCreate, Title: "bucket", DependsOn: []string{"account.create/log-archive"},
		Params: plans.BucketCreate{AccountID: plans.Out("account.create/log-archive", plans.OutputAccountID), Region: "eu-west-1", Bucket: "b"}}}
	inputs := func(d *document) []string {
		for _, sec := range d.Sections {
			for _, it := range sec.Items {
				if it.Step != nil && it.Step.ID == "bucket.create/b" {
					return it.Step.Inputs
				}
			}
		}
		return nil
	}
	if got := inputs(build(p, nil, nil)); len(got) != 1 || got[0] != "$LOG_ARCHIVE_ACCOUNT_ID (the accountId of step 2, account.create/log-archive)" {
		t.Errorf("inputs without a journal: %q", got)
	}
	known := WithOutputs(func(step, out string) (string, bool) {
		return "123456789012", step == "account.create/log-archive" && out == "accountId"
	})
	if got := inputs(build(p, nil, []Option{known})); len(got) != 1 || !strings.Contains(got[0], "= 123456789012") {
		t.Errorf("inputs with the output known: %q", got)
	}
	var md bytes.Buffer
	if err := writeMarkdown(&md, build(p, nil, []Option{known})); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), "From earlier steps") || !strings.Contains(md.String(), "123456789012") {
		t.Error("the Markdown runbook does not show the input and its value")
	}
}

func TestEstimateShowsTheOverlap(t *testing.T) {
	p := tinyPlan()
	p.Estimate = plans.Estimate{PerPhase: []plans.PhaseEstimate{{Phase: 2, Range: plans.Range{Lower: 600, Upper: 600}}, {Phase: 4, Range: plans.Range{Lower: 1800, Upper: 3600}}},
		Overlap: plans.Range{Lower: 300, Upper: 300}, Total: plans.Range{Lower: 2100, Upper: 3900}}
	e := estimateOf(p)
	if len(e.Rows) != 3 || !strings.HasPrefix(e.Rows[2].Key, "Overlap") || e.Rows[2].Value != "− (5 minutes)" || e.Total != "35 minutes – 1 hour 5 minutes" {
		t.Errorf("estimate %+v", e)
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
