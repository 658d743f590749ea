package scope

import (
	"fmt"
	"sort"
	"strings"

	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/settings"
	"github.com/lz2ct/lz2ct/words"
)

// Classification, in passes:
//
//  1. every account's disposition that holds whatever is registered (management, enrolled,
//     excluded, left out, not ACTIVE), and which accounts may move;
//  2. the OUs to register, parent-first; an OU over the limit keeps what it may hold;
//  3. accounts of OUs too deep to register: moved into their registered ancestor before its
//     registration, or — where noMoveOUs forbids moving them — enrolled into it one by one, as long
//     as it has room within the limit;
//  4. new OUs for what still does not fit (the excess of oversized OUs, accounts of deep OUs beyond
//     their ancestor's room): children of the OU they relieve, or its siblings when it is five
//     levels deep, each within the limit and registered by the plan;
//  5. the registration order, and every remaining account's disposition.
//
// Moving an account before a registration costs one Organizations call and makes it part of a
// registration (at most 10 + 2 minutes per account, one operation); enrolling it one by one costs a
// Control Tower account operation of several minutes each. So the plan moves what it may and
// enrolls one by one only what it must; no OU it registers ever holds more than Limit accounts.

// accountClass is what pass 1 knows about an account.
type accountClass int

const (
	classCandidate   accountClass = iota // to migrate; may move
	classFixed                           // disposition decided in pass 1
	classFixedBlocks                     // excluded: decided, and it blocks its OU's registration
	classInactive                        // not ACTIVE: blocks its OU's registration, else left out
	classShared                          // ALZ's Shared Services account, to enroll
)

type classifier struct {
	sc    *Scope
	class map[string]accountClass
	sched map[string]bool // OUs the migration registers (existing ones)
	room  map[string]int  // free places within the limit, per OU registered now or by the plan
	// excess: accounts an oversized OU to register cannot keep; overflow: accounts of deeper OUs
	// that do not fit into their ancestor. Both go into created OUs.
	excess, overflow map[string][]string
	// carry: per OU, accounts of deeper OUs that move into new OUs carrying the SCPs they leave.
	carry     map[string][]*carryGroup
	moved     map[string]bool
	usedNames map[string]map[string]bool // parent -> lower-cased child names, existing and created
}

func (sc *Scope) classify() {
	c := &classifier{sc: sc, class: make(map[string]accountClass, len(sc.Snapshot.Accounts)), sched: map[string]bool{}, room: map[string]int{},
		excess: map[string][]string{}, overflow: map[string][]string{}, carry: map[string][]*carryGroup{}, moved: map[string]bool{}, usedNames: map[string]map[string]bool{}}
	c.base()
	ous := c.schedule()
	c.placeDeep()
	created := c.split(ous)
	c.order(ous, created)
	c.finish()
}

// ---- pass 1: what does not depend on registrations ----

