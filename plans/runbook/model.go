package runbook

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
	"unsafe"

	"github.com/lz2ct/lz2ct/journal"
	"github.com/lz2ct/lz2ct/plans"
)

// The renderers share one document model built from the plan and the journal (build.go), so the
// Markdown and HTML runbooks always say the same thing and grouping is decided once.

type document struct {
	Title        string
	Organization string
	Management   string
	SnapshotHash string
	CreatedFrom  string
	PlanVersion  int
	Operator     string
	Generated    time.Time

	Settings []kv
	Totals   []kv
	Estimate estimateView
	Findings findingsView
	Run      *runView // nil without --state
	// Phases is the index: each phase with its step count and where its steps are.
	Phases []phaseView
	// Sections hold the steps in execution order: phases 0 and 1, one section per wave of
	// phases 2–4, then phases 5 and 6.
	Sections []sectionView
	// Waves introduces the wave sections (phases 2–4 run interleaved).
	Waves    *wavesView
	OUs      []ouRow
	Accounts []accountRow
	// AccountGroups are the accounts grouped by how, step and reason (appendix B).
	AccountGroups []accountGroup
	Kept          []kv
	// Manual lists every step done by hand, for the contents.
	Manual []stepRef
	// Notes are blocked notes too long to print where they apply, in full (an appendix).
	Notes []string
}

type kv struct{ Key, Value string }

type estimateView struct {
	Rows         []kv // phase -> lower – upper
	Total        string
	ControlTower string
	Dominant     string // the assumption that dominates the upper bound, with its share
	Sessions     []sessionRow
	SessionHours int
	Windows      []windowRow
	TradeOffs    []string // the moves, and what raising a setting would save
	Assumptions  []string
}

type sessionRow struct {
	Number, Covers, Upper, EndsAfter, EndsNum, Note string
}

type windowRow struct {
	Waves, What, Accounts, Max, Typical string
}

type findingsView struct {
	Blockers, Warnings, Infos int
	Rows                      []findingRow
}

type findingRow struct {
	Severity    string
	Check       string
	Title       string
	Phase       string
	Subjects    string
	Evidence    []string
	Remediation string
	FixedByPlan bool
	Source      string
}

// runView summarizes a state folder for the cover.
type runView struct {
	Dir       string
	Events    int
	Last      string
	TornTail  bool
	Counts    statusCounts
	Failures  []stepRef // failed steps, in plan order
	Running   []stepRef
	Unplanned []string // journal steps the plan does not have
}

type stepRef struct{ Num, ID, Title, Note string }

type statusCounts struct{ Done, Running, Failed, NotStarted int }

func (c *statusCounts) add(s journal.Status) {
	switch s {
	case journal.Done:
		c.Done++
	case journal.Running:
		c.Running++
	case journal.Failed:
		c.Failed++
	default:
		c.NotStarted++
	}
}

func (c statusCounts) Total() int { return c.Done + c.Running + c.Failed + c.NotStarted }

func (c statusCounts) String() string {
	return fmt.Sprintf("%d done, %d running, %d failed, %d not started", c.Done, c.Running, c.Failed, c.NotStarted)
}

type phaseView struct {
	Number   int
	ID       string
	Name     string
	Summary  string
	Estimate string
	Steps    int
	Counts   *statusCounts // nil without state
	Blockers []findingRow  // findings of this phase that block it
	// Where says where the phase's steps are: "steps 1–24", or for an interleaved phase the
	// waves and step numbers.
	Where  string
	Anchor string // the section that holds its steps
}

// sectionView is one part of the runbook in execution order: a phase (0, 1, 5, 6) or a wave of
// phases 2–4.
type sectionView struct {
	Anchor   string
	Heading  string
	Summary  string
	Meta     string
	Blockers []findingRow
	Items    []item
	// SignOff names what is signed off at the end of the section ("" = none).
	SignOff string
	// Wave marks a wave section (its steps carry their phase).
	Wave bool
	// Ends names the working sessions (estimate's calendar) that end in this section.
	Ends []string
}

