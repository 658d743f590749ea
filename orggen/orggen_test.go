package orggen

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/lz2ct/lz2ct/inventory"
)

func generate(t testing.TB, p Params) *inventory.Snapshot {
	t.Helper()
	s, err := Generate(p)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func encode(t testing.TB, s *inventory.Snapshot) []byte {
	t.Helper()
	data, err := inventory.Encode(s)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestDeterministic(t *testing.T) {
	p := Params{Accounts: 300, OUs: 30, Depth: 5, Regions: 4, Seed: 77, ConfigShare: 0.7, SCPDensity: 0.5}
	a, b := encode(t, generate(t, p)), encode(t, generate(t, p))
	if !bytes.Equal(a, b) {
		t.Fatal("same parameters gave different snapshots")
	}
	p.Seed = 78
	if c := encode(t, generate(t, p)); bytes.Equal(a, c) {
		t.Error("a different seed gave the same snapshot")
	}
	// Valid, canonical (decode + encode is the identity) and within the discovery contract.
	s, err := inventory.Decode(a)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(encode(t, s), a) {
		t.Error("generated snapshot is not in canonical form")
	}
	if s.Source != "generator" || s.CapturedAt.IsZero() {
		t.Errorf("source %q, capturedAt %v", s.Source, s.CapturedAt)
	}
}

func TestContractAcrossShapes(t *testing.T) {
	for _, p := range []Params{
		{Accounts: 4, OUs: 1, Depth: 1, Regions: 1},
		{Accounts: 10, OUs: 4, Depth: 4, Regions: 2}, // the deep branch starts under core
		{Accounts: 10, OUs: 3, Depth: 2, Regions: 17, HomeRegion: "eu-central-1"},
		{Accounts: 500, OUs: 60, Depth: 6, Regions: 3, ALZVersion: "1.0.4", ConfigShare: 0.5, SCPDensity: 1},
		{Accounts: 200, OUs: 200, Depth: 6, Regions: 2, ALZVersion: "2.2.1", ConfigShare: 0, SCPDensity: 0},
	} {
		s := generate(t, p)
		if err := inventory.Validate(s); err != nil {
			t.Fatalf("%+v: invalid: %v", p, err)
		}
		for _, bad := range CheckContract(s) {
			t.Errorf("%+v: %s", p, bad)
		}
	}
}

func policyNames(s *inventory.Snapshot) []string {
	var out []string
	for _, p := range s.Policies {
		out = append(out, p.Name)
	}
	return out
}

func coreNames(s *inventory.Snapshot) []string {
	var out []string
	for _, a := range s.Accounts {
		if a.ParentID == s.ALZ.CoreOUID {
			out = append(out, a.Name)
		}
	}
	slices.Sort(out)
	return out
}

// Names follow the ALZ version (docs/aws-behaviour.md, "ALZ artefacts").
func TestVersionSpecificNames(t *testing.T) {
	base := Params{Accounts: 20, OUs: 4, Depth: 2, Regions: 2, Seed: 1, ConfigShare: 1}

	p := base
	p.ALZVersion = "1.0.3"
	v1 := generate(t, p)
	if got := coreNames(v1); !slices.Equal(got, []string{"logging", "security", "shared-services"}) {
		t.Errorf("v1 core accounts %v: v1.0.x names the log account 'logging'", got)
	}
	if !slices.Contains(policyNames(v1), "protect-cloudtrail-config") || slices.Contains(policyNames(v1), "aws-landing-zone-core-mandatory-preventive-guardrails") {
		t.Errorf("v1 SCPs %v: want protect-cloudtrail-config only", policyNames(v1))
	}
	var portfolios []string
	for _, pf := range v1.ALZ.Portfolios {
		portfolios = append(portfolios, pf.Name)
	}
	if !slices.Contains(portfolios, "AWS Landing Zone - Core") || v1.IdentityCenter != nil {
		t.Errorf("v1: portfolios %v (want the Core one too), identity center %v (want none)", portfolios, v1.IdentityCenter)
	}

	p.ALZVersion = "2.2.0"
	v22 := generate(t, p)
	if got := coreNames(v22); !slices.Contains(got, "log-archive") {
		t.Errorf("v2 core accounts %v: want log-archive", got)
	}
	if !slices.Contains(policyNames(v22), "protect-cloudtrail-config") {
		t.Errorf("v2.2 SCPs %v: want protect-cloudtrail-config", policyNames(v22))
	}

	p.ALZVersion = "2.4.1"
	v24 := generate(t, p)
	names := policyNames(v24)
	if slices.Contains(names, "protect-cloudtrail-config") ||
		!slices.Contains(names, "aws-landing-zone-core-mandatory-preventive-guardrails") ||
		!slices.Contains(names, "aws-landing-zone-non-core-mandatory-preventive-guardrails") {
		t.Errorf("v2.4 SCPs %v: want the two guardrail SCPs and no protect-cloudtrail-config", names)
	}
	if v24.IdentityCenter == nil || v24.IdentityCenter.Region != DefaultHomeRegion {
		t.Errorf("v2.4: identity center %v, want one in the home region", v24.IdentityCenter)
	}
	// Every baselined member account records with ALZ's recorder and channel names in every region.
	for _, a := range v24.Accounts {
		if a.ID == v24.Organization.ManagementAccountID {
			continue
		}
		for _, r := range a.Regions {
			if len(r.ConfigRecorders) != 1 || r.ConfigRecorders[0].Name != RecorderName ||
				len(r.DeliveryChannels) != 1 || r.DeliveryChannels[0].Name != DeliveryChannelName {
				t.Fatalf("account %s in %s: recorders %v, channels %v", a.Name, r.Region, r.ConfigRecorders, r.DeliveryChannels)
			}
		}
	}
}

func TestKnobs(t *testing.T) {
	count := func(s *inventory.Snapshot) (recorders int) {
		for _, a := range s.Accounts {
			for _, r := range a.Regions {
				recorders += len(r.ConfigRecorders)
			}
		}
		return
	}
	none := generate(t, Params{Accounts: 200, OUs: 20, Depth: 3, Regions: 2, Seed: 4, ConfigShare: 0})
	if n := count(none); n != 3*2 {
		t.Errorf("config-share 0: %d recorders, want only the three core accounts' (%d)", n, 3*2)
	}
	all := generate(t, Params{Accounts: 200, OUs: 20, Depth: 3, Regions: 2, Seed: 4, ConfigShare: 1})
	if n := count(all); n != (200-1)*2 {
		t.Errorf("config-share 1: %d recorders, want %d (every member account, every region)", n, 199*2)
	}
	half := generate(t, Params{Accounts: 2000, OUs: 20, Depth: 3, Regions: 1, Seed: 4, ConfigShare: 0.5})
	if n := count(half); n < 800 || n > 1200 {
		t.Errorf("config-share 0.5: %d of ~2000 accounts record", n)
	}

	// SCP density: 0 leaves only FullAWSAccess and ALZ's SCPs; 1 never puts more than 5 on a target.
	sparse := generate(t, Params{Accounts: 100, OUs: 20, Depth: 3, Regions: 1, Seed: 4, SCPDensity: 0})
	if len(sparse.Policies) != 3 {
		t.Errorf("scp-density 0: policies %v, want FullAWSAccess and ALZ's two", policyNames(sparse))
	}
	dense := generate(t, Params{Accounts: 500, OUs: 50, Depth: 4, Regions: 1, Seed: 4, SCPDensity: 1})
	ix := inventory.NewIndex(dense)
	customOnOUs := 0
	for _, ou := range dense.OUs {
		n := len(ix.PoliciesOn(ou.ID))
		if n > 5 {
			t.Errorf("OU %s has %d SCPs: over Organizations' limit of 5", ix.Path(ou.ID), n)
		}
		customOnOUs += n
	}
	if customOnOUs <= 2*len(dense.OUs) {
		t.Errorf("scp-density 1: only %d SCP attachments on %d OUs", customOnOUs, len(dense.OUs))
	}
}

func TestParamsCheck(t *testing.T) {
	good := DefaultParams()
	if err := good.Check(); err != nil {
		t.Fatalf("defaults rejected: %v", err)
	}
	for flag, mut := range map[string]func(*Params){
		"--accounts":     func(p *Params) { p.Accounts = 3 },
		"--depth":        func(p *Params) { p.Depth = 7 },
		"--ous":          func(p *Params) { p.OUs, p.Depth = 2, 3 },
		"--regions":      func(p *Params) { p.Regions = 0 },
		"--config-share": func(p *Params) { p.ConfigShare = -0.1 },
		"--scp-density":  func(p *Params) { p.SCPDensity = 2 },
	} {
		p := good
		mut(&p)
		err := p.Check()
		if err == nil || !strings.Contains(err.Error(), flag) {
			t.Errorf("%s: error %v should name the flag", flag, err)
		}
	}
	p := good
	p.ALZVersion = "3.0.0"
	if _, err := Generate(p); err == nil {
		t.Error("ALZ 3.0.0 accepted: ALZ only had 1.x and 2.x")
	}
	p = good
	p.HomeRegion = "mars-north-1"
	if _, err := Generate(p); err == nil || !strings.Contains(err.Error(), "home") {
		t.Errorf("unknown home region: %v", err)
	}
}

// The fewest OUs that --depth allows still reach that depth.
func TestMinimalOUsReachDepth(t *testing.T) {
	for depth := 1; depth <= MaxDepth; depth++ {
		ous := depth
		s := generate(t, Params{Accounts: 10, OUs: ous, Depth: depth, Regions: 1, Seed: 1})
		ix := inventory.NewIndex(s)
		deepest := 0
		for _, ou := range s.OUs {
			deepest = max(deepest, ix.Depth(ou.ID))
		}
		if deepest != depth || len(s.OUs) != ous {
			t.Errorf("--depth %d --ous %d: deepest %d, %d OUs", depth, ous, deepest, len(s.OUs))
		}
	}
}

func TestRegions(t *testing.T) {
	r, err := Regions("eu-west-1", 4)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"eu-west-1", "us-east-1", "us-east-2", "us-west-1"}; !slices.Equal(r, want) {
		t.Errorf("Regions(eu-west-1, 4) = %v, want %v", r, want)
	}
	all, _ := Regions("us-east-1", MaxRegions)
	seen := map[string]bool{}
	for _, x := range all {
		if seen[x] || !inventory.IsRegion(x) {
			t.Errorf("region %q repeated or malformed", x)
		}
		seen[x] = true
	}
	if _, err := Regions("us-east-1", 18); err == nil {
		t.Error("18 regions accepted")
	}
}

func TestBuilderRejects(t *testing.T) {
	for _, o := range []Options{
		{ALZVersion: "banana"},
		{HomeRegion: "eu-west-1", Regions: []string{"us-east-1"}},
		{HomeRegion: "eu-west-1", Regions: []string{"eu-west-1", "us-east-1"}, ManifestRegions: []string{"us-east-1"}},
		{Regions: []string{"us-east-1", "nowhere"}},
	} {
		if _, err := NewBuilder(o); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
}

// CheckContract must be able to fail: break each rule once.
func TestCheckContractCatches(t *testing.T) {
	fresh := func() *inventory.Snapshot {
		return generate(t, Params{Accounts: 12, OUs: 3, Depth: 2, Regions: 2, Seed: 2, ConfigShare: 1})
	}
	member := func(s *inventory.Snapshot) *inventory.Account {
		for i := range s.Accounts {
			if s.Accounts[i].ID != s.Organization.ManagementAccountID {
				return &s.Accounts[i]
			}
		}
		return nil
	}
	for name, breakIt := range map[string]func(s *inventory.Snapshot){
		"missing region entry":  func(s *inventory.Snapshot) { a := member(s); a.Regions = a.Regions[:1] },
		"wrong access role":     func(s *inventory.Snapshot) { member(s).AccessRole = OrgAccessRole },
		"unreadable no problem": func(s *inventory.Snapshot) { a := member(s); a.IAM, a.AccessRole, a.Regions = nil, "", nil },
		"manifest regions":      func(s *inventory.Snapshot) { s.ALZ.ManifestRegions = s.ALZ.ManifestRegions[:1] },
		"core OU":               func(s *inventory.Snapshot) { s.ALZ.CoreOUID = "" },
		"log archive":           func(s *inventory.Snapshot) { s.ALZ.LogArchiveAccountID = s.ALZ.SecurityAccountID },
		"management role": func(s *inventory.Snapshot) {
			s.Accounts[0].AccessRole = "x"
			s.Organization.ManagementAccountID = s.Accounts[0].ID
		},
		"FullAWSAccess": func(s *inventory.Snapshot) {
			for i := range s.Policies {
				if s.Policies[i].ID == FullAWSAccessID {
					s.Policies[i].Targets = s.Policies[i].Targets[:1]
				}
			}
		},
		"version": func(s *inventory.Snapshot) { s.ALZ.Version = "9.9.9" },
	} {
		s := fresh()
		breakIt(s)
		if bad := CheckContract(s); len(bad) == 0 {
			t.Errorf("%s: not caught", name)
		}
	}
	if bad := CheckContract(fresh()); len(bad) != 0 {
		t.Errorf("clean snapshot flagged: %v", bad)
	}
}

// BenchmarkGenerate reports how long the largest supported shape takes to generate and encode
// (make bench). Run: go test -run '^$' -bench Generate -benchtime 1x ./orggen
func BenchmarkGenerate(b *testing.B) {
	for _, c := range []struct {
		name string
		p    Params
	}{
		{"1000x2", Params{Accounts: 1000, OUs: 60, Depth: 4, Regions: 2, ConfigShare: 0.95, SCPDensity: 0.3}},
		{"10000x17", Params{Accounts: 10000, OUs: 400, Depth: 5, Regions: 17, ConfigShare: 0.95, SCPDensity: 0.3}},
	} {
		b.Run(c.name, func(b *testing.B) {
			var size int
			for i := 0; i < b.N; i++ {
				s, err := Generate(c.p)
				if err != nil {
					b.Fatal(err)
				}
				data, err := inventory.Encode(s)
				if err != nil {
					b.Fatal(err)
				}
				size = len(data)
			}
			b.ReportMetric(float64(size)/1e6, "MB")
		})
	}
}

// The generator's regions are the ones every account has enabled: no opt-in region, since a
// generated account's regions[] would then depend on its optInRegions.
func TestGeneratorRegionsNeedNoOptIn(t *testing.T) {
	for _, r := range commercialRegions {
		reg, ok := inventory.LookupRegion(r)
		if !ok || reg.OptIn || reg.Partition != "aws" {
			t.Errorf("%s: %+v (known %v), want a commercial region that needs no opt-in", r, reg, ok)
		}
	}
	n := 0
	for _, r := range inventory.PartitionRegions("aws") {
		if !r.OptIn {
			n++
		}
	}
	if n != len(commercialRegions) {
		t.Errorf("%d regions need no opt-in, the generator knows %d", n, len(commercialRegions))
	}
}
