package awsapi

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// One bucket per account, API and region: a burst in one account does not delay another
// account, another API or another region; the same key shares its bucket.
func TestLimiterScope(t *testing.T) {
	l := newLimiters(2) // burst 2
	now := time.Unix(1000, 0)
	l.now = func() time.Time { return now }
	delay := func(k limiterKey) time.Duration {
		r, at := l.reserve(k)
		return r.DelayFrom(at)
	}
	k := limiterKey{"111111111111", "Config Service", "DescribeDeliveryChannels", "eu-west-1"}
	for i := range 2 {
		if d := delay(k); d != 0 {
			t.Fatalf("call %d within the burst waits %v", i, d)
		}
	}
	if d := delay(k); d != 500*time.Millisecond {
		t.Errorf("third call waits %v, want 500ms at 2/s", d)
	}
	for _, other := range []limiterKey{
		{"222222222222", k.service, k.operation, k.region},
		{k.account, k.service, "DescribeConfigurationRecorders", k.region},
		{k.account, k.service, k.operation, "eu-central-1"},
	} {
		if d := delay(other); d != 0 {
			t.Errorf("%v waits %v behind another bucket", other, d)
		}
	}
}

// Full buckets are dropped, so the table stays the size of what is in use however many accounts
// and regions a run goes through; a bucket still refilling is kept (its debt is remembered).
func TestLimiterTableStaysSmall(t *testing.T) {
	l := newLimiters(10)
	now := time.Unix(1000, 0)
	l.now = func() time.Time { return now }
	busy := limiterKey{"999999999999", "STS", "AssumeRole", "us-east-1"}
	for range 200 { // 190 calls of debt at 10/s: 20s before the bucket is full again
		l.reserve(busy)
	}
	for i := range 100_000 { // 10s in all
		if i%1000 == 0 {
			now = now.Add(100 * time.Millisecond)
		}
		l.reserve(limiterKey{fmt.Sprintf("%012d", i), "Config Service", "DescribeDeliveryChannels", "eu-west-1"})
	}
	if n := l.size(); n > 4*minSweep {
		t.Errorf("%d buckets held after 100,000 accounts called once each, want a few thousand at most", n)
	}
	l.mu.Lock()
	_, kept := l.m[busy]
	l.mu.Unlock()
	if !kept {
		t.Error("a bucket still in debt was dropped: its next call would not wait")
	}
}

// A call that cannot wait for its token returns the context's error and gives the token back.
func TestLimiterWaitCancelled(t *testing.T) {
	l := newLimiters(1)
	k := limiterKey{"111111111111", "STS", "AssumeRole", "us-east-1"}
	if err := l.wait(context.Background(), k); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if err := l.wait(ctx, k); err == nil {
		t.Fatal("a call waited past its context's deadline")
	}
}

// A scaled run paces in simulated time: at 2 calls/s and a clock 100 times faster than wall time,
// the call after the burst waits 500 ms / 100 of wall time, and its burst is still 2 calls.
func TestLimiterScaled(t *testing.T) {
	l := newLimiters(2)
	l.scale = 100
	now := time.Unix(1000, 0)
	l.now = func() time.Time { return now }
	k := limiterKey{"111111111111", "Config Service", "DescribeDeliveryChannels", "eu-west-1"}
	var got []time.Duration
	for range 3 {
		r, at := l.reserve(k)
		got = append(got, r.DelayFrom(at))
	}
	if got[0] != 0 || got[1] != 0 || got[2] != 5*time.Millisecond {
		t.Errorf("delays %v, want [0 0 5ms] (burst 2, then 500ms/100)", got)
	}
}
