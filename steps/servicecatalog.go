package steps

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/servicecatalog"
	sctypes "github.com/aws/aws-sdk-go-v2/service/servicecatalog/types"

	"github.com/lz2ct/lz2ct/inventory"
)

// What the Service Catalog kinds read alike: provisioned products, records, Account Factory's
// launch path, the exported portfolio definitions.

// provisionedNamed lists the caller's provisioned products with this name
// (https://docs.aws.amazon.com/servicecatalog/latest/dg/API_SearchProvisionedProducts.html:
// SearchQuery "name:<name>").
func provisionedNamed(ctx context.Context, sc *servicecatalog.Client, name string) ([]sctypes.ProvisionedProductAttribute, error) {
	return searchProvisioned(ctx, sc, "name:"+name, func(p sctypes.ProvisionedProductAttribute) bool { return aws.ToString(p.Name) == name })
}

func searchProvisioned(ctx context.Context, sc *servicecatalog.Client, query string, keep func(sctypes.ProvisionedProductAttribute) bool) ([]sctypes.ProvisionedProductAttribute, error) {
	var out []sctypes.ProvisionedProductAttribute
	pages := servicecatalog.NewSearchProvisionedProductsPaginator(sc, &servicecatalog.SearchProvisionedProductsInput{
		AccessLevelFilter: &sctypes.AccessLevelFilter{Key: sctypes.AccessLevelFilterKeyAccount, Value: aws.String("self")},
		Filters:           map[string][]string{"SearchQuery": {query}}})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, p := range page.ProvisionedProducts {
			if keep(p) {
				out = append(out, p)
			}
		}
	}
	return out, nil
}

// recordStatus reads a record once: CREATED, IN_PROGRESS and IN_PROGRESS_IN_ERROR are in
// progress, FAILED carries the record's errors
// (https://docs.aws.amazon.com/servicecatalog/latest/dg/API_DescribeRecord.html).
func recordStatus(ctx context.Context, sc *servicecatalog.Client, id string) (OpStatus, error) {
	out, err := sc.DescribeRecord(ctx, &servicecatalog.DescribeRecordInput{Id: aws.String(id)})
	if err != nil {
		return OpStatus{}, err
	}
	d := out.RecordDetail
	switch d.Status {
	case sctypes.RecordStatusSucceeded:
		return OpStatus{State: OpSucceeded}, nil
	case sctypes.RecordStatusFailed:
		var msgs []string
		for _, e := range d.RecordErrors {
			msgs = append(msgs, strings.TrimSpace(aws.ToString(e.Code)+": "+aws.ToString(e.Description)))
		}
		if len(msgs) == 0 {
			msgs = append(msgs, "record "+id+" FAILED without errors")
		}
		return OpStatus{State: OpFailed, Message: strings.Join(msgs, "; ")}, nil
	}
	return OpStatus{State: OpInProgress, Message: string(d.Status)}, nil
}

// launch is what ProvisionProduct needs to launch Account Factory.
type launch struct {
	product, artifact, path string
}

// errNoAccountFactory: the caller cannot see Account Factory. Searching as an end user shows only
// the products of portfolios the caller's principal may use; Control Tower's own principals are
// granted, any other must be added to the Account Factory portfolio first
// (https://docs.aws.amazon.com/controltower/latest/userguide/provision-as-end-user.html).
var errNoAccountFactory = errors.New("Account Factory is not visible to these credentials")

// accountFactoryLaunch finds the product by name, its current provisioning artifact and its launch
// path: SearchProducts, DescribeProduct, ListLaunchPaths.
func accountFactoryLaunch(ctx context.Context, sc *servicecatalog.Client, name string) (launch, error) {
	var l launch
	pages := servicecatalog.NewSearchProductsPaginator(sc, &servicecatalog.SearchProductsInput{Filters: map[string][]string{"FullTextSearch": {name}}})
	for pages.HasMorePages() && l.product == "" {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return l, err
		}
		for _, p := range page.ProductViewSummaries {
			if aws.ToString(p.Name) == name {
				l.product = aws.ToString(p.ProductId)
			}
		}
	}
	if l.product == "" {
		return l, Advise(fmt.Errorf("product %q: %w", name, errNoAccountFactory),
			fmt.Sprintf("grant the IAM principal lz2ct runs as access to the %q portfolio (Service Catalog console, or aws servicecatalog associate-principal-with-portfolio), then run lz2ct resume", inventory.AccountFactoryPortfolio))
	}
	d, err := sc.DescribeProduct(ctx, &servicecatalog.DescribeProductInput{Id: aws.String(l.product)})
	if err != nil {
		return l, err
	}
	// The artifact to launch: the DEFAULT one, the newest when several are.
	var newest *sctypes.ProvisioningArtifact
	for i := range d.ProvisioningArtifacts {
		a := &d.ProvisioningArtifacts[i]
		if a.Guidance == sctypes.ProvisioningArtifactGuidanceDeprecated {
			continue
		}
		if newest == nil || (a.CreatedTime != nil && newest.CreatedTime != nil && a.CreatedTime.After(*newest.CreatedTime)) {
			newest = a
		}
	}
	if newest == nil {
		return l, fmt.Errorf("product %s has no active provisioning artifact", l.product)
	}
	l.artifact = aws.ToString(newest.Id)
	paths := servicecatalog.NewListLaunchPathsPaginator(sc, &servicecatalog.ListLaunchPathsInput{ProductId: aws.String(l.product)})
	for paths.HasMorePages() && l.path == "" {
		page, err := paths.NextPage(ctx)
		if err != nil {
			return l, err
		}
		for _, p := range page.LaunchPathSummaries {
			if l.path == "" || aws.ToString(p.Name) == inventory.AccountFactoryPortfolio {
				l.path = aws.ToString(p.Id)
			}
		}
	}
	if l.path == "" {
		return l, Advise(fmt.Errorf("product %s has no launch path for these credentials: %w", l.product, errNoAccountFactory),
			fmt.Sprintf("grant the IAM principal lz2ct runs as access to the %q portfolio, then run lz2ct resume", inventory.AccountFactoryPortfolio))
	}
	return l, nil
}

// portfolioExported reports whether export.portfolios saved the portfolio's definition
// (exports/portfolios/<ID>.json, the plan's convention).
func portfolioExported(x *Exec, portfolioID string) bool {
	_, err := x.ReadExport(portfolioExportPath(portfolioID, ""))
	return err == nil
}

// notExported is the guard's answer when a definition is not in the state folder: in a dry run the
// export has not run yet (NotDone, said so); in a run it went missing (Unsafe).
func notExported(x *Exec, portfolioID, change string) Observation {
	if x.DryRun {
		return Observation{State: NotDone, Change: change + " (once export.portfolios has saved portfolio " + portfolioID + ")"}
	}
	return Observation{State: Unsafe, Note: fmt.Sprintf("portfolio %s's definition is not in the state folder (%s): run its export.portfolios step again (lz2ct apply --step), then lz2ct resume",
		portfolioID, portfolioExportPath(portfolioID, ""))}
}
