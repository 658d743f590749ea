package sim

import (
	"slices"
	"strings"

	"github.com/lz2ct/lz2ct/inventory"
)

// The JSON 1.1 services that hold the rest of ALZ and the organization's settings: Service Catalog,
// SSM, KMS, IAM Identity Center (sso-admin), CodePipeline and Service Quotas. Each answers from the
// management account in the region the snapshot puts the resource in, and lists nothing elsewhere.
func init() {
	throttling := apiError{Status: 400, Code: "ThrottlingException", Message: "Rate exceeded"}
	denied := apiError{Status: 400, Code: "AccessDeniedException"}
	// https://docs.aws.amazon.com/servicecatalog/latest/dg/API_Operations_AWS_Service_Catalog.html
	registerService(&service{
		name: "servicecatalog", aliases: []string{"service catalog"}, protocol: protoJSON, targetPrefixes: []string{"AWS242ServiceCatalogService"},
		throttle: throttling, denied: denied, badToken: "InvalidParametersException", validation: "InvalidParametersException",
		ops: map[string]handler{
			"ListPortfolios":              scListPortfolios,
			"SearchProductsAsAdmin":       scSearchProductsAsAdmin,
			"ListPrincipalsForPortfolio":  scListPrincipals,
			"ListConstraintsForPortfolio": scListConstraints,
			"SearchProvisionedProducts":   scSearchProvisionedProducts,
			"DescribeProductAsAdmin":      scDescribeProductAsAdmin,
			// svc_servicecatalog_mut.go: Account Factory, records, and what the deletes check.
			"DescribeRecord":             scDescribeRecord,
			"SearchProducts":             scSearchProducts,
			"DescribeProduct":            scDescribeProduct,
			"ListLaunchPaths":            scListLaunchPaths,
			"DescribeProvisionedProduct": scDescribeProvisionedProduct,
			"DescribeConstraint":         scDescribeConstraint,
			"DescribePortfolio":          scDescribePortfolio,
			"ListPortfoliosForProduct":   scListPortfoliosForProduct,
		},
	})
	// https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_DescribeParameters.html
	registerService(&service{
		name: "ssm", protocol: protoJSON, targetPrefixes: []string{"AmazonSSM"},
		throttle: throttling, denied: denied, badToken: "InvalidNextToken", validation: "ValidationException",
		ops: map[string]handler{"DescribeParameters": ssmDescribeParameters,
			// svc_ssm_mut.go
			"GetParametersByPath": ssmGetParametersByPath, "GetParameters": ssmGetParameters},
	})
	// https://docs.aws.amazon.com/kms/latest/APIReference/API_ListAliases.html
	registerService(&service{
		name: "kms", protocol: protoJSON, targetPrefixes: []string{"TrentService"},
		throttle: throttling, denied: denied, badToken: "InvalidMarkerException", validation: "ValidationException",
		ops: map[string]handler{"ListAliases": kmsListAliases, "DescribeKey": kmsDescribeKey},
	})
	// sso-admin signs as "sso" and is the IAM prefix sso.
	// https://docs.aws.amazon.com/singlesignon/latest/APIReference/API_ListInstances.html
	registerService(&service{
		name: "sso", aliases: []string{"sso-admin", "ssoadmin", "sso admin"}, protocol: protoJSON, targetPrefixes: []string{"SWBExternalService"},
		throttle: throttling, denied: denied, badToken: "ValidationException", validation: "ValidationException",
		ops: map[string]handler{"ListInstances": ssoListInstances},
	})
	// https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_GetPipeline.html
	registerService(&service{
		name: "codepipeline", protocol: protoJSON, targetPrefixes: []string{"CodePipeline_20150709"},
		throttle: throttling, denied: denied, badToken: "InvalidNextTokenException", validation: "ValidationException",
		ops: map[string]handler{"GetPipeline": cpGetPipeline, "GetPipelineState": cpGetPipelineState},
	})
	// https://docs.aws.amazon.com/servicequotas/2019-06-24/apireference/API_GetServiceQuota.html
	registerService(&service{
		name: "servicequotas", aliases: []string{"service quotas"}, protocol: protoJSON, targetPrefixes: []string{"ServiceQuotasV20190624"},
		throttle: throttling, denied: denied,
		badToken: "InvalidPaginationTokenException", validation: "IllegalArgumentException",
		ops: map[string]handler{"GetServiceQuota": sqGetServiceQuota},
	})
}

// alzHere reports whether the call is the management account in the ALZ home region, where ALZ
// keeps its portfolios, parameters, keys and pipeline.
func (c *call) alzHere() bool {
	return c.isManagement() && c.region == c.st.alzHome() && c.region != ""
}

