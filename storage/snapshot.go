package storage

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash"

	bolt "go.etcd.io/bbolt"
)

// Digest returns a SHA-256 of everything the database holds, read in one
// transaction: every bucket's name and sequence number and every key and
// value, in key order, nested buckets included. Two databases with the same
// digest hold the same records. The file's bytes are no such measure: bbolt
// rewrites its meta page on every commit, one that changed nothing included.
// Packed values are read unpacked and the dictionaries are left out, so
// that the digest says what is recorded, not how it happens to be packed.
// The outbox (events and their sequence) is left out: a refused action
// publishes its FailureEvent and changes nothing else (§10).
func (s *Store) Digest() ([]byte, error) {
	h := sha256.New()
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			return digestBucket(h, name, b, nil)
		})
	})
	if err != nil {
		return nil, fmt.Errorf("digest: %w", err)
	}
	return h.Sum(nil), nil
}

// digestBucket writes bucket b, called name, to h; dicts holds the
// dictionaries of b's values when b is a record kind that packs them. Every
// part is written with its length first and a tag saying what it is, so
// that no two different contents write the same bytes.
func digestBucket(h hash.Hash, name []byte, b *bolt.Bucket, dicts *bolt.Bucket) error {
	field(h, 'B', name)
	h.Write(binary.BigEndian.AppendUint64(nil, b.Sequence()))
	err := b.ForEach(func(k, v []byte) error {
		if v == nil { // a nested bucket
			if outbox(k) || string(k) == string(bucketDicts) {
				return nil
			}
			var kindDicts *bolt.Bucket
			if packed(k) {
				kindDicts = b.Bucket(bucketDicts)
			}
			return digestBucket(h, k, b.Bucket(k), kindDicts)
		}
		if dicts != nil {
			plain, err := unpack(dicts, name, v)
			if err != nil {
				return err
			}
			v = plain
		}
		field(h, 'K', k)
		field(h, 'V', v)
		return nil
	})
	h.Write([]byte{'E'})
	return err
}

func field(h hash.Hash, tag byte, data []byte) {
	h.Write([]byte{tag})
	h.Write(binary.BigEndian.AppendUint64(nil, uint64(len(data))))
	h.Write(data)
}

// outbox reports whether name is a record kind of the event outbox.
func outbox(name []byte) bool {
	return string(name) == string(bucketEvents) || string(name) == string(bucketEventSeq)
}
