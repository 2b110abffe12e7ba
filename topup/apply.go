package topup

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"prepay/ledger"
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
	// corr is the request's correlation id, which its events carry.
	corr string
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

// key is the top-up's idempotency key.
func (o op) key() ledger.Key {
	return ledger.Key{ClientID: o.client.ID, BusinessID: o.bu.ID, Key: o.req.key, Header: o.req.keyHeader,
		Fingerprint: o.req.fingerprint, Host: o.host}
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
	if ans, found, err := ledger.Replay(tx, o.key()); found || err != nil {
		return outcome{status: ans.Status, body: ans.Body, replayed: true}, err
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
	ledger.Prune(&sub, o.now)
	target, err := ledger.CurrencyBucket(sub, o.req.bucketID, "bucket.id", "a top-up credits", o.bu)
	if err != nil {
		return refuse(err)
	}

	amount := o.req.amount
	var voucher storage.Voucher
	if o.req.voucher != "" {
		if voucher, err = ledger.Redeemable(tx, o.bu, o.req.voucher, o.now); err != nil {
			var te *tmf.Error
			if errors.As(err, &te) {
				return refuse(err)
			}
			return outcome{}, err
		}
		amount = voucher.Amount
	}

	changes, moves, err := ledger.Credit(&sub, target, amount, o.now, o.bu)
	if err != nil {
		return refuse(err)
	}
	body := newResponse(o.bu, sub.ServiceInternalID, o.req.voucher, amount, sub.Buckets, target, changes, o.now).appendJSON(nil)

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
	a, err := ledger.AddRecord(tx, ledger.Entry{Type: storage.ActionTopup, Operation: "topupBalance", BU: o.bu,
		Channel: o.client.Channel, Amount: amount, Voucher: o.req.voucher, At: o.now}, sub)
	if err != nil {
		return outcome{}, err
	}
	// A BOT UX top-up is a TMF654 TopupBalance action too.
	rec := storage.Operation{BusinessID: o.bu.ID, Type: storage.ActionTopup, Status: storage.StatusCompleted,
		RequestedDate: o.now, ConfirmationDate: o.now, Amount: amount, Units: o.bu.Currency,
		Party:   storage.Party{ServiceNo: sub.ServiceNo, ProductID: sub.ServiceInternalID, PartyAccountID: sub.OwningAccountInternalID, BucketID: sub.Buckets[target].ID},
		Channel: o.client.Channel, Voucher: o.req.voucher, Moves: moves, Balances: a.Balances, Accumulators: a.Accumulators,
	}
	if err := tx.AddOperation(&rec); err != nil {
		return outcome{}, fmt.Errorf("record operation: %w", err)
	}
	if err := ledger.PublishAction(tx, ledger.EventCreate, rec, rec.Seq, o.bu, o.now, o.corr); err != nil {
		return outcome{}, fmt.Errorf("publish top-up: %w", err)
	}
	if err := ledger.Remember(tx, o.key(), http.StatusOK, body); err != nil {
		return outcome{}, err
	}
	return outcome{status: http.StatusOK, body: body, seq: a.Seq, credited: amount}, nil
}
