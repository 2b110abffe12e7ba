package balances

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"prepay/money"
	"prepay/storage"
)

var m = money.MustParse

func TestFiguresOf(t *testing.T) {
	tests := []struct {
		name                                            string
		allowance, rollover, charges, rate              string
		wantTotal, wantOverage, wantCharge, wantBalance string
	}{
		// Seed 000's names and inputs; the arithmetic of the contract.
		{"seed data bucket", "100.12", "10.23", "50.42", "0.10", "110.35", "0.00", "0.00", "59.93"},
		{"charges equal the total", "10.00", "2.00", "12.00", "0.35", "12.00", "0.00", "0.00", "0.00"},
		{"charges above the total", "10.00", "2.00", "15.50", "0.35", "12.00", "3.50", "1.22", "0.00"},
		{"zero allowance, no use", "0.00", "0.00", "0.00", "1.00", "0.00", "0.00", "0.00", "0.00"},
		{"zero allowance, all use is overage", "0.00", "0.00", "5.00", "1.00", "0.00", "5.00", "5.00", "0.00"},
		{"rollover only", "0.00", "3.00", "1.00", "0.50", "3.00", "0.00", "0.00", "2.00"},
		{"no overage rate", "1.00", "0.00", "9.00", "0.00", "1.00", "8.00", "0.00", "0.00"},
		// Half-even: a half rounds to the even hundredth.
		{"half rounds down to even", "0.00", "0.00", "0.25", "0.10", "0.00", "0.25", "0.02", "0.00"},
		{"half rounds up to even", "0.00", "0.00", "0.35", "0.10", "0.00", "0.35", "0.04", "0.00"},
		{"above half rounds up", "0.00", "0.00", "0.26", "0.10", "0.00", "0.26", "0.03", "0.00"},
		{"demo overage bucket", "1024.00", "0.00", "1250.50", "0.05", "1024.00", "226.50", "11.32", "0.00"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			expiry := time.Date(2026, 12, 23, 5, 0, 0, 0, time.UTC)
			b := storage.Bucket{ID: "1", Name: "Data", Units: "MB", Allowance: m(tc.allowance),
				Rollover: m(tc.rollover), Charges: m(tc.charges), OverageRate: m(tc.rate), Expiry: expiry}
			got, err := figuresOf(b, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			want := figures{name: "Data", unit: "MB", allowance: m(tc.allowance), rollover: m(tc.rollover),
				totalAllowance: m(tc.wantTotal), charges: m(tc.charges), overage: m(tc.wantOverage),
				overageCharge: m(tc.wantCharge), balance: m(tc.wantBalance), expiry: expiry}
			if diff := cmp.Diff(want, got, cmp.AllowUnexported(figures{})); diff != "" {
				t.Errorf("figuresOf (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFiguresOfOverflow(t *testing.T) {
	huge := money.Amount(1 << 62)
	_, err := figuresOf(storage.Bucket{ID: "1", Charges: huge, OverageRate: huge}, time.Time{})
	if err == nil {
		t.Fatal("figuresOf with an overage charge beyond int64 = nil error, want one")
	}
}

func TestShown(t *testing.T) {
	now := time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		units    string
		expiry   time.Time
		dataOnly bool
		want     bool
	}{
		{"unexpired", "MB", now.Add(time.Nanosecond), false, true},
		{"expiring at now", "MB", now, false, false},
		{"expired", "MB", now.Add(-time.Hour), false, false},
		{"no expiry recorded", "MB", time.Time{}, false, false},
		{"minutes, all balances", "mins", now.Add(time.Hour), false, true},
		{"minutes, data only", "mins", now.Add(time.Hour), true, false},
		{"currency, data only", "JMD", now.Add(time.Hour), true, false},
		{"KB, data only", "KB", now.Add(time.Hour), true, true},
		{"MB, data only", "MB", now.Add(time.Hour), true, true},
		{"GB, data only", "GB", now.Add(time.Hour), true, true},
		{"units are matched exactly", "mb", now.Add(time.Hour), true, false},
		{"expired data, data only", "GB", now.Add(-time.Hour), true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := storage.Bucket{ID: "1", Units: tc.units, Expiry: tc.expiry}
			if got := shown(b, now, tc.dataOnly); got != tc.want {
				t.Errorf("shown(units %q, expiry %v, dataOnly %v) = %v, want %v",
					tc.units, tc.expiry, tc.dataOnly, got, tc.want)
			}
		})
	}
}
