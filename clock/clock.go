// Package clock is the one source of "now" in prepay. It reads the system
// clock until the sandbox freezes it, so expiry, validity and confirmation
// dates all follow one setting; Host gives the host's time for what must
// never follow the sandbox (idempotency retention). It imports nothing of
// prepay.
package clock

import (
	"sync"
	"sync/atomic"
	"time"
)

// Clock says what time it is. The zero value is not usable; use New or Fixed.
type Clock struct {
	system func() time.Time
	frozen atomic.Pointer[time.Time]
	// changing orders Change calls: the setting saved last is the one held.
	changing sync.Mutex
}

// New returns a clock that follows system until it is frozen.
func New(system func() time.Time) *Clock {
	return &Clock{system: system}
}

// System returns a clock that follows the host's time.
func System() *Clock { return New(time.Now) }

// Fixed returns a clock frozen at t, for tests.
func Fixed(t time.Time) *Clock {
	c := System()
	c.Freeze(t)
	return c
}

// Now returns the current time in UTC: the frozen time, if any.
func (c *Clock) Now() time.Time {
	if t := c.frozen.Load(); t != nil {
		return *t
	}
	return c.system().UTC()
}

// Host returns the host's time in UTC, frozen or not: the time of things
// no sandbox setting may move, such as how long a retry is remembered.
func (c *Clock) Host() time.Time { return c.system().UTC() }

// Change freezes the clock at *at, or thaws it when at is nil, once save
// has recorded the change (in the database, so that a restart finds it).
// When save fails the clock stays as it was.
func (c *Clock) Change(at *time.Time, save func() error) error {
	c.changing.Lock()
	defer c.changing.Unlock()
	if err := save(); err != nil {
		return err
	}
	if at == nil {
		c.Thaw()
	} else {
		c.Freeze(*at)
	}
	return nil
}

// Freeze stops the clock at t until Thaw.
func (c *Clock) Freeze(t time.Time) {
	t = t.UTC()
	c.frozen.Store(&t)
}

// Thaw returns the clock to the system's time.
func (c *Clock) Thaw() { c.frozen.Store(nil) }

// Frozen reports the time the clock is frozen at, if it is.
func (c *Clock) Frozen() (time.Time, bool) {
	if t := c.frozen.Load(); t != nil {
		return *t, true
	}
	return time.Time{}, false
}

// Hold runs fn with the clock's setting held: no Change runs meanwhile, so
// fn may read the time, work from it and Freeze the clock without another
// setting coming between.
func (c *Clock) Hold(fn func() error) error {
	c.changing.Lock()
	defer c.changing.Unlock()
	return fn()
}
