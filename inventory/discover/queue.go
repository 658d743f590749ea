package discover

import (
	"context"
	"sync"
)

// lane is a task's priority in the queue: a worker takes the first task of the lowest lane that
// has one. The order keeps every worker busy to the end of a discovery:
//   - the organization walk first, because it finds the work (each listed page of accounts is
//     read while the walk goes on: no barrier between the walk and the accounts);
//   - the organization-wide reads next, the longest chains (ALZ's StackSets, SCPs), so that they
//     do not start last and leave a tail;
//   - then the reads of accounts already started (IAM, one task per region), so that the accounts
//     in progress are few (about one per worker) and finish in the order they started;
//   - last, the start of a new account (AssumeRole and its opt-in regions).
//
// A region is the unit of work inside an account: at the end of a discovery the last accounts'
// regions spread over every worker, instead of one worker reading 17 regions one after another
// while the others are idle.
type lane int

const (
	laneWalk lane = iota
	laneOrg
	laneAccountPart
	laneAccountStart
	lanes
)

// queue runs tasks on a fixed number of workers, by lane and first in, first out within a lane.
// Tasks may add tasks. It replaces a bounded pool because a pool's Go blocks when every worker is
// busy, and a worker adding work (a walk task adding the accounts it listed) would block on itself.
type queue struct {
	mu      sync.Mutex
	wake    *sync.Cond
	tasks   [lanes][]func(context.Context) error
	running int
	err     error
	cancel  context.CancelFunc
}

func newQueue() *queue {
	q := &queue{}
	q.wake = sync.NewCond(&q.mu)
	return q
}

// add queues a task. A task that returns an error stops the queue: the tasks not started are
// dropped, ctx is cancelled for those running, and run returns the first error.
func (q *queue) add(l lane, task func(context.Context) error) {
	q.mu.Lock()
	if q.err == nil {
		q.tasks[l] = append(q.tasks[l], task)
		q.wake.Signal()
	}
	q.mu.Unlock()
}

// next takes the next task, waiting while other tasks run and may add some; nil when none is
// left and none runs. Called with q.mu held.
func (q *queue) next() func(context.Context) error {
	for {
		if q.err == nil {
			for l := range q.tasks {
				if t := q.tasks[l]; len(t) > 0 {
					task := t[0]
					t[0] = nil
					q.tasks[l] = t[1:]
					if len(q.tasks[l]) == 0 {
						q.tasks[l] = nil // let the emptied backing array go
					}
					return task
				}
			}
		}
		if q.running == 0 {
			q.wake.Broadcast() // the other workers end too
			return nil
		}
		q.wake.Wait()
	}
}

// run runs the queued tasks, and those they add, on n workers until none is left.
func (q *queue) run(ctx context.Context, n int) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	q.mu.Lock()
	q.cancel = cancel
	q.mu.Unlock()
	var wg sync.WaitGroup
	for range max(1, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			q.mu.Lock()
			defer q.mu.Unlock()
			for {
				task := q.next()
				if task == nil {
					return
				}
				q.running++
				q.mu.Unlock()
				err := task(ctx)
				q.mu.Lock()
				q.running--
				if err != nil && q.err == nil {
					q.err = err
					q.tasks = [lanes][]func(context.Context) error{}
					q.cancel()
				}
				if q.running == 0 {
					q.wake.Broadcast()
				}
			}
		}()
	}
	wg.Wait()
	return q.err
}
