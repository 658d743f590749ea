package steps_test

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

	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/journal"
	"github.com/lz2ct/lz2ct/plans"
	"github.com/lz2ct/lz2ct/sim"
)

// A focused kill test of the CloudFormation kinds (the crash harness in engine/crash runs its own
// plan): lz2ct apply runs a planner-built plan of these kinds as a subprocess and is SIGKILLed —
// from the simulator's after-mutation hook (AWS applied the change, lz2ct never heard of it) and at
// random instants — then resumed until the run ends. The organization must end as an unkilled run
// leaves it, with every StackSet operation, StackSet, stack and termination-protection change
// applied once.

// cfnKills is how many kills the test makes (LZ2CT_CRASH_POINTS overrides it, as for the harness).
const cfnKills = 16

type cfnEpisode struct {
	t    *testing.T
	bin  string
	dir  string
	plan string
	org  string // the plan's organization: typed with --confirm-org, so decommission may run
	url  string
	srv  *sim.Server
	rng  *rand.Rand

	mu        sync.Mutex
	proc      *os.Process
	exited    chan struct{}
	killAt    int
	mutations int
	hookKills int
}

func (e *cfnEpisode) afterMutation(c sim.Call) {
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

// run starts lz2ct; killAt > 0 kills it at that mutation, after > 0 at that instant. It reports
// whether it was killed, and its exit code and output otherwise.
func (e *cfnEpisode) run(killAt int, after time.Duration, first bool) (killed bool, code int, out string) {
	args := []string{"resume", "--state", filepath.Join(e.dir, "state"), "--endpoint-url", e.url, "--rate", "-1", "--time-scale", strconv.Itoa(timeScale), "--confirm-org", e.org}
	if first {
		args = []string{"apply", "--plan", e.plan, "--state", filepath.Join(e.dir, "state"), "--endpoint-url", e.url, "--yes", "--rate", "-1", "--time-scale", strconv.Itoa(timeScale), "--confirm-org", e.org}
	}
	cmd := exec.Command(e.bin, args...)
	cmd.Dir = e.dir
	cmd.Env = []string{"HOME=" + e.dir, "PATH=" + os.Getenv("PATH"), "AWS_ACCESS_KEY_ID=AKIAEXAMPLEEXAMPLE00",
		"AWS_SECRET_ACCESS_KEY=secret", "AWS_REGION=us-east-1", "AWS_EC2_METADATA_DISABLED=true",
		"AWS_CONFIG_FILE=" + os.DevNull, "AWS_SHARED_CREDENTIALS_FILE=" + os.DevNull}
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
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
		return false, 0, buf.String()
	case errors.As(err, &ee) && ee.Sys().(syscall.WaitStatus).Signal() == syscall.SIGKILL:
		return true, 0, buf.String()
	case errors.As(err, &ee):
		return false, ee.ExitCode(), buf.String()
	}
	e.t.Fatalf("lz2ct %v: %v\n%s", args, err, buf.String())
	return false, 0, ""
}

func TestCloudFormationKindsSurviveKills(t *testing.T) {
	if testing.Short() {
		t.Fatal("the kill test builds and runs lz2ct; it has no short mode (run it without -short)")
	}
	want := cfnKills
	if s := os.Getenv("LZ2CT_CRASH_POINTS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("LZ2CT_CRASH_POINTS=%q: want a positive number", s)
		}
		want = n
	}
	bin := filepath.Join(t.TempDir(), "lz2ct")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build lz2ct: %v\n%s", err, out)
	}
	snap, s := typical(t, false)
	p := kindsPlan(t, snap, s, ofKinds(cfnKinds))

	// The reference: the organization as an unkilled run leaves it.
	ref, refURL := serve(t, snap, sim.Options{})
	if sum := apply(t, refURL, p, t.TempDir()); !sum.Complete() {
		t.Fatalf("unkilled run: failed %+v", sum.Failed)
	}
	want1, err := inventory.Encode(ref.Snapshot())
	if err != nil {
		t.Fatal(err)
	}

	kills, hookKills, runs := 0, 0, 0
	for seed := uint64(1); kills < want; seed++ {
		e := &cfnEpisode{t: t, bin: bin, dir: t.TempDir(), org: p.Organization, rng: rand.New(rand.NewPCG(seed, 11))}
		e.plan = filepath.Join(e.dir, "plan.json")
		if err := plans.Save(e.plan, p); err != nil {
			t.Fatal(err)
		}
		e.srv, e.url = serve(t, snap, sim.Options{Seed: int64(seed), AfterMutation: e.afterMutation})
		first := true
		for attempt := 0; ; attempt++ {
			if attempt > 100 {
				t.Fatalf("episode %d does not finish", seed)
			}
			var killed bool
			var code int
			var out string
			switch {
			case kills < want && attempt%2 == 0:
				killed, code, out = e.run(1+e.rng.IntN(8), 0, first)
			case kills < want:
				killed, code, out = e.run(0, time.Duration(e.rng.Int64N(int64(2*time.Second)))+time.Millisecond, first)
			default:
				killed, code, out = e.run(0, 0, first)
			}
			runs++
			if _, err := os.Stat(filepath.Join(e.dir, "state", "plan.json")); err == nil {
				first = false
			}
			if killed {
				kills++
				if _, err := os.Stat(filepath.Join(e.dir, "state", journal.FileName)); err == nil {
					if _, err := journal.Read(filepath.Join(e.dir, "state")); err != nil {
						t.Fatalf("after kill %d the journal is damaged: %v", kills, err)
					}
				}
				continue
			}
			if code != 0 {
				t.Fatalf("episode %d: exit %d\n%s", seed, code, out)
			}
			break
		}
		hookKills += e.hookKills
		e.check(p, want1)
		if t.Failed() {
			t.Fatalf("episode %d failed after %d kills", seed, kills)
		}
	}
	t.Logf("%d kills (%d in the after-mutation window) over %d runs of lz2ct", kills, hookKills, runs)
	if hookKills < want/4 {
		t.Errorf("only %d of %d kills came from the after-mutation hook", hookKills, kills)
	}
}

// check compares the episode's end with the unkilled run's and counts each mutation.
func (e *cfnEpisode) check(p *plans.Plan, want []byte) {
	t := e.t
	got, err := inventory.Encode(e.srv.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("the organization differs from the unkilled run's end")
	}
	applied := map[string]int{}
	for _, c := range e.srv.Calls() {
		if c.Mutating && c.Code == "" && !c.Replay {
			applied[c.Operation+" "+c.Target]++
		}
	}
	for k, n := range applied {
		if n != 1 {
			t.Errorf("%s applied %d times: a mutation repeated after a crash", k, n)
		}
		op, target, _ := strings.Cut(k, " ")
		if (op == "CreateStackInstances" || op == "DeleteStackInstances") && !strings.Contains(target, "/lz2ct-") {
			t.Errorf("%s: a StackSet operation without the plan's OperationId", k)
		}
	}
	st, err := journal.Read(filepath.Join(e.dir, "state"))
	if err != nil {
		t.Fatalf("journal: %v", err)
	}
	for _, ph := range p.Phases {
		for _, s := range ph.Steps {
			if st.Step(s.ID).Status != journal.Done {
				t.Errorf("journal: %s is %s", s.ID, st.Step(s.ID).Status)
			}
		}
	}
}
