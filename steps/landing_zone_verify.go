package steps

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	cttypes "github.com/aws/aws-sdk-go-v2/service/controltower/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	version "github.com/hashicorp/go-version"

	"github.com/lz2ct/lz2ct/awsapi"
	"github.com/lz2ct/lz2ct/plans"
)

// landing-zone.verify: the landing zone the rest of the plan builds on (one that existed, or one
// the operator set up in the console) is ACTIVE, in sync, at least the plan's version, with the
// expected shared accounts. It changes nothing: until it holds, no step after it runs (the plan's
// dependencies), and its Observe says what to do.
func init() {
	Register(Def[plans.LandingZoneVerify]{
		Observe: func(ctx context.Context, x *Exec, p plans.LandingZoneVerify) (Observation, error) {
			lz, err := findLandingZone(ctx, x, p.Region)
			if err != nil {
				return Observation{}, err
			}
			if why, err := lzUnfit(ctx, x, p, lz); err != nil || why != "" {
				return Observation{State: Unsafe, Note: why}, err
			}
			return Observation{State: Done, Note: fmt.Sprintf("landing zone %s, version %s, ACTIVE and in sync; Log Archive %s, Audit %s",
				aws.ToString(lz.Arn), aws.ToString(lz.Version), lz.manifest.CentralizedLogging.AccountID, lz.manifest.SecurityRoles.AccountID)}, nil
		},
		Verify: func(ctx context.Context, x *Exec, p plans.LandingZoneVerify) (Outputs, error) {
			lz, err := findLandingZone(ctx, x, p.Region)
			if err != nil {
				return nil, err
			}
			if why, err := lzUnfit(ctx, x, p, lz); err != nil || why != "" {
				if err == nil {
					err = fmt.Errorf("%s", why)
				}
				return nil, err
			}
			return lzOutputs(ctx, x, p.Region, lz)
		},
	})
}

// lzUnfit says why the landing zone cannot carry the plan, and what to do ("" = it can).
func lzUnfit(ctx context.Context, x *Exec, p plans.LandingZoneVerify, lz *landingZone) (string, error) {
	if lz == nil {
		return fmt.Sprintf("there is no Control Tower landing zone in %s: set it up there (the console, or the plan's set-up step), then run lz2ct resume", p.Region), nil
	}
	arn := aws.ToString(lz.Arn)
	switch lz.Status {
	case cttypes.LandingZoneStatusActive:
	case cttypes.LandingZoneStatusProcessing:
		return fmt.Sprintf("landing zone %s is PROCESSING (an operation on it is in progress): wait until the Control Tower console shows it ACTIVE, then run lz2ct resume", arn), nil
	default:
		return fmt.Sprintf("landing zone %s is %s: read why in the Control Tower console, repair it (aws controltower reset-landing-zone --landing-zone-identifier %s --region %s), then run lz2ct resume", arn, lz.Status, arn, p.Region), nil
	}
	// https://docs.aws.amazon.com/controltower/latest/userguide/drift.html: a drifted landing zone
	// is repaired (reset) before OUs are registered.
	if lz.drift() == string(cttypes.LandingZoneDriftStatusDrifted) {
		return fmt.Sprintf("landing zone %s has drifted: repair it (Control Tower console, Landing zone settings, Repair; or aws controltower reset-landing-zone --landing-zone-identifier %s --region %s), then run lz2ct resume", arn, arn, p.Region), nil
	}
	have, err := version.NewVersion(aws.ToString(lz.Version))
	if err != nil {
		return "", fmt.Errorf("landing zone %s reports version %q: %w", arn, aws.ToString(lz.Version), err)
	}
	if p.MinVersion != "" {
		want, err := version.NewVersion(p.MinVersion)
		if err != nil {
			return "", fmt.Errorf("the plan's minVersion %q: %w (re-create the plan)", p.MinVersion, err)
		}
		if have.LessThan(want) {
			return fmt.Sprintf("landing zone %s is version %s; the plan needs %s or later: update it (Control Tower console, Landing zone settings, Update; latest available %s), then run lz2ct resume",
				arn, aws.ToString(lz.Version), p.MinVersion, aws.ToString(lz.LatestAvailableVersion)), nil
		}
	}
	m := lz.manifest
	if m.CentralizedLogging.AccountID == "" || m.SecurityRoles.AccountID == "" {
		return fmt.Sprintf("landing zone %s names no Log Archive or Audit account in its manifest", arn), nil
	}
	org := awsapi.Organizations(x.Management(""))
	for _, sh := range []struct{ role, id, email string }{{"Log Archive", m.CentralizedLogging.AccountID, p.LogArchiveEmail}, {"Audit", m.SecurityRoles.AccountID, p.AuditEmail}} {
		if sh.email == "" {
			continue
		}
		out, err := org.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: aws.String(sh.id)})
		if err != nil {
			return "", err
		}
		if got := aws.ToString(out.Account.Email); !strings.EqualFold(got, sh.email) {
			return fmt.Sprintf("the landing zone's %s account %s has the e-mail %s, the plan expects %s: the console set-up used other e-mails; re-plan with them (settings), or set up the landing zone again", sh.role, sh.id, got, sh.email), nil
		}
	}
	return "", nil
}
