package inventory

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"time"
)

// PathError is a problem at one place in a snapshot, named by its JSON path ("$.accounts[3].parentId").
type PathError struct {
	Path string
	Msg  string
}

func (e *PathError) Error() string { return e.Path + ": " + e.Msg }

// Load reads, decodes and validates a snapshot file.
func Load(path string) (*Snapshot, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read snapshot: %w", err)
	}
	s, err := Decode(data)
	if err != nil {
		return nil, fmt.Errorf("snapshot %s: %w", path, err)
	}
	return s, nil
}

// Decode parses and validates snapshot JSON. Errors are *PathError naming where the problem is.
func Decode(data []byte) (*Snapshot, error) {
	// Fast path: a well-formed file of this version decodes strictly in one pass. Only when that
	// fails (or the version is missing or another) do we pay for the slower generic walk that
	// names the path of the problem (7x slower on big files).
	var s Snapshot
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if dec.Decode(&s) == nil && !dec.More() && s.SchemaVersion == SchemaVersion {
		if err := Validate(&s); err != nil {
			return nil, err
		}
		return &s, nil
	}
	return decodeSlow(data)
}

// decodeSlow decodes with a generic first pass so that every error names its JSON path.
func decodeSlow(data []byte) (*Snapshot, error) {
	// First pass into generic values: syntax errors get a line and column, and the strict walk
	// below can name the path of an unknown field or a wrong type, which encoding/json cannot.
	var generic any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&generic); err != nil {
		return nil, &PathError{Path: "$", Msg: syntaxMessage(data, err)}
	}
	if dec.More() {
		return nil, &PathError{Path: "$", Msg: "unexpected data after the snapshot object"}
	}
	obj, ok := generic.(map[string]any)
	if !ok {
		return nil, &PathError{Path: "$", Msg: "a snapshot is a JSON object"}
	}
	v, ok := obj["schemaVersion"]
	if !ok {
		return nil, &PathError{Path: "$.schemaVersion", Msg: "missing: is this an lz2ct snapshot?"}
	}
	if n, _ := v.(json.Number); n.String() != fmt.Sprint(SchemaVersion) {
		return nil, &PathError{Path: "$.schemaVersion", Msg: fmt.Sprintf("unsupported version %v (this lz2ct reads version %d)", v, SchemaVersion)}
	}
	if err := checkShape("$", generic, reflect.TypeOf(Snapshot{})); err != nil {
		return nil, err
	}
	var s Snapshot
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, &PathError{Path: "$", Msg: err.Error()}
	}
	if err := Validate(&s); err != nil {
		return nil, err
	}
	return &s, nil
}

func syntaxMessage(data []byte, err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line, col := lineCol(data, se.Offset)
		return fmt.Sprintf("invalid JSON at line %d, column %d: %v", line, col, se)
	}
	if strings.Contains(err.Error(), "unexpected EOF") {
		return "invalid JSON: the file ends early (truncated?)"
	}
	return "invalid JSON: " + err.Error()
}

func lineCol(data []byte, off int64) (int, int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	line := 1 + bytes.Count(data[:off], []byte("\n"))
	col := int(off) - bytes.LastIndexByte(data[:off], '\n')
	return line, col
}

