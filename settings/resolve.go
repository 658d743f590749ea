package settings

import (
	"slices"
	"sort"
	"strings"

	"github.com/lz2ct/lz2ct/inventory"
)

// Default account names Control Tower gives the two shared accounts it creates.
const (
	DefaultLogArchiveAccountName = "Log Archive"
	DefaultAuditAccountName      = "Audit"
)

// Decommission step names, in the reference's order (docs/settings.md). The planner emits the
// steps of the names in Decommission.Steps, group by group in this order. (Disabling ALZ's pipeline
// transition is not among them: the plan always does it first, in phase 0.)
const (
	DecomProvisionedProducts = "provisioned-products"
	DecomPortfolios          = "portfolios"
	DecomProducts            = "products"
	DecomAVMStacks           = "avm-stacks"
	DecomStacks              = "stacks"
	DecomStackSets           = "stacksets"
	DecomLogBuckets          = "log-buckets"
	DecomConfigBuckets       = "configuration-buckets"
	DecomInitiationStack     = "initiation-stack"
	DecomCoreOU              = "core-ou"
	DecomSCPs                = "scps"
	DecomSSMParameters       = "ssm-parameters"
	DecomKMSAlias            = "kms-alias"
	DecomCloseAccounts       = "close-accounts"
)

// DecommissionSteps lists every decommission step name in execution order.
var DecommissionSteps = []string{
	DecomProvisionedProducts, DecomPortfolios, DecomProducts, DecomAVMStacks,
	DecomStacks, DecomStackSets, DecomLogBuckets, DecomConfigBuckets, DecomInitiationStack,
	DecomCoreOU, DecomSCPs, DecomSSMParameters, DecomKMSAlias, DecomCloseAccounts,
}

