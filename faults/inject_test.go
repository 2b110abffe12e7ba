package faults

import (
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"prepay/storage"
)

// newSet returns a Set over a fresh demo database, with opts (MaxLatency
// defaulting to 25 s).
func newSet(t testing.TB, opts Options) *Set {
	t.Helper()
	store, err := storage.Open(filepath.Join(t.TempDir(), "prepay.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	ds, err := storage.ParseDataSet(storage.Demo)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Load(ds, time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	if opts.MaxLatency == 0 {
		opts.MaxLatency = 25 * time.Second
	}
	s, err := New(store, opts)
	if err != nil {
		t.Fatal(err)
	}
	sandboxOf.Store(s, store.Default())
	return s
}

// sandboxOf holds each test Set's database's default sandbox.
var sandboxOf sync.Map // *Set → *storage.Sandbox

func testSandbox(s *Set) *storage.Sandbox {
	sb, _ := sandboxOf.Load(s)
	return sb.(*storage.Sandbox)
}

// inSandbox puts s's sandbox in each request's context, as the guard does.
func inSandbox(s *Set, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(storage.WithSandbox(r.Context(), testSandbox(s))))
	})
}

// set stores faults as the admin route would, bypassing its checks so that
// a test can also store what the route refuses.
func set(t testing.TB, s *Set, faults ...storage.Fault) {
	t.Helper()
	if err := s.write(testSandbox(s), func(tx *storage.Tx) error {
		for _, f := range faults {
			if err := tx.PutFault(f); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// real is a business handler: it reads the body, sets its own headers and
// answers 200.
var real = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Idempotent-Replayed", "true")
	w.WriteHeader(http.StatusOK)
	w.Write([]byte(`{"echo":` + string(body) + `}`))
})

// serve sends one request for business unit bu through the faults of
// route, with a body when body is not empty, and returns the answer.
func serve(s *Set, route, bu, body string, ctx context.Context) *httptest.ResponseRecorder {
	mux := http.NewServeMux()
	mux.Handle("POST /{businessId}", inSandbox(s, s.Wrap(route, real)))
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequestWithContext(ctx, "POST", "/"+bu, rd)
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	return rec
}

// outcome is what a test compares of a response.
type outcome struct {
	Status                int
	Fault, Replayed, Body string
	Waits                 []time.Duration
}

func TestStrike(t *testing.T) {
	tests := []struct {
		name   string
		faults []storage.Fault
		bu     string
		want   outcome
	}{
		{name: "no fault", bu: "JM",
			want: outcome{Status: 200, Replayed: "true", Body: `{"echo":{"n":1}}`}},
		{name: "before with status", bu: "JM",
			faults: []storage.Fault{{Name: "down", Route: RouteTopup, Percent: 100, LatencyMs: 2000, Status: 503, When: WhenBefore}},
			want: outcome{Status: 503, Fault: "down", Waits: []time.Duration{2 * time.Second},
				Body: `{"code":"SANDBOX_FAULT","reason":"Service Unavailable","message":"sandbox fault \"down\" answered in place of topupBalance; nothing was changed","status":"503","@type":"Error"}`}},
		{name: "latency only: the real answer late", bu: "JM",
			faults: []storage.Fault{{Name: "slow", Route: RouteTopup, Percent: 100, LatencyMs: 1500, When: WhenBefore}},
			want:   outcome{Status: 200, Fault: "slow", Replayed: "true", Body: `{"echo":{"n":1}}`, Waits: []time.Duration{1500 * time.Millisecond}}},
		{name: "after with status: the handler's headers are dropped", bu: "JM",
			faults: []storage.Fault{{Name: "lost", Route: RouteTopup, Percent: 100, Status: 504, When: WhenAfter}},
			want: outcome{Status: 504, Fault: "lost",
				Body: `{"code":"SANDBOX_FAULT","reason":"Gateway Timeout","message":"sandbox fault \"lost\" answered after topupBalance was served; what it did stands","status":"504","@type":"Error"}`}},
		{name: "after, latency only", bu: "JM",
			faults: []storage.Fault{{Name: "late", Route: RouteTopup, Percent: 100, LatencyMs: 10, When: WhenAfter}},
			want:   outcome{Status: 200, Fault: "late", Replayed: "true", Body: `{"echo":{"n":1}}`, Waits: []time.Duration{10 * time.Millisecond}}},
		{name: "status without a text", bu: "JM",
			faults: []storage.Fault{{Name: "odd", Route: RouteTopup, Percent: 100, Status: 599, When: WhenBefore}},
			want: outcome{Status: 599, Fault: "odd",
				Body: `{"code":"SANDBOX_FAULT","reason":"Sandbox fault","message":"sandbox fault \"odd\" answered in place of topupBalance; nothing was changed","status":"599","@type":"Error"}`}},
		{name: "other business unit", bu: "JM",
			faults: []storage.Fault{{Name: "btc", Route: RouteTopup, BusinessID: "BTC", Percent: 100, Status: 503, When: WhenBefore}},
			want:   outcome{Status: 200, Replayed: "true", Body: `{"echo":{"n":1}}`}},
		{name: "same business unit", bu: "BTC",
			faults: []storage.Fault{{Name: "btc", Route: RouteTopup, BusinessID: "BTC", Percent: 100, Status: 502, When: WhenBefore}},
			want: outcome{Status: 502, Fault: "btc",
				Body: `{"code":"SANDBOX_FAULT","reason":"Bad Gateway","message":"sandbox fault \"btc\" answered in place of topupBalance; nothing was changed","status":"502","@type":"Error"}`}},
		{name: "other route", bu: "JM",
			faults: []storage.Fault{{Name: "bal", Route: RouteBalances, Percent: 100, Status: 503, When: WhenBefore}},
			want:   outcome{Status: 200, Replayed: "true", Body: `{"echo":{"n":1}}`}},
		{name: "percent 0 never strikes", bu: "JM",
			faults: []storage.Fault{{Name: "off", Route: RouteTopup, Percent: 0, Status: 503, When: WhenBefore}},
			want:   outcome{Status: 200, Replayed: "true", Body: `{"echo":{"n":1}}`}},
		{name: "first in name order wins", bu: "JM",
			faults: []storage.Fault{
				{Name: "b-second", Route: RouteTopup, Percent: 100, Status: 500, When: WhenBefore},
				{Name: "a-first", Route: RouteTopup, Percent: 100, Status: 429, When: WhenBefore},
			},
			want: outcome{Status: 429, Fault: "a-first",
				Body: `{"code":"SANDBOX_FAULT","reason":"Too Many Requests","message":"sandbox fault \"a-first\" answered in place of topupBalance; nothing was changed","status":"429","@type":"Error"}`}},
		{name: "a stored latency past the bound is capped", bu: "JM",
			faults: []storage.Fault{{Name: "huge", Route: RouteTopup, Percent: 100, LatencyMs: 3_600_000, When: WhenBefore}},
			want:   outcome{Status: 200, Fault: "huge", Replayed: "true", Body: `{"echo":{"n":1}}`, Waits: []time.Duration{25 * time.Second}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var waits []time.Duration
			s := newSet(t, Options{Wait: func(ctx context.Context, d time.Duration) bool {
				waits = append(waits, d)
				return true
			}})
			set(t, s, tc.faults...)
			rec := serve(s, RouteTopup, tc.bu, `{"n":1}`, context.Background())
			got := outcome{Status: rec.Code, Fault: rec.Header().Get("X-Sandbox-Fault"),
				Replayed: rec.Header().Get("Idempotent-Replayed"), Body: strings.TrimSpace(rec.Body.String()), Waits: waits}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("answer (-want +got):\n%s", diff)
			}
		})
	}
}

// TestHangUp: a client gone during the latency ends the request there.
// Before, the handler never runs; after, it has run.
func TestHangUp(t *testing.T) {
	for _, when := range []string{WhenBefore, WhenAfter} {
		t.Run(when, func(t *testing.T) {
			ran := false
			s := newSet(t, Options{Wait: func(ctx context.Context, d time.Duration) bool { return false }})
			set(t, s, storage.Fault{Name: "slow", Route: RouteTopup, Percent: 100, LatencyMs: 5000, Status: 503, When: when})
			mux := http.NewServeMux()
			mux.Handle("POST /{businessId}", inSandbox(s, s.Wrap(RouteTopup, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				ran = true
			}))))
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, httptest.NewRequest("POST", "/JM", strings.NewReader(`{}`)))
			if rec.Code != statusClientClosed || ran != (when == WhenAfter) {
				t.Errorf("status %d, handler ran %v; want %d, ran %v", rec.Code, ran, statusClientClosed, when == WhenAfter)
			}
		})
	}
}

