package storage

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"time"

	"prepay/money"
)

// Kinds of balance action besides top-ups, as TMF654 and the history's
// @type name them.
const (
	ActionAdjust   = "AdjustBalance"
	ActionTransfer = "TransferBalance"
	ActionReserve  = "ReserveBalance"
)

// ActionTypes are every kind of balance action, in the order the docs list
// them.
var ActionTypes = []string{ActionTopup, ActionAdjust, ActionTransfer, ActionReserve}

// Statuses of an operation, TMF654's.
const (
	StatusCreated   = "created"
	StatusCompleted = "completed"
	StatusCancelled = "cancelled"
)

// Move is what an operation did to one bucket: the amounts it added to the
// bucket's allowance and charges (negative: taken away) and, when it
// extended the bucket's validity, the expiry before and after. Cancelling
// an operation undoes its moves exactly.
type Move struct {
	ServiceNo    string       `json:"serviceNo"`
	BucketID     string       `json:"bucketId"`
	Allowance    money.Amount `json:"allowance,omitempty"`
	Charges      money.Amount `json:"charges,omitempty"`
	ExpiryBefore time.Time    `json:"expiryBefore,omitzero"`
	ExpiryAfter  time.Time    `json:"expiryAfter,omitzero"`
}

// Party is one side of an operation: a service and the bucket it names.
type Party struct {
	ServiceNo      string `json:"serviceNo"`
	ProductID      string `json:"productId"`      // serviceInternalId
	PartyAccountID string `json:"partyAccountId"` // owningAccountInternalId
	BucketID       string `json:"bucketId"`
}

// Operation is one TMF654 balance action as its resource shows it: a
// top-up, adjustment, transfer or reservation, with what it did (Moves)
// and the service's buckets right after it.
type Operation struct {
	Seq              uint64       `json:"seq"`
	BusinessID       string       `json:"businessId"`
	Type             string       `json:"type"`
	Status           string       `json:"status"`
	RequestedDate    time.Time    `json:"requestedDate"`
	ConfirmationDate time.Time    `json:"confirmationDate"`
	Amount           money.Amount `json:"amount"`
	Units            string       `json:"units"`
	Party            Party        `json:"party"`
	Receiver         *Party       `json:"receiver,omitempty"` // a transfer's
	Channel          Channel      `json:"channel"`
	Voucher          string       `json:"voucher,omitempty"`
	Reason           string       `json:"reason,omitempty"`
	// Fee is a transfer's cost, CostOwner who paid it (originator or
	// receiver) and Received what the receiver got.
	Fee       money.Amount `json:"fee,omitempty"`
	CostOwner string       `json:"costOwner,omitempty"`
	Received  money.Amount `json:"received,omitempty"`
	// HoldUntil is when a reservation lapses.
	HoldUntil time.Time `json:"holdUntil,omitzero"`
	// Changed is when the status last changed (spent, released, cancelled).
	Changed time.Time `json:"changed,omitzero"`
	Moves   []Move    `json:"moves,omitempty"`
	// Recurring is a recurring top-up's schedule; nil for every other
	// operation.
	Recurring *Recurring `json:"recurring,omitempty"`
	// Balances and Accumulators are the service (Party) after the
	// operation, as its history record shows them.
	Balances     []Snapshot `json:"balances"`
	Accumulators []Snapshot `json:"accumulators"`
}

// Operations are kept by business unit | kind | big-endian sequence, so a
// kind's list is one prefix walk, and indexed by business unit | kind |
// product | big-endian sequence, so a list filtered by product.id walks
// that product's operations only.
func operationKey(bu, kind string, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(append(key(bu, kind), sep), seq)
}

func operationProductKey(bu, kind, product string, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(append(key(bu, kind, product), sep), seq)
}

// NextOperationSeq returns the number the next AddOperation in this
// transaction gives, so a record may quote it before it is stored.
func (t *Tx) NextOperationSeq() uint64 {
	return t.bucket(bucketOperations).Sequence() + 1
}

// AddOperation stores a new operation, giving it the next number.
func (t *Tx) AddOperation(o *Operation) error {
	seq, err := t.appendTo(bucketOperations).NextSequence()
	if err != nil {
		return err
	}
	o.Seq = seq
	if err := t.appendTo(bucketOpsByProduct).Put(operationProductKey(o.BusinessID, o.Type, o.Party.ProductID, seq), nil); err != nil {
		return err
	}
	if err := t.reindexDue(nil, operationDue(*o)); err != nil {
		return err
	}
	return t.put(bucketOperations, operationKey(o.BusinessID, o.Type, seq), o)
}

