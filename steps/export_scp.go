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

// SCPExport is the file export.scp writes (exports/scp/<policy ID>.json): the SCP as DescribePolicy
// returned it, enough to create it again.
type SCPExport struct {
	PolicyID    string    `json:"policyId"`
	Arn         string    `json:"arn"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	AWSManaged  bool      `json:"awsManaged"`
	Content     string    `json:"content"`
	ExportedAt  time.Time `json:"exportedAt"`
}

// SCPTargetsExport is the file next to it (exports/scp/<policy ID>.targets.json): where the SCP was
// attached when exported (ListTargetsForPolicy), to attach it again.
type SCPTargetsExport struct {
	PolicyID   string      `json:"policyId"`
	Targets    []SCPTarget `json:"targets"`
	ExportedAt time.Time   `json:"exportedAt"`
}

// SCPTarget is a root, OU or account the SCP was attached to when exported.
type SCPTarget struct {
	TargetID string `json:"targetId"`
	Arn      string `json:"arn"`
	Name     string `json:"name"`
	Type     string `json:"type"`
}

// SCPExportNames are the export files of an SCP, relative to exports/.
func SCPExportNames(policyID string) (doc, targets string) {
	return "scp/" + policyID + ".json", "scp/" + policyID + ".targets.json"
}

// export.scp: save an SCP's document and targets before anything detaches or deletes it.
func init() {
	Register(Def[plans.ExportSCP]{
		Observe: func(_ context.Context, x *Exec, p plans.ExportSCP) (Observation, error) {
			docName, _ := SCPExportNames(p.PolicyID)
			e, t, err := readSCPExport(x, p.PolicyID)
			if errors.Is(err, fs.ErrNotExist) {
				return Observation{State: NotDone, Change: fmt.Sprintf("save SCP %s's document and targets to exports/%s", p.PolicyID, docName)}, nil
			}
			if err != nil {
				// A damaged export is written again: the SCP is still there to read.
				return Observation{State: NotDone, Change: fmt.Sprintf("save SCP %s again to exports/%s (%v)", p.PolicyID, docName, err)}, nil
			}
			return Observation{State: Done, Note: fmt.Sprintf("%s exported at %s with %d targets", e.Name, e.ExportedAt.Format(time.RFC3339), len(t.Targets))}, nil
		},
		Start: func(ctx context.Context, x *Exec, p plans.ExportSCP) (string, error) {
			org := awsapi.Organizations(x.Management(""))
			out, err := org.DescribePolicy(ctx, &organizations.DescribePolicyInput{PolicyId: aws.String(p.PolicyID)})
			if err != nil {
				return "", err
			}
			now := time.Now().UTC().Truncate(time.Second)
			e := SCPExport{PolicyID: p.PolicyID, ExportedAt: now}
			if pol := out.Policy; pol != nil {
				e.Content = aws.ToString(pol.Content)
				if s := pol.PolicySummary; s != nil {
					e.Arn, e.Name, e.Description, e.AWSManaged = aws.ToString(s.Arn), aws.ToString(s.Name), aws.ToString(s.Description), s.AwsManaged
				}
			}
			t := SCPTargetsExport{PolicyID: p.PolicyID, Targets: []SCPTarget{}, ExportedAt: now}
			pages := organizations.NewListTargetsForPolicyPaginator(org, &organizations.ListTargetsForPolicyInput{PolicyId: aws.String(p.PolicyID)})
			for pages.HasMorePages() {
				page, err := pages.NextPage(ctx)
				if err != nil {
					return "", err
				}
				for _, tg := range page.Targets {
					t.Targets = append(t.Targets, SCPTarget{TargetID: aws.ToString(tg.TargetId), Arn: aws.ToString(tg.Arn), Name: aws.ToString(tg.Name), Type: string(tg.Type)})
				}
			}
			docName, targetsName := SCPExportNames(p.PolicyID)
			// Targets first: the document is what Observe looks for, so it is written last.
			if err := writeJSON(x, targetsName, t); err != nil {
				return "", err
			}
			return "", writeJSON(x, docName, e)
		},
		Verify: func(_ context.Context, x *Exec, p plans.ExportSCP) (Outputs, error) {
			_, _, err := readSCPExport(x, p.PolicyID)
			return nil, err
		},
		Classify: func(err error) Class {
			if HasCode(err, "PolicyNotFoundException") {
				return Failed // nothing to save: later steps must not act on a policy nobody saved
			}
			return DefaultClass(err)
		},
	})
}

func writeJSON(x *Exec, name string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return x.WriteExport(name, append(data, '\n'))
}

func readSCPExport(x *Exec, policyID string) (*SCPExport, *SCPTargetsExport, error) {
	docName, targetsName := SCPExportNames(policyID)
	var e SCPExport
	var t SCPTargetsExport
	for _, f := range []struct {
		name string
		v    any
	}{{docName, &e}, {targetsName, &t}} {
		data, err := x.ReadExport(f.name)
		if err != nil {
			return nil, nil, err
		}
		if err := json.Unmarshal(data, f.v); err != nil {
			return nil, nil, fmt.Errorf("exports/%s is damaged: %w", f.name, err)
		}
	}
	if e.PolicyID != policyID || e.Content == "" || t.PolicyID != policyID {
		return nil, nil, fmt.Errorf("exports/%s does not hold SCP %s's document", docName, policyID)
	}
	return &e, &t, nil
}
