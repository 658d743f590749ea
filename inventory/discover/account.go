package discover

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	cfgtypes "github.com/aws/aws-sdk-go-v2/service/configservice/types"
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

// securityTopic is the SNS topic Control Tower creates in every governed account and region; an
// existing one makes enrollment fail (https://docs.aws.amazon.com/controltower/latest/userguide/troubleshooting.html).
const securityTopic = "aws-controltower-SecurityNotifications"

// account reads one account: the role lz2ct can use, its IAM roles and every region. Each task
// writes only its own *inventory.Account, so no lock is needed for it.
func (r *run) account(ctx context.Context, a *inventory.Account) {
	cfg, role, err := r.c.ForAccount(ctx, a.ID)
	if err != nil {
		if ctx.Err() != nil {
			return
		}
		code, msg := awsapi.ErrorCode(err)
		r.addProblem(inventory.Problem{AccountID: a.ID, Service: "sts", Operation: "AssumeRole", Code: code, Message: msg})
		return
	}
	cfg = r.counted(cfg)
	a.AccessRole = role

	a.IAM = &inventory.AccountIAM{}
	ic := awsapi.IAM(cfg)
	for _, rc := range []struct {
		name string
		flag *bool
	}{
		{roleControlTowerExecution, &a.IAM.ControlTowerExecutionRole},
		{roleStackSetExecution, &a.IAM.StackSetExecutionRole},
		{roleOrgAccountAccess, &a.IAM.OrganizationAccountAccessRole},
	} {
		_, err := ic.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(rc.name)})
		switch {
		case err == nil:
			*rc.flag = true
		case isCode(err, "NoSuchEntity"):
			// absent (https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetRole.html)
		default:
			r.problem(a.ID, "", err)
		}
	}

	for _, region := range r.snap.Regions {
		if ctx.Err() != nil {
			return
		}
		if ar, ok := r.accountRegion(ctx, a.ID, awsapi.InRegion(cfg, region)); ok {
			a.Regions = append(a.Regions, ar)
		}
	}
}

// accountRegion reads one account in one region. It reports false when the account cannot be read
// there at all (the first call was refused), after recording that as one problem.
func (r *run) accountRegion(ctx context.Context, accountID string, cfg aws.Config) (inventory.AccountRegion, bool) {
	region := cfg.Region
	ar := inventory.AccountRegion{Region: region}

	// STS's regional endpoint answers RegionDisabledException where STS is not activated; Control
	// Tower needs it active in every governed region
	// (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_enable-regions.html).
	_, err := awsapi.STS(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	switch {
	case err == nil:
	case isCode(err, "RegionDisabledException"):
		ar.STSDisabled = true
	default:
		r.problem(accountID, region, err)
		return ar, false
	}

	cs := awsapi.Config(cfg)
	recs, err := cs.DescribeConfigurationRecorders(ctx, &configservice.DescribeConfigurationRecordersInput{})
	if err != nil {
		r.problem(accountID, region, err)
	} else if len(recs.ConfigurationRecorders) > 0 {
		recording := map[string]bool{}
		st, err := cs.DescribeConfigurationRecorderStatus(ctx, &configservice.DescribeConfigurationRecorderStatusInput{})
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

	chans, err := cs.DescribeDeliveryChannels(ctx, &configservice.DescribeDeliveryChannelsInput{})
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
		page, err := ag.NextPage(ctx)
		if err != nil {
			r.problem(accountID, region, err)
			break
		}
		for _, a := range page.ConfigurationAggregators {
			ar.ConfigAggregators = append(ar.ConfigAggregators, aws.ToString(a.ConfigurationAggregatorName))
		}
	}

	arn := "arn:" + r.snap.Partition + ":sns:" + region + ":" + accountID + ":" + securityTopic
	_, err = awsapi.SNS(cfg).GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: aws.String(arn)})
	switch {
	case err == nil:
		ar.ReservedNames = append(ar.ReservedNames, inventory.NamedResource{Type: "AWS::SNS::Topic", Name: securityTopic})
	case isCode(err, "NotFound"):
	default:
		r.problem(accountID, region, err)
	}
	return ar, true
}

// isCode reports whether err is an AWS error with that code.
func isCode(err error, code string) bool {
	c, _ := awsapi.ErrorCode(err)
	return c == code
}