type scPageIn struct {
	PortfolioId string
	PageSize    int
	PageToken   string
}

// Service Catalog pages with PageSize 0-20 (0 = 20) and NextPageToken.
// https://docs.aws.amazon.com/servicecatalog/latest/dg/API_ListPortfolios.html
const scMaxPage = 20

func scListPortfolios(c *call) (any, error) {
	var in scPageIn
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	ps, next, err := page(c, c.portfoliosHere(), func(p *inventory.Portfolio) string { return p.ID }, in.PageToken, in.PageSize, scMaxPage, scMaxPage, "pageSize")
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, 0, len(ps))
	for _, p := range ps {
		out = append(out, c.portfolioView(p))
	}
	return withToken(map[string]any{"PortfolioDetails": out}, "NextPageToken", next), nil
}

func (c *call) portfolio(id string) (*inventory.Portfolio, error) {
	if id == "" {
		return nil, c.missing("portfolioId")
	}
	if p := c.st.portfolioBy[id]; p != nil && c.alzHere() {
		return p, nil
	}
	if p := c.afPortfolio(); p != nil && p.ID == id {
		return p, nil
	}
	return nil, errorf(400, "ResourceNotFoundException", "Portfolio %s not found.", id)
}

// SearchProductsAsAdmin lists a portfolio's products, or every product without PortfolioId;
// Filters.FullTextSearch narrows by name.
func scSearchProductsAsAdmin(c *call) (any, error) {
	var in struct {
		scPageIn
		Filters map[string][]string
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	var all []*inventory.Product
	if in.PortfolioId != "" {
		p, err := c.portfolio(in.PortfolioId)
		if err != nil {
			return nil, err
		}
		for _, id := range p.ProductIDs {
			if pr := c.productByID(id); pr != nil {
				all = append(all, pr)
			}
		}
		sortBy(all, func(p *inventory.Product) string { return p.ID })
	} else {
		all = c.productsHere()
	}
	all = filterProducts(all, in.Filters["FullTextSearch"])
	ps, next, err := page(c, all, func(p *inventory.Product) string { return p.ID }, in.PageToken, in.PageSize, scMaxPage, scMaxPage, "pageSize")
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, 0, len(ps))
	for _, p := range ps {
		out = append(out, c.productView(p))
	}
	return withToken(map[string]any{"ProductViewDetails": out}, "NextPageToken", next), nil
}

func (c *call) productView(p *inventory.Product) map[string]any {
	return map[string]any{
		"ProductViewSummary": map[string]any{"Id": "prodview-" + hexOf(p.ID)[:13], "ProductId": p.ID, "Name": p.Name, "Owner": p.Owner, "Type": "CLOUD_FORMATION_TEMPLATE"},
		"Status":             "CREATED",
		"ProductARN":         "arn:" + c.partition() + ":catalog:" + c.region + ":" + c.account + ":product/" + p.ID,
		"CreatedTime":        epoch(c.st.snap.CapturedAt),
	}
}

// DescribeProductAsAdmin: one product by Id or Name, with its provisioning artifact (the snapshot
// models one version per product).
// https://docs.aws.amazon.com/servicecatalog/latest/dg/API_DescribeProductAsAdmin.html
func scDescribeProductAsAdmin(c *call) (any, error) {
	var in struct{ Id, Name, SourcePortfolioId string }
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if in.Id == "" && in.Name == "" {
		return nil, errorf(400, "InvalidParametersException", "Either Id or Name must be specified.")
	}
	var p *inventory.Product
	if in.Id != "" {
		p = c.productByID(in.Id)
	} else {
		for _, pr := range c.productsHere() {
			if pr.Name == in.Name {
				p = pr
				break
			}
		}
	}
	if p == nil {
		what := in.Id
		if what == "" {
			what = in.Name
		}
		return nil, errorf(400, "ResourceNotFoundException", "Product %s not found.", what)
	}
	return map[string]any{
		"ProductViewDetail": c.productView(p),
		"ProvisioningArtifactSummaries": []map[string]any{{"Id": "pa-" + hexOf(p.ID)[:13], "Name": "v1", "Description": "",
			"CreatedTime": epoch(c.st.snap.CapturedAt)}},
		"Tags": []any{}, "TagOptions": []any{}, "Budgets": []any{},
	}, nil
}

func scListPrincipals(c *call) (any, error) {
	var in scPageIn
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	p, err := c.portfolio(in.PortfolioId)
	if err != nil {
		return nil, err
	}
	arns := append([]string(nil), p.PrincipalARNs...)
	sortBy(arns, strKey)
	arns, next, err := page(c, arns, strKey, in.PageToken, in.PageSize, scMaxPage, scMaxPage, "pageSize")
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, 0, len(arns))
	for _, a := range arns {
		out = append(out, map[string]any{"PrincipalARN": a, "PrincipalType": "IAM"})
	}
	return withToken(map[string]any{"Principals": out}, "NextPageToken", next), nil
}

