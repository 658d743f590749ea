// Package settings holds the migration decisions (home region, e-mails, how to deploy Control Tower
// and remove AWS Config, limits, exclusions): the settings file, its defaults and its validation.
// The wizard writes it, check and plan read it; flags override it field by field.
package settings

// Ways to deploy Control Tower.
const (
	CTDeployAPI    = "api"    // controltower:CreateLandingZone
	CTDeployManual = "manual" // the operator sets it up in the console; lz2ct verifies
)

// Where Control Tower's Log Archive and Audit accounts come from.
const (
	// SharedAccountsNew: Control Tower gets two new accounts (created by lz2ct with the API, by the
	// console in a manual set-up), with the two e-mails of the settings.
	SharedAccountsNew = "new"
	// SharedAccountsExisting: ALZ's Log Archive and Security accounts become Control Tower's Log
	// Archive and Audit accounts at its first set-up, when they pass its pre-launch checks
	// (https://docs.aws.amazon.com/controltower/latest/userguide/accounts.html, "Considerations
	// for bringing existing security or logging accounts").
	SharedAccountsExisting = "existing"
)

// Ways to remove ALZ's AWS Config recorder and delivery channel.
const (
	ConfigRemovalStackSet = "stackset" // delete AWS-Landing-Zone-Baseline-EnableConfig stack instances (recommended)
	ConfigRemovalDirect   = "direct"   // stop and delete the recorder and delivery channel directly
)

// Settings are the migration decisions. Keys are camelCase; only HomeRegion and the two e-mails
// have no default (and the e-mails none to give when ALZ's existing accounts are brought).
type Settings struct {
	HomeRegion      string   `json:"homeRegion" yaml:"homeRegion"`
	GovernedRegions []string `json:"governedRegions,omitempty" yaml:"governedRegions,omitempty"`

	LogArchiveEmail       string `json:"logArchiveEmail" yaml:"logArchiveEmail"`
	AuditEmail            string `json:"auditEmail" yaml:"auditEmail"`
	LogArchiveAccountName string `json:"logArchiveAccountName,omitempty" yaml:"logArchiveAccountName,omitempty"`
	AuditAccountName      string `json:"auditAccountName,omitempty" yaml:"auditAccountName,omitempty"`

	CTDeploy string `json:"ctDeploy,omitempty" yaml:"ctDeploy,omitempty"` // api | manual
	// SharedAccounts says where Control Tower's Log Archive and Audit accounts come from: new
	// accounts (default), or ALZ's existing Log Archive and Security accounts.
	SharedAccounts string `json:"sharedAccounts,omitempty" yaml:"sharedAccounts,omitempty"` // new | existing
	ConfigRemoval  string `json:"configRemoval,omitempty" yaml:"configRemoval,omitempty"`   // stackset | direct

	// OUAccountLimit is the most accounts an OU the migration registers may hold (default 300); the
	// plan uses less when the governed regions allow less (package scope decides, and says why).
	OUAccountLimit int `json:"ouAccountLimit,omitempty" yaml:"ouAccountLimit,omitempty"`
	// AccountConcurrency is how many account operations Control Tower may run at once (default 1:
	// one-by-one enrollment stays single-threaded unless the user raises it).
	AccountConcurrency int `json:"accountConcurrency,omitempty" yaml:"accountConcurrency,omitempty"`
	// NoMoveOUs are OUs (IDs or name paths, "*" for every OU) whose accounts the plan never moves to
	// another OU before a registration, the OU's subtree included: accounts there that no
	// registration covers where they are are enrolled one by one instead.
	NoMoveOUs []string `json:"noMoveOUs,omitempty" yaml:"noMoveOUs,omitempty"`
	// StackSetConcurrency is how many accounts per region a StackSet operation of the plan works on
	// at once (MaxConcurrentCount; default 100).
	StackSetConcurrency int `json:"stackSetConcurrency,omitempty" yaml:"stackSetConcurrency,omitempty"`
	// SessionHours is the length of one working session in the estimate's calendar (default 8).
	SessionHours int `json:"sessionHours,omitempty" yaml:"sessionHours,omitempty"`

	Exclude Exclude `json:"exclude,omitempty" yaml:"exclude,omitempty"`

	// EnrollSharedServices enrolls ALZ's Shared Services account (default true).
	EnrollSharedServices *bool `json:"enrollSharedServices,omitempty" yaml:"enrollSharedServices,omitempty"`
	// SharedServicesOU is the OU (ID or name path) the Shared Services account is enrolled into; the
	// name of Control Tower's Sandbox OU names the OU the landing zone creates. Empty: the OU it is
	// in, when the migration registers that OU (otherwise it is left out until you choose).
	SharedServicesOU string `json:"sharedServicesOU,omitempty" yaml:"sharedServicesOU,omitempty"`

	Decommission Decommission `json:"decommission,omitempty" yaml:"decommission,omitempty"`
}

