package sim

import (
	"encoding/xml"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/lz2ct/lz2ct/inventory"
)

// Control Tower (REST-JSON: POST /<operation-path>) and S3 (REST-XML, path-style: the bucket is the
// first path segment).
func init() {
	// https://docs.aws.amazon.com/controltower/latest/APIReference/Welcome.html
	registerService(&service{
		name: "controltower", protocol: protoRESTJSON,
		throttle: apiError{Status: 429, Code: "ThrottlingException", Message: "Rate exceeded"},
		denied:   apiError{Status: 403, Code: "AccessDeniedException"}, badToken: "ValidationException", validation: "ValidationException",
		route: func(r *http.Request) string { return ctRoutes[r.Method+" "+strings.TrimSuffix(r.URL.Path, "/")] },
		ops: map[string]handler{
			"ListLandingZones":     ctListLandingZones,
			"GetLandingZone":       ctGetLandingZone,
			"ListEnabledBaselines": ctListEnabledBaselines,
			"ListBaselines":        ctListBaselines,
		},
	})
	// https://docs.aws.amazon.com/AmazonS3/latest/API/Welcome.html
	registerService(&service{
		name: "s3", protocol: protoRESTXML,
		// SlowDown (503) is S3's throttling answer. https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html
		throttle: apiError{Status: 503, Code: "SlowDown", Message: "Please reduce your request rate."},
		denied:   apiError{Status: 403, Code: "AccessDenied"}, badToken: "InvalidArgument", validation: "InvalidArgument",
		route: s3Route,
		ops: map[string]handler{"ListBuckets": s3ListBuckets, "GetBucketLocation": s3GetBucketLocation,
			"GetBucketAcl": s3GetBucketAcl, "GetBucketVersioning": s3GetBucketVersioning, "HeadBucket": s3HeadBucket},
	})
	// Lambda: REST-JSON. https://docs.aws.amazon.com/lambda/latest/api/API_ListFunctions.html
	registerService(&service{
		name: "lambda", protocol: protoRESTJSON,
		throttle: apiError{Status: 429, Code: "TooManyRequestsException", Message: "Rate exceeded"},
		denied:   apiError{Status: 403, Code: "AccessDeniedException"}, badToken: "InvalidParameterValueException", validation: "InvalidParameterValueException",
		route: func(r *http.Request) string {
			if r.Method == http.MethodGet && strings.TrimSuffix(r.URL.Path, "/") == "/2015-03-31/functions" {
				return "ListFunctions"
			}
			return ""
		},
		ops: map[string]handler{"ListFunctions": lambdaListFunctions},
	})
	// GuardDuty: REST-JSON. https://docs.aws.amazon.com/guardduty/latest/APIReference/API_ListDetectors.html
	registerService(&service{
		name: "guardduty", protocol: protoRESTJSON,
		throttle: apiError{Status: 429, Code: "TooManyRequestsException", Message: "Rate exceeded"},
		denied:   apiError{Status: 403, Code: "AccessDeniedException"}, badToken: "BadRequestException", validation: "BadRequestException",
		route: func(r *http.Request) string {
			if r.Method == http.MethodGet && strings.TrimSuffix(r.URL.Path, "/") == "/detector" {
				return "ListDetectors"
			}
			return ""
		},
		ops: map[string]handler{"ListDetectors": gdListDetectors},
	})
}

// ctRoutes maps Control Tower's request paths to operations (the served ones and the ones a later
// issue adds, so that the audit log names them).
var ctRoutes = map[string]string{
	"POST /list-landingzones":         "ListLandingZones",
	"POST /get-landingzone":           "GetLandingZone",
	"POST /list-enabled-baselines":    "ListEnabledBaselines",
	"POST /enable-baseline":           "EnableBaseline",
	"POST /disable-baseline":          "DisableBaseline",
	"POST /reset-enabled-baseline":    "ResetEnabledBaseline",
	"POST /get-enabled-baseline":      "GetEnabledBaseline",
	"POST /list-baselines":            "ListBaselines",
	"POST /create-landingzone":        "CreateLandingZone",
	"POST /update-landingzone":        "UpdateLandingZone",
	"POST /get-baseline-operation":    "GetBaselineOperation",
	"POST /get-landingzone-operation": "GetLandingZoneOperation",
}

