package crash

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lz2ct/lz2ct/engine/enginetest"
	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/journal"
	"github.com/lz2ct/lz2ct/orggen"
	"github.com/lz2ct/lz2ct/plans"
	"github.com/lz2ct/lz2ct/sim"
	"github.com/lz2ct/lz2ct/steps"
)

// defaultPoints is how many kills make test asks for; LZ2CT_CRASH_POINTS overrides it.
const defaultPoints = 50

func points(t *testing.T) int {
	s := os.Getenv("LZ2CT_CRASH_POINTS")
	if s == "" {
		return defaultPoints
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		t.Fatalf("LZ2CT_CRASH_POINTS=%q: want a positive number of kill points", s)
	}
	return n
}

// build compiles lz2ct once into the test's temporary folder.
func build(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "lz2ct")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = filepath.Join("..", "..")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build lz2ct: %v\n%s", err, out)
	}
	return bin
}

// organization is the harness's organization: enough SCP attachments that a run makes a few dozen
// mutations, every target keeping FullAWSAccess.
func organization(t *testing.T) *inventory.Snapshot {
	t.Helper()
	p := orggen.DefaultParams()
	p.Accounts, p.OUs, p.SCPDensity = 40, 16, 0.5
	snap, err := orggen.Generate(p)
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

// episode is one migration run from a fresh organization to its end, killed along the way.
type episode struct {
	t      *testing.T
	bin    string
	dir    string
	state  string
	plan   string
	served *inventory.Snapshot
	p      *plans.Plan
	srv    *sim.Server
	url    string
	rng    *rand.Rand
	// org, when set, is typed with --confirm-org so the plan's decommission steps may run.
	org string

	mu        sync.Mutex
	proc      *os.Process
	exited    chan struct{}
	killAt    int // kill the process at this successful mutation of the current run (0 = not armed)
	mutations int // successful mutations of the current run
	hookKills int
}

func newEpisode(t *testing.T, bin string, served *inventory.Snapshot, seed uint64) *episode {
	e := &episode{t: t, bin: bin, dir: t.TempDir(), served: served, rng: rand.New(rand.NewPCG(seed, 7))}
	e.state = filepath.Join(e.dir, "state")
	var pols []string
	for _, pol := range served.Policies {
		if pol.Name != "FullAWSAccess" {
			pols = append(pols, pol.ID)
		}
	}
	e.p = enginetest.SCPPlan(served, enginetest.Options{Detach: true, Manual: true, Policies: pols})
	e.plan = filepath.Join(e.dir, "plan.json")
	if err := plans.Save(e.plan, e.p); err != nil {
		t.Fatal(err)
	}
	e.srv = sim.New(served, sim.Options{Seed: int64(seed), AfterMutation: e.afterMutation})
	url, err := e.srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e.url = url
	t.Cleanup(func() { e.srv.Close() })
	return e
}

// afterMutation runs in the simulator after a mutation took effect and before its answer goes out:
// when armed for this mutation, it kills the client and waits until it is gone, so the answer never
// reaches it.
func (e *episode) afterMutation(c sim.Call) {
	if c.Code != "" || c.Replay {
		return
	}
	e.mu.Lock()
	e.mutations++
	kill := e.killAt > 0 && e.mutations == e.killAt && e.proc != nil
	proc, exited := e.proc, e.exited
	e.mu.Unlock()
	if !kill {
		return
	}
	proc.Kill()
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		e.t.Errorf("the killed lz2ct did not exit")
	}
	e.mu.Lock()
	e.hookKills++
	e.mu.Unlock()
}

// result is how one subprocess run ended.
type result struct {
	killed bool
	code   int
	out    string
}

