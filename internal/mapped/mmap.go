//go:build linux || darwin

package mapped

import (
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// Open maps a regular file read-only. Pages the reader releases are dropped (MADV_DONTNEED on a
// private file mapping: touched again, they are read again from the file), so the resident part
// of the file stays a few megabytes however large it is. Anything else (a pipe, an empty file) is
// read into memory.
func Open(f *os.File) (*Input, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() || fi.Size() == 0 || int64(int(fi.Size())) != fi.Size() {
		return read(f)
	}
	data, err := unix.Mmap(int(f.Fd()), 0, int(fi.Size()), unix.PROT_READ, unix.MAP_PRIVATE)
	if err != nil {
		return read(f)
	}
	_ = unix.Madvise(data, unix.MADV_SEQUENTIAL) // read-ahead; only advice
	page := os.Getpagesize()
	released := 0
	return &Input{
		Data: data,
		Release: func(n int) {
			n -= n % page
			if n > released {
				_ = unix.Madvise(data[released:n], unix.MADV_DONTNEED)
				released = n
			}
		},
		Close: func() { _ = unix.Munmap(data) },
	}, nil
}

func read(f *os.File) (*Input, error) {
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, err
	}
	return &Input{Data: data, Close: func() {}}, nil
}
