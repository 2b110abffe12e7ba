// Package counters keeps the service's operational counters — requests by
// route pattern and status, latency histograms per route, top-ups credited
// and their amount per currency — in expvar, and serves them at /debug/vars.
// It imports money and tmf from prepay.
package counters

import (
	"expvar"
	"net/http"
	"strconv"
	"sync"
	"time"

	"prepay/money"
	"prepay/tmf"
)

// The counters live in one private map, published once as "prepay": the
// process has one set of counters however many handlers it builds (tests
// build many), and expvar.Publish panics on a second name.
var (
	publishOnce sync.Once
	vars        = new(expvar.Map)

	requests    = new(expvar.Map) // route pattern → status → count
	latency     = new(expvar.Map) // route pattern → *histogram
	topups      = new(expvar.Int) // top-ups credited
	topupAmount = new(expvar.Map) // currency → hundredths credited

	// newRoute guards the creation of a route's entries, which expvar.Map
	// offers no way to do atomically for a value that is not an Int.
	newRoute sync.Mutex
)

func publish() {
	publishOnce.Do(func() {
		vars.Set("requests", requests)
		vars.Set("latency_us", latency)
		vars.Set("topups_credited", topups)
		vars.Set("topup_amount_hundredths", topupAmount)
		expvar.Publish("prepay", vars)
	})
}

// Observe counts one answered request: its route pattern, its status and
// how long it took. It has the shape tmf.LogRequests expects.
func Observe(pattern string, status int, d time.Duration) {
	statuses, hist := route(pattern)
	statuses.Add(strconv.Itoa(status), 1)
	hist.observe(d)
}

// route returns the status map and histogram of pattern, creating them on
// first use. Patterns are the registered ones plus "unmatched", so the set
// stays small whatever paths clients send.
func route(pattern string) (*expvar.Map, *histogram) {
	if s, ok := requests.Get(pattern).(*expvar.Map); ok {
		return s, latency.Get(pattern).(*histogram)
	}
	newRoute.Lock()
	defer newRoute.Unlock()
	if s, ok := requests.Get(pattern).(*expvar.Map); ok {
		return s, latency.Get(pattern).(*histogram)
	}
	s, h := new(expvar.Map), new(histogram)
	// The histogram first: a reader that finds the status map finds it too.
	latency.Set(pattern, h)
	requests.Set(pattern, s)
	return s, h
}

// TopupCredited counts one top-up that credited amount in currency. The
// top-up endpoint calls it once its transaction is committed, never for a
// replay or a stub answer, which credit nothing.
func TopupCredited(currency string, amount money.Amount) {
	topups.Add(1)
	topupAmount.Add(currency, amount.Hundredths())
}

// Handler serves the counters as JSON: the "prepay" map and the Go
// runtime's memstats. expvar's own handler would also show the command
// line, which carries file paths a response must not reveal.
func Handler() http.Handler {
	publish()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := []byte(`{"prepay":`)
		b = append(b, vars.String()...)
		if m := expvar.Get("memstats"); m != nil {
			b = append(b, `,"memstats":`...)
			b = append(b, m.String()...)
		}
		b = append(b, '}')
		tmf.WriteRaw(w, http.StatusOK, b)
	})
}
