package storage

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Tx is a transaction with typed access to prepay's records. Values it
// returns are copies: they stay valid after the transaction ends.
type Tx struct {
	tx *bolt.Tx
	ns *bolt.Bucket // the sandbox's namespace: every record kind is in it
	// store is set on a sandbox's write transactions: changed wakes its
	// waiters after the commit.
	store *Store
	// memo, when set, spares decoding a subscriber value read before.
	memo  *memo
	space string // the sandbox's id, the memo's namespace
	// plain stores values unpacked and makes no dictionaries (pack.go): a
	// data set's records, often written otherwise than prepay writes them
	// (another zone's offsets), would make poor dictionaries for the
	// records that follow.
	plain bool
}

// bucket returns the record kind name of the transaction's sandbox. Every
// access to a record goes through it, so no key, id or path can reach
// another sandbox's records.
func (t *Tx) bucket(name []byte) *bolt.Bucket { return t.ns.Bucket(name) }

// appendTo returns record kind name, to add records whose keys come after
// most of its others (a sequence, a time). bbolt splits a full page in
// half, and a half that no later key falls into stays half empty: such
// kinds fill their pages whole before splitting them instead, which halves
// what their records take of the file.
func (t *Tx) appendTo(name []byte) *bolt.Bucket {
	b := t.bucket(name)
	b.FillPercent = 1
	return b
}

// Keys join their parts with a 0x00 byte, which no id, code or key may hold,
// so that one record kind's prefix scans never run into a longer id.
const sep = 0x00

func key(parts ...string) []byte {
	n := len(parts)
	for _, p := range parts {
		n += len(p)
	}
	k := make([]byte, 0, n)
	for i, p := range parts {
		if i > 0 {
			k = append(k, sep)
		}
		k = append(k, p...)
	}
	return k
}

func (t *Tx) get(bucket, k []byte, v any) error {
	data := t.bucket(bucket).Get(k)
	if data == nil {
		return ErrNotFound
	}
	if err := t.decode(bucket, data, v); err != nil {
		return fmt.Errorf("decode %s %q: %w", bucket, k, err)
	}
	return nil
}

func (t *Tx) put(bucket, k []byte, v any) error {
	data, err := t.encode(bucket, v)
	if err != nil {
		return fmt.Errorf("encode %s %q: %w", bucket, k, err)
	}
	return t.bucket(bucket).Put(k, data)
}

// Client returns the client with this id, or ErrNotFound.
func (t *Tx) Client(id string) (Client, error) {
	var c Client
	return c, t.get(bucketClients, []byte(id), &c)
}

// Clients returns every registered client.
func (t *Tx) Clients() ([]Client, error) {
	var out []Client
	err := t.bucket(bucketClients).ForEach(func(k, v []byte) error {
		var c Client
		if err := t.decode(bucketClients, v, &c); err != nil {
			return fmt.Errorf("decode client %q: %w", k, err)
		}
		out = append(out, c)
		return nil
	})
	return out, err
}

// Subscriber returns the service serviceNo of business unit bu, or
// ErrNotFound. The caller checks the line of business.
func (t *Tx) Subscriber(bu, serviceNo string) (Subscriber, error) {
	s, shared, err := t.lookSubscriber(bu, serviceNo)
	if shared {
		return s.clone(), err
	}
	return s, err
}

// lookSubscriber is Subscriber for a reader that only looks: when shared,
// s is the memo's own, and changing it would change what later reads get.
func (t *Tx) lookSubscriber(bu, serviceNo string) (s Subscriber, shared bool, err error) {
	k := key(bu, serviceNo)
	if t.memo == nil {
		var own Subscriber
		err = t.get(bucketSubscribers, k, &own)
		return own, false, err
	}
	data := t.bucket(bucketSubscribers).Get(k)
	if data == nil {
		return Subscriber{}, false, ErrNotFound
	}
	s, shared, err = t.memo.look(t.space, k, data, func(data []byte, v any) error {
		return t.decode(bucketSubscribers, data, v)
	})
	if err != nil {
		return Subscriber{}, false, fmt.Errorf("decode %s %q: %w", bucketSubscribers, k, err)
	}
	return s, shared, nil
}

