package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestEdgesRefusedNameTheField sends what a hostile reviewer would — keys
// another JSON reader reads differently, times at the ends of the
// calendar, figures at the bound — and checks that each is refused with
// its status and code, that the message names the field, and that nothing
// changed.
func TestEdgesRefusedNameTheField(t *testing.T) {
	const (
		jmTopup   = "/bot-ux/v1/JM/topupBalance"
		svc       = "/sandbox/v1/JM/services/18760000001"
		history   = "/tmf-api/prepayBalanceManagement/v4/JM/balanceActionHistory?product.id=32970253&@type=TopupBalance"
		putClock  = "/sandbox/v1/clock"
		vouchers  = "/sandbox/v1/JM/vouchers"
		fixedLine = "18769990001"
	)
	topupAs := func(lob string) map[string]string { return topupHeaders(lob, "edge-"+lob) }
	tests := []struct {
		name           string
		method, target string
		header         map[string]string
		body           string
		wantStatus     int
		wantCode       string
		wantInMessage  string
	}{
		// Keys: what prepay reads is what every reader reads.
		{"amount beside AMOUNT", "POST", jmTopup, topupAs("PREPAID"),
			`{"partyAccount":{"id":"18763187057"},"amount":{"amount":1.00},"AMOUNT":{"amount":300.00}}`, 400, "MALFORMED_BODY", "AMOUNT"},
		{"id beside ID", "POST", jmTopup, topupAs("PREPAID"),
			`{"partyAccount":{"id":"18763187057","ID":"18765544355"},"amount":{"amount":1.00}}`, 400, "MALFORMED_BODY", "partyAccount.ID"},
		{"VOUCHER null", "POST", jmTopup, topupAs("PREPAID"),
			`{"partyAccount":{"id":"18763187057"},"voucher":"89742282598199","VOUCHER":null}`, 400, "MALFORMED_BODY", "VOUCHER"},
		{"amount twice", "POST", jmTopup, topupAs("PREPAID"),
			`{"partyAccount":{"id":"18763187057"},"amount":{"amount":1.00,"amount":300.00}}`, 400, "MALFORMED_BODY", "amount.amount"},
		{"subscriber key twice", "PUT", svc, sandboxAdmin,
			sandboxBody(`"allowance": 100.00`, `"allowance": 100.00, "allowance": 900.00`), 400, "MALFORMED_BODY", "buckets[0].allowance"},
		{"voucher key in another case", "POST", vouchers, sandboxAdmin,
			`{"voucher":"4444","Amount":5.00}`, 400, "MALFORMED_BODY", "Amount"},
		{"usage key twice", "POST", "/sandbox/v1/JM/services/18763187057/usage", sandboxAdmin,
			`{"bucketId":"32","amount":1.00,"amount":2.00}`, 400, "MALFORMED_BODY", "amount"},
		{"clock key twice", "PUT", putClock, sandboxAdmin,
			`{"now":"2030-01-01T00:00:00Z","now":"2040-01-01T00:00:00Z"}`, 400, "MALFORMED_BODY", "now"},
		{"fault key in another case", "PUT", "/sandbox/v1/faults/slow", sandboxAdmin,
			`{"route":"topup","Route":"history","latencyMs":10}`, 400, "MALFORMED_BODY", "Route"},

		// The ends of the calendar.
		{"expiry in year 10000 after its offset", "PUT", svc, sandboxAdmin,
			sandboxBody(`"2027-01-31T23:59:59-05:00"`, `"9999-12-31T23:00:00-05:00"`), 400, "INVALID_FIELD", "buckets[2].expiry"},
		{"expiry in year 0 after its offset", "PUT", svc, sandboxAdmin,
			sandboxBody(`"2027-01-31T23:59:59-05:00"`, `"0001-01-01T00:00:00+01:00"`), 400, "INVALID_FIELD", "buckets[2].expiry"},
		{"voucher expiring in year 10000", "POST", vouchers, sandboxAdmin,
			`{"voucher":"4444","amount":5.00,"expiry":"9999-12-31T23:59:59-00:01"}`, 400, "INVALID_FIELD", "expiry"},
		{"hold until year 10000", "POST", "/tmf-api/prepayBalanceManagement/v4/JM/reserveBalance", asAdmin,
			`{"product":{"id":"32970253"},"amount":{"amount":1.00},"validFor":{"endDateTime":"9999-12-31T23:00:00-05:00"}}`,
			400, "INVALID_FIELD", "validFor.endDateTime"},
		{"clock past 9000-01-01", "PUT", putClock, sandboxAdmin,
			`{"now":"9000-01-01T00:00:00.001Z"}`, 400, "INVALID_FIELD", "now"},
		{"clock in year 9999", "PUT", putClock, sandboxAdmin,
			`{"now":"9999-12-31T23:59:59Z"}`, 400, "INVALID_FIELD", "now"},
		{"history bound in year 10000", "GET", history + "&dateTime.gte=2022-01-01&dateTime.lte=9999-12-31T23:00:00-05:00", asAdmin,
			"", 400, "INVALID_QUERY_PARAMETER", "dateTime.lte"},
		{"history bound in year 0", "GET", history + "&dateTime.gte=0001-01-01T00:00:00%2B01:00&dateTime.lte=2022-01-01", asAdmin,
			"", 400, "INVALID_QUERY_PARAMETER", "dateTime.gte"},

		// Figures at the bound.
		{"amount past the bound", "POST", jmTopup, topupAs("PREPAID"),
			amountTopup("18763187057", "92233720368547758.07"), 400, "INVALID_FIELD", "amount.amount"},
		{"credit past the bound", "POST", jmTopup, topupAs("FIXED"),
			amountTopup(fixedLine, "1000000000.00"), 422, "BALANCE_LIMIT", "allowance"},
		{"allowance + rollover past the bound", "PUT", svc, sandboxAdmin,
			sandboxBody(`"allowance": 1024.00, "rollover": 100.00`, `"allowance": 1000000000.00, "rollover": 0.01`), 422, "BALANCE_LIMIT", "total allowance"},
		{"overage charge past the bound", "PUT", svc, sandboxAdmin,
			sandboxBody(`"charges": 24.50, "overageRate": 0.05`, `"charges": 1000000000.00, "overageRate": 2.00`), 422, "BALANCE_LIMIT", "overage charge"},
		{"charges past the bound", "POST", "/sandbox/v1/JM/services/18763187057/usage", sandboxAdmin,
			`{"bucketId":"32","amount":1000000000.00}`, 422, "BALANCE_LIMIT", "charges"},
		{"voucher past the bound", "POST", vouchers, sandboxAdmin,
			`{"voucher":"4444","amount":1000000000.01}`, 400, "INVALID_FIELD", "amount"},
	}
	s := newTestServer(t)
	before, err := s.store.Digest()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := s.do(t, tc.method, tc.target, tc.header, tc.body)
			var e struct{ Code, Message string }
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil {
				t.Fatalf("answer is not JSON: %s", rec.Body)
			}
			if rec.Code != tc.wantStatus || e.Code != tc.wantCode || !strings.Contains(e.Message, tc.wantInMessage) {
				t.Errorf("= %d %s %q; want %d %s naming %q", rec.Code, e.Code, e.Message, tc.wantStatus, tc.wantCode, tc.wantInMessage)
			}
		})
	}
	after, err := s.store.Digest()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Error("a refused request changed the database")
	}
	if rec := s.do(t, "GET", putClock, asAdmin, ""); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "2026-11-23") {
		t.Errorf("clock after the refusals: %d %s", rec.Code, rec.Body)
	}
}
