package steps

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/lz2ct/lz2ct/plans"
)

// BucketExport is the index export.bucket writes next to the folder of objects
// (exports/buckets/<bucket>.index.json): every object copied, with the file that holds it. It is
// written last, so its presence says the export is whole.
type BucketExport struct {
	Bucket     string         `json:"Bucket"`
	Region     string         `json:"Region"`
	ExportedAt time.Time      `json:"ExportedAt"`
	Objects    []BucketObject `json:"Objects"`
}

// BucketObject is one exported object: its key, the file under the export folder, and what S3 said
// of it (ListObjectsV2 and GetObject).
type BucketObject struct {
	Key          string    `json:"Key"`
	File         string    `json:"File"`
	Size         int64     `json:"Size"`
	ETag         string    `json:"ETag"`
	LastModified time.Time `json:"LastModified"`
	VersionID    string    `json:"VersionId,omitempty"`
}

// maxExportObject bounds one exported object: ALZ's configuration is a manifest and templates of
// kilobytes; an object this large is not configuration, and is read whole into memory.
const maxExportObject = 512 << 20

// BucketExportPaths are the export's folder and index, relative to the state folder.
func BucketExportPaths(p plans.ExportBucket) (folder, index string) {
	folder = p.Path
	if folder == "" {
		folder = "exports/buckets/" + p.Bucket + "/"
	}
	folder = strings.TrimSuffix(folder, "/") + "/"
	return folder, strings.TrimSuffix(folder, "/") + ".index.json"
}

// exportFile is where an object's bytes go under the export folder: the key as a path, or, when a
// key cannot be a path safely (".." or empty segments), the URL-escaped key under _escaped/.
func exportFile(key string) string {
	for _, seg := range strings.Split(key, "/") {
		if seg == "" || seg == "." || seg == ".." || strings.ContainsRune(seg, 0) {
			return "_escaped/" + url.QueryEscape(key)
		}
	}
	return key
}

// export.bucket: copy a bucket's current objects (ALZ's manifest and templates) into the state
// folder before decommission deletes the bucket, the same files as the runbook's aws s3 cp
// --recursive. Resumable: objects already saved with their size are not read again.
func init() {
	Register(Def[plans.ExportBucket]{
		Observe: func(ctx context.Context, x *Exec, p plans.ExportBucket) (Observation, error) {
			folder, _ := BucketExportPaths(p)
			e, err := readBucketExport(x, p)
			if err == nil {
				return Observation{State: Done, Note: fmt.Sprintf("%d objects of s3://%s saved in %s", len(e.Objects), p.Bucket, folder)}, nil
			}
			c, cerr := s3In(ctx, x, p.AccountID, p.Region)
			if cerr != nil {
				return Observation{}, cerr
			}
			state, herr := headBucket(ctx, c, p.Bucket, p.AccountID)
			switch {
			case herr != nil:
				return Observation{}, herr
			case state == bucketMissing:
				return Observation{State: Unsafe, Note: fmt.Sprintf("s3://%s no longer exists and was never exported: nothing is left to save; check who deleted it, then re-create the plan (lz2ct discover, lz2ct plan)", p.Bucket)}, nil
			case state == bucketForeign:
				return Observation{State: Unsafe, Note: fmt.Sprintf("s3://%s does not belong to account %s any more", p.Bucket, p.AccountID)}, nil
			}
			change := fmt.Sprintf("save the objects of s3://%s into %s", p.Bucket, folder)
			if !errors.Is(err, fs.ErrNotExist) {
				change += fmt.Sprintf(" (again: %v)", err)
			}
			return Observation{State: NotDone, Change: change}, nil
		},
		Start: func(ctx context.Context, x *Exec, p plans.ExportBucket) (string, error) {
			c, err := s3In(ctx, x, p.AccountID, p.Region)
			if err != nil {
				return "", err
			}
			folder, index := BucketExportPaths(p)
			e := BucketExport{Bucket: p.Bucket, Region: p.Region, Objects: []BucketObject{}}
			pages := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String(p.Bucket), ExpectedBucketOwner: aws.String(p.AccountID)})
			for pages.HasMorePages() {
				page, err := pages.NextPage(ctx)
				if err != nil {
					return "", err
				}
				for _, o := range page.Contents {
					key := aws.ToString(o.Key)
					if strings.HasSuffix(key, "/") && aws.ToInt64(o.Size) == 0 {
						continue // a console "folder": nothing to save
					}
					obj := BucketObject{Key: key, File: exportFile(key), Size: aws.ToInt64(o.Size), ETag: aws.ToString(o.ETag), LastModified: aws.ToTime(o.LastModified)}
					if obj.Size > maxExportObject {
						return "", Advise(fmt.Errorf("s3://%s/%s is %s, more than an export holds (%s)", p.Bucket, key, byteSize(obj.Size), byteSize(maxExportObject)),
							"save it yourself (aws s3 cp), or remove it from the bucket if it is not ALZ configuration, then run lz2ct resume")
					}
					if err := exportObject(ctx, x, c, p, folder, &obj); err != nil {
						return "", err
					}
					e.Objects = append(e.Objects, obj)
				}
			}
			e.ExportedAt = time.Now().UTC()
			data, err := json.MarshalIndent(e, "", "  ")
			if err != nil {
				return "", err
			}
			x.Log("saved %d objects of s3://%s into %s", len(e.Objects), p.Bucket, folder)
			// The index last: it is what Observe looks for.
			return "", x.WriteExport(index, append(data, '\n'))
		},
		Verify: func(_ context.Context, x *Exec, p plans.ExportBucket) (Outputs, error) {
			_, err := readBucketExport(x, p)
			return nil, err
		},
		Classify: func(err error) Class {
			if HasCode(err, "NoSuchBucket") {
				return Failed // nothing to save: the deletion that depends on the export must not run
			}
			return DefaultClass(err)
		},
	})
}

