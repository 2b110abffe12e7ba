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
	// readAhead is how many events a worker reads at a time.
	readAhead = 64
	// flushEvery and flushMax bound what a worker holds unsaved: how long,
	// how many attempts (see progress).
	flushEvery = 100 * time.Millisecond
	flushMax   = 256
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

// progress is one subscription's delivery as its worker knows it: the
// subscription with how far delivery has gone, the events read ahead, and
// the attempts not yet saved. Saving costs a write, which shares the one
// writer (and its fsync) with every request, so a worker saves at most
// every flushEvery or flushMax attempts, when it stops, and before a wait
// that outlasts flushEvery. A crash loses at most what was learnt since the
// last save: those events are delivered again after the restart (at least
// once), and a failed event's backoff starts again.
type progress struct {
	sb      *storage.Sandbox
	sub     storage.Subscription
	queue   []storage.Event // after sub.After, selected by it, in commit order
	unsaved []storage.Attempt
	dirty   bool      // sub or unsaved differ from what is stored
	saved   time.Time // host time of the last save
}

// work delivers subscription id's events, one at a time, until ctx is
// cancelled or the subscription is gone.
func (d *Dispatcher) work(ctx context.Context, sb *storage.Sandbox, id string) {
	p := &progress{sb: sb, saved: time.Now()}
	for {
		err := sb.View(func(tx *storage.Tx) (err error) {
			p.sub, err = tx.Subscription(id)
			return err
		})
		if err == nil {
			break
		}
		if errors.Is(err, storage.ErrNotFound) || !d.alive(sb) {
			return
		}
		d.log.Warn("webhook: read subscription", "sandbox", sb.ID(), "subscription", id, "err", err.Error())
		if !sleep(ctx, retryStorage) {
			return
		}
	}
	defer func() {
		// What was learnt is saved at a stop; not after the subscription
		// is gone.
		if p.dirty && ctx.Err() != nil {
			d.save(p)
		}
	}()
	for ctx.Err() == nil {
		if p.dirty && (len(p.unsaved) >= flushMax || time.Since(p.saved) >= flushEvery) {
			if errors.Is(d.save(p), errGone) {
				return
			}
		}
		if len(p.queue) == 0 {
			added := d.store.EventsAdded()
			switch err := d.read(p); {
			case errors.Is(err, errGone):
				return
			case err != nil:
				d.log.Warn("webhook: read outbox", "sandbox", sb.ID(), "subscription", id, "err", err.Error())
				if !d.pause(ctx, p, nil, retryStorage) {
					return
				}
				continue
			case len(p.queue) == 0:
				if !d.pause(ctx, p, added, -1) {
					return
				}
				continue
			}
		}
		ev := p.queue[0]
		if pd := p.sub.Pending; pd != nil && pd.Seq == ev.Seq {
			if wait := pd.Next.Sub(d.opts.Now()); wait > 0 && !d.pause(ctx, p, nil, wait) {
				return
			}
		}
		a, ok := d.deliver(ctx, p.sub, ev)
		if ctx.Err() != nil {
			return // stopped mid-attempt: not the receiver's doing
		}
		p.unsaved = append(p.unsaved, d.outcome(&p.sub, ev.Seq, a, d.opts.Now(), ok))
		p.dirty = true
		if p.sub.Pending == nil {
			p.queue = p.queue[1:]
		}
	}
}

// pause waits for ctx, wake or wait (negative: no bound), whichever is
// first, and reports whether it was not ctx. Meanwhile it saves p once
// what it holds is flushEvery old.
func (d *Dispatcher) pause(ctx context.Context, p *progress, wake <-chan struct{}, wait time.Duration) bool {
	var until <-chan time.Time
	if wait >= 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		until = t.C
	}
	for {
		var flush <-chan time.Time
		if p.dirty {
			t := time.NewTimer(flushEvery - time.Since(p.saved))
			defer t.Stop()
			flush = t.C
		}
		select {
		case <-ctx.Done():
			return false
		case <-wake:
			return true
		case <-until:
			return true
		case <-flush:
			if errors.Is(d.save(p), errGone) {
				return false
			}
		}
	}
}

// read fills p's queue with the next events p's subscription selects.
// When the events it scanned selected none, it moves the subscription's
// place past them, so that the next look starts there.
func (d *Dispatcher) read(p *progress) error {
	var scanned uint64
	err := p.sb.View(func(tx *storage.Tx) (err error) {
		if _, err := tx.Subscription(p.sub.ID); err != nil {
			return err
		}
		p.queue, scanned, err = tx.Events(p.sub.BusinessID, p.sub.After, readAhead, scanBatch, p.sub.Matches)
		return err
	})
	if errors.Is(err, storage.ErrNotFound) || (err != nil && !d.alive(p.sb)) {
		return errGone
	}
	if err == nil && len(p.queue) == 0 && scanned > p.sub.After {
		p.sub.After = scanned
		p.dirty = true
	}
	return err
}

// save stores how far p's delivery has gone and its unsaved attempts, in
// one write. A storage failure is logged and tried again at the next
// save.
func (d *Dispatcher) save(p *progress) error {
	err := p.sb.Update(func(tx *storage.Tx) error {
		s, err := tx.Subscription(p.sub.ID)
		if errors.Is(err, storage.ErrNotFound) {
			return storage.Refuse(errGone)
		}
		if err != nil {
			return err
		}
		// Only this worker moves a subscription on.
		s.After, s.Pending, s.Delivered, s.GivenUp = p.sub.After, p.sub.Pending, p.sub.Delivered, p.sub.GivenUp
		if err := tx.AddAttempts(s.ID, p.unsaved); err != nil {
			return err
		}
		return tx.PutSubscription(s)
	})
	p.saved = time.Now()
	switch {
	case err == nil:
		p.unsaved, p.dirty = p.unsaved[:0], false
	case errors.Is(err, errGone) || !d.alive(p.sb):
		return errGone
	default:
		d.log.Warn("webhook: save delivery state", "sandbox", p.sb.ID(), "subscription", p.sub.ID, "err", err.Error())
	}
	return err
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

// outcome applies attempt a of event seq, which ended at end, to sub and
// returns it numbered: sub moves past the event when it was delivered or
// has been tried for GiveUp, else to a retry the backoff after end.
func (d *Dispatcher) outcome(sub *storage.Subscription, seq uint64, a storage.Attempt, end time.Time, ok bool) storage.Attempt {
	first := a.At
	a.Attempt = 1
	if p := sub.Pending; p != nil && p.Seq == seq {
		a.Attempt, first = p.Attempts+1, p.First
	}
	switch {
	case ok:
		sub.After, sub.Pending = seq, nil
		sub.Delivered++
	case end.Sub(first) >= d.opts.GiveUp:
		sub.After, sub.Pending = seq, nil
		sub.GivenUp++
		a.Error += fmt.Sprintf("; given up after %d attempts over %s", a.Attempt, d.opts.GiveUp)
	default:
		next := end.Add(d.backoff(a.Attempt)).UTC()
		a.NextAt = &next
		sub.Pending = &storage.Pending{Seq: seq, Attempts: a.Attempt, First: first, Next: next}
	}
	return a
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
