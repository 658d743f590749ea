package plans

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/lz2ct/lz2ct/scope"
	"github.com/lz2ct/lz2ct/settings"
	"github.com/lz2ct/lz2ct/words"
)

// Figures the estimate uses. AWS publishes a few (each cited); the rest are the plan's
// assumptions, stated in Estimate.Assumptions, with a lower and an upper bound where AWS gives
// none, so a change board schedules against the upper bound and sees how wide the range is.
const (
	// OU registration "at least 10 minutes plus up to 2 minutes per additional account"
	// (https://docs.aws.amazon.com/controltower/latest/userguide/importing-existing.html).
	regBaseSeconds       = 10 * 60
	regPerAccountSeconds = 2 * 60
	// Enrolling one account takes "several minutes" (AWS Control Tower user guide, accounts):
	// 5 to 15 minutes each.
	enrollLowerSeconds = 5 * 60
	enrollUpperSeconds = 15 * 60
	// Landing zone set-up takes about 30 minutes (review-and-set-up); up to an hour allowed.
	lzLowerSeconds = 30 * 60
	lzUpperSeconds = 60 * 60
	// A new shared account (CreateAccount): up to 5 minutes (its lower bound: estimate_lower.go).
	newAccountSeconds = 5 * 60
	// One batch of stack instances (accounts × regions at once per the operation preferences) is
	// created or deleted in 1 to 3 minutes, plus about a minute for the StackSet operation itself.
	stackBatchLowerSeconds = 60
	stackBatchUpperSeconds = 3 * 60
	stackSetOpSeconds      = 60
	quickStepSeconds       = 30     // one API call and its verification (export, detach, role, move)
	decomStepSeconds       = 2 * 60 // one decommission step
	// A termination, stack deletion or account closure: AWS publishes no figure (a provisioned
	// product's or a stack's deletion depends on its resources); at least decomStepSeconds, up to
	// 5 minutes, seen up to DecomPollLagSeconds late.
	decomAsyncUpperSeconds = 5 * 60
	directConfigSeconds    = 60      // stop + delete recorder and channel in one account/region
	manualLowerSeconds     = 30 * 60 // a manual task without a figure of its own
	manualUpperSeconds     = 60 * 60
)

// StepsAtOnce is how many steps outside Control Tower's and StackSets' operations a run carries out
// at once unless apply --concurrency says otherwise (the engine's general pool, engine.DefaultWorkers):
// the estimate counts per-account steps of one kind and decommission's deletions that many at a time.
const StepsAtOnce = 16

// How late the engine sees an operation end: the cap of the backoff its steps read it with. A
// StackSet operation's is a minute; an OU registration's (EnableBaseline) 2 minutes, after AWS's
// up to 10 + 2 × (n − 1) minutes. The steps' poll cadences are held to these by a test.
const (
	StackSetPollLagSeconds     = 60
	RegistrationPollLagSeconds = 2 * 60
	// Decommission's terminations, stack deletions and account closures are read at most this
	// far apart (held by the same test).
	DecomPollLagSeconds = 2 * 60
)

// lz2ct's own calls on StackSets. ListStackInstances returns at most 100 instances a call
// (MaxResults 1–100, https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ListStackInstances.html),
// so reading an ALZ baseline StackSet of a large organization (an instance per account and
// region: 20,000 at 5,000 accounts × 4 regions) takes hundreds of calls. The steps read it where
// AWS is the truth: the export pages through all of it once; a step that deletes or creates
// instances reads them before (observe) and after (verify) its operation — account by account or
// through the whole StackSet, whichever takes fewer calls (WholeStackSetPages). AWS publishes no latency:
// one call, its round trip and the decoding of 100 instances, 50 ms to 1 s.
const (
	// InstancesPerPage is the MaxResults the steps ask ListStackInstances for: its maximum (1-100).
	InstancesPerPage = 100
	callLowerMillis  = 50
	callUpperMillis  = 1000
	// stackSetOpCalls are a StackSet step's other calls: the running operation
	// (ListStackSetOperations), the operation itself, and its polls.
	stackSetOpCalls = 8
)

// perAccountInstanceReads is the most accounts whose stack instances a step reads account by
// account (ListStackInstances' StackInstanceAccount) at once, without trying the whole StackSet.
const perAccountInstanceReads = 5

// WholeStackSetPages is how many pages of the whole StackSet a step reads for accounts' instances
// before it gives up and reads them account by account (a call each): paging through the whole set
// pays only while it takes fewer calls than the accounts, and nobody knows the set's size without
// reading it. So a read costs at most twice the cheaper of the two ways: a 10-account wave of a
// 40,000-instance StackSet takes 20 calls, not 400. 0 = account by account at once. The steps read
// that way (steps' stackInstances) and the estimate counts their calls so (listCalls).
func WholeStackSetPages(accounts int) int {
	if accounts <= perAccountInstanceReads {
		return 0
	}
	return accounts
}

