package sim

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

func TestAssumeRoleIdentity(t *testing.T) {
	snap := fixture(3, testRegions)
	_, url := serve(t, snap, Options{})
	ctx := context.Background()
	mgmt := sts.NewFromConfig(mgmtConfig(url, "us-east-1"))

	me := must[*sts.GetCallerIdentityOutput](t, "GetCallerIdentity")(mgmt.GetCallerIdentity(ctx, nil))
	if *me.Account != mgmtID || !strings.HasPrefix(*me.Arn, "arn:aws:iam::"+mgmtID+":") {
		t.Errorf("plain credentials act as %s (%s), want the management account %s", *me.Account, *me.Arn, mgmtID)
	}

	// The roles the snapshot's iam flags name work; the others are denied.
	cases := []struct {
		account, role, code string
	}{
		{securityID, "AWSCloudFormationStackSetExecutionRole", ""},
		{securityID, "OrganizationAccountAccessRole", ""},
		{securityID, "AWSControlTowerExecution", "AccessDenied"},
		{sharedID, "AWSControlTowerExecution", ""},
		{sharedID, "OrganizationAccountAccessRole", "AccessDenied"},
		{suspendedID, "OrganizationAccountAccessRole", "AccessDenied"},
		{"999999999999", "OrganizationAccountAccessRole", "AccessDenied"}, // not in the organization
	}
	for _, tc := range cases {
		out, err := mgmt.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + tc.account + ":role/" + tc.role), RoleSessionName: aws.String("s1")})
		wantCode(t, tc.role+" in "+tc.account, err, tc.code)
		if err != nil {
			continue
		}
		if !strings.HasSuffix(*out.Credentials.AccessKeyId, tc.account) || *out.AssumedRoleUser.Arn != "arn:aws:sts::"+tc.account+":assumed-role/"+tc.role+"/s1" {
			t.Errorf("AssumeRole %s in %s: key %s, user %s", tc.role, tc.account, *out.Credentials.AccessKeyId, *out.AssumedRoleUser.Arn)
		}
		cfg := memberConfig(t, url, "eu-west-1", tc.account, tc.role)
		who := must[*sts.GetCallerIdentityOutput](t, "member GetCallerIdentity")(sts.NewFromConfig(cfg).GetCallerIdentity(ctx, nil))
		if *who.Account != tc.account || *who.Arn != "arn:aws:sts::"+tc.account+":assumed-role/"+tc.role+"/lz2ct-test" {
			t.Errorf("assumed credentials act as %s (%s), want %s", *who.Account, *who.Arn, tc.account)
		}
	}

	// Same seed, same request: same credentials (runs are reproducible).
	a1 := must[*sts.AssumeRoleOutput](t, "AssumeRole")(mgmt.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + logID + ":role/OrganizationAccountAccessRole"), RoleSessionName: aws.String("x-session")}))
	a2 := must[*sts.AssumeRoleOutput](t, "AssumeRole")(mgmt.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + logID + ":role/OrganizationAccountAccessRole"), RoleSessionName: aws.String("x-session")}))
	if *a1.Credentials.SecretAccessKey != *a2.Credentials.SecretAccessKey {
		t.Error("the same AssumeRole gave different secrets")
	}

	// The snapshot's AssumeRole problem is replayed with its own message.
	_, err := mgmt.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + noAccessID + ":role/OrganizationAccountAccessRole"), RoleSessionName: aws.String("s-session")})
	wantCode(t, "problem replay", err, "AccessDenied")
	if !strings.Contains(err.Error(), snap.Problems[0].Message) && !strings.Contains(err.Error(), "not authorized") {
		t.Errorf("replayed message: %v", err)
	}

	// STS disabled in a region for one account: the regional endpoint says so.
	cfg := memberConfig(t, url, testRegions[1], logID, "OrganizationAccountAccessRole")
	_, err = sts.NewFromConfig(cfg).GetCallerIdentity(ctx, nil)
	wantCode(t, "STS disabled region", err, "RegionDisabledException")
}
