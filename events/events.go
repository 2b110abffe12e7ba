// Package events serves what leaves a sandbox as events (§10): the TMF654
// hub (POST, GET and DELETE of subscriptions), the feed of committed
// events with its long poll, and each subscription's delivery attempts.
// The events themselves are written by the writers, through the ledger,
// into storage's outbox; delivering them is package webhook's. It imports
// auth, ledger, storage and tmf.
package events

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"prepay/auth"
	"prepay/ledger"
	"prepay/storage"
	"prepay/tmf"
)

// Bounds of the hub and the feed.
const (
	maxCallback  = 2048
	maxQuery     = 1024
	defaultLimit = 100
	maxLimit     = 1000
	maxWait      = 30 * time.Second
)

// HubScopes are the scopes that may reach the hub; which one a request
// needs depends on the events it asks for (see needs).
var HubScopes = []string{storage.ScopeAdmin, storage.ScopeTopup, storage.ScopeAdjust, storage.ScopeTransfer, storage.ScopeReserve}

// scopeOf is the write scope of each kind's events; the bucket events
// need sandbox:admin.
var scopeOf = map[string]string{
	storage.ActionTopup:    storage.ScopeTopup,
	storage.ActionAdjust:   storage.ScopeAdjust,
	storage.ActionTransfer: storage.ScopeTransfer,
	storage.ActionReserve:  storage.ScopeReserve,
}

// needs returns the scopes a subscription to types (empty: every type)
// needs, short of sandbox:admin, which may ask for any.
func needs(types []string) []string {
	if len(types) == 0 {
		types = ledger.EventTypes
	}
	var out []string
	for _, t := range types {
		s := storage.ScopeAdmin
		for kind, scope := range scopeOf {
			if strings.HasPrefix(t, kind) {
				s = scope
			}
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return out
}

// allowed reports whether c may subscribe to (or see, or delete) a
// subscription to types.
func allowed(c storage.Client, types []string) error {
	if slices.Contains(c.Scopes, storage.ScopeAdmin) {
		return nil
	}
	for _, s := range needs(types) {
		if !slices.Contains(c.Scopes, s) {
			return tmf.Fail(tmf.CodeForbiddenScope, "client_id %q does not hold the scope %s, which these events need (or sandbox:admin)", c.ID, s)
		}
	}
	return nil
}

// parseQuery reads a subscription's query: eventType=A,B and product.id=X,Y
// joined by &, each at most once; anything else is refused.
func parseQuery(q string) (types, products []string, err error) {
	if len(q) > maxQuery {
		return nil, nil, tmf.Fail(tmf.CodeInvalidField, "query is longer than %d characters", maxQuery)
	}
	if q == "" {
		return nil, nil, nil
	}
	seen := map[string]bool{}
	for _, part := range strings.Split(q, "&") {
		name, value, ok := strings.Cut(part, "=")
		if !ok || value == "" {
			return nil, nil, tmf.Fail(tmf.CodeInvalidField, "query: %q is not name=value", part)
		}
		if seen[name] {
			return nil, nil, tmf.Fail(tmf.CodeInvalidField, "query: %s is given twice", name)
		}
		seen[name] = true
		values := strings.Split(value, ",")
		if slices.Contains(values, "") {
			return nil, nil, tmf.Fail(tmf.CodeInvalidField, "query: %s has an empty value in %q", tmf.Text(name), value)
		}
		switch name {
		case "eventType":
			for _, v := range values {
				if !slices.Contains(ledger.EventTypes, v) {
					return nil, nil, tmf.Fail(tmf.CodeInvalidField, "query: eventType %q is not one of %s", v, tmf.Text(strings.Join(ledger.EventTypes, ", ")))
				}
			}
			types = values
		case "product.id":
			products = values
		default:
			return nil, nil, tmf.Fail(tmf.CodeInvalidField, "query: %q cannot be filtered on; use eventType or product.id", name)
		}
	}
	return types, products, nil
}

// checkCallback accepts an absolute http or https URL.
func checkCallback(s string) error {
	if s == "" {
		return tmf.Fail(tmf.CodeMissingField, "callback is required: the URL events are posted to")
	}
	u, err := url.Parse(s)
	if err != nil || len(s) > maxCallback || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.Fragment != "" {
		return tmf.Fail(tmf.CodeInvalidField, "callback must be an absolute http or https URL without credentials, at most %d characters; got %q", maxCallback, s)
	}
	return nil
}

// hubJSON is a subscription as the hub shows it. Secret is shown only in
// the answer that made it.
type hubJSON struct {
	ID       string     `json:"id"`
	Href     string     `json:"href"`
	Callback string     `json:"callback"`
	Query    string     `json:"query"`
	Secret   string     `json:"secret,omitempty"`
	Delivery *stateJSON `json:"delivery,omitempty"`
}

// stateJSON is how far delivery has gone.
type stateJSON struct {
	LastEventID   *string     `json:"lastEventId"` // every event up to it is delivered, given up or not selected
	Delivered     uint64      `json:"delivered"`
	GivenUp       uint64      `json:"givenUp"`
	Pending       *string     `json:"pendingEventId"` // failed at least once, tried again at nextAttemptAt
	Attempts      int         `json:"attempts"`
	NextAttemptAt *tmf.Millis `json:"nextAttemptAt"`
}

// Href is the path of subscription id of business unit bu.
func Href(bu, id string) string { return tmf.TMF654Base + bu + "/hub/" + url.PathEscape(id) }

func show(s storage.Subscription, bu storage.BusinessUnit) hubJSON {
	st := &stateJSON{Delivered: s.Delivered, GivenUp: s.GivenUp}
	if s.After > 0 {
		id := storage.EventID(s.After)
		st.LastEventID = &id
	}
	if p := s.Pending; p != nil {
		id := storage.EventID(p.Seq)
		st.Pending, st.Attempts = &id, p.Attempts
		st.NextAttemptAt = &tmf.Millis{Time: p.Next, Loc: bu.Location()}
	}
	return hubJSON{ID: s.ID, Href: Href(bu.ID, s.ID), Callback: s.Callback, Query: s.Query, Delivery: st}
}

// Subscribe serves POST …/{businessId}/hub: 201 with the subscription, its
// secret and its Location. Only events committed after it are delivered.
func Subscribe() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sb := storage.From(r.Context())
		bu := auth.BusinessUnit(r.Context())
		c := auth.Client(r.Context())
		var b struct {
			Callback *string `json:"callback"`
			Query    *string `json:"query"`
		}
		if err := tmf.DecodeBody(w, r, &b); err != nil {
			tmf.WriteError(w, r, err)
			return
		}
		var callback, query string
		if b.Callback != nil {
			callback = *b.Callback
		}
		if b.Query != nil {
			query = *b.Query
		}
		if err := checkCallback(callback); err != nil {
			tmf.WriteError(w, r, err)
			return
		}
		types, products, err := parseQuery(query)
		if err == nil {
			err = allowed(c, types)
		}
		if err != nil {
			tmf.WriteError(w, r, err)
			return
		}
		s := storage.Subscription{ID: randomHex(8), BusinessID: bu.ID, Callback: callback, Query: query,
			EventTypes: types, ProductIDs: products, Secret: randomHex(24), ClientID: c.ID, Created: sb.Clock().Host().UTC()}
		if err := sb.Update(func(tx *storage.Tx) error {
			s.After = tx.LastEventSeq()
			return tx.AddSubscription(s)
		}); err != nil {
			tmf.WriteError(w, r, err)
			return
		}
		out := show(s, bu)
		out.Secret = s.Secret
		w.Header().Set("Location", out.Href)
		tmf.WriteJSON(w, r, http.StatusCreated, out)
	})
}