// callsRange is n of lz2ct's calls, one after another, in whole seconds: the lower bound rounded
// down, the upper rounded up, so both stay bounds.
func callsRange(n int64) Range {
	return Range{n * callLowerMillis / 1000, (n*callUpperMillis + 999) / 1000}
}

// pagesOf is how many ListStackInstances calls page through n instances (one for none).
func pagesOf(n int) int64 {
	return int64(max((n+InstancesPerPage-1)/InstancesPerPage, 1))
}

// listCalls is how many calls reading accounts' instances takes in a StackSet holding inSet
// (WholeStackSetPages).
func listCalls(accounts, inSet int) int64 {
	limit := int64(WholeStackSetPages(accounts))
	switch pages := pagesOf(inSet); {
	case limit == 0:
		return int64(max(accounts, 1))
	case pages <= limit:
		return pages
	default:
		return limit + int64(accounts)
	}
}

// Range is a duration's lower and upper bound, in seconds.
type Range struct {
	Lower int64 `json:"lowerSeconds"`
	Upper int64 `json:"upperSeconds"`
}

func (r Range) add(o Range) Range { return Range{r.Lower + o.Lower, r.Upper + o.Upper} }
func (r Range) sub(o Range) Range { return Range{r.Lower - o.Lower, r.Upper - o.Upper} }
func (r Range) times(n int64) Range {
	return Range{r.Lower * n, r.Upper * n}
}
func both(s int64) Range { return Range{s, s} }

// regRange is one OU registration that enrolls n accounts.
func regRange(n int) Range {
	return Range{regBaseSeconds, regBaseSeconds + regPerAccountSeconds*int64(max(n, 1)-1)}
}

// enrollRange is m one-by-one enrollments, conc at a time.
func enrollRange(m, conc int) Range {
	if m == 0 {
		return Range{}
	}
	batches := int64((m + max(conc, 1) - 1) / max(conc, 1))
	return Range{enrollLowerSeconds, enrollUpperSeconds}.times(batches)
}

// stackSetRange is one StackSet operation on accounts (per region; regions run in parallel) with
// the given preferences. Under STRICT_FAILURE_TOLERANCE (CloudFormation's default) the operation
// runs at most FailureToleranceCount + 1 accounts at once, whatever MaxConcurrentCount says
// (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_StackSetOperationPreferences.html).
func stackSetRange(accounts int, p StackSetPreferences) Range {
	conc := max(p.MaxConcurrentCount, 1)
	if p.ConcurrencyMode != concurrencySoft {
		conc = min(conc, p.FailureToleranceCount+1)
	}
	batches := int64((max(accounts, 1) + conc - 1) / conc)
	return both(stackSetOpSeconds).add(Range{stackBatchLowerSeconds, stackBatchUpperSeconds}.times(batches)).add(Range{0, StackSetPollLagSeconds})
}

// Estimate categories: what each second of the upper bound is spent on. Their shares name the
// assumption that dominates the estimate.
const (
	driverRegBase     = "OU registration: at least 10 minutes each, one at a time (AWS), seen up to 2 minutes later"
	driverRegAccounts = "OU registration: up to 2 minutes per additional account (AWS)"
	driverEnroll      = "one-by-one enrollment: up to 15 minutes each (AWS: \"several minutes\"), accountConcurrency at a time"
	driverLZ          = "landing zone set-up: up to 60 minutes (AWS: about 30)"
	driverPrep        = "preparation Control Tower waits for (SCP detaches, Config removal, roles, moves): StackSet batches up to 3 minutes"
	driverDecomStack  = "decommission StackSet operations: batches of up to 3 minutes"
	driverManual      = "manual tasks: up to 60 minutes each"
	driverOther       = "other API steps (exports, shared accounts, decommission): 30 seconds to 5 minutes each"
)

// Estimate is the migration's expected duration, from AWS's published figures and the plan's
// stated assumptions, as a lower and an upper bound. Per bound, the phases minus the overlap (a
// wave's preparation while Control Tower registers the previous wave, the enrollment queue's
// preparation while earlier accounts enroll) make the total.
type Estimate struct {
	PerPhase []PhaseEstimate `json:"perPhase"`
	Overlap  Range           `json:"overlap"`
	Total    Range           `json:"total"`
	// AutomatedLower is Total's lower bound without people's time (PhaseEstimate.AutomatedLower).
	AutomatedLower int64 `json:"automatedLowerSeconds"`
	// ControlTower is Control Tower's own working time: the landing zone, the registrations and
	// the one-by-one enrollments (the operations it runs one, or accountConcurrency, at a time).
	ControlTower Range `json:"controlTower"`
	// Drivers split the upper bound by what it is spent on; Dominant is the largest.
	Drivers  []Driver `json:"drivers"`
	Dominant Driver   `json:"dominant"`
	// Calendar groups the run into working sessions of sessionHours, each ending at a safe point.
	Calendar Calendar `json:"calendar"`
	// WhatIf says what raising accountConcurrency or ouAccountLimit (or allowing moves) would save.
	WhatIf []WhatIf `json:"whatIf"`
	// Moves is the trade-off of the account moves the plan makes before registrations.
	Moves MoveTradeOff `json:"moves"`
	// Unrecorded is, per wave, how long its accounts go without AWS Config recording between the
	// removal of ALZ's recorder and their enrollment.
	Unrecorded  []Unrecorded `json:"unrecorded"`
	Assumptions []string     `json:"assumptions"`
}

