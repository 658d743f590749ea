//go:build linux || darwin

package inventory

import (
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// openInput maps a regular file read-only. Pages the decoder is done with are dropped
// (MADV_DONTNEED on a private file mapping: touched again, they are read again from the file),
// so the resident part of the file stays a few megabytes however large it is.
func openInput(f *os.File) (*input, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() || fi.Size() == 0 || int64(int(fi.Size())) != fi.Size() {
		return readInput(f)
	}
	data, err := unix.Mmap(int(f.Fd()), 0, int(fi.Size()), unix.PROT_READ, unix.MAP_PRIVATE)
	if err != nil {
		return readInput(f)
	}
	_ = unix.Madvise(data, unix.MADV_SEQUENTIAL) // read-ahead; only advice
	page := os.Getpagesize()
	released := 0
	return &input{
		data: data,
		release: func(n int) {
			n -= n % page
			if n > released {
				_ = unix.Madvise(data[released:n], unix.MADV_DONTNEED)
				released = n
			}
		},
		close: func() { _ = unix.Munmap(data) },
	}, nil
}

func readInput(f *os.File) (*input, error) {
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, err
	}
	return &input{data: data, close: func() {}}, nil
}
