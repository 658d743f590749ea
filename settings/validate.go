package settings

import (
	"fmt"
	"slices"
	"strings"

	"github.com/lz2ct/lz2ct/inventory"
)

// FieldError is one problem with one settings key.
type FieldError struct {
	Key string // the settings key, e.g. "auditEmail", "exclude.accounts[2]"
	Msg string
}

func (e FieldError) Error() string { return e.Key + ": " + e.Msg }

// ValidationError lists every problem found, so the user fixes the file in one pass.
type ValidationError struct {
	Problems []FieldError
}

func (e *ValidationError) Error() string {
	if len(e.Problems) == 1 {
		return "invalid settings: " + e.Problems[0].Error()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "invalid settings (%d problems):", len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n  - " + p.Error())
	}
	return b.String()
}

// Validate checks resolved settings against the organization (call Resolve first: unset limits
// are out of range). snap may be nil, which skips the checks that need the organization.
// It returns a *ValidationError naming each bad key, or nil.
func (s Settings) Validate(snap *inventory.Snapshot) error {
	var v validator
	enabled := map[string]bool{}
	if snap != nil {
		for _, r := range snap.Regions {
			enabled[r] = true
		}
	}
	region := func(key, r string) bool {
		switch {
		case r == "":
			v.add(key, "is required (the region Control Tower runs in; it must be the IAM Identity Center region if you use Identity Center)")
		case !inventory.IsRegion(r):
			v.add(key, fmt.Sprintf("%q is not an AWS region name (e.g. eu-west-1)", r))
		case len(enabled) > 0 && !enabled[r]:
			v.add(key, fmt.Sprintf("unknown region %q: it is not among the organization's enabled regions (%s)", r, strings.Join(snap.Regions, ", ")))
		default:
			return true
		}
		return false
	}
	homeOK := region("homeRegion", s.HomeRegion)
	governed := map[string]bool{}
	for i, r := range s.GovernedRegions {
		region(fmt.Sprintf("governedRegions[%d]", i), r)
		governed[r] = true
	}
	if homeOK && len(s.GovernedRegions) > 0 && !governed[s.HomeRegion] {
		v.add("governedRegions", fmt.Sprintf("must include the home region %s (Control Tower always governs its home region)", s.HomeRegion))
	}
	// The accounts × governed regions bound (150,000) is not checked here: which accounts Control
	// Tower will govern is the scope's decision (package scope), and the check ou.account-limit
	// reports it, so check and plan count it the same way.

	if s.BringsExistingAccounts() {
		v.existing(s, snap)
	} else {
		v.email("logArchiveEmail", s.LogArchiveEmail, snap)
		v.email("auditEmail", s.AuditEmail, snap)
	}
	if s.LogArchiveEmail != "" && strings.EqualFold(s.LogArchiveEmail, s.AuditEmail) {
		v.add("auditEmail", fmt.Sprintf("%q is also the logArchiveEmail; Control Tower needs two different addresses", s.AuditEmail))
	}
	if strings.TrimSpace(s.LogArchiveAccountName) == "" {
		v.add("logArchiveAccountName", "must not be empty")
	}
	if strings.TrimSpace(s.AuditAccountName) == "" {
		v.add("auditAccountName", "must not be empty")
	}
	if s.LogArchiveAccountName != "" && s.LogArchiveAccountName == s.AuditAccountName {
		v.add("auditAccountName", "must differ from logArchiveAccountName")
	}

	if s.CTDeploy != CTDeployAPI && s.CTDeploy != CTDeployManual {
		v.add("ctDeploy", fmt.Sprintf("%q is not one of %q, %q", s.CTDeploy, CTDeployAPI, CTDeployManual))
	}
	if s.SharedAccounts != SharedAccountsNew && s.SharedAccounts != SharedAccountsExisting {
		v.add("sharedAccounts", fmt.Sprintf("%q is not one of %q, %q", s.SharedAccounts, SharedAccountsNew, SharedAccountsExisting))
	}
	if s.BringsExistingAccounts() && s.Decommission.CopyLogs {
		v.add("decommission.copyLogs", "with sharedAccounts: existing, ALZ's Log Archive account becomes Control Tower's and its logs stay in it: there is nothing to copy; remove copyLogs")
	}
	if s.BringsExistingAccounts() && s.Decommission.CloseOldAccounts {
		v.add("decommission.closeOldAccounts", "with sharedAccounts: existing, ALZ's Log Archive and Security accounts become Control Tower's: there are no old accounts to close")
	}
	if s.ConfigRemoval != ConfigRemovalStackSet && s.ConfigRemoval != ConfigRemovalDirect {
		v.add("configRemoval", fmt.Sprintf("%q is not one of %q, %q", s.ConfigRemoval, ConfigRemovalStackSet, ConfigRemovalDirect))
	}
	if s.OUAccountLimit < 1 || s.OUAccountLimit > MaxOUAccountLimit {
		v.add("ouAccountLimit", fmt.Sprintf("%d is out of range 1..%d (AWS documents 300, and up to 1000 with at most 15 governed regions; the plan uses less when the governed regions allow less)", s.OUAccountLimit, MaxOUAccountLimit))
	}
	if s.AccountConcurrency < 1 || s.AccountConcurrency > MaxAccountConcurrency {
		v.add("accountConcurrency", fmt.Sprintf("%d is out of range 1..%d (Control Tower runs up to 5 account operations at once by default, 10 with a quota increase)", s.AccountConcurrency, MaxAccountConcurrency))
	}
	if s.StackSetConcurrency < 1 || s.StackSetConcurrency > MaxStackSetConcurrency {
		v.add("stackSetConcurrency", fmt.Sprintf("%d is out of range 1..%d (accounts per region a StackSet operation works on at once)", s.StackSetConcurrency, MaxStackSetConcurrency))
	}
	if s.SessionHours < 1 || s.SessionHours > MaxSessionHours {
		v.add("sessionHours", fmt.Sprintf("%d is out of range 1..%d (hours in one working session of the calendar)", s.SessionHours, MaxSessionHours))
	}

	if s.Decommission.CopyLogsMaxGiB < 1 {
		v.add("decommission.copyLogsMaxGiB", fmt.Sprintf("%d: want a size in GiB of at least 1", s.Decommission.CopyLogsMaxGiB))
	}
	if d := s.Decommission.KMSKeyDeletionDays; d != 0 {
		switch {
		case d < MinKMSKeyDeletionDays || d > MaxKMSKeyDeletionDays:
			v.add("decommission.kmsKeyDeletionDays", fmt.Sprintf("%d: KMS deletes a key after a waiting period of %d to %d days; 0 keeps the key", d, MinKMSKeyDeletionDays, MaxKMSKeyDeletionDays))
		case !s.Decommissions(DecomKMSAlias):
			v.add("decommission.kmsKeyDeletionDays", "the key's deletion is scheduled by the kms-alias step: list kms-alias in decommission.steps, or leave kmsKeyDeletionDays unset")
		}
	}

	if snap != nil {
		ix := inventory.NewIndex(snap)
		for i, id := range s.Exclude.Accounts {
			if ix.Account(id) == nil {
				v.add(fmt.Sprintf("exclude.accounts[%d]", i), fmt.Sprintf("account %q is not in the organization", id))
			}
		}
		paths := map[string]bool{}
		for _, ou := range snap.OUs {
			paths[strings.ToLower(ix.Path(ou.ID))] = true
		}
		for i, e := range s.Exclude.OUs {
			if ix.OU(e) == nil && !paths[strings.ToLower(strings.Trim(e, "/"))] {
				v.add(fmt.Sprintf("exclude.ous[%d]", i), fmt.Sprintf("%q is neither an OU ID nor an OU name path (e.g. Workloads/Legacy) in the organization", e))
			}
		}
		for i, e := range s.NoMoveOUs {
			if e != AllOUs && ix.OU(e) == nil && !paths[strings.ToLower(strings.Trim(e, "/"))] {
				v.add(fmt.Sprintf("noMoveOUs[%d]", i), fmt.Sprintf("%q is neither an OU ID, an OU name path (e.g. Workloads/Legacy) in the organization, nor %q (every OU)", e, AllOUs))
			}
		}
		core := ""
		if snap.ALZ != nil {
			core = snap.ALZ.CoreOUID
		}
		inCore := func(id string) bool {
			if core == "" {
				return false
			}
			for x := id; ix.OU(x) != nil; x = ix.Parent(x) {
				if x == core {
					return true
				}
			}
			return false
		}
		if e := s.SharedServicesOU; e != "" {
			id := FindOU(ix, e)
			switch {
			case id == "" && snap.ControlTower.LandingZone == nil && !strings.Contains(strings.Trim(e, "/"), "/") && !strings.HasPrefix(e, "ou-"):
				// The name of an OU the landing zone creates (its Sandbox OU): the scope checks it.
			case id == "":
				v.add("sharedServicesOU", fmt.Sprintf("%q is neither an OU ID nor an OU name path in the organization", e))
			case inCore(id):
				v.add("sharedServicesOU", fmt.Sprintf("%q is ALZ's core OU or below it, which is never registered and is deleted in decommission", e))
			}
		}
		if e := s.Decommission.OldAccountsOU; e != "" {
			id := FindOU(ix, e)
			switch {
			case id == "":
				v.add("decommission.oldAccountsOU", fmt.Sprintf("%q is neither an OU ID nor an OU name path in the organization", e))
			case inCore(id):
				v.add("decommission.oldAccountsOU", fmt.Sprintf("%q is ALZ's core OU or below it: the accounts must leave it before it is deleted", e))
			}
		}
	}
	known := map[string]bool{}
	for _, n := range DecommissionSteps {
		known[n] = true
	}
	for i, n := range s.Decommission.Steps {
		if n == "pipeline-transition" {
			v.add(fmt.Sprintf("decommission.steps[%d]", i), "pipeline-transition is not a decommission step: the plan always disables ALZ's pipeline transition first, in phase 0; remove it from the list")
			continue
		}
		if !known[n] {
			v.add(fmt.Sprintf("decommission.steps[%d]", i), fmt.Sprintf("unknown step %q (one of: %s)", n, strings.Join(DecommissionSteps, ", ")))
		}
	}
	return v.err()
}

