package plans

import (
	"fmt"

	"github.com/lz2ct/lz2ct/settings"
)

// Durations the estimate assumes for steps that carry no figure of their own.
const (
	quickStepSeconds    = 30      // one API call and its verification (export, detach, role)
	decomStepSeconds    = 2 * 60  // one decommission step
	directConfigSeconds = 60      // stop + delete recorder and channel in one account/region
	configParallelism   = 10      // account/regions cleared at once on the direct route
	manualStepSeconds   = 30 * 60 // a manual task without a figure of its own
	decommParallelism   = 10      // per-resource decommission steps of one kind run at once
)

// estimate sums the phases from AWS's published figures. Phases 2 and 3 are prepared while Control
// Tower works on the previous wave, so the total counts only the first wave's preparation: the rest
// of those two phases is the overlap, shown as its own line (total = phases − overlap).
func estimate(p *Plan, s settings.Settings) Estimate {
	conc := s.AccountConcurrency
	if conc < 1 {
		conc = 1
	}
	var e Estimate
	var firstPrep, sum int64
	minWave := 0
	for _, ph := range p.Phases[2:4] {
		for _, st := range ph.Steps {
			if st.Wave > 0 && (minWave == 0 || st.Wave < minWave) {
				minWave = st.Wave
			}
		}
	}
	for i := range p.Phases {
		ph := &p.Phases[i]
		var secs int64
		enrolls := 0
		directs := 0
		perKind := map[string]int{} // decommission steps on one resource each, by kind
		for _, st := range ph.Steps {
			switch {
			case st.Kind == KindVerify:
				continue // a checkpoint takes no time of its own
			case st.Kind == KindAccountEnroll:
				enrolls++
				continue
			case st.Kind == KindConfigRecorderDelete:
				directs++
				continue
			case ph.ID == PhaseRegistration && st.Kind != KindBaselineEnable:
				continue // roles, OU moves: prepared while Control Tower is busy with the previous operation
			case ph.ID == PhaseDecommission && st.EstimateSeconds == 0 && !st.Manual:
				perKind[st.Kind]++
				continue
			}
			d := st.EstimateSeconds
			if d == 0 {
				switch {
				case st.Manual:
					d = manualStepSeconds
				default:
					d = quickStepSeconds
				}
			}
			secs += d
			if (i == 2 || i == 3) && (st.Wave == 0 || st.Wave == minWave) {
				firstPrep += d
			}
		}
		if directs > 0 {
			d := int64((directs+configParallelism-1)/configParallelism) * directConfigSeconds
			secs += d
			firstPrep += min(d, directConfigSeconds)
		}
		// Per-resource deletions (stacks, provisioned products, buckets, …) are independent of each
		// other within a kind: decommParallelism at a time.
		for _, n := range perKind {
			secs += int64((n+decommParallelism-1)/decommParallelism) * decomStepSeconds
		}
		// Account operations run accountConcurrency at a time.
		secs += int64((enrolls+conc-1)/conc) * enrollSeconds
		ph.EstimateSeconds = secs
		e.PerPhase = append(e.PerPhase, PhaseEstimate{Phase: i, ID: ph.ID, Seconds: secs})
		sum += secs
		if i == 2 || i == 3 {
			e.OverlapSeconds += secs
		}
	}
	e.OverlapSeconds -= firstPrep
	e.TotalSeconds = sum - e.OverlapSeconds
	e.Assumptions = []string{
		"landing zone setup about 30 minutes (AWS Control Tower user guide, review-and-set-up)",
		"OU registration at least 10 minutes plus up to 2 minutes per additional account, one OU operation at a time (importing-existing, limits)",
		fmt.Sprintf("account enrollment %d minutes each (AWS says \"several minutes\"), %d at a time (accountConcurrency)", enrollSeconds/60, conc),
		fmt.Sprintf("SCP detaches and Config removal for a wave run while Control Tower registers the previous one: only the first wave's count towards the total, the rest is the overlap (direct removal: %d account/regions at once, about %d s each; StackSet route: about 5 minutes per wave)", configParallelism, directConfigSeconds),
		fmt.Sprintf("quick API steps %d s; decommission steps %d minutes (StackSet operations 10; per-resource deletions of one kind %d at a time); manual tasks %d minutes unless stated", quickStepSeconds, decomStepSeconds/60, decommParallelism, manualStepSeconds/60),
		"waiting for people (reviews, change windows) is not included",
	}
	return e
}
