package steps

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline/types"

	"github.com/lz2ct/lz2ct/awsapi"
	"github.com/lz2ct/lz2ct/plans"
)

// pipeline-transition.disable: the phase-0 freeze of ALZ. Disabling the inbound transition of the
// stage after Source stops any later push to ALZ's source from reaching the stages that deploy;
// an execution already past that transition still runs to its end
// (https://docs.aws.amazon.com/codepipeline/latest/userguide/transitions.html). So the freeze is in
// place only when the transition is disabled and no execution is in progress past the source
// stage (the plan's guard): the step disables the transition at once, then waits for such an
// execution to end, as an operation (GetPipelineState's latestExecution per stage).
func init() {
	Register(Def[plans.PipelineTransitionDisable]{
		Observe: func(ctx context.Context, x *Exec, p plans.PipelineTransitionDisable) (Observation, error) {
			f, err := inspectPipeline(ctx, x, p)
			switch {
			case HasCode(err, "PipelineNotFoundException"):
				return Observation{State: Done, Note: "pipeline " + p.PipelineName + " is gone: nothing to freeze"}, nil
			case err != nil:
				return Observation{}, err
			case !f.stageFound:
				return Observation{State: Unsafe, Note: fmt.Sprintf("pipeline %s has no stage %s any more: its stages changed since discovery; check it, then re-create the plan", p.PipelineName, p.StageName)}, nil
			case f.enabled:
				change := fmt.Sprintf("disable the inbound transition into %s of pipeline %s", p.StageName, p.PipelineName)
				if f.running != "" {
					change += fmt.Sprintf(", then wait for execution %s (in stage %s) to end", f.running, f.runningStage)
				}
				return Observation{State: NotDone, Change: change}, nil
			case f.running != "":
				return Observation{State: Running, OperationID: f.running, Note: "execution " + f.running + " is past the source stage, in " + f.runningStage}, nil
			}
			return Observation{State: Done, Note: "the transition is disabled and no execution runs past the source stage"}, nil
		},
		Start: func(ctx context.Context, x *Exec, p plans.PipelineTransitionDisable) (string, error) {
			c := awsapi.CodePipeline(x.Management(p.Region))
			if _, err := c.DisableStageTransition(ctx, &codepipeline.DisableStageTransitionInput{PipelineName: aws.String(p.PipelineName),
				StageName: aws.String(p.StageName), TransitionType: types.StageTransitionTypeInbound, Reason: aws.String(p.Reason)}); err != nil {
				return "", err
			}
			f, err := inspectPipeline(ctx, x, p)
			if err != nil {
				return "", err
			}
			return f.running, nil // "" = nothing to wait for
		},
		Poll: func(ctx context.Context, x *Exec, p plans.PipelineTransitionDisable, execution string) (OpStatus, error) {
			f, err := inspectPipeline(ctx, x, p)
			if err != nil {
				return OpStatus{}, err
			}
			for _, id := range f.past {
				if id == execution {
					return OpStatus{State: OpInProgress, Message: "execution " + execution + " still runs in " + f.runningStage}, nil
				}
			}
			return OpStatus{State: OpSucceeded, Message: "execution " + execution + " ended"}, nil
		},
		// ALZ's stages build and deploy for minutes each.
		PollEvery: Backoff{First: 30 * time.Second, Max: 2 * time.Minute},
		Verify: func(ctx context.Context, x *Exec, p plans.PipelineTransitionDisable) (Outputs, error) {
			f, err := inspectPipeline(ctx, x, p)
			switch {
			case HasCode(err, "PipelineNotFoundException"):
				return nil, nil
			case err != nil:
				return nil, err
			case f.enabled:
				return nil, NotYet(fmt.Errorf("the inbound transition into %s of pipeline %s is still enabled", p.StageName, p.PipelineName))
			case f.running != "":
				return nil, NotYet(fmt.Errorf("execution %s still runs in stage %s of pipeline %s", f.running, f.runningStage, p.PipelineName))
			}
			return nil, nil
		},
		Classify: func(err error) Class {
			if HasCode(err, "PipelineNotFoundException") {
				return AlreadyDone
			}
			return DefaultClass(err)
		},
	})
}

// pipelineFacts is the pipeline's state as the freeze sees it.
type pipelineFacts struct {
	stageFound   bool
	enabled      bool     // the planned stage's inbound transition
	past         []string // executions in progress in a stage after the source stage
	running      string   // the first of them, and its stage
	runningStage string
}

func inspectPipeline(ctx context.Context, x *Exec, p plans.PipelineTransitionDisable) (pipelineFacts, error) {
	var f pipelineFacts
	out, err := awsapi.CodePipeline(x.Management(p.Region)).GetPipelineState(ctx, &codepipeline.GetPipelineStateInput{Name: aws.String(p.PipelineName)})
	if err != nil {
		return f, err
	}
	for i, st := range out.StageStates {
		name := aws.ToString(st.StageName)
		if name == p.StageName {
			f.stageFound = true
			f.enabled = st.InboundTransitionState == nil || st.InboundTransitionState.Enabled
		}
		if e := st.LatestExecution; i > 0 && e != nil && (e.Status == types.StageExecutionStatusInProgress || e.Status == types.StageExecutionStatusStopping) {
			id := aws.ToString(e.PipelineExecutionId)
			f.past = append(f.past, id)
			if f.running == "" {
				f.running, f.runningStage = id, name
			}
		}
	}
	return f, nil
}
