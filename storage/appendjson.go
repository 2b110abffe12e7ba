package storage

import (
	"encoding/base64"
	"encoding/json"
	"unicode/utf8"

	"prepay/tmf"
)

// The records a top-up writes — its service, its history record, its
// operation and its idempotency record — encode themselves by hand: json.Marshal spends most of a
// write's time on them (reflection, and a call and a rescan for every
// amount). Each appendJSON gives what json.Marshal gives for the record,
// byte for byte (TestAppendJSONIsJSONMarshal), so the stored values, and
// every reader of them, are as they were.

// jsonWriter is tmf's, with the parts of storage's records.
type jsonWriter struct{ tmf.JSONWriter }

func (w *jsonWriter) channel(c Channel) { w.Pair("id", c.ID, "name", c.Name) }

func (w *jsonWriter) snapshots(ss []Snapshot) {
	w.List(ss == nil, len(ss), func(i int) {
		s := ss[i]
		w.B = append(w.B, '{')
		w.Key("id", true)
		w.String(s.ID)
		w.Optional("name", s.Name)
		w.Optional("usageType", s.UsageType)
		w.Optional("units", s.Units)
		w.Key("amount", false)
		w.Amount(s.Amount)
		if !s.ValidTo.IsZero() {
			w.Key("validTo", false)
			w.Time(s.ValidTo)
		}
		w.B = append(w.B, '}')
	})
}

func (w *jsonWriter) party(p Party) {
	w.B = append(w.B, '{')
	w.Key("serviceNo", true)
	w.String(p.ServiceNo)
	w.Key("productId", false)
	w.String(p.ProductID)
	w.Key("partyAccountId", false)
	w.String(p.PartyAccountID)
	w.Key("bucketId", false)
	w.String(p.BucketID)
	w.B = append(w.B, '}')
}

func (s Subscriber) appendJSON(b []byte) ([]byte, error) {
	w := jsonWriter{tmf.JSONWriter{B: append(b, '{')}}
	w.Key("businessId", true)
	w.String(s.BusinessID)
	w.Key("serviceNo", false)
	w.String(s.ServiceNo)
	w.Key("lob", false)
	w.String(s.LOB)
	w.Key("accountNo", false)
	w.String(s.AccountNo)
	w.Key("serviceInternalId", false)
	w.String(s.ServiceInternalID)
	w.Key("owningAccountInternalId", false)
	w.String(s.OwningAccountInternalID)
	w.Key("buckets", false)
	w.List(s.Buckets == nil, len(s.Buckets), func(i int) {
		bk := s.Buckets[i]
		w.B = append(w.B, '{')
		w.Key("id", true)
		w.String(bk.ID)
		w.Optional("name", bk.Name)
		w.Optional("usageType", bk.UsageType)
		w.Optional("units", bk.Units)
		w.Key("type", false)
		w.String(bk.Type)
		w.Key("allowance", false)
		w.Amount(bk.Allowance)
		w.Key("rollover", false)
		w.Amount(bk.Rollover)
		w.Key("charges", false)
		w.Amount(bk.Charges)
		w.Key("overageRate", false)
		w.Amount(bk.OverageRate)
		w.Key("expiry", false)
		w.Time(bk.Expiry)
		if len(bk.Holds) > 0 {
			w.Key("holds", false)
			w.List(false, len(bk.Holds), func(j int) {
				h := bk.Holds[j]
				w.B = append(w.B, '{')
				w.Key("seq", true)
				w.Uint(h.Seq)
				w.Key("amount", false)
				w.Amount(h.Amount)
				w.Key("until", false)
				w.Time(h.Until)
				w.B = append(w.B, '}')
			})
		}
		w.B = append(w.B, '}')
	})
	w.Key("accumulators", false)
	w.List(s.Accumulators == nil, len(s.Accumulators), func(i int) {
		a := s.Accumulators[i]
		w.B = append(w.B, '{')
		w.Key("id", true)
		w.String(a.ID)
		w.Optional("name", a.Name)
		w.Optional("usageType", a.UsageType)
		w.Optional("units", a.Units)
		w.Key("amount", false)
		w.Amount(a.Amount)
		w.B = append(w.B, '}')
	})
	w.B = append(w.B, '}')
	return w.B, w.Err
}

func (a Action) appendJSON(b []byte) ([]byte, error) {
	w := jsonWriter{tmf.JSONWriter{B: append(b, '{')}}
	w.Key("seq", true)
	w.Uint(a.Seq)
	for _, f := range []struct{ k, v string }{{"businessId", a.BusinessID}, {"type", a.Type}, {"description", a.Description}} {
		w.Key(f.k, false)
		w.String(f.v)
	}
	w.Key("confirmationDate", false)
	w.Time(a.ConfirmationDate)
	w.Key("amount", false)
	w.Amount(a.Amount)
	for _, f := range []struct{ k, v string }{{"units", a.Units}, {"productId", a.ProductID}, {"partyAccountId", a.PartyAccountID}} {
		w.Key(f.k, false)
		w.String(f.v)
	}
	w.Key("channel", false)
	w.channel(a.Channel)
	for _, f := range []struct{ k, v string }{{"msisdn", a.MSISDN}, {"batchNumber", a.BatchNumber}, {"rechargeId", a.RechargeID},
		{"rechargeId2", a.RechargeID2}, {"cardNumber", a.CardNumber}, {"serialNumber", a.SerialNumber}, {"currencyConvRate", a.CurrencyConvRate}} {
		w.Key(f.k, false)
		w.String(f.v)
	}
	w.Key("balances", false)
	w.snapshots(a.Balances)
	w.Key("accumulators", false)
	w.snapshots(a.Accumulators)
	w.B = append(w.B, '}')
	return w.B, w.Err
}

