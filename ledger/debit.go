package ledger

import (
	"slices"
	"time"

	"prepay/money"
	"prepay/storage"
	"prepay/tmf"
)

// Debit takes amount from the bucket at index i of sub by raising its
// charges, never below what is available at now (its balance less what
// reservations hold): 422 INSUFFICIENT_BALANCE otherwise. An expired
// bucket has nothing to take.
func Debit(sub *storage.Subscriber, i int, amount money.Amount, now time.Time) (storage.Move, error) {
	b := &sub.Buckets[i]
	if !b.Active(now) {
		return storage.Move{}, tmf.Fail(tmf.CodeBucketExpired, "bucket %q of service %s expired; it has nothing to take", b.ID, sub.ServiceNo)
	}
	if avail := b.Available(now); amount > avail {
		return storage.Move{}, tmf.Fail(tmf.CodeInsufficientBalance, "bucket %q of service %s has %s available (%s held); %s is needed",
			b.ID, sub.ServiceNo, avail, b.Held(now), amount)
	}
	charges, err := money.Add(b.Charges, amount)
	if err != nil {
		return storage.Move{}, tmf.Fail(tmf.CodeBalanceLimit, "bucket %s's charges would be %s + %s, past %s", b.ID, b.Charges, amount, money.Max)
	}
	nb := *b
	nb.Charges = charges
	if err := storage.LimitError(nb); err != nil {
		return storage.Move{}, err
	}
	*b = nb
	return storage.Move{ServiceNo: sub.ServiceNo, BucketID: b.ID, Charges: amount}, nil
}

// Usable checks that usage of amount on bucket b of service serviceNo
// spends no held money at now. Usage, unlike a debit, may run past the
// balance into overage; but while a reservation holds part of the bucket,
// usage may take only what is available (the balance less what is held):
// the held money is promised to the reservation, and spending it twice
// would make money. 422 INSUFFICIENT_BALANCE otherwise.
func Usable(b storage.Bucket, serviceNo string, amount money.Amount, now time.Time) error {
	if held := b.Held(now); held > 0 && amount > b.Available(now) {
		return tmf.Fail(tmf.CodeInsufficientBalance, "bucket %q of service %s has %s available (%s held by reservations); usage of %s would spend held money",
			b.ID, serviceNo, b.Available(now), held, amount)
	}
	return nil
}

// Hold keeps amount of the bucket at index i back for reservation seq
// until until. Like a debit, it may hold only what is available.
func Hold(sub *storage.Subscriber, i int, seq uint64, amount money.Amount, until, now time.Time) error {
	b := &sub.Buckets[i]
	if !b.Active(now) {
		return tmf.Fail(tmf.CodeBucketExpired, "bucket %q of service %s expired; it has nothing to hold", b.ID, sub.ServiceNo)
	}
	if avail := b.Available(now); amount > avail {
		return tmf.Fail(tmf.CodeInsufficientBalance, "bucket %q of service %s has %s available (%s held); %s cannot be held",
			b.ID, sub.ServiceNo, avail, b.Held(now), amount)
	}
	b.Holds = append(b.Holds, storage.Hold{Seq: seq, Amount: amount, Until: until})
	return nil
}

// Release drops reservation seq's hold, wherever it is; it reports whether
// there was one.
func Release(sub *storage.Subscriber, seq uint64) bool {
	found := false
	for i := range sub.Buckets {
		b := &sub.Buckets[i]
		n := len(b.Holds)
		b.Holds = slices.DeleteFunc(b.Holds, func(h storage.Hold) bool { return h.Seq == seq })
		found = found || len(b.Holds) != n
		if len(b.Holds) == 0 {
			b.Holds = nil
		}
	}
	return found
}

// Spend turns reservation seq's hold on the bucket at index i into a
// charge of its amount. The hold must not have lapsed at now.
func Spend(sub *storage.Subscriber, i int, seq uint64, now time.Time) (storage.Move, error) {
	b := &sub.Buckets[i]
	k := slices.IndexFunc(b.Holds, func(h storage.Hold) bool { return h.Seq == seq })
	if k < 0 || !now.Before(b.Holds[k].Until) {
		return storage.Move{}, tmf.Fail(tmf.CodeInvalidStatusChange, "reservation %d holds nothing any more: it lapsed", seq)
	}
	amount := b.Holds[k].Amount
	charges, err := money.Add(b.Charges, amount)
	if err != nil {
		return storage.Move{}, tmf.Fail(tmf.CodeBalanceLimit, "bucket %s's charges would be %s + %s, past %s", b.ID, b.Charges, amount, money.Max)
	}
	nb := *b
	nb.Charges = charges
	nb.Holds = slices.Delete(slices.Clone(b.Holds), k, k+1)
	if err := storage.LimitError(nb); err != nil {
		return storage.Move{}, err
	}
	*b = nb
	return storage.Move{ServiceNo: sub.ServiceNo, BucketID: b.ID, Charges: amount}, nil
}

// Prune drops the holds that have lapsed at now: they no longer count, and
// a write need not carry them.
func Prune(sub *storage.Subscriber, now time.Time) {
	for i := range sub.Buckets {
		b := &sub.Buckets[i]
		b.Holds = slices.DeleteFunc(b.Holds, func(h storage.Hold) bool { return !now.Before(h.Until) })
		if len(b.Holds) == 0 {
			b.Holds = nil
		}
	}
}

// Reverse undoes moves on sub, the ones of sub's service: allowances given
// are taken back, charges added are removed, and a validity an operation
// extended returns to what it was, if nothing has extended it since. It
// refuses with 409 CANCEL_NOT_POSSIBLE, changing nothing, when the money
// has moved on: a credit already spent or held, a charge already undone.
func Reverse(sub *storage.Subscriber, moves []storage.Move, now time.Time) error {
	next := slices.Clone(sub.Buckets)
	for i := range next {
		next[i].Holds = slices.Clone(next[i].Holds)
	}
	for _, m := range moves {
		if m.ServiceNo != sub.ServiceNo {
			continue
		}
		i := Find(*sub, m.BucketID)
		if i < 0 {
			return tmf.Fail(tmf.CodeCancelNotPossible, "bucket %q of service %s is gone", m.BucketID, sub.ServiceNo)
		}
		b := &next[i]
		if m.Allowance > 0 {
			// What was given must still be there to take back, not spent
			// and not held.
			if avail := b.Available(now); avail < m.Allowance || b.Allowance < m.Allowance {
				return tmf.Fail(tmf.CodeCancelNotPossible, "bucket %q of service %s has %s available; the %s credited has been spent or held since",
					b.ID, sub.ServiceNo, avail, m.Allowance)
			}
			b.Allowance -= m.Allowance
		}
		if m.Charges != 0 {
			if b.Charges < m.Charges {
				return tmf.Fail(tmf.CodeCancelNotPossible, "bucket %q of service %s has charges of %s; %s cannot be taken off them",
					b.ID, sub.ServiceNo, b.Charges, m.Charges)
			}
			b.Charges -= m.Charges
		}
		if !m.ExpiryAfter.IsZero() && b.Expiry.Equal(m.ExpiryAfter) {
			b.Expiry = m.ExpiryBefore
		}
		if err := storage.LimitError(*b); err != nil {
			return err
		}
	}
	sub.Buckets = next
	return nil
}
