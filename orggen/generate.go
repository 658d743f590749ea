package orggen

import (
	"fmt"
	"math"
	"strings"

	"github.com/lz2ct/lz2ct/inventory"
)

// Params are the knobs of lz2ct sim generate.
type Params struct {
	// Accounts is the total number of accounts, the management account and ALZ's three core
	// accounts included (at least 4).
	Accounts int
	// OUs is the total number of OUs, the core OU included (at least 1, and at least Depth). With
	// exactly Depth OUs the deep branch starts under the core OU, the only way to reach Depth.
	OUs int
	// Depth is the deepest OU nesting level (1..6); one branch always reaches it.
	Depth int
	// Regions is the number of regions (1..17), the home region first.
	Regions    int
	Seed       int64
	ALZVersion string
	HomeRegion string
	// ConfigShare is the share (0..1) of workload accounts with ALZ's Config recorder (the core
	// accounts always have one).
	ConfigShare float64
	// SCPDensity (0..1) is the chance that an OU carries a customer SCP (and the square of it, a
	// second one); a tenth of it, that an account carries one directly.
	SCPDensity float64
}

// DefaultParams are the flag defaults of lz2ct sim generate.
func DefaultParams() Params {
	return Params{Accounts: 50, OUs: 12, Depth: 3, Regions: 2, Seed: 1,
		ALZVersion: DefaultALZVersion, HomeRegion: DefaultHomeRegion, ConfigShare: 0.95, SCPDensity: 0.3}
}

// Limits of the generator. Depth 6 is one past Control Tower's nesting limit on purpose, so
// generated organizations can exercise that check.
const (
	MinAccounts = 4
	MaxAccounts = 100_000
	MaxDepth    = 6
)

// Check reports the first parameter out of range, naming the flag.
func (p Params) Check() error {
	switch {
	case p.Accounts < MinAccounts || p.Accounts > MaxAccounts:
		return fmt.Errorf("--accounts %d: choose %d to %d (the management account and ALZ's three core accounts count)", p.Accounts, MinAccounts, MaxAccounts)
	case p.Depth < 1 || p.Depth > MaxDepth:
		return fmt.Errorf("--depth %d: choose 1 to %d", p.Depth, MaxDepth)
	case p.OUs < p.Depth || p.OUs < 1:
		return fmt.Errorf("--ous %d: need at least --depth (%d) OUs, the core OU included", p.OUs, p.Depth)
	case p.OUs > p.Accounts*10+10:
		return fmt.Errorf("--ous %d: more than ten OUs per account is not an organization anyone runs", p.OUs)
	case p.Regions < 1 || p.Regions > MaxRegions:
		return fmt.Errorf("--regions %d: choose 1 to %d", p.Regions, MaxRegions)
	case p.ConfigShare < 0 || p.ConfigShare > 1 || math.IsNaN(p.ConfigShare):
		return fmt.Errorf("--config-share %v: choose 0 to 1", p.ConfigShare)
	case p.SCPDensity < 0 || p.SCPDensity > 1 || math.IsNaN(p.SCPDensity):
		return fmt.Errorf("--scp-density %v: choose 0 to 1", p.SCPDensity)
	}
	return nil
}

// OU names by level, so paths read like real organizations ("Workloads/Prod/Payments").
var (
	topNames   = []string{"Workloads", "Sandbox", "Infrastructure", "Shared", "Deployments", "PolicyStaging", "Exceptions", "Suspended"}
	envNames   = []string{"Prod", "NonProd", "Dev", "Test", "Staging", "QA"}
	unitNames  = []string{"Payments", "Retail", "Analytics", "Identity", "Data", "Marketing", "Logistics", "Billing", "Search", "Media", "Risk", "Claims", "Trading", "Mobile", "Web"}
	teamNames  = []string{"Platform", "Backend", "Frontend", "Reporting", "Ingest", "Ledger", "Cards", "Fraud", "Checkout", "Catalog"}
	appWords   = []string{"api", "web", "data", "batch", "ml", "etl", "edge", "auth", "ledger", "search", "media", "ops", "portal", "stream", "cache", "queue", "report", "events"}
	levelNames = [][]string{topNames, envNames, unitNames, teamNames, teamNames, teamNames}
)

