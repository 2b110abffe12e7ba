package bucket

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"

	"prepay/auth"
	"prepay/money"
	"prepay/storage"
	"prepay/storage/storagetest"
	"prepay/tmf"
)

// testNow is the fixed clock the tests load the demo data set at.
var testNow = time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)

// newServer returns a store loaded with the demo data set and the bucket
// list behind the real credentials check, as routes.go mounts it.
func newServer(tb testing.TB) (*storage.Store, http.Handler) {
	tb.Helper()
	store := storagetest.Demo(tb, testNow)
	guard, err := auth.New(store, time.Now)
	if err != nil {
		tb.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /tmf-api/prepayBalanceManagement/v4/{businessId}/bucket", guard.Require(auth.ScopeBalances, List()))
	return store, mux
}

func getList(h http.Handler, bu, query string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("GET", "/tmf-api/prepayBalanceManagement/v4/"+bu+"/bucket?"+query, nil)
	req.Header.Set("client_id", "sandbox-admin")
	req.Header.Set("client_secret", "sandbox-admin-secret")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// known is what the brute-force evaluation knows of one bucket.
type known struct {
	serviceNo, product, id, usageType string
	balance                           int64 // hundredths
	expiry                            int64 // unix milliseconds
	active                            bool
}

// TestListMatchesBruteForce fills a business unit with random services —
// internal ids that are prefixes of each other, buckets of random figures
// and expiries, some expired — and checks random filter, sort and page
// combinations through the handler against a plain evaluation of the same
// buckets.
func TestListMatchesBruteForce(t *testing.T) {
	store, h := newServer(t)
	rng := rand.New(rand.NewPCG(654, 15))
	usages := []string{"Currency", "MB", "SMS", "mins"}
	products := []string{"7", "70", "71", "700", "8"}
	// The demo set's JM services are replaced: the test knows every bucket.
	if err := store.Default().Update(func(tx *storage.Tx) error {
		subs, err := tx.Subscribers("JM")
		for _, s := range subs {
			if err := tx.DeleteSubscriber("JM", s.ServiceNo); err != nil {
				return err
			}
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	var all []known
	for i, p := range products {
		sub := storage.Subscriber{BusinessID: "JM", ServiceNo: "1876500000" + strconv.Itoa(i), LOB: tmf.LOBPrepaid,
			ServiceInternalID: p, OwningAccountInternalID: "A" + p}
		for j := range 3 + rng.IntN(10) {
			b := storage.Bucket{ID: strconv.Itoa(j + 1), Name: fmt.Sprintf("b%d-%d", i, j), Type: storage.BucketCore,
				UsageType: usages[rng.IntN(len(usages))], Units: "U",
				Allowance: money.Amount(rng.Int64N(5000)), Charges: money.Amount(rng.Int64N(3000)),
				Expiry: testNow.Add(time.Duration(rng.Int64N(40*24)-10*24) * time.Hour).Truncate(time.Millisecond)}
			sub.Buckets = append(sub.Buckets, b)
			// An expired bucket has nothing remaining.
			remaining := int64(0)
			if b.Active(testNow) {
				remaining = b.Balance().Hundredths()
			}
			all = append(all, known{sub.ServiceNo, p, p + "-" + b.ID, b.UsageType, remaining,
				b.Expiry.UnixMilli(), b.Active(testNow)})
		}
		if err := store.Default().Update(func(tx *storage.Tx) error { return tx.PutSubscriber(sub) }); err != nil {
			t.Fatal(err)
		}
	}
	// all is in the list's default order: service number, then bucket order.

	for i := range 500 {
		q := url.Values{}
		want := slices.Clone(all)
		keep := func(ok func(known) bool) {
			want = slices.DeleteFunc(want, func(k known) bool { return !ok(k) })
		}
		if rng.IntN(2) == 0 {
			ps := []string{products[rng.IntN(len(products))], products[rng.IntN(len(products))], "9"}
			q.Set("product.id", strings.Join(ps[:1+rng.IntN(3)], ","))
			keep(func(k known) bool { return slices.Contains(strings.Split(q.Get("product.id"), ","), k.product) })
		}
		if rng.IntN(3) == 0 {
			op := []string{"eq", "gt", "gte", "lt", "lte"}[rng.IntN(5)]
			v := rng.Int64N(5000)
			if len(want) > 0 && rng.IntN(3) == 0 {
				v = want[rng.IntN(len(want))].balance
			}
			q.Set("remainingValue.amount."+op, money.Amount(v).String())
			keep(func(k known) bool { return holds(cmpOp(op), cmp.Compare(k.balance, v)) })
		}
		if rng.IntN(3) == 0 {
			us := []string{usages[rng.IntN(len(usages))], usages[rng.IntN(len(usages))]}
			q.Set("usageType", strings.Join(us, ","))
			keep(func(k known) bool { return slices.Contains(us, k.usageType) })
		}
		if rng.IntN(3) == 0 {
			st := []string{"active", "expired"}[rng.IntN(2)]
			q.Set("status", st)
			keep(func(k known) bool { return k.active == (st == "active") })
		}
		if rng.IntN(3) == 0 {
			at := testNow.Add(time.Duration(rng.Int64N(40*24)-10*24) * time.Hour)
			op := []string{"gt", "lt"}[rng.IntN(2)]
			q.Set("validFor.endDateTime."+op, at.Format(time.RFC3339Nano))
			keep(func(k known) bool { return holds(cmpOp(op), cmp.Compare(k.expiry, at.UnixMilli())) })
		}
		switch rng.IntN(4) {
		case 1:
			q.Set("sort", "-remainingValue.amount")
			slices.SortStableFunc(want, func(a, b known) int { return cmp.Compare(b.balance, a.balance) })
		case 2:
			q.Set("sort", "usageType,validFor.endDateTime")
			slices.SortStableFunc(want, func(a, b known) int {
				return cmp.Or(strings.Compare(a.usageType, b.usageType), cmp.Compare(a.expiry, b.expiry))
			})
		case 3:
			q.Set("sort", "id")
			slices.SortStableFunc(want, func(a, b known) int { return strings.Compare(a.id, b.id) })
		}
		total := len(want)
		limit, offset := maxLimit, 0
		if rng.IntN(2) == 0 {
			limit = 1 + rng.IntN(10)
			q.Set("limit", strconv.Itoa(limit))
		}
		if rng.IntN(2) == 0 {
			offset = rng.IntN(total + 3)
			q.Set("offset", strconv.Itoa(offset))
		}
		want = want[min(offset, total):min(offset+limit, total)]

		rec := getList(h, "JM", q.Encode())
		name := fmt.Sprintf("query %d: %s", i, q.Encode())
		wantStatus := http.StatusOK
		if len(want) < total {
			wantStatus = http.StatusPartialContent
		}
		if rec.Code != wantStatus {
			t.Fatalf("%s: status %d, want %d: %s", name, rec.Code, wantStatus, rec.Body)
		}
		var body []struct{ ID string }
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body == nil {
			t.Fatalf("%s: body is not a JSON array: %s", name, rec.Body)
		}
		got := []string{rec.Header().Get("X-Total-Count"), rec.Header().Get("X-Result-Count")}
		for _, b := range body {
			got = append(got, b.ID)
		}
		wantIDs := []string{strconv.Itoa(total), strconv.Itoa(len(want))}
		for _, k := range want {
			wantIDs = append(wantIDs, k.id)
		}
		if diff := gocmp.Diff(wantIDs, got); diff != "" {
			t.Fatalf("%s: X-Total-Count, X-Result-Count, ids (-want +got):\n%s", name, diff)
		}
	}
}

// holds is the brute force's own reading of a comparison.
func holds(op cmpOp, c int) bool {
	switch op {
	case "gt":
		return c > 0
	case "gte":
		return c >= 0
	case "lt":
		return c < 0
	case "lte":
		return c <= 0
	}
	return c == 0
}

// cmpOp is a comparison as the query spells it.
type cmpOp string
