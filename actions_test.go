package main

import (
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"prepay/money"
	"prepay/storage"
)

const tmfJM = "/tmf-api/prepayBalanceManagement/v4/JM/"

// Demo services of the action tests: seed 002's (600.31 JMD) and seed
// 001's (22.59 JMD with a 2.00 loan).
const (
	svcRich = "18765544355"
	svcLoan = "18763187057"
)

func transferBody(from, to, amount string) string {
	return fmt.Sprintf(`{"logicalResource":{"value":%q},"receiverLogicalResource":[{"@type":"MSISDN","value":%q}],"amount":{"amount":%s}}`, from, to, amount)
}

// TestActionsGolden walks each action route and each refusal, one golden
// file per response, on one server in order.
func TestActionsGolden(t *testing.T) {
	s := newTestServer(t)
	tests := []struct {
		name, method, path, body string
		header                   map[string]string
		want                     int
	}{
		{"transfer", "POST", "transferBalance", transferBody(svcRich, svcLoan, "20.00"), asSelfcare, 201},
		{"transfer-read", "GET", "transferBalance/1?fields=status,amount,transferCost", "", asSelfcare, 200},
		{"transfer-below-minimum", "POST", "transferBalance", transferBody(svcRich, svcLoan, "14.99"), asSelfcare, 422},
		{"transfer-to-itself", "POST", "transferBalance", transferBody(svcRich, svcRich, "20.00"), asSelfcare, 422},
		{"transfer-short", "POST", "transferBalance", transferBody(svcLoan, svcRich, "40.00"), asSelfcare, 422},
		{"transfer-day-total", "POST", "transferBalance", transferBody(svcRich, svcLoan, "19980.01"), asSelfcare, 422},
		{"transfer-no-receiver", "POST", "transferBalance", `{"product":{"id":"32970253"},"amount":{"amount":20}}`, asSelfcare, 400},
		{"adjust-no-scope", "POST", "adjustBalance", `{"product":{"id":"32970253"},"amount":{"amount":5},"reason":"goodwill"}`, asSelfcare, 403},
		{"adjust-debit", "POST", "adjustBalance", `{"product":{"id":"32970253"},"amount":{"amount":-10.00},"reason":"goodwill"}`, asAdmin, 201},
		{"adjust-no-reason", "POST", "adjustBalance", `{"product":{"id":"32970253"},"amount":{"amount":5}}`, asAdmin, 400},
		{"adjust-wrong-account", "POST", "adjustBalance", `{"product":{"id":"32970253"},"partyAccount":{"id":"1"},"amount":{"amount":5},"reason":"x"}`, asAdmin, 422},
		{"adjust-cancel", "PATCH", "adjustBalance/2", `{"status":"cancelled"}`, asAdmin, 200},
		{"adjust-cancel-again", "PATCH", "adjustBalance/2", `{"status":"cancelled"}`, asAdmin, 409},
		{"reserve", "POST", "reserveBalance", `{"product":{"id":"32970253"},"amount":{"amount":500.00}}`, asSelfcare, 201},
		{"reserved-bucket", "GET", "bucket/32970253-1?fields=remainingValue,reservedValue", "", asSelfcare, 200},
		{"transfer-past-hold", "POST", "transferBalance", transferBody(svcRich, svcLoan, "100.00"), asSelfcare, 422},
		{"reserve-spend", "PATCH", "reserveBalance/3", `{"status":"completed"}`, asSelfcare, 200},
		{"reserve-release-spent", "DELETE", "reserveBalance/3", "", asSelfcare, 409},
		{"topup", "POST", "topupBalance", `{"logicalResource":{"value":"18763187057"},"voucher":"89742282598199"}`, asSelfcare, 201},
		{"topup-cancel", "PATCH", "topupBalance/4", `{"status":"cancelled"}`, asSelfcare, 200},
		{"topups", "GET", "topupBalance?product.id=32970101&fields=status,amount,voucher", "", asSelfcare, 200},
		{"unknown-action", "GET", "reserveBalance/99", "", asSelfcare, 404},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := s.do(t, tc.method, tmfJM+tc.path, with(tc.header, "X-Correlation-ID", "actions-"+tc.name), tc.body)
			if rec.Code != tc.want {
				t.Fatalf("%s %s = %d, want %d: %s", tc.method, tc.path, rec.Code, tc.want, rec.Body)
			}
			checkGolden(t, "actions/"+tc.name, rec)
		})
	}
}

