package sim

import (
	"encoding/xml"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/lz2ct/lz2ct/inventory"
)

// EC2 (regions, VPCs, network interfaces), CloudTrail and CloudWatch Logs: what discovery reads in
// every account and region besides AWS Config.
func init() {
	// EC2: its own query flavour. https://docs.aws.amazon.com/AWSEC2/latest/APIReference/query-requests.html
	registerService(&service{
		name: "ec2", version: "2016-11-15", protocol: protoEC2,
		// RequestLimitExceeded is EC2's throttling code; UnauthorizedOperation its AccessDenied.
		// https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html
		throttle: apiError{Status: 503, Code: "RequestLimitExceeded", Message: "Request limit exceeded."},
		denied:   apiError{Status: 403, Code: "UnauthorizedOperation"}, badToken: "InvalidNextToken", validation: "InvalidParameterValue",
		ops: map[string]handler{
			"DescribeRegions":           ec2DescribeRegions,
			"DescribeVpcs":              ec2DescribeVpcs,
			"DescribeNetworkInterfaces": ec2DescribeNetworkInterfaces,
		},
	})
	// CloudTrail: JSON 1.1; the AWS SDK for Go sends the short target prefix, botocore the long one.
	// https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/Welcome.html
	registerService(&service{
		name: "cloudtrail", protocol: protoJSON,
		targetPrefixes: []string{"CloudTrail_20131101", "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101"},
		throttle:       apiError{Status: 400, Code: "ThrottlingException", Message: "Rate exceeded"},
		denied:         apiError{Status: 400, Code: "AccessDeniedException"}, badToken: "InvalidNextTokenException", validation: "InvalidParameterException",
		ops: map[string]handler{"DescribeTrails": ctrailDescribeTrails},
	})
	// CloudWatch Logs: JSON 1.1. https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/Welcome.html
	registerService(&service{
		name: "logs", aliases: []string{"cloudwatch logs", "cloudwatchlogs"}, protocol: protoJSON, targetPrefixes: []string{"Logs_20140328"},
		throttle: apiError{Status: 400, Code: "ThrottlingException", Message: "Rate exceeded"},
		denied:   apiError{Status: 400, Code: "AccessDeniedException"}, badToken: "InvalidParameterException", validation: "InvalidParameterException",
		ops: map[string]handler{"DescribeLogGroups": logsDescribeLogGroups},
	})
}

const ec2NS = "http://ec2.amazonaws.com/doc/2016-11-15/"

// ec2Filters reads Filter.N.Name / Filter.N.Value.M.
func (c *call) ec2Filters() map[string][]string {
	out := map[string][]string{}
	for i := 1; ; i++ {
		name := c.param(fmt.Sprintf("Filter.%d.Name", i))
		if name == "" {
			return out
		}
		for j := 1; ; j++ {
			v, ok := c.form[fmt.Sprintf("Filter.%d.Value.%d", i, j)]
			if !ok {
				break
			}
			out[name] = append(out[name], v[0])
		}
	}
}

// filterMatch reports whether one of a filter's values matches v; EC2 filter values take the
// wildcards * and ?. https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/Using_Filtering.html
func filterMatch(values []string, v string) bool {
	for _, f := range values {
		if ok, _ := path.Match(f, v); ok || f == v {
			return true
		}
	}
	return false
}

