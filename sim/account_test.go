package sim

import (
	"context"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	cfgtypes "github.com/aws/aws-sdk-go-v2/service/configservice/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/lz2ct/lz2ct/inventory"
)

// readRegion reads one account-region the way docs/discovery.md says, through the real SDK, with
// the smallest page sizes each API takes so that every list crosses page boundaries.
func readRegion(t *testing.T, cfg aws.Config, account, region string) inventory.AccountRegion {
	t.Helper()
	ctx := context.Background()
	cfg.Region = region
	cs := configservice.NewFromConfig(cfg)
	got := inventory.AccountRegion{Region: region}
	recs := must[*configservice.DescribeConfigurationRecordersOutput](t, "DescribeConfigurationRecorders")(cs.DescribeConfigurationRecorders(ctx, nil))
	status := must[*configservice.DescribeConfigurationRecorderStatusOutput](t, "DescribeConfigurationRecorderStatus")(cs.DescribeConfigurationRecorderStatus(ctx, nil))
	recording := map[string]bool{}
	for _, s := range status.ConfigurationRecordersStatus {
		recording[*s.Name] = s.Recording
	}
	for _, r := range recs.ConfigurationRecorders {
		got.ConfigRecorders = append(got.ConfigRecorders, inventory.ConfigRecorder{Name: *r.Name, RoleARN: *r.RoleARN, Recording: recording[*r.Name],
			ServiceLinked: r.RecordingScope == cfgtypes.RecordingScopeInternal})
	}
	if ch, err := cs.DescribeDeliveryChannels(ctx, nil); err == nil {
		for _, d := range ch.DeliveryChannels {
			got.DeliveryChannels = append(got.DeliveryChannels, inventory.DeliveryChannel{Name: *d.Name, S3BucketName: *d.S3BucketName, SNSTopicARN: aws.ToString(d.SnsTopicARN)})
		}
	} else {
		wantCode(t, "DescribeDeliveryChannels", err, "AccessDeniedException") // the fixture's replayed problem
	}
	ap := configservice.NewDescribeConfigurationAggregatorsPaginator(cs, &configservice.DescribeConfigurationAggregatorsInput{Limit: 1})
	for ap.HasMorePages() {
		for _, a := range must[*configservice.DescribeConfigurationAggregatorsOutput](t, "DescribeConfigurationAggregators")(ap.NextPage(ctx)).ConfigurationAggregators {
			got.ConfigAggregators = append(got.ConfigAggregators, *a.ConfigurationAggregatorName)
		}
	}
	tp := sns.NewListTopicsPaginator(sns.NewFromConfig(cfg), &sns.ListTopicsInput{})
	for tp.HasMorePages() {
		for _, tp := range must[*sns.ListTopicsOutput](t, "ListTopics")(tp.NextPage(ctx)).Topics {
			arn := *tp.TopicArn
			if !strings.HasPrefix(arn, "arn:aws:sns:"+region+":"+account+":") {
				t.Errorf("topic %s is not in %s/%s", arn, account, region)
			}
			got.ReservedNames = append(got.ReservedNames, inventory.NamedResource{Type: inventory.ResourceSNSTopic, Name: arn[strings.LastIndex(arn, ":")+1:]})
		}
	}
	for _, tr := range must[*cloudtrail.DescribeTrailsOutput](t, "DescribeTrails")(cloudtrail.NewFromConfig(cfg).DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{IncludeShadowTrails: aws.Bool(false)})).TrailList {
		got.ReservedNames = append(got.ReservedNames, inventory.NamedResource{Type: inventory.ResourceTrail, Name: *tr.Name})
	}
	lp := cloudwatchlogs.NewDescribeLogGroupsPaginator(cloudwatchlogs.NewFromConfig(cfg), &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePattern: aws.String("aws-controltower"), Limit: aws.Int32(1)})
	for lp.HasMorePages() {
		for _, g := range must[*cloudwatchlogs.DescribeLogGroupsOutput](t, "DescribeLogGroups")(lp.NextPage(ctx)).LogGroups {
			got.ReservedNames = append(got.ReservedNames, inventory.NamedResource{Type: inventory.ResourceLogGroup, Name: *g.LogGroupName})
		}
	}
	sort.Slice(got.ReservedNames, func(i, j int) bool {
		return got.ReservedNames[i].Type+"\x00"+got.ReservedNames[i].Name < got.ReservedNames[j].Type+"\x00"+got.ReservedNames[j].Name
	})
	client := ec2.NewFromConfig(cfg)
	vp := ec2.NewDescribeVpcsPaginator(client, &ec2.DescribeVpcsInput{MaxResults: aws.Int32(5)})
	index := map[string]int{}
	for vp.HasMorePages() {
		for _, v := range must[*ec2.DescribeVpcsOutput](t, "DescribeVpcs")(vp.NextPage(ctx)).Vpcs {
			vpc := inventory.VPC{ID: *v.VpcId, CIDRBlock: *v.CidrBlock, IsDefault: aws.ToBool(v.IsDefault)}
			for _, tg := range v.Tags {
				switch *tg.Key {
				case "Name":
					vpc.Name = *tg.Value
				case "aws:cloudformation:stack-name":
					vpc.Stack = *tg.Value
				}
			}
			index[vpc.ID] = len(got.VPCs)
			got.VPCs = append(got.VPCs, vpc)
		}
	}
	if len(got.VPCs) > 0 {
		var ids []string
		for _, v := range got.VPCs {
			ids = append(ids, v.ID)
		}
		np := ec2.NewDescribeNetworkInterfacesPaginator(client, &ec2.DescribeNetworkInterfacesInput{
			Filters: []ec2types.Filter{{Name: aws.String("vpc-id"), Values: ids}}, MaxResults: aws.Int32(5)})
		for np.HasMorePages() {
			for _, n := range must[*ec2.DescribeNetworkInterfacesOutput](t, "DescribeNetworkInterfaces")(np.NextPage(ctx)).NetworkInterfaces {
				i := index[*n.VpcId]
				got.VPCs[i].NetworkInterfaces = append(got.VPCs[i].NetworkInterfaces, inventory.NetworkInterface{
					ID: *n.NetworkInterfaceId, Type: string(n.InterfaceType), Status: string(n.Status), Description: aws.ToString(n.Description)})
			}
		}
	}
	return got
}

