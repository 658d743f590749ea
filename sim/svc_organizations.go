package sim

import (
	"regexp"
	"strings"

	"github.com/lz2ct/lz2ct/inventory"
)

// Organizations: JSON 1.1, target prefix AWSOrganizationsV20161128, global (signed for us-east-1).
// https://docs.aws.amazon.com/organizations/latest/APIReference/Welcome.html
func init() {
	registerService(&service{
		name:           "organizations",
		protocol:       protoJSON,
		targetPrefixes: []string{"AWSOrganizationsV20161128"},
		// TooManyRequestsException is Organizations' throttling error (a code the SDK retries).
		// https://docs.aws.amazon.com/organizations/latest/APIReference/CommonErrors.html
		throttle:   apiError{Status: 400, Code: "TooManyRequestsException", Message: "Rate exceeded"},
		denied:     apiError{Status: 400, Code: "AccessDeniedException"},
		badToken:   "InvalidInputException",
		validation: "InvalidInputException",
		ops: map[string]handler{
			"DescribeOrganization":                orgDescribeOrganization,
			"ListRoots":                           orgMgmt(orgListRoots),
			"ListOrganizationalUnitsForParent":    orgMgmt(orgListOUsForParent),
			"ListAccountsForParent":               orgMgmt(orgListAccountsForParent),
			"ListAccounts":                        orgMgmt(orgListAccounts),
			"DescribeAccount":                     orgMgmt(orgDescribeAccount),
			"DescribeOrganizationalUnit":          orgMgmt(orgDescribeOU),
			"ListPolicies":                        orgMgmt(orgListPolicies),
			"DescribePolicy":                      orgMgmt(orgDescribePolicy),
			"ListTargetsForPolicy":                orgMgmt(orgListTargetsForPolicy),
			"ListPoliciesForTarget":               orgMgmt(orgListPoliciesForTarget),
			"ListAWSServiceAccessForOrganization": orgMgmt(orgListServiceAccess),
			"ListDelegatedAdministrators":         orgMgmt(orgListDelegatedAdmins),
			"ListDelegatedServicesForAccount":     orgMgmt(orgListDelegatedServices),
			"ListParents":                         orgMgmt(orgListParents),
			"ListChildren":                        orgMgmt(orgListChildren),
			// Account creation requests; served from svc_organizations_mut.go with the operations that make them.
			"ListCreateAccountStatus":     orgMgmt(orgListCreateAccountStatus),
			"DescribeCreateAccountStatus": orgMgmt(orgDescribeCreateAccountStatus),
		},
	})
}

// Organizations page sizes: MaxResults 1-20.
// https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListAccounts.html
const orgMaxResults = 20

type pageIn struct {
	MaxResults int
	NextToken  string
}

// orgMgmt limits an operation to the management account and delegated administrators, as
// Organizations does: member accounts may only describe their organization.
// https://docs.aws.amazon.com/organizations/latest/userguide/orgs_delegate_policies.html
func orgMgmt(h handler) handler {
	return func(c *call) (any, error) {
		if !c.isManagement() && len(c.st.delegatedServices[c.account]) == 0 {
			return nil, errorf(400, "AccessDeniedException", "You don't have permissions to access this resource.")
		}
		return h(c)
	}
}

func epoch(t interface{ Unix() int64 }) int64 { return t.Unix() }

func orgDescribeOrganization(c *call) (any, error) {
	o := c.st.snap.Organization
	var types []map[string]string
	if len(c.st.snap.Roots) > 0 {
		for _, t := range c.st.snap.Roots[0].PolicyTypes {
			types = append(types, map[string]string{"Type": t, "Status": "ENABLED"})
		}
	}
	return map[string]any{"Organization": map[string]any{
		"Id":                   o.ID,
		"Arn":                  o.Arn,
		"FeatureSet":           o.FeatureSet,
		"MasterAccountArn":     "arn:" + c.partition() + ":organizations::" + o.ManagementAccountID + ":account/" + o.ID + "/" + o.ManagementAccountID,
		"MasterAccountId":      o.ManagementAccountID,
		"MasterAccountEmail":   o.ManagementAccountEmail,
		"AvailablePolicyTypes": types,
	}}, nil
}

func orgListRoots(c *call) (any, error) {
	var in pageIn
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	roots, next, err := page(c, c.st.snap.Roots, func(r inventory.Root) string { return r.ID }, in.NextToken, in.MaxResults, orgMaxResults, orgMaxResults, "maxResults")
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, 0, len(roots))
	for _, r := range roots {
		types := make([]map[string]string, 0, len(r.PolicyTypes))
		for _, t := range r.PolicyTypes {
			types = append(types, map[string]string{"Type": t, "Status": "ENABLED"})
		}
		out = append(out, map[string]any{"Id": r.ID, "Arn": r.Arn, "Name": r.Name, "PolicyTypes": types})
	}
	return withToken(map[string]any{"Roots": out}, "NextToken", next), nil
}