// PutOperation replaces a stored operation (a status change).
func (t *Tx) PutOperation(o Operation) error {
	k := operationKey(o.BusinessID, o.Type, o.Seq)
	var old Operation
	if err := t.get(bucketOperations, k, &old); err != nil {
		return err
	}
	if err := t.reindexDue(operationDue(old), operationDue(o)); err != nil {
		return err
	}
	return t.put(bucketOperations, k, o)
}

// Operation returns operation seq of kind in business unit bu, or
// ErrNotFound.
func (t *Tx) Operation(bu, kind string, seq uint64) (Operation, error) {
	var o Operation
	return o, t.get(bucketOperations, operationKey(bu, kind, seq), &o)
}

// Operations returns the operations of kind in bu, newest first: those of
// the products listed, or all of them when products is nil.
func (t *Tx) Operations(bu, kind string, products []string) ([]Operation, error) {
	var out []Operation
	if products == nil {
		prefix := append(key(bu, kind), sep)
		c := t.bucket(bucketOperations).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix) && len(k) == len(prefix)+8; k, v = c.Next() {
			var o Operation
			if err := t.decode(bucketOperations, v, &o); err != nil {
				return nil, fmt.Errorf("decode operation %x: %w", k, err)
			}
			out = append(out, o)
		}
	} else {
		for _, p := range products {
			prefix := append(key(bu, kind, p), sep)
			c := t.bucket(bucketOpsByProduct).Cursor()
			for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix) && len(k) == len(prefix)+8; k, _ = c.Next() {
				o, err := t.Operation(bu, kind, binary.BigEndian.Uint64(k[len(prefix):]))
				if err != nil {
					return nil, fmt.Errorf("operation index %x: %w", k, err)
				}
				out = append(out, o)
			}
		}
	}
	// Newest first: reverse the key order, which is the sequence's.
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, nil
}

// Recurring periods of an automatic top-up, TMF654's recurringPeriod.
const (
	PeriodWeekly      = "weekly"
	PeriodFortnightly = "fortnightly"
	PeriodMonthly     = "monthly"
)

// Recurring is the schedule of a recurring top-up (isAutoTopup): it
// credits the operation's amount to its bucket again at Next, each Period
// after Start, until the periods passed reach Periods (0: no end).
type Recurring struct {
	Period   string    `json:"period"`
	Periods  int       `json:"periods,omitempty"`
	Start    time.Time `json:"start"`
	Credited int       `json:"credited"`
	// Skipped counts the periods that began across a setting of the clock
	// (PUT or DELETE): they pass with no credit, as nothing falls due
	// across a setting.
	Skipped int       `json:"skipped,omitempty"`
	Next    time.Time `json:"next,omitzero"` // zero: no more periods
	// Stopped says why the schedule ended early (a credit it could not
	// make), when it did.
	Stopped string `json:"stopped,omitempty"`
}

// Passed is the number of periods the schedule has passed, credited or
// skipped.
func (r Recurring) Passed() int { return r.Credited + r.Skipped }

// PeriodStart returns when period n (0 the first) of a schedule begins:
// n weeks or fortnights after start, or n calendar months after it on the
// same day, clamped to the month's last day, in loc.
func PeriodStart(period string, start time.Time, n int, loc *time.Location) time.Time {
	switch period {
	case PeriodWeekly:
		return start.AddDate(0, 0, 7*n)
	case PeriodFortnightly:
		return start.AddDate(0, 0, 14*n)
	}
	l := start.In(loc)
	y, m, d := l.Date()
	last := time.Date(y, m+time.Month(n)+1, 0, 0, 0, 0, 0, loc).Day()
	return time.Date(y, m+time.Month(n), min(d, last), l.Hour(), l.Minute(), l.Second(), l.Nanosecond(), loc).UTC()
}

// TransferDay is what one sender has transferred on one day of its
// business unit's calendar: the day limits are judged against it.
type TransferDay struct {
	Count int          `json:"count"`
	Total money.Amount `json:"total"`
}

// Transfer days are keyed business unit | service number | the day as
// YYYY-MM-DD in the business unit's zone: one Get per transfer.
func (t *Tx) TransferDay(bu, serviceNo, day string) (TransferDay, error) {
	var d TransferDay
	err := t.get(bucketTransferDays, key(bu, serviceNo, day), &d)
	if err == ErrNotFound {
		return TransferDay{}, nil
	}
	return d, err
}

// PutTransferDay stores a sender's day.
func (t *Tx) PutTransferDay(bu, serviceNo, day string, d TransferDay) error {
	return t.put(bucketTransferDays, key(bu, serviceNo, day), d)
}
