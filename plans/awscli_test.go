package plans

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/lz2ct/lz2ct/checks"
	"github.com/lz2ct/lz2ct/inventory"
)

// The real AWS CLI checks every command the plans print: for each `aws <service> <command>` in a
// step's commands or a manual step's instructions, `aws <service> <command> help` must exist, and
// every flag the command uses must be one its help lists (or a global option). The help pages are
// cached per CLI version in the user's cache directory, so only the first run calls the CLI for
// each command.

// awsCLIInstall says how to get an AWS CLI when none is on PATH.
const awsCLIInstall = "the AWS CLI is needed to check the plans' commands: pip install awscli (v1), or apt-get install awscli (Debian's v2)"

// awsCall is one AWS CLI invocation: the command path (service, command, and a waiter's name)
// and the flags it uses.
type awsCall struct {
	path  []string
	flags []string
	from  string // the command it was found in, for the failure message
}

// shellCommands splits bash text into simple commands (lists of words, quotes removed), including
// the commands inside $( ) substitutions — also within double quotes — and ( ) subshells. A
// substitution's text stands in its word as "$()". Here-documents are skipped.
func shellCommands(s string) [][]string {
	var out [][]string
	var words []string
	var cur strings.Builder
	inWord := false
	endWord := func() {
		if inWord {
			words = append(words, cur.String())
			cur.Reset()
			inWord = false
		}
	}
	endCmd := func() {
		endWord()
		if len(words) > 0 {
			out = append(out, words)
			words = nil
		}
	}
	var heredocs []string
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s):
			i++
			if s[i] != '\n' {
				cur.WriteByte(s[i])
				inWord = true
			}
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				j = len(s) - i - 1
			}
			cur.WriteString(s[i+1 : i+1+j])
			inWord = true
			i += j + 1
		case c == '"':
			i++
			for i < len(s) && s[i] != '"' {
				switch {
				case s[i] == '\\' && i+1 < len(s):
					cur.WriteByte(s[i+1])
					i += 2
				case s[i] == '$' && i+1 < len(s) && s[i+1] == '(':
					end := matchParen(s, i+1)
					out = append(out, shellCommands(s[i+2:end])...)
					cur.WriteString("$()")
					i = end + 1
				default:
					cur.WriteByte(s[i])
					i++
				}
			}
			inWord = true
		case c == '$' && i+1 < len(s) && s[i+1] == '(':
			end := matchParen(s, i+1)
			out = append(out, shellCommands(s[i+2:end])...)
			cur.WriteString("$()")
			inWord = true
			i = end
		case c == '#' && !inWord:
			for i < len(s) && s[i] != '\n' {
				i++
			}
			i--
		case strings.HasPrefix(s[i:], "<<<"): // a here-string: the next word is the command's input
			endCmd()
			i += 2
		case c == '<' && strings.HasPrefix(s[i:], "<<"):
			// A here-document: its delimiter is the next word; its lines end at the line that is it.
			endWord()
			j := i + 2
			for j < len(s) && (s[j] == ' ' || s[j] == '-') {
				j++
			}
			k := j
			for k < len(s) && s[k] != '\n' && s[k] != ' ' {
				k++
			}
			heredocs = append(heredocs, strings.Trim(s[j:k], `'"`))
			i = k - 1
		case c == '\n' && len(heredocs) > 0:
			endCmd()
			delim := heredocs[0]
			heredocs = heredocs[1:]
			at := strings.Index("\n"+s[i+1:]+"\n", "\n"+delim+"\n")
			if at < 0 {
				return out // an unterminated here-document runs to the end
			}
			i += at + len(delim)
		case c == ' ' || c == '\t':
			endWord()
		case strings.IndexByte("\n;|&()<>", c) >= 0:
			endCmd()
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	endCmd()
	return out
}

