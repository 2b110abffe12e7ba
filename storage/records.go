package storage

import (
	"encoding/json"
	"fmt"
	"time"
	"unicode/utf8"

	"prepay/money"
	"prepay/tmf"
)

// BusinessUnit is an operating company of the operator (JM, BTC, …): the
// currency, zone and rules its endpoints answer with.
type BusinessUnit struct {
	ID           string `json:"id"`
	Currency     string `json:"currency"`
	Zone         string `json:"zone"`
	SourceBSS    string `json:"sourceBSS"`
	ValidityDays int    `json:"validityDays"`
	// Topup is "live" (real arithmetic) or "stub" (a fixed answer, no state
	// change), as the operator's top-up page describes its business units.
	Topup string `json:"topup"`
	// Transfer is the business unit's credit transfer rules; without them
	// it offers no transfers.
	Transfer *TransferRules `json:"transfer,omitempty"`

	loc *time.Location
}

// Top-up modes of a business unit.
const (
	TopupLive = "live"
	TopupStub = "stub"
)

// Location returns the business unit's time zone.
func (b BusinessUnit) Location() *time.Location { return b.loc }

// Validity returns how far a top-up extends the credited bucket's expiry.
func (b BusinessUnit) Validity() time.Duration {
	return time.Duration(b.ValidityDays) * 24 * time.Hour
}

// TransferRules bound credit transfers between the business unit's
// services. The day is the business unit's calendar day on the sandbox
// clock.
type TransferRules struct {
	MinAmount      money.Amount `json:"minAmount"`      // per transfer
	MaxDailyAmount money.Amount `json:"maxDailyAmount"` // per sender per day; 0: none
	MaxDailyCount  int          `json:"maxDailyCount"`  // per sender per day; 0: none
	Fee            money.Amount `json:"fee"`            // TMF654 transferCost
	// CostOwner pays the fee: "originator" (on top of the amount) or
	// "receiver" (out of it).
	CostOwner string `json:"costOwner"`
}

// Who pays a transfer's fee.
const (
	CostOriginator = "originator"
	CostReceiver   = "receiver"
)

// Channel is the sales channel a client's top-ups are recorded under.
type Channel struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Client is a registered API consumer. Its secret is kept only as a salted
// hash.
type Client struct {
	ID            string   `json:"id"`
	Salt          []byte   `json:"salt"`
	SecretHash    []byte   `json:"secretHash"`
	BusinessUnits []string `json:"businessUnits"` // "*" for all
	Scopes        []string `json:"scopes"`
	Channel       Channel  `json:"channel"`
	// RatePerSecond is the client's request-rate limit; 0 is none.
	RatePerSecond int `json:"ratePerSecond,omitempty"`
}

// Bucket types; any other name is allowed and treated like Core.
const (
	BucketCore = "Core"
	BucketLoan = "Loan"
)

// UsageCurrency is the usage type of a bucket that holds money.
const UsageCurrency = "Currency"

// Subscriber is one service (a phone line or a fixed line) with its buckets
// and usage accumulators.
type Subscriber struct {
	BusinessID              string        `json:"businessId"`
	ServiceNo               string        `json:"serviceNo"`
	LOB                     string        `json:"lob"`
	AccountNo               string        `json:"accountNo"`
	ServiceInternalID       string        `json:"serviceInternalId"`
	OwningAccountInternalID string        `json:"owningAccountInternalId"`
	Buckets                 []Bucket      `json:"buckets"`
	Accumulators            []Accumulator `json:"accumulators"`
}

// Bucket is an allowance of money or units. Its balance is derived, never
// stored: balance = max(0, allowance + rollover − charges).
type Bucket struct {
	ID        string       `json:"id"`
	Name      string       `json:"name,omitempty"`
	UsageType string       `json:"usageType,omitempty"` // Currency, MB, mins, SMS…
	Units     string       `json:"units,omitempty"`     // JMD, MB, mins…
	Type      string       `json:"type"`                // Core, Loan…
	Allowance money.Amount `json:"allowance"`
	Rollover  money.Amount `json:"rollover"`
	Charges   money.Amount `json:"charges"`
	// OverageRate is the charge per unit of use beyond the allowance.
	OverageRate money.Amount `json:"overageRate"`
	Expiry      time.Time    `json:"expiry"`
	// Holds are the reservations on the bucket. A hold counts until it
	// lapses; a write drops the lapsed ones.
	Holds []Hold `json:"holds,omitempty"`
}

