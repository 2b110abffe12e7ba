package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"prepay/money"
	"prepay/storage"
)

const historyPath = "/tmf-api/prepayBalanceManagement/v4/"

// historySeedQuery is seed 002's query around its record of 2022-11-08.
const historySeedQuery = "product.id=32970253&dateTime.gte=2022-11-01T00:00:00&dateTime.lte=2022-11-30T00:00:00&@type=TopupBalance"

// TestHistorySeedReplay replays seed 002 and compares the answer with the
// seed's own example, read from a verbatim copy of the seed page: the same
// values when decoded, and the same keys in the same order with the same
// number literals (1.00, not 1) when read token by token.
func TestHistorySeedReplay(t *testing.T) {
	s := newTestServer(t)
	rec := s.do(t, "GET", historyPath+"JM/balanceActionHistory?"+historySeedQuery,
		with(asAdmin, "X-Correlation-ID", "history-seed"), "")
	checkGolden(t, "history/seed-replay", rec)

	want := historySeedExample(t, "testdata/history/seed-002.txt")
	got := rec.Body.Bytes()

	var wantValue, gotValue any
	if err := json.Unmarshal(want, &wantValue); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(got, &gotValue); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantValue, gotValue); diff != "" {
		t.Errorf("decoded body differs from the seed (-seed +got):\n%s", diff)
	}
	if diff := cmp.Diff(historyTokens(t, want), historyTokens(t, got)); diff != "" {
		t.Errorf("keys, order or literals differ from the seed (-seed +got):\n%s", diff)
	}
	if got, want := []string{rec.Header().Get("X-Total-Count"), rec.Header().Get("X-Result-Count")}, []string{"1", "1"}; !cmp.Equal(want, got) {
		t.Errorf("X-Total-Count, X-Result-Count = %v, want %v", got, want)
	}
}

// historySeedExample returns the JSON array of the seed page's 200 example.
func historySeedExample(t *testing.T, path string) []byte {
	t.Helper()
	page, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := bytes.Cut(page, []byte("[ 200 ]"))
	if !ok {
		t.Fatal("seed page has no [ 200 ] example")
	}
	start := bytes.Index(after, []byte("\n[\n"))
	if start < 0 {
		t.Fatal("seed page's 200 example has no JSON array")
	}
	var raw json.RawMessage
	if err := json.NewDecoder(bytes.NewReader(after[start:])).Decode(&raw); err != nil {
		t.Fatalf("seed example is not JSON: %v", err)
	}
	return raw
}

// historyTokens lists data's tokens in order: object keys as they stand,
// numbers as their literal text, delimiters as strings.
func historyTokens(t *testing.T, data []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var out []string
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		switch v := tok.(type) {
		case json.Delim:
			out = append(out, v.String())
		case json.Number:
			out = append(out, "number "+v.String())
		case string:
			out = append(out, strconv.Quote(v))
		default: // true, false, null
			out = append(out, fmt.Sprint("literal ", v))
		}
	}
}

