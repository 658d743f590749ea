// Command lz2ct migrates an AWS Landing Zone organization to AWS Control Tower.
package main

import (
	"fmt"
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
	f := &cli.Factory{IO: iostreams.System()}
	err := cli.NewRootCmd(f).Execute()
	stopProfiles()
	if err != nil {
		fmt.Fprintln(f.IO.ErrOut, "lz2ct:", err)
	}
	os.Exit(cli.ExitCode(err))
}
