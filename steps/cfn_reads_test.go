package steps

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/lz2ct/lz2ct/awsapi"
	"github.com/lz2ct/lz2ct/orggen"
	"github.com/lz2ct/lz2ct/plans"
	"github.com/lz2ct/lz2ct/sim"
)

// A wave's instances are read account by account or by paging through the whole StackSet,
// whichever takes fewer calls, and found whole either way: a few accounts ask per account; a wave
// with more accounts than the StackSet has pages reads it whole; a wave of a StackSet with more
// pages than the wave has accounts gives up after as many pages as accounts and asks per account
// (the pages read so far hold only a part of the wave). Calls counted in the simulator's audit log.
func TestStackInstancesReadTheCheaperWay(t *testing.T) {
	params := orggen.DefaultParams()
	params.Accounts, params.OUs, params.Depth, params.Regions = 400, 8, 3, 2
	snap, err := orggen.Generate(params)
	if err != nil {
		t.Fatal(err)
	}
	var set, regions []string // EnableConfig's accounts and regions, in its instances' order
	inSet := 0
	for _, ss := range snap.ALZ.StackSets {
		if ss.Name != plans.EnableConfigStackSet {
			continue
		}
		seen := map[string]bool{}
		for _, in := range ss.Instances {
			if !seen[in.AccountID] {
				seen[in.AccountID] = true
				set = append(set, in.AccountID)
			}
			if !seen[in.Region] {
				seen[in.Region] = true
				regions = append(regions, in.Region)
			}
		}
		inSet = len(ss.Instances)
	}
	pages := (inSet + plans.InstancesPerPage - 1) / plans.InstancesPerPage
	if pages < 5 || len(set) < 3*pages {
		t.Fatalf("EnableConfig: %d accounts, %d instances (%d pages); the test wants more accounts than pages, and pages", len(set), inSet, pages)
	}
	srv := sim.New(snap, sim.Options{Seed: 1})
	url, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	c, err := awsapi.Load(context.Background(), awsapi.Options{EndpointURL: url, Region: snap.ALZ.HomeRegion, MaxBackoff: 5 * time.Millisecond,
		Static: &aws.Credentials{AccessKeyID: "AKIAEXAMPLEEXAMPLE00", SecretAccessKey: "secret"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	cf := awsapi.CloudFormation(c.Management())
	if len(regions) != params.Regions {
		t.Fatalf("EnableConfig's instances are in %v, want %d regions", regions, params.Regions)
	}

	// The wave's accounts are taken from the end of the set: a partial read of its first pages
	// would miss them.
	for _, tc := range []struct {
		name      string
		accounts  int
		wantCalls int
	}{
		{"a few accounts", 3, 3},
		{"more accounts than pages", 2 * pages, pages},
		{"fewer accounts than pages", pages - 1, 2 * (pages - 1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wave := set[len(set)-tc.accounts:]
			before, _ := srv.CallCount()
			got, err := stackInstances(context.Background(), cf, plans.EnableConfigStackSet, wave, regions)
			if err != nil {
				t.Fatal(err)
			}
			after, _ := srv.CallCount()
			if after-before != tc.wantCalls {
				t.Errorf("%d accounts of %d instances (%d pages): %d calls, want %d", tc.accounts, inSet, pages, after-before, tc.wantCalls)
			}
			var want []string
			for _, a := range wave {
				for _, r := range regions {
					want = append(want, instanceKey(a, r))
				}
			}
			var keys []string
			for k := range got {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			sort.Strings(want)
			if len(keys) != len(want) {
				t.Fatalf("found %d instances, want %d (the wave's accounts × %v)", len(keys), len(want), regions)
			}
			for i := range want {
				if keys[i] != want[i] {
					t.Fatalf("found %v…, want %v…", keys[i:], want[i:])
				}
			}
		})
	}
}