// TestHistoryGolden covers the answers that matter as whole responses:
// an empty window, an unknown product, and every refusal.
func TestHistoryGolden(t *testing.T) {
	s := newTestServer(t)
	const (
		product = "product.id=32970253"
		window  = "dateTime.gte=2022-11-01T00:00:00&dateTime.lte=2022-11-30T00:00:00"
		typ     = "@type=TopupBalance"
	)
	q := func(parts ...string) string {
		out := historyPath + "JM/balanceActionHistory?"
		for i, p := range parts {
			if i > 0 {
				out += "&"
			}
			out += p
		}
		return out
	}
	tests := []struct {
		name, target string
		header       map[string]string
	}{
		{name: "empty-window", target: q(product, "dateTime.gte=2022-10-01&dateTime.lte=2022-10-31", typ)},
		{name: "unknown-product", target: q("product.id=99999999", window, typ)},
		{name: "offset-beyond-total", target: q(product, window, typ, "offset=5")},
		{name: "missing-product-id", target: q(window, typ)},
		{name: "empty-product-id", target: q("product.id=", window, typ)},
		{name: "repeated-product-id", target: q(product, "product.id=1", window, typ)},
		{name: "control-character-product-id", target: q("product.id=329%0A70253", window, typ)},
		{name: "missing-gte", target: q(product, "dateTime.lte=2022-11-30", typ)},
		{name: "missing-lte", target: q(product, "dateTime.gte=2022-11-01", typ)},
		{name: "invalid-gte", target: q(product, "dateTime.gte=01/11/2022&dateTime.lte=2022-11-30", typ)},
		{name: "invalid-lte", target: q(product, "dateTime.gte=2022-11-01&dateTime.lte=2022-11-31", typ)},
		{name: "reversed-window", target: q(product, "dateTime.gte=2022-11-30&dateTime.lte=2022-11-01", typ)},
		{name: "missing-type", target: q(product, window)},
		{name: "wrong-type", target: q(product, window, "@type=RefundBalance")},
		{name: "limit-zero", target: q(product, window, typ, "limit=0")},
		{name: "limit-too-large", target: q(product, window, typ, "limit=1001")},
		{name: "limit-not-a-number", target: q(product, window, typ, "limit=ten")},
		{name: "offset-negative", target: q(product, window, typ, "offset=-1")},
		{name: "offset-not-a-number", target: q(product, window, typ, "offset=1.5")},
		{name: "malformed-query", target: q(product, window, typ, "x=%zz")},
		{name: "unknown-attribute", target: q(product, window, typ, "@schemaLocation=x")},
		{name: "fields", target: q(product, window, typ, "fields=confirmationDate,amount")},
		{name: "fields-none", target: q(product, window, typ, "fields=none")},
		{name: "filter-and-sort", target: q(product, "dateTime.gte=2022-01-01&dateTime.lte=2022-12-31", "@type=TopupBalance,TopupBalance",
			"amount.amount.lte=1", "logicalResource.value=18765544355", "sort=-amount.amount,dateTime", "fields=description")},
		{name: "type-alternative-unknown", target: q(product, window, "@type=TopupBalance,RefundBalance")},
		{name: "type-alternatives", target: q(product, window, "@type=TopupBalance,AdjustBalance")},
		{name: "product-alternatives", target: q("product.id=32970253,32970101", window, typ)},
		{name: "missing-credentials", target: q(product, window, typ), header: map[string]string{}},
		{name: "wrong-secret", target: q(product, window, typ),
			header: with(asReadonly, "client_secret", "not-the-secret")},
		{name: "forbidden-business-unit", header: asSelfcare,
			target: historyPath + "BTC/balanceActionHistory?product.id=52550100&" + window + "&" + typ},
		{name: "unknown-business-unit", target: historyPath + "XX/balanceActionHistory?" + product + "&" + window + "&" + typ},
		{name: "malformed-business-unit", target: historyPath + "jm/balanceActionHistory?" + product + "&" + window + "&" + typ},
		{name: "wrong-method", target: q(product, window, typ)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			header := tc.header
			if header == nil {
				header = asReadonly
			}
			method := "GET"
			if tc.name == "wrong-method" {
				method = "POST"
			}
			rec := s.do(t, method, tc.target, with(header, "X-Correlation-ID", "history-"+tc.name), "")
			checkGolden(t, "history/"+tc.name, rec)
		})
	}
}

// TestHistoryQueryForms checks the three date forms, inclusive bounds at
// millisecond resolution, both spellings of @type, fields and other
// filters, and paging past the end (206), by the counts they give on the
// seed's record (2022-11-08T00:25:18.000-05:00).
func TestHistoryQueryForms(t *testing.T) {
	s := newTestServer(t)
	tests := []struct {
		name, query      string
		wantTotal, wantN int
		wantStatusNotOK  bool
	}{
		{name: "local time, as the seed", query: "dateTime.gte=2022-11-08T00:00:00&dateTime.lte=2022-11-08T23:59:59", wantTotal: 1, wantN: 1},
		{name: "with offset", query: "dateTime.gte=2022-11-08T00:00:00-05:00&dateTime.lte=2022-11-09T00:00:00-05:00", wantTotal: 1, wantN: 1},
		{name: "offset with an unencoded plus", query: "dateTime.gte=2022-11-08T06:25:18.000+01:00&dateTime.lte=2022-11-08T06:25:18+01:00", wantTotal: 1, wantN: 1},
		{name: "UTC Z", query: "dateTime.gte=2022-11-08T05:25:18Z&dateTime.lte=2022-11-08T05:25:18Z", wantTotal: 1, wantN: 1},
		{name: "bare dates take in the whole day", query: "dateTime.gte=2022-11-08&dateTime.lte=2022-11-08", wantTotal: 1, wantN: 1},
		{name: "bare upper date the day before", query: "dateTime.gte=2022-11-01&dateTime.lte=2022-11-07", wantTotal: 0, wantN: 0},
		{name: "both bounds at the record's millisecond", query: "dateTime.gte=2022-11-08T00:25:18.000-05:00&dateTime.lte=2022-11-08T00:25:18.000-05:00", wantTotal: 1, wantN: 1},
		{name: "lower bound one millisecond after", query: "dateTime.gte=2022-11-08T00:25:18.001&dateTime.lte=2022-11-09", wantTotal: 0, wantN: 0},
		{name: "upper bound one millisecond before", query: "dateTime.gte=2022-11-08&dateTime.lte=2022-11-08T00:25:17.999", wantTotal: 0, wantN: 0},
		{name: "window ends before 1970", query: "dateTime.gte=1960-01-01&dateTime.lte=1969-12-31", wantTotal: 0, wantN: 0},
		{name: "window from before 1970", query: "dateTime.gte=1960-01-01&dateTime.lte=2022-11-08", wantTotal: 1, wantN: 1},
		{name: "fields and a filter", query: "dateTime.gte=2022-11-08&dateTime.lte=2022-11-08&fields=description&amount.amount.gte=1", wantTotal: 1, wantN: 1},
		{name: "a filter that leaves none", query: "dateTime.gte=2022-11-08&dateTime.lte=2022-11-08&channel.id=99999", wantTotal: 0, wantN: 0},
		{name: "offset past the end", query: "dateTime.gte=2022-11-08&dateTime.lte=2022-11-08&offset=1&limit=1", wantTotal: 1, wantN: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := s.do(t, "GET", historyPath+"JM/balanceActionHistory?product.id=32970253&@type=TopupBalance&"+tc.query, asReadonly, "")
			wantStatus := 200
			if tc.wantN < tc.wantTotal {
				wantStatus = 206
			}
			if rec.Code != wantStatus {
				t.Fatalf("status %d, want %d: %s", rec.Code, wantStatus, rec.Body)
			}
			var body []json.RawMessage
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body == nil {
				t.Fatalf("body is not a JSON array: %s", rec.Body)
			}
			got := []string{rec.Header().Get("X-Total-Count"), rec.Header().Get("X-Result-Count"), strconv.Itoa(len(body))}
			want := []string{strconv.Itoa(tc.wantTotal), strconv.Itoa(tc.wantN), strconv.Itoa(tc.wantN)}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("X-Total-Count, X-Result-Count, len(body) (-want +got):\n%s", diff)
			}
		})
	}
}

