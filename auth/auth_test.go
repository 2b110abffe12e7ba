package auth

import (
	"crypto/sha256"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"prepay/storage"
	"prepay/tmf"
)

// fakeTime is a hand-moved host clock for the rate limiter.
type fakeTime struct{ t time.Time }

func (f *fakeTime) now() time.Time { return f.t }

// newGuard is a guard over the demo data set's clients, on the host clock
// it returns.
func newGuard(t *testing.T) (*Guard, *fakeTime) {
	t.Helper()
	store, err := storage.Open(filepath.Join(t.TempDir(), "prepay.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	ds, _ := storage.ParseDataSet(storage.Demo)
	if err := store.Load(ds, time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	ft := &fakeTime{t: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)}
	g, err := New(store, ft.now)
	if err != nil {
		t.Fatal(err)
	}
	return g, ft
}

// newGuarded is newGuard's guard in front of three routes that answer the
// client and business unit it passed on.
func newGuarded(t *testing.T) (http.Handler, *fakeTime) {
	t.Helper()
	g, ft := newGuard(t)
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := json.Marshal(map[string]string{"client": Client(r.Context()).ID, "bu": BusinessUnit(r.Context()).ID})
		tmf.WriteRaw(w, 200, body)
	})
	mux := http.NewServeMux()
	mux.Handle("GET /bu/{businessId}/balances", g.Require(ScopeBalances, ok))
	mux.Handle("POST /bu/{businessId}/topup", g.Require(ScopeTopup, ok))
	mux.Handle("POST /admin", g.Require(ScopeAdmin, ok))
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	return tmf.Correlate(logger)(tmf.Routes(mux)), ft
}

func TestRequire(t *testing.T) {
	h, _ := newGuarded(t)
	tests := []struct {
		name, method, path, id, secret string
		wantStatus                     int
		wantCode                       string
		wantMessage                    string
	}{
		{name: "ok", method: "GET", path: "/bu/JM/balances", id: "readonly", secret: "readonly-secret", wantStatus: 200},
		{name: "ok, no business unit in route", method: "POST", path: "/admin", id: "sandbox-admin", secret: "sandbox-admin-secret", wantStatus: 200},
		{name: "no client_id", method: "GET", path: "/bu/JM/balances", secret: "readonly-secret",
			wantStatus: 401, wantCode: tmf.CodeMissingCredentials, wantMessage: "the client_id header is required"},
		{name: "no client_secret", method: "GET", path: "/bu/JM/balances", id: "readonly",
			wantStatus: 401, wantCode: tmf.CodeMissingCredentials, wantMessage: "the client_secret header is required"},
		{name: "short client_id", method: "GET", path: "/bu/JM/balances", id: "abc", secret: "readonly-secret",
			wantStatus: 401, wantCode: tmf.CodeInvalidCredentials, wantMessage: `client_id must be at least 5 characters; got "abc"`},
		{name: "short secret is not echoed", method: "GET", path: "/bu/JM/balances", id: "readonly", secret: "abcd",
			wantStatus: 401, wantCode: tmf.CodeInvalidCredentials, wantMessage: "client_secret must be at least 5 characters; got 4"},
		{name: "unknown client", method: "GET", path: "/bu/JM/balances", id: "nobody", secret: "readonly-secret",
			wantStatus: 401, wantCode: tmf.CodeUnknownClient, wantMessage: `client_id "nobody" is not registered`},
		{name: "wrong secret", method: "GET", path: "/bu/JM/balances", id: "readonly", secret: "sandbox-admin-secret",
			wantStatus: 401, wantCode: tmf.CodeWrongSecret, wantMessage: `client_secret is wrong for client_id "readonly"`},
		{name: "missing scope", method: "POST", path: "/bu/JM/topup", id: "readonly", secret: "readonly-secret",
			wantStatus: 403, wantCode: tmf.CodeForbiddenScope, wantMessage: `client_id "readonly" does not hold the scope topup:write`},
		{name: "business unit not entitled", method: "GET", path: "/bu/BTC/balances", id: "jm-selfcare", secret: "jm-selfcare-secret",
			wantStatus: 403, wantCode: tmf.CodeForbiddenBU, wantMessage: `client_id "jm-selfcare" may not use businessId "BTC"`},
		{name: "malformed business unit", method: "GET", path: "/bu/jm/balances", id: "readonly", secret: "readonly-secret",
			wantStatus: 400, wantCode: tmf.CodeInvalidBusinessID, wantMessage: `businessId must be 2–3 capital letters; got "jm"`},
		{name: "unknown business unit", method: "GET", path: "/bu/XYZ/balances", id: "readonly", secret: "readonly-secret",
			wantStatus: 404, wantCode: tmf.CodeUnknownBusinessUnit, wantMessage: `businessId "XYZ" is not a configured business unit`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, tc.path, nil)
			if tc.id != "" {
				req.Header.Set("client_id", tc.id)
			}
			if tc.secret != "" {
				req.Header.Set("client_secret", tc.secret)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			var body struct{ Code, Message string }
			json.Unmarshal(rec.Body.Bytes(), &body)
			if rec.Code != tc.wantStatus || body.Code != tc.wantCode || (tc.wantMessage != "" && body.Message != tc.wantMessage) {
				t.Errorf("got %d %s %q; want %d %s %q", rec.Code, body.Code, body.Message, tc.wantStatus, tc.wantCode, tc.wantMessage)
			}
		})
	}
}

