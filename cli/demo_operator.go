package cli

import (
	"context"
	"fmt"
	"io"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"

	"github.com/lz2ct/lz2ct/awsapi"
	"github.com/lz2ct/lz2ct/journal"
	"github.com/lz2ct/lz2ct/plans"
)

// demoOperator is what the demo does as its own operator before it confirms a manual step. Most
// manual steps are confirmed as they are. A step that moves a service's delegated administration
// is followed by a delegated-admin.verify, which reads Organizations: the demo first does the move
// there, as an operator running the step's commands would (the former account deregistered, the
// new one registered), so that the verify passes and the run can finish.
type demoOperator struct {
	w    io.Writer
	plan *plans.Plan
	dir  string     // the state folder: the journal holds the new account's ID
	aws  aws.Config // the management account's, against the demo's simulator
}

// before does the operator's work for a manual step, if it has any.
func (o demoOperator) before(ctx context.Context, stepID string) error {
	for _, st := range o.plan.OrderedSteps() {
		if st.Kind != plans.KindDelegatedAdminVerify || !slices.Contains(st.DependsOn, stepID) {
			continue
		}
		p := st.Params.(plans.DelegatedAdminVerify)
		if err := o.moveDelegatedAdmin(ctx, p); err != nil {
			return fmt.Errorf("demo: moving %s's delegated administration: %w", p.ServicePrincipal, err)
		}
	}
	return nil
}

func (o demoOperator) moveDelegatedAdmin(ctx context.Context, p plans.DelegatedAdminVerify) error {
	st, err := journal.Read(o.dir)
	if err != nil {
		return err
	}
	acct, err := p.AccountID.Resolve(func(step, output string) (string, bool) {
		v, ok := st.Outputs(step)[output]
		return v, ok
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(o.w, "         the demo moves %s's delegated administration from account %s to account %s (organizations deregister-/register-delegated-administrator)\n",
		p.ServicePrincipal, p.FormerAccountID, acct)
	org := awsapi.Organizations(o.aws)
	if p.FormerAccountID != "" {
		_, err := org.DeregisterDelegatedAdministrator(ctx, &organizations.DeregisterDelegatedAdministratorInput{
			AccountId: aws.String(p.FormerAccountID), ServicePrincipal: aws.String(p.ServicePrincipal)})
		if code, _ := awsapi.ErrorCode(err); err != nil && code != "AccountNotRegisteredException" {
			return err
		}
	}
	_, err = org.RegisterDelegatedAdministrator(ctx, &organizations.RegisterDelegatedAdministratorInput{
		AccountId: aws.String(acct), ServicePrincipal: aws.String(p.ServicePrincipal)})
	if code, _ := awsapi.ErrorCode(err); err != nil && code != "AccountAlreadyRegisteredException" {
		return err
	}
	return nil
}
