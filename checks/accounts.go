package checks

import (
	"fmt"
	"sort"
	"strings"

	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/scope"
	"github.com/lz2ct/lz2ct/words"
)

const (
	srcCommonFailures = "https://docs.aws.amazon.com/controltower/latest/userguide/common-eg-failures.html"
	srcSTSRegions     = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_enable-regions.html"
)

// reservedNames are resources Control Tower creates in every enrolled account; an existing one
// with the same name makes enrollment fail (common-eg-failures.html: SNS topic name conflict).
var reservedNames = map[string]bool{
	"AWS::SNS::Topic/aws-controltower-SecurityNotifications":       true,
	"AWS::SNS::Topic/aws-controltower-AllConfigNotifications":      true,
	"AWS::Logs::LogGroup/aws-controltower/CloudTrailLogs":          true,
	"AWS::CloudTrail::Trail/aws-controltower-BaselineCloudTrail":   true,
	"AWS::Lambda::Function/aws-controltower-NotificationForwarder": true,
	"AWS::IAM::Role/aws-controltower-ConfigRecorderRole":           true,
}

func init() {
	register(Check{
		ID: "account.suspended", Title: "No suspended account in an OU the plan registers",
		Severity: Blocker, Phase: PhaseRegistration,
		Reads:  "accounts[].status (Organizations' account state), ous",
		Why:    "Registering an OU enrolls every account in it, and a suspended (or closing) account cannot be enrolled: the registration fails. Suspended accounts elsewhere are left out of the migration (account.left-out).",
		Source: srcCommonFailures,
		Run:    checkSuspended,
	})
	register(Check{
		ID: "ou.excluded-accounts", Title: "No excluded account in an OU the plan registers",
		Severity: Blocker, Phase: PhaseRegistration,
		Reads:  "settings exclude.accounts, enrollSharedServices; alz (shared accounts); ous",
		Why:    "Registering an OU enrolls every account in it: an account you excluded (or one Control Tower replaces) inside an OU to register would be enrolled anyway, so the plan does not register that OU until the account is moved out or the OU is excluded too.",
		Source: srcRegisterOU,
		Run:    checkExcludedInRegisteredOU,
	})
	register(Check{
		ID: "account.under-root", Title: "Accounts directly under the root are left out",
		Severity: Warning, Phase: PhaseEnrollment,
		Reads:  "accounts[].parentId",
		Why:    "Control Tower enrolls accounts into registered OUs; an account at the organization root has no OU to be enrolled into, so the plan leaves it out: it keeps ALZ's Config and is not governed.",
		Source: srcEnrollPrereq,
		Run: func(in Input) []Finding {
			sc, ix := in.scope(), in.index()
			var out []Finding
			for _, d := range sc.Accounts {
				if d.How != scope.HowLeftOut || !ix.IsRoot(d.ParentID) {
					continue
				}
				a := ix.Account(d.ID)
				out = append(out, Finding{
					Title:       "Account " + a.ID + " (" + a.Name + ") sits directly under the root: the migration leaves it out",
					Subjects:    []Subject{accountSubject(a)},
					Evidence:    []string{"parent " + a.ParentID + " is the organization root"},
					Remediation: "To migrate it, move it into an OU the plan registers (aws organizations move-account), then discover again and re-plan; to leave it alone on purpose, add it to exclude.accounts.",
				})
			}
			return out
		},
	})
	register(Check{
		ID: "account.left-out", Title: "Accounts the migration cannot enroll where they are",
		Severity: Warning, Phase: PhaseEnrollment,
		Reads:  "accounts (state, parentId), ous, controlTower.landingZone, alz.coreOuId, settings sharedServicesOU",
		Why:    "Accounts Control Tower cannot govern where they are (not ACTIVE, under its Security OU, in an OU that is not registered and has no registered ancestor, the Shared Services account without a target OU) are left out: the plan runs without them and they keep ALZ's Config.",
		Source: srcEnrollPrereq,
		Run:    checkLeftOut,
	})
	register(Check{
		ID: "account.execution-role", Title: "AWSControlTowerExecution role in accounts to enroll",
		Severity: Blocker, Phase: PhaseEnrollment,
		Reads:  "accounts[].iam, accounts[].accessRole, policies",
		Why:    "Enrolling an existing account needs the AWSControlTowerExecution role trusting the management account. The plan creates it where it is missing, as the role lz2ct can assume; an SCP that denies creating it blocks that.",
		Source: srcEnrollPrereq,
		Run:    checkExecutionRole,
	})
	register(Check{
		ID: "account.access", Title: "lz2ct could read every account to enroll",
		Severity: Warning, Phase: PhaseEnrollment,
		Reads:  "accounts[].accessRole, accounts[].iam, problems",
		Why:    "An account lz2ct could not read is unknown: Config recorders, roles and name conflicts there are not checked, and the plan cannot prepare it.",
		Source: srcEnrollPrereq,
		Run:    checkAccess,
	})
	register(Check{
		ID: "account.reserved-names", Title: "No resource named like the ones Control Tower creates",
		Severity: Blocker, Phase: PhaseEnrollment,
		Reads:  "accounts[].regions[].reservedNames",
		Why:    "Control Tower creates an SNS topic aws-controltower-SecurityNotifications (and other aws-controltower-* resources) in each enrolled account; an existing one with that name makes enrollment fail.",
		Source: srcCommonFailures,
		Run:    checkReservedNames,
	})
	register(Check{
		ID: "account.sts-disabled", Title: "STS active in every governed region",
		Severity: Blocker, Phase: PhaseEnrollment,
		Reads:  "accounts[].regions[].stsDisabled, settings governedRegions",
		Why:    "Control Tower's StackSets assume roles through the regional STS endpoint of every governed region; enrollment fails in an account where STS is deactivated in one of them.",
		Source: srcSTSRegions,
		Run:    checkSTS,
	})
}

