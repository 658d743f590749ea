package cli

import (
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/smithy-go/logging"

	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/inventory/discover"
	"github.com/lz2ct/lz2ct/iostreams"
	"github.com/lz2ct/lz2ct/sim"
)

func TestDiscoverFlags(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	var got *DiscoverOptions
	cmd := NewCmdDiscover(&Factory{IO: ios}, func(o *DiscoverOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--profile", "mgmt", "--region", "eu-west-1", "--endpoint-url", "http://127.0.0.1:4566",
		"--regions", "eu-west-1,us-east-1", "--concurrency", "8", "--role-name", "A", "--role-name", "B",
		"--max-attempts", "4", "--rate", "5", "-o", "org.json", "--json"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Profile != "mgmt" || got.Region != "eu-west-1" || got.EndpointURL != "http://127.0.0.1:4566" ||
		strings.Join(got.Regions, ",") != "eu-west-1,us-east-1" || got.Concurrency != 8 || strings.Join(got.RoleNames, ",") != "A,B" ||
		got.MaxAttempts != 4 || got.Rate != 5 || got.Output != "org.json" || !got.JSON {
		t.Errorf("parsed %+v", got)
	}
}

func TestDiscoverBadInput(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "org.json")
	for _, args := range [][]string{
		{},                                    // -o missing
		{"-o", "/nonexistent/dir/org.json"},   // folder missing
		{"-o", out, "--concurrency", "0"},     // out of range
		{"-o", out, "--regions", "moon-1"},    // not a region
		{"-o", out, "--regions", "eu-wset-1"}, // a typo of a region
		{"-o", out, "--max-attempts", "0"},    // out of range
		{"-o", out, "--role-name", "a/b"},     // not a role name
		{"-o", out, "--endpoint-url", "nope"}, // not a URL
	} {
		ios, _, _, _ := iostreams.Test()
		root := NewRootCmd(&Factory{IO: ios})
		root.SetArgs(append([]string{"discover"}, args...))
		err := root.Execute()
		if code := ExitCode(err); code != ExitBadInput {
			t.Errorf("discover %v: exit %d (%v), want %d", args, code, err, ExitBadInput)
		}
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("bad input left %s behind", out)
	}
}

// A mistyped region is bad input naming the nearest real ones, not an empty clean snapshot.
func TestDiscoverUnknownRegionSuggests(t *testing.T) {
	out := filepath.Join(t.TempDir(), "org.json")
	_, _, err := discoverRoot(t, "discover", "-o", out, "--regions", "eu-west-1,eu-wset-1")
	if code := ExitCode(err); code != ExitBadInput {
		t.Fatalf("exit %d (%v), want %d", code, err, ExitBadInput)
	}
	if msg := err.Error(); !strings.Contains(msg, `"eu-wset-1"`) || !strings.Contains(msg, "did you mean eu-west-1?") {
		t.Errorf("message %q: want the bad name and the nearest region", msg)
	}
}

// simEnv points the default credential chain at static keys (the simulator's management account)
// and away from the developer's own AWS configuration.
func discoverSimEnv(t *testing.T) {
	for _, k := range []string{"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEEXAMPLE00")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_CONFIG_FILE", os.DevNull)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
}

func discoverStartSim(t *testing.T, snap *inventory.Snapshot, opts sim.Options) string {
	t.Helper()
	srv := sim.New(snap, opts)
	url, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return url
}

func discoverRoot(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	root := NewRootCmd(&Factory{IO: ios})
	root.SetArgs(args)
	err := root.Execute()
	return out.String(), errOut.String(), err
}

func TestDiscoverAgainstTheSimulator(t *testing.T) {
	discoverSimEnv(t)
	served, err := inventory.Load("../testdata/orgs/alz1-legacy.json")
	if err != nil {
		t.Fatal(err)
	}
	url := discoverStartSim(t, served, sim.Options{})
	path := filepath.Join(t.TempDir(), "org.json")
	// The snapshot's regions: without --regions discovery reads every region enabled for the account.
	stdout, stderr, err := discoverRoot(t, "discover", "--endpoint-url", url, "-o", path, "--json", "--regions", strings.Join(served.Regions, ","))
	if err != nil {
		t.Fatalf("discover: %v\n%s", err, stderr)
	}
	var sum discoverSummary
	if err := json.Unmarshal([]byte(stdout), &sum); err != nil {
		t.Fatalf("--json output %q: %v", stdout, err)
	}
	if sum.Organization != served.Organization.ID || sum.Accounts != len(served.Accounts) || sum.OUs != len(served.OUs) ||
		sum.Policies != len(served.Policies) || sum.ALZVersion != served.ALZ.Version || sum.Problems != 0 || sum.Calls == 0 {
		t.Errorf("summary %+v does not describe the served organization", sum)
	}
	got, err := inventory.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	got.CapturedAt, got.Source = served.CapturedAt, served.Source
	a, _ := inventory.Encode(served)
	b, _ := inventory.Encode(got)
	if string(a) != string(b) {
		t.Error("the saved snapshot differs from the served one")
	}
	// Not a terminal: plain progress lines, no carriage returns.
	if !strings.Contains(stderr, "accounts") || strings.Contains(stderr, "\r") {
		t.Errorf("progress on stderr %q: want plain lines", stderr)
	}
}

func TestDiscoverFatalErrorsExit2(t *testing.T) {
	discoverSimEnv(t)
	served, err := inventory.Load("../testdata/orgs/alz1-legacy.json")
	if err != nil {
		t.Fatal(err)
	}
	denied := discoverStartSim(t, served, sim.Options{Deny: []sim.Scope{{AccountID: served.Organization.ManagementAccountID}}})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	unreachable := "http://" + ln.Addr().String()
	ln.Close()

	for _, tc := range []struct {
		name, url string
		want      []string
	}{
		{"access denied on the organization", denied, []string{"AccessDenied", "management account", "iam-policy"}},
		{"unreachable endpoint", unreachable, []string{unreachable, "endpoint"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "org.json")
			_, _, err := discoverRoot(t, "discover", "--endpoint-url", tc.url, "-o", path, "--max-attempts", "2")
			if code := ExitCode(err); code != ExitBadInput {
				t.Fatalf("exit %d (%v), want %d", code, err, ExitBadInput)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("message %q does not mention %q", err, w)
				}
			}
			if _, err := os.Stat(path); !os.IsNotExist(err) {
				t.Error("a failed discovery left a snapshot behind")
			}
		})
	}
}

