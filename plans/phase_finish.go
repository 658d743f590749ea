package plans

import (
	"fmt"
	"slices"
	"strings"

	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/settings"
	"github.com/lz2ct/lz2ct/words"
)

// Phases 5 (shared accounts) and 6 (decommission).

// ---- phase 5: shared accounts ----

// newLogArchive is the new Log Archive account's ID: the output of the step that creates it, or
// of the landing zone verification when Control Tower made it.
func (b *builder) newLogArchive() Value {
	if b.has(KindAccountCreate + "/log-archive") {
		return Out(KindAccountCreate+"/log-archive", OutputAccountID)
	}
	return Out(b.deployStep, OutputLogArchiveAccountID)
}

func (b *builder) shared() {
	alz := b.snap.ALZ
	if alz == nil {
		return
	}
	if len(b.sc.SharedAccountIDs()) > 0 {
		// ALZ's Log Archive and Security accounts are Control Tower's now: the logs, the security
		// tooling and the alerting stay where they are; nothing moves.
		return
	}
	if alz.SecurityAccountID != "" {
		b.securityHandOver(alz.SecurityAccountID)
	}
	if alz.LogArchiveAccountID == "" {
		return
	}
	consumerDeps := []string{b.deployStep}
	if b.s.Decommission.CopyLogs {
		consumerDeps = append(consumerDeps, b.copyLogs(alz)...)
	}
	title := "Move log consumers from ALZ's Log Archive account " + alz.LogArchiveAccountID + " to the new " + b.s.LogArchiveAccountName + " account"
	instr := []string{"Point log analytics and other consumers of ALZ's log bucket at the new " + b.s.LogArchiveAccountName + " account (Control Tower's logs, and the copied ALZ logs).",
		"Confirm this step when nothing reads ALZ's log bucket any more."}
	if !b.s.Decommission.CopyLogs {
		title += " (the old logs are not copied: decommission.copyLogs is false)"
		instr[0] = "Point log analytics and other consumers of ALZ's log bucket at the new " + b.s.LogArchiveAccountName + " account (Control Tower's logs); ALZ's old logs are not copied (decommission.copyLogs: false)."
	}
	b.add(5, Step{ID: KindManual + "/log-consumers", Kind: KindManual, Manual: true, DependsOn: consumerDeps,
		Params: Manual{Instructions: instr},
		Title:  title,
		Why:    "Control Tower creates a new Log Archive account; consumers of ALZ's logs must read from it (reference, step 5)",
		Target: Target{AccountID: alz.LogArchiveAccountID},
		Guard:  "the new Log Archive account exists", Expected: "log consumers read from the new account", EstimateSeconds: 60 * 60})
}

// newAudit is the new Audit account's ID: the output of the step that creates it, or of the
// landing zone verification when Control Tower made it.
func (b *builder) newAudit() Value {
	if b.has(KindAccountCreate + "/audit") {
		return Out(KindAccountCreate+"/audit", OutputAccountID)
	}
	return Out(b.deployStep, OutputAuditAccountID)
}

// newAccountRole is the role the commands assume in a shared account Control Tower got: the one
// Organizations creates in an account lz2ct created (OrganizationAccountAccessRole), or the one
// Control Tower creates in the accounts it creates itself (AWSControlTowerExecution,
// https://docs.aws.amazon.com/controltower/latest/userguide/roles-how.html).
func (b *builder) newAccountRole() string {
	if b.has(KindAccountCreate + "/audit") {
		return "OrganizationAccountAccessRole"
	}
	return ExecutionRole
}

// inNewAccount runs commands in a shared account known by a value (an earlier step's output), in
// a subshell that assumes newAccountRole there.
func (b *builder) inNewAccount(account Value, cmds ...string) string {
	return "(\n  " + assumeRole(b.part, inner(account), b.newAccountRole()) + "\n  " + strings.Join(cmds, "\n  ") + "\n)"
}

