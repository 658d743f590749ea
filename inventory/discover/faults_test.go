package discover_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/lz2ct/lz2ct/awsapi"
	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/inventory/discover"
	"github.com/lz2ct/lz2ct/orggen"
	"github.com/lz2ct/lz2ct/sim"
)

func loadTestdata(t testing.TB, name string) *inventory.Snapshot {
	t.Helper()
	s, err := inventory.Load("../../testdata/orgs/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// clone deep-copies a snapshot through JSON.
func clone(t testing.TB, s *inventory.Snapshot) *inventory.Snapshot {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var c inventory.Snapshot
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	return &c
}

// A fifth of all calls throttled: the retryer absorbs them and the result is unchanged.
func TestThrottlingDoesNotChangeTheResult(t *testing.T) {
	want := loadTestdata(t, "alz2-typical.json")
	srv, url := serve(t, want, sim.Options{ThrottleFraction: 0.2, Seed: 7})
	got, err := discoverFrom(t, url, discover.Options{Regions: want.Regions}, nil)
	if err != nil {
		t.Fatal(err)
	}
	assertSame(t, want, got)
	throttled := 0
	for _, c := range srv.Calls() {
		if c.Code != "" && strings.Contains(strings.ToLower(c.Code), "throttl") || c.Code == "TooManyRequestsException" || c.Code == "SlowDown" {
			throttled++
		}
	}
	// Proof the fault was really injected: about a fifth of the calls.
	if n := len(srv.Calls()); throttled < n/10 {
		t.Fatalf("only %d of %d calls were throttled: the test did not exercise retries", throttled, n)
	}
}

// AccessDenied for one member account: discovery completes, the account is unreadable, and exactly
// that one problem is recorded.
func TestDeniedAccountIsOneProblem(t *testing.T) {
	served := loadTestdata(t, "alz2-typical.json")
	var victim *inventory.Account
	for i := range served.Accounts {
		a := &served.Accounts[i]
		if a.ID != served.Organization.ManagementAccountID && a.IAM != nil && a.Name != "log-archive" {
			victim = a
			break
		}
	}
	if victim == nil {
		t.Fatal("testdata has no readable member account")
	}
	_, url := serve(t, served, sim.Options{Deny: []sim.Scope{{AccountID: victim.ID}}})
	got, err := discoverFrom(t, url, discover.Options{Regions: served.Regions}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Problems) != 1 {
		t.Fatalf("problems %+v, want exactly one", got.Problems)
	}
	p := got.Problems[0]
	if p.AccountID != victim.ID || p.Region != "" || p.Service != "sts" || p.Operation != "AssumeRole" || p.Code != "AccessDenied" || p.Message == "" {
		t.Fatalf("problem %+v, want {%s sts AssumeRole AccessDenied} with a message", p, victim.ID)
	}
	// Everything else is as served: the victim is unreadable, nothing more.
	want := clone(t, served)
	for i := range want.Accounts {
		if want.Accounts[i].ID == victim.ID {
			want.Accounts[i].AccessRole, want.Accounts[i].IAM, want.Accounts[i].Regions = "", nil, nil
		}
	}
	want.Problems = append(want.Problems, p)
	assertSame(t, want, got)
}

func TestDeniedOrganizationIsFatal(t *testing.T) {
	served := loadTestdata(t, "alz1-legacy.json")
	_, url := serve(t, served, sim.Options{Deny: []sim.Scope{{AccountID: served.Organization.ManagementAccountID}}})
	_, err := discoverFrom(t, url, discover.Options{}, nil)
	if !errors.Is(err, discover.ErrFatal) {
		t.Fatalf("err %v, want ErrFatal", err)
	}
	for _, want := range []string{"AccessDenied", url, "what to do"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q does not mention %q", err, want)
		}
	}
}

func TestUnreachableEndpointIsFatal(t *testing.T) {
	// A port that was free a moment ago: nothing listens there.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	ln.Close()
	_, err = discoverFrom(t, url, discover.Options{}, func(o *awsapi.Options) { o.MaxAttempts = 2 })
	if !errors.Is(err, discover.ErrFatal) {
		t.Fatalf("err %v, want ErrFatal", err)
	}
	for _, want := range []string{"GetCallerIdentity", url, "endpoint"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q does not mention %q", err, want)
		}
	}
}

