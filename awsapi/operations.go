package awsapi

import (
	"sort"
	"strings"
)

// Operation is one AWS API operation lz2ct calls. The table below is the single list of them:
// docs/aws-operations.md is generated from it, `lz2ct iam-policy` derives the least-privilege policy
// from it, and a test checks that every operation the simulator saw during a discovery is in it.
type Operation struct {
	// Service is the short service name lz2ct uses in problems and the simulator in its audit log
	// (the IAM action prefix: organizations, config, sso, ...).
	Service string
	// Operation is the API operation name as the SDK and the API reference spell it.
	Operation string
	// Protocol is the wire protocol: "JSON 1.1", "query", "EC2 query", "REST-JSON" or "REST-XML".
	Protocol string
	Mutating bool
	// As says whose credentials make the call: "management", "member" or "both".
	As string
	// IAMAction is the permission the call needs ("" when none is needed).
	IAMAction string
	// Resource narrows the policy statement; "" = "*".
	Resource string
	// Errors are the error codes lz2ct treats specially, and how.
	Errors []ErrorRule
	// Idempotency says what happens when the call is repeated (read-only calls: always safe).
	Idempotency string
	// UsedBy names the lz2ct commands that call it.
	UsedBy []string
	// Doc is the AWS API reference page.
	Doc string
	// Rate is the default client-side limit in calls/s per account and region; 0 = DefaultRatePerSecond.
	Rate float64
}

// ErrorRule is how lz2ct handles one error code of an operation.
type ErrorRule struct {
	Code     string
	Handling string
}

// Common handling, stated once.
const (
	readSafe      = "read-only: safe to repeat"
	retried       = "throttling and 5xx: retried by the SDK's standard retryer (MaxAttempts, capped backoff); after the last attempt the call becomes a problem in the snapshot"
	fatalHandling = "fatal: discovery stops with exit code 2 naming the credentials and endpoint"
	problemOnly   = "recorded as a problem with the account/region scope; discovery goes on"
)

func throttleRule(code string) ErrorRule { return ErrorRule{code, retried} }

