package plans

import (
	"fmt"
	"strings"

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
// Tower works on the previous wave, so the total counts only the first wave's preparation.
func estimate(p *Plan, s settings.Settings) Estimate {
	conc := s.AccountConcurrency
	if conc < 1 {
		conc = 1
	}
	var e Estimate
	var firstPrep int64
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
		perResource := map[string]int{} // decommission steps on one resource each, by kind
		for _, st := range ph.Steps {
			if ph.ID == PhaseDecommission && st.EstimateSeconds == 0 && !st.Manual && strings.Count(st.ID, "/") >= 2 {
				perResource[strings.Split(st.ID, "/")[1]]++
				continue
			}
			switch {
			case st.Kind == KindEnroll:
				enrolls++
				continue
			case st.Kind == KindConfigRemove:
				directs++
				continue
			case st.Kind == KindRoleCreate || st.Kind == KindAccountMove:
				continue // prepared while Control Tower is busy with the previous operation
			}
			d := st.EstimateSeconds
			if d == 0 {
				switch {
				case st.Manual:
					d = manualStepSeconds
				case ph.ID == PhaseDecommission:
					d = decomStepSeconds
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
		for _, n := range perResource {
			secs += int64((n+decommParallelism-1)/decommParallelism) * decomStepSeconds
		}
		// Account operations run accountConcurrency at a time.
		secs += int64((enrolls+conc-1)/conc) * enrollSeconds
		ph.EstimateSeconds = secs
		e.PerPhase = append(e.PerPhase, PhaseEstimate{Phase: i, ID: ph.ID, Seconds: secs})
		if i != 2 && i != 3 {
			e.TotalSeconds += secs
		}
	}
	e.TotalSeconds += firstPrep
	e.Assumptions = []string{
		"landing zone setup about 30 minutes (AWS Control Tower user guide, review-and-set-up)",
		"OU registration at least 10 minutes plus up to 2 minutes per additional account, one OU operation at a time (how-to-register-existing-ou, limits)",
		fmt.Sprintf("account enrollment %d minutes each (AWS says \"several minutes\"), %d at a time (accountConcurrency)", enrollSeconds/60, conc),
		fmt.Sprintf("SCP detaches and Config removal for a wave run while Control Tower registers the previous one; the total counts only the first wave's (direct removal: %d account/regions at once, about %d s each; StackSet route: about 5 minutes per wave)", configParallelism, directConfigSeconds),
		fmt.Sprintf("quick API steps %d s; decommission steps %d minutes (StackSets 10; per-resource deletions of one kind %d at a time); manual tasks %d minutes unless stated", quickStepSeconds, decomStepSeconds/60, decommParallelism, manualStepSeconds/60),
		"waiting for people (reviews, change windows) is not included",
	}
	return e
}
