// Package strictjson reads JSON into Go structs strictly and in one pass, and writes them in one
// canonical indented form. It exists for lz2ct's snapshot files, which reach hundreds of megabytes
// for the largest organizations: encoding/json needs two passes to name the JSON path of a
// problem and holds the whole encoded file (twice, when indenting) in memory.
//
// The codec is generic over the Go types it is given: each type is compiled once, by reflection,
// into a table of fields and offsets, and decoding walks the input bytes and the table together.
// A new struct field with a json tag works without any other change.
//
// What it accepts and produces is what encoding/json does for the same types (field names from
// json tags, omitempty and omitzero, null as the zero value, time.Time and other json.Marshaler /
// encoding.TextMarshaler types through their methods, invalid UTF-8 replaced by U+FFFD), with
// three deliberate differences, all stricter: a member name must match its field exactly (not
// case-insensitively), an unknown member is an error, and a member given twice is an error.
// Encoding is byte-identical to encoding/json's Encoder with SetEscapeHTML(false) and
// SetIndent("", "  "); the tests compare the two.
//
// Errors are *Error values naming the JSON path of the problem ("$.accounts[3].iam.stackSetExecutionRole").
package strictjson

import (
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"time"
	"unsafe"
)

type kind uint8

const (
	kString kind = iota
	kBool
	kInt
	kUint
	kFloat
	kStruct
	kPtr
	kSlice
	kMap
	kTime      // time.Time: RFC 3339 strings, with messages that say so
	kMarshaler // json.Marshaler and json.Unmarshaler
	kText      // encoding.TextMarshaler and encoding.TextUnmarshaler, as JSON strings
	kIface     // an interface-typed field of a struct that implements InterfaceTyper
)

// InterfaceTyper is implemented, on the pointer, by a struct with interface-typed fields (a plan
// step's params, whose type its kind names). The decoder decodes the object's other members
// first, then asks which concrete type the member of each such field holds, and decodes it into
// a new value of that type; null or an absent member leaves the field nil. The encoder writes an
// interface field's dynamic value. Such a struct is decoded as a struct even when it also
// implements json.Unmarshaler (for encoding/json's sake).
type InterfaceTyper interface {
	JSONInterfaceType(field string) (reflect.Type, error)
}

// codec is the compiled form of one Go type.
type codec struct {
	kind kind
	typ  reflect.Type
	size uintptr
	bits int // for kInt, kUint, kFloat

	// kStruct
	fields []field
	byName map[string]int
	typer  bool // *typ implements InterfaceTyper

	// kPtr, kSlice, kMap
	elem *codec
	// emptySlice is the data pointer of a non-nil empty slice of typ (kSlice): "[]" decodes to it.
	emptySlice unsafe.Pointer
	// id indexes a decoder's per-type scratch slices (kSlice).
	id int
}

type field struct {
	name      string
	quoted    string // `"name"`, what the encoder writes before the colon
	offset    uintptr
	codec     *codec
	omitEmpty bool
	omitZero  bool
	isZero    func(unsafe.Pointer) bool // the type's IsZero method, for omitzero; nil = all bytes zero
}

var (
	mu       sync.Mutex
	compiled = map[reflect.Type]*codec{}
	nextID   int

	timeType            = reflect.TypeFor[time.Time]()
	jsonMarshalerType   = reflect.TypeFor[json.Marshaler]()
	jsonUnmarshalerType = reflect.TypeFor[json.Unmarshaler]()
	textMarshalerType   = reflect.TypeFor[encoding.TextMarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
	isZeroerType        = reflect.TypeFor[interface{ IsZero() bool }]()
	typerType           = reflect.TypeFor[InterfaceTyper]()
)

// codecFor returns the compiled codec of t, compiling it (and every type it contains) on first use.
// A type the codec cannot represent panics with a message naming it: that is a programming error
// in the model, found by the first test that loads a snapshot.
func codecFor(t reflect.Type) *codec {
	mu.Lock()
	defer mu.Unlock()
	return compile(t)
}

func compile(t reflect.Type) *codec {
	if c, ok := compiled[t]; ok {
		return c
	}
	c := &codec{typ: t, size: t.Size()}
	compiled[t] = c // before the fields, so that recursive types terminate
	pt := reflect.PointerTo(t)
	switch {
	case t.Kind() == reflect.Struct && pt.Implements(typerType):
		c.kind, c.typer = kStruct, true
		compileStruct(c, t)
		return c
	case t == timeType:
		c.kind = kTime
		return c
	case t.Kind() != reflect.Pointer && (t.Implements(jsonMarshalerType) || pt.Implements(jsonUnmarshalerType)):
		if !pt.Implements(jsonUnmarshalerType) || !(t.Implements(jsonMarshalerType) || pt.Implements(jsonMarshalerType)) {
			panic(fmt.Sprintf("strictjson: %s implements only one of json.Marshaler and json.Unmarshaler", t))
		}
		c.kind = kMarshaler
		return c
	case t.Kind() != reflect.Pointer && (t.Implements(textMarshalerType) || pt.Implements(textUnmarshalerType)):
		if !pt.Implements(textUnmarshalerType) || !(t.Implements(textMarshalerType) || pt.Implements(textMarshalerType)) {
			panic(fmt.Sprintf("strictjson: %s implements only one of encoding.TextMarshaler and encoding.TextUnmarshaler", t))
		}
		c.kind = kText
		return c
	}
	switch t.Kind() {
	case reflect.String:
		c.kind = kString
	case reflect.Bool:
		c.kind = kBool
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		c.kind, c.bits = kInt, t.Bits()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		c.kind, c.bits = kUint, t.Bits()
	case reflect.Float32, reflect.Float64:
		c.kind, c.bits = kFloat, t.Bits()
	case reflect.Interface:
		// Only as a field of an InterfaceTyper struct (compileStruct checks).
		c.kind = kIface
	case reflect.Pointer:
		c.kind = kPtr
		c.elem = compile(t.Elem())
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			panic(fmt.Sprintf("strictjson: %s: byte slices (base64 in encoding/json) are not supported", t))
		}
		c.kind = kSlice
		c.elem = compile(t.Elem())
		c.emptySlice = reflect.MakeSlice(t, 0, 0).UnsafePointer()
		c.id = nextID
		nextID++
	case reflect.Map:
		if t.Key().Kind() != reflect.String || t.Key().Implements(textMarshalerType) {
			panic(fmt.Sprintf("strictjson: %s: only maps with string keys are supported", t))
		}
		c.kind = kMap
		c.elem = compile(t.Elem())
	case reflect.Struct:
		c.kind = kStruct
		compileStruct(c, t)
	default:
		panic(fmt.Sprintf("strictjson: %s (%s) is not supported: use a string, bool, number, struct, pointer, slice or map[string]T", t, t.Kind()))
	}
	return c
}

