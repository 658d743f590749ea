// Package cli is lz2ct's command tree: one file per command, each with an Options struct holding
// its injected I/O, a NewCmd constructor (whose runF hook lets tests check flag parsing) and a run
// function that does the work. Commands register themselves in init(), so adding one never edits
// this file.
package cli

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/lz2ct/lz2ct/iostreams"
	"github.com/spf13/cobra"
)

// Version is set at build time with -ldflags "-X github.com/lz2ct/lz2ct/cli.Version=...".
var Version = "dev"

// Factory carries what every command needs; tests build one with iostreams.Test() and may leave
// the rest zero.
type Factory struct {
	IO *iostreams.IOStreams

	// Stop asks for a graceful stop: main cancels it at the first SIGINT or SIGTERM. A command that
	// changes AWS finishes what is in flight, records it, and returns at a safe point; read-only
	// commands simply stop. It is also cancelled with Context.
	Stop context.Context
	// Context stops everything at once: main cancels it at the second SIGINT or SIGTERM. Only work
	// that must not be cut short by the first signal (an apply's step in flight) runs under it.
	Context context.Context

	// Command is how the user runs lz2ct ("lz2ct", "./bin/lz2ct", ...), so that commands printed
	// for them to run next work as printed; "" = "lz2ct".
	Command string

	// OneShot, set by main, is called by a command that reads one snapshot it was given, works
	// on it and exits (check --snapshot, plan, runbook): main then stops collecting garbage short of its memory
	// limit, since nearly everything such a command allocates stays live until it exits. nil in
	// tests, which run many commands in one process.
	OneShot func()
}

// StopContext is the context of a command that stops at the first signal.
func (f *Factory) StopContext() context.Context {
	switch {
	case f.Stop != nil:
		return f.Stop
	case f.Context != nil:
		return f.Context
	}
	return context.Background()
}

// HardContext is the context of work that only the second signal cuts short.
func (f *Factory) HardContext() context.Context {
	if f.Context != nil {
		return f.Context
	}
	return context.Background()
}

// command is the program name to print in commands the user runs next.
func (f *Factory) command() string {
	if f.Command == "" {
		return "lz2ct"
	}
	return f.Command
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
