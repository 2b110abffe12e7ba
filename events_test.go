package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"prepay/webhook"
)

// delivery is one request a test receiver got.
type delivery struct {
	at     time.Time
	header http.Header
	body   []byte
}

// receiver is a webhook receiver in the test process: every request is
// sent on got, and answer decides the reply (nil: 204).
type receiver struct {
	*httptest.Server
	got chan delivery
}

func newReceiver(t testing.TB, answer func(n int, w http.ResponseWriter, r *http.Request)) *receiver {
	t.Helper()
	rc := &receiver{got: make(chan delivery, 100)}
	var mu sync.Mutex
	n := 0
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		n++
		i := n
		mu.Unlock()
		rc.got <- delivery{at: time.Now(), header: r.Header.Clone(), body: body}
		if answer != nil {
			answer(i, w, r)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(rc.Close)
	return rc
}

// next returns the next delivery, failing the test after a deadline.
func (rc *receiver) next(t *testing.T) delivery {
	t.Helper()
	select {
	case d := <-rc.got:
		return d
	case <-time.After(10 * time.Second):
		t.Fatal("no delivery within 10 s")
		return delivery{}
	}
}

// startDispatcher runs a dispatcher on s's store until the test ends.
func startDispatcher(t testing.TB, s *testServer, opts webhook.Options) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		webhook.New(s.store, opts).Run(ctx)
	}()
	t.Cleanup(func() { cancel(); <-done })
}

// subscribe registers callback for query in JM and returns id and secret.
func subscribe(t testing.TB, s *testServer, header map[string]string, callback, query string) (id, secret string) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"callback": callback, "query": query})
	rec := s.do(t, "POST", "/tmf-api/prepayBalanceManagement/v4/JM/hub", header, string(body))
	if rec.Code != http.StatusCreated {
		t.Fatalf("subscribe = %d %s", rec.Code, rec.Body)
	}
	var sub struct{ ID, Secret, Href string }
	json.Unmarshal(rec.Body.Bytes(), &sub)
	if loc := rec.Header().Get("Location"); loc != sub.Href || sub.Secret == "" {
		t.Fatalf("subscribe: Location %q, href %q, secret %q", loc, sub.Href, sub.Secret)
	}
	return sub.ID, sub.Secret
}

// verify checks d's signature as a receiver would, and returns t.
func verify(t *testing.T, d delivery, secret string) int64 {
	t.Helper()
	ts, ok := signed(secret, d.header.Get("X-Prepay-Signature"), d.body)
	if !ok {
		t.Fatalf("signature %q does not verify with the secret", d.header.Get("X-Prepay-Signature"))
	}
	n, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		t.Fatalf("signature time %q: %v", ts, err)
	}
	return n
}

type envelopeJSON struct {
	EventID       string                     `json:"eventId"`
	EventTime     string                     `json:"eventTime"`
	EventType     string                     `json:"eventType"`
	CorrelationID string                     `json:"correlationId"`
	Domain        string                     `json:"domain"`
	Event         map[string]json.RawMessage `json:"event"`
}

func decodeEnvelope(t *testing.T, b []byte) envelopeJSON {
	t.Helper()
	var e envelopeJSON
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatalf("envelope %s: %v", b, err)
	}
	return e
}

const jmTopupPath = "/bot-ux/v1/JM/topupBalance"

func botTopup(t *testing.T, s *testServer, corr, amount string) {
	t.Helper()
	rec := s.do(t, "POST", jmTopupPath, with(asAdmin, "lob", "PREPAID", "X-Correlation-ID", corr),
		`{"partyAccount":{"id":"18763187057"},"amount":{"amount":`+amount+`,"units":"JMD"}}`)
	if rec.Code != http.StatusOK {
		t.Fatalf("top-up = %d %s", rec.Code, rec.Body)
	}
}

