package directory

import (
	"crypto/rand"
)

// RandomString returns n characters of alphabet, from crypto/rand.
func RandomString(alphabet string, n int) string {
	buf := make([]byte, n)
	_, _ = rand.Read(buf)
	for i, b := range buf {
		buf[i] = alphabet[int(b)%len(alphabet)]
	}
	return string(buf)
}

const (
	// UpperDigits is the alphabet of key IDs and unique IDs.
	UpperDigits = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	lowerDigits = "abcdefghijklmnopqrstuvwxyz0123456789"
	secretChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
)

// NewAccessKeyID returns a key ID with AWS's prefixes: AKIA for long-term
// keys, ASIA for temporary credentials.
func NewAccessKeyID(prefix string) string { return prefix + RandomString(UpperDigits, 16) }

func newSecret() string { return RandomString(secretChars, 40) }

func newSessionToken() string { return "FwoGZXIvYXdzE" + RandomString(secretChars, 120) }

// NewUniqueID returns an IAM unique ID (AIDA… users, AROA… roles).
func NewUniqueID(prefix string) string { return prefix + RandomString(UpperDigits, 17) }
