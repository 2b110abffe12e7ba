package tmf

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"net/http"
)

// maxKeyLength bounds an Idempotency-Key.
const maxKeyLength = 255

// IdempotencyKey returns the key that makes a retry of a write harmless and
// the header it came from: the Idempotency-Key header when sent (a bare
// token or, as the IETF draft writes it, a quoted string), else the
// correlation id corr, which may be "" (no key).
func IdempotencyKey(r *http.Request, corr string) (key, header string, err error) {
	vals, given := r.Header["Idempotency-Key"]
	if !given {
		return corr, "X-Correlation-ID", nil
	}
	if len(vals) > 1 {
		return "", "", Fail(CodeInvalidHeader, "Idempotency-Key must be sent once; got %d values", len(vals))
	}
	k := vals[0]
	if len(k) >= 2 && k[0] == '"' && k[len(k)-1] == '"' {
		k = k[1 : len(k)-1]
	}
	if k == "" || len(k) > maxKeyLength {
		return "", "", Fail(CodeInvalidHeader, "Idempotency-Key must be 1 to %d characters; got %d", maxKeyLength, len(k))
	}
	return k, "Idempotency-Key", nil
}

// Fingerprint identifies a request for idempotency: the parts that place
// it (business unit, lob, operation) and the body in canonical form. The
// body is re-marshalled from its decoded JSON so that whitespace and key
// order, which a retrying client may change, do not count, while every
// field and value it sent does.
func Fingerprint(raw []byte, parts ...string) []byte {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	h.Write(canonical(raw))
	return h.Sum(nil)
}

// canonical returns raw as compact JSON with object keys sorted and numbers
// as written. raw has already been decoded once, so it is valid JSON.
func canonical(raw []byte) []byte {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return raw
	}
	out, err := json.Marshal(v)
	if err != nil {
		return raw
	}
	return out
}
