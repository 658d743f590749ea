package checks

import (
	"strconv"
	"strings"

	"github.com/lz2ct/lz2ct/inventory"
)

// accountSubject names an account for a finding.
func accountSubject(a *inventory.Account) Subject {
	return Subject{Kind: KindAccount, ID: a.ID, Name: a.Name}
}

func ouSubject(ix *inventory.Index, id string) Subject {
	if ou := ix.OU(id); ou != nil {
		return Subject{Kind: KindOU, ID: id, Name: ix.Path(id)}
	}
	if ix.IsRoot(id) {
		return Subject{Kind: KindOU, ID: id, Name: "Root"}
	}
	return Subject{Kind: KindOU, ID: id}
}

func policySubject(p *inventory.Policy) Subject {
	return Subject{Kind: KindPolicy, ID: p.ID, Name: p.Name}
}

// targetSubject names a root, OU or account.
func targetSubject(ix *inventory.Index, id string) Subject {
	if a := ix.Account(id); a != nil {
		return accountSubject(a)
	}
	return ouSubject(ix, id)
}

// listSome renders up to max items and says how many more there are, so a finding about 5,000
// accounts stays readable.
func listSome(items []string, max int) string {
	if len(items) <= max {
		return strings.Join(items, ", ")
	}
	return strings.Join(items[:max], ", ") + ", … (" + strconv.Itoa(len(items)-max) + " more)"
}
