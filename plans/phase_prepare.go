package plans

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/settings"
	"github.com/lz2ct/lz2ct/words"
)

// Phases 0 (safeguard) and 1 (deploy Control Tower). The commands of phase 0 write into exports/:
// run them from the state folder (docs/state.md), where the engine writes the same files.

// ---- phase 0: safeguard ----

func exportSCPStepID(policy string) string    { return KindExportSCP + "/" + policy }
func exportStackSetStepID(name string) string { return KindExportStackSet + "/" + name }

func (b *builder) safeguard() {
	for i := range b.snap.Policies {
		p := &b.snap.Policies[i]
		if p.AWSManaged {
			continue
		}
		path := "exports/scp/" + p.ID + ".json"
		b.add(0, Step{ID: exportSCPStepID(p.ID), Kind: KindExportSCP,
			Params: ExportSCP{PolicyID: p.ID, Path: path},
			Title:  fmt.Sprintf("Export SCP %s (%s) and its targets", p.Name, p.ID),
			Why:    "the migration detaches ALZ's SCPs and deletes them in decommission; the export is what a rollback re-creates and re-attaches",
			Target: Target{Resource: p.ID},
			CLI: []string{"mkdir -p exports/scp",
				"aws organizations describe-policy --policy-id " + p.ID + " --output json > " + path,
				"aws organizations list-targets-for-policy --policy-id " + p.ID + " --output json > exports/scp/" + p.ID + ".targets.json"},
			Expected: "the policy document and its target list are saved in the state folder (" + path + ")"})
	}
	alz := b.snap.ALZ
	if alz == nil {
		return
	}
	b.freeze(alz)
	for _, ss := range alz.StackSets {
		if ss.Status == "DELETED" {
			continue
		}
		path := "exports/stacksets/" + ss.Name + ".json"
		b.add(0, Step{ID: exportStackSetStepID(ss.Name), Kind: KindExportStackSet,
			Params: ExportStackSet{Region: b.alzReg, StackSetName: ss.Name, Path: path},
			Title:  "Export StackSet " + ss.Name + " (template, parameters, instances)",
			Why:    "StackSet instances are deleted in phases 3 and 6; the template is what recreates them",
			Target: Target{Region: b.alzReg, Resource: ss.Name},
			CLI: []string{"mkdir -p exports/stacksets",
				"aws cloudformation describe-stack-set --stack-set-name " + ss.Name + " --region " + b.alzReg + " --output json > " + path,
				"aws cloudformation list-stack-instances --stack-set-name " + ss.Name + " --region " + b.alzReg + " --output json > exports/stacksets/" + ss.Name + ".instances.json"},
			Expected: "template body and instance list saved in the state folder (" + path + ")"})
	}
	byRegion := map[string]int{}
	for _, p := range alz.SSMParameters {
		byRegion[p.Region]++
	}
	for _, r := range sortedKeys(byRegion) {
		path := SSMParametersExportPath(r)
		b.add(0, Step{ID: KindExportSSMParameters + "/" + r, Kind: KindExportSSMParameters,
			Params:   ExportSSMParameters{Region: r, ParameterPath: "/org/", Path: path},
			Title:    fmt.Sprintf("Export %s in %s", words.Count(byRegion[r], "landing zone SSM parameter"), r),
			Why:      "decommission deletes them; tools may still read their values",
			Target:   Target{Region: r, Resource: "/org/"},
			CLI:      []string{"aws ssm get-parameters-by-path --path /org/ --recursive --with-decryption --region " + r + " --output json > " + path},
			Expected: "every parameter name, type and value saved in the state folder (" + path + "; it holds decrypted values: the folder is private)"})
	}
	if len(alz.Portfolios) > 0 {
		var ids []string
		var cli []string
		cli = append(cli, "mkdir -p exports/portfolios")
		for _, pf := range alz.Portfolios {
			ids = append(ids, pf.ID)
			f := "exports/portfolios/" + pf.ID
			r := " --region " + b.alzReg + " --output json > "
			cli = append(cli,
				"aws servicecatalog describe-portfolio --id "+pf.ID+r+f+".json",
				"aws servicecatalog search-products-as-admin --portfolio-id "+pf.ID+r+f+".products.json",
				"aws servicecatalog list-principals-for-portfolio --portfolio-id "+pf.ID+r+f+".principals.json",
				"aws servicecatalog list-constraints-for-portfolio --portfolio-id "+pf.ID+r+f+".constraints.json")
		}
		b.add(0, Step{ID: KindExportPortfolios + "/" + b.alzReg, Kind: KindExportPortfolios,
			Params:   ExportPortfolios{Region: b.alzReg, PortfolioIDs: ids, Path: "exports/portfolios/"},
			Title:    fmt.Sprintf("Export %s (products, principals, constraints)", words.Count(len(alz.Portfolios), "ALZ Service Catalog portfolio")),
			Why:      "decommission empties and deletes them",
			Target:   Target{Region: b.alzReg, Resource: "servicecatalog"},
			CLI:      cli,
			Expected: "portfolio definitions saved in the state folder (exports/portfolios/)"})
	}
	for _, bk := range alz.Buckets {
		if strings.HasPrefix(bk.Name, "aws-landing-zone-configuration-") {
			path := "exports/buckets/" + bk.Name + "/"
			b.add(0, Step{ID: KindExportBucket + "/" + bk.Name, Kind: KindExportBucket,
				Params:   ExportBucket{AccountID: bk.AccountID, Region: bk.Region, Bucket: bk.Name, Path: path},
				Title:    "Export the ALZ manifest and templates from " + bk.Name,
				Why:      "the configuration bucket is deleted in decommission; the manifest documents the old setup",
				Target:   Target{AccountID: bk.AccountID, Region: bk.Region, Resource: bk.Name},
				CLI:      b.inAccount(bk.AccountID, "aws s3 cp s3://"+bk.Name+"/ "+path+" --recursive --region "+bk.Region),
				Expected: "manifest.yaml and the templates saved in the state folder (" + path + ")"})
		}
	}
}

