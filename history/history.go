// Package history serves the TMF654 balanceActionHistory endpoint.
package history

import (
	"net/http"

	"prepay/clock"
	"prepay/storage"
)

// Handler serves GET /tmf-api/prepayBalanceManagement/v4/{businessId}/balanceActionHistory.
func Handler(store *storage.Store, clk *clock.Clock) http.Handler {
	return http.NotFoundHandler() // PLACEHOLDER: replaced by the history issue
}