// landingZoneHere is the landing zone when the call is the management account in its home region.
func (c *call) landingZoneHere() *inventory.LandingZone {
	lz := c.st.snap.ControlTower.LandingZone
	if lz == nil || !c.isManagement() || c.region != lz.HomeRegion {
		return nil
	}
	return lz
}

func ctListLandingZones(c *call) (any, error) {
	var in struct {
		MaxResults int    `json:"maxResults"`
		NextToken  string `json:"nextToken"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	// maxResults is fixed at 1: an organization has one landing zone.
	// https://docs.aws.amazon.com/controltower/latest/APIReference/API_ListLandingZones.html
	if in.MaxResults < 0 || in.MaxResults > 1 {
		return nil, errorf(400, "ValidationException", "1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1", in.MaxResults)
	}
	out := []map[string]any{}
	if lz := c.landingZoneHere(); lz != nil && in.NextToken == "" {
		out = append(out, map[string]any{"arn": lz.Arn})
	}
	return map[string]any{"landingZones": out}, nil
}

// ctGetLandingZone answers the landing zone with the manifest fields lz2ct reads.
// https://docs.aws.amazon.com/controltower/latest/userguide/lz-api-launch.html
func ctGetLandingZone(c *call) (any, error) {
	var in struct {
		LandingZoneIdentifier string `json:"landingZoneIdentifier"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if in.LandingZoneIdentifier == "" {
		return nil, c.missing("landingZoneIdentifier")
	}
	lz := c.landingZoneHere()
	if lz == nil || lz.Arn != in.LandingZoneIdentifier {
		return nil, errorf(404, "ResourceNotFoundException", "Landing zone %s not found.", in.LandingZoneIdentifier)
	}
	structure := map[string]any{"security": map[string]any{"name": lz.SecurityOUName}}
	if lz.SandboxOUName != "" {
		structure["sandbox"] = map[string]any{"name": lz.SandboxOUName}
	}
	manifest := map[string]any{
		"governedRegions":       lz.GovernedRegions,
		"organizationStructure": structure,
		"centralizedLogging":    map[string]any{"accountId": lz.LogArchiveAccountID, "enabled": true},
		"securityRoles":         map[string]any{"accountId": lz.AuditAccountID},
		"accessManagement":      map[string]any{"enabled": true},
	}
	return map[string]any{"landingZone": map[string]any{
		"arn": lz.Arn, "version": lz.Version, "latestAvailableVersion": lz.LatestAvailableVersion, "status": lz.Status,
		"driftStatus": map[string]any{"status": lz.DriftStatus}, "manifest": manifest,
	}}, nil
}

// ListEnabledBaselines: maxResults 5-100, filter by target or baseline identifiers.
// https://docs.aws.amazon.com/controltower/latest/APIReference/API_ListEnabledBaselines.html
func ctListEnabledBaselines(c *call) (any, error) {
	var in struct {
		Filter struct {
			TargetIdentifiers   []string `json:"targetIdentifiers"`
			BaselineIdentifiers []string `json:"baselineIdentifiers"`
		} `json:"filter"`
		IncludeChildren bool   `json:"includeChildren"`
		MaxResults      int    `json:"maxResults"`
		NextToken       string `json:"nextToken"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if in.MaxResults != 0 && in.MaxResults < 5 {
		return nil, errorf(400, "ValidationException", "1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 5", in.MaxResults)
	}
	var all []inventory.EnabledBaseline
	if c.landingZoneHere() != nil {
		for _, b := range c.st.snap.ControlTower.EnabledBaselines {
			// Account-level enabled baselines are children of their OU's: listed only with
			// includeChildren or when the filter names the account.
			child := strings.Contains(b.TargetIdentifier, ":account/")
			if child && !in.IncludeChildren && len(in.Filter.TargetIdentifiers) == 0 {
				continue
			}
			if selected(in.Filter.TargetIdentifiers, b.TargetIdentifier) && selected(in.Filter.BaselineIdentifiers, b.BaselineIdentifier) {
				all = append(all, b)
			}
		}
	}
	sortBy(all, func(b inventory.EnabledBaseline) string { return b.Arn })
	bs, next, err := page(c, all, func(b inventory.EnabledBaseline) string { return b.Arn }, in.NextToken, in.MaxResults, 100, 100, "maxResults")
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, 0, len(bs))
	for _, b := range bs {
		out = append(out, map[string]any{"arn": b.Arn, "baselineIdentifier": b.BaselineIdentifier, "baselineVersion": b.BaselineVersion,
			"targetIdentifier": b.TargetIdentifier, "statusSummary": map[string]any{"status": b.Status}})
	}
	return withToken(map[string]any{"enabledBaselines": out}, "nextToken", next), nil
}

// ListBaselines: the baseline catalogue of the home region, maxResults 4-100.
// https://docs.aws.amazon.com/controltower/latest/APIReference/API_ListBaselines.html
func ctListBaselines(c *call) (any, error) {
	var in struct {
		MaxResults int    `json:"maxResults"`
		NextToken  string `json:"nextToken"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if in.MaxResults != 0 && in.MaxResults < 4 {
		return nil, errorf(400, "ValidationException", "1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 4", in.MaxResults)
	}
	var all []inventory.Baseline
	if c.landingZoneHere() != nil {
		all = append(all, c.st.snap.ControlTower.Baselines...)
	}
	sortBy(all, func(b inventory.Baseline) string { return b.Arn })
	bs, next, err := page(c, all, func(b inventory.Baseline) string { return b.Arn }, in.NextToken, in.MaxResults, 100, 100, "maxResults")
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, 0, len(bs))
	for _, b := range bs {
		out = append(out, map[string]any{"arn": b.Arn, "name": b.Name})
	}
	return withToken(map[string]any{"baselines": out}, "nextToken", next), nil
}

// s3Route names the S3 operation of a path-style request.
func s3Route(r *http.Request) string {
	bucket, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	q := r.URL.Query()
	switch {
	case bucket == "" && r.Method == http.MethodGet:
		return "ListBuckets"
	case key != "":
		return map[string]string{"GET": "GetObject", "HEAD": "HeadObject", "PUT": "PutObject", "DELETE": "DeleteObject"}[r.Method]
	case r.Method == http.MethodGet && q.Has("location"):
		return "GetBucketLocation"
	case r.Method == http.MethodGet && q.Has("acl"):
		return "GetBucketAcl"
	case r.Method == http.MethodGet && q.Has("versioning"):
		return "GetBucketVersioning"
	case r.Method == http.MethodGet:
		return "ListObjects"
	case r.Method == http.MethodHead:
		return "HeadBucket"
	case r.Method == http.MethodPut:
		return "CreateBucket"
	case r.Method == http.MethodDelete:
		return "DeleteBucket"
	}
	return ""
}

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

const s3NS = "http://s3.amazonaws.com/doc/2006-03-01/"

// s3ListBuckets lists the caller's buckets; max-buckets (1-10000) and continuation-token page it.
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListBuckets.html
func s3ListBuckets(c *call) (any, error) {
	q := c.req.URL.Query()
	prefix := q.Get("prefix")
	var all []*inventory.Bucket
	for _, b := range c.st.buckets[c.account] {
		if strings.HasPrefix(b.Name, prefix) && (q.Get("bucket-region") == "" || q.Get("bucket-region") == b.Region) {
			all = append(all, b)
		}
	}
	max := 0
	if v := q.Get("max-buckets"); v != "" {
		max, _ = strconv.Atoi(v)
	}
	bs, next, err := page(c, all, func(b *inventory.Bucket) string { return b.Name }, q.Get("continuation-token"), max, 10000, 10000, "max-buckets")
	if err != nil {
		return nil, err
	}
	out := s3ListBucketsResult{Xmlns: s3NS, OwnerID: hexOf(c.account), ContinuationToken: next, Prefix: prefix}
	for _, b := range bs {
		out.Buckets = append(out.Buckets, s3BucketXML{b.Name, c.st.snap.CapturedAt.UTC().Add(-24 * time.Hour).Format("2006-01-02T15:04:05.000Z"), b.Region})
	}
	return out, nil
}

type s3Location struct {
	XMLName xml.Name `xml:"LocationConstraint"`
	Xmlns   string   `xml:"xmlns,attr"`
	Region  string   `xml:",chardata"`
}

// bucket is the bucket a path-style request names, when the caller owns it: S3 answers NoSuchBucket
// for a bucket that does not exist and AccessDenied for someone else's.
func (c *call) bucket() (*inventory.Bucket, error) {
	name, _, _ := strings.Cut(strings.TrimPrefix(c.req.URL.Path, "/"), "/")
	b := c.st.bucketBy[name]
	if b == nil {
		return nil, errorf(404, "NoSuchBucket", "The specified bucket does not exist")
	}
	if b.AccountID != c.account {
		return nil, errorf(403, "AccessDenied", "Access Denied")
	}
	return b, nil
}

// s3GetBucketLocation answers an empty LocationConstraint for us-east-1, as S3 does.
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketLocation.html
func s3GetBucketLocation(c *call) (any, error) {
	b, err := c.bucket()
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

// s3GetBucketAcl answers the owner-only ACL S3 gives every bucket it creates (the snapshot models
// no other grants). https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketAcl.html
func s3GetBucketAcl(c *call) (any, error) {
	if _, err := c.bucket(); err != nil {
		return nil, err
	}
	var g s3Grant
	g.Grantee.XMLNSxsi, g.Grantee.Type, g.Grantee.ID = "http://www.w3.org/2001/XMLSchema-instance", "CanonicalUser", hexOf(c.account)
	g.Permission = "FULL_CONTROL"
	return s3ACL{Xmlns: s3NS, OwnerID: hexOf(c.account), Grants: []s3Grant{g}}, nil
}

type s3Versioning struct {
	XMLName xml.Name `xml:"VersioningConfiguration"`
	Xmlns   string   `xml:"xmlns,attr"`
}

// s3GetBucketVersioning answers an empty configuration: versioning was never enabled (the snapshot
// does not model it). https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketVersioning.html
func s3GetBucketVersioning(c *call) (any, error) {
	if _, err := c.bucket(); err != nil {
		return nil, err
	}
	return s3Versioning{Xmlns: s3NS}, nil
}

// s3HeadBucket answers 200 with the bucket's region for its owner; errors carry no body (HEAD).
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadBucket.html
func s3HeadBucket(c *call) (any, error) {
	b, err := c.bucket()
	if err != nil {
		return nil, err
	}
	return headResult{"X-Amz-Bucket-Region": b.Region}, nil
}

// headResult is an answer of headers only.
type headResult map[string]string

// lambdaListFunctions lists the region's functions the snapshot models (reservedNames of type
// AWS::Lambda::Function): MaxItems 1-10000 (default 50), Marker / NextMarker.
// https://docs.aws.amazon.com/lambda/latest/api/API_ListFunctions.html
func lambdaListFunctions(c *call) (any, error) {
	q := c.req.URL.Query()
	max := 0
	if v := q.Get("MaxItems"); v != "" {
		max, _ = strconv.Atoi(v)
		if max == 0 {
			max = -1
		}
	}
	names, next, err := page(c, c.namedHere(inventory.ResourceLambdaFunction), strKey, q.Get("Marker"), max, 50, 10000, "maxItems")
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, 0, len(names))
	for _, n := range names {
		out = append(out, map[string]any{"FunctionName": n, "FunctionArn": "arn:" + c.partition() + ":lambda:" + c.region + ":" + c.account + ":function:" + n,
			"Runtime": "python3.12", "Handler": "index.handler", "PackageType": "Zip", "Version": "$LATEST"})
	}
	return withToken(map[string]any{"Functions": out}, "NextMarker", next), nil
}

// gdListDetectors: the snapshot models no GuardDuty detector, so every account and region has none.
// maxResults 1-50. https://docs.aws.amazon.com/guardduty/latest/APIReference/API_ListDetectors.html
func gdListDetectors(c *call) (any, error) {
	q := c.req.URL.Query()
	max := 0
	if v := q.Get("maxResults"); v != "" {
		max, _ = strconv.Atoi(v)
		if max == 0 {
			max = -1
		}
	}
	ids, next, err := page(c, []string(nil), strKey, q.Get("nextToken"), max, 50, 50, "maxResults")
	if err != nil {
		return nil, err
	}
	return withToken(map[string]any{"detectorIds": append([]string{}, ids...)}, "nextToken", next), nil
}
