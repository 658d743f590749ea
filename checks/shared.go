package checks

import (
	"fmt"
	"sort"
	"strings"

	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/words"
)

// Pre-checks for sharedAccounts: existing — bringing ALZ's Log Archive and Security accounts into
// Control Tower as its Log Archive and Audit accounts at the first set-up. Control Tower checks an
// existing account before it accepts it: no AWS Config resources, no resources with the names it
// creates (its logging buckets, for example), STS enabled, not suspended, and permission to
// provision resources in it; the set-up fails otherwise. They run only with that choice, before a
// landing zone exists.
const (
	srcExistingAccounts = "https://docs.aws.amazon.com/controltower/latest/userguide/accounts.html"
	srcStepOne          = "https://docs.aws.amazon.com/controltower/latest/userguide/step-one.html"
	// srcReservedBuckets lists the bucket names Control Tower reserves in the logging account.
	srcReservedBuckets = "https://docs.aws.amazon.com/controltower/latest/userguide/known-issues-decommissioning.html"
)

func init() {
	register(Check{
		ID: "shared.existing-accounts", Title: "ALZ's Log Archive and Security accounts can be brought into Control Tower",
		Severity: Blocker, Phase: PhaseDeploy,
		Reads:  "settings sharedAccounts; alz.logArchiveAccountId, alz.securityAccountId; accounts[].status",
		Why:    "With sharedAccounts: existing, the landing zone takes ALZ's Log Archive and Security accounts as its Log Archive and Audit accounts. Control Tower refuses a suspended (or closing) account, and both must be ACTIVE members of the organization.",
		Source: srcExistingAccounts,
		Run:    checkExistingAccounts,
	})
	register(Check{
		ID: "shared.existing-config", Title: "No AWS Config resources in the accounts brought into Control Tower",
		Severity: Blocker, Phase: PhaseDeploy,
		Reads:  "settings sharedAccounts, governedRegions; accounts[].regions[].configRecorders, deliveryChannels, configAggregators (of ALZ's Log Archive and Security accounts)",
		Why:    "An existing account must not have AWS Config resources when Control Tower takes it as a shared account. The plan removes ALZ's own recorder and delivery channel from both accounts before the set-up; a recorder, channel or aggregator of anyone else needs a decision.",
		Source: srcStepOne,
		Run:    checkExistingConfig,
	})
	register(Check{
		ID: "shared.existing-names", Title: "No resources named as Control Tower's in the accounts brought into Control Tower",
		Severity: Blocker, Phase: PhaseDeploy,
		Reads:  "settings sharedAccounts; accounts[].reservedNames, accounts[].regions[].reservedNames, alz.buckets (of ALZ's Log Archive and Security accounts)",
		Why:    "Control Tower creates its logging buckets (aws-controltower-logs-<account>-<region>, aws-controltower-s3-access-logs-<account>-<region>), trail, SNS topics, log groups and roles (aws-controltower-*) in its shared accounts; an existing resource with such a name makes the set-up fail.",
		Source: srcReservedBuckets,
		Run:    checkExistingNames,
	})
	register(Check{
		ID: "shared.existing-sts", Title: "STS active in every governed region of the accounts brought into Control Tower",
		Severity: Blocker, Phase: PhaseDeploy,
		Reads:  "settings sharedAccounts, governedRegions; accounts[].regions[].stsDisabled (of ALZ's Log Archive and Security accounts)",
		Why:    "Control Tower validates that an existing shared account can provision resources, which needs AWS STS enabled in every governed region.",
		Source: srcExistingAccounts,
		Run:    checkExistingSTS,
	})
	register(Check{
		ID: "shared.existing-access", Title: "Control Tower can provision in the accounts brought into Control Tower",
		Severity: Blocker, Phase: PhaseDeploy,
		Reads: "settings sharedAccounts; accounts[].iam, accounts[].accessRole, policies (of ALZ's Log Archive and Security accounts)",
		Why: "Control Tower needs permission to provision resources in an existing shared account: AWSControlTowerExecution trusting the management account, which the plan creates where it is missing (as the role lz2ct reads the account with), " +
			"and no SCP on the account's path that denies what that role does.",
		Source: srcExistingAccounts,
		Run:    checkExistingAccess,
	})
}

