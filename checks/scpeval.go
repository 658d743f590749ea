package checks

// SCP evaluation: parse service control policy documents and decide whether the SCPs that apply to
// an account deny (or fail to allow) one action done by one principal. Control Tower's roles need
// the actions to be neither denied anywhere on the path root → OUs → account nor left out of an
// allow-list at any level.
//
// Evaluation logic: https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html
// Policy grammar:   https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
// Conditions:       https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/lz2ct/lz2ct/inventory"
)

// PolicyDoc is a parsed SCP document.
type PolicyDoc struct {
	Statements []Statement
}

// Statement is one policy statement. Actions are kept lower-case: IAM matches them
// case-insensitively; resources and condition values keep their case.
type Statement struct {
	Sid         string
	Effect      string // "Allow" | "Deny"
	Action      []string
	NotAction   []string
	Resource    []string
	NotResource []string
	Conditions  []Condition
	// hasNotAction / hasNotResource: the element is present (an empty list still inverts).
	hasNotAction, hasNotResource bool
}

// Condition is one operator/key pair of a Condition block with its values (OR-ed).
type Condition struct {
	Operator string // as written, e.g. "ArnNotLike", "ForAnyValue:StringEquals", "StringLikeIfExists"
	Key      string
	Values   []string
	keyLower string
}

type rawStatement struct {
	Sid         string
	Effect      string
	Principal   json.RawMessage
	Action      json.RawMessage
	NotAction   json.RawMessage
	Resource    json.RawMessage
	NotResource json.RawMessage
	Condition   map[string]map[string]json.RawMessage
}

// ParsePolicy parses a policy document: Statement as an object or an array; Action, NotAction,
// Resource and NotResource as a string or an array; condition values as a string, bool, number or
// an array of them.
func ParsePolicy(doc string) (*PolicyDoc, error) {
	var top struct {
		Version   string
		Statement json.RawMessage
	}
	if err := json.Unmarshal([]byte(doc), &top); err != nil {
		return nil, fmt.Errorf("policy is not valid JSON: %w", err)
	}
	if len(top.Statement) == 0 {
		return nil, errors.New("policy has no Statement")
	}
	var raws []rawStatement
	if t := bytes.TrimSpace(top.Statement); len(t) > 0 && t[0] == '[' {
		if err := json.Unmarshal(t, &raws); err != nil {
			return nil, fmt.Errorf("Statement: %w", err)
		}
	} else {
		var one rawStatement
		if err := json.Unmarshal(t, &one); err != nil {
			return nil, fmt.Errorf("Statement: %w", err)
		}
		raws = []rawStatement{one}
	}
	p := &PolicyDoc{}
	for i, r := range raws {
		st := Statement{Sid: r.Sid, Effect: r.Effect}
		if !strings.EqualFold(r.Effect, "Allow") && !strings.EqualFold(r.Effect, "Deny") {
			return nil, fmt.Errorf("Statement[%d]: Effect %q is neither Allow nor Deny", i, r.Effect)
		}
		var err error
		if st.Action, err = stringList(r.Action); err != nil {
			return nil, fmt.Errorf("Statement[%d].Action: %w", i, err)
		}
		if st.NotAction, err = stringList(r.NotAction); err != nil {
			return nil, fmt.Errorf("Statement[%d].NotAction: %w", i, err)
		}
		st.hasNotAction = len(r.NotAction) > 0
		if st.Resource, err = stringList(r.Resource); err != nil {
			return nil, fmt.Errorf("Statement[%d].Resource: %w", i, err)
		}
		if st.NotResource, err = stringList(r.NotResource); err != nil {
			return nil, fmt.Errorf("Statement[%d].NotResource: %w", i, err)
		}
		st.hasNotResource = len(r.NotResource) > 0
		if len(st.Action) == 0 && !st.hasNotAction {
			return nil, fmt.Errorf("Statement[%d]: needs Action or NotAction", i)
		}
		for k := range st.Action {
			st.Action[k] = strings.ToLower(st.Action[k])
		}
		for k := range st.NotAction {
			st.NotAction[k] = strings.ToLower(st.NotAction[k])
		}
		ops := make([]string, 0, len(r.Condition))
		for op := range r.Condition {
			ops = append(ops, op)
		}
		sort.Strings(ops)
		for _, op := range ops {
			keys := make([]string, 0, len(r.Condition[op]))
			for k := range r.Condition[op] {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				vals, err := stringList(r.Condition[op][k])
				if err != nil {
					return nil, fmt.Errorf("Statement[%d].Condition.%s.%s: %w", i, op, k, err)
				}
				st.Conditions = append(st.Conditions, Condition{Operator: op, Key: k, Values: vals, keyLower: strings.ToLower(k)})
			}
		}
		p.Statements = append(p.Statements, st)
	}
	return p, nil
}

