package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"prepay/storage"
	"prepay/tmf"
)

// sandboxAdmin is the admin client with a correlation id, so that golden
// files hold no random one.
var sandboxAdmin = with(asAdmin, "X-Correlation-ID", "corr-sandbox")

// sandboxSubscriber is a new JM subscriber as a CI suite would create it: a
// currency bucket whose units default to JMD, a relative data bucket, an
// absolute minutes bucket, and accumulators.
const sandboxSubscriber = `{
  "lob": "PREPAID",
  "accountNo": 187600000001,
  "serviceInternalId": "32000001",
  "owningAccountInternalId": "32800001",
  "buckets": [
    {"id": "1", "name": "Primary Balance", "usageType": "Currency", "allowance": 100.00, "expiry": "+30d"},
    {"id": "21", "name": "Loan Balance", "usageType": "Currency", "units": "JMD", "type": "Loan", "allowance": 3.50, "expiry": "+30d"},
    {"id": "32", "name": "Data 1GB", "usageType": "MB", "allowance": 1024.00, "rollover": 100.00, "charges": 24.50, "overageRate": 0.05, "expiry": "2027-01-31T23:59:59-05:00"}
  ],
  "accumulators": [
    {"id": "1", "name": "primary balance", "usageType": "Currency", "units": "JMD", "amount": 0.00},
    {"id": "9", "name": "Data usage", "usageType": "MB", "units": "MB", "amount": 24.50}
  ]
}`

// sandboxBody returns sandboxSubscriber with old replaced by new, for the
// cases that spoil one field.
func sandboxBody(old, new string) string {
	if !strings.Contains(sandboxSubscriber, old) {
		panic("sandboxBody: " + old + " is not in the subscriber")
	}
	return strings.Replace(sandboxSubscriber, old, new, 1)
}

