package sandbox

import (
	"errors"
	"net/http"
	"time"

	"prepay/auth"
	"prepay/money"
	"prepay/storage"
	"prepay/tmf"
)

// Voucher states, as the sandbox shows them; redeemed wins over expired.
const (
	voucherUnused   = "unused"
	voucherRedeemed = "redeemed"
	voucherExpired  = "expired"
)

// newVoucherJSON is the body of POST /sandbox/v1/{businessId}/vouchers.
type newVoucherJSON struct {
	Voucher string        `json:"voucher"`
	Amount  *money.Amount `json:"amount"`
	Expiry  string        `json:"expiry"`
}

// voucherJSON is a voucher as the sandbox shows it, with its state at the
// sandbox clock's now.
type voucherJSON struct {
	BusinessID string       `json:"businessId"`
	Voucher    string       `json:"voucher"`
	Amount     money.Amount `json:"amount"`
	Units      string       `json:"units"`
	Expiry     string       `json:"expiry,omitempty"`
	Status     string       `json:"status"`
	RedeemedAt string       `json:"redeemedAt,omitempty"`
	RedeemedBy string       `json:"redeemedBy,omitempty"`
}

func voucherView(v storage.Voucher, bu storage.BusinessUnit, now time.Time) voucherJSON {
	out := voucherJSON{BusinessID: v.BusinessID, Voucher: v.Code, Amount: v.Amount, Units: bu.Currency,
		Status: voucherUnused, RedeemedBy: v.RedeemedBy}
	if !v.Expiry.IsZero() {
		out.Expiry = tmf.FormatMillis(v.Expiry, bu.Location())
		if !now.Before(v.Expiry) {
			out.Status = voucherExpired
		}
	}
	if v.Redeemed() {
		out.Status = voucherRedeemed
		out.RedeemedAt = tmf.FormatMillis(v.RedeemedAt, bu.Location())
	}
	return out
}

// CreateVoucher serves POST /sandbox/v1/{businessId}/vouchers: 201 with the
// new voucher, worth amount in the business unit's currency, never expiring
// unless expiry is given ("+365d" or an RFC 3339 time; a time already past
// makes an expired voucher, to rehearse that refusal).
func CreateVoucher() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sb := storage.From(r.Context())
		clk := sb.Clock()
		bu := auth.BusinessUnit(r.Context())
		var body newVoucherJSON
		if err := tmf.DecodeBody(w, r, &body); err != nil {
			tmf.WriteError(w, r, err)
			return
		}
		now := clk.Now()
		v, err := body.record(bu, now)
		if err != nil {
			tmf.WriteError(w, r, err)
			return
		}
		err = sb.Update(func(tx *storage.Tx) error {
			switch _, err := tx.Voucher(bu.ID, v.Code); {
			case err == nil:
				return storage.Refuse(tmf.Fail(tmf.CodeVoucherExists, "business unit %s already has voucher %s", bu.ID, v.Code))
			case !errors.Is(err, storage.ErrNotFound):
				return err
			}
			return tx.PutVoucher(v)
		})
		if err != nil {
			tmf.WriteError(w, r, err)
			return
		}
		w.Header().Set("Location", "/sandbox/v1/"+bu.ID+"/vouchers/"+v.Code)
		tmf.WriteJSON(w, r, http.StatusCreated, voucherView(v, bu, now))
	})
}

func (b newVoucherJSON) record(bu storage.BusinessUnit, now time.Time) (storage.Voucher, error) {
	if err := checkPattern("voucher", b.Voucher, voucherCode, "1 to 32 digits"); err != nil {
		return storage.Voucher{}, err
	}
	if b.Amount == nil {
		return storage.Voucher{}, missing("amount")
	}
	if err := checkAmount("amount", *b.Amount, true); err != nil {
		return storage.Voucher{}, err
	}
	v := storage.Voucher{BusinessID: bu.ID, Code: b.Voucher, Amount: *b.Amount}
	if b.Expiry != "" {
		var err error
		if v.Expiry, err = parseExpiry("expiry", b.Expiry, now, bu); err != nil {
			return storage.Voucher{}, err
		}
	}
	return v, nil
}

// GetVoucher serves GET /sandbox/v1/{businessId}/vouchers/{voucher}: the
// voucher and its state (unused, redeemed, expired) at the sandbox clock.
func GetVoucher() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sb := storage.From(r.Context())
		clk := sb.Clock()
		bu := auth.BusinessUnit(r.Context())
		code := r.PathValue("voucher")
		var v storage.Voucher
		err := sb.View(func(tx *storage.Tx) (err error) {
			v, err = tx.Voucher(bu.ID, code)
			return err
		})
		if errors.Is(err, storage.ErrNotFound) {
			err = tmf.Fail(tmf.CodeNotFound, "business unit %s has no voucher %q", bu.ID, code)
		}
		if err != nil {
			tmf.WriteError(w, r, err)
			return
		}
		tmf.WriteJSON(w, r, http.StatusOK, voucherView(v, bu, clk.Now()))
	})
}