// Generate builds a synthetic ALZ organization. The same Params always give the same snapshot.
func Generate(p Params) (*inventory.Snapshot, error) {
	if p.ALZVersion == "" {
		p.ALZVersion = DefaultALZVersion
	}
	if p.HomeRegion == "" {
		p.HomeRegion = DefaultHomeRegion
	}
	if err := p.Check(); err != nil {
		return nil, err
	}
	regions, err := Regions(p.HomeRegion, p.Regions)
	if err != nil {
		return nil, fmt.Errorf("--home-region: %w", err)
	}
	b, err := NewBuilder(Options{Seed: p.Seed, ALZVersion: p.ALZVersion, HomeRegion: p.HomeRegion, Regions: regions})
	if err != nil {
		return nil, err
	}
	r := b.Rand()
	root := b.RootID()

	// The OU tree: one branch reaches Depth, the rest hang under a random OU above the limit
	// (or the root), which gives the bushy, uneven trees real organizations have.
	var open []string // non-core OUs that may still get children
	var all []string  // non-core OUs
	// name picks a level-appropriate name not yet used under parent, from a random start, so
	// siblings only get numeric suffixes once the list runs out.
	name := func(parent string, depth int) string {
		names := levelNames[depth-1]
		start := r.IntN(len(names))
		for i := range names {
			n := names[(start+i)%len(names)]
			if !b.ouNames[parent][strings.ToLower(n)] {
				return n
			}
		}
		return names[start]
	}
	parent, first := root, 1
	if p.OUs-1 < p.Depth {
		parent, first = b.CoreOUID(), 2
	}
	for d := first; d <= p.Depth && len(all) < p.OUs-1; d++ {
		id := b.AddOU(parent, name(parent, d))
		all = append(all, id)
		if d < p.Depth {
			open = append(open, id)
		}
		parent = id
	}
	for len(all) < p.OUs-1 {
		parent := root
		if len(open) > 0 && r.Float64() > 0.15 {
			parent = open[r.IntN(len(open))]
		}
		d := b.Depth(parent) + 1
		id := b.AddOU(parent, name(parent, d))
		all = append(all, id)
		if d < p.Depth {
			open = append(open, id)
		}
	}

	// Accounts: a log-normal weight per OU makes a few OUs large and most small; OUs that have
	// child OUs hold fewer accounts of their own.
	weights := make([]float64, len(all))
	total := 0.0
	hasChildren := map[string]bool{}
	for _, id := range open {
		hasChildren[id] = true
	}
	for i, id := range all {
		w := math.Exp(r.NormFloat64())
		if hasChildren[id] {
			w *= 0.3
		}
		total += w
		weights[i] = total
	}
	pick := func() string {
		if len(all) == 0 {
			return root
		}
		x := r.Float64() * total
		lo, hi := 0, len(weights)-1
		for lo < hi {
			mid := (lo + hi) / 2
			if weights[mid] < x {
				lo = mid + 1
			} else {
				hi = mid
			}
		}
		return all[lo]
	}
	for i := MinAccounts; i < p.Accounts; i++ {
		parent := pick()
		spec := AccountSpec{
			Name:             slug(b.ouName[parent]) + "-" + appWords[r.IntN(len(appWords))],
			Invited:          r.Float64() < 0.12,
			ControlTowerRole: r.Float64() < 0.1,
			NoConfig:         r.Float64() >= p.ConfigShare,
			ConfigStopped:    r.Float64() < 0.02,
		}
		if parent == root {
			spec.Name = "account-" + appWords[r.IntN(len(appWords))]
		}
		b.AddAccount(parent, spec)
	}

	// Customer SCPs: at most three per target, so with FullAWSAccess and ALZ's own SCP no target
	// goes over Organizations' limit of five.
	// https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html
	if p.SCPDensity > 0 {
		pool := make([]string, len(customSCPs))
		for i, c := range customSCPs {
			pool[i] = b.AttachSCP(c)
		}
		attach := func(target string, n int) {
			perm := r.Perm(len(pool))
			for k := 0; k < n && k < 3; k++ {
				b.Attach(pool[perm[k]], target)
			}
		}
		for _, id := range all {
			n := 0
			if r.Float64() < p.SCPDensity {
				n++
				if r.Float64() < p.SCPDensity {
					n++
				}
			}
			attach(id, n)
		}
		for _, a := range b.accounts[MinAccounts:] {
			if r.Float64() < p.SCPDensity/10 {
				attach(a.a.ID, 1)
			}
		}
	}
	return b.Snapshot(), nil
}
