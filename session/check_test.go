package session

import (
	"bytes"
	"math/rand"
	"reflect"
	"testing"

	"github.com/lz2ct/lz2ct/scope"
	"github.com/lz2ct/lz2ct/settings"
)

// CheckAndPlan, over one scope, gives the report and the plan Check then Plan give, byte for byte,
// for every testdata organization (the planner must not depend on the checks having used the scope
// before it, nor the other way round).
func TestCheckAndPlanIsCheckThenPlan(t *testing.T) {
	for _, c := range []struct{ org, settings string }{
		{"alz2-typical", "alz2-typical"}, {"alz2-typical", "alz2-existing"}, {"alz1-legacy", "alz1-legacy"},
		{"blockers", "blockers"}, {"alz2-midway", "alz2-midway"}, {"alz2-ct-ready", "alz2-ct-ready"},
	} {
		t.Run(c.settings, func(t *testing.T) {
			snap, err := ReadSnapshot("../testdata/orgs/" + c.org + ".json")
			if err != nil {
				t.Fatal(err)
			}
			loaded, err := settings.Load("../testdata/settings/" + c.settings + ".yaml")
			if err != nil {
				t.Fatal(err)
			}
			s := loaded.Resolve(snap.Snapshot)
			wantReport := Check(snap.Snapshot, s)
			wantPlan, err := Plan(snap, s, wantReport)
			if err != nil {
				t.Fatal(err)
			}
			own, err := ReadSnapshot("../testdata/orgs/" + c.org + ".json") // CheckAndPlan takes it over
			if err != nil {
				t.Fatal(err)
			}
			gotReport, gotPlan, err := CheckAndPlan(own, s)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(gotReport, wantReport) {
				t.Error("the reports differ")
			}
			want, err := wantPlan.Encode()
			if err != nil {
				t.Fatal(err)
			}
			got, err := gotPlan.Encode()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Error("the plans differ")
			}
		})
	}
}

// CheckOwned, which sorts the snapshot in place instead of copying it, gives Check's report for
// every testdata organization, with its lists shuffled first.
func TestCheckOwnedIsCheck(t *testing.T) {
	for _, c := range []struct{ org, settings string }{
		{"alz2-typical", "alz2-typical"}, {"alz1-legacy", "alz1-legacy"}, {"blockers", "blockers"}, {"alz2-midway", "alz2-midway"},
	} {
		t.Run(c.settings, func(t *testing.T) {
			snap, err := ReadSnapshotUnhashed("../testdata/orgs/" + c.org + ".json")
			if err != nil {
				t.Fatal(err)
			}
			loaded, err := settings.Load("../testdata/settings/" + c.settings + ".yaml")
			if err != nil {
				t.Fatal(err)
			}
			s := loaded.Resolve(snap.Snapshot)
			want := Check(snap.Snapshot, s)
			scope.Shuffle(rand.New(rand.NewSource(5)), snap.Snapshot)
			if got := CheckOwned(snap.Snapshot, s); !reflect.DeepEqual(got, want) {
				t.Error("the reports differ")
			}
		})
	}
}
