package topup

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"prepay/auth"
	"prepay/counters"
	"prepay/money"
	"prepay/storage/storagetest"
	"prepay/tmf"
)

// fuzzSeeds are bodies the fuzzer starts from: seed 001's request (without
// its trailing comma), top-ups of each kind the demo allows, and bodies
// refused for each reason the body can give.
var fuzzSeeds = []string{
	`{"voucher": "89742282598199", "amount": {"amount": 1, "units": "JMD"},
	  "partyAccount": {"id": "18763187057", "@type": "subscriberNumber"},
	  "bucket": {"id": "1", "href": "https://esb-dev.lla.com/prepayBalanceManagement/v4/bucket/1",
	    "description": "Primary Balance", "name": "Primary Balance", "@baseType": "BucketBalance", "@type": "Core"}}`,
	`{"partyAccount":{"id":"18763187057"},"amount":{"amount":1.50,"units":"JMD"}}`,
	`{"partyAccount":{"id":"18769990002"},"amount":{"amount":10}}`,
	`{"partyAccount":{"id":"18763187057"},"voucher":"11112222333344"}`,
	`{"partyAccount":{"id":"18763187057"},"voucher":"55556666777788"}`,
	`{"partyAccount":{"id":"18765550199"},"amount":{"amount":1}}`,
	`{"partyAccount":{"id":"18763187057"},"amount":{"amount":1},"bucket":{"id":"21"}}`,
	`{"partyAccount":{"id":"18763187057"},"amount":{"amount":1},"bucket":{"id":"32"}}`,
	`{"partyAccount":{"id":"18763187057"},"amount":{"amount":92233720368547758.07}}`,
	`{"partyAccount":{"id":"18763187057"},"amount":{"amount":1.005,"units":"USD"}}`,
	`{"partyAccount":{"id":"18763187057","@type":"msisdn"},"voucher":"8974-2282"}`,
	`{"partyAccount":{"id":"18763187057"},"amount":{"amount":1},"bucket":{"id":""}}`,
	`{"partyAccount":{"id":"18763187057"},"amount":{"amount":1e2}} {}`,
	`{"voucher":89742282598199}`,
	`null`, `[]`, ``, `{`, `"\ud800"`,
}

// FuzzBody sends raw bodies to the endpoint as routes.go mounts it —
// behind the correlation middleware and the credentials check, on a store
// loaded with the demo data set — each with a correlation id of its own,
// so that every body reaches the transaction. The endpoint must never
// panic nor answer 500: a 200 with a top-up, or a 4xx in TMF630 shape.
// Bodies that credit change the store the next ones meet, as a client's
// would.
func FuzzBody(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	h := fuzzHandler(f)
	var n atomic.Uint64
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest("POST", "/bot-ux/v1/JM/topupBalance", bytes.NewReader(body))
		req.Header.Set("client_id", "sandbox-admin")
		req.Header.Set("client_secret", "sandbox-admin-secret")
		req.Header.Set("lob", "PREPAID")
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Correlation-ID", "fuzz-"+strconv.FormatUint(n.Add(1), 10))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if err := checkAnswer(rec); err != "" {
			t.Fatalf("body %q: %s\n%d %s", body, err, rec.Code, rec.Body)
		}
	})
}

// checkAnswer says what is wrong with a top-up's answer, or "".
func checkAnswer(rec *httptest.ResponseRecorder) string {
	switch rec.Code {
	case http.StatusOK, http.StatusBadRequest, http.StatusNotFound, http.StatusConflict,
		http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType, http.StatusUnprocessableEntity:
	default:
		return "unexpected status"
	}
	if ct := rec.Header().Get("Content-Type"); ct != tmf.ContentType {
		return "Content-Type " + ct
	}
	if rec.Code == http.StatusOK {
		var ok struct {
			Amount struct {
				Amount money.Amount
				Units  string
			}
			Bucket struct{ ID string }
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &ok); err != nil {
			return "200 body: " + err.Error()
		}
		if ok.Amount.Amount <= 0 || ok.Amount.Units != "JMD" || ok.Bucket.ID == "" {
			return "200 without a positive JMD amount and a bucket"
		}
		return ""
	}
	var e struct {
		Code, Reason, Message, Status string
		Type                          string `json:"@type"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil {
		return "error body: " + err.Error()
	}
	if e.Code == "" || e.Reason == "" || e.Message == "" || e.Type != "Error" || e.Status != strconv.Itoa(rec.Code) {
		return "not a TMF630 error"
	}
	return ""
}

// fuzzHandler returns the endpoint as routes.go mounts it, on a store in a
// temp dir loaded with the demo data set at a fixed time.
func fuzzHandler(tb testing.TB) http.Handler {
	tb.Helper()
	store := storagetest.Demo(tb, time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC))
	guard, err := auth.New(store, time.Now)
	if err != nil {
		tb.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("POST /bot-ux/v1/{businessId}/topupBalance", guard.Require(auth.ScopeTopup, Handler(counters.New())))
	return tmf.Correlate(slog.New(slog.NewJSONHandler(io.Discard, nil)))(mux)
}