func TestSandboxGolden(t *testing.T) {
	const (
		svc     = "/sandbox/v1/JM/services/18760000001"
		seedSvc = "/sandbox/v1/JM/services/18763187057"
	)
	tests := []struct {
		name, method, target string
		header               map[string]string
		body                 string
		wantStatus           int
	}{
		{"put create", "PUT", svc, sandboxAdmin, sandboxSubscriber, 201},
		{"put replace", "PUT", seedSvc, sandboxAdmin, `{"businessId": "JM", "serviceNo": "18763187057", "lob": "FIXED",
			"accountNo": "187631870001", "serviceInternalId": "32970101", "owningAccountInternalId": "32795001",
			"buckets": [{"id": "1", "usageType": "Currency", "allowance": 1.00, "expiry": "2026-12-01T00:00:00Z"}]}`, 200},
		{"put no buckets", "PUT", svc, sandboxAdmin, `{"lob": "POSTPAID", "accountNo": "1", "serviceInternalId": "x-1",
			"owningAccountInternalId": "y.1"}`, 201},
		{"put missing lob", "PUT", svc, sandboxAdmin, sandboxBody(`"lob": "PREPAID",`, ``), 400},
		{"put bad lob", "PUT", svc, sandboxAdmin, sandboxBody(`"PREPAID"`, `"prepay"`), 400},
		{"put wrong type", "PUT", svc, sandboxAdmin, sandboxBody(`"allowance": 100.00`, `"allowance": "100.00"`), 400},
		{"put three decimals", "PUT", svc, sandboxAdmin, sandboxBody(`"allowance": 100.00`, `"allowance": 100.005`), 400},
		{"put negative amount", "PUT", svc, sandboxAdmin, sandboxBody(`"charges": 24.50`, `"charges": -1.00`), 400},
		{"put amount too large", "PUT", svc, sandboxAdmin, sandboxBody(`"allowance": 100.00`, `"allowance": 1000000000.01`), 400},
		{"put repeated bucket id", "PUT", svc, sandboxAdmin, sandboxBody(`"id": "21"`, `"id": "1"`), 400},
		{"put repeated accumulator id", "PUT", svc, sandboxAdmin, sandboxBody(`"id": "9"`, `"id": "1"`), 400},
		{"put missing bucket id", "PUT", svc, sandboxAdmin, sandboxBody(`"id": "32", `, ``), 400},
		{"put missing usageType", "PUT", svc, sandboxAdmin, sandboxBody(`"usageType": "MB", "allowance"`, `"allowance"`), 400},
		{"put missing expiry", "PUT", svc, sandboxAdmin, sandboxBody(`, "expiry": "+30d"}`, `}`), 400},
		{"put bad expiry", "PUT", svc, sandboxAdmin, sandboxBody(`"2027-01-31T23:59:59-05:00"`, `"31/01/2027"`), 400},
		{"put foreign currency", "PUT", svc, sandboxAdmin, sandboxBody(`"units": "JMD", "type"`, `"units": "USD", "type"`), 400},
		{"put bad account", "PUT", svc, sandboxAdmin, sandboxBody(`187600000001`, `"1876-0001"`), 400},
		{"put bad internal id", "PUT", svc, sandboxAdmin, sandboxBody(`"32000001"`, `"32 000 001"`), 400},
		{"put path mismatch", "PUT", svc, sandboxAdmin, sandboxBody(`{`, `{"serviceNo": "18769999999",`), 400},
		{"put bad service number", "PUT", "/sandbox/v1/JM/services/not-a-number", sandboxAdmin, sandboxSubscriber, 400},
		{"put internal id in use", "PUT", svc, sandboxAdmin, sandboxBody(`"32000001"`, `"32970253"`), 409},
		{"put malformed", "PUT", svc, sandboxAdmin, `{"lob": "PREPAID",}`, 400},
		{"put not json", "PUT", svc, with(sandboxAdmin, "Content-Type", "text/plain"), sandboxSubscriber, 415},
		{"put too large", "PUT", svc, sandboxAdmin, `{"lob": "` + strings.Repeat("x", 70<<10) + `"}`, 413},
		{"put without scope", "PUT", svc, with(asReadonly, "X-Correlation-ID", "corr-sandbox"), sandboxSubscriber, 403},
		{"put without credentials", "PUT", svc, map[string]string{"X-Correlation-ID": "corr-sandbox"}, sandboxSubscriber, 401},
		{"put unknown business unit", "PUT", "/sandbox/v1/XX/services/18760000001", sandboxAdmin, sandboxSubscriber, 404},

		{"get", "GET", seedSvc, sandboxAdmin, "", 200},
		{"get with expired buckets", "GET", "/sandbox/v1/JM/services/18769990002", sandboxAdmin, "", 200},
		{"get unknown", "GET", svc, sandboxAdmin, "", 404},
		{"delete unknown", "DELETE", svc, sandboxAdmin, "", 404},

		{"voucher create", "POST", "/sandbox/v1/JM/vouchers", sandboxAdmin,
			`{"voucher": "12345678901234", "amount": 5.00, "expiry": "2027-01-31T23:59:59-05:00"}`, 201},
		{"voucher create relative", "POST", "/sandbox/v1/BTC/vouchers", sandboxAdmin,
			`{"voucher": "777", "amount": 10, "expiry": "+365d"}`, 201},
		{"voucher create never expires", "POST", "/sandbox/v1/JM/vouchers", sandboxAdmin, `{"voucher": "1", "amount": 0.01}`, 201},
		{"voucher create already expired", "POST", "/sandbox/v1/JM/vouchers", sandboxAdmin,
			`{"voucher": "2", "amount": 1.00, "expiry": "2020-01-01T00:00:00Z"}`, 201},
		{"voucher duplicate", "POST", "/sandbox/v1/JM/vouchers", sandboxAdmin, `{"voucher": "89742282598199", "amount": 5.00}`, 409},
		{"voucher missing code", "POST", "/sandbox/v1/JM/vouchers", sandboxAdmin, `{"amount": 5.00}`, 400},
		{"voucher bad code", "POST", "/sandbox/v1/JM/vouchers", sandboxAdmin, `{"voucher": "ABC-1", "amount": 5.00}`, 400},
		{"voucher missing amount", "POST", "/sandbox/v1/JM/vouchers", sandboxAdmin, `{"voucher": "3"}`, 400},
		{"voucher zero amount", "POST", "/sandbox/v1/JM/vouchers", sandboxAdmin, `{"voucher": "3", "amount": 0}`, 400},
		{"voucher negative amount", "POST", "/sandbox/v1/JM/vouchers", sandboxAdmin, `{"voucher": "3", "amount": -5.00}`, 400},
		{"voucher bad expiry", "POST", "/sandbox/v1/JM/vouchers", sandboxAdmin, `{"voucher": "3", "amount": 5, "expiry": "tomorrow"}`, 400},
		{"voucher get", "GET", "/sandbox/v1/JM/vouchers/89742282598199", sandboxAdmin, "", 200},
		{"voucher get expired", "GET", "/sandbox/v1/JM/vouchers/55556666777788", sandboxAdmin, "", 200},
		{"voucher get unknown", "GET", "/sandbox/v1/JM/vouchers/42424242424242", sandboxAdmin, "", 404},

		{"usage with accumulator", "POST", seedSvc + "/usage", sandboxAdmin, `{"bucketId": "1", "amount": 12.50}`, 200},
		{"usage without accumulator", "POST", seedSvc + "/usage", sandboxAdmin, `{"bucketId": "32", "amount": 12.50}`, 200},
		{"usage into overage", "POST", "/sandbox/v1/KY/services/13459170552/usage", sandboxAdmin, `{"bucketId": "1", "amount": 100.00}`, 200},
		{"usage accumulator by id", "POST", "/sandbox/v1/JM/services/18769990001/usage", sandboxAdmin, `{"bucketId": "5", "amount": 3}`, 200},
		{"usage unknown bucket", "POST", seedSvc + "/usage", sandboxAdmin, `{"bucketId": "99", "amount": 1.00}`, 422},
		{"usage loan bucket", "POST", seedSvc + "/usage", sandboxAdmin, `{"bucketId": "21", "amount": 1.00}`, 422},
		{"usage expired bucket", "POST", "/sandbox/v1/JM/services/18769990002/usage", sandboxAdmin, `{"bucketId": "1", "amount": 1.00}`, 422},
		{"usage past the bound", "POST", seedSvc + "/usage", sandboxAdmin, `{"bucketId": "32", "amount": 1000000000.00}`, 422},
		{"usage unknown service", "POST", "/sandbox/v1/JM/services/18760000009/usage", sandboxAdmin, `{"bucketId": "1", "amount": 1.00}`, 404},
		{"usage missing bucket", "POST", seedSvc + "/usage", sandboxAdmin, `{"amount": 1.00}`, 400},
		{"usage missing amount", "POST", seedSvc + "/usage", sandboxAdmin, `{"bucketId": "1"}`, 400},
		{"usage zero amount", "POST", seedSvc + "/usage", sandboxAdmin, `{"bucketId": "1", "amount": 0.00}`, 400},

		{"clock get", "GET", "/sandbox/v1/clock", sandboxAdmin, "", 200},
		{"clock put", "PUT", "/sandbox/v1/clock", sandboxAdmin, `{"now": "2022-11-08T00:25:18-05:00"}`, 200},
		{"clock put missing now", "PUT", "/sandbox/v1/clock", sandboxAdmin, `{}`, 400},
		{"clock put bad now", "PUT", "/sandbox/v1/clock", sandboxAdmin, `{"now": "2022-11-08 00:25:18"}`, 400},
		{"clock put before 1970", "PUT", "/sandbox/v1/clock", sandboxAdmin, `{"now": "1969-12-31T23:59:59Z"}`, 400},
		{"clock without scope", "PUT", "/sandbox/v1/clock", with(asSelfcare, "X-Correlation-ID", "corr-sandbox"),
			`{"now": "2022-11-08T00:25:18-05:00"}`, 403},

		{"reset", "POST", "/sandbox/v1/reset", sandboxAdmin, "", 200},
		{"reset without scope", "POST", "/sandbox/v1/reset", with(asReadonly, "X-Correlation-ID", "corr-sandbox"), "", 403},
		{"reset wrong method", "GET", "/sandbox/v1/reset", sandboxAdmin, "", 405},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestServer(t)
			rec := s.do(t, tc.method, tc.target, tc.header, tc.body)
			if rec.Code != tc.wantStatus {
				t.Errorf("status = %d, want %d\n%s", rec.Code, tc.wantStatus, rec.Body)
			}
			checkGolden(t, "sandbox/"+strings.ReplaceAll(tc.name, " ", "-"), rec)
		})
	}
}

