package sim

import (
	"context"
	"testing"
	"time"
)

// When every goroutine of the run waits, the event clock moves to the earliest wake-up at once:
// an hour's sleep ends without an hour of wall time, and a longer sleep still waits for its turn.
func TestEventClockJumpsWhenEveryoneWaits(t *testing.T) {
	start := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	c := NewEventClock(start, 1)
	ctx := context.Background()
	woke := make(chan time.Time, 2)
	for _, d := range []time.Duration{time.Hour, 3 * time.Hour} {
		c.Join()
		go func() {
			c.Sleep(ctx, ctx, d)
			woke <- c.Now()
			c.Leave()
		}()
	}
	var got []time.Time
	for range 2 {
		select {
		case at := <-woke:
			got = append(got, at)
		case <-time.After(time.Minute):
			t.Fatalf("the sleepers were not woken by the clock's jumps (woke at %v)", got)
		}
	}
	if got[0].Sub(start) < time.Hour || got[0].Sub(start) > time.Hour+time.Minute {
		t.Errorf("first sleeper woke at +%v, want +1h", got[0].Sub(start))
	}
	if got[1].Sub(start) < 3*time.Hour || got[1].Sub(start) > 3*time.Hour+time.Minute {
		t.Errorf("second sleeper woke at +%v, want +3h", got[1].Sub(start))
	}
}

// While a goroutine works the clock does not jump: a sleeper waits until the worker is done (or
// its time passes at the clock's own speed), and a stopped sleep reports false.
func TestEventClockHoldsWhileSomeoneWorks(t *testing.T) {
	start := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	c := NewEventClock(start, 1)
	ctx := context.Background()
	c.Join() // the worker
	c.Join() // the sleeper
	woke := make(chan time.Time, 1)
	go func() {
		c.Sleep(ctx, ctx, time.Hour)
		woke <- c.Now()
	}()
	select {
	case at := <-woke:
		t.Fatalf("the sleeper woke at +%v while another goroutine worked", at.Sub(start))
	case <-time.After(50 * time.Millisecond):
	}
	c.Leave() // the worker is done: the clock jumps
	select {
	case at := <-woke:
		if at.Sub(start) < time.Hour {
			t.Errorf("woke at +%v, want +1h", at.Sub(start))
		}
	case <-time.After(time.Minute):
		t.Fatal("the sleeper was not woken once nobody worked")
	}
	stop, cancel := context.WithCancel(ctx)
	cancel()
	c.Join()
	if c.Sleep(stop, ctx, time.Hour) {
		t.Error("a stopped sleep reported true")
	}
}