// freeze disables the transition out of ALZ's source stage first: a push to the ALZ source during
// the migration would otherwise redeploy the SCPs and Config recorders the waves remove
// (https://docs.aws.amazon.com/codepipeline/latest/userguide/transitions.html). Every SCP detach
// and Config removal depends on it.
func (b *builder) freeze(alz *inventory.ALZ) {
	p := alz.Pipeline
	if p == nil || !p.SourceTransitionEnabled() {
		return
	}
	// DisabledReason allows letters, digits, spaces and !@().*?- only (no colon or comma):
	// https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_DisableStageTransition.html
	reason := "Migrating to AWS Control Tower with lz2ct - ALZ must not redeploy what the migration removes"
	region := p.Region
	if region == "" {
		region = b.alzReg
	}
	b.freezeStep = b.add(0, Step{ID: KindPipelineTransitionDisable + "/" + p.Name, Kind: KindPipelineTransitionDisable,
		Params: PipelineTransitionDisable{Region: region, PipelineName: p.Name, StageName: p.Stages[1], Reason: reason},
		Title:  "Freeze ALZ: disable the transition into " + p.Stages[1] + " of pipeline " + p.Name,
		Why:    "a change pushed to the ALZ source would start the pipeline and redeploy the SCPs and AWS Config the migration removes; every SCP detach and Config removal waits for this step (reference, step 6, done first)",
		Target: Target{Region: region, Resource: p.Name},
		CLI: []string{
			waitWhile(fmt.Sprintf("aws codepipeline list-pipeline-executions --pipeline-name %s --max-items 1 --region %s --query 'pipelineExecutionSummaries[0].status' --output text", p.Name, region), 30, "InProgress", "Stopping"),
			fmt.Sprintf("aws codepipeline disable-stage-transition --pipeline-name %s --stage-name %s --transition-type Inbound --reason %s --region %s", p.Name, p.Stages[1], quote(reason), region)},
		Guard:    "no pipeline execution in progress (one already past the source stage would still deploy)",
		Expected: "aws codepipeline get-pipeline-state shows the inbound transition of " + p.Stages[1] + " disabled",
		Rollback: fmt.Sprintf("aws codepipeline enable-stage-transition --pipeline-name %s --stage-name %s --transition-type Inbound --region %s (only to abandon the migration)", p.Name, p.Stages[1], region)})
}

// ---- phase 1: deploy Control Tower ----

