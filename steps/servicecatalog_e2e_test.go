package steps_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/servicecatalog"

	"github.com/lz2ct/lz2ct/awsapi"
	"github.com/lz2ct/lz2ct/engine/enginetest"
	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/plans"
	"github.com/lz2ct/lz2ct/sim"
	"github.com/lz2ct/lz2ct/steps"
)

var scKinds = []string{plans.KindExportPortfolios, plans.KindProvisionedProductTerminate, plans.KindSCConstraintDelete,
	plans.KindSCPrincipalDisassociate, plans.KindSCProductDisassociate, plans.KindSCPortfolioDelete, plans.KindSCProductDelete}

// ALZ's Service Catalog objects decommissioned from alz2-ct-ready's plan: exported first, the
// provisioned products terminated, the portfolio emptied and deleted, the product deleted; each
// mutation once; the preview changes nothing.
func TestServiceCatalogDecommissionFromThePlan(t *testing.T) {
	snap, s := loadOrg(t, "alz2-ct-ready")
	p := subplan(planOf(t, snap, s), scKinds...)
	srv, c := server(t, snap, sim.Options{})

	pv := preview(t, p, c)
	for _, st := range stepsOf(p, plans.KindSCPortfolioDelete) {
		if got := pv[st.ID]; got.State != "would change" || !strings.Contains(got.Change, "once export.portfolios has saved") {
			t.Errorf("preview of %s before the export: %+v", st.ID, got)
		}
	}
	noMutations(t, srv)

	dir := t.TempDir()
	mustComplete(t, applyPlan(t, p, c, dir))

	var want []string
	for _, st := range stepsOf(p, plans.KindProvisionedProductTerminate) {
		want = append(want, "TerminateProvisionedProduct "+st.Params.(plans.ProvisionedProductTerminate).ProvisionedProductID)
	}
	for _, st := range stepsOf(p, plans.KindSCConstraintDelete) {
		want = append(want, "DeleteConstraint "+st.Params.(plans.SCConstraintDelete).ConstraintID)
	}
	for _, st := range stepsOf(p, plans.KindSCPrincipalDisassociate) {
		pr := st.Params.(plans.SCPrincipalDisassociate)
		want = append(want, "DisassociatePrincipalFromPortfolio "+pr.PortfolioID+"/"+pr.PrincipalARN)
	}
	for _, st := range stepsOf(p, plans.KindSCProductDisassociate) {
		pr := st.Params.(plans.SCProductDisassociate)
		want = append(want, "DisassociateProductFromPortfolio "+pr.PortfolioID+"/"+pr.ProductID)
	}
	for _, st := range stepsOf(p, plans.KindSCPortfolioDelete) {
		want = append(want, "DeletePortfolio "+st.Params.(plans.SCPortfolioDelete).PortfolioID)
	}
	for _, st := range stepsOf(p, plans.KindSCProductDelete) {
		want = append(want, "DeleteProduct "+st.Params.(plans.SCProductDelete).ProductID)
	}
	if len(want) < 15 {
		t.Fatalf("the plan decommissions only %d Service Catalog objects", len(want))
	}
	onceEach(t, applied(srv), want)
	declaredOnly(t, srv, p)
	alz := srv.Snapshot().ALZ
	if len(alz.Portfolios) != 0 || len(alz.Products) != 0 || len(alz.ProvisionedProducts) != 0 {
		t.Errorf("left: portfolios %+v, products %+v, provisioned %+v", alz.Portfolios, alz.Products, alz.ProvisionedProducts)
	}

	// The exports, in AWS's shapes, hold what was deleted.
	pf := snap.ALZ.Portfolios[0]
	var pe steps.PortfolioExport
	var prods steps.ProductsExport
	var cons steps.ConstraintsExport
	for name, v := range map[string]any{pf.ID + ".json": &pe, pf.ID + ".products.json": &prods, pf.ID + ".constraints.json": &cons} {
		data, err := os.ReadFile(filepath.Join(dir, "exports", "portfolios", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(data, v); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	if pe.PortfolioDetail.DisplayName != pf.Name || len(prods.ProductViewDetails) != len(pf.ProductIDs) || prods.ProductViewDetails[0].ProductViewSummary.ProductId != pf.ProductIDs[0] ||
		len(cons.ConstraintDetails) != len(pf.ConstraintIDs) || cons.ConstraintDetails[0].ConstraintId != pf.ConstraintIDs[0] {
		t.Errorf("exports: %+v %+v %+v", pe, prods, cons)
	}
	if info, err := os.Stat(filepath.Join(dir, "exports", "portfolios", pf.ID+".json")); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("export file mode %v (%v), want 0600", info.Mode().Perm(), err)
	}
}

// addOn adds ALZ 2.x's Add-On portfolio with one product and its provisioned product.
func addOn(snap *inventory.Snapshot) {
	z := snap.ALZ
	z.Portfolios = append(z.Portfolios, inventory.Portfolio{ID: "port-addon0000001", Name: "AWS Landing Zone - Add-On Products", ProviderName: "AWS Solutions",
		ProductIDs: []string{"prod-addon0000001"}, PrincipalARNs: []string{}, ConstraintIDs: []string{}})
	z.Products = append(z.Products, inventory.Product{ID: "prod-addon0000001", Name: "AWS-Landing-Zone-Add-On-Centralized-Logging", Owner: "AWS Solutions"})
	z.ProvisionedProducts = append(z.ProvisionedProducts, inventory.ProvisionedProduct{ID: "pp-addon0000001", Name: "centralized-logging", ProductID: "prod-addon0000001", Status: "AVAILABLE"})
}

// The guards: an Add-On product's provisioned product, Control Tower's Account Factory portfolio
// and product, a product with provisioned products left, a portfolio whose definition is not
// exported: each refused before any call, the step failing with what to do.
func TestServiceCatalogGuards(t *testing.T) {
	snap, s := loadOrg(t, "alz2-ct-ready")
	addOn(snap)
	snap.Sort()
	plan := planOf(t, snap, s)
	for _, st := range stepsOf(plan, plans.KindProvisionedProductTerminate) {
		if st.Params.(plans.ProvisionedProductTerminate).ProvisionedProductID == "pp-addon0000001" {
			t.Errorf("the planner terminates the Add-On product's provisioned product: %s", st.ID)
		}
	}
	srv, c := server(t, snap, sim.Options{})
	sc := servicecatalog.NewFromConfig(awsapi.InRegion(c.Management(), snap.ALZ.HomeRegion))
	var afPortfolio, afProduct string
	ports, err := sc.ListPortfolios(context.Background(), &servicecatalog.ListPortfoliosInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, pf := range ports.PortfolioDetails {
		if aws.ToString(pf.DisplayName) == inventory.AccountFactoryPortfolio {
			afPortfolio = aws.ToString(pf.Id)
		}
	}
	prods, err := sc.SearchProductsAsAdmin(context.Background(), &servicecatalog.SearchProductsAsAdminInput{PortfolioId: aws.String(afPortfolio)})
	if err != nil || len(prods.ProductViewDetails) != 1 {
		t.Fatalf("Account Factory's product: %v %+v", err, prods)
	}
	afProduct = aws.ToString(prods.ProductViewDetails[0].ProductViewSummary.ProductId)
	r := snap.ALZ.HomeRegion
	avm := snap.ALZ.Products[0].ID
	cases := map[string]plans.Step{
		"Add-On product (portfolio AWS Landing Zone - Add-On Products)": {ID: "provisioned-product.terminate/pp-addon0000001", Kind: plans.KindProvisionedProductTerminate,
			Params: plans.ProvisionedProductTerminate{Region: r, ProvisionedProductID: "pp-addon0000001", ProvisionedProductName: "centralized-logging", TerminateToken: "lz2ct-addon"}},
		"Control Tower's AWS Control Tower Account Factory Portfolio": {ID: "sc.portfolio.delete/" + afPortfolio, Kind: plans.KindSCPortfolioDelete,
			Params: plans.SCPortfolioDelete{Region: r, PortfolioID: afPortfolio}},
		"Control Tower's AWS Control Tower Account Factory: never deleted": {ID: "sc.product.delete/" + afProduct, Kind: plans.KindSCProductDelete,
			Params: plans.SCProductDelete{Region: r, ProductID: afProduct}},
		"still has provisioned products": {ID: "sc.product.delete/" + avm, Kind: plans.KindSCProductDelete, Params: plans.SCProductDelete{Region: r, ProductID: avm}},
		"definition is not in the state folder": {ID: "sc.portfolio.delete/" + snap.ALZ.Portfolios[0].ID, Kind: plans.KindSCPortfolioDelete,
			Params: plans.SCPortfolioDelete{Region: r, PortfolioID: snap.ALZ.Portfolios[0].ID}},
		"definition is not in the state folder (constraint)": {ID: "sc.constraint.delete/" + snap.ALZ.Portfolios[0].ConstraintIDs[0], Kind: plans.KindSCConstraintDelete,
			Params: plans.SCConstraintDelete{Region: r, PortfolioID: snap.ALZ.Portfolios[0].ID, ConstraintID: snap.ALZ.Portfolios[0].ConstraintIDs[0]}},
	}
	for want, st := range cases {
		sum := applyPlan(t, enginetest.Phase6Plan(snap, st), c, t.TempDir())
		want = strings.TrimSuffix(want, " (constraint)")
		if len(sum.Failed) != 1 || !strings.Contains(sum.Failed[0].Error, "unsafe to run") || !strings.Contains(sum.Failed[0].Error, want) {
			t.Errorf("%s: failed %+v, want unsafe: %q", st.ID, sum.Failed, want)
		}
	}
	noMutations(t, srv)
}
