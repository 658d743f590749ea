package sim

import (
	"regexp"
	"slices"
	"time"

	"github.com/lz2ct/lz2ct/inventory"
)

// CodePipeline: DisableStageTransition (the ALZ freeze) and StartPipelineExecution (what a push to
// ALZ's source does), with the transition states and the latest execution GetPipelineState shows.
// An execution runs its stages one after another, each for Durations.PipelineStage; it stops
// before a stage whose inbound transition is disabled when it gets there, and one already past
// that transition runs on to the end
// (https://docs.aws.amazon.com/codepipeline/latest/userguide/transitions.html).
func init() {
	registerMutation("codepipeline", "DisableStageTransition", cpDisableStageTransition)
	registerMutation("codepipeline", "StartPipelineExecution", cpStartPipelineExecution)
}

// pipelineModel holds the transitions lz2ct changed and the latest execution, for the one pipeline
// the snapshot models (alz.pipeline).
type pipelineModel struct {
	transitions map[string]*transitionChange // stage name -> its inbound transition's change
	latest      *pipelineExecution
}

type transitionChange struct {
	reason, by string
	at         time.Time
}

type pipelineExecution struct {
	id    string
	start time.Time
}

// DisabledReason's constraints (API_DisableStageTransition.html, DisabledReason).
var disabledReasonPattern = regexp.MustCompile(`^[a-zA-Z0-9!@ ()\.*?\-]{1,300}$`)

// namedPipeline finds the calling account's pipeline by name in the call's region.
func (c *call) namedPipeline(name string) (*inventory.Pipeline, error) {
	if name == "" {
		return nil, c.missing("pipelineName")
	}
	if alz := c.st.snap.ALZ; alz != nil && alz.Pipeline != nil && alz.Pipeline.Name == name && alz.Pipeline.Region == c.region && c.isManagement() {
		return alz.Pipeline, nil
	}
	return nil, errorf(400, "PipelineNotFoundException", "Account '%s' does not have a pipeline with name '%s'", c.account, name)
}

// transitionDisabledAt reports whether the inbound transition of stage is disabled at time t (a
// transition the snapshot found disabled has been so for ever).
func (m *pipelineModel) transitionDisabledAt(p *inventory.Pipeline, stage string, t time.Time) bool {
	if !slices.Contains(p.DisabledTransitions, stage) {
		return false
	}
	ch := m.transitions[stage]
	return ch == nil || !ch.at.After(t)
}

// stageRun is where the latest execution is in one stage: not reached, in progress or succeeded.
type stageRun struct {
	reached, done bool
}

// progress works out each stage's state in the latest execution at now, and whether it still runs.
func (m *pipelineModel) progress(p *inventory.Pipeline, d time.Duration, now time.Time) (runs []stageRun, running bool) {
	runs = make([]stageRun, len(p.Stages))
	if m.latest == nil {
		return runs, false
	}
	for i, s := range p.Stages {
		begin := m.latest.start.Add(time.Duration(i) * d)
		if i > 0 && m.transitionDisabledAt(p, s, begin) {
			return runs, false // it waits at the disabled transition
		}
		runs[i] = stageRun{reached: true, done: !begin.Add(d).After(now)}
		if !runs[i].done {
			return runs, true
		}
	}
	return runs, false
}

