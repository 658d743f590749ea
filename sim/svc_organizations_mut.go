package sim

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/lz2ct/lz2ct/inventory"
)

// Organizations' mutating operations. Each follows the mutation API of mutate.go; the audit target
// of each is documented in sim/README.md.
func init() {
	registerMutation("organizations", "AttachPolicy", orgMgmtOnly(orgAttachPolicy))
	registerMutation("organizations", "DetachPolicy", orgMgmtOnly(orgDetachPolicy))
	registerMutation("organizations", "DeletePolicy", orgMgmtOnly(orgDeletePolicy))
	registerMutation("organizations", "DisableAWSServiceAccess", orgMgmtOnly(orgDisableServiceAccess))
	registerMutation("organizations", "CreateOrganizationalUnit", orgMgmtOnly(orgCreateOU))
	registerMutation("organizations", "DeleteOrganizationalUnit", orgMgmtOnly(orgDeleteOU))
	registerMutation("organizations", "MoveAccount", orgMgmtOnly(orgMoveAccount))
	registerMutation("organizations", "CreateAccount", orgMgmtOnly(orgCreateAccount))
	registerMutation("organizations", "CloseAccount", orgMgmtOnly(orgCloseAccount))
}

// orgMgmtOnly limits an operation to the management account: policy attachments are changed from
// the management account (or a delegated administrator for policy management, which the snapshot
// does not model). https://docs.aws.amazon.com/organizations/latest/APIReference/API_AttachPolicy.html
func orgMgmtOnly(h handler) handler {
	return func(c *call) (any, error) {
		if !c.isManagement() {
			return nil, errorf(400, "AccessDeniedException", "You don't have permissions to access this resource.")
		}
		return h(c)
	}
}

// maxSCPsPerTarget is Organizations' limit of service control policies attached to one root, OU or
// account. https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html
const maxSCPsPerTarget = 5

type policyTargetIn struct {
	PolicyId string
	TargetId string
}

func (c *call) policyTarget() (policyTargetIn, error) {
	var in policyTargetIn
	if err := c.decode(&in); err != nil {
		return in, err
	}
	if _, err := c.policy(in.PolicyId); err != nil {
		return in, err
	}
	if err := c.checkTarget(in.TargetId); err != nil {
		return in, err
	}
	return in, nil
}

func constraintViolation(reason, msg string) *apiError {
	e := errorf(400, "ConstraintViolationException", "%s", msg)
	e.Extra = map[string]any{"Reason": reason}
	return e
}

// orgAttachPolicy attaches an SCP to a root, OU or account. Audit target: <policy ID>/<target ID>.
// Errors as AWS: DuplicatePolicyAttachmentException when already attached, ConstraintViolation
// (MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED) beyond 5 SCPs, PolicyTypeNotEnabledException when the
// root has SCPs disabled.
// https://docs.aws.amazon.com/organizations/latest/APIReference/API_AttachPolicy.html
func orgAttachPolicy(c *call) (any, error) {
	in, err := c.policyTarget()
	if err != nil {
		return nil, err
	}
	if err := c.setTarget(in.PolicyId, in.TargetId); err != nil {
		return nil, err
	}
	if !c.scpEnabled() {
		return nil, errorf(400, "PolicyTypeNotEnabledException", "This operation can be performed only for enabled policy types.")
	}
	attached := c.st.attached[in.TargetId]
	for _, id := range attached {
		if id == in.PolicyId {
			return nil, errorf(400, "DuplicatePolicyAttachmentException", "A policy with the same name is already attached.")
		}
	}
	if len(attached) >= maxSCPsPerTarget {
		return nil, constraintViolation("MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED",
			"You have attached the maximum number of policies of this type to the entity.")
	}
	p := c.st.policyByID[in.PolicyId]
	p.Targets = insertSorted(p.Targets, in.TargetId)
	c.st.attached[in.TargetId] = insertSorted(attached, in.PolicyId)
	return map[string]any{}, nil
}

