package actions

import (
	"net/url"
	"strconv"
	"time"

	"prepay/ledger"
	"prepay/storage"
	"prepay/tmf"
)

// resource is a TMF654 TopupBalance, AdjustBalance, TransferBalance or
// ReserveBalance. Fields a kind does not have are left out.
type resource struct {
	ID                      string            `json:"id"`
	Href                    string            `json:"href"`
	Type                    string            `json:"@type"`
	BaseType                string            `json:"@baseType"`
	Status                  string            `json:"status"`
	RequestedDate           tmf.Millis        `json:"requestedDate"`
	ConfirmationDate        tmf.Millis        `json:"confirmationDate"`
	Amount                  tmf.Quantity      `json:"amount"`
	Voucher                 string            `json:"voucher,omitempty"`
	Reason                  string            `json:"reason,omitempty"`
	AdjustType              string            `json:"adjustType,omitempty"`
	IsAutoTopup             bool              `json:"isAutoTopup,omitempty"`
	RecurringPeriod         string            `json:"recurringPeriod,omitempty"`
	NumberOfPeriods         int               `json:"numberOfPeriods,omitempty"`
	Bucket                  bucketRef         `json:"bucket"`
	Product                 []ref2            `json:"product"`
	PartyAccount            ref2              `json:"partyAccount"`
	LogicalResource         []msisdn          `json:"logicalResource"`
	ReceiverBucket          *bucketRef        `json:"receiverBucket,omitempty"`
	ReceiverProduct         []ref2            `json:"receiverProduct,omitempty"`
	ReceiverLogicalResource []msisdn          `json:"receiverLogicalResource,omitempty"`
	TransferCost            *tmf.Quantity     `json:"transferCost,omitempty"`
	CostOwner               string            `json:"costOwner,omitempty"`
	ValidFor                *tmf.ValidFor     `json:"validFor,omitempty"`
	Channel                 storage.Channel   `json:"channel"`
	ImpactedBucket          []ledger.Impacted `json:"impactedBucket"`
}

type bucketRef struct {
	ID   string `json:"id"`
	Href string `json:"href"`
}

// ref2 is the operator's name/value pair: an id labelled with what it is.
type ref2 struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type msisdn struct {
	Type  string `json:"@type"`
	Value string `json:"value"`
}

// paths are each kind's collection, as TMF654 names it.
var paths = map[string]string{
	storage.ActionTopup:    "topupBalance",
	storage.ActionAdjust:   "adjustBalance",
	storage.ActionTransfer: "transferBalance",
	storage.ActionReserve:  "reserveBalance",
}

// operationName is the kind's operation as history descriptions name it.
func operationName(kind string) string { return paths[kind] }

// Href is the absolute path of action seq of kind in business unit bu.
func Href(bu, kind string, seq uint64) string {
	return tmf.TMF654Base + bu + "/" + paths[kind] + "/" + url.PathEscape(strconv.FormatUint(seq, 10))
}

// status is what o's status is at now: a reservation still held after it
// lapsed reads cancelled, as the hold has stopped counting.
func status(o storage.Operation, now time.Time) string {
	if o.Type == storage.ActionReserve && o.Status == storage.StatusCreated && !now.Before(o.HoldUntil) {
		return storage.StatusCancelled
	}
	return o.Status
}

// render writes operation o, numbered seq, as it stands at now.
func render(o storage.Operation, seq uint64, bu storage.BusinessUnit, now time.Time) resource {
	loc := bu.Location()
	p := o.Party
	r := resource{
		ID:               strconv.FormatUint(seq, 10),
		Href:             Href(bu.ID, o.Type, seq),
		Type:             o.Type,
		BaseType:         "Action",
		Status:           status(o, now),
		RequestedDate:    tmf.Millis{Time: o.RequestedDate, Loc: loc},
		ConfirmationDate: tmf.Millis{Time: o.ConfirmationDate, Loc: loc},
		Amount:           tmf.Quantity{Amount: o.Amount, Units: o.Units},
		Voucher:          o.Voucher,
		Reason:           o.Reason,
		Bucket:           bucketRef{ID: tmf.BucketID(p.ProductID, p.BucketID), Href: tmf.BucketHref(bu.ID, p.ProductID, p.BucketID)},
		Product:          []ref2{{ID: p.ProductID, Name: "serviceInternalId"}},
		PartyAccount:     ref2{ID: p.PartyAccountID, Name: "owningAccountInternalId"},
		LogicalResource:  []msisdn{{Type: "MSISDN", Value: p.ServiceNo}},
		Channel:          o.Channel,
		ImpactedBucket:   ledger.ImpactedBuckets(o.Balances, o.Accumulators, loc),
	}
	if o.Type == storage.ActionAdjust {
		r.AdjustType = adjustOnce
	}
	if rc := o.Recurring; rc != nil {
		r.IsAutoTopup, r.RecurringPeriod, r.NumberOfPeriods = true, rc.Period, rc.Periods
	}
	if q := o.Receiver; q != nil {
		r.ReceiverBucket = &bucketRef{ID: tmf.BucketID(q.ProductID, q.BucketID), Href: tmf.BucketHref(bu.ID, q.ProductID, q.BucketID)}
		r.ReceiverProduct = []ref2{{ID: q.ProductID, Name: "serviceInternalId"}}
		r.ReceiverLogicalResource = []msisdn{{Type: "MSISDN", Value: q.ServiceNo}}
		r.TransferCost = &tmf.Quantity{Amount: o.Fee, Units: o.Units}
		r.CostOwner = o.CostOwner
	}
	if o.Type == storage.ActionReserve {
		v := tmf.ValidUntil(o.HoldUntil, loc)
		r.ValidFor = &v
	}
	return r
}
