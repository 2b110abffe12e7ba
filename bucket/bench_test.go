package bucket

import (
	"net/url"
	"testing"
)

// BenchmarkList lists the buckets of seed 002's product (31 of them) from
// the product index, then the same with TMF630 filters, a sort and a
// projection evaluated over them, and then every bucket of the business
// unit without the index.
func BenchmarkList(b *testing.B) {
	_, h := newServer(b)
	cases := []struct{ name, query string }{
		{"product", url.Values{"product.id": {"32970253"}}.Encode()},
		{"product+filters+sort+fields", url.Values{"product.id": {"32970253"}, "status": {"active"},
			"usageType": {"Currency,mins"}, "remainingValue.amount.gt": {"100"},
			"sort": {"-remainingValue.amount"}, "fields": {"name,remainingValue"}}.Encode()},
		{"business-unit+filters", url.Values{"status": {"active"}, "usageType": {"Currency,mins"},
			"remainingValue.amount.gt": {"100"}}.Encode()},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if rec := getList(h, "JM", c.query); rec.Code != 200 {
					b.Fatalf("status %d: %.200s", rec.Code, rec.Body)
				}
			}
		})
	}
}
