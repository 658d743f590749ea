package sim

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/lz2ct/lz2ct/inventory"
)

// Service Catalog's mutating operations: Account Factory provisioning (ProvisionProduct and
// UpdateProvisionedProduct enroll an existing account into Control Tower), termination of
// provisioned products, and the deletes that empty and remove ALZ's portfolios and products. The
// reads that go with them (DescribeRecord, SearchProducts, DescribeProduct, ListLaunchPaths,
// DescribeProvisionedProduct, DescribeConstraint, DescribePortfolio, ListPortfoliosForProduct) are
// here too and registered with the service in svc_alz.go. sim/README.md documents the audit targets.
//
// Control Tower's Account Factory portfolio and product exist in the landing zone's home region
// once the landing zone is ACTIVE; the snapshot does not hold them: they are derived from the
// landing zone, and the provisioned products Account Factory makes live in the runtime.
func init() {
	registerMutation("servicecatalog", "ProvisionProduct", scProvisionProduct)
	registerMutation("servicecatalog", "UpdateProvisionedProduct", scUpdateProvisionedProduct)
	registerMutation("servicecatalog", "TerminateProvisionedProduct", scTerminateProvisionedProduct)
	registerMutation("servicecatalog", "DeleteConstraint", scDeleteConstraint)
	registerMutation("servicecatalog", "DisassociatePrincipalFromPortfolio", scDisassociatePrincipal)
	registerMutation("servicecatalog", "DisassociateProductFromPortfolio", scDisassociateProduct)
	registerMutation("servicecatalog", "DeletePortfolio", scDeletePortfolio)
	registerMutation("servicecatalog", "DeleteProduct", scDeleteProduct)
}

// scRuntime is Service Catalog's state beyond the snapshot: records, and the provisioned products
// Account Factory made. It lives in opsRuntime, so it survives reindex.
type scRuntime struct {
	records map[string]*scRecord
	// af are Account Factory's provisioned products, sorted by ID.
	af []*afProvisioned
	// lastRecord is the last record of each of ALZ's provisioned products (the snapshot's).
	lastRecord map[string]string
}

func (r *scRuntime) init() {
	if r.records == nil {
		r.records, r.lastRecord = map[string]*scRecord{}, map[string]string{}
	}
}

// scRecord is one provisioning, update or termination request (DescribeRecord).
type scRecord struct {
	ID, Type, PPID, PPName, ProductID, ArtifactID, PathID string
	// Account is the account an Account Factory record enrolls.
	Account string
	Created time.Time
	op      *AsyncOp
	// failing: the operation is bound to fail (its pre-checks failed): IN_PROGRESS_IN_ERROR.
	failing bool
}

// afProvisioned is a provisioned product of Account Factory: one enrolled (or enrolling) account.
type afProvisioned struct {
	ID, Name, Account, Status, Token  string
	LastRecord, LastProvisioning      string
	LastSuccessful                    string
	Created                           time.Time
	Params                            map[string]string
	ProductID, ArtifactID, PathID, OU string
}

// Account Factory's provisioning parameters: all required
// (https://docs.aws.amazon.com/controltower/latest/userguide/provision-as-end-user.html).
var afParams = []string{"AccountName", "AccountEmail", "SSOUserEmail", "SSOUserFirstName", "SSOUserLastName", "ManagedOrganizationalUnit"}

// af is Account Factory's identifiers, stable for the landing zone.
type af struct {
	portfolio, product, artifact string
}

// stableName is a deterministic identifier of n characters from alphabet.
func stableName(n int, alphabet string, parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	out := make([]byte, n)
	for i := range out {
		out[i] = alphabet[int(h[i%len(h)])%len(alphabet)]
	}
	return string(out)
}

// accountFactory is Account Factory in the call's region (ok = false: none here). It exists in the
// home region of an ACTIVE landing zone, in the management account.
func (c *call) accountFactory() (af, bool) {
	if !c.isManagement() {
		return af{}, false
	}
	return c.st.accountFactoryIn(c.region)
}

// accountFactoryIn is Account Factory in the management account in region.
func (st *state) accountFactoryIn(region string) (af, bool) {
	lz := st.snap.ControlTower.LandingZone
	if lz == nil || lz.HomeRegion != region || lz.Status != "ACTIVE" {
		return af{}, false
	}
	return af{portfolio: "port-" + stableName(13, lowerAlnum, lz.Arn, "portfolio"), product: "prod-" + stableName(13, lowerAlnum, lz.Arn, "product"),
		artifact: "pa-" + stableName(13, lowerAlnum, lz.Arn, "artifact")}, true
}

// afPortfolio and afProduct are Account Factory's portfolio and product as the ALZ reads show them.
func (c *call) afPortfolio() *inventory.Portfolio {
	f, ok := c.accountFactory()
	if !ok {
		return nil
	}
	return &inventory.Portfolio{ID: f.portfolio, Name: inventory.AccountFactoryPortfolio, ProviderName: inventory.AccountFactoryProvider,
		ProductIDs: []string{f.product}, PrincipalARNs: []string{}, ConstraintIDs: []string{}}
}

func (c *call) afProduct() *inventory.Product {
	f, ok := c.accountFactory()
	if !ok {
		return nil
	}
	return &inventory.Product{ID: f.product, Name: inventory.AccountFactoryProduct, Owner: inventory.AccountFactoryProvider}
}

// productByID is an ALZ product or Account Factory's, by ID, where the call can see it.
func (c *call) productByID(id string) *inventory.Product {
	if p := c.st.productBy[id]; p != nil && c.alzHere() {
		return p
	}
	if p := c.afProduct(); p != nil && p.ID == id {
		return p
	}
	return nil
}

