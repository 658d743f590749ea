package crash

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lz2ct/lz2ct/checks"
	"github.com/lz2ct/lz2ct/engine/enginetest"
	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/journal"
	"github.com/lz2ct/lz2ct/plans"
	"github.com/lz2ct/lz2ct/settings"
	"github.com/lz2ct/lz2ct/sim"
)

// The harness over the Control Tower and Service Catalog kinds: the landing zone set up by API,
// two registrations and an enrollment that take its outputs (calls without an idempotency token,
// asynchronous operations of minutes to half an hour), and ALZ's Service Catalog decommission
// from the planner (TerminateProvisionedProduct with its token, deletes without one), on
// alz2-typical, with the simulator's clock and lz2ct's waits scaled.

const ctTimeScale = 20000

// ctHookKilled counts the after-mutation kills by the operation they interrupted.
var ctHookKilled = map[string]int{}

// ctPlan is the plan and the organization it runs on.
func ctPlan(t *testing.T) (*inventory.Snapshot, *plans.Plan) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "orgs", "alz2-typical.json"))
	if err != nil {
		t.Fatal(err)
	}
	snap, err := inventory.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	s, err := settings.Load(filepath.Join("..", "..", "testdata", "settings", "alz2-typical.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	set := s.Resolve(snap)
	full, err := plans.Build(snap, set, checks.Run(checks.Input{Snapshot: snap, Index: inventory.NewIndex(snap), Settings: set}))
	if err != nil {
		t.Fatal(err)
	}
	sc := enginetest.Subplan(full, plans.KindExportPortfolios, plans.KindProvisionedProductTerminate, plans.KindSCConstraintDelete,
		plans.KindSCPrincipalDisassociate, plans.KindSCProductDisassociate, plans.KindSCPortfolioDelete, plans.KindSCProductDelete)
	enginetest.PrepareLandingZone(snap)
	if err := inventory.Validate(snap); err != nil {
		t.Fatal(err)
	}
	return snap, enginetest.Merge(enginetest.ControlTowerPlan(snap), sc)
}

// plannedMutations are the mutations the plan makes, as "Operation target".
func plannedMutations(p *plans.Plan) []string {
	var out []string
	for _, ph := range p.Phases {
		for _, s := range ph.Steps {
			switch pr := s.Params.(type) {
			case plans.LandingZoneCreate:
				out = append(out, "CreateLandingZone landingzone/"+pr.Region)
			case plans.BaselineEnable:
				out = append(out, "EnableBaseline "+pr.OUID.Literal)
			case plans.AccountEnroll:
				out = append(out, "ProvisionProduct "+pr.AccountID)
			case plans.ProvisionedProductTerminate:
				out = append(out, "TerminateProvisionedProduct "+pr.ProvisionedProductID)
			case plans.SCConstraintDelete:
				out = append(out, "DeleteConstraint "+pr.ConstraintID)
			case plans.SCPrincipalDisassociate:
				out = append(out, "DisassociatePrincipalFromPortfolio "+pr.PortfolioID+"/"+pr.PrincipalARN)
			case plans.SCProductDisassociate:
				out = append(out, "DisassociateProductFromPortfolio "+pr.PortfolioID+"/"+pr.ProductID)
			case plans.SCPortfolioDelete:
				out = append(out, "DeletePortfolio "+pr.PortfolioID)
			case plans.SCProductDelete:
				out = append(out, "DeleteProduct "+pr.ProductID)
			}
		}
	}
	return out
}

// ctEpisode is an episode that can also be killed right after a given operation took effect.
type ctEpisode struct {
	*episode
	killOp string // kill the current run right after this operation's first success ("" = off)
}

func newCTEpisode(t *testing.T, bin string, served *inventory.Snapshot, p *plans.Plan, seed uint64) *ctEpisode {
	e := &ctEpisode{episode: &episode{t: t, bin: bin, dir: t.TempDir(), served: served, p: p, rng: rand.New(rand.NewPCG(seed, 11)), org: p.Organization}}
	e.state = filepath.Join(e.dir, "state")
	e.plan = filepath.Join(e.dir, "plan.json")
	if err := plans.Save(e.plan, p); err != nil {
		t.Fatal(err)
	}
	after := func(c sim.Call) {
		e.mu.Lock()
		target := e.killOp != "" && c.Operation == e.killOp && c.Code == "" && !c.Replay && e.proc != nil
		if target {
			e.killOp, e.killAt = "", 0
		}
		before := e.hookKills
		proc, exited := e.proc, e.exited
		e.mu.Unlock()
		if target {
			proc.Kill()
			select {
			case <-exited:
			case <-time.After(10 * time.Second):
				t.Errorf("the killed lz2ct did not exit")
			}
			e.mu.Lock()
			e.hookKills++
			e.mu.Unlock()
		} else {
			e.afterMutation(c)
		}
		e.mu.Lock()
		if e.hookKills > before {
			ctHookKilled[c.Operation]++
		}
		e.mu.Unlock()
	}
	e.srv = sim.New(served, sim.Options{Seed: int64(seed), TimeScale: ctTimeScale, AfterMutation: after})
	url, err := e.srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e.url = url
	t.Cleanup(func() { e.srv.Close() })
	return e
}

// ctTargets are the operations a targeted kill interrupts: the asynchronous ones, with and without
// an idempotency token, and deletes without one.
var ctTargets = []string{"CreateLandingZone", "EnableBaseline", "ProvisionProduct", "TerminateProvisionedProduct", "DeletePortfolio", "DeleteProduct"}

func (e *episode) ctArgs(first bool) []string {
	return append(e.args(first), "--time-scale", strconv.Itoa(ctTimeScale))
}

// ctCheck: every planned mutation applied exactly once (an idempotent replay changes nothing and
// is allowed), nothing else changed, every step done, and the organization where the plan leaves it.
func (e *episode) ctCheck() (replays int) {
	t := e.t
	t.Helper()
	planned := plannedMutations(e.p)
	applied := map[string]int{}
	for _, c := range e.srv.Calls() {
		switch {
		case c.Mutating && c.Replay:
			replays++
		case c.Mutating && c.Code == "":
			applied[c.Operation+" "+c.Target]++
		}
	}
	for _, m := range planned {
		if applied[m] != 1 {
			t.Errorf("%s applied %d times", m, applied[m])
		}
	}
	for m := range applied {
		if !slices.Contains(planned, m) {
			t.Errorf("unplanned mutation %s", m)
		}
	}
	st, err := journal.Read(e.state)
	if err != nil {
		t.Fatalf("journal: %v", err)
	}
	for _, ph := range e.p.Phases {
		for _, s := range ph.Steps {
			if st.Step(s.ID).Status != journal.Done {
				t.Errorf("journal: %s is %s", s.ID, st.Step(s.ID).Status)
			}
		}
	}
	now := e.srv.Snapshot()
	if lz := now.ControlTower.LandingZone; lz == nil || lz.Status != "ACTIVE" {
		t.Errorf("landing zone %+v", lz)
	}
	enrolled := map[string]bool{}
	for _, b := range now.ControlTower.EnabledBaselines {
		if b.Status == "SUCCEEDED" {
			enrolled[b.TargetID()] = true
		}
	}
	for _, id := range []string{enginetest.WorkloadsOU, enginetest.NonProdOU, enginetest.DataDev, enginetest.RetailProd} {
		if !enrolled[id] {
			t.Errorf("%s is not registered or enrolled", id)
		}
	}
	if z := now.ALZ; len(z.Portfolios) != 0 || len(z.ProvisionedProducts) != 0 || len(z.Products) != 0 {
		t.Errorf("ALZ's Service Catalog objects left: %d portfolios, %d provisioned products, %d products", len(z.Portfolios), len(z.ProvisionedProducts), len(z.Products))
	}
	return replays
}

// TestCrashAndResumeControlTower kills lz2ct at half of LZ2CT_CRASH_POINTS points during the
// Control Tower and Service Catalog plan, half of them from the simulator's after-mutation hook
// (CreateLandingZone, EnableBaseline, ProvisionProduct, TerminateProvisionedProduct accepted, the
// answer never heard), and resumes each time; every episode must end with each mutation applied once.
func TestCrashAndResumeControlTower(t *testing.T) {
	if testing.Short() {
		t.Fatal("the crash harness builds and runs lz2ct; it has no short mode (run it without -short)")
	}
	want := max(points(t)/2, 1)
	bin := build(t)
	served, p := ctPlan(t)
	if n := len(plannedMutations(p)); n < 15 {
		t.Fatalf("the plan makes %d mutations: not the plan this test is about", n)
	}

	kills, hookKills, episodes, runs, replays := 0, 0, 0, 0, 0
	var clean time.Duration
	for seed := uint64(1); kills < want; seed++ {
		e := newCTEpisode(t, bin, served, p, seed)
		episodes++
		first := true
		if clean == 0 {
			start := time.Now()
			r := e.run(0, 0, e.ctArgs(true)...)
			clean = time.Since(start)
			runs++
			if r.killed || r.code != 0 {
				t.Fatalf("unkilled apply: code %d\n%s", r.code, r.out)
			}
			first = false
		}
		e.untilDone(seed, &kills, first, func(attempt int, first bool) result {
			runs++
			switch {
			case kills < want && attempt%3 == 0:
				e.mu.Lock()
				// The first run of each episode takes the targets in turn, so each is hit.
				e.killOp = ctTargets[e.rng.IntN(len(ctTargets))]
				if attempt == 0 {
					e.killOp = ctTargets[int(seed-1)%len(ctTargets)]
				}
				e.mu.Unlock()
				r := e.run(0, 0, e.ctArgs(first)...)
				e.mu.Lock()
				e.killOp = ""
				e.mu.Unlock()
				return r
			case kills < want && attempt%3 == 1:
				return e.run(1+e.rng.IntN(6), 0, e.ctArgs(first)...)
			case kills < want:
				return e.run(0, time.Duration(e.rng.Int64N(int64(clean)))+time.Millisecond, e.ctArgs(first)...)
			}
			return e.run(0, 0, e.ctArgs(first)...)
		}, nil)
		replays += e.ctCheck()
		hookKills += e.hookKills
		if t.Failed() {
			t.Fatalf("episode %d failed after %d kills", seed, kills)
		}
	}
	var ops []string
	for k, v := range ctHookKilled {
		ops = append(ops, k+"×"+strconv.Itoa(v))
	}
	sort.Strings(ops)
	t.Logf("%d kills (%d in the after-mutation window: %s) over %d episodes and %d runs of lz2ct; %d idempotent replays; an unkilled apply took %s",
		kills, hookKills, strings.Join(ops, " "), episodes, runs, replays, clean.Round(time.Millisecond))
	for _, op := range []string{"CreateLandingZone", "EnableBaseline", "ProvisionProduct"} {
		if ctHookKilled[op] == 0 {
			t.Errorf("no kill right after %s took effect: %v", op, ctHookKilled)
		}
	}
	if hookKills < want/4 {
		t.Errorf("only %d of %d kills came from the after-mutation hook", hookKills, kills)
	}
}
