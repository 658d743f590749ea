package cli

import (
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/lz2ct/lz2ct/iostreams"
)

// check's live mode connects to AWS the way discover does, so it takes the same AWS flags.
func TestAWSFlagsSameOnCheckAndDiscover(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	f := &Factory{IO: ios}
	check, disc := NewCmdCheck(f, nil).Flags(), NewCmdDiscover(f, nil).Flags()
	for _, name := range awsFlagNames {
		c, d := check.Lookup(name), disc.Lookup(name)
		if c == nil || d == nil {
			t.Errorf("--%s: check has it %v, discover has it %v", name, c != nil, d != nil)
			continue
		}
		if c.DefValue != d.DefValue || c.Value.Type() != d.Value.Type() {
			t.Errorf("--%s: check default %q (%s), discover %q (%s)", name, c.DefValue, c.Value.Type(), d.DefValue, d.Value.Type())
		}
	}
	var n int
	check.VisitAll(func(fl *pflag.Flag) {
		if strings.HasPrefix(fl.Usage, "live mode: ") {
			n++
		}
	})
	if n != len(awsFlagNames) {
		t.Errorf("%d check flags say live mode, want %d", n, len(awsFlagNames))
	}
}

func TestCheckAWSFlagsRefusedWithSnapshot(t *testing.T) {
	for _, args := range [][]string{{"--role-name", "R"}, {"--max-attempts", "3"}, {"--rate", "5"}, {"--profile", "p"}} {
		_, errOut, code := runCheck(t, append([]string{"--snapshot", typicalSnap, "--settings", typicalSettings}, args...)...)
		if code != 2 || !strings.Contains(errOut, args[0]+" is for live discovery") {
			t.Errorf("%v: exit %d, %s", args, code, errOut)
		}
	}
}

func TestCheckLiveValidatesAWSFlags(t *testing.T) {
	_, errOut, code := runCheck(t, "--settings", typicalSettings, "--concurrency", "0")
	if code != 2 || !strings.Contains(errOut, "--concurrency 0") {
		t.Errorf("exit %d, %s", code, errOut)
	}
}
