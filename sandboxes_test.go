package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"prepay/storage"
)

// madeSandbox is a sandbox as POST /sandbox/v1/sandboxes answered it, with
// the headers of its clients.
type madeSandbox struct {
	ID        string
	Name      string
	CreatedAt string
	Clients   []struct {
		ClientID      string   `json:"client_id"`
		ClientSecret  string   `json:"client_secret"`
		From          string   `json:"from"`
		BusinessUnits []string `json:"businessUnits"`
		Scopes        []string `json:"scopes"`
	}
}

// as returns the headers of the made client that came from the data set's
// client from.
func (m madeSandbox) as(t testing.TB, from string, more ...string) map[string]string {
	t.Helper()
	for _, c := range m.Clients {
		if c.From == from {
			return with(map[string]string{"client_id": c.ClientID, "client_secret": c.ClientSecret}, more...)
		}
	}
	t.Fatalf("sandbox %s has no client from %s", m.ID, from)
	return nil
}

func (s *testServer) makeSandbox(t testing.TB, body string) madeSandbox {
	t.Helper()
	rec := s.do(t, "POST", "/sandbox/v1/sandboxes", asAdmin, body)
	if rec.Code != http.StatusCreated {
		t.Fatalf("make sandbox: %d %s", rec.Code, rec.Body)
	}
	var m madeSandbox
	if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	if got, want := rec.Header().Get("Location"), "/sandbox/v1/sandboxes/"+m.ID; got != want {
		t.Errorf("Location = %q, want %q", got, want)
	}
	return m
}

// TestSandboxLifecycle makes, lists, reads and deletes a sandbox, and
// checks who may, what its clients reach, and the refusals.
func TestSandboxLifecycle(t *testing.T) {
	s := newTestServer(t)
	m := s.makeSandbox(t, `{"name": "ci-run-1"}`)
	if !strings.HasPrefix(m.ID, "sbx-") || m.Name != "ci-run-1" || len(m.Clients) != 3 {
		t.Fatalf("made %+v", m)
	}
	for _, c := range m.Clients {
		if c.ClientID == c.From || !strings.Contains(c.ClientID, m.ID) || len(c.ClientSecret) < 32 {
			t.Errorf("client %+v: want a new id naming the sandbox and a long fresh secret", c)
		}
	}
	admin := m.as(t, "sandbox-admin")

	list := s.do(t, "GET", "/sandbox/v1/sandboxes", asAdmin, "")
	if list.Code != 200 || strings.Contains(list.Body.String(), "secret") || !strings.Contains(list.Body.String(), m.ID) {
		t.Errorf("list: %d %s", list.Code, list.Body)
	}
	steps := []struct {
		name           string
		method, target string
		header         map[string]string
		body           string
		wantStatus     int
		wantCode       string
	}{
		{"its client reads its own world", "GET", "/sandbox/v1/JM/services/18763187057", admin, "", 200, ""},
		{"its client may not manage sandboxes", "GET", "/sandbox/v1/sandboxes", admin, "", 403, "FORBIDDEN_SCOPE"},
		{"nor make one", "POST", "/sandbox/v1/sandboxes", admin, `{}`, 403, "FORBIDDEN_SCOPE"},
		{"a client without the scope", "GET", "/sandbox/v1/sandboxes", asReadonly, "", 403, "FORBIDDEN_SCOPE"},
		{"unknown id", "DELETE", "/sandbox/v1/sandboxes/sbx-000000000000", asAdmin, "", 404, "UNKNOWN_SANDBOX"},
		{"a data set that is not one", "POST", "/sandbox/v1/sandboxes", asAdmin, `{"dataSet": {"businessUnits": [{"id": "jm"}]}}`, 400, "INVALID_FIELD"},
		{"a data set of the wrong type", "POST", "/sandbox/v1/sandboxes", asAdmin, `{"dataSet": [1]}`, 400, "INVALID_FIELD"},
		{"a data set with a key twice", "POST", "/sandbox/v1/sandboxes", asAdmin, `{"dataSet": {"clients": [], "clients": []}}`, 400, "MALFORMED_BODY"},
		{"a name too long", "POST", "/sandbox/v1/sandboxes", asAdmin, `{"name": "` + strings.Repeat("n", 101) + `"}`, 400, "INVALID_FIELD"},
		{"the default sandbox is kept", "DELETE", "/sandbox/v1/sandboxes/default", asAdmin, "", 409, "DEFAULT_SANDBOX_KEPT"},
		{"delete it", "DELETE", "/sandbox/v1/sandboxes/" + m.ID, asAdmin, "", 204, ""},
		{"its clients are gone with it", "GET", "/sandbox/v1/JM/services/18763187057", admin, "", 401, "UNKNOWN_CLIENT"},
		{"deleted twice", "DELETE", "/sandbox/v1/sandboxes/" + m.ID, asAdmin, "", 404, "UNKNOWN_SANDBOX"},
	}
	for _, st := range steps {
		rec := s.do(t, st.method, st.target, st.header, st.body)
		var e struct{ Code string }
		json.Unmarshal(rec.Body.Bytes(), &e)
		if rec.Code != st.wantStatus || e.Code != st.wantCode {
			t.Errorf("%s: %d %s, want %d %s\n%s", st.name, rec.Code, e.Code, st.wantStatus, st.wantCode, rec.Body)
		}
	}
	// The refused bodies made nothing: only the default sandbox is left.
	var all []struct{ ID string }
	sandboxDecode(t, s.do(t, "GET", "/sandbox/v1/sandboxes", asAdmin, ""), &all)
	if len(all) != 1 || all[0].ID != storage.DefaultSandbox {
		t.Errorf("sandboxes left: %+v, want the default alone", all)
	}
}

