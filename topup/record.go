package topup

import (
	"fmt"
	"strconv"

	"prepay/money"
	"prepay/storage"
)

// Fields of a top-up's history record that the sandbox fills as the
// operator's own records do (seed 002).
const (
	noVoucher        = "NON VOUCHER"
	batchNumber      = "-1"
	currencyConvRate = "1.0"
)

// newAction is the history record of a top-up of amount to sub (as it
// stands after it), numbered seq. rechargeId2 quotes seq, which is unique;
// the description follows seed 002's pattern
// "CWC_ESB,1,1,123456789:rdOnlineInMarket,WEB,JAM" with the client's channel,
// that number, this operation and the business unit.
func newAction(o op, sub storage.Subscriber, amount money.Amount, seq uint64) storage.Action {
	card := noVoucher
	if o.req.voucher != "" {
		card = o.req.voucher
	}
	ch := o.client.Channel
	id := strconv.FormatUint(seq, 10)
	a := storage.Action{
		BusinessID:       o.bu.ID,
		Type:             storage.ActionTopup,
		Description:      fmt.Sprintf("%s,1,1,%s:topupBalance,API,%s", ch.Name, id, o.bu.ID),
		ConfirmationDate: o.now,
		Amount:           amount,
		Units:            o.bu.Currency,
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
		Balances:         make([]storage.Snapshot, len(sub.Buckets)),
		Accumulators:     make([]storage.Snapshot, len(sub.Accumulators)),
	}
	for i, b := range sub.Buckets {
		a.Balances[i] = storage.Snapshot{ID: b.ID, Name: b.Name, UsageType: b.UsageType, Units: b.Units,
			Amount: b.Balance(), ValidTo: b.Expiry}
	}
	for i, c := range sub.Accumulators {
		a.Accumulators[i] = storage.Snapshot{ID: c.ID, Name: c.Name, UsageType: c.UsageType, Units: c.Units,
			Amount: c.Amount}
	}
	return a
}
