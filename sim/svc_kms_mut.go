package sim

import (
	"slices"
	"strings"
	"time"

	"github.com/lz2ct/lz2ct/inventory"
)

// KMS: DeleteAlias, ScheduleKeyDeletion and the DescribeKey that shows a key's state. The snapshot
// knows keys only through the aliases that point to them (alz.kmsAliases, management account); the
// model (opsRuntime.kms) keeps a key once its alias is gone, and its scheduled deletion.
func init() {
	registerMutation("kms", "DeleteAlias", kmsDeleteAlias)
	registerMutation("kms", "ScheduleKeyDeletion", kmsScheduleKeyDeletion)
}

// kmsModel holds the keys whose alias was deleted and the keys pending deletion, by region/key ID.
type kmsModel struct {
	keys map[string]*kmsKey
}

type kmsKey struct {
	id, region    string
	pending       bool
	deletionDate  time.Time
	pendingWindow int
}

// A key's deletion waits 7 to 30 days, 30 when not given.
// https://docs.aws.amazon.com/kms/latest/APIReference/API_ScheduleKeyDeletion.html
const (
	minPendingWindow     = 7
	maxPendingWindow     = 30
	defaultPendingWindow = 30
)

func (m *kmsModel) key(region, id string) *kmsKey { return m.keys[region+"/"+id] }

func (m *kmsModel) put(k *kmsKey) {
	if m.keys == nil {
		m.keys = map[string]*kmsKey{}
	}
	m.keys[k.region+"/"+k.id] = k
}

// kmsKeyHere finds a key of the calling account and region by key ID, key ARN, alias name or alias
// ARN (aliases only when aliases is true: ScheduleKeyDeletion takes a key ID or ARN).
func (c *call) kmsKeyHere(ref string, aliases bool) *kmsKey {
	if !c.isManagement() || ref == "" {
		return nil
	}
	prefix := "arn:" + c.partition() + ":kms:" + c.region + ":" + c.account + ":"
	if strings.HasPrefix(ref, prefix) {
		ref = strings.TrimPrefix(ref, prefix)
		if strings.HasPrefix(ref, "key/") {
			ref = strings.TrimPrefix(ref, "key/")
		} else if !strings.HasPrefix(ref, "alias/") {
			return nil
		}
	}
	if strings.HasPrefix(ref, "alias/") {
		if !aliases {
			return nil
		}
		for _, a := range c.st.kms[c.region] {
			if a.Name == ref {
				ref = a.TargetKeyID
				break
			}
		}
		if strings.HasPrefix(ref, "alias/") {
			return nil
		}
	}
	if k := c.st.rt.kms.key(c.region, ref); k != nil {
		return k
	}
	for _, a := range c.st.kms[c.region] {
		if a.TargetKeyID == ref {
			return &kmsKey{id: ref, region: c.region}
		}
	}
	return nil
}

func (c *call) keyARN(id string) string {
	return "arn:" + c.partition() + ":kms:" + c.region + ":" + c.account + ":key/" + id
}

func (c *call) kmsNotFound(what string) *apiError {
	return errorf(400, "NotFoundException", "%s is not found.", what)
}

// kmsDescribeKey answers a key's metadata: Enabled, or PendingDeletion with its deletion date.
// https://docs.aws.amazon.com/kms/latest/APIReference/API_DescribeKey.html
func kmsDescribeKey(c *call) (any, error) {
	var in struct{ KeyId string }
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if in.KeyId == "" {
		return nil, errorf(400, "ValidationException", "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null")
	}
	k := c.kmsKeyHere(in.KeyId, true)
	if k == nil {
		return nil, c.kmsNotFound("Key '" + in.KeyId + "'")
	}
	md := map[string]any{"AWSAccountId": c.account, "KeyId": k.id, "Arn": c.keyARN(k.id), "CreationDate": epoch(c.st.snap.CapturedAt),
		"Enabled": !k.pending, "Description": "", "KeyUsage": "ENCRYPT_DECRYPT", "KeyState": "Enabled", "Origin": "AWS_KMS",
		"KeyManager": "CUSTOMER", "KeySpec": "SYMMETRIC_DEFAULT", "CustomerMasterKeySpec": "SYMMETRIC_DEFAULT",
		"EncryptionAlgorithms": []string{"SYMMETRIC_DEFAULT"}, "MultiRegion": false}
	if k.pending {
		md["KeyState"] = "PendingDeletion"
		md["DeletionDate"] = epoch(k.deletionDate)
		md["PendingDeletionWindowInDays"] = k.pendingWindow
	}
	return map[string]any{"KeyMetadata": md}, nil
}

