package settings

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/lz2ct/lz2ct/inventory"
)

func org() *inventory.Snapshot {
	return &inventory.Snapshot{
		SchemaVersion: inventory.SchemaVersion,
		Regions:       []string{"eu-central-1", "eu-west-1", "us-east-1"},
		Organization:  inventory.Organization{ID: "o-abcdefghij", ManagementAccountID: "111111111111", ManagementAccountEmail: "root@corp.example"},
		Roots:         []inventory.Root{{ID: "r-ab12", Name: "Root"}},
		OUs: []inventory.OU{
			{ID: "ou-ab12-aaaaaaaa", Name: "Workloads", ParentID: "r-ab12"},
			{ID: "ou-ab12-bbbbbbbb", Name: "Legacy", ParentID: "ou-ab12-aaaaaaaa"},
		},
		Accounts: []inventory.Account{
			{ID: "111111111111", Name: "management", Email: "root@corp.example", Status: "ACTIVE", ParentID: "r-ab12"},
			{ID: "222222222222", Name: "app", Email: "App@Corp.example", Status: "ACTIVE", ParentID: "ou-ab12-bbbbbbbb"},
		},
		ALZ: &inventory.ALZ{HomeRegion: "eu-west-1", ManifestRegions: []string{"eu-central-1", "eu-west-1"}},
	}
}

func good() Settings {
	return Settings{HomeRegion: "eu-west-1", LogArchiveEmail: "log@corp.example", AuditEmail: "audit@corp.example"}
}

func TestLoadYAMLAndJSON(t *testing.T) {
	dir := t.TempDir()
	yml := filepath.Join(dir, "s.yaml")
	os.WriteFile(yml, []byte("homeRegion: eu-west-1\nlogArchiveEmail: log@corp.example\nauditEmail: audit@corp.example\nouAccountLimit: 500\nexclude:\n  ous: [Workloads/Legacy]\ndecommission:\n  keepStackSets: [AWS-Landing-Zone-Baseline-PrimaryVPC]\n"), 0o644)
	js := filepath.Join(dir, "s.json")
	os.WriteFile(js, []byte(`{"homeRegion":"eu-west-1","logArchiveEmail":"log@corp.example","auditEmail":"audit@corp.example","ouAccountLimit":500,"exclude":{"ous":["Workloads/Legacy"]},"decommission":{"keepStackSets":["AWS-Landing-Zone-Baseline-PrimaryVPC"]}}`), 0o644)
	noext := filepath.Join(dir, "settings")
	os.WriteFile(noext, []byte(`  {"homeRegion":"eu-west-1","logArchiveEmail":"log@corp.example","auditEmail":"audit@corp.example","ouAccountLimit":500,"exclude":{"ous":["Workloads/Legacy"]},"decommission":{"keepStackSets":["AWS-Landing-Zone-Baseline-PrimaryVPC"]}}`), 0o644)
	var loaded []*Settings
	for _, p := range []string{yml, js, noext} {
		s, err := Load(p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		loaded = append(loaded, s)
	}
	if loaded[0].OUAccountLimit != 500 || loaded[0].Exclude.OUs[0] != "Workloads/Legacy" {
		t.Fatalf("YAML not decoded: %+v", loaded[0])
	}
	if !reflect.DeepEqual(loaded[0], loaded[1]) || !reflect.DeepEqual(loaded[1], loaded[2]) {
		t.Fatalf("YAML and JSON decode differently:\n%+v\n%+v\n%+v", loaded[0], loaded[1], loaded[2])
	}
}

func TestLoadRejectsUnknownKeysNamingThem(t *testing.T) {
	cases := map[string]string{
		"s.yaml":  "homeRegion: eu-west-1\nhomeRegoin: eu-west-2\n",
		"s.json":  `{"homeRegion":"eu-west-1","homeRegoin":"eu-west-2"}`,
		"n.yaml":  "exclude:\n  account: ['123']\n",
		"t.yaml":  "ouAccountLimit: many\n",
		"bad.yml": "homeRegion: [\n",
	}
	want := map[string]string{"s.yaml": `line 2: unknown key "homeRegoin"`, "s.json": `unknown key "homeRegoin"`,
		"n.yaml": `unknown key "account"`, "t.yaml": "line 1", "bad.yml": "line"}
	dir := t.TempDir()
	for name, body := range cases {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o644)
		_, err := Load(p)
		if err == nil {
			t.Errorf("%s: accepted %q", name, body)
			continue
		}
		if !strings.Contains(err.Error(), want[name]) || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: error %q lacks %q or the file name", name, err, want[name])
		}
	}
}

