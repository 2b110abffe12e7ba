package history

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"prepay/tmf"
)

// FuzzParseQuery checks parseQuery on any query string. It never panics. A
// query it accepts selects a window whose start is not after its end — at
// the milliseconds the index keys hold, as the bounds are compared — with a
// page within bounds and a product id that cannot run into the index key's
// separator. A query it refuses is a 400 naming the parameter at fault, or,
// when the query is not URL encoding at all, quoting the pair that is not.
// The handler, behind the credentials check, answers the same: 200 with a
// JSON array for what parseQuery accepts, its 400 for what it refuses.
func FuzzParseQuery(f *testing.F) {
	for _, q := range []string{
		"product.id=32970253&dateTime.gte=2022-09-26T00:00:00&dateTime.lte=2022-11-26T00:00:00&@type=TopupBalance",
		"product.id=32970253&dateTime.gte=2022-11-08&dateTime.lte=2022-11-08&%40type=TopupBalance&limit=1&offset=0",
		"product.id=1&@type=TopupBalance&dateTime.gte=2022-11-07T20:00:00Z&dateTime.lte=2022-11-08T00:00:00+01:00",
		"product.id=1&@type=TopupBalance&dateTime.gte=2022-11-08T00:25:18.000-05:00&dateTime.lte=2022-11-08T00:25:18.000-05:00",
		"product.id=1&@type=TopupBalance&dateTime.gte=1969-12-31&dateTime.lte=1970-01-01T00:00:00.001Z&limit=1000",
		"product.id=1&@type=TopupBalance&dateTime.gte=2022-12-01&dateTime.lte=2022-11-30",
		"product.id=1&product.id=2&@type=TopupBalance&dateTime.gte=2022-11-01&dateTime.lte=2022-11-30",
		"product.id=1&@type=Topup&dateTime.gte=2022-11-01&dateTime.lte=2022-11-30&limit=0&offset=-1",
		"product.id=%zz&dateTime.gte=2022-11-01;x",
		"product.id=a%00b&@type=TopupBalance&dateTime.gte=2022-11-01&dateTime.lte=9999-12-31",
		"",
	} {
		f.Add(q)
	}
	store, h := newServer(f)
	jm, err := store.Default().BusinessUnit("JM")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		w, _, err := parseQuery(raw, jm)

		req := httptest.NewRequest("GET", "/tmf-api/prepayBalanceManagement/v4/JM/balanceActionHistory", nil)
		req.URL.RawQuery = raw // any bytes: a target with them would not parse
		req.Header.Set("client_id", "sandbox-admin")
		req.Header.Set("client_secret", "sandbox-admin-secret")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)

		if err != nil {
			var e *tmf.Error
			if !errors.As(err, &e) || e.Status != http.StatusBadRequest ||
				(e.Code != tmf.CodeMissingQuery && e.Code != tmf.CodeInvalidQuery && e.Code != tmf.CodeInvalidWindow) {
				t.Fatalf("parseQuery(%q) = %v, want a 400 with a query code", raw, err)
			}
			if !namesParameter(e.Message, raw) && !namesAnyKey(e.Message, raw) {
				t.Fatalf("parseQuery(%q): %q names no parameter", raw, e.Message)
			}
			var body struct{ Code string }
			if rec.Code != http.StatusBadRequest || json.Unmarshal(rec.Body.Bytes(), &body) != nil || body.Code != e.Code {
				t.Fatalf("handler answered %d %s to %q; parseQuery said %v", rec.Code, rec.Body, raw, err)
			}
			return
		}

		switch {
		case w.From.UnixMilli() > w.To.UnixMilli():
			t.Fatalf("parseQuery(%q): window from %v to %v", raw, w.From, w.To)
		case w.Limit < 1 || w.Limit > maxLimit || w.Offset < 0:
			t.Fatalf("parseQuery(%q): limit %d, offset %d", raw, w.Limit, w.Offset)
		case w.ProductID == "" || len(w.ProductID) > maxProductID || strings.ContainsFunc(w.ProductID, isControl):
			t.Fatalf("parseQuery(%q): product.id %q", raw, w.ProductID)
		case w.BusinessID != "JM":
			t.Fatalf("parseQuery(%q): business unit %q", raw, w.BusinessID)
		}
		var records []json.RawMessage
		if (rec.Code != http.StatusOK && rec.Code != http.StatusPartialContent) || json.Unmarshal(rec.Body.Bytes(), &records) != nil || records == nil {
			t.Fatalf("handler answered %d %s to %q, which parseQuery accepts", rec.Code, rec.Body, raw)
		}
		if n, _ := strconv.Atoi(rec.Header().Get("X-Result-Count")); n != len(records) || n > w.Limit {
			t.Fatalf("X-Result-Count %q for %d records, limit %d", rec.Header().Get("X-Result-Count"), len(records), w.Limit)
		}
	})
}

// namesParameter reports whether msg names one of the query's parameters
// or, for a query that is not URL encoding, quotes the first pair of raw
// that is not.
func namesParameter(msg, raw string) bool {
	for _, p := range []string{paramProduct, paramFrom, paramTo, paramType, "limit", "offset", "fields", "sort"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	bad := raw
	for _, pair := range strings.Split(raw, "&") {
		if _, err := url.ParseQuery(pair); err != nil {
			bad = pair
			break
		}
	}
	return strings.Contains(msg, fmt.Sprintf("%q", tmf.Clip(bad)))
}

// namesAnyKey reports whether msg quotes one of the query's keys: an
// attribute the history cannot be filtered on, named as the client sent it.
func namesAnyKey(msg, raw string) bool {
	q, err := url.ParseQuery(raw)
	if err != nil {
		return false
	}
	for k := range q {
		if strings.Contains(msg, fmt.Sprintf("%q", tmf.Clip(k))) {
			return true
		}
	}
	return false
}

// TestParseQuerySameMillisecond holds the edge the fuzz property is stated
// around: bounds are compared at the index's millisecond, so a dateTime.gte
// later than dateTime.lte by less than a millisecond is the window of that
// millisecond, and one a millisecond later is refused.
func TestParseQuerySameMillisecond(t *testing.T) {
	store, _ := newServer(t)
	jm, err := store.Default().BusinessUnit("JM")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		gte, lte string
		wantErr  bool
	}{
		{"2022-11-08T05:25:18.0009Z", "2022-11-08T05:25:18.0001Z", false},
		{"2022-11-08T00:25:18.000999-05:00", "2022-11-08T00:25:18.000-05:00", false},
		{"2022-11-08T05:25:18.001Z", "2022-11-08T05:25:18.0009Z", true},
	}
	for _, tc := range tests {
		w, _, err := parseQuery("product.id=1&@type=TopupBalance&dateTime.gte="+tc.gte+"&dateTime.lte="+tc.lte, jm)
		if (err != nil) != tc.wantErr {
			t.Errorf("gte %s, lte %s: error %v, want error %v", tc.gte, tc.lte, err, tc.wantErr)
			continue
		}
		if err == nil && w.From.UnixMilli() != w.To.UnixMilli() {
			t.Errorf("gte %s, lte %s: window %v to %v, want one millisecond", tc.gte, tc.lte, w.From, w.To)
		}
	}
}
