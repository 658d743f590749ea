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
// lower-cased copy, since almost every string of a plan has none. The pass compares each four
// bytes, ASCII letters folded, with the words' first four letters at once (a byte-by-byte switch
// on the first letter was near a third of a 10,000-account runbook's model). Text beyond ASCII takes
// the lower-cased copy, as Unicode case folding (the Kelvin sign is a k) is what the patterns'
// (?i) follows.
func mayHoldSecret(s string) bool {
	var w uint32 // the last four bytes read, the newest highest
	var high byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		high |= c
		// Setting 0x20 lower-cases A-Z and leaves a-z as they are; it also maps some non-letters
		// onto others (@ to `, [ to {), which the words do not contain: a folded window equals a
		// word's first four letters only if the text's are those letters.
		w = w>>8 | uint32(c|0x20)<<24
		switch w {
		case gramAkia, gramAsia:
			return true
		case gramSecr:
			if hasPrefixFold(s[i+1:], "et") {
				return true
			}
		case gramToke:
			if hasPrefixFold(s[i+1:], "n") {
				return true
			}
		case gramPass:
			if hasPrefixFold(s[i+1:], "word") {
				return true
			}
		case gramSign:
			if hasPrefixFold(s[i+1:], "ature=") {
				return true
			}
		}
	}
	if high < 0x80 {
		return false
	}
	lower := strings.ToLower(s)
	for _, w := range secretWords {
		if strings.Contains(lower, w) {
			return true
		}
	}
	return false
}

// The words' first four letters as mayHoldSecret reads them (little-endian, folded).
const (
	gramAkia = 'a' | 'k'<<8 | 'i'<<16 | 'a'<<24
	gramAsia = 'a' | 's'<<8 | 'i'<<16 | 'a'<<24
	gramSecr = 's' | 'e'<<8 | 'c'<<16 | 'r'<<24
	gramSign = 's' | 'i'<<8 | 'g'<<16 | 'n'<<24
	gramToke = 't' | 'o'<<8 | 'k'<<16 | 'e'<<24
	gramPass = 'p' | 'a'<<8 | 's'<<16 | 's'<<24
)

// secretWords are the words mayHoldSecret looks for (its ASCII scan by their first four letters).
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
