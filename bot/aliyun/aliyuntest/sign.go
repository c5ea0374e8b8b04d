package aliyuntest

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net/url"
	"sort"
	"strings"
)

// percentEncode is the RPC signature's encoding (RFC 3986: only A-Z a-z
// 0-9 - _ . ~ unescaped; space as %20), as Alibaba Cloud's signature
// documentation states it.
func percentEncode(s string) string {
	e := url.QueryEscape(s)
	return strings.NewReplacer("+", "%20", "*", "%2A", "%7E", "~").Replace(e)
}

// Sign is the RPC-style request signature (SignatureMethod HMAC-SHA1,
// SignatureVersion 1.0): every parameter but Signature, sorted by name,
// percent-encoded name=value joined by &, then
// METHOD&%2F&percentEncode(that), HMAC-SHA1 with secret + "&", base64.
// Written from the documentation, not from the SDK, so that the fake
// checks the SDK's signing rather than repeating it.
func Sign(method string, params url.Values, secret string) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		if k != "Signature" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, percentEncode(k)+"="+percentEncode(params.Get(k)))
	}
	toSign := method + "&" + percentEncode("/") + "&" + percentEncode(strings.Join(parts, "&"))
	mac := hmac.New(sha1.New, []byte(secret+"&"))
	mac.Write([]byte(toSign))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}
