package sim

import (
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/lz2ct/lz2ct/inventory"
)

// Delegated administration: Organizations' RegisterDelegatedAdministrator and
// DeregisterDelegatedAdministrator, and the per-region designation of GuardDuty's and Security
// Hub's delegated administrator (EnableOrganizationAdminAccount, DisableOrganizationAdminAccount,
// ListOrganizationAdminAccounts), which registers the account with Organizations as well. Each
// follows the mutation API of mutate.go; sim/README.md lists the audit targets and errors.
func init() {
	registerMutation("organizations", "RegisterDelegatedAdministrator", orgMgmtOnly(orgRegisterDelegatedAdmin))
	registerMutation("organizations", "DeregisterDelegatedAdministrator", orgMgmtOnly(orgDeregisterDelegatedAdmin))
	for _, svc := range []*regionalAdminService{guardDutyAdmins, securityHubAdmins} {
		registerMutation(svc.name, "EnableOrganizationAdminAccount", svc.enable)
		registerMutation(svc.name, "DisableOrganizationAdminAccount", svc.disable)
		registerMutation(svc.name, "UpdateOrganizationConfiguration", svc.updateConfig)
	}
	// Security Hub: REST-JSON; only its delegated administration is served.
	// https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_EnableOrganizationAdminAccount.html
	registerService(&service{
		name: "securityhub", protocol: protoRESTJSON,
		throttle: apiError{Status: 429, Code: "TooManyRequestsException", Message: "Rate exceeded"},
		denied:   apiError{Status: 403, Code: "AccessDeniedException"}, badToken: "InvalidInputException", validation: "InvalidInputException",
		route: func(r *http.Request) string { return securityHubAdmins.route(r, "/organization") },
		ops:   map[string]handler{"ListOrganizationAdminAccounts": securityHubAdmins.list},
	})
}

// delegatedIn is the input of Register/DeregisterDelegatedAdministrator.
type delegatedIn struct {
	AccountId        string
	ServicePrincipal string
}

// delegatedInput reads and validates the input, and finds the account: malformed IDs answer
// InvalidInputException INVALID_PATTERN, an account outside the organization AccountNotFoundException.
func (c *call) delegatedInput() (delegatedIn, *inventory.Account, error) {
	var in delegatedIn
	if err := c.decode(&in); err != nil {
		return in, nil, err
	}
	if err := c.orgID(in.AccountId, accountIDPattern, "accountId", "INVALID_PATTERN"); err != nil {
		return in, nil, err
	}
	if in.ServicePrincipal == "" {
		return in, nil, c.missing("servicePrincipal")
	}
	if !servicePrincipalPattern.MatchString(in.ServicePrincipal) {
		return in, nil, invalidInput("INVALID_PATTERN", "You provided a value that does not match the required pattern.")
	}
	a, err := c.existingAccount(in.AccountId)
	if err != nil {
		return in, nil, err
	}
	return in, a, nil
}

// orgRegisterDelegatedAdmin makes a member account a service's delegated administrator. Audit
// target: <account ID>/<service principal>. Errors as AWS: ConstraintViolationException
// CANNOT_REGISTER_MASTER_AS_DELEGATED_ADMINISTRATOR (the management account),
// CANNOT_REGISTER_SUSPENDED_ACCOUNT_AS_DELEGATED_ADMINISTRATOR (a suspended or closing account),
// SERVICE_ACCESS_NOT_ENABLED (the service has no trusted access: EnableAWSServiceAccess first),
// AccountAlreadyRegisteredException.
// https://docs.aws.amazon.com/organizations/latest/APIReference/API_RegisterDelegatedAdministrator.html
// https://docs.aws.amazon.com/organizations/latest/APIReference/API_ConstraintViolationException.html
func orgRegisterDelegatedAdmin(c *call) (any, error) {
	in, a, err := c.delegatedInput()
	if err != nil {
		return nil, err
	}
	if err := c.setTarget(in.AccountId, in.ServicePrincipal); err != nil {
		return nil, err
	}
	switch {
	case in.AccountId == c.st.snap.Organization.ManagementAccountID:
		return nil, constraintViolation("CANNOT_REGISTER_MASTER_AS_DELEGATED_ADMINISTRATOR",
			"You attempted to register the management account of the organization as a delegated administrator for an AWS service integrated with Organizations. You can designate only a member account as a delegated administrator.")
	case a.Status == inventory.AccountSuspended || a.Status == inventory.AccountPendingClosure || a.Status == "CLOSED":
		return nil, constraintViolation("CANNOT_REGISTER_SUSPENDED_ACCOUNT_AS_DELEGATED_ADMINISTRATOR", "You cannot register a suspended account as a delegated administrator.")
	case !c.st.trusted(in.ServicePrincipal):
		return nil, constraintViolation("SERVICE_ACCESS_NOT_ENABLED", "You attempted to register a delegated administrator before you enabled service access. Call the EnableAWSServiceAccess API first.")
	case c.st.isDelegated(in.AccountId, in.ServicePrincipal):
		return nil, errorf(400, "AccountAlreadyRegisteredException", "The provided account is already a delegated administrator for your organization.")
	}
	if svc := regionalAdminsOf(in.ServicePrincipal); svc != nil {
		svc.model(c.st) // set up first: the regions nobody changed keep the administrator they had
	}
	c.st.setDelegated(in.AccountId, in.ServicePrincipal, true)
	return map[string]any{}, nil
}

