package plans

import (
	"fmt"
	"reflect"
)

var valueType = reflect.TypeOf(Value{})

// Refs returns every step-output reference in a step's params, in field order.
func Refs(p Params) []Value {
	if p == nil {
		return nil
	}
	var out []Value
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.Struct:
			if v.Type() == valueType {
				if val := v.Interface().(Value); val.IsRef() {
					out = append(out, val)
				}
				return
			}
			for i := 0; i < v.NumField(); i++ {
				walk(v.Field(i))
			}
		case reflect.Slice, reflect.Array:
			for i := 0; i < v.Len(); i++ {
				walk(v.Index(i))
			}
		case reflect.Pointer, reflect.Interface:
			if !v.IsNil() {
				walk(v.Elem())
			}
		}
	}
	walk(reflect.ValueOf(p))
	return out
}

// CheckRefs verifies that every reference in the plan names a step that exists, whose kind
// declares that output, and that the referring step depends on (directly or through other
// steps), so the engine never runs a step before the value it needs exists.
func (p *Plan) CheckRefs() error {
	byID := map[string]*Step{}
	for i := range p.Phases {
		for j := range p.Phases[i].Steps {
			st := &p.Phases[i].Steps[j]
			byID[st.ID] = st
		}
	}
	// reach memoizes each step's transitive dependencies.
	reach := map[string]map[string]bool{}
	var deps func(id string, seen map[string]bool) map[string]bool
	deps = func(id string, seen map[string]bool) map[string]bool {
		if r, ok := reach[id]; ok {
			return r
		}
		if seen[id] {
			return nil // a cycle: reported by the planner's own order checks
		}
		seen[id] = true
		r := map[string]bool{}
		if st := byID[id]; st != nil {
			for _, d := range st.DependsOn {
				r[d] = true
				for x := range deps(d, seen) {
					r[x] = true
				}
			}
		}
		reach[id] = r
		return r
	}
	for i := range p.Phases {
		for _, st := range p.Phases[i].Steps {
			for _, ref := range Refs(st.Params) {
				src := byID[ref.FromStep]
				if src == nil {
					return fmt.Errorf("step %s refers to the output %q of step %s, which is not in the plan", st.ID, ref.Output, ref.FromStep)
				}
				if spec, ok := LookupKind(src.Kind); !ok || !spec.HasOutput(ref.Output) {
					return fmt.Errorf("step %s refers to the output %q of step %s, but kind %s has no such output", st.ID, ref.Output, ref.FromStep, src.Kind)
				}
				if !deps(st.ID, map[string]bool{})[ref.FromStep] {
					return fmt.Errorf("step %s refers to the output of step %s but does not depend on it", st.ID, ref.FromStep)
				}
			}
		}
	}
	return nil
}