// Resolve returns s with every unset field filled from the organization:
//   - homeRegion: the landing zone's home region if Control Tower is already deployed, else the IAM
//     Identity Center region (CT must be deployed there), else ALZ's home region;
//   - governedRegions: the existing landing zone's governed regions, else the regions ALZ's
//     manifest deployed to; plus the home region;
//   - ctDeploy api, sharedAccounts new, configRemoval stackset, ouAccountLimit 300, accountConcurrency 1,
//     stackSetConcurrency 100, sessionHours 8;
//   - account names "Log Archive" and "Audit"; enrollSharedServices true;
//   - decommission.steps: every step but account closure (closure only with closeOldAccounts).
//
// The e-mails have no default: they must be addresses never used by any AWS account — except with
// sharedAccounts: existing, where they are the e-mails of ALZ's Log Archive and Security accounts.
func (s Settings) Resolve(snap *inventory.Snapshot) Settings {
	r := s
	r.GovernedRegions = append([]string(nil), s.GovernedRegions...)
	if r.HomeRegion == "" && snap != nil {
		switch {
		case snap.ControlTower.LandingZone != nil && snap.ControlTower.LandingZone.HomeRegion != "":
			r.HomeRegion = snap.ControlTower.LandingZone.HomeRegion
		case snap.IdentityCenter != nil && snap.IdentityCenter.Region != "":
			r.HomeRegion = snap.IdentityCenter.Region
		case snap.ALZ != nil:
			r.HomeRegion = snap.ALZ.HomeRegion
		}
	}
	if len(r.GovernedRegions) == 0 && snap != nil {
		if lz := snap.ControlTower.LandingZone; lz != nil && len(lz.GovernedRegions) > 0 {
			// Control Tower is already deployed: its landing zone decides what is governed.
			r.GovernedRegions = append(r.GovernedRegions, lz.GovernedRegions...)
		} else if snap.ALZ != nil {
			r.GovernedRegions = append(r.GovernedRegions, snap.ALZ.ManifestRegions...)
			if len(snap.ALZ.ManifestRegions) == 0 && snap.ALZ.HomeRegion != "" {
				r.GovernedRegions = append(r.GovernedRegions, snap.ALZ.HomeRegion)
			}
		}
		if r.HomeRegion != "" {
			r.GovernedRegions = append(r.GovernedRegions, r.HomeRegion)
		}
	}
	r.GovernedRegions = sortedUnique(r.GovernedRegions)
	if r.LogArchiveAccountName == "" {
		r.LogArchiveAccountName = DefaultLogArchiveAccountName
	}
	if r.AuditAccountName == "" {
		r.AuditAccountName = DefaultAuditAccountName
	}
	if r.CTDeploy == "" {
		r.CTDeploy = CTDeployAPI
	}
	if r.SharedAccounts == "" {
		r.SharedAccounts = SharedAccountsNew
	}
	if r.BringsExistingAccounts() && snap != nil && snap.ALZ != nil {
		// The accounts keep their e-mails: the console asks for them, and the plan identifies
		// the accounts by them after a console set-up.
		ix := inventory.NewIndex(snap)
		if a := ix.Account(snap.ALZ.LogArchiveAccountID); a != nil && r.LogArchiveEmail == "" {
			r.LogArchiveEmail = a.Email
		}
		if a := ix.Account(snap.ALZ.SecurityAccountID); a != nil && r.AuditEmail == "" {
			r.AuditEmail = a.Email
		}
	}
	if r.ConfigRemoval == "" {
		r.ConfigRemoval = ConfigRemovalStackSet
	}
	if r.OUAccountLimit == 0 {
		r.OUAccountLimit = DefaultOUAccountLimit
	}
	if r.AccountConcurrency == 0 {
		r.AccountConcurrency = DefaultAccountConcurrency
	}
	if r.StackSetConcurrency == 0 {
		r.StackSetConcurrency = DefaultStackSetConcurrency
	}
	if r.SessionHours == 0 {
		r.SessionHours = DefaultSessionHours
	}
	if r.EnrollSharedServices == nil {
		t := true
		r.EnrollSharedServices = &t
	}
	r.Exclude.OUs = append([]string(nil), s.Exclude.OUs...)
	r.Exclude.Accounts = append([]string(nil), s.Exclude.Accounts...)
	r.NoMoveOUs = append([]string(nil), s.NoMoveOUs...)
	steps := append([]string(nil), s.Decommission.Steps...)
	if len(steps) == 0 {
		for _, st := range DecommissionSteps[:len(DecommissionSteps)-1] {
			// Deleting ALZ's log buckets loses audit history: by default only once the logs are
			// copied (copyLogs); listing log-buckets in decommission.steps is the explicit "don't keep them".
			// With sharedAccounts: existing nothing is copied: the logs stay in the Log Archive account.
			if st == DecomLogBuckets && (!s.Decommission.CopyLogs || s.SharedAccounts == SharedAccountsExisting) {
				continue
			}
			steps = append(steps, st)
		}
	}
	if s.Decommission.CloseOldAccounts && !slices.Contains(steps, DecomCloseAccounts) {
		steps = append(steps, DecomCloseAccounts)
	}
	r.Decommission.Steps = canonicalDecomOrder(steps)
	if r.Decommission.CopyLogsMaxGiB == 0 {
		r.Decommission.CopyLogsMaxGiB = DefaultCopyLogsMaxGiB
	}
	if s.Decommission.KeepStackSets == nil {
		// Unset: keep the StackSets that build workload networks (the baseline VPCs), as the
		// reference asks; an explicit list, even an empty one, is taken as given.
		var keep []string
		if snap != nil && snap.ALZ != nil {
			for _, ss := range snap.ALZ.StackSets {
				if DefaultKeptStackSet(ss.Name) {
					keep = append(keep, ss.Name)
				}
			}
		}
		r.Decommission.KeepStackSets = sortedUnique(keep)
	} else {
		r.Decommission.KeepStackSets = append([]string{}, sortedUnique(s.Decommission.KeepStackSets)...)
	}
	return r
}

