package checks

import (
	"fmt"
	"strings"
	"testing"

	"github.com/lz2ct/lz2ct/inventory"
)

const (
	ctRole  = "arn:aws:iam::555555555555:role/AWSControlTowerExecution"
	ssRole  = "arn:aws:iam::555555555555:role/AWSCloudFormationStackSetExecutionRole"
	devRole = "arn:aws:iam::555555555555:role/Developer"
)

func req(action, principal string) Request {
	return Request{Action: action, PrincipalARN: principal, Account: "555555555555", OrgID: fxOrg}
}

func TestPolicyMatch(t *testing.T) {
	tests := []struct {
		name   string
		doc    string
		req    Request
		want   bool // a Deny applies
		unsure bool // ... only possibly
	}{
		{"action exact", `{"Statement":{"Effect":"Deny","Action":"config:DeleteConfigurationRecorder","Resource":"*"}}`,
			req("config:DeleteConfigurationRecorder", ctRole), true, false},
		{"action case-insensitive", `{"Statement":{"Effect":"Deny","Action":"Config:deleteconfigurationrecorder","Resource":"*"}}`,
			req("config:DeleteConfigurationRecorder", ctRole), true, false},
		{"service wildcard config:*", `{"Statement":[{"Effect":"Deny","Action":["config:*"],"Resource":"*"}]}`,
			req("config:StopConfigurationRecorder", ctRole), true, false},
		{"prefix wildcard config:Delete*", `{"Statement":{"Effect":"Deny","Action":"config:Delete*","Resource":"*"}}`,
			req("config:StopConfigurationRecorder", ctRole), false, false},
		{"question mark", `{"Statement":{"Effect":"Deny","Action":"config:?topConfigurationRecorder","Resource":"*"}}`,
			req("config:StopConfigurationRecorder", ctRole), true, false},
		{"star matches everything", `{"Statement":{"Effect":"Deny","Action":"*","Resource":"*"}}`,
			req("cloudformation:CreateStack", ctRole), true, false},
		{"other service", `{"Statement":{"Effect":"Deny","Action":"ec2:*","Resource":"*"}}`,
			req("config:PutConfigurationRecorder", ctRole), false, false},
		{"NotAction covers the action: no deny", `{"Statement":{"Effect":"Deny","NotAction":["config:*","iam:*"],"Resource":"*"}}`,
			req("config:PutDeliveryChannel", ctRole), false, false},
		{"NotAction leaves the action out: deny", `{"Statement":{"Effect":"Deny","NotAction":"iam:*","Resource":"*"}}`,
			req("config:PutDeliveryChannel", ctRole), true, false},
		{"ArnNotLike exempts CT's role", `{"Statement":{"Effect":"Deny","Action":"config:*","Resource":"*",
			"Condition":{"ArnNotLike":{"aws:PrincipalARN":"arn:aws:iam::*:role/AWSControlTowerExecution"}}}}`,
			req("config:DeleteDeliveryChannel", ctRole), false, false},
		{"ArnNotLike exemption does not cover another role", `{"Statement":{"Effect":"Deny","Action":"config:*","Resource":"*",
			"Condition":{"ArnNotLike":{"aws:PrincipalARN":"arn:aws:iam::*:role/AWSControlTowerExecution"}}}}`,
			req("config:DeleteDeliveryChannel", devRole), true, false},
		{"ALZ guardrails: StackSet role exempt", guardrailsDoc, req("config:DeleteConfigurationRecorder", ssRole), false, false},
		{"ALZ guardrails: CT role denied", guardrailsDoc, req("config:PutConfigurationRecorder", ctRole), true, false},
		{"StringNotLike with a list exempts any of them", `{"Statement":{"Effect":"Deny","Action":"*","Resource":"*",
			"Condition":{"StringNotLike":{"aws:PrincipalArn":["arn:aws:iam::*:role/Admin","arn:aws:iam::*:role/AWSControlTower*"]}}}}`,
			req("iam:CreateRole", ctRole), false, false},
		{"StringNotEquals needs an exact ARN", `{"Statement":{"Effect":"Deny","Action":"*","Resource":"*",
			"Condition":{"StringNotEquals":{"aws:PrincipalArn":"arn:aws:iam::*:role/AWSControlTowerExecution"}}}}`,
			req("iam:CreateRole", ctRole), true, false},
		{"StringEquals targets the role itself", `{"Statement":{"Effect":"Deny","Action":"*","Resource":"*",
			"Condition":{"StringEquals":{"aws:PrincipalArn":"arn:aws:iam::555555555555:role/AWSControlTowerExecution"}}}}`,
			req("iam:CreateRole", ctRole), true, false},
		{"StringLikeIfExists", `{"Statement":{"Effect":"Deny","Action":"*","Resource":"*",
			"Condition":{"StringLikeIfExists":{"aws:PrincipalArn":"arn:aws:iam::*:role/Dev*"}}}}`,
			req("iam:CreateRole", ctRole), false, false},
		{"ArnEquals with wildcard account", `{"Statement":{"Effect":"Deny","Action":"*","Resource":"*",
			"Condition":{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::*:role/AWSControlTowerExecution"}}}}`,
			req("iam:CreateRole", ctRole), true, false},
		{"ForAnyValue prefix", `{"Statement":{"Effect":"Deny","Action":"*","Resource":"*",
			"Condition":{"ForAnyValue:StringNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/AWSControlTowerExecution"}}}}`,
			req("iam:CreateRole", ctRole), false, false},
		{"account condition", `{"Statement":{"Effect":"Deny","Action":"*","Resource":"*",
			"Condition":{"StringEquals":{"aws:PrincipalAccount":["999999999999"]}}}}`,
			req("iam:CreateRole", ctRole), false, false},
		{"unknown key: may apply", `{"Statement":{"Effect":"Deny","Action":"*","Resource":"*",
			"Condition":{"Bool":{"aws:MultiFactorAuthPresent":false}}}}`,
			req("iam:CreateRole", ctRole), true, true},
		{"known false beats unknown", `{"Statement":{"Effect":"Deny","Action":"*","Resource":"*",
			"Condition":{"Bool":{"aws:SecureTransport":"false"},"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/AWSControlTowerExecution"}}}}`,
			req("iam:CreateRole", ctRole), false, false},
		{"region condition without a region: may apply", `{"Statement":{"Effect":"Deny","NotAction":"iam:*","Resource":"*",
			"Condition":{"StringNotEquals":{"aws:RequestedRegion":["eu-west-1"]}}}}`,
			req("config:PutConfigurationRecorder", ctRole), true, true},
		{"resource-scoped statement, unknown resource: may apply", `{"Statement":{"Effect":"Deny","Action":"cloudformation:*","Resource":"arn:aws:cloudformation:*:*:stack/prod-*"}}`,
			req("cloudformation:CreateStack", ctRole), true, true},
		{"resource-scoped statement, other resource", `{"Statement":{"Effect":"Deny","Action":"iam:*","Resource":"arn:aws:iam::*:role/Protected*"}}`,
			Request{Action: "iam:CreateRole", Resource: "arn:aws:iam::555555555555:role/AWSControlTowerExecution", PrincipalARN: devRole}, false, false},
		{"NotResource excludes it", `{"Statement":{"Effect":"Deny","Action":"iam:*","NotResource":"arn:aws:iam::*:role/AWSControlTower*"}}`,
			Request{Action: "iam:CreateRole", Resource: "arn:aws:iam::555555555555:role/AWSControlTowerExecution", PrincipalARN: devRole}, false, false},
		{"allow statements never deny", fullAccessDoc, req("config:DeleteDeliveryChannel", ctRole), false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParsePolicy(tt.doc)
			if err != nil {
				t.Fatal(err)
			}
			ms := p.Match("Deny", tt.req)
			if got := len(ms) > 0; got != tt.want {
				t.Fatalf("deny applies = %t, want %t (%+v)", got, tt.want, ms)
			}
			if tt.want {
				if ms[0].Certain == tt.unsure {
					t.Errorf("certain = %t, want %t (%s)", ms[0].Certain, !tt.unsure, ms[0].Note)
				}
				if tt.unsure && ms[0].Note == "" {
					t.Error("an uncertain match must say why")
				}
			}
		})
	}
}

