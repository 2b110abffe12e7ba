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
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// SchemaVersion is the layout of the file's buckets and values. A file
// written with another version is refused rather than misread. Older ones
// are brought up to it once, when opened: version 1 (every record kind at
// the top, one world) is moved into the default sandbox; version 2 (no
// packed values, see pack.go) needs only its dictionaries' record kind,
// which addMissingBuckets adds, and its version key: its values are read
// as they are and packed when next written.
const SchemaVersion = "3"

// Errors callers compare with errors.Is.
var (
	ErrNotFound = errors.New("not found")
	ErrClosed   = errors.New("storage closed")
)

// The file's top level holds only meta (the schema version) and sandboxes,
// in which each sandbox has a bucket of its own holding every record kind:
// no record lives outside its sandbox's namespace, so a record kind added
// later is isolated without anyone remembering to.
var (
	bucketMeta      = []byte("meta")
	bucketSandboxes = []byte("sandboxes")
	keySchema       = []byte("schema")
)

// Record kinds, one bucket each inside a sandbox's namespace.
var (
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

	// allBuckets are the record kinds a data set fills and a reset
	// replaces.
	allBuckets = [][]byte{bucketBusinessUnit, bucketClients, bucketSubscribers,
		bucketVouchers, bucketActions, bucketIdempotency, bucketIdemExpiry, bucketFaults, bucketByProduct,
		bucketOperations, bucketOpsByProduct, bucketTransferDays,
		bucketEvents, bucketSubscriptions, bucketDeliveries, bucketDue, bucketDicts}
)

// lockTimeout bounds the wait for another process's lock on the file: a
// second server on the same file fails at once instead of hanging.
const lockTimeout = time.Second

// Store is the open database: its sandboxes, and the one writer that
// commits for all of them.
type Store struct {
	db     *bolt.DB
	writes chan *write
	done   chan struct{} // closed when the writer has stopped
	closed atomic.Bool

	// host is the host's clock, under every sandbox's clock.
	host func() time.Time

	// mu guards spaces, the sandboxes by id. The database is the record;
	// spaces follows it, changed only after a commit.
	mu     sync.RWMutex
	spaces map[string]*Sandbox

	// memo spares decoding subscribers read again unchanged.
	memo *memo

	// events and subscriptions wake the feed and the dispatcher when
	// events or subscriptions commit.
	events, subscriptions signal
}

// Open opens (or creates) the database at path, its sandboxes' clocks on
// the host's time. See OpenWith.
func Open(path string) (*Store, error) { return OpenWith(path, time.Now) }

// OpenWith opens (or creates) the database at path, with host as the
// host's clock (tests give a hand-moved one). A file that is locked by
// another process, is not a bbolt file, is damaged anywhere (see check) or
// has another schema version is refused with a one-line reason and left as
// it is, byte for byte.
func OpenWith(path string, host func() time.Time) (*Store, error) {
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
	s := &Store{db: db, writes: make(chan *write, 1024), done: make(chan struct{}),
		host: host, spaces: map[string]*Sandbox{}, memo: newMemo()}
	for _, step := range []func() error{s.checkSchema, s.migrate, s.addMissingBuckets, s.loadSandboxes} {
		if err := step(); err != nil {
			db.Close()
			return nil, fmt.Errorf("open database %s: %w", path, err)
		}
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
// schema version or an older one, which migrate brings up to it.
func (s *Store) checkSchema() error {
	return s.db.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if meta == nil {
			if k, _ := tx.Cursor().First(); k != nil {
				return fmt.Errorf("not a prepay database (holds bucket %q but no schema)", k)
			}
			return nil
		}
		if v := string(meta.Get(keySchema)); v != SchemaVersion && v != "2" && v != "1" {
			return fmt.Errorf("schema version %q, want %q", v, SchemaVersion)
		}
		return nil
	})
}

