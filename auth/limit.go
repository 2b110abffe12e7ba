package auth

import (
	"net/http"
	"strconv"
	"time"

	"prepay/storage"
	"prepay/tmf"
)

// limiter is a generic cell rate algorithm for one client: it allows a
// burst of rate requests, refilled at rate per second, with integer time
// arithmetic only.
type limiter struct {
	rate     int
	emission time.Duration // time one request "costs"
	tat      time.Time     // theoretical arrival time of the next request
}

// limit charges one request to c's limiter, sets the X-RateLimit headers,
// and returns a 429 when c is over its rate.
func (g *Guard) limit(w http.ResponseWriter, c storage.Client) error {
	if c.RatePerSecond <= 0 {
		return nil
	}
	now := g.now()
	g.mu.Lock()
	l := g.limiters[c.ID]
	if l == nil {
		l = &limiter{rate: c.RatePerSecond, emission: time.Second / time.Duration(c.RatePerSecond)}
		g.limiters[c.ID] = l
	}
	allowed, remaining, wait := l.take(now)
	g.mu.Unlock()

	h := w.Header()
	h.Set("X-RateLimit-Limit", strconv.Itoa(c.RatePerSecond))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
	if allowed {
		return nil
	}
	secs := int((wait + time.Second - 1) / time.Second)
	h.Set("Retry-After", strconv.Itoa(secs))
	return tmf.Fail(tmf.CodeRateLimited, "client_id %q is limited to %d requests per second; retry after %d s", c.ID, c.RatePerSecond, secs)
}

// take reports whether a request at now is allowed, how many more would be
// allowed right after it, and, when refused, how long until one is.
func (l *limiter) take(now time.Time) (allowed bool, remaining int, wait time.Duration) {
	tolerance := l.emission * time.Duration(l.rate-1)
	tat := l.tat
	if tat.Before(now) {
		tat = now
	}
	if ahead := tat.Sub(now); ahead > tolerance {
		return false, 0, ahead - tolerance
	}
	l.tat = tat.Add(l.emission)
	return true, int((tolerance + l.emission - l.tat.Sub(now)) / l.emission), 0
}
