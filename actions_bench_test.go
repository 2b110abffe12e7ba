package main

import (
	"fmt"
	"net/http"
	"testing"

	"prepay/storage"
)

// BenchmarkTransferVsTopup measures a TMF654 transfer against a TMF654
// top-up, one caller, through the whole stack onto a bbolt file with
// fsync, each request with its own idempotency key. A transfer reads and
// writes two services, two history records and the sender's day; a top-up
// one service and one record. Both alternate between the same two
// services (seed 002's, 31 buckets, and seed 001's, 2), so the records
// written are alike. The JM rules here set no daily maximum, so b.N
// transfers are allowed; they go back and forth between the two, funded
// for them.
func BenchmarkTransferVsTopup(b *testing.B) {
	ds, err := storage.ParseDataSet(storage.Demo)
	if err != nil {
		b.Fatal(err)
	}
	for i := range ds.BusinessUnits {
		if r := ds.BusinessUnits[i].Transfer; r != nil {
			r.MaxDailyAmount, r.MaxDailyCount = 0, 0
		}
	}
	for _, bc := range []struct {
		name string
		path string
		body func(i int) string
	}{
		{"topup", "topupBalance", func(i int) string {
			return fmt.Sprintf(`{"logicalResource":{"value":%q},"amount":{"amount":15.00}}`, []string{svcRich, svcLoan}[i%2])
		}},
		{"transfer", "transferBalance", func(i int) string {
			if i%2 == 0 {
				return transferBody(svcRich, svcLoan, "15.00")
			}
			return transferBody(svcLoan, svcRich, "15.00")
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			s := newTestServerWith(b, ds)
			for _, n := range []string{svcRich, svcLoan} {
				fund := fmt.Sprintf(`{"logicalResource":{"value":%q},"amount":{"amount":100000000.00},"reason":"bench"}`, n)
				if rec := s.do(b, "POST", tmfJM+"adjustBalance", asAdmin, fund); rec.Code != http.StatusCreated {
					b.Fatalf("fund %s: %d %s", n, rec.Code, rec.Body)
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				rec := s.do(b, "POST", tmfJM+bc.path, with(asAdmin, "Idempotency-Key", fmt.Sprintf("bench-%d", i)), bc.body(i))
				if rec.Code != http.StatusCreated {
					b.Fatalf("%s %d: %d %s", bc.name, i, rec.Code, rec.Body)
				}
			}
		})
	}
}
