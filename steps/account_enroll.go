package steps

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cttypes "github.com/aws/aws-sdk-go-v2/service/controltower/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/servicecatalog"
	sctypes "github.com/aws/aws-sdk-go-v2/service/servicecatalog/types"

	"github.com/lz2ct/lz2ct/awsapi"
	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/plans"
)

// account.enroll: enroll one existing account through Account Factory: Service Catalog
// ProvisionProduct of "AWS Control Tower Account Factory" with the account's e-mail and the target
// OU written "Name (ou-id)" (https://docs.aws.amazon.com/controltower/latest/userguide/enroll-account.html,
// https://docs.aws.amazon.com/controltower/latest/userguide/provision-as-end-user.html). The
// ProvisionToken is the attempt's token: a repeat answers the first record. Observe looks for the
// enrollment (the account's enabled AWSControlTowerBaseline) and for the provisioned product by
// name with its last record, so a stopped run waits on the record it started. An enrollment whose
// record FAILED is retried with UpdateProvisionedProduct: its provisioned product keeps the name
// (https://docs.aws.amazon.com/controltower/latest/userguide/updating-account-factory-accounts.html).
func init() {
	Register(Def[plans.AccountEnroll]{
		// An account operation: up to the plan's accountConcurrency at once, none during an OU operation.
		Claims: func(plans.AccountEnroll) []Claim { return []Claim{{Kind: ControlTowerAccount}} },
		Token:  func(p plans.AccountEnroll) string { return p.ProvisionToken },
		Observe: func(ctx context.Context, x *Exec, p plans.AccountEnroll) (Observation, error) {
			e, err := enrollment(ctx, x, p)
			if err != nil || e.unsafe != "" {
				return Observation{State: Unsafe, Note: e.unsafe}, err
			}
			switch {
			case e.enrolled && e.parent == e.ouID:
				return Observation{State: Done, Note: fmt.Sprintf("account %s is enrolled in %s (%s)", p.AccountID, p.OUName, e.ouID)}, nil
			case e.pp != nil && (e.pp.Status == sctypes.ProvisionedProductStatusUnderChange || e.pp.Status == sctypes.ProvisionedProductStatusPlanInProgress):
				return Observation{State: Running, OperationID: aws.ToString(e.pp.LastRecordId), Note: "Account Factory is enrolling account " + p.AccountID}, nil
			case e.enrolled:
				return Observation{State: Unsafe, Note: fmt.Sprintf("account %s is enrolled already, but in %s, not in %s (%s) as planned: move it (Account Factory, update its provisioned product) or re-plan", p.AccountID, e.parent, p.OUName, e.ouID)}, nil
			case e.status == cttypes.EnablementStatusUnderChange:
				return Observation{}, NotYet(fmt.Errorf("account %s is under change in Control Tower (another operation enrolls it)", p.AccountID))
			case e.pp != nil && e.pp.Status == sctypes.ProvisionedProductStatusAvailable:
				return Observation{}, NotYet(fmt.Errorf("provisioned product %s is AVAILABLE but account %s is not enrolled yet", aws.ToString(e.pp.Id), p.AccountID))
			case e.pp != nil:
				return Observation{State: NotDone, Change: fmt.Sprintf("enroll account %s (%s) into %s again: update provisioned product %s, whose last record %s failed",
					p.AccountID, p.AccountName, managedOU(p.OUName, e.ouID), aws.ToString(e.pp.Id), aws.ToString(e.pp.LastRecordId))}, nil
			}
			return Observation{State: NotDone, Change: fmt.Sprintf("enroll account %s (%s) into %s through %s (provisioned product %s)",
				p.AccountID, p.AccountName, managedOU(p.OUName, e.ouID), p.ProductName, p.ProvisionedProductName)}, nil
		},
		Start: func(ctx context.Context, x *Exec, p plans.AccountEnroll) (string, error) {
			e, err := enrollment(ctx, x, p)
			if err != nil {
				return "", err
			}
			if e.unsafe != "" {
				return "", fmt.Errorf("%s", e.unsafe)
			}
			sc := awsapi.ServiceCatalog(x.Management(p.Region))
			l, err := accountFactoryLaunch(ctx, sc, p.ProductName)
			if err != nil {
				return "", err
			}
			params := []sctypes.ProvisioningParameter{
				{Key: aws.String("AccountName"), Value: aws.String(p.AccountName)},
				{Key: aws.String("AccountEmail"), Value: aws.String(p.AccountEmail)},
				{Key: aws.String("SSOUserEmail"), Value: aws.String(p.SSOUserEmail)},
				{Key: aws.String("SSOUserFirstName"), Value: aws.String(p.SSOUserFirstName)},
				{Key: aws.String("SSOUserLastName"), Value: aws.String(p.SSOUserLastName)},
				{Key: aws.String("ManagedOrganizationalUnit"), Value: aws.String(managedOU(p.OUName, e.ouID))},
			}
			if e.pp != nil {
				if e.pp.Status == sctypes.ProvisionedProductStatusUnderChange || e.pp.Status == sctypes.ProvisionedProductStatusAvailable {
					return aws.ToString(e.pp.LastRecordId), nil // started meanwhile: follow it
				}
				up := make([]sctypes.UpdateProvisioningParameter, len(params))
				for i, pr := range params {
					up[i] = sctypes.UpdateProvisioningParameter{Key: pr.Key, Value: pr.Value}
				}
				out, err := sc.UpdateProvisionedProduct(ctx, &servicecatalog.UpdateProvisionedProductInput{ProvisionedProductId: e.pp.Id,
					ProductId: aws.String(l.product), ProvisioningArtifactId: aws.String(l.artifact), PathId: aws.String(l.path),
					ProvisioningParameters: up, UpdateToken: aws.String(x.Token)})
				if err != nil {
					return "", err
				}
				return aws.ToString(out.RecordDetail.RecordId), nil
			}
			out, err := sc.ProvisionProduct(ctx, &servicecatalog.ProvisionProductInput{ProductId: aws.String(l.product),
				ProvisioningArtifactId: aws.String(l.artifact), PathId: aws.String(l.path), ProvisionedProductName: aws.String(p.ProvisionedProductName),
				ProvisioningParameters: params, ProvisionToken: aws.String(x.Token)})
			if err != nil {
				return "", err
			}
			return aws.ToString(out.RecordDetail.RecordId), nil
		},
		Poll: func(ctx context.Context, x *Exec, p plans.AccountEnroll, id string) (OpStatus, error) {
			st, err := recordStatus(ctx, awsapi.ServiceCatalog(x.Management(p.Region)), id)
			if st.State == OpFailed {
				st.Message += " (enrollment prerequisites: https://docs.aws.amazon.com/controltower/latest/userguide/enrollment-prerequisites.html)"
			}
			return st, err
		},
		// "Several minutes" (https://docs.aws.amazon.com/controltower/latest/userguide/enroll-account.html).
		PollEvery: Backoff{First: 30 * time.Second, Max: time.Minute},
		Verify: func(ctx context.Context, x *Exec, p plans.AccountEnroll) (Outputs, error) {
			e, err := enrollment(ctx, x, p)
			if err != nil {
				return nil, err
			}
			if !e.enrolled || e.parent != e.ouID {
				return nil, NotYet(fmt.Errorf("account %s is not enrolled in %s yet (parent %s, baseline %s)", p.AccountID, e.ouID, e.parent, e.status))
			}
			id := ""
			if e.pp != nil {
				id = aws.ToString(e.pp.Id)
			}
			return Outputs{plans.OutputProvisionedProductID: id}, nil
		},
		Classify: func(err error) Class {
			if HasCode(err, "DuplicateResourceException") {
				return RetryLater // a provisioned product with the name appeared: observe, and follow it
			}
			return DefaultClass(err)
		},
	})
}

