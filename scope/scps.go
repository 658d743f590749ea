package scope

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/lz2ct/lz2ct/inventory"
)

// Keeping guardrails when accounts move. An SCP applies to an account when it is attached to the
// account, its OU or any ancestor of that OU
// (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_inheritance_auth.html).
// Moving an account up out of an OU too deep to register — the plan's move, or Account Factory's
// move when it enrolls the account into another OU — takes it out from under the SCPs attached to
// the OUs it leaves. The plan never lets that happen silently: it carries them, on the new OU the
// account moves into (preferred: the policies stay on an OU, where the organization put them) or on
// the account itself; where neither fits within Organizations' five SCPs per target, the account is
// not moved and check scp.moved-accounts says what to merge.

const (
	// MaxSCPsPerTarget is Organizations' limit of SCPs attached directly to one root, OU or account
	// (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html).
	MaxSCPsPerTarget = 5
	// maxCarriedOnNewOU is how many customer SCPs an OU the plan creates can carry: Organizations
	// attaches FullAWSAccess to every new OU, and Control Tower attaches its own SCP when it registers
	// the OU, which fails on an OU that already has five
	// (https://docs.aws.amazon.com/controltower/latest/userguide/common-eg-failures.html).
	maxCarriedOnNewOU = MaxSCPsPerTarget - 2
)

// customerSCP reports whether the policy is one the customer made: neither AWS-managed
// (FullAWSAccess) nor ALZ's own (which the plan detaches and deletes anyway).
func customerSCP(p *inventory.Policy) bool { return p != nil && !p.AWSManaged && !IsALZPolicy(p) }

// inheritedSCPs are the customer SCPs that apply to whatever is directly under a root or OU:
// attached to it or to one of its ancestors. Cached per target.
func (sc *Scope) inheritedSCPs(id string) map[string]bool {
	if m, ok := sc.inherited[id]; ok {
		return m
	}
	m := map[string]bool{}
	if id != "" {
		if p := sc.Index.Parent(id); p != "" && p != id {
			for k := range sc.inheritedSCPs(p) {
				m[k] = true
			}
		}
		for _, pid := range sc.customerSCPs(id) {
			m[pid] = true
		}
	}
	sc.inherited[id] = m
	return m
}

// leftSCPs are the customer SCPs that apply to the account where it is and would no longer apply
// under dest (an OU or root ID; "" for an OU the landing zone creates, which inherits only the
// root's), with carried attached to its new OU: those attached to the OUs it leaves, sorted. SCPs
// attached to the account itself move with it.
func (sc *Scope) leftSCPs(accountID, dest string, carried []string) []string {
	before := sc.inheritedSCPs(sc.Index.Parent(accountID))
	after := sc.inheritedSCPs(dest)
	if dest == "" {
		after = sc.inheritedSCPs(sc.Index.RootID())
	}
	keep := map[string]bool{}
	for _, p := range carried {
		keep[p] = true
	}
	for _, p := range sc.Index.PoliciesOn(accountID) {
		keep[p] = true
	}
	var out []string
	for p := range before {
		if !after[p] && !keep[p] {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

// cannotCarry says why the SCPs, which apply under the OU from, cannot be attached together to one
// new target that already holds `holding` SCPs and may hold at most `limit`; "" when they can. An
// SCP with Allow statements attached to an OU without FullAWSAccess is an allow-list there:
// attached next to FullAWSAccess (on a new OU, or an account) it would allow everything, so it
// cannot be carried that way
// (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html).
func (sc *Scope) cannotCarry(ps []string, from string, holding, limit int) string {
	if n := holding + len(ps); n > limit {
		return fmt.Sprintf("with them it would hold %d SCPs, counting %d it holds or needs room for; at most %d per target", n, holding, limit)
	}
	levels := map[string]bool{from: true}
	for _, a := range sc.Index.Ancestors(from) {
		levels[a] = true
	}
	for _, pid := range ps {
		p := sc.Index.Policy(pid)
		if p == nil || !hasAllow(p.Document) {
			continue
		}
		for _, t := range p.Targets {
			if !levels[t] {
				continue
			}
			if on := sc.Index.PoliciesOn(t); len(on) > 0 && !sc.anyAWSManaged(on) {
				return fmt.Sprintf("%s is an allow-list on %s (no FullAWSAccess there): next to FullAWSAccess it would allow everything", p.Name, sc.Index.Path(t))
			}
		}
	}
	return ""
}

func (sc *Scope) anyAWSManaged(ids []string) bool {
	for _, id := range ids {
		if p := sc.Index.Policy(id); p != nil && p.AWSManaged {
			return true
		}
	}
	return false
}

// hasAllow reports whether a policy document has an Allow statement (Statement as an object or an
// array). A document that does not parse counts as having one: carrying it is not known to be safe.
func hasAllow(doc string) bool {
	var top struct{ Statement json.RawMessage }
	if json.Unmarshal([]byte(doc), &top) != nil {
		return true
	}
	var sts []struct{ Effect string }
	t := bytes.TrimSpace(top.Statement)
	if len(t) == 0 || string(t) == "null" {
		return false
	}
	if t[0] == '{' {
		var one struct{ Effect string }
		if json.Unmarshal(t, &one) != nil {
			return true
		}
		sts = append(sts, one)
	} else if json.Unmarshal(top.Statement, &sts) != nil {
		return true
	}
	for _, s := range sts {
		if strings.EqualFold(s.Effect, "Allow") {
			return true
		}
	}
	return false
}

// accountSCPCount is how many SCPs are attached to the account itself: at least one
// (Organizations keeps FullAWSAccess, or another SCP, on every target while SCPs are enabled).
func (sc *Scope) accountSCPCount(accountID string) int {
	return max(1, len(sc.Index.PoliciesOn(accountID)))
}

// carryOnAccount decides for an account that leaves SCPs behind and whose new OU does not carry
// them: attach them to the account itself when that fits, else record why the plan cannot move it
// (its enrollment is then blocked by check scp.moved-accounts). It returns the words for its reason.
func (sc *Scope) carryOnAccount(d *Account, left []string) string {
	d.LeavesSCPs = left
	if why := sc.cannotCarry(left, d.ParentID, sc.accountSCPCount(d.ID), MaxSCPsPerTarget); why != "" {
		d.SCPsBlock = fmt.Sprintf("it would leave the SCPs %s behind, and they cannot be attached to the account instead (%s)", sc.policyNames(left), why)
		return "; " + d.SCPsBlock + ": merge them into fewer SCPs (or attach them higher up), then discover again and re-plan"
	}
	d.AttachSCPs = left
	return fmt.Sprintf("; the SCPs of the OUs it leaves (%s) are attached to the account itself first, so it stays under them", sc.policyNames(left))
}

// policyNames renders policy IDs as "name (p-…), …".
func (sc *Scope) policyNames(ids []string) string {
	out := make([]string, len(ids))
	for i, id := range ids {
		if p := sc.Index.Policy(id); p != nil {
			out[i] = p.Name + " (" + id + ")"
		} else {
			out[i] = id
		}
	}
	return strings.Join(out, ", ")
}

// PolicyNames renders policy IDs as "name (p-…), …", for reasons and titles.
func (sc *Scope) PolicyNames(ids []string) string { return sc.policyNames(ids) }

// unionSorted merges sorted-or-not ID lists into one sorted list without duplicates.
func unionSorted(lists ...[]string) []string {
	seen := map[string]bool{}
	var out []string
	for _, l := range lists {
		for _, v := range l {
			if !seen[v] {
				seen[v] = true
				out = append(out, v)
			}
		}
	}
	sort.Strings(out)
	return out
}
