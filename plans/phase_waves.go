package plans

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/lz2ct/lz2ct/checks"
	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/settings"
)

// Phases 2–4: per-wave SCP detaches, Config removal, registrations and the enrollment queue.

// ---- phases 2–4: waves ----

// detachALZ schedules the detaching of ALZ's SCPs from the targets that affect the given accounts
// (the accounts, their OUs and every ancestor up to the root), skipping what an earlier wave detached.
func (b *builder) detachALZ(wave int, targets []string, gate []string) []string {
	var out []string
	for _, t := range targets {
		for _, pid := range b.ix.PoliciesOn(t) {
			p := b.ix.Policy(pid)
			if p == nil || !checks.IsALZPolicy(p) || b.detached[pid+"|"+t] {
				continue
			}
			b.detached[pid+"|"+t] = true
			out = append(out, b.add(2, Step{ID: "scp.detach/" + pid + "/" + t, Kind: KindSCPDetach, Wave: wave, Destructive: true,
				Title:     fmt.Sprintf("Detach ALZ SCP %s from %s", p.Name, b.describe(t)),
				Why:       "ALZ's SCP denies the AWS Config changes that Config removal and enrollment make; it is detached just before this wave and deleted in decommission",
				Target:    b.targetOf(t, pid),
				DependsOn: uniqueSorted(append([]string{"safeguard/scp/" + pid}, gate...)),
				CLI:       []string{"aws organizations detach-policy --policy-id " + pid + " --target-id " + t},
				Guard:     "the policy export (safeguard/scp/" + pid + ") exists in the state folder",
				Expected:  "the policy is no longer in aws organizations list-policies-for-target --target-id " + t + " --filter SERVICE_CONTROL_POLICY",
				Rollback:  "aws organizations attach-policy --policy-id " + pid + " --target-id " + t}))
		}
	}
	return out
}

func (b *builder) targetOf(id, resource string) Target {
	switch {
	case b.ix.OU(id) != nil:
		return Target{OUID: id, Resource: resource}
	case b.ix.Account(id) != nil:
		return Target{AccountID: id, Resource: resource}
	}
	return Target{Resource: resource + "@" + id}
}

func (b *builder) describe(id string) string {
	switch {
	case b.ix.IsRoot(id):
		return "the root " + id
	case b.ix.OU(id) != nil:
		return "OU " + b.ix.Path(id) + " (" + id + ")"
	case b.ix.Account(id) != nil:
		return "account " + id + " (" + b.ix.Account(id).Name + ")"
	}
	return id
}

// policyTargets lists the root, every ancestor OU, the OU and the accounts, root first.
func (b *builder) policyTargets(ouID string, accounts []string) []string {
	anc := b.ix.Ancestors(ouID)
	var out []string
	for i := len(anc) - 1; i >= 0; i-- {
		out = append(out, anc[i])
	}
	if ouID != "" && b.ix.OU(ouID) != nil {
		out = append(out, ouID)
	}
	return append(out, accounts...)
}

// configRegions returns the governed regions where an account has ALZ Config to remove: regions
// with a recorder (not service-linked) or a delivery channel, regions with an EnableConfig stack
// instance, and — when discovery could not read the account — every governed region (the step's
// guard then finds nothing to do where nothing is).
func (b *builder) configRegions(a *inventory.Account) (direct, stackset []string) {
	gov := map[string]bool{}
	for _, r := range b.s.GovernedRegions {
		gov[r] = true
	}
	inst := map[string]bool{}
	if b.s.ConfigRemoval == settings.ConfigRemovalStackSet {
		for _, r := range b.enableConfigInstances()[a.ID] {
			if gov[r] {
				inst[r] = true
			}
		}
	}
	found := map[string]bool{}
	for _, r := range a.Regions {
		if !gov[r.Region] {
			continue
		}
		has := len(r.DeliveryChannels) > 0
		for _, rec := range r.ConfigRecorders {
			if !rec.ServiceLinked {
				has = true
			}
		}
		if has {
			found[r.Region] = true
		}
	}
	if len(a.Regions) == 0 && len(inst) == 0 {
		for r := range gov {
			found[r] = true
		}
	}
	for r := range inst {
		stackset = append(stackset, r)
	}
	for r := range found {
		if !inst[r] {
			direct = append(direct, r)
		}
	}
	sort.Strings(direct)
	sort.Strings(stackset)
	return direct, stackset
}