// wavesView introduces phases 2–4: how the waves run, and the findings that block those phases.
type wavesView struct {
	Anchor   string
	Summary  string
	Meta     string
	Blockers []findingRow
}

// item is one step shown in full, a group of like steps shown as one table, or the enrollment
// queue (one row per account, each kind of step's commands once).
type item struct {
	Step  *stepView
	Group *groupView
	Queue *queueView
}

// queueView is the enrollment queue: the commands of each kind of step once (Templates, whose
// rows are left out), then one row per account.
type queueView struct {
	Templates []*groupView
	Singles   []*stepView // steps no other account shares a template with, in full
	Rows      []queueRow
	Accounts  int  // rows that are accounts (not session ends)
	Known     bool // a run's status is shown
	Email     bool // a template takes the account's e-mail: the rows show it
	// BlockedNotes are the rows' blocked notes, printed once; the rows say B1, B2, ….
	BlockedNotes []string
}

type queueRow struct {
	Pos         string
	Account     string
	AccountName string
	Email       string
	Into        string
	Prepare     string // "123 SCP detach, 124 Config removal"
	Enroll      string // the enrollment step's number
	EnrollID    string
	Blocked     string
	Status      statusView
	// SessionEnd, on a row of its own, marks where a working session ends.
	SessionEnd string
}

// statusView is a step's standing in the run; Known is false without a state folder.
type statusView struct {
	Known  bool
	Status journal.Status
	Text   string // "done 08:03 UTC", "running since …", "failed: …"
	Error  string
}

func (s statusView) Done() bool { return s.Known && s.Status == journal.Done }

// Class is the CSS class for the status.
func (s statusView) Class() string {
	if !s.Known {
		return "todo"
	}
	switch s.Status {
	case journal.Done:
		return "done"
	case journal.Running:
		return "running"
	case journal.Failed:
		return "failed"
	}
	return "todo"
}

type stepView struct {
	Num         string
	ID          string
	Phase       string // "phase 2" in a wave section, else ""
	Kind        string
	Title       string
	Why         string
	Target      string
	Guard       string
	CLI         []string
	Expected    string
	Rollback    string
	DependsOn   []string
	Inputs      []string // values from earlier steps: "$VAR = value (from step N, id)"
	Destructive bool
	Manual      bool
	Blocked     string
	Status      statusView
	// Instructions are a manual step's tasks, in order; Verified says how lz2ct checks the result.
	Instructions []string
	Verified     string
}

type groupView struct {
	First, Last string // step numbers
	Phase       string // "phase 3" in a wave section, else ""
	Kind        string
	Title       string // with placeholders
	Why         string
	Guard       string
	CLI         []string
	Expected    string
	Rollback    string
	Placeholder []string // the placeholders used, e.g. <account-id>, <region>
	DependsOn   []string // dependencies common to every row, with placeholders
	Inputs      []string // values from earlier steps (the same for every row)
	Destructive bool
	Manual      bool
	Cols        groupCols
	Per         string // what one row is: "account and region", "account", "region", "OU", "resource"
	Rows        []groupRow
	Counts      *statusCounts
	// Pivot shows steps per account and region as one row per account with a column per region
	// (the cells are step numbers); nil when the rows are not account × region.
	Pivot *pivotView
	// Label names the template in the enrollment queue's rows ("Config removal").
	Label string
	// BlockedNotes are the rows' blocked notes, printed once; the rows say B1, B2, ….
	BlockedNotes []string
}

type pivotView struct {
	Regions      []string
	Rows         []pivotRow
	BlockedNotes []string
}

type pivotRow struct {
	Account, AccountName string
	Cells                []pivotCell // one per region, "" Num when none
	After                string
	Blocked              string
}

type pivotCell struct {
	Num    string
	Status statusView
}

// groupCols says which columns a group's table has: the target fields that vary between rows,
// the rows' own titles when they differ, extra dependencies and blocked reasons when any row has one.
type groupCols struct{ What, Account, Email, Region, OU, Resource, After, Blocked bool }

