package sim

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/controltower"
	"github.com/aws/aws-sdk-go-v2/service/servicecatalog"
	sctypes "github.com/aws/aws-sdk-go-v2/service/servicecatalog/types"

	"github.com/lz2ct/lz2ct/inventory"
)

func enrollParams(accountID, name, ou, ouID string) []sctypes.ProvisioningParameter {
	p := func(k, v string) sctypes.ProvisioningParameter {
		return sctypes.ProvisioningParameter{Key: aws.String(k), Value: aws.String(v)}
	}
	return []sctypes.ProvisioningParameter{p("AccountName", name), p("AccountEmail", "aws+"+accountID+"@example.com"), p("SSOUserEmail", "aws+"+accountID+"@example.com"),
		p("SSOUserFirstName", "Admin"), p("SSOUserLastName", "User"), p("ManagedOrganizationalUnit", ou+" ("+ouID+")")}
}

func record(t *testing.T, sc *servicecatalog.Client, id *string) *sctypes.RecordDetail {
	t.Helper()
	return must[*servicecatalog.DescribeRecordOutput](t, "DescribeRecord")(sc.DescribeRecord(context.Background(), &servicecatalog.DescribeRecordInput{Id: id})).RecordDetail
}

// Account Factory through the real SDK: finding the product, ProvisionProduct with its token,
// the record's statuses, the account moved and enrolled; a failed enrollment retried with
// UpdateProvisionedProduct; enrollment refused while an OU registers.
func TestAccountFactoryEnrollsAnAccount(t *testing.T) {
	s, clock, ct, ctb, ic, url := ctReady(t, Options{})
	ctx := context.Background()
	sc := servicecatalog.NewFromConfig(mgmtConfig(url, ctHome))
	reg := must[*controltower.EnableBaselineOutput](t, "register Workloads")(enable(ct, ctb, "4.0", ouArn(workOU), ic))
	clock.Advance(12 * time.Minute)
	if op := baselineOp(t, ct, reg.OperationIdentifier); op.Status != "SUCCEEDED" {
		t.Fatalf("registration %+v", op)
	}

	prods := must[*servicecatalog.SearchProductsOutput](t, "SearchProducts")(sc.SearchProducts(ctx, &servicecatalog.SearchProductsInput{
		Filters: map[string][]string{"FullTextSearch": {inventory.AccountFactoryProduct}}}))
	if len(prods.ProductViewSummaries) != 1 {
		t.Fatalf("SearchProducts = %+v", prods.ProductViewSummaries)
	}
	product := prods.ProductViewSummaries[0].ProductId
	d := must[*servicecatalog.DescribeProductOutput](t, "DescribeProduct")(sc.DescribeProduct(ctx, &servicecatalog.DescribeProductInput{Id: product}))
	paths := must[*servicecatalog.ListLaunchPathsOutput](t, "ListLaunchPaths")(sc.ListLaunchPaths(ctx, &servicecatalog.ListLaunchPathsInput{ProductId: product}))
	if len(d.ProvisioningArtifacts) != 1 || len(paths.LaunchPathSummaries) != 1 || *paths.LaunchPathSummaries[0].Name != inventory.AccountFactoryPortfolio {
		t.Fatalf("artifacts %+v, paths %+v", d.ProvisioningArtifacts, paths.LaunchPathSummaries)
	}
	provision := func(name, token string, params []sctypes.ProvisioningParameter) (*servicecatalog.ProvisionProductOutput, error) {
		return sc.ProvisionProduct(ctx, &servicecatalog.ProvisionProductInput{ProductId: product, ProvisioningArtifactId: d.ProvisioningArtifacts[0].Id,
			PathId: paths.LaunchPathSummaries[0].Id, ProvisionedProductName: aws.String(name), ProvisionToken: aws.String(token), ProvisioningParameters: params})
	}

	// The Dirty account moves into Workloads; its Config recorder fails the enrollment.
	_, err := provision("dirty", "tok-dirty", enrollParams(ctDirty, "dirty", "Workloads", workOU)[:5])
	wantCode(t, "a missing parameter", err, "InvalidParametersException")
	first := must[*servicecatalog.ProvisionProductOutput](t, "ProvisionProduct")(provision("dirty", "tok-dirty", enrollParams(ctDirty, "dirty", "Workloads", workOU)))
	again := must[*servicecatalog.ProvisionProductOutput](t, "ProvisionProduct again")(provision("dirty", "tok-dirty", enrollParams(ctDirty, "dirty", "Workloads", workOU)))
	if *again.RecordDetail.RecordId != *first.RecordDetail.RecordId {
		t.Errorf("a repeat with the same token made record %s, not %s", *again.RecordDetail.RecordId, *first.RecordDetail.RecordId)
	}
	_, err = provision("dirty", "tok-other", enrollParams(ctDirty, "dirty", "Workloads", workOU))
	wantCode(t, "the name taken", err, "DuplicateResourceException")
	if st := record(t, sc, first.RecordDetail.RecordId).Status; st != sctypes.RecordStatusCreated {
		t.Errorf("new record: %s", st)
	}
	clock.Advance(time.Minute)
	if st := record(t, sc, first.RecordDetail.RecordId).Status; st != sctypes.RecordStatusInProgressInError {
		t.Errorf("record bound to fail: %s", st)
	}
	clock.Advance(time.Minute)
	rec := record(t, sc, first.RecordDetail.RecordId)
	if rec.Status != sctypes.RecordStatusFailed || len(rec.RecordErrors) != 1 || !strings.Contains(*rec.RecordErrors[0].Description, "AWS-Landing-Zone-BaselineConfigRecorder") {
		t.Fatalf("failed record %+v", rec)
	}
	pp := must[*servicecatalog.SearchProvisionedProductsOutput](t, "SearchProvisionedProducts")(sc.SearchProvisionedProducts(ctx, &servicecatalog.SearchProvisionedProductsInput{
		Filters: map[string][]string{"SearchQuery": {"name:dirty"}}}))
	if len(pp.ProvisionedProducts) != 1 || pp.ProvisionedProducts[0].Status != sctypes.ProvisionedProductStatusError ||
		*pp.ProvisionedProducts[0].LastRecordId != *first.RecordDetail.RecordId || aws.ToString(pp.ProvisionedProducts[0].PhysicalId) != ctDirty {
		t.Fatalf("failed provisioned product %+v", pp.ProvisionedProducts)
	}

	// Fixed (the recorder deleted): the update enrolls it.
	s.mu.Lock()
	s.st.accountRegion(ctDirty, "us-east-1").ConfigRecorders = nil
	s.mu.Unlock()
	up := must[*servicecatalog.UpdateProvisionedProductOutput](t, "UpdateProvisionedProduct")(sc.UpdateProvisionedProduct(ctx, &servicecatalog.UpdateProvisionedProductInput{
		ProvisionedProductId: pp.ProvisionedProducts[0].Id, UpdateToken: aws.String("tok-dirty-2"), ProvisioningParameters: []sctypes.UpdateProvisioningParameter{{Key: aws.String("SSOUserLastName"), Value: aws.String("Owner")}}}))
	clock.Advance(5 * time.Minute)
	if rec := record(t, sc, up.RecordDetail.RecordId); rec.Status != sctypes.RecordStatusSucceeded || *rec.RecordType != "UPDATE_PROVISIONED_PRODUCT" {
		t.Fatalf("update record %+v", rec)
	}
	if eb := enabledOn(t, ct, acctArn(ctDirty)); len(eb) != 1 || eb[0].StatusSummary.Status != "SUCCEEDED" || aws.ToString(eb[0].ParentIdentifier) != *reg.Arn {
		t.Errorf("enrolled account's baseline %+v", eb)
	}
	for _, a := range s.Snapshot().Accounts {
		if a.ID == ctDirty && a.ParentID != workOU {
			t.Errorf("enrolled account is in %s, want %s", a.ParentID, workOU)
		}
	}

	// An OU registration in progress: the enrollment's record fails at once.
	s.mu.Lock()
	s.st.account(ctP1).ParentID = rootID // make the Prod OU empty of what this test needs next
	s.st.reindex()
	s.mu.Unlock()
	prodReg := must[*controltower.EnableBaselineOutput](t, "register Prod")(enable(ct, ctb, "4.0", ouArn(prodOU), ic))
	during := must[*servicecatalog.ProvisionProductOutput](t, "ProvisionProduct during registration")(provision("prod-1", "tok-prod", enrollParams(ctP1, "prod-1", "Workloads", workOU)))
	clock.Advance(2 * time.Minute)
	if rec := record(t, sc, during.RecordDetail.RecordId); rec.Status != sctypes.RecordStatusFailed || !strings.Contains(*rec.RecordErrors[0].Description, "an OU operation ("+*prodReg.OperationIdentifier+")") {
		t.Errorf("enrollment during a registration: %+v", rec)
	}
	var enrolls []string
	for _, m := range applied(s) {
		if strings.HasPrefix(m, "ProvisionProduct") || strings.HasPrefix(m, "UpdateProvisionedProduct") {
			enrolls = append(enrolls, m)
		}
	}
	if want := []string{"ProvisionProduct " + ctDirty, "UpdateProvisionedProduct " + ctDirty, "ProvisionProduct " + ctP1}; !slices.Equal(enrolls, want) {
		t.Errorf("enrollment mutations %v, want %v", enrolls, want)
	}
	replays := 0
	for _, c := range s.Calls() {
		if c.Operation == "ProvisionProduct" && c.Replay {
			replays++
		}
	}
	if replays != 1 {
		t.Errorf("%d replays of ProvisionProduct, want 1", replays)
	}
}

