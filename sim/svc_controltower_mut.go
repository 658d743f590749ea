package sim

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/lz2ct/lz2ct/inventory"
)

// Control Tower's mutating operations (CreateLandingZone, EnableBaseline, ResetEnabledBaseline) and
// the reads that follow them (GetLandingZoneOperation, ListLandingZoneOperations,
// GetBaselineOperation, GetEnabledBaseline, served from svc_rest.go's route table). Each follows the
// mutation API of mutate.go; sim/README.md documents the audit targets.
//
// Control Tower runs one landing-zone or OU operation at a time and refuses a second with
// ConflictException; account operations (Account Factory enrollment, svc_servicecatalog_mut.go) run
// up to ctAccountOperations at once, never while an OU operation runs
// (https://docs.aws.amazon.com/controltower/latest/userguide/limits.html).
func init() {
	registerMutation("controltower", "CreateLandingZone", ctMgmtOnly(ctCreateLandingZone))
	registerMutation("controltower", "EnableBaseline", ctMgmtOnly(ctEnableBaseline))
	registerMutation("controltower", "ResetEnabledBaseline", ctMgmtOnly(ctResetEnabledBaseline))
}

const (
	// ctAccountOperations is how many account operations (create, update, enroll) Control Tower
	// runs at once by default (adjustable to 10 by quota): "up to five"
	// (https://docs.aws.amazon.com/controltower/latest/userguide/limits.html).
	ctAccountOperations = 5
	// ctMaxOUAccounts is the most accounts an OU may hold to be registered ("up to 1000 accounts",
	// https://docs.aws.amazon.com/controltower/latest/userguide/importing-existing.html).
	ctMaxOUAccounts = 1000
	// ctMaxOUDepth: Control Tower registers OUs at most five levels below the root
	// (https://docs.aws.amazon.com/controltower/latest/userguide/nested-ous.html).
	ctMaxOUDepth = 5
	// ctLatestVersion is the newest landing zone version the simulator models (3.x manifests).
	ctLatestVersion = "3.3"
)

// ctSupportedVersions are the landing zone versions CreateLandingZone accepts here (3.x manifests:
// https://docs.aws.amazon.com/controltower/latest/userguide/lz-api-launch.html).
var ctSupportedVersions = map[string]bool{"3.0": true, "3.1": true, "3.2": true, "3.3": true}

// ctCatalogue is the baseline catalogue a new landing zone lists (ListBaselines); the IDs are
// AWS's (https://docs.aws.amazon.com/controltower/latest/userguide/baseline-api-examples.html).
var ctCatalogue = []struct{ id, name string }{
	{"17BSJV3IGJ2QSGA2", inventory.BaselineControlTower},
	{"4BDJ4DG7OCLOKQGP", "BackupBaseline"},
	{"LN25R72TTG6IGPTQ", inventory.BaselineIdentityCenter},
}

// ctOpClass sorts Control Tower's operations for its concurrency rules.
type ctOpClass int

const (
	ctOpLandingZone ctOpClass = iota
	ctOpOU
	ctOpAccount
)

// ctRuntime is what Control Tower knows beyond the snapshot: its operations and the parts of
// enabled baselines the snapshot does not hold. It lives in opsRuntime, so it survives reindex.
type ctRuntime struct {
	// running are the Control Tower operations that may still run, by ID (finished ones are
	// dropped when looked at).
	running map[string]ctOpClass
	// lzOps are the landing zone operations in start order.
	lzOps []ctLZOp
	// manifest is the manifest the landing zone was created with (GetLandingZone answers it).
	manifest map[string]any
	// opType is each baseline operation's type (ENABLE_BASELINE, RESET_ENABLED_BASELINE).
	opType map[string]string
	// lastOp and params are each enabled baseline's last operation and parameters, by ARN.
	lastOp map[string]string
	params map[string][]map[string]any
}

type ctLZOp struct {
	id, kind, region string
}

func (r *ctRuntime) init() {
	if r.running == nil {
		r.running, r.opType, r.lastOp, r.params = map[string]ctOpClass{}, map[string]string{}, map[string]string{}, map[string][]map[string]any{}
	}
}

// ctMgmtOnly limits an operation to the management account: Control Tower is administered from it
// (https://docs.aws.amazon.com/controltower/latest/APIReference/Welcome.html).
func ctMgmtOnly(h handler) handler {
	return func(c *call) (any, error) {
		if !c.isManagement() {
			return nil, errorf(403, "AccessDeniedException", "User: %s is not authorized to perform: controltower:%s", c.principalARN(), c.op)
		}
		return h(c)
	}
}

func ctValidation(format string, args ...any) *apiError {
	return errorf(400, "ValidationException", format, args...)
}

func ctConflict(what string) *apiError {
	return errorf(409, "ConflictException", "AWS Control Tower cannot begin this operation: %s is in progress. Try again when it completes.", what)
}

// ctBusy names the Control Tower operation that keeps one of class k from starting ("" = none):
// a landing-zone or OU operation waits for every other operation; an account operation waits for
// landing-zone and OU operations and for a free account-operation slot.
func (st *state) ctBusy(k ctOpClass) string {
	rt := &st.rt.ct
	rt.init()
	accounts := 0
	var blocker string
	for id, class := range rt.running {
		op := st.rt.op(id)
		if op == nil || op.State() != OpRunning {
			delete(rt.running, id)
			continue
		}
		switch {
		case class == ctOpAccount && k == ctOpAccount:
			accounts++
		case class == ctOpLandingZone:
			blocker = "a landing zone operation (" + id + ")"
		case class == ctOpOU:
			blocker = "an OU operation (" + id + ")"
		default:
			blocker = "an account operation (" + id + ")"
		}
	}
	if blocker != "" {
		return blocker
	}
	if k == ctOpAccount && accounts >= ctAccountOperations {
		return fmt.Sprintf("the maximum of %d concurrent account operations", ctAccountOperations)
	}
	return ""
}