func compileStruct(c *codec, t reflect.Type) {
	c.byName = map[string]int{}
	for i := range t.NumField() {
		sf := t.Field(i)
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		if sf.Anonymous {
			// An embedded struct without a tag: its members are the outer object's, as in
			// encoding/json (which lets a shallower field hide a deeper one; here any name
			// given twice panics below).
			ec := compile(sf.Type)
			if tag != "" || ec.kind != kStruct || ec.typer {
				panic(fmt.Sprintf("strictjson: %s.%s: only untagged embedded structs are supported; give the field a name", t, sf.Name))
			}
			for _, f := range ec.fields {
				f.offset += sf.Offset
				if _, dup := c.byName[f.name]; dup {
					panic(fmt.Sprintf("strictjson: %s: two fields named %q", t, f.name))
				}
				c.byName[f.name] = len(c.fields)
				c.fields = append(c.fields, f)
			}
			continue
		}
		if !sf.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" {
			name = sf.Name
		}
		f := field{name: name, offset: sf.Offset, codec: compile(sf.Type)}
		if f.codec.kind == kIface && !c.typer {
			panic(fmt.Sprintf("strictjson: %s.%s: an interface field needs *%s to implement strictjson.InterfaceTyper", t, sf.Name, t))
		}
		quoted, err := json.Marshal(name)
		if err != nil {
			panic(err)
		}
		f.quoted = string(quoted)
		for opt := range strings.SplitSeq(opts, ",") {
			switch opt {
			case "":
			case "omitempty":
				f.omitEmpty = true
			case "omitzero":
				f.omitZero = true
				f.isZero = isZeroFunc(sf.Type)
			default:
				panic(fmt.Sprintf("strictjson: %s.%s: json tag option %q is not supported", t, sf.Name, opt))
			}
		}
		if _, dup := c.byName[name]; dup {
			panic(fmt.Sprintf("strictjson: %s: two fields named %q", t, name))
		}
		c.byName[name] = len(c.fields)
		c.fields = append(c.fields, f)
	}
}

// isZeroFunc is encoding/json's omitzero rule: the type's IsZero method when it has one.
func isZeroFunc(t reflect.Type) func(unsafe.Pointer) bool {
	switch {
	case t.Kind() == reflect.Pointer && t.Implements(isZeroerType):
		return func(p unsafe.Pointer) bool {
			v := reflect.NewAt(t, p).Elem()
			return v.IsNil() || v.Interface().(interface{ IsZero() bool }).IsZero()
		}
	case t.Implements(isZeroerType):
		return func(p unsafe.Pointer) bool {
			return reflect.NewAt(t, p).Elem().Interface().(interface{ IsZero() bool }).IsZero()
		}
	case reflect.PointerTo(t).Implements(isZeroerType):
		return func(p unsafe.Pointer) bool {
			return reflect.NewAt(t, p).Interface().(interface{ IsZero() bool }).IsZero()
		}
	}
	return nil
}

// sliceHeader is the memory layout of a Go slice; writing one through this type keeps the
// garbage collector's write barrier on the data pointer.
type sliceHeader struct {
	data unsafe.Pointer
	len  int
	cap  int
}

func add(p unsafe.Pointer, off uintptr) unsafe.Pointer { return unsafe.Add(p, off) }
