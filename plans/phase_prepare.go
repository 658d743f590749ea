package plans

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/settings"
)

// Phases 0 (safeguard) and 1 (deploy Control Tower).

// ---- phase 0: safeguard ----

func (b *builder) exportStepSCP(p *inventory.Policy) string {
	return "safeguard/scp/" + p.ID
}

func (b *builder) safeguard() {
	for i := range b.snap.Policies {
		p := &b.snap.Policies[i]
		if p.AWSManaged {
			continue
		}
		b.add(0, Step{ID: b.exportStepSCP(p), Kind: KindExport,
			Title:    fmt.Sprintf("Export SCP %s (%s) and its targets", p.Name, p.ID),
			Why:      "the migration detaches ALZ's SCPs and may merge others; the export is what a rollback re-attaches",
			Target:   Target{Resource: p.ID},
			CLI:      []string{"aws organizations describe-policy --policy-id " + p.ID, "aws organizations list-targets-for-policy --policy-id " + p.ID},
			Expected: "the policy document and its target list are saved in the state folder"})
	}
	alz := b.snap.ALZ
	if alz == nil {
		return
	}
	for _, ss := range alz.StackSets {
		b.add(0, Step{ID: "safeguard/stackset/" + ss.Name, Kind: KindExport,
			Title:  "Export StackSet " + ss.Name + " (template, parameters, instances)",
			Why:    "StackSet instances are deleted in phases 3 and 6; the template is what recreates them",
			Target: Target{Region: b.alzReg, Resource: ss.Name},
			CLI: []string{"aws cloudformation describe-stack-set --stack-set-name " + ss.Name + " --region " + b.alzReg,
				"aws cloudformation list-stack-instances --stack-set-name " + ss.Name + " --region " + b.alzReg},
			Expected: "template body and instance list saved in the state folder"})
	}
	if len(alz.SSMParameters) > 0 {
		b.add(0, Step{ID: "safeguard/ssm-parameters", Kind: KindExport,
			Title:    fmt.Sprintf("Export %d landing zone SSM parameters", len(alz.SSMParameters)),
			Why:      "decommission deletes them; tools may still read their values",
			Target:   Target{Region: b.alzReg, Resource: "/org/"},
			CLI:      []string{"aws ssm get-parameters-by-path --path /org/ --recursive --with-decryption --region " + b.alzReg},
			Expected: "every parameter name and value saved in the state folder"})
	}
	if len(alz.Portfolios) > 0 {
		b.add(0, Step{ID: "safeguard/portfolios", Kind: KindExport,
			Title:    fmt.Sprintf("Export %d ALZ Service Catalog portfolios (products, principals, constraints)", len(alz.Portfolios)),
			Why:      "decommission empties and deletes them",
			Target:   Target{Region: b.alzReg, Resource: "servicecatalog"},
			CLI:      []string{"aws servicecatalog list-portfolios --region " + b.alzReg},
			Expected: "portfolio definitions saved in the state folder"})
	}
	for _, bk := range alz.Buckets {
		if strings.HasPrefix(bk.Name, "aws-landing-zone-configuration-") {
			b.add(0, Step{ID: "safeguard/manifest", Kind: KindExport,
				Title:    "Export the ALZ manifest and templates from " + bk.Name,
				Why:      "the configuration bucket is deleted in decommission; the manifest documents the old setup",
				Target:   Target{AccountID: bk.AccountID, Region: bk.Region, Resource: bk.Name},
				CLI:      []string{"aws s3 cp s3://" + bk.Name + "/ ./alz-configuration/ --recursive"},
				Expected: "manifest.yaml and the templates saved in the state folder"})
			break
		}
	}
}

// ---- phase 1: deploy Control Tower ----

