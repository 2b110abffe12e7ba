package tmf

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
)

// MaxBodyBytes bounds every request body.
const MaxBodyBytes = 64 << 10

// ContentType is the media type of every response.
const ContentType = "application/json; charset=utf-8"

// WriteJSON answers v as JSON with the given status. An encoding failure
// happens before anything is sent (the body is encoded first), so it can
// still be answered as a 500.
func WriteJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		FromContext(r.Context()).Log.ErrorContext(r.Context(), "encode response", "err", err.Error())
		status = http.StatusInternalServerError
		b = []byte(`{"code":"INTERNAL_ERROR","reason":"Internal error","message":"the server could not complete the request","status":"500","@type":"Error"}`)
	}
	WriteRaw(w, status, b)
}

// WriteRaw answers an already encoded JSON body.
func WriteRaw(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", ContentType)
	h.Set("Content-Length", strconv.Itoa(len(body)+1))
	w.WriteHeader(status)
	w.Write(body)
	w.Write([]byte{'\n'})
}

// DecodeBody reads the request body into v under the rules every endpoint
// shares: application/json (else 415), at most MaxBodyBytes (else 413, read
// no further), exactly one JSON value (else 400). Unknown fields are
// tolerated, as TMF clients send @schemaLocation and the like; a field of the
// wrong type is a 400 naming the field and the value.
func DecodeBody(w http.ResponseWriter, r *http.Request, v any) error {
	_, err := DecodeBodyRaw(w, r, v)
	return err
}

// DecodeBodyRaw is DecodeBody that also returns the body as read, for an
// endpoint that fingerprints the request its idempotency key stands for.
func DecodeBodyRaw(w http.ResponseWriter, r *http.Request, v any) ([]byte, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return nil, Fail(CodeUnsupportedMediaType, "Content-Type must be application/json; got %q", r.Header.Get("Content-Type"))
	}
	if r.ContentLength > MaxBodyBytes {
		return nil, tooLarge()
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, tooLarge()
		}
		return nil, Fail(CodeMalformedBody, "the request body could not be read")
	}
	return data, Unmarshal(data, v)
}

func tooLarge() *Error {
	return Fail(CodeBodyTooLarge, "the request body must be at most %d bytes", MaxBodyBytes)
}

// Unmarshal decodes one JSON value from data into v, answering each failure
// as a 400 that says where and what.
//
// Keys match exactly: a key twice in one object, or a key that differs from
// a field of v only in case, is a MALFORMED_BODY naming the key's path.
func Unmarshal(data []byte, v any) error {
	if err := checkKeys(data, reflect.TypeOf(v)); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Fail(CodeMalformedBody, "the request body must hold one JSON value with nothing after it (offset %d)", dec.InputOffset())
	}
	return nil
}

func decodeError(err error) *Error {
	var (
		syntax *json.SyntaxError
		typ    *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "body"
		}
		return Fail(CodeInvalidField, "%s must be %s; got %s", field, Text(describe(typ.Type)), typ.Value)
	case errors.As(err, &syntax):
		return Fail(CodeMalformedBody, "the request body is not valid JSON at offset %d", syntax.Offset)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return Fail(CodeMalformedBody, "the request body is empty or ends too soon")
	default:
		return Fail(CodeMalformedBody, "the request body is not valid JSON")
	}
}

// WireRuler is a value type that says, in a client's words, what its JSON
// form must be; a decode error naming a field of that type quotes it.
type WireRuler interface{ WireRule() string }

var wireRuler = reflect.TypeFor[WireRuler]()

// describe turns a Go type into words a client understands.
func describe(t reflect.Type) string {
	if t.Implements(wireRuler) {
		return reflect.Zero(t).Interface().(WireRuler).WireRule()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Slice, reflect.Array:
		return "an array"
	}
	return "an object"
}

// AppendString appends s as json.Marshal encodes a string, for the
// encoders written by hand. Printable ASCII is copied, with quotes and
// backslashes escaped as json.Marshal escapes them (a stored answer is
// JSON, full of quotes); a string with any other character that
// json.Marshal escapes or checks (controls, HTML characters, anything past
// ASCII) is left to json.Marshal itself, whose escaping is then exactly its
// own.
func AppendString(b []byte, s string) []byte {
	mark := len(b)
	b = append(b, '"')
	run := 0 // s[run:i] is plain, not yet copied
	for i := 0; i < len(s); i++ {
		c := s[i]
		if copied[c] {
			continue
		}
		if c != '"' && c != '\\' {
			quoted, _ := json.Marshal(s) // a string always encodes
			return append(b[:mark], quoted...)
		}
		b = append(b, s[run:i]...)
		b = append(b, '\\', c)
		run = i + 1
	}
	b = append(b, s[run:]...)
	return append(b, '"')
}

// copied says of each byte whether AppendString copies it as it is:
// printable ASCII but for quotes, backslashes and the HTML characters.
var copied = func() (t [256]bool) {
	for c := 0x20; c < 0x7f; c++ {
		t[c] = true
	}
	for _, c := range `"\<>&` {
		t[c] = false
	}
	return t
}()
