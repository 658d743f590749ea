package plans

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/settings"
)

// Phases 5 (shared accounts) and 6 (decommission).

// ---- phase 5: shared accounts ----

func (b *builder) shared() {
	alz := b.snap.ALZ
	if alz == nil {
		return
	}
	if alz.SecurityAccountID != "" {
		b.add(5, Step{ID: "shared/security-tooling", Kind: KindManual, Manual: true, DependsOn: []string{b.deployStep},
			Title:    "Move security tooling and alerting from ALZ's Security account " + alz.SecurityAccountID + " to the new " + b.s.AuditAccountName + " account",
			Why:      "Control Tower creates a new Audit account and cannot adopt ALZ's; GuardDuty, Security Hub, third-party tools and SNS alert subscriptions must move (reference, step 5)",
			Target:   Target{AccountID: alz.SecurityAccountID},
			Guard:    "the new Audit account exists (landing zone deployed)",
			Expected: "delegated administrators and alert subscriptions point at the Audit account", EstimateSeconds: 60 * 60})
	}
	if alz.LogArchiveAccountID != "" {
		title := "Copy the ALZ logs you keep from " + alz.LogArchiveAccountID + " to a new bucket in the " + b.s.LogArchiveAccountName + " account, and move log consumers"
		if !b.s.Decommission.CopyLogs {
			title = "Move log analytics off ALZ's Log Archive account " + alz.LogArchiveAccountID + " (the old logs are not copied: decommission.copyLogs is false)"
		}
		b.add(5, Step{ID: "shared/log-archive", Kind: KindManual, Manual: true, DependsOn: []string{b.deployStep},
			Title:    title,
			Why:      "Control Tower creates a new Log Archive account; its own log bucket does not accept other writers, so old logs go to a separate bucket (reference, step 5)",
			Target:   Target{AccountID: alz.LogArchiveAccountID},
			CLI:      []string{"aws s3 sync s3://<aws-landing-zone-logs bucket> s3://<new bucket in the Log Archive account>"},
			Guard:    "the destination bucket is not Control Tower's aws-controltower-logs-* bucket",
			Expected: "the copy is complete and log consumers read from the new account", EstimateSeconds: 60 * 60})
	}
}

// ---- phase 6: decommission ----

func (b *builder) decommission() {
	alz := b.snap.ALZ
	if alz == nil {
		return
	}
	// Decommission starts after every registration, enrollment and shared-account step.
	prev := []string{b.deployStep, b.lastOUReg}
	for _, ph := range []int{4, 5} {
		for _, st := range b.phases[ph] {
			if st.Kind == KindEnroll || st.Kind == KindManual {
				prev = append(prev, st.ID)
			}
		}
	}
	// One verify step gathers them, so the decommission steps depend on it alone (a 10,000-account
	// plan would otherwise repeat every enrollment in every first-group step).
	prev = []string{b.add(6, Step{ID: "decommission/ready", Kind: KindVerify, DependsOn: uniqueSorted(prev),
		Title:    "Confirm the migration is complete before removing ALZ",
		Why:      "decommission removes what ALZ-managed accounts may still rely on; every OU registration, enrollment and shared-account task must be done first (reference, step 6)",
		Guard:    "every planned registration and enrollment succeeded; resources moved off ALZ's shared accounts",
		Expected: "Control Tower shows every planned OU registered and account enrolled"})}
	// The groups run in the reference's order (the pipeline must not redeploy what later steps
	// delete; products before the stacks they made, stacks before StackSets, ...). Within a group
	// the steps act on independent resources and may run side by side; a verify step closes a
	// group of several, and the next group waits for it.
	var group []string
	chain := func(st Step) {
		st.DependsOn = uniqueSorted(append(st.DependsOn, prev...))
		if st.Kind == "" {
			st.Kind = KindDecommission
		}
		st.Destructive = st.Destructive || st.Kind == KindDecommission
		group = append(group, b.add(6, st))
	}
	reg := b.alzReg
	for _, name := range b.s.Decommission.Steps {
		group = nil
		b.decommissionGroup(name, alz, reg, chain)
		switch len(group) {
		case 0:
		case 1:
			prev = group
		default:
			prev = []string{b.add(6, Step{ID: "decommission/" + name, Kind: KindVerify, DependsOn: group,
				Title:    fmt.Sprintf("Confirm the %d %s steps are done", len(group), name),
				Why:      "the next decommission step starts only when this group is complete",
				Expected: "every step of the group succeeded"})}
		}
	}
}

