package orggen

// SCP documents the generator attaches. They are written the way people (and ALZ's pipeline)
// submit them, two-space indented; Organizations returns a document exactly as it was submitted,
// which is why the model keeps it verbatim.
// https://docs.aws.amazon.com/organizations/latest/APIReference/API_DescribePolicy.html

// FullAWSAccessID is the ID AWS gives its managed FullAWSAccess SCP in every organization.
// https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_strategies.html
const FullAWSAccessID = "p-FullAWSAccess"

const fullAWSAccessDocument = `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": "*",
      "Resource": "*"
    }
  ]
}`

// protectCloudTrailConfigDocument is ALZ (<= v2.2)'s protect-cloudtrail-config SCP: it denies
// stopping or deleting AWS Config and CloudTrail to every principal, so nothing, not even the
// migration, can remove ALZ's recorder while it is attached.
const protectCloudTrailConfigDocument = `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "ProtectCloudTrailAndConfig",
      "Effect": "Deny",
      "Action": [
        "cloudtrail:Delete*",
        "cloudtrail:Stop*",
        "config:Delete*",
        "config:Stop*"
      ],
      "Resource": "*"
    }
  ]
}`

// ALZ v2.3+ replaced protect-cloudtrail-config with two guardrail SCPs that deny changes to the
// baseline (Config, CloudTrail, the baseline roles) to everyone except the StackSet execution role.
const coreGuardrailsDocument = `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "DenyConfigChanges",
      "Effect": "Deny",
      "Action": [
        "config:DeleteConfigurationRecorder",
        "config:DeleteDeliveryChannel",
        "config:DeleteRetentionConfiguration",
        "config:PutConfigurationRecorder",
        "config:PutDeliveryChannel",
        "config:PutRetentionConfiguration",
        "config:StopConfigurationRecorder"
      ],
      "Resource": "*",
      "Condition": {
        "ArnNotLike": {
          "aws:PrincipalARN": "arn:aws:iam::*:role/AWSCloudFormationStackSetExecutionRole"
        }
      }
    },
    {
      "Sid": "DenyCloudTrailChanges",
      "Effect": "Deny",
      "Action": [
        "cloudtrail:DeleteTrail",
        "cloudtrail:PutEventSelectors",
        "cloudtrail:StopLogging",
        "cloudtrail:UpdateTrail"
      ],
      "Resource": "arn:aws:cloudtrail:*:*:trail/AWS-Landing-Zone-BaselineCloudTrail",
      "Condition": {
        "ArnNotLike": {
          "aws:PrincipalARN": "arn:aws:iam::*:role/AWSCloudFormationStackSetExecutionRole"
        }
      }
    },
    {
      "Sid": "DenyLandingZoneBucketChanges",
      "Effect": "Deny",
      "Action": [
        "s3:DeleteBucket",
        "s3:PutBucketPolicy",
        "s3:PutLifecycleConfiguration"
      ],
      "Resource": "arn:aws:s3:::aws-landing-zone-*",
      "Condition": {
        "ArnNotLike": {
          "aws:PrincipalARN": "arn:aws:iam::*:role/AWSCloudFormationStackSetExecutionRole"
        }
      }
    },
    {
      "Sid": "DenyBaselineRoleChanges",
      "Effect": "Deny",
      "Action": [
        "iam:AttachRolePolicy",
        "iam:DeleteRole",
        "iam:DeleteRolePolicy",
        "iam:DetachRolePolicy",
        "iam:PutRolePolicy",
        "iam:UpdateAssumeRolePolicy"
      ],
      "Resource": [
        "arn:aws:iam::*:role/AWSCloudFormationStackSetExecutionRole",
        "arn:aws:iam::*:role/AWS-Landing-Zone-*"
      ],
      "Condition": {
        "ArnNotLike": {
          "aws:PrincipalARN": "arn:aws:iam::*:role/AWSCloudFormationStackSetExecutionRole"
        }
      }
    }
  ]
}`

