// Command lz2ct migrates an AWS Landing Zone organization to AWS Control Tower.
package main

import (
	"fmt"
	"os"

	"github.com/lz2ct/lz2ct/cli"
	"github.com/lz2ct/lz2ct/iostreams"
)

func main() {
	stopProfiles := startProfiles()
	f := &cli.Factory{IO: iostreams.System()}
	err := cli.NewRootCmd(f).Execute()
	stopProfiles()
	if err != nil {
		fmt.Fprintln(f.IO.ErrOut, "lz2ct:", err)
	}
	os.Exit(cli.ExitCode(err))
}
