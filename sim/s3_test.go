package sim

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// S3 through the real SDK: objects, versions, buckets, policies, and AWS's errors.

func s3Client(cfg aws.Config) *s3.Client {
	return s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
}

func httpStatus(err error) int {
	var re *smithyhttp.ResponseError
	if errorsAs(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// listAll pages through ListObjectsV2 at page size n.
func listAll(t *testing.T, c *s3.Client, bucket, prefix string, n int32) []s3types.Object {
	t.Helper()
	var out []s3types.Object
	pg := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix), MaxKeys: aws.Int32(n)})
	for pg.HasMorePages() {
		page := must[*s3.ListObjectsV2Output](t, "ListObjectsV2")(pg.NextPage(context.Background()))
		if int32(len(page.Contents)) > n {
			t.Fatalf("page of %d objects at max-keys %d", len(page.Contents), n)
		}
		out = append(out, page.Contents...)
	}
	return out
}

func TestS3ObjectsOfALZBuckets(t *testing.T) {
	snap := fixture(1, testRegions)
	s, url := serve(t, snap, Options{Seed: 7})
	ctx := context.Background()
	logs := "aws-landing-zone-logs-" + logID + "-us-east-1"
	conf := snap.ALZ.Buckets[0]
	if !strings.HasPrefix(conf.Name, "aws-landing-zone-configuration-") {
		t.Fatalf("fixture: first bucket %s", conf.Name)
	}
	lc := s3Client(memberConfig(t, url, "us-east-1", logID, "AWSCloudFormationStackSetExecutionRole"))

	info, ok := s.S3Bucket(logs)
	if !ok || info.Versioning != "Enabled" || info.Account != logID {
		t.Fatalf("log bucket %+v", info)
	}
	n, size := info.Current()
	if n < 200 || n > 400 {
		t.Errorf("log bucket holds %d current objects, want a few hundred", n)
	}
	markers, older := 0, 0
	for _, v := range info.Versions {
		if v.DeleteMarker {
			markers++
		} else if !v.Latest {
			older++
		}
	}
	if markers == 0 || older == 0 {
		t.Errorf("log bucket: %d delete markers, %d older versions: want some of both", markers, older)
	}
	// The same seed makes the same objects.
	again, _ := New(snap, Options{Seed: 7}).S3Bucket(logs)
	if !slices.Equal(again.Versions, info.Versions) {
		t.Error("the same seed made other objects")
	}

	// Every page size lists the same current objects, in key order.
	all := listAll(t, lc, logs, "", 1000)
	if len(all) != n {
		t.Fatalf("ListObjectsV2 lists %d objects, the bucket holds %d current", len(all), n)
	}
	var listed int64
	for i, o := range all {
		listed += aws.ToInt64(o.Size)
		if i > 0 && *all[i-1].Key >= *o.Key {
			t.Fatalf("keys out of order: %s, %s", *all[i-1].Key, *o.Key)
		}
	}
	if listed != size {
		t.Errorf("listed %d bytes, the bucket holds %d", listed, size)
	}
	if small := listAll(t, lc, logs, "", 7); len(small) != n {
		t.Errorf("max-keys 7: %d objects, want %d", len(small), n)
	}
	prefix := (*all[0].Key)[:strings.LastIndex(*all[0].Key, "/")+1]
	under := listAll(t, lc, logs, prefix, 3)
	if len(under) == 0 || !strings.HasPrefix(*under[0].Key, prefix) {
		t.Errorf("prefix %s: %d objects", prefix, len(under))
	}
	// Delimiter: the organization's prefix folds into one common prefix.
	top := must[*s3.ListObjectsV2Output](t, "ListObjectsV2 /")(lc.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(logs), Delimiter: aws.String("/")}))
	if len(top.CommonPrefixes) != 1 || len(top.Contents) != 0 || *top.CommonPrefixes[0].Prefix != orgID+"/" {
		t.Errorf("delimiter /: prefixes %v, %d objects", top.CommonPrefixes, len(top.Contents))
	}

	// GetObject serves bytes whose MD5 is the ETag; HeadObject the same metadata.
	obj := must[*s3.GetObjectOutput](t, "GetObject")(lc.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(logs), Key: all[0].Key}))
	body, _ := io.ReadAll(obj.Body)
	sum := md5.Sum(body)
	if int64(len(body)) != *all[0].Size || `"`+hex.EncodeToString(sum[:])+`"` != *obj.ETag || *obj.ETag != *all[0].ETag {
		t.Errorf("GetObject: %d bytes, ETag %s; listed %d bytes, ETag %s", len(body), *obj.ETag, *all[0].Size, *all[0].ETag)
	}
	head := must[*s3.HeadObjectOutput](t, "HeadObject")(lc.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(logs), Key: all[0].Key}))
	if *head.ContentLength != *all[0].Size || *head.ETag != *all[0].ETag || aws.ToString(head.VersionId) == "" {
		t.Errorf("HeadObject %+v", head)
	}
	var deleted string
	for _, v := range info.Versions {
		if v.DeleteMarker && v.Latest {
			deleted = v.Key
		}
	}
	_, err := lc.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(logs), Key: aws.String(deleted)})
	if httpStatus(err) != 404 {
		t.Errorf("HeadObject of a deleted key: %v", err)
	}
	_, err = lc.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(logs), Key: aws.String(deleted)})
	wantCode(t, "GetObject of a deleted key", err, "NoSuchKey")

	// Another account, without a policy granting it, is refused; the wrong region is redirected.
	mc := s3Client(mgmtConfig(url, "us-east-1"))
	_, err = mc.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(logs)})
	wantCode(t, "list another account's bucket", err, "AccessDenied")
	_, err = s3Client(memberConfig(t, url, "eu-west-1", logID, "AWSCloudFormationStackSetExecutionRole")).ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(logs)})
	if httpStatus(err) != 301 {
		t.Errorf("list from the wrong region: %v, want 301 PermanentRedirect", err)
	}

	// The configuration bucket holds the manifest (three versions) and templates.
	cc := s3Client(mgmtConfig(url, conf.Region))
	man := must[*s3.GetObjectOutput](t, "GetObject manifest")(cc.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(conf.Name), Key: aws.String("manifest.yaml")}))
	text, _ := io.ReadAll(man.Body)
	if !bytes.Contains(text, []byte("region: "+snap.ALZ.HomeRegion)) || !bytes.Contains(text, []byte("revision 3")) {
		t.Errorf("manifest.yaml:\n%s", text)
	}
	if tpl := listAll(t, cc, conf.Name, "templates/", 1000); len(tpl) < 5 {
		t.Errorf("%d templates", len(tpl))
	}
}

