package checks

import (
	"strings"
	"testing"

	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/settings"
)

// firstWorkload returns the first member account that is not the management account and not in
// ALZ's core OU: one that will be enrolled in any testdata organization.
func firstWorkload(s *inventory.Snapshot) *inventory.Account {
	for i := range s.Accounts {
		a := &s.Accounts[i]
		if a.ID != s.Organization.ManagementAccountID && (s.ALZ == nil || a.ParentID != s.ALZ.CoreOUID) && len(a.Regions) > 0 {
			return a
		}
	}
	panic("no workload account")
}

// TestChecksOnTestdataEdits applies one small edit at a time to each typical testdata organization
// (with its testdata settings) and checks that exactly the expected check starts to report an
// unfixed problem: the edit is the only difference from an organization with none.
func TestChecksOnTestdataEdits(t *testing.T) {
	edits := []struct {
		check string
		name  string
		edit  func(s *inventory.Snapshot, st *settings.Settings)
	}{
		{"org.all-features", "consolidated billing", func(s *inventory.Snapshot, _ *settings.Settings) { s.Organization.FeatureSet = "CONSOLIDATED_BILLING" }},
		{"org.account-quota", "quota reached", func(s *inventory.Snapshot, _ *settings.Settings) { s.Organization.AccountQuota = len(s.Accounts) }},
		{"email.shared-accounts", "e-mail in use", func(s *inventory.Snapshot, st *settings.Settings) {
			st.AuditEmail = strings.ToUpper(firstWorkload(s).Email)
		}},
		{"ct.identity-center-region", "Identity Center elsewhere", func(s *inventory.Snapshot, st *settings.Settings) {
			s.IdentityCenter = &inventory.IdentityCenter{InstanceArn: "arn:aws:sso:::instance/ssoins-x", Region: "ap-south-1"}
			st.HomeRegion = s.ALZ.HomeRegion
		}},
		{"ct.landing-zone", "failed landing zone", func(s *inventory.Snapshot, st *settings.Settings) {
			s.ControlTower.LandingZone = &inventory.LandingZone{Arn: "arn:aws:controltower:x", Version: "3.3", Status: "FAILED", HomeRegion: s.ALZ.HomeRegion, SecurityOUName: "Security"}
			st.HomeRegion = s.ALZ.HomeRegion
		}},
		{"config.recorders", "customer recorder", func(s *inventory.Snapshot, st *settings.Settings) {
			a := firstWorkload(s)
			a.Regions[0].ConfigRecorders = append(a.Regions[0].ConfigRecorders, inventory.ConfigRecorder{Name: "default", Recording: true})
		}},
		{"scp.deny-ct-roles", "customer SCP denying config:* at the root", func(s *inventory.Snapshot, _ *settings.Settings) {
			s.Policies = append(s.Policies, inventory.Policy{ID: "p-denyconfig01", Name: "deny-config", Targets: []string{s.Roots[0].ID},
				Document: `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":["config:*"],"Resource":"*"}]}`})
		}},
		{"account.suspended", "suspended workload", func(s *inventory.Snapshot, _ *settings.Settings) {
			firstWorkload(s).Status = inventory.AccountSuspended
		}},
		{"account.sts-disabled", "STS off in a governed region", func(s *inventory.Snapshot, _ *settings.Settings) {
			a := firstWorkload(s)
			for i := range a.Regions {
				if a.Regions[i].Region == s.ALZ.HomeRegion {
					a.Regions[i].STSDisabled = true
				}
			}
		}},
		{"account.reserved-names", "leftover SNS topic", func(s *inventory.Snapshot, _ *settings.Settings) {
			a := firstWorkload(s)
			a.Regions[0].ReservedNames = []inventory.NamedResource{{Type: "AWS::SNS::Topic", Name: "aws-controltower-SecurityNotifications"}}
		}},
		{"ou.excluded-accounts", "excluded workload in its registered OU", func(s *inventory.Snapshot, st *settings.Settings) {
			st.Exclude.Accounts = append(st.Exclude.Accounts, firstWorkload(s).ID)
		}},
		{"alz.under-change", "AVM product under change", func(s *inventory.Snapshot, _ *settings.Settings) {
			s.ALZ.ProvisionedProducts = append(s.ALZ.ProvisionedProducts, inventory.ProvisionedProduct{ID: "pp-x", Name: "lz_x", Status: "UNDER_CHANGE"})
		}},
	}
	for _, org := range []string{"alz2-typical", "alz1-legacy"} {
		for _, e := range edits {
			t.Run(org+"/"+e.name, func(t *testing.T) {
				snap := loadOrg(t, org+".json")
				st, err := settings.Load("../testdata/settings/" + org + ".yaml")
				if err != nil {
					t.Fatal(err)
				}
				e.edit(snap, st)
				if err := inventory.Validate(snap); err != nil {
					t.Fatalf("edited snapshot invalid: %v", err)
				}
				r := Run(Input{Snapshot: snap, Settings: *st})
				var got []string
				for _, f := range r.Unfixed() {
					got = append(got, f.Check)
				}
				if len(got) == 0 {
					t.Fatalf("no unfixed blocker; want %s", e.check)
				}
				for _, id := range got {
					if id != e.check {
						t.Errorf("unfixed blocker from %s, want only %s", id, e.check)
					}
				}
			})
		}
	}
}
