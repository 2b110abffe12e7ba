package tmf

import (
	"time"

	"prepay/money"
)

// Quantity is the TMF amount-with-units pair ({"amount": 5.00, "units":
// "JMD"}). Units are left out when empty, as the operator writes buckets
// that have none.
type Quantity struct {
	Amount money.Amount `json:"amount"`
	Units  string       `json:"units,omitempty"`
}

// ValidFor is the TMF validity period, of which the operator writes only
// the end.
type ValidFor struct {
	EndDateTime Millis `json:"endDateTime"`
}

// ValidUntil returns the validity that ends at t, written in loc.
func ValidUntil(t time.Time, loc *time.Location) ValidFor {
	return ValidFor{EndDateTime: Millis{Time: t, Loc: loc}}
}