// Hold is one reservation's claim on a bucket: Amount is not available
// until Until, unless the reservation is spent or released before.
type Hold struct {
	Seq    uint64       `json:"seq"` // the reservation's operation
	Amount money.Amount `json:"amount"`
	Until  time.Time    `json:"until"`
}

// Held is what the bucket's holds that have not lapsed at now keep back.
// Holds never exceed the balance they were taken from, so the sum cannot
// overflow.
func (b Bucket) Held(now time.Time) money.Amount {
	var sum money.Amount
	for _, h := range b.Holds {
		if now.Before(h.Until) {
			sum += h.Amount
		}
	}
	return sum
}

// Available is what may be spent at now: the balance less what is held,
// never below zero. Every endpoint shows it as the bucket's balance.
func (b Bucket) Available(now time.Time) money.Amount { return max(0, b.Balance()-b.Held(now)) }

// TotalAllowance is allowance + rollover. For a bucket within its limits
// (every stored one, see Limits) it cannot overflow.
func (b Bucket) TotalAllowance() money.Amount { return b.Allowance + b.Rollover }

// Limits reports whether every figure of b, stored or derived, lies within
// 0 … money.Max: allowance, rollover, charges, overage rate, total
// allowance and overage charge. Every write of a bucket checks it first, so
// that no figure any endpoint derives can pass the bound or overflow. Its
// error says which figure, in words a client can read.
func (b Bucket) Limits() error {
	for _, f := range []struct {
		name string
		v    money.Amount
	}{{"allowance", b.Allowance}, {"rollover", b.Rollover}, {"charges", b.Charges}, {"overage rate", b.OverageRate}} {
		if f.v < 0 || f.v > money.Max {
			return fmt.Errorf("bucket %s's %s would be %s, outside 0.00 to %s: %w", b.ID, f.name, f.v, money.Max, money.ErrLimit)
		}
	}
	total, err := money.Add(b.Allowance, b.Rollover)
	if err != nil {
		return fmt.Errorf("bucket %s's total allowance would be %s + %s, past %s: %w", b.ID, b.Allowance, b.Rollover, money.Max, err)
	}
	overage := max(0, b.Charges-total)
	if _, err := money.MulRate(overage, b.OverageRate); err != nil {
		return fmt.Errorf("bucket %s's overage charge would be %s × %s, past %s: %w", b.ID, overage, b.OverageRate, money.Max, err)
	}
	return nil
}

// LimitError is the answer to a change that would take a figure of b past
// its limits: 422 BALANCE_LIMIT saying which, or nil when b is within them.
func LimitError(b Bucket) error {
	if err := b.Limits(); err != nil {
		return tmf.Fail(tmf.CodeBalanceLimit, "%s", tmf.Text(err.Error()))
	}
	return nil
}

// Balance is what is left: max(0, total allowance − charges).
func (b Bucket) Balance() money.Amount { return max(0, b.TotalAllowance()-b.Charges) }

// Overage is use beyond the total allowance: max(0, charges − total allowance).
func (b Bucket) Overage() money.Amount { return max(0, b.Charges-b.TotalAllowance()) }

// Active reports whether the bucket has not expired at now.
func (b Bucket) Active(now time.Time) bool { return now.Before(b.Expiry) }

// IsCurrency reports whether the bucket holds money.
func (b Bucket) IsCurrency() bool { return b.UsageType == UsageCurrency }

// Accumulator counts usage of one kind over a period.
type Accumulator struct {
	ID        string       `json:"id"`
	Name      string       `json:"name,omitempty"`
	UsageType string       `json:"usageType,omitempty"`
	Units     string       `json:"units,omitempty"`
	Amount    money.Amount `json:"amount"`
}

