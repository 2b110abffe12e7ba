// Package due makes what falls due in a sandbox happen, in time order:
// buckets reach their expiry, reservations lapse and are released,
// recurring top-ups credit their periods. It runs when the sandbox clock is
// advanced and, while the clock follows the host, as real time passes. It
// imports ledger, storage and tmf from prepay.
package due

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	"prepay/ledger"
	"prepay/storage"
	"prepay/tmf"
)

// batchSize bounds what one transaction applies: a year's advance over
// thousands of items commits in many small transactions, never one giant
// one, and each carries its own progress, so a crash loses at most the
// batch in flight and repeats nothing.
const batchSize = 256

// Result is what an advance did: the clock moved from From to To, and what
// happened in between, counted as it was applied.
type Result struct {
	From     time.Time
	To       time.Time
	Happened storage.Happened
}

// Advance moves sb's clock forward to the time to(from) gives, from being
// the clock's time now, and makes everything due in between happen, in
// time order; the clock is then frozen there. to refuses a target it does
// not accept (backwards, too far) with its own error. The target is
// recorded before the first batch, so an advance cut off by a crash is
// finished by the next Pass (the worker's first tick after a restart) or
// the next Advance, whichever comes first. An advance found unfinished is
// finished before a new one starts.
func Advance(sb *storage.Sandbox, to func(from time.Time) (time.Time, error)) (Result, error) {
	clk := sb.Clock()
	var res Result
	err := clk.Hold(func() error {
		if _, err := finish(sb); err != nil {
			return err
		}
		from := clk.Now()
		target, err := to(from)
		if err != nil {
			return err
		}
		if err := sb.Update(func(tx *storage.Tx) error {
			if _, ok := tx.DueFloor(); !ok {
				if err := tx.SetDueFloor(from); err != nil {
					return err
				}
			}
			return tx.PutAdvance(storage.Advance{From: from, To: target})
		}); err != nil {
			return err
		}
		h, err := process(sb, target, true)
		if err != nil {
			return err
		}
		clk.Freeze(target)
		res = Result{From: from, To: target, Happened: h}
		return nil
	})
	return res, err
}

// finish completes an advance a crash cut off, if sb has one, and freezes
// the clock at its target. The clock's setting must be held.
func finish(sb *storage.Sandbox) (bool, error) {
	var a storage.Advance
	var pending bool
	if err := sb.View(func(tx *storage.Tx) (err error) {
		a, pending, err = tx.PendingAdvance()
		return err
	}); err != nil || !pending {
		return false, err
	}
	if _, err := process(sb, a.To, true); err != nil {
		return true, err
	}
	sb.Clock().Freeze(a.To)
	return true, nil
}

// Pass makes happen what has fallen due in sb: it finishes an advance cut
// off by a crash, and, while the clock follows the host, applies what fell
// due up to now. It reads before it writes, so a sandbox with nothing due
// costs one read and writes nothing.
func Pass(sb *storage.Sandbox) (storage.Happened, error) {
	clk := sb.Clock()
	var h storage.Happened
	err := clk.Hold(func() error {
		if done, err := finish(sb); done || err != nil {
			return err
		}
		if _, frozen := clk.Frozen(); frozen {
			return nil
		}
		now := clk.Now()
		work := false
		if err := sb.View(func(tx *storage.Tx) error {
			floor, hasFloor := tx.DueFloor()
			if !hasFloor {
				work = true
				return nil
			}
			d, ok, err := tx.NextDueAbove(floor)
			work = ok && !d.At.After(now)
			return err
		}); err != nil || !work {
			return err
		}
		var err error
		h, err = process(sb, now, false)
		return err
	})
	return h, err
}

// process applies what is due up to to, batch by batch. For an advance
// (adv) each batch adds its counts to the recorded advance, and the last
// freezes the clock at to and ends it; a real-time pass moves the floor to
// to in its last batch. The counts returned are the advance's in all,
// those of batches before a crash included.
func process(sb *storage.Sandbox, to time.Time, adv bool) (storage.Happened, error) {
	var total storage.Happened
	for {
		var done bool
		var sum storage.Happened
		err := sb.Update(func(tx *storage.Tx) error {
			var a storage.Advance
			if adv {
				var ok bool
				var err error
				if a, ok, err = tx.PendingAdvance(); err != nil {
					return err
				} else if !ok {
					return storage.Refuse(errors.New("the advance ended")) // a PUT or DELETE of the clock came between
				}
			}
			floor, ok := tx.DueFloor()
			if !ok {
				// A sandbox seen for the first time: what fell due before
				// now was never announced and never will be.
				done = true
				return tx.SetDueFloor(to)
			}
			h, reached, finished, err := batch(sb, tx, floor, to)
			if err != nil {
				return err
			}
			done = finished
			if !adv {
				sum = total.Add(h)
				if done {
					return tx.SetDueFloor(to)
				}
				return nil
			}
			a.Happened = a.Happened.Add(h)
			if !reached.IsZero() {
				a.Reached = reached
			}
			sum = a.Happened
			if done {
				return tx.FreezeClock(to) // ends the advance, floor at to
			}
			return tx.PutAdvance(a)
		})
		if err != nil {
			return total, err
		}
		total = sum
		if done {
			return total, nil
		}
	}
}