func scListConstraints(c *call) (any, error) {
	var in scPageIn
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	p, err := c.portfolio(in.PortfolioId)
	if err != nil {
		return nil, err
	}
	ids := append([]string(nil), p.ConstraintIDs...)
	sortBy(ids, strKey)
	ids, next, err := page(c, ids, strKey, in.PageToken, in.PageSize, scMaxPage, scMaxPage, "pageSize")
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, 0, len(ids))
	for _, id := range ids {
		m := map[string]any{"ConstraintId": id, "Type": "LAUNCH", "Owner": c.account, "PortfolioId": p.ID}
		if len(p.ProductIDs) > 0 {
			m["ProductId"] = p.ProductIDs[0]
		}
		out = append(out, m)
	}
	return withToken(map[string]any{"ConstraintDetails": out}, "NextPageToken", next), nil
}

// SearchProvisionedProducts pages with PageSize 0-100; Filters SearchQuery narrow the list
// (ppMatches).
// https://docs.aws.amazon.com/servicecatalog/latest/dg/API_SearchProvisionedProducts.html
func scSearchProvisionedProducts(c *call) (any, error) {
	var in struct {
		Filters   map[string][]string
		PageSize  int
		PageToken string
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	var all []ppView
	for _, p := range c.provisionedHere() {
		if ppMatches(p, in.Filters["SearchQuery"]) {
			all = append(all, p)
		}
	}
	ps, next, err := page(c, all, func(p ppView) string { return p.ID }, in.PageToken, in.PageSize, 20, 100, "pageSize")
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, 0, len(ps))
	for _, p := range ps {
		m := c.ppDetail(p)
		if p.PhysicalID != "" {
			m["PhysicalId"] = p.PhysicalID
		}
		out = append(out, m)
	}
	return withToken(map[string]any{"ProvisionedProducts": out, "TotalResultsCount": len(all)}, "NextPageToken", next), nil
}

type ssmFilter struct {
	Key    string
	Option string
	Values []string
}

// DescribeParameters: MaxResults 1-50; ParameterFilters on Name (BeginsWith | Equals | Contains).
func ssmDescribeParameters(c *call) (any, error) {
	var in struct {
		ParameterFilters []ssmFilter
		MaxResults       int
		NextToken        string
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	var all []inventory.SSMParameter
	if c.isManagement() {
		all = c.st.ssm[c.region]
	}
	for _, f := range in.ParameterFilters {
		if f.Key != "Name" {
			return nil, errorf(400, "InvalidFilterKey", "The simulator filters parameters by Name only, not %q.", f.Key)
		}
		var keep []inventory.SSMParameter
		for _, p := range all {
			for _, v := range f.Values {
				if (f.Option == "BeginsWith" && strings.HasPrefix(p.Name, v)) || ((f.Option == "" || f.Option == "Equals") && p.Name == v) ||
					(f.Option == "Contains" && strings.Contains(p.Name, v)) {
					keep = append(keep, p)
					break
				}
			}
		}
		all = keep
	}
	ps, next, err := page(c, all, func(p inventory.SSMParameter) string { return p.Name }, in.NextToken, in.MaxResults, 10, 50, "maxResults")
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, 0, len(ps))
	for _, p := range ps {
		out = append(out, map[string]any{"Name": p.Name, "Type": ssmType(p), "Version": 1, "DataType": "text", "Tier": "Standard",
			"ARN": "arn:" + c.partition() + ":ssm:" + c.region + ":" + c.account + ":parameter" + p.Name, "LastModifiedDate": epoch(c.st.snap.CapturedAt)})
	}
	return withToken(map[string]any{"Parameters": out}, "NextToken", next), nil
}

// ListAliases: Limit 1-100 (default 50), Marker / NextMarker + Truncated.
func kmsListAliases(c *call) (any, error) {
	var in struct {
		KeyId  string
		Limit  int
		Marker string
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	var all []inventory.KMSAlias
	if c.isManagement() {
		for _, a := range c.st.kms[c.region] {
			if in.KeyId == "" || a.TargetKeyID == in.KeyId {
				all = append(all, a)
			}
		}
	}
	as, next, err := page(c, all, func(a inventory.KMSAlias) string { return a.Name }, in.Marker, in.Limit, 50, 100, "limit")
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, 0, len(as))
	for _, a := range as {
		out = append(out, map[string]any{"AliasName": a.Name, "AliasArn": "arn:" + c.partition() + ":kms:" + c.region + ":" + c.account + ":" + a.Name, "TargetKeyId": a.TargetKeyID})
	}
	res := withToken(map[string]any{"Aliases": out, "Truncated": next != ""}, "NextMarker", next)
	return res, nil
}

