package tmf

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
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
//
// It scans the bytes itself, in one pass, allocating for keys but not
// for every token: encoding/json's token reader cost a top-up more than
// decoding its body did. TestCheckKeysAsTokens holds it to the token
// reader's answers.
func checkKeys(data []byte, t reflect.Type) *Error {
	s := keyScanner{data: data}
	err, _ := s.value(t, nil)
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

// keyScanner reads JSON text for checkKeys. Its methods' ok is false when
// the text is broken there.
type keyScanner struct {
	data []byte
	i    int
}

// place is where a value lies in the body, as a chain up to the top; it
// is spelled out (path) only for an answer.
type place struct {
	up *place
	// A member's value lies at key in its object (inKey), an element at
	// index in its array.
	inKey bool
	key   string
	index int
}

// path spells p as the answers name a key: amount.units, list[1].id.
func (p *place) path() string {
	if p == nil {
		return ""
	}
	up := p.up.path()
	switch {
	case !p.inKey:
		return up + "[" + strconv.Itoa(p.index) + "]"
	case up == "":
		return p.key
	}
	return up + "." + p.key
}

// value reads one value of type t (nil: any) at p.
func (s *keyScanner) value(t reflect.Type, p *place) (*Error, bool) {
	s.space()
	if s.i >= len(s.data) {
		return nil, false
	}
	t = plain(t)
	switch s.data[s.i] {
	case '{':
		s.i++
		return s.object(t, p)
	case '[':
		s.i++
		var elem reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			elem = t.Elem()
		}
		if s.space(); s.i < len(s.data) && s.data[s.i] == ']' {
			s.i++
			return nil, true
		}
		for n := 0; ; n++ {
			if e, ok := s.value(elem, &place{up: p, index: n}); e != nil || !ok {
				return e, ok
			}
			switch s.punct() {
			case ',':
			case ']':
				return nil, true
			default:
				return nil, false
			}
		}
	case '"':
		_, ok := s.str(false)
		return nil, ok
	case 't':
		return nil, s.word("true")
	case 'f':
		return nil, s.word("false")
	case 'n':
		return nil, s.word("null")
	}
	return nil, s.number()
}

// object reads the members of an object whose '{' is read, of type t.
func (s *keyScanner) object(t reflect.Type, p *place) (*Error, bool) {
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
	if s.space(); s.i < len(s.data) && s.data[s.i] == '}' {
		s.i++
		return nil, true
	}
	var seen seenKeys
	for {
		if s.space(); s.i >= len(s.data) || s.data[s.i] != '"' {
			return nil, false
		}
		key, ok := s.str(true)
		if !ok {
			return nil, false
		}
		here := &place{up: p, key: key, inKey: true}
		if seen.add(key) {
			return Fail(CodeMalformedBody, "the key %s appears twice in one object", here.path()), true
		}
		child := elem
		if fields != nil {
			ft, known := fields[key]
			if !known {
				for name := range fields {
					if strings.EqualFold(name, key) {
						return Fail(CodeMalformedBody, "the key %s differs from the field %s only in case; keys match exactly",
							here.path(), Text(name)), true
					}
				}
			}
			child = ft
		}
		if s.punct() != ':' {
			return nil, false
		}
		if e, ok := s.value(child, here); e != nil || !ok {
			return e, ok
		}
		switch s.punct() {
		case ',':
		case '}':
			return nil, true
		default:
			return nil, false
		}
	}
}

// seenKeys is the keys of one object so far: a short list searched in
// turn, and a set once it is long, so that a body of many keys costs no
// more than a map would.
type seenKeys struct {
	list []string
	set  map[string]bool
}

// add records key and reports whether it was there already.
func (k *seenKeys) add(key string) bool {
	if k.set == nil {
		if slices.Contains(k.list, key) {
			return true
		}
		if k.list = append(k.list, key); len(k.list) <= 16 {
			return false
		}
		k.set = map[string]bool{}
		for _, seen := range k.list {
			k.set[seen] = true
		}
		return false
	}
	if k.set[key] {
		return true
	}
	k.set[key] = true
	return false
}

// space skips JSON white space.
func (s *keyScanner) space() {
	for s.i < len(s.data) {
		switch s.data[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// punct reads the next byte past white space; 0 at the end.
func (s *keyScanner) punct() byte {
	if s.space(); s.i >= len(s.data) {
		return 0
	}
	s.i++
	return s.data[s.i-1]
}

// word reads the literal w.
func (s *keyScanner) word(w string) bool {
	if !bytes.HasPrefix(s.data[s.i:], []byte(w)) {
		return false
	}
	s.i += len(w)
	return true
}

// number reads a number as JSON spells one:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *keyScanner) number() bool {
	d := s.data
	i := s.i
	if i < len(d) && d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && d[i] >= '1' && d[i] <= '9':
		i = digits(d, i)
	default:
		return false
	}
	if i < len(d) && d[i] == '.' {
		if i++; i >= len(d) || d[i] < '0' || d[i] > '9' {
			return false
		}
		i = digits(d, i)
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		if i++; i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if i >= len(d) || d[i] < '0' || d[i] > '9' {
			return false
		}
		i = digits(d, i)
	}
	s.i = i
	return true
}

// digits returns the index past the run of digits at d[i:].
func digits(d []byte, i int) int {
	for i < len(d) && d[i] >= '0' && d[i] <= '9' {
		i++
	}
	return i
}

// str reads a string at its opening quote and, when value (a key's), returns
// its value. A string of printable ASCII without escapes is its own bytes;
// any other is decoded by encoding/json, so that escapes and invalid UTF-8
// read as the decoder will read them.
func (s *keyScanner) str(value bool) (string, bool) {
	d := s.data
	start := s.i
	simple := true
	for i := start + 1; i < len(d); i++ {
		switch c := d[i]; {
		case c == '"':
			s.i = i + 1
			switch {
			case !value:
				return "", true
			case simple:
				return string(d[start+1 : i]), true
			}
			var v string
			if json.Unmarshal(d[start:s.i], &v) != nil {
				return "", false
			}
			return v, true
		case c < 0x20:
			return "", false
		case c == '\\':
			simple = false
			if i+1 >= len(d) {
				return "", false
			}
			if i++; d[i] == 'u' {
				if i+4 >= len(d) {
					return "", false
				}
				for _, h := range d[i+1 : i+5] {
					if !('0' <= h && h <= '9' || 'a' <= h && h <= 'f' || 'A' <= h && h <= 'F') {
						return "", false
					}
				}
				i += 4
			} else if strings.IndexByte(`"\/bfnrt`, d[i]) < 0 {
				return "", false
			}
		case c >= 0x80:
			simple = false
		}
	}
	return "", false
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
