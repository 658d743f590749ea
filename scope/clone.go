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
// in one go (a memmove), and each slice's elements are copied together before the few fields that
// need it are copied deeper in place, following a plan made once per type (copierFor): a
// 10,000-account snapshot is copied without a reflect.New per element.
func deepCopy(v reflect.Value) reflect.Value {
	c := copierFor(v.Type())
	if c == nil {
		return v
	}
	out := reflect.New(v.Type()).Elem()
	out.Set(v)
	c.fix(out)
	return out
}

// copier is the plan for deep-copying one type whose values share memory when copied (needsDeep).
type copier struct {
	kind reflect.Kind
	typ  reflect.Type
	// elem copies a pointer's, slice's, map's or array's element deeper; nil when a shallow copy
	// of the element is already independent.
	elem *copier
	// fields are a struct's exported fields that need copying deeper, with their copiers.
	fields []int
	copies []*copier
}

var copiers sync.Map // reflect.Type -> *copier (nil when the type needs no deep copy)

func copierFor(t reflect.Type) *copier {
	if c, ok := copiers.Load(t); ok {
		return c.(*copier)
	}
	var c *copier
	if needsDeep(t) {
		c = &copier{kind: t.Kind(), typ: t}
		switch t.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Array:
			c.elem = copierFor(t.Elem())
		case reflect.Struct:
			for i := 0; i < t.NumField(); i++ {
				if f := t.Field(i); f.IsExported() {
					if fc := copierFor(f.Type); fc != nil {
						c.fields = append(c.fields, i)
						c.copies = append(c.copies, fc)
					}
				}
			}
		}
	}
	copiers.Store(t, c)
	return c
}

// fix replaces what v (addressable, a shallow copy of the original) shares with the original by
// copies of it.
func (c *copier) fix(v reflect.Value) {
	switch c.kind {
	case reflect.Pointer:
		if v.IsNil() {
			return
		}
		out := reflect.New(c.typ.Elem())
		out.Elem().Set(v.Elem())
		if c.elem != nil {
			c.elem.fix(out.Elem())
		}
		v.Set(out)
	case reflect.Slice:
		if v.IsNil() {
			return
		}
		n := v.Len()
		out := reflect.MakeSlice(c.typ, n, n)
		reflect.Copy(out, v)
		if c.elem != nil {
			for i := 0; i < n; i++ {
				c.elem.fix(out.Index(i))
			}
		}
		v.Set(out)
	case reflect.Map:
		if v.IsNil() {
			return
		}
		out := reflect.MakeMapWithSize(c.typ, v.Len())
		iter := v.MapRange()
		for iter.Next() {
			val := iter.Value()
			if c.elem != nil {
				e := reflect.New(c.typ.Elem()).Elem()
				e.Set(val)
				c.elem.fix(e)
				val = e
			}
			out.SetMapIndex(iter.Key(), val)
		}
		v.Set(out)
	case reflect.Array:
		for i := 0; i < v.Len(); i++ {
			c.elem.fix(v.Index(i))
		}
	case reflect.Struct:
		for k, i := range c.fields {
			c.copies[k].fix(v.Field(i))
		}
	}
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
