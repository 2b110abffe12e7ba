package tmf

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"net/http"
)

// Request is what the middleware learns about a request as it passes
// through: the correlation id (set on the way in) and the client id (set by
// the credentials check). The request log reads both on the way out.
type Request struct {
	CorrelationID string
	// CorrelationGiven says the client sent the id, rather than the server
	// making one: the top-up endpoint needs it sent.
	CorrelationGiven bool
	ClientID         string
	// Log is the server's logger with the correlation id attached, so every
	// line a request writes carries it.
	Log *slog.Logger
}

type requestKey struct{}

// FromContext returns the request's record, or a blank one outside the
// middleware (in unit tests of a single handler).
func FromContext(ctx context.Context) *Request {
	if r, ok := ctx.Value(requestKey{}).(*Request); ok {
		return r
	}
	return &Request{Log: slog.Default()}
}

// CorrelationID returns the request's correlation id.
func CorrelationID(ctx context.Context) string { return FromContext(ctx).CorrelationID }

// maxCorrelationID bounds an echoed id: a header we copy back must not be a
// way to inflate every response.
const maxCorrelationID = 128

// Correlate gives every request a correlation id: the client's
// X-Correlation-ID, else its Correlation-ID (the spelling the balances page
// documents), else a new UUID. The id is echoed in X-Correlation-ID and
// carried in the context, with logger, for every log line.
func Correlate(logger *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return correlate(logger, next)
	}
}

func correlate(logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Correlation-ID")
		if id == "" {
			id = r.Header.Get("Correlation-ID")
		}
		given := id != ""
		if !given {
			id = NewUUID()
		}
		if got := len(id); got > maxCorrelationID {
			id = NewUUID()
			rec := &Request{CorrelationID: id, Log: logger.With("correlation_id", id)}
			w.Header().Set("X-Correlation-ID", rec.CorrelationID)
			WriteError(w, r.WithContext(context.WithValue(r.Context(), requestKey{}, rec)),
				Fail(CodeInvalidHeader, "X-Correlation-ID must be at most %d characters; got %d", maxCorrelationID, got))
			return
		}
		w.Header().Set("X-Correlation-ID", id)
		rec := &Request{CorrelationID: id, CorrelationGiven: given, Log: logger.With("correlation_id", id)}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestKey{}, rec)))
	})
}

// NewUUID returns a random (version 4) UUID.
func NewUUID() string {
	var b [16]byte
	rand.Read(b[:]) // never returns an error (crypto/rand, Go 1.24+)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