// kmsDeleteAlias deletes an alias; the key stays. Audit target: <region>/<alias name>. Errors as
// AWS: NotFoundException for an unknown alias, ValidationException for a name outside alias/ or a
// reserved alias/aws/ name. https://docs.aws.amazon.com/kms/latest/APIReference/API_DeleteAlias.html
func kmsDeleteAlias(c *call) (any, error) {
	var in struct{ AliasName string }
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	name := in.AliasName
	if name == "" {
		return nil, errorf(400, "ValidationException", "1 validation error detected: Value null at 'aliasName' failed to satisfy constraint: Member must not be null")
	}
	if !strings.HasPrefix(name, "alias/") || strings.HasPrefix(name, "alias/aws/") {
		return nil, errorf(400, "ValidationException", "Alias must start with the prefix \"alias/\" and must not begin with the reserved prefix \"alias/aws/\": %s", name)
	}
	if err := c.setTarget(c.region, name); err != nil {
		return nil, err
	}
	var target string
	if c.isManagement() {
		for _, a := range c.st.kms[c.region] {
			if a.Name == name {
				target = a.TargetKeyID
			}
		}
	}
	if target == "" {
		return nil, c.kmsNotFound("Alias " + "arn:" + c.partition() + ":kms:" + c.region + ":" + c.account + ":" + name)
	}
	if c.st.rt.kms.key(c.region, target) == nil {
		c.st.rt.kms.put(&kmsKey{id: target, region: c.region})
	}
	gone := func(a inventory.KMSAlias) bool { return a.Region == c.region && a.Name == name }
	c.st.kms[c.region] = slices.DeleteFunc(c.st.kms[c.region], gone)
	c.st.snap.ALZ.KMSAliases = slices.DeleteFunc(c.st.snap.ALZ.KMSAliases, gone)
	return map[string]any{}, nil
}

// kmsScheduleKeyDeletion schedules a key's deletion after 7-30 days (30 by default). Audit target:
// <region>/<key ID>. Errors as AWS: NotFoundException, KMSInvalidStateException for a key already
// pending deletion, ValidationException for a window outside 7-30.
// https://docs.aws.amazon.com/kms/latest/APIReference/API_ScheduleKeyDeletion.html
func kmsScheduleKeyDeletion(c *call) (any, error) {
	var in struct {
		KeyId               string
		PendingWindowInDays int
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if in.KeyId == "" {
		return nil, errorf(400, "ValidationException", "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null")
	}
	days := in.PendingWindowInDays
	if days == 0 {
		days = defaultPendingWindow
	}
	if days < minPendingWindow || days > maxPendingWindow {
		return nil, errorf(400, "ValidationException", "PendingWindowInDays must be between %d and %d, not %d.", minPendingWindow, maxPendingWindow, days)
	}
	k := c.kmsKeyHere(in.KeyId, false)
	id := in.KeyId
	if k != nil {
		id = k.id
	}
	if err := c.setTarget(c.region, id); err != nil {
		return nil, err
	}
	if k == nil {
		return nil, c.kmsNotFound("Key '" + c.keyARN(in.KeyId) + "'")
	}
	if k.pending {
		return nil, errorf(400, "KMSInvalidStateException", "%s is pending deletion.", c.keyARN(k.id))
	}
	k = &kmsKey{id: k.id, region: c.region, pending: true, pendingWindow: days,
		deletionDate: c.s.clock.Now().UTC().Add(time.Duration(days) * 24 * time.Hour)}
	c.st.rt.kms.put(k)
	return map[string]any{"KeyId": c.keyARN(k.id), "DeletionDate": epoch(k.deletionDate), "KeyState": "PendingDeletion",
		"PendingWindowInDays": days}, nil
}