// Every operation the simulator saw during a discovery is in the operations table, read-only, and
// allowed by the read-only policy `lz2ct iam-policy --read-only` prints.
func TestEveryCallIsAllowedByTheReadOnlyPolicy(t *testing.T) {
	srv, url := serve(t, loadTestdata(t, "alz2-typical.json"), sim.Options{})
	if _, err := discoverFrom(t, url, discover.Options{Regions: []string{"eu-west-1"}}, nil); err != nil {
		t.Fatal(err)
	}
	policy := awsapi.Policy(true, nil)
	seen := map[string]bool{}
	for _, c := range srv.Calls() {
		key := c.Service + ":" + c.Operation
		if seen[key] {
			continue
		}
		seen[key] = true
		op, ok := awsapi.Lookup(c.Service, c.Operation)
		switch {
		case !ok:
			t.Errorf("%s is called but not in awsapi's operations table", key)
		case op.Mutating || c.Mutating:
			t.Errorf("%s is mutating", key)
		case !policy.Allows(op.IAMAction):
			t.Errorf("%s (IAM %s) is not allowed by the read-only policy", key, op.IAMAction)
		}
	}
	// The discovery should exercise most of the table; a much smaller set means calls went missing.
	if len(seen) < 30 {
		t.Errorf("only %d distinct operations seen: %v", len(seen), seen)
	}
}

// A generated 1,000-account, 17-region organization round-trips too (about 160,000 calls; the
// benchmarks measure larger ones).
func TestRoundTripGenerated1000x17(t *testing.T) {
	if testing.Short() {
		t.Skip("large organization: skipped with -short")
	}
	p := orggen.DefaultParams()
	p.Accounts, p.OUs, p.Depth, p.Regions, p.Seed = 1000, 100, 5, 17, 3
	want, err := orggen.Generate(p)
	if err != nil {
		t.Fatal(err)
	}
	srv, url := serve(t, want, sim.Options{})
	var last discover.Progress
	got, err := discover.Run(context.Background(), clients(t, url, func(o *awsapi.Options) { o.RatePerSecond = -1 }),
		discover.Options{Concurrency: 64, Progress: func(p discover.Progress) { last = p }})
	if err != nil {
		t.Fatal(err)
	}
	assertSame(t, want, got)
	assertReadOnly(t, srv)
	if last.Stage != "done" || last.AccountsDone != len(want.Accounts) || last.AccountsTotal != len(want.Accounts) || last.Calls < len(srv.Calls())/2 {
		t.Errorf("last progress %+v, want done with %d accounts and about %d calls", last, len(want.Accounts), len(srv.Calls()))
	}
	t.Logf("%d accounts x %d regions: %d calls", len(want.Accounts), len(want.Regions), len(srv.Calls()))
}

// AccessDenied for one account in one region: that region is missing from the account, with one
// problem naming the account, the region and the first call refused there (sts:GetCallerIdentity is
// never denied: AWS does not check a permission for it).
func TestDeniedRegionIsOneProblem(t *testing.T) {
	served := loadTestdata(t, "alz2-typical.json")
	var victim *inventory.Account
	for i := range served.Accounts {
		a := &served.Accounts[i]
		if a.ID != served.Organization.ManagementAccountID && a.IAM != nil && len(a.Regions) > 1 {
			victim = a
			break
		}
	}
	if victim == nil {
		t.Fatal("testdata has no readable member account with regions")
	}
	region := victim.Regions[0].Region
	_, url := serve(t, served, sim.Options{Deny: []sim.Scope{{AccountID: victim.ID, Region: region}}})
	got, err := discoverFrom(t, url, discover.Options{Regions: served.Regions}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Problems) != 1 {
		t.Fatalf("problems %+v, want exactly one", got.Problems)
	}
	p := got.Problems[0]
	if p.AccountID != victim.ID || p.Region != region || p.Service != "config" || p.Operation != "DescribeConfigurationRecorders" || p.Code != "AccessDeniedException" {
		t.Fatalf("problem %+v, want {%s %s config DescribeConfigurationRecorders AccessDeniedException}", p, victim.ID, region)
	}
	want := clone(t, served)
	for i := range want.Accounts {
		if want.Accounts[i].ID == victim.ID {
			want.Accounts[i].Regions = want.Accounts[i].Regions[1:]
		}
	}
	want.Problems = append(want.Problems, p)
	assertSame(t, want, got)
}