// baselineVersion is the AWSControlTowerBaseline version that goes with a landing zone version
// (inventory.ControlTowerBaselineVersion); 4.0, the one of the version lz2ct deploys, when the
// version cannot be read.
func baselineVersion(lz string) string {
	if v := inventory.ControlTowerBaselineVersion(lz); v != "" {
		return v
	}
	return "4.0"
}

func (b *builder) lzVersion() string {
	if lz := b.snap.ControlTower.LandingZone; lz != nil && lz.Version != "" {
		return lz.Version
	}
	return LandingZoneVersion
}

func (b *builder) deploy() {
	defer b.blockDeploy()
	var deps []string
	lz := b.snap.ControlTower.LandingZone
	for _, svc := range []string{"cloudtrail.amazonaws.com", "config.amazonaws.com"} {
		// Matched as org.trusted-access matches it (case-insensitively), which marks its finding
		// fixed by this step.
		if lz != nil || !slices.ContainsFunc(b.snap.TrustedServices, func(t string) bool { return strings.EqualFold(t, svc) }) {
			continue
		}
		deps = append(deps, b.add(1, Step{ID: KindTrustedAccessDisable + "/" + svc, Kind: KindTrustedAccessDisable,
			Params:      TrustedAccessDisable{ServicePrincipal: svc},
			Title:       "Disable trusted access for " + svc,
			Why:         "Control Tower's pre-launch check refuses an organization with trusted access for AWS Config or CloudTrail (getting-started-prereqs)",
			Target:      Target{Resource: svc},
			Destructive: true,
			CLI:         []string{"aws organizations disable-aws-service-access --service-principal " + svc},
			Guard:       "no delegated administrator is registered for " + svc + " (organizations:ListDelegatedAdministrators); check by hand that no organization trail or aggregator you keep depends on it",
			Expected:    svc + " no longer listed by aws organizations list-aws-service-access-for-organization",
			Rollback:    "aws organizations enable-aws-service-access --service-principal " + svc}))
	}
	if lz != nil {
		b.deployStep = b.add(1, Step{ID: KindLandingZoneVerify, Kind: KindLandingZoneVerify,
			Params:   LandingZoneVerify{Region: lz.HomeRegion, MinVersion: "3.0"},
			Title:    "Verify the existing landing zone (version " + lz.Version + ", home region " + lz.HomeRegion + ")",
			Why:      "Control Tower is already deployed; the plan builds on it and reads its shared accounts and IdentityCenterBaseline",
			Target:   Target{Region: lz.HomeRegion, Resource: lz.Arn},
			CLI:      b.lzOutputsCLI(KindLandingZoneVerify, lz.HomeRegion),
			Guard:    "status ACTIVE",
			Expected: "status ACTIVE, drift status IN_SYNC"})
		return
	}
	manifest := "governed regions " + strings.Join(b.s.GovernedRegions, ", ")
	existing := b.sc.SharedAccountIDs() // [Log Archive, Audit] when ALZ's accounts are brought
	if len(existing) == 2 {
		deps = append(deps, b.prepareExisting(existing)...)
	}
	if b.s.CTDeploy == settings.CTDeployManual {
		accounts := fmt.Sprintf("New Log Archive account %q with e-mail %s; new Audit account %q with e-mail %s.", b.s.LogArchiveAccountName, b.s.LogArchiveEmail, b.s.AuditAccountName, b.s.AuditEmail)
		created := fmt.Sprintf("Log Archive %s and Audit %s accounts created", b.s.LogArchiveEmail, b.s.AuditEmail)
		if len(existing) == 2 {
			accounts = fmt.Sprintf("Choose to use existing accounts: as the Log Archive account ALZ's Log Archive account %s (e-mail %s), as the Audit account ALZ's Security account %s (e-mail %s).",
				existing[0], b.s.LogArchiveEmail, existing[1], b.s.AuditEmail)
			created = fmt.Sprintf("ALZ's accounts %s (Log Archive) and %s (Audit) in the Security OU", existing[0], existing[1])
		}
		manual := b.add(1, Step{ID: KindManual + "/landing-zone", Kind: KindManual, Manual: true, DependsOn: deps,
			Params: Manual{Instructions: []string{
				"Open the AWS Control Tower console in " + b.home + " (the IAM Identity Center region when Identity Center is used) and set up the landing zone.",
				fmt.Sprintf("Governed regions: %s. Security OU %q%s.", strings.Join(b.s.GovernedRegions, ", "), b.sc.SecurityOUName(), sandboxNote(b.sc.SandboxOUName())),
				accounts,
				"Wait until the console reports the landing zone set up, then confirm this step."},
				Verify: "landing-zone.verify reads the landing zone with controltower:ListLandingZones and GetLandingZone"},
			Title:           "Set up the landing zone in the Control Tower console, in " + b.home,
			Why:             "ctDeploy: manual — you set it up in the console; lz2ct then verifies it",
			Target:          Target{Region: b.home},
			Guard:           "console region is " + b.home,
			Expected:        fmt.Sprintf("landing zone ACTIVE in %s; %s; %s", b.home, manifest, created),
			EstimateSeconds: 60 * 60})
		b.deployStep = b.add(1, Step{ID: KindLandingZoneVerify, Kind: KindLandingZoneVerify, DependsOn: []string{manual},
			Params: LandingZoneVerify{Region: b.home, MinVersion: "3.0", LogArchiveEmail: b.s.LogArchiveEmail, AuditEmail: b.s.AuditEmail},
			Title:  "Verify the landing zone set up in the console",
			Why:    "the rest of the plan needs its ARN, shared accounts and IdentityCenterBaseline",
			Target: Target{Region: b.home},
			CLI:    b.lzOutputsCLI(KindLandingZoneVerify, b.home),
			Guard:  "status ACTIVE", Expected: "status ACTIVE; the Log Archive and Audit accounts have the chosen e-mails"})
		return
	}
	deps = append(deps, b.controlTowerRoles()...)
	logID, auditID := Lit(""), Lit("")
	guard := "no landing zone exists yet (aws controltower list-landing-zones is empty); Control Tower's pre-launch checks pass"
	if len(existing) == 2 {
		// ALZ's accounts, by ID: the manifest names the shared accounts by account ID
		// (https://docs.aws.amazon.com/controltower/latest/userguide/lz-api-launch.html).
		logID, auditID = Lit(existing[0]), Lit(existing[1])
		guard += "; ALZ's Log Archive and Security accounts hold no AWS Config recorder or delivery channel, nor resources named as Control Tower's (pre-checks shared.existing-*)"
	} else {
		la := b.createAccount("log-archive", b.s.LogArchiveAccountName, b.s.LogArchiveEmail)
		au := b.createAccount("audit", b.s.AuditAccountName, b.s.AuditEmail)
		deps = append(deps, la, au)
		logID, auditID = Out(la, OutputAccountID), Out(au, OutputAccountID)
	}
	m := LandingZoneManifest{GovernedRegions: b.s.GovernedRegions, SecurityOUName: b.sc.SecurityOUName(), SandboxOUName: b.sc.SandboxOUName(),
		LogArchiveAccountID: logID, AuditAccountID: auditID,
		LoggingRetentionDays: 365, AccessLoggingRetentionDays: 3650, AccessManagement: true}
	op := "LANDING_ZONE_OPERATION_ID"
	cli := []string{"cat > landing-zone-manifest.json <<EOF\n" + b.manifestJSON(m) + "\nEOF",
		op + "=$(aws controltower create-landing-zone --landing-zone-version " + LandingZoneVersion + " --manifest file://landing-zone-manifest.json --region " + b.home + " --query operationIdentifier --output text)",
		waitWhile(`aws controltower get-landing-zone-operation --operation-identifier "$`+op+`" --region `+b.home+" --query operationDetails.status --output text", 60, "IN_PROGRESS")}
	cli = append(cli, b.lzOutputsCLI(KindLandingZoneCreate, b.home)...)
	why := "Control Tower must run before OUs can be registered; home region = the IAM Identity Center region when Identity Center exists"
	if len(existing) == 2 {
		why += "; ALZ's Log Archive and Security accounts become Control Tower's Log Archive and Audit accounts (sharedAccounts: existing), and Control Tower moves them into its Security OU"
	}
	b.deployStep = b.add(1, Step{ID: KindLandingZoneCreate, Kind: KindLandingZoneCreate, DependsOn: deps,
		Params: LandingZoneCreate{Region: b.home, Version: LandingZoneVersion, Manifest: m},
		Title:  "Set up the landing zone " + LandingZoneVersion + " in " + b.home,
		Why:    why,
		Target: Target{Region: b.home},
		CLI:    cli,
		Guard:  guard,
		Expected: fmt.Sprintf("operation SUCCEEDED; landing zone ACTIVE; %s; Security OU %q%s", manifest, b.sc.SecurityOUName(),
			sandboxNote(b.sc.SandboxOUName())),
		Rollback:        `aws controltower delete-landing-zone --landing-zone-identifier "$LANDING_ZONE_ARN" (decommissions Control Tower)`,
		EstimateSeconds: lzUpperSeconds})
}

