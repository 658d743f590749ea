// Package plans is the planner: from a snapshot, the migration settings and the pre-check report it
// builds an ordered, reviewable migration plan (phases 0–6, docs/plan.md), each step one AWS action
// of a registered kind with typed parameters (kinds*.go) and a stable ID. The engine executes the
// plan from the parameters alone, the TUI shows it, the runbook renders it. A plan is data only: it
// never calls AWS and imports no AWS SDK, and the same input always gives byte-identical JSON.
package plans

import (
	"bytes"
	"container/heap"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/lz2ct/lz2ct/checks"
	"github.com/lz2ct/lz2ct/internal/mapped"
	"github.com/lz2ct/lz2ct/internal/strictjson"
	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/scope"
	"github.com/lz2ct/lz2ct/settings"
)

// Version is the plan format this build reads and writes: 2, one kind per AWS action with typed
// params. Version 1 (kinds without params) is refused.
const Version = 2

// Plan is the whole migration, in execution order. Apply refuses a plan whose SnapshotHash does not
// match the snapshot it is given (the Terraform "saved plan is stale" rule).
type Plan struct {
	Version int `json:"version"`
	// SnapshotHash is SnapshotHash(snapshot file bytes) ("sha256:<hex>"); empty when the plan was
	// built from a snapshot held only in memory.
	SnapshotHash string `json:"snapshotHash"`
	// Organization is the organization ID (o-...).
	Organization string `json:"organization"`
	// CreatedFrom says what the plan was made from, e.g. "snapshot testdata/orgs/alz2-typical.json
	// (discover, captured 2026-11-27T07:00:00Z)". It never holds the planning time, so that
	// re-planning the same input gives the same bytes.
	CreatedFrom string `json:"createdFrom"`
	// Settings are the resolved settings the plan was built with (defaults filled in).
	Settings settings.Settings `json:"settings"`
	// Limits are the Control Tower limits the plan keeps to.
	Limits Limits `json:"limits"`
	// Phases are 0 (safeguard) to 6 (decommission), always all seven, in order.
	Phases []Phase `json:"phases"`
	// Findings is the whole pre-check report; blockers are also listed on the phase they block.
	Findings []checks.Finding `json:"findings"`
	// OUOrder lists every OU of the organization: registered ones with their Order (1, 2, ...),
	// the others with Skipped and the Reason.
	OUOrder []OUEntry `json:"ouOrder"`
	// Accounts gives every account of the organization exactly one disposition.
	Accounts []AccountDisposition `json:"accounts"`
	// Kept lists what the plan deliberately leaves in place, and why (the core OU when its
	// accounts have nowhere to go, Add-On products, StackSets workloads use, ...).
	Kept     []Kept   `json:"kept"`
	Estimate Estimate `json:"estimate"`
	// ExecutionOrder lists every step ID in the order the engine takes them (phases 2–4
	// interleaved wave by wave), so runbooks, tools and reviewers see one order.
	ExecutionOrder []string `json:"executionOrder"`
}

// Limits are the limits the plan keeps to, as package scope decided them.
type Limits struct {
	// OUAccountLimit is the most accounts any OU the plan registers holds at any time:
	// ouAccountLimit, clamped to RegionalOUAccountLimit.
	OUAccountLimit int `json:"ouAccountLimit"`
	// RegionalOUAccountLimit is what the governed regions allow.
	RegionalOUAccountLimit int `json:"regionalOUAccountLimit"`
	// Note says why OUAccountLimit is below the requested ouAccountLimit.
	Note string `json:"note,omitempty"`
}

// Kept is one resource the migration leaves in place on purpose.
type Kept struct {
	// Resource names it, e.g. "OU ou-ab12-cd34ef56 (core)".
	Resource string `json:"resource"`
	Reason   string `json:"reason"`
	// Step is the decommission step a run's guard refused (KeptAfterRun); empty for what the
	// plan itself keeps, by choice or because it cannot remove it.
	Step string `json:"step,omitempty"`
}

// GuardRefusedPrefix starts the error the engine journals when a step's guard refuses it (the
// kind observed it unsafe to run: a VPC still in use, logs not yet copied, an account still in
// the core OU).
const GuardRefusedPrefix = "unsafe to run: "

// GuardRefusal returns the guard's words when a journaled error is a guard's refusal.
func GuardRefusal(err string) (string, bool) {
	if rest, ok := strings.CutPrefix(err, GuardRefusedPrefix); ok {
		return rest, true
	}
	return "", false
}