// orgDeregisterDelegatedAdmin removes a service's delegated administrator. Audit target:
// <account ID>/<service principal>. AccountNotRegisteredException when the account is not the
// service's delegated administrator. For GuardDuty and Security Hub, whose administrators are
// designated per region, the account stops being the administrator in every region: the
// registration is the global half of the designation.
// https://docs.aws.amazon.com/organizations/latest/APIReference/API_DeregisterDelegatedAdministrator.html
// https://docs.aws.amazon.com/guardduty/latest/ug/change-guardduty-delegated-admin.html
func orgDeregisterDelegatedAdmin(c *call) (any, error) {
	in, _, err := c.delegatedInput()
	if err != nil {
		return nil, err
	}
	if err := c.setTarget(in.AccountId, in.ServicePrincipal); err != nil {
		return nil, err
	}
	if !c.st.isDelegated(in.AccountId, in.ServicePrincipal) {
		return nil, errorf(400, "AccountNotRegisteredException", "The provided account is not a registered delegated administrator for your organization.")
	}
	if svc := regionalAdminsOf(in.ServicePrincipal); svc != nil {
		svc.model(c.st).forget(in.AccountId)
	}
	c.st.setDelegated(in.AccountId, in.ServicePrincipal, false)
	return map[string]any{}, nil
}

// trusted reports whether the service has trusted access to the organization.
func (st *state) trusted(principal string) bool {
	_, ok := slices.BinarySearch(st.snap.TrustedServices, principal)
	return ok
}

func (st *state) isDelegated(account, principal string) bool {
	_, ok := slices.BinarySearch(st.delegatedServices[account], principal)
	return ok
}

// setDelegated registers (on) or deregisters an account as a service's delegated administrator, in
// the snapshot and in the indexes ListDelegatedAdministrators and ListDelegatedServicesForAccount
// read, without a full reindex.
func (st *state) setDelegated(account, principal string, on bool) {
	das := st.snap.DelegatedAdmins
	if on {
		st.snap.DelegatedAdmins = append(das, inventory.DelegatedAdministrator{AccountID: account, ServicePrincipal: principal})
		sort.Slice(st.snap.DelegatedAdmins, func(i, j int) bool {
			a, b := st.snap.DelegatedAdmins[i], st.snap.DelegatedAdmins[j]
			return a.AccountID < b.AccountID || a.AccountID == b.AccountID && a.ServicePrincipal < b.ServicePrincipal
		})
		st.delegatedAccounts = insertSorted(st.delegatedAccounts, account)
		st.delegatedServices[account] = insertSorted(st.delegatedServices[account], principal)
		st.delegatedBySvc[principal] = insertSorted(st.delegatedBySvc[principal], account)
		return
	}
	st.snap.DelegatedAdmins = slices.DeleteFunc(das, func(d inventory.DelegatedAdministrator) bool {
		return d.AccountID == account && d.ServicePrincipal == principal
	})
	if st.delegatedServices[account] = removeSorted(st.delegatedServices[account], principal); len(st.delegatedServices[account]) == 0 {
		// No service left: the account loses Organizations' read access with its last delegation.
		delete(st.delegatedServices, account)
		st.delegatedAccounts = removeSorted(st.delegatedAccounts, account)
	}
	if st.delegatedBySvc[principal] = removeSorted(st.delegatedBySvc[principal], account); len(st.delegatedBySvc[principal]) == 0 {
		delete(st.delegatedBySvc, principal)
	}
}

