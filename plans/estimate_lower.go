package plans

import (
	"cmp"
	"slices"
)

// The estimate's lower bounds follow the plan's critical path: what must run one after another,
// at AWS's best. Upper bounds add the phases' parts up (a change board schedules against them);
// a lower bound that did the same counted steps that run at once, or overlap another phase's,
// as if they ran one after another, and so was no lower bound of a run.
//
// A phase's lower bound bounds the time at least one of its steps runs (what a rehearsal reports
// for it): the most of
//   - any chain of steps, through the whole plan's dependencies, counting the phase's own steps;
//   - at a step that waits for many (a verify checkpoint, the landing zone; the run's end waits
//     for every last step), those that start at a time or later, their work after it shared out
//     as the run can run them at once: StepsAtOnce of the general pool, one operation
//     per StackSet, Control Tower's one OU operation or accountConcurrency account operations
//     (the limits the engine keeps, engine/resources), one manual task at a time (one operator);
//   - the same limits over all the phase's steps (a phase's registrations one after another).
// The run's lower bound is the longest chain through every step, or Control Tower's operations
// one after another with what must come before the first and after the last, whichever is more.

// Lower bounds of single steps AWS can do at best.
const (
	// A new account (CreateAccount until SUCCEEDED): AWS says "you might need to wait a few
	// minutes" (https://docs.aws.amazon.com/organizations/latest/APIReference/API_CreateAccount.html)
	// and gives no figure; at least 2 minutes, up to the 5 the estimate has long assumed.
	newAccountLowerSeconds = 2 * 60
)

// lane is a limit on steps running at once: the engine's (engine/resources) — a StackSet's
// operations one at a time, Control Tower's (one OU or landing-zone operation, nothing else
// meanwhile; account operations accountConcurrency at a time), and the general pool (StepsAtOnce)
// every step outside Control Tower's takes a slot of — and the operator's, who does the manual
// tasks one after another.
type lane struct {
	pool      int64            // the general pool's work
	stackSets map[string]int64 // per region/StackSet
	stackSet  int64            // the most of one StackSet
	ctOU      int64            // OU and landing-zone operations
	ctAccount int64            // account operations
	manual    int64            // the operator's
}

func (l *lane) add(st *Step, secs int64) {
	if st.Manual {
		l.manual += secs
	}
	switch st.Kind {
	case KindBaselineEnable, KindLandingZoneCreate:
		l.ctOU += secs
		return
	case KindAccountEnroll:
		l.ctAccount += secs
		return
	}
	l.pool += secs
	if key := stackSetKey(st); key != "" {
		if l.stackSets == nil {
			l.stackSets = map[string]int64{}
		}
		l.stackSets[key] += secs
		l.stackSet = max(l.stackSet, l.stackSets[key])
	}
}

// least is the shortest the work can take within the limits with conc account operations at once.
func (l *lane) least(conc int) int64 {
	return max(l.pool/StepsAtOnce, l.manual, l.stackSet, l.ct(conc))
}

// ct is Control Tower's share: its operations one after another, account operations conc at once.
func (l *lane) ct(conc int) int64 { return l.ctOU + l.ctAccount/int64(max(conc, 1)) }

// stackSetKey is a StackSet step's StackSet (region/name, as the engine claims it), "" for others.
func stackSetKey(st *Step) string {
	switch p := st.Params.(type) {
	case ConfigStackSetInstancesDelete:
		return p.StackSetInstancesDelete.Region + "/" + p.StackSetName
	case StackSetInstancesDelete:
		return p.Region + "/" + p.StackSetName
	case StackSetInstancesCreate:
		return p.Region + "/" + p.StackSetName
	case StackSetCreate:
		return p.Region + "/" + p.StackSetName
	case StackSetDelete:
		return p.Region + "/" + p.StackSetName
	}
	return ""
}

// stepLower is a step's lower bound: AWS's least for an asynchronous operation; for a quick API
// step the least its calls take (callLowerMillis each, whole seconds rounded down, so a step of a
// few calls counts 0); a manual task the person's least (manualLowerSeconds), or 0 when people
// are left out (auto).
func (b *estimator) stepLower(st *Step, auto bool) int64 {
	if st.Manual {
		if auto {
			return 0
		}
		return manualLowerSeconds
	}
	switch st.Kind {
	case KindProvisionedProductTerminate, KindStackDelete, KindAccountClose:
		return decomStepSeconds // decommission's asynchronous steps
	case KindAccountEnroll:
		return enrollLowerSeconds
	}
	if _, ok := batched[st.Kind]; ok {
		return 0
	}
	return b.stepRange(st).Lower
}

