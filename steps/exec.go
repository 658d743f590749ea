package steps

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/lz2ct/lz2ct/awsapi"
	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/journal"
	"github.com/lz2ct/lz2ct/plans"
	"github.com/lz2ct/lz2ct/statefolder"
)

// Exec is what a kind's functions get besides their params: the step, the AWS clients, the state
// folder, the attempt's token. The engine builds one per step attempt.
type Exec struct {
	Step *plans.Step
	// AWS is the run's client set: Management() for the management account, ForAccount for
	// member accounts (assumed role).
	AWS *awsapi.Clients
	// Folder is the run's state folder; exports go under exports/ (WriteExport).
	Folder statefolder.Folder
	// Token is this attempt's idempotency token ("" when the kind has none).
	Token string
	// Confirmed is the operator's confirmation of a manual step (By is empty when there is none).
	Confirmed journal.Confirmation
	// DryRun is true when only Observe runs (lz2ct apply --dry-run): nothing may be written.
	DryRun bool
	// Outputs looks up an earlier step's output (the journal's); nil = none known.
	Outputs func(step, output string) (string, bool)
	// Logf reports progress worth a line in the run's log; nil = discarded.
	Logf func(format string, args ...any)
}

// Resolve returns a parameter's value: the literal, or the output of the earlier step it names.
func (x *Exec) Resolve(v plans.Value) (string, error) { return v.Resolve(x.Outputs) }

// Log reports a line in the run's log.
func (x *Exec) Log(format string, args ...any) {
	if x.Logf != nil {
		x.Logf(format, args...)
	}
}

// Management is the configuration of the management account (the caller), in region ("" = the
// configured region).
func (x *Exec) Management(region string) aws.Config {
	cfg := x.AWS.Management()
	if region != "" {
		cfg = awsapi.InRegion(cfg, region)
	}
	return cfg
}

// Account is the configuration acting in a member account (assumed role), in region.
func (x *Exec) Account(ctx context.Context, accountID, region string) (aws.Config, error) {
	cfg, _, err := x.AWS.ForAccount(ctx, accountID)
	if err != nil {
		return aws.Config{}, err
	}
	if region != "" {
		cfg = awsapi.InRegion(cfg, region)
	}
	return cfg, nil
}

// ExportPath resolves a path the plan gives relative to the state folder ("exports/scp/p-1.json");
// it must lie inside exports/.
func (x *Exec) ExportPath(rel string) (string, error) {
	clean := filepath.Clean(filepath.FromSlash(rel))
	prefix := statefolder.Exports + string(filepath.Separator)
	if rel == "" || filepath.IsAbs(clean) || !strings.HasPrefix(clean, prefix) {
		return "", fmt.Errorf("export path %q must be a relative path inside %s/ (the plan is damaged: re-create it with lz2ct plan)", rel, statefolder.Exports)
	}
	return filepath.Join(x.Folder.Dir, clean), nil
}

// ReadExport returns an export's bytes; os.ErrNotExist when it is not there.
func (x *Exec) ReadExport(rel string) ([]byte, error) {
	p, err := x.ExportPath(rel)
	if err != nil {
		return nil, err
	}
	return os.ReadFile(p)
}

// ReadExportJSON reads an export and decodes it into v; a file that does not decode is damaged.
func (x *Exec) ReadExportJSON(rel string, v any) error {
	data, err := x.ReadExport(rel)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%s is damaged: %w", rel, err)
	}
	return nil
}

// WriteExport writes an export atomically, private to the owner (the state folder's rule). It
// refuses in a dry run.
func (x *Exec) WriteExport(rel string, data []byte) error {
	return x.WriteExportStream(rel, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// WriteExportStream is WriteExport for an export written as it is produced (tens of megabytes at
// 10,000 accounts): when write fails, nothing is left at rel.
func (x *Exec) WriteExportStream(rel string, write func(io.Writer) error) error {
	if x.DryRun {
		return errors.New("a dry run writes nothing: this is a bug in lz2ct")
	}
	p, err := x.ExportPath(rel)
	if err != nil {
		return err
	}
	if err := x.Folder.Ensure(); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), statefolder.DirPerm); err != nil {
		return fmt.Errorf("export %s: %w", rel, err)
	}
	return inventory.WriteAtomic(p, statefolder.FilePerm, func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 64<<10)
		if err := write(bw); err != nil {
			return err
		}
		return bw.Flush()
	})
}
