package ledger

import (
	"fmt"
	"strconv"
	"time"

	"prepay/money"
	"prepay/storage"
)

// Fields of a history record that the sandbox fills as the operator's own
// records do (seed 002).
const (
	NoVoucher        = "NON VOUCHER"
	batchNumber      = "-1"
	currencyConvRate = "1.0"
)

// Entry is what a history record says about one operation on one service.
type Entry struct {
	Type      string // storage.ActionTopup…
	Operation string // the operation's name in the description: topupBalance…
	BU        storage.BusinessUnit
	Channel   storage.Channel
	Amount    money.Amount
	Voucher   string // "" when none
	At        time.Time
}

// Record is the history record of e on sub (as it stands after it),
// numbered seq. rechargeId2 quotes seq, which is unique; the description
// follows seed 002's pattern
// "CWC_ESB,1,1,123456789:rdOnlineInMarket,WEB,JAM" with the client's
// channel, that number, the operation and the business unit.
func Record(e Entry, sub storage.Subscriber, seq uint64) storage.Action {
	card := NoVoucher
	if e.Voucher != "" {
		card = e.Voucher
	}
	ch := e.Channel
	id := strconv.FormatUint(seq, 10)
	balances, accumulators := Snapshots(sub, e.At)
	return storage.Action{
		BusinessID:       e.BU.ID,
		Type:             e.Type,
		Description:      fmt.Sprintf("%s,1,1,%s:%s,API,%s", ch.Name, id, e.Operation, e.BU.ID),
		ConfirmationDate: e.At,
		Amount:           e.Amount,
		Units:            e.BU.Currency,
		ProductID:        sub.ServiceInternalID,
		PartyAccountID:   sub.OwningAccountInternalID,
		Channel:          ch,
		MSISDN:           sub.ServiceNo,
		BatchNumber:      batchNumber,
		RechargeID:       ch.ID,
		RechargeID2:      id,
		CardNumber:       card,
		SerialNumber:     "",
		CurrencyConvRate: currencyConvRate,
		Balances:         balances,
		Accumulators:     accumulators,
	}
}

// Snapshots returns every bucket of sub with what is available at now, and
// every accumulator, as a history record shows them.
func Snapshots(sub storage.Subscriber, now time.Time) (balances, accumulators []storage.Snapshot) {
	balances = make([]storage.Snapshot, len(sub.Buckets))
	accumulators = make([]storage.Snapshot, len(sub.Accumulators))
	for i, b := range sub.Buckets {
		balances[i] = storage.Snapshot{ID: b.ID, Name: b.Name, UsageType: b.UsageType, Units: b.Units,
			Amount: b.Available(now), ValidTo: b.Expiry}
	}
	for i, c := range sub.Accumulators {
		accumulators[i] = storage.Snapshot{ID: c.ID, Name: c.Name, UsageType: c.UsageType, Units: c.Units,
			Amount: c.Amount}
	}
	return balances, accumulators
}

// AddRecord stores the history record of e on sub.
func AddRecord(tx *storage.Tx, e Entry, sub storage.Subscriber) (storage.Action, error) {
	a := Record(e, sub, tx.NextActionSeq())
	if err := tx.AddAction(&a); err != nil {
		return a, fmt.Errorf("record %s action: %w", e.Type, err)
	}
	return a, nil
}
