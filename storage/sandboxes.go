package storage

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"

	"prepay/clock"
	"prepay/tmf"
)

// DefaultSandbox is the id of the sandbox the server's data set and its
// clients (the demo clients) live in: the world of a server nobody has made
// a sandbox on.
const DefaultSandbox = "default"

// Errors of the sandbox registry, for callers to compare with errors.Is.
var (
	ErrSandboxLimit   = errors.New("sandbox limit reached")
	ErrDefaultSandbox = errors.New("the default sandbox is kept")
)

// bucketSandboxInfo holds a sandbox's own record under keyInfo. It is one of
// keptBuckets: a reset leaves it.
var (
	bucketSandboxInfo = []byte("sandbox")
	keyInfo           = []byte("info")
)

// SandboxInfo is a sandbox's own record.
type SandboxInfo struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"createdAt"`
	// DataSet is what a reset restores in a sandbox made from a data set of
	// its own, less its clients (absent: the server's data set). A made
	// sandbox's clients got new ids and secrets when it was made; a reset
	// keeps them.
	DataSet json.RawMessage `json:"dataSet,omitempty"`
}

// Sandbox is one isolated world: its records, in its own namespace of the
// file, and its own clock and business units. Everything a request reads
// or writes goes through the Sandbox its credentials chose.
type Sandbox struct {
	store   *Store
	info    SandboxInfo
	dataSet *DataSet // info.DataSet, parsed; nil for the server's
	clock   *clock.Clock

	// units is the business units, read once per load: they change only
	// when the data set is (re)loaded, and every request needs one.
	units atomic.Pointer[map[string]BusinessUnit]
}

// ID returns the sandbox's id.
func (sb *Sandbox) ID() string { return sb.info.ID }

// Info returns the sandbox's own record.
func (sb *Sandbox) Info() SandboxInfo { return sb.info }

// Clock returns the sandbox's clock: frozen, thawed and restored apart
// from every other sandbox's.
func (sb *Sandbox) Clock() *clock.Clock { return sb.clock }

// DataSet returns what a reset restores: the sandbox's own data set, or
// server when it was made from the server's.
func (sb *Sandbox) DataSet(server *DataSet) *DataSet {
	if sb.dataSet != nil {
		return sb.dataSet
	}
	return server
}

// BusinessUnit returns the configured business unit id, or ErrNotFound.
func (sb *Sandbox) BusinessUnit(id string) (BusinessUnit, error) {
	bu, ok := (*sb.units.Load())[id]
	if !ok {
		return BusinessUnit{}, ErrNotFound
	}
	return bu, nil
}

// BusinessUnits returns every configured business unit.
func (sb *Sandbox) BusinessUnits() map[string]BusinessUnit { return *sb.units.Load() }

// goneError is the answer to a request whose sandbox was deleted after its
// credentials were checked.
func (sb *Sandbox) goneError() error {
	return tmf.Fail(tmf.CodeUnknownSandbox, "sandbox %s was deleted", sb.info.ID)
}

// View runs fn in a read-only transaction on the sandbox's records.
func (sb *Sandbox) View(fn func(*Tx) error) error {
	return sb.store.db.View(func(tx *bolt.Tx) error {
		ns := namespace(tx, sb.info.ID)
		if ns == nil {
			return sb.goneError()
		}
		return fn(&Tx{tx: tx, ns: ns, memo: sb.store.memo, space: sb.info.ID})
	})
}

// Update runs fn in a read-write transaction on the sandbox's records,
// shared with other writers (group commit), and returns once it is durable
// or has failed; see Store.update for what fn may and may not do.
func (sb *Sandbox) Update(fn func(*Tx) error) error {
	return sb.store.update(func(tx *bolt.Tx) error {
		ns := namespace(tx, sb.info.ID)
		if ns == nil {
			return Refuse(sb.goneError())
		}
		return fn(&Tx{tx: tx, ns: ns, store: sb.store, memo: sb.store.memo, space: sb.info.ID})
	})
}

// namespace returns sandbox id's bucket, or nil.
func namespace(tx *bolt.Tx, id string) *bolt.Bucket {
	spaces := tx.Bucket(bucketSandboxes)
	if spaces == nil {
		return nil
	}
	return spaces.Bucket([]byte(id))
}

// Reset replaces every record of the sandbox with ds, in one transaction
// through the writer, so no request sees a half-reset state. The clock and
// the sandbox's own record stay; so do the clients of a made sandbox, whose
// ids and secrets its users hold.
func (sb *Sandbox) Reset(ds *DataSet, now time.Time) error {
	keepClients := sb.info.ID != DefaultSandbox
	if err := sb.Update(func(t *Tx) error {
		for _, name := range allBuckets {
			if keepClients && string(name) == string(bucketClients) {
				continue
			}
			if err := t.ns.DeleteBucket(name); err != nil {
				return fmt.Errorf("reset: drop %s: %w", name, err)
			}
		}
		return writeDataSet(t, ds, now, !keepClients)
	}); err != nil {
		return err
	}
	return sb.loadUnits()
}

func (sb *Sandbox) loadUnits() error {
	units := map[string]BusinessUnit{}
	err := sb.View(func(t *Tx) error {
		return t.bucket(bucketBusinessUnit).ForEach(func(k, v []byte) error {
			var bu BusinessUnit
			if err := t.decode(bucketBusinessUnit, v, &bu); err != nil {
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
		return fmt.Errorf("sandbox %s: %w", sb.info.ID, err)
	}
	sb.units.Store(&units)
	return nil
}

func (t *Tx) putInfo(info SandboxInfo) error {
	return t.put(bucketSandboxInfo, keyInfo, info)
}

// Load fills an empty database with ds as its default sandbox, resolving
// relative expiries against now, in one transaction.
func (s *Store) Load(ds *DataSet, now time.Time) error {
	if err := s.db.Update(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketMeta) != nil {
			return errors.New("database already holds a data set")
		}
		meta, err := tx.CreateBucket(bucketMeta)
		if err != nil {
			return err
		}
		if err := meta.Put(keySchema, []byte(SchemaVersion)); err != nil {
			return err
		}
		ns, err := createDefaultSandbox(tx)
		if err != nil {
			return err
		}
		t := &Tx{tx: tx, ns: ns}
		if err := writeDataSet(t, ds, now, true); err != nil {
			return err
		}
		return t.putInfo(SandboxInfo{ID: DefaultSandbox, Name: DefaultSandbox, CreatedAt: now.UTC()})
	}); err != nil {
		return err
	}
	return s.loadSandboxes()
}

// loadSandboxes reads every sandbox's record, clock and business units
// into memory.
func (s *Store) loadSandboxes() error {
	spaces := map[string]*Sandbox{}
	err := s.db.View(func(tx *bolt.Tx) error {
		return forEachSpace(tx, func(id string, ns *bolt.Bucket) error {
			sb, err := s.readSandbox(&Tx{tx: tx, ns: ns})
			if err != nil {
				return fmt.Errorf("sandbox %s: %w", id, err)
			}
			spaces[id] = sb
			return nil
		})
	})
	if err != nil {
		return err
	}
	for _, sb := range spaces {
		if err := sb.loadUnits(); err != nil {
			return err
		}
	}
	s.mu.Lock()
	s.spaces = spaces
	s.mu.Unlock()
	return nil
}

// readSandbox reads the sandbox whose namespace t is in.
func (s *Store) readSandbox(t *Tx) (*Sandbox, error) {
	sb := &Sandbox{store: s, clock: clock.New(s.host)}
	if err := t.get(bucketSandboxInfo, keyInfo, &sb.info); err != nil {
		return nil, err
	}
	if len(sb.info.DataSet) > 0 {
		ds, err := ParseDataSet(sb.info.DataSet)
		if err != nil {
			return nil, err
		}
		sb.dataSet = ds
	}
	// A clock frozen before a restart stays frozen.
	at, frozen, err := t.FrozenClock()
	if err != nil {
		return nil, err
	}
	if frozen {
		sb.clock.Freeze(at)
	}
	return sb, nil
}

// Sandbox returns the sandbox id, if there is one.
func (s *Store) Sandbox(id string) (*Sandbox, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	sb, ok := s.spaces[id]
	return sb, ok
}

// Default returns the default sandbox (see DefaultSandbox).
func (s *Store) Default() *Sandbox {
	sb, _ := s.Sandbox(DefaultSandbox)
	return sb
}

// Sandboxes returns every sandbox, oldest first.
func (s *Store) Sandboxes() []*Sandbox {
	s.mu.RLock()
	out := make([]*Sandbox, 0, len(s.spaces))
	for _, sb := range s.spaces {
		out = append(out, sb)
	}
	s.mu.RUnlock()
	slices.SortFunc(out, func(a, b *Sandbox) int {
		return cmp.Or(a.info.CreatedAt.Compare(b.info.CreatedAt), cmp.Compare(a.info.ID, b.info.ID))
	})
	return out
}

// IssuedClient is a client made for a new sandbox, with its secret in
// plain text: shown once, in the answer that made it, and kept nowhere.
type IssuedClient struct {
	ID            string
	Secret        string
	From          string // the data set's client id
	BusinessUnits []string
	Scopes        []string
}

// NewSandbox is what CreateSandbox needs: a name, the data set to load
// (own, or the server's when Raw is nil) and the most sandboxes there may
// be.
type NewSandbox struct {
	Name    string
	DataSet *DataSet
	Raw     json.RawMessage // the data set as given, for reset; nil: the server's
	Max     int
}

// CreateSandbox makes a sandbox in one transaction: its namespace, its
// record, the data set resolved against the host's now, and the data set's
// clients under new ids, unique on the server, with fresh random secrets.
// It refuses with ErrSandboxLimit when n.Max sandboxes exist.
func (s *Store) CreateSandbox(n NewSandbox) (*Sandbox, []IssuedClient, error) {
	id := "sbx-" + randomHex(6)
	now := s.host().UTC().Truncate(time.Millisecond)
	issued := make([]IssuedClient, len(n.DataSet.Clients))
	ds := *n.DataSet
	ds.Clients = make([]DataClient, len(n.DataSet.Clients))
	for i, c := range n.DataSet.Clients {
		c.ID, c.Secret = id+"-"+c.ID, randomHex(16)
		ds.Clients[i] = c
		issued[i] = IssuedClient{ID: c.ID, Secret: c.Secret, From: n.DataSet.Clients[i].ID,
			BusinessUnits: c.BusinessUnits, Scopes: c.Scopes}
	}
	info := SandboxInfo{ID: id, Name: n.Name, CreatedAt: now}
	if n.Raw != nil {
		// Kept without its clients: theirs are the ones just made.
		own := *n.DataSet
		own.Clients = nil
		raw, err := json.Marshal(own)
		if err != nil {
			return nil, nil, fmt.Errorf("encode data set: %w", err)
		}
		info.DataSet = raw
	}
	err := s.update(func(tx *bolt.Tx) error {
		spaces := tx.Bucket(bucketSandboxes)
		count := 0
		spaces.ForEachBucket(func([]byte) error { count++; return nil })
		if count >= n.Max {
			return Refuse(ErrSandboxLimit)
		}
		ns, err := spaces.CreateBucket([]byte(id))
		if err != nil {
			return fmt.Errorf("create sandbox %s: %w", id, err)
		}
		t := &Tx{tx: tx, ns: ns}
		if err := writeDataSet(t, &ds, now, true); err != nil {
			return err
		}
		return t.putInfo(info)
	})
	if err != nil {
		return nil, nil, err
	}
	sb := &Sandbox{store: s, info: info, clock: clock.New(s.host)}
	if n.Raw != nil {
		own := *n.DataSet
		own.Clients = nil
		sb.dataSet = &own
	}
	if err := sb.loadUnits(); err != nil {
		return nil, nil, err
	}
	s.mu.Lock()
	s.spaces[id] = sb
	s.mu.Unlock()
	return sb, issued, nil
}

// DeleteSandbox removes sandbox id and every record it holds, in one
// durable transaction. The default sandbox is kept (ErrDefaultSandbox); an
// unknown id is ErrNotFound.
func (s *Store) DeleteSandbox(id string) error {
	if id == DefaultSandbox {
		return ErrDefaultSandbox
	}
	err := s.update(func(tx *bolt.Tx) error {
		spaces := tx.Bucket(bucketSandboxes)
		if spaces.Bucket([]byte(id)) == nil {
			return Refuse(ErrNotFound)
		}
		return spaces.DeleteBucket([]byte(id))
	})
	if err != nil {
		return err
	}
	s.mu.Lock()
	delete(s.spaces, id)
	s.mu.Unlock()
	return nil
}

// randomHex returns n random bytes as hex.
func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}

type ctxKey struct{}

// WithSandbox returns ctx carrying sb, the sandbox a request's credentials
// chose.
func WithSandbox(ctx context.Context, sb *Sandbox) context.Context {
	return context.WithValue(ctx, ctxKey{}, sb)
}

// From returns the sandbox ctx carries (nil when none: a route without
// credentials).
func From(ctx context.Context) *Sandbox {
	sb, _ := ctx.Value(ctxKey{}).(*Sandbox)
	return sb
}
