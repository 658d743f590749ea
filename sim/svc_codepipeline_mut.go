package sim

// pipelineModel holds transition changes and executions (svc_codepipeline_mut.go).
type pipelineModel struct{}