func TestS3ListObjectVersionsPages(t *testing.T) {
	snap := fixture(1, testRegions)
	s, url := serve(t, snap, Options{Seed: 3})
	conf := snap.ALZ.Buckets[0].Name
	c := s3Client(mgmtConfig(url, snap.ALZ.Buckets[0].Region))
	info, _ := s.S3Bucket(conf)
	for _, n := range []int32{1, 4, 1000} {
		var got []S3Object
		in := &s3.ListObjectVersionsInput{Bucket: aws.String(conf), MaxKeys: aws.Int32(n)}
		for {
			out := must[*s3.ListObjectVersionsOutput](t, "ListObjectVersions")(c.ListObjectVersions(context.Background(), in))
			if int32(len(out.Versions)+len(out.DeleteMarkers)) > n {
				t.Fatalf("max-keys %d: a page of %d", n, len(out.Versions)+len(out.DeleteMarkers))
			}
			for _, v := range out.Versions {
				got = append(got, S3Object{Key: *v.Key, VersionID: *v.VersionId, Size: *v.Size, ETag: *v.ETag, Latest: *v.IsLatest})
			}
			for _, m := range out.DeleteMarkers {
				got = append(got, S3Object{Key: *m.Key, VersionID: *m.VersionId, DeleteMarker: true, Latest: *m.IsLatest})
			}
			if !aws.ToBool(out.IsTruncated) {
				break
			}
			in.KeyMarker, in.VersionIdMarker = out.NextKeyMarker, out.NextVersionIdMarker
		}
		// Versions and delete markers come in separate lists; compare as sets in key order.
		slices.SortStableFunc(got, func(a, b S3Object) int { return strings.Compare(a.Key, b.Key) })
		want := slices.Clone(info.Versions)
		slices.SortStableFunc(want, func(a, b S3Object) int { return strings.Compare(a.Key, b.Key) })
		sortVersions := func(l []S3Object) {
			slices.SortStableFunc(l, func(a, b S3Object) int {
				if c := strings.Compare(a.Key, b.Key); c != 0 {
					return c
				}
				return strings.Compare(a.VersionID, b.VersionID)
			})
		}
		sortVersions(got)
		sortVersions(want)
		if !slices.Equal(got, want) {
			t.Errorf("max-keys %d: %d entries, want %d", n, len(got), len(want))
		}
	}
}

