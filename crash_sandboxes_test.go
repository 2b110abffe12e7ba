package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"prepay/money"
)

// TestCrashSandboxes runs the real binary with several sandboxes under
// concurrent top-ups and kills it with SIGKILL mid-load, twice: a sandbox
// made or deleted before the kill is made or gone after it, and in each
// sandbox every top-up — answered before the kill or not — credits exactly
// once when retried with its key after the restart: answered ones replay,
// and each sandbox's balance moved by its own top-ups alone.
func TestCrashSandboxes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary: skipped with -short")
	}
	const (
		sandboxes = 3
		perRound  = 40 // top-ups per sandbox per round
		workers   = 12
		fixedLine = "18769990001" // 150.00 JMD in the demo
	)
	bin := buildBinary(t)
	db := filepath.Join(t.TempDir(), "prepay.db")
	rng := rand.New(rand.NewPCG(*crashSeed, 1))
	client := &http.Client{}
	send := func(base, method, path string, h map[string]string, body string) (int, []byte, http.Header) {
		req, _ := http.NewRequest(method, base+path, bytes.NewReader([]byte(body)))
		req.Header.Set("Content-Type", "application/json")
		for k, v := range h {
			req.Header.Set(k, v)
		}
		resp, err := client.Do(req)
		if err != nil {
			return 0, nil, nil
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b, resp.Header
	}

	srv := startBinary(t, bin, db)
	var made []madeSandbox
	for i := range sandboxes + 1 {
		status, body, _ := send(srv.base, "POST", "/sandbox/v1/sandboxes", asAdmin, fmt.Sprintf(`{"name": "crash-%d"}`, i))
		var m madeSandbox
		if status != 201 || json.Unmarshal(body, &m) != nil {
			t.Fatalf("make sandbox: %d %s", status, body)
		}
		made = append(made, m)
	}
	doomed := made[sandboxes]
	made = made[:sandboxes]
	if status, body, _ := send(srv.base, "DELETE", "/sandbox/v1/sandboxes/"+doomed.ID, asAdmin, ""); status != 204 {
		t.Fatalf("delete sandbox: %d %s", status, body)
	}

	type topup struct {
		sandbox int
		key     string
		amount  money.Amount
		acked   bool
	}
	var all []*topup
	for round := range 2 {
		var reqs []*topup
		for i := range made {
			for n := range perRound {
				// Each sandbox its own amounts, so that a credit in the
				// wrong sandbox cannot add up.
				reqs = append(reqs, &topup{sandbox: i, key: fmt.Sprintf("r%d-s%d-%d", round, i, n),
					amount: money.Amount(100*(i+1) + n%7)})
			}
		}
		rng.Shuffle(len(reqs), func(a, b int) { reqs[a], reqs[b] = reqs[b], reqs[a] })
		killAt := int64(len(reqs)/4 + rng.IntN(len(reqs)/2))
		var answered atomic.Int64
		var next atomic.Int64
		var once sync.Once
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for i := next.Add(1) - 1; i < int64(len(reqs)); i = next.Add(1) - 1 {
					r := reqs[i]
					h := made[r.sandbox].as(t, "sandbox-admin", "lob", "FIXED", "X-Correlation-ID", r.key)
					status, _, _ := send(srv.base, "POST", "/bot-ux/v1/JM/topupBalance", h,
						fmt.Sprintf(`{"partyAccount":{"id":%q},"amount":{"amount":%s}}`, fixedLine, r.amount))
					if status == 200 {
						r.acked = true
					}
					if answered.Add(1) >= killAt {
						once.Do(func() { srv.kill(t) })
						return
					}
				}
			})
		}
		wg.Wait()
		once.Do(func() { srv.kill(t) })
		all = append(all, reqs...)
		srv = startBinary(t, bin, db)

		// The deleted sandbox stays deleted; the made ones are there.
		if status, _, _ := send(srv.base, "DELETE", "/sandbox/v1/sandboxes/"+doomed.ID, asAdmin, ""); status != 404 {
			t.Errorf("round %d: deleted sandbox after the kill: %d, want 404", round, status)
		}
		// Every top-up retried: an answered one replays, the rest credit
		// now or replay a commit whose answer was lost.
		for _, r := range reqs {
			h := made[r.sandbox].as(t, "sandbox-admin", "lob", "FIXED", "X-Correlation-ID", r.key)
			status, body, hdr := send(srv.base, "POST", "/bot-ux/v1/JM/topupBalance", h,
				fmt.Sprintf(`{"partyAccount":{"id":%q},"amount":{"amount":%s}}`, fixedLine, r.amount))
			if status != 200 || (r.acked && hdr.Get("Idempotent-Replayed") != "true") {
				t.Fatalf("round %d: retry of %s (answered before the kill: %v): %d replayed=%q %s",
					round, r.key, r.acked, status, hdr.Get("Idempotent-Replayed"), body)
			}
		}
	}

	for i, m := range made {
		want := money.MustParse("150.00")
		for _, r := range all {
			if r.sandbox == i {
				want += r.amount
			}
		}
		_, body, _ := send(srv.base, "GET", "/sandbox/v1/JM/services/"+fixedLine, m.as(t, "sandbox-admin"), "")
		var sub struct {
			Buckets []struct{ Allowance money.Amount }
		}
		if err := json.Unmarshal(body, &sub); err != nil || len(sub.Buckets) == 0 {
			t.Fatalf("sandbox %s: %s", m.ID, body)
		}
		if got := sub.Buckets[0].Allowance; got != want {
			t.Errorf("sandbox %s: allowance %s, want %s: every top-up of its own once", m.ID, got, want)
		}
	}
	_, body, _ := send(srv.base, "GET", "/sandbox/v1/JM/services/"+fixedLine, asAdmin, "")
	if !bytes.Contains(body, []byte(`"allowance":150.00`)) {
		t.Errorf("the default sandbox changed: %s", body)
	}
	if err := srv.terminate(); err != nil {
		t.Errorf("SIGTERM: %v\n%s", err, srv.stderr)
	}
}
