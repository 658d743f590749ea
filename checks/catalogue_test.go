package checks

import (
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/settings"
)

// checkCase is one edit of the typical organization and what one check must say about it. want
// lists the findings' signatures ("blocker", "blocker/fixed", "warning", "info", ...), sorted;
// nil means the check must stay silent.
type checkCase struct {
	check string
	name  string
	edit  func(s *inventory.Snapshot, st *settings.Settings)
	want  []string
}

func sig(f Finding) string {
	s := string(f.Severity)
	if f.FixedByPlan {
		s += "/fixed"
	}
	return s
}

func noEdit(*inventory.Snapshot, *settings.Settings) {}

func withoutALZConfig(s *inventory.Snapshot, _ *settings.Settings) {
	for i := range s.Accounts {
		for k := range s.Accounts[i].Regions {
			s.Accounts[i].Regions[k].ConfigRecorders = nil
			s.Accounts[i].Regions[k].DeliveryChannels = nil
		}
	}
}

func withoutGuardrails(s *inventory.Snapshot, _ *settings.Settings) {
	policy(s, fxGuard).Targets = nil
}

func addPolicy(s *inventory.Snapshot, id, name, doc string, targets ...string) {
	s.Policies = append(s.Policies, inventory.Policy{ID: id, Name: name, Document: doc, Targets: targets})
}

