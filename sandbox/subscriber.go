package sandbox

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"time"

	"prepay/money"
	"prepay/storage"
	"prepay/tmf"
)

// subscriberJSON is a subscriber as the sandbox API reads and writes it.
// businessId and serviceNo come from the path; a body that repeats them (a
// GET answer sent back) must agree with it.
type subscriberJSON struct {
	BusinessID              string                `json:"businessId,omitempty"`
	ServiceNo               string                `json:"serviceNo,omitempty"`
	LOB                     string                `json:"lob"`
	AccountNo               accountNumber         `json:"accountNo"`
	ServiceInternalID       string                `json:"serviceInternalId"`
	OwningAccountInternalID string                `json:"owningAccountInternalId"`
	Buckets                 []bucketJSON          `json:"buckets"`
	Accumulators            []storage.Accumulator `json:"accumulators"`
}

// accountNumber is a service's account number on the wire: a JSON number of
// 1 to 15 digits with no leading zero, as the balances endpoint writes it —
// one type for the account everywhere. A quoted one is read too, as
// earlier clients sent it.
type accountNumber string

// UnmarshalJSON reads the number's digits, refusing anything else as a
// type error that names the field.
func (a *accountNumber) UnmarshalJSON(data []byte) error {
	digits := strings.Trim(string(data), `"`)
	if !accountDigits.MatchString(digits) {
		return &json.UnmarshalTypeError{Value: string(data), Type: reflect.TypeFor[accountNumber]()}
	}
	*a = accountNumber(digits)
	return nil
}

// MarshalJSON writes the account as a JSON number.
func (a accountNumber) MarshalJSON() ([]byte, error) { return []byte(a), nil }

// WireRule says what an account number must be.
func (accountNumber) WireRule() string { return "a number of 1 to 15 digits, not starting with 0" }

// bucketJSON is a bucket on the wire: its expiry is "+30d" or an RFC 3339
// time on the way in, the business unit's local time on the way out.
type bucketJSON struct {
	ID          string       `json:"id"`
	Name        string       `json:"name"`
	UsageType   string       `json:"usageType"`
	Units       string       `json:"units"`
	Type        string       `json:"type"`
	Allowance   money.Amount `json:"allowance"`
	Rollover    money.Amount `json:"rollover"`
	Charges     money.Amount `json:"charges"`
	OverageRate money.Amount `json:"overageRate"`
	Expiry      string       `json:"expiry"`
}

// record checks the body and turns it into the subscriber serviceNo of bu,
// resolving relative expiries against now. Every failure is a 400 naming
// the field and the value.
func (s subscriberJSON) record(bu storage.BusinessUnit, serviceNo string, now time.Time) (storage.Subscriber, error) {
	if err := checkPattern("serviceNo (path)", serviceNo, digits15, "1 to 15 digits"); err != nil {
		return storage.Subscriber{}, err
	}
	if s.BusinessID != "" && s.BusinessID != bu.ID {
		return storage.Subscriber{}, tmf.Invalid("businessId", fmt.Sprintf("%s, as in the path, or absent", bu.ID), s.BusinessID)
	}
	if s.ServiceNo != "" && s.ServiceNo != serviceNo {
		return storage.Subscriber{}, tmf.Invalid("serviceNo", fmt.Sprintf("%s, as in the path, or absent", serviceNo), s.ServiceNo)
	}
	switch {
	case s.LOB == "":
		return storage.Subscriber{}, missing("lob")
	case !tmf.ValidLOB(s.LOB):
		return storage.Subscriber{}, tmf.Invalid("lob", "one of "+tmf.LOBList, s.LOB)
	}
	for _, f := range []struct{ field, value string }{
		{"serviceInternalId", s.ServiceInternalID},
		{"owningAccountInternalId", s.OwningAccountInternalID},
	} {
		if err := checkPattern(f.field, f.value, idPattern, "1 to 64 letters, digits, '.', '_' or '-'"); err != nil {
			return storage.Subscriber{}, err
		}
	}
	if s.AccountNo == "" {
		return storage.Subscriber{}, missing("accountNo")
	}
	sub := storage.Subscriber{
		BusinessID: bu.ID, ServiceNo: serviceNo, LOB: s.LOB, AccountNo: string(s.AccountNo),
		ServiceInternalID: s.ServiceInternalID, OwningAccountInternalID: s.OwningAccountInternalID,
		Buckets:      make([]storage.Bucket, len(s.Buckets)),
		Accumulators: make([]storage.Accumulator, len(s.Accumulators)),
	}
	seen := map[string]bool{}
	for i, b := range s.Buckets {
		bucket, err := b.record(fmt.Sprintf("buckets[%d]", i), bu, now)
		if err != nil {
			return storage.Subscriber{}, err
		}
		if seen[b.ID] {
			return storage.Subscriber{}, tmf.Invalid(fmt.Sprintf("buckets[%d].id", i), "unique within the service", b.ID)
		}
		seen[b.ID] = true
		sub.Buckets[i] = bucket
	}
	clear(seen)
	for i, a := range s.Accumulators {
		field := fmt.Sprintf("accumulators[%d]", i)
		if err := checkAccumulator(field, a); err != nil {
			return storage.Subscriber{}, err
		}
		if seen[a.ID] {
			return storage.Subscriber{}, tmf.Invalid(field+".id", "unique within the service", a.ID)
		}
		seen[a.ID] = true
		sub.Accumulators[i] = a
	}
	// The checks above are finer than the record's own; this one stays as
	// the last word on what may be stored.
	if err := sub.Check(); err != nil {
		return storage.Subscriber{}, tmf.Fail(tmf.CodeInvalidField, "%s", err)
	}
	return sub, nil
}