// securityHandOver plans the hand-over of ALZ's Security account to the new Audit account (reference,
// step 5): for each service whose delegated administrator ALZ's Security account is, a manual step
// with the exact commands and a delegated-admin.verify step that confirms the move by API; then
// the alerting (SNS subscriptions) and third-party tooling, which only the operator can confirm.
func (b *builder) securityHandOver(old string) {
	audit := b.newAudit()
	var services []string
	for _, da := range b.snap.DelegatedAdmins {
		if da.AccountID == old {
			services = append(services, da.ServicePrincipal)
		}
	}
	slices.Sort(services)
	services = slices.Compact(services)
	regions := b.sc.Governed
	for _, sp := range services {
		var instr, cli []string
		name := strings.TrimSuffix(sp, ".amazonaws.com")
		switch sp {
		case "guardduty.amazonaws.com":
			// GuardDuty's delegated administrator is set per region, from the management account;
			// the new administrator then auto-enables the members
			// (https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_organizations.html).
			instr = []string{
				"From the management account, in each governed region (" + strings.Join(regions, ", ") + "), remove ALZ's Security account " + old + " as GuardDuty's delegated administrator, deregister it from Organizations, then designate the new " + b.s.AuditAccountName + " account (the commands below, in that order). GuardDuty keeps running in every account; findings already in ALZ's Security account stay there.",
				"As the " + b.s.AuditAccountName + " account, turn on auto-enable for every member account in each of those regions (the last command), and re-create there the suppression rules, trusted IP lists and exports ALZ's Security account had.",
				"Check in every region: aws guardduty list-organization-admin-accounts lists the " + b.s.AuditAccountName + " account.",
			}
			var sub []string
			cli = moveRegionalAdmin("guardduty", sp, old, sh(audit), regions)
			for _, r := range regions {
				sub = append(sub, `aws guardduty update-organization-configuration --detector-id "$(aws guardduty list-detectors --region `+r+` --query 'DetectorIds[0]' --output text)" --auto-enable-organization-members ALL --region `+r)
			}
			cli = append(cli, b.inNewAccount(audit, sub...))
		case "securityhub.amazonaws.com":
			// Security Hub's delegated administrator is designated from the management account,
			// per region (https://docs.aws.amazon.com/securityhub/latest/userguide/designate-orgs-admin-account.html).
			instr = []string{
				"From the management account, in each governed region (" + strings.Join(regions, ", ") + "), remove ALZ's Security account " + old + " as Security Hub's delegated administrator, deregister it from Organizations, then designate the new " + b.s.AuditAccountName + " account (the commands below, in that order).",
				"As the " + b.s.AuditAccountName + " account, turn on auto-enable for new member accounts (the last command), and re-create there the custom actions, insights and integrations ALZ's Security account had.",
				"Check: aws securityhub list-organization-admin-accounts lists the " + b.s.AuditAccountName + " account.",
			}
			var sub []string
			cli = moveRegionalAdmin("securityhub", sp, old, sh(audit), regions)
			for _, r := range regions {
				sub = append(sub, "aws securityhub update-organization-configuration --auto-enable --region "+r)
			}
			cli = append(cli, b.inNewAccount(audit, sub...))
		default:
			// Organizations' own registration; a service with its own way to designate its
			// administrator (its console's settings, an enable-organization-admin-account call)
			// should be moved that way
			// (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_integrate_delegated_admin.html).
			instr = []string{
				"Move the delegated administration of " + sp + " from ALZ's Security account " + old + " to the new " + b.s.AuditAccountName + " account. If the service designates its administrator itself (its console, or an enable-organization-admin-account call), use that; otherwise the Organizations commands below do it.",
				"Re-create in the " + b.s.AuditAccountName + " account the configuration the service's administrator held in ALZ's Security account.",
			}
			cli = []string{
				"aws organizations deregister-delegated-administrator --account-id " + old + " --service-principal " + sp,
				"aws organizations register-delegated-administrator --account-id " + sh(audit) + " --service-principal " + sp,
			}
		}
		instr = append(instr, "Confirm this step (lz2ct confirm); delegated-admin.verify/"+sp+" then checks with organizations:ListDelegatedAdministrators that the "+b.s.AuditAccountName+" account, and not ALZ's Security account, is "+sp+"'s delegated administrator.")
		deps := []string{b.deployStep}
		if audit.IsRef() && audit.FromStep != b.deployStep {
			deps = append(deps, audit.FromStep)
		}
		manual := b.add(5, Step{ID: KindManual + "/delegated-admin/" + name, Kind: KindManual, Manual: true, DependsOn: deps,
			Params: Manual{Instructions: instr,
				Verify: "delegated-admin.verify/" + sp + " reads organizations:ListDelegatedAdministrators for " + sp},
			Title:    "Move " + sp + "'s delegated administration from ALZ's Security account " + old + " to the new " + b.s.AuditAccountName + " account",
			Why:      "Control Tower's Audit account replaces ALZ's Security account, which is " + sp + "'s delegated administrator (reference, step 5)",
			Target:   Target{AccountID: old, Resource: sp},
			CLI:      cli,
			Guard:    "the new " + b.s.AuditAccountName + " account exists (landing zone set up)",
			Expected: "the " + b.s.AuditAccountName + " account is " + sp + "'s delegated administrator; ALZ's Security account no longer is",
			Rollback: "designate ALZ's Security account " + old + " again with the same commands, account IDs swapped"})
		b.add(5, Step{ID: KindDelegatedAdminVerify + "/" + sp, Kind: KindDelegatedAdminVerify, DependsOn: []string{manual},
			Params:   DelegatedAdminVerify{ServicePrincipal: sp, AccountID: audit, FormerAccountID: old},
			Title:    "Verify that the new " + b.s.AuditAccountName + " account is " + sp + "'s delegated administrator",
			Why:      "an operator's confirmation is checked by API where an API can tell",
			Target:   Target{Resource: sp},
			CLI:      []string{"aws organizations list-delegated-administrators --service-principal " + sp + " --query 'DelegatedAdministrators[].Id' --output text"},
			Expected: "the output is the " + b.s.AuditAccountName + " account's ID alone"})
	}
	// Control Tower's Audit account aggregates the security notifications of every account in the
	// home region's aws-controltower-AggregateSecurityNotifications topic
	// (https://docs.aws.amazon.com/controltower/latest/userguide/sns-guidance.html).
	topic := "arn:" + b.part + ":sns:" + b.home + ":" + inner(audit) + ":aws-controltower-AggregateSecurityNotifications"
	subs := "ALZ_ALERT_SUBSCRIPTIONS"
	b.add(5, Step{ID: KindManual + "/security-alerting", Kind: KindManual, Manual: true, DependsOn: []string{b.deployStep},
		Params: Manual{Instructions: []string{
			"The first command lists who receives ALZ's security alerts: the subscriptions (protocol, endpoint) of the AWS-Landing-Zone-* SNS topics in ALZ's Security account " + old + ", in " + b.alzReg + ".",
			"The second subscribes each of them to Control Tower's aws-controltower-AggregateSecurityNotifications topic in the new " + b.s.AuditAccountName + " account, in the home region " + b.home + ". E-mail endpoints must confirm the subscription; an SQS queue or Lambda function in another account needs its resource policy to allow the new topic.",
			"Move third-party security tooling that reads from or runs in ALZ's Security account to the " + b.s.AuditAccountName + " account.",
			"Confirm this step (lz2ct confirm) once alerts reach your people from the new topic: lz2ct cannot tell by API which endpoints are yours, so your confirmation is the check.",
		}},
		Title:  "Move security alerting and third-party tooling from ALZ's Security account " + old + " to the new " + b.s.AuditAccountName + " account",
		Why:    "Control Tower sends its security notifications to topics in its Audit account; subscriptions to ALZ's topics and tools in ALZ's Security account must follow (reference, step 5)",
		Target: Target{AccountID: old},
		CLI: []string{
			subs + "=$( " + b.inAccount(old, `for topic in $(aws sns list-topics --region `+b.alzReg+` --query "Topics[?contains(TopicArn, 'Landing-Zone')].TopicArn" --output text); do aws sns list-subscriptions-by-topic --topic-arn "$topic" --region `+b.alzReg+` --query 'Subscriptions[].[Protocol,Endpoint]' --output text; done`)[0] + " )",
			b.inNewAccount(audit, `printf '%s\n' "$`+subs+`" | while read -r protocol endpoint; do [ -n "${endpoint:-}" ] || continue; aws sns subscribe --topic-arn `+topic+` --protocol "$protocol" --notification-endpoint "$endpoint" --region `+b.home+`; done`),
		},
		Guard:           "the new " + b.s.AuditAccountName + " account exists (landing zone set up)",
		Expected:        "alerts reach the same people from aws-controltower-AggregateSecurityNotifications",
		EstimateSeconds: 60 * 60})
}

// isALZLogBucket reports whether a bucket is one of ALZ's log buckets: the CloudTrail and Config
// logs (aws-landing-zone-logs-*) or the S3 server access logs of that bucket.
func isALZLogBucket(name string) bool {
	return strings.HasPrefix(name, "aws-landing-zone-logs-") || strings.HasPrefix(name, "aws-landing-zone-s3-access-logs")
}

// logCopyDestination is the bucket in the new Log Archive account that ALZ's log bucket bk is
// copied into.
func logCopyDestination(bk inventory.Bucket) string {
	return "alz-logs-" + bk.AccountID + "-" + bk.Region
}

// moveRegionalAdmin are the commands that move a delegated administrator designated per region
// (GuardDuty, Security Hub) in AWS's order: removed in every region, deregistered from
// Organizations (one global action; the service refuses a new administrator while the former one
// is registered), then the new one designated in every region.
// https://docs.aws.amazon.com/guardduty/latest/ug/change-guardduty-delegated-admin.html
func moveRegionalAdmin(service, principal, old, account string, regions []string) []string {
	var cli []string
	for _, r := range regions {
		cli = append(cli, "aws "+service+" disable-organization-admin-account --admin-account-id "+old+" --region "+r)
	}
	cli = append(cli, "aws organizations deregister-delegated-administrator --account-id "+old+" --service-principal "+principal)
	for _, r := range regions {
		cli = append(cli, "aws "+service+" enable-organization-admin-account --admin-account-id "+account+" --region "+r)
	}
	return cli
}

