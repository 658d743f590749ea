package strictjson

import (
	"bytes"
	"encoding"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
	"unsafe"
)

// flushAt is how much encoded output is buffered before it goes to the writer.
const flushAt = 256 << 10

// Encode writes v as indented JSON (two spaces, a final newline) to w, as it goes: the encoded
// document is never held in memory as a whole. The bytes are those of encoding/json's Encoder
// with SetEscapeHTML(false) and SetIndent("", "  ").
func Encode(w io.Writer, v any) error {
	e := encoder{w: w, buf: make([]byte, 0, flushAt+4096)}
	if err := e.top(v); err != nil {
		return err
	}
	e.buf = append(e.buf, '\n')
	return e.flush()
}

// Marshal returns what Encode writes.
func Marshal(v any) ([]byte, error) {
	e := encoder{buf: make([]byte, 0, 4096)}
	if err := e.top(v); err != nil {
		return nil, err
	}
	return append(e.buf, '\n'), nil
}

type encoder struct {
	w     io.Writer // nil: keep everything in buf
	buf   []byte
	depth int
	err   error
	// parts is set on an encoder that encodes a part of a long slice on a goroutine of its own
	// (encodeChunks): a full buffer goes there instead of to w, and the encoder takes another
	// from free.
	parts *[][]byte
	// free holds encodeChunks' buffers between uses, for every long slice of the document.
	free chan []byte
}

func (e *encoder) top(v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		panic(fmt.Sprintf("strictjson: Encode needs a non-nil pointer, got %T", v))
	}
	c := codecFor(rv.Type().Elem())
	e.value(c, rv.UnsafePointer())
	return e.err
}

func (e *encoder) flush() error {
	if e.err != nil || len(e.buf) == 0 {
		return e.err
	}
	switch {
	case e.parts != nil:
		*e.parts = append(*e.parts, e.buf)
		e.buf = takeBuffer(e.free)
	case e.w != nil:
		_, e.err = e.w.Write(e.buf)
		e.buf = e.buf[:0]
	}
	return e.err
}

// takeBuffer is a buffer from free, or a new one when there is none.
func takeBuffer(free chan []byte) []byte {
	select {
	case b := <-free:
		return b[:0]
	default:
		return make([]byte, 0, flushAt+4096)
	}
}

// indentation is a newline and spaces enough for any depth a snapshot or plan reaches.
var indentation = "\n" + strings.Repeat("  ", 64)

func (e *encoder) newline() {
	if n := 1 + 2*e.depth; n <= len(indentation) {
		e.buf = append(e.buf, indentation[:n]...)
	} else {
		e.buf = append(e.buf, '\n')
		for range e.depth {
			e.buf = append(e.buf, ' ', ' ')
		}
	}
	if (e.w != nil || e.parts != nil) && len(e.buf) >= flushAt {
		e.flush()
	}
}

func (e *encoder) fail(err error) {
	if e.err == nil {
		e.err = err
	}
}

