package steps

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"

	"github.com/lz2ct/lz2ct/awsapi"
	"github.com/lz2ct/lz2ct/plans"
)

// SCPExport is the file export.scp writes (exports/scp/<policy ID>.json): everything needed to
// re-create the SCP and attach it again.
type SCPExport struct {
	PolicyID    string      `json:"policyId"`
	Arn         string      `json:"arn"`
	Name        string      `json:"name"`
	Description string      `json:"description"`
	AWSManaged  bool        `json:"awsManaged"`
	Content     string      `json:"content"`
	Targets     []SCPTarget `json:"targets"`
	ExportedAt  time.Time   `json:"exportedAt"`
}

// SCPTarget is a root, OU or account the SCP was attached to when exported.
type SCPTarget struct {
	TargetID string `json:"targetId"`
	Arn      string `json:"arn"`
	Name     string `json:"name"`
	Type     string `json:"type"`
}

// SCPExportName is the export file of an SCP.
func SCPExportName(policyID string) string { return "scp/" + policyID + ".json" }

// export.scp: save an SCP's document and targets before anything detaches or deletes it.
func init() {
	Register(Def[plans.ExportSCP]{
		Observe: func(_ context.Context, x *Exec, p plans.ExportSCP) (Observation, error) {
			e, err := readSCPExport(x, p.PolicyID)
			if errors.Is(err, fs.ErrNotExist) {
				return Observation{State: NotDone, Change: fmt.Sprintf("save SCP %s's document and targets to exports/%s", p.PolicyID, SCPExportName(p.PolicyID))}, nil
			}
			if err != nil {
				// A damaged export is written again: the SCP is still there to read.
				return Observation{State: NotDone, Change: fmt.Sprintf("save SCP %s again to exports/%s (%v)", p.PolicyID, SCPExportName(p.PolicyID), err)}, nil
			}
			return Observation{State: Done, Note: fmt.Sprintf("exported at %s (%d targets)", e.ExportedAt.Format(time.RFC3339), len(e.Targets))}, nil
		},
		Start: func(ctx context.Context, x *Exec, p plans.ExportSCP) (string, error) {
			org := awsapi.Organizations(x.Management(""))
			out, err := org.DescribePolicy(ctx, &organizations.DescribePolicyInput{PolicyId: aws.String(p.PolicyID)})
			if err != nil {
				return "", err
			}
			e := SCPExport{PolicyID: p.PolicyID, ExportedAt: time.Now().UTC().Truncate(time.Second)}
			if pol := out.Policy; pol != nil {
				e.Content = aws.ToString(pol.Content)
				if s := pol.PolicySummary; s != nil {
					e.Arn, e.Name, e.Description, e.AWSManaged = aws.ToString(s.Arn), aws.ToString(s.Name), aws.ToString(s.Description), s.AwsManaged
				}
			}
			pages := organizations.NewListTargetsForPolicyPaginator(org, &organizations.ListTargetsForPolicyInput{PolicyId: aws.String(p.PolicyID)})
			for pages.HasMorePages() {
				page, err := pages.NextPage(ctx)
				if err != nil {
					return "", err
				}
				for _, t := range page.Targets {
					e.Targets = append(e.Targets, SCPTarget{TargetID: aws.ToString(t.TargetId), Arn: aws.ToString(t.Arn), Name: aws.ToString(t.Name), Type: string(t.Type)})
				}
			}
			data, err := json.MarshalIndent(e, "", "  ")
			if err != nil {
				return "", err
			}
			return "", x.WriteExport(SCPExportName(p.PolicyID), append(data, '\n'))
		},
		Verify: func(_ context.Context, x *Exec, p plans.ExportSCP) (Outputs, error) {
			if _, err := readSCPExport(x, p.PolicyID); err != nil {
				return nil, err
			}
			return nil, nil
		},
		Classify: func(err error) Class {
			if HasCode(err, "PolicyNotFoundException") {
				return Failed // nothing to save: later steps must not act on a policy nobody saved
			}
			return DefaultClass(err)
		},
	})
}

func readSCPExport(x *Exec, policyID string) (*SCPExport, error) {
	data, err := x.ReadExport(SCPExportName(policyID))
	if err != nil {
		return nil, err
	}
	var e SCPExport
	if err := json.Unmarshal(data, &e); err != nil {
		return nil, fmt.Errorf("exports/%s is damaged: %w", SCPExportName(policyID), err)
	}
	if e.PolicyID != policyID || e.Content == "" {
		return nil, fmt.Errorf("exports/%s does not hold SCP %s's document", SCPExportName(policyID), policyID)
	}
	return &e, nil
}
