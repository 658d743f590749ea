package plans

import (
	"bytes"
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// Value is a step parameter: a literal known when planning, or the output of an earlier step that
// exists only once that step has run (the Log Archive account ID CreateAccount returns, the ID of
// an OU the plan creates, the landing zone's IdentityCenterBaseline). A reference is never text
// inside a command or a document: the runbook renders it readably and the engine resolves it from
// the journal.
//
// In JSON a literal is a plain string and a reference an object:
//
//	"ouId": "ou-ab12-cd34ef56"
//	"ouId": {"fromStep": "ou.create/ou-ab12-cd34ef56/Workloads-2", "output": "ouId"}
type Value struct {
	Literal  string
	FromStep string
	Output   string
}

// Lit is a value known when planning.
func Lit(s string) Value { return Value{Literal: s} }

// Out is the output name of step, known once that step has succeeded.
func Out(step, output string) Value { return Value{FromStep: step, Output: output} }

// IsRef reports whether the value is another step's output.
func (v Value) IsRef() bool { return v.FromStep != "" }

// IsZero reports whether the value is empty (an optional parameter left out).
func (v Value) IsZero() bool { return v == Value{} }

// String renders the value for people: the literal, or "<output of step>".
func (v Value) String() string {
	if v.IsRef() {
		return "<" + v.Output + " of " + v.FromStep + ">"
	}
	return v.Literal
}

// Resolve returns the literal, or looks the output up (the engine reads outputs from the journal).
func (v Value) Resolve(lookup func(step, output string) (string, bool)) (string, error) {
	if !v.IsRef() {
		return v.Literal, nil
	}
	if lookup != nil {
		if s, ok := lookup(v.FromStep, v.Output); ok && s != "" {
			return s, nil
		}
	}
	return "", fmt.Errorf("output %q of step %s is not known yet: that step has not succeeded (run it first, or resume the run)", v.Output, v.FromStep)
}

// MarshalJSON writes a literal as a string and a reference as {"fromStep","output"}.
func (v Value) MarshalJSON() ([]byte, error) {
	if v.IsRef() {
		return json.Marshal(struct {
			FromStep string `json:"fromStep"`
			Output   string `json:"output"`
		}{v.FromStep, v.Output})
	}
	return json.Marshal(v.Literal)
}

// UnmarshalJSON accepts a string or a reference object with exactly its two keys.
func (v *Value) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '"' {
		*v = Value{}
		// The caller (a JSON decoder) has checked the syntax: a string without escapes in valid
		// UTF-8 is its bytes, the common case, without a second decoder.
		if s := data[1:max(1, len(data)-1)]; bytes.IndexByte(s, '\\') < 0 && utf8.Valid(s) {
			v.Literal = string(s)
			return nil
		}
		return json.Unmarshal(data, &v.Literal)
	}
	var ref struct {
		FromStep string `json:"fromStep"`
		Output   string `json:"output"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ref); err != nil {
		return fmt.Errorf("a value is a string or {\"fromStep\": ..., \"output\": ...}: %w", err)
	}
	if ref.FromStep == "" || ref.Output == "" {
		return fmt.Errorf("a step output reference needs both fromStep and output")
	}
	*v = Value{FromStep: ref.FromStep, Output: ref.Output}
	return nil
}
