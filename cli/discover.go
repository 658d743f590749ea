package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/lz2ct/lz2ct/awsapi"
	"github.com/lz2ct/lz2ct/inventory/discover"
	"github.com/lz2ct/lz2ct/iostreams"
	"github.com/lz2ct/lz2ct/session"
)

func init() { register("", func(f *Factory) *cobra.Command { return NewCmdDiscover(f, nil) }) }

// DiscoverOptions are the inputs of `lz2ct discover`.
type DiscoverOptions struct {
	IO *iostreams.IOStreams

	AWSFlags // how to reach AWS and how hard to read it

	Output string
	JSON   bool

	// Context cancels discovery: the factory's Stop context (the first SIGINT or SIGTERM), or a
	// test's.
	Context context.Context
}

// NewCmdDiscover builds `lz2ct discover`. runF replaces the run function in tests of flag parsing.
func NewCmdDiscover(f *Factory, runF func(*DiscoverOptions) error) *cobra.Command {
	opts := &DiscoverOptions{IO: f.IO, Context: f.StopContext()}
	cmd := &cobra.Command{
		Use:   "discover -o FILE",
		Short: "Read the organization (read-only) into a snapshot file",
		Long: `Read the AWS organization the credentials belong to into a snapshot file: OUs, accounts,
SCPs, trusted services, IAM Identity Center, Control Tower, everything the AWS Landing Zone
solution left, and in every account and region the AWS Config recorders, delivery channels and
aggregators. Only read-only AWS operations are called (see docs/aws-operations.md; the IAM policy
it needs is printed by lz2ct iam-policy --read-only).

Run it with credentials of the management account. Inside member accounts lz2ct assumes the first
role of --role-name that works (default AWSControlTowerExecution, then
AWSCloudFormationStackSetExecutionRole, then OrganizationAccountAccessRole). What cannot be read
is recorded as a problem in the snapshot; a failure to read the organization itself exits with
code 2, a stop (Ctrl-C, SIGTERM) with code 3. The snapshot file is written atomically and readable
by you alone (0600): it holds the organization's structure and e-mail addresses.`,
		Example: `  lz2ct discover -o org.json
  lz2ct discover --profile mgmt-admin --region eu-west-1 -o org.json
  lz2ct discover --regions eu-west-1,eu-central-1 --concurrency 64 -o org.json
  lz2ct discover --endpoint-url http://127.0.0.1:4566 -o org.json   # against lz2ct sim serve`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return runDiscover(opts)
		},
	}
	fl := cmd.Flags()
	opts.AWSFlags.register(fl, "")
	fl.StringVarP(&opts.Output, "output", "o", "", "snapshot file to write (required)")
	fl.BoolVar(&opts.JSON, "json", false, "print the summary as JSON on stdout")
	return cmd
}

func (o *DiscoverOptions) validate() error {
	if o.Output == "" {
		return errors.New("-o FILE is required: where to write the snapshot")
	}
	if st, err := os.Stat(filepath.Dir(o.Output)); err != nil || !st.IsDir() {
		return fmt.Errorf("-o %s: folder %s does not exist", o.Output, filepath.Dir(o.Output))
	}
	return o.AWSFlags.validate()
}

// discoverSummary is what discover reports at the end (--json prints it as is).
type discoverSummary struct {
	Organization string   `json:"organization"`
	Output       string   `json:"output"`
	Accounts     int      `json:"accounts"`
	OUs          int      `json:"ous"`
	Policies     int      `json:"policies"`
	Regions      []string `json:"regions"`
	ALZVersion   string   `json:"alzVersion,omitempty"`
	Problems     int      `json:"problems"`
	Calls        int      `json:"calls"`
	Seconds      float64  `json:"seconds"`
}

func runDiscover(opts *DiscoverOptions) error {
	if err := opts.validate(); err != nil {
		return BadInput(err)
	}
	ctx := opts.Context
	if ctx == nil {
		ctx = context.Background()
	}
	aopts, dopts := opts.options()
	bar := newProgressBar(opts.IO.ErrOut, opts.IO.IsStderrTTY())
	start := time.Now()
	dopts.Progress = bar.update
	sdk := bar.sdkLog()
	aopts.Logger = sdk
	snap, err := session.DiscoverWith(ctx, aopts, dopts)
	bar.finish()
	reportSDKLog(opts.IO.ErrOut, sdk)
	if err != nil {
		var ce *session.CredentialsError
		if errors.As(err, &ce) {
			return BadInput(err)
		}
		return err // discover.ErrFatal exits 2, a stop 3 (ExitCode)
	}
	if err := session.SaveSnapshot(opts.Output, snap.Snapshot); err != nil {
		return err
	}
	sum := discoverSummary{Organization: snap.Organization.ID, Output: opts.Output, Accounts: len(snap.Accounts), OUs: len(snap.OUs),
		Policies: len(snap.Policies), Regions: snap.Regions, Problems: len(snap.Problems), Calls: bar.last.Calls,
		Seconds: time.Since(start).Round(time.Millisecond).Seconds()}
	if snap.ALZ != nil {
		sum.ALZVersion = snap.ALZ.Version
		if sum.ALZVersion == "" {
			sum.ALZVersion = "unknown"
		}
	}
	if opts.JSON {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(sum)
	}
	alz := "no AWS Landing Zone found"
	if sum.ALZVersion != "" {
		alz = "AWS Landing Zone " + sum.ALZVersion
	}
	fmt.Fprintf(opts.IO.Out, "Discovered %s: %s, %s, %s, %s; %s.\n", sum.Organization, plural(sum.Accounts, "account"),
		plural(sum.OUs, "OU"), plural(sum.Policies, "SCP"), plural(len(sum.Regions), "region"), alz)
	fmt.Fprintf(opts.IO.Out, "%d AWS calls in %.1fs. Snapshot written to %s.\n", sum.Calls, sum.Seconds, opts.Output)
	if sum.Problems > 0 {
		fmt.Fprintf(opts.IO.Out, "%d things could not be read (see \"problems\" in the snapshot); checks treat them as unknown.\n", sum.Problems)
		for i, p := range snap.Problems {
			if i == 5 {
				fmt.Fprintf(opts.IO.Out, "  ... and %d more\n", len(snap.Problems)-5)
				break
			}
			scope := "organization"
			if p.AccountID != "" {
				scope = "account " + p.AccountID
			}
			if p.Region != "" {
				scope += " in " + p.Region
			}
			fmt.Fprintf(opts.IO.Out, "  %s: %s:%s %s %s\n", scope, p.Service, p.Operation, p.Code, p.Message)
		}
	}
	return nil
}

