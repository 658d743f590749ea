package main

import (
	"fmt"
	"os"
	"runtime/metrics"
	"runtime/pprof"
	"time"
)

// startProfiles writes a CPU profile to $LZ2CT_CPUPROFILE and a heap profile to $LZ2CT_MEMPROFILE
// when they are set, for finding hot spots in any command (go tool pprof lz2ct FILE). The heap
// profile is the one taken when the heap was largest (sampled twice a second), which is what
// peak memory is made of; at the end of a command most of it is already garbage. The returned
// function finishes both.
func startProfiles() func() {
	cpu, mem := os.Getenv("LZ2CT_CPUPROFILE"), os.Getenv("LZ2CT_MEMPROFILE")
	var cpuFile *os.File
	if cpu != "" {
		f, err := os.Create(cpu)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "lz2ct: LZ2CT_CPUPROFILE:", err)
		} else {
			cpuFile = f
		}
	}
	stop, stopped := make(chan struct{}), make(chan struct{})
	if mem != "" {
		go func() {
			defer close(stopped)
			sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
			var peak uint64
			tick := time.NewTicker(500 * time.Millisecond)
			defer tick.Stop()
			write := func() {
				metrics.Read(sample)
				if v := sample[0].Value.Uint64(); v > peak+peak/10 {
					peak = v
					if err := writeHeapProfile(mem); err != nil {
						fmt.Fprintln(os.Stderr, "lz2ct: LZ2CT_MEMPROFILE:", err)
					}
				}
			}
			write()
			for {
				select {
				case <-tick.C:
					write()
				case <-stop:
					write()
					return
				}
			}
		}()
	} else {
		close(stopped)
	}
	return func() {
		if cpuFile != nil {
			pprof.StopCPUProfile()
			cpuFile.Close()
		}
		close(stop)
		<-stopped
	}
}

func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