// orgDetachPolicy detaches an SCP from a root, OU or account. Audit target: <policy ID>/<target ID>.
// Errors as AWS: PolicyNotAttachedException when it is not attached there, ConstraintViolation
// (MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED) when it is the target's last SCP.
// https://docs.aws.amazon.com/organizations/latest/APIReference/API_DetachPolicy.html
func orgDetachPolicy(c *call) (any, error) {
	in, err := c.policyTarget()
	if err != nil {
		return nil, err
	}
	if err := c.setTarget(in.PolicyId, in.TargetId); err != nil {
		return nil, err
	}
	attached := c.st.attached[in.TargetId]
	found := false
	for _, id := range attached {
		found = found || id == in.PolicyId
	}
	if !found {
		return nil, errorf(400, "PolicyNotAttachedException", "The policy isn't attached to the specified target in the specified root.")
	}
	// Every root, OU and account keeps at least one SCP while SCPs are enabled.
	if len(attached) == 1 && c.scpEnabled() {
		return nil, constraintViolation("MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED",
			"You attempted to detach a policy from an entity that would leave it with fewer than the minimum number of policies of that type.")
	}
	p := c.st.policyByID[in.PolicyId]
	p.Targets = removeSorted(p.Targets, in.TargetId)
	c.st.attached[in.TargetId] = removeSorted(attached, in.PolicyId)
	return map[string]any{}, nil
}

// scpEnabled reports whether the organization's root has service control policies enabled.
func (c *call) scpEnabled() bool { return c.st.scpEnabled() }

// orgDeletePolicy deletes a policy attached nowhere. Audit target: <policy ID>.
// Errors as AWS: PolicyNotFoundException, PolicyInUseException while it is attached to any root,
// OU or account. https://docs.aws.amazon.com/organizations/latest/APIReference/API_DeletePolicy.html
func orgDeletePolicy(c *call) (any, error) {
	var in struct{ PolicyId string }
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	p, err := c.policy(in.PolicyId)
	if err != nil {
		return nil, err
	}
	if err := c.setTarget(in.PolicyId); err != nil {
		return nil, err
	}
	if len(p.Targets) > 0 {
		return nil, errorf(400, "PolicyInUseException", "The policy is attached to one or more entities. You must detach it from all roots, OUs, and accounts before performing this operation.")
	}
	pols := c.st.snap.Policies
	for i := range pols {
		if pols[i].ID == in.PolicyId {
			c.st.snap.Policies = append(pols[:i:i], pols[i+1:]...)
			break
		}
	}
	c.st.reindex()
	return map[string]any{}, nil
}

// servicePrincipalPattern is ServicePrincipal's pattern in the API reference.
var servicePrincipalPattern = regexp.MustCompile(`^[\w+=,.@-]{1,128}$`)

// orgDisableServiceAccess disables a service's trusted access. Audit target: <service principal>.
// Disabling a service that has no trusted access succeeds and changes nothing. Delegated
// administrators stay registered: Organizations does not deregister them (the service's own
// disable flow does, which is why AWS recommends it).
// https://docs.aws.amazon.com/organizations/latest/APIReference/API_DisableAWSServiceAccess.html
func orgDisableServiceAccess(c *call) (any, error) {
	var in struct{ ServicePrincipal string }
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if in.ServicePrincipal == "" {
		return nil, c.missing("servicePrincipal")
	}
	if !servicePrincipalPattern.MatchString(in.ServicePrincipal) {
		return nil, invalidInput("INVALID_PATTERN", "You provided a value that does not match the required pattern.")
	}
	if err := c.setTarget(in.ServicePrincipal); err != nil {
		return nil, err
	}
	c.st.snap.TrustedServices = removeSorted(c.st.snap.TrustedServices, in.ServicePrincipal)
	return map[string]any{}, nil
}

func invalidInput(reason, msg string) *apiError {
	e := errorf(400, "InvalidInputException", "%s", msg)
	e.Extra = map[string]any{"Reason": reason}
	return e
}

// Organizations' limits on OUs: 5 levels of OUs under the root, 2,000 OUs in an organization.
// https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html
const (
	maxOUDepth = 5
	maxOUs     = 2000
)

