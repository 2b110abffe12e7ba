// Package auth checks who is calling and what they may do: the client_id and
// client_secret headers against salted hashes, the client's scopes and
// business units, and its request-rate limit. It answers 401, 403, 429 and
// the business-unit 400/404 in TMF630 shape, and hands the handler the
// client and business unit it checked. It imports storage and tmf.
package auth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"prepay/storage"
	"prepay/tmf"
)

// Scopes of the operations, as storage defines them for the clients it
// holds.
const (
	ScopeBalances = storage.ScopeBalances
	ScopeTopup    = storage.ScopeTopup
	ScopeHistory  = storage.ScopeHistory
	ScopeAdmin    = storage.ScopeAdmin
	ScopeTransfer = storage.ScopeTransfer
	ScopeReserve  = storage.ScopeReserve
	ScopeAdjust   = storage.ScopeAdjust
)

// minCredentialLength is the operator's documented minimum for both headers.
const minCredentialLength = 5

// Guard holds the registered clients of every sandbox and their rate
// limiters.
type Guard struct {
	store *storage.Store
	// now measures rate-limit windows on the host's clock: freezing the
	// sandbox's business clock must not freeze a client's limit.
	now      func() time.Time
	clients  atomic.Pointer[map[string]registered]
	mu       sync.Mutex
	limiters map[string]*limiter
	guesses  lockout
	// dummy is checked against when the client is unknown, so that an
	// unknown id costs the same time as a wrong secret.
	dummy storage.Client
}

// New returns a guard over the clients in store.
func New(store *storage.Store, now func() time.Time) (*Guard, error) {
	g := &Guard{store: store, now: now, limiters: map[string]*limiter{}, guesses: lockout{pairs: map[pair]*failures{}},
		dummy: storage.Client{Salt: []byte("dummy-salt"), SecretHash: storage.HashSecret([]byte("dummy-salt"), "x")}}
	return g, g.Reload()
}

// registered is a client and the sandbox it belongs to: a request picks its
// sandbox by its credentials alone.
type registered struct {
	storage.Client
	sandbox *storage.Sandbox
	// proven is the SHA-256 of the secret this client last proved: see
	// proves. Reload makes a new one, so a changed secret is never
	// compared against its predecessor.
	proven *atomic.Pointer[[sha256.Size]byte]
}

// proves reports whether secret is c's. Checking the salted hash costs
// half a microsecond and seven allocations, on every request of a client
// that sends the same secret every time; so the unsalted digest of the
// secret c last proved is kept in memory (never the secret itself, never
// on disk), and a secret with that digest is c's without the salted hash.
// Both comparisons take constant time.
func (c registered) proves(secret string) bool {
	sum := sha256.Sum256([]byte(secret))
	if last := c.proven.Load(); last != nil && subtle.ConstantTimeCompare(last[:], sum[:]) == 1 {
		return true
	}
	if !c.CheckSecret(secret) {
		return false
	}
	c.proven.Store(&sum)
	return true
}

// Reload reads the clients of every sandbox again, after a data set is
// reset or a sandbox made or deleted. Rate limiters start afresh. A client
// id is unique on the server; should two sandboxes' data sets both name
// one, the older sandbox keeps it.
func (g *Guard) Reload() error {
	clients := map[string]registered{}
	for _, sb := range g.store.Sandboxes() {
		var list []storage.Client
		if err := sb.View(func(tx *storage.Tx) (err error) {
			list, err = tx.Clients()
			return err
		}); err != nil {
			return fmt.Errorf("load clients of sandbox %s: %w", sb.ID(), err)
		}
		for _, c := range list {
			if _, taken := clients[c.ID]; !taken {
				clients[c.ID] = registered{Client: c, sandbox: sb, proven: new(atomic.Pointer[[sha256.Size]byte])}
			}
		}
	}
	g.clients.Store(&clients)
	g.mu.Lock()
	g.limiters = map[string]*limiter{}
	g.mu.Unlock()
	return nil
}

type ctxKey int

const (
	clientKey ctxKey = iota
	unitKey
)

// Client returns the client the guard let through.
func Client(ctx context.Context) storage.Client {
	c, _ := ctx.Value(clientKey).(storage.Client)
	return c
}