// checkShape compares a generic JSON value against the Go type it will decode into, so unknown
// fields and wrong types are reported with their path.
func checkShape(path string, v any, t reflect.Type) error {
	if v == nil {
		return nil // null decodes to the zero value
	}
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.String() == "time.Time" {
		s, ok := v.(string)
		if !ok {
			return &PathError{Path: path, Msg: "expected an RFC 3339 time string"}
		}
		if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
			return &PathError{Path: path, Msg: fmt.Sprintf("invalid time %q: want RFC 3339, e.g. 2026-01-02T15:04:05Z", s)}
		}
		return nil
	}
	switch t.Kind() {
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			return &PathError{Path: path, Msg: "expected an object, got " + jsonKind(v)}
		}
		fields := jsonFields(t)
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			ft, ok := fields[k]
			if !ok {
				return &PathError{Path: path + "." + k, Msg: "unknown field"}
			}
			if err := checkShape(path+"."+k, obj[k], ft); err != nil {
				return err
			}
		}
	case reflect.Slice:
		arr, ok := v.([]any)
		if !ok {
			return &PathError{Path: path, Msg: "expected an array, got " + jsonKind(v)}
		}
		for i, e := range arr {
			if err := checkShape(fmt.Sprintf("%s[%d]", path, i), e, t.Elem()); err != nil {
				return err
			}
		}
	case reflect.Map:
		obj, ok := v.(map[string]any)
		if !ok {
			return &PathError{Path: path, Msg: "expected an object, got " + jsonKind(v)}
		}
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys) // the first problem reported does not depend on map order
		for _, k := range keys {
			if err := checkShape(path+"."+k, obj[k], t.Elem()); err != nil {
				return err
			}
		}
	case reflect.String:
		if _, ok := v.(string); !ok {
			return &PathError{Path: path, Msg: "expected a string, got " + jsonKind(v)}
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			return &PathError{Path: path, Msg: "expected true or false, got " + jsonKind(v)}
		}
	case reflect.Int, reflect.Int64, reflect.Int32:
		n, ok := v.(json.Number)
		if !ok {
			return &PathError{Path: path, Msg: "expected an integer, got " + jsonKind(v)}
		}
		if _, err := n.Int64(); err != nil {
			return &PathError{Path: path, Msg: "expected an integer, got " + n.String()}
		}
	}
	return nil
}

func jsonKind(v any) string {
	switch v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	}
	return "null"
}

// fieldCache holds the JSON fields of every struct type in a Snapshot; init fills it, and after
// that it is only read (so concurrent Decode calls are safe).
var fieldCache = map[reflect.Type]map[string]reflect.Type{}

func jsonFields(t reflect.Type) map[string]reflect.Type {
	if f, ok := fieldCache[t]; ok {
		return f
	}
	f := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if name == "-" || !sf.IsExported() {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		f[name] = sf.Type
	}
	return f
}

func init() {
	// Fill the cache up front so concurrent Decode calls only read it.
	var walk func(reflect.Type)
	walk = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || t.String() == "time.Time" {
			return
		}
		if _, done := fieldCache[t]; done {
			return
		}
		fields := jsonFields(t)
		fieldCache[t] = fields
		for _, ft := range fields {
			walk(ft)
		}
	}
	walk(reflect.TypeOf(Snapshot{}))
}

// Encode serializes a snapshot in its canonical text form: two-space indentation, struct field
// order, a final newline. The same Snapshot value always gives the same bytes.
func Encode(s *Snapshot) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(s); err != nil {
		return nil, fmt.Errorf("encode snapshot: %w", err)
	}
	return buf.Bytes(), nil
}

// Save writes the snapshot atomically: a temporary file in the same folder, fsync, rename.
// A reader never sees a half-written snapshot, and a crash leaves the old file intact.
func Save(path string, s *Snapshot) error {
	data, err := Encode(s)
	if err != nil {
		return err
	}
	return WriteFileAtomic(path, data, 0o644)
}

// WriteFileAtomic writes data to path via a temporary file, fsync and rename, then fsyncs the folder.
func WriteFileAtomic(path string, data []byte, perm os.FileMode) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // no-op after a successful rename
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Chmod(perm); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("sync %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // make the rename durable; not every filesystem supports it
		d.Close()
	}
	return nil
}