// managedOU is the target OU as Account Factory's ManagedOrganizationalUnit parameter names it.
func managedOU(name, id string) string { return name + " (" + id + ")" }

// enroll is what Observe, Start and Verify of an enrollment read.
type enroll struct {
	ouID, parent string
	enrolled     bool
	status       cttypes.EnablementStatus
	pp           *sctypes.ProvisionedProductAttribute
	unsafe       string
}

func enrollment(ctx context.Context, x *Exec, p plans.AccountEnroll) (enroll, error) {
	var e enroll
	var err error
	if e.ouID, err = x.Resolve(p.OUID); err != nil {
		return e, err
	}
	org := awsapi.Organizations(x.Management(""))
	acct, err := org.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: aws.String(p.AccountID)})
	if HasCode(err, "AccountNotFoundException") {
		e.unsafe = fmt.Sprintf("account %s is no longer in the organization: re-plan (lz2ct discover, lz2ct plan)", p.AccountID)
		return e, nil
	}
	if err != nil {
		return e, err
	}
	parents, err := org.ListParents(ctx, &organizations.ListParentsInput{ChildId: aws.String(p.AccountID)})
	if err != nil {
		return e, err
	}
	if len(parents.Parents) > 0 {
		e.parent = aws.ToString(parents.Parents[0].Id)
	}
	ct := awsapi.ControlTower(x.Management(p.Region))
	ctb, err := baselineArn(ctx, ct, inventory.BaselineControlTower)
	if err != nil {
		return e, err
	}
	if ctb == "" {
		e.unsafe = fmt.Sprintf("Control Tower lists no %s baseline in %s: is the landing zone set up in this region?", inventory.BaselineControlTower, p.Region)
		return e, nil
	}
	ebs, err := enabledBaselines(ctx, ct, ctb, aws.ToString(acct.Account.Arn))
	if err != nil {
		return e, err
	}
	if len(ebs) > 0 {
		e.status, _ = ebStatus(ebs[0])
		e.enrolled = e.status == cttypes.EnablementStatusSucceeded
	}
	pps, err := provisionedNamed(ctx, awsapi.ServiceCatalog(x.Management(p.Region)), p.ProvisionedProductName)
	if err != nil {
		return e, err
	}
	if len(pps) > 0 {
		e.pp = &pps[0]
		if phys := aws.ToString(e.pp.PhysicalId); (phys != "" && phys != p.AccountID) || aws.ToString(e.pp.Type) != "CONTROL_TOWER_ACCOUNT" {
			e.unsafe = fmt.Sprintf("a provisioned product named %s exists (%s, type %s, for %s) that does not enroll account %s: re-plan with another provisioned product name",
				p.ProvisionedProductName, aws.ToString(e.pp.Id), aws.ToString(e.pp.Type), phys, p.AccountID)
		}
	}
	return e, nil
}