// TestSandboxLimit: a server holds at most -max-sandboxes, the default one
// included.
func TestSandboxLimit(t *testing.T) {
	s := newTestServerWithMax(t, 3)
	s.makeSandbox(t, `{}`)
	s.makeSandbox(t, `{}`)
	rec := s.do(t, "POST", "/sandbox/v1/sandboxes", asAdmin, `{}`)
	if rec.Code != http.StatusConflict || !strings.Contains(rec.Body.String(), "SANDBOX_LIMIT") {
		t.Errorf("one more: %d %s, want 409 SANDBOX_LIMIT", rec.Code, rec.Body)
	}
}

// TestSandboxOwnDataSet makes a sandbox from a data set in the body: its
// clients come from that data set, and its reset restores it (not the
// server's), keeping the clients made for it.
func TestSandboxOwnDataSet(t *testing.T) {
	s := newTestServer(t)
	ds := `{"dataSet": {
	  "businessUnits": [{"id": "JM", "currency": "JMD", "zone": "America/Jamaica", "sourceBSS": "LIBERATE", "validityDays": 30, "topup": "live"}],
	  "clients": [{"id": "team-ci", "secret": "ignored-secret", "businessUnits": ["*"], "scopes": ["balances:read", "topup:write", "history:read", "sandbox:admin"], "channel": {"id": "1", "name": "ci"}}],
	  "subscribers": [{"businessId": "JM", "serviceNo": "18760000009", "lob": "PREPAID", "accountNo": "187600000009", "serviceInternalId": "9", "owningAccountInternalId": "90",
	    "buckets": [{"id": "1", "name": "Primary Balance", "usageType": "Currency", "units": "JMD", "type": "Core", "allowance": 10.00, "expiry": "+30d"}]}]
	}}`
	m := s.makeSandbox(t, ds)
	team := m.as(t, "team-ci")
	if rec := s.do(t, "GET", "/sandbox/v1/JM/services/18763187057", team, ""); rec.Code != 404 {
		t.Errorf("the demo's subscriber in a sandbox of another data set: %d", rec.Code)
	}
	if rec := s.do(t, "GET", "/sandbox/v1/BTC/services/12425550100", team, ""); rec.Code != 404 {
		t.Errorf("a business unit of the demo in a sandbox without it: %d", rec.Code)
	}
	top := s.topup(t, "JM", with(team, "lob", "PREPAID", "X-Correlation-ID", "own-1"), amountTopup("18760000009", "5.00"))
	if top.Code != 200 {
		t.Fatalf("top-up in the sandbox: %d %s", top.Code, top.Body)
	}
	if rec := s.do(t, "POST", "/sandbox/v1/reset", team, ""); rec.Code != 200 {
		t.Fatalf("reset: %d %s", rec.Code, rec.Body)
	}
	var sub struct {
		Buckets []struct{ Allowance json.Number }
	}
	sandboxDecode(t, s.do(t, "GET", "/sandbox/v1/JM/services/18760000009", team, ""), &sub)
	if len(sub.Buckets) != 1 || sub.Buckets[0].Allowance != "10.00" {
		t.Errorf("after reset: %+v, want the sandbox's own 10.00", sub)
	}
	if rec := s.do(t, "GET", "/sandbox/v1/JM/services/18763187057", asAdmin, ""); rec.Code != 200 {
		t.Errorf("the default sandbox after another's reset: %d", rec.Code)
	}
}

