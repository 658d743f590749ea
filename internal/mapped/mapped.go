// Package mapped gives a reader a file's bytes through a read-only memory map where the platform
// allows (Linux, macOS), and reads the file into memory elsewhere. A mapped file costs neither a
// copy nor fresh heap memory: its pages come from the page cache as the reader reaches them, so
// a decoder of a large snapshot or plan pays for what it builds, not for the text as well.
//
// The reader must not keep the bytes (a decoder copies the strings it returns): they are unmapped
// once it is done.
package mapped

import (
	"fmt"
	"os"
	"runtime/debug"
)

// Input is a file's bytes, mapped or read.
type Input struct {
	Data []byte
	// Release says the reader is done with Data[:n] (its pages may go); nil when there is nothing
	// to release.
	Release func(n int)
	// Close unmaps Data; Data must not be read after it.
	Close func()
}

// ReadFile calls use with the bytes of the file at path and unmaps them when use returns. A
// mapped file that shrinks while use reads it faults instead of returning an error: that is
// turned into one (an atomic save replaces a file rather than shrinking it, so only an edit in
// place can do this). An error from opening the file is returned as is, use's as use returned it.
func ReadFile(path string, use func(data []byte) error) (err error) {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	in, err := Open(f)
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	defer in.Close()
	defer ChangedWhileRead(path, &err)
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	return use(in.Data)
}

// ChangedWhileRead, deferred by a goroutine that reads mapped bytes with debug.SetPanicOnFault on,
// turns the fault of a file that shrank under it into *err ("read what: the file changed while it
// was read"); any other panic goes on.
func ChangedWhileRead(what string, err *error) {
	if r := recover(); r != nil {
		if _, fault := r.(interface{ Addr() uintptr }); !fault {
			panic(r)
		}
		*err = fmt.Errorf("read %s: the file changed while it was read; try again", what)
	}
}
