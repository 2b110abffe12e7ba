package due_test

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"prepay/due"
	"prepay/storage"
)

// BenchmarkAdvance advances past 10 due items on databases of 100 and
// 100,000 subscribers, every one of them in the due index: the cost
// follows what falls due, not the size of the data set.
func BenchmarkAdvance(b *testing.B) {
	for _, n := range []int{100, 100_000} {
		b.Run(fmt.Sprintf("subscribers=%d", n), func(b *testing.B) {
			sb := benchSandbox(b, n)
			clk := sb.Clock()
			seq := 0
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				now := clk.Now()
				if err := sb.Update(func(tx *storage.Tx) error {
					for i := range 10 {
						seq++
						if err := tx.PutSubscriber(benchSubscriber(fmt.Sprintf("1876%07d", seq), now.Add(time.Duration(i+1)*time.Minute))); err != nil {
							return err
						}
					}
					return nil
				}); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				res, err := due.Advance(sb, func(from time.Time) (time.Time, error) { return from.Add(time.Hour), nil })
				if err != nil {
					b.Fatal(err)
				}
				if res.Happened.BucketsExpired != 10 {
					b.Fatalf("expired %d, want 10", res.Happened.BucketsExpired)
				}
			}
		})
	}
}

// benchSandbox is the default sandbox of a new store holding n
// subscribers whose buckets expire in ten years.
func benchSandbox(b *testing.B, n int) *storage.Sandbox {
	b.Helper()
	now := time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)
	store, err := storage.OpenWith(filepath.Join(b.TempDir(), "prepay.db"), func() time.Time { return now })
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	ds, err := storage.ParseDataSet(storage.Demo)
	if err != nil {
		b.Fatal(err)
	}
	ds.Subscribers = nil
	if err := store.Load(ds, now); err != nil {
		b.Fatal(err)
	}
	sb := store.Default()
	sb.Clock().Freeze(now)
	const perTx = 5000
	for start := 0; start < n; start += perTx {
		if err := sb.Update(func(tx *storage.Tx) error {
			for i := start; i < min(n, start+perTx); i++ {
				if err := tx.PutSubscriber(benchSubscriber(fmt.Sprintf("1899%07d", i), now.AddDate(10, 0, 0))); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	return sb
}

func benchSubscriber(no string, expiry time.Time) storage.Subscriber {
	return storage.Subscriber{BusinessID: "JM", ServiceNo: no, LOB: "PREPAID", AccountNo: "1",
		ServiceInternalID: "p" + no, OwningAccountInternalID: "1",
		Buckets: []storage.Bucket{{ID: "1", UsageType: storage.UsageCurrency, Units: "JMD", Type: storage.BucketCore,
			Allowance: 1000, Expiry: expiry}}}
}