// Exclude lists OUs and accounts the migration leaves alone (IDs or, for OUs, name paths).
type Exclude struct {
	OUs      []string `json:"ous,omitempty" yaml:"ous,omitempty"`
	Accounts []string `json:"accounts,omitempty" yaml:"accounts,omitempty"`
}

// Decommission chooses which ALZ decommission steps the plan includes.
type Decommission struct {
	// Steps names the decommission steps to include; empty means all but account closure.
	Steps []string `json:"steps,omitempty" yaml:"steps,omitempty"`
	// KeepStackSets names ALZ StackSets whose resources workloads still use (e.g. the baseline VPC).
	KeepStackSets []string `json:"keepStackSets,omitempty" yaml:"keepStackSets,omitempty"`
	// CopyLogs says the ALZ logs were (or will be) copied before the log buckets are deleted.
	CopyLogs bool `json:"copyLogs,omitempty" yaml:"copyLogs,omitempty"`
	// CopyLogsMaxGiB is the most the log copy carries out itself (default 100): above it the copy
	// step waits for the operator to run the aws s3 sync command it prints.
	CopyLogsMaxGiB int `json:"copyLogsMaxGiB,omitempty" yaml:"copyLogsMaxGiB,omitempty"`
	// CloseOldAccounts closes ALZ's old Log Archive and Security accounts at the very end.
	CloseOldAccounts bool `json:"closeOldAccounts,omitempty" yaml:"closeOldAccounts,omitempty"`
	// OldAccountsOU is the OU (ID or name path) the accounts still in ALZ's core OU (the old Security
	// and Log Archive accounts) move to, so that the core OU can be deleted. Empty: the core OU is
	// kept, and the plan says why.
	OldAccountsOU string `json:"oldAccountsOU,omitempty" yaml:"oldAccountsOU,omitempty"`
	// KMSKeyDeletionDays, when set (7-30), also schedules the deletion of the key ALZ's KMS alias
	// points to, after that waiting period. 0 (default): the alias goes, the key is kept.
	KMSKeyDeletionDays int `json:"kmsKeyDeletionDays,omitempty" yaml:"kmsKeyDeletionDays,omitempty"`
}

// Defaults used when a field is unset.
const (
	DefaultOUAccountLimit     = 300
	MaxOUAccountLimit         = 1000
	DefaultAccountConcurrency = 1
	MaxAccountConcurrency     = 10
	// DefaultAccountQuota is how many account operations Control Tower allows at once without a
	// quota increase (MaxAccountConcurrency with one)
	// (https://docs.aws.amazon.com/controltower/latest/userguide/limits.html).
	DefaultAccountQuota        = 5
	DefaultStackSetConcurrency = 100
	MaxStackSetConcurrency     = 1000
	DefaultSessionHours        = 8
	MaxSessionHours            = 24
	// DefaultCopyLogsMaxGiB: copying more takes hours of CopyObject calls, better run and watched
	// on its own (aws s3 sync, S3 Batch Operations) than inside the migration's run.
	DefaultCopyLogsMaxGiB = 100
	// KMS waits 7 to 30 days before it deletes a key
	// (https://docs.aws.amazon.com/kms/latest/APIReference/API_ScheduleKeyDeletion.html).
	MinKMSKeyDeletionDays = 7
	MaxKMSKeyDeletionDays = 30
)
