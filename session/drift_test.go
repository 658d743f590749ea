package session

import (
	"testing"
	"time"

	"github.com/lz2ct/lz2ct/engine"
	"github.com/lz2ct/lz2ct/journal"
	"github.com/lz2ct/lz2ct/plans"
)

// A resume reports as drift only what lz2ct did not do: the last copy of ALZ's logs, found in
// place after the first copy (nothing new arrived in the bucket), is that copy's effect; an
// account found already moved, with no move of its own done before it, is drift.
func TestDriftLeavesOutLaterPassesOfLz2ctsOwnEffect(t *testing.T) {
	bucket := plans.Target{AccountID: "111111111111", Region: "eu-west-1", Resource: "aws-landing-zone-logs"}
	first := plans.Step{ID: "logs.copy/aws-landing-zone-logs", Kind: plans.KindLogsCopy, Target: bucket}
	final := plans.Step{ID: "logs.copy/aws-landing-zone-logs/final", Kind: plans.KindLogsCopy, Target: bucket, DependsOn: []string{first.ID}}
	other := plans.Step{ID: "logs.copy/other-logs/final", Kind: plans.KindLogsCopy, DependsOn: []string{first.ID},
		Target: plans.Target{AccountID: "111111111111", Region: "eu-west-1", Resource: "other-logs"}}
	move := plans.Step{ID: "account.move/222222222222", Kind: plans.KindAccountMove, DependsOn: []string{first.ID}}
	p := &plans.Plan{Phases: []plans.Phase{{Steps: []plans.Step{first, final, other, move}}}}
	st := journal.NewState()
	now := time.Now()
	st.Apply(journal.Event{Time: now, Step: first.ID, Event: journal.EventStarted})
	st.Apply(journal.Event{Time: now, Step: first.ID, Event: journal.EventSucceeded})

	inPlace := func(id string) engine.Preview {
		return engine.Preview{Outcome: engine.Outcome{Step: id}, State: engine.PreviewInPlace}
	}
	d := DriftOf(p, st, []engine.Preview{inPlace(final.ID), inPlace(other.ID), inPlace(move.ID)})
	var got []string
	for _, pv := range d.InPlace {
		got = append(got, pv.Step)
	}
	if len(got) != 2 || got[0] != other.ID || got[1] != move.ID {
		t.Errorf("drift in place: %v, want [%s %s]", got, other.ID, move.ID)
	}
}
