package statefolder

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMain lets the test binary act as a second lz2ct process that holds a lock until killed.
func TestMain(m *testing.M) {
	if dir := os.Getenv("LZ2CT_TEST_HOLD_LOCK"); dir != "" {
		if _, _, err := (Folder{Dir: dir}).Lock(LockOptions{Command: "lz2ct apply"}); err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		fmt.Println("locked")
		time.Sleep(time.Minute)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestLockRefusesASecondRunAndNamesTheHolder(t *testing.T) {
	f := Folder{Dir: filepath.Join(t.TempDir(), "o-1")}
	l, msg, err := f.Lock(LockOptions{Command: "lz2ct apply"})
	if err != nil || msg != "" {
		t.Fatalf("Lock = %v, %q", err, msg)
	}
	_, _, err = f.Lock(LockOptions{Command: "lz2ct resume"})
	var le *LockedError
	if !errors.As(err, &le) || le.OtherHost || le.Holder.PID != os.Getpid() || le.Holder.Command != "lz2ct apply" {
		t.Fatalf("second Lock = %v, want a LockedError naming this process", err)
	}
	if !strings.Contains(err.Error(), fmt.Sprintf("pid %d", os.Getpid())) || !strings.Contains(err.Error(), "lz2ct apply") {
		t.Errorf("message %q does not name the holder", err)
	}
	if fi, err := os.Stat(f.Path(Lock)); err != nil || fi.Mode().Perm() != FilePerm {
		t.Errorf("lock file mode: %v %v", fi.Mode().Perm(), err)
	}
	h, alive, err := f.ReadLock()
	if err != nil || h == nil || !alive || h.PID != os.Getpid() {
		t.Errorf("ReadLock = %+v, %v, %v", h, alive, err)
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	if h, _, err := f.ReadLock(); err != nil || h != nil {
		t.Errorf("after release ReadLock = %+v, %v", h, err)
	}
	l2, msg, err := f.Lock(LockOptions{Command: "lz2ct resume"})
	if err != nil || msg != "" {
		t.Fatalf("Lock after release = %v, %q", err, msg)
	}
	l2.Release()
}

// A lock left by a process that died on this machine is taken over, with a message naming it.
func TestLockOfAKilledProcessIsTakenOver(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "o-1")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "LZ2CT_TEST_HOLD_LOCK="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	line, _ := bufio.NewReader(out).ReadString('\n')
	if strings.TrimSpace(line) != "locked" {
		t.Fatalf("helper said %q", line)
	}
	f := Folder{Dir: dir}
	_, _, err = f.Lock(LockOptions{Command: "lz2ct resume"})
	var le *LockedError
	if !errors.As(err, &le) || le.Holder.PID != cmd.Process.Pid {
		t.Fatalf("Lock while the helper lives = %v, want it refused naming pid %d", err, cmd.Process.Pid)
	}
	cmd.Process.Kill() // SIGKILL: no chance to release
	cmd.Wait()
	l, msg, err := f.Lock(LockOptions{Command: "lz2ct resume"})
	if err != nil {
		t.Fatalf("Lock after the holder died: %v", err)
	}
	defer l.Release()
	if !strings.Contains(msg, fmt.Sprintf("pid %d", cmd.Process.Pid)) || !strings.Contains(msg, "no longer running") {
		t.Errorf("takeover message %q does not name the dead holder", msg)
	}
}

func TestLockOfAnotherHostNeedsForceUnlock(t *testing.T) {
	f := Folder{Dir: filepath.Join(t.TempDir(), "o-1")}
	if err := f.Ensure(); err != nil {
		t.Fatal(err)
	}
	other, _ := json.Marshal(Holder{Host: "build-42.example.com", PID: 777, User: "carol", Since: time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC), Command: "lz2ct apply"})
	if err := os.WriteFile(f.Path(Lock), other, FilePerm); err != nil {
		t.Fatal(err)
	}
	_, _, err := f.Lock(LockOptions{Command: "lz2ct resume"})
	var le *LockedError
	if !errors.As(err, &le) || !le.OtherHost || !strings.Contains(err.Error(), "--force-unlock") || !strings.Contains(err.Error(), "build-42.example.com") {
		t.Fatalf("Lock = %v, want a refusal naming the other host and --force-unlock", err)
	}
	if data, _ := os.ReadFile(f.Path(Lock)); string(data) != string(other) {
		t.Fatalf("a refused Lock changed the lock file: %s", data)
	}
	l, msg, err := f.Lock(LockOptions{Command: "lz2ct resume", ForceUnlock: true})
	if err != nil || !strings.Contains(msg, "carol") || !strings.Contains(msg, "--force-unlock") {
		t.Fatalf("forced Lock = %v, %q", err, msg)
	}
	if h, _, _ := f.ReadLock(); h == nil || h.PID != os.Getpid() {
		t.Errorf("lock file names %+v after the takeover", h)
	}
	l.Release()
}