// DefaultKeptStackSet reports whether an ALZ StackSet is kept by default: those that deploy VPCs
// (AWS-Landing-Zone-Baseline-PrimaryVPC, AWS-Landing-Zone-SharedServicesAccountVPC), since
// workloads run in them (reference, step 6: "Do not remove ... the base line infrastructure ...
// such as VPC").
func DefaultKeptStackSet(name string) bool {
	return strings.HasPrefix(name, "AWS-Landing-Zone-") && strings.HasSuffix(strings.ToUpper(name), "VPC")
}

// BringsExistingAccounts reports whether ALZ's Log Archive and Security accounts become Control
// Tower's Log Archive and Audit accounts (sharedAccounts: existing).
func (s Settings) BringsExistingAccounts() bool { return s.SharedAccounts == SharedAccountsExisting }

// SharedServicesEnrolled reports the resolved enrollSharedServices decision (true when unset).
func (s Settings) SharedServicesEnrolled() bool {
	return s.EnrollSharedServices == nil || *s.EnrollSharedServices
}

// Decommissions reports whether the decommission step name is included.
func (s Settings) Decommissions(name string) bool { return slices.Contains(s.Decommission.Steps, name) }

// KeepsStackSet reports whether the user chose to keep the named StackSet (case-insensitive).
func (s Settings) KeepsStackSet(name string) bool {
	for _, k := range s.Decommission.KeepStackSets {
		if strings.EqualFold(k, name) {
			return true
		}
	}
	return false
}

// ExcludedOU reports whether the OU is excluded, by its ID or its name path ("Workloads/Legacy"),
// directly or through an excluded ancestor: an OU below an excluded one cannot be registered,
// since Control Tower registers parents first.
func (s Settings) ExcludedOU(ix *inventory.Index, ouID string) (excluded bool, by string) {
	return matchOU(s.Exclude.OUs, ix, ouID, false)
}

// NoMoves reports whether noMoveOUs forbids moving the accounts of an OU: it, or an ancestor, is
// listed (by ID or name path), or the list holds "*".
func (s Settings) NoMoves(ix *inventory.Index, ouID string) (forbidden bool, by string) {
	return matchOU(s.NoMoveOUs, ix, ouID, true)
}

// AllOUs is the noMoveOUs entry that names every OU.
const AllOUs = "*"

// matchOU finds the entry of list (OU IDs or name paths) that names the OU or one of its ancestors.
func matchOU(list []string, ix *inventory.Index, ouID string, star bool) (bool, string) {
	if len(list) == 0 {
		return false, ""
	}
	for _, e := range list {
		if star && e == AllOUs && ix.OU(ouID) != nil {
			return true, e
		}
	}
	for id := ouID; ix.OU(id) != nil; id = ix.Parent(id) {
		for _, e := range list {
			if e == id || strings.EqualFold(strings.Trim(e, "/"), ix.Path(id)) {
				return true, e
			}
		}
	}
	return false, ""
}

// ExcludedAccount reports whether the account ID is listed in exclude.accounts.
func (s Settings) ExcludedAccount(id string) bool { return slices.Contains(s.Exclude.Accounts, id) }

func canonicalDecomOrder(steps []string) []string {
	rank := map[string]int{}
	for i, n := range DecommissionSteps {
		rank[n] = i + 1
	}
	out := sortedUnique(steps)
	sort.SliceStable(out, func(i, j int) bool {
		ri, rj := rank[out[i]], rank[out[j]]
		if ri == 0 {
			ri = len(DecommissionSteps) + 1 // unknown names last; Validate reports them
		}
		if rj == 0 {
			rj = len(DecommissionSteps) + 1
		}
		return ri < rj
	})
	return out
}

func sortedUnique(in []string) []string {
	if len(in) == 0 {
		return nil
	}
	in = append([]string(nil), in...) // never reorder the caller's slice
	sort.Strings(in)
	out := in[:0]
	for i, v := range in {
		if v == "" || (i > 0 && v == in[i-1]) {
			continue
		}
		out = append(out, v)
	}
	return out
}
