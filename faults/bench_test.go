package faults

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"prepay/storage"
)

// discard is a ResponseWriter that keeps nothing, so that the benchmarks
// measure the handlers and not a recorder.
type discard struct{ h http.Header }

func (d discard) Header() http.Header         { return d.h }
func (d discard) Write(p []byte) (int, error) { return len(p), nil }
func (d discard) WriteHeader(int)             {}

var bare = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })

// benchRequest is a request as the mux hands it over, {businessId} set.
func benchRequest() *http.Request {
	r := httptest.NewRequest("GET", "/JM", nil)
	r.SetPathValue("businessId", "JM")
	return r
}

func BenchmarkBareHandler(b *testing.B) {
	s := newSet(b, Options{})
	h := inSandbox(s, bare)
	w, r := discard{http.Header{}}, benchRequest()
	for b.Loop() {
		h.ServeHTTP(w, r)
	}
}

// BenchmarkWrapNoFaults is the cost a request pays when no fault is set:
// it should be within noise of BenchmarkBareHandler.
func BenchmarkWrapNoFaults(b *testing.B) {
	s := newSet(b, Options{})
	h := inSandbox(s, s.Wrap(RouteBalances, bare))
	w, r := discard{http.Header{}}, benchRequest()
	for b.Loop() {
		h.ServeHTTP(w, r)
	}
}

// BenchmarkWrapOtherFaults: faults are set, but on another route and on
// another business unit of this one.
func BenchmarkWrapOtherFaults(b *testing.B) {
	s := newSet(b, Options{})
	set(b, s,
		storage.Fault{Name: "topup", Route: RouteTopup, Percent: 100, Status: 503, When: WhenBefore},
		storage.Fault{Name: "btc", Route: RouteBalances, BusinessID: "BTC", Percent: 100, Status: 503, When: WhenBefore})
	h := inSandbox(s, s.Wrap(RouteBalances, bare))
	w, r := discard{http.Header{}}, benchRequest()
	for b.Loop() {
		h.ServeHTTP(w, r)
	}
}
