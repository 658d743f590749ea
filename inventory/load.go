package inventory

import (
	"crypto/sha256"
	"fmt"
	"os"
	"runtime/debug"
	"sync"
	"sync/atomic"

	"github.com/lz2ct/lz2ct/internal/mapped"
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
// records). The hash is taken on another goroutine while the decoder reads the same bytes: on a
// machine with a second core it costs no time (a tenth of reading a large file otherwise).
func LoadHashed(path string) (*Snapshot, [sha256.Size]byte, error) {
	return load(path, true)
}

// hashChunk is how much the hashing goroutine hashes between two reports of its progress.
const hashChunk = 1 << 20

func load(path string, hashed bool) (*Snapshot, [sha256.Size]byte, error) {
	var sum [sha256.Size]byte
	f, err := os.Open(path)
	if err != nil {
		return nil, sum, fmt.Errorf("read snapshot: %w", err)
	}
	defer f.Close()
	in, err := mapped.Open(f)
	if err != nil {
		return nil, sum, fmt.Errorf("read snapshot %s: %w", path, err)
	}
	defer in.Close()
	if !hashed {
		s, err := decodeInput(path, in)
		return s, sum, err
	}
	// The decoder's releases wait for the hash: a page is dropped only once both are done with
	// it (the hash is some times faster than decoding, so in practice it is always ahead).
	var done atomic.Int64
	var stop atomic.Bool
	var hashErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		hashErr = hashInput(path, in.Data, &done, &stop, sum[:0])
	})
	if release := in.Release; release != nil {
		in.Release = func(n int) { release(min(n, int(done.Load()))) }
	}
	s, err := decodeInput(path, in)
	if err != nil {
		stop.Store(true)
	}
	wg.Wait() // before in.Close unmaps what the hash reads
	if err != nil {
		return nil, sum, err
	}
	if hashErr != nil {
		return nil, sum, hashErr
	}
	return s, sum, nil
}

// hashInput writes the SHA-256 of data into sum[:0]'s array, storing in done how much it has
// hashed, until stop. A mapped file that shrinks under it faults, as in decodeInput.
func hashInput(path string, data []byte, done *atomic.Int64, stop *atomic.Bool, sum []byte) (err error) {
	defer mapped.ChangedWhileRead("snapshot "+path, &err)
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	h := sha256.New()
	for off := 0; off < len(data) && !stop.Load(); {
		end := min(off+hashChunk, len(data))
		h.Write(data[off:end])
		off = end
		done.Store(int64(off))
	}
	h.Sum(sum)
	return nil
}

func decodeInput(path string, in *mapped.Input) (s *Snapshot, err error) {
	defer func() {
		if err != nil {
			s = nil
		}
	}()
	defer mapped.ChangedWhileRead("snapshot "+path, &err)
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	if s, err = decode(in.Data, in.Release); err != nil {
		return nil, fmt.Errorf("snapshot %s: %w", path, err)
	}
	return s, nil
}
