package sim

import (
	"fmt"
	"time"

	"github.com/lz2ct/lz2ct/inventory"
)

// Fixture IDs the tests refer to.
const (
	mgmtID      = "111111111111"
	securityID  = "222222222222"
	logID       = "333333333333"
	sharedID    = "444444444444"
	suspendedID = "555555555555"
	noAccessID  = "666666666666" // no role works: AssumeRole fails and a problem says so
	rootID      = "r-ab12"
	coreOU      = "ou-ab12-core0001"
	workOU      = "ou-ab12-work0001"
	prodOU      = "ou-ab12-prod0001" // nested under workOU
	orgID       = "o-abcdef1234"
)

// fixture builds a valid organization with n extra member accounts spread over the Workloads and
// Prod OUs, every kind of resource docs/discovery.md serves, and problems to replay.
func fixture(n int, regions []string) *inventory.Snapshot {
	joined := time.Date(2019, 3, 4, 5, 6, 7, 0, time.UTC)
	s := &inventory.Snapshot{
		SchemaVersion: inventory.SchemaVersion,
		CapturedAt:    time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
		Source:        "hand-written",
		Partition:     "aws",
		Regions:       regions,
		Organization: inventory.Organization{
			ID: orgID, Arn: "arn:aws:organizations::" + mgmtID + ":organization/" + orgID, FeatureSet: "ALL",
			ManagementAccountID: mgmtID, ManagementAccountEmail: "root@example.com", AccountQuota: 10,
		},
		Roots: []inventory.Root{{ID: rootID, Arn: "arn:aws:organizations::" + mgmtID + ":root/" + orgID + "/" + rootID, Name: "Root", PolicyTypes: []string{"SERVICE_CONTROL_POLICY"}}},
		OUs: []inventory.OU{
			{ID: coreOU, Arn: ouArn(coreOU), Name: "core", ParentID: rootID},
			{ID: workOU, Arn: ouArn(workOU), Name: "Workloads", ParentID: rootID},
			{ID: prodOU, Arn: ouArn(prodOU), Name: "Prod", ParentID: workOU},
		},
		TrustedServices: []string{"config.amazonaws.com", "member.org.stacksets.cloudformation.amazonaws.com", "sso.amazonaws.com"},
		DelegatedAdmins: []inventory.DelegatedAdministrator{
			{AccountID: securityID, ServicePrincipal: "config.amazonaws.com"},
			{AccountID: securityID, ServicePrincipal: "guardduty.amazonaws.com"},
		},
		IdentityCenter: &inventory.IdentityCenter{InstanceArn: "arn:aws:sso:::instance/ssoins-1234567890abcdef", IdentityStoreID: "d-1234567890", Region: regions[0]},
	}
	full := true
	acct := func(id, name, parent, status, role string, iam *inventory.AccountIAM) inventory.Account {
		a := inventory.Account{ID: id, Arn: "arn:aws:organizations::" + mgmtID + ":account/" + orgID + "/" + id, Name: name,
			Email: "aws+" + id + "@example.com", Status: status, JoinedMethod: "CREATED", JoinedAt: joined, ParentID: parent,
			AccessRole: role, IAM: iam}
		if iam != nil {
			for i, r := range regions {
				ar := inventory.AccountRegion{Region: r}
				ar.ConfigRecorders = []inventory.ConfigRecorder{{Name: "default", RoleARN: "arn:aws:iam::" + id + ":role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig", Recording: i%2 == 0}}
				if i == 0 {
					ar.ConfigRecorders = append(ar.ConfigRecorders, inventory.ConfigRecorder{Name: "AWSConfigurationRecorderForSecurityHub", RoleARN: "arn:aws:iam::" + id + ":role/aws-service-role/securityhub.amazonaws.com/AWSServiceRoleForSecurityHub", Recording: true, ServiceLinked: true})
					ar.ReservedNames = []inventory.NamedResource{
						{Type: inventory.ResourceTrail, Name: "aws-controltower-BaselineCloudTrail"},
						{Type: inventory.ResourceLogGroup, Name: "/aws/lambda/aws-controltower-NotificationForwarder"},
						{Type: inventory.ResourceLogGroup, Name: "aws-controltower/CloudTrailLogs"},
						{Type: inventory.ResourceSNSTopic, Name: "aws-controltower-AllConfigNotifications"},
						{Type: inventory.ResourceSNSTopic, Name: "aws-controltower-SecurityNotifications"},
					}
					h := hexOf(id)
					ar.VPCs = []inventory.VPC{
						{ID: "vpc-" + h[:17], CIDRBlock: "10.1.0.0/16", Name: "PrimaryVPC", Stack: "StackSet-AWS-Landing-Zone-Baseline-PrimaryVPC-1234", NetworkInterfaces: []inventory.NetworkInterface{
							{ID: "eni-" + h[17:34], Type: "interface", Status: "in-use", Description: "Primary network interface"},
							{ID: "eni-" + h[34:51], Type: "natGateway", Status: "in-use", Description: "Interface for NAT Gateway nat-0123"},
						}},
						{ID: "vpc-" + h[51:59], CIDRBlock: "172.31.0.0/16", IsDefault: true},
					}
				}
				ar.DeliveryChannels = []inventory.DeliveryChannel{{Name: "default", S3BucketName: "aws-landing-zone-configs-" + id, SNSTopicARN: "arn:aws:sns:" + r + ":" + id + ":config-topic"}}
				if id == securityID {
					ar.ConfigAggregators = []string{"aws-controltower-GuardrailsComplianceAggregator", "org-aggregator"}
				}
				a.Regions = append(a.Regions, ar)
			}
		}
		return a
	}
	allRoles := &inventory.AccountIAM{StackSetExecutionRole: full, OrganizationAccountAccessRole: full}
	s.Accounts = []inventory.Account{
		acct(mgmtID, "management", rootID, inventory.AccountActive, "caller", &inventory.AccountIAM{}),
		acct(securityID, "security", coreOU, inventory.AccountActive, "AWSCloudFormationStackSetExecutionRole", allRoles),
		acct(logID, "log-archive", coreOU, inventory.AccountActive, "AWSCloudFormationStackSetExecutionRole", allRoles),
		acct(sharedID, "shared-services", coreOU, inventory.AccountActive, "AWSControlTowerExecution", &inventory.AccountIAM{ControlTowerExecutionRole: true}),
		acct(suspendedID, "closed", workOU, inventory.AccountSuspended, "", nil),
		acct(noAccessID, "locked", workOU, inventory.AccountActive, "", nil),
	}
	s.Accounts[0].Regions[0].STSDisabled = false
	s.Accounts[1].ReservedNames = []inventory.NamedResource{{Type: inventory.ResourceIAMRole, Name: "aws-controltower-AdministratorExecutionRole"}}
	s.Accounts[2].OptInRegions = []string{"af-south-1"}
	if len(regions) > 1 {
		s.Accounts[2].Regions[1].STSDisabled = true
	}
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("9%011d", i)
		parent := workOU
		if i%3 == 0 {
			parent = prodOU
		}
		s.Accounts = append(s.Accounts, acct(id, fmt.Sprintf("member-%04d", i), parent, inventory.AccountActive, "OrganizationAccountAccessRole", &inventory.AccountIAM{OrganizationAccountAccessRole: true}))
	}
	s.Policies = []inventory.Policy{
		{ID: "p-FullAWSAccess", Arn: "arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess", Name: "FullAWSAccess", Description: "Allows access to every operation", AWSManaged: true,
			Document: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`, Targets: []string{rootID, coreOU, workOU, prodOU, mgmtID}},
	}
	for i := 0; i < 25; i++ {
		id := fmt.Sprintf("p-custom%04d", i)
		s.Policies = append(s.Policies, inventory.Policy{ID: id, Arn: "arn:aws:organizations::" + mgmtID + ":policy/" + orgID + "/service_control_policy/" + id,
			Name: fmt.Sprintf("guardrail-%d", i), Description: "ALZ guardrail", Document: fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Sid":"D%d","Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"}]}`, i),
			Targets: []string{workOU}})
	}
	home := regions[0]
	s.ControlTower = inventory.ControlTower{
		LandingZone: &inventory.LandingZone{Arn: "arn:aws:controltower:" + home + ":" + mgmtID + ":landingzone/1A2B3C4D5E6F", Version: "3.3", LatestAvailableVersion: "3.3",
			Status: "ACTIVE", DriftStatus: "IN_SYNC", HomeRegion: home, GovernedRegions: regions, SecurityOUName: "Security", SandboxOUName: "Sandbox",
			LogArchiveAccountID: logID, AuditAccountID: securityID},
		Baselines: []inventory.Baseline{
			{Arn: "arn:aws:controltower:" + home + "::baseline/17BSJV3IGJ2QSGA2", Name: inventory.BaselineControlTower},
			{Arn: "arn:aws:controltower:" + home + "::baseline/LN25R72TTG6IGPTQ", Name: inventory.BaselineIdentityCenter},
		},
	}
	for i := 0; i < 7; i++ {
		s.ControlTower.EnabledBaselines = append(s.ControlTower.EnabledBaselines, inventory.EnabledBaseline{
			Arn: fmt.Sprintf("arn:aws:controltower:%s:%s:enabledbaseline/XALULM96QHI52%03d", home, mgmtID, i), BaselineIdentifier: "arn:aws:controltower:" + home + "::baseline/17BSJV3IGJ2QSGA2",
			BaselineVersion: "4.0", TargetIdentifier: ouArn(workOU) + fmt.Sprint(i), Status: "SUCCEEDED"})
	}
	var instances []inventory.StackInstance
	for _, a := range s.Accounts[1:4] {
		for _, r := range regions {
			instances = append(instances, inventory.StackInstance{AccountID: a.ID, Region: r, Status: "CURRENT"})
		}
	}
	s.ALZ = &inventory.ALZ{
		Version: "2.4.1", HomeRegion: home, ManifestRegions: regions, CoreOUID: coreOU,
		SecurityAccountID: securityID, LogArchiveAccountID: logID, SharedServicesAccountID: sharedID,
		Stacks: []inventory.Stack{
			{Name: "AWS-Landing-Zone-Initiation", ID: "arn:aws:cloudformation:" + home + ":" + mgmtID + ":stack/AWS-Landing-Zone-Initiation/1", Region: home, Description: "AWS Landing Zone Initiation (SO0044)", Status: "CREATE_COMPLETE", TerminationProtection: true, Outputs: map[string]string{"LandingZoneSolutionVersion": "2.4.1"}},
			{Name: "SC-123456789012-pp-abcdefgh", ID: "arn:aws:cloudformation:" + home + ":" + mgmtID + ":stack/SC-123456789012-pp-abcdefgh/2", Region: home, Description: "AWS Landing Zone Account Vending Machine (SO0045)", Status: "UPDATE_COMPLETE"},
		},
		Pipeline: &inventory.Pipeline{Name: "AWS-Landing-Zone-CodePipeline", Region: home, Stages: []string{"Source", "Build", "Deploy"}, DisabledTransitions: []string{"Build"}},
		Portfolios: []inventory.Portfolio{{ID: "port-abcdefghijklm", Name: "AWS Landing Zone - Baseline", ProviderName: "AWS Solutions", ProductIDs: []string{"prod-avm00000001"},
			PrincipalARNs: []string{"arn:aws:iam::" + mgmtID + ":role/service-role/AWSLandingZoneCodeBuildRole"}, ConstraintIDs: []string{"cons-abcdefghij1"}}},
		Products:            []inventory.Product{{ID: "prod-avm00000001", Name: "AWS-Landing-Zone-Account-Vending-Machine", Owner: "AWS Solutions"}},
		ProvisionedProducts: []inventory.ProvisionedProduct{{ID: "pp-abcdefgh0001", Name: "lz_core_security", ProductID: "prod-avm00000001", Status: "AVAILABLE"}},
		Buckets: []inventory.Bucket{
			{Name: "aws-landing-zone-configuration-" + mgmtID + "-" + home, AccountID: mgmtID, Region: home},
			{Name: "aws-landing-zone-logs-" + logID + "-us-east-1", AccountID: logID, Region: "us-east-1"},
		},
		SSMParameters: []inventory.SSMParameter{{Name: "/org/primary/account_id", Region: home}, {Name: "/org/primary/organization_id", Region: home}, {Name: "/org/member/security/account_id", Region: home}},
		KMSAliases:    []inventory.KMSAlias{{Name: "alias/AwsLandingZoneKMSKey", TargetKeyID: "1234abcd-12ab-34cd-56ef-1234567890ab", Region: home}},
	}
	s.ALZ.StackSets = []inventory.StackSet{
		{Name: "AWS-Landing-Zone-Baseline-EnableConfig", ID: "AWS-Landing-Zone-Baseline-EnableConfig:11111111-2222-3333-4444-555555555555", Description: "Enable AWS Config", Status: "ACTIVE", Instances: instances},
		{Name: "AWS-Landing-Zone-Baseline-CentralizedLogging", ID: "AWS-Landing-Zone-Baseline-CentralizedLogging:11111111-2222-3333-4444-666666666666", Description: "Logging", Status: "ACTIVE", Instances: instances[:2]},
	}
	s.Problems = []inventory.Problem{
		{AccountID: noAccessID, Service: "sts", Operation: "AssumeRole", Code: "AccessDenied", Message: "User: arn:aws:iam::" + mgmtID + ":user/lz2ct-sim is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::" + noAccessID + ":role/OrganizationAccountAccessRole"},
		{AccountID: sharedID, Region: regions[len(regions)-1], Service: "config", Operation: "DescribeDeliveryChannels", Code: "AccessDeniedException", Message: "explicit deny in a service control policy"},
	}
	s.Sort()
	if err := inventory.Validate(s); err != nil {
		panic(err)
	}
	return s
}

func ouArn(id string) string { return "arn:aws:organizations::" + mgmtID + ":ou/" + orgID + "/" + id }
