package awsapi

import (
	"context"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
	"golang.org/x/time/rate"
)

// limiters are the client-side token buckets of one client set: one per account, API (service,
// operation) and region. That is the scope AWS throttles in: request rates count against the
// account that owns the calling credentials, in each region — EC2 says so for its API
// (https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html), Service Quotas lists
// its API rates per account and region
// (https://docs.aws.amazon.com/servicequotas/latest/userguide/reference_limits.html), and the
// services without published rates (Organizations, STS, Config, CloudFormation, Service Catalog)
// count the same way (https://repost.aws/knowledge-center/iam-sts-throttling-error). So calls made
// with an assumed role in a member account never slow down another account's, and every
// AssumeRole counts against the management account that makes it.
//
// A bucket that has filled up again is indistinguishable from a new one, so full buckets are
// dropped: the table holds the buckets of calls in flight or just made, not one per account,
// API and region ever called (10,000 accounts x 17 regions x 6 APIs would be a million).
type limiters struct {
	// rate is the calls/s for every API; 0 = each operation's default (Operation.Rate or
	// DefaultRatePerSecond); negative = no limit.
	rate float64
	// scale is the simulated clock's speed (Options.TimeScale, at least 1): buckets refill scale
	// times faster in wall time, so pacing holds in simulated time.
	scale float64
	mu    sync.Mutex
	m     map[limiterKey]*rate.Limiter
	// swept is the table's size after the last sweep; the next one runs when it has doubled, so
	// sweeping costs O(1) per call.
	swept int
	now   func() time.Time // time.Now; tests move it
}

type limiterKey struct{ account, service, operation, region string }

// minSweep is the table size below which full buckets are not worth sweeping.
const minSweep = 1024

func newLimiters(perSecond float64) *limiters {
	return &limiters{rate: perSecond, scale: 1, m: map[limiterKey]*rate.Limiter{}, now: time.Now}
}

// rateFor is the limit for one operation.
func (l *limiters) rateFor(service, operation string) float64 {
	if l.rate > 0 {
		return l.rate
	}
	if op, ok := Lookup(service, operation); ok && op.Rate > 0 {
		return op.Rate
	}
	return DefaultRatePerSecond
}

// reserve takes a token from the bucket of k (making the bucket when there is none) and says how
// long the call must wait for it. Taking it under the lock means a bucket is never dropped while a
// caller still holds it.
func (l *limiters) reserve(k limiterKey) (*rate.Reservation, time.Time) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	lim, ok := l.m[k]
	if !ok {
		r := l.rateFor(k.service, k.operation)
		// The burst is a number of calls, the same in any time; the refill is per second, which
		// a scaled run's second is shorter than.
		lim = rate.NewLimiter(rate.Limit(r*l.scale), max(1, int(r)))
		l.m[k] = lim
		if len(l.m) >= max(minSweep, 2*l.swept) {
			l.sweep(now)
		}
	}
	return lim.ReserveN(now, 1), now
}

// sweep drops the buckets that are full again.
func (l *limiters) sweep(now time.Time) {
	for k, lim := range l.m {
		if lim.TokensAt(now) >= float64(lim.Burst()) {
			delete(l.m, k)
		}
	}
	l.swept = len(l.m)
}

// wait blocks until the call may go, or ctx ends.
func (l *limiters) wait(ctx context.Context, k limiterKey) error {
	r, now := l.reserve(k)
	d := r.DelayFrom(now)
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		r.Cancel() // give the token back to the calls still waiting
		return ctx.Err()
	}
}

// size is the number of buckets held (tests).
func (l *limiters) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.m)
}

// install adds the limiter to every client built from cfg, for calls made as account (the
// account the credentials belong to; "" for the caller's own). It sits in the Finalize step after
// the SDK's "Retry" middleware, so each attempt (retries included) waits for a token, not just the
// first (aws-sdk-go-v2 middleware guide: https://aws.github.io/aws-sdk-go-v2/docs/middleware/).
func (l *limiters) install(cfg *aws.Config, account string) {
	if l.rate < 0 {
		return
	}
	mw := middleware.FinalizeMiddlewareFunc("lz2ct.RateLimit",
		func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
			k := limiterKey{account, awsmiddleware.GetServiceID(ctx), awsmiddleware.GetOperationName(ctx), awsmiddleware.GetRegion(ctx)}
			if err := l.wait(ctx, k); err != nil {
				return middleware.FinalizeOutput{}, middleware.Metadata{}, err
			}
			return next.HandleFinalize(ctx, in)
		})
	// A full slice expression: copies of one aws.Config share the backing array, and appending in
	// place would let two accounts overwrite each other's limiter.
	cfg.APIOptions = append(cfg.APIOptions[:len(cfg.APIOptions):len(cfg.APIOptions)], func(s *middleware.Stack) error {
		return s.Finalize.Insert(mw, "Retry", middleware.After)
	})
}