func TestRateLimit(t *testing.T) {
	h, ft := newGuarded(t)
	call := func() (int, []string) {
		req := httptest.NewRequest("GET", "/bu/JM/balances", nil)
		req.Header.Set("client_id", "jm-selfcare")
		req.Header.Set("client_secret", "jm-selfcare-secret")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code, []string{rec.Header().Get("X-RateLimit-Limit"), rec.Header().Get("X-RateLimit-Remaining"), rec.Header().Get("Retry-After")}
	}
	// A burst of 50 in the same instant passes, counting down.
	for i := range 50 {
		code, h := call()
		if want := []string{"50", strconv.Itoa(49 - i), ""}; code != 200 || !cmp.Equal(want, h) {
			t.Fatalf("request %d: %d %v, want 200 %v", i, code, h, want)
		}
	}
	code, hdr := call()
	if diff := cmp.Diff([]string{"50", "0", "1"}, hdr); code != 429 || diff != "" {
		t.Fatalf("51st request: %d, headers (-want +got):\n%s", code, diff)
	}
	// A fiftieth of a second refills one request.
	ft.t = ft.t.Add(20 * time.Millisecond)
	if code, _ := call(); code != 200 {
		t.Errorf("after refill: %d, want 200", code)
	}
	if code, _ := call(); code != 429 {
		t.Errorf("right after: %d, want 429", code)
	}
	// A client without a limit gets no rate headers.
	req := httptest.NewRequest("GET", "/bu/JM/balances", nil)
	req.Header.Set("client_id", "readonly")
	req.Header.Set("client_secret", "readonly-secret")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Header().Get("X-RateLimit-Limit") != "" {
		t.Error("unlimited client got X-RateLimit-Limit")
	}
}

