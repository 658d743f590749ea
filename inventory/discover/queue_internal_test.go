package discover

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// One worker takes the tasks by lane, first in first out within a lane, tasks added by a running
// task included.
func TestQueueOrder(t *testing.T) {
	q := newQueue()
	var got []string
	note := func(s string) func(context.Context) error {
		return func(context.Context) error { got = append(got, s); return nil }
	}
	q.add(laneAccountStart, func(context.Context) error {
		got = append(got, "start1")
		q.add(laneAccountPart, note("part1"))
		q.add(laneAccountPart, note("part2"))
		return nil
	})
	q.add(laneAccountStart, note("start2"))
	q.add(laneOrg, note("org"))
	q.add(laneWalk, func(context.Context) error {
		got = append(got, "walk")
		q.add(laneWalk, note("walk2"))
		return nil
	})
	if err := q.run(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	if want := "walk walk2 org start1 part1 part2 start2"; strings.Join(got, " ") != want {
		t.Errorf("ran %q, want %q", strings.Join(got, " "), want)
	}
}

// Many workers run every task, those added while others run too, and return when none is left.
func TestQueueRunsAddedTasks(t *testing.T) {
	q := newQueue()
	var ran atomic.Int64
	var add func(depth int) func(context.Context) error
	add = func(depth int) func(context.Context) error {
		return func(context.Context) error {
			ran.Add(1)
			if depth < 6 {
				q.add(lane(depth%int(lanes)), add(depth+1))
				q.add(laneAccountPart, add(depth+1))
			}
			return nil
		}
	}
	q.add(laneWalk, add(0))
	if err := q.run(context.Background(), 8); err != nil {
		t.Fatal(err)
	}
	if got := ran.Load(); got != 127 { // 2^7 - 1 tasks in a binary tree of depth 6
		t.Errorf("%d tasks ran, want 127", got)
	}
}

// A failed task stops the queue: the tasks not started are dropped, the running ones see their
// context cancelled, run returns the first error.
func TestQueueStopsOnError(t *testing.T) {
	q := newQueue()
	boom := errors.New("boom")
	started := make(chan struct{})
	var cancelled atomic.Bool
	var mu sync.Mutex
	var later []string
	q.add(laneWalk, func(ctx context.Context) error {
		close(started)
		<-ctx.Done()
		cancelled.Store(true)
		return nil
	})
	q.add(laneWalk, func(context.Context) error {
		<-started
		return boom
	})
	for i := range 5 {
		q.add(laneAccountStart, func(context.Context) error {
			mu.Lock()
			later = append(later, fmt.Sprint(i))
			mu.Unlock()
			return nil
		})
	}
	if err := q.run(context.Background(), 2); !errors.Is(err, boom) {
		t.Fatalf("run = %v, want boom", err)
	}
	if !cancelled.Load() {
		t.Error("the running task's context was not cancelled")
	}
	if len(later) != 0 {
		t.Errorf("tasks queued before the failure ran after it: %v", later)
	}
	q.add(laneWalk, func(context.Context) error { t.Error("a task added after the failure ran"); return nil })
}
