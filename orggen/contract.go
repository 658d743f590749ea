package orggen

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/lz2ct/lz2ct/inventory"
)

// roleOrder is the order discovery tries roles in (docs/discovery.md).
var roleOrder = []string{ControlTowerExecRole, StackSetExecRole, OrgAccessRole}

// CheckContract reports every way a snapshot breaks the rules of docs/discovery.md that a
// discovered snapshot always follows (one regions[] entry per snapshot region enabled for each
// readable account, unreadable accounts with their sts:AssumeRole problem, the derived alz fields, ...).
// Generated and hand-written snapshots must pass it, or they would not survive a round trip
// through the simulator and discovery. Returns nil when the snapshot follows every rule.
func CheckContract(s *inventory.Snapshot) []string {
	var bad []string
	fail := func(format string, a ...any) { bad = append(bad, fmt.Sprintf(format, a...)) }

	if !sort.StringsAreSorted(s.Regions) {
		fail("$.regions is not sorted")
	}
	assumeProblems := map[string]int{}
	for _, p := range s.Problems {
		if p.AccountID != "" && p.Region == "" && p.Service == "sts" && p.Operation == "AssumeRole" {
			assumeProblems[p.AccountID]++
		}
	}
	rootID := ""
	if len(s.Roots) > 0 {
		rootID = s.Roots[0].ID
	}
	for i, a := range s.Accounts {
		p := fmt.Sprintf("$.accounts[%d] (%s)", i, a.ID)
		switch {
		case a.ID == s.Organization.ManagementAccountID:
			if a.AccessRole != "caller" {
				fail("%s: the management account is read as the caller: accessRole %q, want \"caller\"", p, a.AccessRole)
			}
		case a.IAM == nil:
			if a.AccessRole != "" || len(a.Regions) != 0 {
				fail("%s: an unreadable account (iam null) has no accessRole and no regions", p)
			}
			if assumeProblems[a.ID] != 1 {
				fail("%s: an unreadable account needs exactly one problem {accountId, service sts, operation AssumeRole}, found %d", p, assumeProblems[a.ID])
			}
			continue
		default:
			want := ""
			have := map[string]bool{ControlTowerExecRole: a.IAM.ControlTowerExecutionRole, StackSetExecRole: a.IAM.StackSetExecutionRole, OrgAccessRole: a.IAM.OrganizationAccountAccessRole}
			for _, r := range roleOrder {
				if have[r] {
					want = r
					break
				}
			}
			if want == "" {
				fail("%s: iam is set but no role discovery could assume exists: the account would be unreadable", p)
			} else if a.AccessRole != want {
				fail("%s: accessRole %q, but discovery tries roles in order and would use %q", p, a.AccessRole, want)
			}
			if assumeProblems[a.ID] != 0 {
				fail("%s: a readable account has an sts:AssumeRole problem", p)
			}
		}
		if a.IAM == nil {
			fail("%s: iam is null for the management account", p)
		}
		var rs, enabled []string
		for _, r := range a.Regions {
			rs = append(rs, r.Region)
		}
		for _, r := range s.Regions {
			if a.EnabledIn(r) {
				enabled = append(enabled, r)
			}
		}
		if !slices.Equal(rs, enabled) {
			fail("%s: regions %v, want one entry per snapshot region enabled for the account %v", p, rs, enabled)
		}
	}

	full := false
	for _, pol := range s.Policies {
		if pol.ID == FullAWSAccessID {
			full = true
			targets := map[string]bool{}
			for _, t := range pol.Targets {
				targets[t] = true
			}
			if !targets[rootID] {
				fail("FullAWSAccess is not attached to the root")
			}
			for _, ou := range s.OUs {
				if !targets[ou.ID] {
					fail("FullAWSAccess is not attached to OU %s", ou.ID)
				}
			}
			for _, a := range s.Accounts {
				if !targets[a.ID] {
					fail("FullAWSAccess is not attached to account %s", a.ID)
				}
			}
		}
	}
	if !full {
		fail("no FullAWSAccess policy (%s)", FullAWSAccessID)
	}
	if ic := s.IdentityCenter; ic != nil && !slices.Contains(s.Regions, ic.Region) {
		fail("$.identityCenter.region %s is not a snapshot region: discovery only looks in those", ic.Region)
	}

	z := s.ALZ
	if z == nil {
		return bad
	}
	accounts := map[string]*inventory.Account{}
	for i := range s.Accounts {
		accounts[s.Accounts[i].ID] = &s.Accounts[i]
	}
	// homeRegion and version come from the initiation stack.
	var init *inventory.Stack
	for i := range z.Stacks {
		if z.Stacks[i].IsInitiation() {
			init = &z.Stacks[i]
		}
	}
	if init == nil {
		fail("$.alz: no initiation stack (SO0044)")
	} else {
		if init.Region != z.HomeRegion {
			fail("$.alz.homeRegion %s, but the initiation stack is in %s", z.HomeRegion, init.Region)
		}
		if init.Outputs["LandingZoneSolutionVersion"] != z.Version {
			fail("$.alz.version %q, but the initiation stack says %q", z.Version, init.Outputs["LandingZoneSolutionVersion"])
		}
	}
	union := map[string]bool{}
	for i, ss := range z.StackSets {
		if !strings.HasPrefix(ss.Name, "AWS-Landing-Zone-") {
			fail("$.alz.stackSets[%d]: %s is not an ALZ StackSet name", i, ss.Name)
		}
		for _, in := range ss.Instances {
			union[in.Region] = true
			if accounts[in.AccountID] == nil {
				fail("$.alz.stackSets[%d] (%s): instance in unknown account %s", i, ss.Name, in.AccountID)
			}
			if !slices.Contains(s.Regions, in.Region) {
				fail("$.alz.stackSets[%d] (%s): instance in %s, which is not a snapshot region", i, ss.Name, in.Region)
			}
		}
	}
	var manifest []string
	for r := range union {
		manifest = append(manifest, r)
	}
	sort.Strings(manifest)
	if !slices.Equal(manifest, z.ManifestRegions) {
		fail("$.alz.manifestRegions %v, want the union of the StackSet instance regions %v", z.ManifestRegions, manifest)
	}
	core := ""
	for _, ou := range s.OUs {
		if ou.ParentID == rootID && strings.EqualFold(ou.Name, "core") {
			core = ou.ID
		}
	}
	if z.CoreOUID != core {
		fail("$.alz.coreOuId %q, want the root-level OU named core (%q)", z.CoreOUID, core)
	}
	derived := map[string]string{}
	for _, a := range s.Accounts {
		if core == "" || a.ParentID != core {
			continue
		}
		switch a.Name {
		case "security":
			derived["security"] = a.ID
		case "log-archive", "logging":
			derived["logArchive"] = a.ID
		case "shared-services":
			derived["sharedServices"] = a.ID
		}
	}
	for field, got := range map[string]string{"security": z.SecurityAccountID, "logArchive": z.LogArchiveAccountID, "sharedServices": z.SharedServicesAccountID} {
		if got != derived[field] {
			fail("$.alz.%sAccountId %q, want %q (the core OU account named by the ALZ convention)", field, got, derived[field])
		}
	}
	products := map[string]bool{}
	for _, p := range z.Products {
		products[p.ID] = true
	}
	for i, pp := range z.ProvisionedProducts {
		if !products[pp.ProductID] {
			fail("$.alz.provisionedProducts[%d]: product %s is not an ALZ product", i, pp.ProductID)
		}
	}
	for i, p := range z.Portfolios {
		if !strings.HasPrefix(p.Name, "AWS Landing Zone") {
			fail("$.alz.portfolios[%d]: %q does not start with \"AWS Landing Zone\"", i, p.Name)
		}
	}
	return bad
}
