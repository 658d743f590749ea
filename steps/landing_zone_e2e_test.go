package steps_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/controltower"
	"github.com/aws/aws-sdk-go-v2/service/controltower/document"
	cttypes "github.com/aws/aws-sdk-go-v2/service/controltower/types"
	"github.com/aws/aws-sdk-go-v2/service/servicecatalog"
	sctypes "github.com/aws/aws-sdk-go-v2/service/servicecatalog/types"

	"github.com/lz2ct/lz2ct/awsapi"
	"github.com/lz2ct/lz2ct/engine/enginetest"
	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/journal"
	"github.com/lz2ct/lz2ct/plans"
	"github.com/lz2ct/lz2ct/sim"
)

// alz2-typical before the landing zone (enginetest.PrepareLandingZone), and the plan that sets it
// up and uses its outputs (enginetest.ControlTowerPlan).
const (
	home           = enginetest.CTHome
	newLogArchive  = enginetest.NewLogArchive
	newAudit       = enginetest.NewAudit
	workloadsOU    = enginetest.WorkloadsOU
	nonProdOU      = enginetest.NonProdOU
	dataPlatform   = enginetest.DataDev
	retailProd     = enginetest.RetailProd
	sandboxName    = enginetest.SandboxName
	landingZoneARN = enginetest.LandingZoneStep
)

func beforeLandingZone(t *testing.T) *inventory.Snapshot {
	t.Helper()
	snap, _ := loadOrg(t, "alz2-typical")
	enginetest.PrepareLandingZone(snap)
	if err := inventory.Validate(snap); err != nil {
		t.Fatal(err)
	}
	return snap
}

var landingZonePlan = enginetest.ControlTowerPlan

// The landing zone set up by API, then registrations and an enrollment that take its outputs.
func TestLandingZoneCreateAndItsOutputs(t *testing.T) {
	snap := beforeLandingZone(t)
	p := landingZonePlan(snap)
	srv, c := server(t, snap, sim.Options{})

	pv := preview(t, p, c)
	if lz := pv[landingZoneARN]; lz.State != "would change" || !strings.Contains(lz.Change, "create landing zone 3.3 in eu-west-1") {
		t.Errorf("preview: %+v", lz)
	}
	if e := pv["account.enroll/"+retailProd]; e.State != "later" {
		t.Errorf("preview of a step that needs the Sandbox OU: %+v", e)
	}
	noMutations(t, srv)

	dir := t.TempDir()
	mustComplete(t, applyPlan(t, p, c, dir))
	now := srv.Snapshot()
	if lz := now.ControlTower.LandingZone; lz == nil || lz.Status != "ACTIVE" || lz.LogArchiveAccountID != newLogArchive || lz.AuditAccountID != newAudit {
		t.Fatalf("landing zone %+v", lz)
	}
	st, err := journal.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	outs := st.Outputs(landingZoneARN)
	var sandbox string
	for _, ou := range now.OUs {
		if ou.Name == sandboxName && ou.ParentID == now.Roots[0].ID {
			sandbox = ou.ID
		}
	}
	if outs[plans.OutputLandingZoneARN] != now.ControlTower.LandingZone.Arn || outs[plans.OutputSandboxOUID] != sandbox || !strings.Contains(outs[plans.OutputIdentityCenterEnabledBaselineARN], ":enabledbaseline/") {
		t.Errorf("outputs %v (Sandbox OU %s)", outs, sandbox)
	}
	ous, accounts := registered(now)
	for _, want := range []string{workloadsOU, nonProdOU, sandbox} {
		if !ous[want] {
			t.Errorf("OU %s not registered", want)
		}
	}
	for _, a := range now.Accounts {
		switch a.ID {
		case dataPlatform, newLogArchive, newAudit:
			if !accounts[a.ID] {
				t.Errorf("account %s not enrolled", a.ID)
			}
		case retailProd:
			if !accounts[a.ID] || a.ParentID != sandbox {
				t.Errorf("retail-prod enrolled %v in %s, want the Sandbox OU %s", accounts[a.ID], a.ParentID, sandbox)
			}
		}
	}
	onceEach(t, applied(srv), []string{"CreateLandingZone landingzone/" + home, "EnableBaseline " + workloadsOU, "EnableBaseline " + nonProdOU, "ProvisionProduct " + retailProd})
	declaredOnly(t, srv, p)
	serialized(t, srv, 1)
}

