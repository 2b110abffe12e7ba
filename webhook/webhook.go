// Package webhook delivers the events in every sandbox's outbox to the
// hub's subscriptions: one goroutine per subscription, so a slow or dead
// receiver holds up only its own events; at least once, in commit order
// per subscription, signed, retried with exponential backoff on host time
// and given up after a bound, each attempt recorded. It never runs on a
// request's path and holds no transaction across a network call. It
// imports storage.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"prepay/storage"
)

// Options are the dispatcher's bounds. Zero fields take the defaults of
// §10; tests shorten them.
type Options struct {
	Backoff    time.Duration // the first retry's wait (1 s), doubling
	MaxBackoff time.Duration // the longest wait between attempts (1 h)
	GiveUp     time.Duration // how long an event is retried (24 h)
	Timeout    time.Duration // one attempt, connection to answer (5 s)
	Logger     *slog.Logger
	Now        func() time.Time // the host's clock
}

// Defaults of §10.
const (
	DefaultBackoff    = time.Second
	DefaultMaxBackoff = time.Hour
	DefaultGiveUp     = 24 * time.Hour
	DefaultTimeout    = 5 * time.Second

	// maxAnswer is how much of a receiver's answer is read.
	maxAnswer = 64 << 10
	// scanBatch bounds the events one look for a subscription's next
	// event decodes; past it, the subscription's place is moved on.
	scanBatch = 1000
	// resync is how often the dispatcher looks for subscriptions gone
	// with their sandbox (deleted or reset), which wake no one.
	resync = time.Second
	// retryStorage is the wait after a storage failure.
	retryStorage = time.Second
)

// SignatureHeader carries the signature of a delivery.
const SignatureHeader = "X-Prepay-Signature"

// Sign returns the X-Prepay-Signature value of body sent at t with secret:
// t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac.Sum(nil))
}

// Dispatcher delivers events; Run drives it.
type Dispatcher struct {
	store  *storage.Store
	opts   Options
	client *http.Client
	log    *slog.Logger
}