// readRoles reads an account's roles with ListRoles, one role per page.
func readRoles(t *testing.T, cfg aws.Config) (flags inventory.AccountIAM, reserved []inventory.NamedResource) {
	t.Helper()
	pg := iam.NewListRolesPaginator(iam.NewFromConfig(cfg), &iam.ListRolesInput{MaxItems: aws.Int32(1)})
	for pg.HasMorePages() {
		for _, r := range must[*iam.ListRolesOutput](t, "ListRoles")(pg.NextPage(context.Background())).Roles {
			switch name := *r.RoleName; name {
			case "AWSControlTowerExecution":
				flags.ControlTowerExecutionRole = true
			case "AWSCloudFormationStackSetExecutionRole":
				flags.StackSetExecutionRole = true
			case "OrganizationAccountAccessRole":
				flags.OrganizationAccountAccessRole = true
			default:
				if inventory.IsControlTowerName(inventory.ResourceIAMRole, name) {
					reserved = append(reserved, inventory.NamedResource{Type: inventory.ResourceIAMRole, Name: name})
				}
			}
		}
	}
	return flags, reserved
}

// readOptIn reads an account's enabled opt-in regions with DescribeRegions (AllRegions).
func readOptIn(t *testing.T, cfg aws.Config) []string {
	t.Helper()
	out := must[*ec2.DescribeRegionsOutput](t, "DescribeRegions")(ec2.NewFromConfig(cfg).DescribeRegions(context.Background(), &ec2.DescribeRegionsInput{AllRegions: aws.Bool(true)}))
	var opted []string
	for _, r := range out.Regions {
		if aws.ToString(r.OptInStatus) == "opted-in" {
			opted = append(opted, *r.RegionName)
		}
	}
	return opted
}

