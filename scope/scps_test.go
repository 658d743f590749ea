package scope

import (
	"fmt"
	"reflect"
	"strings"

	"testing"

	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/orggen"
	"github.com/lz2ct/lz2ct/settings"
)

const (
	denyDoc  = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"ec2:*","Resource":"*"}]}`
	allowDoc = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["ec2:*","s3:*"],"Resource":"*"}}`
	fullDoc  = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
)

// scp attaches a customer SCP (a new one per name) to targets.
func (o *org) scp(name, doc string, targets ...string) string {
	for i := range o.s.Policies {
		if o.s.Policies[i].Name == name {
			o.s.Policies[i].Targets = append(o.s.Policies[i].Targets, targets...)
			return o.s.Policies[i].ID
		}
	}
	o.n++
	id := fmt.Sprintf("p-%08d", o.n)
	o.s.Policies = append(o.s.Policies, inventory.Policy{ID: id, Name: name, Document: doc, Targets: targets})
	return id
}

// fullAccess attaches FullAWSAccess where AWS attaches it: the root, every OU and account.
func (o *org) fullAccess() {
	targets := []string{"r-ab12"}
	for _, ou := range o.s.OUs {
		targets = append(targets, ou.ID)
	}
	for _, a := range o.s.Accounts {
		targets = append(targets, a.ID)
	}
	o.s.Policies = append(o.s.Policies, inventory.Policy{ID: "p-FullAWSAccess", Name: "FullAWSAccess", AWSManaged: true, Document: fullDoc, Targets: targets})
}

// chain creates OUs L1..Ln under the root and returns their IDs (index 0 = L1).
func (o *org) chain(n int) []string {
	var out []string
	parent := "r-ab12"
	for i := 1; i <= n; i++ {
		parent = o.ou(parent, fmt.Sprintf("L%d", i))
		out = append(out, parent)
	}
	return out
}