// ListInstances answers the organization's Identity Center instance in its region.
func ssoListInstances(c *call) (any, error) {
	var in pageIn
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	out := []map[string]any{}
	if ic := c.st.snap.IdentityCenter; ic != nil && c.isManagement() && c.region == ic.Region && in.NextToken == "" {
		out = append(out, map[string]any{"InstanceArn": ic.InstanceArn, "IdentityStoreId": ic.IdentityStoreID, "OwnerAccountId": c.account, "Status": "ACTIVE",
			"CreatedDate": epoch(c.st.snap.CapturedAt)})
	}
	return map[string]any{"Instances": out}, nil
}

func (c *call) pipeline() (*inventory.Pipeline, error) {
	var in struct{ Name string }
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if in.Name == "" {
		return nil, c.missing("name")
	}
	if alz := c.st.snap.ALZ; alz != nil && alz.Pipeline != nil && alz.Pipeline.Name == in.Name && alz.Pipeline.Region == c.region && c.isManagement() {
		return alz.Pipeline, nil
	}
	return nil, errorf(400, "PipelineNotFoundException", "Account '%s' does not have a pipeline with name '%s'", c.account, in.Name)
}

func cpGetPipeline(c *call) (any, error) {
	p, err := c.pipeline()
	if err != nil {
		return nil, err
	}
	stages := make([]map[string]any, 0, len(p.Stages))
	for i, s := range p.Stages {
		category, provider := "Build", "CodeBuild"
		if i == 0 {
			category, provider = "Source", "S3"
		}
		stages = append(stages, map[string]any{"name": s, "actions": []map[string]any{{
			"name": s, "runOrder": 1,
			"actionTypeId": map[string]any{"category": category, "owner": "AWS", "provider": provider, "version": "1"},
		}}})
	}
	arn := "arn:" + c.partition() + ":codepipeline:" + c.region + ":" + c.account + ":" + p.Name
	return map[string]any{
		"pipeline": map[string]any{"name": p.Name, "roleArn": "arn:" + c.partition() + ":iam::" + c.account + ":role/AWSLandingZoneCodePipelineRole",
			"artifactStore": map[string]any{"type": "S3", "location": "aws-landing-zone-pipeline-artifacts-" + c.account},
			"stages":        stages, "version": 1},
		"metadata": map[string]any{"pipelineArn": arn, "created": epoch(c.st.snap.CapturedAt), "updated": epoch(c.st.snap.CapturedAt)},
	}, nil
}

// cpGetPipelineState answers each stage's inbound transition and the latest execution's state
// there (svc_codepipeline_mut.go). https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_GetPipelineState.html
func cpGetPipelineState(c *call) (any, error) {
	p, err := c.pipeline()
	if err != nil {
		return nil, err
	}
	return map[string]any{"pipelineName": p.Name, "pipelineVersion": 1, "stageStates": c.stageStates(p),
		"created": epoch(c.st.snap.CapturedAt), "updated": epoch(c.st.snap.CapturedAt)}, nil
}

// Organizations' account quota in Service Quotas (ServiceCode organizations, QuotaCode L-29A0C5DF).
// https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html
const accountQuotaCode = "L-29A0C5DF"

func sqGetServiceQuota(c *call) (any, error) {
	var in struct{ ServiceCode, QuotaCode string }
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	q := c.st.snap.Organization.AccountQuota
	if in.ServiceCode != "organizations" || in.QuotaCode != accountQuotaCode || q == 0 {
		return nil, errorf(400, "NoSuchResourceException", "The request failed because the specified service quota %s/%s does not exist.", in.ServiceCode, in.QuotaCode)
	}
	return map[string]any{"Quota": map[string]any{
		"ServiceCode": "organizations", "ServiceName": "AWS Organizations", "QuotaCode": accountQuotaCode,
		"QuotaArn":  "arn:" + c.partition() + ":servicequotas:" + c.region + ":" + c.account + ":organizations/" + accountQuotaCode,
		"QuotaName": "Default maximum number of accounts", "Value": float64(q), "Unit": "None", "Adjustable": true, "GlobalQuota": true,
	}}, nil
}

// sortBy sorts items by key, keeping the order of equal keys.
func sortBy[T any](items []T, key func(T) string) {
	slices.SortStableFunc(items, func(a, b T) int { return strings.Compare(key(a), key(b)) })
}