// copyLogs copies ALZ's log buckets into new buckets of the new Log Archive account (never into
// Control Tower's own aws-controltower-logs bucket, which accepts no other writers).
func (b *builder) copyLogs(alz *inventory.ALZ) []string {
	var out []string
	for _, bk := range alz.Buckets {
		if !strings.HasPrefix(bk.Name, "aws-landing-zone-logs-") {
			continue
		}
		dest := logCopyDestination(bk)
		la := b.newLogArchive()
		create := KindBucketCreate + "/" + dest
		loc := ""
		if bk.Region != "us-east-1" {
			loc = " --create-bucket-configuration LocationConstraint=" + bk.Region
		}
		policy := LogWriterPolicy(b.part, bk.AccountID, dest)
		out = append(out, b.add(5, Step{ID: create, Kind: KindBucketCreate, DependsOn: []string{b.deployStep, la.FromStep},
			Params: BucketCreate{AccountID: la, Region: bk.Region, Bucket: dest, WriterAccountID: bk.AccountID},
			Title:  "Create bucket " + dest + " in the new " + b.s.LogArchiveAccountName + " account for ALZ's old logs",
			Why:    "Control Tower's own log bucket does not accept other writers, so ALZ's logs go to a separate bucket (reference, step 5)",
			Target: Target{Region: bk.Region, Resource: dest},
			CLI: []string{"(\n  " + assumeRole(b.part, inner(la), "OrganizationAccountAccessRole") + "\n  " + strings.Join([]string{
				"aws s3api create-bucket --bucket " + dest + " --region " + bk.Region + loc,
				"aws s3api put-public-access-block --bucket " + dest + " --region " + bk.Region + " --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true",
				"aws s3api put-bucket-policy --bucket " + dest + " --region " + bk.Region + " --policy " + quote(policy)}, "\n  ") + "\n)"},
			Guard:    "the name is free (or the bucket exists in the new Log Archive account)",
			Expected: "the bucket exists, private, writable by ALZ's Log Archive account " + bk.AccountID,
			Rollback: "aws s3 rb s3://" + dest + " (in the new Log Archive account)"}))
		out = append(out, b.add(5, b.logsCopyStep(KindLogsCopy+"/"+bk.Name, bk, []string{create},
			"Copy ALZ's logs from "+bk.Name+" to "+dest,
			"decommission.copyLogs: the old logs are kept in the new Log Archive account before ALZ's log bucket is deleted")))
	}
	return out
}

// logsCopyStep copies ALZ's log bucket bk into its destination: resumable by key, so a second
// step with the same params copies only what the first did not see.
func (b *builder) logsCopyStep(id string, bk inventory.Bucket, deps []string, title, why string) Step {
	dest := logCopyDestination(bk)
	return Step{ID: id, Kind: KindLogsCopy, DependsOn: deps,
		Params: LogsCopy{SourceAccountID: bk.AccountID, SourceBucket: bk.Name, Region: bk.Region, DestinationAccountID: b.newLogArchive(),
			DestinationBucket: dest, ManualAboveBytes: int64(b.s.Decommission.CopyLogsMaxGiB) << 30},
		Title:  title,
		Why:    why,
		Target: Target{AccountID: bk.AccountID, Region: bk.Region, Resource: bk.Name},
		CLI: b.inAccount(bk.AccountID, LogsSyncCommand(bk.Name, dest, bk.Region),
			"aws s3 ls s3://"+bk.Name+" --recursive --summarize --region "+bk.Region+" | tail -2",
			"aws s3 ls s3://"+dest+" --recursive --summarize --region "+bk.Region+" | tail -2"),
		Guard: fmt.Sprintf("the destination is not Control Tower's aws-controltower-logs-* bucket; above %d GiB to copy (decommission.copyLogsMaxGiB) or with an object over 5 GB, the step waits for you to run the aws s3 sync command",
			b.s.Decommission.CopyLogsMaxGiB),
		Expected:        "the same objects, object count and total size in both buckets",
		EstimateSeconds: 60 * 60}
}

// LogsSyncCommand is the command that copies ALZ's log bucket by hand (run as ALZ's Log Archive
// account): what logs.copy asks the operator to run above decommission.copyLogsMaxGiB. aws s3 sync
// copies server-side, only the keys missing or different in the destination, and copies objects
// over 5 GB in parts; both buckets are in one region, which --region names.
// https://docs.aws.amazon.com/cli/latest/reference/s3/sync.html
func LogsSyncCommand(source, dest, region string) string {
	return "aws s3 sync s3://" + source + " s3://" + dest + " --region " + region
}

// ---- phase 6: decommission ----

func (b *builder) decommission() {
	alz := b.snap.ALZ
	if alz == nil {
		return
	}
	// Decommission starts after every registration, enrollment and shared-account step. One verify
	// step gathers them, so the decommission steps depend on it alone (a 10,000-account plan would
	// otherwise repeat every enrollment in every first-group step).
	prev := []string{b.deployStep}
	for _, ph := range []int{4, 5} {
		for _, st := range b.phases[ph] {
			if st.Kind == KindBaselineEnable || st.Kind == KindAccountEnroll || st.Kind == KindManual || st.Kind == KindLogsCopy || st.Kind == KindDelegatedAdminVerify {
				prev = append(prev, st.ID)
			}
		}
	}
	prev = []string{b.add(6, Step{ID: KindVerify + "/decommission-ready", Kind: KindVerify, DependsOn: prev,
		Params:   Verify{Condition: "every planned registration and enrollment succeeded and the shared-account tasks are done"},
		Title:    "Confirm the migration is complete before removing ALZ",
		Why:      "decommission removes what ALZ-managed accounts may still rely on; every OU registration, enrollment and shared-account task must be done first (reference, step 6)",
		Guard:    "every planned registration and enrollment succeeded; resources moved off ALZ's shared accounts",
		Expected: "Control Tower shows every planned OU registered and account enrolled"})}
	// Room for the prepared steps at once: phase 6 of a large organization is thousands of steps
	// (one per provisioned product), each copied again at every doubling of the phase otherwise.
	n := len(b.pre.provisionedProducts)
	for _, steps := range b.pre.stackSets {
		n += len(steps)
	}
	b.phases[6] = slices.Grow(b.phases[6], n+64)
	// The groups run in the reference's order (products before the stacks they made, stacks
	// before StackSets, ...). Within a group the steps act on independent resources and may run
	// side by side; a verify step closes a group of several, and the next group waits for it.
	for _, name := range b.s.Decommission.Steps {
		g := &group{b: b, prev: prev}
		b.decommissionGroup(name, alz, g)
		switch len(g.steps) {
		case 0:
		case 1:
			prev = g.steps
		default:
			prev = []string{b.add(6, Step{ID: KindVerify + "/decommission/" + name, Kind: KindVerify, DependsOn: g.steps,
				Params:   Verify{Condition: "the " + name + " steps are done"},
				Title:    fmt.Sprintf("Confirm the %d %s steps are done", len(g.steps), name),
				Why:      "the next decommission step starts only when this group is complete",
				Expected: "every step of the group succeeded"})}
		}
	}
	b.keptByChoice(alz)
}

