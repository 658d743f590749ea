package steps

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/controltower"
	"github.com/aws/aws-sdk-go-v2/service/controltower/document"
	cttypes "github.com/aws/aws-sdk-go-v2/service/controltower/types"

	"github.com/lz2ct/lz2ct/awsapi"
	"github.com/lz2ct/lz2ct/plans"
)

// landing-zone.create: set up Control Tower's landing zone by API. CreateLandingZone has no
// idempotency token, so the step lists the landing zones first: the landing zone is listed as
// soon as the call is accepted (PROCESSING), and its CREATE operation with it, so a run that
// stopped right after the call waits on that operation instead of creating a second landing zone
// (https://docs.aws.amazon.com/controltower/latest/APIReference/API_CreateLandingZone.html,
// https://docs.aws.amazon.com/controltower/latest/APIReference/API_ListLandingZoneOperations.html).
func init() {
	Register(Def[plans.LandingZoneCreate]{
		// A landing zone operation: nothing else in Control Tower runs meanwhile.
		Claims: func(plans.LandingZoneCreate) []Claim { return []Claim{{Kind: ControlTowerExclusive}} },
		Observe: func(ctx context.Context, x *Exec, p plans.LandingZoneCreate) (Observation, error) {
			lz, err := findLandingZone(ctx, x, p.Region)
			if err != nil {
				return Observation{}, err
			}
			if lz == nil {
				m, err := lzManifestDoc(x, p.Manifest)
				if err != nil {
					return Observation{}, err
				}
				return Observation{State: NotDone, Change: fmt.Sprintf("create landing zone %s in %s: governed regions %s, Security OU %q%s, Log Archive account %s, Audit account %s, IAM Identity Center managed: %v",
					p.Version, p.Region, strings.Join(p.Manifest.GovernedRegions, ", "), p.Manifest.SecurityOUName, sandboxWords(p.Manifest.SandboxOUName),
					m.logArchive, m.audit, p.Manifest.AccessManagement)}, nil
			}
			arn := aws.ToString(lz.Arn)
			if drift := lzDrift(x, p, lz); drift != "" {
				return Observation{State: Unsafe, Note: fmt.Sprintf("landing zone %s exists but %s: it is not the one the plan creates; check it in the Control Tower console, then re-plan (lz2ct discover, lz2ct plan)", arn, drift)}, nil
			}
			switch lz.Status {
			case cttypes.LandingZoneStatusActive:
				return Observation{State: Done, Note: fmt.Sprintf("landing zone %s (version %s) is ACTIVE", arn, aws.ToString(lz.Version))}, nil
			case cttypes.LandingZoneStatusProcessing:
				op, err := lzOperationRunning(ctx, x, p.Region)
				if err != nil {
					return Observation{}, err
				}
				if op == "" {
					return Observation{}, NotYet(fmt.Errorf("landing zone %s is PROCESSING but lists no operation in progress yet", arn))
				}
				return Observation{State: Running, OperationID: op, Note: "landing zone " + arn + " is being set up"}, nil
			}
			return Observation{State: Unsafe, Note: fmt.Sprintf("landing zone %s is %s: read why in the Control Tower console (or aws controltower list-landing-zone-operations), fix the cause, retry it with aws controltower reset-landing-zone --landing-zone-identifier %s --region %s, then run lz2ct resume",
				arn, lz.Status, arn, p.Region)}, nil
		},
		Start: func(ctx context.Context, x *Exec, p plans.LandingZoneCreate) (string, error) {
			m, err := lzManifestDoc(x, p.Manifest)
			if err != nil {
				return "", err
			}
			out, err := awsapi.ControlTower(x.Management(p.Region)).CreateLandingZone(ctx, &controltower.CreateLandingZoneInput{
				Version: aws.String(p.Version), Manifest: document.NewLazyDocument(m.doc)})
			if err != nil {
				if HasCode(err, "ValidationException") {
					return "", Advise(err, "Control Tower refused the set-up (the message says which pre-launch check or manifest field): fix it, then run lz2ct resume")
				}
				return "", err
			}
			return aws.ToString(out.OperationIdentifier), nil
		},
		Poll: func(ctx context.Context, x *Exec, p plans.LandingZoneCreate, id string) (OpStatus, error) {
			out, err := awsapi.ControlTower(x.Management(p.Region)).GetLandingZoneOperation(ctx, &controltower.GetLandingZoneOperationInput{OperationIdentifier: aws.String(id)})
			if err != nil {
				return OpStatus{}, err
			}
			return ctOpStatus(string(out.OperationDetails.Status), aws.ToString(out.OperationDetails.StatusMessage)), nil
		},
		// About 30 minutes (https://docs.aws.amazon.com/controltower/latest/userguide/review-and-set-up.html).
		PollEvery: Backoff{First: time.Minute, Max: 2 * time.Minute},
		Verify: func(ctx context.Context, x *Exec, p plans.LandingZoneCreate) (Outputs, error) {
			lz, err := findLandingZone(ctx, x, p.Region)
			if err != nil {
				return nil, err
			}
			if lz == nil || lz.Status != cttypes.LandingZoneStatusActive {
				return nil, NotYet(fmt.Errorf("the landing zone in %s is not ACTIVE yet", p.Region))
			}
			outs, err := lzOutputs(ctx, x, p.Region, lz)
			if err != nil {
				return nil, err
			}
			if p.Manifest.AccessManagement && outs[plans.OutputIdentityCenterEnabledBaselineARN] == "" {
				return nil, NotYet(fmt.Errorf("the landing zone manages IAM Identity Center but lists no enabled IdentityCenterBaseline yet"))
			}
			if p.Manifest.SandboxOUName != "" && outs[plans.OutputSandboxOUID] == "" {
				return nil, NotYet(fmt.Errorf("the Sandbox OU %q is not listed under the root yet", p.Manifest.SandboxOUName))
			}
			return outs.only(plans.OutputLandingZoneARN, plans.OutputIdentityCenterEnabledBaselineARN, plans.OutputSandboxOUID), nil
		},
		// ConflictException (a landing zone exists, or an operation runs) is DefaultClass's "not
		// now": the engine observes again and finds the landing zone.
	})
}