func TestSaveRoundTrip(t *testing.T) {
	p := filepath.Join(t.TempDir(), "out.yaml")
	f := false
	s := good()
	s.GovernedRegions = []string{"eu-west-1", "us-east-1"}
	s.EnrollSharedServices = &f
	s.Exclude.Accounts = []string{"222222222222"}
	s.Decommission.CloseOldAccounts = true
	if err := Save(p, s); err != nil {
		t.Fatal(err)
	}
	back, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(*back, s) {
		t.Fatalf("round trip changed settings:\n%+v\n%+v", s, *back)
	}
}

func TestResolveDefaults(t *testing.T) {
	snap := org()
	r := Settings{LogArchiveEmail: "a@b.example", AuditEmail: "c@d.example"}.Resolve(snap)
	if r.HomeRegion != "eu-west-1" {
		t.Errorf("home region %q, want ALZ's eu-west-1", r.HomeRegion)
	}
	if !reflect.DeepEqual(r.GovernedRegions, []string{"eu-central-1", "eu-west-1"}) {
		t.Errorf("governed %v", r.GovernedRegions)
	}
	if r.CTDeploy != CTDeployAPI || r.ConfigRemoval != ConfigRemovalStackSet || r.OUAccountLimit != 300 || r.AccountConcurrency != 1 ||
		r.LogArchiveAccountName != "Log Archive" || r.AuditAccountName != "Audit" || !r.SharedServicesEnrolled() {
		t.Errorf("defaults not filled: %+v", r)
	}
	if r.Decommissions(DecomCloseAccounts) || r.Decommissions(DecomLogBuckets) || !r.Decommissions(DecomSSMParameters) || len(r.Decommission.Steps) != len(DecommissionSteps)-2 {
		t.Errorf("decommission steps %v: want all but close-accounts and, without copyLogs, log-buckets", r.Decommission.Steps)
	}
	withCopy := Settings{LogArchiveEmail: "a@b.example", AuditEmail: "c@d.example", Decommission: Decommission{CopyLogs: true}}.Resolve(snap)
	if !withCopy.Decommissions(DecomLogBuckets) {
		t.Errorf("copyLogs: true must include log-buckets by default, got %v", withCopy.Decommission.Steps)
	}
	explicit := Settings{LogArchiveEmail: "a@b.example", AuditEmail: "c@d.example", Decommission: Decommission{Steps: []string{DecomLogBuckets}}}.Resolve(snap)
	if !explicit.Decommissions(DecomLogBuckets) {
		t.Errorf("an explicit log-buckets step must be kept, got %v", explicit.Decommission.Steps)
	}
	if DecommissionSteps[0] != DecomProvisionedProducts {
		t.Fatal("Resolve reordered the package's DecommissionSteps")
	}

	// Identity Center decides the home region, which then joins the governed regions.
	snap.IdentityCenter = &inventory.IdentityCenter{Region: "us-east-1"}
	r = Settings{}.Resolve(snap)
	if r.HomeRegion != "us-east-1" || !reflect.DeepEqual(r.GovernedRegions, []string{"eu-central-1", "eu-west-1", "us-east-1"}) {
		t.Errorf("with Identity Center: home %q governed %v", r.HomeRegion, r.GovernedRegions)
	}
	// An existing landing zone decides the home and governed regions.
	snap.ControlTower.LandingZone = &inventory.LandingZone{HomeRegion: "eu-central-1", GovernedRegions: []string{"eu-central-1"}}
	r = Settings{}.Resolve(snap)
	if r.HomeRegion != "eu-central-1" || !reflect.DeepEqual(r.GovernedRegions, []string{"eu-central-1"}) {
		t.Errorf("with a landing zone: home %q governed %v", r.HomeRegion, r.GovernedRegions)
	}
	snap.ControlTower.LandingZone = nil
	// Resolve keeps what is set, and is idempotent.
	s := good()
	s.OUAccountLimit = 900
	s.Decommission.CloseOldAccounts = true
	r = s.Resolve(snap)
	if r.HomeRegion != "eu-west-1" || r.OUAccountLimit != 900 || !r.Decommissions(DecomCloseAccounts) {
		t.Errorf("Resolve overwrote set fields: %+v", r)
	}
	if again := r.Resolve(snap); !reflect.DeepEqual(again, r) {
		t.Errorf("Resolve is not idempotent:\n%+v\n%+v", r, again)
	}
}

