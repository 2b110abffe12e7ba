package ledger

import "prepay/money"

// split divides a top-up of amount between the loans owed, in order, and
// the target bucket: each loan takes as much of what is left as it owes, the
// target gets the rest. All in integer hundredths, so nothing is lost to
// rounding: the repayments and the credit always add up to amount.
func split(amount money.Amount, owed []money.Amount) (repay []money.Amount, credit money.Amount) {
	repay = make([]money.Amount, len(owed))
	left := amount
	for i, o := range owed {
		repay[i] = max(0, min(o, left))
		left -= repay[i]
	}
	return repay, left
}