// withToken adds the next-page token under key when there is one.
func withToken(m map[string]any, key, next string) map[string]any {
	if next != "" {
		m[key] = next
	}
	return m
}

type parentIn struct {
	ParentId   string
	MaxResults int
	NextToken  string
}

func (c *call) checkParent(id string) error {
	if err := c.orgID(id, parentIDPattern, "parentId", "INVALID_PATTERN"); err != nil {
		return err
	}
	if !c.st.isParent(id) {
		return errorf(400, "ParentNotFoundException", "We can't find a root or OU with the ParentId that you specified.")
	}
	return nil
}

// Organizations' identifier patterns, from its API reference (e.g. API_ListChildren.html).
var (
	accountIDPattern = regexp.MustCompile(`^\d{12}$`)
	ouIDPattern      = regexp.MustCompile(`^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$`)
	parentIDPattern  = regexp.MustCompile(`^(r-[0-9a-z]{4,32})$|^(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$`)
	childIDPattern   = regexp.MustCompile(`^(\d{12})$|^(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$`)
	targetIDPattern  = regexp.MustCompile(`^(r-[0-9a-z]{4,32})$|^(\d{12})$|^(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$`)
	policyIDPattern  = regexp.MustCompile(`^p-[0-9a-zA-Z_]{8,128}$`)
)

// orgID checks a required identifier against its pattern. Organizations answers a malformed ID with
// InvalidInputException and a Reason (INVALID_PATTERN, INVALID_PATTERN_TARGET_ID), never with
// "not found". https://docs.aws.amazon.com/organizations/latest/APIReference/CommonErrors.html
func (c *call) orgID(id string, pattern *regexp.Regexp, member, reason string) error {
	if id == "" {
		return c.missing(member)
	}
	if !pattern.MatchString(id) {
		e := errorf(400, "InvalidInputException", "You provided a value that does not match the required pattern.")
		e.Extra = map[string]any{"Reason": reason}
		return e
	}
	return nil
}

func orgListOUsForParent(c *call) (any, error) {
	var in parentIn
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if err := c.checkParent(in.ParentId); err != nil {
		return nil, err
	}
	ids, next, err := page(c, c.st.childOUs[in.ParentId], strKey, in.NextToken, in.MaxResults, orgMaxResults, orgMaxResults, "maxResults")
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, 0, len(ids))
	for _, id := range ids {
		ou := c.st.ouBy[id]
		out = append(out, map[string]any{"Id": ou.ID, "Arn": ou.Arn, "Name": ou.Name})
	}
	return withToken(map[string]any{"OrganizationalUnits": out}, "NextToken", next), nil
}

// accountJSON is an Account as Organizations answers it since Status was retired (2026-09-09): State only.
// https://docs.aws.amazon.com/organizations/latest/APIReference/API_Account.html
func accountJSON(a *inventory.Account) map[string]any {
	return map[string]any{
		"Id": a.ID, "Arn": a.Arn, "Email": a.Email, "Name": a.Name, "State": a.Status,
		"JoinedMethod": a.JoinedMethod, "JoinedTimestamp": epoch(a.JoinedAt),
	}
}

func orgListAccountsForParent(c *call) (any, error) {
	var in parentIn
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if err := c.checkParent(in.ParentId); err != nil {
		return nil, err
	}
	return c.accountPage(c.st.childAccts[in.ParentId], in.NextToken, in.MaxResults)
}

func orgListAccounts(c *call) (any, error) {
	var in pageIn
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	return c.accountPage(c.st.accountIDs, in.NextToken, in.MaxResults)
}

func (c *call) accountPage(ids []string, token string, max int) (any, error) {
	ids, next, err := page(c, ids, strKey, token, max, orgMaxResults, orgMaxResults, "maxResults")
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, 0, len(ids))
	for _, id := range ids {
		out = append(out, accountJSON(c.st.account(id)))
	}
	return withToken(map[string]any{"Accounts": out}, "NextToken", next), nil
}

// existingAccount is the account id names, or AccountNotFoundException as Organizations answers.
func (c *call) existingAccount(id string) (*inventory.Account, error) {
	a := c.st.account(id)
	if a == nil {
		return nil, errorf(400, "AccountNotFoundException", "You specified an account that doesn't exist.")
	}
	return a, nil
}

func orgDescribeAccount(c *call) (any, error) {
	var in struct{ AccountId string }
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if err := c.orgID(in.AccountId, accountIDPattern, "accountId", "INVALID_PATTERN"); err != nil {
		return nil, err
	}
	a, err := c.existingAccount(in.AccountId)
	if err != nil {
		return nil, err
	}
	return map[string]any{"Account": accountJSON(a)}, nil
}

