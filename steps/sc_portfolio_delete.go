package steps

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/servicecatalog"

	"github.com/lz2ct/lz2ct/awsapi"
	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/plans"
)

// sc.portfolio.delete: delete an emptied ALZ portfolio. The guard: its definition is exported, and
// it is not Control Tower's Account Factory portfolio. Service Catalog itself refuses a portfolio
// that still has products, principals or constraints (ResourceInUseException); gone is
// ResourceNotFoundException (https://docs.aws.amazon.com/servicecatalog/latest/dg/API_DeletePortfolio.html).
func init() {
	Register(Def[plans.SCPortfolioDelete]{
		Observe: func(ctx context.Context, x *Exec, p plans.SCPortfolioDelete) (Observation, error) {
			d, err := awsapi.ServiceCatalog(x.Management(p.Region)).DescribePortfolio(ctx, &servicecatalog.DescribePortfolioInput{Id: aws.String(p.PortfolioID)})
			if HasCode(err, "ResourceNotFoundException") {
				return Observation{State: Done, Note: "portfolio " + p.PortfolioID + " is deleted"}, nil
			}
			if err != nil {
				return Observation{}, err
			}
			name := aws.ToString(d.PortfolioDetail.DisplayName)
			if inventory.IsAccountFactoryPortfolio(name, aws.ToString(d.PortfolioDetail.ProviderName)) {
				return Observation{State: Unsafe, Note: fmt.Sprintf("portfolio %s is Control Tower's %s: never deleted; remove this step from the plan", p.PortfolioID, name)}, nil
			}
			change := fmt.Sprintf("delete portfolio %s (%s)", p.PortfolioID, name)
			if !portfolioExported(x, p.PortfolioID) {
				return notExported(x, p.PortfolioID, change), nil
			}
			return Observation{State: NotDone, Change: change}, nil
		},
		Start: func(ctx context.Context, x *Exec, p plans.SCPortfolioDelete) (string, error) {
			_, err := awsapi.ServiceCatalog(x.Management(p.Region)).DeletePortfolio(ctx, &servicecatalog.DeletePortfolioInput{Id: aws.String(p.PortfolioID)})
			if HasCode(err, "ResourceInUseException") {
				return "", Advise(err, "the portfolio still has products, principals or constraints (the steps before this one remove them: see which failed), or it is shared with other accounts (unshare it); then run lz2ct resume")
			}
			return "", err
		},
		Verify: func(ctx context.Context, x *Exec, p plans.SCPortfolioDelete) (Outputs, error) {
			_, err := awsapi.ServiceCatalog(x.Management(p.Region)).DescribePortfolio(ctx, &servicecatalog.DescribePortfolioInput{Id: aws.String(p.PortfolioID)})
			if HasCode(err, "ResourceNotFoundException") {
				return nil, nil
			}
			if err != nil {
				return nil, err
			}
			return nil, NotYet(fmt.Errorf("portfolio %s is still there", p.PortfolioID))
		},
		Classify: DoneOn("ResourceNotFoundException"),
	})
}
