package topup

import (
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"

	"prepay/money"
	"prepay/tmf"
)

// TestResponseAppendJSON: the hand encoder writes what json.Marshal writes
// for the answer, byte for byte, on 3,000 random answers — empty and
// escaped strings, no href or voucher, a nil and an empty impacted list,
// the largest amounts and the calendar's ends in several zones.
func TestResponseAppendJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(19, 654))
	strs := []string{"", "Primary Balance", `say "hi"\`, "<b>&", "Minutos de día", "\u2028", "bad \xff"}
	str := func() string { return strs[r.IntN(len(strs))] }
	amount := func() money.Amount {
		return []money.Amount{0, 1, -1, money.Max, -money.Max, money.Amount(r.Int64N(1e12) - 5e11)}[r.IntN(6)]
	}
	quantity := func() tmf.Quantity { return tmf.Quantity{Amount: amount(), Units: str()} }
	var zones []*time.Location
	for _, name := range []string{"UTC", "America/Jamaica", "America/Nassau", "Asia/Kolkata"} {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		zones = append(zones, loc)
	}
	when := func() time.Time {
		return []time.Time{{}, time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 12, 31, 23, 59, 59, 999_999_999, time.UTC),
			time.Unix(r.Int64N(1e10), r.Int64N(1e9))}[r.IntN(4)]
	}
	for i := range 3000 {
		resp := response{Description: str(), Voucher: str(), Amount: quantity(),
			Bucket: bucketInfo{ID: str(), Href: str(), Description: str(), Name: str(), BaseType: str(), Type: str(),
				UsageType: str(), RemainingValue: quantity(), RemainingValueName: str(),
				ValidFor: tmf.ValidUntil(when(), zones[r.IntN(len(zones))])}}
		if n := r.IntN(4); n > 0 {
			resp.ImpactedBucket = make([]impacted, n-1)
			for j := range resp.ImpactedBucket {
				resp.ImpactedBucket[j] = impacted{AmountAfter: quantity(), AmountBefore: quantity(), Name: str(), Type: str()}
			}
		}
		want, err := json.Marshal(resp)
		if err != nil {
			t.Fatal(err)
		}
		if got := resp.appendJSON([]byte("x")); string(got) != "x"+string(want) {
			t.Fatalf("answer %d:\nappendJSON %s\njson.Marshal %s", i, got[1:], want)
		}
	}
}