// portfoliosHere are the portfolios the call can see, sorted by ID: ALZ's and Account Factory's.
func (c *call) portfoliosHere() []*inventory.Portfolio {
	var all []*inventory.Portfolio
	if c.alzHere() {
		all = c.st.portfolios
	}
	if p := c.afPortfolio(); p != nil {
		all = append(append([]*inventory.Portfolio(nil), all...), p)
		sortBy(all, func(p *inventory.Portfolio) string { return p.ID })
	}
	return all
}

// productsHere are the products the call can see, sorted by ID.
func (c *call) productsHere() []*inventory.Product {
	var all []*inventory.Product
	if c.alzHere() {
		all = c.st.products
	}
	if p := c.afProduct(); p != nil {
		all = append(append([]*inventory.Product(nil), all...), p)
		sortBy(all, func(p *inventory.Product) string { return p.ID })
	}
	return all
}

// ppView is a provisioned product as the reads show it, ALZ's or Account Factory's.
type ppView struct {
	ID, Name, ProductID, ArtifactID, Status, Type, Token string
	LastRecord, LastProvisioning, LastSuccessful         string
	PhysicalID                                           string
	Created                                              time.Time
}

// provisionedHere are the provisioned products the call can see, sorted by ID.
func (c *call) provisionedHere() []ppView {
	var out []ppView
	if c.alzHere() {
		for _, p := range c.st.provisioned {
			last := c.st.rt.sc.lastRecord[p.ID]
			out = append(out, ppView{ID: p.ID, Name: p.Name, ProductID: p.ProductID, ArtifactID: "pa-" + hexOf(p.ProductID)[:13], Status: p.Status,
				Type: "CFN_STACK", LastRecord: last, Created: c.st.snap.CapturedAt})
		}
	}
	if f, ok := c.accountFactory(); ok {
		for _, p := range c.st.rt.sc.af {
			out = append(out, ppView{ID: p.ID, Name: p.Name, ProductID: f.product, ArtifactID: f.artifact, Status: p.Status, Type: "CONTROL_TOWER_ACCOUNT",
				Token: p.Token, LastRecord: p.LastRecord, LastProvisioning: p.LastProvisioning, LastSuccessful: p.LastSuccessful,
				PhysicalID: p.Account, Created: p.Created})
		}
		sortBy(out, func(p ppView) string { return p.ID })
	}
	return out
}

func (c *call) ppArn(p ppView) string {
	return "arn:" + c.partition() + ":servicecatalog:" + c.region + ":" + c.account + ":stack/" + p.Name + "/" + p.ID
}

// provisionedBy finds a provisioned product by ID or name.
func (c *call) provisionedBy(id, name string) (ppView, error) {
	if id == "" && name == "" {
		return ppView{}, errorf(400, "InvalidParametersException", "Either the provisioned product's Id or its Name must be given.")
	}
	for _, p := range c.provisionedHere() {
		if (id != "" && p.ID == id) || (id == "" && p.Name == name) {
			return p, nil
		}
	}
	what := id
	if what == "" {
		what = name
	}
	return ppView{}, errorf(400, "ResourceNotFoundException", "Provisioned product %s not found.", what)
}

// ---- records ----

func (rt *opsRuntime) newRecord(typ string, now time.Time, seed int64) *scRecord {
	rt.sc.init()
	r := &scRecord{ID: "rec-" + stableName(13, lowerAlnum, rt.newID("rec", seed)), Type: typ, Created: now}
	rt.sc.records[r.ID] = r
	return r
}

// status is the record's status (RecordStatus): CREATED for its first moments, IN_PROGRESS (or
// IN_PROGRESS_IN_ERROR when it is bound to fail), then SUCCEEDED or FAILED.
// https://docs.aws.amazon.com/servicecatalog/latest/dg/API_RecordDetail.html
func (r *scRecord) status(now time.Time) string {
	switch {
	case r.op.State() == OpSucceeded:
		return "SUCCEEDED"
	case r.op.State() == OpFailed:
		return "FAILED"
	case now.Sub(r.Created) < 10*time.Second:
		return "CREATED"
	case r.failing || r.op.failWith != nil:
		return "IN_PROGRESS_IN_ERROR"
	}
	return "IN_PROGRESS"
}

func (c *call) recordView(r *scRecord) map[string]any {
	now := c.s.clock.Now()
	updated := r.Created
	if !r.op.Ended.IsZero() {
		updated = r.op.Ended
	}
	m := map[string]any{"RecordId": r.ID, "ProvisionedProductName": r.PPName, "Status": r.status(now), "CreatedTime": epoch(r.Created),
		"UpdatedTime": epoch(updated), "RecordType": r.Type, "ProvisionedProductId": r.PPID, "ProductId": r.ProductID,
		"ProvisioningArtifactId": r.ArtifactID, "RecordErrors": []any{}, "RecordTags": []any{}}
	if r.PathID != "" {
		m["PathId"] = r.PathID
	}
	if r.Account != "" {
		m["ProvisionedProductType"] = "CONTROL_TOWER_ACCOUNT"
	} else {
		m["ProvisionedProductType"] = "CFN_STACK"
	}
	if code, msg := r.op.Failure(); r.op.State() == OpFailed {
		m["RecordErrors"] = []map[string]any{{"Code": code, "Description": msg}}
	}
	return m
}

// scDescribeRecord: https://docs.aws.amazon.com/servicecatalog/latest/dg/API_DescribeRecord.html
func scDescribeRecord(c *call) (any, error) {
	var in struct{ Id string }
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if in.Id == "" {
		return nil, c.missing("id")
	}
	r := c.st.rt.sc.records[in.Id]
	if r == nil || r.op.Account != c.account {
		return nil, errorf(400, "ResourceNotFoundException", "Record %s not found.", in.Id)
	}
	out := map[string]any{"RecordDetail": c.recordView(r), "RecordOutputs": []any{}}
	if r.Account != "" && r.op.State() == OpSucceeded {
		out["RecordOutputs"] = []map[string]any{{"OutputKey": "AccountId", "OutputValue": r.Account, "Description": "The ID of the enrolled account"}}
	}
	return out, nil
}

