package history

import (
	"time"

	"prepay/storage"
	"prepay/tmf"
)

// record is one balance action in seed 002's shape. Field order is the
// seed's: encoding/json writes struct fields in declaration order.
type record struct {
	Type             string           `json:"@type"`
	Description      string           `json:"description"`
	ConfirmationDate tmf.Millis       `json:"confirmationDate"`
	BaseType         string           `json:"@baseType"`
	Amount           tmf.Quantity     `json:"amount"`
	Product          []ref            `json:"product"`
	PartyAccount     ref              `json:"partyAccount"`
	Channel          storage.Channel  `json:"channel"`
	LogicalResource  []resource       `json:"logicalResource"`
	RelatedParty     []ref            `json:"relatedParty"`
	ImpactedBucket   []impactedBucket `json:"impactedBucket"`
}

// ref is the operator's name/value pair: an id labelled with what it is.
type ref struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type resource struct {
	Type  string `json:"@type"`
	Value string `json:"value"`
}

// impactedBucket is one group of bucket items: the buckets after the action
// (BalanceHistory) or the usage accumulators (AccumulatorHistory).
type impactedBucket struct {
	Items []bucketItem `json:"impactedBucketItem"`
	Type  string       `json:"@type"`
}

// bucketItem is a bucket or accumulator. The operator writes name and
// usageType only when the bucket has them, and validFor only for buckets.
type bucketItem struct {
	ID        string        `json:"id"`
	BaseType  string        `json:"@baseType"`
	Name      string        `json:"name,omitempty"`
	UsageType string        `json:"usageType,omitempty"`
	Amount    tmf.Quantity  `json:"amount"`
	ValidFor  *tmf.ValidFor `json:"validFor,omitempty"`
}

// render writes a as the operator does, its times in loc.
func render(a storage.Action, loc *time.Location) record {
	return record{
		Type:             a.Type,
		Description:      a.Description,
		ConfirmationDate: tmf.Millis{Time: a.ConfirmationDate, Loc: loc},
		BaseType:         "Action",
		Amount:           tmf.Quantity{Amount: a.Amount, Units: a.Units},
		Product:          []ref{{ID: a.ProductID, Name: "serviceInternalId"}},
		PartyAccount:     ref{ID: a.PartyAccountID, Name: "owningAccountInternalId"},
		Channel:          a.Channel,
		LogicalResource:  []resource{{Type: "MSISDN", Value: a.MSISDN}},
		RelatedParty: []ref{
			{ID: a.BatchNumber, Name: "batchNumber"},
			{ID: a.RechargeID, Name: "rechargeId"},
			{ID: a.RechargeID2, Name: "rechargeId2"},
			{ID: a.CardNumber, Name: "cardNumber"},
			{ID: a.SerialNumber, Name: "serialNumber"},
			{ID: a.CurrencyConvRate, Name: "currencyConvRate"},
		},
		ImpactedBucket: []impactedBucket{
			{Items: items(a.Balances, loc), Type: "BalanceHistory"},
			{Items: items(a.Accumulators, loc), Type: "AccumulatorHistory"},
		},
	}
}

// items renders snapshots; a snapshot with an expiry (a bucket) gets
// validFor, one without (an accumulator) does not.
func items(snaps []storage.Snapshot, loc *time.Location) []bucketItem {
	out := make([]bucketItem, len(snaps)) // never nil: no buckets is [], not null
	for i, s := range snaps {
		out[i] = bucketItem{
			ID:        s.ID,
			BaseType:  "BucketBalance",
			Name:      s.Name,
			UsageType: s.UsageType,
			Amount:    tmf.Quantity{Amount: s.Amount, Units: s.Units},
		}
		if !s.ValidTo.IsZero() {
			v := tmf.ValidUntil(s.ValidTo, loc)
			out[i].ValidFor = &v
		}
	}
	return out
}
