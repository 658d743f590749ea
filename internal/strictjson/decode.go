package strictjson

import (
	"encoding"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/maphash"
	"math"
	"math/bits"
	"reflect"
	"strconv"
	"time"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// Error is a problem at one place of the input.
type Error struct {
	// Path is the JSON path of the value in question: "$" for the whole document,
	// "$.accounts[3].id" for a member of an element.
	Path string
	Msg  string
	// Offset is the byte offset in the input where the problem was found.
	Offset int
	// Syntax is true when the input is not well-formed JSON (Path is then "$").
	Syntax bool
}

func (e *Error) Error() string { return e.Path + ": " + e.Msg }

// Unmarshal decodes the JSON document data into v, a non-nil pointer, after setting *v to its
// zero value. Strings are copied out of data: the caller may reuse data afterwards.
func Unmarshal(data []byte, v any) error {
	return UnmarshalProgress(data, v, 0, nil)
}

// UnmarshalProgress is Unmarshal that also calls progress(n) each time it has read about every
// more bytes of data, n being how many bytes it is done with: it never looks at data[:n] again
// (a caller can release that memory). Errors may still quote from anywhere in data.
func UnmarshalProgress(data []byte, v any, every int, progress func(done int)) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		panic(fmt.Sprintf("strictjson: Unmarshal needs a non-nil pointer, got %T", v))
	}
	rv.Elem().SetZero()
	c := codecFor(rv.Type().Elem())
	mu.Lock()
	n := nextID
	mu.Unlock()
	d := decoder{data: data, scratch: make([]*scratch, n), recent: new([internSize]string), progress: progress, every: every}
	err := d.value(c, rv.UnsafePointer())
	if err == nil {
		d.skipWS()
		if d.pos < len(d.data) {
			err = d.syntax("unexpected data after the top-level value")
		}
	}
	if err != nil {
		return err.export()
	}
	return nil
}

// decodeError is an Error under construction: path segments are added innermost first, as the
// recursion unwinds, so that a successful decode never formats a path.
type decodeError struct {
	segs   []string // innermost first
	msg    string
	offset int
	syntax bool
}

func (e *decodeError) member(name string) *decodeError {
	if !e.syntax {
		e.segs = append(e.segs, "."+name)
	}
	return e
}

func (e *decodeError) index(i int) *decodeError {
	if !e.syntax {
		e.segs = append(e.segs, "["+strconv.Itoa(i)+"]")
	}
	return e
}

func (e *decodeError) export() *Error {
	var b []byte
	b = append(b, '$')
	for i := len(e.segs) - 1; i >= 0; i-- {
		b = append(b, e.segs[i]...)
	}
	return &Error{Path: string(b), Msg: e.msg, Offset: e.offset, Syntax: e.syntax}
}

// scratch is where a slice's elements are decoded before the slice of the exact length is made:
// one allocation per slice, whatever its length. Its chunks are kept for the next slice of the
// type; they grow in size up to scratchChunk bytes and are never copied into a larger one, so a
// long slice (a large plan's 10,000 steps) costs its chunks and its exact copy, about twice its
// size, not the four times of a buffer doubled as it fills.
type scratch struct {
	chunks []chunk
	busy   bool
}

type chunk struct {
	v    reflect.Value // a slice of the element type
	base unsafe.Pointer
	n    int
}

// scratchChunk is the size in bytes from which a scratch's chunks stop doubling.
const scratchChunk = 64 << 10

// chunkAt returns the k-th chunk, making it when there is none yet.
func (sc *scratch) chunkAt(c *codec, k int) *chunk {
	if k == len(sc.chunks) {
		n := max(8, min(8<<min(k, 20), scratchChunk/max(int(c.elem.size), 1)))
		v := reflect.MakeSlice(c.typ, n, n)
		sc.chunks = append(sc.chunks, chunk{v: v, base: v.UnsafePointer(), n: n})
	}
	return &sc.chunks[k]
}

// clear zeroes the first n elements (the scratch must not keep them alive, and must be zero for
// the next slice).
func (sc *scratch) clear(n int) {
	for k := 0; n > 0; k++ {
		ch := &sc.chunks[k]
		ch.v.Slice(0, min(n, ch.n)).Clear()
		n -= ch.n
	}
}

