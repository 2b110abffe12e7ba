package faults

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"time"

	"prepay/storage"
	"prepay/tmf"
)

// statusClientClosed is logged and counted for a request whose client hung
// up during a fault's latency (nginx's convention): nobody reads the
// answer, but the log should say what happened.
const statusClientClosed = 499

// Wrap returns next with the faults set on route applied to it. It panics
// on a route faults cannot be set on, which only a wrong routes list can
// cause. It belongs inside the credentials check: a fault then strikes only
// requests that would reach next, with their business unit checked; a
// client with bad credentials still learns that first; and a caller
// without credentials cannot use a fault's latency to hold connections.
func (s *Set) Wrap(route string, next http.Handler) http.Handler {
	if !slices.Contains(routeNames, route) {
		panic(fmt.Sprintf("faults: no route %q", route))
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		list := s.current(r).byRoute[route]
		if len(list) == 0 {
			next.ServeHTTP(w, r)
			return
		}
		f, ok := s.pick(list, r.PathValue("businessId"))
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		s.strike(w, r, f, next)
	})
}

// pick returns the first fault of list, in name order, that matches the
// business unit and wins its draw. Each fault draws on its own; the first
// to strike is the only one the request meets.
func (s *Set) pick(list []storage.Fault, bu string) (storage.Fault, bool) {
	for _, f := range list {
		if f.BusinessID != "" && f.BusinessID != bu {
			continue
		}
		if f.Percent >= 100 || (f.Percent > 0 && s.opts.Draw() < f.Percent) {
			return f, true
		}
	}
	return storage.Fault{}, false
}

// strike serves r under fault f: the latency first (before) or after the
// real handler ran into a buffer (after), then the fault's status, or the
// real answer late when it has none. A client that hangs up during the
// latency ends the request there: before, the handler never runs and
// nothing changes; after, what the handler did stands.
func (s *Set) strike(w http.ResponseWriter, r *http.Request, f storage.Fault, next http.Handler) {
	w.Header().Set("X-Sandbox-Fault", f.Name)
	latency := min(time.Duration(f.LatencyMs)*time.Millisecond, s.opts.MaxLatency)
	if f.When == WhenAfter {
		buf := &buffer{header: w.Header().Clone()}
		next.ServeHTTP(buf, r)
		if latency > 0 && !s.opts.Wait(r.Context(), latency) {
			hungUp(w, r, f)
			return
		}
		if f.Status == 0 {
			buf.sendTo(w)
			return
		}
		answer(w, r, f)
		return
	}
	if latency > 0 {
		readAhead(r)
		if !s.opts.Wait(r.Context(), latency) {
			hungUp(w, r, f)
			return
		}
	}
	if f.Status == 0 {
		next.ServeHTTP(w, r)
		return
	}
	answer(w, r, f)
}

// answer writes the fault's status in TMF630 shape.
func answer(w http.ResponseWriter, r *http.Request, f storage.Fault) {
	reason := http.StatusText(f.Status)
	if reason == "" {
		reason = "Sandbox fault"
	}
	msg := "sandbox fault %q answered in place of %s; nothing was changed"
	if f.When == WhenAfter {
		msg = "sandbox fault %q answered after %s was served; what it did stands"
	}
	tmf.WriteError(w, r, tmf.Errorf(f.Status, tmf.CodeSandboxFault, reason, msg, f.Name, f.Route))
}

func hungUp(w http.ResponseWriter, r *http.Request, f storage.Fault) {
	tmf.WriteError(w, r, tmf.Errorf(statusClientClosed, tmf.CodeSandboxFault, "Client closed request",
		"the client closed the request during sandbox fault %q's latency of %d ms", f.Name, f.LatencyMs))
}

// readAhead reads the request body (as far as any endpoint accepts) before
// a latency. The server notices a client hanging up, and cancels the
// request's context, only once the body has been read to its end; the
// handler then reads the same bytes as it would have.
func readAhead(r *http.Request) {
	if r.Body == nil || r.Body == http.NoBody {
		return
	}
	data, _ := io.ReadAll(io.LimitReader(r.Body, tmf.MaxBodyBytes+1))
	// Whatever the read stopped at — the end, the limit, an error — the
	// rest of the original body follows what was read, so the handler
	// meets it just the same.
	r.Body = readCloser{Reader: io.MultiReader(bytes.NewReader(data), r.Body), Closer: r.Body}
}

type readCloser struct {
	io.Reader
	io.Closer
}

// buffer holds a handler's answer while a fault decides its fate: sent
// late, or dropped for the fault's own. Its header starts as a copy of the
// real one, so the handler sees what it would have, and what it adds
// (Content-Length, Idempotent-Replayed) never leaks into the fault's answer.
type buffer struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *buffer) Header() http.Header { return b.header }

func (b *buffer) WriteHeader(status int) {
	if b.status == 0 {
		b.status = status
	}
}

func (b *buffer) Write(p []byte) (int, error) {
	b.WriteHeader(http.StatusOK)
	return b.body.Write(p)
}

// sendTo writes the held answer to w.
func (b *buffer) sendTo(w http.ResponseWriter) {
	h := w.Header()
	clear(h)
	maps.Copy(h, b.header)
	b.WriteHeader(http.StatusOK)
	w.WriteHeader(b.status)
	w.Write(b.body.Bytes())
}
