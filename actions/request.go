package actions

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"prepay/ledger"
	"prepay/money"
	"prepay/storage"
	"prepay/tmf"
)

// ref is a TMF654 reference: a bucket, a product or a party account.
type ref struct {
	ID *string `json:"id"`
}

// resourceRef is a logicalResource: the MSISDN in value (or id).
type resourceRef struct {
	Type  *string `json:"@type"`
	Value *string `json:"value"`
	ID    *string `json:"id"`
}

// body holds the TMF654 …_Create fields prepay reads; the rest are
// tolerated like any unknown field. product and logicalResource come as an
// object or a one-element array, so they are decoded by hand.
type body struct {
	Amount *struct {
		Amount *money.Amount `json:"amount"`
		Units  *string       `json:"units"`
	} `json:"amount"`
	Bucket                  *ref            `json:"bucket"`
	Product                 json.RawMessage `json:"product"`
	LogicalResource         json.RawMessage `json:"logicalResource"`
	PartyAccount            *ref            `json:"partyAccount"`
	Voucher                 *string         `json:"voucher"`
	Reason                  *string         `json:"reason"`
	AdjustType              *string         `json:"adjustType"`
	ReceiverBucket          *ref            `json:"receiverBucket"`
	ReceiverProduct         json.RawMessage `json:"receiverProduct"`
	ReceiverLogicalResource json.RawMessage `json:"receiverLogicalResource"`
	IsAutoTopup             *bool           `json:"isAutoTopup"`
	RecurringPeriod         *string         `json:"recurringPeriod"`
	NumberOfPeriods         *int            `json:"numberOfPeriods"`
	ValidFor                *struct {
		EndDateTime *string `json:"endDateTime"`
	} `json:"validFor"`
}

// service names a service by its product id, its MSISDN, or both.
type service struct {
	productID, msisdn string
	field             string // product or receiverProduct, for messages
}

// request is a checked action request.
type request struct {
	service      service
	partyAccount string
	bucketID     string
	amount       money.Amount
	units        string // "" when not given
	voucher      string
	reason       string
	receiver     service
	receiverBkt  string
	holdUntil    time.Time // zero: the default
	recurring    string    // a recurring top-up's period; "" for a single one
	periods      int       // a recurring top-up's credits in all; 0: no end
	key          string
	keyHeader    string
	fingerprint  []byte
}

// Bounds on what a request may carry.
const (
	maxIDLength  = 64
	maxReason    = 255
	maxPeriods   = 10000
	maxVoucher   = 32
	defaultHold  = 15 * time.Minute
	primaryID    = "1"
	typeMSISDN   = "MSISDN"
	adjustOnce   = ledger.AdjustOnce
	fieldProduct = "product"
)

// parse checks the headers and the body of a POST of kind, everything that
// needs no stored state. Nothing it refuses is remembered.
func parse(w http.ResponseWriter, r *http.Request, kind string, bu storage.BusinessUnit) (request, error) {
	var req request
	corr := ""
	if tmf.FromContext(r.Context()).CorrelationGiven {
		corr = r.Header.Get("X-Correlation-ID")
	}
	var err error
	if req.key, req.keyHeader, err = tmf.IdempotencyKey(r, corr); err != nil {
		return req, err
	}
	var b body
	raw, err := tmf.DecodeBodyRaw(w, r, &b)
	if err != nil {
		return req, err
	}
	if err := b.check(&req, kind, bu); err != nil {
		return req, err
	}
	req.fingerprint = tmf.Fingerprint(raw, bu.ID, kind)
	return req, nil
}