// PhaseEstimate is one phase's share of the estimate.
type PhaseEstimate struct {
	Phase int    `json:"phase"`
	ID    string `json:"id"`
	Range
	// AutomatedLower is the lower bound without people's time (manual tasks count 0): what lz2ct's
	// own steps and AWS's operations take at least, and what a rehearsal, which confirms manual
	// tasks at once, is held to. The same as Lower unless manual tasks are on the critical path.
	AutomatedLower int64 `json:"automatedLowerSeconds"`
}

// Driver is one category of the upper bound.
type Driver struct {
	What    string  `json:"what"`
	Seconds int64   `json:"seconds"`
	Share   float64 `json:"share"`
}

// Calendar is the run as working sessions.
type Calendar struct {
	SessionHours int       `json:"sessionHours"`
	Sessions     []Session `json:"sessions"`
}

// Session is one working session (upper bound), ending at a safe stopping point: every account
// whose AWS Config was removed is enrolled, and no preparation of the next wave has started.
type Session struct {
	Number int `json:"number"`
	// What it covers, e.g. "phases 0–1, waves 1–4".
	Covers string `json:"covers"`
	// EndsAfter is the last step of the session: stop once it is done.
	EndsAfter    string `json:"endsAfter"`
	UpperSeconds int64  `json:"upperSeconds"`
	// Long: its first piece (a wave's preparation and registration) outlasts a session; Control
	// Tower's operation runs on unattended in AWS and lz2ct resume re-attaches to it.
	Long bool `json:"long,omitempty"`
}

// WhatIf is the saving of one change to the settings, in Control Tower time.
type WhatIf struct {
	Change string `json:"change"`
	Saves  Range  `json:"saves"`
	Note   string `json:"note,omitempty"`
}

// MoveTradeOff compares the plan's moves with enrolling those accounts one by one.
type MoveTradeOff struct {
	// Moved accounts move before a registration; NewOUs are created for them.
	Moved  int `json:"moved"`
	NewOUs int `json:"newOUs"`
	// Forbidden are accounts enrolled one by one or left out because noMoveOUs keeps them.
	Forbidden int `json:"forbidden"`
	// Saves is the Control Tower time the moves save against no moves at all; Costs what
	// noMoveOUs costs against allowing every move.
	Saves Range `json:"saves"`
	Costs Range `json:"costs"`
}

// Unrecorded is the time a wave's accounts go without AWS Config recording.
type Unrecorded struct {
	FromWave int    `json:"fromWave"`
	ToWave   int    `json:"toWave"`
	What     string `json:"what"`
	Accounts int    `json:"accounts"`
	// MaxSeconds: the first account whose recorder goes, enrolled last (upper bounds);
	// TypicalSeconds: halfway between that and the shortest.
	MaxSeconds     int64 `json:"maxSeconds"`
	TypicalSeconds int64 `json:"typicalSeconds"`
}

// UpperDuration is the upper bound as a duration.
func (r Range) UpperDuration() time.Duration { return time.Duration(r.Upper) * time.Second }

// LowerDuration is the lower bound as a duration.
func (r Range) LowerDuration() time.Duration { return time.Duration(r.Lower) * time.Second }

// ---- the computation ----

// stepRange is one step's own duration; kinds batched per wave (per-account API calls, direct
// Config removal) and enrollments are summed by the caller. A StackSet step adds its own calls
// (b.calls) and the poll that sees its operation end.
func (b *estimator) stepRange(st *Step) Range {
	own := callsRange(b.calls[st.ID])
	switch p := st.Params.(type) {
	case Verify:
		return Range{}
	case BaselineEnable:
		return Range{regBaseSeconds, st.EstimateSeconds + RegistrationPollLagSeconds}
	case LandingZoneCreate:
		return Range{lzLowerSeconds, lzUpperSeconds}
	case AccountCreate:
		return Range{newAccountLowerSeconds, newAccountSeconds}
	case AccountEnroll:
		return Range{enrollLowerSeconds, enrollUpperSeconds}
	case ConfigStackSetInstancesDelete:
		return stackSetRange(len(p.Accounts), p.Preferences).add(own)
	case StackSetInstancesDelete:
		return stackSetRange(len(p.Accounts), p.Preferences).add(own)
	case StackSetInstancesCreate:
		return stackSetRange(len(p.Accounts), p.Preferences).add(own)
	case ExportStackSet:
		return quickStep.add(own)
	case Manual:
		return Range{manualLowerSeconds, manualUpperSeconds}
	}
	if decomAsync[st.Kind] {
		return decomAsyncStep
	}
	return quickStep
}

// decomAsync are decommission's steps that wait for an operation of AWS's (decomAsyncStep); its
// other steps count decomStepSeconds.
var decomAsync = map[string]bool{KindProvisionedProductTerminate: true, KindStackDelete: true, KindAccountClose: true}

