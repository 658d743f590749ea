package sim

import (
	"encoding/json"
	"encoding/xml"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/lz2ct/lz2ct/checks"
	"github.com/lz2ct/lz2ct/inventory"
)

// IAM roles: a model of the roles of every account, the mutations that create a role and give it
// policies (CreateRole, AttachRolePolicy, PutRolePolicy) and the reads that show them (GetRole,
// ListRoles, GetRolePolicy, ListAttachedRolePolicies).
//
// The snapshot says which roles exist: the three tracked roles by the account's iam flags, Control
// Tower's aws-controltower-* roles by its reservedNames, and — when the organization has a landing
// zone — Control Tower's four service roles in the management account (CreateLandingZone needs them,
// so a landing zone implies them). The model (opsRuntime.iam) holds what lz2ct created or changed:
// a role's path, trust policy and policies. Creating a tracked or aws-controltower-* role also sets
// the snapshot's flag or reserved name, so Server.Snapshot, AssumeRole and discovery see it.
func init() {
	registerMutation("iam", "CreateRole", iamCreateRole)
	registerMutation("iam", "AttachRolePolicy", iamAttachRolePolicy)
	registerMutation("iam", "PutRolePolicy", iamPutRolePolicy)
}

// iamRole is one role as the simulator models it.
type iamRole struct {
	Name, Path string
	Trust      string // the trust policy document, as given
	Created    time.Time
	Managed    []string          // attached managed policy ARNs, sorted
	Inline     map[string]string // inline policy name -> document
}

// iamModel holds the roles lz2ct created or changed, per account and name.
type iamModel struct {
	roles map[string]map[string]*iamRole
}

// ctServiceRoles are the roles Control Tower's API set-up needs in the management account, with
// the trust and policies AWS's walkthrough gives
// (https://docs.aws.amazon.com/controltower/latest/userguide/walkthrough-api-setup.html; the
// CloudTrail role's managed policy replaced its inline one on 2025-10-31,
// https://docs.aws.amazon.com/controltower/latest/userguide/managed-policies-table.html).
var ctServiceRoles = map[string]struct {
	service string
	managed []string
	inline  map[string]string
}{
	"AWSControlTowerAdmin": {"controltower.amazonaws.com", []string{"service-role/AWSControlTowerServiceRolePolicy"},
		map[string]string{"AWSControlTowerAdminPolicy": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:DescribeAvailabilityZones","Resource":"*"}]}`}},
	"AWSControlTowerCloudTrailRole":                       {"cloudtrail.amazonaws.com", []string{"service-role/AWSControlTowerCloudTrailRolePolicy"}, nil},
	"AWSControlTowerConfigAggregatorRoleForOrganizations": {"config.amazonaws.com", []string{"service-role/AWSConfigRoleForOrganizations"}, nil},
	"AWSControlTowerStackSetRole": {"cloudformation.amazonaws.com", nil,
		map[string]string{"AWSControlTowerStackSetRolePolicy": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::*:role/AWSControlTowerExecution"}]}`}},
}

// awsManagedPolicies are the AWS managed policies AttachRolePolicy knows (by the part of the ARN
// after arn:<partition>:iam::aws:policy/); any other managed policy ARN answers NoSuchEntity.
var awsManagedPolicies = map[string]bool{
	"AdministratorAccess": true, "ReadOnlyAccess": true, "PowerUserAccess": true, "SecurityAudit": true, "ViewOnlyAccess": true,
	"service-role/AWSControlTowerServiceRolePolicy": true, "service-role/AWSControlTowerCloudTrailRolePolicy": true,
	"service-role/AWSConfigRoleForOrganizations": true, "service-role/AWS_ConfigRole": true,
}

// maxManagedPoliciesPerRole is IAM's default quota of managed policies attached to one role.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
const maxManagedPoliciesPerRole = 10

func serviceTrust(service string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"` + service + `"},"Action":"sts:AssumeRole"}]}`
}

// snapshotRole reports whether the snapshot decides a role's existence: the tracked roles (iam
// flags) and Control Tower's aws-controltower-* roles (reservedNames).
func snapshotRole(name string) bool {
	_, tracked := trackedRoles[name]
	return tracked || inventory.IsControlTowerName(inventory.ResourceIAMRole, name)
}

// hasRole reports whether role name exists in account: what CreateLandingZone's preconditions and
// other operations that need a role ask.
func (st *state) hasRole(account, name string) bool { return st.role(account, name) != nil }

// role returns the role name of account as the simulator sees it now, nil when there is none. The
// result may be shared with the model: callers that change it use modelRole.
func (st *state) role(account, name string) *iamRole {
	a := st.account(account)
	if a == nil {
		return nil
	}
	m := st.rt.iam.roles[account][name]
	if snapshotRole(name) {
		if !roleExists(a, name) {
			return nil // the snapshot's flag wins: someone else (a StackSet) may have removed it
		}
		if m != nil {
			return m
		}
		return st.derivedRole(a, name)
	}
	if m != nil {
		return m
	}
	// A landing zone implies its service roles; a hand-made snapshot may also list them among the
	// management account's reservedNames before there is one.
	if sr, ok := ctServiceRoles[name]; ok && account == st.snap.Organization.ManagementAccountID && (st.snap.ControlTower.LandingZone != nil || roleExists(a, name)) {
		r := &iamRole{Name: name, Path: "/service-role/", Trust: serviceTrust(sr.service), Created: a.JoinedAt, Inline: map[string]string{}}
		for _, p := range sr.managed {
			r.Managed = append(r.Managed, "arn:"+st.partition()+":iam::aws:policy/"+p)
		}
		for n, d := range sr.inline {
			r.Inline[n] = strings.ReplaceAll(d, "arn:aws:", "arn:"+st.partition()+":")
		}
		return r
	}
	return nil
}

// derivedRole is a role the snapshot says exists, as its creator set it up: the tracked roles trust
// the management account and have AdministratorAccess
// (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_accounts_access-cross-account-role.html,
// https://docs.aws.amazon.com/controltower/latest/userguide/enroll-manually.html); Control Tower's
// own roles trust Control Tower (their policies are not modelled).
func (st *state) derivedRole(a *inventory.Account, name string) *iamRole {
	r := &iamRole{Name: name, Path: "/", Created: a.JoinedAt, Inline: map[string]string{}}
	if _, tracked := trackedRoles[name]; tracked {
		r.Trust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:` + st.partition() + `:iam::` + st.snap.Organization.ManagementAccountID + `:root"},"Action":"sts:AssumeRole"}]}`
		r.Managed = []string{"arn:" + st.partition() + ":iam::aws:policy/AdministratorAccess"}
	} else {
		r.Trust = serviceTrust("controltower.amazonaws.com")
	}
	return r
}

