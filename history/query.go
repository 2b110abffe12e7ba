package history

import (
	"net/url"
	"slices"
	"strings"
	"time"

	"prepay/storage"
	"prepay/tmf"
	"prepay/tmf/query"
)

// Query parameters, spelled as the operator's page spells them.
const (
	paramProduct = "product.id"
	paramFrom    = "dateTime.gte"
	paramTo      = "dateTime.lte"
	paramType    = "@type"
)

// maxLimit bounds a page. A query without limit gets a full page: the
// client learns from X-Total-Count whether there is more.
const maxLimit = 1000

// maxProductID bounds product.id: service internal ids are short. Control
// characters are refused too: a NUL would run into the index key's
// separator.
const maxProductID = 64

// spec is what the history list can be filtered, sorted and projected on.
// product.id and dateTime (the confirmation date) are served from the
// action index; the rest are evaluated over the window's records.
var spec = query.Spec{
	Attrs: []query.Attr{
		{Name: paramProduct, Indexed: true},
		{Name: "dateTime", Path: "confirmationDate", Kind: query.Time, Indexed: true},
		{Name: paramType},
		{Name: "description"},
		{Name: "amount.amount", Kind: query.Amount},
		{Name: "amount.units"},
		{Name: "partyAccount.id"},
		{Name: "channel.id"},
		{Name: "channel.name"},
		{Name: "logicalResource.value"},
		{Name: "relatedParty.id"},
	},
	Fields: []string{"@type", "description", "confirmationDate", "@baseType", "amount", "product",
		"partyAccount", "channel", "logicalResource", "relatedParty", "impactedBucket"},
	MaxLimit: maxLimit,
}

// parseQuery reads the query string into the window of the action index it
// selects in bu and the TMF630 query left for the records of that window,
// refusing each missing or invalid parameter with a 400 that names it.
// product.id, dateTime.gte, dateTime.lte and @type are mandatory; any
// other parameter must be one of spec's. Keys are percent-decoded, so
// %40type is @type.
func parseQuery(raw string, bu storage.BusinessUnit) (storage.ActionWindow, query.Query, error) {
	w := storage.ActionWindow{BusinessID: bu.ID, Limit: maxLimit}
	vals, err := query.Values(raw)
	if err != nil {
		return w, query.Query{}, err
	}
	if w.ProductID, err = required(vals, paramProduct); err != nil {
		return w, query.Query{}, err
	}
	if len(w.ProductID) > maxProductID || strings.ContainsFunc(w.ProductID, isControl) {
		return w, query.Query{}, invalid("%s must be at most %d characters, none of them control characters; got %q",
			paramProduct, maxProductID, w.ProductID)
	}
	if strings.Contains(w.ProductID, ",") {
		return w, query.Query{}, invalid("%s takes one product here; got %q", paramProduct, w.ProductID)
	}
	from, err := dateValue(vals, paramFrom)
	if err != nil {
		return w, query.Query{}, err
	}
	to, err := dateValue(vals, paramTo)
	if err != nil {
		return w, query.Query{}, err
	}
	typ, err := required(vals, paramType)
	if err != nil {
		return w, query.Query{}, err
	}
	for kind := range strings.SplitSeq(typ, ",") {
		if !slices.Contains(storage.ActionTypes, kind) {
			return w, query.Query{}, invalid("%s must be one or more of %s; got %q", paramType, strings.Join(storage.ActionTypes, ", "), kind)
		}
	}
	q, err := query.Parse(vals, spec, bu.Location())
	if err != nil {
		return w, q, err
	}
	// The index holds every kind; @type is evaluated over the window's
	// records unless it names them all.
	if kinds := strings.Split(typ, ","); len(kinds) > 0 && !slices.ContainsFunc(storage.ActionTypes, func(k string) bool { return !slices.Contains(kinds, k) }) {
		q.Take(paramType, query.Eq)
	}
	q.Take(paramProduct, query.Eq)
	for _, f := range q.Take("dateTime", query.Gte) {
		w.From = time.UnixMilli(f.Times()[0].From).UTC()
	}
	for _, f := range q.Take("dateTime", query.Lte) {
		w.To = time.UnixMilli(f.Times()[0].To).UTC()
	}
	w.Offset, w.Limit = q.Offset, q.Limit
	// The index keys times in milliseconds, so the bounds compare there too:
	// a confirmationDate copied from a response finds its record.
	if w.From.UnixMilli() > w.To.UnixMilli() {
		return w, q, tmf.Fail(tmf.CodeInvalidWindow, "%s %q is after %s %q", paramFrom, from, paramTo, to)
	}
	return w, q, nil
}

// required returns the one value of a mandatory parameter. Absent or empty
// is missing; given twice is ambiguous, so invalid.
func required(q url.Values, param string) (string, error) {
	vs := q[param]
	switch {
	case len(vs) == 0 || vs[0] == "" && len(vs) == 1:
		return "", tmf.Fail(tmf.CodeMissingQuery, "the query parameter %s is required", param)
	case len(vs) > 1:
		return "", invalid("%s must be given once; got it %d times", param, len(vs))
	}
	return vs[0], nil
}

// dateValue returns a mandatory date parameter. An offset such as +01:00
// sent without percent-encoding arrives with its '+' decoded as a space; no
// date holds a space, so it is read back as the '+' the client meant.
func dateValue(q url.Values, param string) (string, error) {
	v, err := required(q, param)
	return strings.ReplaceAll(v, " ", "+"), err
}

func invalid(format string, args ...any) error { return query.Invalid(format, args...) }

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }
