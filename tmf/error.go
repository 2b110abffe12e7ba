package tmf

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
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

// Errorf returns an *Error with a formatted message.
func Errorf(status int, code, reason, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Reason: reason, Message: fmt.Sprintf(format, args...)}
}

// Codes shared by every endpoint. Each feature package declares the codes of
// its own causes beside the code that returns them; the README lists all.
const (
	CodeNotFound             = "NOT_FOUND"              // 404: no such path
	CodeMethodNotAllowed     = "METHOD_NOT_ALLOWED"     // 405: path exists, method does not
	CodeUnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE" // 415: body is not application/json
	CodeBodyTooLarge         = "BODY_TOO_LARGE"         // 413: body over 64 KiB
	CodeMalformedBody        = "MALFORMED_BODY"         // 400: not one JSON value
	CodeInvalidField         = "INVALID_FIELD"          // 400: a body field of the wrong type or value
	CodeMissingField         = "MISSING_FIELD"          // 400: a mandatory body field is absent
	CodeMissingHeader        = "MISSING_HEADER"         // 400: a mandatory header is absent
	CodeInvalidHeader        = "INVALID_HEADER"         // 400: a header has a bad value
	CodeInvalidLOB           = "INVALID_LOB"            // 400: lob is not PREPAID, POSTPAID or FIXED
	CodeMissingQuery         = "MISSING_QUERY_PARAMETER"
	CodeInvalidQuery         = "INVALID_QUERY_PARAMETER"
	CodeInvalidBusinessID    = "INVALID_BUSINESS_ID"   // 400: businessId is not 2–3 capital letters
	CodeUnknownBusinessUnit  = "UNKNOWN_BUSINESS_UNIT" // 404: businessId is not configured
	CodeUnknownService       = "UNKNOWN_SERVICE"       // 404: no such service in this business unit and lob
	CodeInternal             = "INTERNAL_ERROR"        // 500
)

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
