package balances

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"prepay/storage"
)

func TestEncode(t *testing.T) {
	now := time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)
	cayman, err := time.LoadLocation("America/Cayman")
	if err != nil {
		t.Fatal(err)
	}
	// BusinessUnit's zone is set only by storage; a stored one is read back
	// through a real store in the main package's tests. Here the zone is
	// passed to appendFigures directly and encode is checked for the rest.
	active := storage.Bucket{ID: "1", Name: "Data 3MB", Units: "MB", Allowance: m("100.12"),
		Rollover: m("10.23"), Charges: m("50.42"), OverageRate: m("0.10"), Expiry: now.Add(30 * 24 * time.Hour)}
	expired := active
	expired.Expiry = now.Add(-time.Hour)

	t.Run("figures", func(t *testing.T) {
		f, err := figuresOf(active, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		got := string(appendFigures(nil, f, cayman))
		want := `{"categoryName":"Data 3MB","allowanceAmount":100.12,"allowanceUnit":"MB",` +
			`"rolloverAmount":10.23,"rolloverUnit":"MB","totalAllowanceAmount":110.35,"totalAllowanceUnit":"MB",` +
			`"chargesAmount":50.42,"chargesUnit":"MB","overageAmount":0.00,"overageUnit":"MB",` +
			`"overageCharge":0.00,"balanceAmount":59.93,"balanceUnit":"MB","expiryDate":"2026-12-23T10:00:00-05:00"}`
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("appendFigures (-want +got):\n%s", diff)
		}
	})

	tests := []struct {
		name    string
		account string
		buckets []storage.Bucket
		want    string
	}{
		{"only expired buckets", "190071170000", []storage.Bucket{expired},
			`{"accountNo":190071170000,"sourceBSS":"LIBERATE","serviceNo":"13459170552","balances":[]}`},
		{"no buckets", "0", nil,
			`{"accountNo":0,"sourceBSS":"LIBERATE","serviceNo":"13459170552","balances":[]}`},
		{"account with a leading zero stays a string", "0190071170000", nil,
			`{"accountNo":"0190071170000","sourceBSS":"LIBERATE","serviceNo":"13459170552","balances":[]}`},
		{"account with a letter stays a string", "A-19", nil,
			`{"accountNo":"A-19","sourceBSS":"LIBERATE","serviceNo":"13459170552","balances":[]}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sub := storage.Subscriber{ServiceNo: "13459170552", AccountNo: tc.account, Buckets: tc.buckets}
			got, err := encode(sub, storage.BusinessUnit{ID: "KY", SourceBSS: "LIBERATE"}, now, false)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, string(got)); diff != "" {
				t.Errorf("encode (-want +got):\n%s", diff)
			}
		})
	}
}
