package steps

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/lz2ct/lz2ct/awsapi"
)

// What the S3 kinds (export.bucket, bucket.create, logs.copy, bucket.delete) share: clients acting
// in the bucket's account, HEAD answers, and listing two buckets side by side.

// s3In is S3 acting as account in region (the bucket's region: S3 serves a bucket's objects at its
// regional endpoint only).
func s3In(ctx context.Context, x *Exec, account, region string) (*s3.Client, error) {
	cfg, err := x.Account(ctx, account, region)
	if err != nil {
		return nil, err
	}
	return awsapi.S3(cfg), nil
}

// httpStatus is the HTTP status of an AWS error (0 when none came back). HEAD answers carry no
// body, so their status is all S3 says: 404 no such bucket, 403 another account's.
func httpStatus(err error) int {
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// bucketState is what HeadBucket says about a bucket, as the caller sees it.
type bucketState int

const (
	bucketMissing bucketState = iota // 404: nobody has it
	bucketOurs                       // 200: it exists and the caller may list it
	bucketForeign                    // 403: it exists and belongs to another account
)

// headBucket reads a bucket's state; owner, when set, is the account it must belong to (403
// otherwise). https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadBucket.html
func headBucket(ctx context.Context, c *s3.Client, bucket, owner string) (bucketState, error) {
	in := &s3.HeadBucketInput{Bucket: aws.String(bucket)}
	if owner != "" {
		in.ExpectedBucketOwner = aws.String(owner)
	}
	_, err := c.HeadBucket(ctx, in)
	switch {
	case err == nil:
		return bucketOurs, nil
	case httpStatus(err) == 404 || HasCode(err, "NotFound", "NoSuchBucket"):
		return bucketMissing, nil
	case httpStatus(err) == 403:
		return bucketForeign, nil
	}
	return 0, err
}

// objectLister reads a bucket's current objects in key order (ListObjectsV2 lists in UTF-8 binary
// order), one page of up to 1,000 at a time, so two buckets of any size are compared side by side
// without holding either listing in memory.
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html
type objectLister struct {
	pages *s3.ListObjectsV2Paginator
	page  []s3types.Object
}

// newLister lists bucket; owner, when set, is the account the bucket must belong to (S3 answers
// 403 otherwise, so a bucket of the same name elsewhere is never mistaken for it).
func newLister(c *s3.Client, bucket, owner string) *objectLister {
	in := &s3.ListObjectsV2Input{Bucket: aws.String(bucket)}
	if owner != "" {
		in.ExpectedBucketOwner = aws.String(owner)
	}
	return &objectLister{pages: s3.NewListObjectsV2Paginator(c, in)}
}

// next returns the next object, nil after the last.
func (l *objectLister) next(ctx context.Context) (*s3types.Object, error) {
	for len(l.page) == 0 {
		if !l.pages.HasMorePages() {
			return nil, nil
		}
		out, err := l.pages.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		l.page = out.Contents
	}
	o := &l.page[0]
	l.page = l.page[1:]
	return o, nil
}

// bucketDiff is how a destination bucket stands against a source bucket.
type bucketDiff struct {
	Objects, Bytes int64 // the source's current objects
	// Copied are the source's objects present in the destination with the same size.
	Copied, CopiedBytes int64
	// Missing are the source's objects absent from the destination or of another size.
	Missing, MissingBytes int64
	// MissingSettled are those of Missing written before the settle window (settledBefore).
	MissingSettled int64
	// FirstMissing names one missing object, for messages.
	FirstMissing string
	// Largest is the size of the largest missing object.
	Largest int64
}

// sameObject says whether the destination holds the source's object. Size, not ETag: an ETag is
// an MD5 of the bytes only for objects uploaded in one part without SSE-KMS, so a faithful copy
// can carry another ETag. https://docs.aws.amazon.com/AmazonS3/latest/API/API_Object.html
func sameObject(src, dst *s3types.Object) bool {
	return aws.ToString(src.Key) == aws.ToString(dst.Key) && aws.ToInt64(src.Size) == aws.ToInt64(dst.Size)
}

// bucketRef names a bucket, the client that reads it and the account it must belong to.
type bucketRef struct {
	c      *s3.Client
	bucket string
	owner  string
}

// diffBuckets lists both buckets side by side and calls missing (when not nil) for every source
// object the destination lacks or holds with another size. A nil destination client stands for a
// bucket that does not exist yet (everything is missing). settledBefore splits the missing
// objects: those written before it count in MissingSettled (zero time: every one).
func diffBuckets(ctx context.Context, src, dst bucketRef, settledBefore time.Time, missing func(s3types.Object) error) (bucketDiff, error) {
	var d bucketDiff
	sl := newLister(src.c, src.bucket, src.owner)
	var dl *objectLister
	if dst.c != nil {
		dl = newLister(dst.c, dst.bucket, dst.owner)
	}
	nextDst := func() (*s3types.Object, error) {
		if dl == nil {
			return nil, nil
		}
		o, err := dl.next(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing s3://%s: %w", dst.bucket, err)
		}
		return o, nil
	}
	so, err := sl.next(ctx)
	if err != nil {
		return d, fmt.Errorf("listing s3://%s: %w", src.bucket, err)
	}
	do, err := nextDst()
	if err != nil {
		return d, err
	}
	for so != nil {
		// Skip destination keys that sort before the source's: objects the source no longer has.
		for do != nil && aws.ToString(do.Key) < aws.ToString(so.Key) {
			if do, err = nextDst(); err != nil {
				return d, err
			}
		}
		size := aws.ToInt64(so.Size)
		d.Objects++
		d.Bytes += size
		if do != nil && sameObject(so, do) {
			d.Copied++
			d.CopiedBytes += size
		} else {
			d.Missing++
			d.MissingBytes += size
			if settledBefore.IsZero() || aws.ToTime(so.LastModified).Before(settledBefore) {
				d.MissingSettled++
			}
			if d.FirstMissing == "" {
				d.FirstMissing = aws.ToString(so.Key)
			}
			d.Largest = max(d.Largest, size)
			if missing != nil {
				if err := missing(*so); err != nil {
					return d, err
				}
			}
		}
		if so, err = sl.next(ctx); err != nil {
			return d, fmt.Errorf("listing s3://%s: %w", src.bucket, err)
		}
	}
	return d, nil
}

// copySource is CopyObject's x-amz-copy-source: "<bucket>/<key>", URL-encoded.
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html
func copySource(bucket, key string) string {
	parts := strings.Split(key, "/")
	for i, p := range parts {
		parts[i] = strings.ReplaceAll(url.QueryEscape(p), "+", "%20")
	}
	return bucket + "/" + strings.Join(parts, "/")
}

// byteSize renders a size for people (binary units, as the settings' GiB).
func byteSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d bytes", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
