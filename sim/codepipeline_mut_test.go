package sim

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline"
	cptypes "github.com/aws/aws-sdk-go-v2/service/codepipeline/types"
)

// DisableStageTransition freezes the pipeline: an execution that has not reached the stage stops
// before it, one already past it runs to the end; GetPipelineState shows both.
func TestDisableStageTransitionAndExecutions(t *testing.T) {
	snap := fixture(0, testRegions)
	snap.ALZ.Pipeline.DisabledTransitions = nil
	clock := NewManualClock(snap.CapturedAt)
	s, url := serve(t, snap, Options{Clock: clock})
	ctx := context.Background()
	c := codepipeline.NewFromConfig(mgmtConfig(url, testRegions[0]))
	name := aws.String("AWS-Landing-Zone-CodePipeline")
	state := func() map[string]cptypes.StageState {
		out := map[string]cptypes.StageState{}
		for _, st := range must[*codepipeline.GetPipelineStateOutput](t, "GetPipelineState")(c.GetPipelineState(ctx, &codepipeline.GetPipelineStateInput{Name: name})).StageStates {
			out[aws.ToString(st.StageName)] = st
		}
		return out
	}
	status := func(st cptypes.StageState) string {
		if st.LatestExecution == nil {
			return ""
		}
		return string(st.LatestExecution.Status)
	}
	disable := func(stage, typ, reason string) error {
		_, err := c.DisableStageTransition(ctx, &codepipeline.DisableStageTransitionInput{PipelineName: name, StageName: aws.String(stage),
			TransitionType: cptypes.StageTransitionType(typ), Reason: aws.String(reason)})
		return err
	}
	if st := state()["Build"]; !st.InboundTransitionState.Enabled {
		t.Fatal("Build's transition starts disabled")
	}
	first := must[*codepipeline.StartPipelineExecutionOutput](t, "StartPipelineExecution")(c.StartPipelineExecution(ctx, &codepipeline.StartPipelineExecutionInput{Name: name}))
	if st := state(); status(st["Source"]) != "InProgress" || status(st["Build"]) != "" {
		t.Errorf("just started: Source %q Build %q", status(st["Source"]), status(st["Build"]))
	}
	clock.Advance(DefaultDurations().PipelineStage + time.Second)
	if st := state(); status(st["Source"]) != "Succeeded" || status(st["Build"]) != "InProgress" || aws.ToString(st["Build"].LatestExecution.PipelineExecutionId) != aws.ToString(first.PipelineExecutionId) {
		t.Errorf("one stage later: Source %q Build %q", status(st["Source"]), status(st["Build"]))
	}

	wantCode(t, "a colon in the reason", disable("Build", "Inbound", "Migrating: lz2ct"), "ValidationException")
	wantCode(t, "unknown stage", disable("Nope", "Inbound", "freeze"), "StageNotFoundException")
	wantCode(t, "the last stage's way out", disable("Deploy", "Outbound", "freeze"), "ValidationException")
	wantCode(t, "the first stage's way in", disable("Source", "Inbound", "freeze"), "ValidationException")
	_, err := c.DisableStageTransition(ctx, &codepipeline.DisableStageTransitionInput{PipelineName: aws.String("Other"), StageName: aws.String("Build"),
		TransitionType: cptypes.StageTransitionTypeInbound, Reason: aws.String("freeze")})
	wantCode(t, "unknown pipeline", err, "PipelineNotFoundException")
	wantCode(t, "disable", disable("Build", "Inbound", "Migrating to AWS Control Tower (lz2ct)"), "")
	wantCode(t, "disable again", disable("Source", "Outbound", "Migrating to AWS Control Tower (lz2ct)"), "")
	tr := state()["Build"].InboundTransitionState
	if tr.Enabled || aws.ToString(tr.DisabledReason) != "Migrating to AWS Control Tower (lz2ct)" || aws.ToString(tr.LastChangedBy) == "" {
		t.Errorf("Build's transition: %+v", tr)
	}
	// The execution was past the transition: it runs on.
	clock.Advance(DefaultDurations().PipelineStage)
	if st := state(); status(st["Build"]) != "Succeeded" || status(st["Deploy"]) != "InProgress" {
		t.Errorf("past the transition: Build %q Deploy %q", status(st["Build"]), status(st["Deploy"]))
	}
	clock.Advance(DefaultDurations().PipelineStage)
	if st := state(); status(st["Deploy"]) != "Succeeded" {
		t.Errorf("the end: Deploy %q", status(st["Deploy"]))
	}
	// A new execution stops before the disabled transition.
	must[*codepipeline.StartPipelineExecutionOutput](t, "StartPipelineExecution")(c.StartPipelineExecution(ctx, &codepipeline.StartPipelineExecutionInput{Name: name}))
	clock.Advance(3 * DefaultDurations().PipelineStage)
	if st := state(); status(st["Source"]) != "Succeeded" || status(st["Build"]) != "" {
		t.Errorf("frozen: Source %q Build %q", status(st["Source"]), status(st["Build"]))
	}
	if got := s.Snapshot().ALZ.Pipeline.DisabledTransitions; len(got) != 1 || got[0] != "Build" {
		t.Errorf("Snapshot: disabled transitions %v", got)
	}
}