// find reads subscription id of the request's business unit, which its
// client may see.
func find(r *http.Request, tx *storage.Tx) (storage.Subscription, error) {
	bu := auth.BusinessUnit(r.Context())
	id := r.PathValue("id")
	s, err := tx.Subscription(id)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && s.BusinessID != bu.ID) {
		return s, tmf.Fail(tmf.CodeSubscriptionNotFound, "id %q names no hub subscription of businessId %s", id, bu.ID)
	}
	if err != nil {
		return s, err
	}
	return s, allowed(auth.Client(r.Context()), s.EventTypes)
}

// Show serves GET …/{businessId}/hub/{id}: the subscription with its
// delivery state, without its secret.
func Show() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sb := storage.From(r.Context())
		var s storage.Subscription
		err := sb.View(func(tx *storage.Tx) (err error) {
			s, err = find(r, tx)
			return err
		})
		if err != nil {
			tmf.WriteError(w, r, err)
			return
		}
		tmf.WriteJSON(w, r, http.StatusOK, show(s, auth.BusinessUnit(r.Context())))
	})
}

// Unsubscribe serves DELETE …/{businessId}/hub/{id}: 204. Delivery of its
// events stops; an attempt under way may still arrive.
func Unsubscribe() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sb := storage.From(r.Context())
		err := sb.Update(func(tx *storage.Tx) error {
			s, err := find(r, tx)
			var te *tmf.Error
			if errors.As(err, &te) {
				return storage.Refuse(err)
			}
			if err != nil {
				return err
			}
			return tx.DeleteSubscription(s.ID)
		})
		if err != nil {
			tmf.WriteError(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// attemptJSON is one delivery attempt.
type attemptJSON struct {
	EventID       string      `json:"eventId"`
	Attempt       int         `json:"attempt"`
	At            tmf.Millis  `json:"at"`
	Status        *int        `json:"status"`
	Error         *string     `json:"error"`
	LatencyMs     int64       `json:"latencyMs"`
	NextAttemptAt *tmf.Millis `json:"nextAttemptAt"`
}

// Deliveries serves GET /sandbox/v1/{businessId}/hub/{id}/deliveries: the
// subscription's attempts, oldest first (the newest 1,000 are kept).
func Deliveries() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sb := storage.From(r.Context())
		loc := auth.BusinessUnit(r.Context()).Location()
		var attempts []storage.Attempt
		err := sb.View(func(tx *storage.Tx) error {
			s, err := find(r, tx)
			if err != nil {
				return err
			}
			attempts, err = tx.Attempts(s.ID)
			return err
		})
		if err != nil {
			tmf.WriteError(w, r, err)
			return
		}
		out := make([]attemptJSON, len(attempts))
		for i, a := range attempts {
			out[i] = attemptJSON{EventID: a.EventID, Attempt: a.Attempt, At: tmf.Millis{Time: a.At, Loc: loc},
				Status: a.Status, LatencyMs: a.LatencyMs}
			if a.Error != "" {
				out[i].Error = &a.Error
			}
			if a.NextAt != nil {
				out[i].NextAttemptAt = &tmf.Millis{Time: *a.NextAt, Loc: loc}
			}
		}
		tmf.WriteJSON(w, r, http.StatusOK, out)
	})
}

