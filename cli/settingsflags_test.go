package cli

import (
	"testing"

	"github.com/spf13/pflag"

	"github.com/lz2ct/lz2ct/iostreams"
)

// check and plan read the same settings, so they take the same settings flags with the same defaults.
func TestSettingsFlagsSameOnCheckAndPlan(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	f := &Factory{IO: ios}
	check, plan := NewCmdCheck(f, nil).Flags(), NewCmdPlan(f, nil).Flags()
	var sf SettingsFlags
	want := pflag.NewFlagSet("settings", pflag.ContinueOnError)
	sf.register(want)
	want.VisitAll(func(w *pflag.Flag) {
		for name, fs := range map[string]*pflag.FlagSet{"check": check, "plan": plan} {
			got := fs.Lookup(w.Name)
			if got == nil {
				t.Errorf("%s has no --%s", name, w.Name)
				continue
			}
			if got.DefValue != w.DefValue || got.Usage != w.Usage {
				t.Errorf("%s --%s: default %q usage %q, want %q %q", name, w.Name, got.DefValue, got.Usage, w.DefValue, w.Usage)
			}
		}
	})
}

func TestCheckRefusesZeroAccountConcurrency(t *testing.T) {
	_, errOut, code := runCheck(t, "--snapshot", typicalSnap, "--settings", typicalSettings, "--account-concurrency", "0")
	if code != 2 {
		t.Fatalf("exit %d, want 2: %s", code, errOut)
	}
}
