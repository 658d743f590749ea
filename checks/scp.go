package checks

import (
	"fmt"
	"strings"

	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/scope"
)

const (
	srcSCPQuotas = "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html"
	srcCTSCPs    = "https://docs.aws.amazon.com/controltower/latest/userguide/common-eg-failures.html"
	// maxSCPsPerTarget is Organizations' limit of SCPs attached directly to one root, OU or account.
	maxSCPsPerTarget = 5
	// maxSCPSize is the SCP document size limit in characters.
	maxSCPSize = 5120
)

// IsALZPolicy reports whether an SCP is one the AWS Landing Zone solution created:
// protect-cloudtrail-config (up to v2.2) and aws-landing-zone-{core,non-core}-mandatory-preventive-guardrails
// (v2.3+). Both deny the Config changes the migration makes: the plan exports them, detaches them
// from each OU just before its wave and deletes them in decommission, so a finding about one is
// fixed by the plan. The planner uses this same test, so the two never disagree.
func IsALZPolicy(p *inventory.Policy) bool { return scope.IsALZPolicy(p) }

func init() {
	register(Check{
		ID: "scp.count", Title: "Room for Control Tower's SCP on every OU to register",
		Severity: Blocker, Phase: PhaseRegistration,
		Reads:  "policies[].targets, ous",
		Why:    "At most five SCPs can be attached directly to an OU, and Control Tower attaches its own when it registers the OU: registration fails on an OU that already has five.",
		Source: srcCTSCPs,
		Run:    checkSCPCount,
	})
	register(Check{
		ID: "scp.size", Title: "SCP documents within the size limit",
		Severity: Blocker, Phase: PhaseSCP,
		Reads:  "policies[].document",
		Why:    "An SCP document may have at most 5,120 characters; a policy over the limit cannot be updated or merged, which the SCP phase may need to do.",
		Source: srcSCPQuotas,
		Run:    checkSCPSize,
	})
	register(Check{
		ID: "scp.parse", Title: "SCP documents lz2ct can evaluate",
		Severity: Warning, Phase: PhaseSCP,
		Reads:  "policies[].document",
		Why:    "lz2ct evaluates every SCP on the path to each account; one it cannot parse might deny what Control Tower needs, so it is reported as may-deny.",
		Source: "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html",
		Run:    checkSCPParse,
	})
}

func checkSCPCount(in Input) []Finding {
	sc, ix := in.scope(), in.index()
	var out []Finding
	for _, ouID := range sc.register {
		ids := ix.PoliciesOn(ouID)
		if len(ids) < maxSCPsPerTarget {
			continue
		}
		var names []string
		alz := 0
		for _, id := range ids {
			p := ix.Policy(id)
			names = append(names, p.Name+" ("+id+")")
			if IsALZPolicy(p) {
				alz++
			}
		}
		fixed := len(ids)-alz < maxSCPsPerTarget
		rem := "Merge SCPs so that at most four remain attached directly to this OU (Control Tower attaches its own on registration), then discover again and re-plan: until then the plan does not register it, nor the OUs below it."
		if fixed {
			rem = fmt.Sprintf("The plan detaches ALZ's %d SCP(s) from this OU before registering it, which leaves room.", alz)
		}
		out = append(out, Finding{
			Title:       fmt.Sprintf("OU %s has %d SCPs attached: no room for Control Tower's", ix.Path(ouID), len(ids)),
			Subjects:    []Subject{ouSubject(ix, ouID)},
			Evidence:    []string{"attached: " + strings.Join(names, ", ")},
			Remediation: rem,
			FixedByPlan: fixed,
		})
	}
	return out
}

func checkSCPSize(in Input) []Finding {
	var out []Finding
	for i := range in.Snapshot.Policies {
		p := &in.Snapshot.Policies[i]
		if p.AWSManaged || p.Size() <= maxSCPSize {
			continue
		}
		out = append(out, Finding{
			Title:       "SCP " + p.Name + " is over the size limit",
			Subjects:    []Subject{policySubject(p)},
			Evidence:    []string{fmt.Sprintf("%d characters, limit %d", p.Size(), maxSCPSize)},
			Remediation: "Shorten it (remove Sids and whitespace, use wildcards for actions with a common prefix) or split it.",
			FixedByPlan: IsALZPolicy(p),
			// Only ALZ's own SCPs are changed by the plan (detached, then deleted); a customer SCP
			// over the limit blocks nothing the plan does, but cannot be edited or merged later.
			Severity: map[bool]Severity{true: Blocker, false: Warning}[IsALZPolicy(p)],
		})
	}
	return out
}

func checkSCPParse(in Input) []Finding {
	var out []Finding
	for i := range in.Snapshot.Policies {
		p := &in.Snapshot.Policies[i]
		if _, err := ParsePolicy(p.Document); err != nil {
			out = append(out, Finding{
				Title:       "SCP " + p.Name + " cannot be evaluated",
				Subjects:    []Subject{policySubject(p)},
				Evidence:    []string{err.Error()},
				Remediation: "Review it by hand for statements that deny Control Tower's roles (AWSControlTowerExecution, AWSCloudFormationStackSetExecutionRole).",
			})
		}
	}
	return out
}
