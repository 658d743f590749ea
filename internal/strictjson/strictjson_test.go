package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"net/netip"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// zoo has a field of every kind the codec supports, with the tag options it supports.
type zoo struct {
	S     string            `json:"s"`
	SE    string            `json:"se,omitempty"`
	B     bool              `json:"b"`
	BE    bool              `json:"be,omitempty"`
	I     int               `json:"i"`
	I8    int8              `json:"i8,omitempty"`
	I16   int16             `json:"i16,omitempty"`
	I32   int32             `json:"i32,omitempty"`
	I64   int64             `json:"i64,omitempty"`
	U     uint              `json:"u,omitempty"`
	U8    uint8             `json:"u8,omitempty"`
	U16   uint16            `json:"u16,omitempty"`
	U32   uint32            `json:"u32,omitempty"`
	U64   uint64            `json:"u64,omitempty"`
	F32   float32           `json:"f32,omitempty"`
	F64   float64           `json:"f64"`
	T     time.Time         `json:"t"`
	TZ    time.Time         `json:"tz,omitzero"`
	TP    *time.Time        `json:"tp,omitempty"`
	P     *inner            `json:"p"`
	PE    *inner            `json:"pe,omitempty"`
	In    inner             `json:"in"`
	InZ   inner             `json:"inz,omitzero"`
	L     []inner           `json:"l"`
	LE    []string          `json:"le,omitempty"`
	LL    [][]int           `json:"ll"`
	LP    []*inner          `json:"lp"`
	M     map[string]string `json:"m"`
	ME    map[string]int    `json:"me,omitempty"`
	MS    map[string]inner  `json:"ms,omitempty"`
	Raw   json.RawMessage   `json:"raw,omitempty"`
	Addr  netip.Addr        `json:"addr,omitzero"`
	Named named             `json:"named"`
	NoTag string
	Skip  string `json:"-"`
	priv  string //nolint:unused // unexported fields are not encoded
}

type inner struct {
	ID   string   `json:"id"`
	Tags []string `json:"tags,omitempty"`
}

type named string

func zoos() []zoo {
	t0 := time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC)
	t1 := time.Date(2025, 12, 31, 23, 59, 59, 123456789, time.FixedZone("x", 3600))
	return []zoo{
		{},
		{
			S: "plain", SE: "x", B: true, BE: true, I: -42, I8: -8, I16: 16, I32: -32, I64: math.MinInt64,
			U: 1, U8: 255, U16: 65535, U32: 1 << 31, U64: math.MaxUint64, F32: 1.5, F64: 1e21,
			T: t0, TZ: t1, TP: &t1, P: &inner{ID: "p"}, In: inner{ID: "in", Tags: []string{}},
			L: []inner{{ID: "a"}, {ID: "b", Tags: []string{"x", "y"}}}, LE: []string{"e"},
			LL: [][]int{{}, {1, 2}, nil}, LP: []*inner{nil, {ID: "lp"}},
			M: map[string]string{"b": "2", "a": "1", "": "empty", "ü": "\u2028"}, ME: map[string]int{"k": 0},
			MS:  map[string]inner{"z": {ID: "z"}},
			Raw: json.RawMessage(`{"a": [1, 2, {"b": null}], "c": "d"}`), Addr: netip.MustParseAddr("10.0.0.1"),
			Named: "n", NoTag: "no tag", Skip: "skipped",
		},
		{
			S:   "esc \" \\ / \b \f \n \r \t \x00 \x1f \x7f <>& \u2028 \u2029 é 日本 \U0001F600 \xff\xfe bad",
			F64: 1e-7, F32: 3.4e38, L: []inner{}, LL: [][]int{}, LP: []*inner{}, M: map[string]string{},
			Raw: json.RawMessage(`"s"`),
		},
		{F64: -0.000001, F32: 1e-7, I: math.MaxInt64},
		{F64: 123456789.125, F32: 0.1},
	}
}