// prepareExisting readies ALZ's Log Archive and Security accounts for the landing zone set-up that
// brings them in as Control Tower's Log Archive and Audit accounts. Control Tower accepts an
// existing account only without AWS Config resources and when it can provision in it
// (https://docs.aws.amazon.com/controltower/latest/userguide/accounts.html, "Considerations for
// bringing existing security or logging accounts"; step-one.html): ALZ's SCPs on their path are
// detached (they deny the Config changes), ALZ's Config recorder and delivery channel removed in
// every governed region, and AWSControlTowerExecution created where it is missing. It returns the
// steps the set-up waits for.
func (b *builder) prepareExisting(ids []string) []string {
	gate := []string{b.freezeStep}
	var targets []string
	seen := map[string]bool{}
	for _, id := range ids {
		for _, t := range b.policyTargets(b.ix.Parent(id), []string{id}) {
			if !seen[t] {
				seen[t] = true
				targets = append(targets, t)
			}
		}
	}
	prep := b.detachALZ(1, 0, targets, gate)
	for _, id := range ids {
		a := b.ix.Account(id)
		if !needsRole(a) || a.IAM == nil {
			continue // present; or unknown (pre-check shared.existing-access says so)
		}
		sid := iamRoleStepID(id, ExecutionRole)
		p := IAMRoleCreate{AccountID: id, RoleName: ExecutionRole, TrustPolicy: b.trustPolicy(),
			ManagedPolicyARNs: []string{"arn:" + b.part + ":iam::aws:policy/AdministratorAccess"}}
		prep = append(prep, b.add(1, Step{ID: sid, Kind: KindIAMRoleCreate, Params: p,
			Title:    "Create " + ExecutionRole + " in " + id + " (" + a.Name + ")",
			Why:      "Control Tower provisions its resources in an existing shared account through this role, trusting the management account, with AdministratorAccess (accounts.html: Control Tower must be able to provision in the account)",
			Target:   Target{AccountID: id, Resource: ExecutionRole},
			CLI:      b.inAccount(id, roleCLI(p)...),
			Guard:    "the role does not exist yet (aws iam get-role --role-name " + ExecutionRole + " → NoSuchEntity), or exists trusting the management account",
			Expected: "the role exists with the trust policy and AdministratorAccess attached",
			Rollback: "aws iam detach-role-policy --role-name " + ExecutionRole + " --policy-arn arn:" + b.part + ":iam::aws:policy/AdministratorAccess && aws iam delete-role --role-name " + ExecutionRole}))
	}
	cfg := b.removeConfig(1, 0, "shared-accounts", ids, append(detachDeps(prep), gate...))
	for i := range b.phases[1] {
		st := &b.phases[1][i]
		if slices.Contains(cfg, st.ID) {
			st.Why = "Control Tower accepts an existing account as its Log Archive or Audit account only without AWS Config resources (step-one); ALZ's recorder and delivery channel go before the set-up, which brings Control Tower's own"
		}
	}
	return append(prep, cfg...)
}

