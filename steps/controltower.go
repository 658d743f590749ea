package steps

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/controltower"
	cttypes "github.com/aws/aws-sdk-go-v2/service/controltower/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"

	"github.com/lz2ct/lz2ct/awsapi"
	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/plans"
)

// What the Control Tower kinds (landing-zone.create, landing-zone.verify, baseline.enable,
// account.enroll) read alike.

// landingZone is the landing zone in region as GetLandingZone describes it, with its manifest read.
type landingZone struct {
	cttypes.LandingZoneDetail
	manifest inventory.LandingZoneManifest
}

// findLandingZone returns the organization's landing zone when its home region is region (nil =
// none there). An organization has one landing zone; ListLandingZones answers it in its home
// region (https://docs.aws.amazon.com/controltower/latest/APIReference/API_ListLandingZones.html).
func findLandingZone(ctx context.Context, x *Exec, region string) (*landingZone, error) {
	ct := awsapi.ControlTower(x.Management(region))
	list, err := ct.ListLandingZones(ctx, &controltower.ListLandingZonesInput{})
	if err != nil {
		return nil, err
	}
	if len(list.LandingZones) == 0 {
		return nil, nil
	}
	out, err := ct.GetLandingZone(ctx, &controltower.GetLandingZoneInput{LandingZoneIdentifier: list.LandingZones[0].Arn})
	if err != nil {
		return nil, err
	}
	lz := &landingZone{LandingZoneDetail: *out.LandingZone}
	if lz.Manifest != nil {
		if err := lz.Manifest.UnmarshalSmithyDocument(&lz.manifest); err != nil {
			return nil, fmt.Errorf("the manifest of landing zone %s cannot be read: %w", aws.ToString(lz.Arn), err)
		}
	}
	return lz, nil
}

func (lz *landingZone) drift() string {
	if lz.DriftStatus == nil {
		return ""
	}
	return string(lz.DriftStatus.Status)
}

// baselineArn is the ARN of a baseline of the catalogue by name ("" = not in the catalogue):
// ListEnabledBaselines names baselines by opaque ARNs only
// (https://docs.aws.amazon.com/controltower/latest/APIReference/API_ListBaselines.html).
func baselineArn(ctx context.Context, ct *controltower.Client, name string) (string, error) {
	pages := controltower.NewListBaselinesPaginator(ct, &controltower.ListBaselinesInput{})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return "", err
		}
		for _, b := range page.Baselines {
			if aws.ToString(b.Name) == name {
				return aws.ToString(b.Arn), nil
			}
		}
	}
	return "", nil
}

// enabledBaselines lists the enabled baselines of a baseline on targets, account-level ones
// included (includeChildren).
func enabledBaselines(ctx context.Context, ct *controltower.Client, baseline string, targets ...string) ([]cttypes.EnabledBaselineSummary, error) {
	filter := &cttypes.EnabledBaselineFilter{TargetIdentifiers: targets}
	if baseline != "" {
		filter.BaselineIdentifiers = []string{baseline}
	}
	var out []cttypes.EnabledBaselineSummary
	pages := controltower.NewListEnabledBaselinesPaginator(ct, &controltower.ListEnabledBaselinesInput{Filter: filter, IncludeChildren: true})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		out = append(out, page.EnabledBaselines...)
	}
	return out, nil
}

func ebStatus(b cttypes.EnabledBaselineSummary) (cttypes.EnablementStatus, string) {
	if b.StatusSummary == nil {
		return "", ""
	}
	return b.StatusSummary.Status, aws.ToString(b.StatusSummary.LastOperationIdentifier)
}

// identityCenterBaseline is the landing zone's enabled IdentityCenterBaseline ("" = Control Tower
// does not manage IAM Identity Center): the parameter every registration passes
// (https://docs.aws.amazon.com/controltower/latest/userguide/walkthrough-baseline-steps.html).
func identityCenterBaseline(ctx context.Context, ct *controltower.Client) (string, error) {
	ic, err := baselineArn(ctx, ct, inventory.BaselineIdentityCenter)
	if err != nil || ic == "" {
		return "", err
	}
	ebs, err := enabledBaselines(ctx, ct, ic)
	if err != nil || len(ebs) == 0 {
		return "", err
	}
	return aws.ToString(ebs[0].Arn), nil
}

// rootOU is the ID of the root-level OU with this name ("" = none).
func rootOU(ctx context.Context, x *Exec, name string) (string, error) {
	if name == "" {
		return "", nil
	}
	org := awsapi.Organizations(x.Management(""))
	roots, err := org.ListRoots(ctx, &organizations.ListRootsInput{})
	if err != nil {
		return "", err
	}
	if len(roots.Roots) == 0 {
		return "", fmt.Errorf("the organization has no root")
	}
	pages := organizations.NewListOrganizationalUnitsForParentPaginator(org, &organizations.ListOrganizationalUnitsForParentInput{ParentId: roots.Roots[0].Id})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return "", err
		}
		for _, ou := range page.OrganizationalUnits {
			if aws.ToString(ou.Name) == name {
				return aws.ToString(ou.Id), nil
			}
		}
	}
	return "", nil
}

// lzOutputs are the outputs the landing zone kinds share: its ARN, the IdentityCenterBaseline and
// the Sandbox OU ("" when the landing zone has none), the shared accounts.
func lzOutputs(ctx context.Context, x *Exec, region string, lz *landingZone) (Outputs, error) {
	ct := awsapi.ControlTower(x.Management(region))
	ic, err := identityCenterBaseline(ctx, ct)
	if err != nil {
		return nil, err
	}
	sandbox, err := rootOU(ctx, x, lz.manifest.OrganizationStructure.Sandbox.Name)
	if err != nil {
		return nil, err
	}
	return Outputs{plans.OutputLandingZoneARN: aws.ToString(lz.Arn), plans.OutputIdentityCenterEnabledBaselineARN: ic,
		plans.OutputSandboxOUID: sandbox, plans.OutputLogArchiveAccountID: lz.manifest.CentralizedLogging.AccountID,
		plans.OutputAuditAccountID: lz.manifest.SecurityRoles.AccountID}, nil
}

// only keeps the named outputs.
func (o Outputs) only(names ...string) Outputs {
	out := Outputs{}
	for _, n := range names {
		out[n] = o[n]
	}
	return out
}
