// Package inventory holds the organization model lz2ct works on: everything discovery reads from an
// ALZ organization, saved as a versioned snapshot file. Checks, the planner and the engine read it;
// only discovery and the generator write it.
package inventory

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// SchemaVersion is the snapshot format this build reads and writes.
const SchemaVersion = 1

// Snapshot is one organization at one moment. Slices are kept in a canonical order (see Sort) so
// that the same organization always serializes to the same bytes.
type Snapshot struct {
	SchemaVersion int       `json:"schemaVersion"`
	CapturedAt    time.Time `json:"capturedAt"`
	// Source says how the snapshot was made: "discover", "generator" or "hand-written".
	Source string `json:"source"`
	// Partition is the AWS partition ("aws", "aws-us-gov", "aws-cn").
	Partition string `json:"partition"`
	// Regions are the regions discovery looked at (enabled regions of the management account).
	Regions []string `json:"regions"`

	Organization    Organization             `json:"organization"`
	Roots           []Root                   `json:"roots"`
	OUs             []OU                     `json:"ous"`
	Accounts        []Account                `json:"accounts"`
	Policies        []Policy                 `json:"policies"`
	TrustedServices []string                 `json:"trustedServices"`
	DelegatedAdmins []DelegatedAdministrator `json:"delegatedAdmins"`
	IdentityCenter  *IdentityCenter          `json:"identityCenter,omitempty"`
	ControlTower    ControlTower             `json:"controlTower"`
	ALZ             *ALZ                     `json:"alz,omitempty"`
	// Problems are what discovery could not read; later stages treat their scope as unknown.
	Problems []Problem `json:"problems"`
}

// Organization is what DescribeOrganization returns, plus the account quota when known.
type Organization struct {
	ID                     string `json:"id"`
	Arn                    string `json:"arn"`
	FeatureSet             string `json:"featureSet"` // ALL | CONSOLIDATED_BILLING
	ManagementAccountID    string `json:"managementAccountId"`
	ManagementAccountEmail string `json:"managementAccountEmail"`
	// AccountQuota is the organization's maximum number of accounts (Service Quotas L-29A0C5DF); 0 = unknown.
	AccountQuota int `json:"accountQuota,omitempty"`
}

// Root is an organization root. PolicyTypes lists the enabled policy types (SERVICE_CONTROL_POLICY, ...).
type Root struct {
	ID          string   `json:"id"`
	Arn         string   `json:"arn"`
	Name        string   `json:"name"`
	PolicyTypes []string `json:"policyTypes"`
}

// OU is an organizational unit. ParentID is a root ID or another OU's ID.
type OU struct {
	ID       string `json:"id"`
	Arn      string `json:"arn"`
	Name     string `json:"name"`
	ParentID string `json:"parentId"`
}

// Account states as Organizations reports them (Account.State; the older Status field was retired
// on 2026-09-09).
const (
	AccountPendingActivation = "PENDING_ACTIVATION"
	AccountActive            = "ACTIVE"
	AccountSuspended         = "SUSPENDED"
	AccountPendingClosure    = "PENDING_CLOSURE"
	AccountClosed            = "CLOSED"
)

// Account is a member (or the management) account and what lz2ct could read inside it.
type Account struct {
	ID           string    `json:"id"`
	Arn          string    `json:"arn"`
	Name         string    `json:"name"`
	Email        string    `json:"email"`
	Status       string    `json:"status"`       // Organizations Account.State: PENDING_ACTIVATION | ACTIVE | SUSPENDED | PENDING_CLOSURE | CLOSED
	JoinedMethod string    `json:"joinedMethod"` // INVITED | CREATED
	JoinedAt     time.Time `json:"joinedAt"`
	ParentID     string    `json:"parentId"`
	// AccessRole is the role lz2ct assumed to read inside the account; empty when none worked
	// (the management account is read with the caller's own credentials: "caller").
	AccessRole string `json:"accessRole,omitempty"`
	// IAM is nil when the account could not be read.
	IAM *AccountIAM `json:"iam,omitempty"`
	// OptInRegions are the opt-in regions enabled for the account (ec2:DescribeRegions with
	// AllRegions: OptInStatus opted-in), sorted. Regions that need no opt-in are enabled in every
	// account; a snapshot region that is opt-in and not listed here is disabled for the account, so
	// it has no regions[] entry and nothing could be read there (a fact, not a problem).
	OptInRegions []string `json:"optInRegions,omitempty"`
	// ReservedNames are account-wide (global) resources named like the ones Control Tower creates in
	// an enrolled account: IAM roles aws-controltower-*. Regional ones are in regions[].reservedNames.
	ReservedNames []NamedResource `json:"reservedNames,omitempty"`
	// Regions holds per-region facts, one entry per region read.
	Regions []AccountRegion `json:"regions,omitempty"`
}

