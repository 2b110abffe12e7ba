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
		return "", Errorf(http.StatusBadRequest, CodeMissingHeader, "Missing header lob",
			"the lob header is required: one of PREPAID, POSTPAID, FIXED")
	}
	return "", Errorf(http.StatusBadRequest, CodeInvalidLOB, "Invalid header lob",
		"lob must be one of PREPAID, POSTPAID, FIXED; got %q", truncate(lob, 40))
}
