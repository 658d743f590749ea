package checks

import (
	"sort"
	"strings"
	"testing"

	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/orggen"
	"github.com/lz2ct/lz2ct/settings"
)

func loadOrg(t testing.TB, name string) *inventory.Snapshot {
	t.Helper()
	s, err := inventory.Load("../testdata/orgs/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func freshEmails() settings.Settings {
	return settings.Settings{LogArchiveEmail: "ct-log-archive@new.example.org", AuditEmail: "ct-audit@new.example.org"}
}

// The typical organizations must give no blocker the plan cannot fix, and every warning must be
// one the plan takes care of: anything else is a false positive.
func TestTypicalTestdataOrgs(t *testing.T) {
	for _, name := range []string{"alz2-typical", "alz1-legacy"} {
		t.Run(name, func(t *testing.T) {
			snap := loadOrg(t, name+".json")
			st, err := settings.Load("../testdata/settings/" + name + ".yaml")
			if err != nil {
				t.Fatal(err)
			}
			r := Run(Input{Snapshot: snap, Settings: st.Resolve(snap)})
			for _, f := range r.Findings {
				if f.Severity != Info && !f.FixedByPlan {
					t.Errorf("false positive %s %s: %s %v", f.Severity, f.Check, f.Title, f.Evidence)
				}
			}
			// What the plan must remove is still reported.
			for _, id := range []string{"config.recorders", "scp.deny-ct-roles", "alz.version"} {
				if len(r.ByCheck(id)) == 0 {
					t.Errorf("%s: no finding", id)
				}
			}
		})
	}
}

// blockers.json was built (by editing a generated ALZ 2.4.1 organization) to contain each of
// these problems; the e-mails and home region are the ones its story uses.
func TestBlockersTestdataOrg(t *testing.T) {
	snap := loadOrg(t, "blockers.json")
	st, err := settings.Load("../testdata/settings/blockers.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if st.HomeRegion != "eu-west-1" || st.LogArchiveEmail != "logarchive@example.com" || st.AuditEmail != "audit@example.com" {
		t.Fatalf("testdata/settings/blockers.yaml changed: %+v", st)
	}
	r := Run(Input{Snapshot: snap, Settings: st.Resolve(snap)})

	got := map[string][]string{} // check -> subject names/IDs of unfixed blockers
	for _, f := range r.Unfixed() {
		var subj []string
		for _, s := range f.Subjects {
			if s.Kind != KindOrganization {
				subj = append(subj, s.Kind+":"+firstNonEmpty(s.Name, s.ID))
			}
		}
		got[f.Check] = append(got[f.Check], strings.Join(subj, " "))
	}
	want := map[string][]string{
		"ct.identity-center-region": {"region:eu-west-1 service:arn:aws:sso:::instance/ssoins-722357bf5c29aa1e"},
		"email.shared-accounts":     nil, // two findings; subjects checked below
		"alz.under-change":          nil,
		"account.reserved-names":    {"account:payments-prod", "account:sandbox-user-109"},
		"account.sts-disabled":      {"account:data-lake-prod region:eu-central-1"},
		"account.suspended":         {"account:closed-legacy-app ou:Suspended", "account:closed-poc ou:Suspended"},
	}
	for id, subjects := range want {
		fs, ok := got[id]
		if !ok {
			t.Errorf("blocker %s not found", id)
			continue
		}
		if subjects != nil {
			sort.Strings(fs)
			if strings.Join(fs, " | ") != strings.Join(subjects, " | ") {
				// The Identity Center instance ARN is generated: compare only its kind there.
				if id != "ct.identity-center-region" || !strings.HasPrefix(strings.Join(fs, ""), "region:eu-west-1 service:") {
					t.Errorf("%s subjects = %q, want %q", id, fs, subjects)
				}
			}
		}
	}
	for id := range got {
		if _, ok := want[id]; !ok {
			t.Errorf("unexpected unfixed blocker %s: %v", id, got[id])
		}
	}
	// Blockers the plan works around with its own steps are still reported, marked fixedByPlan.
	for id, want := range map[string]string{
		"org.trusted-access": "cloudtrail.amazonaws.com config.amazonaws.com",
		"ou.account-limit":   "ou-",
		"ou.depth":           "ou-",
		"config.recorders":   "",
		"scp.deny-ct-roles":  "",
		"scp.count":          "ou-",
	} {
		fs := r.ByCheck(id)
		var ids []string
		for _, f := range fs {
			if f.Severity != Blocker || !f.FixedByPlan {
				t.Errorf("%s: %s fixed=%t, want a blocker the plan fixes", id, f.Severity, f.FixedByPlan)
			}
			ids = append(ids, f.Subjects[0].ID)
		}
		if len(fs) == 0 || !strings.HasPrefix(strings.Join(ids, " "), want) {
			t.Errorf("%s: subjects %v, want %q", id, ids, want)
		}
	}
	if n := len(r.ByCheck("email.shared-accounts")); n != 2 {
		t.Errorf("email.shared-accounts: %d findings, want both e-mails reported as used", n)
	}
	if fs := r.ByCheck("alz.under-change"); len(fs) != 1 || !strings.Contains(fs[0].Title, "payments-dev") {
		t.Errorf("alz.under-change = %+v", fs)
	}
	access := r.ByCheck("account.access")
	if len(access) != 1 || access[0].Subjects[0].Name != "acquired-startup" || access[0].Severity != Warning {
		t.Errorf("account.access = %+v, want a warning about acquired-startup", access)
	}
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// BenchmarkRun10k checks a generated 10,000-account organization (orggen defaults otherwise, 3
// regions, nested OUs, customer SCPs). Report: go test -run '^$' -bench Run10k ./checks
func BenchmarkRun10k(b *testing.B) {
	p := orggen.DefaultParams()
	p.Accounts, p.OUs, p.Depth, p.Regions = 10000, 400, 5, 3
	snap, err := orggen.Generate(p)
	if err != nil {
		b.Fatal(err)
	}
	st := freshEmails().Resolve(snap)
	b.ReportAllocs()
	b.ResetTimer()
	var r Report
	for i := 0; i < b.N; i++ {
		r = Run(Input{Snapshot: snap, Settings: st})
	}
	b.ReportMetric(float64(len(r.Findings)), "findings")
}

// TestGeneratedOrgsInvariants: on generated organizations of every shape, the report is complete,
// sorted and counted right, and nothing panics.
func TestGeneratedOrgsInvariants(t *testing.T) {
	for seed := int64(1); seed <= 12; seed++ {
		p := orggen.DefaultParams()
		p.Seed = seed
		p.Accounts = 20 + int(seed)*37
		p.OUs = 5 + int(seed)*3
		p.Depth = 1 + int(seed)%6
		p.Regions = 1 + int(seed)%4
		p.SCPDensity = float64(seed%5) / 4
		p.ConfigShare = float64(seed%3) / 2
		snap, err := orggen.Generate(p)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		r := Run(Input{Snapshot: snap, Settings: freshEmails()})
		again := Run(Input{Snapshot: snap, Settings: freshEmails()})
		if fmtReport(r) != fmtReport(again) {
			t.Errorf("seed %d: two runs differ", seed)
		}
		b, w, i := 0, 0, 0
		for k, f := range r.Findings {
			if f.Check == "" || f.Title == "" || f.Remediation == "" || f.Source == "" || len(f.Subjects) == 0 || len(f.Evidence) == 0 {
				t.Errorf("seed %d: incomplete finding %+v", seed, f)
			}
			if k > 0 && r.Findings[k-1].Severity.Rank() > f.Severity.Rank() {
				t.Errorf("seed %d: findings not sorted by severity", seed)
			}
			switch f.Severity {
			case Blocker:
				b++
			case Warning:
				w++
			default:
				i++
			}
		}
		if b != r.Blockers || w != r.Warnings || i != r.Infos {
			t.Errorf("seed %d: counts %d/%d/%d, findings say %d/%d/%d", seed, r.Blockers, r.Warnings, r.Infos, b, w, i)
		}
		if p.Depth == 6 && len(r.ByCheck("ou.depth")) == 0 {
			t.Errorf("seed %d: depth-6 organization without an ou.depth finding", seed)
		}
	}
}

func fmtReport(r Report) string {
	var b strings.Builder
	for _, f := range r.Findings {
		b.WriteString(f.Check + f.Title + strings.Join(f.Evidence, "|") + "\n")
	}
	return b.String()
}
