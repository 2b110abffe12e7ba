// Package balances serves the BOT UX realTimeBalances endpoint: the active
// buckets of one service, with allowance, rollover, charges, overage and
// balance worked out from the stored figures at the sandbox clock's now. It
// imports auth, storage, tmf, money and clock.
package balances

import (
	"errors"
	"fmt"
	"net/http"

	"prepay/auth"
	"prepay/storage"
	"prepay/tmf"
)

// Handler serves GET /bot-ux/{version}/{businessId}/services/{serviceNo}/realTimeBalances.
// The guard in front of it has already checked the credentials, the scope and
// the business unit, and chose the request's sandbox, whose records and
// clock it reads.
func Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := balances(r)
		if err != nil {
			tmf.WriteError(w, r, err)
			return
		}
		tmf.WriteRaw(w, http.StatusOK, body)
	})
}

// balances checks the request's shape (version, lob, query) before it looks
// anything up, so a malformed request is a 400 whether or not the service
// exists, and reads the service in one read transaction.
func balances(r *http.Request) ([]byte, error) {
	q, err := parseRequest(r)
	if err != nil {
		return nil, err
	}
	bu := auth.BusinessUnit(r.Context())
	serviceNo := r.PathValue("serviceNo")

	sb := storage.From(r.Context())
	var sub storage.Subscriber
	err = sb.View(func(tx *storage.Tx) (err error) {
		sub, err = tx.Service(bu.ID, serviceNo, q.lob)
		return err
	})
	if errors.Is(err, storage.ErrNotFound) {
		return nil, tmf.Fail(tmf.CodeUnknownService, "serviceNo %q is not a %s service of businessId %s", serviceNo, q.lob, bu.ID)
	}
	if err != nil {
		return nil, fmt.Errorf("read service %s %s: %w", bu.ID, serviceNo, err)
	}
	// The account in the answer is never the one asked for but the
	// service's own: a mismatch must not tell the caller the right one.
	if q.accountNo != "" && q.accountNo != sub.AccountNo {
		return nil, tmf.Fail(tmf.CodeAccountMismatch, "accountNo %q is not the account of serviceNo %q", q.accountNo, serviceNo)
	}
	return encode(sub, bu, sb.Clock().Now(), q.dataOnly)
}