type validator struct{ problems []FieldError }

func (v *validator) add(key, msg string) { v.problems = append(v.problems, FieldError{key, msg}) }

func (v *validator) err() error {
	if len(v.problems) == 0 {
		return nil
	}
	return &ValidationError{Problems: v.problems}
}

// existing checks sharedAccounts: existing: ALZ's Log Archive and Security accounts are known, and
// the e-mails, when given, are theirs (the console identifies an existing account by its e-mail).
// Whether they pass Control Tower's pre-launch checks is the pre-checks' job (shared.existing-*).
func (v *validator) existing(s Settings, snap *inventory.Snapshot) {
	if snap == nil {
		return
	}
	if snap.ControlTower.LandingZone != nil {
		return // Control Tower is set up: its shared accounts are what they are
	}
	ix := inventory.NewIndex(snap)
	alz := snap.ALZ
	if alz == nil {
		alz = &inventory.ALZ{}
	}
	for _, c := range []struct{ key, label, id, email string }{
		{"logArchiveEmail", "Log Archive", alz.LogArchiveAccountID, s.LogArchiveEmail},
		{"auditEmail", "Security", alz.SecurityAccountID, s.AuditEmail},
	} {
		a := ix.Account(c.id)
		switch {
		case a == nil:
			v.add("sharedAccounts", fmt.Sprintf("existing: discovery found no ALZ %s account to bring into Control Tower; choose new (two new accounts) or discover again", c.label))
		case c.email != "" && !strings.EqualFold(c.email, a.Email):
			v.add(c.key, fmt.Sprintf("%q is not the e-mail of ALZ's %s account %s (%s); with sharedAccounts: existing leave it empty or give that address", c.email, c.label, a.ID, a.Email))
		case slices.Contains(s.Exclude.Accounts, a.ID):
			v.add("exclude.accounts", fmt.Sprintf("ALZ's %s account %s is listed, but sharedAccounts: existing brings it into Control Tower; remove it from the list or choose new", c.label, a.ID))
		}
	}
}