func (c *classifier) base() {
	sc, ix, s := c.sc, c.sc.Index, c.sc.Settings
	alz := sc.Snapshot.ALZ
	if alz == nil {
		alz = &inventory.ALZ{}
	}
	lz := sc.Snapshot.ControlTower.LandingZone
	brought := len(sc.SharedAccountIDs()) > 0
	for i := range sc.Snapshot.Accounts {
		a := &sc.Snapshot.Accounts[i]
		d := &Account{ID: a.ID, Name: a.Name, ParentID: a.ParentID}
		sc.accounts[a.ID] = d
		sc.Accounts = append(sc.Accounts, d)
		ouExcluded, exBy := false, ""
		if ix.OU(a.ParentID) != nil {
			ouExcluded, exBy = s.ExcludedOU(ix, a.ParentID)
		}
		cl := classFixed
		switch {
		case a.ID == sc.Snapshot.Organization.ManagementAccountID:
			d.How, d.Reason = HowManagement, "the management account: Control Tower runs in it and never enrolls it"
		case brought && a.ID == alz.SecurityAccountID:
			d.How, d.Reason = HowSharedAccount, "ALZ's Security account becomes Control Tower's Audit account when the landing zone is set up (sharedAccounts: existing); Control Tower moves it into its Security OU"
		case brought && a.ID == alz.LogArchiveAccountID:
			d.How, d.Reason = HowSharedAccount, "ALZ's Log Archive account becomes Control Tower's Log Archive account when the landing zone is set up (sharedAccounts: existing); Control Tower moves it into its Security OU"
		case ix.IsEnrolled(a.ID):
			d.How, d.Reason = HowEnrolled, "Control Tower already governs it"
		case lz != nil && (a.ID == lz.LogArchiveAccountID || a.ID == lz.AuditAccountID):
			d.How, d.Reason = HowEnrolled, "one of Control Tower's own shared accounts"
		case s.ExcludedAccount(a.ID):
			d.How, d.Reason, cl = HowExcluded, "excluded by the settings (exclude.accounts)", classFixedBlocks
		case ouExcluded:
			d.How, d.Reason = HowExcluded, fmt.Sprintf("in an excluded OU (exclude.ous: %s)", exBy)
		case sc.UnderCTSecurity(a.ParentID):
			d.How, d.Reason = HowLeftOut, "under Control Tower's Security OU, where nothing is registered or enrolled; move it out to migrate it"
		case a.ID == alz.SecurityAccountID:
			d.How, d.Reason, cl = HowExcluded, "ALZ's Security account: Control Tower creates a new Audit account; move its tooling there (phase 5)", classFixedBlocks
		case a.ID == alz.LogArchiveAccountID:
			d.How, d.Reason, cl = HowExcluded, "ALZ's Log Archive account: Control Tower creates a new Log Archive account; copy the logs you keep (phase 5)", classFixedBlocks
		case a.ID == alz.SharedServicesAccountID && !s.SharedServicesEnrolled():
			d.How, d.Reason, cl = HowExcluded, "ALZ's Shared Services account, kept as it is (enrollSharedServices: false)", classFixedBlocks
		case a.Status != inventory.AccountActive:
			cl = classInactive
		case a.ID == alz.SharedServicesAccountID:
			d.SharedServices = true
			cl = classShared
		case ix.IsRoot(a.ParentID):
			d.How, d.Reason = HowLeftOut, "sits at the organization root; Control Tower enrolls accounts into registered OUs: move it into an OU the migration registers (or exclude it) and re-plan"
		default:
			cl = classCandidate
		}
		c.class[a.ID] = cl
	}
}

// ---- pass 2: the OUs to register ----

