package sim

import (
	"slices"
	"sync"

	"github.com/lz2ct/lz2ct/checks"
	"github.com/lz2ct/lz2ct/inventory"
)

// Service control policies, enforced on member-account calls of the operations that ask for it
// (c.scpDenied): the SCPs attached to the root, every OU above the account and the account itself
// are evaluated for the calling principal with the project's own evaluator (checks/scpeval.go), and
// an explicit deny — or an action no SCP allows at some level — answers AccessDenied as AWS does.
// SCPs never restrict the management account.
// https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html
//
// An evaluator is built per account, from a small snapshot of just its path — the root, the OUs
// and the account, with the SCPs attached to each — and cached with its decisions and the facts it
// was built from. A call compares those facts with the live indexes (a few map lookups, no
// allocation); an AttachPolicy, DetachPolicy or move on the path makes them differ, and that
// account's evaluator is built again (a handful of policies to parse). Nothing is ever rebuilt for
// the whole organization.

// scpCache holds the evaluators and their decisions (opsRuntime.scp).
type scpCache struct {
	mu       sync.Mutex
	accounts map[string]*scpAccount
	builds   int // evaluators built (tests, benchmarks)
}

// scpAccount is one account's evaluator, the path it was built from and its decisions.
type scpAccount struct {
	path      []scpLevel // the account first, up to the root
	ev        *checks.Evaluator
	decisions map[scpKey]string // "" = allowed, else the end of the denial message
}

type scpLevel struct {
	id, parent string
	policies   []string
}

type scpKey struct{ principal, action, resource, region string }

// scpDenied answers AccessDeniedException (in the service's own words) when the SCPs deny action on
// resource ("" = unknown) to the calling principal of a member account; nil otherwise. region ""
// is the call's region.
func (c *call) scpDenied(action, resource, region string) *apiError {
	if c.isManagement() || c.st.account(c.account) == nil {
		return nil
	}
	if region == "" {
		region = c.region
	}
	principal := c.principalRoleARN()
	msg := c.st.rt.scp.decide(c.st, c.account, scpKey{principal, action, resource, region})
	if msg == "" {
		return nil
	}
	e := c.svc.denied
	e.Message = "User: " + c.principalARN() + " is not authorized to perform: " + action
	if resource != "" {
		e.Message += " on resource: " + resource
	}
	e.Message += msg
	if e.Status == 0 {
		e.Status = 400
	}
	return &e
}

// principalRoleARN is the caller as aws:PrincipalARN names it: for an assumed-role session, the
// role's ARN (with its path); for an IAM user, the user's ARN.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn
func (c *call) principalRoleARN() string {
	if c.id.role != "" {
		if r := c.st.role(c.account, c.id.role); r != nil {
			return c.st.roleARN(c.account, r)
		}
		return "arn:" + c.partition() + ":iam::" + c.account + ":role/" + c.id.role
	}
	return "arn:" + c.partition() + ":iam::" + c.account + ":user/" + c.id.user
}

// decide returns "" when the SCPs allow the request, else the end of AWS's denial message: the
// denying policy's ARN, or that no SCP allows the action
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html).
func (sc *scpCache) decide(st *state, account string, k scpKey) string {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	acc := sc.accounts[account]
	if acc == nil || !acc.current(st) {
		acc = sc.build(st, account)
	}
	if msg, ok := acc.decisions[k]; ok {
		return msg
	}
	d := acc.ev.Evaluate(account, checks.Request{Action: k.action, Resource: k.resource, PrincipalARN: k.principal,
		Account: account, Region: k.region, OrgID: st.snap.Organization.ID})
	msg := ""
	if d.Denied() {
		msg = " because no service control policy allows the " + k.action + " action"
		for _, v := range d.Denies {
			if p := st.policyByID[v.PolicyID]; v.Certain && p != nil {
				msg = " with an explicit deny in a service control policy: " + p.Arn
				break
			}
		}
	}
	acc.decisions[k] = msg
	return msg
}

// current reports whether the account's path is still the one its evaluator was built from.
func (acc *scpAccount) current(st *state) bool {
	for _, l := range acc.path {
		if st.parentOf(l.id) != l.parent || !slices.Equal(st.attached[l.id], l.policies) {
			return false
		}
	}
	return true
}

// build makes the account's evaluator from a snapshot of just its path (the index must not follow
// later edits of the live snapshot).
func (sc *scpCache) build(st *state, account string) *scpAccount {
	acc := &scpAccount{decisions: map[scpKey]string{}}
	light := &inventory.Snapshot{Organization: st.snap.Organization}
	onPath := map[string]bool{}
	for id, n := account, 0; id != "" && n < 64; id, n = st.parentOf(id), n+1 {
		acc.path = append(acc.path, scpLevel{id, st.parentOf(id), slices.Clone(st.attached[id])})
		onPath[id] = true
		switch {
		case st.roots[id] != nil:
			light.Roots = append(light.Roots, *st.roots[id])
		case st.ouBy[id] != nil:
			light.OUs = append(light.OUs, *st.ouBy[id])
		case st.accountBy[id] != nil:
			a := st.accountBy[id]
			light.Accounts = append(light.Accounts, inventory.Account{ID: a.ID, Name: a.Name, ParentID: a.ParentID})
		}
	}
	seen := map[string]bool{}
	for _, l := range acc.path {
		for _, pid := range l.policies {
			p := st.policyByID[pid]
			if p == nil || seen[pid] {
				continue
			}
			seen[pid] = true
			cp := *p
			cp.Targets = nil
			for _, t := range p.Targets {
				if onPath[t] {
					cp.Targets = append(cp.Targets, t)
				}
			}
			light.Policies = append(light.Policies, cp)
		}
	}
	acc.ev = checks.NewEvaluator(inventory.NewIndex(light))
	if sc.accounts == nil {
		sc.accounts = map[string]*scpAccount{}
	}
	sc.accounts[account] = acc
	sc.builds++
	return acc
}
