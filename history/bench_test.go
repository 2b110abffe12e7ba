package history

import (
	"net/url"
	"strconv"
	"testing"
	"time"

	"prepay/money"
	"prepay/storage"
)

// BenchmarkOneDayWindow queries one day of history — 24 records, one an
// hour — of a product with 100 records and of one with 100,000 (eleven
// years of them). With the time index both cost the same: the cursor Seeks
// to the day and walks its 24 keys. The last case asks for the whole
// 100,000-record history with limit=1, which costs what counting its keys
// for X-Total-Count costs, without decoding them. The filtered cases add
// an amount filter, a sort and a projection over a day and a week of the
// long history: the index still selects the window, and only the window's
// records are decoded and evaluated.
func BenchmarkOneDayWindow(b *testing.B) {
	store, h := newServer(b)
	jamaica, _ := time.LoadLocation("America/Jamaica")
	start := time.Date(2015, 1, 1, 0, 30, 0, 0, jamaica)
	for _, n := range []int{100, 100_000} {
		addHourly(b, store, "B"+strconv.Itoa(n), start, n)
	}
	day := func(n int) string { // a whole day in the middle of the product's history
		return start.Add(time.Duration(n/2) * time.Hour).In(jamaica).Format(time.DateOnly)
	}
	query := func(product, gte, lte, limit string) string {
		return url.Values{"product.id": {product}, "dateTime.gte": {gte}, "dateTime.lte": {lte},
			"@type": {"TopupBalance"}, "limit": {limit}}.Encode()
	}
	cases := []struct {
		name, query, wantTotal, wantResult string
	}{
		{"records=100", query("B100", day(100), day(100), "1000"), "24", "24"},
		{"records=100000", query("B100000", day(100_000), day(100_000), "1000"), "24", "24"},
		{"records=100000/whole-history-limit-1", query("B100000", "2014-01-01", "2030-01-01", "1"), "100000", "1"},
		{"records=100000/day+filter+sort+fields", query("B100000", day(100_000), day(100_000), "1000") +
			"&amount.amount.gte=1&sort=-amount.amount&fields=description,amount", "24", "24"},
		{"records=100000/week+filter+sort+fields", query("B100000", day(100_000), day(100_000+24*12), "1000") +
			"&amount.amount.gte=1&sort=-amount.amount&fields=description,amount", "168", "168"},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				rec := get(h, "JM", c.query)
				if (rec.Code != 200 && rec.Code != 206) || rec.Header().Get("X-Total-Count") != c.wantTotal || rec.Header().Get("X-Result-Count") != c.wantResult {
					b.Fatalf("status %d, X-Total-Count %s, X-Result-Count %s: %.200s", rec.Code,
						rec.Header().Get("X-Total-Count"), rec.Header().Get("X-Result-Count"), rec.Body)
				}
			}
		})
	}
}

// addHourly records n top-ups of product, one an hour from start, in
// batches of one transaction each.
func addHourly(b *testing.B, store *storage.Store, product string, start time.Time, n int) {
	b.Helper()
	const batch = 5000
	for first := 0; first < n; first += batch {
		if err := store.Default().Update(func(tx *storage.Tx) error {
			for i := first; i < min(first+batch, n); i++ {
				at := start.Add(time.Duration(i) * time.Hour).UTC()
				a := storage.Action{BusinessID: "JM", ProductID: product, Type: "TopupBalance",
					Description: "hourly " + strconv.Itoa(i), ConfirmationDate: at, Amount: money.Amount(100), Units: "JMD",
					MSISDN: "18765544355", CardNumber: "NON VOUCHER", CurrencyConvRate: "1.0",
					Balances: []storage.Snapshot{{ID: "1", Name: "primary balance", UsageType: "Currency", Units: "JMD",
						Amount: money.Amount(100 * i), ValidTo: at.AddDate(0, 0, 30)}},
					Accumulators: []storage.Snapshot{{ID: "1", Name: "primary balance", UsageType: "Currency", Units: "JMD",
						Amount: money.Amount(100)}}}
				if err := tx.AddAction(&a); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
}