// ---- Account Factory: ProvisionProduct, UpdateProvisionedProduct ----

type scParam struct{ Key, Value string }

var (
	idempotencyPattern = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_-]*$`)
	ppNamePattern      = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9._-]*$`)
	// managedOU is how Account Factory names the target OU: "Name (ou-id)"
	// (https://docs.aws.amazon.com/controltower/latest/userguide/provision-as-end-user.html).
	managedOU = regexp.MustCompile(`^(.+) \((ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})\)$`)
)

func scToken(member, token string) error {
	if token == "" || len(token) > 128 || !idempotencyPattern.MatchString(token) {
		return errorf(400, "InvalidParametersException", "1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9][a-zA-Z0-9_-]*", token, member)
	}
	return nil
}

// afLaunch checks that a request names Account Factory's product, artifact and path.
func (c *call) afLaunch(productID, productName, artifactID, artifactName, pathID, pathName string) (af, error) {
	f, ok := c.accountFactory()
	switch {
	case productID == "" && productName == "":
		return af{}, errorf(400, "InvalidParametersException", "Either ProductId or ProductName must be given.")
	case !ok || (productID != "" && productID != f.product) || (productID == "" && productName != inventory.AccountFactoryProduct):
		if (productID != "" && c.productByID(productID) != nil) || c.alzHere() {
			return af{}, errorf(400, "InvalidParametersException", "lz2ct sim provisions the %s product only.", inventory.AccountFactoryProduct)
		}
		return af{}, errorf(400, "ResourceNotFoundException", "Product %s%s not found.", productID, productName)
	case artifactID == "" && artifactName == "":
		return af{}, errorf(400, "InvalidParametersException", "Either ProvisioningArtifactId or ProvisioningArtifactName must be given.")
	case (artifactID != "" && artifactID != f.artifact) || (artifactID == "" && artifactName != inventory.AccountFactoryProduct):
		return af{}, errorf(400, "ResourceNotFoundException", "Provisioning artifact %s%s not found for product %s.", artifactID, artifactName, f.product)
	case (pathID != "" && pathID != f.portfolio) || (pathID == "" && pathName != "" && pathName != inventory.AccountFactoryPortfolio):
		return af{}, errorf(400, "ResourceNotFoundException", "Launch path %s%s not found.", pathID, pathName)
	}
	return f, nil
}

func afParamMap(in []scParam) (map[string]string, error) {
	m := map[string]string{}
	for _, p := range in {
		m[p.Key] = p.Value
	}
	return m, afParamsComplete(m)
}

func afParamsComplete(m map[string]string) error {
	for _, k := range afParams {
		if strings.TrimSpace(m[k]) == "" {
			return errorf(400, "InvalidParametersException", "Parameter %s is required by %s.", k, inventory.AccountFactoryProduct)
		}
	}
	return nil
}

// accountByEmail finds the account with an e-mail address (AWS compares them case-insensitively).
func (st *state) accountByEmail(email string) *inventory.Account {
	for i := range st.snap.Accounts {
		if strings.EqualFold(st.snap.Accounts[i].Email, email) {
			return &st.snap.Accounts[i]
		}
	}
	return nil
}

// afEnrollProblem is why Account Factory cannot enroll the account its parameters name into the
// OU they name ("" = it can). update = the provisioned product exists already (a retry or a move).
func (st *state) afEnrollProblem(a *inventory.Account, params map[string]string, update bool) (ouID, problem string) {
	lz := st.snap.ControlTower.LandingZone
	mo := managedOU.FindStringSubmatch(params["ManagedOrganizationalUnit"])
	switch {
	case mo == nil:
		return "", fmt.Sprintf("ManagedOrganizationalUnit %q must name the OU as Name (ou-id)", params["ManagedOrganizationalUnit"])
	case st.ouBy[mo[2]] == nil || st.ouBy[mo[2]].Name != mo[1]:
		return "", fmt.Sprintf("there is no OU %s named %s", mo[2], mo[1])
	case !st.ouRegistered(mo[2]):
		return "", fmt.Sprintf("OU %s (%s) is not registered with AWS Control Tower: register it first", mo[1], mo[2])
	case a == nil:
		return "", fmt.Sprintf("no account of the organization has the e-mail %s (lz2ct sim enrolls existing accounts only; it does not create them)", params["AccountEmail"])
	}
	ouID = mo[2]
	if !update {
		if i := st.enabledBaseline(st.baselineNamed(inventory.BaselineControlTower), a.Arn); i >= 0 && st.snap.ControlTower.EnabledBaselines[i].Status == "SUCCEEDED" {
			return ouID, fmt.Sprintf("account %s is already enrolled: update its provisioned product to move it", a.ID)
		}
	}
	if b := st.ctBusy(ctOpAccount); b != "" {
		return ouID, "AWS Control Tower cannot enroll the account while " + b + " is in progress"
	}
	if p := st.ctAccountProblem(a, lz.GovernedRegions); p != "" {
		return ouID, "AWS Control Tower cannot enroll the account: " + p
	}
	return ouID, ""
}

