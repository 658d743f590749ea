package sim

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/configservice"

	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/orggen"
)

var (
	bigOnce sync.Once
	bigSnap *inventory.Snapshot
)

// bigOrg is the generated 5,000-account, 17-region organization the figures are measured on.
func bigOrg(b *testing.B) *inventory.Snapshot {
	bigOnce.Do(func() {
		p := orggen.DefaultParams()
		p.Accounts, p.OUs, p.Regions = 5000, 120, 17
		s, err := orggen.Generate(p)
		if err != nil {
			b.Fatal(err)
		}
		bigSnap = s
	})
	return bigSnap
}

// BenchmarkNew measures start-up: copying and indexing the 5,000 × 17 organization.
func BenchmarkNew(b *testing.B) {
	snap := bigOrg(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		New(snap, Options{})
	}
}

// BenchmarkDescribeConfigurationRecorders measures requests per second through the real SDK: many
// goroutines, each acting as a member account (assumed-role credentials) in one of 17 regions.
// go test -run '^$' -bench DescribeConfigurationRecorders -benchtime 4x ./sim/
func BenchmarkDescribeConfigurationRecorders(b *testing.B) {
	snap := bigOrg(b)
	_, url := serve(b, snap, Options{})
	httpClient := awshttp.NewBuildableClient().WithTransportOptions(func(t *http.Transport) {
		t.MaxIdleConns, t.MaxIdleConnsPerHost = 1024, 1024
	})
	// Member clients for a spread of accounts (each assumed once, outside the timing).
	var clients []*configservice.Client
	for i, a := range snap.Accounts {
		if a.AccessRole == "" || a.AccessRole == "caller" || i%50 != 0 {
			continue
		}
		for _, r := range snap.Regions {
			cfg := memberConfig(b, url, r, a.ID, a.AccessRole)
			cfg.HTTPClient = httpClient
			clients = append(clients, configservice.NewFromConfig(cfg))
		}
	}
	// Each iteration is a batch of requests from 128 goroutines, so that `make bench` (one
	// iteration) still measures a steady stream of concurrent requests.
	const batch, workers = 5000, 128
	var next atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var wg sync.WaitGroup
		var left atomic.Int64
		left.Store(batch)
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ctx := context.Background()
				for left.Add(-1) >= 0 {
					c := clients[int(next.Add(1))%len(clients)]
					if _, err := c.DescribeConfigurationRecorders(ctx, &configservice.DescribeConfigurationRecordersInput{}); err != nil {
						b.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
	}
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "req/s")
}