func checkSuspended(in Input) []Finding {
	sc, ix := in.scope(), in.index()
	var out []Finding
	for _, o := range sc.Registered() {
		for _, b := range o.Blocks {
			if b.Excluded {
				continue
			}
			a := ix.Account(b.AccountID)
			out = append(out, Finding{
				Title:    "Account " + a.ID + " (" + a.Name + ") is " + a.Status + " and sits in OU " + o.Path + ", which the plan registers",
				Subjects: []Subject{accountSubject(a), ouSubject(ix, o.ID)},
				Evidence: []string{fmt.Sprintf("state %s, in OU %s (%s)", a.Status, o.Path, o.ID)},
				Remediation: "Registering " + o.Path + " enrolls every account in it and fails on this one: move it to an OU the migration leaves alone " +
					"(e.g. a Suspended OU listed in exclude.ous), or exclude " + o.Path + " (exclude.ous); then discover again and re-plan.",
			})
		}
	}
	return out
}

func checkExcludedInRegisteredOU(in Input) []Finding {
	sc, ix := in.scope(), in.index()
	var out []Finding
	for _, o := range sc.Registered() {
		var subj []Subject
		var ev, names []string
		for _, b := range o.Blocks {
			if !b.Excluded {
				continue
			}
			subj = append(subj, accountSubject(ix.Account(b.AccountID)))
			ev = append(ev, b.AccountID+" ("+b.AccountName+"): "+b.Reason)
			names = append(names, b.AccountID)
		}
		if len(subj) == 0 {
			continue
		}
		out = append(out, Finding{
			Title:    fmt.Sprintf("OU %s holds %s: its registration would enroll %s", o.Path, words.Count(len(subj), "excluded account"), words.Noun(len(subj), "it", "them")),
			Subjects: append([]Subject{ouSubject(ix, o.ID)}, subj...),
			Evidence: ev,
			Remediation: "The plan does not register " + o.Path + " (nor the OUs below it) until this is resolved: move " + listSome(names, 5) +
				" out of it into an OU the migration leaves alone, or exclude " + o.Path + " too (exclude.ous); then discover again and re-plan.",
		})
	}
	return out
}

func checkLeftOut(in Input) []Finding {
	sc, ix := in.scope(), in.index()
	var subj []Subject
	var ev []string
	for _, d := range sc.Accounts {
		if d.How != scope.HowLeftOut || ix.IsRoot(d.ParentID) {
			continue // accounts at the root: account.under-root
		}
		subj = append(subj, accountSubject(ix.Account(d.ID)))
		ev = append(ev, d.ID+" ("+d.Name+"): "+d.Reason)
	}
	if len(subj) == 0 {
		return nil
	}
	if len(ev) > 20 {
		ev = append(ev[:20], fmt.Sprintf("… %d more (subjects lists them all)", len(subj)-20))
	}
	return []Finding{{
		Title:       fmt.Sprintf("%s %s left out of the migration", words.Count(len(subj), "account"), words.Noun(len(subj), "is", "are")),
		Subjects:    subj,
		Evidence:    ev,
		Remediation: "Each line says why and what would include it (usually: move the account into an OU the plan registers, then discover again and re-plan). Left-out accounts keep ALZ's Config and SCPs until decommission.",
	}}
}