func (b *builder) deploy() {
	var deps []string
	for _, svc := range []string{"config.amazonaws.com", "cloudtrail.amazonaws.com"} {
		// Matched as org.trusted-access matches it (case-insensitively), which marks its finding
		// fixed by this step.
		if !slices.ContainsFunc(b.snap.TrustedServices, func(t string) bool { return strings.EqualFold(t, svc) }) || b.snap.ControlTower.LandingZone != nil {
			continue
		}
		deps = append(deps, b.add(1, Step{ID: "deploy/trusted-access/" + svc, Kind: KindManual,
			Title:       "Disable trusted access for " + svc,
			Why:         "Control Tower's pre-launch check refuses an organization with trusted access for AWS Config or CloudTrail (getting-started-prereqs)",
			Target:      Target{Resource: svc},
			Destructive: true,
			CLI:         []string{"aws organizations disable-aws-service-access --service-principal " + svc},
			Guard:       "no delegated administrator is registered for " + svc + " and no organization trail/aggregator depends on it",
			Expected:    svc + " no longer listed by aws organizations list-aws-service-access-for-organization",
			Rollback:    "aws organizations enable-aws-service-access --service-principal " + svc}))
	}
	lz := b.snap.ControlTower.LandingZone
	if lz != nil {
		b.deployStep = b.add(1, Step{ID: "deploy/landing-zone", Kind: KindVerifyLandingZone,
			Title:    "Verify the existing landing zone (version " + lz.Version + ", home region " + lz.HomeRegion + ")",
			Why:      "Control Tower is already deployed; the plan builds on it",
			Target:   Target{Region: lz.HomeRegion, Resource: lz.Arn},
			CLI:      []string{"aws controltower get-landing-zone --landing-zone-identifier " + lz.Arn + " --region " + lz.HomeRegion},
			Guard:    "status ACTIVE",
			Expected: "status ACTIVE, drift status IN_SYNC"})
		return
	}
	manifest := "governedRegions " + strings.Join(b.s.GovernedRegions, ",")
	if b.s.CTDeploy == settings.CTDeployManual {
		b.deployStep = b.add(1, Step{ID: "deploy/landing-zone", Kind: KindVerifyLandingZone, Manual: true, DependsOn: deps,
			Title:  "Set up the landing zone in the Control Tower console, in " + b.home,
			Why:    "ctDeploy: manual — you set it up in the console; lz2ct then verifies it",
			Target: Target{Region: b.home},
			Guard:  "console region is " + b.home + " (the IAM Identity Center region when Identity Center is used)",
			CLI: []string{"aws controltower list-landing-zones --region " + b.home,
				"aws controltower get-landing-zone --landing-zone-identifier <arn> --region " + b.home},
			Expected:        fmt.Sprintf("landing zone ACTIVE in %s; %s; Log Archive %s and Audit %s accounts created", b.home, manifest, b.s.LogArchiveEmail, b.s.AuditEmail),
			EstimateSeconds: 60 * 60})
		return
	}
	la := b.add(1, Step{ID: "deploy/account/log-archive", Kind: KindDeployLandingZone, DependsOn: deps,
		Title:    fmt.Sprintf("Create the %s account (%s)", b.s.LogArchiveAccountName, b.s.LogArchiveEmail),
		Why:      "landing zone 3.x needs the Log Archive and Audit accounts to exist before CreateLandingZone",
		Target:   Target{Resource: b.s.LogArchiveEmail},
		CLI:      []string{fmt.Sprintf("aws organizations create-account --email %s --account-name %q", b.s.LogArchiveEmail, b.s.LogArchiveAccountName), "aws organizations describe-create-account-status --create-account-request-id <id>"},
		Guard:    "no account in the organization uses " + b.s.LogArchiveEmail + " (CreateAccount has no idempotency token: the e-mail is the de-duplication key)",
		Expected: "state SUCCEEDED with the new account ID", Rollback: "close the new account (aws organizations close-account)",
		EstimateSeconds: 5 * 60})
	au := b.add(1, Step{ID: "deploy/account/audit", Kind: KindDeployLandingZone, DependsOn: deps,
		Title:    fmt.Sprintf("Create the %s account (%s)", b.s.AuditAccountName, b.s.AuditEmail),
		Why:      "landing zone 3.x needs the Log Archive and Audit accounts to exist before CreateLandingZone",
		Target:   Target{Resource: b.s.AuditEmail},
		CLI:      []string{fmt.Sprintf("aws organizations create-account --email %s --account-name %q", b.s.AuditEmail, b.s.AuditAccountName), "aws organizations describe-create-account-status --create-account-request-id <id>"},
		Guard:    "no account in the organization uses " + b.s.AuditEmail,
		Expected: "state SUCCEEDED with the new account ID", Rollback: "close the new account (aws organizations close-account)",
		EstimateSeconds: 5 * 60})
	b.deployStep = b.add(1, Step{ID: "deploy/landing-zone", Kind: KindDeployLandingZone, DependsOn: []string{la, au},
		Title:  "Deploy the landing zone " + LandingZoneVersion + " in " + b.home,
		Why:    "Control Tower must run before OUs can be registered; home region = the IAM Identity Center region when Identity Center exists",
		Target: Target{Region: b.home},
		CLI: []string{"cat > landing-zone-manifest.json <<'EOF'\n" + b.manifest() + "\nEOF",
			"aws controltower create-landing-zone --landing-zone-version " + LandingZoneVersion + " --manifest file://landing-zone-manifest.json --region " + b.home,
			"aws controltower get-landing-zone-operation --operation-identifier <id> --region " + b.home},
		Guard:           "no landing zone exists yet (aws controltower list-landing-zones is empty); Control Tower's pre-launch checks pass",
		Expected:        fmt.Sprintf("operation SUCCEEDED; landing zone ACTIVE; %s; Security OU %q and Sandbox OU %q", manifest, b.securityOUName(), b.sandboxOUName()),
		Rollback:        "aws controltower delete-landing-zone --landing-zone-identifier <arn> (decommissions Control Tower)",
		EstimateSeconds: 30 * 60})
}

// manifest is the landing zone 3.x manifest (AWS Control Tower user guide, lz-api-launch): governed
// regions, the Security and Sandbox OUs, centralized logging into the new Log Archive account,
// security roles in the new Audit account, IAM Identity Center access management. The two
// account IDs exist only after the deploy/account steps, hence the placeholders.
func (b *builder) manifest() string {
	m := map[string]any{
		"governedRegions": b.s.GovernedRegions,
		"organizationStructure": map[string]any{
			"security": map[string]string{"name": b.securityOUName()},
			"sandbox":  map[string]string{"name": b.sandboxOUName()},
		},
		"centralizedLogging": map[string]any{
			"accountId": "<account ID from deploy/account/log-archive>",
			"configurations": map[string]any{
				"loggingBucket":       map[string]int{"retentionDays": 365},
				"accessLoggingBucket": map[string]int{"retentionDays": 3650},
			},
			"enabled": true,
		},
		"securityRoles":    map[string]string{"accountId": "<account ID from deploy/account/audit>"},
		"accessManagement": map[string]bool{"enabled": true},
	}
	out, _ := json.MarshalIndent(m, "", "  ") // maps marshal with sorted keys: deterministic
	return string(out)
}