var checkCases = []checkCase{
	{"org.all-features", "all features", noEdit, nil},
	{"org.all-features", "consolidated billing", func(s *inventory.Snapshot, _ *settings.Settings) { s.Organization.FeatureSet = "CONSOLIDATED_BILLING" }, []string{"blocker"}},

	{"org.management-account", "known", noEdit, nil},
	{"org.management-account", "not among accounts", func(s *inventory.Snapshot, _ *settings.Settings) { s.Accounts = s.Accounts[1:] }, []string{"blocker"}},

	{"org.account-quota", "room", noEdit, nil},
	{"org.account-quota", "unknown quota", func(s *inventory.Snapshot, _ *settings.Settings) { s.Organization.AccountQuota = 0 }, nil},
	{"org.account-quota", "full", func(s *inventory.Snapshot, _ *settings.Settings) { s.Organization.AccountQuota = 7 }, []string{"blocker"}},

	{"org.trusted-access", "none", noEdit, nil},
	{"org.trusted-access", "config and cloudtrail", func(s *inventory.Snapshot, _ *settings.Settings) {
		s.TrustedServices = append(s.TrustedServices, "config.amazonaws.com", "cloudtrail.amazonaws.com")
	}, []string{"blocker/fixed", "blocker/fixed"}},

	{"org.config-delegated-admin", "none", noEdit, nil},
	{"org.config-delegated-admin", "config admin", func(s *inventory.Snapshot, _ *settings.Settings) {
		s.DelegatedAdmins = append(s.DelegatedAdmins, inventory.DelegatedAdministrator{AccountID: fxSecurity, ServicePrincipal: "config.amazonaws.com"},
			inventory.DelegatedAdministrator{AccountID: fxSecurity, ServicePrincipal: "guardduty.amazonaws.com"})
	}, []string{"warning"}},

	{"email.shared-accounts", "fresh", noEdit, nil},
	{"email.shared-accounts", "unset", func(_ *inventory.Snapshot, st *settings.Settings) { st.LogArchiveEmail, st.AuditEmail = "", "" }, []string{"warning", "warning"}},
	{"email.shared-accounts", "invalid", func(_ *inventory.Snapshot, st *settings.Settings) { st.AuditEmail = "audit@localhost" }, []string{"blocker"}},
	{"email.shared-accounts", "used, other case", func(_ *inventory.Snapshot, st *settings.Settings) { st.LogArchiveEmail = "Log-Archive@Example.com" }, []string{"blocker"}},
	{"email.shared-accounts", "same twice", func(_ *inventory.Snapshot, st *settings.Settings) { st.AuditEmail = "CT-logs@example.com" }, []string{"blocker"}},
	{"email.shared-accounts", "CT deployed", func(s *inventory.Snapshot, st *settings.Settings) {
		st.AuditEmail = ""
		s.ControlTower.LandingZone = activeLZ()
	}, nil},

	{"ct.identity-center-region", "same region", noEdit, nil},
	{"ct.identity-center-region", "chosen elsewhere", func(_ *inventory.Snapshot, st *settings.Settings) { st.HomeRegion = "us-east-1" }, []string{"blocker"}},

	{"ct.home-region", "not deployed", noEdit, nil},
	{"ct.home-region", "deployed elsewhere", func(s *inventory.Snapshot, _ *settings.Settings) {
		s.ControlTower.LandingZone = activeLZ()
		s.IdentityCenter = nil
		s.ControlTower.LandingZone.HomeRegion = "us-east-1"
	}, nil}, // Resolve takes the landing zone's region: only an explicit other choice conflicts
	{"ct.home-region", "deployed elsewhere, chosen explicitly", func(s *inventory.Snapshot, st *settings.Settings) {
		s.ControlTower.LandingZone = activeLZ()
		s.ControlTower.LandingZone.HomeRegion = "us-east-1"
		st.HomeRegion = "eu-west-1"
	}, []string{"blocker"}},

	{"ct.landing-zone", "not deployed", noEdit, nil},
	{"ct.landing-zone", "active, latest", func(s *inventory.Snapshot, _ *settings.Settings) { s.ControlTower.LandingZone = activeLZ() }, []string{"info"}},
	{"ct.landing-zone", "failed and drifted", func(s *inventory.Snapshot, _ *settings.Settings) {
		s.ControlTower.LandingZone = activeLZ()
		s.ControlTower.LandingZone.Status = "FAILED"
		s.ControlTower.LandingZone.DriftStatus = "DRIFTED"
	}, []string{"blocker", "info", "warning"}},
	{"ct.landing-zone", "processing", func(s *inventory.Snapshot, _ *settings.Settings) {
		s.ControlTower.LandingZone = activeLZ()
		s.ControlTower.LandingZone.Status = "PROCESSING"
	}, []string{"blocker", "info"}},
	{"ct.landing-zone", "bad version", func(s *inventory.Snapshot, _ *settings.Settings) {
		s.ControlTower.LandingZone = activeLZ()
		s.ControlTower.LandingZone.Version = "three"
	}, []string{"warning"}},

	{"ct.reserved-ou-names", "free", noEdit, nil},
	{"ct.reserved-ou-names", "Security taken", func(s *inventory.Snapshot, _ *settings.Settings) {
		s.OUs = append(s.OUs, inventory.OU{ID: "ou-ab12-security", Name: "security", ParentID: fxRoot})
	}, []string{"warning"}},
	{"ct.reserved-ou-names", "Sandbox taken", func(s *inventory.Snapshot, _ *settings.Settings) {
		s.OUs = append(s.OUs, inventory.OU{ID: "ou-ab12-sandbox1", Name: "Sandbox", ParentID: fxRoot})
	}, []string{"info"}},

	{"config.recorders", "none", withoutALZConfig, nil},
	{"config.recorders", "ALZ only", noEdit, []string{"blocker/fixed"}},
	{"config.recorders", "customer recorder", func(s *inventory.Snapshot, st *settings.Settings) {
		withoutALZConfig(s, st)
		account(s, fxProd1).Regions[0].ConfigRecorders = []inventory.ConfigRecorder{{Name: "default", Recording: true}}
	}, []string{"blocker"}},
	{"config.recorders", "only in a region not governed", func(s *inventory.Snapshot, st *settings.Settings) {
		withoutALZConfig(s, st)
		a := account(s, fxProd1)
		a.Regions = append(a.Regions, inventory.AccountRegion{Region: "ap-south-1", ConfigRecorders: []inventory.ConfigRecorder{{Name: "default"}}})
	}, nil},
	{"config.recorders", "service-linked only", func(s *inventory.Snapshot, st *settings.Settings) {
		withoutALZConfig(s, st)
		account(s, fxProd1).Regions[0].ConfigRecorders = []inventory.ConfigRecorder{{Name: "AWSConfigurationRecorderForX", ServiceLinked: true}}
	}, nil},
	{"config.recorders", "excluded account", func(s *inventory.Snapshot, st *settings.Settings) {
		withoutALZConfig(s, st)
		account(s, fxProd1).Regions[0].ConfigRecorders = []inventory.ConfigRecorder{{Name: "default"}}
		st.Exclude.Accounts = []string{fxProd1}
	}, nil},

	{"config.aggregators", "none", noEdit, nil},
	{"config.aggregators", "one", func(s *inventory.Snapshot, _ *settings.Settings) {
		account(s, fxSecurity).Regions[0].ConfigAggregators = []string{"org-aggregator"}
	}, []string{"warning"}},

	{"config.service-linked-recorders", "none", noEdit, nil},
	{"config.service-linked-recorders", "one", func(s *inventory.Snapshot, _ *settings.Settings) {
		r := &account(s, fxDev1).Regions[1]
		r.ConfigRecorders = append(r.ConfigRecorders, inventory.ConfigRecorder{Name: "AWSConfigurationRecorderForSecurityHub", ServiceLinked: true})
	}, []string{"info"}},

	{"scp.count", "room", noEdit, nil},
	{"scp.count", "five customer SCPs", func(s *inventory.Snapshot, _ *settings.Settings) {
		for _, id := range []string{"p-custom0001", "p-custom0002", "p-custom0003", "p-custom0004"} {
			addPolicy(s, id, id, fullAccessDoc, fxDev)
		}
	}, []string{"blocker"}},
	{"scp.count", "five customer SCPs on ALZ's core OU (never registered)", func(s *inventory.Snapshot, _ *settings.Settings) {
		for _, id := range []string{"p-custom0001", "p-custom0002", "p-custom0003", "p-custom0004", "p-custom0005"} {
			addPolicy(s, id, id, fullAccessDoc, fxCore)
		}
	}, nil},
	{"scp.count", "five incl. ALZ's", func(s *inventory.Snapshot, _ *settings.Settings) {
		for _, id := range []string{"p-custom0001", "p-custom0002", "p-custom0003"} {
			addPolicy(s, id, id, fullAccessDoc, fxWorkloads)
		}
	}, []string{"blocker/fixed"}},

	{"scp.size", "small", noEdit, nil},
	{"scp.size", "too big", func(s *inventory.Snapshot, _ *settings.Settings) {
		addPolicy(s, "p-bigpolicy1", "big", `{"Statement":{"Effect":"Deny","Action":"ec2:RunInstances","Resource":"*"}}`+strings.Repeat(" ", 5100), fxDev)
	}, []string{"warning"}}, // a customer SCP: nothing in the plan edits it
	{"scp.size", "ALZ's too big", func(s *inventory.Snapshot, _ *settings.Settings) {
		policy(s, fxGuard).Document += strings.Repeat(" ", 5120)
	}, []string{"blocker/fixed"}},

	{"scp.parse", "all parse", noEdit, nil},
	{"scp.parse", "broken", func(s *inventory.Snapshot, _ *settings.Settings) {
		addPolicy(s, "p-broken0001", "broken", `{"Statement":[{"Effect":"Maybe","Action":"*"}]}`, fxDev)
	}, []string{"warning"}},

	{"scp.deny-ct-roles", "guardrails detached", withoutGuardrails, nil},
	{"scp.deny-ct-roles", "ALZ guardrails", noEdit, []string{"blocker/fixed"}},
	{"scp.deny-ct-roles", "protect-cloudtrail-config on root blocks removal", func(s *inventory.Snapshot, st *settings.Settings) {
		withoutGuardrails(s, st)
		addPolicy(s, "p-protect0001", "protect-cloudtrail-config", protectDoc, fxRoot)
	}, []string{"blocker/fixed"}},
	{"scp.deny-ct-roles", "customer SCP denying config:*", func(s *inventory.Snapshot, st *settings.Settings) {
		withoutGuardrails(s, st)
		addPolicy(s, "p-custom0001", "no-config", `{"Statement":{"Effect":"Deny","Action":"config:*","Resource":"*"}}`, fxProd)
	}, []string{"blocker", "blocker"}}, // CT's role and the StackSet removal
	{"scp.deny-ct-roles", "customer SCP exempting CT and StackSet roles", func(s *inventory.Snapshot, st *settings.Settings) {
		withoutGuardrails(s, st)
		addPolicy(s, "p-custom0001", "no-config", `{"Statement":{"Effect":"Deny","Action":"config:*","Resource":"*",
			"Condition":{"ArnNotLike":{"aws:PrincipalArn":["arn:aws:iam::*:role/AWSControlTowerExecution","arn:aws:iam::*:role/AWSCloudFormationStackSetExecutionRole"]}}}}`, fxProd)
	}, nil},
	{"scp.deny-ct-roles", "condition on an unknown key", func(s *inventory.Snapshot, st *settings.Settings) {
		withoutGuardrails(s, st)
		addPolicy(s, "p-custom0001", "mfa", `{"Statement":{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}}}`, fxDev)
	}, []string{"warning", "warning"}},
	{"scp.deny-ct-roles", "allow-list without config", func(s *inventory.Snapshot, st *settings.Settings) {
		withoutGuardrails(s, st)
		full := policy(s, fxFull)
		var keep []string
		for _, t := range full.Targets {
			if t != fxProd {
				keep = append(keep, t)
			}
		}
		full.Targets = keep
		addPolicy(s, "p-allowlist01", "allow-ec2", `{"Statement":{"Effect":"Allow","Action":["ec2:*","s3:*"],"Resource":"*"}}`, fxProd)
	}, []string{"blocker", "blocker"}},
	{"scp.deny-ct-roles", "management account is never restricted", func(s *inventory.Snapshot, st *settings.Settings) {
		withoutGuardrails(s, st)
		addPolicy(s, "p-custom0001", "deny-all", `{"Statement":{"Effect":"Deny","Action":"*","Resource":"*"}}`, fxMgmt)
	}, nil},

	{"scp.moved-accounts", "nothing to carry", noEdit, nil},
	{"scp.moved-accounts", "Shared Services leaves a customer SCP of the core OU", func(s *inventory.Snapshot, _ *settings.Settings) {
		addPolicy(s, "p-coreguard1", "core-guard", denyEC2Doc, fxCore)
	}, []string{"info/fixed"}},
	{"scp.moved-accounts", "deep account with more SCPs than it can carry", func(s *inventory.Snapshot, _ *settings.Settings) {
		deep := deepUnderDev(s)
		a := member(fmtID(600000000009), "deep1", deep)
		s.Accounts = append(s.Accounts, a)
		for _, id := range []string{"p-deepguard1", "p-deepguard2", "p-deepguard3", "p-deepguard4"} {
			addPolicy(s, id, id, denyEC2Doc, deep)
		}
		addPolicy(s, "p-ownguard01", "own-guard", denyEC2Doc, a.ID)
		policy(s, fxFull).Targets = append(policy(s, fxFull).Targets, a.ID)
	}, []string{"blocker"}},

	{"shared.existing-accounts", "new accounts", noEdit, nil},
	{"shared.existing-accounts", "existing, both active", existing, nil},
	{"shared.existing-accounts", "existing, Security suspended", func(s *inventory.Snapshot, st *settings.Settings) {
		existing(s, st)
		account(s, fxSecurity).Status = inventory.AccountSuspended
	}, []string{"blocker"}},
	{"shared.existing-accounts", "existing, no Log Archive account known", func(s *inventory.Snapshot, st *settings.Settings) {
		existing(s, st)
		s.ALZ.LogArchiveAccountID = ""
	}, []string{"blocker"}},

	{"shared.existing-config", "new accounts", noEdit, nil},
	{"shared.existing-config", "existing, no Config", func(s *inventory.Snapshot, st *settings.Settings) {
		existing(s, st)
		withoutALZConfig(s, st)
	}, nil},
	{"shared.existing-config", "existing, ALZ's Config only", existing, []string{"blocker/fixed", "blocker/fixed"}},
	{"shared.existing-config", "existing, a customer aggregator", func(s *inventory.Snapshot, st *settings.Settings) {
		existing(s, st)
		account(s, fxSecurity).Regions[0].ConfigAggregators = []string{"org-aggregator"}
	}, []string{"blocker", "blocker/fixed", "blocker/fixed"}},

	{"shared.existing-names", "existing, nothing named as Control Tower's", existing, nil},
	{"shared.existing-names", "new accounts, SNS topic in ALZ's Security account", func(s *inventory.Snapshot, _ *settings.Settings) {
		account(s, fxSecurity).Regions[0].ReservedNames = []inventory.NamedResource{{Type: inventory.ResourceSNSTopic, Name: "aws-controltower-SecurityNotifications"}}
	}, nil},
	{"shared.existing-names", "existing, SNS topic in ALZ's Security account", func(s *inventory.Snapshot, st *settings.Settings) {
		existing(s, st)
		account(s, fxSecurity).Regions[0].ReservedNames = []inventory.NamedResource{{Type: inventory.ResourceSNSTopic, Name: "aws-controltower-SecurityNotifications"}}
	}, []string{"blocker"}},
	{"shared.existing-names", "existing, Control Tower's logging bucket name taken", func(s *inventory.Snapshot, st *settings.Settings) {
		existing(s, st)
		s.ALZ.Buckets = append(s.ALZ.Buckets, inventory.Bucket{Name: "aws-controltower-logs-" + fxLogs + "-eu-west-1", AccountID: fxLogs, Region: "eu-west-1"})
	}, []string{"blocker"}},

	{"shared.existing-sts", "existing, STS active", existing, nil},
	{"shared.existing-sts", "existing, STS off in a governed region", func(s *inventory.Snapshot, st *settings.Settings) {
		existing(s, st)
		account(s, fxLogs).Regions[1].STSDisabled = true
	}, []string{"blocker"}},

	{"shared.existing-access", "new accounts", noEdit, nil},
	{"shared.existing-access", "existing, roles present", func(s *inventory.Snapshot, st *settings.Settings) {
		existing(s, st)
		account(s, fxSecurity).IAM.ControlTowerExecutionRole = true
		account(s, fxLogs).IAM.ControlTowerExecutionRole = true
	}, nil},
	{"shared.existing-access", "existing, roles missing", existing, []string{"info/fixed", "info/fixed"}},
	{"shared.existing-access", "existing, Security unreadable", func(s *inventory.Snapshot, st *settings.Settings) {
		existing(s, st)
		a := account(s, fxSecurity)
		a.AccessRole, a.IAM = "", nil
	}, []string{"blocker", "info/fixed"}},
	{"shared.existing-access", "existing, SCP on the core OU denies creating buckets", func(s *inventory.Snapshot, st *settings.Settings) {
		existing(s, st)
		addPolicy(s, "p-nobucket01", "no-buckets", `{"Statement":{"Effect":"Deny","Action":"s3:CreateBucket","Resource":"*"}}`, fxCore)
	}, []string{"blocker", "info/fixed", "info/fixed"}},

	{"email.shared-accounts", "existing, their own e-mails", existing, nil},
	{"email.shared-accounts", "existing, another e-mail", func(s *inventory.Snapshot, st *settings.Settings) {
		existing(s, st)
		st.AuditEmail = "someone-else@example.com"
	}, []string{"blocker"}},
	{"org.account-quota", "full, but no new account (existing)", func(s *inventory.Snapshot, st *settings.Settings) {
		existing(s, st)
		s.Organization.AccountQuota = 7
	}, nil},

	{"ou.depth", "shallow", noEdit, nil},
	{"ou.depth", "six levels", func(s *inventory.Snapshot, _ *settings.Settings) {
		parent := fxDev
		for _, id := range []string{"ou-ab12-level003", "ou-ab12-level004", "ou-ab12-level005", "ou-ab12-level006"} {
			s.OUs = append(s.OUs, inventory.OU{ID: id, Name: id[9:], ParentID: parent})
			parent = id
		}
	}, []string{"blocker/fixed"}},

	{"ou.account-limit", "small", noEdit, nil},
	{"ou.account-limit", "limit 2", func(s *inventory.Snapshot, st *settings.Settings) {
		st.OUAccountLimit = 2
		s.Accounts = append(s.Accounts, member(fmtID(600000000001), "dev2", fxDev), member(fmtID(600000000002), "dev3", fxDev))
	}, []string{"blocker/fixed"}},
	// ALZ's core OU holds three accounts but is never registered.
	{"ou.account-limit", "limit 2, only the core OU over it", func(_ *inventory.Snapshot, st *settings.Settings) { st.OUAccountLimit = 2 }, nil},
	{"ou.account-limit", "too many regions", func(s *inventory.Snapshot, st *settings.Settings) {
		for i := 0; i < 7500; i++ {
			a := member(fmtID(700000000000+i), "bulk", fxDev)
			a.Regions = nil
			s.Accounts = append(s.Accounts, a)
		}
		s.Organization.AccountQuota = 0
		st.OUAccountLimit = 10000
		st.GovernedRegions = []string{"eu-west-1", "us-east-1", "eu-central-1", "us-west-2", "ap-south-1", "eu-north-1",
			"ca-central-1", "sa-east-1", "ap-northeast-1", "ap-southeast-1", "ap-southeast-2", "us-east-2", "us-west-1", "eu-west-2", "eu-west-3", "ap-northeast-2", "eu-south-1", "me-south-1", "af-south-1", "ap-east-1", "ap-northeast-3"}
	}, []string{"blocker", "blocker/fixed", "warning"}},
	// ouAccountLimit above what 21 governed regions allow: clamped, and said.
	{"ou.account-limit", "limit above the regions", func(s *inventory.Snapshot, st *settings.Settings) {
		st.OUAccountLimit = 1000
		st.GovernedRegions = []string{"eu-west-1", "us-east-1", "eu-central-1", "us-west-2", "ap-south-1", "eu-north-1",
			"ca-central-1", "sa-east-1", "ap-northeast-1", "ap-southeast-1", "ap-southeast-2", "us-east-2", "us-west-1", "eu-west-2", "eu-west-3", "ap-northeast-2", "eu-south-1", "me-south-1", "af-south-1", "ap-east-1", "ap-northeast-3"}
	}, []string{"warning"}},
	// Over the limit with moves forbidden: not registered, its accounts left out.
	{"ou.account-limit", "limit 2, moves forbidden", func(s *inventory.Snapshot, st *settings.Settings) {
		st.OUAccountLimit = 2
		st.NoMoveOUs = []string{"Workloads/Dev"}
		s.Accounts = append(s.Accounts, member(fmtID(600000000001), "dev2", fxDev), member(fmtID(600000000002), "dev3", fxDev))
	}, []string{"warning"}},

	{"ou.under-security", "no landing zone", noEdit, nil},
	{"ou.under-security", "OU under CT's Security OU", func(s *inventory.Snapshot, _ *settings.Settings) {
		s.ControlTower.LandingZone = activeLZ()
		s.OUs = append(s.OUs, inventory.OU{ID: "ou-ab12-security", Name: "Security", ParentID: fxRoot},
			inventory.OU{ID: "ou-ab12-secchild", Name: "Tools", ParentID: "ou-ab12-security"})
	}, []string{"warning"}},

	{"account.suspended", "all active", noEdit, nil},
	{"account.suspended", "suspended", func(s *inventory.Snapshot, _ *settings.Settings) {
		account(s, fxDev1).Status = inventory.AccountSuspended
	}, []string{"blocker"}},
	{"account.suspended", "suspended but excluded", func(s *inventory.Snapshot, st *settings.Settings) {
		account(s, fxDev1).Status = inventory.AccountSuspended
		st.Exclude.OUs = []string{"Workloads/Dev"}
	}, nil},
	{"account.suspended", "suspended at the root (left out)", func(s *inventory.Snapshot, _ *settings.Settings) {
		account(s, fxDev1).Status = inventory.AccountSuspended
		account(s, fxDev1).ParentID = fxRoot
	}, nil},

	{"ou.excluded-accounts", "nothing excluded", noEdit, nil},
	{"ou.excluded-accounts", "excluded account in a registered OU", func(_ *inventory.Snapshot, st *settings.Settings) {
		st.Exclude.Accounts = []string{fxDev1}
	}, []string{"blocker"}},
	{"ou.excluded-accounts", "excluded with its OU", func(_ *inventory.Snapshot, st *settings.Settings) {
		st.Exclude.Accounts = []string{fxDev1}
		st.Exclude.OUs = []string{fxDev}
	}, nil},
	{"ou.excluded-accounts", "Shared Services kept, in a registered OU", func(s *inventory.Snapshot, st *settings.Settings) {
		account(s, fxShared).ParentID = fxProd
		f := false
		st.EnrollSharedServices = &f
	}, []string{"blocker"}},

	{"account.left-out", "every account has a route", noEdit, nil},
	{"account.left-out", "an extra account in the core OU", func(s *inventory.Snapshot, _ *settings.Settings) { account(s, fxDev1).ParentID = fxCore }, []string{"warning"}},
	{"account.left-out", "Shared Services without a target OU", func(_ *inventory.Snapshot, st *settings.Settings) { st.SharedServicesOU = "" }, []string{"warning"}},

	{"account.under-root", "all in OUs", noEdit, nil},
	{"account.under-root", "member at the root", func(s *inventory.Snapshot, _ *settings.Settings) { account(s, fxDev1).ParentID = fxRoot }, []string{"warning"}},
	{"account.under-root", "member at the root, excluded", func(s *inventory.Snapshot, st *settings.Settings) {
		account(s, fxDev1).ParentID = fxRoot
		st.Exclude.Accounts = []string{fxDev1}
	}, nil},

	{"account.execution-role", "roles present", func(s *inventory.Snapshot, _ *settings.Settings) {
		for i := range s.Accounts {
			if s.Accounts[i].IAM != nil {
				s.Accounts[i].IAM.ControlTowerExecutionRole = true
			}
		}
	}, nil},
	{"account.execution-role", "missing, plan creates", noEdit, []string{"info/fixed"}},
	{"account.execution-role", "missing, SCP denies iam:CreateRole", func(s *inventory.Snapshot, _ *settings.Settings) {
		addPolicy(s, "p-noiam00001", "no-iam", `{"Statement":{"Effect":"Deny","Action":"iam:Create*","Resource":"arn:aws:iam::*:role/*"}}`, fxProd)
	}, []string{"blocker", "info/fixed"}},

	{"account.access", "all readable", noEdit, nil},
	{"account.access", "no role and a problem", func(s *inventory.Snapshot, _ *settings.Settings) {
		a := account(s, fxDev1)
		a.AccessRole, a.IAM, a.Regions = "", nil, nil
		s.Problems = append(s.Problems, inventory.Problem{AccountID: fxProd1, Region: "us-east-1", Service: "config", Operation: "DescribeConfigurationRecorders", Code: "AccessDenied"})
	}, []string{"warning", "warning"}},

	{"account.access", "problem only in a region not governed", func(s *inventory.Snapshot, _ *settings.Settings) {
		s.Problems = append(s.Problems, inventory.Problem{AccountID: fxProd1, Region: "ap-south-1", Service: "config", Operation: "DescribeConfigurationRecorders", Code: "AccessDenied"})
	}, nil},

	{"account.reserved-names", "none", noEdit, nil},
	{"account.reserved-names", "SNS topic", func(s *inventory.Snapshot, _ *settings.Settings) {
		account(s, fxProd1).Regions[1].ReservedNames = []inventory.NamedResource{{Type: "AWS::SNS::Topic", Name: "aws-controltower-SecurityNotifications"}}
	}, []string{"blocker"}},
	{"account.reserved-names", "IAM role (global, on the account)", func(s *inventory.Snapshot, _ *settings.Settings) {
		account(s, fxProd1).ReservedNames = []inventory.NamedResource{{Type: "AWS::IAM::Role", Name: "aws-controltower-ReadOnlyExecutionRole"}}
	}, []string{"blocker"}},

	// ALZ's Security and Log Archive accounts are replaced by Control Tower's, never enrolled:
	// nothing in them blocks enrollment.
	{"account.reserved-names", "in ALZ's Security and Log Archive accounts", func(s *inventory.Snapshot, _ *settings.Settings) {
		for _, id := range []string{fxSecurity, fxLogs} {
			account(s, id).Regions[1].ReservedNames = []inventory.NamedResource{{Type: "AWS::SNS::Topic", Name: "aws-controltower-SecurityNotifications"}}
		}
	}, nil},

	{"account.sts-disabled", "active", noEdit, nil},
	{"account.sts-disabled", "disabled in a governed region", func(s *inventory.Snapshot, _ *settings.Settings) { account(s, fxProd1).Regions[1].STSDisabled = true }, []string{"blocker"}},

	{"alz.version", "2.4.1", noEdit, []string{"info"}},
	{"alz.version", "unknown", func(s *inventory.Snapshot, _ *settings.Settings) { s.ALZ.Version = "" }, []string{"warning"}},

	{"alz.under-change", "available", noEdit, nil},
	{"alz.under-change", "under change", func(s *inventory.Snapshot, _ *settings.Settings) {
		s.ALZ.ProvisionedProducts = append(s.ALZ.ProvisionedProducts, inventory.ProvisionedProduct{ID: "pp-2", Name: "lz_prod_x", Status: "UNDER_CHANGE"},
			inventory.ProvisionedProduct{ID: "pp-3", Name: "lz_dev_y", Status: "TAINTED"})
	}, []string{"blocker", "warning"}},

	{"alz.pipeline", "transition disabled", noEdit, nil},
	{"alz.pipeline", "transition enabled", func(s *inventory.Snapshot, _ *settings.Settings) { s.ALZ.Pipeline.DisabledTransitions = nil }, []string{"warning/fixed"}},
}