// batch applies at most batchSize entries due at or before to, in time
// order, each at its own time, deleting each as it goes: an entry at or
// below floor fell due before a clock setting and is dropped with no
// consequence.
func batch(sb *storage.Sandbox, tx *storage.Tx, floor []byte, to time.Time) (h storage.Happened, reached time.Time, done bool, err error) {
	for range batchSize {
		d, ok, err := tx.NextDue()
		if err != nil {
			return h, reached, false, err
		}
		if !ok || d.At.After(to) {
			return h, reached, true, nil
		}
		if bytes.Compare(d.Key(), floor) > 0 {
			if err := apply(sb, tx, d, &h); err != nil {
				return h, reached, false, err
			}
			reached = d.At
		} else if d.Kind == storage.DueRecurring {
			if err := skip(sb, tx, d, storage.DueTime(floor)); err != nil {
				return h, reached, false, err
			}
		}
		if err := tx.DropDue(d); err != nil {
			return h, reached, false, err
		}
	}
	return h, reached, false, nil
}

// apply makes entry d happen at its time, counting it in h. An entry whose
// record has moved on (a bucket extended, a reservation spent) is stale
// and does nothing.
func apply(sb *storage.Sandbox, tx *storage.Tx, d storage.Due, h *storage.Happened) error {
	bu, err := sb.BusinessUnit(d.BusinessID)
	if err != nil {
		return nil // the business unit is gone from the data set: nothing to do
	}
	var happened bool
	switch d.Kind {
	case storage.DueExpiry:
		happened, err = expire(tx, d, bu)
		if happened {
			h.BucketsExpired++
		}
	case storage.DueLapse:
		happened, err = lapse(tx, d, bu)
		if happened {
			h.ReservationsReleased++
		}
	case storage.DueRecurring:
		happened, err = credit(tx, d, bu)
		if happened {
			h.TopupsCredited++
		}
	}
	return err
}

// sameMilli reports whether a and b are the same millisecond, the
// index's grain.
func sameMilli(a, b time.Time) bool { return a.UnixMilli() == b.UnixMilli() }

// expire is a bucket reaching its expiry at d.At. Reads already judge a
// bucket against the clock, so its balance is gone from every endpoint the
// moment the clock passes its expiry; what happens here is that the change
// is announced, once.
func expire(tx *storage.Tx, d storage.Due, bu storage.BusinessUnit) (bool, error) {
	sub, err := tx.Subscriber(d.BusinessID, d.ServiceNo)
	if errors.Is(err, storage.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read service %s: %w", d.ServiceNo, err)
	}
	i := ledger.Find(sub, d.BucketID)
	if i < 0 || !sameMilli(sub.Buckets[i].Expiry, d.At) {
		return false, nil
	}
	// No request caused it: the event carries no correlation id.
	if err := ledger.PublishBucket(tx, ledger.BucketStateChange, bu, sub, i, d.At, ""); err != nil {
		return false, err
	}
	return true, nil
}

// lapse is reservation d.Seq's hold running out at d.At: the hold is
// released and the reservation is cancelled.
func lapse(tx *storage.Tx, d storage.Due, bu storage.BusinessUnit) (bool, error) {
	o, err := tx.Operation(d.BusinessID, d.Type, d.Seq)
	if errors.Is(err, storage.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read reservation %d: %w", d.Seq, err)
	}
	if o.Status != storage.StatusCreated || !sameMilli(o.HoldUntil, d.At) {
		return false, nil
	}
	sub, err := tx.Subscriber(d.BusinessID, o.Party.ServiceNo)
	switch {
	case errors.Is(err, storage.ErrNotFound):
	case err != nil:
		return false, fmt.Errorf("read service %s: %w", o.Party.ServiceNo, err)
	default:
		ledger.Release(&sub, o.Seq)
		ledger.Prune(&sub, d.At)
		if err := tx.PutSubscriber(sub); err != nil {
			return false, fmt.Errorf("write service %s: %w", sub.ServiceNo, err)
		}
		o.Balances, o.Accumulators = ledger.Snapshots(sub, d.At)
	}
	o.Status, o.Changed = storage.StatusCancelled, d.At
	if err := tx.PutOperation(o); err != nil {
		return false, fmt.Errorf("write reservation %d: %w", o.Seq, err)
	}
	if err := ledger.PublishAction(tx, ledger.EventCancel, o, o.Seq, bu, d.At, ""); err != nil {
		return false, err
	}
	return true, nil
}

