package main

import (
	"log/slog"
	"net/http"

	"prepay/actions"
	"prepay/auth"
	"prepay/balances"
	"prepay/bucket"
	"prepay/counters"
	"prepay/events"
	"prepay/faults"
	"prepay/history"
	"prepay/sandbox"
	"prepay/storage"
	"prepay/tmf"
	"prepay/topup"
)

// deps is what the handlers are built from.
type deps struct {
	store        *storage.Store
	guard        *auth.Guard
	dataSet      *storage.DataSet // the server's: what the default sandbox's reset restores
	faults       *faults.Set      // every sandbox's injected faults
	counts       *counters.Set    // this server's operational counters
	maxSandboxes int              // the most sandboxes the server holds
}

// newHandler builds the whole HTTP stack: every route, then the middleware,
// outermost first.
func newHandler(logger *slog.Logger, d deps) http.Handler {
	mux := &router{ServeMux: http.NewServeMux()}
	routes(mux, d)
	return tmf.Recover(logger)(tmf.Correlate(logger)(tmf.LogRequests(logger, d.counts.Observe)(tmf.Routes(mux.ServeMux))))
}

// router is a mux that remembers the patterns registered on it, so that a
// test can hold /openapi.json to the routes that really exist.
type router struct {
	*http.ServeMux
	patterns []string
}

// Handle registers h for pattern and notes the pattern.
func (m *router) Handle(pattern string, h http.Handler) {
	m.patterns = append(m.patterns, pattern)
	m.ServeMux.Handle(pattern, h)
}

// HandleFunc registers f for pattern and notes the pattern.
func (m *router) HandleFunc(pattern string, f func(http.ResponseWriter, *http.Request)) {
	m.Handle(pattern, http.HandlerFunc(f))
}

