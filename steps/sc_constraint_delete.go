package steps

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/servicecatalog"

	"github.com/lz2ct/lz2ct/awsapi"
	"github.com/lz2ct/lz2ct/plans"
)

// sc.constraint.delete: delete a constraint of an ALZ portfolio, once the portfolio's definition is
// exported. DeleteConstraint has no token; DescribeConstraint says whether it is still there, and
// ResourceNotFoundException means it is gone
// (https://docs.aws.amazon.com/servicecatalog/latest/dg/API_DeleteConstraint.html).
func init() {
	Register(Def[plans.SCConstraintDelete]{
		Observe: func(ctx context.Context, x *Exec, p plans.SCConstraintDelete) (Observation, error) {
			d, err := awsapi.ServiceCatalog(x.Management(p.Region)).DescribeConstraint(ctx, &servicecatalog.DescribeConstraintInput{Id: aws.String(p.ConstraintID)})
			if HasCode(err, "ResourceNotFoundException") {
				return Observation{State: Done, Note: "constraint " + p.ConstraintID + " is deleted"}, nil
			}
			if err != nil {
				return Observation{}, err
			}
			if pf := aws.ToString(d.ConstraintDetail.PortfolioId); pf != "" && pf != p.PortfolioID {
				return Observation{State: Unsafe, Note: fmt.Sprintf("constraint %s belongs to portfolio %s, not %s as planned: re-plan", p.ConstraintID, pf, p.PortfolioID)}, nil
			}
			change := fmt.Sprintf("delete the %s constraint %s of portfolio %s", aws.ToString(d.ConstraintDetail.Type), p.ConstraintID, p.PortfolioID)
			if !portfolioExported(x, p.PortfolioID) {
				return notExported(x, p.PortfolioID, change), nil
			}
			return Observation{State: NotDone, Change: change}, nil
		},
		Start: func(ctx context.Context, x *Exec, p plans.SCConstraintDelete) (string, error) {
			_, err := awsapi.ServiceCatalog(x.Management(p.Region)).DeleteConstraint(ctx, &servicecatalog.DeleteConstraintInput{Id: aws.String(p.ConstraintID)})
			return "", err
		},
		Verify: func(ctx context.Context, x *Exec, p plans.SCConstraintDelete) (Outputs, error) {
			_, err := awsapi.ServiceCatalog(x.Management(p.Region)).DescribeConstraint(ctx, &servicecatalog.DescribeConstraintInput{Id: aws.String(p.ConstraintID)})
			if HasCode(err, "ResourceNotFoundException") {
				return nil, nil
			}
			if err != nil {
				return nil, err
			}
			return nil, NotYet(fmt.Errorf("constraint %s is still there", p.ConstraintID))
		},
		Classify: DoneOn("ResourceNotFoundException"),
	})
}
