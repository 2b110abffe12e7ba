package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// startRun starts the real program on a :0 address and the given database,
// and returns its base URL and a function that stops it and returns run's
// error.
func startRun(t *testing.T, db string, extra ...string) (base string, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	args := append([]string{"prepay", "-addr", "127.0.0.1:0", "-db", db}, extra...)
	go func() {
		err := run(ctx, args, func(string) string { return "" }, pw, io.Discard)
		pw.Close()
		done <- err
	}()
	addr := listenAddr(pr)
	select {
	case a := <-addr:
		base = "http://" + a
	case err := <-done:
		cancel()
		t.Fatalf("run returned before listening: %v", err)
	case <-time.After(10 * time.Second):
		cancel()
		t.Fatal("run did not start listening within 10 s")
	}
	return base, func() error {
		cancel()
		return <-done
	}
}

// listenAddr reads a server's JSON log and sends the address of its
// "listening" line; it drains the rest, so the server never blocks on it.
func listenAddr(log io.Reader) <-chan string {
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(log)
		for sc.Scan() {
			var line struct{ Msg, Addr string }
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "listening" {
				addr <- line.Addr
			}
		}
		io.Copy(io.Discard, log) // the request log goes on after a long line too
	}()
	return addr
}

func TestRunServesAndStops(t *testing.T) {
	db := filepath.Join(t.TempDir(), "prepay.db")
	base, stop := startRun(t, db)

	tests := []struct {
		name, method, path string
		wantStatus         int
		wantCode           string
		wantAllow          string
	}{
		{name: "health", method: "GET", path: "/healthz", wantStatus: 200},
		{name: "ready", method: "GET", path: "/readyz", wantStatus: 200},
		{name: "unknown path", method: "GET", path: "/nowhere", wantStatus: 404, wantCode: "NOT_FOUND"},
		{name: "wrong method", method: "DELETE", path: "/healthz", wantStatus: 405, wantCode: "METHOD_NOT_ALLOWED", wantAllow: "GET, HEAD"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, base+tc.path, nil)
			req.Header.Set("X-Correlation-ID", "run-"+tc.name)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body struct{ Code, Status string }
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
				t.Fatalf("body is not JSON: %v", err)
			}
			got := []string{resp.Status[:3], body.Code, resp.Header.Get("Allow"),
				resp.Header.Get("Content-Type"), resp.Header.Get("X-Correlation-ID")}
			want := []string{strconv.Itoa(tc.wantStatus), tc.wantCode, tc.wantAllow,
				"application/json; charset=utf-8", "run-" + tc.name}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("status, code, Allow, Content-Type, X-Correlation-ID (-want +got):\n%s", diff)
			}
		})
	}

	if err := stop(); err != nil {
		t.Fatalf("run after cancel = %v, want nil", err)
	}
	// Closed cleanly: the file opens again at once, with its data.
	base, stop = startRun(t, db)
	resp, err := http.Get(base + "/readyz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("readyz after restart: %v %v", resp, err)
	}
	resp.Body.Close()
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

func TestRunRefusesLockedDatabase(t *testing.T) {
	db := filepath.Join(t.TempDir(), "prepay.db")
	_, stop := startRun(t, db)
	defer stop()

	start := time.Now()
	err := run(context.Background(), []string{"prepay", "-addr", "127.0.0.1:0", "-db", db},
		func(string) string { return "" }, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "locked by another process") {
		t.Fatalf("second run on the same file = %v, want a lock error", err)
	}
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("error is not one line: %q", err)
	}
	// Not a timing assertion on speed: a hang would never return at all.
	t.Logf("refused after %v", time.Since(start))
}

