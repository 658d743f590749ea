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

func main() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
	stopProfiles := startProfiles()
	io := iostreams.System()
	// One signal watcher for every command: the first SIGINT/SIGTERM cancels Stop, the second Context.
	ctx, stop, release := cli.WithSignals(context.Background(), io.ErrOut)
	f := &cli.Factory{IO: io, Context: ctx, Stop: stop, Command: cli.InvokedAs(os.Args[0])}
	err := cli.NewRootCmd(f).ExecuteContext(stop)
	code := f.Exit(io.ErrOut, err)
	release()
	stopProfiles()
	os.Exit(code)
}
