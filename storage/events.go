package storage

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"prepay/tmf"
)

// Record kinds of the events that leave a sandbox. Events, subscriptions
// and delivery attempts are in allBuckets: a reset drops them with the
// rest. The event sequence is kept (keptBuckets), so an eventId is never
// given twice in one sandbox, even across resets, and a receiver that
// drops repeats by eventId never drops a new event.
var (
	// bucketEvents: business unit | 0x00 | big-endian sequence → Event.
	// A business unit's events sort in commit order: the feed and each
	// subscription read them with one Seek and a walk.
	bucketEvents = []byte("events")
	// bucketSubscriptions: subscription id → Subscription.
	bucketSubscriptions = []byte("subscriptions")
	// bucketDeliveries: subscription id | 0x00 | big-endian attempt number
	// → Attempt; at most maxAttempts kept per subscription.
	bucketDeliveries = []byte("deliveries")
	// bucketEventSeq holds only its bucket sequence: the last eventId.
	bucketEventSeq = []byte("event_seq")
)

// EventDomain is the domain every envelope names.
const EventDomain = "prepayBalanceManagement"

// maxAttempts bounds the delivery attempts kept per subscription: the
// newest are kept.
const maxAttempts = 1000

// Event is one committed event: its number (the eventId's order), what it
// is about, and the envelope delivered as it is.
type Event struct {
	Seq        uint64          `json:"seq"`
	BusinessID string          `json:"businessId"`
	Type       string          `json:"type"`
	ProductIDs []string        `json:"productIds,omitempty"`
	Envelope   json.RawMessage `json:"envelope"`
}

// ID is the event's eventId.
func (e Event) ID() string { return EventID(e.Seq) }

// EventID is the eventId of event seq.
func EventID(seq uint64) string { return fmt.Sprint(seq) }

// NewEvent is what a write announces: AddEvent numbers it and writes its
// envelope.
type NewEvent struct {
	BusinessID    string
	Type          string // TopupBalanceCreateEvent…
	Time          time.Time
	Loc           *time.Location // the business unit's zone, for eventTime
	CorrelationID string
	Name          string // the resource's name in event: topupBalance…
	Resource      any    // the resource as its GET shows it
	ProductIDs    []string
}

// AddEvent writes e into the outbox, in the transaction of the change it
// announces, with the next eventId of the sandbox. It is the one place an
// event is made: a change that commits has its event, one rolled back has
// none.
func (t *Tx) AddEvent(e NewEvent) error {
	seq, err := t.bucket(bucketEventSeq).NextSequence()
	if err != nil {
		return err
	}
	// The envelope is built in a reused buffer: the record's encoding
	// copies it, so it need not outlive the put.
	buf := scratch.Get().(*[]byte)
	defer scratch.Put(buf)
	env, err := appendEnvelope((*buf)[:0], seq, e)
	if env != nil {
		*buf = env[:0]
	}
	if err != nil {
		return fmt.Errorf("encode %s: %w", e.Type, err)
	}
	t.appendTo(bucketEvents) // the put below writes through the same bucket
	ev := Event{Seq: seq, BusinessID: e.BusinessID, Type: e.Type, ProductIDs: e.ProductIDs, Envelope: env}
	if err := t.put(bucketEvents, eventKey(e.BusinessID, seq), ev); err != nil {
		return err
	}
	t.wakeEvents()
	return nil
}

// appendsJSON is a resource that encodes itself as json.Marshal would
// (ledger.ActionResource): the largest part of an event, encoded inside
// the write transaction.
type appendsJSON interface {
	AppendJSON(b []byte) ([]byte, error)
}

// appendEnvelope appends the envelope of event seq to b: what json.Marshal
// gives for it, byte for byte, assembled by hand so that the resource is
// encoded once, straight into the envelope, and never scanned again.
func appendEnvelope(b []byte, seq uint64, e NewEvent) ([]byte, error) {
	b = append(b, `{"eventId":"`...)
	b = strconv.AppendUint(b, seq, 10)
	b = append(b, `","eventTime":`...)
	w := tmf.JSONWriter{B: b}
	w.Millis(tmf.Millis{Time: e.Time, Loc: e.Loc})
	b = append(w.B, `,"eventType":`...)
	b = tmf.AppendString(b, e.Type)
	b = append(b, `,"correlationId":`...)
	b = tmf.AppendString(b, e.CorrelationID)
	b = append(b, `,"domain":"`+EventDomain+`","event":{`...)
	b = tmf.AppendString(b, e.Name)
	b = append(b, ':')
	if a, ok := e.Resource.(appendsJSON); ok {
		var err error
		if b, err = a.AppendJSON(b); err != nil {
			return nil, err
		}
	} else {
		res, err := json.Marshal(e.Resource)
		if err != nil {
			return nil, err
		}
		b = append(b, res...)
	}
	return append(b, "}}"...), nil
}

