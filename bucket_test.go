package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const tmfPath = "/tmf-api/prepayBalanceManagement/v4/"

// TestBucketGolden holds the answers of the bucket and accumulatedBalance
// routes, TMF630 queries and refusals included, to golden files.
func TestBucketGolden(t *testing.T) {
	s := newTestServer(t)
	tests := []struct {
		name, target string
		header       map[string]string
	}{
		{name: "list-seed-product", target: "JM/bucket?product.id=32970101"},
		{name: "list-expired", target: "JM/bucket?product.id=18769990002,32970253&status=expired&fields=name,status,validFor&limit=3"},
		{name: "list-filter-sort", target: "JM/bucket?product.id=32970253&usageType=Currency,mins&remainingValue.amount.gte=600.3&sort=-remainingValue.amount&fields=name,usageType,remainingValue"},
		{name: "list-fields-none", target: "JM/bucket?product.id=32970101&fields=none"},
		{name: "list-valid-until", target: "JM/bucket?validFor.endDateTime.lt=2026-12-01&fields=none&sort=validFor.endDateTime&offset=1&limit=2"},
		{name: "list-page-past-the-end", target: "JM/bucket?product.id=32970101&offset=9"},
		{name: "list-unknown-product", target: "JM/bucket?product.id=99999999"},
		{name: "list-unknown-attribute", target: "JM/bucket?product.id=32970101&colour=red"},
		{name: "list-unknown-operator", target: "JM/bucket?remainingValue.amount.ne=1"},
		{name: "list-bad-amount", target: "JM/bucket?remainingValue.amount.gt=1.005"},
		{name: "list-bad-time", target: "JM/bucket?validFor.endDateTime.gt=tomorrow"},
		{name: "list-alternatives-on-a-range", target: "JM/bucket?remainingValue.amount.gt=1,2"},
		{name: "list-unknown-field", target: "JM/bucket?fields=name,colour"},
		{name: "list-unknown-sort", target: "JM/bucket?sort=-colour"},
		{name: "list-limit-too-large", target: "JM/bucket?limit=1001"},
		{name: "get", target: "JM/bucket/32970101-1"},
		{name: "get-fields", target: "JM/bucket/32970101-32?fields=remainingValue,status"},
		{name: "get-unknown", target: "JM/bucket/32970101-99"},
		{name: "get-no-dash", target: "JM/bucket/32970101"},
		{name: "get-other-business-unit", target: "BTC/bucket/32970101-1"},
		{name: "get-filter-refused", target: "JM/bucket/32970101-1?status=active"},
		{name: "get-forbidden", target: "BTC/bucket/32970101-1", header: asSelfcare},
		{name: "get-no-scope", target: "JM/bucket/32970101-1", header: map[string]string{}},
		{name: "accumulated-list", target: "JM/accumulatedBalance?product.id=32970101"},
		{name: "accumulated-list-filter", target: "JM/accumulatedBalance?totalBalance.units=JMD&totalBalance.amount.gt=100&fields=totalBalance,bucket&sort=totalBalance.amount"},
		{name: "accumulated-get", target: "JM/accumulatedBalance/32970101-JMD"},
		{name: "accumulated-get-unknown", target: "JM/accumulatedBalance/32970101-BSD"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			header := tc.header
			if header == nil {
				header = asReadonly
			}
			rec := s.do(t, "GET", tmfPath+tc.target, with(header, "X-Correlation-ID", "bucket-"+tc.name), "")
			checkGolden(t, "bucket/"+tc.name, rec)
		})
	}
}