// modelRole returns the model's copy of an existing role, creating it from the derived view on the
// first change. Only mutations (under the write lock) call it.
func (st *state) modelRole(account, name string) *iamRole {
	r := st.role(account, name)
	if r == nil {
		return nil
	}
	if st.rt.iam.roles[account][name] == r {
		return r
	}
	cp := *r
	cp.Managed = slices.Clone(r.Managed)
	cp.Inline = make(map[string]string, len(r.Inline))
	for k, v := range r.Inline {
		cp.Inline[k] = v
	}
	st.rt.iam.put(account, &cp)
	return &cp
}

func (m *iamModel) put(account string, r *iamRole) {
	if m.roles == nil {
		m.roles = map[string]map[string]*iamRole{}
	}
	if m.roles[account] == nil {
		m.roles[account] = map[string]*iamRole{}
	}
	m.roles[account][r.Name] = r
}

// roleNames lists the roles of account, sorted: the snapshot's, the seeded service roles and the
// ones lz2ct created.
func (st *state) roleNames(account string) []string {
	a := st.account(account)
	if a == nil {
		return nil
	}
	names := rolesOf(a)
	for n := range ctServiceRoles {
		names = append(names, n)
	}
	for n := range st.rt.iam.roles[account] {
		names = append(names, n)
	}
	sort.Strings(names)
	names = slices.Compact(names)
	out := names[:0]
	for _, n := range names {
		if st.role(account, n) != nil {
			out = append(out, n)
		}
	}
	return out
}

// roleARN is a role's ARN (the path is part of it).
func (st *state) roleARN(account string, r *iamRole) string {
	return "arn:" + st.partition() + ":iam::" + account + ":role" + r.Path + r.Name
}

// iamEscape URL-encodes a policy document as IAM returns it: RFC 3986, so a space is %20
// (https://docs.aws.amazon.com/IAM/latest/APIReference/API_Role.html, AssumeRolePolicyDocument).
func iamEscape(doc string) string { return strings.ReplaceAll(url.QueryEscape(doc), "+", "%20") }

