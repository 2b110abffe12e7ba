package storage

import (
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"prepay/money"
	"prepay/tmf"
)

// The records a top-up writes — its service, its history record and its
// operation — encode themselves by hand: json.Marshal spends most of a
// write's time on them (reflection, and a call and a rescan for every
// amount). Each appendJSON gives what json.Marshal gives for the record,
// byte for byte (TestAppendJSONIsJSONMarshal), so the stored values, and
// every reader of them, are as they were.

// jsonWriter appends JSON to b, keeping the first error.
type jsonWriter struct {
	b   []byte
	err error
}

// key writes the object key k (with the comma before it unless first).
func (w *jsonWriter) key(k string, first bool) {
	if !first {
		w.b = append(w.b, ',')
	}
	w.b = append(w.b, '"')
	w.b = append(w.b, k...)
	w.b = append(w.b, '"', ':')
}

func (w *jsonWriter) str(s string) { w.b = tmf.AppendString(w.b, s) }

func (w *jsonWriter) uint(n uint64) { w.b = strconv.AppendUint(w.b, n, 10) }

func (w *jsonWriter) amount(a money.Amount) { w.b = a.AppendText(w.b) }

// errYear is json.Marshal's refusal of a time it cannot write.
var errYear = errors.New("time outside years 0 to 9999")

// time writes t as time.Time's MarshalJSON does: RFC 3339 with
// nanoseconds, which it refuses outside years 0 to 9999.
func (w *jsonWriter) time(t time.Time) {
	if y := t.Year(); y < 0 || y > 9999 {
		if w.err == nil {
			w.err = errYear
		}
		return
	}
	w.b = append(w.b, '"')
	w.b = t.AppendFormat(w.b, time.RFC3339Nano)
	w.b = append(w.b, '"')
}

// optional writes key k and s, unless s is empty (omitempty).
func (w *jsonWriter) optional(k, s string) {
	if s != "" {
		w.key(k, false)
		w.str(s)
	}
}

// list writes n elements with elem, or null for a nil slice, as
// json.Marshal writes a slice.
func (w *jsonWriter) list(isNil bool, n int, elem func(i int)) {
	if isNil {
		w.b = append(w.b, "null"...)
		return
	}
	w.b = append(w.b, '[')
	for i := range n {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		elem(i)
	}
	w.b = append(w.b, ']')
}

func (w *jsonWriter) channel(c Channel) {
	w.b = append(w.b, '{')
	w.key("id", true)
	w.str(c.ID)
	w.key("name", false)
	w.str(c.Name)
	w.b = append(w.b, '}')
}

func (w *jsonWriter) snapshots(ss []Snapshot) {
	w.list(ss == nil, len(ss), func(i int) {
		s := ss[i]
		w.b = append(w.b, '{')
		w.key("id", true)
		w.str(s.ID)
		w.optional("name", s.Name)
		w.optional("usageType", s.UsageType)
		w.optional("units", s.Units)
		w.key("amount", false)
		w.amount(s.Amount)
		if !s.ValidTo.IsZero() {
			w.key("validTo", false)
			w.time(s.ValidTo)
		}
		w.b = append(w.b, '}')
	})
}

func (w *jsonWriter) party(p Party) {
	w.b = append(w.b, '{')
	w.key("serviceNo", true)
	w.str(p.ServiceNo)
	w.key("productId", false)
	w.str(p.ProductID)
	w.key("partyAccountId", false)
	w.str(p.PartyAccountID)
	w.key("bucketId", false)
	w.str(p.BucketID)
	w.b = append(w.b, '}')
}

func (s Subscriber) appendJSON(b []byte) ([]byte, error) {
	w := jsonWriter{b: append(b, '{')}
	w.key("businessId", true)
	w.str(s.BusinessID)
	w.key("serviceNo", false)
	w.str(s.ServiceNo)
	w.key("lob", false)
	w.str(s.LOB)
	w.key("accountNo", false)
	w.str(s.AccountNo)
	w.key("serviceInternalId", false)
	w.str(s.ServiceInternalID)
	w.key("owningAccountInternalId", false)
	w.str(s.OwningAccountInternalID)
	w.key("buckets", false)
	w.list(s.Buckets == nil, len(s.Buckets), func(i int) {
		bk := s.Buckets[i]
		w.b = append(w.b, '{')
		w.key("id", true)
		w.str(bk.ID)
		w.optional("name", bk.Name)
		w.optional("usageType", bk.UsageType)
		w.optional("units", bk.Units)
		w.key("type", false)
		w.str(bk.Type)
		w.key("allowance", false)
		w.amount(bk.Allowance)
		w.key("rollover", false)
		w.amount(bk.Rollover)
		w.key("charges", false)
		w.amount(bk.Charges)
		w.key("overageRate", false)
		w.amount(bk.OverageRate)
		w.key("expiry", false)
		w.time(bk.Expiry)
		if len(bk.Holds) > 0 {
			w.key("holds", false)
			w.list(false, len(bk.Holds), func(j int) {
				h := bk.Holds[j]
				w.b = append(w.b, '{')
				w.key("seq", true)
				w.uint(h.Seq)
				w.key("amount", false)
				w.amount(h.Amount)
				w.key("until", false)
				w.time(h.Until)
				w.b = append(w.b, '}')
			})
		}
		w.b = append(w.b, '}')
	})
	w.key("accumulators", false)
	w.list(s.Accumulators == nil, len(s.Accumulators), func(i int) {
		a := s.Accumulators[i]
		w.b = append(w.b, '{')
		w.key("id", true)
		w.str(a.ID)
		w.optional("name", a.Name)
		w.optional("usageType", a.UsageType)
		w.optional("units", a.Units)
		w.key("amount", false)
		w.amount(a.Amount)
		w.b = append(w.b, '}')
	})
	w.b = append(w.b, '}')
	return w.b, w.err
}