func sandboxNote(name string) string {
	if name == "" {
		return ", no Sandbox OU (a root-level OU named Sandbox already exists)"
	}
	return fmt.Sprintf(", Sandbox OU %q", name)
}

// blockDeploy marks every phase-1 step blocked by the findings about the organization as a whole:
// they stop the landing zone, and with it everything that needs Control Tower.
func (b *builder) blockDeploy() {
	if len(b.orgWide) == 0 {
		return
	}
	for i := range b.phases[1] {
		b.phases[1][i].Blocked = strings.Join(b.orgWide, "; ")
	}
}

// lzOutputsCLI sets the shell variables of a landing zone step's outputs.
func (b *builder) lzOutputsCLI(step, region string) []string {
	r := " --region " + region
	out := []string{
		setVar(step, OutputLandingZoneARN, "aws controltower list-landing-zones"+r+" --query 'landingZones[0].arn' --output text"),
		setVar(step, OutputIdentityCenterEnabledBaselineARN, `aws controltower list-enabled-baselines`+r+` --query "enabledBaselines[?baselineIdentifier=='$(aws controltower list-baselines`+r+` --query "baselines[?name=='`+inventory.BaselineIdentityCenter+`'].arn" --output text)'].arn" --output text`),
	}
	if step == KindLandingZoneVerify {
		out = append(out,
			setVar(step, OutputLogArchiveAccountID, `aws controltower get-landing-zone --landing-zone-identifier "$`+ShellVar(step, OutputLandingZoneARN)+`"`+r+" --query landingZone.manifest.centralizedLogging.accountId --output text"),
			setVar(step, OutputAuditAccountID, `aws controltower get-landing-zone --landing-zone-identifier "$`+ShellVar(step, OutputLandingZoneARN)+`"`+r+" --query landingZone.manifest.securityRoles.accountId --output text"))
	}
	if name := b.sandboxName(); name != "" {
		out = append(out, setVar(step, OutputSandboxOUID, fmt.Sprintf(`aws organizations list-organizational-units-for-parent --parent-id %s --query "OrganizationalUnits[?Name=='%s'].Id" --output text`, b.ix.RootID(), name)))
	}
	return out
}

