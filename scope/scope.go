// Package scope decides, once for the pre-checks and the planner, what the migration covers:
// which OUs are registered (in which order, with which remedy when an OU is over the account limit),
// which accounts a registration enrolls, which are enrolled one by one and into which OU, and
// which are excluded, left out or blocked — each with the reason. lz2ct check reports what stops
// the scope (a registration that would enroll an account it cannot, accounts left out) and the
// planner turns the scope into steps, so check and plan never disagree about it.
//
// Data flows one way: inventory -> scope -> checks -> plans. The scope reads a canonical copy of
// the snapshot (its lists sorted), so the same organization in any list order gives the same scope.
package scope

import (
	"fmt"
	"sort"
	"strings"

	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/settings"
)

// Control Tower's limits the scope applies.
const (
	// MaxOUDepth is how deep below the root Control Tower registers nested OUs
	// (https://docs.aws.amazon.com/controltower/latest/userguide/nested-ous.html).
	MaxOUDepth = 5
	// MaxAccountRegions bounds managed accounts × governed regions for the whole organization
	// (https://docs.aws.amazon.com/controltower/latest/userguide/region-stackset-limitations.html).
	MaxAccountRegions = 150000
	// DefaultSecurityOU and DefaultSandboxOU are the OU names Control Tower gives its Security and
	// Sandbox OUs unless the landing zone manifest says otherwise.
	DefaultSecurityOU = "Security"
	DefaultSandboxOU  = "Sandbox"
)

// Account dispositions: every account has exactly one.
const (
	HowOURegistration = "ou-registration"  // enrolled by registering its OU
	HowEnroll         = "enroll"           // enrolled on its own (Account Factory)
	HowExcluded       = "excluded"         // left alone by the settings, or replaced by Control Tower's own account
	HowLeftOut        = "left-out"         // Control Tower cannot govern it where it is; the plan runs without it
	HowBlocked        = "blocked"          // its enrollment cannot run until a blocker is resolved
	HowEnrolled       = "already-enrolled" // Control Tower already governs it
	HowManagement     = "management"       // the management account: Control Tower runs there, never enrolls it
)

// CTSandbox is Into for an account enrolled into the Sandbox OU the landing zone creates (it has no
// ID before the landing zone exists).
const CTSandbox = "ct:sandbox"

// OU is one OU of the organization, or a child OU the plan creates to split an OU over the limit.
type OU struct {
	// ID is empty for a created OU; Key is the ID, or "<parent ID>/<name>" for a created OU.
	ID, Key  string
	Name     string
	Path     string
	ParentID string
	Depth    int
	// Accounts is the number of accounts directly in the OU now.
	Accounts int
	// Enrolls is how many accounts its registration enrolls (0 when it is not registered).
	Enrolls int
	Created bool
	// Order is the position in the registration sequence, 1-based; 0 = not registered.
	Order int
	// Registered: Control Tower already governs it.
	Registered bool
	// TooDeep: it is deeper than MaxOUDepth, so not registered (its accounts are enrolled into the
	// nearest registered ancestor when there is one).
	TooDeep bool
	// Skip says why it is not registered; Remedy what the plan does instead.
	Skip, Remedy string
	// Blocks are the reasons its registration cannot run as planned: accounts in it the
	// registration would enroll but cannot (excluded, not ACTIVE). Check ou.registration-blocked
	// reports them; the plan marks the registration blocked.
	Blocks []Block
	// Splits are the child OUs created to keep it under the limit; Excess the accounts moved to its
	// parent before its registration (it is too deep for children) and enrolled back one by one.
	Splits []Split
	Excess []string
}

// Block is one account that stops an OU's registration.
type Block struct {
	AccountID, AccountName string
	Reason                 string // why the account cannot be enrolled
	// Excluded: the account is excluded (by the settings, or replaced by Control Tower's own);
	// otherwise it is not ACTIVE.
	Excluded bool
}

// Split is a child OU created to split an oversized OU.
type Split struct {
	Key, Name string
	Accounts  []string
}

