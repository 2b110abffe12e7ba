package faults

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"prepay/storage"
)

// Options tune a Set. MaxLatency is required; a nil Draw or Wait is the
// production one.
type Options struct {
	// MaxLatency bounds a fault's latencyMs: under the server's write
	// timeout, so that the late answer still reaches the client.
	MaxLatency time.Duration
	// Draw returns a number from 0 to 99 for each draw a percent needs.
	// The default is math/rand/v2's generator, safe for concurrent use;
	// tests give a seeded one.
	Draw func() int
	// Wait pauses for d and reports true, or returns false as soon as ctx
	// ends. The default is a timer; tests give one that does not wait.
	Wait func(ctx context.Context, d time.Duration) bool
}

// Set is every sandbox's faults: kept in each sandbox's records, served
// from memory. A fault strikes only requests of the sandbox it was set in.
// It is safe for concurrent use.
type Set struct {
	opts Options

	// active is what requests read: sandbox id → *atomic.Pointer[snapshot].
	// A snapshot is replaced whole, never changed in place, so a request
	// reads it with one map load, one atomic load and no lock.
	active sync.Map
	// mu serialises the writes and reloads: each publishes what it read
	// from the database while holding it, so the snapshot published last
	// is never older than the database's last state.
	mu sync.Mutex
}

// snapshot is the faults at one moment.
type snapshot struct {
	all     []storage.Fault            // name order, for the list
	byRoute map[string][]storage.Fault // route → its faults, name order
}

// New returns the faults of every sandbox of store.
func New(store *storage.Store, opts Options) (*Set, error) {
	if opts.MaxLatency <= 0 {
		return nil, errors.New("faults: MaxLatency must be positive")
	}
	if opts.Draw == nil {
		opts.Draw = func() int { return rand.IntN(100) }
	}
	if opts.Wait == nil {
		opts.Wait = wait
	}
	s := &Set{opts: opts}
	for _, sb := range store.Sandboxes() {
		if err := s.Reload(sb); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Reload reads sb's faults again from the database: after a reset, none.
func (s *Set) Reload(sb *storage.Sandbox) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var all []storage.Fault
	if err := sb.View(func(tx *storage.Tx) (err error) {
		all, err = tx.Faults()
		return err
	}); err != nil {
		return fmt.Errorf("load faults of sandbox %s: %w", sb.ID(), err)
	}
	s.publish(sb.ID(), all)
	return nil
}

// Forget drops a deleted sandbox's faults.
func (s *Set) Forget(id string) { s.active.Delete(id) }

// publish makes all, in name order, the faults requests of sandbox id see.
func (s *Set) publish(id string, all []storage.Fault) {
	snap := &snapshot{all: all, byRoute: map[string][]storage.Fault{}}
	for _, f := range all {
		snap.byRoute[f.Route] = append(snap.byRoute[f.Route], f)
	}
	p, _ := s.active.LoadOrStore(id, new(atomic.Pointer[snapshot]))
	p.(*atomic.Pointer[snapshot]).Store(snap)
}

// current returns the faults of the request's sandbox: none for a sandbox
// made after the set was built until its first fault is set.
func (s *Set) current(r *http.Request) *snapshot {
	if sb := storage.From(r.Context()); sb != nil {
		if p, ok := s.active.Load(sb.ID()); ok {
			if snap := p.(*atomic.Pointer[snapshot]).Load(); snap != nil {
				return snap
			}
		}
	}
	return &snapshot{}
}

// wait pauses for d, or less if ctx ends first.
func wait(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
