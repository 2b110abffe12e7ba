package storage

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"
)

// bucketDue is the index of what falls due: one key per thing that will
// happen at a time of its own — a bucket's expiry, a reservation's lapse,
// a recurring top-up's next period. Keys are big-endian unix milliseconds |
// kind | reference, so a walk from the first key meets them in time order
// and an advance costs what falls due, never the size of the data set.
// Values are empty. The index is kept in step by the writes of the records
// it points at (PutSubscriber, AddOperation, PutOperation), so no caller
// has to remember it.
var bucketDue = []byte("due")

// Keys of the clock's record kind that belong to the due index: the floor
// (a due key; entries at or below it fall due before a clock setting and
// have no consequence) and the advance in progress.
var (
	keyDueFloor = []byte("dueFloor")
	keyAdvance  = []byte("advance")
)

// Kinds of due entry. At the same millisecond they happen in this order.
const (
	DueExpiry    byte = 'e' // a bucket reaches its expiry
	DueLapse     byte = 'l' // a reservation's hold lapses
	DueRecurring byte = 'r' // a recurring top-up's next period
)

// Due is one entry of the index.
type Due struct {
	At   time.Time
	Kind byte
	// For DueExpiry: the service and the bucket. For DueLapse and
	// DueRecurring: the operation.
	BusinessID, ServiceNo, BucketID string
	Type                            string // the operation's kind
	Seq                             uint64
	key                             []byte
}

// Key is the entry's key in the index.
func (d Due) Key() []byte { return slices.Clone(d.key) }

func dueKey(at time.Time, kind byte, ref []byte) []byte {
	k := binary.BigEndian.AppendUint64(make([]byte, 0, 9+len(ref)), uint64(max(0, at.UnixMilli())))
	return append(append(k, kind), ref...)
}

// DueTop is the key above every entry at or before at: the floor a clock
// setting to at leaves.
func DueTop(at time.Time) []byte {
	return append(binary.BigEndian.AppendUint64(nil, uint64(max(0, at.UnixMilli()))), 0xff)
}

// DueTime is the time of a due key or floor.
func DueTime(k []byte) time.Time {
	return time.UnixMilli(int64(binary.BigEndian.Uint64(k))).UTC()
}

func parseDue(k []byte) (Due, error) {
	if len(k) < 10 {
		return Due{}, fmt.Errorf("due key %x: too short", k)
	}
	d := Due{At: time.UnixMilli(int64(binary.BigEndian.Uint64(k))).UTC(), Kind: k[8], key: slices.Clone(k)}
	ref := k[9:]
	switch d.Kind {
	case DueExpiry:
		parts := bytes.Split(ref, []byte{sep})
		if len(parts) != 3 {
			return Due{}, fmt.Errorf("due key %x: bad bucket reference", k)
		}
		d.BusinessID, d.ServiceNo, d.BucketID = string(parts[0]), string(parts[1]), string(parts[2])
	case DueLapse, DueRecurring:
		if len(ref) < 10 {
			return Due{}, fmt.Errorf("due key %x: bad operation reference", k)
		}
		parts := bytes.SplitN(ref[:len(ref)-9], []byte{sep}, 2)
		if len(parts) != 2 {
			return Due{}, fmt.Errorf("due key %x: bad operation reference", k)
		}
		d.BusinessID, d.Type, d.Seq = string(parts[0]), string(parts[1]), binary.BigEndian.Uint64(ref[len(ref)-8:])
	default:
		return Due{}, fmt.Errorf("due key %x: unknown kind %q", k, d.Kind)
	}
	return d, nil
}

// subscriberDue is the index keys of s's bucket expiries.
func subscriberDue(s Subscriber) [][]byte {
	var keys [][]byte
	for _, b := range s.Buckets {
		if !b.Expiry.IsZero() {
			keys = append(keys, dueKey(b.Expiry, DueExpiry, key(s.BusinessID, s.ServiceNo, b.ID)))
		}
	}
	return keys
}

// operationDue is the index keys of o: a held reservation's lapse, a
// recurring top-up's next period.
func operationDue(o Operation) [][]byte {
	ref := operationKey(o.BusinessID, o.Type, o.Seq)
	switch {
	case o.Type == ActionReserve && o.Status == StatusCreated && !o.HoldUntil.IsZero():
		return [][]byte{dueKey(o.HoldUntil, DueLapse, ref)}
	case o.Recurring != nil && o.Status == StatusCompleted && !o.Recurring.Next.IsZero():
		return [][]byte{dueKey(o.Recurring.Next, DueRecurring, ref)}
	}
	return nil
}

// reindexDue replaces the index keys old with new: only what changed is
// written. It sorts both, which are its caller's fresh slices: a 31-bucket
// service has 31 keys, mostly unchanged by a write, and one walk of both in
// order finds the changes where searching one for each of the other took
// nearly a thousand comparisons.
func (t *Tx) reindexDue(old, new [][]byte) error {
	idx := t.bucket(bucketDue)
	slices.SortFunc(old, bytes.Compare)
	slices.SortFunc(new, bytes.Compare)
	old, new = slices.CompactFunc(old, bytes.Equal), slices.CompactFunc(new, bytes.Equal)
	for len(old) > 0 || len(new) > 0 {
		c := 1 // old's first is gone from new, or new is done
		switch {
		case len(old) == 0:
			c = -1
		case len(new) > 0:
			c = bytes.Compare(new[0], old[0])
		}
		switch {
		case c == 0:
			old, new = old[1:], new[1:]
		case c < 0:
			if err := idx.Put(new[0], nil); err != nil {
				return err
			}
			new = new[1:]
		default:
			if err := idx.Delete(old[0]); err != nil {
				return err
			}
			old = old[1:]
		}
	}
	return nil
}