// enableConfigInstances indexes the EnableConfig StackSet's instances by account (regions), once.
func (b *builder) enableConfigInstances() map[string][]string {
	if b.ecInstances != nil {
		return b.ecInstances
	}
	b.ecInstances = map[string][]string{}
	if b.snap.ALZ != nil {
		for _, ss := range b.snap.ALZ.StackSets {
			if ss.Name != EnableConfigStackSet || ss.Status == "DELETED" {
				continue
			}
			for _, in := range ss.Instances {
				b.ecInstances[in.AccountID] = append(b.ecInstances[in.AccountID], in.Region)
			}
		}
	}
	return b.ecInstances
}

// removeConfig schedules the Config removal for a group of accounts (one wave): one StackSet
// operation for the stack instances, direct removal elsewhere. key names the group in step IDs.
func (b *builder) removeConfig(wave int, key string, accounts []string, deps []string) []string {
	var out []string
	var ssAccts []string
	ssRegions := map[string]bool{}
	ssInst := map[string]map[string]bool{}
	type dr struct{ acct, region string }
	var directs []dr
	for _, id := range accounts {
		a := b.ix.Account(id)
		direct, ss := b.configRegions(a)
		if len(ss) > 0 {
			ssAccts = append(ssAccts, id)
			ssInst[id] = map[string]bool{}
			for _, r := range ss {
				ssRegions[r] = true
				ssInst[id][r] = true
			}
		}
		for _, r := range direct {
			directs = append(directs, dr{id, r})
		}
	}
	if len(ssAccts) > 0 {
		regions := slices.Sorted(maps.Keys(ssRegions))
		id := "config.stackset/" + key
		// One DeleteStackInstances per group of accounts with the same regions: a call deletes
		// accounts × regions, and only existing instances should be named.
		var cli []string
		for _, g := range groupByRegions(ssInst) {
			op := token(id + "/" + strings.Join(g.regions, ","))
			cli = append(cli, fmt.Sprintf("aws cloudformation delete-stack-instances --stack-set-name %s --accounts %s --regions %s --no-retain-stacks --operation-id %s --region %s",
				EnableConfigStackSet, strings.Join(g.accounts, " "), strings.Join(g.regions, " "), op, b.alzReg),
				"aws cloudformation describe-stack-set-operation --stack-set-name "+EnableConfigStackSet+" --operation-id "+op+" --region "+b.alzReg)
		}
		b.add(3, Step{ID: id, Kind: KindConfigStackSet, Wave: wave, Destructive: true, DependsOn: deps,
			Title:           fmt.Sprintf("Delete %s stack instances of %d accounts in %s", EnableConfigStackSet, len(ssAccts), strings.Join(regions, ", ")),
			Why:             "Control Tower refuses accounts with a Config recorder or delivery channel in a governed region; removed just before this wave so the unrecorded window stays short (configRemoval: stackset)",
			Target:          Target{OUID: ouOrEmpty(key), Region: b.alzReg, Resource: EnableConfigStackSet},
			CLI:             cli,
			Guard:           "no other operation runs on the StackSet (OperationInProgressException); the ALZ SCPs are detached from these accounts",
			Expected:        "operation SUCCEEDED; aws configservice describe-configuration-recorders is empty in each account and region",
			Rollback:        "re-create the instances: aws cloudformation create-stack-instances --stack-set-name " + EnableConfigStackSet + " (template exported in safeguard)",
			EstimateSeconds: 5 * 60})
		for _, a := range ssAccts {
			b.configSteps[a] = append(b.configSteps[a], id)
			for r := range ssInst[a] {
				b.ecDeleted[a+"|"+r] = true
			}
		}
		out = append(out, id)
	}
	for _, d := range directs {
		id := "config.remove/" + d.acct + "/" + d.region
		recorder, channel := "<recorder>", "<channel>"
		if a := b.ix.Account(d.acct); a != nil {
			for _, r := range a.Regions {
				if r.Region != d.region {
					continue
				}
				for _, rec := range r.ConfigRecorders {
					if !rec.ServiceLinked {
						recorder = rec.Name
					}
				}
				if len(r.DeliveryChannels) > 0 {
					channel = r.DeliveryChannels[0].Name
				}
			}
		}
		prof := " --profile " + d.acct + " --region " + d.region
		b.add(3, Step{ID: id, Kind: KindConfigRemove, Wave: wave, Destructive: true, DependsOn: deps,
			Title:  "Stop and delete the AWS Config recorder and delivery channel in " + d.acct + " / " + d.region,
			Why:    "Control Tower refuses accounts with a Config recorder or delivery channel in a governed region; done just before this wave",
			Target: Target{AccountID: d.acct, Region: d.region},
			CLI: []string{
				"aws configservice stop-configuration-recorder --configuration-recorder-name " + recorder + prof,
				"aws configservice delete-delivery-channel --delivery-channel-name " + channel + prof,
				"aws configservice delete-configuration-recorder --configuration-recorder-name " + recorder + prof},
			Guard:    "recorder is not service-linked (AWSConfigurationRecorderFor… are never deleted); stop before delete, else LastDeliveryChannelDeleteFailedException",
			Expected: "describe-configuration-recorders and describe-delivery-channels return nothing (NoSuch… means already gone)",
			Rollback: "recorded history is kept; re-create with aws configservice put-configuration-recorder / put-delivery-channel / start-configuration-recorder"})
		b.configSteps[d.acct] = append(b.configSteps[d.acct], id)
		out = append(out, id)
	}
	return out
}

