//go:build linux || darwin

package inventory

import (
	"crypto/sha256"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/lz2ct/lz2ct/internal/mapped"
)

// mappedThenCut maps a copy of a testdata snapshot and truncates the file under the map.
func mappedThenCut(t *testing.T) (string, *mapped.Input) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "testdata", "orgs", "alz2-typical.json"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "org.json")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	in, err := mapped.Open(f)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(in.Close)
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	return path, in
}

// A mapped snapshot file cut short while it is read gives an error, not a crash.
func TestLoadFileShrinksWhileRead(t *testing.T) {
	path, in := mappedThenCut(t)
	_, err := decodeInput(path, in)
	if err == nil || !strings.Contains(err.Error(), "changed while it was read") {
		t.Fatalf("error %v, want one saying the file changed", err)
	}
}

// The hash, taken on its own goroutine, of a mapped file cut short is an error too, not a crash.
func TestHashFileShrinksWhileRead(t *testing.T) {
	path, in := mappedThenCut(t)
	var done atomic.Int64
	var stop atomic.Bool
	var sum [sha256.Size]byte
	err := hashInput(path, in.Data, &done, &stop, sum[:0])
	if err == nil || !strings.Contains(err.Error(), "changed while it was read") {
		t.Fatalf("error %v, want one saying the file changed", err)
	}
}

// LoadHashed hashes every byte of the file, however the decoder released them.
func TestLoadHashed(t *testing.T) {
	for _, name := range []string{"alz2-typical.json", "blockers.json"} {
		path := filepath.Join("..", "testdata", "orgs", name)
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		s, sum, err := LoadHashed(path)
		if err != nil || s == nil {
			t.Fatal(err)
		}
		if sum != sha256.Sum256(data) {
			t.Errorf("%s: hash differs from the SHA-256 of the file", name)
		}
	}
}