// TestSandboxesIsolated drives two sandboxes at once — top-ups, the same
// voucher, the same idempotency key, a reset, a clock change, a fault —
// and then checks each against what was done to it alone, and the default
// sandbox against nothing.
func TestSandboxesIsolated(t *testing.T) {
	s := newTestServer(t)
	a, b := s.makeSandbox(t, `{"name": "a"}`), s.makeSandbox(t, `{"name": "b"}`)
	adminA, adminB := a.as(t, "sandbox-admin"), b.as(t, "sandbox-admin")
	const fixed, voucherSeed = "18769990001", `{"partyAccount":{"id":"18763187057"},"voucher":"89742282598199"}`
	topups := func(h map[string]string, prefix, amount string, n int) {
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				hdr := with(h, "lob", "FIXED", "X-Correlation-ID", fmt.Sprintf("%s-%d", prefix, i))
				if rec := s.topup(t, "JM", hdr, amountTopup(fixed, amount)); rec.Code != 200 {
					t.Errorf("%s top-up %d: %d %s", prefix, i, rec.Code, rec.Body)
				}
			})
		}
		wg.Wait()
	}
	vouchers := func(h map[string]string, prefix string) (won int) {
		var wg sync.WaitGroup
		var mu sync.Mutex
		for i := range 8 {
			wg.Go(func() {
				rec := s.topup(t, "JM", with(h, "lob", "PREPAID", "X-Correlation-ID", fmt.Sprintf("%s-v%d", prefix, i)), voucherSeed)
				if rec.Code == 200 {
					mu.Lock()
					won++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		return won
	}
	var wg sync.WaitGroup
	var wonA, wonB int
	wg.Go(func() {
		if rec := s.do(t, "PUT", "/sandbox/v1/clock", adminA, `{"now": "2026-12-01T00:00:00Z"}`); rec.Code != 200 {
			t.Errorf("clock of a: %d %s", rec.Code, rec.Body)
		}
		topups(adminA, "a", "1.00", 20)
		wonA = vouchers(adminA, "a")
		s.topup(t, "JM", with(adminA, "lob", "FIXED", "X-Correlation-ID", "shared"), amountTopup(fixed, "7.00"))
	})
	wg.Go(func() {
		topups(adminB, "b-before-reset", "50.00", 5)
		if rec := s.do(t, "POST", "/sandbox/v1/reset", adminB, ""); rec.Code != 200 {
			t.Errorf("reset of b: %d %s", rec.Code, rec.Body)
		}
		if rec := s.do(t, "PUT", "/sandbox/v1/faults/btc-down", adminB,
			`{"route": "topupBalance", "businessId": "BTC", "status": 503}`); rec.Code != 201 {
			t.Errorf("fault in b: %d %s", rec.Code, rec.Body)
		}
		topups(adminB, "b", "2.00", 20)
		wonB = vouchers(adminB, "b")
		s.topup(t, "JM", with(adminB, "lob", "FIXED", "X-Correlation-ID", "shared"), amountTopup(fixed, "7.00"))
	})
	wg.Wait()

	allowance := func(h map[string]string, serviceNo string) string {
		var sub struct {
			Buckets []struct{ Allowance json.Number }
		}
		sandboxDecode(t, s.do(t, "GET", "/sandbox/v1/JM/services/"+serviceNo, h, ""), &sub)
		return string(sub.Buckets[0].Allowance)
	}
	clockOf := func(h map[string]string) string {
		var c struct{ Now string }
		sandboxDecode(t, s.do(t, "GET", "/sandbox/v1/clock", h, ""), &c)
		return c.Now
	}
	btc := func(h map[string]string) int {
		return s.topup(t, "BTC", with(h, "lob", "PREPAID", "X-Correlation-ID", "btc-"+h["client_id"]),
			`{"partyAccount":{"id":"12425550100"},"amount":{"amount":1.00}}`).Code
	}
	history := func(h map[string]string) int {
		rec := s.do(t, "GET", "/tmf-api/prepayBalanceManagement/v4/JM/balanceActionHistory?product.id=32970301&@type=TopupBalance&dateTime.gte=2000-01-01&dateTime.lte=2099-01-01", h, "")
		var list []any
		sandboxDecode(t, rec, &list)
		return len(list)
	}
	got := map[string]any{
		"a allowance": allowance(adminA, fixed), "b allowance": allowance(adminB, fixed), "default allowance": allowance(asAdmin, fixed),
		"a voucher won": wonA, "b voucher won": wonB,
		"a clock": clockOf(adminA), "b clock": clockOf(adminB), "default clock": clockOf(asAdmin),
		"a BTC top-up": btc(adminA), "b BTC top-up": btc(adminB), "default BTC top-up": btc(asAdmin),
		"a history": history(adminA), "b history": history(adminB), "default history": history(asAdmin),
	}
	want := map[string]any{
		// 150.00 + 20 × 1.00 + 7.00, and 150.00 + 20 × 2.00 + 7.00 (what
		// b credited before its reset is gone with it).
		"a allowance": "177.00", "b allowance": "197.00", "default allowance": "150.00",
		"a voucher won": 1, "b voucher won": 1,
		"a clock": "2026-12-01T00:00:00.000Z", "b clock": "2026-11-23T15:00:00.000Z", "default clock": "2026-11-23T15:00:00.000Z",
		"a BTC top-up": 200, "b BTC top-up": 503, "default BTC top-up": 200,
		"a history": 21, "b history": 21, "default history": 0,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("each sandbox after what was done to it (-want +got):\n%s", diff)
	}
	// The seed voucher is still unused in the default sandbox.
	var v struct{ Status string }
	sandboxDecode(t, s.do(t, "GET", "/sandbox/v1/JM/vouchers/89742282598199", asAdmin, ""), &v)
	if v.Status != "unused" {
		t.Errorf("default sandbox's voucher: %q, want unused", v.Status)
	}
}
