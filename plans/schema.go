package plans

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	gotoken "go/token"
	"reflect"
	"sort"
	"strings"
)

// The plan's JSON Schema (docs/plan.schema.json) and the kinds reference in docs/plan.md are
// generated from the Go types, so they cannot drift from what Decode accepts: the structure comes
// from reflection, the descriptions from the doc comments of plan.go (embedded below) and from the
// desc tags of the params types. A test fails when docs/ is stale (go test ./plans -update).

//go:embed plan.go
var planSource []byte

// SchemaID is the $id of the plan JSON Schema.
const SchemaID = "https://github.com/lz2ct/lz2ct/docs/plan.schema.json"

// typeNotes describes types of other packages the plan embeds.
var typeNotes = map[string]string{
	"Settings": "The resolved migration settings the plan was built with (docs/settings.md).",
	"Finding":  "One pre-check finding (docs/checks.md).",
	"Subject":  "Something a finding is about.",
	"Value":    "A literal string, or the output of an earlier step: {\"fromStep\": step ID, \"output\": output name}. The engine resolves it from the journal.",
}

// planDocs returns the Go doc comments of plan.go: type name -> doc, "Type.Field" -> doc.
func planDocs() (types, fields map[string]string) {
	types, fields = map[string]string{}, map[string]string{}
	f, err := parser.ParseFile(gotoken.NewFileSet(), "plan.go", planSource, parser.ParseComments)
	if err != nil {
		panic("plans: plan.go does not parse: " + err.Error()) // it compiled, so it parses
	}
	clean := func(cg ...*ast.CommentGroup) string {
		var parts []string
		for _, c := range cg {
			if c != nil {
				if t := strings.TrimSpace(c.Text()); t != "" {
					parts = append(parts, strings.Join(strings.Fields(t), " "))
				}
			}
		}
		return strings.Join(parts, " ")
	}
	for _, decl := range f.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != gotoken.TYPE {
			continue
		}
		for _, spec := range gd.Specs {
			ts := spec.(*ast.TypeSpec)
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				continue
			}
			doc := ts.Doc
			if doc == nil {
				doc = gd.Doc
			}
			types[ts.Name.Name] = clean(doc)
			for _, fl := range st.Fields.List {
				for _, n := range fl.Names {
					fields[ts.Name.Name+"."+n.Name] = clean(fl.Doc, fl.Comment)
				}
			}
		}
	}
	return types, fields
}

var (
	paramsType = reflect.TypeOf((*Params)(nil)).Elem()
	valueTyp   = reflect.TypeOf(Value{})
)

type schemaBuilder struct {
	types, fields map[string]string
	defs          map[string]any
}

