// Package query is the TMF630 query language of every prepay list: fields=
// (and fields=none), attribute filters with eq, gt, gte, lt and lte on
// dotted paths with comma-separated alternatives, sort=, offset and limit,
// and the paging headers of the answer (X-Total-Count, X-Result-Count, 206
// with Content-Range for a partial page). A list declares its attributes
// in a Spec; Parse refuses any other with a 400 naming it. The list serves
// the filters its indexes can (Take) and leaves the rest to Select, which
// evaluates them over the rendered JSON records: amounts compared as
// money.Amount, never as floats, times chronologically. It imports tmf and
// money from prepay.
package query

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"prepay/money"
	"prepay/tmf"
)

// Kind says how an attribute's values compare.
type Kind int

// Kinds of attribute.
const (
	Text   Kind = iota // byte-wise, as strings
	Amount             // as money.Amount: 5.5 equals 5.50
	Time               // chronologically, at the millisecond the wire shows
)

// Attr is one attribute a list can be filtered and sorted on.
type Attr struct {
	// Name is the attribute as the query names it: product.id, dateTime.
	Name string
	// Path is where the attribute lies in a record, dotted through objects
	// and arrays alike; empty means Name.
	Path string
	Kind Kind
	// Indexed says the list serves eq filters (or, for a time, range
	// filters) on it from a storage index; it is documented, and Parse
	// treats it no differently.
	Indexed bool
}

func (a Attr) path() string {
	if a.Path == "" {
		return a.Name
	}
	return a.Path
}

// Spec is what one list accepts.
type Spec struct {
	Attrs []Attr
	// Fields are the record's top-level members, which fields= may name.
	Fields []string
	// MaxLimit bounds limit; it is also the page size when limit is absent.
	MaxLimit int
}

// Attr returns the attribute called name.
func (s Spec) Attr(name string) (Attr, bool) {
	for _, a := range s.Attrs {
		if a.Name == name {
			return a, true
		}
	}
	return Attr{}, false
}

func (s Spec) attrNames() string {
	names := make([]string, len(s.Attrs))
	for i, a := range s.Attrs {
		names[i] = a.Name
	}
	return strings.Join(names, ", ")
}

// Op is a filter's comparison.
type Op string

// Comparisons, spelled as the query's suffixes are.
const (
	Eq  Op = "eq"
	Gt  Op = "gt"
	Gte Op = "gte"
	Lt  Op = "lt"
	Lte Op = "lte"
)

var ops = []Op{Eq, Gt, Gte, Lt, Lte}

// Filter is one attribute condition: the attribute compared by Op with any
// of Values (alternatives, for eq).
type Filter struct {
	Attr   Attr
	Op     Op
	Param  string   // the parameter as given: dateTime.gte, status
	Values []string // as given, one per alternative
	values []value  // Values, parsed by Attr.Kind
}

// Times returns the filter's time values as spans: a full time is a span of
// one instant, a bare date the whole of that day in the query's zone.
func (f Filter) Times() []Span {
	out := make([]Span, len(f.values))
	for i, v := range f.values {
		out[i] = v.span
	}
	return out
}

// SortKey is one attribute of sort=, ascending unless Desc.
type SortKey struct {
	Attr Attr
	Desc bool
}

// Query is a parsed TMF630 query.
type Query struct {
	Filters []Filter
	Sort    []SortKey
	// Fields is what fields= names; nil when it is absent (every field).
	// fields=none is an empty, non-nil slice.
	Fields        []string
	Offset, Limit int
}

// Parameters the query language reserves; every other parameter is a
// filter.
const (
	ParamFields = "fields"
	ParamSort   = "sort"
	ParamOffset = "offset"
	ParamLimit  = "limit"
)

// Values decodes a raw query string, answering a malformed one with a 400
// that quotes the first pair that is not URL encoding.
func Values(raw string) (url.Values, error) {
	q, err := url.ParseQuery(raw)
	if err != nil {
		return nil, Invalid("the query parameter %q is not valid URL encoding (a bad %%-escape or a ';')",
			badPair(raw))
	}
	return q, nil
}

// badPair returns the first name=value pair of raw that url.ParseQuery
// refuses, so the answer names it rather than echoing the whole query.
func badPair(raw string) string {
	for pair := range strings.SplitSeq(raw, "&") {
		if _, err := url.ParseQuery(pair); err != nil {
			return pair
		}
	}
	return raw
}

