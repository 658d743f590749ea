package discover

import (
	"context"
	"reflect"
	"strings"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	cfgtypes "github.com/aws/aws-sdk-go-v2/service/configservice/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/lz2ct/lz2ct/awsapi"
	"github.com/lz2ct/lz2ct/inventory"
)

// The roles whose presence the snapshot records (inventory.AccountIAM), whatever --role-name says.
const (
	roleControlTowerExecution = "AWSControlTowerExecution"
	roleStackSetExecution     = "AWSCloudFormationStackSetExecutionRole"
	roleOrgAccountAccess      = "OrganizationAccountAccessRole"
)

// startAccount queues the reading of one account: first the role lz2ct can use and the account's
// opt-in regions, then, as tasks of their own, its IAM roles and every snapshot region enabled for
// it. Each task writes only its own part of the account (the IAM fields, one region's slot), and
// the last one to end finishes the account.
func (r *run) startAccount(q *queue, a *inventory.Account) {
	q.add(laneAccountStart, func(ctx context.Context) error {
		r.accountStarted()
		cfg, role, err := r.c.ForAccount(ctx, a.ID)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			code, msg := awsapi.ErrorCode(err)
			r.addProblem(inventory.Problem{AccountID: a.ID, Service: "sts", Operation: "AssumeRole", Code: code, Message: msg})
			r.finishAccount(ctx, a)
			return nil
		}
		cfg = r.counted(cfg)
		a.AccessRole = role

		clients := newRegionClients(cfg)
		optIn, known := r.mgmtOptIn, r.mgmtOptInKnown
		if a.ID != r.id.Account {
			optIn, known = r.optInRegions(ctx, a.ID, clients.ec2)
		}
		a.OptInRegions = optIn
		// A disabled opt-in region cannot be read (AWS refuses the credentials there): it has no
		// entry, and OptInRegions says why.
		var regions []string
		for _, region := range r.snap.Regions {
			if !known || a.EnabledIn(region) {
				regions = append(regions, region)
			}
		}
		read := make([]inventory.AccountRegion, len(regions))
		ok := make([]bool, len(regions))
		var left atomic.Int32
		left.Store(int32(len(regions) + 1))
		done := func() {
			if left.Add(-1) > 0 {
				return
			}
			for i := range read {
				if ok[i] {
					a.Regions = append(a.Regions, read[i])
				}
			}
			r.finishAccount(ctx, a)
		}
		q.add(laneAccountPart, func(ctx context.Context) error {
			r.roles(ctx, a, cfg)
			done()
			return nil
		})
		for i, region := range regions {
			q.add(laneAccountPart, func(ctx context.Context) error {
				if ctx.Err() == nil {
					read[i], ok[i] = r.accountRegion(ctx, a.ID, region, clients)
				}
				done()
				return nil
			})
		}
		return nil
	})
}

// finishAccount ends an account's reading.
func (r *run) finishAccount(ctx context.Context, a *inventory.Account) {
	// What the account holds now is final: copy its strings out of the SDK's response buffers, or
	// every buffer a kept string came from stays in memory to the end.
	detachStrings(reflect.ValueOf(a).Elem())
	if ctx.Err() == nil { // a stopped run does not count the accounts it skipped as read
		r.accountDone()
	}
}

// roles reads the account's IAM roles with iam:ListRoles (one call for up to 1000 roles): the three
// roles the snapshot tracks, and roles named like the ones Control Tower creates in an enrolled
// account (https://docs.aws.amazon.com/controltower/latest/userguide/account-factory-considerations.html).
func (r *run) roles(ctx context.Context, a *inventory.Account, cfg aws.Config) {
	a.IAM = &inventory.AccountIAM{}
	pg := iam.NewListRolesPaginator(awsapi.IAM(cfg), &iam.ListRolesInput{MaxItems: aws.Int32(1000)})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			r.problem(a.ID, "", err)
			return
		}
		for _, role := range page.Roles {
			switch name := aws.ToString(role.RoleName); {
			case name == roleControlTowerExecution:
				a.IAM.ControlTowerExecutionRole = true
			case name == roleStackSetExecution:
				a.IAM.StackSetExecutionRole = true
			case name == roleOrgAccountAccess:
				a.IAM.OrganizationAccountAccessRole = true
			case inventory.IsControlTowerName(inventory.ResourceIAMRole, name):
				a.ReservedNames = append(a.ReservedNames, inventory.NamedResource{Type: inventory.ResourceIAMRole, Name: name})
			}
		}
	}
}