// A run that stopped right after AWS accepted a call without a token (CreateLandingZone,
// EnableBaseline) or with one (ProvisionProduct) never makes it again: Observe finds the operation
// in progress and the engine waits on it.
func TestObserveFollowsOperationsAStoppedRunStarted(t *testing.T) {
	snap := beforeLandingZone(t)
	p := landingZonePlan(snap)
	srv, c := server(t, snap, sim.Options{TimeScale: 2000})
	ctx := context.Background()
	ct := controltower.NewFromConfig(awsapi.InRegion(c.Management(), home))
	sc := servicecatalog.NewFromConfig(awsapi.InRegion(c.Management(), home))
	dir := t.TempDir()
	// only keeps the landing zone (done by the first run) and one more step.
	only := func(id string) *plans.Plan {
		q := *p
		q.Phases = nil
		for _, ph := range p.Phases {
			nph := ph
			nph.Steps = nil
			for _, s := range ph.Steps {
				if s.ID == id || s.ID == landingZoneARN {
					s.DependsOn = slices.DeleteFunc(slices.Clone(s.DependsOn), func(d string) bool { return d != landingZoneARN })
					nph.Steps = append(nph.Steps, s)
				}
			}
			q.Phases = append(q.Phases, nph)
		}
		q.ExecutionOrder = []string{landingZoneARN}
		if id != landingZoneARN {
			q.ExecutionOrder = append(q.ExecutionOrder, id)
		}
		return &q
	}

	// The lost CreateLandingZone: accepted by AWS, never journaled.
	manifest := map[string]any{"governedRegions": []string{"eu-central-1", home},
		"organizationStructure": map[string]any{"security": map[string]any{"name": "Security"}, "sandbox": map[string]any{"name": sandboxName}},
		"centralizedLogging":    map[string]any{"accountId": newLogArchive, "enabled": true}, "securityRoles": map[string]any{"accountId": newAudit},
		"accessManagement": map[string]any{"enabled": true}}
	if _, err := ct.CreateLandingZone(ctx, &controltower.CreateLandingZoneInput{Version: aws.String("3.3"), Manifest: document.NewLazyDocument(manifest)}); err != nil {
		t.Fatal(err)
	}
	mustComplete(t, applyPlan(t, only(landingZoneARN), c, dir))
	st, err := journal.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	outs := st.Outputs(landingZoneARN)

	// The lost EnableBaseline.
	arn := "arn:aws:organizations::" + snap.Organization.ManagementAccountID + ":ou/" + snap.Organization.ID + "/" + workloadsOU
	if _, err := ct.EnableBaseline(ctx, &controltower.EnableBaselineInput{BaselineIdentifier: aws.String("arn:aws:controltower:" + home + "::baseline/17BSJV3IGJ2QSGA2"),
		BaselineVersion: aws.String("4.0"), TargetIdentifier: aws.String(arn),
		Parameters: []cttypes.EnabledBaselineParameter{{Key: aws.String("IdentityCenterEnabledBaselineArn"), Value: document.NewLazyDocument(outs[plans.OutputIdentityCenterEnabledBaselineARN])}}}); err != nil {
		t.Fatal(err)
	}
	mustComplete(t, applyPlan(t, only("baseline.enable/"+workloadsOU), c, dir))

	// The lost ProvisionProduct, with the step's token.
	e := stepsOf(p, plans.KindAccountEnroll)[0].Params.(plans.AccountEnroll)
	param := func(k, v string) sctypes.ProvisioningParameter {
		return sctypes.ProvisioningParameter{Key: aws.String(k), Value: aws.String(v)}
	}
	if _, err := sc.ProvisionProduct(ctx, &servicecatalog.ProvisionProductInput{ProductName: aws.String(inventory.AccountFactoryProduct),
		ProvisioningArtifactName: aws.String(inventory.AccountFactoryProduct), ProvisionedProductName: aws.String(e.ProvisionedProductName),
		ProvisionToken: aws.String(e.ProvisionToken), ProvisioningParameters: []sctypes.ProvisioningParameter{param("AccountName", e.AccountName),
			param("AccountEmail", e.AccountEmail), param("SSOUserEmail", e.SSOUserEmail), param("SSOUserFirstName", "Admin"),
			param("SSOUserLastName", "User"), param("ManagedOrganizationalUnit", sandboxName+" ("+outs[plans.OutputSandboxOUID]+")")}}); err != nil {
		t.Fatal(err)
	}
	mustComplete(t, applyPlan(t, only("account.enroll/"+retailProd), c, dir))

	onceEach(t, applied(srv), []string{"CreateLandingZone landingzone/" + home, "EnableBaseline " + workloadsOU, "ProvisionProduct " + retailProd})
	for _, call := range srv.Calls() {
		if call.Mutating && call.Code != "" {
			t.Errorf("%s %s answered %s: the engine called again instead of waiting", call.Operation, call.Target, call.Code)
		}
		if call.Replay {
			t.Errorf("%s replayed: Observe should have found the record", call.Operation)
		}
	}
	if _, accounts := registered(srv.Snapshot()); !accounts[retailProd] {
		t.Error("retail-prod not enrolled")
	}
}

