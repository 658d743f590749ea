package sim

import (
	"context"
	"sync"
	"time"
)

// Clock is the simulator's notion of now. Asynchronous operations complete when the clock reaches
// their end time; the audit log stamps calls with it.
type Clock interface {
	Now() time.Time
}

// scaledClock runs at scale times wall time from start: with scale 60, one wall second is a
// simulated minute, so a 30-minute landing zone set-up takes 30 wall seconds.
type scaledClock struct {
	start     time.Time // simulated time at wallStart
	wallStart time.Time
	scale     float64
}

// NewScaledClock returns a clock that starts at start and runs scale times faster than wall time
// (scale <= 0 means 1).
func NewScaledClock(start time.Time, scale float64) Clock {
	if scale <= 0 {
		scale = 1
	}
	return &scaledClock{start: start, wallStart: time.Now(), scale: scale}
}

func (c *scaledClock) Now() time.Time {
	return c.start.Add(time.Duration(float64(time.Since(c.wallStart)) * c.scale))
}

// EventClock is a clock driven by the waits of the run it serves (the rehearsal): while any of the
// run's goroutines works it runs scale times faster than wall time (1 = lz2ct's own work costs
// what it costs), and as soon as every one of them waits (Sleep) it moves ahead to the earliest
// wake-up. A rehearsal's simulated durations are then AWS's durations plus lz2ct's own work, not
// the wall time the machine took to compute them multiplied by a scale; and its wall time is what
// the computing takes. The run says which goroutines work (Join, Leave): engine.Options.Clock.
//
// A goroutine that waits on something other than the clock while counted as working (an HTTP
// call, a lock) keeps the clock from jumping; its time then runs at scale, so the clock never
// stalls.
type EventClock struct {
	mu        sync.Mutex
	start     time.Time
	wallStart time.Time
	scale     float64
	skipped   time.Duration // the jumps so far
	busy      int           // goroutines working (Join minus Leave, sleepers not counted)
	sleepers  []*sleeper
	jumped    chan struct{} // closed (and replaced) at each jump: the sleepers time their wake-up again
}

type sleeper struct {
	wake  time.Time
	woken chan struct{}
	done  bool // woken (by a jump, its timer or its context): counted as working again
}

// NewEventClock returns a clock that starts at start and runs scale times faster than wall time
// while the run works (scale <= 0 means 1).
func NewEventClock(start time.Time, scale float64) *EventClock {
	if scale <= 0 {
		scale = 1
	}
	return &EventClock{start: start, wallStart: time.Now(), scale: scale, jumped: make(chan struct{})}
}

func (c *EventClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now()
}

func (c *EventClock) now() time.Time {
	return c.start.Add(time.Duration(float64(time.Since(c.wallStart))*c.scale) + c.skipped)
}

// Join counts one more goroutine working for the run.
func (c *EventClock) Join() {
	c.mu.Lock()
	c.busy++
	c.mu.Unlock()
}

// Leave counts one goroutine fewer; when none works, the clock moves to the next wake-up.
func (c *EventClock) Leave() {
	c.mu.Lock()
	c.busy--
	c.advance()
	c.mu.Unlock()
}

// Sleep waits d of simulated time unless stop or ctx ends first (false). The caller must count as
// working (Join): it counts as waiting until it wakes.
func (c *EventClock) Sleep(stop, ctx context.Context, d time.Duration) bool {
	var stopDone, ctxDone <-chan struct{}
	if stop != nil {
		stopDone = stop.Done()
	}
	if ctx != nil {
		ctxDone = ctx.Done()
	}
	c.mu.Lock()
	s := &sleeper{wake: c.now().Add(d), woken: make(chan struct{})}
	c.sleepers = append(c.sleepers, s)
	c.busy--
	c.advance()
	c.mu.Unlock()
	ok := true
	for {
		// The wall time until the wake-up, again after each jump of the clock.
		c.mu.Lock()
		wall := time.Duration(float64(s.wake.Sub(c.now())) / c.scale)
		jumped := c.jumped
		c.mu.Unlock()
		t := time.NewTimer(max(wall, 0))
		select {
		case <-s.woken:
			t.Stop()
			return true
		case <-jumped:
			t.Stop()
			continue
		case <-t.C:
		case <-stopDone:
			ok = false
		case <-ctxDone:
			ok = false
		}
		t.Stop()
		c.mu.Lock()
		c.wake(s)
		c.mu.Unlock()
		return ok
	}
}

// advance moves the clock to the earliest wake-up when nobody works, and wakes the sleepers due.
// c.mu is held.
func (c *EventClock) advance() {
	if c.busy > 0 || len(c.sleepers) == 0 {
		return
	}
	first := c.sleepers[0].wake
	for _, s := range c.sleepers[1:] {
		if s.wake.Before(first) {
			first = s.wake
		}
	}
	if now := c.now(); first.After(now) {
		c.skipped += first.Sub(now)
		close(c.jumped)
		c.jumped = make(chan struct{})
	}
	now := c.now()
	for _, s := range append([]*sleeper(nil), c.sleepers...) {
		if !s.wake.After(now) {
			c.wake(s)
		}
	}
}

