package sim

import (
	"context"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
)

// GetParametersByPath and GetParameters return values (a SecureString's only WithDecryption);
// DeleteParameters takes at most 10 names and lists the missing ones as invalid.
func TestSSMParameters(t *testing.T) {
	snap := fixture(0, testRegions)
	snap.ALZ.SSMParameters[0].Type = "SecureString" // /org/member/security/account_id after Sort
	secret := SSMValue(snap.ALZ.SSMParameters[0])
	s, url := serve(t, snap, Options{})
	ctx := context.Background()
	c := ssm.NewFromConfig(mgmtConfig(url, testRegions[0]))
	byPath := func(path string, recursive, decrypt bool) map[string]string {
		out := map[string]string{}
		pg := ssm.NewGetParametersByPathPaginator(c, &ssm.GetParametersByPathInput{Path: aws.String(path), Recursive: aws.Bool(recursive),
			WithDecryption: aws.Bool(decrypt), MaxResults: aws.Int32(1)})
		for pg.HasMorePages() {
			for _, p := range must[*ssm.GetParametersByPathOutput](t, "GetParametersByPath")(pg.NextPage(ctx)).Parameters {
				out[aws.ToString(p.Name)] = aws.ToString(p.Value)
			}
		}
		return out
	}
	all := byPath("/org/", true, true)
	if len(all) != 3 || all["/org/member/security/account_id"] != secret {
		t.Errorf("recursive, decrypted: %v", all)
	}
	if got := byPath("/org", false, true); len(got) != 0 {
		t.Errorf("/org without Recursive: %v, want nothing (no parameter sits directly under it)", got)
	}
	if got := byPath("/org/primary", false, false); len(got) != 2 {
		t.Errorf("/org/primary: %v", got)
	}
	if enc := byPath("/org/member/", true, false)["/org/member/security/account_id"]; enc == secret || enc == "" {
		t.Errorf("without WithDecryption the SecureString answered %q", enc)
	}
	_, err := c.GetParametersByPath(ctx, &ssm.GetParametersByPathInput{Path: aws.String("/org/"), MaxResults: aws.Int32(11)})
	wantCode(t, "MaxResults 11", err, "ValidationException")

	g := must[*ssm.GetParametersOutput](t, "GetParameters")(c.GetParameters(ctx, &ssm.GetParametersInput{Names: []string{"/org/primary/account_id", "/org/nope"}}))
	if len(g.Parameters) != 1 || !slices.Equal(g.InvalidParameters, []string{"/org/nope"}) {
		t.Errorf("GetParameters: %+v invalid %v", g.Parameters, g.InvalidParameters)
	}
	eleven := make([]string, 11)
	for i := range eleven {
		eleven[i] = "/org/x" + string(rune('a'+i))
	}
	_, err = c.DeleteParameters(ctx, &ssm.DeleteParametersInput{Names: eleven})
	wantCode(t, "11 names", err, "ValidationException")
	d := must[*ssm.DeleteParametersOutput](t, "DeleteParameters")(c.DeleteParameters(ctx, &ssm.DeleteParametersInput{
		Names: []string{"/org/primary/account_id", "/org/member/security/account_id", "/org/nope"}}))
	if len(d.DeletedParameters) != 2 || !slices.Equal(d.InvalidParameters, []string{"/org/nope"}) {
		t.Errorf("DeleteParameters: deleted %v invalid %v", d.DeletedParameters, d.InvalidParameters)
	}
	d = must[*ssm.DeleteParametersOutput](t, "DeleteParameters again")(c.DeleteParameters(ctx, &ssm.DeleteParametersInput{Names: []string{"/org/primary/account_id"}}))
	if len(d.DeletedParameters) != 0 || len(d.InvalidParameters) != 1 {
		t.Errorf("DeleteParameters again: deleted %v invalid %v", d.DeletedParameters, d.InvalidParameters)
	}
	if got := byPath("/", true, false); len(got) != 1 {
		t.Errorf("after the delete: %v", got)
	}
	if ps := s.Snapshot().ALZ.SSMParameters; len(ps) != 1 || ps[0].Name != "/org/primary/organization_id" {
		t.Errorf("Snapshot: %+v", ps)
	}
	dp := must[*ssm.DescribeParametersOutput](t, "DescribeParameters")(c.DescribeParameters(ctx, &ssm.DescribeParametersInput{}))
	if len(dp.Parameters) != 1 {
		t.Errorf("DescribeParameters after the delete: %+v", dp.Parameters)
	}
}

// DeleteAlias keeps the key; ScheduleKeyDeletion waits 7-30 days and refuses a key already pending.
func TestKMSAliasAndKeyDeletion(t *testing.T) {
	snap := fixture(0, testRegions)
	key := snap.ALZ.KMSAliases[0].TargetKeyID
	_, url := serve(t, snap, Options{})
	ctx := context.Background()
	c := kms.NewFromConfig(mgmtConfig(url, testRegions[0]))
	alias := aws.String("alias/AwsLandingZoneKMSKey")
	k := must[*kms.DescribeKeyOutput](t, "DescribeKey by alias")(c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: alias}))
	if aws.ToString(k.KeyMetadata.KeyId) != key || k.KeyMetadata.KeyState != kmstypes.KeyStateEnabled {
		t.Errorf("DescribeKey: %+v", k.KeyMetadata)
	}
	_, err := c.DeleteAlias(ctx, &kms.DeleteAliasInput{AliasName: aws.String("alias/aws/ebs")})
	wantCode(t, "an AWS alias", err, "ValidationException")
	_, err = c.DeleteAlias(ctx, &kms.DeleteAliasInput{AliasName: alias})
	wantCode(t, "DeleteAlias", err, "")
	_, err = c.DeleteAlias(ctx, &kms.DeleteAliasInput{AliasName: alias})
	wantCode(t, "DeleteAlias again", err, "NotFoundException")
	if l := must[*kms.ListAliasesOutput](t, "ListAliases")(c.ListAliases(ctx, &kms.ListAliasesInput{})); len(l.Aliases) != 0 {
		t.Errorf("ListAliases after the delete: %+v", l.Aliases)
	}
	k = must[*kms.DescribeKeyOutput](t, "DescribeKey by ID")(c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(key)}))
	if k.KeyMetadata.KeyState != kmstypes.KeyStateEnabled {
		t.Errorf("the key after its alias's deletion: %s", k.KeyMetadata.KeyState)
	}
	_, err = c.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(key), PendingWindowInDays: aws.Int32(5)})
	wantCode(t, "5 days", err, "ValidationException")
	_, err = c.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws.String("1234abcd-0000-0000-0000-000000000000")})
	wantCode(t, "unknown key", err, "NotFoundException")
	sk := must[*kms.ScheduleKeyDeletionOutput](t, "ScheduleKeyDeletion")(c.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(key), PendingWindowInDays: aws.Int32(7)}))
	if sk.KeyState != kmstypes.KeyStatePendingDeletion || aws.ToInt32(sk.PendingWindowInDays) != 7 {
		t.Errorf("ScheduleKeyDeletion: %+v", sk)
	}
	_, err = c.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: sk.KeyId})
	wantCode(t, "again, by ARN", err, "KMSInvalidStateException")
	k = must[*kms.DescribeKeyOutput](t, "DescribeKey")(c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(key)}))
	if k.KeyMetadata.KeyState != kmstypes.KeyStatePendingDeletion || k.KeyMetadata.DeletionDate == nil {
		t.Errorf("DescribeKey after scheduling: %+v", k.KeyMetadata)
	}
}
