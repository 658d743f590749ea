package engine

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/lz2ct/lz2ct/plans"
)

// benchMinute is what stands for a minute in BenchmarkControlTowerWaits: long enough that the
// scheduler's own latency (a goroutine waking, well under a millisecond) is noise, short enough
// that the benchmark takes seconds.
const benchMinute = 4 // milliseconds

// BenchmarkControlTowerWaits measures how long Control Tower waits on lz2ct: a 1,000-account
// organization, 20 OUs of 40 accounts registered in waves and 200 accounts enrolled one by one, at
// simulated durations (benchMinute ms stand for a minute): per account, removing ALZ's Config takes 2
// minutes in the general pool (16 at once); an OU registration 10 minutes plus 2 per account
// (AWS's published figure); an enrollment 5 minutes, one at a time. The lower bound is the sum of
// the serialized Control Tower operations (nominal, and as the sleeps standing for them measured);
// "engine" is the plan's order as the engine runs it, "naive" prepares each wave only when the
// previous registration finished. ct-waited is the makespan minus the measured busy time (with
// AccountConcurrency 1, Control Tower operations never overlap). Scheduling only: no
// AWS and no journal (a journal adds an fsync per event, which real minutes dwarf).
//
//	go test -run '^$' -bench ControlTowerWaits -benchtime 1x ./engine/
func BenchmarkControlTowerWaits(b *testing.B) {
	for _, naive := range []bool{false, true} {
		name := "engine"
		if naive {
			name = "naive"
		}
		b.Run(name, func(b *testing.B) {
			p, lower := wavesPlan(20, 40, 200, naive)
			var makespan, busy time.Duration
			for range b.N {
				w := newWorld()
				e, err := New(Options{Plan: p, Lookup: w.lookup(), Workers: 16, AccountConcurrency: 1, TimeScale: 1000})
				if err != nil {
					b.Fatal(err)
				}
				start := time.Now()
				sum, err := e.Run(context.Background(), context.Background())
				makespan = time.Since(start)
				if err != nil || !sum.Complete() {
					b.Fatalf("%v %+v", err, sum.Failed)
				}
				if len(w.violations) > 0 {
					b.Fatalf("resource rules broken: %v", w.violations)
				}
				busy = w.ctBusy
			}
			minutes := func(d time.Duration) float64 { return float64(d) / float64(benchMinute*time.Millisecond) }
			b.ReportMetric(minutes(makespan), "makespan-min")
			b.ReportMetric(minutes(lower), "lower-bound-min")
			b.ReportMetric(minutes(busy), "ct-busy-min")
			b.ReportMetric(minutes(makespan-busy), "ct-waited-min")
			b.ReportMetric(100*float64(makespan-busy)/float64(busy), "ct-waited-%")
		})
	}
}

// wavesPlan builds the benchmark's plan with the test kind; the lower bound is in wall time.
func wavesPlan(waves, perOU, enrollments int, naive bool) (*plans.Plan, time.Duration) {
	var ss []plans.Step
	var lower time.Duration
	prevCT := ""
	for wv := range waves {
		detach := fmt.Sprintf("scp.detach/%d", wv)
		var deps []string
		if naive && prevCT != "" {
			deps = []string{prevCT}
		}
		ss = append(ss, step(detach, work{}, deps...))
		reg := []string{detach}
		for a := range perOU {
			id := fmt.Sprintf("config.remove/%d/%d", wv, a)
			ss = append(ss, step(id, work{Hold: 2 * benchMinute}, detach))
			reg = append(reg, id)
		}
		ou := fmt.Sprintf("baseline.enable/%d", wv)
		hold := (10 + 2*perOU) * benchMinute
		ss = append(ss, step(ou, work{Claim: "ou", Hold: hold}, reg...))
		lower += time.Duration(hold) * time.Millisecond
		prevCT = ou
	}
	for a := range enrollments {
		prep := fmt.Sprintf("config.remove/enroll/%d", a)
		deps := []string{"baseline.enable/0"} // the target OU is registered first
		if naive {
			deps = []string{prevCT}
		}
		ss = append(ss, step(prep, work{Hold: 2 * benchMinute}, deps...))
		id := fmt.Sprintf("account.enroll/%d", a)
		ss = append(ss, step(id, work{Claim: "account", Hold: 5 * benchMinute}, prep))
		lower += 5 * benchMinute * time.Millisecond
		prevCT = id
	}
	// Execution order: the plan's, wave by wave.
	return testPlan(ss...), lower
}
