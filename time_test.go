package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"prepay/due"
	"prepay/storage"
)

// storySubscriber is the subscriber of docs/time.md's story: a primary
// balance valid for a year, a loan of 2.00 and a 30-day data bundle.
const storySubscriber = `{
  "lob": "PREPAID", "accountNo": 187600000042,
  "serviceInternalId": "42000042", "owningAccountInternalId": "42800042",
  "buckets": [
    {"id": "1", "name": "Primary Balance", "usageType": "Currency", "allowance": 100.00, "expiry": "2027-11-23T15:00:00Z"},
    {"id": "21", "name": "Loan Balance", "usageType": "Currency", "units": "JMD", "type": "Loan", "allowance": 2.00, "expiry": "2027-11-23T15:00:00Z"},
    {"id": "32", "name": "Data 30 days", "usageType": "MB", "allowance": 1024.00, "expiry": "2026-12-23T15:00:00Z"}
  ],
  "accumulators": []
}`

const (
	storyService = "/sandbox/v1/JM/services/18760000042"
	tmfStory     = "/tmf-api/prepayBalanceManagement/v4/JM/"
	storyProduct = `"product": {"id": "42000042"}`
)

// newStoryServer is newTestServer with the demo's business units and
// clients but none of its subscribers, so that what happens is the
// story's alone.
func newStoryServer(t testing.TB) *testServer {
	t.Helper()
	ds, err := storage.ParseDataSet(storage.Demo)
	if err != nil {
		t.Fatal(err)
	}
	ds.Subscribers = nil
	return newTestServerWith(t, ds)
}

// setUpStory creates the story's subscriber, a monthly auto top-up of
// 50.00 in four credits (the first at once) and a reservation of 10.00
// for an hour.
func (s *testServer) setUpStory(t testing.TB) {
	t.Helper()
	if rec := s.do(t, "PUT", storyService, sandboxAdmin, storySubscriber); rec.Code != http.StatusCreated {
		t.Fatalf("PUT service = %d\n%s", rec.Code, rec.Body)
	}
	auto := `{` + storyProduct + `, "amount": {"amount": 50.00, "units": "JMD"}, "isAutoTopup": true, "recurringPeriod": "monthly", "numberOfPeriods": 4}`
	if rec := s.do(t, "POST", tmfStory+"topupBalance", with(asAdmin, "Idempotency-Key", "story-auto", "X-Correlation-ID", "story-auto"), auto); rec.Code != http.StatusCreated {
		t.Fatalf("auto top-up = %d\n%s", rec.Code, rec.Body)
	}
	hold := `{` + storyProduct + `, "amount": {"amount": 10.00}, "validFor": {"endDateTime": "2026-11-23T16:00:00Z"}}`
	if rec := s.do(t, "POST", tmfStory+"reserveBalance", with(asAdmin, "Idempotency-Key", "story-hold", "X-Correlation-ID", "story-hold"), hold); rec.Code != http.StatusCreated {
		t.Fatalf("reserve = %d\n%s", rec.Code, rec.Body)
	}
}

type advanced struct {
	From, To string
	Happened storage.Happened
}

func (s *testServer) advance(t testing.TB, body string) advanced {
	t.Helper()
	rec := s.do(t, "POST", "/sandbox/v1/clock/advance", asAdmin, body)
	if rec.Code != http.StatusOK {
		t.Fatalf("advance %s = %d\n%s", body, rec.Code, rec.Body)
	}
	var a advanced
	if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil {
		t.Fatal(err)
	}
	return a
}

