package plans

// Step kinds of phase 1 (deploy Control Tower); iam-role.create and the StackSet kinds also create
// AWSControlTowerExecution in the accounts of each wave (phase 4).

// Kind names of phase 1.
const (
	KindTrustedAccessDisable    = "trusted-access.disable"
	KindIAMRoleCreate           = "iam-role.create"
	KindStackSetCreate          = "stackset.create"
	KindStackSetInstancesCreate = "stackset-instances.create"
	KindAccountCreate           = "account.create"
	KindLandingZoneCreate       = "landing-zone.create"
	KindLandingZoneVerify       = "landing-zone.verify"
)

// Outputs of phase-1 kinds.
const (
	OutputAccountID                        = "accountId"
	OutputLandingZoneARN                   = "landingZoneArn"
	OutputLogArchiveAccountID              = "logArchiveAccountId"
	OutputAuditAccountID                   = "auditAccountId"
	OutputIdentityCenterEnabledBaselineARN = "identityCenterEnabledBaselineArn"
	// OutputSandboxOUID is the ID of the Sandbox OU the landing zone created (when its manifest has one).
	OutputSandboxOUID = "sandboxOuId"
)

// TrustedAccessDisable disables an AWS service's trusted access in the organization.
type TrustedAccessDisable struct {
	ServicePrincipal string `json:"servicePrincipal" desc:"the service principal, e.g. config.amazonaws.com"`
}

// IAMRoleCreate creates an IAM role with its trust policy and policies, in one account.
type IAMRoleCreate struct {
	AccountID         string         `json:"accountId" desc:"the account the role is created in (the management account for Control Tower's service roles)"`
	RoleName          string         `json:"roleName" desc:"the role's name"`
	Path              string         `json:"path,omitempty" desc:"the role's path, e.g. /service-role/ (default /)"`
	TrustPolicy       string         `json:"trustPolicy" desc:"the assume-role policy document (JSON)"`
	ManagedPolicyARNs []string       `json:"managedPolicyArns,omitempty" desc:"managed policies attached to the role"`
	InlinePolicies    []InlinePolicy `json:"inlinePolicies,omitempty" desc:"inline policies put on the role"`
}

// InlinePolicy is one inline IAM policy.
type InlinePolicy struct {
	Name     string `json:"name" desc:"the policy's name"`
	Document string `json:"document" desc:"the policy document (JSON)"`
}

// StackSetCreate creates a StackSet (no instances).
type StackSetCreate struct {
	Region                string   `json:"region" desc:"the region the StackSet is created in"`
	StackSetName          string   `json:"stackSetName" desc:"the StackSet's name"`
	Description           string   `json:"description" desc:"the StackSet's description"`
	TemplateBody          string   `json:"templateBody" desc:"the CloudFormation template"`
	PermissionModel       string   `json:"permissionModel" desc:"SELF_MANAGED or SERVICE_MANAGED"`
	AdministrationRoleARN string   `json:"administrationRoleArn,omitempty" desc:"SELF_MANAGED: the administration role in the management account"`
	ExecutionRoleName     string   `json:"executionRoleName,omitempty" desc:"SELF_MANAGED: the execution role in each target account"`
	Capabilities          []string `json:"capabilities,omitempty" desc:"e.g. CAPABILITY_NAMED_IAM"`
}

// StackSetInstancesCreate deploys a StackSet to accounts and regions in one StackSet operation.
type StackSetInstancesCreate struct {
	Region       string              `json:"region" desc:"the StackSet's region"`
	StackSetName string              `json:"stackSetName" desc:"the StackSet"`
	Accounts     []string            `json:"accounts,omitempty" desc:"target accounts (SELF_MANAGED, or the account filter of SERVICE_MANAGED)"`
	OUIDs        []string            `json:"ouIds,omitempty" desc:"target OUs (SERVICE_MANAGED)"`
	Regions      []string            `json:"regions" desc:"target regions"`
	OperationID  string              `json:"operationId" desc:"the StackSet OperationId: the idempotency token, derived from the step ID"`
	Preferences  StackSetPreferences `json:"preferences" desc:"the operation preferences"`
}

// StackSetPreferences are a StackSet operation's preferences (CloudFormation
// StackSetOperationPreferences); zero fields are left to CloudFormation's defaults.
type StackSetPreferences struct {
	MaxConcurrentCount    int    `json:"maxConcurrentCount,omitempty" desc:"accounts per region at once"`
	FailureToleranceCount int    `json:"failureToleranceCount,omitempty" desc:"failed accounts per region before the operation stops"`
	RegionConcurrencyType string `json:"regionConcurrencyType,omitempty" desc:"SEQUENTIAL or PARALLEL"`
	ConcurrencyMode       string `json:"concurrencyMode,omitempty" desc:"STRICT_FAILURE_TOLERANCE or SOFT_FAILURE_TOLERANCE"`
}

// AccountCreate creates a member account. Organizations' CreateAccount has no idempotency token:
// the e-mail is the de-duplication key, looked up before creating.
type AccountCreate struct {
	AccountName string `json:"accountName" desc:"the new account's name"`
	Email       string `json:"email" desc:"the new account's e-mail address, never used by an AWS account before"`
}

// LandingZoneCreate sets up Control Tower's landing zone by API.
type LandingZoneCreate struct {
	Region   string              `json:"region" desc:"the home region"`
	Version  string              `json:"version" desc:"the landing zone version, e.g. 3.3"`
	Manifest LandingZoneManifest `json:"manifest" desc:"the landing zone manifest"`
}

