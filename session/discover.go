package session

import (
	"bufio"
	"context"
	"encoding/hex"
	"fmt"
	"io"

	"github.com/lz2ct/lz2ct/awsapi"
	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/inventory/discover"
	"github.com/lz2ct/lz2ct/plans"
	"github.com/lz2ct/lz2ct/statefolder"
)

// Snapshot is an organization as read: the model, and the snapshot file's bytes or their hash,
// from which the plan's snapshot hash is taken.
type Snapshot struct {
	*inventory.Snapshot
	// Data is the snapshot file's text, when it is held in memory (Discover); nil when the
	// snapshot was read from a file (ReadSnapshot) or written to one (DiscoverWith).
	Data []byte
	// Hash is plans.SnapshotHash of the file's bytes, when Data is not held.
	Hash string
}

// SnapshotHash is the plan's snapshot hash: plans.SnapshotHash of the file's bytes.
func (s *Snapshot) SnapshotHash() string {
	if s.Hash != "" || len(s.Data) == 0 {
		return s.Hash
	}
	return plans.SnapshotHash(s.Data)
}

// Discover reads the organization through clients, read-only. Errors wrapping discover.ErrFatal
// mean the organization itself could not be read (bad input: the wrong credentials); a cancelled
// ctx returns its error.
func Discover(ctx context.Context, clients *awsapi.Clients, o discover.Options) (*Snapshot, error) {
	snap, err := discoverModel(ctx, clients, o)
	if err != nil {
		return nil, err
	}
	data, err := inventory.Encode(snap)
	if err != nil {
		return nil, err
	}
	return &Snapshot{Snapshot: snap, Data: data}, nil
}

// discoverModel discovers and validates the organization.
func discoverModel(ctx context.Context, clients *awsapi.Clients, o discover.Options) (*inventory.Snapshot, error) {
	snap, err := discover.Run(ctx, clients, o)
	if err != nil {
		return nil, err
	}
	if err := inventory.Validate(snap); err != nil {
		// Not kept: every later step would refuse it. This is a bug or an AWS surprise.
		return nil, fmt.Errorf("the discovered snapshot is not valid (%w); please report it with the AWS answer that caused it", err)
	}
	return snap, nil
}

// DiscoverWith connects with o and discovers, for the commands that do both at once. The
// snapshot's text is not made (Data is nil): SaveSnapshot writes it out as it is encoded, which a
// large organization needs (its text is hundreds of megabytes).
func DiscoverWith(ctx context.Context, o awsapi.Options, d discover.Options) (*Snapshot, error) {
	clients, err := awsapi.Load(ctx, o)
	if err != nil {
		return nil, &CredentialsError{Err: err}
	}
	defer clients.Close()
	snap, err := discoverModel(ctx, clients, d)
	if err != nil {
		return nil, err
	}
	return &Snapshot{Snapshot: snap}, nil
}

// SaveSnapshot writes a snapshot lz2ct produces outside a state folder (discover -o FILE), as
// WriteFile does, streaming the text to the file.
func SaveSnapshot(path string, s *inventory.Snapshot) error {
	return inventory.WriteAtomic(path, statefolder.FilePerm, func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 256<<10)
		if err := inventory.WriteTo(bw, s); err != nil {
			return err
		}
		return bw.Flush()
	})
}

// CredentialsError is a failure to load AWS credentials or configuration: bad input, nothing was read.
type CredentialsError struct{ Err error }

func (e *CredentialsError) Error() string { return "AWS credentials: " + e.Err.Error() }
func (e *CredentialsError) Unwrap() error { return e.Err }

// ReadSnapshotUnhashed reads and validates a snapshot file, for the commands that build no plan
// from it (check): hashing is a tenth of reading a large file.
func ReadSnapshotUnhashed(path string) (*Snapshot, error) {
	snap, err := inventory.Load(path)
	if err != nil {
		return nil, err
	}
	return &Snapshot{Snapshot: snap}, nil
}

// ReadSnapshot reads and validates a snapshot file and takes its hash. The file's text is not
// kept in memory (inventory.LoadHashed).
func ReadSnapshot(path string) (*Snapshot, error) {
	snap, sum, err := inventory.LoadHashed(path)
	if err != nil {
		return nil, err
	}
	// The form plans.SnapshotHash gives (a test holds the two together).
	return &Snapshot{Snapshot: snap, Hash: "sha256:" + hex.EncodeToString(sum[:])}, nil
}