func TestParsePolicyErrors(t *testing.T) {
	for _, doc := range []string{
		``, `[]`, `{"Version":"2012-10-17"}`,
		`{"Statement":{"Effect":"Allow"}}`,
		`{"Statement":{"Effect":"Perhaps","Action":"*"}}`,
		`{"Statement":{"Effect":"Deny","Action":{"a":1}}}`,
		`{"Statement":{"Effect":"Deny","Action":"*","Condition":{"StringEquals":{"k":{"x":1}}}}}`,
	} {
		if _, err := ParsePolicy(doc); err == nil {
			t.Errorf("ParsePolicy(%q) = nil error", doc)
		}
	}
}

// inheritanceOrg: Root > Workloads > Prod > prod1, every level with FullAWSAccess.
func inheritanceOrg() *inventory.Snapshot {
	s := typicalOrg()
	policy(s, fxGuard).Targets = nil
	return s
}

func TestEvaluateInheritance(t *testing.T) {
	deny := `{"Statement":{"Effect":"Deny","Action":"config:Delete*","Resource":"*"}}`
	for _, at := range []string{fxRoot, fxWorkloads, fxProd, fxProd1} {
		t.Run("deny on "+at, func(t *testing.T) {
			s := inheritanceOrg()
			addPolicy(s, "p-denyconfig", "deny-config", deny, at)
			ev := NewEvaluator(inventory.NewIndex(s))
			d := ev.Evaluate(fxProd1, req("config:DeleteConfigurationRecorder", ctRole))
			if !d.Denied() || len(d.Denies) != 1 || d.Denies[0].AttachedTo != at {
				t.Fatalf("decision %+v: want one deny attached to %s", d, at)
			}
			// A sibling branch is not affected unless the policy sits on a common ancestor.
			d = ev.Evaluate(fxDev1, req("config:DeleteConfigurationRecorder", ctRole))
			common := at == fxRoot || at == fxWorkloads
			if d.Denied() != common {
				t.Errorf("dev1 denied = %t, want %t", d.Denied(), common)
			}
		})
	}
	t.Run("management account is exempt", func(t *testing.T) {
		s := inheritanceOrg()
		addPolicy(s, "p-denyconfig", "deny-config", deny, fxRoot)
		d := NewEvaluator(inventory.NewIndex(s)).Evaluate(fxMgmt, req("config:DeleteConfigurationRecorder", ctRole))
		if d.Blocked() {
			t.Errorf("management account decision %+v, want nothing", d)
		}
	})
	t.Run("SCPs disabled", func(t *testing.T) {
		s := inheritanceOrg()
		addPolicy(s, "p-denyconfig", "deny-config", deny, fxRoot)
		s.Roots[0].PolicyTypes = []string{"TAG_POLICY"}
		if d := NewEvaluator(inventory.NewIndex(s)).Evaluate(fxProd1, req("config:DeleteConfigurationRecorder", ctRole)); d.Blocked() {
			t.Errorf("decision %+v with SCPs disabled", d)
		}
	})
}