// Account is one account's disposition.
type Account struct {
	ID, Name, ParentID string
	How                string
	Reason             string
	// Registration is the Key of the OU whose registration enrolls it (HowOURegistration).
	Registration string
	// Into is the OU an account enrolled one by one goes into (HowEnroll): an OU ID, or CTSandbox.
	Into string
	// SplitInto is the Key of the created child OU it moves into first; MoveOut says it leaves its
	// OU (for the parent) before that OU's registration and is enrolled back afterwards.
	SplitInto string
	MoveOut   bool
	// SharedServices marks ALZ's Shared Services account (enrolled with the shared accounts).
	SharedServices bool
}

// Covered reports whether a step of the plan enrolls the account (through a registration or on its own).
func (a *Account) Covered() bool { return a.How == HowOURegistration || a.How == HowEnroll }

// Scope is what the migration covers.
type Scope struct {
	// Snapshot is a canonical copy of the organization; Index indexes it.
	Snapshot *inventory.Snapshot
	Index    *inventory.Index
	// Settings are the resolved settings.
	Settings settings.Settings
	// Governed are the governed regions, the home region included, sorted.
	Governed []string
	// OUs lists every OU and every created OU: registered ones in registration order (parent
	// first), then the others, each group by depth, path and ID.
	OUs []*OU
	// Accounts lists every account, sorted by ID.
	Accounts []*Account

	ous      map[string]*OU
	accounts map[string]*Account
	govSet   map[string]bool
	ctSec    string // Control Tower's Security OU ID ("" when there is none yet)
	problems map[string][]inventory.Problem
}

// New computes the scope of a snapshot with settings (resolved here; Resolve only fills what is
// unset, so resolved settings pass through).
func New(snap *inventory.Snapshot, s settings.Settings) *Scope {
	c := canonical(snap)
	sort.Slice(c.ControlTower.Baselines, func(i, j int) bool { return c.ControlTower.Baselines[i].Arn < c.ControlTower.Baselines[j].Arn })
	sc := &Scope{Snapshot: c, Index: inventory.NewIndex(c), Settings: s.Resolve(c),
		ous: map[string]*OU{}, accounts: map[string]*Account{}, govSet: map[string]bool{}, problems: map[string][]inventory.Problem{}}
	gov := append([]string(nil), sc.Settings.GovernedRegions...)
	if h := sc.Settings.HomeRegion; h != "" {
		gov = append(gov, h)
	}
	for _, r := range gov {
		if r != "" && !sc.govSet[r] {
			sc.govSet[r] = true
			sc.Governed = append(sc.Governed, r)
		}
	}
	sort.Strings(sc.Governed)
	for _, p := range c.Problems {
		sc.problems[p.AccountID] = append(sc.problems[p.AccountID], p)
	}
	if ou := sc.Index.OUByName(sc.Index.RootID(), sc.SecurityOUName()); ou != nil && c.ControlTower.LandingZone != nil {
		sc.ctSec = ou.ID
	}
	sc.classifyOUs()
	sc.classifyAccounts()
	return sc
}

// OU returns an OU (or created OU) by key, or nil.
func (sc *Scope) OU(key string) *OU { return sc.ous[key] }

// Account returns an account's disposition, or nil.
func (sc *Scope) Account(id string) *Account { return sc.accounts[id] }

// Covered lists the accounts a step of the plan enrolls, sorted by ID: what the per-account
// pre-checks examine.
func (sc *Scope) Covered() []*inventory.Account {
	var out []*inventory.Account
	for _, a := range sc.Accounts {
		if a.Covered() {
			out = append(out, sc.Index.Account(a.ID))
		}
	}
	return out
}

// Registered lists the OUs the migration registers, in registration order.
func (sc *Scope) Registered() []*OU {
	var out []*OU
	for _, o := range sc.OUs {
		if o.Order > 0 {
			out = append(out, o)
		}
	}
	return out
}

// IsGoverned reports whether a region is governed.
func (sc *Scope) IsGoverned(region string) bool { return sc.govSet[region] }

// GovernedRegionsOf returns the account's region entries in governed regions.
func (sc *Scope) GovernedRegionsOf(a *inventory.Account) []*inventory.AccountRegion {
	var out []*inventory.AccountRegion
	for i := range a.Regions {
		if sc.govSet[a.Regions[i].Region] {
			out = append(out, &a.Regions[i])
		}
	}
	return out
}