// landing-zone.verify: an ACTIVE, in-sync landing zone of the plan's version with the expected
// shared accounts gives its outputs; anything else stops the run with what to do.
func TestLandingZoneVerify(t *testing.T) {
	_, s := loadOrg(t, "alz2-ct-ready")
	for _, tc := range []struct {
		name   string
		change func(*inventory.Snapshot, *plans.LandingZoneVerify)
		want   string // "" = done
	}{
		{"ready", func(*inventory.Snapshot, *plans.LandingZoneVerify) {}, ""},
		{"console set-up with the expected e-mails", func(_ *inventory.Snapshot, p *plans.LandingZoneVerify) {
			p.LogArchiveEmail, p.AuditEmail = "aws+ct-log-archive@acme-corp.example", "aws+CT-audit@acme-corp.example"
		}, ""},
		{"failed", func(s *inventory.Snapshot, _ *plans.LandingZoneVerify) { s.ControlTower.LandingZone.Status = "FAILED" },
			"is FAILED: read why in the Control Tower console, repair it (aws controltower reset-landing-zone"},
		{"processing", func(s *inventory.Snapshot, _ *plans.LandingZoneVerify) {
			s.ControlTower.LandingZone.Status = "PROCESSING"
		},
			"is PROCESSING (an operation on it is in progress): wait until"},
		{"drifted", func(s *inventory.Snapshot, _ *plans.LandingZoneVerify) {
			s.ControlTower.LandingZone.DriftStatus = "DRIFTED"
		},
			"has drifted: repair it"},
		{"too old", func(s *inventory.Snapshot, p *plans.LandingZoneVerify) { p.MinVersion = "3.10" },
			"is version 3.3; the plan needs 3.10 or later: update it"},
		{"other shared account", func(_ *inventory.Snapshot, p *plans.LandingZoneVerify) {
			p.AuditEmail = "someone-else@acme-corp.example"
		},
			"Audit account 509183726440 has the e-mail"},
		{"none", func(s *inventory.Snapshot, _ *plans.LandingZoneVerify) {
			s.ControlTower = inventory.ControlTower{EnabledBaselines: []inventory.EnabledBaseline{}}
		},
			"there is no Control Tower landing zone in eu-west-1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			snap, _ := loadOrg(t, "alz2-ct-ready")
			p := subplan(planOf(t, snap, s), plans.KindLandingZoneVerify)
			v := p.Phases[1].Steps[0].Params.(plans.LandingZoneVerify)
			tc.change(snap, &v)
			p.Phases[1].Steps[0].Params = v
			srv, c := server(t, snap, sim.Options{})
			dir := t.TempDir()
			sum := applyPlan(t, p, c, dir)
			noMutations(t, srv)
			if tc.want == "" {
				mustComplete(t, sum)
				st, _ := journal.Read(dir)
				outs := st.Outputs(plans.KindLandingZoneVerify)
				lz := snap.ControlTower.LandingZone
				if outs[plans.OutputLandingZoneARN] != lz.Arn || outs[plans.OutputLogArchiveAccountID] != lz.LogArchiveAccountID ||
					outs[plans.OutputAuditAccountID] != lz.AuditAccountID || !strings.Contains(outs[plans.OutputIdentityCenterEnabledBaselineARN], "enabledbaseline/") {
					t.Errorf("outputs %v", outs)
				}
				return
			}
			if len(sum.Failed) != 1 || !strings.Contains(sum.Failed[0].Error, tc.want) {
				t.Errorf("failed %+v, want %q", sum.Failed, tc.want)
			}
		})
	}
}

