package ledger

import "prepay/tmf"

// AppendJSON appends r as json.Marshal encodes it, byte for byte
// (TestActionResourceAppendJSON). Every top-up, adjustment, transfer and
// reservation publishes its resource in an event inside the write
// transaction, where json.Marshal of its impacted buckets was the largest
// cost of a 31-bucket top-up.
func (r ActionResource) AppendJSON(b []byte) ([]byte, error) {
	w := tmf.JSONWriter{B: append(b, '{')}
	w.Key("id", true)
	w.String(r.ID)
	for _, f := range []struct{ k, v string }{{"href", r.Href}, {"@type", r.Type}, {"@baseType", r.BaseType}, {"status", r.Status}} {
		w.Key(f.k, false)
		w.String(f.v)
	}
	w.Key("requestedDate", false)
	w.Millis(r.RequestedDate)
	w.Key("confirmationDate", false)
	w.Millis(r.ConfirmationDate)
	w.Key("amount", false)
	w.Quantity(r.Amount)
	w.Optional("voucher", r.Voucher)
	w.Optional("reason", r.Reason)
	w.Optional("adjustType", r.AdjustType)
	if r.IsAutoTopup {
		w.Key("isAutoTopup", false)
		w.Bool(true)
	}
	w.Optional("recurringPeriod", r.RecurringPeriod)
	if r.NumberOfPeriods != 0 {
		w.Key("numberOfPeriods", false)
		w.Int(r.NumberOfPeriods)
	}
	w.Key("bucket", false)
	w.Pair("id", r.Bucket.ID, "href", r.Bucket.Href)
	w.Key("product", false)
	refs(&w, r.Product)
	w.Key("partyAccount", false)
	w.Pair("id", r.PartyAccount.ID, "name", r.PartyAccount.Name)
	w.Key("logicalResource", false)
	msisdns(&w, r.LogicalResource)
	if r.ReceiverBucket != nil {
		w.Key("receiverBucket", false)
		w.Pair("id", r.ReceiverBucket.ID, "href", r.ReceiverBucket.Href)
	}
	if len(r.ReceiverProduct) > 0 {
		w.Key("receiverProduct", false)
		refs(&w, r.ReceiverProduct)
	}
	if len(r.ReceiverLogicalResource) > 0 {
		w.Key("receiverLogicalResource", false)
		msisdns(&w, r.ReceiverLogicalResource)
	}
	if r.TransferCost != nil {
		w.Key("transferCost", false)
		w.Quantity(*r.TransferCost)
	}
	w.Optional("costOwner", r.CostOwner)
	if r.ValidFor != nil {
		w.Key("validFor", false)
		w.ValidFor(*r.ValidFor)
	}
	w.Key("channel", false)
	w.Pair("id", r.Channel.ID, "name", r.Channel.Name)
	w.Key("impactedBucket", false)
	w.List(r.ImpactedBucket == nil, len(r.ImpactedBucket), func(i int) {
		im := r.ImpactedBucket[i]
		w.B = append(w.B, '{')
		w.Key("impactedBucketItem", true)
		w.List(im.Items == nil, len(im.Items), func(j int) {
			it := im.Items[j]
			w.B = append(w.B, '{')
			w.Key("id", true)
			w.String(it.ID)
			w.Key("@baseType", false)
			w.String(it.BaseType)
			w.Optional("name", it.Name)
			w.Optional("usageType", it.UsageType)
			w.Key("amount", false)
			w.Quantity(it.Amount)
			if it.ValidFor != nil {
				w.Key("validFor", false)
				w.ValidFor(*it.ValidFor)
			}
			w.B = append(w.B, '}')
		})
		w.Key("@type", false)
		w.String(im.Type)
		w.B = append(w.B, '}')
	})
	w.B = append(w.B, '}')
	return w.B, w.Err
}

func refs(w *tmf.JSONWriter, rs []Ref) {
	w.List(rs == nil, len(rs), func(i int) { w.Pair("id", rs[i].ID, "name", rs[i].Name) })
}

func msisdns(w *tmf.JSONWriter, ms []MSISDN) {
	w.List(ms == nil, len(ms), func(i int) { w.Pair("@type", ms[i].Type, "value", ms[i].Value) })
}