// PutSubscriber creates or replaces a subscriber and keeps the product
// index in step. A bucket past its limits is an error: callers refuse such
// a change before they write (Limits), so this is the last guard, not the
// rule.
func (t *Tx) PutSubscriber(s Subscriber) error {
	for _, b := range s.Buckets {
		if err := b.Limits(); err != nil {
			return fmt.Errorf("put service %s: %w", s.ServiceNo, err)
		}
	}
	old, err := t.storedSubscriberDue(s.BusinessID, s.ServiceNo)
	if err != nil {
		return err
	}
	if err := t.reindexDue(old, subscriberDue(s)); err != nil {
		return err
	}
	if err := t.indexProduct(s); err != nil {
		return err
	}
	k := key(s.BusinessID, s.ServiceNo)
	data, err := t.encode(bucketSubscribers, s)
	if err != nil {
		return fmt.Errorf("encode %s %q: %w", bucketSubscribers, k, err)
	}
	if err := t.bucket(bucketSubscribers).Put(k, data); err != nil {
		return err
	}
	if t.memo != nil {
		t.memo.remember(t.space, k, data, s)
	}
	return nil
}

// DeleteSubscriber removes a subscriber; ErrNotFound if there is none.
func (t *Tx) DeleteSubscriber(bu, serviceNo string) error {
	b := t.bucket(bucketSubscribers)
	k := key(bu, serviceNo)
	if b.Get(k) == nil {
		return ErrNotFound
	}
	old, err := t.storedSubscriberDue(bu, serviceNo)
	if err != nil {
		return err
	}
	if err := t.reindexDue(old, nil); err != nil {
		return err
	}
	if err := t.unindexProduct(bu, serviceNo); err != nil {
		return err
	}
	if err := t.dropDicts(bucketSubscribers, Subscriber{BusinessID: bu, ServiceNo: serviceNo}.family()); err != nil {
		return err
	}
	return b.Delete(k)
}

// Voucher returns voucher code of business unit bu, or ErrNotFound.
func (t *Tx) Voucher(bu, code string) (Voucher, error) {
	var v Voucher
	return v, t.get(bucketVouchers, key(bu, code), &v)
}

// PutVoucher creates or replaces a voucher.
func (t *Tx) PutVoucher(v Voucher) error {
	return t.put(bucketVouchers, key(v.BusinessID, v.Code), v)
}

// The action index: business unit | 0x00 | product id | 0x00 |
// big-endian unix milliseconds | big-endian sequence. Keys of one product
// sort by time, so a window is one Seek and a short walk.
func actionPrefix(bu, product string) []byte {
	return append(key(bu, product), sep)
}

func actionKey(prefix []byte, at time.Time, seq uint64) []byte {
	k := make([]byte, len(prefix), len(prefix)+16)
	copy(k, prefix)
	k = binary.BigEndian.AppendUint64(k, uint64(max(0, at.UnixMilli()))) // before 1970 sorts first
	return binary.BigEndian.AppendUint64(k, seq)
}

// AddAction records a balance action, giving it the next sequence number.
func (t *Tx) AddAction(a *Action) error {
	b := t.appendTo(bucketActions)
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	a.Seq = seq
	return t.put(bucketActions, actionKey(actionPrefix(a.BusinessID, a.ProductID), a.ConfirmationDate, seq), a)
}

// ActionWindow selects the actions of one product whose confirmation date
// lies in [From, To], both inclusive, newest first.
type ActionWindow struct {
	BusinessID, ProductID string
	From, To              time.Time
	Offset, Limit         int // Limit 0: no limit
}