func TestValidate(t *testing.T) {
	snap := org()
	cases := []struct {
		name string
		edit func(*Settings)
		want []string // keys that must be reported
		msg  string
	}{
		{"ok", func(s *Settings) {}, nil, ""},
		{"invalid e-mail", func(s *Settings) { s.AuditEmail = "audit@corp" }, []string{"auditEmail"}, "not an address Control Tower accepts"},
		{"e-mail used by an account", func(s *Settings) { s.LogArchiveEmail = "app@corp.EXAMPLE" }, []string{"logArchiveEmail"}, "already used by account 222222222222"},
		{"management e-mail", func(s *Settings) { s.AuditEmail = "root@corp.example" }, []string{"auditEmail"}, "management account"},
		{"same e-mails", func(s *Settings) { s.AuditEmail = "LOG@corp.example" }, []string{"auditEmail"}, "two different addresses"},
		{"missing e-mail", func(s *Settings) { s.LogArchiveEmail = "" }, []string{"logArchiveEmail"}, "is required"},
		{"unknown region", func(s *Settings) { s.HomeRegion = "ap-south-2" }, []string{"homeRegion"}, "unknown region"},
		{"not a region", func(s *Settings) { s.GovernedRegions = []string{"eu-west-1", "Europe"} }, []string{"governedRegions[1]"}, "not an AWS region name"},
		{"home not governed", func(s *Settings) { s.GovernedRegions = []string{"eu-central-1"} }, []string{"governedRegions"}, "must include the home region"},
		{"limit too high", func(s *Settings) { s.OUAccountLimit = 1001 }, []string{"ouAccountLimit"}, "out of range 1..1000"},
		{"limit negative", func(s *Settings) { s.OUAccountLimit = -1 }, []string{"ouAccountLimit"}, "out of range"},
		{"concurrency", func(s *Settings) { s.AccountConcurrency = 11 }, []string{"accountConcurrency"}, "out of range 1..10"},
		{"ct deploy", func(s *Settings) { s.CTDeploy = "cloudformation" }, []string{"ctDeploy"}, `"cloudformation" is not one of`},
		{"config removal", func(s *Settings) { s.ConfigRemoval = "keep" }, []string{"configRemoval"}, "is not one of"},
		{"excluded account missing", func(s *Settings) { s.Exclude.Accounts = []string{"222222222222", "999999999999"} }, []string{"exclude.accounts[1]"}, "not in the organization"},
		{"excluded OU missing", func(s *Settings) { s.Exclude.OUs = []string{"workloads/legacy", "ou-ab12-bbbbbbbb", "Nope"} }, []string{"exclude.ous[2]"}, "neither an OU ID nor an OU name path"},
		{"decommission step", func(s *Settings) { s.Decommission.Steps = []string{"scps", "everything"} }, []string{"decommission.steps[1]"}, `unknown step "everything"`},
		{"pipeline step", func(s *Settings) { s.Decommission.Steps = []string{"pipeline-transition", "scps"} }, []string{"decommission.steps[0]"}, `always disables ALZ's pipeline transition first, in phase 0`},
		{"KMS key deletion scheduled", func(s *Settings) { s.Decommission.KMSKeyDeletionDays = 7 }, nil, ""},
		{"KMS key deletion too soon", func(s *Settings) { s.Decommission.KMSKeyDeletionDays = 6 }, []string{"decommission.kmsKeyDeletionDays"}, "waiting period of 7 to 30 days"},
		{"KMS key deletion too late", func(s *Settings) { s.Decommission.KMSKeyDeletionDays = 31 }, []string{"decommission.kmsKeyDeletionDays"}, "waiting period of 7 to 30 days"},
		{"KMS key deletion without the alias step", func(s *Settings) {
			s.Decommission.KMSKeyDeletionDays = 30
			s.Decommission.Steps = []string{"scps"}
		}, []string{"decommission.kmsKeyDeletionDays"}, "list kms-alias in decommission.steps"},
		{"several at once", func(s *Settings) { s.AuditEmail = "x"; s.OUAccountLimit = 0 }, []string{"auditEmail", "ouAccountLimit"}, "2 problems"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := good().Resolve(snap)
			c.edit(&s)
			err := s.Validate(snap)
			if c.want == nil {
				if err != nil {
					t.Fatalf("valid settings rejected: %v", err)
				}
				return
			}
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("error %v is not a *ValidationError", err)
			}
			var keys []string
			for _, p := range ve.Problems {
				keys = append(keys, p.Key)
			}
			if !reflect.DeepEqual(keys, c.want) {
				t.Errorf("keys %v, want %v (%v)", keys, c.want, err)
			}
			if !strings.Contains(err.Error(), c.msg) {
				t.Errorf("message %q lacks %q", err, c.msg)
			}
		})
	}
}

