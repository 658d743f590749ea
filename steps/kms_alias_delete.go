package steps

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/lz2ct/lz2ct/awsapi"
	"github.com/lz2ct/lz2ct/plans"
)

// kms-alias.delete: delete ALZ's KMS alias and, only when the plan says so, schedule its key's
// deletion after the waiting period (7-30 days; AWS's default 30 when the plan gives none). Deleting
// the alias leaves the key as it is; a key pending deletion can still be cancelled during the
// waiting period (https://docs.aws.amazon.com/kms/latest/APIReference/API_DeleteAlias.html,
// https://docs.aws.amazon.com/kms/latest/APIReference/API_ScheduleKeyDeletion.html).
func init() {
	Register(Def[plans.KMSAliasDelete]{
		Observe: func(ctx context.Context, x *Exec, p plans.KMSAliasDelete) (Observation, error) {
			if p.ScheduleKeyDeletion {
				if p.TargetKeyID == "" {
					return Observation{State: Unsafe, Note: "the plan schedules the key's deletion but names no key: re-create the plan"}, nil
				}
				if p.PendingWindowDays != 0 && (p.PendingWindowDays < 7 || p.PendingWindowDays > 30) {
					return Observation{State: Unsafe, Note: fmt.Sprintf("a key's deletion waits 7 to 30 days, the plan says %d: re-create the plan", p.PendingWindowDays)}, nil
				}
			}
			c := awsapi.KMS(x.Management(p.Region))
			target, exists, err := aliasTarget(ctx, c, p.AliasName)
			if err != nil {
				return Observation{}, err
			}
			if exists && p.TargetKeyID != "" && target != p.TargetKeyID {
				return Observation{State: Unsafe, Note: fmt.Sprintf("alias %s in %s now points to key %s, not %s as when the plan was made: check it, then re-create the plan", p.AliasName, p.Region, target, p.TargetKeyID)}, nil
			}
			pending := false
			if p.ScheduleKeyDeletion {
				if pending, err = keyPendingDeletion(ctx, c, p.TargetKeyID); err != nil {
					return Observation{}, err
				}
			}
			var do []string
			if exists {
				do = append(do, "delete KMS alias "+p.AliasName+" in "+p.Region)
			}
			if p.ScheduleKeyDeletion && !pending {
				do = append(do, fmt.Sprintf("schedule the deletion of key %s in %d days", p.TargetKeyID, pendingWindow(p)))
			}
			if len(do) == 0 {
				note := "the alias is gone"
				if p.ScheduleKeyDeletion {
					note += "; the key is pending deletion (or gone)"
				}
				return Observation{State: Done, Note: note}, nil
			}
			return Observation{State: NotDone, Change: joinWords(do)}, nil
		},
		Start: func(ctx context.Context, x *Exec, p plans.KMSAliasDelete) (string, error) {
			c := awsapi.KMS(x.Management(p.Region))
			_, err := c.DeleteAlias(ctx, &kms.DeleteAliasInput{AliasName: aws.String(p.AliasName)})
			if err != nil && !HasCode(err, "NotFoundException") {
				return "", err
			}
			if !p.ScheduleKeyDeletion {
				return "", nil
			}
			pending, err := keyPendingDeletion(ctx, c, p.TargetKeyID)
			if err != nil || pending {
				return "", err
			}
			in := &kms.ScheduleKeyDeletionInput{KeyId: aws.String(p.TargetKeyID)}
			if p.PendingWindowDays != 0 {
				in.PendingWindowInDays = aws.Int32(int32(p.PendingWindowDays))
			}
			_, err = c.ScheduleKeyDeletion(ctx, in)
			return "", err
		},
		Verify: func(ctx context.Context, x *Exec, p plans.KMSAliasDelete) (Outputs, error) {
			c := awsapi.KMS(x.Management(p.Region))
			_, exists, err := aliasTarget(ctx, c, p.AliasName)
			if err != nil {
				return nil, err
			}
			if exists {
				return nil, NotYet(fmt.Errorf("alias %s still exists in %s", p.AliasName, p.Region))
			}
			if p.ScheduleKeyDeletion {
				pending, err := keyPendingDeletion(ctx, c, p.TargetKeyID)
				if err != nil {
					return nil, err
				}
				if !pending {
					return nil, NotYet(fmt.Errorf("key %s is not pending deletion", p.TargetKeyID))
				}
			}
			return nil, nil
		},
		Classify: func(err error) Class {
			// A key already pending deletion answers KMSInvalidStateException: observe again
			// (DescribeKey tells).
			if HasCode(err, "KMSInvalidStateException") {
				return RetryLater
			}
			return DefaultClass(err)
		},
	})
}

func pendingWindow(p plans.KMSAliasDelete) int {
	if p.PendingWindowDays == 0 {
		return 30
	}
	return p.PendingWindowDays
}

// aliasTarget finds an alias (ListAliases) and the key it points to.
func aliasTarget(ctx context.Context, c *kms.Client, name string) (target string, exists bool, err error) {
	pages := kms.NewListAliasesPaginator(c, &kms.ListAliasesInput{})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return "", false, err
		}
		for _, a := range page.Aliases {
			if aws.ToString(a.AliasName) == name {
				return aws.ToString(a.TargetKeyId), true, nil
			}
		}
	}
	return "", false, nil
}

// keyPendingDeletion reports whether a key is pending deletion, or gone (DescribeKey).
func keyPendingDeletion(ctx context.Context, c *kms.Client, keyID string) (bool, error) {
	out, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(keyID)})
	if HasCode(err, "NotFoundException") {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	return out.KeyMetadata.KeyState == types.KeyStatePendingDeletion, nil
}

func joinWords(l []string) string {
	switch len(l) {
	case 0:
		return ""
	case 1:
		return l[0]
	}
	out := l[0]
	for _, s := range l[1 : len(l)-1] {
		out += ", " + s
	}
	return out + " and " + l[len(l)-1]
}