// stdEncode is the reference: encoding/json's Encoder as inventory used it before this codec.
func stdEncode(t *testing.T, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestEncodeMatchesEncodingJSON(t *testing.T) {
	for i, z := range zoos() {
		want := stdEncode(t, &z)
		got, err := Marshal(&z)
		if err != nil {
			t.Fatalf("%d: %v", i, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%d: Marshal differs from encoding/json:\n%s\n---\n%s", i, got, want)
		}
		var w bytes.Buffer
		if err := Encode(&w, &z); err != nil || !bytes.Equal(w.Bytes(), want) {
			t.Errorf("%d: Encode differs from Marshal (err %v)", i, err)
		}
	}
}

func TestDecodeMatchesEncodingJSON(t *testing.T) {
	for i, z := range zoos() {
		data := stdEncode(t, &z)
		var got, want zoo
		if err := Unmarshal(data, &got); err != nil {
			t.Fatalf("%d: %v\n%s", i, err, data)
		}
		if err := json.Unmarshal(data, &want); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%d: Unmarshal differs from encoding/json:\n%+v\n---\n%+v", i, got, want)
		}
		again, err := Marshal(&got)
		if err != nil || !bytes.Equal(again, stdEncode(t, &want)) {
			t.Errorf("%d: encodes differently from encoding/json after decoding (err %v)", i, err)
		}
	}
}

// Compact input, escapes and null decode as encoding/json decodes them.
func TestDecodeForms(t *testing.T) {
	cases := []string{
		`{"s":"a\u00e9\ud83d\ude00\ud800x\udc00\"\\\/\b\f\n\r\t","i":-0,"f64":-1.5e-3,"b":false}`,
		`{"s":null,"b":null,"i":null,"t":null,"p":null,"l":null,"m":null,"in":null,"raw":null,"tp":null}`,
		"\t\r\n {\"l\" : [ ] , \"m\" : { } , \"ll\" : [ [ ] , [ 1 ] ] }\n\n",
		`{"s":"` + "\xff\xfe\xc3" + `","f32":1E2,"u8":0}`,
		`{"s":"\ud800\ud800"}`,
	}
	for _, c := range cases {
		var got, want zoo
		if err := Unmarshal([]byte(c), &got); err != nil {
			t.Errorf("%s: %v", c, err)
			continue
		}
		if err := json.Unmarshal([]byte(c), &want); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n%+v\n---\n%+v", c, got, want)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	cases := []struct {
		in, path, msg string
		syntax        bool
	}{
		{`{"s": 1}`, "$.s", "expected a string, got a number", false},
		{`{"b": "yes"}`, "$.b", "expected true or false, got a string", false},
		{`{"i": 1.5}`, "$.i", "expected an integer (64 bits), got 1.5", false},
		{`{"i8": 300}`, "$.i8", "expected an integer (8 bits), got 300", false},
		{`{"u": -1}`, "$.u", "expected an integer from 0", false},
		{`{"i": "1"}`, "$.i", "expected an integer, got a string", false},
		{`{"f64": true}`, "$.f64", "expected a number, got a boolean", false},
		{`{"t": 5}`, "$.t", "expected an RFC 3339 time string, got a number", false},
		{`{"t": "yesterday"}`, "$.t", `invalid time "yesterday"`, false},
		{`{"l": {}}`, "$.l", "expected an array, got an object", false},
		{`{"in": []}`, "$.in", "expected an object, got an array", false},
		{`{"m": "x"}`, "$.m", "expected an object, got a string", false},
		{`{"l": [{"id": "a"}, {"id": "b", "tag": []}]}`, "$.l[1].tag", "unknown field", false},
		{`{"ll": [[1], [2, "x"]]}`, "$.ll[1][1]", "expected an integer, got a string", false},
		{`{"ms": {"k": {"id": 1}}}`, "$.ms.k.id", "expected a string", false},
		{`{"lp": [null, {"nope": 1}]}`, "$.lp[1].nope", "unknown field", false},
		{`{"S": "x"}`, "$.S", "unknown field", false}, // names match exactly, not case-insensitively
		{`{"s": "a", "s": "b"}`, "$.s", "duplicate field", false},
		{`{"m": {"a": "1", "a": "2"}}`, "$.m.a", "duplicate key", false},
		{`{"Skip": "x"}`, "$.Skip", "unknown field", false},
		{`{"addr": "not an address"}`, "$.addr", "ParseAddr", false},
		{`{"raw": [1,}`, "$", "invalid character '}'", true},
		{`{"s": "a`, "$", "unexpected end", true},
		{`{"s": "a` + "\x01" + `"}`, "$", "in string literal", true},
		{`{"s": "\x"}`, "$", "in string escape code", true},
		{`{"s": "\u12g4"}`, "$", "hexadecimal", true},
		{`{"i": 01}`, "$", "after object key:value pair", true},
		{`{"i": -}`, "$", "in numeric literal", true},
		{`{"i": 1.}`, "$", "after decimal point", true},
		{`{"i": 1e}`, "$", "in exponent", true},
		{`{"b": tru}`, "$", "in literal true", true},
		{`{"s" "x"}`, "$", "after object key", true},
		{`{s: 1}`, "$", "looking for beginning of object key string", true},
		{`{} {}`, "$", "unexpected data after the top-level value", true},
		{``, "$", "unexpected end", true},
		{`[`, "$", "expected an object, got an array", false},
	}
	for _, c := range cases {
		var z zoo
		err := Unmarshal([]byte(c.in), &z)
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("%s: error %v is not an *Error", c.in, err)
			continue
		}
		if e.Path != c.path || !strings.Contains(e.Msg, c.msg) || e.Syntax != c.syntax {
			t.Errorf("%s: got %s %q syntax=%v; want %s %q syntax=%v", c.in, e.Path, e.Msg, e.Syntax, c.path, c.msg, c.syntax)
		}
		// One pass finds a wrong type before a syntax error further on; Valid looks at syntax only.
		if c.syntax && Valid([]byte(c.in)) == nil {
			t.Errorf("%s: Valid accepts what Unmarshal calls a syntax error", c.in)
		}
	}
}

