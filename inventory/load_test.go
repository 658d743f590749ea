//go:build linux || darwin

package inventory

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A mapped snapshot file cut short while it is read gives an error, not a crash.
func TestLoadFileShrinksWhileRead(t *testing.T) {
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
	defer f.Close()
	in, err := openInput(f)
	if err != nil {
		t.Fatal(err)
	}
	defer in.close()
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	_, err = decodeInput(path, in)
	if err == nil || !strings.Contains(err.Error(), "changed while it was read") {
		t.Fatalf("error %v, want one saying the file changed", err)
	}
}
