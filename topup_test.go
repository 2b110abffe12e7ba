package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"prepay/money"
	"prepay/storage"
	"prepay/tmf"
)

// seedTopup is seed 001's request body without its stray trailing comma.
const seedTopup = `{
"voucher": "89742282598199",
"amount": {
"amount": 1,
"units": "JMD"
},
"partyAccount": {
"id": "18763187057",
"@type": "subscriberNumber"
},
"bucket":{
"id": "1",
"href": "https://esb-dev.lla.com/prepayBalanceManagement/v4/bucket/1",
"description": "Primary Balance",
"name": "Primary Balance",
"@baseType": "BucketBalance",
"@type": "Core"
}
}`

// topupHeaders are the headers of a well-formed top-up by the admin client
// with correlation id corr.
func topupHeaders(lob, corr string) map[string]string {
	return with(asAdmin, "lob", lob, "X-Correlation-ID", corr)
}

// amountTopup is the body of a top-up of amount (JSON number text) to
// service, with more fields appended inside the object.
func amountTopup(service, amount string, more ...string) string {
	extra := ""
	for _, m := range more {
		extra += "," + m
	}
	return fmt.Sprintf(`{"partyAccount":{"id":%q},"amount":{"amount":%s,"units":"JMD"}%s}`, service, amount, extra)
}

func (s *testServer) topup(t testing.TB, bu string, header map[string]string, body string) *httptest.ResponseRecorder {
	t.Helper()
	return s.do(t, "POST", "/bot-ux/v1/"+bu+"/topupBalance", header, body)
}

