package awsapi

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/controltower"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/servicecatalog"
	"github.com/aws/aws-sdk-go-v2/service/servicequotas"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// Service clients built from a configuration. BaseEndpoint (--endpoint-url) reaches every client
// through aws.Config; only S3 needs more (path-style addressing, see S3).

func Organizations(cfg aws.Config) *organizations.Client { return organizations.NewFromConfig(cfg) }
func STS(cfg aws.Config) *sts.Client                     { return sts.NewFromConfig(cfg) }
func IAM(cfg aws.Config) *iam.Client                     { return iam.NewFromConfig(cfg) }
func EC2(cfg aws.Config) *ec2.Client                     { return ec2.NewFromConfig(cfg) }
func ServiceQuotas(cfg aws.Config) *servicequotas.Client { return servicequotas.NewFromConfig(cfg) }
func Config(cfg aws.Config) *configservice.Client        { return configservice.NewFromConfig(cfg) }
func SNS(cfg aws.Config) *sns.Client                     { return sns.NewFromConfig(cfg) }
func SSOAdmin(cfg aws.Config) *ssoadmin.Client           { return ssoadmin.NewFromConfig(cfg) }
func ControlTower(cfg aws.Config) *controltower.Client   { return controltower.NewFromConfig(cfg) }
func CloudFormation(cfg aws.Config) *cloudformation.Client {
	return cloudformation.NewFromConfig(cfg)
}
func ServiceCatalog(cfg aws.Config) *servicecatalog.Client { return servicecatalog.NewFromConfig(cfg) }
func CodePipeline(cfg aws.Config) *codepipeline.Client     { return codepipeline.NewFromConfig(cfg) }
func SSM(cfg aws.Config) *ssm.Client                       { return ssm.NewFromConfig(cfg) }
func KMS(cfg aws.Config) *kms.Client                       { return kms.NewFromConfig(cfg) }
func CloudTrail(cfg aws.Config) *cloudtrail.Client         { return cloudtrail.NewFromConfig(cfg) }
func Logs(cfg aws.Config) *cloudwatchlogs.Client           { return cloudwatchlogs.NewFromConfig(cfg) }

// S3 uses path-style addressing when a custom endpoint is set: virtual-hosted style would put the
// bucket name in the host name, which a local endpoint such as the simulator cannot resolve. An
// object stored without a checksum (everything written before S3 added them by default) is read
// unvalidated without the SDK logging a line per object on stderr.
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html
func S3(cfg aws.Config) *s3.Client {
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		if cfg.BaseEndpoint != nil {
			o.UsePathStyle = true
		}
		o.DisableLogOutputChecksumValidationSkipped = true
	})
}
