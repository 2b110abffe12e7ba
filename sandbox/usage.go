package sandbox

import (
	"errors"
	"net/http"

	"prepay/auth"
	"prepay/ledger"
	"prepay/money"
	"prepay/storage"
	"prepay/tmf"
)

// usageJSON is the body of POST …/services/{serviceNo}/usage.
type usageJSON struct {
	BucketID string        `json:"bucketId"`
	Amount   *money.Amount `json:"amount"`
}

// usageResult is the answer: the bucket after the usage with its derived
// figures, and the accumulator that counted it, if any.
type usageResult struct {
	ServiceNo   string               `json:"serviceNo"`
	Bucket      bucketState          `json:"bucket"`
	Accumulator *storage.Accumulator `json:"accumulator,omitempty"`
}

type bucketState struct {
	bucketJSON
	TotalAllowance money.Amount `json:"totalAllowance"`
	Balance        money.Amount `json:"balance"`
	Overage        money.Amount `json:"overage"`
}

// Usage serves POST /sandbox/v1/{businessId}/services/{serviceNo}/usage: it
// raises the bucket's charges by amount — its balance falls, and overage
// appears once the charges pass the total allowance — and the matching
// accumulator's amount by the same, in one transaction. It never spends
// what a reservation holds (ledger.Usable).
func Usage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sb := storage.From(r.Context())
		clk := sb.Clock()
		bu := auth.BusinessUnit(r.Context())
		serviceNo := r.PathValue("serviceNo")
		var body usageJSON
		if err := tmf.DecodeBody(w, r, &body); err != nil {
			tmf.WriteError(w, r, err)
			return
		}
		if err := body.check(); err != nil {
			tmf.WriteError(w, r, err)
			return
		}
		now := clk.Now()
		var res usageResult
		err := sb.Update(func(tx *storage.Tx) error {
			sub, err := tx.Subscriber(bu.ID, serviceNo)
			if errors.Is(err, storage.ErrNotFound) {
				return storage.Refuse(unknownService(bu.ID, serviceNo))
			}
			if err != nil {
				return err
			}
			b := bucketIndex(sub, body.BucketID)
			if b < 0 {
				return storage.Refuse(tmf.Fail(tmf.CodeUnknownBucket, "bucketId %q is not a bucket of service %s", body.BucketID, serviceNo))
			}
			bucket := &sub.Buckets[b]
			switch {
			case bucket.Type == storage.BucketLoan:
				return storage.Refuse(tmf.Fail(tmf.CodeBucketIsLoan, "bucketId %q is a Loan bucket: usage is drawn from a service's allowances, never from its loan", bucket.ID))
			case !bucket.Active(now):
				return storage.Refuse(tmf.Fail(tmf.CodeBucketExpired, "bucketId %q expired at %s", bucket.ID, tmf.FormatMillis(bucket.Expiry, bu.Location())))
			}
			if err := ledger.Usable(*bucket, serviceNo, *body.Amount, now); err != nil {
				return storage.Refuse(err)
			}
			if bucket.Charges, err = raise("bucket "+bucket.ID+" charges", bucket.Charges, *body.Amount); err != nil {
				return storage.Refuse(err)
			}
			if err := storage.LimitError(*bucket); err != nil {
				return storage.Refuse(err)
			}
			res = usageResult{ServiceNo: serviceNo, Bucket: state(*bucket, bu)}
			if a := accumulatorIndex(sub, *bucket); a >= 0 {
				acc := &sub.Accumulators[a]
				if acc.Amount, err = raise("accumulator "+acc.ID+" amount", acc.Amount, *body.Amount); err != nil {
					return storage.Refuse(err)
				}
				res.Accumulator = acc
			}
			if err := tx.PutSubscriber(sub); err != nil {
				return err
			}
			return ledger.PublishBucket(tx, ledger.BucketBalanceChange, bu, sub, b, now, tmf.CorrelationID(r.Context()))
		})
		if err != nil {
			tmf.WriteError(w, r, err)
			return
		}
		tmf.WriteJSON(w, r, http.StatusOK, res)
	})
}

func (u usageJSON) check() error {
	if u.BucketID == "" {
		return missing("bucketId")
	}
	if u.Amount == nil {
		return missing("amount")
	}
	return checkAmount("amount", *u.Amount, true)
}

// raise returns sum + by, or 422 BALANCE_LIMIT when the result would pass
// money.Max.
func raise(what string, sum, by money.Amount) (money.Amount, error) {
	n, err := money.Add(sum, by)
	if err != nil {
		return 0, tmf.Fail(tmf.CodeBalanceLimit, "%s would be %s + %s, past %s", tmf.Text(what), sum, by, money.Max)
	}
	return n, nil
}

func state(b storage.Bucket, bu storage.BusinessUnit) bucketState {
	return bucketState{bucketJSON: bucketView(b, bu.Location()),
		TotalAllowance: b.TotalAllowance(), Balance: b.Balance(), Overage: b.Overage()}
}

func bucketIndex(s storage.Subscriber, id string) int {
	for i, b := range s.Buckets {
		if b.ID == id {
			return i
		}
	}
	return -1
}

// accumulatorIndex finds the accumulator that counts usage of bucket b:
// the one with b's id, unless it counts other units (the operator numbers
// accumulators after the buckets they follow, as the demo's records show);
// else the first with b's usage type and units; else none (-1), and only
// the bucket changes.
func accumulatorIndex(s storage.Subscriber, b storage.Bucket) int {
	for i, a := range s.Accumulators {
		if a.ID == b.ID && (a.Units == "" || a.Units == b.Units) {
			return i
		}
	}
	for i, a := range s.Accumulators {
		if a.UsageType == b.UsageType && a.Units == b.Units {
			return i
		}
	}
	return -1
}
