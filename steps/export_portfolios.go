package steps

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/servicecatalog"

	"github.com/lz2ct/lz2ct/awsapi"
	"github.com/lz2ct/lz2ct/plans"
)

// The files export.portfolios writes per portfolio, in the plan's folder (exports/portfolios/), in
// AWS's JSON shapes: the same files as the runbook's describe-portfolio, search-products-as-admin,
// list-principals-for-portfolio and list-constraints-for-portfolio --output json, enough to create
// the portfolio again. Each constraint also carries its parameters (DescribeConstraint's
// ConstraintParameters: a launch constraint's role), which the list does not show.

// PortfolioExport is <ID>.json (DescribePortfolio).
type PortfolioExport struct {
	PortfolioDetail PortfolioDetail `json:"PortfolioDetail"`
	Tags            []Tag           `json:"Tags"`
}

// PortfolioDetail is DescribePortfolio's PortfolioDetail.
type PortfolioDetail struct {
	Id           string     `json:"Id"`
	ARN          string     `json:"ARN,omitempty"`
	DisplayName  string     `json:"DisplayName"`
	Description  string     `json:"Description,omitempty"`
	ProviderName string     `json:"ProviderName,omitempty"`
	CreatedTime  *time.Time `json:"CreatedTime,omitempty"`
}

// Tag is a Service Catalog tag.
type Tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// ProductsExport is <ID>.products.json (SearchProductsAsAdmin of the portfolio).
type ProductsExport struct {
	ProductViewDetails []ProductViewDetail `json:"ProductViewDetails"`
}

// ProductViewDetail is one product of the portfolio.
type ProductViewDetail struct {
	ProductViewSummary ProductViewSummary `json:"ProductViewSummary"`
	Status             string             `json:"Status,omitempty"`
	ProductARN         string             `json:"ProductARN,omitempty"`
}

// ProductViewSummary is a product's summary.
type ProductViewSummary struct {
	Id               string `json:"Id,omitempty"`
	ProductId        string `json:"ProductId"`
	Name             string `json:"Name"`
	Owner            string `json:"Owner,omitempty"`
	ShortDescription string `json:"ShortDescription,omitempty"`
	Type             string `json:"Type,omitempty"`
	Distributor      string `json:"Distributor,omitempty"`
}

// PrincipalsExport is <ID>.principals.json (ListPrincipalsForPortfolio).
type PrincipalsExport struct {
	Principals []Principal `json:"Principals"`
}

// Principal is an IAM user, group or role (or pattern) with access to the portfolio.
type Principal struct {
	PrincipalARN  string `json:"PrincipalARN"`
	PrincipalType string `json:"PrincipalType"`
}

// ConstraintsExport is <ID>.constraints.json (ListConstraintsForPortfolio).
type ConstraintsExport struct {
	ConstraintDetails []ConstraintExport `json:"ConstraintDetails"`
}

// ConstraintExport is one constraint, with its parameters (DescribeConstraint).
type ConstraintExport struct {
	ConstraintId         string `json:"ConstraintId"`
	Type                 string `json:"Type"`
	Description          string `json:"Description,omitempty"`
	Owner                string `json:"Owner,omitempty"`
	ProductId            string `json:"ProductId,omitempty"`
	PortfolioId          string `json:"PortfolioId,omitempty"`
	ConstraintParameters string `json:"ConstraintParameters,omitempty"`
}

// portfolioExportPath is the file of a portfolio's export: kind "" (the portfolio), "products",
// "principals" or "constraints".
func portfolioExportPath(portfolioID, kind string) string {
	return portfolioExportFolder("") + portfolioID + map[string]string{"": ".json", "products": ".products.json",
		"principals": ".principals.json", "constraints": ".constraints.json"}[kind]
}

// portfolioExportFolder is the plan's folder, or the convention's.
func portfolioExportFolder(planned string) string {
	if planned == "" {
		planned = "exports/portfolios/"
	}
	return strings.TrimSuffix(planned, "/") + "/"
}

// export.portfolios: save ALZ's portfolios before decommission empties and deletes them.
func init() {
	Register(Def[plans.ExportPortfolios]{
		Observe: func(_ context.Context, x *Exec, p plans.ExportPortfolios) (Observation, error) {
			var missing []string
			for _, id := range p.PortfolioIDs {
				if err := readPortfolioExport(x, p.Path, id); err != nil {
					missing = append(missing, id)
				}
			}
			if len(missing) > 0 {
				return Observation{State: NotDone, Change: fmt.Sprintf("save %d Service Catalog portfolios (%s) with their products, principals and constraints to %s",
					len(missing), strings.Join(missing, ", "), portfolioExportFolder(p.Path))}, nil
			}
			return Observation{State: Done, Note: fmt.Sprintf("%d portfolios exported", len(p.PortfolioIDs))}, nil
		},
		Start: func(ctx context.Context, x *Exec, p plans.ExportPortfolios) (string, error) {
			sc := awsapi.ServiceCatalog(x.Management(p.Region))
			for _, id := range p.PortfolioIDs {
				if readPortfolioExport(x, p.Path, id) == nil {
					continue // saved before the run stopped
				}
				if err := exportPortfolio(ctx, x, sc, p.Path, id); err != nil {
					return "", fmt.Errorf("portfolio %s: %w", id, err)
				}
			}
			return "", nil
		},
		Verify: func(_ context.Context, x *Exec, p plans.ExportPortfolios) (Outputs, error) {
			for _, id := range p.PortfolioIDs {
				if err := readPortfolioExport(x, p.Path, id); err != nil {
					return nil, err
				}
			}
			return nil, nil
		},
		Classify: func(err error) Class {
			if HasCode(err, "ResourceNotFoundException") {
				return Failed // nothing to save: later steps must not delete what nobody saved
			}
			return DefaultClass(err)
		},
	})
}

