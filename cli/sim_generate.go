package cli

import (
	"fmt"

	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/iostreams"
	"github.com/lz2ct/lz2ct/orggen"
	"github.com/spf13/cobra"
)

func init() { register("sim", func(f *Factory) *cobra.Command { return NewCmdSimGenerate(f, nil) }) }

// SimGenerateOptions are the inputs of lz2ct sim generate.
type SimGenerateOptions struct {
	IO     *iostreams.IOStreams
	Params orggen.Params
	// Output is the snapshot file to write; "-" writes to standard output.
	Output string
}

// NewCmdSimGenerate builds "lz2ct sim generate". runF, when not nil, replaces the run function (tests).
func NewCmdSimGenerate(f *Factory, runF func(*SimGenerateOptions) error) *cobra.Command {
	opts := &SimGenerateOptions{IO: f.IO, Params: orggen.DefaultParams()}
	cmd := &cobra.Command{
		Use:   "generate -o FILE",
		Short: "Generate a synthetic ALZ organization snapshot of any size",
		Long: `Generate a synthetic AWS Landing Zone organization as a snapshot file, for the simulator,
tests and benchmarks. Names, StackSets, SCPs and AWS Config follow the chosen ALZ version.
The same flags always give a byte-identical file.`,
		Example: `  lz2ct sim generate --accounts 500 --ous 40 --depth 4 --regions 3 --seed 7 -o org.json
  lz2ct sim generate --accounts 10000 --ous 400 --depth 5 --regions 17 --seed 1 -o big.json
  lz2ct sim generate --accounts 30 --ous 5 --depth 2 --regions 1 --alz-version 1.0.3 -o legacy.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Output == "" {
				return BadInput(fmt.Errorf("--output (-o) is required: the snapshot file to write, or - for standard output"))
			}
			if err := opts.Params.Check(); err != nil {
				return BadInput(err)
			}
			if runF != nil {
				return runF(opts)
			}
			return simGenerateRun(opts)
		},
	}
	p := &opts.Params
	fl := cmd.Flags()
	fl.IntVar(&p.Accounts, "accounts", p.Accounts, "accounts in the organization, management and ALZ core accounts included (4..100000)")
	fl.IntVar(&p.OUs, "ous", p.OUs, "OUs in the organization, the core OU included")
	fl.IntVar(&p.Depth, "depth", p.Depth, "deepest OU nesting level (1..6)")
	fl.IntVar(&p.Regions, "regions", p.Regions, "number of regions (1..17), home region first")
	fl.Int64Var(&p.Seed, "seed", p.Seed, "random seed: the same seed and flags give the same file")
	fl.StringVar(&p.ALZVersion, "alz-version", p.ALZVersion, "AWS Landing Zone solution version (1.0.x names the log account 'logging'; 2.3+ has the guardrail SCPs)")
	fl.StringVar(&p.HomeRegion, "home-region", p.HomeRegion, "ALZ home region (and IAM Identity Center region for ALZ v2)")
	fl.Float64Var(&p.ConfigShare, "config-share", p.ConfigShare, "share of workload accounts with ALZ's AWS Config recorder (0..1; core accounts always have one)")
	fl.Float64Var(&p.SCPDensity, "scp-density", p.SCPDensity, "chance that an OU carries a customer SCP (0..1)")
	fl.StringVarP(&opts.Output, "output", "o", "", "snapshot file to write (- for standard output)")
	return cmd
}

func simGenerateRun(opts *SimGenerateOptions) error {
	s, err := orggen.Generate(opts.Params)
	if err != nil {
		return BadInput(err)
	}
	if opts.Output == "-" {
		data, err := inventory.Encode(s)
		if err != nil {
			return err
		}
		_, err = opts.IO.Out.Write(data)
		return err
	}
	if err := inventory.Save(opts.Output, s); err != nil {
		return fmt.Errorf("save the generated snapshot: %w", err)
	}
	fmt.Fprintf(opts.IO.ErrOut, "wrote %s: organization %s, %s, %s, %s, %s, ALZ %s\n", opts.Output, s.Organization.ID,
		plural(len(s.Accounts), "account"), plural(len(s.OUs), "OU"), plural(len(s.Policies), "SCP"), plural(len(s.Regions), "region"), s.ALZ.Version)
	return nil
}
