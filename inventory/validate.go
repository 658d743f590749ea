package inventory

import (
	"fmt"
	"regexp"
	"strings"
)

// Identifier patterns, from the Organizations API reference.
var (
	orgIDPattern     = regexp.MustCompile(`^o-[a-z0-9]{10,32}$`)
	rootIDPattern    = regexp.MustCompile(`^r-[0-9a-z]{4,32}$`)
	ouIDPattern      = regexp.MustCompile(`^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$`)
	accountIDPattern = regexp.MustCompile(`^\d{12}$`)
	policyIDPattern  = regexp.MustCompile(`^p-[0-9a-zA-Z_]{8,128}$`)
	regionPattern    = regexp.MustCompile(`^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$`)
	vpcIDPattern     = regexp.MustCompile(`^vpc-[0-9a-f]{8,17}$`)
	eniIDPattern     = regexp.MustCompile(`^eni-[0-9a-f]{8,17}$`)

	// EmailPattern is the account e-mail pattern of Organizations (CreateAccount, Account.Email).
	EmailPattern = regexp.MustCompile(`^[^\s@]+@[^\s@]+\.[^\s@]+$`)
	// ControlTowerEmailPattern is the stricter pattern Control Tower's Account Factory enforces
	// (AWS Control Tower user guide, common-eg-failures).
	ControlTowerEmailPattern = regexp.MustCompile(`^[A-Z0-9a-z._%+-]+@[A-Za-z0-9.-]+[.]+[A-Za-z]+$`)
)

// IsAccountID reports whether s is a 12-digit AWS account ID.
func IsAccountID(s string) bool { return isAccountID(s) }

// IsRegion reports whether s looks like an AWS region name (e.g. eu-west-1, us-gov-west-1).
func IsRegion(s string) bool { return isRegion(s) }

// The patterns above, as plain loops for what Validate checks once per account, region and stack
// instance: the regexp engine was most of Validate's time on large organizations. The patterns
// stay the published form (the JSON Schema); a test holds the two in step.

