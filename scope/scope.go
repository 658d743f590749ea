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
	"maps"
	"sort"

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
	// HowSharedAccount: ALZ's Log Archive or Security account, brought into Control Tower as its
	// Log Archive or Audit account by the landing zone set-up (sharedAccounts: existing).
	HowSharedAccount = "shared-account"
)

// CTSandbox is Into for an account enrolled into the Sandbox OU the landing zone creates (it has no
// ID before the landing zone exists).
const CTSandbox = "ct:sandbox"

// OU is one OU of the organization, or an OU the plan creates to take the accounts an OU cannot
// hold within the limit.
type OU struct {
	// ID is empty for a created OU; Key is the ID, or "<parent ID>/<name>" for a created OU.
	ID, Key  string
	Name     string
	Path     string
	ParentID string
	Depth    int
	// Accounts is the number of accounts directly in the OU now.
	Accounts int
	// Enrolls is how many accounts its registration enrolls: those in it when it is registered,
	// after the plan's moves (0 when it is not registered).
	Enrolls int
	Created bool
	// Order is the position in the registration sequence, 1-based; 0 = not registered.
	Order int
	// Registered: Control Tower already governs it.
	Registered bool
	// TooDeep: it is deeper than MaxOUDepth, so not registered (its accounts move into, or are
	// enrolled into, the nearest registered ancestor when there is one).
	TooDeep bool
	// Oversized: it holds more accounts than the limit.
	Oversized bool
	// Skip says why it is not registered; Remedy what the plan does instead.
	Skip, Remedy string
	// Blocks are the reasons its registration cannot run as planned: accounts in it the
	// registration would enroll but cannot (excluded, not ACTIVE). Check ou.registration-blocked
	// reports them; the plan marks the registration blocked.
	Blocks []Block
	// Splits are the OUs created to take the accounts it cannot hold within the limit: its own
	// excess and accounts of deeper OUs that move up to it. They are its children, or — when it
	// is five levels deep and can have none — its siblings.
	Splits []Split
	// MovedIn are accounts of deeper OUs moved into it before its registration (an existing OU),
	// or every account moved into it (a created OU).
	MovedIn []string
	// Of is, for a created OU, the Key of the OU whose accounts it takes; Policies are the SCPs
	// attached to it before its registration (a sibling carries the SCPs attached to that OU).
	Of       string
	Policies []string
	ofPath   string // the path of Of, which orders a created OU right after it
}

// Block is one account that stops an OU's registration.
type Block struct {
	AccountID, AccountName string
	Reason                 string // why the account cannot be enrolled
	// Excluded: the account is excluded (by the settings, or replaced by Control Tower's own);
	// otherwise it is not ACTIVE.
	Excluded bool
}

// Split is an OU created to take accounts an OU cannot hold within the limit.
type Split struct {
	Key, Name string
	// ParentID is where it is created: the OU it relieves, or that OU's parent (a sibling).
	ParentID string
	Accounts []string
	// Policies are the SCPs attached to it before its registration (a sibling's).
	Policies []string
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
	// MoveTo is the Key of the OU it moves into before that OU's registration (an OU created to
	// relieve an oversized OU, or the registered ancestor of an OU too deep to register); "" when
	// it stays where it is.
	MoveTo string
	// SharedServices marks ALZ's Shared Services account (enrolled with the shared accounts).
	SharedServices bool
	// LeavesSCPs are the customer SCPs it would no longer inherit where it moves (the plan's move,
	// or Account Factory's when it enrolls it into another OU): those attached to the OUs it leaves.
	// The plan carries them — on its new OU (OU.Policies) or, listed in AttachSCPs, on the account
	// itself — unless SCPsBlock says why it cannot.
	LeavesSCPs []string
	// AttachSCPs are the SCPs the plan attaches to the account itself before it moves, because its
	// new OU does not carry them.
	AttachSCPs []string
	// SCPsBlock says why the plan cannot carry LeavesSCPs (more than five SCPs per target, an
	// allow-list): the account is not moved, and its enrollment is blocked (check
	// scp.moved-accounts) until the SCPs are merged.
	SCPsBlock string
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
	// Limit is the most accounts an OU the migration registers holds at any time (ouAccountLimit,
	// clamped to what the governed regions allow); LimitNote says why it is below ouAccountLimit.
	Limit     int
	LimitNote string

	ous      map[string]*OU
	accounts map[string]*Account
	govSet   map[string]bool
	ctSec    string // Control Tower's Security OU ID ("" when there is none yet)
	problems map[string][]inventory.Problem
	// inherited caches, per root or OU, the customer SCPs that apply below it.
	inherited map[string]map[string]bool
}

