// Command lz2ct migrates an AWS Landing Zone organization to AWS Control Tower.
package main

import (
	"context"
	"os"
	"runtime/debug"

	"github.com/lz2ct/lz2ct/cli"
	"github.com/lz2ct/lz2ct/iostreams"
)

// memoryLimit is the heap size past which the garbage collector works harder rather than let
// the process grow (a soft limit; GOMEMLIMIT overrides it). A large organization's model is a few
// hundred megabytes at most, and discovery churns through far more short-lived response data than
// it keeps: without a limit the heap grows to twice what is live before each collection.
const memoryLimit = 384 << 20

// oneShot turns proportional garbage collection off for a command that reads a snapshot, checks
// it and exits: what it allocates (the model, the scope, the findings) stays live to the end, so
// collections would free little, and the memory limit still bounds the heap (lz2ct check on a
// 10,000-account organization: a quarter less CPU; 10,000 × 17 regions peaks near 300 MB, see
// docs/architecture.md). GOGC, when set, wins.
func oneShot() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(-1)
	}
}

func main() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
	stopProfiles := startProfiles()
	io := iostreams.System()
	// One signal watcher for every command: the first SIGINT/SIGTERM cancels Stop, the second Context.
	ctx, stop, release := cli.WithSignals(context.Background(), io.ErrOut)
	f := &cli.Factory{IO: io, Context: ctx, Stop: stop, Command: cli.InvokedAs(os.Args[0]), OneShot: oneShot}
	err := cli.NewRootCmd(f).ExecuteContext(stop)
	code := f.Exit(io.ErrOut, err)
	release()
	stopProfiles()
	os.Exit(code)
}