func (c *classifier) schedule() []*OU {
	sc, ix, s := c.sc, c.sc.Index, c.sc.Settings
	L := sc.Limit
	ous := make([]*OU, 0, len(sc.Snapshot.OUs))
	for i := range sc.Snapshot.OUs {
		ou := &sc.Snapshot.OUs[i]
		ous = append(ous, &OU{ID: ou.ID, Key: ou.ID, Name: ou.Name, Path: ix.Path(ou.ID), ParentID: ou.ParentID,
			Depth: ix.Depth(ou.ID), Accounts: len(ix.ChildAccounts(ou.ID)), Registered: ix.IsRegistered(ou.ID)})
		c.used(ou.ParentID)[strings.ToLower(ou.Name)] = true
	}
	// Parent-first: by depth, then path, then ID. Every OU's parent has a smaller depth.
	sortOUs(ous)
	for _, o := range ous {
		sc.ous[o.Key] = o
		o.Oversized = o.Accounts > L
		parentOK := ix.IsRoot(o.ParentID) || ix.IsRegistered(o.ParentID) || c.sched[o.ParentID]
		switch ex, by := s.ExcludedOU(ix, o.ID); {
		case ex:
			o.Skip = fmt.Sprintf("excluded by the settings (exclude.ous: %s)", by)
		case ix.IsRoot(o.ParentID) && strings.EqualFold(o.Name, sc.SecurityOUName()):
			o.Skip = "the Security OU Control Tower creates and manages; nothing is registered in or under it"
		case sc.UnderCTSecurity(o.ID):
			o.Skip = "under Control Tower's Security OU, where nothing can be registered"
		case o.Registered:
			o.Skip = "already registered with Control Tower"
			c.room[o.ID] = max(0, L-o.Accounts)
		case sc.InALZCore(o.ID):
			o.Skip = "ALZ's core OU (or below it): its Security and Log Archive accounts are replaced by Control Tower's, and the OU is deleted in decommission"
		case o.Depth > MaxOUDepth:
			o.TooDeep = true
			o.Skip = fmt.Sprintf("%d levels deep; Control Tower registers OUs at most %d levels deep", o.Depth, MaxOUDepth)
		case !parentOK:
			o.Skip = fmt.Sprintf("its parent %s is not registered (Control Tower registers parents first)", ix.Path(o.ParentID))
		}
		if o.Skip != "" {
			continue
		}
		accts := ix.ChildAccounts(o.ID)
		if o.Oversized {
			var movable []string
			for _, a := range accts {
				if c.class[a] == classCandidate {
					movable = append(movable, a)
				}
			}
			fixed := len(accts) - len(movable)
			if no, by := s.NoMoves(ix, o.ID); no {
				o.Skip = fmt.Sprintf("holds %d accounts, over the limit of %d per registered OU, and noMoveOUs (%s) keeps them where they are", o.Accounts, L, by)
				o.Remedy = fmt.Sprintf("allow moves for it (noMoveOUs), or raise ouAccountLimit to %d or more if the governed regions allow it (at most %d with %d governed regions)", o.Accounts, RegionalOUAccountLimit(len(sc.Governed)), len(sc.Governed))
				continue
			}
			if fixed > L {
				o.Skip = fmt.Sprintf("holds %d accounts the plan cannot move (excluded, not ACTIVE or ALZ's shared accounts), over the limit of %d per registered OU", fixed, L)
				o.Remedy = "move some of them out of it (or close suspended ones) and re-plan"
				continue
			}
			if o.Depth >= MaxOUDepth {
				// Its excess moves into OUs next to it, which must carry its SCPs.
				if why := sc.cannotCarry(sc.customerSCPs(o.ID), o.ID, MaxSCPsPerTarget-maxCarriedOnNewOU, MaxSCPsPerTarget); why != "" {
					o.Skip = fmt.Sprintf("holds %d accounts, over the limit of %d per registered OU; five levels deep it can have no child OUs, and an OU next to it could not carry its SCPs (%s)", o.Accounts, L, why)
					o.Remedy = fmt.Sprintf("merge its SCPs (%s) into fewer, or raise ouAccountLimit to %d or more if the governed regions allow it (at most %d with %d governed regions)",
						sc.policyNames(sc.customerSCPs(o.ID)), o.Accounts, RegionalOUAccountLimit(len(sc.Governed)), len(sc.Governed))
					continue
				}
			}
			keep := L - fixed
			c.excess[o.Key] = movable[keep:]
		}
		c.sched[o.ID] = true
		c.room[o.ID] = L - (o.Accounts - len(c.excess[o.Key]))
	}
	return ous
}

func (c *classifier) used(parent string) map[string]bool {
	m := c.usedNames[parent]
	if m == nil {
		m = map[string]bool{}
		c.usedNames[parent] = m
	}
	return m
}

// home is the nearest ancestor of an OU that is or will be registered, at most five levels deep.
func (c *classifier) home(ouID string) string {
	for _, id := range c.sc.Index.Ancestors(ouID) {
		if (c.sched[id] || c.sc.Index.IsRegistered(id)) && c.sc.Index.Depth(id) <= MaxOUDepth {
			return id
		}
	}
	return ""
}

