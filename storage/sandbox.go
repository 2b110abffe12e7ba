package storage

import (
	"bytes"
	"fmt"
	"time"
)

// ResolveExpiry reads an expiry as data sets and the sandbox API accept it:
// "+30d" is midnight in loc thirty days after now; anything else must be an
// RFC 3339 time.
func ResolveExpiry(s string, now time.Time, loc *time.Location) (time.Time, error) {
	return resolveExpiry(s, now, loc)
}

// Subscribers returns every subscriber of business unit bu, in service
// number order.
func (t *Tx) Subscribers(bu string) ([]Subscriber, error) {
	prefix := append(key(bu), sep)
	c := t.bucket(bucketSubscribers).Cursor()
	var out []Subscriber
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		var s Subscriber
		if err := t.decode(bucketSubscribers, v, &s); err != nil {
			return nil, fmt.Errorf("decode subscriber %q: %w", k, err)
		}
		out = append(out, s)
	}
	return out, nil
}