// migrate brings a file of an older schema version up to this one, in one
// transaction. Version 1's record kinds, at the top level, are moved into
// the default sandbox, each kind whole (bbolt moves a bucket by its root,
// not record by record); version 2's values stay as they are.
func (s *Store) migrate() error {
	schema := ""
	s.db.View(func(tx *bolt.Tx) error {
		if meta := tx.Bucket(bucketMeta); meta != nil {
			schema = string(meta.Get(keySchema))
		}
		return nil
	})
	if schema == "" || schema == SchemaVersion {
		return nil
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		if schema == "1" {
			if err := moveIntoDefault(tx); err != nil {
				return fmt.Errorf("migrate: %w", err)
			}
		}
		// The default sandbox's own record and the record kinds added
		// since are written by addMissingBuckets.
		return tx.Bucket(bucketMeta).Put(keySchema, []byte(SchemaVersion))
	})
}

// createDefaultSandbox makes the sandboxes bucket with the default
// sandbox's namespace in it, and returns the namespace.
func createDefaultSandbox(tx *bolt.Tx) (*bolt.Bucket, error) {
	spaces, err := tx.CreateBucket(bucketSandboxes)
	if err != nil {
		return nil, err
	}
	return spaces.CreateBucket([]byte(DefaultSandbox))
}

// moveIntoDefault moves schema 1's record kinds into the default sandbox.
func moveIntoDefault(tx *bolt.Tx) error {
	ns, err := createDefaultSandbox(tx)
	if err != nil {
		return err
	}
	for _, name := range slices.Concat(allBuckets, keptBuckets) {
		if tx.Bucket(name) == nil {
			continue
		}
		if err := tx.MoveBucket(name, nil, ns); err != nil {
			return fmt.Errorf("move %s: %w", name, err)
		}
	}
	return nil
}

// addMissingBuckets gives every sandbox the record kinds added since its
// file was written (the faults and the product index came after the first
// files), so that no code below has to allow for a missing bucket. An index
// added this way is filled from the records it indexes. It writes only
// when one is missing.
func (s *Store) addMissingBuckets() error {
	missing := false
	s.db.View(func(tx *bolt.Tx) error {
		return forEachSpace(tx, func(id string, ns *bolt.Bucket) error {
			for _, name := range slices.Concat(allBuckets, keptBuckets) {
				missing = missing || ns.Bucket(name) == nil
			}
			missing = missing || ns.Bucket(bucketSandboxInfo).Get(keyInfo) == nil
			return nil
		})
	})
	if !missing {
		return nil
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		return forEachSpace(tx, func(id string, ns *bolt.Bucket) error {
			fillIndex := ns.Bucket(bucketByProduct) == nil
			fillDue := ns.Bucket(bucketDue) == nil
			for _, name := range slices.Concat(allBuckets, keptBuckets) {
				if _, err := ns.CreateBucketIfNotExists(name); err != nil {
					return fmt.Errorf("sandbox %s: add bucket %s: %w", id, name, err)
				}
			}
			t := &Tx{tx: tx, ns: ns}
			if ns.Bucket(bucketSandboxInfo).Get(keyInfo) == nil {
				if err := t.putInfo(SandboxInfo{ID: id, Name: id, CreatedAt: s.host().UTC()}); err != nil {
					return err
				}
			}
			if fillIndex {
				if err := t.indexAllProducts(); err != nil {
					return err
				}
			}
			if fillDue {
				return t.indexAllDue()
			}
			return nil
		})
	})
}

// forEachSpace calls fn with each sandbox's namespace, in id order. A
// file with no sandboxes bucket (an empty one) has none.
func forEachSpace(tx *bolt.Tx, fn func(id string, ns *bolt.Bucket) error) error {
	spaces := tx.Bucket(bucketSandboxes)
	if spaces == nil {
		return nil
	}
	return spaces.ForEachBucket(func(k []byte) error {
		return fn(string(k), spaces.Bucket(k))
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

// Size returns the database file's size in bytes.
func (s *Store) Size() (int64, error) {
	var n int64
	err := s.db.View(func(tx *bolt.Tx) error { n = tx.Size(); return nil })
	return n, err
}