func orgDescribeOU(c *call) (any, error) {
	var in struct{ OrganizationalUnitId string }
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if err := c.orgID(in.OrganizationalUnitId, ouIDPattern, "organizationalUnitId", "INVALID_PATTERN"); err != nil {
		return nil, err
	}
	ou := c.st.ouBy[in.OrganizationalUnitId]
	if ou == nil {
		return nil, errorf(400, "OrganizationalUnitNotFoundException", "We can't find an OU with the OrganizationalUnitId that you specified.")
	}
	return map[string]any{"OrganizationalUnit": map[string]any{"Id": ou.ID, "Arn": ou.Arn, "Name": ou.Name}}, nil
}

const scpType = "SERVICE_CONTROL_POLICY"

func policySummary(p *inventory.Policy) map[string]any {
	return map[string]any{"Id": p.ID, "Arn": p.Arn, "Name": p.Name, "Description": p.Description, "Type": scpType, "AwsManaged": p.AWSManaged}
}

// The snapshot holds service control policies only: other policy types list as empty.
func orgListPolicies(c *call) (any, error) {
	var in struct {
		Filter     string
		MaxResults int
		NextToken  string
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if in.Filter == "" {
		return nil, c.missing("filter")
	}
	var all []*inventory.Policy
	if in.Filter == scpType {
		all = c.st.policies
	}
	ps, next, err := page(c, all, func(p *inventory.Policy) string { return p.ID }, in.NextToken, in.MaxResults, orgMaxResults, orgMaxResults, "maxResults")
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, 0, len(ps))
	for _, p := range ps {
		out = append(out, policySummary(p))
	}
	return withToken(map[string]any{"Policies": out}, "NextToken", next), nil
}

func (c *call) policy(id string) (*inventory.Policy, error) {
	if err := c.orgID(id, policyIDPattern, "policyId", "INVALID_PATTERN"); err != nil {
		return nil, err
	}
	p := c.st.policyByID[id]
	if p == nil {
		return nil, errorf(400, "PolicyNotFoundException", "We can't find a policy with the PolicyId that you specified.")
	}
	return p, nil
}

func orgDescribePolicy(c *call) (any, error) {
	var in struct{ PolicyId string }
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	p, err := c.policy(in.PolicyId)
	if err != nil {
		return nil, err
	}
	return map[string]any{"Policy": map[string]any{"PolicySummary": policySummary(p), "Content": p.Document}}, nil
}

func orgListTargetsForPolicy(c *call) (any, error) {
	var in struct {
		PolicyId   string
		MaxResults int
		NextToken  string
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	p, err := c.policy(in.PolicyId)
	if err != nil {
		return nil, err
	}
	ids, next, err := page(c, p.Targets, strKey, in.NextToken, in.MaxResults, orgMaxResults, orgMaxResults, "maxResults")
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, 0, len(ids))
	for _, id := range ids {
		t, ok := c.st.targetNames[id]
		if !ok {
			t = targetInfo{id: id, kind: targetKind(id)}
		}
		out = append(out, map[string]any{"TargetId": t.id, "Arn": t.arn, "Name": t.name, "Type": t.kind})
	}
	return withToken(map[string]any{"Targets": out}, "NextToken", next), nil
}

func targetKind(id string) string {
	switch {
	case strings.HasPrefix(id, "r-"):
		return "ROOT"
	case strings.HasPrefix(id, "ou-"):
		return "ORGANIZATIONAL_UNIT"
	}
	return "ACCOUNT"
}

func orgListPoliciesForTarget(c *call) (any, error) {
	var in struct {
		TargetId   string
		Filter     string
		MaxResults int
		NextToken  string
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if err := c.checkTarget(in.TargetId); err != nil {
		return nil, err
	}
	if in.Filter == "" {
		return nil, c.missing("filter")
	}
	var ids []string
	if in.Filter == scpType {
		ids = c.st.attached[in.TargetId]
	}
	ids, next, err := page(c, ids, strKey, in.NextToken, in.MaxResults, orgMaxResults, orgMaxResults, "maxResults")
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, 0, len(ids))
	for _, id := range ids {
		out = append(out, policySummary(c.st.policyByID[id]))
	}
	return withToken(map[string]any{"Policies": out}, "NextToken", next), nil
}

func orgListServiceAccess(c *call) (any, error) {
	var in pageIn
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	ps, next, err := page(c, c.st.snap.TrustedServices, strKey, in.NextToken, in.MaxResults, orgMaxResults, orgMaxResults, "maxResults")
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, 0, len(ps))
	for _, p := range ps {
		out = append(out, map[string]any{"ServicePrincipal": p, "DateEnabled": epoch(c.st.snap.CapturedAt)})
	}
	return withToken(map[string]any{"EnabledServicePrincipals": out}, "NextToken", next), nil
}

