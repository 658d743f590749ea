package scope

import (
	"reflect"

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
// copied too. The model has no cycles.
func deepCopy(v reflect.Value) reflect.Value {
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
		for i := 0; i < v.Len(); i++ {
			out.Index(i).Set(deepCopy(v.Index(i)))
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
		out.Set(v) // unexported fields (time.Time's) are copied by value
		for i := 0; i < v.NumField(); i++ {
			if out.Field(i).CanSet() {
				out.Field(i).Set(deepCopy(v.Field(i)))
			}
		}
		return out
	}
	return v
}