func ouOrEmpty(key string) string {
	if strings.HasPrefix(key, "ou-") {
		return key
	}
	return ""
}

// createRoles schedules AWSControlTowerExecution for accounts that lack it (or could not be read).
func (b *builder) createRoles(wave int, accounts []string) []string {
	var out []string
	for _, id := range accounts {
		a := b.ix.Account(id)
		if a.IAM != nil && a.IAM.ControlTowerExecutionRole {
			continue
		}
		sid := "role.create/" + id
		trust := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:%s:iam::%s:root"},"Action":"sts:AssumeRole"}]}`, b.part, b.mgmt)
		b.add(4, Step{ID: sid, Kind: KindRoleCreate, Wave: wave,
			Title:  "Create " + ExecutionRole + " in " + id + " (" + a.Name + ")",
			Why:    "Control Tower enrolls an existing account only through this role, trusting the management account, with AdministratorAccess (enrollment-prerequisites)",
			Target: Target{AccountID: id, Resource: ExecutionRole},
			CLI: []string{
				"aws iam create-role --role-name " + ExecutionRole + " --assume-role-policy-document '" + trust + "' --profile " + id,
				"aws iam attach-role-policy --role-name " + ExecutionRole + " --policy-arn arn:" + b.part + ":iam::aws:policy/AdministratorAccess --profile " + id},
			Guard:    "the role does not exist yet (aws iam get-role --role-name " + ExecutionRole + " → NoSuchEntity)",
			Expected: "the role exists with the trust policy and AdministratorAccess attached",
			Rollback: "aws iam detach-role-policy … && aws iam delete-role --role-name " + ExecutionRole})
		b.roleSteps[id] = sid
		out = append(out, sid)
	}
	return out
}

