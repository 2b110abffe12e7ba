// Package storage keeps prepay's state in one bbolt file: business units,
// clients, subscribers with their buckets, vouchers, balance actions with
// their time index, and idempotency records. Writes go through one writer
// goroutine that commits concurrent callers together (group commit). It
// imports money from prepay.
package storage

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// SchemaVersion is the layout of the file's buckets and values. A file
// written with another version is refused rather than misread.
const SchemaVersion = "1"

// Errors callers compare with errors.Is.
var (
	ErrNotFound = errors.New("not found")
	ErrClosed   = errors.New("storage closed")
)

// Top-level buckets, one per record kind.
var (
	bucketMeta         = []byte("meta")
	bucketBusinessUnit = []byte("business_units")
	bucketClients      = []byte("clients")
	bucketSubscribers  = []byte("subscribers")
	bucketByProduct    = []byte("subscribers_by_product")
	bucketVouchers     = []byte("vouchers")
	bucketActions      = []byte("actions")
	bucketIdempotency  = []byte("idempotency")
	bucketIdemExpiry   = []byte("idempotency_by_time")
	bucketOperations   = []byte("operations")
	bucketOpsByProduct = []byte("operations_by_product")
	bucketTransferDays = []byte("transfer_days")

	allBuckets = [][]byte{bucketMeta, bucketBusinessUnit, bucketClients, bucketSubscribers,
		bucketVouchers, bucketActions, bucketIdempotency, bucketIdemExpiry, bucketFaults, bucketByProduct,
		bucketOperations, bucketOpsByProduct, bucketTransferDays}

	keySchema = []byte("schema")
)

// lockTimeout bounds the wait for another process's lock on the file: a
// second server on the same file fails at once instead of hanging.
const lockTimeout = time.Second

// Store is the open database.
type Store struct {
	db     *bolt.DB
	writes chan *write
	done   chan struct{} // closed when the writer has stopped
	closed atomic.Bool

	// units is the business units, read once per load: they change only
	// when the data set is (re)loaded, and every request needs one.
	units atomic.Pointer[map[string]BusinessUnit]
}

// Open opens (or creates) the database at path. A file that is locked by
// another process, is not a bbolt file, is damaged anywhere (see check) or
// has another schema version is refused with a one-line reason and left as
// it is, byte for byte.
func Open(path string) (*Store, error) {
	fi, err := os.Stat(path)
	switch {
	case err == nil && fi.IsDir():
		return nil, fmt.Errorf("open database %s: is a directory", path)
	case err == nil && fi.Size() > 0:
		if err := check(path); err != nil {
			return nil, err
		}
	}
	db, err := openBolt(path, &bolt.Options{Timeout: lockTimeout})
	if err != nil {
		return nil, err
	}
	s := &Store{db: db, writes: make(chan *write, 1024), done: make(chan struct{})}
	if err := s.checkSchema(); err != nil {
		db.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	if err := s.addMissingBuckets(); err != nil {
		db.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	if err := s.loadUnits(); err != nil {
		db.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	go s.writer()
	return s, nil
}

// openBolt opens path with opts, saying in one line why it cannot.
func openBolt(path string, opts *bolt.Options) (*bolt.DB, error) {
	db, err := bolt.Open(path, 0o600, opts)
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		return nil, fmt.Errorf("open database %s: locked by another process (waited %s)", path, lockTimeout)
	case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrChecksum), errors.Is(err, berrors.ErrVersionMismatch):
		return nil, fmt.Errorf("open database %s: not a prepay database or corrupt (%v); left untouched", path, err)
	case err != nil:
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	return db, nil
}

// check walks every page of the file at path, as bbolt's Tx.Check does —
// every page reachable once, well-formed, keys in order, the free list
// sound — before the server opens it for writing. A file damaged in the
// middle is refused at start like one damaged at its head, rather than
// served until a request meets the damage. It opens the file read-only,
// so nothing is written to a damaged file, not even its free list.
func check(path string) error {
	db, err := openBolt(path, &bolt.Options{ReadOnly: true, Timeout: lockTimeout})
	if err != nil {
		return err
	}
	defer db.Close()
	var first error
	problems := 0
	err = db.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			if first == nil {
				first = err
			}
			problems++
		}
		return nil
	})
	if err == nil && first != nil {
		err = fmt.Errorf("damaged places: %d, the first: %v", problems, first)
	}
	if err != nil {
		return fmt.Errorf("open database %s: corrupt (%v); left untouched", path, err)
	}
	return nil
}