// Actions returns the actions in w after skipping w.Offset, at most w.Limit
// of them, and the total number in the window. Only the returned actions
// are decoded; the rest are counted by key.
func (t *Tx) Actions(w ActionWindow) (actions []Action, total int, err error) {
	if w.To.UnixMilli() < 0 {
		// Keys hold times before 1970 as 1970 itself: a window that ends
		// before then cannot be told apart from its start, and holds
		// nothing the operator's records could.
		return nil, 0, nil
	}
	prefix := actionPrefix(w.BusinessID, w.ProductID)
	lo := actionKey(prefix, w.From, 0)
	hi := actionKey(prefix, w.To, ^uint64(0))
	c := t.bucket(bucketActions).Cursor()

	// Walk backwards from the top of the window: newest first.
	k, v := c.Seek(hi)
	switch {
	case k == nil:
		k, v = c.Last()
	case bytes.Compare(k, hi) > 0:
		k, v = c.Prev()
	}
	for ; k != nil && bytes.Compare(k, lo) >= 0; k, v = c.Prev() {
		total++
		if total <= w.Offset || (w.Limit > 0 && len(actions) >= w.Limit) {
			continue
		}
		var a Action
		if err := t.decode(bucketActions, v, &a); err != nil {
			return nil, 0, fmt.Errorf("decode action %x: %w", k, err)
		}
		actions = append(actions, a)
	}
	return actions, total, nil
}

// Idempotency returns the record of key for client and business unit, or
// ErrNotFound.
func (t *Tx) Idempotency(clientID, bu, idemKey string) (Idempotency, error) {
	var r Idempotency
	return r, t.get(bucketIdempotency, key(clientID, bu, idemKey), &r)
}

// PutIdempotency stores r and indexes it by creation time for Purge.
func (t *Tx) PutIdempotency(r Idempotency) error {
	k := key(r.ClientID, r.BusinessID, r.Key)
	if err := t.put(bucketIdempotency, k, r); err != nil {
		return err
	}
	tk := binary.BigEndian.AppendUint64(nil, uint64(r.Created.UnixMilli()))
	return t.appendTo(bucketIdemExpiry).Put(append(tk, k...), nil)
}

// PurgeIdempotency deletes at most max records created before cutoff,
// oldest first, and reports how many it deleted. The time index makes this
// a walk over expired records only, never a scan of the live ones.
func (t *Tx) PurgeIdempotency(cutoff time.Time, max int) (int, error) {
	byTime := t.bucket(bucketIdemExpiry)
	records := t.bucket(bucketIdempotency)
	limit := uint64(cutoff.UnixMilli())
	c := byTime.Cursor()
	n := 0
	for k, _ := c.First(); k != nil && n < max && binary.BigEndian.Uint64(k[:8]) < limit; k, _ = c.First() {
		// A record replaced later (same key, newer time) keeps its newer
		// index entry; delete the record only if it is this old one.
		recKey := append([]byte(nil), k[8:]...)
		var r Idempotency
		if data := records.Get(recKey); data != nil {
			if err := t.decode(bucketIdempotency, data, &r); err == nil && uint64(r.Created.UnixMilli()) < limit {
				if err := records.Delete(recKey); err != nil {
					return n, err
				}
			}
		}
		if err := c.Delete(); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// Service returns the service serviceNo of business unit bu under line of
// business lob. A service that exists under another lob is ErrNotFound, as
// the operator looks services up within the lob given.
func (t *Tx) Service(bu, serviceNo, lob string) (Subscriber, error) {
	s, err := t.Subscriber(bu, serviceNo)
	if err != nil {
		return Subscriber{}, err
	}
	if s.LOB != lob {
		return Subscriber{}, ErrNotFound
	}
	return s, nil
}

// ID returns the transaction's id: writes that share a group commit see the
// same one.
func (t *Tx) ID() int { return t.tx.ID() }
