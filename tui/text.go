package tui

import (
	"regexp"
	"strings"
	"unicode"

	"github.com/charmbracelet/x/ansi"
)

// Text layout for screens that show AWS names and commands. Lines break at spaces only: a name like
// AWS-Landing-Zone-Baseline-EnableConfig or an option like --stack-set-name split at its hyphen is
// a different name once copied from the terminal. A word wider than the width keeps a line of its
// own and runs past the edge; detail pages scroll sideways for it (page in common.go).

// wrap word-wraps s to width (at least 10 cells), breaking at spaces only; newlines in s are kept.
func wrap(s string, width int) string {
	return wrapIndent(s, width, "")
}

// wrapIndent is wrap with a hanging indent: lines after the first of each paragraph start with
// indent (a bullet's text lines up under its first word).
func wrapIndent(s string, width int, indent string) string {
	width = max(width, 10)
	var out []string
	for _, para := range strings.Split(s, "\n") {
		out = append(out, wrapLine(para, width, indent)...)
	}
	return strings.Join(out, "\n")
}

// awsCommand finds an AWS CLI command in prose: "aws", a service, an operation, and what follows up
// to where the prose resumes (a parenthesis, a semicolon, an arrow, "is"/"returns" or the end).
var (
	awsCommand = regexp.MustCompile(`(^|\s)aws [a-z0-9-]+ [a-z0-9-]+`)
	proseAgain = regexp.MustCompile(` \(| → |; |, | is | returns | && `)
)

func wrapLine(s string, width int, indent string) []string {
	// A string takes at most as many cells as it has bytes: most lines need no measuring.
	if len(s) <= width || ansi.StringWidth(s) <= width {
		return []string{s}
	}
	// A command in the text gets lines of its own, laid out as a command.
	if m := awsCommand.FindStringIndex(s); m != nil {
		start := m[0]
		if s[start] != 'a' {
			start++
		}
		end := len(s)
		if e := proseAgain.FindStringIndex(s[start:]); e != nil {
			end = start + e[0]
		}
		var out []string
		if before := strings.TrimRight(s[:start], " "); strings.TrimSpace(before) != "" {
			out = append(out, wrapWords(before, width, indent)...)
		}
		lead := s[:len(s)-len(strings.TrimLeft(s, " "))]
		if len(out) > 0 {
			lead = indent
		}
		out = append(out, commandLines(s[start:end], lead, width)...)
		if after := strings.TrimSpace(s[end:]); after != "" {
			out = append(out, wrapLine(indent+after, width, indent)...)
		}
		return out
	}
	return wrapWords(s, width, indent)
}

// wrapWords breaks s at spaces into lines of at most width cells where its words allow.
func wrapWords(s string, width int, indent string) []string {
	if ansi.StringWidth(s) <= width {
		return []string{s}
	}
	// Leading spaces and a bullet are the paragraph's own: they stay with its first word.
	lead := s[:len(s)-len(strings.TrimLeft(s, " "))]
	if rest := s[len(lead):]; strings.HasPrefix(rest, "• ") {
		lead += "• "
	}
	words := strings.Fields(s[len(lead):])
	var lines []string
	cur, curW := lead, ansi.StringWidth(lead)
	empty := true
	for _, w := range words {
		ww := ansi.StringWidth(w)
		if !empty && curW+1+ww > width {
			lines = append(lines, cur)
			cur, curW, empty = indent, ansi.StringWidth(indent), true
		}
		if !empty {
			cur += " "
			curW++
		}
		cur += w
		curW += ww
		empty = false
	}
	return append(lines, cur)
}

