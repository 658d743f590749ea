package session

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

// Moves is the work an unattended operator (the demo's, the rehearsal's) does before it confirms a
// manual step, against a simulator. Most manual steps are confirmed as they are. A step that moves
// a service's delegated administration is followed by a delegated-admin.verify, which reads
// Organizations: the operator first does the move there, as one running the step's commands would
// (the former account deregistered, the new one registered), so that the verify passes and the
// run can finish. Operator.Before takes its Before.
type Moves struct {
	W    io.Writer
	Who  string // who says what it does ("the demo")
	Plan *plans.Plan
	Dir  string     // the state folder: the journal holds the new account's ID
	AWS  aws.Config // the management account's, against the simulator
}

// Before does the operator's work for a manual step, if it has any.
func (o Moves) Before(ctx context.Context, stepID string) error {
	for _, st := range o.Plan.OrderedSteps() {
		if st.Kind != plans.KindDelegatedAdminVerify || !slices.Contains(st.DependsOn, stepID) {
			continue
		}
		p := st.Params.(plans.DelegatedAdminVerify)
		if err := o.moveDelegatedAdmin(ctx, p); err != nil {
			return fmt.Errorf("%s: moving %s's delegated administration: %w", o.Who, p.ServicePrincipal, err)
		}
	}
	return nil
}

func (o Moves) moveDelegatedAdmin(ctx context.Context, p plans.DelegatedAdminVerify) error {
	st, err := journal.Read(o.Dir)
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
	if o.W != nil {
		fmt.Fprintf(o.W, "         %s moves %s's delegated administration from account %s to account %s (organizations deregister-/register-delegated-administrator)\n",
			o.Who, p.ServicePrincipal, p.FormerAccountID, acct)
	}
	org := awsapi.Organizations(o.AWS)
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
