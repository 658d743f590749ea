package steps_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lz2ct/lz2ct/engine/hooks"
	"github.com/lz2ct/lz2ct/journal"
	"github.com/lz2ct/lz2ct/plans"
	"github.com/lz2ct/lz2ct/sim"
)

// A focused kill test of the S3 kinds (the crash harness of engine/crash drives lz2ct apply over
// a plan of SCP steps): the engine runs in this process, and a kill is the process dying — every
// event after it is lost (the journal hook refuses it), the run's context ends, and the answer of
// the call that was being served never reaches the client. Kills come from the simulator's
// after-mutation hook (AWS applied the change, lz2ct never heard of it) and at random instants.
// Every episode must end with every object copied exactly once, every bucket deleted once, and
// the exports whole.

var errKilled = errors.New("killed")

// killable is a journal hook that loses everything once the run is killed.
type killable struct {
	inner hooks.Hook
	dead  *atomic.Bool
}

func (k killable) Handle(ev hooks.Event) error {
	if k.dead.Load() {
		return errKilled
	}
	return k.inner.Handle(ev)
}

// s3CrashPoints is how many kills the test makes: LZ2CT_CRASH_POINTS (make crash), else 30.
func s3CrashPoints(t *testing.T) int {
	if s := os.Getenv("LZ2CT_CRASH_POINTS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("LZ2CT_CRASH_POINTS=%q: want a positive number", s)
		}
		return n
	}
	return 30
}

// crashRun is one run that may be killed.
type crashRun struct {
	mu        sync.Mutex
	killAt    int // kill at this successful mutation (0 = not armed)
	mutations int
	kill      func()
	done      chan struct{}
	hookKills int
}

func (c *crashRun) afterMutation(call sim.Call) {
	if call.Code != "" || call.Replay {
		return
	}
	c.mu.Lock()
	c.mutations++
	fire := c.killAt > 0 && c.mutations == c.killAt && c.kill != nil
	kill, done := c.kill, c.done
	if fire {
		c.hookKills++
		c.killAt = 0
	}
	c.mu.Unlock()
	if !fire {
		return
	}
	kill()
	select { // the answer goes out only once the killed run is gone
	case <-done:
	case <-time.After(10 * time.Second):
	}
}

func TestS3CrashAndResume(t *testing.T) {
	want := s3CrashPoints(t)
	kills, hookKills, episodes := 0, 0, 0
	for seed := uint64(1); kills < want; seed++ {
		episodes++
		cr := &crashRun{}
		e := newS3Env(t, sim.Options{Seed: int64(seed), AfterMutation: cr.afterMutation})
		e.r.noRateLimit = true
		rng := rand.New(rand.NewPCG(seed, 99))
		cp := e.step(plans.KindLogsCopy, 0).Params.(plans.LogsCopy)
		src, _ := e.srv.S3Bucket(cp.SourceBucket)
		for attempt := 0; ; attempt++ {
			if attempt > 50 {
				t.Fatalf("episode %d does not finish", seed)
			}
			ctx, cancel := context.WithCancel(context.Background())
			dead := &atomic.Bool{}
			killNow := func() { dead.Store(true); cancel() }
			done := make(chan struct{})
			var timer *time.Timer
			armed := kills < want
			cr.mu.Lock()
			cr.mutations, cr.killAt, cr.kill, cr.done = 0, 0, killNow, done
			if armed && attempt%2 == 0 {
				cr.killAt = 1 + rng.IntN(20)
			}
			cr.mu.Unlock()
			if armed && attempt%2 == 1 {
				timer = time.AfterFunc(time.Duration(rng.Int64N(int64(400*time.Millisecond))), killNow)
			}
			sum := e.r.run(ctx, nil, func(h hooks.Hook) hooks.Hook { return killable{inner: h, dead: dead} })
			close(done)
			if timer != nil {
				timer.Stop()
			}
			cancel()
			e.waitIdle()
			cr.mu.Lock()
			cr.kill = nil
			cr.mu.Unlock()
			if dead.Load() {
				kills++
				// Between kills the journal reads whole.
				if _, err := journal.Read(e.r.dir); err != nil && !os.IsNotExist(err) {
					t.Fatalf("after kill %d the journal is damaged: %v", kills, err)
				}
				continue
			}
			if !sum.Complete() {
				t.Fatalf("episode %d: failed %+v, waiting %+v, not started %+v", seed, sum.Failed, sum.Waiting, sum.NotStarted)
			}
			break
		}
		hookKills += cr.hookKills
		e.checkEnd(src, cp)
		if t.Failed() {
			t.Fatalf("episode %d failed after %d kills", seed, kills)
		}
	}
	t.Logf("%d kills (%d in the after-mutation window) over %d episodes", kills, hookKills, episodes)
	if hookKills < want/4 {
		t.Errorf("only %d of %d kills came from the after-mutation hook", hookKills, kills)
	}
}

// waitIdle waits until the simulator has answered every call in flight (a killed run's calls may
// still be served): a resume must not list a bucket a late copy is about to change.
func (e *s3Env) waitIdle() {
	last, stable := -1, 0
	for stable < 5 {
		n, _ := e.srv.CallCount()
		if n == last {
			stable++
		} else {
			last, stable = n, 0
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// checkEnd: every source object copied exactly once, each bucket created once with one policy,
// every deleted bucket deleted once with no DeleteObjects batch repeated, the export whole.
func (e *s3Env) checkEnd(src sim.S3Bucket, cp plans.LogsCopy) {
	t := e.t
	t.Helper()
	copies := map[string]int{}
	muts := map[string]int{}
	for _, c := range e.srv.Calls() {
		if !c.Mutating || c.Code != "" {
			continue
		}
		if c.Operation == "CopyObject" {
			copies[c.Target]++
		} else {
			muts[c.Operation+" "+c.Target]++
		}
	}
	n := 0
	for _, v := range src.Versions {
		if v.Latest && !v.DeleteMarker {
			n++
			if got := copies[cp.DestinationBucket+"/"+v.Key]; got != 1 {
				t.Errorf("%s copied %d times", v.Key, got)
			}
		}
	}
	if len(copies) != n {
		t.Errorf("%d keys copied, the source held %d", len(copies), n)
	}
	for k, c := range muts {
		if c != 1 {
			t.Errorf("%s applied %d times", k, c)
		}
	}
	for _, d := range stepsOf(e.p, plans.KindBucketDelete) {
		b := d.Params.(plans.BucketDelete).Bucket
		if _, ok := e.srv.S3Bucket(b); ok || muts["DeleteBucket "+b] != 1 {
			t.Errorf("bucket %s: still there %v, DeleteBucket applied %d times", b, ok, muts["DeleteBucket "+b])
		}
	}
	dest, _ := e.srv.S3Bucket(cp.DestinationBucket)
	if !sameCurrent(src, dest) {
		t.Error("the copy differs from the source")
	}
	st := mustRead(t, e.r.dir)
	for _, s := range e.p.OrderedSteps() {
		if st.Step(s.ID).Status != journal.Done {
			t.Errorf("journal: %s is %s", s.ID, st.Step(s.ID).Status)
		}
	}
	if _, err := os.Stat(fmt.Sprintf("%s/exports/buckets/%s.index.json", e.r.dir, e.step(plans.KindExportBucket, 0).Params.(plans.ExportBucket).Bucket)); err != nil {
		t.Errorf("export index: %v", err)
	}
}
