package balances

import (
	"fmt"
	"time"

	"prepay/money"
	"prepay/storage"
)

// figures is one bucket as the endpoint shows it. Every figure is derived
// from the stored allowance, rollover and charges, so they always add up.
type figures struct {
	name, unit                               string
	allowance, rollover, totalAllowance      money.Amount
	charges, overage, overageCharge, balance money.Amount
	expiry                                   time.Time
}

// dataUnits are the units of the buckets dataBalancesOnly keeps.
var dataUnits = map[string]bool{"KB": true, "MB": true, "GB": true}

// figuresOf works out a bucket's figures: total allowance = allowance +
// rollover, balance = max(0, total − charges), overage = max(0, charges −
// total), overage charge = overage × rate rounded half-even to hundredths.
//
// The balance is what is available at now: reservations' holds that have
// not lapsed are kept out of it.
func figuresOf(b storage.Bucket, now time.Time) (figures, error) {
	overage := b.Overage()
	charge, err := money.MulRate(overage, b.OverageRate)
	if err != nil {
		return figures{}, fmt.Errorf("bucket %s: overage charge %s × %s: %w", b.ID, overage, b.OverageRate, err)
	}
	return figures{
		name: b.Name, unit: b.Units,
		allowance: b.Allowance, rollover: b.Rollover, totalAllowance: b.TotalAllowance(),
		charges: b.Charges, overage: overage, overageCharge: charge, balance: b.Available(now),
		expiry: b.Expiry,
	}, nil
}

// shown reports whether the answer lists bucket b at now: unexpired, and a
// data bucket when only data balances are asked for.
func shown(b storage.Bucket, now time.Time, dataOnly bool) bool {
	return b.Active(now) && (!dataOnly || dataUnits[b.Units])
}
