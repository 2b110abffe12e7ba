package balances

import (
	"time"

	"prepay/money"
	"prepay/storage"
	"prepay/tmf"
)

// The answer is written by appending to one buffer sized up front rather
// than through encoding/json: with seven amounts a bucket, each a
// MarshalJSON call whose output encoding/json copies and re-validates, it
// cost 10 more allocations a request for seed 000's single bucket and 18
// for two buckets (BenchmarkRealTimeBalances). The field order is the
// seed's.
const (
	// bytesPerBucket is a generous size of one balances entry, so the buffer
	// rarely grows.
	bytesPerBucket = 512
	bytesOfHead    = 128
)

// encode writes the answer for sub at now: its account, the business unit's
// billing system, and every bucket shown, in the service's own order.
func encode(sub storage.Subscriber, bu storage.BusinessUnit, now time.Time, dataOnly bool) ([]byte, error) {
	// Sized for the buckets shown, not all of them: a long-lived service
	// keeps many expired buckets.
	n := 0
	for _, bucket := range sub.Buckets {
		if shown(bucket, now, dataOnly) {
			n++
		}
	}
	b := make([]byte, 0, bytesOfHead+len(sub.ServiceNo)+len(sub.AccountNo)+bytesPerBucket*n)
	b = append(b, `{"accountNo":`...)
	b = appendAccountNo(b, sub.AccountNo)
	b = append(b, `,"sourceBSS":`...)
	b = tmf.AppendString(b, bu.SourceBSS)
	b = append(b, `,"serviceNo":`...)
	b = tmf.AppendString(b, sub.ServiceNo)
	b = append(b, `,"balances":[`...)
	first := true
	for _, bucket := range sub.Buckets {
		if !shown(bucket, now, dataOnly) {
			continue
		}
		f, err := figuresOf(bucket, now)
		if err != nil {
			return nil, err
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendFigures(b, f, bu.Location())
	}
	return append(b, "]}"...), nil
}

func appendFigures(b []byte, f figures, loc *time.Location) []byte {
	b = append(b, `{"categoryName":`...)
	b = tmf.AppendString(b, f.name)
	b = appendQuantity(b, "allowance", f.allowance, f.unit)
	b = appendQuantity(b, "rollover", f.rollover, f.unit)
	b = appendQuantity(b, "totalAllowance", f.totalAllowance, f.unit)
	b = appendQuantity(b, "charges", f.charges, f.unit)
	b = appendQuantity(b, "overage", f.overage, f.unit)
	b = append(b, `,"overageCharge":`...)
	b = f.overageCharge.AppendText(b)
	b = appendQuantity(b, "balance", f.balance, f.unit)
	b = append(b, `,"expiryDate":"`...)
	b = tmf.AppendSeconds(b, f.expiry, loc)
	return append(b, `"}`...)
}

// appendQuantity writes the pair "<name>Amount": a, "<name>Unit": unit.
func appendQuantity(b []byte, name string, a money.Amount, unit string) []byte {
	b = append(b, `,"`...)
	b = append(b, name...)
	b = append(b, `Amount":`...)
	b = a.AppendText(b)
	b = append(b, `,"`...)
	b = append(b, name...)
	b = append(b, `Unit":`...)
	return tmf.AppendString(b, unit)
}

// appendAccountNo writes the account as a JSON number, as the seed does.
// The data set holds it as a string so that no digit is ever lost to a
// float; one that is not written like a JSON number (a leading zero, a
// letter, from a custom data set) is written as a string rather than
// changed or refused.
func appendAccountNo(b []byte, account string) []byte {
	if isJSONInteger(account) {
		return append(b, account...)
	}
	return tmf.AppendString(b, account)
}

// isJSONInteger reports whether s reads the same as a JSON number: digits,
// with no leading zero.
func isJSONInteger(s string) bool {
	if s == "" || (s[0] == '0' && len(s) > 1) {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
