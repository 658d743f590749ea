package session

import (
	"context"
	"fmt"
	"os"

	"github.com/lz2ct/lz2ct/awsapi"
	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/inventory/discover"
)

// Snapshot is an organization as read: the model and the snapshot file's bytes, from which the
// plan's snapshot hash is taken.
type Snapshot struct {
	*inventory.Snapshot
	Data []byte
}

// Discover reads the organization through clients, read-only. Errors wrapping discover.ErrFatal
// mean the organization itself could not be read (bad input: the wrong credentials); a cancelled
// ctx returns its error.
func Discover(ctx context.Context, clients *awsapi.Clients, o discover.Options) (*Snapshot, error) {
	snap, err := discover.Run(ctx, clients, o)
	if err != nil {
		return nil, err
	}
	if err := inventory.Validate(snap); err != nil {
		// Not kept: every later step would refuse it. This is a bug or an AWS surprise.
		return nil, fmt.Errorf("the discovered snapshot is not valid (%w); please report it with the AWS answer that caused it", err)
	}
	data, err := inventory.Encode(snap)
	if err != nil {
		return nil, err
	}
	return &Snapshot{Snapshot: snap, Data: data}, nil
}

// DiscoverWith connects with o and discovers, for the commands that do both at once.
func DiscoverWith(ctx context.Context, o awsapi.Options, d discover.Options) (*Snapshot, error) {
	clients, err := awsapi.Load(ctx, o)
	if err != nil {
		return nil, &CredentialsError{Err: err}
	}
	defer clients.Close()
	return Discover(ctx, clients, d)
}

// CredentialsError is a failure to load AWS credentials or configuration: bad input, nothing was read.
type CredentialsError struct{ Err error }

func (e *CredentialsError) Error() string { return "AWS credentials: " + e.Err.Error() }
func (e *CredentialsError) Unwrap() error { return e.Err }

// ReadSnapshot reads and validates a snapshot file.
func ReadSnapshot(path string) (*Snapshot, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read snapshot: %w", err)
	}
	snap, err := inventory.Decode(data)
	if err != nil {
		return nil, fmt.Errorf("snapshot %s: %w", path, err)
	}
	return &Snapshot{Snapshot: snap, Data: data}, nil
}
