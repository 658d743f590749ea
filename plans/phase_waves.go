package plans

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/lz2ct/lz2ct/checks"
	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/scope"
	"github.com/lz2ct/lz2ct/settings"
	"github.com/lz2ct/lz2ct/words"
)

// Phases 2–4: per-wave SCP detaches, Config removal, execution roles, registrations and the
// enrollment queue. A wave whose registration (or enrollment) cannot run gets no preparation.

// detachALZ schedules the detaching of ALZ's SCPs from the targets that affect the given accounts
// (the accounts, their OUs and every ancestor up to the root). A detach an earlier wave scheduled is
// not scheduled again, but is returned too: this wave's Config removal must wait for it as well (an
// SCP on a parent OU denies the Config calls in every account below it).
func (b *builder) detachALZ(phase, wave int, targets []string, gate []string) []string {
	var out []string
	for _, t := range targets {
		for _, pid := range b.ix.PoliciesOn(t) {
			p := b.ix.Policy(pid)
			if p == nil || !checks.IsALZPolicy(p) {
				continue
			}
			if b.detached[pid+"|"+t] {
				out = append(out, scpDetachStepID(pid, t))
				continue
			}
			b.detached[pid+"|"+t] = true
			out = append(out, b.add(phase, Step{ID: scpDetachStepID(pid, t), Kind: KindSCPDetach, Wave: wave, Destructive: true,
				Params:    SCPDetach{PolicyID: pid, TargetID: t},
				Title:     fmt.Sprintf("Detach ALZ SCP %s from %s", p.Name, b.describe(t)),
				Why:       "ALZ's SCP denies the AWS Config changes that Config removal and enrollment make; it is detached just before this wave and deleted in decommission",
				Target:    b.targetOf(t, pid),
				DependsOn: append([]string{exportSCPStepID(pid)}, gate...),
				CLI:       []string{"aws organizations detach-policy --policy-id " + pid + " --target-id " + t},
				Guard:     "the policy export (" + exportSCPStepID(pid) + ") exists in the state folder",
				Expected:  "the policy is no longer in aws organizations list-policies-for-target --target-id " + t + " --filter SERVICE_CONTROL_POLICY",
				Rollback:  "aws organizations attach-policy --policy-id " + pid + " --target-id " + t}))
		}
	}
	return out
}

func scpDetachStepID(policy, target string) string {
	return KindSCPDetach + "/" + policy + "/" + target
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

// configWork is where an account has ALZ Config to remove: regions with an EnableConfig stack
// instance (the StackSet route) and regions to clear directly, each with the names to delete.
type configWork struct {
	stackset []string
	direct   []directConfig
}

type directConfig struct{ region, recorder, channel string }

// configRegions works out an account's Config removal in the governed regions: regions with ALZ's
// recorder or delivery channel; with configRemoval stackset, through the EnableConfig instances
// where there is one; and — in both modes — a guarded direct removal in every governed region
// discovery could not read (not proven clean), so an unreadable account is never enrolled with
// ALZ's Config still in place.
func (b *builder) configRegions(a *inventory.Account) configWork {
	var w configWork
	var inst []string // the account's EnableConfig instances' regions: a few
	if b.s.ConfigRemoval == settings.ConfigRemovalStackSet {
		inst = b.enableConfigInstances()[a.ID]
	}
	for _, r := range b.sc.Governed {
		if slices.Contains(inst, r) {
			w.stackset = append(w.stackset, r)
			continue
		}
		rec, ch, found := "", "", false
		for _, ar := range a.Regions {
			if ar.Region != r {
				continue
			}
			for _, c := range ar.ConfigRecorders {
				if !c.ServiceLinked {
					rec, found = c.Name, true
				}
			}
			if len(ar.DeliveryChannels) > 0 {
				ch, found = ar.DeliveryChannels[0].Name, true
			}
		}
		if !found && b.sc.ReadIn(a, r) {
			continue // read, and nothing there
		}
		if !found { // not proven clean: ALZ's names, so that nothing else is ever deleted
			rec, ch = alzRecorderName, alzChannelName
		}
		w.direct = append(w.direct, directConfig{region: r, recorder: rec, channel: ch})
	}
	return w
}

// enableConfigInstances indexes the EnableConfig StackSet's instances by account (regions), once.
func (b *builder) enableConfigInstances() map[string][]string {
	if b.ecInstances != nil {
		return b.ecInstances
	}
	b.ecInstances = make(map[string][]string, len(b.snap.Accounts))
	if b.snap.ALZ != nil {
		for _, ss := range b.snap.ALZ.StackSets {
			if ss.Name != EnableConfigStackSet || ss.Status == "DELETED" {
				continue
			}
			// The instances come sorted by account: an account's regions are one run of them,
			// a slice of one array (capped, so that an account seen again elsewhere copies).
			regions := make([]string, len(ss.Instances))
			for i, in := range ss.Instances {
				regions[i] = in.Region
			}
			for i := 0; i < len(ss.Instances); {
				acct, j := ss.Instances[i].AccountID, i+1
				for j < len(ss.Instances) && ss.Instances[j].AccountID == acct {
					j++
				}
				if prev, ok := b.ecInstances[acct]; ok {
					b.ecInstances[acct] = append(prev, regions[i:j]...)
				} else {
					b.ecInstances[acct] = regions[i:j:j]
				}
				i = j
			}
		}
	}
	return b.ecInstances
}

// removeConfig schedules the Config removal for a group of accounts (one wave): one StackSet
// operation per set of regions for the stack instances, direct removal elsewhere. key names the
// group in step IDs.
func (b *builder) removeConfig(phase, wave int, key string, accounts []string, deps []string) []string {
	var out []string
	var ssInst regionsByAccount
	for _, id := range accounts {
		w := b.configRegions(b.ix.Account(id))
		if len(w.stackset) > 0 {
			ssInst.add(id, w.stackset...)
		}
		for _, d := range w.direct {
			out = append(out, b.removeConfigDirect(phase, wave, id, d, deps))
		}
	}
	groups := ssInst.groups()
	for i, g := range groups {
		id := KindConfigStackSetInstancesDelete + "/" + key
		if len(groups) > 1 {
			id += fmt.Sprintf("/%d", i+1)
		}
		op := token(id)
		// No failure tolerance: an account whose Config stays would fail the registration anyway.
		p := ConfigStackSetInstancesDelete{StackSetInstancesDelete{Region: b.alzReg, StackSetName: EnableConfigStackSet,
			Accounts: g.accounts, Regions: g.regions, OperationID: op, Preferences: b.stackSetPrefs(len(g.accounts), 0)}}
		b.add(phase, Step{ID: id, Kind: KindConfigStackSetInstancesDelete, Wave: wave, Destructive: true, DependsOn: deps, Params: p,
			Title:  fmt.Sprintf("Delete %s stack instances of %s in %s", EnableConfigStackSet, words.Count(len(g.accounts), "account"), strings.Join(g.regions, ", ")),
			Why:    "Control Tower refuses accounts with a Config recorder or delivery channel in a governed region; removed just before this wave so the unrecorded window stays short (configRemoval: stackset, the reference's method 1)",
			Target: Target{OUID: ouOrEmpty(key), Region: b.alzReg, Resource: EnableConfigStackSet},
			CLI: []string{
				fmt.Sprintf("aws cloudformation delete-stack-instances --stack-set-name %s --accounts %s --regions %s --no-retain-stacks --operation-id %s %s --region %s",
					EnableConfigStackSet, strings.Join(g.accounts, " "), strings.Join(g.regions, " "), op, prefsCLI(p.Preferences), b.alzReg),
				waitWhile("aws cloudformation describe-stack-set-operation --stack-set-name "+EnableConfigStackSet+" --operation-id "+op+" --region "+b.alzReg+" --query StackSetOperation.Status --output text", 15, "RUNNING", "QUEUED", "STOPPING")},
			Guard:           "no other operation runs on the StackSet (OperationInProgressException); the ALZ SCPs are detached from these accounts",
			Expected:        "operation SUCCEEDED; aws configservice describe-configuration-recorders is empty in each account and region",
			Rollback:        "re-create the instances: aws cloudformation create-stack-instances --stack-set-name " + EnableConfigStackSet + " (template exported in safeguard)",
			EstimateSeconds: stackSetRange(len(g.accounts), p.Preferences).Upper})
		for _, a := range g.accounts {
			b.configSteps[a] = append(b.configSteps[a], id)
			b.ecDeleted[a] = append(b.ecDeleted[a], g.regions...)
		}
		out = append(out, id)
	}
	return out
}

func (b *builder) removeConfigDirect(phase, wave int, acct string, d directConfig, deps []string) string {
	id := KindConfigRecorderDelete + "/" + acct + "/" + d.region
	r := " --region " + d.region
	var cmds []string
	if d.recorder != "" {
		cmds = append(cmds, "aws configservice stop-configuration-recorder --configuration-recorder-name "+d.recorder+r)
	}
	if d.channel != "" {
		cmds = append(cmds, "aws configservice delete-delivery-channel --delivery-channel-name "+d.channel+r)
	}
	if d.recorder != "" {
		cmds = append(cmds, "aws configservice delete-configuration-recorder --configuration-recorder-name "+d.recorder+r)
	}
	guard := "the recorder is ALZ's (service-linked AWSConfigurationRecorderFor… recorders and recorders by other names are never deleted); stop before delete, else LastDeliveryChannelDeleteFailedException"
	if !b.sc.ReadIn(b.ix.Account(acct), d.region) {
		guard = "discovery could not read this account here: delete only ALZ's recorder and channel if they exist, report anything else; " + guard
	}
	b.add(phase, Step{ID: id, Kind: KindConfigRecorderDelete, Wave: wave, Destructive: true, DependsOn: deps,
		Params:   ConfigRecorderDelete{AccountID: acct, Region: d.region, RecorderName: d.recorder, DeliveryChannelName: d.channel},
		Title:    "Stop and delete the AWS Config recorder and delivery channel in " + acct + " / " + d.region,
		Why:      "Control Tower refuses accounts with a Config recorder or delivery channel in a governed region; done just before this wave",
		Target:   Target{AccountID: acct, Region: d.region},
		CLI:      b.inAccount(acct, cmds...),
		Guard:    guard,
		Expected: "describe-configuration-recorders and describe-delivery-channels return nothing (NoSuch… means already gone)",
		Rollback: "recorded history is kept; re-create with aws configservice put-configuration-recorder / put-delivery-channel / start-configuration-recorder"})
	b.configSteps[acct] = append(b.configSteps[acct], id)
	return id
}

func ouOrEmpty(key string) string {
	if strings.HasPrefix(key, "ou-") && !strings.Contains(key, "/") {
		return key
	}
	return ""
}

// ---- StackSet operation preferences ----

// StackSet concurrency modes. Under STRICT_FAILURE_TOLERANCE, CloudFormation's default, an
// operation runs at most FailureToleranceCount + 1 accounts at once whatever MaxConcurrentCount
// says — with a tolerance of 0, one account at a time; SOFT_FAILURE_TOLERANCE runs
// MaxConcurrentCount accounts at once regardless of failures
// (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_StackSetOperationPreferences.html).
const concurrencySoft = "SOFT_FAILURE_TOLERANCE"

// stackSetPrefs chooses a StackSet operation's preferences from its size and the settings: as
// many accounts at once per region as it has, up to stackSetConcurrency; every region in parallel;
// concurrency decoupled from failures; tolerance failed accounts per region before it stops.
func (b *builder) stackSetPrefs(accounts, tolerance int) StackSetPreferences {
	return StackSetPreferences{MaxConcurrentCount: max(1, min(accounts, b.s.StackSetConcurrency)), FailureToleranceCount: tolerance,
		RegionConcurrencyType: "PARALLEL", ConcurrencyMode: concurrencySoft}
}

// prefsCLI is the AWS CLI's --operation-preferences for the preferences.
func prefsCLI(p StackSetPreferences) string {
	return fmt.Sprintf("--operation-preferences RegionConcurrencyType=%s,MaxConcurrentCount=%d,FailureToleranceCount=%d,ConcurrencyMode=%s",
		p.RegionConcurrencyType, p.MaxConcurrentCount, p.FailureToleranceCount, p.ConcurrencyMode)
}

// ---- AWSControlTowerExecution ----

// execStackSet is the StackSet that creates AWSControlTowerExecution in many accounts at once.
// It is self-managed, with ALZ's own AWSCloudFormationStackSetAdministrationRole and the
// AWSCloudFormationStackSetExecutionRole ALZ put in every account it vended — the roles
// self-managed StackSets need (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/stacksets-prereqs-self-managed.html)
// — so nothing new is trusted organization-wide: a service-managed StackSet needs trusted access
// between StackSets and Organizations activated first
// (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/stacksets-orgs-activate-trusted-access.html).
// Accounts ALZ's execution role does not reach get the role one by one (iam-role.create).
type execStackSet struct {
	step string
	name string
}

// execStackSetMin is how many accounts must need the role before the plan uses a StackSet rather
// than one iam-role.create step per account.
const execStackSetMin = 6

const execStackSetName = "lz2ct-AWSControlTowerExecution"

// needsRole reports whether an account needs AWSControlTowerExecution created (missing, or unknown).
func needsRole(a *inventory.Account) bool { return a.IAM == nil || !a.IAM.ControlTowerExecutionRole }

// viaStackSet reports whether ALZ's StackSet execution role can reach the account.
func viaStackSet(a *inventory.Account) bool { return a.IAM != nil && a.IAM.StackSetExecutionRole }

// decideExecRoute chooses the StackSet route when enough accounts whose registration or enrollment
// can run need the role and can be reached through ALZ's StackSet roles.
func (b *builder) decideExecRoute() bool {
	n := 0
	for _, a := range b.sc.Accounts {
		ia := b.ix.Account(a.ID)
		if !a.Covered() || a.ID == b.mgmt || !needsRole(ia) || !viaStackSet(ia) || b.blockedAcct[a.ID] != "" {
			continue
		}
		if (a.How == HowOURegistration && b.dead[a.Registration]) || (a.How == HowEnroll && b.enrollDead(a)) {
			continue
		}
		n++
	}
	return n >= execStackSetMin && b.snap.ALZ != nil
}

func (b *builder) trustPolicy() string {
	return fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:%s:iam::%s:root"},"Action":"sts:AssumeRole"}]}`, b.part, b.mgmt)
}

// executionRoles creates AWSControlTowerExecution where a wave's accounts lack it: one StackSet
// operation for the accounts ALZ's StackSet role reaches (when the plan uses the StackSet), one
// iam-role.create per other account.
func (b *builder) executionRoles(wave int, key string, accounts []string) []string {
	var out, viaSet []string
	for _, id := range accounts {
		a := b.ix.Account(id)
		if !needsRole(a) {
			continue
		}
		if b.execSet != nil && viaStackSet(a) {
			viaSet = append(viaSet, id)
			continue
		}
		sid := iamRoleStepID(id, ExecutionRole)
		p := IAMRoleCreate{AccountID: id, RoleName: ExecutionRole, TrustPolicy: b.trustPolicy(),
			ManagedPolicyARNs: []string{"arn:" + b.part + ":iam::aws:policy/AdministratorAccess"}}
		b.add(4, Step{ID: sid, Kind: KindIAMRoleCreate, Wave: wave, Params: p,
			Title:    "Create " + ExecutionRole + " in " + id + " (" + a.Name + ")",
			Why:      "Control Tower enrolls an existing account only through this role, trusting the management account, with AdministratorAccess (enrollment-prerequisites)",
			Target:   Target{AccountID: id, Resource: ExecutionRole},
			CLI:      b.inAccount(id, roleCLI(p)...),
			Guard:    "the role does not exist yet (aws iam get-role --role-name " + ExecutionRole + " → NoSuchEntity), or exists trusting the management account",
			Expected: "the role exists with the trust policy and AdministratorAccess attached",
			Rollback: "aws iam detach-role-policy --role-name " + ExecutionRole + " --policy-arn arn:" + b.part + ":iam::aws:policy/AdministratorAccess && aws iam delete-role --role-name " + ExecutionRole})
		b.roleSteps[id] = sid
		out = append(out, sid)
	}
	if len(viaSet) == 0 {
		return out
	}
	if b.execSet.step == "" {
		b.execSet.step = b.createExecStackSet(wave)
	}
	id := KindStackSetInstancesCreate + "/" + b.execSet.name + "/" + key
	op := token(id)
	p := StackSetInstancesCreate{Region: b.alzReg, StackSetName: b.execSet.name, Accounts: viaSet, Regions: []string{b.alzReg}, OperationID: op,
		Preferences: b.stackSetPrefs(len(viaSet), 0)}
	b.add(4, Step{ID: id, Kind: KindStackSetInstancesCreate, Wave: wave, DependsOn: []string{b.execSet.step}, Params: p,
		Title:  fmt.Sprintf("Create %s in %s with one StackSet operation", ExecutionRole, words.Count(len(viaSet), "account")),
		Why:    "Control Tower enrolls an existing account only through this role; one StackSet operation per wave creates it everywhere at once, through ALZ's own StackSet roles",
		Target: Target{OUID: ouOrEmpty(key), Region: b.alzReg, Resource: b.execSet.name},
		CLI: []string{
			fmt.Sprintf("aws cloudformation create-stack-instances --stack-set-name %s --accounts %s --regions %s --operation-id %s %s --region %s",
				b.execSet.name, strings.Join(viaSet, " "), b.alzReg, op, prefsCLI(p.Preferences), b.alzReg),
			waitWhile("aws cloudformation describe-stack-set-operation --stack-set-name "+b.execSet.name+" --operation-id "+op+" --region "+b.alzReg+" --query StackSetOperation.Status --output text", 15, "RUNNING", "QUEUED", "STOPPING")},
		Guard:    "no other operation runs on the StackSet; AWSCloudFormationStackSetExecutionRole exists in each account",
		Expected: "operation SUCCEEDED; " + ExecutionRole + " exists in every account of the wave", EstimateSeconds: stackSetRange(len(viaSet), p.Preferences).Upper,
		Rollback: fmt.Sprintf("aws cloudformation delete-stack-instances --stack-set-name %s --accounts %s --regions %s --no-retain-stacks --region %s", b.execSet.name, strings.Join(viaSet, " "), b.alzReg, b.alzReg)})
	for _, a := range viaSet {
		b.roleSteps[a] = id
	}
	return append(out, id)
}

func (b *builder) createExecStackSet(wave int) string {
	tmpl := fmt.Sprintf(`{"AWSTemplateFormatVersion":"2010-09-09","Description":"AWSControlTowerExecution for enrolling the account in AWS Control Tower (lz2ct)","Resources":{"Role":{"Type":"AWS::IAM::Role","Properties":{"RoleName":"%s","AssumeRolePolicyDocument":%s,"ManagedPolicyArns":["arn:%s:iam::aws:policy/AdministratorAccess"]}}}}`,
		ExecutionRole, b.trustPolicy(), b.part)
	admin := "arn:" + b.part + ":iam::" + b.mgmt + ":role/AWSCloudFormationStackSetAdministrationRole"
	p := StackSetCreate{Region: b.alzReg, StackSetName: b.execSet.name, Description: "AWSControlTowerExecution for Control Tower enrollment (lz2ct)",
		TemplateBody: tmpl, PermissionModel: "SELF_MANAGED", AdministrationRoleARN: admin, ExecutionRoleName: "AWSCloudFormationStackSetExecutionRole",
		Capabilities: []string{"CAPABILITY_NAMED_IAM"}}
	return b.add(4, Step{ID: KindStackSetCreate + "/" + b.execSet.name, Kind: KindStackSetCreate, Wave: wave, Params: p,
		Title:  "Create the StackSet " + b.execSet.name + " (self-managed, through ALZ's StackSet roles)",
		Why:    "many accounts need " + ExecutionRole + "; a StackSet creates it in each wave's accounts with one operation",
		Target: Target{Region: b.alzReg, Resource: b.execSet.name},
		CLI: []string{fmt.Sprintf("aws cloudformation create-stack-set --stack-set-name %s --description %s --template-body %s --permission-model SELF_MANAGED --administration-role-arn %s --execution-role-name AWSCloudFormationStackSetExecutionRole --capabilities CAPABILITY_NAMED_IAM --region %s",
			b.execSet.name, quote(p.Description), quote(tmpl), admin, b.alzReg)},
		Guard:    "ALZ's AWSCloudFormationStackSetAdministrationRole exists in the management account",
		Expected: "the StackSet exists (no instances yet)",
		Rollback: "aws cloudformation delete-stack-set --stack-set-name " + b.execSet.name + " --region " + b.alzReg + " (after deleting its instances with --retain-stacks to keep the roles)"})
}

// ---- registrations ----

// regSeconds: at least 10 minutes plus up to 2 minutes per additional account
// (https://docs.aws.amazon.com/controltower/latest/userguide/importing-existing.html).
func regSeconds(accounts int) int64 {
	if accounts < 1 {
		accounts = 1
	}
	return int64(10*60 + 2*60*(accounts-1))
}

func (b *builder) ouArn(ouID string) string {
	if ou := b.ix.OU(ouID); ou != nil && ou.Arn != "" {
		return ou.Arn
	}
	return fmt.Sprintf("arn:%s:organizations::%s:ou/%s/%s", b.part, b.mgmt, b.snap.Organization.ID, ouID)
}

// icBaseline is the IdentityCenterBaseline enabled baseline every AWSControlTowerBaseline
// enablement takes as a parameter when Identity Center access management is on: the landing zone
// step's output (a new landing zone has it; an existing one when its catalogue shows it enabled).
func (b *builder) icBaseline() Value {
	if b.snap.ControlTower.LandingZone == nil {
		return Out(b.deployStep, OutputIdentityCenterEnabledBaselineARN)
	}
	ct := b.snap.ControlTower
	for _, eb := range ct.EnabledBaselines {
		if ct.BaselineName(eb.BaselineIdentifier) == inventory.BaselineIdentityCenter {
			return Out(b.deployStep, OutputIdentityCenterEnabledBaselineARN)
		}
	}
	return Value{}
}

func (b *builder) registerCLI(stepID string, p BaselineEnable) []string {
	r := " --region " + p.Region
	params := ""
	if !p.IdentityCenterEnabledBaselineARN.IsZero() {
		params = ` --parameters '[{"key":"IdentityCenterEnabledBaselineArn","value":"'` + sh(p.IdentityCenterEnabledBaselineARN) + `'"}]'`
	}
	return []string{
		`read -r ` + ShellVar(stepID, OutputEnabledBaselineARN) + ` OPERATION_ID <<< "$(aws controltower enable-baseline --baseline-identifier "$(aws controltower list-baselines` + r +
			` --query "baselines[?name=='` + p.BaselineName + `'].arn" --output text)" --baseline-version ` + p.BaselineVersion + ` --target-identifier ` + sh(p.OUARN) + params + r +
			` --query '[arn,operationIdentifier]' --output text)"`,
		waitWhile(`aws controltower get-baseline-operation --operation-identifier "$OPERATION_ID"`+r+" --query baselineOperation.status --output text", 60, "IN_PROGRESS"),
	}
}

// overlapMaxSeconds is the longest registration (upper bound) during which the next wave is
// prepared. Preparing wave k while Control Tower registers wave k−1 saves Control Tower waiting
// for wave k's preparation (minutes, with StackSet throughput planned), but starts wave k's
// unrecorded window a whole registration earlier: worth it only behind a short registration. Behind
// a long one, wave k is prepared once wave k−1 is registered.
const overlapMaxSeconds = 60 * 60

// prepGate is what a wave's destructive preparation (SCP detach, Config removal) waits for: the
// landing zone, the ALZ freeze, and — among the registrations that can run — the one two waves back
// when the last one is short (so the wave is prepared while Control Tower registers the previous
// one), else the last one, so that no account stays unrecorded through a long registration that
// is not its own. A blocked registration is never part of the gate: it holds up only what truly
// depends on it. overlapped says whether the preparation runs during the last registration.
func (b *builder) prepGate() (gate []string, overlapped bool) {
	gate = []string{b.deployStep, b.freezeStep}
	n := len(b.regs)
	if n == 0 {
		return gate, false
	}
	if last := b.regs[n-1]; regRange(b.regSize[last]).Upper > overlapMaxSeconds {
		return append(gate, last), false
	}
	if n >= 2 {
		gate = append(gate, b.regs[n-2])
	}
	return gate, true
}

// detachDeps are the prerequisite steps (SCP detaches) Config removal waits for.
func detachDeps(prep []string) []string {
	var out []string
	for _, p := range prep {
		if strings.HasPrefix(p, KindSCPDetach+"/") {
			out = append(out, p)
		}
	}
	return out
}

// waveInfo is what the estimate needs to know about an OU wave beyond its steps.
type waveInfo struct {
	wave       int
	reg        string // its registration
	prev       string // the registration that can run before it ("" for the first)
	overlapped bool   // prepared during prev
	accounts   int    // accounts it enrolls that can run (Config removed)
	dead       bool
}

// waves schedules, for every OU in registration order: the OUs created next to or under it and the
// account moves before its registration, and — when its registration can run — SCP detaches,
// execution roles and Config removal, then the registration itself. A registration depends on its
// parent's and its own prerequisites only; that Control Tower runs one OU operation at a time is
// for the engine to serialize.
func (b *builder) waves() {
	if b.decideExecRoute() {
		b.execSet = &execStackSet{name: execStackSetName}
	}
	for _, o := range b.sc.Registered() {
		wave := o.Order
		b.waveCount = wave
		regID := registerStepID(o.Key)
		b.regOf[o.Key] = regID
		blocked := b.regBlocked(o.Key)
		dead := b.dead[o.Key]
		deps := []string{b.deployStep}
		var ouID, ouARN Value
		var accts []string // accounts in the OU when it is registered
		prepOU := o.ID
		if o.Created {
			create := KindOUCreate + "/" + o.Key
			ouID, ouARN = Out(create, OutputOUID), Out(create, OutputOUARN)
			prepOU = o.ParentID
			if of := b.sc.OU(o.Of); of == nil || of.Order == 0 {
				// Created for an OU registered before the migration: made in its own wave.
				b.createSplit(of, b.splitOf(o), wave, b.parentReg(o.ParentID), blocked)
			}
			deps = append(deps, create)
			deps = append(deps, b.splitDeps[o.Key]...)
			accts = o.MovedIn
		} else {
			ouID, ouARN = Lit(o.ID), Lit(b.ouArn(o.ID))
			splitBlock := ""
			if blocked != "" {
				splitBlock = "part of the moves for " + o.Path + ", whose registration is blocked: " + blocked
			}
			for _, sp := range o.Splits {
				deps = append(deps, b.createSplit(o, sp, wave, b.parentReg(o.ParentID), splitBlock)...)
			}
			for _, a := range o.MovedIn {
				deps = append(deps, b.moveIn(a, o.Key, Lit(o.ID), o.Path, wave, []string{b.parentReg(o.ParentID)}, splitBlock))
			}
			for _, a := range b.ix.ChildAccounts(o.ID) {
				if b.sc.Account(a).MoveTo == "" {
					accts = append(accts, a)
				}
			}
			accts = append(accts, o.MovedIn...)
			sort.Strings(accts)
		}
		deps = append(deps, b.parentReg(o.ParentID))
		var covered []string
		for _, a := range accts {
			if d := b.sc.Account(a); d != nil && d.Registration == o.Key && b.blockedAcct[a] == "" {
				covered = append(covered, a)
			}
		}
		info := waveInfo{wave: wave, reg: regID, dead: dead, accounts: len(covered)}
		if !dead {
			gate, overlapped := b.prepGate()
			info.overlapped = overlapped
			if n := len(b.regs); n > 0 {
				info.prev = b.regs[n-1]
			}
			prep := b.detachALZ(2, wave, b.policyTargets(prepOU, covered), gate)
			prep = append(prep, b.executionRoles(wave, o.Key, covered)...)
			// Accounts moving in are moved first: ALZ's SCPs on the OUs they leave then no
			// longer deny their Config removal.
			var moved []string
			for _, a := range covered {
				if m := b.moves[a]; m != "" {
					moved = append(moved, m)
				}
			}
			cfg := b.removeConfig(3, wave, o.Key, covered, append(append(detachDeps(prep), gate...), moved...))
			deps = append(deps, prep...)
			deps = append(deps, cfg...)
		}
		p := BaselineEnable{Region: b.home, BaselineName: inventory.BaselineControlTower, BaselineVersion: baselineVersion(b.lzVersion()),
			OUID: ouID, OUARN: ouARN, IdentityCenterEnabledBaselineARN: b.icBaseline()}
		title := "Register OU " + o.Path
		if o.Created {
			title = "Register the new OU " + o.Path
		}
		b.regSize[regID] = o.Enrolls
		b.add(4, Step{ID: regID, Kind: KindBaselineEnable, Wave: wave, DependsOn: deps, Params: p, Blocked: blocked,
			Title:  fmt.Sprintf("%s (%s)", title, words.Count(len(accts), "account")),
			Why:    "registering an OU enrolls all its accounts in one Control Tower operation; parents are registered first",
			Target: Target{OUID: o.ID, Resource: o.Key},
			CLI:    b.registerCLI(regID, p),
			Guard: fmt.Sprintf("parent registered; no other Control Tower operation running; at most %d accounts in the OU; no Config recorder or delivery channel left in its accounts' governed regions; %s present in each account",
				b.sc.Limit, ExecutionRole),
			Expected:        "baseline operation SUCCEEDED; every account of the OU enrolled",
			Rollback:        `aws controltower disable-baseline --enabled-baseline-identifier "$` + ShellVar(regID, OutputEnabledBaselineARN) + `" (deregisters the OU; accounts stay in the organization)`,
			EstimateSeconds: regRange(o.Enrolls).Upper})
		b.waveInfos = append(b.waveInfos, info)
		if !dead {
			b.regs = append(b.regs, regID)
		}
	}
}

// parentReg is the registration step of an OU the plan registers, "" for the root or an OU
// registered already.
func (b *builder) parentReg(id string) string {
	if p := b.sc.OU(id); p != nil && p.Order > 0 {
		return registerStepID(p.Key)
	}
	return ""
}

func (b *builder) splitOf(o *scope.OU) scope.Split {
	if of := b.sc.OU(o.Of); of != nil {
		for _, sp := range of.Splits {
			if sp.Key == o.Key {
				return sp
			}
		}
	}
	return scope.Split{Key: o.Key, Name: o.Name, ParentID: o.ParentID, Accounts: o.MovedIn, Policies: o.Policies}
}

func moveStepID(account string) string { return KindAccountMove + "/" + account }

// createSplit creates an OU that takes accounts an OU cannot hold within the limit (a child of it,
// or a sibling carrying its SCPs) and moves those accounts into it. It runs in the relieved OU's
// wave, before that OU's registration, and after its parent's (so nothing is restructured in a
// subtree whose registration cannot run). It returns the steps that OU's registration waits for.
func (b *builder) createSplit(of *scope.OU, sp scope.Split, wave int, parentReg, blocked string) []string {
	create := KindOUCreate + "/" + sp.Key
	path := sp.Name
	if !b.ix.IsRoot(sp.ParentID) {
		path = b.ix.Path(sp.ParentID) + "/" + sp.Name
	}
	idVar, arnVar := ShellVar(create, OutputOUID), ShellVar(create, OutputOUARN)
	where, why := "under "+of.Path, fmt.Sprintf("%s cannot hold these accounts within the limit of %d per registered OU: they move into a child OU, registered after it", of.Path, b.sc.Limit)
	if sp.ParentID != of.ID {
		where = "next to " + of.Path
		why = fmt.Sprintf("%s cannot hold these accounts within the limit of %d per registered OU, and five levels deep it can have no child OUs: they move into an OU next to it, with the same SCPs attached", of.Path, b.sc.Limit)
	}
	b.add(4, Step{ID: create, Kind: KindOUCreate, Wave: wave, DependsOn: []string{parentReg}, Blocked: blocked,
		Params:   OUCreate{ParentID: Lit(sp.ParentID), Name: sp.Name},
		Title:    "Create OU " + sp.Name + " " + where,
		Why:      why,
		Target:   Target{OUID: sp.ParentID, Resource: sp.Name},
		CLI:      []string{fmt.Sprintf(`read -r %s %s <<< "$(aws organizations create-organizational-unit --parent-id %s --name %s --query 'OrganizationalUnit.[Id,Arn]' --output text)"`, idVar, arnVar, sp.ParentID, quote(sp.Name))},
		Guard:    "no OU named " + sp.Name + " exists under " + sp.ParentID + " (else it is reused)",
		Expected: "the OU exists under " + sp.ParentID,
		Rollback: `aws organizations delete-organizational-unit --organizational-unit-id "$` + idVar + `" (after moving the accounts back)`})
	out := []string{create}
	for _, pid := range sp.Policies {
		pol := b.ix.Policy(pid)
		id := KindSCPAttach + "/" + pid + "/" + sp.Key
		out = append(out, b.add(4, Step{ID: id, Kind: KindSCPAttach, Wave: wave, DependsOn: []string{create}, Blocked: blocked,
			Params:   SCPAttach{PolicyID: pid, TargetID: Out(create, OutputOUID)},
			Title:    fmt.Sprintf("Attach SCP %s to the new OU %s", pol.Name, path),
			Why:      "the accounts moving into it stay under the SCPs attached to " + of.Path,
			Target:   Target{OUID: sp.ParentID, Resource: pid},
			CLI:      []string{`aws organizations attach-policy --policy-id ` + pid + ` --target-id "$` + idVar + `"`},
			Guard:    "the new OU has fewer than five SCPs",
			Expected: "the policy is in aws organizations list-policies-for-target --target-id \"$" + idVar + "\" --filter SERVICE_CONTROL_POLICY",
			Rollback: `aws organizations detach-policy --policy-id ` + pid + ` --target-id "$` + idVar + `"`}))
	}
	var moves []string
	for _, a := range sp.Accounts {
		moves = append(moves, b.moveIn(a, sp.Key, Out(create, OutputOUID), path, wave, out, blocked))
	}
	b.splitDeps[sp.Key] = append(append([]string(nil), out...), moves...)
	return append(out, moves...)
}

// moveIn moves an account into the OU whose registration will cover it, before that registration;
// the SCPs it would leave behind that its new OU does not carry are attached to it first.
func (b *builder) moveIn(a, key string, dest Value, path string, wave int, deps []string, blocked string) string {
	d := b.sc.Account(a)
	src := d.ParentID
	deps = append(deps, b.attachToAccount(4, wave, d, deps, blocked)...)
	p := AccountMove{AccountID: a, SourceParentID: Lit(src), DestinationParentID: dest}
	b.moves[a] = moveStepID(a)
	return b.add(4, Step{ID: moveStepID(a), Kind: KindAccountMove, Wave: wave, DependsOn: deps, Blocked: blocked, Params: p,
		Title:    "Move account " + a + " into " + path,
		Why:      d.Reason,
		Target:   Target{AccountID: a, OUID: src, Resource: key},
		CLI:      []string{"aws organizations move-account --account-id " + a + " --source-parent-id " + src + " --destination-parent-id " + sh(dest)},
		Guard:    "the account is still in " + src,
		Expected: "the account's parent is " + path,
		Rollback: "aws organizations move-account --account-id " + a + " --source-parent-id " + sh(dest) + " --destination-parent-id " + src})
}

// attachToAccount attaches to an account, before it moves (or before Account Factory moves it as
// it enrolls it), the SCPs of the OUs it leaves that its new OU does not carry, so it is never
// without them (scope.Account.AttachSCPs). Attaching an SCP the account already inherits changes
// nothing until it moves.
func (b *builder) attachToAccount(phase, wave int, d *scope.Account, deps []string, blocked string) []string {
	var out []string
	for _, pid := range d.AttachSCPs {
		pol := b.ix.Policy(pid)
		id := KindSCPAttach + "/" + pid + "/" + d.ID
		out = append(out, b.add(phase, Step{ID: id, Kind: KindSCPAttach, Wave: wave, DependsOn: deps, Blocked: blocked,
			Params:   SCPAttach{PolicyID: pid, TargetID: Lit(d.ID)},
			Title:    fmt.Sprintf("Attach SCP %s to account %s (%s)", pol.Name, d.ID, d.Name),
			Why:      "the account leaves the OU the SCP is attached to, and its new OU does not carry it: attached to the account itself first, the account stays under it",
			Target:   Target{AccountID: d.ID, Resource: pid},
			CLI:      []string{"aws organizations attach-policy --policy-id " + pid + " --target-id " + d.ID},
			Guard:    fmt.Sprintf("the account has fewer than %d SCPs attached directly", scope.MaxSCPsPerTarget),
			Expected: "the policy is in aws organizations list-policies-for-target --target-id " + d.ID + " --filter SERVICE_CONTROL_POLICY",
			Rollback: "aws organizations detach-policy --policy-id " + pid + " --target-id " + d.ID}))
	}
	return out
}

// ---- the enrollment queue ----

// enrollmentQueue schedules the accounts enrolled one by one (phase 4, after the OU waves), each
// with its prerequisites ahead of it. Shared Services is enrolled in phase 5.
func (b *builder) enrollmentQueue() {
	var queued []*scope.Account
	var shared *scope.Account
	for _, a := range b.sc.Accounts {
		if a.Into == "" {
			continue
		}
		if a.SharedServices {
			shared = a
			continue
		}
		queued = append(queued, a)
	}
	sort.SliceStable(queued, func(i, j int) bool {
		// Enroll in registration order of the target OU, then by account ID.
		oi, oj := b.orderOf(queued[i].Into), b.orderOf(queued[j].Into)
		if oi != oj {
			return oi < oj
		}
		return queued[i].ID < queued[j].ID
	})
	var runnable []string
	conc := max(b.s.AccountConcurrency, 1)
	pos := 0
	for _, a := range queued {
		pos++
		// Prepare an account (detach, Config removal) only when the enrollment 2×accountConcurrency
		// places ahead of it is done: enough lookahead that Control Tower never waits, short
		// enough that no account stays unrecorded for long.
		base, _ := b.prepGate()
		gate := append(base[:2:2], b.lastReg())
		if n := len(runnable); n >= 2*conc {
			gate = append(gate, runnable[n-2*conc])
		}
		id := b.enroll(4, b.waveCount+pos, a, gate)
		if !b.enrollDead(a) {
			runnable = append(runnable, id)
		}
	}
	// Shared Services comes last (phase 5); its preparation gets the wave after the queue so that
	// it is not taken out of Config recording ahead of everyone else.
	if shared != nil {
		base, _ := b.prepGate()
		b.enroll(5, b.waveCount+pos+1, shared, append(base[:2:2], b.lastReg()))
	}
}

// lastReg is the last registration that can run ("" when there is none).
func (b *builder) lastReg() string {
	if len(b.regs) == 0 {
		return ""
	}
	return b.regs[len(b.regs)-1]
}

func (b *builder) orderOf(ref string) int {
	if o := b.sc.OU(ref); o != nil {
		return o.Order
	}
	return 0
}

func (b *builder) enroll(phase, wave int, a *scope.Account, gate []string) string {
	ia := b.ix.Account(a.ID)
	var deps []string
	var ouName string
	var ouID Value
	if a.Into == scope.CTSandbox {
		ouName, ouID = b.sandboxName(), Out(b.deployStep, OutputSandboxOUID)
		deps = append(deps, b.deployStep)
	} else {
		ouName, ouID = b.ix.OU(a.Into).Name, Lit(a.Into)
		deps = append(deps, b.deployStep, b.regOf[a.Into])
	}
	if !b.enrollDead(a) {
		prep := b.detachALZ(2, wave, b.policyTargets(a.ParentID, []string{a.ID}), gate)
		prep = append(prep, b.executionRoles(wave, a.ID, []string{a.ID})...)
		cfg := b.removeConfig(3, wave, a.ID, []string{a.ID}, append(detachDeps(prep), gate...))
		deps = append(deps, prep...)
		deps = append(deps, cfg...)
	}
	sid := enrollStepID(a.ID)
	deps = append(deps, b.attachToAccount(phase, wave, a, []string{b.deployStep}, b.blockedAcct[a.ID])...)
	name := sanitizeName(ia.Name, a.ID)
	p := AccountEnroll{Region: b.home, ProductName: AccountFactory, AccountID: a.ID, AccountName: ia.Name, AccountEmail: ia.Email,
		SSOUserEmail: ia.Email, SSOUserFirstName: "Admin", SSOUserLastName: "User", OUName: ouName, OUID: ouID,
		ProvisionedProductName: name, ProvisionToken: token(sid)}
	r := " --region " + b.home
	return b.add(phase, Step{ID: sid, Kind: KindAccountEnroll, Wave: wave, DependsOn: deps, Params: p, Blocked: b.blockedAcct[a.ID],
		Title:  fmt.Sprintf("Enroll account %s (%s) into %s", a.ID, ia.Name, ouName),
		Why:    b.enrollWhy(a, ouName),
		Target: enrollTarget(a.ID, a.Into),
		CLI: []string{
			fmt.Sprintf(`RECORD_ID=$(aws servicecatalog provision-product --product-name %s --provisioning-artifact-name %s --provisioned-product-name %s --provision-token %s --provisioning-parameters Key=AccountName,Value=%s Key=AccountEmail,Value=%s Key=SSOUserEmail,Value=%s Key=SSOUserFirstName,Value=Admin Key=SSOUserLastName,Value=User Key=ManagedOrganizationalUnit,Value="%s (%s)"%s --query RecordDetail.RecordId --output text)`,
				quote(AccountFactory), quote(AccountFactory), name, p.ProvisionToken, quote(ia.Name), ia.Email, ia.Email, ouName, inner(ouID), r),
			waitWhile(`aws servicecatalog describe-record --id "$RECORD_ID"`+r+" --query RecordDetail.Status --output text", 30, "CREATED", "IN_PROGRESS", "IN_PROGRESS_IN_ERROR")},
		Guard:           "target OU registered; " + ExecutionRole + " present; no Config recorder or delivery channel in governed regions; no other Control Tower operation on the OU; account operations in flight below accountConcurrency",
		Expected:        "record SUCCEEDED; the account is enrolled in " + ouName,
		Rollback:        "aws servicecatalog terminate-provisioned-product --provisioned-product-name " + name + r + " (unmanages the account; it stays in the organization)",
		EstimateSeconds: enrollUpperSeconds})
}

// enrollWhy says why an account is enrolled on its own, in words shared by every account of the
// same kind (the account's own reason is in the plan's accounts[]), so that a runbook shows the
// enrollment queue's commands once.
func (b *builder) enrollWhy(a *scope.Account, ouName string) string {
	switch {
	case a.SharedServices, a.SCPsBlock != "":
		return a.Reason
	case a.Into == a.ParentID:
		return "its OU is already registered: Account Factory enrolls it where it is"
	case b.sc.OU(a.ParentID) != nil && b.sc.OU(a.ParentID).TooDeep:
		return "its OU is too deep to register and noMoveOUs keeps it there: Account Factory moves it into " + ouName + ", the nearest registered ancestor, as it enrolls it"
	}
	return b.accounts[a.ID].Reason
}

// enrollTarget names the OU an account is enrolled into: its ID, or (for the Sandbox OU the
// landing zone creates) the scope's marker in Resource.
func enrollTarget(accountID, into string) Target {
	if into == scope.CTSandbox {
		return Target{AccountID: accountID, Resource: into}
	}
	return Target{AccountID: accountID, OUID: into}
}

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

type regionGroup struct{ accounts, regions []string }

// ecGone reports whether a Config wave deletes the account's EnableConfig instance in the region.
func (b *builder) ecGone(account, region string) bool {
	return slices.Contains(b.ecDeleted[account], region)
}

// regionsByAccount collects the regions of stack instances per account, accounts in the order
// first seen. The instances of a snapshot come sorted by account, so most additions extend the
// last account's list, and while accounts keep arriving in increasing order a new one is new for
// sure: the map from account to its place is only made once one comes out of order (a 10,000-
// account StackSet otherwise fills a 10,000-entry map per deletion it plans).
type regionsByAccount struct {
	accounts []string
	regions  [][]string // regions[i]: accounts[i]'s, in any order, with repeats
	at       map[string]int
	slab     []string // where the next accounts' region lists are cut from
	per      int      // region slots cut for each account; 0: 4
}

// maxSlab is the most region slots one allocation gives the accounts' lists: 10,000 accounts
// take a few allocations rather than one each, a wave of a few accounts a small one.
const maxSlab = 4096

// grow makes room for n more accounts with about per regions each.
func (r *regionsByAccount) grow(n, per int) {
	r.accounts = slices.Grow(r.accounts, n)
	r.regions = slices.Grow(r.regions, n)
	r.per = max(1, per)
}

func (r *regionsByAccount) add(account string, regions ...string) {
	n := len(r.accounts)
	if n > 0 && r.accounts[n-1] == account {
		r.regions[n-1] = append(r.regions[n-1], regions...)
		return
	}
	i, ok := n, false
	if r.at == nil && n > 0 && account < r.accounts[n-1] {
		r.at = make(map[string]int, 2*n)
		for j, a := range r.accounts {
			r.at[a] = j
		}
	}
	if r.at != nil {
		if i, ok = r.at[account]; !ok {
			i = n
			r.at[account] = i
		}
	}
	if !ok {
		r.accounts = append(r.accounts, account)
		// Room for a few regions, which most accounts have, cut from the slab (an account with
		// more grows its list on its own).
		per := r.per
		if per == 0 {
			per = 4
		}
		if len(r.slab) < per {
			r.slab = make([]string, min(max(maxSlab, per), per*max(4, len(r.accounts), cap(r.accounts)-len(r.accounts))))
		}
		r.regions = append(r.regions, r.slab[:0:per])
		r.slab = r.slab[per:]
	}
	r.regions[i] = append(r.regions[i], regions...)
}

// groups groups the accounts that have instances in the same set of regions, so each StackSet
// operation (accounts × regions) names only instances that exist: by regions, each group's
// accounts sorted (already so when they were added in order).
func (r *regionsByAccount) groups() []regionGroup {
	idx := make([]int, len(r.accounts))
	for i := range idx {
		idx[i] = i
	}
	if !slices.IsSorted(r.accounts) {
		sort.Slice(idx, func(a, b int) bool { return r.accounts[idx[a]] < r.accounts[idx[b]] })
	}
	byKey := map[string]*regionGroup{}
	var order []string
	var last *regionGroup // most accounts have the regions of the one before
	for _, i := range idx {
		rs := r.regions[i]
		if !slices.IsSorted(rs) {
			slices.Sort(rs)
		}
		rs = slices.Compact(rs)
		g := last
		if g == nil || !slices.Equal(rs, g.regions) {
			k := strings.Join(rs, " ")
			if g = byKey[k]; g == nil {
				g = &regionGroup{regions: rs}
				byKey[k] = g
				order = append(order, k)
			}
		}
		last = g
		g.accounts = append(g.accounts, r.accounts[i])
	}
	sort.Strings(order)
	out := make([]regionGroup, 0, len(order))
	for _, k := range order {
		out = append(out, *byKey[k])
	}
	return out
}
