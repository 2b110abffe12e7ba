package sandbox

import (
	"net/http"
	"time"

	"prepay/clock"
	"prepay/storage"
	"prepay/tmf"
)

// clockJSON is the sandbox clock: the time every business rule uses, and
// whether it is frozen there.
type clockJSON struct {
	Now    string `json:"now"`
	Frozen bool   `json:"frozen"`
}

// setClockJSON is the body of PUT /sandbox/v1/clock.
type setClockJSON struct {
	Now string `json:"now"`
}

// epoch is the earliest time the clock may be set to: the history index
// keys actions by Unix milliseconds.
var epoch = time.Unix(0, 0)

func clockView(clk *clock.Clock) clockJSON {
	_, frozen := clk.Frozen()
	return clockJSON{Now: formatUTC(clk.Now()), Frozen: frozen}
}

// ShowClock serves GET /sandbox/v1/clock.
func ShowClock() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sb := storage.From(r.Context())
		clk := sb.Clock()
		tmf.WriteJSON(w, r, http.StatusOK, clockView(clk))
	})
}

// SetClock serves PUT /sandbox/v1/clock: {"now": RFC 3339 time} freezes the
// clock there — expiry, validity and confirmation dates follow it; the
// retention of idempotency records does not — until DELETE or the next PUT.
// The setting is kept in the database, durably before the answer, so a
// restart does not thaw it.
func SetClock() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sb := storage.From(r.Context())
		clk := sb.Clock()
		if err := requireAllUnits(r); err != nil {
			tmf.WriteError(w, r, err)
			return
		}
		var body setClockJSON
		if err := tmf.DecodeBody(w, r, &body); err != nil {
			tmf.WriteError(w, r, err)
			return
		}
		if body.Now == "" {
			tmf.WriteError(w, r, missing("now"))
			return
		}
		t, err := time.Parse(time.RFC3339, body.Now)
		if err != nil || t.Before(epoch) || t.After(tmf.ClockLatest) {
			tmf.WriteError(w, r, tmf.Invalid("now", "an RFC 3339 time from 1970 to 9000-01-01, like 2022-11-08T00:25:18-05:00", body.Now))
			return
		}
		t = t.Truncate(time.Millisecond)
		if err := clk.Change(&t, func() error {
			return sb.Update(func(tx *storage.Tx) error { return tx.FreezeClock(t) })
		}); err != nil {
			tmf.WriteError(w, r, err)
			return
		}
		tmf.WriteJSON(w, r, http.StatusOK, clockView(clk))
	})
}

// ThawClock serves DELETE /sandbox/v1/clock: the clock follows the host's
// time again, durably.
func ThawClock() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sb := storage.From(r.Context())
		clk := sb.Clock()
		if err := requireAllUnits(r); err != nil {
			tmf.WriteError(w, r, err)
			return
		}
		if err := clk.Change(nil, func() error {
			return sb.Update(func(tx *storage.Tx) error { return tx.ThawClock(clk.Host()) })
		}); err != nil {
			tmf.WriteError(w, r, err)
			return
		}
		tmf.WriteJSON(w, r, http.StatusOK, clockView(clk))
	})
}