// EnabledIn reports whether region is enabled for the account: every region that needs no opt-in,
// and the opt-in regions the account enabled.
func (a *Account) EnabledIn(region string) bool {
	if !IsOptInRegion(region) {
		return true
	}
	for _, r := range a.OptInRegions {
		if r == region {
			return true
		}
	}
	return false
}

// AccountIAM records the roles that matter for the migration.
type AccountIAM struct {
	ControlTowerExecutionRole     bool `json:"controlTowerExecutionRole"`     // AWSControlTowerExecution
	StackSetExecutionRole         bool `json:"stackSetExecutionRole"`         // AWSCloudFormationStackSetExecutionRole (ALZ)
	OrganizationAccountAccessRole bool `json:"organizationAccountAccessRole"` // OrganizationAccountAccessRole
}

// AccountRegion is what lz2ct read in one account and region.
type AccountRegion struct {
	Region string `json:"region"`
	// STSDisabled is true when STS's regional endpoint answered that STS is not activated there.
	STSDisabled       bool              `json:"stsDisabled,omitempty"`
	ConfigRecorders   []ConfigRecorder  `json:"configRecorders,omitempty"`
	DeliveryChannels  []DeliveryChannel `json:"deliveryChannels,omitempty"`
	ConfigAggregators []string          `json:"configAggregators,omitempty"`
	// ReservedNames are existing resources whose names Control Tower wants to create: SNS topics,
	// CloudTrail trails and CloudWatch Logs log groups named aws-controltower-* (log groups also
	// aws-controltower/* and /aws/lambda/aws-controltower-*).
	ReservedNames []NamedResource `json:"reservedNames,omitempty"`
	// VPCs are the account's VPCs in this region with their network interfaces: what the ALZ baseline
	// VPC (StackSet AWS-Landing-Zone-Baseline-PrimaryVPC) holds before decommission deletes it.
	VPCs []VPC `json:"vpcs,omitempty"`
}

// VPC is one VPC (ec2:DescribeVpcs) and the network interfaces in it (ec2:DescribeNetworkInterfaces).
type VPC struct {
	ID        string `json:"id"`
	CIDRBlock string `json:"cidrBlock"`
	IsDefault bool   `json:"isDefault"`
	// Name is the VPC's Name tag.
	Name string `json:"name,omitempty"`
	// Stack is the aws:cloudformation:stack-name tag: the stack that created the VPC (for ALZ's
	// baseline VPC, StackSet-AWS-Landing-Zone-Baseline-PrimaryVPC-<id>).
	Stack string `json:"stack,omitempty"`
	// NetworkInterfaces are the VPC's elastic network interfaces; any of them means something runs
	// in (or is attached to) the VPC.
	NetworkInterfaces []NetworkInterface `json:"networkInterfaces,omitempty"`
}

// NetworkInterface is one elastic network interface in a VPC.
type NetworkInterface struct {
	ID string `json:"id"`
	// Type is the InterfaceType: interface, natGateway, lambda, vpc_endpoint, network_load_balancer, ...
	Type        string `json:"type"`
	Status      string `json:"status"` // available | in-use | attaching | detaching | associated
	Description string `json:"description,omitempty"`
}