// progressBar draws discovery progress on stderr: one line redrawn in place on a terminal (at most
// ten times a second), plain lines otherwise (at each stage, every tenth of the accounts and every
// ten seconds of a long stage), so logs stay readable.
type progressBar struct {
	w       io.Writer
	tty     bool
	mu      sync.Mutex
	last    discover.Progress
	drawn   time.Time
	printed time.Duration // Progress.Elapsed at the last plain line
	stage   string
	tenths  int
}

func newProgressBar(w io.Writer, tty bool) *progressBar { return &progressBar{w: w, tty: tty} }

func (b *progressBar) update(p discover.Progress) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.last = p
	if b.tty {
		if p.Stage == b.stage && time.Since(b.drawn) < 100*time.Millisecond {
			return
		}
		b.stage, b.drawn = p.Stage, time.Now()
		fmt.Fprintf(b.w, "\r%s\x1b[K", b.line(p, 30))
		return
	}
	tenths := 0
	if p.AccountsTotal > 0 {
		tenths = p.AccountsDone * 10 / p.AccountsTotal
	}
	if p.Stage != b.stage || tenths != b.tenths || p.Elapsed-b.printed >= 10*time.Second {
		b.stage, b.tenths, b.printed = p.Stage, tenths, p.Elapsed
		fmt.Fprintln(b.w, b.line(p, 0))
	}
}

// line renders one progress line; width > 0 adds a bar of that many cells.
func (b *progressBar) line(p discover.Progress, width int) string {
	bar := ""
	if width > 0 && p.AccountsTotal > 0 {
		full := p.AccountsDone * width / p.AccountsTotal
		bar = "[" + strings.Repeat("#", full) + strings.Repeat(".", width-full) + "] "
	}
	return "discover: " + bar + progressLine(p)
}

// progressLine says how far discovery is, in every command that shows it. Before the accounts
// stage the accounts are not counted yet, so the calls and the accounts found so far are; the
// time left is told from the rate the accounts are read at, once the first ones are.
func progressLine(p discover.Progress) string {
	if p.AccountsTotal == 0 && p.Stage != "accounts" && p.Stage != "done" {
		line := fmt.Sprintf("reading the %s", p.Stage)
		if p.Calls > 0 {
			line += fmt.Sprintf(" (%s so far", plural(p.Calls, "AWS call"))
			if p.AccountsFound > 0 {
				line += ", " + plural(p.AccountsFound, "account") + " found"
			}
			line += ")"
		}
		return line
	}
	line := fmt.Sprintf("%d/%d accounts, %s, %s", p.AccountsDone, p.AccountsTotal, plural(p.Calls, "call"), plural(p.Problems, "problem"))
	switch {
	case p.Stage == "done":
		return "done: " + line
	case p.Remaining > 0:
		return line + fmt.Sprintf(", about %s left", p.Remaining.Round(time.Second))
	}
	return line
}

// log prints a line between progress lines: on a terminal it replaces the bar, which is drawn again
// below it.
func (b *progressBar) log(line string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.tty && b.stage != "" {
		fmt.Fprintf(b.w, "\r\x1b[K%s\n%s", line, b.line(b.last, 30))
		return
	}
	fmt.Fprintln(b.w, line)
}

// sdkLog routes the AWS SDK's own log lines through the bar (awsapi.SDKLog); reportSDKLog tells,
// once the bar is done, how many transport warnings the SDK recovered from.
func (b *progressBar) sdkLog() *awsapi.SDKLog {
	return &awsapi.SDKLog{Print: func(line string) { b.log("lz2ct: " + line) }}
}

// sdkLines prints the AWS SDK's own log lines as lines of their own (a run's output, where no bar
// is drawn).
func sdkLines(w io.Writer) *awsapi.SDKLog {
	return &awsapi.SDKLog{Print: func(line string) { fmt.Fprintln(w, "lz2ct: "+line) }}
}

func reportSDKLog(w io.Writer, l *awsapi.SDKLog) {
	if n := l.Recovered(); n > 0 {
		fmt.Fprintf(w, "lz2ct: %s could not be read to the end for connection reuse (the AWS SDK's \"failed to discard remaining HTTP response body\"); failed calls were retried\n",
			plural(int(n), "AWS response"))
	}
}

func (b *progressBar) finish() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.tty && b.stage != "" {
		fmt.Fprintf(b.w, "\r%s\x1b[K\n", b.line(b.last, 30))
	}
}
