package cli

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/spf13/pflag"

	"github.com/lz2ct/lz2ct/awsapi"
	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/inventory/discover"
	"github.com/lz2ct/lz2ct/tui"
)

// AWSFlags are the flags that say how to reach AWS and how hard to read it, shared by discover and
// check's live mode so both connect the same way.
type AWSFlags struct {
	Profile     string
	Region      string
	EndpointURL string
	Regions     []string
	Concurrency int
	RoleNames   []string
	MaxAttempts int
	Rate        float64

	// Static replaces the credential chain (tests).
	Static *aws.Credentials

	given []string // the AWS flags the user gave, in awsFlagNames order
}

var awsFlagNames = []string{"profile", "region", "endpoint-url", "regions", "concurrency", "role-name", "max-attempts", "rate"}

// register defines the AWS flags on fl; usagePrefix starts every help text (e.g. "live mode: ").
func (af *AWSFlags) register(fl *pflag.FlagSet, usagePrefix string) {
	p := usagePrefix
	fl.StringVar(&af.Profile, "profile", "", p+"AWS profile (default: AWS_PROFILE or the default credential chain); SSO profiles work after aws sso login")
	fl.StringVar(&af.Region, "region", "", p+"region for global calls and the default region list (default: from the profile/environment, else "+awsapi.DefaultRegion+")")
	fl.StringVar(&af.EndpointURL, "endpoint-url", "", p+"send every AWS call to this endpoint (e.g. lz2ct sim serve)")
	fl.StringSliceVar(&af.Regions, "regions", nil, p+"regions to read in every account, comma-separated (default: the enabled regions)")
	fl.IntVar(&af.Concurrency, "concurrency", discover.DefaultConcurrency, p+"AWS calls in flight at most")
	fl.StringArrayVar(&af.RoleNames, "role-name", nil, p+"role to assume in member accounts, in order of preference (repeatable; default "+strings.Join(awsapi.DefaultRoleNames, ", ")+")")
	fl.IntVar(&af.MaxAttempts, "max-attempts", awsapi.DefaultMaxAttempts, p+"attempts per AWS call, retries included")
	fl.Float64Var(&af.Rate, "rate", 0, p+"client-side limit per API, account and region in calls/s (0 = the defaults in docs/aws-operations.md, -1 = none)")
}

// record notes which AWS flags the user gave; call it once the flags are parsed.
func (af *AWSFlags) record(fl *pflag.FlagSet) {
	af.given = nil
	for _, name := range awsFlagNames {
		if fl.Changed(name) {
			af.given = append(af.given, name)
		}
	}
}

// givenArgs are the AWS flags the user gave, as arguments that give them again (shell-quoted): a
// command lz2ct prints for the user to go on with (lz2ct resume) then reaches AWS the same way.
func (af *AWSFlags) givenArgs() []string {
	var args []string
	for _, name := range af.given {
		var vals []string
		switch name {
		case "profile":
			vals = []string{af.Profile}
		case "region":
			vals = []string{af.Region}
		case "endpoint-url":
			vals = []string{af.EndpointURL}
		case "regions":
			vals = []string{strings.Join(af.Regions, ",")}
		case "concurrency":
			vals = []string{strconv.Itoa(af.Concurrency)}
		case "role-name":
			vals = af.RoleNames
		case "max-attempts":
			vals = []string{strconv.Itoa(af.MaxAttempts)}
		case "rate":
			vals = []string{strconv.FormatFloat(af.Rate, 'g', -1, 64)}
		}
		for _, v := range vals {
			args = append(args, "--"+name, tui.ShellQuote(v))
		}
	}
	return args
}

// validate reports the first flag value that cannot work; an error is bad input.
func (af *AWSFlags) validate() error {
	if af.Concurrency < 1 || af.Concurrency > 4096 {
		return fmt.Errorf("--concurrency %d: choose 1 to 4096", af.Concurrency)
	}
	if af.MaxAttempts < 1 || af.MaxAttempts > 100 {
		return fmt.Errorf("--max-attempts %d: choose 1 to 100", af.MaxAttempts)
	}
	for _, r := range af.Regions {
		if err := checkRegion("--regions", r); err != nil {
			return err
		}
	}
	if af.Region != "" {
		if err := checkRegion("--region", af.Region); err != nil {
			return err
		}
	}
	if err := checkRoleNames(af.RoleNames); err != nil {
		return err
	}
	if af.EndpointURL != "" && !strings.HasPrefix(af.EndpointURL, "http://") && !strings.HasPrefix(af.EndpointURL, "https://") {
		return fmt.Errorf("--endpoint-url %q: want a URL such as http://127.0.0.1:4566", af.EndpointURL)
	}
	return nil
}

// options are the client and discovery options the flags ask for; the caller adds progress.
func (af *AWSFlags) options() (awsapi.Options, discover.Options) {
	return awsapi.Options{Profile: af.Profile, Region: af.Region, EndpointURL: af.EndpointURL,
			RoleNames: af.RoleNames, MaxAttempts: af.MaxAttempts, RatePerSecond: af.Rate, Static: af.Static},
		discover.Options{Regions: af.Regions, Concurrency: af.Concurrency}
}

// checkRoleNames rejects --role-name values that cannot be an IAM role name (discover, check and
// iam-policy take the same flag).
func checkRoleNames(names []string) error {
	for _, r := range names {
		if r == "" || strings.ContainsAny(r, " :/*") {
			return fmt.Errorf("--role-name %q: want an IAM role name such as OrganizationAccountAccessRole", r)
		}
	}
	return nil
}

// checkRegion refuses a name that is not an AWS region, suggesting the nearest ones: a typo would
// otherwise read nothing and leave a clean, empty snapshot.
func checkRegion(flag, r string) error {
	if _, ok := inventory.LookupRegion(r); ok {
		return nil
	}
	return fmt.Errorf("%s: %q is not an AWS region; did you mean %s? (the regions: https://docs.aws.amazon.com/general/latest/gr/rande.html)",
		flag, r, strings.Join(inventory.SuggestRegions(r), " or "))
}