// storedSubscriberDue is the index keys of the stored service, if any.
func (t *Tx) storedSubscriberDue(bu, serviceNo string) ([][]byte, error) {
	old, _, err := t.lookSubscriber(bu, serviceNo)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return subscriberDue(old), nil
}

// NextDue returns the first entry of the index, if there is one.
func (t *Tx) NextDue() (Due, bool, error) {
	k, _ := t.bucket(bucketDue).Cursor().First()
	if k == nil {
		return Due{}, false, nil
	}
	d, err := parseDue(k)
	return d, err == nil, err
}

// NextDueAbove returns the first entry above key floor, if there is one:
// the next that will have consequences.
func (t *Tx) NextDueAbove(floor []byte) (Due, bool, error) {
	c := t.bucket(bucketDue).Cursor()
	k, _ := c.Seek(floor)
	if k != nil && bytes.Equal(k, floor) {
		k, _ = c.Next()
	}
	if k == nil {
		return Due{}, false, nil
	}
	d, err := parseDue(k)
	return d, err == nil, err
}

// DropDue removes an entry: it has happened, or it fell due before a clock
// setting and never will.
func (t *Tx) DropDue(d Due) error { return t.bucket(bucketDue).Delete(d.key) }

// DueCount is the number of entries in the index, for tests and figures.
func (t *Tx) DueCount() int { return t.bucket(bucketDue).Stats().KeyN }

// DueFloor returns the key at or below which an entry has no consequence,
// if one was set.
func (t *Tx) DueFloor() ([]byte, bool) {
	v := t.bucket(bucketClock).Get(keyDueFloor)
	return slices.Clone(v), v != nil
}

// SetDueFloor sets the floor to every entry due at or before at: a clock
// setting, or an advance or a real-time pass done up to at.
func (t *Tx) SetDueFloor(at time.Time) error {
	return t.bucket(bucketClock).Put(keyDueFloor, DueTop(at))
}

// Happened counts what an advance made happen, by kind.
type Happened struct {
	BucketsExpired       int `json:"bucketsExpired"`
	ReservationsReleased int `json:"reservationsReleased"`
	TopupsCredited       int `json:"topupsCredited"`
}

// Add returns h plus o.
func (h Happened) Add(o Happened) Happened {
	return Happened{h.BucketsExpired + o.BucketsExpired, h.ReservationsReleased + o.ReservationsReleased, h.TopupsCredited + o.TopupsCredited}
}

// Advance is an advance of the sandbox clock in progress: recorded before
// the first batch, updated by each, removed by the last, which freezes the
// clock at To. A restart that finds one finishes it.
type Advance struct {
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	Reached  time.Time `json:"reached,omitzero"` // the time of the last entry applied
	Happened Happened  `json:"happened"`
}

// PendingAdvance returns the advance in progress, if there is one.
func (t *Tx) PendingAdvance() (Advance, bool, error) {
	var a Advance
	v := t.bucket(bucketClock).Get(keyAdvance)
	if v == nil {
		return a, false, nil
	}
	if err := json.Unmarshal(v, &a); err != nil {
		return a, false, fmt.Errorf("decode advance: %w", err)
	}
	return a, true, nil
}

// PutAdvance records the advance in progress.
func (t *Tx) PutAdvance(a Advance) error {
	v, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("encode advance: %w", err)
	}
	return t.bucket(bucketClock).Put(keyAdvance, v)
}

// EndAdvance removes the record of the advance in progress.
func (t *Tx) EndAdvance() error { return t.bucket(bucketClock).Delete(keyAdvance) }

// indexAllDue fills the due index from every subscriber and operation, for
// a file written before the index existed.
func (t *Tx) indexAllDue() error {
	idx := t.bucket(bucketDue)
	put := func(keys [][]byte) error {
		for _, k := range keys {
			if err := idx.Put(k, nil); err != nil {
				return err
			}
		}
		return nil
	}
	if err := t.bucket(bucketSubscribers).ForEach(func(k, v []byte) error {
		var s Subscriber
		if err := t.decode(bucketSubscribers, v, &s); err != nil {
			return fmt.Errorf("decode subscriber %q: %w", k, err)
		}
		return put(subscriberDue(s))
	}); err != nil {
		return err
	}
	return t.bucket(bucketOperations).ForEach(func(k, v []byte) error {
		var o Operation
		if err := t.decode(bucketOperations, v, &o); err != nil {
			return fmt.Errorf("decode operation %x: %w", k, err)
		}
		return put(operationDue(o))
	})
}

// Records returns every record of the sandbox, kind by kind, keys in hex
// and values as stored, leaving out the kinds named in skip: what a test
// compares to say two sandboxes hold the same state.
func (sb *Sandbox) Records(skip ...string) (map[string]map[string]string, error) {
	out := map[string]map[string]string{}
	err := sb.View(func(t *Tx) error {
		return t.ns.ForEachBucket(func(name []byte) error {
			if slices.Contains(skip, string(name)) {
				return nil
			}
			m := map[string]string{}
			out[string(name)] = m
			return t.ns.Bucket(name).ForEach(func(k, v []byte) error {
				m[fmt.Sprintf("%x", k)] = string(v)
				return nil
			})
		})
	})
	return out, err
}
