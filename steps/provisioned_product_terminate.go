package steps

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/servicecatalog"
	sctypes "github.com/aws/aws-sdk-go-v2/service/servicecatalog/types"

	"github.com/lz2ct/lz2ct/awsapi"
	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/plans"
)

// provisioned-product.terminate: terminate one of ALZ's provisioned products (lz_core_*, the
// Account Vending Machine's): its stack goes, the account stays. The TerminateToken is the
// attempt's token; while the termination runs the provisioned product is UNDER_CHANGE with the
// termination as its last record, which Observe follows; once gone, DescribeProvisionedProduct
// answers ResourceNotFoundException
// (https://docs.aws.amazon.com/servicecatalog/latest/dg/API_TerminateProvisionedProduct.html).
// The guard: never an Add-On product (the reference keeps them), never Control Tower's own (that
// would unenroll an account).
func init() {
	Register(Def[plans.ProvisionedProductTerminate]{
		Token: func(p plans.ProvisionedProductTerminate) string { return p.TerminateToken },
		Observe: func(ctx context.Context, x *Exec, p plans.ProvisionedProductTerminate) (Observation, error) {
			sc := awsapi.ServiceCatalog(x.Management(p.Region))
			d, err := sc.DescribeProvisionedProduct(ctx, &servicecatalog.DescribeProvisionedProductInput{Id: aws.String(p.ProvisionedProductID)})
			if HasCode(err, "ResourceNotFoundException") {
				return Observation{State: Done, Note: "provisioned product " + p.ProvisionedProductID + " is terminated"}, nil
			}
			if err != nil {
				return Observation{}, err
			}
			pp := d.ProvisionedProductDetail
			if name := aws.ToString(pp.Name); name != p.ProvisionedProductName {
				return Observation{State: Unsafe, Note: fmt.Sprintf("provisioned product %s is named %s, not %s as planned: re-plan", p.ProvisionedProductID, name, p.ProvisionedProductName)}, nil
			}
			if why, err := keptProduct(ctx, sc, pp); err != nil || why != "" {
				return Observation{State: Unsafe, Note: why}, err
			}
			switch pp.Status {
			case sctypes.ProvisionedProductStatusUnderChange, sctypes.ProvisionedProductStatusPlanInProgress:
				last := aws.ToString(pp.LastRecordId)
				if last == "" {
					return Observation{}, NotYet(fmt.Errorf("provisioned product %s is %s without a record yet: waiting for it", p.ProvisionedProductID, pp.Status))
				}
				rec, err := sc.DescribeRecord(ctx, &servicecatalog.DescribeRecordInput{Id: aws.String(last)})
				if err != nil {
					return Observation{}, err
				}
				if aws.ToString(rec.RecordDetail.RecordType) == "TERMINATE_PROVISIONED_PRODUCT" {
					return Observation{State: Running, OperationID: last, Note: "provisioned product " + p.ProvisionedProductID + " is being terminated"}, nil
				}
				return Observation{}, NotYet(fmt.Errorf("provisioned product %s is %s (record %s, %s): waiting for it", p.ProvisionedProductID, pp.Status, last, aws.ToString(rec.RecordDetail.RecordType)))
			}
			return Observation{State: NotDone, Change: fmt.Sprintf("terminate provisioned product %s (%s, %s): its stack is deleted, no account is closed", p.ProvisionedProductName, p.ProvisionedProductID, pp.Status)}, nil
		},
		Start: func(ctx context.Context, x *Exec, p plans.ProvisionedProductTerminate) (string, error) {
			out, err := awsapi.ServiceCatalog(x.Management(p.Region)).TerminateProvisionedProduct(ctx, &servicecatalog.TerminateProvisionedProductInput{
				ProvisionedProductId: aws.String(p.ProvisionedProductID), TerminateToken: aws.String(x.Token)})
			if err != nil {
				return "", err
			}
			return aws.ToString(out.RecordDetail.RecordId), nil
		},
		Poll: func(ctx context.Context, x *Exec, p plans.ProvisionedProductTerminate, id string) (OpStatus, error) {
			return recordStatus(ctx, awsapi.ServiceCatalog(x.Management(p.Region)), id)
		},
		PollEvery: Backoff{First: 30 * time.Second, Max: time.Minute},
		Verify: func(ctx context.Context, x *Exec, p plans.ProvisionedProductTerminate) (Outputs, error) {
			_, err := awsapi.ServiceCatalog(x.Management(p.Region)).DescribeProvisionedProduct(ctx, &servicecatalog.DescribeProvisionedProductInput{Id: aws.String(p.ProvisionedProductID)})
			if HasCode(err, "ResourceNotFoundException") {
				return nil, nil
			}
			if err != nil {
				return nil, err
			}
			return nil, NotYet(fmt.Errorf("provisioned product %s is still there", p.ProvisionedProductID))
		},
		Classify: DoneOn("ResourceNotFoundException"),
	})
}

// keptProduct says why a provisioned product must stay ("" = it may go): an Add-On product (a
// product of an Add-On portfolio) or Control Tower's Account Factory.
func keptProduct(ctx context.Context, sc *servicecatalog.Client, pp *sctypes.ProvisionedProductDetail) (string, error) {
	if aws.ToString(pp.Type) == "CONTROL_TOWER_ACCOUNT" {
		return fmt.Sprintf("provisioned product %s is Control Tower's (Account Factory): terminating it would unenroll an account; remove this step from the plan", aws.ToString(pp.Id)), nil
	}
	pages := servicecatalog.NewListPortfoliosForProductPaginator(sc, &servicecatalog.ListPortfoliosForProductInput{ProductId: pp.ProductId})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if HasCode(err, "ResourceNotFoundException") {
			return "", nil // the product is gone; its provisioned products go with nothing to keep
		}
		if err != nil {
			return "", err
		}
		for _, pf := range page.PortfolioDetails {
			name := aws.ToString(pf.DisplayName)
			switch {
			case inventory.IsAddOnPortfolio(name):
				return fmt.Sprintf("provisioned product %s is an Add-On product (portfolio %s): the migration keeps Add-On products; remove this step from the plan", aws.ToString(pp.Id), name), nil
			case inventory.IsAccountFactoryPortfolio(name, aws.ToString(pf.ProviderName)):
				return fmt.Sprintf("provisioned product %s is a product of Control Tower's %s: remove this step from the plan", aws.ToString(pp.Id), name), nil
			}
		}
	}
	return "", nil
}