// sortFacts puts the account's opt-in regions, reserved names, VPCs and network interfaces in
// canonical order (Snapshot.Sort calls it for every account).
func (a *Account) sortFacts() {
	slices.Sort(a.OptInRegions)
	sortNamed(a.ReservedNames)
	for k := range a.Regions {
		vs := a.Regions[k].VPCs
		sortBy(vs, func(v *VPC) string { return v.ID })
		for v := range vs {
			sortBy(vs[v].NetworkInterfaces, func(n *NetworkInterface) string { return n.ID })
		}
	}
}

func sortNamed(l []NamedResource) {
	// By type, then name (what comparing Type+"\x00"+Name did, without building the strings).
	slices.SortFunc(l, func(a, b NamedResource) int {
		return cmp.Or(strings.Compare(a.Type, b.Type), strings.Compare(a.Name, b.Name))
	})
}

// Resource types of NamedResource, as CloudFormation spells them.
const (
	ResourceSNSTopic       = "AWS::SNS::Topic"
	ResourceTrail          = "AWS::CloudTrail::Trail"
	ResourceLogGroup       = "AWS::Logs::LogGroup"
	ResourceIAMRole        = "AWS::IAM::Role"
	ResourceLambdaFunction = "AWS::Lambda::Function"
)

// IsControlTowerName reports whether a resource of this type and name collides with a name Control
// Tower creates in an enrolled account (AWS Control Tower user guide, account-factory-considerations:
// aws-controltower-* trails, topics, roles, functions; log groups aws-controltower/CloudTrailLogs and
// /aws/lambda/aws-controltower-NotificationForwarder).
func IsControlTowerName(typ, name string) bool {
	switch typ {
	case ResourceLogGroup:
		return strings.HasPrefix(name, "aws-controltower/") || strings.HasPrefix(name, "aws-controltower-") ||
			strings.HasPrefix(name, "/aws/lambda/aws-controltower-")
	case ResourceSNSTopic, ResourceTrail, ResourceIAMRole, ResourceLambdaFunction:
		return strings.HasPrefix(name, "aws-controltower-")
	}
	return false
}

// ConfigRecorder is an AWS Config configuration recorder.
type ConfigRecorder struct {
	Name      string `json:"name"`
	RoleARN   string `json:"roleArn"`
	Recording bool   `json:"recording"`
	// ServiceLinked recorders (AWSConfigurationRecorderFor...) belong to AWS services; never delete them.
	ServiceLinked bool `json:"serviceLinked"`
}

// DeliveryChannel is an AWS Config delivery channel.
type DeliveryChannel struct {
	Name         string `json:"name"`
	S3BucketName string `json:"s3BucketName"`
	SNSTopicARN  string `json:"snsTopicArn,omitempty"`
}

// NamedResource is a resource identified by type and name, e.g. {"AWS::SNS::Topic", "aws-controltower-SecurityNotifications"}.
type NamedResource struct {
	Type string `json:"type"`
	Name string `json:"name"`
}

// Policy is a service control policy with its document and where it is attached.
type Policy struct {
	ID          string `json:"id"`
	Arn         string `json:"arn"`
	Name        string `json:"name"`
	Description string `json:"description"`
	AWSManaged  bool   `json:"awsManaged"`
	// Document is the policy JSON exactly as AWS returns it (its length is what the size limit counts).
	Document string `json:"document"`
	// Targets are root, OU and account IDs the policy is attached to.
	Targets []string `json:"targets"`
}

// Size is the policy size as the SCP size limit counts it: characters of the document.
func (p Policy) Size() int { return len([]rune(p.Document)) }

// DelegatedAdministrator is one account registered as delegated administrator for a service.
type DelegatedAdministrator struct {
	AccountID        string `json:"accountId"`
	ServicePrincipal string `json:"servicePrincipal"`
}

// IdentityCenter is the organization's IAM Identity Center instance.
type IdentityCenter struct {
	InstanceArn     string `json:"instanceArn"`
	IdentityStoreID string `json:"identityStoreId"`
	Region          string `json:"region"`
}

// ControlTower is Control Tower's state in the organization; LandingZone is nil when it is not deployed.
type ControlTower struct {
	LandingZone *LandingZone `json:"landingZone,omitempty"`
	// Baselines is the baseline catalogue ListBaselines returns in the home region. AWS names a
	// baseline in ListEnabledBaselines only by an opaque ARN
	// (arn:aws:controltower:<region>::baseline/<ID>); this list maps it to its name.
	Baselines        []Baseline        `json:"baselines,omitempty"`
	EnabledBaselines []EnabledBaseline `json:"enabledBaselines"`
}

