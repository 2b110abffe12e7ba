package storage

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
)

// HashSecret returns the salted hash of a client secret: HMAC-SHA-256 keyed
// by the salt. Client secrets are machine-issued keys checked on every
// request, so a fast keyed hash is the right tool; a slow password hash
// would cost every call milliseconds and protect little more.
func HashSecret(salt []byte, secret string) []byte {
	m := hmac.New(sha256.New, salt)
	m.Write([]byte(secret))
	return m.Sum(nil)
}

// CheckSecret reports, in constant time, whether secret is the client's.
func (c Client) CheckSecret(secret string) bool {
	return subtle.ConstantTimeCompare(HashSecret(c.Salt, secret), c.SecretHash) == 1
}
