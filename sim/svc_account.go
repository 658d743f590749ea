package sim

import (
	"encoding/xml"
	"slices"
	"sort"
	"strings"

	"github.com/lz2ct/lz2ct/inventory"
)

// The services that read inside one account and region: IAM, Config, SNS and EC2.
func init() {
	// IAM: query protocol, global. https://docs.aws.amazon.com/IAM/latest/APIReference/welcome.html
	registerService(&service{
		name: "iam", version: "2010-05-08", protocol: protoQuery, xmlns: "https://iam.amazonaws.com/doc/2010-05-08/",
		throttle: apiError{Status: 400, Code: "Throttling", Message: "Rate exceeded"},
		denied:   apiError{Status: 403, Code: "AccessDenied"}, badToken: "ValidationError", validation: "ValidationError",
		ops: map[string]handler{"GetRole": iamGetRole, "ListRoles": iamListRoles,
			// svc_iam_mut.go
			"GetRolePolicy": iamGetRolePolicy, "ListAttachedRolePolicies": iamListAttachedRolePolicies},
	})
	// AWS Config: JSON 1.1 (StarlingDoveService). https://docs.aws.amazon.com/config/latest/APIReference/Welcome.html
	registerService(&service{
		name: "config", aliases: []string{"configservice", "config service"}, protocol: protoJSON, targetPrefixes: []string{"StarlingDoveService"},
		throttle: apiError{Status: 400, Code: "ThrottlingException", Message: "Rate exceeded"},
		denied:   apiError{Status: 400, Code: "AccessDeniedException"}, badToken: "InvalidNextTokenException", validation: "InvalidLimitException",
		ops: map[string]handler{
			"DescribeConfigurationRecorders":      configDescribeRecorders,
			"DescribeConfigurationRecorderStatus": configDescribeRecorderStatus,
			"DescribeDeliveryChannels":            configDescribeDeliveryChannels,
			"DescribeConfigurationAggregators":    configDescribeAggregators,
		},
	})
	// SNS: query protocol. https://docs.aws.amazon.com/sns/latest/api/welcome.html
	registerService(&service{
		name: "sns", version: "2010-03-31", protocol: protoQuery, xmlns: "http://sns.amazonaws.com/doc/2010-03-31/",
		throttle: apiError{Status: 400, Code: "Throttling", Message: "Rate exceeded"},
		// SNS answers AuthorizationError where other query services say AccessDenied.
		// https://docs.aws.amazon.com/sns/latest/api/API_GetTopicAttributes.html#API_GetTopicAttributes_Errors
		denied: apiError{Status: 403, Code: "AuthorizationError"}, badToken: "InvalidParameter", validation: "InvalidParameter",
		ops: map[string]handler{"GetTopicAttributes": snsGetTopicAttributes, "ListTopics": snsListTopics},
	})
}

// The three roles docs/discovery.md reads with GetRole, and the snapshot flag that says each exists.
var trackedRoles = map[string]func(*inventory.AccountIAM) bool{
	"AWSControlTowerExecution":               func(i *inventory.AccountIAM) bool { return i.ControlTowerExecutionRole },
	"AWSCloudFormationStackSetExecutionRole": func(i *inventory.AccountIAM) bool { return i.StackSetExecutionRole },
	"OrganizationAccountAccessRole":          func(i *inventory.AccountIAM) bool { return i.OrganizationAccountAccessRole },
}

type iamRoleXML struct {
	Path                     string `xml:"Path"`
	RoleName                 string `xml:"RoleName"`
	RoleID                   string `xml:"RoleId"`
	Arn                      string `xml:"Arn"`
	CreateDate               string `xml:"CreateDate"`
	AssumeRolePolicyDocument string `xml:"AssumeRolePolicyDocument"`
	MaxSessionDuration       int    `xml:"MaxSessionDuration"`
}

type iamGetRoleResult struct {
	XMLName xml.Name   `xml:"GetRoleResult"`
	Role    iamRoleXML `xml:"Role"`
}

type iamListRolesResult struct {
	XMLName     xml.Name     `xml:"ListRolesResult"`
	Roles       []iamRoleXML `xml:"Roles>member"`
	IsTruncated bool         `xml:"IsTruncated"`
	Marker      string       `xml:"Marker,omitempty"`
}

// rolesOf are the roles the snapshot says exist in account a, sorted by name: the tracked roles
// its iam flags name and the aws-controltower-* roles of its reservedNames.
func rolesOf(a *inventory.Account) []string {
	var out []string
	for name := range trackedRoles {
		if roleExists(a, name) {
			out = append(out, name)
		}
	}
	for _, n := range a.ReservedNames {
		if n.Type == inventory.ResourceIAMRole {
			out = append(out, n.Name)
		}
	}
	sort.Strings(out)
	return out
}

