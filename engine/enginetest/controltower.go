package enginetest

import (
	"slices"

	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/plans"
)

// The Control Tower part of a migration, by hand, for alz2-typical (testdata/orgs): the landing
// zone set up by API, two OUs registered with the IdentityCenterBaseline it made, one account
// enrolled into the Sandbox OU it made, so each later step takes a landing-zone.create output.

// IDs of alz2-typical the Control Tower plan uses.
const (
	// CTHome is the landing zone's home region.
	CTHome = "eu-west-1"
	// NewLogArchive and NewAudit are the accounts PrepareLandingZone adds for the landing zone.
	NewLogArchive = "100000000001"
	NewAudit      = "100000000002"
	// WorkloadsOU (no account directly in it) and NonProdOU (data-platform-dev) are registered.
	WorkloadsOU = "ou-wkmz-24zd7qqm"
	NonProdOU   = "ou-wkmz-u72tm7le"
	DataDev     = "563438319672"
	// RetailProd is enrolled into the Sandbox OU the landing zone creates.
	RetailProd  = "980677781466"
	SandboxName = "Experiments"
	// LandingZoneStep is the plan's landing-zone.create step.
	LandingZoneStep = plans.KindLandingZoneCreate
)

// CTServiceRoles are the management account's roles CreateLandingZone needs (walkthrough-api-setup).
var CTServiceRoles = []string{"AWSControlTowerAdmin", "AWSControlTowerCloudTrailRole", "AWSControlTowerStackSetRole",
	"AWSControlTowerConfigAggregatorRoleForOrganizations"}

// PrepareLandingZone leaves alz2-typical as the plan's earlier phase-1 steps (iam-role.create,
// account.create) would: the service roles in the management account, two new accounts for Log
// Archive and Audit at the root; and the accounts the plan enrolls ready for Control Tower
// (ReadyForControlTower).
func PrepareLandingZone(snap *inventory.Snapshot) {
	mgmt, org := snap.Organization.ManagementAccountID, snap.Organization.ID
	for i := range snap.Accounts {
		if snap.Accounts[i].ID == mgmt {
			for _, r := range CTServiceRoles {
				snap.Accounts[i].ReservedNames = append(snap.Accounts[i].ReservedNames, inventory.NamedResource{Type: inventory.ResourceIAMRole, Name: r})
			}
		}
	}
	for _, a := range []struct{ id, name string }{{NewLogArchive, "ct-log-archive"}, {NewAudit, "ct-audit"}} {
		acct := inventory.Account{ID: a.id, Arn: "arn:aws:organizations::" + mgmt + ":account/" + org + "/" + a.id, Name: a.name,
			Email: "aws+" + a.name + "@acme-corp.example", Status: inventory.AccountActive, JoinedMethod: "CREATED", JoinedAt: snap.CapturedAt,
			ParentID: snap.Roots[0].ID, AccessRole: "OrganizationAccountAccessRole", IAM: &inventory.AccountIAM{OrganizationAccountAccessRole: true}}
		for _, r := range snap.Regions {
			acct.Regions = append(acct.Regions, inventory.AccountRegion{Region: r})
		}
		snap.Accounts = append(snap.Accounts, acct)
	}
	ReadyForControlTower(snap, DataDev, RetailProd)
	snap.Sort()
}

// ReadyForControlTower makes accounts pass Control Tower's account pre-checks as the plan's Config
// removal and AWSControlTowerExecution steps would leave them: no customer-managed Config recorder
// or delivery channel, the execution role present.
func ReadyForControlTower(snap *inventory.Snapshot, accounts ...string) {
	for i := range snap.Accounts {
		a := &snap.Accounts[i]
		if !slices.Contains(accounts, a.ID) {
			continue
		}
		if a.IAM == nil {
			a.IAM = &inventory.AccountIAM{}
		}
		a.IAM.ControlTowerExecutionRole = true
		for j := range a.Regions {
			r := &a.Regions[j]
			r.ConfigRecorders = slices.DeleteFunc(r.ConfigRecorders, func(c inventory.ConfigRecorder) bool { return !c.ServiceLinked })
			r.DeliveryChannels = nil
		}
	}
}