// ouArnExpr is how the CLI commands name an OU's ARN.
func (b *builder) ouArn(ouID string) string {
	if ou := b.ix.OU(ouID); ou != nil && ou.Arn != "" {
		return ou.Arn
	}
	return fmt.Sprintf("arn:%s:organizations::%s:ou/%s/%s", b.part, b.mgmt, b.snap.Organization.ID, ouID)
}

func (b *builder) registerCLI(arn string) []string {
	return []string{
		fmt.Sprintf(`aws controltower enable-baseline --baseline-identifier "$(aws controltower list-baselines --region %s --query "baselines[?name=='AWSControlTowerBaseline'].arn" --output text)" --baseline-version %s --target-identifier %s --parameters '[{"key":"IdentityCenterEnabledBaselineArn","value":"<IdentityCenterBaseline enabled baseline ARN>"}]' --region %s`, b.home, BaselineVersion, arn, b.home),
		"aws controltower get-baseline-operation --operation-identifier <id> --region " + b.home,
	}
}

func regSeconds(accounts int) int64 {
	// At least 10 minutes plus up to 2 minutes per additional account (how-to-register-existing-ou).
	if accounts < 1 {
		accounts = 1
	}
	return int64(10*60 + 2*60*(accounts-1))
}

// waves schedules, for every OU in registration order: SCP detaches, remedy steps, roles, Config
// removal and the registration itself.
func (b *builder) waves() {
	for i := range b.ous {
		e := &b.ous[i]
		if e.Order == 0 {
			continue
		}
		wave := e.Order
		var accts []string
		var ouID, key, regID, arn, title string
		var deps []string
		if e.Created {
			parent := e.ParentID
			name := e.Path[strings.LastIndex(e.Path, "/")+1:]
			key = childRef(parent, name)
			regID = registerStepID(key)
			arn = "<ARN of the new OU " + e.Path + ">"
			title = "Register the new OU " + e.Path
			for _, p := range b.splits[parent] {
				if p.name == name {
					accts = p.accounts
				}
			}
			deps = append(deps, registerStepID(parent), "ou.create/"+key)
			for _, a := range accts {
				deps = append(deps, "account.move/"+a)
			}
		} else {
			ouID, key = e.OUID, e.OUID
			regID = registerStepID(ouID)
			arn = b.ouArn(ouID)
			title = "Register OU " + e.Path
			moved := map[string]bool{}
			for _, p := range b.splits[ouID] {
				// The excess leaves before this registration, which would otherwise enroll it too.
				deps = append(deps, b.splitSteps(ouID, p, wave)...)
				for _, a := range p.accounts {
					moved[a] = true
				}
			}
			for _, a := range b.excess[ouID] {
				moved[a] = true
				deps = append(deps, b.add(4, Step{ID: "account.move/" + a, Kind: KindAccountMove, Wave: wave,
					Title:    "Move account " + a + " out of " + e.Path + " until its registration is done",
					Why:      fmt.Sprintf("%s is over the account limit (%d) and too deep to split; the account is enrolled back into it one by one after the registration", e.Path, b.s.OUAccountLimit),
					Target:   Target{AccountID: a, OUID: ouID, Resource: e.ParentID},
					CLI:      []string{"aws organizations move-account --account-id " + a + " --source-parent-id " + ouID + " --destination-parent-id " + e.ParentID},
					Guard:    "the account is still in " + ouID,
					Expected: "the account's parent is " + e.ParentID,
					Rollback: "aws organizations move-account --account-id " + a + " --source-parent-id " + e.ParentID + " --destination-parent-id " + ouID}))
			}
			for _, a := range b.ix.ChildAccounts(ouID) {
				if !moved[a] {
					accts = append(accts, a)
				}
			}
			if b.scheduled(e.ParentID) {
				deps = append(deps, registerStepID(e.ParentID))
			}
			// CT attaches its own SCP to a registered OU; an OU already at 5 SCPs (after ALZ's are
			// detached) fails registration (Organizations quotas: 5 SCPs per target).
			n := 0
			for _, pid := range b.ix.PoliciesOn(ouID) {
				if p := b.ix.Policy(pid); p != nil && !checks.IsALZPolicy(p) {
					n++
				}
			}
			if n > 4 {
				deps = append(deps, b.add(2, Step{ID: "scp.merge/" + ouID, Kind: KindSCPMerge, Wave: wave, Manual: true,
					Title:    fmt.Sprintf("Merge the %d SCPs on %s into at most 4", n, e.Path),
					Why:      "an OU may carry at most 5 SCPs and Control Tower attaches its own on registration",
					Target:   Target{OUID: ouID},
					CLI:      []string{"aws organizations list-policies-for-target --target-id " + ouID + " --filter SERVICE_CONTROL_POLICY"},
					Guard:    "the merged policy is reviewed and approved; documents exported in safeguard",
					Expected: "at most 4 SCPs attached to " + ouID,
					Rollback: "re-attach the exported policies"}))
			}
		}
		if b.lastOUReg != "" {
			deps = append(deps, b.lastOUReg) // Control Tower runs one OU operation at a time (limits)
		}
		deps = append(deps, b.deployStep)
		// Accounts blocked by a pre-check stay in the OU: the registration enrolls every account in it.
		var covered []string
		var blockedHere []string
		for _, a := range accts {
			d := b.accounts[a]
			if d.How == HowOURegistration {
				covered = append(covered, a)
			} else if d.How == HowBlocked {
				blockedHere = append(blockedHere, a+" ("+d.Reason+")")
			} else if d.How == HowExcluded {
				blockedHere = append(blockedHere, a+" is excluded but registering the OU enrolls every account in it: move it out or exclude the OU")
			}
		}
		scpTargets := b.policyTargets(ouID, covered)
		if e.Created {
			scpTargets = b.policyTargets(e.ParentID, covered)
		}
		gate := b.prepGate()
		prep := b.detachALZ(wave, scpTargets, gate)
		prep = append(prep, b.createRoles(wave, covered)...)
		cfg := b.removeConfig(wave, key, covered, append(b.detachDeps(prep), gate...))
		deps = append(deps, prep...)
		deps = append(deps, cfg...)
		st := Step{ID: regID, Kind: KindOURegister, Wave: wave, DependsOn: uniqueSorted(deps),
			Title:  fmt.Sprintf("%s (%d accounts)", title, len(accts)),
			Why:    "registering an OU enrolls all its accounts in one Control Tower operation; parents are registered first",
			Target: Target{OUID: ouID, Resource: key},
			CLI:    b.registerCLI(arn),
			Guard: fmt.Sprintf("parent registered; no other Control Tower operation running; at most %d accounts in the OU; no Config recorder or delivery channel left in its accounts' governed regions; %s present in each account",
				b.s.OUAccountLimit, ExecutionRole),
			Expected:        "baseline operation SUCCEEDED; every account of the OU enrolled",
			Rollback:        "aws controltower disable-baseline --enabled-baseline-identifier <arn> (deregisters the OU; accounts stay in the organization)",
			EstimateSeconds: regSeconds(e.Enrolls)}
		if len(blockedHere) > 0 {
			st.Blocked = "accounts that cannot be enrolled sit in this OU: " + strings.Join(blockedHere, "; ")
		}
		b.lastOUReg = b.add(4, st)
		b.regs = append(b.regs, b.lastOUReg)
	}
}