// regionalAdminService is a service whose delegated administrator the management account
// designates per region with the service's own EnableOrganizationAdminAccount (GuardDuty, Security
// Hub): designating registers the account with Organizations as the service's delegated
// administrator and turns on the service's trusted access; removing it in a region leaves the
// registration, which DeregisterDelegatedAdministrator removes (for every region at once). One
// administrator per region: another account is refused until the former one is removed there and
// deregistered from Organizations, the order AWS's guide for changing it follows.
// https://docs.aws.amazon.com/guardduty/latest/ug/organizations_permissions.html
// https://docs.aws.amazon.com/guardduty/latest/ug/change-guardduty-delegated-admin.html
// https://docs.aws.amazon.com/guardduty/latest/ug/consolidate-orgs.html
// https://docs.aws.amazon.com/securityhub/latest/userguide/designate-orgs-admin-account.html
type regionalAdminService struct {
	name      string // IAM prefix, as registerService names it
	principal string
	// badInput answers a refused request (GuardDuty BadRequestException, Security Hub
	// InvalidInputException); notManagement a caller other than the management account.
	badInput, notManagement apiError
	// Member names of the wire shapes: the list's page size and token query parameters, the
	// answer's list, an entry's account and status.
	maxParam, tokenParam, listMember, idMember, statusMember string
}

var (
	guardDutyAdmins = &regionalAdminService{name: "guardduty", principal: "guardduty.amazonaws.com",
		badInput:      apiError{Status: 400, Code: "BadRequestException"},
		notManagement: apiError{Status: 400, Code: "BadRequestException"},
		maxParam:      "maxResults", tokenParam: "nextToken", listMember: "adminAccounts", idMember: "adminAccountId", statusMember: "adminStatus"}
	securityHubAdmins = &regionalAdminService{name: "securityhub", principal: "securityhub.amazonaws.com",
		badInput:      apiError{Status: 400, Code: "InvalidInputException"},
		notManagement: apiError{Status: 401, Code: "InvalidAccessException"},
		maxParam:      "MaxResults", tokenParam: "NextToken", listMember: "AdminAccounts", idMember: "AccountId", statusMember: "Status"}
)

// regionalAdminsOf returns the service whose administrator is designated per region, or nil.
func regionalAdminsOf(principal string) *regionalAdminService {
	for _, s := range []*regionalAdminService{guardDutyAdmins, securityHubAdmins} {
		if s.principal == principal {
			return s
		}
	}
	return nil
}

// regionalAdmins is what the snapshot does not hold: which account is a service's administrator in
// which region. The snapshot records Organizations' registrations only, so a region nobody changed
// has the account registered for the service when the simulator started (ALZ designates its
// Security account in every region it deploys to).
type regionalAdmins struct {
	initial  string            // the service's delegated administrator when the simulator started
	byRegion map[string]string // regions changed since: their administrator, "" for none
	// autoEnable is the organization configuration the administrator set, by region
	// (UpdateOrganizationConfiguration: GuardDuty's autoEnableOrganizationMembers, Security Hub's
	// AutoEnable).
	autoEnable map[string]string
}

// model returns the service's regional administrators, set up on first use (before any change
// to the service's registration: RegisterDelegatedAdministrator calls it too).
func (s *regionalAdminService) model(st *state) *regionalAdmins {
	if st.rt.regionalAdmins == nil {
		st.rt.regionalAdmins = map[string]*regionalAdmins{}
	}
	m := st.rt.regionalAdmins[s.principal]
	if m == nil {
		m = &regionalAdmins{byRegion: map[string]string{}, autoEnable: map[string]string{}}
		if ids := st.delegatedBySvc[s.principal]; len(ids) > 0 {
			m.initial = ids[0]
		}
		st.rt.regionalAdmins[s.principal] = m
	}
	return m
}

