// Package checks holds lz2ct's pre-checks: everything that would make Control Tower setup, OU
// registration or account enrollment fail, found read-only from a snapshot before anything changes.
// Each check is a pure function over the inventory and the resolved migration settings; each lives
// in its own file and registers itself in the catalogue from init(), so adding a check never edits
// a central list. The CLI (lz2ct check), the planner and the wizard read the Report.
package checks

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/scope"
	"github.com/lz2ct/lz2ct/settings"
)

// Severity says how much a finding matters.
type Severity string

// Severities, most serious first.
const (
	Blocker Severity = "blocker" // a Control Tower operation will fail unless this is fixed
	Warning Severity = "warning" // may fail or needs a decision; lz2ct cannot tell for sure
	Info    Severity = "info"    // worth knowing; nothing fails
)

// Severities lists every severity, most serious first.
var Severities = []Severity{Blocker, Warning, Info}

// Rank orders severities: blocker 0, warning 1, info 2, unknown 3.
func (s Severity) Rank() int {
	for i, v := range Severities {
		if v == s {
			return i
		}
	}
	return len(Severities)
}

// ParseSeverity accepts "blocker", "warning" or "info" (any case).
func ParseSeverity(s string) (Severity, error) {
	for _, v := range Severities {
		if strings.EqualFold(s, string(v)) {
			return v, nil
		}
	}
	return "", fmt.Errorf("unknown severity %q: use blocker, warning or info", s)
}

// Phase is the migration phase a finding blocks (docs/plan.md, "Order: phases and waves").
type Phase string

// Phases in migration order.
const (
	PhaseDeploy         Phase = "deploy"
	PhaseSCP            Phase = "scp"
	PhaseConfig         Phase = "config"
	PhaseRegistration   Phase = "registration"
	PhaseEnrollment     Phase = "enrollment"
	PhaseSharedAccounts Phase = "shared-accounts"
	PhaseDecommission   Phase = "decommission"
)

// Phases lists every phase in migration order.
var Phases = []Phase{PhaseDeploy, PhaseSCP, PhaseConfig, PhaseRegistration, PhaseEnrollment, PhaseSharedAccounts, PhaseDecommission}

// Rank orders phases as the migration runs them; unknown phases last.
func (p Phase) Rank() int {
	for i, v := range Phases {
		if v == p {
			return i
		}
	}
	return len(Phases)
}

// Subject kinds.
const (
	KindOrganization = "organization"
	KindAccount      = "account"
	KindOU           = "ou"
	KindPolicy       = "policy"
	KindRegion       = "region"
	KindService      = "service"
)

// Subject is something a finding is about.
type Subject struct {
	Kind string `json:"kind"` // organization | account | ou | policy | region | service
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
}

// Finding is one problem (or fact) a check found. The JSON form is stable: docs/checks.md.
type Finding struct {
	// Check is the catalogue ID of the check that found it, e.g. "ct.identity-center-region".
	Check       string    `json:"check"`
	Title       string    `json:"title"`
	Severity    Severity  `json:"severity"`
	Phase       Phase     `json:"phase"`
	Subjects    []Subject `json:"subjects"`
	Evidence    []string  `json:"evidence"`
	Remediation string    `json:"remediation"`
	// FixedByPlan is true when a step of the migration plan removes the problem by itself (for
	// example ALZ's own Config recorders, which the plan deletes just before each wave).
	FixedByPlan bool `json:"fixedByPlan"`
	// Source is the AWS documentation page the check relies on.
	Source string `json:"source"`
}

// Input is what every check reads. Settings are resolved by Run (settings.Resolve) so that the
// home region and governed regions are filled in.
type Input struct {
	Snapshot *inventory.Snapshot
	Index    *inventory.Index
	Settings settings.Settings

	sc *scopeView // computed once per Run; see scopeview.go
}

// Check is one catalogue entry.
type Check struct {
	ID    string // stable, "<area>.<name>"
	Title string
	// Severity and Phase are the most serious severity the check reports and the phase it blocks
	// (for the catalogue; single findings may be milder).
	Severity Severity
	Phase    Phase
	Reads    string // which snapshot/settings fields it reads
	Why      string // why it matters
	Source   string // AWS documentation URL
	Run      func(Input) []Finding
}

var catalogue = map[string]Check{}

// register adds c to the catalogue; duplicate IDs are a programming error.
func register(c Check) {
	if _, dup := catalogue[c.ID]; dup {
		panic("checks: duplicate check ID " + c.ID)
	}
	if c.Run == nil || c.ID == "" || c.Source == "" {
		panic("checks: incomplete check " + c.ID)
	}
	catalogue[c.ID] = c
}