const nonCoreGuardrailsDocument = `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "DenyConfigChanges",
      "Effect": "Deny",
      "Action": [
        "config:DeleteConfigurationRecorder",
        "config:DeleteDeliveryChannel",
        "config:DeleteRetentionConfiguration",
        "config:PutConfigurationRecorder",
        "config:PutDeliveryChannel",
        "config:PutRetentionConfiguration",
        "config:StopConfigurationRecorder"
      ],
      "Resource": "*",
      "Condition": {
        "ArnNotLike": {
          "aws:PrincipalARN": "arn:aws:iam::*:role/AWSCloudFormationStackSetExecutionRole"
        }
      }
    },
    {
      "Sid": "DenyCloudTrailChanges",
      "Effect": "Deny",
      "Action": [
        "cloudtrail:DeleteTrail",
        "cloudtrail:PutEventSelectors",
        "cloudtrail:StopLogging",
        "cloudtrail:UpdateTrail"
      ],
      "Resource": "arn:aws:cloudtrail:*:*:trail/AWS-Landing-Zone-BaselineCloudTrail",
      "Condition": {
        "ArnNotLike": {
          "aws:PrincipalARN": "arn:aws:iam::*:role/AWSCloudFormationStackSetExecutionRole"
        }
      }
    },
    {
      "Sid": "DenyBaselineRoleChanges",
      "Effect": "Deny",
      "Action": [
        "iam:AttachRolePolicy",
        "iam:DeleteRole",
        "iam:DeleteRolePolicy",
        "iam:DetachRolePolicy",
        "iam:PutRolePolicy",
        "iam:UpdateAssumeRolePolicy"
      ],
      "Resource": [
        "arn:aws:iam::*:role/AWSCloudFormationStackSetExecutionRole",
        "arn:aws:iam::*:role/AWS-Landing-Zone-*"
      ],
      "Condition": {
        "ArnNotLike": {
          "aws:PrincipalARN": "arn:aws:iam::*:role/AWSCloudFormationStackSetExecutionRole"
        }
      }
    }
  ]
}`

// CustomSCP is a customer-written SCP the generator can attach.
type CustomSCP struct {
	Name, Description, Document string
}

// customSCPs are typical customer SCPs found beside ALZ's: what scp-density draws from.
var customSCPs = []CustomSCP{
	{"deny-leave-organization", "Accounts may not leave the organization", `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "DenyLeaveOrganization",
      "Effect": "Deny",
      "Action": "organizations:LeaveOrganization",
      "Resource": "*"
    }
  ]
}`},
	{"deny-root-user", "No actions as the root user", `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "DenyRootUser",
      "Effect": "Deny",
      "Action": "*",
      "Resource": "*",
      "Condition": {
        "StringLike": {
          "aws:PrincipalArn": "arn:aws:iam::*:root"
        }
      }
    }
  ]
}`},
	{"region-restriction", "Only the approved regions", `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "DenyOutsideApprovedRegions",
      "Effect": "Deny",
      "NotAction": [
        "cloudfront:*",
        "iam:*",
        "organizations:*",
        "route53:*",
        "sts:*",
        "support:*"
      ],
      "Resource": "*",
      "Condition": {
        "StringNotEquals": {
          "aws:RequestedRegion": [
            "eu-west-1",
            "eu-central-1",
            "us-east-1"
          ]
        }
      }
    }
  ]
}`},
	{"protect-security-services", "GuardDuty, Security Hub and Access Analyzer stay on", `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "ProtectSecurityServices",
      "Effect": "Deny",
      "Action": [
        "access-analyzer:DeleteAnalyzer",
        "guardduty:DeleteDetector",
        "guardduty:DisassociateFromMasterAccount",
        "guardduty:UpdateDetector",
        "securityhub:DisableSecurityHub"
      ],
      "Resource": "*"
    }
  ]
}`},
	{"deny-public-s3", "No public S3 buckets", `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "DenyPublicAccessBlockChanges",
      "Effect": "Deny",
      "Action": [
        "s3:PutAccountPublicAccessBlock",
        "s3:DeletePublicAccessBlock"
      ],
      "Resource": "*"
    }
  ]
}`},
	{"require-imdsv2", "EC2 instances must use IMDSv2", `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "RequireImdsV2",
      "Effect": "Deny",
      "Action": "ec2:RunInstances",
      "Resource": "arn:aws:ec2:*:*:instance/*",
      "Condition": {
        "StringNotEquals": {
          "ec2:MetadataHttpTokens": "required"
        }
      }
    }
  ]
}`},
	{"deny-expensive-instances", "Sandbox accounts may not start large instances", `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "DenyLargeInstances",
      "Effect": "Deny",
      "Action": "ec2:RunInstances",
      "Resource": "arn:aws:ec2:*:*:instance/*",
      "Condition": {
        "ForAnyValue:StringLike": {
          "ec2:InstanceType": [
            "*.8xlarge",
            "*.12xlarge",
            "*.16xlarge",
            "*.24xlarge",
            "*.metal",
            "p*.*",
            "x*.*"
          ]
        }
      }
    }
  ]
}`},
	{"protect-network", "Only the network team changes VPC plumbing", `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "ProtectNetwork",
      "Effect": "Deny",
      "Action": [
        "ec2:AttachInternetGateway",
        "ec2:CreateInternetGateway",
        "ec2:CreateVpcPeeringConnection",
        "ec2:DeleteTransitGatewayVpcAttachment"
      ],
      "Resource": "*",
      "Condition": {
        "ArnNotLike": {
          "aws:PrincipalARN": "arn:aws:iam::*:role/NetworkAdmin"
        }
      }
    }
  ]
}`},
}

// CustomSCPs returns the customer SCPs the generator draws from (tests and hand-written orgs use them).
func CustomSCPs() []CustomSCP { return append([]CustomSCP(nil), customSCPs...) }
