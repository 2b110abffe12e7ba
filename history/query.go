package history

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"prepay/storage"
	"prepay/tmf"
)

// Query parameters, spelled as the operator's page spells them.
const (
	paramProduct = "product.id"
	paramFrom    = "dateTime.gte"
	paramTo      = "dateTime.lte"
	paramType    = "@type"
	paramLimit   = "limit"
	paramOffset  = "offset"
)

// maxLimit bounds a page. A query without limit gets a full page: the
// client learns from X-Total-Count whether there is more.
const maxLimit = 1000

// maxProductID bounds product.id: service internal ids are short. Control
// characters are refused too: a NUL would run into the index key's
// separator.
const maxProductID = 64

// parseQuery reads the query string into the window it selects in bu,
// refusing each missing or invalid parameter with a 400 that names it.
// Unknown parameters (fields, @schemaLocation…) are tolerated. Keys are
// percent-decoded, so %40type is @type.
func parseQuery(raw string, bu storage.BusinessUnit) (storage.ActionWindow, error) {
	q, err := url.ParseQuery(raw)
	if err != nil {
		return storage.ActionWindow{}, invalid("the query parameter %.64q is not valid URL encoding (a bad %%-escape or a ';')",
			badPair(raw))
	}
	w := storage.ActionWindow{BusinessID: bu.ID, Limit: maxLimit}

	if w.ProductID, err = required(q, paramProduct); err != nil {
		return w, err
	}
	if len(w.ProductID) > maxProductID || strings.ContainsFunc(w.ProductID, isControl) {
		return w, invalid("%s must be at most %d characters, none of them control characters; got %.64q",
			paramProduct, maxProductID, w.ProductID)
	}

	from, err := dateValue(q, paramFrom)
	if err != nil {
		return w, err
	}
	if w.From, _, err = tmf.ParseQueryTime(paramFrom, from, bu.Location()); err != nil {
		return w, err
	}
	to, err := dateValue(q, paramTo)
	if err != nil {
		return w, err
	}
	toDateOnly := false
	if w.To, toDateOnly, err = tmf.ParseQueryTime(paramTo, to, bu.Location()); err != nil {
		return w, err
	}
	if toDateOnly {
		// A bare date as the upper bound means the whole of that day in the
		// business unit's zone: up to the last instant before the next
		// midnight (days around a DST change are 23 or 25 hours long).
		w.To = w.To.In(bu.Location()).AddDate(0, 0, 1).Add(-time.Nanosecond).UTC()
		if err := tmf.CheckQueryTime(paramTo, to, w.To); err != nil {
			return w, err
		}
	}

	typ, err := required(q, paramType)
	if err != nil {
		return w, err
	}
	if typ != storage.ActionTopup {
		return w, invalid("%s must be %s; got %.64q", paramType, storage.ActionTopup, typ)
	}

	if w.Limit, err = optionalInt(q, paramLimit, maxLimit, 1, maxLimit); err != nil {
		return w, err
	}
	if w.Offset, err = optionalInt(q, paramOffset, 0, 0, -1); err != nil {
		return w, err
	}

	// The index keys times in milliseconds, so the bounds compare there too:
	// a confirmationDate copied from a response finds its record.
	if w.From.UnixMilli() > w.To.UnixMilli() {
		return w, tmf.Fail(tmf.CodeInvalidWindow, "%s %.64q is after %s %.64q", paramFrom, from, paramTo, to)
	}
	return w, nil
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

// optionalInt returns an optional integer parameter within [lo, hi] (hi < 0:
// no upper bound), or def when it is absent.
func optionalInt(q url.Values, param string, def, lo, hi int) (int, error) {
	vs, ok := q[param]
	if !ok {
		return def, nil
	}
	if len(vs) > 1 {
		return 0, invalid("%s must be given once; got it %d times", param, len(vs))
	}
	n, err := strconv.Atoi(vs[0])
	if err == nil && n >= lo && (hi < 0 || n <= hi) {
		return n, nil
	}
	if hi < 0 {
		return 0, invalid("%s must be an integer of at least %d; got %.64q", param, lo, vs[0])
	}
	return 0, invalid("%s must be an integer from %d to %d; got %.64q", param, lo, hi, vs[0])
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

func invalid(format string, args ...any) error {
	return tmf.Fail(tmf.CodeInvalidQuery, format, args...)
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }
