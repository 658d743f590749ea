package checks

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/words"
)

const srcSCPEval = "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html"

// Role names the migration acts as inside member accounts.
const (
	RoleCTExecution        = "AWSControlTowerExecution"
	RoleStackSetExecution  = "AWSCloudFormationStackSetExecutionRole"
	RoleOrganizationAccess = "OrganizationAccountAccessRole"
)

// probe is a family of actions one role must be able to perform in an account for a phase to work.
type probe struct {
	group   string
	purpose string // "Control Tower's execution role setting up the account", for titles
	phase   Phase
	role    func(a *inventory.Account) string
	actions []string
	// resource returns the ARN acted on, "" when not known in advance.
	resource func(partition, account string) string
	applies  func(in Input, a *inventory.Account) bool
}

func fixedRole(name string) func(*inventory.Account) string {
	return func(*inventory.Account) string { return name }
}

// accessRole is the role lz2ct itself acts as in the account (the one discovery could assume),
// AWSControlTowerExecution when unknown.
func accessRole(a *inventory.Account) string {
	if a.AccessRole != "" && a.AccessRole != "caller" {
		return a.AccessRole
	}
	return RoleCTExecution
}

// ctProbes: what AWSControlTowerExecution does when Control Tower enrolls an account (it sets up
// AWS Config, deploys its baseline stacks and roles, SNS topics and Lambda forwarders), and what
// removing ALZ's Config needs. The action list is representative, not exhaustive: CT's role has
// AdministratorAccess (enrollment-prerequisites.html), and these are the families SCPs usually
// protect (scp-guide: "Prevent AWS Config tampering").
func ctProbes(in Input) []probe {
	// Only accounts where the plan removes something (ALZ's recorder or channel) are probed.
	hasALZConfig := func(in Input, a *inventory.Account) bool {
		sc := in.scope()
		for i := range a.Regions {
			r := &a.Regions[i]
			if !sc.IsGoverned(r.Region) { // governedRegionsOf without its slice, for each of 10,000 accounts
				continue
			}
			for _, rec := range r.ConfigRecorders {
				if !rec.ServiceLinked && isALZRecorder(rec.Name) {
					return true
				}
			}
			for _, ch := range r.DeliveryChannels {
				if isALZChannel(ch.Name) {
					return true
				}
			}
		}
		return false
	}
	removal := []string{"config:StopConfigurationRecorder", "config:DeleteConfigurationRecorder", "config:DeleteDeliveryChannel"}
	ps := []probe{{
		group: "ct-execution", purpose: "what AWSControlTowerExecution does at enrollment", phase: PhaseEnrollment,
		role: fixedRole(RoleCTExecution),
		actions: []string{
			"config:PutConfigurationRecorder", "config:PutDeliveryChannel", "config:StartConfigurationRecorder",
			"cloudformation:CreateStack", "iam:CreateRole", "iam:AttachRolePolicy", "sns:CreateTopic", "lambda:CreateFunction",
		},
	}}
	if in.Settings.ConfigRemoval == "direct" {
		ps = append(ps, probe{
			group: "config-removal-direct", purpose: "removing ALZ's AWS Config directly", phase: PhaseConfig,
			role: accessRole, actions: removal, applies: hasALZConfig,
		})
	} else {
		// Deleting the EnableConfig stack instances runs as the StackSet execution role in the account.
		ps = append(ps, probe{
			group: "config-removal-stackset", purpose: "removing AWS Config through ALZ's StackSet", phase: PhaseConfig,
			role: fixedRole(RoleStackSetExecution), actions: append(removal, "cloudformation:DeleteStack"), applies: hasALZConfig,
		})
	}
	return ps
}

// roleCreationProbe: creating AWSControlTowerExecution in accounts that lack it, as the role lz2ct
// can assume there.
var roleCreationProbe = probe{
	group: "execution-role-creation", purpose: "creating the AWSControlTowerExecution role", phase: PhaseEnrollment,
	role:    accessRole,
	actions: []string{"iam:CreateRole", "iam:AttachRolePolicy"},
	resource: func(partition, account string) string {
		return "arn:" + partition + ":iam::" + account + ":role/" + RoleCTExecution
	},
	applies: func(in Input, a *inventory.Account) bool {
		return a.IAM != nil && !a.IAM.ControlTowerExecutionRole && a.AccessRole != ""
	},
}

