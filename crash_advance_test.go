package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Shape of the advance crash test: services each with a weekly automatic
// top-up, advanced two years at once, so the advance applies thousands of
// credits in many batches.
const (
	advanceServices = 40
	advanceDays     = 730
	advanceFrom     = "2026-01-01T00:00:00Z"
)

// TestAdvanceCrash kills the real binary with SIGKILL in the middle of a
// large advance, restarts it on the same file and checks that the advance
// is finished by the restarted server on its own, with every period
// credited exactly once: none lost with the batch in flight, none repeated
// from a batch already committed.
func TestAdvanceCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary: skipped with -short")
	}
	bin := buildBinary(t)
	db := filepath.Join(t.TempDir(), "prepay.db")
	srv := startBinary(t, bin, db)

	send := func(method, path, body string, header ...string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.base+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		for k, v := range asAdmin {
			req.Header.Set(k, v)
		}
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := send("PUT", "/sandbox/v1/clock", `{"now": "`+advanceFrom+`"}`); code != http.StatusOK {
		t.Fatalf("PUT clock = %d %s", code, body)
	}
	for i := range advanceServices {
		no, product := fmt.Sprintf("1876700%04d", i), fmt.Sprintf("4700%04d", i)
		sub := `{"lob": "PREPAID", "accountNo": 1, "serviceInternalId": "` + product + `", "owningAccountInternalId": "1",
			"buckets": [{"id": "1", "usageType": "Currency", "allowance": 0.00, "expiry": "2026-01-31T00:00:00Z"}], "accumulators": []}`
		if code, body := send("PUT", "/sandbox/v1/JM/services/"+no, sub); code != http.StatusCreated {
			t.Fatalf("PUT service = %d %s", code, body)
		}
		auto := `{"product": {"id": "` + product + `"}, "amount": {"amount": 1.00}, "isAutoTopup": true, "recurringPeriod": "weekly"}`
		if code, body := send("POST", "/tmf-api/prepayBalanceManagement/v4/JM/topupBalance", auto, "Idempotency-Key", "auto-"+no); code != http.StatusCreated {
			t.Fatalf("auto top-up = %d %s", code, body)
		}
	}

	// Advance, and kill the server once the first batches have committed.
	answered := make(chan int, 1)
	go func() {
		code, _ := send("POST", "/sandbox/v1/clock/advance", fmt.Sprintf(`{"by": "%dd"}`, advanceDays))
		answered <- code
	}()
	seen := 0
	for deadline := time.Now().Add(30 * time.Second); seen <= 2 && time.Now().Before(deadline); {
		seen = credited(t, srv.base, "18767000000")
		time.Sleep(5 * time.Millisecond)
	}
	srv.kill(t)
	t.Logf("killed once %d of %d periods of the first service were credited", seen, 1+advanceDays/7)
	select {
	case code := <-answered:
		if code == http.StatusOK {
			t.Log("the advance ended before the kill; the restart has nothing to finish")
		}
	default:
	}
	checkFile(t, db)

	srv = startBinary(t, bin, db)
	want := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, advanceDays).Format("2006-01-02T15:04:05.000Z")
	for deadline := time.Now().Add(60 * time.Second); ; {
		var clk struct {
			Now    string
			Frozen bool
		}
		crashGet(t, srv.base+"/sandbox/v1/clock", &clk)
		if clk.Now == want && clk.Frozen {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the restarted server did not finish the advance: clock %+v, want frozen at %s", clk, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The first credit at once, then one each week: 104 weeks in 730 days.
	periods := 1 + advanceDays/7
	for i := range advanceServices {
		if got := credited(t, srv.base, fmt.Sprintf("1876700%04d", i)); got != periods {
			t.Errorf("service %d credited %d times, want %d", i, got, periods)
		}
	}
	if err := srv.terminate(); err != nil {
		t.Errorf("SIGTERM: %v, want exit status 0\n%s", err, srv.stderr.String())
	}
}

// credited returns how many 1.00 credits service no's primary balance
// holds.
func credited(t *testing.T, base, no string) int {
	t.Helper()
	var sub struct {
		Buckets []struct {
			Allowance json.Number
		}
	}
	crashGet(t, base+"/sandbox/v1/JM/services/"+no, &sub)
	var whole, cents int
	fmt.Sscanf(string(sub.Buckets[0].Allowance), "%d.%d", &whole, &cents)
	return whole
}