// stringList decodes a string, a bool, a number or an array of those.
func stringList(raw json.RawMessage) ([]string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	one := func(x any) (string, error) {
		switch t := x.(type) {
		case string:
			return t, nil
		case bool:
			return fmt.Sprint(t), nil
		case json.Number:
			return t.String(), nil
		}
		return "", fmt.Errorf("expected a string, got %T", x)
	}
	if arr, ok := v.([]any); ok {
		out := make([]string, 0, len(arr))
		for _, x := range arr {
			s, err := one(x)
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		}
		return out, nil
	}
	s, err := one(v)
	if err != nil {
		return nil, err
	}
	return []string{s}, nil
}

// Request is one action to evaluate: who does what to which resource, from which account.
type Request struct {
	Action string // "config:DeleteConfigurationRecorder"
	// Resource is the ARN acted on; "" when it is not known in advance (then a statement scoped to
	// specific resources "may apply").
	Resource     string
	PrincipalARN string // arn:aws:iam::<acct>:role/AWSControlTowerExecution
	Account      string
	Region       string // "" for global actions or when any region
	OrgID        string
	// Key, when set, says that every request with the same Key is this request with only the
	// account ID changed (in Account, PrincipalARN and Resource). The evaluator then reuses
	// results for policies that do not depend on the account, which keeps a 10,000-account
	// organization fast. Leave it empty when unsure.
	Key string
}

// lookup returns a known condition key (lower-case name) of the request. Keys not handled here
// are unknown: a condition on them makes the statement "may apply".
func (r *Request) lookup(key string) (string, bool) {
	var v string
	switch key {
	case "aws:principalarn":
		v = r.PrincipalARN
	case "aws:principalaccount":
		v = r.Account
	case "aws:requestedregion":
		v = r.Region
	case "aws:principalorgid":
		v = r.OrgID
	}
	return v, v != ""
}

// tri is a three-valued truth: conditions on keys lz2ct cannot know make a statement "maybe".
type tri int

const (
	triFalse tri = iota
	triMaybe
	triTrue
)

// StatementMatch says a statement applies to a request; Certain is false when it depends on
// something lz2ct cannot know (a condition key outside the request context, an operator it does
// not evaluate, or a resource pattern when the resource is not known), and Note says what.
type StatementMatch struct {
	Index   int
	Sid     string
	Certain bool
	Note    string
}

// Match returns the statements with the given effect that apply to r.
func (p *PolicyDoc) Match(effect string, r Request) []StatementMatch {
	action := strings.ToLower(r.Action)
	var out []StatementMatch
	for i := range p.Statements {
		st := &p.Statements[i]
		if !strings.EqualFold(st.Effect, effect) {
			continue
		}
		if !st.matchesAction(action) {
			continue
		}
		res, resNote := st.matchesResource(r.Resource)
		if res == triFalse {
			continue
		}
		cond, condNote := evalConditions(st.Conditions, &r)
		if cond == triFalse {
			continue
		}
		m := StatementMatch{Index: i, Sid: st.Sid, Certain: res == triTrue && cond == triTrue}
		m.Note = strings.TrimPrefix(resNote+"; "+condNote, "; ")
		m.Note = strings.TrimSuffix(m.Note, "; ")
		out = append(out, m)
	}
	return out
}