func (b body) check(req *request, kind string, bu storage.BusinessUnit) error {
	var err error
	if req.service, err = serviceOf(b.Product, b.LogicalResource, "product", "logicalResource", true); err != nil {
		return err
	}
	if b.PartyAccount != nil && b.PartyAccount.ID != nil {
		req.partyAccount = *b.PartyAccount.ID
	}
	if req.bucketID, err = bucketOf(b.Bucket, "bucket.id"); err != nil {
		return err
	}
	if b.Voucher != nil && kind == storage.ActionTopup {
		if !digits(*b.Voucher) {
			return tmf.Fail(tmf.CodeInvalidField, "voucher must be 1 to %d digits; got %q", maxVoucher, *b.Voucher)
		}
		req.voucher = *b.Voucher
	}
	switch {
	case req.voucher != "":
	case b.Amount == nil || b.Amount.Amount == nil:
		if kind == storage.ActionTopup {
			return tmf.Fail(tmf.CodeMissingField, "amount.amount is required when no voucher is given")
		}
		return tmf.Fail(tmf.CodeMissingField, "amount.amount is required")
	case kind == storage.ActionAdjust && *b.Amount.Amount == 0:
		return tmf.Fail(tmf.CodeInvalidField, "amount.amount must not be 0: positive credits, negative debits")
	case kind != storage.ActionAdjust && *b.Amount.Amount <= 0:
		return tmf.Fail(tmf.CodeInvalidField, "amount.amount must be greater than 0; got %s", *b.Amount.Amount)
	default:
		req.amount = *b.Amount.Amount
	}
	if b.Amount != nil && b.Amount.Units != nil {
		req.units = *b.Amount.Units
		if kind != storage.ActionReserve && req.units != bu.Currency {
			return tmf.Fail(tmf.CodeCurrencyMismatch, "amount.units must be %s, the currency of business unit %s; got %q", bu.Currency, bu.ID, req.units)
		}
	}
	switch kind {
	case storage.ActionTopup:
		if err := b.checkRecurring(req); err != nil {
			return err
		}
	case storage.ActionAdjust:
		switch {
		case b.Reason == nil || *b.Reason == "":
			return tmf.Fail(tmf.CodeMissingField, "reason is required: why the balance is adjusted")
		case len(*b.Reason) > maxReason:
			return tmf.Fail(tmf.CodeInvalidField, "reason must be at most %d characters; got %d", maxReason, len(*b.Reason))
		case b.AdjustType != nil && *b.AdjustType != adjustOnce:
			return tmf.Fail(tmf.CodeInvalidField, "adjustType must be %q when given; got %q", adjustOnce, *b.AdjustType)
		}
		req.reason = *b.Reason
	case storage.ActionTransfer:
		if req.receiver, err = serviceOf(b.ReceiverProduct, b.ReceiverLogicalResource, "receiverProduct", "receiverLogicalResource", true); err != nil {
			return err
		}
		if req.receiverBkt, err = bucketOf(b.ReceiverBucket, "receiverBucket.id"); err != nil {
			return err
		}
	case storage.ActionReserve:
		if b.ValidFor != nil && b.ValidFor.EndDateTime != nil {
			t, err := tmf.ParseFieldTime("validFor.endDateTime", *b.ValidFor.EndDateTime, bu.Location())
			if err != nil {
				return err
			}
			req.holdUntil = t.UTC()
		}
	}
	return nil
}

// checkRecurring reads a recurring top-up: isAutoTopup true with a
// recurringPeriod and, optionally, numberOfPeriods (the credits in all,
// the first included). A voucher is redeemed once, so it cannot recur.
func (b body) checkRecurring(req *request) error {
	if b.IsAutoTopup == nil || !*b.IsAutoTopup {
		if b.RecurringPeriod != nil || b.NumberOfPeriods != nil {
			return tmf.Fail(tmf.CodeInvalidField, "isAutoTopup must be true when recurringPeriod or numberOfPeriods is given")
		}
		return nil
	}
	switch {
	case req.voucher != "":
		return tmf.Fail(tmf.CodeInvalidField, "voucher: a voucher is redeemed once and cannot recur; give amount for a recurring top-up")
	case b.RecurringPeriod == nil:
		return tmf.Fail(tmf.CodeMissingField, "recurringPeriod is required when isAutoTopup is true: weekly, fortnightly or monthly")
	}
	switch p := *b.RecurringPeriod; p {
	case storage.PeriodWeekly, storage.PeriodFortnightly, storage.PeriodMonthly:
		req.recurring = p
	default:
		return tmf.Invalid("recurringPeriod", "weekly, fortnightly or monthly", p)
	}
	if n := b.NumberOfPeriods; n != nil {
		if *n < 1 || *n > maxPeriods {
			return tmf.Fail(tmf.CodeInvalidField, "numberOfPeriods must be 1 to %d, the credits in all with the first; got %d", maxPeriods, *n)
		}
		req.periods = *n
	}
	return nil
}

