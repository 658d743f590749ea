package steps

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/controltower"
	"github.com/aws/aws-sdk-go-v2/service/controltower/document"
	cttypes "github.com/aws/aws-sdk-go-v2/service/controltower/types"

	"github.com/lz2ct/lz2ct/awsapi"
	"github.com/lz2ct/lz2ct/plans"
)

// baseline.enable: register an OU by enabling AWSControlTowerBaseline on it
// (https://docs.aws.amazon.com/controltower/latest/userguide/walkthrough-baseline-steps.html).
// EnableBaseline has no idempotency token; the enabled baseline is listed as soon as the call is
// accepted, UNDER_CHANGE with its operation as lastOperationIdentifier
// (https://docs.aws.amazon.com/controltower/latest/APIReference/API_EnablementStatusSummary.html),
// so Observe finds a registration a stopped run started and waits on it. A registration that
// FAILED is retried with ResetEnabledBaseline (re-register), as the console's "Re-register OU" does.
func init() {
	Register(Def[plans.BaselineEnable]{
		// An OU operation: Control Tower runs one at a time, and no account operation meanwhile.
		Claims: func(plans.BaselineEnable) []Claim { return []Claim{{Kind: ControlTowerExclusive}} },
		Observe: func(ctx context.Context, x *Exec, p plans.BaselineEnable) (Observation, error) {
			r, err := registration(ctx, x, p)
			if err != nil || r.unsafe != "" {
				return Observation{State: Unsafe, Note: r.unsafe}, err
			}
			if r.enabled == nil {
				return Observation{State: NotDone, Change: fmt.Sprintf("register OU %s: enable %s %s on it (%s)", r.ouID, p.BaselineName, p.BaselineVersion, r.ouArn)}, nil
			}
			status, op := ebStatus(*r.enabled)
			arn := aws.ToString(r.enabled.Arn)
			switch status {
			case cttypes.EnablementStatusSucceeded:
				note := fmt.Sprintf("OU %s is registered (%s, %s %s)", r.ouID, arn, p.BaselineName, aws.ToString(r.enabled.BaselineVersion))
				if v := aws.ToString(r.enabled.BaselineVersion); v != p.BaselineVersion {
					note += fmt.Sprintf("; the plan names version %s: re-register it after updating the landing zone", p.BaselineVersion)
				}
				return Observation{State: Done, Note: note}, nil
			case cttypes.EnablementStatusUnderChange:
				if op == "" {
					return Observation{}, NotYet(fmt.Errorf("the registration of OU %s is under change but names no operation yet", r.ouID))
				}
				return Observation{State: Running, OperationID: op, Note: "OU " + r.ouID + " is being registered"}, nil
			}
			return Observation{State: NotDone, Change: fmt.Sprintf("re-register OU %s: its registration %s failed (last operation %s); reset the enabled baseline", r.ouID, arn, op)}, nil
		},
		Start: func(ctx context.Context, x *Exec, p plans.BaselineEnable) (string, error) {
			r, err := registration(ctx, x, p)
			if err != nil {
				return "", err
			}
			if r.unsafe != "" {
				return "", fmt.Errorf("%s", r.unsafe)
			}
			ct := awsapi.ControlTower(x.Management(p.Region))
			if r.enabled != nil {
				if status, op := ebStatus(*r.enabled); status != cttypes.EnablementStatusFailed {
					return op, nil // registered or registering meanwhile: follow it
				}
				out, err := ct.ResetEnabledBaseline(ctx, &controltower.ResetEnabledBaselineInput{EnabledBaselineIdentifier: r.enabled.Arn})
				if err != nil {
					return "", err
				}
				return aws.ToString(out.OperationIdentifier), nil
			}
			in := &controltower.EnableBaselineInput{BaselineIdentifier: aws.String(r.baseline), BaselineVersion: aws.String(p.BaselineVersion),
				TargetIdentifier: aws.String(r.ouArn)}
			ic, err := x.Resolve(p.IdentityCenterEnabledBaselineARN)
			if err != nil {
				return "", err
			}
			if ic != "" {
				in.Parameters = []cttypes.EnabledBaselineParameter{{Key: aws.String("IdentityCenterEnabledBaselineArn"), Value: document.NewLazyDocument(ic)}}
			}
			out, err := ct.EnableBaseline(ctx, in)
			if err != nil {
				if HasCode(err, "ValidationException", "ResourceNotFoundException") {
					return "", Advise(err, "Control Tower refused the registration as asked (the message says why): fix the OU or the plan, then run lz2ct resume")
				}
				return "", err
			}
			return aws.ToString(out.OperationIdentifier), nil
		},
		Poll: func(ctx context.Context, x *Exec, p plans.BaselineEnable, id string) (OpStatus, error) {
			out, err := awsapi.ControlTower(x.Management(p.Region)).GetBaselineOperation(ctx, &controltower.GetBaselineOperationInput{OperationIdentifier: aws.String(id)})
			if err != nil {
				return OpStatus{}, err
			}
			st := ctOpStatus(string(out.BaselineOperation.Status), aws.ToString(out.BaselineOperation.StatusMessage))
			if st.State == OpFailed {
				st.Message += " (the registration's pre-checks: https://docs.aws.amazon.com/controltower/latest/userguide/common-eg-failures.html)"
			}
			return st, nil
		},
		// At least 10 minutes plus up to 2 per account
		// (https://docs.aws.amazon.com/controltower/latest/userguide/importing-existing.html).
		PollEvery: Backoff{First: time.Minute, Max: 2 * time.Minute},
		Verify: func(ctx context.Context, x *Exec, p plans.BaselineEnable) (Outputs, error) {
			r, err := registration(ctx, x, p)
			if err != nil {
				return nil, err
			}
			if r.enabled == nil {
				return nil, NotYet(fmt.Errorf("OU %s shows no enabled %s yet", r.ouID, p.BaselineName))
			}
			if status, _ := ebStatus(*r.enabled); status != cttypes.EnablementStatusSucceeded {
				return nil, NotYet(fmt.Errorf("the registration of OU %s is %s", r.ouID, status))
			}
			return Outputs{plans.OutputEnabledBaselineARN: aws.ToString(r.enabled.Arn)}, nil
		},
		// ConflictException (another Control Tower operation runs) is DefaultClass's "not now".
	})
}

// reg is what Observe, Start and Verify of a registration read.
type reg struct {
	ouID, ouArn, baseline string
	enabled               *cttypes.EnabledBaselineSummary
	unsafe                string
}

func registration(ctx context.Context, x *Exec, p plans.BaselineEnable) (reg, error) {
	var r reg
	var err error
	if r.ouID, err = x.Resolve(p.OUID); err != nil {
		return r, err
	}
	if r.ouArn, err = x.Resolve(p.OUARN); err != nil {
		return r, err
	}
	ct := awsapi.ControlTower(x.Management(p.Region))
	if r.baseline, err = baselineArn(ctx, ct, p.BaselineName); err != nil {
		return r, err
	}
	if r.baseline == "" {
		r.unsafe = fmt.Sprintf("Control Tower lists no %s baseline in %s: is the landing zone set up in this region? Check it (aws controltower list-landing-zones --region %s), then run lz2ct resume", p.BaselineName, p.Region, p.Region)
		return r, nil
	}
	ebs, err := enabledBaselines(ctx, ct, r.baseline, r.ouArn)
	if err != nil {
		return r, err
	}
	if len(ebs) > 0 {
		r.enabled = &ebs[0]
	}
	return r, nil
}
