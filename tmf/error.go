package tmf

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"unicode/utf8"
)

// Error is a TMF630 error: an HTTP status, a stable machine-readable code,
// a short reason and a message that names the offending field and value.
// Domain code returns it; Write turns it into the response body.
type Error struct {
	Status  int
	Code    string
	Reason  string
	Message string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message)
}

// MaxEcho bounds how much of any one value an error message echoes, so that
// a huge header or field cannot make a huge answer or log line.
const MaxEcho = 64

// Clip shortens s to at most MaxEcho bytes, cut at a character boundary and
// marked with "…".
func Clip(s string) string {
	if len(s) <= MaxEcho {
		return s
	}
	cut := MaxEcho
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// Invalid is the 400 of a field whose value breaks a rule: "field must be
// rule; got value".
func Invalid(field, rule, got string) *Error {
	return Fail(CodeInvalidField, "%s must be %s; got %q", field, Text(rule), got)
}

// Text is a string argument of an error message that is prepay's own words
// (a rule, a list of allowed values), not an echoed value: Errorf does not
// clip it.
type Text string

// Errorf returns an *Error with a formatted message. Callers use Fail,
// which takes the status and reason from the table; Errorf is for the one
// code whose status varies (an injected fault's).
// Every string argument is a value echoed from the request and is clipped
// (Clip); prepay's own words are passed as Text.
func Errorf(status int, code, reason, format string, args ...any) *Error {
	for i, a := range args {
		switch a := a.(type) {
		case string:
			args[i] = Clip(a)
		case Text:
			args[i] = string(a)
		}
	}
	return &Error{Status: status, Code: code, Reason: reason, Message: fmt.Sprintf(format, args...)}
}

// body is the TMF630 Error resource as the operator writes it.
type body struct {
	Code    string `json:"code"`
	Reason  string `json:"reason"`
	Message string `json:"message"`
	Status  string `json:"status"`
	Type    string `json:"@type"`
}

// WriteError answers err in TMF630 shape. An *Error anywhere in err's chain
// is answered as it says; anything else is logged with the request's
// correlation id and answered as a bare 500, so no internal text (a path, a
// bbolt message) ever reaches the client.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	var e *Error
	if !errors.As(err, &e) {
		FromContext(r.Context()).Log.ErrorContext(r.Context(), "internal error", "err", err.Error())
		e = &Error{Status: http.StatusInternalServerError, Code: CodeInternal,
			Reason: "Internal error", Message: "the server could not complete the request"}
	}
	WriteJSON(w, r, e.Status, body{Code: e.Code, Reason: e.Reason, Message: e.Message,
		Status: strconv.Itoa(e.Status), Type: "Error"})
}
