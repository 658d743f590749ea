package inventory

import (
	"sort"
	"strings"
	"sync"
)

// Index answers the tree questions checks and the planner ask (parents, depth, subtrees, attached
// policies) in constant time. Build it once per snapshot with NewIndex; it does not follow later edits.
// It is safe for concurrent use (the checks run side by side): the memo maps Depth and
// SubtreeAccountCount fill as they go are guarded.
type Index struct {
	snap        *Snapshot
	ous         map[string]*OU
	accounts    map[string]*Account
	policies    map[string]*Policy
	childOUs    map[string][]string // parent ID -> child OU IDs, sorted
	childAccts  map[string][]string // parent ID -> account IDs, sorted
	attached    map[string][]string // target ID -> policy IDs, sorted
	roots       map[string]bool
	registered  map[string]bool // OU IDs with a succeeded AWSControlTowerBaseline
	enrolled    map[string]bool // account IDs with a succeeded AWSControlTowerBaseline
	memoMu      sync.Mutex
	depthMemo   map[string]int
	subtreeMemo map[string]int
}

// NewIndex indexes s. Call it after validation: it assumes IDs are unique and parents exist.
func NewIndex(s *Snapshot) *Index {
	ix := &Index{
		snap:        s,
		ous:         make(map[string]*OU, len(s.OUs)),
		accounts:    make(map[string]*Account, len(s.Accounts)),
		policies:    make(map[string]*Policy, len(s.Policies)),
		childOUs:    make(map[string][]string, len(s.OUs)/2),
		childAccts:  make(map[string][]string, len(s.OUs)+len(s.Roots)),
		attached:    make(map[string][]string, len(s.Accounts)+len(s.OUs)+len(s.Roots)),
		roots:       map[string]bool{},
		registered:  map[string]bool{},
		enrolled:    map[string]bool{},
		depthMemo:   map[string]int{},
		subtreeMemo: map[string]int{},
	}
	for i := range s.Roots {
		ix.roots[s.Roots[i].ID] = true
	}
	for i := range s.OUs {
		ou := &s.OUs[i]
		ix.ous[ou.ID] = ou
		ix.childOUs[ou.ParentID] = append(ix.childOUs[ou.ParentID], ou.ID)
	}
	for i := range s.Accounts {
		a := &s.Accounts[i]
		ix.accounts[a.ID] = a
		ix.childAccts[a.ParentID] = append(ix.childAccts[a.ParentID], a.ID)
	}
	for i := range s.Policies {
		p := &s.Policies[i]
		ix.policies[p.ID] = p
		for _, t := range p.Targets {
			ix.attached[t] = append(ix.attached[t], p.ID)
		}
	}
	for _, m := range []map[string][]string{ix.childOUs, ix.childAccts, ix.attached} {
		for k := range m {
			sort.Strings(m[k])
		}
	}
	// AWS names enabled baselines by opaque ARNs; only the ListBaselines catalogue says which one
	// is AWSControlTowerBaseline (AWS Control Tower API reference, ListEnabledBaselines).
	names := make(map[string]string, len(s.ControlTower.Baselines))
	for _, b := range s.ControlTower.Baselines {
		names[b.Arn] = b.Name
	}
	for _, b := range s.ControlTower.EnabledBaselines {
		if names[b.BaselineIdentifier] != BaselineControlTower || b.Status == "FAILED" {
			continue
		}
		id := b.TargetID()
		if strings.HasPrefix(id, "ou-") {
			ix.registered[id] = true
		} else {
			ix.enrolled[id] = true
		}
	}
	return ix
}

// Snapshot returns the indexed snapshot.
func (ix *Index) Snapshot() *Snapshot { return ix.snap }

// OU returns the OU with id, or nil.
func (ix *Index) OU(id string) *OU { return ix.ous[id] }

// Account returns the account with id, or nil.
func (ix *Index) Account(id string) *Account { return ix.accounts[id] }

// Policy returns the policy with id, or nil.
func (ix *Index) Policy(id string) *Policy { return ix.policies[id] }

// IsRoot reports whether id is a root.
func (ix *Index) IsRoot(id string) bool { return ix.roots[id] }

// ChildOUs lists the OUs directly under a root or OU, sorted by ID.
func (ix *Index) ChildOUs(parentID string) []string { return ix.childOUs[parentID] }

