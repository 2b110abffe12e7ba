package query

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"prepay/money"
)

// Select applies q's filters and sort to records — each one JSON object,
// in the list's default order — and returns the page q asks for and the
// number of records that match. Ties of the sort keep the default order.
func (q Query) Select(records [][]byte) (page [][]byte, total int, err error) {
	type row struct {
		raw  []byte
		keys []sortValue
	}
	if q.Plain() { // nothing to read in the records: page them as they are
		total = len(records)
		for i := q.Offset; i < total && len(page) < q.Limit; i++ {
			page = append(page, records[i])
		}
		return page, total, nil
	}
	var rows []row
	for _, raw := range records {
		var tree any
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber() // amounts stay decimal text: never a float
		if err := dec.Decode(&tree); err != nil {
			return nil, 0, fmt.Errorf("decode record: %w", err)
		}
		ok := true
		for _, f := range q.Filters {
			if !f.matches(leaves(tree, f.Attr.path())) {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		r := row{raw: raw}
		for _, k := range q.Sort {
			r.keys = append(r.keys, sortValueOf(leaves(tree, k.Attr.path()), k.Attr.Kind))
		}
		rows = append(rows, r)
	}
	if len(q.Sort) > 0 {
		slices.SortStableFunc(rows, func(a, b row) int {
			for i, k := range q.Sort {
				c := a.keys[i].compare(b.keys[i])
				if k.Desc {
					c = -c
				}
				if c != 0 {
					return c
				}
			}
			return 0
		})
	}
	total = len(rows)
	for i := q.Offset; i < total && len(page) < q.Limit; i++ {
		page = append(page, rows[i].raw)
	}
	return page, total, nil
}

// leaves returns the scalar values at a dotted path of tree, through
// objects and arrays alike (product.id finds the id of every product), as
// text: strings as they are, numbers as their literal.
func leaves(tree any, path string) []string {
	var out []string
	var walk func(v any, rest string)
	walk = func(v any, rest string) {
		if arr, ok := v.([]any); ok {
			for _, e := range arr {
				walk(e, rest)
			}
			return
		}
		if rest == "" {
			switch v := v.(type) {
			case string:
				out = append(out, v)
			case json.Number:
				out = append(out, v.String())
			case bool:
				out = append(out, fmt.Sprint(v))
			}
			return
		}
		obj, ok := v.(map[string]any)
		if !ok {
			return
		}
		name, after, _ := strings.Cut(rest, ".")
		if child, ok := obj[name]; ok {
			walk(child, after)
		}
	}
	walk(tree, path)
	return out
}

// matches reports whether any of a record's values at the filter's path
// compares as the filter asks with any of its alternatives.
func (f Filter) matches(got []string) bool {
	for _, g := range got {
		for _, want := range f.values {
			if c, ok := compareValue(g, want, f.Attr.Kind); ok && holds(f.Op, c) {
				return true
			}
		}
	}
	return false
}

// compareValue compares a record's value with a filter value: -1, 0 or +1,
// where for a time 0 means "within the span". ok is false when the record's
// value cannot be read as the attribute's kind.
func compareValue(got string, want value, kind Kind) (int, bool) {
	switch kind {
	case Amount:
		a, err := money.Parse(got)
		if err != nil {
			return 0, false
		}
		return cmp.Compare(a, want.amount), true
	case Time:
		t, err := time.Parse(time.RFC3339Nano, got)
		if err != nil {
			return 0, false
		}
		ms := t.UnixMilli()
		switch {
		case ms < want.span.From:
			return -1, true
		case ms > want.span.To:
			return 1, true
		}
		return 0, true
	}
	return strings.Compare(got, want.text), true
}

func holds(op Op, c int) bool {
	switch op {
	case Gt:
		return c > 0
	case Gte:
		return c >= 0
	case Lt:
		return c < 0
	case Lte:
		return c <= 0
	}
	return c == 0
}

// sortValue is a record's first value of a sort attribute; a record
// without one sorts before every record with one.
type sortValue struct {
	present bool
	text    string
	number  int64 // hundredths for an amount, milliseconds for a time
	kind    Kind
}

func sortValueOf(got []string, kind Kind) sortValue {
	for _, g := range got {
		switch kind {
		case Amount:
			if a, err := money.Parse(g); err == nil {
				return sortValue{present: true, number: a.Hundredths(), kind: kind}
			}
		case Time:
			if t, err := time.Parse(time.RFC3339Nano, g); err == nil {
				return sortValue{present: true, number: t.UnixMilli(), kind: kind}
			}
		default:
			return sortValue{present: true, text: g, kind: kind}
		}
	}
	return sortValue{}
}

func (a sortValue) compare(b sortValue) int {
	if a.present != b.present {
		if a.present {
			return 1
		}
		return -1
	}
	if a.kind == Text {
		return strings.Compare(a.text, b.text)
	}
	return cmp.Compare(a.number, b.number)
}