// exportObject saves one object unless an earlier attempt saved it whole (an export file is written
// atomically, so one of the right size is complete).
func exportObject(ctx context.Context, x *Exec, c *s3.Client, p plans.ExportBucket, folder string, obj *BucketObject) error {
	rel := folder + obj.File
	if path, err := x.ExportPath(rel); err == nil {
		if st, err := os.Stat(path); err == nil && st.Size() == obj.Size {
			return nil
		}
	}
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(p.Bucket), Key: aws.String(obj.Key), ExpectedBucketOwner: aws.String(p.AccountID)})
	if err != nil {
		return fmt.Errorf("reading s3://%s/%s: %w", p.Bucket, obj.Key, err)
	}
	defer out.Body.Close()
	data, err := io.ReadAll(io.LimitReader(out.Body, maxExportObject+1))
	if err != nil {
		return fmt.Errorf("reading s3://%s/%s: %w", p.Bucket, obj.Key, err)
	}
	// The object may have changed since the listing: record what was saved.
	obj.Size, obj.ETag, obj.VersionID = int64(len(data)), aws.ToString(out.ETag), aws.ToString(out.VersionId)
	return x.WriteExport(rel, data)
}

// readBucketExport reads the index and checks every file it names is there with its size.
func readBucketExport(x *Exec, p plans.ExportBucket) (*BucketExport, error) {
	folder, index := BucketExportPaths(p)
	var e BucketExport
	if err := x.ReadExportJSON(index, &e); err != nil {
		return nil, err
	}
	if e.Bucket != p.Bucket || e.Objects == nil {
		return nil, fmt.Errorf("%s does not hold the export of s3://%s", index, p.Bucket)
	}
	for _, o := range e.Objects {
		path, err := x.ExportPath(folder + o.File)
		if err != nil {
			return nil, err
		}
		st, err := os.Stat(path)
		if err != nil || st.Size() != o.Size {
			return nil, fmt.Errorf("%s%s (s3://%s/%s) is missing or incomplete", folder, o.File, p.Bucket, o.Key)
		}
	}
	return &e, nil
}
