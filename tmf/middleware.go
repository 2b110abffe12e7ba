package tmf

import (
	"log/slog"
	"net/http"
	"time"
)

// Recover answers a panic as a TMF630 500 and logs it with the correlation
// id, so one bad request never takes the server down. It must be outermost;
// it reads the correlation id back from the response header that Correlate
// set, since the context carrying it belongs to an inner request value.
func Recover(logger *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return recoverer(logger, next)
	}
}

func recoverer(logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rw := &recorder{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				answerPanic(logger, rw, r, v)
			}
		}()
		next.ServeHTTP(rw, r)
	})
}

// answerPanic logs the panic v with the request's correlation id and
// answers a TMF630 500, unless the answer has begun (nothing sound can
// follow it). The server's own signal to drop the connection goes on up.
func answerPanic(logger *slog.Logger, rw *recorder, r *http.Request, v any) {
	if v == http.ErrAbortHandler {
		panic(v)
	}
	logger.ErrorContext(r.Context(), "panic", "panic", v,
		"correlation_id", rw.Header().Get("X-Correlation-ID"),
		"method", r.Method, "path", r.URL.Path)
	if rw.status == 0 {
		WriteError(rw, r, Fail(CodeInternal, "the server could not complete the request"))
	}
}

// LogRequests writes one JSON line per request: method, route pattern,
// status, duration, bytes, client id and correlation id. observe, when not
// nil, is told the same facts (the counters use it). A request whose
// handler panics is answered 500 here, so that it is logged and counted
// like any other.
func LogRequests(logger *slog.Logger, observe func(pattern string, status int, d time.Duration)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now() // a duration, not business time: the sandbox clock does not apply
			rw := &recorder{ResponseWriter: w}
			defer func() {
				if v := recover(); v != nil {
					answerPanic(logger, rw, r, v)
				}
				logRequest(logger, observe, rw, r, time.Since(start))
			}()
			next.ServeHTTP(rw, r)
		})
	}
}

// logRequest writes a request's line and tells observe.
func logRequest(logger *slog.Logger, observe func(pattern string, status int, d time.Duration), rw *recorder, r *http.Request, d time.Duration) {
	status := rw.status
	if status == 0 {
		status = http.StatusOK
	}
	pattern := r.Pattern
	if pattern == "" {
		pattern = "unmatched"
	}
	info := FromContext(r.Context())
	logger.LogAttrs(r.Context(), slog.LevelInfo, "request",
		slog.String("method", r.Method),
		slog.String("route", pattern),
		slog.Int("status", status),
		slog.Int64("duration_us", d.Microseconds()),
		slog.Int64("bytes", rw.bytes),
		slog.String("client_id", info.ClientID),
		slog.String("correlation_id", info.CorrelationID))
	if observe != nil {
		observe(pattern, status, d)
	}
}

// recorder notes the status and size of a response as it is written.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (rw *recorder) WriteHeader(status int) {
	if rw.status == 0 {
		rw.status = status
	}
	rw.ResponseWriter.WriteHeader(status)
}

func (rw *recorder) Write(b []byte) (int, error) {
	if rw.status == 0 {
		rw.status = http.StatusOK
	}
	n, err := rw.ResponseWriter.Write(b)
	rw.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection underneath.
func (rw *recorder) Unwrap() http.ResponseWriter { return rw.ResponseWriter }

// Routes serves mux, answering an unknown path (404) and a known path with a
// wrong method (405, with the mux's Allow header) in TMF630 shape instead of
// the mux's plain text.
func Routes(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		mux.ServeHTTP(&plainErrorWriter{ResponseWriter: w, r: r}, r)
	})
}

// plainErrorWriter replaces the mux's own 404 and 405 bodies with TMF630
// ones. Redirects (a path that needs cleaning) pass through untouched.
type plainErrorWriter struct {
	http.ResponseWriter
	r        *http.Request
	replaced bool
}

func (pw *plainErrorWriter) WriteHeader(status int) {
	switch status {
	case http.StatusNotFound:
		pw.replaced = true
		WriteError(pw.ResponseWriter, pw.r, Fail(CodeNotFound, "no resource at %s %s", pw.r.Method, pw.r.URL.Path))
	case http.StatusMethodNotAllowed:
		pw.replaced = true
		allow := pw.Header().Get("Allow")
		WriteError(pw.ResponseWriter, pw.r, Fail(CodeMethodNotAllowed, "%s is not allowed on %s; allowed: %s", pw.r.Method, pw.r.URL.Path, allow))
	default:
		pw.ResponseWriter.WriteHeader(status)
	}
}

func (pw *plainErrorWriter) Write(b []byte) (int, error) {
	if pw.replaced {
		return len(b), nil
	}
	return pw.ResponseWriter.Write(b)
}