// LandingZoneManifest is the landing zone 3.x manifest, with the shared accounts as values that
// may reference the account.create steps.
type LandingZoneManifest struct {
	GovernedRegions            []string `json:"governedRegions" desc:"regions Control Tower governs"`
	SecurityOUName             string   `json:"securityOuName" desc:"organizationStructure.security.name"`
	SandboxOUName              string   `json:"sandboxOuName,omitempty" desc:"organizationStructure.sandbox.name"`
	LogArchiveAccountID        Value    `json:"logArchiveAccountId" desc:"centralizedLogging.accountId"`
	AuditAccountID             Value    `json:"auditAccountId" desc:"securityRoles.accountId"`
	LoggingRetentionDays       int      `json:"loggingRetentionDays" desc:"centralizedLogging.configurations.loggingBucket.retentionDays"`
	AccessLoggingRetentionDays int      `json:"accessLoggingRetentionDays" desc:"centralizedLogging.configurations.accessLoggingBucket.retentionDays"`
	KMSKeyARN                  string   `json:"kmsKeyArn,omitempty" desc:"centralizedLogging.configurations.kmsKeyArn"`
	AccessManagement           bool     `json:"accessManagement" desc:"accessManagement.enabled (IAM Identity Center)"`
}

// LandingZoneVerify observes an existing landing zone, or one the operator set up in the console.
type LandingZoneVerify struct {
	Region          string `json:"region" desc:"the home region"`
	MinVersion      string `json:"minVersion" desc:"the oldest landing zone version the plan works with"`
	LogArchiveEmail string `json:"logArchiveEmail,omitempty" desc:"manual set-up: the Log Archive account's e-mail, to identify it"`
	AuditEmail      string `json:"auditEmail,omitempty" desc:"manual set-up: the Audit account's e-mail, to identify it"`
}

func (TrustedAccessDisable) Kind() string    { return KindTrustedAccessDisable }
func (IAMRoleCreate) Kind() string           { return KindIAMRoleCreate }
func (StackSetCreate) Kind() string          { return KindStackSetCreate }
func (StackSetInstancesCreate) Kind() string { return KindStackSetInstancesCreate }
func (AccountCreate) Kind() string           { return KindAccountCreate }
func (LandingZoneCreate) Kind() string       { return KindLandingZoneCreate }
func (LandingZoneVerify) Kind() string       { return KindLandingZoneVerify }

func init() {
	registerKind(KindSpec{Kind: KindTrustedAccessDisable, Params: TrustedAccessDisable{},
		Summary: "disable an AWS service's trusted access in the organization",
		Operations: []string{"organizations:ListAWSServiceAccessForOrganization", "organizations:ListDelegatedAdministrators",
			"organizations:DisableAWSServiceAccess"}})
	registerKind(KindSpec{Kind: KindIAMRoleCreate, Params: IAMRoleCreate{},
		Summary: "create an IAM role with its trust policy and policies in one account",
		Operations: []string{"sts:AssumeRole", "iam:GetRole", "iam:CreateRole", "iam:ListAttachedRolePolicies",
			"iam:AttachRolePolicy", "iam:GetRolePolicy", "iam:PutRolePolicy"}})
	registerKind(KindSpec{Kind: KindStackSetCreate, Params: StackSetCreate{},
		Summary:    "create a StackSet",
		Operations: []string{"cloudformation:DescribeStackSet", "cloudformation:CreateStackSet"}})
	registerKind(KindSpec{Kind: KindStackSetInstancesCreate, Params: StackSetInstancesCreate{},
		Summary: "deploy a StackSet to accounts and regions in one StackSet operation",
		Operations: []string{"cloudformation:ListStackInstances", "cloudformation:ListStackSetOperations",
			"cloudformation:CreateStackInstances", "cloudformation:DescribeStackSetOperation"}})
	registerKind(KindSpec{Kind: KindAccountCreate, Params: AccountCreate{}, Outputs: []string{OutputAccountID},
		Summary: "create a member account (the e-mail is the de-duplication key)",
		Operations: []string{"organizations:ListAccounts", "organizations:ListCreateAccountStatus", "organizations:DescribeAccount",
			"organizations:CreateAccount", "organizations:DescribeCreateAccountStatus"}})
	registerKind(KindSpec{Kind: KindLandingZoneCreate, Params: LandingZoneCreate{},
		Outputs: []string{OutputLandingZoneARN, OutputIdentityCenterEnabledBaselineARN, OutputSandboxOUID},
		Summary: "set up the Control Tower landing zone by API",
		Operations: []string{"controltower:ListLandingZones", "controltower:ListLandingZoneOperations", "controltower:CreateLandingZone",
			"controltower:GetLandingZoneOperation", "controltower:GetLandingZone", "controltower:ListBaselines", "controltower:ListEnabledBaselines",
			"organizations:ListRoots", "organizations:ListOrganizationalUnitsForParent"}})
	registerKind(KindSpec{Kind: KindLandingZoneVerify, Params: LandingZoneVerify{},
		Outputs: []string{OutputLandingZoneARN, OutputLogArchiveAccountID, OutputAuditAccountID, OutputIdentityCenterEnabledBaselineARN, OutputSandboxOUID},
		Summary: "observe an existing (or console-made) landing zone: ACTIVE, version, shared accounts",
		Operations: []string{"controltower:ListLandingZones", "controltower:GetLandingZone", "controltower:ListBaselines",
			"controltower:ListEnabledBaselines", "organizations:ListRoots", "organizations:ListOrganizationalUnitsForParent",
			"organizations:DescribeAccount"}})
}
