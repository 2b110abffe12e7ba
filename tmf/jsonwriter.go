package tmf

import (
	"errors"
	"strconv"
	"time"

	"prepay/money"
)

// JSONWriter appends JSON by hand, for the few values whose json.Marshal
// is a write's largest cost (reflection, and a call and a rescan for every
// amount and time): the records a top-up stores and the resource its event
// carries. Each encoder built on it must give what json.Marshal gives,
// byte for byte, and have a test that says so.
type JSONWriter struct {
	B   []byte
	Err error // the first value that could not be written
}

// Key writes the object key k, with the comma before it unless first.
func (w *JSONWriter) Key(k string, first bool) {
	if !first {
		w.B = append(w.B, ',')
	}
	w.B = append(w.B, '"')
	w.B = append(w.B, k...)
	w.B = append(w.B, '"', ':')
}

// String writes s as json.Marshal does.
func (w *JSONWriter) String(s string) { w.B = AppendString(w.B, s) }

// Uint writes n.
func (w *JSONWriter) Uint(n uint64) { w.B = strconv.AppendUint(w.B, n, 10) }

// Int writes n.
func (w *JSONWriter) Int(n int) { w.B = strconv.AppendInt(w.B, int64(n), 10) }

// Bool writes b.
func (w *JSONWriter) Bool(b bool) { w.B = strconv.AppendBool(w.B, b) }

// Amount writes a as its MarshalJSON does.
func (w *JSONWriter) Amount(a money.Amount) { w.B = a.AppendText(w.B) }

// errYear is json.Marshal's refusal of a time it cannot write.
var errYear = errors.New("time outside years 0 to 9999")

// Time writes t as time.Time's MarshalJSON does: RFC 3339 with
// nanoseconds, which it refuses outside years 0 to 9999.
func (w *JSONWriter) Time(t time.Time) {
	if y := t.Year(); y < 0 || y > 9999 {
		if w.Err == nil {
			w.Err = errYear
		}
		return
	}
	w.B = append(w.B, '"')
	w.B = t.AppendFormat(w.B, time.RFC3339Nano)
	w.B = append(w.B, '"')
}

// Millis writes m as its MarshalJSON does.
func (w *JSONWriter) Millis(m Millis) { w.B = m.appendJSON(w.B) }

// Optional writes key k and s, unless s is empty (omitempty).
func (w *JSONWriter) Optional(k, s string) {
	if s != "" {
		w.Key(k, false)
		w.String(s)
	}
}

// List writes n elements with elem, or null for a nil slice, as
// json.Marshal writes a slice.
func (w *JSONWriter) List(isNil bool, n int, elem func(i int)) {
	if isNil {
		w.B = append(w.B, "null"...)
		return
	}
	w.B = append(w.B, '[')
	for i := range n {
		if i > 0 {
			w.B = append(w.B, ',')
		}
		elem(i)
	}
	w.B = append(w.B, ']')
}

// Pair writes the object {k1: v1, k2: v2} of two strings, the shape of
// most references (id and name, id and href, @type and value).
func (w *JSONWriter) Pair(k1, v1, k2, v2 string) {
	w.B = append(w.B, '{')
	w.Key(k1, true)
	w.String(v1)
	w.Key(k2, false)
	w.String(v2)
	w.B = append(w.B, '}')
}

// Quantity writes q as json.Marshal does.
func (w *JSONWriter) Quantity(q Quantity) {
	w.B = append(w.B, '{')
	w.Key("amount", true)
	w.Amount(q.Amount)
	w.Optional("units", q.Units)
	w.B = append(w.B, '}')
}

// ValidFor writes v as json.Marshal does.
func (w *JSONWriter) ValidFor(v ValidFor) {
	w.B = append(w.B, '{')
	w.Key("endDateTime", true)
	w.Millis(v.EndDateTime)
	w.B = append(w.B, '}')
}