// iamGetRole answers for the roles of the calling account (svc_iam_mut.go's model over the
// snapshot); any other role is unknown.
// https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetRole.html
func iamGetRole(c *call) (any, error) {
	_, r, e := c.iamRoleParam()
	if e != nil {
		return nil, e
	}
	return iamGetRoleResult{Role: c.roleView(c.account, r)}, nil
}

// iamListRoles pages the account's roles with Marker and MaxItems (1-1000, default 100); PathPrefix
// keeps the roles whose path starts with it.
// https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListRoles.html
func iamListRoles(c *call) (any, error) {
	var names []string
	prefix := c.param("PathPrefix")
	for _, n := range c.st.roleNames(c.account) {
		if prefix == "" || strings.HasPrefix(c.st.role(c.account, n).Path, prefix) {
			names = append(names, n)
		}
	}
	names, next, err := page(c, names, strKey, c.param("Marker"), c.maxResults("MaxItems"), 100, 1000, "maxItems")
	if err != nil {
		return nil, err
	}
	out := iamListRolesResult{Roles: []iamRoleXML{}, IsTruncated: next != "", Marker: next}
	for _, n := range names {
		out.Roles = append(out.Roles, c.roleView(c.account, c.st.role(c.account, n)))
	}
	return out, nil
}

func (c *call) here() *inventory.AccountRegion { return c.st.accountRegion(c.account, c.region) }

func configDescribeRecorders(c *call) (any, error) {
	var in struct{ ConfigurationRecorderNames []string }
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	out := []map[string]any{}
	if ar := c.here(); ar != nil {
		for _, r := range ar.ConfigRecorders {
			if !selected(in.ConfigurationRecorderNames, r.Name) {
				continue
			}
			m := map[string]any{
				"name": r.Name, "roleARN": r.RoleARN,
				"arn":            c.recorderARN(r.Name),
				"recordingGroup": map[string]any{"allSupported": true, "includeGlobalResourceTypes": false},
				"recordingScope": "PAID",
			}
			// Service-linked recorders are INTERNAL and name their service.
			// https://docs.aws.amazon.com/config/latest/developerguide/stop-start-recorder.html
			if r.ServiceLinked {
				m["recordingScope"] = "INTERNAL"
				m["servicePrincipal"] = servicePrincipalOf(r.Name)
			}
			out = append(out, m)
		}
	}
	if err := c.missingRecorders(in.ConfigurationRecorderNames, len(out)); err != nil {
		return nil, err
	}
	return map[string]any{"ConfigurationRecorders": out}, nil
}

// servicePrincipalOf guesses the service of a recorder named AWSConfigurationRecorderFor<Service>.
func servicePrincipalOf(name string) string {
	svc := strings.ToLower(strings.TrimPrefix(name, "AWSConfigurationRecorderFor"))
	if svc == "" {
		svc = "config"
	}
	return svc + ".amazonaws.com"
}

func selected(names []string, name string) bool {
	if len(names) == 0 {
		return true
	}
	for _, n := range names {
		if n == name {
			return true
		}
	}
	return false
}

// missingRecorders: asking for recorders by name that do not all exist is an error.
func (c *call) missingRecorders(names []string, found int) error {
	if len(names) > found {
		return errorf(400, "NoSuchConfigurationRecorderException", "Cannot find configuration recorder with the specified name '%s'.", strings.Join(names, ","))
	}
	return nil
}

func configDescribeRecorderStatus(c *call) (any, error) {
	var in struct{ ConfigurationRecorderNames []string }
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	out := []map[string]any{}
	if ar := c.here(); ar != nil {
		for _, r := range ar.ConfigRecorders {
			if !selected(in.ConfigurationRecorderNames, r.Name) {
				continue
			}
			m := map[string]any{"name": r.Name, "recording": r.Recording, "lastStatus": "SUCCESS"}
			if !r.Recording {
				m["lastStatus"] = "PENDING"
			}
			if r.ServiceLinked {
				m["servicePrincipal"] = servicePrincipalOf(r.Name)
			}
			out = append(out, m)
		}
	}
	if err := c.missingRecorders(in.ConfigurationRecorderNames, len(out)); err != nil {
		return nil, err
	}
	return map[string]any{"ConfigurationRecordersStatus": out}, nil
}

func configDescribeDeliveryChannels(c *call) (any, error) {
	var in struct{ DeliveryChannelNames []string }
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	out := []map[string]any{}
	if ar := c.here(); ar != nil {
		for _, d := range ar.DeliveryChannels {
			if !selected(in.DeliveryChannelNames, d.Name) {
				continue
			}
			m := map[string]any{"name": d.Name, "s3BucketName": d.S3BucketName}
			if d.SNSTopicARN != "" {
				m["snsTopicARN"] = d.SNSTopicARN
			}
			out = append(out, m)
		}
	}
	if len(in.DeliveryChannelNames) > len(out) {
		return nil, errorf(400, "NoSuchDeliveryChannelException", "Cannot find delivery channel with specified name '%s'.", strings.Join(in.DeliveryChannelNames, ","))
	}
	return map[string]any{"DeliveryChannels": out}, nil
}

