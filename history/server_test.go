package history

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"prepay/auth"
	"prepay/storage"
	"prepay/storage/storagetest"
)

// route is the pattern routes.go serves this handler on.
const route = "GET /tmf-api/prepayBalanceManagement/v4/{businessId}/balanceActionHistory"

// testNow is the fixed clock the demo data set is loaded at.
var testNow = time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)

// newServer returns a store loaded with the demo data set and the handler
// behind the real credentials check, as routes.go mounts it.
func newServer(tb testing.TB) (*storage.Store, http.Handler) {
	tb.Helper()
	store := storagetest.Demo(tb, testNow)
	guard, err := auth.New(store, time.Now)
	if err != nil {
		tb.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(route, guard.Require(auth.ScopeHistory, Handler()))
	return store, mux
}

// get sends a history query of business unit bu as the sandbox-admin client.
func get(h http.Handler, bu, query string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("GET", "/tmf-api/prepayBalanceManagement/v4/"+bu+"/balanceActionHistory?"+query, nil)
	req.Header.Set("client_id", "sandbox-admin")
	req.Header.Set("client_secret", "sandbox-admin-secret")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}
