package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"prepay/storage"
)

// faultsAdmin is the admin client with a fixed correlation id, so that
// golden files hold no random one.
var faultsAdmin = with(asAdmin, "X-Correlation-ID", "corr-faults")

// Requests the faults strike: a top-up of seed 001's voucher (2.00 to the
// loan, 3.00 to the primary balance), and a read of each other route.
const (
	faultsTopupPath   = "/bot-ux/v1/JM/topupBalance"
	faultsTopupBody   = `{"voucher": "89742282598199", "partyAccount": {"id": "18763187057", "@type": "subscriberNumber"}}`
	faultsBalancePath = "/bot-ux/v2/JM/services/18763187057/realTimeBalances"
	faultsHistoryPath = "/tmf-api/prepayBalanceManagement/v4/JM/balanceActionHistory?product.id=32970253&@type=TopupBalance&dateTime.gte=2022-11-08&dateTime.lte=2022-11-08"
)

var (
	faultsTopupHeader = with(faultsAdmin, "lob", "PREPAID")
	faultsReadHeader  = with(faultsAdmin, "lob", "PREPAID")
)

// putFault sets a fault through the admin route and fails the test unless
// it is set.
func (s *testServer) putFault(t testing.TB, name, body string) *httptest.ResponseRecorder {
	t.Helper()
	rec := s.do(t, "PUT", "/sandbox/v1/faults/"+name, faultsAdmin, body)
	if rec.Code != http.StatusCreated && rec.Code != http.StatusOK {
		t.Fatalf("PUT fault %s = %d\n%s", name, rec.Code, rec.Body)
	}
	return rec
}

