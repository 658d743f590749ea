package steps

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/lz2ct/lz2ct/awsapi"
	"github.com/lz2ct/lz2ct/plans"
)

// ssmBatch is the most names GetParameters and DeleteParameters take in one call
// (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_DeleteParameters.html).
const ssmBatch = 10

// ssm-parameters.delete: delete ALZ's parameters, 10 names a call. Its guard: every parameter it
// deletes is in the region's export (export.ssm-parameters), so its value can be restored.
// DeleteParameters lists names that no longer exist in InvalidParameters: deleted before, done.
func init() {
	Register(Def[plans.SSMParametersDelete]{
		Observe: func(ctx context.Context, x *Exec, p plans.SSMParametersDelete) (Observation, error) {
			left, err := ssmExisting(ctx, x, p)
			if err != nil {
				return Observation{}, err
			}
			if len(left) == 0 {
				return Observation{State: Done, Note: fmt.Sprintf("none of the %d parameters exists", len(p.Names))}, nil
			}
			export := plans.SSMParametersExportPath(p.Region)
			e, err := readSSMExport(x, export)
			if errors.Is(err, fs.ErrNotExist) && x.DryRun {
				// A preview runs before the export step has written anything: say what would
				// happen, and that the guard is checked when the step runs.
				return Observation{State: NotDone, Change: fmt.Sprintf("delete %d SSM parameters in %s: %s (once %s holds them: checked when the step runs)",
					len(left), p.Region, strings.Join(left, ", "), export)}, nil
			}
			if errors.Is(err, fs.ErrNotExist) {
				return Observation{State: Unsafe, Note: fmt.Sprintf("the parameters in %s were not exported (%s is missing): lz2ct deletes only what it saved; run the export.ssm-parameters step first (lz2ct resume), or export them yourself to that file", p.Region, export)}, nil
			}
			if err != nil {
				return Observation{State: Unsafe, Note: err.Error() + ": lz2ct deletes only what it saved; export the parameters again to that file, then run lz2ct resume"}, nil
			}
			saved := map[string]bool{}
			for _, sp := range e.Parameters {
				saved[sp.Name] = true
			}
			var unsaved []string
			for _, n := range left {
				if !saved[n] {
					unsaved = append(unsaved, n)
				}
			}
			if len(unsaved) > 0 {
				return Observation{State: Unsafe, Note: fmt.Sprintf("%s not in the export %s (created after it?): lz2ct deletes only what it saved; check them, export them to that file or delete them yourself, then run lz2ct resume",
					strings.Join(unsaved, ", "), export)}, nil
			}
			return Observation{State: NotDone, Change: fmt.Sprintf("delete %d SSM parameters in %s: %s", len(left), p.Region, strings.Join(left, ", "))}, nil
		},
		Start: func(ctx context.Context, x *Exec, p plans.SSMParametersDelete) (string, error) {
			left, err := ssmExisting(ctx, x, p)
			if err != nil {
				return "", err
			}
			c := awsapi.SSM(x.Management(p.Region))
			for i := 0; i < len(left); i += ssmBatch {
				if _, err := c.DeleteParameters(ctx, &ssm.DeleteParametersInput{Names: left[i:min(i+ssmBatch, len(left))]}); err != nil {
					return "", err
				}
			}
			return "", nil
		},
		Verify: func(ctx context.Context, x *Exec, p plans.SSMParametersDelete) (Outputs, error) {
			left, err := ssmExisting(ctx, x, p)
			if err == nil && len(left) > 0 {
				return nil, NotYet(fmt.Errorf("%d parameters still exist in %s: %s", len(left), p.Region, strings.Join(left, ", ")))
			}
			return nil, err
		},
	})
}

// ssmExisting lists the planned names that still exist (GetParameters, 10 names a call; values are
// not asked for and never decrypted).
func ssmExisting(ctx context.Context, x *Exec, p plans.SSMParametersDelete) ([]string, error) {
	c := awsapi.SSM(x.Management(p.Region))
	var out []string
	for i := 0; i < len(p.Names); i += ssmBatch {
		page, err := c.GetParameters(ctx, &ssm.GetParametersInput{Names: p.Names[i:min(i+ssmBatch, len(p.Names))]})
		if err != nil {
			return nil, err
		}
		for _, sp := range page.Parameters {
			if sp.Name != nil {
				out = append(out, *sp.Name)
			}
		}
	}
	return out, nil
}