// Sort puts every slice of the snapshot in canonical order (by ID, name, or region), so that two
// discoveries of the same organization serialize identically whatever order AWS paged them in.
func (s *Snapshot) Sort() {
	sort.Strings(s.Regions)
	sort.Slice(s.Roots, func(i, j int) bool { return s.Roots[i].ID < s.Roots[j].ID })
	for i := range s.Roots {
		sort.Strings(s.Roots[i].PolicyTypes)
	}
	sort.Slice(s.OUs, func(i, j int) bool { return s.OUs[i].ID < s.OUs[j].ID })
	sort.Slice(s.Accounts, func(i, j int) bool { return s.Accounts[i].ID < s.Accounts[j].ID })
	for i := range s.Accounts {
		a := &s.Accounts[i]
		a.sortFacts()
		sort.Slice(a.Regions, func(i, j int) bool { return a.Regions[i].Region < a.Regions[j].Region })
		for k := range a.Regions {
			r := &a.Regions[k]
			sort.Slice(r.ConfigRecorders, func(i, j int) bool { return r.ConfigRecorders[i].Name < r.ConfigRecorders[j].Name })
			sort.Slice(r.DeliveryChannels, func(i, j int) bool { return r.DeliveryChannels[i].Name < r.DeliveryChannels[j].Name })
			sort.Strings(r.ConfigAggregators)
			sort.Slice(r.ReservedNames, func(i, j int) bool {
				return r.ReservedNames[i].Type+"\x00"+r.ReservedNames[i].Name < r.ReservedNames[j].Type+"\x00"+r.ReservedNames[j].Name
			})
		}
	}
	sort.Slice(s.Policies, func(i, j int) bool { return s.Policies[i].ID < s.Policies[j].ID })
	for i := range s.Policies {
		sort.Strings(s.Policies[i].Targets)
	}
	sort.Strings(s.TrustedServices)
	sort.Slice(s.DelegatedAdmins, func(i, j int) bool {
		a, b := s.DelegatedAdmins[i], s.DelegatedAdmins[j]
		return a.ServicePrincipal+a.AccountID < b.ServicePrincipal+b.AccountID
	})
	if lz := s.ControlTower.LandingZone; lz != nil {
		sort.Strings(lz.GovernedRegions)
	}
	sort.Slice(s.ControlTower.EnabledBaselines, func(i, j int) bool {
		return s.ControlTower.EnabledBaselines[i].Arn < s.ControlTower.EnabledBaselines[j].Arn
	})
	if z := s.ALZ; z != nil {
		sort.Strings(z.ManifestRegions)
		sort.Slice(z.Stacks, func(i, j int) bool { return z.Stacks[i].Region+z.Stacks[i].Name < z.Stacks[j].Region+z.Stacks[j].Name })
		sort.Slice(z.StackSets, func(i, j int) bool { return z.StackSets[i].Name < z.StackSets[j].Name })
		for i := range z.StackSets {
			in := z.StackSets[i].Instances
			sort.Slice(in, func(i, j int) bool { return in[i].AccountID+in[i].Region < in[j].AccountID+in[j].Region })
		}
		sort.Slice(z.Portfolios, func(i, j int) bool { return z.Portfolios[i].ID < z.Portfolios[j].ID })
		for i := range z.Portfolios {
			sort.Strings(z.Portfolios[i].ProductIDs)
			sort.Strings(z.Portfolios[i].PrincipalARNs)
			sort.Strings(z.Portfolios[i].ConstraintIDs)
		}
		sort.Slice(z.Products, func(i, j int) bool { return z.Products[i].ID < z.Products[j].ID })
		sort.Slice(z.ProvisionedProducts, func(i, j int) bool { return z.ProvisionedProducts[i].ID < z.ProvisionedProducts[j].ID })
		sort.Slice(z.Buckets, func(i, j int) bool { return z.Buckets[i].Name < z.Buckets[j].Name })
		sort.Slice(z.SSMParameters, func(i, j int) bool {
			return z.SSMParameters[i].Region+z.SSMParameters[i].Name < z.SSMParameters[j].Region+z.SSMParameters[j].Name
		})
		sort.Slice(z.KMSAliases, func(i, j int) bool {
			return z.KMSAliases[i].Region+z.KMSAliases[i].Name < z.KMSAliases[j].Region+z.KMSAliases[j].Name
		})
	}
	sort.Slice(s.Problems, func(i, j int) bool {
		a, b := s.Problems[i], s.Problems[j]
		// Code and message break ties: sort.Slice is not stable, so two problems with the same
		// scope would otherwise come out in whatever order discovery recorded them.
		return strings.Join([]string{a.AccountID, a.Region, a.Service, a.Operation, a.Code, a.Message}, "\x00") <
			strings.Join([]string{b.AccountID, b.Region, b.Service, b.Operation, b.Code, b.Message}, "\x00")
	})
}