func orgListDelegatedAdmins(c *call) (any, error) {
	var in struct {
		ServicePrincipal string
		MaxResults       int
		NextToken        string
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	ids := c.st.delegatedAccounts
	if in.ServicePrincipal != "" {
		ids = c.st.delegatedBySvc[in.ServicePrincipal]
	}
	ids, next, err := page(c, ids, strKey, in.NextToken, in.MaxResults, orgMaxResults, orgMaxResults, "maxResults")
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, 0, len(ids))
	for _, id := range ids {
		a := c.st.account(id)
		if a == nil {
			out = append(out, map[string]any{"Id": id})
			continue
		}
		m := accountJSON(a)
		m["DelegationEnabledDate"] = epoch(c.st.snap.CapturedAt)
		out = append(out, m)
	}
	return withToken(map[string]any{"DelegatedAdministrators": out}, "NextToken", next), nil
}

func orgListDelegatedServices(c *call) (any, error) {
	var in struct {
		AccountId  string
		MaxResults int
		NextToken  string
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if err := c.orgID(in.AccountId, accountIDPattern, "accountId", "INVALID_PATTERN"); err != nil {
		return nil, err
	}
	if _, err := c.existingAccount(in.AccountId); err != nil {
		return nil, err
	}
	svcs, ok := c.st.delegatedServices[in.AccountId]
	if !ok {
		return nil, errorf(400, "AccountNotRegisteredException", "The provided account is not a registered delegated administrator for your organization.")
	}
	svcs, next, err := page(c, svcs, strKey, in.NextToken, in.MaxResults, orgMaxResults, orgMaxResults, "maxResults")
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, 0, len(svcs))
	for _, s := range svcs {
		out = append(out, map[string]any{"ServicePrincipal": s, "DelegationEnabledDate": epoch(c.st.snap.CapturedAt)})
	}
	return withToken(map[string]any{"DelegatedServices": out}, "NextToken", next), nil
}

// checkTarget checks a policy target: a root, OU or account ID that exists.
func (c *call) checkTarget(id string) error {
	if err := c.orgID(id, targetIDPattern, "targetId", "INVALID_PATTERN_TARGET_ID"); err != nil {
		return err
	}
	if _, ok := c.st.targetNames[id]; !ok {
		return errorf(400, "TargetNotFoundException", "We can't find a root, OU, account, or policy with the TargetId that you specified.")
	}
	return nil
}

// ListParents: the one parent (root or OU) of an account or OU.
// https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListParents.html
func orgListParents(c *call) (any, error) {
	var in struct {
		ChildId    string
		MaxResults int
		NextToken  string
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if err := c.orgID(in.ChildId, childIDPattern, "childId", "INVALID_PATTERN"); err != nil {
		return nil, err
	}
	parent := c.st.parentOf(in.ChildId)
	if parent == "" {
		return nil, errorf(400, "ChildNotFoundException", "We can't find an organizational unit (OU) or AWS account with the ChildId that you specified.")
	}
	ids, next, err := page(c, []string{parent}, strKey, in.NextToken, in.MaxResults, orgMaxResults, orgMaxResults, "maxResults")
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, 0, len(ids))
	for _, id := range ids {
		out = append(out, map[string]any{"Id": id, "Type": targetKind(id)})
	}
	return withToken(map[string]any{"Parents": out}, "NextToken", next), nil
}

// ListChildren: the OUs or the accounts (ChildType) directly under a root or OU.
// https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListChildren.html
func orgListChildren(c *call) (any, error) {
	var in struct {
		ParentId   string
		ChildType  string
		MaxResults int
		NextToken  string
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if err := c.checkParent(in.ParentId); err != nil {
		return nil, err
	}
	var ids []string
	switch in.ChildType {
	case "":
		return nil, c.missing("childType")
	case "ACCOUNT":
		ids = c.st.childAccts[in.ParentId]
	case "ORGANIZATIONAL_UNIT":
		ids = c.st.childOUs[in.ParentId]
	default:
		e := errorf(400, "InvalidInputException", "You specified an invalid value.")
		e.Extra = map[string]any{"Reason": "INVALID_ENUM"}
		return nil, e
	}
	ids, next, err := page(c, ids, strKey, in.NextToken, in.MaxResults, orgMaxResults, orgMaxResults, "maxResults")
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, 0, len(ids))
	for _, id := range ids {
		out = append(out, map[string]any{"Id": id, "Type": in.ChildType})
	}
	return withToken(map[string]any{"Children": out}, "NextToken", next), nil
}