// cpDisableStageTransition disables a stage's inbound transition (or the one out of it: Outbound is
// the next stage's inbound). Audit target: <region>/<pipeline>/<stage whose inbound transition is
// disabled>. Disabling a disabled transition succeeds and keeps the new reason. Errors as AWS:
// PipelineNotFoundException, StageNotFoundException, ValidationException (reason pattern, type).
// https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_DisableStageTransition.html
func cpDisableStageTransition(c *call) (any, error) {
	var in struct{ PipelineName, StageName, TransitionType, Reason string }
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	switch {
	case in.StageName == "":
		return nil, c.missing("stageName")
	case in.TransitionType != "Inbound" && in.TransitionType != "Outbound":
		return nil, errorf(400, "ValidationException", "1 validation error detected: Value '%s' at 'transitionType' failed to satisfy constraint: Member must satisfy enum value set: [Inbound, Outbound]", in.TransitionType)
	case !disabledReasonPattern.MatchString(in.Reason):
		return nil, errorf(400, "ValidationException", "1 validation error detected: Value '%s' at 'reason' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9!@ \\(\\)\\.\\*\\?\\-]+ and have length between 1 and 300", in.Reason)
	}
	p, err := c.namedPipeline(in.PipelineName)
	if err != nil {
		return nil, err
	}
	i := slices.Index(p.Stages, in.StageName)
	if i < 0 {
		return nil, errorf(400, "StageNotFoundException", "Stage '%s' not found in pipeline '%s'", in.StageName, p.Name)
	}
	if in.TransitionType == "Outbound" {
		i++
	}
	if i == 0 || i >= len(p.Stages) {
		return nil, errorf(400, "ValidationException", "Stage '%s' has no %s transition", in.StageName, in.TransitionType)
	}
	stage := p.Stages[i]
	if err := c.setTarget(c.region, p.Name, stage); err != nil {
		return nil, err
	}
	m := &c.st.rt.pipeline
	if m.transitions == nil {
		m.transitions = map[string]*transitionChange{}
	}
	ch := &transitionChange{reason: in.Reason, by: c.principalARN(), at: c.s.clock.Now().UTC()}
	if prev := m.transitions[stage]; prev != nil && slices.Contains(p.DisabledTransitions, stage) {
		ch.at = prev.at // still disabled since then
	}
	m.transitions[stage] = ch
	if !slices.Contains(p.DisabledTransitions, stage) {
		// Kept in stage order.
		var out []string
		for _, s := range p.Stages {
			if s == stage || slices.Contains(p.DisabledTransitions, s) {
				out = append(out, s)
			}
		}
		p.DisabledTransitions = out
	}
	return map[string]any{}, nil
}

// cpStartPipelineExecution starts an execution (the latest from then on). Audit target:
// <region>/<pipeline>. A repeat with the same clientRequestToken answers the first execution.
// https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_StartPipelineExecution.html
func cpStartPipelineExecution(c *call) (any, error) {
	var in struct {
		Name               string `json:"name"`
		ClientRequestToken string `json:"clientRequestToken"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	p, err := c.namedPipeline(in.Name)
	if err != nil {
		return nil, err
	}
	if err := c.setTarget(c.region, p.Name); err != nil {
		return nil, err
	}
	return c.idempotent(in.ClientRequestToken, in.Name, nil, func() (any, error) {
		id := c.st.rt.newID("", c.s.opts.Seed)
		c.st.rt.pipeline.latest = &pipelineExecution{id: id, start: c.s.clock.Now().UTC()}
		return map[string]any{"pipelineExecutionId": id}, nil
	})
}

// stageStates is GetPipelineState's stageStates: each stage's inbound transition (with the reason
// and who changed it) and the latest execution's state there.
func (c *call) stageStates(p *inventory.Pipeline) []map[string]any {
	m := &c.st.rt.pipeline
	runs, _ := m.progress(p, c.s.opts.Durations.PipelineStage, c.s.clock.Now())
	states := make([]map[string]any, 0, len(p.Stages))
	for i, s := range p.Stages {
		st := map[string]any{"stageName": s}
		if i > 0 { // the first stage has no inbound transition
			tr := map[string]any{"enabled": !slices.Contains(p.DisabledTransitions, s)}
			if !tr["enabled"].(bool) {
				tr["disabledReason"] = "Disabled before the snapshot was taken"
				if ch := m.transitions[s]; ch != nil {
					tr["disabledReason"], tr["lastChangedBy"], tr["lastChangedAt"] = ch.reason, ch.by, epoch(ch.at)
				}
			}
			st["inboundTransitionState"] = tr
		}
		if r := runs[i]; r.reached {
			status := "InProgress"
			if r.done {
				status = "Succeeded"
			}
			st["latestExecution"] = map[string]any{"pipelineExecutionId": m.latest.id, "status": status}
		}
		states = append(states, st)
	}
	return states
}