// matchParen returns the index of the ) that closes the ( at open, skipping quoted text.
func matchParen(s string, open int) int {
	depth := 0
	for i := open; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '\'':
			if j := strings.IndexByte(s[i+1:], '\''); j >= 0 {
				i += j + 1
			}
		case '"':
			for i++; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' {
					i++
				} else if s[i] == '$' && i+1 < len(s) && s[i+1] == '(' {
					i = matchParen(s, i+1)
				}
			}
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return len(s)
}

// shellKeywords may stand before a command in the same simple command as the lexer splits it.
var shellKeywords = map[string]bool{"while": true, "until": true, "if": true, "then": true, "do": true, "else": true, "!": true, "time": true}

// awsCalls finds the AWS CLI invocations in bash text.
func awsCalls(text string) []awsCall {
	var out []awsCall
	for _, words := range shellCommands(text) {
		i := 0
		for i < len(words) && (shellKeywords[words[i]] || (strings.Contains(words[i], "=") && !strings.HasPrefix(words[i], "-"))) {
			i++
		}
		if i >= len(words) || words[i] != "aws" || i+2 >= len(words) {
			continue
		}
		c := awsCall{path: []string{words[i+1], words[i+2]}, from: strings.Join(words[i:], " ")}
		rest := words[i+3:]
		if words[i+2] == "wait" && len(rest) > 0 {
			c.path = append(c.path, rest[0])
			rest = rest[1:]
		}
		for _, w := range rest {
			if strings.HasPrefix(w, "--") {
				f, _, _ := strings.Cut(w, "=")
				c.flags = append(c.flags, f)
			}
		}
		out = append(out, c)
	}
	return out
}

// instructionCalls finds AWS CLI commands quoted in a manual step's instructions: from "aws " to
// the end of the sentence.
var instructionAWS = regexp.MustCompile(`\baws [a-z0-9-]+ [a-z0-9-]+(?: [^.;:]*)?`)

// awsHelp runs `aws <path> help` (once per CLI version, cached) and returns the flags it lists in
// its SYNOPSIS, "" when the command does not exist.
type awsHelp struct {
	bin, cacheDir string
	mu            sync.Mutex
	memo          map[string]map[string]bool
}

var overstrike = regexp.MustCompile(".\x08")

func newAWSHelp(t testing.TB) *awsHelp {
	t.Helper()
	bin, err := exec.LookPath("aws")
	if err != nil {
		t.Fatal(awsCLIInstall)
	}
	out, err := exec.Command(bin, "--version").CombinedOutput()
	if err != nil {
		t.Fatalf("aws --version: %v\n%s\n%s", err, out, awsCLIInstall)
	}
	sum := sha256.Sum256(out)
	base, err := os.UserCacheDir()
	if err != nil {
		base = os.TempDir()
	}
	dir := filepath.Join(base, "lz2ct", "awscli-help", hex.EncodeToString(sum[:8]))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return &awsHelp{bin: bin, cacheDir: dir, memo: map[string]map[string]bool{}}
}

// page returns the help text of a command path, from the cache or the CLI ("" = no such command).
func (h *awsHelp) page(path []string) (string, error) {
	name := strings.Join(path, "_")
	if name == "" {
		name = "aws" // aws help: the global options
	}
	file := filepath.Join(h.cacheDir, name+".txt")
	if data, err := os.ReadFile(file); err == nil {
		return string(data), nil
	}
	cmd := exec.Command(h.bin, append(append([]string(nil), path...), "help")...)
	cmd.Env = append(os.Environ(), "PAGER=cat", "MANPAGER=cat", "AWS_PAGER=", "AWS_DEFAULT_REGION=us-east-1")
	out, err := cmd.Output()
	text := overstrike.ReplaceAllString(string(out), "")
	if err != nil || !strings.Contains(text, "SYNOPSIS") {
		text = "" // aws: error: argument operation: Invalid choice …
	}
	tmp := file + ".tmp"
	if err := os.WriteFile(tmp, []byte(text), 0o644); err != nil {
		return "", err
	}
	return text, os.Rename(tmp, file)
}