// TestLockout guesses secrets from one address: the 11th attempt within a
// minute is a 429 with Retry-After whatever secret it sends, another
// address is not locked out, the lockout ends after a minute, and a right
// secret before the lockout forgives the wrong ones.
func TestLockout(t *testing.T) {
	h, ft := newGuarded(t)
	type attempt struct {
		id, secret, addr string
		wantStatus       int
		wantCode         string
		wantRetryAfter   string
	}
	send := func(t *testing.T, a attempt) {
		t.Helper()
		req := httptest.NewRequest("GET", "/bu/JM/balances", nil)
		req.RemoteAddr = a.addr + ":40000"
		req.Header.Set("client_id", a.id)
		req.Header.Set("client_secret", a.secret)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		var e struct{ Code string }
		json.Unmarshal(rec.Body.Bytes(), &e)
		if rec.Code != a.wantStatus || (a.wantCode != "" && e.Code != a.wantCode) || rec.Header().Get("Retry-After") != a.wantRetryAfter {
			t.Errorf("%s/%s from %s = %d %s Retry-After %q; want %d %s %q", a.id, a.secret, a.addr,
				rec.Code, e.Code, rec.Header().Get("Retry-After"), a.wantStatus, a.wantCode, a.wantRetryAfter)
		}
	}
	const guesser, other = "203.0.113.7", "198.51.100.9"
	wrong := attempt{"readonly", "guess-secret", guesser, 401, "WRONG_SECRET", ""}
	right := attempt{"readonly", "readonly-secret", guesser, 200, "", ""}
	locked := func(secs string) attempt {
		return attempt{"readonly", "readonly-secret", guesser, 429, "TOO_MANY_FAILURES", secs}
	}

	t.Run("ten wrong secrets lock the pair for a minute", func(t *testing.T) {
		for range 10 {
			send(t, wrong)
		}
		send(t, locked("60"))
		send(t, attempt{"readonly", "guess-secret", guesser, 429, "TOO_MANY_FAILURES", "60"})
		send(t, attempt{"readonly", "readonly-secret", other, 200, "", ""})
		send(t, attempt{"sandbox-admin", "sandbox-admin-secret", guesser, 200, "", ""})
		ft.t = ft.t.Add(59*time.Second + 500*time.Millisecond)
		send(t, locked("1"))
		ft.t = ft.t.Add(500 * time.Millisecond)
		send(t, right)
	})
	t.Run("a right secret before the lockout forgives", func(t *testing.T) {
		ft.t = ft.t.Add(time.Hour)
		for range 9 {
			send(t, wrong)
		}
		send(t, right)
		for range 9 {
			send(t, wrong)
		}
		send(t, right)
	})
	t.Run("failures older than a minute do not count", func(t *testing.T) {
		ft.t = ft.t.Add(time.Hour)
		for range 9 {
			send(t, wrong)
		}
		ft.t = ft.t.Add(time.Minute)
		send(t, wrong)
		send(t, right)
	})
	t.Run("an unknown client_id counts like a wrong secret", func(t *testing.T) {
		ft.t = ft.t.Add(time.Hour)
		for range 10 {
			send(t, attempt{"nobody-here", "whatever", guesser, 401, "UNKNOWN_CLIENT", ""})
		}
		send(t, attempt{"nobody-here", "whatever", guesser, 429, "TOO_MANY_FAILURES", "60"})
	})
}

// TestProves checks the memo of the last proven secret: it answers only
// for the very secret that was proven, never for a wrong one before or
// after, and a client registered again starts without one.
func TestProves(t *testing.T) {
	salt := []byte("salt-of-the-test")
	c := registered{Client: storage.Client{ID: "bot-1", Salt: salt, SecretHash: storage.HashSecret(salt, "right-secret")},
		proven: new(atomic.Pointer[[sha256.Size]byte])}
	for i, step := range []struct {
		secret string
		want   bool
	}{
		{"wrong-secret", false},
		{"right-secret", true},
		{"right-secret", true}, // from the memo
		{"right-secreT", false},
		{"right-secret ", false},
		{"", false},
		{"right-secret", true},
	} {
		if got := c.proves(step.secret); got != step.want {
			t.Errorf("step %d: proves(%q) = %v, want %v", i, step.secret, got, step.want)
		}
		if last := c.proven.Load(); last != nil && *last != sha256.Sum256([]byte("right-secret")) {
			t.Fatalf("step %d: the memo holds the digest of another secret than the right one", i)
		}
	}

	g, _ := newGuard(t)
	admin := (*g.clients.Load())["sandbox-admin"]
	if !admin.proves("sandbox-admin-secret") || admin.proven.Load() == nil {
		t.Fatal("the demo's sandbox-admin did not prove its secret, or it was not remembered")
	}
	if err := g.Reload(); err != nil {
		t.Fatal(err)
	}
	if again := (*g.clients.Load())["sandbox-admin"]; again.proven.Load() != nil {
		t.Error("after Reload the client still remembers a proven secret")
	}
}
