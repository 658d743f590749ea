package scope

import (
	"fmt"
	"maps"
	"math/rand"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/orggen"
	"github.com/lz2ct/lz2ct/settings"
)

const ctBaseline = "arn:aws:controltower:eu-west-1::baseline/17BSJV3IGJ2QSGA2"

// org builds small organizations for table tests.
type org struct {
	s *inventory.Snapshot
	n int
}

func newOrg() *org {
	o := &org{s: &inventory.Snapshot{
		SchemaVersion: inventory.SchemaVersion, Partition: "aws", Source: "test", Regions: []string{"eu-west-1"},
		Organization: inventory.Organization{ID: "o-abcdefghij", ManagementAccountID: "100000000000", FeatureSet: "ALL"},
		Roots:        []inventory.Root{{ID: "r-ab12", Name: "Root"}},
		ALZ:          &inventory.ALZ{HomeRegion: "eu-west-1"},
		ControlTower: inventory.ControlTower{Baselines: []inventory.Baseline{{Arn: ctBaseline, Name: inventory.BaselineControlTower}}},
	}}
	o.s.Accounts = append(o.s.Accounts, inventory.Account{ID: "100000000000", Name: "management", Status: "ACTIVE", ParentID: "r-ab12", Email: "m@x.example"})
	return o
}

func (o *org) ou(parent, name string) string {
	o.n++
	id := fmt.Sprintf("ou-ab12-%08d", o.n)
	o.s.OUs = append(o.s.OUs, inventory.OU{ID: id, Name: name, ParentID: parent})
	return id
}

func (o *org) accounts(parent string, n int) []string {
	var ids []string
	for i := 0; i < n; i++ {
		o.n++
		id := fmt.Sprintf("2%011d", o.n)
		o.s.Accounts = append(o.s.Accounts, inventory.Account{ID: id, Name: "acct" + id[8:], Status: "ACTIVE", ParentID: parent,
			Email: "a" + id + "@x.example"})
		ids = append(ids, id)
	}
	return ids
}

func (o *org) register(target string) {
	kind := "ou"
	if !strings.HasPrefix(target, "ou-") {
		kind = "account"
	}
	o.s.ControlTower.EnabledBaselines = append(o.s.ControlTower.EnabledBaselines, inventory.EnabledBaseline{
		Arn: "arn:aws:controltower:eu-west-1:100000000000:enabledbaseline/X" + target, BaselineIdentifier: ctBaseline,
		TargetIdentifier: "arn:aws:organizations::100000000000:" + kind + "/o-abcdefghij/" + target, Status: "SUCCEEDED"})
}

func (o *org) scope(t *testing.T, edit func(*settings.Settings)) *Scope {
	t.Helper()
	if err := inventory.Validate(o.s); err != nil {
		t.Fatalf("test snapshot invalid: %v", err)
	}
	s := settings.Settings{HomeRegion: "eu-west-1", LogArchiveEmail: "l@x.example", AuditEmail: "a@x.example"}
	if edit != nil {
		edit(&s)
	}
	return New(o.s, s)
}

func want(t *testing.T, sc *Scope, id, how, reason string) *Account {
	t.Helper()
	a := sc.Account(id)
	if a == nil || a.How != how || !strings.Contains(a.Reason, reason) {
		t.Errorf("account %s: %+v, want %s (%q)", id, a, how, reason)
	}
	return a
}