// broughtAccounts are ALZ's Log Archive and Security accounts when sharedAccounts: existing brings
// them into a landing zone that does not exist yet, with their labels; nil otherwise.
func broughtAccounts(in Input) (accts []*inventory.Account, labels []string) {
	if !in.Settings.BringsExistingAccounts() || in.Snapshot.ControlTower.LandingZone != nil || in.Snapshot.ALZ == nil {
		return nil, nil
	}
	ix := in.index()
	for _, c := range []struct{ id, label string }{
		{in.Snapshot.ALZ.LogArchiveAccountID, "Log Archive"},
		{in.Snapshot.ALZ.SecurityAccountID, "Security"},
	} {
		if a := ix.Account(c.id); a != nil {
			accts = append(accts, a)
			labels = append(labels, c.label)
		}
	}
	return accts, labels
}

func checkExistingAccounts(in Input) []Finding {
	if !in.Settings.BringsExistingAccounts() || in.Snapshot.ControlTower.LandingZone != nil {
		return nil
	}
	org := Subject{Kind: KindOrganization, ID: in.Snapshot.Organization.ID}
	alz := in.Snapshot.ALZ
	if alz == nil {
		alz = &inventory.ALZ{}
	}
	ix := in.index()
	var out []Finding
	for _, c := range []struct{ id, label, role string }{
		{alz.LogArchiveAccountID, "Log Archive", "Log Archive"},
		{alz.SecurityAccountID, "Security", "Audit"},
	} {
		a := ix.Account(c.id)
		switch {
		case a == nil:
			out = append(out, Finding{
				Title:       "ALZ's " + c.label + " account is unknown: it cannot become Control Tower's " + c.role + " account",
				Subjects:    []Subject{org},
				Evidence:    []string{"discovery identified no ALZ " + c.label + " account (alz." + map[string]string{"Log Archive": "logArchiveAccountId", "Security": "securityAccountId"}[c.label] + " is empty or not an account of the organization)"},
				Remediation: "Discover again with access to ALZ's initiation stack, or set sharedAccounts to new (Control Tower then creates two new accounts).",
			})
		case a.Status != inventory.AccountActive:
			out = append(out, Finding{
				Title:       fmt.Sprintf("ALZ's %s account %s is %s: Control Tower cannot take it as its %s account", c.label, a.ID, a.Status, c.role),
				Subjects:    []Subject{accountSubject(a)},
				Evidence:    []string{"state " + a.Status},
				Remediation: "Control Tower refuses a suspended or closing account: set sharedAccounts to new, or reopen the account through AWS Support first.",
			})
		case a.ID == in.Snapshot.Organization.ManagementAccountID:
			out = append(out, Finding{
				Title:       "ALZ's " + c.label + " account is the management account",
				Subjects:    []Subject{accountSubject(a)},
				Evidence:    []string{"account " + a.ID + " is the organization's management account"},
				Remediation: "The management account cannot be one of Control Tower's shared accounts: set sharedAccounts to new.",
			})
		}
	}
	if alz.LogArchiveAccountID != "" && alz.LogArchiveAccountID == alz.SecurityAccountID {
		out = append(out, Finding{
			Title:       "ALZ's Log Archive and Security accounts are the same account",
			Subjects:    []Subject{{Kind: KindAccount, ID: alz.LogArchiveAccountID}},
			Evidence:    []string{"both are " + alz.LogArchiveAccountID},
			Remediation: "Control Tower's Log Archive and Audit accounts must be two accounts: set sharedAccounts to new.",
		})
	}
	return out
}

