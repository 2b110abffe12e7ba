package ledger

import (
	"net/url"
	"strconv"
	"time"

	"prepay/money"
	"prepay/storage"
	"prepay/tmf"
)

// The TMF654 resources as their GET shows them, here rather than in the
// features that serve them because every writer publishes them in its
// events (§10): a BOT UX top-up is a TopupBalance too, and usage changes a
// Bucket.

// ActionResource is a TMF654 TopupBalance, AdjustBalance, TransferBalance or
// ReserveBalance. Fields a kind does not have are left out.
type ActionResource struct {
	ID                      string          `json:"id"`
	Href                    string          `json:"href"`
	Type                    string          `json:"@type"`
	BaseType                string          `json:"@baseType"`
	Status                  string          `json:"status"`
	RequestedDate           tmf.Millis      `json:"requestedDate"`
	ConfirmationDate        tmf.Millis      `json:"confirmationDate"`
	Amount                  tmf.Quantity    `json:"amount"`
	Voucher                 string          `json:"voucher,omitempty"`
	Reason                  string          `json:"reason,omitempty"`
	AdjustType              string          `json:"adjustType,omitempty"`
	IsAutoTopup             bool            `json:"isAutoTopup,omitempty"`
	RecurringPeriod         string          `json:"recurringPeriod,omitempty"`
	NumberOfPeriods         int             `json:"numberOfPeriods,omitempty"`
	Bucket                  BucketRef       `json:"bucket"`
	Product                 []Ref           `json:"product"`
	PartyAccount            Ref             `json:"partyAccount"`
	LogicalResource         []MSISDN        `json:"logicalResource"`
	ReceiverBucket          *BucketRef      `json:"receiverBucket,omitempty"`
	ReceiverProduct         []Ref           `json:"receiverProduct,omitempty"`
	ReceiverLogicalResource []MSISDN        `json:"receiverLogicalResource,omitempty"`
	TransferCost            *tmf.Quantity   `json:"transferCost,omitempty"`
	CostOwner               string          `json:"costOwner,omitempty"`
	ValidFor                *tmf.ValidFor   `json:"validFor,omitempty"`
	Channel                 storage.Channel `json:"channel"`
	ImpactedBucket          []Impacted      `json:"impactedBucket"`
}

// BucketRef names a bucket by its TMF654 id and href.
type BucketRef struct {
	ID   string `json:"id"`
	Href string `json:"href"`
}

// Ref is the operator's name/value pair: an id labelled with what it is.
type Ref struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// MSISDN is a logicalResource.
type MSISDN struct {
	Type  string `json:"@type"`
	Value string `json:"value"`
}

// AdjustOnce is the one adjustType prepay makes.
const AdjustOnce = "oneTime"

// Paths are each action kind's collection, as TMF654 names it; they are
// also the resources' names in an event.
var Paths = map[string]string{
	storage.ActionTopup:    "topupBalance",
	storage.ActionAdjust:   "adjustBalance",
	storage.ActionTransfer: "transferBalance",
	storage.ActionReserve:  "reserveBalance",
}

// ActionHref is the absolute path of action seq of kind in business unit bu.
func ActionHref(bu, kind string, seq uint64) string {
	return tmf.TMF654Base + bu + "/" + Paths[kind] + "/" + url.PathEscape(strconv.FormatUint(seq, 10))
}

// ActionStatus is what o's status is at now: a reservation still held
// after it lapsed reads cancelled, as the hold has stopped counting.
func ActionStatus(o storage.Operation, now time.Time) string {
	if o.Type == storage.ActionReserve && o.Status == storage.StatusCreated && !now.Before(o.HoldUntil) {
		return storage.StatusCancelled
	}
	return o.Status
}

// RenderAction writes operation o, numbered seq, as it stands at now.
func RenderAction(o storage.Operation, seq uint64, bu storage.BusinessUnit, now time.Time) ActionResource {
	loc := bu.Location()
	p := o.Party
	r := ActionResource{
		ID:               strconv.FormatUint(seq, 10),
		Href:             ActionHref(bu.ID, o.Type, seq),
		Type:             o.Type,
		BaseType:         "Action",
		Status:           ActionStatus(o, now),
		RequestedDate:    tmf.Millis{Time: o.RequestedDate, Loc: loc},
		ConfirmationDate: tmf.Millis{Time: o.ConfirmationDate, Loc: loc},
		Amount:           tmf.Quantity{Amount: o.Amount, Units: o.Units},
		Voucher:          o.Voucher,
		Reason:           o.Reason,
		Bucket:           BucketRef{ID: tmf.BucketID(p.ProductID, p.BucketID), Href: tmf.BucketHref(bu.ID, p.ProductID, p.BucketID)},
		Product:          []Ref{{ID: p.ProductID, Name: "serviceInternalId"}},
		PartyAccount:     Ref{ID: p.PartyAccountID, Name: "owningAccountInternalId"},
		LogicalResource:  []MSISDN{{Type: "MSISDN", Value: p.ServiceNo}},
		Channel:          o.Channel,
		ImpactedBucket:   ImpactedBuckets(o.Balances, o.Accumulators, loc),
	}
	if o.Type == storage.ActionAdjust {
		r.AdjustType = AdjustOnce
	}
	if rc := o.Recurring; rc != nil {
		r.IsAutoTopup, r.RecurringPeriod, r.NumberOfPeriods = true, rc.Period, rc.Periods
	}
	if q := o.Receiver; q != nil {
		r.ReceiverBucket = &BucketRef{ID: tmf.BucketID(q.ProductID, q.BucketID), Href: tmf.BucketHref(bu.ID, q.ProductID, q.BucketID)}
		r.ReceiverProduct = []Ref{{ID: q.ProductID, Name: "serviceInternalId"}}
		r.ReceiverLogicalResource = []MSISDN{{Type: "MSISDN", Value: q.ServiceNo}}
		r.TransferCost = &tmf.Quantity{Amount: o.Fee, Units: o.Units}
		r.CostOwner = o.CostOwner
	}
	if o.Type == storage.ActionReserve {
		v := tmf.ValidUntil(o.HoldUntil, loc)
		r.ValidFor = &v
	}
	return r
}

// BucketResource is a TMF654 Bucket. Its @baseType and @type are those seed
// 001 gives the bucket of a top-up (BucketBalance, and the bucket's type:
// Core, Loan…); product, partyAccount and logicalResource name the service
// as seed 002's records do.
type BucketResource struct {
	ID              string       `json:"id"`
	Href            string       `json:"href"`
	Name            string       `json:"name"`
	BaseType        string       `json:"@baseType"`
	Type            string       `json:"@type"`
	UsageType       string       `json:"usageType"`
	RemainingValue  tmf.Quantity `json:"remainingValue"`
	ReservedValue   tmf.Quantity `json:"reservedValue"`
	Status          string       `json:"status"`
	ValidFor        tmf.ValidFor `json:"validFor"`
	Product         []Ref        `json:"product"`
	PartyAccount    Ref          `json:"partyAccount"`
	LogicalResource []MSISDN     `json:"logicalResource"`
}

// Bucket statuses, TMF654's BucketStatusType.
const (
	BucketActive  = "active"
	BucketExpired = "expired"
)

// RenderBucket writes bucket b of sub as it stands at now: remainingValue
// is what is available, reservedValue what holds that have not lapsed keep
// back.
func RenderBucket(bu storage.BusinessUnit, sub storage.Subscriber, b storage.Bucket, now time.Time) BucketResource {
	// An expired bucket's balance is gone from every endpoint (contract
	// §11): it is listed, expired, with nothing remaining or held.
	status, remaining, held := BucketExpired, money.Amount(0), money.Amount(0)
	if b.Active(now) {
		status, remaining, held = BucketActive, b.Available(now), b.Held(now)
	}
	return BucketResource{
		ID:              tmf.BucketID(sub.ServiceInternalID, b.ID),
		Href:            tmf.BucketHref(bu.ID, sub.ServiceInternalID, b.ID),
		Name:            b.Name,
		BaseType:        "BucketBalance",
		Type:            b.Type,
		UsageType:       b.UsageType,
		RemainingValue:  tmf.Quantity{Amount: remaining, Units: b.Units},
		ReservedValue:   tmf.Quantity{Amount: held, Units: b.Units},
		Status:          status,
		ValidFor:        tmf.ValidUntil(b.Expiry, bu.Location()),
		Product:         []Ref{{ID: sub.ServiceInternalID, Name: "serviceInternalId"}},
		PartyAccount:    Ref{ID: sub.OwningAccountInternalID, Name: "owningAccountInternalId"},
		LogicalResource: []MSISDN{{Type: "MSISDN", Value: sub.ServiceNo}},
	}
}