// admin is the service's administrator in a region ("" = none).
func (m *regionalAdmins) admin(region string) string {
	if a, ok := m.byRegion[region]; ok {
		return a
	}
	return m.initial
}

// forget removes an account as administrator in every region (its registration is gone).
func (m *regionalAdmins) forget(account string) {
	if m.initial == account {
		m.initial = ""
	}
	for r, a := range m.byRegion {
		if a == account {
			m.byRegion[r] = ""
		}
	}
}

func (s *regionalAdminService) refuse(e apiError, msg string) *apiError {
	e.Message = msg
	return &e
}

// adminInput reads AdminAccountId (adminAccountId on GuardDuty's wire; JSON decoding ignores the
// case) and checks the caller: only the management account designates.
func (s *regionalAdminService) adminInput(c *call) (string, error) {
	if !c.isManagement() {
		return "", s.refuse(s.notManagement, "The request is rejected because the current account is not the organization's management account.")
	}
	var in struct{ AdminAccountId string }
	if err := c.decode(&in); err != nil {
		return "", err
	}
	if in.AdminAccountId == "" {
		return "", s.refuse(s.badInput, "The request is rejected because the input adminAccountId is missing.")
	}
	if !accountIDPattern.MatchString(in.AdminAccountId) || c.st.account(in.AdminAccountId) == nil {
		return "", s.refuse(s.badInput, "The request is rejected because the account "+in.AdminAccountId+" is not a member of the organization.")
	}
	return in.AdminAccountId, nil
}

// enable designates the service's administrator in the call's region. Audit target:
// <region>/<account ID>. Designating the current administrator again succeeds unchanged.
func (s *regionalAdminService) enable(c *call) (any, error) {
	acct, err := s.adminInput(c)
	if err != nil {
		return nil, err
	}
	if err := c.setTarget(c.region, acct); err != nil {
		return nil, err
	}
	if acct == c.st.snap.Organization.ManagementAccountID {
		return nil, s.refuse(s.badInput, "The request is rejected because the organization's management account cannot be its delegated administrator.")
	}
	m := s.model(c.st)
	if cur := m.admin(c.region); cur != "" && cur != acct {
		return nil, s.refuse(s.badInput, "The request is rejected because account "+cur+" is already the delegated administrator in "+c.region+": disable it first (DisableOrganizationAdminAccount).")
	}
	for _, other := range c.st.delegatedBySvc[s.principal] {
		if other != acct {
			return nil, s.refuse(s.badInput, "The request is rejected because account "+other+" is still registered with AWS Organizations as the delegated administrator for "+s.principal+": deregister it (organizations deregister-delegated-administrator) after disabling it in every region.")
		}
	}
	m.byRegion[c.region] = acct
	if !c.st.isDelegated(acct, s.principal) {
		c.st.setDelegated(acct, s.principal, true)
	}
	c.st.snap.TrustedServices = insertSorted(c.st.snap.TrustedServices, s.principal)
	return map[string]any{}, nil
}

// disable removes the service's administrator in the call's region; the Organizations
// registration stays. Audit target: <region>/<account ID>.
func (s *regionalAdminService) disable(c *call) (any, error) {
	acct, err := s.adminInput(c)
	if err != nil {
		return nil, err
	}
	if err := c.setTarget(c.region, acct); err != nil {
		return nil, err
	}
	m := s.model(c.st)
	if m.admin(c.region) != acct {
		return nil, s.refuse(s.badInput, "The request is rejected because account "+acct+" is not the delegated administrator in "+c.region+".")
	}
	m.byRegion[c.region] = ""
	return map[string]any{}, nil
}

