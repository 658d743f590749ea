package steps

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/servicecatalog"
	sctypes "github.com/aws/aws-sdk-go-v2/service/servicecatalog/types"

	"github.com/lz2ct/lz2ct/awsapi"
	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/plans"
)

// sc.product.delete: delete one of ALZ's products (the Account Vending Machine). The guard: no
// provisioned product of it is left, and it is not Control Tower's Account Factory. Service Catalog
// refuses a product still in a portfolio (ResourceInUseException); gone is ResourceNotFoundException
// (https://docs.aws.amazon.com/servicecatalog/latest/dg/API_DeleteProduct.html).
func init() {
	Register(Def[plans.SCProductDelete]{
		Observe: func(ctx context.Context, x *Exec, p plans.SCProductDelete) (Observation, error) {
			sc := awsapi.ServiceCatalog(x.Management(p.Region))
			d, err := sc.DescribeProductAsAdmin(ctx, &servicecatalog.DescribeProductAsAdminInput{Id: aws.String(p.ProductID)})
			if HasCode(err, "ResourceNotFoundException") {
				return Observation{State: Done, Note: "product " + p.ProductID + " is deleted"}, nil
			}
			if err != nil {
				return Observation{}, err
			}
			var name, owner string
			if v := d.ProductViewDetail; v != nil && v.ProductViewSummary != nil {
				name, owner = aws.ToString(v.ProductViewSummary.Name), aws.ToString(v.ProductViewSummary.Owner)
			}
			if name == inventory.AccountFactoryProduct || owner == inventory.AccountFactoryProvider {
				return Observation{State: Unsafe, Note: fmt.Sprintf("product %s is Control Tower's %s: never deleted; remove this step from the plan", p.ProductID, name)}, nil
			}
			left, err := searchProvisioned(ctx, sc, "productId:"+p.ProductID, func(pp sctypes.ProvisionedProductAttribute) bool { return aws.ToString(pp.ProductId) == p.ProductID })
			if err != nil {
				return Observation{}, err
			}
			change := fmt.Sprintf("delete product %s (%s)", p.ProductID, name)
			if len(left) > 0 {
				var names []string
				for _, pp := range left {
					names = append(names, aws.ToString(pp.Name)+" ("+aws.ToString(pp.Id)+")")
				}
				if x.DryRun {
					return Observation{State: NotDone, Change: change + " (once its provisioned products are terminated: " + strings.Join(names, ", ") + ")"}, nil
				}
				return Observation{State: Unsafe, Note: fmt.Sprintf("product %s still has provisioned products: %s; terminate them (or keep the product: remove this step from the plan), then run lz2ct resume", p.ProductID, strings.Join(names, ", "))}, nil
			}
			return Observation{State: NotDone, Change: change}, nil
		},
		Start: func(ctx context.Context, x *Exec, p plans.SCProductDelete) (string, error) {
			_, err := awsapi.ServiceCatalog(x.Management(p.Region)).DeleteProduct(ctx, &servicecatalog.DeleteProductInput{Id: aws.String(p.ProductID)})
			if HasCode(err, "ResourceInUseException") {
				return "", Advise(err, "a portfolio still holds the product or a provisioned product of it is left (the steps before this one remove them: see which failed); then run lz2ct resume")
			}
			return "", err
		},
		Verify: func(ctx context.Context, x *Exec, p plans.SCProductDelete) (Outputs, error) {
			_, err := awsapi.ServiceCatalog(x.Management(p.Region)).DescribeProductAsAdmin(ctx, &servicecatalog.DescribeProductAsAdminInput{Id: aws.String(p.ProductID)})
			if HasCode(err, "ResourceNotFoundException") {
				return nil, nil
			}
			if err != nil {
				return nil, err
			}
			return nil, NotYet(fmt.Errorf("product %s is still there", p.ProductID))
		},
		Classify: DoneOn("ResourceNotFoundException"),
	})
}
