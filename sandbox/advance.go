package sandbox

import (
	"net/http"
	"regexp"
	"strconv"
	"time"

	"prepay/due"
	"prepay/storage"
	"prepay/tmf"
)

// advanceJSON is the body of POST /sandbox/v1/clock/advance: exactly one
// of by and to.
type advanceJSON struct {
	By *string `json:"by"`
	To *string `json:"to"`
}

// advancedJSON is its answer.
type advancedJSON struct {
	From     string           `json:"from"`
	To       string           `json:"to"`
	Happened storage.Happened `json:"happened"`
}

// days is the "d" unit a duration may start with: whole days of 24 hours.
var days = regexp.MustCompile(`^([0-9]{1,7})d(.*)$`)

// byRule and toRule say what by and to must be.
const (
	byRule = `a positive duration in h, m, s and d (days), like "720h" or "30d", that keeps the clock at or before 9000-01-01`
	toRule = "an RFC 3339 time after the sandbox clock's now and at or before 9000-01-01, like 2026-12-23T15:00:00Z"
)

// parseBy returns from moved forward by s, a Go duration that may start
// with a number of days ("30d", "1d12h").
func parseBy(s string, from time.Time) (time.Time, bool) {
	to := from
	rest := s
	if m := days.FindStringSubmatch(s); m != nil {
		n, _ := strconv.Atoi(m[1])
		to, rest = from.UTC().AddDate(0, 0, n), m[2]
	}
	if rest != "" {
		d, err := time.ParseDuration(rest)
		if err != nil || d < 0 {
			return from, false
		}
		to = to.Add(d)
	}
	return to, to.After(from) && !to.After(tmf.ClockLatest)
}

// AdvanceClock serves POST /sandbox/v1/clock/advance: {"by": duration} or
// {"to": time} moves the sandbox clock forward, freezing it there, and
// makes everything due in between happen in time order, as if that time
// had passed; the answer counts what happened by kind.
func AdvanceClock() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sb := storage.From(r.Context())
		if err := requireAllUnits(r); err != nil {
			tmf.WriteError(w, r, err)
			return
		}
		var body advanceJSON
		if err := tmf.DecodeBody(w, r, &body); err != nil {
			tmf.WriteError(w, r, err)
			return
		}
		switch {
		case body.By == nil && body.To == nil:
			tmf.WriteError(w, r, tmf.Fail(tmf.CodeMissingField, "by or to is required: how far, or to when, to advance the clock"))
			return
		case body.By != nil && body.To != nil:
			tmf.WriteError(w, r, tmf.Fail(tmf.CodeInvalidField, "by and to: give one of them, not both"))
			return
		}
		var at time.Time
		if body.To != nil {
			t, err := time.Parse(time.RFC3339, *body.To)
			if err != nil || t.After(tmf.ClockLatest) {
				tmf.WriteError(w, r, tmf.Invalid("to", toRule, *body.To))
				return
			}
			at = t.UTC().Truncate(time.Millisecond)
		}
		res, err := due.Advance(sb, func(from time.Time) (time.Time, error) {
			if body.By != nil {
				to, ok := parseBy(*body.By, from)
				if !ok {
					return to, tmf.Invalid("by", byRule, *body.By)
				}
				return to.Truncate(time.Millisecond), nil
			}
			if !at.After(from) {
				return at, tmf.Fail(tmf.CodeInvalidField, "to must be after the sandbox clock's now, %s: the clock only advances; got %q", formatUTC(from), *body.To)
			}
			return at, nil
		})
		if err != nil {
			tmf.WriteError(w, r, err)
			return
		}
		tmf.WriteJSON(w, r, http.StatusOK, advancedJSON{From: formatUTC(res.From), To: formatUTC(res.To), Happened: res.Happened})
	})
}