// orgCreateOU creates an OU under a root or OU. Audit target: <parent ID>/<name>. Errors as AWS:
// ParentNotFoundException, DuplicateOrganizationalUnitException (a sibling has the name: the call
// has no idempotency token, a repeat answers this), ConstraintViolationException
// OU_DEPTH_LIMIT_EXCEEDED / OU_NUMBER_LIMIT_EXCEEDED. While SCPs are enabled the new OU gets
// FullAWSAccess, as every new root, OU and account does.
// https://docs.aws.amazon.com/organizations/latest/APIReference/API_CreateOrganizationalUnit.html
// https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html
func orgCreateOU(c *call) (any, error) {
	var in struct{ ParentId, Name string }
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if err := c.checkParent(in.ParentId); err != nil {
		return nil, err
	}
	if in.Name == "" {
		return nil, c.missing("name")
	}
	if len(in.Name) > 128 {
		return nil, invalidInput("INVALID_NAME", "You provided a name that is too long.")
	}
	if err := c.setTarget(in.ParentId, in.Name); err != nil {
		return nil, err
	}
	for _, id := range c.st.childOUs[in.ParentId] {
		if c.st.ouBy[id].Name == in.Name {
			return nil, errorf(400, "DuplicateOrganizationalUnitException", "An OU with the same name already exists.")
		}
	}
	depth := 1
	for p := in.ParentId; c.st.ouBy[p] != nil; p = c.st.ouBy[p].ParentID {
		depth++
	}
	if depth > maxOUDepth {
		return nil, constraintViolation("OU_DEPTH_LIMIT_EXCEEDED", "You attempted to create an OU tree that is too many levels deep.")
	}
	if len(c.st.snap.OUs) >= maxOUs {
		return nil, constraintViolation("OU_NUMBER_LIMIT_EXCEEDED", "You attempted to exceed the number of OUs that you can have in an organization.")
	}
	// OU IDs are "ou-" + the root's suffix + "-" + 8 or more lowercase letters or digits.
	root := in.ParentId
	for c.st.ouBy[root] != nil {
		root = c.st.ouBy[root].ParentID
	}
	id := ""
	for id == "" || c.st.ouBy[id] != nil {
		id = "ou-" + strings.TrimPrefix(root, "r-") + "-" + strings.ReplaceAll(c.st.rt.newID("", c.s.opts.Seed), "-", "")[:8]
	}
	o := c.st.snap.Organization
	ou := inventory.OU{ID: id, Arn: "arn:" + c.partition() + ":organizations::" + o.ManagementAccountID + ":ou/" + o.ID + "/" + id,
		Name: in.Name, ParentID: in.ParentId}
	c.st.snap.OUs = append(c.st.snap.OUs, ou)
	c.st.attachFullAccess(id)
	c.st.reindex()
	return map[string]any{"OrganizationalUnit": map[string]any{"Id": ou.ID, "Arn": ou.Arn, "Name": ou.Name}}, nil
}

// attachFullAccess attaches the AWS-managed FullAWSAccess SCP to a new OU or account while SCPs are
// enabled, as Organizations does; the caller reindexes.
func (st *state) attachFullAccess(target string) {
	if !st.scpEnabled() {
		return
	}
	for i := range st.snap.Policies {
		if p := &st.snap.Policies[i]; p.AWSManaged && p.Name == "FullAWSAccess" {
			p.Targets = insertSorted(p.Targets, target)
		}
	}
}

// orgDeleteOU deletes an empty OU. Audit target: <OU ID>. Errors as AWS:
// OrganizationalUnitNotFoundException, OrganizationalUnitNotEmptyException while it holds accounts
// or child OUs. The OU's policy attachments go with it.
// https://docs.aws.amazon.com/organizations/latest/APIReference/API_DeleteOrganizationalUnit.html
func orgDeleteOU(c *call) (any, error) {
	var in struct{ OrganizationalUnitId string }
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if err := c.orgID(in.OrganizationalUnitId, ouIDPattern, "organizationalUnitId", "INVALID_PATTERN"); err != nil {
		return nil, err
	}
	if c.st.ouBy[in.OrganizationalUnitId] == nil {
		return nil, errorf(400, "OrganizationalUnitNotFoundException", "We can't find an OU with the OrganizationalUnitId that you specified.")
	}
	if err := c.setTarget(in.OrganizationalUnitId); err != nil {
		return nil, err
	}
	if len(c.st.childAccts[in.OrganizationalUnitId]) > 0 || len(c.st.childOUs[in.OrganizationalUnitId]) > 0 {
		return nil, errorf(400, "OrganizationalUnitNotEmptyException", "The specified OU is not empty. Move all accounts to another root or to other OUs, remove all child OUs, and try the operation again.")
	}
	ous := c.st.snap.OUs
	for i := range ous {
		if ous[i].ID == in.OrganizationalUnitId {
			c.st.snap.OUs = append(ous[:i:i], ous[i+1:]...)
			break
		}
	}
	for i := range c.st.snap.Policies {
		p := &c.st.snap.Policies[i]
		p.Targets = removeSorted(p.Targets, in.OrganizationalUnitId)
	}
	c.st.reindex()
	return map[string]any{}, nil
}