// list answers ListOrganizationAdminAccounts for the call's region (management account only).
func (s *regionalAdminService) list(c *call) (any, error) {
	if !c.isManagement() {
		return nil, s.refuse(s.notManagement, "The request is rejected because the current account is not the organization's management account.")
	}
	q := c.req.URL.Query()
	max := 0
	if v := q.Get(s.maxParam); v != "" {
		if max, _ = strconv.Atoi(v); max == 0 {
			max = -1
		}
	}
	var ids []string
	if c.st.rt.regionalAdmins[s.principal] == nil {
		// Not yet changed: read without setting up the model (reads run under the read lock).
		if l := c.st.delegatedBySvc[s.principal]; len(l) > 0 {
			ids = l[:1]
		}
	} else if a := c.st.rt.regionalAdmins[s.principal].admin(c.region); a != "" {
		ids = []string{a}
	}
	ids, next, err := page(c, ids, strKey, q.Get(s.tokenParam), max, 50, 50, s.maxParam)
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, 0, len(ids))
	for _, id := range ids {
		out = append(out, map[string]any{s.idMember: id, s.statusMember: "ENABLED"})
	}
	return withToken(map[string]any{s.listMember: out}, s.tokenParam, next), nil
}

// gdDetectorID is the GuardDuty detector of an account the simulator designated as GuardDuty's
// administrator in a region: designating enables GuardDuty there for that account
// (https://docs.aws.amazon.com/guardduty/latest/ug/organizations_permissions.html). The snapshot
// models no other detector.
func gdDetectorID(account, region string) string {
	return hexOf(account + "/" + region)[:32]
}

// gdDetectors lists the detectors of the calling account in the call's region.
func gdDetectors(c *call) []string {
	if m := c.st.rt.regionalAdmins[guardDutyAdmins.principal]; m != nil {
		if a, ok := m.byRegion[c.region]; ok && a == c.account {
			return []string{gdDetectorID(a, c.region)}
		}
	}
	return nil
}

// updateConfig sets the organization configuration as the region's delegated administrator
// (GuardDuty: POST /detector/{detectorId}/admin with the administrator's own detector; Security
// Hub: POST /organization/configuration). Audit target: <region>/<account ID>.
// https://docs.aws.amazon.com/guardduty/latest/APIReference/API_UpdateOrganizationConfiguration.html
// https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_UpdateOrganizationConfiguration.html
func (s *regionalAdminService) updateConfig(c *call) (any, error) {
	var in struct {
		AutoEnable                    *bool
		AutoEnableOrganizationMembers string
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	m := s.model(c.st)
	if m.admin(c.region) != c.account {
		return nil, s.refuse(s.notManagement, "The request is rejected because the current account is not the delegated administrator in "+c.region+".")
	}
	setting := in.AutoEnableOrganizationMembers
	if s == guardDutyAdmins {
		id := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSuffix(c.req.URL.Path, "/"), "/detector/"), "/admin")
		if !slices.Contains(gdDetectors(c), id) {
			return nil, s.refuse(s.badInput, "The request is rejected because the input detectorId is not owned by the current account.")
		}
		if setting == "" && in.AutoEnable != nil {
			setting = map[bool]string{true: "NEW", false: "NONE"}[*in.AutoEnable]
		}
		if setting != "ALL" && setting != "NEW" && setting != "NONE" {
			return nil, s.refuse(s.badInput, "The request is rejected because autoEnableOrganizationMembers must be ALL, NEW or NONE.")
		}
	} else {
		if in.AutoEnable == nil {
			return nil, c.missing("AutoEnable")
		}
		setting = strconv.FormatBool(*in.AutoEnable)
	}
	if err := c.setTarget(c.region, c.account); err != nil {
		return nil, err
	}
	m.autoEnable[c.region] = setting
	return map[string]any{}, nil
}

// route maps the service's delegated-administrator paths to operations.
func (s *regionalAdminService) route(r *http.Request, prefix string) string {
	path := strings.TrimSuffix(r.URL.Path, "/")
	if r.Method == http.MethodPost && (prefix == "" && strings.HasPrefix(path, "/detector/") && strings.HasSuffix(path, "/admin") ||
		prefix != "" && path == prefix+"/configuration") {
		return "UpdateOrganizationConfiguration"
	}
	switch r.Method + " " + path {
	case "POST " + prefix + "/admin/enable":
		return "EnableOrganizationAdminAccount"
	case "POST " + prefix + "/admin/disable":
		return "DisableOrganizationAdminAccount"
	case "GET " + prefix + "/admin":
		return "ListOrganizationAdminAccounts"
	}
	return ""
}
