package session

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A phase's simulated time counts overlapping steps once and leaves the gaps between them out.
func TestUnionCountsOverlapsOnceAndGapsNot(t *testing.T) {
	at := func(m int) time.Time { return time.Date(2026, 1, 1, 0, m, 0, 0, time.UTC) }
	busy, from, to := union([]span{{at(30), at(40)}, {at(0), at(10)}, {at(5), at(20)}})
	if busy != 30*time.Minute || !from.Equal(at(0)) || !to.Equal(at(40)) {
		t.Fatalf("busy %v from %v to %v; want 30m from 00:00 to 00:40", busy, from, to)
	}
}

// The rehearsal's folder is a temporary one removed by cleanup, or a new or empty one kept; a folder
// holding anything (a real run's state folder) is refused.
func TestRehearsalFolderNeverTakesAFolderInUse(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	dir, cleanup, err := RehearsalFolder("")
	if err != nil || !strings.HasPrefix(filepath.Base(dir), "lz2ct-rehearse-") {
		t.Fatalf("temporary folder %q: %v", dir, err)
	}
	cleanup()
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("cleanup left %s: %v", dir, err)
	}
	used := t.TempDir()
	if err := os.WriteFile(filepath.Join(used, "plan.json"), []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := RehearsalFolder(used); err == nil || !strings.Contains(err.Error(), "is not empty") {
		t.Fatalf("a folder in use: %v", err)
	}
	kept := filepath.Join(t.TempDir(), "new")
	d, cleanup, err := RehearsalFolder(kept)
	if err != nil || d != kept {
		t.Fatalf("a new folder: %q, %v", d, err)
	}
	cleanup()
}
