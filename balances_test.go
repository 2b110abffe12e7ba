package main

import (
	"net/http"
	"regexp"
	"testing"
)

// balancesPath is the realTimeBalances URL of a service.
func balancesPath(version, bu, serviceNo, query string) string {
	p := "/bot-ux/" + version + "/" + bu + "/services/" + serviceNo + "/realTimeBalances"
	if query != "" {
		p += "?" + query
	}
	return p
}

func TestBalances(t *testing.T) {
	const (
		seedService = "13459170552"
		seedAccount = "accountNo=190071170000"
	)
	seed := with(asAdmin, "lob", "POSTPAID", "X-Correlation-ID", "corr-balances")
	tests := []struct {
		name       string
		target     string
		header     map[string]string
		wantStatus int
	}{
		// Seed 000, replayed as the operator's page shows it.
		{"seed", balancesPath("v1", "KY", seedService, seedAccount), seed, 200},
		{"v2", balancesPath("v2", "KY", seedService, ""), seed, 200},
		{"v2 ignores query", balancesPath("v2", "KY", seedService, "accountNo=1&dataBalancesOnly=maybe"), seed, 200},
		{"data only", balancesPath("v1", "KY", "13459170553", "accountNo=190071170001&dataBalancesOnly=true"), seed, 200},
		{"overage", balancesPath("v1", "KY", "13459170553", "accountNo=190071170001&dataBalancesOnly=false"), seed, 200},
		{"all expired", balancesPath("v1", "JM", "18769990002", "accountNo=187699900002"),
			with(asReadonly, "lob", "PREPAID", "X-Correlation-ID", "corr-balances"), 200},
		{"correlation id spelling of the page", balancesPath("v1", "KY", seedService, seedAccount),
			with(asAdmin, "lob", "POSTPAID", "Correlation-ID", "644e1dd7-2a7f-18fb-b8ed-ed78c3F92c2b"), 200},

		{"missing credentials", balancesPath("v1", "KY", seedService, seedAccount),
			map[string]string{"lob": "POSTPAID", "X-Correlation-ID": "corr-balances"}, 401},
		{"wrong secret", balancesPath("v1", "KY", seedService, seedAccount),
			with(seed, "client_secret", "not-the-secret"), 401},
		{"forbidden business unit", balancesPath("v1", "KY", seedService, seedAccount),
			with(asSelfcare, "lob", "POSTPAID", "X-Correlation-ID", "corr-balances"), 403},
		{"missing lob", balancesPath("v1", "KY", seedService, seedAccount),
			with(asAdmin, "X-Correlation-ID", "corr-balances"), 400},
		{"invalid lob", balancesPath("v1", "KY", seedService, seedAccount), with(seed, "lob", "postpaid"), 400},
		{"lob mismatch", balancesPath("v1", "KY", seedService, seedAccount), with(seed, "lob", "PREPAID"), 404},
		{"unsupported version", balancesPath("v3", "KY", seedService, seedAccount), seed, 404},
		{"missing accountNo", balancesPath("v1", "KY", seedService, ""), seed, 400},
		{"empty accountNo", balancesPath("v1", "KY", seedService, "accountNo="), seed, 400},
		{"invalid dataBalancesOnly", balancesPath("v1", "KY", seedService, seedAccount+"&dataBalancesOnly=yes"), seed, 400},
		{"account mismatch", balancesPath("v1", "KY", seedService, "accountNo=190071170001"), seed, 404},
		{"unknown service", balancesPath("v1", "KY", "13459170559", seedAccount), seed, 404},
		{"invalid businessId", balancesPath("v1", "ky", seedService, seedAccount), seed, 400},
		{"unknown businessId", balancesPath("v1", "XX", seedService, seedAccount), seed, 404},
		{"wrong method", balancesPath("v1", "KY", seedService, seedAccount), seed, 405},
	}
	s := newTestServer(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			method := http.MethodGet
			if tc.wantStatus == http.StatusMethodNotAllowed {
				method = http.MethodPost
			}
			rec := s.do(t, method, tc.target, tc.header, "")
			if rec.Code != tc.wantStatus {
				t.Errorf("status = %d, want %d\n%s", rec.Code, tc.wantStatus, rec.Body)
			}
			checkGolden(t, "balances/"+goldenName(tc.name), rec)
		})
	}
}

// goldenName turns a case name into a file name.
func goldenName(name string) string {
	b := []byte(name)
	for i, c := range b {
		if c == ' ' {
			b[i] = '_'
		}
	}
	return string(b)
}

func TestBalancesCorrelationID(t *testing.T) {
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	tests := []struct {
		name   string
		header map[string]string
		want   string // "" means a UUID made by the server
	}{
		{"X-Correlation-ID echoed", map[string]string{"X-Correlation-ID": "corr-x"}, "corr-x"},
		{"Correlation-ID echoed", map[string]string{"Correlation-ID": "corr-plain"}, "corr-plain"},
		{"X-Correlation-ID wins over Correlation-ID", map[string]string{"X-Correlation-ID": "corr-x", "Correlation-ID": "corr-plain"}, "corr-x"},
		{"made when absent", map[string]string{}, ""},
	}
	s := newTestServer(t)
	target := balancesPath("v1", "KY", "13459170552", "accountNo=190071170000")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := with(asAdmin, "lob", "POSTPAID")
			for k, v := range tc.header {
				h[k] = v
			}
			rec := s.do(t, http.MethodGet, target, h, "")
			if rec.Code != http.StatusOK {
				t.Fatalf("status = %d, want 200\n%s", rec.Code, rec.Body)
			}
			got := rec.Header().Get("X-Correlation-ID")
			if tc.want == "" && !uuid.MatchString(got) {
				t.Errorf("X-Correlation-ID = %q, want a made UUID", got)
			}
			if tc.want != "" && got != tc.want {
				t.Errorf("X-Correlation-ID = %q, want %q", got, tc.want)
			}
		})
	}
}

// BenchmarkRealTimeBalances measures a request through the whole stack —
// middleware, credentials, one bbolt read, encoding — for seed 000's
// one-bucket service and for the demo's largest service (31 buckets, 9
// accumulators, most buckets expired).
func BenchmarkRealTimeBalances(b *testing.B) {
	s := newTestServer(b)
	benches := []struct {
		name, target, lob string
	}{
		{"seed000", balancesPath("v1", "KY", "13459170552", "accountNo=190071170000"), "POSTPAID"},
		{"31buckets", balancesPath("v2", "JM", "18765544355", ""), "PREPAID"},
	}
	for _, bc := range benches {
		b.Run(bc.name, func(b *testing.B) {
			header := with(asReadonly, "lob", bc.lob, "X-Correlation-ID", "bench")
			b.ReportAllocs()
			for b.Loop() {
				if rec := s.do(b, http.MethodGet, bc.target, header, ""); rec.Code != http.StatusOK {
					b.Fatalf("status %d: %s", rec.Code, rec.Body)
				}
			}
		})
	}
}
