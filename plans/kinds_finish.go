package plans

import "fmt"

// Step kinds of phases 5 (shared accounts) and 6 (decommission ALZ): one kind per AWS action.

// Kind names of phases 5 and 6.
const (
	KindBucketCreate                = "bucket.create"
	KindLogsCopy                    = "logs.copy"
	KindProvisionedProductTerminate = "provisioned-product.terminate"
	KindSCConstraintDelete          = "sc.constraint.delete"
	KindSCPrincipalDisassociate     = "sc.principal.disassociate"
	KindSCProductDisassociate       = "sc.product.disassociate"
	KindSCPortfolioDelete           = "sc.portfolio.delete"
	KindSCProductDelete             = "sc.product.delete"
	KindStackDelete                 = "stack.delete"
	KindStackSetInstancesDelete     = "stackset-instances.delete"
	KindStackSetDelete              = "stackset.delete"
	KindBucketDelete                = "bucket.delete"
	KindOUDelete                    = "ou.delete"
	KindSCPDelete                   = "scp.delete"
	KindSSMParametersDelete         = "ssm-parameters.delete"
	KindKMSAliasDelete              = "kms-alias.delete"
	KindAccountClose                = "account.close"
	KindDelegatedAdminVerify        = "delegated-admin.verify"
)

// Outputs of logs.copy: what both buckets held when the copy was verified.
const (
	OutputObjectCount = "objectCount"
	OutputTotalBytes  = "totalBytes"
)

