package ledger

import (
	"errors"
	"fmt"
	"time"

	"prepay/money"
	"prepay/storage"
	"prepay/tmf"
)

// Change is a bucket whose balance an operation changed: its index in the
// service's buckets and its available balance before.
type Change struct {
	Index  int
	Before money.Amount
}

// Credit applies a credit of amount to sub, in place: the loans it owes are
// repaid first (raising each loan's charges, so its balance — what is owed —
// falls), the rest raises the allowance of the bucket at index target, and
// that bucket's expiry moves to at least now + the business unit's validity.
// It returns the buckets whose balance changed, target first, then the
// loans in the service's order, as seed 001 lists them, and the moves that
// undo it when negated.
//
// The target's validity is extended even when the whole amount went to a
// loan: the subscriber has been credited, and the line stays usable.
func Credit(sub *storage.Subscriber, target int, amount money.Amount, now time.Time, bu storage.BusinessUnit) ([]Change, []storage.Move, error) {
	var loans []int
	var owed []money.Amount
	for i, b := range sub.Buckets {
		if i != target && owes(b, now, bu.Currency) {
			loans = append(loans, i)
			owed = append(owed, b.Balance())
		}
	}
	repay, rest := split(amount, owed)

	var changes []Change
	t := &sub.Buckets[target]
	tmove := storage.Move{ServiceNo: sub.ServiceNo, BucketID: t.ID}
	if !t.Active(now) {
		// An expired balance is gone (the balances endpoint no longer shows
		// it); a credit starts the bucket afresh rather than reviving it.
		t.Allowance, t.Rollover, t.Charges, t.Holds = 0, 0, 0, nil
	}
	if rest > 0 {
		before := t.Available(now)
		allowance, err := money.Add(t.Allowance, rest)
		if err != nil {
			return nil, nil, tmf.Fail(tmf.CodeBalanceLimit, "bucket %s's allowance would be %s + %s, past %s", t.ID, t.Allowance, rest, money.Max)
		}
		t.Allowance = allowance
		if err := storage.LimitError(*t); err != nil {
			return nil, nil, err
		}
		tmove.Allowance = rest
		changes = append(changes, Change{Index: target, Before: before})
	}
	if until := now.Add(bu.Validity()); t.Expiry.Before(until) {
		tmove.ExpiryBefore, tmove.ExpiryAfter = t.Expiry, until
		t.Expiry = until
	}
	moves := []storage.Move{tmove}

	for j, i := range loans {
		if repay[j] == 0 {
			continue
		}
		l := &sub.Buckets[i]
		changes = append(changes, Change{Index: i, Before: l.Available(now)})
		// No overflow: repay ≤ balance = total allowance − charges.
		l.Charges += repay[j]
		moves = append(moves, storage.Move{ServiceNo: sub.ServiceNo, BucketID: l.ID, Charges: repay[j]})
	}
	return changes, moves, nil
}

// owes reports whether b is a loan the subscriber has yet to repay: a
// live Loan bucket in the business unit's currency with a balance left.
func owes(b storage.Bucket, now time.Time, currency string) bool {
	return b.Type == storage.BucketLoan && b.Active(now) && b.IsCurrency() &&
		b.Units == currency && b.Balance() > 0
}

// CurrencyBucket returns the index of the bucket id of sub if money can be
// credited to it or taken from it: a currency bucket in the business
// unit's currency, and not a loan. field names the request's field in the
// answer when it cannot, and what the operation ("a top-up credits").
func CurrencyBucket(sub storage.Subscriber, id, field, what string, bu storage.BusinessUnit) (int, error) {
	i := Find(sub, id)
	if i < 0 {
		return 0, tmf.Fail(tmf.CodeUnknownBucket, "%s %q is not a bucket of service %s", tmf.Text(field), id, sub.ServiceNo)
	}
	b := sub.Buckets[i]
	switch {
	case !b.IsCurrency() || b.Units != bu.Currency:
		return 0, tmf.Fail(tmf.CodeBucketNotCurrency, "%s %q holds %s, not %s: %s a %s bucket", tmf.Text(field), b.ID, b.Units, bu.Currency, tmf.Text(what), storage.UsageCurrency)
	case b.Type == storage.BucketLoan:
		return 0, tmf.Fail(tmf.CodeBucketIsLoan, "%s %q is a loan: credits repay it first, nothing credits or debits it directly", tmf.Text(field), b.ID)
	}
	return i, nil
}

// Find returns the index of bucket id of sub, or -1.
func Find(sub storage.Subscriber, id string) int {
	for i, b := range sub.Buckets {
		if b.ID == id {
			return i
		}
	}
	return -1
}

// Redeemable returns voucher code of bu if it can be redeemed at now. A
// voucher that cannot is a *tmf.Error; any other error is storage failing.
func Redeemable(tx *storage.Tx, bu storage.BusinessUnit, code string, now time.Time) (storage.Voucher, error) {
	v, err := tx.Voucher(bu.ID, code)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return v, tmf.Fail(tmf.CodeUnknownVoucher, "voucher %q is not a voucher of business unit %s", code, bu.ID)
	case err != nil:
		return v, fmt.Errorf("read voucher %s: %w", code, err)
	case v.Redeemed():
		return v, tmf.Fail(tmf.CodeVoucherRedeemed, "voucher %q was redeemed on %s", v.Code, tmf.FormatMillis(v.RedeemedAt, bu.Location()))
	case !v.Expiry.IsZero() && !now.Before(v.Expiry):
		return v, tmf.Fail(tmf.CodeVoucherExpired, "voucher %q expired on %s", v.Code, tmf.FormatMillis(v.Expiry, bu.Location()))
	}
	return v, nil
}

// Give raises the allowance of the bucket at index i by amount, with no
// loan first and no validity: an adjustment's credit goes where it is
// aimed.
func Give(sub *storage.Subscriber, i int, amount money.Amount, now time.Time) (storage.Move, error) {
	b := &sub.Buckets[i]
	if !b.Active(now) {
		return storage.Move{}, tmf.Fail(tmf.CodeBucketExpired, "bucket %q of service %s expired; credit a live bucket", b.ID, sub.ServiceNo)
	}
	allowance, err := money.Add(b.Allowance, amount)
	if err != nil {
		return storage.Move{}, tmf.Fail(tmf.CodeBalanceLimit, "bucket %s's allowance would be %s + %s, past %s", b.ID, b.Allowance, amount, money.Max)
	}
	nb := *b
	nb.Allowance = allowance
	if err := storage.LimitError(nb); err != nil {
		return storage.Move{}, err
	}
	*b = nb
	return storage.Move{ServiceNo: sub.ServiceNo, BucketID: b.ID, Allowance: amount}, nil
}