// kmsAliasDelete deletes ALZ's KMS alias and, with decommission.kmsKeyDeletionDays, schedules its
// key's deletion: KMS waits that many days, during which cancel-key-deletion undoes it; after it,
// whatever the key encrypted cannot be decrypted again
// (https://docs.aws.amazon.com/kms/latest/developerguide/deleting-keys.html).
func (b *builder) kmsAliasDelete(k inventory.KMSAlias) Step {
	st := Step{ID: KindKMSAliasDelete + "/" + k.Region + "/" + strings.TrimPrefix(k.Name, "alias/"), Kind: KindKMSAliasDelete,
		Params:   KMSAliasDelete{Region: k.Region, AliasName: k.Name, TargetKeyID: k.TargetKeyID},
		Title:    "Delete KMS alias " + k.Name + " in " + k.Region,
		Why:      "the landing zone KMS key should be gone; the alias may remain (reference, step 6)",
		Target:   Target{Region: k.Region, Resource: k.Name},
		CLI:      []string{"aws kms delete-alias --alias-name " + k.Name + " --region " + k.Region},
		Guard:    "nothing encrypts with the key any more",
		Expected: "the alias is gone"}
	days := b.s.Decommission.KMSKeyDeletionDays
	if days == 0 || k.TargetKeyID == "" {
		return st
	}
	p := st.Params.(KMSAliasDelete)
	p.ScheduleKeyDeletion, p.PendingWindowDays = true, days
	st.Params = p
	st.Title += fmt.Sprintf(" and schedule its key's deletion in %d days", days)
	st.CLI = append(st.CLI, fmt.Sprintf("aws kms schedule-key-deletion --key-id %s --pending-window-in-days %d --region %s", k.TargetKeyID, days, k.Region))
	st.Guard = fmt.Sprintf("nothing still encrypts with key %s: once the %d days have passed, data encrypted with it cannot be decrypted again (decommission.kmsKeyDeletionDays)", k.TargetKeyID, days)
	st.Expected = "the alias is gone; the key is PendingDeletion"
	st.Rollback = "aws kms cancel-key-deletion --key-id " + k.TargetKeyID + " --region " + k.Region + " (within the waiting period; the key is then Disabled: enable it with aws kms enable-key)"
	return st
}

// group collects one decommission group's steps; every step waits for the previous group.
type group struct {
	b     *builder
	prev  []string
	steps []string
}

func (g *group) add(st Step) string {
	st.DependsOn = append(st.DependsOn, g.prev...)
	st.Destructive = st.Kind != KindVerify && st.Kind != KindAccountMove
	id := g.b.add(6, st)
	g.steps = append(g.steps, id)
	return id
}

// addOnProducts are the products of ALZ's Add-On portfolio: never terminated (reference, step 6:
// "please don't terminate the associated provisioned products").
func addOnProducts(alz *inventory.ALZ) map[string]bool {
	out := map[string]bool{}
	for _, pf := range alz.Portfolios {
		if inventory.IsAddOnPortfolio(pf.Name) {
			for _, p := range pf.ProductIDs {
				out[p] = true
			}
		}
	}
	return out
}

// keptProducts are the products with a provisioned product the plan keeps.
func keptProducts(alz *inventory.ALZ) map[string]bool {
	addOn := addOnProducts(alz)
	out := map[string]bool{}
	for _, pp := range alz.ProvisionedProducts {
		if addOn[pp.ProductID] {
			out[pp.ProductID] = true
		}
	}
	return out
}

// terminateProvisionedProducts terminates every provisioned product ALZ made that nothing keeps:
// the lz_core_* products and the Account Vending Machine's account products. Terminating one
// deletes its SO0045 stack; the account itself stays.
func (b *builder) terminateProvisionedProducts(alz *inventory.ALZ) []Step {
	reg := b.alzReg
	r := " --region " + reg
	addOn := addOnProducts(alz)
	wait := waitWhile(`aws servicecatalog describe-record --id "$RECORD_ID"`+r+" --query RecordDetail.Status --output text", 30, "CREATED", "IN_PROGRESS", "IN_PROGRESS_IN_ERROR")
	steps := make([]Step, 0, len(alz.ProvisionedProducts))
	for _, pp := range alz.ProvisionedProducts {
		if addOn[pp.ProductID] {
			continue
		}
		id := KindProvisionedProductTerminate + "/" + pp.ID
		steps = append(steps, Step{ID: id, Kind: KindProvisionedProductTerminate,
			Params: ProvisionedProductTerminate{Region: reg, ProvisionedProductID: pp.ID, ProvisionedProductName: pp.Name, TerminateToken: token(id)},
			Title:  "Terminate provisioned product " + pp.Name,
			Why:    "ALZ's core and account-vending provisioned products are replaced by Control Tower; terminating removes their stacks, never the accounts (reference, step 6)",
			Target: Target{Region: reg, Resource: pp.ID},
			// By hand the CLI makes its own terminate token; the engine uses the step's.
			CLI:      []string{"RECORD_ID=$(aws servicecatalog terminate-provisioned-product --provisioned-product-id " + pp.ID + r + " --query RecordDetail.RecordId --output text)", wait},
			Guard:    "not used by workloads; status AVAILABLE, TAINTED or ERROR (not under change)",
			Expected: "record SUCCEEDED; the provisioned product and its stack are gone"})
	}
	return steps
}

// decommissionPrep is the part of decommission that depends only on what the builder knows once
// the retained accounts are marked: the steps of the provisioned-product terminations and of the
// StackSet deletions (but ALZ's EnableConfig StackSet's, which depends on the Config waves). On a
// large organization they are most of decommission (tens of thousands of stack instances grouped
// by region): prepareDecommission makes them on another goroutine while the phases before it are
// built.
type decommissionPrep struct {
	provisionedProducts []Step   // nil: not prepared
	stackSets           [][]Step // by place in alz.StackSets; nil: not prepared
}

// prepareDecommission starts preparing decommission; the returned function waits for it. What it
// reads (the snapshot, the settings, b.retain) nothing writes any more; what it writes is its own
// until the wait.
func (b *builder) prepareDecommission() func() decommissionPrep {
	alz := b.snap.ALZ
	var pre decommissionPrep
	if alz == nil {
		return func() decommissionPrep { return pre }
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if b.s.Decommissions(settings.DecomProvisionedProducts) {
			pre.provisionedProducts = b.terminateProvisionedProducts(alz)
		}
		if b.s.Decommissions(settings.DecomStackSets) {
			pre.stackSets = make([][]Step, len(alz.StackSets))
			for i, ss := range alz.StackSets {
				if ss.Name == EnableConfigStackSet || b.s.KeepsStackSet(ss.Name) || ss.Status == "DELETED" {
					continue
				}
				pre.stackSets[i] = b.deleteStackSet(ss)
			}
		}
	}()
	return func() decommissionPrep { <-done; return pre }
}