// KeptAfterRun lists what the migration leaves in place and why: the plan's kept[] (what the
// settings keep, and what the plan cannot remove), then every destructive decommission step a
// run's guard refused — refused maps such a step's ID to the guard's words (GuardRefusal of the
// journaled error). runbook and lz2ct status show this list.
func (p *Plan) KeptAfterRun(refused map[string]string) []Kept {
	out := append([]Kept(nil), p.Kept...)
	for _, st := range p.OrderedSteps() {
		why, ok := refused[st.ID]
		if !ok || !st.Destructive {
			continue
		}
		res := st.Title
		if r, ok := strings.CutPrefix(res, "Delete "); ok {
			res = r
		}
		out = append(out, Kept{Resource: res, Step: st.ID, Reason: "its guard refused the deletion during the run: " + why +
			" (fix that, then lz2ct resume deletes it; or leave it)"})
	}
	return out
}

// Phase IDs, in order. Phase.Number is the index in this list.
const (
	PhaseSafeguard    = "safeguard"
	PhaseDeploy       = "deploy"
	PhaseSCP          = "scp"
	PhaseConfig       = "config"
	PhaseRegistration = "register"
	PhaseShared       = "shared-accounts"
	PhaseDecommission = "decommission"
)

// PhaseIDs lists the phase IDs in execution order.
var PhaseIDs = []string{PhaseSafeguard, PhaseDeploy, PhaseSCP, PhaseConfig, PhaseRegistration, PhaseShared, PhaseDecommission}

// Phase is one stage of the migration.
type Phase struct {
	Number  int    `json:"number"`
	ID      string `json:"id"`
	Name    string `json:"name"`
	Summary string `json:"summary"`
	Steps   []Step `json:"steps"`
	// Blockers are the blocking pre-check findings that stop this phase until they are resolved.
	Blockers []checks.Finding `json:"blockers,omitempty"`
	// EstimateSeconds and EstimateLowerSeconds are the phase's expected wall-clock duration, upper
	// and lower bound (see Estimate.Assumptions).
	EstimateSeconds      int64 `json:"estimateSeconds"`
	EstimateLowerSeconds int64 `json:"estimateLowerSeconds"`
}

// Estimate returns the phase's expected duration (upper bound).
func (p Phase) Estimate() time.Duration { return time.Duration(p.EstimateSeconds) * time.Second }

// Step is one action. Its ID is derived from what it acts on, so re-planning the same organization
// gives the same IDs and the journal of an interrupted run still matches.
type Step struct {
	ID     string `json:"id"`
	Kind   string `json:"kind"`
	Title  string `json:"title"`
	Why    string `json:"why"`
	Target Target `json:"target"`
	// Wave is the registration wave (the Order of the OU this step prepares or registers; for
	// enrollment steps the position in the enrollment queue, counted after the OU waves); 0 = none.
	Wave int `json:"wave,omitempty"`
	// Params are the kind's typed parameters: everything the engine needs to execute the step.
	// The other fields are for people (and the runbook).
	Params Params `json:"params"`
	// DependsOn lists step IDs that must have succeeded before this one starts.
	DependsOn   []string `json:"dependsOn,omitempty"`
	Destructive bool     `json:"destructive,omitempty"`
	// Manual steps are done by the operator; the engine waits for a confirmation (and verifies when it can).
	Manual bool `json:"manual,omitempty"`
	// CLI are the AWS CLI v2 commands (bash) that do the same by hand, in order, as printed: values
	// known only at run time are shell variables that an earlier step's commands set.
	CLI []string `json:"cli,omitempty"`
	// Guard is the condition checked just before the step runs; the step is refused when it fails.
	Guard    string `json:"guard,omitempty"`
	Expected string `json:"expected,omitempty"`
	Rollback string `json:"rollback,omitempty"`
	// Blocked names the blocking finding(s) that stop this step; empty when nothing blocks it.
	Blocked string `json:"blocked,omitempty"`
	// EstimateSeconds is the step's own expected duration, upper bound (0 for quick API calls).
	EstimateSeconds int64 `json:"estimateSeconds,omitempty"`
}

// JSONInterfaceType names the type of a step's params for strictjson (Decode): the params type of
// the kind the step's "kind" member names.
func (s *Step) JSONInterfaceType(field string) (reflect.Type, error) {
	k, ok := kindSpecs[s.Kind]
	if field != "params" || !ok {
		return nil, fmt.Errorf("step %s: unknown kind %q (this lz2ct does not know it)", s.ID, s.Kind)
	}
	return reflect.TypeOf(k.Params), nil
}