// checkSchema accepts an empty file (to be filled by Load) or one of this
// schema version.
func (s *Store) checkSchema() error {
	return s.db.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if meta == nil {
			if k, _ := tx.Cursor().First(); k != nil {
				return fmt.Errorf("not a prepay database (holds bucket %q but no schema)", k)
			}
			return nil
		}
		if v := meta.Get(keySchema); string(v) != SchemaVersion {
			return fmt.Errorf("schema version %q, want %q", v, SchemaVersion)
		}
		return nil
	})
}

// addMissingBuckets gives a file of this schema the record kinds added
// since it was written (the faults and the product index came after the
// first files), so that no code below has to allow for a missing bucket. An
// index added this way is filled from the records it indexes. It writes
// only when one is missing, and never into a file with no data set yet.
func (s *Store) addMissingBuckets() error {
	missing := false
	s.db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketMeta) == nil {
			return nil
		}
		for _, name := range slices.Concat(allBuckets, keptBuckets) {
			missing = missing || tx.Bucket(name) == nil
		}
		return nil
	})
	if !missing {
		return nil
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		fillIndex := tx.Bucket(bucketByProduct) == nil
		for _, name := range slices.Concat(allBuckets, keptBuckets) {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("add bucket %s: %w", name, err)
			}
		}
		if fillIndex {
			return (&Tx{tx: tx}).indexAllProducts()
		}
		return nil
	})
}

// Empty reports whether the database holds no data set yet.
func (s *Store) Empty() (bool, error) {
	empty := false
	err := s.db.View(func(tx *bolt.Tx) error {
		empty = tx.Bucket(bucketMeta) == nil
		return nil
	})
	return empty, err
}

// Close waits for queued writes, stops the writer and closes the file.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	close(s.writes)
	<-s.done
	return s.db.Close()
}

// Ping checks that the database answers a read.
func (s *Store) Ping() error {
	if s.closed.Load() {
		return ErrClosed
	}
	return s.db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketMeta) == nil {
			return errors.New("no data set loaded")
		}
		return nil
	})
}

// BusinessUnit returns the configured business unit id, or ErrNotFound.
func (s *Store) BusinessUnit(id string) (BusinessUnit, error) {
	bu, ok := (*s.units.Load())[id]
	if !ok {
		return BusinessUnit{}, ErrNotFound
	}
	return bu, nil
}

// BusinessUnits returns every configured business unit.
func (s *Store) BusinessUnits() map[string]BusinessUnit { return *s.units.Load() }

func (s *Store) loadUnits() error {
	units := map[string]BusinessUnit{}
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketBusinessUnit)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			var bu BusinessUnit
			if err := decode(v, &bu); err != nil {
				return fmt.Errorf("business unit %s: %w", k, err)
			}
			loc, err := time.LoadLocation(bu.Zone)
			if err != nil {
				return fmt.Errorf("business unit %s: zone %q: %w", k, bu.Zone, err)
			}
			bu.loc = loc
			units[bu.ID] = bu
			return nil
		})
	})
	if err != nil {
		return err
	}
	s.units.Store(&units)
	return nil
}

// View runs fn in a read-only transaction.
func (s *Store) View(fn func(*Tx) error) error {
	return s.db.View(func(tx *bolt.Tx) error { return fn(&Tx{tx: tx}) })
}

// Size returns the database file's size in bytes.
func (s *Store) Size() (int64, error) {
	var n int64
	err := s.db.View(func(tx *bolt.Tx) error { n = tx.Size(); return nil })
	return n, err
}
