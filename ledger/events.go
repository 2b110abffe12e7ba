package ledger

import (
	"errors"
	"strconv"
	"time"

	"prepay/money"
	"prepay/storage"
	"prepay/tmf"
)

// What an action event says happened to it: TMF654's event types are the
// action's @type, this, and "Event".
const (
	EventCreate  = "Create"
	EventCancel  = "Cancel"
	EventFailure = "Failure"
)

// The bucket events (§10): a bucket's balance changed outside an action
// (usage, a reservation spent), or its state did (it expired).
const (
	BucketBalanceChange = "BucketBalanceChangeEvent"
	BucketStateChange   = "BucketStateChangeEvent"
)

// EventTypes lists every event type prepay publishes.
var EventTypes = func() []string {
	var out []string
	for _, kind := range storage.ActionTypes {
		for _, what := range []string{EventCreate, EventCancel, EventFailure} {
			out = append(out, ActionEventType(kind, what))
		}
	}
	return append(out, BucketStateChange, BucketBalanceChange)
}()

// ActionEventType is the type of the event that says what happened to an
// action of kind: TopupBalanceCreateEvent…
func ActionEventType(kind, what string) string { return kind + what + "Event" }

// PublishAction writes the event that says what happened to action o,
// numbered seq, into the outbox of tx: the action as its GET shows it at
// now. It is called in the transaction that made the change.
func PublishAction(tx *storage.Tx, what string, o storage.Operation, seq uint64, bu storage.BusinessUnit, now time.Time, correlationID string) error {
	products := []string{o.Party.ProductID}
	if o.Receiver != nil {
		products = append(products, o.Receiver.ProductID)
	}
	return tx.AddEvent(storage.NewEvent{BusinessID: bu.ID, Type: ActionEventType(o.Type, what), Time: now, Loc: bu.Location(),
		CorrelationID: correlationID, Name: Paths[o.Type], Resource: RenderAction(o, seq, bu, now), ProductIDs: products})
}

// PublishBucket writes eventType (BucketBalanceChange or
// BucketStateChange) for bucket i of sub, as it stands at now after the
// change.
func PublishBucket(tx *storage.Tx, eventType string, bu storage.BusinessUnit, sub storage.Subscriber, i int, now time.Time, correlationID string) error {
	return tx.AddEvent(storage.NewEvent{BusinessID: bu.ID, Type: eventType, Time: now, Loc: bu.Location(),
		CorrelationID: correlationID, Name: "bucket", Resource: RenderBucket(bu, sub, sub.Buckets[i], now),
		ProductIDs: []string{sub.ServiceInternalID}})
}

// StatusFailed is TMF654's status of an action that was refused: it is
// never stored, only published.
const StatusFailed = "failed"

// Failure is what a FailureEvent says of an action that was refused: the
// action as it was asked for, status failed, and the error answered. It
// has no id or href: a refused action is not stored.
type Failure struct {
	Type            string          `json:"@type"`
	BaseType        string          `json:"@baseType"`
	Status          string          `json:"status"`
	RequestedDate   tmf.Millis      `json:"requestedDate"`
	Amount          *tmf.Quantity   `json:"amount,omitempty"`
	Voucher         string          `json:"voucher,omitempty"`
	Reason          string          `json:"reason,omitempty"`
	Bucket          *BucketRef      `json:"bucket,omitempty"`
	Product         []Ref           `json:"product,omitempty"`
	LogicalResource []MSISDN        `json:"logicalResource,omitempty"`
	Channel         storage.Channel `json:"channel"`
	Error           FailureError    `json:"error"`
}

// FailureError is the TMF630 error the refused request was answered.
type FailureError struct {
	Code    string `json:"code"`
	Reason  string `json:"reason"`
	Message string `json:"message"`
	Status  string `json:"status"`
	Type    string `json:"@type"` // Error
}

// Asked is what a refused action asked for, as far as it was understood.
type Asked struct {
	Kind      string
	ProductID string // "" when the request named the service otherwise
	ServiceNo string // "" when the request named the service otherwise
	BucketID  string
	Amount    money.Amount // 0 when none was asked (a voucher)
	Voucher   string
	Reason    string
	Channel   storage.Channel
}

// Refused returns the error answer of a refused action that its
// FailureEvent reports, and whether there is one: a 4xx decided about the
// action itself (an unknown voucher, a short balance, a transfer rule),
// not a repeat of a used idempotency key nor a request that never reached
// its sandbox.
func Refused(err error) (*tmf.Error, bool) {
	var te *tmf.Error
	if !errors.As(err, &te) || te.Status < 400 || te.Status >= 500 {
		return nil, false
	}
	switch te.Code {
	case tmf.CodeKeyReused, tmf.CodeUnknownSandbox:
		return nil, false
	}
	return te, true
}

// PublishFailure writes the FailureEvent of a refused action. A refusal
// writes nothing (storage.Refuse), so the event is committed in a write of
// its own, after the refusal and before its answer: the client never sees
// an error whose event could still be lost. It changes nothing else.
func PublishFailure(tx *storage.Tx, a Asked, te *tmf.Error, bu storage.BusinessUnit, now time.Time, correlationID string) error {
	loc := bu.Location()
	f := Failure{Type: a.Kind, BaseType: "Action", Status: StatusFailed, RequestedDate: tmf.Millis{Time: now, Loc: loc},
		Voucher: a.Voucher, Reason: a.Reason, Channel: a.Channel,
		Error: FailureError{Code: te.Code, Reason: te.Reason, Message: te.Message, Status: strconv.Itoa(te.Status), Type: "Error"}}
	if a.Amount != 0 {
		f.Amount = &tmf.Quantity{Amount: a.Amount, Units: bu.Currency}
	}
	var products []string
	if a.ProductID != "" {
		f.Product = []Ref{{ID: a.ProductID, Name: "serviceInternalId"}}
		products = []string{a.ProductID}
		if a.BucketID != "" {
			f.Bucket = &BucketRef{ID: tmf.BucketID(a.ProductID, a.BucketID), Href: tmf.BucketHref(bu.ID, a.ProductID, a.BucketID)}
		}
	}
	if a.ServiceNo != "" {
		f.LogicalResource = []MSISDN{{Type: "MSISDN", Value: a.ServiceNo}}
	}
	return tx.AddEvent(storage.NewEvent{BusinessID: bu.ID, Type: ActionEventType(a.Kind, EventFailure), Time: now, Loc: loc,
		CorrelationID: correlationID, Name: Paths[a.Kind], Resource: f, ProductIDs: products})
}