// decomAsyncStep is one of decommission's asynchronous steps.
var decomAsyncStep = Range{decomStepSeconds, decomAsyncUpperSeconds + DecomPollLagSeconds}

// quickStep is an API step without an operation to wait for: a call or a few at AWS's best
// (under a second, 0 in whole seconds), quickStepSeconds with its retries and verification.
var quickStep = Range{0, quickStepSeconds}

// ownCalls counts, per StackSet step, the calls lz2ct itself makes reading instances: the export
// pages through the StackSet as discovery saw it; an instances step reads them before and after
// its operation, in a StackSet that the steps before it (in execution order) grew or shrank.
func (b *builder) ownCalls(p *Plan) map[string]int64 {
	held := map[string]int{} // instances per region/StackSet
	if b.snap.ALZ != nil {
		for _, ss := range b.snap.ALZ.StackSets {
			held[b.alzReg+"/"+ss.Name] = len(ss.Instances)
		}
	}
	calls := map[string]int64{}
	for _, st := range p.OrderedSteps() {
		switch prm := st.Params.(type) {
		case ExportStackSet:
			calls[st.ID] = 1 + pagesOf(held[prm.Region+"/"+prm.StackSetName])
		case ConfigStackSetInstancesDelete:
			calls[st.ID] = instanceCalls(held, prm.StackSetInstancesDelete.Region+"/"+prm.StackSetName, len(prm.Accounts), -len(prm.Accounts)*len(prm.Regions))
		case StackSetInstancesDelete:
			calls[st.ID] = instanceCalls(held, prm.Region+"/"+prm.StackSetName, len(prm.Accounts), -len(prm.Accounts)*len(prm.Regions))
		case StackSetInstancesCreate:
			calls[st.ID] = instanceCalls(held, prm.Region+"/"+prm.StackSetName, len(prm.Accounts), len(prm.Accounts)*len(prm.Regions))
		}
	}
	return calls
}

// instanceCalls is an instances step's calls: its reading before (observe) and after (verify) a
// change of delta instances, and the operation's own calls; held follows the change.
func instanceCalls(held map[string]int, key string, accounts, delta int) int64 {
	before := held[key]
	held[key] = max(before+delta, 0)
	return listCalls(accounts, before) + listCalls(accounts, held[key]) + stackSetOpCalls
}

// batched kinds run StepsAtOnce at a time within a wave (or a decommission group).
var batched = map[string]int64{KindSCPDetach: quickStepSeconds, KindIAMRoleCreate: quickStepSeconds, KindAccountMove: quickStepSeconds,
	KindSCPAttach: quickStepSeconds, KindConfigRecorderDelete: directConfigSeconds}

// sumSteps adds up steps as a group that runs one after another, except batched kinds (StepsAtOnce
// at a time) and, in decommission, per-resource deletions of one kind (as many at a time). It also returns
// the StackSet operations' and the manual tasks' part of the total.
func (b *estimator) sumSteps(steps []*Step, decom bool) (total Range, stackSets Range, manual Range) {
	counts := map[string]int64{}
	for _, st := range steps {
		if _, ok := batched[st.Kind]; ok {
			counts[st.Kind]++
			continue
		}
		if decom && !st.Manual && st.EstimateSeconds == 0 && !isStackSetOp(st.Kind) {
			counts["decom:"+st.Kind]++
			continue
		}
		r := b.stepRange(st)
		switch {
		case st.Manual:
			manual = manual.add(r)
		case isStackSetOp(st.Kind):
			stackSets = stackSets.add(r)
		}
		total = total.add(r)
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		n := counts[k]
		rounds := (n + StepsAtOnce - 1) / StepsAtOnce
		if unit, ok := batched[k]; ok {
			total = total.add(both(rounds * unit))
			continue
		}
		r := both(decomStepSeconds)
		if decomAsync[strings.TrimPrefix(k, "decom:")] {
			r = decomAsyncStep
		}
		total = total.add(Range{rounds * r.Lower, rounds * r.Upper})
	}
	return total, stackSets, manual
}

func isStackSetOp(kind string) bool {
	return kind == KindConfigStackSetInstancesDelete || kind == KindStackSetInstancesDelete || kind == KindStackSetInstancesCreate
}

func maxRange(a, b Range) Range { return Range{max(a.Lower, b.Lower), max(a.Upper, b.Upper)} }
func clampZero(r Range) Range   { return Range{max(r.Lower, 0), max(r.Upper, 0)} }

// estimator is the builder with the calls each StackSet step makes itself (ownCalls).
type estimator struct {
	*builder
	calls map[string]int64
}

// estimate computes the plan's estimate from its steps and the builder's wave facts. A StackSet
// step's own estimate (EstimateSeconds) becomes its upper bound with its calls.
func (b *builder) estimate(p *Plan) Estimate {
	e := &estimator{builder: b, calls: b.ownCalls(p)}
	for i := range p.Phases {
		for j := range p.Phases[i].Steps {
			if st := &p.Phases[i].Steps[j]; e.calls[st.ID] > 0 {
				st.EstimateSeconds = e.stepRange(st).Upper
			}
		}
	}
	return e.estimate(p)
}