// ChildAccounts lists the accounts directly under a root or OU, sorted by ID.
func (ix *Index) ChildAccounts(parentID string) []string { return ix.childAccts[parentID] }

// PoliciesOn lists the policies attached directly to a root, OU or account, sorted by ID.
func (ix *Index) PoliciesOn(targetID string) []string { return ix.attached[targetID] }

// Parent returns the parent ID of an OU or account ("" for a root or unknown ID).
func (ix *Index) Parent(id string) string {
	if ou := ix.ous[id]; ou != nil {
		return ou.ParentID
	}
	if a := ix.accounts[id]; a != nil {
		return a.ParentID
	}
	return ""
}

// Ancestors lists the parents of an OU or account from its direct parent up to and including the root.
func (ix *Index) Ancestors(id string) []string {
	var out []string
	for p := ix.Parent(id); p != ""; p = ix.Parent(p) {
		out = append(out, p)
		if ix.roots[p] || len(out) > len(ix.ous)+1 { // the bound guards against a cycle in unvalidated input
			break
		}
	}
	return out
}

// Depth is an OU's nesting level: an OU directly under the root has depth 1.
func (ix *Index) Depth(ouID string) int {
	ix.memoMu.Lock()
	defer ix.memoMu.Unlock()
	return ix.depth(ouID)
}

func (ix *Index) depth(ouID string) int {
	if d, ok := ix.depthMemo[ouID]; ok {
		return d
	}
	ou := ix.ous[ouID]
	if ou == nil {
		return 0
	}
	d := 1
	if _, isOU := ix.ous[ou.ParentID]; isOU {
		d = ix.depth(ou.ParentID) + 1
	}
	ix.depthMemo[ouID] = d
	return d
}

// Path is the OU's name path from the root, e.g. "Workloads/Prod/Payments".
func (ix *Index) Path(ouID string) string {
	var names []string
	for id := ouID; ix.ous[id] != nil; id = ix.ous[id].ParentID {
		names = append(names, ix.ous[id].Name)
		if len(names) > len(ix.ous) {
			break
		}
	}
	for i, j := 0, len(names)-1; i < j; i, j = i+1, j-1 {
		names[i], names[j] = names[j], names[i]
	}
	return strings.Join(names, "/")
}

// AccountsUnder lists the accounts in an OU's whole subtree (the OU and all nested OUs), sorted by ID.
func (ix *Index) AccountsUnder(parentID string) []string {
	var out []string
	var walk func(string)
	walk = func(id string) {
		out = append(out, ix.childAccts[id]...)
		for _, c := range ix.childOUs[id] {
			walk(c)
		}
	}
	walk(parentID)
	sort.Strings(out)
	return out
}

// SubtreeAccountCount counts the accounts in an OU's whole subtree.
func (ix *Index) SubtreeAccountCount(parentID string) int {
	ix.memoMu.Lock()
	defer ix.memoMu.Unlock()
	return ix.subtreeAccountCount(parentID)
}

func (ix *Index) subtreeAccountCount(parentID string) int {
	if n, ok := ix.subtreeMemo[parentID]; ok {
		return n
	}
	n := len(ix.childAccts[parentID])
	for _, c := range ix.childOUs[parentID] {
		n += ix.subtreeAccountCount(c)
	}
	ix.subtreeMemo[parentID] = n
	return n
}

// IsRegistered reports whether Control Tower governs the OU (an AWSControlTowerBaseline is enabled on it).
func (ix *Index) IsRegistered(ouID string) bool { return ix.registered[ouID] }

// IsEnrolled reports whether Control Tower has enrolled the account.
func (ix *Index) IsEnrolled(accountID string) bool { return ix.enrolled[accountID] }

// OUByName returns the OUs directly under parentID named name (case-insensitive, as Organizations compares them).
func (ix *Index) OUByName(parentID, name string) *OU {
	for _, id := range ix.childOUs[parentID] {
		if strings.EqualFold(ix.ous[id].Name, name) {
			return ix.ous[id]
		}
	}
	return nil
}

// RootID returns the organization's (single) root ID.
func (ix *Index) RootID() string {
	if len(ix.snap.Roots) == 0 {
		return ""
	}
	return ix.snap.Roots[0].ID
}