// TestWaitEndsWithTheRequest: the production wait returns as soon as the
// request's context ends, long before its duration.
func TestWaitEndsWithTheRequest(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan bool)
	go func() { done <- wait(ctx, time.Hour) }()
	cancel()
	if <-done {
		t.Error("wait reported the full hour after its context was cancelled")
	}
	if !wait(context.Background(), time.Microsecond) {
		t.Error("wait of 1 µs reported a cancellation")
	}
}

// TestReadAhead: the handler reads exactly the body the client sent, read
// ahead of the latency or not, up to and past the size limit.
func TestReadAhead(t *testing.T) {
	for _, n := range []int{0, 10, 64 << 10, 64<<10 + 1, 200 << 10} {
		body := strings.Repeat("x", n)
		req := httptest.NewRequest("POST", "/", strings.NewReader(body))
		readAhead(req)
		got, err := io.ReadAll(req.Body)
		if err != nil || string(got) != body {
			t.Errorf("body of %d bytes: read %d bytes, %v", n, len(got), err)
		}
	}
}

// TestPercent draws 10,000 requests at 30% from a seeded source. The count
// of strikes is binomial: mean 3,000, standard deviation
// √(10000 × 0.3 × 0.7) ≈ 45.8, so ±200 is 4.4 standard deviations, which a
// fair source misses for about one seed in 80,000, while a source off by 4
// points (±400) fails for almost every seed. Strikes in a row test that the
// draws are independent: 0.09 × 9,999 ≈ 900 expected; overlapping pairs are
// correlated, so the variance is n·p²(1−p²) + 2n·(p³−p⁴) ≈ 1,197, sd ≈ 34.6,
// and ±150 is 4.3 of them.
func TestPercent(t *testing.T) {
	rng := rand.New(rand.NewPCG(2022, 11))
	s := newSet(t, Options{Draw: func() int { return rng.IntN(100) }})
	set(t, s, storage.Fault{Name: "flaky", Route: RouteTopup, Percent: 30, Status: 503, When: WhenBefore})

	const n = 10_000
	strikes, pairs, last := 0, 0, false
	for range n {
		hit := serve(s, RouteTopup, "JM", "", context.Background()).Code == http.StatusServiceUnavailable
		if hit {
			strikes++
			if last {
				pairs++
			}
		}
		last = hit
	}
	if strikes < 2800 || strikes > 3200 {
		t.Errorf("%d strikes in %d requests at 30%%, want 3000 ± 200", strikes, n)
	}
	if pairs < 750 || pairs > 1050 {
		t.Errorf("%d strikes in a row, want 900 ± 150 if the draws are independent", pairs)
	}
	t.Logf("%d strikes, %d in a row", strikes, pairs)
}

// TestNewRefusesNoBound: a Set without a latency bound would let a fault
// outlast the server's write timeout.
func TestNewRefusesNoBound(t *testing.T) {
	store, err := storage.Open(filepath.Join(t.TempDir(), "prepay.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if _, err := New(store, Options{}); err == nil {
		t.Error("New without MaxLatency succeeded")
	}
}