// email checks one of the two new account e-mails: Account Factory's pattern (AWS Control Tower user
// guide, common-eg-failures) and never used by an account (Organizations rejects a used address:
// EMAIL_ALREADY_EXISTS) — except by the shared accounts of a landing zone that already exists.
func (v *validator) email(key, addr string, snap *inventory.Snapshot) {
	switch {
	case addr == "":
		v.add(key, "is required: an address never used by any AWS account")
		return
	case !inventory.ControlTowerEmailPattern.MatchString(addr):
		v.add(key, fmt.Sprintf("%q is not an address Control Tower accepts (pattern %s)", addr, inventory.ControlTowerEmailPattern))
		return
	}
	if snap == nil {
		return
	}
	if strings.EqualFold(addr, snap.Organization.ManagementAccountEmail) {
		v.add(key, fmt.Sprintf("%q is the management account's e-mail; use an address no AWS account has used", addr))
		return
	}
	lz := snap.ControlTower.LandingZone
	for _, a := range snap.Accounts {
		if lz != nil && (a.ID == lz.LogArchiveAccountID || a.ID == lz.AuditAccountID) {
			// Control Tower is deployed and this is one of its own shared accounts: re-planning a
			// migration halfway through keeps the settings file that created them.
			continue
		}
		if strings.EqualFold(addr, a.Email) {
			v.add(key, fmt.Sprintf("%q is already used by account %s (%s); use an address no AWS account has used", addr, a.ID, a.Name))
			return
		}
	}
}

// FindOU returns the ID of the OU named by an OU ID or a name path ("Workloads/Legacy",
// case-insensitive, as exclude.ous is matched), or "".
func FindOU(ix *inventory.Index, ref string) string {
	if ix.OU(ref) != nil {
		return ref
	}
	want := strings.ToLower(strings.Trim(ref, "/"))
	if want == "" {
		return ""
	}
	for _, ou := range ix.Snapshot().OUs {
		if strings.ToLower(ix.Path(ou.ID)) == want {
			return ou.ID
		}
	}
	return ""
}
