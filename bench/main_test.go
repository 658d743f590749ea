//go:build unix

package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The report runs end to end on a tiny organization and prints every row with its command. It
// asserts no figure: it only keeps `make bench` from breaking unseen.
func TestReportRunsSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("builds lz2ct and runs a small discovery")
	}
	if _, err := exec.LookPath("python3"); err != nil {
		t.Fatal("python3 is the report's peer for reading a snapshot: apt-get install python3")
	}
	bin := filepath.Join(t.TempDir(), "lz2ct")
	build := exec.Command("go", "build", "-o", bin, "..")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	stdout := os.Stdout
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	os.Stdout = w
	done := make(chan []byte)
	go func() {
		b, _ := io.ReadAll(r)
		done <- b
	}()
	err = run(options{lz2ct: bin, python: "python3", runs: 1, accounts: 150, discAccounts: 10, discRegions: 1,
		memDiscAccounts: 10, latency: time.Millisecond, concurrency: 8, applyFor: 3 * time.Second})
	w.Close()
	os.Stdout = stdout
	out := <-done
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| figure | value | bound or peer | ratio | target | command |", "lz2ct snapshot validate", "lz2ct check",
		"plan + runbook", "peak RSS: lz2ct rehearse", "peak RSS: lz2ct discover", "lz2ct discover wall", "lz2ct CPU per call"} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("the report lacks %q:\n%s", want, out)
		}
	}
	if n := strings.Count(string(out), "\n| "); n < 12 {
		t.Errorf("%d rows, want 12 or more:\n%s", n, out)
	}
}