// Problems returns discovery's problems for an account ("" = organization-wide).
func (sc *Scope) Problems(accountID string) []inventory.Problem { return sc.problems[accountID] }

// ReadIn reports whether discovery read the account in a region completely: it has an entry for
// the region and no problem covers the account there. An account not read is not proven clean.
func (sc *Scope) ReadIn(a *inventory.Account, region string) bool {
	if a.IAM == nil || a.AccessRole == "" {
		return false
	}
	found := false
	for _, r := range a.Regions {
		if r.Region == region {
			found = true
		}
	}
	if !found {
		return false
	}
	for _, p := range sc.problems[a.ID] {
		if p.Region == "" || p.Region == region {
			return false
		}
	}
	return true
}

// SecurityOUName is the name of Control Tower's Security OU: the landing zone's, else the default.
func (sc *Scope) SecurityOUName() string {
	if lz := sc.Snapshot.ControlTower.LandingZone; lz != nil && lz.SecurityOUName != "" {
		return lz.SecurityOUName
	}
	return DefaultSecurityOU
}

// SandboxOUName is the name of Control Tower's Sandbox OU: the existing landing zone's; for a new
// landing zone "Sandbox", or "" when a root-level OU already has that name (the manifest then
// leaves the Sandbox OU out rather than take that OU over).
func (sc *Scope) SandboxOUName() string {
	if lz := sc.Snapshot.ControlTower.LandingZone; lz != nil {
		return lz.SandboxOUName
	}
	if sc.Index.OUByName(sc.Index.RootID(), DefaultSandboxOU) != nil {
		return ""
	}
	return DefaultSandboxOU
}

// ManagedAccounts counts the accounts Control Tower governs once the migration is done: those it
// governs now (the management account included), those the plan enrolls, and the two shared
// accounts a new landing zone creates.
func (sc *Scope) ManagedAccounts() int {
	n := 0
	for _, a := range sc.Accounts {
		switch a.How {
		case HowManagement, HowEnrolled, HowOURegistration, HowEnroll:
			n++
		}
	}
	if sc.Snapshot.ControlTower.LandingZone == nil {
		n += 2
	}
	return n
}

// AccountRegions is managed accounts × governed regions, the figure Control Tower bounds at
// MaxAccountRegions.
func (sc *Scope) AccountRegions() int { return sc.ManagedAccounts() * len(sc.Governed) }

// CTSecurityOU is the ID of Control Tower's Security OU, "" when Control Tower is not deployed.
func (sc *Scope) CTSecurityOU() string { return sc.ctSec }

// UnderCTSecurity reports whether an OU (or account parent) is Control Tower's Security OU or below it.
func (sc *Scope) UnderCTSecurity(id string) bool {
	if sc.ctSec == "" {
		return false
	}
	if id == sc.ctSec {
		return true
	}
	for _, p := range sc.Index.Ancestors(id) {
		if p == sc.ctSec {
			return true
		}
	}
	return false
}

// InALZCore reports whether an OU is ALZ's core OU or below it.
func (sc *Scope) InALZCore(id string) bool {
	alz := sc.Snapshot.ALZ
	if alz == nil || alz.CoreOUID == "" {
		return false
	}
	if id == alz.CoreOUID {
		return true
	}
	for _, p := range sc.Index.Ancestors(id) {
		if p == alz.CoreOUID {
			return true
		}
	}
	return false
}

// ---- OUs ----