// orgMoveAccount moves an account between roots and OUs. Audit target: <account ID>/<destination
// parent ID>. Errors as AWS: AccountNotFoundException, SourceParentNotFoundException (no such
// parent, or the account is not in it), DestinationParentNotFoundException,
// DuplicateAccountException when the account is already in the destination.
// https://docs.aws.amazon.com/organizations/latest/APIReference/API_MoveAccount.html
func orgMoveAccount(c *call) (any, error) {
	var in struct{ AccountId, SourceParentId, DestinationParentId string }
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if err := c.orgID(in.AccountId, accountIDPattern, "accountId", "INVALID_PATTERN"); err != nil {
		return nil, err
	}
	if err := c.orgID(in.SourceParentId, parentIDPattern, "sourceParentId", "INVALID_PATTERN"); err != nil {
		return nil, err
	}
	if err := c.orgID(in.DestinationParentId, parentIDPattern, "destinationParentId", "INVALID_PATTERN"); err != nil {
		return nil, err
	}
	a, err := c.existingAccount(in.AccountId)
	if err != nil {
		return nil, err
	}
	if !c.st.isParent(in.SourceParentId) {
		return nil, errorf(400, "SourceParentNotFoundException", "We can't find a source root or OU with the ParentId that you specified.")
	}
	if !c.st.isParent(in.DestinationParentId) {
		return nil, errorf(400, "DestinationParentNotFoundException", "We can't find a destination root or OU with the ParentId that you specified.")
	}
	if err := c.setTarget(in.AccountId, in.DestinationParentId); err != nil {
		return nil, err
	}
	if a.ParentID == in.DestinationParentId {
		return nil, errorf(400, "DuplicateAccountException", "That account is already present in the specified destination.")
	}
	if a.ParentID != in.SourceParentId {
		return nil, errorf(400, "SourceParentNotFoundException", "We can't find a source root or OU with the ParentId that you specified.")
	}
	c.st.childAccts[a.ParentID] = removeSorted(c.st.childAccts[a.ParentID], a.ID)
	c.st.childAccts[in.DestinationParentId] = insertSorted(c.st.childAccts[in.DestinationParentId], a.ID)
	a.ParentID = in.DestinationParentId
	return map[string]any{}, nil
}

// orgRuntime is what Organizations keeps beyond the organization itself: account creation requests
// (ListCreateAccountStatus keeps them for 90 days) and recent closures (the closure quota counts a
// rolling 30 days).
type orgRuntime struct {
	creates  []*createAccountRequest // sorted by ID
	createBy map[string]*createAccountRequest
	closures []time.Time // when each CloseAccount was accepted, oldest first
}

// createAccountRequest is one CreateAccount request: its asynchronous operation, and the account
// it created.
type createAccountRequest struct {
	op        *AsyncOp
	name      string
	email     string
	accountID string
}

