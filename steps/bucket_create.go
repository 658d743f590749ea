package steps

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/lz2ct/lz2ct/plans"
)

// bucket.create: the destination of ALZ's log copy in the new Log Archive account — created in
// its region, every public access blocked, and a bucket policy statement that lets the writer
// account (ALZ's Log Archive account, which the copy runs as) list the bucket and put objects.
// Observe reads all three, so a run killed between the calls does only what is missing; a policy
// already on the bucket is kept and the writer's statement added to it.
func init() {
	Register(Def[plans.BucketCreate]{
		Observe: func(ctx context.Context, x *Exec, p plans.BucketCreate) (Observation, error) {
			b, err := openBucketCreate(ctx, x, p)
			if err != nil {
				return Observation{}, err
			}
			missing, note, err := b.missing(ctx)
			if err != nil {
				return Observation{}, err
			}
			switch {
			case note != "":
				return Observation{State: Unsafe, Note: note}, nil
			case len(missing) == 0:
				return Observation{State: Done, Note: fmt.Sprintf("s3://%s exists in account %s, private%s", p.Bucket, b.owner, b.writerWords())}, nil
			}
			return Observation{State: NotDone, Change: strings.Join(missing, ", ")}, nil
		},
		Start: func(ctx context.Context, x *Exec, p plans.BucketCreate) (string, error) {
			b, err := openBucketCreate(ctx, x, p)
			if err != nil {
				return "", err
			}
			return "", b.create(ctx)
		},
		Verify: func(ctx context.Context, x *Exec, p plans.BucketCreate) (Outputs, error) {
			b, err := openBucketCreate(ctx, x, p)
			if err != nil {
				return nil, err
			}
			missing, note, err := b.missing(ctx)
			switch {
			case err != nil:
				return nil, err
			case note != "":
				return nil, fmt.Errorf("%s", note)
			case len(missing) > 0:
				return nil, NotYet(fmt.Errorf("s3://%s: still to %s", p.Bucket, strings.Join(missing, ", ")))
			}
			return nil, nil
		},
		Classify: func(err error) Class {
			if HasCode(err, "BucketAlreadyExists") {
				return Failed
			}
			return DefaultClass(err)
		},
	})
}

// bucketCreate is one bucket.create step with its account resolved.
type bucketCreate struct {
	p         plans.BucketCreate
	owner     string
	partition string
	c         *s3.Client
}

func openBucketCreate(ctx context.Context, x *Exec, p plans.BucketCreate) (*bucketCreate, error) {
	owner, err := x.Resolve(p.AccountID)
	if err != nil {
		return nil, err
	}
	id, err := x.AWS.CallerIdentity(ctx)
	if err != nil {
		return nil, err
	}
	c, err := s3In(ctx, x, owner, p.Region)
	if err != nil {
		return nil, err
	}
	return &bucketCreate{p: p, owner: owner, partition: id.Partition, c: c}, nil
}

func (b *bucketCreate) writerWords() string {
	if b.p.WriterAccountID == "" {
		return ""
	}
	return ", account " + b.p.WriterAccountID + " may list and write"
}

// missing lists what Start would still do; note, when set, says why it must not (the name belongs
// to another account).
func (b *bucketCreate) missing(ctx context.Context) (missing []string, note string, err error) {
	p := b.p
	state, err := headBucket(ctx, b.c, p.Bucket, b.owner)
	switch {
	case httpStatus(err) == 301:
		return nil, fmt.Sprintf("s3://%s exists in another region than %s: choose another bucket name, or create the plan again", p.Bucket, p.Region), nil
	case err != nil:
		return nil, "", err
	case state == bucketForeign:
		return nil, fmt.Sprintf("the bucket name %s belongs to another account than %s (bucket names are global): choose another name and create the plan again", p.Bucket, b.owner), nil
	case state == bucketMissing:
		missing = []string{fmt.Sprintf("create s3://%s in account %s (%s)", p.Bucket, b.owner, p.Region), "block all public access"}
		if p.WriterAccountID != "" {
			missing = append(missing, "let account "+p.WriterAccountID+" list and write (bucket policy)")
		}
		return missing, "", nil
	}
	blocked, err := b.publicAccessBlocked(ctx)
	if err != nil {
		return nil, "", err
	}
	if !blocked {
		missing = append(missing, "block all public access")
	}
	if p.WriterAccountID != "" {
		doc, err := b.policy(ctx)
		if err != nil {
			return nil, "", err
		}
		if !hasStatement(doc, b.writerStatement()) {
			missing = append(missing, "let account "+p.WriterAccountID+" list and write (bucket policy)")
		}
	}
	return missing, "", nil
}

// publicAccessBlocked: all four settings of the bucket's public access block are on.
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetPublicAccessBlock.html
func (b *bucketCreate) publicAccessBlocked(ctx context.Context) (bool, error) {
	out, err := b.c.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: aws.String(b.p.Bucket), ExpectedBucketOwner: aws.String(b.owner)})
	if HasCode(err, "NoSuchPublicAccessBlockConfiguration") {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	c := out.PublicAccessBlockConfiguration
	return c != nil && aws.ToBool(c.BlockPublicAcls) && aws.ToBool(c.IgnorePublicAcls) && aws.ToBool(c.BlockPublicPolicy) && aws.ToBool(c.RestrictPublicBuckets), nil
}