// Voucher is a prepaid card of a fixed face value, redeemable once.
type Voucher struct {
	BusinessID string       `json:"businessId"`
	Code       string       `json:"voucher"`
	Amount     money.Amount `json:"amount"`
	Expiry     time.Time    `json:"expiry,omitzero"` // zero: never expires
	RedeemedAt time.Time    `json:"redeemedAt,omitzero"`
	RedeemedBy string       `json:"redeemedBy,omitempty"` // service number
}

// Redeemed reports whether the voucher has been used.
func (v Voucher) Redeemed() bool { return !v.RedeemedAt.IsZero() }

// Kinds of balance action, as the history's @type names them.
const ActionTopup = "TopupBalance"

// Action is one balance action (a top-up) as the history endpoint shows it,
// with the snapshot of every bucket and accumulator taken right after it.
type Action struct {
	Seq              uint64       `json:"seq"`
	BusinessID       string       `json:"businessId"`
	Type             string       `json:"type"` // TopupBalance
	Description      string       `json:"description"`
	ConfirmationDate time.Time    `json:"confirmationDate"`
	Amount           money.Amount `json:"amount"`
	Units            string       `json:"units"`
	ProductID        string       `json:"productId"`      // serviceInternalId
	PartyAccountID   string       `json:"partyAccountId"` // owningAccountInternalId
	Channel          Channel      `json:"channel"`
	MSISDN           string       `json:"msisdn"`
	BatchNumber      string       `json:"batchNumber"`
	RechargeID       string       `json:"rechargeId"`
	RechargeID2      string       `json:"rechargeId2"`
	CardNumber       string       `json:"cardNumber"` // the voucher, or NON VOUCHER
	SerialNumber     string       `json:"serialNumber"`
	CurrencyConvRate string       `json:"currencyConvRate"`
	// Balances is every bucket of the service after the action, in the
	// service's order; Accumulators every usage accumulator.
	Balances     []Snapshot `json:"balances"`
	Accumulators []Snapshot `json:"accumulators"`
}

// Snapshot is one bucket or accumulator as it stood after an action. Name,
// usage type and units may be empty, as in the operator's own records.
type Snapshot struct {
	ID        string       `json:"id"`
	Name      string       `json:"name,omitempty"`
	UsageType string       `json:"usageType,omitempty"`
	Units     string       `json:"units,omitempty"`
	Amount    money.Amount `json:"amount"`
	ValidTo   time.Time    `json:"validTo,omitzero"` // zero for accumulators
}

// Idempotency is the remembered outcome of a top-up, replayed to a repeat of
// the same key within the retention period.
type Idempotency struct {
	ClientID    string    `json:"clientId"`
	BusinessID  string    `json:"businessId"`
	Key         string    `json:"key"`
	Fingerprint []byte    `json:"fingerprint"` // hash of the request that made it
	Status      int       `json:"status"`
	Body        []byte    `json:"-"`       // stored by MarshalJSON
	Created     time.Time `json:"created"` // host time, never the sandbox clock
}

// idempotencyJSON is Idempotency as stored. A body that is UTF-8 (every
// JSON answer) is kept as text, which reads and packs as the answer
// itself; any other is kept in base64, as every body was before.
type idempotencyJSON struct {
	idempotencyFields
	Body []byte  `json:"body,omitempty"`
	Text *string `json:"bodyText,omitempty"`
}

type idempotencyFields Idempotency

// MarshalJSON stores the body as text when it is UTF-8.
func (r Idempotency) MarshalJSON() ([]byte, error) {
	out := idempotencyJSON{idempotencyFields: idempotencyFields(r)}
	if utf8.Valid(r.Body) {
		text := string(r.Body)
		out.Text = &text
	} else {
		out.Body = r.Body
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads a body kept either way.
func (r *Idempotency) UnmarshalJSON(data []byte) error {
	var in idempotencyJSON
	if err := json.Unmarshal(data, &in); err != nil {
		return err
	}
	*r = Idempotency(in.idempotencyFields)
	r.Body = in.Body
	if in.Text != nil {
		r.Body = []byte(*in.Text)
	}
	return nil
}