func (b *builder) decommissionGroup(name string, alz *inventory.ALZ, g *group) {
	reg := b.alzReg
	r := " --region " + reg
	switch name {
	case settings.DecomProvisionedProducts:
		steps := b.pre.provisionedProducts
		if steps == nil {
			steps = b.terminateProvisionedProducts(alz)
		}
		for _, st := range steps {
			g.add(st)
		}
	case settings.DecomPortfolios:
		kept := keptProducts(alz)
		for _, pf := range alz.Portfolios {
			if slices.ContainsFunc(pf.ProductIDs, func(p string) bool { return kept[p] }) {
				continue // keptByChoice says why
			}
			var inner, constraints []string
			// Each step's guard is the exported definition: it runs after the export.
			exported := KindExportPortfolios + "/" + reg
			for _, c := range pf.ConstraintIDs {
				constraints = append(constraints, g.add(Step{ID: KindSCConstraintDelete + "/" + c, Kind: KindSCConstraintDelete, DependsOn: []string{exported},
					Params: SCConstraintDelete{Region: reg, PortfolioID: pf.ID, ConstraintID: c},
					Title:  "Delete constraint " + c + " of portfolio " + pf.Name, Why: "a portfolio is deleted only once it is empty (reference, step 6)",
					Target: Target{Region: reg, Resource: c}, CLI: []string{"aws servicecatalog delete-constraint --id " + c + r},
					Guard: "definition exported (" + KindExportPortfolios + "/" + reg + ")", Expected: "the constraint is gone"}))
			}
			inner = append(inner, constraints...)
			for _, pr := range pf.PrincipalARNs {
				inner = append(inner, g.add(Step{ID: KindSCPrincipalDisassociate + "/" + pf.ID + "/" + pr, Kind: KindSCPrincipalDisassociate, DependsOn: []string{exported},
					Params: SCPrincipalDisassociate{Region: reg, PortfolioID: pf.ID, PrincipalARN: pr},
					Title:  "Remove " + pr + " from portfolio " + pf.Name, Why: "a portfolio is deleted only once it is empty (reference, step 6)",
					Target: Target{Region: reg, Resource: pf.ID},
					CLI:    []string{"aws servicecatalog disassociate-principal-from-portfolio --portfolio-id " + pf.ID + " --principal-arn " + pr + r},
					Guard:  "definition exported", Expected: "the principal no longer has access to the portfolio"}))
			}
			for _, pd := range pf.ProductIDs {
				// A product leaves a portfolio only once the portfolio's constraints on it are gone
				// (DisassociateProductFromPortfolio answers ResourceInUseException before).
				inner = append(inner, g.add(Step{ID: KindSCProductDisassociate + "/" + pf.ID + "/" + pd, Kind: KindSCProductDisassociate,
					DependsOn: append([]string{exported}, constraints...),
					Params:    SCProductDisassociate{Region: reg, PortfolioID: pf.ID, ProductID: pd},
					Title:     "Remove product " + pd + " from portfolio " + pf.Name, Why: "a portfolio is deleted only once it is empty (reference, step 6)",
					Target: Target{Region: reg, Resource: pf.ID},
					CLI:    []string{"aws servicecatalog disassociate-product-from-portfolio --product-id " + pd + " --portfolio-id " + pf.ID + r},
					Guard:  "definition exported", Expected: "the product is no longer in the portfolio"}))
			}
			g.add(Step{ID: KindSCPortfolioDelete + "/" + pf.ID, Kind: KindSCPortfolioDelete, DependsOn: append(inner, exported),
				Params:   SCPortfolioDelete{Region: reg, PortfolioID: pf.ID},
				Title:    "Delete portfolio " + pf.Name,
				Why:      "ALZ's portfolios are replaced by Control Tower's Account Factory; constraints, principals and products go first (reference, step 6)",
				Target:   Target{Region: reg, Resource: pf.ID},
				CLI:      []string{"aws servicecatalog delete-portfolio --id " + pf.ID + r},
				Guard:    "empty; it is not Control Tower's Account Factory portfolio; definition exported",
				Expected: "the portfolio is gone", Rollback: "re-create it from exports/portfolios/" + pf.ID + ".json"})
		}
	case settings.DecomProducts:
		kept := keptProducts(alz)
		for _, pd := range alz.Products {
			if kept[pd.ID] {
				continue
			}
			g.add(Step{ID: KindSCProductDelete + "/" + pd.ID, Kind: KindSCProductDelete,
				Params:   SCProductDelete{Region: reg, ProductID: pd.ID},
				Title:    "Delete product " + pd.Name,
				Why:      "ALZ's products (the Account Vending Machine) are replaced by Account Factory",
				Target:   Target{Region: reg, Resource: pd.ID},
				CLI:      []string{"aws servicecatalog delete-product --id " + pd.ID + r},
				Guard:    "no provisioned product of it is left; not a Control Tower product",
				Expected: "the product is gone"})
		}
	case settings.DecomAVMStacks, settings.DecomStacks:
		pps := map[string]bool{}
		for _, pp := range alz.ProvisionedProducts {
			pps[pp.ID] = true
		}
		for _, st := range alz.Stacks {
			if st.IsInitiation() || st.IsAVM() != (name == settings.DecomAVMStacks) {
				continue
			}
			why := "leftover ALZ stack (the initiation stack goes later)"
			if st.IsAVM() {
				// A provisioned product's stack goes with its termination; only a stack whose
				// provisioned product no longer exists is deleted directly (reference, step 6).
				if pp := avmProvisionedProduct(st.Name); pp != "" && pps[pp] {
					continue
				}
				why = "an Account Vending Machine stack (SO0045) left over without its provisioned product"
			}
			g.add(Step{ID: KindStackDelete + "/" + st.Region + "/" + st.Name, Kind: KindStackDelete,
				Params: StackDelete{AccountID: b.mgmt, Region: st.Region, StackName: st.Name, DisableTerminationProtection: st.TerminationProtection},
				Title:  "Delete stack " + st.Name, Why: why,
				Target:   Target{Region: st.Region, Resource: st.Name},
				CLI:      stackDeleteCLI(st),
				Guard:    "its resources are not baseline infrastructure used by workloads",
				Expected: "DELETE_COMPLETE"})
		}
	case settings.DecomStackSets:
		for i, ss := range alz.StackSets {
			if b.s.KeepsStackSet(ss.Name) || ss.Status == "DELETED" {
				continue
			}
			var steps []Step
			if i < len(b.pre.stackSets) {
				steps = b.pre.stackSets[i]
			}
			if steps == nil { // not prepared: ALZ's EnableConfig StackSet
				steps = b.deleteStackSet(ss)
			}
			for _, st := range steps {
				g.add(st)
			}
		}
	case settings.DecomLogBuckets, settings.DecomConfigBuckets:
		for _, bk := range alz.Buckets {
			isLog := isALZLogBucket(bk.Name)
			if isLog != (name == settings.DecomLogBuckets) {
				continue
			}
			guard := "nothing writes to it any more"
			var deps []string
			copiedTo := ""
			switch {
			case isLog && b.s.Decommission.CopyLogs && b.has(KindLogsCopy+"/"+bk.Name):
				// ALZ's trails and recorders wrote on until the StackSets before this group were
				// deleted: a last copy takes what arrived since phase 5, and the guard checks, by
				// listing both buckets, that every object is in the destination.
				last := b.logsCopyStep(KindLogsCopy+"/"+bk.Name+"/final", bk, append([]string{KindLogsCopy + "/" + bk.Name}, g.prev...),
					"Copy the logs ALZ wrote since the first copy from "+bk.Name+" to "+logCopyDestination(bk),
					"ALZ's trails and recorders wrote into the bucket until the decommission removed them; the bucket is deleted only when the copy holds every object")
				last.EstimateSeconds = 10 * 60 // the days since phase 5, not the whole history
				final := b.add(6, last)
				deps = append(deps, final)
				copiedTo = logCopyDestination(bk)
				guard = "every object is in " + copiedTo + " with the same size (" + KindLogsCopy + "/" + bk.Name + ")"
			case isLog && b.s.Decommission.CopyLogs && strings.HasPrefix(bk.Name, "aws-landing-zone-logs-"):
				// copyLogs, yet no copy is planned (ALZ's Log Archive account is not known): the
				// logs are not deleted uncopied.
				b.kept = append(b.kept, Kept{Resource: "bucket " + bk.Name, Reason: "decommission.copyLogs is true but no copy is planned (ALZ's Log Archive account was not found): the logs are kept"})
				continue
			case isLog && b.s.Decommission.CopyLogs:
				guard = "S3 server access logs of ALZ's log bucket: not copied (decommission.copyLogs copies the CloudTrail and Config logs of aws-landing-zone-logs-*)"
			case isLog:
				guard = "you chose not to keep the ALZ logs (log-buckets listed in decommission.steps, copyLogs: false)"
			case b.has(KindExportBucket + "/" + bk.Name):
				deps = append(deps, KindExportBucket+"/"+bk.Name)
			}
			g.add(Step{ID: KindBucketDelete + "/" + bk.Name, Kind: KindBucketDelete, DependsOn: deps,
				Params:   BucketDelete{AccountID: bk.AccountID, Region: bk.Region, Bucket: bk.Name, CopiedTo: copiedTo},
				Title:    "Delete bucket " + bk.Name,
				Why:      "ALZ bucket no longer used (reference, step 6)",
				Target:   Target{AccountID: bk.AccountID, Region: bk.Region, Resource: bk.Name},
				CLI:      b.inAccount(bk.AccountID, emptyBucketCLI(bk.Name, bk.Region)...),
				Guard:    guard + "; every object version and delete marker is deleted first",
				Expected: "the bucket is gone"})
		}
	case settings.DecomInitiationStack:
		for _, st := range alz.Stacks {
			if !st.IsInitiation() {
				continue
			}
			g.add(Step{ID: KindStackDelete + "/" + st.Region + "/" + st.Name, Kind: KindStackDelete,
				Params:   StackDelete{AccountID: b.mgmt, Region: st.Region, StackName: st.Name, DisableTerminationProtection: true},
				Title:    "Delete the ALZ initiation stack " + st.Name,
				Why:      "the last ALZ stack; it keeps the AWSCloudFormationStackSetExecutionRole if any ALZ StackSet is kept",
				Target:   Target{Region: st.Region, Resource: st.Name},
				CLI:      stackDeleteCLI(inventory.Stack{Name: st.Name, Region: st.Region, TerminationProtection: true}),
				Guard:    "every other ALZ stack and StackSet chosen for deletion is gone",
				Expected: "DELETE_COMPLETE (retry after deleting resources that block it by hand)"})
		}
	case settings.DecomCoreOU:
		b.deleteCoreOU(alz, g)
	case settings.DecomSCPs:
		for _, pid := range b.alzPolicies {
			p := b.ix.Policy(pid)
			var deps []string
			for _, t := range p.Targets {
				if b.detached[pid+"|"+t] || (t == alz.CoreOUID && b.has(KindOUDelete+"/"+t)) {
					continue // detached in a wave, or gone with the core OU
				}
				deps = append(deps, g.add(Step{ID: scpDetachStepID(pid, t), Kind: KindSCPDetach,
					Params: SCPDetach{PolicyID: pid, TargetID: t},
					Title:  fmt.Sprintf("Detach ALZ SCP %s from %s", p.Name, b.describe(t)),
					Why:    "an SCP is deleted only once it is attached nowhere",
					Target: b.targetOf(t, pid),
					CLI:    []string{"aws organizations detach-policy --policy-id " + pid + " --target-id " + t},
					Guard:  "exported in safeguard", Expected: "the policy is no longer attached to " + t,
					Rollback: "aws organizations attach-policy --policy-id " + pid + " --target-id " + t}))
			}
			g.add(Step{ID: KindSCPDelete + "/" + pid, Kind: KindSCPDelete, DependsOn: append(deps, exportSCPStepID(pid)),
				Params:   SCPDelete{PolicyID: pid},
				Title:    "Delete ALZ SCP " + p.Name,
				Why:      "detached wave by wave already; deleted only now so a rollback could re-attach it",
				Target:   Target{Resource: pid},
				CLI:      []string{"aws organizations delete-policy --policy-id " + pid},
				Guard:    "exported in safeguard; attached nowhere",
				Expected: "the policy is gone", Rollback: "aws organizations create-policy from exports/scp/" + pid + ".json"})
		}
	case settings.DecomSSMParameters:
		byRegion := map[string][]string{}
		for _, p := range alz.SSMParameters {
			byRegion[p.Region] = append(byRegion[p.Region], p.Name)
		}
		for _, rg := range sortedKeys(byRegion) {
			names := byRegion[rg]
			slices.Sort(names)
			var cli []string
			for i := 0; i < len(names); i += 10 { // DeleteParameters takes at most 10 names
				cli = append(cli, "aws ssm delete-parameters --names "+strings.Join(names[i:min(i+10, len(names))], " ")+" --region "+rg)
			}
			g.add(Step{ID: KindSSMParametersDelete + "/" + rg, Kind: KindSSMParametersDelete, DependsOn: []string{KindExportSSMParameters + "/" + rg},
				Params:   SSMParametersDelete{Region: rg, Names: names},
				Title:    fmt.Sprintf("Delete %s in %s", words.Count(len(names), "landing zone SSM parameter"), rg),
				Why:      "ALZ's /org/ parameters are not used by Control Tower (reference, step 6)",
				Target:   Target{Region: rg, Resource: "/org/"},
				CLI:      cli,
				Guard:    "exported in safeguard; no tool still reads them",
				Expected: "aws ssm get-parameters-by-path --path /org/ --recursive returns nothing"})
		}
	case settings.DecomKMSAlias:
		for _, k := range alz.KMSAliases {
			g.add(b.kmsAliasDelete(k))
		}
	case settings.DecomCloseAccounts:
		for _, id := range []string{alz.LogArchiveAccountID, alz.SecurityAccountID} {
			a := b.ix.Account(id)
			if id == "" || a == nil || a.Status != inventory.AccountActive || b.sc.Account(id).How == HowSharedAccount {
				continue // never Control Tower's own shared accounts
			}
			g.add(Step{ID: KindAccountClose + "/" + id, Kind: KindAccountClose,
				Params:   AccountClose{AccountID: id},
				Title:    "Close ALZ's old account " + id + " (" + a.Name + ")",
				Why:      "closed last, only because decommission.closeOldAccounts was chosen; logs and tooling moved in phase 5",
				Target:   Target{AccountID: id},
				CLI:      []string{"aws organizations close-account --account-id " + id},
				Guard:    "phase 5 done; the organization ID typed to confirm; Organizations closes at most the higher of 250 and 20% of the member accounts (1,000 at most) in any rolling 30 days: a closure over that quota waits until it frees",
				Expected: "state PENDING_CLOSURE, then SUSPENDED", Rollback: "reopen within 90 days through AWS Support"})
		}
	}
}

