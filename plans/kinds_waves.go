package plans

import "strings"

// Step kinds of phases 2–4, run wave by wave: SCP detaches, Config removal, OU remedies,
// registration and enrollment; plus the operator's manual steps and verify checkpoints.

// Kind names of phases 2–4.
const (
	KindSCPDetach                     = "scp.detach"
	KindSCPAttach                     = "scp.attach"
	KindConfigStackSetInstancesDelete = "config.stackset-instances.delete"
	KindConfigRecorderDelete          = "config.recorder.delete"
	KindOUCreate                      = "ou.create"
	KindAccountMove                   = "account.move"
	KindBaselineEnable                = "baseline.enable"
	KindAccountEnroll                 = "account.enroll"
	KindManual                        = "manual"
	KindVerify                        = "verify"
)

// Outputs of phase 2–4 kinds.
const (
	OutputOUID                 = "ouId"
	OutputOUARN                = "ouArn"
	OutputEnabledBaselineARN   = "enabledBaselineArn"
	OutputProvisionedProductID = "provisionedProductId"
)

// SCPDetach detaches an SCP from a root, OU or account.
type SCPDetach struct {
	PolicyID string `json:"policyId" desc:"the SCP (p-...)"`
	TargetID string `json:"targetId" desc:"the root (r-...), OU (ou-...) or account ID"`
}

// SCPAttach attaches an SCP to an OU the plan creates, or to an account the plan (or Account
// Factory) moves, so that the accounts moved stay under the same policies as in the OUs they leave.
type SCPAttach struct {
	PolicyID string `json:"policyId" desc:"the SCP (p-...)"`
	TargetID Value  `json:"targetId" desc:"the OU (ou-..., usually the ou.create step's output) or the account ID"`
}

// StackSetInstancesDelete deletes (or, with RetainStacks, detaches) a StackSet's instances in one
// StackSet operation.
type StackSetInstancesDelete struct {
	Region       string              `json:"region" desc:"the StackSet's region"`
	StackSetName string              `json:"stackSetName" desc:"the StackSet"`
	Accounts     []string            `json:"accounts" desc:"the accounts whose instances go"`
	Regions      []string            `json:"regions" desc:"the regions whose instances go"`
	RetainStacks bool                `json:"retainStacks,omitempty" desc:"keep the stacks (and their resources); only the StackSet lets go of them"`
	OperationID  string              `json:"operationId" desc:"the StackSet OperationId: the idempotency token, derived from the step ID"`
	Preferences  StackSetPreferences `json:"preferences" desc:"the operation preferences"`
}

// ConfigStackSetInstancesDelete removes ALZ's Config recorder and delivery channel from a wave's
// accounts by deleting their AWS-Landing-Zone-Baseline-EnableConfig stack instances.
type ConfigStackSetInstancesDelete struct {
	StackSetInstancesDelete
}

// ConfigRecorderDelete stops and deletes ALZ's Config recorder and delivery channel in one account
// and region (never a service-linked recorder, never one by another name: a recorder or channel
// named otherwise is reported, not deleted).
type ConfigRecorderDelete struct {
	AccountID           string `json:"accountId" desc:"the account"`
	Region              string `json:"region" desc:"the region"`
	RecorderName        string `json:"recorderName" desc:"the recorder to stop and delete (ALZ's AWS-Landing-Zone-BaselineConfigRecorder unless discovery saw another ALZ name); absent = nothing to do"`
	DeliveryChannelName string `json:"deliveryChannelName" desc:"the delivery channel to delete (ALZ's Landing-Zone-Delivery-Channel unless discovery saw another ALZ name); absent = nothing to do"`
}

// OUCreate creates an OU (a remedy: a child OU that takes an oversized OU's excess accounts).
type OUCreate struct {
	ParentID Value  `json:"parentId" desc:"the parent root or OU"`
	Name     string `json:"name" desc:"the new OU's name"`
}