func TestEventsDeliveredSignedAsTheResourceShows(t *testing.T) {
	s := newTestServer(t)
	rc := newReceiver(t, nil)
	startDispatcher(t, s, webhook.Options{Backoff: 10 * time.Millisecond})
	_, secret := subscribe(t, s, asAdmin, rc.URL+"/hook", "eventType=TopupBalanceCreateEvent,AdjustBalanceCreateEvent")

	botTopup(t, s, "corr-bot", "10.00")
	rec := s.do(t, "POST", "/tmf-api/prepayBalanceManagement/v4/JM/adjustBalance", with(asAdmin, "X-Correlation-ID", "corr-adj"),
		`{"logicalResource":{"value":"18763187057"},"amount":{"amount":-1.00},"reason":"goodwill back"}`)
	if rec.Code != http.StatusCreated {
		t.Fatalf("adjust = %d %s", rec.Code, rec.Body)
	}
	// Usage is not selected by the query: it must not arrive.
	if rec := s.do(t, "POST", "/sandbox/v1/JM/services/18763187057/usage", asAdmin, `{"bucketId":"1","amount":1.00}`); rec.Code != http.StatusOK {
		t.Fatalf("usage = %d %s", rec.Code, rec.Body)
	}

	for _, want := range []struct{ typ, corr, name, path string }{
		{"TopupBalanceCreateEvent", "corr-bot", "topupBalance", "/tmf-api/prepayBalanceManagement/v4/JM/topupBalance/"},
		{"AdjustBalanceCreateEvent", "corr-adj", "adjustBalance", "/tmf-api/prepayBalanceManagement/v4/JM/adjustBalance/"},
	} {
		d := rc.next(t)
		verify(t, d, secret)
		e := decodeEnvelope(t, d.body)
		if e.EventType != want.typ || e.CorrelationID != want.corr || e.Domain != "prepayBalanceManagement" || d.header.Get("X-Prepay-Event-Id") != e.EventID {
			t.Errorf("envelope %s %s %s, header id %s; want %s %s", e.EventType, e.CorrelationID, e.Domain, d.header.Get("X-Prepay-Event-Id"), want.typ, want.corr)
		}
		if ct := d.header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type %q", ct)
		}
		var res struct{ Href string }
		json.Unmarshal(e.Event[want.name], &res)
		if !strings.HasPrefix(res.Href, want.path) {
			t.Fatalf("event.%s href %q", want.name, res.Href)
		}
		got := s.do(t, "GET", res.Href, asAdmin, "")
		var a, b any
		json.Unmarshal(got.Body.Bytes(), &a)
		json.Unmarshal(e.Event[want.name], &b)
		if diff := cmp.Diff(a, b); diff != "" {
			t.Errorf("event.%s is not the resource as its GET shows it (-GET +event):\n%s", want.name, diff)
		}
	}
	select {
	case d := <-rc.got:
		t.Errorf("unselected event delivered: %s", d.body)
	default:
	}
}

