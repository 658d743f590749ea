package sim

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/lz2ct/lz2ct/inventory"
)

// Control Tower, Lambda and GuardDuty (REST-JSON). S3 (REST-XML) is in svc_s3.go.
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
			// svc_controltower_mut.go: the reads of the operations it starts.
			"GetLandingZoneOperation":   ctGetLandingZoneOperation,
			"ListLandingZoneOperations": ctListLandingZoneOperations,
			"GetBaselineOperation":      ctGetBaselineOperation,
			"GetEnabledBaseline":        ctGetEnabledBaseline,
		},
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
			return guardDutyAdmins.route(r, "") // svc_delegated_admin_mut.go
		},
		ops: map[string]handler{"ListDetectors": gdListDetectors, "ListOrganizationAdminAccounts": guardDutyAdmins.list},
	})
}

// ctRoutes maps Control Tower's request paths to operations (the served ones and the ones a later
// issue adds, so that the audit log names them).
var ctRoutes = map[string]string{
	"POST /list-landingzones":           "ListLandingZones",
	"POST /get-landingzone":             "GetLandingZone",
	"POST /list-enabled-baselines":      "ListEnabledBaselines",
	"POST /enable-baseline":             "EnableBaseline",
	"POST /disable-baseline":            "DisableBaseline",
	"POST /reset-enabled-baseline":      "ResetEnabledBaseline",
	"POST /get-enabled-baseline":        "GetEnabledBaseline",
	"POST /list-baselines":              "ListBaselines",
	"POST /create-landingzone":          "CreateLandingZone",
	"POST /update-landingzone":          "UpdateLandingZone",
	"POST /get-baseline-operation":      "GetBaselineOperation",
	"POST /get-landingzone-operation":   "GetLandingZoneOperation",
	"POST /list-landingzone-operations": "ListLandingZoneOperations",
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
	manifest := c.lzManifestView(lz)
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
			// Account-level enabled baselines inherited from their OU's are its children: listed
			// only with includeChildren or when the filter names the account. One enabled on an
			// account by itself (IdentityCenterBaseline on the management account) has no parent.
			if !in.IncludeChildren && len(in.Filter.TargetIdentifiers) == 0 && c.ebParent(b) != "" {
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
		out = append(out, c.ebView(b))
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
	ids, next, err := page(c, gdDetectors(c), strKey, q.Get("nextToken"), max, 50, 50, "maxResults")
	if err != nil {
		return nil, err
	}
	return withToken(map[string]any{"detectorIds": append([]string{}, ids...)}, "nextToken", next), nil
}
