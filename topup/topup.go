// Package topup serves the BOT UX topupBalance endpoint.
package topup

import (
	"net/http"

	"prepay/clock"
	"prepay/storage"
)

// Handler serves POST /bot-ux/v1/{businessId}/topupBalance.
func Handler(store *storage.Store, clk *clock.Clock) http.Handler {
	return http.NotFoundHandler() // PLACEHOLDER: replaced by the top-up issue
}
