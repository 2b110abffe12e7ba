package ledger

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"prepay/money"
	"prepay/storage"
)

func TestCredit(t *testing.T) {
	m := money.MustParse
	now := time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)
	soon, later, past := now.AddDate(0, 0, 3), now.AddDate(0, 3, 0), now.AddDate(0, 0, -1)
	validTo := now.Add(30 * 24 * time.Hour)
	bu := storage.BusinessUnit{ID: "JM", Currency: "JMD", ValidityDays: 30}
	cur := func(id, typ string, allowance, charges money.Amount, expiry time.Time) storage.Bucket {
		return storage.Bucket{ID: id, Name: id, UsageType: storage.UsageCurrency, Units: "JMD", Type: typ,
			Allowance: allowance, Charges: charges, Expiry: expiry}
	}
	primary := func(allowance, charges money.Amount, expiry time.Time) storage.Bucket {
		return cur("1", storage.BucketCore, allowance, charges, expiry)
	}
	loan := func(id string, owed money.Amount, expiry time.Time) storage.Bucket {
		return cur(id, storage.BucketLoan, owed, 0, expiry)
	}

	tests := []struct {
		name        string
		buckets     []storage.Bucket
		amount      money.Amount
		wantBalance map[string]money.Amount
		wantExpiry  time.Time // of the primary balance
		wantChanged []Change
	}{
		{
			name:        "seed 001: loan first, rest to the primary",
			buckets:     []storage.Bucket{primary(m("22.59"), 0, soon), loan("21", m("2.00"), soon)},
			amount:      m("5.00"),
			wantBalance: map[string]money.Amount{"1": m("25.59"), "21": 0},
			wantExpiry:  validTo,
			wantChanged: []Change{{0, m("22.59")}, {1, m("2.00")}},
		},
		{
			name:        "smaller than the loan: primary unchanged and not listed, still extended",
			buckets:     []storage.Bucket{primary(m("22.59"), 0, soon), loan("21", m("2.00"), soon)},
			amount:      m("0.75"),
			wantBalance: map[string]money.Amount{"1": m("22.59"), "21": m("1.25")},
			wantExpiry:  validTo,
			wantChanged: []Change{{1, m("2.00")}},
		},
		{
			name:        "validity is never shortened",
			buckets:     []storage.Bucket{primary(m("1.00"), 0, later)},
			amount:      m("1.00"),
			wantBalance: map[string]money.Amount{"1": m("2.00")},
			wantExpiry:  later,
			wantChanged: []Change{{0, m("1.00")}},
		},
		{
			name:        "an expired primary starts afresh",
			buckets:     []storage.Bucket{primary(m("40.00"), m("5.00"), past)},
			amount:      m("10.00"),
			wantBalance: map[string]money.Amount{"1": m("10.00")},
			wantExpiry:  validTo,
			wantChanged: []Change{{0, 0}},
		},
		{
			name:        "an expired loan is not repaid",
			buckets:     []storage.Bucket{loan("21", m("2.00"), past), primary(m("1.00"), 0, soon)},
			amount:      m("3.00"),
			wantBalance: map[string]money.Amount{"1": m("4.00"), "21": m("2.00")},
			wantExpiry:  validTo,
			wantChanged: []Change{{1, m("1.00")}},
		},
		{
			name:        "two loans in the service's order",
			buckets:     []storage.Bucket{loan("21", m("1.00"), soon), primary(0, 0, soon), loan("22", m("3.00"), soon)},
			amount:      m("2.50"),
			wantBalance: map[string]money.Amount{"1": 0, "21": 0, "22": m("1.50")},
			wantExpiry:  validTo,
			wantChanged: []Change{{0, m("1.00")}, {2, m("3.00")}},
		},
		{
			name: "an overdrawn primary settles its overage first",
			buckets: []storage.Bucket{primary(m("10.00"), m("12.00"), soon),
				{ID: "32", UsageType: "MB", Units: "MB", Type: storage.BucketLoan, Allowance: m("5.00"), Expiry: soon}},
			amount:      m("5.00"),
			wantBalance: map[string]money.Amount{"1": m("3.00"), "32": m("5.00")},
			wantExpiry:  validTo,
			wantChanged: []Change{{0, 0}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sub := storage.Subscriber{Buckets: tc.buckets}
			target := -1
			for i, b := range sub.Buckets {
				if b.ID == "1" {
					target = i
				}
			}
			changed, _, err := Credit(&sub, target, tc.amount, now, bu)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]money.Amount{}
			for _, b := range sub.Buckets {
				got[b.ID] = b.Balance()
			}
			if diff := cmp.Diff(tc.wantBalance, got); diff != "" {
				t.Errorf("balances (-want +got):\n%s", diff)
			}
			if e := sub.Buckets[target].Expiry; !e.Equal(tc.wantExpiry) {
				t.Errorf("primary expiry = %v, want %v", e, tc.wantExpiry)
			}
			if diff := cmp.Diff(tc.wantChanged, changed); diff != "" {
				t.Errorf("changed buckets (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCreditOverflow(t *testing.T) {
	now := time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)
	sub := storage.Subscriber{Buckets: []storage.Bucket{{ID: "1", UsageType: storage.UsageCurrency, Units: "JMD",
		Type: storage.BucketCore, Allowance: money.Amount(1<<63 - 100), Expiry: now.AddDate(0, 0, 1)}}}
	before := sub.Buckets[0]
	if _, _, err := Credit(&sub, 0, 200, now, storage.BusinessUnit{Currency: "JMD"}); err == nil {
		t.Error("credit past the largest amount: no error")
	}
	if sub.Buckets[0].Allowance != before.Allowance {
		t.Errorf("allowance after a refused credit = %d, want unchanged %d", sub.Buckets[0].Allowance, before.Allowance)
	}
}
