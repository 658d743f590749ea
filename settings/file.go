package settings

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/lz2ct/lz2ct/inventory"
	"go.yaml.in/yaml/v3"
)

// Load reads a settings file, YAML or JSON (by extension: .json is JSON, .yaml/.yml YAML; otherwise
// by content). Keys are strict: an unknown key is an error that names it, because a misspelt key
// (say "homeRegoin") would otherwise silently fall back to a default and plan the wrong migration.
func Load(path string) (*Settings, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read settings: %w", err)
	}
	s, err := Decode(data, strings.ToLower(filepath.Ext(path)))
	if err != nil {
		return nil, fmt.Errorf("settings %s: %w", path, err)
	}
	return s, nil
}

// Decode parses settings; ext (".json", ".yaml", ".yml" or "") picks the format, "" guesses from the content.
func Decode(data []byte, ext string) (*Settings, error) {
	isJSON := ext == ".json"
	if ext != ".json" && ext != ".yaml" && ext != ".yml" {
		isJSON = bytes.HasPrefix(bytes.TrimSpace(data), []byte("{"))
	}
	var s Settings
	if isJSON {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&s); err != nil {
			return nil, jsonError(data, err)
		}
		if dec.More() {
			return nil, errors.New("extra data after the settings object")
		}
		return &s, nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&s); err != nil {
		if errors.Is(err, io.EOF) {
			return &s, nil // an empty file is empty settings; Validate says what is missing
		}
		return nil, yamlError(err)
	}
	return &s, nil
}

var yamlUnknown = regexp.MustCompile(`line (\d+): field (\S+) not found in type \S+`)

// yamlError rewrites yaml.v3's Go-flavoured messages ("field x not found in type settings.Settings")
// into the user's terms.
func yamlError(err error) error {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "yaml: unmarshal errors:\n")
	msg = strings.TrimPrefix(msg, "yaml: ")
	msg = yamlUnknown.ReplaceAllString(msg, "line $1: unknown key \"$2\" (see docs/settings.md for the keys)")
	msg = strings.ReplaceAll(msg, "\n  ", "\n")
	return fmt.Errorf("%s", strings.TrimSpace(msg))
}

func jsonError(data []byte, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		line := 1 + bytes.Count(data[:min(int(syn.Offset), len(data))], []byte("\n"))
		return fmt.Errorf("line %d: %s", line, syn.Error())
	case errors.As(err, &typ):
		return fmt.Errorf("key %q: expected %s, got JSON %s", typ.Field, typ.Type, typ.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return fmt.Errorf("unknown key %s (see docs/settings.md for the keys)", strings.TrimPrefix(err.Error(), "json: unknown field "))
	}
	return err
}

// Encode renders settings as YAML, the format the wizard saves and people edit.
func Encode(s Settings) ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(s); err != nil {
		return nil, fmt.Errorf("encode settings: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encode settings: %w", err)
	}
	return buf.Bytes(), nil
}

// Save writes settings as YAML, atomically, so an interrupted save never leaves a truncated file.
func Save(path string, s Settings) error {
	data, err := Encode(s)
	if err != nil {
		return err
	}
	return inventory.WriteFileAtomic(path, data, 0o644)
}
