package telegramtest

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// botAPISpec is the Bot API as Telegram publishes it, scraped into JSON
// (testdata/README.md names the source and commit): every method with its
// parameters, every type with its fields, each with its types and whether
// it is required.
//
//go:embed testdata/telegram-bot-api.json
var botAPISpec []byte

type apiSpec struct {
	Version string                 `json:"version"`
	Methods map[string]*specObject `json:"methods"`
	Types   map[string]*specObject `json:"types"`
	byLower map[string]*specObject // methods by lower-cased name
}

// specObject is a method (its parameters) or a type (its fields, or the
// subtypes it is one of).
type specObject struct {
	Name     string      `json:"name"`
	Fields   []specField `json:"fields"`
	Subtypes []string    `json:"subtypes"`
	fields   map[string]*specField
}

type specField struct {
	Name     string   `json:"name"`
	Types    []string `json:"types"`
	Required bool     `json:"required"`
}

var (
	specOnce   sync.Once
	loadedSpec *apiSpec
	specErr    error
)

// spec is the Bot API spec, parsed once per process.
func spec() (*apiSpec, error) {
	specOnce.Do(func() {
		var s apiSpec
		if err := json.Unmarshal(botAPISpec, &s); err != nil {
			specErr = fmt.Errorf("telegramtest: testdata/telegram-bot-api.json: %w", err)
			return
		}
		if len(s.Methods) == 0 || len(s.Types) == 0 {
			specErr = fmt.Errorf("telegramtest: testdata/telegram-bot-api.json has no methods or types")
			return
		}
		s.byLower = map[string]*specObject{}
		for _, objs := range []map[string]*specObject{s.Methods, s.Types} {
			for _, o := range objs {
				o.fields = map[string]*specField{}
				for i := range o.Fields {
					o.fields[o.Fields[i].Name] = &o.Fields[i]
				}
			}
		}
		for name, m := range s.Methods {
			s.byLower[strings.ToLower(name)] = m
		}
		loadedSpec = &s
	})
	return loadedSpec, specErr
}

// SpecVersion is the Bot API version of the spec the fake checks calls
// against ("Bot API 10.1").
func SpecVersion() string {
	s, err := spec()
	if err != nil {
		return ""
	}
	return s.Version
}

// invalid is Telegram's answer to a call the Bot API does not allow: the
// fake answers it and fails the test.
func invalid(format string, args ...any) *Failure {
	f := badRequest(format, args...)
	f.invalid = true
	return f
}

// checkCall checks a call against the spec: the method exists, every
// parameter is one it declares, the required ones are there and not
// empty, and each value has a type the parameter allows — Integer,
// Float, String, Boolean, a file upload, or a JSON-serialized object or
// array whose fields, checked the same way down to the leaves, are the
// type's. Nil when the call is one the Bot API allows.
func checkCall(method string, params map[string]string, uploads map[string]bool) *Failure {
	s, err := spec()
	if err != nil {
		return invalid("%v", err)
	}
	m, ok := s.byLower[strings.ToLower(method)]
	if !ok {
		return &Failure{Code: 404, Description: "Not Found", invalid: true}
	}
	names := make([]string, 0, len(params))
	for k := range params {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if m.fields[k] == nil {
			return invalid("%s has no parameter %q (%s)", m.Name, k, s.Version)
		}
	}
	for _, f := range m.Fields {
		v, ok := params[f.Name]
		if !ok || v == "" {
			if f.Required {
				if f.Name == "text" {
					return invalid("message text is empty")
				}
				return invalid("%s is empty", f.Name)
			}
			continue
		}
		if err := s.checkParam(f, v, uploads[f.Name]); err != "" {
			return invalid("%s", err)
		}
	}
	return nil
}

// checkParam checks a parameter's value as sent (a form value, or a JSON
// body's value: a string as itself, anything else as its JSON text).
func (s *apiSpec) checkParam(f specField, v string, upload bool) string {
	var errs []string
	for _, t := range f.Types {
		msg := s.checkParamAs(t, f.Name, v, upload)
		if msg == "" {
			return ""
		}
		errs = append(errs, msg)
	}
	return bestError(f.Name, f.Types, errs)
}

// bestError is the error of the type a value came closest to: the first
// that is not about its shape (another kind of value, or an object of
// other fields); all of them when there is none.
func bestError(name string, types, errs []string) string {
	if len(errs) == 1 {
		return errs[0]
	}
	for _, e := range errs {
		if !strings.Contains(e, " has no field ") && !strings.Contains(e, " needs field ") && !strings.Contains(e, " must be ") &&
			!strings.HasPrefix(e, "can't parse") {
			return e
		}
	}
	return fmt.Sprintf("%s must be one of %s: %s", name, strings.Join(types, ", "), strings.Join(errs, "; "))
}