// run starts lz2ct with args; killAt > 0 kills it at that mutation, after > 0 at that instant.
func (e *episode) run(killAt int, after time.Duration, args ...string) result {
	e.t.Helper()
	cmd := exec.Command(e.bin, args...)
	cmd.Dir = e.dir
	cmd.Env = []string{"HOME=" + e.dir, "PATH=" + os.Getenv("PATH"), "AWS_ACCESS_KEY_ID=AKIAEXAMPLEEXAMPLE00",
		"AWS_SECRET_ACCESS_KEY=secret", "AWS_REGION=us-east-1", "AWS_EC2_METADATA_DISABLED=true",
		"AWS_CONFIG_FILE=" + os.DevNull, "AWS_SHARED_CREDENTIALS_FILE=" + os.DevNull}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	exited := make(chan struct{})
	e.mu.Lock()
	e.mutations, e.killAt = 0, killAt
	if err := cmd.Start(); err != nil {
		e.mu.Unlock()
		e.t.Fatal(err)
	}
	e.proc, e.exited = cmd.Process, exited
	e.mu.Unlock()
	var timer *time.Timer
	if after > 0 {
		timer = time.AfterFunc(after, func() { cmd.Process.Kill() })
	}
	err := cmd.Wait()
	close(exited)
	if timer != nil {
		timer.Stop()
	}
	e.mu.Lock()
	e.proc, e.killAt = nil, 0
	e.mu.Unlock()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return result{out: out.String()}
	case errors.As(err, &ee) && ee.Sys().(syscall.WaitStatus).Signal() == syscall.SIGKILL:
		return result{killed: true, out: out.String()}
	case errors.As(err, &ee):
		return result{code: ee.ExitCode(), out: out.String()}
	}
	e.t.Fatalf("run %v: %v\n%s", args, err, out.String())
	return result{}
}

// args is apply for the first run of an episode and resume afterwards. The client-side rate limit
// is off: the simulator answers at once, and the harness wants many runs, not paced ones.
func (e *episode) args(first bool) []string {
	args := []string{"resume", "--state", e.state, "--endpoint-url", e.url, "--rate", "-1"}
	if first {
		args = []string{"apply", "--plan", e.plan, "--state", e.state, "--endpoint-url", e.url, "--yes", "--rate", "-1"}
	}
	if e.org != "" {
		args = append(args, "--confirm-org", e.org)
	}
	return args
}

// untilDone runs lz2ct on the episode until a run ends by itself: apply first, then resume after
// each kill (run says how each attempt is cut short). It counts the kills and checks after each
// that the journal reads (at most a torn last line). again, when set, answers an exit that asks for
// another run (e.g. a manual step to confirm); any other non-zero exit fails the test.
func (e *episode) untilDone(seed uint64, kills *int, first bool, run func(attempt int, first bool) result, again func(result) bool) {
	t := e.t
	t.Helper()
	for attempt := 0; ; attempt++ {
		if attempt > 200 {
			t.Fatalf("episode %d does not finish", seed)
		}
		r := run(attempt, first)
		if r.killed {
			*kills++
			if _, err := os.Stat(filepath.Join(e.state, journal.FileName)); err == nil {
				if _, err := journal.Read(e.state); err != nil {
					t.Fatalf("after kill %d the journal is damaged: %v", *kills, err)
				}
			}
			if _, err := os.Stat(filepath.Join(e.state, "plan.json")); err == nil {
				first = false
			}
			continue
		}
		first = false
		if r.code == 0 {
			return
		}
		if again != nil && again(r) {
			continue
		}
		t.Fatalf("episode %d: exit %d\n%s", seed, r.code, r.out)
	}
}