func checkExistingConfig(in Input) []Finding {
	accts, labels := broughtAccounts(in)
	sc := in.scope()
	var out []Finding
	for i, a := range accts {
		var alzParts, other []string
		for _, r := range sc.governedRegionsOf(a) {
			for _, rec := range r.ConfigRecorders {
				switch {
				case rec.ServiceLinked:
				case isALZRecorder(rec.Name):
					alzParts = append(alzParts, r.Region+": recorder "+rec.Name)
				default:
					other = append(other, fmt.Sprintf("%s: recorder %s (recording %t) — aws configservice stop-configuration-recorder --configuration-recorder-name %s && aws configservice delete-configuration-recorder --configuration-recorder-name %s --region %s",
						r.Region, rec.Name, rec.Recording, rec.Name, rec.Name, r.Region))
				}
			}
			for _, ch := range r.DeliveryChannels {
				if isALZChannel(ch.Name) {
					alzParts = append(alzParts, r.Region+": delivery channel "+ch.Name)
					continue
				}
				other = append(other, fmt.Sprintf("%s: delivery channel %s — aws configservice delete-delivery-channel --delivery-channel-name %s --region %s", r.Region, ch.Name, ch.Name, r.Region))
			}
			for _, ag := range r.ConfigAggregators {
				other = append(other, fmt.Sprintf("%s: aggregator %s — aws configservice delete-configuration-aggregator --configuration-aggregator-name %s --region %s", r.Region, ag, ag, r.Region))
			}
		}
		if len(alzParts) > 0 {
			out = append(out, Finding{
				Title:       fmt.Sprintf("ALZ's %s account %s has ALZ's AWS Config recorder and delivery channel; the plan removes them before the set-up", labels[i], a.ID),
				Subjects:    []Subject{accountSubject(a)},
				Evidence:    alzParts,
				Remediation: "Nothing to do: before creating the landing zone the plan detaches ALZ's SCPs from the account's path and removes ALZ's recorder and delivery channel in every governed region.",
				FixedByPlan: true,
			})
		}
		if len(other) > 0 {
			out = append(out, Finding{
				Title:       fmt.Sprintf("ALZ's %s account %s has AWS Config resources that are not ALZ's", labels[i], a.ID),
				Subjects:    []Subject{accountSubject(a)},
				Evidence:    other,
				Remediation: "Control Tower takes an existing account only without AWS Config resources: delete them (each line gives the command, run in the account) once nothing depends on them, then discover again — or set sharedAccounts to new.",
			})
		}
	}
	return out
}

// reservedBuckets are the buckets Control Tower creates in its logging account, by account and
// home region (known-issues-decommissioning.html).
func reservedBuckets(account, region string) []string {
	return []string{"aws-controltower-logs-" + account + "-" + region, "aws-controltower-s3-access-logs-" + account + "-" + region}
}

func checkExistingNames(in Input) []Finding {
	accts, labels := broughtAccounts(in)
	var out []Finding
	for i, a := range accts {
		var ev []string
		for _, n := range a.ReservedNames {
			if strings.HasPrefix(n.Name, "aws-controltower") || reservedNames[n.Type+"/"+n.Name] {
				ev = append(ev, "account-wide: "+n.Type+" "+n.Name)
			}
		}
		for _, r := range a.Regions {
			for _, n := range r.ReservedNames {
				if strings.HasPrefix(n.Name, "aws-controltower") || strings.HasPrefix(n.Name, "/aws/lambda/aws-controltower-") || reservedNames[n.Type+"/"+n.Name] {
					ev = append(ev, r.Region+": "+n.Type+" "+n.Name)
				}
			}
		}
		if labels[i] == "Log Archive" {
			reserved := map[string]bool{}
			for _, r := range in.Settings.GovernedRegions {
				for _, b := range reservedBuckets(a.ID, r) {
					reserved[b] = true
				}
			}
			if in.Snapshot.ALZ != nil {
				for _, b := range in.Snapshot.ALZ.Buckets {
					if reserved[b.Name] || strings.HasPrefix(b.Name, "aws-controltower-") {
						ev = append(ev, b.Region+": bucket "+b.Name)
					}
				}
			}
		}
		if len(ev) == 0 {
			continue
		}
		sort.Strings(ev)
		out = append(out, Finding{
			Title:       fmt.Sprintf("ALZ's %s account %s has %s named as Control Tower's", labels[i], a.ID, words.Count(len(ev), "resource")),
			Subjects:    []Subject{accountSubject(a)},
			Evidence:    ev,
			Remediation: "Control Tower creates resources with these names when it sets up its shared accounts, and the set-up fails while they exist: delete or rename them (after checking nothing uses them), then discover again — or set sharedAccounts to new.",
		})
	}
	return out
}