func (b *estimator) estimate(p *Plan) Estimate {
	s := b.s
	conc := max(s.AccountConcurrency, 1)
	var e Estimate
	drivers := map[string]int64{}
	phase := make([]Range, len(p.Phases))
	byWave := map[int][]*Step{}
	var regs, enrolls4, enrolls5 []*Step
	for i := range p.Phases {
		ph := &p.Phases[i]
		var rest []*Step
		for j := range ph.Steps {
			st := &ph.Steps[j]
			switch {
			case st.Kind == KindBaselineEnable:
				regs = append(regs, st)
			case st.Kind == KindAccountEnroll && i == 4:
				enrolls4 = append(enrolls4, st)
			case st.Kind == KindAccountEnroll:
				enrolls5 = append(enrolls5, st)
			case i >= 2 && i <= 4:
				byWave[st.Wave] = append(byWave[st.Wave], st)
			default:
				rest = append(rest, st)
			}
		}
		if i < 2 || i > 4 {
			// Decommission runs group by group (verify checkpoints); every group sums its steps.
			tot, ss, man := b.sumSteps(rest, i == 6)
			phase[i] = tot
			drivers[driverManual] += man.Upper
			if i == 6 {
				drivers[driverDecomStack] += ss.Upper
				tot = tot.sub(ss)
			}
			tot = tot.sub(man)
			for _, st := range rest {
				if st.Kind == KindLandingZoneCreate {
					drivers[driverLZ] += lzUpperSeconds
					tot = tot.sub(Range{lzLowerSeconds, lzUpperSeconds})
				}
			}
			drivers[driverOther] += tot.Upper
		}
	}
	// Phases 2–4, wave by wave: each wave's preparation, by phase, then its registration.
	regRanges := map[string]Range{}
	for _, st := range regs {
		r := b.stepRange(st)
		regRanges[st.ID] = r
		phase[4] = phase[4].add(r)
		drivers[driverRegBase] += regBaseSeconds + RegistrationPollLagSeconds
		drivers[driverRegAccounts] += r.Upper - regBaseSeconds - RegistrationPollLagSeconds
	}
	prepOf := func(steps []*Step) Range {
		var r Range
		for ph := 2; ph <= 4; ph++ {
			var in []*Step
			for _, st := range steps {
				if b.ids[st.ID] == ph {
					in = append(in, st)
				}
			}
			t, _, _ := b.sumSteps(in, false)
			phase[ph] = phase[ph].add(t)
			r = r.add(t)
		}
		return r
	}
	var prepSum, contribSum Range
	contribute := func(prep, c Range) {
		prepSum, contribSum = prepSum.add(prep), contribSum.add(c)
		drivers[driverPrep] += c.Upper
	}
	var windows []Unrecorded
	infoOf := map[int]waveInfo{}
	for _, wi := range b.waveInfos {
		infoOf[wi.wave] = wi
	}
	waveSpans := map[int]Range{} // per OU wave: its non-overlapped preparation and its registration
	preps := map[int]Range{}
	for w := 1; w <= b.waveCount; w++ {
		prep := prepOf(byWave[w])
		preps[w] = prep
		wi := infoOf[w]
		c := prep
		wait := prep
		if wi.overlapped && wi.prev != "" {
			c = clampZero(prep.sub(regRanges[wi.prev]))
			wait = maxRange(prep, regRanges[wi.prev])
		}
		contribute(prep, c)
		waveSpans[w] = c.add(regRanges[wi.reg])
		if !wi.dead && wi.accounts > 0 {
			reg := regRanges[wi.reg]
			mx := wait.Upper + reg.Upper
			mn := max(wait.Lower-prep.Lower, 0) + regBaseSeconds
			windows = append(windows, Unrecorded{FromWave: w, ToWave: w, What: b.waveName(w), Accounts: wi.accounts,
				MaxSeconds: mx, TypicalSeconds: (mn + mx) / 2})
		}
	}
	// Steps of phases 2–4 outside any wave run before the waves and count in full.
	var outside Range // preparation outside the waves: before the first wave, or Shared Services'
	if st := byWave[0]; len(st) > 0 {
		pr := prepOf(st)
		contribute(pr, pr)
		outside = outside.add(pr)
	}
	// The enrollment queue: accountConcurrency at a time; account i is prepared once enrollment
	// i − 2×accountConcurrency is done, so only the first batch's preparation, and whatever a
	// batch's preparation takes beyond a batch of enrollments, adds to the total.
	queue := enrollRange(len(enrolls4), conc)
	phase[4] = phase[4].add(queue)
	drivers[driverEnroll] += queue.Upper
	var queueSpans, queuePreps []Range
	if n := len(enrolls4); n > 0 {
		first := enrolls4[0].Wave
		last := enrolls4[n-1].Wave
		batch := Range{enrollLowerSeconds, enrollUpperSeconds}
		var one Range
		for k := 0; k < n; k += conc {
			var in []*Step
			for _, st := range enrolls4[k:min(k+conc, n)] {
				in = append(in, byWave[st.Wave]...)
			}
			prep := prepOf(in)
			queuePreps = append(queuePreps, prep)
			if k == 0 {
				one = prep
				contribute(prep, prep)
				queueSpans = append(queueSpans, prep.add(batch))
				continue
			}
			c := clampZero(prep.sub(batch))
			contribute(prep, c)
			queueSpans = append(queueSpans, c.add(batch))
		}
		mx := max(2*batch.Upper, one.Upper+batch.Upper)
		windows = append(windows, Unrecorded{FromWave: first, ToWave: last, What: "enrollment queue (one account per wave)", Accounts: n,
			MaxSeconds: mx, TypicalSeconds: (mx + batch.Lower) / 2})
	}
	// Shared Services (phase 5) is enrolled on its own, prepared just before.
	for _, st := range enrolls5 {
		r := enrollRange(1, 1)
		prep := prepOf(byWave[st.Wave])
		contribute(prep, prep)
		outside = outside.add(prep)
		phase[5] = phase[5].add(r)
		drivers[driverEnroll] += r.Upper
		windows = append(windows, Unrecorded{FromWave: st.Wave, ToWave: st.Wave, What: "the Shared Services account (phase 5)", Accounts: 1,
			MaxSeconds: prep.Upper + r.Upper, TypicalSeconds: (prep.Upper + r.Upper + r.Lower) / 2})
	}
	e.Overlap = prepSum.sub(contribSum)
	var sum Range
	for i, ph := range p.Phases {
		pe := PhaseEstimate{Phase: i, ID: ph.ID, Range: phase[i]}
		e.PerPhase = append(e.PerPhase, pe)
		p.Phases[i].EstimateSeconds, p.Phases[i].EstimateLowerSeconds = phase[i].Upper, phase[i].Lower
		sum = sum.add(phase[i])
	}
	e.Total = sum.sub(e.Overlap)
	// The lower bounds follow the critical path (estimate_lower.go); the overlap's lower bound is
	// what the phases' lower bounds share in time.
	lows, total, autos, autoTotal := b.lowerBounds(p)
	var sumLower int64
	for i := range e.PerPhase {
		e.PerPhase[i].Lower = lows[i]
		e.PerPhase[i].AutomatedLower = autos[i]
		p.Phases[i].EstimateLowerSeconds = lows[i]
		sumLower += lows[i]
	}
	e.Total.Lower = min(total, sumLower)
	e.Overlap.Lower = sumLower - e.Total.Lower
	e.AutomatedLower = min(autoTotal, e.Total.Lower)
	e.ControlTower = b.ctTime(b.sc, conc)
	e.Unrecorded = windows
	e.Drivers, e.Dominant = driverShares(drivers, e.Total.Upper)
	e.Calendar = b.calendar(p, waveSpans, preps, queueSpans, queuePreps, enrolls4, outside)
	if b.whatIfs != nil && conc == max(b.s.AccountConcurrency, 1) {
		e.WhatIf, e.Moves = b.whatIfs()
	} else {
		e.WhatIf, e.Moves = b.whatIf(conc)
	}
	e.Assumptions = []string{
		"landing zone set-up 30 to 60 minutes (AWS: about 30; AWS Control Tower user guide, review-and-set-up); a new account 2 to 5 minutes (AWS: \"a few minutes\"; CreateAccount)",
		"OU registration at least 10 minutes, and up to 10 + 2 × (accounts − 1) minutes, one OU operation at a time (importing-existing, limits); lz2ct sees its end up to 2 minutes later (its polling)",
		fmt.Sprintf("account enrollment 5 to 15 minutes each (AWS: \"several minutes\"), %s at a time (accountConcurrency; Control Tower allows %d by default, %d with a quota increase)",
			words.Count(conc, "account"), settings.DefaultAccountQuota, settings.MaxAccountConcurrency),
		fmt.Sprintf("StackSet operations: a minute, plus 1 to 3 minutes per batch of accounts (the operation's MaxConcurrentCount, at most stackSetConcurrency %d, per region, regions in parallel), seen up to a minute later (lz2ct's polling)", s.StackSetConcurrency),
		fmt.Sprintf("lz2ct's own calls %d ms to %d s each: ListStackInstances returns %d instances a call (ListStackInstances, MaxResults), so exporting a StackSet takes a call per %d instances; a wave's instances are read before and after its operation account by account (a call each) or, when that takes fewer calls, by paging through the whole StackSet", callLowerMillis, callUpperMillis/1000, InstancesPerPage, InstancesPerPage),
		fmt.Sprintf("a wave is prepared while Control Tower registers the previous one when that takes at most %d minutes (upper bound), otherwise after it, so no account stays unrecorded through another OU's long registration; what runs meanwhile is the overlap", overlapMaxSeconds/60),
		fmt.Sprintf("quick API steps under a second (a few calls at AWS's best) to %d s, %d of a kind at once (apply's --concurrency); direct Config removal up to %d s per account and region; decommission steps %d minutes each, its terminations, stack deletions and account closures up to %d minutes (AWS publishes no figure; lz2ct sees their end up to %d minutes later), as many at once; manual tasks 30 to 60 minutes, one at a time", quickStepSeconds, StepsAtOnce, directConfigSeconds, decomStepSeconds/60, decomAsyncUpperSeconds/60, DecomPollLagSeconds/60),
		fmt.Sprintf("lower bounds follow the critical path: steps that run at once count once, within the limits the run keeps (%d steps at once, one operation per StackSet, one Control Tower OU operation, one operator); upper bounds add each phase's parts up", StepsAtOnce),
		"waiting for people (reviews, change windows) is not included",
	}
	return e
}

