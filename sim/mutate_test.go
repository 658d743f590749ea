package sim

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"

	"github.com/lz2ct/lz2ct/inventory"
)

func policiesOn(t *testing.T, org *organizations.Client, target string) []string {
	t.Helper()
	var ids []string
	pg := organizations.NewListPoliciesForTargetPaginator(org, &organizations.ListPoliciesForTargetInput{TargetId: aws.String(target), Filter: orgtypes.PolicyTypeServiceControlPolicy})
	for pg.HasMorePages() {
		for _, p := range must[*organizations.ListPoliciesForTargetOutput](t, "ListPoliciesForTarget")(pg.NextPage(context.Background())).Policies {
			ids = append(ids, *p.Id)
		}
	}
	return ids
}

// DetachPolicy and AttachPolicy through the real SDK: the change is visible to reads and in
// Server.Snapshot, errors are AWS's, and the audit log names each mutation's target.
func TestDetachAndAttachPolicy(t *testing.T) {
	snap := fixture(0, testRegions)
	var hooked []Call
	s, url := serve(t, snap, Options{AfterMutation: func(c Call) { hooked = append(hooked, c) }})
	ctx := context.Background()
	org := organizations.NewFromConfig(mgmtConfig(url, "us-east-1"))
	const pol = "p-custom0000"
	detach := func(p, target string) error {
		_, err := org.DetachPolicy(ctx, &organizations.DetachPolicyInput{PolicyId: aws.String(p), TargetId: aws.String(target)})
		return err
	}
	attach := func(p, target string) error {
		_, err := org.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: aws.String(p), TargetId: aws.String(target)})
		return err
	}

	if !slices.Contains(policiesOn(t, org, workOU), pol) {
		t.Fatalf("fixture: %s is not attached to %s", pol, workOU)
	}
	wantCode(t, "detach", detach(pol, workOU), "")
	if slices.Contains(policiesOn(t, org, workOU), pol) {
		t.Error("detached policy still listed on the OU")
	}
	for _, p := range s.Snapshot().Policies {
		if p.ID == pol && slices.Contains(p.Targets, workOU) {
			t.Error("Snapshot still shows the detached policy's target")
		}
	}
	wantCode(t, "detach again", detach(pol, workOU), "PolicyNotAttachedException")
	wantCode(t, "unknown policy", detach("p-nothere1", workOU), "PolicyNotFoundException")
	wantCode(t, "unknown target", detach(pol, "ou-ab12-nothere1"), "TargetNotFoundException")
	wantCode(t, "malformed target", detach(pol, "workloads"), "InvalidInputException")
	wantCode(t, "the account's last SCP", detach("p-FullAWSAccess", mgmtID), "ConstraintViolationException")

	// The Prod OU has FullAWSAccess only: room for four more.
	wantCode(t, "attach", attach(pol, prodOU), "")
	if !slices.Contains(policiesOn(t, org, prodOU), pol) {
		t.Error("attached policy not listed on the OU")
	}
	wantCode(t, "attach twice", attach(pol, prodOU), "DuplicatePolicyAttachmentException")
	for _, p := range []string{"p-custom0001", "p-custom0002", "p-custom0003"} {
		wantCode(t, "attach "+p, attach(p, prodOU), "")
	}
	wantCode(t, "sixth SCP on the OU", attach("p-custom0004", prodOU), "ConstraintViolationException")

	member := organizations.NewFromConfig(memberConfig(t, url, "eu-west-1", securityID, "OrganizationAccountAccessRole"))
	_, err := member.DetachPolicy(ctx, &organizations.DetachPolicyInput{PolicyId: aws.String(pol), TargetId: aws.String(workOU)})
	wantCode(t, "member account", err, "AccessDeniedException")

	var targets []string
	for _, c := range s.Calls() {
		if c.Operation == "DetachPolicy" || c.Operation == "AttachPolicy" {
			if !c.Mutating {
				t.Errorf("%s not logged as mutating", c.Operation)
			}
			if c.Code == "" {
				targets = append(targets, c.Operation+" "+c.Target)
			}
		}
	}
	want := []string{"DetachPolicy " + pol + "/" + workOU, "AttachPolicy " + pol + "/" + prodOU, "AttachPolicy p-custom0001/" + prodOU,
		"AttachPolicy p-custom0002/" + prodOU, "AttachPolicy p-custom0003/" + prodOU}
	if !slices.Equal(targets, want) {
		t.Errorf("successful mutations in the audit log:\n got %v\nwant %v", targets, want)
	}
	if len(hooked) != len(want) || hooked[0].Target != pol+"/"+workOU {
		t.Errorf("AfterMutation saw %+v, want one call per successful mutation", hooked)
	}
}

