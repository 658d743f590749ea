package tui

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lz2ct/lz2ct/demodata"
	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/journal"
	"github.com/lz2ct/lz2ct/plans"
)

// e2eTimeScale runs simulated time fast enough that an OU registration (10 minutes and 2 per
// account at AWS's published figures) takes a few seconds.
const e2eTimeScale = 300

// TestApplyKillResumeInTmux runs the built binary's `lz2ct demo` in a real terminal against a
// simulator served by a separate `lz2ct sim serve` — AWS outlives the client, so the simulated
// organization and its operations in flight survive the kill, as they would in AWS (a demo with
// its simulator in-process would die with it). It walks to apply, lets two OU registrations
// finish, SIGKILLs the process, starts it again, chooses resume on the start screen, confirms the
// manual steps and types the organization ID when asked, and finishes; capture-pane at each stage
// goes to the log. Then the simulator's end state, read back with lz2ct discover, is what the
// plan's done steps say, and its audit log shows no mutation made twice.
//
// Kinds this lz2ct cannot carry out yet are named in the log; what depends on them does not run,
// and "two OU registrations" become "two steps" while OU registration is one of them.
func TestApplyKillResumeInTmux(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: builds the binary")
	}
	tmux := needTmux(t)
	tmp := t.TempDir()
	bin := buildLz2ct(t, tmp)

	// The simulator, in its own process.
	orgFile := filepath.Join(tmp, "org.json")
	if err := os.WriteFile(orgFile, demodata.JSON(), 0o600); err != nil {
		t.Fatal(err)
	}
	audit := filepath.Join(tmp, "audit.jsonl")
	url := startSimServe(t, bin, orgFile, audit)

	state := filepath.Join(tmp, "state")
	socket := fmt.Sprintf("lz2ct-resume-%d", os.Getpid())
	tm := &tmuxSession{t: t, bin: tmux, socket: socket, target: "wiz"}
	t.Cleanup(func() { _ = exec.Command(tmux, "-L", socket, "kill-server").Run() })
	tm.run("-f", "/dev/null", "new-session", "-d", "-x", "120", "-y", "36", "-s", "wiz",
		"env", "NO_COLOR=1", "TERM=xterm-256color", bin, "demo", "--state", state, "--endpoint-url", url,
		"--time-scale", strconv.Itoa(e2eTimeScale))
	tm.run("set-option", "-t", "wiz", "remain-on-exit", "on")

	// Walk to apply.
	tm.waitFor("Where is the organization?", "demo")
	tm.keys("Enter")
	tm.waitFor("management account — press enter")
	tm.keys("Enter")
	tm.waitFor("Pre-checks:", "blockers")
	tm.keys("n")
	tm.waitFor("Home region")
	tm.keys("Enter")
	tm.waitFor("Governed regions")
	tm.keys("Enter")
	tm.waitFor("by API, with two new accounts")
	tm.keys("Enter")
	tm.waitFor("┃ Log Archive account e-mail")
	tm.literal("ct-log-archive@acme-corp.example")
	tm.keys("Enter")
	tm.waitFor("┃ Audit account e-mail") // focus moved: what is typed now lands in the Audit field
	tm.literal("ct-audit@acme-corp.example")
	tm.keys("Enter")
	tm.waitFor("Remove ALZ's AWS Config", "Accounts per OU registration")
	tm.keys("Enter")
	tm.keys("Enter")
	tm.keys("Enter")
	tm.keys("Enter")
	tm.waitFor("Accounts per StackSet operation", "Hours per working session")
	tm.keys("Enter")
	tm.keys("Enter")
	tm.keys("Enter")
	tm.waitFor("Plan for o-f4yjsoufrn", "a applies")
	tm.keys("a")
	tm.waitFor("Apply the plan to o-f4yjsoufrn", "type yes")
	tm.literal("yes")
	tm.keys("Enter")
	tm.waitFor("Applying the plan for o-f4yjsoufrn", "steps done")
	t.Logf("applying:\n%s", tm.capture())

	// Two OU registrations finish (or, while lz2ct cannot register OUs, two steps), then the kill.
	p, err := plans.Load(filepath.Join(state, "plan.json"))
	if err != nil {
		t.Fatal(err)
	}
	missing := missingKinds(t, bin, url, tmp, state)
	if len(missing) > 0 {
		t.Logf("this lz2ct cannot carry out %v yet: those steps and what depends on them do not run", missing)
	}
	kind := plans.KindBaselineEnable
	if reachable(p, missing, kind) < 2 {
		kind = ""
	}
	waitJournal(t, state, func(done map[string]int, total int) bool { return done[kind] >= 2 || (kind == "" && total >= 2) })
	pid := panePID(t, tm)
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitPaneDead(t, tm, pid)
	t.Logf("killed (SIGKILL) with two %q steps done:\n%s", kind, tm.capture())

	// Start it again: the start screen offers the run; resume it.
	tm.run("respawn-pane", "-t", "wiz")
	tm.waitFor("Where is the organization?", "demo")
	tm.keys("Enter")
	tm.waitFor("A migration run of o-f4yjsoufrn is recorded", "enter resumes this run")
	t.Logf("the start screen after the kill:\n%s", tm.capture())
	tm.keys("Enter")
	// Only the dashboard: its "resuming the run" log line scrolls away within a second at this time
	// scale. That the run resumed rather than restarted is what the end state and the audit log show.
	tm.waitFor("Applying the plan for o-f4yjsoufrn")

	// Finish: the manual steps are confirmed in place, the organization ID typed when asked.
	end := finishRun(t, tm, p, func() { moveDelegatedAdmins(t, p, state, url) })
	t.Logf("the run's end:\n%s", end)
	tm.keys("Enter")
	tm.waitFor("Run summary")
	t.Logf("summary:\n%s", tm.capture())
	pid = panePID(t, tm)
	tm.keys("q")
	waitPaneDead(t, tm, pid)

	// The end state: every step the journal holds as done is in place in the simulator (read back
	// through lz2ct discover), and no mutation was made twice.
	checkAudit(t, audit)
	checkConfirmedOnce(t, state)
	checkEndState(t, bin, url, tmp, state, p, missing)
}