// policy is the bucket's policy document ("" = none).
func (b *bucketCreate) policy(ctx context.Context) (string, error) {
	out, err := b.c.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String(b.p.Bucket), ExpectedBucketOwner: aws.String(b.owner)})
	if HasCode(err, "NoSuchBucketPolicy") {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return aws.ToString(out.Policy), nil
}

// writerStatement is the statement of plans.LogWriterPolicy, decoded.
func (b *bucketCreate) writerStatement() map[string]any {
	var doc struct{ Statement []map[string]any }
	_ = json.Unmarshal([]byte(plans.LogWriterPolicy(b.partition, b.p.WriterAccountID, b.p.Bucket)), &doc)
	return doc.Statement[0]
}

// hasStatement reports whether a policy document holds the statement.
func hasStatement(doc string, st map[string]any) bool {
	stmts, ok := statements(doc)
	if !ok {
		return false
	}
	for _, s := range stmts {
		if reflect.DeepEqual(s, st) {
			return true
		}
	}
	return false
}

// statements decodes a policy's Statement, which may be one object or a list.
func statements(doc string) ([]map[string]any, bool) {
	if doc == "" {
		return nil, true
	}
	var raw map[string]json.RawMessage
	if json.Unmarshal([]byte(doc), &raw) != nil {
		return nil, false
	}
	var list []map[string]any
	if json.Unmarshal(raw["Statement"], &list) == nil {
		return list, true
	}
	var one map[string]any
	if json.Unmarshal(raw["Statement"], &one) == nil {
		return []map[string]any{one}, true
	}
	return nil, false
}

// create makes what is missing — the bucket, the public access block, the writer's statement —
// reading each first, so a repeat after a crash makes no call whose effect is in place.
func (b *bucketCreate) create(ctx context.Context) error {
	p := b.p
	state, err := headBucket(ctx, b.c, p.Bucket, b.owner)
	if err != nil {
		return err
	}
	if state != bucketOurs {
		in := &s3.CreateBucketInput{Bucket: aws.String(p.Bucket)}
		// us-east-1 takes no location constraint; every other region must be named.
		// https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateBucket.html
		if p.Region != "us-east-1" {
			in.CreateBucketConfiguration = &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(p.Region)}
		}
		_, err := b.c.CreateBucket(ctx, in)
		switch {
		case HasCode(err, "BucketAlreadyOwnedByYou"):
		case HasCode(err, "BucketAlreadyExists"):
			return Advise(err, "the bucket name "+p.Bucket+" belongs to another account (bucket names are global): choose another name and create the plan again")
		case err != nil:
			return err
		}
	}
	blocked, err := b.publicAccessBlocked(ctx)
	if err != nil {
		return err
	}
	if !blocked {
		// https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html
		if _, err := b.c.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: aws.String(p.Bucket), ExpectedBucketOwner: aws.String(b.owner),
			PublicAccessBlockConfiguration: &s3types.PublicAccessBlockConfiguration{BlockPublicAcls: aws.Bool(true), IgnorePublicAcls: aws.Bool(true),
				BlockPublicPolicy: aws.Bool(true), RestrictPublicBuckets: aws.Bool(true)}}); err != nil {
			return err
		}
	}
	if p.WriterAccountID == "" {
		return nil
	}
	doc, err := b.policy(ctx)
	if err != nil || hasStatement(doc, b.writerStatement()) {
		return err
	}
	merged, err := withStatement(doc, b.writerStatement())
	if err != nil {
		return Advise(err, "fix or remove the bucket policy of s3://"+p.Bucket+", then run lz2ct resume")
	}
	_, err = b.c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(p.Bucket), Policy: aws.String(merged), ExpectedBucketOwner: aws.String(b.owner)})
	return err
}

// withStatement adds st to a policy document (replacing a statement with the same Sid): a policy
// someone already put on the bucket keeps its other statements. PutBucketPolicy replaces the whole
// document. https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketPolicy.html
func withStatement(doc string, st map[string]any) (string, error) {
	if doc == "" {
		out, err := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": []any{st}})
		return string(out), err
	}
	var policy map[string]any
	if err := json.Unmarshal([]byte(doc), &policy); err != nil {
		return "", fmt.Errorf("the bucket's policy is not JSON: %w", err)
	}
	stmts, ok := statements(doc)
	if !ok {
		return "", fmt.Errorf("the bucket's policy has no readable Statement")
	}
	list := []any{}
	for _, s := range stmts {
		if s["Sid"] != st["Sid"] {
			list = append(list, s)
		}
	}
	policy["Statement"] = append(list, st)
	out, err := json.Marshal(policy)
	return string(out), err
}