// lowerBounds are the phases' lower bounds and the run's (see the top of this file); auto leaves
// the manual tasks' people out (what a rehearsal, which confirms them at once, is held to).
func (b *estimator) lowerBounds(p *Plan, auto bool) (phases []int64, total int64) {
	conc := max(b.s.AccountConcurrency, 1)
	order := p.OrderedSteps()
	phaseOf := make(map[string]int, len(order))
	lower := make(map[string]int64, len(order))
	for i := range p.Phases {
		for j := range p.Phases[i].Steps {
			st := &p.Phases[i].Steps[j]
			phaseOf[st.ID] = i
			lower[st.ID] = b.stepLower(st, auto)
		}
	}
	byID := make(map[string]*Step, len(order))
	waited := make(map[string]bool, len(order))
	for _, st := range order {
		byID[st.ID] = st
		for _, d := range st.DependsOn {
			waited[d] = true
		}
	}
	var sinks []string
	for _, st := range order {
		if !waited[st.ID] {
			sinks = append(sinks, st.ID)
		}
	}
	// longest is the longest chain counting the steps count says, with the waits for many.
	longest := func(count func(*Step) bool) (end map[string]int64, most int64) {
		end = make(map[string]int64, len(order))
		var visit func(st *Step) int64
		visit = func(st *Step) int64 {
			if e, ok := end[st.ID]; ok {
				return e
			}
			end[st.ID] = 0 // a cycle (none in a valid plan) counts nothing more
			var start int64
			var deps []*Step
			for _, id := range st.DependsOn {
				d := byID[id]
				if d == nil {
					continue
				}
				start = max(start, visit(d))
				if count(d) && lower[d.ID] > 0 {
					deps = append(deps, d)
				}
			}
			// The steps it waits for that start at t or later take at least their share of the
			// limits after t: the most over every t at which one of them starts.
			slices.SortFunc(deps, func(a, b *Step) int { return cmp.Compare(end[b.ID]-lower[b.ID], end[a.ID]-lower[a.ID]) })
			var after lane
			for _, d := range deps {
				after.add(d, lower[d.ID])
				start = max(start, end[d.ID]-lower[d.ID]+after.least(conc))
			}
			e := start
			if count(st) {
				e += lower[st.ID]
			}
			end[st.ID] = e
			return e
		}
		for _, st := range order {
			most = max(most, visit(st))
		}
		// The run's end waits for every step no other step waits for, as a checkpoint would.
		return end, max(most, visit(&Step{ID: "\x00end", DependsOn: sinks}))
	}
	phases = make([]int64, len(p.Phases))
	for i := range p.Phases {
		_, most := longest(func(st *Step) bool { return phaseOf[st.ID] == i })
		var all lane
		for j := range p.Phases[i].Steps {
			st := &p.Phases[i].Steps[j]
			all.add(st, lower[st.ID])
		}
		phases[i] = max(most, all.least(conc))
	}
	end, total := longest(func(*Step) bool { return true })
	// Control Tower's operations one after another: after the least any of them waits for, and
	// before the least that follows every one of them (the chain after the last).
	var ct lane
	var ctSteps []*Step
	for _, st := range order {
		if st.Kind == KindBaselineEnable || st.Kind == KindLandingZoneCreate || st.Kind == KindAccountEnroll {
			ct.add(st, lower[st.ID])
			ctSteps = append(ctSteps, st)
		}
	}
	if len(ctSteps) > 0 {
		after := chainsAfter(order, lower)
		before, tail := int64(-1), int64(-1)
		for _, st := range ctSteps {
			s := end[st.ID] - lower[st.ID]
			if before < 0 || s < before {
				before = s
			}
			if t := after[st.ID] - lower[st.ID]; tail < 0 || t < tail {
				tail = t
			}
		}
		total = max(total, before+ct.ct(conc)+tail)
	}
	return phases, total
}

// chainsAfter is, per step, its lower bound plus the longest chain of steps that depend on it.
func chainsAfter(order []*Step, lower map[string]int64) map[string]int64 {
	after := make(map[string]int64, len(order))
	next := make(map[string][]string, len(order))
	for _, st := range order {
		for _, d := range st.DependsOn {
			next[d] = append(next[d], st.ID)
		}
	}
	var visit func(id string) int64
	visit = func(id string) int64 {
		if a, ok := after[id]; ok {
			return a
		}
		after[id] = lower[id]
		var most int64
		for _, n := range next[id] {
			most = max(most, visit(n))
		}
		after[id] = lower[id] + most
		return after[id]
	}
	for _, st := range order {
		visit(st.ID)
	}
	return after
}