func TestEventsRetriedWithBackoffThenDelivered(t *testing.T) {
	const backoff = 40 * time.Millisecond
	s := newTestServer(t)
	rc := newReceiver(t, func(n int, w http.ResponseWriter, r *http.Request) {
		switch n {
		case 1, 2:
			w.WriteHeader(http.StatusInternalServerError)
		case 3:
			time.Sleep(300 * time.Millisecond) // past the attempt's timeout: the receiver hangs
			w.WriteHeader(http.StatusNoContent)
		default:
			w.WriteHeader(http.StatusNoContent)
		}
	})
	startDispatcher(t, s, webhook.Options{Backoff: backoff, Timeout: 100 * time.Millisecond})
	id, _ := subscribe(t, s, asAdmin, rc.URL, "")
	botTopup(t, s, "corr-retry", "1.00")

	var at []time.Time
	var ids []string
	for range 4 {
		d := rc.next(t)
		at = append(at, d.at)
		ids = append(ids, d.header.Get("X-Prepay-Event-Id"))
	}
	for i := 1; i < len(at); i++ {
		if ids[i] != ids[0] {
			t.Errorf("attempt %d carried event %s; want %s again", i+1, ids[i], ids[0])
		}
		// Attempt i+1 waits backoff·2^(i-1) after attempt i ended; attempt
		// 3 hung for its timeout, so its end is later still.
		if gap, want := at[i].Sub(at[i-1]), backoff<<(i-1); gap < want {
			t.Errorf("attempt %d came %s after the one before; want at least %s", i+1, gap, want)
		}
	}

	var attempts []struct {
		EventID       string  `json:"eventId"`
		Attempt       int     `json:"attempt"`
		Status        *int    `json:"status"`
		Error         *string `json:"error"`
		NextAttemptAt *string `json:"nextAttemptAt"`
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(attempts) < 4 && time.Now().Before(deadline) {
		rec := s.do(t, "GET", "/sandbox/v1/JM/hub/"+id+"/deliveries", asAdmin, "")
		json.Unmarshal(rec.Body.Bytes(), &attempts)
	}
	if len(attempts) != 4 {
		t.Fatalf("deliveries: %d attempts; want 4", len(attempts))
	}
	type row struct {
		Attempt  int
		Status   int
		Error    string
		HasRetry bool
	}
	var got []row
	for _, a := range attempts {
		r := row{Attempt: a.Attempt, HasRetry: a.NextAttemptAt != nil}
		if a.Status != nil {
			r.Status = *a.Status
		}
		if a.Error != nil {
			r.Error = *a.Error
		}
		got = append(got, r)
	}
	want := []row{{1, 500, "answered 500", true}, {2, 500, "answered 500", true}, {3, 0, "timed out", true}, {4, 204, "", false}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("deliveries (-want +got):\n%s", diff)
	}
}

func TestEventsGivenUpAfterTheBound(t *testing.T) {
	s := newTestServer(t)
	// The first event is never taken; the rest are.
	rc := newReceiver(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Prepay-Event-Id") == "1" {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	startDispatcher(t, s, webhook.Options{Backoff: 20 * time.Millisecond, GiveUp: 30 * time.Millisecond})
	id, _ := subscribe(t, s, asAdmin, rc.URL, "eventType=TopupBalanceCreateEvent")
	botTopup(t, s, "first", "1.00")
	botTopup(t, s, "second", "2.00")
	var first string
	for {
		d := rc.next(t)
		e := decodeEnvelope(t, d.body)
		if first == "" {
			first = e.EventID
		}
		if e.EventID != first {
			if e.CorrelationID != "second" {
				t.Errorf("after giving up, delivered %s; want the next event", e.CorrelationID)
			}
			break
		}
	}
	var sub struct {
		Delivery struct{ GivenUp, Delivered int } `json:"delivery"`
	}
	deadline := time.Now().Add(10 * time.Second)
	for sub.Delivery.Delivered < 1 && time.Now().Before(deadline) {
		rec := s.do(t, "GET", "/tmf-api/prepayBalanceManagement/v4/JM/hub/"+id, asAdmin, "")
		json.Unmarshal(rec.Body.Bytes(), &sub)
	}
	if sub.Delivery.GivenUp != 1 || sub.Delivery.Delivered != 1 {
		t.Errorf("delivery state %+v; want 1 given up, 1 delivered", sub.Delivery)
	}
}

func TestEventsHangingReceiverDoesNotSlowTopups(t *testing.T) {
	s := newTestServer(t)
	release := make(chan struct{})
	defer close(release)
	rc := newReceiver(t, func(n int, w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	startDispatcher(t, s, webhook.Options{})
	subscribe(t, s, asAdmin, rc.URL, "")
	botTopup(t, s, "wake-the-receiver", "1.00")
	rc.next(t) // the receiver now holds a delivery and does not answer

	start := time.Now()
	for i := range 20 {
		botTopup(t, s, "while-hanging-"+strconv.Itoa(i), "1.00")
	}
	if d := time.Since(start); d > webhook.DefaultTimeout/2 {
		t.Errorf("20 top-ups took %s while a receiver hung", d)
	}
}

func TestEventsFeed(t *testing.T) {
	s := newTestServer(t)
	feed := "/sandbox/v1/JM/events"
	read := func(t *testing.T, query string) []envelopeJSON {
		t.Helper()
		rec := s.do(t, "GET", feed+query, asAdmin, "")
		if rec.Code != http.StatusOK {
			t.Fatalf("feed%s = %d %s", query, rec.Code, rec.Body)
		}
		var out []envelopeJSON
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	if got := read(t, ""); len(got) != 0 {
		t.Fatalf("feed of a new sandbox holds %d events", len(got))
	}

	// A refused top-up publishes its FailureEvent and changes nothing else.
	rec := s.do(t, "POST", jmTopupPath, with(asAdmin, "lob", "PREPAID", "X-Correlation-ID", "bad-voucher"),
		`{"partyAccount":{"id":"18763187057"},"voucher":"4040404"}`)
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("unknown voucher = %d %s", rec.Code, rec.Body)
	}
	got := read(t, "")
	if len(got) != 1 || got[0].EventType != "TopupBalanceFailureEvent" || !strings.Contains(string(got[0].Event["topupBalance"]), `"UNKNOWN_VOUCHER"`) {
		t.Fatalf("feed after a refusal: %+v", got)
	}

	// wait: the answer comes when an event commits.
	answered := make(chan []envelopeJSON)
	go func() { answered <- read(t, "?after="+got[0].EventID+"&wait=20") }()
	start := time.Now()
	botTopup(t, s, "wakes-the-feed", "1.00")
	select {
	case evs := <-answered:
		if len(evs) != 1 || evs[0].CorrelationID != "wakes-the-feed" {
			t.Errorf("feed woke with %+v", evs)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("the feed answered %s after the commit", d)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the feed's wait did not wake on the commit")
	}

	if got := read(t, "?after=0&limit=1"); len(got) != 1 || got[0].EventID != "1" {
		t.Errorf("limit=1: %+v", got)
	}
	for _, q := range []string{"?limit=0", "?limit=1001", "?wait=31", "?after=x", "?since=1", "?wait=1&wait=2"} {
		if rec := s.do(t, "GET", feed+q, asAdmin, ""); rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "INVALID_QUERY_PARAMETER") {
			t.Errorf("feed%s = %d %s; want 400", q, rec.Code, rec.Body)
		}
	}
	if rec := s.do(t, "GET", feed, asSelfcare, ""); rec.Code != http.StatusForbidden {
		t.Errorf("feed as selfcare = %d; want 403", rec.Code)
	}
}

func TestHubRules(t *testing.T) {
	s := newTestServer(t)
	hub := "/tmf-api/prepayBalanceManagement/v4/JM/hub"
	tests := []struct {
		name       string
		header     map[string]string
		body       string
		wantStatus int
		wantCode   string
	}{
		{"no callback", asAdmin, `{"query":""}`, 400, "MISSING_FIELD"},
		{"relative callback", asAdmin, `{"callback":"/hook"}`, 400, "INVALID_FIELD"},
		{"ftp callback", asAdmin, `{"callback":"ftp://example.test/x"}`, 400, "INVALID_FIELD"},
		{"unknown event type", asAdmin, `{"callback":"http://127.0.0.1:1/","query":"eventType=TopupBalanceEvent"}`, 400, "INVALID_FIELD"},
		{"unknown filter", asAdmin, `{"callback":"http://127.0.0.1:1/","query":"status=completed"}`, 400, "INVALID_FIELD"},
		{"filter twice", asAdmin, `{"callback":"http://127.0.0.1:1/","query":"eventType=TopupBalanceCreateEvent&eventType=TopupBalanceCancelEvent"}`, 400, "INVALID_FIELD"},
		{"empty value", asAdmin, `{"callback":"http://127.0.0.1:1/","query":"eventType=TopupBalanceCreateEvent,"}`, 400, "INVALID_FIELD"},
		{"selfcare asks for adjustments", asSelfcare, `{"callback":"http://127.0.0.1:1/","query":"eventType=AdjustBalanceCreateEvent"}`, 403, "FORBIDDEN_SCOPE"},
		{"selfcare asks for everything", asSelfcare, `{"callback":"http://127.0.0.1:1/"}`, 403, "FORBIDDEN_SCOPE"},
		{"readonly", asReadonly, `{"callback":"http://127.0.0.1:1/","query":"eventType=TopupBalanceCreateEvent"}`, 403, "FORBIDDEN_SCOPE"},
		{"selfcare asks for its top-ups of one product", asSelfcare, `{"callback":"http://127.0.0.1:1/","query":"eventType=TopupBalanceCreateEvent,TransferBalanceCreateEvent&product.id=32970253"}`, 201, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := s.do(t, "POST", hub, tc.header, tc.body)
			var e struct{ Code string }
			json.Unmarshal(rec.Body.Bytes(), &e)
			if rec.Code != tc.wantStatus || e.Code != tc.wantCode {
				t.Errorf("= %d %s; want %d %s", rec.Code, rec.Body, tc.wantStatus, tc.wantCode)
			}
		})
	}

	id, _ := subscribe(t, s, asSelfcare, "http://127.0.0.1:1/", "eventType=TopupBalanceCreateEvent")
	rec := s.do(t, "GET", hub+"/"+id, asSelfcare, "")
	if rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), "secret") {
		t.Errorf("GET hub/{id} = %d %s; want 200 without the secret", rec.Code, rec.Body)
	}
	if rec := s.do(t, "GET", "/tmf-api/prepayBalanceManagement/v4/BTC/hub/"+id, asAdmin, ""); rec.Code != http.StatusNotFound {
		t.Errorf("another business unit's hub/{id} = %d; want 404", rec.Code)
	}
	if rec := s.do(t, "DELETE", hub+"/"+id, asSelfcare, ""); rec.Code != http.StatusNoContent {
		t.Errorf("DELETE = %d %s", rec.Code, rec.Body)
	}
	if rec := s.do(t, "GET", hub+"/"+id, asSelfcare, ""); rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), "SUBSCRIPTION_NOT_FOUND") {
		t.Errorf("GET after DELETE = %d %s", rec.Code, rec.Body)
	}
}