func driverShares(m map[string]int64, total int64) ([]Driver, Driver) {
	var out []Driver
	for what, secs := range m {
		if secs <= 0 {
			continue
		}
		d := Driver{What: what, Seconds: secs}
		if total > 0 {
			d.Share = float64(int64(float64(secs)/float64(total)*1000+0.5)) / 1000
		}
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Seconds != out[j].Seconds {
			return out[i].Seconds > out[j].Seconds
		}
		return out[i].What < out[j].What
	})
	if len(out) == 0 {
		return []Driver{}, Driver{}
	}
	return out, out[0]
}

// ctTime is Control Tower's working time for a scope: the landing zone (when the plan creates
// it), every registration, and the one-by-one enrollments at conc at a time.
func (b *builder) ctTime(sc *scope.Scope, conc int) Range {
	var r Range
	if sc.Snapshot.ControlTower.LandingZone == nil {
		r = Range{lzLowerSeconds, lzUpperSeconds}
	}
	for _, o := range sc.Registered() {
		r = r.add(regRange(o.Enrolls))
	}
	n := 0
	for _, a := range sc.Accounts {
		if a.How == HowEnroll {
			n++
		}
	}
	return r.add(enrollRange(n, conc))
}

// whatIf works out what a change to the settings would save in Control Tower time: raising
// accountConcurrency to Control Tower's default quota (5) and to its maximum with a quota increase
// (10), raising ouAccountLimit to what the governed regions allow, allowing every move; and the
// trade-off of the moves the plan makes.
func (b *builder) whatIf(conc int) ([]WhatIf, MoveTradeOff) {
	cur := b.ctTime(b.sc, conc)
	out := []WhatIf{}
	for _, c := range []int{settings.DefaultAccountQuota, settings.MaxAccountConcurrency} {
		if c <= conc {
			continue
		}
		if saves := cur.sub(b.ctTime(b.sc, c)); saves.Upper > 0 {
			note := "Control Tower's default quota"
			if c > settings.DefaultAccountQuota {
				note = "needs a Control Tower quota increase"
			}
			out = append(out, WhatIf{Change: fmt.Sprintf("accountConcurrency %d", c), Saves: saves, Note: note})
		}
	}
	if bound := scope.RegionalOUAccountLimit(len(b.sc.Governed)); bound > b.sc.Limit {
		alt := b.sc.With(func(s *settings.Settings) { s.OUAccountLimit = bound })
		if saves := cur.sub(b.ctTime(alt, conc)); saves.Upper > 0 || saves.Lower > 0 {
			out = append(out, WhatIf{Change: fmt.Sprintf("ouAccountLimit %d", bound), Saves: saves,
				Note: fmt.Sprintf("the most %d governed regions allow; AWS's older pages say 300", len(b.sc.Governed))})
		}
	}
	var t MoveTradeOff
	for _, a := range b.sc.Accounts {
		if a.MoveTo != "" {
			t.Moved++
		}
	}
	for _, o := range b.sc.OUs {
		if o.Created {
			t.NewOUs++
		}
	}
	if len(b.s.NoMoveOUs) > 0 {
		alt := b.sc.With(func(s *settings.Settings) { s.NoMoveOUs = nil })
		t.Costs = cur.sub(b.ctTime(alt, conc))
		for _, a := range b.sc.Accounts {
			if (a.How == HowEnroll || a.How == HowLeftOut) && strings.Contains(a.Reason, "noMoveOUs") {
				t.Forbidden++
			}
		}
		if t.Costs.Upper > 0 {
			out = append(out, WhatIf{Change: "noMoveOUs removed (every move allowed)", Saves: t.Costs})
		}
	}
	if t.Moved > 0 {
		alt := b.sc.With(func(s *settings.Settings) { s.NoMoveOUs = []string{settings.AllOUs} })
		t.Saves = b.ctTime(alt, conc).sub(cur)
	}
	return out, t
}