// bucketOf reads a bucket reference, the primary balance when absent.
func bucketOf(r *ref, field string) (string, error) {
	if r == nil {
		return primaryID, nil
	}
	switch {
	case r.ID == nil || *r.ID == "":
		return "", tmf.Fail(tmf.CodeMissingField, "%s is required when %s is given (leave it out for the primary balance %q)", tmf.Text(field), tmf.Text(field[:len(field)-3]), primaryID)
	case len(*r.ID) > maxIDLength*2+1:
		return "", tmf.Fail(tmf.CodeInvalidField, "%s must be at most %d characters; got %d", tmf.Text(field), maxIDLength*2+1, len(*r.ID))
	}
	return *r.ID, nil
}

// serviceOf reads the service a request names by a product and/or a
// logical resource, each an object or a one-element array.
func serviceOf(product, resource json.RawMessage, pField, rField string, required bool) (service, error) {
	s := service{field: pField}
	if len(product) > 0 && string(product) != "null" {
		var p ref
		if err := one(product, pField, &p); err != nil {
			return s, err
		}
		if p.ID == nil || *p.ID == "" || len(*p.ID) > maxIDLength {
			return s, tmf.Fail(tmf.CodeInvalidField, "%s.id must be 1 to %d characters: the service's internal id", tmf.Text(pField), maxIDLength)
		}
		s.productID = *p.ID
	}
	if len(resource) > 0 && string(resource) != "null" {
		var lr resourceRef
		if err := one(resource, rField, &lr); err != nil {
			return s, err
		}
		v := lr.Value
		if v == nil {
			v = lr.ID
		}
		switch {
		case lr.Type != nil && *lr.Type != typeMSISDN:
			return s, tmf.Fail(tmf.CodeInvalidField, "%s.@type must be %q when given; got %q", tmf.Text(rField), typeMSISDN, *lr.Type)
		case v == nil || *v == "" || len(*v) > maxIDLength:
			return s, tmf.Fail(tmf.CodeInvalidField, "%s.value must be 1 to %d characters: the MSISDN", tmf.Text(rField), maxIDLength)
		}
		s.msisdn = *v
	}
	if required && s.productID == "" && s.msisdn == "" {
		return s, tmf.Fail(tmf.CodeMissingField, "%s or %s is required: the service", tmf.Text(pField), tmf.Text(rField))
	}
	return s, nil
}

// one decodes an object or a one-element array of objects into v.
func one(raw json.RawMessage, field string, v any) error {
	if raw[0] == '[' {
		var list []json.RawMessage
		if err := json.Unmarshal(raw, &list); err != nil || len(list) != 1 {
			return tmf.Fail(tmf.CodeInvalidField, "%s must be an object or an array of one object", tmf.Text(field))
		}
		raw = list[0]
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return tmf.Fail(tmf.CodeInvalidField, "%s must be an object or an array of one object", tmf.Text(field))
	}
	return nil
}

// resolve finds the service s names in bu. Unknown is 404; a product and
// an MSISDN naming two services is 400.
func resolve(tx *storage.Tx, bu storage.BusinessUnit, s service) (storage.Subscriber, error) {
	var sub storage.Subscriber
	if s.msisdn != "" {
		var err error
		sub, err = tx.Subscriber(bu.ID, s.msisdn)
		if errors.Is(err, storage.ErrNotFound) {
			return sub, storage.Refuse(tmf.Fail(tmf.CodeUnknownService, "MSISDN %q is not a service of business unit %s", s.msisdn, bu.ID))
		}
		if err != nil {
			return sub, fmt.Errorf("read service %s: %w", s.msisdn, err)
		}
		if s.productID != "" && sub.ServiceInternalID != s.productID {
			return sub, storage.Refuse(tmf.Fail(tmf.CodeInvalidField, "%s.id %q and MSISDN %q name different services", tmf.Text(s.field), s.productID, s.msisdn))
		}
	} else {
		subs, err := tx.ServicesByProduct(bu.ID, s.productID)
		if err != nil {
			return sub, fmt.Errorf("read product %s: %w", s.productID, err)
		}
		if len(subs) == 0 {
			return sub, storage.Refuse(tmf.Fail(tmf.CodeUnknownService, "%s.id %q is not a service of business unit %s", tmf.Text(s.field), s.productID, bu.ID))
		}
		sub = subs[0]
	}
	if sub.LOB == tmf.LOBPostpaid {
		return sub, storage.Refuse(tmf.Fail(tmf.CodePostpaid, "service %s is POSTPAID: it has no prepaid balance", sub.ServiceNo))
	}
	return sub, nil
}

func digits(s string) bool {
	if s == "" || len(s) > maxVoucher {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