// ec2Page applies EC2's MaxResults (5-1000) and NextToken.
func ec2Page[T any](c *call, items []T, key func(T) string) ([]T, string, error) {
	max := 0
	if v := c.param("MaxResults"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 5 || n > 1000 {
			return nil, "", errorf(400, "InvalidParameterValue", "Value ( %s ) for parameter maxResults is invalid. Expecting a value between 5 and 1000.", v)
		}
		max = n
	}
	if max == 0 {
		max = len(items) + 1 // no MaxResults: everything in one page
	}
	return page(c, items, key, c.param("NextToken"), max, max, max, "maxResults")
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

// ec2DescribeRegions answers for the calling account: without AllRegions the regions enabled for it
// (those that need no opt-in, and the opt-in regions it enabled), with AllRegions every region of
// the partition with its OptInStatus; RegionName.N and the filters endpoint, opt-in-status and
// region-name narrow the list.
// https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeRegions.html
func ec2DescribeRegions(c *call) (any, error) {
	out := ec2Regions{Xmlns: ec2NS, RequestID: c.requestID}
	acct := c.st.account(c.account)
	all := c.param("AllRegions") == "true"
	names := c.paramList("RegionName")
	for _, n := range names {
		if !c.st.regionKnown(n) {
			return nil, errorf(400, "InvalidParameterValue", "Invalid region: %s", n)
		}
	}
	filters := c.ec2Filters()
	for k := range filters {
		if k != "endpoint" && k != "opt-in-status" && k != "region-name" {
			return nil, errorf(400, "InvalidParameterValue", "The filter '%s' is invalid", k)
		}
	}
	for _, r := range inventory.PartitionRegions(c.partition()) {
		status := "opt-in-not-required"
		if r.OptIn {
			status = "not-opted-in"
			if acct != nil && acct.EnabledIn(r.Name) {
				status = "opted-in"
			}
		}
		if status == "not-opted-in" && !all {
			continue
		}
		info := ec2RegionInfo{Name: r.Name, Endpoint: "ec2." + r.Name + ".amazonaws.com", OptInStatus: status}
		if len(names) > 0 && !selected(names, r.Name) {
			continue
		}
		if v, ok := filters["region-name"]; ok && !filterMatch(v, info.Name) {
			continue
		}
		if v, ok := filters["endpoint"]; ok && !filterMatch(v, info.Endpoint) {
			continue
		}
		if v, ok := filters["opt-in-status"]; ok && !filterMatch(v, info.OptInStatus) {
			continue
		}
		out.Regions = append(out.Regions, info)
	}
	return out, nil
}

var (
	vpcIDPattern = regexp.MustCompile(`^vpc-[0-9a-f]{8,17}$`)
	eniIDPattern = regexp.MustCompile(`^eni-[0-9a-f]{8,17}$`)
)

type ec2Tag struct {
	Key   string `xml:"key"`
	Value string `xml:"value"`
}

type ec2VPC struct {
	VpcID           string   `xml:"vpcId"`
	OwnerID         string   `xml:"ownerId"`
	State           string   `xml:"state"`
	CidrBlock       string   `xml:"cidrBlock"`
	DhcpOptionsID   string   `xml:"dhcpOptionsId"`
	InstanceTenancy string   `xml:"instanceTenancy"`
	IsDefault       bool     `xml:"isDefault"`
	Tags            []ec2Tag `xml:"tagSet>item,omitempty"`
}

type ec2DescribeVpcsResponse struct {
	XMLName   xml.Name `xml:"DescribeVpcsResponse"`
	Xmlns     string   `xml:"xmlns,attr"`
	RequestID string   `xml:"requestId"`
	Vpcs      []ec2VPC `xml:"vpcSet>item"`
	NextToken string   `xml:"nextToken,omitempty"`
}

func vpcTags(v inventory.VPC) []ec2Tag {
	var tags []ec2Tag
	if v.Name != "" {
		tags = append(tags, ec2Tag{"Name", v.Name})
	}
	if v.Stack != "" {
		tags = append(tags, ec2Tag{"aws:cloudformation:stack-name", v.Stack})
	}
	return tags
}

// ec2IDs reads an EC2 ID list and checks every ID's shape (AWS answers <Kind>.Malformed for one
// that cannot be an ID of that kind).
func (c *call) ec2IDs(param string, pattern *regexp.Regexp, malformed string) ([]string, error) {
	ids := c.paramList(param)
	for _, id := range ids {
		if !pattern.MatchString(id) {
			return nil, errorf(400, malformed, "Invalid id: \"%s\"", id)
		}
	}
	return ids, nil
}

// ec2DescribeVpcs lists the region's VPCs: VpcId.N, the filters vpc-id, is-default, cidr,
// cidr-block, owner-id, state, tag:Name and tag:aws:cloudformation:stack-name, MaxResults 5-1000.
// https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeVpcs.html
func ec2DescribeVpcs(c *call) (any, error) {
	ids, err := c.ec2IDs("VpcId", vpcIDPattern, "InvalidVpcID.Malformed")
	if err != nil {
		return nil, err
	}
	var vpcs []inventory.VPC
	if ar := c.here(); ar != nil {
		vpcs = ar.VPCs
	}
	for _, id := range ids {
		if !slices.ContainsFunc(vpcs, func(v inventory.VPC) bool { return v.ID == id }) {
			return nil, errorf(400, "InvalidVpcID.NotFound", "The vpc ID '%s' does not exist", id)
		}
	}
	filters := c.ec2Filters()
	var keep []inventory.VPC
	for _, v := range vpcs {
		if len(ids) > 0 && !selected(ids, v.ID) {
			continue
		}
		ok := true
		for name, values := range filters {
			var got string
			switch name {
			case "vpc-id":
				got = v.ID
			case "is-default":
				got = strconv.FormatBool(v.IsDefault)
			case "cidr", "cidr-block", "cidr-block-association.cidr-block":
				got = v.CIDRBlock
			case "owner-id":
				got = c.account
			case "state":
				got = "available"
			case "tag:Name":
				got = v.Name
			case "tag:aws:cloudformation:stack-name":
				got = v.Stack
			default:
				return nil, errorf(400, "InvalidParameterValue", "The filter '%s' is invalid", name)
			}
			ok = ok && filterMatch(values, got)
		}
		if ok {
			keep = append(keep, v)
		}
	}
	keep, next, err := ec2Page(c, keep, func(v inventory.VPC) string { return v.ID })
	if err != nil {
		return nil, err
	}
	out := ec2DescribeVpcsResponse{Xmlns: ec2NS, RequestID: c.requestID, NextToken: next}
	for _, v := range keep {
		out.Vpcs = append(out.Vpcs, ec2VPC{VpcID: v.ID, OwnerID: c.account, State: "available", CidrBlock: v.CIDRBlock,
			DhcpOptionsID: "dopt-" + hexOf(c.account + c.region)[:8], InstanceTenancy: "default", IsDefault: v.IsDefault, Tags: vpcTags(v)})
	}
	return out, nil
}

type ec2ENI struct {
	NetworkInterfaceID string `xml:"networkInterfaceId"`
	SubnetID           string `xml:"subnetId"`
	VpcID              string `xml:"vpcId"`
	AvailabilityZone   string `xml:"availabilityZone"`
	Description        string `xml:"description"`
	OwnerID            string `xml:"ownerId"`
	RequesterManaged   bool   `xml:"requesterManaged"`
	Status             string `xml:"status"`
	MacAddress         string `xml:"macAddress"`
	PrivateIPAddress   string `xml:"privateIpAddress"`
	SourceDestCheck    bool   `xml:"sourceDestCheck"`
	InterfaceType      string `xml:"interfaceType"`
}

type ec2DescribeENIsResponse struct {
	XMLName           xml.Name `xml:"DescribeNetworkInterfacesResponse"`
	Xmlns             string   `xml:"xmlns,attr"`
	RequestID         string   `xml:"requestId"`
	NetworkInterfaces []ec2ENI `xml:"networkInterfaceSet>item"`
	NextToken         string   `xml:"nextToken,omitempty"`
}

type eniInVPC struct {
	inventory.NetworkInterface
	vpc string
}

// ec2DescribeNetworkInterfaces lists the region's network interfaces: NetworkInterfaceId.N, the
// filters vpc-id, network-interface-id, interface-type, status, description and owner-id,
// MaxResults 5-1000.
// https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeNetworkInterfaces.html
func ec2DescribeNetworkInterfaces(c *call) (any, error) {
	ids, err := c.ec2IDs("NetworkInterfaceId", eniIDPattern, "InvalidNetworkInterfaceID.Malformed")
	if err != nil {
		return nil, err
	}
	var all []eniInVPC
	if ar := c.here(); ar != nil {
		for _, v := range ar.VPCs {
			for _, n := range v.NetworkInterfaces {
				all = append(all, eniInVPC{n, v.ID})
			}
		}
	}
	sortBy(all, func(e eniInVPC) string { return e.ID })
	for _, id := range ids {
		if !slices.ContainsFunc(all, func(e eniInVPC) bool { return e.ID == id }) {
			return nil, errorf(400, "InvalidNetworkInterfaceID.NotFound", "The networkInterface ID '%s' does not exist", id)
		}
	}
	filters := c.ec2Filters()
	var keep []eniInVPC
	for _, e := range all {
		if len(ids) > 0 && !selected(ids, e.ID) {
			continue
		}
		ok := true
		for name, values := range filters {
			var got string
			switch name {
			case "vpc-id":
				got = e.vpc
			case "network-interface-id":
				got = e.ID
			case "interface-type":
				got = e.Type
			case "status":
				got = e.Status
			case "description":
				got = e.Description
			case "owner-id":
				got = c.account
			default:
				return nil, errorf(400, "InvalidParameterValue", "The filter '%s' is invalid", name)
			}
			ok = ok && filterMatch(values, got)
		}
		if ok {
			keep = append(keep, e)
		}
	}
	keep, next, err := ec2Page(c, keep, func(e eniInVPC) string { return e.ID })
	if err != nil {
		return nil, err
	}
	out := ec2DescribeENIsResponse{Xmlns: ec2NS, RequestID: c.requestID, NextToken: next}
	for i, e := range keep {
		h := hexOf(e.ID)
		out.NetworkInterfaces = append(out.NetworkInterfaces, ec2ENI{NetworkInterfaceID: e.ID, SubnetID: "subnet-" + h[:17], VpcID: e.vpc,
			AvailabilityZone: c.region + "a", Description: e.Description, OwnerID: c.account, RequesterManaged: e.Type != "interface",
			Status: e.Status, MacAddress: "02:" + h[0:2] + ":" + h[2:4] + ":" + h[4:6] + ":" + h[6:8] + ":" + h[8:10],
			PrivateIPAddress: fmt.Sprintf("10.0.%d.%d", i/250%250, i%250+4), SourceDestCheck: true, InterfaceType: e.Type})
	}
	return out, nil
}

// ctrailDescribeTrails lists the trails created in this region (the reservedNames of type
// AWS::CloudTrail::Trail; the snapshot models no others, so there are no shadow trails to add);
// trailNameList narrows by name or ARN, ignoring names that match nothing, as CloudTrail does.
// https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_DescribeTrails.html
func ctrailDescribeTrails(c *call) (any, error) {
	var in struct {
		TrailNameList       []string `json:"trailNameList"`
		IncludeShadowTrails *bool    `json:"includeShadowTrails"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	out := []map[string]any{}
	for _, name := range c.namedHere(inventory.ResourceTrail) {
		arn := "arn:" + c.partition() + ":cloudtrail:" + c.region + ":" + c.account + ":trail/" + name
		if len(in.TrailNameList) > 0 && !selected(in.TrailNameList, name) && !selected(in.TrailNameList, arn) {
			continue
		}
		out = append(out, map[string]any{"Name": name, "TrailARN": arn, "HomeRegion": c.region,
			"S3BucketName": "aws-controltower-logs-" + c.account + "-" + c.region, "IsMultiRegionTrail": false,
			"IsOrganizationTrail": false, "IncludeGlobalServiceEvents": true, "LogFileValidationEnabled": true,
			"HasCustomEventSelectors": false, "HasInsightSelectors": false})
	}
	return map[string]any{"trailList": out}, nil
}

// logsDescribeLogGroups lists the region's log groups (reservedNames of type AWS::Logs::LogGroup):
// logGroupNamePrefix (case-sensitive) or logGroupNamePattern (a case-insensitive substring), not
// both; limit 1-50.
// https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_DescribeLogGroups.html
func logsDescribeLogGroups(c *call) (any, error) {
	var in struct {
		LogGroupNamePrefix  string `json:"logGroupNamePrefix"`
		LogGroupNamePattern string `json:"logGroupNamePattern"`
		Limit               int    `json:"limit"`
		NextToken           string `json:"nextToken"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if in.LogGroupNamePrefix != "" && in.LogGroupNamePattern != "" {
		return nil, errorf(400, "InvalidParameterException", "LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.")
	}
	var names []string
	for _, n := range c.namedHere(inventory.ResourceLogGroup) {
		if strings.HasPrefix(n, in.LogGroupNamePrefix) && strings.Contains(strings.ToLower(n), strings.ToLower(in.LogGroupNamePattern)) {
			names = append(names, n)
		}
	}
	names, next, err := page(c, names, strKey, in.NextToken, in.Limit, 50, 50, "limit")
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, 0, len(names))
	for _, n := range names {
		arn := "arn:" + c.partition() + ":logs:" + c.region + ":" + c.account + ":log-group:" + n
		out = append(out, map[string]any{"logGroupName": n, "creationTime": c.st.snap.CapturedAt.UnixMilli(), "metricFilterCount": 0,
			"arn": arn + ":*", "logGroupArn": arn, "storedBytes": 0, "logGroupClass": "STANDARD"})
	}
	return withToken(map[string]any{"logGroups": out}, "nextToken", next), nil
}