// scpHit gathers, for one (probe, policy or level), the accounts it blocks.
type scpHit struct {
	probe    *probe
	policyID string // deny by this policy; "" for a not-allowed level
	level    string // the level that does not allow (not-allowed hits)
	certain  bool
	sids     map[string]bool
	notes    map[string]bool
	attached map[string]bool
	actions  map[string]bool // certainly denied / not allowed
	maybe    map[string]bool // possibly denied (uncertain statements only)
	regions  map[string]bool // regions of the requests it blocks ("" = unknown)
	accounts []*inventory.Account
	seen     map[string]bool
}

// evaluateProbes runs the probes for every account in scope and returns one finding per blocking
// policy (or level that does not allow) and probe.
func evaluateProbes(in Input, probes []probe) []Finding {
	return evaluateProbesFor(in, probes, in.scope().enroll)
}

// evaluateProbesFor runs the probes for the given accounts.
func evaluateProbesFor(in Input, probes []probe, accounts []*inventory.Account) []Finding {
	sc, ix := in.scope(), in.index()
	ev := NewEvaluator(ix)
	part := in.Snapshot.Partition
	if part == "" {
		part = "aws"
	}
	hits := map[string]*scpHit{}
	var order []string
	var hit func(key string, p *probe) *scpHit
	add := func(h *scpHit, a *inventory.Account, action, region string, certain bool) {
		h.regions[region] = true
		if certain {
			h.actions[action] = true
		} else {
			h.maybe[action] = true
		}
		if !h.seen[a.ID] {
			h.seen[a.ID] = true
			h.accounts = append(h.accounts, a)
		}
	}
	// touched collects the hits a record call updates (nil: not collecting).
	var touched *[]*scpHit
	hit = func(key string, p *probe) *scpHit {
		h := hits[key]
		if h == nil {
			h = &scpHit{probe: p, sids: map[string]bool{}, notes: map[string]bool{}, attached: map[string]bool{}, actions: map[string]bool{}, maybe: map[string]bool{}, regions: map[string]bool{}, seen: map[string]bool{}}
			hits[key] = h
			order = append(order, key)
		}
		if touched != nil && !slices.Contains(*touched, h) {
			*touched = append(*touched, h)
		}
		return h
	}
	record := func(d Decision, p *probe, a *inventory.Account, action, region string) {
		for _, v := range d.Denies {
			h := hit(p.group+"|deny|"+v.PolicyID, p)
			h.policyID = v.PolicyID
			h.certain = h.certain || v.Certain
			h.sids[v.Sid] = true
			h.attached[v.AttachedTo] = true
			if v.Note != "" {
				h.notes[v.Note] = true
			}
			add(h, a, action, region, v.Certain)
		}
		for _, id := range d.Unparsable {
			h := hit(p.group+"|deny|"+id, p)
			h.policyID = id
			h.notes["the policy cannot be parsed: "+fmt.Sprint(ev.ParseError(id))] = true
			add(h, a, action, region, false)
		}
		for _, lvl := range d.NotAllowedAt {
			h := hit(p.group+"|notallowed|"+lvl, p)
			h.level, h.certain = lvl, true
			add(h, a, action, region, true)
		}
		for _, lvl := range d.MaybeAllowedAt {
			h := hit(p.group+"|notallowed|"+lvl, p)
			h.level = lvl
			h.notes["only conditional or resource-scoped Allow statements cover it"] = true
			add(h, a, action, region, false)
		}
	}
	// Accounts with the same parent and the same (account-independent) SCPs of their own get the
	// same decisions for the same requests: evaluate once per such group, probe and role.
	type spec struct{ action, lower, region string }
	specs := make([][]spec, len(probes))
	for pi, p := range probes {
		for _, action := range p.actions {
			for _, region := range requestRegions(action, sc.governed) {
				specs[pi] = append(specs[pi], spec{action, strings.ToLower(action), region})
			}
		}
	}
	type probeRole struct {
		probe int
		role  string
	}
	type groupKey struct {
		group GroupKey
		probeRole
	}
	// batches holds, per probe and role, the requests' Keys and the batch they form (EvaluateAll).
	type batch struct {
		name string
		keys []string
	}
	batches := map[probeRole]batch{}
	// groupHits are the hits the shared decisions of a group touched when its first account was
	// recorded: the same decisions touch the same hits with the same values for every account of
	// the group, so the next accounts are only added to them (recording every decision again for
	// each of 10,000 accounts was a third of the check).
	groupHits := map[groupKey][]*scpHit{}
	evaluate := func(pi int, p *probe, a *inventory.Account, role string) []Decision {
		b, ok := batches[probeRole{pi, role}]
		if !ok {
			b.name = p.group + "|" + role
			for _, sp := range specs[pi] {
				b.keys = append(b.keys, b.name+"|"+sp.action+"|"+sp.region)
			}
			batches[probeRole{pi, role}] = b
		}
		principal := "arn:" + part + ":iam::" + a.ID + ":role/" + role
		res := "" // the resource may vary only by account ID, for Request.Key to hold
		if p.resource != nil {
			res = p.resource(part, a.ID)
		}
		reqs := make([]Request, len(specs[pi]))
		for si, sp := range specs[pi] {
			reqs[si] = Request{Action: sp.lower, Resource: res, PrincipalARN: principal, Account: a.ID,
				Region: sp.region, OrgID: in.Snapshot.Organization.ID, Key: b.keys[si]}
		}
		return ev.EvaluateAll(a.ID, b.name, reqs)
	}
	for _, a := range accounts {
		if a.Status != inventory.AccountActive {
			continue
		}
		group, shared := ev.GroupKey(a.ID)
		for pi := range probes {
			p := &probes[pi]
			if p.applies != nil && !p.applies(in, a) {
				continue
			}
			role := p.role(a)
			var ds []Decision
			var collect []*scpHit
			if shared {
				gk := groupKey{group, probeRole{pi, role}}
				if hs, ok := groupHits[gk]; ok {
					for _, h := range hs {
						if !h.seen[a.ID] {
							h.seen[a.ID] = true
							h.accounts = append(h.accounts, a)
						}
					}
					continue
				}
				ds = evaluate(pi, p, a, role)
				touched = &collect
			} else {
				ds = evaluate(pi, p, a, role)
			}
			for si := range ds {
				if ds[si].Blocked() {
					record(ds[si], p, a, specs[pi][si].action, specs[pi][si].region)
				}
			}
			if touched != nil {
				groupHits[groupKey{group, probeRole{pi, role}}] = collect
				touched = nil
			}
		}
	}
	sort.Strings(order)
	var out []Finding
	for _, key := range order {
		out = append(out, hits[key].finding(ix, part, sc.governed))
	}
	return out
}