func TestDispositions(t *testing.T) {
	o := newOrg()
	apps := o.ou("r-ab12", "Apps")
	appAccts := o.accounts(apps, 4)
	reg := o.ou("r-ab12", "Registered")
	o.register(reg)
	regAccts := o.accounts(reg, 2)
	o.register(regAccts[1])
	core := o.ou("r-ab12", "core")
	coreAccts := o.accounts(core, 4)
	legacy := o.ou("r-ab12", "Legacy")
	legacyAccts := o.accounts(legacy, 1)
	root := o.accounts("r-ab12", 1)
	o.s.ALZ.CoreOUID = core
	o.s.ALZ.SecurityAccountID, o.s.ALZ.LogArchiveAccountID, o.s.ALZ.SharedServicesAccountID = coreAccts[0], coreAccts[1], coreAccts[2]
	for i := range o.s.Accounts {
		if o.s.Accounts[i].ID == appAccts[3] {
			o.s.Accounts[i].Status = inventory.AccountSuspended
		}
	}
	sc := o.scope(t, func(s *settings.Settings) {
		s.Exclude.OUs = []string{"Legacy"}
		s.Exclude.Accounts = []string{appAccts[2]}
	})
	want(t, sc, "100000000000", HowManagement, "management")
	want(t, sc, appAccts[0], HowOURegistration, "")
	want(t, sc, appAccts[2], HowExcluded, "exclude.accounts")
	want(t, sc, appAccts[3], HowBlocked, "SUSPENDED")
	want(t, sc, regAccts[0], HowEnroll, "already registered")
	want(t, sc, regAccts[1], HowEnrolled, "already governs")
	want(t, sc, coreAccts[0], HowExcluded, "Security account")
	want(t, sc, coreAccts[1], HowExcluded, "Log Archive account")
	want(t, sc, coreAccts[2], HowLeftOut, "sharedServicesOU")
	want(t, sc, coreAccts[3], HowLeftOut, "core OU")
	want(t, sc, legacyAccts[0], HowExcluded, "exclude.ous")
	want(t, sc, root[0], HowLeftOut, "root")
	if a := sc.Account(appAccts[0]); a.Registration != apps || !a.Covered() {
		t.Errorf("covered account %+v", a)
	}
	// The excluded and the suspended account both stop Apps' registration.
	blocks := sc.OU(apps).Blocks
	if len(blocks) != 2 || !blocks[0].Excluded || blocks[1].Excluded {
		t.Errorf("Apps blocks = %+v", blocks)
	}
	for path, reason := range map[string]string{"Registered": "already registered", "core": "core OU", "Legacy": "excluded"} {
		for _, ou := range sc.OUs {
			if ou.Path == path && (ou.Order != 0 || !strings.Contains(ou.Skip, reason)) {
				t.Errorf("%s: %+v, want skipped for %q", path, ou, reason)
			}
		}
	}
	// Covered lists exactly the accounts a step enrolls.
	var covered []string
	for _, a := range sc.Covered() {
		covered = append(covered, a.ID)
	}
	if !reflect.DeepEqual(covered, []string{appAccts[0], appAccts[1], regAccts[0]}) {
		t.Errorf("Covered = %v", covered)
	}
}

func TestSharedServicesTarget(t *testing.T) {
	for _, tc := range []struct {
		name, target string
		lz           bool
		how, into    string
	}{
		{"unset, in the core OU", "", false, HowLeftOut, ""},
		{"an OU the plan registers", "Apps", false, HowEnroll, "apps"},
		{"Control Tower's Sandbox OU, not created yet", "Sandbox", false, HowEnroll, CTSandbox},
		{"an excluded OU", "Legacy", false, HowLeftOut, ""},
		{"the Sandbox name once Control Tower exists", "Sandbox", true, HowLeftOut, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := newOrg()
			apps := o.ou("r-ab12", "Apps")
			o.ou("r-ab12", "Legacy")
			core := o.ou("r-ab12", "core")
			ss := o.accounts(core, 1)[0]
			o.s.ALZ.CoreOUID, o.s.ALZ.SharedServicesAccountID = core, ss
			if tc.lz {
				o.s.ControlTower.LandingZone = &inventory.LandingZone{HomeRegion: "eu-west-1", SecurityOUName: "Security", SandboxOUName: "Sandbox"}
			}
			sc := o.scope(t, func(s *settings.Settings) { s.SharedServicesOU = tc.target; s.Exclude.OUs = []string{"Legacy"} })
			a := sc.Account(ss)
			into := tc.into
			if into == "apps" {
				into = apps
			}
			if a.How != tc.how || a.Into != into || !a.SharedServices {
				t.Errorf("Shared Services: %+v, want %s into %q", a, tc.how, into)
			}
		})
	}
}

