package actions

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"prepay/ledger"
	"prepay/storage"
	"prepay/tmf"
)

// allowed lists, per kind and status, the statuses a PATCH may ask for.
func allowed(kind, status string) []string {
	switch {
	case kind == storage.ActionReserve && status == storage.StatusCreated:
		return []string{storage.StatusCompleted, storage.StatusCancelled}
	case (kind == storage.ActionTopup || kind == storage.ActionAdjust) && status == storage.StatusCompleted:
		return []string{storage.StatusCancelled}
	}
	return nil
}

// change moves operation seq of kind to status want inside a shared write
// transaction: a reservation is spent (completed) or released
// (cancelled); a completed top-up or adjustment is cancelled by reversing
// its moves, recorded in the history as a record of its @type with the
// negated amount. It returns the operation after.
func change(tx *storage.Tx, bu storage.BusinessUnit, client storage.Client, kind string, seq uint64, want string, now time.Time, corr string) (storage.Operation, error) {
	o, err := tx.Operation(bu.ID, kind, seq)
	if errors.Is(err, storage.ErrNotFound) {
		return o, storage.Refuse(notFound(bu, kind, seq))
	}
	if err != nil {
		return o, fmt.Errorf("read %s %d: %w", kind, seq, err)
	}
	cur := status(o, now)
	ok := allowed(kind, cur)
	if !slices.Contains(ok, want) {
		names := "none"
		if len(ok) > 0 {
			names = strings.Join(ok, ", ")
		}
		return o, storage.Refuse(tmf.Fail(tmf.CodeInvalidStatusChange, "status: %s %d is %s; it may change to: %s; got %q", kind, seq, cur, names, want))
	}
	sub, err := tx.Subscriber(bu.ID, o.Party.ServiceNo)
	if errors.Is(err, storage.ErrNotFound) {
		return o, storage.Refuse(tmf.Fail(tmf.CodeCancelNotPossible, "service %s of %s %d is gone", o.Party.ServiceNo, kind, seq))
	}
	if err != nil {
		return o, fmt.Errorf("read service %s: %w", o.Party.ServiceNo, err)
	}
	var (
		entry   *ledger.Entry
		voucher *storage.Voucher
		spent   = -1 // the bucket a spent reservation charged
	)
	switch {
	case kind == storage.ActionReserve && want == storage.StatusCompleted:
		i := ledger.Find(sub, o.Party.BucketID)
		if i < 0 {
			return o, storage.Refuse(tmf.Fail(tmf.CodeInvalidStatusChange, "bucket %q of reservation %d is gone", o.Party.BucketID, seq))
		}
		m, err := ledger.Spend(&sub, i, seq, now)
		if err != nil {
			return o, storage.Refuse(err)
		}
		o.Moves, spent = []storage.Move{m}, i
		entry = &ledger.Entry{Type: kind, Operation: operationName(kind), BU: bu, Channel: o.Channel, Amount: o.Amount, At: now}
	case kind == storage.ActionReserve:
		ledger.Release(&sub, seq)
	default:
		if err := ledger.Reverse(&sub, o.Moves, now); err != nil {
			return o, storage.Refuse(err)
		}
		if o.Voucher != "" {
			v, err := tx.Voucher(bu.ID, o.Voucher)
			if err != nil {
				return o, fmt.Errorf("read voucher %s: %w", o.Voucher, err)
			}
			v.RedeemedAt, v.RedeemedBy = time.Time{}, ""
			voucher = &v
		}
		entry = &ledger.Entry{Type: kind, Operation: operationName(kind), BU: bu, Channel: client.Channel, Amount: -o.Amount, Voucher: o.Voucher, At: now}
	}
	ledger.Prune(&sub, now)

	// Nothing can be refused from here on: write.
	if voucher != nil {
		if err := tx.PutVoucher(*voucher); err != nil {
			return o, fmt.Errorf("return voucher %s: %w", voucher.Code, err)
		}
	}
	if err := tx.PutSubscriber(sub); err != nil {
		return o, fmt.Errorf("write service %s: %w", sub.ServiceNo, err)
	}
	if entry != nil {
		if _, err := ledger.AddRecord(tx, *entry, sub); err != nil {
			return o, err
		}
	}
	o.Status, o.Changed = want, now
	o.Balances, o.Accumulators = ledger.Snapshots(sub, now)
	if err := tx.PutOperation(o); err != nil {
		return o, fmt.Errorf("write %s %d: %w", kind, seq, err)
	}
	// A cancellation is the action's CancelEvent; spending a reservation
	// has no TMF654 action event, and is announced as what it is, a change
	// of the bucket's balance.
	if want == storage.StatusCancelled {
		err = ledger.PublishAction(tx, ledger.EventCancel, o, seq, bu, now, corr)
	} else if spent >= 0 {
		err = ledger.PublishBucket(tx, ledger.BucketBalanceChange, bu, sub, spent, now, corr)
	}
	if err != nil {
		return o, fmt.Errorf("publish %s %d: %w", kind, seq, err)
	}
	return o, nil
}

func notFound(bu storage.BusinessUnit, kind string, id any) error {
	return tmf.Fail(tmf.CodeActionNotFound, "%s %q names no %s of businessId %s", paths[kind], fmt.Sprint(id), kind, bu.ID)
}