// prepGate is what a wave's destructive preparation (SCP detach, Config removal) waits for: the
// landing zone, and the registration two waves back, so wave k is prepared while Control Tower
// registers wave k-1 — never earlier, which keeps each account's unrecorded window short.
func (b *builder) prepGate() []string {
	gate := []string{b.deployStep}
	if n := len(b.regs); n >= 2 {
		gate = append(gate, b.regs[n-2])
	}
	return gate
}

// splitSteps creates one child OU of an oversized OU and moves its share of the accounts into it,
// in the oversized OU's wave, before that OU's registration.
func (b *builder) splitSteps(parent string, p split, wave int) []string {
	key := childRef(parent, p.name)
	path := b.ix.Path(parent) + "/" + p.name
	create := b.add(4, Step{ID: "ou.create/" + key, Kind: KindOUCreate, Wave: wave,
		Title:    "Create child OU " + p.name + " under " + b.ix.Path(parent),
		Why:      fmt.Sprintf("%s holds more accounts than one registration may cover (ouAccountLimit %d): the excess moves into child OUs, registered after it", b.ix.Path(parent), b.s.OUAccountLimit),
		Target:   Target{OUID: parent, Resource: p.name},
		CLI:      []string{fmt.Sprintf("aws organizations create-organizational-unit --parent-id %s --name %q", parent, p.name)},
		Guard:    "no OU named " + p.name + " exists under " + parent + " (else reuse it)",
		Expected: "the OU exists under " + parent,
		Rollback: "aws organizations delete-organizational-unit --organizational-unit-id <new OU ID> (after moving the accounts back)"})
	out := []string{create}
	for _, a := range p.accounts {
		out = append(out, b.add(4, Step{ID: "account.move/" + a, Kind: KindAccountMove, Wave: wave, DependsOn: []string{create},
			Title:    "Move account " + a + " into " + path,
			Why:      "keeps " + b.ix.Path(parent) + " under the account limit for its registration",
			Target:   Target{AccountID: a, OUID: parent, Resource: key},
			CLI:      []string{"aws organizations move-account --account-id " + a + " --source-parent-id " + parent + " --destination-parent-id <ID of " + path + ">"},
			Guard:    "the account is still in " + parent,
			Expected: "the account's parent is " + path,
			Rollback: "aws organizations move-account --account-id " + a + " --source-parent-id <ID of " + path + "> --destination-parent-id " + parent}))
	}
	return out
}