// ParseRequest reads the query string of r under spec: Values, then Parse.
func ParseRequest(r *http.Request, spec Spec, loc *time.Location) (Query, error) {
	vals, err := Values(r.URL.RawQuery)
	if err != nil {
		return Query{}, err
	}
	return Parse(vals, spec, loc)
}

// Parse reads q under spec. Times without an offset, and bare dates, are in
// loc. Each parameter that is not one spec accepts, or has a value its
// attribute cannot hold, is a 400 naming it. Filters on one parameter given
// twice must both hold.
func Parse(q url.Values, spec Spec, loc *time.Location) (Query, error) {
	out := Query{Limit: spec.MaxLimit}
	var err error
	if out.Limit, err = OptionalInt(q, ParamLimit, spec.MaxLimit, 1, spec.MaxLimit); err != nil {
		return out, err
	}
	if out.Offset, err = OptionalInt(q, ParamOffset, 0, 0, -1); err != nil {
		return out, err
	}
	if out.Fields, err = parseFields(q, spec); err != nil {
		return out, err
	}
	if out.Sort, err = parseSort(q, spec); err != nil {
		return out, err
	}
	// Parameters in a fixed order, so that of two faults the same one is
	// named every time.
	params := make([]string, 0, len(q))
	for p := range q {
		params = append(params, p)
	}
	slices.Sort(params)
	for _, p := range params {
		switch p {
		case ParamFields, ParamSort, ParamOffset, ParamLimit:
			continue
		}
		attr, op, ok := attrOf(p, spec)
		if !ok {
			return out, tmf.Fail(tmf.CodeInvalidQuery,
				"%q is not an attribute this list can be filtered on; it takes %s (with .eq, .gt, .gte, .lt or .lte), %s, %s, %s and %s",
				p, tmf.Text(spec.attrNames()), ParamFields, ParamSort, ParamOffset, ParamLimit)
		}
		for _, raw := range q[p] {
			f, err := parseFilter(p, raw, attr, op, loc)
			if err != nil {
				return out, err
			}
			out.Filters = append(out.Filters, f)
		}
	}
	return out, nil
}

// attrOf reads a parameter as an attribute with an optional comparison
// suffix. Attribute names hold dots themselves (product.id), so the whole
// name is tried first.
func attrOf(param string, spec Spec) (Attr, Op, bool) {
	if a, ok := spec.Attr(param); ok {
		return a, Eq, true
	}
	i := strings.LastIndexByte(param, '.')
	if i < 0 {
		return Attr{}, "", false
	}
	op := Op(param[i+1:])
	if !slices.Contains(ops, op) {
		return Attr{}, "", false
	}
	a, ok := spec.Attr(param[:i])
	return a, op, ok
}

func parseFilter(param, raw string, attr Attr, op Op, loc *time.Location) (Filter, error) {
	f := Filter{Attr: attr, Op: op, Param: param, Values: strings.Split(raw, ",")}
	if op != Eq && len(f.Values) > 1 {
		return f, Invalid("%s takes one value; comma-separated alternatives are for equality; got %q", param, raw)
	}
	for _, s := range f.Values {
		if s == "" {
			return f, Invalid("%s must not be empty or hold an empty alternative; got %q", param, raw)
		}
		v, err := parseValue(param, s, attr.Kind, loc)
		if err != nil {
			return f, err
		}
		f.values = append(f.values, v)
	}
	return f, nil
}

func parseFields(q url.Values, spec Spec) ([]string, error) {
	raw, ok, err := once(q, ParamFields)
	if !ok || err != nil {
		return nil, err
	}
	if raw == "none" {
		return []string{}, nil
	}
	names := strings.Split(raw, ",")
	for _, n := range names {
		if !slices.Contains(spec.Fields, n) {
			return nil, Invalid("%s names %q, which is not a member of this resource; it takes none or any of %s",
				ParamFields, n, tmf.Text(strings.Join(spec.Fields, ", ")))
		}
	}
	return names, nil
}

