// Package topup serves the BOT UX topupBalance endpoint: it credits a
// prepaid service from a voucher or an amount, repays an airtime loan first,
// extends the credited bucket's validity, and records the history action and
// the idempotency record, all in one durable transaction. Business units in
// stub mode get a fixed answer instead. It imports auth, storage, tmf,
// money, clock and counters.
package topup

import (
	"fmt"
	"net/http"
	"time"

	"prepay/auth"
	"prepay/counters"
	"prepay/ledger"
	"prepay/storage"
	"prepay/tmf"
)

// handler is the endpoint, built once with its dependencies and the parsed
// stub answer.
type handler struct {
	counts *counters.Set
	stub   stub
}

// Handler serves POST /bot-ux/v1/{businessId}/topupBalance. It panics if the
// embedded stub answer does not parse, which only a broken build can cause.
func Handler(counts *counters.Set) http.Handler {
	s, err := parseStub(stubFile)
	if err != nil {
		panic(err)
	}
	return &handler{counts: counts, stub: s}
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	bu := auth.BusinessUnit(r.Context())
	req, err := parse(w, r, bu)
	if err != nil {
		tmf.WriteError(w, r, err)
		return
	}
	if bu.Topup == storage.TopupStub {
		h.answerStub(w, r, bu)
		return
	}
	out, err := h.run(r, bu, req)
	if err != nil {
		tmf.WriteError(w, r, err)
		return
	}
	if out.replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	} else {
		h.counts.TopupCredited(bu.Currency, out.credited)
	}
	tmf.FromContext(r.Context()).Log.InfoContext(r.Context(), "top-up",
		"service", req.serviceNo, "replayed", out.replayed, "seq", out.seq)
	tmf.WriteRaw(w, out.status, out.body)
}

// run performs the top-up in one write transaction and returns once it is
// durable. The transaction function may run more than once (see
// storage.Store.Update), so it only sets out.
func (h *handler) run(r *http.Request, bu storage.BusinessUnit, req request) (outcome, error) {
	sb := storage.From(r.Context())
	o := op{
		req:    req,
		bu:     bu,
		client: auth.Client(r.Context()),
		// Stored times equal what the wire shows, to the millisecond.
		now:  sb.Clock().Now().Truncate(time.Millisecond),
		host: sb.Clock().Host(),
		corr: tmf.CorrelationID(r.Context()),
	}
	var out outcome
	err := sb.Update(func(tx *storage.Tx) error {
		var err error
		out, err = apply(tx, o)
		return err
	})
	if te, ok := ledger.Refused(err); ok {
		asked := ledger.Asked{Kind: storage.ActionTopup, ServiceNo: req.serviceNo, BucketID: req.bucketID,
			Amount: req.amount, Voucher: req.voucher, Channel: o.client.Channel}
		if perr := sb.Update(func(tx *storage.Tx) error {
			return ledger.PublishFailure(tx, asked, te, bu, o.now, o.corr)
		}); perr != nil {
			return out, fmt.Errorf("publish refused top-up: %w", perr)
		}
	}
	return out, err
}
