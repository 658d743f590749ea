package session

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/plans"
	"github.com/lz2ct/lz2ct/statefolder"
)

// A snapshot read from a file carries the hash plans.SnapshotHash gives of the file's bytes,
// without keeping the bytes.
func TestReadSnapshotHash(t *testing.T) {
	for _, name := range []string{"alz2-typical.json", "alz1-legacy.json", "blockers.json"} {
		path := filepath.Join("..", "testdata", "orgs", name)
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		snap, err := ReadSnapshot(path)
		if err != nil {
			t.Fatal(err)
		}
		if snap.Data != nil {
			t.Errorf("%s: the file's text is kept", name)
		}
		if got, want := snap.SnapshotHash(), plans.SnapshotHash(data); got != want {
			t.Errorf("%s: hash %s, want %s", name, got, want)
		}
		if got := (&Snapshot{Snapshot: snap.Snapshot, Data: data}).SnapshotHash(); got != plans.SnapshotHash(data) {
			t.Errorf("%s: hash of held text %s", name, got)
		}
	}
}

// The unhashed read gives the same model, with no hash and no text.
func TestReadSnapshotUnhashed(t *testing.T) {
	path := filepath.Join("..", "testdata", "orgs", "alz2-typical.json")
	a, err := ReadSnapshotUnhashed(path)
	if err != nil {
		t.Fatal(err)
	}
	b, err := ReadSnapshot(path)
	if err != nil {
		t.Fatal(err)
	}
	if a.Hash != "" || a.Data != nil || a.SnapshotHash() != "" {
		t.Error("an unhashed read carries a hash or the text")
	}
	x, _ := inventory.Encode(a.Snapshot)
	y, _ := inventory.Encode(b.Snapshot)
	if !bytes.Equal(x, y) {
		t.Error("the two reads give different snapshots")
	}
}

// SaveSnapshot writes the canonical text, private to its owner.
func TestSaveSnapshot(t *testing.T) {
	snap, err := ReadSnapshot(filepath.Join("..", "testdata", "orgs", "alz2-typical.json"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "org.json")
	if err := SaveSnapshot(path, snap.Snapshot); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want, err := inventory.Encode(snap.Snapshot)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("saved text differs from Encode")
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != statefolder.FilePerm {
		t.Errorf("mode %v, want %v", fi.Mode().Perm(), statefolder.FilePerm)
	}
}