// subscriber reads a service's record straight from the store.
func (s *testServer) subscriber(t testing.TB, bu, serviceNo string) storage.Subscriber {
	t.Helper()
	var sub storage.Subscriber
	if err := s.store.Default().View(func(tx *storage.Tx) (err error) {
		sub, err = tx.Subscriber(bu, serviceNo)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return sub
}

// actions returns every history record of a product, newest first.
func (s *testServer) actions(t testing.TB, bu, product string) []storage.Action {
	t.Helper()
	var out []storage.Action
	if err := s.store.Default().View(func(tx *storage.Tx) (err error) {
		out, _, err = tx.Actions(storage.ActionWindow{BusinessID: bu, ProductID: product,
			From: time.Unix(0, 0), To: testNow.AddDate(1, 0, 0)})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// balancesOf maps bucket id to balance.
func balancesOf(sub storage.Subscriber) map[string]money.Amount {
	m := map[string]money.Amount{}
	for _, b := range sub.Buckets {
		m[b.ID] = b.Balance()
	}
	return m
}

// TestTopupGolden replays seed 001 and every refusal against a fresh server
// each, comparing status, headers and body with testdata/topup/.
func TestTopupGolden(t *testing.T) {
	h := topupHeaders
	tests := []struct {
		name   string
		bu     string
		before func(t *testing.T, s *testServer) // requests made first
		header map[string]string
		body   string
	}{
		{name: "seed", bu: "JM", header: h("PREPAID", "seed-001"), body: seedTopup},
		{name: "seed_replayed", bu: "JM", header: h("PREPAID", "seed-001"), body: seedTopup,
			before: func(t *testing.T, s *testServer) { s.topup(t, "JM", h("PREPAID", "seed-001"), seedTopup) }},
		{name: "seed_selfcare", bu: "JM", body: seedTopup,
			header: with(asSelfcare, "lob", "PREPAID", "X-Correlation-ID", "seed-selfcare")},
		{name: "amount_fixed", bu: "JM", header: h("FIXED", "fixed-1"), body: amountTopup("18769990001", "12.34")},
		{name: "below_loan", bu: "JM", header: h("PREPAID", "loan-1"), body: amountTopup("18763187057", "1.50")},
		{name: "equal_loan", bu: "JM", header: h("PREPAID", "loan-2"), body: amountTopup("18763187057", "2.00")},
		{name: "expired_bucket", bu: "JM", header: h("PREPAID", "expired-1"), body: amountTopup("18769990002", "10")},
		{name: "btc_voucher", bu: "BTC", header: h("PREPAID", "btc-1"),
			body: `{"voucher":"42424242424242","partyAccount":{"id":"12425550100"}}`},
		{name: "stub", bu: "TT", header: h("PREPAID", "stub-1"), body: `{"partyAccount":{"id":"18681234567"},"amount":{"amount":10,"units":"TTD"}}`},

		// Refused before any state is read.
		{name: "missing_correlation", bu: "JM", header: with(asAdmin, "lob", "PREPAID"), body: seedTopup},
		{name: "correlation_other_spelling", bu: "JM", body: seedTopup,
			header: with(asAdmin, "lob", "PREPAID", "Correlation-ID", "only-the-other")},
		{name: "missing_lob", bu: "JM", header: with(asAdmin, "X-Correlation-ID", "e-1"), body: seedTopup},
		{name: "invalid_lob", bu: "JM", header: h("prepay", "e-2"), body: seedTopup},
		{name: "empty_idempotency_key", bu: "JM", header: with(h("PREPAID", "e-3"), "Idempotency-Key", `""`), body: seedTopup},
		{name: "seed_trailing_comma", bu: "JM", header: h("PREPAID", "e-4"),
			body: strings.Replace(seedTopup, `"@type": "Core"`, `"@type": "Core",`, 1)},
		{name: "not_json_media_type", bu: "JM", header: with(h("PREPAID", "e-5"), "Content-Type", "text/plain"), body: seedTopup},
		{name: "body_too_large", bu: "JM", header: h("PREPAID", "e-6"),
			body: amountTopup("18763187057", "1", `"pad":"`+strings.Repeat("x", 70<<10)+`"`)},
		{name: "missing_party_account", bu: "JM", header: h("PREPAID", "e-7"), body: `{"amount":{"amount":1}}`},
		{name: "party_account_type", bu: "JM", header: h("PREPAID", "e-8"),
			body: `{"partyAccount":{"id":"18763187057","@type":"msisdn"},"amount":{"amount":1}}`},
		{name: "voucher_not_digits", bu: "JM", header: h("PREPAID", "e-9"),
			body: `{"partyAccount":{"id":"18763187057"},"voucher":"8974-2282"}`},
		{name: "voucher_wrong_type", bu: "JM", header: h("PREPAID", "e-10"),
			body: `{"partyAccount":{"id":"18763187057"},"voucher":89742282598199}`},
		{name: "missing_amount", bu: "JM", header: h("PREPAID", "e-11"), body: `{"partyAccount":{"id":"18763187057"}}`},
		{name: "zero_amount", bu: "JM", header: h("PREPAID", "e-12"), body: amountTopup("18763187057", "0.00")},
		{name: "amount_three_decimals", bu: "JM", header: h("PREPAID", "e-13"), body: amountTopup("18763187057", "1.005")},
		{name: "empty_bucket_id", bu: "JM", header: h("PREPAID", "e-14"), body: amountTopup("18763187057", "1", `"bucket":{"id":""}`)},
		{name: "currency_mismatch", bu: "JM", header: h("PREPAID", "e-15"),
			body: `{"partyAccount":{"id":"18763187057"},"amount":{"amount":1,"units":"USD"}}`},
		{name: "stub_missing_amount", bu: "TT", header: h("PREPAID", "e-16"), body: `{"partyAccount":{"id":"18681234567"}}`},
		{name: "no_topup_scope", bu: "JM", header: with(asReadonly, "lob", "PREPAID", "X-Correlation-ID", "e-17"), body: seedTopup},

		// Refused on what the store holds.
		{name: "unknown_service", bu: "JM", header: h("PREPAID", "e-20"), body: amountTopup("18760000000", "1")},
		{name: "other_lob", bu: "JM", header: h("FIXED", "e-21"), body: amountTopup("18763187057", "1")},
		{name: "postpaid", bu: "JM", header: h("POSTPAID", "e-22"), body: amountTopup("18765550199", "1")},
		{name: "unknown_bucket", bu: "JM", header: h("PREPAID", "e-23"), body: amountTopup("18763187057", "1", `"bucket":{"id":"99"}`)},
		{name: "data_bucket", bu: "JM", header: h("PREPAID", "e-24"), body: amountTopup("18763187057", "1", `"bucket":{"id":"32"}`)},
		{name: "loan_bucket", bu: "JM", header: h("PREPAID", "e-25"), body: amountTopup("18763187057", "1", `"bucket":{"id":"21"}`)},
		{name: "unknown_voucher", bu: "JM", header: h("PREPAID", "e-26"),
			body: `{"partyAccount":{"id":"18763187057"},"voucher":"42424242424242"}`},
		{name: "expired_voucher", bu: "JM", header: h("PREPAID", "e-27"),
			body: `{"partyAccount":{"id":"18763187057"},"voucher":"55556666777788"}`},
		{name: "redeemed_voucher", bu: "JM", header: h("FIXED", "e-28"),
			body:   `{"partyAccount":{"id":"18769990001"},"voucher":"89742282598199"}`,
			before: func(t *testing.T, s *testServer) { s.topup(t, "JM", h("PREPAID", "seed-001"), seedTopup) }},
		{name: "key_reused", bu: "JM", header: h("PREPAID", "seed-001"),
			body:   strings.Replace(seedTopup, `"amount": 1,`, `"amount": 2,`, 1),
			before: func(t *testing.T, s *testServer) { s.topup(t, "JM", h("PREPAID", "seed-001"), seedTopup) }},
		{name: "balance_out_of_range", bu: "JM", header: h("FIXED", "e-29"), body: amountTopup("18769990001", "92233720368547757.00")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestServer(t)
			if tc.before != nil {
				tc.before(t, s)
			}
			rec := s.topup(t, tc.bu, tc.header, tc.body)
			_, x := tc.header["X-Correlation-ID"]
			_, plain := tc.header["Correlation-ID"]
			if id := rec.Header().Get("X-Correlation-ID"); !x && !plain {
				// The server made this id; only its shape is stable.
				if len(id) != 36 {
					t.Errorf("generated X-Correlation-ID = %q, want a UUID", id)
				}
				rec.Header().Set("X-Correlation-ID", "(generated)")
			}
			checkGolden(t, "topup/"+tc.name, rec)
		})
	}
}

// TestTopupSeedState checks what the seed's top-up leaves behind: the
// balances, the redeemed voucher and the history record, field by field.
func TestTopupSeedState(t *testing.T) {
	s := newTestServer(t)
	before := s.subscriber(t, "JM", "18763187057")
	if rec := s.topup(t, "JM", topupHeaders("PREPAID", "seed-001"), seedTopup); rec.Code != http.StatusOK {
		t.Fatalf("seed top-up: %d %s", rec.Code, rec.Body)
	}
	sub := s.subscriber(t, "JM", "18763187057")
	want := map[string]money.Amount{"1": money.MustParse("25.59"), "21": 0, "32": money.MustParse("379.75")}
	if diff := cmp.Diff(want, balancesOf(sub)); diff != "" {
		t.Errorf("balances after the seed top-up (-want +got):\n%s", diff)
	}
	validTo := testNow.Add(30 * 24 * time.Hour)
	if got := sub.Buckets[0].Expiry; !got.Equal(validTo) {
		t.Errorf("primary balance expiry = %v, want now + 30 days = %v", got, validTo)
	}
	if got, was := sub.Buckets[1].Expiry, before.Buckets[1].Expiry; !got.Equal(was) {
		t.Errorf("loan expiry = %v, want unchanged %v", got, was)
	}

	var v storage.Voucher
	s.store.Default().View(func(tx *storage.Tx) (err error) { v, err = tx.Voucher("JM", "89742282598199"); return err })
	if !v.RedeemedAt.Equal(testNow) || v.RedeemedBy != "18763187057" {
		t.Errorf("voucher redeemed at %v by %q, want %v by 18763187057", v.RedeemedAt, v.RedeemedBy, testNow)
	}

	acts := s.actions(t, "JM", "32970101")
	if len(acts) != 1 {
		t.Fatalf("history holds %d records, want 1", len(acts))
	}
	seq := acts[0].Seq
	wantAction := storage.Action{
		Seq:              seq,
		BusinessID:       "JM",
		Type:             "TopupBalance",
		Description:      fmt.Sprintf("limeware,1,1,%d:topupBalance,API,JM", seq),
		ConfirmationDate: testNow,
		Amount:           money.MustParse("5.00"),
		Units:            "JMD",
		ProductID:        "32970101",
		PartyAccountID:   "32795001",
		Channel:          storage.Channel{ID: "11006", Name: "limeware"},
		MSISDN:           "18763187057",
		BatchNumber:      "-1",
		RechargeID:       "11006",
		RechargeID2:      fmt.Sprint(seq),
		CardNumber:       "89742282598199",
		SerialNumber:     "",
		CurrencyConvRate: "1.0",
		Balances: []storage.Snapshot{
			{ID: "1", Name: "Primary Balance", UsageType: "Currency", Units: "JMD", Amount: money.MustParse("25.59"), ValidTo: validTo},
			{ID: "21", Name: "Loan Balance", UsageType: "Currency", Units: "JMD", Amount: 0, ValidTo: before.Buckets[1].Expiry},
			{ID: "32", Name: "Roaming Data", UsageType: "MB", Units: "MB", Amount: money.MustParse("379.75"), ValidTo: before.Buckets[2].Expiry},
		},
		Accumulators: []storage.Snapshot{
			{ID: "1", Name: "primary balance", UsageType: "Currency", Units: "JMD", Amount: 0},
		},
	}
	if diff := cmp.Diff(wantAction, acts[0]); diff != "" {
		t.Errorf("history record (-want +got):\n%s", diff)
	}
}

// creditedCount reads the top-ups credited counter from /debug/vars.
func (s *testServer) creditedCount(t *testing.T) int64 {
	t.Helper()
	rec := s.do(t, "GET", "/debug/vars", nil, "")
	var vars struct {
		Prepay struct {
			TopupsCredited int64 `json:"topups_credited"`
		}
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &vars); err != nil {
		t.Fatalf("/debug/vars: %v", err)
	}
	return vars.Prepay.TopupsCredited
}

// TestTopupCounted checks that a credit is counted once: not again when
// replayed, nor for a refusal or a stub answer.
func TestTopupCounted(t *testing.T) {
	s := newTestServer(t)
	before := s.creditedCount(t)
	s.topup(t, "JM", topupHeaders("PREPAID", "count-1"), seedTopup)
	s.topup(t, "JM", topupHeaders("PREPAID", "count-1"), seedTopup)
	s.topup(t, "JM", topupHeaders("PREPAID", "count-2"), seedTopup)
	s.topup(t, "TT", topupHeaders("PREPAID", "count-3"), `{"partyAccount":{"id":"18681234567"},"amount":{"amount":1}}`)
	if got := s.creditedCount(t) - before; got != 1 {
		t.Errorf("top-ups counted = %d, want 1", got)
	}
}

// TestTopupIdempotencyRules checks what is remembered and what is not.
func TestTopupIdempotencyRules(t *testing.T) {
	primary := func(s *testServer, service string) money.Amount {
		return balancesOf(s.subscriber(t, "JM", service))["1"]
	}

	t.Run("a refusal before any state is not remembered", func(t *testing.T) {
		s := newTestServer(t)
		hdr := topupHeaders("FIXED", "fix-me")
		if rec := s.topup(t, "JM", hdr, amountTopup("18769990001", "0")); rec.Code != http.StatusBadRequest {
			t.Fatalf("zero amount: %d, want 400", rec.Code)
		}
		rec := s.topup(t, "JM", hdr, amountTopup("18769990001", "5"))
		if rec.Code != http.StatusOK || rec.Header().Get("Idempotent-Replayed") != "" {
			t.Fatalf("corrected retry with the same key: %d replayed=%q, want a fresh 200", rec.Code, rec.Header().Get("Idempotent-Replayed"))
		}
	})

	t.Run("a domain refusal is not remembered", func(t *testing.T) {
		s := newTestServer(t)
		hdr := topupHeaders("PREPAID", "not-yet")
		body := amountTopup("18760000001", "5")
		if rec := s.topup(t, "JM", hdr, body); rec.Code != http.StatusNotFound {
			t.Fatalf("unknown service: %d, want 404", rec.Code)
		}
		sub := s.subscriber(t, "JM", "18769990001")
		sub.ServiceNo, sub.LOB = "18760000001", tmf.LOBPrepaid
		if err := s.store.Default().Update(func(tx *storage.Tx) error { return tx.PutSubscriber(sub) }); err != nil {
			t.Fatal(err)
		}
		if rec := s.topup(t, "JM", hdr, body); rec.Code != http.StatusOK {
			t.Fatalf("same request once the service exists: %d %s, want 200", rec.Code, rec.Body)
		}
	})

	t.Run("Idempotency-Key wins over the correlation id", func(t *testing.T) {
		s := newTestServer(t)
		body := amountTopup("18769990001", "5")
		first := s.topup(t, "JM", with(topupHeaders("FIXED", "corr-a"), "Idempotency-Key", `"key-1"`), body)
		again := s.topup(t, "JM", with(topupHeaders("FIXED", "corr-b"), "Idempotency-Key", "key-1"), body)
		if again.Header().Get("Idempotent-Replayed") != "true" || again.Body.String() != first.Body.String() {
			t.Errorf("same Idempotency-Key, new correlation id: replayed=%q, want the first answer again",
				again.Header().Get("Idempotent-Replayed"))
		}
		other := s.topup(t, "JM", with(topupHeaders("FIXED", "corr-a"), "Idempotency-Key", "key-2"), body)
		if other.Header().Get("Idempotent-Replayed") != "" || other.Code != http.StatusOK {
			t.Errorf("new Idempotency-Key, old correlation id: %d replayed=%q, want a fresh 200",
				other.Code, other.Header().Get("Idempotent-Replayed"))
		}
		if got, want := primary(s, "18769990001"), money.MustParse("160.00"); got != want {
			t.Errorf("balance = %s, want %s (two credits of 5.00)", got, want)
		}
	})

	t.Run("the key is scoped to the client and the business unit", func(t *testing.T) {
		s := newTestServer(t)
		body := amountTopup("18769990001", "5")
		s.topup(t, "JM", topupHeaders("FIXED", "shared"), body)
		rec := s.topup(t, "JM", with(asSelfcare, "lob", "FIXED", "X-Correlation-ID", "shared"), body)
		if rec.Code != http.StatusOK || rec.Header().Get("Idempotent-Replayed") != "" {
			t.Errorf("another client, same key: %d replayed=%q, want a fresh 200", rec.Code, rec.Header().Get("Idempotent-Replayed"))
		}
	})

	t.Run("whitespace and key order do not make another request", func(t *testing.T) {
		s := newTestServer(t)
		s.topup(t, "JM", topupHeaders("FIXED", "same"), `{"partyAccount":{"id":"18769990001"},"amount":{"amount":5}}`)
		rec := s.topup(t, "JM", topupHeaders("FIXED", "same"), `{ "amount": {"amount": 5}, "partyAccount": {"id": "18769990001"} }`)
		if rec.Header().Get("Idempotent-Replayed") != "true" {
			t.Errorf("reformatted body: %d %s, want a replay", rec.Code, rec.Body)
		}
	})

	t.Run("no sandbox clock setting makes a retry new", func(t *testing.T) {
		s := newTestServer(t)
		body := amountTopup("18769990001", "5")
		s.topup(t, "JM", topupHeaders("FIXED", "kept"), body)
		for _, at := range []time.Time{testNow.Add(48 * time.Hour), testNow.AddDate(-4, 0, 0), testNow.AddDate(100, 0, 0)} {
			s.clock.Freeze(at)
			if rec := s.topup(t, "JM", topupHeaders("FIXED", "kept"), body); rec.Header().Get("Idempotent-Replayed") != "true" {
				t.Errorf("sandbox clock at %v: %d replayed=%q, want a replay", at, rec.Code, rec.Header().Get("Idempotent-Replayed"))
			}
		}
		if got, want := primary(s, "18769990001"), money.MustParse("155.00"); got != want {
			t.Errorf("balance = %s, want %s: credited once", got, want)
		}
	})

	t.Run("a record older than 24 hours of host time is not replayed, and is purged", func(t *testing.T) {
		s := newTestServer(t)
		body := amountTopup("18769990001", "5")
		s.topup(t, "JM", topupHeaders("FIXED", "old"), body)
		s.host.set(testNow.Add(24 * time.Hour))
		rec := s.topup(t, "JM", topupHeaders("FIXED", "old"), body)
		if rec.Code != http.StatusOK || rec.Header().Get("Idempotent-Replayed") != "" {
			t.Errorf("repeat after 24 h: %d replayed=%q, want a fresh 200", rec.Code, rec.Header().Get("Idempotent-Replayed"))
		}
		s.topup(t, "JM", topupHeaders("FIXED", "new"), body) // its purge finds the old record's index entry
		s.store.Default().View(func(tx *storage.Tx) error {
			r, err := tx.Idempotency("sandbox-admin", "JM", "old")
			if err != nil || !r.Created.Equal(testNow.Add(24*time.Hour)) {
				t.Errorf("record of key old: created %v, %v; want the second top-up's", r.Created, err)
			}
			return nil
		})
		if got, want := primary(s, "18769990001"), money.MustParse("165.00"); got != want {
			t.Errorf("balance = %s, want %s", got, want)
		}
	})

	t.Run("a stub answer changes nothing and is not remembered", func(t *testing.T) {
		s := newTestServer(t)
		body := `{"partyAccount":{"id":"18681234567"},"amount":{"amount":10,"units":"TTD"}}`
		s.topup(t, "TT", topupHeaders("PREPAID", "stub"), body)
		rec := s.topup(t, "TT", topupHeaders("PREPAID", "stub"), body)
		if rec.Header().Get("X-Stub") != "true" || rec.Header().Get("Idempotent-Replayed") != "" {
			t.Errorf("stub repeat: X-Stub=%q replayed=%q, want a fresh stub answer", rec.Header().Get("X-Stub"), rec.Header().Get("Idempotent-Replayed"))
		}
		s.store.Default().View(func(tx *storage.Tx) error {
			if _, err := tx.Idempotency("sandbox-admin", "TT", "stub"); !errors.Is(err, storage.ErrNotFound) {
				t.Errorf("stub left an idempotency record: %v", err)
			}
			return nil
		})
	})
}

// TestTopupConcurrentVoucher redeems one voucher from many requests at once:
// exactly one wins.
func TestTopupConcurrentVoucher(t *testing.T) {
	s := newTestServer(t)
	const n = 50
	codes := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			codes[i] = s.topup(t, "JM", topupHeaders("PREPAID", fmt.Sprintf("race-%d", i)), seedTopup).Code
		})
	}
	wg.Wait()
	count := map[int]int{}
	for _, c := range codes {
		count[c]++
	}
	if diff := cmp.Diff(map[int]int{200: 1, 409: n - 1}, count); diff != "" {
		t.Errorf("answers by status (-want +got):\n%s", diff)
	}
	if got := balancesOf(s.subscriber(t, "JM", "18763187057"))["1"]; got != money.MustParse("25.59") {
		t.Errorf("primary balance = %s, want 25.59 (one voucher of 5.00, 2.00 of it to the loan)", got)
	}
	if got := len(s.actions(t, "JM", "32970101")); got != 1 {
		t.Errorf("history holds %d records, want 1", got)
	}
}

// TestTopupConcurrentCredits tops up one service from many requests at once:
// the balance rises by exactly their sum and every one is in the history.
func TestTopupConcurrentCredits(t *testing.T) {
	s := newTestServer(t)
	const n = 200
	before := balancesOf(s.subscriber(t, "JM", "18769990001"))["1"]
	var sum money.Amount
	amounts := make([]money.Amount, n)
	for i := range amounts {
		amounts[i] = money.Amount(100 + i*7) // 1.00, 1.07, 1.14…
		sum += amounts[i]
	}
	codes := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			rec := s.topup(t, "JM", topupHeaders("FIXED", fmt.Sprintf("credit-%d", i)),
				amountTopup("18769990001", amounts[i].String()))
			codes[i] = rec.Code
		})
	}
	wg.Wait()
	for i, c := range codes {
		if c != http.StatusOK {
			t.Errorf("top-up %d: status %d", i, c)
		}
	}
	if got, want := balancesOf(s.subscriber(t, "JM", "18769990001"))["1"], before+sum; got != want {
		t.Errorf("balance = %s, want %s + %s = %s", got, before, sum, want)
	}
	acts := s.actions(t, "JM", "32970301")
	if len(acts) != n {
		t.Fatalf("history holds %d records, want %d", len(acts), n)
	}
	var recorded money.Amount
	ids := map[string]bool{}
	for _, a := range acts {
		recorded += a.Amount
		ids[a.RechargeID2] = true
	}
	if recorded != sum || len(ids) != n {
		t.Errorf("history: total %s over %d distinct rechargeId2, want %s over %d", recorded, len(ids), sum, n)
	}
}