// Baseline is one ListBaselines entry.
type Baseline struct {
	Arn  string `json:"arn"`
	Name string `json:"name"` // AWSControlTowerBaseline, IdentityCenterBaseline, BackupBaseline, ...
}

// Baseline names lz2ct relies on (AWS Control Tower API reference, types-of-baselines).
const (
	// BaselineControlTower registers an OU (enabled on the OU) and enrolls an account (on the account).
	BaselineControlTower = "AWSControlTowerBaseline"
	// BaselineIdentityCenter is enabled once per landing zone when access management is on; its
	// enabled-baseline ARN is a parameter of every AWSControlTowerBaseline enablement.
	BaselineIdentityCenter = "IdentityCenterBaseline"
)

// BaselineName returns the name of the baseline with this ARN, from the catalogue; "" when unknown.
func (c ControlTower) BaselineName(arn string) string {
	for _, b := range c.Baselines {
		if b.Arn == arn {
			return b.Name
		}
	}
	return ""
}

// LandingZone is what GetLandingZone returns, with the manifest fields lz2ct uses.
type LandingZone struct {
	Arn                    string   `json:"arn"`
	Version                string   `json:"version"`
	LatestAvailableVersion string   `json:"latestAvailableVersion"`
	Status                 string   `json:"status"`      // ACTIVE | PROCESSING | FAILED
	DriftStatus            string   `json:"driftStatus"` // DRIFTED | IN_SYNC
	HomeRegion             string   `json:"homeRegion"`
	GovernedRegions        []string `json:"governedRegions"`
	SecurityOUName         string   `json:"securityOuName"`
	SandboxOUName          string   `json:"sandboxOuName,omitempty"`
	LogArchiveAccountID    string   `json:"logArchiveAccountId"`
	AuditAccountID         string   `json:"auditAccountId"`
}

// EnabledBaseline is one ListEnabledBaselines entry. An AWSControlTowerBaseline on an OU means the OU
// is registered; on an account, that the account is enrolled.
type EnabledBaseline struct {
	Arn                string `json:"arn"`
	BaselineIdentifier string `json:"baselineIdentifier"`
	BaselineVersion    string `json:"baselineVersion"`
	TargetIdentifier   string `json:"targetIdentifier"` // OU or account ARN
	Status             string `json:"status"`           // SUCCEEDED | FAILED | UNDER_CHANGE
}

// TargetID is the OU or account ID at the end of the target ARN.
func (b EnabledBaseline) TargetID() string {
	return b.TargetIdentifier[strings.LastIndex(b.TargetIdentifier, "/")+1:]
}

// ALZ is everything the AWS Landing Zone solution left in the organization.
type ALZ struct {
	// Version is the solution version from the initiation stack ("1.0.3", "2.4.1"); empty when unknown.
	Version         string   `json:"version"`
	HomeRegion      string   `json:"homeRegion"`
	ManifestRegions []string `json:"manifestRegions,omitempty"`
	CoreOUID        string   `json:"coreOuId,omitempty"`
	// The ALZ shared accounts, by ID; empty when not found.
	SecurityAccountID       string `json:"securityAccountId,omitempty"`
	LogArchiveAccountID     string `json:"logArchiveAccountId,omitempty"`
	SharedServicesAccountID string `json:"sharedServicesAccountId,omitempty"`

	Stacks              []Stack              `json:"stacks"`
	StackSets           []StackSet           `json:"stackSets"`
	Portfolios          []Portfolio          `json:"portfolios"`
	Products            []Product            `json:"products"`
	ProvisionedProducts []ProvisionedProduct `json:"provisionedProducts"`
	Pipeline            *Pipeline            `json:"pipeline,omitempty"`
	Buckets             []Bucket             `json:"buckets"`
	SSMParameters       []SSMParameter       `json:"ssmParameters"`
	KMSAliases          []KMSAlias           `json:"kmsAliases"`
}