// ---- pass 3: accounts of OUs too deep to register ----

// carryGroup is accounts of deep OUs that move up to the same registered ancestor and leave the
// same customer SCPs behind: they move into new OUs that carry those SCPs.
type carryGroup struct {
	left     []string // the SCPs they leave behind
	accounts []string
	from     string // the deep OU of the first account (names the new OU when all come from it)
	single   bool   // every account comes from that one OU
}

func (c *classifier) placeDeep() {
	sc, ix := c.sc, c.sc.Index
	movers := map[string][]string{}
	carry := map[string]map[string]*carryGroup{}
	var homes []string
	// Accounts that may not move first: the registered ancestor's room is all they can use.
	for _, d := range sc.Accounts {
		o := sc.ous[d.ParentID]
		if c.class[d.ID] != classCandidate || o == nil || !o.TooDeep {
			continue
		}
		h := c.home(d.ParentID)
		if h == "" {
			continue // left out in pass 5
		}
		left := sc.leftSCPs(d.ID, h, nil)
		if no, by := sc.Settings.NoMoves(ix, d.ParentID); no {
			c.class[d.ID] = classFixed
			if c.room[h] > 0 {
				c.room[h]--
				d.How, d.Into = HowEnroll, h
				d.Reason = fmt.Sprintf("its OU is %d levels deep and noMoveOUs (%s) keeps it there until Account Factory enrolls it into %s, the nearest registered ancestor (which moves it there)", o.Depth, by, ix.Path(h))
				if len(left) > 0 {
					d.Reason += sc.carryOnAccount(d, left)
				}
			} else {
				d.How = HowLeftOut
				d.Reason = fmt.Sprintf("its OU is %d levels deep, noMoveOUs (%s) forbids moving it into a new OU, and %s, the nearest registered ancestor, has no room left within the limit of %d accounts", o.Depth, by, ix.Path(h), sc.Limit)
			}
			continue
		}
		if movers[h] == nil && carry[h] == nil {
			homes = append(homes, h)
			carry[h] = map[string]*carryGroup{}
		}
		if len(left) == 0 {
			movers[h] = append(movers[h], d.ID)
			continue
		}
		key := strings.Join(left, ",")
		g := carry[h][key]
		if g == nil {
			g = &carryGroup{left: left, from: d.ParentID, single: true}
			carry[h][key] = g
		}
		if d.ParentID != g.from {
			g.single = false
		}
		g.accounts = append(g.accounts, d.ID)
	}
	// Shared Services next: enrolled into its target when that has room.
	for _, d := range sc.Accounts {
		if c.class[d.ID] == classShared {
			c.sharedServices(d)
		}
	}
	// Then the accounts that may move. Those that leave no SCP behind move into the ancestor before
	// its registration while it has room, the rest into new OUs next to it (pass 4); an ancestor
	// registered already enrolls nothing by a move, so they all go into new OUs it gets. Those that
	// leave SCPs behind move into new OUs that carry them (pass 4) when such an OU can be created
	// within the SCP limit; else they carry them on the account itself and move like the others;
	// else they stay where they are, and their enrollment waits until the SCPs are merged.
	sort.SliceStable(homes, func(i, j int) bool { return lessOU(sc.ous[homes[i]], sc.ous[homes[j]]) })
	for _, h := range homes {
		hou := sc.ous[h]
		var stuck []string
		for _, key := range sortedGroupKeys(carry[h]) {
			g := carry[h][key]
			ouWhy := c.cannotCarryOnNewOU(hou, g.left, g.from)
			if ouWhy == "" {
				c.carry[h] = append(c.carry[h], g)
				continue
			}
			for _, id := range g.accounts {
				d := sc.accounts[id]
				if why := sc.cannotCarry(g.left, d.ParentID, sc.accountSCPCount(id), MaxSCPsPerTarget); why != "" {
					d.LeavesSCPs = g.left
					d.SCPsBlock = fmt.Sprintf("moving it up out of %s would leave the SCPs %s behind; a new OU cannot carry them (%s), nor can the account itself (%s)",
						sc.ous[d.ParentID].Path, sc.policyNames(g.left), ouWhy, why)
					stuck = append(stuck, id)
					continue
				}
				d.LeavesSCPs, d.AttachSCPs = g.left, g.left
				movers[h] = append(movers[h], id)
			}
		}
		accts := movers[h]
		sort.Strings(accts)
		take := 0
		if c.sched[h] {
			take = min(c.room[h], len(accts))
			c.room[h] -= take
		}
		for _, id := range accts[:take] {
			d := sc.accounts[id]
			c.class[id] = classFixed
			d.How, d.Registration, d.MoveTo = HowOURegistration, h, h
			d.Reason = fmt.Sprintf("its OU %s is %d levels deep: moved into %s, the nearest registered ancestor, before that OU's registration",
				sc.ous[d.ParentID].Path, sc.ous[d.ParentID].Depth, hou.Path) + attachWords(sc, d)
			hou.MovedIn = append(hou.MovedIn, id)
		}
		c.overflow[h] = append(c.overflow[h], accts[take:]...)
		// Accounts whose SCPs cannot be carried stay where they are: enrolled one by one into the
		// ancestor once the SCPs are merged (blocked until then), while it has room.
		for _, id := range stuck {
			d := sc.accounts[id]
			c.class[id] = classFixed
			if c.room[h] > 0 {
				c.room[h]--
				d.How, d.Into = HowEnroll, h
				d.Reason = "not moved: " + d.SCPsBlock + "; merge them into fewer SCPs (or attach them higher up), then discover again and re-plan"
			} else {
				d.How = HowLeftOut
				d.Reason = "not moved: " + d.SCPsBlock + ", and " + hou.Path + ", the nearest registered ancestor, has no room left within the limit; merge them and re-plan"
			}
		}
	}
}

