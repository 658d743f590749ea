package words

import "testing"

func TestCount(t *testing.T) {
	for _, c := range []struct {
		n    int
		one  string
		many []string
		want string
	}{
		{0, "account", nil, "0 accounts"},
		{1, "account", nil, "1 account"},
		{2, "account", nil, "2 accounts"},
		{1, "policy", []string{"policies"}, "1 policy"},
		{7, "policy", []string{"policies"}, "7 policies"},
		{1, "ALZ Service Catalog portfolio", nil, "1 ALZ Service Catalog portfolio"},
	} {
		if got := Count(c.n, c.one, c.many...); got != c.want {
			t.Errorf("Count(%d, %q, %v) = %q, want %q", c.n, c.one, c.many, got, c.want)
		}
	}
}