func (sc *Scope) classifyOUs() {
	ix, s := sc.Index, sc.Settings
	ous := make([]*OU, 0, len(sc.Snapshot.OUs))
	for i := range sc.Snapshot.OUs {
		ou := &sc.Snapshot.OUs[i]
		ous = append(ous, &OU{ID: ou.ID, Key: ou.ID, Name: ou.Name, Path: ix.Path(ou.ID), ParentID: ou.ParentID,
			Depth: ix.Depth(ou.ID), Accounts: len(ix.ChildAccounts(ou.ID)), Registered: ix.IsRegistered(ou.ID)})
	}
	// Parent-first: by depth, then path, then ID. Every OU's parent has a smaller depth.
	sortOUs(ous)
	scheduled := map[string]bool{}
	limit := s.OUAccountLimit
	if limit < 1 {
		limit = settings.DefaultOUAccountLimit
	}
	var created []*OU
	for _, o := range ous {
		sc.ous[o.Key] = o
		parentOK := ix.IsRoot(o.ParentID) || ix.IsRegistered(o.ParentID) || scheduled[o.ParentID]
		switch ex, by := s.ExcludedOU(ix, o.ID); {
		case ex:
			o.Skip = fmt.Sprintf("excluded by the settings (exclude.ous: %s)", by)
		case ix.IsRoot(o.ParentID) && strings.EqualFold(o.Name, sc.SecurityOUName()):
			o.Skip = "the Security OU Control Tower creates and manages; nothing is registered in or under it"
		case sc.UnderCTSecurity(o.ID):
			o.Skip = "under Control Tower's Security OU, where nothing can be registered"
		case o.Registered:
			o.Skip = "already registered with Control Tower"
		case sc.InALZCore(o.ID):
			o.Skip = "ALZ's core OU (or below it): its Security and Log Archive accounts are replaced by Control Tower's, and the OU is deleted in decommission"
		case o.Depth > MaxOUDepth:
			o.TooDeep = true
			o.Skip = fmt.Sprintf("%d levels deep; Control Tower registers OUs at most %d levels deep", o.Depth, MaxOUDepth)
			o.Remedy = "its accounts are enrolled one by one into the nearest ancestor OU that is registered (Account Factory moves them)"
		case !parentOK:
			o.Skip = fmt.Sprintf("its parent %s is not registered (Control Tower registers parents first)", ix.Path(o.ParentID))
		}
		if o.Skip != "" {
			continue
		}
		scheduled[o.ID] = true
		o.Enrolls = o.Accounts
		if o.Accounts <= limit {
			continue
		}
		accts := ix.ChildAccounts(o.ID)
		if o.Depth < MaxOUDepth {
			parts := (o.Accounts + limit - 1) / limit
			for k := 2; k <= parts; k++ {
				name := fmt.Sprintf("%s-%d", o.Name, k)
				for ix.OUByName(o.ID, name) != nil { // never collide with an existing child
					name += "-split"
				}
				sp := Split{Key: o.ID + "/" + name, Name: name, Accounts: accts[(k-1)*limit : min(k*limit, len(accts))]}
				o.Splits = append(o.Splits, sp)
				c := &OU{Key: sp.Key, Name: name, Path: o.Path + "/" + name, ParentID: o.ID, Depth: o.Depth + 1,
					Enrolls: len(sp.Accounts), Created: true, Skip: "", Remedy: ""}
				created = append(created, c)
			}
			o.Remedy = fmt.Sprintf("over the limit of %d accounts per registration (ouAccountLimit): split into %d child OUs (%s-2 ...), then registered parent-first", limit, parts-1, o.Name)
		} else {
			o.Excess = accts[limit:]
			o.Remedy = fmt.Sprintf("over the limit of %d accounts per registration (ouAccountLimit) and too deep to split: %d accounts move to the parent before registration and are enrolled back one by one", limit, len(o.Excess))
		}
		o.Enrolls = limit
	}
	for _, c := range created {
		sc.ous[c.Key] = c
	}
	all := append(ous, created...)
	sortOUs(all)
	// Registered OUs first in registration order, then the others, each in parent-first order.
	var reg, skip []*OU
	for _, o := range all {
		if o.Skip == "" {
			reg = append(reg, o)
		} else {
			skip = append(skip, o)
		}
	}
	for i, o := range reg {
		o.Order = i + 1
	}
	sc.OUs = append(reg, skip...)
}

func sortOUs(ous []*OU) {
	sort.SliceStable(ous, func(i, j int) bool {
		a, b := ous[i], ous[j]
		if a.Depth != b.Depth {
			return a.Depth < b.Depth
		}
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		return a.Key < b.Key
	})
}

