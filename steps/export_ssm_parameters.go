package steps

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/lz2ct/lz2ct/awsapi"
	"github.com/lz2ct/lz2ct/plans"
)

// SSMExport is the file export.ssm-parameters writes at the plan's path: every parameter under the
// path with its decrypted value, in the shape of `aws ssm get-parameters-by-path --recursive
// --with-decryption --output json` (the runbook's own command). A SecureString's value is a secret:
// the file is private to the owner (0600, in the state folder's 0700 exports/), and no value is ever
// written to the journal, a log line or a runbook — only names and counts are.
type SSMExport struct {
	Parameters []SSMExportParameter `json:"Parameters"`
}

// SSMExportParameter is one parameter as GetParametersByPath returns it.
type SSMExportParameter struct {
	Name             string `json:"Name"`
	Type             string `json:"Type"`
	Value            string `json:"Value"`
	Version          int64  `json:"Version"`
	LastModifiedDate string `json:"LastModifiedDate,omitempty"`
	ARN              string `json:"ARN"`
	DataType         string `json:"DataType,omitempty"`
}

// export.ssm-parameters: save ALZ's parameters (names, types, values) before decommission deletes
// them. GetParametersByPath with Recursive and WithDecryption returns SecureString values decrypted
// (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParametersByPath.html).
func init() {
	Register(Def[plans.ExportSSMParameters]{
		Observe: func(_ context.Context, x *Exec, p plans.ExportSSMParameters) (Observation, error) {
			e, err := readSSMExport(x, p.Path)
			if errors.Is(err, fs.ErrNotExist) {
				return Observation{State: NotDone, Change: fmt.Sprintf("save the SSM parameters under %s in %s (names, types, decrypted values) to %s", p.ParameterPath, p.Region, p.Path)}, nil
			}
			if err != nil {
				return Observation{State: NotDone, Change: fmt.Sprintf("save the SSM parameters under %s in %s again to %s (%v)", p.ParameterPath, p.Region, p.Path, err)}, nil
			}
			return Observation{State: Done, Note: fmt.Sprintf("%d parameters exported", len(e.Parameters))}, nil
		},
		Start: func(ctx context.Context, x *Exec, p plans.ExportSSMParameters) (string, error) {
			c := awsapi.SSM(x.Management(p.Region))
			e := SSMExport{Parameters: []SSMExportParameter{}}
			pages := ssm.NewGetParametersByPathPaginator(c, &ssm.GetParametersByPathInput{Path: aws.String(p.ParameterPath),
				Recursive: aws.Bool(true), WithDecryption: aws.Bool(true)})
			for pages.HasMorePages() {
				page, err := pages.NextPage(ctx)
				if err != nil {
					return "", err
				}
				for _, sp := range page.Parameters {
					ep := SSMExportParameter{Name: aws.ToString(sp.Name), Type: string(sp.Type), Value: aws.ToString(sp.Value),
						Version: sp.Version, ARN: aws.ToString(sp.ARN), DataType: aws.ToString(sp.DataType)}
					if sp.LastModifiedDate != nil {
						ep.LastModifiedDate = sp.LastModifiedDate.UTC().Format(time.RFC3339)
					}
					e.Parameters = append(e.Parameters, ep)
				}
			}
			return "", writeJSON(x, p.Path, e)
		},
		Verify: func(_ context.Context, x *Exec, p plans.ExportSSMParameters) (Outputs, error) {
			_, err := readSSMExport(x, p.Path)
			return nil, err
		},
	})
}

// readSSMExport reads an export.ssm-parameters file; errors never quote its content.
func readSSMExport(x *Exec, path string) (*SSMExport, error) {
	data, err := x.ReadExport(path)
	if err != nil {
		return nil, err
	}
	var e SSMExport
	if err := json.Unmarshal(data, &e); err != nil || e.Parameters == nil {
		return nil, fmt.Errorf("%s is damaged (not an SSM parameter export)", path)
	}
	return &e, nil
}
