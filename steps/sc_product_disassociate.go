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

// sc.product.disassociate: take a product out of an ALZ portfolio (never out of Control Tower's
// Account Factory portfolio), once the portfolio's definition is exported. Service Catalog refuses
// while a constraint of the portfolio applies to the product (ResourceInUseException): the plan
// deletes the portfolio's constraints alongside, so the step tries again after a pause
// (https://docs.aws.amazon.com/servicecatalog/latest/dg/API_DisassociateProductFromPortfolio.html).
func init() {
	Register(Def[plans.SCProductDisassociate]{
		Observe: func(ctx context.Context, x *Exec, p plans.SCProductDisassociate) (Observation, error) {
			sc := awsapi.ServiceCatalog(x.Management(p.Region))
			d, err := sc.DescribePortfolio(ctx, &servicecatalog.DescribePortfolioInput{Id: aws.String(p.PortfolioID)})
			if HasCode(err, "ResourceNotFoundException") {
				return Observation{State: Done, Note: "portfolio " + p.PortfolioID + " is gone"}, nil
			}
			if err != nil {
				return Observation{}, err
			}
			if name := aws.ToString(d.PortfolioDetail.DisplayName); inventory.IsAccountFactoryPortfolio(name, aws.ToString(d.PortfolioDetail.ProviderName)) {
				return Observation{State: Unsafe, Note: fmt.Sprintf("portfolio %s is Control Tower's %s: Control Tower reverts changes to it; remove this step from the plan", p.PortfolioID, name)}, nil
			}
			in, err := productInPortfolio(ctx, sc, p)
			if err != nil {
				return Observation{}, err
			}
			if !in {
				return Observation{State: Done, Note: "product " + p.ProductID + " is not in portfolio " + p.PortfolioID}, nil
			}
			change := fmt.Sprintf("remove product %s from portfolio %s (%s)", p.ProductID, p.PortfolioID, aws.ToString(d.PortfolioDetail.DisplayName))
			if !portfolioExported(x, p.PortfolioID) {
				return notExported(x, p.PortfolioID, change), nil
			}
			return Observation{State: NotDone, Change: change}, nil
		},
		Start: func(ctx context.Context, x *Exec, p plans.SCProductDisassociate) (string, error) {
			_, err := awsapi.ServiceCatalog(x.Management(p.Region)).DisassociateProductFromPortfolio(ctx, &servicecatalog.DisassociateProductFromPortfolioInput{
				PortfolioId: aws.String(p.PortfolioID), ProductId: aws.String(p.ProductID)})
			return "", err
		},
		Verify: func(ctx context.Context, x *Exec, p plans.SCProductDisassociate) (Outputs, error) {
			in, err := productInPortfolio(ctx, awsapi.ServiceCatalog(x.Management(p.Region)), p)
			if err != nil {
				return nil, err
			}
			if in {
				return nil, NotYet(fmt.Errorf("product %s is still in portfolio %s", p.ProductID, p.PortfolioID))
			}
			return nil, nil
		},
		Classify: func(err error) Class {
			switch {
			case HasCode(err, "ResourceNotFoundException"):
				return AlreadyDone
			case HasCode(err, "ResourceInUseException"):
				return RetryLater // its constraints are being deleted by the steps alongside
			}
			return DefaultClass(err)
		},
	})
}

func productInPortfolio(ctx context.Context, sc *servicecatalog.Client, p plans.SCProductDisassociate) (bool, error) {
	pages := servicecatalog.NewSearchProductsAsAdminPaginator(sc, &servicecatalog.SearchProductsAsAdminInput{PortfolioId: aws.String(p.PortfolioID)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if HasCode(err, "ResourceNotFoundException") {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		for _, v := range page.ProductViewDetails {
			if v.ProductViewSummary != nil && aws.ToString(v.ProductViewSummary.ProductId) == p.ProductID {
				return true, nil
			}
		}
	}
	return false, nil
}
