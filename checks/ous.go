package checks

import (
	"fmt"

	"github.com/lz2ct/lz2ct/scope"
	"github.com/lz2ct/lz2ct/settings"
)

const (
	srcRegisterOU   = "https://docs.aws.amazon.com/controltower/latest/userguide/importing-existing.html"
	srcRegionLimits = "https://docs.aws.amazon.com/controltower/latest/userguide/region-stackset-limitations.html"
)

func init() {
	register(Check{
		ID: "ou.depth", Title: "OUs at most five levels deep",
		Severity: Blocker, Phase: PhaseRegistration,
		Reads:  "ous (parentId chain)",
		Why:    "Control Tower governs OUs up to five levels below the root; deeper OUs cannot be registered and their accounts cannot be enrolled there.",
		Source: srcNestedOUs,
		Run: func(in Input) []Finding {
			sc, ix := in.scope(), in.index()
			var out []Finding
			for _, o := range sc.OUs {
				if !o.TooDeep {
					continue
				}
				rem := "The plan enrolls its accounts one by one into the nearest registered ancestor OU (Account Factory moves them); to keep the structure instead, move the OU up to level 5 or above, or exclude it (exclude.ous)."
				out = append(out, Finding{
					Title:       fmt.Sprintf("OU %s is %d levels deep", o.Path, o.Depth),
					Subjects:    []Subject{ouSubject(ix, o.ID)},
					Evidence:    []string{fmt.Sprintf("depth %d (limit %d), %d accounts directly in it", o.Depth, scope.MaxOUDepth, o.Accounts)},
					Remediation: rem,
					FixedByPlan: true,
				})
			}
			return out
		},
	})
	register(Check{
		ID: "ou.account-limit", Title: "OUs within the registration account limit",
		Severity: Blocker, Phase: PhaseRegistration,
		Reads:  "ous, accounts, settings ouAccountLimit and governedRegions",
		Why:    "One OU registration covers at most the configured number of accounts (300 in AWS's quota page; up to 1000 depending on governed regions), and the whole organization is bound by managed accounts × governed regions ≤ 150,000.",
		Source: srcRegisterOU,
		Run:    checkOUAccountLimit,
	})
	register(Check{
		ID: "ou.under-security", Title: "No OU to migrate under Control Tower's Security OU",
		Severity: Warning, Phase: PhaseRegistration,
		Reads:  "ous, controlTower.landingZone.securityOuName",
		Why:    "Nothing can be registered under Control Tower's Security OU: OUs and accounts there stay ungoverned.",
		Source: srcNestedOUs,
		Run: func(in Input) []Finding {
			sc, ix := in.scope(), in.index()
			if sc.CTSecurityOU() == "" {
				return nil
			}
			var out []Finding
			for _, id := range ix.ChildOUs(sc.CTSecurityOU()) {
				n := ix.SubtreeAccountCount(id)
				out = append(out, Finding{
					Title:       "OU " + ix.Path(id) + " is under Control Tower's Security OU",
					Subjects:    []Subject{ouSubject(ix, id)},
					Evidence:    []string{fmt.Sprintf("%d accounts in its subtree cannot be governed there", n)},
					Remediation: "Move the OU out of the Security OU (organizations move-account / recreate the OU elsewhere) if its accounts should be governed.",
				})
			}
			return out
		},
	})
}

func checkOUAccountLimit(in Input) []Finding {
	sc, ix := in.scope(), in.index()
	limit := in.Settings.OUAccountLimit
	if limit <= 0 {
		limit = settings.DefaultOUAccountLimit
	}
	var out []Finding
	for _, id := range sc.register {
		// Registering an OU enrolls the accounts directly in it; nested OUs are registered one by one.
		n := len(ix.ChildAccounts(id))
		if n <= limit {
			continue
		}
		out = append(out, Finding{
			Title:       fmt.Sprintf("OU %s has %d accounts, over the registration limit of %d", ix.Path(id), n, limit),
			Subjects:    []Subject{ouSubject(ix, id)},
			Evidence:    []string{fmt.Sprintf("%d accounts directly in the OU; ouAccountLimit %d", n, limit)},
			Remediation: "The plan splits the OU (or moves the excess accounts) so that each registration stays within the limit; if your region setup allows it, raising ouAccountLimit (max 1000) avoids that.",
			FixedByPlan: true,
		})
	}
	// The organization-wide bound counts what the scope says Control Tower will govern, the same
	// figure the plan is built on.
	managed, regions := sc.ManagedAccounts(), len(sc.governed)
	if regions > 0 && sc.AccountRegions() > scope.MaxAccountRegions {
		out = append(out, Finding{
			Title:    fmt.Sprintf("%d managed accounts × %d governed regions exceeds Control Tower's bound of %d", managed, regions, scope.MaxAccountRegions),
			Subjects: []Subject{{Kind: KindOrganization, ID: in.Snapshot.Organization.ID}},
			Evidence: []string{fmt.Sprintf("%d accounts to govern (already governed, to enroll, and the new shared accounts), governed regions %v", managed, sc.governed)},
			Remediation: fmt.Sprintf("Govern fewer regions (at most %d for this organization) or exclude accounts from the migration.",
				scope.MaxAccountRegions/managed),
			Source: srcRegionLimits,
		})
	}
	return out
}
