package scope

import (
	"fmt"
	"strings"

	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/settings"
)

// The account limit of a registered OU. AWS states it in terms of the governed regions
// (https://docs.aws.amazon.com/controltower/latest/userguide/region-stackset-limitations.html):
// "With 15 governed Regions, OUs of up to 1000 accounts are supported", "With 16 to 21 governed
// Regions, the maximum supported OU size is in the range of 600-1000 accounts", "With 22 governed
// Regions, OUs of up to 680 accounts are supported", and less beyond; the same page bounds the
// organization by managed accounts × governed regions ≤ 150,000 (MaxAccountRegions). The limits
// page says older OUs of over 300 accounts cannot be registered
// (https://docs.aws.amazon.com/controltower/latest/userguide/limits.html): 300 is the default.
const (
	// MaxOUAccounts is the most accounts any registered OU holds (15 governed regions or fewer).
	MaxOUAccounts = 1000
	// The two figures AWS publishes: 1000 accounts up to 15 regions, 680 at 22.
	fullRegions, fullAccounts = 15, 1000
	lowRegions, lowAccounts   = 22, 680
)

// RegionalOUAccountLimit is the most accounts an OU may hold when it is registered with the given
// number of governed regions: AWS's figures (1000 up to 15 regions, 680 at 22), linear between
// them (within AWS's "600-1000" for 16 to 21), and beyond 22 shrinking as 680 × 22 / regions, the
// bound of stack instances per registration that the page's figures follow.
func RegionalOUAccountLimit(regions int) int {
	switch {
	case regions <= fullRegions:
		return fullAccounts
	case regions <= lowRegions:
		drop := fullAccounts - lowAccounts
		span := lowRegions - fullRegions
		return fullAccounts - ((regions-fullRegions)*drop+span-1)/span
	default:
		return lowAccounts * lowRegions / regions
	}
}

// EffectiveOUAccountLimit is the account limit the plan applies to every OU it registers, and why
// it differs from the requested ouAccountLimit ("" when it does not): the request (default 300),
// clamped to what the governed regions allow.
func EffectiveOUAccountLimit(requested, governedRegions int) (int, string) {
	if requested < 1 {
		requested = settings.DefaultOUAccountLimit
	}
	bound := RegionalOUAccountLimit(governedRegions)
	if requested <= bound {
		return requested, ""
	}
	return bound, fmt.Sprintf("ouAccountLimit %d is above what %d governed regions allow: AWS supports OUs of up to %d accounts with up to %d governed regions and up to %d with %d (region-stackset-limitations), %d here; the plan uses %d",
		requested, governedRegions, fullAccounts, fullRegions, lowAccounts, lowRegions, bound, bound)
}

// IsALZPolicy reports whether an SCP is one of ALZ's own: protect-cloudtrail-config (ALZ up to
// 2.2) or the v2.3+ aws-landing-zone-*-mandatory-preventive-guardrails. They deny the AWS Config
// changes the migration makes; the plan detaches them wave by wave and deletes them at the end.
func IsALZPolicy(p *inventory.Policy) bool {
	n := strings.ToLower(p.Name)
	return n == "protect-cloudtrail-config" ||
		(strings.HasPrefix(n, "aws-landing-zone-") && strings.HasSuffix(n, "mandatory-preventive-guardrails"))
}

// customerSCPs lists the SCPs attached directly to a target that are neither AWS-managed
// (FullAWSAccess, which Organizations attaches to every new OU by itself) nor ALZ's own: the
// policies an OU created next to it must carry to govern its accounts the same way.
func (sc *Scope) customerSCPs(target string) []string {
	var out []string
	for _, id := range sc.Index.PoliciesOn(target) {
		p := sc.Index.Policy(id)
		if p == nil || p.AWSManaged || IsALZPolicy(p) {
			continue
		}
		out = append(out, id)
	}
	return out
}
