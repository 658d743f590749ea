package tui

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestWizardInTmux drives the real binary's `lz2ct demo` in a real terminal (tmux on a private
// socket): start -> discovery against the in-process simulator -> a blocker drilled into -> the
// decisions form (an e-mail already used in the organization rejected inline first) -> the plan
// tree expanded -> runbooks exported -> leave; then it checks the files written. It polls the
// screen for the text each stage shows; it never sleeps a fixed time.
func TestWizardInTmux(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: builds the binary")
	}
	tmux := needTmux(t)
	tmp := t.TempDir()
	bin := buildLz2ct(t, tmp)
	state := filepath.Join(tmp, "state")
	socket := fmt.Sprintf("lz2ct-e2e-%d", os.Getpid())
	tm := &tmuxSession{t: t, bin: tmux, socket: socket, target: "wiz"}
	t.Cleanup(func() { _ = exec.Command(tmux, "-L", socket, "kill-server").Run() })
	// remain-on-exit keeps the pane (and what lz2ct printed last) after the program ends.
	tm.run("-f", "/dev/null", "new-session", "-d", "-x", "100", "-y", "30", "-s", "wiz",
		"env", "NO_COLOR=1", "TERM=xterm-256color", bin, "demo", "--state", state)
	tm.run("set-option", "-t", "wiz", "remain-on-exit", "on")
	// tmux keeps what a program sends with OSC 52 as a paste buffer (the copy key's test).
	tm.run("set-option", "-g", "set-clipboard", "on")

	tm.waitFor("Where is the organization?", "demo")
	tm.keys("Enter")
	tm.waitFor("management account — press enter")
	tm.keys("Enter")
	tm.waitFor("Pre-checks:", "blockers")

	// Blockers only, then open the first one.
	tm.keys("s")
	tm.waitFor("showing blockers only")
	tm.keys("Enter")
	tm.waitFor("BLOCKER", "Fixed by the plan", "Remediation", "Concerns")
	tm.keys("Escape")
	tm.waitFor("enter opens")

	tm.keys("n")
	tm.waitFor("Home region", "IAM Identity Center is in eu-west-1")
	tm.keys("Enter")
	tm.waitFor("Governed regions")
	tm.keys("Enter")
	tm.waitFor("by API, with two new accounts")
	tm.keys("Enter")
	tm.waitFor("Log Archive account e-mail")
	tm.literal("aws+payments-dev@acme-corp.example")
	tm.keys("Enter")
	tm.waitFor("already used by account")
	tm.keys("C-u")
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
	tm.waitFor("Plan for o-f4yjsoufrn", "estimate")

	// Back to the form: it shows again with the answers given, and goes on to the plan again.
	tm.keys("Escape")
	tm.waitFor("Home region", "Governed regions")
	tm.keys("Enter")
	tm.keys("Enter")
	tm.keys("Enter")
	tm.waitFor("ct-log-archive@acme-corp.example")
	tm.keys("Enter")
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
	tm.waitFor("Plan for o-f4yjsoufrn", "estimate")

	tm.keys("x")
	tm.waitFor("[-] 0 ", " of ") // expanded: the tree no longer fits ("1–21 of 115")
	// The first step's commands, copied with c, arrive in tmux's paste buffer as they are.
	tm.keys("Down")
	tm.keys("Enter")
	tm.waitFor("AWS CLI equivalent (c copies)", "aws organizations describe-policy")
	tm.keys("c")
	tm.waitFor("sent to the clipboard (OSC 52)")
	// As the plan has them: one a line, not laid out for the screen.
	if buf := tm.pasteBuffer(); !strings.Contains(buf, "\naws organizations describe-policy --policy-id p-") || strings.Contains(buf, "\\\n") {
		t.Errorf("the paste buffer holds %q, want the step's commands", buf)
	}
	tm.keys("Escape")
	tm.waitFor("[-] 0 ")
	tm.keys("e")
	tm.waitFor("runbook written")
	tm.keys("q")
	tm.waitFor("Session saved", "Continue from the command line")
	pid := panePID(t, tm)
	tm.keys("q")
	// The leave screen shows the commands too: the program's end, then what it printed.
	waitPaneDead(t, tm, pid)
	tm.waitFor("lz2ct plan --snapshot") // printed to the terminal after the wizard closes

	for _, f := range []string{"snapshot.json", "settings.yaml", "plan.json", "runbook.md", "runbook.html"} {
		fi, err := os.Stat(filepath.Join(state, f))
		if err != nil || fi.Size() == 0 {
			t.Errorf("%s not written: %v", f, err)
		}
	}
	set, _ := os.ReadFile(filepath.Join(state, "settings.yaml"))
	if !strings.Contains(string(set), "ct-log-archive@acme-corp.example") || strings.Contains(string(set), "payments-dev") {
		t.Errorf("settings.yaml does not hold the e-mails typed:\n%s", set)
	}
	md, _ := os.ReadFile(filepath.Join(state, "runbook.md"))
	if !strings.Contains(string(md), "o-f4yjsoufrn") {
		t.Errorf("runbook.md does not name the organization")
	}
}

type tmuxSession struct {
	t                   *testing.T
	bin, socket, target string
}

func (s *tmuxSession) run(args ...string) string {
	s.t.Helper()
	out, err := exec.Command(s.bin, append([]string{"-L", s.socket}, args...)...).CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// pasteBuffer waits for tmux's paste buffer: the program may draw its note before tmux has read
// the OSC 52 sequence that fills it.
func (s *tmuxSession) pasteBuffer() string {
	s.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, err := exec.Command(s.bin, "-L", s.socket, "show-buffer").CombinedOutput()
		if err == nil {
			return string(out)
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("tmux holds no paste buffer: %v\n%s", err, out)
		}
		time.Sleep(50 * time.Millisecond) // polling interval
	}
}

func (s *tmuxSession) keys(keys ...string) {
	s.run(append([]string{"send-keys", "-t", s.target}, keys...)...)
}

func (s *tmuxSession) literal(text string) { s.run("send-keys", "-t", s.target, "-l", text) }

func (s *tmuxSession) capture() string { return s.run("capture-pane", "-p", "-t", s.target) }

// waitFor polls the screen until it shows every string, or fails after a generous deadline.
func (s *tmuxSession) waitFor(want ...string) {
	s.t.Helper()
	s.waitUntil(fmt.Sprintf("screen showing %q", want), func(screen string) bool {
		for _, w := range want {
			if !strings.Contains(screen, w) {
				return false
			}
		}
		return true
	})
}

// waitUntil polls the screen until cond holds for it, or fails after a generous deadline.
func (s *tmuxSession) waitUntil(what string, cond func(screen string) bool) {
	s.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var screen string
	for time.Now().Before(deadline) {
		screen = s.capture()
		if cond(screen) {
			return
		}
		time.Sleep(50 * time.Millisecond) // polling interval, not a wait for the program
	}
	s.t.Fatalf("never: %s; last screen:\n%s", what, screen)
}
