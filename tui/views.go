package tui

import (
	"strings"

	"github.com/lz2ct/lz2ct/checks"
	"github.com/lz2ct/lz2ct/plans"
)

// The view models are built from the checks and plans packages' own values (pure data; neither
// reaches AWS), so that every Backend shows a report and a plan the same way.

// NewCheckResult is the view of a pre-check report.
func NewCheckResult(r checks.Report) *CheckResult {
	out := &CheckResult{Blockers: r.Blockers, Warnings: r.Warnings, Infos: r.Infos, Unfixed: len(r.Unfixed()), Report: r,
		Findings: make([]Finding, len(r.Findings))}
	for i, f := range r.Findings {
		subs := make([]Subject, len(f.Subjects))
		for j, s := range f.Subjects {
			subs[j] = Subject{Kind: s.Kind, ID: s.ID, Name: s.Name}
		}
		out.Findings[i] = Finding{Check: f.Check, Title: f.Title, Severity: string(f.Severity), Phase: string(f.Phase),
			Subjects: subs, Evidence: f.Evidence, Remediation: f.Remediation, FixedByPlan: f.FixedByPlan, Source: f.Source}
	}
	return out
}

// NewPlanView is the view of a plan.
func NewPlanView(p *plans.Plan) PlanView {
	v := PlanView{Organization: p.Organization, Total: p.Estimate.Total.UpperDuration(), Assumptions: p.Estimate.Assumptions,
		Accounts: map[string]int{}}
	for _, ph := range p.Phases {
		pv := PhaseView{Number: ph.Number, ID: ph.ID, Name: ph.Name, Summary: ph.Summary, Estimate: ph.Estimate()}
		for _, st := range ph.Steps {
			pv.Steps = append(pv.Steps, StepView{ID: st.ID, Kind: st.Kind, Title: st.Title, Why: st.Why,
				Target: targetText(st.Target), DependsOn: st.DependsOn, Destructive: st.Destructive, Manual: st.Manual,
				CLI: st.CLI, Guard: st.Guard, Expected: st.Expected, Rollback: st.Rollback, Blocked: st.Blocked})
		}
		v.Phases = append(v.Phases, pv)
	}
	for _, o := range p.OUOrder {
		reason := o.Reason
		if o.Remedy != "" {
			reason = o.Reason + " — " + o.Remedy
		}
		v.OUs = append(v.OUs, OUView{OUID: o.OUID, Path: o.Path, Depth: o.Depth, Accounts: o.Accounts, Order: o.Order,
			Skipped: o.Skipped, Reason: reason})
	}
	for _, a := range p.Accounts {
		v.Accounts[a.How]++
		v.AccountList = append(v.AccountList, AccountView{ID: a.AccountID, Name: a.Name, How: a.How, Reason: a.Reason, By: a.By})
	}
	return v
}
func targetText(t plans.Target) string {
	var parts []string
	for _, kv := range [][2]string{{"account", t.AccountID}, {"region", t.Region}, {"OU", t.OUID}, {"resource", t.Resource}} {
		if kv[1] != "" {
			parts = append(parts, kv[0]+" "+kv[1])
		}
	}
	return strings.Join(parts, ", ")
}