// A struct that contains itself, through a slice, decodes (each level gets its own scratch).
type tree struct {
	Name     string `json:"name"`
	Children []tree `json:"children,omitempty"`
}

func TestRecursiveType(t *testing.T) {
	in := tree{Name: "r", Children: []tree{{Name: "a", Children: []tree{{Name: "a1"}, {Name: "a2"}}}, {Name: "b"}}}
	data := stdEncode(t, &in)
	var out tree
	if err := Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, out) {
		t.Errorf("got %+v", out)
	}
}

// Long slices fill several scratch chunks (small and large elements, lengths around the chunks'
// bounds); a slice of the same type decoded after one starts from zero values; an error in a
// later chunk names its element.
func TestLongSlices(t *testing.T) {
	type pad struct{ P0, P1, P2, P3, P4, P5, P6, P7, P8, P9, Q0, Q1, Q2, Q3, Q4, Q5, Q6, Q7, Q8, Q9 int64 }
	type big struct { // 248 bytes: a chunk holds 264
		A, B, C string
		D       string   `json:"d,omitempty"`
		L       []string `json:"l,omitempty"`
		Pad     pad
	}
	type doc struct {
		Ints []int    `json:"ints"`
		Strs []string `json:"strs"`
		Bigs []big    `json:"bigs"`
		More []big    `json:"more"`
	}
	for _, n := range []int{0, 1, 7, 8, 9, 24, 25, 120, 1000, 5000} {
		var in doc
		for i := range n {
			s := strconv.Itoa(i)
			in.Ints = append(in.Ints, i)
			in.Strs = append(in.Strs, "s"+s)
			in.Bigs = append(in.Bigs, big{A: s, D: "d" + s, L: []string{s, s}, Pad: pad{P0: int64(i), Q9: 1}})
			if i%2 == 0 {
				in.More = append(in.More, big{A: s}) // no D and L: the scratch must not lend them
			}
		}
		data := stdEncode(t, &in)
		var out doc
		if err := Unmarshal(data, &out); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(in, out) {
			t.Fatalf("%d elements: the decoded slices differ", n)
		}
		if n < 2 {
			continue
		}
		// The last element goes wrong.
		bad := bytes.Replace(data, []byte(`"d`+strconv.Itoa(n-1)+`"`), []byte(`7`), 1)
		err := Unmarshal(bad, &out)
		if err == nil || !strings.Contains(err.Error(), "bigs["+strconv.Itoa(n-1)+"]") {
			t.Fatalf("%d elements: error %v, want one at bigs[%d]", n, err, n-1)
		}
	}
}

// Unmarshal starts from the zero value, whatever *v held.
func TestUnmarshalResets(t *testing.T) {
	z := zoo{S: "old", L: []inner{{ID: "old"}}}
	if err := Unmarshal([]byte(`{"i": 1}`), &z); err != nil {
		t.Fatal(err)
	}
	if z.S != "" || z.L != nil || z.I != 1 {
		t.Errorf("got %+v", z)
	}
}

func TestMember(t *testing.T) {
	data := []byte(` {"a": {"x": [1, "}"]}, "b\u0031": 2 , "c": "v"}`)
	for name, want := range map[string]string{"a": `{"x": [1, "}"]}`, "b1": "2", "c": `"v"`, "d": ""} {
		got, ok := Member(data, name)
		if string(got) != want || ok != (want != "") {
			t.Errorf("Member(%q) = %q, %v", name, got, ok)
		}
	}
	if _, ok := Member([]byte(`[1]`), "a"); ok {
		t.Error("Member found a member in an array")
	}
}

