package statefolder

import (
	"os"
	"path/filepath"
	"testing"
)

func TestPrivateFolderAndFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "o-abc")
	if err := os.MkdirAll(dir, 0o755); err != nil { // made world-readable by an older lz2ct
		t.Fatal(err)
	}
	f := Folder{Dir: dir}
	if err := f.WriteFile(Plan, []byte("{}\n")); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]os.FileMode{dir: DirPerm, f.Path(Exports): DirPerm, f.Path(Plan): FilePerm} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s: mode %o, want %o", path, got, want)
		}
	}
}
