package sim

import (
	"sort"
	"strings"

	"github.com/lz2ct/lz2ct/inventory"
)

// state is the simulated organization: the served snapshot (the simulator's own copy) plus indexes,
// so that every read operation is a map lookup or a binary search, never a scan of the
// organization. Server.mu guards it: read operations hold the read lock, mutating ones the write
// lock (see mutate.go for the rules a mutating operation follows).
//
// snap is the source of truth; the indexes point into its slices. A mutation that edits an entity
// in place (a policy's targets, an account's parent) updates the index entries it touches; one that
// adds or removes elements of a snapshot slice calls reindex, which rebuilds every index from snap.
// The runtime part (asynchronous operations, idempotency tokens) survives reindex.
type state struct {
	snap *inventory.Snapshot

	regions    map[string]string // region -> itself (interned strings for the audit log)
	accountIDs []string          // sorted
	accountBy  map[string]*inventory.Account
	acctRegion map[string]map[string]*inventory.AccountRegion
	roots      map[string]*inventory.Root
	ouBy       map[string]*inventory.OU
	childOUs   map[string][]string // parent ID -> child OU IDs, sorted
	childAccts map[string][]string // parent ID -> account IDs, sorted
	attached   map[string][]string // target ID -> policy IDs, sorted
	policies   []*inventory.Policy // sorted by ID
	policyByID map[string]*inventory.Policy

	targetNames map[string]targetInfo // root, OU and account ID -> what ListTargetsForPolicy says

	delegatedAccounts []string            // sorted account IDs that are delegated administrators
	delegatedServices map[string][]string // account ID -> service principals, sorted
	delegatedBySvc    map[string][]string // service principal -> account IDs, sorted

	stacks      map[string][]*inventory.Stack // region -> stacks sorted by name
	stackSets   []*inventory.StackSet         // sorted by name
	stackSetBy  map[string]*inventory.StackSet
	instances   map[string][]inventory.StackInstance // StackSet name -> instances sorted by account, region
	portfolios  []*inventory.Portfolio               // sorted by ID
	portfolioBy map[string]*inventory.Portfolio
	products    []*inventory.Product // sorted by ID
	productBy   map[string]*inventory.Product
	provisioned []*inventory.ProvisionedProduct     // sorted by ID
	ssm         map[string][]inventory.SSMParameter // region -> sorted by name
	kms         map[string][]inventory.KMSAlias     // region -> sorted by name
	// enabled: baseline ARN + "\x00" + target ARN -> index in snap.ControlTower.EnabledBaselines
	// (svc_controltower_mut.go keeps it when it appends).
	enabled map[string]int

	problemsByAccount map[string][]inventory.Problem
	globalProblems    []inventory.Problem

	// runtime: kept across reindex.
	rt *opsRuntime
	// s3 is S3's buckets and objects (s3objects.go), kept across reindex.
	s3 *s3Store
}

type targetInfo struct{ id, arn, name, kind string }

func newState(snap *inventory.Snapshot, seed int64) *state {
	st := &state{snap: snap, rt: newRuntime(), s3: newS3Store(snap, seed)}
	st.reindex()
	return st
}