func TestUnsupportedTypesPanic(t *testing.T) {
	for _, v := range []any{
		&struct {
			C chan int `json:"c"`
		}{},
		&struct {
			B []byte `json:"b"`
		}{},
		&struct {
			M map[int]string `json:"m"`
		}{},
		&struct {
			X string `json:"x,string"`
		}{},
		&struct{ *inner }{},
		&struct {
			inner `json:"in"`
		}{},
		&struct {
			I any `json:"i"`
		}{},
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(r.(string), "strictjson:") {
					t.Errorf("%T: want a strictjson panic, got %v", v, r)
				}
			}()
			_ = Unmarshal([]byte(`{}`), v)
		}()
	}
}

// An untagged embedded struct's members are the outer object's, as in encoding/json.
func TestEmbeddedStruct(t *testing.T) {
	type outer struct {
		Name string `json:"name"`
		inner
		After int `json:"after,omitempty"`
	}
	for _, v := range []outer{{}, {Name: "n", inner: inner{ID: "i", Tags: []string{"t"}}, After: 3}} {
		want := stdEncode(t, &v)
		got, err := Marshal(&v)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("Marshal = %s, %v; encoding/json: %s", got, err, want)
		}
		var back outer
		if err := Unmarshal(want, &back); err != nil || !reflect.DeepEqual(back, v) {
			t.Errorf("Unmarshal = %+v, %v; want %+v", back, err, v)
		}
	}
	var o outer
	if err := Unmarshal([]byte(`{"id":"x","inner":{}}`), &o); err == nil || !strings.Contains(err.Error(), "$.inner: unknown field") {
		t.Errorf("the embedded struct's own name accepted as a member: %v", err)
	}
}

// shape is a struct whose interface field's type its kind names (InterfaceTyper).
type shape struct {
	Kind   string `json:"kind"`
	Params any    `json:"params"`
}

type circle struct {
	Radius int `json:"radius"`
}

type square struct {
	Side  int     `json:"side"`
	Marks []inner `json:"marks,omitempty"`
}

func (s *shape) JSONInterfaceType(field string) (reflect.Type, error) {
	switch s.Kind {
	case "circle":
		return reflect.TypeFor[circle](), nil
	case "square":
		return reflect.TypeFor[square](), nil
	}
	return nil, errors.New("unknown kind " + strconv.Quote(s.Kind))
}

func TestInterfaceFields(t *testing.T) {
	shapes := []shape{{Kind: "circle", Params: circle{Radius: 2}}, {Kind: "square", Params: square{Side: 3, Marks: []inner{{ID: "m"}}}}, {Kind: "none"}}
	want := stdEncode(t, &shapes)
	got, err := Marshal(&shapes)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("Marshal = %s, %v; encoding/json: %s", got, err, want)
	}
	var back []shape
	if err := Unmarshal(want, &back); err != nil || !reflect.DeepEqual(back, shapes) {
		t.Fatalf("Unmarshal = %+v, %v; want %+v", back, err, shapes)
	}
	// The kind may come after the params; the params may be absent.
	var s shape
	if err := Unmarshal([]byte(`{"params": {"side": 4}, "kind": "square"}`), &s); err != nil || !reflect.DeepEqual(s, shape{Kind: "square", Params: square{Side: 4}}) {
		t.Errorf("params before kind: %+v, %v", s, err)
	}
	if err := Unmarshal([]byte(`{"kind": "circle"}`), &s); err != nil || s.Params != nil {
		t.Errorf("no params: %+v, %v", s, err)
	}
	for in, msg := range map[string]string{
		`[{"kind": "circle", "params": {"radius": 1}}, {"kind": "oval", "params": {}}]`:  `$[1].params: unknown kind "oval"`,
		`[{"kind": "circle", "params": {"side": 1}}]`:                                    `$[0].params.side: unknown field`,
		`[{"kind": "square", "params": {"side": 1, "marks": [{"id": 1}]}, "kind": "x"}]`: `$[0].kind: duplicate field`,
		`[{"kind": "square", "params": {"marks": [{"id": 1}]}}]`:                         `$[0].params.marks[0].id: expected a string`,
		`[{"kind": "square", "params": {"side": 1}]`:                                     `invalid character`,
	} {
		var out []shape
		if err := Unmarshal([]byte(in), &out); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("%s: got %v, want %q", in, err, msg)
		}
	}
}

