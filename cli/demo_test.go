package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/iostreams"
	"github.com/lz2ct/lz2ct/plans"
	"github.com/lz2ct/lz2ct/settings"
)

func TestDemoFlags(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	var got *DemoOptions
	cmd := NewCmdDemo(&Factory{IO: ios}, func(o *DemoOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--state", "/tmp/x", "--plain"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.StateDir != "/tmp/x" || !got.Plain {
		t.Fatalf("flags not parsed: %+v", got)
	}
}

// Without a terminal, lz2ct demo walks the whole journey against the in-process simulator and
// leaves the files the CLI continues from; nothing it does mutates the (simulated) organization.
func TestDemoWithoutTerminal(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	dir := filepath.Join(t.TempDir(), "state")
	root := NewRootCmd(&Factory{IO: ios})
	root.SetArgs([]string{"demo", "--state", dir})
	if err := root.Execute(); err != nil {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	text := out.String()
	for _, want := range []string{"==> Discovering", "==> Pre-checks", "BLOCKER", "==> Plan", "0 of them mutating", "lz2ct plan --snapshot " + dir} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	snapData, err := os.ReadFile(filepath.Join(dir, "snapshot.json"))
	if err != nil {
		t.Fatal(err)
	}
	snap, err := inventory.Decode(snapData)
	if err != nil {
		t.Fatalf("snapshot written by the demo does not load: %v", err)
	}
	set, err := settings.Load(filepath.Join(dir, "settings.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := set.Resolve(snap).Validate(snap); err != nil {
		t.Fatalf("demo settings invalid: %v", err)
	}
	p, err := plans.Load(filepath.Join(dir, "plan.json"))
	if err != nil {
		t.Fatal(err)
	}
	if p.SnapshotHash != plans.SnapshotHash(snapData) {
		t.Fatalf("plan hash %s does not match the snapshot written (%s)", p.SnapshotHash, plans.SnapshotHash(snapData))
	}
	if p.Organization != snap.Organization.ID {
		t.Fatalf("plan for %s, snapshot of %s", p.Organization, snap.Organization.ID)
	}
}

func TestRootWithoutTerminalPrintsHelp(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	root := NewRootCmd(&Factory{IO: ios})
	root.SetArgs(nil)
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "Usage:") || !strings.Contains(out.String(), "demo") {
		t.Fatalf("lz2ct without a terminal should print help listing demo:\n%s", out)
	}
}
