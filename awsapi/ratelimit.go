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
	rate float64
	mu   sync.Mutex
	m    map[string]*rate.Limiter
}

func newLimiters(perSecond float64) *limiters {
	return &limiters{rate: perSecond, m: map[string]*rate.Limiter{}}
}

func (l *limiters) get(key string) *rate.Limiter {
	l.mu.Lock()
	defer l.mu.Unlock()
	lim, ok := l.m[key]
	if !ok {
		burst := int(l.rate)
		if burst < 1 {
			burst = 1
		}
		lim = rate.NewLimiter(rate.Limit(l.rate), burst)
		l.m[key] = lim
	}
	return lim
}

// install adds the limiter to every client built from cfg. It sits in the Finalize step after the
// SDK's "Retry" middleware, so each attempt (retries included) waits for a token, not just the first
// (aws-sdk-go-v2 middleware guide: https://aws.github.io/aws-sdk-go-v2/docs/middleware/).
func (l *limiters) install(cfg *aws.Config) {
	if l.rate <= 0 {
		return
	}
	mw := middleware.FinalizeMiddlewareFunc("lz2ct.RateLimit",
		func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
			key := awsmiddleware.GetServiceID(ctx) + "/" + awsmiddleware.GetOperationName(ctx) + "/" + awsmiddleware.GetRegion(ctx)
			if err := l.get(key).Wait(ctx); err != nil {
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