// needTmux finds tmux; a machine without it fails the test with the command that installs it.
func needTmux(t *testing.T) string {
	t.Helper()
	tmux, err := exec.LookPath("tmux")
	if err != nil {
		t.Fatal("tmux is not installed, and the wizard's end-to-end tests drive it: apt-get install -y tmux (.ci/run installs it)")
	}
	return tmux
}

func buildLz2ct(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "lz2ct")
	build := exec.Command("go", "build", "-o", bin, "github.com/lz2ct/lz2ct")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

// startSimServe runs `lz2ct sim serve` on a free port and returns its URL.
func startSimServe(t *testing.T, bin, snapshot, audit string) string {
	t.Helper()
	cmd := exec.Command(bin, "sim", "serve", "--snapshot", snapshot, "--addr", "127.0.0.1:0", "--audit-log", audit,
		"--time-scale", strconv.Itoa(e2eTimeScale), "--fault-seed", "1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("sim serve: %v", err)
	}
	i := strings.Index(line, "http://")
	if i < 0 {
		t.Fatalf("sim serve printed %q", line)
	}
	go func() { _, _ = bufio.NewReader(out).WriteTo(devNull{}) }()
	return strings.TrimSpace(line[i:])
}

type devNull struct{}

func (devNull) Write(p []byte) (int, error) { return len(p), nil }

// missingKinds are the kinds of the run's plan this binary cannot carry out: lz2ct apply
// --dry-run (read-only) reports their steps "not supported".
func missingKinds(t *testing.T, bin, url, tmp, state string) []string {
	t.Helper()
	cmd := exec.Command(bin, "apply", "--plan", filepath.Join(state, "plan.json"), "--state", filepath.Join(tmp, "dry-run"),
		"--dry-run", "--format", "json", "--endpoint-url", url)
	cmd.Env = simEnv()
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("lz2ct apply --dry-run: %v", err)
	}
	var previews []struct{ Kind, State string }
	if err := json.Unmarshal(out, &previews); err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, pv := range previews {
		if pv.State == "not supported" && !slicesContains(kinds, pv.Kind) {
			kinds = append(kinds, pv.Kind)
		}
	}
	return kinds
}