// avmProvisionedProduct is the provisioned product an AVM stack belongs to: Service Catalog names
// a product's stack SC-<account>-pp-<id>.
func avmProvisionedProduct(stack string) string {
	if i := strings.LastIndex(stack, "-pp-"); i >= 0 && strings.HasPrefix(stack, "SC-") {
		return "pp-" + stack[i+4:]
	}
	return ""
}

func stackDeleteCLI(st inventory.Stack) []string {
	r := " --region " + st.Region
	var out []string
	if st.TerminationProtection {
		out = append(out, "aws cloudformation update-termination-protection --no-enable-termination-protection --stack-name "+st.Name+r)
	}
	return append(out, "aws cloudformation delete-stack --stack-name "+st.Name+r,
		"aws cloudformation wait stack-delete-complete --stack-name "+st.Name+r)
}

// emptyBucketCLI empties a (possibly versioned) bucket and deletes it.
func emptyBucketCLI(bucket, region string) []string {
	r := " --region " + region
	del := func(what string) string {
		return fmt.Sprintf(`while keys=$(aws s3api list-object-versions --bucket %s --max-items 1000%s --query '{Objects: %s[].{Key: Key, VersionId: VersionId}}' --output json) && [ "$(echo "$keys" | grep -c VersionId)" -gt 0 ]; do aws s3api delete-objects --bucket %s --delete "$keys"%s > /dev/null; done`,
			bucket, r, what, bucket, r)
	}
	return []string{del("Versions"), del("DeleteMarkers"), "aws s3api delete-bucket --bucket " + bucket + r}
}

