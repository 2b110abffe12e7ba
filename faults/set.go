package faults

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
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

// Set is the faults: kept in the database, served from memory. It is safe
// for concurrent use.
type Set struct {
	store *storage.Store
	opts  Options

	// active is what requests read. It is replaced whole, never changed in
	// place, so a request reads it with one atomic load and no lock.
	active atomic.Pointer[snapshot]
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

// New returns the faults kept in store.
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
	s := &Set{store: store, opts: opts}
	var all []storage.Fault
	err := store.View(func(tx *storage.Tx) (err error) {
		all, err = tx.Faults()
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("load faults: %w", err)
	}
	s.publish(all)
	return s, nil
}

// Reload reads the faults again from the database: after a reset, none.
func (s *Set) Reload() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var all []storage.Fault
	if err := s.store.View(func(tx *storage.Tx) (err error) {
		all, err = tx.Faults()
		return err
	}); err != nil {
		return fmt.Errorf("load faults: %w", err)
	}
	s.publish(all)
	return nil
}

// publish makes all, in name order, the faults requests see.
func (s *Set) publish(all []storage.Fault) {
	snap := &snapshot{all: all, byRoute: map[string][]storage.Fault{}}
	for _, f := range all {
		snap.byRoute[f.Route] = append(snap.byRoute[f.Route], f)
	}
	s.active.Store(snap)
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