func TestSplitsExcessAndDepth(t *testing.T) {
	o := newOrg()
	big := o.ou("r-ab12", "Big")
	bigAccts := o.accounts(big, 5)
	parent := "r-ab12"
	var l5 string
	for i := 1; i <= 6; i++ {
		parent = o.ou(parent, fmt.Sprintf("L%d", i))
		if i == 5 {
			l5 = parent
		}
	}
	l5Accts := o.accounts(l5, 3)
	deep := o.accounts(parent, 1)
	sc := o.scope(t, func(s *settings.Settings) { s.OUAccountLimit = 2 })
	b := sc.OU(big)
	if !b.Oversized {
		t.Errorf("Big not oversized")
	}
	if len(b.Splits) != 2 || b.Enrolls != 2 || b.Splits[1].Name != "Big-3" || len(b.Splits[1].Accounts) != 1 {
		t.Fatalf("split of Big: %+v", b)
	}
	if a := want(t, sc, bigAccts[4], HowOURegistration, "child OU"); a.Registration != big+"/Big-3" || a.MoveTo != big+"/Big-3" {
		t.Errorf("split account %+v", a)
	}
	if c := sc.OU(big + "/Big-3"); c == nil || !c.Created || c.Order <= b.Order {
		t.Errorf("created OU %+v registered before its parent", c)
	}
	// L5 is five levels deep: what it cannot hold, and the account of the 6-level OU below it,
	// move into one new OU next to it (a sibling under L4), registered by the plan.
	l4 := sc.OU(l5).ParentID
	sib := l4 + "/L5-2"
	if a := want(t, sc, l5Accts[2], HowOURegistration, "next to"); a.MoveTo != sib {
		t.Errorf("excess account %+v", a)
	}
	if a := want(t, sc, deep[0], HowOURegistration, "no room left"); a.MoveTo != sib {
		t.Errorf("deep account %+v", a)
	}
	if c := sc.OU(sib); c == nil || !c.Created || c.Depth != 5 || c.Enrolls != 2 || c.Of != l5 || sc.OU(l5).Enrolls != 2 {
		t.Errorf("sibling OU %+v", c)
	}
	if o := sc.OU(parent); !o.TooDeep || o.Order != 0 {
		t.Errorf("6-level OU %+v", o)
	}
	// With moves forbidden below L4, L5 cannot be registered within the limit (its accounts are
	// left out), and the deep account is enrolled one by one into L4, the nearest registered ancestor.
	sc = o.scope(t, func(s *settings.Settings) { s.OUAccountLimit = 2; s.NoMoveOUs = []string{"L1/L2/L3/L4"} })
	if l := sc.OU(l5); l.Order != 0 || !strings.Contains(l.Skip, "noMoveOUs") {
		t.Errorf("oversized OU with moves forbidden: %+v", l)
	}
	want(t, sc, l5Accts[0], HowLeftOut, "noMoveOUs")
	if a := want(t, sc, deep[0], HowEnroll, "noMoveOUs"); a.Into != l4 {
		t.Errorf("deep account, moves forbidden below L4: %+v", a)
	}
	// With room in L5 and moves forbidden, the deep account is enrolled into it one by one.
	sc = o.scope(t, func(s *settings.Settings) { s.OUAccountLimit = 4; s.NoMoveOUs = []string{"*"} })
	if a := want(t, sc, deep[0], HowEnroll, "noMoveOUs"); a.Into != l5 {
		t.Errorf("deep account, moves forbidden: %+v", a)
	}
	sc = o.scope(t, func(s *settings.Settings) { s.OUAccountLimit = 4 })
	if a := want(t, sc, deep[0], HowOURegistration, "nearest registered ancestor"); a.MoveTo != l5 || sc.OU(l5).Enrolls != 4 {
		t.Errorf("deep account with room above: %+v", a)
	}
	// Registration order is parent-first.
	pos := map[string]int{}
	for _, o := range sc.Registered() {
		pos[o.Key] = o.Order
		if p := sc.OU(o.ParentID); p != nil && p.Order > 0 && pos[p.Key] >= o.Order {
			t.Errorf("%s registered before its parent", o.Path)
		}
	}
}

func TestAccountRegions(t *testing.T) {
	o := newOrg()
	apps := o.ou("r-ab12", "Apps")
	o.accounts(apps, 3)
	o.accounts("r-ab12", 1) // left out: not counted
	o.s.Regions = []string{"eu-central-1", "eu-west-1", "us-east-1"}
	sc := o.scope(t, func(s *settings.Settings) { s.GovernedRegions = []string{"eu-central-1", "eu-west-1"} })
	// management + 3 to enroll + the 2 accounts a new landing zone creates, × 2 regions.
	if sc.ManagedAccounts() != 6 || sc.AccountRegions() != 12 {
		t.Errorf("managed %d, account-regions %d; want 6 and 12", sc.ManagedAccounts(), sc.AccountRegions())
	}
}