var operations = []Operation{
	// --- identity and regions ---
	{Service: "sts", Operation: "GetCallerIdentity", Protocol: "query", As: "both", IAMAction: "sts:GetCallerIdentity",
		Errors: []ErrorRule{
			{"ExpiredToken", fatalHandling + " (management); tells the user to refresh credentials / `aws sso login`"},
			{"RegionDisabledException", "regional endpoint in a member account: stsDisabled = true for that region, not a problem"},
			{"InvalidClientTokenId", "in an opt-in region the account has not enabled (when its opt-in list could not be read): the region is not read, a fact and not a problem; elsewhere " + fatalHandling},
		},
		Idempotency: readSafe, UsedBy: []string{"discover"},
		Doc: "https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html"},
	{Service: "sts", Operation: "AssumeRole", Protocol: "query", As: "management", IAMAction: "sts:AssumeRole",
		Resource: "role",
		Errors: []ErrorRule{
			{"AccessDenied", "try the next role name; when none works, one problem for the account (service sts, operation AssumeRole, the last code and message)"},
			{"RegionDisabledException", "as AccessDenied"},
		},
		Idempotency: "creates a session, changes nothing: safe to repeat; credentials are cached per account and refreshed before expiry",
		UsedBy:      []string{"discover"},
		Doc:         "https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html",
		// One or more calls per member account, all from the management account: a low limit here
		// would bound the whole discovery. AWS's guidance is to back off and cache credentials
		// (https://repost.aws/knowledge-center/iam-sts-throttling-error), which lz2ct does.
		Rate: 100},
	{Service: "ec2", Operation: "DescribeRegions", Protocol: "EC2 query", As: "both", IAMAction: "ec2:DescribeRegions",
		Errors: []ErrorRule{
			{"UnauthorizedOperation", "management account: problem (organization-wide), discovery falls back to the --region region only; member account: problem for the account, every snapshot region is tried"},
			throttleRule("RequestLimitExceeded"),
		},
		Idempotency: readSafe, UsedBy: []string{"discover"},
		Doc: "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeRegions.html"},
	{Service: "servicequotas", Operation: "GetServiceQuota", Protocol: "JSON 1.1", As: "management", IAMAction: "servicequotas:GetServiceQuota",
		Errors:      []ErrorRule{{"NoSuchResourceException", "accountQuota stays 0 and a problem is recorded"}, {"AccessDeniedException", problemOnly}},
		Idempotency: readSafe, UsedBy: []string{"discover"},
		Doc: "https://docs.aws.amazon.com/servicequotas/2019-06-24/apireference/API_GetServiceQuota.html"},

	// --- Organizations ---
	{Service: "organizations", Operation: "DescribeOrganization", Protocol: "JSON 1.1", As: "management", IAMAction: "organizations:DescribeOrganization",
		Errors: []ErrorRule{
			{"AccessDeniedException", fatalHandling},
			{"AWSOrganizationsNotInUseException", fatalHandling + ": the account is not in an organization"},
			throttleRule("TooManyRequestsException"),
		},
		Idempotency: readSafe, UsedBy: []string{"discover"},
		Doc: "https://docs.aws.amazon.com/organizations/latest/APIReference/API_DescribeOrganization.html"},
	{Service: "organizations", Operation: "ListRoots", Protocol: "JSON 1.1", As: "management", IAMAction: "organizations:ListRoots",
		Errors:      []ErrorRule{{"AccessDeniedException", fatalHandling + " (must be the management account or a delegated administrator)"}, throttleRule("TooManyRequestsException")},
		Idempotency: readSafe, UsedBy: []string{"discover"},
		Doc: "https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListRoots.html"},
	{Service: "organizations", Operation: "ListOrganizationalUnitsForParent", Protocol: "JSON 1.1", As: "management", IAMAction: "organizations:ListOrganizationalUnitsForParent",
		Errors:      []ErrorRule{{"AccessDeniedException", fatalHandling}, throttleRule("TooManyRequestsException")},
		Idempotency: readSafe, UsedBy: []string{"discover"},
		Doc: "https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListOrganizationalUnitsForParent.html"},
	{Service: "organizations", Operation: "ListAccountsForParent", Protocol: "JSON 1.1", As: "management", IAMAction: "organizations:ListAccountsForParent",
		Errors:      []ErrorRule{{"AccessDeniedException", fatalHandling}, throttleRule("TooManyRequestsException")},
		Idempotency: readSafe, UsedBy: []string{"discover"},
		Doc: "https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListAccountsForParent.html"},
	{Service: "organizations", Operation: "ListPolicies", Protocol: "JSON 1.1", As: "management", IAMAction: "organizations:ListPolicies",
		Errors:      []ErrorRule{{"AccessDeniedException", problemOnly}, throttleRule("TooManyRequestsException")},
		Idempotency: readSafe, UsedBy: []string{"discover"},
		Doc: "https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListPolicies.html"},
	{Service: "organizations", Operation: "DescribePolicy", Protocol: "JSON 1.1", As: "management", IAMAction: "organizations:DescribePolicy",
		Errors:      []ErrorRule{{"PolicyNotFoundException", "deleted while listing: skipped"}, throttleRule("TooManyRequestsException")},
		Idempotency: readSafe, UsedBy: []string{"discover"},
		Doc: "https://docs.aws.amazon.com/organizations/latest/APIReference/API_DescribePolicy.html"},
	{Service: "organizations", Operation: "ListTargetsForPolicy", Protocol: "JSON 1.1", As: "management", IAMAction: "organizations:ListTargetsForPolicy",
		Errors:      []ErrorRule{{"PolicyNotFoundException", "deleted while listing: skipped"}, throttleRule("TooManyRequestsException")},
		Idempotency: readSafe, UsedBy: []string{"discover"},
		Doc: "https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListTargetsForPolicy.html"},
	{Service: "organizations", Operation: "ListAWSServiceAccessForOrganization", Protocol: "JSON 1.1", As: "management", IAMAction: "organizations:ListAWSServiceAccessForOrganization",
		Errors:      []ErrorRule{{"AccessDeniedException", problemOnly}, throttleRule("TooManyRequestsException")},
		Idempotency: readSafe, UsedBy: []string{"discover"},
		Doc: "https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListAWSServiceAccessForOrganization.html"},
	{Service: "organizations", Operation: "ListDelegatedAdministrators", Protocol: "JSON 1.1", As: "management", IAMAction: "organizations:ListDelegatedAdministrators",
		Errors:      []ErrorRule{{"AccessDeniedException", problemOnly}, throttleRule("TooManyRequestsException")},
		Idempotency: readSafe, UsedBy: []string{"discover"},
		Doc: "https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListDelegatedAdministrators.html"},
	{Service: "organizations", Operation: "ListDelegatedServicesForAccount", Protocol: "JSON 1.1", As: "management", IAMAction: "organizations:ListDelegatedServicesForAccount",
		Errors:      []ErrorRule{{"AccessDeniedException", problemOnly}, throttleRule("TooManyRequestsException")},
		Idempotency: readSafe, UsedBy: []string{"discover"},
		Doc: "https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListDelegatedServicesForAccount.html"},

	// --- per account ---
	{Service: "iam", Operation: "ListRoles", Protocol: "query", As: "both", IAMAction: "iam:ListRoles",
		Errors:      []ErrorRule{{"AccessDenied", problemOnly + " (the role flags stay false)"}, throttleRule("Throttling")},
		Idempotency: readSafe, UsedBy: []string{"discover"},
		Doc: "https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListRoles.html"},
	{Service: "config", Operation: "DescribeConfigurationRecorders", Protocol: "JSON 1.1", As: "both", IAMAction: "config:DescribeConfigurationRecorders",
		Errors:      []ErrorRule{{"AccessDeniedException", "the first call in a region that needs a permission: when refused, the region is not read at all (no regions[] entry) and this is its one problem"}, throttleRule("ThrottlingException")},
		Idempotency: readSafe, UsedBy: []string{"discover"},
		Doc: "https://docs.aws.amazon.com/config/latest/APIReference/API_DescribeConfigurationRecorders.html"},
	{Service: "config", Operation: "DescribeConfigurationRecorderStatus", Protocol: "JSON 1.1", As: "both", IAMAction: "config:DescribeConfigurationRecorderStatus",
		Errors:      []ErrorRule{{"AccessDeniedException", problemOnly}, throttleRule("ThrottlingException")},
		Idempotency: readSafe, UsedBy: []string{"discover"},
		Doc: "https://docs.aws.amazon.com/config/latest/APIReference/API_DescribeConfigurationRecorderStatus.html"},
	{Service: "config", Operation: "DescribeDeliveryChannels", Protocol: "JSON 1.1", As: "both", IAMAction: "config:DescribeDeliveryChannels",
		Errors:      []ErrorRule{{"AccessDeniedException", problemOnly}, throttleRule("ThrottlingException")},
		Idempotency: readSafe, UsedBy: []string{"discover"},
		Doc: "https://docs.aws.amazon.com/config/latest/APIReference/API_DescribeDeliveryChannels.html"},
	{Service: "config", Operation: "DescribeConfigurationAggregators", Protocol: "JSON 1.1", As: "both", IAMAction: "config:DescribeConfigurationAggregators",
		Errors:      []ErrorRule{{"AccessDeniedException", problemOnly}, throttleRule("ThrottlingException")},
		Idempotency: readSafe, UsedBy: []string{"discover"},
		Doc: "https://docs.aws.amazon.com/config/latest/APIReference/API_DescribeConfigurationAggregators.html"},
	{Service: "sns", Operation: "ListTopics", Protocol: "query", As: "both", IAMAction: "sns:ListTopics",
		Errors:      []ErrorRule{{"AuthorizationError", problemOnly}, throttleRule("Throttling")},
		Idempotency: readSafe, UsedBy: []string{"discover"},
		Doc: "https://docs.aws.amazon.com/sns/latest/api/API_ListTopics.html"},
	{Service: "cloudtrail", Operation: "DescribeTrails", Protocol: "JSON 1.1", As: "both", IAMAction: "cloudtrail:DescribeTrails",
		Errors:      []ErrorRule{{"AccessDeniedException", problemOnly}, throttleRule("ThrottlingException")},
		Idempotency: readSafe, UsedBy: []string{"discover"},
		Doc: "https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_DescribeTrails.html"},
	{Service: "logs", Operation: "DescribeLogGroups", Protocol: "JSON 1.1", As: "both", IAMAction: "logs:DescribeLogGroups",
		Errors:      []ErrorRule{{"AccessDeniedException", problemOnly}, throttleRule("ThrottlingException")},
		Idempotency: readSafe, UsedBy: []string{"discover"},
		Doc: "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_DescribeLogGroups.html"},
	{Service: "ec2", Operation: "DescribeVpcs", Protocol: "EC2 query", As: "both", IAMAction: "ec2:DescribeVpcs",
		Errors:      []ErrorRule{{"UnauthorizedOperation", problemOnly}, throttleRule("RequestLimitExceeded")},
		Idempotency: readSafe, UsedBy: []string{"discover"},
		Doc: "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeVpcs.html"},
	{Service: "ec2", Operation: "DescribeNetworkInterfaces", Protocol: "EC2 query", As: "both", IAMAction: "ec2:DescribeNetworkInterfaces",
		Errors:      []ErrorRule{{"UnauthorizedOperation", problemOnly}, throttleRule("RequestLimitExceeded")},
		Idempotency: readSafe, UsedBy: []string{"discover"},
		Doc: "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeNetworkInterfaces.html"},

	// --- IAM Identity Center and Control Tower ---
	{Service: "sso", Operation: "ListInstances", Protocol: "JSON 1.1", As: "management", IAMAction: "sso:ListInstances",
		Errors:      []ErrorRule{{"AccessDeniedException", problemOnly}, throttleRule("ThrottlingException")},
		Idempotency: readSafe, UsedBy: []string{"discover"},
		Doc: "https://docs.aws.amazon.com/singlesignon/latest/APIReference/API_ListInstances.html"},
	{Service: "controltower", Operation: "ListLandingZones", Protocol: "REST-JSON", As: "management", IAMAction: "controltower:ListLandingZones",
		Errors:      []ErrorRule{{"AccessDeniedException", problemOnly}, throttleRule("ThrottlingException")},
		Idempotency: readSafe, UsedBy: []string{"discover"},
		Doc: "https://docs.aws.amazon.com/controltower/latest/APIReference/API_ListLandingZones.html"},
	{Service: "controltower", Operation: "GetLandingZone", Protocol: "REST-JSON", As: "management", IAMAction: "controltower:GetLandingZone",
		Errors:      []ErrorRule{{"ResourceNotFoundException", problemOnly}, throttleRule("ThrottlingException")},
		Idempotency: readSafe, UsedBy: []string{"discover"},
		Doc: "https://docs.aws.amazon.com/controltower/latest/APIReference/API_GetLandingZone.html"},
	{Service: "controltower", Operation: "ListBaselines", Protocol: "REST-JSON", As: "management", IAMAction: "controltower:ListBaselines",
		Errors:      []ErrorRule{{"AccessDeniedException", problemOnly}, throttleRule("ThrottlingException")},
		Idempotency: readSafe, UsedBy: []string{"discover"},
		Doc: "https://docs.aws.amazon.com/controltower/latest/APIReference/API_ListBaselines.html"},
	{Service: "controltower", Operation: "ListEnabledBaselines", Protocol: "REST-JSON", As: "management", IAMAction: "controltower:ListEnabledBaselines",
		Errors:      []ErrorRule{{"AccessDeniedException", problemOnly}, throttleRule("ThrottlingException")},
		Idempotency: readSafe, UsedBy: []string{"discover"},
		Doc: "https://docs.aws.amazon.com/controltower/latest/APIReference/API_ListEnabledBaselines.html"},

	// --- ALZ resources in the management account ---
	{Service: "cloudformation", Operation: "DescribeStacks", Protocol: "query", As: "management", IAMAction: "cloudformation:DescribeStacks",
		Errors:      []ErrorRule{{"AccessDenied", problemOnly}, throttleRule("Throttling")},
		Idempotency: readSafe, UsedBy: []string{"discover"},
		Doc: "https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStacks.html"},
	{Service: "cloudformation", Operation: "ListStackSets", Protocol: "query", As: "management", IAMAction: "cloudformation:ListStackSets",
		Errors:      []ErrorRule{{"AccessDenied", problemOnly}, throttleRule("Throttling")},
		Idempotency: readSafe, UsedBy: []string{"discover"},
		Doc: "https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ListStackSets.html"},
	{Service: "cloudformation", Operation: "ListStackInstances", Protocol: "query", As: "management", IAMAction: "cloudformation:ListStackInstances",
		Errors:      []ErrorRule{{"StackSetNotFoundException", "deleted while listing: skipped"}, throttleRule("Throttling")},
		Idempotency: readSafe, UsedBy: []string{"discover"},
		Doc: "https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ListStackInstances.html"},
	{Service: "servicecatalog", Operation: "ListPortfolios", Protocol: "JSON 1.1", As: "management", IAMAction: "servicecatalog:ListPortfolios",
		Errors:      []ErrorRule{{"AccessDeniedException", problemOnly}, throttleRule("ThrottlingException")},
		Idempotency: readSafe, UsedBy: []string{"discover"},
		Doc: "https://docs.aws.amazon.com/servicecatalog/latest/dg/API_ListPortfolios.html"},
	{Service: "servicecatalog", Operation: "SearchProductsAsAdmin", Protocol: "JSON 1.1", As: "management", IAMAction: "servicecatalog:SearchProductsAsAdmin",
		Errors:      []ErrorRule{{"ResourceNotFoundException", problemOnly}, throttleRule("ThrottlingException")},
		Idempotency: readSafe, UsedBy: []string{"discover"},
		Doc: "https://docs.aws.amazon.com/servicecatalog/latest/dg/API_SearchProductsAsAdmin.html"},
	{Service: "servicecatalog", Operation: "ListPrincipalsForPortfolio", Protocol: "JSON 1.1", As: "management", IAMAction: "servicecatalog:ListPrincipalsForPortfolio",
		Errors:      []ErrorRule{{"ResourceNotFoundException", problemOnly}, throttleRule("ThrottlingException")},
		Idempotency: readSafe, UsedBy: []string{"discover"},
		Doc: "https://docs.aws.amazon.com/servicecatalog/latest/dg/API_ListPrincipalsForPortfolio.html"},
	{Service: "servicecatalog", Operation: "ListConstraintsForPortfolio", Protocol: "JSON 1.1", As: "management", IAMAction: "servicecatalog:ListConstraintsForPortfolio",
		Errors:      []ErrorRule{{"ResourceNotFoundException", problemOnly}, throttleRule("ThrottlingException")},
		Idempotency: readSafe, UsedBy: []string{"discover"},
		Doc: "https://docs.aws.amazon.com/servicecatalog/latest/dg/API_ListConstraintsForPortfolio.html"},
	{Service: "servicecatalog", Operation: "SearchProvisionedProducts", Protocol: "JSON 1.1", As: "management", IAMAction: "servicecatalog:SearchProvisionedProducts",
		Errors:      []ErrorRule{{"AccessDeniedException", problemOnly}, throttleRule("ThrottlingException")},
		Idempotency: readSafe, UsedBy: []string{"discover"},
		Doc: "https://docs.aws.amazon.com/servicecatalog/latest/dg/API_SearchProvisionedProducts.html"},
	{Service: "codepipeline", Operation: "GetPipeline", Protocol: "JSON 1.1", As: "management", IAMAction: "codepipeline:GetPipeline",
		Errors:      []ErrorRule{{"PipelineNotFoundException", "no ALZ pipeline: pipeline stays null"}, throttleRule("ThrottlingException")},
		Idempotency: readSafe, UsedBy: []string{"discover"},
		Doc: "https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_GetPipeline.html"},
	{Service: "codepipeline", Operation: "GetPipelineState", Protocol: "JSON 1.1", As: "management", IAMAction: "codepipeline:GetPipelineState",
		Errors:      []ErrorRule{{"PipelineNotFoundException", "no ALZ pipeline: pipeline stays null"}, throttleRule("ThrottlingException")},
		Idempotency: readSafe, UsedBy: []string{"discover"},
		Doc: "https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_GetPipelineState.html"},
	{Service: "s3", Operation: "ListBuckets", Protocol: "REST-XML", As: "both", IAMAction: "s3:ListAllMyBuckets",
		Errors:      []ErrorRule{{"AccessDenied", problemOnly}, throttleRule("SlowDown")},
		Idempotency: readSafe, UsedBy: []string{"discover"},
		Doc: "https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListBuckets.html"},
	{Service: "s3", Operation: "GetBucketLocation", Protocol: "REST-XML", As: "both", IAMAction: "s3:GetBucketLocation",
		Errors:      []ErrorRule{{"NoSuchBucket", "deleted while listing: skipped"}, {"AccessDenied", problemOnly}},
		Idempotency: readSafe, UsedBy: []string{"discover"},
		Doc: "https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketLocation.html"},
	{Service: "ssm", Operation: "DescribeParameters", Protocol: "JSON 1.1", As: "management", IAMAction: "ssm:DescribeParameters",
		Errors:      []ErrorRule{{"AccessDeniedException", problemOnly}, throttleRule("ThrottlingException")},
		Idempotency: readSafe, UsedBy: []string{"discover"},
		Doc: "https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_DescribeParameters.html"},
	{Service: "kms", Operation: "ListAliases", Protocol: "JSON 1.1", As: "management", IAMAction: "kms:ListAliases",
		Errors:      []ErrorRule{{"AccessDeniedException", problemOnly}, throttleRule("ThrottlingException")},
		Idempotency: readSafe, UsedBy: []string{"discover"},
		Doc: "https://docs.aws.amazon.com/kms/latest/APIReference/API_ListAliases.html"},
}