// createAccountFailures are CreateAccountStatus.FailureReason's values: a failed operation whose
// code (an injected fail-async fault) or message is one of them reports it, anything else
// INTERNAL_FAILURE. https://docs.aws.amazon.com/organizations/latest/APIReference/API_CreateAccountStatus.html
var createAccountFailures = map[string]bool{
	"ACCOUNT_LIMIT_EXCEEDED": true, "EMAIL_ALREADY_EXISTS": true, "INVALID_ADDRESS": true, "INVALID_EMAIL": true,
	"CONCURRENT_ACCOUNT_MODIFICATION": true, "INTERNAL_FAILURE": true, "GOVCLOUD_ACCOUNT_ALREADY_EXISTS": true,
	"MISSING_BUSINESS_VALIDATION": true, "FAILED_BUSINESS_VALIDATION": true, "PENDING_BUSINESS_VALIDATION": true,
	"INVALID_IDENTITY_FOR_BUSINESS_VALIDATION": true, "UNKNOWN_BUSINESS_VALIDATION": true,
	"MISSING_PAYMENT_INSTRUMENT": true, "INVALID_PAYMENT_INSTRUMENT": true,
}

// CreateAccount's input patterns (API_CreateAccount.html): Email 6-64 characters, AccountName 1-50
// printable ASCII characters, RoleName up to 64 of [\w+=,.@-].
var (
	emailPattern       = regexp.MustCompile(`^[^\s@]+@[^\s@]+\.[^\s@]+$`)
	accountNamePattern = regexp.MustCompile(`^[\x20-\x7E]{1,50}$`)
	roleNamePattern    = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)
)

// orgCreateAccount starts creating a member account. Audit target: <e-mail>. The call has no
// idempotency token: every call is a new request. It answers at once with a request IN_PROGRESS;
// after Durations.CreateAccount the account exists (ACTIVE, in the root, with
// OrganizationAccountAccessRole or RoleName, FullAWSAccess attached) and the request SUCCEEDED —
// or FAILED with EMAIL_ALREADY_EXISTS when an account of the organization has the e-mail by then.
// Errors as AWS: InvalidInputException, ConstraintViolationException ACCOUNT_NUMBER_LIMIT_EXCEEDED
// when the organization's account quota (accounts plus requests in progress) is reached.
// https://docs.aws.amazon.com/organizations/latest/APIReference/API_CreateAccount.html
func orgCreateAccount(c *call) (any, error) {
	var in struct{ Email, AccountName, RoleName, IamUserAccessToBilling string }
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	switch {
	case in.Email == "":
		return nil, c.missing("email")
	case in.AccountName == "":
		return nil, c.missing("accountName")
	case len(in.Email) < 6 || len(in.Email) > 64 || !emailPattern.MatchString(in.Email):
		return nil, invalidInput("INVALID_EMAIL_ADDRESS_TARGET", "You provided an email address that is not valid.")
	case !accountNamePattern.MatchString(in.AccountName):
		return nil, invalidInput("INVALID_PATTERN", "You provided a value that does not match the required pattern.")
	case in.RoleName != "" && !roleNamePattern.MatchString(in.RoleName):
		return nil, invalidInput("INVALID_PATTERN", "You provided a value that does not match the required pattern.")
	}
	c.willStartAsync()
	if err := c.setTarget(strings.ToLower(in.Email)); err != nil {
		return nil, err
	}
	org := &c.st.rt.org
	inProgress := 0
	for _, r := range org.creates {
		if r.op.State() == OpRunning {
			inProgress++
		}
	}
	if q := c.st.snap.Organization.AccountQuota; q > 0 && len(c.st.snap.Accounts)+inProgress >= q {
		return nil, constraintViolation("ACCOUNT_NUMBER_LIMIT_EXCEEDED", "You have reached the limit on the number of accounts in your organization.")
	}
	role := in.RoleName
	if role == "" {
		role = "OrganizationAccountAccessRole"
	}
	req := &createAccountRequest{name: in.AccountName, email: in.Email}
	id := "car-" + strings.ReplaceAll(c.st.rt.newID("", c.s.opts.Seed), "-", "")
	req.op = c.startAsync(id, "CreateAccount", c.target, c.s.opts.Durations.CreateAccount, func(st *state) error {
		return st.completeCreateAccount(req, role)
	})
	if org.createBy == nil {
		org.createBy = map[string]*createAccountRequest{}
	}
	org.createBy[id] = req
	i := len(org.creates)
	for i > 0 && org.creates[i-1].op.ID > id {
		i--
	}
	org.creates = append(org.creates[:i], append([]*createAccountRequest{req}, org.creates[i:]...)...)
	return map[string]any{"CreateAccountStatus": req.status()}, nil
}