// TestCarrySCPs: accounts moved up out of OUs too deep to register keep the customer SCPs of the
// OUs they leave — on a new OU, else on the account itself — or are not moved, with the reason.
func TestCarrySCPs(t *testing.T) {
	t.Run("a sibling of a five-level OU carries its SCPs and the deep OU's", func(t *testing.T) {
		o := newOrg()
		l := o.chain(6)
		o.accounts(l[4], 1)
		deep := o.accounts(l[5], 2)
		l5pol := o.scp("l5-guard", denyDoc, l[4])
		deny := o.scp("deny-deep", denyDoc, l[5])
		o.fullAccess()
		sc := o.scope(t, nil)
		a := sc.Account(deep[0])
		key := l[3] + "/L6"
		if a.How != HowOURegistration || a.MoveTo != key || !reflect.DeepEqual(a.LeavesSCPs, []string{deny}) || len(a.AttachSCPs) > 0 || a.SCPsBlock != "" {
			t.Fatalf("deep account %+v", a)
		}
		if c := sc.OU(key); c == nil || !c.Created || c.Depth != 5 || !reflect.DeepEqual(c.Policies, []string{l5pol, deny}) || c.Enrolls != 2 {
			t.Fatalf("carrying OU %+v", c)
		}
		if !strings.Contains(a.Reason, "deny-deep") || !strings.Contains(a.Reason, "stays under them") {
			t.Errorf("reason %q", a.Reason)
		}
	})
	t.Run("a child of a shallower ancestor carries the SCPs of every OU left", func(t *testing.T) {
		o := newOrg()
		l := o.chain(6)
		// L5 holds more accounts the plan cannot move than the limit: not registered, so the
		// accounts of L6 move up to L4.
		ex := o.accounts(l[4], 2)
		deep := o.accounts(l[5], 1)
		p5 := o.scp("l5-guard", denyDoc, l[4])
		p6 := o.scp("l6-guard", denyDoc, l[5])
		o.fullAccess()
		sc := o.scope(t, func(s *settings.Settings) { s.OUAccountLimit = 1; s.Exclude.Accounts = ex })
		a := sc.Account(deep[0])
		key := l[3] + "/L6"
		if a.MoveTo != key || !reflect.DeepEqual(a.LeavesSCPs, []string{p5, p6}) {
			t.Fatalf("deep account %+v", a)
		}
		if c := sc.OU(key); c == nil || c.Depth != 5 || !reflect.DeepEqual(c.Policies, []string{p5, p6}) {
			t.Fatalf("carrying OU %+v", c)
		}
	})
	t.Run("too many for a new OU: attached to the account, which moves into the ancestor", func(t *testing.T) {
		o := newOrg()
		l := o.chain(6)
		deep := o.accounts(l[5], 1)
		var ps []string
		for i := 0; i < 4; i++ {
			ps = append(ps, o.scp(fmt.Sprintf("g%d", i), denyDoc, l[5]))
		}
		o.fullAccess()
		sc := o.scope(t, nil)
		a := sc.Account(deep[0])
		if a.MoveTo != l[4] || !reflect.DeepEqual(a.AttachSCPs, ps) || a.SCPsBlock != "" {
			t.Fatalf("deep account %+v", a)
		}
		if !strings.Contains(a.Reason, "attached to the account itself") {
			t.Errorf("reason %q", a.Reason)
		}
	})
	t.Run("too many for the account too: not moved, enrollment blocked", func(t *testing.T) {
		o := newOrg()
		l := o.chain(7)
		deep := o.accounts(l[6], 1)
		for i := 0; i < 3; i++ {
			o.scp(fmt.Sprintf("g6-%d", i), denyDoc, l[5])
			o.scp(fmt.Sprintf("g7-%d", i), denyDoc, l[6])
		}
		o.fullAccess()
		sc := o.scope(t, nil)
		a := sc.Account(deep[0])
		if a.How != HowEnroll || a.Into != l[4] || a.MoveTo != "" || a.SCPsBlock == "" || len(a.LeavesSCPs) != 6 || len(a.AttachSCPs) > 0 {
			t.Fatalf("deep account %+v", a)
		}
		if !strings.Contains(a.Reason, "not moved") || !strings.Contains(a.Reason, "merge") {
			t.Errorf("reason %q", a.Reason)
		}
	})
	t.Run("an allow-list is never carried next to FullAWSAccess", func(t *testing.T) {
		o := newOrg()
		l := o.chain(6)
		deep := o.accounts(l[5], 1)
		o.fullAccess()
		// L6 allows EC2 and S3 only: its allow-list replaces FullAWSAccess there.
		for i := range o.s.Policies {
			if o.s.Policies[i].AWSManaged {
				o.s.Policies[i].Targets = without(o.s.Policies[i].Targets, l[5])
			}
		}
		o.scp("allow-ec2-s3", allowDoc, l[5])
		sc := o.scope(t, nil)
		a := sc.Account(deep[0])
		if a.SCPsBlock == "" || !strings.Contains(a.SCPsBlock, "allow-list") || a.MoveTo != "" {
			t.Fatalf("deep account %+v", a)
		}
	})
	t.Run("Account Factory's move (noMoveOUs) carries them on the account", func(t *testing.T) {
		o := newOrg()
		l := o.chain(6)
		deep := o.accounts(l[5], 1)
		p := o.scp("deny-deep", denyDoc, l[5])
		o.fullAccess()
		sc := o.scope(t, func(s *settings.Settings) { s.NoMoveOUs = []string{"*"} })
		a := sc.Account(deep[0])
		if a.How != HowEnroll || a.Into != l[4] || !reflect.DeepEqual(a.AttachSCPs, []string{p}) {
			t.Fatalf("deep account %+v", a)
		}
	})
	t.Run("Shared Services enrolled elsewhere keeps the core OU's customer SCPs", func(t *testing.T) {
		o := newOrg()
		apps := o.ou("r-ab12", "Apps")
		core := o.ou("r-ab12", "core")
		ss := o.accounts(core, 1)[0]
		o.s.ALZ.CoreOUID, o.s.ALZ.SharedServicesAccountID = core, ss
		p := o.scp("core-guard", denyDoc, core)
		o.scp("apps-guard", denyDoc, apps)
		o.fullAccess()
		sc := o.scope(t, func(s *settings.Settings) { s.SharedServicesOU = "Apps" })
		if a := sc.Account(ss); a.How != HowEnroll || a.Into != apps || !reflect.DeepEqual(a.AttachSCPs, []string{p}) {
			t.Fatalf("Shared Services %+v", a)
		}
	})
	t.Run("nothing to carry: moved into the ancestor as before", func(t *testing.T) {
		o := newOrg()
		l := o.chain(6)
		deep := o.accounts(l[5], 1)
		o.scp("root-guard", denyDoc, "r-ab12")
		o.fullAccess()
		sc := o.scope(t, nil)
		if a := sc.Account(deep[0]); a.MoveTo != l[4] || len(a.LeavesSCPs)+len(a.AttachSCPs) > 0 {
			t.Fatalf("deep account %+v", a)
		}
	})
	t.Run("an oversized five-level OU whose SCPs a sibling cannot carry is not registered", func(t *testing.T) {
		o := newOrg()
		l := o.chain(5)
		o.accounts(l[4], 3)
		for i := 0; i < 4; i++ {
			o.scp(fmt.Sprintf("g%d", i), denyDoc, l[4])
		}
		o.s.Policies = append(o.s.Policies, inventory.Policy{ID: "p-FullAWSAccess", Name: "FullAWSAccess", AWSManaged: true, Document: fullDoc})
		sc := o.scope(t, func(s *settings.Settings) { s.OUAccountLimit = 2 })
		if l5 := sc.OU(l[4]); l5.Order != 0 || !strings.Contains(l5.Skip, "could not carry its SCPs") || !strings.Contains(l5.Remedy, "merge") {
			t.Fatalf("L5 %+v", l5)
		}
	})
}