// TestHrefsResolve follows every href the server writes — in a top-up
// answer, in bucket and accumulatedBalance lists, and in what those hrefs
// lead to — and checks that each answers 200 with the resource whose id
// and href it gave.
func TestHrefsResolve(t *testing.T) {
	s := newTestServer(t)
	rec := s.topup(t, "JM", topupHeaders("PREPAID", "hrefs"), seedTopup)
	if rec.Code != http.StatusOK {
		t.Fatalf("seed 001 top-up: %d %s", rec.Code, rec.Body)
	}
	var topup struct {
		Bucket struct{ ID, Href string }
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &topup); err != nil {
		t.Fatal(err)
	}
	if topup.Bucket.ID != "1" {
		t.Errorf("top-up bucket.id = %q, want the seed's 1", topup.Bucket.ID)
	}
	queue := []string{topup.Bucket.Href,
		tmfPath + "JM/bucket?product.id=32970101,32970253",
		tmfPath + "JM/accumulatedBalance?product.id=32970101,32970253"}
	seen := map[string]bool{}
	for len(queue) > 0 {
		target := queue[0]
		queue = queue[1:]
		if seen[target] {
			continue
		}
		seen[target] = true
		rec := s.do(t, "GET", target, asReadonly, "")
		if rec.Code != http.StatusOK {
			t.Errorf("GET %s: %d %s", target, rec.Code, rec.Body)
			continue
		}
		var body any
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatalf("GET %s: %v", target, err)
		}
		if obj, ok := body.(map[string]any); ok && !strings.Contains(target, "?") && obj["href"] != target {
			t.Errorf("GET %s answered a resource whose href is %v", target, obj["href"])
		}
		var walk func(v any)
		walk = func(v any) {
			switch v := v.(type) {
			case map[string]any:
				if h, ok := v["href"].(string); ok {
					queue = append(queue, h)
				}
				for _, c := range v {
					walk(c)
				}
			case []any:
				for _, c := range v {
					walk(c)
				}
			}
		}
		walk(body)
	}
	if len(seen) < 10 {
		t.Errorf("followed only %d hrefs: %v", len(seen), seen)
	}
}

// TestBucketFiguresMatchBalances checks, after top-ups and usage, that
// every active bucket's remainingValue equals realTimeBalances' balance for
// it, and that each accumulated balance is the sum of its buckets'.
func TestBucketFiguresMatchBalances(t *testing.T) {
	s := newTestServer(t)
	const service, product = "18763187057", "32970101"
	steps := []struct {
		name string
		do   func() *http.Response
	}{
		{"as loaded", nil},
		{"seed top-up", func() *http.Response {
			return s.topup(t, "JM", topupHeaders("PREPAID", "fig-1"), seedTopup).Result()
		}},
		{"data usage past the allowance", func() *http.Response {
			return s.do(t, "POST", "/sandbox/v1/JM/services/"+service+"/usage", asAdmin, `{"bucketId":"32","amount":500.00}`).Result()
		}},
		{"money usage", func() *http.Response {
			return s.do(t, "POST", "/sandbox/v1/JM/services/"+service+"/usage", asAdmin, `{"bucketId":"1","amount":12.34}`).Result()
		}},
		{"amount top-up", func() *http.Response {
			return s.topup(t, "JM", topupHeaders("PREPAID", "fig-2"), amountTopup(service, "7.01")).Result()
		}},
	}
	for _, st := range steps {
		if st.do != nil {
			if resp := st.do(); resp.StatusCode != http.StatusOK {
				t.Fatalf("%s: status %d", st.name, resp.StatusCode)
			}
		}
		var balances struct {
			Balances []struct {
				CategoryName  string          `json:"categoryName"`
				BalanceAmount json.RawMessage `json:"balanceAmount"`
			}
		}
		rec := s.do(t, "GET", "/bot-ux/v2/JM/services/"+service+"/realTimeBalances", with(asReadonly, "lob", "PREPAID"), "")
		if err := json.Unmarshal(rec.Body.Bytes(), &balances); err != nil {
			t.Fatalf("%s: realTimeBalances: %v: %s", st.name, err, rec.Body)
		}
		want := map[string]string{}
		for _, b := range balances.Balances {
			want[b.CategoryName] = string(b.BalanceAmount)
		}
		var buckets []struct {
			Name           string
			Status         string
			RemainingValue struct{ Amount json.RawMessage }
		}
		rec = s.do(t, "GET", tmfPath+"JM/bucket?status=active&product.id="+product, asReadonly, "")
		if err := json.Unmarshal(rec.Body.Bytes(), &buckets); err != nil {
			t.Fatalf("%s: bucket: %v: %s", st.name, err, rec.Body)
		}
		got := map[string]string{}
		for _, b := range buckets {
			got[b.Name] = string(b.RemainingValue.Amount)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: balance by name (-realTimeBalances +bucket):\n%s", st.name, diff)
		}
	}
}