// appendJSON appends e as json.Marshal encodes it, byte for byte, without
// scanning the envelope again (see appendEnvelope).
func (e Event) appendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"seq":`...)
	b = strconv.AppendUint(b, e.Seq, 10)
	b = append(b, `,"businessId":`...)
	b = tmf.AppendString(b, e.BusinessID)
	b = append(b, `,"type":`...)
	b = tmf.AppendString(b, e.Type)
	if len(e.ProductIDs) > 0 {
		b = append(b, `,"productIds":[`...)
		for i, p := range e.ProductIDs {
			if i > 0 {
				b = append(b, ',')
			}
			b = tmf.AppendString(b, p)
		}
		b = append(b, ']')
	}
	b = append(b, `,"envelope":`...)
	if e.Envelope == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, e.Envelope...)
	}
	return append(b, '}'), nil
}

func eventKey(bu string, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(append(key(bu), sep), seq)
}

// LastEventSeq returns the number of the sandbox's last event (0: none yet).
func (t *Tx) LastEventSeq() uint64 { return t.bucket(bucketEventSeq).Sequence() }

// Events returns at most limit events of business unit bu after eventId
// after, in commit order, those for which match (nil: all) holds. It
// stops after scanning scanMax events (0: no bound) and reports the last
// one scanned, so that a caller looking for a rare match can carry on
// from there.
func (t *Tx) Events(bu string, after uint64, limit, scanMax int, match func(Event) bool) (out []Event, scanned uint64, err error) {
	prefix := append(key(bu), sep)
	c := t.bucket(bucketEvents).Cursor()
	n := 0
	scanned = after
	for k, v := c.Seek(eventKey(bu, after+1)); k != nil && bytes.HasPrefix(k, prefix) && len(out) < limit; k, v = c.Next() {
		var e Event
		if err := t.decode(bucketEvents, v, &e); err != nil {
			return nil, after, fmt.Errorf("decode event %x: %w", k, err)
		}
		scanned = e.Seq
		if match == nil || match(e) {
			out = append(out, e)
		}
		if n++; scanMax > 0 && n >= scanMax {
			break
		}
	}
	return out, scanned, nil
}

// Subscription is a hub registration: where to deliver the events of a
// business unit that its filter selects, the secret that signs them, and
// how far delivery has gone.
type Subscription struct {
	ID         string    `json:"id"`
	BusinessID string    `json:"businessId"`
	Callback   string    `json:"callback"`
	Query      string    `json:"query"`
	EventTypes []string  `json:"eventTypes,omitempty"` // empty: every type
	ProductIDs []string  `json:"productIds,omitempty"` // empty: every product
	Secret     string    `json:"secret"`
	ClientID   string    `json:"clientId"`
	Created    time.Time `json:"created"` // host time

	// After: every event of the business unit up to this number is
	// delivered, given up or not selected.
	After uint64 `json:"after"`
	// Pending is the event being delivered, when one has failed.
	Pending   *Pending `json:"pending,omitempty"`
	Delivered uint64   `json:"delivered"`
	GivenUp   uint64   `json:"givenUp"`
}

// Pending is an event whose delivery has failed and will be tried again.
type Pending struct {
	Seq      uint64    `json:"seq"`
	Attempts int       `json:"attempts"`
	First    time.Time `json:"first"` // host time of the first attempt
	Next     time.Time `json:"next"`  // host time of the next
}

// Matches reports whether the subscription selects e.
func (s Subscription) Matches(e Event) bool {
	if len(s.EventTypes) > 0 && !slices.Contains(s.EventTypes, e.Type) {
		return false
	}
	if len(s.ProductIDs) > 0 && !slices.ContainsFunc(e.ProductIDs, func(p string) bool { return slices.Contains(s.ProductIDs, p) }) {
		return false
	}
	return true
}

// Subscription returns subscription id, or ErrNotFound.
func (t *Tx) Subscription(id string) (Subscription, error) {
	var s Subscription
	return s, t.get(bucketSubscriptions, []byte(id), &s)
}

// AddSubscription stores a new subscription and wakes the dispatcher.
func (t *Tx) AddSubscription(s Subscription) error {
	if err := t.put(bucketSubscriptions, []byte(s.ID), s); err != nil {
		return err
	}
	t.wakeSubscriptions()
	return nil
}

// PutSubscription stores how far s's delivery has gone.
func (t *Tx) PutSubscription(s Subscription) error {
	return t.put(bucketSubscriptions, []byte(s.ID), s)
}

// DeleteSubscription removes subscription id and its attempts;
// ErrNotFound if there is none.
func (t *Tx) DeleteSubscription(id string) error {
	b := t.bucket(bucketSubscriptions)
	if b.Get([]byte(id)) == nil {
		return ErrNotFound
	}
	prefix := append(key(id), sep)
	c := t.bucket(bucketDeliveries).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Seek(prefix) {
		if err := c.Delete(); err != nil {
			return err
		}
	}
	t.wakeSubscriptions()
	return b.Delete([]byte(id))
}

// SubscriptionIDs returns the id of every subscription of the sandbox.
func (t *Tx) SubscriptionIDs() ([]string, error) {
	var out []string
	err := t.bucket(bucketSubscriptions).ForEach(func(k, _ []byte) error {
		out = append(out, string(k))
		return nil
	})
	return out, err
}

// Attempt is one delivery attempt of an event to a subscription.
type Attempt struct {
	EventID   string     `json:"eventId"`
	Attempt   int        `json:"attempt"`
	At        time.Time  `json:"at"` // host time
	Status    *int       `json:"status"`
	Error     string     `json:"error,omitempty"`
	LatencyMs int64      `json:"latencyMs"`
	NextAt    *time.Time `json:"nextAttemptAt,omitempty"`
}

// AddAttempts records attempts for subscription id, oldest first, in one
// write, keeping the newest maxAttempts.
func (t *Tx) AddAttempts(id string, attempts []Attempt) error {
	b := t.bucket(bucketDeliveries)
	prefix := append(key(id), sep)
	for _, a := range attempts[max(0, len(attempts)-maxAttempts):] {
		n, err := b.NextSequence()
		if err != nil {
			return err
		}
		if err := t.put(bucketDeliveries, binary.BigEndian.AppendUint64(slices.Clone(prefix), n), a); err != nil {
			return err
		}
	}
	// The sequence is shared by every subscription: drop this one's oldest
	// while it holds more than maxAttempts.
	c := b.Cursor()
	count := 0
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		count++
	}
	for ; count > maxAttempts; count-- {
		k, _ := c.Seek(prefix)
		if err := c.Delete(); err != nil || k == nil {
			return err
		}
	}
	return nil
}

// Attempts returns subscription id's attempts, oldest first.
func (t *Tx) Attempts(id string) ([]Attempt, error) {
	prefix := append(key(id), sep)
	c := t.bucket(bucketDeliveries).Cursor()
	var out []Attempt
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		var a Attempt
		if err := t.decode(bucketDeliveries, v, &a); err != nil {
			return nil, fmt.Errorf("decode attempt %x: %w", k, err)
		}
		out = append(out, a)
	}
	return out, nil
}

// wakeEvents and wakeSubscriptions arrange for their waiters (the feed's
// long polls, the dispatcher) to be woken once this transaction commits; a
// rolled-back one wakes no one. Only a sandbox's write transactions
// (Sandbox.Update) wake anyone.
func (t *Tx) wakeEvents() {
	if t.store != nil {
		t.tx.OnCommit(t.store.events.wake)
	}
}

func (t *Tx) wakeSubscriptions() {
	if t.store != nil {
		t.tx.OnCommit(t.store.subscriptions.wake)
	}
}

// signal wakes waiters at a commit that added an event or changed a
// subscription.
type signal struct {
	mu sync.Mutex
	ch chan struct{}
}

func (s *signal) wait() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ch == nil {
		s.ch = make(chan struct{})
	}
	return s.ch
}

func (s *signal) wake() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ch != nil {
		close(s.ch)
		s.ch = nil
	}
}

// EventsAdded returns a channel closed at the next commit that adds an
// event, in any sandbox. Take it before reading, then wait on it: a commit
// between the read and the wait is not missed.
func (s *Store) EventsAdded() <-chan struct{} { return s.events.wait() }

// SubscriptionsChanged returns a channel closed at the next commit that
// adds or deletes a subscription, in any sandbox.
func (s *Store) SubscriptionsChanged() <-chan struct{} { return s.subscriptions.wait() }

// EventsAdded is Store.EventsAdded, for a handler that holds its sandbox.
func (sb *Sandbox) EventsAdded() <-chan struct{} { return sb.store.EventsAdded() }
