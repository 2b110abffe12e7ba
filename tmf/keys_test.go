package tmf

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// tokenWalkValue is checkKeys as it was written on encoding/json's token
// reader, kept as the oracle the scanner is held to. ok is false when the
// JSON itself is broken.
func tokenWalkValue(dec *json.Decoder, t reflect.Type, path string) (*Error, bool) {
	tok, err := dec.Token()
	if err != nil {
		return nil, false
	}
	t = plain(t)
	switch tok {
	case json.Delim('{'):
		return tokenWalkObject(dec, t, path)
	case json.Delim('['):
		var elem reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			elem = t.Elem()
		}
		for i := 0; dec.More(); i++ {
			if e, ok := tokenWalkValue(dec, elem, path+"["+strconv.Itoa(i)+"]"); e != nil || !ok {
				return e, ok
			}
		}
		_, err := dec.Token() // ']'
		return nil, err == nil
	}
	return nil, true
}

func tokenWalkObject(dec *json.Decoder, t reflect.Type, path string) (*Error, bool) {
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
		if e, ok := tokenWalkValue(dec, child, at); e != nil || !ok {
			return e, ok
		}
	}
	_, err := dec.Token() // '}'
	return nil, err == nil
}

// keysBody is a type with every shape checkKeys follows: nested structs
// through pointers, slices, arrays, maps, an embedded struct, a field
// that reads its own JSON and one of any type.
type keysBody struct {
	keysEmbedded
	Voucher string `json:"voucher"`
	Amount  *struct {
		Amount json.Number `json:"amount"`
		Units  string      `json:"units"`
	} `json:"amount"`
	List []struct {
		ID string `json:"id"`
	} `json:"list"`
	Pair [2]struct {
		ID string `json:"id"`
	} `json:"pair"`
	Map map[string]struct {
		ID string `json:"id"`
	} `json:"map"`
	Time  *Millis `json:"time"`
	Any   any     `json:"any"`
	Plain int
}

type keysEmbedded struct {
	Channel struct {
		Name string `json:"name"`
	} `json:"channel"`
}

// TestCheckKeysAsTokens holds the scanner to the token reader's answers:
// the same refusal, or none, for hand-picked bodies and for 50,000 random
// ones — JSON of the shapes above with keys repeated, recased and escaped,
// and the same text cut, spliced and garbled into broken JSON.
func TestCheckKeysAsTokens(t *testing.T) {
	typ := reflect.TypeFor[*keysBody]()
	oracle := func(data []byte) *Error {
		err, _ := tokenWalkValue(json.NewDecoder(bytes.NewReader(data)), typ, "")
		return err
	}
	check := func(data []byte) {
		t.Helper()
		got, want := checkKeys(data, typ), oracle(data)
		if (got == nil) != (want == nil) || got != nil && got.Message != want.Message {
			t.Fatalf("checkKeys(%q) = %v, the token reader says %v", data, got, want)
		}
	}
	for _, s := range []string{
		``, ` `, `{}`, `[]`, `null`, `1`, `-0.5e+7`, `01`, `1.`, `.5`, `1e`, `"x"`, `tru`, `nul`, `{"a":1,}`, `[1,]`, `[1 2]`,
		`{"voucher":"1","voucher":"2"}`, `{"voucher":"1","Voucher":"2"}`, `{"VOUCHER":1}`, `{"vouch\u0065r":1,"voucher":2}`,
		`{"amount":{"amount":1,"Amount":2}}`, `{"list":[{"id":1},{"id":2,"id":3}]}`, `{"pair":[{},{"ID":1}]}`,
		`{"map":{"k":{"id":1,"Id":2}}}`, `{"map":{"k":1,"k":2}}`, `{"time":{"a":1,"a":2}}`, `{"any":{"a":1,"a":2}}`,
		`{"channel":{"name":"x","NAME":"y"}}`, `{"plain":1}`, `{"Plain":1,"Plain":2}`, `{"a":1,"a"}`, `{"a" 1,"a":2}`,
		`{"\ud800":1,"\ud800":2}`, `{"\ud800":1,"\ufffd":2}`, "{\"\xff\":1,\"\xfe\":2}", "{\"a\tb\":1}", `{"a\x":1}`,
		`{"a\u12":1}`, `{"a\u12G4":1}`, `[` + strings.Repeat(`[`, 20000) + `{"a":1,"a":2}`, strings.Repeat(`[`, 9999) + `{"a":1,"a":2}`,
		`{"a":[1,{"b":2,"b":3}]}`, `{"a":{"b":{"c":{"c":1,"c":2}}}}`, `{ "voucher" : "1" , "voucher" : "2" }`, "{\r\n\t\"a\":1}",
	} {
		check([]byte(s))
	}
	// Objects long enough that seen keys are kept in a set.
	var many strings.Builder
	for i := range 40 {
		many.WriteString(`"k` + strconv.Itoa(i) + `":1,`)
	}
	check([]byte(`{` + many.String() + `"k40":2}`))
	repeated := []byte(`{` + many.String() + `"k39":2}`)
	if check(repeated); checkKeys(repeated, typ) == nil {
		t.Errorf("checkKeys(%s) = nil, want k39 refused as repeated", repeated)
	}

	r := rand.New(rand.NewPCG(20, 26))
	keys := []string{"voucher", "Voucher", "vouch\\u0065r", "amount", "AMOUNT", "units", "list", "pair", "map", "id", "ID",
		"time", "any", "channel", "name", "Name", "plain", "Plain", "k", "x", "\\u00e9", "\xff", "a b"}
	var value func(depth int) string
	value = func(depth int) string {
		switch n := r.IntN(10); {
		case depth > 4 || n < 3:
			return []string{`1`, `-2.5e3`, `"s"`, `true`, `null`, `"\\"\\n"`, `0`}[r.IntN(7)]
		case n < 7:
			var b strings.Builder
			b.WriteString("{")
			for i := range r.IntN(5) {
				if i > 0 {
					b.WriteString(",")
				}
				b.WriteString(`"` + keys[r.IntN(len(keys))] + `":` + value(depth+1))
			}
			return b.String() + "}"
		default:
			var b strings.Builder
			b.WriteString("[")
			for i := range r.IntN(4) {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString(value(depth + 1))
			}
			return b.String() + "]"
		}
	}
	garbage := []byte(`{}[],:" \\u0e1-+.x`)
	refused := 0
	for range 50000 {
		data := []byte(value(0))
		switch r.IntN(4) {
		case 0: // cut
			data = data[:r.IntN(len(data)+1)]
		case 1: // a byte replaced, inserted or removed
			i := r.IntN(len(data) + 1)
			g := garbage[r.IntN(len(garbage))]
			switch r.IntN(3) {
			case 0:
				if i < len(data) {
					data[i] = g
				}
			case 1:
				data = append(data[:i], append([]byte{g}, data[i:]...)...)
			default:
				if i < len(data) {
					data = append(data[:i], data[i+1:]...)
				}
			}
		}
		if checkKeys(data, typ) != nil {
			refused++
		}
		check(data)
	}
	if refused < 2500 {
		t.Errorf("only %d of the random bodies were refused: the test hardly tries the rules", refused)
	}
}