// detachDeps are the prerequisite steps (SCP detaches) Config removal waits for.
func (b *builder) detachDeps(prep []string) []string {
	var out []string
	for _, p := range prep {
		if strings.HasPrefix(p, "scp.detach/") {
			out = append(out, p)
		}
	}
	return out
}

// enrollmentQueue schedules the accounts enrolled one by one (phase 4, after the OU waves), each
// with its prerequisites ahead of it. Shared Services is enrolled in phase 5.
func (b *builder) enrollmentQueue() {
	var ids []string
	for id := range b.enrollInto {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool {
		// Enroll in registration order of the target OU, then by account ID.
		oi, oj := b.orderOf(b.enrollInto[ids[i]]), b.orderOf(b.enrollInto[ids[j]])
		if oi != oj {
			return oi < oj
		}
		return ids[i] < ids[j]
	})
	shared := ""
	if b.snap.ALZ != nil {
		shared = b.snap.ALZ.SharedServicesAccountID
	}
	var queue []string
	conc := max(b.s.AccountConcurrency, 1)
	for _, id := range ids {
		// Prepare an account (detach, Config removal) only when the enrollment 2×accountConcurrency
		// places ahead of it is done: enough lookahead that Control Tower never waits, short
		// enough that no account stays unrecorded for long.
		gate := []string{b.deployStep, b.lastOUReg}
		if n := len(queue); n >= 2*conc {
			gate = append(gate, queue[n-2*conc])
		}
		if id == shared {
			continue
		}
		queue = append(queue, b.enroll(4, b.waveCount+len(queue)+1, id, gate))
	}
	// Shared Services comes last (phase 5); its preparation gets the wave after the queue so that
	// it is not taken out of Config recording ahead of everyone else.
	if _, ok := b.enrollInto[shared]; ok && shared != "" {
		b.enroll(5, b.waveCount+len(queue)+1, shared, []string{b.deployStep, b.lastOUReg})
	}
}

