package topup

import (
	"time"

	"prepay/ledger"
	"prepay/money"
	"prepay/storage"
	"prepay/tmf"
)

// response is the 200 body, in seed 001's field order and spelling
// (ImpactedBucket with a capital I).
type response struct {
	Description    string       `json:"description"`
	Voucher        string       `json:"voucher,omitempty"`
	Amount         tmf.Quantity `json:"amount"`
	Bucket         bucketInfo   `json:"bucket"`
	ImpactedBucket []impacted   `json:"ImpactedBucket"`
}

// bucketInfo is the credited bucket as it stands after the top-up.
type bucketInfo struct {
	ID                 string       `json:"id"`
	Href               string       `json:"href,omitempty"` // none from a stub: it names no real bucket
	Description        string       `json:"description"`
	Name               string       `json:"name"`
	BaseType           string       `json:"@baseType"`
	Type               string       `json:"@type"`
	UsageType          string       `json:"usageType"`
	RemainingValue     tmf.Quantity `json:"remainingValue"`
	RemainingValueName string       `json:"remainingValueName"`
	ValidFor           tmf.ValidFor `json:"validFor"`
}

// impacted is one bucket whose balance the top-up changed.
type impacted struct {
	AmountAfter  tmf.Quantity `json:"amountAfter"`
	AmountBefore tmf.Quantity `json:"amountBefore"`
	Name         string       `json:"name"`
	Type         string       `json:"@type"`
}

// newResponse describes a top-up of amount (with voucher, when one was
// used) to the bucket at index target of buckets of product productID, as
// they stand after it, with changes as credit returned them. bucket.id is
// the seed's service-level id; bucket.href the bucket's TMF654 resource on
// this server. A stub answer, which names no product, has no href.
func newResponse(bu storage.BusinessUnit, productID, voucher string, amount money.Amount,
	buckets []storage.Bucket, target int, changes []ledger.Change, now time.Time) response {
	t := buckets[target]
	href := ""
	if productID != "" {
		href = tmf.BucketHref(bu.ID, productID, t.ID)
	}
	out := response{
		Description: t.Name,
		Voucher:     voucher,
		Amount:      tmf.Quantity{Amount: amount, Units: bu.Currency},
		Bucket: bucketInfo{
			ID:                 t.ID,
			Href:               href,
			Description:        t.Name,
			Name:               t.Name,
			BaseType:           "BucketBalance",
			Type:               t.Type,
			UsageType:          t.UsageType,
			RemainingValue:     tmf.Quantity{Amount: t.Available(now), Units: t.Units},
			RemainingValueName: t.Name,
			ValidFor:           tmf.ValidUntil(t.Expiry, bu.Location()),
		},
		ImpactedBucket: make([]impacted, 0, len(changes)),
	}
	for _, c := range changes {
		b := buckets[c.Index]
		out.ImpactedBucket = append(out.ImpactedBucket, impacted{
			AmountAfter:  tmf.Quantity{Amount: b.Available(now), Units: b.Units},
			AmountBefore: tmf.Quantity{Amount: c.Before, Units: b.Units},
			Name:         b.Name,
			Type:         b.Type,
		})
	}
	return out
}

// appendJSON appends r as json.Marshal encodes it, byte for byte
// (TestResponseAppendJSON): the answer is encoded inside the write
// transaction, where json.Marshal's reflection held up every top-up
// queued behind it.
func (r response) appendJSON(b []byte) []byte {
	w := tmf.JSONWriter{B: append(b, '{')}
	w.Key("description", true)
	w.String(r.Description)
	w.Optional("voucher", r.Voucher)
	w.Key("amount", false)
	w.Quantity(r.Amount)
	w.Key("bucket", false)
	w.B = append(w.B, '{')
	bk := r.Bucket
	w.Key("id", true)
	w.String(bk.ID)
	w.Optional("href", bk.Href)
	for _, f := range []struct{ k, v string }{{"description", bk.Description}, {"name", bk.Name},
		{"@baseType", bk.BaseType}, {"@type", bk.Type}, {"usageType", bk.UsageType}} {
		w.Key(f.k, false)
		w.String(f.v)
	}
	w.Key("remainingValue", false)
	w.Quantity(bk.RemainingValue)
	w.Key("remainingValueName", false)
	w.String(bk.RemainingValueName)
	w.Key("validFor", false)
	w.ValidFor(bk.ValidFor)
	w.B = append(w.B, '}')
	w.Key("ImpactedBucket", false)
	w.List(r.ImpactedBucket == nil, len(r.ImpactedBucket), func(i int) {
		ib := r.ImpactedBucket[i]
		w.B = append(w.B, '{')
		w.Key("amountAfter", true)
		w.Quantity(ib.AmountAfter)
		w.Key("amountBefore", false)
		w.Quantity(ib.AmountBefore)
		w.Key("name", false)
		w.String(ib.Name)
		w.Key("@type", false)
		w.String(ib.Type)
		w.B = append(w.B, '}')
	})
	return append(w.B, '}')
}
