package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/lz2ct/lz2ct/tui"
)

// stopSignals are the signals that ask lz2ct to stop: Ctrl-C in the terminal and kill's default.
var stopSignals = []os.Signal{os.Interrupt, syscall.SIGTERM}

// WithSignals returns the process's two contexts, as Terraform does with its own: the first
// SIGINT or SIGTERM cancels stop (finish what is in flight, stop at a safe point), the second
// cancels hard (stop now). Messages go to errOut. release stops watching; call it on the way out.
func WithSignals(parent context.Context, errOut io.Writer) (hard, stop context.Context, release func()) {
	hard, cancelHard := context.WithCancel(parent)
	stop, cancelStop := context.WithCancel(hard)
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, stopSignals...)
	done := make(chan struct{})
	go watchSignals(sigs, done, cancelStop, cancelHard, errOut)
	return hard, stop, func() {
		signal.Stop(sigs)
		close(done)
		cancelStop()
		cancelHard()
	}
}

// watchSignals cancels stop at the first signal and hard at the second, until done is closed.
func watchSignals(sigs <-chan os.Signal, done <-chan struct{}, stop, hard context.CancelFunc, errOut io.Writer) {
	for n := 0; n < 2; n++ {
		select {
		case <-done:
			return
		case sig := <-sigs:
			if n == 0 {
				fmt.Fprintf(errOut, "\nlz2ct: %s received: stopping at the next safe point (send it again to stop at once)\n", sig)
				stop()
			} else {
				fmt.Fprintf(errOut, "\nlz2ct: %s received again: stopping now\n", sig)
				hard()
			}
		}
	}
}

// InvokedAs is how the user ran lz2ct, from os.Args[0], for the commands lz2ct prints for them to
// run next: "lz2ct" when that name on the PATH is this program, the path as typed otherwise
// ("./bin/lz2ct"), and "go run ." for a binary `go run` built in a temporary folder that is gone
// when it exits.
func InvokedAs(arg0 string) string {
	exe, err := os.Executable()
	if err != nil {
		exe = arg0
	}
	return invokedAs(arg0, exe, exec.LookPath, os.TempDir())
}

func invokedAs(arg0, exe string, lookPath func(string) (string, error), tmp string) string {
	name := filepath.Base(arg0)
	if p, err := lookPath(name); err == nil && sameFile(p, exe) {
		return name
	}
	if tmp != "" && strings.HasPrefix(exe, filepath.Join(tmp, "go-build")) {
		return "go run ."
	}
	if !strings.ContainsRune(arg0, filepath.Separator) {
		return name // found on the PATH by the shell, in another copy
	}
	return tui.ShellQuote(arg0)
}

func sameFile(a, b string) bool {
	fa, err1 := os.Stat(a)
	fb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(fa, fb)
}
