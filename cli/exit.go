package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/lz2ct/lz2ct/inventory/discover"
)

// Exit codes: the one map from an error to the process's exit status (README.md and
// docs/architecture.md list them for users and scripts).
const (
	ExitOK = 0
	// ExitFailure: the command failed at run time, or check found a blocker the plan cannot fix.
	ExitFailure = 1
	// ExitFindings is ExitFailure as check uses it.
	ExitFindings = ExitFailure
	// ExitBadInput: bad flags, unreadable or invalid input files, no access to the organization.
	ExitBadInput = 2
	// ExitStopped: the user stopped the command (SIGINT/SIGTERM, Ctrl-C). A run stopped this way
	// stopped at a safe point and can be resumed.
	ExitStopped = 3
	// ExitWaiting: a run waits on a manual step; confirm it, then resume.
	ExitWaiting = 4
)

// ExitError carries an exit code through cobra to main.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit %d", e.Code)
	}
	return e.Err.Error()
}
func (e *ExitError) Unwrap() error { return e.Err }

// ExitCode makes *ExitError an exitCoder.
func (e *ExitError) ExitCode() int { return e.Code }

// exitCoder is an error that knows its exit code. Packages below cli (the engine's "stopped" and
// "waiting on a manual step" errors) implement it without importing cli.
type exitCoder interface{ ExitCode() int }

// BadInput wraps err so that lz2ct exits with code 2.
func BadInput(err error) error { return &ExitError{Code: ExitBadInput, Err: err} }

// ExitCode maps an error from Execute to the process exit code.
func ExitCode(err error) int {
	var ec exitCoder
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, context.Canceled):
		return ExitStopped
	case errors.As(err, &ec):
		return ec.ExitCode()
	case errors.Is(err, discover.ErrFatal):
		return ExitBadInput
	}
	return ExitFailure
}

// Exit reports err on w and returns the exit code for it. After a stop was asked for (the Stop
// context is done), any error is the stop's: the command was cut short, whatever it says.
func (f *Factory) Exit(w io.Writer, err error) int {
	code := ExitCode(err)
	if err != nil && f.Stop != nil && f.Stop.Err() != nil && code != ExitWaiting {
		code = ExitStopped
	}
	switch {
	case err == nil:
	case code == ExitStopped:
		fmt.Fprintf(w, "lz2ct: stopped (%v)\n", err)
	default:
		fmt.Fprintln(w, "lz2ct:", err)
	}
	return code
}