// Decommissioning ALZ's Service Catalog objects: termination, and the deletes in the order AWS
// allows them, with the errors of each step taken too early.
func TestServiceCatalogDecommission(t *testing.T) {
	clock := NewManualClock(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
	s, url := serve(t, ctFixture(), Options{Clock: clock})
	ctx := context.Background()
	sc := servicecatalog.NewFromConfig(mgmtConfig(url, ctHome))
	const port, avm, other, cons = "port-abcdefghijklm", "prod-avm00000001", "prod-other0000001", "cons-abcdefghij1"
	principal := "arn:aws:iam::" + mgmtID + ":role/LandingZoneAdmin"

	// Reads the guards use.
	pf := must[*servicecatalog.DescribePortfolioOutput](t, "DescribePortfolio")(sc.DescribePortfolio(ctx, &servicecatalog.DescribePortfolioInput{Id: aws.String(port)}))
	if *pf.PortfolioDetail.DisplayName != "AWS Landing Zone - Baseline" {
		t.Errorf("DescribePortfolio %+v", pf.PortfolioDetail)
	}
	c := must[*servicecatalog.DescribeConstraintOutput](t, "DescribeConstraint")(sc.DescribeConstraint(ctx, &servicecatalog.DescribeConstraintInput{Id: aws.String(cons)}))
	if *c.ConstraintDetail.PortfolioId != port || *c.ConstraintDetail.ProductId != avm {
		t.Errorf("DescribeConstraint %+v", c.ConstraintDetail)
	}
	pfs := must[*servicecatalog.ListPortfoliosForProductOutput](t, "ListPortfoliosForProduct")(sc.ListPortfoliosForProduct(ctx, &servicecatalog.ListPortfoliosForProductInput{ProductId: aws.String("prod-addon0000001")}))
	if len(pfs.PortfolioDetails) != 1 || !inventory.IsAddOnPortfolio(*pfs.PortfolioDetails[0].DisplayName) {
		t.Errorf("ListPortfoliosForProduct %+v", pfs.PortfolioDetails)
	}

	// Too early: each refused with AWS's error, nothing changed.
	_, err := sc.DeletePortfolio(ctx, &servicecatalog.DeletePortfolioInput{Id: aws.String(port)})
	wantCode(t, "delete a portfolio that is not empty", err, "ResourceInUseException")
	_, err = sc.DisassociateProductFromPortfolio(ctx, &servicecatalog.DisassociateProductFromPortfolioInput{PortfolioId: aws.String(port), ProductId: aws.String(avm)})
	wantCode(t, "disassociate a product with a constraint", err, "ResourceInUseException")
	_, err = sc.DeleteProduct(ctx, &servicecatalog.DeleteProductInput{Id: aws.String(avm)})
	wantCode(t, "delete a product in a portfolio", err, "ResourceInUseException")

	// Terminate the provisioned product: UNDER_CHANGE, then gone; the token replays.
	term := func(token string) (*servicecatalog.TerminateProvisionedProductOutput, error) {
		return sc.TerminateProvisionedProduct(ctx, &servicecatalog.TerminateProvisionedProductInput{ProvisionedProductId: aws.String("pp-abcdefgh0001"), TerminateToken: aws.String(token)})
	}
	t1 := must[*servicecatalog.TerminateProvisionedProductOutput](t, "TerminateProvisionedProduct")(term("tok-term"))
	t2 := must[*servicecatalog.TerminateProvisionedProductOutput](t, "TerminateProvisionedProduct again")(term("tok-term"))
	if *t1.RecordDetail.RecordId != *t2.RecordDetail.RecordId {
		t.Error("a repeated TerminateToken started a second termination")
	}
	_, err = term("tok-term-other")
	wantCode(t, "terminate while under change", err, "InvalidParametersException")
	dp := must[*servicecatalog.DescribeProvisionedProductOutput](t, "DescribeProvisionedProduct")(sc.DescribeProvisionedProduct(ctx, &servicecatalog.DescribeProvisionedProductInput{Id: aws.String("pp-abcdefgh0001")}))
	if dp.ProvisionedProductDetail.Status != sctypes.ProvisionedProductStatusUnderChange || *dp.ProvisionedProductDetail.LastRecordId != *t1.RecordDetail.RecordId {
		t.Errorf("while terminating %+v", dp.ProvisionedProductDetail)
	}
	clock.Advance(3 * time.Minute)
	if rec := record(t, sc, t1.RecordDetail.RecordId); rec.Status != sctypes.RecordStatusSucceeded || *rec.RecordType != "TERMINATE_PROVISIONED_PRODUCT" {
		t.Errorf("termination record %+v", rec)
	}
	_, err = sc.DescribeProvisionedProduct(ctx, &servicecatalog.DescribeProvisionedProductInput{Id: aws.String("pp-abcdefgh0001")})
	wantCode(t, "terminated", err, "ResourceNotFoundException")
	_, err = term("tok-term-3")
	wantCode(t, "terminate again", err, "ResourceNotFoundException")

	// Empty the portfolio, then delete it and the products.
	wantCode(t, "DeleteConstraint", must2(sc.DeleteConstraint(ctx, &servicecatalog.DeleteConstraintInput{Id: aws.String(cons)})), "")
	wantCode(t, "DeleteConstraint again", must2(sc.DeleteConstraint(ctx, &servicecatalog.DeleteConstraintInput{Id: aws.String(cons)})), "ResourceNotFoundException")
	wantCode(t, "DisassociatePrincipal", must2(sc.DisassociatePrincipalFromPortfolio(ctx, &servicecatalog.DisassociatePrincipalFromPortfolioInput{PortfolioId: aws.String(port), PrincipalARN: aws.String(principal)})), "")
	wantCode(t, "DisassociatePrincipal again", must2(sc.DisassociatePrincipalFromPortfolio(ctx, &servicecatalog.DisassociatePrincipalFromPortfolioInput{PortfolioId: aws.String(port), PrincipalARN: aws.String(principal)})), "ResourceNotFoundException")
	for _, p := range []string{avm, other} {
		wantCode(t, "DisassociateProduct "+p, must2(sc.DisassociateProductFromPortfolio(ctx, &servicecatalog.DisassociateProductFromPortfolioInput{PortfolioId: aws.String(port), ProductId: aws.String(p)})), "")
	}
	wantCode(t, "DisassociateProduct again", must2(sc.DisassociateProductFromPortfolio(ctx, &servicecatalog.DisassociateProductFromPortfolioInput{PortfolioId: aws.String(port), ProductId: aws.String(avm)})), "ResourceNotFoundException")
	wantCode(t, "DeletePortfolio", must2(sc.DeletePortfolio(ctx, &servicecatalog.DeletePortfolioInput{Id: aws.String(port)})), "")
	wantCode(t, "DeletePortfolio again", must2(sc.DeletePortfolio(ctx, &servicecatalog.DeletePortfolioInput{Id: aws.String(port)})), "ResourceNotFoundException")
	wantCode(t, "DeleteProduct", must2(sc.DeleteProduct(ctx, &servicecatalog.DeleteProductInput{Id: aws.String(avm)})), "")
	wantCode(t, "DeleteProduct again", must2(sc.DeleteProduct(ctx, &servicecatalog.DeleteProductInput{Id: aws.String(avm)})), "ResourceNotFoundException")
	// The Add-On product keeps its provisioned product: deleting it is refused.
	_, err = sc.DisassociateProductFromPortfolio(ctx, &servicecatalog.DisassociateProductFromPortfolioInput{PortfolioId: aws.String("port-addon0000001"), ProductId: aws.String("prod-addon0000001")})
	wantCode(t, "disassociate the Add-On product", err, "")
	_, err = sc.DeleteProduct(ctx, &servicecatalog.DeleteProductInput{Id: aws.String("prod-addon0000001")})
	wantCode(t, "delete a product still provisioned", err, "ResourceInUseException")

	now := s.Snapshot().ALZ
	if len(now.Portfolios) != 1 || len(now.ProvisionedProducts) != 1 || slices.ContainsFunc(now.Products, func(p inventory.Product) bool { return p.ID == avm }) {
		t.Errorf("end state: portfolios %+v, provisioned %+v, products %+v", now.Portfolios, now.ProvisionedProducts, now.Products)
	}
	want := []string{"TerminateProvisionedProduct pp-abcdefgh0001", "DeleteConstraint " + cons, "DisassociatePrincipalFromPortfolio " + port + "/" + principal,
		"DisassociateProductFromPortfolio " + port + "/" + avm, "DisassociateProductFromPortfolio " + port + "/" + other, "DeletePortfolio " + port,
		"DeleteProduct " + avm, "DisassociateProductFromPortfolio port-addon0000001/prod-addon0000001"}
	if got := applied(s); !slices.Equal(got, want) {
		t.Errorf("mutations:\n got %v\nwant %v", got, want)
	}
}

// must2 keeps only the error of a call.
func must2[T any](_ T, err error) error { return err }

// The AWS CLI drives Control Tower and Account Factory as the runbook prints the commands: the
// landing zone from a manifest file, a registration with its parameter, an enrollment by product
// and artifact names, a termination (a CLI call is a process of a second or more: the few that
// matter).
func TestAWSCLIDrivesControlTowerAndServiceCatalog(t *testing.T) {
	cli := findCLIs(t)[0]
	clock := NewManualClock(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
	s, url := serve(t, ctFixture(), Options{Clock: clock})
	dir := t.TempDir()
	run := func(service string, args ...string) string {
		t.Helper()
		cmd := exec.Command(cli, append([]string{service}, append(args, "--region", ctHome, "--endpoint-url", url, "--output", "text")...)...)
		cmd.Env = append(cleanAWSEnv(), "HOME="+dir, "AWS_ACCESS_KEY_ID=AKIAEXAMPLEEXAMPLE00", "AWS_SECRET_ACCESS_KEY=secret")
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("aws %s %v: %v\n%s", service, args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	manifest, _ := json.Marshal(ctManifest())
	if err := os.WriteFile(filepath.Join(dir, "landing-zone-manifest.json"), manifest, 0o600); err != nil {
		t.Fatal(err)
	}
	op := run("controltower", "create-landing-zone", "--landing-zone-version", "3.3", "--manifest", "file://landing-zone-manifest.json", "--query", "operationIdentifier")
	clock.Advance(30 * time.Minute)
	if got := run("controltower", "get-landing-zone-operation", "--operation-identifier", op, "--query", "operationDetails.status"); got != "SUCCEEDED" {
		t.Fatalf("get-landing-zone-operation: %q", got)
	}
	ic := run("controltower", "list-enabled-baselines", "--query", "enabledBaselines[?baselineIdentifier=='arn:aws:controltower:"+ctHome+"::baseline/LN25R72TTG6IGPTQ'].arn")
	ctb := run("controltower", "list-baselines", "--query", "baselines[?name=='AWSControlTowerBaseline'].arn")
	reg := strings.Fields(run("controltower", "enable-baseline", "--baseline-identifier", ctb, "--baseline-version", "4.0", "--target-identifier", ouArn(workOU),
		"--parameters", `[{"key":"IdentityCenterEnabledBaselineArn","value":"`+ic+`"}]`, "--query", "[arn,operationIdentifier]"))
	if len(reg) != 2 {
		t.Fatalf("enable-baseline answered %v", reg)
	}
	clock.Advance(12 * time.Minute)
	if got := run("controltower", "get-baseline-operation", "--operation-identifier", reg[1], "--query", "baselineOperation.status"); got != "SUCCEEDED" {
		t.Fatalf("get-baseline-operation: %q", got)
	}
	rec := run("servicecatalog", "provision-product", "--product-name", inventory.AccountFactoryProduct, "--provisioning-artifact-name", inventory.AccountFactoryProduct,
		"--provisioned-product-name", "dirty", "--provision-token", "cli-token",
		"--provisioning-parameters", "Key=AccountName,Value=dirty", "Key=AccountEmail,Value=aws+"+ctDirty+"@example.com", "Key=SSOUserEmail,Value=aws+"+ctDirty+"@example.com",
		"Key=SSOUserFirstName,Value=Admin", "Key=SSOUserLastName,Value=User", "Key=ManagedOrganizationalUnit,Value=Workloads ("+workOU+")",
		"--query", "RecordDetail.RecordId")
	clock.Advance(5 * time.Minute)
	// The Dirty account still has ALZ's Config recorder: the record fails and says why.
	if got := run("servicecatalog", "describe-record", "--id", rec, "--query", "[RecordDetail.Status,RecordDetail.RecordErrors[0].Description]"); !strings.HasPrefix(got, "FAILED\t") || !strings.Contains(got, "AWS-Landing-Zone-BaselineConfigRecorder") {
		t.Errorf("describe-record: %q", got)
	}
	term := run("servicecatalog", "terminate-provisioned-product", "--provisioned-product-id", "pp-abcdefgh0001", "--query", "RecordDetail.RecordId")
	clock.Advance(3 * time.Minute)
	if got := run("servicecatalog", "describe-record", "--id", term, "--query", "RecordDetail.Status"); got != "SUCCEEDED" {
		t.Errorf("terminate's record: %q", got)
	}
	if got := strings.Join(applied(s), ", "); got != "CreateLandingZone landingzone/"+ctHome+", EnableBaseline "+workOU+", ProvisionProduct "+ctDirty+", TerminateProvisionedProduct pp-abcdefgh0001" {
		t.Errorf("mutations: %s", got)
	}
}
