package steps

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"

	"github.com/lz2ct/lz2ct/plans"
)

// StackSetExport is the file export.stackset writes at the plan's path
// (exports/stacksets/<name>.json): the StackSet as DescribeStackSet returns it, in AWS's own JSON
// shape — the same file as the runbook's `aws cloudformation describe-stack-set --output json` —
// with the template and parameters that create it again.
type StackSetExport struct {
	StackSet StackSetDoc `json:"StackSet"`
}

// StackSetDoc is DescribeStackSet's StackSet.
type StackSetDoc struct {
	StackSetName          string           `json:"StackSetName"`
	StackSetId            string           `json:"StackSetId"`
	Description           string           `json:"Description,omitempty"`
	Status                string           `json:"Status"`
	TemplateBody          string           `json:"TemplateBody"`
	Parameters            []StackSetParam  `json:"Parameters"`
	Capabilities          []string         `json:"Capabilities"`
	StackSetARN           string           `json:"StackSetARN,omitempty"`
	AdministrationRoleARN string           `json:"AdministrationRoleARN,omitempty"`
	ExecutionRoleName     string           `json:"ExecutionRoleName,omitempty"`
	PermissionModel       string           `json:"PermissionModel,omitempty"`
	OrganizationalUnitIds []string         `json:"OrganizationalUnitIds,omitempty"`
	Regions               []string         `json:"Regions,omitempty"`
	Tags                  []StackSetTagDoc `json:"Tags,omitempty"`
}

// StackSetParam is one template parameter of the StackSet.
type StackSetParam struct {
	ParameterKey   string `json:"ParameterKey"`
	ParameterValue string `json:"ParameterValue"`
}

// StackSetTagDoc is one tag of the StackSet.
type StackSetTagDoc struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// StackInstancesExport is the file next to it (<name>.instances.json): the instances as
// ListStackInstances returns them (`aws cloudformation list-stack-instances --output json`), to
// create them again.
type StackInstancesExport struct {
	Summaries []StackInstanceDoc `json:"Summaries"`
}

// StackInstanceDoc is one ListStackInstances summary.
type StackInstanceDoc struct {
	StackSetId          string `json:"StackSetId"`
	Region              string `json:"Region"`
	Account             string `json:"Account"`
	StackId             string `json:"StackId,omitempty"`
	Status              string `json:"Status"`
	StatusReason        string `json:"StatusReason,omitempty"`
	StackInstanceStatus struct {
		DetailedStatus string `json:"DetailedStatus,omitempty"`
	} `json:"StackInstanceStatus"`
	OrganizationalUnitId string `json:"OrganizationalUnitId,omitempty"`
	DriftStatus          string `json:"DriftStatus,omitempty"`
	LastOperationId      string `json:"LastOperationId,omitempty"`
}

// StackSetExportPaths are the export files of a StackSet, relative to the state folder: the plan's
// path (exports/stacksets/<name>.json when it names none), and the instances file next to it.
func StackSetExportPaths(name, path string) (doc, instances string) {
	doc = path
	if doc == "" {
		doc = "exports/stacksets/" + name + ".json"
	}
	return doc, strings.TrimSuffix(doc, ".json") + ".instances.json"
}

// export.stackset: save a StackSet's template, parameters and instances before phases 3 and 6
// delete its instances. Rewriting the files is harmless, so a repeat after a crash needs no token.
func init() {
	Register(Def[plans.ExportStackSet]{
		Observe: func(_ context.Context, x *Exec, p plans.ExportStackSet) (Observation, error) {
			doc, _ := StackSetExportPaths(p.StackSetName, p.Path)
			e, n, err := readStackSetExport(x, p.StackSetName, p.Path)
			if errors.Is(err, fs.ErrNotExist) {
				return Observation{State: NotDone, Change: fmt.Sprintf("save StackSet %s's template, parameters and instances to %s", p.StackSetName, doc)}, nil
			}
			if err != nil {
				return Observation{State: NotDone, Change: fmt.Sprintf("save StackSet %s again to %s (%v)", p.StackSetName, doc, err)}, nil
			}
			return Observation{State: Done, Note: fmt.Sprintf("%s exported with %d instances", e.StackSet.StackSetName, n)}, nil
		},
		Start: func(ctx context.Context, x *Exec, p plans.ExportStackSet) (string, error) {
			cf := cfnIn(x, p.Region)
			out, err := cf.DescribeStackSet(ctx, &cloudformation.DescribeStackSetInput{StackSetName: aws.String(p.StackSetName)})
			if err != nil {
				return "", err
			}
			var e StackSetExport
			if s := out.StackSet; s != nil {
				e.StackSet = StackSetDoc{StackSetName: aws.ToString(s.StackSetName), StackSetId: aws.ToString(s.StackSetId), Description: aws.ToString(s.Description),
					Status: string(s.Status), TemplateBody: aws.ToString(s.TemplateBody), Parameters: []StackSetParam{}, Capabilities: []string{},
					StackSetARN: aws.ToString(s.StackSetARN), AdministrationRoleARN: aws.ToString(s.AdministrationRoleARN), ExecutionRoleName: aws.ToString(s.ExecutionRoleName),
					PermissionModel: string(s.PermissionModel), OrganizationalUnitIds: s.OrganizationalUnitIds, Regions: s.Regions}
				for _, prm := range s.Parameters {
					e.StackSet.Parameters = append(e.StackSet.Parameters, StackSetParam{aws.ToString(prm.ParameterKey), aws.ToString(prm.ParameterValue)})
				}
				for _, c := range s.Capabilities {
					e.StackSet.Capabilities = append(e.StackSet.Capabilities, string(c))
				}
				for _, t := range s.Tags {
					e.StackSet.Tags = append(e.StackSet.Tags, StackSetTagDoc{aws.ToString(t.Key), aws.ToString(t.Value)})
				}
			}
			doc, instances := StackSetExportPaths(p.StackSetName, p.Path)
			// Instances first: the document is what Observe looks for, so it is written last. They
			// are written page by page: 10,000 accounts x 17 regions are 170,000 of them.
			err = x.WriteExportStream(instances, func(w io.Writer) error {
				iw := newInstancesWriter(w)
				pages := cloudformation.NewListStackInstancesPaginator(cf, &cloudformation.ListStackInstancesInput{StackSetName: aws.String(p.StackSetName)})
				for pages.HasMorePages() {
					page, err := pages.NextPage(ctx)
					if err != nil {
						return err
					}
					for _, s := range page.Summaries {
						d := StackInstanceDoc{StackSetId: aws.ToString(s.StackSetId), Region: aws.ToString(s.Region), Account: aws.ToString(s.Account),
							StackId: aws.ToString(s.StackId), Status: string(s.Status), StatusReason: aws.ToString(s.StatusReason),
							OrganizationalUnitId: aws.ToString(s.OrganizationalUnitId), DriftStatus: string(s.DriftStatus), LastOperationId: aws.ToString(s.LastOperationId)}
						if s.StackInstanceStatus != nil {
							d.StackInstanceStatus.DetailedStatus = string(s.StackInstanceStatus.DetailedStatus)
						}
						if err := iw.add(d); err != nil {
							return err
						}
					}
				}
				return iw.close()
			})
			if err != nil {
				return "", err
			}
			return "", writeJSON(x, doc, e)
		},
		Verify: func(_ context.Context, x *Exec, p plans.ExportStackSet) (Outputs, error) {
			_, _, err := readStackSetExport(x, p.StackSetName, p.Path)
			return nil, err
		},
		Classify: func(err error) Class {
			if stackSetGone(err) {
				return Failed // nothing to save: later steps must not delete what nobody saved
			}
			return DefaultClass(err)
		},
	})
}