// The scope does not depend on the order of the snapshot's lists, and never reorders them.
func TestOrderIndependence(t *testing.T) {
	p := orggen.DefaultParams()
	p.Accounts, p.OUs, p.Depth, p.Seed = 60, 14, 6, 3
	snap, err := orggen.Generate(p)
	if err != nil {
		t.Fatal(err)
	}
	s := settings.Settings{LogArchiveEmail: "l@x.example", AuditEmail: "a@x.example", OUAccountLimit: 4}
	first := New(snap, s)
	shuffled := canonical(snap)
	Shuffle(rand.New(rand.NewSource(9)), shuffled)
	before := shuffled.OUs[0].ID
	second := New(shuffled, s)
	if shuffled.OUs[0].ID != before {
		t.Fatal("New reordered the caller's snapshot")
	}
	if !reflect.DeepEqual(dump(first), dump(second)) {
		t.Fatal("the same organization in another list order gives another scope")
	}
	// NewOwned sorts the snapshot it is handed in place and gives the same scope.
	owned := NewOwned(shuffled, s)
	if owned.Snapshot != shuffled {
		t.Error("NewOwned copied the snapshot it owns")
	}
	if !reflect.DeepEqual(shuffled, first.Snapshot) {
		t.Error("NewOwned left the snapshot out of canonical order")
	}
	if !reflect.DeepEqual(dump(first), dump(owned)) {
		t.Fatal("NewOwned gives another scope than New")
	}
}

func dump(sc *Scope) []string {
	var out []string
	for _, o := range sc.OUs {
		out = append(out, fmt.Sprintf("%+v", *o))
	}
	for _, a := range sc.Accounts {
		out = append(out, fmt.Sprintf("%+v", *a))
	}
	return out
}

// The canonical copy shares no memory with the snapshot it was made from.
func TestCanonicalIsADeepCopy(t *testing.T) {
	p := orggen.DefaultParams()
	p.Accounts, p.OUs, p.Seed = 20, 5, 4
	snap, err := orggen.Generate(p)
	if err != nil {
		t.Fatal(err)
	}
	c := canonical(snap)
	if !reflect.DeepEqual(c, snap) {
		t.Fatal("the canonical copy of a sorted snapshot differs from it")
	}
	k := 0
	for k < len(c.Accounts) && (len(c.Accounts[k].Regions) == 0 || c.Accounts[k].IAM == nil) {
		k++
	}
	c.Accounts[k].Regions[0].Region = "changed"
	c.Accounts[k].IAM.ControlTowerExecutionRole = !snap.Accounts[k].IAM.ControlTowerExecutionRole
	c.ALZ.StackSets[0].Instances[0].AccountID = "changed"
	q := 0
	for len(c.Policies[q].Targets) == 0 {
		q++
	}
	c.Policies[q].Targets[0] = "changed"
	if snap.Accounts[k].Regions[0].Region == "changed" || snap.Accounts[k].IAM.ControlTowerExecutionRole == c.Accounts[k].IAM.ControlTowerExecutionRole ||
		snap.ALZ.StackSets[0].Instances[0].AccountID == "changed" || snap.Policies[q].Targets[0] == "changed" {
		t.Error("the copy shares memory with the snapshot")
	}
}

func TestRegionalOUAccountLimit(t *testing.T) {
	for _, c := range []struct{ regions, want int }{{1, 1000}, {15, 1000}, {16, 954}, {21, 725}, {22, 680}, {23, 650}, {30, 498}} {
		if got := RegionalOUAccountLimit(c.regions); got != c.want {
			t.Errorf("%d regions: %d, want %d", c.regions, got, c.want)
		}
	}
	for r := 1; r < 40; r++ {
		if RegionalOUAccountLimit(r+1) > RegionalOUAccountLimit(r) {
			t.Errorf("the limit grows from %d to %d regions", r, r+1)
		}
	}
	if l, why := EffectiveOUAccountLimit(1000, 17); l != 908 || !strings.Contains(why, "17 governed regions") {
		t.Errorf("1000 at 17 regions: %d %q", l, why)
	}
	if l, why := EffectiveOUAccountLimit(300, 17); l != 300 || why != "" {
		t.Errorf("300 at 17 regions: %d %q", l, why)
	}
	if l, _ := EffectiveOUAccountLimit(0, 4); l != settings.DefaultOUAccountLimit {
		t.Errorf("unset: %d", l)
	}
}

