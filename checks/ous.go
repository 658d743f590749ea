package checks

import (
	"fmt"

	"github.com/lz2ct/lz2ct/settings"
)

const (
	srcRegisterOU   = "https://docs.aws.amazon.com/controltower/latest/userguide/importing-existing.html"
	srcRegionLimits = "https://docs.aws.amazon.com/controltower/latest/userguide/region-stackset-limitations.html"
	// maxOUDepth is how deep Control Tower governs nested OUs (nested-ous.html).
	maxOUDepth = 5
	// maxAccountRegions bounds managed accounts × governed regions for the whole organization
	// (region-stackset-limitations.html).
	maxAccountRegions = 150000
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
			for _, id := range sc.register {
				d := ix.Depth(id)
				if d <= maxOUDepth {
					continue
				}
				out = append(out, Finding{
					Title:       fmt.Sprintf("OU %s is %d levels deep", ix.Path(id), d),
					Subjects:    []Subject{ouSubject(ix, id)},
					Evidence:    []string{fmt.Sprintf("depth %d (limit %d), %d accounts directly in it", d, maxOUDepth, len(ix.ChildAccounts(id)))},
					Remediation: "The plan enrolls its accounts into the nearest registrable ancestor OU; to keep the structure instead, move the OU up to level 5 or above, or exclude it (exclude.ous).",
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
			if sc.ctSecurityOU == "" {
				return nil
			}
			var out []Finding
			for _, id := range ix.ChildOUs(sc.ctSecurityOU) {
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
	managed := len(sc.enroll)
	for _, a := range in.Snapshot.Accounts {
		if a.ID == sc.mgmtID || ix.IsEnrolled(a.ID) {
			managed++ // the management account and already-enrolled accounts are governed too
		}
	}
	if lz := in.Snapshot.ControlTower.LandingZone; lz == nil {
		managed += 2 // the Log Archive and Audit accounts Control Tower will create
	}
	regions := len(sc.governed)
	if regions > 0 && managed*regions > maxAccountRegions {
		out = append(out, Finding{
			Title:    fmt.Sprintf("%d managed accounts × %d governed regions exceeds Control Tower's bound of %d", managed, regions, maxAccountRegions),
			Subjects: []Subject{{Kind: KindOrganization, ID: in.Snapshot.Organization.ID}},
			Evidence: []string{fmt.Sprintf("%d accounts to govern, governed regions %v", managed, sc.governed)},
			Remediation: fmt.Sprintf("Govern fewer regions (at most %d for this organization) or exclude accounts from the migration.",
				maxAccountRegions/managed),
			Source: srcRegionLimits,
		})
	}
	return out
}
