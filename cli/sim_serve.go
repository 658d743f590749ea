package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/iostreams"
	"github.com/lz2ct/lz2ct/sim"
)

func init() { register("sim", func(f *Factory) *cobra.Command { return NewCmdSimServe(f, nil) }) }

// SimServeOptions are the inputs of `lz2ct sim serve`.
type SimServeOptions struct {
	IO *iostreams.IOStreams

	SnapshotPath string
	Addr         string
	Latency      time.Duration
	Throttle     float64
	APIRate      float64
	Seed         int64
	Deny         []string // ACCOUNT or ACCOUNT:REGION
	AuditLog     string

	// Context ends the server when done: the factory's Stop context (the first SIGINT or SIGTERM),
	// or a test's.
	Context context.Context
	// Ready, when set, is called with the URL once the server listens (tests).
	Ready func(url string)
}

// NewCmdSimServe builds `lz2ct sim serve`. runF replaces the run function in tests of flag parsing.
func NewCmdSimServe(f *Factory, runF func(*SimServeOptions) error) *cobra.Command {
	opts := &SimServeOptions{IO: f.IO, Context: f.StopContext()}
	cmd := &cobra.Command{
		Use:   "serve --snapshot FILE [--addr 127.0.0.1:PORT]",
		Short: "Serve a snapshot as a local AWS endpoint (Organizations, STS, Config, CloudFormation, ...)",
		Long: `Serve a snapshot through AWS's own protocols on one local HTTP endpoint, so the AWS SDKs and
the AWS CLI work against it with --endpoint-url. Plain static credentials act as the management
account; credentials from sts:AssumeRole act as the account they were issued for.

Faults are deterministic from --fault-seed: --throttle answers that share of calls with the
service's throttling error, --api-rate limits each operation to N calls per second, --deny answers
AccessDenied to one account (or one account in one region).`,
		Example: `  lz2ct sim serve --snapshot testdata/orgs/small.json --addr 127.0.0.1:4566
  AWS_ACCESS_KEY_ID=AKIAEXAMPLE AWS_SECRET_ACCESS_KEY=x AWS_REGION=us-east-1 \
    aws --endpoint-url http://127.0.0.1:4566 organizations list-accounts
  lz2ct sim serve --snapshot org.json --latency 20ms --throttle 0.2 --fault-seed 7 --deny 123456789012:eu-west-1 --audit-log calls.jsonl`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return runSimServe(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.SnapshotPath, "snapshot", "", "snapshot file to serve (required)")
	fl.StringVar(&opts.Addr, "addr", "127.0.0.1:0", "address to listen on; port 0 picks a free port")
	fl.DurationVar(&opts.Latency, "latency", 0, "latency added to every call, e.g. 20ms")
	fl.Float64Var(&opts.Throttle, "throttle", 0, "share of calls (0-1) answered with the service's throttling error")
	fl.Float64Var(&opts.APIRate, "api-rate", 0, "token bucket per operation, calls per second (0 = unlimited)")
	fl.Int64Var(&opts.Seed, "fault-seed", 1, "seed for the throttling decisions and issued credentials")
	fl.StringArrayVar(&opts.Deny, "deny", nil, "answer AccessDenied for ACCOUNT or ACCOUNT:REGION (repeatable)")
	fl.StringVar(&opts.AuditLog, "audit-log", "", "write one JSON object per call to this file")
	return cmd
}

// parseDeny reads --deny values: a 12-digit account ID, optionally followed by :REGION.
func parseDeny(values []string) ([]sim.Scope, error) {
	var out []sim.Scope
	for _, v := range values {
		acct, region, _ := strings.Cut(v, ":")
		if !inventory.IsAccountID(acct) {
			return nil, fmt.Errorf("--deny %q: %q is not a 12-digit account ID (want ACCOUNT or ACCOUNT:REGION)", v, acct)
		}
		if region != "" && !inventory.IsRegion(region) {
			return nil, fmt.Errorf("--deny %q: %q is not a region name (want ACCOUNT or ACCOUNT:REGION)", v, region)
		}
		out = append(out, sim.Scope{AccountID: acct, Region: region})
	}
	return out, nil
}

func runSimServe(opts *SimServeOptions) error {
	if opts.SnapshotPath == "" {
		return BadInput(errors.New("--snapshot is required: the snapshot file to serve (lz2ct discover or lz2ct sim generate writes one)"))
	}
	if opts.Throttle < 0 || opts.Throttle > 1 {
		return BadInput(fmt.Errorf("--throttle %v: want a share of calls between 0 and 1 (0.2 = 20%%)", opts.Throttle))
	}
	if opts.APIRate < 0 {
		return BadInput(fmt.Errorf("--api-rate %v: want calls per second, 0 or more", opts.APIRate))
	}
	deny, err := parseDeny(opts.Deny)
	if err != nil {
		return BadInput(err)
	}
	snap, err := inventory.Load(opts.SnapshotPath)
	if err != nil {
		return BadInput(err)
	}
	simOpts := sim.Options{Latency: opts.Latency, ThrottleFraction: opts.Throttle, APIRate: opts.APIRate, Seed: opts.Seed, Deny: deny}
	if opts.AuditLog != "" {
		f, err := os.Create(opts.AuditLog)
		if err != nil {
			return BadInput(fmt.Errorf("--audit-log: %w", err))
		}
		defer f.Close()
		simOpts.AuditLog = f
	}
	srv := sim.New(snap, simOpts)
	url, err := srv.Start(opts.Addr)
	if err != nil {
		return BadInput(err)
	}
	fmt.Fprintf(opts.IO.Out, "lz2ct sim: serving %s at %s\n", srv.Organization(), url)
	if opts.Ready != nil {
		opts.Ready(url)
	}
	ctx := opts.Context
	if ctx == nil {
		ctx = context.Background()
	}
	<-ctx.Done()
	cerr := srv.Close()
	fmt.Fprintf(opts.IO.ErrOut, "lz2ct sim: stopped after %d calls\n", len(srv.Calls()))
	if cerr != nil && !errors.Is(cerr, context.Canceled) {
		return fmt.Errorf("stop the simulator: %w", cerr)
	}
	return nil
}