type groupRow struct {
	Num         string
	What        string // the step's own title, when the rows' titles differ
	ID          string
	Account     string
	AccountName string
	Email       string
	Region      string
	OU          string
	Resource    string
	After       string // dependencies beyond the common ones
	Blocked     string
	Status      statusView
}

type ouRow struct {
	Order    string
	ID, Path string
	Depth    int
	Accounts int
	Note     string
}

type accountRow struct {
	ID, Name, How, Reason, By string
}

// accountGroup is the accounts that share a disposition, the step that covers them (the
// templated ID for steps of their own) and the reason.
type accountGroup struct {
	How, By, Reason string
	Accounts        []string // "ID name"
}

// stepIn is what the grouping reads from a plan step; build.go fills it, so this file does not
// depend on the planner's types.
type stepIn struct {
	ID, Kind, Title, Why          string
	Phase                         string
	Account, Region, OU, Resource string
	AccountName                   string
	OUName                        string // the OU's name (the last element of its path)
	Email                         string // the account's e-mail, when the step names it (enrollment)
	Token                         string // the step's idempotency token (derived from its ID)
	DependsOn                     []string
	Inputs                        []string
	Destructive, Manual           bool
	CLI                           []string
	Guard, Expected, Rollback     string
	Blocked                       string
	// Instructions are a manual step's tasks, in order; Verified says how lz2ct checks the result.
	Instructions []string
	Verified     string
}

// Placeholders written into templated commands, spelled as AWS's own docs spell them.
const (
	phAccount     = "<account-id>"
	phAccountName = "<account-name>"
	phRegion      = "<region>"
	phOU          = "<ou-id>"
	phOUName      = "<ou-name>"
	phEmail       = "<account-email>"
	phToken       = "<token>" // replaced by the shell expression that computes it
	phResource    = "<resource>"
)

// perTarget reports whether a step acts on one account or region: those are the steps that repeat
// per account and are shown as table rows.
func (s stepIn) perTarget() bool { return s.Account != "" || s.Region != "" }

// subs lists the replacements that turn a step's texts into its group's template, longest first so
// that an ID inside a longer resource name is not replaced half-way.
func (s *stepIn) subs() []sub { return s.subsFor(varyAll) }

// vary says which target fields differ between the rows of a group: only those become placeholders
// (a role name every row shares stays in the text).
type vary struct{ Account, Region, OU, Resource bool }

var varyAll = vary{true, true, true, true}

func (s *stepIn) subsFor(v vary) []sub { return s.appendSubs(make([]sub, 0, 8), v) }

// appendSubs is subsFor into dst's storage (a templater reuses one for every step).
func (s *stepIn) appendSubs(out []sub, v vary) []sub {
	add := func(on bool, val, ph string, minLen int) {
		if on && len(val) >= minLen {
			out = append(out, sub{val, ph})
		}
	}
	add(v.Resource, s.Resource, phResource, 4)
	add(v.OU, s.OU, phOU, 4)
	add(v.OU, s.OUName, phOUName, 3)
	add(v.Account, s.Account, phAccount, 4)
	add(v.Account, s.AccountName, phAccountName, 3)
	add(v.Account, s.Email, phEmail, 5)
	add(true, s.Token, phToken, 10)
	add(v.Region, s.Region, phRegion, 4)
	slices.SortStableFunc(out, func(a, b sub) int { return len(b.val) - len(a.val) })
	return out
}

type sub struct{ val, ph string }

// templ replaces every whole-word occurrence of the step's target values by placeholders.
func templ(text string, subs []sub) string {
	for _, s := range subs {
		text = replaceWord(text, s.val, s.ph)
	}
	return text
}

// replaceWord replaces old by new where old is not part of a longer word (letters and digits), so
// that an account named "prod" does not turn "production" into "<account-name>uction".
func replaceWord(s, old, new string) string {
	if old == "" || !strings.Contains(s, old) {
		return s
	}
	return string(appendReplaceWord(make([]byte, 0, len(s)+len(new)), s, old, new))
}