// TestAdvanceStory is docs/time.md's story end to end: 95 days pass; the
// bundle expires, the reservation lapses, three monthly periods credit,
// each loan first and each with its action and history record.
func TestAdvanceStory(t *testing.T) {
	s := newStoryServer(t)
	s.setUpStory(t)

	got := s.advance(t, `{"by": "95d"}`)
	want := advanced{From: "2026-11-23T15:00:00.000Z", To: "2027-02-26T15:00:00.000Z",
		Happened: storage.Happened{BucketsExpired: 1, ReservationsReleased: 1, TopupsCredited: 3}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("advance (-want +got):\n%s", diff)
	}

	// The clock is frozen at the target.
	var clk struct {
		Now    string
		Frozen bool
	}
	sandboxDecode(t, s.do(t, "GET", "/sandbox/v1/clock", asAdmin, ""), &clk)
	if clk.Now != want.To || !clk.Frozen {
		t.Errorf("clock after = %+v, want frozen at %s", clk, want.To)
	}

	// The bundle is expired everywhere; the primary holds 100 + 48 + 3 × 50.
	var bundle struct{ Status string }
	sandboxDecode(t, s.do(t, "GET", tmfStory+"bucket/42000042-32", asAdmin, ""), &bundle)
	if bundle.Status != "expired" {
		t.Errorf("bundle status = %q, want expired", bundle.Status)
	}
	rtb := s.do(t, "GET", "/bot-ux/v2/JM/services/18760000042/realTimeBalances", with(asAdmin, "lob", "PREPAID"), "")
	if strings.Contains(rtb.Body.String(), "Data 30 days") {
		t.Errorf("realTimeBalances still shows the expired bundle:\n%s", rtb.Body)
	}
	sub := s.subscriber(t, "JM", "18760000042")
	if got, want := sub.Buckets[0].Available(s.clock.Now()).String(), "298.00"; got != want {
		t.Errorf("primary balance = %s, want %s", got, want)
	}
	if got := sub.Buckets[1].Balance().String(); got != "0.00" {
		t.Errorf("loan = %s, want repaid by the first credit", got)
	}

	// Four top-ups in all: the first and three periods, each its own
	// action and history record, on the periods' dates.
	var tops []struct {
		ConfirmationDate string
		Status           string
		IsAutoTopup      bool
	}
	sandboxDecode(t, s.do(t, "GET", tmfStory+"topupBalance?product.id=42000042&sort=confirmationDate", asAdmin, ""), &tops)
	var dates []string
	for _, tp := range tops {
		dates = append(dates, tp.ConfirmationDate)
	}
	wantDates := []string{"2026-11-23T10:00:00.000-05:00", "2026-12-23T10:00:00.000-05:00", "2027-01-23T10:00:00.000-05:00", "2027-02-23T10:00:00.000-05:00"}
	if diff := cmp.Diff(wantDates, dates); diff != "" {
		t.Errorf("top-up dates (-want +got):\n%s", diff)
	}
	if len(s.actions(t, "JM", "42000042")) != 4 {
		t.Errorf("history holds %d records, want 4", len(s.actions(t, "JM", "42000042")))
	}

	var holds []struct{ Status string }
	sandboxDecode(t, s.do(t, "GET", tmfStory+"reserveBalance?product.id=42000042", asAdmin, ""), &holds)
	if len(holds) != 1 || holds[0].Status != "cancelled" {
		t.Errorf("reservations = %+v, want one cancelled", holds)
	}

	// Nothing happens twice: a year later only the primary balance and
	// the loan reach their own expiry.
	if got, want := s.advance(t, `{"by": "365d"}`).Happened, (storage.Happened{BucketsExpired: 2}); got != want {
		t.Errorf("second advance happened %+v, want %+v", got, want)
	}
}