// optInRegions lists the opt-in regions enabled for the account with ec2:DescribeRegions
// (AllRegions: every region with its OptInStatus, answered for the calling account)
// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeRegions.html). known is false
// when the call failed: then every snapshot region is tried.
func (r *run) optInRegions(ctx context.Context, accountID string, client *ec2.Client) (optIn []string, known bool) {
	out, err := client.DescribeRegions(ctx, &ec2.DescribeRegionsInput{AllRegions: aws.Bool(true)})
	if err != nil {
		r.problem(accountID, "", err)
		return nil, false
	}
	return optedIn(out.Regions), true
}

// optedIn picks the regions whose OptInStatus is opted-in.
func optedIn(regions []ec2types.Region) []string {
	var out []string
	for _, reg := range regions {
		if aws.ToString(reg.OptInStatus) == "opted-in" {
			out = append(out, aws.ToString(reg.RegionName))
		}
	}
	return sortedOrNil(out)
}

// regionClients are the clients of one account's region reads, made once for the account and
// given the region with each call (every operation takes the client's options per call): a client
// is a few hundred allocations to make, and an account is read in up to 17 regions.
type regionClients struct {
	sts        *sts.Client
	config     *configservice.Client
	sns        *sns.Client
	cloudTrail *cloudtrail.Client
	logs       *cloudwatchlogs.Client
	ec2        *ec2.Client
}

func newRegionClients(cfg aws.Config) *regionClients {
	return &regionClients{sts: awsapi.STS(cfg), config: awsapi.Config(cfg), sns: awsapi.SNS(cfg),
		cloudTrail: awsapi.CloudTrail(cfg), logs: awsapi.Logs(cfg), ec2: awsapi.EC2(cfg)}
}