func TestEncodeErrors(t *testing.T) {
	if _, err := Marshal(&zoo{F64: math.NaN()}); err == nil {
		t.Error("NaN encoded")
	}
	if _, err := Marshal(&zoo{T: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}); err == nil {
		t.Error("year 10000 encoded")
	}
}

// FuzzUnmarshal: whatever Unmarshal accepts, encoding/json accepts too and decodes to the same
// value, and both encoders write the same bytes for it; Valid agrees with encoding/json.Valid.
func FuzzUnmarshal(f *testing.F) {
	for _, z := range zoos() {
		data, err := json.Marshal(&z)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"s":"\ud800\udc00\u2028","m":{"a":"b"},"ll":[[1,2],[]]}`))
	f.Add([]byte(`{"f64":1e400}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if (Valid(data) == nil) != json.Valid(data) {
			t.Fatalf("Valid = %v, encoding/json.Valid = %v", Valid(data), json.Valid(data))
		}
		var got zoo
		if err := Unmarshal(data, &got); err != nil {
			var e *Error
			if !errors.As(err, &e) || !strings.HasPrefix(e.Path, "$") {
				t.Fatalf("error %v is not an *Error with a path", err)
			}
			if e.Syntax && json.Valid(data) {
				t.Fatalf("syntax error %v on valid JSON", e)
			}
			return
		}
		var want zoo
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&want); err != nil {
			t.Fatalf("accepted what encoding/json rejects: %v", err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("decoded differently:\n%+v\n---\n%+v", got, want)
		}
		enc, err := Marshal(&got)
		var buf bytes.Buffer
		std := json.NewEncoder(&buf)
		std.SetEscapeHTML(false)
		std.SetIndent("", "  ")
		stdErr := std.Encode(&got)
		if (err != nil) != (stdErr != nil) {
			t.Fatalf("encode errors differ: %v vs %v", err, stdErr)
		}
		if err == nil && !bytes.Equal(enc, buf.Bytes()) {
			t.Fatalf("encoded differently:\n%s\n---\n%s", enc, buf.Bytes())
		}
	})
}

// plainRun finds the first byte a JSON string needs to look at, wherever it is in a word.
func TestPlainRun(t *testing.T) {
	for _, special := range []byte{0, 0x1f, '"', '\\', 0x80, 0xff} {
		for at := range 20 {
			b := bytes.Repeat([]byte("a~ !#[]}"), 3)[:20]
			b[at] = special
			if got := plainRun(b, 0); got != at {
				t.Errorf("special byte %#x at %d: plainRun = %d", special, at, got)
			}
		}
	}
	if got := plainRun([]byte("no special byte here"), 0); got != 20 {
		t.Errorf("plain text: %d, want 20", got)
	}
}

// A long slice, encoded in chunks on several goroutines (encodeChunks), gives encoding/json's bytes,
// through Encode (written chunk by chunk) and Marshal, with long slices nested in its elements and
// a length that is not a multiple of the chunk; an error in any chunk is the encoder's.
func TestEncodeLongSlices(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(max(2, runtime.GOMAXPROCS(0)))) // chunks need two
	type row struct {
		Z    zoo     `json:"z"`
		Subs []inner `json:"subs"`
	}
	zs := zoos()
	rows := make([]row, 5*chunkLen+17)
	for i := range rows {
		rows[i].Z = zs[i%len(zs)]
		if i%700 == 3 {
			rows[i].Subs = make([]inner, 3*chunkLen)
			for j := range rows[i].Subs {
				rows[i].Subs[j].ID = strconv.Itoa(j)
			}
		}
	}
	want := stdEncode(t, &rows)
	got, err := Marshal(&rows)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("Marshal differs from encoding/json (err %v)", err)
	}
	var w bytes.Buffer
	if err := Encode(&w, &rows); err != nil || !bytes.Equal(w.Bytes(), want) {
		t.Fatalf("Encode differs from encoding/json (err %v)", err)
	}
	rows[4*chunkLen+1].Z.F64 = math.NaN()
	if _, err := Marshal(&rows); err == nil {
		t.Error("NaN in a later chunk encoded")
	}
	if err := Encode(&w, &rows); err == nil {
		t.Error("NaN in a later chunk encoded by Encode")
	}
	rows[4*chunkLen+1].Z.F64 = 0
	if err := Encode(failingWriter{}, &rows); err == nil {
		t.Error("a writer's error was not returned")
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }
