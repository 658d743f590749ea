package steps

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"

	"github.com/lz2ct/lz2ct/awsapi"
	"github.com/lz2ct/lz2ct/plans"
)

// scp.delete: delete an SCP that is attached nowhere. DeletePolicy refuses a policy still attached
// to a root, OU or account (PolicyInUseException) and answers PolicyNotFoundException once it is
// gone (done). The guard, in Observe: the SCP's export (export.scp, exports/scp/<policy ID>.json
// and its targets file) is in the state folder — it is what a rollback re-creates — and
// ListTargetsForPolicy lists no target. An AWS-managed policy is never deleted.
// https://docs.aws.amazon.com/organizations/latest/APIReference/API_DeletePolicy.html
func init() {
	Register(Def[plans.SCPDelete]{
		Observe: func(ctx context.Context, x *Exec, p plans.SCPDelete) (Observation, error) {
			org := awsapi.Organizations(x.Management(""))
			out, err := org.DescribePolicy(ctx, &organizations.DescribePolicyInput{PolicyId: aws.String(p.PolicyID)})
			if HasCode(err, "PolicyNotFoundException") {
				return Observation{State: Done, Note: "SCP " + p.PolicyID + " does not exist (deleted)"}, nil
			}
			if err != nil {
				return Observation{}, err
			}
			var pol named
			managed := false
			if s := out.Policy.PolicySummary; s != nil {
				pol, managed = named{p.PolicyID, aws.ToString(s.Name)}, s.AwsManaged
			}
			if managed {
				return Observation{State: Unsafe, Note: fmt.Sprintf("SCP %s is managed by AWS: lz2ct never deletes it (the plan is damaged: re-create it with lz2ct plan)", pol)}, nil
			}
			var refuse []string
			docPath, _ := SCPExportPaths(plans.ExportSCP{PolicyID: p.PolicyID})
			if _, _, err := readSCPExport(x, plans.ExportSCP{PolicyID: p.PolicyID}); err != nil {
				refuse = append(refuse, fmt.Sprintf("its export %s is not in the state folder (%v): run its export.scp step first (lz2ct apply --step %s/%s)",
					docPath, err, plans.KindExportSCP, p.PolicyID))
			}
			targets, err := policyTargets(ctx, x, p.PolicyID)
			if err != nil {
				return Observation{}, err
			}
			if len(targets) > 0 {
				refuse = append(refuse, fmt.Sprintf("it is still attached to %s: the plan's scp.detach steps detach it first; check they succeeded (lz2ct status)", namedList(targets, 5)))
			}
			if len(refuse) > 0 {
				return Observation{State: Unsafe, Note: fmt.Sprintf("SCP %s is not deleted: %s", pol, strings.Join(refuse, "; "))}, nil
			}
			return Observation{State: NotDone, Change: fmt.Sprintf("delete SCP %s, attached nowhere; its document and former targets are saved in %s", pol, docPath)}, nil
		},
		Start: func(ctx context.Context, x *Exec, p plans.SCPDelete) (string, error) {
			_, err := awsapi.Organizations(x.Management("")).DeletePolicy(ctx, &organizations.DeletePolicyInput{PolicyId: aws.String(p.PolicyID)})
			if HasCode(err, "PolicyInUseException") {
				return "", Advise(err, "someone attached SCP "+p.PolicyID+" after lz2ct looked: find where (aws organizations list-targets-for-policy --policy-id "+p.PolicyID+"), detach it, then run lz2ct resume")
			}
			return "", err
		},
		Verify: func(ctx context.Context, x *Exec, p plans.SCPDelete) (Outputs, error) {
			_, err := awsapi.Organizations(x.Management("")).DescribePolicy(ctx, &organizations.DescribePolicyInput{PolicyId: aws.String(p.PolicyID)})
			switch {
			case HasCode(err, "PolicyNotFoundException"):
				return nil, nil
			case err != nil:
				return nil, err
			}
			return nil, NotYet(fmt.Errorf("SCP %s still exists", p.PolicyID))
		},
		Classify: DoneOn("PolicyNotFoundException"),
	})
}

// policyTargets lists the roots, OUs and accounts a policy is attached to.
func policyTargets(ctx context.Context, x *Exec, policy string) ([]named, error) {
	var out []named
	pages := organizations.NewListTargetsForPolicyPaginator(awsapi.Organizations(x.Management("")),
		&organizations.ListTargetsForPolicyInput{PolicyId: aws.String(policy)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, t := range page.Targets {
			out = append(out, named{targetWords(aws.ToString(t.TargetId)), aws.ToString(t.Name)})
		}
	}
	return out, nil
}
