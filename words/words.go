// Package words holds the one rule for counting things in user-facing text ("1 account",
// "2 accounts"), so titles, reasons and summaries never say "1 accounts" or "(1 account(s))".
// The planner, the scope, the checks and the runbook use it.
package words

import "strconv"

// Count renders n with the noun in the right number: Count(1, "account") is "1 account",
// Count(3, "account") "3 accounts". Nouns whose plural is not noun+"s" give it:
// Count(2, "policy", "policies").
func Count(n int, one string, many ...string) string {
	return strconv.Itoa(n) + " " + Noun(n, one, many...)
}

// Noun is the noun alone in the number n asks for.
func Noun(n int, one string, many ...string) string {
	if n == 1 {
		return one
	}
	if len(many) > 0 {
		return many[0]
	}
	return one + "s"
}