// Feed serves GET /sandbox/v1/{businessId}/events?after=&limit=&wait=: the
// business unit's envelopes after eventId after, in commit order. With
// wait (seconds, at most 30) and none yet, it answers as soon as one
// commits, or [] when the wait is over.
func Feed() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sb := storage.From(r.Context())
		bu := auth.BusinessUnit(r.Context())
		after, limit, wait, err := feedQuery(r.URL.RawQuery)
		if err != nil {
			tmf.WriteError(w, r, err)
			return
		}
		var timeout <-chan time.Time
		if wait > 0 {
			// The write timeout must not cut a wait short.
			_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(wait + 10*time.Second))
			t := time.NewTimer(wait)
			defer t.Stop()
			timeout = t.C
		}
		for {
			added := sb.EventsAdded()
			var evs []storage.Event
			if err := sb.View(func(tx *storage.Tx) (err error) {
				evs, _, err = tx.Events(bu.ID, after, limit, 0, nil)
				return err
			}); err != nil {
				tmf.WriteError(w, r, err)
				return
			}
			if len(evs) > 0 || timeout == nil {
				writeEnvelopes(w, evs)
				return
			}
			select {
			case <-added:
			case <-timeout:
				timeout = nil
			case <-r.Context().Done():
				return
			}
		}
	})
}

func writeEnvelopes(w http.ResponseWriter, evs []storage.Event) {
	body := []byte{'['}
	for i, e := range evs {
		if i > 0 {
			body = append(body, ',')
		}
		body = append(body, e.Envelope...)
	}
	tmf.WriteRaw(w, http.StatusOK, append(body, ']'))
}

// feedQuery reads after (an eventId, default 0: from the first), limit
// (1–1000, default 100) and wait (whole seconds, 0–30); anything else is
// refused.
func feedQuery(raw string) (after uint64, limit int, wait time.Duration, err error) {
	vals, err := url.ParseQuery(raw)
	if err != nil {
		return 0, 0, 0, tmf.Fail(tmf.CodeInvalidQuery, "the query string is not well-formed")
	}
	limit = defaultLimit
	for name, vs := range vals {
		if len(vs) > 1 {
			return 0, 0, 0, tmf.Fail(tmf.CodeInvalidQuery, "%s is given more than once", name)
		}
		v := vs[0]
		switch name {
		case "after":
			if after, err = strconv.ParseUint(v, 10, 64); err != nil {
				return 0, 0, 0, tmf.Fail(tmf.CodeInvalidQuery, "after must be an eventId (a whole number); got %q", v)
			}
		case "limit":
			if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > maxLimit {
				return 0, 0, 0, tmf.Fail(tmf.CodeInvalidQuery, "limit must be a whole number from 1 to %d; got %q", maxLimit, v)
			}
		case "wait":
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || time.Duration(n)*time.Second > maxWait {
				return 0, 0, 0, tmf.Fail(tmf.CodeInvalidQuery, "wait must be whole seconds from 0 to %d; got %q", int(maxWait.Seconds()), v)
			}
			wait = time.Duration(n) * time.Second
		default:
			return 0, 0, 0, tmf.Fail(tmf.CodeInvalidQuery, "%s is not a parameter of the feed; use after, limit, wait", name)
		}
	}
	return after, limit, wait, nil
}

// randomHex returns n random bytes as hex.
func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}
