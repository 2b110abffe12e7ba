package bucket

import (
	"time"

	"prepay/ledger"
	"prepay/storage"
	"prepay/tmf"
)

// record is a TMF654 Bucket; the ledger renders it, since events carry it
// too.
type record = ledger.BucketResource

// accumulated is a TMF654 AccumulatedBalance: the sum of the remaining
// values of a product's active non-loan buckets of one unit.
type accumulated struct {
	ID              string       `json:"id"`
	Href            string       `json:"href"`
	Name            string       `json:"name"`
	Type            string       `json:"@type"`
	TotalBalance    tmf.Quantity `json:"totalBalance"`
	Bucket          []bucketRef  `json:"bucket"`
	Product         []ref        `json:"product"`
	PartyAccount    ref          `json:"partyAccount"`
	LogicalResource []resource   `json:"logicalResource"`
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

type bucketRef struct {
	ID   string `json:"id"`
	Href string `json:"href"`
	Name string `json:"name"`
}

// renderBucket writes bucket b of sub as it stands at now (see
// ledger.RenderBucket).
func renderBucket(bu storage.BusinessUnit, sub storage.Subscriber, b storage.Bucket, now time.Time) record {
	return ledger.RenderBucket(bu, sub, b, now)
}

// accumulate returns sub's accumulated balances at now: one per unit of its
// active non-loan buckets, in the order each unit first appears. A loan is
// money owed, not held, so it is not summed.
func accumulate(bu storage.BusinessUnit, sub storage.Subscriber, now time.Time) []accumulated {
	var out []accumulated
	at := map[string]int{}
	for _, b := range sub.Buckets {
		if !b.Active(now) || b.Type == storage.BucketLoan {
			continue
		}
		i, ok := at[b.Units]
		if !ok {
			i = len(out)
			at[b.Units] = i
			id := tmf.BucketID(sub.ServiceInternalID, b.Units)
			out = append(out, accumulated{
				ID: id, Href: tmf.AccumulatedBalanceHref(bu.ID, id), Name: "Total " + b.Units,
				Type: "AccumulatedBalance", TotalBalance: tmf.Quantity{Units: b.Units},
				Product: product(sub), PartyAccount: partyAccount(sub), LogicalResource: logicalResource(sub),
			})
		}
		// Every balance is at most 1,000,000,000.00 and a service holds a
		// bounded number of buckets: the sum cannot overflow.
		out[i].TotalBalance.Amount += b.Available(now)
		out[i].Bucket = append(out[i].Bucket, bucketRef{
			ID:   tmf.BucketID(sub.ServiceInternalID, b.ID),
			Href: tmf.BucketHref(bu.ID, sub.ServiceInternalID, b.ID),
			Name: b.Name,
		})
	}
	return out
}

func product(sub storage.Subscriber) []ref {
	return []ref{{ID: sub.ServiceInternalID, Name: "serviceInternalId"}}
}

func partyAccount(sub storage.Subscriber) ref {
	return ref{ID: sub.OwningAccountInternalID, Name: "owningAccountInternalId"}
}

func logicalResource(sub storage.Subscriber) []resource {
	return []resource{{Type: "MSISDN", Value: sub.ServiceNo}}
}