// attachWords says, in an account's reason, which SCPs the plan attaches to it.
func attachWords(sc *Scope, d *Account) string {
	if len(d.AttachSCPs) == 0 {
		return ""
	}
	return fmt.Sprintf("; the SCPs of the deep OUs it leaves (%s) are attached to the account itself first, so it stays under them", sc.policyNames(d.AttachSCPs))
}

func sortedGroupKeys(m map[string]*carryGroup) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// newOUParent is where the OUs that relieve h are created: under h, or — five levels deep, where
// it can have no child OUs — next to it; "" when nowhere (a sibling's parent must be the root or
// an OU that is or will be registered).
func (c *classifier) newOUParent(h *OU) (parent string, sibling bool) {
	if h.Depth < MaxOUDepth {
		return h.ID, false
	}
	if p := h.ParentID; c.sc.Index.IsRoot(p) || c.sc.Index.IsRegistered(p) || c.sched[p] {
		return p, true
	}
	return "", true
}

// cannotCarryOnNewOU says why a new OU relieving h cannot carry the SCPs left (which apply under
// from), "" when it can: a child of h carries them alone; a sibling also carries h's own.
func (c *classifier) cannotCarryOnNewOU(h *OU, left []string, from string) string {
	parent, sibling := c.newOUParent(h)
	if parent == "" {
		return "no OU can be created next to " + h.Path + " that Control Tower could register"
	}
	ps := left
	if sibling {
		ps = unionSorted(c.sc.customerSCPs(h.ID), left)
	}
	// FullAWSAccess, which Organizations attaches to a new OU, and room for Control Tower's own.
	return c.sc.cannotCarry(ps, from, MaxSCPsPerTarget-maxCarriedOnNewOU, MaxSCPsPerTarget)
}

// ---- pass 4: new OUs for what does not fit ----

