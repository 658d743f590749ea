package steps

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"

	"github.com/lz2ct/lz2ct/awsapi"
	"github.com/lz2ct/lz2ct/plans"
)

// SCPExport is the file export.scp writes at the plan's path (exports/scp/<policy ID>.json): the
// SCP as DescribePolicy returns it, in AWS's own JSON shape — the same file as the runbook's
// `aws organizations describe-policy --output json` — enough to create it again.
type SCPExport struct {
	Policy struct {
		PolicySummary SCPSummary `json:"PolicySummary"`
		Content       string     `json:"Content"`
	} `json:"Policy"`
}

// SCPSummary is DescribePolicy's PolicySummary.
type SCPSummary struct {
	Id          string `json:"Id"`
	Arn         string `json:"Arn"`
	Name        string `json:"Name"`
	Description string `json:"Description"`
	Type        string `json:"Type"`
	AwsManaged  bool   `json:"AwsManaged"`
}

// SCPTargetsExport is the file next to it (<policy ID>.targets.json): where the SCP was attached
// when exported, as ListTargetsForPolicy returns it, to attach it again.
type SCPTargetsExport struct {
	Targets []SCPTarget `json:"Targets"`
}

// SCPTarget is a root, OU or account the SCP was attached to when exported.
type SCPTarget struct {
	TargetId string `json:"TargetId"`
	Arn      string `json:"Arn"`
	Name     string `json:"Name"`
	Type     string `json:"Type"`
}

// SCPExportPaths are the export files of an export.scp step, relative to the state folder: the
// plan's path, and the targets file next to it.
func SCPExportPaths(p plans.ExportSCP) (doc, targets string) {
	doc = p.Path
	if doc == "" {
		doc = "exports/scp/" + p.PolicyID + ".json"
	}
	return doc, strings.TrimSuffix(doc, ".json") + ".targets.json"
}

// export.scp: save an SCP's document and targets before anything detaches or deletes it.
func init() {
	Register(Def[plans.ExportSCP]{
		Observe: func(_ context.Context, x *Exec, p plans.ExportSCP) (Observation, error) {
			docPath, _ := SCPExportPaths(p)
			e, t, err := readSCPExport(x, p)
			if errors.Is(err, fs.ErrNotExist) {
				return Observation{State: NotDone, Change: fmt.Sprintf("save SCP %s's document and targets to %s", p.PolicyID, docPath)}, nil
			}
			if err != nil {
				// A damaged export is written again: the SCP is still there to read.
				return Observation{State: NotDone, Change: fmt.Sprintf("save SCP %s again to %s (%v)", p.PolicyID, docPath, err)}, nil
			}
			return Observation{State: Done, Note: fmt.Sprintf("%s exported with %d targets", e.Policy.PolicySummary.Name, len(t.Targets))}, nil
		},
		Start: func(ctx context.Context, x *Exec, p plans.ExportSCP) (string, error) {
			org := awsapi.Organizations(x.Management(""))
			out, err := org.DescribePolicy(ctx, &organizations.DescribePolicyInput{PolicyId: aws.String(p.PolicyID)})
			if err != nil {
				return "", err
			}
			var e SCPExport
			if pol := out.Policy; pol != nil {
				e.Policy.Content = aws.ToString(pol.Content)
				if s := pol.PolicySummary; s != nil {
					e.Policy.PolicySummary = SCPSummary{Id: aws.ToString(s.Id), Arn: aws.ToString(s.Arn), Name: aws.ToString(s.Name),
						Description: aws.ToString(s.Description), Type: string(s.Type), AwsManaged: s.AwsManaged}
				}
			}
			t := SCPTargetsExport{Targets: []SCPTarget{}}
			pages := organizations.NewListTargetsForPolicyPaginator(org, &organizations.ListTargetsForPolicyInput{PolicyId: aws.String(p.PolicyID)})
			for pages.HasMorePages() {
				page, err := pages.NextPage(ctx)
				if err != nil {
					return "", err
				}
				for _, tg := range page.Targets {
					t.Targets = append(t.Targets, SCPTarget{TargetId: aws.ToString(tg.TargetId), Arn: aws.ToString(tg.Arn), Name: aws.ToString(tg.Name), Type: string(tg.Type)})
				}
			}
			docPath, targetsPath := SCPExportPaths(p)
			// Targets first: the document is what Observe looks for, so it is written last.
			if err := writeJSON(x, targetsPath, t); err != nil {
				return "", err
			}
			return "", writeJSON(x, docPath, e)
		},
		Verify: func(_ context.Context, x *Exec, p plans.ExportSCP) (Outputs, error) {
			_, _, err := readSCPExport(x, p)
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

func readSCPExport(x *Exec, p plans.ExportSCP) (*SCPExport, *SCPTargetsExport, error) {
	docPath, targetsPath := SCPExportPaths(p)
	var e SCPExport
	var t SCPTargetsExport
	for _, f := range []struct {
		path string
		v    any
	}{{docPath, &e}, {targetsPath, &t}} {
		if err := x.ReadExportJSON(f.path, f.v); err != nil {
			return nil, nil, err
		}
	}
	if e.Policy.PolicySummary.Id != p.PolicyID || e.Policy.Content == "" || t.Targets == nil {
		return nil, nil, fmt.Errorf("%s does not hold SCP %s's document and targets", docPath, p.PolicyID)
	}
	return &e, &t, nil
}