// afStart starts enrolling the account of pp (a provisioning or an update): the record ends
// FAILED early when a pre-check fails, else after the enrollment's duration with the account moved
// into the OU and enrolled.
func (c *call) afStart(pp *afProvisioned, typ string) *scRecord {
	st := c.st
	a := st.accountByEmail(pp.Params["AccountEmail"])
	ouID, problem := st.afEnrollProblem(a, pp.Params, typ == "UPDATE_PROVISIONED_PRODUCT")
	now := c.s.clock.Now()
	rec := st.rt.newRecord(typ, now, c.s.opts.Seed)
	rec.PPID, rec.PPName, rec.ProductID, rec.ArtifactID, rec.PathID = pp.ID, pp.Name, pp.ProductID, pp.ArtifactID, pp.PathID
	rec.failing = problem != ""
	if a != nil {
		rec.Account, pp.Account = a.ID, a.ID
	}
	d := c.s.opts.Durations.Enrollment
	if problem != "" {
		d = c.s.opts.Durations.PrecheckFailure
	}
	target := rec.Account
	if target == "" {
		target = pp.Params["AccountEmail"]
	}
	failed := "ERROR"
	if typ == "UPDATE_PROVISIONED_PRODUCT" {
		failed = "TAINTED" // the update failed; the product is still what it was
	}
	recID := rec.ID
	rec.op = c.startAsync("", c.op, target, d, func(st *state) error {
		if problem != "" {
			return errors.New(problem)
		}
		acct := st.account(rec.Account)
		if acct == nil {
			return fmt.Errorf("account %s left the organization", rec.Account)
		}
		acct.ParentID = ouID
		st.reindex()
		ouEB := st.enabledBaseline(st.baselineNamed(inventory.BaselineControlTower), st.ouBy[ouID].Arn)
		st.ctEnroll(acct.ID, st.snap.ControlTower.EnabledBaselines[ouEB].BaselineIdentifier, st.snap.ControlTower.EnabledBaselines[ouEB].BaselineVersion)
		pp.Status, pp.LastSuccessful, pp.OU = "AVAILABLE", recID, ouID
		return nil
	})
	rec.op.onFail = func(*state) { pp.Status = failed }
	pp.Status, pp.LastRecord, pp.LastProvisioning = "UNDER_CHANGE", rec.ID, rec.ID
	if problem == "" {
		st.rt.ct.init()
		st.rt.ct.running[rec.op.ID] = ctOpAccount
	}
	return rec
}

