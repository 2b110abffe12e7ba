package counters

import (
	"encoding/json"
	"math"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"prepay/money"
)

type snapshot struct {
	Prepay struct {
		Requests       map[string]map[string]int64
		LatencyUS      map[string]map[string]int64 `json:"latency_us"`
		TopupsCredited int64                       `json:"topups_credited"`
		TopupAmount    map[string]int64            `json:"topup_amount_hundredths"`
	}
	Memstats map[string]any
}

func read(t *testing.T, s *Set) snapshot {
	t.Helper()
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/debug/vars", nil))
	var snap snapshot
	if err := json.Unmarshal(rec.Body.Bytes(), &snap); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, rec.Body)
	}
	return snap
}

func TestCounters(t *testing.T) {
	const route = "GET /counters-test"
	s := New()
	before := read(t, s)
	var wg sync.WaitGroup
	for _, d := range []time.Duration{0, 100 * time.Microsecond, 101 * time.Microsecond, 3 * time.Millisecond, time.Minute} {
		wg.Go(func() { s.Observe(route, 200, d) })
	}
	wg.Go(func() { s.Observe(route, 404, time.Millisecond) })
	wg.Go(func() { s.TopupCredited("JMD", money.MustParse("5.00")) })
	wg.Go(func() { s.TopupCredited("JMD", money.MustParse("0.25")) })
	wg.Go(func() { s.TopupCredited("BSD", money.MustParse("10.00")) })
	wg.Wait()
	after := read(t, s)

	if diff := cmp.Diff(map[string]int64{"200": 5, "404": 1}, after.Prepay.Requests[route]); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	wantLatency := map[string]int64{"100": 2, "250": 1, "500": 0, "1000": 1, "2500": 0, "5000": 1, "10000": 0,
		"25000": 0, "50000": 0, "100000": 0, "250000": 0, "500000": 0, "1000000": 0, "2500000": 0, "+Inf": 1,
		"count": 6, "sum_us": 60_000_000 + 3000 + 1000 + 101 + 100}
	if diff := cmp.Diff(wantLatency, after.Prepay.LatencyUS[route]); diff != "" {
		t.Errorf("latency (-want +got):\n%s", diff)
	}
	got := map[string]int64{
		"topups": after.Prepay.TopupsCredited - before.Prepay.TopupsCredited,
		"JMD":    after.Prepay.TopupAmount["JMD"] - before.Prepay.TopupAmount["JMD"],
		"BSD":    after.Prepay.TopupAmount["BSD"] - before.Prepay.TopupAmount["BSD"],
	}
	if diff := cmp.Diff(map[string]int64{"topups": 3, "JMD": 525, "BSD": 1000}, got); diff != "" {
		t.Errorf("top-ups (-want +got):\n%s", diff)
	}
	if after.Memstats == nil {
		t.Errorf("memstats missing")
	}
}

// TestSetsCountApart: two sets in one process (two test servers) share
// nothing.
func TestSetsCountApart(t *testing.T) {
	a, b := New(), New()
	a.TopupCredited("JMD", money.MustParse("5.00"))
	if got := read(t, b).Prepay.TopupsCredited; got != 0 {
		t.Errorf("b counted a's top-up: %d", got)
	}
}

// TestTotalStopsAtTheTop: a sum of amounts never wraps negative.
func TestTotalStopsAtTheTop(t *testing.T) {
	s := New()
	for range 3 {
		s.TopupCredited("JMD", money.Amount(math.MaxInt64/2))
	}
	if got := read(t, s).Prepay.TopupAmount["JMD"]; got != math.MaxInt64 {
		t.Errorf("total = %d, want it held at %d", got, int64(math.MaxInt64))
	}
}