// scheduled reports whether the migration registers the OU.
func (sc *Scope) scheduled(id string) bool {
	o := sc.ous[id]
	return o != nil && o.Order > 0
}

// enrollable reports whether accounts can be enrolled into an OU: registered now or by the plan.
func (sc *Scope) enrollable(id string) bool { return sc.scheduled(id) || sc.Index.IsRegistered(id) }

// ---- accounts ----

func (sc *Scope) classifyAccounts() {
	ix, s := sc.Index, sc.Settings
	alz := sc.Snapshot.ALZ
	if alz == nil {
		alz = &inventory.ALZ{}
	}
	lz := sc.Snapshot.ControlTower.LandingZone
	splitOf, excessOf := map[string]string{}, map[string]string{}
	for _, o := range sc.OUs {
		for _, sp := range o.Splits {
			for _, a := range sp.Accounts {
				splitOf[a] = sp.Key
			}
		}
		for _, a := range o.Excess {
			excessOf[a] = o.ID
		}
	}
	for i := range sc.Snapshot.Accounts {
		a := &sc.Snapshot.Accounts[i]
		d := &Account{ID: a.ID, Name: a.Name, ParentID: a.ParentID}
		sc.accounts[a.ID] = d
		sc.Accounts = append(sc.Accounts, d)
		parent := a.ParentID
		ouExcluded, exBy := false, ""
		if ix.OU(parent) != nil {
			ouExcluded, exBy = s.ExcludedOU(ix, parent)
		}
		inScheduled := sc.scheduled(parent)
		excluded := func(reason string) {
			d.How, d.Reason = HowExcluded, reason
			if inScheduled {
				sc.block(parent, a, reason, true)
			}
		}
		switch {
		case a.ID == sc.Snapshot.Organization.ManagementAccountID:
			d.How, d.Reason = HowManagement, "the management account: Control Tower runs in it and never enrolls it"
		case ix.IsEnrolled(a.ID):
			d.How, d.Reason = HowEnrolled, "Control Tower already governs it"
		case lz != nil && (a.ID == lz.LogArchiveAccountID || a.ID == lz.AuditAccountID):
			d.How, d.Reason = HowEnrolled, "one of Control Tower's own shared accounts"
		case s.ExcludedAccount(a.ID):
			excluded("excluded by the settings (exclude.accounts)")
		case ouExcluded:
			d.How, d.Reason = HowExcluded, fmt.Sprintf("in an excluded OU (exclude.ous: %s)", exBy)
		case sc.UnderCTSecurity(parent):
			d.How, d.Reason = HowLeftOut, "under Control Tower's Security OU, where nothing is registered or enrolled; move it out to migrate it"
		case a.ID == alz.SecurityAccountID:
			excluded("ALZ's Security account: Control Tower creates a new Audit account; move its tooling there (phase 5)")
		case a.ID == alz.LogArchiveAccountID:
			excluded("ALZ's Log Archive account: Control Tower creates a new Log Archive account; copy the logs you keep (phase 5)")
		case a.ID == alz.SharedServicesAccountID && !s.SharedServicesEnrolled():
			excluded("ALZ's Shared Services account, kept as it is (enrollSharedServices: false)")
		case a.Status != inventory.AccountActive:
			if inScheduled {
				d.How, d.Reason = HowBlocked, fmt.Sprintf("state %s: Control Tower cannot enroll a suspended or closing account, and registering %s enrolls every account in it", a.Status, ix.Path(parent))
				sc.block(parent, a, fmt.Sprintf("state %s (Control Tower cannot enroll it)", a.Status), false)
			} else {
				d.How, d.Reason = HowLeftOut, fmt.Sprintf("state %s: Control Tower cannot enroll a suspended or closing account", a.Status)
			}
		case a.ID == alz.SharedServicesAccountID && !inScheduled:
			sc.sharedServices(d)
		case ix.IsRoot(parent):
			d.How, d.Reason = HowLeftOut, "sits at the organization root; Control Tower enrolls accounts into registered OUs: move it into an OU the migration registers (or exclude it) and re-plan"
		case splitOf[a.ID] != "":
			d.How, d.Registration, d.SplitInto = HowOURegistration, splitOf[a.ID], splitOf[a.ID]
			d.Reason = "moved into a child OU created to keep " + ix.Path(parent) + " under the account limit"
		case excessOf[a.ID] != "":
			d.How, d.Into, d.MoveOut = HowEnroll, parent, true
			d.Reason = "over " + ix.Path(parent) + "'s account limit: moved out before its registration and enrolled back one by one"
		case inScheduled:
			d.How, d.Registration = HowOURegistration, parent
			if a.ID == alz.SharedServicesAccountID {
				d.SharedServices = true
				d.Reason = "ALZ's Shared Services account: its OU's registration enrolls it"
			}
		case ix.IsRegistered(parent):
			d.How, d.Into, d.Reason = HowEnroll, parent, "its OU is already registered"
		default:
			o := sc.ous[parent]
			if o != nil && o.Depth > MaxOUDepth {
				if anc := sc.registrableAncestor(parent); anc != "" {
					d.How, d.Into = HowEnroll, anc
					d.Reason = fmt.Sprintf("its OU is %d levels deep: enrolled into %s, the nearest registered ancestor", o.Depth, ix.Path(anc))
					break
				}
			}
			reason := "its OU is not registered"
			if o != nil && o.Skip != "" {
				reason = fmt.Sprintf("its OU %s is not registered: %s", o.Path, o.Skip)
			}
			d.How, d.Reason = HowLeftOut, reason+"; move it into an OU the migration registers to migrate it"
		}
	}
}

