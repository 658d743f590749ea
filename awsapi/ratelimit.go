package awsapi

import (
	"context"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
	"golang.org/x/time/rate"
)

// limiters is one token bucket per API (service, operation) and region, for one account's
// configuration. AWS throttles per account and region, so that is the key space the client mirrors.
type limiters struct {
	// rate is the calls/s for every API; 0 = each operation's default (Operation.Rate or
	// DefaultRatePerSecond); negative = no limit.
	rate float64
	mu   sync.Mutex
	m    map[string]*rate.Limiter
}

func newLimiters(perSecond float64) *limiters {
	return &limiters{rate: perSecond, m: map[string]*rate.Limiter{}}
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

func (l *limiters) get(service, operation, region string) *rate.Limiter {
	key := service + "/" + operation + "/" + region
	l.mu.Lock()
	defer l.mu.Unlock()
	lim, ok := l.m[key]
	if !ok {
		r := l.rateFor(service, operation)
		burst := int(r)
		if burst < 1 {
			burst = 1
		}
		lim = rate.NewLimiter(rate.Limit(r), burst)
		l.m[key] = lim
	}
	return lim
}

// install adds the limiter to every client built from cfg. It sits in the Finalize step after the
// SDK's "Retry" middleware, so each attempt (retries included) waits for a token, not just the first
// (aws-sdk-go-v2 middleware guide: https://aws.github.io/aws-sdk-go-v2/docs/middleware/).
func (l *limiters) install(cfg *aws.Config) {
	if l.rate < 0 {
		return
	}
	mw := middleware.FinalizeMiddlewareFunc("lz2ct.RateLimit",
		func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
			lim := l.get(awsmiddleware.GetServiceID(ctx), awsmiddleware.GetOperationName(ctx), awsmiddleware.GetRegion(ctx))
			if err := lim.Wait(ctx); err != nil {
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
