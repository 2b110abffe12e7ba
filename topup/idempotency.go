package topup

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	"prepay/storage"
	"prepay/tmf"
)

// retention is how long, in host time, a top-up's answer is replayed to a
// repeat of its key.
const retention = 24 * time.Hour

// purgeBatch bounds how many expired records one top-up deletes. Each
// top-up adds one record and deletes up to this many, so the purge keeps
// ahead of any rate of top-ups while costing each only a few page writes.
const purgeBatch = 8

// replay looks the request's key up. A record younger than retention answers
// the request: with its own status and body when the request is the same,
// with IDEMPOTENCY_KEY_REUSED when it is another. found is false when the
// request is new (or its key's record has expired and awaits the purge).
func replay(tx *storage.Tx, o op) (out outcome, found bool, err error) {
	rec, err := tx.Idempotency(o.client.ID, o.bu.ID, o.req.key)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return outcome{}, false, nil
	case err != nil:
		return outcome{}, false, fmt.Errorf("read idempotency record: %w", err)
	case o.host.Sub(rec.Created) >= retention:
		return outcome{}, false, nil
	case !bytes.Equal(rec.Fingerprint, o.req.fingerprint):
		out, err := refuse(tmf.Fail(tmf.CodeKeyReused, "%s %q was used within the last 24 h with a different request; send a new key for a new top-up",
			o.req.keyHeader, o.req.key))
		return out, true, err
	}
	return outcome{status: rec.Status, body: rec.Body, replayed: true}, true, nil
}

// remember stores the answer under the request's key, in the top-up's own
// transaction, and purges a few records past retention while it is there.
func remember(tx *storage.Tx, o op, status int, body []byte) error {
	if err := tx.PutIdempotency(storage.Idempotency{
		ClientID:    o.client.ID,
		BusinessID:  o.bu.ID,
		Key:         o.req.key,
		Fingerprint: o.req.fingerprint,
		Status:      status,
		Body:        body,
		Created:     o.host,
	}); err != nil {
		return fmt.Errorf("store idempotency record: %w", err)
	}
	if _, err := tx.PurgeIdempotency(o.host.Add(-retention), purgeBatch); err != nil {
		return fmt.Errorf("purge idempotency records: %w", err)
	}
	return nil
}
