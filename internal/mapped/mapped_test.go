package mapped

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	for _, data := range []string{"", "{}", strings.Repeat("0123456789abcdef", 5000)} {
		path := filepath.Join(dir, "f.json")
		if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		var got string
		if err := ReadFile(path, func(b []byte) error { got = string(b); return nil }); err != nil {
			t.Fatal(err)
		}
		if got != data {
			t.Errorf("read %d bytes, want %d", len(got), len(data))
		}
	}
	want := errors.New("the reader's own")
	if err := ReadFile(filepath.Join(dir, "f.json"), func([]byte) error { return want }); err != want {
		t.Errorf("got %v, want the reader's error as it is", err)
	}
	if err := ReadFile(filepath.Join(dir, "missing"), func([]byte) error { return nil }); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

// A mapped file cut short while it is read gives an error, not a crash.
func TestReadFileShrinksWhileRead(t *testing.T) {
	if runtime.GOOS != "linux" && runtime.GOOS != "darwin" {
		t.Skip("files are read, not mapped, on " + runtime.GOOS)
	}
	path := filepath.Join(t.TempDir(), "f.json")
	if err := os.WriteFile(path, make([]byte, 1<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	err := ReadFile(path, func(b []byte) error {
		if err := os.Truncate(path, 0); err != nil {
			t.Fatal(err)
		}
		sum := 0
		for i := 0; i < len(b); i += 4096 {
			sum += int(b[i])
		}
		t.Errorf("read %d bytes of a file cut to nothing (sum %d)", len(b), sum)
		return nil
	})
	if err == nil || !strings.Contains(err.Error(), "changed while it was read") {
		t.Fatalf("error %v, want one saying the file changed", err)
	}
}
