package checks

import (
	"testing"
	"time"

	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/settings"
)

// IDs of the fixture organization.
const (
	fxOrg       = "o-abcdefghij"
	fxRoot      = "r-ab12"
	fxCore      = "ou-ab12-core0001"
	fxWorkloads = "ou-ab12-workload"
	fxProd      = "ou-ab12-prod0001"
	fxDev       = "ou-ab12-dev00001"
	fxMgmt      = "111111111111"
	fxSecurity  = "222222222222"
	fxLogs      = "333333333333"
	fxShared    = "444444444444"
	fxProd1     = "555555555555"
	fxDev1      = "666666666666"
	fxFull      = "p-FullAWSAccess"
	fxGuard     = "p-guardrails01"
)

// guardrailsDoc is modelled on ALZ v2.3+'s mandatory preventive guardrails: Config changes are
// denied to everyone but the StackSet execution role.
const guardrailsDoc = `{"Version":"2012-10-17","Statement":[{"Sid":"GRCONFIGRULES","Effect":"Deny",
"Action":["config:DeleteConfigRule","config:DeleteConfigurationRecorder","config:DeleteDeliveryChannel",
"config:PutConfigurationRecorder","config:PutDeliveryChannel","config:StopConfigurationRecorder"],"Resource":"*",
"Condition":{"ArnNotLike":{"aws:PrincipalARN":"arn:aws:iam::*:role/AWSCloudFormationStackSetExecutionRole"}}}]}`

const fullAccessDoc = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`

const protectDoc = `{"Version":"2012-10-17","Statement":[{"Sid":"ProtectConfig","Effect":"Deny",
"Action":["config:Delete*","config:Stop*","cloudtrail:DeleteTrail","cloudtrail:StopLogging"],"Resource":"*"}]}`

func alzRegion(r string) inventory.AccountRegion {
	return inventory.AccountRegion{
		Region:           r,
		ConfigRecorders:  []inventory.ConfigRecorder{{Name: alzRecorderName, RoleARN: "arn:aws:iam::1:role/x", Recording: true}},
		DeliveryChannels: []inventory.DeliveryChannel{{Name: alzChannelName, S3BucketName: "aws-landing-zone-logs"}},
	}
}

func member(id, name, parent string) inventory.Account {
	return inventory.Account{
		ID: id, Arn: "arn:aws:organizations::111111111111:account/" + fxOrg + "/" + id, Name: name,
		Email: name + "@example.com", Status: inventory.AccountActive, JoinedMethod: "CREATED",
		JoinedAt: time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC), ParentID: parent,
		AccessRole: RoleStackSetExecution,
		IAM:        &inventory.AccountIAM{StackSetExecutionRole: true, OrganizationAccountAccessRole: true},
		Regions:    []inventory.AccountRegion{alzRegion("eu-west-1"), alzRegion("us-east-1")},
	}
}

// typicalOrg is a small, healthy ALZ 2.4 organization: everything the migration needs to change
// is ALZ's own (recorders, the guardrail SCP, the pipeline), so no unfixed blocker is expected.
func typicalOrg() *inventory.Snapshot {
	mgmt := member(fxMgmt, "management", fxRoot)
	mgmt.AccessRole, mgmt.Regions = "caller", nil
	accounts := []inventory.Account{
		mgmt,
		member(fxSecurity, "security", fxCore),
		member(fxLogs, "log-archive", fxCore),
		member(fxShared, "shared-services", fxCore),
		member(fxProd1, "prod1", fxProd),
		member(fxDev1, "dev1", fxDev),
	}
	var all []string
	all = append(all, fxRoot, fxCore, fxWorkloads, fxProd, fxDev)
	for _, a := range accounts {
		all = append(all, a.ID)
	}
	var instances []inventory.StackInstance
	for _, a := range accounts[1:] {
		for _, r := range []string{"eu-west-1", "us-east-1"} {
			instances = append(instances, inventory.StackInstance{AccountID: a.ID, Region: r, Status: "CURRENT"})
		}
	}
	return &inventory.Snapshot{
		SchemaVersion: inventory.SchemaVersion,
		Source:        "hand-written",
		Partition:     "aws",
		Regions:       []string{"eu-west-1", "us-east-1"},
		Organization: inventory.Organization{
			ID: fxOrg, FeatureSet: "ALL", ManagementAccountID: fxMgmt,
			ManagementAccountEmail: "management@example.com", AccountQuota: 10,
		},
		Roots: []inventory.Root{{ID: fxRoot, Name: "Root", PolicyTypes: []string{"SERVICE_CONTROL_POLICY"}}},
		OUs: []inventory.OU{
			{ID: fxCore, Name: "core", ParentID: fxRoot},
			{ID: fxWorkloads, Name: "Workloads", ParentID: fxRoot},
			{ID: fxProd, Name: "Prod", ParentID: fxWorkloads},
			{ID: fxDev, Name: "Dev", ParentID: fxWorkloads},
		},
		Accounts: accounts,
		Policies: []inventory.Policy{
			{ID: fxFull, Name: "FullAWSAccess", AWSManaged: true, Document: fullAccessDoc, Targets: all},
			{ID: fxGuard, Name: "aws-landing-zone-non-core-mandatory-preventive-guardrails", Document: guardrailsDoc, Targets: []string{fxWorkloads}},
		},
		TrustedServices: []string{"servicecatalog.amazonaws.com", "member.org.stacksets.cloudformation.amazonaws.com"},
		IdentityCenter:  &inventory.IdentityCenter{InstanceArn: "arn:aws:sso:::instance/ssoins-1", Region: "eu-west-1"},
		ALZ: &inventory.ALZ{
			Version: "2.4.1", HomeRegion: "eu-west-1", ManifestRegions: []string{"eu-west-1", "us-east-1"},
			CoreOUID: fxCore, SecurityAccountID: fxSecurity, LogArchiveAccountID: fxLogs, SharedServicesAccountID: fxShared,
			StackSets: []inventory.StackSet{{Name: alzEnableConfigSet, Status: "ACTIVE", Instances: instances}},
			ProvisionedProducts: []inventory.ProvisionedProduct{
				{ID: "pp-1", Name: "lz_core_security", Status: "AVAILABLE"},
			},
			Pipeline: &inventory.Pipeline{Name: "AWS-Landing-Zone-CodePipeline", Region: "eu-west-1",
				Stages: []string{"Source", "Build"}, DisabledTransitions: []string{"Build"}},
		},
	}
}

func typicalSettings() settings.Settings {
	return settings.Settings{LogArchiveEmail: "ct-logs@example.com", AuditEmail: "ct-audit@example.com", SharedServicesOU: "Workloads/Prod"}
}

// run validates the snapshot (fixtures must stay valid snapshots), resolves the settings and runs
// the whole catalogue.
func run(t testing.TB, snap *inventory.Snapshot, s settings.Settings) Report {
	t.Helper()
	if err := inventory.Validate(snap); err != nil {
		t.Fatalf("fixture is not a valid snapshot: %v", err)
	}
	return Run(Input{Snapshot: snap, Settings: s.Resolve(snap)})
}

func account(s *inventory.Snapshot, id string) *inventory.Account {
	for i := range s.Accounts {
		if s.Accounts[i].ID == id {
			return &s.Accounts[i]
		}
	}
	panic("no account " + id)
}

func policy(s *inventory.Snapshot, id string) *inventory.Policy {
	for i := range s.Policies {
		if s.Policies[i].ID == id {
			return &s.Policies[i]
		}
	}
	panic("no policy " + id)
}