func (st *Statement) matchesAction(action string) bool {
	if st.hasNotAction {
		for _, p := range st.NotAction {
			if wildMatch(p, action) {
				return false
			}
		}
		return true
	}
	for _, p := range st.Action {
		if wildMatch(p, action) {
			return true
		}
	}
	return false
}

func (st *Statement) matchesResource(res string) (tri, string) {
	if len(st.Resource) == 0 && !st.hasNotResource {
		return triTrue, "" // SCPs may omit Resource; it then means every resource
	}
	if res == "" {
		if !st.hasNotResource && slices.Contains(st.Resource, "*") {
			return triTrue, ""
		}
		return triMaybe, "applies only to some resources (" + strings.Join(append(st.Resource, st.NotResource...), ", ") + ")"
	}
	if st.hasNotResource {
		for _, p := range st.NotResource {
			if wildMatch(p, res) {
				return triFalse, ""
			}
		}
		return triTrue, ""
	}
	for _, p := range st.Resource {
		if wildMatch(p, res) {
			return triTrue, ""
		}
	}
	return triFalse, ""
}

// evalConditions ANDs the condition block.
func evalConditions(conds []Condition, r *Request) (tri, string) {
	result := triTrue
	var notes []string
	for _, c := range conds {
		t, note := evalCondition(c, r)
		switch t {
		case triFalse:
			return triFalse, ""
		case triMaybe:
			result = triMaybe
			notes = append(notes, note)
		}
	}
	return result, strings.Join(notes, "; ")
}

// evalCondition evaluates one operator on one key. Multiple values are OR-ed; for the negated
// operators that means "matches none of them".
func evalCondition(c Condition, r *Request) (tri, string) {
	op := c.Operator
	setOp := ""
	if i := strings.Index(op, ":"); i > 0 {
		setOp, op = strings.ToLower(op[:i]), op[i+1:]
	}
	ifExists := false
	if strings.HasSuffix(op, "IfExists") {
		ifExists, op = true, strings.TrimSuffix(op, "IfExists")
	}
	val, known := r.lookup(c.keyLower)
	if !known {
		return triMaybe, fmt.Sprintf("condition %s on %s cannot be evaluated before the call (unknown key)", c.Operator, c.Key)
	}
	if op == "Null" {
		// The key is present in our request: Null "true" is false, "false" is true.
		for _, v := range c.Values {
			if strings.EqualFold(v, "false") {
				return triTrue, ""
			}
		}
		return triFalse, ""
	}
	_ = ifExists // every key we know is present, so IfExists changes nothing
	_ = setOp    // our keys are single-valued: ForAnyValue and ForAllValues reduce to the plain operator
	var match func(pattern string) bool
	negate := false
	switch op {
	case "StringEquals", "StringNotEquals":
		match = func(p string) bool { return p == val }
		negate = op == "StringNotEquals"
	case "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase":
		match = func(p string) bool { return strings.EqualFold(p, val) }
		negate = op == "StringNotEqualsIgnoreCase"
	case "StringLike", "StringNotLike":
		match = func(p string) bool { return wildMatchCase(p, val) }
		negate = op == "StringNotLike"
	case "ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike":
		// ArnEquals and ArnLike behave the same: both allow wildcards per ARN segment.
		match = func(p string) bool { return arnMatch(p, val) }
		negate = op == "ArnNotEquals" || op == "ArnNotLike"
	default:
		return triMaybe, fmt.Sprintf("condition %s on %s is not evaluated by lz2ct", c.Operator, c.Key)
	}
	hit := false
	for _, p := range c.Values {
		if match(p) {
			hit = true
			break
		}
	}
	if hit != negate {
		return triTrue, ""
	}
	return triFalse, ""
}

// arnMatch compares an ARN pattern with an ARN segment by segment; wildcards do not cross the
// first five colons (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_ARN).
func arnMatch(pattern, arn string) bool {
	pp := strings.SplitN(pattern, ":", 6)
	ap := strings.SplitN(arn, ":", 6)
	if len(pp) != 6 || len(ap) != 6 {
		return wildMatchCase(pattern, arn)
	}
	for i := range pp {
		if !wildMatchCase(pp[i], ap[i]) {
			return false
		}
	}
	return true
}

