package intake

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// SignatureHeader carries the HMAC of a request body, both on petitions sent
// to the webhook backend and on status events the backend posts back.
const SignatureHeader = "X-Minsheng-Signature"

const signaturePrefix = "sha256="

// Sign returns the X-Minsheng-Signature value for body: "sha256=" followed by
// the lowercase hex HMAC-SHA256 of body keyed with secret.
func Sign(secret, body []byte) string {
	return signaturePrefix + hex.EncodeToString(mac(secret, body))
}

// VerifySignature reports whether header is the signature of body under
// secret. The "sha256=" prefix is required, so a bare hex digest or another
// algorithm is refused rather than guessed at. An empty secret never verifies:
// an unconfigured secret must not turn into "anyone can sign".
// The digest comparison is constant-time; hex case is not significant.
func VerifySignature(secret, body []byte, header string) bool {
	if len(secret) == 0 || header == "" {
		return false
	}
	hexSum, ok := strings.CutPrefix(header, signaturePrefix)
	if !ok {
		return false
	}
	got, err := hex.DecodeString(hexSum)
	if err != nil || len(got) != sha256.Size {
		return false
	}
	return hmac.Equal(got, mac(secret, body))
}

func mac(secret, body []byte) []byte {
	h := hmac.New(sha256.New, secret)
	h.Write(body) // hash.Hash.Write never returns an error
	return h.Sum(nil)
}