// Faults per operation and target: fail (then cleared), throttle, hang.
func TestMutationFaults(t *testing.T) {
	snap := fixture(0, testRegions)
	target := "p-custom0000/" + workOU
	s, url := serve(t, snap, Options{Faults: []Fault{
		{Service: "organizations", Operation: "DetachPolicy", Target: target, Action: FaultFail, Code: "ConcurrentModificationException", Times: 1},
		{Service: "organizations", Operation: "AttachPolicy", Target: "p-custom0001/*", Action: FaultThrottle},
		{Service: "organizations", Operation: "AttachPolicy", Target: "p-custom0002/" + coreOU, Action: FaultHang},
	}})
	ctx := context.Background()
	org := organizations.NewFromConfig(mgmtConfig(url, "us-east-1"))
	_, err := org.DetachPolicy(ctx, &organizations.DetachPolicyInput{PolicyId: aws.String("p-custom0000"), TargetId: aws.String(workOU)})
	wantCode(t, "injected failure", err, "ConcurrentModificationException")
	if !slices.Contains(policiesOn(t, org, workOU), "p-custom0000") {
		t.Error("a failed DetachPolicy changed the organization")
	}
	_, err = org.DetachPolicy(ctx, &organizations.DetachPolicyInput{PolicyId: aws.String("p-custom0000"), TargetId: aws.String(workOU)})
	wantCode(t, "after the fault's one time", err, "")
	_, err = org.DetachPolicy(ctx, &organizations.DetachPolicyInput{PolicyId: aws.String("p-custom0003"), TargetId: aws.String(workOU)})
	wantCode(t, "another target is not faulted", err, "")

	_, err = org.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: aws.String("p-custom0001"), TargetId: aws.String(coreOU)})
	wantCode(t, "throttled target", err, "TooManyRequestsException")

	hctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	_, err = org.AttachPolicy(hctx, &organizations.AttachPolicyInput{PolicyId: aws.String("p-custom0002"), TargetId: aws.String(coreOU)})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("hung call: %v, want the client's deadline", err)
	}

	// Cleared: the same calls go through.
	if err := s.SetFaults(nil); err != nil {
		t.Fatal(err)
	}
	_, err = org.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: aws.String("p-custom0001"), TargetId: aws.String(coreOU)})
	wantCode(t, "after clearing", err, "")
}

// Idempotency tokens: a repeat with the same token answers the first result and changes nothing.
func TestIdempotentRepeatsAnswerTheFirstResult(t *testing.T) {
	s := New(fixture(0, testRegions), Options{})
	c := &call{s: s, st: s.st, svc: servicesByName["servicecatalog"], op: "ProvisionProduct", account: mgmtID}
	runs := 0
	work := func() (any, error) { runs++; return map[string]any{"RecordId": runs}, nil }
	mismatch := errorf(400, "IdempotentParameterMismatch", "token reused with other parameters")
	first, err := c.idempotent("token-1", "input A", mismatch, work)
	if err != nil || c.replay {
		t.Fatal(err)
	}
	again, err := c.idempotent("token-1", "input A", mismatch, work)
	if err != nil || runs != 1 || !c.replay || again.(map[string]any)["RecordId"] != first.(map[string]any)["RecordId"] {
		t.Errorf("repeat: runs %d, replay %v, result %v (first %v)", runs, c.replay, again, first)
	}
	if _, err := c.idempotent("token-1", "input B", mismatch, work); err != mismatch {
		t.Errorf("reused token with other input: %v, want the mismatch error", err)
	}
	c.replay = false
	if _, err := c.idempotent("token-2", "input A", mismatch, work); err != nil || runs != 2 || c.replay {
		t.Errorf("a new token runs the work: runs %d replay %v", runs, c.replay)
	}
	other := &call{s: s, st: s.st, svc: c.svc, op: c.op, account: securityID}
	if _, err := other.idempotent("token-1", "input A", mismatch, work); err != nil || runs != 3 {
		t.Errorf("another account's token is its own: runs %d", runs)
	}
}