// wildMatch matches a lower-case pattern with * and ? against an already lower-cased action.
func wildMatch(pattern, s string) bool { return wildMatchCase(pattern, s) }

// wildMatchCase matches pattern (with * = any run, ? = one character) against s, case-sensitively,
// in linear time without allocating.
func wildMatchCase(p, s string) bool {
	pi, si := 0, 0
	star, mark := -1, 0
	for si < len(s) {
		switch {
		case pi < len(p) && (p[pi] == '?' || p[pi] == s[si]):
			pi++
			si++
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, si
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			si = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

// Verdict is one policy statement that denies (or may deny) a request, and where it is attached.
type Verdict struct {
	PolicyID   string
	PolicyName string
	AttachedTo string // root, OU or account ID the policy is attached to on the path
	Sid        string
	Certain    bool
	Note       string
}

// Decision is the SCP outcome for one request in one account.
type Decision struct {
	// Denies are the Deny statements that apply on the path root → OUs → account.
	Denies []Verdict
	// NotAllowedAt are the levels (root, OU or account IDs) where no attached SCP allows the
	// action: SCPs are allow-lists too, and an action must be allowed at every level.
	NotAllowedAt []string
	// MaybeAllowedAt are levels where only an uncertain Allow covers the action.
	MaybeAllowedAt []string
	// Unparsable are policies on the path that could not be parsed (treated as may-deny).
	Unparsable []string
}

// Denied reports whether a Deny certainly applies or the action is certainly not allowed.
func (d Decision) Denied() bool {
	for _, v := range d.Denies {
		if v.Certain {
			return true
		}
	}
	return len(d.NotAllowedAt) > 0
}

// Blocked reports whether anything on the path denies, may deny or fails to allow the action.
func (d Decision) Blocked() bool {
	return len(d.Denies) > 0 || len(d.NotAllowedAt) > 0 || len(d.MaybeAllowedAt) > 0 || len(d.Unparsable) > 0
}

// Evaluator evaluates requests against the SCPs of one snapshot, parsing each policy once and
// remembering results that do not depend on the account (see Request.Key).
type Evaluator struct {
	ix      *inventory.Index
	enabled bool
	mgmt    string
	parsed  map[string]*PolicyDoc
	errs    map[string]error
	// perAccount marks policies whose outcome may depend on the account ID.
	perAccount map[string]bool
	// prefixes caches, per root or OU and batch, the decisions of the path from the root down to
	// it for each request of the batch (see EvaluateAll).
	prefixes map[prefixKey][]Decision
	matches  map[matchKey][][]StatementMatch
	// independentPath caches, per root or OU, whether no SCP from the root down to it depends on the account.
	independentPath map[string]bool
}

type prefixKey struct{ level, batch string }

type matchKey struct{ policy, effect, batch string }

// NewEvaluator prepares an evaluator. SCPs count only when the root has the SERVICE_CONTROL_POLICY
// type enabled (or lists no types but has policies attached: older snapshots).
func NewEvaluator(ix *inventory.Index) *Evaluator {
	s := ix.Snapshot()
	e := &Evaluator{ix: ix, enabled: true, mgmt: s.Organization.ManagementAccountID,
		parsed: map[string]*PolicyDoc{}, errs: map[string]error{}, perAccount: map[string]bool{},
		prefixes: map[prefixKey][]Decision{}, matches: map[matchKey][][]StatementMatch{}, independentPath: map[string]bool{}}
	for _, r := range s.Roots {
		if len(r.PolicyTypes) > 0 && !slices.Contains(r.PolicyTypes, "SERVICE_CONTROL_POLICY") {
			e.enabled = false
		}
	}
	for i := range s.Policies {
		p := &s.Policies[i]
		doc, err := ParsePolicy(p.Document)
		if err != nil {
			e.errs[p.ID] = err
			continue
		}
		e.parsed[p.ID] = doc
		e.perAccount[p.ID] = doc.dependsOnAccount()
	}
	return e
}

// dependsOnAccount is a conservative test: any condition on the principal's account, or any digit
// in the account field of an ARN in a resource or condition value, may make the outcome differ
// between accounts.
func (p *PolicyDoc) dependsOnAccount() bool {
	arnHasAccount := func(v string) bool {
		parts := strings.SplitN(v, ":", 6)
		return len(parts) >= 5 && strings.ContainsAny(parts[4], "0123456789")
	}
	for _, st := range p.Statements {
		for _, r := range append(append([]string(nil), st.Resource...), st.NotResource...) {
			if arnHasAccount(r) {
				return true
			}
		}
		for _, c := range st.Conditions {
			if c.keyLower == "aws:principalaccount" {
				return true
			}
			for _, v := range c.Values {
				if arnHasAccount(v) {
					return true
				}
			}
		}
	}
	return false
}

// GroupKey returns a key shared by every account whose SCP decisions equal this account's, apart
// from its own ID: same parent, same SCPs of its own, and no SCP on the path that depends on the
// account. shared is false when the account's decisions must be computed on their own.
func (e *Evaluator) GroupKey(accountID string) (key GroupKey, shared bool) {
	parent := e.ix.Parent(accountID)
	if !e.pathIndependent(parent) {
		return GroupKey{}, false
	}
	own := e.ix.PoliciesOn(accountID)
	for _, id := range own {
		if e.perAccount[id] {
			return GroupKey{}, false
		}
	}
	// Join of one policy (the usual case) is that policy: no string is built per account.
	return GroupKey{parent, strings.Join(own, ",")}, true
}

// GroupKey identifies a group of accounts with the same SCP decisions (Evaluator.GroupKey): their
// parent and the SCPs attached to them directly.
type GroupKey struct{ parent, policies string }

func (e *Evaluator) pathIndependent(level string) bool {
	if level == "" {
		return true
	}
	if v, ok := e.independentPath[level]; ok {
		return v
	}
	v := true
	for _, id := range e.ix.PoliciesOn(level) {
		if e.perAccount[id] {
			v = false
		}
	}
	v = v && e.pathIndependent(e.ix.Parent(level))
	e.independentPath[level] = v
	return v
}

// ParseError returns the parse error of a policy, if any.
func (e *Evaluator) ParseError(policyID string) error { return e.errs[policyID] }

// Doc returns the parsed policy, nil when it did not parse.
func (e *Evaluator) Doc(policyID string) *PolicyDoc { return e.parsed[policyID] }

// Path lists the levels whose SCPs apply to target: the root, every OU from the top down, and the
// target itself.
func (e *Evaluator) Path(targetID string) []string {
	anc := e.ix.Ancestors(targetID)
	path := make([]string, 0, len(anc)+1)
	for i := len(anc) - 1; i >= 0; i-- {
		path = append(path, anc[i])
	}
	return append(path, targetID)
}

// Evaluate decides r for an account or OU: the Deny statements of every SCP on the path root →
// OUs → target, and the levels where no SCP allows the action. SCPs never restrict the management
// account (orgs_manage_policies_scps.html), so it always gets an empty decision.
func (e *Evaluator) Evaluate(targetID string, r Request) Decision {
	return e.EvaluateAll(targetID, r.Key, []Request{r})[0]
}

// EvaluateAll is Evaluate for each of rs on one target. batch, when not empty, names the list:
// every call with the same batch passes requests with the same Keys in the same order (Request.Key
// says what may differ). The decisions of the path above the target are then cached per level for
// the whole list, not per request: one lookup per account instead of one per account and request.
func (e *Evaluator) EvaluateAll(targetID, batch string, rs []Request) []Decision {
	out := make([]Decision, len(rs))
	if !e.enabled || targetID == e.mgmt {
		return out
	}
	rs = lowerActions(rs)
	if parent := e.ix.Parent(targetID); parent != "" {
		pre, _ := e.prefix(parent, batch, rs)
		for i, d := range pre {
			out[i] = Decision{Denies: clip(d.Denies), NotAllowedAt: clip(d.NotAllowedAt), MaybeAllowedAt: clip(d.MaybeAllowedAt), Unparsable: clip(d.Unparsable)}
		}
	}
	e.addLevel(out, targetID, batch, rs)
	return out
}

// lowerActions returns rs with lower-case actions (IAM compares actions case-insensitively), a
// copy only when one needs it.
func lowerActions(rs []Request) []Request {
	copied := false
	for i := range rs {
		if lower := strings.ToLower(rs[i].Action); lower != rs[i].Action {
			if !copied {
				rs, copied = slices.Clone(rs), true
			}
			rs[i].Action = lower
		}
	}
	return rs
}

func clip[T any](s []T) []T { return s[:len(s):len(s)] }

// prefix is the decision of the path from the root down to level (a root or OU) for each of rs,
// cached per batch when no policy on the path depends on the account (cachable).
func (e *Evaluator) prefix(level, batch string, rs []Request) (ds []Decision, cachable bool) {
	k := prefixKey{level, batch}
	if batch != "" {
		if ds, ok := e.prefixes[k]; ok {
			return ds, true
		}
	}
	ds, cachable = make([]Decision, len(rs)), true
	if parent := e.ix.Parent(level); parent != "" {
		var pre []Decision
		pre, cachable = e.prefix(parent, batch, rs)
		for i, d := range pre {
			ds[i] = Decision{Denies: clip(d.Denies), NotAllowedAt: clip(d.NotAllowedAt), MaybeAllowedAt: clip(d.MaybeAllowedAt), Unparsable: clip(d.Unparsable)}
		}
	}
	if !e.addLevel(ds, level, batch, rs) {
		cachable = false
	}
	if batch != "" && cachable {
		e.prefixes[k] = ds
	}
	return ds, cachable
}

// addLevel adds one level's SCPs to ds[i] for each rs[i] (a batch, see EvaluateAll) and reports
// whether none of them depends on the account. The level's policies are looked up once for the
// whole batch.
func (e *Evaluator) addLevel(ds []Decision, level, batch string, rs []Request) bool {
	ids := e.ix.PoliciesOn(level)
	if len(ids) == 0 {
		// Every root, OU and account has at least one SCP while SCPs are enabled; none here
		// means the snapshot did not record them, so do not invent an implicit deny.
		return true
	}
	independent := true
	allowed, maybe := make([]bool, len(rs)), make([]bool, len(rs))
	for _, id := range ids {
		if e.perAccount[id] {
			independent = false
		}
		if e.parsed[id] == nil {
			for i := range ds {
				if !slices.Contains(ds[i].Unparsable, id) {
					ds[i].Unparsable = append(ds[i].Unparsable, id)
				}
				maybe[i] = true
			}
			continue
		}
		var name string
		for i, ms := range e.match(id, "Deny", batch, rs) {
			for _, m := range ms {
				if name == "" {
					name = e.ix.Policy(id).Name
				}
				ds[i].Denies = append(ds[i].Denies, Verdict{PolicyID: id, PolicyName: name, AttachedTo: level, Sid: m.Sid, Certain: m.Certain, Note: m.Note})
			}
		}
		for i, ms := range e.match(id, "Allow", batch, rs) {
			for _, m := range ms {
				if allowed[i] {
					break
				}
				if m.Certain {
					allowed[i] = true
					break
				}
				maybe[i] = true
			}
		}
	}
	for i := range ds {
		switch {
		case allowed[i]:
		case maybe[i]:
			ds[i].MaybeAllowedAt = append(ds[i].MaybeAllowedAt, level)
		default:
			ds[i].NotAllowedAt = append(ds[i].NotAllowedAt, level)
		}
	}
	return independent
}

// match returns, for each of rs, the statements of a policy with the effect that apply to it:
// cached per batch for a policy that does not depend on the account.
func (e *Evaluator) match(id, effect, batch string, rs []Request) [][]StatementMatch {
	cache := batch != "" && !e.perAccount[id]
	k := matchKey{id, effect, batch}
	if cache {
		if m, ok := e.matches[k]; ok {
			return m
		}
	}
	out := make([][]StatementMatch, len(rs))
	for i := range rs {
		out[i] = e.parsed[id].Match(effect, rs[i])
	}
	if cache {
		e.matches[k] = out
	}
	return out
}
