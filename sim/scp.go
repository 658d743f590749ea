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
// The evaluator is built from the organization's structure and SCP attachments and cached with the
// facts it was built from for every level it has seen; a call checks only its own path (a handful
// of map lookups) against them and rebuilds when an attachment or a parent changed (AttachPolicy,
// DetachPolicy, MoveAccount, a new account), so the hot path stays a cache hit.

// scpCache is the evaluator and its decisions (opsRuntime.scp).
type scpCache struct {
	mu        sync.Mutex
	ev        *checks.Evaluator
	levels    map[string]scpLevel // root, OU or account ID -> what the evaluator was built from
	decisions map[scpKey]string   // "" = allowed, else the end of the denial message
	builds    int                 // how many times the evaluator was built (tests)
}

type scpLevel struct {
	parent   string
	policies []string
}

type scpKey struct{ account, principal, action, resource, region string }

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
	msg := c.st.rt.scp.decide(c.st, scpKey{c.account, principal, action, resource, region})
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
func (sc *scpCache) decide(st *state, k scpKey) string {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if sc.ev == nil || !sc.current(st, k.account) {
		sc.build(st)
	}
	if msg, ok := sc.decisions[k]; ok {
		return msg
	}
	d := sc.ev.Evaluate(k.account, checks.Request{Action: k.action, Resource: k.resource, PrincipalARN: k.principal,
		Account: k.account, Region: k.region, OrgID: st.snap.Organization.ID})
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
	sc.decisions[k] = msg
	return msg
}

// current reports whether the evaluator was built from the path of account as it stands now.
func (sc *scpCache) current(st *state, account string) bool {
	for id, n := account, 0; id != "" && n < 64; n++ {
		l, ok := sc.levels[id]
		if !ok || l.parent != st.parentOf(id) || !slices.Equal(l.policies, st.attached[id]) {
			return false
		}
		id = l.parent
	}
	return true
}

// build indexes the organization's structure and SCPs (a light copy: the index must not follow
// later edits of the live snapshot) and forgets every decision.
func (sc *scpCache) build(st *state) {
	s := st.snap
	light := &inventory.Snapshot{Organization: s.Organization, Roots: slices.Clone(s.Roots), OUs: slices.Clone(s.OUs),
		Accounts: make([]inventory.Account, len(s.Accounts)), Policies: make([]inventory.Policy, len(s.Policies))}
	sc.levels = make(map[string]scpLevel, len(s.Accounts)+len(s.OUs)+len(s.Roots))
	for i := range s.Accounts {
		a := &s.Accounts[i]
		light.Accounts[i] = inventory.Account{ID: a.ID, Name: a.Name, ParentID: a.ParentID}
		sc.levels[a.ID] = scpLevel{a.ParentID, slices.Clone(st.attached[a.ID])}
	}
	for _, ou := range s.OUs {
		sc.levels[ou.ID] = scpLevel{ou.ParentID, slices.Clone(st.attached[ou.ID])}
	}
	for _, r := range s.Roots {
		sc.levels[r.ID] = scpLevel{"", slices.Clone(st.attached[r.ID])}
	}
	for i, p := range s.Policies {
		p.Targets = slices.Clone(p.Targets)
		light.Policies[i] = p
	}
	sc.ev = checks.NewEvaluator(inventory.NewIndex(light))
	sc.decisions = map[scpKey]string{}
	sc.builds++
}
