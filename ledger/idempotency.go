package ledger

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	"prepay/storage"
	"prepay/tmf"
)

// retention is how long, in host time, a write's answer is replayed to a
// repeat of its key.
const retention = 24 * time.Hour

// purgeBatch bounds how many expired records one write deletes. Each write
// adds one record and deletes up to this many, so the purge keeps ahead of
// any rate of writes while costing each only a few page writes.
const purgeBatch = 8

// Key identifies a write for idempotency: the key a client sent, scoped to
// the client and business unit, the fingerprint of the request, and the
// host's time, which judges how long a key is remembered — no sandbox clock
// setting, restart or advance can make a retry new. An empty Key.Key means
// the request sent none and is not remembered.
type Key struct {
	ClientID, BusinessID string
	Key                  string
	Header               string // the header the key came from, for messages
	Fingerprint          []byte
	Host                 time.Time
}

// Answer is a remembered response.
type Answer struct {
	Status int
	Body   []byte
}

// Replay looks k up. A record younger than retention answers the request:
// with its own status and body when the request is the same, with a
// refusal IDEMPOTENCY_KEY_REUSED when it is another. found is false when
// the request is new (or its key's record has expired and awaits the
// purge). It must run inside the write's transaction, where no other write
// can come between the check and the record: two racing repeats write once.
func Replay(tx *storage.Tx, k Key) (ans Answer, found bool, err error) {
	if k.Key == "" {
		return Answer{}, false, nil
	}
	rec, err := tx.Idempotency(k.ClientID, k.BusinessID, k.Key)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return Answer{}, false, nil
	case err != nil:
		return Answer{}, false, fmt.Errorf("read idempotency record: %w", err)
	case k.Host.Sub(rec.Created) >= retention:
		return Answer{}, false, nil
	case !bytes.Equal(rec.Fingerprint, k.Fingerprint):
		return Answer{}, true, storage.Refuse(tmf.Fail(tmf.CodeKeyReused, "%s %q was used within the last 24 h with a different request; send a new key for a new request",
			k.Header, k.Key))
	}
	return Answer{Status: rec.Status, Body: rec.Body}, true, nil
}

// Remember stores the answer under k, in the write's own transaction, and
// purges a few records past retention while it is there.
func Remember(tx *storage.Tx, k Key, status int, body []byte) error {
	if k.Key == "" {
		return nil
	}
	if err := tx.PutIdempotency(storage.Idempotency{
		ClientID:    k.ClientID,
		BusinessID:  k.BusinessID,
		Key:         k.Key,
		Fingerprint: k.Fingerprint,
		Status:      status,
		Body:        body,
		Created:     k.Host,
	}); err != nil {
		return fmt.Errorf("store idempotency record: %w", err)
	}
	if _, err := tx.PurgeIdempotency(k.Host.Add(-retention), purgeBatch); err != nil {
		return fmt.Errorf("purge idempotency records: %w", err)
	}
	return nil
}