func checkExecutionRole(in Input) []Finding {
	sc := in.scope()
	var missing []Subject
	var ids []string
	for _, a := range sc.enroll {
		if a.Status != inventory.AccountActive || a.IAM == nil || a.IAM.ControlTowerExecutionRole {
			continue
		}
		missing = append(missing, accountSubject(a))
		ids = append(ids, a.ID)
	}
	var out []Finding
	if len(missing) > 0 {
		out = append(out, Finding{
			Severity:    Info,
			Title:       fmt.Sprintf("%s %s the AWSControlTowerExecution role; the plan creates it", words.Count(len(missing), "account"), words.Noun(len(missing), "lacks", "lack")),
			Subjects:    missing,
			Evidence:    []string{"accounts: " + listSome(ids, 20)},
			Remediation: "Nothing to do: the plan creates the role (AdministratorAccess, trusting the management account) before enrolling each account.",
			FixedByPlan: true,
		})
	}
	// The plan's role creation is exactly what such an SCP blocks: evaluateProbes marks a finding
	// fixed only when the SCP is ALZ's own, which the plan detaches first.
	return append(out, evaluateProbes(in, []probe{roleCreationProbe})...)
}

func checkAccess(in Input) []Finding {
	sc := in.scope()
	var out []Finding
	for _, a := range sc.enroll {
		if a.Status != inventory.AccountActive {
			continue
		}
		// Problems in regions Control Tower will not govern do not hide anything that matters.
		var probs []inventory.Problem
		for _, p := range sc.Problems(a.ID) {
			if p.Region == "" || sc.IsGoverned(p.Region) {
				probs = append(probs, p)
			}
		}
		if a.AccessRole != "" && a.IAM != nil && len(probs) == 0 {
			continue
		}
		var ev []string
		if a.AccessRole == "" || a.IAM == nil {
			ev = append(ev, fmt.Sprintf("none of %s, %s, %s could be assumed", RoleCTExecution, RoleStackSetExecution, RoleOrganizationAccess))
		}
		for _, p := range probs {
			scope := "whole account"
			if p.Region != "" {
				scope = p.Region
			}
			ev = append(ev, fmt.Sprintf("%s: %s:%s failed (%s) %s", scope, p.Service, p.Operation, p.Code, p.Message))
		}
		title := "Account " + a.ID + " could not be read"
		if a.AccessRole != "" && a.IAM != nil {
			title = "Account " + a.ID + " could only be read in part"
		}
		out = append(out, Finding{
			Title:       title,
			Subjects:    []Subject{accountSubject(a)},
			Evidence:    ev,
			Remediation: "Its state is unknown in that scope. Make OrganizationAccountAccessRole (or AWSControlTowerExecution) assumable from the management account, then discover again.",
		})
	}
	return out
}

func checkReservedNames(in Input) []Finding {
	sc := in.scope()
	var out []Finding
	for _, a := range sc.enroll {
		var ev []string
		// IAM roles are global: discovery records them on the account, the rest per region.
		for _, n := range a.ReservedNames {
			if reservedNames[n.Type+"/"+n.Name] || inventory.IsControlTowerName(n.Type, n.Name) {
				ev = append(ev, fmt.Sprintf("global: %s %s", n.Type, n.Name))
			}
		}
		for i := range a.Regions {
			r := &a.Regions[i]
			for _, n := range r.ReservedNames {
				if reservedNames[n.Type+"/"+n.Name] || inventory.IsControlTowerName(n.Type, n.Name) {
					ev = append(ev, fmt.Sprintf("%s: %s %s", r.Region, n.Type, n.Name))
				}
			}
		}
		if len(ev) == 0 {
			continue
		}
		sort.Strings(ev)
		out = append(out, Finding{
			Title:       "Account " + a.ID + " has resources named like Control Tower's",
			Subjects:    []Subject{accountSubject(a)},
			Evidence:    ev,
			Remediation: "Delete or rename them before enrollment (after checking nothing subscribes to them).",
		})
	}
	return out
}

func checkSTS(in Input) []Finding {
	sc := in.scope()
	var out []Finding
	for _, a := range sc.enroll {
		f, ok := stsDisabledFinding(sc, a)
		if !ok {
			continue
		}
		f.Title = "STS is deactivated in account " + a.ID + " in " + strings.Join(f.regions, ", ")
		f.Remediation = "Activate STS for these regions in the account (IAM console → Account settings → Security Token Service regions)."
		out = append(out, f.Finding)
	}
	return out
}

// stsFinding is a finding about the governed regions where an account's STS is deactivated.
type stsFinding struct {
	Finding
	regions []string
}

// stsDisabledFinding is the evidence and subjects of an account whose STS is deactivated in a
// governed region (ok false: none); the caller titles it and says what to do.
func stsDisabledFinding(sc *scopeView, a *inventory.Account) (stsFinding, bool) {
	var regions []string
	for _, r := range sc.governedRegionsOf(a) {
		if r.STSDisabled {
			regions = append(regions, r.Region)
		}
	}
	if len(regions) == 0 {
		return stsFinding{}, false
	}
	subj := []Subject{accountSubject(a)}
	for _, r := range regions {
		subj = append(subj, Subject{Kind: KindRegion, ID: r})
	}
	return stsFinding{Finding: Finding{Subjects: subj,
		Evidence: []string{"regional STS endpoint answered RegionDisabledException in " + strings.Join(regions, ", ")}}, regions: regions}, true
}
