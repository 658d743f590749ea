package plans

import (
	"fmt"
	"reflect"
	"sync"
)

var valueType = reflect.TypeOf(Value{})

// holdsValue caches, per params type, whether it can hold a Value at all: most kinds' params are
// plain strings and numbers, and Refs then returns at once instead of walking them by reflection
// (10,000 steps of a large plan).
var holdsValue sync.Map // reflect.Type -> bool

func canHoldValue(t reflect.Type) bool {
	if v, ok := holdsValue.Load(t); ok {
		return v.(bool)
	}
	var walk func(t reflect.Type, seen map[reflect.Type]bool) bool
	walk = func(t reflect.Type, seen map[reflect.Type]bool) bool {
		if t == valueType {
			return true
		}
		if seen[t] {
			return false
		}
		seen[t] = true
		switch t.Kind() {
		case reflect.Struct:
			for i := 0; i < t.NumField(); i++ {
				if walk(t.Field(i).Type, seen) {
					return true
				}
			}
		case reflect.Slice, reflect.Array, reflect.Pointer:
			return walk(t.Elem(), seen)
		case reflect.Interface, reflect.Map:
			return true // unknown until walked
		}
		return false
	}
	ok := walk(t, map[reflect.Type]bool{})
	holdsValue.Store(t, ok)
	return ok
}

// Refs returns every step-output reference in a step's params, in field order.
func Refs(p Params) []Value {
	if p == nil || !canHoldValue(reflect.TypeOf(p)) {
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
//
// A reference is nearly always to a direct dependency; otherwise a depth-first search from the
// referring step looks for the source, marking the steps it visited with the search's number, so
// no per-step set of transitive dependencies is built (that was most of a 10,000-account
// runbook's time reading its plan).
func (p *Plan) CheckRefs() error {
	n := p.StepCount()
	steps := make([]*Step, 0, n)
	index := make(map[string]int32, n)
	for i := range p.Phases {
		for j := range p.Phases[i].Steps {
			st := &p.Phases[i].Steps[j]
			index[st.ID] = int32(len(steps))
			steps = append(steps, st)
		}
	}
	var seen []uint32 // seen[i] == search: step i visited by the current search
	var stack []int32
	search := uint32(0)
	dependsOn := func(from int32, target string) bool {
		if seen == nil {
			seen = make([]uint32, len(steps))
		}
		search++
		stack = append(stack[:0], from)
		seen[from] = search
		for len(stack) > 0 {
			st := steps[stack[len(stack)-1]]
			stack = stack[:len(stack)-1]
			for _, d := range st.DependsOn {
				if d == target {
					return true
				}
				if di, ok := index[d]; ok && seen[di] != search {
					seen[di] = search
					stack = append(stack, di)
				}
			}
		}
		return false
	}
	for i, st := range steps {
		for _, ref := range Refs(st.Params) {
			si, ok := index[ref.FromStep]
			if !ok {
				return fmt.Errorf("step %s refers to the output %q of step %s, which is not in the plan", st.ID, ref.Output, ref.FromStep)
			}
			src := steps[si]
			if spec, ok := LookupKind(src.Kind); !ok || !spec.HasOutput(ref.Output) {
				return fmt.Errorf("step %s refers to the output %q of step %s, but kind %s has no such output", st.ID, ref.Output, ref.FromStep, src.Kind)
			}
			if !dependsOn(int32(i), ref.FromStep) {
				return fmt.Errorf("step %s refers to the output of step %s but does not depend on it", st.ID, ref.FromStep)
			}
		}
	}
	return nil
}