func (e *encoder) value(c *codec, p unsafe.Pointer) {
	switch c.kind {
	case kString:
		e.buf = appendString(e.buf, *(*string)(p))
	case kBool:
		e.buf = strconv.AppendBool(e.buf, *(*bool)(p))
	case kInt:
		var n int64
		switch c.bits {
		case 8:
			n = int64(*(*int8)(p))
		case 16:
			n = int64(*(*int16)(p))
		case 32:
			n = int64(*(*int32)(p))
		default:
			n = *(*int64)(p)
		}
		e.buf = strconv.AppendInt(e.buf, n, 10)
	case kUint:
		var n uint64
		switch c.bits {
		case 8:
			n = uint64(*(*uint8)(p))
		case 16:
			n = uint64(*(*uint16)(p))
		case 32:
			n = uint64(*(*uint32)(p))
		default:
			n = *(*uint64)(p)
		}
		e.buf = strconv.AppendUint(e.buf, n, 10)
	case kFloat:
		f := float64(0)
		if c.bits == 32 {
			f = float64(*(*float32)(p))
		} else {
			f = *(*float64)(p)
		}
		e.float(f, c.bits)
	case kStruct:
		e.object(c, p)
	case kPtr:
		ptr := *(*unsafe.Pointer)(p)
		if ptr == nil {
			e.buf = append(e.buf, "null"...)
			return
		}
		e.value(c.elem, ptr)
	case kSlice:
		h := (*sliceHeader)(p)
		if h.data == nil {
			e.buf = append(e.buf, "null"...)
			return
		}
		if h.len == 0 {
			e.buf = append(e.buf, "[]"...)
			return
		}
		e.buf = append(e.buf, '[')
		e.depth++
		if h.len >= 2*chunkLen && e.parts == nil && runtime.GOMAXPROCS(0) > 1 {
			e.encodeChunks(c.elem, h)
		} else {
			e.elements(c.elem, h, 0, h.len)
		}
		e.depth--
		e.newline()
		e.buf = append(e.buf, ']')
	case kMap:
		e.mapValue(c, p)
	case kIface:
		v := reflect.NewAt(c.typ, p).Elem()
		if v.IsNil() {
			e.buf = append(e.buf, "null"...)
			return
		}
		dyn := reflect.New(v.Elem().Type())
		dyn.Elem().Set(v.Elem())
		e.value(codecFor(dyn.Type().Elem()), dyn.UnsafePointer())
	case kTime:
		t := (*time.Time)(p)
		b, err := t.MarshalJSON()
		if err != nil {
			e.fail(err)
			return
		}
		e.buf = append(e.buf, b...)
	case kMarshaler:
		m := reflect.NewAt(c.typ, p).Interface().(json.Marshaler)
		b, err := m.MarshalJSON()
		if err != nil {
			e.fail(fmt.Errorf("json: error calling MarshalJSON for type %s: %w", c.typ, err))
			return
		}
		// A plain string (no escapes, valid UTF-8) is already compact and indented: the common
		// case (a plan's literal values) skips the two passes below.
		if plainString(b) {
			e.buf = append(e.buf, b...)
			return
		}
		// encoding/json compacts what MarshalJSON returns, then indents the whole document.
		var compact bytes.Buffer
		if err := json.Compact(&compact, b); err != nil {
			e.fail(fmt.Errorf("json: error calling MarshalJSON for type %s: %w", c.typ, err))
			return
		}
		var indented bytes.Buffer
		prefix := string(bytes.Repeat([]byte("  "), e.depth))
		if err := json.Indent(&indented, compact.Bytes(), prefix, "  "); err != nil {
			e.fail(err)
			return
		}
		e.buf = append(e.buf, indented.Bytes()...)
	case kText:
		m := reflect.NewAt(c.typ, p).Interface().(encoding.TextMarshaler)
		b, err := m.MarshalText()
		if err != nil {
			e.fail(fmt.Errorf("json: error calling MarshalText for type %s: %w", c.typ, err))
			return
		}
		e.buf = appendString(e.buf, string(b))
	}
}

// elements encodes the elements [from, to) of a slice, each after its comma and newline.
func (e *encoder) elements(c *codec, h *sliceHeader, from, to int) {
	for i := from; i < to; i++ {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		e.newline()
		e.value(c, add(h.data, uintptr(i)*c.size))
	}
}

// chunkLen is how many elements of a long slice one goroutine encodes at a time: enough to
// make the hand-over cheap, few enough that the buffers in flight stay few (a one-shot command
// runs without garbage collection: every new buffer is fresh memory).
const chunkLen = 64

// encodeChunks encodes a long slice's elements (a 10,000-account plan's steps and accounts) in
// chunks on as many goroutines as there are processors, each chunk into buffers of its own
// (flushAt each, as the encoder's own), and writes the chunks in order: the bytes are the same
// as one goroutine's. A few chunks per goroutine are in flight at a time and the buffers are
// reused, so the memory it takes does not grow with the slice. Slices within a chunk are encoded
// by its goroutine alone.
func (e *encoder) encodeChunks(c *codec, h *sliceHeader) {
	n := (h.len + chunkLen - 1) / chunkLen
	workers := min(runtime.GOMAXPROCS(0), n)
	window := min(2*workers, n) // chunks in flight
	if e.free == nil {
		e.free = make(chan []byte, 32) // a chunk of large elements may fill many
	}
	type result struct {
		parts [][]byte
		err   error
	}
	results := make([]chan result, n)
	for k := range results {
		results[k] = make(chan result, 1)
	}
	jobs := make(chan int, n)
	for k := range window {
		jobs <- k
	}
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for k := range jobs {
				var parts [][]byte
				ce := encoder{buf: takeBuffer(e.free), depth: e.depth, parts: &parts, free: e.free}
				ce.elements(c, h, k*chunkLen, min((k+1)*chunkLen, h.len))
				parts = append(parts, ce.buf)
				results[k] <- result{parts, ce.err}
			}
		})
	}
	for k := range n {
		r := <-results[k]
		if r.err != nil {
			e.fail(r.err)
		}
		for _, b := range r.parts {
			if e.w == nil {
				e.buf = append(e.buf, b...)
			} else if e.flush() == nil {
				_, e.err = e.w.Write(b)
			}
			select {
			case e.free <- b:
			default:
			}
		}
		if next := k + window; next < n {
			jobs <- next
		}
	}
	close(jobs)
	wg.Wait()
}

