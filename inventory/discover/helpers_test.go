package discover_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/lz2ct/lz2ct/awsapi"
	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/inventory/discover"
	"github.com/lz2ct/lz2ct/sim"
)

// TestMain keeps the developer's own AWS configuration out of the tests: every client talks to the
// simulator with static credentials.
func TestMain(m *testing.M) {
	for _, k := range []string{"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID",
		"AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"} {
		os.Unsetenv(k)
	}
	os.Setenv("AWS_CONFIG_FILE", os.DevNull)
	os.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	os.Exit(m.Run())
}

// serve starts the simulator for snap on a free port; it stops when the test ends.
func serve(t testing.TB, snap *inventory.Snapshot, opts sim.Options) (*sim.Server, string) {
	t.Helper()
	s := sim.New(snap, opts)
	url, err := s.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close simulator: %v", err)
		}
	})
	return s, url
}

// clients are the real SDK clients pointed at url with static credentials (the management account
// to the simulator). Backoff is short so that throttling tests stay fast.
func clients(t testing.TB, url string, mod func(*awsapi.Options)) *awsapi.Clients {
	t.Helper()
	o := awsapi.Options{
		Region:      "us-east-1",
		EndpointURL: url,
		Static:      &aws.Credentials{AccessKeyID: "AKIAEXAMPLEEXAMPLE00", SecretAccessKey: "secret", Source: "test"},
		MaxBackoff:  5 * time.Millisecond,
	}
	if mod != nil {
		mod(&o)
	}
	c, err := awsapi.Load(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close) // runs before the simulator's Close (cleanups run last-in first-out)
	return c
}

// discoverFrom discovers the organization the simulator at url serves.
func discoverFrom(t testing.TB, url string, opts discover.Options, mod func(*awsapi.Options)) (*inventory.Snapshot, error) {
	t.Helper()
	return discover.Run(context.Background(), clients(t, url, mod), opts)
}

// canonical is the snapshot's canonical encoding without what differs between two captures of the
// same organization: the capture time and the source.
func canonical(t testing.TB, s *inventory.Snapshot) []byte {
	t.Helper()
	c := *s
	c.CapturedAt = time.Time{}
	c.Source = ""
	c.Sort()
	b, err := inventory.Encode(&c)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// assertSame fails with the first differing lines (and their JSON context) when the two
// snapshots differ beyond capture time and source.
func assertSame(t testing.TB, want, got *inventory.Snapshot) {
	t.Helper()
	w, g := canonical(t, want), canonical(t, got)
	if string(w) == string(g) {
		return
	}
	t.Fatalf("discovered snapshot differs from the served one:\n%s", lineDiff(string(w), string(g), 8))
}

// lineDiff shows up to limit differing regions: each with a few lines of context, - served, + discovered.
func lineDiff(a, b string, limit int) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	var out strings.Builder
	i, j, shown := 0, 0, 0
	for i < len(al) && j < len(bl) && shown < limit {
		if al[i] == bl[j] {
			i++
			j++
			continue
		}
		shown++
		fmt.Fprintf(&out, "@@ served line %d, discovered line %d\n", i+1, j+1)
		for k := max(0, i-3); k < i; k++ {
			fmt.Fprintf(&out, "  %s\n", al[k])
		}
		// Resynchronise: find the next line of a that appears soon in b.
		ni, nj := i+1, j+1
		found := false
		for d := 1; d < 200 && !found; d++ {
			for x := 0; x <= d; x++ {
				if i+x < len(al) && j+d-x < len(bl) && al[i+x] == bl[j+d-x] {
					ni, nj, found = i+x, j+d-x, true
					break
				}
			}
		}
		for k := i; k < ni && k < i+10; k++ {
			fmt.Fprintf(&out, "- %s\n", al[k])
		}
		for k := j; k < nj && k < j+10; k++ {
			fmt.Fprintf(&out, "+ %s\n", bl[k])
		}
		i, j = ni, nj
	}
	if out.Len() == 0 {
		fmt.Fprintf(&out, "(lengths differ: served %d lines, discovered %d)\n", len(al), len(bl))
	}
	return out.String()
}
