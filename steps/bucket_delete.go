package steps

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/lz2ct/lz2ct/plans"
)

// maxDeleteKeys is how many keys one DeleteObjects call takes.
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html
const maxDeleteKeys = 1000

// bucket.delete: empty a bucket of every object version and delete marker (a versioned bucket
// cannot be deleted before: https://docs.aws.amazon.com/AmazonS3/latest/userguide/delete-bucket.html)
// and delete it. The guard, for ALZ's log bucket when the plan copies the logs (copiedTo): every
// object of the bucket is in the copy with its size, read by listing both buckets — so logs
// written after the copy, or a copy never finished, stop the deletion. Each call lists what is
// left before deleting it, so a run killed mid-way deletes on from there.
func init() {
	Register(Def[plans.BucketDelete]{
		Observe: func(ctx context.Context, x *Exec, p plans.BucketDelete) (Observation, error) {
			c, err := s3In(ctx, x, p.AccountID, p.Region)
			if err != nil {
				return Observation{}, err
			}
			state, err := headBucket(ctx, c, p.Bucket, p.AccountID)
			switch {
			case httpStatus(err) == 301:
				return Observation{State: Unsafe, Note: fmt.Sprintf("a bucket named %s exists in another region than %s: not the bucket the plan names", p.Bucket, p.Region)}, nil
			case err != nil:
				return Observation{}, err
			case state == bucketMissing:
				return Observation{State: Done, Note: "the bucket is gone"}, nil
			case state == bucketForeign:
				return Observation{State: Unsafe, Note: fmt.Sprintf("s3://%s now belongs to another account than %s: not the bucket the plan names", p.Bucket, p.AccountID)}, nil
			}
			if p.CopiedTo != "" {
				if note, err := copyGuard(ctx, c, p); err != nil || note != "" {
					return Observation{State: Unsafe, Note: note}, err
				}
			}
			out, err := c.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String(p.Bucket), MaxKeys: aws.Int32(maxDeleteKeys),
				ExpectedBucketOwner: aws.String(p.AccountID)})
			if err != nil {
				return Observation{}, err
			}
			what := fmt.Sprintf("%d object versions and %d delete markers", len(out.Versions), len(out.DeleteMarkers))
			if aws.ToBool(out.IsTruncated) {
				what = fmt.Sprintf("more than %d object versions and delete markers", len(out.Versions)+len(out.DeleteMarkers))
			}
			return Observation{State: NotDone, Change: fmt.Sprintf("delete %s, then the bucket s3://%s (account %s)", what, p.Bucket, p.AccountID)}, nil
		},
		Start: func(ctx context.Context, x *Exec, p plans.BucketDelete) (string, error) {
			c, err := s3In(ctx, x, p.AccountID, p.Region)
			if err != nil {
				return "", err
			}
			if err := emptyBucket(ctx, x, c, p); err != nil {
				return "", err
			}
			_, err = c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(p.Bucket), ExpectedBucketOwner: aws.String(p.AccountID)})
			return "", err
		},
		Verify: func(ctx context.Context, x *Exec, p plans.BucketDelete) (Outputs, error) {
			c, err := s3In(ctx, x, p.AccountID, p.Region)
			if err != nil {
				return nil, err
			}
			state, err := headBucket(ctx, c, p.Bucket, p.AccountID)
			if err == nil && state != bucketMissing {
				return nil, NotYet(fmt.Errorf("s3://%s still exists", p.Bucket))
			}
			return nil, err
		},
		// The bucket is gone: a repeat after a crash. Not empty: something wrote into it while it
		// was emptied; the engine observes and empties it again.
		Classify: func(err error) Class {
			switch {
			case HasCode(err, "NoSuchBucket"):
				return AlreadyDone
			case HasCode(err, "BucketNotEmpty"):
				return RetryLater
			}
			return DefaultClass(err)
		},
	})
}

// copyGuard checks that every current object of the bucket is in the copy with its size; note says
// why not (empty: the guard lets the deletion go on).
func copyGuard(ctx context.Context, c *s3.Client, p plans.BucketDelete) (note string, err error) {
	state, err := headBucket(ctx, c, p.CopiedTo, "")
	switch {
	case err != nil:
		return "", err
	case state == bucketMissing:
		return fmt.Sprintf("the copy of the logs, s3://%s, does not exist: logs.copy has not run; the log bucket is deleted only once its logs are copied", p.CopiedTo), nil
	case state == bucketForeign:
		return fmt.Sprintf("account %s cannot list the copy s3://%s, so the copy cannot be checked; the log bucket is deleted only once its logs are copied", p.AccountID, p.CopiedTo), nil
	}
	d, err := diffBuckets(ctx, bucketRef{c: c, bucket: p.Bucket, owner: p.AccountID}, bucketRef{c: c, bucket: p.CopiedTo}, time.Time{}, nil)
	if err != nil || d.Missing == 0 {
		return "", err
	}
	return fmt.Sprintf("%d of the %d objects of s3://%s (%s) are not in the copy s3://%s, e.g. %s: something still writes into the log bucket, or the copy is not finished. "+
		"Stop what writes there (a trail or Config delivery channel of an account the migration left alone), copy the rest as account %s with `%s`, then run lz2ct resume",
		d.Missing, d.Objects, p.Bucket, byteSize(d.MissingBytes), p.CopiedTo, d.FirstMissing, p.AccountID, plans.LogsSyncCommand(p.Bucket, p.CopiedTo, p.Region)), nil
}

// emptyBucket deletes every object version and delete marker, 1,000 a call, listing from the start
// each time (what was deleted is no longer listed).
func emptyBucket(ctx context.Context, x *Exec, c *s3.Client, p plans.BucketDelete) error {
	deleted := 0
	for {
		out, err := c.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String(p.Bucket), MaxKeys: aws.Int32(maxDeleteKeys),
			ExpectedBucketOwner: aws.String(p.AccountID)})
		if err != nil {
			return err
		}
		ids := make([]s3types.ObjectIdentifier, 0, len(out.Versions)+len(out.DeleteMarkers))
		for _, v := range out.Versions {
			ids = append(ids, s3types.ObjectIdentifier{Key: v.Key, VersionId: v.VersionId})
		}
		for _, m := range out.DeleteMarkers {
			ids = append(ids, s3types.ObjectIdentifier{Key: m.Key, VersionId: m.VersionId})
		}
		if len(ids) == 0 {
			if deleted > 0 {
				x.Log("deleted %d object versions and delete markers from s3://%s", deleted, p.Bucket)
			}
			return nil
		}
		res, err := c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String(p.Bucket), ExpectedBucketOwner: aws.String(p.AccountID),
			Delete: &s3types.Delete{Objects: ids, Quiet: aws.Bool(true)}})
		if err != nil {
			return err
		}
		// Quiet: the answer lists only the keys S3 did not delete, each with its own error.
		if len(res.Errors) > 0 {
			e := res.Errors[0]
			return Advise(fmt.Errorf("S3 did not delete %d of %d versions in s3://%s, e.g. %s (version %s): %s: %s", len(res.Errors), len(ids), p.Bucket,
				aws.ToString(e.Key), aws.ToString(e.VersionId), aws.ToString(e.Code), aws.ToString(e.Message)),
				"the bucket policy or an object lock may protect them: lift that, then run lz2ct resume")
		}
		deleted += len(ids)
		if deleted%(10*maxDeleteKeys) == 0 {
			x.Log("deleted %d object versions and delete markers from s3://%s", deleted, p.Bucket)
		}
	}
}