// existing brings ALZ's Log Archive and Security accounts into Control Tower (their e-mails come
// from the accounts).
func existing(_ *inventory.Snapshot, st *settings.Settings) {
	st.SharedAccounts = settings.SharedAccountsExisting
	st.LogArchiveEmail, st.AuditEmail = "", ""
}

const denyEC2Doc = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"ec2:*","Resource":"*"}]}`

// deepUnderDev adds OUs under Workloads/Dev down to six levels and returns the deepest.
func deepUnderDev(s *inventory.Snapshot) string {
	parent := fxDev
	for _, id := range []string{"ou-ab12-level003", "ou-ab12-level004", "ou-ab12-level005", "ou-ab12-level006"} {
		s.OUs = append(s.OUs, inventory.OU{ID: id, Name: id[9:], ParentID: parent})
		policy(s, fxFull).Targets = append(policy(s, fxFull).Targets, id)
		parent = id
	}
	return parent
}

func activeLZ() *inventory.LandingZone {
	return &inventory.LandingZone{
		Arn: "arn:aws:controltower:eu-west-1:111111111111:landingzone/X", Version: "3.3", LatestAvailableVersion: "3.3",
		Status: "ACTIVE", DriftStatus: "IN_SYNC", HomeRegion: "eu-west-1", GovernedRegions: []string{"eu-west-1"},
		SecurityOUName: "Security",
	}
}

func fmtID(n int) string {
	s := strings.Repeat("0", 12) + strconv.Itoa(n)
	return s[len(s)-12:]
}

func TestChecks(t *testing.T) {
	for _, tc := range checkCases {
		t.Run(tc.check+"/"+tc.name, func(t *testing.T) {
			c, ok := Lookup(tc.check)
			if !ok {
				t.Fatalf("no check %s in the catalogue", tc.check)
			}
			snap, st := typicalOrg(), typicalSettings()
			tc.edit(snap, &st)
			if tc.check != "org.management-account" { // that case is deliberately invalid
				if err := inventory.Validate(snap); err != nil {
					t.Fatalf("edited fixture is not a valid snapshot: %v", err)
				}
			}
			fs := RunCheck(c, Input{Snapshot: snap, Settings: st.Resolve(snap)})
			var got []string
			for _, f := range fs {
				got = append(got, sig(f))
				if f.Check != tc.check || f.Title == "" || f.Remediation == "" || f.Source == "" || len(f.Subjects) == 0 || len(f.Evidence) == 0 {
					t.Errorf("incomplete finding: %+v", f)
				}
			}
			sort.Strings(got)
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("findings = %v, want %v", got, tc.want)
				for _, f := range fs {
					t.Logf("  %s %s %v", f.Severity, f.Title, f.Evidence)
				}
			}
		})
	}
}

// TestEveryCheckHasFiringAndSilentCases: each catalogue entry needs a case where it reports a
// problem and one where it must stay quiet (or only report info).
func TestEveryCheckHasFiringAndSilentCases(t *testing.T) {
	fires, silent := map[string]bool{}, map[string]bool{}
	for _, tc := range checkCases {
		quiet := true
		for _, w := range tc.want {
			if !strings.HasPrefix(w, "info") {
				quiet = false
			}
		}
		if len(tc.want) == 0 || quiet {
			silent[tc.check] = true
		}
		if len(tc.want) > 0 {
			fires[tc.check] = true
		}
	}
	for _, c := range Catalogue() {
		if !fires[c.ID] {
			t.Errorf("%s: no test case where it fires", c.ID)
		}
		if !silent[c.ID] {
			t.Errorf("%s: no test case where it stays silent", c.ID)
		}
	}
}