// DescribeConfigurationAggregators pages with Limit (0-100, 0 = the default 100).
// https://docs.aws.amazon.com/config/latest/APIReference/API_DescribeConfigurationAggregators.html
func configDescribeAggregators(c *call) (any, error) {
	var in struct {
		ConfigurationAggregatorNames []string
		Limit                        int
		NextToken                    string
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	var names []string
	if ar := c.here(); ar != nil {
		for _, n := range ar.ConfigAggregators {
			if selected(in.ConfigurationAggregatorNames, n) {
				names = append(names, n)
			}
		}
	}
	sort.Strings(names)
	if len(in.ConfigurationAggregatorNames) > len(names) {
		return nil, errorf(400, "NoSuchConfigurationAggregatorException", "The configuration aggregator does not exist.")
	}
	names, next, err := page(c, names, strKey, in.NextToken, in.Limit, 100, 100, "limit")
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, 0, len(names))
	for _, n := range names {
		out = append(out, map[string]any{
			"ConfigurationAggregatorName": n,
			"ConfigurationAggregatorArn":  "arn:" + c.partition() + ":config:" + c.region + ":" + c.account + ":config-aggregator/config-aggregator-" + hexOf(c.account + c.region + n)[:8],
		})
	}
	return withToken(map[string]any{"ConfigurationAggregators": out}, "NextToken", next), nil
}

type snsAttributes struct {
	XMLName xml.Name   `xml:"GetTopicAttributesResult"`
	Entries []snsEntry `xml:"Attributes>entry"`
}

type snsEntry struct {
	Key   string `xml:"key"`
	Value string `xml:"value"`
}

// namedHere lists the names of the snapshot's reservedNames of one type in the call's account and
// region, sorted.
func (c *call) namedHere(typ string) []string {
	var out []string
	if ar := c.here(); ar != nil {
		for _, r := range ar.ReservedNames {
			if r.Type == typ {
				out = append(out, r.Name)
			}
		}
	}
	sort.Strings(out)
	return out
}

func (c *call) topicARN(name string) string {
	return "arn:" + c.partition() + ":sns:" + c.region + ":" + c.account + ":" + name
}

// snsGetTopicAttributes: a topic exists when the account-region's reserved names list it (the only
// topics the snapshot models).
// https://docs.aws.amazon.com/sns/latest/api/API_GetTopicAttributes.html
func snsGetTopicAttributes(c *call) (any, error) {
	arn := c.param("TopicArn")
	if arn == "" {
		return nil, c.missing("topicArn")
	}
	parts := strings.Split(arn, ":")
	if len(parts) != 6 || parts[2] != "sns" || !strings.HasPrefix(parts[0]+":"+parts[1], "arn:aws") {
		return nil, errorf(400, "InvalidParameter", "Invalid parameter: TopicArn")
	}
	region, account, name := parts[3], parts[4], parts[5]
	found := false
	if account == c.account && region == c.region {
		_, found = slices.BinarySearch(c.namedHere(inventory.ResourceSNSTopic), name)
	}
	if !found {
		return nil, errorf(404, "NotFound", "Topic does not exist")
	}
	return snsAttributes{Entries: []snsEntry{
		{"TopicArn", arn}, {"Owner", account}, {"DisplayName", ""},
		{"SubscriptionsConfirmed", "0"}, {"SubscriptionsPending", "0"}, {"SubscriptionsDeleted", "0"},
	}}, nil
}

type snsListTopicsResult struct {
	XMLName   xml.Name   `xml:"ListTopicsResult"`
	Topics    []snsTopic `xml:"Topics>member"`
	NextToken string     `xml:"NextToken,omitempty"`
}

type snsTopic struct {
	TopicArn string `xml:"TopicArn"`
}

// snsListTopics lists the account-region's topics, 100 per page (ListTopics has no page size).
// https://docs.aws.amazon.com/sns/latest/api/API_ListTopics.html
func snsListTopics(c *call) (any, error) {
	names, next, err := page(c, c.namedHere(inventory.ResourceSNSTopic), strKey, c.param("NextToken"), 0, 100, 100, "")
	if err != nil {
		return nil, err
	}
	out := snsListTopicsResult{Topics: []snsTopic{}, NextToken: next}
	for _, n := range names {
		out.Topics = append(out.Topics, snsTopic{c.topicARN(n)})
	}
	return out, nil
}
