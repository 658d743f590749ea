package sim

import (
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/lz2ct/lz2ct/inventory"
)

// state is the simulated organization: the served snapshot (the simulator's own copy) plus indexes
// built once at start-up, so that every read operation is a map lookup or a binary search, never
// a scan of the organization. Server.mu guards it. A mutating operation (later issues) edits snap
// and the index entries it touches under the write lock; asynchronous ones (StackSet operations,
// EnableBaseline, ProvisionProduct) queue on the clock and complete when it reaches them.
type state struct {
	snap *inventory.Snapshot
	ix   *inventory.Index

	regions    map[string]string // region -> itself (interned strings for the audit log)
	accountIDs []string          // sorted
	acctRegion map[string]map[string]*inventory.AccountRegion
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
	provisioned []*inventory.ProvisionedProduct // sorted by ID
	buckets     map[string][]*inventory.Bucket  // account -> buckets sorted by name
	bucketBy    map[string]*inventory.Bucket
	ssm         map[string][]inventory.SSMParameter // region -> sorted by name
	kms         map[string][]inventory.KMSAlias     // region -> sorted by name

	problemsByAccount map[string][]inventory.Problem
	globalProblems    []inventory.Problem

	clock *clock
}

type targetInfo struct{ id, arn, name, kind string }

func newState(snap *inventory.Snapshot) *state {
	st := &state{
		snap:              snap,
		ix:                inventory.NewIndex(snap),
		regions:           map[string]string{},
		acctRegion:        map[string]map[string]*inventory.AccountRegion{},
		policyByID:        map[string]*inventory.Policy{},
		targetNames:       map[string]targetInfo{},
		delegatedServices: map[string][]string{},
		delegatedBySvc:    map[string][]string{},
		stacks:            map[string][]*inventory.Stack{},
		stackSetBy:        map[string]*inventory.StackSet{},
		instances:         map[string][]inventory.StackInstance{},
		portfolioBy:       map[string]*inventory.Portfolio{},
		productBy:         map[string]*inventory.Product{},
		buckets:           map[string][]*inventory.Bucket{},
		bucketBy:          map[string]*inventory.Bucket{},
		ssm:               map[string][]inventory.SSMParameter{},
		kms:               map[string][]inventory.KMSAlias{},
		problemsByAccount: map[string][]inventory.Problem{},
		clock:             &clock{},
	}
	for _, r := range snap.Regions {
		st.regions[r] = r
	}
	for _, r := range knownRegions {
		if _, ok := st.regions[r]; !ok {
			st.regions[r] = r
		}
	}
	for _, r := range snap.Roots {
		st.targetNames[r.ID] = targetInfo{r.ID, r.Arn, r.Name, "ROOT"}
	}
	for _, ou := range snap.OUs {
		st.targetNames[ou.ID] = targetInfo{ou.ID, ou.Arn, ou.Name, "ORGANIZATIONAL_UNIT"}
	}
	for i := range snap.Accounts {
		a := &snap.Accounts[i]
		st.accountIDs = append(st.accountIDs, a.ID)
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
	}
	sort.Slice(st.policies, func(i, j int) bool { return st.policies[i].ID < st.policies[j].ID })
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
	return st
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
	for i := range alz.Buckets {
		b := &alz.Buckets[i]
		st.buckets[b.AccountID] = append(st.buckets[b.AccountID], b)
		st.bucketBy[b.Name] = b
	}
	for a := range st.buckets {
		l := st.buckets[a]
		sort.Slice(l, func(i, j int) bool { return l[i].Name < l[j].Name })
	}
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

// intern returns the state's copy of a region name so that the audit log's millions of entries
// share one string per region.
func (st *state) intern(region string) string {
	if r, ok := st.regions[region]; ok {
		return r
	}
	return region
}

// account returns the account with id, or nil.
func (st *state) account(id string) *inventory.Account { return st.ix.Account(id) }

// accountRegion is what the snapshot holds for account in region (nil = nothing there).
func (st *state) accountRegion(account, region string) *inventory.AccountRegion {
	return st.acctRegion[account][region]
}

// alzHome is the ALZ home region, "" when the organization has no ALZ.
func (st *state) alzHome() string {
	if st.snap.ALZ == nil {
		return ""
	}
	return st.snap.ALZ.HomeRegion
}

// clock is the simulator's operation clock: it advances by one tick per answered call. Asynchronous
// operations (a later issue's StackSet deletions, EnableBaseline, ProvisionProduct) are scheduled
// to complete a number of ticks later, so their progress is deterministic and independent of wall
// time: a client polling the operation's status sees it finish after a fixed number of calls.
type clock struct {
	now     atomic.Int64
	waiting atomic.Int64 // len(pending), read without the lock on every call
	mu      sync.Mutex
	pending []asyncOp
}

// asyncOp is an operation that completes at tick doneAt by applying its change to the state.
type asyncOp struct {
	id     string
	doneAt int64
	apply  func(*state)
}

// schedule queues apply to run after ticks more calls; it returns the tick it completes at.
func (c *clock) schedule(id string, ticks int64, apply func(*state)) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	at := c.now.Load() + ticks
	c.pending = append(c.pending, asyncOp{id: id, doneAt: at, apply: apply})
	c.waiting.Store(int64(len(c.pending)))
	return at
}

// tick advances the clock and returns the operations now complete, in the order scheduled; the
// caller applies them under the state's write lock.
func (c *clock) tick() []asyncOp {
	now := c.now.Add(1)
	if c.waiting.Load() == 0 {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var due []asyncOp
	keep := c.pending[:0]
	for _, op := range c.pending {
		if op.doneAt <= now {
			due = append(due, op)
		} else {
			keep = append(keep, op)
		}
	}
	c.pending = keep
	c.waiting.Store(int64(len(keep)))
	return due
}

// knownRegions are AWS's commercial regions, so that calls to regions a snapshot did not read are
// still answered (with empty results) and logged with shared strings.
var knownRegions = strings.Fields(`us-east-1 us-east-2 us-west-1 us-west-2 af-south-1 ap-east-1 ap-south-1 ap-south-2
ap-southeast-1 ap-southeast-2 ap-southeast-3 ap-southeast-4 ap-northeast-1 ap-northeast-2 ap-northeast-3
ca-central-1 ca-west-1 eu-central-1 eu-central-2 eu-west-1 eu-west-2 eu-west-3 eu-south-1 eu-south-2
eu-north-1 il-central-1 me-south-1 me-central-1 sa-east-1`)
