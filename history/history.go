// Package history serves the TMF654 balanceActionHistory endpoint: the
// balance actions (top-ups) of one product in a time window, newest first,
// read from storage's time-ordered action index, so a query costs what its
// window holds and not what the product's whole history holds. The list
// takes the TMF630 query language (tmf/query). It imports auth, storage,
// tmf, tmf/query and clock.
package history

import (
	"encoding/json"
	"fmt"
	"net/http"

	"prepay/auth"
	"prepay/storage"
	"prepay/tmf"
	"prepay/tmf/query"
)

// Handler serves GET /tmf-api/prepayBalanceManagement/v4/{businessId}/balanceActionHistory.
// It reads the request's sandbox, and only recorded times, so no clock.
func Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		bu := auth.BusinessUnit(r.Context())
		win, q, err := parseQuery(r.URL.RawQuery, bu)
		if err != nil {
			tmf.WriteError(w, r, err)
			return
		}
		// With nothing left but paging, the index pages: only the page is
		// decoded and the rest counted by key. Filters or a sort beyond the
		// index need every record of the window.
		plain := q.Plain()
		if !plain {
			win.Offset, win.Limit = 0, 0
		}
		var (
			actions []storage.Action
			total   int
		)
		err = storage.From(r.Context()).View(func(tx *storage.Tx) (err error) {
			actions, total, err = tx.Actions(win)
			return err
		})
		if err != nil {
			tmf.WriteError(w, r, fmt.Errorf("history of %s product %q: %w", bu.ID, win.ProductID, err))
			return
		}
		records := make([][]byte, len(actions))
		for i, a := range actions {
			if records[i], err = json.Marshal(render(a, bu.Location())); err != nil {
				tmf.WriteError(w, r, fmt.Errorf("encode action %d: %w", a.Seq, err))
				return
			}
		}
		if !plain {
			if records, total, err = q.Select(records); err != nil {
				tmf.WriteError(w, r, err)
				return
			}
		}
		query.Write(w, r, q, records, total)
	})
}
