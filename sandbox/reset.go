package sandbox

import (
	"net/http"
	"slices"
	"sync"
	"time"

	"prepay/auth"
	"prepay/storage"
	"prepay/tmf"
)

// resetJSON is the answer to a reset: what was loaded, and the time its
// relative expiries ("+30d") were resolved against.
type resetJSON struct {
	Subscribers int    `json:"subscribers"`
	Vouchers    int    `json:"vouchers"`
	Actions     int    `json:"actions"`
	Now         string `json:"now"`
}

// Reset serves POST /sandbox/v1/reset: every record of the caller's
// sandbox is replaced by its data set (server's, unless the sandbox was made
// from one of its own) in one transaction, resolved against the sandbox
// clock's now; the guard reads the clients again and reloadFaults the
// sandbox's faults (none now). The clock itself stays as it is, so a suite
// that froze it can reset at its own date. Other sandboxes are untouched.
func Reset(guard *auth.Guard, server *storage.DataSet, reloadFaults func(*storage.Sandbox) error) http.Handler {
	// mu keeps two resets from interleaving, so the clients the guard holds
	// are always the ones of the last data sets written.
	var mu sync.Mutex
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := requireAllUnits(r); err != nil {
			tmf.WriteError(w, r, err)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		sb := storage.From(r.Context())
		ds := sb.DataSet(server)
		now := sb.Clock().Now()
		if err := sb.Reset(ds, now); err != nil {
			tmf.WriteError(w, r, err)
			return
		}
		if err := guard.Reload(); err != nil {
			tmf.WriteError(w, r, err)
			return
		}
		if err := reloadFaults(sb); err != nil {
			tmf.WriteError(w, r, err)
			return
		}
		tmf.WriteJSON(w, r, http.StatusOK, resetJSON{Subscribers: len(ds.Subscribers), Vouchers: len(ds.Vouchers),
			Actions: len(ds.History), Now: formatUTC(now)})
	})
}

// requireAllUnits refuses a client that is not entitled to every business
// unit: a reset or a clock change acts on all of them.
func requireAllUnits(r *http.Request) error {
	c := auth.Client(r.Context())
	if slices.Contains(c.BusinessUnits, "*") {
		return nil
	}
	return tmf.Fail(tmf.CodeForbiddenBU, "client_id %q may not act on every business unit, as %s %s does", c.ID, r.Method, r.URL.Path)
}

// formatUTC writes a time that belongs to no business unit: RFC 3339 in UTC,
// with milliseconds like the TMF fields.
func formatUTC(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z07:00")
}
