package storage

import (
	"fmt"
	"time"
)

// bucketClock holds the sandbox clock's setting: under keyFrozen the time it
// is frozen at, absent while it follows the host. It is one of keptBuckets:
// a reset, which drops every record, leaves the clock where a suite set it,
// and a restart finds it there, so a frozen clock never falls back to the
// host's time unasked.
var (
	bucketClock = []byte("clock")
	keyFrozen   = []byte("frozen")
)

// keptBuckets are the record kinds a reset keeps: the clock, the
// sandbox's own record, and the event sequence.
var keptBuckets = [][]byte{bucketClock, bucketSandboxInfo, bucketEventSeq}

// FrozenClock returns the time the sandbox clock is frozen at, if it is.
func (t *Tx) FrozenClock() (at time.Time, frozen bool, err error) {
	b := t.bucket(bucketClock)
	if b == nil {
		return time.Time{}, false, nil
	}
	v := b.Get(keyFrozen)
	if v == nil {
		return time.Time{}, false, nil
	}
	if err := at.UnmarshalText(v); err != nil {
		return time.Time{}, false, fmt.Errorf("decode frozen clock %q: %w", v, err)
	}
	return at.UTC(), true, nil
}

// FreezeClock records that the sandbox clock is frozen at at. What was due
// up to at is done or, for a clock set by PUT, never will be: the due
// index's floor moves to at, and any advance in progress ends.
func (t *Tx) FreezeClock(at time.Time) error {
	v, err := at.UTC().MarshalText()
	if err != nil {
		return fmt.Errorf("encode frozen clock: %w", err)
	}
	if err := t.EndAdvance(); err != nil {
		return err
	}
	if err := t.SetDueFloor(at); err != nil {
		return err
	}
	return t.bucket(bucketClock).Put(keyFrozen, v)
}

// ThawClock records that the sandbox clock follows the host, whose time is
// now: what fell due before it has no consequence, and any advance in
// progress ends.
func (t *Tx) ThawClock(now time.Time) error {
	if err := t.EndAdvance(); err != nil {
		return err
	}
	if err := t.SetDueFloor(now); err != nil {
		return err
	}
	return t.bucket(bucketClock).Delete(keyFrozen)
}