// ControlTowerPlan is the plan: the landing zone (phase 1), Workloads and Workloads/NonProd
// registered and retail-prod enrolled into the Sandbox OU (phase 4).
func ControlTowerPlan(snap *inventory.Snapshot) *plans.Plan {
	p := emptyPlan(snap, "enginetest.ControlTowerPlan")
	ic := plans.Out(LandingZoneStep, plans.OutputIdentityCenterEnabledBaselineARN)
	ouArn := func(id string) plans.Value {
		return plans.Lit("arn:aws:organizations::" + snap.Organization.ManagementAccountID + ":ou/" + snap.Organization.ID + "/" + id)
	}
	p.Phases[1].Steps = []plans.Step{{ID: LandingZoneStep, Kind: plans.KindLandingZoneCreate, Title: "Set up the landing zone 3.3 in " + CTHome,
		Why: "Control Tower runs first", Target: plans.Target{Region: CTHome},
		Params: plans.LandingZoneCreate{Region: CTHome, Version: "3.3", Manifest: plans.LandingZoneManifest{GovernedRegions: []string{"eu-central-1", CTHome},
			SecurityOUName: "Security", SandboxOUName: SandboxName, LogArchiveAccountID: plans.Lit(NewLogArchive), AuditAccountID: plans.Lit(NewAudit),
			LoggingRetentionDays: 365, AccessLoggingRetentionDays: 3650, AccessManagement: true}}}}
	reg := func(ou, parent string) plans.Step {
		deps := []string{LandingZoneStep}
		if parent != "" {
			deps = append(deps, plans.KindBaselineEnable+"/"+parent)
		}
		return plans.Step{ID: plans.KindBaselineEnable + "/" + ou, Kind: plans.KindBaselineEnable, Title: "Register " + ou, Why: "parents first",
			Target: plans.Target{OUID: ou}, DependsOn: deps,
			Params: plans.BaselineEnable{Region: CTHome, BaselineName: inventory.BaselineControlTower, BaselineVersion: "4.0", OUID: plans.Lit(ou), OUARN: ouArn(ou),
				IdentityCenterEnabledBaselineARN: ic}}
	}
	p.Phases[4].Steps = []plans.Step{reg(WorkloadsOU, ""), reg(NonProdOU, WorkloadsOU),
		{ID: plans.KindAccountEnroll + "/" + RetailProd, Kind: plans.KindAccountEnroll, Title: "Enroll retail-prod into " + SandboxName, Why: "one by one",
			Target: plans.Target{AccountID: RetailProd}, DependsOn: []string{LandingZoneStep},
			Params: plans.AccountEnroll{Region: CTHome, ProductName: inventory.AccountFactoryProduct, AccountID: RetailProd, AccountName: "retail-prod",
				AccountEmail: "aws+retail-prod@acme-corp.example", SSOUserEmail: "aws+retail-prod@acme-corp.example", SSOUserFirstName: "Admin", SSOUserLastName: "User",
				OUName: SandboxName, OUID: plans.Out(LandingZoneStep, plans.OutputSandboxOUID), ProvisionedProductName: "retail-prod",
				ProvisionToken: "lz2ct-0123456789abcdef01234567"}}}
	order(p)
	return p
}

func emptyPlan(snap *inventory.Snapshot, from string) *plans.Plan {
	p := &plans.Plan{Version: plans.Version, Organization: snap.Organization.ID, SnapshotHash: "sha256:test", CreatedFrom: from}
	p.Settings.AccountConcurrency = 1
	for i, id := range plans.PhaseIDs {
		p.Phases = append(p.Phases, plans.Phase{Number: i, ID: id, Name: id, EstimateSeconds: 60})
	}
	p.Accounts = append(p.Accounts, plans.AccountDisposition{AccountID: snap.Organization.ManagementAccountID, How: plans.HowManagement})
	return p
}

// order sets the execution order: phase by phase, steps in the order given.
func order(p *plans.Plan) {
	p.ExecutionOrder = nil
	for _, ph := range p.Phases {
		for _, s := range ph.Steps {
			p.ExecutionOrder = append(p.ExecutionOrder, s.ID)
		}
	}
}

// Subplan keeps the steps of the given kinds (and the verify checkpoints between them), with their
// dependencies on one another: a test prepares the organization as the steps of other kinds would
// have left it.
func Subplan(p *plans.Plan, kinds ...string) *plans.Plan {
	keep := map[string]bool{}
	for _, ph := range p.Phases {
		for _, s := range ph.Steps {
			if slices.Contains(kinds, s.Kind) || s.Kind == plans.KindVerify {
				keep[s.ID] = true
			}
		}
	}
	out := *p
	out.Phases = nil
	for _, ph := range p.Phases {
		nph := ph
		nph.Steps = nil
		for _, s := range ph.Steps {
			if !keep[s.ID] {
				continue
			}
			s.DependsOn = slices.DeleteFunc(slices.Clone(s.DependsOn), func(d string) bool { return !keep[d] })
			nph.Steps = append(nph.Steps, s)
		}
		out.Phases = append(out.Phases, nph)
	}
	out.ExecutionOrder = slices.DeleteFunc(slices.Clone(p.ExecutionOrder), func(id string) bool { return !keep[id] })
	return &out
}

// Merge appends the steps of q (another plan of the same organization) to p's phases, in order.
func Merge(p, q *plans.Plan) *plans.Plan {
	out := *p
	out.Phases = slices.Clone(p.Phases)
	for i := range out.Phases {
		out.Phases[i].Steps = append(slices.Clone(p.Phases[i].Steps), q.Phases[i].Steps...)
	}
	order(&out)
	return &out
}

// Phase6Plan is a plan of the given steps in phase 6, in the order given (a test of one step).
func Phase6Plan(snap *inventory.Snapshot, ss ...plans.Step) *plans.Plan {
	p := emptyPlan(snap, "enginetest.Phase6Plan")
	for _, s := range ss {
		if s.Title == "" {
			s.Title, s.Why = s.ID, "test"
		}
		p.Phases[6].Steps = append(p.Phases[6].Steps, s)
	}
	order(p)
	return p
}