// TestSandboxPutThenRead: what PUT stored is what GET, the balances
// endpoint and a GET sent back through PUT all see.
func TestSandboxPutThenRead(t *testing.T) {
	s := newTestServer(t)
	const svc = "/sandbox/v1/JM/services/18760000001"
	created := s.do(t, "PUT", svc, sandboxAdmin, sandboxSubscriber)
	if created.Code != http.StatusCreated || created.Header().Get("Location") != svc {
		t.Fatalf("PUT = %d, Location %q\n%s", created.Code, created.Header().Get("Location"), created.Body)
	}
	got := s.do(t, "GET", svc, sandboxAdmin, "")
	if diff := cmp.Diff(created.Body.String(), got.Body.String()); diff != "" {
		t.Errorf("GET differs from PUT's answer (-put +get):\n%s", diff)
	}
	// A GET answer sent back is a valid PUT that changes nothing.
	again := s.do(t, "PUT", svc, sandboxAdmin, got.Body.String())
	if again.Code != http.StatusOK {
		t.Fatalf("PUT of GET's answer = %d\n%s", again.Code, again.Body)
	}
	if diff := cmp.Diff(got.Body.String(), again.Body.String()); diff != "" {
		t.Errorf("round trip changed the subscriber (-get +put):\n%s", diff)
	}

	// Usage of the data bucket is counted by the accumulator of its usage
	// type and units, whose id is not the bucket's.
	usage := s.do(t, "POST", svc+"/usage", sandboxAdmin, `{"bucketId": "32", "amount": 75.50}`)
	if usage.Code != http.StatusOK {
		t.Fatalf("usage = %d\n%s", usage.Code, usage.Body)
	}

	// The store is the shared truth the business endpoints read.
	err := s.store.Default().View(func(tx *storage.Tx) error {
		sub, err := tx.Service("JM", "18760000001", tmf.LOBPrepaid)
		if err != nil {
			return err
		}
		got := []string{sub.Buckets[2].Charges.String(), sub.Buckets[2].Balance().String(),
			sub.Accumulators[0].Amount.String(), sub.Accumulators[1].Amount.String()}
		if diff := cmp.Diff([]string{"100.00", "1024.00", "0.00", "100.00"}, got); diff != "" {
			t.Errorf("data charges, balance, accumulators 1 and 9 (-want +got):\n%s", diff)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	bal := s.do(t, "GET", "/bot-ux/v2/JM/services/18760000001/realTimeBalances", with(sandboxAdmin, "lob", "PREPAID"), "")
	if bal.Code != http.StatusOK || !strings.Contains(bal.Body.String(), `"balanceAmount":1024.00`) {
		t.Errorf("balances after usage = %d\n%s", bal.Code, bal.Body)
	}
}

func TestSandboxDeleteThenReset(t *testing.T) {
	s := newTestServer(t)
	const svc = "/sandbox/v1/JM/services/18763187057"
	demo := s.do(t, "GET", svc, sandboxAdmin, "").Body.String()

	steps := []struct {
		method, target, body string
		wantStatus           int
	}{
		{"POST", svc + "/usage", `{"bucketId": "1", "amount": 5.00}`, 200},
		{"DELETE", svc, "", 204},
		{"GET", svc, "", 404},
		{"DELETE", svc, "", 404},
		{"POST", svc + "/usage", `{"bucketId": "1", "amount": 5.00}`, 404},
		{"POST", "/sandbox/v1/JM/vouchers", `{"voucher": "12345", "amount": 5.00}`, 201},
		{"POST", "/sandbox/v1/reset", "", 200},
		{"GET", svc, "", 200},
		{"GET", "/sandbox/v1/JM/vouchers/12345", "", 404},
		{"GET", "/sandbox/v1/JM/vouchers/89742282598199", "", 200},
	}
	for i, st := range steps {
		rec := s.do(t, st.method, st.target, sandboxAdmin, st.body)
		if rec.Code != st.wantStatus {
			t.Fatalf("step %d: %s %s = %d, want %d\n%s", i, st.method, st.target, rec.Code, st.wantStatus, rec.Body)
		}
		if st.method == "DELETE" && rec.Code == http.StatusNoContent && rec.Body.Len() != 0 {
			t.Errorf("204 with a body: %q", rec.Body)
		}
	}
	if got := s.do(t, "GET", svc, sandboxAdmin, "").Body.String(); got != demo {
		t.Errorf("after reset (-demo +got):\n%s", cmp.Diff(demo, got))
	}
	// The clients were reloaded: every demo client still signs in.
	for _, h := range []map[string]string{asAdmin, asSelfcare, asReadonly} {
		rec := s.do(t, "GET", "/sandbox/v1/JM/services/18763187057", h, "")
		if rec.Code == http.StatusUnauthorized {
			t.Errorf("%s after reset: %s", h["client_id"], rec.Body)
		}
	}
}

// TestSandboxClockDrivesDates freezes the clock through the API and reads
// answers that depend on it.
func TestSandboxClockDrivesDates(t *testing.T) {
	s := newTestServer(t)
	freeze := func(now string) {
		t.Helper()
		rec := s.do(t, "PUT", "/sandbox/v1/clock", sandboxAdmin, `{"now": "`+now+`"}`)
		if rec.Code != http.StatusOK {
			t.Fatalf("freeze at %s = %d\n%s", now, rec.Code, rec.Body)
		}
	}
	voucherStatus := func() string {
		t.Helper()
		var v struct{ Status, Expiry string }
		sandboxDecode(t, s.do(t, "GET", "/sandbox/v1/JM/vouchers/5551234", sandboxAdmin, ""), &v)
		return v.Status + " " + v.Expiry
	}

	freeze("2022-11-08T00:25:18-05:00")
	rec := s.do(t, "POST", "/sandbox/v1/JM/vouchers", sandboxAdmin, `{"voucher": "5551234", "amount": 5.00, "expiry": "+1d"}`)
	if rec.Code != http.StatusCreated {
		t.Fatalf("create voucher = %d\n%s", rec.Code, rec.Body)
	}
	// +1d is midnight in Jamaica a day after the frozen now.
	if got, want := voucherStatus(), "unused 2022-11-09T00:00:00.000-05:00"; got != want {
		t.Errorf("voucher at the frozen time = %q, want %q", got, want)
	}
	freeze("2022-11-09T00:00:00-05:00")
	if got, want := voucherStatus(), "expired 2022-11-09T00:00:00.000-05:00"; got != want {
		t.Errorf("voucher at its expiry = %q, want %q", got, want)
	}

	// A bucket expiring between two frozen times stops taking usage.
	freeze("2022-11-08T00:25:18-05:00")
	body := sandboxBody(`"2027-01-31T23:59:59-05:00"`, `"2022-11-10T00:00:00-05:00"`)
	if rec := s.do(t, "PUT", "/sandbox/v1/JM/services/18760000001", sandboxAdmin, body); rec.Code != http.StatusCreated {
		t.Fatalf("PUT = %d\n%s", rec.Code, rec.Body)
	}
	usage := `{"bucketId": "32", "amount": 1.00}`
	if rec := s.do(t, "POST", "/sandbox/v1/JM/services/18760000001/usage", sandboxAdmin, usage); rec.Code != http.StatusOK {
		t.Errorf("usage before expiry = %d\n%s", rec.Code, rec.Body)
	}
	freeze("2022-11-10T00:00:00-05:00")
	if rec := s.do(t, "POST", "/sandbox/v1/JM/services/18760000001/usage", sandboxAdmin, usage); rec.Code != http.StatusUnprocessableEntity {
		t.Errorf("usage at expiry = %d, want 422\n%s", rec.Code, rec.Body)
	}

	// Reset resolves the demo's relative expiries against the frozen time.
	if rec := s.do(t, "POST", "/sandbox/v1/reset", sandboxAdmin, ""); rec.Code != http.StatusOK {
		t.Fatalf("reset = %d\n%s", rec.Code, rec.Body)
	}
	var sub struct{ Buckets []struct{ Expiry string } }
	sandboxDecode(t, s.do(t, "GET", "/sandbox/v1/JM/services/18763187057", sandboxAdmin, ""), &sub)
	if got, want := sub.Buckets[0].Expiry, "2022-12-10T00:00:00.000-05:00"; got != want {
		t.Errorf("demo bucket after reset at the frozen time expires %s, want %s", got, want)
	}

	// Thawed, the clock follows the host again.
	var c struct {
		Now    string
		Frozen bool
	}
	sandboxDecode(t, s.do(t, "DELETE", "/sandbox/v1/clock", sandboxAdmin, ""), &c)
	now, err := time.Parse(time.RFC3339, c.Now)
	if c.Frozen || err != nil || !now.Equal(s.host.now()) {
		t.Errorf("after DELETE the clock says %+v (%v), want the host's time, not frozen", c, err)
	}
}

// TestSandboxClockTopup freezes the clock, tops up, and checks that the
// confirmation date, the validity extension and the voucher's redemption
// all follow the frozen time.
func TestSandboxClockTopup(t *testing.T) {
	s := newTestServer(t)
	frozen := testNow.Add(20 * 24 * time.Hour) // before the demo's +30d expiries
	jm, _ := time.LoadLocation("America/Jamaica")
	if rec := s.do(t, "PUT", "/sandbox/v1/clock", sandboxAdmin, `{"now": "`+frozen.Format(time.RFC3339)+`"}`); rec.Code != http.StatusOK {
		t.Fatalf("freeze = %d\n%s", rec.Code, rec.Body)
	}
	topup := s.do(t, "POST", "/bot-ux/v1/JM/topupBalance", with(asAdmin, "lob", "PREPAID", "X-Correlation-ID", "sandbox-clock-topup"),
		`{"voucher": "89742282598199", "partyAccount": {"id": "18763187057", "@type": "subscriberNumber"}}`)
	if topup.Code != http.StatusOK {
		t.Fatalf("top-up = %d\n%s", topup.Code, topup.Body)
	}
	var resp struct {
		Bucket struct {
			ValidFor struct{ EndDateTime string }
		}
	}
	sandboxDecode(t, topup, &resp)
	// Validity: exactly the frozen now plus the business unit's 30 days,
	// which lies beyond the bucket's demo expiry (+30d from testNow).
	if want := frozen.Add(30 * 24 * time.Hour).In(jm).Format("2006-01-02T15:04:05.000-07:00"); resp.Bucket.ValidFor.EndDateTime != want {
		t.Errorf("validFor.endDateTime = %q, want %q", resp.Bucket.ValidFor.EndDateTime, want)
	}

	var v struct{ Status, RedeemedAt string }
	sandboxDecode(t, s.do(t, "GET", "/sandbox/v1/JM/vouchers/89742282598199", sandboxAdmin, ""), &v)
	if want := "redeemed " + frozen.In(jm).Format("2006-01-02T15:04:05.000-07:00"); v.Status+" "+v.RedeemedAt != want {
		t.Errorf("voucher = %q, want %q", v.Status+" "+v.RedeemedAt, want)
	}

	day := frozen.In(jm).Format(time.DateOnly)
	hist := s.do(t, "GET", "/tmf-api/prepayBalanceManagement/v4/JM/balanceActionHistory?product.id=32970101&@type=TopupBalance&dateTime.gte="+
		day+"&dateTime.lte="+day, sandboxAdmin, "")
	var actions []struct{ ConfirmationDate string }
	sandboxDecode(t, hist, &actions)
	want := frozen.In(jm).Format("2006-01-02T15:04:05.000-07:00")
	if len(actions) != 1 || actions[0].ConfirmationDate != want {
		t.Errorf("history on the frozen day = %+v, want one action confirmed at %s", actions, want)
	}
}

// TestSandboxNeedsEveryBusinessUnit: reset and the clock act on every
// business unit, so an admin of one may not use them; it may still set up
// its own subscribers.
func TestSandboxNeedsEveryBusinessUnit(t *testing.T) {
	h := newTestServerWithJMAdmin(t)

	tests := []struct {
		method, target, body string
		wantStatus           int
	}{
		{"POST", "/sandbox/v1/reset", "", 403},
		{"PUT", "/sandbox/v1/clock", `{"now": "2022-11-08T00:25:18-05:00"}`, 403},
		{"DELETE", "/sandbox/v1/clock", "", 403},
		{"GET", "/sandbox/v1/clock", "", 200},
		{"POST", "/sandbox/v1/JM/vouchers", `{"voucher": "12345", "amount": 5.00}`, 201},
		{"POST", "/sandbox/v1/BTC/vouchers", `{"voucher": "12345", "amount": 5.00}`, 403},
	}
	for _, tc := range tests {
		rec := h.do(t, tc.method, tc.target, jmAdmin, tc.body)
		if rec.Code != tc.wantStatus {
			t.Errorf("%s %s = %d, want %d\n%s", tc.method, tc.target, rec.Code, tc.wantStatus, rec.Body)
		}
	}
}

// TestSandboxCounters reads /debug/vars around a few requests: requests by
// route and status, and latency buckets, rise by exactly what was sent.
func TestSandboxCounters(t *testing.T) {
	s := newTestServer(t)
	type vars struct {
		Prepay struct {
			Requests  map[string]map[string]int
			LatencyUS map[string]map[string]int `json:"latency_us"`
		}
		Cmdline any
	}
	read := func() vars {
		t.Helper()
		rec := s.do(t, "GET", "/debug/vars", nil, "")
		if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/json; charset=utf-8" {
			t.Fatalf("/debug/vars = %d %q", rec.Code, rec.Header().Get("Content-Type"))
		}
		var v vars
		sandboxDecode(t, rec, &v)
		return v
	}
	before := read()
	s.do(t, "GET", "/sandbox/v1/clock", sandboxAdmin, "")
	s.do(t, "GET", "/sandbox/v1/clock", sandboxAdmin, "")
	s.do(t, "GET", "/sandbox/v1/clock", nil, "")
	after := read()

	const route = "GET /sandbox/v1/clock"
	got := map[string]int{
		"200":     after.Prepay.Requests[route]["200"] - before.Prepay.Requests[route]["200"],
		"401":     after.Prepay.Requests[route]["401"] - before.Prepay.Requests[route]["401"],
		"latency": after.Prepay.LatencyUS[route]["count"] - before.Prepay.LatencyUS[route]["count"],
	}
	if diff := cmp.Diff(map[string]int{"200": 2, "401": 1, "latency": 3}, got); diff != "" {
		t.Errorf("counter increments (-want +got):\n%s", diff)
	}
	if after.Cmdline != nil {
		t.Errorf("/debug/vars shows the command line, which holds file paths")
	}
}

func sandboxDecode(t *testing.T, rec *httptest.ResponseRecorder, v any) {
	t.Helper()
	if err := json.Unmarshal(rec.Body.Bytes(), v); err != nil {
		t.Fatalf("answer %d is not the JSON expected: %v\n%s", rec.Code, err, rec.Body)
	}
}
