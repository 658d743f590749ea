package checks

import (
	"fmt"
	"strings"

	version "github.com/hashicorp/go-version"
	"github.com/lz2ct/lz2ct/words"
)

const (
	srcSSO        = "https://docs.aws.amazon.com/controltower/latest/userguide/sso.html"
	srcLZVersions = "https://docs.aws.amazon.com/controltower/latest/userguide/lz-versions.html"
	srcGetLZ      = "https://docs.aws.amazon.com/controltower/latest/APIReference/API_GetLandingZone.html"
	srcSetup      = "https://docs.aws.amazon.com/controltower/latest/userguide/getting-started-with-control-tower.html"
	srcNestedOUs  = "https://docs.aws.amazon.com/controltower/latest/userguide/nested-ous.html"
)

// Landing zone versions from which a feature lz2ct may use is available, to our best knowledge:
// the baseline API's compatibility table (lz-versions.html, "Compatibility of OU and baseline
// versions") starts at landing zone 2.0; nested OUs (Nov 2021) and the 3.x manifest API and
// INHERITANCE_DRIFT remediation are later. These thresholds were not re-verified against the
// current lz-versions page; they feed only the informational ct.landing-zone finding, never a blocker.
var ctFeatures = []struct {
	name, min string
}{
	{"OU registration through the baseline API (EnableBaseline)", "2.0"},
	{"nested OUs", "2.8"},
	{"landing zone API (CreateLandingZone/UpdateLandingZone manifests)", "3.0"},
	{"automatic enrollment of accounts moved into registered OUs", "3.3"},
}

func init() {
	register(Check{
		ID: "ct.identity-center-region", Title: "Home region is the IAM Identity Center region",
		Severity: Blocker, Phase: PhaseDeploy,
		Reads:  "identityCenter.region, settings homeRegion",
		Why:    "When IAM Identity Center is already enabled, Control Tower must be deployed in the same region; setup fails otherwise.",
		Source: srcSSO,
		Run: func(in Input) []Finding {
			ic := in.Snapshot.IdentityCenter
			home := in.Settings.HomeRegion
			if ic == nil || ic.Region == "" || home == "" || ic.Region == home {
				return nil
			}
			return []Finding{{
				Title:       "IAM Identity Center is in " + ic.Region + ", not in the chosen home region " + home,
				Subjects:    []Subject{{Kind: KindRegion, ID: home}, {Kind: KindService, ID: "sso", Name: ic.InstanceArn}},
				Evidence:    []string{fmt.Sprintf("Identity Center instance %s is in %s; homeRegion is %s", ic.InstanceArn, ic.Region, home)},
				Remediation: "Use --home-region " + ic.Region + " (or homeRegion in the settings): Control Tower must live where Identity Center is.",
			}}
		},
	})
	register(Check{
		ID: "ct.home-region", Title: "Existing landing zone is in the chosen home region",
		Severity: Blocker, Phase: PhaseDeploy,
		Reads:  "controlTower.landingZone.homeRegion, settings homeRegion",
		Why:    "A landing zone cannot move: if Control Tower is already deployed, its home region is the migration's home region.",
		Source: srcGetLZ,
		Run: func(in Input) []Finding {
			lz := in.Snapshot.ControlTower.LandingZone
			if lz == nil || lz.HomeRegion == "" || in.Settings.HomeRegion == "" || lz.HomeRegion == in.Settings.HomeRegion {
				return nil
			}
			return []Finding{{
				Title:       "Control Tower is deployed in " + lz.HomeRegion + ", not in " + in.Settings.HomeRegion,
				Subjects:    []Subject{{Kind: KindRegion, ID: in.Settings.HomeRegion}, {Kind: KindService, ID: "controltower", Name: lz.Arn}},
				Evidence:    []string{fmt.Sprintf("landing zone %s has home region %s; homeRegion is %s", lz.Arn, lz.HomeRegion, in.Settings.HomeRegion)},
				Remediation: "Use --home-region " + lz.HomeRegion + ".",
			}}
		},
	})
	register(Check{
		ID: "ct.landing-zone", Title: "Existing Control Tower landing zone: status, drift and version",
		Severity: Blocker, Phase: PhaseDeploy,
		Reads:  "controlTower.landingZone (version, latestAvailableVersion, status, driftStatus)",
		Why:    "lz2ct can build on an existing landing zone only when it is ACTIVE; a FAILED or PROCESSING landing zone rejects OU and account operations, drift must be repaired first, and the version decides which features the plan may use.",
		Source: srcGetLZ,
		Run:    checkLandingZone,
	})
	register(Check{
		ID: "ct.reserved-ou-names", Title: "OU names Control Tower will create are free",
		Severity: Warning, Phase: PhaseDeploy,
		Reads:  "ous (root level), controlTower.landingZone",
		Why:    "Control Tower creates a Security OU (and optionally a Sandbox OU) under the root at setup; an existing root-level OU with that name is either reused in ways the migration does not expect or makes setup fail.",
		Source: srcSetup,
		Run: func(in Input) []Finding {
			if in.Snapshot.ControlTower.LandingZone != nil {
				return nil
			}
			ix := in.index()
			var out []Finding
			for _, name := range []string{"Security", "Sandbox"} {
				ou := ix.OUByName(ix.RootID(), name)
				if ou == nil {
					continue
				}
				n := ix.SubtreeAccountCount(ou.ID)
				// A Sandbox OU is common in ALZ organizations and the manifest may simply leave
				// Control Tower's sandbox out or name it differently: information only.
				sev := Warning
				if name == "Sandbox" {
					sev = Info
				}
				out = append(out, Finding{
					Severity:    sev,
					Title:       "An OU named " + ou.Name + " already exists under the root",
					Subjects:    []Subject{ouSubject(ix, ou.ID)},
					Evidence:    []string{fmt.Sprintf("OU %s %q has %s in its subtree and %s", ou.ID, ou.Name, words.Count(n, "account"), words.Count(len(ix.ChildOUs(ou.ID)), "child OU"))},
					Remediation: remediationFor(name),
				})
			}
			return out
		},
	})
}