// isAccountID matches accountIDPattern.
func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isHexID matches vpcIDPattern (prefix "vpc-") and eniIDPattern ("eni-"): the prefix, then 8 to
// 17 lowercase hexadecimal digits. Every region of every account lists its VPCs and their network
// interfaces: the regexps were a tenth of reading a 10,000-account snapshot.
func isHexID(s, prefix string) bool {
	hex, ok := strings.CutPrefix(s, prefix)
	if !ok || len(hex) < 8 || len(hex) > 17 {
		return false
	}
	for i := range len(hex) {
		if c := hex[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// isRegion matches regionPattern: ^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$.
func isRegion(s string) bool {
	lower := func(c byte) bool { return 'a' <= c && c <= 'z' }
	if len(s) < 2 || !lower(s[0]) || !lower(s[1]) {
		return false
	}
	rest := s[2:]
	// The optional group, tried with and without (a regexp backtracks the same way).
	if isRegionTail(rest) {
		return true
	}
	switch {
	case len(rest) >= 4 && rest[:4] == "-gov":
		return isRegionTail(rest[4:])
	case len(rest) >= 4 && rest[:4] == "-iso":
		if isRegionTail(rest[4:]) {
			return true
		}
		return len(rest) >= 5 && lower(rest[4]) && isRegionTail(rest[5:])
	}
	return false
}

// isRegionTail matches -[a-z]+-\d{1,2}$.
func isRegionTail(s string) bool {
	if len(s) < 4 || s[0] != '-' {
		return false
	}
	i := 1
	for i < len(s) && 'a' <= s[i] && s[i] <= 'z' {
		i++
	}
	if i == 1 || i >= len(s) || s[i] != '-' {
		return false
	}
	digits := s[i+1:]
	if len(digits) < 1 || len(digits) > 2 {
		return false
	}
	for k := range len(digits) {
		if digits[k] < '0' || digits[k] > '9' {
			return false
		}
	}
	return true
}

// isEmail matches EmailPattern: ^[^\s@]+@[^\s@]+\.[^\s@]+$ (\s is [\t\n\f\r ] in Go's regexp).
func isEmail(s string) bool {
	at := -1
	for i := range len(s) {
		switch s[i] {
		case '\t', '\n', '\f', '\r', ' ':
			return false
		case '@':
			if at >= 0 {
				return false
			}
			at = i
		}
	}
	if at < 1 {
		return false
	}
	domain := s[at+1:]
	// A dot with at least one character on each side.
	return len(domain) >= 3 && strings.IndexByte(domain[1:len(domain)-1], '.') >= 0
}

var accountStatuses = map[string]bool{AccountPendingActivation: true, AccountActive: true, AccountSuspended: true, AccountPendingClosure: true, AccountClosed: true}

// Validate checks the snapshot's internal consistency and returns the first problem as a *PathError.
func Validate(s *Snapshot) error {
	if s.SchemaVersion != SchemaVersion {
		return &PathError{"$.schemaVersion", fmt.Sprintf("unsupported version %d (this lz2ct reads version %d)", s.SchemaVersion, SchemaVersion)}
	}
	for i, r := range s.Regions {
		if !isRegion(r) {
			return &PathError{fmt.Sprintf("$.regions[%d]", i), fmt.Sprintf("%q is not a region name", r)}
		}
	}
	o := s.Organization
	if !orgIDPattern.MatchString(o.ID) {
		return &PathError{"$.organization.id", fmt.Sprintf("%q is not an organization ID (o-...)", o.ID)}
	}
	if o.FeatureSet != "ALL" && o.FeatureSet != "CONSOLIDATED_BILLING" {
		return &PathError{"$.organization.featureSet", fmt.Sprintf("%q: want ALL or CONSOLIDATED_BILLING", o.FeatureSet)}
	}
	if !isAccountID(o.ManagementAccountID) {
		return &PathError{"$.organization.managementAccountId", fmt.Sprintf("%q is not a 12-digit account ID", o.ManagementAccountID)}
	}
	if o.AccountQuota < 0 {
		return &PathError{"$.organization.accountQuota", "must not be negative"}
	}
	if len(s.Roots) == 0 {
		return &PathError{"$.roots", "an organization has one root"}
	}

	parents := map[string]string{} // every root/OU ID -> its JSON path, for duplicate and parent checks
	for i, r := range s.Roots {
		p := fmt.Sprintf("$.roots[%d]", i)
		if !rootIDPattern.MatchString(r.ID) {
			return &PathError{p + ".id", fmt.Sprintf("%q is not a root ID (r-...)", r.ID)}
		}
		if prev, dup := parents[r.ID]; dup {
			return &PathError{p + ".id", fmt.Sprintf("duplicate ID %s (also at %s)", r.ID, prev)}
		}
		parents[r.ID] = p
	}
	for i, ou := range s.OUs {
		p := fmt.Sprintf("$.ous[%d]", i)
		if !ouIDPattern.MatchString(ou.ID) {
			return &PathError{p + ".id", fmt.Sprintf("%q is not an OU ID (ou-...)", ou.ID)}
		}
		if prev, dup := parents[ou.ID]; dup {
			return &PathError{p + ".id", fmt.Sprintf("duplicate ID %s (also at %s)", ou.ID, prev)}
		}
		if strings.TrimSpace(ou.Name) == "" {
			return &PathError{p + ".name", "an OU needs a name"}
		}
		parents[ou.ID] = p
	}
	ouParent := map[string]string{}
	for i, ou := range s.OUs {
		if _, ok := parents[ou.ParentID]; !ok {
			return &PathError{fmt.Sprintf("$.ous[%d].parentId", i), fmt.Sprintf("unknown parent %q (no root or OU has that ID)", ou.ParentID)}
		}
		ouParent[ou.ID] = ou.ParentID
	}
	// Every OU must reach a root; with unique IDs and known parents, failing to means a cycle.
	reaches := map[string]bool{}
	for i, ou := range s.OUs {
		seen := map[string]bool{}
		for id := ou.ID; ; id = ouParent[id] {
			if reaches[id] {
				break
			}
			if _, isOU := ouParent[id]; !isOU { // a root
				break
			}
			if seen[id] {
				return &PathError{fmt.Sprintf("$.ous[%d].parentId", i), fmt.Sprintf("OU %s is its own ancestor (a cycle in the OU tree)", ou.ID)}
			}
			seen[id] = true
		}
		for id := range seen {
			reaches[id] = true
		}
	}

	accounts := map[string]int{} // account ID -> index in $.accounts
	mgmtFound := false
	// JSON paths are formatted only for a problem: one per account and region on every load was
	// most of Validate's time on large organizations.
	for i, a := range s.Accounts {
		p := func(field string) string { return fmt.Sprintf("$.accounts[%d]%s", i, field) }
		if !isAccountID(a.ID) {
			return &PathError{p(".id"), fmt.Sprintf("%q is not a 12-digit account ID", a.ID)}
		}
		if prev, dup := accounts[a.ID]; dup {
			return &PathError{p(".id"), fmt.Sprintf("duplicate account %s (also at $.accounts[%d])", a.ID, prev)}
		}
		accounts[a.ID] = i
		if !isEmail(a.Email) {
			return &PathError{p(".email"), fmt.Sprintf("%q is not a valid e-mail address", a.Email)}
		}
		if !accountStatuses[a.Status] {
			return &PathError{p(".status"), fmt.Sprintf("%q: want PENDING_ACTIVATION, ACTIVE, SUSPENDED, PENDING_CLOSURE or CLOSED", a.Status)}
		}
		if _, ok := parents[a.ParentID]; !ok {
			return &PathError{p(".parentId"), fmt.Sprintf("unknown parent %q (no root or OU has that ID)", a.ParentID)}
		}
		for k, r := range a.Regions {
			if !isRegion(r.Region) {
				return &PathError{p(fmt.Sprintf(".regions[%d].region", k)), fmt.Sprintf("%q is not a region name", r.Region)}
			}
			for _, prev := range a.Regions[:k] { // a handful of regions: no map needed
				if prev.Region == r.Region {
					return &PathError{p(fmt.Sprintf(".regions[%d].region", k)), fmt.Sprintf("region %s listed twice", r.Region)}
				}
			}
			if !a.EnabledIn(r.Region) {
				return &PathError{p(fmt.Sprintf(".regions[%d].region", k)), fmt.Sprintf("%s is an opt-in region the account has not enabled (add it to optInRegions, or drop this entry: nothing can be read there)", r.Region)}
			}
			for v, vpc := range r.VPCs {
				if !isHexID(vpc.ID, "vpc-") {
					return &PathError{p(fmt.Sprintf(".regions[%d].vpcs[%d].id", k, v)), fmt.Sprintf("%q is not a VPC ID (vpc-...)", vpc.ID)}
				}
				for n, ni := range vpc.NetworkInterfaces {
					if !isHexID(ni.ID, "eni-") {
						return &PathError{p(fmt.Sprintf(".regions[%d].vpcs[%d].networkInterfaces[%d].id", k, v, n)), fmt.Sprintf("%q is not a network interface ID (eni-...)", ni.ID)}
					}
				}
			}
		}
		for k, r := range a.OptInRegions {
			if !isRegion(r) {
				return &PathError{p(fmt.Sprintf(".optInRegions[%d]", k)), fmt.Sprintf("%q is not a region name", r)}
			}
		}
		if a.ID == o.ManagementAccountID {
			mgmtFound = true
		}
	}
	if !mgmtFound {
		return &PathError{"$.organization.managementAccountId", fmt.Sprintf("account %s is not in $.accounts", o.ManagementAccountID)}
	}

	policies := map[string]string{}
	for i, pol := range s.Policies {
		p := fmt.Sprintf("$.policies[%d]", i)
		if !policyIDPattern.MatchString(pol.ID) {
			return &PathError{p + ".id", fmt.Sprintf("%q is not a policy ID (p-...)", pol.ID)}
		}
		if prev, dup := policies[pol.ID]; dup {
			return &PathError{p + ".id", fmt.Sprintf("duplicate policy %s (also at %s)", pol.ID, prev)}
		}
		policies[pol.ID] = p
		for k, t := range pol.Targets {
			_, isParent := parents[t]
			_, isAccount := accounts[t]
			if !isParent && !isAccount {
				return &PathError{fmt.Sprintf("%s.targets[%d]", p, k), fmt.Sprintf("unknown target %q (no root, OU or account has that ID)", t)}
			}
		}
	}
	for i, d := range s.DelegatedAdmins {
		if _, ok := accounts[d.AccountID]; !ok {
			return &PathError{fmt.Sprintf("$.delegatedAdmins[%d].accountId", i), fmt.Sprintf("unknown account %q", d.AccountID)}
		}
	}
	if ic := s.IdentityCenter; ic != nil && !isRegion(ic.Region) {
		return &PathError{"$.identityCenter.region", fmt.Sprintf("%q is not a region name", ic.Region)}
	}
	if lz := s.ControlTower.LandingZone; lz != nil {
		if !isRegion(lz.HomeRegion) {
			return &PathError{"$.controlTower.landingZone.homeRegion", fmt.Sprintf("%q is not a region name", lz.HomeRegion)}
		}
		for i, r := range lz.GovernedRegions {
			if !isRegion(r) {
				return &PathError{fmt.Sprintf("$.controlTower.landingZone.governedRegions[%d]", i), fmt.Sprintf("%q is not a region name", r)}
			}
		}
	}
	if z := s.ALZ; z != nil {
		if z.HomeRegion != "" && !isRegion(z.HomeRegion) {
			return &PathError{"$.alz.homeRegion", fmt.Sprintf("%q is not a region name", z.HomeRegion)}
		}
		if z.CoreOUID != "" {
			if _, ok := ouParent[z.CoreOUID]; !ok {
				return &PathError{"$.alz.coreOuId", fmt.Sprintf("unknown OU %q", z.CoreOUID)}
			}
		}
		// In field order (not a map's random order), so the first problem reported is always the same.
		for _, f := range [][2]string{{"securityAccountId", z.SecurityAccountID}, {"logArchiveAccountId", z.LogArchiveAccountID}, {"sharedServicesAccountId", z.SharedServicesAccountID}} {
			if _, ok := accounts[f[1]]; f[1] != "" && !ok {
				return &PathError{"$.alz." + f[0], fmt.Sprintf("unknown account %q", f[1])}
			}
		}
		for i, ss := range z.StackSets {
			for k, in := range ss.Instances {
				if !isAccountID(in.AccountID) {
					return &PathError{fmt.Sprintf("$.alz.stackSets[%d].instances[%d].accountId", i, k), fmt.Sprintf("%q is not a 12-digit account ID", in.AccountID)}
				}
				if !isRegion(in.Region) {
					return &PathError{fmt.Sprintf("$.alz.stackSets[%d].instances[%d].region", i, k), fmt.Sprintf("%q is not a region name", in.Region)}
				}
			}
		}
	}
	return nil
}
