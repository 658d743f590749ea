package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
)

// startProfiles writes a CPU profile to $LZ2CT_CPUPROFILE and a heap profile to
// $LZ2CT_MEMPROFILE when they are set, for finding hot spots in any command
// (go tool pprof lz2ct FILE). The returned function finishes both.
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
	return func() {
		if cpuFile != nil {
			pprof.StopCPUProfile()
			cpuFile.Close()
		}
		if mem != "" {
			f, err := os.Create(mem)
			if err == nil {
				runtime.GC()
				err = pprof.Lookup("allocs").WriteTo(f, 0)
				f.Close()
			}
			if err != nil {
				fmt.Fprintln(os.Stderr, "lz2ct: LZ2CT_MEMPROFILE:", err)
			}
		}
	}
}
