// Package history serves the TMF654 balanceActionHistory endpoint: the
// balance actions (top-ups) of one product in a time window, newest first,
// read from storage's time-ordered action index, so a query costs what its
// window holds and not what the product's whole history holds. It imports
// auth, storage, tmf, money and clock.
package history

import (
	"fmt"
	"net/http"
	"strconv"

	"prepay/auth"
	"prepay/clock"
	"prepay/storage"
	"prepay/tmf"
)

// Handler serves GET /tmf-api/prepayBalanceManagement/v4/{businessId}/balanceActionHistory.
// It reads only recorded times, so it takes no reading of the clock; the
// clock parameter keeps the shape every feature constructor shares.
func Handler(store *storage.Store, _ *clock.Clock) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		bu := auth.BusinessUnit(r.Context())
		win, err := parseQuery(r.URL.RawQuery, bu)
		if err != nil {
			tmf.WriteError(w, r, err)
			return
		}
		var (
			actions []storage.Action
			total   int
		)
		err = store.View(func(tx *storage.Tx) (err error) {
			actions, total, err = tx.Actions(win)
			return err
		})
		if err != nil {
			tmf.WriteError(w, r, fmt.Errorf("history of %s product %q: %w", bu.ID, win.ProductID, err))
			return
		}
		records := make([]record, len(actions)) // never nil: an empty page is [], not null
		for i, a := range actions {
			records[i] = render(a, bu.Location())
		}
		w.Header().Set("X-Total-Count", strconv.Itoa(total))
		w.Header().Set("X-Result-Count", strconv.Itoa(len(records)))
		tmf.WriteJSON(w, r, http.StatusOK, records)
	})
}
