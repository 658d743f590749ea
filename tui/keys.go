package tui

import "charm.land/bubbles/v2/key"

// KeyMap is every binding the wizard uses, in one place so that help comes from the same source as
// the handling. Screens pick the ones they use for their help line.
type KeyMap struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
	Enter, Back, Quit, ForceQuit, Help      key.Binding
	Filter, Severity, Next, Tab             key.Binding
	Expand, Collapse, ExpandAll, Export     key.Binding
	Apply, Rehearse                         key.Binding
	Copy                                    key.Binding
	// The apply dashboard's.
	Pause, Resume, Failures, Work, Manual, Confirm, Organization key.Binding
}

// DefaultKeyMap returns the wizard's key bindings.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Up:        key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:      key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		PageUp:    key.NewBinding(key.WithKeys("pgup", "ctrl+u"), key.WithHelp("pgup", "page up")),
		PageDown:  key.NewBinding(key.WithKeys("pgdown", "ctrl+d", "space"), key.WithHelp("pgdn", "page down")),
		Top:       key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("g", "top")),
		Bottom:    key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("G", "bottom")),
		Enter:     key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "select")),
		Back:      key.NewBinding(key.WithKeys("esc", "q"), key.WithHelp("q/esc", "back")),
		Quit:      key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "quit")),
		ForceQuit: key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit")),
		Help:      key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "keys")),
		Filter:    key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "search")),
		Severity:  key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "severity filter")),
		Next:      key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "next step")),
		Tab:       key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "switch view")),
		Expand:    key.NewBinding(key.WithKeys("right", "l"), key.WithHelp("→/l", "expand")),
		Collapse:  key.NewBinding(key.WithKeys("left", "h"), key.WithHelp("←/h", "collapse")),
		ExpandAll: key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "expand/collapse all")),
		Export:    key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "export runbook")),
		Apply:     key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "apply the plan")),
		// A dress rehearsal against a simulator in lz2ct's own process: nothing reaches AWS.
		Rehearse: key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "rehearse against a simulator")),
		// OSC 52 asks the terminal to set the clipboard; terminals that do not allow it ignore it,
		// so the help says where else the commands are (the runbook).
		Copy: key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "copy commands (OSC 52 clipboard)")),

		Pause:        key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "pause at the next safe point")),
		Resume:       key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "resume")),
		Failures:     key.NewBinding(key.WithKeys("f"), key.WithHelp("f", "failures")),
		Work:         key.NewBinding(key.WithKeys("w"), key.WithHelp("w", "work in flight")),
		Manual:       key.NewBinding(key.WithKeys("m"), key.WithHelp("m", "manual step")),
		Confirm:      key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "confirm it is done")),
		Organization: key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "type the organization ID")),
	}
}