// AccountMove moves an account between parents.
type AccountMove struct {
	AccountID           string `json:"accountId" desc:"the account"`
	SourceParentID      Value  `json:"sourceParentId" desc:"where it is now"`
	DestinationParentID Value  `json:"destinationParentId" desc:"where it goes"`
}

// BaselineEnable enables AWSControlTowerBaseline on an OU: Control Tower registers the OU and
// enrolls every account in it.
type BaselineEnable struct {
	Region                           string `json:"region" desc:"Control Tower's home region"`
	BaselineName                     string `json:"baselineName" desc:"AWSControlTowerBaseline (its ARN is looked up with ListBaselines)"`
	BaselineVersion                  string `json:"baselineVersion" desc:"the baseline version that goes with the landing zone version"`
	OUID                             Value  `json:"ouId" desc:"the OU"`
	OUARN                            Value  `json:"ouArn" desc:"the OU's ARN (the baseline's target identifier)"`
	IdentityCenterEnabledBaselineARN Value  `json:"identityCenterEnabledBaselineArn,omitempty" desc:"the IdentityCenterBaseline enabled baseline, when Identity Center access management is on"`
}

// AccountEnroll enrolls one existing account through Control Tower's Account Factory (a Service
// Catalog ProvisionProduct whose ProvisionToken is the idempotency token).
type AccountEnroll struct {
	Region                 string `json:"region" desc:"Control Tower's home region"`
	ProductName            string `json:"productName" desc:"AWS Control Tower Account Factory"`
	AccountID              string `json:"accountId" desc:"the account"`
	AccountName            string `json:"accountName" desc:"the account's name (AccountName parameter)"`
	AccountEmail           string `json:"accountEmail" desc:"the account's e-mail (AccountEmail parameter)"`
	SSOUserEmail           string `json:"ssoUserEmail" desc:"SSOUserEmail parameter"`
	SSOUserFirstName       string `json:"ssoUserFirstName" desc:"SSOUserFirstName parameter"`
	SSOUserLastName        string `json:"ssoUserLastName" desc:"SSOUserLastName parameter"`
	OUName                 string `json:"ouName" desc:"the target OU's name (ManagedOrganizationalUnit is written Name (ou-id))"`
	OUID                   Value  `json:"ouId" desc:"the target OU"`
	ProvisionedProductName string `json:"provisionedProductName" desc:"the provisioned product's name"`
	ProvisionToken         string `json:"provisionToken" desc:"the idempotency token, derived from the step ID"`
}

// Manual is a task for the operator; the engine waits for `lz2ct confirm` and verifies where it can.
type Manual struct {
	Instructions []string `json:"instructions" desc:"what to do, in order"`
	// Verify names how lz2ct checks the result by API ("" = the operator's confirmation only).
	Verify string `json:"verify,omitempty" desc:"how lz2ct verifies the result by API, if it can"`
}

// TaskNote is what a manual step s asks of the operator, as apply, the wizard and the journal
// show it: its instructions, then the commands they refer to (the step's CLI, as the runbook
// prints them), one line each.
func TaskNote(s *Step, m Manual) string {
	note := strings.Join(m.Instructions, "\n")
	if len(s.CLI) > 0 {
		note += "\nCommands:\n" + strings.Join(s.CLI, "\n")
	}
	return note
}

// Verify is a checkpoint: it succeeds when every step it depends on has succeeded.
type Verify struct {
	Condition string `json:"condition" desc:"what is confirmed, in words"`
}

func (SCPDetach) Kind() string                     { return KindSCPDetach }
func (SCPAttach) Kind() string                     { return KindSCPAttach }
func (StackSetInstancesDelete) Kind() string       { return KindStackSetInstancesDelete }
func (ConfigStackSetInstancesDelete) Kind() string { return KindConfigStackSetInstancesDelete }
func (ConfigRecorderDelete) Kind() string          { return KindConfigRecorderDelete }
func (OUCreate) Kind() string                      { return KindOUCreate }
func (AccountMove) Kind() string                   { return KindAccountMove }
func (BaselineEnable) Kind() string                { return KindBaselineEnable }
func (AccountEnroll) Kind() string                 { return KindAccountEnroll }
func (Manual) Kind() string                        { return KindManual }
func (Verify) Kind() string                        { return KindVerify }