func TestS3CreateBucket(t *testing.T) {
	snap := fixture(1, testRegions)
	s, url := serve(t, snap, Options{})
	ctx := context.Background()
	la := s3Client(memberConfig(t, url, "eu-west-1", logID, "AWSCloudFormationStackSetExecutionRole"))
	create := func(c *s3.Client, name, loc string) error {
		in := &s3.CreateBucketInput{Bucket: aws.String(name)}
		if loc != "" {
			in.CreateBucketConfiguration = &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(loc)}
		}
		_, err := c.CreateBucket(ctx, in)
		return err
	}
	wantCode(t, "no constraint outside us-east-1", create(la, "new-logs-bucket", ""), "IllegalLocationConstraintException")
	wantCode(t, "constraint of another region", create(la, "new-logs-bucket", "us-west-2"), "IllegalLocationConstraintException")
	wantCode(t, "bad name", create(la, "New_Logs", "eu-west-1"), "InvalidBucketName")
	wantCode(t, "create", create(la, "new-logs-bucket", "eu-west-1"), "")
	wantCode(t, "again, own", create(la, "new-logs-bucket", "eu-west-1"), "BucketAlreadyOwnedByYou")
	mc := s3Client(mgmtConfig(url, "eu-west-1"))
	wantCode(t, "another account's name", create(mc, "new-logs-bucket", "eu-west-1"), "BucketAlreadyExists")

	east := s3Client(mgmtConfig(url, "us-east-1"))
	wantCode(t, "us-east-1 named as a constraint", create(east, "east-bucket-lz2ct", "us-east-1"), "InvalidLocationConstraint")
	wantCode(t, "us-east-1", create(east, "east-bucket-lz2ct", ""), "")
	wantCode(t, "us-east-1 again answers 200", create(east, "east-bucket-lz2ct", ""), "")

	b, ok := s.S3Bucket("new-logs-bucket")
	if !ok || b.Account != logID || b.Region != "eu-west-1" || !b.PublicAccessBlocked || b.Versioning != "" {
		t.Fatalf("created bucket %+v", b)
	}
	loc := must[*s3.GetBucketLocationOutput](t, "GetBucketLocation")(la.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String("new-logs-bucket")}))
	if loc.LocationConstraint != "eu-west-1" {
		t.Errorf("location %q", loc.LocationConstraint)
	}
	if _, err := la.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("new-logs-bucket")}); err != nil {
		t.Errorf("HeadBucket as owner: %v", err)
	}
	if _, err := mc.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("new-logs-bucket")}); httpStatus(err) != 403 {
		t.Errorf("HeadBucket as another account: %v, want 403", err)
	}
	listed := must[*s3.ListBucketsOutput](t, "ListBuckets")(la.ListBuckets(ctx, &s3.ListBucketsInput{}))
	if !slices.ContainsFunc(listed.Buckets, func(b s3types.Bucket) bool { return *b.Name == "new-logs-bucket" }) {
		t.Error("ListBuckets does not list the new bucket")
	}
	// Discovery's view is ALZ's buckets: a new bucket does not enter the snapshot.
	for _, bk := range s.Snapshot().ALZ.Buckets {
		if bk.Name == "new-logs-bucket" {
			t.Error("the new bucket entered the snapshot's ALZ buckets")
		}
	}
	calls := s.Calls()
	var targets []string
	for _, c := range calls {
		if c.Operation == "CreateBucket" && c.Code == "" {
			targets = append(targets, c.Target)
		}
	}
	if !slices.Equal(targets, []string{"new-logs-bucket", "east-bucket-lz2ct", "east-bucket-lz2ct"}) {
		t.Errorf("CreateBucket targets %v", targets)
	}
}