// reindex rebuilds every index from snap. Mutations that add or remove snapshot elements call it.
func (st *state) reindex() {
	snap, rt, s3 := st.snap, st.rt, st.s3
	*st = state{
		snap:              snap,
		rt:                rt,
		s3:                s3,
		regions:           map[string]string{},
		accountBy:         make(map[string]*inventory.Account, len(snap.Accounts)),
		acctRegion:        make(map[string]map[string]*inventory.AccountRegion, len(snap.Accounts)),
		roots:             map[string]*inventory.Root{},
		ouBy:              make(map[string]*inventory.OU, len(snap.OUs)),
		childOUs:          map[string][]string{},
		childAccts:        map[string][]string{},
		attached:          map[string][]string{},
		policyByID:        map[string]*inventory.Policy{},
		targetNames:       map[string]targetInfo{},
		delegatedServices: map[string][]string{},
		delegatedBySvc:    map[string][]string{},
		stacks:            map[string][]*inventory.Stack{},
		stackSetBy:        map[string]*inventory.StackSet{},
		instances:         map[string][]inventory.StackInstance{},
		portfolioBy:       map[string]*inventory.Portfolio{},
		productBy:         map[string]*inventory.Product{},
		ssm:               map[string][]inventory.SSMParameter{},
		kms:               map[string][]inventory.KMSAlias{},
		problemsByAccount: map[string][]inventory.Problem{},
		enabled:           make(map[string]int, len(snap.ControlTower.EnabledBaselines)),
	}
	for i, b := range snap.ControlTower.EnabledBaselines {
		st.enabled[b.BaselineIdentifier+"\x00"+b.TargetIdentifier] = i
	}
	for _, r := range snap.Regions {
		st.regions[r] = r
	}
	for _, r := range inventory.PartitionRegions(st.partition()) {
		if _, ok := st.regions[r.Name]; !ok {
			st.regions[r.Name] = r.Name
		}
	}
	for i := range snap.Roots {
		r := &snap.Roots[i]
		st.roots[r.ID] = r
		st.targetNames[r.ID] = targetInfo{r.ID, r.Arn, r.Name, "ROOT"}
	}
	for i := range snap.OUs {
		ou := &snap.OUs[i]
		st.ouBy[ou.ID] = ou
		st.childOUs[ou.ParentID] = append(st.childOUs[ou.ParentID], ou.ID)
		st.targetNames[ou.ID] = targetInfo{ou.ID, ou.Arn, ou.Name, "ORGANIZATIONAL_UNIT"}
	}
	for i := range snap.Accounts {
		a := &snap.Accounts[i]
		st.accountIDs = append(st.accountIDs, a.ID)
		st.accountBy[a.ID] = a
		st.childAccts[a.ParentID] = append(st.childAccts[a.ParentID], a.ID)
		st.targetNames[a.ID] = targetInfo{a.ID, a.Arn, a.Name, "ACCOUNT"}
		m := make(map[string]*inventory.AccountRegion, len(a.Regions))
		for j := range a.Regions {
			m[a.Regions[j].Region] = &a.Regions[j]
		}
		st.acctRegion[a.ID] = m
	}
	sort.Strings(st.accountIDs)
	sort.Strings(snap.TrustedServices) // ListAWSServiceAccessForOrganization pages them in order
	for i := range snap.Policies {
		p := &snap.Policies[i]
		sort.Strings(p.Targets)
		st.policies = append(st.policies, p)
		st.policyByID[p.ID] = p
		for _, t := range p.Targets {
			st.attached[t] = append(st.attached[t], p.ID)
		}
	}
	sort.Slice(st.policies, func(i, j int) bool { return st.policies[i].ID < st.policies[j].ID })
	for _, m := range []map[string][]string{st.childOUs, st.childAccts, st.attached} {
		for k := range m {
			sort.Strings(m[k])
		}
	}
	for _, d := range snap.DelegatedAdmins {
		if _, seen := st.delegatedServices[d.AccountID]; !seen {
			st.delegatedAccounts = append(st.delegatedAccounts, d.AccountID)
		}
		st.delegatedServices[d.AccountID] = append(st.delegatedServices[d.AccountID], d.ServicePrincipal)
		st.delegatedBySvc[d.ServicePrincipal] = append(st.delegatedBySvc[d.ServicePrincipal], d.AccountID)
	}
	sort.Strings(st.delegatedAccounts)
	for _, m := range []map[string][]string{st.delegatedServices, st.delegatedBySvc} {
		for k := range m {
			sort.Strings(m[k])
		}
	}
	if alz := snap.ALZ; alz != nil {
		st.indexALZ(alz)
	}
	for _, p := range snap.Problems {
		if p.AccountID == "" {
			st.globalProblems = append(st.globalProblems, p)
		} else {
			st.problemsByAccount[p.AccountID] = append(st.problemsByAccount[p.AccountID], p)
		}
	}
}