// TestAdvanceRefusals: exactly one of by and to, forward only, not past
// 9000-01-01; each refusal names its field and moves nothing.
func TestAdvanceRefusals(t *testing.T) {
	s := newTestServer(t)
	tests := []struct{ name, body, field string }{
		{"neither", `{}`, "by or to"},
		{"both", `{"by": "1h", "to": "2027-01-01T00:00:00Z"}`, "by and to"},
		{"bad duration", `{"by": "soon"}`, "by"},
		{"negative", `{"by": "-1h"}`, "by"},
		{"zero", `{"by": "0s"}`, "by"},
		{"too far by", `{"by": "3000000d"}`, "by"},
		{"bad time", `{"to": "tomorrow"}`, "to"},
		{"backwards", `{"to": "2020-01-01T00:00:00Z"}`, "to"},
		{"now", `{"to": "2026-11-23T15:00:00Z"}`, "to"},
		{"too far to", `{"to": "9000-01-01T00:00:00.001Z"}`, "to"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := s.do(t, "POST", "/sandbox/v1/clock/advance", asAdmin, tc.body)
			var e struct{ Message string }
			sandboxDecode(t, rec, &e)
			if rec.Code != http.StatusBadRequest || !strings.HasPrefix(e.Message, tc.field) {
				t.Errorf("= %d %q, want 400 naming %s", rec.Code, e.Message, tc.field)
			}
			if now := s.clock.Now(); !now.Equal(testNow) {
				t.Errorf("clock moved to %s", now)
			}
		})
	}
	if rec := s.do(t, "POST", "/sandbox/v1/clock/advance", asReadonly, `{"by": "1h"}`); rec.Code != http.StatusForbidden {
		t.Errorf("advance without sandbox:admin = %d, want 403", rec.Code)
	}
	if got := s.advance(t, `{"to": "9000-01-01T00:00:00Z"}`).To; got != "9000-01-01T00:00:00.000Z" {
		t.Errorf("advance to the latest = %s", got)
	}
}

// TestAdvanceSteps is the property that advancing in one step or in many
// to the same time gives the same records and, summed, the same counts.
func TestAdvanceSteps(t *testing.T) {
	steps := [][]string{
		{`{"by": "95d"}`},
		{`{"by": "1d"}`, `{"by": "29d"}`, `{"by": "1h"}`, `{"by": "7d23h"}`, `{"to": "2027-02-23T15:00:00Z"}`, `{"by": "3d"}`},
		{`{"by": "30d"}`, `{"by": "31d"}`, `{"by": "31d"}`, `{"by": "3d"}`},
		{`{"by": "10m"}`, `{"by": "50m"}`, `{"by": "1d"}`, `{"to": "2026-12-23T14:59:59.999Z"}`, `{"by": "1ms"}`, `{"to": "2027-02-26T15:00:00Z"}`},
	}
	var first map[string]map[string]string
	var firstSum storage.Happened
	for i, plan := range steps {
		s := newTestServer(t)
		s.setUpStory(t)
		var sum storage.Happened
		for _, b := range plan {
			sum = sum.Add(s.advance(t, b).Happened)
		}
		// Clients hold random salts; the sandbox's own record its host
		// creation time. Neither is what an advance changes.
		recs, err := s.store.Default().Records("clients", "sandbox")
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first, firstSum = recs, sum
			continue
		}
		if diff := cmp.Diff(first, recs); diff != "" {
			t.Errorf("plan %d: records differ from one step (-one +many):\n%s", i, diff)
		}
		if sum != firstSum {
			t.Errorf("plan %d: counts %+v, want %+v", i, sum, firstSum)
		}
	}
}

// TestClockSetHasNoConsequences: what falls due across a PUT of the clock
// is not made to happen by a later advance.
func TestClockSetHasNoConsequences(t *testing.T) {
	s := newStoryServer(t)
	s.setUpStory(t)
	if rec := s.do(t, "PUT", "/sandbox/v1/clock", sandboxAdmin, `{"now": "2027-01-01T00:00:00Z"}`); rec.Code != http.StatusOK {
		t.Fatalf("PUT clock = %d", rec.Code)
	}
	got := s.advance(t, `{"to": "2027-02-26T15:00:00Z"}`).Happened
	// December's period fell across the setting: only January's and
	// February's credit.
	if want := (storage.Happened{TopupsCredited: 2}); got != want {
		t.Errorf("happened %+v, want %+v", got, want)
	}
}

