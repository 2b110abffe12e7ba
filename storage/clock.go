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

// FreezeClock records that the sandbox clock is frozen at at.
func (t *Tx) FreezeClock(at time.Time) error {
	v, err := at.UTC().MarshalText()
	if err != nil {
		return fmt.Errorf("encode frozen clock: %w", err)
	}
	return t.bucket(bucketClock).Put(keyFrozen, v)
}

// ThawClock records that the sandbox clock follows the host.
func (t *Tx) ThawClock() error { return t.bucket(bucketClock).Delete(keyFrozen) }
