package plans

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// Every kind's params round-trip through a step's JSON with its own type, and every field is
// documented (docs/plan.md is generated from the desc tags).
func TestKindCatalogue(t *testing.T) {
	if len(Kinds()) < 30 {
		t.Fatalf("only %d kinds registered", len(Kinds()))
	}
	for _, k := range Kinds() {
		var check func(tp reflect.Type, path string)
		check = func(tp reflect.Type, path string) {
			for i := 0; i < tp.NumField(); i++ {
				f := tp.Field(i)
				if f.Anonymous {
					check(f.Type, path)
					continue
				}
				if f.Tag.Get("json") == "" || f.Tag.Get("desc") == "" {
					t.Errorf("%s: field %s%s needs json and desc tags", k.Kind, path, f.Name)
				}
				ft := f.Type
				if ft.Kind() == reflect.Slice {
					ft = ft.Elem()
				}
				if ft.Kind() == reflect.Struct && ft != valueType {
					check(ft, path+f.Name+".")
				}
			}
		}
		check(reflect.TypeOf(k.Params), "")
		st := Step{ID: "x/" + k.Kind, Kind: k.Kind, Params: k.Params}
		data, err := json.Marshal(st)
		if err != nil {
			t.Fatal(err)
		}
		var back Step
		if err := json.Unmarshal(data, &back); err != nil {
			t.Fatalf("%s: %v\n%s", k.Kind, err, data)
		}
		if reflect.TypeOf(back.Params) != reflect.TypeOf(k.Params) || !reflect.DeepEqual(back.Params, k.Params) {
			t.Errorf("%s: params came back as %#v", k.Kind, back.Params)
		}
		for _, op := range k.Operations {
			if svc, name, ok := strings.Cut(op, ":"); !ok || svc == "" || name == "" {
				t.Errorf("%s: operation %q is not service:Operation", k.Kind, op)
			}
		}
	}
}

func TestStepParamsStrict(t *testing.T) {
	var st Step
	err := json.Unmarshal([]byte(`{"id":"scp.detach/p-1/ou-1","kind":"scp.detach","title":"t","why":"w","target":{},"params":{"policyId":"p-1","targetId":"ou-1","extra":1}}`), &st)
	if err == nil || !strings.Contains(err.Error(), "extra") {
		t.Fatalf("unknown param key accepted: %v", err)
	}
	err = json.Unmarshal([]byte(`{"id":"x","kind":"no.such","title":"t","why":"w","target":{},"params":{}}`), &st)
	if err == nil {
		t.Fatal("params of an unknown kind accepted")
	}
}

func TestValueJSON(t *testing.T) {
	for _, tc := range []struct {
		v    Value
		json string
	}{
		{Lit("ou-ab12-cd34ef56"), `"ou-ab12-cd34ef56"`},
		{Out("account.create/log-archive", OutputAccountID), `{"fromStep":"account.create/log-archive","output":"accountId"}`},
	} {
		data, err := json.Marshal(tc.v)
		if err != nil || string(data) != tc.json {
			t.Errorf("marshal %+v = %s, %v; want %s", tc.v, data, err, tc.json)
		}
		var back Value
		if err := json.Unmarshal(data, &back); err != nil || back != tc.v {
			t.Errorf("unmarshal %s = %+v, %v", data, back, err)
		}
	}
	for _, bad := range []string{`{"fromStep":"x"}`, `{"fromStep":"x","output":"y","z":1}`, `3`} {
		var v Value
		if err := json.Unmarshal([]byte(bad), &v); err == nil {
			t.Errorf("%s accepted as a value", bad)
		}
	}
	got, err := Out("a", "accountId").Resolve(func(step, out string) (string, bool) { return "123456789012", step == "a" && out == "accountId" })
	if err != nil || got != "123456789012" {
		t.Errorf("Resolve = %q, %v", got, err)
	}
	if _, err := Out("a", "accountId").Resolve(nil); err == nil {
		t.Error("an unknown output resolved")
	}
}

func TestCheckRefs(t *testing.T) {
	mk := func(deps []string, from string) *Plan {
		return &Plan{Phases: []Phase{{Steps: []Step{
			{ID: "ou.create/x", Kind: KindOUCreate, Params: OUCreate{ParentID: Lit("r-1"), Name: "x"}},
			{ID: "mid", Kind: KindVerify, DependsOn: []string{"ou.create/x"}, Params: Verify{Condition: "c"}},
			{ID: "move", Kind: KindAccountMove, DependsOn: deps, Params: AccountMove{AccountID: "1", SourceParentID: Lit("ou-1"),
				DestinationParentID: Out(from, OutputOUID)}},
		}}}}
	}
	if err := mk([]string{"mid"}, "ou.create/x").CheckRefs(); err != nil {
		t.Errorf("transitive dependency refused: %v", err)
	}
	if err := mk(nil, "ou.create/x").CheckRefs(); err == nil {
		t.Error("a reference without a dependency accepted")
	}
	if err := mk([]string{"mid"}, "mid").CheckRefs(); err == nil {
		t.Error("a reference to an output the kind does not have accepted")
	}
	if err := mk([]string{"mid"}, "nope").CheckRefs(); err == nil {
		t.Error("a reference to a missing step accepted")
	}
}
