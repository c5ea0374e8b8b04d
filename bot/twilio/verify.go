package twilio

import (
	"errors"
	"net/http"
	"regexp"
	"strings"

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
}

// NewVerifier checks signatures made with authToken over publicURL (the
// http.public_url Twilio is configured with) + the request URI. overrides
// are the connection overrides ("rc=3&rp=all") added to the webhook URLs
// in Twilio as a fragment: the fragment never reaches us, and whether
// Twilio signs the URL with it is not documented, so a signature over the
// URL with the fragment is accepted as well as one without.
func NewVerifier(publicURL, authToken, overrides string) *Verifier {
	v := &Verifier{publicURL: strings.TrimSuffix(publicURL, "/"), validator: client.NewRequestValidator(authToken)}
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
	params := make(map[string]string, len(r.PostForm))
	for k, vs := range r.PostForm {
		params[k] = vs[0]
	}
	u := v.publicURL + r.URL.RequestURI()
	if !v.validator.Validate(u, params, sig) && (v.fragment == "" || !v.validator.Validate(u+v.fragment, params, sig)) {
		bot.Error(w, http.StatusForbidden, "X-Twilio-Signature does not match (is http.public_url the URL Twilio calls?)")
		return false
	}
	return true
}
