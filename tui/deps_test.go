package tui

import (
	"os/exec"
	"strings"
	"testing"
)

// The wizard holds screens only: it reaches AWS, discovery and the state folder's files through
// Backend, never by importing them. `go list -deps` is the build's own view of what it links.
func TestTUIImportsNoAWS(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatal("the go command is not on the PATH: this test runs `go list -deps` (install Go, https://go.dev/doc/install)")
	}
	out, err := exec.Command(goBin, "list", "-deps", "github.com/lz2ct/lz2ct/tui").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	forbidden := []string{
		"github.com/aws/",                           // the AWS SDK and smithy
		"github.com/lz2ct/lz2ct/awsapi",             // lz2ct's clients
		"github.com/lz2ct/lz2ct/inventory/discover", // discovery
		"github.com/lz2ct/lz2ct/session",            // the session layer drives the wizard, not the other way round
		"github.com/lz2ct/lz2ct/journal",            // the run's record is read through the session
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 {
		t.Fatalf("go list -deps listed %d packages: %q", len(deps), out)
	}
	for _, d := range deps {
		for _, f := range forbidden {
			if strings.HasPrefix(d, f) {
				t.Errorf("tui depends on %s", d)
			}
		}
	}
}