type decoder struct {
	data    []byte
	pos     int
	esc     []byte     // strSlow's buffer
	scratch []*scratch // by codec id, made on first use
	// arena holds the bytes of decoded strings: one allocation per 64 KiB instead of one per
	// string. A string keeps its chunk alive, and the chunks hold nothing but string bytes.
	arena []byte
	// recent remembers recently decoded strings by hash, so that a value repeated across the
	// document (a region, a role name, a bucket in every account) is stored once.
	recent *[internSize]string

	progress func(done int)
	every    int // call progress each time pos passes reported+every
	reported int
	// held counts objects whose interface members are still to be decoded (InterfaceTyper):
	// their bytes will be read again, so progress is not reported past them meanwhile.
	held int
}

// internSize is the number of strings remembered: a direct-mapped cache, so a miss costs a hash
// and the memory stays fixed.
const internSize = 4096

// internMax is the longest string worth remembering; longer ones are rarely repeated.
const internMax = 128

const arenaChunk = 64 << 10

func (d *decoder) syntax(msg string) *decodeError {
	return &decodeError{msg: msg, offset: d.pos, syntax: true}
}

func (d *decoder) eof() *decodeError {
	return &decodeError{msg: "unexpected end of JSON input", offset: len(d.data), syntax: true}
}

func (d *decoder) unexpected(context string) *decodeError {
	if d.pos >= len(d.data) {
		return d.eof()
	}
	return d.syntax(fmt.Sprintf("invalid character %s %s", quoteChar(d.data[d.pos]), context))
}

func (d *decoder) wrongType(want string) *decodeError {
	return &decodeError{msg: want + ", got " + d.kindAt(), offset: d.pos}
}

