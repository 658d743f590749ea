package inventory

import (
	"strings"
	"testing"
)

// compareJoined orders as comparing the concatenations would, prefixes and empty strings included.
func TestCompareJoinedIsConcatenationOrder(t *testing.T) {
	words := []string{"", "a", "ab", "b", "eu-west-1", "eu-west-10", "1", "12", "123456789012"}
	for _, a1 := range words {
		for _, a2 := range words {
			for _, b1 := range words {
				for _, b2 := range words {
					if got, want := compareJoined(a1, a2, b1, b2), strings.Compare(a1+a2, b1+b2); got != want {
						t.Fatalf("compareJoined(%q, %q, %q, %q) = %v, want %v", a1, a2, b1, b2, got, want)
					}
				}
			}
		}
	}
}