// completeCreateAccount adds the account a request created, under the write lock.
func (st *state) completeCreateAccount(req *createAccountRequest, role string) error {
	for _, a := range st.snap.Accounts {
		if strings.EqualFold(a.Email, req.email) {
			return fmt.Errorf("EMAIL_ALREADY_EXISTS")
		}
	}
	seed := req.op.ID
	id := ""
	for n := 0; id == "" || st.accountBy[id] != nil; n++ {
		h := sha256Bytes(fmt.Sprint(seed, n))
		id = fmt.Sprintf("%012d", (uint64(h[0])<<32|uint64(h[1])<<24|uint64(h[2])<<16|uint64(h[3])<<8|uint64(h[4]))%1_000_000_000_000)
	}
	o := st.snap.Organization
	iam := &inventory.AccountIAM{}
	if has, ok := trackedRoleFlags[role]; ok {
		*has(iam) = true
	}
	root := ""
	if len(st.snap.Roots) > 0 {
		root = st.snap.Roots[0].ID
	}
	st.snap.Accounts = append(st.snap.Accounts, inventory.Account{ID: id,
		Arn:  "arn:" + st.partition() + ":organizations::" + o.ManagementAccountID + ":account/" + o.ID + "/" + id,
		Name: req.name, Email: req.email, Status: inventory.AccountActive, JoinedMethod: "CREATED", JoinedAt: req.op.Due.UTC(),
		ParentID: root, IAM: iam})
	st.attachFullAccess(id)
	req.accountID = id
	st.reindex()
	return nil
}

// trackedRoleFlags point at the snapshot flag of each role the simulator tracks.
var trackedRoleFlags = map[string]func(*inventory.AccountIAM) *bool{
	"AWSControlTowerExecution":               func(i *inventory.AccountIAM) *bool { return &i.ControlTowerExecutionRole },
	"AWSCloudFormationStackSetExecutionRole": func(i *inventory.AccountIAM) *bool { return &i.StackSetExecutionRole },
	"OrganizationAccountAccessRole":          func(i *inventory.AccountIAM) *bool { return &i.OrganizationAccountAccessRole },
}

// status is the request as CreateAccountStatus.
// https://docs.aws.amazon.com/organizations/latest/APIReference/API_CreateAccountStatus.html
func (r *createAccountRequest) status() map[string]any {
	m := map[string]any{"Id": r.op.ID, "AccountName": r.name, "State": r.op.State(), "RequestedTimestamp": epoch(r.op.Started)}
	switch r.op.State() {
	case OpSucceeded:
		m["AccountId"] = r.accountID
		m["CompletedTimestamp"] = epoch(r.op.Ended)
	case OpFailed:
		code, msg := r.op.Failure()
		reason := "INTERNAL_FAILURE"
		if createAccountFailures[code] {
			reason = code
		} else if createAccountFailures[msg] {
			reason = msg
		}
		m["FailureReason"] = reason
		m["CompletedTimestamp"] = epoch(r.op.Ended)
	}
	return m
}

var createAccountRequestPattern = regexp.MustCompile(`^car-[a-z0-9]{8,32}$`)

// orgDescribeCreateAccountStatus answers one request's status; CreateAccountStatusNotFoundException
// for an ID it does not know.
// https://docs.aws.amazon.com/organizations/latest/APIReference/API_DescribeCreateAccountStatus.html
func orgDescribeCreateAccountStatus(c *call) (any, error) {
	var in struct{ CreateAccountRequestId string }
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if err := c.orgID(in.CreateAccountRequestId, createAccountRequestPattern, "createAccountRequestId", "INVALID_PATTERN"); err != nil {
		return nil, err
	}
	r := c.st.rt.org.createBy[in.CreateAccountRequestId]
	if r == nil {
		return nil, errorf(400, "CreateAccountStatusNotFoundException", "We can't find an create account request with the CreateAccountRequestId that you specified.")
	}
	return map[string]any{"CreateAccountStatus": r.status()}, nil
}

