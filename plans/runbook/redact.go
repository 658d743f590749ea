package runbook

import (
	"regexp"
	"strings"
)

// A runbook is printed, mailed and filed with a change board: it must never carry credentials,
// even if one slipped into a plan or a journal error message (an SDK error can quote a request).
// Every text that reaches the page goes through redact.
var secretPatterns = []struct {
	// hint is a cheap test that the pattern can match (lower-cased text contains it); running
	// the regular expressions on every string of a 5,000-account plan would take seconds.
	hint string
	re   *regexp.Regexp
	repl string
}{
	// Access key IDs: AKIA (long-term) and ASIA (temporary), 20 characters
	// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-unique-ids).
	{"akia", regexp.MustCompile(`\b(AKIA)[A-Z0-9]{16}\b`), "${1}…REDACTED"},
	{"asia", regexp.MustCompile(`\b(ASIA)[A-Z0-9]{16}\b`), "${1}…REDACTED"},
	// key=value and key: value forms of secrets and session tokens, in CLI flags, env vars and errors.
	{"", regexp.MustCompile(`(?i)((?:aws_)?secret_?access_?key|secret[-_]?key|session[-_]?token|x-amz-security-token|aws_session_token|password)(["']?\s*[:=]\s*["']?)[^\s"',}]+`), "${1}${2}REDACTED"},
	// --secret-access-key VALUE style flags.
	{"--", regexp.MustCompile(`(?i)(--(?:secret-access-key|session-token|password)[= ])\S+`), "${1}REDACTED"},
	// SigV4 signatures quoted in errors.
	{"signature=", regexp.MustCompile(`(Signature=)[0-9a-f]{64}`), "${1}REDACTED"},
}

func redact(s string) string {
	if s == "" {
		return s
	}
	if !mayHoldSecret(s) {
		return s
	}
	lower := strings.ToLower(s)
	for _, p := range secretPatterns {
		if p.hint == "" || strings.Contains(lower, p.hint) {
			s = p.re.ReplaceAllString(s, p.repl)
		}
	}
	return s
}

// redactMemo redacts the texts many steps share (a kind's why, guard and expected result, a
// blocker's note) once each: a 10,000-account plan repeats them thousands of times.
type redactMemo map[string]string

func (m redactMemo) redact(s string) string {
	if len(s) < 16 {
		return redact(s)
	}
	if v, ok := m[s]; ok {
		return v
	}
	v := redact(s)
	m[s] = v
	return v
}

// mayHoldSecret reports whether s contains, ignoring case, one of the words a secret pattern
// starts from (akia, asia, secret, token, password, signature=): one pass over s without the
// lower-cased copy, since almost every string of a plan has none. Text beyond ASCII takes the
// lower-cased copy, as Unicode case folding (the Kelvin sign is a k) is what the patterns' (?i)
// follows.
func mayHoldSecret(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 {
			lower := strings.ToLower(s)
			for _, w := range secretWords {
				if strings.Contains(lower, w) {
					return true
				}
			}
			return false
		}
		// Only the words that start with the letter (a run over every word at every a, s, t and p
		// was a tenth of a 10,000-account runbook's time).
		var found bool
		switch c | 0x20 {
		case 'a':
			found = hasPrefixFold(s[i:], "akia") || hasPrefixFold(s[i:], "asia")
		case 's':
			found = hasPrefixFold(s[i:], "secret") || hasPrefixFold(s[i:], "signature=")
		case 't':
			found = hasPrefixFold(s[i:], "token")
		case 'p':
			found = hasPrefixFold(s[i:], "password")
		}
		if found {
			return true
		}
	}
	return false
}

// secretWords are the words mayHoldSecret looks for (its ASCII scan spells them out by first letter).
var secretWords = []string{"akia", "asia", "secret", "token", "password", "signature="}

// hasPrefixFold reports whether s starts with the lower-case ASCII word w, ignoring ASCII case.
func hasPrefixFold(s, w string) bool {
	if len(s) < len(w) {
		return false
	}
	for j := 0; j < len(w); j++ {
		c := s[j]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != w[j] {
			return false
		}
	}
	return true
}
