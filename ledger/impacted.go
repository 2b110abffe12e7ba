package ledger

import (
	"time"

	"prepay/storage"
	"prepay/tmf"
)

// Impacted is one group of bucket items in seed 002's impactedBucket: the
// buckets after an action (BalanceHistory) or the usage accumulators
// (AccumulatorHistory).
type Impacted struct {
	Items []ImpactedItem `json:"impactedBucketItem"`
	Type  string         `json:"@type"`
}

// ImpactedItem is a bucket or accumulator. The operator writes name and
// usageType only when the bucket has them, and validFor only for buckets.
type ImpactedItem struct {
	ID        string        `json:"id"`
	BaseType  string        `json:"@baseType"`
	Name      string        `json:"name,omitempty"`
	UsageType string        `json:"usageType,omitempty"`
	Amount    tmf.Quantity  `json:"amount"`
	ValidFor  *tmf.ValidFor `json:"validFor,omitempty"`
}

// ImpactedBuckets renders an action's snapshots as every TMF654 action
// and history record shows them, times in loc.
func ImpactedBuckets(balances, accumulators []storage.Snapshot, loc *time.Location) []Impacted {
	return []Impacted{
		{Items: items(balances, loc), Type: "BalanceHistory"},
		{Items: items(accumulators, loc), Type: "AccumulatorHistory"},
	}
}

// items renders snapshots; a snapshot with an expiry (a bucket) gets
// validFor, one without (an accumulator) does not.
func items(snaps []storage.Snapshot, loc *time.Location) []ImpactedItem {
	out := make([]ImpactedItem, len(snaps)) // never nil: no buckets is [], not null
	for i, s := range snaps {
		out[i] = ImpactedItem{
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