// LogWriterPolicy is the bucket policy bucket.create puts on the log copy's destination: the
// writer account may list the bucket and put objects into it (what a server-side copy run as
// that account needs), nothing else. The runbook prints the same document.
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-walkthroughs-managing-access-example2.html
func LogWriterPolicy(partition, writerAccountID, bucket string) string {
	return fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Sid":"LogCopyWriter","Effect":"Allow","Principal":{"AWS":"arn:%s:iam::%s:root"},"Action":["s3:ListBucket","s3:PutObject"],"Resource":["arn:%s:s3:::%s","arn:%s:s3:::%s/*"]}]}`,
		partition, writerAccountID, partition, bucket, partition, bucket)
}

// BucketCreate creates an S3 bucket (the destination of the ALZ log copy), private, owned by its
// account, and lets one other account write into it (the account the copy runs as).
type BucketCreate struct {
	AccountID       Value  `json:"accountId" desc:"the account that owns the bucket"`
	Region          string `json:"region" desc:"the bucket's region"`
	Bucket          string `json:"bucket" desc:"the bucket's name"`
	WriterAccountID string `json:"writerAccountId,omitempty" desc:"an account allowed by the bucket policy to list and write objects (ALZ's Log Archive account, which the copy runs as)"`
}

// LogsCopy copies ALZ's logs server-side into a bucket of the new Log Archive account, resumable
// by object key and verified by object count and bytes. It runs as the source account, which the
// destination bucket's policy lets write (bucket.create's writerAccountId).
type LogsCopy struct {
	SourceAccountID      string `json:"sourceAccountId" desc:"ALZ's Log Archive account"`
	SourceBucket         string `json:"sourceBucket" desc:"ALZ's log bucket"`
	Region               string `json:"region" desc:"the buckets' region"`
	DestinationAccountID Value  `json:"destinationAccountId" desc:"Control Tower's Log Archive account"`
	DestinationBucket    string `json:"destinationBucket" desc:"the destination bucket"`
	ManualAboveBytes     int64  `json:"manualAboveBytes,omitempty" desc:"above this many bytes still to copy (decommission.copyLogsMaxGiB), or with an object over 5 GB, the copy is the operator's: the step waits with the exact aws s3 sync command, and is done when both buckets agree; 0 = no limit"`
}

// DelegatedAdminVerify confirms by API, after the manual step that moved it, that an account is a
// service's delegated administrator in the organization and the former one no longer is
// (Organizations ListDelegatedAdministrators). It changes nothing: until it holds, it says what is
// still to do and the steps after it wait.
type DelegatedAdminVerify struct {
	ServicePrincipal string `json:"servicePrincipal" desc:"the service, e.g. guardduty.amazonaws.com"`
	AccountID        Value  `json:"accountId" desc:"the account that must be its delegated administrator (the new Audit account)"`
	FormerAccountID  string `json:"formerAccountId,omitempty" desc:"the account that must no longer be (ALZ's Security account)"`
}

// ProvisionedProductTerminate terminates a Service Catalog provisioned product.
type ProvisionedProductTerminate struct {
	Region                 string `json:"region" desc:"the region"`
	ProvisionedProductID   string `json:"provisionedProductId" desc:"the provisioned product (pp-...)"`
	ProvisionedProductName string `json:"provisionedProductName" desc:"its name"`
	TerminateToken         string `json:"terminateToken" desc:"the idempotency token, derived from the step ID"`
}

// SCConstraintDelete deletes a constraint of a portfolio.
type SCConstraintDelete struct {
	Region       string `json:"region" desc:"the region"`
	PortfolioID  string `json:"portfolioId" desc:"the portfolio"`
	ConstraintID string `json:"constraintId" desc:"the constraint (cons-...)"`
}

// SCPrincipalDisassociate removes a principal's access to a portfolio.
type SCPrincipalDisassociate struct {
	Region       string `json:"region" desc:"the region"`
	PortfolioID  string `json:"portfolioId" desc:"the portfolio"`
	PrincipalARN string `json:"principalArn" desc:"the IAM user, group or role"`
}

// SCProductDisassociate removes a product from a portfolio.
type SCProductDisassociate struct {
	Region      string `json:"region" desc:"the region"`
	PortfolioID string `json:"portfolioId" desc:"the portfolio"`
	ProductID   string `json:"productId" desc:"the product (prod-...)"`
}

// SCPortfolioDelete deletes an empty portfolio.
type SCPortfolioDelete struct {
	Region      string `json:"region" desc:"the region"`
	PortfolioID string `json:"portfolioId" desc:"the portfolio (port-...)"`
}

// SCProductDelete deletes a product that no portfolio holds.
type SCProductDelete struct {
	Region    string `json:"region" desc:"the region"`
	ProductID string `json:"productId" desc:"the product (prod-...)"`
}

// StackDelete deletes a CloudFormation stack.
type StackDelete struct {
	AccountID                    string `json:"accountId" desc:"the account of the stack"`
	Region                       string `json:"region" desc:"the region"`
	StackName                    string `json:"stackName" desc:"the stack"`
	DisableTerminationProtection bool   `json:"disableTerminationProtection,omitempty" desc:"turn termination protection off first (ALZ's initiation stack)"`
}

// StackSetDelete deletes a StackSet that has no instances left.
type StackSetDelete struct {
	Region       string `json:"region" desc:"the region"`
	StackSetName string `json:"stackSetName" desc:"the StackSet"`
}

// BucketDelete empties a bucket (every object version and delete marker) and deletes it.
type BucketDelete struct {
	AccountID string `json:"accountId" desc:"the account that owns the bucket"`
	Region    string `json:"region" desc:"the bucket's region"`
	Bucket    string `json:"bucket" desc:"the bucket"`
	CopiedTo  string `json:"copiedTo,omitempty" desc:"the bucket ALZ's logs were copied to (logs.copy): the guard refuses the deletion while an object of this bucket is missing there or differs in size; empty = nothing to keep (not a log bucket, or the user chose not to keep the logs)"`
}

// OUDelete deletes an empty OU.
type OUDelete struct {
	OUID string `json:"ouId" desc:"the OU"`
}

// SCPDelete deletes an SCP that is attached nowhere.
type SCPDelete struct {
	PolicyID string `json:"policyId" desc:"the SCP (p-...)"`
}

// SSMParametersDelete deletes SSM parameters (DeleteParameters takes at most 10 names a call).
type SSMParametersDelete struct {
	Region string   `json:"region" desc:"the region"`
	Names  []string `json:"names" desc:"the parameter names"`
}

// KMSAliasDelete deletes a KMS alias and, only when chosen, schedules its key's deletion.
type KMSAliasDelete struct {
	Region              string `json:"region" desc:"the region"`
	AliasName           string `json:"aliasName" desc:"the alias, e.g. alias/AwsLandingZoneKMSKey"`
	TargetKeyID         string `json:"targetKeyId,omitempty" desc:"the key the alias points to"`
	ScheduleKeyDeletion bool   `json:"scheduleKeyDeletion,omitempty" desc:"also schedule the key's deletion"`
	PendingWindowDays   int    `json:"pendingWindowDays,omitempty" desc:"the key deletion's waiting period (7-30 days)"`
}

// AccountClose closes a member account.
type AccountClose struct {
	AccountID string `json:"accountId" desc:"the account"`
}

func (BucketCreate) Kind() string                { return KindBucketCreate }
func (LogsCopy) Kind() string                    { return KindLogsCopy }
func (ProvisionedProductTerminate) Kind() string { return KindProvisionedProductTerminate }
func (SCConstraintDelete) Kind() string          { return KindSCConstraintDelete }
func (SCPrincipalDisassociate) Kind() string     { return KindSCPrincipalDisassociate }
func (SCProductDisassociate) Kind() string       { return KindSCProductDisassociate }
func (SCPortfolioDelete) Kind() string           { return KindSCPortfolioDelete }
func (SCProductDelete) Kind() string             { return KindSCProductDelete }
func (StackDelete) Kind() string                 { return KindStackDelete }
func (StackSetDelete) Kind() string              { return KindStackSetDelete }
func (BucketDelete) Kind() string                { return KindBucketDelete }
func (OUDelete) Kind() string                    { return KindOUDelete }
func (SCPDelete) Kind() string                   { return KindSCPDelete }
func (SSMParametersDelete) Kind() string         { return KindSSMParametersDelete }
func (KMSAliasDelete) Kind() string              { return KindKMSAliasDelete }
func (AccountClose) Kind() string                { return KindAccountClose }
func (DelegatedAdminVerify) Kind() string        { return KindDelegatedAdminVerify }

func init() {
	registerKind(KindSpec{Kind: KindBucketCreate, Params: BucketCreate{},
		Summary: "create an S3 bucket",
		Operations: []string{"sts:AssumeRole", "s3:HeadBucket", "s3:GetPublicAccessBlock", "s3:GetBucketPolicy", "s3:CreateBucket",
			"s3:PutPublicAccessBlock", "s3:PutBucketPolicy"}})
	registerKind(KindSpec{Kind: KindLogsCopy, Params: LogsCopy{},
		Summary:    "copy ALZ's logs server-side into the new Log Archive account, resumable by key",
		Outputs:    []string{OutputObjectCount, OutputTotalBytes},
		Operations: []string{"sts:AssumeRole", "s3:ListObjectsV2", "s3:CopyObject"}})
	registerKind(KindSpec{Kind: KindProvisionedProductTerminate, Params: ProvisionedProductTerminate{},
		Summary: "terminate a Service Catalog provisioned product",
		Operations: []string{"servicecatalog:DescribeProvisionedProduct", "servicecatalog:ListPortfoliosForProduct",
			"servicecatalog:TerminateProvisionedProduct", "servicecatalog:DescribeRecord"}})
	registerKind(KindSpec{Kind: KindSCConstraintDelete, Params: SCConstraintDelete{},
		Summary:    "delete a portfolio constraint",
		Operations: []string{"servicecatalog:DescribeConstraint", "servicecatalog:DeleteConstraint"}})
	registerKind(KindSpec{Kind: KindSCPrincipalDisassociate, Params: SCPrincipalDisassociate{},
		Summary:    "remove a principal's access to a portfolio",
		Operations: []string{"servicecatalog:ListPrincipalsForPortfolio", "servicecatalog:DisassociatePrincipalFromPortfolio"}})
	registerKind(KindSpec{Kind: KindSCProductDisassociate, Params: SCProductDisassociate{},
		Summary:    "remove a product from a portfolio",
		Operations: []string{"servicecatalog:DescribePortfolio", "servicecatalog:SearchProductsAsAdmin", "servicecatalog:DisassociateProductFromPortfolio"}})
	registerKind(KindSpec{Kind: KindSCPortfolioDelete, Params: SCPortfolioDelete{},
		Summary:    "delete an empty portfolio",
		Operations: []string{"servicecatalog:DescribePortfolio", "servicecatalog:DeletePortfolio"}})
	registerKind(KindSpec{Kind: KindSCProductDelete, Params: SCProductDelete{},
		Summary:    "delete a product",
		Operations: []string{"servicecatalog:DescribeProductAsAdmin", "servicecatalog:SearchProvisionedProducts", "servicecatalog:DeleteProduct"}})
	registerKind(KindSpec{Kind: KindStackDelete, Params: StackDelete{},
		Summary: "delete a CloudFormation stack",
		Operations: []string{"sts:AssumeRole", "cloudformation:DescribeStacks", "ec2:DescribeVpcs", "ec2:DescribeNetworkInterfaces",
			"cloudformation:UpdateTerminationProtection", "cloudformation:DeleteStack"}})
	registerKind(KindSpec{Kind: KindStackSetInstancesDelete, Params: StackSetInstancesDelete{},
		Summary: "delete (or retain and detach) a StackSet's instances in one StackSet operation",
		// The guard reads the template and, in each account, the VPCs the stacks made.
		Operations: append([]string{"cloudformation:DescribeStackSet", "sts:AssumeRole", "ec2:DescribeVpcs", "ec2:DescribeNetworkInterfaces"},
			stackSetInstancesDeleteOps...)})
	registerKind(KindSpec{Kind: KindStackSetDelete, Params: StackSetDelete{},
		Summary:    "delete a StackSet that has no instances left",
		Operations: []string{"cloudformation:DescribeStackSet", "cloudformation:ListStackInstances", "cloudformation:DeleteStackSet"}})
	registerKind(KindSpec{Kind: KindBucketDelete, Params: BucketDelete{},
		Summary: "empty a bucket of every version and delete marker, then delete it",
		Operations: []string{"sts:AssumeRole", "s3:HeadBucket", "s3:ListObjectsV2", "s3:ListObjectVersions", "s3:DeleteObjects",
			"s3:DeleteBucket"}})
	registerKind(KindSpec{Kind: KindOUDelete, Params: OUDelete{},
		Summary: "delete an empty OU",
		Operations: []string{"organizations:DescribeOrganizationalUnit", "organizations:ListAccountsForParent",
			"organizations:ListOrganizationalUnitsForParent", "organizations:DeleteOrganizationalUnit"}})
	registerKind(KindSpec{Kind: KindSCPDelete, Params: SCPDelete{},
		Summary:    "delete an SCP that is attached nowhere",
		Operations: []string{"organizations:DescribePolicy", "organizations:ListTargetsForPolicy", "organizations:DeletePolicy"}})
	registerKind(KindSpec{Kind: KindSSMParametersDelete, Params: SSMParametersDelete{},
		Summary:    "delete SSM parameters, 10 names a call",
		Operations: []string{"ssm:GetParameters", "ssm:DeleteParameters"}})
	registerKind(KindSpec{Kind: KindKMSAliasDelete, Params: KMSAliasDelete{},
		Summary:    "delete a KMS alias (and schedule its key's deletion only when chosen)",
		Operations: []string{"kms:ListAliases", "kms:DeleteAlias", "kms:DescribeKey", "kms:ScheduleKeyDeletion"}})
	registerKind(KindSpec{Kind: KindDelegatedAdminVerify, Params: DelegatedAdminVerify{},
		Summary:    "verify by API that an account is a service's delegated administrator (and the former one no longer is)",
		Operations: []string{"organizations:ListDelegatedAdministrators"}})
	registerKind(KindSpec{Kind: KindAccountClose, Params: AccountClose{},
		Summary:    "close a member account (Organizations limits closures per rolling 30 days)",
		Operations: []string{"organizations:DescribeAccount", "organizations:CloseAccount"}})
}