// deleteStackSet deletes an ALZ StackSet's remaining instances — deleted where the migration took
// the account over, retained (detached, resources kept) in accounts it leaves alone — then the
// StackSet. Instances a Config wave already deleted are not named again.
func (b *builder) deleteStackSet(ss inventory.StackSet) []Step {
	reg := b.alzReg
	var del, keep regionsByAccount
	accounts := 0 // an account's instances come together: the runs are the accounts
	for i := range ss.Instances {
		if i == 0 || ss.Instances[i].AccountID != ss.Instances[i-1].AccountID {
			accounts++
		}
	}
	del.grow(accounts, len(ss.Instances)/max(1, accounts))
	ec := ss.Name == EnableConfigStackSet
	last, m := "", &del // an account's instances come together: one retain look-up for them
	for _, in := range ss.Instances {
		if ec && b.ecGone(in.AccountID, in.Region) {
			continue
		}
		if in.AccountID != last || last == "" {
			last, m = in.AccountID, &del
			if b.retain[in.AccountID] {
				m = &keep
			}
		}
		m.add(in.AccountID, in.Region)
	}
	var steps []Step
	var deps []string
	n := 0
	for _, part := range []struct {
		m      *regionsByAccount
		retain bool
	}{{&del, false}, {&keep, true}} {
		for _, grp := range part.m.groups() {
			n++
			id := fmt.Sprintf("%s/%s/%d", KindStackSetInstancesDelete, ss.Name, n)
			op := token(id)
			flag := "--no-retain-stacks"
			what := "Delete"
			if part.retain {
				flag, what = "--retain-stacks", "Detach (keeping the stacks)"
			}
			// A tenth of the accounts per region may fail (a stack whose resources are in use)
			// without stopping the deletion everywhere else; stackset.delete then fails naming them.
			prefs := b.stackSetPrefs(len(grp.accounts), len(grp.accounts)/10)
			deps = append(deps, id)
			steps = append(steps, Step{ID: id, Kind: KindStackSetInstancesDelete,
				Params: StackSetInstancesDelete{Region: reg, StackSetName: ss.Name, Accounts: grp.accounts, Regions: grp.regions, RetainStacks: part.retain,
					OperationID: op, Preferences: prefs},
				Title:  fmt.Sprintf("%s %s stack instances of %s in %s", what, ss.Name, words.Count(len(grp.accounts), "account"), strings.Join(grp.regions, ", ")),
				Why:    retainWhy(part.retain),
				Target: Target{Region: reg, Resource: ss.Name},
				CLI: []string{
					fmt.Sprintf("aws cloudformation delete-stack-instances --stack-set-name %s --accounts %s --regions %s %s --operation-id %s %s --region %s",
						ss.Name, strings.Join(grp.accounts, " "), strings.Join(grp.regions, " "), flag, op, prefsCLI(prefs), reg),
					waitWhile("aws cloudformation describe-stack-set-operation --stack-set-name "+ss.Name+" --operation-id "+op+" --region "+reg+" --query StackSetOperation.Status --output text", 15, "RUNNING", "QUEUED", "STOPPING")},
				Guard:    "its resources are not used by workloads; template exported; no other operation on the StackSet",
				Expected: "operation SUCCEEDED", EstimateSeconds: stackSetRange(len(grp.accounts), prefs).Upper})
		}
	}
	return append(steps, Step{ID: KindStackSetDelete + "/" + ss.Name, Kind: KindStackSetDelete, DependsOn: append(deps, exportStackSetStepID(ss.Name)),
		Params:   StackSetDelete{Region: reg, StackSetName: ss.Name},
		Title:    "Delete StackSet " + ss.Name,
		Why:      "unused ALZ StackSet; StackSets whose resources workloads use (e.g. the baseline VPC) are kept via decommission.keepStackSets",
		Target:   Target{Region: reg, Resource: ss.Name},
		CLI:      []string{"aws cloudformation delete-stack-set --stack-set-name " + ss.Name + " --region " + reg},
		Guard:    "no instances left; template exported",
		Expected: "the StackSet is gone", Rollback: "re-create it from exports/stacksets/" + ss.Name + ".json"})
}

