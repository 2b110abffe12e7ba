package history

import (
	"time"

	"prepay/ledger"
	"prepay/storage"
	"prepay/tmf"
)

// record is one balance action in seed 002's shape. Field order is the
// seed's: encoding/json writes struct fields in declaration order.
type record struct {
	Type             string            `json:"@type"`
	Description      string            `json:"description"`
	ConfirmationDate tmf.Millis        `json:"confirmationDate"`
	BaseType         string            `json:"@baseType"`
	Amount           tmf.Quantity      `json:"amount"`
	Product          []ref             `json:"product"`
	PartyAccount     ref               `json:"partyAccount"`
	Channel          storage.Channel   `json:"channel"`
	LogicalResource  []resource        `json:"logicalResource"`
	RelatedParty     []ref             `json:"relatedParty"`
	ImpactedBucket   []ledger.Impacted `json:"impactedBucket"`
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
		ImpactedBucket: ledger.ImpactedBuckets(a.Balances, a.Accumulators, loc),
	}
}