func parseSort(q url.Values, spec Spec) ([]SortKey, error) {
	raw, ok, err := once(q, ParamSort)
	if !ok || err != nil {
		return nil, err
	}
	var keys []SortKey
	for name := range strings.SplitSeq(raw, ",") {
		k := SortKey{}
		switch {
		case strings.HasPrefix(name, "-"):
			k.Desc, name = true, name[1:]
		case strings.HasPrefix(name, "+"), strings.HasPrefix(name, " "): // a '+' sent unencoded arrives as a space
			name = name[1:]
		}
		a, ok := spec.Attr(name)
		if !ok {
			return nil, Invalid("%s names %q, which is not an attribute this list can be sorted on; it takes %s",
				ParamSort, name, tmf.Text(spec.attrNames()))
		}
		k.Attr = a
		keys = append(keys, k)
	}
	return keys, nil
}

// once returns the one value of an optional parameter and whether it was
// given; given twice is ambiguous, so invalid.
func once(q url.Values, param string) (string, bool, error) {
	vs, ok := q[param]
	if !ok {
		return "", false, nil
	}
	if len(vs) > 1 {
		return "", true, Invalid("%s must be given once; got it %d times", param, len(vs))
	}
	return vs[0], true, nil
}

// OptionalInt returns an optional integer parameter within [lo, hi] (hi <
// 0: no upper bound), or def when it is absent.
func OptionalInt(q url.Values, param string, def, lo, hi int) (int, error) {
	v, ok, err := once(q, param)
	if !ok || err != nil {
		return def, err
	}
	n, err := strconv.Atoi(v)
	if err == nil && n >= lo && (hi < 0 || n <= hi) {
		return n, nil
	}
	if hi < 0 {
		return 0, Invalid("%s must be an integer of at least %d; got %q", param, lo, v)
	}
	return 0, Invalid("%s must be an integer from %d to %d; got %q", param, lo, hi, v)
}

// Invalid is the 400 of a query parameter with a bad value.
func Invalid(format string, args ...any) error {
	return tmf.Fail(tmf.CodeInvalidQuery, format, args...)
}

// Take removes the filters on attribute name with one of ops from q and
// returns them: the caller serves them (from an index) and Select no
// longer evaluates them.
func (q *Query) Take(name string, ops ...Op) []Filter {
	var taken, kept []Filter
	for _, f := range q.Filters {
		if f.Attr.Name == name && slices.Contains(ops, f.Op) {
			taken = append(taken, f)
		} else {
			kept = append(kept, f)
		}
	}
	q.Filters = kept
	return taken
}

// TakeValues takes name's equality filters (as Take does) and returns the
// values all of them allow — filters given twice must both hold — and
// whether there was any. An empty, non-nil result selects nothing.
func (q *Query) TakeValues(name string) ([]string, bool) {
	fs := q.Take(name, Eq)
	if len(fs) == 0 {
		return nil, false
	}
	vals := slices.Clone(fs[0].Values)
	for _, f := range fs[1:] {
		vals = slices.DeleteFunc(vals, func(v string) bool { return !slices.Contains(f.Values, v) })
	}
	if vals == nil {
		vals = []string{}
	}
	return vals, true
}

// Plain reports whether q leaves nothing for Select to do but page: no
// filter left and no sort. A list can then page in its own default order
// without rendering records it does not return.
func (q Query) Plain() bool { return len(q.Filters) == 0 && len(q.Sort) == 0 }

// value is one filter value, parsed by its attribute's kind.
type value struct {
	text   string
	amount money.Amount
	span   Span
}

// Span is the instants a time value stands for, both ends inclusive, in
// unix milliseconds: one instant for a full time, a whole day for a bare
// date.
type Span struct{ From, To int64 }

func parseValue(param, s string, kind Kind, loc *time.Location) (value, error) {
	switch kind {
	case Amount:
		a, err := money.Parse(s)
		if err != nil {
			return value{}, Invalid("%s must be a decimal number with at most 2 decimal places; got %q", param, s)
		}
		return value{amount: a}, nil
	case Time:
		// An offset such as +01:00 sent without percent-encoding arrives
		// with its '+' decoded as a space; no time holds a space.
		s = strings.ReplaceAll(s, " ", "+")
		t, dateOnly, err := tmf.ParseQueryTime(param, s, loc)
		if err != nil {
			return value{}, err
		}
		sp := Span{From: t.UnixMilli(), To: t.UnixMilli()}
		if dateOnly {
			// The whole of that day in the zone: up to the last instant
			// before the next midnight (days around a DST change are 23 or
			// 25 hours long).
			sp.To = t.In(loc).AddDate(0, 0, 1).UnixMilli() - 1
		}
		return value{span: sp}, nil
	}
	return value{text: s}, nil
}
