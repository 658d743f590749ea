//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package statefolder

import (
	"errors"
	"os"
	"syscall"
)

// tryLock takes the advisory lock without waiting; false means another open file holds it.
func tryLock(f *os.File) (bool, error) {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return false, nil
	}
	return err == nil, err
}

func unlock(f *os.File) { _ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN) }

// held reports whether some process holds the advisory lock on path.
func held(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	got, err := tryLock(f)
	if err != nil {
		return false
	}
	if got {
		unlock(f)
	}
	return !got
}