// sandboxName is the name of the Sandbox OU the landing zone has or creates ("" = none).
func (b *builder) sandboxName() string { return b.sc.SandboxOUName() }

// manifestJSON renders the landing zone 3.x manifest for the CLI, the account IDs as shell variables
// (https://docs.aws.amazon.com/controltower/latest/userguide/lz-api-launch.html).
func (b *builder) manifestJSON(m LandingZoneManifest) string {
	org := map[string]any{"security": map[string]string{"name": m.SecurityOUName}}
	if m.SandboxOUName != "" {
		org["sandbox"] = map[string]string{"name": m.SandboxOUName}
	}
	doc := map[string]any{
		"governedRegions":       m.GovernedRegions,
		"organizationStructure": org,
		"centralizedLogging": map[string]any{
			"accountId": inner(m.LogArchiveAccountID),
			"configurations": map[string]any{
				"loggingBucket":       map[string]int{"retentionDays": m.LoggingRetentionDays},
				"accessLoggingBucket": map[string]int{"retentionDays": m.AccessLoggingRetentionDays},
			},
			"enabled": true,
		},
		"securityRoles":    map[string]string{"accountId": inner(m.AuditAccountID)},
		"accessManagement": map[string]bool{"enabled": m.AccessManagement},
	}
	out, _ := json.MarshalIndent(doc, "", "  ") // maps marshal with sorted keys: deterministic
	return string(out)
}

// createAccount plans Organizations' CreateAccount for one shared account. CreateAccount has no
// idempotency token: the e-mail is the de-duplication key, looked up before creating
// (https://docs.aws.amazon.com/organizations/latest/APIReference/API_CreateAccount.html).
func (b *builder) createAccount(key, name, email string) string {
	id := KindAccountCreate + "/" + key
	req := ShellVar(id, "requestId")
	return b.add(1, Step{ID: id, Kind: KindAccountCreate,
		Params: AccountCreate{AccountName: name, Email: email},
		Title:  fmt.Sprintf("Create the %s account (%s)", name, email),
		Why:    "landing zone 3.x needs the Log Archive and Audit accounts to exist before CreateLandingZone (lz-api-prereques)",
		Target: Target{Resource: email},
		CLI: []string{
			req + "=$(aws organizations create-account --email " + email + " --account-name " + quote(name) + " --query CreateAccountStatus.Id --output text)",
			waitWhile(`aws organizations describe-create-account-status --create-account-request-id "$`+req+`" --query CreateAccountStatus.State --output text`, 15, "IN_PROGRESS"),
			setVar(id, OutputAccountID, `aws organizations describe-create-account-status --create-account-request-id "$`+req+`" --query CreateAccountStatus.AccountId --output text`)},
		Guard:           "no account in the organization uses " + email + " (CreateAccount has no idempotency token: the e-mail is the de-duplication key)",
		Expected:        "state SUCCEEDED with the new account ID",
		Rollback:        "close the new account (aws organizations close-account)",
		EstimateSeconds: newAccountSeconds})
}

