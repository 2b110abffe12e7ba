package topup

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"prepay/money"
	"prepay/storage"
	"prepay/tmf"
)

// op is one top-up as its transaction needs it: the checked request, who
// asks, in which business unit, and when.
type op struct {
	req    request
	bu     storage.BusinessUnit
	client storage.Client
	now    time.Time
	// host is the host's time, which judges how long a key is remembered:
	// no sandbox clock setting, restart or advance can make a retry new.
	host time.Time
}

// outcome is what one run of a top-up's transaction decided: a body to send,
// new or replayed. A refusal (404, 409, 422) is not an outcome but a
// storage.Refuse, decided before anything is written.
type outcome struct {
	status   int
	body     []byte
	replayed bool
	seq      uint64       // the history record's number; 0 for a replay
	credited money.Amount // what a new top-up credited; 0 for a replay
}

// refuse answers err without writing: see storage.Refuse.
func refuse(err error) (outcome, error) { return outcome{}, storage.Refuse(err) }

// apply runs a top-up inside a write transaction shared with other
// requests. It checks everything first and writes only once nothing can be
// refused, so a refusal leaves no trace in the shared transaction. Its error
// is a refusal or a storage failure; the writer undoes a failed request's
// writes alone.
func apply(tx *storage.Tx, o op) (outcome, error) {
	// The key is checked inside the transaction, where no other write can
	// come between the check and the record: two racing repeats credit once.
	if out, found, err := replay(tx, o); found || err != nil {
		return out, err
	}

	sub, err := tx.Service(o.bu.ID, o.req.serviceNo, o.req.lob)
	if errors.Is(err, storage.ErrNotFound) {
		return refuse(tmf.Fail(tmf.CodeUnknownService, "partyAccount.id %q is not a %s service of business unit %s", o.req.serviceNo, o.req.lob, o.bu.ID))
	}
	if err != nil {
		return outcome{}, fmt.Errorf("read service %s: %w", o.req.serviceNo, err)
	}
	if sub.LOB == tmf.LOBPostpaid {
		return refuse(tmf.Fail(tmf.CodePostpaid, "partyAccount.id %q is a POSTPAID service: it has no prepaid balance to top up", sub.ServiceNo))
	}
	target, err := targetBucket(sub, o)
	if err != nil {
		return refuse(err)
	}

	amount := o.req.amount
	var voucher storage.Voucher
	if o.req.voucher != "" {
		if voucher, err = redeemable(tx, o); err != nil {
			var te *tmf.Error
			if errors.As(err, &te) {
				return refuse(err)
			}
			return outcome{}, err
		}
		amount = voucher.Amount
	}

	changes, err := credit(&sub, target, amount, o.now, o.bu)
	if err != nil {
		return refuse(err)
	}
	body, err := json.Marshal(newResponse(o.bu, sub.ServiceInternalID, o.req.voucher, amount, sub.Buckets, target, changes))
	if err != nil {
		return outcome{}, fmt.Errorf("encode response: %w", err)
	}

	// Nothing can be refused from here on: write.
	if o.req.voucher != "" {
		voucher.RedeemedAt, voucher.RedeemedBy = o.now, sub.ServiceNo
		if err := tx.PutVoucher(voucher); err != nil {
			return outcome{}, fmt.Errorf("redeem voucher %s: %w", voucher.Code, err)
		}
	}
	if err := tx.PutSubscriber(sub); err != nil {
		return outcome{}, fmt.Errorf("credit service %s: %w", sub.ServiceNo, err)
	}
	a := newAction(o, sub, amount, tx.NextActionSeq())
	if err := tx.AddAction(&a); err != nil {
		return outcome{}, fmt.Errorf("record action: %w", err)
	}
	if err := remember(tx, o, http.StatusOK, body); err != nil {
		return outcome{}, err
	}
	return outcome{status: http.StatusOK, body: body, seq: a.Seq, credited: amount}, nil
}

// targetBucket returns the index of the bucket to credit: a currency bucket
// of the service in the business unit's currency, and not a loan.
func targetBucket(sub storage.Subscriber, o op) (int, error) {
	i := slices.IndexFunc(sub.Buckets, func(b storage.Bucket) bool { return b.ID == o.req.bucketID })
	if i < 0 {
		return 0, tmf.Fail(tmf.CodeUnknownBucket, "bucket.id %q is not a bucket of service %s", o.req.bucketID, sub.ServiceNo)
	}
	b := sub.Buckets[i]
	switch {
	case !b.IsCurrency() || b.Units != o.bu.Currency:
		return 0, tmf.Fail(tmf.CodeBucketNotCurrency, "bucket.id %q holds %s, not %s: a top-up credits a %s bucket", b.ID, b.Units, o.bu.Currency, storage.UsageCurrency)
	case b.Type == storage.BucketLoan:
		return 0, tmf.Fail(tmf.CodeBucketIsLoan, "bucket.id %q is a loan: a top-up repays it first but never credits it", b.ID)
	}
	return i, nil
}

// redeemable returns the request's voucher if it can be redeemed now. A
// voucher that cannot is a *tmf.Error; any other error is storage failing.
func redeemable(tx *storage.Tx, o op) (storage.Voucher, error) {
	v, err := tx.Voucher(o.bu.ID, o.req.voucher)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return v, tmf.Fail(tmf.CodeUnknownVoucher, "voucher %q is not a voucher of business unit %s", o.req.voucher, o.bu.ID)
	case err != nil:
		return v, fmt.Errorf("read voucher %s: %w", o.req.voucher, err)
	case v.Redeemed():
		return v, tmf.Fail(tmf.CodeVoucherRedeemed, "voucher %q was redeemed on %s", v.Code, tmf.FormatMillis(v.RedeemedAt, o.bu.Location()))
	case !v.Expiry.IsZero() && !o.now.Before(v.Expiry):
		return v, tmf.Fail(tmf.CodeVoucherExpired, "voucher %q expired on %s", v.Code, tmf.FormatMillis(v.Expiry, o.bu.Location()))
	}
	return v, nil
}