// simEnv are credentials the simulator takes for the demo organization's management account, and
// no AWS configuration of the machine's.
func simEnv() []string {
	return append(os.Environ(), "AWS_ACCESS_KEY_ID=AKIALZ2CTDEMO0000000", "AWS_SECRET_ACCESS_KEY=x", "AWS_REGION=eu-west-1",
		"AWS_PROFILE=", "AWS_CONFIG_FILE="+os.DevNull, "AWS_SHARED_CREDENTIALS_FILE="+os.DevNull)
}

// reachable counts the steps of kind this lz2ct can get to: neither they nor any step they depend
// on (transitively) is of a kind it cannot carry out.
func reachable(p *plans.Plan, missing []string, kind string) int {
	byID := map[string]*plans.Step{}
	for i := range p.Phases {
		for j := range p.Phases[i].Steps {
			s := &p.Phases[i].Steps[j]
			byID[s.ID] = s
		}
	}
	memo := map[string]bool{}
	var ok func(id string) bool
	ok = func(id string) bool {
		if v, seen := memo[id]; seen {
			return v
		}
		s := byID[id]
		if s == nil {
			return false
		}
		v := !slicesContains(missing, s.Kind)
		for _, d := range s.DependsOn {
			v = v && ok(d)
		}
		memo[id] = v
		return v
	}
	n := 0
	for id, s := range byID {
		if s.Kind == kind && ok(id) {
			n++
		}
	}
	return n
}

func slicesContains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// waitJournal polls the state folder's journal until cond holds for the steps done per kind (and
// in all).
func waitJournal(t *testing.T, state string, cond func(done map[string]int, total int) bool) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		done, total := journalDone(state)
		if cond(done, total) {
			return
		}
		time.Sleep(50 * time.Millisecond) // polling interval
	}
	done, total := journalDone(state)
	t.Fatalf("the journal never reached the kill point: %d done, per kind %v", total, done)
}

// journalDone counts the steps whose last event is "succeeded", per kind (the step ID's prefix).
func journalDone(state string) (map[string]int, int) {
	data, _ := os.ReadFile(filepath.Join(state, "journal.jsonl"))
	last := map[string]string{}
	for _, l := range strings.Split(string(data), "\n") {
		var ev struct{ Step, Event string }
		if json.Unmarshal([]byte(l), &ev) == nil && ev.Step != "" && ev.Event != "output" && ev.Event != "confirmed" {
			last[ev.Step] = ev.Event
		}
	}
	done, total := map[string]int{}, 0
	for id, ev := range last {
		if ev == "succeeded" {
			kind, _, _ := strings.Cut(id, "/")
			done[kind]++
			total++
		}
	}
	return done, total
}

// waitPaneDead waits until tmux reports the pane's process gone (#{pane_dead}): the "Pane is dead"
// line is drawn only when tmux next redraws, which a loaded machine may delay.
func waitPaneDead(t *testing.T, tm *tmuxSession, pid int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if strings.TrimSpace(tm.run("display-message", "-p", "-t", "wiz", "#{pane_dead}")) == "1" {
			return
		}
		time.Sleep(50 * time.Millisecond) // polling interval
	}
	status, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	t.Fatalf("the pane's process %d is not dead after 30 s; /proc status:\n%s\nscreen:\n%s", pid, status, tm.capture())
}