// accountRegion reads one account in one region. It reports false when the account cannot be read
// there at all (the first call that needs a permission was refused), after recording that as one
// problem.
func (r *run) accountRegion(ctx context.Context, accountID, region string, c *regionClients) (inventory.AccountRegion, bool) {
	ar := inventory.AccountRegion{Region: region}

	// STS's regional endpoint answers RegionDisabledException where STS is not activated; Control
	// Tower needs it active in every governed region
	// (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_enable-regions.html).
	// GetCallerIdentity needs no permission and is never denied
	// (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html).
	_, err := c.sts.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}, func(o *sts.Options) { o.Region = region })
	switch {
	case err == nil:
	case isCode(err, "RegionDisabledException"):
		ar.STSDisabled = true
	case inventory.IsOptInRegion(region) && regionDisabled(err):
		// The region is not enabled for the account after all (the opt-in list could not be read):
		// AWS does not know the credentials there. A fact, not a problem.
		return ar, false
	default:
		r.problem(accountID, region, err)
		return ar, false
	}

	// The first call that needs a permission: when it is refused (an SCP or permission boundary
	// denying the region), nothing else will be read there either.
	cs, in := c.config, func(o *configservice.Options) { o.Region = region }
	recs, err := cs.DescribeConfigurationRecorders(ctx, &configservice.DescribeConfigurationRecordersInput{}, in)
	if err != nil {
		r.problem(accountID, region, err)
		return ar, false
	}
	if len(recs.ConfigurationRecorders) > 0 {
		recording := map[string]bool{}
		st, err := cs.DescribeConfigurationRecorderStatus(ctx, &configservice.DescribeConfigurationRecorderStatusInput{}, in)
		if err != nil {
			r.problem(accountID, region, err)
		} else {
			for _, s := range st.ConfigurationRecordersStatus {
				recording[aws.ToString(s.Name)] = s.Recording
			}
		}
		for _, rec := range recs.ConfigurationRecorders {
			name := aws.ToString(rec.Name)
			ar.ConfigRecorders = append(ar.ConfigRecorders, inventory.ConfigRecorder{
				Name: name, RoleARN: aws.ToString(rec.RoleARN), Recording: recording[name],
				// Service-linked recorders belong to an AWS service and cannot be deleted by the customer
				// (https://docs.aws.amazon.com/config/latest/developerguide/stop-start-recorder.html).
				ServiceLinked: rec.RecordingScope == cfgtypes.RecordingScopeInternal || strings.HasPrefix(name, "AWSConfigurationRecorderFor"),
			})
		}
	}

	chans, err := cs.DescribeDeliveryChannels(ctx, &configservice.DescribeDeliveryChannelsInput{}, in)
	if err != nil {
		r.problem(accountID, region, err)
	} else {
		for _, ch := range chans.DeliveryChannels {
			ar.DeliveryChannels = append(ar.DeliveryChannels, inventory.DeliveryChannel{
				Name: aws.ToString(ch.Name), S3BucketName: aws.ToString(ch.S3BucketName), SNSTopicARN: aws.ToString(ch.SnsTopicARN)})
		}
	}

	ag := configservice.NewDescribeConfigurationAggregatorsPaginator(cs, &configservice.DescribeConfigurationAggregatorsInput{})
	for ag.HasMorePages() {
		page, err := ag.NextPage(ctx, in)
		if err != nil {
			r.problem(accountID, region, err)
			break
		}
		for _, a := range page.ConfigurationAggregators {
			ar.ConfigAggregators = append(ar.ConfigAggregators, aws.ToString(a.ConfigurationAggregatorName))
		}
	}

	r.reservedNames(ctx, accountID, region, c, &ar)
	r.vpcs(ctx, accountID, region, c, &ar)
	return ar, true
}

// reservedNames records the SNS topics, CloudTrail trails and CloudWatch Logs log groups named like
// the ones Control Tower creates in every enrolled account and governed region; an existing one
// makes enrollment fail (https://docs.aws.amazon.com/controltower/latest/userguide/account-factory-considerations.html,
// https://docs.aws.amazon.com/controltower/latest/userguide/troubleshooting.html).
func (r *run) reservedNames(ctx context.Context, accountID, region string, c *regionClients, ar *inventory.AccountRegion) {
	add := func(typ, name string) {
		if inventory.IsControlTowerName(typ, name) {
			ar.ReservedNames = append(ar.ReservedNames, inventory.NamedResource{Type: typ, Name: name})
		}
	}
	tp := sns.NewListTopicsPaginator(c.sns, &sns.ListTopicsInput{})
	for tp.HasMorePages() {
		page, err := tp.NextPage(ctx, func(o *sns.Options) { o.Region = region })
		if err != nil {
			r.problem(accountID, region, err)
			break
		}
		for _, t := range page.Topics {
			arn := aws.ToString(t.TopicArn)
			add(inventory.ResourceSNSTopic, arn[strings.LastIndex(arn, ":")+1:])
		}
	}
	// Shadow trails (multi-region and organization trails whose home is elsewhere) belong to their
	// home region: IncludeShadowTrails false lists only the trails created in this region.
	// https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_DescribeTrails.html
	trails, err := c.cloudTrail.DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{IncludeShadowTrails: aws.Bool(false)},
		func(o *cloudtrail.Options) { o.Region = region })
	if err != nil {
		r.problem(accountID, region, err)
	} else {
		for _, t := range trails.TrailList {
			add(inventory.ResourceTrail, aws.ToString(t.Name))
		}
	}
	// logGroupNamePattern matches a substring, case-insensitively: one listing catches
	// aws-controltower/CloudTrailLogs and /aws/lambda/aws-controltower-NotificationForwarder.
	// https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_DescribeLogGroups.html
	lp := cloudwatchlogs.NewDescribeLogGroupsPaginator(c.logs, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePattern: aws.String("aws-controltower")})
	for lp.HasMorePages() {
		page, err := lp.NextPage(ctx, func(o *cloudwatchlogs.Options) { o.Region = region })
		if err != nil {
			r.problem(accountID, region, err)
			break
		}
		for _, g := range page.LogGroups {
			add(inventory.ResourceLogGroup, aws.ToString(g.LogGroupName))
		}
	}
}

