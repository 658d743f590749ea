package steps

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/servicecatalog"
	sctypes "github.com/aws/aws-sdk-go-v2/service/servicecatalog/types"

	"github.com/lz2ct/lz2ct/awsapi"
	"github.com/lz2ct/lz2ct/plans"
)

// sc.principal.disassociate: take a principal's access to an ALZ portfolio away, once the
// portfolio's definition is exported. ListPrincipalsForPortfolio says whether it still has access;
// ResourceNotFoundException (the portfolio or the association gone) means done
// (https://docs.aws.amazon.com/servicecatalog/latest/dg/API_DisassociatePrincipalFromPortfolio.html).
func init() {
	Register(Def[plans.SCPrincipalDisassociate]{
		Observe: func(ctx context.Context, x *Exec, p plans.SCPrincipalDisassociate) (Observation, error) {
			typ, err := principalOf(ctx, x, p)
			if err != nil {
				return Observation{}, err
			}
			if typ == "" {
				return Observation{State: Done, Note: p.PrincipalARN + " has no access to portfolio " + p.PortfolioID}, nil
			}
			change := fmt.Sprintf("remove %s from portfolio %s", p.PrincipalARN, p.PortfolioID)
			if !portfolioExported(x, p.PortfolioID) {
				return notExported(x, p.PortfolioID, change), nil
			}
			return Observation{State: NotDone, Change: change}, nil
		},
		Start: func(ctx context.Context, x *Exec, p plans.SCPrincipalDisassociate) (string, error) {
			typ, err := principalOf(ctx, x, p)
			if err != nil || typ == "" {
				return "", err
			}
			_, err = awsapi.ServiceCatalog(x.Management(p.Region)).DisassociatePrincipalFromPortfolio(ctx, &servicecatalog.DisassociatePrincipalFromPortfolioInput{
				PortfolioId: aws.String(p.PortfolioID), PrincipalARN: aws.String(p.PrincipalARN), PrincipalType: typ})
			return "", err
		},
		Verify: func(ctx context.Context, x *Exec, p plans.SCPrincipalDisassociate) (Outputs, error) {
			typ, err := principalOf(ctx, x, p)
			if err != nil {
				return nil, err
			}
			if typ != "" {
				return nil, NotYet(fmt.Errorf("%s still has access to portfolio %s", p.PrincipalARN, p.PortfolioID))
			}
			return nil, nil
		},
		Classify: DoneOn("ResourceNotFoundException"),
	})
}

// principalOf is the principal's type in the portfolio ("" = no access, or no portfolio).
func principalOf(ctx context.Context, x *Exec, p plans.SCPrincipalDisassociate) (sctypes.PrincipalType, error) {
	pages := servicecatalog.NewListPrincipalsForPortfolioPaginator(awsapi.ServiceCatalog(x.Management(p.Region)),
		&servicecatalog.ListPrincipalsForPortfolioInput{PortfolioId: aws.String(p.PortfolioID)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if HasCode(err, "ResourceNotFoundException") {
			return "", nil
		}
		if err != nil {
			return "", err
		}
		for _, pr := range page.Principals {
			if aws.ToString(pr.PrincipalARN) == p.PrincipalARN {
				return pr.PrincipalType, nil
			}
		}
	}
	return "", nil
}
