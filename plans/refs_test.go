package plans

import (
	"fmt"
	"strings"
	"testing"
)

// refsPlan is landing-zone.create, a step between, and a baseline.enable using the landing
// zone's output through deps.
func refsPlan(deps []string, output string) *Plan {
	ref := Out(KindLandingZoneCreate, output)
	return &Plan{Phases: []Phase{{Steps: []Step{
		{ID: KindLandingZoneCreate, Kind: KindLandingZoneCreate, Params: LandingZoneCreate{}},
		{ID: "verify/between", Kind: KindVerify, Params: Verify{}, DependsOn: []string{KindLandingZoneCreate}},
		{ID: "baseline.enable/ou-1", Kind: KindBaselineEnable, DependsOn: deps,
			Params: BaselineEnable{OUID: Lit("ou-1"), OUARN: Lit("arn"), IdentityCenterEnabledBaselineARN: ref}},
	}}}}
}

func TestCheckRefsSaysWhy(t *testing.T) {
	out := OutputIdentityCenterEnabledBaselineARN
	for _, c := range []struct {
		name   string
		p      *Plan
		errHas string
	}{
		{"direct dependency", refsPlan([]string{KindLandingZoneCreate}, out), ""},
		{"through another step", refsPlan([]string{"verify/between"}, out), ""},
		{"no dependency", refsPlan([]string{"verify/other"}, out), "does not depend on it"},
		{"unknown output", refsPlan([]string{KindLandingZoneCreate}, "nope"), "has no such output"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := c.p.CheckRefs()
			if c.errHas == "" && err != nil || c.errHas != "" && (err == nil || !strings.Contains(err.Error(), c.errHas)) {
				t.Fatalf("CheckRefs() = %v, want %q", err, c.errHas)
			}
		})
	}
	p := refsPlan([]string{KindLandingZoneCreate}, out)
	p.Phases[0].Steps = p.Phases[0].Steps[1:]
	if err := p.CheckRefs(); err == nil || !strings.Contains(err.Error(), "which is not in the plan") {
		t.Fatalf("CheckRefs() without the source step = %v", err)
	}
}

func TestRefsSkipsParamsWithoutValues(t *testing.T) {
	if got := Refs(ProvisionedProductTerminate{Region: "us-east-1"}); got != nil {
		t.Fatalf("Refs of params without a Value = %v", got)
	}
	got := Refs(BaselineEnable{OUID: Out("ou.create/x", "ouId"), OUARN: Lit("arn")})
	if len(got) != 1 || got[0].FromStep != "ou.create/x" {
		t.Fatalf("Refs = %v", got)
	}
}

// regionsByAccount groups accounts by their set of regions whatever the order of the instances.
func TestRegionsByAccountGroups(t *testing.T) {
	var r regionsByAccount
	for _, in := range [][2]string{{"3", "us-east-1"}, {"1", "eu-west-1"}, {"1", "us-east-1"}, {"2", "us-east-1"},
		{"3", "eu-west-1"}, {"1", "eu-west-1"}, {"2", "us-east-1"}} {
		r.add(in[0], in[1])
	}
	got := fmt.Sprint(r.groups())
	if want := "[{[1 3] [eu-west-1 us-east-1]} {[2] [us-east-1]}]"; got != want {
		t.Fatalf("groups = %s, want %s", got, want)
	}
	// In order at first (no map kept), then an account seen before comes back.
	var s regionsByAccount
	for _, in := range [][2]string{{"1", "eu-west-1"}, {"2", "us-east-1"}, {"3", "us-east-1"}, {"1", "us-east-1"},
		{"3", "eu-west-1"}, {"4", "us-east-1"}, {"2", "us-east-1"}} {
		s.add(in[0], in[1])
	}
	got = fmt.Sprint(s.groups())
	if want := "[{[1 3] [eu-west-1 us-east-1]} {[2 4] [us-east-1]}]"; got != want {
		t.Fatalf("groups = %s, want %s", got, want)
	}
}