func retainWhy(retain bool) string {
	if retain {
		return "the migration leaves these accounts alone (excluded, left out or blocked), or brings them in as Control Tower's shared accounts: the StackSet lets go of their stacks, whose resources stay"
	}
	return "the migration took these accounts over; ALZ's stacks in them go"
}

// deleteCoreOU moves the accounts still in ALZ's core OU (the old Security and Log Archive
// accounts) to decommission.oldAccountsOU, then deletes the OU. Without a destination the OU is
// kept, and Kept says why: an OU with accounts cannot be deleted.
func (b *builder) deleteCoreOU(alz *inventory.ALZ, g *group) {
	core := alz.CoreOUID
	if core == "" || b.ix.OU(core) == nil {
		return
	}
	if len(b.ix.ChildOUs(core)) > 0 {
		b.kept = append(b.kept, Kept{Resource: "OU " + core + " (" + b.ix.Path(core) + ")",
			Reason: "ALZ's core OU has child OUs; lz2ct deletes it only when it holds nothing else: move or delete them by hand"})
		return
	}
	var remaining []string
	for _, id := range b.ix.ChildAccounts(core) {
		if d := b.sc.Account(id); d != nil && d.How == HowEnroll && d.Into != core {
			continue // Account Factory moves it out when it enrolls it
		}
		if d := b.sc.Account(id); d != nil && d.How == HowSharedAccount {
			continue // Control Tower moves it into its Security OU when it sets the landing zone up (step-one.html)
		}
		remaining = append(remaining, id)
	}
	dest := settings.FindOU(b.ix, b.s.Decommission.OldAccountsOU)
	if len(remaining) > 0 && dest == "" {
		b.kept = append(b.kept, Kept{Resource: "OU " + core + " (" + b.ix.Path(core) + ")",
			Reason: fmt.Sprintf("ALZ's core OU still holds %s; an OU with accounts cannot be deleted: set decommission.oldAccountsOU to the OU they should move to (e.g. one for suspended accounts) and re-plan", strings.Join(remaining, ", "))})
		return
	}
	var deps []string
	for _, id := range remaining {
		p := AccountMove{AccountID: id, SourceParentID: Lit(core), DestinationParentID: Lit(dest)}
		deps = append(deps, g.add(Step{ID: moveStepID(id), Kind: KindAccountMove, Params: p,
			Title:    "Move account " + id + " (" + b.ix.Account(id).Name + ") out of ALZ's core OU into " + b.ix.Path(dest),
			Why:      "the core OU can be deleted only when it is empty (decommission.oldAccountsOU)",
			Target:   Target{AccountID: id, OUID: core, Resource: dest},
			CLI:      []string{"aws organizations move-account --account-id " + id + " --source-parent-id " + core + " --destination-parent-id " + dest},
			Guard:    "the account is still in the core OU",
			Expected: "the account's parent is " + dest,
			Rollback: "aws organizations move-account --account-id " + id + " --source-parent-id " + dest + " --destination-parent-id " + core}))
	}
	g.add(Step{ID: KindOUDelete + "/" + core, Kind: KindOUDelete, DependsOn: deps,
		Params:   OUDelete{OUID: core},
		Title:    "Delete ALZ's core OU " + b.ix.Path(core),
		Why:      "ALZ's core OU is not used by Control Tower (reference, step 6); never delete an OU Control Tower created",
		Target:   Target{OUID: core},
		CLI:      []string{"aws organizations delete-organizational-unit --organizational-unit-id " + core},
		Guard:    "the OU is empty: no accounts, no child OUs",
		Expected: "the OU is gone", Rollback: "aws organizations create-organizational-unit (SCP attachments from the safeguard export)"})
}

// keptByChoice lists what the settings keep: StackSets workloads use, Add-On products, log
// buckets whose logs are not copied.
func (b *builder) keptByChoice(alz *inventory.ALZ) {
	for _, ss := range alz.StackSets {
		if b.s.KeepsStackSet(ss.Name) && ss.Status != "DELETED" {
			b.kept = append(b.kept, Kept{Resource: "StackSet " + ss.Name, Reason: "decommission.keepStackSets: workloads use its resources (reference, step 6: keep baseline infrastructure such as VPCs)"})
		}
	}
	addOn := addOnProducts(alz)
	for _, pp := range alz.ProvisionedProducts {
		if addOn[pp.ProductID] {
			b.kept = append(b.kept, Kept{Resource: "provisioned product " + pp.Name + " (" + pp.ID + ")", Reason: "an ALZ Add-On product: never terminated (reference, step 6)"})
		}
	}
	kept := keptProducts(alz)
	for _, pf := range alz.Portfolios {
		if slices.ContainsFunc(pf.ProductIDs, func(p string) bool { return kept[p] }) {
			b.kept = append(b.kept, Kept{Resource: "portfolio " + pf.Name + " (" + pf.ID + ")", Reason: "it holds Add-On products that are still provisioned"})
		}
	}
	if b.s.Decommissions(settings.DecomKMSAlias) {
		for _, k := range alz.KMSAliases {
			if b.s.Decommission.KMSKeyDeletionDays == 0 && k.TargetKeyID != "" {
				b.kept = append(b.kept, Kept{Resource: "KMS key " + k.TargetKeyID + " (" + k.Name + " in " + k.Region + ")",
					Reason: "only its alias is deleted: set decommission.kmsKeyDeletionDays (7-30) to schedule the key's deletion"})
			}
		}
	}
	existing := b.sc.SharedAccountIDs()
	if !b.s.Decommissions(settings.DecomLogBuckets) {
		reason := "ALZ's logs are kept: decommission.copyLogs is false and log-buckets is not in decommission.steps"
		if len(existing) > 0 {
			reason = "ALZ's logs stay where they are: its Log Archive account becomes Control Tower's (sharedAccounts: existing), so nothing is copied; list log-buckets in decommission.steps to delete them"
		}
		for _, bk := range alz.Buckets {
			if isALZLogBucket(bk.Name) {
				b.kept = append(b.kept, Kept{Resource: "bucket " + bk.Name, Reason: reason})
			}
		}
	}
	for _, id := range existing {
		n := 0
		for _, ss := range alz.StackSets {
			for _, in := range ss.Instances {
				if in.AccountID == id && !(ss.Name == EnableConfigStackSet && b.ecGone(in.AccountID, in.Region)) {
					n++
				}
			}
		}
		if n > 0 {
			a := b.ix.Account(id)
			b.kept = append(b.kept, Kept{Resource: fmt.Sprintf("ALZ's StackSet stacks in account %s (%s): %s", id, a.Name, words.Count(n, "stack instance")),
				Reason: "the account is Control Tower's shared account now (sharedAccounts: existing): decommission detaches ALZ's StackSets from it but keeps their stacks and resources (security tooling, topics, the log bucket); delete what you no longer need by hand"})
		}
	}
}