// appendReplaceWord appends s with replaceWord's replacements to dst.
func appendReplaceWord(dst []byte, s, old, new string) []byte {
	for {
		i := strings.Index(s, old)
		if i < 0 {
			return append(dst, s...)
		}
		end := i + len(old)
		if (i == 0 || !isWordByte(s[i-1])) && (end == len(s) || !isWordByte(s[end])) {
			dst = append(dst, s[:i]...)
			dst = append(dst, new...)
		} else {
			dst = append(dst, s[:end]...)
		}
		s = s[end:]
	}
}

// templater templates texts into buffers it reuses: grouping compares the templated texts of
// thousands of steps, and a fresh string for each would be most of what the runbook allocates.
// What it returns is valid until its next call.
type templater struct {
	out, row []byte
	tmp      [2][]byte // intermediate texts, one substitution after another
	subs     []sub
}

// appendTempl appends templ(text, subs) to dst (which must not be one of t.tmp).
func (t *templater) appendTempl(dst []byte, text string, subs []sub) []byte {
	cur, k := text, 0
	for _, s := range subs {
		if s.val == "" || !strings.Contains(cur, s.val) {
			continue
		}
		// Substitutions apply one after another (a later one may match in an earlier one's
		// placeholder, as in templ): each reads the buffer the previous one wrote.
		t.tmp[k] = appendReplaceWord(t.tmp[k][:0], cur, s.val, s.ph)
		cur = unsafe.String(unsafe.SliceData(t.tmp[k]), len(t.tmp[k]))
		k ^= 1
	}
	return append(dst, cur...)
}

