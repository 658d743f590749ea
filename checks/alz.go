package checks

import (
	"fmt"
	"strings"

	version "github.com/hashicorp/go-version"
)

const (
	srcMigrationBlog = "https://aws.amazon.com/blogs/mt/migrate-aws-landing-zone-solution-to-aws-control-tower/"
	srcALZGuide      = "https://docs.aws.amazon.com/solutions/latest/aws-landing-zone/welcome.html"
)

func init() {
	register(Check{
		ID: "alz.version", Title: "ALZ version and decommission variant",
		Severity: Warning, Phase: PhaseDecommission,
		Reads:  "alz.version, alz.stacks (initiation stack outputs), alz.portfolios",
		Why:    "ALZ 1.0 and 2.x leave different artefacts (portfolio names, the logging account's name, SCPs): the decommission steps depend on the version.",
		Source: srcALZGuide,
		Run:    checkALZVersion,
	})
	register(Check{
		ID: "alz.under-change", Title: "No ALZ provisioned product in the middle of a change",
		Severity: Blocker, Phase: PhaseConfig,
		Reads:  "alz.provisionedProducts[].status",
		Why:    "While the Account Vending Machine is changing an account (UNDER_CHANGE, PLAN_IN_PROGRESS), no migration step may start: ALZ would redeploy Config or roles under the migration's feet.",
		Source: srcMigrationBlog,
		Run:    checkALZUnderChange,
	})
	register(Check{
		ID: "alz.pipeline", Title: "ALZ pipeline can no longer redeploy",
		Severity: Warning, Phase: PhaseConfig,
		Reads:  "alz.pipeline (stages, disabledTransitions)",
		Why:    "A change to ALZ's source would start AWS-Landing-Zone-CodePipeline and redeploy the Config recorders and SCPs the migration removes; the source→build transition must be disabled first.",
		Source: srcMigrationBlog,
		Run:    checkALZPipeline,
	})
}

func checkALZVersion(in Input) []Finding {
	alz := in.Snapshot.ALZ
	org := []Subject{{Kind: KindOrganization, ID: in.Snapshot.Organization.ID}}
	if alz == nil {
		return []Finding{{
			Severity: Info, Title: "No AWS Landing Zone solution found",
			Subjects: org, Evidence: []string{"no initiation stack (SO0044) and no AWS-Landing-Zone-* StackSet"},
			Remediation: "Nothing to decommission: the plan only deploys Control Tower and enrolls accounts.",
		}}
	}
	v := alz.Version
	if v == "" {
		for _, s := range alz.Stacks {
			if s.IsInitiation() && s.Outputs["LandingZoneSolutionVersion"] != "" {
				v = s.Outputs["LandingZoneSolutionVersion"]
			}
		}
	}
	pv, err := version.NewVersion(strings.TrimPrefix(v, "v"))
	if v == "" || err != nil {
		return []Finding{{
			Severity: Warning, Title: "ALZ is present but its version is unknown",
			Subjects: org, Evidence: []string{fmt.Sprintf("alz.version %q; no LandingZoneSolutionVersion output on the initiation stack", v)},
			Remediation: "Check the initiation stack's outputs; the plan uses the 2.x decommission steps and asks before each one.",
		}}
	}
	variant := "2.x: portfolios \"AWS Landing Zone - Baseline\" and \"AWS Landing Zone - Add-On Products\", logging account log-archive"
	if pv.Segments()[0] < 2 {
		variant = "1.0: portfolios \"AWS Landing Zone - Baseline\" and \"AWS Landing Zone - Core\", logging account logging"
	}
	scps := "protect-cloudtrail-config"
	if pv.GreaterThanOrEqual(version.Must(version.NewVersion("2.3"))) {
		scps = "aws-landing-zone-{core,non-core}-mandatory-preventive-guardrails"
	}
	return []Finding{{
		Severity: Info, Title: "AWS Landing Zone " + v + " found",
		Subjects:    org,
		Evidence:    []string{"decommission variant " + variant, "ALZ SCPs of this version: " + scps, "ALZ home region " + alz.HomeRegion},
		Remediation: "Nothing to do: the plan's decommission phase follows this variant.",
	}}
}

func checkALZUnderChange(in Input) []Finding {
	alz := in.Snapshot.ALZ
	if alz == nil {
		return nil
	}
	var out []Finding
	for _, pp := range alz.ProvisionedProducts {
		switch pp.Status {
		case "UNDER_CHANGE", "PLAN_IN_PROGRESS":
			out = append(out, Finding{
				Title:       "ALZ provisioned product " + pp.Name + " is " + pp.Status,
				Subjects:    []Subject{{Kind: KindService, ID: pp.ID, Name: pp.Name}},
				Evidence:    []string{fmt.Sprintf("provisioned product %s (%s) status %s", pp.Name, pp.ID, pp.Status)},
				Remediation: "Wait until Service Catalog reports AVAILABLE (or ERROR/TAINTED), then discover again; do not start the migration while ALZ is changing accounts.",
			})
		case "ERROR", "TAINTED":
			out = append(out, Finding{
				Severity:    Warning,
				Title:       "ALZ provisioned product " + pp.Name + " is " + pp.Status,
				Subjects:    []Subject{{Kind: KindService, ID: pp.ID, Name: pp.Name}},
				Evidence:    []string{fmt.Sprintf("provisioned product %s (%s) status %s", pp.Name, pp.ID, pp.Status)},
				Remediation: "Its account may be half-configured by ALZ; check it before its wave. Terminating it in decommission may fail.",
			})
		}
	}
	return out
}

func checkALZPipeline(in Input) []Finding {
	alz := in.Snapshot.ALZ
	if alz == nil || alz.Pipeline == nil || !alz.Pipeline.SourceTransitionEnabled() {
		return nil
	}
	p := alz.Pipeline
	// The plan's first phase disables the transition (step pipeline-transition.disable/<pipeline>),
	// and every SCP detach and AWS Config removal waits for it.
	rem := "The plan disables the " + p.Stages[0] + "→" + p.Stages[1] + " transition first, in phase 0 (step pipeline-transition.disable/" + p.Name + "), " +
		"before any SCP detach or AWS Config removal, and keeps it disabled. By hand: aws codepipeline disable-stage-transition --pipeline-name " + p.Name + " --stage-name " + p.Stages[1] +
		" --transition-type Inbound --reason 'Migrating to Control Tower' --region " + p.Region
	return []Finding{{
		Title:       "ALZ's pipeline " + p.Name + " can still redeploy",
		Subjects:    []Subject{{Kind: KindService, ID: "codepipeline", Name: p.Name}, {Kind: KindRegion, ID: p.Region}},
		Evidence:    []string{fmt.Sprintf("stages %s; inbound transition of %s is enabled", strings.Join(p.Stages, " → "), p.Stages[1])},
		Remediation: rem,
		FixedByPlan: true,
	}}
}