// UnmarshalJSON decodes a step with encoding/json, its params into the kind's params type
// (unknown keys rejected). Every step has params: a step without them is not one the engine can
// execute. Decode reads whole plans with strictjson instead (JSONInterfaceType), to the same rules.
func (s *Step) UnmarshalJSON(data []byte) error {
	type plain Step
	var aux struct {
		plain
		Params json.RawMessage `json:"params"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&aux); err != nil {
		return err
	}
	*s = Step(aux.plain)
	s.Params = nil
	ptr, ok := newParams(s.Kind)
	if !ok {
		return fmt.Errorf("step %s: unknown kind %q (this lz2ct does not know it)", s.ID, s.Kind)
	}
	if len(aux.Params) == 0 || string(aux.Params) == "null" {
		return fmt.Errorf("step %s: no params (every %s step needs them)", s.ID, s.Kind)
	}
	pd := json.NewDecoder(bytes.NewReader(aux.Params))
	pd.DisallowUnknownFields()
	if err := pd.Decode(ptr); err != nil {
		return fmt.Errorf("step %s: params of %s: %w", s.ID, s.Kind, err)
	}
	s.Params = reflect.ValueOf(ptr).Elem().Interface().(Params)
	return nil
}

// Target is what a step acts on; unused fields are empty.
type Target struct {
	AccountID string `json:"accountId,omitempty"`
	Region    string `json:"region,omitempty"`
	OUID      string `json:"ouId,omitempty"`
	// Resource names anything else: a policy ID, StackSet name, bucket, parameter path, ...
	Resource string `json:"resource,omitempty"`
}

// OUEntry is one OU in the registration order.
type OUEntry struct {
	OUID     string `json:"ouId"`
	Path     string `json:"path"`
	ParentID string `json:"parentId"`
	Depth    int    `json:"depth"`
	// Accounts is the number of accounts directly in the OU now (nested OUs count on their own).
	Accounts int `json:"accounts"`
	// Enrolls is how many accounts the registration enrolls: Accounts, or the limit when the plan
	// first moves the excess out (see Remedy); 0 for an OU the plan does not register.
	Enrolls int `json:"enrolls"`
	// Created marks a child OU the plan creates to split an oversized OU (OUID is then empty
	// until it exists; its steps name it "<parent OU ID>/<name>").
	Created bool `json:"created,omitempty"`
	// Order is the OU's position in the registration sequence, 1-based; 0 = not registered by this plan.
	Order   int    `json:"order"`
	Skipped bool   `json:"skipped,omitempty"`
	Reason  string `json:"reason,omitempty"`
	// Remedy names what the plan does instead when the OU cannot be registered as it is.
	Remedy string `json:"remedy,omitempty"`
	// Blocked says why its registration cannot run (the step is marked blocked too).
	Blocked string `json:"blocked,omitempty"`
}

// Account dispositions (decided by package scope): every account ends in exactly one.
const (
	HowOURegistration = scope.HowOURegistration // enrolled by registering its OU
	HowEnroll         = scope.HowEnroll         // enrolled on its own
	HowExcluded       = scope.HowExcluded       // left alone, by the settings or because CT replaces it
	HowLeftOut        = scope.HowLeftOut        // CT cannot govern it where it is; the plan runs without it
	HowBlocked        = scope.HowBlocked        // its enrollment cannot run until a blocker is resolved
	HowEnrolled       = scope.HowEnrolled       // Control Tower already governs it
	HowManagement     = scope.HowManagement     // the management account: CT runs there, never enrolled
	HowSharedAccount  = scope.HowSharedAccount  // ALZ's Log Archive or Security account, brought in as CT's by the set-up
)

// AccountDisposition is what the plan does with one account.
type AccountDisposition struct {
	AccountID string `json:"accountId"`
	Name      string `json:"name"`
	How       string `json:"how"`
	Reason    string `json:"reason,omitempty"`
	// By is the step that covers the account (baseline.enable/<ou> or account.enroll/<account>, or
	// the landing zone's set-up for a shared account brought in); empty otherwise.
	By string `json:"by,omitempty"`
}

// Step returns the step with id, or nil.
func (p *Plan) Step(id string) *Step {
	for i := range p.Phases {
		for j := range p.Phases[i].Steps {
			if p.Phases[i].Steps[j].ID == id {
				return &p.Phases[i].Steps[j]
			}
		}
	}
	return nil
}

// StepCount is the number of steps in all phases.
func (p *Plan) StepCount() int {
	n := 0
	for _, ph := range p.Phases {
		n += len(ph.Steps)
	}
	return n
}

// Encode serializes the plan canonically: two-space indentation, no HTML escaping, final newline
// — encoding/json's indenting Encoder's bytes, written by strictjson in one pass (a 10,000-account
// plan in a fraction of encoding/json's time; docs/architecture.md).
func (p *Plan) Encode() ([]byte, error) {
	data, err := strictjson.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("encode plan: %w", err)
	}
	return data, nil
}

// EncodeTo writes what Encode returns to w as it is encoded, without holding the whole document
// (27 MB for 10,000 accounts, whose growing buffer was copied over and over).
func (p *Plan) EncodeTo(w io.Writer) error {
	if err := strictjson.Encode(w, p); err != nil {
		return fmt.Errorf("encode plan: %w", err)
	}
	return nil
}

// Save writes the plan atomically, so apply never reads a half-written plan.
func Save(path string, p *Plan) error {
	return inventory.WriteAtomic(path, 0o644, p.EncodeTo)
}

// Load reads a plan file. Unknown keys are rejected: a plan is machine-written, so an unknown key
// means a newer lz2ct or a hand edit, and executing either silently would be unsafe.
//
// The file is mapped rather than read where the platform allows (package mapped): Decode copies
// what it keeps, and a 10,000-account plan's 26 MB then cost no copy and no fresh memory.
func Load(path string) (*Plan, error) {
	var p *Plan
	var decodeErr error
	if err := mapped.ReadFile(path, func(data []byte) error {
		p, decodeErr = Decode(data)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("read plan: %w", err)
	}
	if decodeErr != nil {
		return nil, fmt.Errorf("plan %s: %w", path, decodeErr)
	}
	return p, nil
}

// ErrOldVersion is returned for a plan made by an lz2ct that wrote another plan format.
var ErrOldVersion = errors.New("plan format not supported")

// Decode parses plan JSON and checks its version, then that every reference to another step's
// output can be resolved (CheckRefs).
//
// It reads with strictjson (strict members, the JSON path of the first problem in the error) in
// one pass; the version is looked at first only when that fails or differs, so that a plan of
// another format says so rather than naming its first unfamiliar member.
func Decode(data []byte) (*Plan, error) {
	var p Plan
	err := strictjson.Unmarshal(data, &p)
	if err == nil && p.Version == Version {
		err = p.checkSteps()
	}
	if err != nil || p.Version != Version {
		if raw, ok := strictjson.Member(data, "version"); ok && string(raw) != strconv.Itoa(Version) {
			return nil, fmt.Errorf("%w: the plan has version %s, this lz2ct reads version %d: re-plan with this lz2ct (lz2ct plan)", ErrOldVersion, raw, Version)
		}
		if err == nil {
			err = fmt.Errorf("version %d: this lz2ct reads version %d", p.Version, Version)
		}
		return nil, fmt.Errorf("not a valid plan: %w (re-create it with lz2ct plan)", err)
	}
	if err := p.CheckRefs(); err != nil {
		return nil, fmt.Errorf("not a valid plan: %w (re-create it with lz2ct plan)", err)
	}
	return &p, nil
}

// checkSteps holds every decoded step to what the engine needs: a kind this lz2ct knows, and params.
func (p *Plan) checkSteps() error {
	for _, ph := range p.Phases {
		for _, st := range ph.Steps {
			if _, ok := kindSpecs[st.Kind]; !ok {
				return fmt.Errorf("step %s: unknown kind %q (this lz2ct does not know it)", st.ID, st.Kind)
			}
			if st.Params == nil {
				return fmt.Errorf("step %s: no params (every %s step needs them)", st.ID, st.Kind)
			}
		}
	}
	return nil
}

// SnapshotHash is the identity of a snapshot file: "sha256:" and the hex SHA-256 of its bytes.
func SnapshotHash(data []byte) string {
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// OrderedSteps lists every step in execution order: ExecutionOrder when the plan has it, else
// the order computed from the phases (executionOrder).
func (p *Plan) OrderedSteps() []*Step {
	byID := make(map[string]*Step, p.StepCount())
	for i := range p.Phases {
		for j := range p.Phases[i].Steps {
			byID[p.Phases[i].Steps[j].ID] = &p.Phases[i].Steps[j]
		}
	}
	ids := p.ExecutionOrder
	if len(ids) != len(byID) {
		ids = p.executionOrder()
	}
	out := make([]*Step, 0, len(ids))
	for _, id := range ids {
		if st := byID[id]; st != nil {
			out = append(out, st)
		}
	}
	return out
}

// executionOrder is the order a sequential run takes the steps: phases 0 and 1; then phases 2–4
// interleaved wave by wave (a wave's SCP detaches, then its Config removal, then its registration
// or enrollment), so no account loses its Config recorder long before Control Tower takes it
// over; then phases 5 and 6. Every step comes after the steps it depends on: of the steps whose
// dependencies are all placed, the one earliest in that order comes next (a wave's account moves,
// phase 4, thus come before the Config removal that waits for them).
func (p *Plan) executionOrder() []string {
	type key struct{ bucket, wave, phase, idx int }
	less := func(a, b key) bool {
		switch {
		case a.bucket != b.bucket:
			return a.bucket < b.bucket
		case a.wave != b.wave:
			return a.wave < b.wave
		case a.phase != b.phase:
			return a.phase < b.phase
		}
		return a.idx < b.idx
	}
	total := 0
	for i := range p.Phases {
		total += len(p.Phases[i].Steps)
	}
	ids := make([]string, 0, total)
	keys := make([]key, 0, total)
	at := make(map[string]int, total)
	for i := range p.Phases {
		ph := &p.Phases[i]
		for j, st := range ph.Steps {
			k := key{bucket: 0, phase: i, idx: j}
			switch {
			case ph.ID == PhaseSCP || ph.ID == PhaseConfig || ph.ID == PhaseRegistration:
				k.bucket, k.wave = 1, st.Wave
			case ph.Number > 4:
				k.bucket = 2
			}
			at[st.ID] = len(ids)
			ids = append(ids, st.ID)
			keys = append(keys, k)
		}
	}
	// Kahn's algorithm with a heap of the ready steps, by key.
	waiting := make([]int, len(ids))
	next := make([][]int, len(ids))
	for i := range p.Phases {
		for _, st := range p.Phases[i].Steps {
			n := at[st.ID]
			for _, d := range st.DependsOn {
				if di, ok := at[d]; ok {
					waiting[n]++
					next[di] = append(next[di], n)
				}
			}
		}
	}
	h := &stepHeap{less: func(a, b int) bool { return less(keys[a], keys[b]) }}
	for n := range ids {
		if waiting[n] == 0 {
			heap.Push(h, n)
		}
	}
	out := make([]string, 0, len(ids))
	placed := make([]bool, len(ids))
	for h.Len() > 0 {
		n := heap.Pop(h).(int)
		placed[n] = true
		out = append(out, ids[n])
		for _, m := range next[n] {
			if waiting[m]--; waiting[m] == 0 {
				heap.Push(h, m)
			}
		}
	}
	if len(out) < len(ids) { // a dependency cycle: never built, but never lose a step
		var rest []int
		for n := range ids {
			if !placed[n] {
				rest = append(rest, n)
			}
		}
		sort.Slice(rest, func(a, b int) bool { return less(keys[rest[a]], keys[rest[b]]) })
		for _, n := range rest {
			out = append(out, ids[n])
		}
	}
	return out
}

// stepHeap is a min-heap of step indexes (container/heap).
type stepHeap struct {
	items []int
	less  func(a, b int) bool
}

func (h *stepHeap) Len() int           { return len(h.items) }
func (h *stepHeap) Less(i, j int) bool { return h.less(h.items[i], h.items[j]) }
func (h *stepHeap) Swap(i, j int)      { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *stepHeap) Push(x any)         { h.items = append(h.items, x.(int)) }
func (h *stepHeap) Pop() any {
	last := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return last
}

// Blocked says, for every step that cannot run, why: the blocker on the step itself, or the
// blocked step it waits for (directly or through other steps). Steps that can run are absent.
func (p *Plan) Blocked() map[string]string {
	out := map[string]string{}
	for _, st := range p.OrderedSteps() {
		if st.Blocked != "" {
			out[st.ID] = st.Blocked
			continue
		}
		for _, d := range st.DependsOn {
			if _, ok := out[d]; ok {
				out[st.ID] = "waits for blocked step " + d
				break
			}
		}
	}
	return out
}