// ctName draws a deterministic identifier of n characters from alphabet.
func (st *state) ctName(n int, alphabet string, parts ...string) string {
	st.rt.seq++
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00") + fmt.Sprint("\x00", st.rt.seq)))
	out := make([]byte, n)
	for i := range out {
		out[i] = alphabet[int(h[i%len(h)]+byte(i/len(h)))%len(alphabet)]
	}
	return string(out)
}

const (
	upperAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	lowerAlnum = "abcdefghijklmnopqrstuvwxyz0123456789"
	lowerHex   = "0123456789abcdef"
)

func (st *state) orgArn(kind, id string) string {
	o := st.snap.Organization
	return "arn:" + st.partition() + ":organizations::" + o.ManagementAccountID + ":" + kind + "/" + o.ID + "/" + id
}

func (st *state) ctArn(region, resource string) string {
	return "arn:" + st.partition() + ":controltower:" + region + ":" + st.snap.Organization.ManagementAccountID + ":" + resource
}

// baselineNamed is the catalogue's ARN of a baseline name ("" = not in the catalogue).
func (st *state) baselineNamed(name string) string {
	for _, b := range st.snap.ControlTower.Baselines {
		if b.Name == name {
			return b.Arn
		}
	}
	return ""
}

// enabledBaseline returns the index of the enabled baseline of baseline on target (-1 = none).
func (st *state) enabledBaseline(baselineArn, target string) int {
	if i, ok := st.enabled[baselineArn+"\x00"+target]; ok {
		return i
	}
	return -1
}

func (st *state) enabledBaselineByArn(arn string) int {
	for i, b := range st.snap.ControlTower.EnabledBaselines {
		if b.Arn == arn {
			return i
		}
	}
	return -1
}

// ouRegistered reports whether an OU has AWSControlTowerBaseline enabled and SUCCEEDED.
func (st *state) ouRegistered(ouID string) bool {
	ou := st.ouBy[ouID]
	if ou == nil {
		return false
	}
	i := st.enabledBaseline(st.baselineNamed(inventory.BaselineControlTower), ou.Arn)
	return i >= 0 && st.snap.ControlTower.EnabledBaselines[i].Status == "SUCCEEDED"
}

// identityCenterBaseline is the enabled IdentityCenterBaseline's ARN ("" = access management off).
func (st *state) identityCenterBaseline() string {
	ic := st.baselineNamed(inventory.BaselineIdentityCenter)
	if ic == "" {
		return ""
	}
	for _, b := range st.snap.ControlTower.EnabledBaselines {
		if b.BaselineIdentifier == ic {
			return b.Arn
		}
	}
	return ""
}

// ---- CreateLandingZone ----

// lzManifest is the landing zone 3.x manifest
// (https://docs.aws.amazon.com/controltower/latest/userguide/lz-api-launch.html).
type lzManifest struct {
	GovernedRegions       []string `json:"governedRegions"`
	OrganizationStructure struct {
		Security *struct {
			Name string `json:"name"`
		} `json:"security"`
		Sandbox *struct {
			Name string `json:"name"`
		} `json:"sandbox"`
	} `json:"organizationStructure"`
	CentralizedLogging *struct {
		AccountID string `json:"accountId"`
	} `json:"centralizedLogging"`
	SecurityRoles *struct {
		AccountID string `json:"accountId"`
	} `json:"securityRoles"`
	AccessManagement *struct {
		Enabled bool `json:"enabled"`
	} `json:"accessManagement"`
}

var lzVersionPattern = regexp.MustCompile(`^\d+\.\d+$`)