// scProvisionProduct enrolls an existing account through Account Factory (the simulator creates no
// accounts). Audit target: the account ID (its e-mail when no account has it). ProvisionToken is
// the idempotency token: a repeat answers the first record. The record fails when Control Tower
// cannot enroll the account (the OU unregistered, the enrollment prerequisites, another Control
// Tower operation in the way) and succeeds after the enrollment's duration with the account moved
// into the OU and enrolled. Errors as AWS: InvalidParametersException (a missing parameter, a bad
// token or name), ResourceNotFoundException (product, artifact or path), DuplicateResourceException
// (a provisioned product with the name exists).
// https://docs.aws.amazon.com/servicecatalog/latest/dg/API_ProvisionProduct.html,
// https://docs.aws.amazon.com/controltower/latest/userguide/enroll-account.html
func scProvisionProduct(c *call) (any, error) {
	var in struct {
		ProductId, ProductName, ProvisioningArtifactId, ProvisioningArtifactName string
		PathId, PathName, ProvisionedProductName, ProvisionToken                 string
		ProvisioningParameters                                                   []scParam
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if in.ProvisionedProductName == "" {
		return nil, c.missing("provisionedProductName")
	}
	if len(in.ProvisionedProductName) > 128 || !ppNamePattern.MatchString(in.ProvisionedProductName) {
		return nil, errorf(400, "InvalidParametersException", "1 validation error detected: Value '%s' at 'provisionedProductName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9][a-zA-Z0-9._-]*", in.ProvisionedProductName)
	}
	if err := scToken("provisionToken", in.ProvisionToken); err != nil {
		return nil, err
	}
	f, err := c.afLaunch(in.ProductId, in.ProductName, in.ProvisioningArtifactId, in.ProvisioningArtifactName, in.PathId, in.PathName)
	if err != nil {
		return nil, err
	}
	params, err := afParamMap(in.ProvisioningParameters)
	if err != nil {
		return nil, err
	}

	return c.idempotent(in.ProvisionToken, nil, nil, func() (any, error) {
		for _, p := range c.provisionedHere() {
			if p.Name == in.ProvisionedProductName {
				return nil, errorf(400, "DuplicateResourceException", "A provisioned product with the name %s already exists (%s).", p.Name, p.ID)
			}
		}
		target := params["AccountEmail"]
		if a := c.st.accountByEmail(target); a != nil {
			target = a.ID
		}
		c.willStartAsync()
		if err := c.setTarget(target); err != nil {
			return nil, err
		}
		st := c.st
		st.rt.sc.init()
		pp := &afProvisioned{ID: "pp-" + stableName(13, lowerAlnum, st.rt.newID("pp", c.s.opts.Seed)), Name: in.ProvisionedProductName,
			Token: in.ProvisionToken, Created: c.s.clock.Now(), Params: params, ProductID: f.product, ArtifactID: f.artifact, PathID: f.portfolio}
		st.rt.sc.af = append(st.rt.sc.af, pp)
		sort.Slice(st.rt.sc.af, func(i, j int) bool { return st.rt.sc.af[i].ID < st.rt.sc.af[j].ID })
		rec := c.afStart(pp, "PROVISION_PRODUCT")
		return map[string]any{"RecordDetail": c.recordView(rec)}, nil
	})
}

// scUpdateProvisionedProduct re-runs an Account Factory enrollment (a retry after a failed record,
// or a move to another OU) with the given parameters over the previous ones. Audit target: the
// account ID. UpdateToken is the idempotency token. Errors as AWS: ResourceNotFoundException,
// InvalidParametersException (also while the provisioned product is under change).
// https://docs.aws.amazon.com/servicecatalog/latest/dg/API_UpdateProvisionedProduct.html,
// https://docs.aws.amazon.com/controltower/latest/userguide/updating-account-factory-accounts.html
func scUpdateProvisionedProduct(c *call) (any, error) {
	var in struct {
		ProvisionedProductId, ProvisionedProductName, ProductId, ProductName string
		ProvisioningArtifactId, ProvisioningArtifactName, PathId, PathName   string
		UpdateToken                                                          string
		ProvisioningParameters                                               []scParam
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if err := scToken("updateToken", in.UpdateToken); err != nil {
		return nil, err
	}
	v, err := c.provisionedBy(in.ProvisionedProductId, in.ProvisionedProductName)
	if err != nil {
		return nil, err
	}
	var pp *afProvisioned
	for _, p := range c.st.rt.sc.af {
		if p.ID == v.ID {
			pp = p
		}
	}
	if pp == nil {
		return nil, errorf(400, "InvalidParametersException", "lz2ct sim updates %s provisioned products only.", inventory.AccountFactoryProduct)
	}
	if in.ProductId == "" && in.ProductName == "" {
		in.ProductId = pp.ProductID
	}
	if in.ProvisioningArtifactId == "" && in.ProvisioningArtifactName == "" {
		in.ProvisioningArtifactId = pp.ArtifactID
	}
	if _, err := c.afLaunch(in.ProductId, in.ProductName, in.ProvisioningArtifactId, in.ProvisioningArtifactName, in.PathId, in.PathName); err != nil {
		return nil, err
	}
	return c.idempotent(in.UpdateToken, nil, nil, func() (any, error) {
		if pp.Status == "UNDER_CHANGE" {
			return nil, errorf(400, "InvalidParametersException", "Provisioned product %s is under change (record %s): wait for it.", pp.ID, pp.LastRecord)
		}
		params := map[string]string{}
		for k, v := range pp.Params {
			params[k] = v
		}
		for _, p := range in.ProvisioningParameters {
			params[p.Key] = p.Value
		}
		if err := afParamsComplete(params); err != nil {
			return nil, err
		}
		c.willStartAsync()
		target := pp.Account
		if target == "" {
			target = params["AccountEmail"]
		}
		if err := c.setTarget(target); err != nil {
			return nil, err
		}
		pp.Params = params
		rec := c.afStart(pp, "UPDATE_PROVISIONED_PRODUCT")
		return map[string]any{"RecordDetail": c.recordView(rec)}, nil
	})
}

// scTerminateProvisionedProduct terminates a provisioned product: ALZ's (its stack goes; the
// account stays) or Account Factory's (the account is unenrolled, never closed:
// https://docs.aws.amazon.com/controltower/latest/userguide/unenroll-with-sc.html). Audit target:
// the provisioned product's ID. TerminateToken is the idempotency token. Errors as AWS:
// ResourceNotFoundException (unknown, or terminated already), InvalidParametersException while it
// is under change.
// https://docs.aws.amazon.com/servicecatalog/latest/dg/API_TerminateProvisionedProduct.html
func scTerminateProvisionedProduct(c *call) (any, error) {
	var in struct {
		ProvisionedProductId, ProvisionedProductName, TerminateToken string
		IgnoreErrors, RetainPhysicalResources                        bool
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if err := scToken("terminateToken", in.TerminateToken); err != nil {
		return nil, err
	}
	return c.idempotent(in.TerminateToken, nil, nil, func() (any, error) {
		v, err := c.provisionedBy(in.ProvisionedProductId, in.ProvisionedProductName)
		if err != nil {
			return nil, err
		}
		if v.Status == "UNDER_CHANGE" || v.Status == "PLAN_IN_PROGRESS" {
			return nil, errorf(400, "InvalidParametersException", "Provisioned product %s is %s (record %s): wait for it.", v.ID, v.Status, v.LastRecord)
		}
		c.willStartAsync()
		if err := c.setTarget(v.ID); err != nil {
			return nil, err
		}
		st := c.st
		rec := st.rt.newRecord("TERMINATE_PROVISIONED_PRODUCT", c.s.clock.Now(), c.s.opts.Seed)
		rec.PPID, rec.PPName, rec.ProductID, rec.ArtifactID = v.ID, v.Name, v.ProductID, v.ArtifactID
		id := v.ID
		if v.Type == "CONTROL_TOWER_ACCOUNT" {
			var pp *afProvisioned
			for _, p := range st.rt.sc.af {
				if p.ID == id {
					pp = p
				}
			}
			rec.Account = pp.Account
			prev := pp.Status
			rec.op = c.startAsync("", c.op, id, c.s.opts.Durations.Enrollment, func(st *state) error {
				// The account keeps its place; only its enrollment goes.
				if i := st.enabledBaseline(st.baselineNamed(inventory.BaselineControlTower), st.orgArn("account", pp.Account)); i >= 0 {
					l := st.snap.ControlTower.EnabledBaselines
					st.snap.ControlTower.EnabledBaselines = append(l[:i:i], l[i+1:]...)
					st.reindex()
				}
				st.rt.sc.af = removeFunc(st.rt.sc.af, func(p *afProvisioned) bool { return p.ID == id })
				return nil
			})
			rec.op.onFail = func(*state) { pp.Status = prev }
			pp.Status, pp.LastRecord = "UNDER_CHANGE", rec.ID
			st.rt.ct.init()
			st.rt.ct.running[rec.op.ID] = ctOpAccount
		} else {
			p := c.st.provisionedByID(id)
			p.Status = "UNDER_CHANGE"
			st.rt.sc.lastRecord[id] = rec.ID
			rec.op = c.startAsync("", c.op, id, c.s.opts.Durations.Termination, func(st *state) error {
				alz := st.snap.ALZ
				alz.ProvisionedProducts = removeFunc(alz.ProvisionedProducts, func(p inventory.ProvisionedProduct) bool { return p.ID == id })
				st.reindex()
				return nil
			})
			rec.op.onFail = func(st *state) {
				if p := st.provisionedByID(id); p != nil {
					p.Status = "ERROR"
				}
			}
		}
		return map[string]any{"RecordDetail": c.recordView(rec)}, nil
	})
}

func (st *state) provisionedByID(id string) *inventory.ProvisionedProduct {
	i := sort.Search(len(st.provisioned), func(i int) bool { return st.provisioned[i].ID >= id })
	if i < len(st.provisioned) && st.provisioned[i].ID == id {
		return st.provisioned[i]
	}
	return nil
}

// removeFunc drops the elements del matches, in a fresh slice.
func removeFunc[T any](l []T, del func(T) bool) []T {
	out := make([]T, 0, len(l))
	for _, x := range l {
		if !del(x) {
			out = append(out, x)
		}
	}
	return out
}

// ---- the deletes that empty a portfolio ----

// constraintPortfolio is the ALZ portfolio that holds a constraint.
func (c *call) constraintPortfolio(id string) *inventory.Portfolio {
	if !c.alzHere() {
		return nil
	}
	for _, p := range c.st.portfolios {
		for _, cid := range p.ConstraintIDs {
			if cid == id {
				return p
			}
		}
	}
	return nil
}

// scDeleteConstraint: audit target the constraint's ID. ResourceNotFoundException for an unknown
// (or deleted) constraint. https://docs.aws.amazon.com/servicecatalog/latest/dg/API_DeleteConstraint.html
func scDeleteConstraint(c *call) (any, error) {
	var in struct{ Id string }
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if in.Id == "" {
		return nil, c.missing("id")
	}
	p := c.constraintPortfolio(in.Id)
	if p == nil {
		return nil, errorf(400, "ResourceNotFoundException", "Constraint %s not found.", in.Id)
	}
	if err := c.setTarget(in.Id); err != nil {
		return nil, err
	}
	p.ConstraintIDs = removeFunc(p.ConstraintIDs, func(s string) bool { return s == in.Id })
	return map[string]any{}, nil
}

// scDisassociatePrincipal: audit target <portfolio ID>/<principal ARN>. ResourceNotFoundException
// for an unknown portfolio or a principal without access to it.
// https://docs.aws.amazon.com/servicecatalog/latest/dg/API_DisassociatePrincipalFromPortfolio.html
func scDisassociatePrincipal(c *call) (any, error) {
	var in struct{ PortfolioId, PrincipalARN, PrincipalType string }
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if in.PrincipalARN == "" {
		return nil, c.missing("principalARN")
	}
	if in.PrincipalType != "" && in.PrincipalType != "IAM" && in.PrincipalType != "IAM_PATTERN" {
		return nil, errorf(400, "InvalidParametersException", "PrincipalType %q: want IAM or IAM_PATTERN.", in.PrincipalType)
	}
	p, err := c.portfolio(in.PortfolioId)
	if err != nil {
		return nil, err
	}
	if !contains(p.PrincipalARNs, in.PrincipalARN) {
		return nil, errorf(400, "ResourceNotFoundException", "Principal %s is not associated with portfolio %s.", in.PrincipalARN, in.PortfolioId)
	}
	if err := c.setTarget(in.PortfolioId, in.PrincipalARN); err != nil {
		return nil, err
	}
	p.PrincipalARNs = removeFunc(p.PrincipalARNs, func(s string) bool { return s == in.PrincipalARN })
	return map[string]any{}, nil
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// scDisassociateProduct: audit target <portfolio ID>/<product ID>. ResourceNotFoundException for an
// unknown portfolio or a product not in it; ResourceInUseException while a constraint of the
// portfolio applies to the product (the reads show a portfolio's constraints on its first product).
// https://docs.aws.amazon.com/servicecatalog/latest/dg/API_DisassociateProductFromPortfolio.html
func scDisassociateProduct(c *call) (any, error) {
	var in struct{ PortfolioId, ProductId string }
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if in.ProductId == "" {
		return nil, c.missing("productId")
	}
	p, err := c.portfolio(in.PortfolioId)
	if err != nil {
		return nil, err
	}
	if inventory.IsAccountFactoryPortfolio(p.Name, p.ProviderName) {
		return nil, errorf(400, "ResourceInUseException", "Portfolio %s is managed by AWS Control Tower.", p.ID)
	}
	if !contains(p.ProductIDs, in.ProductId) {
		return nil, errorf(400, "ResourceNotFoundException", "Product %s is not associated with portfolio %s.", in.ProductId, in.PortfolioId)
	}
	if len(p.ConstraintIDs) > 0 && p.ProductIDs[0] == in.ProductId {
		return nil, errorf(400, "ResourceInUseException", "Product %s has constraints in portfolio %s (%s): delete them first.", in.ProductId, p.ID, strings.Join(p.ConstraintIDs, ", "))
	}
	if err := c.setTarget(in.PortfolioId, in.ProductId); err != nil {
		return nil, err
	}
	p.ProductIDs = removeFunc(p.ProductIDs, func(s string) bool { return s == in.ProductId })
	return map[string]any{}, nil
}

// scDeletePortfolio: audit target the portfolio's ID. ResourceInUseException while it still has
// products, principals or constraints (and for Control Tower's own); ResourceNotFoundException
// for an unknown or deleted one.
// https://docs.aws.amazon.com/servicecatalog/latest/dg/API_DeletePortfolio.html
func scDeletePortfolio(c *call) (any, error) {
	var in struct{ Id string }
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	p, err := c.portfolio(in.Id)
	if err != nil {
		return nil, err
	}
	if n := len(p.ProductIDs) + len(p.PrincipalARNs) + len(p.ConstraintIDs); n > 0 {
		return nil, errorf(400, "ResourceInUseException", "Portfolio %s still has %d products, %d principals and %d constraints.", p.ID, len(p.ProductIDs), len(p.PrincipalARNs), len(p.ConstraintIDs))
	}
	if err := c.setTarget(in.Id); err != nil {
		return nil, err
	}
	alz := c.st.snap.ALZ
	alz.Portfolios = removeFunc(alz.Portfolios, func(x inventory.Portfolio) bool { return x.ID == in.Id })
	c.st.reindex()
	return map[string]any{}, nil
}

// scDeleteProduct: audit target the product's ID. ResourceInUseException while a portfolio holds
// it or a provisioned product of it is left (and for Control Tower's Account Factory);
// ResourceNotFoundException for an unknown or deleted one.
// https://docs.aws.amazon.com/servicecatalog/latest/dg/API_DeleteProduct.html
func scDeleteProduct(c *call) (any, error) {
	var in struct{ Id string }
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if in.Id == "" {
		return nil, c.missing("id")
	}
	pr := c.productByID(in.Id)
	if pr == nil {
		return nil, errorf(400, "ResourceNotFoundException", "Product %s not found.", in.Id)
	}
	for _, pf := range c.portfoliosHere() {
		if contains(pf.ProductIDs, in.Id) {
			return nil, errorf(400, "ResourceInUseException", "Product %s is associated with portfolio %s: disassociate it first.", in.Id, pf.ID)
		}
	}
	for _, pp := range c.provisionedHere() {
		if pp.ProductID == in.Id {
			return nil, errorf(400, "ResourceInUseException", "Product %s has provisioned products (%s): terminate them first.", in.Id, pp.ID)
		}
	}
	if err := c.setTarget(in.Id); err != nil {
		return nil, err
	}
	alz := c.st.snap.ALZ
	alz.Products = removeFunc(alz.Products, func(x inventory.Product) bool { return x.ID == in.Id })
	c.st.reindex()
	return map[string]any{}, nil
}

// ---- reads ----

func (c *call) portfolioView(p *inventory.Portfolio) map[string]any {
	return map[string]any{"Id": p.ID, "ARN": "arn:" + c.partition() + ":catalog:" + c.region + ":" + c.account + ":portfolio/" + p.ID,
		"DisplayName": p.Name, "ProviderName": p.ProviderName, "CreatedTime": epoch(c.st.snap.CapturedAt)}
}

// scDescribePortfolio: https://docs.aws.amazon.com/servicecatalog/latest/dg/API_DescribePortfolio.html
func scDescribePortfolio(c *call) (any, error) {
	var in struct{ Id string }
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	p, err := c.portfolio(in.Id)
	if err != nil {
		return nil, err
	}
	return map[string]any{"PortfolioDetail": c.portfolioView(p), "Tags": []any{}, "TagOptions": []any{}, "Budgets": []any{}}, nil
}

// scDescribeConstraint: the snapshot models no constraint parameters (a launch constraint's role).
// https://docs.aws.amazon.com/servicecatalog/latest/dg/API_DescribeConstraint.html
func scDescribeConstraint(c *call) (any, error) {
	var in struct{ Id string }
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if in.Id == "" {
		return nil, c.missing("id")
	}
	p := c.constraintPortfolio(in.Id)
	if p == nil {
		return nil, errorf(400, "ResourceNotFoundException", "Constraint %s not found.", in.Id)
	}
	d := map[string]any{"ConstraintId": in.Id, "Type": "LAUNCH", "Owner": c.account, "PortfolioId": p.ID}
	if len(p.ProductIDs) > 0 {
		d["ProductId"] = p.ProductIDs[0]
	}
	return map[string]any{"ConstraintDetail": d, "ConstraintParameters": "{}", "Status": "AVAILABLE"}, nil
}

// scListPortfoliosForProduct: PageSize 0-20. https://docs.aws.amazon.com/servicecatalog/latest/dg/API_ListPortfoliosForProduct.html
func scListPortfoliosForProduct(c *call) (any, error) {
	var in struct {
		ProductId string
		PageSize  int
		PageToken string
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if in.ProductId == "" {
		return nil, c.missing("productId")
	}
	if c.productByID(in.ProductId) == nil {
		return nil, errorf(400, "ResourceNotFoundException", "Product %s not found.", in.ProductId)
	}
	var all []*inventory.Portfolio
	for _, p := range c.portfoliosHere() {
		if contains(p.ProductIDs, in.ProductId) {
			all = append(all, p)
		}
	}
	ps, next, err := page(c, all, func(p *inventory.Portfolio) string { return p.ID }, in.PageToken, in.PageSize, scMaxPage, scMaxPage, "pageSize")
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, 0, len(ps))
	for _, p := range ps {
		out = append(out, c.portfolioView(p))
	}
	return withToken(map[string]any{"PortfolioDetails": out}, "NextPageToken", next), nil
}

// scSearchProducts is the end user's product search: the products the caller may launch. The
// simulator models no portfolio access for the caller, and lists Account Factory (CT's home region,
// once the landing zone is ACTIVE); PageSize 0-100, Filters FullTextSearch.
// https://docs.aws.amazon.com/servicecatalog/latest/dg/API_SearchProducts.html
func scSearchProducts(c *call) (any, error) {
	var in struct {
		Filters   map[string][]string
		PageSize  int
		PageToken string
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	var all []*inventory.Product
	if p := c.afProduct(); p != nil {
		all = append(all, p)
	}
	all = filterProducts(all, in.Filters["FullTextSearch"])
	ps, next, err := page(c, all, func(p *inventory.Product) string { return p.ID }, in.PageToken, in.PageSize, 20, 100, "pageSize")
	if err != nil {
		return nil, err
	}
	out := make([]any, 0, len(ps))
	for _, p := range ps {
		out = append(out, c.productView(p)["ProductViewSummary"])
	}
	return withToken(map[string]any{"ProductViewSummaries": out, "ProductViewAggregations": map[string]any{}}, "NextPageToken", next), nil
}

// filterProducts keeps the products whose name contains one of the words (FullTextSearch).
func filterProducts(all []*inventory.Product, words []string) []*inventory.Product {
	if len(words) == 0 {
		return all
	}
	var out []*inventory.Product
	for _, p := range all {
		for _, w := range words {
			if strings.Contains(strings.ToLower(p.Name), strings.ToLower(w)) {
				out = append(out, p)
				break
			}
		}
	}
	return out
}

func (c *call) launchableProduct(id, name string) (*inventory.Product, error) {
	if id == "" && name == "" {
		return nil, errorf(400, "InvalidParametersException", "Either Id or Name must be specified.")
	}
	if p := c.afProduct(); p != nil && (p.ID == id || (id == "" && p.Name == name)) {
		return p, nil
	}
	what := id
	if what == "" {
		what = name
	}
	return nil, errorf(400, "ResourceNotFoundException", "Product %s not found.", what)
}

// scDescribeProduct is the end user's view of a product: its artifacts and launch paths.
// https://docs.aws.amazon.com/servicecatalog/latest/dg/API_DescribeProduct.html
func scDescribeProduct(c *call) (any, error) {
	var in struct{ Id, Name string }
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	p, err := c.launchableProduct(in.Id, in.Name)
	if err != nil {
		return nil, err
	}
	f, _ := c.accountFactory()
	return map[string]any{
		"ProductViewSummary": c.productView(p)["ProductViewSummary"],
		"ProvisioningArtifacts": []map[string]any{{"Id": f.artifact, "Name": inventory.AccountFactoryProduct,
			"Description": "AWS Control Tower Account Factory", "CreatedTime": epoch(c.st.snap.CapturedAt), "Guidance": "DEFAULT"}},
		"LaunchPaths": []map[string]any{{"Id": f.portfolio, "Name": inventory.AccountFactoryPortfolio}},
		"Budgets":     []any{},
	}, nil
}

// scListLaunchPaths: PageSize 0-20. https://docs.aws.amazon.com/servicecatalog/latest/dg/API_ListLaunchPaths.html
func scListLaunchPaths(c *call) (any, error) {
	var in struct {
		ProductId string
		PageSize  int
		PageToken string
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if in.ProductId == "" {
		return nil, c.missing("productId")
	}
	if _, err := c.launchableProduct(in.ProductId, ""); err != nil {
		return nil, err
	}
	f, _ := c.accountFactory()
	paths, next, err := page(c, []string{f.portfolio}, strKey, in.PageToken, in.PageSize, scMaxPage, scMaxPage, "pageSize")
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, 0, len(paths))
	for range paths {
		out = append(out, map[string]any{"Id": f.portfolio, "Name": inventory.AccountFactoryPortfolio, "ConstraintSummaries": []any{}, "Tags": []any{}})
	}
	return withToken(map[string]any{"LaunchPathSummaries": out}, "NextPageToken", next), nil
}

func (c *call) ppDetail(p ppView) map[string]any {
	m := map[string]any{"Name": p.Name, "Arn": c.ppArn(p), "Type": p.Type, "Id": p.ID, "Status": p.Status, "CreatedTime": epoch(p.Created),
		"ProductId": p.ProductID, "ProvisioningArtifactId": p.ArtifactID}
	for k, v := range map[string]string{"IdempotencyToken": p.Token, "LastRecordId": p.LastRecord, "LastProvisioningRecordId": p.LastProvisioning,
		"LastSuccessfulProvisioningRecordId": p.LastSuccessful} {
		if v != "" {
			m[k] = v
		}
	}
	return m
}

// scDescribeProvisionedProduct: by Id or Name.
// https://docs.aws.amazon.com/servicecatalog/latest/dg/API_DescribeProvisionedProduct.html
func scDescribeProvisionedProduct(c *call) (any, error) {
	var in struct{ Id, Name string }
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	p, err := c.provisionedBy(in.Id, in.Name)
	if err != nil {
		return nil, err
	}
	return map[string]any{"ProvisionedProductDetail": c.ppDetail(p), "CloudWatchDashboards": []any{}}, nil
}

// ppMatches applies SearchProvisionedProducts' SearchQuery values: "key:value" compares one
// attribute (name, id, productId, physicalId, status, type, lastRecordId, idempotencyToken); a bare
// value searches the name. Any one value matching is enough.
// https://docs.aws.amazon.com/servicecatalog/latest/dg/API_SearchProvisionedProducts.html
func ppMatches(p ppView, queries []string) bool {
	if len(queries) == 0 {
		return true
	}
	for _, q := range queries {
		key, val, ok := strings.Cut(q, ":")
		if !ok {
			if strings.Contains(strings.ToLower(p.Name), strings.ToLower(q)) {
				return true
			}
			continue
		}
		field := map[string]string{"name": p.Name, "id": p.ID, "productId": p.ProductID, "physicalId": p.PhysicalID, "status": p.Status,
			"type": p.Type, "lastRecordId": p.LastRecord, "idempotencyToken": p.Token}[key]
		if field != "" && field == val {
			return true
		}
	}
	return false
}
