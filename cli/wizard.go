package cli

import (
	"context"
	"errors"
	"fmt"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/lz2ct/lz2ct/tui"
	"github.com/spf13/cobra"
)

// `lz2ct` with no arguments: the wizard when a person is at a terminal, help otherwise (a script
// that forgot its subcommand must not hang waiting for keys).
func init() {
	rootRun = func(f *Factory, cmd *cobra.Command, _ []string) error {
		if !f.IO.Interactive() {
			return cmd.Help()
		}
		b := &wizardBackend{hard: f.HardContext()}
		defer b.close()
		return RunWizard(f.StopContext(), f, tui.Options{Backend: b})
	}
}

// RunWizard runs the Bubble Tea wizard on the factory's streams until the user leaves, then prints
// where the session's files are and the commands that continue from them (so they stay in the
// terminal's scrollback after the alternate screen closes).
func RunWizard(ctx context.Context, f *Factory, opts tui.Options) error {
	if ctx == nil {
		ctx = context.Background()
	}
	opts.Context = ctx
	if opts.Command == "" {
		opts.Command = f.command()
	}
	app := tui.New(opts)
	// main watches SIGINT and SIGTERM for every command (ctx ends at the first); in the terminal's
	// raw mode Ctrl-C is a key the wizard handles itself.
	popts := []tea.ProgramOption{tea.WithContext(ctx), tea.WithInput(f.IO.In), tea.WithOutput(f.IO.Out), tea.WithoutSignalHandler()}
	if !f.IO.ColorEnabled() {
		// iostreams decides colour once (NO_COLOR, TERM=dumb); the wizard keeps bold and reverse
		// video, which carry no colour, so focus stays visible.
		popts = append(popts, tea.WithColorProfile(colorprofile.ASCII))
	}
	_, err := tea.NewProgram(app, popts...).Run()
	// A run the wizard started stops at its next safe point before the process ends, so that the
	// journal says what is in flight and the lock is released.
	app.Wait()
	if err != nil && ctx.Err() == nil {
		return fmt.Errorf("wizard: %w", err)
	}
	if s := app.Summary(); s != "" {
		fmt.Fprint(f.IO.Out, s)
	}
	// Ended by a signal (SIGTERM from outside; Ctrl-C is a key here): exit 3, after the summary.
	if err := ctx.Err(); err != nil {
		return err
	}
	if app.RunStopped() {
		return &ExitError{Code: ExitStopped, Err: errors.New("the run stopped at a safe point; the summary above says how to resume it")}
	}
	return nil
}
