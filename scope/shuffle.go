package scope

import (
	"math/rand"
	"reflect"

	"github.com/lz2ct/lz2ct/inventory"
)

// Shuffle puts every list of a snapshot in a random order, nested lists included, except those
// whose order means something (a pipeline's stages). The order-independence tests of the scope,
// the checks and the planner use it: whatever order discovery returns lists in, the result is the same.
func Shuffle(r *rand.Rand, snap *inventory.Snapshot) {
	shuffle(r, reflect.ValueOf(snap).Elem(), "")
}

func shuffle(r *rand.Rand, v reflect.Value, field string) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			shuffle(r, v.Elem(), field)
		}
	case reflect.Slice:
		if field != "Stages" {
			r.Shuffle(v.Len(), reflect.Swapper(v.Interface()))
		}
		for i := 0; i < v.Len(); i++ {
			shuffle(r, v.Index(i), "")
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				shuffle(r, v.Field(i), v.Type().Field(i).Name)
			}
		}
	}
}
