package scope

import (
	"reflect"
	"sync"

	"github.com/lz2ct/lz2ct/inventory"
)

// canonical returns a deep copy of snap in the snapshot's canonical order (inventory's Sort), so
// that everything computed from it — this scope, the checks, the plan — is the same whatever order
// the snapshot's lists came in. The caller's snapshot is never reordered: an Index built on it holds
// pointers into its slices.
func canonical(snap *inventory.Snapshot) *inventory.Snapshot {
	c := deepCopy(reflect.ValueOf(snap)).Interface().(*inventory.Snapshot)
	c.Sort()
	return c
}

// deepCopy copies pointers, slices and maps recursively, so that fields added to the model later are
// copied too. The model has no cycles. Values without pointers, slices or maps inside are copied
// in one go (a memmove), which keeps a 10,000-account snapshot's copy cheap.
func deepCopy(v reflect.Value) reflect.Value {
	if !needsDeep(v.Type()) {
		return v
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return v
		}
		out := reflect.New(v.Elem().Type())
		out.Elem().Set(deepCopy(v.Elem()))
		return out
	case reflect.Slice:
		if v.IsNil() {
			return v
		}
		out := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		reflect.Copy(out, v)
		if needsDeep(v.Type().Elem()) {
			for i := 0; i < v.Len(); i++ {
				out.Index(i).Set(deepCopy(v.Index(i)))
			}
		}
		return out
	case reflect.Map:
		if v.IsNil() {
			return v
		}
		out := reflect.MakeMapWithSize(v.Type(), v.Len())
		iter := v.MapRange()
		for iter.Next() {
			out.SetMapIndex(iter.Key(), deepCopy(iter.Value()))
		}
		return out
	case reflect.Struct:
		out := reflect.New(v.Type()).Elem()
		out.Set(v) // every field by value, unexported ones (time.Time's) included
		for i := 0; i < v.NumField(); i++ {
			if f := out.Field(i); f.CanSet() && needsDeep(f.Type()) {
				f.Set(deepCopy(v.Field(i)))
			}
		}
		return out
	}
	return v
}

var deepTypes sync.Map // reflect.Type -> bool

// needsDeep reports whether a value of the type shares memory when copied: it holds a pointer,
// slice or map (time.Time's location pointer is shared on purpose: it is immutable).
func needsDeep(t reflect.Type) bool {
	if d, ok := deepTypes.Load(t); ok {
		return d.(bool)
	}
	var d bool
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Map:
		d = true
	case reflect.Struct:
		if t.PkgPath() == "time" {
			break
		}
		deepTypes.Store(t, false) // no cycles in the model; guards recursion regardless
		for i := 0; i < t.NumField(); i++ {
			if t.Field(i).IsExported() && needsDeep(t.Field(i).Type) {
				d = true
			}
		}
	case reflect.Array:
		d = needsDeep(t.Elem())
	}
	deepTypes.Store(t, d)
	return d
}
