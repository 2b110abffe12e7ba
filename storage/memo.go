package storage

import (
	"bytes"
	"slices"
	"sync"
)

// memoSize bounds the subscribers a memo keeps decoded. Past it the memo
// starts again empty: a memo is a saving, never the record.
const memoSize = 4096

// memo keeps the last decoding of subscriber values, by the bytes that were
// decoded. It is keyed by the value itself, not by its state in any
// transaction: an entry answers only a value whose bytes equal the ones it
// was decoded from, so a commit, a rollback, a group-commit rerun or a
// reset can make it miss but never make it wrong, and nothing has to
// invalidate it. It saves the JSON decoding (the realTimeBalances profile's
// largest cost) of a subscriber read again unchanged.
type memo struct {
	mu      sync.Mutex
	entries map[string]*memoEntry // by sandbox id | 0x00 | record key

	// dicts keeps the indexes of packing dictionaries (see pack.go).
	dicts dictIndexes
}

// memoEntry is immutable once made: readers copy out of it, or only look
// at it (Tx.lookSubscriber), unlocked.
type memoEntry struct {
	raw []byte
	sub Subscriber
}

func newMemo() *memo { return &memo{entries: map[string]*memoEntry{}} }

// look decodes data, the value of key k in sandbox space: from the memo
// when the memo holds these very bytes, else with decode. When shared, s
// is the memo's own and must only be read; Tx.Subscriber hands out a copy.
func (m *memo) look(space string, k, data []byte, decode func([]byte, any) error) (s Subscriber, shared bool, err error) {
	m.mu.Lock()
	e := m.entries[string(append(append([]byte(space), sep), k...))]
	m.mu.Unlock()
	if e != nil && bytes.Equal(e.raw, data) {
		return e.sub, true, nil
	}
	if err := decode(data, &s); err != nil {
		return Subscriber{}, false, err
	}
	// bbolt's bytes are valid only inside the transaction: keep a copy.
	m.remember(space, k, bytes.Clone(data), s)
	return s, false, nil
}

// remember keeps s as the decoding of data, the value of key k in sandbox
// space. data must not change after. A write remembers what it stores, so
// the next write of a group commit, which reads the service the one
// before it wrote, does not decode it again.
func (m *memo) remember(space string, k, data []byte, s Subscriber) {
	mk := string(append(append([]byte(space), sep), k...))
	e := &memoEntry{raw: data, sub: s.clone()}
	m.mu.Lock()
	if len(m.entries) >= memoSize {
		clear(m.entries)
	}
	m.entries[mk] = e
	m.mu.Unlock()
}

// clone copies s deeply enough that changing the copy's buckets, holds or
// accumulators leaves s as it was; a nil slice stays nil and an empty one
// empty, as decoding made them.
func (s Subscriber) clone() Subscriber {
	s.Buckets = slices.Clone(s.Buckets)
	for i := range s.Buckets {
		s.Buckets[i].Holds = slices.Clone(s.Buckets[i].Holds)
	}
	s.Accumulators = slices.Clone(s.Accumulators)
	return s
}
