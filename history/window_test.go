package history

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"

	"prepay/money"
	"prepay/storage"
)

// stored is what the brute-force filter knows of one recorded action.
type stored struct {
	bu, product, desc string
	ms                int64
	seq               uint64
	amount            int64 // hundredths
}

// TestWindowMatchesBruteForce records actions at random times — many on
// the same millisecond, some apart by less than one — for products whose
// ids are prefixes of each other and for the same product id in two
// business units, then checks many random queries through the handler
// against a plain filter and sort of every action.
func TestWindowMatchesBruteForce(t *testing.T) {
	store, h := newServer(t)
	rng := rand.New(rand.NewPCG(654, 2))
	jamaica, _ := time.LoadLocation("America/Jamaica")
	start := time.Date(2025, 3, 1, 0, 0, 0, 0, jamaica)
	const span = 10 * 24 * time.Hour

	type target struct{ bu, product string }
	targets := []target{{"JM", "P1"}, {"JM", "P10"}, {"JM", "P2"}, {"BTC", "P1"}}
	// A few popular instants make equal milliseconds common.
	popular := make([]time.Time, 8)
	for i := range popular {
		popular[i] = start.Add(time.Duration(rng.Int64N(int64(span)))).Truncate(time.Millisecond)
	}
	randomTime := func() time.Time {
		if rng.IntN(3) == 0 {
			return popular[rng.IntN(len(popular))].Add(time.Duration(rng.IntN(1000)) * time.Microsecond / 1000)
		}
		return start.Add(time.Duration(rng.Int64N(int64(span))))
	}

	var all []stored
	for batch := 0; len(all) < 800; batch++ {
		var added []stored
		n := 1 + rng.IntN(60)
		acts := make([]storage.Action, n)
		for i := range acts {
			tg := targets[rng.IntN(len(targets))]
			acts[i] = storage.Action{BusinessID: tg.bu, ProductID: tg.product, Type: "TopupBalance",
				Description: fmt.Sprintf("a%d-%d", batch, i), ConfirmationDate: randomTime().UTC(),
				Amount: money.Amount(1 + rng.Int64N(3000)), Units: "JMD"}
		}
		if err := store.Default().Update(func(tx *storage.Tx) error {
			added = added[:0] // the function may run again
			for _, a := range acts {
				if err := tx.AddAction(&a); err != nil {
					return err
				}
				added = append(added, stored{a.BusinessID, a.ProductID, a.Description, a.ConfirmationDate.UnixMilli(), a.Seq, a.Amount.Hundredths()})
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		all = append(all, added...)
	}

	zones := []*time.Location{jamaica, time.UTC, time.FixedZone("", 3600)}
	for i := range 600 {
		tg := targets[rng.IntN(len(targets))]
		if i%50 == 0 {
			tg.product = "P" // a prefix of every product: must match none of them
		}
		bu, _ := store.Default().BusinessUnit(tg.bu)
		loc := bu.Location()

		// Bounds near recorded times (exactly, or a millisecond off) or
		// anywhere, written in one of the accepted forms.
		bound := func() time.Time {
			if rng.IntN(2) == 0 {
				return time.UnixMilli(all[rng.IntN(len(all))].ms + int64(rng.IntN(3)-1))
			}
			return randomTime().Truncate(time.Millisecond)
		}
		from, to := bound(), bound()
		if from.After(to) {
			from, to = to, from
		}
		var fromText, toText string
		switch rng.IntN(4) {
		case 0: // local time of the business unit, as the seed writes it
			fromText, toText = from.In(loc).Format("2006-01-02T15:04:05.000"), to.In(loc).Format("2006-01-02T15:04:05.000")
		case 1: // an offset, in some zone
			z := zones[rng.IntN(len(zones))]
			fromText, toText = from.In(z).Format(time.RFC3339Nano), to.In(z).Format(time.RFC3339Nano)
		case 2: // bare dates: midnight to the end of the day, in the unit's zone
			fromText, toText = from.In(loc).Format(time.DateOnly), to.In(loc).Format(time.DateOnly)
			y, m, d := from.In(loc).Date()
			from = time.Date(y, m, d, 0, 0, 0, 0, loc)
			y, m, d = to.In(loc).Date()
			to = time.Date(y, m, d+1, 0, 0, 0, 0, loc).Add(-time.Millisecond)
		case 3: // UTC with Z
			fromText, toText = from.UTC().Format(time.RFC3339Nano), to.UTC().Format(time.RFC3339Nano)
		}

		var want []stored
		for _, s := range all {
			if s.bu == tg.bu && s.product == tg.product && s.ms >= from.UnixMilli() && s.ms <= to.UnixMilli() {
				want = append(want, s)
			}
		}
		slices.SortFunc(want, func(a, b stored) int { // newest first; within a millisecond, last recorded first
			return cmp.Or(cmp.Compare(b.ms, a.ms), cmp.Compare(b.seq, a.seq))
		})
		q := url.Values{"product.id": {tg.product}, "dateTime.gte": {fromText}, "dateTime.lte": {toText}, "@type": {"TopupBalance"}}
		want = extraQuery(rng, q, want, all)
		total := len(want)

		limit, offset := maxLimit, 0
		if rng.IntN(4) > 0 {
			limit = 1 + rng.IntN(20)
			q.Set("limit", strconv.Itoa(limit))
		}
		if rng.IntN(4) > 0 {
			offset = rng.IntN(total + 4)
			q.Set("offset", strconv.Itoa(offset))
		}
		want = want[min(offset, total):min(offset+limit, total)]

		rec := get(h, tg.bu, q.Encode())
		name := fmt.Sprintf("query %d: %s %s", i, tg.bu, q.Encode())
		wantStatus, wantRange := 200, ""
		switch {
		case len(want) == total:
		case len(want) == 0:
			wantStatus, wantRange = 206, fmt.Sprintf("items */%d", total)
		default:
			wantStatus, wantRange = 206, fmt.Sprintf("items %d-%d/%d", offset, offset+len(want)-1, total)
		}
		if rec.Code != wantStatus || rec.Header().Get("Content-Range") != wantRange {
			t.Fatalf("%s: status %d, Content-Range %q; want %d, %q: %s", name, rec.Code,
				rec.Header().Get("Content-Range"), wantStatus, wantRange, rec.Body)
		}
		var body []struct {
			Description string `json:"description"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body == nil {
			t.Fatalf("%s: body is not a JSON array: %s", name, rec.Body)
		}
		got := []string{rec.Header().Get("X-Total-Count"), rec.Header().Get("X-Result-Count")}
		wantDesc := []string{strconv.Itoa(total), strconv.Itoa(len(want))}
		for _, b := range body {
			got = append(got, b.Description)
		}
		for _, s := range want {
			wantDesc = append(wantDesc, s.desc)
		}
		if diff := gocmp.Diff(wantDesc, got); diff != "" {
			t.Fatalf("%s: X-Total-Count, X-Result-Count, descriptions (-want +got):\n%s", name, diff)
		}
	}
}

// extraQuery adds to q random TMF630 filters and a sort beyond the window —
// amount comparisons, description alternatives, @type alternatives — and
// returns what a plain evaluation of them over want (the window, newest
// first) selects, in the order the sort gives, ties kept in window order.
func extraQuery(rng *rand.Rand, q url.Values, want, all []stored) []stored {
	keep := func(ok func(stored) bool) {
		want = slices.DeleteFunc(want, func(s stored) bool { return !ok(s) })
	}
	if rng.IntN(3) == 0 {
		ops := []string{"eq", "gt", "gte", "lt", "lte"}
		op := ops[rng.IntN(len(ops))]
		v := int64(rng.IntN(3001))
		if rng.IntN(4) == 0 && len(want) > 0 {
			v = want[rng.IntN(len(want))].amount // an amount that is there
		}
		text := money.Amount(v).String()
		if v%100 == 0 && rng.IntN(2) == 0 {
			text = strconv.FormatInt(v/100, 10) // 12 equals 12.00
		}
		param := "amount.amount"
		if op != "eq" || rng.IntN(2) == 0 {
			param += "." + op
		}
		q.Set(param, text)
		keep(func(s stored) bool {
			c := cmp.Compare(s.amount, v)
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
		})
	}
	if rng.IntN(4) == 0 {
		var descs []string
		for range 1 + rng.IntN(3) {
			descs = append(descs, all[rng.IntN(len(all))].desc)
		}
		descs = append(descs, "none-such")
		q.Set("description", strings.Join(descs, ","))
		keep(func(s stored) bool { return slices.Contains(descs, s.desc) })
	}
	if rng.IntN(5) == 0 {
		q.Set("@type", "TopupBalance,TopupBalance")
	}
	switch rng.IntN(4) {
	case 1:
		q.Set("sort", "amount.amount")
		slices.SortStableFunc(want, func(a, b stored) int { return cmp.Compare(a.amount, b.amount) })
	case 2:
		q.Set("sort", "-amount.amount,description")
		slices.SortStableFunc(want, func(a, b stored) int {
			return cmp.Or(cmp.Compare(b.amount, a.amount), strings.Compare(a.desc, b.desc))
		})
	case 3:
		q.Set("sort", "-dateTime")
		// Newest first already; equal milliseconds keep the window's order.
	}
	return want
}
