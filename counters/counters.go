// Package counters keeps the service's operational counters — requests by
// route pattern and status, latency histograms per route, top-ups credited
// and their amount per currency — as expvar values held by one Set, and
// serves them at /debug/vars. A Set is built by run and handed to the
// handlers, so two servers in one process (tests build many) count apart.
// It imports money and tmf from prepay.
package counters

import (
	"expvar"
	"math"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"prepay/money"
	"prepay/tmf"
)

// Set is one server's counters.
type Set struct {
	vars        expvar.Map // what /debug/vars shows as "prepay"
	requests    expvar.Map // route pattern → status → count
	latency     expvar.Map // route pattern → *histogram
	topups      total      // top-ups credited
	topupAmount expvar.Map // currency → *total hundredths credited

	// newEntry guards the creation of a route's or a currency's entries,
	// which expvar.Map offers no way to do atomically for a value that is
	// not an Int.
	newEntry sync.Mutex
}

// New returns a Set with every counter at zero.
func New() *Set {
	s := &Set{}
	s.vars.Set("requests", &s.requests)
	s.vars.Set("latency_us", &s.latency)
	s.vars.Set("topups_credited", &s.topups)
	s.vars.Set("topup_amount_hundredths", &s.topupAmount)
	return s
}

// Observe counts one answered request: its route pattern, its status and
// how long it took. It has the shape tmf.LogRequests expects.
func (s *Set) Observe(pattern string, status int, d time.Duration) {
	statuses, hist := s.route(pattern)
	statuses.Add(strconv.Itoa(status), 1)
	hist.observe(d)
}

// route returns the status map and histogram of pattern, creating them on
// first use. Patterns are the registered ones plus "unmatched", so the set
// stays small whatever paths clients send.
func (s *Set) route(pattern string) (*expvar.Map, *histogram) {
	if m, ok := s.requests.Get(pattern).(*expvar.Map); ok {
		return m, s.latency.Get(pattern).(*histogram)
	}
	s.newEntry.Lock()
	defer s.newEntry.Unlock()
	if m, ok := s.requests.Get(pattern).(*expvar.Map); ok {
		return m, s.latency.Get(pattern).(*histogram)
	}
	m, h := new(expvar.Map), new(histogram)
	// The histogram first: a reader that finds the status map finds it too.
	s.latency.Set(pattern, h)
	s.requests.Set(pattern, m)
	return m, h
}

// TopupCredited counts one top-up that credited amount in currency. The
// top-up endpoint calls it once its transaction is committed, never for a
// replay or a stub answer, which credit nothing.
func (s *Set) TopupCredited(currency string, amount money.Amount) {
	s.topups.add(1)
	t, ok := s.topupAmount.Get(currency).(*total)
	if !ok {
		s.newEntry.Lock()
		if t, ok = s.topupAmount.Get(currency).(*total); !ok {
			t = new(total)
			s.topupAmount.Set(currency, t)
		}
		s.newEntry.Unlock()
	}
	t.add(amount.Hundredths())
}

// total is a count that stops at the largest int64 rather than wrapping
// negative: a long-running server's sum of amounts stays truthful as far
// as it goes.
type total struct{ n atomic.Int64 }

func (t *total) add(d int64) {
	for {
		old := t.n.Load()
		sum := old + d
		if d > 0 && sum < old {
			sum = math.MaxInt64
		}
		if t.n.CompareAndSwap(old, sum) {
			return
		}
	}
}

// String writes the total as a JSON number, as expvar.Var requires.
func (t *total) String() string { return strconv.FormatInt(t.n.Load(), 10) }

// Handler serves the counters as JSON: the set as "prepay" and the Go
// runtime's memstats. expvar's own handler would also show the command
// line, which carries file paths a response must not reveal.
func (s *Set) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := []byte(`{"prepay":`)
		b = append(b, s.vars.String()...)
		if m := expvar.Get("memstats"); m != nil {
			b = append(b, `,"memstats":`...)
			b = append(b, m.String()...)
		}
		b = append(b, '}')
		tmf.WriteRaw(w, http.StatusOK, b)
	})
}