// An access key the simulator does not know is refused as AWS refuses it (InvalidClientTokenId);
// against an endpoint, the advice names the keys lz2ct sim serve knows, not only a credentials refresh.
func TestDiscoverUnknownAccessKeyAtAnEndpoint(t *testing.T) {
	discoverSimEnv(t)
	served, err := inventory.Load("../testdata/orgs/alz2-typical.json")
	if err != nil {
		t.Fatal(err)
	}
	url := discoverStartSim(t, served, sim.Options{})
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
	_, _, err = discoverRoot(t, "discover", "--endpoint-url", url, "-o", filepath.Join(t.TempDir(), "org.json"))
	if code := ExitCode(err); code != ExitBadInput {
		t.Fatalf("exit %d (%v), want %d", code, err, ExitBadInput)
	}
	for _, want := range []string{"InvalidClientTokenId", "lz2ct sim serve", "AKIAIOSFODNN7EXAMPLE", "--access-key"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q does not mention %q", err, want)
		}
	}
}

func TestDiscoverProgressBar(t *testing.T) {
	var tty strings.Builder
	b := newProgressBar(&tty, true)
	b.update(discover.Progress{Stage: "organization"})
	b.update(discover.Progress{Stage: "accounts", AccountsDone: 5, AccountsTotal: 10, Calls: 42})
	b.finish()
	out := tty.String()
	if !strings.Contains(out, "\r") || !strings.Contains(out, "[###############...............] 5/10 accounts, 42 calls") || !strings.HasSuffix(out, "\n") {
		t.Errorf("terminal progress %q: want a bar redrawn in place and a final newline", out)
	}

	var plain strings.Builder
	b = newProgressBar(&plain, false)
	for i := 0; i <= 100; i++ {
		b.update(discover.Progress{Stage: "accounts", AccountsDone: i, AccountsTotal: 100})
	}
	b.finish()
	lines := strings.Split(strings.TrimSpace(plain.String()), "\n")
	if strings.Contains(plain.String(), "\r") || len(lines) != 11 {
		t.Errorf("plain progress: %d lines %q, want 11 lines (every tenth) without carriage returns", len(lines), plain.String())
	}
}