func TestValidateWithoutSnapshot(t *testing.T) {
	s := good().Resolve(nil)
	if err := s.Validate(nil); err != nil {
		t.Fatalf("organization-free validation failed: %v", err)
	}
}

// Re-planning halfway through the migration keeps the settings file: the e-mails it gave the new
// Log Archive and Audit accounts now belong to Control Tower's shared accounts, which is no error.
func TestValidateAcceptsControlTowersOwnSharedAccounts(t *testing.T) {
	snap := org()
	snap.Accounts = append(snap.Accounts,
		inventory.Account{ID: "333333333333", Name: "Log Archive", Email: "log@corp.example", Status: "ACTIVE", ParentID: "r-ab12"},
		inventory.Account{ID: "444444444444", Name: "Audit", Email: "audit@corp.example", Status: "ACTIVE", ParentID: "r-ab12"})
	s := good().Resolve(snap)
	if err := s.Validate(snap); err == nil || !strings.Contains(err.Error(), "already used by account 333333333333") {
		t.Fatalf("without a landing zone a used e-mail must be refused: %v", err)
	}
	snap.ControlTower.LandingZone = &inventory.LandingZone{HomeRegion: "eu-west-1", LogArchiveAccountID: "333333333333", AuditAccountID: "444444444444"}
	if err := s.Validate(snap); err != nil {
		t.Fatalf("the landing zone's own shared accounts refused: %v", err)
	}
	snap.ControlTower.LandingZone.AuditAccountID = "555555555555"
	if err := s.Validate(snap); err == nil || !strings.Contains(err.Error(), "auditEmail") {
		t.Fatalf("an e-mail of an account that is not the landing zone's accepted: %v", err)
	}
}

func TestValidateTargetOUs(t *testing.T) {
	snap := org()
	snap.OUs = append(snap.OUs, inventory.OU{ID: "ou-ab12-cccccccc", Name: "core", ParentID: "r-ab12"})
	snap.ALZ.CoreOUID = "ou-ab12-cccccccc"
	s := good().Resolve(snap)
	s.SharedServicesOU, s.Decommission.OldAccountsOU = "workloads/legacy", "ou-ab12-aaaaaaaa"
	if err := s.Validate(snap); err != nil {
		t.Fatalf("existing OUs refused: %v", err)
	}
	s.SharedServicesOU = "Sandbox" // Control Tower's Sandbox OU, created with the landing zone
	if err := s.Validate(snap); err != nil {
		t.Fatalf("the Sandbox OU the landing zone creates refused: %v", err)
	}
	s.SharedServicesOU, s.Decommission.OldAccountsOU = "Nowhere/Else", "core"
	err := s.Validate(snap)
	if err == nil || !strings.Contains(err.Error(), "sharedServicesOU") || !strings.Contains(err.Error(), "decommission.oldAccountsOU") {
		t.Fatalf("unknown OU and the core OU accepted: %v", err)
	}
	if id := FindOU(inventory.NewIndex(snap), "/WORKLOADS/Legacy/"); id != "ou-ab12-bbbbbbbb" {
		t.Errorf("FindOU by path = %q", id)
	}
}

func TestExcludedOUByPathCoversSubtree(t *testing.T) {
	snap := org()
	ix := inventory.NewIndex(snap)
	s := Settings{Exclude: Exclude{OUs: []string{"/workloads/"}}}
	if ex, by := s.ExcludedOU(ix, "ou-ab12-bbbbbbbb"); !ex || by != "/workloads/" {
		t.Errorf("child of an excluded OU not excluded: %v %q", ex, by)
	}
	if ex, _ := (Settings{}).ExcludedOU(ix, "ou-ab12-bbbbbbbb"); ex {
		t.Error("nothing excluded, yet excluded")
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte("homeRegion: eu-west-1\nouAccountLimit: 3\n"), ".yaml")
	f.Add([]byte(`{"auditEmail":"a@b.c","exclude":{"ous":["x"]}}`), ".json")
	f.Add([]byte("decommission: {steps: [scps]}"), "")
	f.Fuzz(func(t *testing.T, data []byte, ext string) {
		s, err := Decode(data, ext)
		if err != nil {
			return
		}
		// Whatever decodes must encode and decode back to the same settings.
		out, err := Encode(*s)
		if err != nil {
			t.Fatalf("encode: %v", err)
		}
		back, err := Decode(out, ".yaml")
		if err != nil {
			t.Fatalf("re-decode of %q: %v", out, err)
		}
		_ = back.Resolve(nil).Validate(nil) // must not panic
	})
}