// startWhatIf starts whatIf for the settings' accountConcurrency on another goroutine: it
// classifies the organization again under other settings (scope.With), which depends only on the
// scope, and on a large organization that is time the building of the phases can overlap. The
// returned function waits for the answer. The scopes With makes write only their own caches, and
// classifying the organization again only reads the builder's scope.
func (b *builder) startWhatIf() func() ([]WhatIf, MoveTradeOff) {
	var w []WhatIf
	var t MoveTradeOff
	done := make(chan struct{})
	go func() {
		defer close(done)
		w, t = b.whatIf(max(b.s.AccountConcurrency, 1))
	}()
	return func() ([]WhatIf, MoveTradeOff) { <-done; return w, t }
}

// waveName names an OU wave after its registration.
func (b *builder) waveName(w int) string {
	for _, o := range b.sc.Registered() {
		if o.Order == w {
			return "register " + o.Path
		}
	}
	return fmt.Sprintf("wave %d", w)
}

// calendar groups the run into working sessions of sessionHours (upper bounds). A session ends
// after a registration or an enrollment batch is done, before the next wave's preparation starts:
// then no account is without AWS Config and unenrolled. The first wave of a session is prepared in
// full (nothing ran ahead of it).
func (b *estimator) calendar(p *Plan, waveSpans, preps map[int]Range, queueSpans, queuePreps []Range, queue []*Step, outside Range) Calendar {
	limit := int64(max(b.s.SessionHours, 1)) * 3600
	c := Calendar{SessionHours: b.s.SessionHours, Sessions: []Session{}}
	var cur *Session
	var covers []string
	flush := func() {
		if cur != nil {
			cur.Covers = strings.Join(covers, ", ")
			c.Sessions = append(c.Sessions, *cur)
		}
		cur, covers = nil, nil
	}
	// item adds one piece that ends at a safe stopping point: span when the session goes on,
	// fresh when a session starts with it (nothing was prepared ahead); ct is its longest
	// Control Tower operation.
	item := func(label string, span, fresh int64, endsAfter string, ct int64) {
		if cur != nil && cur.UpperSeconds+span > limit {
			flush()
		}
		if cur == nil {
			cur = &Session{Number: len(c.Sessions) + 1}
			span = fresh
		}
		cur.UpperSeconds += span
		cur.EndsAfter = endsAfter
		if ct > limit || cur.UpperSeconds > limit {
			cur.Long = true // only its first piece can take it past the limit
		}
		if n := len(covers); n > 0 && mergeLabel(&covers[n-1], label) {
			return
		}
		covers = append(covers, label)
	}
	for _, ph := range []int{0, 1} {
		if id := p.orderedLast(ph); id != "" {
			d := p.Phases[ph].EstimateSeconds
			item(fmt.Sprintf("phase %d", ph), d, d, id, 0)
		}
	}
	for _, wi := range b.waveInfos {
		reg := b.stepRangeByID(p, wi.reg)
		item(waveLabel(wi.wave, wi.wave), waveSpans[wi.wave].Upper, preps[wi.wave].add(reg).Upper, wi.reg, reg.Upper)
	}
	conc := max(b.s.AccountConcurrency, 1)
	for i, span := range queueSpans {
		from, to := queue[i*conc], queue[min((i+1)*conc, len(queue))-1]
		fresh := queuePreps[i].add(Range{enrollLowerSeconds, enrollUpperSeconds})
		item(waveLabel(from.Wave, to.Wave), span.Upper, fresh.Upper, to.ID, enrollUpperSeconds)
	}
	for _, ph := range []int{5, 6} {
		if id := p.orderedLast(ph); id != "" {
			d := p.Phases[ph].EstimateSeconds
			if ph == 5 {
				d += outside.Upper // Shared Services' preparation, and any outside the waves, counted with it
			}
			item(fmt.Sprintf("phase %d", ph), d, d, id, 0)
		}
	}
	flush()
	return c
}