// primaryAndLoan reads subscriber 18763187057's primary and loan balances
// straight from the store.
func (s *testServer) primaryAndLoan(t testing.TB) []string {
	t.Helper()
	var out []string
	if err := s.store.Default().View(func(tx *storage.Tx) error {
		sub, err := tx.Subscriber("JM", "18763187057")
		for _, b := range sub.Buckets {
			if b.ID == "1" || b.ID == "21" {
				out = append(out, b.ID+"="+b.Balance().String())
			}
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestFaultsGolden(t *testing.T) {
	const jmTopupDown = `{"route": "topupBalance", "businessId": "JM", "percent": 50, "latencyMs": 2000, "status": 503, "when": "before"}`
	type setup struct{ name, body string }
	tests := []struct {
		name, method, target string
		header               map[string]string
		body                 string
		setup                []setup
		wantStatus           int
	}{
		{name: "put create", method: "PUT", target: "/sandbox/v1/faults/jm-topup-down", body: jmTopupDown, wantStatus: 201},
		{name: "put defaults", method: "PUT", target: "/sandbox/v1/faults/balances-down",
			body: `{"route": "realTimeBalances", "status": 503}`, wantStatus: 201},
		{name: "put replace", method: "PUT", target: "/sandbox/v1/faults/jm-topup-down",
			setup: []setup{{"jm-topup-down", jmTopupDown}},
			body:  `{"name": "jm-topup-down", "route": "topupBalance", "latencyMs": 250, "when": "after"}`, wantStatus: 200},
		{name: "put name mismatch", method: "PUT", target: "/sandbox/v1/faults/jm-topup-down",
			body: `{"name": "other", "route": "topupBalance", "status": 503}`, wantStatus: 400},
		{name: "put bad name", method: "PUT", target: "/sandbox/v1/faults/jm%20down",
			body: `{"route": "topupBalance", "status": 503}`, wantStatus: 400},
		{name: "put name too long", method: "PUT", target: "/sandbox/v1/faults/" + strings.Repeat("n", 65),
			body: `{"route": "topupBalance", "status": 503}`, wantStatus: 400},
		{name: "put missing route", method: "PUT", target: "/sandbox/v1/faults/f", body: `{"status": 503}`, wantStatus: 400},
		{name: "put unknown route", method: "PUT", target: "/sandbox/v1/faults/f",
			body: `{"route": "topup", "status": 503}`, wantStatus: 400},
		{name: "put bad business unit", method: "PUT", target: "/sandbox/v1/faults/f",
			body: `{"route": "topupBalance", "businessId": "jm", "status": 503}`, wantStatus: 400},
		{name: "put unknown business unit", method: "PUT", target: "/sandbox/v1/faults/f",
			body: `{"route": "topupBalance", "businessId": "XX", "status": 503}`, wantStatus: 400},
		{name: "put percent above 100", method: "PUT", target: "/sandbox/v1/faults/f",
			body: `{"route": "topupBalance", "percent": 101, "status": 503}`, wantStatus: 400},
		{name: "put negative percent", method: "PUT", target: "/sandbox/v1/faults/f",
			body: `{"route": "topupBalance", "percent": -1, "status": 503}`, wantStatus: 400},
		{name: "put fractional percent", method: "PUT", target: "/sandbox/v1/faults/f",
			body: `{"route": "topupBalance", "percent": 12.5, "status": 503}`, wantStatus: 400},
		{name: "put negative latency", method: "PUT", target: "/sandbox/v1/faults/f",
			body: `{"route": "topupBalance", "latencyMs": -1}`, wantStatus: 400},
		{name: "put latency past the bound", method: "PUT", target: "/sandbox/v1/faults/f",
			body: `{"route": "topupBalance", "latencyMs": 25001}`, wantStatus: 400},
		{name: "put status below 400", method: "PUT", target: "/sandbox/v1/faults/f",
			body: `{"route": "topupBalance", "status": 200}`, wantStatus: 400},
		{name: "put status above 599", method: "PUT", target: "/sandbox/v1/faults/f",
			body: `{"route": "topupBalance", "status": 600}`, wantStatus: 400},
		{name: "put bad when", method: "PUT", target: "/sandbox/v1/faults/f",
			body: `{"route": "topupBalance", "status": 503, "when": "later"}`, wantStatus: 400},
		{name: "put neither status nor latency", method: "PUT", target: "/sandbox/v1/faults/f",
			body: `{"route": "topupBalance", "percent": 50}`, wantStatus: 400},
		{name: "put malformed", method: "PUT", target: "/sandbox/v1/faults/f",
			body: `{"route": "topupBalance",}`, wantStatus: 400},
		{name: "put not json", method: "PUT", target: "/sandbox/v1/faults/f", header: with(faultsAdmin, "Content-Type", "text/plain"),
			body: jmTopupDown, wantStatus: 415},
		{name: "put without scope", method: "PUT", target: "/sandbox/v1/faults/f", header: with(asReadonly, "X-Correlation-ID", "corr-faults"),
			body: jmTopupDown, wantStatus: 403},
		{name: "put without credentials", method: "PUT", target: "/sandbox/v1/faults/f", header: map[string]string{"X-Correlation-ID": "corr-faults"},
			body: jmTopupDown, wantStatus: 401},

		{name: "list empty", method: "GET", target: "/sandbox/v1/faults", wantStatus: 200},
		{name: "list", method: "GET", target: "/sandbox/v1/faults", wantStatus: 200,
			setup: []setup{{"jm-topup-down", jmTopupDown}, {"all-history-slow", `{"route": "balanceActionHistory", "latencyMs": 1500}`}}},
		{name: "list wrong method", method: "POST", target: "/sandbox/v1/faults", wantStatus: 405},
		{name: "delete", method: "DELETE", target: "/sandbox/v1/faults/jm-topup-down", wantStatus: 204,
			setup: []setup{{"jm-topup-down", jmTopupDown}}},
		{name: "delete unknown", method: "DELETE", target: "/sandbox/v1/faults/jm-topup-down", wantStatus: 404},

		{name: "strike topup before", method: "POST", target: faultsTopupPath, header: faultsTopupHeader, body: faultsTopupBody,
			setup: []setup{{"jm-topup-down", `{"route": "topupBalance", "businessId": "JM", "status": 503}`}}, wantStatus: 503},
		{name: "strike topup after", method: "POST", target: faultsTopupPath, header: faultsTopupHeader, body: faultsTopupBody,
			setup: []setup{{"lost-reply", `{"route": "topupBalance", "status": 504, "when": "after"}`}}, wantStatus: 504},
		{name: "strike topup other business unit", method: "POST", target: faultsTopupPath, header: faultsTopupHeader, body: faultsTopupBody,
			setup: []setup{{"btc-down", `{"route": "topupBalance", "businessId": "BTC", "status": 503}`}}, wantStatus: 200},
		{name: "strike credentials first", method: "POST", target: faultsTopupPath,
			header: map[string]string{"lob": "PREPAID", "X-Correlation-ID": "corr-faults"}, body: faultsTopupBody,
			setup: []setup{{"jm-topup-down", `{"route": "topupBalance", "status": 503}`}}, wantStatus: 401},
		{name: "strike balances late", method: "GET", target: faultsBalancePath, header: faultsReadHeader,
			setup: []setup{{"balances-slow", `{"route": "realTimeBalances", "latencyMs": 1}`}}, wantStatus: 200},
		{name: "strike history", method: "GET", target: faultsHistoryPath, header: faultsAdmin,
			setup: []setup{{"history-down", `{"route": "balanceActionHistory", "status": 500}`}}, wantStatus: 500},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestServer(t)
			for _, f := range tc.setup {
				s.putFault(t, f.name, f.body)
			}
			header := tc.header
			if header == nil {
				header = faultsAdmin
			}
			rec := s.do(t, tc.method, tc.target, header, tc.body)
			if rec.Code != tc.wantStatus {
				t.Errorf("status = %d, want %d\n%s", rec.Code, tc.wantStatus, rec.Body)
			}
			if rec.Code == http.StatusNoContent {
				if rec.Body.Len() != 0 {
					t.Errorf("204 with a body: %q", rec.Body)
				}
				return
			}
			checkGolden(t, "faults/"+strings.ReplaceAll(tc.name, " ", "-"), rec)
		})
	}
}

// TestFaultsLostReply is the case "after" exists for: the top-up commits,
// its reply is lost, and the client's retry with the same key gets the
// original answer, crediting once.
func TestFaultsLostReply(t *testing.T) {
	s := newTestServer(t)
	header := with(asAdmin, "lob", "PREPAID", "X-Correlation-ID", "lost-reply-1")
	// The answer the top-up gives on a server without faults, at the same
	// fixed time: the one the lost reply held.
	want := newTestServer(t).do(t, "POST", faultsTopupPath, header, faultsTopupBody)
	if want.Code != http.StatusOK {
		t.Fatalf("top-up without faults = %d\n%s", want.Code, want.Body)
	}
	s.putFault(t, "lost-reply", `{"route": "topupBalance", "businessId": "JM", "status": 503, "when": "after"}`)

	steps := []struct {
		name                   string
		deleteFault            bool
		wantStatus             int
		wantReplayed, wantBody string
	}{
		{name: "reply lost", wantStatus: 503},
		{name: "retry, fault still set", wantStatus: 503},
		{name: "retry after the fault is removed", deleteFault: true, wantStatus: 200, wantReplayed: "true", wantBody: want.Body.String()},
		{name: "retry again", wantStatus: 200, wantReplayed: "true", wantBody: want.Body.String()},
	}
	for _, st := range steps {
		if st.deleteFault {
			if rec := s.do(t, "DELETE", "/sandbox/v1/faults/lost-reply", faultsAdmin, ""); rec.Code != http.StatusNoContent {
				t.Fatalf("DELETE fault = %d\n%s", rec.Code, rec.Body)
			}
		}
		rec := s.do(t, "POST", faultsTopupPath, header, faultsTopupBody)
		if rec.Code != st.wantStatus || rec.Header().Get("Idempotent-Replayed") != st.wantReplayed {
			t.Fatalf("%s: %d replayed=%q, want %d replayed=%q\n%s", st.name, rec.Code,
				rec.Header().Get("Idempotent-Replayed"), st.wantStatus, st.wantReplayed, rec.Body)
		}
		if st.wantStatus == http.StatusServiceUnavailable && !strings.Contains(rec.Body.String(), `"code":"SANDBOX_FAULT"`) {
			t.Errorf("%s: body %s, want code SANDBOX_FAULT", st.name, rec.Body)
		}
		if st.wantBody != "" {
			if diff := cmp.Diff(st.wantBody, rec.Body.String()); diff != "" {
				t.Errorf("%s: body differs from the original answer (-original +replayed):\n%s", st.name, diff)
			}
		}
		// Credited at the first attempt, once: 2.00 to the loan, 3.00 to
		// the primary balance.
		if diff := cmp.Diff([]string{"1=25.59", "21=0.00"}, s.primaryAndLoan(t)); diff != "" {
			t.Errorf("%s: balances (-want +got):\n%s", st.name, diff)
		}
	}
	var actions []storage.Action
	if err := s.store.Default().View(func(tx *storage.Tx) (err error) {
		actions, _, err = tx.Actions(storage.ActionWindow{BusinessID: "JM", ProductID: "32970101",
			From: testNow.Add(-time.Hour), To: testNow.Add(time.Hour)})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if len(actions) != 1 {
		t.Errorf("%d history records of the top-up, want 1", len(actions))
	}
}

// TestFaultsClientGone: a client that hangs up during a fault's latency
// ends the request there. Before, the top-up never runs; after, it stands.
// The request's context is cancelled before it is sent, so the wait ends at
// once: no test time passes.
func TestFaultsClientGone(t *testing.T) {
	tests := []struct {
		when string
		want []string
	}{
		{"before", []string{"1=22.59", "21=2.00"}},
		{"after", []string{"1=25.59", "21=0.00"}},
	}
	for _, tc := range tests {
		t.Run(tc.when, func(t *testing.T) {
			s := newTestServer(t)
			s.putFault(t, "slow", `{"route": "topupBalance", "latencyMs": 25000, "status": 503, "when": "`+tc.when+`"}`)
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			req := httptest.NewRequestWithContext(ctx, "POST", faultsTopupPath, strings.NewReader(faultsTopupBody))
			req.Header.Set("Content-Type", "application/json")
			for k, v := range faultsTopupHeader {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			s.handler.ServeHTTP(rec, req)
			if rec.Code != 499 {
				t.Errorf("status = %d, want 499 (logged: client closed the request)\n%s", rec.Code, rec.Body)
			}
			if diff := cmp.Diff(tc.want, s.primaryAndLoan(t)); diff != "" {
				t.Errorf("balances (-want +got):\n%s", diff)
			}
		})
	}
}

// TestFaultsReset: a reset removes every fault, from the database and from
// the requests.
func TestFaultsReset(t *testing.T) {
	s := newTestServer(t)
	s.putFault(t, "topup-down", `{"route": "topupBalance", "status": 503}`)
	s.putFault(t, "balances-down", `{"route": "realTimeBalances", "status": 503}`)
	if rec := s.do(t, "POST", "/sandbox/v1/reset", faultsAdmin, ""); rec.Code != http.StatusOK {
		t.Fatalf("reset = %d\n%s", rec.Code, rec.Body)
	}
	if rec := s.do(t, "GET", "/sandbox/v1/faults", faultsAdmin, ""); strings.TrimSpace(rec.Body.String()) != "[]" {
		t.Errorf("faults after reset = %d %s, want []", rec.Code, rec.Body)
	}
	if rec := s.do(t, "GET", faultsBalancePath, faultsReadHeader, ""); rec.Code != http.StatusOK || rec.Header().Get("X-Sandbox-Fault") != "" {
		t.Errorf("balances after reset = %d, fault %q\n%s", rec.Code, rec.Header().Get("X-Sandbox-Fault"), rec.Body)
	}
	var stored []storage.Fault
	if err := s.store.Default().View(func(tx *storage.Tx) (err error) {
		stored, err = tx.Faults()
		return err
	}); err != nil || len(stored) != 0 {
		t.Errorf("database holds %v after reset (%v)", stored, err)
	}
	// The bucket is there again: a fault can be set after a reset.
	s.putFault(t, "again", `{"route": "topupBalance", "status": 503}`)
}

// TestFaultsSurviveRestart runs the real program twice on one file: a fault
// set before the stop is listed and strikes after the start.
func TestFaultsSurviveRestart(t *testing.T) {
	db := filepath.Join(t.TempDir(), "prepay.db")
	call := func(base, method, path, body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		for k, v := range faultsReadHeader {
			req.Header.Set(k, v)
		}
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, strings.TrimSpace(string(b))
	}

	base, stop := startRun(t, db)
	status, set := call(base, "PUT", "/sandbox/v1/faults/balances-down", `{"route": "realTimeBalances", "businessId": "JM", "status": 503}`)
	if status != http.StatusCreated {
		t.Fatalf("PUT fault = %d %s", status, set)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}

	base, stop = startRun(t, db)
	defer stop()
	if status, list := call(base, "GET", "/sandbox/v1/faults", ""); status != http.StatusOK || list != "["+set+"]" {
		t.Errorf("faults after restart = %d %s, want [%s]", status, list, set)
	}
	if status, body := call(base, "GET", faultsBalancePath, ""); status != http.StatusServiceUnavailable || !strings.Contains(body, "SANDBOX_FAULT") {
		t.Errorf("balances after restart = %d %s, want the fault's 503", status, body)
	}
}

// TestFaultsEntitlement: an admin of some business units sets faults on
// those only; a fault on every business unit needs an admin of all.
func TestFaultsEntitlement(t *testing.T) {
	s := newTestServerWithJMAdmin(t)
	s.putFault(t, "everywhere", `{"route": "topupBalance", "status": 503}`)

	tests := []struct {
		method, name, body string
		wantStatus         int
	}{
		{"PUT", "jm", `{"route": "topupBalance", "businessId": "JM", "status": 503}`, 201},
		{"PUT", "btc", `{"route": "topupBalance", "businessId": "BTC", "status": 503}`, 403},
		{"PUT", "all", `{"route": "topupBalance", "status": 503}`, 403},
		{"PUT", "everywhere", `{"route": "topupBalance", "businessId": "JM", "status": 503}`, 403},
		{"DELETE", "everywhere", "", 403},
		{"DELETE", "jm", "", 204},
	}
	for _, tc := range tests {
		rec := s.do(t, tc.method, "/sandbox/v1/faults/"+tc.name, jmAdmin, tc.body)
		if rec.Code != tc.wantStatus {
			t.Errorf("%s %s = %d, want %d\n%s", tc.method, tc.name, rec.Code, tc.wantStatus, rec.Body)
		}
	}
	var list []struct{ Name string }
	if err := json.Unmarshal(s.do(t, "GET", "/sandbox/v1/faults", jmAdmin, "").Body.Bytes(), &list); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]struct{ Name string }{{"everywhere"}}, list); diff != "" {
		t.Errorf("faults left (-want +got):\n%s", diff)
	}
}

// TestFaultsPutThenList: what PUT answers is what GET lists, and a listed
// fault sent back through PUT changes nothing.
func TestFaultsPutThenList(t *testing.T) {
	s := newTestServer(t)
	set := s.putFault(t, "flaky", `{"route": "balanceActionHistory", "percent": 30, "latencyMs": 800}`)
	var list []json.RawMessage
	if err := json.Unmarshal(s.do(t, "GET", "/sandbox/v1/faults", faultsAdmin, "").Body.Bytes(), &list); err != nil || len(list) != 1 {
		t.Fatalf("list = %v, %v", list, err)
	}
	if diff := cmp.Diff(strings.TrimSpace(set.Body.String()), string(list[0])); diff != "" {
		t.Errorf("listed differs from PUT's answer (-put +list):\n%s", diff)
	}
	again := s.putFault(t, "flaky", string(list[0]))
	if again.Code != http.StatusOK || again.Body.String() != set.Body.String() {
		t.Errorf("PUT of the listed fault = %d %s, want 200 %s", again.Code, again.Body, set.Body)
	}
}
