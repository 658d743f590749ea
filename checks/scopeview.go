package checks

import (
	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/scope"
)

// scopeView is the migration's scope (package scope, computed once per Run and shared with the
// planner) in the shape the checks read: which accounts the plan enrolls, which OUs it registers,
// which regions are governed.
type scopeView struct {
	*scope.Scope
	mgmtID   string
	governed []string
	// enroll are the accounts a plan step enrolls (by registration or one by one), sorted by ID.
	enroll    []*inventory.Account
	enrollSet map[string]bool
	// register are the existing OUs the migration registers, in registration order.
	register []string
}

// scope returns the scope Prepare computed; a check called without Prepare gets one built the same
// way (settings resolved), never one from unresolved settings with no governed regions.
func (in Input) scope() *scopeView {
	if in.sc == nil {
		return Prepare(in).sc
	}
	return in.sc
}

func (in Input) index() *inventory.Index {
	if in.Index == nil {
		return inventory.NewIndex(in.Snapshot)
	}
	return in.Index
}

func newScopeView(sc *scope.Scope) *scopeView {
	v := &scopeView{Scope: sc, mgmtID: sc.Snapshot.Organization.ManagementAccountID, governed: sc.Governed,
		enroll: sc.Covered(), enrollSet: map[string]bool{}}
	for _, a := range v.enroll {
		v.enrollSet[a.ID] = true
	}
	for _, o := range sc.Registered() {
		if !o.Created {
			v.register = append(v.register, o.ID)
		}
	}
	return v
}

// governedRegionsOf returns the account's region entries that are in a governed region.
func (v *scopeView) governedRegionsOf(a *inventory.Account) []*inventory.AccountRegion {
	return v.GovernedRegionsOf(a)
}