func (c *call) roleView(account string, r *iamRole) iamRoleXML {
	return iamRoleXML{Path: r.Path, RoleName: r.Name, RoleID: "AROA" + strings.ToUpper(hexOf(account + r.Name)[:17]),
		Arn: c.st.roleARN(account, r), CreateDate: r.Created.UTC().Format(time.RFC3339),
		AssumeRolePolicyDocument: iamEscape(r.Trust), MaxSessionDuration: 3600}
}

// IAM's input patterns (API_CreateRole.html, API_PutRolePolicy.html).
var (
	iamNamePattern = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)
	iamPathPattern = regexp.MustCompile(`^(/|/[\x21-\x7E]{0,510}/)$`)
	policyNameRE   = regexp.MustCompile(`^[\w+=,.@-]{1,128}$`)
)

func (c *call) iamValidation(format string, args ...any) *apiError {
	return errorf(400, "ValidationError", format, args...)
}

// iamRoleName reads and validates RoleName.
func (c *call) iamRoleName() (string, *apiError) {
	name := c.param("RoleName")
	if name == "" {
		return "", c.missing("roleName")
	}
	if !iamNamePattern.MatchString(name) {
		return "", c.iamValidation("1 validation error detected: Value '%s' at 'roleName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+", name)
	}
	return name, nil
}

// iamRole finds a role of the calling account: NoSuchEntity (404) when it does not exist.
func (c *call) iamRole(name string) (*iamRole, *apiError) {
	if r := c.st.role(c.account, name); r != nil {
		return r, nil
	}
	return nil, errorf(404, "NoSuchEntity", "The role with name %s cannot be found.", name)
}

// iamRoleParam is iamRoleName then iamRole: for the reads.
func (c *call) iamRoleParam() (string, *iamRole, *apiError) {
	name, e := c.iamRoleName()
	if e != nil {
		return "", nil, e
	}
	r, e := c.iamRole(name)
	return name, r, e
}

// malformedIAMPolicy parses a policy document with the project's policy parser (IAM's grammar): a
// document it cannot read is MalformedPolicyDocument, as IAM answers; a trust policy must also name
// who may assume the role.
func malformedIAMPolicy(doc string, trust bool) *apiError {
	p, err := checks.ParsePolicy(doc)
	if err != nil {
		return errorf(400, "MalformedPolicyDocument", "Syntax errors in policy: %v", err)
	}
	if len(p.Statements) == 0 {
		return errorf(400, "MalformedPolicyDocument", "Policy document must contain at least one statement.")
	}
	if trust && !strings.Contains(doc, `"Principal"`) {
		return errorf(400, "MalformedPolicyDocument", "Missing required field Principal.")
	}
	return nil
}

type iamCreateRoleResult struct {
	XMLName xml.Name   `xml:"CreateRoleResult"`
	Role    iamRoleXML `xml:"Role"`
}

// iamCreateRole creates a role. Audit target: <account>/<role name>. Errors as AWS:
// EntityAlreadyExists (409) for a name in use, MalformedPolicyDocument, ValidationError for a bad
// name or path. https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html
func iamCreateRole(c *call) (any, error) {
	name, path, trust := c.param("RoleName"), c.param("Path"), c.param("AssumeRolePolicyDocument")
	if name == "" {
		return nil, c.missing("roleName")
	}
	if trust == "" {
		return nil, c.missing("assumeRolePolicyDocument")
	}
	if _, e := c.iamRoleName(); e != nil {
		return nil, e
	}
	if path == "" {
		path = "/"
	}
	if !iamPathPattern.MatchString(path) {
		return nil, c.iamValidation("The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.")
	}
	if e := malformedIAMPolicy(trust, true); e != nil {
		return nil, e
	}
	if err := c.setTarget(c.account, name); err != nil {
		return nil, err
	}
	if e := c.scpDenied("iam:CreateRole", "arn:"+c.partition()+":iam::"+c.account+":role"+path+name, ""); e != nil {
		return nil, e
	}
	a := c.st.account(c.account)
	if c.st.role(c.account, name) != nil {
		return nil, errorf(409, "EntityAlreadyExists", "Role with name %s already exists.", name)
	}
	r := &iamRole{Name: name, Path: path, Trust: trust, Created: c.s.clock.Now().UTC(), Inline: map[string]string{}}
	c.st.rt.iam.put(c.account, r)
	if _, tracked := trackedRoles[name]; tracked {
		setTrackedRole(a, name, true) // svc_cloudformation_mut.go
	} else if inventory.IsControlTowerName(inventory.ResourceIAMRole, name) {
		a.ReservedNames = append(a.ReservedNames, inventory.NamedResource{Type: inventory.ResourceIAMRole, Name: name})
		sortNamedResources(a.ReservedNames)
	}
	return iamCreateRoleResult{Role: c.roleView(c.account, r)}, nil
}

