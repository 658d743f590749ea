package steps

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/organizations/types"

	"github.com/lz2ct/lz2ct/awsapi"
	"github.com/lz2ct/lz2ct/plans"
)

// ou.create: create an OU under a root or OU (the parent may be another step's output).
// CreateOrganizationalUnit has no idempotency token; OU names are unique among siblings, so the
// name under the parent is the key: Observe looks it up, and DuplicateOrganizationalUnitException
// means a repeat found it in place.
// https://docs.aws.amazon.com/organizations/latest/APIReference/API_CreateOrganizationalUnit.html
func init() {
	Register(Def[plans.OUCreate]{
		Observe: func(ctx context.Context, x *Exec, p plans.OUCreate) (Observation, error) {
			parent, err := x.Resolve(p.ParentID)
			if err != nil {
				return Observation{}, err
			}
			ou, err := ouByName(ctx, x, parent, p.Name)
			if HasCode(err, "ParentNotFoundException") {
				return Observation{State: Unsafe, Note: fmt.Sprintf("the parent %s no longer exists, so OU %q cannot be created under it", targetWords(parent), p.Name)}, nil
			}
			if err != nil {
				return Observation{}, err
			}
			if ou != nil {
				return Observation{State: Done, Note: fmt.Sprintf("OU %s named %q exists under %s", aws.ToString(ou.Id), p.Name, targetWords(parent))}, nil
			}
			return Observation{State: NotDone, Change: fmt.Sprintf("create OU %q under %s", p.Name, targetWords(parent))}, nil
		},
		Start: func(ctx context.Context, x *Exec, p plans.OUCreate) (string, error) {
			parent, err := x.Resolve(p.ParentID)
			if err != nil {
				return "", err
			}
			_, err = awsapi.Organizations(x.Management("")).CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{
				ParentId: aws.String(parent), Name: aws.String(p.Name)})
			var cv *types.ConstraintViolationException
			if errors.As(err, &cv) {
				switch cv.Reason {
				case types.ConstraintViolationExceptionReasonOuDepthLimitExceeded:
					return "", Advise(err, fmt.Sprintf("OU_DEPTH_LIMIT_EXCEEDED: %s is already at the deepest level Organizations allows (5 OUs under the root): re-plan with a shallower OU, or create it elsewhere by hand", targetWords(parent)))
				case types.ConstraintViolationExceptionReasonOuNumberLimitExceeded:
					return "", Advise(err, "OU_NUMBER_LIMIT_EXCEEDED: the organization has as many OUs as Organizations allows: delete unused OUs, then run lz2ct resume")
				}
			}
			return "", err
		},
		Verify: func(ctx context.Context, x *Exec, p plans.OUCreate) (Outputs, error) {
			parent, err := x.Resolve(p.ParentID)
			if err != nil {
				return nil, err
			}
			ou, err := ouByName(ctx, x, parent, p.Name)
			if err != nil {
				return nil, err
			}
			if ou == nil {
				return nil, NotYet(fmt.Errorf("OU %q is not listed under %s yet", p.Name, parent))
			}
			return Outputs{plans.OutputOUID: aws.ToString(ou.Id), plans.OutputOUARN: aws.ToString(ou.Arn)}, nil
		},
		// A repeat after a crash, or someone made it: Verify then reads its ID.
		Classify: DoneOn("DuplicateOrganizationalUnitException"),
	})
}

// ouByName finds the child OU of parent with exactly this name (nil when there is none).
func ouByName(ctx context.Context, x *Exec, parent, name string) (*types.OrganizationalUnit, error) {
	pages := organizations.NewListOrganizationalUnitsForParentPaginator(awsapi.Organizations(x.Management("")),
		&organizations.ListOrganizationalUnitsForParentInput{ParentId: aws.String(parent)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for i := range page.OrganizationalUnits {
			if aws.ToString(page.OrganizationalUnits[i].Name) == name {
				return &page.OrganizationalUnits[i], nil
			}
		}
	}
	return nil, nil
}