// panePID is the process the pane runs (env execs lz2ct in place).
func panePID(t *testing.T, tm *tmuxSession) int {
	t.Helper()
	pid, err := strconv.Atoi(strings.TrimSpace(tm.run("display-message", "-p", "-t", "wiz", "#{pane_pid}")))
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

// finishRun acts as the operator until the run ends: it confirms each manual step that waits and
// types the organization ID when the dashboard asks for it. It returns the final screen. Every
// action waits for its own effect, named by the step it concerns: the screen is a view of a run
// that goes on, so text of an earlier action (a "recorded:" note) or a row the run is about to
// change says nothing about the action just taken.
func finishRun(t *testing.T, tm *tmuxSession, p *plans.Plan, move func()) string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Minute)
	moved := false
	for time.Now().Before(deadline) {
		screen := tm.capture()
		switch {
		case !moved && strings.Contains(screen, "Waiting for you (") && strings.Contains(screen, "delegat"):
			// The hand-over's manual step asks for the move a later step verifies: do it, as the
			// operator running the step's commands would, before confirming.
			move()
			moved = true
		case strings.Contains(screen, "every step of the plan is done"), strings.Contains(screen, "The run ended"):
			return screen
		case strings.Contains(screen, "organization ID:") && strings.Contains(screen, "Type the organization ID"):
			t.Logf("the dashboard asks for the organization ID:\n%s", screen)
			tm.literal(p.Organization)
			tm.keys("Enter")
			tm.waitFor("organization ID accepted")
		case strings.Contains(screen, "note (optional):"):
			id := confirming(t, p, screen)
			tm.literal("confirmed by the end-to-end test")
			tm.keys("Enter")
			tm.waitFor("recorded: " + id + " confirmed")
			// Confirmed, the step no longer waits for the operator: the row moves on at the next view.
			title := p.Step(id).Title
			tm.waitUntil(id+" no longer waiting for you", func(s string) bool {
				row := waitingRow(s)
				return row == "" || !strings.HasPrefix(title, row)
			})
		case waitingRow(screen) != "":
			t.Logf("a manual step waits:\n%s", screen)
			tm.keys("c")
			tm.waitFor("note (optional):")
		}
		time.Sleep(100 * time.Millisecond) // polling interval
	}
	t.Fatalf("the run did not end; last screen:\n%s", tm.capture())
	return ""
}

// confirming is the step the dashboard's note prompt confirms ("Confirm that ID is done (…").
func confirming(t *testing.T, p *plans.Plan, screen string) string {
	t.Helper()
	_, rest, ok := strings.Cut(screen, "Confirm that ")
	id, _, ok2 := strings.Cut(rest, " is done")
	if !ok || !ok2 || strings.ContainsAny(id, " \n") || p.Step(id) == nil {
		t.Fatalf("the note prompt names no step:\n%s", screen)
	}
	return id
}

// waitingRow is the title the dashboard's "Waiting for you (n)" row shows (cut with "…" where the
// screen is narrow), "" without the row.
func waitingRow(screen string) string {
	for _, l := range strings.Split(screen, "\n") {
		if _, rest, ok := strings.Cut(l, "Waiting for you ("); ok {
			_, title, _ := strings.Cut(rest, ") ")
			title, _, _ = strings.Cut(title, " · m: ")
			return strings.TrimSuffix(strings.TrimSpace(title), "…")
		}
	}
	return ""
}

