package storage

import (
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"prepay/money"
)

// gen makes random records whose every field may be empty, zero, nil,
// extreme or in need of escaping.
type gen struct{ r *rand.Rand }

func (g gen) str() string {
	return []string{"", "1", "primary balance", `q"uote\`, "<b>&</b>", "é\u2028ü", "bad\xffutf8", "\x00\x1f", "32970253"}[g.r.IntN(9)]
}

func (g gen) amount() money.Amount {
	return []money.Amount{0, 1, -1, 99, 100, money.Max, -money.Max, money.Amount(g.r.Int64N(1 << 40))}[g.r.IntN(8)]
}

func (g gen) time() time.Time {
	zones := []*time.Location{time.UTC, time.FixedZone("", -5*3600), time.FixedZone("X", 5*3600+30*60)}
	return []time.Time{{}, time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(2026, 12, 2, 9, 17, 39, 536000000, zones[g.r.IntN(3)]), time.Date(2027, 1, 1, 0, 0, 0, 1, zones[g.r.IntN(3)]),
		time.Unix(g.r.Int64N(1<<34), g.r.Int64N(1e9)).In(zones[g.r.IntN(3)])}[g.r.IntN(6)]
}

// n is a slice length, -1 for a nil slice.
func (g gen) n() int { return g.r.IntN(5) - 1 }

func (g gen) snapshots() []Snapshot {
	n := g.n()
	if n < 0 {
		return nil
	}
	out := make([]Snapshot, n)
	for i := range out {
		out[i] = Snapshot{ID: g.str(), Name: g.str(), UsageType: g.str(), Units: g.str(), Amount: g.amount(), ValidTo: g.time()}
	}
	return out
}

func (g gen) party() Party { return Party{g.str(), g.str(), g.str(), g.str()} }

func (g gen) subscriber() Subscriber {
	s := Subscriber{BusinessID: g.str(), ServiceNo: g.str(), LOB: g.str(), AccountNo: g.str(), ServiceInternalID: g.str(), OwningAccountInternalID: g.str()}
	if n := g.n(); n >= 0 {
		s.Buckets = make([]Bucket, n)
		for i := range s.Buckets {
			b := Bucket{ID: g.str(), Name: g.str(), UsageType: g.str(), Units: g.str(), Type: g.str(), Allowance: g.amount(), Rollover: g.amount(),
				Charges: g.amount(), OverageRate: g.amount(), Expiry: g.time()}
			if n := g.n(); n >= 0 {
				b.Holds = make([]Hold, n)
				for j := range b.Holds {
					b.Holds[j] = Hold{Seq: g.r.Uint64(), Amount: g.amount(), Until: g.time()}
				}
			}
			s.Buckets[i] = b
		}
	}
	if n := g.n(); n >= 0 {
		s.Accumulators = make([]Accumulator, n)
		for i := range s.Accumulators {
			s.Accumulators[i] = Accumulator{ID: g.str(), Name: g.str(), UsageType: g.str(), Units: g.str(), Amount: g.amount()}
		}
	}
	return s
}

func (g gen) action() Action {
	return Action{Seq: g.r.Uint64(), BusinessID: g.str(), Type: g.str(), Description: g.str(), ConfirmationDate: g.time(), Amount: g.amount(),
		Units: g.str(), ProductID: g.str(), PartyAccountID: g.str(), Channel: Channel{g.str(), g.str()}, MSISDN: g.str(), BatchNumber: g.str(),
		RechargeID: g.str(), RechargeID2: g.str(), CardNumber: g.str(), SerialNumber: g.str(), CurrencyConvRate: g.str(),
		Balances: g.snapshots(), Accumulators: g.snapshots()}
}

func (g gen) operation() Operation {
	o := Operation{Seq: g.r.Uint64(), BusinessID: g.str(), Type: g.str(), Status: g.str(), RequestedDate: g.time(), ConfirmationDate: g.time(),
		Amount: g.amount(), Units: g.str(), Party: g.party(), Channel: Channel{g.str(), g.str()}, Voucher: g.str(), Reason: g.str(),
		Fee: g.amount(), CostOwner: g.str(), Received: g.amount(), HoldUntil: g.time(), Changed: g.time(),
		Balances: g.snapshots(), Accumulators: g.snapshots()}
	if g.r.IntN(2) == 0 {
		p := g.party()
		o.Receiver = &p
	}
	if n := g.n(); n >= 0 {
		o.Moves = make([]Move, n)
		for i := range o.Moves {
			o.Moves[i] = Move{ServiceNo: g.str(), BucketID: g.str(), Allowance: g.amount(), Charges: g.amount(), ExpiryBefore: g.time(), ExpiryAfter: g.time()}
		}
	}
	if g.r.IntN(2) == 0 {
		o.Recurring = &Recurring{Period: g.str(), Periods: g.r.IntN(3), Start: g.time(), Credited: g.r.IntN(3), Skipped: g.r.IntN(3), Next: g.time(), Stopped: g.str()}
	}
	return o
}

func (g gen) idempotency() Idempotency {
	bodies := [][]byte{nil, {}, []byte(`{"status":"ok","buckets":[{"id":"1","name":"Main \"A\""}]}`), []byte(g.str()), {0xff, 0xfe, 'x'}}
	fingerprints := [][]byte{nil, {}, {1, 2, 3, 0xff}}
	return Idempotency{ClientID: g.str(), BusinessID: g.str(), Key: g.str(), Fingerprint: fingerprints[g.r.IntN(3)],
		Status: []int{0, 200, 404, -1}[g.r.IntN(4)], Body: bodies[g.r.IntN(5)], Created: g.time()}
}

// TestAppendJSONIsJSONMarshal: for thousands of random records, each
// hand encoder writes what json.Marshal writes, byte for byte.
func TestAppendJSONIsJSONMarshal(t *testing.T) {
	g := gen{rand.New(rand.NewPCG(19, 3))}
	makers := []struct {
		name string
		make func() jsonAppender
	}{
		{"Subscriber", func() jsonAppender { return g.subscriber() }},
		{"Action", func() jsonAppender { return g.action() }},
		{"Operation", func() jsonAppender { return g.operation() }},
		{"Idempotency", func() jsonAppender { return g.idempotency() }},
	}
	for _, m := range makers {
		t.Run(m.name, func(t *testing.T) {
			for i := range 3000 {
				rec := m.make()
				want, err := json.Marshal(rec)
				if err != nil {
					t.Fatalf("record %d: json.Marshal: %v", i, err)
				}
				got, err := rec.appendJSON([]byte("prefix"))
				if err != nil {
					t.Fatalf("record %d: appendJSON: %v", i, err)
				}
				if diff := cmp.Diff(string(want), string(got[len("prefix"):])); diff != "" {
					t.Fatalf("record %d (-json.Marshal +appendJSON):\n%s", i, diff)
				}
			}
		})
	}
}

// TestAppendJSONRefusesWhatJSONMarshalRefuses: a time past year 9999 is
// an error, as it is to json.Marshal, not a value no reader can read.
func TestAppendJSONRefusesWhatJSONMarshalRefuses(t *testing.T) {
	late := time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, rec := range []jsonAppender{
		Subscriber{Buckets: []Bucket{{Expiry: late}}},
		Action{ConfirmationDate: late},
		Operation{Moves: []Move{{ExpiryAfter: late}}},
		Operation{Recurring: &Recurring{Start: late}},
		Idempotency{Created: late},
	} {
		if _, err := json.Marshal(rec); err == nil {
			t.Fatalf("json.Marshal(%T) accepted year 10000: the test tests nothing", rec)
		}
		if _, err := rec.appendJSON(nil); err == nil {
			t.Errorf("%T.appendJSON accepted year 10000", rec)
		}
	}
}