func TestAccountRegionsServeTheSnapshot(t *testing.T) {
	snap := fixture(2, testRegions)
	_, url := serve(t, snap, Options{})
	ix := inventory.NewIndex(snap)
	for _, tc := range []struct{ account, role string }{
		{mgmtID, ""}, {securityID, "OrganizationAccountAccessRole"}, {sharedID, "AWSControlTowerExecution"}, {"900000000001", "OrganizationAccountAccessRole"},
	} {
		cfg := mgmtConfig(url, "us-east-1")
		if tc.role != "" {
			cfg = memberConfig(t, url, "us-east-1", tc.account, tc.role)
		}
		want := ix.Account(tc.account)
		for _, wr := range want.Regions {
			got := readRegion(t, cfg, tc.account, wr.Region)
			wr.STSDisabled = false
			if tc.account == sharedID && wr.Region == testRegions[len(testRegions)-1] {
				wr.DeliveryChannels = nil // the replayed problem hides them
			}
			if !reflect.DeepEqual(got, wr) {
				t.Errorf("%s %s:\n got %+v\nwant %+v", tc.account, wr.Region, got, wr)
			}
		}

		// GetRole answers exactly the roles the iam flags say exist; ListRoles lists them and the
		// aws-controltower-* roles.
		client := iam.NewFromConfig(cfg)
		for role, has := range trackedRoles {
			_, err := client.GetRole(context.Background(), &iam.GetRoleInput{RoleName: aws.String(role)})
			code := ""
			if !has(want.IAM) {
				code = "NoSuchEntity"
			}
			wantCode(t, tc.account+" GetRole "+role, err, code)
		}
		flags, reserved := readRoles(t, cfg)
		if flags != *want.IAM || !reflect.DeepEqual(reserved, want.ReservedNames) {
			t.Errorf("%s ListRoles: flags %+v reserved %v, want %+v %v", tc.account, flags, reserved, *want.IAM, want.ReservedNames)
		}
		if got := readOptIn(t, cfg); !slices.Equal(got, want.OptInRegions) {
			t.Errorf("%s opt-in regions %v, want %v", tc.account, got, want.OptInRegions)
		}
	}
}

func TestNetworkLookupsAndErrors(t *testing.T) {
	snap := fixture(0, testRegions)
	_, url := serve(t, snap, Options{})
	ctx := context.Background()
	cfg := memberConfig(t, url, testRegions[0], securityID, "OrganizationAccountAccessRole")
	client := ec2.NewFromConfig(cfg)
	vpcs := inventory.NewIndex(snap).Account(securityID).Regions[0].VPCs
	one := must[*ec2.DescribeVpcsOutput](t, "DescribeVpcs by ID")(client.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{vpcs[1].ID}}))
	if len(one.Vpcs) != 1 || *one.Vpcs[0].VpcId != vpcs[1].ID {
		t.Errorf("DescribeVpcs by ID = %+v", one.Vpcs)
	}
	def := must[*ec2.DescribeVpcsOutput](t, "DescribeVpcs is-default")(client.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []ec2types.Filter{{Name: aws.String("is-default"), Values: []string{"true"}}}}))
	if len(def.Vpcs) != 1 || !*def.Vpcs[0].IsDefault {
		t.Errorf("is-default filter = %+v", def.Vpcs)
	}
	_, err := client.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{"vpc-XYZ"}})
	wantCode(t, "malformed VPC ID", err, "InvalidVpcID.Malformed")
	_, err = client.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{"vpc-0123456789abcdef0"}})
	wantCode(t, "unknown VPC", err, "InvalidVpcID.NotFound")
	_, err = client.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: []string{"eni-nothex"}})
	wantCode(t, "malformed ENI ID", err, "InvalidNetworkInterfaceID.Malformed")
	_, err = client.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{MaxResults: aws.Int32(4)})
	wantCode(t, "MaxResults under 5", err, "InvalidParameterValue")
	nat := must[*ec2.DescribeNetworkInterfacesOutput](t, "ENIs by type")(client.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{
		Filters: []ec2types.Filter{{Name: aws.String("interface-type"), Values: []string{"natGateway"}}}}))
	if len(nat.NetworkInterfaces) != 1 || nat.NetworkInterfaces[0].InterfaceType != ec2types.NetworkInterfaceTypeNatGateway {
		t.Errorf("interface-type filter = %+v", nat.NetworkInterfaces)
	}
	_, err = cloudwatchlogs.NewFromConfig(cfg).DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("a"), LogGroupNamePattern: aws.String("b")})
	wantCode(t, "prefix and pattern", err, "InvalidParameterException")
	trails := must[*cloudtrail.DescribeTrailsOutput](t, "DescribeTrails by name")(cloudtrail.NewFromConfig(cfg).DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{TrailNameList: []string{"aws-controltower-BaselineCloudTrail", "no-such-trail"}}))
	if len(trails.TrailList) != 1 {
		t.Errorf("DescribeTrails by name = %+v, want the one trail (unknown names are ignored)", trails.TrailList)
	}
}

