package orggen

import (
	"fmt"
	"slices"
)

// commercialRegions are the 17 commercial regions enabled by default in every account (the ones
// that predate opt-in regions), in the fixed order the generator takes them from. Opt-in regions
// are left out on purpose: ALZ predates most of them and rarely ran there.
// https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-regions.html
var commercialRegions = [...]string{
	"us-east-1", "us-east-2", "us-west-1", "us-west-2",
	"eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-north-1",
	"ap-south-1", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
	"ap-southeast-1", "ap-southeast-2", "ca-central-1", "sa-east-1",
}

// MaxRegions is how many regions Regions can return.
const MaxRegions = len(commercialRegions)

// Regions returns n region names: the home region first, then the commercial regions in a fixed
// order. The same (home, n) always gives the same list.
func Regions(home string, n int) ([]string, error) {
	if n < 1 || n > MaxRegions {
		return nil, fmt.Errorf("regions: %d is out of range: choose 1 to %d", n, MaxRegions)
	}
	if !slices.Contains(commercialRegions[:], home) {
		return nil, fmt.Errorf("home region %q is not one of the generator's commercial regions %v", home, commercialRegions)
	}
	out := []string{home}
	for _, r := range commercialRegions {
		if len(out) == n {
			break
		}
		if r != home {
			out = append(out, r)
		}
	}
	return out, nil
}
