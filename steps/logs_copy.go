package steps

import (
	"context"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/sourcegraph/conc/pool"

	"github.com/lz2ct/lz2ct/plans"
)

// maxSingleCopy is the largest object one CopyObject copies; a larger one needs a multipart copy
// (UploadPartCopy), which logs.copy leaves to aws s3 sync.
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html
const maxSingleCopy = 5 << 30

// settleWindow: ALZ's trails and recorders keep writing into the log bucket until decommission
// removes them (CloudTrail delivers log files about every 5 minutes:
// https://docs.aws.amazon.com/awscloudtrail/latest/userguide/how-cloudtrail-works.html), so a
// copy is verified for the objects written before the last quarter hour; the rest is copied by
// the next run of the step, and the last copy before the bucket's deletion takes everything.
const settleWindow = 15 * time.Minute

// copyWorkers is how many CopyObject calls run at once, and copyPasses how often Start lists
// again to take what arrived while it copied.
const (
	copyWorkers = 16
	copyPasses  = 3
)

// logs.copy: copy ALZ's logs server-side into the new Log Archive account's bucket, running as
// ALZ's Log Archive account (the destination's policy lets it list and write). Resumable by object
// key: every call lists both buckets side by side and copies only the keys missing from the
// destination or of another size, so a run killed at any point copies on from where it stopped
// and never loses an object. Above the plan's size limit, or with an object over 5 GB, the copy is
// the operator's: the step waits with the exact aws s3 sync command and is done once the buckets
// agree.
func init() {
	Register(Def[plans.LogsCopy]{
		Observe: func(ctx context.Context, x *Exec, p plans.LogsCopy) (Observation, error) {
			src, dst, err := logsCopyBuckets(ctx, x, p)
			if err != nil {
				return Observation{}, err
			}
			state, err := headBucket(ctx, src.c, p.DestinationBucket, dst.owner)
			if err != nil {
				return Observation{}, err
			}
			switch state {
			case bucketForeign:
				return Observation{State: Unsafe, Note: fmt.Sprintf("s3://%s exists but ALZ's Log Archive account %s cannot list it as a bucket of account %s: either it belongs to another account, or its policy does not let %s list and write (bucket.create puts that policy)",
					p.DestinationBucket, p.SourceAccountID, dst.owner, p.SourceAccountID)}, nil
			case bucketMissing:
				dst.c = nil // not made yet (bucket.create runs first): everything is to copy
			}
			d, err := diffBuckets(ctx, src, dst, time.Time{}, nil)
			if err != nil {
				return Observation{}, err
			}
			if d.Missing == 0 {
				return Observation{State: Done, Note: fmt.Sprintf("both buckets hold the %d objects (%s) of s3://%s", d.Objects, byteSize(d.Bytes), p.SourceBucket)}, nil
			}
			if why := copyTooBig(p, d); why != "" {
				note := why + ": copy the logs yourself, as ALZ's Log Archive account " + p.SourceAccountID + " (it may write into the destination):\n  " +
					plans.LogsSyncCommand(p.SourceBucket, p.DestinationBucket, p.Region) +
					"\nThen run lz2ct confirm " + x.Step.ID + " (or lz2ct resume): the step is done once every object is in both buckets."
				if x.Confirmed.By != "" {
					note = fmt.Sprintf("confirmed by %s at %s, but %d objects (%s) are still missing in s3://%s, e.g. %s.\n",
						x.Confirmed.By, x.Confirmed.At.UTC().Format(time.RFC3339), d.Missing, byteSize(d.MissingBytes), p.DestinationBucket, d.FirstMissing) + note
				}
				return Observation{State: Waiting, Note: note}, nil
			}
			return Observation{State: NotDone, Change: fmt.Sprintf("copy %d of %d objects (%s) from s3://%s to s3://%s, server-side as account %s",
				d.Missing, d.Objects, byteSize(d.MissingBytes), p.SourceBucket, p.DestinationBucket, p.SourceAccountID)}, nil
		},
		Start: func(ctx context.Context, x *Exec, p plans.LogsCopy) (string, error) {
			src, dst, err := logsCopyBuckets(ctx, x, p)
			if err != nil {
				return "", err
			}
			for pass := 1; pass <= copyPasses; pass++ {
				copied, err := copyMissing(ctx, x, p, src, dst)
				if err != nil || copied == 0 {
					return "", err
				}
			}
			return "", nil
		},
		Verify: func(ctx context.Context, x *Exec, p plans.LogsCopy) (Outputs, error) {
			src, dst, err := logsCopyBuckets(ctx, x, p)
			if err != nil {
				return nil, err
			}
			d, err := diffBuckets(ctx, src, dst, time.Now().Add(-settleWindow), nil)
			if err != nil {
				return nil, err
			}
			if d.MissingSettled > 0 {
				return nil, NotYet(fmt.Errorf("%d objects of s3://%s are not in s3://%s (e.g. %s)", d.MissingSettled, p.SourceBucket, p.DestinationBucket, d.FirstMissing))
			}
			return Outputs{plans.OutputObjectCount: strconv.FormatInt(d.Copied, 10), plans.OutputTotalBytes: strconv.FormatInt(d.CopiedBytes, 10)}, nil
		},
		Classify: func(err error) Class {
			if HasCode(err, "NoSuchBucket") {
				return Failed
			}
			return DefaultClass(err)
		},
	})
}

