package cli

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/iostreams"
	"github.com/lz2ct/lz2ct/sim"
)

func TestSimServeFlags(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	var got *SimServeOptions
	cmd := NewCmdSimServe(&Factory{IO: ios}, func(o *SimServeOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--snapshot", "org.json", "--addr", "127.0.0.1:4566", "--latency", "20ms", "--throttle", "0.2",
		"--api-rate", "50", "--fault-seed", "7", "--deny", "123456789012", "--deny", "210987654321:eu-west-1", "--audit-log", "calls.jsonl",
		"--time-scale", "60", "--fault", "controltower:EnableBaseline=hang", "--access-key", "AKIAOTHEROTHEROTHER0=222222222222"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.SnapshotPath != "org.json" || got.Addr != "127.0.0.1:4566" || got.Latency != 20*time.Millisecond || got.Throttle != 0.2 ||
		got.APIRate != 50 || got.Seed != 7 || len(got.Deny) != 2 || got.AuditLog != "calls.jsonl" || got.TimeScale != 60 ||
		len(got.Faults) != 1 || len(got.AccessKeys) != 1 {
		t.Errorf("parsed %+v", got)
	}
	scopes, err := parseDeny(got.Deny)
	if err != nil || scopes[0] != (sim.Scope{AccountID: "123456789012"}) || scopes[1] != (sim.Scope{AccountID: "210987654321", Region: "eu-west-1"}) {
		t.Errorf("deny scopes %+v, %v", scopes, err)
	}
}

func TestSimServeBadInput(t *testing.T) {
	for _, args := range [][]string{
		{},                                      // --snapshot missing
		{"--snapshot", "/nonexistent/org.json"}, // unreadable
		{"--snapshot", "x.json", "--deny", "12345"},
		{"--snapshot", "x.json", "--time-scale", "-1"},
		{"--snapshot", "x.json", "--fault", "controltower:EnableBaseline=explode"},
		{"--snapshot", "x.json", "--fault", "organizations:DetachPolicy=fail"}, // fail needs a code
		{"--snapshot", "x.json", "--deny", "123456789012:moon-1"},
		{"--snapshot", "x.json", "--throttle", "1.5"},
	} {
		ios, _, _, _ := iostreams.Test()
		root := NewRootCmd(&Factory{IO: ios})
		root.SetArgs(append([]string{"sim", "serve"}, args...))
		err := root.Execute()
		if code := ExitCode(err); code != ExitBadInput {
			t.Errorf("sim serve %v: exit %d (%v), want %d", args, code, err, ExitBadInput)
		}
	}
}

func TestSimServeServesUntilStopped(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "org.json")
	snap := &inventory.Snapshot{
		SchemaVersion: inventory.SchemaVersion, Source: "hand-written", Partition: "aws", Regions: []string{"us-east-1"},
		Organization: inventory.Organization{ID: "o-abcdef1234", Arn: "arn:aws:organizations::111111111111:organization/o-abcdef1234", FeatureSet: "ALL", ManagementAccountID: "111111111111", ManagementAccountEmail: "root@example.com"},
		Roots:        []inventory.Root{{ID: "r-ab12", Arn: "arn:aws:organizations::111111111111:root/o-abcdef1234/r-ab12", Name: "Root", PolicyTypes: []string{"SERVICE_CONTROL_POLICY"}}},
		Accounts: []inventory.Account{{ID: "111111111111", Arn: "arn:aws:organizations::111111111111:account/o-abcdef1234/111111111111", Name: "management",
			Email: "root@example.com", Status: "ACTIVE", JoinedMethod: "CREATED", ParentID: "r-ab12", AccessRole: "caller", IAM: &inventory.AccountIAM{}}},
	}
	if err := inventory.Save(path, snap); err != nil {
		t.Fatal(err)
	}
	ios, _, out, _ := iostreams.Test()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	urls := make(chan string, 1)
	opts := &SimServeOptions{IO: ios, SnapshotPath: path, Addr: "127.0.0.1:0", Seed: 1, AuditLog: filepath.Join(dir, "audit.jsonl"),
		Context: ctx, Ready: func(u string) { urls <- u }}
	done := make(chan error, 1)
	go func() { done <- runSimServe(opts) }()
	var url string
	select {
	case url = <-urls:
	case err := <-done:
		t.Fatalf("sim serve ended early: %v", err)
	}
	// An unsigned request still gets an AWS-shaped answer (and is logged).
	resp, err := http.Post(url, "application/x-www-form-urlencoded", strings.NewReader("Action=GetCallerIdentity"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("sim serve: %v", err)
	}
	if want := "lz2ct sim: serving o-abcdef1234 at " + url + "\n"; out.String() != want {
		t.Errorf("output %q, want %q", out.String(), want)
	}
}
