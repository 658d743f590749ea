package sim

import (
	"context"
	"reflect"
	"sort"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	cfgtypes "github.com/aws/aws-sdk-go-v2/service/configservice/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/lz2ct/lz2ct/inventory"
)

// readRegion reads one account-region the way docs/discovery.md says, through the real SDK.
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
	topic := "arn:aws:sns:" + region + ":" + account + ":aws-controltower-SecurityNotifications"
	_, err := sns.NewFromConfig(cfg).GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: aws.String(topic)})
	switch errCode(err) {
	case "":
		got.ReservedNames = []inventory.NamedResource{{Type: "AWS::SNS::Topic", Name: "aws-controltower-SecurityNotifications"}}
	case "NotFound":
	default:
		t.Fatalf("GetTopicAttributes %s: %v", topic, err)
	}
	return got
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

		// GetRole answers exactly the roles the iam flags say exist.
		client := iam.NewFromConfig(cfg)
		for role, has := range trackedRoles {
			_, err := client.GetRole(context.Background(), &iam.GetRoleInput{RoleName: aws.String(role)})
			code := ""
			if !has(want.IAM) {
				code = "NoSuchEntity"
			}
			wantCode(t, tc.account+" GetRole "+role, err, code)
		}
	}
}

func TestDescribeRegions(t *testing.T) {
	snap := fixture(0, testRegions)
	_, url := serve(t, snap, Options{})
	client := ec2.NewFromConfig(mgmtConfig(url, "eu-west-1"))
	out := must[*ec2.DescribeRegionsOutput](t, "DescribeRegions")(client.DescribeRegions(context.Background(), nil))
	var names []string
	for _, r := range out.Regions {
		names = append(names, *r.RegionName)
	}
	want := append([]string(nil), testRegions...)
	sort.Strings(want)
	if !reflect.DeepEqual(names, want) {
		t.Errorf("DescribeRegions = %v, want %v", names, want)
	}
	all := must[*ec2.DescribeRegionsOutput](t, "DescribeRegions AllRegions")(client.DescribeRegions(context.Background(), &ec2.DescribeRegionsInput{AllRegions: aws.Bool(true)}))
	if len(all.Regions) <= len(want) || *all.Regions[0].OptInStatus == "" {
		t.Errorf("AllRegions: %d regions", len(all.Regions))
	}
	_, err := client.DescribeInstances(context.Background(), nil)
	wantCode(t, "unserved EC2 operation", err, "InvalidAction")
}
