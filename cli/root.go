// Package cli is lz2ct's command tree: one file per command, each with an Options struct holding
// its injected I/O, a NewCmd constructor (whose runF hook lets tests check flag parsing) and a run
// function that does the work. Commands register themselves in init(), so adding one never edits
// this file.
package cli

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/lz2ct/lz2ct/iostreams"
	"github.com/spf13/cobra"
)

// Version is set at build time with -ldflags "-X github.com/lz2ct/lz2ct/cli.Version=...".
var Version = "dev"

// Factory carries what every command needs; tests build one with iostreams.Test().
type Factory struct {
	IO *iostreams.IOStreams
}

// Exit codes shared by every command.
const (
	ExitOK       = 0
	ExitFindings = 1 // the command worked and found something that blocks (check), or failed at run time
	ExitBadInput = 2 // bad flags, unreadable or invalid input files, no access to the organization
	ExitStopped  = 3 // apply/resume stopped by the user (or a signal): lz2ct resume continues
	ExitWaiting  = 4 // apply/resume ended waiting on a manual step: lz2ct confirm, then lz2ct resume
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

// BadInput wraps err so that lz2ct exits with code 2.
func BadInput(err error) error { return &ExitError{Code: ExitBadInput, Err: err} }

// ExitCode maps an error from Execute to the process exit code.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		return ee.Code
	}
	return ExitFindings
}

type registration struct {
	parent string // space-separated path of the parent command, "" for the root
	make   func(*Factory) *cobra.Command
}

var registry []registration

// register adds a command under parent ("" = lz2ct itself, "sim" = lz2ct sim). Call it from init().
func register(parent string, make func(*Factory) *cobra.Command) {
	registry = append(registry, registration{parent, make})
}

// rootRun, when set (by the wizard's file), runs for "lz2ct" with no subcommand.
var rootRun func(f *Factory, cmd *cobra.Command, args []string) error

// groups are parent commands that only hold subcommands.
var groups = map[string]string{
	"sim":      "Simulated organizations: generate snapshots, serve one as a local AWS endpoint",
	"snapshot": "Work with snapshot files",
}

// NewRootCmd builds the whole command tree.
func NewRootCmd(f *Factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "lz2ct",
		Short: "Migrate an AWS Landing Zone (ALZ) organization to AWS Control Tower",
		Long: `lz2ct migrates an AWS organization from the AWS Landing Zone solution to AWS Control Tower.

Run it without arguments in a terminal for the guided wizard, or use the commands below in scripts.
discover, check, plan and runbook are read-only.`,
		Version:       Version,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	if rootRun != nil {
		root.Args = cobra.NoArgs
		root.RunE = func(c *cobra.Command, args []string) error { return rootRun(f, c, args) }
	}
	root.SetIn(f.IO.In)
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.ErrOut)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return BadInput(fmt.Errorf("%w\nSee '%s --help'.", err, c.CommandPath()))
	})

	cmds := map[string]*cobra.Command{"": root}
	for _, name := range slices.Sorted(maps.Keys(groups)) {
		g := &cobra.Command{Use: name, Short: groups[name], Args: cobra.NoArgs,
			RunE: func(c *cobra.Command, _ []string) error { return c.Help() }}
		root.AddCommand(g)
		cmds[name] = g
	}
	for _, r := range registry {
		parent, ok := cmds[r.parent]
		if !ok {
			panic("cli: unknown parent command " + strings.TrimSpace(r.parent))
		}
		parent.AddCommand(r.make(f))
	}
	return root
}
