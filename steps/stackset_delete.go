package steps

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"

	"github.com/lz2ct/lz2ct/plans"
)

// stackset.delete: delete a StackSet with no instances left. DeleteStackSet has no idempotency
// token; the step observes first, and StackSetNotFoundException means it is gone
// (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DeleteStackSet.html). Its
// guard: no instance is left and the StackSet was exported (export.stackset).
func init() {
	Register(Def[plans.StackSetDelete]{
		Claims: func(p plans.StackSetDelete) []Claim { return stackSetClaim(p.Region, p.StackSetName) },
		Observe: func(ctx context.Context, x *Exec, p plans.StackSetDelete) (Observation, error) {
			ss, err := describeStackSet(ctx, x, p.Region, p.StackSetName)
			if err != nil {
				return Observation{}, err
			}
			if ss == nil {
				return Observation{State: Done, Note: "StackSet " + p.StackSetName + " no longer exists"}, nil
			}
			n, err := countInstances(ctx, x, p)
			if err != nil {
				return Observation{}, err
			}
			doc, _ := StackSetExportPaths(p.StackSetName, "")
			_, _, exportErr := readStackSetExport(x, p.StackSetName, "")
			if x.DryRun && (n > 0 || exportErr != nil) {
				// A dry run observes before the steps this one depends on ran (they delete the
				// instances and write the export); a run checks the guard once they did.
				return Observation{State: NotDone, Change: fmt.Sprintf("delete StackSet %s in %s once the steps before it exported it and deleted its %d stack instances", p.StackSetName, p.Region, n)}, nil
			}
			if n > 0 {
				return Observation{State: Unsafe, Note: fmt.Sprintf("StackSet %s still has %d stack instances: the plan deletes it only once none is left; delete (or retain) them first, then run lz2ct resume", p.StackSetName, n)}, nil
			}
			if exportErr != nil {
				if errors.Is(exportErr, fs.ErrNotExist) {
					exportErr = fmt.Errorf("%s is missing", doc)
				}
				return Observation{State: Unsafe, Note: fmt.Sprintf("StackSet %s has no export to re-create it from (%v): run its export.stackset step first", p.StackSetName, exportErr)}, nil
			}
			return Observation{State: NotDone, Change: fmt.Sprintf("delete StackSet %s in %s (no instances left; exported to %s)", p.StackSetName, p.Region, doc)}, nil
		},
		Start: func(ctx context.Context, x *Exec, p plans.StackSetDelete) (string, error) {
			_, err := cfnIn(x, p.Region).DeleteStackSet(ctx, &cloudformation.DeleteStackSetInput{StackSetName: aws.String(p.StackSetName)})
			if HasCode(err, "StackSetNotEmptyException") {
				return "", Advise(err, "stack instances were added since lz2ct looked: delete them, then run lz2ct resume")
			}
			return "", err
		},
		Verify: func(ctx context.Context, x *Exec, p plans.StackSetDelete) (Outputs, error) {
			ss, err := describeStackSet(ctx, x, p.Region, p.StackSetName)
			if err != nil {
				return nil, err
			}
			if ss != nil {
				return nil, NotYet(fmt.Errorf("StackSet %s still exists", p.StackSetName))
			}
			return nil, nil
		},
		// OperationInProgressException (an operation on the StackSet): DefaultClass retries it.
		Classify: DoneOn("StackSetNotFoundException"),
	})
}

func countInstances(ctx context.Context, x *Exec, p plans.StackSetDelete) (int, error) {
	n := 0
	pages := cloudformation.NewListStackInstancesPaginator(cfnIn(x, p.Region), &cloudformation.ListStackInstancesInput{StackSetName: aws.String(p.StackSetName)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return 0, err
		}
		n += len(page.Summaries)
	}
	return n, nil
}