func (b *builder) orderOf(ref string) int {
	if e := b.ouEntry(ref); e != nil {
		return e.Order
	}
	return 0
}

func (b *builder) enroll(phase, wave int, id string, gate []string) string {
	a := b.ix.Account(id)
	into := b.enrollInto[id]
	var deps []string
	ouName, ouID := "", ""
	switch {
	case strings.HasPrefix(into, "ct:"):
		ouName = strings.TrimPrefix(into, "ct:")
		ouID = "<" + ouName + " OU ID>"
		deps = append(deps, b.deployStep)
	default:
		ouID = into
		ouName = b.ix.OU(into).Name
		if b.scheduled(into) {
			deps = append(deps, registerStepID(into))
		} else {
			deps = append(deps, b.deployStep)
		}
	}
	if b.lastOUReg != "" {
		// Account Factory cannot enroll while an OU registration runs (reference, step 4).
		deps = append(deps, b.lastOUReg)
	}
	prep := b.detachALZ(wave, b.policyTargets(a.ParentID, []string{id}), gate)
	prep = append(prep, b.createRoles(wave, []string{id})...)
	cfg := b.removeConfig(wave, id, []string{id}, uniqueSorted(append(b.detachDeps(prep), gate...)))
	deps = append(deps, prep...)
	deps = append(deps, cfg...)
	sid := "enroll/" + id
	name := sanitizeName(a.Name, id)
	return b.add(phase, Step{ID: sid, Kind: KindEnroll, Wave: wave, DependsOn: uniqueSorted(deps),
		Title:  fmt.Sprintf("Enroll account %s (%s) into %s", id, a.Name, ouName),
		Why:    b.accounts[id].Reason,
		Target: enrollTarget(id, into, ouName),
		CLI: []string{
			fmt.Sprintf(`aws servicecatalog provision-product --product-name %q --provisioning-artifact-name %q --provisioned-product-name %s --provision-token %s --provisioning-parameters Key=AccountName,Value=%q Key=AccountEmail,Value=%s Key=SSOUserEmail,Value=%s Key=SSOUserFirstName,Value=Admin Key=SSOUserLastName,Value=User Key=ManagedOrganizationalUnit,Value=%q --region %s`,
				AccountFactory, AccountFactory, name, token(sid), a.Name, a.Email, a.Email, ouName+" ("+ouID+")", b.home),
			"aws servicecatalog describe-record --id <record id> --region " + b.home},
		Guard:           "target OU registered; " + ExecutionRole + " present; no Config recorder or delivery channel in governed regions; account operations in flight below accountConcurrency",
		Expected:        "record SUCCEEDED; the account is enrolled in " + ouName,
		Rollback:        "aws servicecatalog terminate-provisioned-product --provisioned-product-name " + name + " (unmanages the account; it stays in the organization)",
		EstimateSeconds: enrollSeconds})
}

// enrollTarget names the OU an account is enrolled into: its ID, or (for an OU Control Tower has
// not created yet) "ct:<name>" in Resource.
func enrollTarget(accountID, into, ouName string) Target {
	if strings.HasPrefix(into, "ct:") {
		return Target{AccountID: accountID, Resource: into}
	}
	return Target{AccountID: accountID, OUID: into}
}

// enrollSeconds is the assumed duration of one account enrollment: AWS only says "several
// minutes" (AWS Control Tower user guide, accounts), so the plan assumes 15.
const enrollSeconds = 15 * 60

func sanitizeName(name, id string) string {
	var sb strings.Builder
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			sb.WriteRune(r)
		default:
			sb.WriteByte('-')
		}
	}
	s := strings.Trim(sb.String(), "-._")
	if s == "" {
		return "account-" + id
	}
	return s
}