// vpcs records the region's VPCs and their network interfaces: decommission deletes ALZ's baseline
// VPC only when nothing runs in it any more.
func (r *run) vpcs(ctx context.Context, accountID, region string, c *regionClients, ar *inventory.AccountRegion) {
	client, in := c.ec2, func(o *ec2.Options) { o.Region = region }
	vp := ec2.NewDescribeVpcsPaginator(client, &ec2.DescribeVpcsInput{MaxResults: aws.Int32(1000)})
	index := map[string]int{}
	for vp.HasMorePages() {
		page, err := vp.NextPage(ctx, in)
		if err != nil {
			r.problem(accountID, region, err)
			return
		}
		for _, v := range page.Vpcs {
			vpc := inventory.VPC{ID: aws.ToString(v.VpcId), CIDRBlock: aws.ToString(v.CidrBlock), IsDefault: aws.ToBool(v.IsDefault)}
			for _, t := range v.Tags {
				switch aws.ToString(t.Key) {
				case "Name":
					vpc.Name = aws.ToString(t.Value)
				case "aws:cloudformation:stack-name":
					vpc.Stack = aws.ToString(t.Value)
				}
			}
			index[vpc.ID] = len(ar.VPCs)
			ar.VPCs = append(ar.VPCs, vpc)
		}
	}
	if len(ar.VPCs) == 0 {
		return
	}
	// One listing for every VPC of the region: a filter on vpc-id takes up to 200 values per request,
	// far more VPCs than a region holds (default quota 5).
	ids := make([]string, 0, len(ar.VPCs))
	for _, v := range ar.VPCs {
		ids = append(ids, v.ID)
	}
	np := ec2.NewDescribeNetworkInterfacesPaginator(client, &ec2.DescribeNetworkInterfacesInput{
		Filters: []ec2types.Filter{{Name: aws.String("vpc-id"), Values: ids}}, MaxResults: aws.Int32(1000)})
	for np.HasMorePages() {
		page, err := np.NextPage(ctx, in)
		if err != nil {
			r.problem(accountID, region, err)
			return
		}
		for _, n := range page.NetworkInterfaces {
			i, ok := index[aws.ToString(n.VpcId)]
			if !ok {
				continue
			}
			ar.VPCs[i].NetworkInterfaces = append(ar.VPCs[i].NetworkInterfaces, inventory.NetworkInterface{
				ID: aws.ToString(n.NetworkInterfaceId), Type: string(n.InterfaceType), Status: string(n.Status), Description: aws.ToString(n.Description)})
		}
	}
}

// isCode reports whether err is an AWS error with that code.
func isCode(err error, code string) bool {
	c, _ := awsapi.ErrorCode(err)
	return c == code
}

// regionDisabled reports whether err is AWS's answer to a call into a region that is not enabled for
// the account: the credentials are unknown there
// (https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-regions.html).
func regionDisabled(err error) bool {
	switch c, _ := awsapi.ErrorCode(err); c {
	case "InvalidClientTokenId", "UnrecognizedClientException", "AuthFailure":
		return true
	}
	return false
}

// sortedOrNil is sortedUnique, but nil for an empty list (fields with omitempty).
func sortedOrNil(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return sortedUnique(s)
}