// Catalogue lists every check, ordered by phase and then ID.
func Catalogue() []Check {
	out := make([]Check, 0, len(catalogue))
	for _, c := range catalogue {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool {
		if a, b := out[i].Phase.Rank(), out[j].Phase.Rank(); a != b {
			return a < b
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// Lookup returns the catalogue entry with id.
func Lookup(id string) (Check, bool) {
	c, ok := catalogue[id]
	return c, ok
}

// Report is the result of running the catalogue.
type Report struct {
	Findings []Finding `json:"findings"`
	Blockers int       `json:"blockers"`
	Warnings int       `json:"warnings"`
	Infos    int       `json:"infos"`
}

// Prepare computes the migration's scope (package scope): it resolves the settings against the
// snapshot (settings.Resolve only fills what is unset, so already-resolved settings are unchanged)
// and puts the scope's canonical copy of the snapshot and its Index in place of the given ones, so
// that the report does not depend on the order of the snapshot's lists. Run and RunCheck call it:
// unresolved settings would leave the governed regions empty and the per-region checks blind.
func Prepare(in Input) Input {
	if in.sc != nil {
		return in
	}
	sc := scope.New(in.Snapshot, in.Settings)
	return PrepareWith(sc)
}

// PrepareWith is Prepare with a scope already computed (the planner shares it).
func PrepareWith(sc *scope.Scope) Input {
	return Input{Snapshot: sc.Snapshot, Index: sc.Index, Settings: sc.Settings, sc: newScopeView(sc)}
}

// Run runs every check of the catalogue over in and returns the sorted report.
//
// The checks run side by side, one goroutine each: they only read in (the snapshot, its Index and
// the scope), and on a large organization one of them, the SCP evaluation, is half of the work,
// so the others fit on a second core meanwhile. Each check's findings keep their catalogue slot,
// and NewReport sorts them, so the report is the same as one check after another.
func Run(in Input) Report {
	in = Prepare(in)
	cat := Catalogue()
	found := make([][]Finding, len(cat))
	var wg sync.WaitGroup
	for i, c := range cat {
		wg.Go(func() { found[i] = RunCheck(c, in) })
	}
	wg.Wait()
	var all []Finding
	for _, fs := range found {
		all = append(all, fs...)
	}
	return NewReport(all)
}

// RunCheck runs one check and fills the fields a finding may leave to its check (ID, source,
// phase, severity), so findings always say where they came from.
func RunCheck(c Check, in Input) []Finding {
	in = Prepare(in)
	fs := c.Run(in)
	for i := range fs {
		f := &fs[i]
		f.Check = c.ID
		if f.Source == "" {
			f.Source = c.Source
		}
		if f.Phase == "" {
			f.Phase = c.Phase
		}
		if f.Severity == "" {
			f.Severity = c.Severity
		}
		if f.Title == "" {
			f.Title = c.Title
		}
		if f.Subjects == nil {
			f.Subjects = []Subject{}
		}
		if f.Evidence == nil {
			f.Evidence = []string{}
		}
	}
	return fs
}

// NewReport sorts findings deterministically (severity, phase, check, first subject, title) and
// counts them.
func NewReport(fs []Finding) Report {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if x, y := a.Severity.Rank(), b.Severity.Rank(); x != y {
			return x < y
		}
		if x, y := a.Phase.Rank(), b.Phase.Rank(); x != y {
			return x < y
		}
		if a.Check != b.Check {
			return a.Check < b.Check
		}
		if x, y := subjectKey(a), subjectKey(b); x != y {
			return x < y
		}
		return a.Title < b.Title
	})
	r := Report{Findings: fs}
	if r.Findings == nil {
		r.Findings = []Finding{}
	}
	for _, f := range fs {
		switch f.Severity {
		case Blocker:
			r.Blockers++
		case Warning:
			r.Warnings++
		default:
			r.Infos++
		}
	}
	return r
}

func subjectKey(f Finding) string {
	var b strings.Builder
	for _, s := range f.Subjects {
		b.WriteString(s.Kind)
		b.WriteByte(':')
		b.WriteString(s.ID)
		b.WriteByte(' ')
	}
	return b.String()
}

// Unfixed lists the blockers no plan step fixes: lz2ct check exits 1 when there is any.
func (r Report) Unfixed() []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if f.Severity == Blocker && !f.FixedByPlan {
			out = append(out, f)
		}
	}
	return out
}

// AtLeast returns the report restricted to findings of severity min or more serious, recounted.
func (r Report) AtLeast(min Severity) Report {
	var out []Finding
	for _, f := range r.Findings {
		if f.Severity.Rank() <= min.Rank() {
			out = append(out, f)
		}
	}
	return NewReport(out)
}

// ByCheck returns the findings of one check.
func (r Report) ByCheck(id string) []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if f.Check == id {
			out = append(out, f)
		}
	}
	return out
}