func (a Action) appendJSON(b []byte) ([]byte, error) {
	w := jsonWriter{b: append(b, '{')}
	w.key("seq", true)
	w.uint(a.Seq)
	for _, f := range []struct{ k, v string }{{"businessId", a.BusinessID}, {"type", a.Type}, {"description", a.Description}} {
		w.key(f.k, false)
		w.str(f.v)
	}
	w.key("confirmationDate", false)
	w.time(a.ConfirmationDate)
	w.key("amount", false)
	w.amount(a.Amount)
	for _, f := range []struct{ k, v string }{{"units", a.Units}, {"productId", a.ProductID}, {"partyAccountId", a.PartyAccountID}} {
		w.key(f.k, false)
		w.str(f.v)
	}
	w.key("channel", false)
	w.channel(a.Channel)
	for _, f := range []struct{ k, v string }{{"msisdn", a.MSISDN}, {"batchNumber", a.BatchNumber}, {"rechargeId", a.RechargeID},
		{"rechargeId2", a.RechargeID2}, {"cardNumber", a.CardNumber}, {"serialNumber", a.SerialNumber}, {"currencyConvRate", a.CurrencyConvRate}} {
		w.key(f.k, false)
		w.str(f.v)
	}
	w.key("balances", false)
	w.snapshots(a.Balances)
	w.key("accumulators", false)
	w.snapshots(a.Accumulators)
	w.b = append(w.b, '}')
	return w.b, w.err
}

func (o Operation) appendJSON(b []byte) ([]byte, error) {
	w := jsonWriter{b: append(b, '{')}
	w.key("seq", true)
	w.uint(o.Seq)
	for _, f := range []struct{ k, v string }{{"businessId", o.BusinessID}, {"type", o.Type}, {"status", o.Status}} {
		w.key(f.k, false)
		w.str(f.v)
	}
	w.key("requestedDate", false)
	w.time(o.RequestedDate)
	w.key("confirmationDate", false)
	w.time(o.ConfirmationDate)
	w.key("amount", false)
	w.amount(o.Amount)
	w.key("units", false)
	w.str(o.Units)
	w.key("party", false)
	w.party(o.Party)
	if o.Receiver != nil {
		w.key("receiver", false)
		w.party(*o.Receiver)
	}
	w.key("channel", false)
	w.channel(o.Channel)
	w.optional("voucher", o.Voucher)
	w.optional("reason", o.Reason)
	if o.Fee != 0 {
		w.key("fee", false)
		w.amount(o.Fee)
	}
	w.optional("costOwner", o.CostOwner)
	if o.Received != 0 {
		w.key("received", false)
		w.amount(o.Received)
	}
	if !o.HoldUntil.IsZero() {
		w.key("holdUntil", false)
		w.time(o.HoldUntil)
	}
	if !o.Changed.IsZero() {
		w.key("changed", false)
		w.time(o.Changed)
	}
	if len(o.Moves) > 0 {
		w.key("moves", false)
		w.list(false, len(o.Moves), func(i int) {
			m := o.Moves[i]
			w.b = append(w.b, '{')
			w.key("serviceNo", true)
			w.str(m.ServiceNo)
			w.key("bucketId", false)
			w.str(m.BucketID)
			if m.Allowance != 0 {
				w.key("allowance", false)
				w.amount(m.Allowance)
			}
			if m.Charges != 0 {
				w.key("charges", false)
				w.amount(m.Charges)
			}
			if !m.ExpiryBefore.IsZero() {
				w.key("expiryBefore", false)
				w.time(m.ExpiryBefore)
			}
			if !m.ExpiryAfter.IsZero() {
				w.key("expiryAfter", false)
				w.time(m.ExpiryAfter)
			}
			w.b = append(w.b, '}')
		})
	}
	if r := o.Recurring; r != nil {
		// Rare (one record a schedule): json.Marshal is fast enough.
		w.key("recurring", false)
		raw, err := json.Marshal(r)
		if err != nil && w.err == nil {
			w.err = err
		}
		w.b = append(w.b, raw...)
	}
	w.key("balances", false)
	w.snapshots(o.Balances)
	w.key("accumulators", false)
	w.snapshots(o.Accumulators)
	w.b = append(w.b, '}')
	return w.b, w.err
}