// templ is templ(text, subs) in a buffer of its own (valid until the next call of templ).
func (t *templater) templ(text string, subs []sub) []byte {
	t.row = t.appendTempl(t.row[:0], text, subs)
	return t.row
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// signature is what must be equal for two steps to share a group: everything shown once for the
// whole table. Titles, dependencies and blocked reasons may differ per row (titles that still
// differ once templated get a column of their own). It is written into t's buffer (valid until the
// next call): compared and looked up in maps as bytes, it costs a string only for a new group.
func (t *templater) signature(s *stepIn) []byte {
	t.subs = s.appendSubs(t.subs[:0], varyAll)
	b := t.out[:0]
	b = append(append(b, s.Kind...), 0)
	b = append(append(b, s.Phase...), 0)
	for i, in := range s.Inputs {
		if i > 0 {
			b = append(b, '\n')
		}
		b = append(b, in...)
	}
	b = append(b, 0)
	for _, x := range [...]string{s.Why, s.Guard, s.Expected, s.Rollback} {
		b = append(t.appendTempl(b, x, t.subs), 0)
	}
	for _, f := range [...]bool{s.Destructive, s.Manual, s.Account != "", s.Region != "", s.OU != "", s.Resource != "", false, false} {
		if f {
			b = append(b, '1')
		} else {
			b = append(b, '0')
		}
	}
	b = append(b, 0)
	for i, in := range s.Instructions {
		if i > 0 {
			b = append(b, '\n')
		}
		b = append(b, in...)
	}
	b = append(b, 0)
	b = append(b, s.Verified...)
	for _, c := range s.CLI {
		b = t.appendTempl(append(b, 0), c, t.subs)
	}
	t.out = b
	return b
}

// minHeadlineRun is how many consecutive like steps without an account or region target are needed
// before they are shown as a table (a few OU steps in a row read better as paragraphs).
const minHeadlineRun = 3

// group turns a phase's steps into items. Steps that act on one OU or on the organization
// ("headline" steps such as detaching an SCP from an OU or registering it) stay in place and in
// full; between two of them, the per-account and per-region steps are grouped by signature into
// tables, in the order of each group's first step. Step numbers keep the plan's exact order
// visible. Runs of at least minHeadlineRun like headline steps are grouped too.
func group(steps []stepIn, nums []string, status func(id string) statusView) []item {
	var items []item
	var t templater
	for i := 0; i < len(steps); {
		if !steps[i].perTarget() {
			j := i + 1
			sig := string(t.signature(&steps[i]))
			for j < len(steps) && !steps[j].perTarget() && string(t.signature(&steps[j])) == sig {
				j++
			}
			if j-i >= minHeadlineRun {
				items = append(items, item{Group: makeGroup(&t, steps, seq(i, j), nums, status)})
			} else {
				for k := i; k < j; k++ {
					items = append(items, item{Step: makeStep(steps[k], nums[k], status)})
				}
			}
			i = j
			continue
		}
		j := i
		for j < len(steps) && steps[j].perTarget() {
			j++
		}
		// steps[i:j] is a segment of per-target steps.
		for _, idx := range bySignature(&t, steps, seq(i, j)) {
			if len(idx) == 1 {
				items = append(items, item{Step: makeStep(steps[idx[0]], nums[idx[0]], status)})
				continue
			}
			items = append(items, item{Group: makeGroup(&t, steps, idx, nums, status)})
		}
		i = j
	}
	return items
}

// seq is the indexes i, i+1, …, j-1.
func seq(i, j int) []int {
	out := make([]int, j-i)
	for k := range out {
		out[k] = i + k
	}
	return out
}

// bySignature sorts the steps at idx into groups of equal signature, in the order of each group's
// first step.
func bySignature(t *templater, steps []stepIn, idx []int) [][]int {
	var groups [][]int
	which := map[string]int{}
	for _, k := range idx {
		sig := t.signature(&steps[k])
		g, ok := which[string(sig)]
		if !ok {
			g = len(groups)
			which[string(sig)] = g
			groups = append(groups, nil)
		}
		groups[g] = append(groups[g], k)
	}
	return groups
}

func makeStep(s stepIn, num string, status func(string) statusView) *stepView {
	var target []string
	if s.Account != "" {
		a := s.Account
		if s.AccountName != "" {
			a += " (" + s.AccountName + ")"
		}
		target = append(target, "account "+a)
	}
	if s.Region != "" {
		target = append(target, "region "+s.Region)
	}
	if s.OU != "" {
		target = append(target, "OU "+s.OU)
	}
	if s.Resource != "" {
		target = append(target, s.Resource)
	}
	return &stepView{
		Num: num, ID: s.ID, Phase: s.Phase, Kind: s.Kind, Title: s.Title, Why: s.Why, Target: strings.Join(target, ", "), Inputs: s.Inputs,
		Guard: s.Guard, CLI: s.CLI, Expected: s.Expected, Rollback: s.Rollback, DependsOn: s.DependsOn,
		Destructive: s.Destructive, Manual: s.Manual, Blocked: s.Blocked, Status: status(s.ID),
		Instructions: s.Instructions, Verified: s.Verified,
	}
}

// makeGroup makes the table of steps[k] for k in idx (nums[k] their numbers).
func makeGroup(t *templater, steps []stepIn, idx []int, nums []string, status func(string) statusView) *groupView {
	first := &steps[idx[0]]
	var v vary
	for _, k := range idx[1:] {
		s := &steps[k]
		v.Account = v.Account || s.Account != first.Account
		v.Region = v.Region || s.Region != first.Region
		v.OU = v.OU || s.OU != first.OU
		v.Resource = v.Resource || s.Resource != first.Resource
	}
	subs := first.subsFor(v)
	g := &groupView{
		First: nums[idx[0]], Last: nums[idx[len(idx)-1]], Kind: first.Kind, Phase: first.Phase, Inputs: first.Inputs,
		Title: templ(first.Title, subs), Why: templ(first.Why, subs), Guard: templ(first.Guard, subs),
		Expected: templ(first.Expected, subs), Rollback: templ(first.Rollback, subs),
		Destructive: first.Destructive, Manual: first.Manual,
		Cols: groupCols{Account: v.Account, Region: v.Region, OU: v.OU, Resource: v.Resource},
		Per:  rowNoun(v),
	}
	for _, k := range idx[1:] {
		s := &steps[k]
		t.subs = s.appendSubs(t.subs[:0], v)
		if string(t.templ(s.Title, t.subs)) != g.Title {
			g.Cols.What = true
			g.Title = commonTitle(steps, idx, v)
			break
		}
	}
	for _, c := range first.CLI {
		c = templ(c, subs)
		if strings.Contains(c, phToken) {
			// Every row's token derives from its step ID: the command computes it.
			c = strings.ReplaceAll(c, phToken, plans.TokenShell("\""+templ(first.ID, subs)+"\""))
		}
		g.CLI = append(g.CLI, c)
	}
	used := strings.Join(append([]string{g.Title, g.Why, g.Guard, g.Expected, g.Rollback}, g.CLI...), "\n")
	for _, ph := range []string{phAccount, phAccountName, phEmail, phRegion, phOU, phOUName, phResource} {
		if strings.Contains(used, ph) {
			g.Placeholder = append(g.Placeholder, ph)
		}
	}
	// Dependencies every row has once templated are said once; the rest go in the row. Counted
	// through templated bytes (t.templ): a map lookup by string(bytes) allocates nothing.
	type depCount struct{ n, seen int }
	common := map[string]*depCount{}
	for n, k := range idx {
		s := &steps[k]
		t.subs = s.appendSubs(t.subs[:0], v)
		for _, d := range s.DependsOn {
			td := t.templ(d, t.subs)
			c := common[string(td)]
			if c == nil {
				c = &depCount{seen: -1}
				common[string(td)] = c
			}
			if c.seen != n { // once per row
				c.seen = n
				c.n++
			}
		}
	}
	isCommon := map[string]bool{}
	for _, d := range first.DependsOn {
		if td := templ(d, subs); common[td].n == len(idx) {
			g.DependsOn = append(g.DependsOn, td)
			common[td].n = -1 // listed once
			isCommon[td] = true
		}
	}
	g.Counts = nil
	var counts statusCounts
	known := false
	g.Rows = make([]groupRow, 0, len(idx))
	var after []string
	for _, k := range idx {
		s := &steps[k]
		r := groupRow{Num: nums[k], ID: s.ID, Account: s.Account, AccountName: s.AccountName, Email: s.Email, Region: s.Region,
			OU: s.OU, Resource: s.Resource, Blocked: s.Blocked, Status: status(s.ID)}
		if g.Cols.What {
			// Only what the row's title adds to the group's.
			r.What = s.Title
			if pre := strings.TrimSuffix(g.Title, " …"); pre != g.Title && strings.HasPrefix(s.Title, pre+" ") {
				r.What = "… " + strings.TrimPrefix(s.Title, pre+" ")
			}
		}

		after = after[:0]
		if len(isCommon) > 0 {
			t.subs = s.appendSubs(t.subs[:0], v)
		}
		for _, d := range s.DependsOn {
			if len(isCommon) == 0 || !isCommon[string(t.templ(d, t.subs))] {
				after = append(after, d)
			}
		}
		r.After = strings.Join(after, ", ")
		g.Cols.After = g.Cols.After || r.After != ""
		g.Cols.Blocked = g.Cols.Blocked || r.Blocked != ""
		if r.Status.Known {
			known = true
			counts.add(r.Status.Status)
		}
		g.Rows = append(g.Rows, r)
	}
	if known {
		g.Counts = &counts
	}
	// A column that only repeats what every row's step ID already says is left out.
	inIDs := func(val func(groupRow) string) bool {
		for _, r := range g.Rows {
			if v := val(r); v != "" && !strings.Contains(r.ID, v) {
				return false
			}
		}
		return true
	}
	if g.Cols.Resource && inIDs(func(r groupRow) string { return r.Resource }) {
		g.Cols.Resource = false
	}
	if g.Cols.OU && inIDs(func(r groupRow) string { return r.OU }) {
		g.Cols.OU = false
	}
	if g.Cols.Region && inIDs(func(r groupRow) string { return r.Region }) {
		g.Cols.Region = false
	}
	if g.Cols.Account && inIDs(func(r groupRow) string { return r.Account + r.AccountName }) {
		g.Cols.Account = false
	}
	g.BlockedNotes = legend(len(g.Rows), func(i int) *string { return &g.Rows[i].Blocked })
	if slices.Contains(g.Placeholder, phEmail) {
		g.Cols.Email, g.Cols.Account = true, true
	}
	if v.Account && v.Region {
		g.Pivot = pivotOf(g.Rows)
	}
	return g
}

// legendMinRows is the size from which a table's blocked notes are printed once above it, the rows
// naming them B1, B2, …: a long note repeated on a thousand rows helps nobody.
const legendMinRows = 10

// legend replaces the blocked notes of n rows (note(i) points at row i's) by their number in the
// returned list, when the table is large enough.
func legend(n int, note func(int) *string) []string {
	if n < legendMinRows {
		return nil
	}
	var out []string
	idx := map[string]int{}
	for i := 0; i < n; i++ {
		p := note(i)
		if *p == "" {
			continue
		}
		k, ok := idx[*p]
		if !ok {
			out = append(out, *p)
			k = len(out)
			idx[*p] = k
		}
		*p = fmt.Sprintf("B%d", k)
	}
	return out
}

// pivotOf turns rows of one step per account and region into one row per account with a column
// per region, when every account has at most one step per region and the same extra dependencies
// in each; nil otherwise, or when it would not save rows.
func pivotOf(rows []groupRow) *pivotView {
	type acct struct {
		row   pivotRow
		cells map[string]pivotCell
	}
	var accts []*acct
	byID := map[string]*acct{}
	regions := map[string]bool{}
	for _, r := range rows {
		if r.Account == "" || r.Region == "" || r.What != "" {
			return nil
		}
		a := byID[r.Account]
		if a == nil {
			a = &acct{row: pivotRow{Account: r.Account, AccountName: r.AccountName, After: r.After}, cells: map[string]pivotCell{}}
			byID[r.Account] = a
			accts = append(accts, a)
		}
		if _, dup := a.cells[r.Region]; dup || a.row.After != r.After {
			return nil
		}
		a.cells[r.Region] = pivotCell{Num: r.Num, Status: r.Status}
		if a.row.Blocked == "" {
			a.row.Blocked = r.Blocked
		}
		regions[r.Region] = true
	}
	if len(accts) == len(rows) {
		return nil
	}
	pv := &pivotView{}
	for r := range regions {
		pv.Regions = append(pv.Regions, r)
	}
	sort.Strings(pv.Regions)
	for _, a := range accts {
		for _, r := range pv.Regions {
			a.row.Cells = append(a.row.Cells, a.cells[r])
		}
		pv.Rows = append(pv.Rows, a.row)
	}
	pv.BlockedNotes = legend(len(pv.Rows), func(i int) *string { return &pv.Rows[i].Blocked })
	return pv
}

// statusOf turns the journal's view of a step into what the runbook prints.
func statusOf(st *journal.State) func(string) statusView {
	if st == nil {
		return func(string) statusView { return statusView{} }
	}
	return func(id string) statusView {
		s := st.Step(id)
		v := statusView{Known: true, Status: s.Status}
		switch s.Status {
		case journal.Done:
			v.Text = "done " + stamp(s.Updated)
		case journal.Running:
			v.Text = "running since " + stamp(s.Started)
			if s.OperationID != "" {
				v.Text += ", operation " + s.OperationID
			}
			if s.Attempts > 1 {
				v.Text += fmt.Sprintf(", attempt %d", s.Attempts)
			}
		case journal.Failed:
			v.Text = "failed " + stamp(s.Updated)
			v.Error = redact(s.Error)
		default:
			v.Text = "not started"
		}
		return v
	}
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// commonTitle is the words every row's templated title starts with, for a group whose titles
// differ (e.g. "Export SCP" for exports of differently named SCPs); each row then shows its own.
func commonTitle(steps []stepIn, idx []int, v vary) string {
	first := &steps[idx[0]]
	words := strings.Fields(templ(first.Title, first.subsFor(v)))
	n := len(words)
	for _, k := range idx[1:] {
		s := &steps[k]
		w := strings.Fields(templ(s.Title, s.subsFor(v)))
		i := 0
		for i < n && i < len(w) && w[i] == words[i] {
			i++
		}
		n = i
	}
	if n == 0 {
		return first.Kind + " steps"
	}
	return strings.Join(words[:n], " ") + " …"
}