func exportPortfolio(ctx context.Context, x *Exec, sc *servicecatalog.Client, folder, id string) error {
	d, err := sc.DescribePortfolio(ctx, &servicecatalog.DescribePortfolioInput{Id: aws.String(id)})
	if err != nil {
		return err
	}
	pe := PortfolioExport{Tags: []Tag{}}
	if pd := d.PortfolioDetail; pd != nil {
		pe.PortfolioDetail = PortfolioDetail{Id: aws.ToString(pd.Id), ARN: aws.ToString(pd.ARN), DisplayName: aws.ToString(pd.DisplayName),
			Description: aws.ToString(pd.Description), ProviderName: aws.ToString(pd.ProviderName), CreatedTime: pd.CreatedTime}
	}
	for _, t := range d.Tags {
		pe.Tags = append(pe.Tags, Tag{Key: aws.ToString(t.Key), Value: aws.ToString(t.Value)})
	}
	products := ProductsExport{ProductViewDetails: []ProductViewDetail{}}
	pp := servicecatalog.NewSearchProductsAsAdminPaginator(sc, &servicecatalog.SearchProductsAsAdminInput{PortfolioId: aws.String(id)})
	for pp.HasMorePages() {
		page, err := pp.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, v := range page.ProductViewDetails {
			pd := ProductViewDetail{Status: string(v.Status), ProductARN: aws.ToString(v.ProductARN)}
			if s := v.ProductViewSummary; s != nil {
				pd.ProductViewSummary = ProductViewSummary{Id: aws.ToString(s.Id), ProductId: aws.ToString(s.ProductId), Name: aws.ToString(s.Name),
					Owner: aws.ToString(s.Owner), ShortDescription: aws.ToString(s.ShortDescription), Type: string(s.Type), Distributor: aws.ToString(s.Distributor)}
			}
			products.ProductViewDetails = append(products.ProductViewDetails, pd)
		}
	}
	principals := PrincipalsExport{Principals: []Principal{}}
	prp := servicecatalog.NewListPrincipalsForPortfolioPaginator(sc, &servicecatalog.ListPrincipalsForPortfolioInput{PortfolioId: aws.String(id)})
	for prp.HasMorePages() {
		page, err := prp.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, pr := range page.Principals {
			principals.Principals = append(principals.Principals, Principal{PrincipalARN: aws.ToString(pr.PrincipalARN), PrincipalType: string(pr.PrincipalType)})
		}
	}
	constraints := ConstraintsExport{ConstraintDetails: []ConstraintExport{}}
	cp := servicecatalog.NewListConstraintsForPortfolioPaginator(sc, &servicecatalog.ListConstraintsForPortfolioInput{PortfolioId: aws.String(id)})
	for cp.HasMorePages() {
		page, err := cp.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, c := range page.ConstraintDetails {
			ce := ConstraintExport{ConstraintId: aws.ToString(c.ConstraintId), Type: aws.ToString(c.Type), Description: aws.ToString(c.Description),
				Owner: aws.ToString(c.Owner), ProductId: aws.ToString(c.ProductId), PortfolioId: aws.ToString(c.PortfolioId)}
			dc, err := sc.DescribeConstraint(ctx, &servicecatalog.DescribeConstraintInput{Id: c.ConstraintId})
			if err != nil {
				return err
			}
			ce.ConstraintParameters = aws.ToString(dc.ConstraintParameters)
			constraints.ConstraintDetails = append(constraints.ConstraintDetails, ce)
		}
	}
	// The portfolio's own file last: it is what Observe looks for first.
	for _, f := range []struct {
		kind string
		v    any
	}{{"products", products}, {"principals", principals}, {"constraints", constraints}, {"", pe}} {
		if err := writeJSON(x, path.Join(portfolioExportFolder(folder), path.Base(portfolioExportPath(id, f.kind))), f.v); err != nil {
			return err
		}
	}
	return nil
}

// readPortfolioExport checks that a portfolio's four files are there, readable, and its own.
func readPortfolioExport(x *Exec, folder, id string) error {
	var pe PortfolioExport
	var products ProductsExport
	var principals PrincipalsExport
	var constraints ConstraintsExport
	for _, f := range []struct {
		kind string
		v    any
	}{{"", &pe}, {"products", &products}, {"principals", &principals}, {"constraints", &constraints}} {
		name := path.Join(portfolioExportFolder(folder), path.Base(portfolioExportPath(id, f.kind)))
		if err := x.ReadExportJSON(name, f.v); errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%s is missing", name)
		} else if err != nil {
			return err
		}
	}
	if pe.PortfolioDetail.Id != id || products.ProductViewDetails == nil || principals.Principals == nil || constraints.ConstraintDetails == nil {
		return fmt.Errorf("the export of portfolio %s is incomplete", id)
	}
	return nil
}
