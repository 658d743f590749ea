package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/iostreams"
	"github.com/lz2ct/lz2ct/journal"
	"github.com/lz2ct/lz2ct/plans"
	"github.com/lz2ct/lz2ct/settings"
	"github.com/lz2ct/lz2ct/steps"
)

func TestDemoFlags(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	var got *DemoOptions
	cmd := NewCmdDemo(&Factory{IO: ios}, func(o *DemoOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--state", "/tmp/x", "--plain", "--endpoint-url", "http://127.0.0.1:4566", "--time-scale", "50"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.StateDir != "/tmp/x" || !got.Plain || got.EndpointURL != "http://127.0.0.1:4566" || got.TimeScale != 50 {
		t.Fatalf("flags not parsed: %+v", got)
	}
	cmd = NewCmdDemo(&Factory{IO: ios}, func(o *DemoOptions) error { got = o; return nil })
	cmd.SetArgs(nil)
	if err := cmd.Execute(); err != nil || got.TimeScale != DefaultDemoTimeScale {
		t.Fatalf("default time scale: %v %+v", err, got)
	}
	for _, bad := range [][]string{{"--time-scale", "0"}, {"--endpoint-url", "127.0.0.1:4566"}} {
		cmd = NewCmdDemo(&Factory{IO: ios}, func(o *DemoOptions) error { return nil })
		cmd.SetArgs(bad)
		if err := cmd.Execute(); ExitCode(err) != ExitBadInput {
			t.Errorf("%v: %v", bad, err)
		}
	}
}

// Without a terminal, lz2ct demo walks the whole journey against the in-process simulator — the
// read-only part mutating nothing — then runs the migration and ends with lz2ct status's summary,
// saying plainly which steps this lz2ct cannot carry out yet; it leaves the files the CLI
// continues from.
func TestDemoWithoutTerminal(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	dir := filepath.Join(t.TempDir(), "state")
	root := NewRootCmd(&Factory{IO: ios})
	root.SetArgs([]string{"demo", "--state", dir, "--time-scale", "5000"})
	if err := root.Execute(); err != nil {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	text := out.String()
	for _, want := range []string{"==> Discovering", "==> Pre-checks", "BLOCKER", "==> Plan", "read-only so far:", " 0 of them mutating\n", "lz2ct status --state " + dir,
		"==> Runbook\n    wrote " + filepath.Join(dir, "runbook.md") + "\n    wrote " + filepath.Join(dir, "runbook.html") + "\n",
		"==> Apply", "done     export.scp/", "==> Status (lz2ct status)\nMigration of o-f4yjsoufrn", "Not running. Last run: finished:",
		"times faster than AWS: " /* the demo's run events carry its time scale */} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	// Counts read as English, and no stage reports accounts before it has counted them.
	for _, bad := range []string{"0/0 accounts", " 1 warnings", " 1 blockers", " 1 steps", "(1 AWS calls", "\n==> Runbook\n\n"} {
		if strings.Contains(text, bad) {
			t.Errorf("output has %q:\n%s", bad, text)
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
	// What the run could not do is said plainly, per kind.
	st, err := journal.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	var missing []string
	for _, ph := range p.Phases {
		for _, s := range ph.Steps {
			if _, ok := steps.Lookup(s.Kind); !ok && !slices.Contains(missing, s.Kind) {
				missing = append(missing, s.Kind)
			}
			if _, ok := steps.Lookup(s.Kind); !ok && st.Step(s.ID).Status != journal.NotStarted {
				t.Errorf("step %s of kind %s without implementation has status %s", s.ID, s.Kind, st.Step(s.ID).Status)
			}
		}
	}
	if len(missing) > 0 && !strings.Contains(text, "This lz2ct cannot carry out every step of the plan yet: ") {
		t.Errorf("kinds without implementation (%v) not named:\n%s", missing, text)
	}
	for _, k := range missing {
		if !strings.Contains(text, k+" (") {
			t.Errorf("kind %s not named among those the demo cannot run", k)
		}
	}
	if len(missing) == 0 && (st.Events == 0 || strings.Contains(text, "cannot carry out")) {
		t.Errorf("every kind is implemented, yet the demo did not finish the run:\n%s", text)
	}

	// The demo's simulator lives in its process: a folder holding an earlier demo's run is not
	// continued against a fresh one — refused when given, the next free folder otherwise.
	ios, _, out, _ = iostreams.Test()
	root = NewRootCmd(&Factory{IO: ios})
	root.SetArgs([]string{"demo", "--state", dir, "--time-scale", "5000"})
	if err := root.Execute(); ExitCode(err) != ExitBadInput || !strings.Contains(err.Error(), "holds the run of an earlier demo") {
		t.Fatalf("a second demo on the same --state: %v\n%s", err, out)
	}
	t.Chdir(t.TempDir())
	for _, want := range []string{".lz2ct/o-f4yjsoufrn", ".lz2ct/o-f4yjsoufrn-2"} {
		ios, _, out, errOut := iostreams.Test()
		root = NewRootCmd(&Factory{IO: ios})
		root.SetArgs([]string{"demo", "--time-scale", "5000"})
		if err := root.Execute(); err != nil || !strings.Contains(out.String(), "Files: "+want+" ") {
			t.Fatalf("demo without --state, want %s: %v\n%s\n%s", want, err, out, errOut)
		}
		if want != ".lz2ct/o-f4yjsoufrn" && !strings.Contains(errOut.String(), "this demo starts afresh in "+want) {
			t.Errorf("the demo does not say where it starts afresh:\n%s", errOut)
		}
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

// The commands the demo prints to continue from the command line work as printed: each runs, with
// the program name the demo was started with.
func TestDemoCommandsWorkAsPrinted(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	dir := filepath.Join(t.TempDir(), "state")
	root := NewRootCmd(&Factory{IO: ios, Command: "./bin/lz2ct"})
	root.SetArgs([]string{"demo", "--state", dir, "--time-scale", "5000"})
	if err := root.Execute(); err != nil {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	text := out.String()
	_, rest, ok := strings.Cut(text, "Continue from the command line:\n")
	if !ok {
		t.Fatalf("no commands printed:\n%s", text)
	}
	var cmds [][]string
	for _, line := range strings.Split(rest, "\n") {
		if !strings.HasPrefix(line, "  ") {
			break
		}
		words := strings.Fields(line)
		if words[0] != "./bin/lz2ct" {
			t.Fatalf("command %q does not start with how lz2ct was run", line)
		}
		cmds = append(cmds, words[1:])
	}
	if len(cmds) != 3 {
		t.Fatalf("%d commands printed:\n%s", len(cmds), text)
	}
	for _, args := range cmds {
		if _, errOut, code := runRoot(t, args...); code != 0 {
			t.Errorf("%v: exit %d: %s", args, code, errOut)
		}
	}
	if !strings.Contains(text, "a new demo starts afresh (./bin/lz2ct demo)") {
		t.Errorf("the wizard's command is not the program's:\n%s", text)
	}
}

// make demo builds the binary (listing packages as they compile) before running it, so that the
// commands it prints, which start with the binary's path, exist when the demo ends.
func TestMakeDemoBuildsTheBinaryItRuns(t *testing.T) {
	mk, err := exec.LookPath("make")
	if err != nil {
		t.Fatal("make is not installed: apt-get install make (the README's make targets need it)")
	}
	cmd := exec.Command(mk, "-n", "demo")
	cmd.Dir = ".."
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("make -n demo: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	build, run := -1, -1
	for i, l := range lines {
		switch {
		case strings.Contains(l, "go build -v -o ./bin/lz2ct ."):
			build = i
		case strings.TrimSpace(l) == "./bin/lz2ct demo":
			run = i
		}
	}
	if build < 0 || run < build {
		t.Fatalf("make demo should build ./bin/lz2ct with -v and then run ./bin/lz2ct demo:\n%s", out)
	}
}