// commandLines lays out a shell command in lines of at most width cells without breaking inside an
// argument: it breaks between arguments, keeping an option with its values where they fit, and
// ends every line but the last with a shell continuation " \", so that the lines copied together
// run as the one command. prefix starts the first line, prefix plus four spaces the others. An
// argument wider than the width (a quoted policy document) runs past the edge on its own line.
//
// A command of several lines (a here-document) is laid out line by line; the here-document's body
// and its terminator are kept as they are, without prefix, since they are data.
func commandLines(cmd, prefix string, width int) []string {
	if strings.Contains(cmd, "\n") {
		var out []string
		end := "" // the terminator of the here-document being copied
		for _, l := range strings.Split(cmd, "\n") {
			if end != "" {
				out = append(out, l)
				if strings.TrimSpace(l) == end {
					end = ""
				}
				continue
			}
			out = append(out, commandLines(l, prefix, width)...)
			if m := hereDoc.FindStringSubmatch(l); m != nil {
				end = m[1]
			}
		}
		return out
	}
	if ansi.StringWidth(prefix+cmd) <= width {
		return []string{prefix + cmd}
	}
	cont := prefix + "    "
	var lines []string
	cur, fresh := prefix, true
	add := func(w string) {
		if !fresh {
			cur += " "
		}
		cur, fresh = cur+w, false
	}
	room := func(w string) bool { return ansi.StringWidth(cur+" "+w+" \\") <= width }
	next := func() {
		lines = append(lines, cur+" \\")
		cur, fresh = cont, true
	}
	for _, g := range argGroups(shellWords(cmd)) {
		whole := strings.Join(g, " ")
		if !fresh && room(whole) {
			add(whole)
			continue
		}
		if !fresh {
			next()
		}
		if ansi.StringWidth(cur+whole+" \\") <= width {
			add(whole)
			continue
		}
		for _, w := range g { // the option and its values do not fit on one line
			if !fresh && !room(w) {
				next()
			}
			add(w)
		}
	}
	return append(lines, cur)
}

// hereDoc finds a here-document's start (<<EOF, <<'EOF', <<-"EOF") and its terminator.
var hereDoc = regexp.MustCompile(`<<-?\s*['"]?([A-Za-z_][A-Za-z0-9_]*)['"]?`)

// argGroups groups a command's words: the command with its positional arguments (the words before
// the first option), then each option with the values that follow it.
func argGroups(words []string) [][]string {
	var groups [][]string
	for _, w := range words {
		if len(groups) == 0 || strings.HasPrefix(w, "-") {
			groups = append(groups, []string{w})
		} else {
			groups[len(groups)-1] = append(groups[len(groups)-1], w)
		}
	}
	return groups
}

// shellWords splits a command at the spaces where a shell continuation may go: outside quotes
// ('…', "…", `…`) and placeholders (<new OU ID>), at the top level or inside a command
// substitution $(…) (quoted or not), where spaces are only separators. A break inside quotes would
// change the string (the next line's indentation would join it).
func shellWords(cmd string) []string {
	var words []string
	var cur strings.Builder
	const (
		top   = iota // outside quotes
		subst        // inside $(…) or (…): a command again
		squote
		dquote
		backq
		angle // a <placeholder>
	)
	modes := []int{top}
	rs := []rune(cmd)
	for i := 0; i < len(rs); i++ {
		r, mode := rs[i], modes[len(modes)-1]
		push := func(m int) { modes = append(modes, m) }
		pop := func() {
			if len(modes) > 1 {
				modes = modes[:len(modes)-1]
			}
		}
		switch mode {
		case squote:
			if r == '\'' {
				pop()
			}
		case backq:
			if r == '`' {
				pop()
			}
		case angle:
			if r == '>' {
				pop()
			}
		case dquote:
			switch {
			case r == '\\' && i+1 < len(rs):
				cur.WriteRune(r)
				i++
				r = rs[i]
			case r == '"':
				pop()
			case r == '$' && i+1 < len(rs) && rs[i+1] == '(':
				push(subst)
				cur.WriteRune(r)
				i++
				r = rs[i]
			case r == '`':
				push(backq)
			}
		default: // top, subst
			switch {
			case r == ' ':
				if cur.Len() > 0 {
					words = append(words, cur.String())
					cur.Reset()
				}
				continue
			case r == '\\' && i+1 < len(rs):
				cur.WriteRune(r)
				i++
				r = rs[i]
			case r == '\'':
				push(squote)
			case r == '"':
				push(dquote)
			case r == '`':
				push(backq)
			case r == '(':
				push(subst)
			case r == ')' && mode == subst:
				pop()
			case r == '<' && i+1 < len(rs) && unicode.IsLetter(rs[i+1]):
				push(angle)
			}
		}
		cur.WriteRune(r)
	}
	if cur.Len() > 0 {
		words = append(words, cur.String())
	}
	return words
}

// joinWrap joins parts with sep into lines of at most width cells, breaking only between parts
// ("5 blocked" stays together).
func joinWrap(parts []string, sep string, width int) string {
	var lines []string
	cur := ""
	for _, p := range parts {
		switch {
		case cur == "":
			cur = p
		case ansi.StringWidth(cur+sep+p) <= width:
			cur += sep + p
		default:
			lines = append(lines, cur)
			cur = p
		}
	}
	if cur != "" {
		lines = append(lines, cur)
	}
	return strings.Join(lines, "\n")
}
