package actions

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"prepay/ledger"
	"prepay/money"
	"prepay/storage"
	"prepay/tmf"
)

// op is one POST as its transaction needs it.
type op struct {
	kind   string
	req    request
	bu     storage.BusinessUnit
	client storage.Client
	now    time.Time // sandbox time, to the millisecond
	host   time.Time // host time: judges idempotency
	corr   string    // the request's correlation id, which its events carry
}

func (o op) key() ledger.Key {
	return ledger.Key{ClientID: o.client.ID, BusinessID: o.bu.ID, Key: o.req.key, Header: o.req.keyHeader,
		Fingerprint: o.req.fingerprint, Host: o.host}
}

// outcome is a body to send, new or replayed.
type outcome struct {
	status   int
	body     []byte
	replayed bool
}

// create runs a POST of o.kind inside a shared write transaction: it
// checks everything first, refuses with storage.Refuse before writing, and
// then writes the services, the history record(s), the operation and the
// idempotency record.
func create(tx *storage.Tx, o op) (outcome, error) {
	if ans, found, err := ledger.Replay(tx, o.key()); found || err != nil {
		return outcome{status: ans.Status, body: ans.Body, replayed: true}, err
	}
	sub, err := resolve(tx, o.bu, o.req.service)
	if err != nil {
		return outcome{}, err
	}
	if o.req.partyAccount != "" && o.req.partyAccount != sub.OwningAccountInternalID {
		return outcome{}, storage.Refuse(tmf.Fail(tmf.CodePartyAccountMismatch, "partyAccount.id %q is not the account of service %s", o.req.partyAccount, sub.ServiceNo))
	}
	ledger.Prune(&sub, o.now)
	rec := storage.Operation{
		BusinessID: o.bu.ID, Type: o.kind, Status: storage.StatusCompleted,
		RequestedDate: o.now, ConfirmationDate: o.now, Amount: o.req.amount, Units: o.bu.Currency,
		Party:   party(sub, o.req.bucketID),
		Channel: o.client.Channel,
	}
	var (
		changed []storage.Subscriber // services to write, in order
		entries []ledger.Entry       // one history record per changed service, in the same order
		voucher *storage.Voucher
	)
	entry := ledger.Entry{Type: o.kind, Operation: operationName(o.kind), BU: o.bu, Channel: o.client.Channel, Amount: o.req.amount, At: o.now}

	switch o.kind {
	case storage.ActionTopup:
		i, err := ledger.CurrencyBucket(sub, o.req.bucketID, "bucket.id", "a top-up credits", o.bu)
		if err != nil {
			return outcome{}, storage.Refuse(err)
		}
		if o.req.voucher != "" {
			v, err := ledger.Redeemable(tx, o.bu, o.req.voucher, o.now)
			if err != nil {
				if _, ok := err.(*tmf.Error); ok {
					return outcome{}, storage.Refuse(err)
				}
				return outcome{}, err
			}
			v.RedeemedAt, v.RedeemedBy = o.now, sub.ServiceNo
			voucher, rec.Amount, rec.Voucher = &v, v.Amount, v.Code
			entry.Amount, entry.Voucher = v.Amount, v.Code
		}
		_, moves, err := ledger.Credit(&sub, i, rec.Amount, o.now, o.bu)
		if err != nil {
			return outcome{}, storage.Refuse(err)
		}
		rec.Moves = moves
		if o.req.recurring != "" {
			r := &storage.Recurring{Period: o.req.recurring, Periods: o.req.periods, Start: o.now, Credited: 1}
			if r.Periods != 1 {
				r.Next = storage.PeriodStart(r.Period, r.Start, 1, o.bu.Location())
			}
			rec.Recurring = r
		}
		changed, entries = append(changed, sub), append(entries, entry)

	case storage.ActionAdjust:
		i, err := ledger.CurrencyBucket(sub, o.req.bucketID, "bucket.id", "an adjustment changes", o.bu)
		if err != nil {
			return outcome{}, storage.Refuse(err)
		}
		var m storage.Move
		if o.req.amount > 0 {
			m, err = ledger.Give(&sub, i, o.req.amount, o.now)
		} else {
			m, err = ledger.Debit(&sub, i, -o.req.amount, o.now)
		}
		if err != nil {
			return outcome{}, storage.Refuse(err)
		}
		rec.Reason, rec.Moves = o.req.reason, []storage.Move{m}
		changed, entries = append(changed, sub), append(entries, entry)

	case storage.ActionTransfer:
		out, err := transfer(tx, o, &rec, sub)
		if err != nil {
			return outcome{}, err
		}
		changed = out
		entries = []ledger.Entry{entry, entry}
		entries[0].Amount = -rec.Moves[0].Charges // what left the sender
		entries[1].Amount = rec.Received

	case storage.ActionReserve:
		i := ledger.Find(sub, o.req.bucketID)
		if i < 0 {
			return outcome{}, storage.Refuse(tmf.Fail(tmf.CodeUnknownBucket, "bucket.id %q is not a bucket of service %s", o.req.bucketID, sub.ServiceNo))
		}
		b := sub.Buckets[i]
		if b.Type == storage.BucketLoan {
			return outcome{}, storage.Refuse(tmf.Fail(tmf.CodeBucketIsLoan, "bucket.id %q is a loan: it holds money owed, nothing to reserve", b.ID))
		}
		if o.req.units != "" && o.req.units != b.Units {
			return outcome{}, storage.Refuse(tmf.Fail(tmf.CodeCurrencyMismatch, "amount.units must be %s, the units of bucket %s; got %q", b.Units, b.ID, o.req.units))
		}
		until := o.req.holdUntil
		if until.IsZero() {
			until = o.now.Add(defaultHold)
		}
		if !until.After(o.now) {
			return outcome{}, storage.Refuse(tmf.Fail(tmf.CodeInvalidField, "validFor.endDateTime %q is not after the sandbox clock's now", tmf.FormatMillis(until, o.bu.Location())))
		}
		if err := ledger.Hold(&sub, i, tx.NextOperationSeq(), o.req.amount, until, o.now); err != nil {
			return outcome{}, storage.Refuse(err)
		}
		rec.Status, rec.HoldUntil, rec.Units = storage.StatusCreated, until, b.Units
		changed = append(changed, sub) // no history record until it is spent
	}
	rec.Balances, rec.Accumulators = ledger.Snapshots(changed[0], o.now)
	seq := tx.NextOperationSeq()
	body, err := json.Marshal(render(rec, seq, o.bu, o.now))
	if err != nil {
		return outcome{}, fmt.Errorf("encode %s: %w", o.kind, err)
	}

	// Nothing can be refused from here on: write.
	if voucher != nil {
		if err := tx.PutVoucher(*voucher); err != nil {
			return outcome{}, fmt.Errorf("redeem voucher %s: %w", voucher.Code, err)
		}
	}
	for i, s := range changed {
		if err := tx.PutSubscriber(s); err != nil {
			return outcome{}, fmt.Errorf("write service %s: %w", s.ServiceNo, err)
		}
		if i < len(entries) {
			if _, err := ledger.AddRecord(tx, entries[i], s); err != nil {
				return outcome{}, err
			}
		}
	}
	if err := tx.AddOperation(&rec); err != nil {
		return outcome{}, fmt.Errorf("record %s: %w", o.kind, err)
	}
	if err := ledger.PublishAction(tx, ledger.EventCreate, rec, rec.Seq, o.bu, o.now, o.corr); err != nil {
		return outcome{}, fmt.Errorf("publish %s: %w", o.kind, err)
	}
	if err := ledger.Remember(tx, o.key(), http.StatusCreated, body); err != nil {
		return outcome{}, err
	}
	return outcome{status: http.StatusCreated, body: body}, nil
}

