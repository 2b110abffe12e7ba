package topup

import (
	"time"

	"prepay/money"
	"prepay/storage"
	"prepay/tmf"
)

// change is a bucket whose balance a top-up changed: its index in the
// service's buckets and its balance before.
type change struct {
	index  int
	before money.Amount
}

// credit applies a top-up of amount to sub, in place: the loans it owes are
// repaid first (raising each loan's charges, so its balance — what is owed —
// falls), the rest raises the allowance of the bucket at index target, and
// that bucket's expiry moves to at least now + the business unit's validity.
// It returns the buckets whose balance changed, target first, then the
// loans in the service's order, as seed 001 lists them.
//
// The target's validity is extended even when the whole amount went to a
// loan: the subscriber has topped up, and the line stays usable.
func credit(sub *storage.Subscriber, target int, amount money.Amount, now time.Time, bu storage.BusinessUnit) ([]change, error) {
	var loans []int
	var owed []money.Amount
	for i, b := range sub.Buckets {
		if i != target && owes(b, now, bu.Currency) {
			loans = append(loans, i)
			owed = append(owed, b.Balance())
		}
	}
	repay, rest := split(amount, owed)

	var changes []change
	t := &sub.Buckets[target]
	if !t.Active(now) {
		// An expired balance is gone (the balances endpoint no longer shows
		// it); a top-up starts the bucket afresh rather than reviving it.
		t.Allowance, t.Rollover, t.Charges = 0, 0, 0
	}
	if rest > 0 {
		before := t.Balance()
		allowance, err := money.Add(t.Allowance, rest)
		if err != nil {
			return nil, tmf.Fail(tmf.CodeBalanceLimit, "bucket %s's allowance would be %s + %s, past %s", t.ID, t.Allowance, rest, money.Max)
		}
		t.Allowance = allowance
		if err := storage.LimitError(*t); err != nil {
			return nil, err
		}
		changes = append(changes, change{index: target, before: before})
	}
	if until := now.Add(bu.Validity()); t.Expiry.Before(until) {
		t.Expiry = until
	}

	for j, i := range loans {
		if repay[j] == 0 {
			continue
		}
		l := &sub.Buckets[i]
		changes = append(changes, change{index: i, before: l.Balance()})
		// No overflow: repay ≤ balance = total allowance − charges.
		l.Charges += repay[j]
	}
	return changes, nil
}

// owes reports whether b is a loan the subscriber has yet to repay: a
// live Loan bucket in the business unit's currency with a balance left.
func owes(b storage.Bucket, now time.Time, currency string) bool {
	return b.Type == storage.BucketLoan && b.Active(now) && b.IsCurrency() &&
		b.Units == currency && b.Balance() > 0
}
