package crash

import (
	"math/rand/v2"
	"os"
	"path/filepath"
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

// The kinds over IAM, Config, SSM, KMS and CodePipeline under the harness: alz1-legacy's plan (the
// freeze, SCP exports and detaches, direct Config removal, Control Tower's service roles, the SSM
// export and deletion, the KMS alias), cut down to those kinds, killed at random instants and in
// the after-mutation window, resumed until done. None of these calls has an idempotency token:
// every kind observes before it calls again, so no target may be changed twice.

var kmiscKinds = map[string]bool{
	plans.KindExportSCP: true, plans.KindSCPDetach: true, plans.KindPipelineTransitionDisable: true,
	plans.KindConfigRecorderDelete: true, plans.KindIAMRoleCreate: true, plans.KindExportSSMParameters: true,
	plans.KindSSMParametersDelete: true, plans.KindKMSAliasDelete: true,
}

func kmiscPlan(t *testing.T) (*inventory.Snapshot, *plans.Plan) {
	t.Helper()
	root := filepath.Join("..", "..", "testdata")
	data, err := os.ReadFile(filepath.Join(root, "orgs", "alz1-legacy.json"))
	if err != nil {
		t.Fatal(err)
	}
	snap, err := inventory.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	s, err := settings.Load(filepath.Join(root, "settings", "alz1-legacy.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	rs := s.Resolve(snap)
	p, err := plans.Build(snap, rs, checks.Run(checks.Input{Snapshot: snap, Index: inventory.NewIndex(snap), Settings: rs}))
	if err != nil {
		t.Fatal(err)
	}
	p.SnapshotHash = plans.SnapshotHash(data)
	return snap, enginetest.Cut(p, func(st *plans.Step) bool { return kmiscKinds[st.Kind] })
}

func TestCrashAndResumeKmiscKinds(t *testing.T) {
	if testing.Short() {
		t.Fatal("the crash harness builds and runs lz2ct; it has no short mode (run it without -short)")
	}
	want := max(16, points(t)/3)
	bin := build(t)
	served, p := kmiscPlan(t)
	kills, hookKills, episodes := 0, 0, 0
	for seed := uint64(1); kills < want; seed++ {
		e := &episode{t: t, bin: bin, dir: t.TempDir(), served: served, p: p, rng: rand.New(rand.NewPCG(seed, 11)), org: p.Organization}
		e.state = filepath.Join(e.dir, "state")
		e.plan = filepath.Join(e.dir, "plan.json")
		if err := plans.Save(e.plan, p); err != nil {
			t.Fatal(err)
		}
		e.srv = sim.New(served, sim.Options{Seed: int64(seed), TimeScale: 600, AfterMutation: e.afterMutation})
		url, err := e.srv.Start("127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		e.url = url
		episodes++
		e.untilDone(seed, &kills, true, func(attempt int, first bool) result {
			switch {
			case kills < want && attempt%2 == 0:
				return e.run(1+e.rng.IntN(4), 0, e.args(first)...)
			case kills < want:
				return e.run(0, time.Duration(e.rng.Int64N(int64(400*time.Millisecond)))+time.Millisecond, e.args(first)...)
			}
			return e.run(0, 0, e.args(first)...)
		}, nil)
		e.checkKmisc()
		hookKills += e.hookKills
		e.srv.Close()
		if t.Failed() {
			t.Fatalf("episode %d failed after %d kills", seed, kills)
		}
	}
	t.Logf("%d kills (%d in the after-mutation window) over %d episodes", kills, hookKills, episodes)
	if hookKills == 0 {
		t.Error("no kill came from the after-mutation hook")
	}
}

// checkKmisc: every step done; every target changed once at most (none twice); the planned effects
// in place.
func (e *episode) checkKmisc() {
	t := e.t
	t.Helper()
	deletedParams := map[string]int{}
	for _, c := range e.srv.Calls() {
		if !c.Mutating || c.Code != "" {
			continue
		}
		if c.Operation == "DeleteParameters" {
			_, names, _ := strings.Cut(c.Target, "/")
			for _, n := range strings.Split(names, ",") {
				deletedParams[n]++
			}
		}
	}
	seen := map[string]int{}
	for _, c := range e.srv.Calls() {
		if c.Mutating && c.Code == "" && c.Operation != "DeleteParameters" {
			seen[c.Operation+" "+c.Target]++
		}
	}
	for k, n := range seen {
		if n > 1 {
			t.Errorf("%s applied %d times: a mutation repeated after a crash", k, n)
		}
	}
	for name, n := range deletedParams {
		if n > 1 {
			t.Errorf("SSM parameter %s deleted %d times", name, n)
		}
	}
	st, err := journal.Read(e.state)
	if err != nil {
		t.Fatalf("journal: %v", err)
	}
	for _, id := range e.p.ExecutionOrder {
		if st.Step(id).Status != journal.Done {
			t.Errorf("journal: %s is %s", id, st.Step(id).Status)
		}
	}
	end := e.srv.Snapshot()
	if len(end.ALZ.SSMParameters) != 0 || len(end.ALZ.KMSAliases) != 0 || end.ALZ.Pipeline.SourceTransitionEnabled() {
		t.Errorf("end state: parameters %d, aliases %d, pipeline frozen %v", len(end.ALZ.SSMParameters), len(end.ALZ.KMSAliases), !end.ALZ.Pipeline.SourceTransitionEnabled())
	}
	for _, a := range end.Accounts {
		for _, ar := range a.Regions {
			for _, r := range ar.ConfigRecorders {
				for _, ph := range e.p.Phases {
					for _, s := range ph.Steps {
						if cp, ok := s.Params.(plans.ConfigRecorderDelete); ok && cp.AccountID == a.ID && cp.Region == ar.Region && cp.RecorderName == r.Name {
							t.Errorf("end state: recorder %s left in %s/%s", r.Name, a.ID, ar.Region)
						}
					}
				}
			}
		}
	}
}