// TestActionsIdempotent: a repeat of each POST with its key answers the
// first response, marked, and changes nothing; the key with another body
// is refused.
func TestActionsIdempotent(t *testing.T) {
	s := newTestServer(t)
	for _, tc := range []struct{ path, body, other string }{
		{"transferBalance", transferBody(svcRich, svcLoan, "20.00"), transferBody(svcRich, svcLoan, "21.00")},
		{"adjustBalance", `{"product":{"id":"32970253"},"amount":{"amount":3},"reason":"a"}`, `{"product":{"id":"32970253"},"amount":{"amount":4},"reason":"a"}`},
		{"reserveBalance", `{"product":{"id":"32970253"},"amount":{"amount":3}}`, `{"product":{"id":"32970253"},"amount":{"amount":4}}`},
		{"topupBalance", `{"product":{"id":"32970253"},"amount":{"amount":3}}`, `{"product":{"id":"32970253"},"amount":{"amount":4}}`},
	} {
		t.Run(tc.path, func(t *testing.T) {
			h := with(asAdmin, "Idempotency-Key", "k-"+tc.path)
			first := s.do(t, "POST", tmfJM+tc.path, h, tc.body)
			before := s.subscriber(t, "JM", svcRich)
			again := s.do(t, "POST", tmfJM+tc.path, h, tc.body)
			if diff := cmp.Diff(first.Body.String(), again.Body.String()); diff != "" || again.Code != 201 || again.Header().Get("Idempotent-Replayed") != "true" {
				t.Errorf("replay = %d %q (-first +again):\n%s", again.Code, again.Header().Get("Idempotent-Replayed"), diff)
			}
			if again.Header().Get("Location") != first.Header().Get("Location") {
				t.Errorf("replay Location %q, want %q", again.Header().Get("Location"), first.Header().Get("Location"))
			}
			if diff := cmp.Diff(before, s.subscriber(t, "JM", svcRich)); diff != "" {
				t.Errorf("a replay changed the service (-before +after):\n%s", diff)
			}
			if rec := s.do(t, "POST", tmfJM+tc.path, h, tc.other); rec.Code != http.StatusUnprocessableEntity {
				t.Errorf("same key, other body = %d, want 422", rec.Code)
			}
		})
	}
}

// TestActionsConcurrent: goroutines transfer both ways between three
// services while others top up and reserve; afterwards money is
// conserved (balances + fees = start + top-ups), nothing is negative and
// no hold is spent twice.
func TestActionsConcurrent(t *testing.T) {
	s := newTestServer(t)
	svcs := []string{svcRich, svcLoan, "18769990001"}
	sum := func() money.Amount {
		var total money.Amount
		for _, n := range svcs {
			sub := s.subscriber(t, "JM", n)
			for _, b := range sub.Buckets {
				if b.Units != "JMD" || !b.Active(testNow) {
					continue
				}
				if b.Type == storage.BucketLoan {
					total -= b.Balance() // owed
				} else {
					total += b.Balance()
				}
			}
		}
		return total
	}
	start := sum()
	var (
		wg                sync.WaitGroup
		mu                sync.Mutex
		fees, topups      money.Amount
		spent             = map[string]int{}
		transfers, refuse int
	)
	for g := 0; g < 50; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 4; i++ {
				from, to := svcs[(g+i)%3], svcs[(g+i+1+g%2)%3]
				switch g % 5 {
				case 3:
					rec := s.do(t, "POST", tmfJM+"topupBalance", asAdmin, fmt.Sprintf(`{"logicalResource":{"value":%q},"amount":{"amount":1.00}}`, from))
					if rec.Code == 201 {
						mu.Lock()
						topups += 100
						mu.Unlock()
					}
				case 4:
					rec := s.do(t, "POST", tmfJM+"reserveBalance", asAdmin, fmt.Sprintf(`{"logicalResource":{"value":%q},"amount":{"amount":2.00}}`, from))
					if rec.Code == 201 {
						loc := rec.Header().Get("Location")
						for k := 0; k < 2; k++ {
							if r := s.do(t, "PATCH", loc, asAdmin, `{"status":"cancelled"}`); r.Code == 200 {
								mu.Lock()
								spent[loc]++
								mu.Unlock()
							}
						}
					}
				default:
					rec := s.do(t, "POST", tmfJM+"transferBalance", asAdmin, transferBody(from, to, "15.00"))
					mu.Lock()
					if rec.Code == 201 {
						transfers++
						fees += 500
					} else {
						refuse++
					}
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if got, want := sum()+fees, start+topups; got != want {
		t.Errorf("balances + fees = %s, want start %s + top-ups %s = %s", got, start, topups, want)
	}
	for loc, n := range spent {
		if n != 1 {
			t.Errorf("%s released %d times", loc, n)
		}
	}
	for _, n := range svcs {
		for _, b := range s.subscriber(t, "JM", n).Buckets {
			if b.Balance() < 0 || b.Charges < 0 || b.Allowance < 0 || len(b.Holds) != 0 {
				t.Errorf("service %s bucket %s: %+v", n, b.ID, b)
			}
		}
	}
	t.Logf("transfers %d, refused %d (limits), fees %s, top-ups %s", transfers, refuse, fees, topups)
}