func checkLandingZone(in Input) []Finding {
	lz := in.Snapshot.ControlTower.LandingZone
	if lz == nil {
		return nil
	}
	subj := []Subject{{Kind: KindService, ID: "controltower", Name: lz.Arn}}
	var out []Finding
	switch lz.Status {
	case "ACTIVE":
	case "PROCESSING":
		out = append(out, Finding{
			Severity: Blocker, Title: "The landing zone is being changed (PROCESSING)",
			Subjects: subj, Evidence: []string{"landing zone status PROCESSING"},
			Remediation: "Wait for the running landing zone operation to finish, then discover again.",
		})
	default:
		out = append(out, Finding{
			Severity: Blocker, Title: "The landing zone is not ACTIVE (" + lz.Status + ")",
			Subjects: subj, Evidence: []string{"landing zone status " + lz.Status},
			Remediation: "Repair the landing zone (Control Tower console: Repair, or controltower:ResetLandingZone) before migrating into it.",
		})
	}
	if lz.DriftStatus == "DRIFTED" {
		out = append(out, Finding{
			Severity: Warning, Title: "The landing zone has drifted",
			Subjects: subj, Evidence: []string{"landing zone driftStatus DRIFTED"},
			Remediation: "Reset the landing zone (controltower:ResetLandingZone, latest version only) before registering OUs: registrations fail on a drifted landing zone.",
			Source:      "https://docs.aws.amazon.com/controltower/latest/userguide/lz-api-reset.html",
		})
	}
	v, err := version.NewVersion(lz.Version)
	if err != nil {
		out = append(out, Finding{
			Severity: Warning, Title: "The landing zone version cannot be read",
			Subjects: subj, Evidence: []string{fmt.Sprintf("version %q: %v", lz.Version, err)},
			Remediation: "Check GetLandingZone's version; lz2ct assumes the oldest feature set.",
		})
		return out
	}
	var have, missing []string
	for _, f := range ctFeatures {
		if v.GreaterThanOrEqual(version.Must(version.NewVersion(f.min))) {
			have = append(have, f.name)
		} else {
			missing = append(missing, f.name+" (needs "+f.min+")")
		}
	}
	ev := []string{fmt.Sprintf("landing zone %s version %s, status %s, drift %s, home region %s", lz.Arn, lz.Version, lz.Status, lz.DriftStatus, lz.HomeRegion)}
	if len(have) > 0 {
		ev = append(ev, "available: "+strings.Join(have, "; "))
	}
	if len(missing) > 0 {
		ev = append(ev, "not available: "+strings.Join(missing, "; "))
	}
	rem := "Nothing to do: the plan builds on this landing zone."
	if latest, err := version.NewVersion(lz.LatestAvailableVersion); err == nil && v.LessThan(latest) {
		ev = append(ev, "latest available version "+lz.LatestAvailableVersion)
		rem = "Consider updating the landing zone to " + lz.LatestAvailableVersion + " first (controltower:UpdateLandingZone): several operations need the latest version."
	}
	out = append(out, Finding{
		Severity: Info, Title: "Control Tower is already deployed (landing zone " + lz.Version + ")",
		Subjects: subj, Evidence: ev, Remediation: rem, Source: srcLZVersions,
	})
	return out
}

func remediationFor(ouName string) string {
	if ouName == "Sandbox" {
		return "Leave the sandbox out of the landing zone manifest or give Control Tower's Sandbox OU another name (organizationStructure.sandbox.name)."
	}
	return "Give Control Tower's Security OU another name in the landing zone manifest (organizationStructure.security.name), or rename the existing OU: " +
		"Control Tower would take it over, and nothing can be registered under its Security OU."
}