func (b *schemaBuilder) typeSchema(t reflect.Type) map[string]any {
	switch {
	case t == valueTyp:
		b.defs["Value"] = map[string]any{
			"description": typeNotes["Value"],
			"oneOf": []any{
				map[string]any{"type": "string"},
				map[string]any{"type": "object", "additionalProperties": false, "required": []string{"fromStep", "output"},
					"properties": map[string]any{"fromStep": map[string]any{"type": "string", "minLength": 1}, "output": map[string]any{"type": "string", "minLength": 1}}},
			},
		}
		return map[string]any{"$ref": "#/$defs/Value"}
	case t == paramsType:
		return map[string]any{"type": "object", "description": "The kind's params; their shape is fixed per kind (see allOf)."}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return map[string]any{"anyOf": []any{b.typeSchema(t.Elem()), map[string]any{"type": "null"}}}
	case reflect.Slice:
		return map[string]any{"type": []string{"array", "null"}, "items": b.typeSchema(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": b.typeSchema(t.Elem())}
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int64, reflect.Int32:
		return map[string]any{"type": "integer"}
	case reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Struct:
		name := defName(t)
		if _, done := b.defs[name]; !done {
			b.defs[name] = nil // reserve: a type is described once
			b.defs[name] = b.structSchema(t)
		}
		return map[string]any{"$ref": "#/$defs/" + name}
	}
	panic("plans: no JSON Schema mapping for " + t.String())
}

// defName names a type in $defs; params types carry their kind's name too.
func defName(t reflect.Type) string {
	if reflect.PointerTo(t).Implements(paramsType) || t.Implements(paramsType) {
		return "Params_" + t.Name()
	}
	return t.Name()
}

func (b *schemaBuilder) structSchema(t reflect.Type) map[string]any {
	props := map[string]any{}
	var required []string
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for i := 0; i < t.NumField(); i++ {
			sf := t.Field(i)
			if !sf.IsExported() {
				continue
			}
			if sf.Anonymous {
				walk(sf.Type) // embedded: its fields are the struct's own in JSON
				continue
			}
			name, opts, _ := strings.Cut(sf.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			if name == "" {
				name = sf.Name
			}
			p := b.typeSchema(sf.Type)
			desc := sf.Tag.Get("desc")
			if desc == "" {
				desc = b.fields[t.Name()+"."+sf.Name]
			}
			if desc != "" {
				if _, isRef := p["$ref"]; isRef {
					p = map[string]any{"$ref": p["$ref"], "description": desc}
				} else {
					p["description"] = desc
				}
			}
			props[name] = p
			if !strings.Contains(opts, "omitempty") {
				required = append(required, name)
			}
		}
	}
	walk(t)
	s := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if d := b.types[t.Name()]; d != "" {
		s["description"] = d
	} else if d := typeNotes[t.Name()]; d != "" {
		s["description"] = d
	}
	if len(required) > 0 {
		s["required"] = required
	}
	return s
}

// JSONSchema is the JSON Schema (2020-12) of plan format Version: a step's kind is one of the
// registered kinds and its params have that kind's shape.
func JSONSchema() []byte {
	types, fields := planDocs()
	b := &schemaBuilder{types: types, fields: fields, defs: map[string]any{}}
	root := b.structSchema(reflect.TypeOf(Plan{}))
	root["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	root["$id"] = SchemaID
	root["title"] = "lz2ct migration plan"
	root["description"] = fmt.Sprintf("A migration plan, format version %d (docs/plan.md). %s", Version, types["Plan"])
	root["properties"].(map[string]any)["version"] = map[string]any{"const": Version, "description": "The plan format: this lz2ct reads and writes only this version."}
	var kinds []string
	var rules []any
	for _, k := range Kinds() {
		kinds = append(kinds, k.Kind)
		ref := b.typeSchema(reflect.TypeOf(k.Params))
		rules = append(rules, map[string]any{
			"if":   map[string]any{"properties": map[string]any{"kind": map[string]any{"const": k.Kind}}, "required": []string{"kind"}},
			"then": map[string]any{"properties": map[string]any{"params": ref}},
		})
	}
	sort.Strings(kinds)
	step := b.defs["Step"].(map[string]any)
	step["properties"].(map[string]any)["kind"] = map[string]any{"enum": kinds, "description": "The step's kind: one AWS action (docs/plan.md, Step kinds)."}
	step["allOf"] = rules
	root["$defs"] = b.defs
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(root); err != nil {
		panic("plans: schema does not encode: " + err.Error())
	}
	return buf.Bytes()
}

// KindsMarkdown renders the step kinds for docs/plan.md: an overview table (kind, what it does,
// outputs, the AWS operations it may call and their IAM actions), then each kind's params with
// their meaning. iam maps "service:Operation" to the IAM action (awsapi's table; the plans
// package imports no AWS code).
func KindsMarkdown(iam func(op string) (string, bool)) string {
	var sb strings.Builder
	esc := strings.NewReplacer("|", `\|`, "\n", " ")
	sb.WriteString("| kind | does | outputs | AWS operations → IAM actions |\n|---|---|---|---|\n")
	for _, k := range Kinds() {
		var ops []string
		for _, op := range k.Operations {
			a, ok := iam(op)
			if !ok {
				a = "?"
			}
			ops = append(ops, fmt.Sprintf("`%s` → `%s`", op, a))
		}
		if len(ops) == 0 {
			ops = []string{"none"}
			if k.Kind == KindManual {
				ops = []string{"none: the operator does it and confirms"}
			}
		}
		outs := "–"
		if len(k.Outputs) > 0 {
			outs = "`" + strings.Join(k.Outputs, "`, `") + "`"
		}
		fmt.Fprintf(&sb, "| [`%s`](#%s) | %s | %s | %s |\n", k.Kind, anchor(k.Kind), esc.Replace(k.Summary), outs, strings.Join(ops, "<br>"))
	}
	for _, k := range Kinds() {
		fmt.Fprintf(&sb, "\n#### `%s`\n\n%s.", k.Kind, capitalize(k.Summary))
		if len(k.Outputs) > 0 {
			fmt.Fprintf(&sb, " Outputs: `%s`.", strings.Join(k.Outputs, "`, `"))
		}
		sb.WriteString("\n\n| param | type | meaning |\n|---|---|---|\n")
		for _, f := range paramFields(reflect.TypeOf(k.Params), "") {
			fmt.Fprintf(&sb, "| `%s` | %s | %s |\n", f[0], f[1], esc.Replace(f[2]))
		}
	}
	return sb.String()
}

// paramFields lists a params type's fields as (JSON path, type, desc), nested structs expanded.
func paramFields(t reflect.Type, prefix string) [][3]string {
	var out [][3]string
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if sf.Anonymous {
			out = append(out, paramFields(sf.Type, prefix)...)
			continue
		}
		name, opts, _ := strings.Cut(sf.Tag.Get("json"), ",")
		path := prefix + name
		ft, typ := sf.Type, ""
		if ft.Kind() == reflect.Slice {
			ft = ft.Elem()
			typ = "list of "
			path += "[]"
		}
		switch {
		case ft == valueTyp:
			typ += "string or step output"
		case ft.Kind() == reflect.Struct:
			typ += "object"
		default:
			typ += ft.Kind().String()
		}
		if strings.Contains(opts, "omitempty") {
			typ += " (optional)"
		}
		out = append(out, [3]string{path, typ, sf.Tag.Get("desc")})
		if ft.Kind() == reflect.Struct && ft != valueTyp {
			out = append(out, paramFields(ft, path+".")...)
		}
	}
	return out
}

func anchor(kind string) string { return strings.NewReplacer(".", "", "-", "-").Replace(kind) }

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
