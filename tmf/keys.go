package tmf

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"sync"
)

// checkKeys refuses a body whose keys encoding/json would read differently
// from any other JSON reader: a key twice in one object (encoding/json
// keeps the last, others the first), or a key that differs from one of
// t's known fields only in case (encoding/json matches it anyway, so
// "AMOUNT" beside "amount" would replace the amount a gateway or an audit
// log sees). It follows t through the body so that it knows each object's
// fields; unknown keys are left alone, as TMF clients send extra ones.
// Malformed JSON is left for the decoder to report.
func checkKeys(data []byte, t reflect.Type) *Error {
	dec := json.NewDecoder(bytes.NewReader(data))
	err, _ := walkValue(dec, t, "")
	return err
}

// CheckKeys applies the key rules of Unmarshal to data read into v by a
// decoder of its own (a data set file, whose decoder also refuses unknown
// fields).
func CheckKeys(data []byte, v any) error {
	if err := checkKeys(data, reflect.TypeOf(v)); err != nil {
		return err
	}
	return nil
}

// walkValue reads one value of type t (nil: any) at path. ok is false when
// the JSON itself is broken.
func walkValue(dec *json.Decoder, t reflect.Type, path string) (*Error, bool) {
	tok, err := dec.Token()
	if err != nil {
		return nil, false
	}
	t = plain(t)
	switch tok {
	case json.Delim('{'):
		return walkObject(dec, t, path)
	case json.Delim('['):
		var elem reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			elem = t.Elem()
		}
		for i := 0; dec.More(); i++ {
			if e, ok := walkValue(dec, elem, path+"["+strconv.Itoa(i)+"]"); e != nil || !ok {
				return e, ok
			}
		}
		_, err := dec.Token() // ']'
		return nil, err == nil
	}
	return nil, true
}

func walkObject(dec *json.Decoder, t reflect.Type, path string) (*Error, bool) {
	var fields map[string]reflect.Type
	var elem reflect.Type
	if t != nil {
		switch t.Kind() {
		case reflect.Struct:
			fields = fieldsOf(t)
		case reflect.Map:
			elem = t.Elem()
		}
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, false
		}
		key, _ := tok.(string)
		at := key
		if path != "" {
			at = path + "." + key
		}
		if seen[key] {
			return Fail(CodeMalformedBody, "the key %s appears twice in one object", at), true
		}
		seen[key] = true
		child := elem
		if fields != nil {
			ft, known := fields[key]
			if !known {
				for name := range fields {
					if strings.EqualFold(name, key) {
						return Fail(CodeMalformedBody, "the key %s differs from the field %s only in case; keys match exactly",
							at, Text(name)), true
					}
				}
			}
			child = ft
		}
		if e, ok := walkValue(dec, child, at); e != nil || !ok {
			return e, ok
		}
	}
	_, err := dec.Token() // '}'
	return nil, err == nil
}

// unmarshaler is a type that reads its own JSON: its inside is not ours to
// follow.
var unmarshaler = reflect.TypeFor[json.Unmarshaler]()

// plain strips pointers and returns nil for a type whose JSON form is not
// followed: an interface, or one with its own UnmarshalJSON.
func plain(t reflect.Type) reflect.Type {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() == reflect.Interface || reflect.PointerTo(t).Implements(unmarshaler) {
		return nil
	}
	return t
}

// fieldCache holds each struct type's JSON field names and types.
var fieldCache sync.Map // reflect.Type → map[string]reflect.Type

// fieldsOf returns the JSON names of t's fields as encoding/json sees them,
// embedded structs' fields included.
func fieldsOf(t reflect.Type) map[string]reflect.Type {
	if m, ok := fieldCache.Load(t); ok {
		return m.(map[string]reflect.Type)
	}
	m := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			if et := plain(f.Type); et != nil && et.Kind() == reflect.Struct {
				for k, v := range fieldsOf(et) {
					m[k] = v
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		m[name] = f.Type
	}
	fieldCache.Store(t, m)
	return m
}
