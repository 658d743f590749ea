package sim

import (
	"encoding/xml"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/lz2ct/lz2ct/inventory"
)

// The services that read inside one account and region: IAM, Config, SNS and EC2.
func init() {
	// IAM: query protocol, global. https://docs.aws.amazon.com/IAM/latest/APIReference/welcome.html
	registerService(&service{
		name: "iam", protocol: protoQuery, xmlns: "https://iam.amazonaws.com/doc/2010-05-08/",
		throttle: apiError{Status: 400, Code: "Throttling", Message: "Rate exceeded"},
		denied:   apiError{Status: 403, Code: "AccessDenied"}, badToken: "ValidationError", validation: "ValidationError",
		ops: map[string]handler{"GetRole": iamGetRole},
	})
	// AWS Config: JSON 1.1 (StarlingDoveService). https://docs.aws.amazon.com/config/latest/APIReference/Welcome.html
	registerService(&service{
		name: "config", aliases: []string{"configservice", "config service"}, protocol: protoJSON, targetPrefix: "StarlingDoveService",
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
		name: "sns", protocol: protoQuery, xmlns: "http://sns.amazonaws.com/doc/2010-03-31/",
		throttle: apiError{Status: 400, Code: "Throttling", Message: "Rate exceeded"},
		// SNS answers AuthorizationError where other query services say AccessDenied.
		// https://docs.aws.amazon.com/sns/latest/api/API_GetTopicAttributes.html#API_GetTopicAttributes_Errors
		denied: apiError{Status: 403, Code: "AuthorizationError"}, badToken: "InvalidParameter", validation: "InvalidParameter",
		ops: map[string]handler{"GetTopicAttributes": snsGetTopicAttributes},
	})
	// EC2: its own query flavour. https://docs.aws.amazon.com/AWSEC2/latest/APIReference/query-requests.html
	registerService(&service{
		name: "ec2", protocol: protoEC2,
		// RequestLimitExceeded is EC2's throttling code; UnauthorizedOperation its AccessDenied.
		// https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html
		throttle: apiError{Status: 503, Code: "RequestLimitExceeded", Message: "Request limit exceeded."},
		denied:   apiError{Status: 403, Code: "UnauthorizedOperation"}, badToken: "InvalidParameterValue", validation: "InvalidParameterValue",
		ops: map[string]handler{"DescribeRegions": ec2DescribeRegions},
	})
}

// The three roles docs/discovery.md reads with GetRole, and the snapshot flag that says each exists.
var trackedRoles = map[string]func(*inventory.AccountIAM) bool{
	"AWSControlTowerExecution":               func(i *inventory.AccountIAM) bool { return i.ControlTowerExecutionRole },
	"AWSCloudFormationStackSetExecutionRole": func(i *inventory.AccountIAM) bool { return i.StackSetExecutionRole },
	"OrganizationAccountAccessRole":          func(i *inventory.AccountIAM) bool { return i.OrganizationAccountAccessRole },
}

type iamRole struct {
	XMLName xml.Name `xml:"GetRoleResult"`
	Role    struct {
		Path                     string `xml:"Path"`
		RoleName                 string `xml:"RoleName"`
		RoleID                   string `xml:"RoleId"`
		Arn                      string `xml:"Arn"`
		CreateDate               string `xml:"CreateDate"`
		AssumeRolePolicyDocument string `xml:"AssumeRolePolicyDocument"`
	} `xml:"Role"`
}

// iamGetRole answers for the roles the snapshot's iam flags track; any other role is unknown.
// https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetRole.html
func iamGetRole(c *call) (any, error) {
	name := c.param("RoleName")
	if name == "" {
		return nil, c.missing("roleName")
	}
	a := c.st.account(c.account)
	if a == nil || !roleExists(a, name) {
		return nil, errorf(404, "NoSuchEntity", "The role with name %s cannot be found.", name)
	}
	var out iamRole
	out.Role.Path = "/"
	out.Role.RoleName = name
	out.Role.RoleID = "AROA" + strings.ToUpper(hexOf(a.ID + name)[:17])
	out.Role.Arn = "arn:" + c.partition() + ":iam::" + a.ID + ":role/" + name
	out.Role.CreateDate = a.JoinedAt.UTC().Format(time.RFC3339)
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:` + c.partition() + `:iam::` + c.st.snap.Organization.ManagementAccountID + `:root"},"Action":"sts:AssumeRole"}]}`
	// IAM returns policy documents URL-encoded.
	out.Role.AssumeRolePolicyDocument = url.QueryEscape(trust)
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
				"arn":            "arn:" + c.partition() + ":config:" + c.region + ":" + c.account + ":configuration-recorder/" + r.Name + "/" + hexOf(c.account + c.region + r.Name)[:16],
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

// snsGetTopicAttributes: a topic exists when the account-region's reserved names list it.
func snsGetTopicAttributes(c *call) (any, error) {
	arn := c.param("TopicArn")
	if arn == "" {
		return nil, c.missing("topicArn")
	}
	parts := strings.Split(arn, ":")
	if len(parts) != 6 || parts[2] != "sns" {
		return nil, errorf(400, "InvalidParameter", "Invalid parameter: TopicArn")
	}
	region, account, name := parts[3], parts[4], parts[5]
	ar := c.st.accountRegion(account, region)
	found := false
	if ar != nil && account == c.account && region == c.region {
		for _, r := range ar.ReservedNames {
			if r.Type == "AWS::SNS::Topic" && r.Name == name {
				found = true
			}
		}
	}
	if !found {
		return nil, errorf(404, "NotFound", "Topic does not exist")
	}
	return snsAttributes{Entries: []snsEntry{
		{"TopicArn", arn}, {"Owner", account}, {"DisplayName", ""},
		{"SubscriptionsConfirmed", "0"}, {"SubscriptionsPending", "0"}, {"SubscriptionsDeleted", "0"},
	}}, nil
}

type ec2Regions struct {
	XMLName   xml.Name        `xml:"DescribeRegionsResponse"`
	Xmlns     string          `xml:"xmlns,attr"`
	RequestID string          `xml:"requestId"`
	Regions   []ec2RegionInfo `xml:"regionInfo>item"`
}

type ec2RegionInfo struct {
	Name        string `xml:"regionName"`
	Endpoint    string `xml:"regionEndpoint"`
	OptInStatus string `xml:"optInStatus"`
}

// ec2DescribeRegions lists the snapshot's regions as the enabled ones; AllRegions adds the other
// commercial regions as not opted in.
// https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeRegions.html
func ec2DescribeRegions(c *call) (any, error) {
	out := ec2Regions{Xmlns: "http://ec2.amazonaws.com/doc/2016-11-15/", RequestID: c.requestID}
	filter := c.paramList("RegionName")
	enabled := map[string]bool{}
	for _, r := range c.st.snap.Regions {
		enabled[r] = true
	}
	names := append([]string(nil), c.st.snap.Regions...)
	if c.param("AllRegions") == "true" {
		for _, r := range knownRegions {
			if !enabled[r] {
				names = append(names, r)
			}
		}
	}
	sort.Strings(names)
	for _, r := range names {
		if !selected(filter, r) {
			continue
		}
		status := "opt-in-not-required"
		if !enabled[r] {
			status = "not-opted-in"
		}
		out.Regions = append(out.Regions, ec2RegionInfo{Name: r, Endpoint: "ec2." + r + ".amazonaws.com", OptInStatus: status})
	}
	return out, nil
}
