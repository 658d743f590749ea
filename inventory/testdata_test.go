package inventory_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/lz2ct/lz2ct/inventory"
)

// The hand-written organizations are a contract with the checks, planner and simulator tests:
// these tests pin down what each one must contain, so an edit cannot silently drop a case.

func loadOrg(t *testing.T, name string) (*inventory.Snapshot, *inventory.Index) {
	t.Helper()
	s, err := inventory.Decode(readOrg(t, name))
	if err != nil {
		t.Fatal(err)
	}
	return s, inventory.NewIndex(s)
}

func policyNamed(s *inventory.Snapshot, name string) *inventory.Policy {
	for i := range s.Policies {
		if s.Policies[i].Name == name {
			return &s.Policies[i]
		}
	}
	return nil
}

// The StackSets ALZ deploys (docs/aws-behaviour.md, "ALZ artefacts").
var alzStackSets = []string{
	"AWS-Landing-Zone-Baseline-EnableCloudTrail", "AWS-Landing-Zone-Baseline-ConfigRole",
	"AWS-Landing-Zone-Baseline-EnableConfig", "AWS-Landing-Zone-Baseline-EnableConfigRulesGlobal",
	"AWS-Landing-Zone-Baseline-EnableConfigRules", "AWS-Landing-Zone-Baseline-EnableNotifications",
	"AWS-Landing-Zone-Baseline-SecurityRoles", "AWS-Landing-Zone-Baseline-IamPasswordPolicy",
	"AWS-Landing-Zone-Baseline-PrimaryVPC", "AWS-Landing-Zone-SecurityRoles", "AWS-Landing-Zone-SharedTopic",
	"AWS-Landing-Zone-GuardDutyMaster", "AWS-Landing-Zone-SharedBucket", "AWS-Landing-Zone-SharedServicesAccountVPC",
}

func TestTypicalOrg(t *testing.T) {
	s, ix := loadOrg(t, "alz2-typical.json")
	if n := len(s.Accounts); n < 12 || n > 20 {
		t.Errorf("%d accounts, want about 15", n)
	}
	deepest := 0
	for _, ou := range s.OUs {
		deepest = max(deepest, ix.Depth(ou.ID))
	}
	if deepest != 3 {
		t.Errorf("deepest OU at level %d, want 3", deepest)
	}
	z := s.ALZ
	if z == nil || !strings.HasPrefix(z.Version, "2.4") || z.HomeRegion != "eu-west-1" {
		t.Fatalf("ALZ %+v, want 2.4.x in eu-west-1", z)
	}
	if !slices.Equal(s.Regions, []string{"eu-central-1", "eu-west-1"}) {
		t.Errorf("regions %v", s.Regions)
	}
	if s.IdentityCenter == nil || s.IdentityCenter.Region != z.HomeRegion {
		t.Errorf("identity center %+v, want one in the ALZ home region", s.IdentityCenter)
	}
	if s.ControlTower.LandingZone != nil || len(s.ControlTower.EnabledBaselines) != 0 {
		t.Error("Control Tower must not be deployed yet")
	}
	for _, n := range []string{"aws-landing-zone-core-mandatory-preventive-guardrails", "aws-landing-zone-non-core-mandatory-preventive-guardrails"} {
		if p := policyNamed(s, n); p == nil || len(p.Targets) == 0 {
			t.Errorf("SCP %s missing or unattached", n)
		}
	}
	if policyNamed(s, "protect-cloudtrail-config") != nil {
		t.Error("ALZ 2.4 has no protect-cloudtrail-config")
	}
	var names []string
	for _, ss := range z.StackSets {
		names = append(names, ss.Name)
		if len(ss.Instances) == 0 {
			t.Errorf("StackSet %s has no instances", ss.Name)
		}
	}
	for _, want := range alzStackSets {
		if !slices.Contains(names, want) {
			t.Errorf("StackSet %s missing", want)
		}
	}
	if z.Pipeline == nil || !z.Pipeline.SourceTransitionEnabled() || len(z.Buckets) == 0 || len(z.SSMParameters) == 0 || len(z.KMSAliases) == 0 || len(z.ProvisionedProducts) == 0 {
		t.Error("pipeline (transition enabled), buckets, SSM parameters, KMS alias and provisioned products are all expected")
	}
	missingCT := 0
	for _, a := range s.Accounts {
		if a.ID == s.Organization.ManagementAccountID {
			continue
		}
		if a.IAM == nil || !a.IAM.StackSetExecutionRole {
			t.Errorf("member account %s lacks AWSCloudFormationStackSetExecutionRole", a.Name)
			continue
		}
		if !a.IAM.ControlTowerExecutionRole {
			missingCT++
		}
		if slices.ContainsFunc(a.Regions, func(r inventory.AccountRegion) bool { return r.STSDisabled || len(r.ReservedNames) > 0 }) {
			t.Errorf("account %s has a region blocker; the typical org has none", a.Name)
		}
	}
	if missingCT <= len(s.Accounts)/2 {
		t.Errorf("only %d accounts lack AWSControlTowerExecution; most should", missingCT)
	}
	for _, ts := range s.TrustedServices {
		if ts == "config.amazonaws.com" || ts == "cloudtrail.amazonaws.com" {
			t.Errorf("trusted access for %s is a blocker the typical org must not have", ts)
		}
	}
	if len(s.Problems) != 0 {
		t.Errorf("%d problems, want none", len(s.Problems))
	}
}