// ctCreateLandingZone starts setting up the landing zone in the call's region (its home region).
// Audit target: landingzone/<home region>. The landing zone is listed at once, PROCESSING, and
// becomes ACTIVE when the operation completes (about 30 minutes,
// https://docs.aws.amazon.com/controltower/latest/userguide/review-and-set-up.html). Errors as AWS:
// ValidationException for a manifest or version it refuses and for a failed pre-launch check
// (modelled at the call: the four service roles in the management account, existing Log Archive
// and Audit accounts that pass the shared-account checks, no trusted access for AWS Config or
// CloudTrail, Identity Center in the home region:
// https://docs.aws.amazon.com/controltower/latest/userguide/getting-started-prereqs.html),
// ConflictException when a landing zone exists or another operation runs.
// https://docs.aws.amazon.com/controltower/latest/APIReference/API_CreateLandingZone.html
func ctCreateLandingZone(c *call) (any, error) {
	var in struct {
		Version          string            `json:"version"`
		Manifest         map[string]any    `json:"manifest"`
		RemediationTypes []string          `json:"remediationTypes"`
		Tags             map[string]string `json:"tags"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if in.Version == "" {
		return nil, c.missing("version")
	}
	if !lzVersionPattern.MatchString(in.Version) {
		return nil, ctValidation("1 validation error detected: Value '%s' at 'version' failed to satisfy constraint: Member must satisfy regular expression pattern: \\d+.\\d+", in.Version)
	}
	if !ctSupportedVersions[in.Version] {
		return nil, ctValidation("Landing zone version %s is not supported here: lz2ct sim models the 3.x manifest (3.0 to %s).", in.Version, ctLatestVersion)
	}
	for _, r := range in.RemediationTypes {
		if r != "INHERITANCE_DRIFT" {
			return nil, ctValidation("Unknown remediation type %q: the only one is INHERITANCE_DRIFT.", r)
		}
	}
	if in.Manifest == nil {
		return nil, ctValidation("The manifest is required for landing zone version %s.", in.Version)
	}
	m, err := c.lzManifest(in.Manifest)
	if err != nil {
		return nil, err
	}
	st := c.st
	if lz := st.snap.ControlTower.LandingZone; lz != nil {
		return nil, errorf(409, "ConflictException", "A landing zone already exists in this organization (%s, home region %s).", lz.Arn, lz.HomeRegion)
	}
	if b := st.ctBusy(ctOpLandingZone); b != "" {
		return nil, ctConflict(b)
	}
	if problems := c.prelaunchProblems(m); len(problems) > 0 {
		return nil, ctValidation("AWS Control Tower cannot set up the landing zone: %s.", strings.Join(problems, "; "))
	}
	c.willStartAsync()
	target := "landingzone/" + c.region
	if err := c.setTarget(target); err != nil {
		return nil, err
	}
	st.rt.ct.init()
	lz := &inventory.LandingZone{Arn: st.ctArn(c.region, "landingzone/"+st.ctName(16, upperAlnum, st.snap.Organization.ID)),
		Version: in.Version, LatestAvailableVersion: ctLatestVersion, Status: "PROCESSING", DriftStatus: "IN_SYNC",
		HomeRegion: c.region, GovernedRegions: append([]string(nil), m.GovernedRegions...), SecurityOUName: m.OrganizationStructure.Security.Name,
		LogArchiveAccountID: m.CentralizedLogging.AccountID, AuditAccountID: m.SecurityRoles.AccountID}
	sort.Strings(lz.GovernedRegions)
	if m.OrganizationStructure.Sandbox != nil {
		lz.SandboxOUName = m.OrganizationStructure.Sandbox.Name
	}
	st.snap.ControlTower.LandingZone = lz
	st.rt.ct.manifest = in.Manifest
	access := m.AccessManagement.Enabled
	op := c.startAsync("", "CreateLandingZone", target, c.s.opts.Durations.LandingZone, func(st *state) error {
		st.ctSetUpLandingZone(access)
		return nil
	})
	op.onFail = func(st *state) {
		if lz := st.snap.ControlTower.LandingZone; lz != nil {
			lz.Status = "FAILED"
		}
	}
	st.rt.ct.running[op.ID] = ctOpLandingZone
	st.rt.ct.lzOps = append(st.rt.ct.lzOps, ctLZOp{id: op.ID, kind: "CREATE", region: c.region})
	return map[string]any{"arn": lz.Arn, "operationIdentifier": op.ID}, nil
}

// lzManifest reads and checks the manifest document.
func (c *call) lzManifest(doc map[string]any) (*lzManifest, error) {
	raw, _ := json.Marshal(doc)
	var m lzManifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, ctValidation("The manifest is not valid: %v", err)
	}
	switch {
	case len(m.GovernedRegions) == 0:
		return nil, ctValidation("The manifest must name at least one governed region (governedRegions).")
	case m.OrganizationStructure.Security == nil || m.OrganizationStructure.Security.Name == "":
		return nil, ctValidation("The manifest must name the Security OU (organizationStructure.security.name).")
	case m.CentralizedLogging == nil || m.CentralizedLogging.AccountID == "":
		return nil, ctValidation("The manifest must name the Log Archive account (centralizedLogging.accountId).")
	case m.SecurityRoles == nil || m.SecurityRoles.AccountID == "":
		return nil, ctValidation("The manifest must name the Audit account (securityRoles.accountId).")
	case m.AccessManagement == nil:
		return nil, ctValidation("The manifest must say whether AWS Control Tower manages IAM Identity Center (accessManagement.enabled).")
	case m.CentralizedLogging.AccountID == m.SecurityRoles.AccountID:
		return nil, ctValidation("The Log Archive and Audit accounts must be two different accounts.")
	}
	home := false
	for _, r := range m.GovernedRegions {
		if !c.st.regionKnown(r) {
			return nil, ctValidation("The governed region %q is not a region of partition %s.", r, c.partition())
		}
		home = home || r == c.region
	}
	if !home {
		return nil, ctValidation("The home region %s must be one of the governed regions.", c.region)
	}
	if s := m.OrganizationStructure.Sandbox; s != nil && s.Name == m.OrganizationStructure.Security.Name {
		return nil, ctValidation("The Security and Sandbox OUs must have different names.")
	}
	return &m, nil
}

// prelaunchProblems are the pre-launch checks a new landing zone fails.
func (c *call) prelaunchProblems(m *lzManifest) []string {
	st := c.st
	var out []string
	mgmt := st.account(st.snap.Organization.ManagementAccountID)
	var missing []string
	// ctServiceRoles (svc_iam_mut.go): the roles CreateLandingZone needs, as the snapshot or
	// CreateRole left them.
	for _, r := range slices.Sorted(maps.Keys(ctServiceRoles)) {
		if mgmt == nil || !st.hasRole(mgmt.ID, r) {
			missing = append(missing, r)
		}
	}
	if len(missing) > 0 {
		out = append(out, "the management account lacks the service roles "+strings.Join(missing, ", "))
	}
	for _, svc := range st.snap.TrustedServices {
		if strings.EqualFold(svc, "config.amazonaws.com") || strings.EqualFold(svc, "cloudtrail.amazonaws.com") {
			out = append(out, "trusted access is enabled for "+svc)
		}
	}
	if ic := st.snap.IdentityCenter; ic != nil && m.AccessManagement.Enabled && ic.Region != c.region {
		out = append(out, "IAM Identity Center is set up in "+ic.Region+", not in the home region "+c.region)
	}
	for _, sh := range []struct{ role, id string }{{"Log Archive", m.CentralizedLogging.AccountID}, {"Audit", m.SecurityRoles.AccountID}} {
		a := st.account(sh.id)
		switch {
		case a == nil:
			out = append(out, fmt.Sprintf("the %s account %s is not in the organization", sh.role, sh.id))
		case sh.id == st.snap.Organization.ManagementAccountID:
			out = append(out, fmt.Sprintf("the %s account cannot be the management account", sh.role))
		default:
			if p := st.ctSharedAccountProblem(a, m.GovernedRegions); p != "" {
				out = append(out, fmt.Sprintf("the %s account: %s", sh.role, p))
			}
		}
	}
	for _, ou := range []string{m.OrganizationStructure.Security.Name, sandboxName(m)} {
		if ou != "" && st.rootOUNamed(ou) != "" {
			out = append(out, fmt.Sprintf("an OU named %s already exists under the root", ou))
		}
	}
	return out
}

func sandboxName(m *lzManifest) string {
	if m.OrganizationStructure.Sandbox == nil {
		return ""
	}
	return m.OrganizationStructure.Sandbox.Name
}

// rootID is the organization's root.
func (st *state) rootID() string {
	if len(st.snap.Roots) == 0 {
		return ""
	}
	return st.snap.Roots[0].ID
}

// rootOUNamed is the ID of the root-level OU with this name ("" = none).
func (st *state) rootOUNamed(name string) string {
	for _, id := range st.childOUs[st.rootID()] {
		if st.ouBy[id].Name == name {
			return id
		}
	}
	return ""
}

// ctSharedAccountProblem is why an existing account cannot become a shared account ("" = it can):
// active, no AWS Config resources, no resource with a name Control Tower creates, STS on, and a
// role Control Tower can use
// (https://docs.aws.amazon.com/controltower/latest/userguide/existing-config-resources.html,
// "Considerations for bringing existing security or logging accounts").
func (st *state) ctSharedAccountProblem(a *inventory.Account, governed []string) string {
	if a.Status != inventory.AccountActive {
		return "account " + a.ID + " is " + a.Status
	}
	if !roleExists(a, "AWSControlTowerExecution") && !roleExists(a, "OrganizationAccountAccessRole") {
		return "account " + a.ID + " has neither AWSControlTowerExecution nor OrganizationAccountAccessRole"
	}
	return st.ctResourceProblem(a, governed)
}

// ctAccountProblem is why Control Tower cannot enroll an account ("" = it can): the enrollment
// prerequisites (https://docs.aws.amazon.com/controltower/latest/userguide/enrollment-prerequisites.html)
// and the pre-checks that fail registrations in practice
// (https://docs.aws.amazon.com/controltower/latest/userguide/common-eg-failures.html).
func (st *state) ctAccountProblem(a *inventory.Account, governed []string) string {
	if a.Status != inventory.AccountActive {
		return "account " + a.ID + " is " + a.Status
	}
	if !roleExists(a, "AWSControlTowerExecution") {
		return "account " + a.ID + " has no AWSControlTowerExecution role"
	}
	return st.ctResourceProblem(a, governed)
}

// ctResourceProblem: AWS Config resources, Control Tower's resource names, STS off, in a governed
// region of the account.
func (st *state) ctResourceProblem(a *inventory.Account, governed []string) string {
	for _, n := range a.ReservedNames {
		if inventory.IsControlTowerName(n.Type, n.Name) {
			return fmt.Sprintf("account %s already has %s %s", a.ID, n.Type, n.Name)
		}
	}
	for _, r := range governed {
		ar := st.accountRegion(a.ID, r)
		if ar == nil {
			continue
		}
		if ar.STSDisabled {
			return fmt.Sprintf("STS is deactivated in account %s in %s", a.ID, r)
		}
		for _, rec := range ar.ConfigRecorders {
			if !rec.ServiceLinked {
				return fmt.Sprintf("account %s has the AWS Config configuration recorder %s in %s", a.ID, rec.Name, r)
			}
		}
		for _, ch := range ar.DeliveryChannels {
			return fmt.Sprintf("account %s has the AWS Config delivery channel %s in %s", a.ID, ch.Name, r)
		}
		for _, n := range ar.ReservedNames {
			if inventory.IsControlTowerName(n.Type, n.Name) {
				return fmt.Sprintf("account %s already has %s %s in %s", a.ID, n.Type, n.Name, r)
			}
		}
	}
	return ""
}

// ctSetUpLandingZone applies a completed CreateLandingZone: the landing zone ACTIVE, its baseline
// catalogue, the Security OU with the shared accounts and the Sandbox OU (both registered),
// IdentityCenterBaseline on the management account when Control Tower manages Identity Center,
// and the trusted access Control Tower enables
// (https://docs.aws.amazon.com/controltower/latest/userguide/how-control-tower-works.html,
// https://docs.aws.amazon.com/organizations/latest/userguide/services-that-can-integrate-controltower.html).
func (st *state) ctSetUpLandingZone(accessManagement bool) {
	lz := st.snap.ControlTower.LandingZone
	ct := &st.snap.ControlTower
	if len(ct.Baselines) == 0 {
		for _, b := range ctCatalogue {
			ct.Baselines = append(ct.Baselines, inventory.Baseline{Arn: "arn:" + st.partition() + ":controltower:" + lz.HomeRegion + "::baseline/" + b.id, Name: b.name})
		}
	}
	version := inventory.ControlTowerBaselineVersion(lz.Version)
	security := st.ctCreateOU(lz.SecurityOUName)
	for _, a := range []string{lz.LogArchiveAccountID, lz.AuditAccountID} {
		if acct := st.account(a); acct != nil {
			acct.ParentID = security
		}
	}
	ous := []string{security}
	if lz.SandboxOUName != "" {
		ous = append(ous, st.ctCreateOU(lz.SandboxOUName))
	}
	st.reindex()
	ctb := st.baselineNamed(inventory.BaselineControlTower)
	for _, ou := range ous {
		arn := st.ctNewEnabledBaseline(ctb, version, st.ouBy[ou].Arn, "SUCCEEDED")
		st.ctRegisterOU(arn, ou)
	}
	if accessManagement {
		if st.snap.IdentityCenter == nil {
			st.snap.IdentityCenter = &inventory.IdentityCenter{InstanceArn: "arn:" + st.partition() + ":sso:::instance/ssoins-" + st.ctName(16, lowerHex, "sso"),
				IdentityStoreID: "d-" + st.ctName(10, lowerHex, "store"), Region: lz.HomeRegion}
		}
		st.ctNewEnabledBaseline(st.baselineNamed(inventory.BaselineIdentityCenter), version,
			st.orgArn("account", st.snap.Organization.ManagementAccountID), "SUCCEEDED")
	}
	for _, svc := range []string{"controltower.amazonaws.com", "cloudtrail.amazonaws.com", "config.amazonaws.com",
		"member.org.stacksets.cloudformation.amazonaws.com", "sso.amazonaws.com"} {
		if svc == "sso.amazonaws.com" && !accessManagement {
			continue
		}
		if !containsFold(st.snap.TrustedServices, svc) {
			st.snap.TrustedServices = append(st.snap.TrustedServices, svc)
		}
	}
	lz.Status, lz.DriftStatus = "ACTIVE", "IN_SYNC"
	st.reindex()
}

func containsFold(l []string, s string) bool {
	for _, x := range l {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// ctCreateOU adds a root-level OU (Control Tower's own: Security, Sandbox) with FullAWSAccess, as
// Organizations gives every new OU; the caller reindexes.
func (st *state) ctCreateOU(name string) string {
	root := st.rootID()
	id := ""
	for id == "" || st.ouBy[id] != nil {
		id = "ou-" + strings.TrimPrefix(root, "r-") + "-" + st.ctName(8, lowerAlnum, "ou", name)
	}
	st.snap.OUs = append(st.snap.OUs, inventory.OU{ID: id, Arn: st.orgArn("ou", id), Name: name, ParentID: root})
	st.attachFullAccess(id)
	return id
}

// ctNewEnabledBaseline adds an enabled baseline and returns its ARN.
func (st *state) ctNewEnabledBaseline(baselineArn, version, target, status string) string {
	region := st.snap.ControlTower.LandingZone.HomeRegion
	arn := st.ctArn(region, "enabledbaseline/"+st.ctName(17, upperAlnum, baselineArn, target))
	st.snap.ControlTower.EnabledBaselines = append(st.snap.ControlTower.EnabledBaselines, inventory.EnabledBaseline{
		Arn: arn, BaselineIdentifier: baselineArn, BaselineVersion: version, TargetIdentifier: target, Status: status})
	st.enabled[baselineArn+"\x00"+target] = len(st.snap.ControlTower.EnabledBaselines) - 1
	return arn
}

// ctRegisterOU applies a successful registration of an OU: its enabled baseline SUCCEEDED, every
// account directly in it enrolled (an account-level enabled baseline, the child of the OU's), and
// Control Tower's SCP for the OU's preventive controls attached
// (https://docs.aws.amazon.com/controltower/latest/userguide/importing-existing.html).
func (st *state) ctRegisterOU(ebArn, ouID string) {
	i := st.enabledBaselineByArn(ebArn)
	if i < 0 {
		return
	}
	eb := &st.snap.ControlTower.EnabledBaselines[i]
	eb.Status = "SUCCEEDED"
	baseline, version := eb.BaselineIdentifier, eb.BaselineVersion
	for _, a := range st.childAccts[ouID] {
		st.ctEnroll(a, baseline, version)
	}
	if !st.ctHasGuardrailSCP(ouID) && len(st.attached[ouID]) < maxSCPsPerTarget {
		id := "p-" + st.ctName(8, lowerAlnum, "scp", ouID)
		st.snap.Policies = append(st.snap.Policies, inventory.Policy{ID: id, Name: "aws-guardrails-" + st.ctName(6, upperAlnum, ouID),
			Arn:         "arn:" + st.partition() + ":organizations::" + st.snap.Organization.ManagementAccountID + ":policy/" + st.snap.Organization.ID + "/service_control_policy/" + id,
			Description: "", Document: ctGuardrailsSCP, Targets: []string{ouID}})
		st.reindex()
	}
}

// ctGuardrailsSCP stands for the policy of Control Tower's mandatory preventive controls.
const ctGuardrailsSCP = `{"Version":"2012-10-17","Statement":[{"Sid":"GRCLOUDTRAILENABLED","Effect":"Deny","Action":["cloudtrail:DeleteTrail","cloudtrail:StopLogging"],"Resource":["arn:aws:cloudtrail:*:*:trail/aws-controltower-*"],"Condition":{"ArnNotLike":{"aws:PrincipalARN":"arn:aws:iam::*:role/AWSControlTowerExecution"}}}]}`

func (st *state) ctHasGuardrailSCP(ouID string) bool {
	for _, p := range st.attached[ouID] {
		if pol := st.policyByID[p]; pol != nil && strings.HasPrefix(pol.Name, "aws-guardrails-") {
			return true
		}
	}
	return false
}

// ctEnroll gives an account an account-level enabled baseline (SUCCEEDED) of baseline at version.
func (st *state) ctEnroll(accountID, baseline, version string) {
	target := st.orgArn("account", accountID)
	if j := st.enabledBaseline(baseline, target); j >= 0 {
		b := &st.snap.ControlTower.EnabledBaselines[j]
		b.BaselineVersion, b.Status = version, "SUCCEEDED"
		return
	}
	st.ctNewEnabledBaseline(baseline, version, target, "SUCCEEDED")
}

// ---- EnableBaseline, ResetEnabledBaseline ----

type ctParam struct {
	Key   string `json:"key"`
	Value any    `json:"value"`
}

// ctEnableBaseline registers an OU: AWSControlTowerBaseline (or BackupBaseline) on an OU. Audit
// target: the OU's ID. The enabled baseline is listed at once, UNDER_CHANGE, and the operation
// takes 10 minutes plus 2 per additional account
// (https://docs.aws.amazon.com/controltower/latest/userguide/importing-existing.html); the
// registration pre-checks fail it early (an unregistered parent, nesting deeper than five levels,
// an OU under the Security OU, five SCPs already on the OU, more than 1000 accounts, and any account
// that cannot be enrolled). Errors as AWS: ValidationException (only OUs are targets; the version
// must match the landing zone; IdentityCenterEnabledBaselineArn when Identity Center is managed;
// a baseline enabled twice), ResourceNotFoundException (unknown baseline or OU), ConflictException
// while another Control Tower operation runs (the SDK does not retry it).
// https://docs.aws.amazon.com/controltower/latest/APIReference/API_EnableBaseline.html
func ctEnableBaseline(c *call) (any, error) {
	var in struct {
		BaselineIdentifier string            `json:"baselineIdentifier"`
		BaselineVersion    string            `json:"baselineVersion"`
		TargetIdentifier   string            `json:"targetIdentifier"`
		Parameters         []ctParam         `json:"parameters"`
		Tags               map[string]string `json:"tags"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	for _, f := range []struct{ name, v string }{{"baselineIdentifier", in.BaselineIdentifier}, {"baselineVersion", in.BaselineVersion}, {"targetIdentifier", in.TargetIdentifier}} {
		if f.v == "" {
			return nil, c.missing(f.name)
		}
	}
	lz, err := c.activeLandingZone()
	if err != nil {
		return nil, err
	}
	st := c.st
	name := st.snap.ControlTower.BaselineName(in.BaselineIdentifier)
	if name == "" {
		return nil, errorf(404, "ResourceNotFoundException", "Baseline %s not found.", in.BaselineIdentifier)
	}
	if name != inventory.BaselineControlTower && name != "BackupBaseline" {
		return nil, ctValidation("The baseline %s cannot be enabled with EnableBaseline: it applies to the landing zone.", name)
	}
	ou, err := c.ouTarget(in.TargetIdentifier)
	if err != nil {
		return nil, err
	}
	if want := inventory.ControlTowerBaselineVersion(lz.Version); in.BaselineVersion != want {
		return nil, ctValidation("Baseline version %s is not compatible with landing zone version %s: use %s.", in.BaselineVersion, lz.Version, want)
	}
	params, err := c.ctBaselineParams(in.Parameters)
	if err != nil {
		return nil, err
	}
	if i := st.enabledBaseline(in.BaselineIdentifier, in.TargetIdentifier); i >= 0 {
		eb := st.snap.ControlTower.EnabledBaselines[i]
		return nil, ctValidation("Baseline %s is already enabled on %s (%s, status %s): reset or update the enabled baseline instead.", name, in.TargetIdentifier, eb.Arn, eb.Status)
	}
	if b := st.ctBusy(ctOpOU); b != "" {
		return nil, ctConflict(b)
	}
	c.willStartAsync()
	if err := c.setTarget(ou.ID); err != nil {
		return nil, err
	}
	arn := st.ctNewEnabledBaseline(in.BaselineIdentifier, in.BaselineVersion, in.TargetIdentifier, "UNDER_CHANGE")
	op := c.ctRegistration(arn, ou.ID, "EnableBaseline", "ENABLE_BASELINE")
	st.rt.ct.params[arn] = params
	return map[string]any{"arn": arn, "operationIdentifier": op.ID}, nil
}

// ctResetEnabledBaseline re-runs an OU's registration (re-register, or retry a FAILED one). Audit
// target: the OU's ID. Errors as AWS: ResourceNotFoundException (unknown enabled baseline),
// ConflictException while another operation runs. The simulator resets OU registrations only.
// https://docs.aws.amazon.com/controltower/latest/APIReference/API_ResetEnabledBaseline.html
func ctResetEnabledBaseline(c *call) (any, error) {
	var in struct {
		EnabledBaselineIdentifier string `json:"enabledBaselineIdentifier"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if in.EnabledBaselineIdentifier == "" {
		return nil, c.missing("enabledBaselineIdentifier")
	}
	if _, err := c.activeLandingZone(); err != nil {
		return nil, err
	}
	st := c.st
	i := st.enabledBaselineByArn(in.EnabledBaselineIdentifier)
	if i < 0 {
		return nil, errorf(404, "ResourceNotFoundException", "Enabled baseline %s not found.", in.EnabledBaselineIdentifier)
	}
	eb := &st.snap.ControlTower.EnabledBaselines[i]
	ouID := eb.TargetIdentifier[strings.LastIndex(eb.TargetIdentifier, "/")+1:]
	if st.ouBy[ouID] == nil || st.ouBy[ouID].Arn != eb.TargetIdentifier {
		return nil, ctValidation("lz2ct sim resets enabled baselines of OUs only, not %s.", eb.TargetIdentifier)
	}
	if b := st.ctBusy(ctOpOU); b != "" {
		return nil, ctConflict(b)
	}
	c.willStartAsync()
	if err := c.setTarget(ouID); err != nil {
		return nil, err
	}
	eb.Status = "UNDER_CHANGE"
	op := c.ctRegistration(eb.Arn, ouID, "ResetEnabledBaseline", "RESET_ENABLED_BASELINE")
	return map[string]any{"operationIdentifier": op.ID}, nil
}

// ctRegistration starts the asynchronous registration of an OU whose enabled baseline is ebArn.
func (c *call) ctRegistration(ebArn, ouID, kind, opType string) *AsyncOp {
	st := c.st
	st.rt.ct.init()
	problem := st.ctRegistrationProblem(ouID)
	d := c.s.opts.Durations
	dur := d.PrecheckFailure
	if problem == "" {
		n := len(st.childAccts[ouID])
		dur = d.OURegistration + time.Duration(max(n-1, 0))*d.OURegistrationPerAccount
	}
	op := c.startAsync("", kind, ouID, dur, func(st *state) error {
		if problem != "" {
			return errors.New(problem)
		}
		st.ctRegisterOU(ebArn, ouID)
		return nil
	})
	op.onFail = func(st *state) {
		if i := st.enabledBaselineByArn(ebArn); i >= 0 {
			st.snap.ControlTower.EnabledBaselines[i].Status = "FAILED"
		}
	}
	st.rt.ct.running[op.ID] = ctOpOU
	st.rt.ct.opType[op.ID] = opType
	st.rt.ct.lastOp[ebArn] = op.ID
	return op
}

// ctRegistrationProblem is why registering the OU fails ("" = it succeeds).
func (st *state) ctRegistrationProblem(ouID string) string {
	lz := st.snap.ControlTower.LandingZone
	ou := st.ouBy[ouID]
	fail := func(format string, args ...any) string {
		return fmt.Sprintf("AWS Control Tower cannot register OU %s (%s): ", ou.Name, ou.ID) + fmt.Sprintf(format, args...)
	}
	depth := 1
	for p := ou.ParentID; st.ouBy[p] != nil; p = st.ouBy[p].ParentID {
		depth++
		if st.ouBy[p].ParentID == st.rootID() && st.ouBy[p].Name == lz.SecurityOUName {
			return fail("no OU can be registered under the Security OU")
		}
	}
	if depth > ctMaxOUDepth {
		return fail("it is nested %d levels below the root; AWS Control Tower registers OUs at most %d levels deep", depth, ctMaxOUDepth)
	}
	if st.ouBy[ou.ParentID] != nil && !st.ouRegistered(ou.ParentID) {
		return fail("its parent OU %s is not registered: register the parent first", ou.ParentID)
	}
	if n := len(st.attached[ouID]); n >= maxSCPsPerTarget && !st.ctHasGuardrailSCP(ouID) {
		return fail("%d SCPs are attached to it, so AWS Control Tower cannot attach its own (at most %d per OU)", n, maxSCPsPerTarget)
	}
	accts := st.childAccts[ouID]
	if len(accts) > ctMaxOUAccounts {
		return fail("it holds %d accounts, more than %d", len(accts), ctMaxOUAccounts)
	}
	for _, a := range accts {
		if p := st.ctAccountProblem(st.account(a), lz.GovernedRegions); p != "" {
			return fail("%s", p)
		}
	}
	return ""
}

// activeLandingZone is the landing zone in the call's region, when it can take an operation.
func (c *call) activeLandingZone() (*inventory.LandingZone, error) {
	lz := c.landingZoneHere()
	switch {
	case lz == nil:
		return nil, ctValidation("AWS Control Tower has no landing zone in %s: set up the landing zone first.", c.region)
	case lz.Status == "PROCESSING":
		return nil, ctConflict("a landing zone operation")
	case lz.Status != "ACTIVE":
		return nil, ctValidation("The landing zone is %s: repair it (ResetLandingZone) before enabling baselines.", lz.Status)
	}
	return lz, nil
}

// ouTarget is the OU an EnableBaseline target ARN names.
func (c *call) ouTarget(arn string) (*inventory.OU, error) {
	id := arn[strings.LastIndex(arn, "/")+1:]
	if strings.Contains(arn, ":account/") {
		return nil, ctValidation("Only OUs are supported as targets: %s is an account.", arn)
	}
	if !strings.HasPrefix(arn, "arn:"+c.partition()+":organizations::") || !strings.Contains(arn, ":ou/") {
		return nil, ctValidation("The target %s is not an organizational unit ARN.", arn)
	}
	ou := c.st.ouBy[id]
	if ou == nil || ou.Arn != arn {
		return nil, errorf(404, "ResourceNotFoundException", "Target %s not found.", arn)
	}
	return ou, nil
}

// ctBaselineParams checks AWSControlTowerBaseline's parameters: IdentityCenterEnabledBaselineArn,
// required when Control Tower manages IAM Identity Center, must be the enabled IdentityCenterBaseline
// (https://docs.aws.amazon.com/controltower/latest/userguide/walkthrough-baseline-steps.html).
func (c *call) ctBaselineParams(in []ctParam) ([]map[string]any, error) {
	ic := c.st.identityCenterBaseline()
	got := ""
	var out []map[string]any
	for _, p := range in {
		if p.Key != "IdentityCenterEnabledBaselineArn" {
			return nil, ctValidation("Unknown baseline parameter %q.", p.Key)
		}
		s, ok := p.Value.(string)
		if !ok {
			return nil, ctValidation("The parameter IdentityCenterEnabledBaselineArn must be a string.")
		}
		got = s
		out = append(out, map[string]any{"key": p.Key, "value": s})
	}
	switch {
	case ic != "" && got == "":
		return nil, ctValidation("The parameter IdentityCenterEnabledBaselineArn is required: AWS Control Tower manages IAM Identity Center in this landing zone (%s).", ic)
	case got != "" && got != ic:
		return nil, ctValidation("IdentityCenterEnabledBaselineArn %s is not the enabled IdentityCenterBaseline of this landing zone.", got)
	}
	return out, nil
}

// ---- reads ----

func iso(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// opView is an operation's common members as Control Tower writes them.
func opView(op *AsyncOp, opType string) map[string]any {
	m := map[string]any{"operationIdentifier": op.ID, "operationType": opType, "status": op.State(), "startTime": iso(op.Started)}
	if op.State() != OpRunning {
		m["endTime"] = iso(op.Ended)
	}
	if _, msg := op.Failure(); msg != "" {
		m["statusMessage"] = msg
	}
	return m
}

// ctGetLandingZoneOperation: https://docs.aws.amazon.com/controltower/latest/APIReference/API_GetLandingZoneOperation.html
func ctGetLandingZoneOperation(c *call) (any, error) {
	var in struct {
		OperationIdentifier string `json:"operationIdentifier"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if in.OperationIdentifier == "" {
		return nil, c.missing("operationIdentifier")
	}
	if c.isManagement() {
		for _, o := range c.st.rt.ct.lzOps {
			if o.id == in.OperationIdentifier {
				return map[string]any{"operationDetails": opView(c.st.rt.op(o.id), o.kind)}, nil
			}
		}
	}
	return nil, errorf(404, "ResourceNotFoundException", "Landing zone operation %s not found.", in.OperationIdentifier)
}

// ctListLandingZoneOperations lists the landing zone operations of the call's region, filtered by
// type and status; maxResults 1-100.
// https://docs.aws.amazon.com/controltower/latest/APIReference/API_ListLandingZoneOperations.html
func ctListLandingZoneOperations(c *call) (any, error) {
	var in struct {
		Filter struct {
			Types    []string `json:"types"`
			Statuses []string `json:"statuses"`
		} `json:"filter"`
		MaxResults int    `json:"maxResults"`
		NextToken  string `json:"nextToken"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	type item struct {
		key string
		op  *AsyncOp
		typ string
	}
	var all []item
	if c.isManagement() {
		for i, o := range c.st.rt.ct.lzOps {
			op := c.st.rt.op(o.id)
			if o.region == c.region && selected(in.Filter.Types, o.kind) && selected(in.Filter.Statuses, op.State()) {
				all = append(all, item{fmt.Sprintf("%08d", i), op, o.kind})
			}
		}
	}
	items, next, err := page(c, all, func(i item) string { return i.key }, in.NextToken, in.MaxResults, 100, 100, "maxResults")
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, 0, len(items))
	for _, i := range items {
		out = append(out, map[string]any{"operationIdentifier": i.op.ID, "operationType": i.typ, "status": i.op.State()})
	}
	return withToken(map[string]any{"landingZoneOperations": out}, "nextToken", next), nil
}

// ctGetBaselineOperation: https://docs.aws.amazon.com/controltower/latest/APIReference/API_GetBaselineOperation.html
func ctGetBaselineOperation(c *call) (any, error) {
	var in struct {
		OperationIdentifier string `json:"operationIdentifier"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if in.OperationIdentifier == "" {
		return nil, c.missing("operationIdentifier")
	}
	if typ, ok := c.st.rt.ct.opType[in.OperationIdentifier]; ok && c.isManagement() {
		return map[string]any{"baselineOperation": opView(c.st.rt.op(in.OperationIdentifier), typ)}, nil
	}
	return nil, errorf(404, "ResourceNotFoundException", "Baseline operation %s not found.", in.OperationIdentifier)
}

// ctGetEnabledBaseline: https://docs.aws.amazon.com/controltower/latest/APIReference/API_GetEnabledBaseline.html
func ctGetEnabledBaseline(c *call) (any, error) {
	var in struct {
		EnabledBaselineIdentifier string `json:"enabledBaselineIdentifier"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if in.EnabledBaselineIdentifier == "" {
		return nil, c.missing("enabledBaselineIdentifier")
	}
	if c.landingZoneHere() != nil {
		if i := c.st.enabledBaselineByArn(in.EnabledBaselineIdentifier); i >= 0 {
			m := c.ebView(c.st.snap.ControlTower.EnabledBaselines[i])
			params := c.st.rt.ct.params[in.EnabledBaselineIdentifier]
			if params == nil {
				params = []map[string]any{}
			}
			m["parameters"] = params
			return map[string]any{"enabledBaselineDetails": m}, nil
		}
	}
	return nil, errorf(404, "ResourceNotFoundException", "Enabled baseline %s not found.", in.EnabledBaselineIdentifier)
}

// ebView is an enabled baseline as ListEnabledBaselines and GetEnabledBaseline write it: with its
// last operation, and for an account the enabled baseline of its OU as parent.
func (c *call) ebView(b inventory.EnabledBaseline) map[string]any {
	summary := map[string]any{"status": b.Status}
	if op := c.st.rt.ct.lastOp[b.Arn]; op != "" {
		summary["lastOperationIdentifier"] = op
	}
	m := map[string]any{"arn": b.Arn, "baselineIdentifier": b.BaselineIdentifier, "baselineVersion": b.BaselineVersion,
		"targetIdentifier": b.TargetIdentifier, "statusSummary": summary}
	if p := c.ebParent(b); p != "" {
		m["parentIdentifier"] = p
	}
	return m
}

// ebParent is the enabled baseline an account's enabled baseline inherits from: the same baseline
// enabled on the account's OU ("" = none: not an account, or enabled on the account itself).
func (c *call) ebParent(b inventory.EnabledBaseline) string {
	if !strings.Contains(b.TargetIdentifier, ":account/") {
		return ""
	}
	if a := c.st.account(b.TargetID()); a != nil && c.st.ouBy[a.ParentID] != nil {
		if i := c.st.enabledBaseline(b.BaselineIdentifier, c.st.ouBy[a.ParentID].Arn); i >= 0 {
			return c.st.snap.ControlTower.EnabledBaselines[i].Arn
		}
	}
	return ""
}

// lzManifestView is the manifest GetLandingZone answers: the one the landing zone was created
// with, or one built from the snapshot (accessManagement on when IdentityCenterBaseline is enabled).
func (c *call) lzManifestView(lz *inventory.LandingZone) map[string]any {
	if m := c.st.rt.ct.manifest; m != nil {
		return m
	}
	structure := map[string]any{"security": map[string]any{"name": lz.SecurityOUName}}
	if lz.SandboxOUName != "" {
		structure["sandbox"] = map[string]any{"name": lz.SandboxOUName}
	}
	return map[string]any{
		"governedRegions":       lz.GovernedRegions,
		"organizationStructure": structure,
		"centralizedLogging":    map[string]any{"accountId": lz.LogArchiveAccountID, "enabled": true},
		"securityRoles":         map[string]any{"accountId": lz.AuditAccountID},
		"accessManagement":      map[string]any{"enabled": c.st.identityCenterBaseline() != ""},
	}
}