func (c *classifier) split(ous []*OU) []*OU {
	sc := c.sc
	L := sc.Limit
	var created []*OU
	for _, h := range ous {
		ex, over, groups := c.excess[h.Key], c.overflow[h.Key], c.carry[h.Key]
		if len(ex)+len(over)+len(groups) == 0 {
			continue
		}
		parent, sibling := c.newOUParent(h)
		var base []string // what a sibling carries: h's own SCPs
		why := ""
		if sibling && parent != "" {
			base = sc.customerSCPs(h.ID)
			why = sc.cannotCarry(base, h.ID, MaxSCPsPerTarget-maxCarriedOnNewOU, MaxSCPsPerTarget)
		}
		if parent == "" || why != "" {
			// Nowhere to register a sibling that keeps h's SCPs: what does not fit is left out
			// (an oversized OU in that case is not registered at all: schedule).
			what := "no OU can be created next to it that Control Tower could register"
			if why != "" {
				what = "an OU next to it could not carry its SCPs: " + why
			}
			for _, id := range over {
				d := sc.accounts[id]
				c.class[id] = classFixed
				d.How = HowLeftOut
				d.Reason = fmt.Sprintf("its OU is %d levels deep and %s, the nearest registered ancestor, has no room left within the limit of %d accounts (and %s)",
					sc.ous[d.ParentID].Depth, h.Path, L, what)
			}
			continue
		}
		depth := h.Depth + 1
		if sibling {
			depth = h.Depth
		}
		parentPath := ""
		if !sc.Index.IsRoot(parent) {
			parentPath = sc.Index.Path(parent) + "/"
		}
		names := c.used(parent)
		k := 2
		nextName := func(prefer string) string {
			if prefer != "" && !names[strings.ToLower(prefer)] {
				names[strings.ToLower(prefer)] = true
				return prefer
			}
			for ; ; k++ {
				if name := fmt.Sprintf("%s-%d", h.Name, k); !names[strings.ToLower(name)] {
					names[strings.ToLower(name)] = true
					k++
					return name
				}
			}
		}
		var made []string
		// place moves accounts into new OUs of at most L accounts each, carrying policies.
		place := func(all []string, policies []string, prefer string, words func(d *Account) string) {
			for len(all) > 0 {
				name := nextName(prefer)
				n := min(L, len(all))
				chunk := all[:n:n]
				all = all[n:]
				key := parent + "/" + name
				sp := Split{Key: key, Name: name, ParentID: parent, Accounts: chunk, Policies: policies}
				h.Splits = append(h.Splits, sp)
				o := &OU{Key: key, Name: name, Path: parentPath + name, ParentID: parent, Depth: depth, Created: true,
					Enrolls: n, MovedIn: chunk, Of: h.Key, Policies: policies, ofPath: h.Path}
				created = append(created, o)
				sc.ous[key] = o
				made = append(made, name)
				for _, id := range chunk {
					d := sc.accounts[id]
					c.class[id] = classFixed
					d.How, d.Registration, d.MoveTo = HowOURegistration, key, key
					d.Reason = words(d) + attachWords(sc, d)
				}
			}
		}
		where := "a child OU created under " + h.Path
		if sibling {
			where = "an OU created next to " + h.Path + " (it is five levels deep and can have no child OUs), with the same SCPs attached"
		}
		place(append(append([]string(nil), ex...), over...), base, "", func(d *Account) string {
			if d.ParentID == h.ID {
				return fmt.Sprintf("over %s's limit of %d accounts: moved into %s, registered after it", h.Path, L, where)
			}
			return fmt.Sprintf("its OU %s is %d levels deep and %s has no room left within the limit of %d accounts: moved into %s",
				sc.ous[d.ParentID].Path, sc.ous[d.ParentID].Depth, h.Path, L, where)
		})
		carried := 0
		for _, g := range groups {
			carried += len(g.accounts)
			prefer := ""
			if g.single {
				prefer = sc.ous[g.from].Name
			}
			cw := "a child OU created under " + h.Path
			if sibling {
				cw = "an OU created next to " + h.Path + " (five levels deep, it can have no child OUs), which carries its SCPs too"
			}
			left := g.left
			place(g.accounts, unionSorted(base, g.left), prefer, func(d *Account) string {
				d.LeavesSCPs = left
				return fmt.Sprintf("its OU %s is %d levels deep: moved into %s, to which the plan attaches the SCPs of the deep OUs it leaves (%s), so it stays under them",
					sc.ous[d.ParentID].Path, sc.ous[d.ParentID].Depth, cw, sc.policyNames(left))
			})
		}
		kind := words.Count(len(made), "new child OU")
		if sibling {
			kind = words.Count(len(made), "new OU") + " next to it (it is five levels deep)"
		}
		var parts []string
		if len(ex) > 0 {
			parts = append(parts, fmt.Sprintf("over the limit of %d accounts per registered OU: %s move", L, words.Count(len(ex), "account")))
		}
		if len(over) > 0 {
			parts = append(parts, fmt.Sprintf("%s of deeper OUs move", words.Count(len(over), "account")))
		}
		if carried > 0 {
			parts = append(parts, fmt.Sprintf("%s of deeper OUs move with the SCPs of the OUs they leave", words.Count(carried, "account")))
		}
		h.Remedy = strings.Join(parts, "; ") + fmt.Sprintf(" into %s (%s), each registered by the plan", kind, listNames(made))
	}
	return created
}