// TestAdvanceOneSandbox: advancing one sandbox moves only its time.
func TestAdvanceOneSandbox(t *testing.T) {
	s := newTestServer(t)
	m := s.makeSandbox(t, `{"name": "other"}`)
	other := m.as(t, "sandbox-admin")
	var before struct{ Now string }
	sandboxDecode(t, s.do(t, "GET", "/sandbox/v1/clock", other, ""), &before)
	s.advance(t, `{"by": "30d"}`)
	var after struct{ Now string }
	sandboxDecode(t, s.do(t, "GET", "/sandbox/v1/clock", other, ""), &after)
	if before.Now != after.Now {
		sb, _ := s.store.Sandbox(m.ID)
		if _, frozen := sb.Clock().Frozen(); frozen {
			t.Errorf("the other sandbox's clock moved from %s to %s", before.Now, after.Now)
		}
	}
	if sb, _ := s.store.Sandbox(m.ID); func() bool { _, f := sb.Clock().Frozen(); return f }() {
		t.Errorf("the other sandbox's clock was frozen by an advance of the default one")
	}
}

// TestRealTime: with the clock following the host, a pass of the worker
// makes what has fallen due happen, up to the host's now.
func TestRealTime(t *testing.T) {
	s := newStoryServer(t)
	s.setUpStory(t)
	s.clock.Thaw() // the host clock of the test, standing at testNow
	sb := s.store.Default()
	if _, err := due.Pass(sb); err != nil {
		t.Fatal(err)
	}
	s.host.set(testNow.Add(59 * time.Minute))
	if h, err := due.Pass(sb); err != nil || h != (storage.Happened{}) {
		t.Fatalf("pass before the hold lapses = %+v, %v; want nothing", h, err)
	}
	s.host.set(testNow.Add(time.Hour + time.Second))
	h, err := due.Pass(sb)
	if want := (storage.Happened{ReservationsReleased: 1}); err != nil || h != want {
		t.Fatalf("pass after the hold lapsed = %+v, %v; want %+v", h, err, want)
	}
	s.host.set(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))
	h, err = due.Pass(sb)
	if want := (storage.Happened{BucketsExpired: 1, TopupsCredited: 1}); err != nil || h != want {
		t.Fatalf("pass on new year = %+v, %v; want %+v", h, err, want)
	}
	if _, frozen := s.clock.Frozen(); frozen {
		t.Error("a real-time pass froze the clock")
	}
}

// TestRecurringRefusals: what a recurring top-up must say.
func TestRecurringRefusals(t *testing.T) {
	s := newTestServer(t)
	s.do(t, "PUT", storyService, sandboxAdmin, storySubscriber)
	for i, body := range []string{
		`"isAutoTopup": true`,
		`"isAutoTopup": true, "recurringPeriod": "daily"`,
		`"isAutoTopup": true, "recurringPeriod": "weekly", "numberOfPeriods": 0`,
		`"recurringPeriod": "weekly"`,
		`"isAutoTopup": true, "recurringPeriod": "weekly", "voucher": "89742282598199"`,
	} {
		b := `{` + storyProduct + `, "amount": {"amount": 5.00}, ` + body + `}`
		rec := s.do(t, "POST", tmfStory+"topupBalance", with(asAdmin, "Idempotency-Key", fmt.Sprint("r", i)), b)
		if rec.Code != http.StatusBadRequest {
			t.Errorf("%s = %d, want 400\n%s", body, rec.Code, rec.Body)
		}
	}
}

func TestPeriodStart(t *testing.T) {
	loc, _ := time.LoadLocation("America/Jamaica")
	jan31 := time.Date(2027, 1, 31, 15, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		period string
		n      int
		want   string
	}{
		{storage.PeriodMonthly, 1, "2027-02-28T15:00:00Z"},
		{storage.PeriodMonthly, 2, "2027-03-31T15:00:00Z"},
		{storage.PeriodMonthly, 3, "2027-04-30T15:00:00Z"},
		{storage.PeriodWeekly, 1, "2027-02-07T15:00:00Z"},
		{storage.PeriodFortnightly, 2, "2027-02-28T15:00:00Z"},
	} {
		if got := storage.PeriodStart(tc.period, jan31, tc.n, loc).Format(time.RFC3339); got != tc.want {
			t.Errorf("%s %d = %s, want %s", tc.period, tc.n, got, tc.want)
		}
	}
}