var flagRE = regexp.MustCompile(`--[a-z0-9][a-z0-9-]*`)

// section returns the text of a help page's section (between its heading and the next one).
func section(text, heading string) string {
	i := strings.Index(text, "\n"+heading+"\n")
	if i < 0 {
		return ""
	}
	rest := text[i+len(heading)+2:]
	if j := regexp.MustCompile(`\n[A-Z][A-Z ]+\n`).FindStringIndex(rest); j != nil {
		rest = rest[:j[0]]
	}
	return rest
}

// flags returns the flags a command knows: those of its synopsis and the CLI's global options;
// nil when the command does not exist.
func (h *awsHelp) flags(path []string) (map[string]bool, error) {
	key := strings.Join(path, " ")
	h.mu.Lock()
	if m, ok := h.memo[key]; ok {
		h.mu.Unlock()
		return m, nil
	}
	h.mu.Unlock()
	text, err := h.page(path)
	if err != nil || text == "" {
		return nil, err
	}
	global, err := h.page(nil)
	if err != nil {
		return nil, err
	}
	m := map[string]bool{}
	for _, f := range flagRE.FindAllString(section(text, "SYNOPSIS")+section(text, "GLOBAL OPTIONS")+section(global, "GLOBAL OPTIONS"), -1) {
		m[f] = true
	}
	h.mu.Lock()
	h.memo[key] = m
	h.mu.Unlock()
	return m, nil
}

// planCalls lists every AWS CLI call a plan prints, deduplicated by command and flags.
func planCalls(p *Plan) []awsCall {
	seen := map[string]bool{}
	var out []awsCall
	add := func(cs []awsCall) {
		for _, c := range cs {
			k := strings.Join(c.path, " ") + " " + strings.Join(c.flags, " ")
			if !seen[k] {
				seen[k] = true
				out = append(out, c)
			}
		}
	}
	for _, st := range p.OrderedSteps() {
		for _, c := range st.CLI {
			add(awsCalls(c))
		}
		texts := []string{st.Guard, st.Expected, st.Rollback}
		if m, ok := st.Params.(Manual); ok {
			texts = append(texts, m.Instructions...)
		}
		for _, t := range texts {
			for _, q := range instructionAWS.FindAllString(t, -1) {
				add(awsCalls(q))
			}
		}
	}
	return out
}

