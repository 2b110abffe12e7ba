package main

import (
	"log/slog"
	"net/http"

	"prepay/auth"
	"prepay/balances"
	"prepay/clock"
	"prepay/history"
	"prepay/storage"
	"prepay/tmf"
	"prepay/topup"
)

// deps is what the handlers are built from.
type deps struct {
	store   *storage.Store
	clock   *clock.Clock
	guard   *auth.Guard
	dataSet *storage.DataSet // what reset restores
}

// newHandler builds the whole HTTP stack: every route, then the middleware,
// outermost first.
func newHandler(logger *slog.Logger, d deps) http.Handler {
	mux := http.NewServeMux()
	routes(mux, d)
	return tmf.Recover(logger)(tmf.Correlate(logger)(tmf.LogRequests(logger, nil)(tmf.Routes(mux))))
}

// routes lists every endpoint of the service.
func routes(mux *http.ServeMux, d deps) {
	mux.Handle("GET /bot-ux/{version}/{businessId}/services/{serviceNo}/realTimeBalances",
		d.guard.Require(auth.ScopeBalances, balances.Handler(d.store, d.clock)))
	mux.Handle("POST /bot-ux/v1/{businessId}/topupBalance",
		d.guard.Require(auth.ScopeTopup, topup.Handler(d.store, d.clock)))
	mux.Handle("GET /tmf-api/prepayBalanceManagement/v4/{businessId}/balanceActionHistory",
		d.guard.Require(auth.ScopeHistory, history.Handler(d.store, d.clock)))

	mux.HandleFunc("GET /healthz", healthz)
	mux.Handle("GET /readyz", readyz(d.store))
}

// healthz says the process is up.
func healthz(w http.ResponseWriter, r *http.Request) {
	tmf.WriteRaw(w, http.StatusOK, []byte(`{"status":"up"}`))
}

// readyz says the database answers.
func readyz(store *storage.Store) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := store.Ping(); err != nil {
			tmf.FromContext(r.Context()).Log.Warn("not ready", "err", err.Error())
			tmf.WriteError(w, r, tmf.Errorf(http.StatusServiceUnavailable, codeNotReady, "Not ready",
				"the database does not answer"))
			return
		}
		tmf.WriteRaw(w, http.StatusOK, []byte(`{"status":"ready"}`))
	})
}

// codeNotReady is /readyz's answer when the database does not answer.
const codeNotReady = "NOT_READY"
