package checks

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/scope"
	"github.com/lz2ct/lz2ct/words"
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
			rem = fmt.Sprintf("The plan detaches ALZ's %s from this OU before registering it, which leaves room.", words.Noun(alz, "SCP"))
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

func init() {
	register(Check{
		ID: "scp.moved-accounts", Title: "Accounts the plan moves stay under their SCPs",
		Severity: Blocker, Phase: PhaseEnrollment,
		Reads: "policies (documents, targets), ous, accounts, settings noMoveOUs and sharedServicesOU",
		Why: "An SCP applies to an account through the account itself, its OU and every ancestor. An account moved up out of an OU too deep to register — by the plan, or by Account Factory when it enrolls it into another OU — leaves the SCPs attached to the OUs it leaves. " +
			"The plan carries them: on the new OU it moves the account into, else on the account itself. Where neither fits within five SCPs per target (or an SCP is an allow-list, which next to FullAWSAccess would allow everything), the account is not moved and its enrollment waits until the SCPs are merged.",
		Source: srcSCPInheritance,
		Run:    checkMovedAccounts,
	})
}

const srcSCPInheritance = "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_inheritance_auth.html"

func checkMovedAccounts(in Input) []Finding {
	sc, ix := in.scope(), in.index()
	var blocked, carried []Subject
	var blockedEv, carriedEv []string
	pols := map[string]bool{}
	for _, d := range sc.Accounts {
		if len(d.LeavesSCPs) == 0 {
			continue
		}
		a := ix.Account(d.ID)
		switch {
		case d.SCPsBlock != "" && d.Covered():
			blocked = append(blocked, accountSubject(a))
			blockedEv = append(blockedEv, d.ID+" ("+d.Name+"): "+d.SCPsBlock)
			for _, p := range d.LeavesSCPs {
				pols[p] = true
			}
		case d.SCPsBlock == "":
			where := "its new OU"
			if len(d.AttachSCPs) > 0 {
				where = "the account itself"
			}
			carried = append(carried, accountSubject(a))
			carriedEv = append(carriedEv, fmt.Sprintf("%s (%s): %s, attached to %s", d.ID, d.Name, sc.PolicyNames(d.LeavesSCPs), where))
		}
		// An account whose SCPs cannot be carried and which is left out anyway (no room left):
		// account.left-out says so.
	}
	var out []Finding
	if len(blocked) > 0 {
		subj := blocked
		for _, id := range slices.Sorted(maps.Keys(pols)) {
			subj = append(subj, policySubject(ix.Policy(id)))
		}
		out = append(out, Finding{
			Title:    fmt.Sprintf("%s cannot move without leaving SCPs behind", words.Count(len(blocked), "account")),
			Subjects: subj,
			Evidence: cut(blockedEv, 20),
			Remediation: "Merge the SCPs each line names into fewer policies (or attach them to an OU above the one the account moves into, if every account there may have them), then discover again and re-plan. " +
				"Until then the plan does not move these accounts, and their enrollment is blocked.",
		})
	}
	if len(carried) > 0 {
		out = append(out, Finding{
			Severity:    Info,
			Title:       fmt.Sprintf("%s keep the SCPs of the OUs they leave: the plan attaches them", words.Count(len(carried), "moved account")),
			Subjects:    carried,
			Evidence:    cut(carriedEv, 20),
			Remediation: "Nothing to do: before each move (or Account Factory's move at enrollment) the plan attaches these SCPs to the account's new OU, or to the account itself where the OU cannot carry them.",
			FixedByPlan: true,
		})
	}
	return out
}

// cut keeps the first n evidence lines and says how many more the subjects list.
func cut(ev []string, n int) []string {
	if len(ev) <= n {
		return ev
	}
	return append(ev[:n:n], fmt.Sprintf("… %d more (subjects lists them all)", len(ev)-n))
}
