package steps

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/lz2ct/lz2ct/plans"
)

// delegated-admin.verify: confirm by API that the manual step before it moved a service's
// delegated administration: Organizations' ListDelegatedAdministrators for the service lists the
// new account and no longer the former one. It changes nothing.
//
// Until that holds the step waits (Waiting), as logs.copy does when the copy is the operator's:
// the move is the operator's work, so a failure would blame lz2ct for something only the
// operator can fix, and passing would take an unchecked confirmation on trust. The note says which
// account is or is not registered yet; lz2ct resume, or lz2ct confirm on this step, reads again,
// and the steps after it (decommission) wait meanwhile.
// https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListDelegatedAdministrators.html
func init() {
	Register(Def[plans.DelegatedAdminVerify]{
		Observe: func(ctx context.Context, x *Exec, p plans.DelegatedAdminVerify) (Observation, error) {
			missing, err := delegatedAdminMissing(ctx, x, p)
			if err != nil {
				return Observation{}, err
			}
			if missing == "" {
				acct, _ := x.Resolve(p.AccountID)
				return Observation{State: Done, Note: "account " + acct + " is " + p.ServicePrincipal + "'s delegated administrator" + formerWords(p)}, nil
			}
			note := missing + ".\nMove it as the manual step before this one says, then run lz2ct resume (or lz2ct confirm " + x.Step.ID + "): this step reads Organizations' delegated administrators again."
			if x.Confirmed.By != "" {
				note = fmt.Sprintf("confirmed by %s at %s, but %s", x.Confirmed.By, x.Confirmed.At.UTC().Format(time.RFC3339), note)
			}
			return Observation{State: Waiting, Note: note}, nil
		},
		Verify: func(ctx context.Context, x *Exec, p plans.DelegatedAdminVerify) (Outputs, error) {
			missing, err := delegatedAdminMissing(ctx, x, p)
			if err != nil {
				return nil, err
			}
			if missing != "" {
				// Organizations is eventually consistent: a registration may show after a moment.
				return nil, NotYet(fmt.Errorf("%s", missing))
			}
			return nil, nil
		},
	})
}

// delegatedAdminMissing says what is still to do ("" when the new account is the service's
// delegated administrator and the former one is not).
func delegatedAdminMissing(ctx context.Context, x *Exec, p plans.DelegatedAdminVerify) (string, error) {
	acct, err := x.Resolve(p.AccountID)
	if err != nil {
		return "", err
	}
	admins, err := delegatedAdmins(ctx, x, p.ServicePrincipal) // trusted_access_disable.go
	if err != nil {
		return "", err
	}
	ids := make([]string, len(admins))
	for i, a := range admins {
		ids[i] = a.id
	}
	var todo []string
	if !slices.Contains(ids, acct) {
		todo = append(todo, "account "+acct+" is not yet "+p.ServicePrincipal+"'s delegated administrator")
	}
	if p.FormerAccountID != "" && slices.Contains(ids, p.FormerAccountID) {
		todo = append(todo, "account "+p.FormerAccountID+" still is (deregister it: aws organizations deregister-delegated-administrator --account-id "+p.FormerAccountID+" --service-principal "+p.ServicePrincipal+")")
	}
	if len(todo) == 0 {
		return "", nil
	}
	now := "none"
	if len(ids) > 0 {
		now = strings.Join(ids, ", ")
	}
	return strings.Join(todo, "; ") + " (Organizations lists " + now + ")", nil
}

func formerWords(p plans.DelegatedAdminVerify) string {
	if p.FormerAccountID == "" {
		return ""
	}
	return "; account " + p.FormerAccountID + " no longer is"
}