// BusinessUnit returns the business unit of the request's {businessId},
// checked by the guard.
func BusinessUnit(ctx context.Context) storage.BusinessUnit {
	bu, _ := ctx.Value(unitKey).(storage.BusinessUnit)
	return bu
}

// Require lets a request through to next only when its credentials are
// right, it is within its client's rate limit, the client holds scope, and
// — on routes with a {businessId} — the business unit exists and the client
// may use it.
func (g *Guard) Require(scope string, next http.Handler) http.Handler {
	return g.RequireAny([]string{scope}, next)
}

// RequireAny is Require for a route whose handler decides which scope a
// request needs (the hub: the write scopes of the events it asks for): the
// client must hold at least one of scopes.
func (g *Guard) RequireAny(scopes []string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reg, err := g.authenticate(w, r)
		if err != nil {
			tmf.WriteError(w, r, err)
			return
		}
		c := reg.Client
		tmf.FromContext(r.Context()).ClientID = c.ID
		if err := g.limit(w, c); err != nil {
			tmf.WriteError(w, r, err)
			return
		}
		if !slices.ContainsFunc(scopes, func(s string) bool { return slices.Contains(c.Scopes, s) }) {
			tmf.WriteError(w, r, tmf.Fail(tmf.CodeForbiddenScope, "client_id %q does not hold the scope %s", c.ID, strings.Join(scopes, " or ")))
			return
		}
		ctx := storage.WithSandbox(context.WithValue(r.Context(), clientKey, c), reg.sandbox)
		if strings.Contains(r.Pattern, "{businessId}") {
			bu, err := g.businessUnit(reg, r.PathValue("businessId"))
			if err != nil {
				tmf.WriteError(w, r, err)
				return
			}
			ctx = context.WithValue(ctx, unitKey, bu)
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// authenticate checks the credentials headers. A wrong secret, or an
// unknown client_id, counts towards its pair's lockout; a locked pair is
// refused before its secret is looked at.
func (g *Guard) authenticate(w http.ResponseWriter, r *http.Request) (registered, error) {
	id, secret := r.Header.Get("client_id"), r.Header.Get("client_secret")
	switch {
	case id == "" || secret == "":
		missing := "client_id"
		if id != "" {
			missing = "client_secret"
		}
		return registered{}, tmf.Fail(tmf.CodeMissingCredentials, "the %s header is required", missing)
	case len(id) < minCredentialLength:
		return registered{}, tmf.Fail(tmf.CodeInvalidCredentials, "client_id must be at least %d characters; got %q", minCredentialLength, id)
	case len(secret) < minCredentialLength:
		return registered{}, tmf.Fail(tmf.CodeInvalidCredentials, "client_secret must be at least %d characters; got %d", minCredentialLength, len(secret))
	}
	who, now := pair{clientID: id, addr: remoteAddr(r)}, g.now()
	if err := g.guesses.locked(w, who, now); err != nil {
		return registered{}, err
	}
	c, ok := (*g.clients.Load())[id]
	if !ok {
		g.dummy.CheckSecret(secret)
		g.guesses.fail(who, now)
		return registered{}, tmf.Fail(tmf.CodeUnknownClient, "client_id %q is not registered", id)
	}
	if !c.proves(secret) {
		g.guesses.fail(who, now)
		return registered{}, tmf.Fail(tmf.CodeWrongSecret, "client_secret is wrong for client_id %q", id)
	}
	g.guesses.succeed(who)
	return c, nil
}

func (g *Guard) businessUnit(c registered, id string) (storage.BusinessUnit, error) {
	if !storage.ValidBusinessID(id) {
		return storage.BusinessUnit{}, tmf.Fail(tmf.CodeInvalidBusinessID, "businessId must be 2–3 capital letters; got %q", id)
	}
	bu, err := c.sandbox.BusinessUnit(id)
	if errors.Is(err, storage.ErrNotFound) {
		return storage.BusinessUnit{}, tmf.Fail(tmf.CodeUnknownBusinessUnit, "businessId %q is not a configured business unit", id)
	}
	if !slices.Contains(c.BusinessUnits, "*") && !slices.Contains(c.BusinessUnits, id) {
		return storage.BusinessUnit{}, tmf.Fail(tmf.CodeForbiddenBU, "client_id %q may not use businessId %q", c.ID, id)
	}
	return bu, nil
}