// readStackSetExport reads a StackSet's export back and counts its instances without holding
// them; fs.ErrNotExist when it is not there.
func readStackSetExport(x *Exec, name, path string) (*StackSetExport, int, error) {
	docPath, instPath := StackSetExportPaths(name, path)
	var e StackSetExport
	if err := x.ReadExportJSON(docPath, &e); err != nil {
		return nil, 0, err
	}
	n, err := countStackInstances(x, instPath)
	if err != nil {
		return nil, 0, err
	}
	if e.StackSet.StackSetName != name || e.StackSet.TemplateBody == "" {
		return nil, 0, fmt.Errorf("%s does not hold StackSet %s's template", docPath, name)
	}
	return &e, n, nil
}

// instancesWriter writes a StackInstancesExport one summary at a time, byte for byte as
// json.MarshalIndent(v, "", "  ") writes the whole (a test holds it to that).
type instancesWriter struct {
	w io.Writer
	n int
}

func newInstancesWriter(w io.Writer) *instancesWriter { return &instancesWriter{w: w} }

func (iw *instancesWriter) add(d StackInstanceDoc) error {
	b, err := json.MarshalIndent(d, "    ", "  ")
	if err != nil {
		return err
	}
	sep := ",\n    "
	if iw.n == 0 {
		sep = "{\n  \"Summaries\": [\n    "
	}
	iw.n++
	if _, err := io.WriteString(iw.w, sep); err != nil {
		return err
	}
	_, err = iw.w.Write(b)
	return err
}

func (iw *instancesWriter) close() error {
	end := "\n  ]\n}\n"
	if iw.n == 0 {
		end = "{\n  \"Summaries\": []\n}\n"
	}
	_, err := io.WriteString(iw.w, end)
	return err
}

// countStackInstances reads an instances export summary by summary: it must be an object whose
// Summaries is an array of instance summaries (empty for a StackSet without instances).
func countStackInstances(x *Exec, rel string) (int, error) {
	p, err := x.ExportPath(rel)
	if err != nil {
		return 0, err
	}
	f, err := os.Open(p)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	n, found, err := decodeInstances(json.NewDecoder(bufio.NewReaderSize(f, 64<<10)))
	switch {
	case err != nil:
		return 0, fmt.Errorf("%s is damaged: %w", rel, err)
	case !found:
		return 0, fmt.Errorf("%s holds no Summaries list", rel)
	}
	return n, nil
}

func decodeInstances(dec *json.Decoder) (n int, found bool, err error) {
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return 0, false, fmt.Errorf("not a JSON object (%v)", err)
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return 0, false, err
		}
		if key != "Summaries" {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return 0, false, err
			}
			continue
		}
		if t, err := dec.Token(); err != nil || t != json.Delim('[') {
			return 0, false, fmt.Errorf("Summaries is not a list (%v)", err)
		}
		found = true
		for dec.More() {
			var d StackInstanceDoc
			if err := dec.Decode(&d); err != nil {
				return 0, false, fmt.Errorf("summary %d: %w", n, err)
			}
			n++
		}
		if _, err := dec.Token(); err != nil { // ]
			return 0, false, err
		}
	}
	if _, err := dec.Token(); err != nil { // }
		return 0, false, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return 0, false, errors.New("more after the object")
	}
	return n, found, nil
}