// TestAWSCLICommandsParse: every AWS CLI command the plans of the testdata organizations print —
// with new and with existing shared accounts, by API and by hand, with a Security Hub and another
// delegated administrator to hand over — is a command of the real AWS CLI, with flags it knows.
func TestAWSCLICommandsParse(t *testing.T) {
	help := newAWSHelp(t)
	var plansToCheck []*Plan
	for _, name := range testdataOrgs {
		snap, s := loadOrg(t, name)
		if name == "blockers" {
			s.LogArchiveEmail, s.AuditEmail = "fresh-log@example.org", "fresh-audit@example.org"
		}
		plansToCheck = append(plansToCheck, mustBuild(t, snap, s, checks.Run(checks.Input{Snapshot: snap, Settings: s})))
	}
	// Variants that print other commands: a console set-up, direct Config removal, closing the
	// old accounts, more delegated administrators, and a deep OU whose SCPs go with its accounts.
	snap, s := loadOrg(t, "alz2-typical")
	snap.DelegatedAdmins = append(snap.DelegatedAdmins,
		inventory.DelegatedAdministrator{AccountID: snap.ALZ.SecurityAccountID, ServicePrincipal: "securityhub.amazonaws.com"},
		inventory.DelegatedAdministrator{AccountID: snap.ALZ.SecurityAccountID, ServicePrincipal: "access-analyzer.amazonaws.com"})
	s.CTDeploy, s.ConfigRemoval = "manual", "direct"
	s.Decommission.CloseOldAccounts, s.Decommission.OldAccountsOU, s.Decommission.KMSKeyDeletionDays = true, "Suspended", 30
	s = s.Resolve(snap)
	plansToCheck = append(plansToCheck, mustBuild(t, snap, s, checks.Run(checks.Input{Snapshot: snap, Settings: s})))
	o, _, _, _ := deepOrgWithSCPs(4, 0)
	plansToCheck = append(plansToCheck, o.plan(t, nil))

	calls := map[string][]awsCall{}
	var paths []string
	for _, p := range plansToCheck {
		for _, c := range planCalls(p) {
			k := strings.Join(c.path, " ")
			if calls[k] == nil {
				paths = append(paths, k)
			}
			calls[k] = append(calls[k], c)
		}
	}
	sort.Strings(paths)
	if len(paths) < 40 {
		t.Fatalf("only %d distinct AWS CLI commands found in the plans: the command parser misses some", len(paths))
	}
	// The help pages of commands not cached yet, a few at a time.
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	errs := make([]error, len(paths))
	for i, k := range paths {
		wg.Add(1)
		go func(i int, k string) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			_, errs[i] = help.flags(strings.Fields(k))
		}(i, k)
	}
	wg.Wait()
	for i, k := range paths {
		known, err := help.flags(strings.Fields(k))
		if err != nil || errs[i] != nil {
			t.Fatalf("aws %s help: %v %v", k, err, errs[i])
		}
		if known == nil {
			t.Errorf("aws %s: no such command in %s (used in: %s)", k, help.bin, calls[k][0].from)
			continue
		}
		for _, c := range calls[k] {
			for _, f := range c.flags {
				if !known[f] {
					t.Errorf("aws %s does not know %s (in: %s)", k, f, c.from)
				}
			}
		}
	}
	// The check can fail: a command the CLI does not have, a flag the command does not know.
	if known, err := help.flags([]string{"guardduty", "no-such-command"}); err != nil || known != nil {
		t.Errorf("aws guardduty no-such-command passes the check (%v)", err)
	}
	if known, _ := help.flags([]string{"guardduty", "disable-organization-admin-account"}); known["--no-such-flag"] || !known["--admin-account-id"] || !known["--region"] {
		t.Errorf("the flags of aws guardduty disable-organization-admin-account are misread: %v", known)
	}
	t.Logf("%d distinct AWS CLI commands checked against %s (help cached in %s)", len(paths), help.bin, help.cacheDir)
}

// TestShellCommands: the command parser finds AWS CLI calls where the plans put them.
func TestShellCommands(t *testing.T) {
	text := `X=$(aws organizations create-account --email a@b.c --account-name 'My "acct"' --query CreateAccountStatus.Id --output text)
while aws cloudformation describe-stack-set-operation --stack-set-name S --region eu-west-1 | grep -qxE 'RUNNING'; do sleep 15; done
read -r A B <<< "$(aws controltower enable-baseline --baseline-identifier "$(aws controltower list-baselines --query "baselines[?name=='X'].arn" --output text)" --target-identifier x)"
cat > m.json <<EOF
{"aws": "not a command --nope"}
EOF
(
  aws sts assume-role --role-arn arn --role-session-name lz2ct && export A
  aws cloudformation wait stack-delete-complete --stack-name s # comment --ignored
)`
	var got []string
	for _, c := range awsCalls(text) {
		got = append(got, strings.Join(c.path, " ")+" "+strings.Join(c.flags, " "))
	}
	want := []string{
		"organizations create-account --email --account-name --query --output",
		"cloudformation describe-stack-set-operation --stack-set-name --region",
		"controltower list-baselines --query --output",
		"controltower enable-baseline --baseline-identifier --target-identifier",
		"sts assume-role --role-arn --role-session-name",
		"cloudformation wait stack-delete-complete --stack-name",
	}
	slices.Sort(got)
	slices.Sort(want)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("calls\n got %q\nwant %q", got, want)
	}
}