func waveLabel(from, to int) string {
	if from == to {
		return fmt.Sprintf("wave %d", from)
	}
	return fmt.Sprintf("waves %d–%d", from, to)
}

// parseWaves reads a waveLabel back.
func parseWaves(s string) (from, to int, ok bool) {
	if _, err := fmt.Sscanf(s, "waves %d–%d", &from, &to); err == nil {
		return from, to, true
	}
	if _, err := fmt.Sscanf(s, "wave %d", &from); err == nil {
		return from, from, true
	}
	return 0, 0, false
}

// mergeLabel folds a wave label into the preceding one when they are consecutive ("waves 3–5").
func mergeLabel(prev *string, label string) bool {
	a, z, ok1 := parseWaves(*prev)
	from, to, ok2 := parseWaves(label)
	if !ok1 || !ok2 || from != z+1 {
		return false
	}
	*prev = waveLabel(a, to)
	return true
}

func (b *estimator) stepRangeByID(p *Plan, id string) Range {
	if st := p.Step(id); st != nil {
		return b.stepRange(st)
	}
	return Range{}
}

// orderedLast is the last step of a phase in execution order ("" when it has none).
func (p *Plan) orderedLast(phase int) string {
	in := make(map[string]bool, len(p.Phases[phase].Steps))
	for _, st := range p.Phases[phase].Steps {
		in[st.ID] = true
	}
	for _, id := range slices.Backward(p.ExecutionOrder) {
		if in[id] {
			return id
		}
	}
	return ""
}
