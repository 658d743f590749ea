package checks

import (
	"fmt"

	"github.com/lz2ct/lz2ct/scope"
	"github.com/lz2ct/lz2ct/words"
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
				rem := "The plan moves its accounts into the nearest registered ancestor OU before that OU's registration (into new OUs next to it when it has no room within the account limit), so a registration covers them; where noMoveOUs forbids that, Account Factory enrolls them there one by one. To keep the structure instead, move the OU up to level 5 or above, or exclude it (exclude.ous)."
				out = append(out, Finding{
					Title:       fmt.Sprintf("OU %s is %d levels deep", o.Path, o.Depth),
					Subjects:    []Subject{ouSubject(ix, o.ID)},
					Evidence:    []string{fmt.Sprintf("depth %d (limit %d), %s directly in it", o.Depth, scope.MaxOUDepth, words.Count(o.Accounts, "account"))},
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
					Evidence:    []string{fmt.Sprintf("%s in its subtree cannot be governed there", words.Count(n, "account"))},
					Remediation: "Move the OU out of the Security OU (organizations move-account / recreate the OU elsewhere) if its accounts should be governed.",
				})
			}
			return out
		},
	})
}

func checkOUAccountLimit(in Input) []Finding {
	sc, ix := in.scope(), in.index()
	// The limit is the scope's (ouAccountLimit clamped to what the governed regions allow): the
	// figure the plan is built on.
	limit := sc.Limit
	var out []Finding
	if sc.LimitNote != "" {
		out = append(out, Finding{
			Title:       fmt.Sprintf("ouAccountLimit %d is above what %d governed regions allow: the plan uses %d", in.Settings.OUAccountLimit, len(sc.governed), limit),
			Severity:    Warning,
			Subjects:    []Subject{{Kind: KindOrganization, ID: in.Snapshot.Organization.ID}},
			Evidence:    []string{sc.LimitNote},
			Remediation: fmt.Sprintf("Set ouAccountLimit to %d or less, or govern fewer regions.", limit),
			Source:      srcRegionLimits,
		})
	}
	for _, o := range sc.OUs {
		if !o.Oversized || o.Created || o.TooDeep || (o.Order == 0 && o.Remedy == "") {
			continue // within the limit, or not registered for another reason
		}
		f := Finding{
			Title:    fmt.Sprintf("OU %s has %d accounts, over the limit of %d per registered OU", o.Path, o.Accounts, limit),
			Subjects: []Subject{ouSubject(ix, o.ID)},
			Evidence: []string{fmt.Sprintf("%s directly in the OU; limit %d (ouAccountLimit %d, governed regions %d)", words.Count(o.Accounts, "account"), limit, in.Settings.OUAccountLimit, len(sc.governed))},
		}
		if o.Order > 0 {
			f.FixedByPlan = true
			f.Remediation = "The plan moves what the OU cannot hold into new OUs it registers (" + o.Remedy + "); raising ouAccountLimit, as far as the governed regions allow, avoids that."
		} else {
			// Not registered: its accounts are left out, which the plan runs without.
			f.Severity = Warning
			f.Title += ", and it is not registered"
			f.Evidence = append(f.Evidence, o.Skip)
			f.Remediation = "To migrate it: " + o.Remedy + "."
		}
		out = append(out, f)
	}
	// The organization-wide bound counts what the scope says Control Tower will govern, the same
	// figure the plan is built on.
	managed, regions := sc.ManagedAccounts(), len(sc.governed)
	if regions > 0 && sc.AccountRegions() > scope.MaxAccountRegions {
		out = append(out, Finding{
			Title:    fmt.Sprintf("%s × %s exceeds Control Tower's bound of %d", words.Count(managed, "managed account"), words.Count(regions, "governed region"), scope.MaxAccountRegions),
			Subjects: []Subject{{Kind: KindOrganization, ID: in.Snapshot.Organization.ID}},
			Evidence: []string{fmt.Sprintf("%d accounts to govern (already governed, to enroll, and the new shared accounts), governed regions %v", managed, sc.governed)},
			Remediation: fmt.Sprintf("Govern fewer regions (at most %d for this organization) or exclude accounts from the migration.",
				scope.MaxAccountRegions/managed),
			Source: srcRegionLimits,
		})
	}
	return out
}
