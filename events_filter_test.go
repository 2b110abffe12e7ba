package main

import (
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"prepay/webhook"
)

// TestEventsProductFilterDelivered subscribes to one product's top-ups and
// tops up that product and another, interleaved: only the product's events
// arrive, signed, in commit order. Delivery keeps commit order, so once the
// last of them has arrived any other product's event, committed before it,
// would have arrived too.
func TestEventsProductFilterDelivered(t *testing.T) {
	s := newTestServer(t)
	rc := newReceiver(t, nil)
	startDispatcher(t, s, webhook.Options{Backoff: 10 * time.Millisecond})
	// 18765544355's product; 18763187057 is 32970101.
	_, secret := subscribe(t, s, asAdmin, rc.URL, "eventType=TopupBalanceCreateEvent&product.id=32970253")

	for _, tu := range []struct{ service, corr string }{
		{"18763187057", "other-1"},
		{"18765544355", "mine-1"},
		{"18763187057", "other-2"},
		{"18765544355", "mine-2"},
	} {
		rec := s.do(t, "POST", jmTopupPath, with(asAdmin, "lob", "PREPAID", "X-Correlation-ID", tu.corr), amountTopup(tu.service, "1.00"))
		if rec.Code != http.StatusOK {
			t.Fatalf("top-up of %s = %d %s", tu.service, rec.Code, rec.Body)
		}
	}
	var got []string
	for range 2 {
		d := rc.next(t)
		verify(t, d, secret)
		got = append(got, decodeEnvelope(t, d.body).CorrelationID)
	}
	if diff := cmp.Diff([]string{"mine-1", "mine-2"}, got); diff != "" {
		t.Errorf("delivered (-want +got):\n%s", diff)
	}
	select {
	case d := <-rc.got:
		t.Errorf("another product's event delivered: %s", d.body)
	default:
	}
}