func (s *apiSpec) checkParamAs(t, name, v string, upload bool) string {
	switch {
	case upload && t == "InputFile":
		return ""
	case upload:
		return fmt.Sprintf("%s: a file upload is not a %s", name, t)
	case t == "InputFile":
		return fmt.Sprintf("%s: an InputFile must be uploaded", name)
	}
	switch t {
	case "String":
		return ""
	case "Integer":
		if _, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err != nil {
			return fmt.Sprintf("%s must be an Integer, not %q", name, v)
		}
		return ""
	case "Float":
		if _, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err != nil {
			return fmt.Sprintf("%s must be a Float, not %q", name, v)
		}
		return ""
	case "Boolean":
		if v != "true" && v != "false" {
			return fmt.Sprintf("%s must be a Boolean (true or false), not %q", name, v)
		}
		return ""
	}
	// A JSON-serialized object or array.
	dec := json.NewDecoder(bytes.NewReader([]byte(v)))
	dec.UseNumber()
	var x any
	if err := dec.Decode(&x); err != nil || dec.More() {
		return fmt.Sprintf("can't parse %s JSON object", name)
	}
	return s.checkValue(t, x, name)
}

// checkValue checks a decoded JSON value against a type of the spec: a
// primitive, "Array of …", or an object type (or one of its subtypes).
func (s *apiSpec) checkValue(t string, v any, path string) string {
	if elem, ok := strings.CutPrefix(t, "Array of "); ok {
		arr, ok := v.([]any)
		if !ok {
			return fmt.Sprintf("%s must be an Array of %s", path, elem)
		}
		for i, e := range arr {
			if msg := s.checkValue(elem, e, fmt.Sprintf("%s[%d]", path, i)); msg != "" {
				return msg
			}
		}
		return ""
	}
	switch t {
	case "String", "InputFile": // nested, a file is named by a string (attach://…, a file_id, a URL)
		if _, ok := v.(string); !ok {
			return fmt.Sprintf("%s must be a String", path)
		}
		return ""
	case "Integer":
		if n, ok := v.(json.Number); !ok || strings.ContainsAny(n.String(), ".eE") {
			return fmt.Sprintf("%s must be an Integer", path)
		}
		return ""
	case "Float":
		if _, ok := v.(json.Number); !ok {
			return fmt.Sprintf("%s must be a Float", path)
		}
		return ""
	case "Boolean":
		if _, ok := v.(bool); !ok {
			return fmt.Sprintf("%s must be a Boolean", path)
		}
		return ""
	}
	typ := s.Types[t]
	if typ == nil {
		return fmt.Sprintf("%s: the spec has no type %s", path, t)
	}
	if len(typ.Subtypes) > 0 {
		var errs []string
		for _, sub := range typ.Subtypes {
			msg := s.checkValue(sub, v, path)
			if msg == "" {
				return ""
			}
			errs = append(errs, msg)
		}
		return bestError(path, typ.Subtypes, errs)
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return fmt.Sprintf("%s must be a %s object", path, t)
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		f := typ.fields[k]
		if f == nil {
			return fmt.Sprintf("%s: %s has no field %q", path, t, k)
		}
		var errs []string
		for _, ft := range f.Types {
			msg := s.checkValue(ft, obj[k], path+"."+k)
			if msg == "" {
				errs = nil
				break
			}
			errs = append(errs, msg)
		}
		if len(errs) > 0 {
			return bestError(path+"."+k, f.Types, errs)
		}
		if msg := checkField(t, k, obj[k]); msg != "" {
			return msg
		}
	}
	for _, f := range typ.Fields {
		if _, ok := obj[f.Name]; f.Required && !ok {
			return fmt.Sprintf("%s: %s needs field %q", path, t, f.Name)
		}
	}
	return ""
}

// checkField checks what a field's description limits and the type does
// not say: callback data is 1-64 bytes (Telegram's answer:
// BUTTON_DATA_INVALID).
func checkField(typ, field string, v any) string {
	if typ == "InlineKeyboardButton" && field == "callback_data" {
		if s, _ := v.(string); len(s) < 1 || len(s) > 64 {
			return "BUTTON_DATA_INVALID"
		}
	}
	return ""
}
