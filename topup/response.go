package topup

import (
	"prepay/money"
	"prepay/storage"
	"prepay/tmf"
)

// response is the 200 body, in seed 001's field order and spelling
// (ImpactedBucket with a capital I).
type response struct {
	Description    string     `json:"description"`
	Voucher        string     `json:"voucher,omitempty"`
	Amount         quantity   `json:"amount"`
	Bucket         bucketInfo `json:"bucket"`
	ImpactedBucket []impacted `json:"ImpactedBucket"`
}

type quantity struct {
	Amount money.Amount `json:"amount"`
	Units  string       `json:"units"`
}

// bucketInfo is the credited bucket as it stands after the top-up.
type bucketInfo struct {
	ID                 string   `json:"id"`
	Href               string   `json:"href"`
	Description        string   `json:"description"`
	Name               string   `json:"name"`
	BaseType           string   `json:"@baseType"`
	Type               string   `json:"@type"`
	UsageType          string   `json:"usageType"`
	RemainingValue     quantity `json:"remainingValue"`
	RemainingValueName string   `json:"remainingValueName"`
	ValidFor           validFor `json:"validFor"`
}

type validFor struct {
	EndDateTime tmf.Millis `json:"endDateTime"`
}

// impacted is one bucket whose balance the top-up changed.
type impacted struct {
	AmountAfter  quantity `json:"amountAfter"`
	AmountBefore quantity `json:"amountBefore"`
	Name         string   `json:"name"`
	Type         string   `json:"@type"`
}

// bucketHref is the bucket's TMF654 reference, seed 001's link with this
// server's path prefix in place of the operator's host. It identifies the
// bucket; the sandbox serves no resource there.
const bucketHref = "/tmf-api/prepayBalanceManagement/v4/bucket/"

// newResponse describes a top-up of amount (with voucher, when one was
// used) to the bucket at index target of buckets, as they stand after it,
// with changes as credit returned them.
func newResponse(bu storage.BusinessUnit, voucher string, amount money.Amount,
	buckets []storage.Bucket, target int, changes []change) response {
	t := buckets[target]
	out := response{
		Description: t.Name,
		Voucher:     voucher,
		Amount:      quantity{amount, bu.Currency},
		Bucket: bucketInfo{
			ID:                 t.ID,
			Href:               bucketHref + t.ID,
			Description:        t.Name,
			Name:               t.Name,
			BaseType:           "BucketBalance",
			Type:               t.Type,
			UsageType:          t.UsageType,
			RemainingValue:     quantity{t.Balance(), t.Units},
			RemainingValueName: t.Name,
			ValidFor:           validFor{tmf.Millis{Time: t.Expiry, Loc: bu.Location()}},
		},
		ImpactedBucket: make([]impacted, 0, len(changes)),
	}
	for _, c := range changes {
		b := buckets[c.index]
		out.ImpactedBucket = append(out.ImpactedBucket, impacted{
			AmountAfter:  quantity{b.Balance(), b.Units},
			AmountBefore: quantity{c.before, b.Units},
			Name:         b.Name,
			Type:         b.Type,
		})
	}
	return out
}