func sortNamedResources(l []inventory.NamedResource) {
	sort.Slice(l, func(i, j int) bool { return l[i].Type+"\x00"+l[i].Name < l[j].Type+"\x00"+l[j].Name })
}

// iamAttachRolePolicy attaches a managed policy. Audit target: <account>/<role name>/<policy ARN>.
// Attaching an attached policy succeeds and changes nothing. Errors as AWS: NoSuchEntity (404) for
// an unknown role or policy, InvalidInput for a malformed ARN, LimitExceeded beyond 10 policies.
// https://docs.aws.amazon.com/IAM/latest/APIReference/API_AttachRolePolicy.html
func iamAttachRolePolicy(c *call) (any, error) {
	name, e := c.iamRoleName()
	if e != nil {
		return nil, e
	}
	arn := c.param("PolicyArn")
	if arn == "" {
		return nil, c.missing("policyArn")
	}
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "iam" || !strings.HasPrefix(parts[5], "policy/") {
		return nil, errorf(400, "InvalidInput", "ARN %s is not valid.", arn)
	}
	if err := c.setTarget(c.account, name, arn); err != nil {
		return nil, err
	}
	r, e := c.iamRole(name)
	if e != nil {
		return nil, e
	}
	if e := c.scpDenied("iam:AttachRolePolicy", c.st.roleARN(c.account, r), ""); e != nil {
		return nil, e
	}
	if parts[1] != c.partition() || parts[4] != "aws" || !awsManagedPolicies[strings.TrimPrefix(parts[5], "policy/")] {
		return nil, errorf(404, "NoSuchEntity", "Policy %s does not exist or is not attachable.", arn)
	}
	if slices.Contains(r.Managed, arn) {
		return nil, nil
	}
	if len(r.Managed) >= maxManagedPoliciesPerRole {
		return nil, errorf(409, "LimitExceeded", "Cannot exceed quota for PoliciesPerRole: %d", maxManagedPoliciesPerRole)
	}
	m := c.st.modelRole(c.account, name)
	m.Managed = insertSorted(m.Managed, arn)
	return nil, nil
}

// iamPutRolePolicy adds or replaces an inline policy. Audit target: <account>/<role name>/<policy
// name>. Errors as AWS: NoSuchEntity (404) for an unknown role, MalformedPolicyDocument.
// https://docs.aws.amazon.com/IAM/latest/APIReference/API_PutRolePolicy.html
func iamPutRolePolicy(c *call) (any, error) {
	name, e := c.iamRoleName()
	if e != nil {
		return nil, e
	}
	pname, doc := c.param("PolicyName"), c.param("PolicyDocument")
	if pname == "" {
		return nil, c.missing("policyName")
	}
	if doc == "" {
		return nil, c.missing("policyDocument")
	}
	if !policyNameRE.MatchString(pname) {
		return nil, c.iamValidation("1 validation error detected: Value '%s' at 'policyName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+", pname)
	}
	if e := malformedIAMPolicy(doc, false); e != nil {
		return nil, e
	}
	if err := c.setTarget(c.account, name, pname); err != nil {
		return nil, err
	}
	r, e := c.iamRole(name)
	if e != nil {
		return nil, e
	}
	if e := c.scpDenied("iam:PutRolePolicy", c.st.roleARN(c.account, r), ""); e != nil {
		return nil, e
	}
	c.st.modelRole(c.account, name).Inline[pname] = doc
	return nil, nil
}

type iamGetRolePolicyResult struct {
	XMLName        xml.Name `xml:"GetRolePolicyResult"`
	RoleName       string   `xml:"RoleName"`
	PolicyName     string   `xml:"PolicyName"`
	PolicyDocument string   `xml:"PolicyDocument"`
}

