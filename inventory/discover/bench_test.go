package discover_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lz2ct/lz2ct/awsapi"
	"github.com/lz2ct/lz2ct/inventory/discover"
	"github.com/lz2ct/lz2ct/orggen"
	"github.com/lz2ct/lz2ct/sim"
)

// BenchmarkDiscover measures discovery of generated organizations against the simulator with 20 ms
// of latency per call: wall time (ns/op), calls/s and peak memory (Go heap in use, sampled, and the
// process's resident high-water mark; the simulator runs in the same process and is included).
//
// The full 5,000-account × 17-region organization at concurrency 1 would take hours (≈535,000 calls
// × 20 ms); the 50-account sub-benchmarks give the per-account cost to extrapolate from.
//
//	go test -run '^$' -bench Discover -benchtime 1x -timeout 60m ./inventory/discover
func BenchmarkDiscover(b *testing.B) {
	for _, c := range []struct {
		accounts, concurrency int
	}{
		{50, 1},
		{50, discover.DefaultConcurrency},
		{5000, discover.DefaultConcurrency},
		{5000, 256},
	} {
		b.Run(fmt.Sprintf("accounts=%d/regions=17/latency=20ms/concurrency=%d", c.accounts, c.concurrency), func(b *testing.B) {
			benchDiscover(b, c.accounts, 17, 20*time.Millisecond, c.concurrency)
		})
	}
}

func benchDiscover(b *testing.B, accounts, regions int, latency time.Duration, concurrency int) {
	p := orggen.DefaultParams()
	p.Accounts, p.Regions, p.Seed = accounts, regions, 5
	p.OUs = max(p.Depth, accounts/30)
	snap, err := orggen.Generate(p)
	if err != nil {
		b.Fatal(err)
	}
	srv, url := serve(b, snap, sim.Options{Latency: latency})
	runtime.GC()

	var peakHeap uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var ms runtime.MemStats
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peakHeap {
				peakHeap = ms.HeapInuse
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()

	before, _ := srv.CallCount()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		c := clients(b, url, func(o *awsapi.Options) { o.MaxBackoff = 0 })
		got, err := discover.Run(context.Background(), c, discover.Options{Concurrency: concurrency})
		if err != nil {
			b.Fatal(err)
		}
		if len(got.Accounts) != len(snap.Accounts) {
			b.Fatalf("%d accounts discovered, %d served", len(got.Accounts), len(snap.Accounts))
		}
		c.Close()
	}
	elapsed := time.Since(start)
	b.StopTimer()
	close(stop)
	wg.Wait()

	after, _ := srv.CallCount()
	calls := after - before
	b.ReportMetric(float64(calls)/float64(b.N), "calls/op")
	b.ReportMetric(float64(calls)/elapsed.Seconds(), "calls/s")
	b.ReportMetric(float64(peakHeap)/(1<<20), "peak-heap-MB")
	if hwm := vmHWM(); hwm > 0 {
		b.ReportMetric(hwm, "peak-rss-MB")
	}
	// The latency bound: every call waits `latency`, at most `concurrency` at a time.
	bound := time.Duration(float64(calls/b.N) * float64(latency) / float64(concurrency))
	b.ReportMetric(bound.Seconds(), "latency-bound-s")
	b.ReportMetric(elapsed.Seconds()/float64(b.N), "wall-s")
}

// vmHWM is the process's peak resident set size in MB from /proc (Linux), or 0.
func vmHWM() float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				kb, _ := strconv.ParseFloat(f[0], 64)
				return kb / 1024
			}
		}
	}
	return 0
}
