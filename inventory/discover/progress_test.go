package discover_test

import (
	"sync"
	"testing"

	"github.com/lz2ct/lz2ct/inventory/discover"
	"github.com/lz2ct/lz2ct/orggen"
	"github.com/lz2ct/lz2ct/sim"
)

// Progress comes with every AWS call, in every stage: the organization walk (long for a large
// organization) reports its calls and the accounts found as they happen, and the accounts stage
// says how long is left once the first accounts are read.
func TestProgressInEveryStage(t *testing.T) {
	p := orggen.DefaultParams()
	p.Accounts, p.OUs, p.Depth, p.Regions = 120, 12, 3, 2
	want, err := orggen.Generate(p)
	if err != nil {
		t.Fatal(err)
	}
	_, url := serve(t, want, sim.Options{})
	var mu sync.Mutex
	var reports []discover.Progress
	got, err := discoverFrom(t, url, discover.Options{Concurrency: 8, Progress: func(p discover.Progress) {
		mu.Lock()
		reports = append(reports, p)
		mu.Unlock()
	}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	byStage := map[string][]discover.Progress{}
	for _, r := range reports {
		byStage[r.Stage] = append(byStage[r.Stage], r)
	}
	org := byStage["organization"]
	if len(org) < 5 {
		t.Fatalf("%d reports while the organization was walked, want one a call", len(org))
	}
	for i := 1; i < len(org); i++ {
		if org[i].Calls < org[i-1].Calls || org[i].AccountsFound < org[i-1].AccountsFound || org[i].Elapsed < org[i-1].Elapsed {
			t.Fatalf("organization stage went backwards: %+v then %+v", org[i-1], org[i])
		}
		if org[i].AccountsTotal != 0 || org[i].Remaining != 0 {
			t.Fatalf("the walk claims a total or a time left before it ends: %+v", org[i])
		}
	}
	if last := org[len(org)-1]; last.Calls <= org[0].Calls || last.AccountsFound == 0 {
		t.Errorf("the walk's reports did not count its calls and accounts: first %+v, last %+v", org[0], last)
	}
	acc := byStage["accounts"]
	eta := 0
	for _, r := range acc {
		if r.AccountsTotal != len(got.Accounts) {
			t.Fatalf("accounts stage with total %d, want %d", r.AccountsTotal, len(got.Accounts))
		}
		switch {
		case r.AccountsDone > 0 && r.AccountsDone < r.AccountsTotal && r.Remaining <= 0:
			t.Fatalf("no time left told with %d of %d accounts read: %+v", r.AccountsDone, r.AccountsTotal, r)
		case r.AccountsDone == 0 && r.Remaining != 0:
			t.Fatalf("a time left told before any account was read: %+v", r)
		case r.Remaining > 0:
			eta++
		}
	}
	if eta == 0 {
		t.Error("the accounts stage never told the time left")
	}
	if done := byStage["done"]; len(done) == 0 || done[len(done)-1].Remaining != 0 {
		t.Errorf("done reports: %+v", done)
	}
	t.Logf("%d reports: %d in the walk, %d in the accounts stage (%d with a time left)", len(reports), len(org), len(acc), eta)
}

// The call count discovery reports is every request the endpoint answered: the AssumeRole calls
// awsapi makes for it included (a role tried and refused is a call too). The bench divides the
// wall time by it, so a count short of the truth would flatter the figure.
func TestProgressCountsEveryCall(t *testing.T) {
	p := orggen.DefaultParams()
	p.Accounts, p.OUs, p.Depth, p.Regions = 30, 4, 2, 2
	want, err := orggen.Generate(p)
	if err != nil {
		t.Fatal(err)
	}
	srv, url := serve(t, want, sim.Options{})
	var mu sync.Mutex
	var last discover.Progress
	if _, err := discoverFrom(t, url, discover.Options{Concurrency: 8, Progress: func(p discover.Progress) {
		mu.Lock()
		last = p
		mu.Unlock()
	}}, nil); err != nil {
		t.Fatal(err)
	}
	served, _ := srv.CallCount()
	assumed := 0
	for _, c := range srv.Calls() {
		if c.Operation == "AssumeRole" {
			assumed++
		}
	}
	if assumed == 0 {
		t.Fatal("no AssumeRole served: the organization did not exercise the count")
	}
	if last.Stage != "done" || last.Calls != served {
		t.Errorf("last report %+v: %d calls, the simulator answered %d (%d AssumeRole)", last, last.Calls, served, assumed)
	}
}