// TestTopupConcurrentRepeats sends one request many times at once: it
// credits once, and every other answer is a replay of the same body.
func TestTopupConcurrentRepeats(t *testing.T) {
	s := newTestServer(t)
	const n = 40
	body := amountTopup("18769990001", "7.25")
	recs := make([]*httptest.ResponseRecorder, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { recs[i] = s.topup(t, "JM", topupHeaders("FIXED", "one-key"), body) })
	}
	wg.Wait()
	replayed := 0
	for i, rec := range recs {
		if rec.Code != http.StatusOK {
			t.Fatalf("request %d: %d %s", i, rec.Code, rec.Body)
		}
		if rec.Header().Get("Idempotent-Replayed") == "true" {
			replayed++
		}
		if rec.Body.String() != recs[0].Body.String() {
			t.Errorf("request %d answered another body:\n%s\nthan request 0:\n%s", i, rec.Body, recs[0].Body)
		}
	}
	if replayed != n-1 {
		t.Errorf("%d replays, want %d", replayed, n-1)
	}
	if got := balancesOf(s.subscriber(t, "JM", "18769990001"))["1"]; got != money.MustParse("157.25") {
		t.Errorf("balance = %s, want 157.25 (one credit of 7.25)", got)
	}
	if got := len(s.actions(t, "JM", "32970301")); got != 1 {
		t.Errorf("history holds %d records, want 1", got)
	}
}

