package inventory

import (
	"slices"
	"sort"
)

// Region is one AWS region lz2ct knows.
type Region struct {
	Name      string
	Partition string
	// OptIn regions (launched after 20 March 2019) are disabled until an account enables them; the
	// others are enabled in every account and cannot be disabled.
	// https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-regions.html
	OptIn bool
}

// regionTable lists the regions of AWS's partitions, as botocore's endpoints.json and the AWS
// general reference (https://docs.aws.amazon.com/general/latest/gr/rande.html) list them.
var regionTable = []Region{
	{"us-east-1", "aws", false}, {"us-east-2", "aws", false}, {"us-west-1", "aws", false}, {"us-west-2", "aws", false},
	{"af-south-1", "aws", true},
	{"ap-east-1", "aws", true}, {"ap-east-2", "aws", true},
	{"ap-south-1", "aws", false}, {"ap-south-2", "aws", true},
	{"ap-northeast-1", "aws", false}, {"ap-northeast-2", "aws", false}, {"ap-northeast-3", "aws", false},
	{"ap-southeast-1", "aws", false}, {"ap-southeast-2", "aws", false}, {"ap-southeast-3", "aws", true},
	{"ap-southeast-4", "aws", true}, {"ap-southeast-5", "aws", true}, {"ap-southeast-6", "aws", true}, {"ap-southeast-7", "aws", true},
	{"ca-central-1", "aws", false}, {"ca-west-1", "aws", true},
	{"eu-central-1", "aws", false}, {"eu-central-2", "aws", true},
	{"eu-west-1", "aws", false}, {"eu-west-2", "aws", false}, {"eu-west-3", "aws", false},
	{"eu-south-1", "aws", true}, {"eu-south-2", "aws", true}, {"eu-north-1", "aws", false},
	{"il-central-1", "aws", true}, {"me-south-1", "aws", true}, {"me-central-1", "aws", true},
	{"mx-central-1", "aws", true}, {"sa-east-1", "aws", false},
	{"us-gov-west-1", "aws-us-gov", false}, {"us-gov-east-1", "aws-us-gov", false},
	{"cn-north-1", "aws-cn", false}, {"cn-northwest-1", "aws-cn", false},
}

var regionByName = func() map[string]Region {
	m := make(map[string]Region, len(regionTable))
	for _, r := range regionTable {
		m[r.Name] = r
	}
	return m
}()

// LookupRegion returns the region named name, if lz2ct knows it.
func LookupRegion(name string) (Region, bool) {
	r, ok := regionByName[name]
	return r, ok
}

// IsOptInRegion reports whether name is a region an account must enable before using it.
func IsOptInRegion(name string) bool { return regionByName[name].OptIn }

// PartitionRegions returns the regions of a partition ("" = aws), sorted by name.
func PartitionRegions(partition string) []Region {
	if partition == "" {
		partition = "aws"
	}
	var out []Region
	for _, r := range regionTable {
		if r.Partition == partition {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// SuggestRegions returns the known region names closest to name (edit distance counting a swap of
// two neighbouring letters as one edit), at most three, for "did you mean" messages.
func SuggestRegions(name string) []string {
	best := -1
	var out []string
	for _, r := range regionTable {
		d := editDistance(name, r.Name)
		switch {
		case best < 0 || d < best:
			best, out = d, []string{r.Name}
		case d == best:
			out = append(out, r.Name)
		}
	}
	slices.Sort(out)
	if len(out) > 3 {
		out = out[:3]
	}
	return out
}

// editDistance is the optimal string alignment distance: insertions, deletions, substitutions and
// transpositions of adjacent characters each cost one.
func editDistance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}
