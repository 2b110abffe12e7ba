package topup

import (
	"net/http"

	"prepay/money"
	"prepay/storage"
	"prepay/tmf"
)

// body is the request as seed 001 shows it. Pointers tell a field left out
// from one sent empty; descriptive fields (bucket.href, name…) are read by no
// one and tolerated like any unknown field.
type body struct {
	Voucher *string `json:"voucher"`
	Amount  *struct {
		Amount *money.Amount `json:"amount"`
		Units  *string       `json:"units"`
	} `json:"amount"`
	PartyAccount *struct {
		ID   string  `json:"id"`
		Type *string `json:"@type"`
	} `json:"partyAccount"`
	Bucket *struct {
		ID string `json:"id"`
	} `json:"bucket"`
}

// request is a checked top-up request: what to credit to which service,
// and the key and fingerprint that make a repeat harmless.
type request struct {
	lob       string
	serviceNo string
	voucher   string       // "" for an amount top-up
	amount    money.Amount // asked for; a voucher's face value replaces it
	bucketID  string
	key       string // idempotency key
	keyHeader string // the header it came from, for messages
	// fingerprint is the SHA-256 of the business unit, the lob and the body
	// in canonical form (see tmf.Fingerprint).
	fingerprint []byte
}

// Bounds on what a request may carry, so that no value sent is echoed back
// at any length.
const (
	maxIDLength      = 64 // partyAccount.id, bucket.id
	maxVoucherDigits = 32 // voucher
)

// defaultBucket is the primary balance, credited when the request names no
// bucket.
const defaultBucket = "1"

// parse checks the headers and the body, in that order, and everything about
// them that needs no stored state: the answers 400, 413, 415 and the
// currency's 422. Nothing it refuses is remembered for idempotency.
func parse(w http.ResponseWriter, r *http.Request, bu storage.BusinessUnit) (request, error) {
	var req request
	corr := r.Header.Get("X-Correlation-ID")
	if !tmf.FromContext(r.Context()).CorrelationGiven || corr == "" {
		also := ""
		if r.Header.Get("Correlation-ID") != "" {
			also = " (Correlation-ID, the balances endpoint's spelling, does not count here)"
		}
		return req, tmf.Fail(tmf.CodeMissingHeader, "the X-Correlation-ID header is required on a top-up: it identifies the call and, without an Idempotency-Key, makes a retry safe%s", tmf.Text(also))
	}
	var err error
	if req.lob, err = tmf.LOB(r); err != nil {
		return req, err
	}
	if req.key, req.keyHeader, err = tmf.IdempotencyKey(r, corr); err != nil {
		return req, err
	}

	var b body
	raw, err := tmf.DecodeBodyRaw(w, r, &b)
	if err != nil {
		return req, err
	}
	if err := b.check(&req, bu); err != nil {
		return req, err
	}
	req.fingerprint = tmf.Fingerprint(raw, bu.ID, req.lob)
	return req, nil
}

// check fills req from b, or says what is wrong with b.
func (b body) check(req *request, bu storage.BusinessUnit) error {
	pa := b.PartyAccount
	switch {
	case pa == nil || pa.ID == "":
		return tmf.Fail(tmf.CodeMissingField, "partyAccount.id is required: the subscriber number to top up")
	case len(pa.ID) > maxIDLength:
		return tmf.Fail(tmf.CodeInvalidField, "partyAccount.id must be at most %d characters; got %d", maxIDLength, len(pa.ID))
	case pa.Type != nil && *pa.Type != "subscriberNumber":
		return tmf.Fail(tmf.CodeInvalidField, "partyAccount.@type must be \"subscriberNumber\" when given; got %q", *pa.Type)
	}
	req.serviceNo = pa.ID

	if b.Voucher != nil {
		if !digits(*b.Voucher) {
			return tmf.Fail(tmf.CodeInvalidField, "voucher must be 1 to %d digits; got %q", maxVoucherDigits, *b.Voucher)
		}
		req.voucher = *b.Voucher
	}

	switch {
	case req.voucher != "":
		// The voucher's face value is credited; an amount sent with it is
		// ignored, as in seed 001 (asks 1, credits 5.00).
	case b.Amount == nil || b.Amount.Amount == nil:
		return tmf.Fail(tmf.CodeMissingField, "amount.amount is required when no voucher is given")
	case *b.Amount.Amount <= 0:
		return tmf.Fail(tmf.CodeInvalidField, "amount.amount must be greater than 0; got %s", *b.Amount.Amount)
	default:
		req.amount = *b.Amount.Amount
	}

	req.bucketID = defaultBucket
	if b.Bucket != nil {
		switch id := b.Bucket.ID; {
		case id == "":
			return tmf.Fail(tmf.CodeMissingField, "bucket.id is required when bucket is given (leave bucket out for the primary balance %q)", defaultBucket)
		case len(id) > maxIDLength:
			return tmf.Fail(tmf.CodeInvalidField, "bucket.id must be at most %d characters; got %d", maxIDLength, len(id))
		default:
			req.bucketID = id
		}
	}

	if b.Amount != nil && b.Amount.Units != nil && *b.Amount.Units != bu.Currency {
		return tmf.Fail(tmf.CodeCurrencyMismatch, "amount.units must be %s, the currency of business unit %s; got %q", bu.Currency, bu.ID, *b.Amount.Units)
	}
	return nil
}

func digits(s string) bool {
	if s == "" || len(s) > maxVoucherDigits {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