// TestHistoryTypeSpellings sends @type both raw and percent-encoded, in a
// raw request target, since url.ParseQuery decodes keys.
func TestHistoryTypeSpellings(t *testing.T) {
	s := newTestServer(t)
	for _, key := range []string{"@type", "%40type"} {
		target := historyPath + "JM/balanceActionHistory?product.id=32970253&dateTime.gte=2022-11-08&dateTime.lte=2022-11-08&" + key + "=TopupBalance"
		rec := s.do(t, "GET", target, asReadonly, "")
		if rec.Code != 200 || rec.Header().Get("X-Result-Count") != "1" {
			t.Errorf("%s: status %d, X-Result-Count %q: %s", key, rec.Code, rec.Header().Get("X-Result-Count"), rec.Body)
		}
	}
}

// TestHistoryPaging records actions as the top-up endpoint does (one
// Tx.AddAction per commit) and pages through them: they are visible at
// once, newest first, with the headers counting the window and the page.
func TestHistoryPaging(t *testing.T) {
	s := newTestServer(t)
	jamaica, _ := time.LoadLocation("America/Jamaica")
	base := time.Date(2026, 11, 20, 9, 0, 0, 0, jamaica)
	for i := range 5 {
		a := historyPagingAction(i, base.Add(time.Duration(i)*time.Hour))
		if err := s.store.Default().Update(func(tx *storage.Tx) error { return tx.AddAction(&a) }); err != nil {
			t.Fatal(err)
		}
	}
	const window = "product.id=32970253&dateTime.gte=2026-11-20&dateTime.lte=2026-11-20&@type=TopupBalance"
	tests := []struct {
		name, paging string
	}{
		{name: "paging-first-page", paging: "&limit=2"},
		{name: "paging-second-page", paging: "&limit=2&offset=2"},
		{name: "paging-last-page", paging: "&limit=2&offset=4"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := s.do(t, "GET", historyPath+"JM/balanceActionHistory?"+window+tc.paging,
				with(asReadonly, "X-Correlation-ID", "history-"+tc.name), "")
			checkGolden(t, "history/"+tc.name, rec)
		})
	}
}

// historyPagingAction is a small top-up of the seed's product, told apart by its
// description and amount.
func historyPagingAction(i int, at time.Time) storage.Action {
	return storage.Action{
		BusinessID: "JM", Type: "TopupBalance", Description: "paging " + strconv.Itoa(i),
		ConfirmationDate: at, Amount: money.Amount(100 * (i + 1)), Units: "JMD",
		ProductID: "32970253", PartyAccountID: "32795117",
		Channel: storage.Channel{ID: "20001", Name: "selfcare-app"}, MSISDN: "18765544355",
		BatchNumber: "-1", RechargeID: "20001", RechargeID2: strconv.Itoa(9000 + i),
		CardNumber: "NON VOUCHER", CurrencyConvRate: "1.0",
		Balances: []storage.Snapshot{{ID: "1", Name: "primary balance", UsageType: "Currency", Units: "JMD",
			Amount: money.Amount(60031 + 100*(i+1)), ValidTo: at.AddDate(0, 0, 30)}},
		Accumulators: []storage.Snapshot{{ID: "1", Name: "primary balance", UsageType: "Currency", Units: "JMD",
			Amount: money.Amount(100 * (i + 1))}},
	}
}
