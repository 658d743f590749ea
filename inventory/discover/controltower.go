package discover

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/controltower"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"

	"github.com/lz2ct/lz2ct/awsapi"
	"github.com/lz2ct/lz2ct/inventory"
)

// identityCenter looks for the organization's IAM Identity Center instance in every snapshot region
// (an organization has at most one instance, in the region where it was enabled:
// https://docs.aws.amazon.com/singlesignon/latest/userguide/regions.html). The first one found, in
// region order, wins.
func (r *run) identityCenter(ctx context.Context) {
	for _, region := range r.mgmtRegions() {
		out, err := awsapi.SSOAdmin(awsapi.InRegion(r.mgmt, region)).ListInstances(ctx, &ssoadmin.ListInstancesInput{})
		if err != nil {
			r.problem(r.id.Account, region, err)
			continue
		}
		if len(out.Instances) > 0 {
			in := out.Instances[0]
			r.mu.Lock()
			r.snap.IdentityCenter = &inventory.IdentityCenter{InstanceArn: aws.ToString(in.InstanceArn),
				IdentityStoreID: aws.ToString(in.IdentityStoreId), Region: region}
			r.mu.Unlock()
			return
		}
	}
}

// controlTower finds a landing zone (ListLandingZones answers in any region; a landing zone lives in
// its home region, the region in its ARN) and reads it and its enabled baselines
// (https://docs.aws.amazon.com/controltower/latest/APIReference/API_ListLandingZones.html).
func (r *run) controlTower(ctx context.Context) {
	var arn string
	for _, region := range r.mgmtRegions() {
		out, err := awsapi.ControlTower(awsapi.InRegion(r.mgmt, region)).ListLandingZones(ctx, &controltower.ListLandingZonesInput{})
		if err != nil {
			r.problem(r.id.Account, region, err)
			continue
		}
		if len(out.LandingZones) > 0 {
			arn = aws.ToString(out.LandingZones[0].Arn)
			break
		}
	}
	if arn == "" {
		return
	}
	home := arnRegion(arn)
	ct := awsapi.ControlTower(awsapi.InRegion(r.mgmt, home))
	out, err := ct.GetLandingZone(ctx, &controltower.GetLandingZoneInput{LandingZoneIdentifier: aws.String(arn)})
	if err != nil {
		r.problem(r.id.Account, home, err)
		return
	}
	d := out.LandingZone
	lz := &inventory.LandingZone{Arn: aws.ToString(d.Arn), Version: aws.ToString(d.Version),
		LatestAvailableVersion: aws.ToString(d.LatestAvailableVersion), Status: string(d.Status), HomeRegion: home,
		GovernedRegions: []string{}}
	if d.DriftStatus != nil {
		lz.DriftStatus = string(d.DriftStatus.Status)
	}
	if d.Manifest != nil {
		// The manifest schema: https://docs.aws.amazon.com/controltower/latest/userguide/lz-api-launch.html
		var m inventory.LandingZoneManifest
		if err := d.Manifest.UnmarshalSmithyDocument(&m); err != nil {
			r.addProblem(inventory.Problem{AccountID: r.id.Account, Region: home, Service: "controltower", Operation: "GetLandingZone",
				Code: "InvalidManifest", Message: "cannot read the landing zone manifest: " + err.Error()})
		} else {
			lz.GovernedRegions = append(lz.GovernedRegions, m.GovernedRegions...)
			lz.SecurityOUName = m.OrganizationStructure.Security.Name
			lz.SandboxOUName = m.OrganizationStructure.Sandbox.Name
			lz.LogArchiveAccountID = m.CentralizedLogging.AccountID
			lz.AuditAccountID = m.SecurityRoles.AccountID
		}
	}
	// ListEnabledBaselines names baselines by opaque ARNs; ListBaselines maps them to names
	// (https://docs.aws.amazon.com/controltower/latest/APIReference/API_ListBaselines.html).
	var catalogue []inventory.Baseline
	bp := controltower.NewListBaselinesPaginator(ct, &controltower.ListBaselinesInput{})
	for bp.HasMorePages() {
		page, err := bp.NextPage(ctx)
		if err != nil {
			r.problem(r.id.Account, home, err)
			break
		}
		for _, b := range page.Baselines {
			catalogue = append(catalogue, inventory.Baseline{Arn: aws.ToString(b.Arn), Name: aws.ToString(b.Name)})
		}
	}
	// includeChildren adds the account-level enabled baselines (enrolled accounts) to the OU-level
	// ones (https://docs.aws.amazon.com/controltower/latest/APIReference/API_ListEnabledBaselines.html).
	var baselines []inventory.EnabledBaseline
	pg := controltower.NewListEnabledBaselinesPaginator(ct, &controltower.ListEnabledBaselinesInput{IncludeChildren: true})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			r.problem(r.id.Account, home, err)
			break
		}
		for _, b := range page.EnabledBaselines {
			eb := inventory.EnabledBaseline{Arn: aws.ToString(b.Arn), BaselineIdentifier: aws.ToString(b.BaselineIdentifier),
				BaselineVersion: aws.ToString(b.BaselineVersion), TargetIdentifier: aws.ToString(b.TargetIdentifier)}
			if b.StatusSummary != nil {
				eb.Status = string(b.StatusSummary.Status)
			}
			baselines = append(baselines, eb)
		}
	}
	r.mu.Lock()
	r.snap.ControlTower.LandingZone = lz
	r.snap.ControlTower.Baselines = catalogue
	r.snap.ControlTower.EnabledBaselines = baselines
	r.mu.Unlock()
}

// arnRegion is the region field of an ARN (arn:partition:service:region:account:resource).
func arnRegion(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 4 {
		return ""
	}
	return parts[3]
}
