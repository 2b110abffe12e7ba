package tmf

import (
	"net/http"
	"slices"
	"strings"
)

// Lines of business a service can be under, as the lob header names them.
const (
	LOBPrepaid  = "PREPAID"
	LOBPostpaid = "POSTPAID"
	LOBFixed    = "FIXED"
)

// lobs are the lines of business, in the order messages list them.
var lobs = []string{LOBPrepaid, LOBPostpaid, LOBFixed}

// LOBList names the lines of business for a message: "PREPAID, POSTPAID,
// FIXED".
var LOBList = strings.Join(lobs, ", ")

// ValidLOB reports whether lob is a line of business, exactly.
func ValidLOB(lob string) bool { return slices.Contains(lobs, lob) }

// LOB returns the request's mandatory lob header: exactly PREPAID, POSTPAID
// or FIXED, else a 400 naming the allowed values and the value sent.
func LOB(r *http.Request) (string, error) {
	lob := r.Header.Get("lob")
	switch {
	case ValidLOB(lob):
		return lob, nil
	case lob == "":
		return "", Fail(CodeMissingHeader, "the lob header is required: one of %s", Text(LOBList))
	}
	return "", Fail(CodeInvalidLOB, "lob must be one of %s; got %q", Text(LOBList), lob)
}