// record checks one bucket. Type defaults to Core; units default to the
// business unit's currency for a Currency bucket, which may hold no other,
// and to the usage type for any other.
func (b bucketJSON) record(field string, bu storage.BusinessUnit, now time.Time) (storage.Bucket, error) {
	if err := checkPattern(field+".id", b.ID, idPattern, "1 to 64 letters, digits, '.', '_' or '-'"); err != nil {
		return storage.Bucket{}, err
	}
	if b.UsageType == "" {
		return storage.Bucket{}, missing(field + ".usageType")
	}
	for _, f := range []struct{ name, value string }{
		{".name", b.Name}, {".usageType", b.UsageType}, {".units", b.Units}, {".type", b.Type},
	} {
		if err := checkText(field+f.name, f.value); err != nil {
			return storage.Bucket{}, err
		}
	}
	bucket := storage.Bucket{ID: b.ID, Name: b.Name, UsageType: b.UsageType, Units: b.Units, Type: b.Type,
		Allowance: b.Allowance, Rollover: b.Rollover, Charges: b.Charges, OverageRate: b.OverageRate}
	if bucket.Type == "" {
		bucket.Type = storage.BucketCore
	}
	switch {
	case bucket.IsCurrency() && bucket.Units == "":
		bucket.Units = bu.Currency
	case bucket.IsCurrency() && bucket.Units != bu.Currency:
		return storage.Bucket{}, tmf.Invalid(field+".units",
			fmt.Sprintf("%s, the currency of business unit %s, for a Currency bucket", bu.Currency, bu.ID), b.Units)
	case bucket.Units == "":
		bucket.Units = bucket.UsageType
	}
	for _, f := range []struct {
		name  string
		value money.Amount
	}{
		{".allowance", b.Allowance}, {".rollover", b.Rollover}, {".charges", b.Charges}, {".overageRate", b.OverageRate},
	} {
		if err := checkAmount(field+f.name, f.value, false); err != nil {
			return storage.Bucket{}, err
		}
	}
	if err := storage.LimitError(bucket); err != nil {
		return storage.Bucket{}, err
	}
	if b.Expiry == "" {
		return storage.Bucket{}, missing(field + ".expiry")
	}
	var err error
	if bucket.Expiry, err = parseExpiry(field+".expiry", b.Expiry, now, bu); err != nil {
		return storage.Bucket{}, err
	}
	return bucket, nil
}

func checkAccumulator(field string, a storage.Accumulator) error {
	if err := checkPattern(field+".id", a.ID, idPattern, "1 to 64 letters, digits, '.', '_' or '-'"); err != nil {
		return err
	}
	for _, f := range []struct{ name, value string }{{".name", a.Name}, {".usageType", a.UsageType}, {".units", a.Units}} {
		if err := checkText(field+f.name, f.value); err != nil {
			return err
		}
	}
	return checkAmount(field+".amount", a.Amount, false)
}

// subscriberView writes a stored subscriber as the sandbox API shows it,
// its expiries in the business unit's zone.
func subscriberView(s storage.Subscriber, loc *time.Location) subscriberJSON {
	v := subscriberJSON{
		BusinessID: s.BusinessID, ServiceNo: s.ServiceNo, LOB: s.LOB, AccountNo: accountNumber(s.AccountNo),
		ServiceInternalID: s.ServiceInternalID, OwningAccountInternalID: s.OwningAccountInternalID,
		Buckets:      make([]bucketJSON, len(s.Buckets)),
		Accumulators: append([]storage.Accumulator{}, s.Accumulators...),
	}
	for i, b := range s.Buckets {
		v.Buckets[i] = bucketView(b, loc)
	}
	return v
}

func bucketView(b storage.Bucket, loc *time.Location) bucketJSON {
	return bucketJSON{ID: b.ID, Name: b.Name, UsageType: b.UsageType, Units: b.Units, Type: b.Type,
		Allowance: b.Allowance, Rollover: b.Rollover, Charges: b.Charges, OverageRate: b.OverageRate,
		Expiry: tmf.FormatMillis(b.Expiry, loc)}
}

// unknownService is the 404 for a service the business unit does not have.
func unknownService(bu, serviceNo string) error {
	return tmf.Fail(tmf.CodeUnknownService, "business unit %s has no service %q", bu, serviceNo)
}

// location is the path of a subscriber's sandbox resource.
func location(bu, serviceNo string) string {
	return "/sandbox/v1/" + bu + "/services/" + serviceNo
}