func (o Operation) appendJSON(b []byte) ([]byte, error) {
	w := jsonWriter{tmf.JSONWriter{B: append(b, '{')}}
	w.Key("seq", true)
	w.Uint(o.Seq)
	for _, f := range []struct{ k, v string }{{"businessId", o.BusinessID}, {"type", o.Type}, {"status", o.Status}} {
		w.Key(f.k, false)
		w.String(f.v)
	}
	w.Key("requestedDate", false)
	w.Time(o.RequestedDate)
	w.Key("confirmationDate", false)
	w.Time(o.ConfirmationDate)
	w.Key("amount", false)
	w.Amount(o.Amount)
	w.Key("units", false)
	w.String(o.Units)
	w.Key("party", false)
	w.party(o.Party)
	if o.Receiver != nil {
		w.Key("receiver", false)
		w.party(*o.Receiver)
	}
	w.Key("channel", false)
	w.channel(o.Channel)
	w.Optional("voucher", o.Voucher)
	w.Optional("reason", o.Reason)
	if o.Fee != 0 {
		w.Key("fee", false)
		w.Amount(o.Fee)
	}
	w.Optional("costOwner", o.CostOwner)
	if o.Received != 0 {
		w.Key("received", false)
		w.Amount(o.Received)
	}
	if !o.HoldUntil.IsZero() {
		w.Key("holdUntil", false)
		w.Time(o.HoldUntil)
	}
	if !o.Changed.IsZero() {
		w.Key("changed", false)
		w.Time(o.Changed)
	}
	if len(o.Moves) > 0 {
		w.Key("moves", false)
		w.List(false, len(o.Moves), func(i int) {
			m := o.Moves[i]
			w.B = append(w.B, '{')
			w.Key("serviceNo", true)
			w.String(m.ServiceNo)
			w.Key("bucketId", false)
			w.String(m.BucketID)
			if m.Allowance != 0 {
				w.Key("allowance", false)
				w.Amount(m.Allowance)
			}
			if m.Charges != 0 {
				w.Key("charges", false)
				w.Amount(m.Charges)
			}
			if !m.ExpiryBefore.IsZero() {
				w.Key("expiryBefore", false)
				w.Time(m.ExpiryBefore)
			}
			if !m.ExpiryAfter.IsZero() {
				w.Key("expiryAfter", false)
				w.Time(m.ExpiryAfter)
			}
			w.B = append(w.B, '}')
		})
	}
	if r := o.Recurring; r != nil {
		// Rare (one record a schedule): json.Marshal is fast enough.
		w.Key("recurring", false)
		raw, err := json.Marshal(r)
		if err != nil && w.Err == nil {
			w.Err = err
		}
		w.B = append(w.B, raw...)
	}
	w.Key("balances", false)
	w.snapshots(o.Balances)
	w.Key("accumulators", false)
	w.snapshots(o.Accumulators)
	w.B = append(w.B, '}')
	return w.B, w.Err
}

// appendJSON gives what MarshalJSON gives, through json.Marshal: the
// stored answer is the largest part of the record, and json.Marshal would
// copy it into a string, escape it and then scan the result again.
func (r Idempotency) appendJSON(b []byte) ([]byte, error) {
	w := jsonWriter{tmf.JSONWriter{B: append(b, '{')}}
	for i, f := range []struct{ k, v string }{{"clientId", r.ClientID}, {"businessId", r.BusinessID}, {"key", r.Key}} {
		w.Key(f.k, i == 0)
		w.String(f.v)
	}
	w.Key("fingerprint", false)
	w.bytes(r.Fingerprint)
	w.Key("status", false)
	w.Int(r.Status)
	w.Key("created", false)
	w.Time(r.Created)
	if utf8.Valid(r.Body) {
		w.Key("bodyText", false)
		w.String(string(r.Body))
	} else {
		w.Key("body", false)
		w.bytes(r.Body)
	}
	w.B = append(w.B, '}')
	return w.B, w.Err
}

// bytes writes b as json.Marshal writes a []byte: base64, or null.
func (w *jsonWriter) bytes(b []byte) {
	if b == nil {
		w.B = append(w.B, "null"...)
		return
	}
	w.B = append(w.B, '"')
	w.B = base64.StdEncoding.AppendEncode(w.B, b)
	w.B = append(w.B, '"')
}
