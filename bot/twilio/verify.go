package twilio

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"hash"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/minsheng/minsheng/bot"
	"github.com/twilio/twilio-go/client"
)

// EmptyTwiML is the answer that gives Twilio nothing to do (an SMS webhook:
// replies go through the send queue, rate-limited and retried; a dial that
// connected).
const EmptyTwiML = `<?xml version="1.0" encoding="UTF-8"?><Response/>`

// WriteTwiML answers a webhook with the TwiML document twiml, 200.
func WriteTwiML(w http.ResponseWriter, twiml string) {
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(twiml))
}

// alnum is what twilio-go accepts in credentials; anything else it refuses
// on every call (21222/21224).
var alnum = regexp.MustCompile(`^[A-Za-z0-9]+$`)

// CheckCredentials refuses, once at start, an account SID or auth token
// Twilio would refuse on every call. An empty auth token matters most: the
// webhooks' signatures would be keyed with it, and anyone could sign.
func CheckCredentials(accountSID, authToken string) error {
	if !alnum.MatchString(accountSID) || !alnum.MatchString(authToken) {
		return errors.New("sms.twilio.account_sid and auth_token must be set, letters and digits only")
	}
	return nil
}

// Verifier checks the X-Twilio-Signature of the webhooks Twilio calls.
type Verifier struct {
	publicURL string // http.public_url, without a trailing slash
	fragment  string // "#rc=3&rp=all": connection overrides on the webhook URL, or ""
	validator client.RequestValidator
	macs      sync.Pool // of hash.Hash: HMAC-SHA1 keyed with the auth token
}

// NewVerifier checks signatures made with authToken over publicURL (the
// http.public_url Twilio is configured with) + the request URI. overrides
// are the connection overrides ("rc=3&rp=all") added to the webhook URLs
// in Twilio as a fragment: the fragment never reaches us, and whether
// Twilio signs the URL with it is not documented, so a signature over the
// URL with the fragment is accepted as well as one without.
func NewVerifier(publicURL, authToken, overrides string) *Verifier {
	v := &Verifier{publicURL: strings.TrimSuffix(publicURL, "/"), validator: client.NewRequestValidator(authToken)}
	key := []byte(authToken)
	v.macs.New = func() any { return hmac.New(sha1.New, key) }
	if overrides = strings.TrimPrefix(overrides, "#"); overrides != "" {
		v.fragment = "#" + overrides
	}
	return v
}

// VerifiedForm parses the form and checks its signature. It answers 413 or
// 400 for a bad body and 403 for a missing or wrong signature itself, and
// returns false then. The signature covers the public URL Twilio called
// (never the local address: behind a proxy they differ), the query
// included, and every posted field: fields Twilio adds later are covered
// without a change here.
//
// A field posted twice is checked and read with its first value only
// (twilio-go's validator takes one value per name, and Twilio posts each
// field once): extra unsigned values are never used.
func (v *Verifier) VerifiedForm(w http.ResponseWriter, r *http.Request) bool {
	if !bot.ParseForm(w, r) {
		return false
	}
	sig := r.Header.Get("X-Twilio-Signature")
	if sig == "" {
		bot.Error(w, http.StatusForbidden, "missing X-Twilio-Signature")
		return false
	}
	u := v.publicURL + r.URL.RequestURI()
	if v.signedOver(u, r.PostForm, sig) {
		return true
	}
	params := make(map[string]string, len(r.PostForm))
	for k, vs := range r.PostForm {
		params[k] = vs[0]
	}
	if !v.validator.Validate(u, params, sig) && (v.fragment == "" || !v.validator.Validate(u+v.fragment, params, sig)) {
		bot.Error(w, http.StatusForbidden, "X-Twilio-Signature does not match (is http.public_url the URL Twilio calls?)")
		return false
	}
	return true
}

// signedOver reports whether sig is Twilio's signature over exactly u and
// form: HMAC-SHA1 of the URL followed by each field's name and first value
// in name order, base64. It is the case of nearly every genuine request,
// checked without the allocations of twilio-go's validator, which always
// computes two signatures (the URL with and without its port) and was a
// seventh of the CPU of taking an SMS in under load. What it accepts
// twilio-go accepts too (one of its two URLs is u as given); what it
// refuses goes on to twilio-go's check, so port variants and the
// overrides fragment are still accepted.
func (v *Verifier) signedOver(u string, form url.Values, sig string) bool {
	want, err := base64.StdEncoding.DecodeString(sig)
	if err != nil || len(want) != sha1.Size {
		return false
	}
	names := make([]string, 0, len(form))
	for k := range form {
		names = append(names, k)
	}
	slices.Sort(names)
	mac := v.macs.Get().(hash.Hash)
	defer v.macs.Put(mac)
	mac.Reset()
	buf := make([]byte, 0, 512)
	buf = append(buf, u...)
	for _, k := range names {
		buf = append(buf, k...)
		if vs := form[k]; len(vs) > 0 {
			buf = append(buf, vs[0]...)
		}
	}
	mac.Write(buf)
	var sum [sha1.Size]byte
	return subtle.ConstantTimeCompare(mac.Sum(sum[:0]), want) == 1
}
