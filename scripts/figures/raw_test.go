package main

import (
	"encoding/binary"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// BenchmarkRaw is the ceiling the top-up figures are set against: one
// 100-byte put per bbolt commit, fsync on, serially (db.Update) and from 64
// callers of db.Batch, on the test's temp dir; and serial commits of one
// put in each of a top-up's record kinds (layout), and in each of the two
// a journal layout would keep (journal).
func BenchmarkRaw(b *testing.B) {
	for _, l := range []struct {
		name  string
		kinds int
	}{{"layout", topupKinds}, {"journal", journalKinds}} {
		b.Run(l.name, func(b *testing.B) {
			db, commit, err := openLayout(filepath.Join(b.TempDir(), l.name+".db"), make([]byte, 100), l.kinds)
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			b.ResetTimer()
			start := time.Now()
			for range b.N {
				if err := commit(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "commits/s")
		})
	}
	for _, callers := range []int{1, 64} {
		name := "serial"
		if callers > 1 {
			name = "batch64"
		}
		b.Run(name, func(b *testing.B) {
			db, err := bolt.Open(filepath.Join(b.TempDir(), "raw.db"), 0o600, nil)
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			var seq atomic.Uint64
			value := make([]byte, 100)
			put := func(tx *bolt.Tx) error {
				bk, err := tx.CreateBucketIfNotExists([]byte("raw"))
				if err != nil {
					return err
				}
				return bk.Put(binary.BigEndian.AppendUint64(nil, seq.Add(1)), value)
			}
			commit := db.Update
			if callers > 1 {
				commit = db.Batch
			}
			var next atomic.Int64
			start := time.Now()
			var wg sync.WaitGroup
			for range callers {
				wg.Go(func() {
					for next.Add(1) <= int64(b.N) {
						if err := commit(put); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "commits/s")
		})
	}
}