func checkExistingSTS(in Input) []Finding {
	accts, labels := broughtAccounts(in)
	sc := in.scope()
	var out []Finding
	for i, a := range accts {
		f, ok := stsDisabledFinding(sc, a)
		if !ok {
			continue
		}
		f.Title = fmt.Sprintf("STS is deactivated in ALZ's %s account %s in %s", labels[i], a.ID, strings.Join(f.regions, ", "))
		f.Remediation = "Activate STS for these regions in the account (IAM console → Account settings → Security Token Service regions), then discover again."
		f.Source = srcSTSRegions
		out = append(out, f.Finding)
	}
	return out
}

// sharedSetupProbe: what Control Tower does in a shared account as it sets the landing zone up
// (its baseline stacks, roles, AWS Config, SNS topics, and — in the Log Archive account — the
// logging buckets), as AWSControlTowerExecution.
var sharedSetupProbe = probe{
	group: "ct-shared-setup", purpose: "what Control Tower does in its shared accounts at set-up", phase: PhaseDeploy,
	role: fixedRole(RoleCTExecution),
	actions: []string{
		"config:PutConfigurationRecorder", "config:PutDeliveryChannel", "config:StartConfigurationRecorder",
		"cloudformation:CreateStack", "iam:CreateRole", "iam:AttachRolePolicy", "sns:CreateTopic", "lambda:CreateFunction", "s3:CreateBucket",
	},
}

func checkExistingAccess(in Input) []Finding {
	accts, labels := broughtAccounts(in)
	var out []Finding
	var probed []*inventory.Account
	for i, a := range accts {
		if a.Status != inventory.AccountActive {
			continue // shared.existing-accounts
		}
		probed = append(probed, a)
		switch {
		case a.IAM == nil || a.AccessRole == "":
			out = append(out, Finding{
				Title:       fmt.Sprintf("lz2ct could not read ALZ's %s account %s: whether Control Tower can provision in it is unknown", labels[i], a.ID),
				Subjects:    []Subject{accountSubject(a)},
				Evidence:    []string{fmt.Sprintf("none of %s, %s, %s could be assumed", RoleCTExecution, RoleStackSetExecution, RoleOrganizationAccess)},
				Remediation: "Make OrganizationAccountAccessRole (or AWSControlTowerExecution) assumable from the management account, then discover again: the plan creates AWSControlTowerExecution there and removes ALZ's Config first.",
			})
		case !a.IAM.ControlTowerExecutionRole:
			out = append(out, Finding{
				Severity:    Info,
				Title:       fmt.Sprintf("ALZ's %s account %s lacks AWSControlTowerExecution; the plan creates it before the set-up", labels[i], a.ID),
				Subjects:    []Subject{accountSubject(a)},
				Evidence:    []string{"no role " + RoleCTExecution + "; lz2ct reads the account as " + a.AccessRole},
				Remediation: "Nothing to do: the plan creates the role (AdministratorAccess, trusting the management account) as " + a.AccessRole + " before creating the landing zone.",
				FixedByPlan: true,
			})
		}
	}
	return append(out, evaluateProbesFor(in, []probe{sharedSetupProbe}, probed)...)
}
