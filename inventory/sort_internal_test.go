package inventory

import "testing"

// lessJoined orders as comparing the concatenations would, prefixes and empty strings included.
func TestLessJoinedIsConcatenationOrder(t *testing.T) {
	words := []string{"", "a", "ab", "b", "eu-west-1", "eu-west-10", "1", "12", "123456789012"}
	for _, a1 := range words {
		for _, a2 := range words {
			for _, b1 := range words {
				for _, b2 := range words {
					if got, want := lessJoined(a1, a2, b1, b2), a1+a2 < b1+b2; got != want {
						t.Fatalf("lessJoined(%q, %q, %q, %q) = %v, want %v", a1, a2, b1, b2, got, want)
					}
				}
			}
		}
	}
}
