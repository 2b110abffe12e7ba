package tmf

import "net/http"

// LOB returns the request's mandatory lob header: exactly PREPAID, POSTPAID
// or FIXED, else a 400 naming the allowed values and the value sent.
func LOB(r *http.Request) (string, error) {
	lob := r.Header.Get("lob")
	switch lob {
	case "PREPAID", "POSTPAID", "FIXED":
		return lob, nil
	case "":
		return "", Fail(CodeMissingHeader, "the lob header is required: one of PREPAID, POSTPAID, FIXED")
	}
	return "", Fail(CodeInvalidLOB, "lob must be one of PREPAID, POSTPAID, FIXED; got %q", lob)
}
