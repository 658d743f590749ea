package inventory

import (
	"strings"

	version "github.com/hashicorp/go-version"
)

// Facts about Control Tower and ALZ's Service Catalog objects that the planner, the step kinds and
// the simulator share: one place for each.

// Account Factory's Service Catalog names, as Control Tower creates them in its home region
// (https://docs.aws.amazon.com/controltower/latest/userguide/account-factory.html).
const (
	// AccountFactoryProduct is the product that creates and enrolls accounts.
	AccountFactoryProduct = "AWS Control Tower Account Factory"
	// AccountFactoryPortfolio is the portfolio that holds it.
	AccountFactoryPortfolio = "AWS Control Tower Account Factory Portfolio"
	// AccountFactoryProvider is the portfolio's provider and the product's owner.
	AccountFactoryProvider = "AWS Control Tower"
)

// ControlTowerBaselineVersion is the AWSControlTowerBaseline version that goes with a landing zone
// version (https://docs.aws.amazon.com/controltower/latest/userguide/lz-versions.html, "Compatibility
// of OU and baseline versions"): 2.0–2.7 -> 1.0, 2.8–2.9 -> 2.0, 3.0–3.1 -> 3.0, 3.2–3.3 -> 4.0,
// newer -> 5.0. It returns "" for a version it cannot read.
func ControlTowerBaselineVersion(landingZoneVersion string) string {
	v, err := version.NewVersion(landingZoneVersion)
	if err != nil {
		return ""
	}
	seg := v.Segments()
	maj, min := seg[0], 0
	if len(seg) > 1 {
		min = seg[1]
	}
	switch {
	case maj < 2 || (maj == 2 && min <= 7):
		return "1.0"
	case maj == 2:
		return "2.0"
	case maj == 3 && min <= 1:
		return "3.0"
	case maj == 3:
		return "4.0"
	}
	return "5.0"
}

// IsAddOnPortfolio reports whether a Service Catalog portfolio holds ALZ Add-On products ("AWS
// Landing Zone - Add-On Products" in ALZ 2.x): the migration keeps their provisioned products
// (reference: "If you have deployed Landing Zone Add On products, please don't terminate the
// associated AWS Service Catalog provisioned products").
func IsAddOnPortfolio(name string) bool {
	return strings.Contains(strings.ToLower(name), "add-on")
}

// IsAccountFactoryPortfolio reports whether a portfolio is Control Tower's own (never deleted by
// the migration: Control Tower reverts changes to it).
func IsAccountFactoryPortfolio(name, provider string) bool {
	return name == AccountFactoryPortfolio || provider == AccountFactoryProvider
}

// LandingZoneManifest holds the fields of a landing zone's manifest (GetLandingZone) that lz2ct
// reads, tagged for smithy's document decoder
// (https://docs.aws.amazon.com/controltower/latest/userguide/lz-api-launch.html).
type LandingZoneManifest struct {
	GovernedRegions       []string `document:"governedRegions"`
	OrganizationStructure struct {
		Security struct {
			Name string `document:"name"`
		} `document:"security"`
		Sandbox struct {
			Name string `document:"name"`
		} `document:"sandbox"`
	} `document:"organizationStructure"`
	CentralizedLogging struct {
		AccountID string `document:"accountId"`
	} `document:"centralizedLogging"`
	SecurityRoles struct {
		AccountID string `document:"accountId"`
	} `document:"securityRoles"`
	AccessManagement struct {
		Enabled bool `document:"enabled"`
	} `document:"accessManagement"`
}