// Stack is a CloudFormation stack in the management account (initiation SO0044, AVM SO0045, others).
type Stack struct {
	Name                  string `json:"name"`
	ID                    string `json:"id"`
	Region                string `json:"region"`
	Description           string `json:"description"`
	Status                string `json:"status"`
	TerminationProtection bool   `json:"terminationProtection"`
	// Outputs holds outputs lz2ct reads, such as LandingZoneSolutionVersion.
	Outputs map[string]string `json:"outputs,omitempty"`
}

// IsInitiation reports whether this is ALZ's initiation stack (solution ID SO0044).
func (s Stack) IsInitiation() bool { return strings.Contains(s.Description, "(SO0044)") }

// IsAVM reports whether this is an Account Vending Machine stack (solution ID SO0045).
func (s Stack) IsAVM() bool { return strings.Contains(s.Description, "(SO0045)") }

// StackSet is a self-managed StackSet in the ALZ home region with its instances.
type StackSet struct {
	Name        string          `json:"name"`
	ID          string          `json:"id"`
	Description string          `json:"description"`
	Status      string          `json:"status"` // ACTIVE | DELETED
	Instances   []StackInstance `json:"instances"`
}

// StackInstance is one account/region instance of a StackSet.
type StackInstance struct {
	AccountID string `json:"accountId"`
	Region    string `json:"region"`
	Status    string `json:"status"` // CURRENT | OUTDATED | INOPERABLE
}

// Portfolio is a Service Catalog portfolio with what must be removed before deleting it.
type Portfolio struct {
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	ProviderName string   `json:"providerName"`
	ProductIDs   []string `json:"productIds"`
	// PrincipalARNs are the IAM users, groups and roles granted access.
	PrincipalARNs []string `json:"principalArns"`
	ConstraintIDs []string `json:"constraintIds"`
}

// Product is a Service Catalog product.
type Product struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Owner string `json:"owner"`
}

// ProvisionedProduct is a Service Catalog provisioned product (lz_core_*, lz_<ou>_<account>_*).
type ProvisionedProduct struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	ProductID string `json:"productId"`
	Status    string `json:"status"` // AVAILABLE | UNDER_CHANGE | TAINTED | ERROR | PLAN_IN_PROGRESS
}

// Pipeline is ALZ's CodePipeline and whether its Source->Build transition is still enabled.
type Pipeline struct {
	Name   string `json:"name"`
	Region string `json:"region"`
	// Stages in order; the first is the source stage.
	Stages []string `json:"stages"`
	// DisabledTransitions names the stages whose inbound transition is disabled.
	DisabledTransitions []string `json:"disabledTransitions"`
}

// SourceTransitionEnabled reports whether a change in the source can still start a pipeline run past the source stage.
func (p Pipeline) SourceTransitionEnabled() bool {
	if len(p.Stages) < 2 {
		return false
	}
	for _, s := range p.DisabledTransitions {
		if s == p.Stages[1] {
			return false
		}
	}
	return true
}

// Bucket is an S3 bucket ALZ created (aws-landing-zone-*, landingzone-*).
type Bucket struct {
	Name      string `json:"name"`
	AccountID string `json:"accountId"`
	Region    string `json:"region"`
}

// SSMParameter is a landing zone parameter (/org/primary/..., /org/member/...).
type SSMParameter struct {
	Name   string `json:"name"`
	Region string `json:"region"`
	// Type is String, StringList or SecureString (DescribeParameters); empty means String.
	Type string `json:"type,omitempty"`
}

// KMSAlias is a KMS alias such as alias/AwsLandingZoneKMSKey.
type KMSAlias struct {
	Name        string `json:"name"`
	TargetKeyID string `json:"targetKeyId"`
	Region      string `json:"region"`
}

// Problem is something discovery could not read. Empty scope fields mean "all": a Problem with only
// AccountID set covers the whole account.
type Problem struct {
	AccountID string `json:"accountId,omitempty"`
	Region    string `json:"region,omitempty"`
	Service   string `json:"service"`
	Operation string `json:"operation"`
	Code      string `json:"code"`
	Message   string `json:"message"`
}