// block records that an account stops the registration of the OU it sits in.
func (sc *Scope) block(ouID string, a *inventory.Account, reason string, excluded bool) {
	o := sc.ous[ouID]
	o.Blocks = append(o.Blocks, Block{AccountID: a.ID, AccountName: a.Name, Reason: reason, Excluded: excluded})
}

// sharedServices decides where ALZ's Shared Services account is enrolled when its own OU is not
// registered by the migration: sharedServicesOU, else its OU when Control Tower already governs it.
func (sc *Scope) sharedServices(d *Account) {
	ix := sc.Index
	d.SharedServices = true
	want := sc.Settings.SharedServicesOU
	if want == "" {
		if ix.IsRegistered(d.ParentID) {
			d.How, d.Into, d.Reason = HowEnroll, d.ParentID, "ALZ's Shared Services account, enrolled where it is (its OU is registered)"
			return
		}
		d.How, d.Reason = HowLeftOut, "ALZ's Shared Services account: its OU is not registered; choose the OU to enroll it into (sharedServicesOU) and re-plan"
		return
	}
	id := settings.FindOU(ix, want)
	switch {
	case id != "" && sc.enrollable(id):
		d.How, d.Into = HowEnroll, id
		d.Reason = "ALZ's Shared Services account, enrolled through Account Factory into " + ix.Path(id) + " (sharedServicesOU)"
	case id == "" && sc.SandboxOUName() != "" && strings.EqualFold(strings.Trim(want, "/"), sc.SandboxOUName()) && sc.Snapshot.ControlTower.LandingZone == nil:
		d.How, d.Into = HowEnroll, CTSandbox
		d.Reason = "ALZ's Shared Services account, enrolled through Account Factory into the " + sc.SandboxOUName() + " OU the landing zone creates (sharedServicesOU)"
	default:
		why := "is not an OU of the organization"
		if id != "" {
			why = "is not registered and the migration does not register it"
			if o := sc.ous[id]; o != nil && o.Skip != "" {
				why = "is not registered: " + o.Skip
			}
		}
		d.How, d.Reason = HowLeftOut, fmt.Sprintf("ALZ's Shared Services account: sharedServicesOU %q %s; choose an OU the migration registers and re-plan", want, why)
	}
}

// registrableAncestor finds the nearest ancestor of an OU that is or will be registered.
func (sc *Scope) registrableAncestor(ouID string) string {
	for _, id := range sc.Index.Ancestors(ouID) {
		if sc.enrollable(id) && sc.Index.Depth(id) <= MaxOUDepth {
			return id
		}
	}
	return ""
}
