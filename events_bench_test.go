package main

import (
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"prepay/webhook"
)

// BenchmarkTopupEvents measures a BOT UX top-up, whose event is written in
// its transaction, with no subscription, with one whose receiver (in this
// process) is being delivered to meanwhile, and with one whose receiver is
// gone (connection refused), retried every millisecond: the dispatcher's
// writes share the one writer with the top-ups.
func BenchmarkTopupEvents(b *testing.B) {
	for _, receiver := range []string{"none", "fast", "dead"} {
		b.Run("receiver="+receiver, func(b *testing.B) {
			s := newTestServer(b)
			switch receiver {
			case "fast":
				rc := newReceiver(b, nil)
				go func() {
					for range rc.got {
					}
				}()
				startDispatcher(b, s, webhook.Options{})
				subscribe(b, s, asAdmin, rc.URL, "")
			case "dead":
				rc := newReceiver(b, nil)
				rc.Close() // its port now refuses connections
				startDispatcher(b, s, webhook.Options{Backoff: time.Millisecond, MaxBackoff: time.Millisecond})
				subscribe(b, s, asAdmin, rc.URL, "")
			}
			b.ResetTimer()
			for i := range b.N {
				rec := s.do(b, "POST", jmTopupPath, with(asAdmin, "lob", "PREPAID", "X-Correlation-ID", "bench-"+strconv.Itoa(i)),
					`{"partyAccount":{"id":"18763187057"},"amount":{"amount":0.01,"units":"JMD"}}`)
				if rec.Code != http.StatusOK {
					b.Fatalf("top-up = %d %s", rec.Code, rec.Body)
				}
			}
		})
	}
}

// BenchmarkDeliveryThroughput measures delivery to a receiver in this
// process: b.N events committed, then the time until the last arrives.
func BenchmarkDeliveryThroughput(b *testing.B) {
	s := newTestServer(b)
	var got atomic.Int64
	done := make(chan struct{})
	n := int64(b.N)
	rc := newReceiver(b, nil)
	go func() {
		for range rc.got {
			if got.Add(1) == n {
				close(done)
			}
		}
	}()
	subscribe(b, s, asAdmin, rc.URL, "")
	for i := range b.N {
		rec := s.do(b, "POST", "/sandbox/v1/JM/services/18763187057/usage", asAdmin, `{"bucketId":"1","amount":0.01}`)
		if rec.Code != http.StatusOK {
			b.Fatalf("usage %d = %d %s", i, rec.Code, rec.Body)
		}
	}
	b.ResetTimer()
	start := time.Now()
	startDispatcher(b, s, webhook.Options{})
	select {
	case <-done:
	case <-time.After(5 * time.Minute):
		b.Fatalf("delivered %d of %d", got.Load(), n)
	}
	b.ReportMetric(float64(n)/time.Since(start).Seconds(), "events/s")
}