// BenchmarkTopup measures top-ups per second through the whole stack onto
// a bbolt file with fsync, at 1, 8 and 64 concurrent callers, on seed
// 001's service and on the 31-bucket one, and what each adds to the file.
func BenchmarkTopup(b *testing.B) {
	for _, c := range []struct {
		name    string
		callers int
		service string
	}{
		{"seed001/callers=1", 1, "18763187057"},
		{"seed001/callers=8", 8, "18763187057"},
		{"seed001/callers=64", 64, "18763187057"},
		{"31buckets/callers=1", 1, "18765544355"},
		{"31buckets/callers=64", 64, "18765544355"},
	} {
		callers := c.callers
		b.Run(c.name, func(b *testing.B) {
			s := newTestServer(b)
			body := amountTopup(c.service, "1.00")
			var (
				mu   sync.Mutex
				next int
				fail error
			)
			take := func() (int, bool) {
				mu.Lock()
				defer mu.Unlock()
				next++
				return next, next <= b.N
			}
			sizeBefore, err := s.store.Size()
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			start := time.Now()
			var wg sync.WaitGroup
			for range callers {
				wg.Go(func() {
					for i, ok := take(); ok; i, ok = take() {
						rec := s.topup(b, "JM", topupHeaders("PREPAID", fmt.Sprintf("bench-%d", i)), body)
						if rec.Code != http.StatusOK {
							mu.Lock()
							fail = fmt.Errorf("top-up %d: %d %s", i, rec.Code, rec.Body)
							mu.Unlock()
						}
					}
				})
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			if fail != nil {
				b.Fatal(fail)
			}
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "topups/s")
			// What the file grew by (bbolt's high-water mark), a top-up's share.
			sizeAfter, err := s.store.Size()
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(sizeAfter-sizeBefore)/float64(b.N), "file-bytes/op")
		})
	}
}
