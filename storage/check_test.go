package storage

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

var checkMB = flag.Int("checkmb", 64, "size in MB of the file BenchmarkOpenCheck opens")

// BenchmarkOpenCheck opens a file of -checkmb megabytes of records, with and
// without the whole-file check Open does first, and reports what the check
// costs per 100 MB. Run: go test ./storage -run '^$' -bench OpenCheck -checkmb 100.
func BenchmarkOpenCheck(b *testing.B) {
	path := filepath.Join(b.TempDir(), "big.db")
	s := openDemoAt(b, path)
	// Vouchers of about 200 bytes each, 10,000 to a transaction.
	for n := 0; ; n++ {
		size, _ := s.Size()
		if size >= int64(*checkMB)<<20 {
			break
		}
		if err := s.Default().Update(func(tx *Tx) error {
			for i := range 10_000 {
				v := Voucher{BusinessID: "JM", Code: fmt.Sprintf("%06d%06d", n, i), Amount: 500, RedeemedBy: "18763187057",
					RedeemedAt: testNow, Expiry: testNow.Add(time.Hour)}
				if err := tx.PutVoucher(v); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	s.Close()
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	mb := float64(fi.Size()) / (1 << 20)

	b.Run("check", func(b *testing.B) {
		for b.Loop() {
			if err := check(path); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N)/mb*100, "ms/100MB")
	})
	b.Run("open-without-check", func(b *testing.B) {
		for b.Loop() {
			db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: lockTimeout})
			if err != nil {
				b.Fatal(err)
			}
			db.Close()
		}
	})
}