func TestLegacyOrg(t *testing.T) {
	s, _ := loadOrg(t, "alz1-legacy.json")
	if s.ALZ == nil || !strings.HasPrefix(s.ALZ.Version, "1.0.") {
		t.Fatalf("ALZ %+v, want 1.0.x", s.ALZ)
	}
	if log := s.ALZ.LogArchiveAccountID; log == "" || inventory.NewIndex(s).Account(log).Name != "logging" {
		t.Error("ALZ 1.0 names its log account logging")
	}
	var portfolios []string
	for _, p := range s.ALZ.Portfolios {
		portfolios = append(portfolios, p.Name)
	}
	if !slices.Contains(portfolios, "AWS Landing Zone - Core") {
		t.Errorf("portfolios %v lack AWS Landing Zone - Core", portfolios)
	}
	p := policyNamed(s, "protect-cloudtrail-config")
	if p == nil || len(p.Targets) == 0 {
		t.Fatal("protect-cloudtrail-config missing or unattached")
	}
	for _, action := range []string{"config:Delete*", "config:Stop*", "cloudtrail:Delete*", "cloudtrail:Stop*"} {
		if !strings.Contains(p.Document, `"`+action+`"`) {
			t.Errorf("protect-cloudtrail-config does not deny %s", action)
		}
	}
	if s.IdentityCenter != nil {
		t.Error("the legacy org has no IAM Identity Center")
	}
	if n := len(s.Regions); n < 1 || n > 2 {
		t.Errorf("%d regions, want one or two", n)
	}
}

func TestBlockersOrg(t *testing.T) {
	s, ix := loadOrg(t, "blockers.json")
	emails := map[string]bool{}
	for _, a := range s.Accounts {
		emails[a.Email] = true
	}
	for _, e := range []string{"logarchive@example.com", "audit@example.com"} {
		if !emails[e] {
			t.Errorf("no account uses %s", e)
		}
	}
	if s.IdentityCenter == nil || s.IdentityCenter.Region == s.ALZ.HomeRegion {
		t.Errorf("identity center %+v must be outside the ALZ home region %s", s.IdentityCenter, s.ALZ.HomeRegion)
	}
	for _, ts := range []string{"config.amazonaws.com", "cloudtrail.amazonaws.com"} {
		if !slices.Contains(s.TrustedServices, ts) {
			t.Errorf("trusted access for %s missing", ts)
		}
	}
	var five, deep6, big bool
	for _, ou := range s.OUs {
		five = five || len(ix.PoliciesOn(ou.ID)) == 5 && slices.Contains(ix.PoliciesOn(ou.ID), "p-FullAWSAccess")
		deep6 = deep6 || ix.Depth(ou.ID) == 6
		big = big || ix.SubtreeAccountCount(ou.ID) > 300
	}
	if !five || !deep6 || !big {
		t.Errorf("OU with five SCPs: %v, OU six levels deep: %v, OU over 300 accounts: %v", five, deep6, big)
	}
	suspended, unreadable, sns, sts := 0, false, false, false
	for _, a := range s.Accounts {
		if a.Status == inventory.AccountSuspended {
			suspended++
			continue
		}
		if a.IAM == nil && a.AccessRole == "" && len(a.Regions) == 0 {
			unreadable = true
		}
		for _, r := range a.Regions {
			sts = sts || r.STSDisabled
			sns = sns || slices.Contains(r.ReservedNames, inventory.NamedResource{Type: "AWS::SNS::Topic", Name: "aws-controltower-SecurityNotifications"})
		}
	}
	if suspended < 2 || !unreadable || !sns || !sts {
		t.Errorf("suspended %d (want 2+), account with no role %v, SNS topic conflict %v, STS disabled %v", suspended, unreadable, sns, sts)
	}
	underChange := false
	for _, pp := range s.ALZ.ProvisionedProducts {
		underChange = underChange || pp.Status == "UNDER_CHANGE"
	}
	if !underChange {
		t.Error("no AVM provisioned product UNDER_CHANGE")
	}
}
