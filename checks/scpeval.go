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
				st.Conditions = append(st.Conditions, Condition{Operator: op, Key: k, Values: vals})
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
}

// context returns the request's known condition keys, lower-cased. Keys not listed are unknown:
// a condition on them makes the statement "may apply".
func (r Request) context() map[string]string {
	c := map[string]string{}
	if r.PrincipalARN != "" {
		c["aws:principalarn"] = r.PrincipalARN
	}
	if r.Account != "" {
		c["aws:principalaccount"] = r.Account
	}
	if r.Region != "" {
		c["aws:requestedregion"] = r.Region
	}
	if r.OrgID != "" {
		c["aws:principalorgid"] = r.OrgID
	}
	return c
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
	var ctx map[string]string
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
		if ctx == nil {
			ctx = r.context()
		}
		cond, condNote := evalConditions(st.Conditions, ctx)
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
		if !st.hasNotResource && contains(st.Resource, "*") {
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
func evalConditions(conds []Condition, ctx map[string]string) (tri, string) {
	result := triTrue
	var notes []string
	for _, c := range conds {
		t, note := evalCondition(c, ctx)
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
func evalCondition(c Condition, ctx map[string]string) (tri, string) {
	op := c.Operator
	setOp := ""
	if i := strings.Index(op, ":"); i > 0 {
		setOp, op = strings.ToLower(op[:i]), op[i+1:]
	}
	ifExists := false
	if strings.HasSuffix(op, "IfExists") {
		ifExists, op = true, strings.TrimSuffix(op, "IfExists")
	}
	val, known := ctx[strings.ToLower(c.Key)]
	desc := fmt.Sprintf("condition %s on %s", c.Operator, c.Key)
	if !known {
		return triMaybe, desc + " cannot be evaluated before the call (unknown key)"
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
		return triMaybe, desc + " is not evaluated by lz2ct"
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

// Evaluator evaluates requests against the SCPs of one snapshot, parsing each policy once.
type Evaluator struct {
	ix      *inventory.Index
	enabled bool
	parsed  map[string]*PolicyDoc
	errs    map[string]error
}

// NewEvaluator prepares an evaluator. SCPs count only when the root has the SERVICE_CONTROL_POLICY
// type enabled (or lists no types but has policies attached: older snapshots).
func NewEvaluator(ix *inventory.Index) *Evaluator {
	e := &Evaluator{ix: ix, parsed: map[string]*PolicyDoc{}, errs: map[string]error{}, enabled: true}
	s := ix.Snapshot()
	for _, r := range s.Roots {
		if len(r.PolicyTypes) > 0 && !contains(r.PolicyTypes, "SERVICE_CONTROL_POLICY") {
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
	}
	return e
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

// Evaluate decides r for an account or OU. SCPs never restrict the management account
// (orgs_manage_policies_scps.html), so it always gets an empty decision.
func (e *Evaluator) Evaluate(targetID string, r Request) Decision {
	var d Decision
	if !e.enabled || targetID == e.ix.Snapshot().Organization.ManagementAccountID {
		return d
	}
	for _, level := range e.Path(targetID) {
		ids := e.ix.PoliciesOn(level)
		if len(ids) == 0 {
			// Every root, OU and account has at least one SCP while SCPs are enabled; none here
			// means the snapshot did not record them, so do not invent an implicit deny.
			continue
		}
		allowed, maybe := false, false
		for _, id := range ids {
			doc := e.parsed[id]
			if doc == nil {
				if !contains(d.Unparsable, id) {
					d.Unparsable = append(d.Unparsable, id)
				}
				maybe = true
				continue
			}
			pol := e.ix.Policy(id)
			for _, m := range doc.Match("Deny", r) {
				d.Denies = append(d.Denies, Verdict{PolicyID: id, PolicyName: pol.Name, AttachedTo: level, Sid: m.Sid, Certain: m.Certain, Note: m.Note})
			}
			if !allowed {
				for _, m := range doc.Match("Allow", r) {
					if m.Certain {
						allowed = true
						break
					}
					maybe = true
				}
			}
		}
		switch {
		case allowed:
		case maybe:
			d.MaybeAllowedAt = append(d.MaybeAllowedAt, level)
		default:
			d.NotAllowedAt = append(d.NotAllowedAt, level)
		}
	}
	return d
}