// DescribeRegions answers as AWS: every region that needs no opt-in is enabled, opt-in regions only
// where the account enabled them; AllRegions, RegionNames and Filters narrow or widen the list.
func TestDescribeRegions(t *testing.T) {
	snap := fixture(0, testRegions)
	_, url := serve(t, snap, Options{})
	ctx := context.Background()
	names := func(out *ec2.DescribeRegionsOutput) (n []string, status map[string]string) {
		status = map[string]string{}
		for _, r := range out.Regions {
			n = append(n, *r.RegionName)
			status[*r.RegionName] = *r.OptInStatus
		}
		return n, status
	}
	var defaults, all []string
	for _, r := range inventory.PartitionRegions("aws") {
		all = append(all, r.Name)
		if !r.OptIn {
			defaults = append(defaults, r.Name)
		}
	}
	client := ec2.NewFromConfig(mgmtConfig(url, "eu-west-1"))
	got, _ := names(must[*ec2.DescribeRegionsOutput](t, "DescribeRegions")(client.DescribeRegions(ctx, nil)))
	if !slices.Equal(got, defaults) {
		t.Errorf("DescribeRegions = %v, want the %d regions that need no opt-in %v", got, len(defaults), defaults)
	}
	got, status := names(must[*ec2.DescribeRegionsOutput](t, "AllRegions")(client.DescribeRegions(ctx, &ec2.DescribeRegionsInput{AllRegions: aws.Bool(true)})))
	if !slices.Equal(got, all) || status["us-east-1"] != "opt-in-not-required" || status["af-south-1"] != "not-opted-in" {
		t.Errorf("AllRegions = %v %v", got, status)
	}
	got, _ = names(must[*ec2.DescribeRegionsOutput](t, "RegionNames")(client.DescribeRegions(ctx, &ec2.DescribeRegionsInput{RegionNames: []string{"eu-west-1", "us-east-1"}})))
	if !slices.Equal(got, []string{"eu-west-1", "us-east-1"}) {
		t.Errorf("RegionNames = %v", got)
	}
	got, _ = names(must[*ec2.DescribeRegionsOutput](t, "Filters")(client.DescribeRegions(ctx, &ec2.DescribeRegionsInput{AllRegions: aws.Bool(true),
		Filters: []ec2types.Filter{{Name: aws.String("opt-in-status"), Values: []string{"not-opted-in"}}, {Name: aws.String("region-name"), Values: []string{"af-*", "me-*"}}}})))
	if !slices.Equal(got, []string{"af-south-1", "me-central-1", "me-south-1"}) {
		t.Errorf("Filters = %v", got)
	}
	_, err := client.DescribeRegions(ctx, &ec2.DescribeRegionsInput{RegionNames: []string{"eu-wset-1"}})
	wantCode(t, "unknown region name", err, "InvalidParameterValue")

	// The log archive account enabled af-south-1: it is listed as opted-in for it, and calls there work.
	logCfg := memberConfig(t, url, "us-east-1", logID, "OrganizationAccountAccessRole")
	got, status = names(must[*ec2.DescribeRegionsOutput](t, "member")(ec2.NewFromConfig(logCfg).DescribeRegions(ctx, nil)))
	if !slices.Contains(got, "af-south-1") || status["af-south-1"] != "opted-in" {
		t.Errorf("log archive DescribeRegions = %v %v", got, status)
	}
	_, err = client.DescribeInstances(ctx, nil)
	wantCode(t, "unserved EC2 operation", err, "InvalidAction")
}