// requestRegions lists the regions an action is evaluated in: every governed region (Control Tower
// works in each, and SCPs often deny by aws:RequestedRegion), and us-east-1 for IAM, whose requests
// carry that region (reference_policies_condition-keys.html#condition-keys-requestedregion).
func requestRegions(action string, governed []string) []string {
	switch {
	case strings.HasPrefix(strings.ToLower(action), "iam:"):
		return []string{"us-east-1"}
	case len(governed) == 0:
		return []string{""} // unknown: region conditions then "may apply"
	}
	return governed
}

func (h *scpHit) finding(ix *inventory.Index, partition string, governed []string) Finding {
	p := h.probe
	sort.Slice(h.accounts, func(i, j int) bool { return h.accounts[i].ID < h.accounts[j].ID })
	acctIDs := make([]string, len(h.accounts))
	for i, a := range h.accounts {
		acctIDs[i] = a.ID
	}
	roleDesc := "arn:" + partition + ":iam::<account>:role/" + p.role(h.accounts[0])
	sev := Blocker
	if !h.certain {
		sev = Warning
	}
	f := Finding{Severity: sev, Phase: p.phase}
	for a := range h.actions {
		delete(h.maybe, a) // certain somewhere beats maybe elsewhere
	}
	actions := strings.Join(slices.Sorted(maps.Keys(h.actions)), ", ")
	maybe := strings.Join(slices.Sorted(maps.Keys(h.maybe)), ", ")
	if h.policyID != "" {
		pol := ix.Policy(h.policyID)
		verb := "denies"
		if !h.certain {
			verb = "may deny"
		}
		f.Title = fmt.Sprintf("SCP %s %s %s (%s)", pol.Name, verb, p.purpose, words.Count(len(h.accounts), "account"))
		f.Subjects = append(f.Subjects, policySubject(pol))
		var where []string
		targets := slices.Sorted(maps.Keys(h.attached))
		// Root and OUs first: they say where the policy sits; accounts with their own copy after.
		sort.SliceStable(targets, func(i, j int) bool { return !isAccountID(targets[i]) && isAccountID(targets[j]) })
		for _, t := range targets {
			f.Subjects = append(f.Subjects, targetSubject(ix, t))
			where = append(where, t+" "+targetSubject(ix, t).Name)
		}
		switch {
		case actions != "" && maybe != "":
			f.Evidence = append(f.Evidence, fmt.Sprintf("%s %s %s %s and may deny %s to %s", words.Noun(len(h.sids), "statement"), quoteSids(slices.Sorted(maps.Keys(h.sids))), words.Noun(len(h.sids), "denies", "deny"), actions, maybe, roleDesc))
		case actions != "":
			f.Evidence = append(f.Evidence, fmt.Sprintf("%s %s %s %s to %s", words.Noun(len(h.sids), "statement"), quoteSids(slices.Sorted(maps.Keys(h.sids))), words.Noun(len(h.sids), "denies", "deny"), actions, roleDesc))
		default:
			f.Evidence = append(f.Evidence, fmt.Sprintf("%s %s may deny %s to %s", words.Noun(len(h.sids), "statement"), quoteSids(slices.Sorted(maps.Keys(h.sids))), maybe, roleDesc))
		}
		if len(where) > 0 {
			f.Evidence = append(f.Evidence, "attached to "+listSome(where, 10)+" (inherited by everything below)")
		}
		if IsALZPolicy(pol) {
			f.FixedByPlan = true
			f.Remediation = "This is ALZ's own SCP: the plan exports it, detaches it from each OU just before that OU's wave, and deletes it in decommission."
		} else {
			f.Remediation = fmt.Sprintf("Exempt the role in the Deny statement (\"Condition\": {\"ArnNotLike\": {\"aws:PrincipalARN\": \"arn:%s:iam::*:role/%s\"}}) "+
				"or detach the SCP from these accounts' OUs before the migration.", partition, p.role(h.accounts[0]))
		}
	} else {
		f.Title = fmt.Sprintf("No SCP on %s allows what %s needs (%s)", targetSubject(ix, h.level).Name, p.purpose, words.Count(len(h.accounts), "account"))
		f.Subjects = append(f.Subjects, targetSubject(ix, h.level))
		f.Evidence = append(f.Evidence, fmt.Sprintf("none of the SCPs attached to %s (%s) allows %s: SCPs must allow an action at every level from the root to the account",
			h.level, strings.Join(ix.PoliciesOn(h.level), ", "), strings.Trim(actions+", "+maybe, ", ")))
		f.Remediation = "Attach FullAWSAccess to " + h.level + " or add these actions to its allow-list SCP."
		if !h.certain {
			f.Severity = Warning
		}
	}
	if regions := slices.Sorted(maps.Keys(h.regions)); len(regions) > 0 && regions[0] != "" {
		if len(regions) < len(governed) && h.policyID != "" && !f.FixedByPlan {
			f.Remediation += " It blocks only some governed regions: governing just the regions it allows (governedRegions) also works."
		}
		where := "in " + strings.Join(regions, ", ")
		if strings.Contains(actions+maybe, "iam:") {
			where += " (IAM requests count as us-east-1)"
		}
		f.Evidence = append(f.Evidence, where)
		for _, r := range regions {
			f.Subjects = append(f.Subjects, Subject{Kind: KindRegion, ID: r})
		}
	}
	for _, n := range slices.Sorted(maps.Keys(h.notes)) {
		f.Evidence = append(f.Evidence, "uncertain: "+n)
	}
	f.Evidence = append(f.Evidence, "accounts: "+listSome(acctIDs, 20))
	f.Subjects = slices.Grow(f.Subjects, len(h.accounts))
	for _, a := range h.accounts {
		f.Subjects = append(f.Subjects, accountSubject(a))
	}
	return f
}

func quoteSids(sids []string) string {
	out := make([]string, len(sids))
	for i, s := range sids {
		if s == "" {
			s = "(no Sid)"
		}
		out[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(out, ", ")
}

func init() {
	register(Check{
		ID: "scp.deny-ct-roles", Title: "SCPs let Control Tower's roles and the Config removal work",
		Severity: Blocker, Phase: PhaseEnrollment,
		Reads: "policies (documents, targets), ous, accounts, settings configRemoval and governedRegions",
		Why: "SCPs on the root, every OU above an account and the account itself apply to it: one Deny that covers what AWSControlTowerExecution does " +
			"(or what removing ALZ's Config needs) makes enrollment fail, and so does an allow-list that leaves such an action out at any level. " +
			"ALZ's own protect-cloudtrail-config and *-mandatory-preventive-guardrails SCPs deny exactly these Config changes.",
		Source: srcSCPEval,
		Run: func(in Input) []Finding {
			return evaluateProbes(in, ctProbes(in))
		},
	})
}

func isAccountID(id string) bool { return len(id) == 12 && strings.Trim(id, "0123456789") == "" }