// iamGetRolePolicy returns an inline policy, URL-encoded as IAM returns documents.
// https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetRolePolicy.html
func iamGetRolePolicy(c *call) (any, error) {
	pname := c.param("PolicyName")
	if pname == "" {
		return nil, c.missing("policyName")
	}
	name, r, e := c.iamRoleParam()
	if e != nil {
		return nil, e
	}
	doc, ok := r.Inline[pname]
	if !ok {
		return nil, errorf(404, "NoSuchEntity", "The role policy with name %s cannot be found.", pname)
	}
	return iamGetRolePolicyResult{RoleName: name, PolicyName: pname, PolicyDocument: iamEscape(doc)}, nil
}

type iamAttachedPolicy struct {
	PolicyName string `xml:"PolicyName"`
	PolicyArn  string `xml:"PolicyArn"`
}

type iamListAttachedResult struct {
	XMLName          xml.Name            `xml:"ListAttachedRolePoliciesResult"`
	AttachedPolicies []iamAttachedPolicy `xml:"AttachedPolicies>member"`
	IsTruncated      bool                `xml:"IsTruncated"`
	Marker           string              `xml:"Marker,omitempty"`
}

// iamListAttachedRolePolicies pages a role's managed policies (MaxItems 1-1000, default 100).
// https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListAttachedRolePolicies.html
func iamListAttachedRolePolicies(c *call) (any, error) {
	_, r, e := c.iamRoleParam()
	if e != nil {
		return nil, e
	}
	arns, next, err := page(c, r.Managed, strKey, c.param("Marker"), c.maxResults("MaxItems"), 100, 1000, "maxItems")
	if err != nil {
		return nil, err
	}
	out := iamListAttachedResult{AttachedPolicies: []iamAttachedPolicy{}, IsTruncated: next != "", Marker: next}
	for _, a := range arns {
		out.AttachedPolicies = append(out.AttachedPolicies, iamAttachedPolicy{PolicyName: a[strings.LastIndex(a, "/")+1:], PolicyArn: a})
	}
	return out, nil
}

// assumable reports whether caller may assume role in account: the role exists and trusts the
// caller. Roles as the snapshot set them up follow trustsCaller; a role lz2ct created or changed,
// its own trust policy (an Allow of sts:AssumeRole whose AWS principal is the caller's account, its
// root, its own ARN or "*"; conditions are not evaluated).
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
func (st *state) assumable(account, role string, caller identity) bool {
	r := st.role(account, role)
	if r == nil {
		return false
	}
	if st.rt.iam.roles[account][role] == nil {
		return trustsCaller(role, caller, st)
	}
	var doc struct{ Statement json.RawMessage }
	if json.Unmarshal([]byte(r.Trust), &doc) != nil {
		return false
	}
	var sts []struct {
		Effect    string
		Action    any
		Principal any
	}
	if json.Unmarshal(doc.Statement, &sts) != nil {
		sts = sts[:0]
		var one struct {
			Effect    string
			Action    any
			Principal any
		}
		if json.Unmarshal(doc.Statement, &one) != nil {
			return false
		}
		sts = append(sts, one)
	}
	me := map[string]bool{"*": true, caller.account: true, "arn:" + st.partition() + ":iam::" + caller.account + ":root": true}
	if caller.role != "" {
		me["arn:"+st.partition()+":iam::"+caller.account+":role/"+caller.role] = true
	} else {
		me["arn:"+st.partition()+":iam::"+caller.account+":user/"+caller.user] = true
	}
	allowed := false
	for _, s := range sts {
		if !anyString(s.Action, func(a string) bool {
			return a == "*" || strings.EqualFold(a, "sts:*") || strings.EqualFold(a, "sts:AssumeRole")
		}) {
			continue
		}
		names := s.Principal
		if m, ok := s.Principal.(map[string]any); ok {
			names = m["AWS"]
		}
		if !anyString(names, func(p string) bool { return me[p] }) {
			continue
		}
		if strings.EqualFold(s.Effect, "Deny") {
			return false
		}
		allowed = allowed || strings.EqualFold(s.Effect, "Allow")
	}
	return allowed
}

// anyString reports whether v (a string or a list of them) holds a string match accepts.
func anyString(v any, match func(string) bool) bool {
	switch t := v.(type) {
	case string:
		return match(t)
	case []any:
		for _, e := range t {
			if s, ok := e.(string); ok && match(s) {
				return true
			}
		}
	}
	return false
}