func TestEvaluateAllowList(t *testing.T) {
	for _, level := range []string{fxRoot, fxWorkloads, fxProd, fxProd1} {
		t.Run("allow-list on "+level, func(t *testing.T) {
			s := inheritanceOrg()
			full := policy(s, fxFull)
			var keep []string
			for _, tg := range full.Targets {
				if tg != level {
					keep = append(keep, tg)
				}
			}
			full.Targets = keep
			addPolicy(s, "p-allowlist1", "allow-list", `{"Statement":{"Effect":"Allow","Action":["iam:*","cloudformation:*"],"Resource":"*"}}`, level)
			ev := NewEvaluator(inventory.NewIndex(s))
			d := ev.Evaluate(fxProd1, req("config:PutConfigurationRecorder", ctRole))
			if !d.Denied() || strings.Join(d.NotAllowedAt, ",") != level {
				t.Errorf("decision %+v: want not allowed at %s", d, level)
			}
			if d := ev.Evaluate(fxProd1, req("iam:CreateRole", ctRole)); d.Blocked() {
				t.Errorf("iam:CreateRole should be allowed at every level: %+v", d)
			}
		})
	}
}

func TestWildMatch(t *testing.T) {
	for _, tt := range []struct {
		p, s string
		want bool
	}{
		{"*", "", true}, {"*", "anything", true}, {"a*c", "abc", true}, {"a*c", "abd", false},
		{"a?c", "abc", true}, {"a?c", "ac", false}, {"*x*y*", "axbyc", true}, {"*x*y*", "ayxb", false},
		{"config:delete*", "config:deleteconfigrule", true}, {"", "", true}, {"", "a", false},
	} {
		if got := wildMatchCase(tt.p, tt.s); got != tt.want {
			t.Errorf("wildMatch(%q, %q) = %t", tt.p, tt.s, got)
		}
	}
}

func FuzzParsePolicy(f *testing.F) {
	for _, d := range []string{guardrailsDoc, fullAccessDoc, protectDoc, `{"Statement":{"Effect":"Deny","NotAction":"x","Condition":{"Null":{"k":"true"}}}}`} {
		f.Add(d)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		p, err := ParsePolicy(doc)
		if err != nil {
			return
		}
		for _, e := range []string{"Allow", "Deny"} {
			p.Match(e, req("config:PutConfigurationRecorder", ctRole))
		}
	})
}