// transfer checks a transfer from sub against the business unit's rules
// and both services, and moves the money in memory: it returns the sender
// and the receiver as they stand after it, and fills rec. The sender's
// day is written here, last, once nothing can be refused.
func transfer(tx *storage.Tx, o op, rec *storage.Operation, sub storage.Subscriber) ([]storage.Subscriber, error) {
	rules := o.bu.Transfer
	if rules == nil {
		return nil, storage.Refuse(tmf.Fail(tmf.CodeTransferLimit, "business unit %s offers no credit transfers", o.bu.ID))
	}
	recv, err := resolve(tx, o.bu, o.req.receiver)
	if err != nil {
		return nil, err
	}
	if recv.ServiceNo == sub.ServiceNo {
		return nil, storage.Refuse(tmf.Fail(tmf.CodeTransferLimit, "receiver: service %s cannot transfer to itself", sub.ServiceNo))
	}
	ledger.Prune(&recv, o.now)
	amount := o.req.amount
	if amount < rules.MinAmount {
		return nil, storage.Refuse(tmf.Fail(tmf.CodeTransferLimit, "minAmount: a transfer in business unit %s is at least %s %s; got %s", o.bu.ID, rules.MinAmount, o.bu.Currency, amount))
	}
	day := o.now.In(o.bu.Location()).Format(time.DateOnly)
	d, err := tx.TransferDay(o.bu.ID, sub.ServiceNo, day)
	if err != nil {
		return nil, fmt.Errorf("read transfer day: %w", err)
	}
	if rules.MaxDailyCount > 0 && d.Count >= rules.MaxDailyCount {
		return nil, storage.Refuse(tmf.Fail(tmf.CodeTransferLimit, "maxDailyCount: service %s has made %d transfers on %s, the most a day in business unit %s", sub.ServiceNo, d.Count, day, o.bu.ID))
	}
	total, err := money.Add(d.Total, amount)
	if err != nil || (rules.MaxDailyAmount > 0 && total > rules.MaxDailyAmount) {
		return nil, storage.Refuse(tmf.Fail(tmf.CodeTransferLimit, "maxDailyAmount: service %s has transferred %s %s on %s; %s more would pass %s", sub.ServiceNo, d.Total, o.bu.Currency, day, amount, rules.MaxDailyAmount))
	}
	debit, received := amount, amount
	if rules.CostOwner == storage.CostReceiver {
		if received, err = money.Sub(amount, rules.Fee); err != nil || received <= 0 {
			return nil, storage.Refuse(tmf.Fail(tmf.CodeTransferLimit, "transferCost: the receiver pays the fee of %s, so the amount must be more than it; got %s", rules.Fee, amount))
		}
	} else if debit, err = money.Add(amount, rules.Fee); err != nil {
		return nil, storage.Refuse(tmf.Fail(tmf.CodeBalanceLimit, "amount.amount %s + the fee %s passes %s", amount, rules.Fee, money.Max))
	}

	si, err := ledger.CurrencyBucket(sub, o.req.bucketID, "bucket.id", "a transfer takes from", o.bu)
	if err != nil {
		return nil, storage.Refuse(err)
	}
	ri, err := ledger.CurrencyBucket(recv, o.req.receiverBkt, "receiverBucket.id", "a transfer credits", o.bu)
	if err != nil {
		return nil, storage.Refuse(err)
	}
	out, err := ledger.Debit(&sub, si, debit, o.now)
	if err != nil {
		return nil, storage.Refuse(err)
	}
	_, in, err := ledger.Credit(&recv, ri, received, o.now, o.bu)
	if err != nil {
		return nil, storage.Refuse(err)
	}
	// Checked: total ≤ MaxDailyAmount or no maximum and no overflow.
	if err := tx.PutTransferDay(o.bu.ID, sub.ServiceNo, day, storage.TransferDay{Count: d.Count + 1, Total: total}); err != nil {
		return nil, fmt.Errorf("write transfer day: %w", err)
	}
	rec.Receiver = &storage.Party{ServiceNo: recv.ServiceNo, ProductID: recv.ServiceInternalID, PartyAccountID: recv.OwningAccountInternalID, BucketID: recv.Buckets[ri].ID}
	rec.Fee, rec.CostOwner, rec.Received = rules.Fee, rules.CostOwner, received
	rec.Moves = append([]storage.Move{out}, in...)
	return []storage.Subscriber{sub, recv}, nil
}

func party(sub storage.Subscriber, bucketID string) storage.Party {
	return storage.Party{ServiceNo: sub.ServiceNo, ProductID: sub.ServiceInternalID, PartyAccountID: sub.OwningAccountInternalID, BucketID: bucketID}
}

// asked is what o asked for, for the FailureEvent of its refusal.
func (o op) asked() ledger.Asked {
	return ledger.Asked{Kind: o.kind, ProductID: o.req.service.productID, ServiceNo: o.req.service.msisdn,
		BucketID: o.req.bucketID, Amount: o.req.amount, Voucher: o.req.voucher, Reason: o.req.reason, Channel: o.client.Channel}
}
