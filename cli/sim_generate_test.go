package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/iostreams"
)

func TestSimGenerateFlags(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	var got *SimGenerateOptions
	cmd := NewCmdSimGenerate(&Factory{IO: ios}, func(o *SimGenerateOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--accounts", "120", "--ous", "9", "--depth", "4", "--regions", "3", "--seed", "42",
		"--alz-version", "1.0.3", "--config-share", "0.5", "--scp-density", "0.1", "--home-region", "eu-west-1", "-o", "x.json"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	p := got.Params
	if p.Accounts != 120 || p.OUs != 9 || p.Depth != 4 || p.Regions != 3 || p.Seed != 42 || p.ALZVersion != "1.0.3" ||
		p.ConfigShare != 0.5 || p.SCPDensity != 0.1 || p.HomeRegion != "eu-west-1" || got.Output != "x.json" {
		t.Errorf("flags parsed into %+v, output %q", p, got.Output)
	}
}

func TestSimGenerateBadInput(t *testing.T) {
	for _, args := range [][]string{
		{"--accounts", "2", "-o", "x.json"},
		{"--depth", "7", "-o", "x.json"},
		{"--regions", "18", "-o", "x.json"},
		{"--config-share", "1.5", "-o", "x.json"},
		{"--accounts", "10"}, // no -o
	} {
		ios, _, _, _ := iostreams.Test()
		cmd := NewCmdSimGenerate(&Factory{IO: ios}, func(*SimGenerateOptions) error { t.Fatal("ran with bad flags"); return nil })
		cmd.SetArgs(args)
		cmd.SilenceErrors, cmd.SilenceUsage = true, true
		if err := cmd.Execute(); ExitCode(err) != ExitBadInput {
			t.Errorf("%v: exit %d (%v), want %d", args, ExitCode(err), err, ExitBadInput)
		}
	}
}

// The summary line counts in words a reader can take as they are: "1 OU", "1 region", not "1 regions".
func TestSimGenerateSummarySingular(t *testing.T) {
	_, errOut, code := runRoot(t, "sim", "generate", "--accounts", "4", "--ous", "1", "--depth", "1", "--regions", "1",
		"--seed", "1", "-o", filepath.Join(t.TempDir(), "org.json"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{" 4 accounts, ", " 1 OU, ", " 1 region, "} {
		if !strings.Contains(errOut, want) {
			t.Errorf("summary %q lacks %q", errOut, want)
		}
	}
}

// The same flags give byte-identical files, and what is written is a valid snapshot.
func TestSimGenerateDeterministic(t *testing.T) {
	dir := t.TempDir()
	var files [][]byte
	for _, name := range []string{"a.json", "b.json"} {
		ios, _, _, errOut := iostreams.Test()
		cmd := NewRootCmd(&Factory{IO: ios})
		path := filepath.Join(dir, name)
		cmd.SetArgs([]string{"sim", "generate", "--accounts", "60", "--ous", "8", "--depth", "3", "--regions", "2", "--seed", "9", "-o", path})
		if err := cmd.Execute(); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(errOut.String(), "60 accounts") {
			t.Errorf("summary line %q does not say 60 accounts", errOut.String())
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := inventory.Decode(data); err != nil {
			t.Fatalf("generated snapshot is invalid: %v", err)
		}
		files = append(files, data)
	}
	if !bytes.Equal(files[0], files[1]) {
		t.Error("same flags gave different files")
	}
	// Standard output gets the same bytes.
	ios, _, out, _ := iostreams.Test()
	cmd := NewRootCmd(&Factory{IO: ios})
	cmd.SetArgs([]string{"sim", "generate", "--accounts", "60", "--ous", "8", "--depth", "3", "--regions", "2", "--seed", "9", "-o", "-"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.Bytes(), files[0]) {
		t.Error("-o - wrote different bytes than -o FILE")
	}
}