// The AWS SDK's own log lines go through the bar: on a terminal the line replaces the bar, which
// is drawn again below it; the transport warnings the SDK recovers from are only counted, and told
// once after the progress.
func TestDiscoverSDKLogLinesGoThroughTheBar(t *testing.T) {
	var tty strings.Builder
	b := newProgressBar(&tty, true)
	sdk := b.sdkLog()
	b.update(discover.Progress{Stage: "accounts", AccountsDone: 5, AccountsTotal: 10, Calls: 42})
	sdk.Logf(logging.Warn, "failed to discard remaining HTTP response body, this may affect connection reuse: %v", "use of closed network connection")
	sdk.Logf(logging.Warn, "falling back to IMDSv1: %v", "403")
	b.finish()
	reportSDKLog(&tty, sdk)
	out := tty.String()
	if strings.Contains(out, "this may affect connection reuse") || strings.Contains(out, "\nSDK ") {
		t.Errorf("terminal output %q holds the SDK's raw warning", out)
	}
	if !strings.Contains(out, "\r\x1b[Klz2ct: AWS SDK WARN: falling back to IMDSv1: 403\ndiscover: [") {
		t.Errorf("terminal output %q: want the SDK's line in place of the bar, the bar below it", out)
	}
	if !strings.HasSuffix(out, "lz2ct: 1 AWS response could not be read to the end for connection reuse (the AWS SDK's \"failed to discard remaining HTTP response body\"); failed calls were retried\n") {
		t.Errorf("terminal output %q: want the count of recovered warnings last", out)
	}
}

// The progress line counts the calls and the accounts found while the organization is walked,
// and says the time left once discovery can tell; without a terminal a long stage still prints a
// line every ten seconds.
func TestDiscoverProgressLineCallsAndTimeLeft(t *testing.T) {
	for _, tt := range []struct {
		p    discover.Progress
		want string
	}{
		{discover.Progress{Stage: "organization", Calls: 1}, "reading the organization (1 AWS call so far)"},
		{discover.Progress{Stage: "organization", Calls: 569, AccountsFound: 2340}, "reading the organization (569 AWS calls so far, 2340 accounts found)"},
		{discover.Progress{Stage: "accounts", AccountsTotal: 5000, Calls: 600}, "0/5000 accounts, 600 calls, 0 problems"},
		{discover.Progress{Stage: "accounts", AccountsDone: 1000, AccountsTotal: 5000, Calls: 16260, Remaining: 80*time.Second + 400*time.Millisecond},
			"1000/5000 accounts, 16260 calls, 0 problems, about 1m20s left"},
		{discover.Progress{Stage: "done", AccountsDone: 5000, AccountsTotal: 5000, Calls: 76199}, "done: 5000/5000 accounts, 76199 calls, 0 problems"},
	} {
		if got := progressLine(tt.p); got != tt.want {
			t.Errorf("progressLine(%+v) = %q, want %q", tt.p, got, tt.want)
		}
	}
	var plain strings.Builder
	b := newProgressBar(&plain, false)
	for i := 0; i <= 300; i++ { // 30 s of the walk, a report every 100 ms
		b.update(discover.Progress{Stage: "organization", Calls: i, AccountsFound: i * 10, Elapsed: time.Duration(i) * 100 * time.Millisecond})
	}
	if lines := strings.Split(strings.TrimSpace(plain.String()), "\n"); len(lines) != 4 || !strings.Contains(lines[3], "300 AWS calls so far, 3000 accounts found") {
		t.Errorf("plain progress of a 30 s walk: %q, want a line at its start and every 10 s", lines)
	}
}