// Phase 1 of alz2-typical from the planner: the two shared accounts created (account.create) and
// the landing zone set up with their IDs (outputs of those steps in its manifest), with the
// service roles in place (what iam-role.create leaves). alz2-typical has a root-level OU named
// Sandbox, so the landing zone makes none and its sandboxOuId is empty.
func TestLandingZoneFromThePlan(t *testing.T) {
	snap, s := loadOrg(t, "alz2-typical")
	p := subplan(planOf(t, snap, s), plans.KindTrustedAccessDisable, plans.KindAccountCreate, plans.KindLandingZoneCreate)
	if len(stepsOf(p, plans.KindAccountCreate)) != 2 || len(stepsOf(p, plans.KindLandingZoneCreate)) != 1 {
		t.Fatalf("the plan has %d account.create and %d landing-zone.create steps", len(stepsOf(p, plans.KindAccountCreate)), len(stepsOf(p, plans.KindLandingZoneCreate)))
	}
	for i := range snap.Accounts {
		if snap.Accounts[i].ID == snap.Organization.ManagementAccountID {
			for _, r := range enginetest.CTServiceRoles {
				snap.Accounts[i].ReservedNames = append(snap.Accounts[i].ReservedNames, inventory.NamedResource{Type: inventory.ResourceIAMRole, Name: r})
			}
		}
	}
	srv, c := server(t, snap, sim.Options{})
	dir := t.TempDir()
	mustComplete(t, applyPlan(t, p, c, dir))
	now := srv.Snapshot()
	lz := now.ControlTower.LandingZone
	if lz == nil || lz.Status != "ACTIVE" || lz.SandboxOUName != "" {
		t.Fatalf("landing zone %+v", lz)
	}
	email := map[string]string{}
	for _, a := range now.Accounts {
		email[a.ID] = a.Email
	}
	if email[lz.LogArchiveAccountID] != s.LogArchiveEmail || email[lz.AuditAccountID] != s.AuditEmail {
		t.Errorf("shared accounts %s (%s), %s (%s); want the settings' e-mails %s, %s", lz.LogArchiveAccountID, email[lz.LogArchiveAccountID],
			lz.AuditAccountID, email[lz.AuditAccountID], s.LogArchiveEmail, s.AuditEmail)
	}
	st, err := journal.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if outs := st.Outputs(plans.KindLandingZoneCreate); outs[plans.OutputLandingZoneARN] != lz.Arn || outs[plans.OutputSandboxOUID] != "" {
		t.Errorf("outputs %v", outs)
	}
	declaredOnly(t, srv, p)
	got := applied(srv)
	if got["CreateLandingZone landingzone/"+lz.HomeRegion] != 1 || got["CreateAccount "+strings.ToLower(s.LogArchiveEmail)] != 1 || got["CreateAccount "+strings.ToLower(s.AuditEmail)] != 1 || len(got) != 3 {
		t.Errorf("mutations %v", got)
	}
}