// credit is a recurring top-up's period starting at d.At: the amount is
// credited again as a TopupBalance action of its own, loan first, with its
// history record, and the schedule moves to the next period or ends. A
// credit the rules refuse (the service or bucket gone, a balance limit)
// ends the schedule, saying why, and credits nothing.
func credit(tx *storage.Tx, d storage.Due, bu storage.BusinessUnit) (bool, error) {
	o, err := tx.Operation(d.BusinessID, d.Type, d.Seq)
	if errors.Is(err, storage.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read top-up %d: %w", d.Seq, err)
	}
	r := o.Recurring
	if r == nil || o.Status != storage.StatusCompleted || !sameMilli(r.Next, d.At) {
		return false, nil
	}
	now := d.At
	stop := func(why string) (bool, error) {
		r.Next, r.Stopped = time.Time{}, why
		if err := tx.PutOperation(o); err != nil {
			return false, fmt.Errorf("write top-up %d: %w", o.Seq, err)
		}
		return false, nil
	}
	sub, err := tx.Subscriber(d.BusinessID, o.Party.ServiceNo)
	if errors.Is(err, storage.ErrNotFound) {
		return stop(fmt.Sprintf("service %s was deleted", o.Party.ServiceNo))
	}
	if err != nil {
		return false, fmt.Errorf("read service %s: %w", o.Party.ServiceNo, err)
	}
	ledger.Prune(&sub, now)
	i, err := ledger.CurrencyBucket(sub, o.Party.BucketID, "bucket.id", "a top-up credits", bu)
	if err == nil {
		var moves []storage.Move
		if _, moves, err = ledger.Credit(&sub, i, o.Amount, now, bu); err == nil {
			return credited(tx, &o, sub, moves, now, bu)
		}
	}
	var te *tmf.Error
	if errors.As(err, &te) {
		return stop(te.Message)
	}
	return false, err
}

// credited writes one period's credit: the service, its history record,
// the TopupBalance action, and the schedule moved on.
func credited(tx *storage.Tx, o *storage.Operation, sub storage.Subscriber, moves []storage.Move, now time.Time, bu storage.BusinessUnit) (bool, error) {
	rec := storage.Operation{
		BusinessID: o.BusinessID, Type: storage.ActionTopup, Status: storage.StatusCompleted,
		RequestedDate: now, ConfirmationDate: now, Amount: o.Amount, Units: o.Units,
		Party: o.Party, Channel: o.Channel, Moves: moves,
	}
	rec.Balances, rec.Accumulators = ledger.Snapshots(sub, now)
	if err := tx.PutSubscriber(sub); err != nil {
		return false, fmt.Errorf("write service %s: %w", sub.ServiceNo, err)
	}
	entry := ledger.Entry{Type: storage.ActionTopup, Operation: "topupBalance", BU: bu, Channel: o.Channel, Amount: o.Amount, At: now}
	if _, err := ledger.AddRecord(tx, entry, sub); err != nil {
		return false, err
	}
	if err := tx.AddOperation(&rec); err != nil {
		return false, fmt.Errorf("record recurring top-up: %w", err)
	}
	if err := ledger.PublishAction(tx, ledger.EventCreate, rec, rec.Seq, bu, now, ""); err != nil {
		return false, err
	}
	o.Recurring.Credited++
	schedule(o.Recurring, bu)
	if err := tx.PutOperation(*o); err != nil {
		return false, fmt.Errorf("write top-up %d: %w", o.Seq, err)
	}
	return true, nil
}

// schedule sets r.Next to the start of the next period, or to zero when
// every period has passed.
func schedule(r *storage.Recurring, bu storage.BusinessUnit) {
	if r.Periods > 0 && r.Passed() >= r.Periods {
		r.Next = time.Time{}
		return
	}
	r.Next = storage.PeriodStart(r.Period, r.Start, r.Passed(), bu.Location())
}

// skip moves a recurring top-up whose period began at or before floor — a
// setting of the clock passed over it — to its first period after floor,
// crediting none of those passed over.
func skip(sb *storage.Sandbox, tx *storage.Tx, d storage.Due, floor time.Time) error {
	bu, err := sb.BusinessUnit(d.BusinessID)
	if err != nil {
		return nil
	}
	o, err := tx.Operation(d.BusinessID, d.Type, d.Seq)
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read top-up %d: %w", d.Seq, err)
	}
	r := o.Recurring
	if r == nil || o.Status != storage.StatusCompleted || !sameMilli(r.Next, d.At) {
		return nil
	}
	for !r.Next.IsZero() && !r.Next.After(floor) {
		r.Skipped++
		schedule(r, bu)
	}
	if err := tx.PutOperation(o); err != nil {
		return fmt.Errorf("write top-up %d: %w", o.Seq, err)
	}
	return nil
}