// Faults on asynchronous operations: fail-async ends the operation FAILED, hang keeps it running.
func TestAsyncFaults(t *testing.T) {
	mc := NewManualClock(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
	s := New(fixture(0, testRegions), Options{Clock: mc, Faults: []Fault{
		{Service: "controltower", Operation: "EnableBaseline", Target: "ou-a", Action: FaultFailAsync, Code: "InternalServerException", Message: "boom"},
		{Service: "controltower", Operation: "EnableBaseline", Target: "ou-b", Action: FaultHang},
	}})
	start := func(target string) (*AsyncOp, error) {
		c := &call{s: s, st: s.st, svc: servicesByName["controltower"], op: "EnableBaseline", account: mgmtID}
		c.willStartAsync()
		if err := c.setTarget(target); err != nil {
			return nil, err
		}
		applied := false
		return c.startAsync("", "EnableBaseline", target, 10*time.Minute, func(*state) error { applied = true; _ = applied; return nil }), nil
	}
	var ops []*AsyncOp
	s.mu.Lock()
	for _, target := range []string{"ou-a", "ou-b", "ou-c"} {
		op, err := start(target)
		if err != nil {
			t.Fatalf("%s: the call itself must be accepted: %v", target, err)
		}
		ops = append(ops, op)
	}
	s.mu.Unlock()
	mc.Advance(24 * time.Hour)
	s.settle()
	if code, msg := ops[0].Failure(); ops[0].State() != OpFailed || code != "InternalServerException" || msg != "boom" {
		t.Errorf("fail-async: %s %s %s", ops[0].State(), code, msg)
	}
	if ops[1].State() != OpRunning {
		t.Errorf("hang: %s after a day, want still running", ops[1].State())
	}
	if ops[2].State() != OpSucceeded {
		t.Errorf("unfaulted: %s", ops[2].State())
	}
	if got := s.Operations(); len(got) != 3 {
		t.Errorf("Operations() = %d, want 3", len(got))
	}
}

// Mutations hold the write lock: concurrent attach/detach cycles on distinct targets never lose an
// update (run with -race).
func TestConcurrentMutations(t *testing.T) {
	snap := fixture(20, testRegions)
	s, url := serve(t, snap, Options{})
	org := organizations.NewFromConfig(mgmtConfig(url, "us-east-1"))
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			acct := snap.Accounts[6+i].ID
			// A second SCP first: an account keeps at least one.
			if _, err := org.AttachPolicy(context.Background(), &organizations.AttachPolicyInput{PolicyId: aws.String("p-custom0011"), TargetId: aws.String(acct)}); err != nil {
				t.Errorf("attach %s: %v", acct, err)
				return
			}
			for j := 0; j < 5; j++ {
				if _, err := org.AttachPolicy(context.Background(), &organizations.AttachPolicyInput{PolicyId: aws.String("p-custom0010"), TargetId: aws.String(acct)}); err != nil {
					t.Errorf("attach %s: %v", acct, err)
					return
				}
				if _, err := org.DetachPolicy(context.Background(), &organizations.DetachPolicyInput{PolicyId: aws.String("p-custom0010"), TargetId: aws.String(acct)}); err != nil {
					t.Errorf("detach %s: %v", acct, err)
					return
				}
			}
			_, _ = org.AttachPolicy(context.Background(), &organizations.AttachPolicyInput{PolicyId: aws.String("p-custom0010"), TargetId: aws.String(acct)})
		}(i)
	}
	wg.Wait()
	for _, p := range s.Snapshot().Policies {
		if p.ID == "p-custom0010" && len(p.Targets) != 1+8 { // workOU + the 8 accounts
			t.Errorf("p-custom0010 targets %v, want the OU and 8 accounts", p.Targets)
		}
	}
	if _, mutating := s.CallCount(); mutating != 8*12 {
		t.Errorf("%d mutating calls logged, want %d", mutating, 8*12)
	}
}

// Snapshot of a server nothing changed is the served organization, canonical and valid.
func TestSnapshotOfAnUnchangedServerIsTheServedOne(t *testing.T) {
	snap := fixture(5, testRegions)
	s := New(snap, Options{})
	got := s.Snapshot()
	a, err := inventory.Encode(snap)
	if err != nil {
		t.Fatal(err)
	}
	b, err := inventory.Encode(got)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Error("Snapshot() of an unchanged server differs from the served snapshot")
	}
	if err := inventory.Validate(got); err != nil {
		t.Error(err)
	}
	got.Accounts[0].Name = "changed"
	if s.Snapshot().Accounts[0].Name == "changed" {
		t.Error("Snapshot() shares memory with the server's state")
	}
}