// wake takes s off the sleepers and counts it as working again (once). c.mu is held.
func (c *EventClock) wake(s *sleeper) {
	if s.done {
		return
	}
	s.done = true
	c.busy++
	close(s.woken)
	for i, o := range c.sleepers {
		if o == s {
			c.sleepers = append(c.sleepers[:i], c.sleepers[i+1:]...)
			break
		}
	}
}

// ManualClock stands still until a test advances it: asynchronous operations then complete exactly
// when the test says, whatever the machine's speed.
type ManualClock struct {
	mu  sync.Mutex
	now time.Time
}

// NewManualClock returns a clock standing at start.
func NewManualClock(start time.Time) *ManualClock { return &ManualClock{now: start} }

func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *ManualClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// Durations are how long the asynchronous operations take in simulated time. DefaultDurations holds
// AWS's published figures; Options.Durations overrides them field by field (zero = default).
type Durations struct {
	// OURegistration is EnableBaseline of AWSControlTowerBaseline on an OU (registering it) with no
	// accounts: "at least 10 minutes". https://docs.aws.amazon.com/controltower/latest/userguide/importing-existing.html
	OURegistration time.Duration
	// OURegistrationPerAccount is added per additional account in the OU ("up to 2 minutes per
	// additional account").
	OURegistrationPerAccount time.Duration
	// Enrollment is enrolling one account (Account Factory ProvisionProduct, EnableBaseline on an
	// account): AWS says "several minutes". https://docs.aws.amazon.com/controltower/latest/userguide/enroll-account.html
	Enrollment time.Duration
	// LandingZone is CreateLandingZone / UpdateLandingZone: "about 30 minutes"
	// (https://docs.aws.amazon.com/controltower/latest/userguide/review-and-set-up.html, "approximately 30 minutes").
	LandingZone time.Duration
	// StackSetOperation is a StackSet operation's fixed part and StackInstance the time of each
	// batch of stack instances (svc_cloudformation_mut.go lays batches out by the operation's
	// preferences). AWS publishes no figure; a minute is typical of small templates, and the
	// planner's estimates assume 1 to 3 minutes a batch.
	StackSetOperation time.Duration
	StackInstance     time.Duration
	// StackDeletion is DeleteStack until DELETE_COMPLETE. AWS publishes no figure; it depends on
	// the stack's resources (an assumption, like the StackSet figures).
	StackDeletion time.Duration
	// CreateAccount is Organizations CreateAccount until SUCCEEDED; AWS says it usually takes
	// minutes. https://docs.aws.amazon.com/organizations/latest/APIReference/API_CreateAccount.html
	CreateAccount time.Duration
	// CloseAccount is CloseAccount until the account is SUSPENDED (PENDING_CLOSURE until then).
	CloseAccount time.Duration
	// PrecheckFailure is how long a Control Tower operation whose pre-checks fail (registration,
	// enrollment) runs before it ends FAILED: the checks come first, so it fails early. AWS
	// publishes no figure; this is our assumption.
	PrecheckFailure time.Duration
	// Termination is TerminateProvisionedProduct of a provisioned product until its record
	// SUCCEEDED (its stack deleted). AWS publishes no figure; this is our assumption.
	Termination time.Duration
	// PipelineStage is how long one stage of a CodePipeline execution runs (ALZ's pipeline builds and
	// deploys in each). AWS publishes no figure; this is our assumption.
	PipelineStage time.Duration
}

// DefaultDurations are the durations the simulator uses unless Options.Durations says otherwise:
// the one place AWS's published figures (and our assumptions where AWS publishes none) live.
func DefaultDurations() Durations {
	return Durations{
		OURegistration:           10 * time.Minute,
		OURegistrationPerAccount: 2 * time.Minute,
		Enrollment:               5 * time.Minute,
		LandingZone:              30 * time.Minute,
		StackSetOperation:        1 * time.Minute,
		StackInstance:            1 * time.Minute,
		StackDeletion:            2 * time.Minute,
		CreateAccount:            4 * time.Minute,
		CloseAccount:             2 * time.Minute,
		PrecheckFailure:          2 * time.Minute,
		Termination:              3 * time.Minute,
		PipelineStage:            3 * time.Minute,
	}
}

// withDefaults fills the zero fields of d from DefaultDurations.
func (d Durations) withDefaults() Durations {
	def := DefaultDurations()
	for _, f := range []struct{ v, def *time.Duration }{
		{&d.OURegistration, &def.OURegistration}, {&d.OURegistrationPerAccount, &def.OURegistrationPerAccount},
		{&d.Enrollment, &def.Enrollment}, {&d.LandingZone, &def.LandingZone},
		{&d.StackSetOperation, &def.StackSetOperation}, {&d.StackInstance, &def.StackInstance}, {&d.StackDeletion, &def.StackDeletion},
		{&d.CreateAccount, &def.CreateAccount}, {&d.CloseAccount, &def.CloseAccount},
		{&d.PrecheckFailure, &def.PrecheckFailure}, {&d.Termination, &def.Termination},
		{&d.PipelineStage, &def.PipelineStage},
	} {
		if *f.v == 0 {
			*f.v = *f.def
		}
	}
	return d
}