func listNames(names []string) string {
	if len(names) <= 3 {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:2], ", ") + ", … " + names[len(names)-1]
}

// ---- pass 5: order, and the remaining dispositions ----

func (c *classifier) order(ous, created []*OU) {
	sc := c.sc
	for _, o := range ous {
		if c.sched[o.ID] {
			o.Enrolls = o.Accounts - len(c.excess[o.Key]) + len(o.MovedIn)
		}
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

func (c *classifier) finish() {
	sc, ix := c.sc, c.sc.Index
	for _, d := range sc.Accounts {
		a := ix.Account(d.ID)
		inScheduled := c.sched[d.ParentID]
		switch c.class[d.ID] {
		case classFixedBlocks:
			if inScheduled {
				sc.block(d.ParentID, a, d.Reason, true)
			}
		case classInactive:
			if inScheduled {
				d.How, d.Reason = HowBlocked, fmt.Sprintf("state %s: Control Tower cannot enroll a suspended or closing account, and registering %s enrolls every account in it", a.Status, ix.Path(d.ParentID))
				sc.block(d.ParentID, a, fmt.Sprintf("state %s (Control Tower cannot enroll it)", a.Status), false)
			} else {
				d.How, d.Reason = HowLeftOut, fmt.Sprintf("state %s: Control Tower cannot enroll a suspended or closing account", a.Status)
			}
		case classCandidate:
			switch {
			case inScheduled:
				d.How, d.Registration = HowOURegistration, d.ParentID
			case ix.IsRegistered(d.ParentID):
				d.How, d.Into, d.Reason = HowEnroll, d.ParentID, "its OU is already registered"
			default:
				reason := "its OU is not registered"
				if o := sc.ous[d.ParentID]; o != nil && o.Skip != "" {
					reason = fmt.Sprintf("its OU %s is not registered: %s", o.Path, o.Skip)
					if o.TooDeep {
						reason += ", and no ancestor is registered"
					}
				}
				d.How, d.Reason = HowLeftOut, reason+"; move it into an OU the migration registers to migrate it"
			}
		}
	}
	// The remedy of each OU too deep to register: what happens to its accounts.
	for _, o := range sc.OUs {
		if !o.TooDeep {
			continue
		}
		var moved, enrolled, out int
		for _, id := range ix.ChildAccounts(o.ID) {
			switch d := sc.accounts[id]; {
			case d.MoveTo != "":
				moved++
			case d.How == HowEnroll:
				enrolled++
			case d.How == HowLeftOut:
				out++
			}
		}
		var parts []string
		if moved > 0 {
			parts = append(parts, words.Count(moved, "account")+" move up before a registration that covers them")
		}
		if enrolled > 0 {
			parts = append(parts, words.Count(enrolled, "account")+" "+words.Noun(enrolled, "is", "are")+" enrolled one by one into the nearest registered ancestor")
		}
		if out > 0 {
			parts = append(parts, words.Count(out, "account")+" "+words.Noun(out, "is", "are")+" left out")
		}
		o.Remedy = strings.Join(parts, "; ")
	}
}

// block records that an account stops the registration of the OU it sits in.
func (sc *Scope) block(ouID string, a *inventory.Account, reason string, excluded bool) {
	o := sc.ous[ouID]
	o.Blocks = append(o.Blocks, Block{AccountID: a.ID, AccountName: a.Name, Reason: reason, Excluded: excluded})
}

func sortOUs(ous []*OU) {
	sort.SliceStable(ous, func(i, j int) bool { return lessOU(ous[i], ous[j]) })
}

func lessOU(a, b *OU) bool {
	if a.Depth != b.Depth {
		return a.Depth < b.Depth
	}
	if ka, kb := a.orderPath(), b.orderPath(); ka != kb {
		return ka < kb
	}
	return a.Key < b.Key
}

// orderPath places an OU among those of its depth: by path, and an OU the plan creates right
// after the OU it relieves (its accounts move out before that OU's registration, in its wave).
func (o *OU) orderPath() string {
	if o.Created && o.ofPath != "" {
		return o.ofPath + "\x00" + o.Name
	}
	return o.Path
}

// scheduled reports whether the migration registers the OU.
func (sc *Scope) scheduled(id string) bool {
	o := sc.ous[id]
	return o != nil && o.Order > 0
}

// enrollable reports whether accounts can be enrolled into an OU: registered now or by the plan.
func (sc *Scope) enrollable(id string) bool { return sc.scheduled(id) || sc.Index.IsRegistered(id) }

// sharedServices decides where ALZ's Shared Services account is enrolled: by its OU's
// registration; else into sharedServicesOU, or its OU when Control Tower already governs it — when
// the target has room within the limit.
func (c *classifier) sharedServices(d *Account) {
	sc, ix := c.sc, c.sc.Index
	c.class[d.ID] = classFixed
	if c.sched[d.ParentID] {
		d.How, d.Registration = HowOURegistration, d.ParentID
		d.Reason = "ALZ's Shared Services account: its OU's registration enrolls it"
		return
	}
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
	case id != "" && (c.sched[id] || ix.IsRegistered(id)) && id != d.ParentID && c.room[id] <= 0:
		d.How, d.Reason = HowLeftOut, fmt.Sprintf("ALZ's Shared Services account: sharedServicesOU %q has no room left within the limit of %d accounts; choose another OU and re-plan", want, sc.Limit)
	case id != "" && (c.sched[id] || ix.IsRegistered(id)):
		if id != d.ParentID {
			c.room[id]--
		}
		d.How, d.Into = HowEnroll, id
		d.Reason = "ALZ's Shared Services account, enrolled through Account Factory into " + ix.Path(id) + " (sharedServicesOU)"
		if left := sc.leftSCPs(d.ID, id, nil); len(left) > 0 {
			d.Reason += sc.carryOnAccount(d, left)
		}
	case id == "" && sc.SandboxOUName() != "" && strings.EqualFold(strings.Trim(want, "/"), sc.SandboxOUName()) && sc.Snapshot.ControlTower.LandingZone == nil:
		d.How, d.Into = HowEnroll, CTSandbox
		d.Reason = "ALZ's Shared Services account, enrolled through Account Factory into the " + sc.SandboxOUName() + " OU the landing zone creates (sharedServicesOU)"
		if left := sc.leftSCPs(d.ID, "", nil); len(left) > 0 {
			d.Reason += sc.carryOnAccount(d, left)
		}
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