func TestEventsGoWithTheReset(t *testing.T) {
	s := newTestServer(t)
	id, _ := subscribe(t, s, asAdmin, "http://127.0.0.1:1/", "")
	botTopup(t, s, "before-reset", "1.00")
	if rec := s.do(t, "POST", "/sandbox/v1/reset", asAdmin, ""); rec.Code != http.StatusOK && rec.Code != http.StatusNoContent {
		t.Fatalf("reset = %d %s", rec.Code, rec.Body)
	}
	if rec := s.do(t, "GET", "/tmf-api/prepayBalanceManagement/v4/JM/hub/"+id, asAdmin, ""); rec.Code != http.StatusNotFound {
		t.Errorf("subscription after reset = %d; want 404", rec.Code)
	}
	if rec := s.do(t, "GET", "/sandbox/v1/JM/events", asAdmin, ""); strings.TrimSpace(rec.Body.String()) != "[]" {
		t.Errorf("feed after reset = %s; want []", rec.Body)
	}
	botTopup(t, s, "after-reset", "1.00")
	rec := s.do(t, "GET", "/sandbox/v1/JM/events", asAdmin, "")
	var evs []envelopeJSON
	json.Unmarshal(rec.Body.Bytes(), &evs)
	if len(evs) != 1 || evs[0].EventID == "1" {
		t.Errorf("after reset the feed holds %+v; want one event whose id was never given before", evs)
	}
}