func (st *state) indexALZ(alz *inventory.ALZ) {
	for i := range alz.Stacks {
		s := &alz.Stacks[i]
		st.stacks[s.Region] = append(st.stacks[s.Region], s)
	}
	for r := range st.stacks {
		l := st.stacks[r]
		sort.Slice(l, func(i, j int) bool { return l[i].Name < l[j].Name })
	}
	for i := range alz.StackSets {
		ss := &alz.StackSets[i]
		st.stackSets = append(st.stackSets, ss)
		st.stackSetBy[ss.Name] = ss
		inst := append([]inventory.StackInstance(nil), ss.Instances...)
		sort.Slice(inst, func(i, j int) bool { return instanceKey(inst[i]) < instanceKey(inst[j]) })
		st.instances[ss.Name] = inst
	}
	sort.Slice(st.stackSets, func(i, j int) bool { return st.stackSets[i].Name < st.stackSets[j].Name })
	for i := range alz.Portfolios {
		p := &alz.Portfolios[i]
		st.portfolios = append(st.portfolios, p)
		st.portfolioBy[p.ID] = p
	}
	sort.Slice(st.portfolios, func(i, j int) bool { return st.portfolios[i].ID < st.portfolios[j].ID })
	for i := range alz.Products {
		p := &alz.Products[i]
		st.products = append(st.products, p)
		st.productBy[p.ID] = p
	}
	sort.Slice(st.products, func(i, j int) bool { return st.products[i].ID < st.products[j].ID })
	for i := range alz.ProvisionedProducts {
		st.provisioned = append(st.provisioned, &alz.ProvisionedProducts[i])
	}
	sort.Slice(st.provisioned, func(i, j int) bool { return st.provisioned[i].ID < st.provisioned[j].ID })
	for _, p := range alz.SSMParameters {
		st.ssm[p.Region] = append(st.ssm[p.Region], p)
	}
	for r := range st.ssm {
		l := st.ssm[r]
		sort.Slice(l, func(i, j int) bool { return l[i].Name < l[j].Name })
	}
	for _, a := range alz.KMSAliases {
		st.kms[a.Region] = append(st.kms[a.Region], a)
	}
	for r := range st.kms {
		l := st.kms[r]
		sort.Slice(l, func(i, j int) bool { return l[i].Name < l[j].Name })
	}
}

func instanceKey(i inventory.StackInstance) string { return i.AccountID + "/" + i.Region }

// intern returns the state's copy of a region name so that the audit log's entries share one string
// per region.
func (st *state) intern(region string) string {
	if r, ok := st.regions[region]; ok {
		return r
	}
	return region
}

func (st *state) partition() string {
	if p := st.snap.Partition; p != "" {
		return p
	}
	return "aws"
}

// account returns the account with id, or nil.
func (st *state) account(id string) *inventory.Account { return st.accountBy[id] }

// accountRegion is what the snapshot holds for account in region (nil = nothing there).
func (st *state) accountRegion(account, region string) *inventory.AccountRegion {
	return st.acctRegion[account][region]
}

// isParent reports whether id is a root or an OU.
func (st *state) isParent(id string) bool { return st.roots[id] != nil || st.ouBy[id] != nil }

// parentOf is the root or OU an OU or account sits in ("" for a root or an unknown ID).
func (st *state) parentOf(id string) string {
	if ou := st.ouBy[id]; ou != nil {
		return ou.ParentID
	}
	if a := st.accountBy[id]; a != nil {
		return a.ParentID
	}
	return ""
}

// alzHome is the ALZ home region, "" when the organization has no ALZ.
func (st *state) alzHome() string {
	if st.snap.ALZ == nil {
		return ""
	}
	return st.snap.ALZ.HomeRegion
}

// regionKnown reports whether region is a region of the snapshot's partition.
func (st *state) regionKnown(region string) bool {
	r, ok := inventory.LookupRegion(region)
	return ok && r.Partition == st.partition()
}

// insertSorted adds s to the sorted list l (no duplicates).
func insertSorted(l []string, s string) []string {
	i := sort.SearchStrings(l, s)
	if i < len(l) && l[i] == s {
		return l
	}
	return append(l[:i], append([]string{s}, l[i:]...)...)
}

// removeSorted drops s from the sorted list l.
func removeSorted(l []string, s string) []string {
	i := sort.SearchStrings(l, s)
	if i < len(l) && l[i] == s {
		return append(l[:i:i], l[i+1:]...)
	}
	return l
}

// hasPrefixFold is strings.HasPrefix, ignoring case.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}
