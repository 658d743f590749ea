package cli

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/lz2ct/lz2ct/awsapi"
	"github.com/lz2ct/lz2ct/iostreams"
)

func init() { register("", func(f *Factory) *cobra.Command { return NewCmdIAMPolicy(f, nil) }) }

// IAMPolicyOptions are the inputs of `lz2ct iam-policy`.
type IAMPolicyOptions struct {
	IO        *iostreams.IOStreams
	ReadOnly  bool
	RoleNames []string
}

// NewCmdIAMPolicy builds `lz2ct iam-policy`. runF replaces the run function in tests of flag parsing.
func NewCmdIAMPolicy(f *Factory, runF func(*IAMPolicyOptions) error) *cobra.Command {
	opts := &IAMPolicyOptions{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "iam-policy [--read-only]",
		Short: "Print the least-privilege IAM policy lz2ct needs in the management account",
		Long: `Print the IAM policy (JSON) for the identity that runs lz2ct in the management account: every
AWS action lz2ct calls (docs/aws-operations.md lists them with the reason for each), with
sts:AssumeRole limited to the member-account roles. --read-only limits it to what discover, check,
plan and runbook need. The member-account roles lz2ct assumes (AWSControlTowerExecution, ...)
already allow the reads it makes inside member accounts.`,
		Example: `  lz2ct iam-policy --read-only > lz2ct-read.json
  aws iam create-policy --policy-name lz2ct-discover --policy-document file://lz2ct-read.json
  lz2ct iam-policy --read-only --role-name MyAuditRole`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return runIAMPolicy(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.ReadOnly, "read-only", false, "only the read-only actions (discover, check, plan, runbook)")
	cmd.Flags().StringArrayVar(&opts.RoleNames, "role-name", nil, "member-account role lz2ct may assume (repeatable; default "+strings.Join(awsapi.DefaultRoleNames, ", ")+")")
	return cmd
}

func runIAMPolicy(opts *IAMPolicyOptions) error {
	if err := checkRoleNames(opts.RoleNames); err != nil {
		return BadInput(err)
	}
	b, err := awsapi.Policy(opts.ReadOnly, opts.RoleNames).JSON()
	if err != nil {
		return err
	}
	_, err = opts.IO.Out.Write(b)
	return err
}
