package sim

import (
	"encoding/base64"
	"encoding/xml"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// S3: REST-XML, path-style (the bucket is the first path segment, the key the rest), as the SDKs
// send it with UsePathStyle / addressing_style=path against a custom endpoint. The buckets and
// objects are the store of s3objects.go; the mutating operations are in svc_s3_mut.go.
// https://docs.aws.amazon.com/AmazonS3/latest/API/Welcome.html
func init() {
	registerService(&service{
		name: "s3", protocol: protoRESTXML,
		// SlowDown (503) is S3's throttling answer. https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html
		throttle: apiError{Status: 503, Code: "SlowDown", Message: "Please reduce your request rate."},
		denied:   apiError{Status: 403, Code: "AccessDenied"}, badToken: "InvalidArgument", validation: "InvalidArgument",
		route: s3Route,
		ops: map[string]handler{
			"ListBuckets": s3ListBuckets, "GetBucketLocation": s3GetBucketLocation, "GetBucketAcl": s3GetBucketAcl,
			"GetBucketVersioning": s3GetBucketVersioning, "HeadBucket": s3HeadBucket,
			"GetBucketPolicy": s3GetBucketPolicy, "GetPublicAccessBlock": s3GetPublicAccessBlock,
			"ListObjectsV2": s3ListObjectsV2, "ListObjectVersions": s3ListObjectVersions,
			"GetObject": s3GetObject, "HeadObject": s3HeadObject,
		},
	})
}

// s3Route names the S3 operation of a path-style request: the method, whether a key follows the
// bucket, and the subresource in the query (?policy, ?versions, ?delete, ...).
func s3Route(r *http.Request) string {
	bucket, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	q := r.URL.Query()
	copying := r.Header.Get("X-Amz-Copy-Source") != ""
	if bucket == "" {
		if r.Method == http.MethodGet {
			return "ListBuckets"
		}
		return ""
	}
	if key != "" {
		switch r.Method {
		case http.MethodGet:
			return "GetObject"
		case http.MethodHead:
			return "HeadObject"
		case http.MethodPut:
			switch {
			case q.Has("partNumber") && copying:
				return "UploadPartCopy"
			case q.Has("partNumber"):
				return "UploadPart"
			case copying:
				return "CopyObject"
			}
			return "PutObject"
		case http.MethodDelete:
			if q.Has("uploadId") {
				return "AbortMultipartUpload"
			}
			return "DeleteObject"
		case http.MethodPost:
			if q.Has("uploads") {
				return "CreateMultipartUpload"
			}
			if q.Has("uploadId") {
				return "CompleteMultipartUpload"
			}
		}
		return ""
	}
	sub := func(names map[string]string, otherwise string) string {
		for k, op := range names {
			if q.Has(k) {
				return op
			}
		}
		return otherwise
	}
	switch r.Method {
	case http.MethodGet:
		if q.Get("list-type") == "2" {
			return "ListObjectsV2"
		}
		return sub(map[string]string{"location": "GetBucketLocation", "acl": "GetBucketAcl", "versioning": "GetBucketVersioning",
			"policy": "GetBucketPolicy", "publicAccessBlock": "GetPublicAccessBlock", "versions": "ListObjectVersions",
			"uploads": "ListMultipartUploads"}, "ListObjects")
	case http.MethodHead:
		return "HeadBucket"
	case http.MethodPut:
		return sub(map[string]string{"policy": "PutBucketPolicy", "publicAccessBlock": "PutPublicAccessBlock",
			"versioning": "PutBucketVersioning", "acl": "PutBucketAcl"}, "CreateBucket")
	case http.MethodDelete:
		return sub(map[string]string{"policy": "DeleteBucketPolicy", "publicAccessBlock": "DeletePublicAccessBlock"}, "DeleteBucket")
	case http.MethodPost:
		if q.Has("delete") {
			return "DeleteObjects"
		}
	}
	return ""
}

const s3NS = "http://s3.amazonaws.com/doc/2006-03-01/"

// s3Time is S3's XML timestamp.
func s3Time(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// rawResult is an answer the handler shapes itself: status, headers, and a body written as is
// (GetObject's bytes, GetBucketPolicy's JSON) or, when XML is set, encoded as the protocol does.
type rawResult struct {
	Status  int
	Headers map[string]string
	Body    []byte
	XML     any
	// ContentType of Body ("" = binary/octet-stream).
	ContentType string
}

func (rr *rawResult) write(c *call, w http.ResponseWriter) {
	h := w.Header()
	h.Set("X-Amz-Request-Id", c.requestID)
	for k, v := range rr.Headers {
		h.Set(k, v)
	}
	status := rr.Status
	if status == 0 {
		status = http.StatusOK
	}
	if rr.XML != nil {
		var b strings.Builder
		b.WriteString(xml.Header)
		if err := xml.NewEncoder(&b).Encode(rr.XML); err != nil {
			c.writeError(w, errorf(500, "InternalFailure", "sim: encode %s result: %v", c.op, err))
			return
		}
		writeXML(w, status, []byte(b.String()))
		return
	}
	if rr.Body != nil || c.req.Method != http.MethodHead {
		ct := rr.ContentType
		if ct == "" {
			ct = "binary/octet-stream"
		}
		h.Set("Content-Type", ct)
		h.Set("Content-Length", strconv.Itoa(len(rr.Body)))
	}
	w.WriteHeader(status)
	if c.req.Method != http.MethodHead {
		_, _ = w.Write(rr.Body)
	}
}

// ---- access ----

// s3Name is the bucket a path-style request names, and the key after it.
func (c *call) s3Name() (bucket, key string) {
	bucket, key, _ = strings.Cut(strings.TrimPrefix(c.req.URL.Path, "/"), "/")
	return bucket, key
}

// s3ARN is the resource an action applies to: the bucket, or an object in it.
func (c *call) s3ARN(bucket, key string) string {
	arn := "arn:" + c.partition() + ":s3:::" + bucket
	if key != "" {
		arn += "/" + key
	}
	return arn
}

// s3Allowed decides whether the caller may act on a bucket: its owner may, unless the bucket
// policy denies it; another account only where the bucket policy allows it and nothing denies.
// (The caller's own IAM policy is not modelled: lz2ct's roles are administrators.)
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-walkthroughs-managing-access-example2.html
func (c *call) s3Allowed(b *s3Bucket, action, key string) bool {
	allowed, denied := b.policy.decide(c.account, action, c.s3ARN(b.Name, key))
	if denied {
		return false
	}
	return b.Account == c.account || allowed
}

func s3AccessDenied() *apiError { return errorf(403, "AccessDenied", "Access Denied") }

func s3NoSuchBucket() *apiError {
	return errorf(404, "NoSuchBucket", "The specified bucket does not exist")
}

// s3Lookup is the request's bucket, without an access check. regional: S3 serves the operation only
// at the bucket's regional endpoint and elsewhere answers 301 PermanentRedirect (the SDKs do not
// follow it). https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html
func (c *call) s3Lookup(regional bool) (*s3Bucket, error) {
	name, _ := c.s3Name()
	b := c.st.s3.buckets[name]
	if b == nil {
		return nil, s3NoSuchBucket()
	}
	if regional && b.Region != c.region {
		return nil, errorf(301, "PermanentRedirect", "The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint. (bucket %s is in %s)", b.Name, b.Region)
	}
	if !expectedOwner(b, c.req.Header.Get("X-Amz-Expected-Bucket-Owner")) {
		return nil, s3AccessDenied()
	}
	return b, nil
}

// expectedOwner applies a bucket owner condition (x-amz-expected-bucket-owner, and
// x-amz-source-expected-bucket-owner for a copy's source): a bucket of another owner answers 403.
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-owner-condition.html
func expectedOwner(b *s3Bucket, want string) bool { return want == "" || want == b.Account }

// s3Bucket is the request's bucket when it exists and the caller may perform action on it; any
// regional endpoint answers.
func (c *call) s3Bucket(action string) (*s3Bucket, error) {
	b, err := c.s3Lookup(false)
	if err != nil {
		return nil, err
	}
	if !c.s3Allowed(b, action, "") {
		return nil, s3AccessDenied()
	}
	return b, nil
}

// s3RegionalBucket is s3Bucket for operations only the bucket's regional endpoint serves.
func (c *call) s3RegionalBucket(action string) (*s3Bucket, error) {
	b, err := c.s3Lookup(true)
	if err != nil {
		return nil, err
	}
	if !c.s3Allowed(b, action, "") {
		return nil, s3AccessDenied()
	}
	return b, nil
}

// ---- buckets ----

type s3BucketXML struct {
	Name         string `xml:"Name"`
	CreationDate string `xml:"CreationDate"`
	BucketRegion string `xml:"BucketRegion"`
}

type s3ListBucketsResult struct {
	XMLName           xml.Name      `xml:"ListAllMyBucketsResult"`
	Xmlns             string        `xml:"xmlns,attr"`
	OwnerID           string        `xml:"Owner>ID"`
	Buckets           []s3BucketXML `xml:"Buckets>Bucket"`
	ContinuationToken string        `xml:"ContinuationToken,omitempty"`
	Prefix            string        `xml:"Prefix,omitempty"`
}

// s3ListBuckets lists the caller's buckets; max-buckets (1-10000) and continuation-token page it.
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListBuckets.html
func s3ListBuckets(c *call) (any, error) {
	q := c.req.URL.Query()
	prefix := q.Get("prefix")
	var all []*s3Bucket
	for _, name := range c.st.s3.owned[c.account] {
		b := c.st.s3.buckets[name]
		if strings.HasPrefix(b.Name, prefix) && (q.Get("bucket-region") == "" || q.Get("bucket-region") == b.Region) {
			all = append(all, b)
		}
	}
	max := 0
	if v := q.Get("max-buckets"); v != "" {
		max, _ = strconv.Atoi(v)
	}
	bs, next, err := page(c, all, func(b *s3Bucket) string { return b.Name }, q.Get("continuation-token"), max, 10000, 10000, "max-buckets")
	if err != nil {
		return nil, err
	}
	out := s3ListBucketsResult{Xmlns: s3NS, OwnerID: hexOf(c.account), ContinuationToken: next, Prefix: prefix}
	for _, b := range bs {
		out.Buckets = append(out.Buckets, s3BucketXML{b.Name, s3Time(b.Created), b.Region})
	}
	return out, nil
}

type s3Location struct {
	XMLName xml.Name `xml:"LocationConstraint"`
	Xmlns   string   `xml:"xmlns,attr"`
	Region  string   `xml:",chardata"`
}

// s3GetBucketLocation answers an empty LocationConstraint for us-east-1, as S3 does; any regional
// endpoint answers it. https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketLocation.html
func s3GetBucketLocation(c *call) (any, error) {
	b, err := c.s3Bucket("s3:GetBucketLocation")
	if err != nil {
		return nil, err
	}
	region := b.Region
	if region == "us-east-1" {
		region = ""
	}
	return s3Location{Xmlns: s3NS, Region: region}, nil
}

type s3Grant struct {
	Grantee struct {
		XMLNSxsi string `xml:"xmlns:xsi,attr"`
		Type     string `xml:"xsi:type,attr"`
		ID       string `xml:"ID"`
	} `xml:"Grantee"`
	Permission string `xml:"Permission"`
}

type s3ACL struct {
	XMLName xml.Name  `xml:"AccessControlPolicy"`
	Xmlns   string    `xml:"xmlns,attr"`
	OwnerID string    `xml:"Owner>ID"`
	Grants  []s3Grant `xml:"AccessControlList>Grant"`
}

// s3GetBucketAcl answers the owner-only ACL S3 gives every bucket it creates (ACLs are disabled on
// new buckets; the simulator models no other grants).
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketAcl.html
func s3GetBucketAcl(c *call) (any, error) {
	b, err := c.s3Bucket("s3:GetBucketAcl")
	if err != nil {
		return nil, err
	}
	var g s3Grant
	g.Grantee.XMLNSxsi, g.Grantee.Type, g.Grantee.ID = "http://www.w3.org/2001/XMLSchema-instance", "CanonicalUser", hexOf(b.Account)
	g.Permission = "FULL_CONTROL"
	return s3ACL{Xmlns: s3NS, OwnerID: hexOf(b.Account), Grants: []s3Grant{g}}, nil
}

type s3Versioning struct {
	XMLName xml.Name `xml:"VersioningConfiguration"`
	Xmlns   string   `xml:"xmlns,attr"`
	Status  string   `xml:"Status,omitempty"`
}

// s3GetBucketVersioning answers the versioning state: no Status for a bucket whose versioning was
// never enabled. https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketVersioning.html
func s3GetBucketVersioning(c *call) (any, error) {
	b, err := c.s3Bucket("s3:GetBucketVersioning")
	if err != nil {
		return nil, err
	}
	return s3Versioning{Xmlns: s3NS, Status: b.Versioning}, nil
}

// s3HeadBucket answers 200 with the bucket's region to whoever may list it, 403 to other accounts
// and 404 when it does not exist; errors carry no body (HEAD).
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadBucket.html
func s3HeadBucket(c *call) (any, error) {
	b, err := c.s3Bucket("s3:ListBucket")
	if err != nil {
		return nil, err
	}
	return headResult{"X-Amz-Bucket-Region": b.Region}, nil
}

// headResult is an answer of headers only.
type headResult map[string]string

// s3GetBucketPolicy answers the policy document as put, or NoSuchBucketPolicy.
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketPolicy.html
func s3GetBucketPolicy(c *call) (any, error) {
	b, err := c.s3RegionalBucket("s3:GetBucketPolicy")
	if err != nil {
		return nil, err
	}
	if b.Policy == "" {
		return nil, errorf(404, "NoSuchBucketPolicy", "The bucket policy does not exist")
	}
	return &rawResult{Body: []byte(b.Policy), ContentType: "application/json"}, nil
}

type s3PABXML struct {
	XMLName               xml.Name `xml:"PublicAccessBlockConfiguration"`
	Xmlns                 string   `xml:"xmlns,attr,omitempty"`
	BlockPublicAcls       bool     `xml:"BlockPublicAcls"`
	IgnorePublicAcls      bool     `xml:"IgnorePublicAcls"`
	BlockPublicPolicy     bool     `xml:"BlockPublicPolicy"`
	RestrictPublicBuckets bool     `xml:"RestrictPublicBuckets"`
}

// s3GetPublicAccessBlock answers the bucket's public access block, or
// NoSuchPublicAccessBlockConfiguration. https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetPublicAccessBlock.html
func s3GetPublicAccessBlock(c *call) (any, error) {
	b, err := c.s3RegionalBucket("s3:GetBucketPublicAccessBlock")
	if err != nil {
		return nil, err
	}
	if b.PAB == nil {
		return nil, errorf(404, "NoSuchPublicAccessBlockConfiguration", "The public access block configuration was not found")
	}
	p := b.PAB
	return s3PABXML{Xmlns: s3NS, BlockPublicAcls: p.BlockPublicAcls, IgnorePublicAcls: p.IgnorePublicAcls,
		BlockPublicPolicy: p.BlockPublicPolicy, RestrictPublicBuckets: p.RestrictPublicBuckets}, nil
}

// ---- objects ----

type s3ObjectXML struct {
	Key          string `xml:"Key"`
	LastModified string `xml:"LastModified"`
	ETag         string `xml:"ETag"`
	Size         int64  `xml:"Size"`
	StorageClass string `xml:"StorageClass"`
}

type s3Prefix struct {
	Prefix string `xml:"Prefix"`
}

type s3ListV2Result struct {
	XMLName               xml.Name      `xml:"ListBucketResult"`
	Xmlns                 string        `xml:"xmlns,attr"`
	Name                  string        `xml:"Name"`
	Prefix                string        `xml:"Prefix"`
	Delimiter             string        `xml:"Delimiter,omitempty"`
	StartAfter            string        `xml:"StartAfter,omitempty"`
	ContinuationToken     string        `xml:"ContinuationToken,omitempty"`
	NextContinuationToken string        `xml:"NextContinuationToken,omitempty"`
	KeyCount              int           `xml:"KeyCount"`
	MaxKeys               int           `xml:"MaxKeys"`
	EncodingType          string        `xml:"EncodingType,omitempty"`
	IsTruncated           bool          `xml:"IsTruncated"`
	Contents              []s3ObjectXML `xml:"Contents"`
	CommonPrefixes        []s3Prefix    `xml:"CommonPrefixes"`
}

// s3MaxKeys reads max-keys: S3 returns at most 1,000 keys a page whatever is asked, 1,000 when
// nothing is; a negative value is refused.
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html
func s3MaxKeys(q url.Values) (int, error) {
	v := q.Get("max-keys")
	if v == "" {
		return 1000, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, errorf(400, "InvalidArgument", "Provided max-keys not an integer or within integer range")
	}
	return min(n, 1000), nil
}

// s3Encode applies encoding-type=url to a key or prefix in a listing.
func s3Encode(encoding, s string) string {
	if encoding == "url" {
		return url.QueryEscape(s)
	}
	return s
}

// s3Walk calls fn with the bucket's keys after `after` (from it, when inclusive) that start with
// prefix, in order, folding keys that contain delimiter after the prefix into common prefixes; fn
// returns false to stop.
func s3Walk(keys []string, prefix, delimiter, after string, inclusive bool, fn func(key string, common bool) bool) {
	i := sort.SearchStrings(keys, max(prefix, after))
	for ; i < len(keys); i++ {
		k := keys[i]
		if k < after || (k == after && !inclusive) {
			continue
		}
		if !strings.HasPrefix(k, prefix) {
			return
		}
		if delimiter != "" {
			if j := strings.Index(k[len(prefix):], delimiter); j >= 0 {
				cp := k[:len(prefix)+j+len(delimiter)]
				if cp <= after {
					continue
				}
				if !fn(cp, true) {
					return
				}
				// Skip every key under this common prefix.
				i = sort.SearchStrings(keys, cp+"\xff") - 1
				continue
			}
		}
		if !fn(k, false) {
			return
		}
	}
}

// continuation tokens hold the last key returned, like the simulator's other page tokens.
func s3Token(last string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(tokenPrefix + last))
}

func (c *call) s3FromToken(tok string) (string, error) {
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || !strings.HasPrefix(string(raw), tokenPrefix) {
		return "", errorf(400, "InvalidArgument", "The continuation token provided is incorrect")
	}
	return strings.TrimPrefix(string(raw), tokenPrefix), nil
}

// s3ListObjectsV2 lists the current versions of a bucket's objects in key order: prefix,
// delimiter, start-after, max-keys (at most 1,000), continuation tokens and encoding-type=url.
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html
func s3ListObjectsV2(c *call) (any, error) {
	b, err := c.s3RegionalBucket("s3:ListBucket")
	if err != nil {
		return nil, err
	}
	q := c.req.URL.Query()
	maxKeys, err := s3MaxKeys(q)
	if err != nil {
		return nil, err
	}
	prefix, delim, enc := q.Get("prefix"), q.Get("delimiter"), q.Get("encoding-type")
	after := q.Get("start-after")
	if tok := q.Get("continuation-token"); tok != "" {
		if after, err = c.s3FromToken(tok); err != nil {
			return nil, err
		}
	}
	out := s3ListV2Result{Xmlns: s3NS, Name: b.Name, Prefix: s3Encode(enc, prefix), Delimiter: s3Encode(enc, delim), MaxKeys: maxKeys,
		StartAfter: s3Encode(enc, q.Get("start-after")), ContinuationToken: q.Get("continuation-token"), EncodingType: enc}
	keys := c.st.s3.objects(b)
	last := ""
	s3Walk(c.st.s3.sortedKeys(b), prefix, delim, after, false, func(k string, common bool) bool {
		if common {
			if out.KeyCount == maxKeys {
				out.IsTruncated = true
				return false
			}
			out.CommonPrefixes = append(out.CommonPrefixes, s3Prefix{s3Encode(enc, k)})
			out.KeyCount++
			last = k + "\xff" // past every key under the prefix
			return true
		}
		v := keys[k].current()
		if v == nil {
			return true // hidden by a delete marker
		}
		if out.KeyCount == maxKeys {
			out.IsTruncated = true
			return false
		}
		out.Contents = append(out.Contents, s3ObjectXML{Key: s3Encode(enc, k), LastModified: s3Time(v.Modified), ETag: v.ETag, Size: v.Size, StorageClass: "STANDARD"})
		out.KeyCount++
		last = k
		return true
	})
	if out.IsTruncated {
		out.NextContinuationToken = s3Token(last)
	}
	return out, nil
}

type s3VersionXML struct {
	XMLName      xml.Name `xml:"Version"`
	Key          string   `xml:"Key"`
	VersionID    string   `xml:"VersionId"`
	IsLatest     bool     `xml:"IsLatest"`
	LastModified string   `xml:"LastModified"`
	ETag         string   `xml:"ETag"`
	Size         int64    `xml:"Size"`
	StorageClass string   `xml:"StorageClass"`
	OwnerID      string   `xml:"Owner>ID"`
}

type s3DeleteMarkerXML struct {
	XMLName      xml.Name `xml:"DeleteMarker"`
	Key          string   `xml:"Key"`
	VersionID    string   `xml:"VersionId"`
	IsLatest     bool     `xml:"IsLatest"`
	LastModified string   `xml:"LastModified"`
	OwnerID      string   `xml:"Owner>ID"`
}

type s3ListVersionsResult struct {
	XMLName             xml.Name `xml:"ListVersionsResult"`
	Xmlns               string   `xml:"xmlns,attr"`
	Name                string   `xml:"Name"`
	Prefix              string   `xml:"Prefix"`
	KeyMarker           string   `xml:"KeyMarker"`
	VersionIDMarker     string   `xml:"VersionIdMarker"`
	NextKeyMarker       string   `xml:"NextKeyMarker,omitempty"`
	NextVersionIDMarker string   `xml:"NextVersionIdMarker,omitempty"`
	MaxKeys             int      `xml:"MaxKeys"`
	EncodingType        string   `xml:"EncodingType,omitempty"`
	IsTruncated         bool     `xml:"IsTruncated"`
	// Entries are Version and DeleteMarker elements, in key order and newest first within a key.
	Entries []any
}

// s3ListObjectVersions lists every version and delete marker, by key and newest first, max-keys
// (at most 1,000) counting both; key-marker and version-id-marker continue after an entry.
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectVersions.html
func s3ListObjectVersions(c *call) (any, error) {
	b, err := c.s3RegionalBucket("s3:ListBucketVersions")
	if err != nil {
		return nil, err
	}
	q := c.req.URL.Query()
	maxKeys, err := s3MaxKeys(q)
	if err != nil {
		return nil, err
	}
	prefix, enc := q.Get("prefix"), q.Get("encoding-type")
	keyMarker, vidMarker := q.Get("key-marker"), q.Get("version-id-marker")
	if vidMarker != "" && keyMarker == "" {
		return nil, errorf(400, "InvalidArgument", "A version-id marker cannot be specified without a key marker.")
	}
	out := s3ListVersionsResult{Xmlns: s3NS, Name: b.Name, Prefix: s3Encode(enc, prefix), KeyMarker: s3Encode(enc, keyMarker),
		VersionIDMarker: vidMarker, MaxKeys: maxKeys, EncodingType: enc}
	keys := c.st.s3.objects(b)
	owner := hexOf(b.Account)
	count := 0
	var lastKey, lastVID string
	// A version marker continues inside the marker key; a key marker alone after it.
	s3Walk(c.st.s3.sortedKeys(b), prefix, "", keyMarker, vidMarker != "", func(k string, _ bool) bool {
		vs := keys[k].versions
		start := 0
		if vidMarker != "" && k == keyMarker {
			start = len(vs)
			for i, v := range vs {
				if v.ID == vidMarker {
					start = i + 1
				}
			}
		}
		for i := start; i < len(vs); i++ {
			v := vs[i]
			if count == maxKeys {
				out.IsTruncated = true
				out.NextKeyMarker, out.NextVersionIDMarker = s3Encode(enc, lastKey), lastVID
				return false
			}
			if v.DeleteMarker {
				out.Entries = append(out.Entries, s3DeleteMarkerXML{Key: s3Encode(enc, k), VersionID: v.ID, IsLatest: i == 0,
					LastModified: s3Time(v.Modified), OwnerID: owner})
			} else {
				out.Entries = append(out.Entries, s3VersionXML{Key: s3Encode(enc, k), VersionID: v.ID, IsLatest: i == 0,
					LastModified: s3Time(v.Modified), ETag: v.ETag, Size: v.Size, StorageClass: "STANDARD", OwnerID: owner})
			}
			count++
			lastKey, lastVID = k, v.ID
		}
		return true
	})
	return out, nil
}

// s3Object is the version a GetObject/HeadObject names: versionId, or the current one.
func (c *call) s3Object(action string) (*s3Bucket, string, *s3Version, error) {
	b, err := c.s3Lookup(true)
	if err != nil {
		return nil, "", nil, err
	}
	_, key := c.s3Name()
	if !c.s3Allowed(b, action, key) {
		return nil, "", nil, s3AccessDenied()
	}
	k := c.st.s3.objects(b)[key]
	vid := c.req.URL.Query().Get("versionId")
	if vid == "" {
		v := k.current()
		if v == nil {
			return nil, "", nil, errorf(404, "NoSuchKey", "The specified key does not exist.")
		}
		return b, key, v, nil
	}
	if k != nil {
		for _, v := range k.versions {
			if v.ID != vid {
				continue
			}
			if v.DeleteMarker {
				// A delete marker cannot be read. https://docs.aws.amazon.com/AmazonS3/latest/userguide/DeleteMarker.html
				return nil, "", nil, errorf(405, "MethodNotAllowed", "The specified method is not allowed against this resource.")
			}
			return b, key, v, nil
		}
	}
	return nil, "", nil, errorf(404, "NoSuchVersion", "The specified version does not exist.")
}

func objectHeaders(v *s3Version) map[string]string {
	h := map[string]string{"ETag": v.ETag, "Last-Modified": v.Modified.UTC().Format(http.TimeFormat),
		"Content-Length": strconv.FormatInt(v.Size, 10), "Accept-Ranges": "bytes"}
	if v.ID != "null" {
		h["X-Amz-Version-Id"] = v.ID
	}
	return h
}

// s3GetObject answers an object's bytes (the current version, or versionId's).
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html
func s3GetObject(c *call) (any, error) {
	_, _, v, err := c.s3Object("s3:GetObject")
	if err != nil {
		return nil, err
	}
	if v.Size > maxServedBody {
		return nil, errorf(501, "NotImplemented", "lz2ct sim serves objects up to %d bytes; this one declares %d", maxServedBody, v.Size)
	}
	return &rawResult{Headers: objectHeaders(v), Body: v.body.bytes(v.Size)}, nil
}

// s3HeadObject answers an object's metadata; errors have no body, so the SDKs see only the
// status (404 NotFound, 403 Forbidden). https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html
func s3HeadObject(c *call) (any, error) {
	_, _, v, err := c.s3Object("s3:GetObject")
	if err != nil {
		return nil, err
	}
	return headResult(objectHeaders(v)), nil
}