// routes lists every endpoint of the service. The sandbox's faults wrap
// each business handler inside the credentials check: a fault strikes only
// requests that would reach the handler.
func routes(mux *router, d deps) {
	fs := d.faults
	mux.Handle("GET /bot-ux/{version}/{businessId}/services/{serviceNo}/realTimeBalances",
		d.guard.Require(auth.ScopeBalances, fs.Wrap(faults.RouteBalances, balances.Handler())))
	mux.Handle("POST /bot-ux/v1/{businessId}/topupBalance",
		d.guard.Require(auth.ScopeTopup, fs.Wrap(faults.RouteTopup, topup.Handler(d.counts))))
	mux.Handle("GET /tmf-api/prepayBalanceManagement/v4/{businessId}/balanceActionHistory",
		d.guard.Require(auth.ScopeHistory, fs.Wrap(faults.RouteHistory, history.Handler())))
	mux.Handle("GET /tmf-api/prepayBalanceManagement/v4/{businessId}/bucket",
		d.guard.Require(auth.ScopeBalances, bucket.List()))
	mux.Handle("GET /tmf-api/prepayBalanceManagement/v4/{businessId}/bucket/{id}",
		d.guard.Require(auth.ScopeBalances, bucket.Get()))
	mux.Handle("GET /tmf-api/prepayBalanceManagement/v4/{businessId}/accumulatedBalance",
		d.guard.Require(auth.ScopeBalances, bucket.ListAccumulated()))
	mux.Handle("GET /tmf-api/prepayBalanceManagement/v4/{businessId}/accumulatedBalance/{id}",
		d.guard.Require(auth.ScopeBalances, bucket.GetAccumulated()))

	for _, a := range []struct{ kind, path, scope string }{
		{storage.ActionTopup, "topupBalance", auth.ScopeTopup},
		{storage.ActionAdjust, "adjustBalance", auth.ScopeAdjust},
		{storage.ActionTransfer, "transferBalance", auth.ScopeTransfer},
		{storage.ActionReserve, "reserveBalance", auth.ScopeReserve},
	} {
		base := "/tmf-api/prepayBalanceManagement/v4/{businessId}/" + a.path
		mux.Handle("POST "+base, d.guard.Require(a.scope, actions.Create(a.kind)))
		mux.Handle("GET "+base, d.guard.Require(auth.ScopeHistory, actions.List(a.kind)))
		mux.Handle("GET "+base+"/{id}", d.guard.Require(auth.ScopeHistory, actions.Get(a.kind)))
		mux.Handle("PATCH "+base+"/{id}", d.guard.Require(a.scope, actions.Patch(a.kind)))
	}
	mux.Handle("DELETE /tmf-api/prepayBalanceManagement/v4/{businessId}/reserveBalance/{id}",
		d.guard.Require(auth.ScopeReserve, actions.Delete()))

	mux.Handle("POST /tmf-api/prepayBalanceManagement/v4/{businessId}/hub",
		d.guard.RequireAny(events.HubScopes, events.Subscribe()))
	mux.Handle("GET /tmf-api/prepayBalanceManagement/v4/{businessId}/hub/{id}",
		d.guard.RequireAny(events.HubScopes, events.Show()))
	mux.Handle("DELETE /tmf-api/prepayBalanceManagement/v4/{businessId}/hub/{id}",
		d.guard.RequireAny(events.HubScopes, events.Unsubscribe()))
	mux.Handle("GET /sandbox/v1/{businessId}/events", d.guard.Require(auth.ScopeAdmin, events.Feed()))
	mux.Handle("GET /sandbox/v1/{businessId}/hub/{id}/deliveries", d.guard.Require(auth.ScopeAdmin, events.Deliveries()))

	mux.Handle("PUT /sandbox/v1/{businessId}/services/{serviceNo}",
		d.guard.Require(auth.ScopeAdmin, sandbox.PutService()))
	mux.Handle("GET /sandbox/v1/{businessId}/services/{serviceNo}",
		d.guard.Require(auth.ScopeAdmin, sandbox.GetService()))
	mux.Handle("DELETE /sandbox/v1/{businessId}/services/{serviceNo}",
		d.guard.Require(auth.ScopeAdmin, sandbox.DeleteService()))
	mux.Handle("POST /sandbox/v1/{businessId}/services/{serviceNo}/usage",
		d.guard.Require(auth.ScopeAdmin, sandbox.Usage()))
	mux.Handle("POST /sandbox/v1/{businessId}/vouchers",
		d.guard.Require(auth.ScopeAdmin, sandbox.CreateVoucher()))
	mux.Handle("GET /sandbox/v1/{businessId}/vouchers/{voucher}",
		d.guard.Require(auth.ScopeAdmin, sandbox.GetVoucher()))
	mux.Handle("POST /sandbox/v1/reset",
		d.guard.Require(auth.ScopeAdmin, sandbox.Reset(d.guard, d.dataSet, fs.Reload)))
	mux.Handle("GET /sandbox/v1/clock", d.guard.Require(auth.ScopeAdmin, sandbox.ShowClock()))
	mux.Handle("PUT /sandbox/v1/clock", d.guard.Require(auth.ScopeAdmin, sandbox.SetClock()))
	mux.Handle("DELETE /sandbox/v1/clock", d.guard.Require(auth.ScopeAdmin, sandbox.ThawClock()))
	mux.Handle("POST /sandbox/v1/clock/advance", d.guard.Require(auth.ScopeAdmin, sandbox.AdvanceClock()))
	mux.Handle("GET /sandbox/v1/faults", d.guard.Require(auth.ScopeAdmin, fs.List()))
	mux.Handle("PUT /sandbox/v1/faults/{name}", d.guard.Require(auth.ScopeAdmin, fs.Put()))
	mux.Handle("DELETE /sandbox/v1/faults/{name}", d.guard.Require(auth.ScopeAdmin, fs.Delete()))

	sbx := &sandbox.Sandboxes{Store: d.store, Guard: d.guard, Server: d.dataSet, Max: d.maxSandboxes, Forget: fs.Forget}
	mux.Handle("POST /sandbox/v1/sandboxes", d.guard.Require(auth.ScopeAdmin, sbx.Create()))
	mux.Handle("GET /sandbox/v1/sandboxes", d.guard.Require(auth.ScopeAdmin, sbx.List()))
	mux.Handle("DELETE /sandbox/v1/sandboxes/{id}", d.guard.Require(auth.ScopeAdmin, sbx.Delete()))

	mux.HandleFunc("GET /healthz", healthz)
	mux.Handle("GET /readyz", readyz(d.store))
	mux.Handle("GET /openapi.json", openAPI())
	mux.Handle("GET /debug/vars", d.counts.Handler())
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
			tmf.WriteError(w, r, tmf.Fail(tmf.CodeNotReady,
				"the database does not answer"))
			return
		}
		tmf.WriteRaw(w, http.StatusOK, []byte(`{"status":"ready"}`))
	})
}