// orgListCreateAccountStatus pages the account creation requests, optionally only those in the
// given States (IN_PROGRESS, SUCCEEDED, FAILED).
// https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListCreateAccountStatus.html
func orgListCreateAccountStatus(c *call) (any, error) {
	var in struct {
		States     []string
		MaxResults int
		NextToken  string
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, s := range in.States {
		if s != OpRunning && s != OpSucceeded && s != OpFailed {
			return nil, invalidInput("INVALID_ENUM", "You specified an invalid value.")
		}
		want[s] = true
	}
	reqs := c.st.rt.org.creates
	if len(want) > 0 {
		reqs = nil
		for _, r := range c.st.rt.org.creates {
			if want[r.op.State()] {
				reqs = append(reqs, r)
			}
		}
	}
	rs, next, err := page(c, reqs, func(r *createAccountRequest) string { return r.op.ID }, in.NextToken, in.MaxResults, orgMaxResults, orgMaxResults, "maxResults")
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, 0, len(rs))
	for _, r := range rs {
		out = append(out, r.status())
	}
	return withToken(map[string]any{"CreateAccountStatuses": out}, "NextToken", next), nil
}

// closeAccountWindow is the rolling period of the closure quota.
const closeAccountWindow = 30 * 24 * time.Hour

// closeAccountQuota is how many member accounts may be closed in any rolling 30 days: the higher of
// 250 and 20 % of the member accounts, at most 1,000 (the CloseAccount API reference; earlier
// versions of the page said 10 %, between 10 and 1,000).
// https://docs.aws.amazon.com/organizations/latest/APIReference/API_CloseAccount.html
func closeAccountQuota(members int) int {
	return min(1000, max(250, members/5))
}

// orgCloseAccount starts closing a member account. Audit target: <account ID>. The account is
// PENDING_CLOSURE at once and SUSPENDED after Durations.CloseAccount. Errors as AWS:
// AccountNotFoundException, AccountAlreadyClosedException (SUSPENDED, CLOSED, or already
// PENDING_CLOSURE), ConstraintViolationException CANNOT_CLOSE_MANAGEMENT_ACCOUNT, and
// CLOSE_ACCOUNT_QUOTA_EXCEEDED once the rolling 30-day quota (closeAccountQuota) is used up.
// https://docs.aws.amazon.com/organizations/latest/APIReference/API_CloseAccount.html
func orgCloseAccount(c *call) (any, error) {
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
	c.willStartAsync()
	if err := c.setTarget(in.AccountId); err != nil {
		return nil, err
	}
	if a.ID == c.st.snap.Organization.ManagementAccountID {
		return nil, constraintViolation("CANNOT_CLOSE_MANAGEMENT_ACCOUNT", "You attempted to close the management account. To close the management account for the organization, you must first either remove or close all member accounts in the organization.")
	}
	switch a.Status {
	case inventory.AccountSuspended, inventory.AccountClosed, inventory.AccountPendingClosure:
		return nil, errorf(400, "AccountAlreadyClosedException", "You attempted to close an account that is already closed.")
	}
	org := &c.st.rt.org
	now := c.s.clock.Now()
	recent := org.closures[:0:0]
	for _, t := range org.closures {
		if now.Sub(t) < closeAccountWindow {
			recent = append(recent, t)
		}
	}
	org.closures = recent
	if len(recent) >= closeAccountQuota(len(c.st.snap.Accounts)-1) {
		return nil, constraintViolation("CLOSE_ACCOUNT_QUOTA_EXCEEDED", "You have exceeded close account quota for the past 30 days.")
	}
	org.closures = append(org.closures, now)
	a.Status = inventory.AccountPendingClosure
	id := a.ID
	c.startAsync("", "CloseAccount", c.target, c.s.opts.Durations.CloseAccount, func(st *state) error {
		if a := st.account(id); a != nil && a.Status == inventory.AccountPendingClosure {
			a.Status = inventory.AccountSuspended
		}
		return nil
	})
	return map[string]any{}, nil
}

func (st *state) scpEnabled() bool {
	for _, r := range st.snap.Roots {
		for _, t := range r.PolicyTypes {
			if t == scpType {
				return true
			}
		}
	}
	return false
}
