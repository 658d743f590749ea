package inventory

import (
	"crypto/sha256"
	"fmt"
	"os"
	"runtime/debug"
)

// Load reads, decodes and validates a snapshot file.
//
// The file is mapped into memory rather than read into it where the platform allows, and the
// decoder hands back what it has read as it goes: a snapshot of hundreds of megabytes costs the
// memory of its model, not of its text as well (docs/architecture.md).
func Load(path string) (*Snapshot, error) {
	s, _, err := load(path, false)
	return s, err
}

// LoadHashed is Load that also returns the SHA-256 of the file's bytes (the snapshot hash a plan
// records), taken as the decoder goes through them rather than in a second read.
func LoadHashed(path string) (*Snapshot, [sha256.Size]byte, error) {
	return load(path, true)
}

func load(path string, hashed bool) (*Snapshot, [sha256.Size]byte, error) {
	var sum [sha256.Size]byte
	f, err := os.Open(path)
	if err != nil {
		return nil, sum, fmt.Errorf("read snapshot: %w", err)
	}
	defer f.Close()
	in, err := openInput(f)
	if err != nil {
		return nil, sum, fmt.Errorf("read snapshot %s: %w", path, err)
	}
	defer in.close()
	if !hashed {
		s, err := decodeInput(path, in)
		return s, sum, err
	}
	h, done, release := sha256.New(), 0, in.release
	in.release = func(n int) {
		h.Write(in.data[done:n]) // before the pages go
		done = n
		if release != nil {
			release(n)
		}
	}
	s, err := decodeInput(path, in)
	if err != nil {
		return nil, sum, err
	}
	h.Write(in.data[done:])
	h.Sum(sum[:0])
	return s, sum, nil
}

func decodeInput(path string, in *input) (s *Snapshot, err error) {
	// A mapped file that shrinks under us faults on access instead of returning an error: turn
	// that into one (an atomic save replaces the file, so only an edit in place can do this).
	defer func() {
		if r := recover(); r != nil {
			if _, fault := r.(interface{ Addr() uintptr }); !fault {
				panic(r)
			}
			s, err = nil, fmt.Errorf("read snapshot %s: the file changed while it was read; try again", path)
		}
	}()
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	if s, err = decode(in.data, in.release); err != nil {
		return nil, fmt.Errorf("snapshot %s: %w", path, err)
	}
	return s, nil
}

// input is a file's bytes, mapped or read.
type input struct {
	data []byte
	// release says the decoder is done with data[:n]; nil when there is nothing to release.
	release func(n int)
	close   func()
}
