package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"prepay/auth"
	"prepay/clock"
	"prepay/counters"
	"prepay/storage"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// testNow is the fixed clock of the end-to-end tests: every expiry and
// confirmation date in the golden files follows from it.
var testNow = time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)

// testServer is the real handler stack — every route and middleware — on a
// bbolt file in a temp dir, loaded with the demo data set at testNow.
type testServer struct {
	handler http.Handler
	store   *storage.Store
	clock   *clock.Clock
	host    *hostClock // the host's time under the sandbox clock
	dbPath  string
}

// hostClock is a host clock the test moves by hand, starting at testNow.
type hostClock struct{ at atomic.Pointer[time.Time] }

func newHostClock() *hostClock {
	h := &hostClock{}
	h.set(testNow)
	return h
}

func (h *hostClock) now() time.Time  { return *h.at.Load() }
func (h *hostClock) set(t time.Time) { h.at.Store(&t) }

func newTestServer(t testing.TB) *testServer {
	t.Helper()
	ds, err := storage.ParseDataSet(storage.Demo)
	if err != nil {
		t.Fatal(err)
	}
	return newTestServerWith(t, ds)
}

// newTestServerWith is newTestServer over a data set of the test's own.
func newTestServerWith(t testing.TB, ds *storage.DataSet) *testServer {
	t.Helper()
	return buildTestServer(t, ds, 1000)
}

// newTestServerWithMax is newTestServer holding at most max sandboxes.
func newTestServerWithMax(t testing.TB, max int) *testServer {
	t.Helper()
	ds, err := storage.ParseDataSet(storage.Demo)
	if err != nil {
		t.Fatal(err)
	}
	return buildTestServer(t, ds, max)
}

func buildTestServer(t testing.TB, ds *storage.DataSet, maxSandboxes int) *testServer {
	t.Helper()
	path := filepath.Join(t.TempDir(), "prepay.db")
	host := newHostClock()
	store, err := storage.OpenWith(path, host.now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	if err := store.Load(ds, testNow); err != nil {
		t.Fatal(err)
	}
	clk := store.Default().Clock()
	clk.Freeze(testNow)
	guard, err := auth.New(store, clk.Now)
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	fs, err := newFaults(store)
	if err != nil {
		t.Fatal(err)
	}
	h := newHandler(logger, deps{store: store, guard: guard, dataSet: ds, faults: fs, counts: counters.New(), maxSandboxes: maxSandboxes})
	return &testServer{handler: h, store: store, clock: clk, host: host, dbPath: path}
}

// newTestServerWithJMAdmin is newTestServer with one more client, an
// administrator of JM alone, whose headers are jmAdmin.
func newTestServerWithJMAdmin(t testing.TB) *testServer {
	t.Helper()
	ds, err := storage.ParseDataSet(storage.Demo)
	if err != nil {
		t.Fatal(err)
	}
	ds.Clients = append(ds.Clients, storage.DataClient{ID: "jm-admin", Secret: "jm-admin-secret",
		BusinessUnits: []string{"JM"}, Scopes: []string{auth.ScopeAdmin}, Channel: storage.Channel{ID: "1", Name: "ci"}})
	return newTestServerWith(t, ds)
}

// Credentials of the demo clients, as headers.
var (
	asAdmin    = map[string]string{"client_id": "sandbox-admin", "client_secret": "sandbox-admin-secret"}
	asSelfcare = map[string]string{"client_id": "jm-selfcare", "client_secret": "jm-selfcare-secret"}
	asReadonly = map[string]string{"client_id": "readonly", "client_secret": "readonly-secret"}
	jmAdmin    = map[string]string{"client_id": "jm-admin", "client_secret": "jm-admin-secret"}
)

// with returns base plus more, more winning.
func with(base map[string]string, more ...string) map[string]string {
	h := map[string]string{}
	for k, v := range base {
		h[k] = v
	}
	for i := 0; i+1 < len(more); i += 2 {
		h[more[i]] = more[i+1]
	}
	return h
}

// do sends one request through the handler stack. A body is sent as
// application/json unless header says otherwise.
func (s *testServer) do(t testing.TB, method, target string, header map[string]string, body string) *httptest.ResponseRecorder {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	s.handler.ServeHTTP(rec, req)
	return rec
}

// checkGolden compares a response — status, headers, indented body — with
// testdata/name.golden, rewriting the file under -update when it differs.
func checkGolden(t *testing.T, name string, rec *httptest.ResponseRecorder) {
	t.Helper()
	got := renderResponse(t, rec)
	path := filepath.Join("testdata", name+".golden")
	want, err := os.ReadFile(path)
	if *update && !bytes.Equal(want, got) {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}

func renderResponse(t *testing.T, rec *httptest.ResponseRecorder) []byte {
	t.Helper()
	var b bytes.Buffer
	b.WriteString(rec.Result().Status)
	b.WriteString("\n")
	keys := make([]string, 0, len(rec.Header()))
	for k := range rec.Header() {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		for _, v := range rec.Header()[k] {
			b.WriteString(k + ": " + v + "\n")
		}
	}
	b.WriteString("\n")
	body := rec.Body.Bytes()
	var indented bytes.Buffer
	if err := json.Indent(&indented, body, "", "  "); err != nil {
		t.Fatalf("response body is not JSON: %v\n%s", err, body)
	}
	b.Write(indented.Bytes())
	return b.Bytes()
}
