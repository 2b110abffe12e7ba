package auth

import (
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"prepay/tmf"
)

// Guessing secrets is bounded: after maxFailures wrong secrets for one
// client_id from one remote address within failureWindow, that pair is
// refused for lockoutPeriod, whatever secret it sends. Other addresses are
// not locked out by it, so a guesser cannot lock a real client out of its
// own machine.
const (
	maxFailures   = 10
	failureWindow = time.Minute
	lockoutPeriod = time.Minute
	// maxTracked bounds the pairs remembered at once: a flood of made-up
	// client ids cannot grow the table without limit.
	maxTracked = 100_000
)

// pair is who guesses: a client_id and the address it comes from.
type pair struct{ clientID, addr string }

// failures counts one pair's wrong secrets in the current window.
type failures struct {
	first       time.Time // start of the window
	count       int
	lockedUntil time.Time
}

// lockout remembers the failures of every pair, on the host's clock.
type lockout struct {
	// mu is read-locked on every request's path (locked, succeed) and
	// locked for writing only when a pair fails or is forgiven.
	mu    sync.RWMutex
	pairs map[pair]*failures
}

// remoteAddr is the request's address without its port: one machine, not
// one connection.
func remoteAddr(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

// locked returns the 429 for p when it is locked out at now, with
// Retry-After set to the whole seconds left.
func (l *lockout) locked(w http.ResponseWriter, p pair, now time.Time) error {
	l.mu.RLock()
	var left time.Duration
	if f := l.pairs[p]; f != nil {
		left = f.lockedUntil.Sub(now)
	}
	l.mu.RUnlock()
	if left <= 0 {
		return nil
	}
	secs := int((left + time.Second - 1) / time.Second)
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	return tmf.Fail(tmf.CodeTooManyFailures, "client_id %q sent %d wrong secrets from this address within a minute; retry after %d s",
		p.clientID, maxFailures, secs)
}

// fail counts a wrong secret (or an unknown client_id) for p at now.
func (l *lockout) fail(p pair, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f := l.pairs[p]
	if f == nil || now.Sub(f.first) >= failureWindow {
		if f == nil && len(l.pairs) >= maxTracked {
			l.sweep(now)
		}
		f = &failures{first: now}
		l.pairs[p] = f
	}
	f.count++
	if f.count >= maxFailures {
		f.lockedUntil = now.Add(lockoutPeriod)
	}
}

// succeed clears p's count: a right secret before the lockout forgives the
// wrong ones.
func (l *lockout) succeed(p pair) {
	l.mu.RLock()
	_, counted := l.pairs[p]
	l.mu.RUnlock()
	if counted {
		l.mu.Lock()
		delete(l.pairs, p)
		l.mu.Unlock()
	}
}

// sweep forgets the pairs whose window and lockout are over; when none is,
// it forgets one at random, so the table stays within maxTracked.
func (l *lockout) sweep(now time.Time) {
	for p, f := range l.pairs {
		if now.Sub(f.first) >= failureWindow && !now.Before(f.lockedUntil) {
			delete(l.pairs, p)
		}
	}
	for p := range l.pairs {
		if len(l.pairs) < maxTracked {
			break
		}
		delete(l.pairs, p)
	}
}
