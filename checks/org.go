package checks

import (
	"fmt"
	"github.com/lz2ct/lz2ct/words"
	"slices"
	"strings"
)

// Sources the organization checks rely on.
const (
	srcPrereqs      = "https://docs.aws.amazon.com/controltower/latest/userguide/getting-started-prereqs.html"
	srcAllFeatures  = "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_org_support-all-features.html"
	srcOrgQuotas    = "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html"
	srcTrusted      = "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_integrate_services.html"
	srcConfigDelAdm = "https://docs.aws.amazon.com/config/latest/developerguide/aggregated-register-delegated-administrator.html"
)

func init() {
	register(Check{
		ID: "org.all-features", Title: "Organization has all features enabled",
		Severity: Blocker, Phase: PhaseDeploy,
		Reads:  "organization.featureSet",
		Why:    "Control Tower needs an organization with all features; SCPs and trusted access do not exist under consolidated billing only.",
		Source: srcAllFeatures,
		Run: func(in Input) []Finding {
			fs := in.Snapshot.Organization.FeatureSet
			if fs == "ALL" {
				return nil
			}
			return []Finding{{
				Title:       "The organization does not have all features enabled",
				Subjects:    []Subject{{Kind: KindOrganization, ID: in.Snapshot.Organization.ID}},
				Evidence:    []string{fmt.Sprintf("featureSet is %q", fs)},
				Remediation: "Enable all features (aws organizations enable-all-features) and have every member account approve it, then discover again.",
			}}
		},
	})
	register(Check{
		ID: "org.management-account", Title: "Management account can be identified",
		Severity: Blocker, Phase: PhaseDeploy,
		Reads:  "organization.managementAccountId, accounts",
		Why:    "Control Tower is set up from the management account; every step runs with its credentials.",
		Source: srcPrereqs,
		Run: func(in Input) []Finding {
			id := in.Snapshot.Organization.ManagementAccountID
			if id != "" && in.index().Account(id) != nil {
				return nil
			}
			ev := "organization.managementAccountId is empty"
			if id != "" {
				ev = fmt.Sprintf("management account %s is not among the organization's accounts", id)
			}
			return []Finding{{
				Title:       "The management account is unknown",
				Subjects:    []Subject{{Kind: KindOrganization, ID: in.Snapshot.Organization.ID}},
				Evidence:    []string{ev},
				Remediation: "Run discovery with credentials of the management account (organizations:DescribeOrganization and ListAccounts must work).",
			}}
		},
	})
	register(Check{
		ID: "org.account-quota", Title: "Account quota leaves room for the two new shared accounts",
		Severity: Blocker, Phase: PhaseDeploy,
		Reads:  "organization.accountQuota, accounts, controlTower.landingZone",
		Why:    "Control Tower creates new Log Archive and Audit accounts; setup fails when the organization is at its account quota.",
		Source: srcOrgQuotas,
		Run: func(in Input) []Finding {
			q := in.Snapshot.Organization.AccountQuota
			if q == 0 || in.Snapshot.ControlTower.LandingZone != nil || in.Settings.BringsExistingAccounts() {
				return nil // unknown quota; CT already created its accounts; or it takes ALZ's
			}
			// Suspended accounts count too: they stay in the organization until closed for good.
			n := len(in.Snapshot.Accounts)
			if n+2 <= q {
				return nil
			}
			return []Finding{{
				Title:       "Not enough account quota for Control Tower's Log Archive and Audit accounts",
				Subjects:    []Subject{{Kind: KindOrganization, ID: in.Snapshot.Organization.ID}},
				Evidence:    []string{fmt.Sprintf("%s, quota %d: Control Tower needs 2 more", words.Count(n, "account"), q)},
				Remediation: "Request an increase of the Organizations quota L-29A0C5DF (Service Quotas, us-east-1) before deploying Control Tower.",
			}}
		},
	})
	register(Check{
		ID: "org.trusted-access", Title: "No trusted access for AWS Config or CloudTrail",
		Severity: Blocker, Phase: PhaseDeploy,
		Reads:  "trustedServices",
		Why:    "Control Tower's pre-launch checks fail while config.amazonaws.com or cloudtrail.amazonaws.com has trusted access in the organization.",
		Source: srcPrereqs,
		Run: func(in Input) []Finding {
			if in.Snapshot.ControlTower.LandingZone != nil {
				return nil // only the landing zone setup checks it
			}
			var out []Finding
			for _, svc := range []string{"config.amazonaws.com", "cloudtrail.amazonaws.com"} {
				if !slices.ContainsFunc(in.Snapshot.TrustedServices, func(t string) bool { return strings.EqualFold(t, svc) }) {
					continue
				}
				out = append(out, Finding{
					Title:    "Trusted access is enabled for " + svc,
					Subjects: []Subject{{Kind: KindService, ID: svc}},
					Evidence: []string{svc + " is in the organization's trusted services"},
					Remediation: fmt.Sprintf("The plan's deploy phase disables it (step deploy/trusted-access/%s, confirmed by you): aws organizations disable-aws-service-access --service-principal %s. "+
						"Check first which tool relies on it (organization trails, Config aggregators).", svc, svc),
					FixedByPlan: true,
				})
			}
			return out
		},
	})
	register(Check{
		ID: "org.config-delegated-admin", Title: "Delegated administrators for AWS Config",
		Severity: Warning, Phase: PhaseDeploy,
		Reads:  "delegatedAdmins",
		Why:    "A delegated administrator for AWS Config usually runs organization aggregators or conformance packs that depend on the Config recorders the migration removes; Control Tower's Audit account becomes the aggregator.",
		Source: srcConfigDelAdm,
		Run: func(in Input) []Finding {
			var out []Finding
			for _, d := range in.Snapshot.DelegatedAdmins {
				if !strings.HasPrefix(d.ServicePrincipal, "config") {
					continue
				}
				subj := []Subject{{Kind: KindAccount, ID: d.AccountID}, {Kind: KindService, ID: d.ServicePrincipal}}
				if a := in.index().Account(d.AccountID); a != nil {
					subj[0] = accountSubject(a)
				}
				out = append(out, Finding{
					Title:       "Account " + d.AccountID + " is delegated administrator for " + d.ServicePrincipal,
					Subjects:    subj,
					Evidence:    []string{fmt.Sprintf("delegated administrator %s for %s", d.AccountID, d.ServicePrincipal)},
					Remediation: "Review what this account runs for AWS Config (aggregators, conformance packs) and plan its move to Control Tower's Audit account; deregister it if it is no longer needed.",
				})
			}
			return out
		},
	})
}