// decommissionGroup adds the steps of one decommission step name through chain.
func (b *builder) decommissionGroup(name string, alz *inventory.ALZ, reg string, chain func(Step)) {
	{
		switch name {
		case "pipeline-transition":
			if p := alz.Pipeline; p != nil && len(p.Stages) > 1 {
				chain(Step{ID: "decommission/pipeline-transition", Kind: KindDecommission,
					Title:    "Disable the transition into " + p.Stages[1] + " of pipeline " + p.Name,
					Why:      "stops a change in the ALZ source from redeploying what the next steps remove (reference, step 6)",
					Target:   Target{Region: p.Region, Resource: p.Name},
					CLI:      []string{fmt.Sprintf("aws codepipeline disable-stage-transition --pipeline-name %s --stage-name %s --transition-type Inbound --reason %q --region %s", p.Name, p.Stages[1], "ALZ decommission (lz2ct)", p.Region)},
					Guard:    "every account migrated; no pipeline execution in progress",
					Expected: "the transition shows as disabled",
					Rollback: fmt.Sprintf("aws codepipeline enable-stage-transition --pipeline-name %s --stage-name %s --transition-type Inbound --region %s", p.Name, p.Stages[1], p.Region)})
			}
		case settings.DecomProvisionedProducts:
			for _, pp := range alz.ProvisionedProducts {
				if !strings.HasPrefix(pp.Name, "lz_core_") {
					continue // AVM products of member accounts and add-ons are left alone (reference, step 6)
				}
				id := "decommission/provisioned-product/" + pp.ID
				chain(Step{ID: id, Title: "Terminate provisioned product " + pp.Name,
					Why:      "ALZ's core provisioned products are replaced by Control Tower",
					Target:   Target{Region: reg, Resource: pp.ID},
					CLI:      []string{"aws servicecatalog terminate-provisioned-product --provisioned-product-id " + pp.ID + " --terminate-token " + token(id) + " --region " + reg},
					Guard:    "not used by workloads; status AVAILABLE or TAINTED",
					Expected: "the provisioned product is gone"})
			}
		case settings.DecomPortfolios:
			for _, pf := range alz.Portfolios {
				var cli []string
				for _, c := range pf.ConstraintIDs {
					cli = append(cli, "aws servicecatalog delete-constraint --id "+c+" --region "+reg)
				}
				for _, pr := range pf.PrincipalARNs {
					cli = append(cli, "aws servicecatalog disassociate-principal-from-portfolio --portfolio-id "+pf.ID+" --principal-arn "+pr+" --region "+reg)
				}
				for _, pd := range pf.ProductIDs {
					cli = append(cli, "aws servicecatalog disassociate-product-from-portfolio --product-id "+pd+" --portfolio-id "+pf.ID+" --region "+reg)
				}
				cli = append(cli, "aws servicecatalog delete-portfolio --id "+pf.ID+" --region "+reg)
				deps := []string{}
				if b.has("safeguard/portfolios") {
					deps = append(deps, "safeguard/portfolios")
				}
				chain(Step{ID: "decommission/portfolio/" + pf.ID, DependsOn: deps,
					Title:    "Empty and delete portfolio " + pf.Name,
					Why:      "constraints, principals and products must go before a portfolio can be deleted (reference, step 6)",
					Target:   Target{Region: reg, Resource: pf.ID},
					CLI:      cli,
					Guard:    "it is not Control Tower's Account Factory portfolio; definition exported",
					Expected: "the portfolio is gone"})
			}
		case settings.DecomProducts:
			for _, pd := range alz.Products {
				chain(Step{ID: "decommission/product/" + pd.ID, Title: "Delete product " + pd.Name,
					Why:      "ALZ's products (the Account Vending Machine) are replaced by Account Factory",
					Target:   Target{Region: reg, Resource: pd.ID},
					CLI:      []string{"aws servicecatalog delete-product --id " + pd.ID + " --region " + reg},
					Guard:    "no provisioned product of it is still in use; not a Control Tower product",
					Expected: "the product is gone"})
			}
		case settings.DecomAVMStacks, settings.DecomStacks:
			for _, st := range alz.Stacks {
				if st.IsInitiation() || st.IsAVM() != (name == settings.DecomAVMStacks) {
					continue
				}
				chain(Step{ID: "decommission/stack/" + st.Region + "/" + st.Name, Title: "Delete stack " + st.Name,
					Why:      "leftover ALZ stack (the initiation stack goes later)",
					Target:   Target{Region: st.Region, Resource: st.Name},
					CLI:      []string{"aws cloudformation delete-stack --stack-name " + st.Name + " --region " + st.Region},
					Guard:    "its resources are not baseline infrastructure used by workloads",
					Expected: "DELETE_COMPLETE"})
			}
		case settings.DecomStackSets:
			for _, ss := range alz.StackSets {
				if b.s.KeepsStackSet(ss.Name) || ss.Status == "DELETED" {
					continue
				}
				id := "decommission/stackset/" + ss.Name
				// Instances in accounts the migration leaves alone (excluded, blocked) are only
				// detached from the StackSet (--retain-stacks): their resources stay. Instances the
				// Config waves already deleted are not listed again.
				del, keep := map[string]map[string]bool{}, map[string]map[string]bool{}
				remaining := 0
				for _, in := range ss.Instances {
					if b.ecDeleted[in.AccountID+"|"+in.Region] && ss.Name == EnableConfigStackSet {
						continue
					}
					remaining++
					m := del
					if b.retain[in.AccountID] {
						m = keep
					}
					if m[in.AccountID] == nil {
						m[in.AccountID] = map[string]bool{}
					}
					m[in.AccountID][in.Region] = true
				}
				var cli []string
				for _, g := range []struct {
					m    map[string]map[string]bool
					flag string
				}{{del, "--no-retain-stacks"}, {keep, "--retain-stacks"}} {
					for _, grp := range groupByRegions(g.m) {
						op := token(id + "/" + g.flag + "/" + strings.Join(grp.regions, ","))
						cli = append(cli, fmt.Sprintf("aws cloudformation delete-stack-instances --stack-set-name %s --accounts %s --regions %s %s --operation-id %s --region %s",
							ss.Name, strings.Join(grp.accounts, " "), strings.Join(grp.regions, " "), g.flag, op, reg))
					}
				}
				cli = append(cli, "aws cloudformation delete-stack-set --stack-set-name "+ss.Name+" --region "+reg)
				why := "unused ALZ StackSet; StackSets whose resources workloads use (e.g. the baseline VPC) are kept via decommission.keepStackSets"
				if len(keep) > 0 {
					why += fmt.Sprintf("; the stacks of %d excluded or blocked accounts are retained (--retain-stacks)", len(keep))
				}
				chain(Step{ID: id, DependsOn: []string{"safeguard/stackset/" + ss.Name},
					Title:    fmt.Sprintf("Delete StackSet %s (%d remaining instances)", ss.Name, remaining),
					Why:      why,
					Target:   Target{Region: reg, Resource: ss.Name},
					CLI:      cli,
					Guard:    "its resources are not used by workloads; template exported",
					Expected: "no instances left; the StackSet is gone", EstimateSeconds: 10 * 60})
			}
		case settings.DecomLogBuckets, settings.DecomConfigBuckets:
			for _, bk := range alz.Buckets {
				isLog := strings.HasPrefix(bk.Name, "aws-landing-zone-logs-") || strings.HasPrefix(bk.Name, "aws-landing-zone-s3-access-logs")
				if isLog != (name == settings.DecomLogBuckets) {
					continue
				}
				guard := "nothing writes to it any more"
				var deps []string
				if isLog {
					if b.s.Decommission.CopyLogs {
						guard = "the logs were copied (shared/log-archive done)"
						if b.has("shared/log-archive") {
							deps = append(deps, "shared/log-archive")
						}
					} else {
						guard = "you chose not to keep the ALZ logs (decommission.copyLogs: false)"
					}
				} else if b.has("safeguard/manifest") {
					deps = append(deps, "safeguard/manifest")
				}
				prof := ""
				if bk.AccountID != "" && bk.AccountID != b.mgmt {
					prof = " --profile " + bk.AccountID
				}
				chain(Step{ID: "decommission/bucket/" + bk.Name, DependsOn: deps, Title: "Delete bucket " + bk.Name,
					Why:      "ALZ bucket no longer used (reference, step 6)",
					Target:   Target{AccountID: bk.AccountID, Region: bk.Region, Resource: bk.Name},
					CLI:      []string{"aws s3 rb s3://" + bk.Name + " --force" + prof},
					Guard:    guard + "; versioned buckets need their object versions deleted first",
					Expected: "the bucket is gone"})
			}
		case settings.DecomInitiationStack:
			for _, st := range alz.Stacks {
				if !st.IsInitiation() {
					continue
				}
				chain(Step{ID: "decommission/initiation-stack", Title: "Delete the ALZ initiation stack " + st.Name,
					Why:    "the last ALZ stack; keep the AWSCloudFormationStackSetExecutionRole if any ALZ StackSet is kept",
					Target: Target{Region: st.Region, Resource: st.Name},
					CLI: []string{"aws cloudformation update-termination-protection --no-enable-termination-protection --stack-name " + st.Name + " --region " + st.Region,
						"aws cloudformation delete-stack --stack-name " + st.Name + " --region " + st.Region},
					Guard:    "every other ALZ stack and StackSet chosen for deletion is gone",
					Expected: "DELETE_COMPLETE (retry after deleting resources that block it by hand)"})
			}
		case settings.DecomCoreOU:
			if alz.CoreOUID != "" && b.ix.OU(alz.CoreOUID) != nil {
				chain(Step{ID: "decommission/core-ou", Title: "Delete ALZ's core OU " + b.ix.Path(alz.CoreOUID),
					Why:      "ALZ's core OU is not used by Control Tower (reference, step 6); never delete an OU Control Tower created",
					Target:   Target{OUID: alz.CoreOUID},
					CLI:      []string{"aws organizations delete-organizational-unit --organizational-unit-id " + alz.CoreOUID},
					Guard:    "the OU is empty: no accounts (move the old Security/Log Archive and Shared Services accounts out first) and no child OUs",
					Expected: "the OU is gone", Rollback: "aws organizations create-organizational-unit (SCP attachments from the safeguard export)"})
			}
		case settings.DecomSCPs:
			for _, pid := range b.alzPolicies {
				p := b.ix.Policy(pid)
				var cli []string
				for _, t := range p.Targets {
					if !b.detached[pid+"|"+t] {
						cli = append(cli, "aws organizations detach-policy --policy-id "+pid+" --target-id "+t)
					}
				}
				cli = append(cli, "aws organizations delete-policy --policy-id "+pid)
				chain(Step{ID: "decommission/scp/" + pid, DependsOn: []string{"safeguard/scp/" + pid},
					Title:    "Delete ALZ SCP " + p.Name,
					Why:      "detached wave by wave already; deleted only now so a rollback could re-attach it",
					Target:   Target{Resource: pid},
					CLI:      cli,
					Guard:    "exported in safeguard; attached nowhere else",
					Expected: "the policy is gone", Rollback: "aws organizations create-policy from the export"})
			}
		case settings.DecomSSMParameters:
			byRegion := map[string][]string{}
			for _, p := range alz.SSMParameters {
				byRegion[p.Region] = append(byRegion[p.Region], p.Name)
			}
			var cli []string
			for _, r := range slices.Sorted(maps.Keys(byRegion)) {
				names := byRegion[r]
				sort.Strings(names)
				for i := 0; i < len(names); i += 10 { // DeleteParameters takes at most 10 names
					cli = append(cli, "aws ssm delete-parameters --names "+strings.Join(names[i:min(i+10, len(names))], " ")+" --region "+r)
				}
			}
			if len(cli) > 0 {
				chain(Step{ID: "decommission/ssm-parameters", DependsOn: []string{"safeguard/ssm-parameters"},
					Title:    fmt.Sprintf("Delete %d landing zone SSM parameters", len(alz.SSMParameters)),
					Why:      "ALZ's /org/ parameters are not used by Control Tower (reference, step 6)",
					Target:   Target{Region: reg, Resource: "/org/"},
					CLI:      cli,
					Guard:    "exported in safeguard; no tool still reads them",
					Expected: "aws ssm get-parameters-by-path --path /org/ --recursive returns nothing"})
			}
		case settings.DecomKMSAlias:
			for _, k := range alz.KMSAliases {
				chain(Step{ID: "decommission/kms-alias/" + k.Region + "/" + strings.TrimPrefix(k.Name, "alias/"),
					Title:    "Delete KMS alias " + k.Name + " in " + k.Region,
					Why:      "the landing zone KMS key should be gone; the alias may remain (reference, step 6)",
					Target:   Target{Region: k.Region, Resource: k.Name},
					CLI:      []string{"aws kms delete-alias --alias-name " + k.Name + " --region " + k.Region},
					Guard:    "nothing encrypts with the key any more",
					Expected: "the alias is gone"})
			}
		case settings.DecomCloseAccounts:
			for _, id := range []string{alz.LogArchiveAccountID, alz.SecurityAccountID} {
				if id == "" || b.ix.Account(id) == nil {
					continue
				}
				chain(Step{ID: "decommission/close-account/" + id, Manual: true,
					Title:    "Close ALZ's old account " + id + " (" + b.ix.Account(id).Name + ")",
					Why:      "closed last, only because decommission.closeOldAccounts was chosen; logs and tooling moved in phase 5",
					Target:   Target{AccountID: id},
					CLI:      []string{"aws organizations close-account --account-id " + id},
					Guard:    "phase 5 done; the organization ID typed to confirm",
					Expected: "status PENDING_CLOSURE then SUSPENDED", Rollback: "reopen within 90 days through AWS Support"})
			}
		}
	}
}

type regionGroup struct{ accounts, regions []string }

// groupByRegions groups accounts that have instances in the same set of regions, so each
// DeleteStackInstances call (accounts × regions) names only instances that exist.
func groupByRegions(m map[string]map[string]bool) []regionGroup {
	byKey := map[string]*regionGroup{}
	var order []string
	for acct, regs := range m {
		rs := slices.Sorted(maps.Keys(regs))
		k := strings.Join(rs, " ")
		g := byKey[k]
		if g == nil {
			g = &regionGroup{regions: rs}
			byKey[k] = g
			order = append(order, k)
		}
		g.accounts = append(g.accounts, acct)
	}
	sort.Strings(order)
	out := make([]regionGroup, 0, len(order))
	for _, k := range order {
		g := byKey[k]
		sort.Strings(g.accounts)
		out = append(out, *g)
	}
	return out
}