// bigOrg is a generated organization with few, large OUs: depth 1–6, OUs of up to about 2,000
// accounts, 1–17 regions, random noMoveOUs and limits.
func bigOrg(t testing.TB, seed int64) (*inventory.Snapshot, settings.Settings) {
	r := rand.New(rand.NewSource(seed))
	p := orggen.DefaultParams()
	p.Seed = seed
	p.Accounts = 200 + r.Intn(4800)
	p.Depth = 1 + r.Intn(orggen.MaxDepth)
	p.OUs = p.Depth + 2 + r.Intn(12)
	p.Regions = 1 + r.Intn(orggen.MaxRegions)
	snap, err := orggen.Generate(p)
	if err != nil {
		t.Fatal(err)
	}
	ix := inventory.NewIndex(snap)
	s := settings.Settings{LogArchiveEmail: "l@x.example", AuditEmail: "a@x.example"}
	switch r.Intn(4) {
	case 0:
		s.OUAccountLimit = 1 + r.Intn(50)
	case 1:
		s.OUAccountLimit = settings.MaxOUAccountLimit // clamped by the regions
	case 2:
		s.OUAccountLimit = 100 + r.Intn(900)
	}
	for _, ou := range snap.OUs {
		if r.Intn(6) == 0 {
			s.NoMoveOUs = append(s.NoMoveOUs, ix.Path(ou.ID))
		}
	}
	if r.Intn(8) == 0 {
		s.NoMoveOUs = []string{settings.AllOUs}
	}
	for i := range snap.OUs {
		if r.Intn(12) == 0 { // registered already
			snap.ControlTower.EnabledBaselines = append(snap.ControlTower.EnabledBaselines, inventory.EnabledBaseline{
				Arn: fmt.Sprintf("arn:aws:controltower:eu-west-1:1:enabledbaseline/O%d", i), BaselineIdentifier: ctBaseline,
				TargetIdentifier: "arn:aws:organizations::1:ou/o-x/" + snap.OUs[i].ID, Status: "SUCCEEDED"})
			snap.ControlTower.Baselines = []inventory.Baseline{{Arn: ctBaseline, Name: inventory.BaselineControlTower}}
		}
	}
	return snap, s
}