// ctOpStatus maps Control Tower's operation statuses (SUCCEEDED | FAILED | IN_PROGRESS).
func ctOpStatus(status, message string) OpStatus {
	switch status {
	case "SUCCEEDED":
		return OpStatus{State: OpSucceeded, Message: message}
	case "FAILED":
		return OpStatus{State: OpFailed, Message: message}
	}
	return OpStatus{State: OpInProgress, Message: message}
}

// lzOperationRunning is the landing zone operation in progress in region ("" = none).
func lzOperationRunning(ctx context.Context, x *Exec, region string) (string, error) {
	ct := awsapi.ControlTower(x.Management(region))
	pages := controltower.NewListLandingZoneOperationsPaginator(ct, &controltower.ListLandingZoneOperationsInput{
		Filter: &cttypes.LandingZoneOperationFilter{Statuses: []cttypes.LandingZoneOperationStatus{cttypes.LandingZoneOperationStatusInProgress}}})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return "", err
		}
		for _, op := range page.LandingZoneOperations {
			return aws.ToString(op.OperationIdentifier), nil
		}
	}
	return "", nil
}

// lzDrift says how an existing landing zone differs from the one the plan creates ("" = it is
// that one): its shared accounts and Security OU.
func lzDrift(x *Exec, p plans.LandingZoneCreate, lz *landingZone) string {
	m, err := lzManifestDoc(x, p.Manifest)
	if err != nil {
		return ""
	}
	got := lz.manifest
	switch {
	case got.CentralizedLogging.AccountID != m.logArchive:
		return fmt.Sprintf("its Log Archive account is %s, not %s", got.CentralizedLogging.AccountID, m.logArchive)
	case got.SecurityRoles.AccountID != m.audit:
		return fmt.Sprintf("its Audit account is %s, not %s", got.SecurityRoles.AccountID, m.audit)
	case got.OrganizationStructure.Security.Name != p.Manifest.SecurityOUName:
		return fmt.Sprintf("its Security OU is %q, not %q", got.OrganizationStructure.Security.Name, p.Manifest.SecurityOUName)
	}
	return ""
}

type manifestDoc struct {
	doc               map[string]any
	logArchive, audit string
}

// lzManifestDoc builds the landing zone 3.x manifest from the plan's, with the shared accounts
// resolved (they may be earlier account.create steps' outputs)
// (https://docs.aws.amazon.com/controltower/latest/userguide/lz-api-launch.html).
func lzManifestDoc(x *Exec, m plans.LandingZoneManifest) (manifestDoc, error) {
	logArchive, err := x.Resolve(m.LogArchiveAccountID)
	if err != nil {
		return manifestDoc{}, err
	}
	audit, err := x.Resolve(m.AuditAccountID)
	if err != nil {
		return manifestDoc{}, err
	}
	structure := map[string]any{"security": map[string]any{"name": m.SecurityOUName}}
	if m.SandboxOUName != "" {
		structure["sandbox"] = map[string]any{"name": m.SandboxOUName}
	}
	configurations := map[string]any{
		"loggingBucket":       map[string]any{"retentionDays": m.LoggingRetentionDays},
		"accessLoggingBucket": map[string]any{"retentionDays": m.AccessLoggingRetentionDays},
	}
	if m.KMSKeyARN != "" {
		configurations["kmsKeyArn"] = m.KMSKeyARN
	}
	return manifestDoc{logArchive: logArchive, audit: audit, doc: map[string]any{
		"governedRegions":       m.GovernedRegions,
		"organizationStructure": structure,
		"centralizedLogging":    map[string]any{"accountId": logArchive, "configurations": configurations, "enabled": true},
		"securityRoles":         map[string]any{"accountId": audit},
		"accessManagement":      map[string]any{"enabled": m.AccessManagement},
	}}, nil
}

func sandboxWords(name string) string {
	if name == "" {
		return ", no Sandbox OU"
	}
	return fmt.Sprintf(", Sandbox OU %q", name)
}