func TestRunRefusesBadStart(t *testing.T) {
	dir := t.TempDir()
	corrupt := filepath.Join(dir, "corrupt.db")
	garbage := []byte(strings.Repeat("not a bbolt file ", 1000))
	if err := os.WriteFile(corrupt, garbage, 0o600); err != nil {
		t.Fatal(err)
	}
	badData := filepath.Join(dir, "bad.json")
	os.WriteFile(badData, []byte(`{"businessUnits":[{"id":"jm"}]}`), 0o600)

	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		wantErr string
	}{
		{"corrupt file", []string{"-db", corrupt}, nil, "not a prepay database or corrupt"},
		{"directory", []string{"-db", dir}, nil, "is a directory"},
		{"missing data set", []string{"-db", filepath.Join(dir, "a.db"), "-data", filepath.Join(dir, "none.json")}, nil, "read data set"},
		{"bad data set from env", []string{"-db", filepath.Join(dir, "b.db")}, map[string]string{"PREPAY_DATA": badData}, "2–3 capital letters"},
		{"unwritable place", []string{"-db", filepath.Join(dir, "no", "such", "dir.db")}, nil, "open database"},
		{"stray argument", []string{"extra"}, nil, "unexpected argument"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"prepay", "-addr", "127.0.0.1:0"}, tc.args...)
			err := run(context.Background(), args, func(k string) string { return tc.env[k] }, io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("run = %v, want error containing %q", err, tc.wantErr)
			}
		})
	}
	after, _ := os.ReadFile(corrupt)
	if diff := cmp.Diff(garbage, after); diff != "" {
		t.Errorf("corrupt file was changed")
	}
}

// TestRunBusyPortLeavesNoFile starts a second server on a port in use: it
// fails, and creates no database file.
func TestRunBusyPortLeavesNoFile(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	db := filepath.Join(t.TempDir(), "new.db")
	err = run(context.Background(), []string{"prepay", "-addr", busy.Addr().String(), "-db", db},
		func(string) string { return "" }, io.Discard, io.Discard)
	if err == nil {
		t.Fatal("run on a busy port = nil, want an error")
	}
	if _, statErr := os.Stat(db); !os.IsNotExist(statErr) {
		t.Errorf("a database was created: %v", statErr)
	}
}

// TestRunKeepsFrozenClock freezes the sandbox clock in 2022, tops up with a
// key, restarts the server and retries the key: the clock is still frozen
// and the retry is a replay that credits nothing.
func TestRunKeepsFrozenClock(t *testing.T) {
	db := filepath.Join(t.TempDir(), "prepay.db")
	send := func(base, method, path, body string, header map[string]string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	const frozen = `{"now":"2022-11-08T05:25:18.000Z","frozen":true}`
	topup := amountTopup("18769990001", "5.00")
	hdr := topupHeaders("FIXED", "key-k")

	base, stop := startRun(t, db)
	if resp, body := send(base, "PUT", "/sandbox/v1/clock", `{"now":"2022-11-08T00:25:18-05:00"}`, asAdmin); resp.StatusCode != 200 || strings.TrimSpace(body) != frozen {
		t.Fatalf("freeze: %d %s", resp.StatusCode, body)
	}
	if resp, body := send(base, "POST", "/bot-ux/v1/JM/topupBalance", topup, hdr); resp.StatusCode != 200 {
		t.Fatalf("top-up: %d %s", resp.StatusCode, body)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}

	base, stop = startRun(t, db)
	defer stop()
	if resp, body := send(base, "GET", "/sandbox/v1/clock", "", asAdmin); strings.TrimSpace(body) != frozen {
		t.Errorf("clock after restart: %d %s, want %s", resp.StatusCode, body, frozen)
	}
	if resp, _ := send(base, "POST", "/bot-ux/v1/JM/topupBalance", topup, hdr); resp.StatusCode != 200 || resp.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("retry after restart: %d replayed=%q, want a replay", resp.StatusCode, resp.Header.Get("Idempotent-Replayed"))
	}
	_, svc := send(base, "GET", "/sandbox/v1/JM/services/18769990001", "", asAdmin)
	if !strings.Contains(svc, `"allowance":155.00`) {
		t.Errorf("service after the retry: %s, want allowance 155.00 (one credit)", svc)
	}
}