// TestLimitAndMovesProperty: on generated organizations, no OU registered (now or by the plan) ever
// holds more than the effective limit, and accounts are enrolled one by one only where no move the
// settings allow would let a registration cover them.
func TestLimitAndMovesProperty(t *testing.T) {
	n := 16
	if testing.Short() {
		n = 6
	}
	seenDeep, seenSplit, seenNoMove, seenSibling, seenCarry := 0, 0, 0, 0, 0
	for seed := int64(1); seed <= int64(n); seed++ {
		snap, s := bigOrg(t, seed)
		sc := New(snap, s)
		ix := sc.Index
		if want, _ := EffectiveOUAccountLimit(sc.Settings.OUAccountLimit, len(sc.Governed)); sc.Limit != want || sc.Limit > RegionalOUAccountLimit(len(sc.Governed)) {
			t.Fatalf("seed %d: limit %d", seed, sc.Limit)
		}
		movedIn, into := map[string]int{}, map[string]int{}
		for _, d := range sc.Accounts {
			if d.How == "" {
				t.Fatalf("seed %d: account %s has no disposition", seed, d.ID)
			}
			if d.MoveTo != "" {
				movedIn[d.MoveTo]++
				if d.How != HowOURegistration || d.Registration != d.MoveTo {
					t.Fatalf("seed %d: moved account %+v not covered by the registration it moves for", seed, d)
				}
				if no, _ := sc.Settings.NoMoves(ix, d.ParentID); no {
					t.Fatalf("seed %d: account %s moved out of an OU noMoveOUs keeps: %+v", seed, d.ID, d)
				}
			}
			if d.How == HowEnroll && d.Into != CTSandbox && d.Into != d.ParentID {
				into[d.Into]++
			}
			// Minimality: one by one only where its OU is registered already, for Shared Services,
			// or from an OU too deep to register whose moves noMoveOUs forbids.
			if d.How == HowEnroll {
				o := sc.OU(d.ParentID)
				noMove, _ := sc.Settings.NoMoves(ix, d.ParentID)
				if !(ix.IsRegistered(d.ParentID) || d.SharedServices || (o != nil && o.TooDeep && (noMove || d.SCPsBlock != ""))) {
					t.Fatalf("seed %d: %s enrolled one by one though a move would do: %+v", seed, d.ID, d)
				}
				if o != nil && o.TooDeep {
					seenNoMove++
				}
			}
			// An account of a deep OU that may move is never left out while its ancestor or a new
			// OU next to it could take it.
			if o := sc.OU(d.ParentID); o != nil && o.TooDeep && d.How == HowLeftOut && strings.Contains(d.Reason, "no room") {
				if no, _ := sc.Settings.NoMoves(ix, d.ParentID); !no && !strings.Contains(d.Reason, "no OU can be created") {
					t.Fatalf("seed %d: movable deep account left out: %+v", seed, d)
				}
			}
			if o := sc.OU(d.ParentID); o != nil && o.TooDeep && d.MoveTo != "" {
				seenDeep++
			}
		}
		for _, o := range sc.OUs {
			if o.Order == 0 {
				if o.Created {
					t.Fatalf("seed %d: created OU %s not registered", seed, o.Key)
				}
				continue
			}
			if o.Depth > MaxOUDepth {
				t.Fatalf("seed %d: %s (depth %d) registered", seed, o.Path, o.Depth)
			}
			// Accounts in it when it is registered: those that stay, and those moved in.
			at := movedIn[o.Key]
			if !o.Created {
				for _, a := range ix.ChildAccounts(o.ID) {
					if sc.Account(a).MoveTo == "" {
						at++
					}
				}
			} else {
				seenSplit++
				p := sc.OU(o.ParentID)
				if !(ix.IsRoot(o.ParentID) || ix.IsRegistered(o.ParentID) || (p != nil && p.Order > 0 && p.Order < o.Order)) {
					t.Fatalf("seed %d: created OU %s registered before (or without) its parent", seed, o.Path)
				}
				if of := sc.OU(o.Of); of.Depth == MaxOUDepth {
					seenSibling++
					for _, p := range sc.customerSCPs(of.ID) {
						if !slices.Contains(o.Policies, p) {
							t.Fatalf("seed %d: sibling %s carries %v, %s has %v", seed, o.Path, o.Policies, of.Path, sc.customerSCPs(of.ID))
						}
					}
				}
			}
			if at != o.Enrolls || at+into[o.Key] > sc.Limit {
				t.Fatalf("seed %d: %s holds %d at registration (Enrolls %d) and %d later, limit %d", seed, o.Path, at, o.Enrolls, at+into[o.Key], sc.Limit)
			}
		}
		// Guardrails: an account that moves (or that Account Factory moves) stays under every
		// customer SCP it was under, or it does not move and SCPsBlock says why.
		for _, d := range sc.Accounts {
			dest := d.MoveTo
			if dest == "" && d.How == HowEnroll && d.Into != d.ParentID {
				dest = d.Into
			}
			if dest == "" {
				continue
			}
			after := map[string]bool{}
			add := func(ids ...string) {
				for _, id := range ids {
					after[id] = true
				}
			}
			switch o := sc.OU(dest); {
			case dest == CTSandbox:
				add(keys(sc.inheritedSCPs(ix.RootID()))...)
			case o != nil && o.Created:
				add(keys(sc.inheritedSCPs(o.ParentID))...)
				add(o.Policies...)
			default:
				add(keys(sc.inheritedSCPs(dest))...)
			}
			add(ix.PoliciesOn(d.ID)...)
			add(d.AttachSCPs...)
			for p := range sc.inheritedSCPs(d.ParentID) {
				if after[p] {
					continue
				}
				if d.SCPsBlock == "" || d.MoveTo != "" || !slices.Contains(d.LeavesSCPs, p) {
					t.Fatalf("seed %d: account %s moves to %s and leaves SCP %s behind: %+v", seed, d.ID, dest, p, d)
				}
			}
			if len(d.LeavesSCPs) > 0 {
				seenCarry++
			}
		}
		for _, o := range sc.OUs {
			if o.Registered && into[o.ID] > 0 && o.Accounts+into[o.ID] > sc.Limit {
				t.Fatalf("seed %d: registered OU %s gets %d more accounts, over the limit %d", seed, o.Path, into[o.ID], sc.Limit)
			}
		}
	}
	t.Logf("moved from deep OUs: %d, created OUs: %d (siblings %d), deep accounts enrolled one by one: %d, accounts carrying SCPs: %d", seenDeep, seenSplit, seenSibling, seenNoMove, seenCarry)
	if !testing.Short() && (seenDeep == 0 || seenSplit == 0 || seenNoMove == 0 || seenSibling == 0 || seenCarry == 0) {
		t.Errorf("the generated organizations do not exercise every case")
	}
}

func keys(m map[string]bool) []string { return slices.Sorted(maps.Keys(m)) }