// Operations returns every operation lz2ct calls, sorted by service and operation.
func Operations() []Operation {
	out := append([]Operation(nil), operations...)
	sort.Slice(out, func(i, j int) bool {
		if out[i].Service != out[j].Service {
			return out[i].Service < out[j].Service
		}
		return out[i].Operation < out[j].Operation
	})
	return out
}

// Lookup finds an operation by service (short name, SDK service ID or signing name, any case) and
// operation name.
func Lookup(service, operation string) (Operation, bool) {
	svc := ServiceName(service)
	for _, op := range operations {
		if op.Service == svc && op.Operation == operation {
			return op, true
		}
	}
	return Operation{}, false
}

// serviceNames maps the SDK's service IDs (smithy.OperationError.ServiceID) to lz2ct's short names.
var serviceNames = map[string]string{
	"organizations":   "organizations",
	"sts":             "sts",
	"iam":             "iam",
	"ec2":             "ec2",
	"service quotas":  "servicequotas",
	"servicequotas":   "servicequotas",
	"config service":  "config",
	"config":          "config",
	"sns":             "sns",
	"sso admin":       "sso",
	"sso-admin":       "sso",
	"sso":             "sso",
	"controltower":    "controltower",
	"cloudformation":  "cloudformation",
	"service catalog": "servicecatalog",
	"servicecatalog":  "servicecatalog",
	"codepipeline":    "codepipeline",
	"cloudtrail":      "cloudtrail",
	"cloudwatch logs": "logs",
	"logs":            "logs",
	"lambda":          "lambda",
	"guardduty":       "guardduty",
	"s3":              "s3",
	"ssm":             "ssm",
	"kms":             "kms",
}

// ServiceName turns an SDK service ID ("Config Service", "SSO Admin") into lz2ct's short name
// ("config", "sso"); unknown names come back lower-cased.
func ServiceName(id string) string {
	l := strings.ToLower(id)
	if s, ok := serviceNames[l]; ok {
		return s
	}
	return l
}
