package sim

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/lz2ct/lz2ct/inventory"
)

// S3's mutating operations. Each follows the mutation API of mutate.go; the audit targets are in
// sim/README.md. None has an idempotency token: a repeat is answered from the state it finds
// (BucketAlreadyOwnedByYou, NoSuchBucket, a version already gone reported as deleted).
func init() {
	registerMutation("s3", "CreateBucket", s3CreateBucket)
	registerMutation("s3", "DeleteBucket", s3DeleteBucket)
	registerMutation("s3", "PutBucketPolicy", s3PutBucketPolicy)
	registerMutation("s3", "DeleteBucketPolicy", s3DeleteBucketPolicy)
	registerMutation("s3", "PutPublicAccessBlock", s3PutPublicAccessBlock)
	registerMutation("s3", "PutBucketVersioning", s3PutBucketVersioning)
	registerMutation("s3", "PutObject", s3PutObject)
	registerMutation("s3", "CopyObject", s3CopyObject)
	registerMutation("s3", "DeleteObject", s3DeleteObject)
	registerMutation("s3", "DeleteObjects", s3DeleteObjects)
}

// maxCopySize is the largest object one CopyObject copies; larger ones need a multipart copy
// (UploadPartCopy). https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html
const maxCopySize = 5 << 30

// s3XMLBody reads an XML request body into v; S3 answers MalformedXML for one it cannot read.
func (c *call) s3XMLBody(v any) error {
	if err := xml.Unmarshal(c.body, v); err != nil {
		return errorf(400, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")
	}
	return nil
}

// validBucketName applies S3's general purpose bucket naming rules: 3-63 characters of lower-case
// letters, digits, dots and hyphens, starting and ending with a letter or digit, no "..", not an
// IP address. https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
func validBucketName(n string) bool {
	if len(n) < 3 || len(n) > 63 || strings.Contains(n, "..") {
		return false
	}
	alnum := func(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }
	if !alnum(n[0]) || !alnum(n[len(n)-1]) {
		return false
	}
	digitsAndDots := true
	for i := 0; i < len(n); i++ {
		c := n[i]
		if !alnum(c) && c != '.' && c != '-' {
			return false
		}
		if c != '.' && (c < '0' || c > '9') {
			digitsAndDots = false
		}
	}
	return !(digitsAndDots && strings.Count(n, ".") == 3)
}

type s3CreateBucketConfiguration struct {
	LocationConstraint string `xml:"LocationConstraint"`
}

// s3CreateBucket creates a bucket in the region of the endpoint called. Audit target: the bucket.
// As S3: InvalidBucketName; the LocationConstraint must name the endpoint's region, and none is
// given for us-east-1 (IllegalLocationConstraintException / InvalidLocationConstraint otherwise);
// an existing name answers BucketAlreadyOwnedByYou to its owner (except in us-east-1, where S3
// answers 200 for legacy compatibility) and BucketAlreadyExists to anyone else. New buckets block
// public access and disable ACLs (bucket owner enforced), as S3 creates them since April 2023.
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateBucket.html
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/create-bucket-overview.html
func s3CreateBucket(c *call) (any, error) {
	name, _ := c.s3Name()
	if !validBucketName(name) {
		return nil, errorf(400, "InvalidBucketName", "The specified bucket is not valid.")
	}
	var cfg s3CreateBucketConfiguration
	if len(bytes.TrimSpace(c.body)) > 0 {
		if err := c.s3XMLBody(&cfg); err != nil {
			return nil, err
		}
	}
	loc := cfg.LocationConstraint
	switch {
	case loc == "us-east-1" || (loc != "" && !c.st.regionKnown(loc)):
		return nil, errorf(400, "InvalidLocationConstraint", "The specified location-constraint is not valid")
	case loc == "" && c.region != "us-east-1":
		return nil, errorf(400, "IllegalLocationConstraintException", "The unspecified location constraint is incompatible for the region specific endpoint this request was sent to.")
	case loc != "" && loc != c.region:
		return nil, errorf(400, "IllegalLocationConstraintException", "The %s location constraint is incompatible for the region specific endpoint this request was sent to.", loc)
	}
	if err := c.setTarget(name); err != nil {
		return nil, err
	}
	if b := c.st.s3.buckets[name]; b != nil {
		if b.Account != c.account {
			return nil, errorf(409, "BucketAlreadyExists", "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.")
		}
		if c.region == "us-east-1" && b.Region == "us-east-1" {
			return &rawResult{Headers: map[string]string{"Location": "/" + name}}, nil
		}
		return nil, errorf(409, "BucketAlreadyOwnedByYou", "Your previous request to create the named bucket succeeded and you already own it.")
	}
	c.st.s3.add(&s3Bucket{Name: name, Account: c.account, Region: c.region, Created: c.s.clock.Now().UTC(),
		PAB: &s3PAB{BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true}})
	return &rawResult{Headers: map[string]string{"Location": "/" + name}}, nil
}

// s3DeleteBucket deletes an empty bucket. Audit target: the bucket. As S3: NoSuchBucket,
// BucketNotEmpty (409) while any object version or delete marker remains, 204 on success.
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteBucket.html
func s3DeleteBucket(c *call) (any, error) {
	b, err := c.s3RegionalBucket("s3:DeleteBucket")
	if err != nil {
		return nil, err
	}
	if err := c.setTarget(b.Name); err != nil {
		return nil, err
	}
	if c.st.s3.versionCount(b) > 0 {
		return nil, errorf(409, "BucketNotEmpty", "The bucket you tried to delete is not empty. You must delete all versions in the bucket.")
	}
	c.st.s3.remove(b.Name)
	if b.alz {
		// The snapshot lists ALZ's buckets: keep it equal to what discovery would find now (no
		// index but the store's reads them).
		alz := c.st.snap.ALZ
		alz.Buckets = removeBucket(alz.Buckets, b.Name)
	}
	return &rawResult{Status: http.StatusNoContent}, nil
}

func removeBucket(l []inventory.Bucket, name string) []inventory.Bucket {
	out := l[:0:0]
	for _, b := range l {
		if b.Name != name {
			out = append(out, b)
		}
	}
	return out
}

// s3PutBucketPolicy sets the bucket policy. Audit target: the bucket. As S3: MalformedPolicy for a
// document it cannot read, AccessDenied for a public policy while BlockPublicPolicy is on, 204.
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketPolicy.html
func s3PutBucketPolicy(c *call) (any, error) {
	b, err := c.s3RegionalBucket("s3:PutBucketPolicy")
	if err != nil {
		return nil, err
	}
	pol, perr := parseS3Policy(c.body, c.partition(), b.Name)
	if perr != nil {
		return nil, perr
	}
	if err := c.setTarget(b.Name); err != nil {
		return nil, err
	}
	if pol.public() && b.PAB != nil && b.PAB.BlockPublicPolicy {
		return nil, s3AccessDenied()
	}
	b.Policy, b.policy = string(c.body), pol
	return &rawResult{Status: http.StatusNoContent}, nil
}

// s3DeleteBucketPolicy removes the bucket policy (204, also when there is none). Audit target: the
// bucket. https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteBucketPolicy.html
func s3DeleteBucketPolicy(c *call) (any, error) {
	b, err := c.s3RegionalBucket("s3:DeleteBucketPolicy")
	if err != nil {
		return nil, err
	}
	if err := c.setTarget(b.Name); err != nil {
		return nil, err
	}
	b.Policy, b.policy = "", nil
	return &rawResult{Status: http.StatusNoContent}, nil
}

// s3PutPublicAccessBlock replaces the bucket's public access block. Audit target: the bucket.
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutPublicAccessBlock.html
func s3PutPublicAccessBlock(c *call) (any, error) {
	b, err := c.s3RegionalBucket("s3:PutBucketPublicAccessBlock")
	if err != nil {
		return nil, err
	}
	var in s3PABXML
	if err := c.s3XMLBody(&in); err != nil {
		return nil, err
	}
	if err := c.setTarget(b.Name); err != nil {
		return nil, err
	}
	b.PAB = &s3PAB{BlockPublicAcls: in.BlockPublicAcls, IgnorePublicAcls: in.IgnorePublicAcls,
		BlockPublicPolicy: in.BlockPublicPolicy, RestrictPublicBuckets: in.RestrictPublicBuckets}
	return &rawResult{}, nil
}

// s3PutBucketVersioning enables or suspends versioning (it can never be turned off again).
// Audit target: the bucket. https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketVersioning.html
func s3PutBucketVersioning(c *call) (any, error) {
	b, err := c.s3RegionalBucket("s3:PutBucketVersioning")
	if err != nil {
		return nil, err
	}
	var in s3Versioning
	if err := c.s3XMLBody(&in); err != nil {
		return nil, err
	}
	if in.Status != "Enabled" && in.Status != "Suspended" {
		return nil, errorf(400, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")
	}
	if err := c.setTarget(b.Name); err != nil {
		return nil, err
	}
	c.st.s3.objects(b) // made-up objects take the versioning they were made with
	b.Versioning = in.Status
	return &rawResult{}, nil
}

// s3PutObject stores an object. Audit target: <bucket>/<key>. The body must arrive whole: the
// aws-chunked encoding (streaming signatures, trailing checksums over TLS) is not served, which
// the SDKs do not use against a plain-HTTP endpoint.
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html
func s3PutObject(c *call) (any, error) {
	b, err := c.s3Lookup(true)
	if err != nil {
		return nil, err
	}
	_, key := c.s3Name()
	if !c.s3Allowed(b, "s3:PutObject", key) {
		return nil, s3AccessDenied()
	}
	if strings.Contains(c.req.Header.Get("Content-Encoding"), "aws-chunked") {
		return nil, errorf(501, "NotImplemented", "lz2ct sim does not read aws-chunked request bodies")
	}
	if err := c.setTarget(b.Name, key); err != nil {
		return nil, err
	}
	data := append([]byte{}, c.body...)
	v := &s3Version{Size: int64(len(data)), Modified: c.s.clock.Now().UTC().Truncate(0), body: s3Body{data: data}}
	v.ETag = etagOf(v.body, v.Size)
	v = c.st.s3.put(b, key, v)
	return &rawResult{Headers: versionHeaders(b, v, map[string]string{"ETag": v.ETag})}, nil
}

// versionHeaders adds x-amz-version-id when the bucket's versioning was ever enabled.
func versionHeaders(b *s3Bucket, v *s3Version, h map[string]string) map[string]string {
	if b.Versioning != "" {
		h["X-Amz-Version-Id"] = v.ID
	}
	return h
}

type s3CopyResult struct {
	XMLName      xml.Name `xml:"CopyObjectResult"`
	Xmlns        string   `xml:"xmlns,attr"`
	ETag         string   `xml:"ETag"`
	LastModified string   `xml:"LastModified"`
}

// s3CopyObject copies an object server-side: x-amz-copy-source names "<bucket>/<key>" (URL-encoded,
// optionally ?versionId=), the URL the destination. Audit target: <destination bucket>/<key>. The
// caller needs s3:GetObject on the source and s3:PutObject on the destination, each granted by the
// owner or the bucket's policy; the copy belongs to the destination bucket's owner (ACLs disabled).
// As S3: NoSuchKey / NoSuchVersion for the source, InvalidRequest for an object larger than 5 GB
// (a multipart copy is needed) and for a copy onto itself without a change.
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html
func s3CopyObject(c *call) (any, error) {
	dst, err := c.s3Lookup(true)
	if err != nil {
		return nil, err
	}
	_, dkey := c.s3Name()
	src := c.req.Header.Get("X-Amz-Copy-Source")
	if un, err := url.PathUnescape(src); err == nil {
		src = un
	}
	src = strings.TrimPrefix(src, "/")
	srcVID := ""
	if i := strings.Index(src, "?versionId="); i >= 0 {
		src, srcVID = src[:i], src[i+len("?versionId="):]
	}
	sbName, skey, ok := strings.Cut(src, "/")
	if !ok || sbName == "" || skey == "" {
		return nil, errorf(400, "InvalidArgument", "Copy Source must mention the source bucket and key: sourcebucket/sourcekey")
	}
	sb := c.st.s3.buckets[sbName]
	if sb == nil {
		return nil, s3NoSuchBucket()
	}
	if !expectedOwner(sb, c.req.Header.Get("X-Amz-Source-Expected-Bucket-Owner")) ||
		!c.s3Allowed(sb, "s3:GetObject", skey) || !c.s3Allowed(dst, "s3:PutObject", dkey) {
		return nil, s3AccessDenied()
	}
	k := c.st.s3.objects(sb)[skey]
	var sv *s3Version
	if srcVID == "" {
		sv = k.current()
		if sv == nil {
			return nil, errorf(404, "NoSuchKey", "The specified key does not exist.")
		}
	} else if k != nil {
		for _, v := range k.versions {
			if v.ID == srcVID && !v.DeleteMarker {
				sv = v
			}
		}
	}
	if sv == nil {
		return nil, errorf(404, "NoSuchVersion", "The specified version does not exist.")
	}
	if sv.Size > maxCopySize {
		return nil, errorf(400, "InvalidRequest", "The specified copy source is larger than the maximum allowable size for a copy source: 5368709120")
	}
	if sb == dst && skey == dkey && c.req.Header.Get("X-Amz-Metadata-Directive") != "REPLACE" {
		return nil, errorf(400, "InvalidRequest", "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.")
	}
	if err := c.setTarget(dst.Name, dkey); err != nil {
		return nil, err
	}
	nv := &s3Version{Size: sv.Size, ETag: sv.ETag, Modified: c.s.clock.Now().UTC().Truncate(0), body: sv.body}
	nv = c.st.s3.put(dst, dkey, nv)
	h := versionHeaders(dst, nv, map[string]string{})
	if sv.ID != "null" {
		h["X-Amz-Copy-Source-Version-Id"] = sv.ID
	}
	return &rawResult{Headers: h, XML: s3CopyResult{Xmlns: s3NS, ETag: nv.ETag, LastModified: s3Time(nv.Modified)}}, nil
}

// deleteOne applies one key's deletion as DeleteObject and DeleteObjects do: with a version ID it
// removes that version or delete marker for good (a version that is not there counts as deleted);
// without one it removes the object of an unversioned bucket, and adds a delete marker in a
// versioned one. https://docs.aws.amazon.com/AmazonS3/latest/userguide/DeletingObjectVersions.html
func (c *call) deleteOne(b *s3Bucket, key, vid string) (out s3Deleted) {
	out.Key, out.VersionID = key, vid
	st := c.st.s3
	if vid != "" {
		_, marker := st.deleteVersion(b, key, vid)
		if marker {
			out.DeleteMarker, out.DeleteMarkerVersionID = true, vid
		}
		return out
	}
	if b.Versioning == "" {
		st.deleteVersion(b, key, "null")
		return out
	}
	// A versioned bucket gets a delete marker, also for a key it never held (Suspended: the
	// marker is the "null" version).
	m := st.put(b, key, &s3Version{DeleteMarker: true, Modified: c.s.clock.Now().UTC().Truncate(0)})
	out.DeleteMarker, out.DeleteMarkerVersionID = true, m.ID
	return out
}

// s3DeleteObject deletes one key or version (204). Audit target: <bucket>/<key>[@<version>].
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObject.html
func s3DeleteObject(c *call) (any, error) {
	b, err := c.s3Lookup(true)
	if err != nil {
		return nil, err
	}
	_, key := c.s3Name()
	vid := c.req.URL.Query().Get("versionId")
	action := "s3:DeleteObject"
	if vid != "" {
		action = "s3:DeleteObjectVersion"
	}
	if !c.s3Allowed(b, action, key) {
		return nil, s3AccessDenied()
	}
	t := key
	if vid != "" {
		t += "@" + vid
	}
	if err := c.setTarget(b.Name, t); err != nil {
		return nil, err
	}
	d := c.deleteOne(b, key, vid)
	h := map[string]string{}
	if d.DeleteMarker {
		h["X-Amz-Delete-Marker"] = "true"
		if d.DeleteMarkerVersionID != "" {
			h["X-Amz-Version-Id"] = d.DeleteMarkerVersionID
		}
	}
	return &rawResult{Status: http.StatusNoContent, Headers: h}, nil
}

type s3DeleteRequest struct {
	Quiet   bool `xml:"Quiet"`
	Objects []struct {
		Key       string `xml:"Key"`
		VersionID string `xml:"VersionId"`
	} `xml:"Object"`
}

type s3Deleted struct {
	XMLName               xml.Name `xml:"Deleted"`
	Key                   string   `xml:"Key"`
	VersionID             string   `xml:"VersionId,omitempty"`
	DeleteMarker          bool     `xml:"DeleteMarker,omitempty"`
	DeleteMarkerVersionID string   `xml:"DeleteMarkerVersionId,omitempty"`
}

type s3DeleteError struct {
	XMLName   xml.Name `xml:"Error"`
	Key       string   `xml:"Key"`
	VersionID string   `xml:"VersionId,omitempty"`
	Code      string   `xml:"Code"`
	Message   string   `xml:"Message"`
}

type s3DeleteResult struct {
	XMLName xml.Name `xml:"DeleteResult"`
	Xmlns   string   `xml:"xmlns,attr"`
	Entries []any
}

// s3DeleteObjects deletes up to 1,000 keys or versions in one call. Audit target:
// <bucket>/<first key>@<first version> (a repeated batch shows as a repeated target). Each key is
// authorized on its own: a key the caller may not delete is an Error entry (AccessDenied) and the
// rest go on; Quiet answers only the errors. More than 1,000 objects, or none, is MalformedXML.
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html
func s3DeleteObjects(c *call) (any, error) {
	b, err := c.s3Lookup(true)
	if err != nil {
		return nil, err
	}
	var in s3DeleteRequest
	if err := c.s3XMLBody(&in); err != nil {
		return nil, err
	}
	if len(in.Objects) == 0 || len(in.Objects) > 1000 {
		return nil, errorf(400, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")
	}
	first := in.Objects[0].Key
	if v := in.Objects[0].VersionID; v != "" {
		first += "@" + v
	}
	if err := c.setTarget(b.Name, first); err != nil {
		return nil, err
	}
	out := s3DeleteResult{Xmlns: s3NS}
	for _, o := range in.Objects {
		action := "s3:DeleteObject"
		if o.VersionID != "" {
			action = "s3:DeleteObjectVersion"
		}
		if !c.s3Allowed(b, action, o.Key) {
			out.Entries = append(out.Entries, s3DeleteError{Key: o.Key, VersionID: o.VersionID, Code: "AccessDenied", Message: "Access Denied"})
			continue
		}
		d := c.deleteOne(b, o.Key, o.VersionID)
		if !in.Quiet {
			out.Entries = append(out.Entries, d)
		}
	}
	return &rawResult{XML: out}, nil
}

// ---- for tests ----

// S3Object is an object version (or delete marker) as Server.S3Bucket reports it, and as
// Server.PutS3Objects declares one.
type S3Object struct {
	Key          string
	VersionID    string
	Size         int64
	ETag         string
	DeleteMarker bool
	Latest       bool
}

// S3Bucket is a bucket as the simulator holds it.
type S3Bucket struct {
	Name, Account, Region string
	// Versioning is "", "Enabled" or "Suspended".
	Versioning string
	Policy     string
	// PublicAccessBlocked: all four public access block settings are on.
	PublicAccessBlocked bool
	// Versions are every version and delete marker, by key and newest first.
	Versions []S3Object
}

// Current returns the bucket's current objects (what ListObjectsV2 lists): count and total size.
func (b S3Bucket) Current() (objects int, bytes int64) {
	for _, v := range b.Versions {
		if v.Latest && !v.DeleteMarker {
			objects++
			bytes += v.Size
		}
	}
	return objects, bytes
}

// S3Bucket returns a bucket with its objects (making up ALZ's on first use, as a call would).
func (s *Server) S3Bucket(name string) (S3Bucket, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	st := s.st.s3
	b := st.buckets[name]
	if b == nil {
		return S3Bucket{}, false
	}
	out := S3Bucket{Name: b.Name, Account: b.Account, Region: b.Region, Versioning: b.Versioning, Policy: b.Policy,
		PublicAccessBlocked: b.PAB != nil && b.PAB.BlockPublicAcls && b.PAB.IgnorePublicAcls && b.PAB.BlockPublicPolicy && b.PAB.RestrictPublicBuckets}
	keys := st.objects(b)
	for _, k := range st.sortedKeys(b) {
		for i, v := range keys[k].versions {
			out.Versions = append(out.Versions, S3Object{Key: k, VersionID: v.ID, Size: v.Size, ETag: v.ETag, DeleteMarker: v.DeleteMarker, Latest: i == 0})
		}
	}
	return out, true
}

// PutS3Objects writes objects of the declared sizes into a bucket without sending their bytes (a
// test's way to fill a bucket with many or huge objects); their content is made up. It is not a
// call: nothing is audited.
func (s *Server) PutS3Objects(bucket string, objs ...S3Object) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st.s3
	b := st.buckets[bucket]
	if b == nil {
		return errorf(404, "NoSuchBucket", "no bucket %s", bucket)
	}
	sort.SliceStable(objs, func(i, j int) bool { return objs[i].Key < objs[j].Key })
	for _, o := range objs {
		v := &s3Version{Size: o.Size, Modified: s.clock.Now().UTC().Truncate(0),
			body: s3Body{ident: "test/" + bucket + "/" + o.Key + "/" + strconv.FormatInt(o.Size, 10)}}
		v.ETag = etagOf(v.body, v.Size)
		if o.DeleteMarker {
			v = &s3Version{DeleteMarker: true, Modified: v.Modified}
		}
		st.put(b, o.Key, v)
	}
	return nil
}
