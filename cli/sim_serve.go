package cli

import (
	"context"
	"errors"
	"fmt"
	"maps"
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
	TimeScale    float64
	Faults       []string // sim.ParseFault syntax
	AccessKeys   []string // KEY or KEY=ACCOUNT

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

The access keys it accepts are AKIAEXAMPLEEXAMPLE00, AKIAIOSFODNN7EXAMPLE and AKIALZ2CTDEMO0000000
(the management account), or those --access-key names; any other key is refused as AWS refuses an
unknown one.

Faults are deterministic from --fault-seed: --throttle answers that share of calls with the
service's throttling error, --api-rate limits each operation to N calls per second, --deny answers
AccessDenied to one account (or one account in one region), --fault makes one operation (and
target) fail, hang or throttle.

Asynchronous operations (landing zone, OU registration, enrollment, StackSet operations) take AWS's
published durations on a simulated clock; --time-scale 60 makes a simulated minute last a second.
--audit-log streams one JSON line per call as it is answered (tail -f works).`,
		Example: `  lz2ct sim serve --snapshot testdata/orgs/alz2-typical.json --addr 127.0.0.1:4566
  AWS_ACCESS_KEY_ID=AKIAEXAMPLEEXAMPLE00 AWS_SECRET_ACCESS_KEY=x AWS_REGION=us-east-1 \
    aws --endpoint-url http://127.0.0.1:4566 organizations list-accounts
  lz2ct sim serve --snapshot org.json --latency 20ms --throttle 0.2 --fault-seed 7 --deny 123456789012:eu-west-1 --audit-log calls.jsonl
  lz2ct sim serve --snapshot org.json --time-scale 600 --fault 'controltower:EnableBaseline=hang' \
    --fault 'organizations:DetachPolicy=fail:ConcurrentModificationException,p=0.5'`,
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
	fl.StringVar(&opts.AuditLog, "audit-log", "", "write one JSON object per call to this file, as calls are answered")
	fl.Float64Var(&opts.TimeScale, "time-scale", 1, "run the simulated clock this many times faster than wall time (60 = a minute per second)")
	fl.StringArrayVar(&opts.Faults, "fault", nil, "inject a fault: SERVICE:OPERATION[@TARGET]=fail:CODE|fail-async:CODE|hang|throttle[,p=P][,times=N] (repeatable)")
	fl.StringArrayVar(&opts.AccessKeys, "access-key", nil, "also accept this access key ID, as the management account or as KEY=ACCOUNT (repeatable)")
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
	if opts.TimeScale < 0 {
		return BadInput(fmt.Errorf("--time-scale %v: want a positive factor (1 = real time, 60 = a minute per second)", opts.TimeScale))
	}
	var faults []sim.Fault
	for _, v := range opts.Faults {
		f, err := sim.ParseFault(v)
		if err != nil {
			return BadInput(fmt.Errorf("--fault: %w", err))
		}
		faults = append(faults, f)
	}
	snap, err := inventory.Load(opts.SnapshotPath)
	if err != nil {
		return BadInput(err)
	}
	keys, err := parseAccessKeys(opts.AccessKeys)
	if err != nil {
		return BadInput(err)
	}
	simOpts := sim.Options{Latency: opts.Latency, ThrottleFraction: opts.Throttle, APIRate: opts.APIRate, Seed: opts.Seed, Deny: deny,
		TimeScale: opts.TimeScale, Faults: faults, AccessKeys: keys}
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
	calls, mutating := srv.CallCount()
	fmt.Fprintf(opts.IO.ErrOut, "lz2ct sim: stopped after %d calls (%d mutating)\n", calls, mutating)
	if cerr != nil && !errors.Is(cerr, context.Canceled) {
		return fmt.Errorf("stop the simulator: %w", cerr)
	}
	return nil
}

// parseAccessKeys reads --access-key values: KEY (the management account) or KEY=ACCOUNT. The
// default keys stay accepted.
func parseAccessKeys(values []string) (map[string]string, error) {
	if len(values) == 0 {
		return nil, nil
	}
	keys := maps.Clone(sim.DefaultAccessKeys)
	for _, v := range values {
		key, acct, _ := strings.Cut(v, "=")
		if len(key) < 16 || strings.ContainsAny(key, " :/") {
			return nil, fmt.Errorf("--access-key %q: want an access key ID (AKIA... , 16 to 128 characters), optionally =ACCOUNT", v)
		}
		if acct != "" && !inventory.IsAccountID(acct) {
			return nil, fmt.Errorf("--access-key %q: %q is not a 12-digit account ID", v, acct)
		}
		keys[key] = acct
	}
	return keys, nil
}
