package storage

import (
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// maxBatch bounds how many writes share one transaction, so that one commit
// cannot grow without limit under a flood.
const maxBatch = 256

// write is one caller's transaction function waiting for its commit.
type write struct {
	fn   func(*bolt.Tx) error
	done chan error
	// refused is the answer fn gave instead of writing, held back until
	// the batch has committed.
	refused error
}

// refusal wraps the answer a transaction function gives when it declines
// to write: see Refuse.
type refusal struct{ err error }

func (r *refusal) Error() string { return r.err.Error() }
func (r *refusal) Unwrap() error { return r.err }

// Refuse is how a transaction function declines a request: it returns
// Refuse(answer) before it has written anything. A refusal is not a
// failure: the shared transaction is neither rolled back nor run again for
// it, and Update returns answer to its caller only once the batch it was
// decided in has committed, so an answer that depends on a neighbour's
// write (a voucher redeemed a moment ago) is never given for a write that
// could still be undone. Errors other than refusals mean storage failed.
func Refuse(answer error) error { return &refusal{err: answer} }

// update runs fn in a read-write transaction and returns once the
// transaction is durable on disk (or has failed). Calls that arrive while a
// commit is in progress share the next one, so concurrent writers pay for
// one fsync together; a lone writer is committed at once, with no timer.
//
// fn may be run more than once (when a neighbour in its transaction fails),
// so it must have no effect outside the transaction other than setting its
// own results. An error from fn undoes fn's writes and only fn's; a
// refusal (Refuse) must come before fn writes anything.
func (s *Store) update(fn func(*bolt.Tx) error) (err error) {
	if s.closed.Load() {
		return ErrClosed
	}
	w := &write{fn: fn, done: make(chan error, 1)}
	defer func() {
		// Close may have closed the queue between the check and the send.
		if recover() != nil {
			err = ErrClosed
		}
	}()
	s.writes <- w
	return <-w.done
}

// writer is the single goroutine that owns write transactions. It takes
// every write waiting in the queue, runs them in one transaction, commits,
// and starts again with whatever queued up during the commit.
func (s *Store) writer() {
	defer close(s.done)
	batch := make([]*write, 0, maxBatch)
	for w := range s.writes {
		batch = append(batch[:0], w)
	fill:
		for len(batch) < maxBatch {
			select {
			case w, ok := <-s.writes:
				if !ok {
					break fill
				}
				batch = append(batch, w)
			default:
				break fill
			}
		}
		s.commit(batch)
	}
}

// commit runs batch in one transaction. When one function fails, the whole
// transaction is rolled back, that function gets its error, and the rest
// are run again without it: bbolt has no savepoints, and this way a failure
// leaves no trace while its neighbours still commit together. Refusals are
// not failures: they cost no rerun.
func (s *Store) commit(batch []*write) {
	for len(batch) > 0 {
		failed, failErr := -1, error(nil)
		err := s.db.Update(func(tx *bolt.Tx) error {
			for i, w := range batch {
				w.refused = nil
				err := run(w.fn, tx)
				var r *refusal
				switch {
				case err == nil:
				case errors.As(err, &r):
					w.refused = r.err
				default:
					failed, failErr = i, err
					return err
				}
			}
			return nil
		})
		if failed >= 0 {
			batch[failed].done <- failErr
			batch = append(batch[:failed], batch[failed+1:]...)
			continue
		}
		for _, w := range batch {
			if err == nil && w.refused != nil {
				w.done <- w.refused
				continue
			}
			w.done <- err
		}
		return
	}
}

// run calls fn, turning a panic into an error so that the writer goroutine
// survives and the caller's request is answered.
func run(fn func(*bolt.Tx) error, tx *bolt.Tx) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("panic in write transaction: %v", v)
		}
	}()
	return fn(tx)
}
