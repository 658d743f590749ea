package iostreams

import "testing"

func TestSystemNoColor(t *testing.T) {
	for _, c := range []struct {
		noColor, term string
		disabled      bool
	}{
		{"", "xterm-256color", false}, // unset and empty are the same: https://no-color.org
		{"1", "xterm-256color", true},
		{"false", "xterm-256color", true}, // any non-empty value
		{"", "dumb", true},
	} {
		t.Setenv("TERM", c.term)
		t.Setenv("NO_COLOR", c.noColor)
		if got := System().colorDisabled; got != c.disabled {
			t.Errorf("NO_COLOR=%q TERM=%s: colour disabled %v, want %v", c.noColor, c.term, got, c.disabled)
		}
	}
}
