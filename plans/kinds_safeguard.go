package plans

// Step kinds of phase 0 (safeguard): exports into the state folder, and the ALZ pipeline freeze.
// Every export names the file (or folder) it writes, relative to the state folder (statefolder.Exports).

// Kind names of phase 0.
const (
	KindExportSCP                 = "export.scp"
	KindExportStackSet            = "export.stackset"
	KindExportSSMParameters       = "export.ssm-parameters"
	KindExportPortfolios          = "export.portfolios"
	KindExportBucket              = "export.bucket"
	KindPipelineTransitionDisable = "pipeline-transition.disable"
)

// ExportSCP saves an SCP's document and targets into the state folder.
type ExportSCP struct {
	PolicyID string `json:"policyId" desc:"the SCP's ID (p-...)"`
	Path     string `json:"path" desc:"the file written, relative to the state folder: exports/scp/<policy ID>.json (DescribePolicy); the targets go next to it, <policy ID>.targets.json"`
}

// ExportStackSet saves a StackSet's template, parameters and instance list.
type ExportStackSet struct {
	Region       string `json:"region" desc:"the region the StackSet lives in (ALZ's home region)"`
	StackSetName string `json:"stackSetName" desc:"the StackSet's name"`
	Path         string `json:"path" desc:"the file written, relative to the state folder: exports/stacksets/<name>.json (DescribeStackSet: template body, parameters); the instances go next to it, <name>.instances.json"`
}

// ExportSSMParameters saves every parameter under a path, with its value.
type ExportSSMParameters struct {
	Region        string `json:"region" desc:"the region of the parameters"`
	ParameterPath string `json:"parameterPath" desc:"the parameter path exported recursively, e.g. /org/"`
	Path          string `json:"path" desc:"the file written, relative to the state folder: exports/ssm-parameters-<region>.json (names, types, decrypted values)"`
}

// SSMParametersExportPath is where export.ssm-parameters saves a region's parameters, relative to
// the state folder; ssm-parameters.delete deletes only parameters that export holds.
func SSMParametersExportPath(region string) string {
	return "exports/ssm-parameters-" + region + ".json"
}

// ExportPortfolios saves Service Catalog portfolios with their products, principals and constraints.
type ExportPortfolios struct {
	Region       string   `json:"region" desc:"the region of the portfolios"`
	PortfolioIDs []string `json:"portfolioIds" desc:"the portfolios (port-...)"`
	Path         string   `json:"path" desc:"the folder written, relative to the state folder: exports/portfolios/, per portfolio <ID>.json, <ID>.products.json, <ID>.principals.json, <ID>.constraints.json (each constraint with its parameters)"`
}

// ExportBucket copies a bucket's objects (ALZ's manifest and templates) into the state folder.
type ExportBucket struct {
	AccountID string `json:"accountId" desc:"the account that owns the bucket"`
	Region    string `json:"region" desc:"the bucket's region"`
	Bucket    string `json:"bucket" desc:"the bucket's name"`
	Path      string `json:"path" desc:"the folder the objects are copied into, relative to the state folder: exports/buckets/<bucket>/"`
}

// PipelineTransitionDisable disables the inbound transition of a pipeline stage, so a push to the
// ALZ source cannot redeploy what the migration removes.
type PipelineTransitionDisable struct {
	Region       string `json:"region" desc:"the pipeline's region"`
	PipelineName string `json:"pipelineName" desc:"the pipeline, e.g. AWS-Landing-Zone-CodePipeline"`
	StageName    string `json:"stageName" desc:"the stage whose inbound transition is disabled (the stage after Source)"`
	Reason       string `json:"reason" desc:"the reason CodePipeline shows for the disabled transition"`
}

func (ExportSCP) Kind() string                 { return KindExportSCP }
func (ExportStackSet) Kind() string            { return KindExportStackSet }
func (ExportSSMParameters) Kind() string       { return KindExportSSMParameters }
func (ExportPortfolios) Kind() string          { return KindExportPortfolios }
func (ExportBucket) Kind() string              { return KindExportBucket }
func (PipelineTransitionDisable) Kind() string { return KindPipelineTransitionDisable }

func init() {
	registerKind(KindSpec{Kind: KindExportSCP, Params: ExportSCP{},
		Summary:    "save an SCP's document and targets into the state folder",
		Operations: []string{"organizations:DescribePolicy", "organizations:ListTargetsForPolicy"}})
	registerKind(KindSpec{Kind: KindExportStackSet, Params: ExportStackSet{},
		Summary:    "save a StackSet's template, parameters and instances into the state folder",
		Operations: []string{"cloudformation:DescribeStackSet", "cloudformation:ListStackInstances"}})
	registerKind(KindSpec{Kind: KindExportSSMParameters, Params: ExportSSMParameters{},
		Summary:    "save SSM parameters (names, types, values) into the state folder",
		Operations: []string{"ssm:GetParametersByPath"}})
	registerKind(KindSpec{Kind: KindExportPortfolios, Params: ExportPortfolios{},
		Summary: "save Service Catalog portfolios with products, principals and constraints into the state folder",
		Operations: []string{"servicecatalog:DescribePortfolio", "servicecatalog:SearchProductsAsAdmin",
			"servicecatalog:ListPrincipalsForPortfolio", "servicecatalog:ListConstraintsForPortfolio", "servicecatalog:DescribeConstraint"}})
	registerKind(KindSpec{Kind: KindExportBucket, Params: ExportBucket{},
		Summary:    "copy a bucket's objects (ALZ's manifest and templates) into the state folder",
		Operations: []string{"sts:AssumeRole", "s3:HeadBucket", "s3:ListObjectsV2", "s3:GetObject"}})
	registerKind(KindSpec{Kind: KindPipelineTransitionDisable, Params: PipelineTransitionDisable{},
		Summary:    "disable a pipeline stage's inbound transition (freeze ALZ)",
		Operations: []string{"codepipeline:GetPipelineState", "codepipeline:DisableStageTransition"}})
}