// New returns a dispatcher of store's events.
func New(store *storage.Store, opts Options) *Dispatcher {
	if opts.Backoff <= 0 {
		opts.Backoff = DefaultBackoff
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = DefaultMaxBackoff
	}
	if opts.GiveUp <= 0 {
		opts.GiveUp = DefaultGiveUp
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	transport := &http.Transport{
		Proxy:                 nil, // a receiver is reached directly
		DialContext:           (&net.Dialer{Timeout: opts.Timeout}).DialContext,
		TLSHandshakeTimeout:   opts.Timeout,
		ResponseHeaderTimeout: opts.Timeout,
		MaxIdleConnsPerHost:   2,
		IdleConnTimeout:       90 * time.Second,
	}
	client := &http.Client{
		Transport: transport,
		Timeout:   opts.Timeout,
		// A redirect is an answer, not a delivery: it is not followed.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return &Dispatcher{store: store, opts: opts, client: client, log: opts.Logger}
}

// worker is one subscription's goroutine.
type worker struct {
	stop context.CancelFunc
	done chan struct{}
}

type subKey struct{ sandbox, id string }

// Run delivers until ctx is cancelled, then stops every worker and returns
// once they have stopped. An attempt cut off by the stop is not recorded:
// its event is delivered again after a restart.
func (d *Dispatcher) Run(ctx context.Context) {
	workers := map[subKey]worker{}
	defer func() {
		for _, w := range workers {
			w.stop()
		}
		for _, w := range workers {
			<-w.done
		}
		d.client.CloseIdleConnections()
	}()
	tick := time.NewTicker(resync)
	defer tick.Stop()
	for {
		changed := d.store.SubscriptionsChanged()
		d.sync(ctx, workers)
		select {
		case <-ctx.Done():
			return
		case <-changed:
		case <-tick.C:
		}
	}
}

// sync starts a worker for each subscription that has none and stops the
// workers of subscriptions that are gone.
func (d *Dispatcher) sync(ctx context.Context, workers map[subKey]worker) {
	live := map[subKey]*storage.Sandbox{}
	for _, sb := range d.store.Sandboxes() {
		var ids []string
		if err := sb.View(func(tx *storage.Tx) (err error) {
			ids, err = tx.SubscriptionIDs()
			return err
		}); err != nil {
			continue // deleted meanwhile, or read again at the next sync
		}
		for _, id := range ids {
			live[subKey{sb.ID(), id}] = sb
		}
	}
	for k, w := range workers {
		select {
		case <-w.done:
			delete(workers, k)
			continue
		default:
		}
		if live[k] == nil {
			w.stop()
			<-w.done
			delete(workers, k)
		}
	}
	for k, sb := range live {
		if _, ok := workers[k]; ok {
			continue
		}
		wctx, stop := context.WithCancel(ctx)
		w := worker{stop: stop, done: make(chan struct{})}
		workers[k] = w
		go func() {
			defer close(w.done)
			d.work(wctx, sb, k.id)
		}()
	}
}

// errGone says a subscription, or its sandbox, is no more.
var errGone = errors.New("subscription gone")

// work delivers subscription id's events, one at a time, until ctx is
// cancelled or the subscription is gone.
func (d *Dispatcher) work(ctx context.Context, sb *storage.Sandbox, id string) {
	for ctx.Err() == nil {
		added := d.store.EventsAdded()
		sub, ev, found, err := d.next(sb, id)
		switch {
		case errors.Is(err, errGone):
			return
		case err != nil:
			d.log.Warn("webhook: read outbox", "sandbox", sb.ID(), "subscription", id, "err", err.Error())
			if !sleep(ctx, retryStorage) {
				return
			}
			continue
		case !found:
			select {
			case <-ctx.Done():
				return
			case <-added:
			}
			continue
		}
		if p := sub.Pending; p != nil && p.Seq == ev.Seq {
			if wait := p.Next.Sub(d.opts.Now()); wait > 0 && !sleep(ctx, wait) {
				return
			}
		}
		a, ok := d.deliver(ctx, sub, ev)
		if ctx.Err() != nil {
			return // stopped mid-attempt: not the receiver's doing
		}
		if err := d.record(sb, id, ev.Seq, a, d.opts.Now(), ok); errors.Is(err, errGone) {
			return
		} else if err != nil {
			d.log.Warn("webhook: record attempt", "sandbox", sb.ID(), "subscription", id, "err", err.Error())
			if !sleep(ctx, retryStorage) {
				return
			}
		}
	}
}

// next reads subscription id and the next event it selects. When the
// events it scanned selected none, it moves the subscription's place past
// them, so that the next look starts there.
func (d *Dispatcher) next(sb *storage.Sandbox, id string) (sub storage.Subscription, ev storage.Event, found bool, err error) {
	var scanned uint64
	err = sb.View(func(tx *storage.Tx) error {
		if sub, err = tx.Subscription(id); err != nil {
			return err
		}
		evs, last, err := tx.Events(sub.BusinessID, sub.After, 1, scanBatch, sub.Matches)
		if len(evs) > 0 {
			ev, found = evs[0], true
		}
		scanned = last
		return err
	})
	if errors.Is(err, storage.ErrNotFound) || (err != nil && !d.alive(sb)) {
		return sub, ev, false, errGone
	}
	if err != nil || found || scanned == sub.After {
		return sub, ev, found, err
	}
	err = sb.Update(func(tx *storage.Tx) error {
		s, err := tx.Subscription(id)
		if errors.Is(err, storage.ErrNotFound) {
			return storage.Refuse(errGone)
		}
		if err != nil || s.After >= scanned {
			return err
		}
		s.After = scanned
		return tx.PutSubscription(s)
	})
	return sub, ev, false, err
}

// alive reports whether sb is still one of the store's sandboxes.
func (d *Dispatcher) alive(sb *storage.Sandbox) bool {
	cur, ok := d.store.Sandbox(sb.ID())
	return ok && cur == sb
}

// deliver posts ev to sub's callback once: no transaction is held.
func (d *Dispatcher) deliver(ctx context.Context, sub storage.Subscription, ev storage.Event) (storage.Attempt, bool) {
	at := d.opts.Now()
	a := storage.Attempt{EventID: ev.ID(), At: at.UTC()}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, sub.Callback, bytes.NewReader(ev.Envelope))
	if err != nil {
		a.Error = "callback is not a URL that can be posted to"
		return a, false
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "prepay-webhook/1")
	req.Header.Set("X-Prepay-Event-Id", ev.ID())
	req.Header.Set(SignatureHeader, Sign(sub.Secret, at, ev.Envelope))
	resp, err := d.client.Do(req)
	a.LatencyMs = time.Since(at).Milliseconds()
	if err != nil {
		a.Error = describe(err)
		return a, false
	}
	_, rerr := io.Copy(io.Discard, io.LimitReader(resp.Body, maxAnswer))
	resp.Body.Close()
	a.LatencyMs = time.Since(at).Milliseconds()
	status := resp.StatusCode
	a.Status = &status
	switch {
	case status < 200 || status > 299:
		a.Error = fmt.Sprintf("answered %d", status)
		return a, false
	case rerr != nil:
		a.Error = "answer cut off: " + describe(rerr)
		return a, false
	}
	return a, true
}

// describe says why an attempt failed, without the URL (the subscription
// shows it) or Go's wording of it.
func describe(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var ne net.Error
	var oe *net.OpError
	switch {
	case errors.As(err, &ne) && ne.Timeout(), errors.Is(err, context.DeadlineExceeded):
		return "timed out"
	case errors.As(err, &oe) && oe.Op == "dial":
		return "connection refused or unreachable"
	}
	return "connection failed"
}

// record stores attempt a of event seq, which ended at end, and moves the
// subscription on: past the event when it was delivered or has been tried
// for GiveUp, else to a retry the backoff after end.
func (d *Dispatcher) record(sb *storage.Sandbox, id string, seq uint64, a storage.Attempt, end time.Time, ok bool) error {
	err := sb.Update(func(tx *storage.Tx) error {
		s, err := tx.Subscription(id)
		if errors.Is(err, storage.ErrNotFound) {
			return storage.Refuse(errGone)
		}
		if err != nil {
			return err
		}
		if s.After >= seq {
			return nil
		}
		a := a // fn may run more than once: work on a copy
		first := a.At
		a.Attempt = 1
		if p := s.Pending; p != nil && p.Seq == seq {
			a.Attempt, first = p.Attempts+1, p.First
		}
		switch {
		case ok:
			s.After, s.Pending = seq, nil
			s.Delivered++
		case end.Sub(first) >= d.opts.GiveUp:
			s.After, s.Pending = seq, nil
			s.GivenUp++
			a.Error += fmt.Sprintf("; given up after %d attempts over %s", a.Attempt, d.opts.GiveUp)
		default:
			next := end.Add(d.backoff(a.Attempt)).UTC()
			a.NextAt = &next
			s.Pending = &storage.Pending{Seq: seq, Attempts: a.Attempt, First: first, Next: next}
		}
		if err := tx.AddAttempt(id, a); err != nil {
			return err
		}
		return tx.PutSubscription(s)
	})
	if err != nil && !errors.Is(err, errGone) && !d.alive(sb) {
		return errGone
	}
	return err
}

// backoff is the wait after failed attempt n (1, 2…): Backoff doubled n-1
// times, at most MaxBackoff.
func (d *Dispatcher) backoff(n int) time.Duration {
	w := d.opts.Backoff
	for i := 1; i < n && w < d.opts.MaxBackoff; i++ {
		w *= 2
	}
	return min(w, d.opts.MaxBackoff)
}

// sleep waits for d or ctx, whichever is first, and reports whether it was
// d.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
