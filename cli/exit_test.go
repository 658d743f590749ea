package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lz2ct/lz2ct/inventory/discover"
)

// waitingErr stands for an error of a package below cli that knows its exit code.
type waitingErr struct{}

func (waitingErr) Error() string { return "waiting on manual step shared/log-archive" }
func (waitingErr) ExitCode() int { return ExitWaiting }

func TestExitCode(t *testing.T) {
	tests := []struct {
		err  error
		want int
	}{
		{nil, ExitOK},
		{errors.New("boom"), ExitFailure},
		{BadInput(errors.New("--format x")), ExitBadInput},
		{&ExitError{Code: ExitFindings, Err: errors.New("2 blockers")}, ExitFindings},
		{fmt.Errorf("discover: %w", discover.ErrFatal), ExitBadInput},
		{fmt.Errorf("discovery: %w", context.Canceled), ExitStopped},
		{BadInput(fmt.Errorf("load: %w", context.Canceled)), ExitStopped}, // the user's stop wins
		{fmt.Errorf("apply: %w", waitingErr{}), ExitWaiting},
	}
	for _, tt := range tests {
		if got := ExitCode(tt.err); got != tt.want {
			t.Errorf("ExitCode(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
}

// After the first signal, whatever error a command returns is the stop's: exit 3 and say so.
func TestExitAfterAStop(t *testing.T) {
	stop, cancel := context.WithCancel(context.Background())
	f := &Factory{Stop: stop}
	var w bytes.Buffer
	if code := f.Exit(&w, discover.ErrFatal); code != ExitBadInput {
		t.Fatalf("before a stop: exit %d", code)
	}
	cancel()
	w.Reset()
	if code := f.Exit(&w, discover.ErrFatal); code != ExitStopped || !strings.Contains(w.String(), "lz2ct: stopped") {
		t.Fatalf("after a stop: exit %d, %q", code, w.String())
	}
	if code := f.Exit(&w, waitingErr{}); code != ExitWaiting {
		t.Fatalf("a run waiting on a manual step while stopping: exit %d", code)
	}
	if code := f.Exit(&w, nil); code != ExitOK {
		t.Fatalf("a command that finished before the stop took effect: exit %d", code)
	}
}

// The first signal cancels Stop and leaves Context; the second cancels Context.
func TestSignalsStopThenCancel(t *testing.T) {
	sigs := make(chan os.Signal, 2)
	done := make(chan struct{})
	hard, cancelHard := context.WithCancel(context.Background())
	stop, cancelStop := context.WithCancel(hard)
	var w syncBuffer
	finished := make(chan struct{})
	go func() { watchSignals(sigs, done, cancelStop, cancelHard, &w); close(finished) }()

	sigs <- syscall.SIGTERM
	<-stop.Done()
	if hard.Err() != nil {
		t.Fatal("the first signal cancelled the hard context")
	}
	sigs <- os.Interrupt
	<-hard.Done()
	<-finished
	if out := w.String(); !strings.Contains(out, "stopping at the next safe point") || !strings.Contains(out, "stopping now") {
		t.Fatalf("messages: %q", out)
	}
}

func TestSignalsRelease(t *testing.T) {
	hard, stop, release := WithSignals(context.Background(), &syncBuffer{})
	release()
	if stop.Err() == nil || hard.Err() == nil {
		t.Fatal("release left the contexts running")
	}
}

// A real SIGINT to this process reaches WithSignals' watcher.
func TestSignalsFromTheOS(t *testing.T) {
	var w syncBuffer
	hard, stop, release := WithSignals(context.Background(), &w)
	defer release()
	if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-stop.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("SIGINT did not cancel the Stop context")
	}
	if hard.Err() != nil {
		t.Fatal("one SIGINT cancelled the hard context")
	}
}

func TestInvokedAs(t *testing.T) {
	dir := t.TempDir()
	exe := filepath.Join(dir, "bin", "lz2ct")
	os.MkdirAll(filepath.Dir(exe), 0o755)
	os.WriteFile(exe, []byte("#!/bin/sh\n"), 0o755)
	other := filepath.Join(dir, "other-lz2ct")
	os.WriteFile(other, []byte("#!/bin/sh\n"), 0o755)
	onPath := func(p string) func(string) (string, error) {
		return func(string) (string, error) {
			if p == "" {
				return "", errors.New("not found")
			}
			return p, nil
		}
	}
	tmp := filepath.Join(dir, "tmp")
	tests := []struct {
		arg0, exe string
		path      string
		want      string
	}{
		{"lz2ct", exe, exe, "lz2ct"},               // installed on the PATH
		{exe, exe, exe, "lz2ct"},                   // run by its full path, but the PATH finds it too
		{"./bin/lz2ct", exe, "", "./bin/lz2ct"},    // make build; make demo
		{"./bin/lz2ct", exe, other, "./bin/lz2ct"}, // another lz2ct on the PATH is not this one
		{"/opt/my tools/lz2ct", exe, "", "'/opt/my tools/lz2ct'"},
		{filepath.Join(tmp, "go-build123", "b001", "exe", "lz2ct"), filepath.Join(tmp, "go-build123", "b001", "exe", "lz2ct"), "", "go run ."},
	}
	for _, tt := range tests {
		if got := invokedAs(tt.arg0, tt.exe, onPath(tt.path), tmp); got != tt.want {
			t.Errorf("invokedAs(%q) = %q, want %q", tt.arg0, got, tt.want)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for the watcher's goroutine and the test's.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
