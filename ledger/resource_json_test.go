package ledger

import (
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"prepay/money"
	"prepay/storage"
	"prepay/tmf"
)

// TestActionResourceAppendJSON: for thousands of random resources — every
// optional field present or not, slices nil or empty, strings that need
// escaping, extreme amounts and times — AppendJSON writes what json.Marshal
// writes, byte for byte. That the resources the writers really publish are
// what their GET shows is TestEventsDeliveredSignedAsTheResourceShows's.
func TestActionResourceAppendJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(19, 5))
	pick := func(n int) bool { return r.IntN(n) == 0 }
	str := func() string {
		return []string{"", "1", "TopupBalance", `q"uote\`, "<b>&</b>", "é\u2028ü", "bad\xffutf8", "\x00\x1f", "32970253"}[r.IntN(9)]
	}
	amount := func() money.Amount {
		return []money.Amount{0, 1, -1, 99, 100, money.Max, -money.Max, money.Amount(r.Int64N(1 << 40))}[r.IntN(8)]
	}
	zones := []*time.Location{time.UTC, time.FixedZone("", -5*3600), time.FixedZone("X", 5*3600+30*60)}
	millis := func() tmf.Millis {
		t := []time.Time{{}, time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
			time.Unix(r.Int64N(1<<34), r.Int64N(1e9))}[r.IntN(4)]
		return tmf.Millis{Time: t, Loc: zones[r.IntN(3)]}
	}
	quantity := func() tmf.Quantity { return tmf.Quantity{Amount: amount(), Units: str()} }
	n := func() int { return r.IntN(4) - 1 } // -1: a nil slice
	refs := func() []Ref { return some(n(), func() Ref { return Ref{ID: str(), Name: str()} }) }
	msisdns := func() []MSISDN { return some(n(), func() MSISDN { return MSISDN{Type: str(), Value: str()} }) }
	impacted := func() []Impacted {
		return some(n(), func() Impacted {
			return Impacted{Type: str(), Items: some(n(), func() ImpactedItem {
				it := ImpactedItem{ID: str(), BaseType: str(), Name: str(), UsageType: str(), Amount: quantity()}
				if pick(2) {
					it.ValidFor = &tmf.ValidFor{EndDateTime: millis()}
				}
				return it
			})}
		})
	}

	for i := range 3000 {
		res := ActionResource{ID: str(), Href: str(), Type: str(), BaseType: str(), Status: str(), RequestedDate: millis(),
			ConfirmationDate: millis(), Amount: quantity(), Voucher: str(), Reason: str(), AdjustType: str(), IsAutoTopup: pick(2),
			RecurringPeriod: str(), NumberOfPeriods: []int{0, 1, -1, 1 << 40}[r.IntN(4)], Bucket: BucketRef{ID: str(), Href: str()},
			Product: refs(), PartyAccount: Ref{ID: str(), Name: str()}, LogicalResource: msisdns(), ReceiverProduct: refs(),
			ReceiverLogicalResource: msisdns(), CostOwner: str(), Channel: storage.Channel{ID: str(), Name: str()}, ImpactedBucket: impacted()}
		if pick(2) {
			res.ReceiverBucket = &BucketRef{ID: str(), Href: str()}
		}
		if pick(2) {
			q := quantity()
			res.TransferCost = &q
		}
		if pick(2) {
			res.ValidFor = &tmf.ValidFor{EndDateTime: millis()}
		}
		same(t, i, res)
	}

}

// some returns k values of item, or nil when k is negative.
func some[T any](k int, item func() T) []T {
	if k < 0 {
		return nil
	}
	out := make([]T, k)
	for i := range out {
		out[i] = item()
	}
	return out
}

// same fails unless res.AppendJSON gives what json.Marshal gives.
func same(t *testing.T, i int, res ActionResource) {
	t.Helper()
	want, err := json.Marshal(res)
	if err != nil {
		t.Fatalf("resource %d: json.Marshal: %v", i, err)
	}
	got, err := res.AppendJSON([]byte("prefix"))
	if err != nil {
		t.Fatalf("resource %d: AppendJSON: %v", i, err)
	}
	if diff := cmp.Diff(string(want), string(got[len("prefix"):])); diff != "" {
		t.Fatalf("resource %d (-json.Marshal +AppendJSON):\n%s", i, diff)
	}
}