// TestCachedEvaluationMatchesUncached: the per-path and per-group caches (Request.Key, GroupKey)
// must never change a decision, including with policies that name one account.
func TestCachedEvaluationMatchesUncached(t *testing.T) {
	s := loadOrg(t, "blockers.json")
	victim := s.Accounts[len(s.Accounts)/2].ID
	addPolicy(s, "p-oneaccount", "one-account", `{"Statement":{"Effect":"Deny","Action":"config:*","Resource":"*",
		"Condition":{"StringEquals":{"aws:PrincipalAccount":"`+victim+`"}}}}`, s.Roots[0].ID)
	ix := inventory.NewIndex(s)
	cached, plain, batched := NewEvaluator(ix), NewEvaluator(ix), NewEvaluator(ix)
	for _, a := range s.Accounts {
		var batch []Request
		var wants []Decision
		for _, action := range []string{"config:PutConfigurationRecorder", "config:DeleteDeliveryChannel", "iam:CreateRole", "ec2:RunInstances"} {
			for _, region := range []string{"eu-west-1", "ap-south-1"} {
				r := Request{Action: action, PrincipalARN: "arn:aws:iam::" + a.ID + ":role/AWSControlTowerExecution", Account: a.ID, Region: region, OrgID: s.Organization.ID}
				want := plain.Evaluate(a.ID, r)
				r.Key = action + "|" + region
				got := cached.Evaluate(a.ID, r)
				batch, wants = append(batch, r), append(wants, want)
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Fatalf("%s %s %s: cached %+v, uncached %+v", a.ID, action, region, got, want)
				}
				if a.ID == victim && strings.HasPrefix(action, "config:") && !got.Denied() {
					t.Errorf("the account-specific deny was lost for %s", a.ID)
				}
			}
		}
		// The same requests as one batch (the path's decisions cached per level for the list).
		if got := batched.EvaluateAll(a.ID, "all", batch); fmt.Sprint(got) != fmt.Sprint(wants) {
			t.Fatalf("%s: batched %+v, one by one %+v", a.ID, got, wants)
		}
	}
}

func TestDenyNamingOneAccountHitsOnlyIt(t *testing.T) {
	s := typicalOrg()
	policy(s, fxGuard).Targets = nil
	addPolicy(s, "p-oneaccount", "one-account", `{"Statement":{"Effect":"Deny","Action":"config:Put*","Resource":"*",
		"Condition":{"StringEquals":{"aws:PrincipalAccount":"`+fxDev1+`"}}}}`, fxRoot)
	c, _ := Lookup("scp.deny-ct-roles")
	fs := RunCheck(c, Input{Snapshot: s, Settings: typicalSettings().Resolve(s)})
	if len(fs) != 1 {
		t.Fatalf("%d findings, want 1: %+v", len(fs), fs)
	}
	var accts []string
	for _, sub := range fs[0].Subjects {
		if sub.Kind == KindAccount {
			accts = append(accts, sub.ID)
		}
	}
	if strings.Join(accts, ",") != fxDev1 {
		t.Errorf("accounts %v, want only %s", accts, fxDev1)
	}
}

// A region-restriction SCP blocks Control Tower only in the governed regions it does not allow.
func TestRegionRestrictionBlocksOnlyOtherRegions(t *testing.T) {
	s := typicalOrg()
	policy(s, fxGuard).Targets = nil
	addPolicy(s, "p-regions0001", "region-restriction", `{"Statement":{"Sid":"DenyOutside","Effect":"Deny","NotAction":["iam:*","sts:*"],"Resource":"*",
		"Condition":{"StringNotEquals":{"aws:RequestedRegion":["eu-west-1"]}}}}`, fxWorkloads)
	c, _ := Lookup("scp.deny-ct-roles")
	st := typicalSettings()
	st.GovernedRegions = []string{"eu-west-1", "us-east-1"}
	fs := RunCheck(c, Input{Snapshot: s, Settings: st})
	// Two findings: what CT's role does at enrollment, and the StackSet removal of ALZ's Config
	// (the Workloads accounts have recorders in us-east-1 too).
	if len(fs) != 2 {
		t.Fatalf("%d findings, want 2: %+v", len(fs), fs)
	}
	for _, f := range fs {
		var regions, accts []string
		for _, sub := range f.Subjects {
			switch sub.Kind {
			case KindRegion:
				regions = append(regions, sub.ID)
			case KindAccount:
				accts = append(accts, sub.ID)
			}
		}
		if f.Severity != Blocker || f.FixedByPlan || strings.Join(regions, ",") != "us-east-1" || strings.Join(accts, ",") != fxProd1+","+fxDev1 {
			t.Errorf("%s: %s fixed=%t regions %v accounts %v", f.Title, f.Severity, f.FixedByPlan, regions, accts)
		}
		if !strings.Contains(f.Remediation, "governedRegions") {
			t.Errorf("remediation should offer governing fewer regions: %s", f.Remediation)
		}
	}
	// Governing only the allowed region clears it.
	st.GovernedRegions = []string{"eu-west-1"}
	if fs := RunCheck(c, Input{Snapshot: s, Settings: st}); len(fs) != 0 {
		t.Errorf("findings with only allowed regions governed: %+v", fs)
	}
}