// ctRole is one of the IAM roles Control Tower needs in the management account before
// CreateLandingZone, at path /service-role/ with the trust and policies of AWS's walkthrough
// (https://docs.aws.amazon.com/controltower/latest/userguide/lz-api-prereques.html,
// https://docs.aws.amazon.com/controltower/latest/userguide/walkthrough-api-setup.html). The
// CloudTrail role gets the managed AWSControlTowerCloudTrailRolePolicy, which replaced the inline
// policy of the same name on 2025-10-31
// (https://docs.aws.amazon.com/controltower/latest/userguide/managed-policies-table.html).
type ctRole struct {
	name, service string
	managed       []string
	inline        []InlinePolicy
}

func (b *builder) controlTowerRoles() []string {
	arn := func(p string) string { return "arn:" + b.part + ":iam::aws:policy/" + p }
	roles := []ctRole{
		{name: "AWSControlTowerAdmin", service: "controltower.amazonaws.com",
			managed: []string{arn("service-role/AWSControlTowerServiceRolePolicy")},
			inline:  []InlinePolicy{{Name: "AWSControlTowerAdminPolicy", Document: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:DescribeAvailabilityZones","Resource":"*"}]}`}}},
		{name: "AWSControlTowerCloudTrailRole", service: "cloudtrail.amazonaws.com",
			managed: []string{arn("service-role/AWSControlTowerCloudTrailRolePolicy")}},
		{name: "AWSControlTowerConfigAggregatorRoleForOrganizations", service: "config.amazonaws.com",
			managed: []string{arn("service-role/AWSConfigRoleForOrganizations")}},
		{name: "AWSControlTowerStackSetRole", service: "cloudformation.amazonaws.com",
			inline: []InlinePolicy{{Name: "AWSControlTowerStackSetRolePolicy",
				Document: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:` + b.part + `:iam::*:role/` + ExecutionRole + `"}]}`}}},
	}
	var out []string
	for _, r := range roles {
		trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"` + r.service + `"},"Action":"sts:AssumeRole"}]}`
		p := IAMRoleCreate{AccountID: b.mgmt, RoleName: r.name, Path: "/service-role/", TrustPolicy: trust, ManagedPolicyARNs: r.managed, InlinePolicies: r.inline}
		out = append(out, b.add(1, Step{ID: iamRoleStepID(b.mgmt, r.name), Kind: KindIAMRoleCreate, Params: p,
			Title:    "Create the IAM role " + r.name + " in the management account",
			Why:      "setting up the landing zone by API needs Control Tower's service roles to exist first (lz-api-prereques)",
			Target:   Target{AccountID: b.mgmt, Resource: r.name},
			CLI:      roleCLI(p),
			Guard:    "the role does not exist yet, or exists with this trust policy (aws iam get-role --role-name " + r.name + ")",
			Expected: "the role exists with its trust policy and policies",
			Rollback: "aws iam delete-role --role-name " + r.name + " (after removing its policies)"}))
	}
	return out
}

func iamRoleStepID(account, role string) string {
	return KindIAMRoleCreate + "/" + account + "/" + role
}

// roleCLI creates a role with its policies (in whatever account the credentials are for).
func roleCLI(p IAMRoleCreate) []string {
	path := ""
	if p.Path != "" {
		path = " --path " + p.Path
	}
	out := []string{"aws iam create-role --role-name " + p.RoleName + path + " --assume-role-policy-document " + quote(p.TrustPolicy)}
	for _, ip := range p.InlinePolicies {
		out = append(out, "aws iam put-role-policy --role-name "+p.RoleName+" --policy-name "+ip.Name+" --policy-document "+quote(ip.Document))
	}
	for _, m := range p.ManagedPolicyARNs {
		out = append(out, "aws iam attach-role-policy --role-name "+p.RoleName+" --policy-arn "+m)
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
