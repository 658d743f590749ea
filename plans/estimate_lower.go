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
	pool      int64           // the general pool's work
	stackSets map[int32]int64 // per StackSet (lowerGraph.stackSet)
	stackSet  int64           // the most of one StackSet
	ctOU      int64           // OU and landing-zone operations
	ctAccount int64           // account operations
	manual    int64           // the operator's
}

func (l *lane) add(g *lowerGraph, i int32, secs int64) {
	if g.manual[i] {
		l.manual += secs
	}
	switch g.ct[i] {
	case ctOU:
		l.ctOU += secs
		return
	case ctAccount:
		l.ctAccount += secs
		return
	}
	l.pool += secs
	if key := g.stackSet[i]; key >= 0 {
		if l.stackSets == nil {
			l.stackSets = map[int32]int64{}
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
	if _, ok := batched[st.Kind]; ok {
		return 0
	}
	return b.stepRange(st).Lower
}

// Control Tower's operations, as lane counts them.
const (
	ctNone = iota
	ctOU
	ctAccount
)

// lowerGraph is the plan's steps in execution order, numbered, with what lowerBounds needs of
// each: a 10,000-account plan's bounds walk its 10,000 steps nine times, which over maps keyed by
// step ID took a quarter of lz2ct plan's time.
type lowerGraph struct {
	deps     [][]int32 // the steps each waits for (those in the plan)
	phase    []int32   // index in Plan.Phases
	manual   []bool
	ct       []int8  // ctNone, ctOU, ctAccount
	stackSet []int32 // a number per region/StackSet, -1 for a step on none
	sinks    []int32 // the steps no other step waits for
	ctSteps  []int32 // Control Tower's operations, in order
}

func newLowerGraph(p *Plan, order []*Step) *lowerGraph {
	n := len(order)
	g := &lowerGraph{deps: make([][]int32, n), phase: make([]int32, n), manual: make([]bool, n), ct: make([]int8, n), stackSet: make([]int32, n)}
	num := make(map[string]int32, n)
	for i, st := range order {
		num[st.ID] = int32(i)
	}
	for i := range p.Phases {
		for j := range p.Phases[i].Steps {
			if k, ok := num[p.Phases[i].Steps[j].ID]; ok {
				g.phase[k] = int32(i)
			}
		}
	}
	stackSets := map[string]int32{}
	waited := make([]bool, n)
	for i, st := range order {
		for _, id := range st.DependsOn {
			if d, ok := num[id]; ok {
				g.deps[i] = append(g.deps[i], d)
				waited[d] = true
			}
		}
		g.manual[i] = st.Manual
		switch st.Kind {
		case KindBaselineEnable, KindLandingZoneCreate:
			g.ct[i] = ctOU
		case KindAccountEnroll:
			g.ct[i] = ctAccount
		}
		if g.ct[i] != ctNone {
			g.ctSteps = append(g.ctSteps, int32(i))
		}
		g.stackSet[i] = -1
		if key := stackSetKey(st); key != "" {
			k, ok := stackSets[key]
			if !ok {
				k = int32(len(stackSets))
				stackSets[key] = k
			}
			g.stackSet[i] = k
		}
	}
	for i := range order {
		if !waited[i] {
			g.sinks = append(g.sinks, int32(i))
		}
	}
	return g
}

// lowerBounds are the phases' lower bounds and the run's (see the top of this file), with the
// manual tasks' people counted (lows, total) and left out (autos, autoTotal: what a rehearsal,
// which confirms them at once, is held to).
func (b *estimator) lowerBounds(p *Plan) (lows []int64, total int64, autos []int64, autoTotal int64) {
	order := p.OrderedSteps()
	g := newLowerGraph(p, order)
	lower, auto := make([]int64, len(order)), make([]int64, len(order))
	for i, st := range order {
		lower[i], auto[i] = b.stepLower(st, false), b.stepLower(st, true)
	}
	lows, total = b.lowerBoundsOf(p, g, lower)
	autos, autoTotal = b.lowerBoundsOf(p, g, auto)
	return lows, total, autos, autoTotal
}

// lowerBoundsOf is lowerBounds for one set of step lower bounds (by step number).
func (b *estimator) lowerBoundsOf(p *Plan, g *lowerGraph, lower []int64) (phases []int64, total int64) {
	conc := max(b.s.AccountConcurrency, 1)
	n := len(lower)
	end := make([]int64, n+1) // the last is the run's end, which waits for every sink
	state := make([]int8, n+1)
	var deps []int32
	// longest is the longest chain counting the steps count says, with the waits for many.
	longest := func(count func(i int32) bool) (most int64) {
		clear(state)
		var visit func(i int32) int64
		visit = func(i int32) int64 {
			switch state[i] {
			case 2:
				return end[i]
			case 1:
				return 0 // a cycle (none in a valid plan) counts nothing more
			}
			state[i], end[i] = 1, 0
			ds := g.sinks
			if int(i) < n {
				ds = g.deps[i]
			}
			var start int64
			for _, d := range ds {
				start = max(start, visit(d))
			}
			// The steps it waits for that start at t or later take at least their share of the
			// limits after t: the most over every t at which one of them starts.
			deps = deps[:0]
			for _, d := range ds {
				if count(d) && lower[d] > 0 {
					deps = append(deps, d)
				}
			}
			slices.SortFunc(deps, func(a, b int32) int { return cmp.Compare(end[b]-lower[b], end[a]-lower[a]) })
			var after lane
			for _, d := range deps {
				after.add(g, d, lower[d])
				start = max(start, end[d]-lower[d]+after.least(conc))
			}
			e := start
			if int(i) < n && count(i) {
				e += lower[i]
			}
			end[i], state[i] = e, 2
			return e
		}
		for i := range n {
			most = max(most, visit(int32(i)))
		}
		return max(most, visit(int32(n)))
	}
	phases = make([]int64, len(p.Phases))
	for ph := range p.Phases {
		most := longest(func(i int32) bool { return g.phase[i] == int32(ph) })
		var all lane
		for i := range n {
			if g.phase[i] == int32(ph) {
				all.add(g, int32(i), lower[i])
			}
		}
		phases[ph] = max(most, all.least(conc))
	}
	total = longest(func(int32) bool { return true })
	// Control Tower's operations one after another: after the least any of them waits for, and
	// before the least that follows every one of them (the chain after the last).
	if len(g.ctSteps) > 0 {
		var ct lane
		after := chainsAfter(g, lower)
		before, tail := int64(-1), int64(-1)
		for _, i := range g.ctSteps {
			ct.add(g, i, lower[i])
			if s := end[i] - lower[i]; before < 0 || s < before {
				before = s
			}
			if t := after[i] - lower[i]; tail < 0 || t < tail {
				tail = t
			}
		}
		total = max(total, before+ct.ct(conc)+tail)
	}
	return phases, total
}

// chainsAfter is, per step, its lower bound plus the longest chain of steps that depend on it.
func chainsAfter(g *lowerGraph, lower []int64) []int64 {
	n := len(lower)
	next := make([][]int32, n)
	for i, ds := range g.deps {
		for _, d := range ds {
			next[d] = append(next[d], int32(i))
		}
	}
	after := make([]int64, n)
	state := make([]int8, n)
	var visit func(i int32) int64
	visit = func(i int32) int64 {
		switch state[i] {
		case 2:
			return after[i]
		case 1:
			return lower[i]
		}
		state[i] = 1
		var most int64
		for _, k := range next[i] {
			most = max(most, visit(k))
		}
		after[i], state[i] = lower[i]+most, 2
		return after[i]
	}
	for i := range n {
		visit(int32(i))
	}
	return after
}