func (e *encoder) object(c *codec, p unsafe.Pointer) {
	e.buf = append(e.buf, '{')
	e.depth++
	n := 0
	for i := range c.fields {
		f := &c.fields[i]
		fp := add(p, f.offset)
		if f.omitEmpty && isEmpty(f.codec, fp) || f.omitZero && isZero(f, fp) {
			continue
		}
		if n > 0 {
			e.buf = append(e.buf, ',')
		}
		n++
		e.newline()
		e.buf = append(e.buf, f.quoted...)
		e.buf = append(e.buf, ':', ' ')
		e.value(f.codec, fp)
	}
	e.depth--
	if n > 0 {
		e.newline()
	}
	e.buf = append(e.buf, '}')
}

func (e *encoder) mapValue(c *codec, p unsafe.Pointer) {
	m := reflect.NewAt(c.typ, p).Elem()
	if m.IsNil() {
		e.buf = append(e.buf, "null"...)
		return
	}
	if m.Len() == 0 {
		e.buf = append(e.buf, "{}"...)
		return
	}
	keys := m.MapKeys()
	slices.SortFunc(keys, func(a, b reflect.Value) int {
		if a.String() < b.String() {
			return -1
		}
		if a.String() > b.String() {
			return 1
		}
		return 0
	})
	e.buf = append(e.buf, '{')
	e.depth++
	v := reflect.New(c.elem.typ)
	for i, k := range keys {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		e.newline()
		e.buf = appendString(e.buf, k.String())
		e.buf = append(e.buf, ':', ' ')
		v.Elem().Set(m.MapIndex(k))
		e.value(c.elem, v.UnsafePointer())
	}
	e.depth--
	e.newline()
	e.buf = append(e.buf, '}')
}

// plainString reports whether b is one JSON string without escapes or control characters, in
// valid UTF-8: what json.Compact and json.Indent return unchanged.
func plainString(b []byte) bool {
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return false
	}
	for _, c := range b[1 : len(b)-1] {
		if c < 0x20 || c == '"' || c == '\\' {
			return false
		}
	}
	return utf8.Valid(b)
}

// isEmpty is encoding/json's omitempty rule.
func isEmpty(c *codec, p unsafe.Pointer) bool {
	switch c.kind {
	case kString:
		return len(*(*string)(p)) == 0
	case kSlice:
		return (*sliceHeader)(p).len == 0
	case kMap:
		return reflect.NewAt(c.typ, p).Elem().Len() == 0
	case kPtr:
		return *(*unsafe.Pointer)(p) == nil
	case kBool, kInt, kUint, kFloat:
		return reflect.NewAt(c.typ, p).Elem().IsZero()
	}
	if c.typ.Kind() == reflect.String || c.typ.Kind() == reflect.Slice || c.typ.Kind() == reflect.Map {
		return reflect.NewAt(c.typ, p).Elem().Len() == 0 // a Marshaler of one of these kinds
	}
	switch c.typ.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Interface, reflect.Pointer:
		return reflect.NewAt(c.typ, p).Elem().IsZero()
	}
	return false
}

// isZero is encoding/json's omitzero rule.
func isZero(f *field, p unsafe.Pointer) bool {
	if f.isZero != nil {
		return f.isZero(p)
	}
	return reflect.NewAt(f.codec.typ, p).Elem().IsZero()
}

// float formats like encoding/json: ES6 number formatting.
func (e *encoder) float(f float64, bits int) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		e.fail(fmt.Errorf("json: unsupported value: %s", strconv.FormatFloat(f, 'g', -1, bits)))
		return
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 {
		if bits == 64 && (abs < 1e-6 || abs >= 1e21) || bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21) {
			format = 'e'
		}
	}
	b := strconv.AppendFloat(e.buf, f, format, -1, bits)
	if format == 'e' {
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	e.buf = b
}

const hexDigits = "0123456789abcdef"

// appendString quotes s as encoding/json does without HTML escaping: control characters, quote
// and backslash escaped, invalid UTF-8 as \ufffd, U+2028 and U+2029 escaped.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	// Most strings need no escaping: find the first byte that might, and copy up to it at once.
	i := 0
	for i < len(s) && strSafe[s[i]] {
		i++
	}
	if i == len(s) {
		dst = append(dst, s...)
		return append(dst, '"')
	}
	start := 0
	for i < len(s) {
		if b := s[i]; b < utf8.RuneSelf {
			if strSafe[b] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
