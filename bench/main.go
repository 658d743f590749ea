//go:build unix

// Command bench is `make bench`: it runs the lz2ct binary on generated 10,000-account
// organizations as a user would, next to the figure each result is held against — a peer measured
// in the same run (Python's C JSON parser reading the same file), a bound derived from another
// figure of the same run, or a fixed budget — and prints one table: figure, value, bound or peer,
// ratio, target, and the command that produced it. A change that slows any of them shows at once.
//
// Timings are the best of -runs runs, the runs of a figure and of its peer interleaved, so that
// other work on the machine weighs on both alike. Peak memory is the maximum resident set size
// the kernel reports for the process (wait4's rusage, the figure /usr/bin/time -v prints as
// "Maximum resident set size"). Nothing here is asserted: the table reports.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"
)

type options struct {
	lz2ct, python   string
	runs            int
	accounts, ous   int
	discAccounts    int
	discRegions     int
	memDiscAccounts int
	latency         time.Duration
	concurrency     int
	discRuns        int
	keep            bool
	applyFor        time.Duration
}

func main() {
	var o options
	flag.StringVar(&o.lz2ct, "lz2ct", "bin/lz2ct", "the lz2ct binary to measure")
	flag.StringVar(&o.python, "python", "python3", "the Python whose json.load is the peer for reading a snapshot")
	flag.IntVar(&o.runs, "runs", 5, "runs per timing; the best counts")
	flag.IntVar(&o.accounts, "accounts", 10000, "accounts in the generated organizations")
	flag.IntVar(&o.discAccounts, "discover-accounts", 200, "accounts of the organization discovered at -latency")
	flag.IntVar(&o.discRegions, "discover-regions", 4, "regions of the organization discovered at -latency")
	// 5,000 x 17 rather than 10,000 x 17: the discovery is the slowest case of the report (several
	// minutes at 10,000), and its memory grows with the snapshot it writes, which the other
	// 10,000 x 17 rows already measure.
	flag.IntVar(&o.memDiscAccounts, "memory-discover-accounts", 5000, "accounts (x 17 regions) of the discovery whose memory is measured; 0 skips it")
	flag.DurationVar(&o.latency, "latency", 20*time.Millisecond, "simulated latency of every AWS call in the discovery timing")
	flag.IntVar(&o.concurrency, "concurrency", 32, "lz2ct discover --concurrency (its default)")
	// Fewer than -runs: each takes calls x latency / concurrency (about 20 s at the defaults).
	flag.IntVar(&o.discRuns, "discover-runs", 3, "runs of the discovery at -latency; the best counts")
	flag.DurationVar(&o.applyFor, "apply-for", 2*time.Minute, "how long the rehearsal whose memory stands for the apply's runs before it is stopped")
	flag.BoolVar(&o.keep, "keep", false, "keep the working folder (generated snapshots, plans, runbooks)")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// row is one line of the report.
type row struct {
	figure, value, against string
	ratio                  float64 // 0 = none
	target, command        string
}

type report struct {
	rows  []row
	start time.Time
}

func (r *report) add(x row) {
	r.rows = append(r.rows, x)
	// Progress on stderr, so a long run shows it is alive; the table goes to stdout at the end.
	fmt.Fprintf(os.Stderr, "bench: %-44s %s\n", x.figure, x.value)
}

func (r *report) print(w io.Writer) {
	fmt.Fprintln(w, "| figure | value | bound or peer | ratio | target | command |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|")
	for _, x := range r.rows {
		ratio := ""
		if x.ratio > 0 {
			ratio = fmt.Sprintf("%.2f", x.ratio)
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | `%s` |\n", x.figure, x.value, x.against, ratio, x.target, x.command)
	}
	fmt.Fprintf(w, "\n%d CPUs, %s/%s, %s; best of the runs for timings; peak RSS from wait4 (as /usr/bin/time -v); bench took %s.\n",
		runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version(), time.Since(r.start).Round(time.Second))
}

// result is one process run.
type result struct {
	wall, cpu time.Duration
	maxRSS    int64 // bytes
	stdout    []byte
}

// measure runs a command and returns its wall time, CPU time and peak resident set size.
func measure(env []string, name string, args ...string) (result, error) {
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if cmd.ProcessState == nil {
		return result{}, fmt.Errorf("%s: %w", name, err)
	}
	// lz2ct check and plan exit 1 when blockers remain: the run itself is fine.
	if code := cmd.ProcessState.ExitCode(); code != 0 && !(code == 1 && len(args) > 0 && (args[0] == "check" || args[0] == "plan")) {
		return result{}, fmt.Errorf("%s %s: exit %d: %s", name, strings.Join(args, " "), code, lastLine(errOut.String()))
	}
	return usage(cmd.ProcessState, wall, out.Bytes()), nil
}

// measureFor is measure for a command stopped gracefully (SIGINT) after limit if it still runs;
// its exit code 3 (stopped by the user) is then expected.
func measureFor(limit time.Duration, name string, args ...string) (result, error) {
	cmd := exec.Command(name, args...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return result{}, fmt.Errorf("%s: %w", name, err)
	}
	if limit > 0 { // 0: let it finish
		timer := time.AfterFunc(limit, func() { _ = cmd.Process.Signal(os.Interrupt) })
		defer timer.Stop()
	}
	err := cmd.Wait()
	wall := time.Since(start)
	if cmd.ProcessState == nil {
		return result{}, fmt.Errorf("%s: %w", name, err)
	}
	if code := cmd.ProcessState.ExitCode(); code != 0 && code != 1 && code != 3 {
		return result{}, fmt.Errorf("%s %s: exit %d: %s", name, strings.Join(args, " "), code, lastLine(errOut.String()))
	}
	return usage(cmd.ProcessState, wall, out.Bytes()), nil
}

func usage(ps *os.ProcessState, wall time.Duration, stdout []byte) result {
	ru := ps.SysUsage().(*syscall.Rusage)
	rss := int64(ru.Maxrss)
	if runtime.GOOS == "linux" {
		rss *= 1024 // kilobytes on Linux, bytes on the BSDs and macOS
	}
	return result{wall: wall, cpu: ps.UserTime() + ps.SystemTime(), maxRSS: rss, stdout: stdout}
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

func secs(d time.Duration) string { return fmt.Sprintf("%.3f s", d.Seconds()) }
func mb(b int64) string           { return fmt.Sprintf("%.0f MB", float64(b)/1e6) }

// cmdline renders a command for the table, paths relative to the working folder.
func cmdline(dir string, args ...string) string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = strings.ReplaceAll(a, dir+string(filepath.Separator), "")
	}
	return strings.Join(out, " ")
}

func run(o options) error {
	rep := &report{start: time.Now()}
	bin, err := filepath.Abs(o.lz2ct)
	if err != nil {
		return err
	}
	if _, err := os.Stat(bin); err != nil {
		return fmt.Errorf("%w (build it first: make build)", err)
	}
	dir, err := os.MkdirTemp("", "lz2ct-bench-")
	if err != nil {
		return err
	}
	if o.keep {
		fmt.Fprintln(os.Stderr, "bench: working folder", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	path := func(name string) string { return filepath.Join(dir, name) }
	ous := max(6, o.accounts/25)

	// The organizations: N x 4 regions for speed, N x 17 (every commercial region lz2ct's generator
	// knows) for memory.
	gen := func(file string, regions int) (result, []string, error) {
		args := []string{"sim", "generate", "--accounts", fmt.Sprint(o.accounts), "--ous", fmt.Sprint(ous), "--depth", "5",
			"--regions", fmt.Sprint(regions), "--seed", "1", "-o", path(file)}
		r, err := measure(nil, bin, args...)
		return r, append([]string{"lz2ct"}, args...), err
	}
	if _, _, err := gen("org4.json", 4); err != nil {
		return err
	}
	gen17, gen17Cmd, err := gen("org17.json", 17)
	if err != nil {
		return err
	}
	emails := []string{"--log-archive-email", "ct-logs@example.org", "--audit-email", "ct-audit@example.org"}

	// --- reading a snapshot, against Python's C parser on the same file ---
	org4 := path("org4.json")
	size4 := fileSize(org4)
	pyArgs := []string{"-c", "import json,sys; json.load(open(sys.argv[1]))", org4}
	validateArgs := []string{"snapshot", "validate", org4}
	checkArgs := append([]string{"check", "--snapshot", org4}, emails...)
	planArgs := append([]string{"plan", "--snapshot", org4, "-o", path("plan4.json")}, emails...)
	runbookArgs := []string{"runbook", "--plan", path("plan4.json"), "--format", "html", "-o", path("runbook4.html")}
	best := map[string]time.Duration{}
	keep := func(key string, r result) {
		if b, ok := best[key]; !ok || r.wall < b {
			best[key] = r.wall
		}
	}
	_, pyErr := exec.LookPath(o.python)
	for range o.runs {
		if pyErr == nil {
			r, err := measure(nil, o.python, pyArgs...)
			if err != nil {
				return err
			}
			keep("python", r)
		}
		for key, args := range map[string][]string{"validate": validateArgs, "check": checkArgs} {
			r, err := measure(nil, bin, args...)
			if err != nil {
				return err
			}
			keep(key, r)
		}
	}
	what := fmt.Sprintf("%d accounts x 4 regions, %s", o.accounts, mb(size4))
	py := best["python"]
	pyCmd := cmdline(dir, o.python, "-c", "'"+pyArgs[1]+"'", org4)
	if pyErr != nil {
		rep.add(row{figure: "Python json.load, " + what, value: "not measured: " + o.python + " not found (apt-get install python3)", command: pyCmd})
	} else {
		rep.add(row{figure: "Python json.load (peer), " + what, value: secs(py), command: pyCmd})
	}
	for _, x := range []struct {
		key, name string
		args      []string
	}{{"validate", "lz2ct snapshot validate", validateArgs}, {"check", "lz2ct check", checkArgs}} {
		r := row{figure: x.name + ", " + what,
			value: secs(best[x.key]), target: "<= 0.50", command: cmdline(dir, append([]string{"lz2ct"}, x.args...)...)}
		if pyErr == nil {
			r.against, r.ratio = "json.load "+secs(py), best[x.key].Seconds()/py.Seconds()
		}
		rep.add(r)
	}

	// --- plan and runbook, against reading the snapshot ---
	var planCPU time.Duration // the least CPU of the plan runs: plan works on both cores
	for range o.runs {
		p, err := measure(nil, bin, planArgs...)
		if err != nil {
			return err
		}
		keep("plan", p)
		if planCPU == 0 || p.cpu < planCPU {
			planCPU = p.cpu
		}
		rb, err := measure(nil, bin, runbookArgs...)
		if err != nil {
			return err
		}
		keep("runbook", rb)
	}
	pr := best["plan"] + best["runbook"]
	rep.add(row{figure: "lz2ct plan + runbook --format html, " + what, value: fmt.Sprintf("%s (%s + %s)", secs(pr), secs(best["plan"]), secs(best["runbook"])),
		against: "2 x validate = " + secs(2*best["validate"]), ratio: pr.Seconds() / (2 * best["validate"]).Seconds(), target: "<= 1.00",
		command: cmdline(dir, append([]string{"lz2ct"}, planArgs...)...) + " && " + cmdline(dir, append([]string{"lz2ct"}, runbookArgs...)...)})
	rep.add(row{figure: "lz2ct plan alone, " + what, value: fmt.Sprintf("%s (CPU %s)", secs(best["plan"]), secs(planCPU)),
		against: "validate " + secs(best["validate"]), ratio: best["plan"].Seconds() / best["validate"].Seconds(),
		command: cmdline(dir, append([]string{"lz2ct"}, planArgs...)...)})

	// --- peak memory on N x 17 ---
	const budget = 500e6
	org17 := path("org17.json")
	mem := func(name string, r result, cmd []string) {
		rep.add(row{figure: fmt.Sprintf("peak RSS: %s, %d x 17 regions", name, o.accounts), value: mb(r.maxRSS), against: "budget " + mb(budget),
			ratio: float64(r.maxRSS) / budget, target: "< 1.00", command: cmdline(dir, cmd...)})
	}
	mem("lz2ct sim generate", gen17, gen17Cmd)
	// Control Tower governs at most 150,000 account-regions: 15 regions for 10,000 accounts.
	governed := governedRegions(org17, 150000/max(1, o.accounts))
	for _, c := range []struct {
		name string
		args []string
	}{
		{"lz2ct snapshot validate", []string{"snapshot", "validate", org17}},
		{"lz2ct check", append([]string{"check", "--snapshot", org17}, emails...)},
		{"lz2ct plan", append([]string{"plan", "--snapshot", org17, "--governed-regions", governed, "-o", path("plan17.json")}, emails...)},
		{"lz2ct runbook --format html", []string{"runbook", "--plan", path("plan17.json"), "--format", "html", "-o", path("runbook17.html")}},
	} {
		r, err := measure(nil, bin, c.args...)
		if err != nil {
			return err
		}
		mem(c.name, r, append([]string{"lz2ct"}, c.args...))
	}
	// The apply's memory: the plan run against the in-process simulator of its snapshot (lz2ct and
	// the simulator in one process), stopped gracefully after -apply-seconds: the whole migration
	// of 10,000 accounts takes far longer than the report's budget, and what it holds (plan,
	// snapshot, simulator, journal) is in memory from the first minutes.
	rehArgs := []string{"rehearse", "--plan", path("plan17.json"), "--snapshot", org17, "--quiet", "--state", path("rehearsal17"), "--format", "json"}
	reh, err := measureFor(o.applyFor, bin, rehArgs...)
	if err != nil {
		return err
	}
	var rr struct{ Calls, MutatingCalls int }
	_ = json.Unmarshal(reh.stdout, &rr)
	rep.add(row{figure: fmt.Sprintf("peak RSS: lz2ct rehearse (apply + in-process simulator), %d x 17 regions, first %s (%d calls, %d mutating)", o.accounts, o.applyFor, rr.Calls, rr.MutatingCalls),
		value: mb(reh.maxRSS), against: "budget " + mb(budget), ratio: float64(reh.maxRSS) / budget, target: "< 1.00",
		command: cmdline(dir, append([]string{"lz2ct"}, rehArgs...)...) + fmt.Sprintf(" (SIGINT after %s)", o.applyFor)})
	if o.memDiscAccounts > 0 {
		file := org17
		if o.memDiscAccounts != o.accounts {
			file = path("disc17.json")
			if _, err := measure(nil, bin, "sim", "generate", "--accounts", fmt.Sprint(o.memDiscAccounts), "--ous", fmt.Sprint(max(6, o.memDiscAccounts/25)),
				"--depth", "5", "--regions", "17", "--seed", "1", "-o", file); err != nil {
				return err
			}
		}
		d, err := discover(bin, file, path("discovered17.json"), 0, o.concurrency)
		if err != nil {
			return err
		}
		rep.add(row{figure: fmt.Sprintf("peak RSS: lz2ct discover, %d x 17 regions (%d calls)", o.memDiscAccounts, d.calls), value: mb(d.lz2ct.maxRSS),
			against: "budget " + mb(budget), ratio: float64(d.lz2ct.maxRSS) / budget, target: "< 1.00", command: d.command})
		rep.add(row{figure: fmt.Sprintf("peak RSS: lz2ct sim serve, %d x 17 regions (%d calls)", o.memDiscAccounts, d.calls), value: mb(d.sim.maxRSS),
			against: "(the simulator; not lz2ct)", command: d.simCommand})
	}

	// --- discovery at a simulated latency: bound by AWS, not by lz2ct ---
	discFile := path("disc.json")
	if _, err := measure(nil, bin, "sim", "generate", "--accounts", fmt.Sprint(o.discAccounts), "--ous", fmt.Sprint(max(6, o.discAccounts/25)),
		"--depth", "5", "--regions", fmt.Sprint(o.discRegions), "--seed", "1", "-o", discFile); err != nil {
		return err
	}
	// Best of the runs: the wall time the fastest, the CPU per call the lowest (of lz2ct and of
	// the simulator, each on its own), as for the other timings.
	var d discovery
	for i := range max(1, o.discRuns) {
		x, err := discover(bin, discFile, path("discovered.json"), o.latency, o.concurrency)
		if err != nil {
			return err
		}
		if i == 0 {
			d = x
			continue
		}
		d.lz2ct.wall = min(d.lz2ct.wall, x.lz2ct.wall)
		d.lz2ct.cpu = min(d.lz2ct.cpu, x.lz2ct.cpu)
		d.sim.cpu = min(d.sim.cpu, x.sim.cpu)
	}
	ideal := time.Duration(float64(d.calls) * float64(o.latency) / float64(o.concurrency))
	scale := fmt.Sprintf("%d x %d regions, %s latency", o.discAccounts, o.discRegions, o.latency)
	rep.add(row{figure: fmt.Sprintf("lz2ct discover wall, %s (%d calls)", scale, d.calls), value: secs(d.lz2ct.wall),
		against: fmt.Sprintf("calls x latency / concurrency %d = %s", o.concurrency, secs(ideal)), ratio: d.lz2ct.wall.Seconds() / ideal.Seconds(),
		target: "<= 1.25", command: d.command})
	rep.add(row{figure: "lz2ct CPU per call, " + scale, value: fmt.Sprintf("%.0f µs", float64(d.lz2ct.cpu.Microseconds())/float64(d.calls)),
		against: fmt.Sprintf("simulator %.0f µs per call (its own process)", float64(d.sim.cpu.Microseconds())/float64(d.calls)),
		command: d.command})

	rep.print(os.Stdout)
	return nil
}

// discovery is one lz2ct discover run against lz2ct sim serve in another process.
type discovery struct {
	lz2ct, sim          result
	calls               int
	command, simCommand string
}

func discover(bin, snapshot, out string, latency time.Duration, concurrency int) (discovery, error) {
	simArgs := []string{"sim", "serve", "--snapshot", snapshot, "--addr", "127.0.0.1:0"}
	if latency > 0 {
		simArgs = append(simArgs, "--latency", latency.String())
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sim := exec.CommandContext(ctx, bin, simArgs...)
	stdout, err := sim.StdoutPipe()
	if err != nil {
		return discovery{}, err
	}
	sim.Stderr = io.Discard
	simStart := time.Now()
	if err := sim.Start(); err != nil {
		return discovery{}, err
	}
	url := ""
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if i := strings.Index(sc.Text(), "http://"); i >= 0 {
			url = sc.Text()[i:]
			break
		}
	}
	go io.Copy(io.Discard, stdout)
	if url == "" {
		return discovery{}, fmt.Errorf("lz2ct sim serve printed no address")
	}
	env := []string{"AWS_ACCESS_KEY_ID=AKIAEXAMPLEEXAMPLE00", "AWS_SECRET_ACCESS_KEY=example", "AWS_REGION=us-east-1",
		"AWS_EC2_METADATA_DISABLED=true", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null"}
	args := []string{"discover", "--endpoint-url", url, "--concurrency", fmt.Sprint(concurrency), "--json", "-o", out}
	r, err := measure(env, bin, args...)
	if err != nil {
		return discovery{}, err
	}
	var sum struct {
		Calls int `json:"calls"`
	}
	if err := json.Unmarshal(r.stdout, &sum); err != nil || sum.Calls == 0 {
		return discovery{}, fmt.Errorf("lz2ct discover --json: no call count in %q", r.stdout)
	}
	// The simulator stops on an interrupt; its rusage is its CPU for serving the discovery.
	if err := sim.Process.Signal(os.Interrupt); err != nil {
		return discovery{}, err
	}
	_ = sim.Wait()
	return discovery{
		lz2ct: r, sim: usage(sim.ProcessState, time.Since(simStart), nil), calls: sum.Calls,
		command: "AWS_ACCESS_KEY_ID=AKIAEXAMPLEEXAMPLE00 AWS_SECRET_ACCESS_KEY=example AWS_REGION=us-east-1 lz2ct " +
			strings.ReplaceAll(strings.Join(args[:len(args)-2], " "), url, "http://127.0.0.1:PORT") + " -o " + filepath.Base(out),
		simCommand: "lz2ct " + strings.Join(append(simArgs[:2:2], "--snapshot", filepath.Base(snapshot), "--addr", "127.0.0.1:0"), " ") + map[bool]string{true: " --latency " + latency.String(), false: ""}[latency > 0],
	}, nil
}

func fileSize(p string) int64 {
	fi, err := os.Stat(p)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// governedRegions lists the first n regions of a snapshot, comma-separated.
func governedRegions(snapshot string, n int) string {
	f, err := os.Open(snapshot)
	if err != nil {
		return ""
	}
	defer f.Close()
	// The regions are near the top of the file; a streaming decoder stops there.
	dec := json.NewDecoder(f)
	for {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		if tok == "regions" {
			var regions []string
			if dec.Decode(&regions) != nil {
				return ""
			}
			return strings.Join(regions[:min(n, len(regions))], ",")
		}
	}
}
