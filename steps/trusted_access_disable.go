package steps

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"

	"github.com/lz2ct/lz2ct/awsapi"
	"github.com/lz2ct/lz2ct/plans"
)

// trusted-access.disable: turn off a service's trusted access in the organization (Control Tower's
// pre-launch check refuses trusted access for AWS Config and CloudTrail). DisableAWSServiceAccess
// has no idempotency token; disabling access that is already off succeeds, and Observe reads the
// enabled services first. The guard: no delegated administrator is registered for the service —
// Organizations would leave it registered for a service that can no longer act in the organization.
// AWS recommends disabling trusted access through the service itself, which also cleans up what it
// set up; the step says so.
// https://docs.aws.amazon.com/organizations/latest/APIReference/API_DisableAWSServiceAccess.html
func init() {
	Register(Def[plans.TrustedAccessDisable]{
		Observe: func(ctx context.Context, x *Exec, p plans.TrustedAccessDisable) (Observation, error) {
			on, err := trustedAccessOn(ctx, x, p.ServicePrincipal)
			if err != nil {
				return Observation{}, err
			}
			if !on {
				return Observation{State: Done, Note: "trusted access for " + p.ServicePrincipal + " is not enabled"}, nil
			}
			admins, err := delegatedAdmins(ctx, x, p.ServicePrincipal)
			if err != nil {
				return Observation{}, err
			}
			if len(admins) > 0 {
				var cmds []string
				for _, a := range admins {
					cmds = append(cmds, "aws organizations deregister-delegated-administrator --account-id "+a.id+" --service-principal "+p.ServicePrincipal)
				}
				return Observation{State: Unsafe, Note: fmt.Sprintf("%s %s registered as delegated administrator for %s: disabling trusted access would leave %s registered for a service that can no longer act in the organization. "+
					"Hand its work over first (the service's own console or API, e.g. remove the organization aggregator or trail), deregister it (%s), then run lz2ct resume",
					namedList(admins, 5), isAre(len(admins)), p.ServicePrincipal, itThem(len(admins)), strings.Join(cmds, "; "))}, nil
			}
			return Observation{State: NotDone,
				Change: fmt.Sprintf("disable trusted access for %s in the organization (Organizations DisableAWSServiceAccess)", p.ServicePrincipal),
				Note:   recommendServiceDisable(p.ServicePrincipal)}, nil
		},
		Start: func(ctx context.Context, x *Exec, p plans.TrustedAccessDisable) (string, error) {
			x.Log("%s", recommendServiceDisable(p.ServicePrincipal))
			_, err := awsapi.Organizations(x.Management("")).DisableAWSServiceAccess(ctx, &organizations.DisableAWSServiceAccessInput{
				ServicePrincipal: aws.String(p.ServicePrincipal)})
			return "", err
		},
		Verify: func(ctx context.Context, x *Exec, p plans.TrustedAccessDisable) (Outputs, error) {
			on, err := trustedAccessOn(ctx, x, p.ServicePrincipal)
			if err == nil && on {
				return nil, NotYet(fmt.Errorf("trusted access for %s is still enabled", p.ServicePrincipal))
			}
			return nil, err
		},
	})
}

// recommendServiceDisable is AWS's advice, shown with the change: the service's own disable flow
// cleans up what the integration set up, Organizations' call does not.
func recommendServiceDisable(principal string) string {
	return "AWS recommends disabling trusted access through " + principal + "'s own console or API, which also cleans up what the integration set up; " +
		"lz2ct calls Organizations' DisableAWSServiceAccess, which stops the integration and leaves the service's resources in place " +
		"(https://docs.aws.amazon.com/organizations/latest/userguide/orgs_integrate_services.html)"
}

// trustedAccessOn reports whether the service principal has trusted access (compared
// case-insensitively, as the planner and the org.trusted-access check match it).
func trustedAccessOn(ctx context.Context, x *Exec, principal string) (bool, error) {
	pages := organizations.NewListAWSServiceAccessForOrganizationPaginator(awsapi.Organizations(x.Management("")),
		&organizations.ListAWSServiceAccessForOrganizationInput{})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return false, err
		}
		for _, s := range page.EnabledServicePrincipals {
			if strings.EqualFold(aws.ToString(s.ServicePrincipal), principal) {
				return true, nil
			}
		}
	}
	return false, nil
}

// named is an account, OU or policy with its name, for notes.
type named struct{ id, name string }

func (n named) String() string {
	if n.name == "" {
		return n.id
	}
	return n.id + " (" + n.name + ")"
}

// delegatedAdmins are the accounts registered as delegated administrators for the service.
func delegatedAdmins(ctx context.Context, x *Exec, principal string) ([]named, error) {
	var out []named
	pages := organizations.NewListDelegatedAdministratorsPaginator(awsapi.Organizations(x.Management("")),
		&organizations.ListDelegatedAdministratorsInput{ServicePrincipal: aws.String(principal)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, a := range page.DelegatedAdministrators {
			out = append(out, named{aws.ToString(a.Id), aws.ToString(a.Name)})
		}
	}
	return out, nil
}

// namedList renders up to max entries, then how many more: "account 1 (a), account 2 (b) and 3 more".
func namedList(l []named, max int) string {
	var parts []string
	for i, n := range l {
		if i == max {
			parts = append(parts, fmt.Sprintf("%d more", len(l)-max))
			break
		}
		parts = append(parts, n.String())
	}
	switch len(parts) {
	case 0:
		return "none"
	case 1:
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

func itThem(n int) string {
	if n == 1 {
		return "it"
	}
	return "them"
}
