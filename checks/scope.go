package checks

import (
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/lz2ct/lz2ct/inventory"
)

// scope is what several checks need to know about the migration's reach, computed once per Run:
// which accounts will be enrolled (by OU registration or one by one), which OUs registered, and
// which regions governed.
type scope struct {
	mgmtID   string
	rootID   string
	home     string
	governed []string
	govSet   map[string]bool
	// ctSecurityOU is the OU Control Tower already uses as its Security OU ("" when not deployed).
	ctSecurityOU string
	// enroll are the member accounts the migration will enroll, sorted by ID.
	enroll    []*inventory.Account
	enrollSet map[string]bool
	// register are the OUs the migration will register, sorted by ID.
	register    []string
	registerSet map[string]bool
	// problems indexes discovery problems by account ID ("" = organization-wide).
	problems map[string][]inventory.Problem
}

// scope returns the scope Prepare computed; a check called without Prepare gets one built the same
// way (settings resolved), never one from unresolved settings with no governed regions.
func (in Input) scope() *scope {
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

func newScope(in Input) *scope {
	s, ix := in.Snapshot, in.index()
	sc := &scope{
		mgmtID:      s.Organization.ManagementAccountID,
		rootID:      ix.RootID(),
		home:        in.Settings.HomeRegion,
		governed:    append([]string(nil), in.Settings.GovernedRegions...),
		govSet:      map[string]bool{},
		enrollSet:   map[string]bool{},
		registerSet: map[string]bool{},
		problems:    map[string][]inventory.Problem{},
	}
	if sc.home != "" && !slices.Contains(sc.governed, sc.home) {
		sc.governed = append(sc.governed, sc.home)
	}
	sort.Strings(sc.governed)
	for _, r := range sc.governed {
		sc.govSet[r] = true
	}
	lz := s.ControlTower.LandingZone
	if lz != nil && lz.SecurityOUName != "" {
		if ou := ix.OUByName(sc.rootID, lz.SecurityOUName); ou != nil {
			sc.ctSecurityOU = ou.ID
		}
	}
	for _, p := range s.Problems {
		sc.problems[p.AccountID] = append(sc.problems[p.AccountID], p)
	}
	for i := range s.OUs {
		ou := &s.OUs[i]
		if ix.IsRegistered(ou.ID) || sc.underCTSecurity(ix, ou.ID) || underALZCore(s, ix, ou.ID) {
			continue
		}
		if ex, _ := in.Settings.ExcludedOU(ix, ou.ID); ex {
			continue
		}
		sc.register = append(sc.register, ou.ID)
		sc.registerSet[ou.ID] = true
	}
	sort.Strings(sc.register)
	for i := range s.Accounts {
		a := &s.Accounts[i]
		if !sc.willEnroll(in, ix, a) {
			continue
		}
		sc.enroll = append(sc.enroll, a)
		sc.enrollSet[a.ID] = true
	}
	sort.Slice(sc.enroll, func(i, j int) bool { return sc.enroll[i].ID < sc.enroll[j].ID })
	return sc
}

// willEnroll: every member account except the management account, accounts Control Tower already
// governs (enrolled, its own shared accounts, anything under its Security OU), excluded ones, ALZ's
// Security and Log Archive accounts (replaced by Control Tower's), and the Shared Services account
// when the settings keep it out. Suspended accounts stay in scope:
// the suspended-account check reports them, the others skip what they cannot read.
func (sc *scope) willEnroll(in Input, ix *inventory.Index, a *inventory.Account) bool {
	if a.ID == sc.mgmtID || ix.IsEnrolled(a.ID) || in.Settings.ExcludedAccount(a.ID) {
		return false
	}
	if lz := in.Snapshot.ControlTower.LandingZone; lz != nil && (a.ID == lz.LogArchiveAccountID || a.ID == lz.AuditAccountID) {
		return false
	}
	if sc.underCTSecurity(ix, a.ParentID) {
		return false
	}
	if ix.OU(a.ParentID) != nil {
		if ex, _ := in.Settings.ExcludedOU(ix, a.ParentID); ex {
			return false
		}
	}
	if alz := in.Snapshot.ALZ; alz != nil {
		// ALZ's Security and Log Archive accounts are replaced by Control Tower's Audit and Log
		// Archive accounts, never enrolled (the planner excludes them the same way).
		if a.ID == alz.SecurityAccountID || a.ID == alz.LogArchiveAccountID {
			return false
		}
		if a.ID == alz.SharedServicesAccountID && !in.Settings.SharedServicesEnrolled() {
			return false
		}
	}
	return true
}

// underALZCore reports whether an OU is ALZ's core OU or below it: the planner never registers
// them (the core OU's Security and Log Archive accounts are replaced, the OU is deleted in
// decommission), so nothing there blocks a registration.
func underALZCore(s *inventory.Snapshot, ix *inventory.Index, id string) bool {
	if s.ALZ == nil || s.ALZ.CoreOUID == "" {
		return false
	}
	return id == s.ALZ.CoreOUID || slices.Contains(ix.Ancestors(id), s.ALZ.CoreOUID)
}

func (sc *scope) underCTSecurity(ix *inventory.Index, id string) bool {
	if sc.ctSecurityOU == "" {
		return false
	}
	if id == sc.ctSecurityOU {
		return true
	}
	for _, p := range ix.Ancestors(id) {
		if p == sc.ctSecurityOU {
			return true
		}
	}
	return false
}

// governedRegionsOf returns the account's region entries that are in a governed region.
func (sc *scope) governedRegionsOf(a *inventory.Account) []*inventory.AccountRegion {
	var out []*inventory.AccountRegion
	for i := range a.Regions {
		if sc.govSet[a.Regions[i].Region] {
			out = append(out, &a.Regions[i])
		}
	}
	return out
}

// accountSubject names an account for a finding.
func accountSubject(a *inventory.Account) Subject {
	return Subject{Kind: KindAccount, ID: a.ID, Name: a.Name}
}

func ouSubject(ix *inventory.Index, id string) Subject {
	if ou := ix.OU(id); ou != nil {
		return Subject{Kind: KindOU, ID: id, Name: ix.Path(id)}
	}
	if ix.IsRoot(id) {
		return Subject{Kind: KindOU, ID: id, Name: "Root"}
	}
	return Subject{Kind: KindOU, ID: id}
}

func policySubject(p *inventory.Policy) Subject {
	return Subject{Kind: KindPolicy, ID: p.ID, Name: p.Name}
}

// targetSubject names a root, OU or account.
func targetSubject(ix *inventory.Index, id string) Subject {
	if a := ix.Account(id); a != nil {
		return accountSubject(a)
	}
	return ouSubject(ix, id)
}

// listSome renders up to max items and says how many more there are, so a finding about 5,000
// accounts stays readable.
func listSome(items []string, max int) string {
	if len(items) <= max {
		return strings.Join(items, ", ")
	}
	return strings.Join(items[:max], ", ") + ", … (" + strconv.Itoa(len(items)-max) + " more)"
}