var stackSetInstancesDeleteOps = []string{"cloudformation:ListStackInstances", "cloudformation:ListStackSetOperations",
	"cloudformation:DeleteStackInstances", "cloudformation:DescribeStackSetOperation"}

func init() {
	registerKind(KindSpec{Kind: KindSCPDetach, Params: SCPDetach{},
		Summary:    "detach an SCP from a root, OU or account",
		Operations: []string{"organizations:ListPoliciesForTarget", "organizations:DetachPolicy"}})
	registerKind(KindSpec{Kind: KindSCPAttach, Params: SCPAttach{},
		Summary:    "attach an SCP to an OU the plan creates, or to an account it moves, so the accounts stay under the SCPs of the OUs they leave",
		Operations: []string{"organizations:ListPoliciesForTarget", "organizations:AttachPolicy"}})
	registerKind(KindSpec{Kind: KindConfigStackSetInstancesDelete, Params: ConfigStackSetInstancesDelete{},
		Summary:    "remove ALZ's Config from a wave's accounts by deleting their EnableConfig stack instances",
		Operations: stackSetInstancesDeleteOps})
	registerKind(KindSpec{Kind: KindConfigRecorderDelete, Params: ConfigRecorderDelete{},
		Summary: "stop and delete ALZ's Config recorder and delivery channel in one account and region",
		Operations: []string{"sts:AssumeRole", "config:DescribeConfigurationRecorders", "config:DescribeConfigurationRecorderStatus",
			"config:DescribeDeliveryChannels", "config:StopConfigurationRecorder", "config:DeleteDeliveryChannel", "config:DeleteConfigurationRecorder"}})
	registerKind(KindSpec{Kind: KindOUCreate, Params: OUCreate{}, Outputs: []string{OutputOUID, OutputOUARN},
		Summary:    "create an OU",
		Operations: []string{"organizations:ListOrganizationalUnitsForParent", "organizations:CreateOrganizationalUnit"}})
	registerKind(KindSpec{Kind: KindAccountMove, Params: AccountMove{},
		Summary:    "move an account to another parent",
		Operations: []string{"organizations:ListParents", "organizations:MoveAccount"}})
	registerKind(KindSpec{Kind: KindBaselineEnable, Params: BaselineEnable{}, Outputs: []string{OutputEnabledBaselineARN},
		Summary: "register an OU: enable AWSControlTowerBaseline on it (one Control Tower OU operation at a time)",
		Operations: []string{"controltower:ListBaselines", "controltower:ListEnabledBaselines", "controltower:EnableBaseline",
			"controltower:ResetEnabledBaseline", "controltower:GetBaselineOperation"}})
	registerKind(KindSpec{Kind: KindAccountEnroll, Params: AccountEnroll{}, Outputs: []string{OutputProvisionedProductID},
		Summary: "enroll one account through Account Factory (Service Catalog ProvisionProduct)",
		Operations: []string{"organizations:DescribeAccount", "organizations:ListParents", "controltower:ListBaselines",
			"controltower:ListEnabledBaselines", "servicecatalog:SearchProducts", "servicecatalog:DescribeProduct",
			"servicecatalog:ListLaunchPaths", "servicecatalog:SearchProvisionedProducts", "servicecatalog:ProvisionProduct",
			"servicecatalog:UpdateProvisionedProduct", "servicecatalog:DescribeRecord"}})
	registerKind(KindSpec{Kind: KindManual, Params: Manual{},
		Summary: "a task for the operator, confirmed with lz2ct confirm"})
	registerKind(KindSpec{Kind: KindVerify, Params: Verify{},
		Summary: "a checkpoint: succeeds when every step it depends on has succeeded"})
}