// moveDelegatedAdmins does what the hand-over's manual steps ask, with the real AWS CLI against the
// simulator: each service's former delegated administrator deregistered, the new Audit account
// (phase 1's output, in the journal) registered.
func moveDelegatedAdmins(t *testing.T, p *plans.Plan, state, url string) {
	t.Helper()
	bin, err := exec.LookPath("aws")
	if err != nil {
		t.Fatal("the hand-over's moves run the AWS CLI: pip install awscli (v1), or apt-get install awscli (.ci/run does)")
	}
	st, err := journal.Read(state)
	if err != nil {
		t.Fatal(err)
	}
	aws := func(args ...string) {
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "AWS_ENDPOINT_URL="+url, "AWS_ACCESS_KEY_ID=AKIAEXAMPLEEXAMPLE00", "AWS_SECRET_ACCESS_KEY=secret",
			"AWS_DEFAULT_REGION=us-east-1", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
		if out, err := cmd.CombinedOutput(); err != nil && !strings.Contains(string(out), "AccountNotRegistered") && !strings.Contains(string(out), "AccountAlreadyRegistered") {
			t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	for _, s := range p.OrderedSteps() {
		d, ok := s.Params.(plans.DelegatedAdminVerify)
		if !ok {
			continue
		}
		acct, err := d.AccountID.Resolve(func(step, output string) (string, bool) {
			v, ok := st.Outputs(step)[output]
			return v, ok
		})
		if err != nil {
			t.Fatal(err)
		}
		if d.FormerAccountID != "" {
			aws("organizations", "deregister-delegated-administrator", "--account-id", d.FormerAccountID, "--service-principal", d.ServicePrincipal)
		}
		aws("organizations", "register-delegated-administrator", "--account-id", acct, "--service-principal", d.ServicePrincipal)
	}
}

// checkAudit fails on a mutating call that succeeded twice on one target (idempotent repeats the
// simulator answered from the first result are not mutations).
func checkAudit(t *testing.T, audit string) {
	t.Helper()
	data, err := os.ReadFile(audit)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var c struct {
			Operation, Target, Code string
			Mutating, Replay        bool
		}
		if err := json.Unmarshal([]byte(l), &c); err != nil {
			t.Fatalf("audit log line %q: %v", l, err)
		}
		if c.Mutating && c.Code == "" && !c.Replay {
			seen[c.Operation+" "+c.Target]++
		}
	}
	for k, n := range seen {
		if n > 1 {
			t.Errorf("%s was applied %d times", k, n)
		}
	}
	t.Logf("%d mutations in the audit log, none repeated", len(seen))
}

// checkConfirmedOnce fails on a step the journal holds more than one confirmation of: the operator
// confirmed each once, and a dashboard that offered a confirmed step again made it twice.
func checkConfirmedOnce(t *testing.T, state string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(state, "journal.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	n := map[string]int{}
	for _, l := range strings.Split(string(data), "\n") {
		var ev struct{ Step, Event string }
		if json.Unmarshal([]byte(l), &ev) == nil && ev.Event == "confirmed" {
			n[ev.Step]++
		}
	}
	for step, c := range n {
		if c > 1 {
			t.Errorf("%s was confirmed %d times in the journal", step, c)
		}
	}
	t.Logf("%d steps confirmed, each once", len(n))
}

// checkEndState reads the simulated organization back with lz2ct discover (read-only) and checks
// that what the journal holds as done is in place: SCPs detached, OUs registered. When this lz2ct
// carries out every kind of the plan, every step must be done.
func checkEndState(t *testing.T, bin, url, tmp, state string, p *plans.Plan, missing []string) {
	t.Helper()
	end := filepath.Join(tmp, "end.json")
	cmd := exec.Command(bin, "discover", "--endpoint-url", url, "--regions", strings.Join(p.Settings.GovernedRegions, ","), "-o", end)
	cmd.Env = simEnv()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("discover the end state: %v\n%s", err, out)
	}
	snap, err := inventory.Load(end)
	if err != nil {
		t.Fatal(err)
	}
	attached := map[string]bool{}
	for _, pol := range snap.Policies {
		for _, tg := range pol.Targets {
			attached[pol.ID+"/"+tg] = true
		}
	}
	registered := map[string]bool{}
	for _, b := range snap.ControlTower.EnabledBaselines {
		registered[b.TargetID()] = true
	}
	done, total := journalDone(state)
	st, _ := stepStatuses(state)
	checked := 0
	for _, ph := range p.Phases {
		for _, s := range ph.Steps {
			if st[s.ID] != "succeeded" {
				continue
			}
			switch x := s.Params.(type) {
			case plans.SCPDetach:
				checked++
				if attached[x.PolicyID+"/"+x.TargetID] {
					t.Errorf("%s is done, but %s is still attached to %s", s.ID, x.PolicyID, x.TargetID)
				}
			case plans.BaselineEnable:
				checked++
				if !registered[x.OUID.Literal] {
					t.Errorf("%s is done, but OU %s is not registered", s.ID, x.OUID.Literal)
				}
			}
		}
	}
	t.Logf("%d steps done (%v); %d of them checked against the simulator's end state", total, done, checked)
	if len(missing) == 0 && total != p.StepCount() {
		t.Errorf("every kind is implemented, yet %d of %d steps are done", total, p.StepCount())
	}
}

// stepStatuses is each step's last event in the journal.
func stepStatuses(state string) (map[string]string, error) {
	data, err := os.ReadFile(filepath.Join(state, "journal.jsonl"))
	last := map[string]string{}
	for _, l := range strings.Split(string(data), "\n") {
		var ev struct{ Step, Event string }
		if json.Unmarshal([]byte(l), &ev) == nil && ev.Step != "" && ev.Event != "output" && ev.Event != "confirmed" {
			last[ev.Step] = ev.Event
		}
	}
	return last, err
}