// check verifies the episode's end: every planned detach done once, nothing else touched, the
// journal whole and every step done.
func (e *episode) check() {
	t := e.t
	t.Helper()
	planned := map[string]bool{}
	for _, ph := range e.p.Phases {
		for _, s := range ph.Steps {
			if d, ok := s.Params.(plans.SCPDetach); ok {
				planned[d.PolicyID+"/"+d.TargetID] = true
			}
		}
	}
	now := e.srv.Snapshot()
	attached := map[string]bool{}
	for _, pol := range now.Policies {
		for _, tg := range pol.Targets {
			attached[pol.ID+"/"+tg] = true
		}
	}
	for _, pol := range e.served.Policies {
		for _, tg := range pol.Targets {
			k := pol.ID + "/" + tg
			if planned[k] == attached[k] {
				t.Errorf("end state: %s attached = %v, planned detach = %v", k, attached[k], planned[k])
			}
		}
	}
	calls := map[string][]string{}
	for _, c := range e.srv.Calls() {
		if c.Mutating {
			calls[c.Operation+" "+c.Target] = append(calls[c.Operation+" "+c.Target], c.Code)
		}
	}
	for k := range planned {
		if codes := calls["DetachPolicy "+k]; len(codes) != 1 || codes[0] != "" {
			t.Errorf("DetachPolicy %s was called %d times (codes %q): a mutation repeated after a crash", k, len(codes), codes)
		}
	}
	for k := range calls {
		if !strings.HasPrefix(k, "DetachPolicy ") || !planned[strings.TrimPrefix(k, "DetachPolicy ")] {
			t.Errorf("unplanned mutation %s", k)
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
	for _, pol := range e.served.Policies {
		if pol.Name == "FullAWSAccess" {
			continue
		}
		doc, targets := steps.SCPExportPaths(plans.ExportSCP{PolicyID: pol.ID, Path: "exports/scp/" + pol.ID + ".json"})
		for _, name := range []string{doc, targets} {
			if _, err := os.Stat(filepath.Join(e.state, name)); err != nil {
				t.Errorf("export %s: %v", name, err)
			}
		}
	}
}

// TestCrashAndResume kills lz2ct at LZ2CT_CRASH_POINTS points, half of them from the simulator's
// after-mutation hook, and resumes each time; every episode must end in the planned organization
// with no mutation applied twice.
func TestCrashAndResume(t *testing.T) {
	if testing.Short() {
		t.Fatal("the crash harness builds and runs lz2ct; it has no short mode (run it without -short)")
	}
	want := points(t)
	bin := build(t)
	served := organization(t)

	kills, hookKills, episodes, runs := 0, 0, 0, 0
	var clean time.Duration // how long an unkilled run takes, measured on the first episode
	for seed := uint64(1); kills < want; seed++ {
		e := newEpisode(t, bin, served, seed)
		episodes++
		first := true
		if clean == 0 {
			start := time.Now()
			r := e.run(0, 0, e.args(true)...)
			clean = time.Since(start)
			runs++
			if r.killed || r.code != 4 {
				t.Fatalf("unkilled apply: code %d\n%s", r.code, r.out)
			}
			first = false
		}
		e.untilDone(seed, &kills, first, func(attempt int, first bool) result {
			runs++
			switch {
			case kills < want && attempt%2 == 0:
				return e.run(1+e.rng.IntN(3), 0, e.args(first)...)
			case kills < want:
				return e.run(0, time.Duration(e.rng.Int64N(int64(clean)))+time.Millisecond, e.args(first)...)
			}
			return e.run(0, 0, e.args(first)...)
		}, func(r result) bool {
			if r.code != 4 { // 4: waiting on the manual step
				return false
			}
			c := exec.Command(e.bin, "confirm", "manual/check-workloads", "--state", e.state, "--by", "harness")
			if out, err := c.CombinedOutput(); err != nil {
				t.Fatalf("confirm: %v\n%s", err, out)
			}
			return true
		})
		e.check()
		hookKills += e.hookKills
		if t.Failed() {
			t.Fatalf("episode %d failed after %d kills", seed, kills)
		}
	}
	t.Logf("%d kills (%d in the after-mutation window) over %d episodes and %d runs of lz2ct; an unkilled apply took %s",
		kills, hookKills, episodes, runs, clean.Round(time.Millisecond))
	if hookKills < want/4 {
		t.Errorf("only %d of %d kills came from the after-mutation hook", hookKills, kills)
	}
}