func TestS3PolicyLetsAnotherAccountCopy(t *testing.T) {
	snap := fixture(1, testRegions)
	s, url := serve(t, snap, Options{Seed: 5})
	ctx := context.Background()
	logs := "aws-landing-zone-logs-" + logID + "-us-east-1"
	// The destination belongs to the security account; the copy runs as the log account.
	dc := s3Client(memberConfig(t, url, "us-east-1", securityID, "AWSCloudFormationStackSetExecutionRole"))
	lc := s3Client(memberConfig(t, url, "us-east-1", logID, "AWSCloudFormationStackSetExecutionRole"))
	must[*s3.CreateBucketOutput](t, "CreateBucket")(dc.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("dest-logs")}))
	src := listAll(t, lc, logs, "", 1000)
	copyOne := func(key string) error {
		_, err := lc.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("dest-logs"), Key: aws.String(key),
			CopySource: aws.String(logs + "/" + key)})
		return err
	}
	wantCode(t, "copy without a policy", copyOne(*src[0].Key), "AccessDenied")

	put := func(doc string) error {
		_, err := dc.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("dest-logs"), Policy: aws.String(doc)})
		return err
	}
	wantCode(t, "not JSON", put("allow everything"), "MalformedPolicy")
	wantCode(t, "another bucket's resource", put(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"`+logID+`"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::other/*"}]}`), "MalformedPolicy")
	wantCode(t, "public while blocked", put(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::dest-logs/*"}]}`), "AccessDenied")
	_, err := dc.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String("dest-logs")})
	wantCode(t, "no policy yet", err, "NoSuchBucketPolicy")
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + logID + `:root"},"Action":["s3:ListBucket","s3:PutObject"],"Resource":["arn:aws:s3:::dest-logs","arn:aws:s3:::dest-logs/*"]},` +
		`{"Effect":"Deny","Principal":{"AWS":"` + logID + `"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::dest-logs/forbidden/*"}]}`
	wantCode(t, "writer policy", put(doc), "")
	got := must[*s3.GetBucketPolicyOutput](t, "GetBucketPolicy")(dc.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String("dest-logs")}))
	if *got.Policy != doc {
		t.Errorf("GetBucketPolicy %s", *got.Policy)
	}

	for _, o := range src[:10] {
		wantCode(t, "copy "+*o.Key, copyOne(*o.Key), "")
	}
	dst := listAll(t, lc, "dest-logs", "", 1000)
	if len(dst) != 10 || *dst[0].Size != *src[0].Size || *dst[0].ETag != *src[0].ETag {
		t.Errorf("destination after 10 copies: %d objects", len(dst))
	}
	// The writer may list and write, not read.
	_, err = lc.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("dest-logs"), Key: src[0].Key})
	wantCode(t, "read with a write-only grant", err, "AccessDenied")
	_, err = lc.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("dest-logs"), Key: aws.String("forbidden/x"), CopySource: aws.String(logs + "/" + *src[0].Key)})
	wantCode(t, "denied prefix", err, "AccessDenied")
	_, err = lc.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("dest-logs"), Key: aws.String("x"), CopySource: aws.String(logs + "/no/such/key")})
	wantCode(t, "missing source", err, "NoSuchKey")

	// Above 5 GB a single CopyObject is refused.
	if err := s.PutS3Objects(logs, S3Object{Key: "huge/trail.json.gz", Size: 6 << 30}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "6 GB copy", copyOne("huge/trail.json.gz"), "InvalidRequest")

	var targets []string
	for _, c := range s.Calls() {
		if c.Operation == "CopyObject" && c.Code == "" {
			targets = append(targets, c.Target)
		}
	}
	if len(targets) != 10 || targets[0] != "dest-logs/"+*src[0].Key {
		t.Errorf("CopyObject targets %v", targets)
	}
	pab := must[*s3.GetPublicAccessBlockOutput](t, "GetPublicAccessBlock")(dc.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: aws.String("dest-logs")}))
	if !aws.ToBool(pab.PublicAccessBlockConfiguration.BlockPublicPolicy) {
		t.Error("a new bucket does not block public policies")
	}
	must[*s3.PutPublicAccessBlockOutput](t, "PutPublicAccessBlock")(dc.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: aws.String("dest-logs"),
		PublicAccessBlockConfiguration: &s3types.PublicAccessBlockConfiguration{BlockPublicAcls: aws.Bool(true)}}))
	if b, _ := s.S3Bucket("dest-logs"); b.PublicAccessBlocked {
		t.Error("PutPublicAccessBlock did not replace the configuration")
	}
}

func TestS3EmptyAndDeleteAVersionedBucket(t *testing.T) {
	snap := fixture(1, testRegions)
	s, url := serve(t, snap, Options{Seed: 9})
	ctx := context.Background()
	logs := "aws-landing-zone-logs-" + logID + "-us-east-1"
	lc := s3Client(memberConfig(t, url, "us-east-1", logID, "AWSCloudFormationStackSetExecutionRole"))
	del := func() error {
		_, err := lc.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(logs)})
		return err
	}
	wantCode(t, "delete a full bucket", del(), "BucketNotEmpty")

	// Deleting keys (no version) in a versioned bucket only adds delete markers.
	cur := listAll(t, lc, logs, "", 1000)
	out := must[*s3.DeleteObjectsOutput](t, "DeleteObjects")(lc.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String(logs),
		Delete: &s3types.Delete{Objects: []s3types.ObjectIdentifier{{Key: cur[0].Key}, {Key: cur[1].Key}}}}))
	if len(out.Deleted) != 2 || !aws.ToBool(out.Deleted[0].DeleteMarker) || aws.ToString(out.Deleted[0].DeleteMarkerVersionId) == "" {
		t.Fatalf("DeleteObjects without versions: %+v", out.Deleted)
	}
	if after := listAll(t, lc, logs, "", 1000); len(after) != len(cur)-2 {
		t.Errorf("%d current objects after deleting 2 of %d", len(after), len(cur))
	}

	// A policy denying the deletion of one prefix makes per-key errors; the rest is deleted.
	info, _ := s.S3Bucket(logs)
	denied := info.Versions[0].Key
	doc := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:DeleteObjectVersion","Resource":"arn:aws:s3:::%s/%s"}]}`, logs, denied)
	must[*s3.PutBucketPolicyOutput](t, "PutBucketPolicy")(lc.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(logs), Policy: aws.String(doc)}))
	var ids []s3types.ObjectIdentifier
	for _, v := range info.Versions {
		ids = append(ids, s3types.ObjectIdentifier{Key: aws.String(v.Key), VersionId: aws.String(v.VersionID)})
	}
	var tooMany []s3types.ObjectIdentifier
	for len(tooMany) <= 1000 {
		tooMany = append(tooMany, ids...)
	}
	_, err := lc.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String(logs), Delete: &s3types.Delete{Objects: tooMany[:1001]}})
	wantCode(t, "1,001 keys", err, "MalformedXML")
	errs := 0
	for start := 0; start < len(ids); start += 100 {
		out := must[*s3.DeleteObjectsOutput](t, "DeleteObjects")(lc.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String(logs),
			Delete: &s3types.Delete{Objects: ids[start:min(start+100, len(ids))], Quiet: aws.Bool(true)}}))
		if len(out.Deleted) != 0 {
			t.Fatalf("Quiet answered %d deletions", len(out.Deleted))
		}
		for _, e := range out.Errors {
			if *e.Code != "AccessDenied" || *e.Key != denied {
				t.Errorf("error %s on %s", *e.Code, *e.Key)
			}
			errs++
		}
	}
	if errs == 0 {
		t.Error("the denied key was deleted")
	}
	wantCode(t, "delete while the denied versions and the new markers remain", del(), "BucketNotEmpty")
	must[*s3.DeleteBucketPolicyOutput](t, "DeleteBucketPolicy")(lc.DeleteBucketPolicy(ctx, &s3.DeleteBucketPolicyInput{Bucket: aws.String(logs)}))
	for {
		out := must[*s3.ListObjectVersionsOutput](t, "ListObjectVersions")(lc.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String(logs)}))
		var left []s3types.ObjectIdentifier
		for _, v := range out.Versions {
			left = append(left, s3types.ObjectIdentifier{Key: v.Key, VersionId: v.VersionId})
		}
		for _, m := range out.DeleteMarkers {
			left = append(left, s3types.ObjectIdentifier{Key: m.Key, VersionId: m.VersionId})
		}
		if len(left) == 0 {
			break
		}
		must[*s3.DeleteObjectsOutput](t, "DeleteObjects")(lc.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String(logs), Delete: &s3types.Delete{Objects: left, Quiet: aws.Bool(true)}}))
	}
	wantCode(t, "delete the empty bucket", del(), "")
	wantCode(t, "delete again", del(), "NoSuchBucket")
	if _, err := lc.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(logs)}); httpStatus(err) != http.StatusNotFound {
		t.Errorf("HeadBucket of a deleted bucket: %v", err)
	}
	for _, b := range s.Snapshot().ALZ.Buckets {
		if b.Name == logs {
			t.Error("the deleted bucket is still in the snapshot")
		}
	}
	if _, ok := s.S3Bucket(logs); ok {
		t.Error("the deleted bucket is still served")
	}
}

// PutObject, DeleteObject and versioning states: a versioned bucket keeps every version and answers
// a plain delete with a delete marker; a suspended one overwrites the "null" version.
func TestS3PutDeleteAndVersioning(t *testing.T) {
	snap := fixture(1, testRegions)
	s, url := serve(t, snap, Options{})
	ctx := context.Background()
	c := s3Client(memberConfig(t, url, "eu-west-1", logID, "AWSCloudFormationStackSetExecutionRole"))
	bucket := aws.String("versions-lz2ct")
	must[*s3.CreateBucketOutput](t, "CreateBucket")(c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: bucket,
		CreateBucketConfiguration: &s3types.CreateBucketConfiguration{LocationConstraint: "eu-west-1"}}))
	put := func(body string) *s3.PutObjectOutput {
		return must[*s3.PutObjectOutput](t, "PutObject")(c.PutObject(ctx, &s3.PutObjectInput{Bucket: bucket, Key: aws.String("k"), Body: strings.NewReader(body)}))
	}
	if out := put("one"); out.VersionId != nil {
		t.Errorf("a version ID from a bucket never versioned: %s", *out.VersionId)
	}
	put("two")
	if b, _ := s.S3Bucket(*bucket); len(b.Versions) != 1 || b.Versions[0].VersionID != "null" || b.Versions[0].Size != 3 {
		t.Fatalf("unversioned overwrite: %+v", b.Versions)
	}
	_, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: bucket, VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}})
	wantCode(t, "enable versioning", err, "")
	v3 := put("three!")
	if aws.ToString(v3.VersionId) == "" {
		t.Fatal("no version ID from a versioned bucket")
	}
	del := must[*s3.DeleteObjectOutput](t, "DeleteObject")(c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: bucket, Key: aws.String("k")}))
	if !aws.ToBool(del.DeleteMarker) || aws.ToString(del.VersionId) == "" {
		t.Errorf("a delete in a versioned bucket: marker %v, version %v", del.DeleteMarker, del.VersionId)
	}
	_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: bucket, Key: aws.String("k")})
	wantCode(t, "read past the delete marker", err, "NoSuchKey")
	old := must[*s3.GetObjectOutput](t, "GetObject version")(c.GetObject(ctx, &s3.GetObjectInput{Bucket: bucket, Key: aws.String("k"), VersionId: v3.VersionId}))
	if body, _ := io.ReadAll(old.Body); string(body) != "three!" {
		t.Errorf("version %s reads %q", *v3.VersionId, body)
	}
	_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: bucket, Key: aws.String("k"), VersionId: del.VersionId})
	if httpStatus(err) != 405 {
		t.Errorf("reading a delete marker: %v, want 405", err)
	}
	if b, _ := s.S3Bucket(*bucket); len(b.Versions) != 3 || !b.Versions[0].DeleteMarker {
		t.Errorf("versions %+v: want the marker, three!, and the null version", b.Versions)
	}
	// Deleting the marker by its version brings the object back.
	must[*s3.DeleteObjectOutput](t, "DeleteObject marker")(c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: bucket, Key: aws.String("k"), VersionId: del.VersionId}))
	must[*s3.HeadObjectOutput](t, "HeadObject after the marker is gone")(c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: bucket, Key: aws.String("k")}))
	_, err = c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: bucket, VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusSuspended}})
	wantCode(t, "suspend versioning", err, "")
	put("four")
	put("five5")
	b, _ := s.S3Bucket(*bucket)
	if len(b.Versions) != 2 || b.Versions[0].VersionID != "null" || b.Versions[0].Size != 5 || b.Versions[1].Size != 6 {
		t.Errorf("suspended: versions %+v, want the null version (5 bytes, replaced twice) and three!", b.Versions)
	}
	ver := must[*s3.GetBucketVersioningOutput](t, "GetBucketVersioning")(c.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: bucket}))
	if ver.Status != s3types.BucketVersioningStatusSuspended {
		t.Errorf("versioning %q", ver.Status)
	}

	// Bucket owner conditions: the expected owner must be the bucket's.
	_, err = c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: bucket, ExpectedBucketOwner: aws.String(mgmtID)})
	wantCode(t, "another expected owner", err, "AccessDenied")
	must[*s3.ListObjectsV2Output](t, "the right expected owner")(c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: bucket, ExpectedBucketOwner: aws.String(logID)}))
	_, err = c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: bucket, Key: aws.String("copy"), CopySource: aws.String(*bucket + "/k"), ExpectedSourceBucketOwner: aws.String(mgmtID)})
	wantCode(t, "another expected source owner", err, "AccessDenied")
	must[*s3.CopyObjectOutput](t, "copy within the bucket")(c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: bucket, Key: aws.String("copy"), CopySource: aws.String(*bucket + "/k"), ExpectedSourceBucketOwner: aws.String(logID)}))
	_, err = c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: bucket, Key: aws.String("copy"), CopySource: aws.String(*bucket + "/copy")})
	wantCode(t, "copy onto itself", err, "InvalidRequest")

	// Every change is audited with its target.
	var targets []string
	for _, call := range s.Calls() {
		if call.Mutating && call.Code == "" && (call.Operation == "PutObject" || call.Operation == "DeleteObject") {
			targets = append(targets, call.Operation+" "+call.Target)
		}
	}
	if len(targets) != 7 || targets[0] != "PutObject versions-lz2ct/k" || targets[4] != "DeleteObject versions-lz2ct/k@"+*del.VersionId {
		t.Errorf("audit targets %v", targets)
	}
}
