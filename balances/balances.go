// Package balances serves the BOT UX realTimeBalances endpoint.
package balances

import (
	"net/http"

	"prepay/clock"
	"prepay/storage"
)

// Handler serves GET /bot-ux/{version}/{businessId}/services/{serviceNo}/realTimeBalances.
func Handler(store *storage.Store, clk *clock.Clock) http.Handler {
	return http.NotFoundHandler() // PLACEHOLDER: replaced by the balances issue
}
