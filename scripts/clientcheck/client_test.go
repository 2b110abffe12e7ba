// Package clientcheck proves that the Go client oapi-codegen generates from
// prepay's /openapi.json, with default options, compiles and talks to the
// real server: it builds prepay, starts it on a temp database and uses the
// client for a top-up, the balances and the history, keeping cents.
package clientcheck

import (
	"bufio"
	"context"
	"encoding/json"
	"math"
	"net/http"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"clientcheck/client"
)

// startPrepay builds prepay from the repository root, starts it on a temp
// database and a loopback port, and returns its base URL.
func startPrepay(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "prepay")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = filepath.Join("..", "..")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build prepay: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "-addr", "127.0.0.1:0", "-db", filepath.Join(dir, "prepay.db"))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			var line struct{ Msg, Addr string }
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "listening" {
				addr <- line.Addr
			}
		}
	}()
	select {
	case a := <-addr:
		return "http://" + a
	case <-time.After(20 * time.Second):
		t.Fatal("prepay did not start listening within 20 s")
		return ""
	}
}

// cents turns a decoded amount into integer hundredths: a float64 holds
// every two-decimal amount up to 1,000,000,000.00 closely enough to round
// back to the exact cents; a float32 would not (131072.01 → 131072.02).
func cents(f float64) int64 { return int64(math.Round(f * 100)) }

func TestGeneratedClient(t *testing.T) {
	base := startPrepay(t)
	creds := func(ctx context.Context, req *http.Request) error {
		req.Header.Set("client_id", "sandbox-admin")
		req.Header.Set("client_secret", "sandbox-admin-secret")
		return nil
	}
	c, err := client.NewClientWithResponses(base, client.WithRequestEditorFn(creds))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	// Seed 000: accountNo is an integer both ways.
	account := client.AccountNo(190071170000)
	seed, err := c.RealTimeBalancesWithResponse(ctx, "v1", "KY", "13459170552",
		&client.RealTimeBalancesParams{AccountNo: &account, Lob: client.POSTPAID})
	if err != nil {
		t.Fatal(err)
	}
	if seed.JSON200 == nil {
		t.Fatalf("seed 000: %d %s", seed.StatusCode(), seed.Body)
	}
	if seed.JSON200.AccountNo != account || len(seed.JSON200.Balances) != 1 || cents(seed.JSON200.Balances[0].BalanceAmount) != 5993 {
		t.Errorf("seed 000 = %+v, want account %d and one balance of 59.93", *seed.JSON200, account)
	}

	// The FIXED demo line: 150.00 JMD, then a top-up of 131072.01.
	fixed := client.AccountNo(187699900001)
	balance := func() int64 {
		t.Helper()
		r, err := c.RealTimeBalancesWithResponse(ctx, "v1", "JM", "18769990001",
			&client.RealTimeBalancesParams{AccountNo: &fixed, Lob: client.FIXED})
		if err != nil || r.JSON200 == nil {
			t.Fatalf("balances: %v %s", err, r.Body)
		}
		for _, b := range r.JSON200.Balances {
			if b.CategoryName == "Primary Balance" {
				return cents(b.BalanceAmount)
			}
		}
		t.Fatalf("no primary balance in %s", r.Body)
		return 0
	}
	before := balance()
	units := client.Units("JMD")
	top, err := c.TopupBalanceWithResponse(ctx, "JM",
		&client.TopupBalanceParams{Lob: client.FIXED, XCorrelationID: "clientcheck-1"},
		client.TopupBalanceJSONRequestBody{
			PartyAccount: client.PartyAccount{Id: "18769990001"},
			Amount:       &client.TopupAmount{Amount: 131072.01, Units: &units},
		})
	if err != nil {
		t.Fatal(err)
	}
	if top.JSON200 == nil {
		t.Fatalf("top-up: %d %s", top.StatusCode(), top.Body)
	}
	if got := cents(top.JSON200.Amount.Amount); got != 13107201 {
		t.Errorf("top-up credited %d hundredths, want 13107201", got)
	}
	if got, want := cents(top.JSON200.Bucket.RemainingValue.Amount), before+13107201; got != want {
		t.Errorf("remainingValue = %d hundredths, want %d", got, want)
	}
	if got, want := balance(), before+13107201; got != want {
		t.Errorf("balance after = %d hundredths, want %d", got, want)
	}

	// The history shows the same top-up, to the cent.
	today := time.Now().Add(-48 * time.Hour).Format("2006-01-02")
	later := time.Now().Add(48 * time.Hour).Format("2006-01-02")
	hist, err := c.BalanceActionHistoryWithResponse(ctx, "JM", &client.BalanceActionHistoryParams{
		ProductId: "32970301", DateTimeGte: today, DateTimeLte: later, Type: client.ActionTypeTopupBalance,
	})
	if err != nil {
		t.Fatal(err)
	}
	if hist.JSON200 == nil || len(*hist.JSON200) != 1 {
		t.Fatalf("history: %d %s", hist.StatusCode(), hist.Body)
	}
	if got := cents((*hist.JSON200)[0].Amount.Amount); got != 13107201 {
		t.Errorf("history amount = %d hundredths, want 13107201", got)
	}

	// An error decodes into Error, its code one of ErrorCode's names.
	bad, err := c.RealTimeBalancesWithResponse(ctx, "v1", "KY", "13459170552",
		&client.RealTimeBalancesParams{AccountNo: &account, Lob: client.Lob("prepay")})
	if err != nil {
		t.Fatal(err)
	}
	if bad.JSON400 == nil || bad.JSON400.Code != client.ErrorCodeInvalidLob {
		t.Errorf("lob prepay: %d %s, want 400 INVALID_LOB", bad.StatusCode(), bad.Body)
	}
}