// New computes the scope of a snapshot with settings (resolved here; Resolve only fills what is
// unset, so resolved settings pass through).
func New(snap *inventory.Snapshot, s settings.Settings) *Scope {
	return newScope(canonical(snap), s)
}

// NewOwned is New for a caller that hands the snapshot over (a command that read it from a file
// and keeps no index on it): its lists are put in canonical order in place instead of in a copy.
// Copying was a quarter of lz2ct check on a 10,000-account snapshot. The scope, the checks and
// the plan read snap from then on; the caller must not change it, nor keep an Index built on it
// before (Sort moves the elements such an Index points to).
func NewOwned(snap *inventory.Snapshot, s settings.Settings) *Scope {
	snap.Sort()
	return newScope(snap, s)
}

func newScope(c *inventory.Snapshot, s settings.Settings) *Scope {
	sort.Slice(c.ControlTower.Baselines, func(i, j int) bool { return c.ControlTower.Baselines[i].Arn < c.ControlTower.Baselines[j].Arn })
	sc := &Scope{Snapshot: c, Index: inventory.NewIndex(c), Settings: s.Resolve(c),
		ous: make(map[string]*OU, len(c.OUs)), accounts: make(map[string]*Account, len(c.Accounts)), govSet: map[string]bool{}, problems: map[string][]inventory.Problem{},
		inherited: map[string]map[string]bool{}}
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
	sc.Limit, sc.LimitNote = EffectiveOUAccountLimit(sc.Settings.OUAccountLimit, len(sc.Governed))
	for _, p := range c.Problems {
		sc.problems[p.AccountID] = append(sc.problems[p.AccountID], p)
	}
	if ou := sc.Index.OUByName(sc.Index.RootID(), sc.SecurityOUName()); ou != nil && c.ControlTower.LandingZone != nil {
		sc.ctSec = ou.ID
	}
	sc.classify()
	return sc
}

// With computes the scope of the same organization under changed settings (what raising a limit
// would change), reusing the canonical copy and its index. The new scope starts from a copy of
// sc's cache of inherited SCPs (they depend on the organization, not the settings) and fills its
// own: scopes share nothing they write, so one can be classified while another is in use on
// another goroutine (the planner works out its what-ifs beside building the phases).
func (sc *Scope) With(edit func(*settings.Settings)) *Scope {
	s := sc.Settings
	s.GovernedRegions = append([]string(nil), s.GovernedRegions...)
	s.NoMoveOUs = append([]string(nil), s.NoMoveOUs...)
	edit(&s)
	n := &Scope{Snapshot: sc.Snapshot, Index: sc.Index, Settings: s.Resolve(sc.Snapshot), Governed: sc.Governed,
		govSet: sc.govSet, ctSec: sc.ctSec, problems: sc.problems, ous: make(map[string]*OU, len(sc.ous)), accounts: make(map[string]*Account, len(sc.accounts)), inherited: maps.Clone(sc.inherited)}
	n.Limit, n.LimitNote = EffectiveOUAccountLimit(n.Settings.OUAccountLimit, len(n.Governed))
	n.classify()
	return n
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
// accounts of a new landing zone (new ones, or ALZ's brought in).
func (sc *Scope) ManagedAccounts() int {
	n := 0
	for _, a := range sc.Accounts {
		switch a.How {
		case HowManagement, HowEnrolled, HowOURegistration, HowEnroll, HowSharedAccount:
			n++
		}
	}
	if sc.Snapshot.ControlTower.LandingZone == nil && !sc.Settings.BringsExistingAccounts() {
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

// SharedAccountIDs are the accounts that become Control Tower's Log Archive and Audit accounts when
// the landing zone is set up with ALZ's existing ones (sharedAccounts: existing), in that order;
// nil otherwise (new accounts, or Control Tower already set up).
func (sc *Scope) SharedAccountIDs() []string {
	if !sc.Settings.BringsExistingAccounts() || sc.Snapshot.ControlTower.LandingZone != nil || sc.Snapshot.ALZ == nil {
		return nil
	}
	alz := sc.Snapshot.ALZ
	if sc.Index.Account(alz.LogArchiveAccountID) == nil || sc.Index.Account(alz.SecurityAccountID) == nil {
		return nil
	}
	return []string{alz.LogArchiveAccountID, alz.SecurityAccountID}
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