func TestResolveKeepsVPCStackSetsUnlessTold(t *testing.T) {
	snap := org()
	snap.ALZ.StackSets = []inventory.StackSet{{Name: "AWS-Landing-Zone-Baseline-PrimaryVPC"}, {Name: "AWS-Landing-Zone-Baseline-EnableConfig"}}
	r := good().Resolve(snap)
	if !r.KeepsStackSet("aws-landing-zone-baseline-primaryvpc") || r.KeepsStackSet("AWS-Landing-Zone-Baseline-EnableConfig") {
		t.Errorf("default keep list %v", r.Decommission.KeepStackSets)
	}
	s := good()
	s.Decommission.KeepStackSets = []string{}
	if r := s.Resolve(snap); r.KeepsStackSet("AWS-Landing-Zone-Baseline-PrimaryVPC") {
		t.Error("an explicit empty keepStackSets still keeps the VPC StackSet")
	}
}

// TestExistingSharedAccounts: with sharedAccounts: existing, the e-mails default to those of ALZ's
// Log Archive and Security accounts, other e-mails are refused, and so is closing them.
func TestExistingSharedAccounts(t *testing.T) {
	snap := org()
	snap.Accounts = append(snap.Accounts,
		inventory.Account{ID: "333333333333", Name: "log-archive", Email: "alz-log@corp.example", Status: "ACTIVE", ParentID: "r-ab12"},
		inventory.Account{ID: "444444444444", Name: "security", Email: "alz-sec@corp.example", Status: "ACTIVE", ParentID: "r-ab12"})
	snap.ALZ.LogArchiveAccountID, snap.ALZ.SecurityAccountID = "333333333333", "444444444444"
	s := Settings{HomeRegion: "eu-west-1", SharedAccounts: SharedAccountsExisting}
	r := s.Resolve(snap)
	if r.LogArchiveEmail != "alz-log@corp.example" || r.AuditEmail != "alz-sec@corp.example" || !r.BringsExistingAccounts() {
		t.Fatalf("resolved %+v", r)
	}
	if err := r.Validate(snap); err != nil {
		t.Fatalf("the e-mails of the accounts brought are refused: %v", err)
	}
	if d := (Settings{}).Resolve(snap); d.SharedAccounts != SharedAccountsNew {
		t.Errorf("default sharedAccounts %q", d.SharedAccounts)
	}
	bad := r
	bad.AuditEmail = "other@corp.example"
	bad.Decommission.CloseOldAccounts = true
	bad.Decommission.CopyLogs = true
	var ve *ValidationError
	if !errors.As(bad.Validate(snap), &ve) || len(ve.Problems) != 3 || ve.Problems[0].Key != "auditEmail" || ve.Problems[1].Key != "decommission.copyLogs" || ve.Problems[2].Key != "decommission.closeOldAccounts" {
		t.Fatalf("problems %v", ve)
	}
	// Even with copyLogs, the log buckets are kept unless listed: there is no copy to wait for.
	withCopy := Settings{HomeRegion: "eu-west-1", SharedAccounts: SharedAccountsExisting, Decommission: Decommission{CopyLogs: true}}.Resolve(snap)
	if withCopy.Decommissions(DecomLogBuckets) {
		t.Error("log buckets deleted by default though nothing copies the logs")
	}
	noALZ := org()
	if !errors.As(r.Validate(noALZ), &ve) || ve.Problems[0].Key != "sharedAccounts" {
		t.Fatalf("existing accounts without ALZ's: %v", ve)
	}
	r.SharedAccounts = "reuse"
	if err := r.Validate(snap); !errors.As(err, &ve) || !strings.Contains(err.Error(), `sharedAccounts: "reuse" is not one of`) {
		t.Fatalf("unknown sharedAccounts: %v", err)
	}
}
