package main

import (
	"bytes"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The built binary, in the middle of a discovery (an endpoint that accepts connections and never
// answers), stops at the first SIGINT: the watcher in main cancels the Stop context, the AWS call
// in flight returns, and lz2ct exits 3 saying it stopped.
func TestFirstSignalStopsWithExit3(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: builds the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "lz2ct")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan struct{}, 16)
	go func() {
		var held []net.Conn // never answered, closed when the test ends
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
			accepted <- struct{}{}
		}
	}()

	cmd := exec.Command(bin, "discover", "-o", filepath.Join(dir, "org.json"), "--endpoint-url", "http://"+ln.Addr().String(),
		"--region", "eu-west-1", "--max-attempts", "1")
	cmd.Env = []string{"HOME=" + dir, "PATH=" + os.Getenv("PATH"), "AWS_ACCESS_KEY_ID=AKIAEXAMPLE000000000",
		"AWS_SECRET_ACCESS_KEY=secret", "AWS_EC2_METADATA_DISABLED=true", "AWS_CONFIG_FILE=" + filepath.Join(dir, "none"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(dir, "none")}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-accepted:
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("discovery never called the endpoint:\n%s", stderr.String())
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var werr error
	select {
	case werr = <-done:
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("lz2ct did not stop after SIGINT:\n%s", stderr.String())
	}
	var ee *exec.ExitError
	if !errors.As(werr, &ee) || ee.ExitCode() != 3 {
		t.Fatalf("exit: %v, want code 3\n%s", werr, stderr.String())
	}
	for _, want := range []string{"stopping at the next safe point", "lz2ct: stopped"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "org.json")); !os.IsNotExist(err) {
		t.Error("a stopped discovery left a snapshot behind")
	}
}
