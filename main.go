// Command lz2ct migrates an AWS Landing Zone organization to AWS Control Tower.
package main

import (
	"context"
	"os"

	"github.com/lz2ct/lz2ct/cli"
	"github.com/lz2ct/lz2ct/iostreams"
)

func main() {
	io := iostreams.System()
	// One signal watcher for every command: the first SIGINT/SIGTERM cancels Stop, the second Context.
	ctx, stop, release := cli.WithSignals(context.Background(), io.ErrOut)
	f := &cli.Factory{IO: io, Context: ctx, Stop: stop, Command: cli.InvokedAs(os.Args[0])}
	err := cli.NewRootCmd(f).ExecuteContext(stop)
	code := f.Exit(io.ErrOut, err)
	release()
	os.Exit(code)
}