func without(list []string, x string) []string {
	var out []string
	for _, v := range list {
		if v != x {
			out = append(out, v)
		}
	}
	return out
}

func TestHasAllow(t *testing.T) {
	for doc, want := range map[string]bool{
		denyDoc: false, allowDoc: true, fullDoc: true, `not json`: true,
		`{"Statement":[{"Effect":"Deny","Action":"*","Resource":"*"},{"Effect":"allow","Action":"s3:*","Resource":"*"}]}`: true,
	} {
		if got := hasAllow(doc); got != want {
			t.Errorf("hasAllow(%s) = %t", doc, got)
		}
	}
}

// Scopes share nothing they write: the planner classifies the organization again under other
// settings (With) on one goroutine while it builds from the scope on another. Classifying fills a
// cache of inherited SCPs; a With fills its own, never the scope's it came from.
func TestWithSharesNothingItWrites(t *testing.T) {
	snap, err := orggen.Generate(orggen.Params{Accounts: 300, OUs: 40, Depth: 6, Regions: 2, Seed: 4, ALZVersion: "2.4.1", HomeRegion: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	sc := New(snap, settings.Settings{}.Resolve(snap))
	if len(sc.inherited) == 0 {
		t.Fatal("classifying read no inherited SCPs: the test exercises nothing")
	}
	clear(sc.inherited) // as a scope whose cache lacks what the other needs
	n := sc.With(func(s *settings.Settings) { s.OUAccountLimit = 5 })
	if len(n.inherited) == 0 {
		t.Fatal("the With classified without inherited SCPs: the test exercises nothing")
	}
	if len(sc.inherited) != 0 {
		t.Errorf("With wrote %d entries into the cache of the scope it came from", len(sc.inherited))
	}
}