// logsCopyBuckets are the copy's source and destination, both read as ALZ's Log Archive account;
// the destination must belong to the new Log Archive account.
func logsCopyBuckets(ctx context.Context, x *Exec, p plans.LogsCopy) (src, dst bucketRef, err error) {
	owner, err := x.Resolve(p.DestinationAccountID)
	if err != nil {
		return src, dst, err
	}
	c, err := s3In(ctx, x, p.SourceAccountID, p.Region)
	if err != nil {
		return src, dst, err
	}
	return bucketRef{c: c, bucket: p.SourceBucket, owner: p.SourceAccountID}, bucketRef{c: c, bucket: p.DestinationBucket, owner: owner}, nil
}

// copyTooBig says why the copy is left to the operator ("" = lz2ct copies).
func copyTooBig(p plans.LogsCopy, d bucketDiff) string {
	switch {
	case d.Largest > maxSingleCopy:
		return fmt.Sprintf("an object of %s is larger than the 5 GB one CopyObject call copies (aws s3 sync copies it in parts)", byteSize(d.Largest))
	case p.ManualAboveBytes > 0 && d.MissingBytes > p.ManualAboveBytes:
		return fmt.Sprintf("%d objects (%s) are still to copy, more than decommission.copyLogsMaxGiB (%s)", d.Missing, byteSize(d.MissingBytes), byteSize(p.ManualAboveBytes))
	}
	return ""
}

// copyMissing makes one pass: it lists both buckets and copies every missing object, copyWorkers
// at a time. It returns how many it copied.
func copyMissing(ctx context.Context, x *Exec, p plans.LogsCopy, src, dst bucketRef) (int64, error) {
	var copied, gone atomic.Int64
	// A failed copy stops the listing too: ctx is cancelled for both.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	workers := pool.New().WithContext(ctx).WithCancelOnError().WithFirstError().WithMaxGoroutines(copyWorkers)
	_, listErr := diffBuckets(ctx, src, dst, time.Time{}, func(o s3types.Object) error {
		key, size := aws.ToString(o.Key), aws.ToInt64(o.Size)
		if size > maxSingleCopy {
			return Advise(fmt.Errorf("s3://%s/%s is %s, larger than the 5 GB one CopyObject copies", p.SourceBucket, key, byteSize(size)),
				"copy the bucket with `"+plans.LogsSyncCommand(p.SourceBucket, p.DestinationBucket, p.Region)+"` as account "+p.SourceAccountID+" (it copies large objects in parts), then run lz2ct resume")
		}
		workers.Go(func(ctx context.Context) error {
			_, err := dst.c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(dst.bucket), Key: aws.String(key),
				CopySource: aws.String(copySource(src.bucket, key)), ExpectedBucketOwner: aws.String(dst.owner),
				ExpectedSourceBucketOwner: aws.String(src.owner)})
			switch {
			case err == nil:
				if n := copied.Add(1); n%1000 == 0 {
					x.Log("copied %d objects into s3://%s", n, dst.bucket)
				}
			case HasCode(err, "NoSuchKey"):
				gone.Add(1) // deleted from the source since the listing: nothing left to keep
			default:
				cancel()
				return fmt.Errorf("copying s3://%s/%s: %w", src.bucket, key, err)
			}
			return nil
		})
		return nil
	})
	err := workers.Wait()
	if err == nil {
		err = listErr
	}
	if n := copied.Load(); n > 0 {
		x.Log("copied %d objects into s3://%s (%d gone from the source meanwhile)", n, dst.bucket, gone.Load())
	}
	return copied.Load(), err
}
