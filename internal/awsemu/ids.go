package awsemu

import (
	"crypto/rand"
	"fmt"
)

// randomString returns n characters of alphabet, from crypto/rand.
func randomString(alphabet string, n int) string {
	buf := make([]byte, n)
	_, _ = rand.Read(buf)
	for i, b := range buf {
		buf[i] = alphabet[int(b)%len(alphabet)]
	}
	return string(buf)
}

const (
	upperDigits = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	lowerDigits = "abcdefghijklmnopqrstuvwxyz0123456789"
	secretChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
)

// newAccessKeyID returns a key ID with AWS's prefixes: AKIA for long-term
// keys, ASIA for temporary credentials.
func newAccessKeyID(prefix string) string { return prefix + randomString(upperDigits, 16) }

func newSecret() string { return randomString(secretChars, 40) }

func newSessionToken() string { return "FwoGZXIvYXdzE" + randomString(secretChars, 120) }

// newUniqueID returns an IAM unique ID (AIDA… users, AROA… roles).
func newUniqueID(prefix string) string { return prefix + randomString(upperDigits, 17) }

func newRequestID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
