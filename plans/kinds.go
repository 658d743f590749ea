package plans

import (
	"fmt"
	"reflect"
	"sort"
)

// Params is a step's typed parameter object. Every step kind has exactly one Params type whose
// shape is fixed, so the engine executes a step from its params alone and never parses step IDs,
// titles or commands. Field docs come from the `desc` struct tag (docs/plan.md is generated).
type Params interface {
	// Kind is the step kind these params belong to.
	Kind() string
}

// KindSpec describes one step kind: what it does, its params type, the outputs later steps may
// reference, and the AWS operations an implementation may call (observe, act, await, verify).
type KindSpec struct {
	Kind    string
	Summary string
	// Params is the zero value of the kind's params type.
	Params Params
	// Outputs are the names other steps may reference with Out(step, name).
	Outputs []string
	// Operations are the AWS operations ("service:Operation", as the awsapi table names them) the
	// kind may call; docs/plan.md maps them to IAM actions.
	Operations []string
}

var kindSpecs = map[string]KindSpec{}

// registerKind adds a kind to the catalogue; kind files call it from init().
func registerKind(k KindSpec) {
	if k.Params == nil || k.Params.Kind() != k.Kind {
		panic(fmt.Sprintf("plans: kind %q registered with params of kind %v", k.Kind, k.Params))
	}
	if _, dup := kindSpecs[k.Kind]; dup {
		panic("plans: kind registered twice: " + k.Kind)
	}
	kindSpecs[k.Kind] = k
}

// Kinds returns the catalogue, sorted by kind.
func Kinds() []KindSpec {
	out := make([]KindSpec, 0, len(kindSpecs))
	for _, k := range kindSpecs {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Kind < out[j].Kind })
	return out
}

// LookupKind returns the spec of a kind.
func LookupKind(kind string) (KindSpec, bool) {
	k, ok := kindSpecs[kind]
	return k, ok
}

// newParams returns a pointer to a fresh zero value of the kind's params type, for decoding.
func newParams(kind string) (any, bool) {
	k, ok := kindSpecs[kind]
	if !ok {
		return nil, false
	}
	return reflect.New(reflect.TypeOf(k.Params)).Interface(), true
}

// HasOutput reports whether a kind declares an output name.
func (k KindSpec) HasOutput(name string) bool {
	for _, o := range k.Outputs {
		if o == name {
			return true
		}
	}
	return false
}
