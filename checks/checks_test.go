package checks

import (
	"strings"
	"testing"

	"github.com/lz2ct/lz2ct/inventory"
)

func TestTypicalOrgHasNoUnfixedBlocker(t *testing.T) {
	r := run(t, typicalOrg(), typicalSettings())
	for _, f := range r.Unfixed() {
		t.Errorf("unexpected unfixed blocker %s: %s %v", f.Check, f.Title, f.Evidence)
	}
	for _, f := range r.Findings {
		if f.Severity == Warning {
			t.Errorf("unexpected warning %s: %s %v", f.Check, f.Title, f.Evidence)
		}
	}
	// The ALZ recorders and the guardrail SCP are real problems the plan fixes: they must be reported.
	for _, id := range []string{"config.recorders", "scp.deny-ct-roles"} {
		fs := r.ByCheck(id)
		if len(fs) == 0 {
			t.Errorf("%s: expected a fixed-by-plan finding on the typical org", id)
		}
		for _, f := range fs {
			if !f.FixedByPlan || f.Severity != Blocker {
				t.Errorf("%s: want a blocker fixed by the plan, got %s fixed=%t", id, f.Severity, f.FixedByPlan)
			}
		}
	}
}

func TestCatalogueIsComplete(t *testing.T) {
	cat := Catalogue()
	if len(cat) < 25 {
		t.Fatalf("catalogue has %d checks, want at least 25", len(cat))
	}
	for _, c := range cat {
		if c.Title == "" || c.Reads == "" || c.Why == "" || !strings.HasPrefix(c.Source, "https://") {
			t.Errorf("%s: incomplete catalogue entry", c.ID)
		}
		if c.Severity.Rank() >= len(Severities) || c.Phase.Rank() >= len(Phases) {
			t.Errorf("%s: unknown severity %q or phase %q", c.ID, c.Severity, c.Phase)
		}
	}
}

func TestReportSortingAndCounts(t *testing.T) {
	fs := []Finding{
		{Check: "b", Severity: Info, Phase: PhaseDeploy},
		{Check: "a", Severity: Blocker, Phase: PhaseEnrollment, FixedByPlan: true},
		{Check: "c", Severity: Blocker, Phase: PhaseDeploy},
		{Check: "d", Severity: Warning, Phase: PhaseConfig},
	}
	r := NewReport(fs)
	var order []string
	for _, f := range r.Findings {
		order = append(order, f.Check)
	}
	if got := strings.Join(order, ""); got != "cadb" {
		t.Errorf("order = %s, want cadb (severity, then phase)", got)
	}
	if r.Blockers != 2 || r.Warnings != 1 || r.Infos != 1 {
		t.Errorf("counts = %d/%d/%d", r.Blockers, r.Warnings, r.Infos)
	}
	if u := r.Unfixed(); len(u) != 1 || u[0].Check != "c" {
		t.Errorf("Unfixed = %v", u)
	}
	if w := r.AtLeast(Warning); len(w.Findings) != 3 || w.Infos != 0 {
		t.Errorf("AtLeast(warning) = %+v", w)
	}
}

// IsALZPolicy decides what the plan detaches and deletes and which findings count as fixed by
// it: only ALZ's own names may match, never a customer SCP that merely looks alike.
func TestIsALZPolicy(t *testing.T) {
	for name, want := range map[string]bool{
		"protect-cloudtrail-config":                                 true,
		"Protect-CloudTrail-Config":                                 true,
		"aws-landing-zone-core-mandatory-preventive-guardrails":     true,
		"aws-landing-zone-non-core-mandatory-preventive-guardrails": true,
		"aws-landing-zone-custom-scp":                               false,
		"team-mandatory-preventive-guardrails":                      false,
		"protect-cloudtrail-config-v2":                              false,
		"FullAWSAccess":                                             false,
	} {
		if got := IsALZPolicy(&inventory.Policy{Name: name}); got != want {
			t.Errorf("IsALZPolicy(%q) = %v, want %v", name, got, want)
		}
	}
}