// kindAt names the kind of JSON value at the current position, for type errors.
func (d *decoder) kindAt() string {
	switch d.data[d.pos] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

func quoteChar(c byte) string {
	if c == '\'' {
		return `'\''`
	}
	if c == '"' {
		return `'"'`
	}
	s := strconv.Quote(string(rune(c)))
	return "'" + s[1:len(s)-1] + "'"
}

// colon consumes the ':' after an object key (white space first).
func (d *decoder) colon() *decodeError {
	d.skipWS()
	if d.pos >= len(d.data) {
		return d.eof()
	}
	if d.data[d.pos] != ':' {
		return d.unexpected("after object key")
	}
	d.pos++
	return nil
}

// separator consumes what follows a member or element (white space first): ',' (end false) or
// closing (end true); anything else is unexpected there (what says where).
func (d *decoder) separator(closing byte, what string) (end bool, err *decodeError) {
	d.skipWS()
	if d.pos >= len(d.data) {
		return false, d.eof()
	}
	switch d.data[d.pos] {
	case ',':
		d.pos++
		return false, nil
	case closing:
		d.pos++
		return true, nil
	}
	return false, d.unexpected(what)
}

// skipWS skips JSON whitespace. Canonical files are indented with runs of spaces after each
// newline, which it skips eight at a time.
func (d *decoder) skipWS() {
	data, i := d.data, d.pos
	for i < len(data) {
		switch data[i] {
		case ' ', '\t', '\r':
			i++
		case '\n':
			i++
			for i+8 <= len(data) {
				x := load64(data, i) ^ 0x2020202020202020 // zero bytes where there are spaces
				if x != 0 {
					i += bits.TrailingZeros64(x) / 8 // the spaces before the first other byte
					break
				}
				i += 8
			}
		default:
			d.pos = i
			return
		}
	}
	d.pos = i
}

// value decodes one JSON value into the memory at p, which holds a zero value of c's type.
func (d *decoder) value(c *codec, p unsafe.Pointer) *decodeError {
	d.skipWS()
	if d.pos >= len(d.data) {
		return d.eof()
	}
	ch := d.data[d.pos]
	if ch == 'n' && c.kind != kMarshaler {
		// null leaves the zero value, as encoding/json does.
		return d.literal("null")
	}
	switch c.kind {
	case kString:
		if ch != '"' {
			return d.typeOrSyntax("expected a string")
		}
		s, err := d.str()
		if err != nil {
			return err
		}
		*(*string)(p) = s
	case kBool:
		switch ch {
		case 't':
			if err := d.literal("true"); err != nil {
				return err
			}
			*(*bool)(p) = true
		case 'f':
			return d.literal("false")
		default:
			return d.typeOrSyntax("expected true or false")
		}
	case kInt, kUint, kFloat:
		if ch != '-' && (ch < '0' || ch > '9') {
			return d.typeOrSyntax(map[kind]string{kInt: "expected an integer", kUint: "expected an integer", kFloat: "expected a number"}[c.kind])
		}
		return d.number(c, p)
	case kStruct:
		if ch != '{' {
			return d.typeOrSyntax("expected an object")
		}
		return d.object(c, p)
	case kSlice:
		if ch != '[' {
			return d.typeOrSyntax("expected an array")
		}
		return d.array(c, p)
	case kPtr:
		ptr := reflect.New(c.elem.typ).UnsafePointer()
		if err := d.value(c.elem, ptr); err != nil {
			return err
		}
		*(*unsafe.Pointer)(p) = ptr
	case kMap:
		if ch != '{' {
			return d.typeOrSyntax("expected an object")
		}
		return d.mapValue(c, p)
	case kTime:
		if ch != '"' {
			return d.typeOrSyntax("expected an RFC 3339 time string")
		}
		start := d.pos
		s, err := d.str()
		if err != nil {
			return err
		}
		// time.Time's own UnmarshalJSON, on the raw bytes as encoding/json passes them.
		if e := (*time.Time)(p).UnmarshalJSON(d.data[start:d.pos]); e != nil {
			return &decodeError{msg: fmt.Sprintf("invalid time %q: want RFC 3339, e.g. 2026-01-02T15:04:05Z", s), offset: start}
		}
	case kMarshaler:
		start := d.pos
		if err := d.skipValue(); err != nil {
			return err
		}
		u := reflect.NewAt(c.typ, p).Interface().(json.Unmarshaler)
		if e := u.UnmarshalJSON(d.data[start:d.pos]); e != nil {
			return &decodeError{msg: e.Error(), offset: start}
		}
	case kText:
		if ch != '"' {
			return d.typeOrSyntax("expected a string")
		}
		start := d.pos
		s, err := d.str()
		if err != nil {
			return err
		}
		u := reflect.NewAt(c.typ, p).Interface().(encoding.TextUnmarshaler)
		if e := u.UnmarshalText([]byte(s)); e != nil {
			return &decodeError{msg: e.Error(), offset: start}
		}
	}
	return nil
}

// typeOrSyntax reports a value of the wrong kind, or a syntax error when there is no value at all.
func (d *decoder) typeOrSyntax(want string) *decodeError {
	switch d.data[d.pos] {
	case '{', '[', '"', 't', 'f', 'n', '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return d.wrongType(want)
	}
	return d.unexpected("looking for beginning of value")
}

func (d *decoder) literal(lit string) *decodeError {
	if len(d.data)-d.pos >= len(lit) && string(d.data[d.pos:d.pos+len(lit)]) == lit {
		d.pos += len(lit)
		return nil
	}
	for i := 1; i < len(lit); i++ {
		d.pos++
		if d.pos >= len(d.data) {
			return d.eof()
		}
		if d.data[d.pos] != lit[i] {
			return d.unexpected("in literal " + lit + " (expecting " + quoteChar(lit[i]) + ")")
		}
	}
	return nil
}

// object decodes a JSON object into the struct at p.
func (d *decoder) object(c *codec, p unsafe.Pointer) *decodeError {
	d.pos++ // '{'
	d.skipWS()
	if d.pos < len(d.data) && d.data[d.pos] == '}' {
		d.pos++
		return nil
	}
	var seen uint64
	var seenMore []bool
	if len(c.fields) > 64 {
		seenMore = make([]bool, len(c.fields))
	}
	var pending []pendingMember
	if c.typer {
		d.held++
		defer func() { d.held-- }()
	}
	next := 0 // canonical files list members in field order: try the next field first
	for {
		d.skipWS()
		if d.pos >= len(d.data) {
			return d.eof()
		}
		if d.data[d.pos] != '"' {
			return d.unexpected("looking for beginning of object key string")
		}
		keyStart := d.pos
		key, err := d.key()
		if err != nil {
			return err
		}
		fi := -1
		if next < len(c.fields) && c.fields[next].name == string(key) {
			fi = next
		} else if i, ok := c.byName[string(key)]; ok {
			fi = i
		}
		if fi < 0 {
			return (&decodeError{msg: "unknown field", offset: keyStart}).member(string(key))
		}
		f := &c.fields[fi]
		if fi < 64 && seenMore == nil {
			if seen&(1<<fi) != 0 {
				return (&decodeError{msg: "duplicate field", offset: keyStart}).member(f.name)
			}
			seen |= 1 << fi
		} else {
			if seenMore[fi] {
				return (&decodeError{msg: "duplicate field", offset: keyStart}).member(f.name)
			}
			seenMore[fi] = true
		}
		next = fi + 1
		if err := d.colon(); err != nil {
			return err
		}
		if f.codec.kind == kIface {
			d.skipWS()
			if d.pos < len(d.data) && d.data[d.pos] == 'n' {
				if err := d.literal("null"); err != nil {
					return err
				}
			} else {
				start := d.pos
				if err := d.skipValue(); err != nil {
					return err
				}
				pending = append(pending, pendingMember{field: fi, start: start})
			}
		} else if err := d.value(f.codec, add(p, f.offset)); err != nil {
			return err.member(f.name)
		}
		end, err := d.separator('}', "after object key:value pair")
		if err != nil {
			return err
		}
		if end {
			if len(pending) > 0 {
				return d.interfaceMembers(c, p, pending)
			}
			return nil
		}
	}
}

// pendingMember is an interface member of an object, decoded once the object's other members are.
type pendingMember struct {
	field int
	start int // where its value starts in data
}

// interfaceMembers decodes the interface members of the object just read into the struct at p,
// into the types the struct names for them (InterfaceTyper).
func (d *decoder) interfaceMembers(c *codec, p unsafe.Pointer, pending []pendingMember) *decodeError {
	end := d.pos
	typer := reflect.NewAt(c.typ, p).Interface().(InterfaceTyper)
	for _, m := range pending {
		f := &c.fields[m.field]
		t, err := typer.JSONInterfaceType(f.name)
		if err != nil {
			return (&decodeError{msg: err.Error(), offset: m.start}).member(f.name)
		}
		if t == nil || !t.Implements(f.codec.typ) {
			panic(fmt.Sprintf("strictjson: %s.JSONInterfaceType(%q) = %v, which does not implement %s", c.typ, f.name, t, f.codec.typ))
		}
		v := reflect.New(t)
		d.pos = m.start
		if err := d.value(codecFor(t), v.UnsafePointer()); err != nil {
			return err.member(f.name)
		}
		reflect.NewAt(f.codec.typ, add(p, f.offset)).Elem().Set(v.Elem())
	}
	d.pos = end
	return nil
}

// mapValue decodes a JSON object into the map at p.
func (d *decoder) mapValue(c *codec, p unsafe.Pointer) *decodeError {
	m := reflect.MakeMap(c.typ)
	d.pos++ // '{'
	d.skipWS()
	if d.pos < len(d.data) && d.data[d.pos] == '}' {
		d.pos++
	} else {
		for {
			d.skipWS()
			if d.pos >= len(d.data) {
				return d.eof()
			}
			if d.data[d.pos] != '"' {
				return d.unexpected("looking for beginning of object key string")
			}
			keyStart := d.pos
			key, err := d.str()
			if err != nil {
				return err
			}
			k := reflect.ValueOf(key).Convert(c.typ.Key())
			if m.MapIndex(k).IsValid() {
				return (&decodeError{msg: "duplicate key", offset: keyStart}).member(key)
			}
			if err := d.colon(); err != nil {
				return err
			}
			v := reflect.New(c.elem.typ)
			if err := d.value(c.elem, v.UnsafePointer()); err != nil {
				return err.member(key)
			}
			m.SetMapIndex(k, v.Elem())
			end, err := d.separator('}', "after object key:value pair")
			if err != nil {
				return err
			}
			if end {
				break
			}
		}
	}
	reflect.NewAt(c.typ, p).Elem().Set(m)
	return nil
}

// array decodes a JSON array into the slice at p.
func (d *decoder) array(c *codec, p unsafe.Pointer) *decodeError {
	d.pos++ // '['
	d.skipWS()
	if d.pos < len(d.data) && d.data[d.pos] == ']' {
		d.pos++
		*(*sliceHeader)(p) = sliceHeader{data: c.emptySlice}
		return nil
	}
	if c.id >= len(d.scratch) { // a type compiled during this decode (an interface member's)
		d.scratch = append(d.scratch, make([]*scratch, c.id+1-len(d.scratch))...)
	}
	if d.scratch[c.id] == nil {
		d.scratch[c.id] = &scratch{}
	}
	sc := d.scratch[c.id]
	if sc.busy { // a recursive type: this slice type is already being decoded further up
		sc = &scratch{}
	}
	sc.busy = true
	defer func() { sc.busy = false }()
	size := c.elem.size
	n, k, off := 0, 0, 0 // elements, the chunk being filled and the place in it
	ch := sc.chunkAt(c, 0)
	for {
		if off == ch.n {
			k, off = k+1, 0
			ch = sc.chunkAt(c, k)
		}
		if err := d.value(c.elem, add(ch.base, uintptr(off)*size)); err != nil {
			sc.clear(n + 1)
			return err.index(n)
		}
		n, off = n+1, off+1
		if d.progress != nil && d.pos-d.reported >= d.every && d.held == 0 {
			d.reported = d.pos
			d.progress(d.pos)
		}
		end, err := d.separator(']', "after array element")
		if err != nil {
			sc.clear(n)
			return err
		}
		if end {
			break
		}
	}
	out := reflect.MakeSlice(c.typ, n, n)
	for k, done := 0, 0; done < n; k++ {
		ch := &sc.chunks[k]
		done += reflect.Copy(out.Slice(done, n), ch.v.Slice(0, min(n-done, ch.n)))
	}
	sc.clear(n)
	*(*sliceHeader)(p) = sliceHeader{data: out.UnsafePointer(), len: n, cap: n}
	return nil
}

// strSafe marks the bytes that can appear in a JSON string as they are.
var strSafe = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// load64 reads 8 bytes of data at i as a little-endian word (the caller checks the bounds).
func load64(data []byte, i int) uint64 {
	return binary.LittleEndian.Uint64(data[i : i+8])
}

const (
	lows  = 0x0101010101010101
	highs = 0x8080808080808080
)

// plainRun returns how many bytes from i on need no attention inside a JSON string: no quote,
// backslash, control character or non-ASCII byte. It looks at eight bytes at a time.
func plainRun(data []byte, i int) int {
	start := i
	for i+8 <= len(data) {
		x := load64(data, i)
		// A high bit in special marks a byte that is < 0x20 (subtracting 0x20 wraps), '"' or '\\'
		// (the XOR is 0, subtracting 1 wraps) or >= 0x80. A byte that wraps borrows from the next,
		// which can flag bytes above the first special one but never below it: the lowest flag is
		// exact.
		special := ((x - 0x20*lows) | ((x ^ '"'*lows) - lows) | ((x ^ '\\'*lows) - lows) | x) & highs
		if special != 0 {
			return i - start + bits.TrailingZeros64(special)/8
		}
		i += 8
	}
	for i < len(data) && strSafe[data[i]] {
		i++
	}
	return i - start
}

// key reads an object key and returns its bytes, valid until the next call (no allocation when
// the key has no escapes, the usual case).
func (d *decoder) key() ([]byte, *decodeError) {
	data := d.data
	i := d.pos + 1
	i += plainRun(data, i)
	if i < len(data) && data[i] == '"' {
		k := data[d.pos+1 : i]
		d.pos = i + 1
		return k, nil
	}
	s, err := d.str()
	return []byte(s), err
}

// str reads a JSON string at d.pos and returns its value.
func (d *decoder) str() (string, *decodeError) {
	data := d.data
	start := d.pos + 1
	i := start + plainRun(data, start)
	if i < len(data) && data[i] == '"' {
		d.pos = i + 1
		return d.alloc(data[start:i]), nil
	}
	return d.strSlow(start)
}

// alloc returns b as a string: the same string as before when b was seen recently, else a copy
// in the string arena.
func (d *decoder) alloc(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(b) <= internMax && d.recent != nil {
		slot := &d.recent[maphash.Bytes(seed, b)&(internSize-1)]
		if *slot == string(b) {
			return *slot
		}
		*slot = d.allocArena(b)
		return *slot
	}
	return d.allocArena(b)
}

var seed = maphash.MakeSeed()

func (d *decoder) allocArena(b []byte) string {
	if len(b) > arenaChunk/8 {
		return string(b)
	}
	if len(d.arena)+len(b) > cap(d.arena) {
		d.arena = make([]byte, 0, arenaChunk)
	}
	n := len(d.arena)
	d.arena = append(d.arena, b...)
	return unsafe.String(&d.arena[n], len(b))
}

// strSlow reads a string with escapes or non-ASCII bytes, with encoding/json's rules: invalid
// UTF-8 and lone surrogates become U+FFFD.
func (d *decoder) strSlow(start int) (string, *decodeError) {
	data := d.data
	// Unescaped into a buffer kept for the next string, then copied like any other (alloc).
	b := d.esc[:0]
	defer func() { d.esc = b[:0] }()
	i := start
	for {
		if i >= len(data) {
			d.pos = i
			return "", d.eof()
		}
		c := data[i]
		switch {
		case c == '"':
			d.pos = i + 1
			return d.alloc(b), nil
		case c == '\\':
			if i+1 >= len(data) {
				d.pos = i + 1
				return "", d.eof()
			}
			switch e := data[i+1]; e {
			case '"', '\\', '/':
				b = append(b, e)
				i += 2
			case 'b':
				b = append(b, '\b')
				i += 2
			case 'f':
				b = append(b, '\f')
				i += 2
			case 'n':
				b = append(b, '\n')
				i += 2
			case 'r':
				b = append(b, '\r')
				i += 2
			case 't':
				b = append(b, '\t')
				i += 2
			case 'u':
				r, ok := hex4(data, i+2)
				if !ok {
					d.pos = i + 2
					for k := 0; k < 4 && d.pos < len(data) && isHex(data[d.pos]); k++ {
						d.pos++
					}
					return "", d.unexpected("in \\u hexadecimal character escape")
				}
				i += 6
				if utf16.IsSurrogate(r) {
					if r2, ok := hex4(data, i+2); ok && i+1 < len(data) && data[i] == '\\' && data[i+1] == 'u' {
						if dec := utf16.DecodeRune(r, r2); dec != unicode.ReplacementChar {
							i += 6
							b = utf8.AppendRune(b, dec)
							break
						}
					}
					r = unicode.ReplacementChar
				}
				b = utf8.AppendRune(b, r)
			default:
				d.pos = i + 1
				return "", d.unexpected("in string escape code")
			}
		case c < 0x20:
			d.pos = i
			return "", d.unexpected("in string literal")
		case c < utf8.RuneSelf:
			b = append(b, c)
			i++
		default:
			r, size := utf8.DecodeRune(data[i:])
			b = utf8.AppendRune(b, r) // RuneError for invalid bytes, as encoding/json
			i += size
		}
	}
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

func hex4(data []byte, i int) (rune, bool) {
	if i+4 > len(data) {
		return 0, false
	}
	var r rune
	for _, c := range data[i : i+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r*16 + rune(c)
	}
	return r, true
}

// scanNumber checks the JSON number grammar at d.pos and returns the literal.
func (d *decoder) scanNumber() ([]byte, *decodeError) {
	data, i := d.data, d.pos
	start := i
	if data[i] == '-' {
		i++
	}
	if i >= len(data) {
		d.pos = i
		return nil, d.eof()
	}
	switch {
	case data[i] == '0':
		i++
	case '1' <= data[i] && data[i] <= '9':
		for i < len(data) && '0' <= data[i] && data[i] <= '9' {
			i++
		}
	default:
		d.pos = i
		return nil, d.unexpected("in numeric literal")
	}
	if i < len(data) && data[i] == '.' {
		i++
		if i >= len(data) {
			d.pos = i
			return nil, d.eof()
		}
		if data[i] < '0' || data[i] > '9' {
			d.pos = i
			return nil, d.unexpected("after decimal point in numeric literal")
		}
		for i < len(data) && '0' <= data[i] && data[i] <= '9' {
			i++
		}
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		if i >= len(data) {
			d.pos = i
			return nil, d.eof()
		}
		if data[i] < '0' || data[i] > '9' {
			d.pos = i
			return nil, d.unexpected("in exponent of numeric literal")
		}
		for i < len(data) && '0' <= data[i] && data[i] <= '9' {
			i++
		}
	}
	d.pos = i
	return data[start:i], nil
}

func (d *decoder) number(c *codec, p unsafe.Pointer) *decodeError {
	start := d.pos
	lit, err := d.scanNumber()
	if err != nil {
		return err
	}
	s := unsafe.String(unsafe.SliceData(lit), len(lit))
	bad := func(want string) *decodeError {
		return &decodeError{msg: want + ", got " + s, offset: start}
	}
	switch c.kind {
	case kInt:
		n, e := strconv.ParseInt(s, 10, c.bits)
		if e != nil {
			return bad(fmt.Sprintf("expected an integer (%d bits)", c.bits))
		}
		switch c.bits {
		case 8:
			*(*int8)(p) = int8(n)
		case 16:
			*(*int16)(p) = int16(n)
		case 32:
			*(*int32)(p) = int32(n)
		default:
			*(*int64)(p) = n
		}
	case kUint:
		n, e := strconv.ParseUint(s, 10, c.bits)
		if e != nil {
			return bad(fmt.Sprintf("expected an integer from 0 (%d bits)", c.bits))
		}
		switch c.bits {
		case 8:
			*(*uint8)(p) = uint8(n)
		case 16:
			*(*uint16)(p) = uint16(n)
		case 32:
			*(*uint32)(p) = uint32(n)
		default:
			*(*uint64)(p) = n
		}
	case kFloat:
		f, e := strconv.ParseFloat(s, c.bits)
		if e != nil || math.IsInf(f, 0) {
			return bad(fmt.Sprintf("expected a number within float%d", c.bits))
		}
		if c.bits == 32 {
			*(*float32)(p) = float32(f)
		} else {
			*(*float64)(p) = f
		}
	}
	return nil
}

// skipValue checks and skips one JSON value of any kind.
func (d *decoder) skipValue() *decodeError {
	d.skipWS()
	if d.pos >= len(d.data) {
		return d.eof()
	}
	switch d.data[d.pos] {
	case '{':
		d.pos++
		d.skipWS()
		if d.pos < len(d.data) && d.data[d.pos] == '}' {
			d.pos++
			return nil
		}
		for {
			d.skipWS()
			if d.pos >= len(d.data) {
				return d.eof()
			}
			if d.data[d.pos] != '"' {
				return d.unexpected("looking for beginning of object key string")
			}
			if _, err := d.key(); err != nil {
				return err
			}
			if err := d.colon(); err != nil {
				return err
			}
			if err := d.skipValue(); err != nil {
				return err
			}
			if end, err := d.separator('}', "after object key:value pair"); err != nil || end {
				return err
			}
		}
	case '[':
		d.pos++
		d.skipWS()
		if d.pos < len(d.data) && d.data[d.pos] == ']' {
			d.pos++
			return nil
		}
		for {
			if err := d.skipValue(); err != nil {
				return err
			}
			if end, err := d.separator(']', "after array element"); err != nil || end {
				return err
			}
		}
	case '"':
		_, err := d.key()
		return err
	case 't':
		return d.literal("true")
	case 'f':
		return d.literal("false")
	case 'n':
		return d.literal("null")
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		_, err := d.scanNumber()
		return err
	}
	return d.unexpected("looking for beginning of value")
}

// Valid reports whether data is one well-formed JSON value (surrounding whitespace allowed), and
// where and why not.
func Valid(data []byte) *Error {
	d := decoder{data: data}
	err := d.skipValue()
	if err == nil {
		d.skipWS()
		if d.pos < len(d.data) {
			err = d.syntax("unexpected data after the top-level value")
		}
	}
	if err != nil {
		return err.export()
	}
	return nil
}

// Member returns the raw bytes of the member name of the top-level object in data, and whether
// there is one. data must be well-formed JSON (see Valid); anything else reports false.
func Member(data []byte, name string) ([]byte, bool) {
	d := decoder{data: data}
	d.skipWS()
	if d.pos >= len(d.data) || d.data[d.pos] != '{' {
		return nil, false
	}
	d.pos++
	for {
		d.skipWS()
		if d.pos >= len(d.data) || d.data[d.pos] != '"' {
			return nil, false
		}
		key, err := d.str()
		if err != nil {
			return nil, false
		}
		d.skipWS()
		if d.pos >= len(d.data) || d.data[d.pos] != ':' {
			return nil, false
		}
		d.pos++
		d.skipWS()
		start := d.pos
		if d.skipValue() != nil {
			return nil, false
		}
		if key == name {
			return d.data[start:d.pos], true
		}
		d.skipWS()
		if d.pos >= len(d.data) || d.data[d.pos] != ',' {
			return nil, false
		}
		d.pos++
	}
}
